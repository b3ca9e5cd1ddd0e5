/*
 * Unit tests for resolver/denial.c with the NSEC3 records of the RFC 5155
 * Appendix A zone (example., SHA-1, 12 iterations, salt AABBCCDD, the
 * Opt-Out flag set on every record) and the responses of Appendix B:
 * B.1 name error, B.2 no data, B.2.1 no data at an empty non-terminal,
 * B.3 referral to an opt-out unsigned zone, B.4 wildcard expansion, B.5
 * wildcard no data.  Signatures are validate.c's business (test_validate);
 * here the proofs alone are judged.
 *
 * What the examples prove: every one of them is a complete proof, so it
 * is never BOGUS.  Where the proof rests on an NSEC3 covering the next
 * closer name and that record has Opt-Out set (B.1, B.3, B.4, B.5), an
 * unsigned delegation may hide in the span (RFC 5155 9.2): the answer is
 * INSECURE, never SECURE (RFC 5155 9.2; unbound does the same).  With the Opt-Out flag cleared the same records are SECURE, and
 * B.3 (no DS, no matching NSEC3) becomes BOGUS.  Each proof with one of
 * its records taken away is BOGUS.
 */
#include <stdlib.h>

#include "resolver/res_int.h"
#include "resolver/val_int.h"
#include "t.h"

enum { T_A = 1, T_NS = 2, T_SOA = 6, T_HINFO = 13, T_MX = 15,
       T_AAAA = 28, T_DS = 43, T_RRSIG = 46, T_DNSKEY = 48,
       T_NSEC3PARAM = 51 };

/* RFC 5155 Appendix A: the NSEC3 chain of example. (hash -> next). */
static const struct a_rec {
	const char *hash, *next;
	uint16_t types[8];
} a_zone[] = {
	{"0p9mhaveqvm6t7vbl5lop2u3t2rp3tom", "2t7b4g4vsa5smi47k61mv5bv1a22bojr",
	 {T_NS, T_SOA, T_MX, T_RRSIG, T_DNSKEY, T_NSEC3PARAM}},  /* example */
	{"2t7b4g4vsa5smi47k61mv5bv1a22bojr", "2vptu5timamqttgl4luu9kg21e0aor3s",
	 {T_A, T_RRSIG}},                                        /* ns1 */
	{"2vptu5timamqttgl4luu9kg21e0aor3s", "35mthgpgcu1qg68fab165klnsnk3dpvl",
	 {T_MX, T_RRSIG}},                                       /* x.y.w */
	{"35mthgpgcu1qg68fab165klnsnk3dpvl", "b4um86eghhds6nea196smvmlo4ors995",
	 {T_NS, T_DS, T_RRSIG}},                                 /* a */
	{"b4um86eghhds6nea196smvmlo4ors995", "gjeqe526plbf1g8mklp59enfd789njgi",
	 {T_MX, T_RRSIG}},                                       /* x.w */
	{"gjeqe526plbf1g8mklp59enfd789njgi", "ji6neoaepv8b5o6k4ev33abha8ht9fgc",
	 {T_A, T_HINFO, T_AAAA, T_RRSIG}},                       /* ai */
	{"ji6neoaepv8b5o6k4ev33abha8ht9fgc", "k8udemvp1j2f7eg6jebps17vp3n8i58h",
	 {0}},                                                   /* y.w (ENT) */
	{"k8udemvp1j2f7eg6jebps17vp3n8i58h", "kohar7mbb8dc2ce8a9qvl8hon4k53uhi",
	 {0}},                                                   /* w (ENT) */
	{"kohar7mbb8dc2ce8a9qvl8hon4k53uhi", "q04jkcevqvmu85r014c7dkba38o0ji5r",
	 {T_A, T_RRSIG}},
	{"q04jkcevqvmu85r014c7dkba38o0ji5r", "r53bq7cc2uvmubfu5ocmm6pers9tk9en",
	 {T_A, T_RRSIG}},                                        /* ns2 */
	{"r53bq7cc2uvmubfu5ocmm6pers9tk9en", "t644ebqk9bibcna874givr6joj62mlhv",
	 {T_MX, T_RRSIG}},                                       /* *.w */
	{"t644ebqk9bibcna874givr6joj62mlhv", "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom",
	 {T_A, T_HINFO, T_AAAA, T_RRSIG}},                       /* xx */
};
#define A_N ((int)(sizeof(a_zone) / sizeof(a_zone[0])))

typedef struct n3rec {
	uint8_t owner[WIRE_MAXNAME];
	uint8_t rd[128];
	uint16_t rdlen;
} n3rec;

static n3rec recs[A_N];

/* The records in wire form, with the given flags byte. */
static void build(uint8_t flags)
{
	static const uint8_t salt[] = {0xaa, 0xbb, 0xcc, 0xdd};

	for (int i = 0; i < A_N; i++) {
		char owner[64];
		uint8_t *p = recs[i].rd, *bm;
		int max = 0;

		snprintf(owner, sizeof(owner), "%s.example.", a_zone[i].hash);
		T_CHECK(wire_name_from_str(owner, recs[i].owner) > 0);
		*p++ = 1;                  /* SHA-1 */
		*p++ = flags;
		*p++ = 0;
		*p++ = 12;                 /* iterations */
		*p++ = sizeof(salt);
		memcpy(p, salt, sizeof(salt));
		p += sizeof(salt);
		*p++ = 20;
		T_EQ(zone_nsec3_b32hex((const uint8_t *)a_zone[i].next,
				    strlen(a_zone[i].next), p), 0);
		p += 20;
		bm = p;                    /* window 0 only: all types < 256 */
		memset(bm, 0, 34);
		for (int k = 0; a_zone[i].types[k]; k++) {
			uint16_t t = a_zone[i].types[k];

			bm[2 + t / 8] |= (uint8_t)(0x80 >> (t % 8));
			if (t / 8 + 1 > max)
				max = t / 8 + 1;
		}
		bm[1] = (uint8_t)max;
		p += max ? max + 2 : 0;
		recs[i].rdlen = (uint16_t)(p - recs[i].rd);
	}
}

static int find(const char *hash)
{
	for (int i = 0; i < A_N; i++)
		if (!strcmp(a_zone[i].hash, hash))
			return i;
	printf("  no record %s\n", hash);
	exit(2);
}

/* A response's NSEC3 set: hashes, NULL-terminated, minus index skip. */
static size_t set_of(const char *const *hashes, int skip, res_nsec_set *s)
{
	size_t n = 0;

	for (int i = 0; hashes[i]; i++) {
		const n3rec *x = &recs[find(hashes[i])];

		if (i == skip)
			continue;
		s[n].lname = x->owner;
		s[n].type = 50;
		s[n].rdata = x->rd;
		s[n].rdlen = x->rdlen;
		n++;
	}
	return n;
}

static size_t whole_zone(res_nsec_set *s)
{
	for (int i = 0; i < A_N; i++) {
		s[i].lname = recs[i].owner;
		s[i].type = 50;
		s[i].rdata = recs[i].rd;
		s[i].rdlen = recs[i].rdlen;
	}
	return A_N;
}

static res_sec den(int kind, const char *q, uint16_t qtype,
		   const res_nsec_set *s, size_t n)
{
	uint8_t qn[WIRE_MAXNAME], zn[WIRE_MAXNAME];

	T_CHECK(wire_name_from_str(q, qn) > 0);
	T_CHECK(wire_name_from_str("example.", zn) > 0);
	return res_val_denial(kind, qn, qtype, zn, s, n).sec;
}

static res_sec wild(const char *q, const char *wc, const res_nsec_set *s,
		    size_t n)
{
	uint8_t qn[WIRE_MAXNAME], wn[WIRE_MAXNAME], zn[WIRE_MAXNAME];

	T_CHECK(wire_name_from_str(q, qn) > 0);
	T_CHECK(wire_name_from_str(wc, wn) > 0);
	T_CHECK(wire_name_from_str("example.", zn) > 0);
	return res_val_denial_wildcard(qn, wn, zn, s, n).sec;
}

/* The responses of Appendix B (their NSEC3 RRs). */
static const char *const b1[] = {
	"0p9mhaveqvm6t7vbl5lop2u3t2rp3tom",   /* covers c.x.w (next closer) */
	"b4um86eghhds6nea196smvmlo4ors995",   /* matches x.w (closest enc.) */
	"35mthgpgcu1qg68fab165klnsnk3dpvl",   /* covers *.x.w */
	NULL};
static const char *const b2[] = {
	"2t7b4g4vsa5smi47k61mv5bv1a22bojr", NULL};   /* matches ns1 */
static const char *const b21[] = {
	"ji6neoaepv8b5o6k4ev33abha8ht9fgc", NULL};   /* matches y.w (ENT) */
static const char *const b3[] = {
	"35mthgpgcu1qg68fab165klnsnk3dpvl",   /* covers c (next closer) */
	"0p9mhaveqvm6t7vbl5lop2u3t2rp3tom",   /* matches example (c.e.) */
	NULL};
static const char *const b4[] = {
	"q04jkcevqvmu85r014c7dkba38o0ji5r", NULL};   /* covers z.w */
static const char *const b5[] = {
	"k8udemvp1j2f7eg6jebps17vp3n8i58h",   /* matches w (closest enc.) */
	"q04jkcevqvmu85r014c7dkba38o0ji5r",   /* covers z.w (next closer) */
	"r53bq7cc2uvmubfu5ocmm6pers9tk9en",   /* matches *.w: no AAAA */
	NULL};

/* Each case: its response, then the whole zone's chain (an answer that
 * carries more than it needs proves the same); sec is what both give. */
static void b_cases(res_sec nx, res_sec ref, res_sec wc)
{
	res_nsec_set s[A_N], all[A_N];
	size_t n, na = whole_zone(all);

	n = set_of(b1, -1, s);
	T_EQ(den(1, "a.c.x.w.example.", T_A, s, n), nx);
	T_EQ(den(1, "a.c.x.w.example.", T_A, all, na), nx);
	n = set_of(b2, -1, s);
	T_EQ(den(2, "ns1.example.", T_MX, s, n), RES_SEC_SECURE);
	T_EQ(den(2, "ns1.example.", T_MX, all, na), RES_SEC_SECURE);
	n = set_of(b21, -1, s);
	T_EQ(den(2, "y.w.example.", T_A, s, n), RES_SEC_SECURE);
	T_EQ(den(2, "y.w.example.", T_A, all, na), RES_SEC_SECURE);
	/* B.3: the referral's proof that c.example. has no DS */
	n = set_of(b3, -1, s);
	T_EQ(den(3, "c.example.", T_DS, s, n), ref);
	T_EQ(den(3, "c.example.", T_DS, all, na), ref);
	T_EQ(den(2, "c.example.", T_DS, s, n), ref);
	n = set_of(b4, -1, s);
	T_EQ(wild("a.z.w.example.", "*.w.example.", s, n), wc);
	T_EQ(wild("a.z.w.example.", "*.w.example.", all, na), wc);
	n = set_of(b5, -1, s);
	T_EQ(den(2, "a.z.w.example.", T_AAAA, s, n), wc);
	T_EQ(den(2, "a.z.w.example.", T_AAAA, all, na), wc);
}

/* As published: Opt-Out on every record. */
static void test_rfc5155_b_optout(void)
{
	build(1);
	b_cases(RES_SEC_INSECURE, RES_SEC_INSECURE, RES_SEC_INSECURE);
}

/* The same chain without Opt-Out: every proof is secure, and B.3 (no
 * NSEC3 matches c.example.) proves nothing. */
static void test_rfc5155_b_no_optout(void)
{
	build(0);
	b_cases(RES_SEC_SECURE, RES_SEC_BOGUS, RES_SEC_SECURE);
}

/* A proof missing any one of its records is bogus; so are the answers
 * the records contradict. */
static void test_rfc5155_b_incomplete(void)
{
	res_nsec_set s[A_N];
	size_t n;

	for (int f = 0; f <= 1; f++) {
		build((uint8_t)f);
		for (int k = 0; k < 3; k++) {
			n = set_of(b1, k, s);
			T_EQ(den(1, "a.c.x.w.example.", T_A, s, n),
			     RES_SEC_BOGUS);
			/* without the wildcard's record, an opt-out span
			 * over z.w may hide an unsigned delegation: insecure
			 * (unbound's reading of RFC 5155 9.2), never secure */
			n = set_of(b5, k, s);
			T_EQ(den(2, "a.z.w.example.", T_AAAA, s, n),
			     f && k == 2 ? RES_SEC_INSECURE : RES_SEC_BOGUS);
		}
		n = set_of(b3, 1, s);      /* no closest encloser */
		T_EQ(den(3, "c.example.", T_DS, s, n), RES_SEC_BOGUS);
		T_EQ(wild("a.z.w.example.", "*.w.example.", s, 0),
		     RES_SEC_BOGUS);
		n = set_of(b2, -1, s);     /* ns1 has an A */
		T_EQ(den(2, "ns1.example.", T_A, s, n), RES_SEC_BOGUS);
		T_EQ(den(1, "ns1.example.", T_A, s, n), RES_SEC_BOGUS);
		n = set_of(b21, -1, s);    /* y.w exists: no NXDOMAIN */
		T_EQ(den(1, "y.w.example.", T_A, s, n), RES_SEC_BOGUS);
		n = set_of(b5, -1, s);     /* the wildcard has MX */
		T_EQ(den(2, "a.z.w.example.", T_MX, s, n), RES_SEC_BOGUS);
		n = set_of(b4, -1, s);     /* z.w is covered, *.z.w is not */
		T_EQ(wild("a.z.w.example.", "*.z.w.example.", s, n),
		     RES_SEC_BOGUS);
	}
}

int main(void)
{
	T_RUN(test_rfc5155_b_optout);
	T_RUN(test_rfc5155_b_no_optout);
	T_RUN(test_rfc5155_b_incomplete);
	T_DONE();
}
