/*
 * Access control for UPDATE (RFC 3007) and zone transfers.
 *
 * Rules come from --allow-update / --allow-transfer: a zone plus either a
 * TSIG key name (optionally limited to some RR types for updates) or an
 * address prefix.  A key also carries rights by its name, the convention
 * robur's dnsvizor uses: "x._update.ZONE" may update ZONE and below,
 * "x._transfer.ZONE" may transfer ZONE (and zones below it).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "zones/maint_int.h"

struct zone_acl_rule {
	struct zone_acl_rule *next;
	int transfer;                 /* 0: update rule, 1: transfer rule */
	uint8_t zone[WIRE_MAXNAME];   /* lowercased apex */
	int has_key;
	uint8_t key[WIRE_MAXNAME];    /* lowercased key name */
	int af, prefix;
	uint8_t addr[16];
	size_t ntypes;
	uint16_t types[];             /* empty: every type */
};

void zone_acl_free(struct zone_acl_rule *r)
{
	while (r) {
		struct zone_acl_rule *next = r->next;
		free(r);
		r = next;
	}
}

static int acl_name(const char *s, uint8_t out[WIRE_MAXNAME])
{
	uint8_t n[WIRE_MAXNAME];
	if (!s || wire_name_from_str(s, n) < 0)
		return -EINVAL;
	wire_name_lower(out, n);
	return 0;
}

static int acl_add(zone_db *db, int transfer, const char *origin,
		   const char *keyname, int af, const uint8_t *addr,
		   int prefix, const uint16_t *types, size_t ntypes)
{
	struct zone_acl_rule *r;
	int maxp = af == 6 ? 128 : 32;

	if (!db || (!keyname && ((af != 4 && af != 6) || !addr ||
				 prefix < 0 || prefix > maxp)))
		return -EINVAL;
	r = calloc(1, sizeof(*r) + ntypes * sizeof(uint16_t));
	if (!r)
		return -ENOMEM;
	if (acl_name(origin, r->zone) < 0 ||
	    (keyname && acl_name(keyname, r->key) < 0)) {
		free(r);
		return -EINVAL;
	}
	r->transfer = transfer;
	r->has_key = keyname != NULL;
	if (!keyname) {
		r->af = af;
		r->prefix = prefix;
		memcpy(r->addr, addr, af == 6 ? 16 : 4);
	}
	r->ntypes = ntypes;
	if (ntypes)
		memcpy(r->types, types, ntypes * sizeof(uint16_t));
	r->next = db->acl;
	db->acl = r;
	return 0;
}

int zone_db_allow_update(zone_db *db, const char *zone_origin,
			 const char *keyname, int af, const uint8_t *addr,
			 int prefix, const uint16_t *types, size_t ntypes)
{
	return acl_add(db, 0, zone_origin, keyname, af, addr, prefix, types,
		       ntypes);
}

int zone_db_allow_transfer(zone_db *db, const char *zone_origin,
			   const char *keyname, int af, const uint8_t *addr,
			   int prefix)
{
	return acl_add(db, 1, zone_origin, keyname, af, addr, prefix, NULL, 0);
}

static int acl_prefix_match(const uint8_t *a, const uint8_t *b, int prefix)
{
	int full = prefix / 8, rest = prefix % 8;

	if (memcmp(a, b, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (a[full] & mask) == (b[full] & mask);
}

static int acl_who(const struct zone_acl_rule *r, const zone_tsig_key *key,
		   const zone_req *rq)
{
	if (r->has_key)
		return key && wire_name_equal(key->name, r->key);
	return rq && rq->af == r->af &&
	       acl_prefix_match(rq->addr, r->addr, r->prefix);
}

static int acl_type_ok(const struct zone_acl_rule *r, uint16_t type)
{
	if (r->ntypes == 0)
		return 1;
	for (size_t i = 0; i < r->ntypes; i++)
		if (r->types[i] == type)
			return 1;
	return 0;
}

/* For a key "x.<label>.N" (label "_update" or "_transfer"), the name N it
 * carries rights for; NULL if the key is not of that form. */
static const uint8_t *acl_key_scope(const uint8_t *k, const char *label)
{
	size_t ll = strlen(label);

	if (!k[0])
		return NULL;
	for (k += k[0] + 1; k[0]; k += k[0] + 1)
		if (k[0] == ll && memcmp(k + 1, label, ll) == 0)
			return k + ll + 1;
	return NULL;
}

int zone_acl_update_ok(const zone_db *db, const zone *z,
		       const zone_tsig_key *key, const zone_req *rq,
		       const uint8_t *owner, uint16_t type)
{
	const struct zone_acl_rule *r;
	const uint8_t *scope = key ? acl_key_scope(key->name, "_update") : NULL;

	/* owner NULL: may this requester update anything in z? */
	if (scope && (owner ? wire_name_is_sub(owner, scope) :
		      wire_name_is_sub(scope, z->origin) ||
		      wire_name_is_sub(z->origin, scope)))
		return 1;
	for (r = db->acl; r; r = r->next) {
		if (r->transfer || !wire_name_equal(r->zone, z->origin) ||
		    !acl_who(r, key, rq))
			continue;
		if (!owner || acl_type_ok(r, type))
			return 1;
	}
	return 0;
}

int zone_acl_transfer_ok(const zone_db *db, const zone *z,
			 const zone_tsig_key *key, const zone_req *rq)
{
	const struct zone_acl_rule *r;
	const uint8_t *scope = key ? acl_key_scope(key->name, "_transfer") :
			       NULL;

	if (scope && wire_name_is_sub(z->origin, scope))
		return 1;
	for (r = db->acl; r; r = r->next)
		if (r->transfer && wire_name_equal(r->zone, z->origin) &&
		    acl_who(r, key, rq))
			return 1;
	return 0;
}
