/*
 * dnsvizor/outq.h — the one outgoing DNS service (outq.c): every query
 * the process sends to another server (resolver upstreams over UDP/TCP,
 * NOTIFY, secondary SOA checks and transfers, and ACME's DNS side:
 * the RFC 2136 client to --dns-server, its publication checks and the
 * wait for our secondaries' serial) goes through it.
 *
 * The protocol work (ids, matching by id + address + port + question,
 * retries with backoff, TC -> TCP, TSIG) is zones/outq.c's; this file
 * moves the bytes: a fresh connected UDP socket per query (the kernel
 * picks a random source port, connect() filters the source), TCP
 * connections shared by queries to the same server and source (RFC 7766
 * pipelining; closed when idle), one libevent timer, an optional source
 * address per query (--outgoing-address).
 *
 * A query ends with exactly one callback (a reply, a timeout or an
 * error), except:
 *   - dv_outq_query returning 0: it failed at once, no callback comes;
 *   - dv_outq_cancel / dv_outq_cancel_all: no callback comes;
 *   - ZOQ_STREAM: each matching message is a DV_OQ_REPLY callback; the
 *     callback returns 1 to wait for more (a zone transfer's next
 *     message, or a reply it found spoofed) and 0 when done.
 * Callbacks may start and cancel queries.  The service lives in the
 * context (dv_outq_of creates it on first use) until dv_outq_stop.
 *
 * How the users fit: the resolver sends the engine's message as it is
 * (ZOQ_KEEP_ID | ZOQ_TC_RAW, a stream so that a reply the engine finds
 * spoofed keeps it waiting; the engine keeps its own timers); NOTIFY
 * hands over an unsigned message with the target's key and 4 retries;
 * a secondary's SOA check and transfer send what zones/xfrin.c built
 * (its id from dv_outq_pick_id, its TSIG checked by xfrin), a transfer
 * as a stream on a connection of its own.  ACME's DNS side
 * (acme_dns.c): the RFC 2136 client signs its UPDATE itself
 * (zones/updclient.c, id from dv_outq_pick_id, ZOQ_KEEP_ID) so that
 * zones/updclient.c judges every answer, an unsigned NOTAUTH (BADKEY,
 * BADSIG) too; its SOA and NS look-ups go plain; both with retries.
 * Its polls (the TXT at the --dns-server and at the zone's name servers,
 * "wait until our secondaries serve serial N" with zones/serialwait.c)
 * send one try per server each round (a second), take an answer to any
 * round, and end the rest with dv_outq_cancel_all.
 */
#ifndef DV_OUTQ_H
#define DV_OUTQ_H

#include <sys/socket.h>

#include "dnsvizor/ctx.h"
#include "zones/outq.h"

typedef struct dv_outq dv_outq;

enum {
	DV_OQ_REPLY = 0,     /* msg, len: the reply */
	DV_OQ_TIMEOUT = 1,   /* no reply after every try */
	DV_OQ_ERROR = 2,     /* sending failed, connection refused or lost */
};

/* user: the request's value (a transaction number, an index). */
typedef int (*dv_oq_cb)(void *arg, uint64_t user, int status,
			const uint8_t *msg, size_t len);

typedef struct dv_oq_req {
	const struct sockaddr *server;
	socklen_t server_len;
	const struct sockaddr *source;   /* NULL: any address, any port */
	socklen_t source_len;
	const uint8_t *msg;              /* one question; copied */
	size_t len;
	zone_oq_opts o;                  /* ZOQ_* flags, TSIG key, timeout,
					    retries (zones/outq.h) */
	int own_conn;                    /* TCP: a connection of its own,
					    not shared (zone transfers) */
	dv_oq_cb cb;
	void *arg;
	uint64_t user;
} dv_oq_req;

/* The process's service, created on first use; NULL: out of memory. */
dv_outq *dv_outq_of(dv_ctx *ctx);
/* Start a query; its handle, or 0 when it failed at once. */
uint32_t dv_outq_query(dv_outq *oq, const dv_oq_req *r);
/* End a query without a callback (stale handles are ignored). */
void dv_outq_cancel(dv_outq *oq, uint32_t handle);
/* End every query of this callback and arg (a user going away). */
void dv_outq_cancel_all(dv_outq *oq, dv_oq_cb cb, const void *arg);
/* A random id no pending query to server uses (ZOQ_KEEP_ID users). */
uint16_t dv_outq_pick_id(dv_outq *oq, const struct sockaddr *server);
/* Close everything (no callbacks) and log the counters. */
void dv_outq_stop(dv_ctx *ctx);

#endif
