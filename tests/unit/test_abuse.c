/* Unit tests of issue 10's answer-side abuse resistance in zones/:
 * SipHash-2-4, DNS cookies (RFC 7873 / RFC 9018 test vectors), NSID, the
 * EDNS helpers, and the RRL engine with a fake clock. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "zones/zone_int.h"
#include "tests/unit/t.h"

static int unhex(const char *s, uint8_t *out)
{
	int n = 0;

	for (; s[0] && s[1]; s += 2) {
		unsigned v;

		sscanf(s, "%2x", &v);
		out[n++] = (uint8_t)v;
	}
	return n;
}

/* ------------------------------------------------------------------ */

static void test_siphash_vectors(void)
{
	uint8_t key[16], m[64];

	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 64; i++)
		m[i] = (uint8_t)i;
	/* Aumasson/Bernstein reference (paper appendix A, vectors.h) */
	T_CHECK(zone_siphash24(key, m, 15) == 0xa129ca6149be45e5ULL);
	T_CHECK(zone_siphash24(key, m, 0) == 0x726fdb47dd0e0e31ULL);
	T_CHECK(zone_siphash24(key, m, 8) == 0x93f5f5799a932462ULL);
	T_CHECK(zone_siphash24(key, m, 63) == 0x958a324ceb064572ULL);
}

/* ------------------------------------------------------------------ */

/* A query for www.t.test A with one OPT carrying opts. */
static size_t mkq(uint8_t *buf, const uint8_t *opts, size_t optlen)
{
	static const uint8_t hq[] = {
		0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1,
		3, 'w', 'w', 'w', 1, 't', 4, 't', 'e', 's', 't', 0, 0, 1, 0, 1,
		0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0 };
	size_t n = sizeof(hq);

	memcpy(buf, hq, n);
	wire_put16(buf + n, (uint16_t)optlen);
	memcpy(buf + n + 2, opts, optlen);
	return n + 2 + optlen;
}

static size_t cookie_opt(uint8_t *o, const uint8_t *c, size_t n)
{
	wire_put16(o, EDNS_O_COOKIE);
	wire_put16(o + 2, (uint16_t)n);
	memcpy(o + 4, c, n);
	return 4 + n;
}

static void test_cookie_parse_lengths(void)
{
	uint8_t c[48] = { 0 }, o[64], q[200];
	zone_cookie zc;
	wire_query wq;

	for (size_t n = 0; n <= 44; n++) {
		int ok = n == 8 || (n >= 16 && n <= 40);
		size_t ql = mkq(q, o, cookie_opt(o, c, n));
		wire_qresult r = wire_query_parse(q, ql, &wq);

		T_EQ(zone_cookie_parse(c, n, &zc) == 0, ok);
		T_EQ(r, ok ? WQ_OK : WQ_FORMERR);
		if (ok) {
			T_EQ(wq.cookie_len, n);
			T_CHECK(wq.cookie_off > 0);
		} else {
			T_EQ(wq.has_edns, 1);  /* FORMERR carries an OPT */
		}
	}
	/* NSID noted; a query without options has neither */
	wire_put16(o, EDNS_O_NSID);
	wire_put16(o + 2, 0);
	T_EQ(wire_query_parse(q, mkq(q, o, 4), &wq), WQ_OK);
	T_EQ(wq.nsid, 1);
	T_EQ(wq.cookie_off, 0);
	T_EQ(wire_query_parse(q, mkq(q, o, 0), &wq), WQ_OK);
	T_EQ(wq.nsid, 0);
}

static zone_edns_srv g_srv;
static const uint8_t g_ip[4] = { 198, 51, 100, 100 };

static void srv_init(void)
{
	memset(&g_srv, 0, sizeof(g_srv));
	g_srv.cookies = 1;
	unhex("e5e973e5a6b2a43f48e7dc849e37bfcf", g_srv.secret);
}

/* zone_edns_opts for a query carrying cookie c (n bytes) at now. */
static size_t opts_for(const char *chex, uint32_t now, uint8_t *out,
		       uint8_t *verdict)
{
	uint8_t c[48], o[64], q[200];
	size_t n = (size_t)unhex(chex, c), ql = mkq(q, o, cookie_opt(o, c, n));
	wire_query wq;

	if (wire_query_parse(q, ql, &wq) != WQ_OK)
		return 0;
	return zone_edns_opts(&g_srv, q, &wq, 4, g_ip, now, out, verdict);
}

static int opt_is(const uint8_t *out, size_t n, const char *want)
{
	uint8_t w[64];
	int wn = unhex(want, w);

	return n == (size_t)wn + 4 && wire_get16(out) == EDNS_O_COOKIE &&
	       wire_get16(out + 2) == wn && memcmp(out + 4, w, (size_t)wn) == 0;
}

static void test_cookie_rfc9018_vectors(void)
{
	uint8_t out[ZONE_EOPT_MAX], v;
	size_t n;

	srv_init();
	/* A.1: a new client learns a server cookie */
	n = opts_for("2464c4abcf10c957", 1559731985, out, &v);
	T_CHECK(opt_is(out, n, "2464c4abcf10c957010000005cf79f111f8130c3eee29480"));
	T_EQ(v, ZONE_COOKIE_CLIENT);
	/* the same cookie a minute later: valid, echoed as it is */
	n = opts_for("2464c4abcf10c957010000005cf79f111f8130c3eee29480",
		     1559731985 + 60, out, &v);
	T_EQ(v, ZONE_COOKIE_VALID);
	T_CHECK(opt_is(out, n, "2464c4abcf10c957010000005cf79f111f8130c3eee29480"));
	/* A.2: 40 minutes later it is still valid but renewed */
	n = opts_for("2464c4abcf10c957010000005cf79f111f8130c3eee29480",
		     1559734385, out, &v);
	T_EQ(v, ZONE_COOKIE_VALID);
	T_CHECK(opt_is(out, n, "2464c4abcf10c957010000005cf7a871d4a564a1442aca77"));
	/* over an hour old: bad (answered with a fresh one) */
	n = opts_for("2464c4abcf10c957010000005cf79f111f8130c3eee29480",
		     1559731985 + 3601, out, &v);
	T_EQ(v, ZONE_COOKIE_BAD);
	T_EQ(n, 28);
	/* more than 5 minutes in the future: bad; 5 minutes: fine */
	n = opts_for("2464c4abcf10c957010000005cf79f111f8130c3eee29480",
		     1559731985 - 301, out, &v);
	T_EQ(v, ZONE_COOKIE_BAD);
	n = opts_for("2464c4abcf10c957010000005cf79f111f8130c3eee29480",
		     1559731985 - 300, out, &v);
	T_EQ(v, ZONE_COOKIE_VALID);
	/* a flipped hash bit, another client cookie: bad */
	opts_for("2464c4abcf10c957010000005cf79f111f8130c3eee29481",
		 1559731985, out, &v);
	T_EQ(v, ZONE_COOKIE_BAD);
	opts_for("2464c4abcf10c958010000005cf79f111f8130c3eee29480",
		 1559731985, out, &v);
	T_EQ(v, ZONE_COOKIE_BAD);
	/* a 24-byte server cookie is not ours: bad, answered with ours */
	n = opts_for("2464c4abcf10c957010000005cf79f111f8130c3eee294800102030405060708",
		     1559731985, out, &v);
	T_EQ(v, ZONE_COOKIE_BAD);
	T_EQ(n, 28);
}

static void test_cookie_secret_rotation(void)
{
	uint8_t out[ZONE_EOPT_MAX], v;
	size_t n;

	srv_init();
	memcpy(g_srv.prev, g_srv.secret, 16);
	g_srv.has_prev = 1;
	memset(g_srv.secret, 0x55, 16);
	/* made with the previous secret: valid, and renewed with the new */
	n = opts_for("2464c4abcf10c957010000005cf79f111f8130c3eee29480",
		     1559731985 + 10, out, &v);
	T_EQ(v, ZONE_COOKIE_VALID);
	T_EQ(n, 28);
	T_CHECK(memcmp(out + 4 + 8 + 8,
		       "\x1f\x81\x30\xc3\xee\xe2\x94\x80", 8) != 0);
	T_EQ(wire_get32(out + 4 + 8 + 4), 1559731985 + 10);
	/* two rotations later it is gone */
	g_srv.has_prev = 0;
	opts_for("2464c4abcf10c957010000005cf79f111f8130c3eee29480",
		 1559731985 + 10, out, &v);
	T_EQ(v, ZONE_COOKIE_BAD);
	/* cookies off: no option, no verdict */
	g_srv.cookies = 0;
	T_EQ(opts_for("2464c4abcf10c957", 1559731985, out, &v), 0);
	T_EQ(v, ZONE_COOKIE_NONE);
}

static void test_nsid_option(void)
{
	uint8_t o[16], q[200], out[ZONE_EOPT_MAX], v;
	wire_query wq;
	size_t ql, n;

	srv_init();
	memcpy(g_srv.nsid, "ns-1", 4);
	g_srv.nsid_len = 4;
	wire_put16(o, EDNS_O_NSID);
	wire_put16(o + 2, 0);
	ql = mkq(q, o, 4);
	T_EQ(wire_query_parse(q, ql, &wq), WQ_OK);
	n = zone_edns_opts(&g_srv, q, &wq, 4, g_ip, 1, out, &v);
	T_EQ(n, 8);
	T_EQ(wire_get16(out), EDNS_O_NSID);
	T_EQ(wire_get16(out + 2), 4);
	T_CHECK(memcmp(out + 4, "ns-1", 4) == 0);
	g_srv.nsid_len = 0;
	T_EQ(zone_edns_opts(&g_srv, q, &wq, 4, g_ip, 1, out, &v), 0);
}

/* ------------------------------------------------------------------ */

static const char ZONE[] =
	"$ORIGIN t.test.\n$TTL 300\n"
	"@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ NS ns1\n"
	"ns1 A 192.0.2.1\nwww A 192.0.2.10\n*.w A 192.0.2.11\n"
	"sub NS ns.sub\nns.sub A 192.0.2.53\n";

static zone_db *mkdb(void)
{
	zone_db_opts o = { .edns_max = 1232 };
	zone_db *db = zone_db_new(&o);
	char err[256];
	zone *z = zone_load_text("t.test.", "t.zone", ZONE, strlen(ZONE),
				 NULL, NULL, err, sizeof(err));

	if (!db || !z)
		return NULL;
	zone_db_add_zone(db, z);
	zone_unref(z);
	return db;
}

/* A query for name/type (presentation) with a cookie option. */
static size_t mkq_name(uint8_t *buf, const char *name, uint16_t type,
		       const uint8_t *opts, size_t optlen)
{
	uint8_t wn[WIRE_MAXNAME];
	int nl = wire_name_from_str(name, wn);
	size_t n = 0;

	memset(buf, 0, 12);
	buf[0] = 0xab;
	buf[5] = 1;
	buf[11] = 1;
	n = 12;
	memcpy(buf + n, wn, (size_t)nl);
	n += (size_t)nl;
	wire_put16(buf + n, type);
	wire_put16(buf + n + 2, 1);
	n += 4;
	buf[n++] = 0;
	wire_put16(buf + n, 41);
	wire_put16(buf + n + 2, 1232);
	memset(buf + n + 4, 0, 4);
	wire_put16(buf + n + 8, (uint16_t)optlen);
	memcpy(buf + n + 10, opts, optlen);
	return n + 10 + optlen;
}

static void test_handle_cookie_and_class(void)
{
	static const struct {
		const char *name;
		uint16_t type;
		uint8_t rc;
		const char *key;   /* the name the bucket is keyed on */
	} cases[] = {
		{ "www.t.test", DNS_T_A, ZONE_RC_ANSWER, "www.t.test" },
		{ "www.t.test", DNS_T_MX, ZONE_RC_NODATA, "t.test" },
		{ "nope.t.test", DNS_T_A, ZONE_RC_NXDOMAIN, "t.test" },
		{ "a.b.sub.t.test", DNS_T_A, ZONE_RC_REFERRAL, "sub.t.test" },
		{ "x.w.t.test", DNS_T_A, ZONE_RC_WILDCARD, "*.w.t.test" },
		{ "www.t.test", DNS_T_ANY, ZONE_RC_ANY, "www.t.test" },
		{ "www.other.test", DNS_T_A, ZONE_RC_ERROR, "." },
	};
	zone_db *db = mkdb();
	uint8_t q[300], o[64], resp[1232], cl[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	size_t rlen;
	zone_effects eff;
	zone_stats st;

	T_CHECK(db != NULL);
	if (!db)
		return;
	srv_init();
	memset(&st, 0, sizeof(st));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t ql = mkq_name(q, cases[i].name, cases[i].type, o,
				     cookie_opt(o, cl, 8));
		zone_req rq = { .q = q, .qlen = ql, .af = 4, .now = 1700000000,
				.srv = &g_srv, .classify = 1 };
		uint8_t kn[WIRE_MAXNAME];
		int kl = wire_name_from_str(cases[i].key, kn);

		memcpy(rq.addr, g_ip, 4);
		T_EQ(zone_db_handle(db, &rq, resp, sizeof(resp), &rlen, &eff,
				    &st), ZONE_REPLY);
		T_EQ(eff.rclass, cases[i].rc);
		T_EQ(eff.rhash, zone_name_hash(kn, (size_t)kl));
		T_EQ(eff.cookie, ZONE_COOKIE_CLIENT);
		T_EQ(eff.opt_len, 28);
		/* the reply ends with the OPT carrying exactly eff.opt */
		T_CHECK(rlen > 28 && memcmp(resp + rlen - 28, eff.opt, 28) == 0);
		T_EQ(wire_get16(resp + rlen - 30), 28);
	}
	T_EQ(st.cookie_client, sizeof(cases) / sizeof(cases[0]));
	zone_db_free(db);
}

/* Short replies and options appended to a finished reply. */
static void test_reply_short_and_append(void)
{
	zone_db *db = mkdb();
	uint8_t q[300], o[64], resp[1232], cl[8] = { 9, 9, 9, 9, 9, 9, 9, 9 };
	size_t rlen, ql, n, full;
	zone_effects eff;

	if (!db)
		return;
	srv_init();
	ql = mkq_name(q, "www.t.test", DNS_T_A, o, cookie_opt(o, cl, 8));
	zone_req rq = { .q = q, .qlen = ql, .af = 4, .now = 1700000000,
			.srv = &g_srv };
	memcpy(rq.addr, g_ip, 4);
	zone_db_handle(db, &rq, resp, sizeof(resp), &rlen, &eff, NULL);
	full = rlen;
	/* slip: TC, no records but the OPT with the cookie */
	n = zone_reply_short(resp, rlen, sizeof(resp), 0, 1, 1232, eff.opt,
			     eff.opt_len);
	T_CHECK(n > 0 && n < full);
	T_CHECK(wire_get16(resp + 2) & DNS_F_TC);
	T_EQ(wire_get16(resp + 6), 0);
	T_EQ(wire_get16(resp + 8), 0);
	T_EQ(wire_get16(resp + 10), 1);
	T_CHECK(memcmp(resp + n - 28, eff.opt, 28) == 0);
	/* BADCOOKIE: rcode 23 = header 7 + OPT extended 1, no TC */
	zone_db_handle(db, &rq, resp, sizeof(resp), &rlen, &eff, NULL);
	n = zone_reply_short(resp, rlen, sizeof(resp), 1, 1, 1232, eff.opt,
			     eff.opt_len);
	T_EQ(wire_get16(resp + 2) & 0xf, 7);
	T_EQ(wire_get16(resp + 2) & DNS_F_TC, 0);
	T_EQ(resp[n - 28 - 11 + 5], 1);      /* OPT TTL: extended rcode */
	/* BADCOOKIE needs EDNS */
	T_EQ(zone_reply_short(resp, n, sizeof(resp), 1, 0, 1232, NULL, 0), 0);
	/* append to a reply that has an OPT without options */
	zone_db_handle(db, &rq, resp, sizeof(resp), &rlen, &eff, NULL);
	{
		zone_req r2 = rq;
		size_t l2;

		r2.srv = NULL;
		zone_db_handle(db, &r2, resp, sizeof(resp), &l2, &eff, NULL);
		T_EQ(l2 + 28, rlen);
		T_EQ(zone_edns_append(resp, &l2, l2 + 27, o + 0, 28), -1);
		memcpy(o, "\x00\x0a\x00\x18", 4);
		memset(o + 4, 7, 24);
		T_EQ(zone_edns_append(resp, &l2, sizeof(resp), o, 28), 0);
		T_EQ(l2, rlen);
		T_EQ(wire_get16(resp + l2 - 30), 28);
		T_CHECK(memcmp(resp + l2 - 28, o, 28) == 0);
	}
	zone_db_free(db);
}


/* The COOKIE option's room is reserved: an answer that fits a 512-byte
 * UDP reply alone but not with the cookie comes back TC, with the cookie;
 * over TCP the same answer is whole. */
static void test_cookie_room_reserved(void)
{
	char text[1024], a[256], b[194];
	zone_db_opts zo = { .edns_max = 1232 };
	zone_db *db = zone_db_new(&zo);
	uint8_t q[300], o[64], resp[65535], cl[8] = { 3 };
	size_t ql, rlen, optlen;
	zone_effects eff;
	char err[256];
	zone *z;

	memset(a, 'a', 255);
	a[255] = 0;
	memset(b, 'b', 193);
	b[193] = 0;
	snprintf(text, sizeof(text), "$ORIGIN t.test.\n$TTL 300\n"
		 "@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ NS ns1\n"
		 "big TXT \"%s\" \"%s\"\n", a, b);
	z = zone_load_text("t.test.", "t.zone", text, strlen(text), NULL, NULL,
			   err, sizeof(err));
	T_CHECK(db && z);
	if (!db || !z)
		return;
	zone_db_add_zone(db, z);
	zone_unref(z);
	srv_init();
	for (int with = 0; with < 2; with++) {
		optlen = with ? cookie_opt(o, cl, 8) : 0;
		ql = mkq_name(q, "big.t.test", DNS_T_TXT, o, optlen);
		wire_put16(q + ql - optlen - 11 + 3, 512);   /* UDP size */
		for (int tcp = 0; tcp < 2; tcp++) {
			zone_req rq = { .q = q, .qlen = ql, .af = 4,
					.now = 1700000000, .srv = &g_srv,
					.tcp = tcp };

			T_EQ(zone_db_handle(db, &rq, resp, sizeof(resp),
					    &rlen, &eff, NULL), ZONE_REPLY);
			T_CHECK(rlen <= (tcp ? 65535u : 512u));
			T_EQ(!!(wire_get16(resp + 2) & DNS_F_TC),
			     with && !tcp);
			T_EQ(wire_get16(resp + 6), with && !tcp ? 0 : 1);
			if (with)
				T_CHECK(memcmp(resp + rlen - 28, eff.opt,
					       28) == 0);
		}
	}
	zone_db_free(db);
}

/* ------------------------------------------------------------------ */

static zone_rrl *mkrrl(uint32_t rate, uint32_t slip)
{
	zone_rrl_opts o = { .rate = rate, .slip = slip, .v4_prefix = 24,
			    .v6_prefix = 56, .size = 1024, .seed = 42 };

	return zone_rrl_new(&o);
}

/* Count what n responses at now_ms get. */
static void burst(zone_rrl *r, const uint8_t *ip, int af, uint8_t rc,
		  int n, uint64_t now, int cnt[3])
{
	cnt[0] = cnt[1] = cnt[2] = 0;
	for (int i = 0; i < n; i++)
		cnt[zone_rrl_check(r, af, ip, rc, 7, now)]++;
}

static void test_rrl_rate_and_refill(void)
{
	zone_rrl *r = mkrrl(10, 2);
	uint8_t a[4] = { 192, 0, 2, 1 };
	int c[3];

	T_CHECK(r != NULL);
	if (!r)
		return;
	burst(r, a, 4, ZONE_RC_ANSWER, 100, 1000000, c);
	T_EQ(c[ZONE_RRL_SEND], 10);        /* one second's burst */
	T_EQ(c[ZONE_RRL_SLIP], 45);        /* every 2nd of 90 limited */
	T_EQ(c[ZONE_RRL_DROP], 45);
	/* 100 ms later: one more token */
	burst(r, a, 4, ZONE_RC_ANSWER, 5, 1000100, c);
	T_EQ(c[ZONE_RRL_SEND], 1);
	/* 250 ms later: 2.5 tokens, two answers */
	burst(r, a, 4, ZONE_RC_ANSWER, 5, 1000350, c);
	T_EQ(c[ZONE_RRL_SEND], 2);
	/* a long pause refills to the cap only */
	burst(r, a, 4, ZONE_RC_ANSWER, 50, 1100000, c);
	T_EQ(c[ZONE_RRL_SEND], 10);
	/* the clock going back does not refill or break it */
	burst(r, a, 4, ZONE_RC_ANSWER, 5, 900000, c);
	T_EQ(c[ZONE_RRL_SEND], 0);
	zone_rrl_free(r);
}

static void test_rrl_keys(void)
{
	zone_rrl *r = mkrrl(5, 0);
	uint8_t a[4] = { 192, 0, 2, 1 }, b[4] = { 192, 0, 2, 200 },
		d[4] = { 192, 0, 3, 1 };
	uint8_t v6a[16] = { 0x20, 0x01, 0xd, 0xb8, 0, 0, 0, 0x01 },
		v6b[16] = { 0x20, 0x01, 0xd, 0xb8, 0, 0, 0, 0xff, 1 },
		v6c[16] = { 0x20, 0x01, 0xd, 0xb8, 0, 0, 1, 0 };
	int c[3];

	if (!r)
		return;
	burst(r, a, 4, ZONE_RC_ANSWER, 20, 5000, c);
	T_EQ(c[ZONE_RRL_SEND], 5);
	T_EQ(c[ZONE_RRL_SLIP], 0);         /* slip 0: never */
	burst(r, b, 4, ZONE_RC_ANSWER, 20, 5000, c);   /* same /24 */
	T_EQ(c[ZONE_RRL_SEND], 0);
	burst(r, d, 4, ZONE_RC_ANSWER, 20, 5000, c);   /* other /24 */
	T_EQ(c[ZONE_RRL_SEND], 5);
	burst(r, a, 4, ZONE_RC_NXDOMAIN, 20, 5000, c); /* other class */
	T_EQ(c[ZONE_RRL_SEND], 5);
	c[0] = c[1] = c[2] = 0;
	for (int i = 0; i < 10; i++)                   /* other name */
		c[zone_rrl_check(r, 4, a, ZONE_RC_ANSWER, 8, 5000)]++;
	T_EQ(c[ZONE_RRL_SEND], 5);
	burst(r, v6a, 6, ZONE_RC_ANSWER, 20, 5000, c);
	T_EQ(c[ZONE_RRL_SEND], 5);
	burst(r, v6b, 6, ZONE_RC_ANSWER, 20, 5000, c); /* same /56 */
	T_EQ(c[ZONE_RRL_SEND], 0);
	burst(r, v6c, 6, ZONE_RC_ANSWER, 20, 5000, c); /* other /56 */
	T_EQ(c[ZONE_RRL_SEND], 5);
	/* exempt: 192.0.2.0/25 covers a, not b */
	T_EQ(zone_rrl_exempt(r, 4, a, 25), 0);
	burst(r, a, 4, ZONE_RC_ANSWER, 50, 5000, c);
	T_EQ(c[ZONE_RRL_SEND], 50);
	burst(r, b, 4, ZONE_RC_ANSWER, 5, 5000, c);
	T_EQ(c[ZONE_RRL_SEND], 0);
	T_EQ(zone_rrl_exempt(r, 4, a, 33), -EINVAL);
	zone_rrl_free(r);
}

static void test_rrl_slip_one_and_table_full(void)
{
	zone_rrl *r = mkrrl(1, 1);
	uint8_t a[4] = { 10, 0, 0, 0 };
	int c[3];

	if (!r)
		return;
	burst(r, a, 4, ZONE_RC_ERROR, 10, 1, c);
	T_EQ(c[ZONE_RRL_SEND], 1);
	T_EQ(c[ZONE_RRL_SLIP], 9);
	/* far more keys than buckets: every new key gets a fresh bucket
	 * (least recently used replaced), nothing breaks */
	for (uint32_t i = 0; i < 5000; i++) {
		uint8_t x[4] = { 10, (uint8_t)(i >> 8), (uint8_t)i, 1 };

		T_EQ(zone_rrl_check(r, 4, x, ZONE_RC_ANSWER, i, 2 + i),
		     ZONE_RRL_SEND);
	}
	/* rate 0 is refused */
	{
		zone_rrl_opts o = { .rate = 0 };

		T_CHECK(zone_rrl_new(&o) == NULL);
	}
	zone_rrl_free(r);
}

int main(void)
{
	T_RUN(test_siphash_vectors);
	T_RUN(test_cookie_parse_lengths);
	T_RUN(test_cookie_rfc9018_vectors);
	T_RUN(test_cookie_secret_rotation);
	T_RUN(test_nsid_option);
	T_RUN(test_handle_cookie_and_class);
	T_RUN(test_reply_short_and_append);
	T_RUN(test_cookie_room_reserved);
	T_RUN(test_rrl_rate_and_refill);
	T_RUN(test_rrl_keys);
	T_RUN(test_rrl_slip_one_and_table_full);
	T_DONE();
}
