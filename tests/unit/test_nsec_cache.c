/*
 * Unit tests for resolver/nsec_cache.c (RFC 8198 aggressive use of the
 * validated cache) with real signatures made by ldns at test time: a
 * stored NSEC proof answers other names of its ranges, NODATA from the
 * bitmap, not past its TTL (SOA MINIMUM), not once the cache evicted the
 * records, again after the cache is saved and loaded (index rebuilt);
 * NSEC3 opt-out records and an unverifiable SOA are not kept.
 */
#include <stdlib.h>
#include <ldns/ldns.h>

#include "resolver/res_int.h"
#include "t.h"
#include "tldns.h"

#define NOW_MS ((uint64_t)NOW * 1000)

/* One RR signed with key into s (zones/ format, lowercased owner). */
static void sign1(tset *s, const char *text, ldns_key *key)
{
	ldns_rr_list *l = ldns_rr_list_new();

	ldns_rr_list_push_rr(l, mkrr(text));
	sign_list(s, l, &key, 1);
}

typedef struct tzone {
	uint8_t name[WIRE_MAXNAME];
	ldns_key *key;
	uint8_t dnskey[1024];
	uint32_t dklen;
	uint16_t dkcount;
} tzone;

static void zone_init(tzone *z, const char *name)
{
	ldns_rr *rr;

	memset(z, 0, sizeof(*z));
	wname(name, z->name);
	z->key = mkkey(LDNS_SIGN_ECDSAP256SHA256, 256, name, 257, &rr);
	put_rr(z->dnskey, &z->dklen, &z->dkcount, rr);
	ldns_rr_free(rr);
}

static void crr(chain_rr *c, tset *s, uint32_t ttl)
{
	memset(c, 0, sizeof(*c));
	name_copy(c->owner, s->owner);
	c->type = s->type;
	c->count = s->count;
	c->ttl = ttl;
	c->len = s->len;
	c->data = s->data;
	c->sigcount = s->sigcount;
	c->siglen = s->siglen;
	c->sigs = s->sigs;
}

/* Store a negative answer: SOA (TTL soa_ttl) and the NSEC RRsets. */
static void store(res_nsec *nc, res_cache *c, const tzone *z, tset *soa,
		  uint32_t soa_ttl, tset *nsecs, int n, uint32_t nsec_ttl,
		  uint64_t now)
{
	chain_rr auth[8], sc;
	res_nsec_set ok[8];
	res_nsec_in in;

	for (int i = 0; i < n; i++) {
		crr(&auth[i], &nsecs[i], nsec_ttl);
		ok[i].lname = auth[i].owner;
		ok[i].type = auth[i].type;
		ok[i].rdata = auth[i].data + 2;
		ok[i].rdlen = (uint16_t)(auth[i].len - 2);
	}
	crr(&sc, soa, soa_ttl);
	memset(&in, 0, sizeof(in));
	in.zone = z->name;
	in.keys = z->dnskey;
	in.klen = z->dklen;
	in.kcount = z->dkcount;
	in.auth = auth;
	in.nauth = n;
	in.ok = ok;
	in.nok = (size_t)n;
	in.soa = &sc;
	in.neg_ttl = soa_ttl;
	res_nsec_store(nc, c, &in, now);
}

static int lookup(res_nsec *nc, res_cache *c, const char *name,
		  uint16_t qtype, uint64_t now, res_nsec_proof *p)
{
	uint8_t w[WIRE_MAXNAME], l[WIRE_MAXNAME];

	wname(name, w);
	wire_name_lower(l, w);
	return res_nsec_lookup(nc, c, l, qtype, now, p);
}

/* ex. with an NSEC chain ex. -> a.ex. -> m.ex. -> ex.; the answer for
 * b.ex. carries a.ex. (covers b) and ex. (covers *.ex.). */
typedef struct tex {
	tzone z;
	tset soa, n_apex, n_a, n_m;
} tex;

static void ex_init(tex *e)
{
	zone_init(&e->z, "ex.");
	sign1(&e->soa, "ex. 3600 IN SOA ns.ex. h.ex. 1 7200 3600 86400 300",
	      e->z.key);
	sign1(&e->n_apex, "ex. 300 IN NSEC a.ex. NS SOA RRSIG NSEC DNSKEY",
	      e->z.key);
	sign1(&e->n_a, "a.ex. 300 IN NSEC m.ex. A RRSIG NSEC", e->z.key);
	sign1(&e->n_m, "m.ex. 300 IN NSEC ex. A MX RRSIG NSEC", e->z.key);
}

static void test_nsec_synth(void)
{
	tex e;
	tset two[2];
	res_cache *c = res_cache_new(1000, 0);
	res_nsec *nc = res_nsec_new(1000);
	res_nsec_proof p;
	uint64_t now = NOW_MS;

	ex_init(&e);
	T_CHECK(!lookup(nc, c, "b.ex.", DNS_T_A, now, &p));
	two[0] = e.n_a;
	two[1] = e.n_apex;
	store(nc, c, &e.z, &e.soa, 3600, two, 2, 3600, now);
	/* another name of the a..m range: NXDOMAIN with both NSECs */
	T_CHECK(lookup(nc, c, "c.ex.", DNS_T_A, now, &p));
	T_EQ(p.rcode, DNS_R_NXDOMAIN);
	T_EQ(p.nrr, 2);
	T_EQ(p.ttl, 300);          /* min(NSEC 3600, SOA 3600, MINIMUM 300) */
	T_CHECK(wire_name_equal(p.soa.lname, e.z.name));
	T_CHECK(lookup(nc, c, "x.y.b.ex.", DNS_T_TXT, now, &p));
	T_EQ(p.rcode, DNS_R_NXDOMAIN);
	/* NODATA from a.ex.'s bitmap; a type it lists is not denied */
	T_CHECK(lookup(nc, c, "a.ex.", DNS_T_MX, now, &p));
	T_EQ(p.rcode, DNS_R_NOERROR);
	T_EQ(p.nrr, 1);
	T_CHECK(!lookup(nc, c, "a.ex.", DNS_T_A, now, &p));
	T_CHECK(!lookup(nc, c, "a.ex.", DNS_T_ANY, now, &p));
	/* m.ex. -> ex. is not cached: names after m are not denied */
	T_CHECK(!lookup(nc, c, "n.ex.", DNS_T_A, now, &p));
	/* the apex: NODATA for a type it lacks, the DS lives above */
	T_CHECK(lookup(nc, c, "ex.", DNS_T_MX, now, &p));
	T_CHECK(!lookup(nc, c, "ex.", DNS_T_DS, now, &p));
	/* past MINIMUM (not the NSEC TTL): gone */
	T_CHECK(lookup(nc, c, "c.ex.", DNS_T_A, now + 299000, &p));
	T_EQ(p.ttl, 1);
	T_CHECK(!lookup(nc, c, "c.ex.", DNS_T_A, now + 300000, &p));
	res_nsec_free(nc);
	res_cache_free(c);
	ldns_key_deep_free(e.z.key);
}

static void test_nsec_bad_soa_not_kept(void)
{
	tex e;
	tset two[2];
	res_cache *c = res_cache_new(1000, 0);
	res_nsec *nc = res_nsec_new(1000);
	res_nsec_proof p;

	ex_init(&e);
	two[0] = e.n_a;
	two[1] = e.n_apex;
	e.soa.sigs[e.soa.siglen - 5] ^= 0x55;      /* SOA RRSIG broken */
	store(nc, c, &e.z, &e.soa, 3600, two, 2, 3600, NOW_MS);
	T_CHECK(!lookup(nc, c, "c.ex.", DNS_T_A, NOW_MS, &p));
	res_nsec_free(nc);
	res_cache_free(c);
	ldns_key_deep_free(e.z.key);
}

static void test_nsec_evicted(void)
{
	tex e;
	tset two[2];
	res_cache *c = res_cache_new(8, 0);
	res_nsec *nc = res_nsec_new(8);
	res_nsec_proof p;
	uint8_t name[WIRE_MAXNAME], rd[6] = { 0, 4, 192, 0, 2, 1 };
	char s[64];

	ex_init(&e);
	two[0] = e.n_a;
	two[1] = e.n_apex;
	store(nc, c, &e.z, &e.soa, 3600, two, 2, 3600, NOW_MS);
	T_CHECK(lookup(nc, c, "c.ex.", DNS_T_A, NOW_MS, &p));
	for (int i = 0; i < 40; i++) {     /* the cache holds 8 entries */
		snprintf(s, sizeof(s), "n%d.other.", i);
		wname(s, name);
		res_cache_put_rrset(c, name, DNS_T_A, 300, NOW_MS,
				    RES_TRUST_AUTH_ANSWER, 0, rd, 6, 1, NULL,
				    0, 0);
	}
	T_CHECK(res_cache_count(c) <= 8);
	T_CHECK(!lookup(nc, c, "c.ex.", DNS_T_A, NOW_MS, &p));
	/* an empty cache under the same index: nothing; stored again into
	 * a cache with room: usable again */
	res_cache_free(c);
	c = res_cache_new(100, 0);
	T_CHECK(!lookup(nc, c, "c.ex.", DNS_T_A, NOW_MS, &p));
	store(nc, c, &e.z, &e.soa, 3600, two, 2, 3600, NOW_MS);
	T_CHECK(lookup(nc, c, "d.ex.", DNS_T_A, NOW_MS, &p));
	res_nsec_free(nc);
	res_cache_free(c);
	ldns_key_deep_free(e.z.key);
}

static void test_nsec_rebuild_after_load(void)
{
	tex e;
	tset two[2];
	res_cache *c = res_cache_new(1000, 0), *c2 = res_cache_new(1000, 0);
	res_nsec *nc = res_nsec_new(1000), *nc2 = res_nsec_new(1000);
	res_nsec_proof p;
	uint8_t *buf = NULL;
	size_t len = 0;

	ex_init(&e);
	two[0] = e.n_a;
	two[1] = e.n_apex;
	store(nc, c, &e.z, &e.soa, 3600, two, 2, 3600, NOW_MS);
	T_EQ(res_cache_serialize(c, NOW_MS, &buf, &len), 0);
	T_CHECK(res_cache_deserialize(c2, buf, len, NOW_MS + 10000) >= 3);
	T_CHECK(!lookup(nc2, c2, "c.ex.", DNS_T_A, NOW_MS + 10000, &p));
	res_nsec_rebuild(nc2, c2, NOW_MS + 10000);
	T_CHECK(lookup(nc2, c2, "c.ex.", DNS_T_A, NOW_MS + 10000, &p));
	T_EQ(p.rcode, DNS_R_NXDOMAIN);
	T_EQ(p.ttl, 290);
	free(buf);
	res_nsec_free(nc);
	res_nsec_free(nc2);
	res_cache_free(c);
	res_cache_free(c2);
	ldns_key_deep_free(e.z.key);
}

static void test_nsec3_optout_not_kept(void)
{
	tzone z;
	tset soa, n3;
	res_cache *c = res_cache_new(1000, 0);
	res_nsec *nc = res_nsec_new(1000);
	res_crrset rr;
	int stale;

	zone_init(&z, "o3.");
	sign1(&soa, "o3. 300 IN SOA ns.o3. h.o3. 1 7200 3600 86400 300",
	      z.key);
	/* opt-out flag set: its span may hide unsigned delegations */
	sign1(&n3, "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.o3. 300 IN NSEC3 1 1 0 - "
	      "CK0POJMG874LJREF7EFN8430QVIT8BSM A RRSIG", z.key);
	store(nc, c, &z, &soa, 300, &n3, 1, 300, NOW_MS);
	T_CHECK(!res_cache_get_rrset(c, n3.owner, DNS_T_NSEC3, NOW_MS, 0, &rr,
				     &stale));
	/* the same without opt-out is kept */
	sign1(&n3, "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.o3. 300 IN NSEC3 1 0 0 - "
	      "CK0POJMG874LJREF7EFN8430QVIT8BSM A RRSIG", z.key);
	store(nc, c, &z, &soa, 300, &n3, 1, 300, NOW_MS);
	T_CHECK(res_cache_get_rrset(c, n3.owner, DNS_T_NSEC3, NOW_MS, 0, &rr,
				    &stale));
	res_nsec_free(nc);
	res_cache_free(c);
	ldns_key_deep_free(z.key);
}

/* n3. (NSEC3, no salt, 0 iterations) with a, b, c, d; hashes in hash
 * order (computed with dnspython, independent of nsec_cache.c):
 * q0.n3. is covered by a's record (4), *.n3. by d's (3). */
static const char *n3_rr[5] = {
	"BIO73LM2UDMN0DUO98CVAE597RVROEVU.n3. 300 IN NSEC3 1 0 0 - "
	"EQ5T6SM2UIJFJ8SR8FH2T2C3V5J9RKR8 A RRSIG",             /* b */
	"EQ5T6SM2UIJFJ8SR8FH2T2C3V5J9RKR8.n3. 300 IN NSEC3 1 0 0 - "
	"FOMEM40TI6KP1E176TJ8RJ0QQ89A2ONB A RRSIG",             /* c */
	"FOMEM40TI6KP1E176TJ8RJ0QQ89A2ONB.n3. 300 IN NSEC3 1 0 0 - "
	"GCRVC962QODODGFQOOVF9IRNENRI0CR8 NS SOA RRSIG DNSKEY NSEC3PARAM",
	"GCRVC962QODODGFQOOVF9IRNENRI0CR8.n3. 300 IN NSEC3 1 0 0 - "
	"HQQJVEUVJCOUGAI8O20LLRNC1H18F629 A RRSIG",             /* d */
	"HQQJVEUVJCOUGAI8O20LLRNC1H18F629.n3. 300 IN NSEC3 1 0 0 - "
	"BIO73LM2UDMN0DUO98CVAE597RVROEVU A RRSIG",             /* a */
};

static void test_nsec3_needs_all_three(void)
{
	tzone z;
	tset soa, n3[5];
	res_cache *c = res_cache_new(1000, 0);
	res_nsec *nc = res_nsec_new(1000);
	res_nsec_proof p;

	zone_init(&z, "n3.");
	sign1(&soa, "n3. 300 IN SOA ns.n3. h.n3. 1 7200 3600 86400 300",
	      z.key);
	for (int i = 0; i < 5; i++)
		sign1(&n3[i], n3_rr[i], z.key);
	/* closest encloser (apex) and next closer, no wildcard cover */
	store(nc, c, &z, &soa, 300, &n3[2], 1, 300, NOW_MS);
	store(nc, c, &z, &soa, 300, &n3[4], 1, 300, NOW_MS);
	T_CHECK(!lookup(nc, c, "q0.n3.", DNS_T_A, NOW_MS, &p));
	store(nc, c, &z, &soa, 300, &n3[3], 1, 300, NOW_MS);
	T_CHECK(lookup(nc, c, "q0.n3.", DNS_T_A, NOW_MS, &p));
	T_EQ(p.rcode, DNS_R_NXDOMAIN);
	T_EQ(p.nrr, 3);
	/* a.n3.'s own record: NODATA for MX, nothing for A */
	T_CHECK(lookup(nc, c, "a.n3.", DNS_T_MX, NOW_MS, &p));
	T_EQ(p.rcode, DNS_R_NOERROR);
	T_CHECK(!lookup(nc, c, "a.n3.", DNS_T_A, NOW_MS, &p));
	/* c.n3. exists; its record is not cached: never NXDOMAIN */
	T_CHECK(!lookup(nc, c, "c.n3.", DNS_T_A, NOW_MS, &p));
	T_CHECK(!lookup(nc, c, "x.c.n3.", DNS_T_A, NOW_MS, &p));
	res_nsec_free(nc);
	res_cache_free(c);
	ldns_key_deep_free(z.key);
}

int main(void)
{
	T_RUN(test_nsec_synth);
	T_RUN(test_nsec_bad_soa_not_kept);
	T_RUN(test_nsec_evicted);
	T_RUN(test_nsec_rebuild_after_load);
	T_RUN(test_nsec3_optout_not_kept);
	T_RUN(test_nsec3_needs_all_three);
	T_DONE();
}
