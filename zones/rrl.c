/*
 * Response rate limiting, the design of NSD and Knot (after Vixie and
 * Schryver's RRL): responses are counted in token buckets keyed by
 * response class, source prefix and a name; a bucket refills at the rate
 * per second up to one second's worth.  A response over the rate is
 * dropped, except every slip-th one, which goes out short (truncated, so
 * a real client retries over TCP).
 *
 * The table is fixed: allocated once, no allocation per response.  A key
 * hashes to a group of RRL_WAYS buckets; a new key takes the least
 * recently used one (a full table forgets the quietest sources first).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "zones/zones.h"

enum {
	RRL_WAYS = 4,
	RRL_UNIT = 1000,       /* tokens per response (ms granularity) */
	RRL_DEFSIZE = 65536,
	RRL_MAXSIZE = 1 << 24,
	RRL_MAXEXEMPT = 64,
};

typedef struct rrl_bucket {
	uint64_t key;          /* 0: free */
	uint64_t last_ms;
	int64_t tokens;        /* in 1/RRL_UNIT responses */
	uint32_t limited;      /* responses over the rate (slip counter) */
} rrl_bucket;

typedef struct rrl_net {
	int af;
	int prefix;
	uint8_t addr[16];
} rrl_net;

struct zone_rrl {
	zone_rrl_opts o;
	rrl_bucket *tab;
	size_t mask;           /* size - 1 (size a power of 2, >= WAYS) */
	uint8_t hkey[16];      /* from o.seed */
	rrl_net exempt[RRL_MAXEXEMPT];
	int nexempt;
};

zone_rrl *zone_rrl_new(const zone_rrl_opts *o)
{
	zone_rrl *r;
	size_t size = RRL_WAYS;
	size_t want = o->size ? o->size : RRL_DEFSIZE;

	if (o->rate == 0 || want > RRL_MAXSIZE)
		return NULL;
	while (size < want)
		size <<= 1;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->o = *o;
	if (r->o.v4_prefix > 32)
		r->o.v4_prefix = 32;
	if (r->o.v6_prefix > 128)
		r->o.v6_prefix = 128;
	r->tab = calloc(size, sizeof(*r->tab));
	if (!r->tab) {
		free(r);
		return NULL;
	}
	r->mask = size - 1;
	for (int i = 0; i < 8; i++) {
		r->hkey[i] = (uint8_t)(o->seed >> (8 * i));
		r->hkey[8 + i] = (uint8_t)~r->hkey[i];
	}
	return r;
}

void zone_rrl_free(zone_rrl *r)
{
	if (!r)
		return;
	free(r->tab);
	free(r);
}

/* Copy addr with everything past prefix bits cleared. */
static void rrl_mask(const uint8_t *addr, size_t alen, int prefix,
		     uint8_t *out)
{
	for (size_t i = 0; i < alen; i++) {
		int bits = prefix - (int)i * 8;

		out[i] = bits >= 8 ? addr[i] : bits <= 0 ? 0 :
			 (uint8_t)(addr[i] & (0xff << (8 - bits)));
	}
}

int zone_rrl_exempt(zone_rrl *r, int af, const uint8_t *addr, int prefix)
{
	rrl_net *n;
	int max = af == 6 ? 128 : 32;

	if (r->nexempt >= RRL_MAXEXEMPT)
		return -ENOMEM;
	if (prefix < 0 || prefix > max || (af != 4 && af != 6))
		return -EINVAL;
	n = &r->exempt[r->nexempt++];
	n->af = af;
	n->prefix = prefix;
	rrl_mask(addr, af == 6 ? 16 : 4, prefix, n->addr);
	return 0;
}

static int rrl_exempted(const zone_rrl *r, int af, const uint8_t *addr)
{
	uint8_t m[16];

	for (int i = 0; i < r->nexempt; i++) {
		const rrl_net *n = &r->exempt[i];
		size_t alen = af == 6 ? 16 : 4;

		if (n->af != af)
			continue;
		rrl_mask(addr, alen, n->prefix, m);
		if (memcmp(m, n->addr, alen) == 0)
			return 1;
	}
	return 0;
}

/* The bucket key: class, masked source, name hash, mixed with the seed
 * (so nobody can aim collisions at a bucket), never 0. */
static uint64_t rrl_key(const zone_rrl *r, int af, const uint8_t *addr,
			uint8_t rclass, uint32_t rhash)
{
	uint8_t m[16 + 8];
	size_t alen = af == 6 ? 16 : 4;
	uint64_t h;

	rrl_mask(addr, alen, af == 6 ? r->o.v6_prefix : r->o.v4_prefix, m);
	wire_put32(m + alen, rhash);
	m[alen + 4] = rclass;
	m[alen + 5] = (uint8_t)af;
	m[alen + 6] = m[alen + 7] = 0;
	h = zone_siphash24(r->hkey, m, alen + 8);
	return h ? h : 1;
}

static rrl_bucket *rrl_find(zone_rrl *r, uint64_t key, uint64_t now_ms)
{
	rrl_bucket *g = &r->tab[(size_t)(key >> 32) & r->mask & ~(size_t)
				(RRL_WAYS - 1)];
	rrl_bucket *old = NULL;

	for (int i = 0; i < RRL_WAYS; i++)
		if (g[i].key == key)
			return &g[i];
	for (int i = 0; i < RRL_WAYS && (!old || old->key); i++)
		if (!old || !g[i].key || g[i].last_ms < old->last_ms)
			old = &g[i];
	old->key = key;
	old->last_ms = now_ms;
	old->tokens = (int64_t)r->o.rate * RRL_UNIT;
	old->limited = 0;
	return old;
}

zone_rrl_act zone_rrl_check(zone_rrl *r, int af, const uint8_t *addr,
			    uint8_t rclass, uint32_t rhash, uint64_t now_ms)
{
	rrl_bucket *b;
	int64_t cap = (int64_t)r->o.rate * RRL_UNIT;

	if ((af != 4 && af != 6) || (r->nexempt && rrl_exempted(r, af, addr)))
		return ZONE_RRL_SEND;
	b = rrl_find(r, rrl_key(r, af, addr, rclass, rhash), now_ms);
	if (now_ms > b->last_ms) {
		uint64_t el = now_ms - b->last_ms;

		b->tokens = el >= 1000 ? cap :
			    b->tokens + (int64_t)(el * r->o.rate);
		if (b->tokens > cap)
			b->tokens = cap;
		b->last_ms = now_ms;
	}
	if (b->tokens >= RRL_UNIT) {
		b->tokens -= RRL_UNIT;
		return ZONE_RRL_SEND;
	}
	b->limited++;
	if (r->o.slip && b->limited % r->o.slip == 0)
		return ZONE_RRL_SLIP;
	return ZONE_RRL_DROP;
}
