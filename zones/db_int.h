/*
 * zones/ internal: the answer database (db.c) as seen by the answering
 * code (answer.c).  Not for use outside zones/.
 *
 * The db keeps one open-addressing hash table of "db names": every zone
 * apex and every --address domain.  A query name is matched by stripping
 * labels from the left and probing each suffix, deepest first, so the
 * deepest zone (or the longest --address domain) is found in at most
 * (labels + 1) probes, and usually far fewer: suffixes with more labels
 * than the deepest db name are skipped.
 */
#ifndef DV_DB_INT_H
#define DV_DB_INT_H

#include "zones/zone_int.h"

/* An --address entry for one domain. */
typedef struct db_addr {
	uint8_t nx;        /* NXDOMAIN (an entry without address) */
	uint8_t has4, has6;
	uint8_t a4[4];
	uint8_t a6[16];
	uint32_t ttl4, ttl6;
} db_addr;

/* One name in the db table: a zone apex, an --address domain, or both. */
typedef struct db_entry {
	uint8_t *lname;    /* lowercased wire name; NULL = free slot */
	size_t len;
	uint32_t hash;
	zone *z;           /* zone with this apex, or NULL */
	db_addr *addr;     /* --address entry, or NULL */
} db_entry;

struct zone_db {
	zone_db_opts opts;      /* strings point to the copies below */
	char *version_str, *ident_str;
	zone *local;            /* local-data store, or NULL */
	uint8_t plain_dom[WIRE_MAXNAME]; /* zone_db_set_plain_domain (wire,
				     lowercased); plain_dom[0] == 0: none */
	db_entry *tab;          /* open addressing, linear probing */
	size_t cap;             /* power of two */
	size_t used;
	int maxlabels;          /* labels of the deepest db name */
	size_t nzones, naddr;
	db_addr *addr_all;      /* "#": matches every name */
	struct zone_acl_rule *acl; /* --allow-update/--allow-transfer (acl.c) */
	zone_journal_fn jfn;    /* durability hook (zone_db_set_journal) */
	void *jarg;
	uint8_t *upd_journal;   /* last UPDATE's journal record (update.c) */
	size_t upd_journal_len;
	zone_keyring *keys;     /* TSIG keys (tsig.c), or NULL */
	struct zone_notify_acl *notify_acl; /* NOTIFY senders (xfrin.c) */
	struct zone_db_signer *signers; /* --dnssec-sign zones (sign.c) */
};

/* Free the db's signers (sign.c). */
void zone_db_signers_free(zone_db *db);

/* Free the NOTIFY sender list of a db (xfrin.c). */
void zone_notify_acl_free(struct zone_notify_acl *a);

/* Free a list of access rules (acl.c). */
void zone_acl_free(struct zone_acl_rule *r);

/* What a name matched in the db (zones and --address entries). */
typedef struct db_match {
	const db_entry *e;      /* deepest entry with a zone or an address */
	const zone *z;          /* the zone to answer from, or NULL */
	const db_addr *addr;    /* the --address entry to use, or NULL */
} db_match;

/*
 * Match a lowercased wire name: the deepest db name that is a suffix of
 * lname wins; at equal depth an --address entry beats a zone.  With
 * zones_only, --address entries are ignored.  For qtype DS at a zone apex
 * the parent zone is used when it is served too (RFC 4035 3.1.4.1).
 * Returns 1 if something matched.
 */
int db_match_name(const zone_db *db, const uint8_t *lname, size_t len,
		  uint16_t qtype, int zones_only, db_match *m);

/* zone_db_answer for a message the caller has already parsed (pr is what
 * wire_query_parse returned for it), so the hot path parses once.  eff
 * (may be NULL): its EDNS options go into the reply's OPT, and with
 * classify its rclass/rhash are set (zones.h 5.). */
zone_result zone_answer_parsed(const zone_db *db, const wire_query *wq,
			       wire_qresult pr, int how, uint8_t *resp,
			       size_t resp_cap, size_t *resp_len,
			       zone_stats *st, zone_effects *eff,
			       int classify);

#endif
