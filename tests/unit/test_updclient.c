/* Unit tests for the RFC 2136 client (zones/updclient.c) and the record
 * walker (wire_rr_*): UPDATE building, signing, judging real responses
 * from the zones' own UPDATE server, and reading SOA/TXT/NS answers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/t.h"
#include "zones/updclient.h"

static const char ztext[] =
	"$TTL 3600\n"
	"$ORIGIN example.com.\n"
	"@ IN SOA ns1 hostmaster 7 3600 600 604800 300\n"
	"  IN NS ns1\n"
	"  IN NS ns2.example.net.\n"
	"ns1 IN A 192.0.2.53\n"
	"ns1 IN AAAA 2001:db8::53\n"
	"old IN TXT \"gone soon\"\n";

static const uint64_t NOW = 1700000000;

static zone_db *mkdb(zone **zp)
{
	char err[256];
	zone_db *db = zone_db_new(NULL);
	zone *z = zone_load_text("example.com", "t", ztext, strlen(ztext),
				 NULL, NULL, err, sizeof(err));

	if (!z)
		printf("  load: %s\n", err);
	zone_db_add_zone(db, z);
	zone_unref(z);
	*zp = z;
	return db;
}

static const uint8_t *nm(const char *s, uint8_t *buf)
{
	wire_name_from_str(s, buf);
	return buf;
}

/* The response of db to msg as sent from 127.0.0.1. */
static size_t ask(zone_db *db, const uint8_t *msg, size_t len, uint8_t *resp,
		  size_t cap)
{
	zone_req rq;
	zone_effects eff;
	size_t rlen = 0;

	memset(&rq, 0, sizeof(rq));
	rq.q = msg;
	rq.qlen = len;
	rq.af = 4;
	rq.addr[0] = 127;
	rq.addr[3] = 1;
	rq.now = NOW;
	if (zone_db_handle(db, &rq, resp, cap, &rlen, &eff, NULL) != ZONE_REPLY)
		return 0;
	return rlen;
}

static void test_build_and_apply(void)
{
	uint8_t buf[1024], resp[4096], o[WIRE_MAXNAME], z[WIRE_MAXNAME];
	uint8_t rd[] = "\x05hello";
	static const uint8_t lo[4] = { 127, 0, 0, 0 };
	wire_query q;
	zone_upd u;
	zone *zz;
	zone_db *db = mkdb(&zz);
	zone_updc_result r;
	long len;
	size_t rlen;

	zone_db_allow_update(db, "example.com", NULL, 4, lo, 8, NULL, 0);
	zone_upd_start(&u, buf, sizeof(buf), 0x1234, nm("example.com", z));
	zone_upd_prereq(&u, ZONE_UPD_NXDOMAIN, nm("new.example.com", o), 0,
			NULL, 0);
	zone_upd_add(&u, o, DNS_T_TXT, 60, rd, 6);
	zone_upd_del_rrset(&u, nm("old.example.com", o), DNS_T_TXT);
	len = zone_upd_finish(&u, NULL, NULL, 0);
	T_CHECK(len > 0);
	T_EQ(wire_query_parse(buf, (size_t)len, &q), WQ_OK);
	T_EQ(q.opcode, DNS_OP_UPDATE);
	T_EQ(q.id, 0x1234);
	T_EQ(q.ancount, 1);     /* prerequisites */
	T_EQ(q.nscount, 2);     /* updates */
	rlen = ask(db, buf, (size_t)len, resp, sizeof(resp));
	zone_updc_judge(buf, (size_t)len, resp, rlen, NULL, NOW, &r);
	T_EQ(r.verdict, ZONE_UPDC_OK);
	T_EQ(r.rcode, DNS_R_NOERROR);
	T_CHECK(zone_find_rrset(zz, nm("new.example.com", o), DNS_T_TXT));
	T_CHECK(!zone_find_rrset(zz, nm("old.example.com", o), DNS_T_TXT));
	/* the same again: the prerequisite fails */
	rlen = ask(db, buf, (size_t)len, resp, sizeof(resp));
	zone_updc_judge(buf, (size_t)len, resp, rlen, NULL, NOW, &r);
	T_EQ(r.verdict, ZONE_UPDC_FAIL);
	T_EQ(r.rcode, DNS_R_YXDOMAIN);
	T_CHECK(strstr(r.why, "YXDOMAIN") != NULL);
	/* a prerequisite after an update: refused by the builder */
	zone_upd_start(&u, buf, sizeof(buf), 1, z);
	zone_upd_del_name(&u, o);
	zone_upd_prereq(&u, ZONE_UPD_YXDOMAIN, o, 0, NULL, 0);
	T_EQ(zone_upd_finish(&u, NULL, NULL, 0), -1);
	/* no room */
	zone_upd_start(&u, buf, 40, 1, z);
	zone_upd_add(&u, o, DNS_T_TXT, 60, rd, 6);
	T_EQ(zone_upd_finish(&u, NULL, NULL, 0), -1);
	zone_db_free(db);
}

static void test_judge(void)
{
	uint8_t buf[512], resp[512], z[WIRE_MAXNAME], o[WIRE_MAXNAME];
	uint8_t rd[] = "\x01x";
	zone_updc_result r;
	zone_upd u;
	long len;

	zone_upd_start(&u, buf, sizeof(buf), 0xbeef, nm("example.com", z));
	zone_upd_add(&u, nm("a.example.com", o), DNS_T_TXT, 60, rd, 2);
	len = zone_upd_finish(&u, NULL, NULL, 0);
	/* a hand-made answer: header + zone section */
	memcpy(resp, buf, WIRE_HDRLEN + 17);
	memset(resp + 6, 0, 6);
	resp[2] |= 0x80;
	resp[3] = DNS_R_SERVFAIL;
	zone_updc_judge(buf, (size_t)len, resp, WIRE_HDRLEN + 17, NULL, 0, &r);
	T_EQ(r.verdict, ZONE_UPDC_RETRY);
	resp[3] = DNS_R_REFUSED;
	zone_updc_judge(buf, (size_t)len, resp, WIRE_HDRLEN + 17, NULL, 0, &r);
	T_EQ(r.verdict, ZONE_UPDC_FAIL);
	T_EQ(r.rcode, DNS_R_REFUSED);
	/* wrong id, not a response, other zone, truncated: not ours */
	resp[0] ^= 1;
	zone_updc_judge(buf, (size_t)len, resp, WIRE_HDRLEN + 17, NULL, 0, &r);
	T_EQ(r.verdict, ZONE_UPDC_IGNORE);
	resp[0] ^= 1;
	resp[2] &= 0x7f;
	zone_updc_judge(buf, (size_t)len, resp, WIRE_HDRLEN + 17, NULL, 0, &r);
	T_EQ(r.verdict, ZONE_UPDC_IGNORE);
	resp[2] |= 0x80;
	resp[WIRE_HDRLEN + 1] = 'E';   /* case only: still ours */
	zone_updc_judge(buf, (size_t)len, resp, WIRE_HDRLEN + 17, NULL, 0, &r);
	T_EQ(r.verdict, ZONE_UPDC_FAIL);
	resp[WIRE_HDRLEN + 1] = 'q';
	zone_updc_judge(buf, (size_t)len, resp, WIRE_HDRLEN + 17, NULL, 0, &r);
	T_EQ(r.verdict, ZONE_UPDC_IGNORE);
	zone_updc_judge(buf, (size_t)len, resp, 5, NULL, 0, &r);
	T_EQ(r.verdict, ZONE_UPDC_IGNORE);
	/* FORMERR without a zone section still answers us */
	resp[WIRE_HDRLEN + 1] = 'e';
	resp[3] = DNS_R_FORMERR;
	wire_put16(resp + 4, 0);
	zone_updc_judge(buf, (size_t)len, resp, WIRE_HDRLEN, NULL, 0, &r);
	T_EQ(r.verdict, ZONE_UPDC_FAIL);
	T_EQ(r.rcode, DNS_R_FORMERR);
}

static void test_tsig(void)
{
	uint8_t buf[1024], resp[4096], z[WIRE_MAXNAME], o[WIRE_MAXNAME];
	uint8_t rd[] = "\x03key";
	char err[128];
	zone_tsig_key k;
	zone_tsig_ctx tc;
	zone_keyring *kr = zone_keyring_new();
	zone_updc_result r;
	zone_upd u;
	zone *zz;
	zone_db *db = mkdb(&zz);
	long len;
	size_t rlen;

	T_EQ(zone_tsig_key_parse("upd.key:hmac-sha256:"
				 "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0",
				 &k, err, sizeof(err)), 0);
	zone_keyring_add(kr, &k);
	zone_db_set_keyring(db, kr);
	zone_db_allow_update(db, "example.com", "upd.key", 0, NULL, 0, NULL, 0);
	zone_upd_start(&u, buf, sizeof(buf), 77, nm("example.com", z));
	zone_upd_add(&u, nm("s.example.com", o), DNS_T_TXT, 60, rd, 4);
	len = zone_upd_finish(&u, &k, &tc, NOW);
	T_CHECK(len > 0);
	rlen = ask(db, buf, (size_t)len, resp, sizeof(resp));
	zone_updc_judge(buf, (size_t)len, resp, rlen, &tc, NOW, &r);
	T_EQ(r.verdict, ZONE_UPDC_OK);
	T_EQ(r.tsig_bad, 0);
	T_CHECK(zone_find_rrset(zz, o, DNS_T_TXT) != NULL);
	/* the same answer again (a resent request): still verifies */
	zone_updc_judge(buf, (size_t)len, resp, rlen, &tc, NOW, &r);
	T_EQ(r.tsig_bad, 0);
	/* a response whose MAC does not check */
	len = zone_upd_finish(&u, &k, &tc, NOW);
	rlen = ask(db, buf, (size_t)len, resp, sizeof(resp));
	resp[rlen - 10] ^= 0x55;
	zone_updc_judge(buf, (size_t)len, resp, rlen, &tc, NOW, &r);
	T_EQ(r.tsig_bad, 1);
	/* unsigned request to a key-only zone: refused */
	len = zone_upd_finish(&u, NULL, NULL, 0);
	rlen = ask(db, buf, (size_t)len, resp, sizeof(resp));
	zone_updc_judge(buf, (size_t)len, resp, rlen, NULL, NOW, &r);
	T_EQ(r.verdict, ZONE_UPDC_FAIL);
	T_EQ(r.rcode, DNS_R_REFUSED);
	zone_db_free(db);
}

static void test_read_answers(void)
{
	uint8_t q[512], resp[4096], o[WIRE_MAXNAME], apex[WIRE_MAXNAME];
	zone_updc_ns ns;
	zone *zz;
	zone_db *db = mkdb(&zz);
	long qlen;
	size_t rlen;

	/* which zone holds a name: the SOA in the authority section */
	qlen = zone_updc_query(q, sizeof(q), 9, nm("x.y.Example.com", o),
			       DNS_T_SOA);
	rlen = ask(db, q, (size_t)qlen, resp, sizeof(resp));
	T_CHECK(zone_updc_matches(q, (size_t)qlen, resp, rlen));
	T_EQ(zone_updc_zone_of(resp, rlen, o, apex), 1);
	T_CHECK(wire_name_equal(apex, nm("example.com", o)));
	T_EQ(zone_updc_zone_of(resp, rlen, nm("example.org", o), apex), 0);
	/* a TXT served or not */
	qlen = zone_updc_query(q, sizeof(q), 10, nm("old.example.com", o),
			       DNS_T_TXT);
	rlen = ask(db, q, (size_t)qlen, resp, sizeof(resp));
	T_EQ(zone_updc_has_txt(resp, rlen, o, "gone soon"), 1);
	T_EQ(zone_updc_has_txt(resp, rlen, o, "gone"), 0);
	T_EQ(zone_updc_has_txt(resp, rlen - 1, o, "gone soon"), 0);
	/* the zone's name servers with their glue */
	qlen = zone_updc_query(q, sizeof(q), 11, nm("example.com", o),
			       DNS_T_NS);
	rlen = ask(db, q, (size_t)qlen, resp, sizeof(resp));
	T_EQ(zone_updc_ns_read(resp, rlen, o, &ns), 2);
	T_EQ(ns.nname, 2);
	T_EQ(ns.addr[0].af + ns.addr[1].af, 10);
	for (int i = 0; i < 2; i++)
		if (ns.addr[i].af == 4)
			T_EQ(ns.addr[i].addr[3], 53);
	zone_db_free(db);
}

static void test_walker(void)
{
	uint8_t q[512], resp[4096], o[WIRE_MAXNAME];
	wire_rr_iter it;
	wire_rr rr;
	zone *zz;
	zone_db *db = mkdb(&zz);
	long qlen = zone_updc_query(q, sizeof(q), 1, nm("example.com", o),
				    DNS_T_NS);
	size_t rlen = ask(db, q, (size_t)qlen, resp, sizeof(resp));
	int n[4] = { 0 }, r;

	T_EQ(wire_rr_start(&it, resp, rlen), 0);
	while ((r = wire_rr_next(&it, &rr)) > 0)
		n[rr.section]++;
	T_EQ(r, 0);
	T_EQ(n[1], 2);
	T_EQ(n[3], 2);
	/* cut short: an error, not a hang */
	T_EQ(wire_rr_start(&it, resp, rlen - 3), 0);
	while ((r = wire_rr_next(&it, &rr)) > 0)
		;
	T_CHECK(r < 0);
	T_CHECK(wire_rr_start(&it, resp, 5) < 0);
	T_EQ(wire_rr_next(&it, &rr), 0);
	zone_db_free(db);
}

int main(void)
{
	T_RUN(test_build_and_apply);
	T_RUN(test_judge);
	T_RUN(test_tsig);
	T_RUN(test_read_answers);
	T_RUN(test_walker);
	T_DONE();
}
