/*
 * The outgoing DNS service (outq.h): sockets, connections and the timer
 * around zones/outq.c.
 *
 * Per pending query one oq_q, found by the low 16 bits of its handle
 * (zones/outq.c: slot + 1), with its UDP event in preallocated memory
 * (event_assign): a UDP query allocates nothing here.  A TCP query keeps
 * a copy of its bytes when it shares a connection that already carried
 * another query: if the server closes that connection before answering
 * (some close after one answer), the query is sent once more on a
 * connection of its own.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "dnsvizor/addr.h"
#include "dnsvizor/clock.h"
#include "dnsvizor/outq.h"

enum {
	DV_OQ_MAX = 4096,          /* queries pending at once */
	DV_OQ_MSG = 65535,
	DV_OQ_PIPELINE = 32,       /* queries in flight per connection */
	DV_OQ_IDLE_MS = 3000,      /* an unused connection is closed */
	DV_OQ_UDP_READS = 8,       /* datagrams per read callback */
};

typedef struct oq_conn {
	struct dv_outq *oq;
	struct bufferevent *bev;
	struct event *idle;
	zone_oq_addr server;
	struct sockaddr_storage src;
	socklen_t srclen;
	size_t npending, nsent;
	int noshare;               /* one query only (a stream, a resend) */
	struct oq_conn *prev, *next;
} oq_conn;

typedef struct oq_q {
	struct dv_outq *oq;
	uint32_t h;                /* 0: free */
	dv_oq_cb cb;
	void *arg;
	uint64_t user;
	int fd;                    /* UDP, or -1 */
	struct event *ev;          /* in oq->evmem */
	int ev_on;
	oq_conn *conn;             /* TCP */
	uint8_t *copy;             /* TCP on a shared connection */
	size_t copylen;
	int stream;
	int own_conn;
	struct sockaddr_storage src;
	socklen_t srclen;
} oq_q;

struct dv_outq {
	dv_ctx *ctx;
	zone_outq *core;
	oq_q *q;
	uint8_t *evmem;
	size_t evsize;
	oq_conn *conns;
	struct event *timer;
	uint64_t armed;
	uint8_t *rbuf;             /* one received message */
};

static void oq_pump(struct dv_outq *oq);

/* ------------------------------------------------------------------ */
/* addresses                                                          */
/* ------------------------------------------------------------------ */

static int oq_from_sa(const struct sockaddr *sa, zone_oq_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->af = (uint8_t)dv_sa_split(sa, a->addr, &a->port);
	return a->af ? 0 : -1;
}

static socklen_t oq_to_sa(const zone_oq_addr *a, struct sockaddr_storage *ss)
{
	return dv_sa_make(a->af, a->addr, a->port, ss);
}

/* A socket of the server's family, bound to the source if one is set. */
static int oq_socket(const zone_oq_addr *server, int type,
		     const struct sockaddr_storage *src, socklen_t srclen)
{
	int fd = socket(server->af == 4 ? AF_INET : AF_INET6,
			type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd >= 0 && srclen &&
	    bind(fd, (const struct sockaddr *)src, srclen) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A reply that matched a signed query but fails its TSIG is worth a
 * (rate-limited) line: a wrong secret on one side, or a forgery.  Other
 * rejects are only counted (zone_oq_stats). */
static void oq_rejected(struct dv_outq *oq, int rc, const zone_oq_addr *from)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	if (rc != ZOQ_RX_BAD_TSIG)
		return;
	inet_ntop(from->af == 4 ? AF_INET : AF_INET6, from->addr, ip,
		  sizeof(ip));
	dv_log(&oq->ctx->lg, DV_LOG_WARN, "reply from %s#%u fails TSIG: "
	       "ignored", ip, (unsigned)from->port);
}

static oq_q *oq_get(struct dv_outq *oq, uint32_t h)
{
	size_t i = (size_t)(h & 0xffff);

	if (i == 0 || i > DV_OQ_MAX || oq->q[i - 1].h != h)
		return NULL;
	return &oq->q[i - 1];
}

/* ------------------------------------------------------------------ */
/* TCP connections                                                    */
/* ------------------------------------------------------------------ */

static void oq_conn_free(oq_conn *c)
{
	struct dv_outq *oq = c->oq;

	if (c->prev)
		c->prev->next = c->next;
	else
		oq->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	bufferevent_free(c->bev);
	event_free(c->idle);
	free(c);
}

static void oq_conn_idle_cb(evutil_socket_t fd, short what, void *arg)
{
	oq_conn *c = arg;

	(void)fd;
	(void)what;
	if (c->npending == 0)
		oq_conn_free(c);
}

/* A query leaves its connection; an unused one closes (later: never
 * inside the connection's own callbacks). */
static void oq_conn_detach(oq_q *st)
{
	oq_conn *c = st->conn;
	struct timeval tv = { 0, 0 };

	st->conn = NULL;
	if (!c || --c->npending > 0)
		return;
	if (!c->noshare) {
		tv.tv_sec = DV_OQ_IDLE_MS / 1000;
		tv.tv_usec = (DV_OQ_IDLE_MS % 1000) * 1000;
	}
	evtimer_add(c->idle, &tv);
}

/* The query st is over here: its socket or connection goes. */
static void oq_release(oq_q *st)
{
	if (st->ev_on) {
		event_del(st->ev);
		st->ev_on = 0;
	}
	if (st->fd >= 0) {
		close(st->fd);
		st->fd = -1;
	}
	oq_conn_detach(st);
	free(st->copy);
	st->copy = NULL;
	st->h = 0;
}

static void oq_act(struct dv_outq *oq, const zone_oq_action *a);

static void oq_tcp_read(struct bufferevent *bev, void *arg)
{
	oq_conn *c = arg;
	struct dv_outq *oq = c->oq;
	struct evbuffer *in = bufferevent_get_input(bev);
	zone_oq_action a;
	uint8_t lb[2];
	size_t n;
	int rc;

	while (evbuffer_copyout(in, lb, 2) == 2) {
		n = wire_get16(lb);
		if (evbuffer_get_length(in) < 2 + n)
			break;
		evbuffer_drain(in, 2);
		evbuffer_remove(in, oq->rbuf, n);
		rc = zone_outq_on_reply(oq->core, 0, &c->server, 1, oq->rbuf,
					n, dv_now_ms(), &a);
		if (rc == ZOQ_RX_OK)
			oq_act(oq, &a);
		else
			oq_rejected(oq, rc, &c->server);
	}
	oq_pump(oq);
}

static int oq_tcp_send(struct dv_outq *oq, oq_q *st, const zone_oq_addr *srv,
		       const uint8_t *msg, size_t len, int noshare);

/* The connection is gone: its queries are sent again on a connection of
 * their own (once, if it was shared), or fail. */
static void oq_tcp_event(struct bufferevent *bev, short what, void *arg)
{
	oq_conn *c = arg;
	struct dv_outq *oq = c->oq;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED)
		return;
	c->npending++;             /* not freed by a detach below */
	for (size_t i = 0; i < DV_OQ_MAX; i++) {
		oq_q *st = &oq->q[i];
		uint8_t *copy = st->copy;

		if (!st->h || st->conn != c)
			continue;
		oq_conn_detach(st);
		st->copy = NULL;
		if (!copy || oq_tcp_send(oq, st, &c->server, copy,
					 st->copylen, 1) < 0)
			zone_outq_on_error(oq->core, st->h, dv_now_ms());
		free(copy);
	}
	oq_conn_free(c);
	oq_pump(oq);
}

static oq_conn *oq_conn_new(struct dv_outq *oq, const zone_oq_addr *srv,
			    const oq_q *st)
{
	struct sockaddr_storage ss;
	socklen_t sl = oq_to_sa(srv, &ss);
	oq_conn *c = calloc(1, sizeof(*c));
	int fd = oq_socket(srv, SOCK_STREAM, &st->src, st->srclen);

	if (!c || fd < 0 || !(c->idle = evtimer_new(oq->ctx->base,
						  oq_conn_idle_cb, c)) ||
	    !(c->bev = bufferevent_socket_new(oq->ctx->base, fd,
					      BEV_OPT_CLOSE_ON_FREE))) {
		if (fd >= 0)
			close(fd);
		if (c && c->idle)
			event_free(c->idle);
		free(c);
		return NULL;
	}
	c->oq = oq;
	c->server = *srv;
	c->src = st->src;
	c->srclen = st->srclen;
	c->next = oq->conns;
	if (oq->conns)
		oq->conns->prev = c;
	oq->conns = c;
	bufferevent_setcb(c->bev, oq_tcp_read, NULL, oq_tcp_event, c);
	if (bufferevent_socket_connect(c->bev, (struct sockaddr *)&ss,
				       (int)sl) < 0 ||
	    bufferevent_enable(c->bev, EV_READ | EV_WRITE) < 0) {
		oq_conn_free(c);
		return NULL;
	}
	return c;
}

static oq_conn *oq_conn_find(struct dv_outq *oq, const zone_oq_addr *srv,
			     const oq_q *st)
{
	for (oq_conn *c = oq->conns; c; c = c->next)
		if (!c->noshare && c->npending < DV_OQ_PIPELINE &&
		    c->server.af == srv->af && c->server.port == srv->port &&
		    !memcmp(c->server.addr, srv->addr, 16) &&
		    c->srclen == st->srclen &&
		    !memcmp(&c->src, &st->src, st->srclen))
			return c;
	return NULL;
}

static int oq_tcp_send(struct dv_outq *oq, oq_q *st, const zone_oq_addr *srv,
		       const uint8_t *msg, size_t len, int noshare)
{
	oq_conn *c = noshare ? NULL : oq_conn_find(oq, srv, st);
	struct timeval now = { 0, 0 };
	uint8_t lb[2];

	if (!c && !(c = oq_conn_new(oq, srv, st)))
		return -1;
	c->noshare = noshare;
	if (c->nsent > 0 && !st->copy && (st->copy = malloc(len))) {
		memcpy(st->copy, msg, len);
		st->copylen = len;
	}
	wire_put16(lb, (uint16_t)len);
	if (bufferevent_write(c->bev, lb, 2) < 0 ||
	    bufferevent_write(c->bev, msg, len) < 0) {
		if (c->npending == 0)   /* unused: let the idle timer close it */
			evtimer_add(c->idle, &now);
		return -1;
	}
	evtimer_del(c->idle);
	c->nsent++;
	c->npending++;
	st->conn = c;
	return 0;
}

/* ------------------------------------------------------------------ */
/* UDP                                                                */
/* ------------------------------------------------------------------ */

static void oq_udp_read(evutil_socket_t fd, short what, void *arg)
{
	oq_q *st = arg;
	struct dv_outq *oq = st->oq;
	uint32_t h = st->h;
	struct sockaddr_storage from;
	socklen_t fl;
	zone_oq_action a;
	zone_oq_addr fa;
	ssize_t n;
	int rc;

	(void)what;
	for (int i = 0; i < DV_OQ_UDP_READS && st->h == h; i++) {
		fl = sizeof(from);
		n = recvfrom(fd, oq->rbuf, DV_OQ_MSG, MSG_DONTWAIT,
			     (struct sockaddr *)&from, &fl);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n < 0) {  /* e.g. ICMP port unreachable */
			zone_outq_on_error(oq->core, h, dv_now_ms());
			break;
		}
		if (oq_from_sa((struct sockaddr *)&from, &fa) < 0)
			continue;
		rc = zone_outq_on_reply(oq->core, h, &fa, 0, oq->rbuf,
					(size_t)n, dv_now_ms(), &a);
		if (rc == ZOQ_RX_OK)
			oq_act(oq, &a);
		else
			oq_rejected(oq, rc, &fa);
	}
	oq_pump(oq);
}

static int oq_udp_send(struct dv_outq *oq, oq_q *st, const zone_oq_addr *srv,
		       const uint8_t *msg, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = oq_to_sa(srv, &ss);

	if (st->fd < 0) {
		st->fd = oq_socket(srv, SOCK_DGRAM, &st->src, st->srclen);
		if (st->fd < 0 ||
		    connect(st->fd, (struct sockaddr *)&ss, sl) < 0 ||
		    event_assign(st->ev, oq->ctx->base, st->fd,
				 EV_READ | EV_PERSIST, oq_udp_read, st) < 0 ||
		    event_add(st->ev, NULL) < 0)
			return -1;
		st->ev_on = 1;
	}
	return send(st->fd, msg, len, MSG_DONTWAIT) < 0 ? -1 : 0;
}

/* ------------------------------------------------------------------ */
/* actions and the timer                                              */
/* ------------------------------------------------------------------ */

static int oq_send(struct dv_outq *oq, oq_q *st, const zone_oq_action *a)
{
	if (!a->tcp)
		return oq_udp_send(oq, st, &a->server, a->msg, a->len);
	if (st->fd >= 0) {    /* TC: the UDP socket is done */
		if (st->ev_on)
			event_del(st->ev);
		st->ev_on = 0;
		close(st->fd);
		st->fd = -1;
	}
	if (st->conn)         /* (not expected: TCP is not retried) */
		return 0;
	return oq_tcp_send(oq, st, &a->server, a->msg, a->len, st->own_conn);
}

static void oq_act(struct dv_outq *oq, const zone_oq_action *a)
{
	oq_q *st = oq_get(oq, a->handle);
	dv_oq_cb cb;
	void *arg;
	uint64_t user;
	int status;

	if (!st)
		return;
	if (a->kind == ZOQ_ACT_SEND) {
		if (oq_send(oq, st, a) < 0)
			zone_outq_on_error(oq->core, a->handle, dv_now_ms());
		return;
	}
	cb = st->cb;
	arg = st->arg;
	user = st->user;
	if (a->kind == ZOQ_ACT_REPLY && st->stream) {
		if (!cb(arg, user, DV_OQ_REPLY, a->msg, a->len))
			dv_outq_cancel(oq, a->handle);
		return;
	}
	oq_release(st);     /* the core has let the query go */
	status = a->kind == ZOQ_ACT_REPLY ? DV_OQ_REPLY :
		 a->error == ZOQ_E_TIMEOUT ? DV_OQ_TIMEOUT : DV_OQ_ERROR;
	cb(arg, user, status, a->kind == ZOQ_ACT_REPLY ? a->msg : NULL,
	   a->kind == ZOQ_ACT_REPLY ? a->len : 0);
}

static void oq_arm(struct dv_outq *oq)
{
	dv_timer_at(oq->timer, &oq->armed, zone_outq_next_timer(oq->core));
}

static void oq_pump(struct dv_outq *oq)
{
	zone_oq_action a;

	while (zone_outq_next_action(oq->core, &a) != ZOQ_ACT_NONE)
		oq_act(oq, &a);
	oq_arm(oq);
}

static void oq_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dv_outq *oq = arg;

	(void)fd;
	(void)what;
	oq->armed = 0;
	zone_outq_on_timer(oq->core, dv_now_ms());
	oq_pump(oq);
}

/* ------------------------------------------------------------------ */
/* the API                                                            */
/* ------------------------------------------------------------------ */

static void oq_free(struct dv_outq *oq)
{
	if (!oq)
		return;
	for (size_t i = 0; oq->q && i < DV_OQ_MAX; i++)
		if (oq->q[i].h)
			oq_release(&oq->q[i]);
	while (oq->conns)
		oq_conn_free(oq->conns);
	if (oq->timer)
		event_free(oq->timer);
	zone_outq_free(oq->core);
	free(oq->q);
	free(oq->evmem);
	free(oq->rbuf);
	free(oq);
}

dv_outq *dv_outq_of(dv_ctx *ctx)
{
	struct dv_outq *oq;

	if (ctx->outq)
		return ctx->outq;
	if (!(oq = calloc(1, sizeof(*oq))))
		return NULL;
	oq->ctx = ctx;
	oq->evsize = event_get_struct_event_size();
	oq->core = zone_outq_new(DV_OQ_MAX, dv_random, NULL);
	oq->q = calloc(DV_OQ_MAX, sizeof(*oq->q));
	oq->evmem = calloc(DV_OQ_MAX, oq->evsize);
	oq->rbuf = malloc(DV_OQ_MSG);
	oq->timer = evtimer_new(ctx->base, oq_timer_cb, oq);
	if (!oq->core || !oq->q || !oq->evmem || !oq->rbuf || !oq->timer) {
		oq_free(oq);
		return NULL;
	}
	for (size_t i = 0; i < DV_OQ_MAX; i++) {
		oq->q[i].oq = oq;
		oq->q[i].fd = -1;
		oq->q[i].ev = (struct event *)(void *)(oq->evmem +
						       i * oq->evsize);
	}
	ctx->outq = oq;
	return oq;
}

static void oq_start(oq_q *st, const dv_oq_req *r)
{
	st->cb = r->cb;
	st->arg = r->arg;
	st->user = r->user;
	st->stream = (r->o.flags & ZOQ_STREAM) != 0;
	st->own_conn = r->own_conn;
	st->srclen = 0;
	if (r->source && r->source_len <= sizeof(st->src)) {
		memcpy(&st->src, r->source, r->source_len);
		st->srclen = r->source_len;
	}
}

uint32_t dv_outq_query(dv_outq *oq, const dv_oq_req *r)
{
	zone_oq_addr srv;
	zone_oq_action a;
	uint32_t h;
	oq_q *st;

	if (!oq || oq_from_sa(r->server, &srv) < 0 ||
	    zone_outq_query(oq->core, &srv, r->msg, r->len, &r->o, r->user,
			    dv_now_ms(), &h, &a) < 0)
		return 0;
	st = &oq->q[(h & 0xffff) - 1];
	st->h = h;
	oq_start(st, r);
	if (oq_send(oq, st, &a) < 0) {
		zone_outq_cancel(oq->core, h);
		oq_release(st);
		return 0;
	}
	oq_arm(oq);
	return h;
}

void dv_outq_cancel(dv_outq *oq, uint32_t handle)
{
	oq_q *st = oq ? oq_get(oq, handle) : NULL;

	if (!st)
		return;
	zone_outq_cancel(oq->core, handle);
	oq_release(st);
}

void dv_outq_cancel_all(dv_outq *oq, dv_oq_cb cb, const void *arg)
{
	for (size_t i = 0; oq && i < DV_OQ_MAX; i++)
		if (oq->q[i].h && oq->q[i].cb == cb && oq->q[i].arg == arg)
			dv_outq_cancel(oq, oq->q[i].h);
}

uint16_t dv_outq_pick_id(dv_outq *oq, const struct sockaddr *server)
{
	zone_oq_addr srv;
	uint16_t id;

	if (oq && oq_from_sa(server, &srv) == 0)
		return zone_outq_pick_id(oq->core, &srv);
	dv_random(NULL, &id, sizeof(id));
	return id;
}

void dv_outq_stop(dv_ctx *ctx)
{
	struct dv_outq *oq = ctx->outq;
	const zone_oq_stats *s;

	if (!oq)
		return;
	s = zone_outq_stats(oq->core);
	dv_log(&ctx->lg, DV_LOG_INFO, "outgoing queries: %llu sent %llu "
	       "retries %llu tcp-fallbacks %llu replies %llu timeouts %llu "
	       "errors %llu; rejected: bad-id %llu bad-address %llu "
	       "bad-question %llu bad-tsig %llu malformed %llu",
	       (unsigned long long)s->queries, (unsigned long long)s->sends,
	       (unsigned long long)s->retries,
	       (unsigned long long)s->tc_fallbacks,
	       (unsigned long long)s->replies,
	       (unsigned long long)s->timeouts,
	       (unsigned long long)s->errors,
	       (unsigned long long)s->bad_id,
	       (unsigned long long)s->bad_addr,
	       (unsigned long long)s->bad_question,
	       (unsigned long long)s->bad_tsig,
	       (unsigned long long)s->malformed);
	oq_free(oq);
	ctx->outq = NULL;
}
