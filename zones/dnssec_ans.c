/*
 * NSEC lookups for authoritative answers (RFC 4035 3.1.3): the NSEC that
 * covers a name is the one whose owner is the name's canonical
 * predecessor (RFC 4034 6.1).  The hash table has no order, so the nodes
 * that own an NSEC RRset are sorted once into an index (built on the
 * first DO=1 answer or signed update that needs it, then kept current by
 * zone.c as NSEC RRsets appear and go) and searched by bisection: no
 * zone scan per query nor per update.
 *
 * NSEC3 (RFC 5155 7.2) the same way: the owners of the chain named by
 * the apex NSEC3PARAM are sorted by hash once per zone version, and a
 * query hashes the few names its proof needs and bisects.
 */
#include <stdlib.h>
#include <string.h>

#include "zones/zone_int.h"

/* Index edits per change (zone_int.h idx_edits): an UPDATE signed
 * incrementally makes about three per changed name (zones/update.c
 * signs up to 64 RRs so), a bulk change many more. */
enum { ZONE_IDX_EDITS_MAX = 256 };

void zone_nsec_index_drop(zone *z)
{
	free(z->nsec_idx);
	z->nsec_idx = NULL;
	z->nsec_n = 0;
	z->nsec_cap = 0;
	z->nsec_built = 0;
	free(z->n3_idx);
	z->n3_idx = NULL;
	z->n3_n = 0;
	z->n3_cap = 0;
	z->idx_edits = 0;
}

/* Index of the first entry of the NSEC index > lname (<= with le = 0). */
static size_t nsec_bisect(const zone *z, const uint8_t *lname, int le)
{
	size_t lo = 0, hi = z->nsec_n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = wire_name_cmp(z->nsec_idx[mid]->lname, lname);
		if (c < 0 || (le && c == 0))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static size_t n3_bisect(const zone *z, const uint8_t *h)
{
	size_t lo = 0, hi = z->n3_n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (memcmp(z->n3_idx[mid].hash, h, ZONE_N3_HASHLEN) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int n3_of_chain(const zone *z, const zone_rrset *rs);

/* The hash an NSEC3 owner n stands for: its first label decoded, when n
 * is directly below the apex.  0 or -1. */
static int n3_owner_hash(const zone *z, const zone_node *n, uint8_t *h)
{
	return n->lname[0] &&
	       wire_name_equal(n->lname + 1 + n->lname[0], z->origin) &&
	       zone_nsec3_b32hex(n->lname + 1, n->lname[0], h) == 0 ? 0 : -1;
}

/* 1 when a change edits the indexes so much that a rebuild is cheaper
 * (the indexes are then dropped). */
static int idx_bulk(zone *z)
{
	if (!z->nsec_built && !z->n3_idx)
		return 0;
	if (z->idx_serial != z->serial) {
		z->idx_serial = z->serial;
		z->idx_edits = 0;
	}
	if (++z->idx_edits <= ZONE_IDX_EDITS_MAX)
		return 0;
	zone_nsec_index_drop(z);
	return 1;
}

void zone_nsec_index_add(zone *z, zone_node *n, uint16_t type,
			 const uint8_t *rd, uint16_t rdlen)
{
	if (idx_bulk(z))
		return;
	if (type == DNS_T_NSEC && z->nsec_built) {
		size_t i = nsec_bisect(z, n->lname, 1);
		if (z->nsec_n == z->nsec_cap) {
			size_t cap = z->nsec_cap ? z->nsec_cap * 2 : 64;
			zone_node **v = realloc(z->nsec_idx, cap * sizeof(*v));
			if (!v) {
				zone_nsec_index_drop(z);
				return;
			}
			z->nsec_idx = v;
			z->nsec_cap = cap;
		}
		memmove(z->nsec_idx + i + 1, z->nsec_idx + i,
			(z->nsec_n - i) * sizeof(*z->nsec_idx));
		z->nsec_idx[i] = n;
		z->nsec_n++;
	} else if (type == DNS_T_NSEC3 && z->n3_idx) {
		zone_rrset one;
		uint8_t buf[2 + 300];
		zone_n3ent e;
		size_t i;

		/* an index without entries has no parameters: rebuild */
		if (!z->n3_n || rdlen > sizeof(buf) - 2) {
			zone_nsec_index_drop(z);
			return;
		}
		wire_put16(buf, rdlen);
		memcpy(buf + 2, rd, rdlen);
		memset(&one, 0, sizeof(one));
		one.data = buf;
		one.len = 2u + rdlen;
		one.count = 1;
		if (!n3_of_chain(z, &one) || n3_owner_hash(z, n, e.hash) < 0)
			return;         /* not of the chain: not indexed */
		e.node = n;
		if (z->n3_n == z->n3_cap) {
			size_t cap = z->n3_cap * 2;
			zone_n3ent *v = realloc(z->n3_idx, cap * sizeof(*v));
			if (!v) {
				zone_nsec_index_drop(z);
				return;
			}
			z->n3_idx = v;
			z->n3_cap = cap;
		}
		i = n3_bisect(z, e.hash);
		memmove(z->n3_idx + i + 1, z->n3_idx + i,
			(z->n3_n - i) * sizeof(*z->n3_idx));
		z->n3_idx[i] = e;
		z->n3_n++;
	}
}

void zone_nsec_index_del(zone *z, const zone_node *n, uint16_t type)
{
	size_t i;

	if (idx_bulk(z))
		return;
	if (type == DNS_T_NSEC && z->nsec_built) {
		i = nsec_bisect(z, n->lname, 0);
		if (i < z->nsec_n && z->nsec_idx[i] == n) {
			memmove(z->nsec_idx + i, z->nsec_idx + i + 1,
				(z->nsec_n - i - 1) * sizeof(*z->nsec_idx));
			z->nsec_n--;
		}
	} else if (type == DNS_T_NSEC3 && z->n3_idx && z->n3_n) {
		uint8_t h[ZONE_N3_HASHLEN];
		if (n3_owner_hash(z, n, h) < 0)
			return;
		i = n3_bisect(z, h);
		if (i < z->n3_n && z->n3_idx[i].node == n) {
			memmove(z->n3_idx + i, z->n3_idx + i + 1,
				(z->n3_n - i - 1) * sizeof(*z->n3_idx));
			z->n3_n--;
		}
	}
}

static int nsec_collect(void *arg, zone_node *n)
{
	zone *z = arg;

	if (zone_node_rrset(n, DNS_T_NSEC))
		z->nsec_idx[z->nsec_n++] = n;
	return 0;
}

static int nsec_cmp(const void *a, const void *b)
{
	const zone_node *x = *(const zone_node *const *)a;
	const zone_node *y = *(const zone_node *const *)b;

	return wire_name_cmp(x->lname, y->lname);
}

static int nsec_build(zone *z)
{
	z->nsec_n = 0;
	z->nsec_cap = z->nnodes ? z->nnodes : 1;
	z->nsec_idx = malloc(z->nsec_cap * sizeof(*z->nsec_idx));
	if (!z->nsec_idx)
		return -1;
	zone_foreach_node(z, nsec_collect, z);
	qsort(z->nsec_idx, z->nsec_n, sizeof(*z->nsec_idx), nsec_cmp);
	z->nsec_built = 1;
	return 0;
}

const zone_node *zone_nsec_cover(const zone *zc, const uint8_t *lname)
{
	/* the index is a cache of zc's contents: building it does not
	 * change what the zone holds (one thread answers) */
	zone *z = (zone *)(uintptr_t)zc;
	size_t lo = 0, hi;

	if (!z->nsec_built && nsec_build(z) < 0)
		return NULL;
	if (!z->nsec_n)
		return NULL;
	hi = z->nsec_n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (wire_name_cmp(z->nsec_idx[mid]->lname, lname) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* before the first owner: the last NSEC wraps around to the apex */
	return z->nsec_idx[lo ? lo - 1 : z->nsec_n - 1];
}

const zone_node *zone_nsec_before(const zone *zc, const uint8_t *lname)
{
	zone *z = (zone *)(uintptr_t)zc;    /* a cache, as above */
	size_t i;

	if (!z->nsec_built && nsec_build(z) < 0)
		return NULL;
	if (!z->nsec_n)
		return NULL;
	i = nsec_bisect(z, lname, 0);
	return z->nsec_idx[i ? i - 1 : z->nsec_n - 1];
}

const zone_node *zone_nsec_after(const zone *zc, const uint8_t *lname)
{
	zone *z = (zone *)(uintptr_t)zc;
	size_t i;

	if (!z->nsec_built && nsec_build(z) < 0)
		return NULL;
	if (!z->nsec_n)
		return NULL;
	i = nsec_bisect(z, lname, 1);
	return z->nsec_idx[i < z->nsec_n ? i : 0];
}

/* ---- NSEC3 ---- */

/* The chain's parameters from the apex NSEC3PARAM (RFC 5155 4): hash
 * algorithm 1; the flags are not looked at (some signers copy Opt-Out
 * there).  0, or -1 when there is none. */
static int n3_params(zone *z)
{
	const zone_rrset *rs = zone_node_rrset(z->apex, DNS_T_NSEC3PARAM);
	const uint8_t *p, *end;

	if (!rs)
		return -1;
	for (p = rs->data, end = p + rs->len; p < end;
	     p += 2 + (size_t)wire_get16(p)) {
		uint16_t l = wire_get16(p);
		const uint8_t *r = p + 2;

		if (l < 5 || r[0] != 1 || 5u + r[4] > l)
			continue;
		z->n3_iter = wire_get16(r + 2);
		z->n3_saltlen = r[4];
		memcpy(z->n3_salt, r + 5, r[4]);
		return 0;
	}
	return -1;
}

/* An NSEC3 RRset of the zone's chain: some record with its parameters. */
static int n3_of_chain(const zone *z, const zone_rrset *rs)
{
	const uint8_t *p, *end;

	for (p = rs->data, end = p + rs->len; p < end;
	     p += 2 + (size_t)wire_get16(p)) {
		uint16_t l = wire_get16(p);
		const uint8_t *r = p + 2;

		if (l >= 5 && r[0] == 1 && wire_get16(r + 2) == z->n3_iter &&
		    r[4] == z->n3_saltlen && 5u + r[4] <= l &&
		    memcmp(r + 5, z->n3_salt, r[4]) == 0)
			return 1;
	}
	return 0;
}

static int n3_collect(void *arg, zone_node *n)
{
	zone *z = arg;
	const zone_rrset *rs = zone_node_rrset(n, DNS_T_NSEC3);
	zone_n3ent *e = &z->n3_idx[z->n3_n];

	/* owner = base32hex(hash) directly below the apex (RFC 5155 3) */
	if (rs && n->lname[0] && n3_of_chain(z, rs) &&
	    wire_name_equal(n->lname + 1 + n->lname[0], z->origin) &&
	    zone_nsec3_b32hex(n->lname + 1, n->lname[0], e->hash) == 0) {
		e->node = n;
		z->n3_n++;
	}
	return 0;
}

static int n3_cmp(const void *a, const void *b)
{
	return memcmp(((const zone_n3ent *)a)->hash,
		      ((const zone_n3ent *)b)->hash, ZONE_N3_HASHLEN);
}

static int n3_build(zone *z)
{
	/* a zone without NSEC3PARAM (unsigned, NSEC) keeps an empty index:
	 * one entry, not one per node */
	int on = n3_params(z) == 0;
	size_t cap = on && z->nnodes ? z->nnodes : 1;
	zone_n3ent *shrunk;

	z->n3_n = 0;
	if (!(z->n3_idx = malloc(cap * sizeof(*z->n3_idx))))
		return -1;
	if (on)
		zone_foreach_node(z, n3_collect, z);
	qsort(z->n3_idx, z->n3_n, sizeof(*z->n3_idx), n3_cmp);
	z->n3_cap = cap;
	if (z->n3_n && z->n3_n < cap &&
	    (shrunk = realloc(z->n3_idx, z->n3_n * sizeof(*shrunk))) != NULL) {
		z->n3_idx = shrunk;
		z->n3_cap = z->n3_n;
	}
	return 0;
}

int zone_nsec3_on(const zone *zc)
{
	/* a cache of zc's contents, as the NSEC index */
	zone *z = (zone *)(uintptr_t)zc;

	if (!z->n3_idx && (z->is_local || n3_build(z) < 0))
		return 0;
	return z->n3_n > 0;
}

const zone_node *zone_nsec3_find(const zone *z, const uint8_t *lname,
				 int *exact)
{
	uint8_t h[ZONE_N3_HASHLEN];
	size_t lo = 0, hi = z->n3_n;

	zone_nsec3_hash(z->n3_salt, z->n3_saltlen, z->n3_iter, lname, h);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (memcmp(z->n3_idx[mid].hash, h, sizeof(h)) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	lo = lo ? lo - 1 : z->n3_n - 1;
	*exact = memcmp(z->n3_idx[lo].hash, h, sizeof(h)) == 0;
	return z->n3_idx[lo].node;
}

const zone_node *zone_nsec3_before(const zone *z, const uint8_t *h)
{
	size_t i;

	if (!zone_nsec3_on(z))
		return NULL;
	i = n3_bisect(z, h);
	return z->n3_idx[i ? i - 1 : z->n3_n - 1].node;
}
