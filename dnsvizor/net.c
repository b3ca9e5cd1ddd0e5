/*
 * DNS service over UDP (batched recvmmsg/sendmmsg) and TCP (RFC 7766).
 *
 * UDP: every buffer is allocated once in dv_net_init; a read callback
 * receives up to DV_UDP_ROUNDS batches of DV_UDP_BATCH datagrams, answers
 * them in place and sends the replies of a batch with one sendmmsg.  A
 * full socket send buffer drops the rest of the batch (counted): blocking
 * the loop for one client would stall every other.
 *
 * TCP: one bufferevent per connection.  Complete length-prefixed messages
 * are answered in order (pipelining).  The idle timer is re-armed only when
 * a complete query arrives, so a client that trickles bytes or never reads
 * its answers is cut by it.  Output above DV_TCP_OUT_HIGH stops query
 * processing until it drains.  Connections are counted per client
 * address (zones/connlim.c): a client at --tcp-max-per-address loses its
 * own least recently active connection to a new one, and at the cap the
 * busiest address loses its least recently active one (RFC 7766 6.2.3),
 * so one client's connect churn cannot push out the others.
 *
 * UDP queries from the reflection ports 0, 7, 13, 19 and 37 are dropped.
 * Whether a query was sent to a loopback address (the listener's address,
 * or its pktinfo / getsockname destination on a wildcard socket) goes to
 * zones/ with it: CHAOS identity is answered only there by default.
 *
 * DNS over TLS (RFC 7858) connections are the same connections on a TLS
 * bufferevent (tls.c); DNS over HTTPS (RFC 8484) ones share the list,
 * cap, timer and watermarks but read HTTP (ctx->doh_ops: dohconn.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "dnsvizor/clock.h"
#include "dnsvizor/abuse.h"
#include "dnsvizor/net.h"
#include "dnsvizor/persist.h"
#include "dnsvizor/querylog.h"
#include "dnsvizor/secondary.h"
#include "dnsvizor/xfrout.h"
#include "dnsvizor/resolve.h"
#include "dnsvizor/tls.h"

#define DV_CTLSIZE 64

typedef union dv_ctlbuf {
	struct cmsghdr align;
	uint8_t b[DV_CTLSIZE];
} dv_ctlbuf;

struct dv_udp_batch {
	struct mmsghdr rmsg[DV_UDP_BATCH], smsg[DV_UDP_BATCH];
	struct iovec riov[DV_UDP_BATCH], siov[DV_UDP_BATCH];
	struct sockaddr_storage from[DV_UDP_BATCH];
	dv_ctlbuf rctl[DV_UDP_BATCH], sctl[DV_UDP_BATCH];
	uint8_t *rx;
	uint8_t *tx;
};


/* rq parses into wq (the one parse of the query, for the resolver and
 * the query log); a message too short for a header leaves wq as this. */
static void dv_req_wq(zone_req *rq, wire_query *wq)
{
	wq->qname_len = 0;
	wq->qtype = 0;
	rq->wq = wq;
}

/* The name to log for a query zone_db_handle parsed into wq (NULL: no
 * question could be read). */
static const uint8_t *dv_log_qname(const wire_query *wq)
{
	return wq->qname_len ? wq->qname : NULL;
}

/* The query log lines of an answer given at once: by the zones or local
 * data ("config"), or by the resolver (from_rs: its cache, or local
 * policy such as --address, ctx->qlog_src). */
static void dv_net_qlog(dv_ctx *ctx, const wire_query *wq,
			const struct sockaddr *from, const uint8_t *resp,
			size_t rlen, const char *proto, int from_rs)
{
	const uint8_t *qn = dv_log_qname(wq);

	if (!qn) {
		dv_log_malformed(ctx, from, resp, rlen, proto);
		return;
	}
	dv_log_query(ctx, ctx->qlog_serial, qn, wq->qtype, from);
	dv_log_reply(ctx, ctx->qlog_serial, from,
		     from_rs && ctx->qlog_src ? ctx->qlog_src : "config",
		     resp, rlen);
}

/* ------------------------------------------------------------------ */
/* UDP                                                                */
/* ------------------------------------------------------------------ */

static void dv_udp_prep(dv_ctx *ctx, dv_listener *l)
{
	struct dv_udp_batch *b = ctx->udp;
	int i;

	for (i = 0; i < DV_UDP_BATCH; i++) {
		struct msghdr *m = &b->rmsg[i].msg_hdr;

		m->msg_name = &b->from[i];
		m->msg_namelen = sizeof(b->from[i]);
		m->msg_iov = &b->riov[i];
		m->msg_iovlen = 1;
		m->msg_control = l->addr.wildcard ? b->rctl[i].b : NULL;
		m->msg_controllen = l->addr.wildcard ? DV_CTLSIZE : 0;
		m->msg_flags = 0;
		b->rmsg[i].msg_len = 0;
	}
}

static socklen_t dv_cmsg_put(void *ctl, int level, int type, const void *d,
			     size_t dlen)
{
	struct msghdr tmp;
	struct cmsghdr *c;

	memset(&tmp, 0, sizeof(tmp));
	tmp.msg_control = ctl;
	tmp.msg_controllen = CMSG_SPACE(dlen);
	c = CMSG_FIRSTHDR(&tmp);
	c->cmsg_level = level;
	c->cmsg_type = type;
	c->cmsg_len = CMSG_LEN(dlen);
	memcpy(CMSG_DATA(c), d, dlen);
	return (socklen_t)CMSG_SPACE(dlen);
}

/* Reply from the address the query was sent to (wildcard sockets). */
static socklen_t dv_pktinfo_reply(struct msghdr *rm, void *ctl)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(rm); c; c = CMSG_NXTHDR(rm, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			pi.ipi_spec_dst = pi.ipi_addr;
			pi.ipi_ifindex = 0;
			return dv_cmsg_put(ctl, IPPROTO_IP, IP_PKTINFO, &pi,
					   sizeof(pi));
		}
		if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi6;

			memcpy(&pi6, CMSG_DATA(c), sizeof(pi6));
			return dv_cmsg_put(ctl, IPPROTO_IPV6, IPV6_PKTINFO,
					   &pi6, sizeof(pi6));
		}
	}
	return 0;
}

/* Was the datagram rm sent to a loopback address (wildcard sockets:
 * its pktinfo destination)? */
static int dv_pktinfo_loopback(struct msghdr *rm)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(rm); c; c = CMSG_NXTHDR(rm, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			return (ntohl(pi.ipi_addr.s_addr) >> 24) == 127;
		}
		if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi6;

			memcpy(&pi6, CMSG_DATA(c), sizeof(pi6));
			return IN6_IS_ADDR_LOOPBACK(&pi6.ipi6_addr);
		}
	}
	return 0;
}

/* Fill a zone_req for a message from peer (to a loopback address?). */
static void dv_req_init(zone_req *rq, const uint8_t *q, size_t len, int tcp,
			int loopback, const void *peer, uint64_t now)
{
	const struct sockaddr *sa = peer;

	memset(rq, 0, sizeof(*rq));
	rq->q = q;
	rq->qlen = len;
	rq->tcp = tcp;
	rq->loopback = loopback;
	rq->now = now;
	if (sa && sa->sa_family == AF_INET) {
		rq->af = 4;
		memcpy(rq->addr, &((const struct sockaddr_in *)peer)->sin_addr, 4);
	} else if (sa && sa->sa_family == AF_INET6) {
		rq->af = 6;
		memcpy(rq->addr,
		       &((const struct sockaddr_in6 *)peer)->sin6_addr, 16);
	}
}

/*
 * Act on what a request did besides its reply.  A zone change is in the
 * zone's journal already (persist.c's hook; dv_persist_sync makes it
 * durable and NOTIFYs before the reply is sent).  A NOTIFY wakes the
 * secondary logic, an accepted transfer starts streaming on the TCP
 * connection c.
 */
static void dv_effects(dv_ctx *ctx, zone_effects *eff, dv_tcp_conn *c)
{
	if (eff->notified)
		dv_secondary_notified(ctx, eff->notified);
	if (eff->xfr) {
		if (c)
			dv_xfr_begin(c, eff->xfr);
		else
			zone_xfr_free(eff->xfr);
	}
}

/* The EDNS options (cookie, NSID) a resolver answer gets (abuse.h). */
static void dv_peer_opts(dv_rs_peer *p, const zone_effects *eff)
{
	p->elim = eff->udp_lim;
	p->eopt_len = eff->opt_len;
	if (eff->opt_len)
		memcpy(p->eopt, eff->opt, eff->opt_len);
}

/* A query for the resolver: remember where the answer goes. */
static int dv_udp_pass(dv_ctx *ctx, dv_listener *l, struct msghdr *rm,
		       const zone_req *rq, const zone_effects *eff,
		       uint8_t *out, size_t *rlen)
{
	dv_rs_peer p;

	memset(&p, 0, offsetof(dv_rs_peer, eopt));
	dv_peer_opts(&p, eff);
	p.logq = 0;
	p.fd = l->fd;
	p.peerlen = rm->msg_namelen <= sizeof(p.peer) ? rm->msg_namelen
						      : sizeof(p.peer);
	memcpy(&p.peer, rm->msg_name, p.peerlen);
	if (l->addr.wildcard)
		p.ctllen = dv_pktinfo_reply(rm, p.ctl);
	if (!dv_rs_query(ctx, rq->q, rq->qlen, rq->wq, &p, out, ctx->tx_slot,
			 rlen))
		return 0;
	*rlen = dv_abuse_rs_opts(ctx, eff->opt, eff->opt_len, eff->udp_lim,
				 out, *rlen, ctx->tx_slot);
	return *rlen > 0;
}

/*
 * A source port no resolver or stub uses but that reflection loops come
 * from, as BIND refuses them: 0 (invalid), 7 echo, 13 daytime, 19 chargen,
 * 37 time.  An answer to one of those would start a ping-pong between two
 * servers (our REFUSED echoed back as a query) or feed a spoofed flood.
 */
static int dv_udp_bad_sport(const struct sockaddr *from)
{
	/* sin_port and sin6_port sit at the same offset */
	switch (ntohs(((const struct sockaddr_in *)from)->sin_port)) {
	case 0: case 7: case 13: case 19: case 37:
		return 1;
	default:
		return 0;
	}
}

/* Answer datagram i of the batch into reply slot k; 1 if a reply. */
static int dv_udp_answer(dv_ctx *ctx, dv_listener *l, int i, int k)
{
	struct dv_udp_batch *b = ctx->udp;
	struct msghdr *rm = &b->rmsg[i].msg_hdr;
	struct msghdr *sm = &b->smsg[k].msg_hdr;
	const uint8_t *q = b->rx + (size_t)i * DV_UDP_RXSIZE;
	uint8_t *out = b->tx + (size_t)k * ctx->tx_slot;
	size_t rlen = 0;
	zone_result zr;
	zone_req rq;
	zone_effects eff;
	wire_query wq;
	int from_rs = 0;

	ctx->nst.udp_in++;
	ctx->qlog_serial++;
	if (rm->msg_flags & MSG_TRUNC) {
		ctx->nst.udp_trunc++;
		return 0;
	}
	if (dv_udp_bad_sport(rm->msg_name)) {
		ctx->nst.udp_bad_sport++;
		return 0;
	}
	dv_req_init(&rq, q, b->rmsg[i].msg_len, 0, l->addr.wildcard ?
		    dv_pktinfo_loopback(rm) : l->addr.loopback, rm->msg_name,
		    ctx->now);
	rq.srv = dv_abuse_srv(ctx);
	rq.classify = (uint8_t)dv_abuse_rrl_on(ctx);
	dv_req_wq(&rq, &wq);
	zr = zone_db_handle(ctx->db, &rq, out, ctx->tx_slot, &rlen, &eff,
			    &ctx->stats);
	if (zr == ZONE_REPLY && rq.classify)
		dv_abuse_limit(ctx, &rq, &eff, out, ctx->tx_slot, &rlen);
	else if (zr == ZONE_PASS &&
		 dv_udp_pass(ctx, l, rm, &rq, &eff, out, &rlen)) {
		zr = ZONE_REPLY;
		from_rs = 1;
	}
	if (zr != ZONE_REPLY || rlen > ctx->tx_slot)
		rlen = 0;
	dv_effects(ctx, &eff, NULL);
	if (ctx->cfg.log_queries && zr != ZONE_PASS) /* logged when answered */
		dv_net_qlog(ctx, &wq, rm->msg_name, rlen ? out : NULL, rlen,
			    "udp", from_rs);
	if (rlen == 0)
		return 0;
	b->siov[k].iov_base = out;
	b->siov[k].iov_len = rlen;
	memset(sm, 0, sizeof(*sm));
	sm->msg_name = rm->msg_name;
	sm->msg_namelen = rm->msg_namelen;
	sm->msg_iov = &b->siov[k];
	sm->msg_iovlen = 1;
	if (l->addr.wildcard) {
		sm->msg_control = b->sctl[k].b;
		sm->msg_controllen = dv_pktinfo_reply(rm, b->sctl[k].b);
		if (sm->msg_controllen == 0)
			sm->msg_control = NULL;
	}
	return 1;
}

static void dv_udp_send(dv_ctx *ctx, int fd, int k)
{
	struct dv_udp_batch *b = ctx->udp;
	int off = 0, tries, r;

	for (tries = 0; off < k && tries < 2 * k + 4; tries++) {
		r = sendmmsg(fd, b->smsg + off, (unsigned)(k - off),
			     MSG_DONTWAIT);
		if (r > 0) {
			ctx->nst.udp_out += (uint64_t)r;
			off += r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
			      errno == ENOBUFS))
			break;
		/* This destination is unusable: skip just that reply. */
		ctx->nst.udp_send_drop++;
		off++;
	}
	if (off < k)
		ctx->nst.udp_send_drop += (uint64_t)(k - off);
}

/* One clock read per batch: the zones and the resolver's cache (TTL
 * ages, expiry) use it for every datagram of the batch. */
static void dv_udp_clock(dv_ctx *ctx)
{
	ctx->now_ms = dv_now_ms();
	ctx->now = ctx->now_ms / 1000;
}

static void dv_udp_read(evutil_socket_t fd, short what, void *arg)
{
	dv_listener *l = arg;
	dv_ctx *ctx = l->ctx;
	int round, n, i, k;

	(void)what;
	for (round = 0; round < DV_UDP_ROUNDS; round++) {
		dv_udp_prep(ctx, l);
		n = recvmmsg(fd, ctx->udp->rmsg, DV_UDP_BATCH, MSG_DONTWAIT,
			     NULL);
		if (n <= 0)
			break;
		dv_udp_clock(ctx);
		for (i = 0, k = 0; i < n; i++)
			k += dv_udp_answer(ctx, l, i, k);
		/* Group commit: one sync for every change in the batch, before
		 * any reply that acknowledges one goes out. */
		if (dv_persist_sync(ctx) < 0)
			k = 0;
		if (k > 0)
			dv_udp_send(ctx, fd, k);
		if (n < DV_UDP_BATCH)
			break;
	}
	ctx->now_ms = 0;
}

/* ------------------------------------------------------------------ */
/* TCP connections                                                    */
/* ------------------------------------------------------------------ */

static void dv_lru_unlink(dv_ctx *ctx, dv_tcp_conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		ctx->conn_head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		ctx->conn_tail = c->prev;
	c->prev = c->next = NULL;
}

static void dv_lru_append(dv_ctx *ctx, dv_tcp_conn *c)
{
	c->prev = ctx->conn_tail;
	c->next = NULL;
	if (ctx->conn_tail)
		ctx->conn_tail->next = c;
	else
		ctx->conn_head = c;
	ctx->conn_tail = c;
}

void dv_tcp_close(dv_tcp_conn *c)
{
	dv_ctx *ctx = c->ctx;

	dv_lru_unlink(ctx, c);
	zone_cl_remove(ctx->cl, &c->cl);
	dv_rs_conn_gone(ctx, c);
	ctx->nconns--;
	zone_xfr_free(c->xfr);
	event_free(c->timer);
	if (c->doh)
		ctx->doh_ops->free(c);
	bufferevent_free(c->bev);
	free(c);
}

/* A complete query arrived: the connection is active again. */
void dv_tcp_touch(dv_tcp_conn *c)
{
	dv_ctx *ctx = c->ctx;
	int ms = ctx->cfg.tcp_idle_ms > 0 ? ctx->cfg.tcp_idle_ms : 10000;
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(c->timer, &tv);
	zone_cl_touch(&c->cl);
	if (ctx->conn_tail != c) {
		dv_lru_unlink(ctx, c);
		dv_lru_append(ctx, c);
	}
}

static int dv_tcp_pass(dv_tcp_conn *c, const zone_req *rq, uint32_t tag,
		       const zone_effects *eff, size_t *rlen)
{
	dv_rs_peer p;

	memset(&p, 0, offsetof(dv_rs_peer, eopt));
	dv_peer_opts(&p, eff);
	p.logq = 0;
	p.tcp = 1;
	p.fd = -1;
	p.conn = c;
	p.tag = tag;
	p.peer = c->peer;
	p.peerlen = sizeof(c->peer);
	if (!dv_rs_query(c->ctx, rq->q, rq->qlen, rq->wq, &p,
			 c->ctx->tcp_r + 2, DV_TCP_MSGMAX, rlen))
		return 0;
	*rlen = dv_abuse_rs_opts(c->ctx, eff->opt, eff->opt_len,
				 DV_TCP_MSGMAX, c->ctx->tcp_r + 2, *rlen,
				 DV_TCP_MSGMAX);
	return *rlen > 0;
}

static const char *const dv_conn_proto[] = { "tcp", "tls", "https" };

void dv_conn_reply(dv_tcp_conn *c, uint32_t tag, const uint8_t *msg,
		   size_t len)
{
	uint8_t lb[2];

	if (c->kind == DV_CONN_DOH) {
		c->ctx->doh_ops->reply(c, tag, msg, len);
		if (msg)
			c->ctx->nst.tcp_out++;
		return;
	}
	if (!msg || len > DV_TCP_MSGMAX)
		return;
	wire_put16(lb, (uint16_t)len);
	if (bufferevent_write(c->bev, lb, 2) == 0 &&
	    bufferevent_write(c->bev, msg, len) == 0)
		c->ctx->nst.tcp_out++;
}

void dv_conn_query(dv_tcp_conn *c, const uint8_t *q, size_t qlen,
		   uint32_t tag)
{
	dv_ctx *ctx = c->ctx;
	size_t rlen = 0;
	zone_result zr;
	zone_req rq;
	zone_effects eff;
	wire_query wq;
	int from_rs = 0;

	ctx->nst.tcp_in++;
	ctx->qlog_serial++;
	ctx->now = dv_now_s();
	dv_req_init(&rq, q, qlen, 1, c->loopback,
		    (const struct sockaddr *)&c->peer, ctx->now);
	rq.srv = dv_abuse_srv(ctx);
	dv_req_wq(&rq, &wq);
	zr = zone_db_handle(ctx->db, &rq, ctx->tcp_r + 2, DV_TCP_MSGMAX,
			    &rlen, &eff, &ctx->stats);
	if (zr == ZONE_PASS && dv_tcp_pass(c, &rq, tag, &eff, &rlen)) {
		zr = ZONE_REPLY;
		from_rs = 1;
	}
	if (zr != ZONE_REPLY || rlen > DV_TCP_MSGMAX)
		rlen = 0;
	/* a zone transfer streams DNS messages: not over HTTP */
	dv_effects(ctx, &eff, c->kind == DV_CONN_DOH ? NULL : c);
	if (dv_persist_sync(ctx) < 0)
		rlen = 0;       /* not durable (undone): no acknowledgement */
	if (ctx->cfg.log_queries && zr != ZONE_PASS) /* logged when answered */
		dv_net_qlog(ctx, &wq, (const struct sockaddr *)&c->peer,
			    rlen ? ctx->tcp_r + 2 : NULL, rlen,
			    dv_conn_proto[c->kind], from_rs);
	if (c->kind == DV_CONN_DOH) {
		/* HTTP always answers: 400 when there is no DNS answer */
		if (rlen || zr != ZONE_PASS)
			dv_conn_reply(c, tag, rlen ? ctx->tcp_r + 2 : NULL,
				      rlen);
		return;
	}
	if (rlen == 0)
		return;
	wire_put16(ctx->tcp_r, (uint16_t)rlen);
	if (bufferevent_write(c->bev, ctx->tcp_r, rlen + 2) == 0)
		ctx->nst.tcp_out++;
}

/* Pending input holds a complete message? */
static int dv_tcp_complete(struct evbuffer *in)
{
	uint8_t lb[2];
	size_t have = evbuffer_get_length(in);

	if (have < 2 || evbuffer_copyout(in, lb, 2) != 2)
		return 0;
	return have >= 2 + (size_t)wire_get16(lb);
}

/*
 * Answer every complete message while the output is below the high
 * watermark.  Returns -1 if the connection was closed (c is freed).
 */
static int dv_tcp_process(dv_tcp_conn *c)
{
	dv_ctx *ctx = c->ctx;
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct evbuffer *out = bufferevent_get_output(c->bev);
	uint8_t lb[2];
	size_t mlen;

	/* While a transfer streams, later queries wait (no interleaving). */
	while (!c->xfr && evbuffer_get_length(out) < DV_TCP_OUT_HIGH &&
	       evbuffer_copyout(in, lb, 2) == 2) {
		mlen = wire_get16(lb);
		if (mlen == 0) {
			ctx->nst.tcp_bad_len++;
			dv_tcp_close(c);
			return -1;
		}
		if (evbuffer_get_length(in) < 2 + mlen)
			break;
		evbuffer_drain(in, 2);
		evbuffer_remove(in, ctx->tcp_q, mlen);
		dv_tcp_touch(c);
		dv_conn_query(c, ctx->tcp_q, mlen, 0);
	}
	if (evbuffer_get_length(out) >= DV_TCP_OUT_HIGH)
		bufferevent_disable(c->bev, EV_READ);
	else if (!c->eof)
		bufferevent_enable(c->bev, EV_READ);
	if (c->eof && !c->xfr && c->rs_pending <= 0 &&
	    evbuffer_get_length(out) == 0 &&
	    !dv_tcp_complete(in)) {
		dv_tcp_close(c);
		return -1;
	}
	return 0;
}

/* Either kind of stream: DNS framing (TCP, DoT) or HTTP (DoH). */
static int dv_conn_process(dv_tcp_conn *c)
{
	return c->kind == DV_CONN_DOH ? c->ctx->doh_ops->process(c) :
	       dv_tcp_process(c);
}

static void dv_tcp_readcb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	dv_conn_process(arg);
}

/* Output drained below the low watermark (or to 0 after EOF). */
static void dv_tcp_writecb(struct bufferevent *bev, void *arg)
{
	dv_tcp_conn *c = arg;

	(void)bev;
	if (c->xfr && dv_xfr_pump(c) > 0)
		dv_tcp_touch(c);
	dv_conn_process(c);
}

static void dv_tcp_eventcb(struct bufferevent *bev, short what, void *arg)
{
	dv_tcp_conn *c = arg;

	if (what & BEV_EVENT_CONNECTED)
		return;         /* TLS handshake done */
	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR)) {
		/* Half-close: answer what is complete, flush, then close. */
		c->eof = 1;
		bufferevent_disable(bev, EV_READ);
		bufferevent_setwatermark(bev, EV_WRITE, 0, 0);
		dv_conn_process(c);
		return;
	}
	dv_tcp_close(c);
}

static void dv_tcp_timeout(evutil_socket_t fd, short what, void *arg)
{
	dv_tcp_conn *c = arg;

	(void)fd;
	(void)what;
	if (c->rs_pending > 0) {
		/* answers still to come from the resolver (RFC 7766 6.2.3:
		 * do not cut a connection with queries outstanding) */
		dv_tcp_touch(c);
		return;
	}
	c->ctx->nst.tcp_timeouts++;
	dv_tcp_close(c);
}

/* Was the connection fd accepted by l made to a loopback address? */
static int dv_conn_loopback(const dv_listener *l, int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (!l->addr.wildcard)
		return l->addr.loopback;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		return 0;
	return dv_sa_loopback((const struct sockaddr *)&ss);
}

static int dv_tcp_conn_new(dv_ctx *ctx, int fd,
			   const struct sockaddr_storage *peer,
			   const dv_listener *l)
{
	dv_tcp_conn *c = calloc(1, sizeof(*c));
	int one = 1, kind = l->kind;
	uint8_t key[16];

	if (!c)
		return -1;
	c->ctx = ctx;
	c->peer = *peer;
	c->kind = kind;
	c->loopback = dv_conn_loopback(l, fd);
	c->bev = kind == DV_CONN_TCP ?
		 bufferevent_socket_new(ctx->base, fd, BEV_OPT_CLOSE_ON_FREE) :
		 dv_tls_bev(ctx, fd, kind);
	c->timer = evtimer_new(ctx->base, dv_tcp_timeout, c);
	if (!c->bev || !c->timer ||
	    zone_cl_add(ctx->cl, &c->cl, dv_sa_key(peer, key), key) < 0) {
		int owned = c->bev != NULL; /* the bufferevent closes fd */

		if (c->bev)
			bufferevent_free(c->bev);
		if (c->timer)
			event_free(c->timer);
		free(c);
		return owned ? -2 : -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	bufferevent_setcb(c->bev, dv_tcp_readcb, dv_tcp_writecb,
			  dv_tcp_eventcb, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, kind == DV_CONN_DOH ?
				 DV_DOH_INMAX : 2 + DV_TCP_MSGMAX + 512);
	bufferevent_setwatermark(c->bev, EV_WRITE, DV_TCP_OUT_LOW, 0);
	bufferevent_enable(c->bev, EV_READ);
	dv_lru_append(ctx, c);
	ctx->nconns++;
	ctx->nst.tcp_accepted++;
	dv_tcp_touch(c);
	return 0;
}

static int dv_tcp_max(const dv_ctx *ctx)
{
	return ctx->cfg.tcp_max_conns > 0 ? ctx->cfg.tcp_max_conns : 1;
}

/* --tcp-max-per-address, by default a quarter of the cap (at least 1). */
static int dv_tcp_max_per_addr(const dv_ctx *ctx)
{
	int per = ctx->cfg.tcp_max_per_addr;

	if (per <= 0)
		per = dv_tcp_max(ctx) / 4;
	return per > 0 ? per : 1;
}

static dv_tcp_conn *dv_conn_of(zone_cl_link *l)
{
	return (dv_tcp_conn *)(void *)((char *)l - offsetof(dv_tcp_conn, cl));
}

/*
 * Make room for a connection from ss: past its address's limit its own
 * least recently active connection goes, with every slot taken that of
 * the busiest address (zone_cl_victim), so one client's connect churn
 * cannot push out the others.  Bounded: a reload that lowered the limits
 * may take several.
 */
static void dv_tcp_make_room(dv_ctx *ctx, const struct sockaddr_storage *ss)
{
	uint8_t key[16];
	int af = dv_sa_key(ss, key), why, n;
	zone_cl_link *v;

	for (n = 0; n < ctx->nconns + 1; n++) {
		v = zone_cl_victim(ctx->cl, af, key, dv_tcp_max(ctx),
				   dv_tcp_max_per_addr(ctx), &why);
		if (!v)
			return;
		if (why == ZONE_CL_PER_ADDR)
			ctx->nst.tcp_evicted_addr++;
		else
			ctx->nst.tcp_refused_full++;
		dv_tcp_close(dv_conn_of(v));
	}
}

/* Out of descriptors: stop accepting for a moment instead of spinning. */
static void dv_accept_pause(dv_ctx *ctx)
{
	struct timeval tv = { 0, 250000 };
	size_t i;

	if (ctx->accept_paused)
		return;
	ctx->accept_paused = 1;
	ctx->nst.tcp_accept_err++;
	for (i = 0; i < ctx->nls; i++)
		if (ctx->ls[i].tcp && ctx->ls[i].ev)
			event_del(ctx->ls[i].ev);
	evtimer_add(ctx->accept_timer, &tv);
	/* free a descriptor for the next client (not a quiet one's) */
	if (zone_cl_busiest(ctx->cl))
		dv_tcp_close(dv_conn_of(zone_cl_busiest(ctx->cl)));
	dv_log(&ctx->lg, DV_LOG_WARN, "tcp accept: %s; pausing",
	       strerror(errno));
}

static void dv_accept_resume(evutil_socket_t fd, short what, void *arg)
{
	dv_ctx *ctx = arg;
	size_t i;

	(void)fd;
	(void)what;
	ctx->accept_paused = 0;
	for (i = 0; i < ctx->nls; i++)
		if (ctx->ls[i].tcp && ctx->ls[i].ev)
			event_add(ctx->ls[i].ev, NULL);
}

static void dv_tcp_accept(evutil_socket_t fd, short what, void *arg)
{
	dv_listener *l = arg;
	dv_ctx *ctx = l->ctx;
	struct sockaddr_storage ss;
	socklen_t sl;
	int i, cfd;

	(void)what;
	for (i = 0; i < DV_TCP_ACCEPTS; i++) {
		sl = sizeof(ss);
		cfd = accept4(fd, (struct sockaddr *)&ss, &sl,
			      SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM)
				dv_accept_pause(ctx);
			return;
		}
		dv_tcp_make_room(ctx, &ss);
		if (dv_tcp_conn_new(ctx, cfd, &ss, l) == -1)
			close(cfd);
	}
}

/* ------------------------------------------------------------------ */
/* sockets and lifetime                                               */
/* ------------------------------------------------------------------ */

static void dv_sock_opts(int fd, const dv_addr *a, int tcp)
{
	int one = 1, rcv = 4 << 20, snd = 1 << 20;
	int v6 = a->ss.ss_family == AF_INET6;

	if (v6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (tcp) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		return;
	}
	/* No SO_REUSEADDR on UDP: on Linux it would let a second server
	 * bind the same address and port silently. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &snd, sizeof(snd)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, sizeof(snd));
	if (a->wildcard && v6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one,
			   sizeof(one));
	else if (a->wildcard)
		setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
}

static int dv_sock_open(const dv_addr *a, int tcp, char *err, size_t errlen)
{
	int type = (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK |
		   SOCK_CLOEXEC;
	int fd = socket(a->ss.ss_family, type, 0);

	if (fd < 0) {
		snprintf(err, errlen, "cannot open socket for %s: %s", a->str,
			 strerror(errno));
		return -1;
	}
	dv_sock_opts(fd, a, tcp);
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) < 0 ||
	    (tcp && listen(fd, 256) < 0)) {
		snprintf(err, errlen, "cannot listen on %s/%s: %s", a->str,
			 tcp ? "tcp" : "udp", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* A key for the per-address hash that clients cannot guess. */
static uint64_t dv_cl_seed(void)
{
	uint64_t seed = 0;
	struct timespec ts;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(seed)) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		seed = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL ^
		       (uint64_t)getpid();
	}
	return seed;
}

int dv_net_init(dv_ctx *ctx, char *err, size_t errlen)
{
	struct dv_udp_batch *b;
	int i;

	ctx->tx_slot = ctx->cfg.edns_max > 512 ? ctx->cfg.edns_max : 512;
	ctx->conn_reply = dv_conn_reply;
	b = calloc(1, sizeof(*b));
	ctx->udp = b;
	if (b) {
		b->rx = malloc((size_t)DV_UDP_BATCH * DV_UDP_RXSIZE);
		b->tx = malloc((size_t)DV_UDP_BATCH * ctx->tx_slot);
	}
	ctx->tcp_q = malloc(DV_TCP_MSGMAX);
	ctx->tcp_r = malloc(2 + DV_TCP_MSGMAX);
	ctx->cl = zone_cl_new(dv_cl_seed());
	if (!b || !b->rx || !b->tx || !ctx->tcp_q || !ctx->tcp_r || !ctx->cl) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < DV_UDP_BATCH; i++) {
		b->riov[i].iov_base = b->rx + (size_t)i * DV_UDP_RXSIZE;
		b->riov[i].iov_len = DV_UDP_RXSIZE;
	}
	return 0;
}

/* One listener: UDP (t 0), TCP (t 1), DoT (2) or DoH (3) on a. */
static int dv_listener_open(dv_ctx *ctx, const dv_addr *a, int t,
			    char *err, size_t errlen)
{
	static const int kinds[] = { DV_CONN_TCP, DV_CONN_TCP, DV_CONN_DOT,
				     DV_CONN_DOH };
	int ports[] = { 0, 0, ctx->cfg.dot_port, ctx->cfg.doh_port };
	dv_listener *l = &ctx->ls[ctx->nls];
	int fd;

	l->addr = *a;
	l->addr.loopback = dv_sa_loopback((const struct sockaddr *)&a->ss);
	if (t >= 2) {
		if (ports[t] <= 0)
			return 0;
		/* sin_port and sin6_port sit at the same offset */
		((struct sockaddr_in *)&l->addr.ss)->sin_port =
			htons((uint16_t)ports[t]);
		dv_addr_format(&l->addr);
	}
	fd = dv_sock_open(&l->addr, t > 0, err, errlen);
	if (fd < 0)
		return -1;
	l->ctx = ctx;
	l->fd = fd;
	l->tcp = t > 0;
	l->kind = kinds[t];
	ctx->nls++;
	return 0;
}

int dv_net_open(dv_ctx *ctx, char *err, size_t errlen)
{
	size_t i;
	int t;

	ctx->ls = calloc(4 * ctx->naddrs + 1, sizeof(*ctx->ls));
	if (!ctx->ls) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < ctx->naddrs; i++)
		for (t = 0; t < 4; t++)
			if (dv_listener_open(ctx, &ctx->addrs[i], t, err,
					     errlen) < 0)
				return -1;
	return 0;
}

int dv_net_start(dv_ctx *ctx)
{
	size_t i;
	dv_listener *l;

	ctx->accept_timer = evtimer_new(ctx->base, dv_accept_resume, ctx);
	if (!ctx->accept_timer)
		return -1;
	for (i = 0; i < ctx->nls; i++) {
		l = &ctx->ls[i];
		l->ev = event_new(ctx->base, l->fd, EV_READ | EV_PERSIST,
				  l->tcp ? dv_tcp_accept : dv_udp_read, l);
		if (!l->ev || event_add(l->ev, NULL) < 0)
			return -1;
	}
	return 0;
}

void dv_net_close(dv_ctx *ctx)
{
	size_t i;

	while (ctx->conn_head)
		dv_tcp_close(ctx->conn_head);
	for (i = 0; i < ctx->nls; i++) {
		if (ctx->ls[i].ev)
			event_free(ctx->ls[i].ev);
		close(ctx->ls[i].fd);
	}
	free(ctx->ls);
	ctx->ls = NULL;
	ctx->nls = 0;
	if (ctx->accept_timer)
		event_free(ctx->accept_timer);
	ctx->accept_timer = NULL;
	if (ctx->udp) {
		free(ctx->udp->rx);
		free(ctx->udp->tx);
		free(ctx->udp);
		ctx->udp = NULL;
	}
	free(ctx->tcp_q);
	free(ctx->tcp_r);
	ctx->tcp_q = ctx->tcp_r = NULL;
	zone_cl_free(ctx->cl);
	ctx->cl = NULL;
}

void dv_net_log_stats(const dv_ctx *ctx)
{
	const zone_stats *s = &ctx->stats;
	const dv_net_stats *n = &ctx->nst;

	dv_log(&ctx->lg, DV_LOG_INFO,
	       "stats: queries %llu answered %llu dropped %llu formerr %llu "
	       "refused %llu notimp %llu nxdomain %llu nodata %llu "
	       "truncated %llu badvers %llu",
	       (unsigned long long)s->queries, (unsigned long long)s->answered,
	       (unsigned long long)s->dropped, (unsigned long long)s->formerr,
	       (unsigned long long)s->refused, (unsigned long long)s->notimp,
	       (unsigned long long)s->nxdomain, (unsigned long long)s->nodata,
	       (unsigned long long)s->truncated,
	       (unsigned long long)s->badvers);
	dv_log(&ctx->lg, DV_LOG_INFO,
	       "stats: cookies valid %llu bad %llu client-only %llu; rrl "
	       "limited %llu slipped %llu badcookie %llu dropped %llu",
	       (unsigned long long)s->cookie_valid,
	       (unsigned long long)s->cookie_bad,
	       (unsigned long long)s->cookie_client,
	       (unsigned long long)s->rrl_limited,
	       (unsigned long long)s->rrl_slipped,
	       (unsigned long long)s->rrl_badcookie,
	       (unsigned long long)s->rrl_dropped);
	dv_log(&ctx->lg, DV_LOG_INFO,
	       "stats: udp in %llu out %llu send-drop %llu oversize %llu "
	       "bad-source-port %llu; "
	       "tcp accepted %llu in %llu out %llu evicted-full %llu "
	       "evicted-per-address %llu "
	       "timeouts %llu bad-length %llu accept-errors %llu",
	       (unsigned long long)n->udp_in, (unsigned long long)n->udp_out,
	       (unsigned long long)n->udp_send_drop,
	       (unsigned long long)n->udp_trunc,
	       (unsigned long long)n->udp_bad_sport,
	       (unsigned long long)n->tcp_accepted,
	       (unsigned long long)n->tcp_in, (unsigned long long)n->tcp_out,
	       (unsigned long long)n->tcp_refused_full,
	       (unsigned long long)n->tcp_evicted_addr,
	       (unsigned long long)n->tcp_timeouts,
	       (unsigned long long)n->tcp_bad_len,
	       (unsigned long long)n->tcp_accept_err);
}
