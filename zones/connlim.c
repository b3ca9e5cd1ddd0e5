/*
 * Stream connection limits: per-address counts and the choice of the
 * connection to close (zones.h, zone_cl_*).
 *
 * A chained hash of client addresses keyed with a seed from the shell, so
 * that chosen addresses cannot pile up in one chain.  IPv6 addresses count
 * whole, not by /64: the hosts of a LAN share one /64, and a TCP peer
 * cannot spoof its address.  An entry exists while its address has a
 * connection; it holds the count and that address's connections in LRU
 * order.  Picking the busiest address scans the entries; that happens
 * only when every connection slot is taken, and there are at most as many
 * entries as connections.
 */
#include <stdlib.h>
#include <string.h>

#include "zones/zones.h"

enum { CL_MINBUCKETS = 64 };

typedef struct zone_cl_addr {
	struct zone_cl_addr *chain;   /* next in the hash bucket */
	uint8_t key[17];              /* af, then the address */
	int count;
	zone_cl_link *head, *tail;    /* least recently active first */
} zone_cl_addr;

struct zone_cl {
	uint64_t seed;
	zone_cl_addr **b;
	size_t nb;                    /* buckets, a power of 2 */
	size_t naddr;                 /* entries */
	int total;                    /* connections */
};

static void cl_key(uint8_t key[17], int af, const uint8_t *addr)
{
	memset(key, 0, 17);
	key[0] = (uint8_t)af;
	memcpy(key + 1, addr, af == 4 ? 4 : 16);
}

static size_t cl_hash(const zone_cl *t, const uint8_t key[17])
{
	uint64_t h = t->seed ^ 0x9e3779b97f4a7c15ULL;
	size_t i;

	for (i = 0; i < 17; i++) {
		h ^= key[i];
		h *= 0x100000001b3ULL;
		h ^= h >> 29;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (size_t)h & (t->nb - 1);
}

static zone_cl_addr *cl_find(const zone_cl *t, const uint8_t key[17])
{
	zone_cl_addr *e = t->b[cl_hash(t, key)];

	while (e && memcmp(e->key, key, 17) != 0)
		e = e->chain;
	return e;
}

zone_cl *zone_cl_new(uint64_t seed)
{
	zone_cl *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->seed = seed;
	t->nb = CL_MINBUCKETS;
	t->b = calloc(t->nb, sizeof(*t->b));
	if (!t->b) {
		free(t);
		return NULL;
	}
	return t;
}

void zone_cl_free(zone_cl *t)
{
	size_t i;
	zone_cl_addr *e, *n;

	if (!t)
		return;
	for (i = 0; i < t->nb; i++)
		for (e = t->b[i]; e; e = n) {
			n = e->chain;
			free(e);
		}
	free(t->b);
	free(t);
}

/* Twice the buckets when there are more entries than buckets (a failed
 * allocation keeps the longer chains). */
static void cl_grow(zone_cl *t)
{
	size_t i, nb = t->nb * 2;
	zone_cl_addr **old = t->b, *e, *n;
	zone_cl_addr **b;

	if (t->naddr <= t->nb || !(b = calloc(nb, sizeof(*b))))
		return;
	t->b = b;
	t->nb = nb;
	for (i = 0; i < nb / 2; i++)
		for (e = old[i]; e; e = n) {
			size_t h = cl_hash(t, e->key);

			n = e->chain;
			e->chain = b[h];
			b[h] = e;
		}
	free(old);
}

static zone_cl_addr *cl_busiest(const zone_cl *t, const zone_cl_addr *self)
{
	zone_cl_addr *best = NULL, *e;
	size_t i;

	for (i = 0; i < t->nb; i++)
		for (e = t->b[i]; e; e = e->chain)
			if (!best || e->count > best->count)
				best = e;
	/* on a tie the newcomer's own connection goes */
	if (self && best && self->count == best->count)
		return (zone_cl_addr *)self;
	return best;
}

zone_cl_link *zone_cl_victim(const zone_cl *t, int af, const uint8_t *addr,
			     int max_total, int max_per_addr, int *why)
{
	uint8_t key[17];
	const zone_cl_addr *self;
	zone_cl_addr *big;

	cl_key(key, af, addr);
	self = cl_find(t, key);
	*why = ZONE_CL_ROOM;
	if (self && self->count >= (max_per_addr > 0 ? max_per_addr : 1)) {
		*why = ZONE_CL_PER_ADDR;
		return self->head;
	}
	if (t->total < (max_total > 0 ? max_total : 1))
		return NULL;
	/* The busiest holds at least total / naddr, its fair share. */
	big = cl_busiest(t, self);
	if (!big)
		return NULL;
	*why = ZONE_CL_FULL;
	return big->head;
}

zone_cl_link *zone_cl_busiest(const zone_cl *t)
{
	zone_cl_addr *big = cl_busiest(t, NULL);

	return big ? big->head : NULL;
}

static void cl_unlink(zone_cl_addr *e, zone_cl_link *l)
{
	if (l->prev)
		l->prev->next = l->next;
	else
		e->head = l->next;
	if (l->next)
		l->next->prev = l->prev;
	else
		e->tail = l->prev;
	l->prev = l->next = NULL;
}

static void cl_append(zone_cl_addr *e, zone_cl_link *l)
{
	l->prev = e->tail;
	l->next = NULL;
	if (e->tail)
		e->tail->next = l;
	else
		e->head = l;
	e->tail = l;
}

int zone_cl_add(zone_cl *t, zone_cl_link *l, int af, const uint8_t *addr)
{
	uint8_t key[17];
	zone_cl_addr *e;

	cl_key(key, af, addr);
	e = cl_find(t, key);
	if (!e) {
		size_t h;

		if (!(e = calloc(1, sizeof(*e))))
			return -1;
		memcpy(e->key, key, sizeof(key));
		h = cl_hash(t, key);
		e->chain = t->b[h];
		t->b[h] = e;
		t->naddr++;
		cl_grow(t);
	}
	l->owner = e;
	cl_append(e, l);
	e->count++;
	t->total++;
	return 0;
}

void zone_cl_touch(zone_cl_link *l)
{
	zone_cl_addr *e = l->owner;

	if (!e || e->tail == l)
		return;
	cl_unlink(e, l);
	cl_append(e, l);
}

void zone_cl_remove(zone_cl *t, zone_cl_link *l)
{
	zone_cl_addr *e = l->owner, **pp;

	if (!e)
		return;
	cl_unlink(e, l);
	l->owner = NULL;
	t->total--;
	if (--e->count > 0)
		return;
	for (pp = &t->b[cl_hash(t, e->key)]; *pp; pp = &(*pp)->chain)
		if (*pp == e) {
			*pp = e->chain;
			break;
		}
	t->naddr--;
	free(e);
}

int zone_cl_count(const zone_cl *t, int af, const uint8_t *addr)
{
	uint8_t key[17];
	const zone_cl_addr *e;

	cl_key(key, af, addr);
	e = cl_find(t, key);
	return e ? e->count : 0;
}

int zone_cl_total(const zone_cl *t)
{
	return t->total;
}
