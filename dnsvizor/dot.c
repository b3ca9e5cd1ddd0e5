/*
 * DNS over TLS upstream connections (see dot.h).
 *
 * Each connection keeps its waiting queries in send order, so the oldest
 * is at the head: one timer per connection fires either when the oldest
 * query has waited DV_DOT_QLIFE (a server that read nothing back since
 * then is stalled: the connection goes; otherwise only that query
 * fails) or, with nothing waiting, when the connection has been idle
 * DV_DOT_IDLE.  Bufferevents run with deferred callbacks, so nothing is
 * reported from inside dv_dot_send.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "dnsvizor/dot.h"

enum {
	DV_DOT_CONNS = 64,          /* connections open at once */
	DV_DOT_MAXQ = 256,          /* queries waiting on one connection */
	DV_DOT_MAXOUT = 256 * 1024, /* bytes not yet written, per conn */
	DV_DOT_IDLE = 10,           /* s: idle connection closed (RFC 7766) */
	DV_DOT_QLIFE = 10,          /* s: a query waits this long at most */
	DV_DOT_MAXMSG = 65535,
};

typedef struct dot_q {
	struct dot_q *next;
	uint64_t txn;
	unsigned gen;
	uint16_t id, orig_id;      /* id on the wire, id the engine chose */
	uint8_t retried;           /* sent again after the conn closed */
	uint64_t sent;             /* monotonic ms */
	size_t len;
	uint8_t *msg;              /* the query as the engine made it */
} dot_q;

typedef struct dot_conn {
	struct dv_dot *d;
	struct dot_conn *prev, *next;
	struct sockaddr_storage ss, src;
	socklen_t sl, srclen;      /* srclen 0: no --outgoing-address */
	char name[256];
	char label[320];           /* "ADDR#PORT (name)" for the log */
	SSL *ssl;                  /* freed with bev */
	struct bufferevent *bev;
	struct event *timer;
	dot_q *head, *tail;
	size_t nq;
	int up;                    /* handshake done */
	uint64_t last_read, last_use;
} dot_conn;

struct dv_dot {
	struct event_base *base;
	const dv_logger *lg;
	SSL_CTX *ctx;
	dv_dot_cb cb;
	void *arg;
	dot_conn *conns;
	size_t nconns;
	uint8_t *buf;              /* one reply */
	uint8_t *obuf;             /* one framed query */
};

static uint64_t dot_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

dv_dot *dv_dot_new(struct event_base *base, const dv_logger *lg,
		   dv_dot_cb cb, void *arg, char *err, size_t errlen)
{
	dv_dot *d = calloc(1, sizeof(*d));

	if (!d || !(d->buf = malloc(DV_DOT_MAXMSG)) ||
	    !(d->obuf = malloc(DV_DOT_MAXMSG + 2)) ||
	    !(d->ctx = SSL_CTX_new(TLS_client_method()))) {
		snprintf(err, errlen, "DNS over TLS: out of memory");
		goto fail;
	}
	/* RFC 8310 strict profile: authenticate or do not talk at all */
	SSL_CTX_set_min_proto_version(d->ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(d->ctx, SSL_VERIFY_PEER, NULL);
	if (SSL_CTX_set_default_verify_paths(d->ctx) != 1) {
		snprintf(err, errlen, "DNS over TLS: cannot load the default "
			 "trust store: %s",
			 ERR_reason_error_string(ERR_get_error()));
		goto fail;
	}
	d->base = base;
	d->lg = lg;
	d->cb = cb;
	d->arg = arg;
	return d;
fail:
	if (d) {
		SSL_CTX_free(d->ctx);
		free(d->buf);
		free(d->obuf);
		free(d);
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* connections                                                        */
/* ------------------------------------------------------------------ */

static void dot_unlink(dot_conn *c)
{
	dv_dot *d = c->d;

	if (c->prev)
		c->prev->next = c->next;
	else
		d->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	d->nconns--;
}

static void dot_conn_free(dot_conn *c)
{
	dot_q *q, *n;

	for (q = c->head; q; q = n) {
		n = q->next;
		free(q);
	}
	if (c->timer)
		event_free(c->timer);
	if (c->bev)
		bufferevent_free(c->bev);
	else if (c->ssl)
		SSL_free(c->ssl);
	free(c);
}

static dot_conn *dot_get(dv_dot *d, const struct sockaddr *sa, socklen_t sl,
			 const struct sockaddr *src, socklen_t srclen,
			 const char *name);
static int dot_put(dot_conn *c, dot_q *q);

/* The connection is gone: every query that waited on it fails, or with
 * retry (an established connection the server closed, RFC 7766 6.2.3)
 * is sent once more on a new one.  c is out of the table before the
 * first callback, so a query sent from a callback opens a new one. */
static void dot_conn_fail(dot_conn *c, int retry)
{
	dv_dot *d = c->d;
	dot_q *q = c->head, *n;
	struct sockaddr_storage ss = c->ss, src = c->src;
	socklen_t sl = c->sl, srclen = c->srclen;
	char name[sizeof(c->name)];
	dot_conn *nc;

	memcpy(name, c->name, sizeof(name));
	dot_unlink(c);
	c->head = c->tail = NULL;
	dot_conn_free(c);
	for (; q; q = n) {
		n = q->next;
		q->next = NULL;
		if (retry && !q->retried) {
			q->retried = 1;
			nc = dot_get(d, (struct sockaddr *)&ss, sl,
				     srclen ? (struct sockaddr *)&src : NULL,
				     srclen, name);
			if (nc && dot_put(nc, q) == 0)
				continue;
		}
		d->cb(d->arg, q->txn, q->gen, NULL, 0);
		free(q);
	}
}

static void dot_arm(dot_conn *c)
{
	uint64_t when = c->head ? c->head->sent + DV_DOT_QLIFE * 1000
				: c->last_use + DV_DOT_IDLE * 1000;
	uint64_t now = dot_now();
	struct timeval tv = { 0, 0 };

	if (when > now) {
		tv.tv_sec = (time_t)((when - now) / 1000);
		tv.tv_usec = (suseconds_t)((when - now) % 1000) * 1000;
	}
	evtimer_add(c->timer, &tv);
}

static void dot_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	dot_conn *c = arg;
	dv_dot *d = c->d;
	uint64_t now = dot_now();
	dot_q *q;

	(void)fd;
	(void)what;
	if (!c->head && now >= c->last_use + DV_DOT_IDLE * 1000) {
		dv_log(d->lg, DV_LOG_DEBUG, "DNS over TLS %s: idle, closed",
		       c->label);
		dot_unlink(c);
		dot_conn_free(c);
		return;
	}
	while ((q = c->head) && now >= q->sent + DV_DOT_QLIFE * 1000) {
		if (c->last_read < q->sent) {
			dv_log(d->lg, DV_LOG_WARN, "DNS over TLS %s: no "
			       "answer for %d s, connection closed", c->label,
			       DV_DOT_QLIFE);
			dot_conn_fail(c, 0);
			return;
		}
		c->head = q->next;
		if (!c->head)
			c->tail = NULL;
		c->nq--;
		d->cb(d->arg, q->txn, q->gen, NULL, 0);
		free(q);
	}
	dot_arm(c);
}

static int dot_connected(dot_conn *c)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	evutil_socket_t fd = bufferevent_getfd(c->bev);

	return fd >= 0 && getpeername(fd, (struct sockaddr *)&ss, &sl) == 0;
}

/* Why the connection failed, for the log.  libevent reports a failed
 * read or write inside TLS as the pseudo error SSL_ERROR_SYSCALL (no
 * OpenSSL library code); errno is still the socket's then. */
static void dot_reason(dot_conn *c, short what, int se, char *out, size_t n)
{
	long vr = SSL_get_verify_result(c->ssl);
	unsigned long e;

	while ((e = bufferevent_get_openssl_error(c->bev)) != 0 &&
	       ERR_GET_LIB(e) == 0)
		;
	if (!c->up && vr != X509_V_OK)
		snprintf(out, n, "certificate verify failed: %s",
			 X509_verify_cert_error_string(vr));
	else if (e)
		ERR_error_string_n(e, out, n);
	else if (!c->up)
		/* deferred callbacks: errno is gone; the socket still
		 * tells whether TCP got through */
		snprintf(out, n, "%s", dot_connected(c) ? "closed during "
			 "the TLS handshake" : "TCP connection refused or "
			 "unreachable");
	else if (se && (what & BEV_EVENT_ERROR))
		snprintf(out, n, "%s", strerror(se));
	else if (what & BEV_EVENT_TIMEOUT)
		snprintf(out, n, "timed out");
	else
		snprintf(out, n, "closed by the server");
}

static void dot_event_cb(struct bufferevent *bev, short what, void *arg)
{
	dot_conn *c = arg;
	int se = EVUTIL_SOCKET_ERROR();
	char why[256];

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		c->up = 1;
		dv_log(c->d->lg, DV_LOG_DEBUG, "DNS over TLS %s: connected "
		       "(%s)", c->label, SSL_get_version(c->ssl));
		return;
	}
	if (!(what & (BEV_EVENT_ERROR | BEV_EVENT_EOF | BEV_EVENT_TIMEOUT)))
		return;
	dot_reason(c, what, se, why, sizeof(why));
	if (c->up)
		dv_log(c->d->lg, c->head ? DV_LOG_INFO : DV_LOG_DEBUG,
		       "DNS over TLS %s: %s%s", c->label, why, c->head ?
		       " (waiting queries are sent once more)" : "");
	else
		dv_log(c->d->lg, DV_LOG_WARN, "DNS over TLS %s: connection "
		       "failed: %s", c->label, why);
	dot_conn_fail(c, c->up);
}

/* The waiting query with this wire id, taken off the list. */
static dot_q *dot_take(dot_conn *c, uint16_t id)
{
	dot_q **pp, *q, *prev = NULL;

	for (pp = &c->head; (q = *pp) != NULL; prev = q, pp = &q->next) {
		if (q->id != id)
			continue;
		*pp = q->next;
		if (c->tail == q)
			c->tail = prev;
		c->nq--;
		return q;
	}
	return NULL;
}

static void dot_read_cb(struct bufferevent *bev, void *arg)
{
	dot_conn *c = arg;
	dv_dot *d = c->d;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t lb[2];
	dot_q *q;
	size_t n;

	while (evbuffer_copyout(in, lb, 2) == 2) {
		n = (size_t)lb[0] << 8 | lb[1];
		if (evbuffer_get_length(in) < 2 + n)
			break;
		evbuffer_drain(in, 2);
		evbuffer_remove(in, d->buf, n);
		c->last_read = c->last_use = dot_now();
		/* a reply to nothing we wait for (late, or noise) */
		if (n < 12 || !(d->buf[2] & 0x80) ||
		    !(q = dot_take(c, (uint16_t)(d->buf[0] << 8 | d->buf[1]))))
			continue;
		d->buf[0] = (uint8_t)(q->orig_id >> 8);
		d->buf[1] = (uint8_t)q->orig_id;
		/* may send more on c; it never frees c */
		d->cb(d->arg, q->txn, q->gen, d->buf, n);
		free(q);
	}
	dot_arm(c);
}

static void dot_label(dot_conn *c)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	const struct sockaddr_in *s4 = (const void *)&c->ss;
	const struct sockaddr_in6 *s6 = (const void *)&c->ss;
	unsigned port;

	if (c->ss.ss_family == AF_INET) {
		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		port = ntohs(s4->sin_port);
	} else {
		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
		port = ntohs(s6->sin6_port);
	}
	snprintf(c->label, sizeof(c->label), "%s#%u (%s)", ip, port,
		 c->name[0] ? c->name : "its IP address");
}

/* Which identity the certificate must show: the name (and SNI), or an
 * IP address (no SNI for those, RFC 6066 3). */
static int dot_identity(dot_conn *c)
{
	X509_VERIFY_PARAM *vp = SSL_get0_param(c->ssl);
	uint8_t bin[16];

	if (!c->name[0]) {
		const struct sockaddr_in *s4 = (const void *)&c->ss;
		const struct sockaddr_in6 *s6 = (const void *)&c->ss;

		return c->ss.ss_family == AF_INET
		       ? X509_VERIFY_PARAM_set1_ip(vp,
				(const unsigned char *)&s4->sin_addr, 4)
		       : X509_VERIFY_PARAM_set1_ip(vp,
				(const unsigned char *)&s6->sin6_addr, 16);
	}
	if (inet_pton(AF_INET, c->name, bin) == 1 ||
	    inet_pton(AF_INET6, c->name, bin) == 1)
		return X509_VERIFY_PARAM_set1_ip_asc(vp, c->name);
	X509_VERIFY_PARAM_set_hostflags(vp,
					X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (X509_VERIFY_PARAM_set1_host(vp, c->name, 0) != 1)
		return 0;
	return (int)SSL_set_tlsext_host_name(c->ssl, c->name);
}

static dot_conn *dot_open(dv_dot *d, const struct sockaddr *sa,
			  socklen_t sl, const struct sockaddr *src,
			  socklen_t srclen, const char *name)
{
	dot_conn *c = calloc(1, sizeof(*c));
	int fd = -1;

	if (!c || sl > sizeof(c->ss) || strlen(name) >= sizeof(c->name))
		goto fail;
	c->d = d;
	memcpy(&c->ss, sa, sl);
	c->sl = sl;
	if (src && srclen <= sizeof(c->src)) {
		memcpy(&c->src, src, srclen);
		c->srclen = srclen;
	}
	strcpy(c->name, name);
	dot_label(c);
	c->last_use = dot_now();
	if (!(c->ssl = SSL_new(d->ctx)) || dot_identity(c) != 1 ||
	    !(c->timer = evtimer_new(d->base, dot_timer_cb, c)))
		goto fail;
	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0 || (src && bind(fd, src, srclen) < 0))
		goto fail;
	c->bev = bufferevent_openssl_socket_new(d->base, fd, c->ssl,
						BUFFEREVENT_SSL_CONNECTING,
						BEV_OPT_CLOSE_ON_FREE |
						BEV_OPT_DEFER_CALLBACKS);
	if (!c->bev) {
		c->ssl = NULL;  /* whether libevent freed it is unclear */
		goto fail;
	}
	fd = -1;  /* the bufferevent owns fd and ssl now */
	bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
	bufferevent_setcb(c->bev, dot_read_cb, NULL, dot_event_cb, c);
	if (bufferevent_socket_connect(c->bev, sa, (int)sl) < 0 ||
	    bufferevent_enable(c->bev, EV_READ | EV_WRITE) < 0)
		goto fail;
	c->next = d->conns;
	if (d->conns)
		d->conns->prev = c;
	d->conns = c;
	d->nconns++;
	return c;
fail:
	if (fd >= 0)
		close(fd);
	if (c)
		dot_conn_free(c);
	dv_log(d->lg, DV_LOG_WARN, "DNS over TLS: cannot open a connection: "
	       "%s", strerror(errno));
	return NULL;
}

static dot_conn *dot_find(dv_dot *d, const struct sockaddr *sa,
			  socklen_t sl, const char *name)
{
	for (dot_conn *c = d->conns; c; c = c->next)
		if (c->sl == sl && !memcmp(&c->ss, sa, sl) &&
		    !strcmp(c->name, name))
			return c;
	return NULL;
}

/* An id no other query on c waits with: the engine's own when free. */
static uint16_t dot_free_id(const dot_conn *c, uint16_t id)
{
	for (int tries = 0; tries < 65536; tries++, id++) {
		const dot_q *q;

		for (q = c->head; q && q->id != id; q = q->next)
			;
		if (!q)
			break;
	}
	return id;
}

/* The connection for this server and name, opened when there is none. */
static dot_conn *dot_get(dv_dot *d, const struct sockaddr *sa, socklen_t sl,
			 const struct sockaddr *src, socklen_t srclen,
			 const char *name)
{
	dot_conn *c = dot_find(d, sa, sl, name);

	if (!c && d->nconns < DV_DOT_CONNS)
		c = dot_open(d, sa, sl, src, srclen, name);
	return c;
}

/* Frame q onto c and wait for its reply there.  -1: over the limits. */
static int dot_put(dot_conn *c, dot_q *q)
{
	uint8_t *o = c->d->obuf;

	if (c->nq >= DV_DOT_MAXQ ||
	    evbuffer_get_length(bufferevent_get_output(c->bev)) + 2 +
	    q->len > DV_DOT_MAXOUT)
		return -1;
	q->id = dot_free_id(c, q->orig_id);
	q->sent = c->last_use = dot_now();
	o[0] = (uint8_t)(q->len >> 8);
	o[1] = (uint8_t)q->len;
	o[2] = (uint8_t)(q->id >> 8);
	o[3] = (uint8_t)q->id;
	memcpy(o + 4, q->msg + 2, q->len - 2);
	if (bufferevent_write(c->bev, o, q->len + 2) < 0)
		return -1;
	if (c->tail)
		c->tail->next = q;
	else
		c->head = q;
	c->tail = q;
	c->nq++;
	dot_arm(c);
	return 0;
}

int dv_dot_send(dv_dot *d, const struct sockaddr *sa, socklen_t sl,
		const struct sockaddr *src, socklen_t srclen,
		const char *name, uint64_t txn, unsigned gen,
		const uint8_t *msg, size_t len)
{
	dot_conn *c;
	dot_q *q;

	if (len < 12 || len > DV_DOT_MAXMSG ||
	    !(q = calloc(1, sizeof(*q) + len)))
		return -1;
	q->txn = txn;
	q->gen = gen;
	q->len = len;
	q->msg = (uint8_t *)(q + 1);
	memcpy(q->msg, msg, len);
	q->orig_id = (uint16_t)(msg[0] << 8 | msg[1]);
	c = dot_get(d, sa, sl, src, srclen, name ? name : "");
	if (!c || dot_put(c, q) < 0) {
		free(q);
		return -1;
	}
	return 0;
}

void dv_dot_free(dv_dot *d)
{
	if (!d)
		return;
	while (d->conns) {
		dot_conn *c = d->conns;

		dot_unlink(c);
		dot_conn_free(c);
	}
	SSL_CTX_free(d->ctx);
	free(d->buf);
	free(d->obuf);
	free(d);
}
