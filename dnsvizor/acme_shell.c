/*
 * The ACME engine in the event loop (see acme_shell.h).
 *
 * One engine per process.  It asks for one HTTP request at a time; each
 * request gets its own TLS connection (a CA sees a handful per
 * certificate, so keeping connections alive is not worth the state).
 * The request object outlives a reload: when the engine it belonged to
 * is gone, the answer is dropped.
 *
 * The DNS side (DNS-01 TXT records, waiting until they are served, the
 * robur TLSA convention) is acme_dns.c's; it reports back through the
 * callbacks below.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "acme/acme.h"
#include "dnsvizor/clock.h"
#include "dnsvizor/acme_dns.h"
#include "dnsvizor/acme_shell.h"
#include "dnsvizor/acme_tlsa.h"
#include "dnsvizor/tls.h"

#define DV_LE_PROD "https://acme-v02.api.letsencrypt.org/directory"

enum {
	DV_ACME_HTTP_TIMEOUT = 30,    /* seconds per request */
	DV_ACME_BODY_MAX = 1 << 20,   /* a chain or a JSON document */
	DV_PATH = 4096,
};

struct dv_acme;

/* One HTTP request in flight. */
typedef struct dv_acme_req {
	struct dv_acme *a;            /* NULL: engine gone, drop the answer */
	struct event *fail;           /* deferred transport failure */
	char url[2048];
} dv_acme_req;

struct dv_acme {
	dv_ctx *ctx;
	acme_ctx *eng;
	char dir[DV_PATH], certdir[DV_PATH];
	char *account_key, *account_url;
	acme_order_cfg *orders;
	size_t norders;
	char **names;                 /* every name, for orders[].names */
	size_t nnames;
	char **ids;
	SSL_CTX *ssl;
	struct evdns_base *dns;
	struct event *timer;
	dv_acme_req *inflight;
	dv_acme_dns *dns_side;        /* DNS-01 (acme_dns.c) */
	dv_acme_tlsa *tlsa;           /* TLSA CSRs (acme_tlsa.c) */
	int pumping;
};

static void dv_acme_pump(struct dv_acme *a);

static int64_t dv_now(void)
{
	return (int64_t)dv_now_s();
}

static void dv_acme_random(void *arg, void *buf, size_t len)
{
	(void)arg;
	if (RAND_bytes(buf, (int)len) != 1)
		memset(buf, 0, len);  /* only renewal jitter */
}

/* ------------------------------------------------------------------ */
/* files                                                              */
/* ------------------------------------------------------------------ */

static int dv_mkdir(const char *p)
{
	return mkdir(p, 0700) < 0 && errno != EEXIST ? -1 : 0;
}

/* NULL with errno set: ENOENT (no such file yet) or a real error. */
static char *dv_slurp(const char *path, size_t *len)
{
	char *data = NULL;
	size_t n = 0;
	int rc = dv_read_file(NULL, path, &data, &n);

	if (rc < 0) {
		errno = -rc;
		return NULL;
	}
	if (len)
		*len = n;
	return data;
}

/* The file stem of a certificate: its first name, '*' as '_'. */
static void dv_acme_stem(const char *spec, char *out, size_t cap)
{
	size_t i = 0;

	for (; spec[i] && spec[i] != ',' && i + 1 < cap; i++)
		out[i] = spec[i] == '*' ? '_' : spec[i];
	out[i] = '\0';
}

static void dv_acme_save(struct dv_acme *a)
{
	char path[2 * DV_PATH];
	char *js;

	if (!a->eng || !acme_state_dirty(a->eng))
		return;
	if (!(js = acme_state_save(a->eng)))
		return;
	snprintf(path, sizeof(path), "%s/state.json", a->dir);
	if (dv_write_atomic(path, js, strlen(js), 0600) < 0)
		dv_log(&a->ctx->lg, DV_LOG_ERR, "acme: %s: %s", path,
		       strerror(errno));
	free(js);
}

/* ------------------------------------------------------------------ */
/* HTTPS client                                                       */
/* ------------------------------------------------------------------ */

static int dv_acme_verify_cb(int ok, X509_STORE_CTX *xs)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(xs,
				SSL_get_ex_data_X509_STORE_CTX_idx());
	struct dv_acme *a = ssl ? SSL_get_app_data(ssl) : NULL;

	if (!ok && a)
		dv_log(&a->ctx->lg, DV_LOG_WARN, "acme: CA certificate not "
		       "trusted: %s (depth %d)", X509_verify_cert_error_string(
		       X509_STORE_CTX_get_error(xs)),
		       X509_STORE_CTX_get_error_depth(xs));
	return ok;
}

static int dv_acme_ssl_init(struct dv_acme *a, char *err, size_t errlen)
{
	const char *ca = a->ctx->cfg.acme_ca_file;

	a->ssl = SSL_CTX_new(TLS_client_method());
	if (!a->ssl) {
		snprintf(err, errlen, "acme: SSL_CTX_new failed");
		return -1;
	}
	SSL_CTX_set_min_proto_version(a->ssl, TLS1_2_VERSION);
	SSL_CTX_set_verify(a->ssl, SSL_VERIFY_PEER, dv_acme_verify_cb);
	if (ca ? SSL_CTX_load_verify_locations(a->ssl, ca, NULL) != 1
	       : SSL_CTX_set_default_verify_paths(a->ssl) != 1) {
		snprintf(err, errlen, "acme-ca-file %s: cannot load",
			 ca ? ca : "(system store)");
		return -1;
	}
	return 0;
}

static void dv_acme_http_answer(dv_acme_req *r, struct evhttp_request *req)
{
	struct dv_acme *a = r->a;
	acme_http_response resp;
	struct evkeyvalq *h;
	struct evkeyval *kv;
	struct evbuffer *body;
	char link[4096] = "";
	size_t off = 0;

	memset(&resp, 0, sizeof(resp));
	resp.status = req ? evhttp_request_get_response_code(req) : 0;
	if (resp.status > 0) {
		h = evhttp_request_get_input_headers(req);
		resp.replay_nonce = evhttp_find_header(h, "Replay-Nonce");
		resp.location = evhttp_find_header(h, "Location");
		resp.retry_after = evhttp_find_header(h, "Retry-After");
		resp.content_type = evhttp_find_header(h, "Content-Type");
		for (kv = h->tqh_first; kv; kv = kv->next.tqe_next)
			if (strcasecmp(kv->key, "Link") == 0 &&
			    off < sizeof(link))
				off += (size_t)snprintf(link + off,
					sizeof(link) - off, "%s%s",
					off ? ", " : "", kv->value);
		resp.link = off ? link : NULL;
		body = evhttp_request_get_input_buffer(req);
		resp.body_len = evbuffer_get_length(body);
		resp.body = resp.body_len ? evbuffer_pullup(body, -1) : NULL;
	} else {
		dv_log(&a->ctx->lg, DV_LOG_WARN, "acme: %s: no answer "
		       "(connect, TLS or timeout)", r->url);
	}
	if (resp.status >= 400)
		dv_log(&a->ctx->lg, DV_LOG_INFO, "acme: %s: HTTP %d: %.*s",
		       r->url, resp.status, (int)(resp.body_len > 400 ? 400 :
		       resp.body_len), resp.body ? (const char *)resp.body : "");
	acme_on_http_response(a->eng, &resp, dv_now());
}

static void dv_acme_req_done(dv_acme_req *r, struct evhttp_request *req)
{
	struct dv_acme *a = r->a;

	if (r->fail)
		event_free(r->fail);
	if (a) {
		a->inflight = NULL;
		dv_acme_http_answer(r, req);
		dv_acme_pump(a);
	}
	free(r);
}

static void dv_acme_http_cb(struct evhttp_request *req, void *arg)
{
	dv_acme_req_done(arg, req);
}

static void dv_acme_fail_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	dv_acme_req_done(arg, NULL);
}

static int dv_is_ip(const char *host)
{
	uint8_t b[16];

	return inet_pton(AF_INET, host, b) == 1 ||
	       inet_pton(AF_INET6, host, b) == 1;
}

/* Build and send the request; -1 when it could not even start. */
static int dv_acme_http_send(struct dv_acme *a, dv_acme_req *r,
			     const acme_action *act)
{
	struct evhttp_uri *u = evhttp_uri_parse(act->url);
	const char *host = u ? evhttp_uri_get_host(u) : NULL;
	const char *scheme = u ? evhttp_uri_get_scheme(u) : NULL;
	const char *path, *query;
	int port = u ? evhttp_uri_get_port(u) : -1;
	struct evhttp_connection *conn;
	struct evhttp_request *req;
	struct bufferevent *bev;
	struct evkeyvalq *h;
	enum evhttp_cmd_type cmd;
	char target[2048], hosthdr[300];
	SSL *ssl;
	int rc = -1;

	if (!host || !scheme || strcasecmp(scheme, "https") != 0) {
		dv_log(&a->ctx->lg, DV_LOG_ERR, "acme: %s: not an https URL",
		       act->url);
		goto out;
	}
	if (port < 0)
		port = 443;
	path = evhttp_uri_get_path(u);
	query = evhttp_uri_get_query(u);
	snprintf(target, sizeof(target), "%s%s%s", path && *path ? path : "/",
		 query ? "?" : "", query ? query : "");
	cmd = strcmp(act->method, "POST") == 0 ? EVHTTP_REQ_POST :
	      strcmp(act->method, "HEAD") == 0 ? EVHTTP_REQ_HEAD :
	      EVHTTP_REQ_GET;
	if (!(ssl = SSL_new(a->ssl)))
		goto out;
	SSL_set_app_data(ssl, a);
	if (dv_is_ip(host)) {
		X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host);
	} else {
		SSL_set_tlsext_host_name(ssl, host);
		SSL_set1_host(ssl, host);
	}
	/* numeric hosts and localhost (/etc/hosts) resolve at once; other
	 * names through evdns, without blocking the loop */
	if (!dv_is_ip(host) && strcmp(host, "localhost") != 0 && !a->dns)
		a->dns = evdns_base_new(a->ctx->base,
				EVDNS_BASE_INITIALIZE_NAMESERVERS);
	bev = bufferevent_openssl_socket_new(a->ctx->base, -1, ssl,
		BUFFEREVENT_SSL_CONNECTING,
		BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (!bev) {
		SSL_free(ssl);
		goto out;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	conn = evhttp_connection_base_bufferevent_new(a->ctx->base,
		dv_is_ip(host) || !strcmp(host, "localhost") ? NULL : a->dns,
		bev, host, (unsigned short)port);
	if (!conn) {
		bufferevent_free(bev);
		goto out;
	}
	evhttp_connection_set_timeout(conn, DV_ACME_HTTP_TIMEOUT);
	evhttp_connection_set_max_body_size(conn, DV_ACME_BODY_MAX);
	evhttp_connection_set_max_headers_size(conn, 64 * 1024);
	evhttp_connection_set_retries(conn, 0);
	if (!(req = evhttp_request_new(dv_acme_http_cb, r))) {
		evhttp_connection_free(conn);
		goto out;
	}
	h = evhttp_request_get_output_headers(req);
	if (port == 443)
		snprintf(hosthdr, sizeof(hosthdr), "%s", host);
	else
		snprintf(hosthdr, sizeof(hosthdr), strchr(host, ':') ?
			 "[%s]:%d" : "%s:%d", host, port);
	evhttp_add_header(h, "Host", hosthdr);
	evhttp_add_header(h, "User-Agent", "dnsvizor/" DV_VERSION);
	evhttp_add_header(h, "Connection", "close");
	if (act->accept)
		evhttp_add_header(h, "Accept", act->accept);
	if (cmd == EVHTTP_REQ_POST) {
		evhttp_add_header(h, "Content-Type", act->content_type ?
				  act->content_type : "application/jose+json");
		evbuffer_add(evhttp_request_get_output_buffer(req), act->body,
			     act->body_len);
	}
	if (evhttp_make_request(conn, req, cmd, target) < 0) {
		evhttp_connection_free(conn); /* req freed by libevent */
		goto out;
	}
	evhttp_connection_free_on_completion(conn);
	rc = 0;
out:
	if (u)
		evhttp_uri_free(u);
	return rc;
}

static void dv_acme_http(struct dv_acme *a, const acme_action *act)
{
	dv_acme_req *r = calloc(1, sizeof(*r));

	if (!r) {
		acme_http_response resp = { 0 };
		acme_on_http_response(a->eng, &resp, dv_now());
		return;
	}
	r->a = a;
	snprintf(r->url, sizeof(r->url), "%s", act->url);
	a->inflight = r;
	dv_log(&a->ctx->lg, DV_LOG_DEBUG, "acme: %s %s", act->method,
	       act->url);
	if (dv_acme_http_send(a, r, act) == 0)
		return;
	/* answered as a transport failure from the loop, not from here */
	r->fail = evtimer_new(a->ctx->base, dv_acme_fail_cb, r);
	if (r->fail) {
		struct timeval tv = { 1, 0 };
		evtimer_add(r->fail, &tv);
	}
}

/* ------------------------------------------------------------------ */
/* actions                                                            */
/* ------------------------------------------------------------------ */

static void dv_acme_store_account(struct dv_acme *a, const acme_action *act)
{
	char path[2 * DV_PATH];

	snprintf(path, sizeof(path), "%s/account.key", a->dir);
	if (act->account_key_pem &&
	    dv_write_atomic(path, act->account_key_pem,
			    strlen(act->account_key_pem), 0600) < 0)
		dv_log(&a->ctx->lg, DV_LOG_ERR, "acme: %s: %s", path,
		       strerror(errno));
	snprintf(path, sizeof(path), "%s/account.url", a->dir);
	if (act->account_url &&
	    dv_write_atomic(path, act->account_url,
			    strlen(act->account_url), 0600) < 0)
		dv_log(&a->ctx->lg, DV_LOG_ERR, "acme: %s: %s", path,
		       strerror(errno));
	dv_log(&a->ctx->lg, DV_LOG_INFO, "acme: account %s",
	       act->account_url ? act->account_url : "(none)");
}

/* The certificates of a PEM chain as DER (malloc'ed each); count. */
static int dv_pem_ders(const char *pem, uint8_t **der, int *len, int max)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x;
	int n = 0;

	while (b && n < max && (x = PEM_read_bio_X509(b, NULL, NULL, NULL))) {
		der[n] = NULL;
		len[n] = i2d_X509(x, &der[n]);
		X509_free(x);
		if (len[n] > 0)
			n++;
	}
	ERR_clear_error();
	BIO_free(b);
	return n;
}

/* An issued certificate of a TLSA order: back into the zone as DER. */
static void dv_acme_tlsa_cert(struct dv_acme *a, const acme_action *act)
{
	uint8_t *der[8];
	size_t len[8];
	int dl[8], n = dv_pem_ders(act->chain_pem, der, dl, 8);

	for (int i = 0; i < n; i++)
		len[i] = (size_t)dl[i];
	dv_acme_tlsa_store(a->tlsa, act->order_id,
			   (const uint8_t *const *)der, len, n);
	for (int i = 0; i < n; i++)
		OPENSSL_free(der[i]);
}

static void dv_acme_store_cert(struct dv_acme *a, const acme_action *act)
{
	char crt[2 * DV_PATH], key[2 * DV_PATH], stem[300];
	struct tm tm;
	time_t na = (time_t)act->not_after;
	char when[64];

	if (!act->key_pem) {
		dv_acme_tlsa_cert(a, act);
		return;
	}
	dv_acme_stem(act->order_id, stem, sizeof(stem));
	snprintf(key, sizeof(key), "%s/%s.key", a->certdir, stem);
	snprintf(crt, sizeof(crt), "%s/%s.crt", a->certdir, stem);
	if (dv_write_atomic(key, act->key_pem, strlen(act->key_pem),
			    0600) < 0 ||
	    dv_write_atomic(crt, act->chain_pem, strlen(act->chain_pem),
			    0644) < 0) {
		dv_log(&a->ctx->lg, DV_LOG_ERR, "acme: cannot write %s: %s",
		       crt, strerror(errno));
		return;
	}
	gmtime_r(&na, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	dv_log(&a->ctx->lg, DV_LOG_INFO, "acme: certificate %s installed, "
	       "valid until %s", crt, when);
	dv_tls_reload(a->ctx);
}

static void dv_acme_do(struct dv_acme *a, const acme_action *act)
{
	const char *id = act->order_id ? act->order_id : "account";

	switch (act->type) {
	case ACME_ACT_HTTP:
		dv_acme_http(a, act);
		break;
	case ACME_ACT_PUBLISH:
		dv_acme_dns_publish(a->dns_side, act->name, act->txt);
		break;
	case ACME_ACT_UNPUBLISH:
		dv_acme_dns_unpublish(a->dns_side, act->name, act->txt);
		break;
	case ACME_ACT_WAIT_PUBLISHED:
		dv_acme_dns_wait(a->dns_side, act->name, act->txt, act->token);
		break;
	case ACME_ACT_STORE_ACCOUNT:
		dv_acme_store_account(a, act);
		break;
	case ACME_ACT_STORE_CERT:
		dv_acme_store_cert(a, act);
		break;
	case ACME_ACT_LOG:
		dv_log(&a->ctx->lg, DV_LOG_INFO, "acme: %s: %s", id,
		       act->text ? act->text : "");
		break;
	case ACME_ACT_ERROR:
		dv_log(&a->ctx->lg, DV_LOG_WARN, "acme: %s failed: %s; "
		       "retrying in %lld s", id, act->text ? act->text : "",
		       (long long)(act->retry_at - dv_now()));
		break;
	case ACME_ACT_NONE:
		break;
	}
}

static void dv_acme_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dv_acme *a = arg;

	(void)fd;
	(void)what;
	acme_on_timer(a->eng, dv_now());
	dv_acme_pump(a);
}

/* Carry out everything the engine wants now, persist, re-arm. */
static void dv_acme_pump(struct dv_acme *a)
{
	acme_action act;
	int64_t t;

	if (!a->eng || a->pumping)
		return;
	a->pumping = 1;
	while (acme_next_action(a->eng, &act, dv_now()) != ACME_ACT_NONE)
		dv_acme_do(a, &act);
	a->pumping = 0;
	dv_acme_save(a);
	evtimer_del(a->timer);
	if ((t = acme_next_timer(a->eng)) >= 0) {
		struct timeval tv = { 0, 0 };
		int64_t d = t - dv_now();

		tv.tv_sec = d > 0 ? (time_t)(d > 86400 ? 86400 : d) : 0;
		evtimer_add(a->timer, &tv);
	}
}

/* ------------------------------------------------------------------ */
/* start / stop                                                       */
/* ------------------------------------------------------------------ */

/* Split the --acme-cert lists into orders. */
static int dv_acme_orders(struct dv_acme *a, char *err, size_t errlen)
{
	const dv_cert_orders *l = &a->ctx->cfg.acme_certs;
	size_t total = 0;

	for (size_t i = 0; i < l->n; i++)
		total += l->v[i].nnames;
	a->orders = calloc(l->n ? l->n : 1, sizeof(*a->orders));
	a->names = calloc(total ? total : 1, sizeof(char *));
	a->ids = calloc(l->n ? l->n : 1, sizeof(char *));
	if (!a->orders || !a->names || !a->ids)
		goto oom;
	for (size_t i = 0; i < l->n; i++) {
		acme_order_cfg *o = &a->orders[a->norders++];
		char stem[300], crt[2 * DV_PATH];
		size_t len;
		char *pem;

		dv_acme_stem(l->v[i].names[0], stem, sizeof(stem));
		if (!(a->ids[i] = strdup(stem)))
			goto oom;
		o->id = a->ids[i];
		o->names = (const char *const *)&a->names[a->nnames];
		o->key_type = (acme_key_type)a->ctx->cfg.acme_key_type;
		for (size_t j = 0; j < l->v[i].nnames; j++) {
			if (!(a->names[a->nnames] = strdup(l->v[i].names[j])))
				goto oom;
			a->nnames++;
			o->nnames++;
		}
		snprintf(crt, sizeof(crt), "%s/%s.crt", a->certdir, stem);
		if ((pem = dv_slurp(crt, &len))) {
			acme_cert_times(pem, len, &o->not_before,
					&o->not_after);
			o->cert_pem = pem;   /* for ARI; freed after acme_new */
		}
	}
	return 0;
oom:
	snprintf(err, errlen, "acme: out of memory");
	return -1;
}

static int dv_acme_account(struct dv_acme *a, char *err, size_t errlen)
{
	char path[2 * DV_PATH];
	size_t n;

	snprintf(path, sizeof(path), "%s/account.key", a->dir);
	if (!(a->account_key = dv_slurp(path, NULL))) {
		if (errno != ENOENT) {  /* never replace a key we cannot read */
			snprintf(err, errlen, "acme: %s: %s", path,
				 strerror(errno));
			return -1;
		}
		if (!(a->account_key = acme_key_generate(ACME_KEY_EC_P256))) {
			snprintf(err, errlen, "acme: cannot generate the "
				 "account key");
			return -1;
		}
		if (dv_write_atomic(path, a->account_key,
				    strlen(a->account_key), 0600) < 0) {
			snprintf(err, errlen, "acme: %s: %s", path,
				 strerror(errno));
			return -1;
		}
		dv_log(&a->ctx->lg, DV_LOG_INFO, "acme: new account key %s",
		       path);
	}
	snprintf(path, sizeof(path), "%s/account.url", a->dir);
	if ((a->account_url = dv_slurp(path, &n)))
		while (n > 0 && (a->account_url[n - 1] == '\n' ||
				 a->account_url[n - 1] == ' '))
			a->account_url[--n] = '\0';
	else if (errno != ENOENT) {
		snprintf(err, errlen, "acme: %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Create the engine (first --acme-cert or the first TLSA CSR). */
static int dv_acme_engine(struct dv_acme *a, char *err, size_t errlen)
{
	const dv_config *cfg = &a->ctx->cfg;
	char eab[512], *hm = NULL, path[2 * DV_PATH], *js;
	acme_cfg ac;
	size_t len;

	if (a->eng)
		return 0;
	if (dv_mkdir(a->dir) < 0 || dv_mkdir(a->certdir) < 0) {
		snprintf(err, errlen, "acme: %s: %s", a->dir, strerror(errno));
		return -1;
	}
	if (!a->account_key && dv_acme_account(a, err, errlen) < 0)
		return -1;
	if (!a->ssl && dv_acme_ssl_init(a, err, errlen) < 0)
		return -1;
	memset(&ac, 0, sizeof(ac));
	ac.directory_url = cfg->acme_directory ? cfg->acme_directory
					       : DV_LE_PROD;
	ac.contact_email = cfg->acme_email;
	ac.agree_tos = cfg->acme_agree_tos;
	if (cfg->acme_eab) {
		snprintf(eab, sizeof(eab), "%s", cfg->acme_eab);
		if ((hm = strchr(eab, ':')))
			*hm++ = '\0';
		ac.eab_kid = eab;
		ac.eab_hmac_key = hm;
	}
	ac.account_key_pem = a->account_key;
	ac.account_url = a->account_url;
	ac.orders = a->orders;
	ac.norders = a->norders;
	ac.random = dv_acme_random;
	ac.now = dv_now();
	a->eng = acme_new(&ac, err, errlen);
	for (size_t i = 0; i < a->norders; i++) {   /* copied by acme_new */
		free((char *)a->orders[i].cert_pem);
		a->orders[i].cert_pem = NULL;
	}
	if (!a->eng)
		return -1;
	if (!a->account_url && !cfg->acme_agree_tos)
		dv_log(&a->ctx->lg, DV_LOG_WARN, "acme: no account yet and "
		       "--acme-agree-tos not given: the CA will refuse to "
		       "create one; read its terms and add --acme-agree-tos");
	snprintf(path, sizeof(path), "%s/state.json", a->dir);
	if ((js = dv_slurp(path, &len))) {
		if (acme_state_load(a->eng, js, len, dv_now()) < 0)
			dv_log(&a->ctx->lg, DV_LOG_WARN, "acme: %s: unreadable,"
			       " starting afresh", path);
		free(js);
	} else if (errno != ENOENT) {
		snprintf(err, errlen, "acme: %s: %s", path, strerror(errno));
		return -1;
	}
	if (cfg->acme_renew_now)
		for (size_t i = 0; i < a->norders; i++)
			acme_order_renew_now(a->eng, a->orders[i].id, dv_now());
	dv_log(&a->ctx->lg, DV_LOG_INFO, "acme: directory %s, %zu "
	       "certificate%s", ac.directory_url, a->norders,
	       a->norders == 1 ? "" : "s");
	return 0;
}

static void dv_acme_paths(const dv_config *cfg, char *dir, char *certdir)
{
	const char *s = cfg->state_dir ? cfg->state_dir : ".";

	snprintf(dir, DV_PATH, "%s/acme", s);
	snprintf(certdir, DV_PATH, "%s/certs", s);
}

void dv_acme_tls_files(dv_ctx *ctx)
{
	char dir[DV_PATH], certdir[DV_PATH], stem[300];
	char crt[2 * DV_PATH], key[2 * DV_PATH];

	if (ctx->cfg.tls_cert || ctx->cfg.acme_certs.n == 0)
		return;
	dv_acme_paths(&ctx->cfg, dir, certdir);
	dv_acme_stem(ctx->cfg.acme_certs.v[0].names[0], stem, sizeof(stem));
	snprintf(crt, sizeof(crt), "%s/%s.crt", certdir, stem);
	snprintf(key, sizeof(key), "%s/%s.key", certdir, stem);
	dv_tls_set_files(ctx, crt, key);
}

/* ------------------------------------------------------------------ */
/* what the DNS side (acme_dns.c) reports                             */
/* ------------------------------------------------------------------ */

static void dv_acme_published_cb(void *arg, const char *token,
				 const char *why)
{
	struct dv_acme *a = arg;

	if (!a->eng)
		return;
	if (why)
		acme_on_publish_failed(a->eng, token, why, dv_now());
	else
		acme_on_published(a->eng, token, dv_now());
	dv_acme_pump(a);
}

static int dv_acme_order_csr_cb(void *arg, const char *id,
				const uint8_t *csr, size_t len, char *err,
				size_t errlen)
{
	struct dv_acme *a = arg;

	if (dv_acme_engine(a, err, errlen) < 0)
		return -1;
	return acme_order_csr(a->eng, id, csr, len, dv_now(), err,
			      errlen) < 0 ? -2 : 0;
}

static void dv_acme_order_gone_cb(void *arg, const char *id)
{
	struct dv_acme *a = arg;

	if (a->eng)
		acme_order_remove(a->eng, id);
}

static void dv_acme_kick_cb(void *arg)
{
	dv_acme_pump(arg);
}

int dv_acme_start(dv_ctx *ctx, char *err, size_t errlen)
{
	struct dv_acme *a = calloc(1, sizeof(*a));
	dv_acme_dns_cb cb = { .published = dv_acme_published_cb };
	dv_acme_tlsa_cb tcb = {
		.order_csr = dv_acme_order_csr_cb,
		.order_gone = dv_acme_order_gone_cb,
		.kick = dv_acme_kick_cb,
	};

	if (!a) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ctx->acme = a;
	a->ctx = ctx;
	cb.arg = a;
	tcb.arg = a;
	dv_acme_paths(&ctx->cfg, a->dir, a->certdir);
	a->timer = evtimer_new(ctx->base, dv_acme_timer_cb, a);
	a->dns_side = dv_acme_dns_new(ctx, &cb);
	a->tlsa = dv_acme_tlsa_new(ctx, &tcb);
	if (!a->timer || !a->dns_side || !a->tlsa) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (dv_acme_orders(a, err, errlen) < 0)
		return -1;
	if (a->norders && dv_acme_engine(a, err, errlen) < 0)
		return -1;
	dv_acme_pump(a);
	return 0;
}

void dv_acme_stop(dv_ctx *ctx)
{
	struct dv_acme *a = ctx->acme;

	if (!a)
		return;
	dv_acme_save(a);
	if (a->inflight)
		a->inflight->a = NULL;   /* its answer is dropped */
	dv_acme_dns_free(a->dns_side);
	dv_acme_tlsa_free(a->tlsa);
	if (a->timer)
		event_free(a->timer);
	acme_free(a->eng);
	if (a->dns)
		evdns_base_free(a->dns, 0);
	SSL_CTX_free(a->ssl);
	for (size_t i = 0; i < a->nnames; i++)
		free(a->names[i]);
	for (size_t i = 0; i < a->norders; i++)
		free(a->ids[i]);
	free(a->names);
	free(a->ids);
	free(a->orders);
	free(a->account_key);
	free(a->account_url);
	free(a);
	ctx->acme = NULL;
}

void dv_acme_reload(dv_ctx *ctx)
{
	char err[512];

	dv_acme_stop(ctx);
	if (dv_acme_start(ctx, err, sizeof(err)) < 0) {
		dv_log(&ctx->lg, DV_LOG_ERR, "acme: reload: %s", err);
		dv_acme_stop(ctx);
	}
}
