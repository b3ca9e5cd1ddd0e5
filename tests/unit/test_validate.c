/*
 * Unit tests for resolver/validate.c with real signatures: keys are made
 * and RRsets signed at test time by ldns (ldns_key_new_frm_algorithm,
 * ldns_sign_public) with fixed inception/expiration around a fixed "now";
 * NSEC3 owner hashes come from ldns_nsec3_hash_name, independent of the
 * validator's own hashing.
 */
#include <stdlib.h>
#include <ldns/ldns.h>

#include "resolver/res_int.h"
#include "t.h"
#include "tldns.h"

/* ---------------- fixtures ---------------- */

typedef struct tzone {
	uint8_t name[WIRE_MAXNAME];
	ldns_key *ksk, *zsk;
	ldns_rr *ksk_rr, *zsk_rr;  /* their DNSKEY RRs */
	tset dnskey;            /* DNSKEY RRset signed by the KSK */
} tzone;

static void sign_set(tset *s, const char **rrs, int n, ldns_key **keys,
		     int nkeys)
{
	ldns_rr_list *l = ldns_rr_list_new();

	for (int i = 0; i < n; i++)
		ldns_rr_list_push_rr(l, mkrr(rrs[i]));
	sign_list(s, l, keys, nkeys);
}

static void sign_keys(tset *s, ldns_rr **keys, int nkeys, ldns_key *signer)
{
	ldns_rr_list *l = ldns_rr_list_new();

	for (int i = 0; i < nkeys; i++)
		ldns_rr_list_push_rr(l, ldns_rr_clone(keys[i]));
	sign_list(s, l, &signer, 1);
}

/* A zone with a KSK (257) and a ZSK (256) and its signed DNSKEY set. */
static void zone_init(tzone *z, const char *name, ldns_signing_algorithm a,
		      int bits)
{
	ldns_rr *k[2];

	wname(name, z->name);
	z->ksk = mkkey(a, bits, name, 257, &z->ksk_rr);
	z->zsk = mkkey(a, bits, name, 256, &z->zsk_rr);
	k[0] = z->ksk_rr;
	k[1] = z->zsk_rr;
	sign_keys(&z->dnskey, k, 2, z->ksk);
}

static void zone_free(tzone *z)
{
	ldns_key_deep_free(z->ksk);
	ldns_key_deep_free(z->zsk);
	ldns_rr_free(z->ksk_rr);
	ldns_rr_free(z->zsk_rr);
}

static res_val_result check(const tzone *z, const tset *s, uint64_t now,
			    int notime, uint8_t *wc)
{
	return res_val_rrset(s->owner, s->type, s->data, s->len, s->count,
			     s->sigs, s->siglen, s->sigcount, z->name,
			     z->dnskey.data, z->dnskey.len, z->dnskey.count,
			     now, notime, wc);
}

/* DS rdata for the zone's KSK with digest h, in zones/ format. */
static void make_ds(const tzone *z, ldns_hash h, uint8_t *buf,
		    uint32_t *len, uint16_t *count)
{
	ldns_rr *ds = ldns_key_rr2ds(z->ksk_rr, h);

	put_rr(buf, len, count, ds);
	ldns_rr_free(ds);
}

/* ---------------- RRset signatures ---------------- */

static void alg_roundtrip(ldns_signing_algorithm a, int bits)
{
	tzone z;
	tset s;
	const char *rrs[] = {"www.example. 3600 IN A 192.0.2.1",
			     "www.example. 3600 IN A 192.0.2.2"};
	res_val_result r;

	zone_init(&z, "example.", a, bits);
	sign_set(&s, rrs, 2, &z.zsk, 1);
	T_EQ(s.sigcount, 1);
	r = check(&z, &s, NOW, 0, NULL);
	T_EQ(r.sec, RES_SEC_SECURE);
	/* DNSKEY set against a SHA-256 DS of the KSK */
	{
		uint8_t ds[512];
		uint32_t dl = 0;
		uint16_t dc = 0;

		make_ds(&z, LDNS_SHA256, ds, &dl, &dc);
		r = res_val_dnskey(z.name, z.dnskey.data, z.dnskey.len,
				   z.dnskey.count, z.dnskey.sigs,
				   z.dnskey.siglen, z.dnskey.sigcount, ds, dl,
				   dc, NOW, 0);
		T_EQ(r.sec, RES_SEC_SECURE);
	}
	/* tampered rdata */
	s.data[s.len - 1] ^= 1;
	r = check(&z, &s, NOW, 0, NULL);
	T_EQ(r.sec, RES_SEC_BOGUS);
	T_EQ(r.ede, EDE_DNSSEC_BOGUS);
	s.data[s.len - 1] ^= 1;
	/* tampered signature */
	s.sigs[s.siglen - 1] ^= 0x40;
	r = check(&z, &s, NOW, 0, NULL);
	T_EQ(r.sec, RES_SEC_BOGUS);
	zone_free(&z);
}

static void test_ecdsap256(void) { alg_roundtrip(LDNS_SIGN_ECDSAP256SHA256, 256); }
static void test_ecdsap384(void) { alg_roundtrip(LDNS_SIGN_ECDSAP384SHA384, 384); }
static void test_rsasha256(void) { alg_roundtrip(LDNS_SIGN_RSASHA256, 1024); }
static void test_rsasha512(void) { alg_roundtrip(LDNS_SIGN_RSASHA512, 1024); }
static void test_rsasha1(void) { alg_roundtrip(LDNS_SIGN_RSASHA1, 1024); }
static void test_ed25519(void) { alg_roundtrip(LDNS_SIGN_ED25519, 256); }
static void test_ed448(void) { alg_roundtrip(LDNS_SIGN_ED448, 456); }

static void test_alg_support(void)
{
	T_CHECK(res_val_alg_supported(8));
	T_CHECK(res_val_alg_supported(13));
	T_CHECK(res_val_alg_supported(15));
	T_CHECK(res_val_alg_supported(5));
	T_CHECK(!res_val_alg_supported(1));
	T_CHECK(!res_val_alg_supported(3));
	T_CHECK(!res_val_alg_supported(6));
	T_CHECK(!res_val_alg_supported(12));
	T_CHECK(!res_val_alg_supported(253));
	T_CHECK(res_val_digest_supported(2));
	T_CHECK(res_val_digest_supported(4));
	T_CHECK(res_val_digest_supported(1));
	T_CHECK(!res_val_digest_supported(3));
	T_CHECK(!res_val_digest_supported(0));
}

static void test_time_window(void)
{
	tzone z;
	tset s;
	const char *rrs[] = {"www.example. 3600 IN TXT \"hello\""};
	res_val_result r;

	zone_init(&z, "example.", LDNS_SIGN_ECDSAP256SHA256, 256);
	sign_set(&s, rrs, 1, &z.zsk, 1);
	r = check(&z, &s, EXPIRE + 10, 0, NULL);
	T_EQ(r.sec, RES_SEC_BOGUS);
	T_EQ(r.ede, EDE_SIG_EXPIRED);
	r = check(&z, &s, INCEPT - 10, 0, NULL);
	T_EQ(r.sec, RES_SEC_BOGUS);
	T_EQ(r.ede, EDE_SIG_NOT_YET_VALID);
	r = check(&z, &s, EXPIRE + 10, 1, NULL);
	T_EQ(r.sec, RES_SEC_SECURE);
	r = check(&z, &s, EXPIRE, 0, NULL);
	T_EQ(r.sec, RES_SEC_SECURE);
	/* RFC 1982: a window across the 32-bit wrap, now beyond 2^32 */
	ldns_key_set_inception(z.zsk, 0xfffff000u);
	ldns_key_set_expiration(z.zsk, 0x00010000u);
	sign_set(&s, rrs, 1, &z.zsk, 1);
	r = check(&z, &s, 0x100000100ull, 0, NULL);
	T_EQ(r.sec, RES_SEC_SECURE);
	r = check(&z, &s, 0x100020000ull, 0, NULL);
	T_EQ(r.ede, EDE_SIG_EXPIRED);
	r = check(&z, &s, 0xffffe000ull, 0, NULL);
	T_EQ(r.ede, EDE_SIG_NOT_YET_VALID);
	zone_free(&z);
}

static void test_signer_and_keys(void)
{
	tzone z, other;
	tset s;
	const char *rrs[] = {"www.example. 3600 IN A 192.0.2.1"};
	uint8_t oz[WIRE_MAXNAME];
	res_val_result r;

	zone_init(&z, "example.", LDNS_SIGN_ECDSAP256SHA256, 256);
	zone_init(&other, "example.", LDNS_SIGN_ECDSAP256SHA256, 256);
	sign_set(&s, rrs, 1, &z.zsk, 1);
	/* wrong zone: signer is example., caller expects www.example. */
	wname("www.example.", oz);
	r = res_val_rrset(s.owner, s.type, s.data, s.len, s.count, s.sigs,
			  s.siglen, s.sigcount, oz, z.dnskey.data,
			  z.dnskey.len, z.dnskey.count, NOW, 0, NULL);
	T_EQ(r.sec, RES_SEC_BOGUS);
	/* keys of another zone instance: no matching DNSKEY */
	r = check(&other, &s, NOW, 0, NULL);
	T_EQ(r.sec, RES_SEC_BOGUS);
	/* no RRSIG at all, and RRSIGs of another type */
	r = res_val_rrset(s.owner, s.type, s.data, s.len, s.count, s.sigs,
			  s.siglen, 0, z.name, z.dnskey.data, z.dnskey.len,
			  z.dnskey.count, NOW, 0, NULL);
	T_EQ(r.ede, EDE_RRSIGS_MISSING);
	r = res_val_rrset(s.owner, 16, s.data, s.len, s.count, s.sigs,
			  s.siglen, s.sigcount, z.name, z.dnskey.data,
			  z.dnskey.len, z.dnskey.count, NOW, 0, NULL);
	T_EQ(r.ede, EDE_RRSIGS_MISSING);
	/* an RRSIG algorithm we do not support (DSA, 3): EDE 1 */
	{
		tset u = s;

		u.sigs[2 + 2] = 3;
		r = check(&z, &u, NOW, 0, NULL);
		T_EQ(r.sec, RES_SEC_BOGUS);
		T_EQ(r.ede, EDE_UNSUPPORTED_DNSKEY_ALG);
	}
	/* owner outside the signer */
	wname("www.example.org.", oz);
	r = res_val_rrset(oz, s.type, s.data, s.len, s.count, s.sigs,
			  s.siglen, s.sigcount, z.name, z.dnskey.data,
			  z.dnskey.len, z.dnskey.count, NOW, 0, NULL);
	T_EQ(r.sec, RES_SEC_BOGUS);
	zone_free(&z);
	zone_free(&other);
}

/* A key without the zone bit / with the revoke bit does not count.
 * ldns will not sign with a non-zone key, so that case is a zone key's
 * DNSKEY with the bit cleared and the RRSIG key tag patched to match. */
static void test_key_flags(void)
{
	const uint16_t fl[] = {256, 257 | 0x80};
	const uint16_t ede[] = {EDE_NO_ZONE_KEY_BIT, EDE_DNSSEC_BOGUS};

	for (int i = 0; i < 2; i++) {
		tzone z;
		tset s;
		const char *rrs[] = {"www.example. 3600 IN A 192.0.2.1"};
		ldns_rr *kr;
		ldns_key *k = mkkey(LDNS_SIGN_ED25519, 256, "example.", fl[i],
				    &kr);
		res_val_result r;

		memset(&z, 0, sizeof(z));
		wname("example.", z.name);
		sign_set(&s, rrs, 1, &k, 1);
		sign_keys(&z.dnskey, &kr, 1, k);
		T_EQ(s.sigcount, 1);
		if (i == 0) {
			uint16_t tag;

			z.dnskey.data[2] = 0;
			z.dnskey.data[3] = 0;
			tag = ldns_calc_keytag_raw(z.dnskey.data + 2,
						   z.dnskey.len - 2);
			s.sigs[2 + 16] = (uint8_t)(tag >> 8);
			s.sigs[2 + 17] = (uint8_t)tag;
		}
		r = check(&z, &s, NOW, 0, NULL);
		T_EQ(r.sec, RES_SEC_BOGUS);
		T_EQ(r.ede, ede[i]);
		ldns_key_deep_free(k);
		ldns_rr_free(kr);
	}
}

/* Canonical form: names in rdata lowercased, RRs sorted, duplicates. */
static void test_canonical(void)
{
	tzone z;
	tset s, t;
	const char *rrs[] = {"Mx.Example. 3600 IN MX 20 MAIL2.Example.",
			     "Mx.Example. 3600 IN MX 10 mail.EXAMPLE."};
	res_val_result r;

	zone_init(&z, "example.", LDNS_SIGN_ECDSAP256SHA256, 256);
	sign_set(&s, rrs, 2, &z.zsk, 1);
	r = check(&z, &s, NOW, 0, NULL);
	T_EQ(r.sec, RES_SEC_SECURE);
	/* the same RRs, reversed and with a duplicate */
	t = s;
	t.len = 0;
	t.count = 0;
	{
		uint32_t l0 = 2u + (uint32_t)(s.data[0] << 8 | s.data[1]);

		memcpy(t.data, s.data + l0, s.len - l0);
		memcpy(t.data + (s.len - l0), s.data, l0);
		memcpy(t.data + s.len, s.data, l0);
		t.len = s.len + l0;
		t.count = 3;
	}
	r = check(&z, &t, NOW, 0, NULL);
	T_EQ(r.sec, RES_SEC_SECURE);
	zone_free(&z);
}

static void test_wildcard_expansion(void)
{
	tzone z;
	tset s;
	const char *rrs[] = {"*.w.example. 3600 IN TXT \"wild\""};
	uint8_t wc[WIRE_MAXNAME], want[WIRE_MAXNAME];
	res_val_result r;

	zone_init(&z, "example.", LDNS_SIGN_RSASHA256, 1024);
	sign_set(&s, rrs, 1, &z.zsk, 1);
	/* asked directly for the wildcard owner: not an expansion */
	r = check(&z, &s, NOW, 0, wc);
	T_EQ(r.sec, RES_SEC_SECURE);
	T_EQ(wc[0], 0);
	/* expanded to x.y.w.example. */
	wname("x.y.w.example.", s.owner);
	r = check(&z, &s, NOW, 0, wc);
	T_EQ(r.sec, RES_SEC_SECURE);
	wname("*.w.example.", want);
	T_CHECK(wire_name_equal(wc, want));
	/* the same signature cannot vouch for a name outside *.w */
	wname("x.v.example.", s.owner);
	r = check(&z, &s, NOW, 0, wc);
	T_EQ(r.sec, RES_SEC_BOGUS);
	zone_free(&z);
}

/* ---------------- DNSKEY / DS ---------------- */

static res_val_result dnskey_with(const tzone *z, const uint8_t *ds,
				  uint32_t dl, uint16_t dc)
{
	return res_val_dnskey(z->name, z->dnskey.data, z->dnskey.len,
			      z->dnskey.count, z->dnskey.sigs,
			      z->dnskey.siglen, z->dnskey.sigcount, ds, dl, dc,
			      NOW, 0);
}

static void test_dnskey_ds(void)
{
	tzone z;
	uint8_t ds[1024], bad[256];
	uint32_t dl = 0;
	uint16_t dc = 0;
	res_val_result r;

	zone_init(&z, "example.", LDNS_SIGN_ECDSAP256SHA256, 256);
	make_ds(&z, LDNS_SHA384, ds, &dl, &dc);
	T_EQ(dnskey_with(&z, ds, dl, dc).sec, RES_SEC_SECURE);
	dl = 0;
	dc = 0;
	make_ds(&z, LDNS_SHA1, ds, &dl, &dc);
	T_EQ(dnskey_with(&z, ds, dl, dc).sec, RES_SEC_SECURE);
	/* wrong digest */
	memcpy(bad, ds, dl);
	bad[dl - 1] ^= 1;
	r = dnskey_with(&z, bad, dl, 1);
	T_EQ(r.sec, RES_SEC_BOGUS);
	T_EQ(r.ede, EDE_DNSKEY_MISSING);
	/* a bad SHA-1 DS is ignored when a good SHA-256 DS is there */
	make_ds(&z, LDNS_SHA256, bad, &dl, &dc);
	T_EQ(dnskey_with(&z, bad, dl, 2).sec, RES_SEC_SECURE);
	/* unsupported digest (GOST, 3) / algorithm (DSA, 3): insecure */
	memcpy(bad, ds, 26);
	bad[2 + 3] = 3;
	T_EQ(dnskey_with(&z, bad, 26, 1).sec, RES_SEC_INSECURE);
	memcpy(bad, ds, 26);
	bad[2 + 2] = 3;
	T_EQ(dnskey_with(&z, bad, 26, 1).sec, RES_SEC_INSECURE);
	/* DNSKEY RRset expired */
	r = res_val_dnskey(z.name, z.dnskey.data, z.dnskey.len,
			   z.dnskey.count, z.dnskey.sigs, z.dnskey.siglen,
			   z.dnskey.sigcount, ds, 26, 1, EXPIRE + 1, 0);
	T_EQ(r.sec, RES_SEC_BOGUS);
	T_EQ(r.ede, EDE_SIG_EXPIRED);
	zone_free(&z);
}

/* DS matching the ZSK, which does not sign the DNSKEY set: bogus. */
static void test_ds_wrong_key(void)
{
	tzone z;
	uint8_t ds[512];
	uint32_t dl = 0;
	uint16_t dc = 0;
	ldns_rr *t;

	zone_init(&z, "example.", LDNS_SIGN_ED25519, 256);
	t = z.ksk_rr;
	z.ksk_rr = z.zsk_rr;
	make_ds(&z, LDNS_SHA256, ds, &dl, &dc);
	z.ksk_rr = t;
	T_EQ(dnskey_with(&z, ds, dl, dc).sec, RES_SEC_BOGUS);
	zone_free(&z);
}

/* ---------------- NSEC ---------------- */

static size_t bitmap(const uint16_t *types, int n, uint8_t *out)
{
	int max = 0;

	memset(out, 0, 34);
	for (int i = 0; i < n; i++) {
		out[2 + types[i] / 8] |= (uint8_t)(0x80 >> (types[i] % 8));
		if (types[i] / 8 + 1 > max)
			max = types[i] / 8 + 1;
	}
	out[1] = (uint8_t)max;
	return max ? (size_t)max + 2 : 0;
}

typedef struct tnsec {
	uint8_t owner[WIRE_MAXNAME];
	uint8_t rd[WIRE_MAXNAME + 64];
	uint16_t rdlen;
} tnsec;

/* types terminated by 0 */
static void mknsec(tnsec *x, const char *owner, const char *next,
		   const uint16_t *types)
{
	int n = 0, nl;

	while (types[n])
		n++;
	wname(owner, x->owner);
	nl = wire_name_from_str(next, x->rd);
	x->rdlen = (uint16_t)(nl + (int)bitmap(types, n, x->rd + nl));
}

static res_nsec_set nset(const tnsec *x, uint16_t type)
{
	res_nsec_set s = {x->owner, type, x->rd, x->rdlen};

	return s;
}

/* example: apex, a (A), c (A MX), sub (NS delegation, no DS),
 * *.w (TXT), x.y (A; y is an empty non-terminal). */
enum { N_APEX, N_A, N_C, N_SUB, N_WILD, N_XY, N_NSEC };
static const uint16_t ty_apex[] = {6, 2, 46, 47, 48, 0};
static const uint16_t ty_a[] = {1, 46, 47, 0};
static const uint16_t ty_c[] = {1, 15, 46, 47, 0};
static const uint16_t ty_sub[] = {2, 47, 0};
static const uint16_t ty_wild[] = {16, 46, 47, 0};

static void nsec_chain(tnsec *x)
{
	mknsec(&x[N_APEX], "example.", "a.example.", ty_apex);
	mknsec(&x[N_A], "a.example.", "c.example.", ty_a);
	mknsec(&x[N_C], "c.example.", "sub.example.", ty_c);
	mknsec(&x[N_SUB], "sub.example.", "*.w.example.", ty_sub);
	mknsec(&x[N_WILD], "*.w.example.", "x.y.example.", ty_wild);
	mknsec(&x[N_XY], "x.y.example.", "example.", ty_a);
}

static res_sec nsec_try(int kind, const char *q, uint16_t qtype,
			const tnsec *x, const int *use, int n)
{
	res_nsec_set s[N_NSEC];
	uint8_t qn[WIRE_MAXNAME], zn[WIRE_MAXNAME];

	for (int i = 0; i < n; i++)
		s[i] = nset(&x[use[i]], 47);
	wname(q, qn);
	wname("example.", zn);
	return res_val_denial(kind, qn, qtype, zn, s, (size_t)n).sec;
}

static void test_nsec_nxdomain(void)
{
	tnsec x[N_NSEC];
	const int ok[] = {N_A, N_APEX}, only[] = {N_A};
	const int ent[] = {N_WILD, N_APEX}, cut[] = {N_SUB, N_APEX};

	nsec_chain(x);
	T_EQ(nsec_try(1, "b.example.", 1, x, ok, 2), RES_SEC_SECURE);
	T_EQ(nsec_try(1, "q.b.example.", 1, x, ok, 2), RES_SEC_SECURE);
	/* wildcard not denied */
	T_EQ(nsec_try(1, "b.example.", 1, x, only, 1), RES_SEC_BOGUS);
	/* a.example exists */
	T_EQ(nsec_try(1, "a.example.", 1, x, ok, 2), RES_SEC_BOGUS);
	/* y.example is an empty non-terminal, not NXDOMAIN */
	T_EQ(nsec_try(1, "y.example.", 1, x, ent, 2), RES_SEC_BOGUS);
	/* below a delegation: the parent's NSEC proves nothing */
	T_EQ(nsec_try(1, "www.sub.example.", 1, x, cut, 2), RES_SEC_BOGUS);
}

static void test_nsec_nodata(void)
{
	tnsec x[N_NSEC];
	const int c[] = {N_C}, wild[] = {N_WILD}, sub[] = {N_SUB};

	nsec_chain(x);
	T_EQ(nsec_try(2, "c.example.", 28, x, c, 1), RES_SEC_SECURE);
	T_EQ(nsec_try(2, "c.example.", 15, x, c, 1), RES_SEC_BOGUS);
	/* empty non-terminal */
	T_EQ(nsec_try(2, "y.example.", 1, x, wild, 1), RES_SEC_SECURE);
	/* wildcard NODATA: *.w has TXT only */
	T_EQ(nsec_try(2, "foo.w.example.", 1, x, wild, 1), RES_SEC_SECURE);
	T_EQ(nsec_try(2, "foo.w.example.", 16, x, wild, 1), RES_SEC_BOGUS);
	/* the parent-side NSEC of a delegation proves only DS absence */
	T_EQ(nsec_try(2, "sub.example.", 1, x, sub, 1), RES_SEC_BOGUS);
	T_EQ(nsec_try(2, "sub.example.", 43, x, sub, 1), RES_SEC_SECURE);
	T_EQ(nsec_try(3, "sub.example.", 43, x, sub, 1), RES_SEC_SECURE);
	/* no records at all */
	T_EQ(nsec_try(2, "c.example.", 28, x, c, 0), RES_SEC_BOGUS);
}

static void test_nsec_nods(void)
{
	tnsec x[N_NSEC], ds;
	const uint16_t ty_ds[] = {2, 43, 46, 47, 0};
	const int sub[] = {N_SUB}, c[] = {N_C};
	res_nsec_set s;
	uint8_t qn[WIRE_MAXNAME], zn[WIRE_MAXNAME];

	nsec_chain(x);
	T_EQ(nsec_try(3, "sub.example.", 43, x, sub, 1), RES_SEC_SECURE);
	T_EQ(nsec_try(3, "c.example.", 43, x, c, 1), RES_SEC_BOGUS);
	mknsec(&ds, "sub.example.", "*.w.example.", ty_ds);
	s = nset(&ds, 47);
	wname("sub.example.", qn);
	wname("example.", zn);
	T_EQ(res_val_denial(3, qn, 43, zn, &s, 1).sec, RES_SEC_BOGUS);
}

static void test_nsec_wildcard_answer(void)
{
	tnsec x[N_NSEC];
	res_nsec_set s;
	uint8_t qn[WIRE_MAXNAME], zn[WIRE_MAXNAME], wc[WIRE_MAXNAME];
	const int wild[] = {N_WILD}, a[] = {N_A};

	nsec_chain(x);
	s = nset(&x[N_WILD], 47);
	wname("foo.w.example.", qn);
	wname("example.", zn);
	wname("*.w.example.", wc);
	T_EQ(res_val_denial_wildcard(qn, wc, zn, &s, 1).sec, RES_SEC_SECURE);
	/* claimed wildcard *.example: w.example is closer, so bogus */
	wname("*.example.", wc);
	T_EQ(res_val_denial_wildcard(qn, wc, zn, &s, 1).sec, RES_SEC_BOGUS);
	T_EQ(nsec_try(4, "foo.w.example.", 16, x, wild, 1), RES_SEC_SECURE);
	/* an NSEC that does not cover the name */
	T_EQ(nsec_try(4, "foo.w.example.", 16, x, a, 1), RES_SEC_BOGUS);
}

/* ---------------- NSEC3 ---------------- */

typedef struct tn3 {
	const char *name;
	const uint16_t *types;
	uint8_t hash[20];
	uint8_t owner[WIRE_MAXNAME];
	uint8_t rd[128];
	uint16_t rdlen;
} tn3;

static int tn3_cmp(const void *a, const void *b)
{
	return memcmp(((const tn3 *)a)->hash, ((const tn3 *)b)->hash, 20);
}

/* Hash names with ldns, sort, link into a chain. */
static void n3_chain(tn3 *x, int n, uint8_t flags, uint16_t iter,
		     const uint8_t *salt, uint8_t saltlen)
{
	for (int i = 0; i < n; i++) {
		ldns_rdf *nm = ldns_dname_new_frm_str(x[i].name);
		ldns_rdf *h = ldns_nsec3_hash_name(nm, 1, iter, saltlen, salt);
		uint8_t *hd = ldns_rdf_data(h);
		char lab[64];
		int ol;

		memcpy(lab, hd + 1, hd[0]);
		lab[hd[0]] = 0;
		T_EQ(b32_pton_extended_hex(lab, hd[0], x[i].hash, 20), 20);
		snprintf(lab + hd[0], sizeof(lab) - hd[0], ".example.");
		ol = wire_name_from_str(lab, x[i].owner);
		T_CHECK(ol > 0);
		ldns_rdf_deep_free(nm);
		ldns_rdf_deep_free(h);
	}
	qsort(x, (size_t)n, sizeof(*x), tn3_cmp);
	for (int i = 0; i < n; i++) {
		uint8_t *p = x[i].rd;
		int nt = 0;

		while (x[i].types[nt])
			nt++;
		*p++ = 1;
		*p++ = flags;
		*p++ = (uint8_t)(iter >> 8);
		*p++ = (uint8_t)iter;
		*p++ = saltlen;
		if (saltlen)
			memcpy(p, salt, saltlen);
		p += saltlen;
		*p++ = 20;
		memcpy(p, x[(i + 1) % n].hash, 20);
		p += 20;
		p += bitmap(x[i].types, nt, p);
		x[i].rdlen = (uint16_t)(p - x[i].rd);
	}
}

static const uint16_t ty_ent[] = {0};

/* example. with a, c, sub (delegation), w (ENT), *.w */
static int n3_zone(tn3 *x, int with_sub)
{
	tn3 all[] = {{"example.", ty_apex, {0}, {0}, {0}, 0},
		     {"a.example.", ty_a, {0}, {0}, {0}, 0},
		     {"c.example.", ty_c, {0}, {0}, {0}, 0},
		     {"w.example.", ty_ent, {0}, {0}, {0}, 0},
		     {"*.w.example.", ty_wild, {0}, {0}, {0}, 0},
		     {"sub.example.", ty_sub, {0}, {0}, {0}, 0}};
	int n = with_sub ? 6 : 5;

	memcpy(x, all, sizeof(all));
	return n;
}

static res_val_result n3_try(int kind, const char *q, uint16_t qtype,
			     const tn3 *x, int n, int skip)
{
	res_nsec_set s[8];
	uint8_t qn[WIRE_MAXNAME], zn[WIRE_MAXNAME];
	size_t k = 0;

	for (int i = 0; i < n; i++) {
		if (i == skip)
			continue;
		s[k].lname = x[i].owner;
		s[k].type = 50;
		s[k].rdata = x[i].rd;
		s[k++].rdlen = x[i].rdlen;
	}
	wname(q, qn);
	wname("example.", zn);
	return res_val_denial(kind, qn, qtype, zn, s, k);
}

/* index of the record covering or matching name */
static int n3_find(const tn3 *x, int n, const char *name, uint16_t iter,
		   const uint8_t *salt, uint8_t saltlen)
{
	ldns_rdf *nm = ldns_dname_new_frm_str(name);
	ldns_rdf *h = ldns_nsec3_hash_name(nm, 1, iter, saltlen, salt);
	uint8_t hb[20];
	char lab[64];
	int r = n - 1;

	memcpy(lab, ldns_rdf_data(h) + 1, 32);
	lab[32] = 0;
	b32_pton_extended_hex(lab, 32, hb, 20);
	for (int i = 0; i < n; i++)
		if (memcmp(x[i].hash, hb, 20) <= 0)
			r = i;
	if (memcmp(x[0].hash, hb, 20) > 0)
		r = n - 1;
	ldns_rdf_deep_free(nm);
	ldns_rdf_deep_free(h);
	return r;
}

static void test_nsec3_nxdomain(void)
{
	tn3 x[8];
	const uint8_t salt[] = {0xaa, 0xbb, 0xcc, 0xdd};
	int n = n3_zone(x, 1);

	n3_chain(x, n, 0, 5, salt, 4);
	T_EQ(n3_try(1, "b.example.", 1, x, n, -1).sec, RES_SEC_SECURE);
	T_EQ(n3_try(1, "q.b.example.", 1, x, n, -1).sec, RES_SEC_SECURE);
	T_EQ(n3_try(1, "a.example.", 1, x, n, -1).sec, RES_SEC_BOGUS);
	/* w.example exists (ENT): no NXDOMAIN */
	T_EQ(n3_try(1, "w.example.", 1, x, n, -1).sec, RES_SEC_BOGUS);
	/* drop the record covering the next closer / the apex match */
	T_EQ(n3_try(1, "b.example.", 1, x, n,
		    n3_find(x, n, "b.example.", 5, salt, 4)).sec,
	     RES_SEC_BOGUS);
	T_EQ(n3_try(1, "b.example.", 1, x, n,
		    n3_find(x, n, "example.", 5, salt, 4)).sec,
	     RES_SEC_BOGUS);
	T_EQ(n3_try(1, "b.example.", 1, x, n,
		    n3_find(x, n, "*.example.", 5, salt, 4)).sec,
	     RES_SEC_BOGUS);
}

static void test_nsec3_nodata(void)
{
	tn3 x[8];
	int n = n3_zone(x, 1);
	res_val_result r;

	n3_chain(x, n, 0, 0, NULL, 0);
	T_EQ(n3_try(2, "a.example.", 28, x, n, -1).sec, RES_SEC_SECURE);
	T_EQ(n3_try(2, "a.example.", 1, x, n, -1).sec, RES_SEC_BOGUS);
	T_EQ(n3_try(2, "w.example.", 1, x, n, -1).sec, RES_SEC_SECURE);
	/* wildcard NODATA */
	T_EQ(n3_try(2, "foo.w.example.", 1, x, n, -1).sec, RES_SEC_SECURE);
	T_EQ(n3_try(2, "foo.w.example.", 16, x, n, -1).sec, RES_SEC_BOGUS);
	/* delegation: only DS absence */
	T_EQ(n3_try(2, "sub.example.", 1, x, n, -1).sec, RES_SEC_BOGUS);
	T_EQ(n3_try(3, "sub.example.", 43, x, n, -1).sec, RES_SEC_SECURE);
	r = n3_try(3, "c.example.", 43, x, n, -1);
	T_EQ(r.sec, RES_SEC_BOGUS);
	T_EQ(r.ede, EDE_NSEC_MISSING);
}

static void test_nsec3_optout(void)
{
	tn3 x[8];
	int n = n3_zone(x, 0);   /* sub.example. not in the chain */

	n3_chain(x, n, 1, 0, NULL, 0);
	T_EQ(n3_try(3, "sub.example.", 43, x, n, -1).sec, RES_SEC_INSECURE);
	T_EQ(n3_try(2, "sub.example.", 43, x, n, -1).sec, RES_SEC_INSECURE);
	/* NXDOMAIN whose next closer is covered by an opt-out record */
	T_EQ(n3_try(1, "b.example.", 1, x, n, -1).sec, RES_SEC_INSECURE);
	n = n3_zone(x, 0);
	n3_chain(x, n, 0, 0, NULL, 0);
	T_EQ(n3_try(3, "sub.example.", 43, x, n, -1).sec, RES_SEC_BOGUS);
	T_EQ(n3_try(1, "b.example.", 1, x, n, -1).sec, RES_SEC_SECURE);
}

static void test_nsec3_iterations(void)
{
	tn3 x[8];
	int n = n3_zone(x, 1);
	res_val_result r;

	n3_chain(x, n, 0, 200, NULL, 0);
	r = n3_try(1, "b.example.", 1, x, n, -1);
	T_EQ(r.sec, RES_SEC_INSECURE);
	T_EQ(r.ede, EDE_UNSUPPORTED_NSEC3_ITER);
	n = n3_zone(x, 1);
	n3_chain(x, n, 0, 150, NULL, 0);
	T_EQ(n3_try(1, "b.example.", 1, x, n, -1).sec, RES_SEC_SECURE);
}

static void test_nsec3_wildcard_answer(void)
{
	tn3 x[8];
	int n = n3_zone(x, 1);
	res_nsec_set s[8];
	uint8_t qn[WIRE_MAXNAME], zn[WIRE_MAXNAME], wc[WIRE_MAXNAME];

	n3_chain(x, n, 0, 0, NULL, 0);
	for (int i = 0; i < n; i++) {
		s[i].lname = x[i].owner;
		s[i].type = 50;
		s[i].rdata = x[i].rd;
		s[i].rdlen = x[i].rdlen;
	}
	wname("foo.w.example.", qn);
	wname("example.", zn);
	wname("*.w.example.", wc);
	T_EQ(res_val_denial_wildcard(qn, wc, zn, s, (size_t)n).sec,
	     RES_SEC_SECURE);
	/* *.example would need w.example not to exist: it does */
	wname("*.example.", wc);
	T_EQ(res_val_denial_wildcard(qn, wc, zn, s, (size_t)n).sec,
	     RES_SEC_BOGUS);
	/* kind 4 without the wildcard: full closest encloser proof */
	T_EQ(n3_try(4, "foo.w.example.", 1, x, n, -1).sec, RES_SEC_SECURE);
	T_EQ(n3_try(4, "a.example.", 1, x, n, -1).sec, RES_SEC_BOGUS);
	/* next closer's covering record missing */
	{
		int k = n3_find(x, n, "foo.w.example.", 0, NULL, 0);

		wname("*.w.example.", wc);
		s[k] = s[n - 1];
		T_EQ(res_val_denial_wildcard(qn, wc, zn, s,
					     (size_t)n - 1).sec,
		     RES_SEC_BOGUS);
	}
}

/* Malformed input never crashes and is never SECURE. */
static void test_garbage(void)
{
	uint8_t junk[64], zn[WIRE_MAXNAME];
	res_nsec_set s = {NULL, 47, junk, sizeof(junk)};
	res_val_result r;

	memset(junk, 0xff, sizeof(junk));
	wname("example.", zn);
	s.lname = zn;
	r = res_val_rrset(zn, 1, junk, sizeof(junk), 3, junk, sizeof(junk),
			  2, zn, junk, sizeof(junk), 4, NOW, 0, NULL);
	T_EQ(r.sec, RES_SEC_BOGUS);
	r = res_val_dnskey(zn, junk, sizeof(junk), 1, junk, sizeof(junk), 1,
			   junk, sizeof(junk), 1, NOW, 0);
	T_CHECK(r.sec != RES_SEC_SECURE);
	T_EQ(res_val_denial(1, zn, 1, zn, &s, 1).sec, RES_SEC_BOGUS);
	s.type = 50;
	T_EQ(res_val_denial(2, zn, 1, zn, &s, 1).sec, RES_SEC_BOGUS);
}

int main(void)
{
	T_RUN(test_alg_support);
	T_RUN(test_ecdsap256);
	T_RUN(test_ecdsap384);
	T_RUN(test_rsasha256);
	T_RUN(test_rsasha512);
	T_RUN(test_rsasha1);
	T_RUN(test_ed25519);
	T_RUN(test_ed448);
	T_RUN(test_time_window);
	T_RUN(test_signer_and_keys);
	T_RUN(test_key_flags);
	T_RUN(test_canonical);
	T_RUN(test_wildcard_expansion);
	T_RUN(test_dnskey_ds);
	T_RUN(test_ds_wrong_key);
	T_RUN(test_nsec_nxdomain);
	T_RUN(test_nsec_nodata);
	T_RUN(test_nsec_nods);
	T_RUN(test_nsec_wildcard_answer);
	T_RUN(test_nsec3_nxdomain);
	T_RUN(test_nsec3_nodata);
	T_RUN(test_nsec3_optout);
	T_RUN(test_nsec3_iterations);
	T_RUN(test_nsec3_wildcard_answer);
	T_RUN(test_garbage);
	T_DONE();
}
