/*
 * The zone store: a hash table of nodes keyed by the lowercased wire name,
 * each node holding a list of RRsets in uncompressed wire form.
 *
 * Memory layout (one zone may hold millions of names):
 *  - a node and its two names live in one allocation; when the name as
 *    written is already lowercase, name and lname share the bytes.
 *  - an RRset is allocated together with the rdata of its first RR
 *    ("inline" data, exactly full).  When a second distinct RR arrives the
 *    data moves to its own heap block, whose capacity is always the next
 *    power of two >= max(len, RRSET_MINCAP); so no capacity field is needed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "zones/zone_int.h"

enum { RRSET_MINCAP = 32, ZONE_MINBUCKETS = 64 };

uint32_t zone_name_hash(const uint8_t *lname, size_t len)
{
	uint32_t h = 2166136261u;           /* FNV-1a */
	for (size_t i = 0; i < len; i++) {
		h ^= lname[i];
		h *= 16777619u;
	}
	return h ^ (h >> 15);
}

static size_t zone_bucket(const zone *z, uint32_t hash)
{
	return hash & (z->nbuckets - 1);
}

/* Byte compare that stops at the first difference: two valid wire names
 * differ no later than the end of the shorter one, so no over-read. */
static int zone_lname_eq(const uint8_t *a, const uint8_t *b, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

static zone_node *zone_node_lookup(const zone *z, const uint8_t *lname,
				   size_t len, uint32_t hash)
{
	zone_node *n = z->buckets[zone_bucket(z, hash)];
	for (; n; n = n->hnext)
		if (n->hash == hash && zone_lname_eq(n->lname, lname, len))
			return n;
	return NULL;
}

zone_node *zone_node_find(const zone *z, const uint8_t *lname)
{
	size_t len = wire_name_len(lname);
	return zone_node_lookup(z, lname, len, zone_name_hash(lname, len));
}

zone_rrset *zone_node_rrset(const zone_node *n, uint16_t type)
{
	zone_rrset *rs = n->rrsets;
	while (rs && rs->type != type)
		rs = rs->next;
	return rs;
}

zone_rrset *zone_node_rrsig(const zone_node *n, uint16_t covered)
{
	zone_rrset *rs = n->rrsets;
	while (rs && (rs->type != DNS_T_RRSIG || rs->covered != covered))
		rs = rs->next;
	return rs;
}

uint16_t zone_rr_covered(uint16_t type, const uint8_t *rdata,
			 uint16_t rdlen)
{
	return type == DNS_T_RRSIG && rdlen >= 2 ? wire_get16(rdata) : 0;
}

zone_rrset *zone_node_rrset_rd(const zone_node *n, uint16_t type,
			       const uint8_t *rdata, uint16_t rdlen)
{
	if (type == DNS_T_RRSIG)
		return zone_node_rrsig(n, zone_rr_covered(type, rdata, rdlen));
	return zone_node_rrset(n, type);
}

const zone_rrset *zone_find_rrset(const zone *z, const uint8_t *lname,
				  uint16_t type)
{
	const zone_node *n = zone_node_find(z, lname);
	return n ? zone_node_rrset(n, type) : NULL;
}

int zone_name_types(const zone *z, const uint8_t *lname, uint16_t *types,
		    int max)
{
	const zone_node *n = z ? zone_node_find(z, lname) : NULL;
	int cnt = 0;

	for (const zone_rrset *rs = n ? n->rrsets : NULL; rs; rs = rs->next) {
		/* RRSIG once, however many types it covers */
		if (rs->type == DNS_T_RRSIG && zone_node_rrset(n, DNS_T_RRSIG)
		    != rs)
			continue;
		if (cnt < max)
			types[cnt] = rs->type;
		cnt++;
	}
	return cnt;
}

/* Double the bucket array; nodes keep their stored hash. */
static int zone_grow(zone *z)
{
	size_t nb = z->nbuckets * 2;
	zone_node **b = calloc(nb, sizeof(*b));
	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < z->nbuckets; i++) {
		zone_node *n = z->buckets[i], *next;
		for (; n; n = next) {
			next = n->hnext;
			n->hnext = b[n->hash & (nb - 1)];
			b[n->hash & (nb - 1)] = n;
		}
	}
	free(z->buckets);
	z->buckets = b;
	z->nbuckets = nb;
	return 0;
}

/* Allocate a node (names in the same block) and link it into the table. */
static zone_node *zone_node_new(zone *z, const uint8_t *name,
				const uint8_t *lname, size_t len,
				uint32_t hash)
{
	int same = memcmp(name, lname, len) == 0;
	zone_node *n;

	if (z->nnodes >= z->nbuckets && zone_grow(z) < 0)
		return NULL;
	n = malloc(sizeof(*n) + (same ? len : 2 * len));
	if (!n)
		return NULL;
	n->lname = (uint8_t *)(n + 1);
	memcpy(n->lname, lname, len);
	n->name = n->lname;
	if (!same) {
		n->name = n->lname + len;
		memcpy(n->name, name, len);
	}
	n->hash = hash;
	n->flags = 0;
	n->nchild = 0;
	n->rrsets = NULL;
	n->hnext = z->buckets[zone_bucket(z, hash)];
	z->buckets[zone_bucket(z, hash)] = n;
	z->nnodes++;
	return n;
}

static int zone_is_wild(const uint8_t *name)
{
	return name[0] == 1 && name[1] == '*';
}

/*
 * Make sure the ancestors of a freshly created node exist and carry the
 * child flags.  Stops at the first ancestor that already existed (its own
 * ancestors are in place) or at the origin.
 */
static int zone_link_parents(zone *z, const uint8_t *name,
			     const uint8_t *lname)
{
	int labels = wire_name_labels(lname);

	while (labels > z->origin_labels) {
		int wild = zone_is_wild(lname);
		size_t skip = (size_t)lname[0] + 1, len;
		uint32_t hash;
		zone_node *p;

		name += skip;
		lname += skip;
		labels--;
		len = wire_name_len(lname);
		hash = zone_name_hash(lname, len);
		p = zone_node_lookup(z, lname, len, hash);
		int existed = p != NULL;
		if (!p && !(p = zone_node_new(z, name, lname, len, hash)))
			return -ENOMEM;
		p->flags |= ZN_HASCHILD | (wild ? ZN_WILDCHILD : 0);
		p->nchild++;
		if (existed)
			return 0;
	}
	return 0;
}

zone_node *zone_node_get(zone *z, const uint8_t *name)
{
	uint8_t lname[WIRE_MAXNAME];
	size_t len = wire_name_lower(lname, name);
	uint32_t hash = zone_name_hash(lname, len);
	zone_node *n = zone_node_lookup(z, lname, len, hash);

	if (n)
		return n;
	if (z->origin_labels && !wire_name_is_sub(lname, z->origin))
		return NULL;
	n = zone_node_new(z, name, lname, len, hash);
	if (!n || zone_link_parents(z, name, lname) < 0)
		return NULL;
	return n;
}

static uint32_t zone_cap(uint32_t len)
{
	uint32_t cap = RRSET_MINCAP;
	while (cap < len)
		cap *= 2;
	return cap;
}

/* Offset of the RR equal to this rdata in canonical form (RFC 4034 6.2:
 * names in the rdata compare case-insensitively) in the RRset's data,
 * or -1.  So one RR spelled twice is one member, the first spelling. */
static long zone_rrset_find(const zone_rrset *rs, const uint8_t *rdata,
			    uint16_t rdlen)
{
	uint32_t off = 0;
	while (off < rs->len) {
		uint16_t l = wire_get16(rs->data + off);
		if (wire_rdata_equal(rs->type, rs->data + off + 2, l, rdata,
				     rdlen))
			return (long)off;
		off += 2u + l;
	}
	return -1;
}

/* Append one RR to an RRset; moves inline data to the heap first. */
static int zone_rrset_append(zone_rrset *rs, const uint8_t *rdata,
			     uint16_t rdlen)
{
	uint32_t need = rs->len + 2u + rdlen;
	uint8_t *d = rs->data;

	if (rs->count == UINT16_MAX)
		return -EINVAL;
	if (d == (uint8_t *)(rs + 1)) {
		d = malloc(zone_cap(need));
		if (!d)
			return -ENOMEM;
		memcpy(d, rs->data, rs->len);
	} else if (need > zone_cap(rs->len)) {
		d = realloc(d, zone_cap(need));
		if (!d)
			return -ENOMEM;
	}
	rs->data = d;
	wire_put16(d + rs->len, rdlen);
	memcpy(d + rs->len + 2, rdata, rdlen);
	rs->len = need;
	rs->count++;
	return 0;
}

static zone_rrset *zone_rrset_new(uint16_t type, uint32_t ttl,
				  const uint8_t *rdata, uint16_t rdlen)
{
	zone_rrset *rs = malloc(sizeof(*rs) + 2u + rdlen);
	if (!rs)
		return NULL;
	rs->next = NULL;
	rs->type = type;
	rs->covered = zone_rr_covered(type, rdata, rdlen);
	rs->count = 1;
	rs->ttl = ttl;
	rs->len = 2u + rdlen;
	rs->data = (uint8_t *)(rs + 1);
	wire_put16(rs->data, rdlen);
	memcpy(rs->data + 2, rdata, rdlen);
	return rs;
}

static void zone_node_set_flags(zone *z, zone_node *n, uint16_t type)
{
	if (type == DNS_T_CNAME)
		n->flags |= ZN_CNAME;
	else if (type == DNS_T_DNAME)
		n->flags |= ZN_DNAME;
	else if (type == DNS_T_NS && n != z->apex)
		n->flags |= ZN_DELEG;
}

int zone_node_add_rr(zone *z, zone_node *n, uint16_t type, uint32_t ttl,
		     const uint8_t *rdata, uint16_t rdlen)
{
	zone_rrset *rs = zone_node_rrset_rd(n, type, rdata, rdlen);
	int r;

	if (type == DNS_T_NSEC3PARAM)
		zone_nsec_index_drop(z);        /* the NSEC3 parameters */
	if (!rs) {
		if (!(rs = zone_rrset_new(type, ttl, rdata, rdlen)))
			return -ENOMEM;
		rs->next = n->rrsets;
		n->rrsets = rs;
		if (type == DNS_T_NSEC || type == DNS_T_NSEC3)
			zone_nsec_index_add(z, n, type, rdata, rdlen);
		zone_node_set_flags(z, n, type);
		z->nrr++;
		return 0;
	}
	if (ttl < rs->ttl)
		rs->ttl = ttl;
	if (zone_rrset_find(rs, rdata, rdlen) >= 0)
		return 0;
	if (type == DNS_T_NSEC3)
		zone_nsec_index_drop(z);  /* its chain membership may change */
	if ((r = zone_rrset_append(rs, rdata, rdlen)) < 0)
		return r;
	z->nrr++;
	return 0;
}

zone *zone_alloc(const uint8_t *origin, int is_local)
{
	zone *z = calloc(1, sizeof(*z));
	if (!z)
		return NULL;
	z->refs = 1;
	z->is_local = is_local;
	wire_name_lower(z->origin, origin);
	z->origin_labels = wire_name_labels(z->origin);
	z->nbuckets = ZONE_MINBUCKETS;
	z->buckets = calloc(z->nbuckets, sizeof(*z->buckets));
	if (z->buckets) {
		size_t len = wire_name_len(origin);
		z->apex = zone_node_new(z, origin, z->origin, len,
					zone_name_hash(z->origin, len));
	}
	if (!z->apex) {
		zone_free_all(z);
		return NULL;
	}
	return z;
}

static void zone_node_free(zone_node *n)
{
	zone_rrset *rs = n->rrsets, *next;
	for (; rs; rs = next) {
		next = rs->next;
		if (rs->data != (uint8_t *)(rs + 1))
			free(rs->data);
		free(rs);
	}
	free(n);
}

void zone_free_all(zone *z)
{
	if (!z)
		return;
	for (size_t i = 0; z->buckets && i < z->nbuckets; i++) {
		zone_node *n = z->buckets[i], *next;
		for (; n; n = next) {
			next = n->hnext;
			zone_node_free(n);
		}
	}
	free(z->buckets);
	zone_hist_free(z);
	zone_nsec_index_drop(z);
	free(z);
}

void zone_ref(zone *z)
{
	z->refs++;
}

void zone_unref(zone *z)
{
	if (z && --z->refs <= 0)
		zone_free_all(z);
}

const uint8_t *zone_origin(const zone *z)
{
	return z->origin;
}

uint32_t zone_serial(const zone *z)
{
	return z->serial;
}

size_t zone_rr_count(const zone *z)
{
	return z->nrr;
}

zone *zone_local_new(void)
{
	static const uint8_t root[1] = { 0 };
	return zone_alloc(root, 1);
}

/* ---- mutation ---- */

static void zone_node_clear_flags(zone *z, zone_node *n, uint16_t type)
{
	if (type == DNS_T_CNAME)
		n->flags &= ~(uint32_t)ZN_CNAME;
	else if (type == DNS_T_DNAME)
		n->flags &= ~(uint32_t)ZN_DNAME;
	else if (type == DNS_T_NS && n != z->apex)
		n->flags &= ~(uint32_t)ZN_DELEG;
}

static void zone_rrset_free(zone_rrset *rs)
{
	if (rs->data != (uint8_t *)(rs + 1))
		free(rs->data);
	free(rs);
}

/* Unlink and free the RRset of a type (it must exist). */
static void zone_node_unlink_rrset(zone *z, zone_node *n, zone_rrset *rs)
{
	zone_rrset **pp = &n->rrsets;
	while (*pp != rs)
		pp = &(*pp)->next;
	*pp = rs->next;
	if (rs->type == DNS_T_NSEC || rs->type == DNS_T_NSEC3)
		zone_nsec_index_del(z, n, rs->type);
	else if (rs->type == DNS_T_NSEC3PARAM)
		zone_nsec_index_drop(z);
	zone_node_clear_flags(z, n, rs->type);
	zone_rrset_free(rs);
}

int zone_node_del_rr(zone *z, zone_node *n, uint16_t type,
		     const uint8_t *rdata, uint16_t rdlen)
{
	zone_rrset *rs = zone_node_rrset_rd(n, type, rdata, rdlen);
	long off = rs ? zone_rrset_find(rs, rdata, rdlen) : -1;
	uint32_t rrlen = 2u + rdlen;

	if (off < 0)
		return 0;
	if (type == DNS_T_NSEC3PARAM || (type == DNS_T_NSEC3 && rs->count > 1))
		zone_nsec_index_drop(z);
	memmove(rs->data + off, rs->data + off + rrlen,
		rs->len - (uint32_t)off - rrlen);
	rs->len -= rrlen;
	rs->count--;
	z->nrr--;
	if (rs->count == 0) {
		zone_node_unlink_rrset(z, n, rs);
		zone_node_prune(z, n);
	}
	return 1;
}

int zone_node_del_rrset(zone *z, zone_node *n, uint16_t type)
{
	zone_rrset *rs;
	int count = 0;

	/* RRSIG: every covered type's RRset (RFC 2136 2.5.2 deletes the
	 * RRset of a type, and all RRSIGs of a name are of one type) */
	while ((rs = zone_node_rrset(n, type)) != NULL) {
		count += rs->count;
		z->nrr -= rs->count;
		zone_node_unlink_rrset(z, n, rs);
	}
	if (count)
		zone_node_prune(z, n);
	return count;
}

/* Remove n from its hash chain (n must be in the table). */
static void zone_node_unhash(zone *z, zone_node *n)
{
	zone_node **pp = &z->buckets[zone_bucket(z, n->hash)];
	while (*pp != n)
		pp = &(*pp)->hnext;
	*pp = n->hnext;
	z->nnodes--;
}

void zone_node_prune(zone *z, zone_node *n)
{
	while (n && n != z->apex && !n->rrsets && n->nchild == 0) {
		const uint8_t *plname = n->lname + n->lname[0] + 1;
		zone_node *p = zone_node_find(z, plname);
		int wild = zone_is_wild(n->lname);

		zone_node_unhash(z, n);
		free(n);
		if (!p)
			return;
		if (--p->nchild == 0)
			p->flags &= ~(uint32_t)ZN_HASCHILD;
		if (wild)
			p->flags &= ~(uint32_t)ZN_WILDCHILD;
		n = p;
	}
}

/* Offset of the serial field in SOA rdata, or 0 if malformed. */
static size_t zone_soa_serial_off(const uint8_t *rd, size_t len)
{
	size_t pos = 0;
	for (int i = 0; i < 2; i++) {
		while (pos < len && rd[pos] != 0 && rd[pos] < 64)
			pos += (size_t)rd[pos] + 1;
		if (pos >= len || rd[pos] != 0)
			return 0;
		pos++;
	}
	return pos + 20 == len ? pos : 0;
}

void zone_refresh_soa(zone *z)
{
	const zone_rrset *soa = zone_node_rrset(z->apex, DNS_T_SOA);
	size_t len, off;
	uint32_t min;

	if (!soa || soa->count < 1)
		return;
	len = wire_get16(soa->data);
	off = zone_soa_serial_off(soa->data + 2, len);
	if (!off)
		return;
	z->serial = wire_get32(soa->data + 2 + off);
	min = wire_get32(soa->data + 2 + off + 16);
	z->neg_ttl = soa->ttl < min ? soa->ttl : min;
}

int zone_set_serial(zone *z, uint32_t serial)
{
	zone_rrset *soa = zone_node_rrset(z->apex, DNS_T_SOA);
	size_t off;

	if (!soa || soa->count < 1)
		return -ENOENT;
	off = zone_soa_serial_off(soa->data + 2, wire_get16(soa->data));
	if (!off)
		return -EINVAL;
	wire_put32(soa->data + 2 + off, serial);
	z->serial = serial;
	return 0;
}

int zone_foreach_node(const zone *z, int (*fn)(void *arg, zone_node *n),
		      void *arg)
{
	for (size_t i = 0; i < z->nbuckets; i++) {
		zone_node *n = z->buckets[i], *next;
		for (; n; n = next) {
			int r;
			next = n->hnext;
			if ((r = fn(arg, n)) != 0)
				return r;
		}
	}
	return 0;
}

typedef struct zone_names_arg {
	int (*fn)(void *arg, const uint8_t *lname);
	void *arg;
} zone_names_arg;

static int zone_names_node(void *arg, zone_node *n)
{
	zone_names_arg *a = arg;

	return n->rrsets ? a->fn(a->arg, n->lname) : 0;
}

int zone_foreach_name(const zone *z,
		      int (*fn)(void *arg, const uint8_t *lname), void *arg)
{
	zone_names_arg a = { fn, arg };

	return z ? zone_foreach_node(z, zone_names_node, &a) : 0;
}

/* Copy of an RRset with its data inline (exactly full). */
static zone_rrset *zone_rrset_dup(const zone_rrset *src)
{
	zone_rrset *rs = malloc(sizeof(*rs) + src->len);
	if (!rs)
		return NULL;
	*rs = *src;
	rs->next = NULL;
	rs->data = (uint8_t *)(rs + 1);
	memcpy(rs->data, src->data, src->len);
	return rs;
}

static int zone_clone_node(void *arg, zone_node *src)
{
	zone *z = arg;
	zone_node *n = zone_node_get(z, src->name);
	const zone_rrset *rs;

	if (!n)
		return -ENOMEM;
	for (rs = src->rrsets; rs; rs = rs->next) {
		zone_rrset *c = zone_rrset_dup(rs);
		if (!c)
			return -ENOMEM;
		c->next = n->rrsets;
		n->rrsets = c;
		zone_node_set_flags(z, n, c->type);
		z->nrr += c->count;
	}
	return 0;
}

zone *zone_clone(const zone *z)
{
	zone *c = zone_alloc(z->apex->name, z->is_local);

	if (!c)
		return NULL;
	if (zone_foreach_node(z, zone_clone_node, c) != 0) {
		zone_free_all(c);
		return NULL;
	}
	c->serial = z->serial;
	c->neg_ttl = z->neg_ttl;
	c->expired = z->expired;
	c->secondary = z->secondary;
	return c;
}
