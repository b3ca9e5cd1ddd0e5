/* Unit tests for the key lifecycle (zones/keyroll.c): first keys, ZSK
 * pre-publication, KSK and CSK double-KSK with the wait for the parent's
 * DS, recovery of a step cut short, idempotence; and what signs what in
 * zones/sign.c (the KSK the DNSKEY, CDS and CDNSKEY RRsets, the active
 * ZSK the rest, the DNSKEY RRset exactly the published keys). */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

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

/* A reply to "example.com. DS" with one DS RR of rdata ds (rcode rc). */
static size_t ds_reply(uint8_t *buf, size_t cap, const uint8_t *ds,
		       size_t dslen, int rc)
{
	static const uint8_t hdr[12] = { 0x12, 0x34, 0x84, 0, 0, 1, 0, 1,
					 0, 0, 0, 0 };
	uint8_t owner[WIRE_MAXNAME];
	wire_writer w;

	wire_name_from_str("Example.COM.", owner);
	wire_writer_init(&w, buf, cap, cap);
	wire_write(&w, hdr, sizeof(hdr));
	buf[3] = (uint8_t)rc;
	wire_write_name(&w, owner, 1);
	wire_write16(&w, DNS_T_DS);
	wire_write16(&w, DNS_C_IN);
	wire_write_rr(&w, owner, DNS_T_DS, DNS_C_IN, 3600, ds,
		      (uint16_t)dslen, NULL);
	return w.len;
}

static void test_ds_served(void)
{
	uint8_t ds[36] = { 0x12, 0x34, 13, 2 }, other[36], msg[512];
	uint8_t owner[WIRE_MAXNAME];
	uint32_t ttl = 0;
	size_t len;

	memset(ds + 4, 0xab, 32);
	memcpy(other, ds, sizeof(ds));
	other[35] ^= 1;
	wire_name_from_str("example.com.", owner);
	len = ds_reply(msg, sizeof(msg), ds, sizeof(ds), 0);
	T_EQ(zone_keyroll_ds_served(msg, len, owner, ds, sizeof(ds), &ttl),
	     1);
	T_EQ(ttl, 3600);
	T_EQ(zone_keyroll_ds_served(msg, len, owner, other, sizeof(other),
				    &ttl), 0);
	T_EQ(zone_keyroll_ds_served(msg, len - 5, owner, ds, sizeof(ds),
				    &ttl), -1);
	len = ds_reply(msg, sizeof(msg), ds, sizeof(ds), 2);   /* SERVFAIL */
	T_EQ(zone_keyroll_ds_served(msg, len, owner, ds, sizeof(ds), &ttl),
	     -1);
}

/* ---- what signs what (sign.c) ---- */

static const char ztext[] =
	"$TTL 300\n$ORIGIN example.com.\n"
	"@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n"
	"@ NS ns1\nns1 A 192.0.2.1\nwww A 192.0.2.3\n";

static uint8_t *mkder(size_t *len)
{
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	uint8_t *der = malloc(512), *p = der;

	*len = (size_t)i2d_PrivateKey(pk, &p);
	EVP_PKEY_free(pk);
	return der;
}

static zone_sigkey *key_of(const uint8_t *der, size_t len, uint16_t flags)
{
	char err[128];

	return zone_sigkey_new(der, len, flags, err, sizeof(err));
}

/* The key tags of the RRSIGs over owner/covered (sorted), and how many
 * RRs of type (by name: "DNSKEY", "CDS") owner has. */
static int zone_lines(const zone *z, const char *owner, const char *covered,
		      int *tags, int *ntype)
{
	char *t, *save = NULL;
	size_t len;
	int n = 0;

	*ntype = 0;
	if (zone_to_text(z, &t, &len) < 0)
		return -1;
	for (char *l = strtok_r(t, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		char f[11][64];
		if (sscanf(l, "%63s %63s %63s %63s %63s %63s %63s %63s %63s "
			   "%63s %63s", f[0], f[1], f[2], f[3], f[4], f[5],
			   f[6], f[7], f[8], f[9], f[10]) < 5 ||
		    strcasecmp(f[0], owner))
			continue;
		if (!strcmp(f[3], covered))
			(*ntype)++;
		else if (!strcmp(f[3], "RRSIG") && !strcmp(f[4], covered) &&
			 n < 8)
			tags[n++] = atoi(f[10]);
	}
	free(t);
	for (int i = 1; i < n; i++)           /* two at most: a swap */
		if (tags[i] < tags[i - 1]) {
			int x = tags[i];
			tags[i] = tags[i - 1];
			tags[i - 1] = x;
		}
	return n;
}

static void sign_with(zone_db *db, zone *z, uint32_t now,
		      const uint8_t *der[3], const size_t len[3],
		      const unsigned use[3])
{
	zone_sign_opts o = { 0 };
	zone_signer *s = zone_signer_new(&o);
	zone_effects eff;

	for (int i = 0; i < 3; i++)
		if (use[i])
			zone_signer_add_key_use(s, key_of(der[i], len[i],
							  i ? 256 : 257),
						use[i]);
	T_EQ(zone_db_set_signer(db, "example.com.", s), 0);
	T_EQ(zone_db_sign(db, z, now, &eff, NULL), 0);
}

static void test_split_signing(void)
{
	enum { P = ZONE_KEY_PUBLISH, SZ = ZONE_KEY_SIGN_ZONE,
	       SK = ZONE_KEY_SIGN_KEYS, CDS = ZONE_KEY_CDS };
	zone_db *db = zone_db_new(NULL);
	zone *z = t_zone_text("example.com", ztext);
	const uint8_t *der[3];
	size_t len[3];
	int tag[3], tags[8], n, nt;

	zone_db_add_zone(db, z);
	zone_unref(z);
	for (int i = 0; i < 3; i++) {
		zone_sigkey *k;
		der[i] = mkder(&len[i]);
		k = key_of(der[i], len[i], i ? 256 : 257);
		tag[i] = zone_sigkey_tag(k);
		zone_sigkey_free(k);
	}
	T_CHECK(tag[1] < tag[2] || tag[1] > tag[2]);
	/* KSK, active ZSK, pre-published ZSK */
	sign_with(db, z, NOW, der, len, (unsigned[3]){ P | SK, P | SZ, P });
	n = zone_lines(z, "example.com.", "DNSKEY", tags, &nt);
	T_EQ(nt, 3);
	T_EQ(n, 1);
	T_EQ(tags[0], tag[0]);
	n = zone_lines(z, "www.example.com.", "A", tags, &nt);
	T_EQ(n, 1);
	T_EQ(tags[0], tag[1]);
	/* the switch, and the KSK in CDS: everything is re-signed */
	sign_with(db, z, NOW + 60, der, len,
		  (unsigned[3]){ P | SK | CDS, P, P | SZ });
	n = zone_lines(z, "www.example.com.", "A", tags, &nt);
	T_EQ(n, 1);
	T_EQ(tags[0], tag[2]);
	n = zone_lines(z, "example.com.", "SOA", tags, &nt);
	T_EQ(n, 1);
	T_EQ(tags[0], tag[2]);
	n = zone_lines(z, "example.com.", "CDS", tags, &nt);
	T_EQ(nt, 1);
	T_EQ(n, 1);
	T_EQ(tags[0], tag[0]);
	n = zone_lines(z, "example.com.", "CDNSKEY", tags, &nt);
	T_EQ(nt, 1);
	T_EQ(tags[0], tag[0]);
	T_EQ(zone_lines(z, "example.com.", "DNSKEY", tags, &nt), 1);
	T_EQ(nt, 3);
	/* the old ZSK goes, CDS and CDNSKEY too */
	sign_with(db, z, NOW + 120, der, len,
		  (unsigned[3]){ P | SK, 0, P | SZ });
	T_EQ(zone_lines(z, "example.com.", "DNSKEY", tags, &nt), 1);
	T_EQ(nt, 2);
	T_EQ(zone_lines(z, "example.com.", "CDS", tags, &nt), 0);
	T_EQ(nt, 0);
	T_EQ(zone_lines(z, "example.com.", "CDNSKEY", tags, &nt), 0);
	T_EQ(nt, 0);
	for (int i = 0; i < 3; i++)
		free((void *)der[i]);
	zone_db_free(db);
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
	T_RUN(test_split_signing);
	T_RUN(test_ds_served);
	T_DONE();
}
