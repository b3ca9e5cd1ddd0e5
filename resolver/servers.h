/*
 * resolver/ internal (servers.c): root hints, the upstream address
 * filter, and per-server state for selection (smoothed RTT, timeouts,
 * capabilities).  Used by the engine only (task.c, iter.c, reply.c,
 * resolver.c).  Sans-IO like the rest.
 */
#ifndef DV_RES_SERVERS_H
#define DV_RES_SERVERS_H

#include "resolver/resolver.h"

/* One root hint: an NS name and one of its addresses. */
typedef struct res_hint {
	uint8_t name[WIRE_MAXNAME];   /* lowercased wire */
	res_addr addr;
} res_hint;

typedef struct res_servers res_servers;

/* Per-server knowledge (RTT in ms; flags learnt from replies). */
typedef struct res_srvinfo {
	res_addr addr;
	uint32_t srtt;        /* smoothed RTT, 0 = never measured */
	uint32_t rttvar;
	uint32_t timeouts;    /* consecutive timeouts */
	uint8_t no_caps;      /* does not preserve 0x20 case */
	uint8_t no_edns;      /* FORMERR on EDNS */
	uint64_t last_used;   /* for eviction */
	uint32_t inflight;    /* queries sent, not answered or timed out */
	uint64_t probe_at;    /* dead: no probe before this time */
	uint8_t sc[32];       /* server cookie it sent last (RFC 7873) */
	uint8_t sclen;        /* 0: none known */
	uint64_t sent, failed;/* queries sent; timed out or errors (SIGUSR1) */
} res_srvinfo;

/*
 * Parse root hints text (zone-file lines: "NAME [TTL] [IN] NS TARGET",
 * "TARGET [TTL] [IN] A|AAAA ADDR"; comments, blank and $ lines skipped)
 * or, with text == NULL, the built-in IANA hints.  Only addresses of
 * names that the "." NS set names are kept.  -1 with a reason in err.
 */
res_servers *res_srv_new(const char *hints_text, char *err, size_t errlen);
void res_srv_free(res_servers *s);
/* The root hints (borrowed array). */
const res_hint *res_srv_hints(const res_servers *s, size_t *n);

/* Info record for addr (created on demand; never NULL unless ENOMEM). */
res_srvinfo *res_srv_info(res_servers *s, const res_addr *addr,
			  uint64_t now_ms);
/* Retransmission timeout for addr: 800 ms unknown, else srtt-based,
 * doubled per consecutive timeout, bounded. */
uint32_t res_srv_rto(res_servers *s, const res_addr *addr, uint64_t now_ms);
/* A reply arrived after rtt_ms. */
void res_srv_rtt(res_servers *s, const res_addr *addr, uint32_t rtt_ms,
		 uint64_t now_ms);
void res_srv_timeout(res_servers *s, const res_addr *addr, uint64_t now_ms);
/* Selection score (lower is better): srtt (unknown: 300) plus a penalty
 * per consecutive timeout. */
uint32_t res_srv_score(res_servers *s, const res_addr *addr,
		       uint64_t now_ms);

/*
 * Fairness (unbound's infra cache idea): a server with RES_SRV_DEAD or
 * more consecutive timeouts is dead; it gets one probe query at a time,
 * the next one not before a backoff that doubles per timeout (250 ms ..
 * 8 s); a reply makes it alive again.  An alive server takes at most
 * max_inflight queries at once (0: no limit).
 */
enum { RES_SRV_DEAD = 3 };
typedef enum res_admit {
	RES_ADMIT_OK = 0,
	RES_ADMIT_BUSY,       /* max_inflight queries outstanding */
	RES_ADMIT_DEAD,       /* dead and probed (or backing off) */
} res_admit;
res_admit res_srv_admit(res_servers *s, const res_addr *addr,
			uint32_t max_inflight, uint64_t now_ms);
/* A query to addr went out / is over (reply, error or timeout). */
void res_srv_sent(res_servers *s, const res_addr *addr, uint64_t now_ms);
void res_srv_done(res_servers *s, const res_addr *addr);
/* The record of addr if one is kept (NULL: none), for statistics. */
const res_srvinfo *res_srv_peek(const res_servers *s, const res_addr *addr);

/* May we send to addr under cfg (loopback, own addresses, families)? */
int res_addr_allowed(const res_cfg *cfg, const res_addr *addr);
int res_addr_equal(const res_addr *a, const res_addr *b);
/* Parse "1.2.3.4" / "2001:db8::1" into addr (port 53).  0 / -1. */
int res_addr_parse(const char *s, res_addr *addr);

#endif
