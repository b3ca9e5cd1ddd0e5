/*
 * DNSSEC key lifecycle of our own zones (zones.h 6., zone_keyroll_step):
 * the key timers decide everything, so a restart (or kill -9) between
 * two steps continues where the files left off.  The shell makes the
 * key material and writes the timers; this file only does arithmetic.
 *
 * Timings from RFC 7583 (pre-publication ZSK, double-KSK) in Knot's
 * terms: propagation covers the time until every secondary serves a
 * change, dnskey_ttl and max_ttl the caches of resolvers, ds_ttl the
 * parent's DS.
 */
#include <errno.h>
#include <string.h>

#include "zones/zone_int.h"

int zone_key_live(const zone_keytimes *k, uint64_t now)
{
	return !k->remove || now < k->remove;
}

unsigned zone_key_use(const zone_keytimes *k, uint64_t now)
{
	unsigned use;
	int act;

	if (!zone_key_live(k, now) || !k->publish || k->publish > now)
		return 0;
	use = ZONE_KEY_PUBLISH;
	act = k->active && k->active <= now && (!k->retire || now < k->retire);
	if (act && (k->role & ZONE_ROLE_ZSK))
		use |= ZONE_KEY_SIGN_ZONE;
	if (act && (k->role & ZONE_ROLE_KSK))
		use |= ZONE_KEY_SIGN_KEYS;
	if ((k->role & ZONE_ROLE_KSK) && k->ready && k->ready <= now &&
	    !k->ds_seen)
		use |= ZONE_KEY_CDS;
	return use;
}

static void kr_next(uint64_t *next, uint64_t t, uint64_t now)
{
	if (t > now && (*next == 0 || t < *next))
		*next = t;
}

static int kr_set(uint64_t *field, uint64_t v)
{
	if (*field == v)
		return 0;
	*field = v;
	return 1;
}

/* 1 if a is the successor of b: not retiring, then the later active,
 * ready, publish, created (a roll in the second of the old key's start,
 * as in tests, still tells them apart: the successor waits). */
static int kr_later(const zone_keytimes *a, const zone_keytimes *b)
{
	const uint64_t x[] = { !a->retire, a->active, a->ready, a->publish,
			       a->created };
	const uint64_t y[] = { !b->retire, b->active, b->ready, b->publish,
			       b->created };

	for (size_t i = 0; i < sizeof(x) / sizeof(x[0]); i++)
		if (x[i] != y[i])
			return x[i] > y[i];
	return 0;
}

/* The newest live key of role r (kr_later), -1. */
static long kr_newest(const zone_keytimes *v, size_t n, uint8_t r,
		      uint64_t now, int *count)
{
	long best = -1;

	*count = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i].role != r || !zone_key_live(&v[i], now))
			continue;
		(*count)++;
		if (best < 0 || kr_later(&v[i], &v[best]))
			best = (long)i;
	}
	return best;
}

static void kr_new(zone_keytimes *k, uint8_t r, const zone_keypolicy *p,
		   uint64_t now, int first)
{
	uint64_t wait = (uint64_t)p->dnskey_ttl + p->propagation;

	memset(k, 0, sizeof(*k));
	k->role = r;
	k->created = k->publish = k->ready = now;
	if (first) {
		/* nothing cached to wait for; its DS comes from the log */
		k->active = k->ds_seen = now;
	} else if (r == ZONE_ROLE_ZSK) {
		k->active = now + wait;       /* pre-publication */
	} else {
		k->active = now;              /* double KSK / signatures */
		k->ready = now + wait;        /* then CDS, the parent's DS */
	}
}

/* When the old keys of role r go, given their successor s (0: not
 * known yet: the parent has not got s's DS). */
static uint64_t kr_old_end(const zone_keytimes *s, uint8_t r,
			   const zone_keypolicy *p)
{
	uint64_t t;

	if (r == ZONE_ROLE_ZSK)
		return s->active + p->max_ttl + p->propagation;
	if (!s->ds_seen)
		return 0;
	t = s->ds_seen + p->ds_ttl + p->propagation;
	if (r == ZONE_ROLE_CSK &&
	    s->ds_seen + p->max_ttl + p->propagation > t)
		t = s->ds_seen + p->max_ttl + p->propagation;
	return t;
}

static int kr_role(zone_keytimes *v, size_t *n, size_t cap, uint8_t r,
		   const zone_keypolicy *p, uint64_t now, unsigned request,
		   uint64_t *next)
{
	int changed = 0, count;
	long b = kr_newest(v, *n, r, now, &count);
	uint64_t life = r == ZONE_ROLE_ZSK ? p->zsk_life : p->ksk_life;

	if (b < 0 || count == 1) {
		/* Knot: the lifetime runs from the key's publication */
		uint64_t due = b >= 0 && life && v[b].active ?
			       v[b].publish + life : 0;
		int roll = b >= 0 && v[b].active && v[b].active <= now &&
			   ((request & r) || (due && due <= now));
		if (b < 0 || roll) {
			if (*n == cap)
				return -ENOSPC;
			if (b < 0 && life)  /* a first key: its lifetime */
				kr_next(next, now + life, now);
			kr_new(&v[*n], r, p, now, b < 0);
			b = (long)(*n)++;
			changed++;
		} else if (due) {
			kr_next(next, due, now);
		}
	}
	for (size_t i = 0; i < *n; i++) {
		uint64_t end;
		if ((long)i == b || v[i].role != r ||
		    !zone_key_live(&v[i], now) || v[i].retire)
			continue;
		if (!(end = kr_old_end(&v[b], r, p)))
			continue;
		if (r == ZONE_ROLE_ZSK)
			changed += kr_set(&v[i].retire, v[b].active);
		else
			changed += kr_set(&v[i].retire, end);
		changed += kr_set(&v[i].remove, end);
	}
	return changed;
}

int zone_keyroll_step(zone_keytimes *v, size_t *n, size_t cap,
		      const zone_keypolicy *p, uint64_t now, unsigned request,
		      uint64_t *next)
{
	static const uint8_t split[] = { ZONE_ROLE_KSK, ZONE_ROLE_ZSK };
	static const uint8_t csk[] = { ZONE_ROLE_CSK };
	const uint8_t *roles = p->split ? split : csk;
	int nroles = p->split ? 2 : 1, changed = 0;

	*next = 0;
	for (int i = 0; i < nroles; i++) {
		int rc = kr_role(v, n, cap, roles[i], p, now, request, next);
		if (rc < 0)
			return rc;
		changed += rc;
	}
	for (size_t i = 0; i < *n; i++) {
		const zone_keytimes *k = &v[i];
		if (!zone_key_live(k, now))
			continue;
		kr_next(next, k->publish, now);
		kr_next(next, k->ready, now);
		kr_next(next, k->active, now);
		kr_next(next, k->retire, now);
		kr_next(next, k->remove, now);
	}
	return changed;
}

typedef struct kr_ttl {
	uint32_t max;
} kr_ttl;

static int kr_max_ttl(void *arg, zone_node *n)
{
	kr_ttl *t = arg;

	for (const zone_rrset *rs = n->rrsets; rs; rs = rs->next)
		if (rs->ttl > t->max)
			t->max = rs->ttl;
	return 0;
}

int zone_sign_ttls(const zone *z, uint32_t *dnskey_ttl, uint32_t *max_ttl)
{
	const zone_rrset *soa, *ks;
	kr_ttl t = { 0 };

	if (!z->apex || !(soa = zone_node_rrset(z->apex, DNS_T_SOA)))
		return -EINVAL;
	ks = zone_node_rrset(z->apex, DNS_T_DNSKEY);
	*dnskey_ttl = ks ? ks->ttl : soa->ttl;
	zone_foreach_node(z, kr_max_ttl, &t);
	*max_ttl = t.max;
	return 0;
}

int zone_keyroll_ds_served(const uint8_t *msg, size_t len,
			   const uint8_t *owner, const uint8_t *ds,
			   size_t dslen, uint32_t *ttl)
{
	wire_rr_iter it;
	wire_rr rr;
	int rc;

	if (len < WIRE_HDRLEN || !(msg[2] & 0x80) || (msg[3] & 0x0f) ||
	    wire_rr_start(&it, msg, len) < 0)
		return -1;
	while ((rc = wire_rr_next(&it, &rr)) == 1)
		if (rr.section == 1 && rr.type == DNS_T_DS &&
		    rr.rdlen == dslen && wire_name_equal(rr.owner, owner) &&
		    memcmp(msg + rr.rdata, ds, dslen) == 0) {
			*ttl = rr.ttl;
			return 1;
		}
	return rc < 0 ? -1 : 0;
}
