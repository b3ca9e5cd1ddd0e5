/* Unit tests for the answer database and zone_db_answer (db.c, answer.c):
 * queries are built by hand, responses are checked with ldns. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <ldns/ldns.h>

#include "tests/unit/t.h"
#include "tests/unit/tzone.h"
#include "zones/zone_int.h"
#include "zones/zones.h"

static const char zone_text[] =
	"$ORIGIN example.com.\n"
	"$TTL 3600\n"
	"@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n"
	"@ NS ns1\n"
	"@ NS ns2.example.net.\n"
	"@ MX 10 mail\n"
	"@ MX 20 mail.example.org.\n"
	"@ A 192.0.2.1\n"
	"ns1 A 192.0.2.53\n"
	"ns1 AAAA 2001:db8::53\n"
	"mail A 192.0.2.25\n"
	"www A 192.0.2.80\n"
	"www AAAA 2001:db8::80\n"
	"alias CNAME www\n"
	"chain1 CNAME chain2\n"
	"chain2 CNAME alias\n"
	"out CNAME www.example.org.\n"
	"loop1 CNAME loop2\n"
	"loop2 CNAME loop1\n"
	"dangling CNAME nothere\n"
	"tolocal CNAME host.lan.\n"
	"*.wild A 192.0.2.99\n"
	"*.wild TXT \"wild\"\n"
	"*.wcname CNAME www\n"
	"a.b.ent TXT \"deep\"\n"
	"*.ent A 192.0.2.7\n"
	"sub NS ns.sub\n"
	"sub NS ns1\n"
	"sub DS 12345 8 2 "
	"49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE2A0A5A3D7D2B2B1A3C4D5E6F\n"
	"ns.sub A 192.0.2.100\n"
	"nods NS ns.nods\n"
	"ns.nods A 192.0.2.101\n"
	"child NS ns1.child\n"
	"ns1.child A 192.0.2.110\n"
	"child DS 1 8 2 "
	"49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE2A0A5A3D7D2B2B1A3C4D5E6F\n"
	"_sip._tcp SRV 0 5 5060 sip\n"
	"sip A 192.0.2.60\n"
	"override A 192.0.2.200\n";

static const char child_text[] =
	"$ORIGIN child.example.com.\n"
	"$TTL 600\n"
	"@ IN SOA ns1 hostmaster 7 7200 3600 1209600 60\n"
	"@ NS ns1\n"
	"ns1 A 192.0.2.110\n"
	"www A 192.0.2.111\n";

static zone_db *g_db;

static void add_big(char *buf, size_t cap)
{
	size_t o = strlen(buf);
	for (int i = 0; i < 20; i++)
		o += (size_t)snprintf(buf + o, cap - o,
			"big TXT \"record %02d xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"\n",
			i);
}

/* A delegation whose in-domain glue does not fit in 512 bytes. */
static void add_glue_zone(zone_db *db)
{
	char text[4096], err[256];
	size_t o = (size_t)snprintf(text, sizeof(text),
		"$ORIGIN glue.test.\n$TTL 60\n@ SOA ns h 1 2 3 4 5\n@ NS ns\n"
		"ns A 192.0.2.1\n");
	zone *z;

	for (int i = 0; i < 12; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o,
			"d NS ns%02d.d\nns%02d.d A 192.0.2.%d\n"
			"ns%02d.d AAAA 2001:db8::%d\n", i, i, i, i, i);
	z = zone_load_text("glue.test.", "g.zone", text, o, NULL, NULL, err,
			   sizeof(err));
	if (!z) {
		printf("  load glue: %s\n", err);
		return;
	}
	zone_db_add_zone(db, z);
	zone_unref(z);
}

/* DNAME (RFC 6672): one at the apex of moved.test, a loop, one whose
 * target is below its owner, and one (signed) into example.com. */
static void add_dname_zones(zone_db *db)
{
	static const char moved[] =
		"$ORIGIN moved.test.\n$TTL 60\n@ SOA ns.d.test. h 1 2 3 4 5\n"
		"@ NS ns.d.test.\n@ 120 DNAME d.test.\n";
	static const char d[] =
		"$ORIGIN d.test.\n$TTL 60\n@ SOA ns h 1 2 3 4 5\n@ NS ns\n"
		"ns A 192.0.2.1\nwww A 192.0.2.2\n"
		"l1 DNAME l2.d.test.\nl2 DNAME l1.d.test.\n"
		"self DNAME x.self.d.test.\n"
		"com 300 DNAME example.com.\n"
		"com RRSIG DNAME 13 3 300 20300101000000 20200101000000 1 "
		"d.test. AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUm\n";
	char err[256];
	zone *z = zone_load_text("moved.test.", "m.zone", moved,
				 sizeof(moved) - 1, NULL, NULL, err,
				 sizeof(err));

	if (!z) {
		printf("  load moved: %s\n", err);
		return;
	}
	zone_db_add_zone(db, z);
	zone_unref(z);
	z = zone_load_text("d.test.", "d.zone", d, sizeof(d) - 1, NULL, NULL,
			   err, sizeof(err));
	if (!z) {
		printf("  load d: %s\n", err);
		return;
	}
	zone_db_add_zone(db, z);
	zone_unref(z);
}

/* A zone with (fake) signatures: www's A RRset TTL 600 with an RRSIG of
 * TTL 5 whose Original TTL is 300, an RRSIG TXT beside it; "fat" and "mail"
 * carry eight RRSIGs over A, too many for 512 bytes. */
#define SIGB "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKiss" \
	"LS4vMDEyMzQ1Njc4OTo7PD0+Pw=="
static void add_sig_zone(zone_db *db)
{
	char text[8192], err[256];
	size_t o = (size_t)snprintf(text, sizeof(text),
		"$ORIGIN sig.test.\n$TTL 60\n@ SOA ns h 1 2 3 4 5\n@ NS ns\n"
		"@ RRSIG SOA 13 2 60 20300101000000 20200101000000 1 sig.test. "
		SIGB "\n@ MX 10 mail\n"
		"@ RRSIG MX 13 2 60 20300101000000 20200101000000 1 sig.test. "
		SIGB "\nns A 192.0.2.1\nwww 600 A 192.0.2.2\n"
		"www 5 RRSIG A 13 3 300 20300101000000 20200101000000 1 "
		"sig.test. " SIGB "\nwww TXT x\n"
		"www RRSIG TXT 13 3 60 20300101000000 20200101000000 2 "
		"sig.test. " SIGB "\nfat A 192.0.2.3\nmail A 192.0.2.4\n"
		"www 30 NSEC zz.sig.test. A TXT RRSIG NSEC\n"
		"www 30 RRSIG NSEC 13 3 30 20300101000000 20200101000000 3 "
		"sig.test. " SIGB "\n"
		"sec NS ns.sec\nns.sec A 192.0.2.5\n"
		"sec DS 1 13 2 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n"
		"sec RRSIG DS 13 3 60 20300101000000 20200101000000 4 "
		"sig.test. " SIGB "\n"
		"insec NS ns.sec\ninsec NSEC mail.sig.test. NS RRSIG NSEC\n"
		"insec RRSIG NSEC 13 3 60 20300101000000 20200101000000 5 "
		"sig.test. " SIGB "\n");
	zone *z;

	for (int i = 0; i < 8; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o,
			"fat RRSIG A 13 3 60 20300101000000 20200101000000 %d "
			"sig.test. " SIGB "\nmail RRSIG A 13 3 60 "
			"20300101000000 20200101000000 %d sig.test. " SIGB "\n",
			10 + i, 10 + i);
	z = zone_load_text("sig.test.", "s.zone", text, o, NULL, NULL, err,
			   sizeof(err));
	if (!z) {
		printf("  load sig: %s\n", err);
		return;
	}
	zone_db_add_zone(db, z);
	zone_unref(z);
}

/* Issue 13: apex RRSIG SOA TTL 3600 beside RRSIG NSEC3PARAM TTL 0 (they
 * were kept as one RRset with the lowest TTL). */
static void add_ttl_zone(zone_db *db)
{
	static const char t[] =
		"$ORIGIN ttl.test.\n@ 3600 SOA ns h 1 2 3 4 300\n"
		"@ 3600 NS ns\n@ 0 NSEC3PARAM 1 0 0 -\n"
		"@ 3600 RRSIG SOA 13 2 3600 20300101000000 20200101000000 1 "
		"ttl.test. " SIGB "\n"
		"@ 0 RRSIG NSEC3PARAM 13 2 0 20300101000000 20200101000000 1 "
		"ttl.test. " SIGB "\n"
		"@ 3600 RRSIG NS 13 2 3600 20300101000000 20200101000000 1 "
		"ttl.test. " SIGB "\n"
		"ns 600 A 192.0.2.1\n"
		"ns 600 RRSIG A 13 3 600 20300101000000 20200101000000 1 "
		"ttl.test. " SIGB "\n";
	char err[256];
	zone *z = zone_load_text("ttl.test.", "t.zone", t, sizeof(t) - 1,
				 NULL, NULL, err, sizeof(err));

	if (!z) {
		printf("  load ttl: %s\n", err);
		return;
	}
	zone_db_add_zone(db, z);
	zone_unref(z);
}

static zone_db *make_db(void)
{
	static const uint8_t zero4[4] = { 0 }, a4[4] = { 10, 0, 0, 1 },
		a6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	zone_db_opts o = { .edns_max = 1232, .version_str = "dnsvizor-test",
			   .ident_str = "unit" };
	zone_db *db = zone_db_new(&o);
	char err[256], *text = malloc(8192);
	zone *z, *c, *l;

	snprintf(text, 8192, "%s", zone_text);
	add_big(text, 8192);
	z = zone_load_text("example.com.", "t.zone", text, strlen(text),
			   NULL, NULL, err, sizeof(err));
	if (!z)
		printf("  load: %s\n", err);
	c = zone_load_text("child.example.com.", "c.zone", child_text,
			   strlen(child_text), NULL, NULL, err, sizeof(err));
	if (!c)
		printf("  load child: %s\n", err);
	free(text);
	if (!db || !z || !c)
		return NULL;
	zone_db_add_zone(db, z);
	zone_db_add_zone(db, c);
	zone_unref(z);
	zone_unref(c);
	add_glue_zone(db);
	add_sig_zone(db);
	add_ttl_zone(db);
	add_dname_zones(db);
	l = zone_local_new();
	zone_local_add_rr(l, "host.lan. 0 IN A 192.168.1.10", err, 256);
	zone_local_add_rr(l, "alias.lan. 0 IN CNAME host.lan.", err, 256);
	zone_local_add_rr(l, "lan. 0 IN MX 10 host.lan.", err, 256);
	zone_local_add_rr(l, "override.example.com. 5 IN A 10.9.9.9", err, 256);
	zone_local_add_rr(l, "10.1.168.192.in-addr.arpa. 0 IN PTR host.lan.",
			  err, 256);
	zone_db_set_local(db, l);
	zone_unref(l);
	zone_db_add_address(db, "ads.test", 4, zero4, 0);
	zone_db_add_address(db, "blocked.test", 0, NULL, 0);
	zone_db_add_address(db, "both.test", 4, a4, 30);
	zone_db_add_address(db, "both.test", 6, a6, 40);
	zone_db_add_address(db, "ok.blocked.test", 4, a4, 30);
	return db;
}

/* ---- query building ---- */

typedef struct qopt {
	int edns;             /* add OPT */
	uint16_t udp;
	uint8_t version;
	uint16_t eflags;
	int opcode;
	uint16_t qclass;      /* 0 = IN */
	int tcp;              /* the how argument: ZONE_Q_TCP, _LOOPBACK */
	int noq;              /* qdcount 0 */
} qopt;

static size_t make_query(uint8_t *b, const char *name, uint16_t type,
			 const qopt *o)
{
	uint8_t wn[WIRE_MAXNAME];
	int n = wire_name_from_str(name, wn);
	size_t l = 12;

	memset(b, 0, 12);
	wire_put16(b, 0x1234);
	wire_put16(b + 2, (uint16_t)(DNS_F_RD | DNS_F_CD | (o->opcode << 11)));
	if (!o->noq) {
		wire_put16(b + 4, 1);
		memcpy(b + l, wn, (size_t)n);
		l += (size_t)n;
		wire_put16(b + l, type);
		wire_put16(b + l + 2, o->qclass ? o->qclass : DNS_C_IN);
		l += 4;
	}
	if (o->edns) {
		wire_put16(b + 10, 1);
		b[l] = 0;
		wire_put16(b + l + 1, DNS_T_OPT);
		wire_put16(b + l + 3, o->udp);
		wire_put32(b + l + 5, ((uint32_t)o->version << 16) | o->eflags);
		wire_put16(b + l + 9, 0);
		l += 11;
	}
	return l;
}

static uint8_t g_resp[65535];
static size_t g_len;
static zone_stats g_st;

static ldns_pkt *ask_raw(const uint8_t *q, size_t ql, int tcp)
{
	ldns_pkt *p = NULL;
	size_t cap = (tcp & ZONE_Q_TCP) ? 65535 : 1232;

	g_len = 0;
	if (zone_db_answer(g_db, q, ql, tcp, g_resp, cap, &g_len, &g_st) !=
	    ZONE_REPLY)
		return NULL;
	if (g_len > cap)
		printf("  response longer than buffer\n");
	if (ldns_wire2pkt(&p, g_resp, g_len) != LDNS_STATUS_OK)
		return NULL;
	return p;
}

static ldns_pkt *askq(const char *name, uint16_t type, const qopt *o)
{
	uint8_t q[600];
	size_t l = make_query(q, name, type, o);
	return ask_raw(q, l, o->tcp);
}

static ldns_pkt *ask(const char *name, uint16_t type)
{
	qopt o = { 0 };
	return askq(name, type, &o);
}

/* ---- response checks ---- */

static int rr_is(const ldns_rr *rr, const char *owner, uint16_t type)
{
	ldns_rdf *o = ldns_dname_new_frm_str(owner);
	int r = ldns_dname_compare(ldns_rr_owner(rr), o) == 0 &&
		ldns_rr_get_type(rr) == type;
	ldns_rdf_deep_free(o);
	return r;
}

/* Count RRs of owner/type in a section. */
static int count(const ldns_rr_list *l, const char *owner, uint16_t type)
{
	int n = 0;
	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++)
		n += rr_is(ldns_rr_list_rr(l, i), owner, type);
	return n;
}

#define AN(p) ldns_pkt_answer(p)
#define NS(p) ldns_pkt_authority(p)
#define AR(p) ldns_pkt_additional(p)

static void check_hdr(ldns_pkt *p, int rcode, int aa)
{
	T_CHECK(p != NULL);
	if (!p)
		return;
	T_EQ(ldns_pkt_get_rcode(p), rcode);
	T_EQ(ldns_pkt_aa(p), aa);
	T_EQ(ldns_pkt_qr(p), 1);
	T_EQ(ldns_pkt_ra(p), 0);
	T_EQ(ldns_pkt_id(p), 0x1234);
}

static uint32_t soa_ttl(ldns_pkt *p)
{
	ldns_rr_list *l = NS(p);
	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++)
		if (ldns_rr_get_type(ldns_rr_list_rr(l, i)) == LDNS_RR_TYPE_SOA)
			return ldns_rr_ttl(ldns_rr_list_rr(l, i));
	return 0xffffffff;
}

/* ---- tests ---- */

static void test_exact(void)
{
	ldns_pkt *p = ask("www.example.com", DNS_T_A);
	check_hdr(p, 0, 1);
	if (!p)
		return;
	T_EQ(ldns_pkt_ancount(p), 1);
	T_EQ(count(AN(p), "www.example.com.", DNS_T_A), 1);
	T_EQ(ldns_rr_ttl(ldns_rr_list_rr(AN(p), 0)), 3600);
	T_EQ(ldns_pkt_nscount(p), 0);
	T_EQ(ldns_pkt_rd(p), 1);
	T_EQ(ldns_pkt_cd(p), 1);
	ldns_pkt_free(p);
}

static void test_question_case(void)
{
	ldns_pkt *p = ask("WwW.ExAmPlE.cOm", DNS_T_AAAA);
	check_hdr(p, 0, 1);
	/* question echoed as sent: bytes 13.. are the qname */
	T_CHECK(memcmp(g_resp + 12, "\3WwW\7ExAmPlE\3cOm", 16) == 0);
	if (p)
		T_EQ(count(AN(p), "www.example.com.", DNS_T_AAAA), 1);
	ldns_pkt_free(p);
}

static void test_nodata(void)
{
	ldns_pkt *p = ask("www.example.com", DNS_T_TXT);
	check_hdr(p, 0, 1);
	if (!p)
		return;
	T_EQ(ldns_pkt_ancount(p), 0);
	T_EQ(ldns_pkt_nscount(p), 1);
	T_EQ(count(NS(p), "example.com.", DNS_T_SOA), 1);
	T_EQ(soa_ttl(p), 300);
	ldns_pkt_free(p);
}

static void test_nxdomain(void)
{
	uint64_t nx = g_st.nxdomain;
	ldns_pkt *p = ask("nope.example.com", DNS_T_A);
	check_hdr(p, 3, 1);
	if (!p)
		return;
	T_EQ(ldns_pkt_ancount(p), 0);
	T_EQ(count(NS(p), "example.com.", DNS_T_SOA), 1);
	T_EQ(soa_ttl(p), 300);
	T_EQ(g_st.nxdomain, nx + 1);
	ldns_pkt_free(p);
	/* below an existing name without a wildcard */
	p = ask("x.www.example.com", DNS_T_A);
	check_hdr(p, 3, 1);
	ldns_pkt_free(p);
}

static void test_cname_chain(void)
{
	ldns_pkt *p = ask("chain1.example.com", DNS_T_A);
	check_hdr(p, 0, 1);
	if (!p)
		return;
	T_EQ(ldns_pkt_ancount(p), 4);
	T_EQ(count(AN(p), "chain1.example.com.", DNS_T_CNAME), 1);
	T_EQ(count(AN(p), "chain2.example.com.", DNS_T_CNAME), 1);
	T_EQ(count(AN(p), "alias.example.com.", DNS_T_CNAME), 1);
	T_EQ(count(AN(p), "www.example.com.", DNS_T_A), 1);
	ldns_pkt_free(p);
	/* qtype CNAME: no chase */
	p = ask("alias.example.com", DNS_T_CNAME);
	check_hdr(p, 0, 1);
	if (p)
		T_EQ(ldns_pkt_ancount(p), 1);
	ldns_pkt_free(p);
	/* chain into the local store */
	p = ask("tolocal.example.com", DNS_T_A);
	check_hdr(p, 0, 1);
	if (p)
		T_EQ(count(AN(p), "host.lan.", DNS_T_A), 1);
	ldns_pkt_free(p);
}

static void test_cname_out(void)
{
	ldns_pkt *p = ask("out.example.com", DNS_T_A);
	check_hdr(p, 0, 1);
	if (!p)
		return;
	T_EQ(ldns_pkt_ancount(p), 1);
	T_EQ(count(AN(p), "out.example.com.", DNS_T_CNAME), 1);
	T_EQ(ldns_pkt_nscount(p), 0);
	ldns_pkt_free(p);
	/* dangling: NXDOMAIN for the target (RFC 6604), CNAME kept */
	p = ask("dangling.example.com", DNS_T_A);
	check_hdr(p, 3, 1);
	if (p) {
		T_EQ(count(AN(p), "dangling.example.com.", DNS_T_CNAME), 1);
		T_EQ(count(NS(p), "example.com.", DNS_T_SOA), 1);
	}
	ldns_pkt_free(p);
	/* loop: bounded */
	p = ask("loop1.example.com", DNS_T_A);
	check_hdr(p, 0, 1);
	if (p)
		T_EQ(ldns_pkt_ancount(p), 2);
	ldns_pkt_free(p);
}

static void test_wildcard(void)
{
	ldns_pkt *p = ask("Foo.wild.example.com", DNS_T_A);
	check_hdr(p, 0, 1);
	if (!p)
		return;
	T_EQ(count(AN(p), "foo.wild.example.com.", DNS_T_A), 1);
	ldns_pkt_free(p);
	/* more than one label below the closest encloser */
	p = ask("a.b.wild.example.com", DNS_T_TXT);
	check_hdr(p, 0, 1);
	if (p)
		T_EQ(count(AN(p), "a.b.wild.example.com.", DNS_T_TXT), 1);
	ldns_pkt_free(p);
	/* wildcard NODATA */
	p = ask("foo.wild.example.com", DNS_T_MX);
	check_hdr(p, 0, 1);
	if (p) {
		T_EQ(ldns_pkt_ancount(p), 0);
		T_EQ(count(NS(p), "example.com.", DNS_T_SOA), 1);
	}
	ldns_pkt_free(p);
	/* the wildcard name itself */
	p = ask("*.wild.example.com", DNS_T_A);
	check_hdr(p, 0, 1);
	if (p)
		T_EQ(count(AN(p), "*.wild.example.com.", DNS_T_A), 1);
	ldns_pkt_free(p);
}

static void test_wildcard_cname(void)
{
	ldns_pkt *p = ask("x.wcname.example.com", DNS_T_A);
	check_hdr(p, 0, 1);
	if (!p)
		return;
	T_EQ(count(AN(p), "x.wcname.example.com.", DNS_T_CNAME), 1);
	T_EQ(count(AN(p), "www.example.com.", DNS_T_A), 1);
	ldns_pkt_free(p);
}

static void test_wildcard_ent(void)
{
	/* ent.example.com has "*" child: applies */
	ldns_pkt *p = ask("x.ent.example.com", DNS_T_A);
	check_hdr(p, 0, 1);
	if (p)
		T_EQ(count(AN(p), "x.ent.example.com.", DNS_T_A), 1);
	ldns_pkt_free(p);
	/* b.ent is an empty non-terminal: the closest encloser, no "*" */
	p = ask("x.b.ent.example.com", DNS_T_A);
	check_hdr(p, 3, 1);
	ldns_pkt_free(p);
	/* the ENT itself: NODATA */
	p = ask("b.ent.example.com", DNS_T_A);
	check_hdr(p, 0, 1);
	if (p) {
		T_EQ(ldns_pkt_ancount(p), 0);
		T_EQ(count(NS(p), "example.com.", DNS_T_SOA), 1);
	}
	ldns_pkt_free(p);
}

static void test_referral(void)
{
	ldns_pkt *p = ask("www.sub.example.com", DNS_T_A);
	check_hdr(p, 0, 0);
	if (!p)
		return;
	T_EQ(ldns_pkt_ancount(p), 0);
	T_EQ(count(NS(p), "sub.example.com.", DNS_T_NS), 2);
	T_EQ(count(AR(p), "ns.sub.example.com.", DNS_T_A), 1);
	T_EQ(count(AR(p), "ns1.example.com.", DNS_T_A), 1);
	T_EQ(count(AR(p), "ns1.example.com.", DNS_T_AAAA), 1);
	ldns_pkt_free(p);
	/* at the cut, qtype NS: still a referral */
	p = ask("sub.example.com", DNS_T_NS);
	check_hdr(p, 0, 0);
	if (p)
		T_EQ(ldns_pkt_ancount(p), 0);
	ldns_pkt_free(p);
	/* glue itself is not authoritative data */
	p = ask("ns.sub.example.com", DNS_T_A);
	check_hdr(p, 0, 0);
	if (p)
		T_EQ(ldns_pkt_ancount(p), 0);
	ldns_pkt_free(p);
}

static void test_ds_at_cut(void)
{
	ldns_pkt *p = ask("sub.example.com", DNS_T_DS);
	check_hdr(p, 0, 1);
	if (p)
		T_EQ(count(AN(p), "sub.example.com.", DNS_T_DS), 1);
	ldns_pkt_free(p);
	p = ask("nods.example.com", DNS_T_DS);
	check_hdr(p, 0, 1);
	if (p) {
		T_EQ(ldns_pkt_ancount(p), 0);
		T_EQ(count(NS(p), "example.com.", DNS_T_SOA), 1);
	}
	ldns_pkt_free(p);
	/* served child: DS comes from the parent zone */
	p = ask("child.example.com", DNS_T_DS);
	check_hdr(p, 0, 1);
	if (p)
		T_EQ(count(AN(p), "child.example.com.", DNS_T_DS), 1);
	ldns_pkt_free(p);
}

static void test_deepest_zone(void)
{
	ldns_pkt *p = ask("www.child.example.com", DNS_T_A);
	check_hdr(p, 0, 1);
	if (p)
		T_EQ(count(AN(p), "www.child.example.com.", DNS_T_A), 1);
	ldns_pkt_free(p);
	p = ask("nope.child.example.com", DNS_T_A);
	check_hdr(p, 3, 1);
	if (p) {
		T_EQ(count(NS(p), "child.example.com.", DNS_T_SOA), 1);
		T_EQ(soa_ttl(p), 60);
	}
	ldns_pkt_free(p);
	p = ask("child.example.com", DNS_T_SOA);
	check_hdr(p, 0, 1);
	if (p)
		T_EQ(count(AN(p), "child.example.com.", DNS_T_SOA), 1);
	ldns_pkt_free(p);
}

static void test_additional(void)
{
	ldns_pkt *p = ask("example.com", DNS_T_MX);
	check_hdr(p, 0, 1);
	if (!p)
		return;
	T_EQ(count(AN(p), "example.com.", DNS_T_MX), 2);
	T_EQ(count(AR(p), "mail.example.com.", DNS_T_A), 1);
	T_EQ(ldns_pkt_arcount(p), 1);
	ldns_pkt_free(p);
	p = ask("example.com", DNS_T_NS);
	check_hdr(p, 0, 1);
	if (p) {
		T_EQ(count(AN(p), "example.com.", DNS_T_NS), 2);
		T_EQ(count(AR(p), "ns1.example.com.", DNS_T_A), 1);
		T_EQ(count(AR(p), "ns1.example.com.", DNS_T_AAAA), 1);
	}
	ldns_pkt_free(p);
	p = ask("_sip._tcp.example.com", DNS_T_SRV);
	check_hdr(p, 0, 1);
	if (p)
		T_EQ(count(AR(p), "sip.example.com.", DNS_T_A), 1);
	ldns_pkt_free(p);
	/* local store MX target */
	p = ask("lan", DNS_T_MX);
	check_hdr(p, 0, 1);
	if (p)
		T_EQ(count(AR(p), "host.lan.", DNS_T_A), 1);
	ldns_pkt_free(p);
}

static void test_any(void)
{
	ldns_pkt *p = ask("www.example.com", DNS_T_ANY);
	check_hdr(p, 0, 1);
	if (p) {
		T_EQ(ldns_pkt_ancount(p), 1);
		T_EQ(count(AN(p), "www.example.com.", DNS_T_A), 1);
	}
	ldns_pkt_free(p);
	p = ask("b.ent.example.com", DNS_T_ANY);
	check_hdr(p, 0, 1);
	if (p)
		T_EQ(ldns_pkt_ancount(p), 0);
	ldns_pkt_free(p);
}

/* One CH TXT query for name arriving with how; expect rcode and, when
 * NOERROR, txt in the answer. */
static void chaos_one(const char *name, int how, int rcode, const char *txt)
{
	qopt o = { .qclass = DNS_C_CH, .tcp = how };
	ldns_pkt *p = askq(name, DNS_T_TXT, &o);

	check_hdr(p, rcode, rcode == 0);
	if (p)
		T_EQ(ldns_pkt_ancount(p), rcode == 0 ? 1 : 0);
	if (txt)
		T_CHECK(memmem(g_resp, g_len, txt, strlen(txt)) != NULL);
	ldns_pkt_free(p);
}

/* Answer with a db built from opts instead of g_db. */
static void chaos_with(const zone_db_opts *opts, int how, int rcode)
{
	zone_db *save = g_db;

	g_db = zone_db_new(opts);
	chaos_one("version.bind", how, rcode, rcode == 0 ? "\1x" : NULL);
	chaos_one("hostname.bind", how, rcode, rcode == 0 ? "\1y" : NULL);
	zone_db_free(g_db);
	g_db = save;
}

static void test_chaos(void)
{
	const int lo = ZONE_Q_LOOPBACK, lotcp = ZONE_Q_LOOPBACK | ZONE_Q_TCP;
	qopt o = { .qclass = DNS_C_CH };
	ldns_pkt *p;

	chaos_one("version.bind", lo, 0, "dnsvizor-test");
	chaos_one("version.server", lotcp, 0, "dnsvizor-test");
	chaos_one("id.server", lo, 0, "\4unit");
	chaos_one("hostname.bind", lotcp, 0, "\4unit");
	chaos_one("other.bind", lo, 5, NULL);
	/* by default only over loopback: REFUSED to other destinations */
	chaos_one("version.bind", 0, 5, NULL);
	chaos_one("version.server", ZONE_Q_TCP, 5, NULL);
	chaos_one("id.server", 0, 5, NULL);
	chaos_one("hostname.bind", ZONE_Q_TCP, 5, NULL);
	/* ident_all: everywhere; no_ident: nowhere (and wins) */
	zone_db_opts all = { .edns_max = 1232, .ident_all = 1,
			     .version_str = "x", .ident_str = "y" };
	chaos_with(&all, 0, 0);
	chaos_with(&all, ZONE_Q_TCP, 0);
	chaos_with(&all, lo, 0);
	zone_db_opts no = { .edns_max = 1232, .no_ident = 1,
			    .version_str = "x", .ident_str = "y" };
	chaos_with(&no, lo, 5);
	chaos_with(&no, lotcp, 5);
	chaos_with(&no, 0, 5);
	no.ident_all = 1;
	chaos_with(&no, lo, 5);
	chaos_with(&no, 0, 5);
	/* some other class */
	o.qclass = 4;
	p = askq("www.example.com", DNS_T_A, &o);
	check_hdr(p, 5, 0);
	ldns_pkt_free(p);
}

static void test_refused_notimp(void)
{
	ldns_pkt *p = ask("www.example.org", DNS_T_A);
	check_hdr(p, 5, 0);
	if (p)
		T_EQ(ldns_pkt_qdcount(p), 1);
	ldns_pkt_free(p);
	qopt o = { .opcode = 2 };
	p = askq("www.example.com", DNS_T_A, &o);
	check_hdr(p, 4, 0);
	if (p)
		T_EQ(ldns_pkt_get_opcode(p), 2);
	ldns_pkt_free(p);
	p = ask("example.com", DNS_T_AXFR);
	check_hdr(p, 5, 0);
	ldns_pkt_free(p);
	p = ask("example.com", DNS_T_OPT);
	check_hdr(p, 1, 0);
	ldns_pkt_free(p);
	p = ask("example.com", 254);
	check_hdr(p, 4, 0);
	ldns_pkt_free(p);
}

static void test_formerr(void)
{
	uint8_t q[600];
	qopt o = { .noq = 1 };
	size_t l = make_query(q, "x", 1, &o);
	uint64_t fe = g_st.formerr;
	ldns_pkt *p = ask_raw(q, l, 0);

	check_hdr(p, 1, 0);
	if (p)
		T_EQ(ldns_pkt_qdcount(p), 0);
	ldns_pkt_free(p);
	T_EQ(g_st.formerr, fe + 1);
	/* truncated question */
	qopt o2 = { 0 };
	l = make_query(q, "www.example.com", 1, &o2);
	p = ask_raw(q, l - 3, 0);
	check_hdr(p, 1, 0);
	if (p) {
		T_EQ(ldns_pkt_qdcount(p), 0);
		T_CHECK(ldns_pkt_edns(p) == 0);
	}
	ldns_pkt_free(p);
	/* two OPT records: FORMERR, no OPT */
	qopt o3 = { .edns = 1, .udp = 1232 };
	l = make_query(q, "www.example.com", 1, &o3);
	memcpy(q + l, q + l - 11, 11);
	wire_put16(q + 10, 2);
	p = ask_raw(q, l + 11, 0);
	check_hdr(p, 1, 0);
	if (p) {
		T_EQ(ldns_pkt_qdcount(p), 1);
		T_EQ(ldns_pkt_arcount(p), 0);
	}
	ldns_pkt_free(p);
	/* a response (QR=1) and a short packet are dropped */
	q[2] |= 0x80;
	T_EQ(zone_db_answer(g_db, q, l, 0, g_resp, 1232, &g_len, &g_st),
	     ZONE_DROP);
	T_EQ(zone_db_answer(g_db, q, 5, 0, g_resp, 1232, &g_len, &g_st),
	     ZONE_DROP);
}

static void test_edns(void)
{
	qopt o = { .edns = 1, .udp = 4096, .eflags = EDNS_F_DO };
	ldns_pkt *p = askq("www.example.com", DNS_T_A, &o);
	check_hdr(p, 0, 1);
	if (p) {
		T_CHECK(ldns_pkt_edns(p));
		T_EQ(ldns_pkt_edns_udp_size(p), 1232);
		T_EQ(ldns_pkt_edns_do(p), 1);
		T_EQ(ldns_pkt_edns_version(p), 0);
	}
	ldns_pkt_free(p);
	o.eflags = 0;
	p = askq("www.example.com", DNS_T_A, &o);
	if (p)
		T_EQ(ldns_pkt_edns_do(p), 0);
	ldns_pkt_free(p);
	/* no OPT in, none out */
	p = ask("www.example.com", DNS_T_A);
	if (p)
		T_CHECK(!ldns_pkt_edns(p));
	ldns_pkt_free(p);
}

static void test_badvers(void)
{
	qopt o = { .edns = 1, .udp = 1232, .version = 1 };
	uint64_t bv = g_st.badvers;
	ldns_pkt *p = askq("www.example.com", DNS_T_A, &o);

	T_CHECK(p != NULL);
	if (!p)
		return;
	T_EQ(g_resp[3] & 0xf, 0);
	T_EQ(ldns_pkt_edns_extended_rcode(p), 1);
	T_EQ(ldns_pkt_edns_version(p), 0);
	T_EQ(ldns_pkt_ancount(p), 0);
	T_EQ(g_st.badvers, bv + 1);
	ldns_pkt_free(p);
}

static void test_truncation(void)
{
	uint64_t tr = g_st.truncated;
	ldns_pkt *p = ask("big.example.com", DNS_T_TXT);
	check_hdr(p, 0, 1);
	if (p) {
		T_EQ(ldns_pkt_tc(p), 1);
		T_EQ(ldns_pkt_ancount(p), 0);
		T_EQ(ldns_pkt_qdcount(p), 1);
	}
	T_CHECK(g_len <= 512);
	T_EQ(g_st.truncated, tr + 1);
	ldns_pkt_free(p);
	/* EDNS 1232: fits */
	qopt o = { .edns = 1, .udp = 1232 };
	p = askq("big.example.com", DNS_T_TXT, &o);
	if (p) {
		T_EQ(ldns_pkt_tc(p), 0);
		T_EQ(ldns_pkt_ancount(p), 20);
	}
	ldns_pkt_free(p);
	/* EDNS 600: TC, OPT kept */
	qopt o6 = { .edns = 1, .udp = 600 };
	p = askq("big.example.com", DNS_T_TXT, &o6);
	if (p) {
		T_EQ(ldns_pkt_tc(p), 1);
		T_CHECK(ldns_pkt_edns(p));
	}
	T_CHECK(g_len <= 600);
	ldns_pkt_free(p);
	/* TCP: no TC */
	qopt ot = { .tcp = 1 };
	p = askq("big.example.com", DNS_T_TXT, &ot);
	if (p) {
		T_EQ(ldns_pkt_tc(p), 0);
		T_EQ(ldns_pkt_ancount(p), 20);
	}
	ldns_pkt_free(p);
}

static uint32_t sig_ttl(const ldns_rr_list *l, uint16_t covered)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
		ldns_rr *rr = ldns_rr_list_rr(l, i);
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_RRSIG &&
		    ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(rr)) == covered)
			return ldns_rr_ttl(rr);
	}
	return 0xffffffff;
}

static uint32_t rr_ttl(const ldns_rr_list *l, const char *owner,
		       uint16_t type)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++)
		if (rr_is(ldns_rr_list_rr(l, i), owner, type))
			return ldns_rr_ttl(ldns_rr_list_rr(l, i));
	return 0xffffffff;
}

/* Issue 13 / RFC 6672: below a DNAME the DNAME, a synthesised CNAME with
 * the DNAME's TTL, then the chain; the owner itself is answered as
 * usual; loops are bounded; DO=1 signs the DNAME, not the CNAME. */
static void test_dname(void)
{
	qopt d1 = { .edns = 1, .udp = 1232, .eflags = EDNS_F_DO };
	ldns_pkt *p = ask("www.moved.test", DNS_T_A);

	/* at the apex, into another zone */
	check_hdr(p, 0, 1);
	if (p) {
		T_EQ(ldns_pkt_ancount(p), 3);
		T_EQ(count(AN(p), "moved.test.", DNS_T_DNAME), 1);
		T_EQ(count(AN(p), "www.moved.test.", DNS_T_CNAME), 1);
		T_EQ(rr_ttl(AN(p), "www.moved.test.", DNS_T_CNAME), 120);
		T_EQ(count(AN(p), "www.d.test.", DNS_T_A), 1);
	}
	ldns_pkt_free(p);
	/* the synthesised target does not exist: NXDOMAIN (RFC 6604) */
	p = ask("a.b.moved.test", DNS_T_A);
	check_hdr(p, 3, 1);
	if (p) {
		T_EQ(ldns_pkt_ancount(p), 2);
		T_EQ(count(NS(p), "d.test.", DNS_T_SOA), 1);
	}
	ldns_pkt_free(p);
	/* the owner is not below itself */
	p = ask("moved.test", DNS_T_SOA);
	check_hdr(p, 0, 1);
	if (p)
		T_EQ(ldns_pkt_ancount(p), 1);
	ldns_pkt_free(p);
	p = ask("com.d.test", DNS_T_A);
	check_hdr(p, 0, 1);
	if (p)
		T_EQ(ldns_pkt_ancount(p), 0);
	ldns_pkt_free(p);
	p = ask("com.d.test", DNS_T_DNAME);
	check_hdr(p, 0, 1);
	if (p)
		T_EQ(count(AN(p), "com.d.test.", DNS_T_DNAME), 1);
	ldns_pkt_free(p);
	/* qtype CNAME: the DNAME and the CNAME, no chase */
	p = ask("www.com.d.test", DNS_T_CNAME);
	check_hdr(p, 0, 1);
	if (p)
		T_EQ(ldns_pkt_ancount(p), 2);
	ldns_pkt_free(p);
	/* loops: l1 -> l2 -> l1 stops at the query name again */
	p = ask("a.l1.d.test", DNS_T_A);
	check_hdr(p, 0, 1);
	if (p) {
		T_EQ(ldns_pkt_ancount(p), 4);
		T_EQ(count(AN(p), "a.l2.d.test.", DNS_T_CNAME), 1);
	}
	ldns_pkt_free(p);
	/* a target below the owner would apply again at every link: like
	 * NSD, the DNAME and one CNAME */
	p = ask("a.self.d.test", DNS_T_A);
	check_hdr(p, 0, 1);
	if (p) {
		T_EQ(ldns_pkt_ancount(p), 2);
		T_EQ(count(AN(p), "a.self.d.test.", DNS_T_CNAME), 1);
	}
	ldns_pkt_free(p);
	/* DO=1: the DNAME's RRSIG, the synthesised CNAME unsigned */
	p = askq("www.com.d.test", DNS_T_A, &d1);
	check_hdr(p, 0, 1);
	if (p) {
		T_EQ(count(AN(p), "com.d.test.", DNS_T_DNAME), 1);
		T_EQ(count(AN(p), "com.d.test.", DNS_T_RRSIG), 1);
		T_EQ(count(AN(p), "www.com.d.test.", DNS_T_CNAME), 1);
		T_EQ(rr_ttl(AN(p), "www.com.d.test.", DNS_T_CNAME), 300);
		T_EQ(count(AN(p), "www.com.d.test.", DNS_T_RRSIG), 0);
		T_EQ(count(AN(p), "www.example.com.", DNS_T_A), 1);
	}
	ldns_pkt_free(p);
}

/* Issue 13 / RFC 4035 3.1.1: DO=1 answers carry the RRSIGs covering each
 * answer and authority RRset (only those of its type), each with its
 * own TTL (kept per covered type); DO=0 none. */
static void test_dnssec_rrsigs(void)
{
	qopt d0 = { .edns = 1, .udp = 1232 };
	qopt d1 = { .edns = 1, .udp = 1232, .eflags = EDNS_F_DO };
	ldns_pkt *p = askq("www.sig.test", DNS_T_A, &d0);

	check_hdr(p, 0, 1);
	if (p)
		T_EQ(ldns_pkt_ancount(p), 1);
	ldns_pkt_free(p);
	p = askq("www.sig.test", DNS_T_A, &d1);
	check_hdr(p, 0, 1);
	if (p) {
		T_EQ(ldns_pkt_ancount(p), 2);
		T_EQ(count(AN(p), "www.sig.test.", DNS_T_RRSIG), 1);
		/* its own TTL, as NSD serves it (no Original TTL cap) */
		T_EQ(sig_ttl(AN(p), DNS_T_A), 5);
		T_EQ(sig_ttl(AN(p), DNS_T_TXT), 0xffffffff);
	}
	ldns_pkt_free(p);
	/* NODATA: the SOA and its RRSIG at the negative TTL */
	p = askq("www.sig.test", DNS_T_AAAA, &d1);
	check_hdr(p, 0, 1);
	if (p) {
		T_EQ(count(NS(p), "sig.test.", DNS_T_SOA), 1);
		T_EQ(count(NS(p), "sig.test.", DNS_T_RRSIG), 1);
		T_EQ(sig_ttl(NS(p), DNS_T_SOA), 5);
	}
	ldns_pkt_free(p);
}

/* Issue 13: each RRSIG RRset keeps its own TTL: in DO=1 answers, and a
 * question for type RRSIG (DO=0 or 1) gets every RRSIG of the name, each
 * with its TTL (as NSD answers). */
static void test_rrsig_ttls(void)
{
	qopt d0 = { .edns = 1, .udp = 1232 };
	qopt d1 = { .edns = 1, .udp = 1232, .eflags = EDNS_F_DO };
	const qopt *qo[2] = { &d0, &d1 };
	ldns_pkt *p = askq("ttl.test", DNS_T_SOA, &d1);

	check_hdr(p, 0, 1);
	if (p)
		T_EQ(sig_ttl(AN(p), DNS_T_SOA), 3600);
	ldns_pkt_free(p);
	p = askq("ttl.test", 51, &d1);
	check_hdr(p, 0, 1);
	if (p)
		T_EQ(sig_ttl(AN(p), 51), 0);
	ldns_pkt_free(p);
	for (int i = 0; i < 2; i++) {
		p = askq("ttl.test", DNS_T_RRSIG, qo[i]);
		check_hdr(p, 0, 1);
		if (!p)
			continue;
		T_EQ(ldns_pkt_ancount(p), 3);
		T_EQ(sig_ttl(AN(p), DNS_T_SOA), 3600);
		T_EQ(sig_ttl(AN(p), DNS_T_NS), 3600);
		T_EQ(sig_ttl(AN(p), 51), 0);
		ldns_pkt_free(p);
	}
	p = askq("ns.ttl.test", DNS_T_RRSIG, &d0);
	check_hdr(p, 0, 1);
	if (p) {
		T_EQ(ldns_pkt_ancount(p), 1);
		T_EQ(sig_ttl(AN(p), DNS_T_A), 600);
	}
	ldns_pkt_free(p);
	/* NODATA where the name has no RRSIG */
	p = askq("ns.sig.test", DNS_T_RRSIG, &d1);
	check_hdr(p, 0, 1);
	if (p) {
		T_EQ(ldns_pkt_ancount(p), 0);
		T_EQ(count(NS(p), "sig.test.", DNS_T_SOA), 1);
	}
	ldns_pkt_free(p);
	/* the negative SOA's RRSIG at the negative TTL (RFC 2308 3) */
	p = askq("ns.ttl.test", DNS_T_AAAA, &d1);
	check_hdr(p, 0, 1);
	if (p)
		T_EQ(sig_ttl(NS(p), DNS_T_SOA), 300);
	ldns_pkt_free(p);
}

/* RFC 4035 3.1.3.1, 3.1.4: NODATA at a name carries its NSEC; a
 * referral the DS (signed delegation) or the NSEC at the cut (unsigned),
 * with RRSIGs; DO=0 none of them. */
static void test_dnssec_nsec_ds(void)
{
	qopt d0 = { .edns = 1, .udp = 1232 };
	qopt d1 = { .edns = 1, .udp = 1232, .eflags = EDNS_F_DO };
	ldns_pkt *p = askq("www.sig.test", DNS_T_MX, &d1);

	check_hdr(p, 0, 1);
	if (p) {
		T_EQ(count(NS(p), "www.sig.test.", DNS_T_NSEC), 1);
		T_EQ(sig_ttl(NS(p), DNS_T_NSEC), 30);
		T_EQ(ldns_pkt_nscount(p), 4);
	}
	ldns_pkt_free(p);
	p = askq("a.sec.sig.test", DNS_T_A, &d1);
	check_hdr(p, 0, 0);
	if (p) {
		T_EQ(count(NS(p), "sec.sig.test.", DNS_T_DS), 1);
		T_EQ(sig_ttl(NS(p), DNS_T_DS), 60);
		T_EQ(count(NS(p), "sec.sig.test.", DNS_T_NSEC), 0);
	}
	ldns_pkt_free(p);
	p = askq("a.insec.sig.test", DNS_T_A, &d1);
	check_hdr(p, 0, 0);
	if (p) {
		T_EQ(count(NS(p), "insec.sig.test.", DNS_T_NSEC), 1);
		T_EQ(sig_ttl(NS(p), DNS_T_NSEC), 60);
	}
	ldns_pkt_free(p);
	p = askq("a.sec.sig.test", DNS_T_A, &d0);
	if (p)
		T_EQ(ldns_pkt_nscount(p), 1);
	ldns_pkt_free(p);
	p = askq("www.sig.test", DNS_T_MX, &d0);
	if (p)
		T_EQ(ldns_pkt_nscount(p), 1);
	ldns_pkt_free(p);
}

static int nsec_owner_is(ldns_pkt *p, const char *owner)
{
	return p && count(NS(p), owner, DNS_T_NSEC) == 1;
}

/* NXDOMAIN proofs: the NSEC covering the name and the one covering the
 * wildcard (found in a sorted index); a dynamic change that adds or
 * removes an NSEC RRset is seen at once (the index is rebuilt). */
static void test_dnssec_nxdomain_index(void)
{
	static const char text[] =
		"$ORIGIN nz.test.\n$TTL 60\n@ SOA ns h 1 2 3 4 5\n@ NS ns\n"
		"@ NSEC a.nz.test. SOA NS NSEC\nns A 192.0.2.1\n"
		"a NSEC c.nz.test. A NSEC\na A 192.0.2.2\n"
		"c NSEC ns.nz.test. A NSEC\nc A 192.0.2.3\n";
	static const uint8_t bname[] = "\1b\2nz\4test",
		brd[] = "\1c\2nz\4test\0\0\1\x40";
	qopt d1 = { .edns = 1, .udp = 1232, .eflags = EDNS_F_DO };
	zone_db_opts o = { .edns_max = 1232 };
	zone_db *db = zone_db_new(&o), *save = g_db;
	zone *z = t_zone_text("nz.test.", text);
	zone_node *n;
	ldns_pkt *p;

	T_CHECK(db && z);
	if (!db || !z)
		return;
	zone_db_add_zone(db, z);
	g_db = db;
	p = askq("bb.nz.test", DNS_T_A, &d1);
	check_hdr(p, LDNS_RCODE_NXDOMAIN, 1);
	T_CHECK(nsec_owner_is(p, "a.nz.test."));
	T_CHECK(nsec_owner_is(p, "nz.test."));   /* covers *.nz.test */
	ldns_pkt_free(p);
	n = zone_node_get(z, bname);
	T_CHECK(n && zone_node_add_rr(z, n, DNS_T_NSEC, 60, brd,
				      sizeof(brd) - 1) == 0);
	p = askq("bb.nz.test", DNS_T_A, &d1);
	T_CHECK(nsec_owner_is(p, "b.nz.test."));
	T_CHECK(p && count(NS(p), "a.nz.test.", DNS_T_NSEC) == 0);
	ldns_pkt_free(p);
	T_EQ(zone_node_del_rrset(z, n, DNS_T_NSEC), 1);
	p = askq("bb.nz.test", DNS_T_A, &d1);
	T_CHECK(nsec_owner_is(p, "a.nz.test."));
	ldns_pkt_free(p);
	/* after the last NSEC owner: the last NSEC covers it */
	p = askq("zz.nz.test", DNS_T_A, &d1);
	T_CHECK(nsec_owner_is(p, "c.nz.test."));
	ldns_pkt_free(p);
	g_db = save;
	zone_unref(z);
	zone_db_free(db);
}

/* RFC 5155 5 and Appendix A (salt AABBCCDD, 12 iterations): the hash of
 * a name in any letter case; base32hex owner labels in either case. */
static void test_nsec3_hash(void)
{
	static const struct { const char *name, *hash; } v[] = {
		{ "example", "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom" },
		{ "a.example", "35mthgpgcu1qg68fab165klnsnk3dpvl" },
		{ "A.EXAMPLE", "35MTHGPGCU1QG68FAB165KLNSNK3DPVL" },
		{ "ns1.example", "2t7b4g4vsa5smi47k61mv5bv1a22bojr" },
		{ "*.w.example", "r53bq7cc2uvmubfu5ocmm6pers9tk9en" },
		{ "x.y.w.example", "2vptu5timamqttgl4luu9kg21e0aor3s" },
	};
	static const uint8_t salt[] = { 0xaa, 0xbb, 0xcc, 0xdd };
	uint8_t wn[WIRE_MAXNAME], h[ZONE_N3_HASHLEN], want[ZONE_N3_HASHLEN];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		T_CHECK(wire_name_from_str(v[i].name, wn) > 0);
		zone_nsec3_hash(salt, sizeof(salt), 12, wn, h);
		T_EQ(zone_nsec3_b32hex((const uint8_t *)v[i].hash, 32, want),
		     0);
		T_CHECK(memcmp(h, want, sizeof(h)) == 0);
	}
	/* 31 characters, or one outside the alphabet: not an owner label */
	T_EQ(zone_nsec3_b32hex((const uint8_t *)v[0].hash, 31, want), -1);
	T_EQ(zone_nsec3_b32hex((const uint8_t *)
			       "wp9mhaveqvm6t7vbl5lop2u3t2rp3tom", 32, want),
	     -1);
}

/* RRs of a type in a section, any owner. */
static int count_type(const ldns_rr_list *l, uint16_t type)
{
	int n = 0;

	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++)
		n += ldns_rr_get_type(ldns_rr_list_rr(l, i)) == type;
	return n;
}

static int nsec3_owner_is(ldns_pkt *p, const char *label)
{
	char owner[64];

	snprintf(owner, sizeof(owner), "%s.n3.test.", label);
	return p && count(NS(p), owner, DNS_T_NSEC3) == 1;
}

/*
 * NSEC3 proofs from the per-zone index (salt ABCD, 2 iterations; the
 * owners' hashes in order: a 337q, ns b016, apex c2m9, c isaq, the chain
 * wraps to a).  NXDOMAIN: next closer cover, closest encloser, wildcard
 * cover; NODATA: the matching NSEC3.  An NSEC3 added or removed later (as
 * UPDATE and IXFR do it) is used at once, and an NSEC3PARAM that comes
 * later turns the proofs on: the index is dropped.
 */
static void test_dnssec_nsec3_index(void)
{
	static const char text[] =
		"$ORIGIN n3.test.\n$TTL 60\n@ SOA ns h 1 2 3 4 5\n@ NS ns\n"
		"ns A 192.0.2.1\na A 192.0.2.2\nc A 192.0.2.3\n"
		"337q93gjorumbmg3qpbnu95euiiqlqo8 NSEC3 1 0 2 ABCD "
		"b0168bote0j51fp1uvab00h5hiq3qvol A\n"
		"b0168bote0j51fp1uvab00h5hiq3qvol NSEC3 1 0 2 ABCD "
		"c2m9nlv7ml8cf6m14e0ufiti4sanc5g7 A\n"
		"c2m9nlv7ml8cf6m14e0ufiti4sanc5g7 NSEC3 1 0 2 ABCD "
		"isaqsmt34t1uhv0i35bm59u65mvvrq8t SOA NS NSEC3PARAM\n"
		"isaqsmt34t1uhv0i35bm59u65mvvrq8t NSEC3 1 0 2 ABCD "
		"337q93gjorumbmg3qpbnu95euiiqlqo8 A\n";
	static const uint8_t param[] = { 1, 0, 0, 2, 2, 0xab, 0xcd };
	qopt d1 = { .edns = 1, .udp = 1232, .eflags = EDNS_F_DO };
	zone_db_opts o = { .edns_max = 1232 };
	zone_db *db = zone_db_new(&o), *save = g_db;
	zone *z = t_zone_text("n3.test.", text);
	uint8_t bb[WIRE_MAXNAME], rd[64];
	zone_node *n;
	ldns_pkt *p;

	T_CHECK(db && z);
	if (!db || !z)
		return;
	zone_db_add_zone(db, z);
	g_db = db;
	/* no NSEC3PARAM yet: no NSEC3 proofs */
	p = askq("bb.n3.test", DNS_T_A, &d1);
	check_hdr(p, LDNS_RCODE_NXDOMAIN, 1);
	T_EQ(p ? count_type(NS(p), DNS_T_NSEC3) : -1, 0);
	ldns_pkt_free(p);
	T_EQ(zone_node_add_rr(z, z->apex, DNS_T_NSEC3PARAM, 0, param,
			      sizeof(param)), 0);
	p = askq("bb.n3.test", DNS_T_A, &d1);
	T_CHECK(nsec3_owner_is(p, "isaqsmt34t1uhv0i35bm59u65mvvrq8t"));
	T_CHECK(nsec3_owner_is(p, "c2m9nlv7ml8cf6m14e0ufiti4sanc5g7"));
	T_EQ(p ? count_type(NS(p), DNS_T_NSEC3) : -1, 2);
	ldns_pkt_free(p);
	/* closest encloser a: x.a covered by the apex's, a's own, *.a
	 * (95nd) covered by a's */
	p = askq("x.a.n3.test", DNS_T_A, &d1);
	check_hdr(p, LDNS_RCODE_NXDOMAIN, 1);
	T_CHECK(nsec3_owner_is(p, "c2m9nlv7ml8cf6m14e0ufiti4sanc5g7"));
	T_CHECK(nsec3_owner_is(p, "337q93gjorumbmg3qpbnu95euiiqlqo8"));
	T_EQ(p ? count_type(NS(p), DNS_T_NSEC3) : -1, 2);
	ldns_pkt_free(p);
	p = askq("a.n3.test", DNS_T_MX, &d1);
	check_hdr(p, LDNS_RCODE_NOERROR, 1);
	T_CHECK(nsec3_owner_is(p, "337q93gjorumbmg3qpbnu95euiiqlqo8"));
	T_EQ(p ? count_type(NS(p), DNS_T_NSEC3) : -1, 1);
	ldns_pkt_free(p);
	/* an NSEC3 at bb's hash (2jqr) comes: it matches the next closer */
	T_CHECK(wire_name_from_str("2jqrujraditatl180b4gbudp3gjig09d.n3.test",
				   bb) > 0);
	memcpy(rd, param, sizeof(param));
	rd[sizeof(param)] = ZONE_N3_HASHLEN;
	T_EQ(zone_nsec3_b32hex((const uint8_t *)
			       "337q93gjorumbmg3qpbnu95euiiqlqo8", 32,
			       rd + sizeof(param) + 1), 0);
	n = zone_node_get(z, bb);
	T_CHECK(n && zone_node_add_rr(z, n, DNS_T_NSEC3, 60, rd,
				      sizeof(param) + 1 +
				      ZONE_N3_HASHLEN) == 0);
	p = askq("bb.n3.test", DNS_T_A, &d1);
	T_CHECK(nsec3_owner_is(p, "2jqrujraditatl180b4gbudp3gjig09d"));
	ldns_pkt_free(p);
	T_EQ(zone_node_del_rrset(z, n, DNS_T_NSEC3), 1);
	p = askq("bb.n3.test", DNS_T_A, &d1);
	T_CHECK(p && count(NS(p), "2jqrujraditatl180b4gbudp3gjig09d.n3.test.",
			   DNS_T_NSEC3) == 0);
	T_CHECK(nsec3_owner_is(p, "isaqsmt34t1uhv0i35bm59u65mvvrq8t"));
	ldns_pkt_free(p);
	/* DO=0: nothing of it */
	p = ask("bb.n3.test", DNS_T_A);
	T_EQ(p ? count_type(NS(p), DNS_T_NSEC3) : -1, 0);
	ldns_pkt_free(p);
	g_db = save;
	zone_unref(z);
	zone_db_free(db);
}

/* An answer RRSIG that does not fit sets TC; an additional one is left
 * out without TC. */
static void test_dnssec_tc(void)
{
	qopt d512 = { .edns = 1, .udp = 512, .eflags = EDNS_F_DO };
	ldns_pkt *p = askq("fat.sig.test", DNS_T_A, &d512);

	check_hdr(p, 0, 1);
	if (p) {
		T_EQ(ldns_pkt_tc(p), 1);
		T_EQ(ldns_pkt_ancount(p), 0);
	}
	T_CHECK(g_len <= 512);
	ldns_pkt_free(p);
	p = askq("sig.test", DNS_T_MX, &d512);
	check_hdr(p, 0, 1);
	if (p) {
		T_EQ(ldns_pkt_tc(p), 0);
		T_EQ(count(AN(p), "sig.test.", DNS_T_RRSIG), 1);
		T_EQ(count(AR(p), "mail.sig.test.", DNS_T_A), 1);
		T_EQ(count(AR(p), "mail.sig.test.", DNS_T_RRSIG), 0);
	}
	T_CHECK(g_len <= 512);
	ldns_pkt_free(p);
	qopt tcp = { .edns = 1, .udp = 512, .eflags = EDNS_F_DO, .tcp = 1 };
	p = askq("sig.test", DNS_T_MX, &tcp);
	if (p)
		T_EQ(count(AR(p), "mail.sig.test.", DNS_T_RRSIG), 8);
	ldns_pkt_free(p);
}

static void test_glue_tc(void)
{
	ldns_pkt *p = ask("x.d.glue.test", DNS_T_A);
	check_hdr(p, 0, 0);
	if (p) {
		T_EQ(ldns_pkt_tc(p), 1);
		T_EQ(ldns_pkt_nscount(p), 12);
	}
	T_CHECK(g_len <= 512);
	ldns_pkt_free(p);
	qopt o = { .edns = 1, .udp = 1232 };
	p = askq("x.d.glue.test", DNS_T_A, &o);
	check_hdr(p, 0, 0);
	if (p) {
		T_EQ(ldns_pkt_tc(p), 0);
		T_EQ(ldns_pkt_arcount(p), 24); /* ldns does not count OPT */
	}
	ldns_pkt_free(p);
}

static void test_local(void)
{
	ldns_pkt *p = ask("host.lan", DNS_T_A);
	check_hdr(p, 0, 1);
	if (p)
		T_EQ(count(AN(p), "host.lan.", DNS_T_A), 1);
	ldns_pkt_free(p);
	p = ask("host.lan", DNS_T_AAAA);
	check_hdr(p, 0, 1);
	if (p) {
		T_EQ(ldns_pkt_ancount(p), 0);
		T_EQ(ldns_pkt_nscount(p), 0);
	}
	ldns_pkt_free(p);
	p = ask("alias.lan", DNS_T_A);
	check_hdr(p, 0, 1);
	if (p) {
		T_EQ(count(AN(p), "alias.lan.", DNS_T_CNAME), 1);
		T_EQ(count(AN(p), "host.lan.", DNS_T_A), 1);
	}
	ldns_pkt_free(p);
	p = ask("10.1.168.192.in-addr.arpa", DNS_T_PTR);
	check_hdr(p, 0, 1);
	if (p)
		T_EQ(ldns_pkt_ancount(p), 1);
	ldns_pkt_free(p);
	/* local beats the zone */
	p = ask("override.example.com", DNS_T_A);
	check_hdr(p, 0, 1);
	if (p)
		T_EQ(ldns_rr_ttl(ldns_rr_list_rr(AN(p), 0)), 5);
	ldns_pkt_free(p);
	/* unknown names in the local domain, and ENTs of the store: REFUSED */
	p = ask("other.lan", DNS_T_A);
	check_hdr(p, 5, 0);
	ldns_pkt_free(p);
	p = ask("in-addr.arpa", DNS_T_A);
	check_hdr(p, 5, 0);
	ldns_pkt_free(p);
}

/* zone_db_set_plain_domain: "www." answers as www.example.com A/AAAA
 * (plain owner, no RRSIG); other types, names without addresses there
 * and names with more labels are not answered that way. */
static void test_plain_names(void)
{
	ldns_pkt *p;

	T_EQ(zone_db_set_plain_domain(g_db, "example.com"), 0);
	p = ask("www", DNS_T_A);
	check_hdr(p, 0, 1);
	if (p) {
		T_EQ(ldns_pkt_ancount(p), 1);
		T_EQ(count(AN(p), "www.", DNS_T_A), 1);
	}
	ldns_pkt_free(p);
	p = ask("WWW", DNS_T_AAAA);
	check_hdr(p, 0, 1);
	if (p)
		T_EQ(count(AN(p), "WWW.", DNS_T_AAAA), 1);
	ldns_pkt_free(p);
	p = ask("www", DNS_T_MX);           /* NODATA, no SOA of the zone */
	check_hdr(p, 0, 1);
	if (p) {
		T_EQ(ldns_pkt_ancount(p), 0);
		T_EQ(ldns_pkt_nscount(p), 0);
	}
	ldns_pkt_free(p);
	p = ask("alias", DNS_T_A);          /* a CNAME, no address: as before */
	check_hdr(p, 5, 0);
	ldns_pkt_free(p);
	p = ask("nothere", DNS_T_A);
	check_hdr(p, 5, 0);
	ldns_pkt_free(p);
	T_EQ(zone_db_set_plain_domain(g_db, NULL), 0);
	p = ask("www", DNS_T_A);
	check_hdr(p, 5, 0);
	ldns_pkt_free(p);
}

static void test_address(void)
{
	ldns_pkt *p = ask("x.y.ads.test", DNS_T_A);
	check_hdr(p, 0, 1);
	if (p)
		T_EQ(count(AN(p), "x.y.ads.test.", DNS_T_A), 1);
	ldns_pkt_free(p);
	p = ask("ads.test", DNS_T_AAAA);
	check_hdr(p, 0, 1);
	if (p)
		T_EQ(ldns_pkt_ancount(p), 0);
	ldns_pkt_free(p);
	p = ask("blocked.test", DNS_T_A);
	check_hdr(p, 3, 1);
	ldns_pkt_free(p);
	p = ask("a.blocked.test", DNS_T_MX);
	check_hdr(p, 3, 1);
	ldns_pkt_free(p);
	/* longest match wins */
	p = ask("ok.blocked.test", DNS_T_A);
	check_hdr(p, 0, 1);
	if (p)
		T_EQ(ldns_pkt_ancount(p), 1);
	ldns_pkt_free(p);
	p = ask("both.test", DNS_T_AAAA);
	check_hdr(p, 0, 1);
	if (p) {
		T_EQ(count(AN(p), "both.test.", DNS_T_AAAA), 1);
		T_EQ(ldns_rr_ttl(ldns_rr_list_rr(AN(p), 0)), 40);
	}
	ldns_pkt_free(p);
	p = ask("both.test", DNS_T_TXT);
	check_hdr(p, 0, 1);
	if (p)
		T_EQ(ldns_pkt_ancount(p), 0);
	ldns_pkt_free(p);
}

static void test_address_all(void)
{
	static const uint8_t a4[4] = { 10, 0, 0, 2 };
	zone_db *save = g_db;
	zone_db_opts o = { .edns_max = 1232 };

	g_db = zone_db_new(&o);
	T_EQ(zone_db_add_address(g_db, "#", 0, NULL, 0), 0);
	T_EQ(zone_db_add_address(g_db, "good.test", 4, a4, 1), 0);
	ldns_pkt *p = ask("anything.example", DNS_T_A);
	check_hdr(p, 3, 1);
	ldns_pkt_free(p);
	p = ask("www.good.test", DNS_T_A);
	check_hdr(p, 0, 1);
	ldns_pkt_free(p);
	zone_db_free(g_db);
	g_db = save;
}

static void test_db_api(void)
{
	char err[256];
	zone *z = zone_db_get_zone(g_db, "Example.COM");
	T_CHECK(z != NULL);
	T_CHECK(zone_db_get_zone(g_db, "child.example.com.") != NULL);
	T_CHECK(zone_db_get_zone(g_db, "example.org") == NULL);
	T_CHECK(zone_db_get_zone(g_db, "ads.test") == NULL);
	z = zone_load_text("example.com.", "t.zone", zone_text,
			   strlen(zone_text), NULL, NULL, err, sizeof(err));
	T_CHECK(z != NULL);
	if (z) {
		T_EQ(zone_db_add_zone(g_db, z), -EEXIST);
		zone_unref(z);
	}
}

int main(void)
{
	g_db = make_db();
	if (!g_db) {
		printf("FAIL setup\n");
		return 1;
	}
	T_RUN(test_exact);
	T_RUN(test_question_case);
	T_RUN(test_nodata);
	T_RUN(test_nxdomain);
	T_RUN(test_cname_chain);
	T_RUN(test_cname_out);
	T_RUN(test_wildcard);
	T_RUN(test_wildcard_cname);
	T_RUN(test_dname);
	T_RUN(test_wildcard_ent);
	T_RUN(test_referral);
	T_RUN(test_ds_at_cut);
	T_RUN(test_deepest_zone);
	T_RUN(test_additional);
	T_RUN(test_any);
	T_RUN(test_chaos);
	T_RUN(test_refused_notimp);
	T_RUN(test_formerr);
	T_RUN(test_edns);
	T_RUN(test_badvers);
	T_RUN(test_truncation);
	T_RUN(test_glue_tc);
	T_RUN(test_dnssec_rrsigs);
	T_RUN(test_rrsig_ttls);
	T_RUN(test_dnssec_tc);
	T_RUN(test_dnssec_nsec_ds);
	T_RUN(test_dnssec_nxdomain_index);
	T_RUN(test_nsec3_hash);
	T_RUN(test_dnssec_nsec3_index);
	T_RUN(test_local);
	T_RUN(test_plain_names);
	T_RUN(test_address);
	T_RUN(test_address_all);
	T_RUN(test_db_api);
	zone_db_free(g_db);
	T_DONE();
}
