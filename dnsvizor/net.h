/*
 * dnsvizor/net.h — the DNS socket service (net.c): UDP batches, stream
 * connections (TCP, DoT, DoH) and the query log line.
 */
#ifndef DV_NET_H
#define DV_NET_H

#include "dnsvizor/addr.h"
#include "dnsvizor/ctx.h"

/* One TCP client connection (net.c; xfrout.c streams transfers on it). */
typedef struct dv_tcp_conn {
	dv_ctx *ctx;
	struct bufferevent *bev;
	struct event *timer;
	struct dv_tcp_conn *prev, *next;
	struct sockaddr_storage peer;
	int eof;
	zone_xfr *xfr;              /* outgoing transfer in progress */
	int rs_pending;             /* queries waiting in the resolver */
	int kind;                   /* DV_CONN_TCP, _DOT (TLS), _DOH */
	struct doh_sess *doh;       /* DoH: HTTP session (tls.c, doh.c) */
	int loopback;               /* accepted on a loopback address */
	int lingering;              /* DoH: answered, write side shut, input
				       drained until the client closes */
	zone_cl_link cl;            /* in ctx->cl under the peer's address */
} dv_tcp_conn;

/* --- net.c --- */

/* Allocate the batch buffers (once); 0 or -1. */
int dv_net_init(dv_ctx *ctx, char *err, size_t errlen);
/* Bind UDP and TCP sockets on every ctx->addrs entry; 0 or -1 + err. */
int dv_net_open(dv_ctx *ctx, char *err, size_t errlen);
/* Register the listeners with the event base; 0 or -1. */
int dv_net_start(dv_ctx *ctx);
/* Close every connection and listener, free the buffers. */
void dv_net_close(dv_ctx *ctx);
/* Log the counters at info level. */
void dv_net_log_stats(const dv_ctx *ctx);

/*
 * Stream connections of every kind (plain TCP, DoT, DoH) share the LRU
 * list, the cap, the idle timer and back-pressure.  dv_conn_query
 * answers one DNS query arriving on c (zones, else the resolver); the
 * answer goes out through dv_conn_reply with the tag given here (DoH:
 * the HTTP stream; ignored for TCP and DoT, whose answers are framed
 * with their length).
 */
void dv_conn_query(dv_tcp_conn *c, const uint8_t *q, size_t qlen,
		   uint32_t tag);
void dv_conn_reply(dv_tcp_conn *c, uint32_t tag, const uint8_t *msg,
		   size_t len);
/* A complete request arrived: re-arm the idle timer, move to LRU tail. */
void dv_tcp_touch(dv_tcp_conn *c);
/* Close and free c. */
void dv_tcp_close(dv_tcp_conn *c);

#endif
