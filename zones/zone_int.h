/*
 * zones/ internal: the compiled zone representation shared by the store
 * (zone.c), the loader (zload.c) and answering (answer.c).  Not for use
 * outside zones/.
 *
 * A zone is a hash table of nodes keyed by the lowercased uncompressed wire
 * name.  Every name between the apex and an owner name exists as a node
 * (empty non-terminals have no RRsets), so the closest encloser of a query
 * name is found by stripping labels and looking each suffix up.
 */
#ifndef DV_ZONE_INT_H
#define DV_ZONE_INT_H

#include "zones/zones.h"

enum {
	ZN_DELEG = 1u << 0,     /* NS RRset at a non-apex node: a zone cut */
	ZN_HASCHILD = 1u << 1,  /* some node exists directly below this one */
	ZN_WILDCHILD = 1u << 2, /* "*.<this>" exists */
	ZN_CNAME = 1u << 3,     /* has a CNAME RRset */
	ZN_DNAME = 1u << 4,     /* has a DNAME RRset */
};

typedef struct zone_node {
	struct zone_node *hnext;  /* hash chain */
	uint32_t hash;
	uint32_t flags;           /* ZN_* */
	uint8_t *lname;           /* lowercased wire name (hash key) */
	uint8_t *name;            /* wire name as written in the zone file */
	zone_rrset *rrsets;       /* linked list, any order */
	uint32_t nchild;          /* nodes directly below this one */
} zone_node;

/* One IXFR difference kept in memory (a journal record payload). */
typedef struct zone_hist {
	struct zone_hist *next;   /* newer */
	uint32_t serial_from, serial_to;
	size_t len;
	uint8_t *payload;         /* journal payload format (zones.h 4.) */
} zone_hist;

struct zone {
	int refs;
	int is_local;             /* local-data store: exact names, no SOA */
	uint8_t origin[WIRE_MAXNAME]; /* lowercased apex */
	int origin_labels;
	zone_node *apex;
	zone_node **buckets;
	size_t nbuckets;          /* power of two */
	size_t nnodes;
	size_t nrr;               /* RRs stored */
	uint32_t serial;
	uint32_t neg_ttl;         /* RFC 2308: min(SOA TTL, SOA MINIMUM) */
	/* zone maintenance (issue 3) */
	uint8_t expired;          /* secondary past EXPIRE (or never loaded):
				     answer SERVFAIL */
	uint8_t secondary;        /* data comes from a primary by transfer */
	zone_hist *hist_old, *hist_new; /* IXFR history, oldest first */
	size_t hist_bytes;        /* bounded: oldest dropped past a limit */
	/* nodes owning an NSEC RRset in canonical order (dnssec_ans.c),
	 * built when first needed, then kept up to date as NSEC RRsets come
	 * and go (an insertion or removal is a bisection and a memmove:
	 * the signer finds a changed name's neighbours here per update) */
	zone_node **nsec_idx;
	size_t nsec_n, nsec_cap;
	uint8_t nsec_built;
	/* NSEC3 (RFC 5155): the apex NSEC3PARAM's parameters and the nodes
	 * owning an NSEC3 RRset of that chain sorted by owner hash
	 * (dnssec_ans.c); built with the NSEC index and maintained the same
	 * way; dropped when the NSEC3PARAM changes */
	struct zone_n3ent *n3_idx;
	size_t n3_n, n3_cap;
	/* index edits made under the serial idx_serial: past a few dozen
	 * in one change (a full signing pass, a journal record, an IXFR)
	 * the indexes are dropped and rebuilt once, not memmoved per RR */
	uint32_t idx_serial;
	uint32_t idx_edits;
	/* nodes the signer has looked at, all passes summed (sign.c): an
	 * update of a signed zone costs a few, a full pass every node */
	size_t sign_visits;
	uint16_t n3_iter;
	uint8_t n3_saltlen;
	uint8_t n3_salt[255];
};

/* One NSEC3 owner of the chain: its hash (the owner's first label
 * decoded) and node. */
typedef struct zone_n3ent {
	uint8_t hash[ZONE_N3_HASHLEN];
	const zone_node *node;
} zone_n3ent;

/* Hash of a lowercased wire name (stable across calls). */
uint32_t zone_name_hash(const uint8_t *lname, size_t len);
/* Exact-match node lookup; lname must be lowercased. NULL if absent. */
zone_node *zone_node_find(const zone *z, const uint8_t *lname);
/* RRset of a type at a node, or NULL.  For DNS_T_RRSIG: the first of
 * the node's RRSIG RRsets (one per covered type); to visit them all,
 * walk n->rrsets and take every rs->type == DNS_T_RRSIG. */
zone_rrset *zone_node_rrset(const zone_node *n, uint16_t type);
/* The RRSIGs at n covering type, or NULL. */
zone_rrset *zone_node_rrsig(const zone_node *n, uint16_t covered);
/* The RRset an RR of this type and rdata belongs to (an RRSIG: the one of
 * the type it covers, read from the first two rdata octets), or NULL. */
zone_rrset *zone_node_rrset_rd(const zone_node *n, uint16_t type,
			       const uint8_t *rdata, uint16_t rdlen);
/* The covered type an RR of this type files under: an RRSIG's type
 * covered (0 when rdata is too short), 0 for every other type. */
uint16_t zone_rr_covered(uint16_t type, const uint8_t *rdata,
			 uint16_t rdlen);
/* Create (or find) the node for name and all missing ancestors up to the
 * origin, maintaining ZN_HASCHILD / ZN_WILDCHILD.  name may be mixed case. */
zone_node *zone_node_get(zone *z, const uint8_t *name);
/* Add one RR (uncompressed rdata) to the node; merges duplicates (equal in
 * canonical form, wire_rdata_equal: the first spelling stays), keeps the
 * lowest TTL for the RRset (an RRSIG: for the RRSIGs of its covered
 * type).  Returns 0 or -ENOMEM / -EINVAL. */
int zone_node_add_rr(zone *z, zone_node *n, uint16_t type, uint32_t ttl,
		     const uint8_t *rdata, uint16_t rdlen);
/* Allocate an empty zone for origin (wire). */
zone *zone_alloc(const uint8_t *origin, int is_local);
void zone_free_all(zone *z);

/* The node whose NSEC covers lname (lowercased): the canonically
 * greatest NSEC owner <= lname, or the last one when lname precedes them
 * all; NULL when z has no NSEC (or no memory for the index). */
const zone_node *zone_nsec_cover(const zone *z, const uint8_t *lname);
/* The signer's neighbours (sign.c, per update): the NSEC owner just
 * before lname in canonical order (the last one when none is: the chain
 * wraps), or the NSEC3 owner of the chain with the greatest hash below
 * h (ZONE_N3_HASHLEN octets; wrapping the same way); lname or h need not
 * be in the index.  NULL when there is none (or no memory). */
const zone_node *zone_nsec_before(const zone *z, const uint8_t *lname);
/* The NSEC owner just after lname (the first one when none is). */
const zone_node *zone_nsec_after(const zone *z, const uint8_t *lname);
const zone_node *zone_nsec3_before(const zone *z, const uint8_t *h);
/* Forget the NSEC and NSEC3 indexes (zone.c calls it when an NSEC3PARAM
 * changes, and on free). */
void zone_nsec_index_drop(zone *z);
/* Keep built indexes current: zone.c calls these when an NSEC or NSEC3
 * RRset is created at n (rd: its first RR) or is about to be removed.
 * Without memory the indexes are dropped (rebuilt when needed). */
void zone_nsec_index_add(zone *z, zone_node *n, uint16_t type,
			 const uint8_t *rd, uint16_t rdlen);
void zone_nsec_index_del(zone *z, const zone_node *n, uint16_t type);
/* 1 when z answers with NSEC3 proofs: its apex has an NSEC3PARAM of
 * hash algorithm 1 and NSEC3 records of those parameters exist (the
 * index is built here on first use); 0 otherwise or without memory. */
int zone_nsec3_on(const zone *z);
/* The node whose NSEC3 matches (*exact = 1) or covers (*exact = 0) the
 * hash of lname with z's parameters: the owner with the greatest hash
 * <= it, or the last one when it precedes them all (the chain wraps).
 * zone_nsec3_on(z) must have returned 1. */
const zone_node *zone_nsec3_find(const zone *z, const uint8_t *lname,
				 int *exact);

/* ---- mutation (UPDATE, IXFR in, journal replay) ---- */

/* Delete the RR equal to rdata in canonical form (wire_rdata_equal: names
 * inside rdata case-insensitive, RFC 2136 1.1.1).  1 deleted, 0 absent.
 * An RRset left empty is removed; the node is pruned when it has neither
 * RRsets nor children (ancestors too, never the apex). */
int zone_node_del_rr(zone *z, zone_node *n, uint16_t type,
		     const uint8_t *rdata, uint16_t rdlen);
/* Delete a whole RRset (DNS_T_RRSIG: every RRSIG RRset of the node);
 * returns the number of RRs deleted. Prunes. */
int zone_node_del_rrset(zone *z, zone_node *n, uint16_t type);
/* Remove n (and empty ancestors below the apex) if it has no RRsets and
 * no children.  n must not be used afterwards if it was removed. */
void zone_node_prune(zone *z, zone_node *n);
/* Recompute serial/neg_ttl from the apex SOA (after SOA changes). */
void zone_refresh_soa(zone *z);
/* Rewrite the serial field of the apex SOA and update z->serial. */
int zone_set_serial(zone *z, uint32_t serial);
/* Visit every node (any order); stops early when fn returns non-zero. */
int zone_foreach_node(const zone *z, int (*fn)(void *arg, zone_node *n),
		      void *arg);
/* Deep copy of a zone (same origin/flags, history not copied). */
zone *zone_clone(const zone *z);

/* ---- diffs (journal.c): collect an IXFR difference while changing ---- */
typedef struct zone_diff {
	uint8_t *del, *add;      /* RR streams (journal payload RR format) */
	size_t del_len, del_cap, add_len, add_cap;
	uint32_t ndel, nadd;
} zone_diff;
void zone_diff_init(zone_diff *d);
void zone_diff_free(zone_diff *d);
int zone_diff_rr(zone_diff *d, int add, const uint8_t *owner, uint16_t type,
		 uint32_t ttl, const uint8_t *rdata, uint16_t rdlen);
/* Frame a complete journal record: origin, old SOA (from old_soa rdata
 * with old_ttl), deletions, new SOA (z's current apex SOA), additions.
 * Malloc'ed *rec; the payload is also added to z's IXFR history. */
int zone_diff_finish(zone_diff *d, zone *z, const uint8_t *old_soa,
		     uint16_t old_soa_len, uint32_t old_ttl, uint8_t **rec,
		     size_t *rec_len);
/* An SOA as journal records carry it: rdata (uncompressed) and TTL. */
typedef struct zone_soa_ref {
	const uint8_t *rdata;
	uint16_t rdlen;
	uint32_t ttl;
} zone_soa_ref;
/* Frame a journal record from d between two given SOAs (serial_from and
 * serial_to are theirs) without touching any zone: malloc'ed *rec.
 * 0, -EINVAL (an SOA is malformed), -E2BIG, -ENOMEM. */
int zone_diff_frame(const zone_diff *d, const uint8_t *origin,
		    const zone_soa_ref *old_soa, const zone_soa_ref *new_soa,
		    uint8_t **rec, size_t *rec_len);
/* The difference between two zones as RR sets, SOA left out: the RRs of
 * old that new does not hold (deletions) and those of new that old does
 * not hold (additions); an RRset whose TTL changed is deleted and added
 * whole (IXFR carries TTLs with the RRs).  RRs compare in canonical form
 * (wire_rdata_equal).  d must be initialised.  0 or -ENOMEM. */
int zone_diff_zones(const zone *old, const zone *new_z, zone_diff *d);
/* Append a payload to z's history (copy), dropping the oldest beyond
 * the byte limit. */
int zone_hist_add(zone *z, const uint8_t *payload, size_t len,
		  uint32_t serial_from, uint32_t serial_to);
void zone_hist_free(zone *z);
/* Drop the newest history entry when it is the step from -> to (that
 * change was undone); otherwise forget the whole history. */
void zone_hist_pop(zone *z, uint32_t from, uint32_t to);

/* ---- presentation forms ldns does not read (ztext.c) ---- */

/* The type of a mnemonic ztext.c knows (TA, SINK, NINFO, RKEY, ATMA,
 * DSYNC, UINFO, UID, GID, UNSPEC, AVC, DOA, AMTRELAY, RESINFO, WALLET),
 * or 0. */
uint16_t zone_text_type(const char *name);
/* 1 if ztext.c reads type's presentation form; its mnemonic or NULL. */
int zone_text_has(uint16_t type);
const char *zone_text_name(uint16_t type);
/* 1 if type is written in RFC 3597 form (ldns cannot read back what it
 * prints for it): ztext.c's types, NXT and A6. */
int zone_text_generic(uint16_t type);
/* The rdata tokens tok[0..n) of type (zone_text_has) as wire rdata into
 * out; relative names get origin (wire).  Length, or -1 (bad text). */
long zone_text_rdata(uint16_t type, char **tok, int n,
		     const uint8_t *origin, uint8_t *out, size_t cap);

/* ---- signing (sign.c) ---- */

/* A change signing makes: the caller logs it (undo, diff) and applies
 * it to the zone.  0 or a negative errno. */
typedef int (*zone_sign_fn)(void *arg, int add, const uint8_t *owner,
			    uint16_t type, uint32_t ttl, const uint8_t *rd,
			    uint16_t rdlen);
/* Bring z to its signed state under s at now (zones.h zone_db_sign),
 * every change through fn; *nchanges (may be NULL) counts them, *next
 * (may be NULL) gets the earliest time a signature needs refreshing.
 * 0 or a negative errno (changes already made are the caller's to
 * undo). */
int zone_sign_run(zone *z, const zone_signer *s, uint32_t now,
		  zone_sign_fn fn, void *arg, size_t *nchanges,
		  uint64_t *next);
/* Drop (through fn) every RRSIG at owner that covers type: its RRset
 * changed.  0 or a negative errno. */
/* The signing an UPDATE needs, for the owner names its changes touched
 * (their RRSIGs dropped already, zone_sign_drop): the chain records of
 * those names (with NSEC3 also of their ancestors) and of their chain
 * predecessors, then the signatures at all of these and at the apex;
 * nothing else is looked at.  Falls back to zone_sign_run when the apex
 * round changes something or the chain is not in our signer's form. */
int zone_sign_update(zone *z, const zone_signer *s, uint32_t now,
		     const uint8_t *const *names, size_t nnames,
		     zone_sign_fn fn, void *arg);
int zone_sign_drop(zone *z, const uint8_t *owner, uint16_t type,
		   zone_sign_fn fn, void *arg);
/* Call fn for every RR of record r in order (add 0: the deleted part,
 * old SOA first; 1: the added part, new SOA first), stopping at fn's
 * first non-zero return, which is returned (journal.c).  0 or -EINVAL
 * (malformed; r comes from zone_journal_scan, which checks it). */
int zone_journal_foreach_rr(const zone_journal_rec *r, zone_sign_fn fn,
			    void *arg);

#endif
