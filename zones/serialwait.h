/*
 * zones/serialwait.h — "wait until these servers serve serial N" of a
 * zone: after a change, poll every server's SOA (RFC 1982 serial
 * arithmetic) until all serve at least N, or a deadline passes.
 *
 * Sans-IO and fake-clock friendly: the shell passes `now` (milliseconds,
 * any monotonic or wall clock), sends the query zone_swait_query built to
 * every server zone_swait_pending names when zone_swait_step says SEND,
 * arms a timer for *wake, and feeds each answer with the index of the
 * server it came from.  The servers themselves (addresses, sockets) are
 * the shell's; here they are indexes 0..n-1.  The shell's transport (the
 * outgoing-query service) gives each query its id and matches answers
 * to it by id and source; here an answer is judged by its question and
 * its SOA serial.
 */
#ifndef DV_SERIALWAIT_H
#define DV_SERIALWAIT_H

#include "zones/zones.h"

enum { ZONE_SWAIT_MAX = 16 };

typedef enum zone_swait_state {
	ZONE_SWAIT_WAIT = 0,       /* nothing to do until *wake */
	ZONE_SWAIT_SEND = 1,       /* send the query to the pending servers */
	ZONE_SWAIT_DONE = 2,       /* every server serves the serial */
	ZONE_SWAIT_TIMEOUT = 3,    /* the deadline passed first */
} zone_swait_state;

typedef struct zone_swait {
	uint8_t origin[WIRE_MAXNAME]; /* lowercased */
	uint32_t serial;
	int n;                        /* servers */
	uint8_t ok[ZONE_SWAIT_MAX];   /* serves >= serial */
	uint32_t seen[ZONE_SWAIT_MAX];/* last serial a server answered */
	uint8_t answered[ZONE_SWAIT_MAX];
	uint64_t next, deadline;      /* ms */
	uint32_t interval;            /* ms between rounds */
	unsigned rounds;              /* queries sent so far (rounds) */
} zone_swait;

/* Wait for nservers (1..ZONE_SWAIT_MAX) to serve serial of origin; the
 * first round is due at once, the next every interval ms, the last one
 * before now + timeout ms.  0, or -1 on bad arguments. */
int zone_swait_init(zone_swait *w, const uint8_t *origin, uint32_t serial,
		    int nservers, uint64_t now, uint32_t interval,
		    uint32_t timeout);
/* The SOA query (the same for every server; id 0, the transport sets
 * it) into buf: length or -1. */
long zone_swait_query(const zone_swait *w, uint8_t *buf, size_t cap);
/* 1 if server i has not served the serial yet (send to it). */
int zone_swait_pending(const zone_swait *w, int i);
/* What is due at now; *wake: when to call again (ms). */
zone_swait_state zone_swait_step(zone_swait *w, uint64_t now,
				 uint64_t *wake);
/* An answer from server i (its id and source already matched by the
 * transport): DONE once every server serves the serial, else WAIT
 * (answers to another question are ignored). */
zone_swait_state zone_swait_feed(zone_swait *w, int i, const uint8_t *msg,
				 size_t len);
/* The SOA serial in the answer section of a NOERROR response to a
 * single-question message: 0 and *serial, or -1. */
int zone_soa_serial_of(const uint8_t *msg, size_t len, uint32_t *serial);

#endif
