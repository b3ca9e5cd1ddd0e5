/*
 * dnsvizor/resolve.h — the resolver in the event loop (resolve.c).
 */
#ifndef DV_RESOLVE_H
#define DV_RESOLVE_H

#include "dnsvizor/net.h"

/* --- resolve.c: the resolver in the event loop --- */

/* Who waits for a resolver answer. */
typedef struct dv_rs_peer {
	int tcp;
	int fd;                     /* UDP: the listening socket */
	struct sockaddr_storage peer;
	socklen_t peerlen;
	_Alignas(struct cmsghdr) uint8_t ctl[64]; /* UDP: pktinfo to reply
						   from */
	socklen_t ctllen;
	dv_tcp_conn *conn;          /* TCP; NULL once it closed */
	uint32_t tag;               /* for dv_conn_reply (DoH stream) */
	uint16_t elim;              /* largest reply (UDP) */
	uint16_t eopt_len;          /* EDNS options the reply gets (abuse.h) */
	uint8_t eopt[ZONE_EOPT_MAX];
	uint8_t logq;               /* 1: qname/qtype kept for the query log */
	uint32_t serial;            /* its query log serial (querylog.h) */
	uint16_t qtype;
	uint8_t qname[WIRE_MAXNAME]; /* as asked */
} dv_rs_peer;

/* Start the resolver when recursion is on (after the event base exists):
 * builds the engine, reads <state-dir>/cache.bin.  0 or -1 + err. */
int dv_rs_start(dv_ctx *ctx, char *err, size_t errlen);
/* --test: build the resolver's configuration (forwarders, root hints,
 * trust anchors) once and drop it; 0, or -1 with the reason in err. */
int dv_rs_check(dv_ctx *ctx, char *err, size_t errlen);
/* After SIGHUP swapped ctx->cfg: a new engine that keeps the cache. */
void dv_rs_reload(dv_ctx *ctx);
/* Write the cache to <state-dir>/cache.bin (atomically) and free. */
void dv_rs_stop(dv_ctx *ctx);
/* SIGUSR1: cache size and traffic, per forwarding server queries sent
 * and failed, the engine's counters (to the log). */
void dv_rs_dump_stats(dv_ctx *ctx);
/* A query zone_db_handle passed on, with the parse it made (zone_req.wq).
 * 1 if resp holds the reply now, 0 if there is none (it comes later to
 * p, or the query was dropped). */
int dv_rs_query(dv_ctx *ctx, const uint8_t *q, size_t qlen,
		const wire_query *wq, dv_rs_peer *p, uint8_t *resp,
		size_t cap, size_t *rlen);
/* The test clock moved (main.c, SIGUSR2): the timer is armed again for
 * the engine's next deadline (RFC 5011 probes, retries). */
void dv_rs_clock_moved(dv_ctx *ctx);
/* A TCP connection closes: its waiting answers are dropped. */
void dv_rs_conn_gone(dv_ctx *ctx, dv_tcp_conn *c);

#endif
