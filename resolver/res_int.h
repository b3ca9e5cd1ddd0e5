/*
 * resolver/ internal: the cache (cache.c), the DNSSEC primitives
 * (validate.c, denial.c), the trust anchors and key table (trust.c),
 * local policy (policy.c), and the engine's private state (res_ctx,
 * tasks, transactions, parsed messages) with the functions its parts
 * share.  Not for use outside resolver/ (the shell includes only
 * resolver.h; unit tests may look inside).
 *
 * The engine is split by what each part does; calls go one way, down
 * this list (a file calls only files below it, never one above; the
 * arrows name the engine files each one calls):
 *
 *   resolver.c  public API: res_new/free, res_query*, res_next_action,
 *               res_on_reply/error/timer, prefetch, the run loop that
 *               steps woken tasks (-> reply.c, iter.c, task.c,
 *               answer.c, action.c)
 *   reply.c     an upstream reply for a transaction: checks (id,
 *               question, 0x20, cookie), TC/FORMERR/BADCOOKIE resends,
 *               referral / minimised step / final answer / negative
 *               (-> msg.c, task.c)
 *   iter.c      one step of a task: local data, the caches, forwarding,
 *               the iterator (zone cut, server choice, QNAME
 *               minimisation); a validating task goes to chain.c
 *               (-> chain.c, msg.c, task.c, action.c)
 *   chain.c     DNSSEC chain of trust over tasks: DS/DNSKEY fetches, the
 *               walk down from the trust anchor, each chain entry and the
 *               denial checked (-> task.c, answer.c, validate.c,
 *               denial.c, trust.c)
 *   msg.c       upstream messages: parse, read RRsets, put what a reply
 *               says into the cache, follow the answer (CNAME/DNAME)
 *               into a task's chain (-> task.c, answer.c, cache.c)
 *   task.c      tasks, waiters, transactions (build and send upstream
 *               queries), finishing a task (-> answer.c, action.c)
 *   answer.c    a client reply built from a finished task, delivered
 *               and put into the answer cache (-> action.c, cache.c)
 *   action.c    the action queue the shell drains; random bytes
 *
 * Below all of them, calling none of the files above: nsec_cache.c
 * (RFC 8198; -> cache.c, validate.c, denial.c), cache.c,
 * validate.c, denial.c (-> validate.c), trust.c, servers.c, limits.c,
 * cookie.c, policy.c, trace.c, rfc5011.c (-> trust.c); they know
 * nothing of tasks.
 *
 * RRset data uses the zones/ format: count x { rdlen(2), rdata } with
 * uncompressed names, so cached data and zone data share code.
 */
#ifndef DV_RES_INT_H
#define DV_RES_INT_H

#include <string.h>

#include "resolver/cookie.h"
#include "resolver/limits.h"
#include "resolver/resolver.h"
#include "resolver/servers.h"

/* Credibility of cached data, RFC 2181 5.4.1 (higher wins). */
enum {
	RES_TRUST_ADDITIONAL = 1,  /* additional section, non-authoritative */
	RES_TRUST_GLUE = 2,        /* referral glue / authority of a referral */
	RES_TRUST_AUTHORITY = 3,   /* authority section of an AA answer */
	RES_TRUST_ANSWER = 4,      /* answer section, AA=0 (forwarder) */
	RES_TRUST_AUTH_ANSWER = 5, /* answer section of an AA answer */
};

/* DNSSEC status of data. */
typedef enum res_sec {
	RES_SEC_UNCHECKED = 0, RES_SEC_INSECURE, RES_SEC_SECURE,
	RES_SEC_BOGUS, RES_SEC_INDETERMINATE,
} res_sec;

/* ------------------------------------------------------------------ */
/* cache.c                                                            */
/* ------------------------------------------------------------------ */

typedef struct res_cache res_cache;

/* A cached RRset (read-only to callers; valid until the next cache call
 * that may evict). */
typedef struct res_crrset {
	const uint8_t *lname;      /* lowercased owner */
	uint16_t type;
	uint16_t count;            /* RRs in data */
	uint32_t len;
	const uint8_t *data;       /* count x {rdlen, rdata} */
	uint16_t sigcount;         /* covering RRSIGs */
	uint32_t siglen;
	const uint8_t *sigs;       /* sigcount x {rdlen, rdata} of RRSIG */
	uint64_t expire_ms;        /* absolute */
	uint8_t trust;             /* RES_TRUST_* */
	uint8_t sec;               /* res_sec */
} res_crrset;

/* At most max_entries entries and max_bytes bytes (entries as malloc
 * rounds them, plus the bucket table); max_bytes 0 means
 * res_cache_default_bytes(max_entries). */
res_cache *res_cache_new(uint32_t max_entries, uint64_t max_bytes);
uint64_t res_cache_default_bytes(uint32_t max_entries);
void res_cache_free(res_cache *c);
/* Key the table's hash with random bytes from the shell (cfg.random),
 * so that names chosen by clients cannot pile into one bucket. */
void res_cache_seed(res_cache *c, uint64_t seed);

/*
 * Store an RRset with ttl seconds from now.  An existing unexpired entry
 * with higher trust is kept (RFC 2181 5.4.1); equal or lower is replaced.
 * TTL clamps (min/max-cache-ttl) are applied by the caller.  0 / -ENOMEM.
 */
int res_cache_put_rrset(res_cache *c, const uint8_t *lname, uint16_t type,
			uint32_t ttl, uint64_t now_ms, uint8_t trust,
			uint8_t sec, const uint8_t *data, uint32_t len,
			uint16_t count, const uint8_t *sigs, uint32_t siglen,
			uint16_t sigcount);
/* Unexpired RRset or NULL.  With stale_ms > 0, entries expired less than
 * stale_ms ago are returned too (serve-stale) and *stale is set. */
int res_cache_get_rrset(res_cache *c, const uint8_t *lname, uint16_t type,
			uint64_t now_ms, uint64_t stale_ms, res_crrset *out,
			int *stale);

/*
 * Negative cache (RFC 2308): type 0 means NXDOMAIN (the name does not
 * exist: every type); else NODATA for that type.  soa_* is the SOA RRset
 * (owner soa_lname) to put in the authority section of negative answers.
 */
int res_cache_put_neg(res_cache *c, const uint8_t *lname, uint16_t type,
		      uint32_t ttl, uint64_t now_ms, uint8_t sec,
		      const uint8_t *soa_lname, const uint8_t *soa_data,
		      uint32_t soa_len, uint32_t soa_ttl);
/* 1 if a negative entry covers (lname, type): *nxdomain says which kind;
 * the SOA for the authority section is returned in *soa (owner in
 * soa->lname). 0 if none. */
int res_cache_get_neg(res_cache *c, const uint8_t *lname, uint16_t type,
		      uint64_t now_ms, int *nxdomain, res_crrset *soa);

/*
 * Wire-answer cache (the hot path).  Key: lowercased qname, qtype,
 * qclass and the DO and CD bits.  put stores a complete reply (as sent to
 * a client, any id) valid for ttl seconds; the cache finds the TTL fields
 * of every RR (not OPT) itself.  answer serves a hit: copies the reply,
 * patches the id, the question's case, RD from the query, and every TTL
 * decremented by the age; returns 1 on a hit (reply in resp), 0 on miss.
 * It must not allocate, and must handle replies bigger than the UDP limit
 * of this query (then: miss, or TC — caller decides by returning 0).
 */
int res_cache_put_answer(res_cache *c, const wire_query *q,
			 const uint8_t *reply, size_t len, uint32_t ttl,
			 uint64_t now_ms);
int res_cache_answer(res_cache *c, const wire_query *q,
		     const uint8_t *qmsg, size_t limit, uint64_t now_ms,
		     uint8_t *resp, size_t cap, size_t *resp_len);
/*
 * Serve-stale (RFC 8767) from the wire-answer cache, for when resolution
 * failed: like res_cache_answer (returns 1 for a fresh hit), but an entry
 * expired less than max_stale_ms ago is served with every TTL set to
 * stale_ttl (RFC 8767 suggests 30) and 2 is returned.  0: nothing.  The
 * caller adds EDE 3 (Stale Answer) if it wants to.
 */
int res_cache_answer_stale(res_cache *c, const wire_query *q, size_t limit,
			   uint64_t now_ms, uint64_t max_stale_ms,
			   uint32_t stale_ttl, uint8_t *resp, size_t cap,
			   size_t *resp_len);
/* Popular entries close to expiry, for prefetch (RFC 8767-ish): returns
 * up to max (lname, qtype) pairs whose remaining TTL is < 10% of the
 * original and that were hit at least twice; marks them as prefetching. */
typedef struct res_prefetch {
	uint8_t lname[WIRE_MAXNAME];
	uint16_t qtype;
	uint8_t edns, do_bit, cd_bit, ad_bit; /* the entry's answer key */
} res_prefetch;
size_t res_cache_prefetch(res_cache *c, uint64_t now_ms, res_prefetch *out,
			  size_t max);
/* The hit res_cache_answer just served was such an entry: 1 and *out
 * (once per entry), else 0.  O(1): for the hot path. */
int res_cache_prefetch_hit(res_cache *c, res_prefetch *out);

/* Persistence of the whole cache (framed, checksummed records; absolute
 * expiry kept; torn or bad data ignored). */
int res_cache_serialize(const res_cache *c, uint64_t now_ms, uint8_t **out,
			size_t *len);
int res_cache_deserialize(res_cache *c, const uint8_t *buf, size_t len,
			  uint64_t now_ms);
size_t res_cache_count(const res_cache *c);
/* Entries put and entries evicted to make room, since creation. */
void res_cache_counts(const res_cache *c, uint64_t *inserted,
		      uint64_t *evicted, uint32_t *max_entries);
size_t res_cache_bytes(const res_cache *c);
/* Call fn for every unexpired RRset of type (nsec_cache.c rebuilds its
 * index with it after a load).  fn must not change the cache. */
void res_cache_each_rrset(res_cache *c, uint16_t type, uint64_t now_ms,
			  void (*fn)(void *arg, const res_crrset *rr),
			  void *arg);

/* ------------------------------------------------------------------ */
/* validate.c, denial.c: DNSSEC primitives (RFC 4033-4035, 5155,     */
/* 6840, 8624, 9276)                                                  */
/* ------------------------------------------------------------------ */

/* RFC 8914 Extended DNS Error codes used in bogus replies. */
enum {
	EDE_OTHER = 0, EDE_UNSUPPORTED_DNSKEY_ALG = 1,
	EDE_UNSUPPORTED_DS_DIGEST = 2, EDE_DNSSEC_INDETERMINATE = 5,
	EDE_DNSSEC_BOGUS = 6, EDE_SIG_EXPIRED = 7, EDE_SIG_NOT_YET_VALID = 8,
	EDE_DNSKEY_MISSING = 9, EDE_RRSIGS_MISSING = 10,
	EDE_NO_ZONE_KEY_BIT = 11, EDE_NSEC_MISSING = 12,
	EDE_STALE_ANSWER = 3, EDE_NOT_READY = 14, EDE_NO_REACHABLE_AUTH = 22,
	EDE_UNSUPPORTED_NSEC3_ITER = 27,
};

typedef struct res_val_result {
	res_sec sec;
	uint16_t ede;             /* when BOGUS/INDETERMINATE */
	char why[128];            /* human-readable reason (EDE text) */
} res_val_result;

/* Is the algorithm (DNSKEY) / digest (DS) supported for validation
 * (RFC 8624 MUST/RECOMMENDED that OpenSSL has)? */
int res_val_alg_supported(uint8_t alg);
int res_val_digest_supported(uint8_t digest);
/* Does a DS set (or anchor DS set) have one DS we can use (supported
 * algorithm and digest, right length)?  1 yes, 0 no (the zone is
 * insecure, RFC 4035 5.2), -1 malformed data. */
int res_val_ds_any_usable(const uint8_t *ds, uint32_t dslen,
			  uint16_t dscount);

/*
 * Verify an RRset (owner lname, type, class IN, RRs in zones/ format)
 * against its RRSIGs using the DNSKEY RRset keys (zone apex signer,
 * zone-key bit set, matching key tag/algorithm).  Checks the signer name
 * (must be the zone and a suffix of owner), labels (wildcard expansion:
 * *wildcard receives the wildcard owner when RRSIG labels < owner labels),
 * validity window against now_s unless no_timecheck, and TTL (the caller
 * caps the RRset TTL to the RRSIG original TTL and expiration).  SECURE
 * if one signature verifies; else BOGUS with an EDE.
 */
res_val_result res_val_rrset(const uint8_t *lname, uint16_t type,
			     const uint8_t *data, uint32_t len,
			     uint16_t count, const uint8_t *sigs,
			     uint32_t siglen, uint16_t sigcount,
			     const uint8_t *zone_lname,
			     const uint8_t *dnskeys, uint32_t dklen,
			     uint16_t dkcount, uint64_t now_s,
			     int no_timecheck, uint8_t *wildcard);
/* DNSKEY RRset against a DS RRset (or trust anchor DS set): SECURE when a
 * supported DS matches a DNSKEY that signs the DNSKEY RRset. If no DS
 * uses a supported algorithm/digest: INSECURE (RFC 4035 5.2). */
res_val_result res_val_dnskey(const uint8_t *zone_lname,
			      const uint8_t *dnskeys, uint32_t dklen,
			      uint16_t dkcount, const uint8_t *sigs,
			      uint32_t siglen, uint16_t sigcount,
			      const uint8_t *ds, uint32_t dslen,
			      uint16_t dscount, uint64_t now_s,
			      int no_timecheck);
/* denial.c: */
/*
 * Denial of existence from a response's authority section (already
 * validated NSEC/NSEC3 RRsets passed in as a list).  kind: 1 NXDOMAIN,
 * 2 NODATA, 3 "no DS at this delegation" (insecure referral), 4 wildcard
 * answer (prove no closer match).  NSEC3 iterations above 150 (RFC 9276)
 * give INSECURE.  SECURE when proven, else BOGUS (EDE_NSEC_MISSING).
 */
typedef struct res_nsec_set {
	const uint8_t *lname;      /* owner */
	uint16_t type;             /* NSEC or NSEC3 */
	const uint8_t *rdata;      /* one RR's rdata */
	uint16_t rdlen;
} res_nsec_set;
res_val_result res_val_denial(int kind, const uint8_t *qlname,
			      uint16_t qtype, const uint8_t *zone_lname,
			      const res_nsec_set *nsecs, size_t n);
/*
 * Wildcard answer proof knowing the wildcard (from res_val_rrset's
 * *wildcard, "*.<closest encloser>"): no name closer to qlname than the
 * closest encloser exists (RFC 4035 5.3.4; RFC 5155 8.8: the next closer
 * name is covered).  Prefer this to kind 4, which has to derive the
 * closest encloser (with NSEC3 that needs a full closest encloser proof).
 * Opt-out covering the next closer name (and NXDOMAIN or DS denial under
 * opt-out) gives INSECURE, as do NSEC3 iterations above 150 (EDE 27).
 */
res_val_result res_val_denial_wildcard(const uint8_t *qlname,
				       const uint8_t *wildcard,
				       const uint8_t *zone_lname,
				       const res_nsec_set *nsecs, size_t n);


/* ------------------------------------------------------------------ */
/* trust.c: trust anchors and the key table (chain of trust results)  */
/* ------------------------------------------------------------------ */

typedef struct res_keys res_keys;

/* What the chain of trust says about a name. */
enum {
	RES_KS_SECURE = 1,   /* a secure zone apex: keys hold its DNSKEYs */
	RES_KS_INSECURE,     /* an insecure delegation (or under an NTA) */
	RES_KS_BOGUS,        /* the chain is broken here: ede/why say how */
	RES_KS_NOCUT,        /* proven not to be a zone cut */
};

typedef struct res_kent {
	uint8_t state;             /* RES_KS_* */
	uint16_t ede;
	char why[96];
	uint8_t *keys;             /* validated DNSKEY RRset (zones/ format) */
	uint32_t klen;
	uint16_t kcount;
	uint64_t expire_ms;
} res_kent;

/* anchors: DS/DNSKEY lines (zone-file format); NULL = the built-in root
 * KSK-2017 and KSK-2024 DS records.  nta: negative trust anchors. */
res_keys *res_keys_new(const char *anchors, const char **nta, size_t nnta,
		       char *err, size_t errlen);
void res_keys_free(res_keys *k);
/* The deepest anchored domain at or above lname (its DS set), or NULL. */
const uint8_t *res_keys_anchor(const res_keys *k, const uint8_t *lname,
			       const uint8_t **ds, uint32_t *len,
			       uint16_t *count);
/* 1 if lname is at or below a negative trust anchor. */
int res_keys_nta(const res_keys *k, const uint8_t *lname);
/* The unexpired entry for lname, or NULL (valid until the next put). */
const res_kent *res_keys_get(res_keys *k, const uint8_t *lname,
			     uint64_t now_ms);
int res_keys_put(res_keys *k, const uint8_t *lname, uint8_t state,
		 uint16_t ede, const char *why, const uint8_t *keys,
		 uint32_t klen, uint16_t kcount, uint32_t ttl,
		 uint64_t now_ms);
/* Replace the trust anchors (text as res_keys_new; RFC 5011 changes) and
 * empty the key table.  0, or -1 with err (the old anchors stay). */
int res_keys_set_anchors(res_keys *k, const char *anchors, char *err,
			 size_t errlen);
/* Set the DNSSEC status of a cached RRset / negative entry (0 found).
 * data/len: what was validated (the RRset data, or a negative entry's
 * SOA rdata, "" for none); the status is set only when the entry still holds that
 * (another reply may have replaced it meanwhile).  NULL: no check. */
int res_cache_set_sec(res_cache *c, const uint8_t *lname, uint16_t type,
		      int neg, uint8_t sec, const uint8_t *data,
		      uint32_t len);

/* ------------------------------------------------------------------ */
/* policy.c: local answers and the rebind filter (dnsmasq options)    */
/* ------------------------------------------------------------------ */

enum { EDE_BLOCKED = 15 };   /* RFC 8914: refused by local policy */
enum { EDE_FILTERED = 17 };  /* RFC 8914: --filter-A/--filter-AAAA */

/*
 * Answer q locally when policy says so (the shell has already let the
 * zones and local data answer first): RFC 6761 localhost/invalid names
 * always, --bogus-priv zones (RFC 6303, RFC 7793, home.arpa) as empty
 * zones with the RFC 6303 SOA, --domain-needed A/AAAA/ANY for one-label
 * names as NXDOMAIN.  Names covered by a --server rule below the root are
 * left alone.  Returns 1 with the reply (at most 512 bytes, OPT echoed)
 * in resp, 0 to resolve normally.
 */
int res_policy_answer(const res_cfg *cfg, const wire_query *q,
		      uint8_t *resp, size_t cap, size_t *resp_len);
/* 1 if an A/AAAA rdata is an address --stop-dns-rebind refuses (RFC 1918,
 * link-local, documentation, broadcast, ULA, site-local, IPv4-mapped
 * private; 0/8, 127/8, :: and ::1 unless cfg->rebind_localhost_ok). */
int res_policy_private_addr(const res_cfg *cfg, uint16_t type,
			    const uint8_t *rd, uint16_t rdlen);
/* 1 if lname is at or below a --rebind-domain-ok domain. */
int res_policy_rebind_ok(const res_cfg *cfg, const uint8_t *lname);
/* 1 if the answer section of m holds an A/AAAA address inside one of
 * the n blocks (--bogus-nxdomain, --ignore-address). */
struct res_msg;
/* --alias: rewrite the A records of m in place (res_alias). */
void res_policy_doctor(const res_cfg *cfg, struct res_msg *m);
int res_policy_addr_in(const res_net *nets, size_t n,
		       const struct res_msg *m);


/* ------------------------------------------------------------------ */
/* The engine's private state, shared by its parts                    */
/* ------------------------------------------------------------------ */

/*
 * Re-entrancy: tasks never step each other directly.  A task that must
 * run (new, woken by a child sub-task, retry after a failure) is put on
 * the wake list; every public entry point drains that list and then
 * frees finished tasks, so no frame ever touches a freed task.
 */

enum {
	MAX_WORK = 64,          /* upstream queries per client query */
	MAX_DEPTH = 8,          /* nested glueless sub-tasks */
	MAX_CHAIN = 12,         /* CNAME/DNAME links */
	MAX_TRIES = 2,          /* sends to one server per task */
	MAX_ADDRS = 32,         /* candidate servers per zone cut */
	MAX_FAILED_NS = 16,
	MAX_MINIMISE = 10,      /* RFC 9156 MAX_MINIMISE_COUNT */
	MINIMISE_ONE_LAB = 4,   /* RFC 9156: one label at a time, first */
	TASK_DEADLINE = 12000,  /* ms per client query, sub-tasks included */
	STALE_AFTER = 1800,     /* RFC 8767 client response timer (ms) */
	NO_EDE = 0xffff,
	EDNS_UP = 1232,
	MSG_MAXRR = 512,
	MSG_BUF = 160 * 1024,
	RR_SEC_AN = 1, RR_SEC_NS = 2, RR_SEC_AR = 3,
	TRIED_MAX = 64,
	TRY_LAME = 255,
	MAX_AUTH = 16,          /* NSEC/NSEC3 RRsets kept from a reply */
	MAX_FETCH = 40,         /* DS/DNSKEY fetches per validation */
	MAX_VRETRY = 4,         /* bogus answers asked again elsewhere */
	/* fairness defaults (res_cfg) */
	DEF_MAX_TASKS = 1000, DEF_JOSTLE_MS = 200, DEF_CLIENT_MAX = 200,
	DEF_SERVER_MAX = 200, DEF_ZONE_MAX = 100, DEF_TXN_MAX = 1000,
};

/* ---- a parsed upstream message (msg.c) ---- */

typedef struct msg_rr {
	uint8_t sec;
	uint16_t type, cls, rdlen;
	uint32_t ttl;
	uint32_t owner;         /* offset of the lowercased owner in buf */
	uint32_t rd;            /* offset of the decompressed rdata in buf */
} msg_rr;

typedef struct res_msg {
	uint16_t id, flags;
	uint8_t qname[WIRE_MAXNAME];
	uint16_t qtype, qclass;
	size_t nrr;
	msg_rr rr[MSG_MAXRR];
	size_t blen;
	uint8_t buf[MSG_BUF];
} res_msg;

/* ---- tasks, waiters, transactions (task.c) ---- */

/* A client (or a prefetch) waiting for a task's answer. */
typedef struct res_waiter {
	struct res_waiter *next;
	uint64_t token;
	int tcp;
	int prefetch;              /* no client: refresh the answer cache */
	uint8_t ckey[9];           /* client address key (res_query_from) */
	uint8_t cklen;             /* 0: not counted per client */
	wire_query q;
} res_waiter;

typedef struct chain_rr {
	uint8_t owner[WIRE_MAXNAME];
	uint16_t type, count;
	uint32_t ttl, len;
	uint8_t *data;
	uint16_t sigcount;         /* covering RRSIGs (for DO clients) */
	uint32_t siglen;
	uint8_t *sigs;
	uint8_t vsec;              /* res_sec once validated (or cached) */
	uint8_t synth;             /* CNAME synthesized from a DNAME */
	uint8_t has_src;           /* src: the server it came from */
	res_addr src;
} chain_rr;

/* What a DS/DNSKEY fetch for the validator brought back. */
typedef struct fetch_res {
	uint8_t have;
	uint8_t name[WIRE_MAXNAME];
	uint16_t type;
	int rcode;
	chain_rr rr;               /* the RRset (data NULL: none) */
	chain_rr auth[MAX_AUTH];   /* NSEC/NSEC3 of a negative answer */
	int nauth;
	uint32_t ttl;              /* negative TTL */
	chain_rr soa;              /* its SOA RRset with RRSIGs */
	uint8_t has_src;           /* src: the server that answered */
	res_addr src;
} fetch_res;

typedef struct res_tried {
	res_addr addr;
	uint8_t n;
} res_tried;

typedef struct res_task res_task;
struct res_task {
	res_task *next;            /* r->tasks */
	res_task *wnext;           /* r->wake list */
	res_task *parent, *child, *root;
	res_waiter *waiters;
	uint8_t qname[WIRE_MAXNAME];   /* lowercased, as asked */
	uint8_t sname[WIRE_MAXNAME];   /* current name along the chain */
	uint16_t qtype, qclass;
	int depth, work, pending;
	uint8_t done, woken, client;
	uint8_t refresh;           /* prefetch: do not answer from the cache */
	uint8_t stale;             /* answered with stale data (RFC 8767) */
	uint8_t active;            /* counted in r->nactive */
	uint8_t jostled;           /* gave its place: clients get nothing */
	uint8_t loop;              /* SERVFAIL for a CNAME/DNAME loop: the
				    * chain as followed is still listed */
	int rcode;
	uint16_t ede;              /* RFC 8914 code for the reply, or NO_EDE */
	uint64_t start_ms;
	chain_rr chain[2 * MAX_CHAIN + 2];
	int nchain;
	uint32_t min_ttl;
	/* negative answers */
	uint8_t has_soa;
	uint8_t soa_owner[WIRE_MAXNAME];
	uint8_t *soa;
	uint16_t soa_len;
	uint32_t soa_ttl;
	/* iteration */
	uint8_t min_cut[WIRE_MAXNAME]; /* cut the minimisation counts from */
	int min_n;                     /* labels of sname asked */
	uint8_t min_steps;             /* minimised queries at min_cut */
	uint8_t min_set;               /* min_cut is valid */
	uint8_t qmin_off;              /* a server failed a minimised query */
	res_tried tried[TRIED_MAX];
	int ntried;
	uint8_t failed_ns[MAX_FAILED_NS][WIRE_MAXNAME];
	int nfailed;
	/* DNSSEC */
	uint8_t fetch;             /* fetches DS/DNSKEY for its parent */
	uint8_t want_do;           /* a DO client: needs the NSEC proofs */
	uint8_t local_seen[WIRE_MAXNAME]; /* sname last checked locally */
	uint8_t stale_tried;       /* RFC 8767 client response timer ran */
	uint8_t vphase, vdone;     /* validating / validated */
	uint8_t sec;               /* res_sec of the whole result */
	uint8_t neg_sec;           /* of the negative part */
	int vrcode;                /* the result's rcode */
	uint16_t vede;             /* why it is bogus (RFC 8914) */
	char vwhy[128];
	uint8_t neg_name[WIRE_MAXNAME]; /* the name the denial is about */
	chain_rr soa_sig;          /* RRSIGs of the SOA (sigs only) */
	chain_rr auth[MAX_AUTH];   /* NSEC/NSEC3 RRsets with RRSIGs */
	int nauth;
	int nfetch;
	fetch_res fx;
	/* falling back to other servers (iter.c, chain.c) */
	uint8_t vretries;          /* bogus answers asked again elsewhere */
	uint8_t vbad_set;          /* vbad_idx names the bogus data */
	int vbad_idx;              /* its chain entry; -1: the denial */
	uint8_t neg_has_src;       /* neg_src sent the negative answer */
	res_addr neg_src;
	uint8_t nvbad;
	res_addr vbad[MAX_VRETRY]; /* servers whose data was bogus */
	uint8_t pside;             /* parent-side NS: 1 wanted, 2 have */
	uint8_t pcut[WIRE_MAXNAME];    /* ... of this zone cut */
	uint8_t npaddr;
	res_addr paddr[MAX_ADDRS];     /* the parent's glue */
	uint8_t *pns;                  /* the parent's NS RRset */
	uint32_t pnslen;
	uint16_t pnscount;
};

typedef struct res_txn {
	struct res_txn *next;
	uint64_t id;
	uint16_t msgid;
	res_task *task;
	res_addr server;
	uint8_t transport;
	uint8_t caps, edns, minimised, fwd;
	uint8_t counted;           /* in the server/zone/total counts */
	uint8_t cookie;            /* sent with a COOKIE option (cc) */
	uint8_t cookie_retry;      /* a resend after BADCOOKIE */
	uint8_t cc[RES_CC_LEN];
	uint8_t qname[WIRE_MAXNAME];   /* as sent (0x20 case) */
	uint8_t zone[WIRE_MAXNAME];    /* the server's zone (bailiwick) */
	uint16_t qtype;
	const char *tls_name;
	uint64_t sent_ms, deadline;
} res_txn;

/* An action queued for the shell (action.c). */
typedef struct res_qact {
	res_action a;
	uint8_t *buf;
} res_qact;

/* The engine (res_new).  Everything the parts share. */
struct res_ctx {
	res_cfg cfg;
	res_stats st;
	res_cache *cache;
	res_servers *srv;
	res_task *tasks, *wake_head, *wake_tail;
	res_txn *txns;
	uint64_t next_txn;
	uint64_t rng;              /* fallback when cfg.random is NULL */
	uint64_t last_prefetch;
	/* action queue */
	res_qact *q;
	size_t qhead, qlen, qcap;
	uint8_t *last_buf;         /* msg of the action handed out last */
	/* synchronous answer for the res_query in progress */
	res_waiter *sync_w;
	uint8_t *sync_buf;
	size_t sync_cap, sync_len;
	int sync_done;
	res_msg *msg;              /* scratch: parsed upstream reply */
	res_keys *keys;            /* trust anchors + key table (--dnssec) */
	struct res_nsec *nsec;     /* RFC 8198 index (--dnssec) */
	uint8_t *scratch;          /* 65535: replies, queries, RRsets */
	uint8_t *sigscratch;
	uint8_t *localbuf;         /* local data answers (cfg.local) */
	/* fairness: work in flight (limits.c, servers.c) */
	res_ctab *zload;           /* upstream queries per zone cut */
	res_ctab *cload;           /* waiting queries per client address */
	size_t nactive;            /* client tasks not done */
	size_t ntxns;              /* upstream queries in flight */
	uint8_t csecret[16];       /* client cookie secret (RFC 7873) */
	uint32_t *warned;          /* trace.c: zones/algorithms warned of */
	size_t nwarned;
	struct res_5011 *ta5011;   /* rfc5011.c: managed anchors, or NULL */
};

/* res_follow_answer: how far the answer section took the chain
 * (CH_LOOP: a CNAME/DNAME led back to a name already on the chain) */
enum { CH_NONE = 0, CH_FINAL, CH_MOVED, CH_FAIL, CH_YXDOMAIN, CH_LOOP };

/* What res_txn_send sends where. */
typedef struct send_spec {
	const uint8_t *qname;      /* lowercased */
	uint16_t qtype;
	const uint8_t *zone;
	uint8_t rd, fwd, minimised, transport, nocaps, cookie_retry;
	const char *tls_name;
} send_spec;

/* ---- small helpers ---- */

/* Pointer to the parent name inside name (name must not be root). */
static inline const uint8_t *name_parent(const uint8_t *name)
{
	return name + name[0] + 1;
}

/* The last n labels of name (n <= labels(name)). */
static inline const uint8_t *name_suffix(const uint8_t *name, int n)
{
	int skip = wire_name_labels(name) - n;

	while (skip-- > 0)
		name = name_parent(name);
	return name;
}

static inline void name_copy(uint8_t *dst, const uint8_t *src)
{
	memcpy(dst, src, wire_name_len(src));
}

static inline uint32_t clamp_ttl(const res_ctx *r, uint32_t ttl)
{
	if (r->cfg.max_cache_ttl && ttl > r->cfg.max_cache_ttl)
		ttl = r->cfg.max_cache_ttl;
	if (r->cfg.min_cache_ttl && ttl < r->cfg.min_cache_ttl)
		ttl = r->cfg.min_cache_ttl;
	return ttl;
}

static inline uint32_t ttl_left(uint64_t expire_ms, uint64_t now_ms)
{
	return expire_ms > now_ms ? (uint32_t)((expire_ms - now_ms) / 1000) : 0;
}

static inline const uint8_t *rr_owner(const res_msg *m, const msg_rr *rr)
{
	return m->buf + rr->owner;
}

/* RFC 9156 2.3: after a minimised step, how many labels of sname to
 * ask next: one more for the first MINIMISE_ONE_LAB queries, then as
 * many as keep the queries at the cut to MAX_MINIMISE, the last of them
 * for the full name (qmin_name stops minimising there). */
static inline void res_qmin_next(res_task *t)
{
	int sl = wire_name_labels(t->sname), left, add;

	t->min_steps++;
	if (t->min_steps < MINIMISE_ONE_LAB) {
		t->min_n++;
		return;
	}
	left = MAX_MINIMISE - t->min_steps;
	if (left <= 1) {
		t->min_n = sl;
		return;
	}
	add = (sl - t->min_n + left - 1) / left;
	t->min_n += add > 1 ? add : 1;
}

static inline uint32_t res_lim(uint32_t v, uint32_t def)
{
	return v ? v : def;
}

/* ---- trace.c: events for the shell's log (cfg.on_event) ---- */

/* The per-query trace is on: the only test on the paths it watches. */
static inline int res_tracing(const res_ctx *r)
{
	return r->cfg.trace && r->cfg.on_event;
}
void res_ev_query(res_ctx *r, const res_txn *x);
void res_ev_reply(res_ctx *r, const res_txn *x, const uint8_t *msg,
		  size_t len, uint64_t now);
void res_ev_timeout(res_ctx *r, const res_txn *x, const char *why);
void res_ev_val(res_ctx *r, const res_addr *from, const uint8_t *name,
		uint16_t type, uint8_t sec, uint16_t ede, const char *why);
/* The zone is insecure for want of a usable DS: tell each algorithm or
 * digest of the set we do not validate, once per zone (without trace). */
void res_ev_unsupported(res_ctx *r, const uint8_t *zone, const uint8_t *ds,
			uint32_t dslen, uint16_t dscount, const char *why);

/* ---- rfc5011.c: managed trust anchors (RFC 5011) ---- */

typedef struct res_5011 res_5011;
/* managed: the managed anchor text (see resolver.h); static_text: the
 * anchors that are not managed (NULL: none).  NULL + err if unusable. */
res_5011 *res_5011_new(const char *managed, const char *static_text,
		       char *err, size_t errlen);
void res_5011_free(res_5011 *m);
/* Every trust anchor (static and managed) as text for res_keys_new;
 * malloc'ed, NULL when out of memory. */
char *res_5011_anchors(const res_5011 *m);
/* A DNSKEY RRset of zone that validated with the trust anchors: the
 * RFC 5011 state machine; a change is saved (cfg.anchors_save) and only
 * then made; new anchors wait for res_5011_apply. */
void res_5011_observe(res_ctx *r, const uint8_t *zone, const uint8_t *keys,
		      uint32_t klen, uint16_t kcount, const uint8_t *sigs,
		      uint32_t siglen, uint16_t sigcount, uint32_t ttl,
		      uint64_t now_ms);
/* Saved anchor changes into the key table (between validation walks). */
void res_5011_apply(res_ctx *r);
/* The next active refresh (ms; 0 none), and the trust points due now
 * (up to max; the next probe is then set as if this one failed). */
uint64_t res_5011_next(const res_5011 *m);
size_t res_5011_due(res_5011 *m, uint64_t now_ms,
		    uint8_t (*zones)[WIRE_MAXNAME], size_t max);
/* ---- nsec_cache.c: aggressive use of the validated cache ---- */

/*
 * RFC 8198: validated NSEC/NSEC3 RRsets of negative answers (and the
 * zone's SOA) go into the RRset cache, indexed per zone in canonical
 * (NSEC) or hash (NSEC3) order, so a name the cache misses can be proven
 * NXDOMAIN / NODATA from them (denial.c) without asking upstream.  Not
 * NSEC3 opt-out or > 150 iterations.  Calls cache.c, validate.c,
 * denial.c only.
 */
typedef struct res_nsec res_nsec;

/* max_entries bounds the index (names of cached NSEC/NSEC3 owners). */
res_nsec *res_nsec_new(uint32_t max_entries);
void res_nsec_free(res_nsec *nc);
/* Forget the index and build it again from the validated NSEC/NSEC3
 * RRsets the cache holds (after res_cache_deserialize or a swap). */
void res_nsec_rebuild(res_nsec *nc, res_cache *c, uint64_t now_ms);

/* A negative answer whose denial validated, from zone (secure, keys). */
typedef struct res_nsec_in {
	const uint8_t *zone;
	const uint8_t *keys;       /* the zone's validated DNSKEY RRset */
	uint32_t klen;
	uint16_t kcount;
	const chain_rr *auth;      /* its NSEC/NSEC3 RRsets with RRSIGs */
	int nauth;
	const res_nsec_set *ok;    /* the records of auth that validated */
	size_t nok;
	const chain_rr *soa;       /* its SOA RRset with RRSIGs */
	uint32_t neg_ttl;          /* the answer's negative TTL */
	int no_timecheck;
} res_nsec_in;
/* Keep what in proves (the SOA is verified here with keys). */
void res_nsec_store(res_nsec *nc, res_cache *c, const res_nsec_in *in,
		    uint64_t now_ms);

enum { RES_NSEC_PROOF_MAX = 4 };
/* A proof from the cache (pointers into the cache: valid until the next
 * cache call that may evict). */
typedef struct res_nsec_proof {
	int rcode;                 /* DNS_R_NXDOMAIN, or NOERROR (NODATA) */
	uint32_t ttl;              /* life left: min of records, SOA, MINIMUM */
	res_crrset soa;            /* the zone's SOA RRset with RRSIGs */
	res_crrset rr[RES_NSEC_PROOF_MAX];  /* NSEC/NSEC3 RRsets */
	int nrr;
} res_nsec_proof;
/* 1 with a proof that (lname, qtype) does not exist, else 0. */
int res_nsec_lookup(res_nsec *nc, res_cache *c, const uint8_t *lname,
		    uint16_t qtype, uint64_t now_ms, res_nsec_proof *out);

/* ---- action.c: the action queue, random bytes ---- */

void res_rnd(res_ctx *r, void *buf, size_t len);
int res_queue_push(res_ctx *r, const res_action *a, const uint8_t *msg,
		   size_t len);

/* ---- answer.c: replies to clients ---- */

size_t res_reply_limit(const res_ctx *r, const res_waiter *w, size_t cap);
uint32_t res_neg_ttl(const res_ctx *r, const res_task *t);
/* sentinel.c: 1 when a secure answer to q must be SERVFAIL by the KSK
 * sentinel rules (RFC 8509: is-ta of a key tag we do not trust, not-ta
 * of one we do). */
int res_sentinel_fails(const res_ctx *r, const wire_query *q);
int res_task_negative(const res_task *t, int rcode);
void res_reply_deliver(res_ctx *r, const res_task *t, const res_waiter *w,
		       uint64_t now);

/* ---- task.c: tasks, waiters, transactions ---- */

res_task *res_task_new(res_ctx *r, const uint8_t *lname, uint16_t qtype,
		       uint16_t qclass, res_task *parent);
void res_crr_free(chain_rr *c);
void res_fx_clear(fetch_res *f);
void res_waiter_free(res_ctx *r, res_waiter *w);
void res_task_free(res_ctx *r, res_task *t);
res_task *res_task_find_client(res_ctx *r, const uint8_t *lname,
			       uint16_t qtype, uint16_t qclass);
void res_task_wake(res_ctx *r, res_task *t);
int res_chain_add(res_task *t, const uint8_t *owner, uint16_t type,
		  uint32_t ttl, const uint8_t *data, uint32_t len,
		  uint16_t count);
void res_chain_sigs(res_task *t, const uint8_t *sigs, uint32_t siglen,
		    uint16_t sigcount);
/* 1 if the chain already left name by a CNAME (so going there loops). */
int res_chain_loops(const res_task *t, const uint8_t *name);
int res_task_set_soa(res_task *t, const uint8_t *owner,
		     const uint8_t *rdata, uint16_t rdlen, uint32_t ttl);
void res_tried_mark(res_task *t, const res_addr *a, int lame);
unsigned res_tried_count(res_task *t, const res_addr *a);
int res_tried_exhausted(res_task *t, const res_addr *a);
/* Minimised queries failed (an error, a denied empty non-terminal, or
 * the servers stopped answering them): ask the full name from now on,
 * with fresh tries of every server (RFC 9156 2.3; once per task). */
void res_qmin_giveup(res_task *t);
int res_task_vbad(const res_task *t, const res_addr *a);
void res_txn_release(res_ctx *r, res_txn *x);
void res_txn_unlink(res_ctx *r, res_txn *x);
int res_txn_send(res_ctx *r, res_task *t, const res_addr *srv,
		 const send_spec *s, uint64_t now);
res_txn *res_txn_find(res_ctx *r, uint64_t id);
void res_task_finish(res_ctx *r, res_task *t, int rcode, uint64_t now);
void res_task_progress(res_ctx *r, res_task *t);
void res_task_retry(res_ctx *r, res_task *t);

/* ---- msg.c: upstream messages ---- */

void res_neg_put(res_ctx *r, const res_task *t, const uint8_t *name,
		 uint16_t type, uint64_t now);
int res_msg_parse(res_msg *m, const uint8_t *pkt, size_t len);
uint16_t res_msg_rrset(const res_msg *m, int sec, const uint8_t *owner,
		       uint16_t type, uint8_t *out, size_t cap,
		       uint32_t *len, uint32_t *ttl);
uint16_t res_msg_sigs(const res_msg *m, int sec, const uint8_t *owner,
		      uint16_t type, uint8_t *out, size_t cap,
		      uint32_t *len);
const msg_rr *res_msg_first(const res_msg *m, int sec, uint16_t type);
void res_cache_msg(res_ctx *r, const res_msg *m, const uint8_t *bw,
		   int referral, uint64_t now);
int res_follow_answer(res_ctx *r, res_task *t, const res_msg *m,
		      uint8_t *name, uint16_t qt, int record);
/* A DNAME link (RFC 6672): the DNAME RRset (one RR, with its RRSIGs and
 * cached status sec) and the CNAME synthesised for name, which becomes
 * the target.  0, -1 no room, -2 the target is too long (YXDOMAIN). */
int res_chain_dname(res_task *t, const uint8_t *owner, const uint8_t *data,
		    uint32_t len, uint32_t ttl, const uint8_t *sigs,
		    uint32_t siglen, uint16_t sigcount, uint8_t sec,
		    uint8_t *name);
void res_take_soa(res_ctx *r, res_task *t, const res_msg *m,
		  const uint8_t *bw);
void res_take_auth(res_ctx *r, res_task *t, const res_msg *m,
		   const uint8_t *bw);
const msg_rr *res_find_referral(const res_msg *m);
int res_referral_ok(const res_msg *m, const msg_rr *ns,
		    const uint8_t *bw, const uint8_t *qn);
const msg_rr *res_msg_opt(const res_msg *m);
void res_msg_bailiwick(res_msg *m, const uint8_t *bw);
int res_take_pside(res_ctx *r, res_task *t, const res_msg *m,
		   const msg_rr *ns, const uint8_t *bw);

/* ---- chain.c: the DNSSEC chain of trust ---- */

void res_validate_step(res_ctx *r, res_task *t, uint64_t now);

/* ---- iter.c: stepping a task ---- */

void res_task_step(res_ctx *r, res_task *t, uint64_t now);

/* ---- reply.c: an upstream reply ---- */

/* A reply for transaction x: 1 when it was dropped as a spoof and x still
 * waits; 0 when it was taken (x freed; tasks may be woken). */
int res_reply_take(res_ctx *r, res_txn *x, const uint8_t *msg, size_t len,
		   uint64_t now_ms);

#endif
