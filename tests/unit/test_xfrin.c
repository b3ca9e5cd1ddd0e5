/* Unit tests for the incoming-transfer engine (zones/xfrin.c): AXFR and
 * IXFR responses built with ldns are fed to zone_xfrin_* with a fixed
 * clock; a failed transfer must leave the served zone as it was. */
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "tests/unit/t.h"
#include "tests/unit/tzone.h"
#include "zones/maint_int.h"

#define NOW 1700000000ull
#define ID 0x1234

static const char ztext[] =
	"$TTL 60\n"
	"$ORIGIN example.com.\n"
	"@ IN SOA ns1 admin 1 2 1 8 60\n"
	"  IN NS ns1\n"
	"ns1 IN A 192.0.2.1\n"
	"www IN A 192.0.2.80\n";

#define SOA(n) "example.com. 60 IN SOA ns1.example.com. " \
	"admin.example.com. " #n " 2 1 8 60"

static zone *mkzone(void)
{
	return t_zone_text("example.com", ztext);
}

/* Number of RRs of type at name in z (0 when absent). */
static int count(const zone *z, const char *name, uint16_t type)
{
	uint8_t w[WIRE_MAXNAME], l[WIRE_MAXNAME];
	const zone_node *n;
	const zone_rrset *rs;

	if (wire_name_from_str(name, w) < 0)
		return -1;
	wire_name_lower(l, w);
	if (!(n = zone_node_find(z, l)) || !(rs = zone_node_rrset(n, type)))
		return 0;
	return rs->count;
}

/* A response message: header, question (when qtype), answer RRs. */
static size_t mkmsg(uint16_t id, uint16_t qtype, int rcode,
		    const char *const *rrs, uint8_t *buf, size_t cap)
{
	ldns_pkt *p = ldns_pkt_new();
	uint8_t *wire = NULL;
	size_t len = 0;

	ldns_pkt_set_id(p, id);
	ldns_pkt_set_qr(p, 1);
	ldns_pkt_set_aa(p, 1);
	ldns_pkt_set_rcode(p, (uint8_t)rcode);
	if (qtype) {
		ldns_rr *q = ldns_rr_new();
		ldns_rr_set_owner(q, ldns_dname_new_frm_str("example.com."));
		ldns_rr_set_type(q, qtype);
		ldns_rr_set_class(q, LDNS_RR_CLASS_IN);
		ldns_rr_set_question(q, 1);
		ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, q);
	}
	for (; rrs && *rrs; rrs++) {
		ldns_rr *rr = NULL;
		if (ldns_rr_new_frm_str(&rr, *rrs, 60, NULL, NULL) !=
		    LDNS_STATUS_OK) {
			printf("  bad rr %s\n", *rrs);
			continue;
		}
		ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr);
	}
	if (ldns_pkt2wire(&wire, p, &len) != LDNS_STATUS_OK || len > cap)
		len = 0;
	else
		memcpy(buf, wire, len);
	free(wire);
	ldns_pkt_free(p);
	return len;
}

static int feed(zone_xfrin *x, uint16_t qtype, const char *const *rrs)
{
	uint8_t buf[65535];
	size_t len = mkmsg(ID, qtype, 0, rrs, buf, sizeof(buf));

	return zone_xfrin_feed(x, buf, len, NOW);
}

/* Build the query and check what it asks. */
static void query(zone_xfrin *x, uint16_t qtype, long soa_serial)
{
	uint8_t buf[1024];
	size_t len = 0;
	ldns_pkt *p = NULL;

	T_EQ(zone_xfrin_query(x, buf, sizeof(buf), &len, NOW), 0);
	T_CHECK(ldns_wire2pkt(&p, buf, len) == LDNS_STATUS_OK);
	if (!p)
		return;
	T_EQ(ldns_pkt_id(p), ID);
	T_EQ(ldns_pkt_qdcount(p), 1);
	T_EQ(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_question(p), 0)),
	     qtype);
	T_EQ(ldns_pkt_nscount(p), soa_serial >= 0 ? 1 : 0);
	if (soa_serial >= 0 && ldns_pkt_nscount(p) == 1) {
		ldns_rr *soa = ldns_rr_list_rr(ldns_pkt_authority(p), 0);
		T_EQ(ldns_rdf2native_int32(ldns_rr_rdf(soa, 2)), soa_serial);
	}
	ldns_pkt_free(p);
}

/* The served zone must be exactly the one mkzone built. */
static void check_untouched(const zone *cur)
{
	T_EQ(zone_serial(cur), 1);
	T_EQ(count(cur, "www.example.com.", DNS_T_A), 1);
	T_EQ(count(cur, "new.example.com.", DNS_T_A), 0);
	T_EQ(zone_rr_count(cur), 4);
}

typedef struct jstat {
	int n;
	uint32_t from[4], to[4];
} jstat;

static int jcount(void *arg, const zone_journal_rec *r)
{
	jstat *j = arg;

	if (j->n < 4) {
		j->from[j->n] = r->serial_from;
		j->to[j->n] = r->serial_to;
	}
	j->n++;
	return 0;
}

static int hist_len(const zone *z)
{
	int n = 0;

	for (const zone_hist *h = z->hist_old; h; h = h->next)
		n++;
	return n;
}

static int apply_rec(void *arg, const zone_journal_rec *r)
{
	return zone_journal_apply(arg, r) < 0;
}

/* ---------------------------------------------------------------- */

static const char *const axfr_rrs[] = {
	SOA(7), "example.com. 60 IN NS ns1.example.com.",
	"ns1.example.com. 60 IN A 192.0.2.1",
	"www.example.com. 60 IN A 192.0.2.80",
	"www.example.com. 60 IN A 192.0.2.81",
	"txt.example.com. 60 IN TXT \"hello\"",
	"mx.example.com. 60 IN MX 10 www.example.com.",
	SOA(7), NULL,
};

static void axfr_check(zone_xfrin *x)
{
	uint8_t *jnl = (uint8_t *)1;
	size_t jlen = 1;
	zone *z = zone_xfrin_result(x, &jnl, &jlen);

	T_CHECK(z != NULL);
	T_CHECK(jnl == NULL);
	T_EQ(jlen, 0);
	if (!z)
		return;
	T_EQ(zone_serial(z), 7);
	T_EQ(zone_rr_count(z), 7);
	T_EQ(count(z, "www.example.com.", DNS_T_A), 2);
	T_EQ(count(z, "mx.example.com.", DNS_T_MX), 1);
	T_EQ(count(z, "example.com.", DNS_T_NS), 1);
	T_CHECK(!zone_is_expired(z));
	zone_unref(z);
}

static void axfr_one_message(void)
{
	uint8_t o[WIRE_MAXNAME];
	zone_xfrin *x;

	wire_name_from_str("example.com", o);
	x = zone_xfrin_start(o, DNS_T_AXFR, NULL, NULL, ID);
	query(x, DNS_T_AXFR, -1);
	T_EQ(feed(x, DNS_T_AXFR, axfr_rrs), ZXI_DONE);
	T_EQ(zone_xfrin_serial(x), 7);
	axfr_check(x);
	zone_xfrin_free(x);
}

static void axfr_several_messages(void)
{
	uint8_t o[WIRE_MAXNAME];
	const char *m1[] = { axfr_rrs[0], axfr_rrs[1], NULL };
	const char *m2[] = { axfr_rrs[2], axfr_rrs[3], axfr_rrs[4], NULL };
	const char *m3[] = { axfr_rrs[5], NULL };
	const char *m4[] = { axfr_rrs[6], axfr_rrs[7], NULL };
	zone_xfrin *x;

	wire_name_from_str("example.com", o);
	x = zone_xfrin_start(o, DNS_T_AXFR, NULL, NULL, ID);
	query(x, DNS_T_AXFR, -1);
	T_EQ(feed(x, DNS_T_AXFR, m1), ZXI_NEED_MORE);
	T_EQ(feed(x, 0, m2), ZXI_NEED_MORE);     /* later: no question */
	T_EQ(feed(x, 0, m3), ZXI_NEED_MORE);
	T_CHECK(zone_xfrin_result(x, NULL, NULL) == NULL); /* not yet */
	T_EQ(feed(x, 0, m4), ZXI_DONE);
	axfr_check(x);
	/* anything after the end is an error */
	T_EQ(feed(x, 0, m3), ZXI_ERROR);
	zone_xfrin_free(x);
}

static void axfr_truncated_stream(void)
{
	uint8_t o[WIRE_MAXNAME];
	const char *bad[] = { axfr_rrs[0], axfr_rrs[1],
			      SOA(8), NULL };  /* closing serial differs */
	const char *nosoa[] = { axfr_rrs[1], NULL };
	zone_xfrin *x;

	wire_name_from_str("example.com", o);
	x = zone_xfrin_start(o, DNS_T_AXFR, NULL, NULL, ID);
	T_EQ(feed(x, DNS_T_AXFR, bad), ZXI_ERROR);
	T_CHECK(zone_xfrin_result(x, NULL, NULL) == NULL);
	T_CHECK(zone_xfrin_error(x)[0] != '\0');
	zone_xfrin_free(x);
	x = zone_xfrin_start(o, DNS_T_AXFR, NULL, NULL, ID);
	T_EQ(feed(x, DNS_T_AXFR, nosoa), ZXI_ERROR);
	zone_xfrin_free(x);
}

/* IXFR 1 -> 2: www A .80 replaced by new A .99. */
static const char *const ixfr12[] = {
	SOA(2), SOA(1), "www.example.com. 60 IN A 192.0.2.80",
	SOA(2), "new.example.com. 60 IN A 192.0.2.99", SOA(2), NULL,
};

static void ixfr_one_sequence(void)
{
	zone *cur = mkzone(), *z;
	zone_xfrin *x;
	uint8_t *jnl = NULL;
	size_t jlen = 0;
	jstat j = { 0 };

	if (!cur)
		return;
	x = zone_xfrin_start(zone_origin(cur), DNS_T_IXFR, cur, NULL, ID);
	T_EQ(zone_xfrin_qtype(x), DNS_T_IXFR);
	query(x, DNS_T_IXFR, 1);
	T_EQ(feed(x, DNS_T_IXFR, ixfr12), ZXI_DONE);
	z = zone_xfrin_result(x, &jnl, &jlen);
	T_CHECK(z != NULL);
	T_CHECK(jnl != NULL);
	if (z) {
		T_EQ(zone_serial(z), 2);
		T_EQ(count(z, "www.example.com.", DNS_T_A), 0);
		T_EQ(count(z, "new.example.com.", DNS_T_A), 1);
		T_EQ(count(z, "ns1.example.com.", DNS_T_A), 1);
		/* the difference is in the history for IXFR onward */
		T_EQ(hist_len(z), 1);
		T_CHECK(z->hist_new && z->hist_new->serial_from == 1 &&
			z->hist_new->serial_to == 2);
	}
	T_EQ(zone_journal_scan(jnl, jlen, jcount, &j), jlen);
	T_EQ(j.n, 1);
	T_EQ(j.from[0], 1);
	T_EQ(j.to[0], 2);
	check_untouched(cur);
	free(jnl);
	if (z)
		zone_unref(z);
	zone_xfrin_free(x);
	zone_unref(cur);
}

/* Two sequences 1 -> 2 -> 3 split over two messages; then a further
 * IXFR 3 -> 4 whose result keeps the whole history 1 -> 4. */
static void ixfr_two_sequences(void)
{
	const char *m1[] = { SOA(3), SOA(1),
		"www.example.com. 60 IN A 192.0.2.80", SOA(2),
		"new.example.com. 60 IN A 192.0.2.99", NULL };
	const char *m2[] = { SOA(2), SOA(3),
		"txt.example.com. 60 IN TXT \"x\"",
		"new.example.com. 60 IN A 192.0.2.100", SOA(3), NULL };
	const char *m3[] = { SOA(4), SOA(3),
		"txt.example.com. 60 IN TXT \"x\"", SOA(4), SOA(4), NULL };
	zone *cur = mkzone(), *z = NULL, *z2 = NULL;
	zone_xfrin *x;
	uint8_t *jnl = NULL;
	size_t jlen = 0;
	jstat j = { 0 };

	if (!cur)
		return;
	x = zone_xfrin_start(zone_origin(cur), DNS_T_IXFR, cur, NULL, ID);
	T_EQ(feed(x, DNS_T_IXFR, m1), ZXI_NEED_MORE);
	T_EQ(feed(x, 0, m2), ZXI_DONE);
	z = zone_xfrin_result(x, &jnl, &jlen);
	zone_xfrin_free(x);
	T_CHECK(z != NULL);
	if (!z)
		goto out;
	T_EQ(zone_serial(z), 3);
	T_EQ(count(z, "new.example.com.", DNS_T_A), 2);
	T_EQ(count(z, "txt.example.com.", DNS_T_TXT), 1);
	T_EQ(count(z, "www.example.com.", DNS_T_A), 0);
	T_EQ(hist_len(z), 2);
	T_EQ(zone_journal_scan(jnl, jlen, jcount, &j), jlen);
	T_EQ(j.n, 2);
	T_EQ(j.from[1], 2);
	T_EQ(j.to[1], 3);
	/* the records replay onto the old zone to the same serial */
	{
		zone *c = zone_clone(cur);
		if (c) {
			zone_journal_scan(jnl, jlen, apply_rec, c);
			T_EQ(zone_serial(c), 3);
			T_EQ(zone_rr_count(c), zone_rr_count(z));
			T_EQ(count(c, "new.example.com.", DNS_T_A), 2);
			zone_free_all(c);
		}
	}
	check_untouched(cur);
	/* next IXFR from the result: the history grows to 1 -> 4 */
	x = zone_xfrin_start(zone_origin(z), DNS_T_IXFR, z, NULL, ID);
	query(x, DNS_T_IXFR, 3);
	T_EQ(feed(x, DNS_T_IXFR, m3), ZXI_DONE);
	z2 = zone_xfrin_result(x, NULL, NULL);
	zone_xfrin_free(x);
	T_CHECK(z2 != NULL);
	if (z2) {
		T_EQ(zone_serial(z2), 4);
		T_EQ(count(z2, "txt.example.com.", DNS_T_TXT), 0);
		T_EQ(hist_len(z2), 3);
		T_CHECK(z2->hist_old && z2->hist_old->serial_from == 1);
		T_CHECK(z2->hist_new && z2->hist_new->serial_to == 4);
		zone_unref(z2);
	}
	T_EQ(zone_serial(z), 3);
	T_EQ(hist_len(z), 2);
out:
	free(jnl);
	if (z)
		zone_unref(z);
	zone_unref(cur);
}

static void ixfr_uptodate(void)
{
	const char *lone[] = { SOA(1), NULL };
	zone *cur = mkzone();
	zone_xfrin *x;

	if (!cur)
		return;
	x = zone_xfrin_start(zone_origin(cur), DNS_T_IXFR, cur, NULL, ID);
	T_EQ(feed(x, DNS_T_IXFR, lone), ZXI_UPTODATE);
	T_CHECK(zone_xfrin_result(x, NULL, NULL) == NULL);
	zone_xfrin_free(x);
	check_untouched(cur);
	zone_unref(cur);
}

static void ixfr_axfr_style(void)
{
	zone *cur = mkzone();
	zone_xfrin *x;

	if (!cur)
		return;
	x = zone_xfrin_start(zone_origin(cur), DNS_T_IXFR, cur, NULL, ID);
	query(x, DNS_T_IXFR, 1);
	T_EQ(feed(x, DNS_T_IXFR, axfr_rrs), ZXI_DONE);
	axfr_check(x);   /* whole zone, no journal */
	zone_xfrin_free(x);
	check_untouched(cur);
	zone_unref(cur);
}

/* Without a usable current zone an IXFR request becomes AXFR. */
static void ixfr_without_zone(void)
{
	uint8_t o[WIRE_MAXNAME];
	zone *ph = zone_secondary_new("example.com");
	zone_xfrin *x;

	wire_name_from_str("example.com", o);
	x = zone_xfrin_start(o, DNS_T_IXFR, ph, NULL, ID);
	T_EQ(zone_xfrin_qtype(x), DNS_T_AXFR);
	query(x, DNS_T_AXFR, -1);
	zone_xfrin_free(x);
	zone_unref(ph);
}

static void ixfr_fails(const char *const *m1, const char *const *m2)
{
	zone *cur = mkzone();
	zone_xfrin *x;
	int r;

	if (!cur)
		return;
	x = zone_xfrin_start(zone_origin(cur), DNS_T_IXFR, cur, NULL, ID);
	r = feed(x, DNS_T_IXFR, m1);
	if (m2 && r == ZXI_NEED_MORE)
		r = feed(x, 0, m2);
	T_EQ(r, ZXI_ERROR);
	T_CHECK(zone_xfrin_error(x)[0] != '\0');
	T_CHECK(zone_xfrin_result(x, NULL, NULL) == NULL);
	zone_xfrin_free(x);
	check_untouched(cur);
	zone_unref(cur);
}

static void ixfr_wrong_serial_chain(void)
{
	/* the second sequence should start at 2, starts at 5 */
	const char *m1[] = { SOA(3), SOA(1),
		"www.example.com. 60 IN A 192.0.2.80", SOA(2),
		"new.example.com. 60 IN A 192.0.2.99", SOA(5),
		"new.example.com. 60 IN A 192.0.2.99", SOA(3), SOA(3), NULL };
	/* the first sequence does not start at our serial 1 */
	const char *m2[] = { SOA(3), SOA(2), SOA(3), SOA(3), NULL };

	ixfr_fails(m1, NULL);
	ixfr_fails(m2, NULL);
}

static void ixfr_delete_missing(void)
{
	const char *m1[] = { SOA(2), SOA(1),
		"nope.example.com. 60 IN A 192.0.2.80", SOA(2), NULL };
	const char *m2[] = { "x.example.com. 60 IN A 192.0.2.1", SOA(2),
			     NULL };
	const char *wrongrd[] = { SOA(2), SOA(1),
		"www.example.com. 60 IN A 192.0.2.81", SOA(2), SOA(2), NULL };

	ixfr_fails(m1, m2);
	ixfr_fails(wrongrd, NULL);
}

/* RFC 4034 6.2 membership: an IXFR may spell a name inside rdata in
 * another case; adding such a twin is no second RR, deleting matches any
 * spelling (a delete of an absent RR fails the transfer).  SRV: ldns
 * compresses no names in its rdata, so the spelling reaches us. */
#define SRV(t) "_s._tcp.example.com. 60 IN SRV 1 2 3 " t
static void ixfr_rdata_case(void)
{
	const char *m12[] = { SOA(2), SOA(1), SOA(2),
		SRV("Target.Other.NET."), SRV("target.other.net."), SOA(2),
		NULL };
	const char *m23[] = { SOA(3), SOA(2), SRV("TARGET.OTHER.NET."),
		SOA(3), SOA(3), NULL };
	zone *cur = mkzone(), *z = NULL, *z3 = NULL;
	zone_xfrin *x;
	uint8_t *jnl = NULL;
	size_t jlen = 0;

	if (!cur)
		return;
	x = zone_xfrin_start(zone_origin(cur), DNS_T_IXFR, cur, NULL, ID);
	query(x, DNS_T_IXFR, 1);
	T_EQ(feed(x, DNS_T_IXFR, m12), ZXI_DONE);
	z = zone_xfrin_result(x, &jnl, &jlen);
	zone_xfrin_free(x);
	free(jnl);
	jnl = NULL;
	T_CHECK(z != NULL);
	if (z) {
		T_EQ(count(z, "_s._tcp.example.com.", DNS_T_SRV), 1);
		x = zone_xfrin_start(zone_origin(z), DNS_T_IXFR, z, NULL, ID);
		query(x, DNS_T_IXFR, 2);
		T_EQ(feed(x, DNS_T_IXFR, m23), ZXI_DONE);
		z3 = zone_xfrin_result(x, &jnl, &jlen);
		zone_xfrin_free(x);
		free(jnl);
		T_CHECK(z3 != NULL);
	}
	if (z3) {
		T_EQ(count(z3, "_s._tcp.example.com.", DNS_T_SRV), 0);
		zone_unref(z3);
	}
	if (z)
		zone_unref(z);
	zone_unref(cur);
}

static void ixfr_closing_serial(void)
{
	/* reaches 2 but the closing SOA says 3 (the leading one said 2) */
	const char *m[] = { SOA(2), SOA(1), SOA(2), SOA(3), NULL };

	ixfr_fails(m, NULL);
}

static void primary_error_rcode(void)
{
	uint8_t buf[512], o[WIRE_MAXNAME];
	size_t len;
	zone_xfrin *x;

	wire_name_from_str("example.com", o);
	x = zone_xfrin_start(o, DNS_T_AXFR, NULL, NULL, ID);
	len = mkmsg(ID, DNS_T_AXFR, DNS_R_REFUSED, NULL, buf, sizeof(buf));
	T_EQ(zone_xfrin_feed(x, buf, len, NOW), ZXI_ERROR);
	T_CHECK(strstr(zone_xfrin_error(x), "REFUSED") != NULL);
	zone_xfrin_free(x);
	/* wrong id */
	x = zone_xfrin_start(o, DNS_T_AXFR, NULL, NULL, ID);
	len = mkmsg(ID + 1, DNS_T_AXFR, 0, axfr_rrs, buf, sizeof(buf));
	T_EQ(zone_xfrin_feed(x, buf, len, NOW), ZXI_ERROR);
	zone_xfrin_free(x);
}

/* ---------------------------------------------------------------- */
/* TSIG                                                             */

typedef struct tsig_peer {
	zone_tsig_key key;
	zone_keyring *kr;
	zone_tsig_ctx srv;  /* the primary's side */
} tsig_peer;

static int peer_init(tsig_peer *p)
{
	char err[128];

	memset(p, 0, sizeof(*p));
	if (zone_tsig_key_parse("xfr.key:SHA256:"
				"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0",
				&p->key, err, sizeof(err)) < 0) {
		printf("  key: %s\n", err);
		return -1;
	}
	p->kr = zone_keyring_new();
	return zone_keyring_add(p->kr, &p->key);
}

/* The primary verifies our signed query and keeps the context. */
static void peer_accept(tsig_peer *p, zone_xfrin *x, uint16_t qtype)
{
	uint8_t buf[1024];
	size_t len = 0;
	wire_query q;

	T_EQ(zone_xfrin_query(x, buf, sizeof(buf), &len, NOW), 0);
	T_CHECK(wire_query_parse(buf, len, &q) != WQ_DROP);
	T_EQ(q.qtype, qtype);
	T_EQ(zone_tsig_verify_request(p->kr, buf, len, &q, NOW, &p->srv), 1);
}

/* A signed response message; corrupt: flip a byte of its answer. */
static int peer_send(tsig_peer *p, zone_xfrin *x, uint16_t qtype,
		     const char *const *rrs, int corrupt, int unsigned_msg)
{
	uint8_t buf[65535];
	size_t len = mkmsg(ID, qtype, 0, rrs, buf, sizeof(buf));

	if (!unsigned_msg)
		T_EQ(zone_tsig_sign(&p->srv, buf, &len, sizeof(buf), NOW), 0);
	if (corrupt)
		buf[len / 2] ^= 0x01;
	return zone_xfrin_feed(x, buf, len, NOW);
}

static void tsig_good_transfer(void)
{
	tsig_peer p;
	zone_xfrin *x;
	uint8_t o[WIRE_MAXNAME];
	const char *m1[] = { axfr_rrs[0], axfr_rrs[1], axfr_rrs[2], NULL };
	const char *m2[] = { axfr_rrs[3], axfr_rrs[4], axfr_rrs[5],
			     axfr_rrs[6], axfr_rrs[7], NULL };

	if (peer_init(&p) < 0)
		return;
	wire_name_from_str("example.com", o);
	x = zone_xfrin_start(o, DNS_T_AXFR, NULL, &p.key, ID);
	peer_accept(&p, x, DNS_T_AXFR);
	T_EQ(peer_send(&p, x, DNS_T_AXFR, m1, 0, 0), ZXI_NEED_MORE);
	T_EQ(peer_send(&p, x, 0, m2, 0, 0), ZXI_DONE);
	axfr_check(x);
	zone_xfrin_free(x);
	zone_keyring_free(p.kr);
}

static void tsig_bad(int corrupt, int unsigned_msg, int at_second)
{
	tsig_peer p;
	zone *cur = mkzone();
	zone_xfrin *x;
	const char *m1[] = { ixfr12[0], ixfr12[1], ixfr12[2], NULL };
	const char *m2[] = { ixfr12[3], ixfr12[4], ixfr12[5], NULL };
	int r;

	if (!cur || peer_init(&p) < 0)
		return;
	x = zone_xfrin_start(zone_origin(cur), DNS_T_IXFR, cur, &p.key, ID);
	peer_accept(&p, x, DNS_T_IXFR);
	r = peer_send(&p, x, DNS_T_IXFR, m1, at_second ? 0 : corrupt,
		      at_second ? 0 : unsigned_msg);
	if (at_second) {
		T_EQ(r, ZXI_NEED_MORE);
		r = peer_send(&p, x, 0, m2, corrupt, unsigned_msg);
	}
	T_EQ(r, ZXI_ERROR);
	T_CHECK(strstr(zone_xfrin_error(x), "TSIG") != NULL);
	T_CHECK(zone_xfrin_result(x, NULL, NULL) == NULL);
	zone_xfrin_free(x);
	check_untouched(cur);
	zone_unref(cur);
	zone_keyring_free(p.kr);
}

static void tsig_corrupt_first(void) { tsig_bad(1, 0, 0); }
static void tsig_corrupt_second(void) { tsig_bad(1, 0, 1); }
static void tsig_unsigned_reply(void) { tsig_bad(0, 1, 0); }

/* Signed with another secret: the primary's MAC does not verify. */
static void tsig_other_secret(void)
{
	tsig_peer p, q;
	zone *cur = mkzone();
	zone_xfrin *x;
	char err[128];

	if (!cur || peer_init(&p) < 0 || peer_init(&q) < 0)
		return;
	zone_keyring_free(q.kr);
	zone_tsig_key_parse("xfr.key:SHA256:b3RoZXJvdGhlcm90aGVyb3RoZXI=",
			    &q.key, err, sizeof(err));
	q.kr = zone_keyring_new();
	zone_keyring_add(q.kr, &q.key);
	x = zone_xfrin_start(zone_origin(cur), DNS_T_IXFR, cur, &p.key, ID);
	{
		uint8_t buf[1024];
		size_t len = 0;
		wire_query wq;
		T_EQ(zone_xfrin_query(x, buf, sizeof(buf), &len, NOW), 0);
		wire_query_parse(buf, len, &wq);
		/* the primary with another secret rejects our query */
		T_EQ(zone_tsig_verify_request(q.kr, buf, len, &wq, NOW,
					      &q.srv), -1);
		T_EQ(q.srv.error, TSIG_E_BADSIG);
	}
	/* had it answered signed with its secret anyway: rejected */
	q.srv.error = 0;
	q.srv.key = &q.key;
	T_EQ(peer_send(&q, x, DNS_T_IXFR, ixfr12, 0, 0), ZXI_ERROR);
	zone_xfrin_free(x);
	check_untouched(cur);
	/* and its NOTAUTH reply is reported as a TSIG error */
	x = zone_xfrin_start(zone_origin(cur), DNS_T_IXFR, cur, &p.key, ID);
	{
		uint8_t buf[512];
		size_t len = mkmsg(ID, DNS_T_IXFR, DNS_R_NOTAUTH, NULL, buf,
				   sizeof(buf));
		T_EQ(zone_xfrin_feed(x, buf, len, NOW), ZXI_ERROR);
		T_CHECK(strstr(zone_xfrin_error(x), "TSIG") != NULL);
	}
	zone_xfrin_free(x);
	zone_unref(cur);
	zone_keyring_free(p.kr);
	zone_keyring_free(q.kr);
}

/* ---------------------------------------------------------------- */

static void soa_check(void)
{
	const char *ans[] = { SOA(42), NULL };
	const char *bad[] = { "example.com. 60 IN NS ns1.example.com.",
			      NULL };
	uint8_t o[WIRE_MAXNAME];
	zone_xfrin *x;

	wire_name_from_str("example.com", o);
	x = zone_xfrin_start(o, DNS_T_SOA, NULL, NULL, ID);
	query(x, DNS_T_SOA, -1);
	T_EQ(feed(x, DNS_T_SOA, ans), ZXI_DONE);
	T_EQ(zone_xfrin_serial(x), 42);
	T_CHECK(zone_xfrin_result(x, NULL, NULL) == NULL);
	zone_xfrin_free(x);
	x = zone_xfrin_start(o, DNS_T_SOA, NULL, NULL, ID);
	T_EQ(feed(x, DNS_T_SOA, bad), ZXI_ERROR);
	zone_xfrin_free(x);
	x = zone_xfrin_start(o, DNS_T_SOA, NULL, NULL, ID);
	T_EQ(feed(x, DNS_T_SOA, NULL), ZXI_ERROR);     /* empty answer */
	zone_xfrin_free(x);
}

static void serial_arith(void)
{
	T_CHECK(zone_serial_newer(2, 1));
	T_CHECK(!zone_serial_newer(1, 1));
	T_CHECK(!zone_serial_newer(1, 2));
	T_CHECK(zone_serial_newer(1, 0xffffffffu));
	T_CHECK(!zone_serial_newer(0x80000001u, 1));
	T_CHECK(zone_serial_undefined(0x80000001u, 1));
	T_CHECK(zone_serial_undefined(1, 0x80000001u));
	T_CHECK(!zone_serial_undefined(0x80000002u, 1));
	T_CHECK(!zone_serial_undefined(1, 1));
}

int main(void)
{
	T_RUN(axfr_one_message);
	T_RUN(axfr_several_messages);
	T_RUN(axfr_truncated_stream);
	T_RUN(ixfr_one_sequence);
	T_RUN(ixfr_two_sequences);
	T_RUN(ixfr_uptodate);
	T_RUN(ixfr_axfr_style);
	T_RUN(ixfr_without_zone);
	T_RUN(ixfr_wrong_serial_chain);
	T_RUN(ixfr_delete_missing);
	T_RUN(ixfr_closing_serial);
	T_RUN(primary_error_rcode);
	T_RUN(tsig_good_transfer);
	T_RUN(tsig_corrupt_first);
	T_RUN(tsig_corrupt_second);
	T_RUN(tsig_unsigned_reply);
	T_RUN(tsig_other_secret);
	T_RUN(soa_check);
	T_RUN(serial_arith);
	T_RUN(ixfr_rdata_case);
	T_DONE();
}
