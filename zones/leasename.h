/*
 * zones/leasename.h — which names DHCP leases may hold in our zones, and
 * the zone changes each lease event makes.
 *
 * A lease named LABEL for address ADDR gets LABEL.DOMAIN A ADDR in the
 * forward zone (the --domain) and ADDR's PTR back to it in the reverse
 * zone covering ADDR, if one of ours does.  Rules:
 *
 *  - LABEL must be an LDH label (RFC 952/1123); it is lowercased.
 *  - The zone's own server names (SOA MNAME, apex NS targets) are never
 *    a lease's.
 *  - Ownership: a table (label -> address) of the names leases hold.  A
 *    name outside the table holding any data is static and never taken
 *    over: local data (zone_db_local), the content of the --zone file
 *    the zone came from (file, below), or data put there by other means.
 *    One exception, so that restored leases find their names again after
 *    a restart: a name outside the table whose only data is one A record
 *    whose address has a PTR back to the name in one of our reverse
 *    zones, and which neither the local data nor the zone file holds, is
 *    what an earlier lease wrote; the lease claiming it gets it.
 *  - A static PTR (local data or the reverse zone's file) is never
 *    replaced; without a reverse zone only the A is written.
 *  - TTL: min(lease time, ZONE_LN_TTL_MAX).  An RR already there is not
 *    rewritten when the new TTL is at least half of its TTL (restarts
 *    and renewals do not move the serial); a much shorter one lowers it.
 *
 * Every change goes through zone_db_update_local (journal hook, serial
 * bump, IXFR history), one UPDATE per zone touched, so the shell makes
 * one call per lease event and then persists and notifies as after any
 * UPDATE.  Sans-IO: the shell passes `now`.
 */
#ifndef DV_LEASENAME_H
#define DV_LEASENAME_H

#include "zones/zones.h"

enum {
	ZONE_LN_TTL_MAX = 3600,       /* cap of a lease name's TTL */
	ZONE_LN_LABEL = 63,
};

/* A zone lease names go into: its apex and, when it comes from a --zone
 * file, that file's content (its names are static; borrowed, must
 * outlive the next zone_lnames_set_zones). */
typedef struct zone_ln_zone {
	uint8_t lname[WIRE_MAXNAME];  /* apex, lowercased wire */
	const zone *file;
} zone_ln_zone;

typedef struct zone_lnames zone_lnames;

/* What an event did, for the shell's log. */
typedef struct zone_ln_result {
	int updates;                  /* UPDATEs applied */
	int rcode;                    /* of the first that failed, else 0 */
	char zone[WIRE_MAXNAME * 4];  /* the zone it was for */
} zone_ln_result;

/* An empty table; NULL when out of memory. */
zone_lnames *zone_lnames_new(void);
void zone_lnames_free(zone_lnames *t);
/* The zones: fwd (its apex is the domain) and the reverse zones.  A new
 * domain forgets the table (no name there is a lease's).  0 or -ENOMEM. */
int zone_lnames_set_zones(zone_lnames *t, const zone_ln_zone *fwd,
			  const zone_ln_zone *rev, size_t nrev);

/*
 * A lease named label now has addr (host order) for ttl seconds.
 * 0 applied; -EINVAL bad label; -ENOENT the forward zone is not served;
 * -EEXIST the name is static or reserved (nothing changed); -EIO an
 * update failed (r says which); -ENOMEM.
 */
int zone_lnames_add(zone_lnames *t, zone_db *db, const char *label,
		    uint32_t addr, uint32_t ttl, uint64_t now,
		    zone_ln_result *r);
/* The lease named label for addr ended.  0; -ENOENT: no lease holds the
 * name (or no zone); -EINVAL; -EIO. */
int zone_lnames_del(zone_lnames *t, zone_db *db, const char *label,
		    uint32_t addr, uint64_t now, zone_ln_result *r);
/* After the restored leases were added: names directly below the domain
 * that an earlier lease wrote (one A, PTR back, nothing static) and no
 * lease holds now are removed with their PTR; gone(arg, label) is
 * called for each.  Returns how many, or -ENOMEM. */
int zone_lnames_restored(zone_lnames *t, zone_db *db, uint64_t now,
			 void (*gone)(void *arg, const char *label),
			 void *arg, zone_ln_result *r);

/* The reverse zone for a DHCP range (host order; netmask 0: none):
 * in-addr.arpa on the octet boundary of the netmask (or, without one,
 * of what start and end share), never more octets than they share, at
 * most 3; a served zone above that name (below in-addr.arpa) is used
 * instead.  1 with the origin (trailing dot) in out, 0: too wide. */
int zone_lnames_rev_origin(const zone_db *db, uint32_t start, uint32_t end,
			   uint32_t netmask, char *out, size_t cap);

#endif
