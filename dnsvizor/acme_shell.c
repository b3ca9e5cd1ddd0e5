/*
 * The ACME engine in the event loop (see acme_shell.h).
 *
 * One engine per process.  It asks for one HTTP request at a time; each
 * request gets its own TLS connection (a CA sees a handful per
 * certificate, so keeping connections alive is not worth the state).
 * The request object outlives a reload: when the engine it belonged to
 * is gone, the answer is dropped.
 *
 * DNS-01 records go into a zone we are primary for through
 * zone_db_update_local (journal, serial bump, NOTIFY like any UPDATE).
 * "Published" means every --notify target of that zone serves a SOA
 * serial at least the one our change made (SOA queries over UDP, once a
 * second, up to DV_ACME_WAIT_TRIES).
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
#include "dnsvizor/acme_shell.h"
#include "dnsvizor/tls.h"
#include "dnsvizor/net.h"
#include "dnsvizor/persist.h"
#include "dnsvizor/localupd.h"

#define DV_LE_PROD "https://acme-v02.api.letsencrypt.org/directory"

enum {
	DV_ACME_HTTP_TIMEOUT = 30,    /* seconds per request */
	DV_ACME_BODY_MAX = 1 << 20,   /* a chain or a JSON document */
	DV_ACME_TXT_TTL = 60,
	DV_ACME_WAIT_TRIES = 120,     /* SOA checks, one a second */
	DV_ACME_SCAN_FULL = 3600,     /* TLSA: rescan unchanged zones */
	DV_DNS_T_TLSA = 52,
	DV_PATH = 4096,
};

struct dv_acme;

/* One HTTP request in flight. */
typedef struct dv_acme_req {
	struct dv_acme *a;            /* NULL: engine gone, drop the answer */
	struct event *fail;           /* deferred transport failure */
	char url[2048];
} dv_acme_req;

/* A TXT record we could not publish (WAIT_PUBLISHED then fails). */
typedef struct dv_acme_nopub {
	char name[WIRE_MAXNAME * 4];
	char why[512];
} dv_acme_nopub;

/* Waiting for the secondaries of a zone to serve a serial. */
typedef struct dv_acme_wait {
	struct dv_acme *a;
	struct dv_acme_wait *next;
	char token[256];
	uint8_t origin[WIRE_MAXNAME];
	uint32_t serial;
	struct sockaddr_storage tgt[16];
	socklen_t tlen[16];
	int ok[16];
	int ntgt, tries, fd;
	struct event *rd, *tick;
} dv_acme_wait;

/* A _letsencrypt._tcp.HOST name holding a CSR (robur convention). */
typedef struct dv_acme_tlsa {
	char host[WIRE_MAXNAME * 4];  /* HOST without the trailing dot */
	char id[WIRE_MAXNAME * 4 + 8];/* order id: "tlsa-HOST" (apart from
					 the --acme-cert ids) */
	uint8_t lname[WIRE_MAXNAME];
	char zone[WIRE_MAXNAME * 4];
	uint8_t *csr;
	size_t csr_len;
	int ordered, seen;
} dv_acme_tlsa;

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
	struct event *timer, *scan;
	dv_acme_req *inflight;
	dv_acme_nopub *nopub;
	size_t nnopub;
	dv_acme_wait *waits;
	struct dv_ext *exts;          /* RFC 2136 to --dns-server */
	dv_acme_tlsa *tl;
	size_t ntl;
	uint32_t *zserial;            /* per --zone: serial at the last scan */
	int64_t last_full;
	int pumping;
};

static void dv_acme_pump(struct dv_acme *a);

static int64_t dv_now(void)
{
	return (int64_t)time(NULL);
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
/* zone changes                                                       */
/* ------------------------------------------------------------------ */

static int dv_is_secondary(const dv_ctx *ctx, const uint8_t *origin)
{
	for (size_t i = 0; i < ctx->cfg.secondaries.n; i++) {
		uint8_t w[WIRE_MAXNAME];

		if (wire_name_from_str(ctx->cfg.secondaries.v[i].zone, w) > 0 &&
		    wire_name_equal(w, origin))
			return 1;
	}
	return 0;
}

/* The zone we are primary for that holds name (deepest), or NULL. */
static zone *dv_acme_zone_for(dv_ctx *ctx, const char *name)
{
	uint8_t w[WIRE_MAXNAME];
	char s[WIRE_MAXNAME * 4];
	const uint8_t *p = w;

	if (wire_name_from_str(name, w) < 0)
		return NULL;
	while (*p) {
		zone *z;

		if (wire_name_to_str(p, s, sizeof(s)) < 0)
			return NULL;
		z = zone_db_get_zone(ctx->db, s);
		if (z)
			return dv_is_secondary(ctx, zone_origin(z)) ||
			       zone_is_expired(z) ? NULL : z;
		p += *p + 1;
	}
	return NULL;
}

/* An update of one of our zones (localupd.c), synced at once: the CA
 * is told to look only after this returns. */
static int dv_upd_run(dv_ctx *ctx, dv_lupd *u, const char *name)
{
	char what[300];

	snprintf(what, sizeof(what), "acme: %.280s", name);
	if (dv_lupd_apply(ctx, u, what) < 0)
		return -1;
	if (dv_persist_sync(ctx) < 0) {  /* undone: not there to check */
		dv_log(&ctx->lg, DV_LOG_ERR, "%s: journal not synced", what);
		return -1;
	}
	return 0;
}

/* TXT name = value, added (add != 0) or removed, in our zone. */
static int dv_acme_txt(struct dv_acme *a, const char *name, const char *txt,
		       int add, char *why, size_t whylen)
{
	zone *z = dv_acme_zone_for(a->ctx, name);
	uint8_t owner[WIRE_MAXNAME], rd[256];
	size_t n = strlen(txt);
	dv_lupd *u;
	int rc;

	if (!z) {
		snprintf(why, whylen, "%s is not in a zone this server is "
			 "primary for (add a --zone for it)", name);
		return -1;
	}
	if (n > 255 || wire_name_from_str(name, owner) < 0) {
		snprintf(why, whylen, "%s: bad name or value", name);
		return -1;
	}
	rd[0] = (uint8_t)n;
	memcpy(rd + 1, txt, n);
	if (!(u = malloc(sizeof(*u)))) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	dv_lupd_start(u, zone_origin(z));
	dv_lupd_rr(u, owner, DNS_T_TXT, add ? DNS_C_IN : DNS_C_NONE,
		  add ? DV_ACME_TXT_TTL : 0, rd, n + 1);
	rc = dv_upd_run(a->ctx, u, name);
	free(u);
	if (rc < 0)
		snprintf(why, whylen, "%s: the zone update failed", name);
	else
		dv_log(&a->ctx->lg, DV_LOG_INFO, "acme: %s TXT %s %s", name,
		       txt, add ? "published" : "removed");
	return rc;
}

/* ------------------------------------------------------------------ */
/* waiting for the secondaries                                        */
/* ------------------------------------------------------------------ */

static void dv_wait_free(struct dv_acme *a, dv_acme_wait *w)
{
	for (dv_acme_wait **pp = &a->waits; *pp; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	if (w->rd)
		event_free(w->rd);
	if (w->tick)
		event_free(w->tick);
	if (w->fd >= 0)
		close(w->fd);
	free(w);
}

static void dv_wait_finish(dv_acme_wait *w, int ok)
{
	struct dv_acme *a = w->a;
	char token[256];

	snprintf(token, sizeof(token), "%s", w->token);
	if (!ok)
		dv_log(&a->ctx->lg, DV_LOG_WARN, "acme: a secondary did not "
		       "serve serial %u within %d s", w->serial,
		       DV_ACME_WAIT_TRIES);
	dv_wait_free(a, w);
	if (ok)
		acme_on_published(a->eng, token, dv_now());
	else
		acme_on_publish_failed(a->eng, token, "a secondary of the "
				       "zone did not pick up the change",
				       dv_now());
	dv_acme_pump(a);
}

static void dv_wait_send(dv_acme_wait *w)
{
	uint8_t q[WIRE_HDRLEN + WIRE_MAXNAME + 4];
	size_t n = wire_name_len(w->origin);

	memset(q, 0, WIRE_HDRLEN);
	wire_put16(q, (uint16_t)(0x5a00 + w->tries));
	wire_put16(q + 4, 1);
	memcpy(q + WIRE_HDRLEN, w->origin, n);
	wire_put16(q + WIRE_HDRLEN + n, DNS_T_SOA);
	wire_put16(q + WIRE_HDRLEN + n + 2, DNS_C_IN);
	for (int i = 0; i < w->ntgt; i++)
		if (!w->ok[i])
			sendto(w->fd, q, WIRE_HDRLEN + n + 4, 0,
			       (struct sockaddr *)&w->tgt[i], w->tlen[i]);
}

static void dv_wait_tick(evutil_socket_t fd, short what, void *arg)
{
	dv_acme_wait *w = arg;
	struct timeval tv = { 1, 0 };

	(void)fd;
	(void)what;
	if (++w->tries > DV_ACME_WAIT_TRIES) {
		dv_wait_finish(w, 0);
		return;
	}
	dv_wait_send(w);
	evtimer_add(w->tick, &tv);
}

/* The SOA serial in a response's answer section, or -1. */
static int64_t dv_soa_serial(const uint8_t *m, size_t len)
{
	size_t pos = WIRE_HDRLEN;
	uint16_t an;

	if (len < WIRE_HDRLEN || (wire_get16(m + 2) & 0xf) != 0 ||
	    wire_get16(m + 4) != 1)
		return -1;
	an = wire_get16(m + 6);
	if (wire_name_read(m, len, &pos, NULL) < 0 || (pos += 4) > len)
		return -1;
	for (uint16_t i = 0; i < an; i++) {
		uint16_t type, rdlen;
		size_t rd;

		if (wire_name_read(m, len, &pos, NULL) < 0 || pos + 10 > len)
			return -1;
		type = wire_get16(m + pos);
		rdlen = wire_get16(m + pos + 8);
		rd = pos + 10;
		pos = rd + rdlen;
		if (pos > len)
			return -1;
		if (type != DNS_T_SOA)
			continue;
		if (wire_name_read(m, len, &rd, NULL) < 0 ||
		    wire_name_read(m, len, &rd, NULL) < 0 || rd + 4 > pos)
			return -1;
		return wire_get32(m + rd);
	}
	return -1;
}

static void dv_wait_read(evutil_socket_t fd, short what, void *arg)
{
	dv_acme_wait *w = arg;
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from);
	uint8_t m[4096];
	ssize_t n;
	int64_t s;
	int left = 0;

	(void)what;
	n = recvfrom(fd, m, sizeof(m), 0, (struct sockaddr *)&from, &flen);
	if (n <= 0 || (s = dv_soa_serial(m, (size_t)n)) < 0)
		return;
	for (int i = 0; i < w->ntgt; i++) {
		if (w->tlen[i] == flen && !memcmp(&w->tgt[i], &from, flen) &&
		    ((uint32_t)s == w->serial ||
		     zone_serial_newer((uint32_t)s, w->serial)))
			w->ok[i] = 1;
		left += !w->ok[i];
	}
	if (!left)
		dv_wait_finish(w, 1);
}

/* The --notify targets of zone z into w. */
static void dv_wait_targets(dv_ctx *ctx, dv_acme_wait *w)
{
	for (size_t i = 0; i < ctx->cfg.notify.n && w->ntgt < 16; i++) {
		const dv_peer_spec *t = &ctx->cfg.notify.v[i];
		char err[128];
		uint8_t o[WIRE_MAXNAME];
		dv_addr ad;

		if (wire_name_from_str(t->zone, o) < 0 ||
		    !wire_name_equal(o, w->origin) ||
		    dv_addr_parse(t->addr.ip, t->addr.port, &ad, err,
				  sizeof(err)) < 0 ||
		    (w->ntgt > 0 && ad.ss.ss_family != w->tgt[0].ss_family))
			continue;
		w->tgt[w->ntgt] = ad.ss;
		w->tlen[w->ntgt++] = ad.len;
	}
}

/* WAIT_PUBLISHED for a record in zone z. */
static void dv_acme_wait_start(struct dv_acme *a, const zone *z,
			       const char *token)
{
	dv_acme_wait *w = calloc(1, sizeof(*w));
	struct timeval tv = { 0, 0 };

	if (!w) {
		acme_on_publish_failed(a->eng, token, "out of memory",
				       dv_now());
		return;
	}
	w->a = a;
	w->fd = -1;
	snprintf(w->token, sizeof(w->token), "%s", token);
	wire_name_lower(w->origin, zone_origin(z));
	w->serial = zone_serial(z);
	dv_wait_targets(a->ctx, w);
	if (w->ntgt == 0) {        /* only us: served already */
		free(w);
		acme_on_published(a->eng, token, dv_now());
		return;
	}
	w->fd = socket(w->tgt[0].ss_family, SOCK_DGRAM | SOCK_NONBLOCK |
		       SOCK_CLOEXEC, 0);
	w->next = a->waits;
	a->waits = w;
	if (w->fd < 0 ||
	    !(w->rd = event_new(a->ctx->base, w->fd, EV_READ | EV_PERSIST,
				dv_wait_read, w)) ||
	    !(w->tick = evtimer_new(a->ctx->base, dv_wait_tick, w)) ||
	    event_add(w->rd, NULL) < 0 || evtimer_add(w->tick, &tv) < 0) {
		dv_wait_free(a, w);
		acme_on_publish_failed(a->eng, token, "cannot query the "
				       "secondaries", dv_now());
		return;
	}
	dv_log(&a->ctx->lg, DV_LOG_INFO, "acme: waiting for %d secondar%s "
	       "to serve serial %u", w->ntgt, w->ntgt == 1 ? "y" : "ies",
	       w->serial);
}

static void dv_acme_nopub_add(struct dv_acme *a, const char *name,
			      const char *why)
{
	dv_acme_nopub *v = realloc(a->nopub, (a->nnopub + 1) * sizeof(*v));

	if (!v)
		return;
	a->nopub = v;
	snprintf(v[a->nnopub].name, sizeof(v->name), "%s", name);
	snprintf(v[a->nnopub].why, sizeof(v->why), "%s", why);
	a->nnopub++;
}

/* ------------------------------------------------------------------ */
/* external primary (--dns-server): RFC 2136 UPDATE signed with TSIG  */
/* ------------------------------------------------------------------ */

/* WAIT: the TXT at the primary, then NSZONE (its zone, SOA), NSLIST (the
 * zone's NS with glue) and NSWAIT (the TXT at every name server). */
enum { DV_EXT_ZONE, DV_EXT_UPDATE, DV_EXT_WAIT, DV_EXT_NSZONE,
       DV_EXT_NSLIST, DV_EXT_NSWAIT };
enum { DV_EXT_TRIES = 5, DV_EXT_WAIT_TRIES = 60, DV_EXT_NS_MAX = 8 };

/* One exchange with the external primary: find the zone (SOA query),
 * send the UPDATE; or poll the TXT until the primary and the zone's name
 * servers serve it. */
typedef struct dv_ext {
	struct dv_acme *a;
	struct dv_ext *next;
	int step, add, tries, fd;
	char name[WIRE_MAXNAME * 4], txt[256], token[256];
	uint8_t owner[WIRE_MAXNAME], zone[WIRE_MAXNAME];
	uint8_t msg[1024];
	size_t len;
	uint16_t id;
	zone_tsig_key key;
	zone_tsig_ctx tc;
	int has_key;
	struct sockaddr_storage ss;
	socklen_t sl;
	struct event *rd, *tick;
	/* the zone's name servers (glue from the primary), port 53 */
	uint8_t nsname[DV_EXT_NS_MAX][WIRE_MAXNAME];
	int nnsname;
	struct sockaddr_storage nsa[DV_EXT_NS_MAX];
	socklen_t nsl[DV_EXT_NS_MAX];
	uint8_t nsok[DV_EXT_NS_MAX];
	int nns, nsfd;
	struct event *nsrd;
} dv_ext;

static void dv_ext_free(dv_ext *e)
{
	struct dv_acme *a = e->a;

	for (dv_ext **pp = &a->exts; *pp; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	if (e->rd)
		event_free(e->rd);
	if (e->nsrd)
		event_free(e->nsrd);
	if (e->tick)
		event_free(e->tick);
	if (e->fd >= 0)
		close(e->fd);
	if (e->nsfd >= 0)
		close(e->nsfd);
	free(e);
}

/* A query for owner/type into e->msg. */
static void dv_ext_query(dv_ext *e, uint16_t type)
{
	size_t n = wire_name_len(e->owner);

	RAND_bytes((unsigned char *)&e->id, sizeof(e->id));
	memset(e->msg, 0, WIRE_HDRLEN);
	wire_put16(e->msg, e->id);
	wire_put16(e->msg + 4, 1);
	memcpy(e->msg + WIRE_HDRLEN, e->owner, n);
	wire_put16(e->msg + WIRE_HDRLEN + n, type);
	wire_put16(e->msg + WIRE_HDRLEN + n + 2, DNS_C_IN);
	e->len = WIRE_HDRLEN + n + 4;
}

/* The UPDATE adding or deleting the TXT, TSIG-signed. 0 or -1. */
static int dv_ext_update(dv_ext *e)
{
	wire_writer w;
	uint8_t rd[256];
	size_t n = strlen(e->txt);

	RAND_bytes((unsigned char *)&e->id, sizeof(e->id));
	rd[0] = (uint8_t)n;
	memcpy(rd + 1, e->txt, n);
	wire_writer_init(&w, e->msg, sizeof(e->msg), sizeof(e->msg));
	memset(e->msg, 0, WIRE_HDRLEN);
	if (wire_write(&w, e->msg, WIRE_HDRLEN) < 0 ||
	    wire_write_name(&w, e->zone, 1) < 0 ||
	    wire_write16(&w, DNS_T_SOA) < 0 || wire_write16(&w, DNS_C_IN) < 0 ||
	    wire_write_rr(&w, e->owner, DNS_T_TXT, e->add ? DNS_C_IN :
			  DNS_C_NONE, e->add ? DV_ACME_TXT_TTL : 0, rd,
			  (uint16_t)(n + 1), NULL) < 0)
		return -1;
	wire_put16(e->msg, e->id);
	e->msg[2] = DNS_OP_UPDATE << 3;
	wire_put16(e->msg + 4, 1);
	wire_put16(e->msg + 8, 1);
	e->len = w.len;
	memset(&e->tc, 0, sizeof(e->tc));
	if (e->has_key && zone_tsig_sign_request(&e->tc, &e->key, e->msg,
						 &e->len, sizeof(e->msg),
						 (uint64_t)time(NULL)) < 0)
		return -1;
	return 0;
}

static void dv_ext_send(dv_ext *e)
{
	struct timeval tv = { 1, 0 };

	sendto(e->fd, e->msg, e->len, 0, (struct sockaddr *)&e->ss, e->sl);
	evtimer_add(e->tick, &tv);
}

/* Walk the RRs of m (every section); fn returns 1 to stop. */
static int dv_rr_walk(const uint8_t *m, size_t len,
		      int (*fn)(void *arg, const uint8_t *m, size_t len,
				const uint8_t *owner, uint16_t type,
				size_t rd, uint16_t rdlen), void *arg)
{
	size_t pos = WIRE_HDRLEN;
	unsigned n;

	if (len < WIRE_HDRLEN || wire_get16(m + 4) != 1 ||
	    wire_name_read(m, len, &pos, NULL) < 0 || (pos += 4) > len)
		return 0;
	n = (unsigned)wire_get16(m + 6) + wire_get16(m + 8) +
	    wire_get16(m + 10);
	for (unsigned i = 0; i < n; i++) {
		uint8_t owner[WIRE_MAXNAME];
		uint16_t type, rdlen;

		if (wire_name_read(m, len, &pos, owner) < 0 || pos + 10 > len)
			return 0;
		type = wire_get16(m + pos);
		rdlen = wire_get16(m + pos + 8);
		if (pos + 10 + rdlen > len)
			return 0;
		if (fn(arg, m, len, owner, type, pos + 10, rdlen))
			return 1;
		pos += 10u + rdlen;
	}
	return 0;
}

static int dv_ext_soa_rr(void *arg, const uint8_t *m, size_t len,
			 const uint8_t *owner, uint16_t type, size_t rd,
			 uint16_t rdlen)
{
	dv_ext *e = arg;

	(void)m, (void)len, (void)rd, (void)rdlen;
	if (type != DNS_T_SOA || !wire_name_is_sub(e->owner, owner))
		return 0;
	wire_name_lower(e->zone, owner);
	return 1;
}

static int dv_ext_txt_rr(void *arg, const uint8_t *m, size_t len,
			 const uint8_t *owner, uint16_t type, size_t rd,
			 uint16_t rdlen)
{
	dv_ext *e = arg;
	size_t n = strlen(e->txt);

	(void)len;
	return type == DNS_T_TXT && wire_name_equal(owner, e->owner) &&
	       rdlen == n + 1 && m[rd] == n && !memcmp(m + rd + 1, e->txt, n);
}

/* NS RRs of the zone: their target names. */
static int dv_ext_ns_rr(void *arg, const uint8_t *m, size_t len,
			const uint8_t *owner, uint16_t type, size_t rd,
			uint16_t rdlen)
{
	dv_ext *e = arg;
	size_t pos = rd;

	(void)rdlen;
	if (type == DNS_T_NS && wire_name_equal(owner, e->zone) &&
	    e->nnsname < DV_EXT_NS_MAX &&
	    wire_name_read(m, len, &pos, e->nsname[e->nnsname]) > 0) {
		wire_name_lower(e->nsname[e->nnsname],
				e->nsname[e->nnsname]);
		e->nnsname++;
	}
	return 0;
}

/* A/AAAA glue of those names: the addresses to check (port 53). */
static int dv_ext_glue_rr(void *arg, const uint8_t *m, size_t len,
			  const uint8_t *owner, uint16_t type, size_t rd,
			  uint16_t rdlen)
{
	dv_ext *e = arg;
	int i, known = 0;

	(void)len;
	for (i = 0; i < e->nnsname; i++)
		known |= wire_name_equal(owner, e->nsname[i]);
	if (!known || e->nns >= DV_EXT_NS_MAX)
		return 0;
	memset(&e->nsa[e->nns], 0, sizeof(e->nsa[0]));
	if (type == DNS_T_A && rdlen == 4) {
		struct sockaddr_in *s4 = (void *)&e->nsa[e->nns];

		s4->sin_family = AF_INET;
		s4->sin_port = htons(53);
		memcpy(&s4->sin_addr, m + rd, 4);
		e->nsl[e->nns++] = sizeof(*s4);
	} else if (type == DNS_T_AAAA && rdlen == 16) {
		struct sockaddr_in6 *s6 = (void *)&e->nsa[e->nns];

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(53);
		memcpy(&s6->sin6_addr, m + rd, 16);
		e->nsl[e->nns++] = sizeof(*s6);
	}
	return 0;
}

static void dv_ext_done(dv_ext *e, const char *fail);

/* Ask every name server that has not served the TXT yet. */
static void dv_ext_ns_send(dv_ext *e)
{
	struct timeval tv = { 1, 0 };

	dv_ext_query(e, DNS_T_TXT);
	for (int i = 0; i < e->nns; i++)
		if (!e->nsok[i])
			sendto(e->nsfd, e->msg, e->len, 0,
			       (struct sockaddr *)&e->nsa[i], e->nsl[i]);
	evtimer_add(e->tick, &tv);
}

static void dv_ext_ns_read(evutil_socket_t fd, short what, void *arg)
{
	dv_ext *e = arg;
	struct sockaddr_storage from;
	socklen_t fl = sizeof(from);
	uint8_t m[4096];
	ssize_t n;
	int all = 1;

	(void)what;
	n = recvfrom(fd, m, sizeof(m), 0, (struct sockaddr *)&from, &fl);
	if (n < WIRE_HDRLEN || wire_get16(m) != e->id || !(m[2] & 0x80) ||
	    !dv_rr_walk(m, (size_t)n, dv_ext_txt_rr, e))
		return;
	for (int i = 0; i < e->nns; i++) {
		if (e->nsl[i] == fl && !memcmp(&e->nsa[i], &from, fl))
			e->nsok[i] = 1;
		all &= e->nsok[i];
	}
	if (all) {
		dv_log(&e->a->ctx->lg, DV_LOG_INFO, "acme: %s TXT served by "
		       "the primary and %d name server address(es) of the "
		       "zone", e->name, e->nns);
		dv_ext_done(e, NULL);
	}
}

/* The NS list arrived: start polling the name servers (or finish when
 * the primary's answer names none we can reach). */
static void dv_ext_ns_start(dv_ext *e, const uint8_t *m, size_t n)
{
	dv_rr_walk(m, n, dv_ext_ns_rr, e);
	dv_rr_walk(m, n, dv_ext_glue_rr, e);
	if (e->nns == 0) {
		dv_log(&e->a->ctx->lg, DV_LOG_WARN, "acme: %s: no address for "
		       "the zone's name servers in the primary's answer; only "
		       "the primary was checked", e->name);
		dv_ext_done(e, NULL);
		return;
	}
	e->step = DV_EXT_NSWAIT;
	e->tries = 0;
	e->nsfd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			 0);
	if (e->nsfd >= 0) {
		int off = 0;

		setsockopt(e->nsfd, IPPROTO_IPV6, IPV6_V6ONLY, &off,
			   sizeof(off));
		/* IPv4 addresses as v4-mapped for the dual-stack socket */
		for (int i = 0; i < e->nns; i++)
			if (e->nsa[i].ss_family == AF_INET) {
				struct sockaddr_in s4;
				struct sockaddr_in6 *s6 = (void *)&e->nsa[i];

				memcpy(&s4, &e->nsa[i], sizeof(s4));
				memset(s6, 0, sizeof(*s6));
				s6->sin6_family = AF_INET6;
				s6->sin6_port = s4.sin_port;
				s6->sin6_addr.s6_addr[10] = 0xff;
				s6->sin6_addr.s6_addr[11] = 0xff;
				memcpy(&s6->sin6_addr.s6_addr[12],
				       &s4.sin_addr, 4);
				e->nsl[i] = sizeof(*s6);
			}
	}
	if (e->nsfd < 0 ||
	    !(e->nsrd = event_new(e->a->ctx->base, e->nsfd,
				  EV_READ | EV_PERSIST, dv_ext_ns_read, e)) ||
	    event_add(e->nsrd, NULL) < 0) {
		dv_ext_done(e, "cannot query the zone's name servers");
		return;
	}
	dv_ext_ns_send(e);
}

static void dv_ext_done(dv_ext *e, const char *fail)
{
	struct dv_acme *a = e->a;
	char token[256], why[512];

	snprintf(token, sizeof(token), "%s", e->token);
	if (fail)
		snprintf(why, sizeof(why), "%.200s: %.300s", e->name, fail);
	if (e->step >= DV_EXT_WAIT) {
		dv_ext_free(e);
		if (fail)
			acme_on_publish_failed(a->eng, token, why, dv_now());
		else
			acme_on_published(a->eng, token, dv_now());
		dv_acme_pump(a);
		return;
	}
	if (fail) {
		dv_log(&a->ctx->lg, DV_LOG_ERR, "acme: --dns-server update "
		       "failed: %s", why);
		if (e->add)
			dv_acme_nopub_add(a, e->name, why);
	} else {
		dv_log(&a->ctx->lg, DV_LOG_INFO, "acme: %s TXT %s %s at the "
		       "--dns-server", e->name, e->txt,
		       e->add ? "published" : "removed");
	}
	dv_ext_free(e);
}

static void dv_ext_read(evutil_socket_t fd, short what, void *arg)
{
	dv_ext *e = arg;
	uint8_t m[4096];
	ssize_t n;
	int rc;

	(void)what;
	n = recv(fd, m, sizeof(m), 0);
	if (n < WIRE_HDRLEN || wire_get16(m) != e->id ||
	    !(m[2] & 0x80))
		return;
	rc = m[3] & 0xf;
	if (e->step == DV_EXT_ZONE) {
		if (!dv_rr_walk(m, (size_t)n, dv_ext_soa_rr, e)) {
			dv_ext_done(e, "the --dns-server names no zone for it");
			return;
		}
		e->step = DV_EXT_UPDATE;
		e->tries = 0;
		if (dv_ext_update(e) < 0) {
			dv_ext_done(e, "cannot build the UPDATE");
			return;
		}
		dv_ext_send(e);
	} else if (e->step == DV_EXT_UPDATE) {
		char why[64];

		if (e->has_key && zone_tsig_verify_response(&e->tc, m,
					(size_t)n, (uint64_t)time(NULL)) < 0)
			dv_log(&e->a->ctx->lg, DV_LOG_WARN, "acme: the "
			       "--dns-server's UPDATE answer has a bad TSIG");
		snprintf(why, sizeof(why), "UPDATE answered rcode %d", rc);
		dv_ext_done(e, rc == DNS_R_NOERROR ? NULL : why);
	} else if (e->step == DV_EXT_WAIT) {
		if (!dv_rr_walk(m, (size_t)n, dv_ext_txt_rr, e))
			return;
		/* served by the primary: now the zone's name servers */
		e->step = DV_EXT_NSZONE;
		e->tries = 0;
		dv_ext_query(e, DNS_T_SOA);
		dv_ext_send(e);
	} else if (e->step == DV_EXT_NSZONE) {
		if (!dv_rr_walk(m, (size_t)n, dv_ext_soa_rr, e)) {
			dv_ext_done(e, "the --dns-server names no zone for it");
			return;
		}
		e->step = DV_EXT_NSLIST;
		e->tries = 0;
		memcpy(e->owner, e->zone, wire_name_len(e->zone));
		dv_ext_query(e, DNS_T_NS);
		dv_ext_send(e);
	} else if (e->step == DV_EXT_NSLIST) {
		if (wire_name_from_str(e->name, e->owner) < 0) {
			dv_ext_done(e, "bad name");
			return;
		}
		dv_ext_ns_start(e, m, (size_t)n);
	}
}

static void dv_ext_tick(evutil_socket_t fd, short what, void *arg)
{
	dv_ext *e = arg;

	(void)fd;
	(void)what;
	if (e->step == DV_EXT_NSWAIT) {
		if (++e->tries > DV_EXT_WAIT_TRIES) {
			dv_ext_done(e, "a name server of the zone does not "
				    "serve it");
			return;
		}
		dv_ext_ns_send(e);
		return;
	}
	if (e->step == DV_EXT_WAIT) {
		if (++e->tries > DV_EXT_WAIT_TRIES) {
			dv_ext_done(e, "the --dns-server does not serve it");
			return;
		}
		for (size_t i = 0; i < e->a->nnopub; i++)
			if (!strcasecmp(e->a->nopub[i].name, e->name)) {
				char why[512];
				snprintf(why, sizeof(why), "%s",
					 e->a->nopub[i].why);
				e->a->nopub[i] = e->a->nopub[--e->a->nnopub];
				dv_ext_done(e, why);
				return;
			}
		dv_ext_query(e, DNS_T_TXT);
	} else if (++e->tries > DV_EXT_TRIES) {
		dv_ext_done(e, "no answer from the --dns-server");
		return;
	}
	dv_ext_send(e);
}

/* Start an exchange for name/txt: step DV_EXT_ZONE (then UPDATE) or
 * DV_EXT_WAIT.  0 or -1. */
static int dv_ext_start(struct dv_acme *a, int step, int add,
			const char *name, const char *txt, const char *token)
{
	const dv_config *cfg = &a->ctx->cfg;
	dv_ext *e = calloc(1, sizeof(*e));
	char err[128];
	dv_addr ad;

	if (!e)
		return -1;
	e->a = a;
	e->fd = -1;
	e->nsfd = -1;
	e->step = step;
	e->add = add;
	snprintf(e->name, sizeof(e->name), "%s", name);
	snprintf(e->txt, sizeof(e->txt), "%s", txt);
	snprintf(e->token, sizeof(e->token), "%s", token ? token : "");
	if (cfg->dns_keys.n > 0) {
		e->key = cfg->dns_keys.v[0];
		e->has_key = 1;
	}
	e->next = a->exts;
	a->exts = e;
	if (wire_name_from_str(name, e->owner) < 0 ||
	    dv_addr_parse(cfg->dns_server.ip, cfg->dns_server.port, &ad, err,
			  sizeof(err)) < 0) {
		dv_ext_free(e);
		return -1;
	}
	e->ss = ad.ss;
	e->sl = ad.len;
	e->fd = socket(ad.ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK |
		       SOCK_CLOEXEC, 0);
	if (e->fd < 0 ||
	    connect(e->fd, (struct sockaddr *)&e->ss, e->sl) < 0 ||
	    !(e->rd = event_new(a->ctx->base, e->fd, EV_READ | EV_PERSIST,
				dv_ext_read, e)) ||
	    !(e->tick = evtimer_new(a->ctx->base, dv_ext_tick, e)) ||
	    event_add(e->rd, NULL) < 0) {
		dv_ext_free(e);
		return -1;
	}
	dv_ext_query(e, step == DV_EXT_WAIT ? DNS_T_TXT : DNS_T_SOA);
	dv_ext_send(e);
	return 0;
}

/* ------------------------------------------------------------------ */
/* actions                                                            */
/* ------------------------------------------------------------------ */

static void dv_acme_publish(struct dv_acme *a, const acme_action *act)
{
	char why[512];

	if (a->ctx->cfg.dns_server.af && !dv_acme_zone_for(a->ctx, act->name)) {
		if (dv_ext_start(a, DV_EXT_ZONE, 1, act->name, act->txt,
				 NULL) < 0)
			dv_acme_nopub_add(a, act->name, "cannot reach the "
					  "--dns-server");
		return;
	}
	if (dv_acme_txt(a, act->name, act->txt, 1, why, sizeof(why)) < 0) {
		dv_log(&a->ctx->lg, DV_LOG_ERR, "acme: cannot publish the "
		       "DNS-01 challenge: %s", why);
		dv_acme_nopub_add(a, act->name, why);
	}
}

static void dv_acme_wait_published(struct dv_acme *a, const acme_action *act)
{
	char token[256];
	zone *z;

	/* the engine frees the action's strings when it is called again */
	snprintf(token, sizeof(token), "%s", act->token);

	for (size_t i = 0; i < a->nnopub; i++) {
		if (strcasecmp(a->nopub[i].name, act->name) != 0)
			continue;
		char why[512];
		snprintf(why, sizeof(why), "%s", a->nopub[i].why);
		a->nopub[i] = a->nopub[--a->nnopub];
		acme_on_publish_failed(a->eng, token, why, dv_now());
		return;
	}
	if (!(z = dv_acme_zone_for(a->ctx, act->name)) &&
	    a->ctx->cfg.dns_server.af) {
		if (dv_ext_start(a, DV_EXT_WAIT, 1, act->name, act->txt,
				 token) < 0)
			acme_on_publish_failed(a->eng, token, "cannot query "
					       "the --dns-server", dv_now());
		return;
	}
	if (!z) {
		acme_on_publish_failed(a->eng, token, "not in our zones",
				       dv_now());
		return;
	}
	dv_acme_wait_start(a, z, token);
}

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

static void dv_acme_tlsa_store(struct dv_acme *a, const acme_action *act);

static void dv_acme_store_cert(struct dv_acme *a, const acme_action *act)
{
	char crt[2 * DV_PATH], key[2 * DV_PATH], stem[300];
	struct tm tm;
	time_t na = (time_t)act->not_after;
	char when[64];

	if (!act->key_pem) {
		dv_acme_tlsa_store(a, act);
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
	char why[512];
	const char *id = act->order_id ? act->order_id : "account";

	switch (act->type) {
	case ACME_ACT_HTTP:
		dv_acme_http(a, act);
		break;
	case ACME_ACT_PUBLISH:
		dv_acme_publish(a, act);
		break;
	case ACME_ACT_UNPUBLISH:
		if (a->ctx->cfg.dns_server.af &&
		    !dv_acme_zone_for(a->ctx, act->name))
			dv_ext_start(a, DV_EXT_ZONE, 0, act->name, act->txt,
				     NULL);
		else if (dv_acme_txt(a, act->name, act->txt, 0, why,
				sizeof(why)) < 0)
			dv_log(&a->ctx->lg, DV_LOG_DEBUG, "acme: unpublish: "
			       "%s", why);
		break;
	case ACME_ACT_WAIT_PUBLISHED:
		dv_acme_wait_published(a, act);
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
/* robur TLSA convention                                              */
/* ------------------------------------------------------------------ */

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

/* Delete TLSA usage/selector/mtype RRs at owner in z (class NONE). */
static void dv_tlsa_del(dv_lupd *u, const zone *z, const uint8_t *owner,
			uint8_t usage)
{
	const zone_rrset *rs = zone_find_rrset(z, owner, DV_DNS_T_TLSA);
	const uint8_t *p = rs ? rs->data : NULL;

	for (uint16_t i = 0; rs && i < rs->count; i++) {
		uint16_t rdlen = wire_get16(p);
		if (rdlen >= 3 && p[2] == usage && p[3] == 0 && p[4] == 0)
			dv_lupd_rr(u, owner, DV_DNS_T_TLSA, DNS_C_NONE, 0,
				  p + 2, rdlen);
		p += 2 + rdlen;
	}
}

static dv_acme_tlsa *dv_tlsa_find(struct dv_acme *a, const char *host)
{
	for (size_t i = 0; i < a->ntl; i++)
		if (strcasecmp(a->tl[i].host, host) == 0)
			return &a->tl[i];
	return NULL;
}

static dv_acme_tlsa *dv_tlsa_find_id(struct dv_acme *a, const char *id)
{
	for (size_t i = 0; i < a->ntl; i++)
		if (strcmp(a->tl[i].id, id) == 0)
			return &a->tl[i];
	return NULL;
}

static void dv_acme_tlsa_store(struct dv_acme *a, const acme_action *act)
{
	dv_acme_tlsa *t = dv_tlsa_find_id(a, act->order_id);
	uint8_t *der[8], rd[4096];
	int len[8], n;
	zone *z;
	dv_lupd *u;

	if (!t || !(z = zone_db_get_zone(a->ctx->db, t->zone)) ||
	    !(u = malloc(sizeof(*u)))) {
		dv_log(&a->ctx->lg, DV_LOG_WARN, "acme: %s: certificate for "
		       "a TLSA name no longer served", act->order_id);
		return;
	}
	n = dv_pem_ders(act->chain_pem, der, len, 8);
	dv_lupd_start(u, zone_origin(z));
	dv_tlsa_del(u, z, t->lname, 3);
	dv_tlsa_del(u, z, t->lname, 2);
	for (int i = 0; i < n; i++) {
		if ((size_t)len[i] + 3 > sizeof(rd)) {
			u->bad = 1;
			continue;
		}
		rd[0] = i == 0 ? 3 : 2;
		rd[1] = 0;
		rd[2] = 0;
		memcpy(rd + 3, der[i], (size_t)len[i]);
		dv_lupd_rr(u, t->lname, DV_DNS_T_TLSA, DNS_C_IN, 3600, rd,
			  (size_t)len[i] + 3);
	}
	for (int i = 0; i < n; i++)
		OPENSSL_free(der[i]);
	if (n > 0 && dv_upd_run(a->ctx, u, t->host) == 0)
		dv_log(&a->ctx->lg, DV_LOG_INFO, "acme: TLSA 3 0 0 for %s "
		       "published (%d CA certificate%s)", t->host, n - 1,
		       n == 2 ? "" : "s");
	free(u);
}

typedef struct dv_names {
	uint8_t (*v)[WIRE_MAXNAME];
	size_t n, cap;
} dv_names;

static int dv_collect_le(void *arg, const uint8_t *lname)
{
	static const uint8_t pfx[] = "\x0c_letsencrypt\x04_tcp";
	dv_names *l = arg;

	if (wire_name_len(lname) <= sizeof(pfx) ||
	    memcmp(lname, pfx, sizeof(pfx) - 1) != 0)
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 8;
		void *v = realloc(l->v, cap * sizeof(*l->v));
		if (!v)
			return 1;
		l->v = v;
		l->cap = cap;
	}
	memcpy(l->v[l->n++], lname, wire_name_len(lname));
	return 0;
}

static int dv_acme_engine(struct dv_acme *a, char *err, size_t errlen);

/* One _letsencrypt._tcp.HOST name of zone z. */
static void dv_tlsa_check(struct dv_acme *a, const zone *z,
			  const uint8_t *lname)
{
	const zone_rrset *rs = zone_find_rrset(z, lname, DV_DNS_T_TLSA);
	const uint8_t *p = rs ? rs->data : NULL, *csr = NULL, *crt = NULL;
	size_t csr_len = 0, crt_len = 0;
	int ncsr = 0;
	char host[WIRE_MAXNAME * 4], zname[WIRE_MAXNAME * 4], err[256];
	dv_acme_tlsa *t;
	acme_cert_check chk = ACME_CERT_BAD;

	for (uint16_t i = 0; rs && i < rs->count; i++) {
		uint16_t rdlen = wire_get16(p);
		const uint8_t *rd = p + 2;
		if (rdlen > 3 && rd[0] == 3 && rd[1] == 255 && rd[2] == 0) {
			ncsr++;
			csr = rd + 3;
			csr_len = rdlen - 3u;
		} else if (rdlen > 3 && rd[0] == 3 && rd[1] == 0 &&
			   rd[2] == 0 && !crt) {
			crt = rd + 3;
			crt_len = rdlen - 3u;
		}
		p += 2 + rdlen;
	}
	if (wire_name_to_str(lname + 18, host, sizeof(host)) < 0 ||
	    wire_name_to_str(zone_origin(z), zname, sizeof(zname)) < 0)
		return;
	host[strlen(host) - 1] = '\0';   /* no trailing dot: an order id */
	t = dv_tlsa_find(a, host);
	if (ncsr != 1)
		return;                  /* t stays unseen: removed below */
	if (t) {
		t->seen = 1;
		if (t->csr_len == csr_len && !memcmp(t->csr, csr, csr_len) &&
		    t->ordered)
			return;          /* the engine has it */
	}
	if (crt)
		chk = acme_cert_check_csr(crt, crt_len, csr, csr_len, dv_now(),
					  ACME_RENEW_MIN_VALID, NULL);
	if (!t) {
		dv_acme_tlsa *v = realloc(a->tl, (a->ntl + 1) * sizeof(*v));
		if (!v)
			return;
		a->tl = v;
		t = &a->tl[a->ntl++];
		memset(t, 0, sizeof(*t));
		snprintf(t->host, sizeof(t->host), "%s", host);
		snprintf(t->id, sizeof(t->id), "tlsa-%s", host);
		memcpy(t->lname, lname, wire_name_len(lname));
		t->seen = 1;
	}
	snprintf(t->zone, sizeof(t->zone), "%s", zname);
	free(t->csr);
	t->csr = malloc(csr_len);
	t->csr_len = t->csr ? csr_len : 0;
	if (t->csr)
		memcpy(t->csr, csr, csr_len);
	t->ordered = 0;
	if (chk == ACME_CERT_OK)
		return;
	if (dv_acme_engine(a, err, sizeof(err)) < 0) {
		dv_log(&a->ctx->lg, DV_LOG_ERR, "%s", err);
		return;
	}
	if (acme_order_csr(a->eng, t->id, csr, csr_len, dv_now(), err,
			   sizeof(err)) < 0) {
		dv_log(&a->ctx->lg, DV_LOG_WARN, "acme: TLSA CSR at %s: %s",
		       host, err);
		t->ordered = 1;          /* not again until the CSR changes */
		return;
	}
	t->ordered = 1;
	dv_log(&a->ctx->lg, DV_LOG_INFO, "acme: TLSA CSR at %s: %s, "
	       "ordering a certificate", host, !crt ? "no certificate yet" :
	       chk == ACME_CERT_EXPIRING ? "certificate expiring" :
	       "certificate does not match");
}

/* Check every _letsencrypt._tcp name of z; drop the orders of names
 * of z that no longer hold exactly one CSR. */
static void dv_tlsa_scan_zone(struct dv_acme *a, zone *z)
{
	char o[WIRE_MAXNAME * 4];
	dv_names l = { 0 };

	if (wire_name_to_str(zone_origin(z), o, sizeof(o)) < 0)
		return;
	for (size_t j = 0; j < a->ntl; j++)
		if (strcasecmp(a->tl[j].zone, o) == 0)
			a->tl[j].seen = 0;
	zone_foreach_name(z, dv_collect_le, &l);
	for (size_t i = 0; i < l.n; i++)
		dv_tlsa_check(a, z, l.v[i]);
	free(l.v);
	for (size_t j = 0; j < a->ntl; ) {
		dv_acme_tlsa *t = &a->tl[j];

		if (t->seen || strcasecmp(t->zone, o) != 0) {
			j++;
			continue;
		}
		dv_log(&a->ctx->lg, DV_LOG_INFO, "acme: TLSA CSR at %s gone",
		       t->host);
		if (a->eng)
			acme_order_remove(a->eng, t->id);
		free(t->csr);
		*t = a->tl[--a->ntl];
	}
}

static void dv_tlsa_scan(struct dv_acme *a)
{
	dv_ctx *ctx = a->ctx;
	int64_t now = dv_now();
	int full = now - a->last_full >= DV_ACME_SCAN_FULL;

	if (full)
		a->last_full = now;
	for (size_t i = 0; i < ctx->cfg.zones.n; i++) {
		zone *z = zone_db_get_zone(ctx->db, ctx->cfg.zones.v[i].origin);

		if (!z)
			continue;
		if (!full && a->zserial[i] == zone_serial(z))
			continue;
		a->zserial[i] = zone_serial(z);
		dv_tlsa_scan_zone(a, z);
	}
}

static void dv_scan_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dv_acme *a = arg;
	struct timeval tv = { 1, 0 };

	(void)fd;
	(void)what;
	dv_tlsa_scan(a);
	dv_acme_pump(a);
	evtimer_add(a->scan, &tv);
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

int dv_acme_start(dv_ctx *ctx, char *err, size_t errlen)
{
	struct dv_acme *a = calloc(1, sizeof(*a));
	struct timeval tv = { 0, 0 };

	if (!a) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ctx->acme = a;
	a->ctx = ctx;
	dv_acme_paths(&ctx->cfg, a->dir, a->certdir);
	a->zserial = calloc(ctx->cfg.zones.n + 1, sizeof(*a->zserial));
	a->timer = evtimer_new(ctx->base, dv_acme_timer_cb, a);
	a->scan = evtimer_new(ctx->base, dv_scan_cb, a);
	if (!a->zserial || !a->timer || !a->scan ||
	    dv_acme_orders(a, err, errlen) < 0)
		return -1;
	if (a->norders && dv_acme_engine(a, err, errlen) < 0)
		return -1;
	if (ctx->cfg.zones.n)
		evtimer_add(a->scan, &tv);
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
	while (a->waits)
		dv_wait_free(a, a->waits);
	while (a->exts)
		dv_ext_free(a->exts);
	if (a->timer)
		event_free(a->timer);
	if (a->scan)
		event_free(a->scan);
	acme_free(a->eng);
	if (a->dns)
		evdns_base_free(a->dns, 0);
	SSL_CTX_free(a->ssl);
	for (size_t i = 0; i < a->nnames; i++)
		free(a->names[i]);
	for (size_t i = 0; i < a->norders; i++)
		free(a->ids[i]);
	for (size_t i = 0; i < a->ntl; i++)
		free(a->tl[i].csr);
	free(a->tl);
	free(a->names);
	free(a->ids);
	free(a->orders);
	free(a->nopub);
	free(a->zserial);
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
