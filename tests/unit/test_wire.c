/* Unit tests for the wire codec (zones/wire.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "zones/zones.h"
#include "tests/unit/t.h"

/* Wire name from presentation form (test helper; aborts on bad input). */
static const uint8_t *N(const char *s, uint8_t buf[WIRE_MAXNAME])
{
	if (wire_name_from_str(s, buf) < 0) {
		printf("  bad test name %s\n", s);
		abort();
	}
	return buf;
}

/* Exact (case-sensitive) match of a wire name against a string. */
static int name_is(const uint8_t *wire, const char *s)
{
	uint8_t b[WIRE_MAXNAME];

	return wire_name_from_str(s, b) > 0 && wire_name_len(b) ==
	       wire_name_len(wire) && memcmp(b, wire, wire_name_len(b)) == 0;
}

/* ---- wire_name_read ---- */

static void test_name_read_plain(void)
{
	static const uint8_t m[] = { 3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm',
		'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0xff };
	uint8_t out[WIRE_MAXNAME];
	size_t pos = 0;

	T_EQ(wire_name_read(m, sizeof(m), &pos, out), 17);
	T_EQ(pos, 17);
	T_CHECK(name_is(out, "www.example.com."));
	pos = 16;
	T_EQ(wire_name_read(m, sizeof(m), &pos, out), 1);
	T_EQ(pos, 17);
	T_EQ(out[0], 0);
	pos = 0;
	T_EQ(wire_name_read(m, sizeof(m), &pos, NULL), 17);
	T_EQ(pos, 17);
}

static void test_name_read_pointers(void)
{
	/* 0: example.com  13: www -> 0  19: a -> 13  23: ptr -> 19 */
	static const uint8_t m[] = { 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3,
		'c', 'o', 'm', 0, 3, 'w', 'w', 'w', 0xc0, 0, 1, 'a', 0xc0, 13,
		0xc0, 19 };
	uint8_t out[WIRE_MAXNAME];
	size_t pos = 13;

	T_EQ(wire_name_read(m, sizeof(m), &pos, out), 17);
	T_EQ(pos, 19);
	T_CHECK(name_is(out, "www.example.com"));
	pos = 19;
	T_EQ(wire_name_read(m, sizeof(m), &pos, out), 19);
	T_EQ(pos, 23);
	T_CHECK(name_is(out, "a.www.example.com"));
	pos = 23;
	T_EQ(wire_name_read(m, sizeof(m), &pos, out), 19);
	T_EQ(pos, 25);
	T_CHECK(name_is(out, "a.www.example.com"));
}

static void test_name_read_loops(void)
{
	uint8_t out[WIRE_MAXNAME];
	/* self pointer */
	static const uint8_t self[] = { 0xc0, 0 };
	/* two labels then pointer back to the start of the same name */
	static const uint8_t back[] = { 1, 'a', 1, 'b', 0xc0, 0 };
	/* pointer into the middle of its own name */
	static const uint8_t mid[] = { 1, 'a', 1, 'b', 0xc0, 2 };
	/* a: 0 -> pointer at 2 -> 0 ... mutual loop */
	static const uint8_t mutual[] = { 0xc0, 2, 0xc0, 0 };
	/* forward pointer */
	static const uint8_t fwd[] = { 0xc0, 2, 1, 'a', 0 };
	/* label types 0x40 and 0x80 */
	static const uint8_t t40[] = { 0x41, 'a', 0 };
	static const uint8_t t80[] = { 0x81, 'a', 0 };
	size_t pos;

	pos = 0;
	T_EQ(wire_name_read(self, sizeof(self), &pos, out), WIRE_ELOOP);
	pos = 0;
	T_EQ(wire_name_read(back, sizeof(back), &pos, out), WIRE_ELOOP);
	pos = 0;
	T_EQ(wire_name_read(mid, sizeof(mid), &pos, out), WIRE_ELOOP);
	pos = 2;
	T_EQ(wire_name_read(mutual, sizeof(mutual), &pos, out), WIRE_ELOOP);
	pos = 0;
	T_EQ(wire_name_read(mutual, sizeof(mutual), &pos, out), WIRE_ELOOP);
	pos = 0;
	T_EQ(wire_name_read(fwd, sizeof(fwd), &pos, out), WIRE_ELOOP);
	pos = 0;
	T_EQ(wire_name_read(t40, sizeof(t40), &pos, out), WIRE_EBADNAME);
	pos = 0;
	T_EQ(wire_name_read(t80, sizeof(t80), &pos, out), WIRE_EBADNAME);
}

static void test_name_read_bounds(void)
{
	uint8_t m[600], out[WIRE_MAXNAME];
	size_t pos, i;

	/* label of 64 */
	memset(m, 'a', sizeof(m));
	m[0] = 64;
	m[65] = 0;
	pos = 0;
	T_EQ(wire_name_read(m, 66, &pos, out), WIRE_EBADNAME);
	/* 63 is fine */
	m[0] = 63;
	m[64] = 0;
	pos = 0;
	T_EQ(wire_name_read(m, 65, &pos, out), 65);
	/* exactly 255: 3 x 63 + one 61-label + root = 192+62+1 */
	for (i = 0; i < 3; i++)
		m[i * 64] = 63;
	m[192] = 61;
	memset(m + 193, 'b', 61);
	m[254] = 0;
	pos = 0;
	T_EQ(wire_name_read(m, 255, &pos, out), 255);
	T_EQ(pos, 255);
	/* 256 */
	m[192] = 62;
	memset(m + 193, 'b', 62);
	m[255] = 0;
	pos = 0;
	T_EQ(wire_name_read(m, 256, &pos, out), WIRE_EBADNAME);
	/* overlong only through pointers: 0: 63 a's,0; 65: 63 b's -> 0;
	 * 131: 63 c's -> 65; 197: 63 d's -> 131 = 4*64+1 = 257 */
	memset(m, 'x', sizeof(m));
	m[0] = 63; m[64] = 0;
	m[65] = 63; m[129] = 0xc0; m[130] = 0;
	m[131] = 63; m[195] = 0xc0; m[196] = 65;
	m[197] = 63; m[261] = 0xc0; m[262] = 131;
	pos = 131;
	T_EQ(wire_name_read(m, 263, &pos, out), 193);
	pos = 197;
	T_EQ(wire_name_read(m, 263, &pos, out), WIRE_EBADNAME);
}

static void test_name_read_truncated(void)
{
	static const uint8_t m[] = { 3, 'w', 'w', 'w', 2, 'a', 'b', 0,
		0xc0, 4 };
	uint8_t out[WIRE_MAXNAME];
	size_t pos, n;

	for (n = 0; n < 8; n++) {
		pos = 0;
		T_EQ(wire_name_read(m, n, &pos, out), WIRE_ESHORT);
	}
	pos = 0;
	T_EQ(wire_name_read(m, 8, &pos, out), 8);
	pos = 8;
	T_EQ(wire_name_read(m, 9, &pos, out), WIRE_ESHORT); /* half pointer */
	pos = 8;
	T_EQ(wire_name_read(m, 10, &pos, out), 4);
	pos = 10;
	T_EQ(wire_name_read(m, 10, &pos, out), WIRE_ESHORT);
}

/* ---- name helpers ---- */

static void test_name_helpers(void)
{
	uint8_t a[WIRE_MAXNAME], b[WIRE_MAXNAME], l[WIRE_MAXNAME];

	N("WwW.ExAmple.COM", a);
	T_EQ(wire_name_len(a), 17);
	T_EQ(wire_name_labels(a), 3);
	T_EQ(wire_name_labels(N(".", b)), 0);
	T_EQ(wire_name_len(b), 1);
	T_EQ(wire_name_lower(l, a), 17);
	T_CHECK(name_is(l, "www.example.com"));
	T_CHECK(wire_name_equal(a, N("www.example.com.", b)));
	T_CHECK(!wire_name_equal(a, N("www.example.co", b)));
	T_CHECK(!wire_name_equal(a, N("ww.example.com", b)));
	T_CHECK(wire_name_is_sub(a, N("example.com", b)));
	T_CHECK(wire_name_is_sub(a, N("EXAMPLE.com", b)));
	T_CHECK(wire_name_is_sub(a, N("www.example.com", b)));
	T_CHECK(wire_name_is_sub(a, N(".", b)));
	T_CHECK(!wire_name_is_sub(a, N("ample.com", b)));
	T_CHECK(!wire_name_is_sub(N("example.com", b), a));
	T_CHECK(!wire_name_is_sub(a, N("org", b)));
}

static void test_name_cmp_canonical(void)
{
	/* RFC 4034 section 6.1 example, in canonical order */
	static const char *ord[] = { "example", "a.example",
		"yljkjljk.a.example", "Z.a.example", "zABC.a.EXAMPLE",
		"z.example", "\\001.z.example", "*.z.example",
		"\\200.z.example" };
	uint8_t a[WIRE_MAXNAME], b[WIRE_MAXNAME];
	size_t i, j, n = sizeof(ord) / sizeof(ord[0]);

	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++) {
			int c = wire_name_cmp(N(ord[i], a), N(ord[j], b));

			if ((i < j && c >= 0) || (i > j && c <= 0) ||
			    (i == j && c != 0)) {
				printf("  cmp(%s, %s) = %d\n", ord[i], ord[j],
				       c);
				T_CHECK(0);
			}
		}
	T_EQ(wire_name_cmp(N("A.B", a), N("a.b", b)), 0);
	T_CHECK(wire_name_cmp(N(".", a), N("a", b)) < 0);
	T_CHECK(wire_name_cmp(N("b.a", a), N("a.b", b)) < 0);
}

/* ---- presentation ---- */

static void roundtrip(const char *in, const char *expect, int wlen)
{
	uint8_t w[WIRE_MAXNAME];
	char s[1100];
	int r = wire_name_from_str(in, w);

	T_EQ(r, wlen);
	if (r < 0)
		return;
	T_EQ(wire_name_to_str(w, s, sizeof(s)), strlen(expect));
	if (strcmp(s, expect) != 0) {
		printf("  %s -> %s, expected %s\n", in, s, expect);
		T_CHECK(0);
	}
}

static void test_name_str(void)
{
	uint8_t w[WIRE_MAXNAME], w2[WIRE_MAXNAME];
	char s[1100], big[400];
	int i;

	roundtrip(".", ".", 1);
	roundtrip("a", "a.", 3);
	roundtrip("a.b", "a.b.", 5);
	roundtrip("a.b.", "a.b.", 5);
	roundtrip("Host-1.Example.", "Host-1.Example.", 16);
	roundtrip("a\\.b.c", "a\\.b.c.", 7);
	roundtrip("\\065b", "Ab.", 4);
	roundtrip("x\\000y", "x\\000y.", 5);
	roundtrip("sp\\032ace", "sp\\032ace.", 8);
	roundtrip("q\\\"\\(\\)\\;\\@\\$\\\\", "q\\\"\\(\\)\\;\\@\\$\\\\.", 10);
	roundtrip("\\255\\127", "\\255\\127.", 4);
	T_EQ(wire_name_from_str("", w), WIRE_EBADNAME);
	T_EQ(wire_name_from_str("a..b", w), WIRE_EBADNAME);
	T_EQ(wire_name_from_str(".a", w), WIRE_EBADNAME);
	T_EQ(wire_name_from_str("a..", w), WIRE_EBADNAME);
	T_EQ(wire_name_from_str("a\\", w), WIRE_EBADNAME);
	T_EQ(wire_name_from_str("a\\25", w), WIRE_EBADNAME);
	T_EQ(wire_name_from_str("a\\256", w), WIRE_EBADNAME);
	/* 63-octet label ok, 64 not */
	memset(big, 'a', 64);
	big[63] = '\0';
	T_EQ(wire_name_from_str(big, w), 65);
	big[63] = 'a';
	big[64] = '\0';
	T_EQ(wire_name_from_str(big, w), WIRE_EBADNAME);
	/* 255 total ok, 256 not: 4 labels 63,63,63,61 */
	for (i = 0; i < 4; i++) {
		memset(big + i * 64, 'c', 63);
		big[i * 64 + 63] = '.';
	}
	big[3 * 64 + 61] = '\0';
	T_EQ(wire_name_from_str(big, w), 255);
	big[3 * 64 + 61] = 'c';
	big[3 * 64 + 62] = '\0';
	T_EQ(wire_name_from_str(big, w), WIRE_EBADNAME);
	big[3 * 64 + 61] = '.';   /* 61 + trailing dot: still 255 */
	T_EQ(wire_name_from_str(big, w), 255);
	big[3 * 64 + 61] = 'c';
	big[3 * 64 + 62] = '.';
	big[3 * 64 + 63] = '\0';
	T_EQ(wire_name_from_str(big, w), WIRE_EBADNAME);
	/* every octet value survives a round trip */
	for (i = 0; i < 256; i++) {
		w[0] = 1;
		w[1] = (uint8_t)i;
		w[2] = 0;
		T_CHECK(wire_name_to_str(w, s, sizeof(s)) > 0);
		T_EQ(wire_name_from_str(s, w2), 3);
		T_EQ(w2[1], i);
	}
	/* output space */
	N("abc.de", w);
	T_EQ(wire_name_to_str(w, s, 8), 7);
	T_EQ(wire_name_to_str(w, s, 7), WIRE_ESPACE);
	T_EQ(wire_name_to_str(N(".", w), s, 1), WIRE_ESPACE);
}

/* ---- writer ---- */

typedef struct trr {
	const char *owner;
	uint16_t type;
	const char *n1, *n2;   /* names in rdata (NS/CNAME/PTR/MX/SOA/...) */
} trr;

/* Build uncompressed rdata for a test RR; returns its length. */
static uint16_t mk_rdata(const trr *t, uint8_t *rd)
{
	uint8_t n[WIRE_MAXNAME];
	size_t l = 0, k;

	if (t->type == DNS_T_A) {
		memcpy(rd, "\xc0\x00\x02\x01", 4);
		return 4;
	}
	if (t->type == DNS_T_MX || t->type == DNS_T_SRV) {
		size_t pre = t->type == DNS_T_MX ? 2 : 6;

		memset(rd, 0, pre);
		rd[1] = 10;
		l = pre;
	}
	k = wire_name_len(N(t->n1, n));
	memcpy(rd + l, n, k);
	l += k;
	if (t->type == DNS_T_SOA) {
		k = wire_name_len(N(t->n2, n));
		memcpy(rd + l, n, k);
		l += k;
		for (k = 0; k < 20; k++)
			rd[l + k] = (uint8_t)(k + 1);
		l += 20;
	}
	return (uint16_t)l;
}

static const trr tset[] = {
	{ "Example.COM", DNS_T_SOA, "ns1.example.com", "hostmaster.example.com" },
	{ "example.com", DNS_T_NS, "ns1.example.com", NULL },
	{ "example.com", DNS_T_NS, "ns2.EXAMPLE.com", NULL },
	{ "example.com", DNS_T_MX, "mail.example.com", NULL },
	{ "www.example.com", DNS_T_CNAME, "host.sub.example.com", NULL },
	{ "host.sub.example.com", DNS_T_A, NULL, NULL },
	{ "1.2.0.192.in-addr.arpa", DNS_T_PTR, "host.sub.example.com", NULL },
	{ "_sip._udp.example.com", DNS_T_SRV, "sip.example.com", NULL },
	{ "other.org", DNS_T_NS, "ns.example.com", NULL },
	{ "a.b.c.d.e.f.example.com", DNS_T_CNAME, "b.c.d.e.f.example.com", NULL },
};
enum { NTSET = sizeof(tset) / sizeof(tset[0]) };

static size_t write_set(wire_writer *w, size_t ttl_offs[NTSET])
{
	uint8_t rd[600], on[WIRE_MAXNAME];
	size_t i, n = 0;

	wire_write16(w, 0x1234);
	wire_write16(w, DNS_F_QR | DNS_F_AA);
	wire_write16(w, 0);
	wire_write16(w, NTSET);
	wire_write16(w, 0);
	wire_write16(w, 0);
	for (i = 0; i < NTSET; i++) {
		uint16_t rl = mk_rdata(&tset[i], rd);

		if (wire_write_rr(w, N(tset[i].owner, on), tset[i].type,
				  DNS_C_IN, (uint32_t)(3600 + i), rd, rl,
				  &ttl_offs[i]) == 0)
			n++;
	}
	return n;
}

/* Parse back one RR with wire_name_read and check names and rdata. */
static void check_rr_back(const uint8_t *m, size_t len, size_t *pos,
			  const trr *t, size_t ttl_off, uint32_t ttl)
{
	uint8_t name[WIRE_MAXNAME], n[WIRE_MAXNAME], rd[600];
	size_t p, end;
	uint16_t rl = mk_rdata(t, rd);

	/* compression makes later names take an earlier name's case */
	T_CHECK(wire_name_read(m, len, pos, name) > 0);
	T_CHECK(wire_name_equal(name, N(t->owner, n)));
	T_EQ(wire_get16(m + *pos), t->type);
	T_EQ(*pos + 4, ttl_off);
	T_EQ(wire_get32(m + ttl_off), ttl);
	p = *pos + 10;
	end = p + wire_get16(m + *pos + 8);
	*pos = end;
	if (t->type == DNS_T_A || t->type == DNS_T_SRV) {
		/* not compressed: copied as is */
		T_EQ(end - p, rl);
		T_CHECK(memcmp(m + p, rd, rl) == 0);
		return;
	}
	if (t->type == DNS_T_MX)
		p += 2;
	T_CHECK(wire_name_read(m, len, &p, name) > 0);
	T_CHECK(wire_name_equal(name, N(t->n1, n)));
	if (t->type == DNS_T_SOA) {
		T_CHECK(wire_name_read(m, len, &p, name) > 0);
		T_CHECK(wire_name_equal(name, N(t->n2, n)));
		T_CHECK(memcmp(m + p, rd + rl - 20, 20) == 0);
		p += 20;
	}
	T_EQ(p, end);
}

static void check_ldns(const uint8_t *m, size_t len)
{
	ldns_pkt *pkt = NULL;
	size_t i;

	T_EQ(ldns_wire2pkt(&pkt, m, len), LDNS_STATUS_OK);
	if (pkt == NULL)
		return;
	T_EQ(ldns_pkt_ancount(pkt), NTSET);
	for (i = 0; i < NTSET && i < ldns_pkt_ancount(pkt); i++) {
		ldns_rr *rr = ldns_rr_list_rr(ldns_pkt_answer(pkt), i);
		ldns_rdf *o = ldns_dname_new_frm_str(tset[i].owner);

		T_EQ(ldns_dname_compare(ldns_rr_owner(rr), o), 0);
		T_EQ(ldns_rr_get_type(rr), tset[i].type);
		ldns_rdf_deep_free(o);
		if (tset[i].n1 && tset[i].type != DNS_T_SRV) {
			size_t ix = 0;
			ldns_rdf *e = ldns_dname_new_frm_str(tset[i].n1);

			if (tset[i].type == DNS_T_MX)
				ix = 1;
			T_EQ(ldns_dname_compare(ldns_rr_rdf(rr, ix), e), 0);
			ldns_rdf_deep_free(e);
		}
	}
	ldns_pkt_free(pkt);
}

static void test_writer_roundtrip(void)
{
	uint8_t m[1024];
	size_t ttl_offs[NTSET], pos = WIRE_HDRLEN, i, plain = WIRE_HDRLEN;
	wire_writer w;
	uint8_t rd[600], on[WIRE_MAXNAME];

	wire_writer_init(&w, m, sizeof(m), sizeof(m));
	T_EQ(write_set(&w, ttl_offs), NTSET);
	for (i = 0; i < NTSET; i++)
		check_rr_back(m, w.len, &pos, &tset[i], ttl_offs[i],
			      (uint32_t)(3600 + i));
	T_EQ(pos, w.len);
	check_ldns(m, w.len);
	/* compression actually happened */
	for (i = 0; i < NTSET; i++)
		plain += wire_name_len(N(tset[i].owner, on)) + 10 +
			 mk_rdata(&tset[i], rd);
	T_CHECK(w.len + 150 < plain);
	/* second ns name: owner compressed to a bare pointer */
	T_CHECK(w.ncomp > 0 && w.ncomp <= WIRE_MAXCOMP);
}

static void test_writer_compress_details(void)
{
	uint8_t m[512], n[WIRE_MAXNAME];
	wire_writer w;

	wire_writer_init(&w, m, sizeof(m), sizeof(m));
	T_EQ(wire_write_name(&w, N("a.Example.com", n), 1), 0);
	T_EQ(w.len, 15);
	/* identical name (other case) -> pointer to 0 */
	T_EQ(wire_write_name(&w, N("A.EXAMPLE.COM", n), 1), 0);
	T_EQ(w.len, 17);
	T_EQ(wire_get16(m + 15), 0xc000);
	/* suffix: pointer to offset 2 (example.com) */
	T_EQ(wire_write_name(&w, N("b.example.com", n), 1), 0);
	T_EQ(w.len, 21);
	T_EQ(wire_get16(m + 19), 0xc002);
	/* suffix of a compressed name: c.b.example.com -> pointer to 17 */
	T_EQ(wire_write_name(&w, N("c.b.example.com", n), 1), 0);
	T_EQ(wire_get16(m + 23), 0xc000 | 17);
	T_EQ(w.len, 25);
	/* compress = 0: written in full */
	T_EQ(wire_write_name(&w, N("b.example.com", n), 0), 0);
	T_EQ(w.len, 40);
	/* partial label match does not count */
	T_EQ(wire_write_name(&w, N("xample.com", n), 1), 0);
	T_EQ(wire_get16(m + 47), 0xc000 | 10);
	/* root: one byte */
	T_EQ(wire_write_name(&w, N(".", n), 1), 0);
	T_EQ(w.len, 50);
	T_EQ(m[49], 0);
}

static void test_writer_far_offsets(void)
{
	static uint8_t m[0x5000];
	uint8_t n[WIRE_MAXNAME];
	wire_writer w;
	size_t pos, at;

	wire_writer_init(&w, m, sizeof(m), sizeof(m));
	memset(m, 0, 0x4100);
	w.len = 0x4100;   /* pretend raw data was written */
	at = w.len;
	T_EQ(wire_write_name(&w, N("far.example", n), 1), 0);
	T_EQ(w.ncomp, 0); /* beyond pointer range: not remembered */
	T_EQ(wire_write_name(&w, N("far.example", n), 1), 0);
	T_EQ(w.len, at + 2 * 13);   /* no pointer possible */
	pos = at + 13;
	T_EQ(wire_name_read(m, w.len, &pos, n), 13);
}

static void test_writer_espace(void)
{
	uint8_t m[512], on[WIRE_MAXNAME], rd[600];
	wire_writer w;
	trr soa = tset[0];
	uint16_t rl = mk_rdata(&soa, rd);
	size_t ttl = 0, len, lim;
	int nc;

	/* a fresh writer fails cleanly at each limit below the full size */
	wire_writer_init(&w, m, sizeof(m), sizeof(m));
	T_EQ(wire_write_rr(&w, N(soa.owner, on), soa.type, DNS_C_IN, 60, rd,
			   rl, &ttl), 0);
	len = w.len;
	for (lim = 0; lim < len; lim++) {
		wire_writer_init(&w, m, sizeof(m), lim);
		T_EQ(wire_write_rr(&w, on, soa.type, DNS_C_IN, 60, rd, rl,
				   NULL), WIRE_ESPACE);
		T_EQ(w.len, 0);
		T_EQ(w.ncomp, 0);
	}
	/* rollback keeps earlier names usable and the buffer consistent */
	lim = 60;
	wire_writer_init(&w, m, sizeof(m), lim);
	T_EQ(wire_write_rr(&w, N("x.example.com", on), DNS_T_NS, DNS_C_IN, 1,
			   rd, mk_rdata(&tset[1], rd), NULL), 0);
	len = w.len;
	nc = w.ncomp;
	rl = mk_rdata(&soa, rd);
	T_EQ(wire_write_rr(&w, N("long-name-here.example.com", on), DNS_T_SOA,
			   DNS_C_IN, 1, rd, rl, NULL), WIRE_ESPACE);
	T_EQ(w.len, len);
	T_EQ(w.ncomp, nc);
	T_EQ(wire_write_rr(&w, N("x.example.com", on), DNS_T_A, DNS_C_IN, 1,
			   rd, 4, NULL), 0);
	T_EQ(w.len, len + 16);  /* pointer owner: the targets survived */
	len = w.len;
	T_EQ(wire_write(&w, rd, lim - len + 1), WIRE_ESPACE);
	T_EQ(wire_write(&w, rd, lim - len - 1), 0);
	T_EQ(wire_write16(&w, 1), WIRE_ESPACE);
	T_EQ(wire_write32(&w, 1), WIRE_ESPACE);
	T_EQ(wire_write_opt(&w, 1232, 0, 0, 0), WIRE_ESPACE);
	T_EQ(w.len, lim - 1);
	T_EQ(wire_write(&w, rd, 1), 0);
	T_EQ(wire_write(&w, rd, 0), 0);
	T_EQ(w.len, lim);
	/* limit above cap is clamped */
	wire_writer_init(&w, m, 10, 4096);
	T_EQ(w.limit, 10);
}

static void test_writer_opt_and_raw(void)
{
	uint8_t m[64], rd[8] = { 1, 2, 3 };
	uint8_t n[WIRE_MAXNAME];
	wire_writer w;
	static const uint8_t opt[] = { 0, 0, 41, 0x04, 0xd0, 0x10, 0x01,
		0x80, 0x00, 0, 0 };

	wire_writer_init(&w, m, sizeof(m), sizeof(m));
	T_EQ(wire_write_opt(&w, 1232, 0x10, 1, EDNS_F_DO), 0);
	T_EQ(w.len, 11);
	T_CHECK(memcmp(m, opt, 11) == 0);
	/* malformed NS rdata is copied, not interpreted */
	T_EQ(wire_write_rr(&w, N("a", n), DNS_T_NS, DNS_C_IN, 0, rd, 3, NULL),
	     0);
	T_EQ(wire_get16(m + w.len - 5), 3);
	T_CHECK(memcmp(m + w.len - 3, rd, 3) == 0);
}

/* ---- query parsing ---- */

static size_t mkhdr(uint8_t *m, uint16_t flags, uint16_t qd, uint16_t an,
		    uint16_t ns, uint16_t ar)
{
	wire_put16(m, 0xbeef);
	wire_put16(m + 2, flags);
	wire_put16(m + 4, qd);
	wire_put16(m + 6, an);
	wire_put16(m + 8, ns);
	wire_put16(m + 10, ar);
	return WIRE_HDRLEN;
}

static size_t add_q(uint8_t *m, size_t l, const char *name, uint16_t type)
{
	uint8_t n[WIRE_MAXNAME];
	size_t k = wire_name_len(N(name, n));

	memcpy(m + l, n, k);
	wire_put16(m + l + k, type);
	wire_put16(m + l + k + 2, DNS_C_IN);
	return l + k + 4;
}

static size_t add_opt(uint8_t *m, size_t l, uint8_t version, int nonroot)
{
	uint8_t opt[11];
	wire_writer w;

	wire_writer_init(&w, opt, sizeof(opt), sizeof(opt));
	wire_write_opt(&w, 4096, 0, version, EDNS_F_DO);
	if (nonroot) {
		/* owner "x." instead of the root */
		m[l++] = 1;
		m[l++] = 'x';
	}
	memcpy(m + l, opt, 11);
	return l + 11;
}

static void test_query_ok(void)
{
	uint8_t m[512];
	wire_query q;
	size_t l = mkhdr(m, DNS_F_RD, 1, 0, 0, 1);

	l = add_q(m, l, "WwW.Example.com", DNS_T_AAAA);
	l = add_opt(m, l, 0, 0);
	T_EQ(wire_query_parse(m, l, &q), WQ_OK);
	T_EQ(q.id, 0xbeef);
	T_EQ(q.flags, DNS_F_RD);
	T_EQ(q.opcode, 0);
	T_EQ(q.qdcount, 1);
	T_EQ(q.arcount, 1);
	T_EQ(q.qname_len, 17);
	T_CHECK(name_is(q.qname, "WwW.Example.com"));
	T_CHECK(name_is(q.lname, "www.example.com"));
	T_EQ(q.qtype, DNS_T_AAAA);
	T_EQ(q.qclass, DNS_C_IN);
	T_EQ(q.question_end, WIRE_HDRLEN + 17 + 4);
	T_EQ(q.has_edns, 1);
	T_EQ(q.edns_udp, 4096);
	T_EQ(q.edns_version, 0);
	T_EQ(q.edns_flags, EDNS_F_DO);
	T_EQ(q.edns_ext_rcode, 0);
	/* without OPT */
	wire_put16(m + 10, 0);
	T_EQ(wire_query_parse(m, q.question_end, &q), WQ_OK);
	T_EQ(q.has_edns, 0);
	/* trailing junk is tolerated */
	memset(m + l, 0xff, 7);
	wire_put16(m + 10, 1);
	T_EQ(wire_query_parse(m, l + 7, &q), WQ_OK);
	T_EQ(q.has_edns, 1);
}

static void test_query_drop(void)
{
	uint8_t m[512];
	wire_query q;
	size_t l = mkhdr(m, DNS_F_QR, 1, 0, 0, 0), i;

	l = add_q(m, l, "a.example", DNS_T_A);
	T_EQ(wire_query_parse(m, l, &q), WQ_DROP);
	for (i = 0; i < WIRE_HDRLEN; i++)
		T_EQ(wire_query_parse(m, i, &q), WQ_DROP);
}

static void test_query_question_count(void)
{
	uint8_t m[512];
	wire_query q;
	size_t l;

	l = mkhdr(m, 0, 0, 0, 0, 0);
	T_EQ(wire_query_parse(m, l, &q), WQ_FORMERR);
	T_EQ(q.id, 0xbeef);
	l = mkhdr(m, 0, 2, 0, 0, 0);
	l = add_q(m, l, "a.example", DNS_T_A);
	l = add_q(m, l, "b.example", DNS_T_A);
	T_EQ(wire_query_parse(m, l, &q), WQ_FORMERR);
	/* NOTIFY and UPDATE need one question too */
	l = mkhdr(m, DNS_OP_NOTIFY << 11, 0, 0, 0, 0);
	T_EQ(wire_query_parse(m, l, &q), WQ_FORMERR);
	T_EQ(q.opcode, DNS_OP_NOTIFY);
	l = mkhdr(m, DNS_OP_UPDATE << 11, 2, 0, 0, 0);
	l = add_q(m, l, "a.example", DNS_T_SOA);
	l = add_q(m, l, "b.example", DNS_T_SOA);
	T_EQ(wire_query_parse(m, l, &q), WQ_FORMERR);
	/* another opcode (IQUERY) with no question parses; caller NOTIMPs */
	l = mkhdr(m, 1 << 11, 0, 0, 0, 0);
	T_EQ(wire_query_parse(m, l, &q), WQ_OK);
	T_EQ(q.opcode, 1);
}

static void test_query_truncated(void)
{
	uint8_t m[512];
	wire_query q;
	size_t l = mkhdr(m, 0, 1, 0, 0, 0), full, i;

	full = add_q(m, l, "abc.example", DNS_T_A);
	for (i = l; i < full; i++) {
		T_EQ(wire_query_parse(m, i, &q), WQ_FORMERR);
		T_EQ(q.question_end, 0);
	}
	T_EQ(wire_query_parse(m, full, &q), WQ_OK);
	/* bad question name */
	m[l] = 0x41;
	T_EQ(wire_query_parse(m, full, &q), WQ_FORMERR);
	m[l] = 0xc0;
	m[l + 1] = 0x0c;  /* pointer to itself */
	T_EQ(wire_query_parse(m, full, &q), WQ_FORMERR);
}

static void test_query_opt_rules(void)
{
	uint8_t m[512];
	wire_query q;
	size_t l, qe, i;

	/* two OPTs */
	l = mkhdr(m, 0, 1, 0, 0, 2);
	l = add_q(m, l, "a.example", DNS_T_A);
	qe = l;
	l = add_opt(m, l, 0, 0);
	l = add_opt(m, l, 0, 0);
	T_EQ(wire_query_parse(m, l, &q), WQ_FORMERR);
	T_EQ(q.has_edns, 0);
	T_EQ(q.question_end, qe);
	/* OPT with a non-root owner */
	l = mkhdr(m, 0, 1, 0, 0, 1);
	l = add_q(m, l, "a.example", DNS_T_A);
	l = add_opt(m, l, 0, 1);
	T_EQ(wire_query_parse(m, l, &q), WQ_FORMERR);
	T_EQ(q.has_edns, 0);
	/* OPT in the answer / authority section */
	l = mkhdr(m, 0, 1, 1, 0, 0);
	l = add_q(m, l, "a.example", DNS_T_A);
	l = add_opt(m, l, 0, 0);
	T_EQ(wire_query_parse(m, l, &q), WQ_FORMERR);
	mkhdr(m, 0, 1, 0, 1, 0);
	T_EQ(wire_query_parse(m, l, &q), WQ_FORMERR);
	/* EDNS version 1: BADVERS, fields filled */
	l = mkhdr(m, 0, 1, 0, 0, 1);
	l = add_q(m, l, "a.example", DNS_T_A);
	l = add_opt(m, l, 1, 0);
	T_EQ(wire_query_parse(m, l, &q), WQ_BADVERS);
	T_EQ(q.has_edns, 1);
	T_EQ(q.edns_version, 1);
	T_EQ(q.edns_udp, 4096);
	T_EQ(q.edns_flags, EDNS_F_DO);
	/* OPT cut short, or arcount larger than the records present */
	for (i = qe; i < l; i++)
		T_EQ(wire_query_parse(m, i, &q), WQ_FORMERR);
	/* OPT with a well-framed option, then a bad one */
	l = mkhdr(m, 0, 1, 0, 0, 1);
	l = add_q(m, l, "a.example", DNS_T_A);
	l = add_opt(m, l, 0, 0);
	memcpy(m + l, "\x00\x0a\x00\x08" "abcdefgh", 12);
	wire_put16(m + l - 2, 12);
	T_EQ(wire_query_parse(m, l + 12, &q), WQ_OK);
	T_EQ(q.has_edns, 1);
	wire_put16(m + l + 2, 9);
	T_EQ(wire_query_parse(m, l + 12, &q), WQ_FORMERR);
}

static void test_query_other_rrs(void)
{
	uint8_t m[512], rd[4] = { 192, 0, 2, 1 }, n[WIRE_MAXNAME];
	wire_query q;
	wire_writer w;

	/* an UPDATE-like message: zone, one prerequisite, one update, OPT */
	wire_writer_init(&w, m, sizeof(m), sizeof(m));
	mkhdr(m, DNS_OP_UPDATE << 11, 1, 1, 1, 1);
	w.len = WIRE_HDRLEN;
	wire_write_name(&w, N("example.com", n), 1);
	wire_write16(&w, DNS_T_SOA);
	wire_write16(&w, DNS_C_IN);
	wire_write_rr(&w, N("a.example.com", n), DNS_T_A, DNS_C_ANY, 0, rd, 0,
		      NULL);
	wire_write_rr(&w, N("b.example.com", n), DNS_T_A, DNS_C_IN, 60, rd, 4,
		      NULL);
	wire_write_opt(&w, 1232, 0, 0, 0);
	T_EQ(wire_query_parse(m, w.len, &q), WQ_OK);
	T_EQ(q.opcode, DNS_OP_UPDATE);
	T_EQ(q.qtype, DNS_T_SOA);
	T_EQ(q.has_edns, 1);
	T_EQ(q.edns_udp, 1232);
	/* rdlength running past the end */
	wire_put16(m + w.len - 11 - 6, 40);
	T_EQ(wire_query_parse(m, w.len, &q), WQ_FORMERR);
}

/* RFC 4648 base64 and base64url (TSIG secrets, DoH ?dns=, ACME). */
static void test_b64(void)
{
	uint8_t out[16];

	T_EQ(wire_b64_decode("Zm9vYmFy", 8, 0, out, sizeof(out)), 6);
	T_CHECK(!memcmp(out, "foobar", 6));
	T_EQ(wire_b64_decode("Zm9vYg==", 8, 0, out, sizeof(out)), 4);
	T_EQ(wire_b64_decode("Zm9v\nYg", 7, 0, out, sizeof(out)), 4);
	T_EQ(wire_b64_decode("+/8=", 4, 0, out, sizeof(out)), 2);
	T_EQ(out[0], 0xfb);
	T_EQ(out[1], 0xff);
	T_EQ(wire_b64_decode("-_8", 3, 1, out, sizeof(out)), 2);
	T_EQ(out[0], 0xfb);
	T_EQ(wire_b64_decode("-_8", 3, 0, out, sizeof(out)), -1);
	T_EQ(wire_b64_decode("+/8", 3, 1, out, sizeof(out)), -1);
	T_EQ(wire_b64_decode("Zm9v Yg", 7, 1, out, sizeof(out)), -1);
	T_EQ(wire_b64_decode("Zm9vY", 5, 0, out, sizeof(out)), -1);
	T_EQ(wire_b64_decode("Zm=9v", 5, 0, out, sizeof(out)), -1);
	T_EQ(wire_b64_decode("Zg===", 5, 0, out, sizeof(out)), -1);
	T_EQ(wire_b64_decode("Zm9vYmFy", 8, 0, out, 5), -1);
	T_EQ(wire_b64_decode("", 0, 1, out, sizeof(out)), 0);
}

int main(void)
{
	T_RUN(test_name_read_plain);
	T_RUN(test_name_read_pointers);
	T_RUN(test_name_read_loops);
	T_RUN(test_name_read_bounds);
	T_RUN(test_name_read_truncated);
	T_RUN(test_name_helpers);
	T_RUN(test_name_cmp_canonical);
	T_RUN(test_name_str);
	T_RUN(test_writer_roundtrip);
	T_RUN(test_writer_compress_details);
	T_RUN(test_writer_far_offsets);
	T_RUN(test_writer_espace);
	T_RUN(test_writer_opt_and_raw);
	T_RUN(test_query_ok);
	T_RUN(test_query_drop);
	T_RUN(test_query_question_count);
	T_RUN(test_query_truncated);
	T_RUN(test_query_opt_rules);
	T_RUN(test_query_other_rrs);
	T_RUN(test_b64);
	T_DONE();
}
