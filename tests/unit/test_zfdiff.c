/* Unit tests for IXFR from zone-file edits (zfdiff.c): the difference
 * between two versions of a zone file and its record against the running
 * zone. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/t.h"
#include "zones/zone_int.h"

#define HEAD(serial, refresh) \
	"$TTL 3600\n$ORIGIN example.com.\n" \
	"@ IN SOA ns1 hostmaster " #serial " " #refresh " 3600 1209600 300\n" \
	"  IN NS ns1\n" \
	"ns1 IN A 192.0.2.1\n"

static const char v1[] = HEAD(10, 7200)
	"www IN A 192.0.2.80\n"
	"old IN A 192.0.2.70\n"
	"mx IN MX 10 mail\n"
	"ttl 300 IN A 192.0.2.5\n"
	"ttl 300 IN A 192.0.2.6\n"
	"case IN CNAME Target.Example.COM.\n";

/* www changed, old deleted, MX changed, the ttl RRset's TTL changed,
 * fresh added, case only respelled (no change in canonical form) */
static const char v2[] = HEAD(10, 7200)
	"www IN A 192.0.2.81\n"
	"mx IN MX 20 mail\n"
	"ttl 600 IN A 192.0.2.5\n"
	"ttl 600 IN A 192.0.2.6\n"
	"case IN CNAME target.example.com.\n"
	"fresh IN TXT \"new\"\n";

static zone *load(const char *text)
{
	char err[256] = "";
	zone *z = zone_load_text("example.com.", "t", text, strlen(text),
				 NULL, NULL, err, sizeof(err));
	if (!z)
		printf("  load: %s\n", err);
	return z;
}

static uint8_t *wname(const char *s, uint8_t *buf)
{
	if (wire_name_from_str(s, buf) < 0)
		return NULL;
	wire_name_lower(buf, buf);
	return buf;
}

/* Number of RRs of type at name in z. */
static int count(const zone *z, const char *name, uint16_t type)
{
	uint8_t w[WIRE_MAXNAME];
	const zone_rrset *rs = zone_find_rrset(z, wname(name, w), type);

	return rs ? rs->count : 0;
}

static uint32_t ttl_of(const zone *z, const char *name, uint16_t type)
{
	uint8_t w[WIRE_MAXNAME];
	const zone_rrset *rs = zone_find_rrset(z, wname(name, w), type);

	return rs ? rs->ttl : 0;
}

/* Add name A addr as a dynamic change would (serial + 1). */
static void dyn_add_a(zone *z, const char *name, const char *addr)
{
	uint8_t w[WIRE_MAXNAME], rd[4];
	unsigned a, b, c, d;

	sscanf(addr, "%u.%u.%u.%u", &a, &b, &c, &d);
	rd[0] = (uint8_t)a; rd[1] = (uint8_t)b; rd[2] = (uint8_t)c;
	rd[3] = (uint8_t)d;
	wire_name_from_str(name, w);
	T_EQ(zone_node_add_rr(z, zone_node_get(z, w), DNS_T_A, 300, rd, 4), 0);
	zone_set_serial(z, z->serial + 1);
}

typedef struct apply_arg {
	zone *z;
	int rc, n;
} apply_arg;

static int apply_cb(void *arg, const zone_journal_rec *r)
{
	apply_arg *a = arg;

	a->rc = zone_journal_apply(a->z, r);
	a->n++;
	return 0;
}

/* Apply a framed record to z: zone_journal_apply's result. */
static int apply(zone *z, const uint8_t *rec, size_t len)
{
	apply_arg a = { z, -1234, 0 };

	T_EQ(zone_journal_scan(rec, len, apply_cb, &a), len);
	T_EQ(a.n, 1);
	return a.rc;
}

static int revert_cb(void *arg, const zone_journal_rec *r)
{
	apply_arg *a = arg;

	a->rc = zone_journal_revert(a->z, r);
	a->n++;
	return 0;
}

/* 1 if a and b hold the same RRs (SOA aside). */
static int same_data(const zone *a, const zone *b)
{
	zone_diff d;
	int same;

	zone_diff_init(&d);
	same = zone_diff_zones(a, b, &d) == 0 && d.ndel == 0 && d.nadd == 0;
	zone_diff_free(&d);
	return same;
}

static void test_diff_zones(void)
{
	zone *a = load(v1), *b = load(v2);
	zone_diff d;

	T_CHECK(a && b);
	if (!a || !b)
		return;
	zone_diff_init(&d);
	T_EQ(zone_diff_zones(a, b, &d), 0);
	/* del: www, old, mx, ttl x2; add: www, mx, ttl x2, fresh */
	T_EQ(d.ndel, 5);
	T_EQ(d.nadd, 5);
	zone_diff_free(&d);
	zone_diff_init(&d);
	T_EQ(zone_diff_zones(a, a, &d), 0);
	T_EQ(d.ndel + d.nadd, 0);
	zone_diff_free(&d);
	zone_unref(a);
	zone_unref(b);
}

/* RRSIGs are kept per covered type (zone.c): the difference compares
 * each covered type's set with the same set in the other file, so an
 * RRSIG that did not change is neither deleted nor added. */
#define ZSIG(t, ttl, tag) "www " #ttl " IN RRSIG " t " 13 3 " #ttl \
	" 20300101000000 20200101000000 " #tag " example.com. " \
	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKiss\n"
static void test_diff_rrsig_sets(void)
{
	zone *a = load(HEAD(10, 7200) "www 300 IN A 192.0.2.80\n"
		       "www 600 IN TXT x\n" ZSIG("A", 300, 1)
		       ZSIG("TXT", 600, 1));
	zone *b = load(HEAD(10, 7200) "www 300 IN A 192.0.2.80\n"
		       "www 600 IN TXT x\n" ZSIG("A", 300, 1)
		       ZSIG("TXT", 600, 2));
	zone_diff d;

	T_CHECK(a && b);
	if (!a || !b)
		return;
	zone_diff_init(&d);
	T_EQ(zone_diff_zones(a, b, &d), 0);
	/* only the TXT signature changed (the A one equal, TTLs differ) */
	T_EQ(d.ndel, 1);
	T_EQ(d.nadd, 1);
	zone_diff_free(&d);
	T_CHECK(same_data(a, a));
	zone_unref(a);
	zone_unref(b);
}

/* The record turns a zone loaded from the old file into the new file's
 * data, serial old + 1, as one IXFR history step; revert undoes it. */
static void test_record_applies(void)
{
	zone *oldf = load(v1), *newf = load(v2), *run = load(v1);
	zone_fdiff_stats st;
	uint8_t *rec = NULL;
	size_t len = 0;
	apply_arg a = { NULL, -1234, 0 };

	T_CHECK(oldf && newf && run);
	if (!oldf || !newf || !run)
		return;
	T_EQ(zone_file_diff_record(run, oldf, newf, &rec, &len, &st), 1);
	T_EQ(run->serial, 10);          /* nothing changed yet */
	T_EQ(st.file_del, 5);
	T_EQ(st.file_add, 5);
	T_EQ(st.del, 5);
	T_EQ(st.add, 5);
	T_EQ(st.del_absent + st.add_present, 0);
	T_EQ(st.serial_from, 10);
	T_EQ(st.serial_to, 11);
	T_EQ(apply(run, rec, len), 0);
	T_EQ(run->serial, 11);
	T_CHECK(same_data(run, newf));
	T_EQ(ttl_of(run, "ttl.example.com.", DNS_T_A), 600);
	T_EQ(count(run, "ttl.example.com.", DNS_T_A), 2);
	T_CHECK(run->hist_new && run->hist_new->serial_from == 10 &&
		run->hist_new->serial_to == 11);
	/* undone when it cannot be made durable */
	a.z = run;
	zone_journal_scan(rec, len, revert_cb, &a);
	T_EQ(a.rc, 0);
	T_EQ(run->serial, 10);
	T_CHECK(same_data(run, oldf));
	free(rec);
	zone_unref(oldf);
	zone_unref(newf);
	zone_unref(run);
}

/* Changes made at run time stay; the edit's parts that are already so
 * in the running zone are left out, as Knot does. */
static void test_dynamic_changes_kept(void)
{
	zone *oldf = load(v1), *newf = load(v2), *run = load(v1);
	zone_fdiff_stats st;
	uint8_t *rec = NULL, w[WIRE_MAXNAME], rd[4] = { 192, 0, 2, 70 };
	size_t len = 0;

	T_CHECK(oldf && newf && run);
	if (!oldf || !newf || !run)
		return;
	dyn_add_a(run, "dyn.example.com.", "192.0.2.99");       /* 11 */
	/* an UPDATE already deleted old and changed www like the edit */
	T_EQ(zone_node_del_rr(run, zone_node_find(run, wname(
		"old.example.com.", w)), DNS_T_A, rd, 4), 1);
	dyn_add_a(run, "www.example.com.", "192.0.2.81");       /* 12 */
	dyn_add_a(run, "www.example.com.", "192.0.2.80");
	T_EQ(zone_file_diff_record(run, oldf, newf, &rec, &len, &st), 1);
	T_EQ(st.del_absent, 1);                 /* old */
	T_EQ(st.add_present, 1);                /* www 192.0.2.81 */
	T_EQ(st.del, 4);
	T_EQ(st.add, 4);
	T_EQ(st.serial_to, 14);
	T_EQ(apply(run, rec, len), 0);
	T_EQ(run->serial, 14);
	T_EQ(count(run, "dyn.example.com.", DNS_T_A), 1);
	T_EQ(count(run, "www.example.com.", DNS_T_A), 1);
	T_EQ(count(run, "old.example.com.", DNS_T_A), 0);
	T_EQ(count(run, "fresh.example.com.", DNS_T_TXT), 1);
	free(rec);
	zone_unref(oldf);
	zone_unref(newf);
	zone_unref(run);
}

static uint32_t serial_after(uint32_t running, const char *oldt,
			     const char *newt, int *rc)
{
	zone *oldf = load(oldt), *newf = load(newt), *run = load(oldt);
	zone_fdiff_stats st;
	uint8_t *rec = NULL;
	size_t len = 0;
	uint32_t s = 0;

	if (!oldf || !newf || !run) {
		*rc = -1;
		return 0;
	}
	zone_set_serial(run, running);
	*rc = zone_file_diff_record(run, oldf, newf, &rec, &len, &st);
	if (*rc == 1 && apply(run, rec, len) == 0)
		s = run->serial;
	else if (*rc == 0)
		s = run->serial;
	free(rec);
	zone_unref(oldf);
	zone_unref(newf);
	zone_unref(run);
	return s;
}

/* serial = max(running + 1, file serial) in RFC 1982 arithmetic */
static void test_serial_rules(void)
{
	static const char a[] = HEAD(10, 7200) "www IN A 192.0.2.80\n";
	static const char b10[] = HEAD(10, 7200) "www IN A 192.0.2.81\n";
	static const char b1000[] = HEAD(1000, 7200) "www IN A 192.0.2.81\n";
	static const char b5[] = HEAD(5, 7200) "www IN A 192.0.2.81\n";
	static const char bhalf[] = HEAD(2147483659, 7200)
		"www IN A 192.0.2.81\n";
	static const char s1000[] = HEAD(1000, 7200) "www IN A 192.0.2.80\n";
	static const char s11[] = HEAD(11, 7200) "www IN A 192.0.2.80\n";
	static const char soa[] = HEAD(10, 1800) "www IN A 192.0.2.80\n";
	int rc;

	T_EQ(serial_after(10, a, b10, &rc), 11);
	T_EQ(rc, 1);
	T_EQ(serial_after(50, a, b10, &rc), 51);
	T_EQ(serial_after(10, a, b1000, &rc), 1000);
	T_EQ(serial_after(10, a, b5, &rc), 11);      /* file serial lower */
	T_EQ(serial_after(4294967295u, a, b10, &rc), 10);  /* wraps: 10 */
	T_EQ(serial_after(10, a, bhalf, &rc), 11);   /* 2^31 from 11 */
	/* exactly 2^31 from the running serial: undefined (RFC 1982), not
	 * newer: no record, the running zone stays (issue 13) */
	T_EQ(serial_after(11, a, bhalf, &rc), 11);
	T_EQ(rc, 0);
	/* only the serial raised: one step to it, no RR changes */
	T_EQ(serial_after(10, a, s1000, &rc), 1000);
	T_EQ(rc, 1);
	/* only the serial, not above the running one: nothing */
	T_EQ(serial_after(20, a, s11, &rc), 20);
	T_EQ(rc, 0);
	/* the same file: nothing */
	T_EQ(serial_after(20, a, a, &rc), 20);
	T_EQ(rc, 0);
	/* an SOA field changed: a step */
	T_EQ(serial_after(20, a, soa, &rc), 21);
	T_EQ(rc, 1);
}

/* The new SOA keeps the running zone's fields unless the edit changed
 * them; then it has the file's fields and the computed serial. */
static void test_soa_fields(void)
{
	static const char a[] = HEAD(10, 7200) "www IN A 192.0.2.80\n";
	static const char b[] = HEAD(10, 1800) "www IN A 192.0.2.80\n";
	zone *oldf = load(a), *newf = load(b), *run = load(a);
	zone_fdiff_stats st;
	uint8_t *rec = NULL;
	size_t len = 0;
	uint32_t t[5];

	T_CHECK(oldf && newf && run);
	if (!oldf || !newf || !run)
		return;
	zone_set_serial(run, 30);
	T_EQ(zone_file_diff_record(run, oldf, newf, &rec, &len, &st), 1);
	T_EQ(st.soa_changed, 1);
	T_EQ(apply(run, rec, len), 0);
	T_EQ(zone_soa_timers(run, t), 0);
	T_EQ(t[0], 31);
	T_EQ(t[1], 1800);
	free(rec);
	zone_unref(oldf);
	zone_unref(newf);
	zone_unref(run);
}

/* An addition that would put a CNAME beside data added at run time is
 * left out (counted); beside the file's own data it cannot happen. */
static void test_cname_conflict(void)
{
	static const char a[] = HEAD(10, 7200)
		"www IN A 192.0.2.80\n"
		"alias IN CNAME www\n";
	static const char b[] = HEAD(10, 7200)
		"www IN A 192.0.2.80\n"
		"alias IN CNAME www\n"
		"dyn IN CNAME www\n"           /* dyn has an A at run time */
		"alias2 IN CNAME www\n"
		"new IN A 192.0.2.7\n";
	zone *oldf = load(a), *newf = load(b), *run = load(a);
	zone_fdiff_stats st;
	uint8_t *rec = NULL, w[WIRE_MAXNAME];
	size_t len = 0;
	uint8_t rd[WIRE_MAXNAME];
	int l;

	T_CHECK(oldf && newf && run);
	if (!oldf || !newf || !run)
		return;
	dyn_add_a(run, "dyn.example.com.", "192.0.2.99");
	/* and a CNAME at new, which the edit gives an A */
	l = wire_name_from_str("www.example.com.", rd);
	wire_name_from_str("new.example.com.", w);
	T_EQ(zone_node_add_rr(run, zone_node_get(run, w), DNS_T_CNAME, 300,
			      rd, (uint16_t)l), 0);
	T_EQ(zone_file_diff_record(run, oldf, newf, &rec, &len, &st), 1);
	T_EQ(st.add_conflict, 2);
	T_EQ(st.add, 1);                        /* alias2 */
	T_EQ(apply(run, rec, len), 0);
	T_EQ(count(run, "dyn.example.com.", DNS_T_A), 1);
	T_EQ(count(run, "dyn.example.com.", DNS_T_CNAME), 0);
	T_EQ(count(run, "new.example.com.", DNS_T_A), 0);
	T_EQ(count(run, "new.example.com.", DNS_T_CNAME), 1);
	T_EQ(count(run, "alias2.example.com.", DNS_T_CNAME), 1);
	free(rec);
	zone_unref(oldf);
	zone_unref(newf);
	zone_unref(run);
}

/* The copy of the last loaded file is zone_to_text's rendering: loaded
 * again it must hold exactly the file's data, or every SIGHUP would see
 * a spurious edit (a new serial each time). */
static void test_copy_round_trip(void)
{
	static const char text[] = HEAD(10, 7200)
		"a IN A 192.0.2.1\n"
		"a IN AAAA 2001:db8::1\n"
		"a IN MX 10 Mail.Example.COM.\n"
		"a IN TXT \"semi;colon\" \"q\\\"uote\" \"\\010tab\"\n"
		"a IN HINFO \"PC\" \"Linux\"\n"
		"a IN CAA 0 issue \"letsencrypt.org\"\n"
		"a IN SSHFP 1 1 0123456789abcdef0123456789abcdef01234567\n"
		"_443._tcp.a IN TLSA 3 1 1 "
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"
		"_sip._udp IN SRV 10 20 5060 a\n"
		"n IN NAPTR 100 10 \"U\" \"E2U+sip\" "
		"\"!^.*$!sip:info@example.com!\" .\n"
		"d IN DNAME target.example.net.\n"
		"c IN CNAME a\n"
		"kid IN NS ns.kid\n"
		"ns.kid IN A 192.0.2.53\n"
		"kid IN DS 12345 13 2 "
		"0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF\n"
		"u IN TYPE65280 \\# 3 abcdef\n"
		"l IN LOC 52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m\n"
		"*.w IN A 192.0.2.9\n"
		/* types ldns cannot read back as it prints them (ztext.c,
		 * NXT, A6): written in RFC 3597 form */
		"t IN TA 12345 8 1 49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE\n"
		"t IN SINK 1 0 0 aGVsbG8=\n"
		"t IN NINFO \"hello world\" \"a\\\"b\"\n"
		"t IN RKEY 0 3 8 "
		"AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==\n"
		"t IN ATMA +61200000000\n"
		"t IN DSYNC CDS NOTIFY 5359 Scanner\n"
		"t IN UINFO \"x\"\nt IN UID 7\nt IN GID 8\nt IN UNSPEC 00ff\n"
		"t IN AVC \"app\"\nt IN DOA 0 1 2 \"\" -\n"
		"t IN AMTRELAY 10 1 3 Relay\nt IN RESINFO qnamemin\n"
		"t IN WALLET BTC xyz\nt IN NXT a.example.com. A NXT\n"
		"t IN A6 0 2001:db8::1\n";
	zone *a = load(text), *b = NULL;
	char *out = NULL, err[256] = "";
	size_t len = 0;

	T_CHECK(a != NULL);
	if (!a)
		return;
	T_EQ(zone_to_text(a, &out, &len), 0);
	if (out)
		b = zone_load_text("example.com.", "copy", out, len, NULL,
				   NULL, err, sizeof(err));
	if (!b)
		printf("  reload: %s\n%s\n", err, out ? out : "");
	T_CHECK(b && same_data(a, b) && b->serial == a->serial);
	free(out);
	zone_unref(a);
	zone_unref(b);
}

int main(void)
{
	T_RUN(test_diff_zones);
	T_RUN(test_diff_rrsig_sets);
	T_RUN(test_record_applies);
	T_RUN(test_dynamic_changes_kept);
	T_RUN(test_serial_rules);
	T_RUN(test_soa_fields);
	T_RUN(test_cname_conflict);
	T_RUN(test_copy_round_trip);
	T_DONE();
}
