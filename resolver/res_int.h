/*
 * resolver/ internal: the cache (cache.c) and the DNSSEC primitives
 * (validate.c) as used by the iterator (resolver.c, servers.c).  Not for
 * use outside resolver/.
 *
 * RRset data uses the zones/ format: count x { rdlen(2), rdata } with
 * uncompressed names, so cached data and zone data share code.
 */
#ifndef DV_RES_INT_H
#define DV_RES_INT_H

#include "resolver/resolver.h"

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
size_t res_cache_bytes(const res_cache *c);

/* ------------------------------------------------------------------ */
/* validate.c: DNSSEC primitives (RFC 4033-4035, 5155, 6840, 8624)    */
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
/* Set the DNSSEC status of a cached RRset / negative entry (0 found). */
int res_cache_set_sec(res_cache *c, const uint8_t *lname, uint16_t type,
		      int neg, uint8_t sec);

/* ------------------------------------------------------------------ */
/* policy.c: local answers and the rebind filter (dnsmasq options)    */
/* ------------------------------------------------------------------ */

enum { EDE_BLOCKED = 15 };   /* RFC 8914: refused by local policy */

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

#endif
