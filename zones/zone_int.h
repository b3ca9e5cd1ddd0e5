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
} zone_node;

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
};

/* Hash of a lowercased wire name (stable across calls). */
uint32_t zone_name_hash(const uint8_t *lname, size_t len);
/* Exact-match node lookup; lname must be lowercased. NULL if absent. */
zone_node *zone_node_find(const zone *z, const uint8_t *lname);
/* RRset of a type at a node, or NULL. */
zone_rrset *zone_node_rrset(const zone_node *n, uint16_t type);
/* Create (or find) the node for name and all missing ancestors up to the
 * origin, maintaining ZN_HASCHILD / ZN_WILDCHILD.  name may be mixed case. */
zone_node *zone_node_get(zone *z, const uint8_t *name);
/* Add one RR (uncompressed rdata) to the node; merges duplicates, keeps the
 * lowest TTL for the RRset.  Returns 0 or -ENOMEM / -EINVAL. */
int zone_node_add_rr(zone *z, zone_node *n, uint16_t type, uint32_t ttl,
		     const uint8_t *rdata, uint16_t rdlen);
/* Allocate an empty zone for origin (wire). */
zone *zone_alloc(const uint8_t *origin, int is_local);
void zone_free_all(zone *z);

#endif
