/*
 * zones/outq.h — the outgoing-query table (sans-IO), what unbound's
 * outside_network is to unbound, without the sockets: the shell's
 * dnsvizor/outq.c moves the bytes, arms the one timer and draws the
 * random bytes.
 *
 * A query is a complete DNS message the caller built.  The table gives
 * it a random 16-bit id (never one that a pending query to the same
 * server and port already uses; the random bytes come from the caller's
 * callback), signs it with TSIG when a key is given, and hands it back
 * as a SEND action.  A response is accepted only when its id, the
 * server's address and port, the transport and the question (name
 * compared case-insensitively, type, class) and the opcode all match a
 * pending query and, with a key, its TSIG verifies; everything else is
 * rejected and counted (zone_oq_stats).  Timeouts and retries (UDP:
 * each try waits twice as long as the one before) run off the caller's
 * `now`; a UDP response with TC set sends the same query again over TCP.
 *
 * Two modes for callers that judge replies themselves:
 *   ZOQ_KEEP_ID  the message's own id is used (the resolver engine and
 *                zones/xfrin.c choose their ids; zone_outq_pick_id gives
 *                a free one to build with).
 *   ZOQ_STREAM   every matching message is delivered and the query stays
 *                pending (its timer restarts at each message) until the
 *                caller ends it with zone_outq_cancel: zone transfers
 *                (many messages on one TCP connection) and callers that
 *                may find a delivered reply spoofed and keep waiting.
 *
 * Ownership: the table copies the query (only when it may have to send
 * it again: retries or TC fallback); a TSIG key is borrowed and must
 * outlive the query.  Bytes in an action are valid until the next
 * zone_outq_* call.  No static state: one table per owner.
 */
#ifndef DV_ZONES_OUTQ_H
#define DV_ZONES_OUTQ_H

#include <stddef.h>
#include <stdint.h>

#include "zones/zones.h"

typedef struct zone_oq_addr {
	uint8_t af;                /* 4 or 6 */
	uint8_t addr[16];
	uint16_t port;             /* host order */
} zone_oq_addr;

/* Fill buf with len random bytes (getrandom in the shell, a fixed
 * sequence in unit tests). */
typedef void (*zone_oq_random_fn)(void *arg, void *buf, size_t len);

enum {
	ZOQ_TCP = 1,       /* over TCP from the start */
	ZOQ_KEEP_ID = 2,   /* send with the message's own id */
	ZOQ_STREAM = 4,    /* deliver each message until zone_outq_cancel */
	ZOQ_TC_RAW = 8,    /* deliver a TC reply as it is (no TCP retry) */
};

typedef struct zone_oq_opts {
	unsigned flags;            /* ZOQ_* */
	const zone_tsig_key *key;  /* NULL: unsigned; borrowed */
	uint32_t timeout_ms;       /* first try (0: 3000) */
	uint8_t retries;           /* UDP resends after the first try */
} zone_oq_opts;

typedef enum zone_oq_kind {
	ZOQ_ACT_NONE = 0,
	ZOQ_ACT_SEND,      /* send msg to server (over TCP when tcp) */
	ZOQ_ACT_REPLY,     /* msg is the reply for handle / user */
	ZOQ_ACT_FAIL,      /* the query is over without a reply: error */
} zone_oq_kind;

typedef enum zone_oq_error {
	ZOQ_E_TIMEOUT = 1, /* no reply after every try */
	ZOQ_E_NET = 2,     /* the shell reported a send/connection error */
} zone_oq_error;

typedef struct zone_oq_action {
	zone_oq_kind kind;
	uint32_t handle;
	uint64_t user;             /* the caller's value from zone_outq_query */
	zone_oq_addr server;
	uint8_t tcp;               /* SEND: over TCP */
	uint8_t retry;             /* SEND: a resend (UDP retry or TC->TCP) */
	zone_oq_error error;       /* FAIL */
	const uint8_t *msg;        /* SEND: the query; REPLY: the reply */
	size_t len;
} zone_oq_action;

typedef struct zone_oq_stats {
	uint64_t queries, sends, retries, tc_fallbacks, replies, timeouts,
		 errors;
	uint64_t bad_id, bad_addr, bad_question, bad_tsig, malformed;
} zone_oq_stats;

/* zone_outq_on_reply's verdict on a message. */
typedef enum zone_oq_rx {
	ZOQ_RX_OK = 0,         /* matched: *a is a REPLY, or a SEND (TC) */
	ZOQ_RX_MALFORMED = -1, /* no header, QR clear, unreadable question */
	ZOQ_RX_BAD_ID = -2,    /* no pending query with this id */
	ZOQ_RX_BAD_ADDR = -3,  /* the id is pending, but not from there */
	ZOQ_RX_BAD_QUESTION = -4,
	ZOQ_RX_BAD_TSIG = -5,  /* matched, but its TSIG fails: ignored */
} zone_oq_rx;

typedef struct zone_outq zone_outq;

/* A table for at most max_pending queries (<= 65535).  NULL: no memory. */
zone_outq *zone_outq_new(size_t max_pending, zone_oq_random_fn rnd,
			 void *rnd_arg);
void zone_outq_free(zone_outq *q);

/*
 * Start a query: msg (len bytes, one question) to server.  On success
 * *handle is set, *a is the first SEND (its bytes valid until the next
 * zone_outq_* call) and 0 is returned; -1: table full, message unusable
 * (no question, too long) or signing failed.  now_ms also gives TSIG its
 * time (now_ms / 1000).
 */
int zone_outq_query(zone_outq *q, const zone_oq_addr *server,
		    const uint8_t *msg, size_t len, const zone_oq_opts *o,
		    uint64_t user, uint64_t now_ms, uint32_t *handle,
		    zone_oq_action *a);
/* End a query (no action follows); unknown handles are ignored. */
void zone_outq_cancel(zone_outq *q, uint32_t handle);
/* A random id no pending query to server uses (for ZOQ_KEEP_ID). */
uint16_t zone_outq_pick_id(zone_outq *q, const zone_oq_addr *server);

/*
 * A message arrived from `from` over UDP or TCP.  hint: the handle whose
 * socket it came in on (a connected UDP socket), or 0 when the socket is
 * shared (a TCP connection).  Returns ZOQ_RX_OK with *a filled (a REPLY
 * whose msg is the caller's buffer; a non-stream query is over), or a
 * negative zone_oq_rx (counted; the query keeps waiting).
 */
int zone_outq_on_reply(zone_outq *q, uint32_t hint, const zone_oq_addr *from,
		       int tcp, const uint8_t *msg, size_t len,
		       uint64_t now_ms, zone_oq_action *a);
/* Sending or the connection failed for handle.  A UDP query with tries
 * left waits for its timer (the next try); others fail (a FAIL action). */
void zone_outq_on_error(zone_outq *q, uint32_t handle, uint64_t now_ms);
/* Deadline (ms) of the next timer, 0 for none; zone_outq_on_timer then.
 * May be early (a query ended): on_timer then finds nothing to do. */
uint64_t zone_outq_next_timer(const zone_outq *q);
void zone_outq_on_timer(zone_outq *q, uint64_t now_ms);
/* Next queued action; ZOQ_ACT_NONE when there is none. */
zone_oq_kind zone_outq_next_action(zone_outq *q, zone_oq_action *a);

size_t zone_outq_pending(const zone_outq *q);
const zone_oq_stats *zone_outq_stats(const zone_outq *q);
/* The user value of a pending handle; -1 if it is not pending. */
int zone_outq_user(const zone_outq *q, uint32_t handle, uint64_t *user);

#endif
