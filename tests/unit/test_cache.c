/* Unit tests for the resolver cache (resolver/cache.c): RRsets with trust
 * and expiry, negative entries, the wire-answer hot path (checked with
 * ldns), eviction bounds, persistence and prefetch, on a fake clock.
 * `test_cache --mem [N]` instead measures memory per RRset entry,
 * `test_cache --bench [N]` the time per answer-cache hit. */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ldns/ldns.h>

#include "tests/unit/t.h"
#include "resolver/res_int.h"

static const uint64_t T0 = 1700000000000ULL;  /* fake wall clock, ms */
static const uint8_t A1[] = { 0, 4, 192, 0, 2, 1 };
static const uint8_t A2[] = { 0, 4, 192, 0, 2, 1, 0, 4, 192, 0, 2, 2 };
static const uint8_t SOA[] = { 0, 0 };

static const uint8_t *nm(const char *s)
{
	static uint8_t buf[8][WIRE_MAXNAME];
	static int i;
	uint8_t *b = buf[i++ & 7];

	wire_name_from_str(s, b);
	return b;
}

typedef struct qopt { int edns, dobit, cd, rd; uint16_t id; int ad; } qopt;

/* A query message for name/type with the given options, parsed into q. */
static size_t mkq(uint8_t *buf, const char *name, uint16_t type,
		  const qopt *o, wire_query *q)
{
	wire_writer w;
	uint16_t fl = (uint16_t)((o->rd ? DNS_F_RD : 0) |
				 (o->cd ? DNS_F_CD : 0) |
				 (o->ad ? DNS_F_AD : 0));

	wire_writer_init(&w, buf, 512, 512);
	wire_write16(&w, o->id);
	wire_write16(&w, fl);
	wire_write16(&w, 1);
	wire_write16(&w, 0);
	wire_write16(&w, 0);
	wire_write16(&w, o->edns ? 1 : 0);
	wire_write_name(&w, nm(name), 0);
	wire_write16(&w, type);
	wire_write16(&w, DNS_C_IN);
	if (o->edns)
		wire_write_opt(&w, 1232, 0, 0, o->dobit ? EDNS_F_DO : 0);
	memset(q, 0, sizeof(*q));
	if (wire_query_parse(buf, w.len, q) != WQ_OK)
		return 0;
	return w.len;
}

/* A reply to name/A: 2 answers (TTL 300, 200 - one RRset in practice has
 * one TTL, but the cache must patch each), NS (1000) in authority, glue
 * (50) in additional, and an OPT when edns.  tag varies the address. */
static size_t mkreply(uint8_t *buf, size_t cap, const char *name, int edns,
		      uint8_t tag)
{
	wire_writer w;
	uint8_t a[4] = { 192, 0, 2, tag }, ns[WIRE_MAXNAME];
	size_t nl = wire_name_len(nm("ns.example.com"));

	memcpy(ns, nm("ns.example.com"), nl);
	wire_writer_init(&w, buf, cap, cap);
	wire_write16(&w, 0x1111);
	wire_write16(&w, DNS_F_QR | DNS_F_RA | DNS_F_RD);
	wire_write16(&w, 1);
	wire_write16(&w, 2);
	wire_write16(&w, 1);
	wire_write16(&w, (uint16_t)(1 + (edns ? 1 : 0)));
	wire_write_name(&w, nm(name), 1);
	wire_write16(&w, DNS_T_A);
	wire_write16(&w, DNS_C_IN);
	wire_write_rr(&w, nm(name), DNS_T_A, DNS_C_IN, 300, a, 4, NULL);
	a[3]++;
	wire_write_rr(&w, nm(name), DNS_T_A, DNS_C_IN, 200, a, 4, NULL);
	wire_write_rr(&w, nm("example.com"), DNS_T_NS, DNS_C_IN, 1000, ns,
		      (uint16_t)nl, NULL);
	wire_write_rr(&w, ns, DNS_T_A, DNS_C_IN, 50, a, 4, NULL);
	if (edns)
		wire_write_opt(&w, 1232, 0, 0, 0);
	return w.len;
}

static void test_rrset_put_get(void)
{
	res_cache *c = res_cache_new(100, 1 << 20);
	res_crrset r;
	int stale = 7;
	uint8_t sig[] = { 0, 3, 1, 2, 3 };

	T_EQ(res_cache_get_rrset(c, nm("www.example.com"), DNS_T_A, T0, 0, &r,
				 &stale), 0);
	T_EQ(res_cache_put_rrset(c, nm("www.example.com"), DNS_T_A, 60, T0,
				 RES_TRUST_AUTH_ANSWER, RES_SEC_SECURE, A2,
				 sizeof(A2), 2, sig, sizeof(sig), 1), 0);
	T_EQ(res_cache_count(c), 1);
	T_EQ(res_cache_get_rrset(c, nm("www.example.com"), DNS_T_A,
				 T0 + 59999, 0, &r, &stale), 1);
	T_EQ(stale, 0);
	T_EQ(r.count, 2);
	T_EQ(r.len, sizeof(A2));
	T_CHECK(memcmp(r.data, A2, sizeof(A2)) == 0);
	T_EQ(r.sigcount, 1);
	T_CHECK(r.siglen == sizeof(sig) && memcmp(r.sigs, sig, 5) == 0);
	T_EQ(r.expire_ms, T0 + 60000);
	T_EQ(r.trust, RES_TRUST_AUTH_ANSWER);
	T_EQ(r.sec, RES_SEC_SECURE);
	T_CHECK(wire_name_equal(r.lname, nm("www.example.com")));
	T_EQ(r.type, DNS_T_A);
	/* other type / name: miss */
	T_EQ(res_cache_get_rrset(c, nm("www.example.com"), DNS_T_AAAA, T0, 0,
				 &r, NULL), 0);
	T_EQ(res_cache_get_rrset(c, nm("example.com"), DNS_T_A, T0, 0, &r,
				 NULL), 0);
	/* expired: miss, unless inside the serve-stale window */
	T_EQ(res_cache_get_rrset(c, nm("www.example.com"), DNS_T_A,
				 T0 + 60000, 0, &r, &stale), 0);
	T_EQ(res_cache_get_rrset(c, nm("www.example.com"), DNS_T_A,
				 T0 + 70000, 30000, &r, &stale), 1);
	T_EQ(stale, 1);
	T_EQ(res_cache_get_rrset(c, nm("www.example.com"), DNS_T_A,
				 T0 + 90000, 30000, &r, &stale), 0);
	res_cache_free(c);
}

static int get_trust(res_cache *c, uint64_t now)
{
	res_crrset r;

	if (!res_cache_get_rrset(c, nm("ns.example.com"), DNS_T_A, now, 0, &r,
				 NULL))
		return -1;
	return r.trust * 10 + r.data[5];
}

static void test_rrset_trust(void)
{
	res_cache *c = res_cache_new(100, 1 << 20);
	const uint8_t *n = nm("ns.example.com");
	uint8_t d[6] = { 0, 4, 10, 0, 0, 1 };

	res_cache_put_rrset(c, n, DNS_T_A, 100, T0, RES_TRUST_AUTH_ANSWER, 0,
			    d, 6, 1, NULL, 0, 0);
	d[5] = 2;  /* glue may not replace authoritative data */
	T_EQ(res_cache_put_rrset(c, n, DNS_T_A, 100, T0 + 1000,
				 RES_TRUST_GLUE, 0, d, 6, 1, NULL, 0, 0), 0);
	T_EQ(get_trust(c, T0 + 2000), 51);
	d[5] = 3;  /* equal trust replaces */
	res_cache_put_rrset(c, n, DNS_T_A, 100, T0 + 3000,
			    RES_TRUST_AUTH_ANSWER, 0, d, 6, 1, NULL, 0, 0);
	T_EQ(get_trust(c, T0 + 4000), 53);
	d[5] = 4;  /* once expired, lower trust replaces */
	res_cache_put_rrset(c, n, DNS_T_A, 100, T0 + 103000,
			    RES_TRUST_ADDITIONAL, 0, d, 6, 1, NULL, 0, 0);
	T_EQ(get_trust(c, T0 + 104000), 14);
	d[5] = 5;  /* higher replaces lower */
	res_cache_put_rrset(c, n, DNS_T_A, 100, T0 + 105000,
			    RES_TRUST_GLUE, 0, d, 6, 1, NULL, 0, 0);
	T_EQ(get_trust(c, T0 + 106000), 25);
	T_EQ(res_cache_count(c), 1);
	res_cache_free(c);
}

/* The status a validation found goes to the copy it validated only: a
 * reply that replaced the entry meanwhile keeps its unknown status. */
static void test_set_sec_same_copy(void)
{
	res_cache *c = res_cache_new(100, 1 << 20);
	const uint8_t *n = nm("www.example.com");
	uint8_t good[6] = { 0, 4, 192, 0, 2, 1 }, other[6] = { 0, 4, 6, 6, 6, 6 };
	res_crrset r;
	int stale;

	res_cache_put_rrset(c, n, DNS_T_A, 100, T0, RES_TRUST_AUTH_ANSWER, 0,
			    other, 6, 1, NULL, 0, 0);
	T_EQ(res_cache_set_sec(c, n, DNS_T_A, 0, RES_SEC_SECURE, good, 6), -1);
	T_CHECK(res_cache_get_rrset(c, n, DNS_T_A, T0 + 1000, 0, &r, &stale));
	T_EQ(r.sec, 0);
	T_EQ(res_cache_set_sec(c, n, DNS_T_A, 0, RES_SEC_SECURE, other, 6), 0);
	T_CHECK(res_cache_get_rrset(c, n, DNS_T_A, T0 + 1000, 0, &r, &stale));
	T_EQ(r.sec, RES_SEC_SECURE);
	res_cache_free(c);
}

static void test_negative(void)
{
	res_cache *c = res_cache_new(100, 1 << 20);
	res_crrset soa;
	int nx = -1;

	T_EQ(res_cache_put_neg(c, nm("nope.example.com"), 0, 300, T0,
			       RES_SEC_INSECURE, nm("example.com"), SOA,
			       sizeof(SOA), 3600), 0);
	T_EQ(res_cache_put_neg(c, nm("www.example.com"), DNS_T_AAAA, 60, T0,
			       0, nm("example.com"), SOA, sizeof(SOA), 30), 0);
	/* NXDOMAIN covers every type */
	T_EQ(res_cache_get_neg(c, nm("nope.example.com"), DNS_T_MX, T0 + 1000,
			       &nx, &soa), 1);
	T_EQ(nx, 1);
	T_CHECK(wire_name_equal(soa.lname, nm("example.com")));
	T_EQ(soa.type, DNS_T_SOA);
	T_EQ(soa.len, sizeof(SOA));
	T_EQ(soa.sec, RES_SEC_INSECURE);
	T_EQ(soa.expire_ms, T0 + 300000);  /* capped by the negative TTL */
	T_EQ(res_cache_get_neg(c, nm("nope.example.com"), DNS_T_A, T0, &nx,
			       NULL), 1);
	/* NODATA only for its type */
	T_EQ(res_cache_get_neg(c, nm("www.example.com"), DNS_T_AAAA, T0, &nx,
			       &soa), 1);
	T_EQ(nx, 0);
	T_EQ(soa.expire_ms, T0 + 30000);
	T_EQ(res_cache_get_neg(c, nm("www.example.com"), DNS_T_A, T0, &nx,
			       &soa), 0);
	/* expiry */
	T_EQ(res_cache_get_neg(c, nm("www.example.com"), DNS_T_AAAA,
			       T0 + 60000, &nx, &soa), 0);
	T_EQ(res_cache_get_neg(c, nm("nope.example.com"), DNS_T_A,
			       T0 + 299999, &nx, NULL), 1);
	/* answer data replaces the negative entry, and NODATA the RRset */
	res_cache_put_rrset(c, nm("nope.example.com"), DNS_T_A, 60, T0 + 1000,
			    RES_TRUST_AUTH_ANSWER, 0, A1, sizeof(A1), 1, NULL,
			    0, 0);
	T_EQ(res_cache_get_neg(c, nm("nope.example.com"), DNS_T_MX, T0 + 2000,
			       &nx, NULL), 0);
	res_cache_put_neg(c, nm("nope.example.com"), DNS_T_A, 60, T0 + 3000,
			  0, nm("example.com"), SOA, sizeof(SOA), 60);
	T_EQ(res_cache_get_rrset(c, nm("nope.example.com"), DNS_T_A,
				 T0 + 4000, 0, &soa, NULL), 0);
	T_EQ(res_cache_get_neg(c, nm("nope.example.com"), DNS_T_A, T0 + 4000,
			       &nx, NULL), 1);
	T_EQ(nx, 0);
	res_cache_free(c);
}

/* Serve q from the cache at now; parse the reply with ldns (NULL = miss). */
static ldns_pkt *serve(res_cache *c, const uint8_t *qm, size_t ql,
		       uint64_t now, size_t limit, uint8_t *resp, size_t *rl)
{
	wire_query q;
	ldns_pkt *p = NULL;

	if (wire_query_parse(qm, ql, &q) != WQ_OK ||
	    !res_cache_answer(c, &q, qm, limit, now, resp, 65535, rl))
		return NULL;
	if (ldns_wire2pkt(&p, resp, *rl) != LDNS_STATUS_OK)
		return NULL;
	return p;
}

static uint32_t ttl_at(ldns_rr_list *l, size_t i)
{
	return ldns_rr_ttl(ldns_rr_list_rr(l, i));
}

static void check_ttls(ldns_pkt *p, uint32_t age)
{
	T_CHECK(p != NULL);
	if (!p)
		return;
	T_EQ(ldns_rr_list_rr_count(ldns_pkt_answer(p)), 2);
	T_EQ(ttl_at(ldns_pkt_answer(p), 0), 300 > age ? 300 - age : 0);
	T_EQ(ttl_at(ldns_pkt_answer(p), 1), 200 > age ? 200 - age : 0);
	/* capped by the entry's life (600 s) */
	T_EQ(ttl_at(ldns_pkt_authority(p), 0), 600 - age);
	T_EQ(ttl_at(ldns_pkt_additional(p), 0), 50 > age ? 50 - age : 0);
}

static void test_answer_hit(void)
{
	res_cache *c = res_cache_new(100, 1 << 20);
	uint8_t qm[512], rep[1024], resp[65535], orig[1024];
	size_t ql, rl, ol, len;
	wire_query q;
	qopt o = { 1, 0, 0, 1, 0x1234, 0 };
	ldns_pkt *p;
	char *s;

	ql = mkq(qm, "www.example.com", DNS_T_A, &o, &q);
	len = mkreply(rep, sizeof(rep), "www.example.com", 1, 10);
	T_EQ(res_cache_put_answer(c, &q, rep, len, 600, T0), 0);
	/* same query: identical reply but the id */
	p = serve(c, qm, ql, T0 + 999, 1232, resp, &rl);
	T_CHECK(p && rl == len);
	memcpy(orig, rep, len);
	wire_put16(orig, 0x1234);
	for (size_t i = 0; i + 4 <= len; i++)  /* NS TTL 1000 capped to 600 */
		if (wire_get32(orig + i) == 1000)
			wire_put32(orig + i, 600);
	T_CHECK(memcmp(resp, orig, len) == 0);
	ldns_pkt_free(p);
	/* other id, name case, RD=0, 100.5 s later */
	o.id = 0xbeef;
	o.rd = 0;
	ql = mkq(qm, "WwW.ExAmple.COM", DNS_T_A, &o, &q);
	p = serve(c, qm, ql, T0 + 100500, 1232, resp, &ol);
	T_CHECK(p != NULL);
	if (p) {
		T_EQ(ldns_pkt_id(p), 0xbeef);
		T_EQ(ldns_pkt_rd(p), 0);
		T_EQ(ldns_pkt_qr(p), 1);
		T_EQ(ldns_pkt_ra(p), 1);
		s = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(
			ldns_pkt_question(p), 0)));
		T_CHECK(s && strcmp(s, "WwW.ExAmple.COM.") == 0);
		free(s);
		check_ttls(p, 100);
		T_CHECK(ldns_pkt_edns(p));
		ldns_pkt_free(p);
	}
	/* TTLs reach 0, never wrap */
	p = serve(c, qm, ql, T0 + 599999, 1232, resp, &ol);
	check_ttls(p, 599);
	ldns_pkt_free(p);
	/* expired: miss; too big for the limit: miss */
	T_CHECK(serve(c, qm, ql, T0 + 600000, 1232, resp, &ol) == NULL);
	T_CHECK(serve(c, qm, ql, T0, len - 1, resp, &ol) == NULL);
	p = serve(c, qm, ql, T0, len, resp, &ol);
	T_CHECK(p != NULL);
	ldns_pkt_free(p);
	/* other type: miss */
	ql = mkq(qm, "www.example.com", DNS_T_AAAA, &o, &q);
	T_CHECK(serve(c, qm, ql, T0, 1232, resp, &ol) == NULL);
	res_cache_free(c);
}

static void test_answer_stale(void)
{
	res_cache *c = res_cache_new(100, 1 << 20);
	uint8_t qm[512], rep[1024], resp[65535];
	size_t ql, len, rl;
	wire_query q;
	qopt o = { 1, 0, 0, 1, 0x4242, 0 };
	ldns_pkt *p = NULL;

	ql = mkq(qm, "www.example.com", DNS_T_A, &o, &q);
	len = mkreply(rep, sizeof(rep), "www.example.com", 1, 10);
	T_EQ(res_cache_put_answer(c, &q, rep, len, 600, T0), 0);
	/* fresh: the same as res_cache_answer */
	T_EQ(res_cache_answer_stale(c, &q, 1232, T0 + 100500, 3600000, 30,
				    resp, sizeof(resp), &rl), 1);
	T_CHECK(ldns_wire2pkt(&p, resp, rl) == LDNS_STATUS_OK);
	check_ttls(p, 100);
	ldns_pkt_free(p);
	p = NULL;
	/* expired: a normal hit misses, the stale one serves TTL 30 */
	T_CHECK(serve(c, qm, ql, T0 + 700000, 1232, resp, &rl) == NULL);
	T_EQ(res_cache_answer_stale(c, &q, 1232, T0 + 700000, 3600000, 30,
				    resp, sizeof(resp), &rl), 2);
	T_EQ(rl, len);
	T_CHECK(ldns_wire2pkt(&p, resp, rl) == LDNS_STATUS_OK);
	if (p) {
		T_EQ(ldns_pkt_id(p), 0x4242);
		T_EQ(ttl_at(ldns_pkt_answer(p), 0), 30);
		T_EQ(ttl_at(ldns_pkt_answer(p), 1), 30);
		T_EQ(ttl_at(ldns_pkt_authority(p), 0), 30);
		T_EQ(ttl_at(ldns_pkt_additional(p), 0), 30);
		T_CHECK(ldns_pkt_edns(p));
		ldns_pkt_free(p);
	}
	/* beyond the stale window, or too big: nothing */
	T_EQ(res_cache_answer_stale(c, &q, 1232, T0 + 600000 + 3600000,
				    3600000, 30, resp, sizeof(resp), &rl), 0);
	T_EQ(res_cache_answer_stale(c, &q, len - 1, T0 + 700000, 3600000, 30,
				    resp, sizeof(resp), &rl), 0);
	res_cache_free(c);
}

static int edns_variant(res_cache *c, const qopt *o, uint64_t now)
{
	uint8_t qm[512], resp[65535];
	size_t ql, rl;
	wire_query q;
	ldns_pkt *p;
	int r;

	ql = mkq(qm, "a.example.org", DNS_T_A, o, &q);
	p = serve(c, qm, ql, now, 4096, resp, &rl);
	if (!p)
		return -1;
	/* which reply: the first address's last byte, and whether it has OPT */
	r = ldns_rdf_data(ldns_rr_rdf(ldns_rr_list_rr(ldns_pkt_answer(p), 0),
				      0))[3] * 10 + ldns_pkt_edns(p);
	ldns_pkt_free(p);
	return r;
}

static void test_answer_edns(void)
{
	res_cache *c = res_cache_new(100, 1 << 20);
	uint8_t qm[512], rep[1024];
	size_t len;
	wire_query q;
	qopt plain = { 0, 0, 0, 1, 1, 0 }, ed = { 1, 0, 0, 1, 2, 0 },
	     dob = { 1, 1, 0, 1, 3, 0 }, cd = { 1, 1, 1, 1, 4, 0 };

	mkq(qm, "a.example.org", DNS_T_A, &plain, &q);
	len = mkreply(rep, sizeof(rep), "a.example.org", 0, 1);
	T_EQ(res_cache_put_answer(c, &q, rep, len, 60, T0), 0);
	T_EQ(edns_variant(c, &plain, T0), 10);
	T_EQ(edns_variant(c, &ed, T0), -1);   /* no OPT for an EDNS query */
	T_EQ(edns_variant(c, &dob, T0), -1);
	mkq(qm, "a.example.org", DNS_T_A, &ed, &q);
	len = mkreply(rep, sizeof(rep), "a.example.org", 1, 2);
	T_EQ(res_cache_put_answer(c, &q, rep, len, 60, T0), 0);
	mkq(qm, "a.example.org", DNS_T_A, &dob, &q);
	len = mkreply(rep, sizeof(rep), "a.example.org", 1, 3);
	T_EQ(res_cache_put_answer(c, &q, rep, len, 60, T0), 0);
	T_EQ(edns_variant(c, &plain, T0), 10);
	T_EQ(edns_variant(c, &ed, T0), 21);
	T_EQ(edns_variant(c, &dob, T0), 31);
	T_EQ(edns_variant(c, &cd, T0), -1);   /* CD is part of the key */
	/* AD in a query without DO is too (RFC 6840 5.7), not with DO */
	plain.ad = ed.ad = dob.ad = 1;
	T_EQ(edns_variant(c, &plain, T0), -1);
	T_EQ(edns_variant(c, &ed, T0), -1);
	T_EQ(edns_variant(c, &dob, T0), 31);
	T_EQ(res_cache_count(c), 3);
	res_cache_free(c);
}

static void test_answer_bad(void)
{
	res_cache *c = res_cache_new(100, 1 << 20);
	uint8_t qm[512], rep[1024];
	size_t len;
	wire_query q;
	qopt o = { 0, 0, 0, 1, 1, 0 };

	mkq(qm, "a.example.org", DNS_T_A, &o, &q);
	len = mkreply(rep, sizeof(rep), "b.example.org", 0, 1);
	T_EQ(res_cache_put_answer(c, &q, rep, len, 60, T0), -EINVAL);
	len = mkreply(rep, sizeof(rep), "a.example.org", 0, 1);
	T_EQ(res_cache_put_answer(c, &q, rep, len - 1, 60, T0), -EINVAL);
	T_EQ(res_cache_put_answer(c, &q, rep, 11, 60, T0), -EINVAL);
	wire_put16(rep + 2, DNS_F_QR | DNS_F_TC);  /* truncated */
	T_EQ(res_cache_put_answer(c, &q, rep, len, 60, T0), -EINVAL);
	wire_put16(rep + 2, 0);  /* not a reply */
	T_EQ(res_cache_put_answer(c, &q, rep, len, 60, T0), -EINVAL);
	len = mkreply(rep, sizeof(rep), "a.example.org", 0, 1);
	rep[len - 14] = 0;  /* the glue's type becomes TSIG */
	rep[len - 13] = 250;
	T_EQ(res_cache_put_answer(c, &q, rep, len, 60, T0), -EINVAL);
	T_EQ(res_cache_count(c), 0);
	res_cache_free(c);
}

static void put_n(res_cache *c, unsigned from, unsigned to, size_t dlen)
{
	uint8_t name[WIRE_MAXNAME], *d = calloc(1, dlen + 2);
	char s[64];

	wire_put16(d, (uint16_t)dlen);
	for (unsigned i = from; i < to; i++) {
		snprintf(s, sizeof(s), "h%u.example.com", i);
		wire_name_from_str(s, name);
		res_cache_put_rrset(c, name, DNS_T_A, 300, T0, 5, 0, d,
				    (uint32_t)dlen + 2, 1, NULL, 0, 0);
	}
	free(d);
}

static int have(res_cache *c, unsigned i)
{
	uint8_t name[WIRE_MAXNAME];
	char s[64];
	res_crrset r;

	snprintf(s, sizeof(s), "h%u.example.com", i);
	wire_name_from_str(s, name);
	return res_cache_get_rrset(c, name, DNS_T_A, T0, 0, &r, NULL);
}

static void test_eviction(void)
{
	res_cache *c = res_cache_new(100, 1 << 20);
	unsigned i, kept = 0;

	put_n(c, 0, 100, 4);
	T_EQ(res_cache_count(c), 100);
	for (i = 0; i < 10; i++)
		T_EQ(have(c, i), 1);  /* sets their reference bits */
	put_n(c, 100, 110, 4);
	T_EQ(res_cache_count(c), 100);
	{       /* SIGUSR1's counters: 110 put, 10 evicted to make room */
		uint64_t ins, evi;
		uint32_t max;

		res_cache_counts(c, &ins, &evi, &max);
		T_EQ(ins, 110);
		T_EQ(evi, 10);
		T_EQ(max, 100);
	}
	for (i = 0; i < 10; i++)
		kept += (unsigned)have(c, i);
	T_EQ(kept, 10);  /* second chance: referenced entries survived */
	for (i = 100; i < 110; i++)
		T_EQ(have(c, i), 1);
	put_n(c, 1000, 5000, 4);
	T_EQ(res_cache_count(c), 100);
	res_cache_free(c);

	/* byte budget */
	c = res_cache_new(100000, 64 * 1024);
	put_n(c, 0, 1000, 1000);
	T_CHECK(res_cache_bytes(c) <= 64 * 1024);
	T_CHECK(res_cache_count(c) >= 40 && res_cache_count(c) < 64);
	T_EQ(have(c, 999), 1);
	/* an entry bigger than the budget is refused */
	put_n(c, 2000, 2001, 65000);
	T_EQ(have(c, 2000), 0);
	T_CHECK(res_cache_bytes(c) <= 64 * 1024);
	res_cache_free(c);

	/* --cache-size=0: no caching */
	c = res_cache_new(0, 1 << 20);
	put_n(c, 0, 10, 4);
	T_EQ(res_cache_count(c), 0);
	res_cache_free(c);

	/* growth keeps everything findable */
	c = res_cache_new(100000, 1ULL << 30);
	put_n(c, 0, 20000, 4);
	T_EQ(res_cache_count(c), 20000);
	kept = 0;
	for (i = 0; i < 20000; i++)
		kept += (unsigned)have(c, i);
	T_EQ(kept, 20000);
	res_cache_seed(c, 0x0123456789abcdefULL);  /* rehash: still there */
	kept = 0;
	for (i = 0; i < 20000; i++)
		kept += (unsigned)have(c, i);
	T_EQ(kept, 20000);
	res_cache_free(c);
}

/* A forwarded answer as the resolver benchmark's fill makes them: name A
 * with one address (TTL 3600) and an OPT. */
static size_t mkreply1(uint8_t *buf, size_t cap, const char *name)
{
	static const uint8_t a[4] = { 192, 0, 2, 1 };
	wire_writer w;

	wire_writer_init(&w, buf, cap, cap);
	wire_write16(&w, 0x2222);
	wire_write16(&w, DNS_F_QR | DNS_F_RA | DNS_F_RD | DNS_F_AA);
	wire_write16(&w, 1);
	wire_write16(&w, 1);
	wire_write16(&w, 0);
	wire_write16(&w, 1);
	wire_write_name(&w, nm(name), 1);
	wire_write16(&w, DNS_T_A);
	wire_write16(&w, DNS_C_IN);
	wire_write_rr(&w, nm(name), DNS_T_A, DNS_C_IN, 3600, a, 4, NULL);
	wire_write_opt(&w, 1232, 0, 0, 0);
	return w.len;
}

/* Answer i (name n<i>.fill.test) into the cache, with its RRset. */
static int put_fill(res_cache *c, unsigned i)
{
	static const uint8_t rd[] = { 0, 4, 192, 0, 2, 1 };
	uint8_t qm[512], rep[512];
	qopt o = { 1, 0, 0, 1, 7, 0 };
	wire_query q;
	char s[64];
	size_t len;

	snprintf(s, sizeof(s), "n%u.fill.test", i);
	mkq(qm, s, DNS_T_A, &o, &q);
	len = mkreply1(rep, sizeof(rep), s);
	if (res_cache_put_rrset(c, q.lname, DNS_T_A, 3600, T0, 5, 0, rd,
				sizeof(rd), 1, NULL, 0, 0) < 0)
		return -1;
	return res_cache_put_answer(c, &q, rep, len, 3600, T0);
}

/* Is answer i served (id and TTL patched)? */
static int hit_fill(res_cache *c, unsigned i, uint64_t now)
{
	uint8_t qm[512], resp[65535];
	qopt o = { 1, 0, 0, 1, (uint16_t)(i * 7 + 1), 0 };
	wire_query q;
	char s[64];
	size_t rl;
	ldns_pkt *p;
	int ok;

	snprintf(s, sizeof(s), "n%u.fill.test", i);
	mkq(qm, s, DNS_T_A, &o, &q);
	if (!res_cache_answer(c, &q, qm, 1232, now, resp, sizeof(resp), &rl))
		return 0;
	if (ldns_wire2pkt(&p, resp, rl) != LDNS_STATUS_OK)
		return 0;
	ok = ldns_pkt_id(p) == o.id &&
	     ldns_rr_list_rr_count(ldns_pkt_answer(p)) == 1 &&
	     ttl_at(ldns_pkt_answer(p), 0) == 3600 - (now - T0) / 1000;
	ldns_pkt_free(p);
	return ok;
}

/* The byte budget: its default, what a forwarded name costs, eviction of
 * answers under it (CLOCK's second chance included). */
static void test_budget(void)
{
	enum { N = 20000 };
	res_cache *c;
	unsigned i, kept = 0, ok = 1, before, s[10], ns = 0;
	uint64_t budget = 256 * 1024;

	T_EQ(res_cache_default_bytes(0), 64ull << 20);
	T_EQ(res_cache_default_bytes(10000), 64ull << 20);
	T_EQ(res_cache_default_bytes(3000000), 3000000ull * 256);

	/* --cache-size=3N with the default budget holds N forwarded names
	 * (an answer and an RRset each) with nothing evicted, at under 320
	 * bytes a name; 3N x 256 is the default from 262144 entries on */
	c = res_cache_new(3 * N, 3ull * N * 256);
	for (i = 0; i < N; i++)
		T_EQ(put_fill(c, i), 0);
	T_EQ(res_cache_count(c), 2 * N);
	for (i = 0; i < N; i++)
		kept += (unsigned)hit_fill(c, i, T0 + 5000);
	T_EQ(kept, N);
	T_CHECK(res_cache_bytes(c) < (size_t)N * 320);
	res_cache_free(c);

	/* a budget that holds about a thousand names: never exceeded, the
	 * newest names stay, the oldest go */
	c = res_cache_new(1000000, budget);
	for (i = 0; i < 5000; i++) {
		put_fill(c, i);
		if (res_cache_bytes(c) > budget)
			ok = 0;
	}
	T_EQ(ok, 1);
	T_CHECK(res_cache_count(c) > 1600 && res_cache_count(c) < 2600);
	T_EQ(hit_fill(c, 4999, T0 + 1000), 1);
	T_EQ(hit_fill(c, 0, T0 + 1000), 0);
	/* referenced answers survive the next evictions */
	for (i = 4000; i < 5000 && ns < 10; i++)
		if (hit_fill(c, i, T0 + 2000))
			s[ns++] = i;
	T_EQ(ns, 10);
	before = (unsigned)res_cache_count(c);
	for (i = 5000; i < 5020; i++)
		put_fill(c, i);
	T_CHECK(res_cache_count(c) < before + 10);
	kept = 0;
	for (i = 0; i < ns; i++)
		kept += (unsigned)hit_fill(c, s[i], T0 + 3000);
	T_EQ(kept, 10);
	T_CHECK(res_cache_bytes(c) <= budget);
	res_cache_free(c);
}

static void fill_mixed(res_cache *c)
{
	uint8_t qm[512], rep[1024];
	size_t len;
	wire_query q;
	qopt o = { 1, 1, 0, 1, 9, 0 };

	res_cache_put_rrset(c, nm("www.example.com"), DNS_T_A, 600, T0, 4, 2,
			    A2, sizeof(A2), 2, A1, sizeof(A1), 1);
	res_cache_put_rrset(c, nm("short.example.com"), DNS_T_A, 10, T0, 4, 2,
			    A1, sizeof(A1), 1, NULL, 0, 0);
	res_cache_put_neg(c, nm("nope.example.com"), 0, 600, T0, 1,
			  nm("example.com"), SOA, sizeof(SOA), 600);
	mkq(qm, "www.example.com", DNS_T_A, &o, &q);
	len = mkreply(rep, sizeof(rep), "www.example.com", 1, 7);
	res_cache_put_answer(c, &q, rep, len, 600, T0);
}

static int check_mixed(res_cache *c, uint64_t now)
{
	uint8_t qm[512], resp[65535];
	size_t ql, rl;
	wire_query q;
	qopt o = { 1, 1, 0, 1, 9, 0 };
	res_crrset r;
	int nx, n = 0;
	ldns_pkt *p;

	if (res_cache_get_rrset(c, nm("www.example.com"), DNS_T_A, now, 0, &r,
				NULL) && r.len == sizeof(A2) &&
	    !memcmp(r.data, A2, sizeof(A2)) && r.siglen == sizeof(A1) &&
	    r.expire_ms == T0 + 600000 && r.trust == 4 && r.sec == 2)
		n |= 1;
	if (res_cache_get_neg(c, nm("nope.example.com"), DNS_T_A, now, &nx,
			      &r) && nx && r.len == sizeof(SOA))
		n |= 2;
	ql = mkq(qm, "www.example.com", DNS_T_A, &o, &q);
	p = serve(c, qm, ql, now, 1232, resp, &rl);
	if (p && ttl_at(ldns_pkt_answer(p), 0) ==
		 300 - (uint32_t)((now - T0) / 1000))
		n |= 4;
	ldns_pkt_free(p);
	if (res_cache_get_rrset(c, nm("short.example.com"), DNS_T_A, now, 0,
				&r, NULL))
		n |= 8;
	return n;
}

static void test_persist(void)
{
	res_cache *c = res_cache_new(100, 1 << 20), *d;
	uint8_t *buf = NULL, *bad;
	size_t len = 0;

	fill_mixed(c);
	T_EQ(check_mixed(c, T0 + 5000), 15);
	T_EQ(res_cache_serialize(c, T0 + 5000, &buf, &len), 0);
	/* round trip, 20 s later: absolute expiry kept, short entry gone */
	d = res_cache_new(100, 1 << 20);
	T_EQ(res_cache_deserialize(d, buf, len, T0 + 20000), 3);
	T_EQ(check_mixed(d, T0 + 20000), 7);
	T_EQ(res_cache_count(d), 3);
	res_cache_free(d);
	/* a flipped byte costs one record; a torn tail the last one */
	bad = malloc(len);
	for (size_t i = 0; i < len; i += 7) {
		memcpy(bad, buf, len);
		bad[i] ^= 0x40;
		d = res_cache_new(100, 1 << 20);
		T_CHECK(res_cache_deserialize(d, bad, len, T0 + 5000) <= 4);
		T_CHECK(res_cache_count(d) <= 4);
		res_cache_free(d);
	}
	for (size_t i = 0; i < len; i++) {
		d = res_cache_new(100, 1 << 20);
		T_CHECK(res_cache_deserialize(d, buf, i, T0 + 5000) < 4);
		res_cache_free(d);
	}
	d = res_cache_new(100, 1 << 20);
	T_EQ(res_cache_deserialize(d, (const uint8_t *)"garbage!garbage!",
				   16, T0), 0);
	/* everything expired at load: dropped */
	T_EQ(res_cache_deserialize(d, buf, len, T0 + 600000), 0);
	T_EQ(res_cache_count(d), 0);
	res_cache_free(d);
	free(bad);
	free(buf);
	res_cache_free(c);
}

static void test_prefetch(void)
{
	res_cache *c = res_cache_new(100, 1 << 20);
	uint8_t qm[512], rep[1024], resp[65535];
	size_t ql, ql2, len, rl;
	wire_query q;
	qopt o = { 0, 0, 0, 1, 5, 0 };
	res_prefetch pf[4];

	ql = mkq(qm, "pop.example.net", DNS_T_A, &o, &q);
	len = mkreply(rep, sizeof(rep), "pop.example.net", 0, 1);
	res_cache_put_answer(c, &q, rep, len, 100, T0);
	ql2 = mkq(qm + 256, "once.example.net", DNS_T_A, &o, &q);
	len = mkreply(rep, sizeof(rep), "once.example.net", 0, 1);
	res_cache_put_answer(c, &q, rep, len, 100, T0);
	wire_query_parse(qm, ql, &q);
	T_EQ(res_cache_answer(c, &q, qm, 512, T0, resp, sizeof(resp), &rl), 1);
	T_EQ(res_cache_answer(c, &q, qm, 512, T0, resp, sizeof(resp), &rl), 1);
	wire_query_parse(qm + 256, ql2, &q);
	T_EQ(res_cache_answer(c, &q, qm, 512, T0, resp, sizeof(resp), &rl), 1);
	T_EQ(res_cache_prefetch(c, T0 + 50000, pf, 4), 0);   /* not close */
	T_EQ(res_cache_prefetch(c, T0 + 95000, pf, 4), 1);
	T_CHECK(wire_name_equal(pf[0].lname, nm("pop.example.net")));
	T_EQ(pf[0].qtype, DNS_T_A);
	T_EQ(res_cache_prefetch(c, T0 + 96000, pf, 4), 0);   /* marked */
	T_EQ(res_cache_prefetch(c, T0 + 100000, pf, 4), 0);  /* expired */
	res_cache_free(c);
}

/* The hot path flags a popular entry on the hit itself, once. */
static void test_prefetch_hit(void)
{
	res_cache *c = res_cache_new(100, 1 << 20);
	uint8_t qm[512], rep[1024], resp[65535];
	size_t ql, len, rl;
	wire_query q;
	qopt o = { 0, 0, 0, 1, 5, 0 };
	res_prefetch pf;

	ql = mkq(qm, "pop.example.net", DNS_T_A, &o, &q);
	len = mkreply(rep, sizeof(rep), "pop.example.net", 0, 1);
	res_cache_put_answer(c, &q, rep, len, 100, T0);
	wire_query_parse(qm, ql, &q);
	T_EQ(res_cache_answer(c, &q, qm, 512, T0, resp, sizeof(resp), &rl), 1);
	T_EQ(res_cache_prefetch_hit(c, &pf), 0);          /* once: not popular */
	T_EQ(res_cache_answer(c, &q, qm, 512, T0 + 50000, resp, sizeof(resp),
			      &rl), 1);
	T_EQ(res_cache_prefetch_hit(c, &pf), 0);          /* not near the end */
	T_EQ(res_cache_answer(c, &q, qm, 512, T0 + 95000, resp, sizeof(resp),
			      &rl), 1);
	T_EQ(res_cache_prefetch_hit(c, &pf), 1);
	T_CHECK(wire_name_equal(pf.lname, nm("pop.example.net")));
	T_EQ(pf.qtype, DNS_T_A);
	T_EQ(pf.edns, q.has_edns ? 1 : 0);
	T_EQ(res_cache_prefetch_hit(c, &pf), 0);          /* taken */
	T_EQ(res_cache_answer(c, &q, qm, 512, T0 + 96000, resp, sizeof(resp),
			      &rl), 1);
	T_EQ(res_cache_prefetch_hit(c, &pf), 0);          /* flagged once */
	res_cache_free(c);
}

/* Memory per RRset entry with n A records (not a test; prints figures). */
static int mem_report(unsigned n)
{
	struct mallinfo2 m0 = mallinfo2(), m1;
	res_cache *c = res_cache_new(n, 1ULL << 40);
	size_t used;

	put_n(c, 0, n, 4);
	m1 = mallinfo2();
	used = m1.uordblks + m1.hblkhd - m0.uordblks - m0.hblkhd;
	printf("entries %zu\nres_cache_bytes %zu (%.1f bytes/entry)\n"
	       "malloc in use %zu (%.1f bytes/entry)\n", res_cache_count(c),
	       res_cache_bytes(c), (double)res_cache_bytes(c) / n, used,
	       (double)used / n);
	res_cache_free(c);
	return 0;
}

/* ns per answer-cache hit over n cached answers (not a test). */
static int bench_hits(unsigned n)
{
	res_cache *c = res_cache_new(n, 1ULL << 40);
	static uint8_t qm[512], rep[1024], resp[65535];
	wire_query *qs = calloc(n, sizeof(*qs));
	qopt o = { 1, 0, 0, 1, 7, 0 };
	char s[64];
	size_t len = 0, rl;
	unsigned i, hits = 0, rounds = 20;
	struct timespec t0, t1;

	for (i = 0; i < n; i++) {
		snprintf(s, sizeof(s), "h%u.example.com", i);
		mkq(qm, s, DNS_T_A, &o, &qs[i]);
		len = mkreply(rep, sizeof(rep), s, 1, 1);
		res_cache_put_answer(c, &qs[i], rep, len, 3600, T0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned r = 0; r < rounds; r++)
		for (i = 0; i < n; i++)
			hits += (unsigned)res_cache_answer(c, &qs[i], qm, 1232,
				T0 + r * 1000, resp, sizeof(resp), &rl);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%u hits of %u answers (%zu bytes): %.1f ns per hit\n", hits,
	       n, len, ((double)(t1.tv_sec - t0.tv_sec) * 1e9 +
		       (double)(t1.tv_nsec - t0.tv_nsec)) / ((double)n * rounds));
	free(qs);
	res_cache_free(c);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--bench") == 0)
		return bench_hits(argc > 2 ? (unsigned)atoi(argv[2]) : 100000);
	if (argc > 1 && strcmp(argv[1], "--mem") == 0)
		return mem_report(argc > 2 ? (unsigned)atoi(argv[2]) : 1000000);
	T_RUN(test_rrset_put_get);
	T_RUN(test_rrset_trust);
	T_RUN(test_set_sec_same_copy);
	T_RUN(test_negative);
	T_RUN(test_answer_hit);
	T_RUN(test_answer_stale);
	T_RUN(test_answer_edns);
	T_RUN(test_answer_bad);
	T_RUN(test_eviction);
	T_RUN(test_budget);
	T_RUN(test_persist);
	T_RUN(test_prefetch);
	T_RUN(test_prefetch_hit);
	T_DONE();
}
