/*
 * NSEC lookups for authoritative answers (RFC 4035 3.1.3): the NSEC that
 * covers a name is the one whose owner is the name's canonical
 * predecessor (RFC 4034 6.1).  The hash table has no order, so the nodes
 * that own an NSEC RRset are sorted once per zone version into an index
 * (built on the first DO=1 answer that needs it, dropped by zone.c when
 * an NSEC RRset appears or goes) and searched by bisection: no zone scan
 * per query.
 */
#include <stdlib.h>

#include "zones/zone_int.h"

void zone_nsec_index_drop(zone *z)
{
	free(z->nsec_idx);
	z->nsec_idx = NULL;
	z->nsec_n = 0;
	z->nsec_built = 0;
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
	z->nsec_idx = malloc((z->nnodes ? z->nnodes : 1) *
			     sizeof(*z->nsec_idx));
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
