/*
 * resolver/ internal (limits.c): counters of work in flight by key, for
 * the engine's fairness limits: upstream queries per zone cut
 * (key: the lowercased wire name) and client queries waiting per client
 * address (key: family and address prefix).  A key is stored only while
 * its count is above zero, so the table holds as many entries as there
 * are distinct keys with work in flight.  Sans-IO; not for use outside
 * resolver/.
 */
#ifndef DV_RES_LIMITS_H
#define DV_RES_LIMITS_H

#include <stddef.h>
#include <stdint.h>

#include "resolver/resolver.h"

typedef struct res_ctab res_ctab;

/* seed keys the hash (random bytes from the shell), so that keys chosen
 * by clients cannot pile into one bucket. */
res_ctab *res_ctab_new(uint64_t seed);
void res_ctab_free(res_ctab *t);
/* The count of key (0 when absent). */
uint32_t res_ctab_get(const res_ctab *t, const uint8_t *key, size_t len);
/* Add 1 to / take 1 from the count of key.  inc: 0, or -ENOMEM. */
int res_ctab_inc(res_ctab *t, const uint8_t *key, size_t len);
void res_ctab_dec(res_ctab *t, const uint8_t *key, size_t len);
/* Number of keys with a count above zero. */
size_t res_ctab_size(const res_ctab *t);

/* The key of a client address: the whole IPv4 address, the /64 of an
 * IPv6 one (one host usually holds a whole /64).  Returns its length. */
size_t res_client_key(const res_addr *a, uint8_t key[9]);

#endif
