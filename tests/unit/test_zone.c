/* Unit tests for the zone store (zone.c) and the zone-file loader (zload.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/t.h"
#include "zones/zone_int.h"

/* A fake file system: path -> text. */
typedef struct fake_file {
	const char *path, *text;
} fake_file;

static const fake_file fake_fs[] = {
	{ "zones/sub.inc",
	  "; included file\n"
	  "host  IN A 192.0.2.10\n"
	  "      IN AAAA 2001:db8::10\n"
	  "$ORIGIN deeper\n"
	  "x     IN A 192.0.2.11\n" },
	{ "zones/other.inc", "o IN TXT \"from other\"\n" },
	{ "zones/bad.inc", "; line 1\nbad IN A 1.2.3\n" },
	{ "zones/loop.inc", "$INCLUDE loop.inc\n" },
	{ NULL, NULL },
};

static int fake_read(void *arg, const char *path, char **data, size_t *len)
{
	int *calls = arg;
	if (calls)
		(*calls)++;
	for (const fake_file *f = fake_fs; f->path; f++) {
		if (strcmp(f->path, path) != 0)
			continue;
		*len = strlen(f->text);
		*data = malloc(*len + 1);
		memcpy(*data, f->text, *len + 1);
		return 0;
	}
	return -ENOENT;
}

static const char zone_text[] =
	"$TTL 1h\n"
	"$ORIGIN Example.COM.\n"
	"@   IN SOA ns1 hostmaster (\n"
	"        2024010101 ; serial\n"
	"        7200       ; refresh\n"
	"        3600 1209600\n"
	"        300 )      ; minimum\n"
	"    IN NS ns1\n"
	"    IN NS ns2.example.net.\n"
	"    IN MX 10 Mail.Example.COM.\n"
	"ns1 IN A 192.0.2.1\n"
	"WWW 300 IN A 192.0.2.2\n"
	"www 600 IN A 192.0.2.2 ; duplicate, lower TTL wins\n"
	"www IN A 192.0.2.3\n"
	"alias IN CNAME www\n"
	"a.b.c IN TXT \"semi;colon (paren)\" \"two\"\n"
	"*.wild IN A 192.0.2.4\n"
	"sub IN NS ns.sub\n"
	"ns.sub IN A 192.0.2.5\n"
	"dn IN DNAME example.net.\n"
	"unk IN TYPE65534 \\# 2 abcd\n"
	"unk2 IN TYPE1 \\# 4 c0000207\n"
	"$INCLUDE sub.inc\n"
	"after IN A 192.0.2.6\n"
	"$INCLUDE other.inc inc.example.com.\n"
	"\n";

static zone *load(const char *text, char *err, size_t errlen)
{
	err[0] = '\0';
	return zone_load_text("example.com", "zones/t.zone", text,
			      strlen(text), fake_read, NULL, err, errlen);
}

static int wname(const char *s, uint8_t out[WIRE_MAXNAME])
{
	return wire_name_from_str(s, out);
}

static const zone_node *node(const zone *z, const char *s)
{
	uint8_t n[WIRE_MAXNAME], l[WIRE_MAXNAME];
	if (wname(s, n) < 0)
		return NULL;
	wire_name_lower(l, n);
	return zone_node_find(z, l);
}

static const zone_rrset *rrset(const zone *z, const char *s, uint16_t type)
{
	const zone_node *n = node(z, s);
	return n ? zone_node_rrset(n, type) : NULL;
}

static void test_load_basic(void)
{
	char err[256];
	zone *z = load(zone_text, err, sizeof(err));
	const zone_rrset *rs;

	T_CHECK(z != NULL);
	if (!z) {
		printf("  err: %s\n", err);
		return;
	}
	T_EQ(zone_serial(z), 2024010101u);
	T_EQ(z->neg_ttl, 300);
	T_CHECK(wire_name_equal(zone_origin(z),
				(const uint8_t *)"\7example\3com"));
	/* 1 SOA + 2 NS + MX + ns1 + 2 www + CNAME + TXT + wild + NS + glue
	 * + DNAME + 2 unk + 2 sub.inc + x.deeper + after + other = 20 */
	T_EQ(zone_rr_count(z), 20);
	rs = rrset(z, "www.example.com", DNS_T_A);
	T_CHECK(rs && rs->count == 2 && rs->ttl == 300);
	rs = rrset(z, "example.com", DNS_T_NS);
	T_CHECK(rs && rs->count == 2 && rs->ttl == 3600);
	T_CHECK(rrset(z, "example.com", DNS_T_SOA) != NULL);
	T_CHECK(rrset(z, "host.example.com", DNS_T_AAAA) != NULL);
	T_CHECK(rrset(z, "x.deeper.example.com", DNS_T_A) != NULL);
	T_CHECK(rrset(z, "after.example.com", DNS_T_A) != NULL);
	T_CHECK(rrset(z, "o.inc.example.com", DNS_T_TXT) != NULL);
	T_CHECK(rrset(z, "ns.sub.example.com", DNS_T_A) != NULL);
	zone_unref(z);
}

static void test_flags_and_ents(void)
{
	char err[256];
	zone *z = load(zone_text, err, sizeof(err));
	const zone_node *n;

	T_CHECK(z != NULL);
	if (!z)
		return;
	n = node(z, "b.c.example.com");
	T_CHECK(n && n->rrsets == NULL && (n->flags & ZN_HASCHILD));
	n = node(z, "c.example.com");
	T_CHECK(n && n->rrsets == NULL && (n->flags & ZN_HASCHILD));
	n = node(z, "wild.example.com");
	T_CHECK(n && (n->flags & ZN_WILDCHILD) && (n->flags & ZN_HASCHILD));
	T_CHECK(node(z, "*.wild.example.com") != NULL);
	n = node(z, "sub.example.com");
	T_CHECK(n && (n->flags & ZN_DELEG) && (n->flags & ZN_HASCHILD));
	n = node(z, "example.com");
	T_CHECK(n && n == z->apex && !(n->flags & ZN_DELEG) &&
		(n->flags & ZN_HASCHILD) && !(n->flags & ZN_WILDCHILD));
	n = node(z, "alias.example.com");
	T_CHECK(n && (n->flags & ZN_CNAME) && !(n->flags & ZN_HASCHILD));
	n = node(z, "dn.example.com");
	T_CHECK(n && (n->flags & ZN_DNAME));
	n = node(z, "deeper.example.com");
	T_CHECK(n && n->rrsets == NULL);
	T_CHECK(node(z, "nothere.example.com") == NULL);
	/* case as first written, key lowercased */
	n = node(z, "www.example.com");
	T_CHECK(n && memcmp(n->name, "\3WWW\7Example\3COM", 17) == 0);
	T_CHECK(n && memcmp(n->lname, "\3www\7example\3com", 17) == 0);
	zone_unref(z);
}

static void test_rdata(void)
{
	char err[256];
	zone *z = load(zone_text, err, sizeof(err));
	const zone_rrset *rs;

	T_CHECK(z != NULL);
	if (!z)
		return;
	/* MX: uncompressed name, case kept */
	rs = rrset(z, "example.com", DNS_T_MX);
	T_CHECK(rs && rs->count == 1 && rs->len == 2 + 2 + 18 &&
		memcmp(rs->data, "\0\24\0\12\4Mail\7Example\3COM", 22) == 0);
	rs = rrset(z, "unk.example.com", 65534);
	T_CHECK(rs && rs->len == 4 && memcmp(rs->data, "\0\2\xab\xcd", 4) == 0);
	rs = rrset(z, "unk2.example.com", DNS_T_A);
	T_CHECK(rs && rs->len == 6 &&
		memcmp(rs->data, "\0\4\xc0\0\2\7", 6) == 0);
	rs = rrset(z, "a.b.c.example.com", DNS_T_TXT);
	T_CHECK(rs && rs->len == 2 + 19 + 4 &&
		memcmp(rs->data + 2, "\22semi;colon (paren)\3two", 23) == 0);
	rs = rrset(z, "alias.example.com", DNS_T_CNAME);
	T_CHECK(rs && memcmp(rs->data + 2, "\3www\7Example\3COM", 17) == 0);
	rs = rrset(z, "www.example.com", DNS_T_A);
	T_CHECK(rs && memcmp(rs->data, "\0\4\xc0\0\2\2\0\4\xc0\0\2\3", 12) == 0);
	zone_unref(z);
}

/* Expect the load to fail with an error starting with prefix. */
static int fails_with(const char *text, const char *prefix)
{
	char err[256];
	zone *z = load(text, err, sizeof(err));
	if (z) {
		zone_unref(z);
		printf("  loaded but expected '%s'\n", prefix);
		return 0;
	}
	if (strncmp(err, prefix, strlen(prefix)) != 0) {
		printf("  got '%s', expected '%s'\n", err, prefix);
		return 0;
	}
	return 1;
}

#define HEAD "@ SOA ns hm 1 2 3 4 5\n@ NS ns\n"

static void test_errors(void)
{
	T_CHECK(fails_with("@ NS ns\nns A 192.0.2.1\n",
			   "zones/t.zone:2: no SOA"));
	T_CHECK(fails_with("@ SOA ns hm 1 2 3 4 5\n\n",
			   "zones/t.zone:2: no NS"));
	T_CHECK(fails_with(HEAD "x SOA ns hm 1 2 3 4 5\n",
			   "zones/t.zone:3: SOA record not at"));
	T_CHECK(fails_with(HEAD "@ SOA ns hm 2 2 3 4 5\n",
			   "zones/t.zone:3: more than one SOA"));
	T_CHECK(fails_with(HEAD "x A 192.0.2.1\nx CNAME y\n",
			   "zones/t.zone:4: CNAME beside other data"));
	T_CHECK(fails_with(HEAD "x CNAME y\n; c\nx A 192.0.2.1\n",
			   "zones/t.zone:5: other data beside a CNAME"));
	T_CHECK(fails_with(HEAD "x CNAME y\nx CNAME z\n",
			   "zones/t.zone:4: more than one CNAME"));
	T_CHECK(fails_with(HEAD "x CH TXT \"a\"\n",
			   "zones/t.zone:3: only class IN"));
	T_CHECK(fails_with(HEAD "x A 1.2.3\n",
			   "zones/t.zone:3: Syntax error"));
	T_CHECK(fails_with(HEAD "x TXT ( \"a\"\n\n",
			   "zones/t.zone:3: unbalanced"));
	T_CHECK(fails_with(HEAD "x TXT \"a ) \n",
			   "zones/t.zone:3: unterminated"));
	T_CHECK(fails_with(HEAD "$GENERATE 1-2 x$ A 1.2.3.4\n",
			   "zones/t.zone:3: unknown or unsupported"));
	T_CHECK(fails_with(HEAD "$TTL abc\n", "zones/t.zone:3: bad $TTL"));
	T_CHECK(fails_with(HEAD "\n$INCLUDE bad.inc\n",
			   "zones/bad.inc:2: Syntax error"));
	T_CHECK(fails_with(HEAD "$INCLUDE nope.inc\n",
			   "zones/t.zone:3: cannot read $INCLUDE file "
			   "zones/nope.inc"));
	T_CHECK(fails_with(HEAD "$INCLUDE loop.inc\n",
			   "zones/loop.inc:1: $INCLUDE nested too deeply"));
	T_CHECK(fails_with(HEAD "x TXT a\\\n", "zones/t.zone:3: backslash"));
	T_CHECK(fails_with(HEAD "x IN OPT \\# 0\n",
			   "zones/t.zone:3: meta type"));
}

/* ---- forms BIND and Knot read that ldns alone does not ---- */

#define ROOTKSK_A "AwEAAagAIKlVZrpC6Ia7gEzahOR+9W29euxhJhVVLOyQbSEW0O8gcCjF " \
	"FVQUTf6v58fLjwBd0YI0EzrAcQqBGCzh/RStIoO8g0NfnfL2MTJRkxoXbfDa"
#define ROOTKSK_B "UeVPQuYEhg37NZWAJQ9VnMVDxP/VHL496M/QZxkjf5/Efucp2gaDX6RS" \
	"6CXpoY68LsvPVjR0ZSwzz1apAzvN9dlzEheX7ICJBBtuA6G3LQpzW5hOA2hzC" \
	"TMjJPJ8LbqF6dsV6DoBQzgul0sGIcGOYl7OyQdXfZ57relSQageu+ipAdTTJ2" \
	"5AsRTAoub8ONGcLmqrAmRLKB P1dfwhYB4N7knNnulqQxA+Uk1ihz0="

static void test_presentation_forms(void)
{
	char err[256];
	const zone_rrset *rs;
	zone *z = load(HEAD
		       "gw IPSECKEY 10 3 2 gateway AQNRU3mG7TVTO2BkR47usntb102u"
		       "FJtugbo6BSGvgqt4AQ==\n"
		       "gw2 300 IN IPSECKEY ( 10 3 2 @\n AQNRU3mG7TVTO2BkR47u"
		       "sntb102uFJtugbo6BSGvgqt4AQ== )\n"
		       "gw3 IPSECKEY 10 3 2 gw.example.net. AQNRU3mG\n"
		       "gw4 IPSECKEY 10 1 2 192.0.2.1 AQNRU3mG 7TVTO2BkR47u"
		       "sntb102uFJtugbo6BSGvgqt4AQ==\n"
		       "gw5 IPSECKEY 10 0 2 . AQNRU3mG 7TVTO2BkR47u\n"
		       "k DNSKEY 257 3 8 " ROOTKSK_A " " ROOTKSK_B "\n"
		       "k DNSKEY ( 256 3 8 " ROOTKSK_A "\n " ROOTKSK_B " )\n"
		       "  RRSIG A 8 3 300 20250101000000 20240101000000 1 "
		       "example.com. AwEA Aag AIKlVZrpC\n"
		       "n NXT a A NXT\n"
		       "md MD mail\nmf MF mail\nmb MB mail\n"
		       "a6 A6 \\# 1 00\n"
		       "a6b A6 0 2001:db8::1\n"
		       "a6c A6 64 ::1:2:3:4 pfx\n"
		       "a6d A6 128 pfx.example.net.\n", err, sizeof(err));

	T_CHECK(z != NULL);
	if (!z) {
		printf("  err: %s\n", err);
		return;
	}
	/* gateway type 3: the name, completed with the origin */
	rs = rrset(z, "gw.example.com", 45);
	T_CHECK(rs && memcmp(rs->data + 2, "\12\3\2\7gateway\7example\3com",
			     24) == 0);
	rs = rrset(z, "gw2.example.com", 45);
	T_CHECK(rs && memcmp(rs->data + 2, "\12\3\2\7example\3com\0", 16)
		== 0);
	rs = rrset(z, "gw3.example.com", 45);
	T_CHECK(rs && memcmp(rs->data + 2, "\12\3\2\2gw\7example\3net\0",
			     19) == 0);
	/* base64 split by spaces (ldns reads only IPSECKEY's whole) */
	rs = rrset(z, "gw4.example.com", 45);
	T_CHECK(rs && wire_get16(rs->data) == 3 + 4 + 34); /* 48 b64 = 34 */
	rs = rrset(z, "gw5.example.com", 45);
	T_CHECK(rs && wire_get16(rs->data) == 3 + 15); /* no gateway */
	rs = rrset(z, "k.example.com", DNS_T_DNSKEY);
	T_CHECK(rs && rs->count == 2 && wire_get16(rs->data) == 4 + 260);
	rs = rrset(z, "k.example.com", DNS_T_RRSIG);
	T_CHECK(rs && rs->count == 1);
	rs = rrset(z, "n.example.com", 30);
	T_CHECK(rs && rs->len == 2 + 15 + 4 &&
		memcmp(rs->data + 2, "\1a\7example\3com\0\x40\0\0\2", 19)
		== 0);
	T_CHECK(rrset(z, "md.example.com", 3) != NULL);
	T_CHECK(rrset(z, "mf.example.com", 4) != NULL);
	T_CHECK(rrset(z, "mb.example.com", 7) != NULL);
	T_CHECK(rrset(z, "a6.example.com", 38) != NULL);
	rs = rrset(z, "a6b.example.com", 38);
	T_CHECK(rs && rs->len == 2 + 17 && memcmp(rs->data + 2, "\0\x20\1\x0d"
		"\xb8\0\0\0\0\0\0\0\0\0\0\0\1", 17) == 0);
	rs = rrset(z, "a6c.example.com", 38);
	T_CHECK(rs && rs->len == 2 + 9 + 17 && memcmp(rs->data + 2,
		"\x40\0\1\0\2\0\3\0\4\3pfx\7example\3com", 26) == 0);
	rs = rrset(z, "a6d.example.com", 38);
	T_CHECK(rs && rs->len == 2 + 1 + 17 && rs->data[2] == 128);
	zone_unref(z);
	T_CHECK(fails_with(HEAD "n NXT a A NOSUCHTYPE\n",
			   "zones/t.zone:3: cannot read the NXT"));
	T_CHECK(fails_with(HEAD "a A6 64 ::1\n",
			   "zones/t.zone:3: cannot read the A6"));
	T_CHECK(fails_with(HEAD "a A6 129 ::1\n",
			   "zones/t.zone:3: cannot read the A6"));
	T_CHECK(fails_with(HEAD "k DNSKEY 257 3 8 AwEA AagA I\n",
			   "zones/t.zone:3: Syntax error"));
}

/* ---- out-of-zone data: ignored with a warning (BIND, Knot) ---- */

static char warned[1024];
static int nwarned;

static void warn_cb(void *arg, const char *msg)
{
	(void)arg;
	nwarned++;
	if (strlen(warned) + strlen(msg) + 2 < sizeof(warned)) {
		strcat(warned, msg);
		strcat(warned, "\n");
	}
}

static int text_read(void *arg, const char *path, char **data, size_t *len)
{
	(void)path;
	*data = strdup(arg);
	*len = strlen(arg);
	return *data ? 0 : -ENOMEM;
}

static void test_out_of_zone_ignored(void)
{
	char err[256], text[2048];
	zone *z;

	warned[0] = '\0';
	nwarned = 0;
	snprintf(text, sizeof(text), "%s", HEAD "\n\nwww.example.org. A "
		 "192.0.2.1\nexample.com. A 192.0.2.2\ncom. NS x.\n");
	z = zone_load_warn("example.com", "zones/t.zone", text_read, text,
			   warn_cb, NULL, err, sizeof(err));
	T_CHECK(z != NULL);
	T_EQ(nwarned, 2);
	T_CHECK(strcmp(warned, "zones/t.zone:5: ignoring out-of-zone data "
		       "(www.example.org.)\nzones/t.zone:7: ignoring "
		       "out-of-zone data (com.)\n") == 0);
	T_CHECK(z && rrset(z, "example.com", DNS_T_A) != NULL);
	T_CHECK(z && node(z, "www.example.org") == NULL);
	T_EQ(z ? zone_rr_count(z) : 0, 3);
	zone_unref(z);
	/* many: the first ZONE_LOAD_MAXWARN, then a count */
	warned[0] = '\0';
	nwarned = 0;
	snprintf(text, sizeof(text), "%s", HEAD);
	for (int i = 0; i < 15; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
			 "x%d.example.net. A 192.0.2.1\n", i);
	z = zone_load_warn("example.com", "zones/t.zone", text_read, text,
			   warn_cb, NULL, err, sizeof(err));
	T_CHECK(z != NULL);
	T_EQ(nwarned, ZONE_LOAD_MAXWARN + 1);
	T_CHECK(strstr(warned, "zones/t.zone: 5 more warnings not shown"));
	zone_unref(z);
}

static void test_cname_dnssec_ok(void)
{
	char err[256];
	zone *z = load(HEAD "x CNAME y\n"
		       "x NSEC z.example.com. CNAME RRSIG NSEC\n"
		       "x CNAME y\n", err, sizeof(err));
	T_CHECK(z != NULL);
	if (!z) {
		printf("  err: %s\n", err);
		return;
	}
	T_CHECK(rrset(z, "x.example.com", DNS_T_NSEC) != NULL);
	T_EQ(rrset(z, "x.example.com", DNS_T_CNAME)->count, 1);
	zone_unref(z);
}

static void test_ttl_defaults(void)
{
	char err[256];
	/* no $TTL: 3600; neg_ttl = min(SOA TTL, minimum) */
	zone *z = load("@ 60 SOA ns hm 7 2 3 4 500\n@ NS ns\nx A 192.0.2.1\n"
		       "$TTL 2d\ny A 192.0.2.2\n", err, sizeof(err));
	T_CHECK(z != NULL);
	if (!z)
		return;
	T_EQ(zone_serial(z), 7);
	T_EQ(z->neg_ttl, 60);
	T_EQ(rrset(z, "x.example.com", DNS_T_A)->ttl, 3600);
	T_EQ(rrset(z, "y.example.com", DNS_T_A)->ttl, 172800);
	zone_unref(z);
}

static void test_include_path(void)
{
	char err[256];
	int calls = 0;
	const char *t = HEAD "$INCLUDE zones/other.inc\n";
	zone *z = zone_load_text("example.com.", "t.zone", t, strlen(t),
				 fake_read, &calls, err, sizeof(err));
	/* a name without a directory: the include path is used as written */
	T_CHECK(z != NULL);
	T_EQ(calls, 1);
	T_CHECK(z && rrset(z, "o.example.com", DNS_T_TXT) != NULL);
	zone_unref(z);
	z = zone_load_text("example.com.", "t.zone", t, strlen(t), NULL,
			   NULL, err, sizeof(err));
	T_CHECK(z == NULL && strstr(err, "t.zone:3:") == err);
}

static void test_zone_load_reader(void)
{
	char err[256];
	zone *z = zone_load("example.com", "zones/none", fake_read, NULL, err,
			    sizeof(err));
	T_CHECK(z == NULL && strncmp(err, "zones/none:", 11) == 0);
}

static void test_local(void)
{
	char err[256];
	zone *z = zone_local_new();
	const zone_rrset *rs;

	T_CHECK(z && z->is_local);
	T_EQ(zone_local_add_rr(z, "host.lan. 0 IN A 192.0.2.1", err, 256), 0);
	T_EQ(zone_local_add_rr(z, "host.lan. 0 IN A 192.0.2.1", err, 256), 0);
	T_EQ(zone_local_add_rr(z, "Host.LAN. 0 IN AAAA ::1", err, 256), 0);
	T_EQ(zone_local_add_rr(z, "1.2.0.192.in-addr.arpa. 0 IN PTR host.lan.",
			       err, 256), 0);
	T_EQ(zone_local_add_rr(z, "alias.lan. 0 IN CNAME host.lan.", err, 256),
	     0);
	T_CHECK(zone_local_add_rr(z, "host.lan. 0 IN CNAME x.lan.", err,
				  256) < 0 && strstr(err, "CNAME"));
	T_CHECK(zone_local_add_rr(z, "alias.lan. 0 IN TXT \"x\"", err,
				  256) < 0 && strstr(err, "CNAME"));
	T_CHECK(zone_local_add_rr(z, "bad.lan. 0 IN A 1.2", err, 256) < 0 &&
		strncmp(err, "bad.lan. 0 IN A 1.2: Syntax", 27) == 0);
	T_CHECK(zone_local_add_rr(z, "bad.lan. 0 IN A 1.2.3.4\\", err,
				  256) < 0);
	T_CHECK(zone_local_add_rr(z, "a.lan. A 192.0.2.9\nb.lan. A 192.0.2.9",
				  err, 256) < 0 && strstr(err, "one record"));
	T_CHECK(zone_local_add_rr(z, "", err, 256) < 0);
	T_EQ(zone_local_add_rr(z, "t.lan. 5 IN TXT ( \"a;b\" ) ; comment",
			       err, 256), 0);
	T_CHECK(zone_find_rrset(z, (const uint8_t *)"\1t\3lan", DNS_T_TXT));
	T_EQ(zone_rr_count(z), 5);
	rs = zone_find_rrset(z, (const uint8_t *)"\4host\3lan", DNS_T_A);
	T_CHECK(rs && rs->count == 1 && rs->ttl == 0);
	T_CHECK(zone_find_rrset(z, (const uint8_t *)"\4host\3lan",
				DNS_T_AAAA) != NULL);
	zone_ref(z);
	zone_unref(z);
	zone_unref(z);
}

static void test_store_direct(void)
{
	zone *z = zone_alloc((const uint8_t *)"\3Big", 0);
	uint8_t rd[4] = { 10, 0, 0, 0 }, name[WIRE_MAXNAME];
	int ok = 1;

	T_CHECK(z != NULL);
	if (!z)
		return;
	for (int i = 0; i < 5000 && ok; i++) {
		char s[32];
		zone_node *n;
		snprintf(s, sizeof(s), "h%d.big", i);
		wname(s, name);
		n = zone_node_get(z, name);
		rd[3] = (uint8_t)i;
		ok = n && zone_node_add_rr(z, n, DNS_T_A, 60, rd, 4) == 0;
	}
	T_CHECK(ok);
	T_EQ(z->nnodes, 5001);
	T_CHECK(z->nbuckets >= 4096);
	/* one large RRset grows its data */
	zone_node *n = z->apex;
	for (int i = 0; i < 300; i++) {
		rd[2] = (uint8_t)(i >> 8);
		rd[3] = (uint8_t)i;
		zone_node_add_rr(z, n, DNS_T_A, (uint32_t)(600 - i), rd, 4);
	}
	T_EQ(zone_node_rrset(n, DNS_T_A)->count, 300);
	T_EQ(zone_node_rrset(n, DNS_T_A)->ttl, 301);
	T_EQ(zone_node_rrset(n, DNS_T_A)->len, 1800);
	T_EQ(zone_name_hash((const uint8_t *)"\1a", 3),
	     zone_name_hash((const uint8_t *)"\1a", 3));
	wname("outside.example", name);
	T_CHECK(zone_node_get(z, name) == NULL);
	zone_unref(z);
}

/* RFC 4034 6.2: RRset membership compares the names inside rdata of the
 * listed types case-insensitively; the first spelling stays. */
static const char case_text[] =
	"$TTL 1h\n"
	"@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n"
	"  IN NS ns1\n"
	"  IN MX 10 some.domain.\n"
	"  IN MX 10 Some.Domain.\n"
	"  IN MX 10 SOME.DOMAIN.\n"
	"  IN MX 20 some.domain.\n"
	"  IN TXT \"abc\"\n"
	"  IN TXT \"ABC\"\n"
	"s IN SRV 1 2 3 t.example.\n"
	"s IN SRV 1 2 3 T.Example.\n"
	"n IN NAPTR 1 2 \"A\" \"B\" \"\" x.example.\n"
	"n IN NAPTR 1 2 \"a\" \"B\" \"\" X.example.\n"
	"ns1 IN A 192.0.2.1\n";

static void test_rrset_case(void)
{
	char err[256];
	zone *z = load(case_text, err, sizeof(err));
	const zone_rrset *rs;
	zone_node *n;
	uint8_t lower[] = { 0, 10, 4, 's', 'o', 'm', 'e', 6, 'd', 'o', 'm',
			    'a', 'i', 'n', 0 };
	uint8_t upper[] = { 0, 10, 4, 'S', 'O', 'M', 'E', 6, 'D', 'O', 'M',
			    'A', 'I', 'N', 0 };

	T_CHECK(z != NULL);
	if (!z) {
		printf("  err: %s\n", err);
		return;
	}
	rs = rrset(z, "example.com", DNS_T_MX);
	T_CHECK(rs && rs->count == 2);
	/* the first spelling is kept */
	T_CHECK(rs && memcmp(rs->data + 2, lower, sizeof(lower)) == 0);
	rs = rrset(z, "example.com", DNS_T_TXT);
	T_CHECK(rs && rs->count == 2);          /* TXT is not folded */
	rs = rrset(z, "s.example.com", DNS_T_SRV);
	T_CHECK(rs && rs->count == 1);
	rs = rrset(z, "n.example.com", DNS_T_NAPTR);
	T_CHECK(rs && rs->count == 2);          /* flags differ, name not */
	T_EQ(zone_rr_count(z), 10);
	/* adding another spelling is no change; deleting by any spelling
	 * removes the stored RR */
	n = z->apex;
	T_EQ(zone_node_add_rr(z, n, DNS_T_MX, 3600, upper, sizeof(upper)), 0);
	T_EQ(zone_node_rrset(n, DNS_T_MX)->count, 2);
	T_EQ(zone_node_del_rr(z, n, DNS_T_MX, upper, sizeof(upper)), 1);
	T_EQ(zone_node_rrset(n, DNS_T_MX)->count, 1);
	T_EQ(zone_rr_count(z), 9);
	/* wire_rdata_equal on its own */
	T_CHECK(wire_rdata_equal(DNS_T_MX, lower, sizeof(lower), upper,
				 sizeof(upper)));
	T_CHECK(!wire_rdata_equal(DNS_T_TXT, lower, sizeof(lower), upper,
				  sizeof(upper)));
	upper[1] = 11;                          /* preference is exact */
	T_CHECK(!wire_rdata_equal(DNS_T_MX, lower, sizeof(lower), upper,
				  sizeof(upper)));
	zone_unref(z);
}

/* Issue 13: RRSIGs are kept as one RRset per covered type (type RRSIG in
 * the node's list, rs->covered), each with its own TTL. */
#define SIGB "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKiss" \
	"LS4vMDEyMzQ1Njc4OTo7PD0+Pw=="
#define SIG(o, ttl, t, tag) o " " #ttl " RRSIG " t " 13 2 " #ttl \
	" 20300101000000 20200101000000 " #tag " example.com. " SIGB "\n"
static const char sig_text[] =
	"@ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n"
	"@ 3600 IN NS ns1\n"
	"@ 0 IN NSEC3PARAM 1 0 0 -\n"
	SIG("@", 0, "NSEC3PARAM", 1)
	SIG("@", 3600, "SOA", 1)
	SIG("@", 3600, "NS", 1)
	SIG("@", 3600, "SOA", 2)
	"ns1 600 IN A 192.0.2.1\n"
	SIG("ns1", 600, "A", 1);

/* The walk another module uses: every RRSIG RRset of n, and the RRSIGs
 * covering one type in them (covered read from each RR). */
static int sig_walk(const zone_node *n, uint16_t covered, uint32_t *ttl)
{
	int cnt = 0;

	for (const zone_rrset *rs = n->rrsets; rs; rs = rs->next) {
		if (rs->type != DNS_T_RRSIG)
			continue;
		for (const uint8_t *p = rs->data; p < rs->data + rs->len;
		     p += 2 + wire_get16(p))
			if (wire_get16(p + 2) == covered) {
				cnt++;
				*ttl = rs->ttl;
			}
	}
	return cnt;
}

static int sig_sets(const zone_node *n)
{
	int cnt = 0;

	for (const zone_rrset *rs = n->rrsets; rs; rs = rs->next)
		cnt += rs->type == DNS_T_RRSIG;
	return cnt;
}

static void test_rrsig_per_covered(void)
{
	char err[256], *text = NULL;
	zone *z = load(sig_text, err, sizeof(err)), *c;
	zone_node *apex;
	const zone_rrset *rs;
	uint16_t types[8];
	uint32_t ttl = 1;
	size_t len;

	T_CHECK(z != NULL);
	if (!z) {
		printf("  err: %s\n", err);
		return;
	}
	apex = z->apex;
	T_EQ(sig_sets(apex), 3);
	T_EQ(sig_walk(apex, DNS_T_SOA, &ttl), 2);
	T_EQ(ttl, 3600);
	T_EQ(sig_walk(apex, 51, &ttl), 1);
	T_EQ(ttl, 0);
	T_EQ(zone_rr_count(z), 9);
	/* the store's own look-up */
	rs = zone_node_rrsig(apex, DNS_T_SOA);
	T_CHECK(rs && rs->count == 2 && rs->ttl == 3600 &&
		rs->covered == DNS_T_SOA);
	rs = zone_node_rrsig(apex, 51);
	T_CHECK(rs && rs->count == 1 && rs->ttl == 0);
	T_CHECK(zone_node_rrsig(apex, DNS_T_A) == NULL);
	T_CHECK(zone_node_rrset(apex, DNS_T_SOA)->covered == 0);
	/* the types a name owns: RRSIG once */
	T_EQ(zone_name_types(z, z->origin, types, 8), 4);
	/* zone_to_text (the state directory's copy) keeps each TTL */
	T_EQ(zone_to_text(z, &text, &len), 0);
	T_CHECK(text && strstr(text, "example.com.\t3600\tIN\tRRSIG\tSOA 13 2 "
			       "3600 ") && strstr(text, "example.com.\t0\tIN\t"
			       "RRSIG\tNSEC3PARAM 13 2 0 "));
	free(text);
	/* a clone too */
	c = zone_clone(z);
	T_CHECK(c && sig_sets(c->apex) == 3);
	rs = c ? zone_node_rrsig(c->apex, 51) : NULL;
	T_CHECK(rs && rs->ttl == 0 && rs->covered == 51);
	zone_unref(c);
	/* an add or delete goes to the RRset of the type it covers */
	rs = zone_node_rrsig(apex, DNS_T_SOA);
	uint8_t rd[300];
	/* the second SOA RRSIG (key tag 2): as a signature of NS it is
	 * not a duplicate of the NS RRSIG (key tag 1) */
	const uint8_t *p2 = rs->data + 2 + wire_get16(rs->data);
	uint16_t rdlen = (uint16_t)wire_get16(p2);
	T_EQ(wire_get16(p2 + 2 + 16), 2);
	memcpy(rd, p2 + 2, rdlen);
	T_EQ(zone_node_del_rr(z, apex, DNS_T_RRSIG, rd, rdlen), 1);
	T_EQ(zone_node_rrsig(apex, DNS_T_SOA)->count, 1);
	wire_put16(rd, DNS_T_NS);
	T_EQ(zone_node_add_rr(z, apex, DNS_T_RRSIG, 60, rd, rdlen), 0);
	rs = zone_node_rrsig(apex, DNS_T_NS);
	T_CHECK(rs && rs->count == 2 && rs->ttl == 60);
	T_EQ(zone_node_rrsig(apex, DNS_T_SOA)->ttl, 3600);
	T_EQ(zone_node_rrsig(apex, 51)->ttl, 0);
	T_EQ(zone_node_del_rr(z, apex, DNS_T_RRSIG, rd, rdlen), 1);
	T_EQ(zone_node_del_rr(z, apex, DNS_T_RRSIG, rd, rdlen), 0);
	T_EQ(zone_node_rrsig(apex, DNS_T_NS)->count, 1);
	/* an RRSIG with no room for a covered type is its own RRset */
	T_EQ(zone_node_add_rr(z, apex, DNS_T_RRSIG, 5, rd, 1), 0);
	T_EQ(sig_sets(apex), 4);
	T_EQ(zone_node_del_rr(z, apex, DNS_T_RRSIG, rd, 1), 1);
	/* the whole "RRset" of type RRSIG: every RRSIG of the name */
	T_EQ(zone_node_del_rrset(z, apex, DNS_T_RRSIG), 3);
	T_EQ(sig_sets(apex), 0);
	T_EQ(zone_rr_count(z), 5);
	/* the field costs no memory: it fills padding (32 bytes on LP64) */
	T_EQ(sizeof(zone_rrset), 2 * sizeof(void *) + 16);
	zone_unref(z);
}

int main(void)
{
	T_RUN(test_load_basic);
	T_RUN(test_flags_and_ents);
	T_RUN(test_rdata);
	T_RUN(test_errors);
	T_RUN(test_presentation_forms);
	T_RUN(test_out_of_zone_ignored);
	T_RUN(test_cname_dnssec_ok);
	T_RUN(test_ttl_defaults);
	T_RUN(test_include_path);
	T_RUN(test_zone_load_reader);
	T_RUN(test_local);
	T_RUN(test_store_direct);
	T_RUN(test_rrset_case);
	T_RUN(test_rrsig_per_covered);
	T_DONE();
}
