/*
 * resolver/ — recursion: iterator, cache, DNSSEC validation, forwarding.
 * Builds on zones/ (wire codec).  Sans-IO: the shell feeds client queries,
 * upstream responses and the time in; the resolver hands back answers,
 * queries to send and the next timer deadline.  It never calls socket,
 * clock or random functions (random bytes come from cfg.random).
 *
 * Files:
 *   resolver.c  the API below: res_new/free, client queries, replies,
 *               timers; the engine's parts (res_int.h says which file
 *               calls which): reply.c upstream replies, iter.c the
 *               iterator and forwarding, chain.c the DNSSEC chain of
 *               trust, msg.c upstream message parsing, task.c tasks and
 *               transactions, answer.c client replies, action.c the
 *               action queue
 *   cache.c     RRset cache + wire-answer cache (hot path), persistence
 *   servers.c   root hints, forwarders, server selection (smoothed RTT,
 *               dead servers probed one query at a time)
 *   limits.c    counts of work in flight per zone cut and per client
 *   cookie.c    DNS cookies on upstream queries (RFC 7873 client side)
 *   validate.c  DNSSEC validation (ldns for the signature maths)
 *   denial.c    DNSSEC denial of existence (NSEC, NSEC3)
 *   trust.c     trust anchors and the key table
 *   rfc5011.c   managed trust anchors (RFC 5011 rollover)
 *   trace.c     events for the shell's log (debug trace, warnings)
 *   policy.c    local answers and the rebind filter
 *
 * Time: now_ms is wall-clock milliseconds (CLOCK_REALTIME) and drives both
 * TTLs and timeouts (the shell may pass a monotonic-adjusted value).
 */
#ifndef DV_RESOLVER_H
#define DV_RESOLVER_H

#include <stddef.h>
#include <stdint.h>
#include "zones/zones.h"

typedef struct res_ctx res_ctx;
struct res_event;                /* below: what cfg.on_event is told */

/* An upstream address. */
typedef struct res_addr {
	uint8_t af;              /* 4 or 6 */
	uint8_t addr[16];
	uint16_t port;           /* host order */
} res_addr;

enum { RES_T_UDP = 0, RES_T_TCP = 1, RES_T_TLS = 2 };

/* A forwarding rule: names at/below domain go to these servers.
 * nservers == 0 means "local only" (dnsmasq --server=/domain/): answer
 * from local data / zones only, else NXDOMAIN... (REFUSED if nothing). */
typedef struct res_forward {
	uint8_t domain[WIRE_MAXNAME];  /* lowercased wire; root = all names */
	res_addr *servers;
	size_t nservers;
	uint8_t transport;             /* RES_T_* */
	char tls_name[256];            /* for RES_T_TLS certificate check */
} res_forward;

/* An address block: --bogus-nxdomain, --ignore-address (af 4 or 6). */
typedef struct res_net {
	uint8_t af, prefix;
	uint8_t addr[16];
} res_net;

/* --alias (dnsmasq's "DNS doctoring"): an upstream IPv4 address a with
 * lo <= a <= hi (range) or (a & mask) == (lo & mask) becomes
 * (a & ~mask) | (to & mask). */
typedef struct res_alias {
	uint8_t lo[4], hi[4], to[4], mask[4];
	uint8_t range;
} res_alias;

typedef struct res_cfg {
	/* root hints: NS names + addresses; empty = built-in IANA hints */
	const char *root_hints_text;   /* zone-file text, or NULL */
	res_forward *forwards;         /* empty = iterate from the root */
	size_t nforwards;
	uint8_t strict_order, all_servers;
	uint8_t qname_min;             /* RFC 9156, default 1 */
	uint8_t allow_loopback;        /* allow upstreams on 127/8, ::1 */
	uint8_t ipv4_only, ipv6_only;
	res_addr *own_addrs;           /* never query these */
	size_t nown;
	/* cache */
	uint32_t cache_entries;        /* --cache-size (default 10000) */
	uint64_t cache_bytes;          /* byte budget (0: 256 B x entries,
					  at least 64 MiB) */
	uint32_t neg_ttl, max_cache_ttl, min_cache_ttl; /* 0 = unset */
	uint8_t no_negcache;
	uint8_t no_cache;              /* --cache-size=0 (dnsmasq): no answer
					  is served from the cache; only
					  delegations are kept, to iterate */
	uint8_t use_stale;             /* RFC 8767 */
	uint32_t stale_ttl, stale_max_age;
	/* DNSSEC */
	uint8_t dnssec, no_timecheck;
	const char *trust_anchor_text; /* DS/DNSKEY lines; NULL = built-in */
	const char **nta;              /* negative trust anchors */
	size_t nnta;
	uint16_t edns_max;             /* our answers to clients */
	/* local policy (policy.c), dnsmasq's options of the same names */
	uint8_t domain_needed, bogus_priv;
	uint8_t stop_rebind, rebind_localhost_ok;
	const uint8_t *rebind_ok;      /* lowercased wire names, back to back */
	size_t rebind_ok_len;          /* bytes in rebind_ok */
	/* told about each refused rebind answer (the shell logs it); may be
	 * NULL.  lname: the query name, lowercased wire. */
	void (*on_rebind)(void *arg, const uint8_t *lname);
	void *on_rebind_arg;
	/* dnsmasq's --bogus-nxdomain: an upstream answer with an address
	 * in one of these blocks becomes NXDOMAIN (EDE 15, not cached);
	 * --ignore-address: such a reply to an A/AAAA query is dropped as
	 * if never received (the query waits for another reply). */
	const res_net *bogus_nx, *ignore_addr;
	size_t nbogus_nx, nignore_addr;
	/* --filter-A, --filter-AAAA: A (AAAA) queries that would go
	 * upstream get NODATA with EDE 17 (Filtered); local data is kept */
	uint8_t filter_a, filter_aaaa;
	uint8_t filterwin2k;           /* SOA, SRV, ANY _x: NODATA */
	const res_alias *aliases;      /* --alias, applied to A records of
					  upstream answers before use */
	size_t naliases;
	/* Local data (zones, hosts, --address) for a name a CNAME or DNAME
	 * chain leads to: answer the query message q like a client's into
	 * resp; 1 with the reply, 0 when no local data covers the name (the
	 * resolver goes on upstream).  May be NULL. */
	int (*local)(void *arg, const uint8_t *q, size_t qlen, uint8_t *resp,
		     size_t cap, size_t *len);
	void *local_arg;
	/* random bytes for IDs, ports, 0x20: the shell's CSPRNG */
	void (*random)(void *arg, void *buf, size_t len);
	void *random_arg;
	/* Fairness limits (issue 10); 0 takes the default in brackets.
	 * max_tasks: client queries being resolved at once (1000; dnsmasq's
	 * --dns-forward-max).  When they are all busy a new query takes the
	 * place of the oldest one that has been resolving for jostle_ms or
	 * more (200; unbound's jostle-timeout), whose clients get no reply;
	 * else the new query is dropped.  client_max: queries waiting per
	 * client address (/64 for IPv6) (200; res_query_from).  server_max:
	 * queries in flight per upstream server (200); zone_max: per zone
	 * cut while iterating (100); txn_max: in all (1000: the shell's
	 * table).  A query that finds its servers busy, or dead (see
	 * servers.h), fails at once: SERVFAIL, EDE 22. */
	uint32_t max_tasks, jostle_ms, client_max, server_max, zone_max,
		 txn_max;
	/* DNS cookies, client side (RFC 7873): upstream queries with EDNS
	 * carry a COOKIE option (client cookie derived from cookie_secret
	 * and the server's address; the server cookie it sent last); a
	 * response with another client cookie is dropped as spoofed;
	 * BADCOOKIE is retried once with the new server cookie, then over
	 * TCP.  cookie_secret all zero: the engine draws one (cfg.random). */
	uint8_t no_cookies;
	uint8_t cookie_secret[16];
	/* Events for the shell's log (res_event below); may be NULL.  trace:
	 * also the per-query trace events (RES_EV_QUERY .. _VALIDATED), for
	 * --log-level=debug; without it none is built. */
	void (*on_event)(void *arg, const struct res_event *ev);
	void *on_event_arg;
	uint8_t trace;
	/* RFC 5011 (rfc5011.c): managed_anchor_text is a managed anchor
	 * set (DS/DNSKEY lines, state in ";;5011" comment lines; the anchors
	 * of trust_anchor_text, which may then be NULL, stay as they are,
	 * and there are no built-in ones).  The engine
	 * follows the anchored zones' KSKs and, before it acts on a change,
	 * hands the new text to anchors_save, which must make it durable
	 * (0) or fail (-1: the change is not made, and tried again at the
	 * next probe).  NULL: the anchors are static. */
	const char *managed_anchor_text; /* NULL: no managed anchors */
	int (*anchors_save)(void *arg, const char *text, size_t len);
	void *anchors_save_arg;
} res_cfg;

/* What the engine tells the shell's log (cfg.on_event).  Pointers are
 * valid during the call only. */
typedef enum res_ev_kind {
	RES_EV_QUERY = 1,     /* trace: a query sent upstream */
	RES_EV_REPLY,         /* trace: a reply from upstream (rcode, flags,
				 counts) */
	RES_EV_TIMEOUT,       /* trace: no reply in time / send failed */
	RES_EV_VALIDATED,     /* trace: the DNSSEC state of an RRset, a
				 denial, a zone's DS or DNSKEY RRset */
	RES_EV_UNSUPPORTED,   /* warning, once per zone and algorithm: the
				 zone is insecure because its DS set (or
				 trust anchor) only has algorithms or
				 digests we do not validate (RFC 4035 5.2,
				 RFC 8624) */
	RES_EV_ANCHOR,        /* RFC 5011: a trust anchor key changed state
				 (state: "ADDPEND", "VALID", "MISSING",
				 "REVOKED", "REMOVED"); why says more */
} res_ev_kind;

typedef struct res_event {
	res_ev_kind kind;
	const res_addr *server;    /* QUERY, REPLY, TIMEOUT; VALIDATED: the
				      server the data came from, or NULL */
	uint8_t transport;         /* RES_T_* */
	const uint8_t *name;       /* wire name (qname, owner, zone) */
	uint16_t type;             /* qtype / RRset type */
	int rcode;                 /* REPLY */
	uint16_t flags;            /* REPLY: header flags (DNS_F_*) */
	uint16_t an, ns, ar;       /* REPLY: section counts */
	uint32_t ms;               /* REPLY: round trip time */
	const char *state;         /* VALIDATED: "secure", "insecure",
				      "bogus", "indeterminate"; ANCHOR */
	const char *why;           /* VALIDATED, ANCHOR: reason (or "") */
	uint16_t ede;              /* VALIDATED bogus: RFC 8914 code */
	uint8_t alg;               /* UNSUPPORTED: algorithm, or 0 */
	uint8_t digest;            /* UNSUPPORTED: digest type, or 0 */
	uint16_t keytag;           /* ANCHOR */
} res_event;

/* Returns NULL with a reason in err. */
res_ctx *res_new(const res_cfg *cfg, char *err, size_t errlen);
/* Check trust anchor text (DS / DNSKEY lines, as trust_anchor_text):
 * 0, or -1 with "trust anchor line N: reason" in err.  A DS whose digest
 * does not fit its digest type is an error (it could never match). */
int res_anchors_check(const char *text, char *err, size_t errlen);
void res_free(res_ctx *r);

/* ---- client side ---- */

typedef enum res_result {
	RES_ANSWERED = 0,  /* resp holds the reply now (cache hit, error) */
	RES_PENDING = 1,   /* resolution started: the reply comes later as a
			      RES_ACT_ANSWER action carrying client_token */
	RES_DROP = 2,
} res_result;

/*
 * A client query that the zones did not answer (zone_db_answer returned
 * ZONE_PASS).  The fast path (cache hit) writes the reply into resp.
 * client_token identifies the client to the shell when the answer comes
 * later; tcp selects the reply size limit.
 */
res_result res_query(res_ctx *r, const uint8_t *q, size_t qlen, int tcp,
		     uint64_t now_ms, uint8_t *resp, size_t cap,
		     size_t *resp_len, uint64_t client_token);
/* The same for a query from client (its address, port ignored): at most
 * cfg.client_max of them wait at once, more are dropped (RES_DROP).
 * client NULL: no per-client limit (res_query). */
res_result res_query_from(res_ctx *r, const res_addr *client,
			  const uint8_t *q, size_t qlen, int tcp,
			  uint64_t now_ms, uint8_t *resp, size_t cap,
			  size_t *resp_len, uint64_t client_token);
/* The same for a query already parsed: wq is what wire_query_parse made
 * of q (WQ_OK), e.g. by zone_db_handle (zone_req.wq) before it passed
 * the query on; the query is not parsed again.  q is still needed (an
 * error reply echoes its question).  wq is only read during the call. */
res_result res_query_parsed(res_ctx *r, const res_addr *client,
			    const wire_query *wq, const uint8_t *q,
			    size_t qlen, int tcp, uint64_t now_ms,
			    uint8_t *resp, size_t cap, size_t *resp_len,
			    uint64_t client_token);

/* ---- upstream side: actions the shell must carry out ---- */

typedef enum res_act_kind {
	RES_ACT_NONE = 0,
	RES_ACT_SEND,      /* send msg to server over transport; deliver the
			      reply with res_on_reply(txn) or failure with
			      res_on_error(txn) */
	RES_ACT_ANSWER,    /* send msg to the client of client_token */
	RES_ACT_DROP,      /* no answer will come for client_token (its
			      query gave its place to a newer one) */
} res_act_kind;

typedef struct res_action {
	res_act_kind kind;
	uint64_t txn;              /* SEND: transaction id */
	res_addr server;           /* SEND */
	uint8_t transport;         /* SEND: RES_T_* */
	const char *tls_name;      /* SEND over TLS */
	uint64_t client_token;     /* ANSWER */
	const uint8_t *msg;        /* valid until the next res_* call */
	size_t len;
} res_action;

/* Next pending action, RES_ACT_NONE when there is nothing to do. */
int res_next_action(res_ctx *r, res_action *a);
/* A reply for txn arrived from addr (the shell checked the socket).
 * Returns 1 when it was dropped (a spoof: wrong id, question or client
 * cookie) and txn still waits: the shell keeps listening for the real
 * reply on that socket; else 0 (taken, or txn is no longer known). */
int res_on_reply(res_ctx *r, uint64_t txn, const uint8_t *msg, size_t len,
		 uint64_t now_ms);
/* txn failed (ICMP error, connection refused, TLS failure). */
void res_on_error(res_ctx *r, uint64_t txn, uint64_t now_ms);
/* Deadline (ms) of the next timer, or 0 for none; res_on_timer at it. */
uint64_t res_next_timer(const res_ctx *r);
void res_on_timer(res_ctx *r, uint64_t now_ms);

/* ---- cache persistence (SIGTERM / start-up) ---- */
/* Serialize the cache (absolute expiry times kept); malloc'ed *out. */
int res_cache_save(const res_ctx *r, uint64_t now_ms, uint8_t **out,
		   size_t *len);
/* Load a saved cache; bad or torn data is ignored. */
int res_cache_load(res_ctx *r, const uint8_t *buf, size_t len,
		   uint64_t now_ms);
/* Move the cache of old into r (SIGHUP keeps the cache). */
void res_cache_take(res_ctx *r, res_ctx *old);

typedef struct res_stats {
	uint64_t queries, cache_hits, cache_misses, upstream_queries,
		 upstream_timeouts, servfail, secure, bogus, insecure,
		 spoofed_dropped, prefetches, stale_served,
		 policy_answers,   /* answered locally by policy.c */
		 rebind_blocked,   /* upstream answers refused (rebind) */
		 bogus_nxdomain,   /* made NXDOMAIN by --bogus-nxdomain */
		 ignored_replies,  /* dropped by --ignore-address */
		 jostled,          /* queries that gave their place */
		 busy_dropped,     /* new queries dropped: max_tasks busy */
		 client_limited,   /* dropped: client_max for the client */
		 fast_failed,      /* SERVFAIL at once: servers dead/busy */
		 cookie_spoofed,   /* responses with a wrong client cookie */
		 badcookie,        /* BADCOOKIE responses (retried) */
		 nsec_synth;       /* negative answers from cached NSEC
				      ranges, not asked (RFC 8198) */
} res_stats;
const res_stats *res_get_stats(const res_ctx *r);

/* For SIGUSR1 (dnsmasq's statistics): the cache's size and traffic,
 * and per forwarding server the queries sent and failed (timed out
 * or refused).  res_upstream_stats fills up to max, each configured
 * server once, and returns how many it filled. */
typedef struct res_cache_info {
	size_t entries;
	uint32_t max_entries;
	uint64_t inserted, evicted;
} res_cache_info;
void res_get_cache_info(const res_ctx *r, res_cache_info *out);
typedef struct res_upstream_stat {
	res_addr addr;
	uint64_t sent, failed;
} res_upstream_stat;
size_t res_upstream_stats(const res_ctx *r, res_upstream_stat *out,
			  size_t max);

#endif
