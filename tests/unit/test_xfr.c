/* Unit tests for outgoing transfers and NOTIFY (zones/xfr.c): streams are
 * parsed back with ldns. */
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "tests/unit/t.h"
#include "zones/maint_int.h"

static const char ztext[] =
	"$TTL 3600\n"
	"$ORIGIN example.com.\n"
	"@ IN SOA ns1 host 102 7200 3600 1209600 300\n"
	"  IN NS ns1\n"
	"  IN NS ns2\n"
	"ns1 IN A 192.0.2.1\n"
	"ns2 IN AAAA 2001:db8::2\n"
	"www IN A 192.0.2.10\n"
	"www IN A 192.0.2.11\n"
	"www IN TXT \"hello\"\n"
	"alias IN CNAME www\n"
	"sub IN NS ns.sub\n"
	"sub IN DS 12345 8 2 "
	"49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE56E8C84F5BF2EA2AD8E0D32A\n"
	"ns.sub IN A 192.0.2.5\n"
	"occluded.sub IN TXT \"below the cut\"\n";

typedef struct tdb {
	zone_db *db;
	zone *z;
} tdb;

static tdb mkdb(const char *text, int allow)
{
	tdb t = { NULL, NULL };
	char err[256];
	uint8_t lo[4] = { 127, 0, 0, 1 };

	t.z = zone_load_text("example.com", "t", text, strlen(text), NULL,
			     NULL, err, sizeof(err));
	if (!t.z) {
		printf("  load: %s\n", err);
		return t;
	}
	t.db = zone_db_new(NULL);
	zone_db_add_zone(t.db, t.z);
	if (allow)
		zone_db_allow_transfer(t.db, "example.com", NULL, 4, lo, 32);
	return t;
}

static void freedb(tdb *t)
{
	if (t->z)
		zone_unref(t->z);
	if (t->db)
		zone_db_free(t->db);
}

/* A transfer request built with ldns; serial < 0: no SOA in authority. */
static uint8_t *mkreq(uint16_t qtype, long serial, size_t *len)
{
	ldns_pkt *p = ldns_pkt_query_new(ldns_dname_new_frm_str("example.com."),
					 qtype, LDNS_RR_CLASS_IN, 0);
	uint8_t *wire = NULL;
	char soa[128];

	ldns_pkt_set_id(p, 0x4242);
	if (serial >= 0) {
		ldns_rr *rr = NULL;
		snprintf(soa, sizeof(soa),
			 "example.com. 0 IN SOA . . %ld 0 0 0 0", serial);
		ldns_rr_new_frm_str(&rr, soa, 0, NULL, NULL);
		ldns_pkt_push_rr(p, LDNS_SECTION_AUTHORITY, rr);
	}
	ldns_pkt2wire(&wire, p, len);
	ldns_pkt_free(p);
	return wire;
}

typedef struct xres {
	int rcode;          /* of a single reply, or -1 for a stream */
	int nmsg;
	ldns_rr_list *rrs;  /* answer RRs of every message, in order */
	int badhdr;         /* a message with wrong id/flags/qdcount */
	size_t maxlen;
} xres;

static void xres_add(xres *r, const uint8_t *buf, size_t len)
{
	ldns_pkt *p = NULL;
	size_t i;

	if (ldns_wire2pkt(&p, buf, len) != LDNS_STATUS_OK) {
		r->badhdr = 1;
		return;
	}
	if (ldns_pkt_id(p) != 0x4242 || !ldns_pkt_qr(p) || !ldns_pkt_aa(p) ||
	    ldns_pkt_qdcount(p) != (r->nmsg == 0 ? 1 : 0))
		r->badhdr = 1;
	for (i = 0; i < ldns_pkt_ancount(p); i++)
		ldns_rr_list_push_rr(r->rrs, ldns_rr_clone(
			ldns_rr_list_rr(ldns_pkt_answer(p), i)));
	r->rcode = ldns_pkt_get_rcode(p);
	if (len > r->maxlen)
		r->maxlen = len;
	r->nmsg++;
	ldns_pkt_free(p);
}

/* A key for the next run() (as if the request was signed) and the UDP
 * cap handle.c passes (its limit less the TSIG RR it reserves); 0: 1232. */
static const zone_tsig_key *run_key;
static size_t run_udp_cap;

/* Run a request through zone_xfr_handle and collect what comes back. */
static xres run(tdb *t, uint16_t qtype, long serial, int tcp, int edns)
{
	static uint8_t buf[65535];
	xres r = { -1, 0, ldns_rr_list_new(), 0, 0 };
	size_t qlen = 0, len = 0;
	uint8_t *q = mkreq(qtype, serial, &qlen);
	zone_req rq = { .q = q, .qlen = qlen, .tcp = tcp, .af = 4,
			.addr = { 127, 0, 0, 1 }, .now = 1700000000 };
	zone_tsig_ctx ts;
	zone_effects eff;
	wire_query wq;
	int n, guard = 0;

	memset(&ts, 0, sizeof(ts));
	ts.key = run_key;
	memset(&eff, 0, sizeof(eff));
	if (edns) {     /* the request gets an OPT with this payload size */
		uint8_t *q2 = malloc(qlen + 11);
		memcpy(q2, q, qlen);
		q2[qlen] = 0;
		wire_put16(q2 + qlen + 1, DNS_T_OPT);
		wire_put16(q2 + qlen + 3, (uint16_t)edns);
		memset(q2 + qlen + 5, 0, 6);
		wire_put16(q2 + 10, 1);
		free(q);
		q = q2;
		qlen += 11;
		rq.q = q;
		rq.qlen = qlen;
	}
	wire_query_parse(q, qlen, &wq);
	zone_xfr_handle(t->db, &rq, &wq, &ts, buf,
			tcp ? sizeof(buf) : run_udp_cap ? run_udp_cap : 1232,
			&len, &eff);
	if (eff.xfr) {
		while ((n = zone_xfr_next(eff.xfr, buf, sizeof(buf), 0)) > 0 &&
		       guard++ < 10000)
			xres_add(&r, buf, (size_t)n);
		zone_xfr_free(eff.xfr);
	} else if (len) {
		xres_add(&r, buf, len);
	}
	free(q);
	return r;
}

static uint32_t soa_serial(const ldns_rr *rr)
{
	return ldns_rdf2native_int32(ldns_rr_rdf(rr, 2));
}

static int is_soa(const xres *r, size_t i, uint32_t serial)
{
	ldns_rr *rr;

	if (i >= ldns_rr_list_rr_count(r->rrs))
		return 0;
	rr = ldns_rr_list_rr(r->rrs, i);
	return ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA &&
	       soa_serial(rr) == serial;
}

/* SOA first and last, every other RR of the zone exactly once. */
static void check_axfr(const xres *r, const zone *z)
{
	size_t n = ldns_rr_list_rr_count(r->rrs), i, j;

	T_EQ(n, zone_rr_count(z) + 1);
	T_CHECK(is_soa(r, 0, zone_serial(z)));
	T_CHECK(is_soa(r, n - 1, zone_serial(z)));
	for (i = 1; i + 1 < n; i++) {
		ldns_rr *a = ldns_rr_list_rr(r->rrs, i);
		T_CHECK(ldns_rr_get_type(a) != LDNS_RR_TYPE_SOA);
		for (j = i + 1; j + 1 < n; j++)
			if (ldns_rr_compare(a, ldns_rr_list_rr(r->rrs, j)) == 0)
				T_CHECK(!"duplicate RR");
	}
}

static int has_rr(const xres *r, const char *text)
{
	ldns_rr *want = NULL;
	size_t i;
	int found = 0;

	ldns_rr_new_frm_str(&want, text, 0, NULL, NULL);
	for (i = 0; want && i < ldns_rr_list_rr_count(r->rrs); i++)
		if (ldns_rr_compare(want, ldns_rr_list_rr(r->rrs, i)) == 0)
			found = 1;
	ldns_rr_free(want);
	return found;
}

static void test_axfr_small(void)
{
	tdb t = mkdb(ztext, 1);
	xres r = run(&t, LDNS_RR_TYPE_AXFR, -1, 1, 0);

	T_EQ(r.nmsg, 1);
	T_CHECK(!r.badhdr);
	check_axfr(&r, t.z);
	T_CHECK(has_rr(&r, "ns.sub.example.com. 3600 IN A 192.0.2.5"));
	T_CHECK(has_rr(&r, "occluded.sub.example.com. 3600 IN TXT "
		       "\"below the cut\""));
	T_CHECK(has_rr(&r, "sub.example.com. 3600 IN DS 12345 8 2 "
		       "49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE56E8C84F5BF2EA2"
		       "AD8E0D32A"));
	ldns_rr_list_deep_free(r.rrs);
	freedb(&t);
}

/* Issue 13: every RRSIG goes out with the TTL of its covered type's
 * RRSIG RRset (the apex RRSIG SOA went out with RRSIG NSEC3PARAM's 0). */
#define SIGB "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKiss" \
	"LS4vMDEyMzQ1Njc4OTo7PD0+Pw=="
static uint32_t xfr_sig_ttl(const xres *r, ldns_rr_type covered)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(r->rrs); i++) {
		ldns_rr *rr = ldns_rr_list_rr(r->rrs, i);
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_RRSIG &&
		    ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(rr)) == covered)
			return ldns_rr_ttl(rr);
	}
	return 0xffffffff;
}

static void test_axfr_rrsig_ttls(void)
{
	char text[2048];
	tdb t;
	xres r;

	snprintf(text, sizeof(text), "%s@ 0 NSEC3PARAM 1 0 0 -\n"
		 "@ 0 RRSIG NSEC3PARAM 13 2 0 20300101000000 20200101000000 1 "
		 "example.com. %s\n"
		 "@ RRSIG SOA 13 2 3600 20300101000000 20200101000000 1 "
		 "example.com. %s\n", ztext, SIGB, SIGB);
	t = mkdb(text, 1);
	r = run(&t, LDNS_RR_TYPE_AXFR, -1, 1, 0);
	check_axfr(&r, t.z);
	T_EQ(xfr_sig_ttl(&r, LDNS_RR_TYPE_SOA), 3600);
	T_EQ(xfr_sig_ttl(&r, LDNS_RR_TYPE_NSEC3PARAM), 0);
	ldns_rr_list_deep_free(r.rrs);
	freedb(&t);
}

static char *big_zone(int n)
{
	size_t cap = strlen(ztext) + (size_t)n * 64;
	char *s = malloc(cap);
	size_t off = strlen(ztext);
	int i;

	memcpy(s, ztext, off);
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(s + off, cap - off,
					"host%d IN A 10.%d.%d.%d\n", i,
					(i >> 16) & 255, (i >> 8) & 255, i & 255);
	return s;
}

static void test_axfr_multi(void)
{
	char *text = big_zone(5000);
	tdb t = mkdb(text, 1);
	xres r = run(&t, LDNS_RR_TYPE_AXFR, -1, 1, 0);

	T_CHECK(r.nmsg > 3);
	T_CHECK(!r.badhdr);
	T_CHECK(r.maxlen <= 16384);
	check_axfr(&r, t.z);
	ldns_rr_list_deep_free(r.rrs);
	freedb(&t);
	free(text);
}

static void test_refusals(void)
{
	tdb t = mkdb(ztext, 0), a = mkdb(ztext, 1);
	xres r = run(&t, LDNS_RR_TYPE_AXFR, -1, 1, 0);
	xres u = run(&a, LDNS_RR_TYPE_AXFR, -1, 0, 0);
	xres f = run(&a, LDNS_RR_TYPE_IXFR, -1, 1, 0);

	T_EQ(r.rcode, LDNS_RCODE_REFUSED);
	T_EQ(ldns_rr_list_rr_count(r.rrs), 0);
	T_EQ(u.rcode, LDNS_RCODE_FORMERR);     /* AXFR over UDP */
	T_EQ(f.rcode, LDNS_RCODE_FORMERR);     /* IXFR without SOA */
	ldns_rr_list_deep_free(r.rrs);
	ldns_rr_list_deep_free(u.rrs);
	ldns_rr_list_deep_free(f.rrs);
	freedb(&t);
	freedb(&a);
}

/* ---- IXFR ---- */

static size_t put_rr(uint8_t *p, const char *text)
{
	ldns_rr *rr = NULL;
	ldns_buffer *b = ldns_buffer_new(512);
	size_t n;

	ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL);
	ldns_rr2buffer_wire_canonical(b, rr, LDNS_SECTION_ANSWER);
	n = ldns_buffer_position(b);
	memcpy(p, ldns_buffer_begin(b), n);
	ldns_buffer_free(b);
	ldns_rr_free(rr);
	return n;
}

/* A journal payload: the old SOA, one deletion, the new SOA, one
 * addition. */
static zone_hist *mkhist(uint32_t from, uint32_t to, const char *del,
			 const char *add)
{
	zone_hist *h = calloc(1, sizeof(*h));
	uint8_t *p = malloc(2048);
	size_t off;
	char soa[128];
	int ln = wire_name_from_str("example.com.", p);

	off = (size_t)ln;
	wire_put32(p + off, from);
	wire_put32(p + off + 4, to);
	wire_put32(p + off + 8, 2);
	wire_put32(p + off + 12, 2);
	off += 16;
	snprintf(soa, sizeof(soa), "example.com. 3600 IN SOA ns1.example.com. "
		 "host.example.com. %u 7200 3600 1209600 300", from);
	off += put_rr(p + off, soa);
	off += put_rr(p + off, del);
	snprintf(soa, sizeof(soa), "example.com. 3600 IN SOA ns1.example.com. "
		 "host.example.com. %u 7200 3600 1209600 300", to);
	off += put_rr(p + off, soa);
	off += put_rr(p + off, add);
	h->serial_from = from;
	h->serial_to = to;
	h->payload = p;
	h->len = off;
	return h;
}

static void with_hist(tdb *t)
{
	zone_hist *a = mkhist(100, 101, "old.example.com. 3600 IN A 192.0.2.99",
			      "www.example.com. 3600 IN A 192.0.2.11");
	zone_hist *b = mkhist(101, 102, "www.example.com. 3600 IN TXT \"bye\"",
			      "www.example.com. 3600 IN TXT \"hello\"");
	a->next = b;
	t->z->hist_old = a;
	t->z->hist_new = b;
}

static void drop_hist(tdb *t)
{
	zone_hist *h = t->z->hist_old, *n;

	for (; h; h = n) {
		n = h->next;
		free(h->payload);
		free(h);
	}
	t->z->hist_old = t->z->hist_new = NULL;
}

static void test_ixfr_history(void)
{
	tdb t = mkdb(ztext, 1);
	xres r, r2;

	with_hist(&t);
	r = run(&t, LDNS_RR_TYPE_IXFR, 100, 1, 0);
	T_EQ(ldns_rr_list_rr_count(r.rrs), 10);
	T_CHECK(is_soa(&r, 0, 102));
	T_CHECK(is_soa(&r, 1, 100));
	T_CHECK(has_rr(&r, "old.example.com. 3600 IN A 192.0.2.99"));
	T_CHECK(is_soa(&r, 3, 101));
	T_CHECK(is_soa(&r, 5, 101));
	T_CHECK(is_soa(&r, 7, 102));
	T_CHECK(is_soa(&r, 9, 102));
	T_CHECK(!r.badhdr);
	/* from the middle of the history */
	r2 = run(&t, LDNS_RR_TYPE_IXFR, 101, 1, 0);
	T_EQ(ldns_rr_list_rr_count(r2.rrs), 6);
	T_CHECK(is_soa(&r2, 1, 101));
	ldns_rr_list_deep_free(r.rrs);
	ldns_rr_list_deep_free(r2.rrs);
	drop_hist(&t);
	freedb(&t);
}

static void test_ixfr_fallback_and_current(void)
{
	tdb t = mkdb(ztext, 1);
	xres f, c, n;

	with_hist(&t);
	f = run(&t, LDNS_RR_TYPE_IXFR, 99, 1, 0);   /* history gone */
	check_axfr(&f, t.z);
	c = run(&t, LDNS_RR_TYPE_IXFR, 102, 1, 0);  /* up to date */
	T_EQ(ldns_rr_list_rr_count(c.rrs), 1);
	T_CHECK(is_soa(&c, 0, 102));
	n = run(&t, LDNS_RR_TYPE_IXFR, 103, 0, 0);  /* newer, over UDP */
	T_EQ(ldns_rr_list_rr_count(n.rrs), 1);
	T_CHECK(is_soa(&n, 0, 102));
	ldns_rr_list_deep_free(f.rrs);
	ldns_rr_list_deep_free(c.rrs);
	ldns_rr_list_deep_free(n.rrs);
	drop_hist(&t);
	freedb(&t);
}

static void test_ixfr_udp(void)
{
	char *text = big_zone(500);
	tdb t = mkdb(text, 1);
	xres fit, big;

	with_hist(&t);
	fit = run(&t, LDNS_RR_TYPE_IXFR, 101, 0, 1232); /* diff fits */
	T_EQ(ldns_rr_list_rr_count(fit.rrs), 6);
	T_EQ(fit.rcode, 0);
	big = run(&t, LDNS_RR_TYPE_IXFR, 50, 0, 1232);  /* AXFR-style: no */
	T_EQ(ldns_rr_list_rr_count(big.rrs), 1);
	T_CHECK(is_soa(&big, 0, 102));
	T_EQ(big.nmsg, 1);
	ldns_rr_list_deep_free(fit.rrs);
	ldns_rr_list_deep_free(big.rrs);
	drop_hist(&t);
	freedb(&t);
	free(text);
}

/* Signed IXFR over UDP: handle.c has already taken the TSIG RR's exact
 * size off the cap, so a diff that fits the rest is sent whole (it kept
 * another 600 bytes for the TSIG and sent the SOA alone), and one byte
 * less gets the SOA alone. */
static void test_ixfr_udp_signed(void)
{
	char *text = big_zone(50), add[1024];
	tdb t = mkdb(text, 1);
	zone_tsig_key k;
	xres fit, signd;
	zone_hist *a, *b;

	snprintf(add, sizeof(add), "www.example.com. 3600 IN TXT \"%0250d\" "
		 "\"%0250d\" \"%0250d\"", 1, 2, 3);
	a = mkhist(100, 101, "old.example.com. 3600 IN A 192.0.2.99",
		   "www.example.com. 3600 IN A 192.0.2.11");
	b = mkhist(101, 102, "www.example.com. 3600 IN TXT \"bye\"", add);
	a->next = b;
	t.z->hist_old = a;
	t.z->hist_new = b;
	fit = run(&t, LDNS_RR_TYPE_IXFR, 101, 0, 1232);
	T_EQ(ldns_rr_list_rr_count(fit.rrs), 6);
	T_CHECK(fit.maxlen > 900 && fit.maxlen < 1232);
	memset(&k, 0, sizeof(k));
	run_key = &k;
	run_udp_cap = fit.maxlen;
	signd = run(&t, LDNS_RR_TYPE_IXFR, 101, 0, 1232);
	T_EQ(ldns_rr_list_rr_count(signd.rrs), 6);
	T_EQ(signd.maxlen, fit.maxlen);
	ldns_rr_list_deep_free(signd.rrs);
	run_udp_cap = fit.maxlen - 1;
	signd = run(&t, LDNS_RR_TYPE_IXFR, 101, 0, 1232);
	T_EQ(ldns_rr_list_rr_count(signd.rrs), 1);
	T_CHECK(is_soa(&signd, 0, 102));
	ldns_rr_list_deep_free(signd.rrs);
	run_key = NULL;
	run_udp_cap = 0;
	ldns_rr_list_deep_free(fit.rrs);
	drop_hist(&t);
	freedb(&t);
	free(text);
}

static void test_notify_build(void)
{
	tdb t = mkdb(ztext, 0);
	uint8_t buf[512];
	size_t len = 0;
	zone_tsig_ctx ctx;
	ldns_pkt *p = NULL;
	ldns_rr *q, *a;

	T_EQ(zone_notify_build(t.z, 0x1234, NULL, &ctx, 0, buf, sizeof(buf),
			       &len), 0);
	T_EQ(ldns_wire2pkt(&p, buf, len), LDNS_STATUS_OK);
	if (p) {
		T_EQ(ldns_pkt_get_opcode(p), LDNS_PACKET_NOTIFY);
		T_EQ(ldns_pkt_id(p), 0x1234);
		T_CHECK(ldns_pkt_aa(p) && !ldns_pkt_qr(p));
		T_EQ(ldns_pkt_qdcount(p), 1);
		T_EQ(ldns_pkt_ancount(p), 1);
		q = ldns_rr_list_rr(ldns_pkt_question(p), 0);
		a = ldns_rr_list_rr(ldns_pkt_answer(p), 0);
		T_EQ(ldns_rr_get_type(q), LDNS_RR_TYPE_SOA);
		T_EQ(ldns_rr_get_class(q), LDNS_RR_CLASS_IN);
		T_EQ(ldns_rr_get_type(a), LDNS_RR_TYPE_SOA);
		T_EQ(soa_serial(a), 102);
		ldns_pkt_free(p);
	}
	T_CHECK(zone_notify_build(t.z, 1, NULL, &ctx, 0, buf, 20, &len) < 0);
	freedb(&t);
}

int main(void)
{
	T_RUN(test_axfr_small);
	T_RUN(test_axfr_multi);
	T_RUN(test_axfr_rrsig_ttls);
	T_RUN(test_refusals);
	T_RUN(test_ixfr_history);
	T_RUN(test_ixfr_fallback_and_current);
	T_RUN(test_ixfr_udp);
	T_RUN(test_ixfr_udp_signed);
	T_RUN(test_notify_build);
	T_DONE();
}
