/* Unit tests for the key lifecycle (zones/keyroll.c): first keys, ZSK
 * pre-publication, KSK and CSK double-KSK with the wait for the parent's
 * DS, recovery of a step cut short, idempotence. */
#include <string.h>

#include "tests/unit/t.h"
#include "tests/unit/tzone.h"

enum { NOW = 1800000000, DAY = 86400 };

static const zone_keypolicy split = {
	.split = 1, .zsk_life = 30 * DAY, .dnskey_ttl = 300, .max_ttl = 3600,
	.ds_ttl = 600, .propagation = 60,
};

static void test_first_keys(void)
{
	zone_keytimes v[8];
	size_t n = 0;
	uint64_t next;

	T_EQ(zone_keyroll_step(v, &n, 8, &split, NOW, 0, &next), 2);
	T_EQ(n, 2);
	T_EQ(v[0].role, ZONE_ROLE_KSK);
	T_EQ(v[1].role, ZONE_ROLE_ZSK);
	T_EQ(zone_key_use(&v[0], NOW), ZONE_KEY_PUBLISH | ZONE_KEY_SIGN_KEYS);
	T_EQ(zone_key_use(&v[1], NOW), ZONE_KEY_PUBLISH | ZONE_KEY_SIGN_ZONE);
	T_EQ(next, NOW + 30 * DAY);            /* the ZSK's lifetime */
	T_EQ(zone_keyroll_step(v, &n, 8, &split, NOW, 0, &next), 0);
	T_EQ(n, 2);
}

static void test_zsk_prepublication(void)
{
	zone_keytimes v[8];
	size_t n = 0;
	uint64_t next, t = NOW + 30 * DAY, sw = t + 300 + 60;

	zone_keyroll_step(v, &n, 8, &split, NOW, 0, &next);
	T_EQ(zone_keyroll_step(v, &n, 8, &split, t, 0, &next), 3);
	T_EQ(n, 3);
	T_EQ(v[2].role, ZONE_ROLE_ZSK);
	T_EQ(v[2].publish, t);
	T_EQ(v[2].active, sw);
	T_EQ(v[1].retire, sw);
	T_EQ(v[1].remove, sw + 3600 + 60);
	T_EQ(next, sw);
	/* published, not signing; the old one signs */
	T_EQ(zone_key_use(&v[2], t), ZONE_KEY_PUBLISH);
	T_EQ(zone_key_use(&v[1], t), ZONE_KEY_PUBLISH | ZONE_KEY_SIGN_ZONE);
	/* switched: the new signs, the old is only published */
	T_EQ(zone_key_use(&v[2], sw), ZONE_KEY_PUBLISH | ZONE_KEY_SIGN_ZONE);
	T_EQ(zone_key_use(&v[1], sw), ZONE_KEY_PUBLISH);
	T_EQ(zone_keyroll_step(v, &n, 8, &split, sw, 0, &next), 0);
	T_EQ(next, sw + 3660);
	/* removed */
	T_EQ(zone_key_use(&v[1], sw + 3660), 0);
	T_EQ(zone_keyroll_step(v, &n, 8, &split, sw + 3660, 0, &next), 0);
	T_EQ(next, t + 30 * DAY);       /* from its publication, as Knot */
	T_EQ(zone_key_use(&v[0], sw + 3660),
	     ZONE_KEY_PUBLISH | ZONE_KEY_SIGN_KEYS);
}

static void test_request_and_crash_recovery(void)
{
	zone_keytimes v[8];
	size_t n = 0;
	uint64_t next;

	zone_keyroll_step(v, &n, 8, &split, NOW, 0, &next);
	/* a request starts a ZSK roll; another request during it does not */
	T_EQ(zone_keyroll_step(v, &n, 8, &split, NOW + 10, ZONE_ROLE_ZSK,
			       &next), 3);
	T_EQ(zone_keyroll_step(v, &n, 8, &split, NOW + 20, ZONE_ROLE_ZSK,
			       &next), 0);
	T_EQ(n, 3);
	/* the new key was written, the old key's timers were not (kill -9
	 * between the two files): the next step sets them again */
	v[1].retire = v[1].remove = 0;
	T_EQ(zone_keyroll_step(v, &n, 8, &split, NOW + 30, 0, &next), 2);
	T_EQ(v[1].retire, v[2].active);
}

/* Keys read back in another order (a restart), the roll started in the
 * same second as the first keys: the successor is still the successor. */
static void test_reload_order_same_second(void)
{
	zone_keytimes v[8], w[8];
	size_t n = 0, m = 3;
	uint64_t next;

	zone_keyroll_step(v, &n, 8, &split, NOW, 0, &next);
	zone_keyroll_step(v, &n, 8, &split, NOW, ZONE_ROLE_ZSK, &next);
	T_EQ(n, 3);
	for (int order = 0; order < 2; order++) {
		/* the old ZSK first, then the new one; then the reverse */
		w[0] = v[order ? 2 : 1];
		w[1] = v[order ? 1 : 2];
		w[2] = v[0];
		m = 3;
		T_EQ(zone_keyroll_step(w, &m, 8, &split, NOW + 1, 0, &next),
		     0);
		T_EQ(w[order ? 0 : 1].retire, 0);
		T_EQ(w[order ? 1 : 0].retire, NOW + 360);
		/* after a kill -9 before the old key's timers were written */
		w[order ? 1 : 0].retire = w[order ? 1 : 0].remove = 0;
		T_EQ(zone_keyroll_step(w, &m, 8, &split, NOW + 1, 0, &next),
		     2);
		T_EQ(w[order ? 0 : 1].retire, 0);
		T_EQ(w[order ? 1 : 0].retire, NOW + 360);
	}
}

static void ksk_roll(const zone_keypolicy *p, uint8_t role)
{
	zone_keytimes v[8];
	size_t n = 0;
	uint64_t next, ready = NOW + 10 + 360, seen = ready + 1000, end;
	size_t k = p->split ? 2 : 1, old = 0;

	zone_keyroll_step(v, &n, 8, p, NOW, 0, &next);
	T_EQ(zone_keyroll_step(v, &n, 8, p, NOW + 10, ZONE_ROLE_KSK, &next),
	     1);
	T_EQ(v[k].role, role);
	T_EQ(v[k].ready, ready);
	T_EQ(zone_key_use(&v[k], NOW + 10) & ZONE_KEY_SIGN_KEYS,
	     ZONE_KEY_SIGN_KEYS);                 /* double KSK */
	T_EQ(zone_key_use(&v[k], NOW + 10) & ZONE_KEY_CDS, 0);
	T_EQ(zone_key_use(&v[k], ready) & ZONE_KEY_CDS, ZONE_KEY_CDS);
	T_EQ(zone_key_use(&v[old], ready) & ZONE_KEY_CDS, 0);
	/* waiting for the parent: the old key stays */
	T_EQ(zone_keyroll_step(v, &n, 8, p, ready + 5 * DAY, 0, &next), 0);
	T_EQ(v[old].remove, 0);
	v[k].ds_seen = seen;
	T_EQ(zone_keyroll_step(v, &n, 8, p, seen, 0, &next), 2);
	end = seen + (role == ZONE_ROLE_CSK ? 3600 : 600) + 60;
	T_EQ(v[old].remove, end);
	T_EQ(next, end);
	T_EQ(zone_key_use(&v[k], seen) & ZONE_KEY_CDS, 0);
	T_CHECK(zone_key_use(&v[old], seen) & ZONE_KEY_SIGN_KEYS);
	T_EQ(zone_key_use(&v[old], end), 0);
}

static void test_ksk_double_ksk(void) { ksk_roll(&split, ZONE_ROLE_KSK); }

static void test_csk_roll(void)
{
	zone_keypolicy p = split;

	p.split = 0;
	ksk_roll(&p, ZONE_ROLE_CSK);
}

static void test_ksk_lifetime(void)
{
	zone_keypolicy p = split;
	zone_keytimes v[8];
	size_t n = 0;
	uint64_t next;

	p.split = 0;
	p.ksk_life = 365ull * DAY;
	zone_keyroll_step(v, &n, 8, &p, NOW, 0, &next);
	T_EQ(next, NOW + 365ull * DAY);
	T_EQ(zone_keyroll_step(v, &n, 8, &p, next, 0, &next), 1);
	T_EQ(n, 2);
}

int main(void)
{
	T_RUN(test_first_keys);
	T_RUN(test_zsk_prepublication);
	T_RUN(test_request_and_crash_recovery);
	T_RUN(test_reload_order_same_second);
	T_RUN(test_ksk_double_ksk);
	T_RUN(test_csk_roll);
	T_RUN(test_ksk_lifetime);
	T_DONE();
}
