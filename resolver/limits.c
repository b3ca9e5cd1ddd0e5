/*
 * Counters of work in flight by key (see limits.h): a chained hash table
 * whose entries live only while their count is above zero.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "resolver/limits.h"

enum { CTAB_BUCKETS = 4096 };   /* power of two */

typedef struct ctab_ent {
	struct ctab_ent *next;
	uint32_t count;
	uint16_t len;
	uint8_t key[];
} ctab_ent;

struct res_ctab {
	ctab_ent *b[CTAB_BUCKETS];
	uint64_t seed;
	size_t n;
};

res_ctab *res_ctab_new(uint64_t seed)
{
	res_ctab *t = calloc(1, sizeof(*t));

	if (t)
		t->seed = seed | 1;
	return t;
}

void res_ctab_free(res_ctab *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < CTAB_BUCKETS; i++)
		while (t->b[i]) {
			ctab_ent *e = t->b[i];

			t->b[i] = e->next;
			free(e);
		}
	free(t);
}

/* FNV-1a with a secret start: enough against piling up in one bucket
 * (chains stay short and are only walked on sends and client queries). */
static size_t ctab_hash(const res_ctab *t, const uint8_t *key, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull ^ t->seed;

	for (size_t i = 0; i < len; i++) {
		h ^= key[i];
		h *= 0x100000001b3ull;
	}
	h ^= h >> 29;
	return (size_t)(h & (CTAB_BUCKETS - 1));
}

static ctab_ent **ctab_find(const res_ctab *t, const uint8_t *key,
			    size_t len)
{
	ctab_ent **pp = (ctab_ent **)&t->b[ctab_hash(t, key, len)];

	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->len == len && memcmp((*pp)->key, key, len) == 0)
			break;
	return pp;
}

uint32_t res_ctab_get(const res_ctab *t, const uint8_t *key, size_t len)
{
	ctab_ent **pp = ctab_find(t, key, len);

	return *pp ? (*pp)->count : 0;
}

int res_ctab_inc(res_ctab *t, const uint8_t *key, size_t len)
{
	ctab_ent **pp = ctab_find(t, key, len);

	if (!*pp) {
		ctab_ent *e = malloc(sizeof(*e) + len);

		if (!e || len > UINT16_MAX) {
			free(e);
			return -ENOMEM;
		}
		e->next = NULL;
		e->count = 0;
		e->len = (uint16_t)len;
		memcpy(e->key, key, len);
		*pp = e;
		t->n++;
	}
	(*pp)->count++;
	return 0;
}

void res_ctab_dec(res_ctab *t, const uint8_t *key, size_t len)
{
	ctab_ent **pp = ctab_find(t, key, len), *e = *pp;

	if (!e)
		return;
	if (--e->count == 0) {
		*pp = e->next;
		free(e);
		t->n--;
	}
}

size_t res_ctab_size(const res_ctab *t)
{
	return t->n;
}

size_t res_client_key(const res_addr *a, uint8_t key[9])
{
	size_t n = a->af == 4 ? 4 : 8;

	key[0] = a->af;
	memcpy(key + 1, a->addr, n);
	return n + 1;
}
