/*
 * Unit tests for TSIG (zones/tsig.c) and the dispatcher (zones/handle.c):
 * interop both ways with ldns's TSIG code (RFC 8945 vectors produced by an
 * independent implementation), every algorithm, the error cases (BADKEY,
 * BADSIG, BADTIME, BADTRUNC, FORMERR), multi-message chaining, key
 * parsing, and signed answers through zone_db_handle.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ldns/ldns.h>

#include "tests/unit/t.h"
#include "zones/zones.h"

static const char *secret_b64 = "c2VjcmV0IGtleSBmb3IgdGhlIHRzaWcgdGVzdHMgMTIzNA==";

/* ldns 1.8 signs with MD5, SHA1, SHA256 and SHA512 only; SHA224 and
 * SHA384 are checked by round trip here and against kdig in
 * tests/integration/test_tsig.py. */
static const struct {
	const char *robur, *ldns;
} algs[] = {
	{ "MD5", "hmac-md5.sig-alg.reg.int." },
	{ "SHA1", "hmac-sha1." },
	{ "SHA256", "hmac-sha256." },
	{ "SHA512", "hmac-sha512." },
};

static zone_keyring *ring_with(const char *alg, const char *name)
{
	char spec[256];
	zone_tsig_key k;
	zone_keyring *kr = zone_keyring_new();

	snprintf(spec, sizeof(spec), "%s:%s:%s", name, alg, secret_b64);
	if (zone_tsig_key_parse(spec, &k, NULL, 0) < 0 ||
	    zone_keyring_add(kr, &k) < 0) {
		zone_keyring_free(kr);
		return NULL;
	}
	return kr;
}

/* An ldns-signed SOA query for example.com. */
static size_t ldns_signed_query(const char *keyname, const char *alg,
				const char *secret, uint8_t *out,
				ldns_rdf **mac)
{
	ldns_pkt *p = NULL;
	uint8_t *w = NULL;
	size_t n = 0;

	if (ldns_pkt_query_new_frm_str(&p, "example.com.", LDNS_RR_TYPE_SOA,
				       LDNS_RR_CLASS_IN, 0) != LDNS_STATUS_OK)
		return 0;
	ldns_pkt_set_id(p, 0x1234);
	if (ldns_pkt_tsig_sign(p, keyname, secret, 300, alg, NULL) ==
	    LDNS_STATUS_OK && ldns_pkt2wire(&w, p, &n) == LDNS_STATUS_OK) {
		memcpy(out, w, n);
		if (mac)
			*mac = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(p), 3));
	} else
		n = 0;
	free(w);
	ldns_pkt_free(p);
	return n;
}

static int verify(const zone_keyring *kr, const uint8_t *m, size_t n,
		  uint64_t now, zone_tsig_ctx *ctx)
{
	wire_query q;

	if (wire_query_parse(m, n, &q) != WQ_OK || q.tsig_off == 0)
		return -99;
	return zone_tsig_verify_request(kr, m, n, &q, now, ctx);
}

static void test_key_parse(void)
{
	zone_tsig_key k;
	char err[128];

	T_EQ(zone_tsig_key_parse("Key.Example.:sha256:AAECAw==", &k, err,
				 sizeof(err)), 0);
	T_EQ(k.alg, TSIG_HMAC_SHA256);
	T_EQ(k.secret_len, 4);
	T_CHECK(memcmp(k.name, "\003key\007example", 13) == 0);
	T_EQ(zone_tsig_key_parse("k:hmac-md5:AAECAw", &k, err, sizeof(err)),
	     0);
	T_EQ(k.alg, TSIG_HMAC_MD5);
	T_EQ(zone_tsig_key_parse("k:HMAC-MD5.SIG-ALG.REG.INT:AAEC", &k, err,
				 sizeof(err)), 0);
	T_EQ(zone_tsig_key_parse("k:SHA512:AA EC Aw==", &k, err,
				 sizeof(err)), 0);
	T_EQ(k.secret_len, 4);
	T_EQ(zone_tsig_key_parse("k:SHA999:AAECAw==", &k, err, sizeof(err)),
	     -1);
	T_CHECK(strstr(err, "algorithm") != NULL);
	T_EQ(zone_tsig_key_parse("k:SHA1:not*base64", &k, err, sizeof(err)),
	     -1);
	T_EQ(zone_tsig_key_parse("k:SHA1:", &k, err, sizeof(err)), -1);
	T_EQ(zone_tsig_key_parse("k-SHA1-AAAA", &k, err, sizeof(err)), -1);
	T_EQ(zone_tsig_key_parse(":SHA1:AAAA", &k, err, sizeof(err)), -1);
}

static void test_keyring(void)
{
	zone_keyring *kr = ring_with("SHA256", "a.example");
	zone_tsig_key k;
	uint8_t n[WIRE_MAXNAME];

	T_CHECK(kr != NULL);
	zone_tsig_key_parse("A.EXAMPLE:SHA1:AAAA", &k, NULL, 0);
	T_EQ(zone_keyring_add(kr, &k), -17 /* -EEXIST */);
	zone_tsig_key_parse("b.example:SHA1:AAAA", &k, NULL, 0);
	T_EQ(zone_keyring_add(kr, &k), 0);
	wire_name_from_str("B.Example.", n);
	T_CHECK(zone_keyring_find(kr, n) != NULL);
	wire_name_from_str("c.example.", n);
	T_CHECK(zone_keyring_find(kr, n) == NULL);
	zone_keyring_free(kr);
}

/* ldns signs, we verify; every algorithm. */
static void test_verify_ldns_all_algs(void)
{
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		zone_keyring *kr = ring_with(algs[i].robur, "tk.example");
		uint8_t m[1024];
		size_t n = ldns_signed_query("tk.example.", algs[i].ldns,
					     secret_b64, m, NULL);
		zone_tsig_ctx ctx;

		T_CHECK(n > 0);
		T_EQ(verify(kr, m, n, (uint64_t)time(NULL), &ctx), 1);
		T_CHECK(ctx.key != NULL);
		T_EQ(ctx.error, 0);
		T_EQ(ctx.orig_id, 0x1234);
		zone_keyring_free(kr);
	}
}

/* Our client signs, our server verifies and answers, our client checks
 * the answer: every algorithm, including the two ldns lacks. */
static void test_round_trip_all_algs(void)
{
	static const char *all[] = { "MD5", "SHA1", "SHA224", "SHA256",
				     "SHA384", "SHA512" };
	static const size_t maclen[] = { 16, 20, 28, 32, 48, 64 };

	for (size_t i = 0; i < 6; i++) {
		zone_keyring *kr = ring_with(all[i], "rt.example");
		uint8_t m[512] = { 0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
				   7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0,
				   0, 6, 0, 1 };
		uint8_t nm[WIRE_MAXNAME];
		size_t n = 25, rn;
		zone_tsig_ctx cli, srv;

		wire_name_from_str("rt.example", nm);
		T_EQ(zone_tsig_sign_request(&cli, zone_keyring_find(kr, nm), m,
					    &n, sizeof(m), 1000), 0);
		T_EQ(cli.mac_len, maclen[i]);
		T_EQ(verify(kr, m, n, 1001, &srv), 1);
		rn = 25;
		m[2] |= 0x80;
		wire_put16(m + 10, 0);
		T_EQ(zone_tsig_sign(&srv, m, &rn, sizeof(m), 1002), 0);
		T_EQ(zone_tsig_verify_response(&cli, m, rn, 1003), 0);
		zone_keyring_free(kr);
	}
}


/* Bytes zone_tsig_sign appends to an empty reply for ctx. */
static size_t signed_size(zone_tsig_ctx *ctx, uint64_t now)
{
	uint8_t r[1024] = { 0 };
	size_t rn = WIRE_HDRLEN;

	if (zone_tsig_sign(ctx, r, &rn, sizeof(r), now) < 0)
		return 0;
	return rn - WIRE_HDRLEN;
}

static void test_verify_errors(void)
{
	zone_keyring *kr = ring_with("SHA256", "tk.example");
	uint8_t m[1024];
	size_t n;
	zone_tsig_ctx ctx;
	uint64_t now = (uint64_t)time(NULL);

	/* wrong secret: BADSIG, reply unsigned */
	n = ldns_signed_query("tk.example.", "hmac-sha256.",
			      "b3RoZXIgc2VjcmV0", m, NULL);
	T_EQ(verify(kr, m, n, now, &ctx), -1);
	T_EQ(ctx.error, TSIG_E_BADSIG);
	T_CHECK(ctx.key == NULL);
	/* unknown key name */
	n = ldns_signed_query("nokey.example.", "hmac-sha256.", secret_b64,
			      m, NULL);
	T_EQ(verify(kr, m, n, now, &ctx), -1);
	T_EQ(ctx.error, TSIG_E_BADKEY);
	T_EQ(signed_size(&ctx, now), zone_tsig_size(&ctx)); /* no MAC */
	/* right name, wrong algorithm */
	n = ldns_signed_query("tk.example.", "hmac-sha1.", secret_b64, m,
			      NULL);
	T_EQ(verify(kr, m, n, now, &ctx), -1);
	T_EQ(ctx.error, TSIG_E_BADKEY);
	/* time: 301 s off is BADTIME (checked after the MAC: key kept) */
	n = ldns_signed_query("tk.example.", "hmac-sha256.", secret_b64, m,
			      NULL);
	T_EQ(verify(kr, m, n, now + 250, &ctx), 1);
	T_EQ(verify(kr, m, n, now + 1000, &ctx), -1);
	T_EQ(ctx.error, TSIG_E_BADTIME);
	T_CHECK(ctx.key != NULL);
	T_EQ(signed_size(&ctx, now), zone_tsig_size(&ctx)); /* other: 6 */
	T_EQ(verify(kr, m, n, now - 1000, &ctx), -1);
	T_EQ(ctx.error, TSIG_E_BADTIME);
	/* one flipped bit in the message body */
	m[14] ^= 0x20;
	T_EQ(verify(kr, m, n, now, &ctx), -1);
	T_EQ(ctx.error, TSIG_E_BADSIG);
	/* no keyring at all */
	m[14] ^= 0x20;
	T_EQ(verify(NULL, m, n, now, &ctx), -1);
	T_EQ(ctx.error, TSIG_E_BADKEY);
	zone_keyring_free(kr);
}

/* Cut the request's MAC to newlen bytes (fixing MAC size and RDLENGTH). */
static size_t truncate_mac(uint8_t *m, size_t n, const wire_query *q,
			   size_t newlen)
{
	size_t p = q->tsig_off, rdl_at, mac_at, maclen;

	(void)wire_name_read(m, n, &p, NULL);
	rdl_at = p + 8;
	p += 10;
	(void)wire_name_read(m, n, &p, NULL);
	maclen = wire_get16(m + p + 8);
	mac_at = p + 10;
	memmove(m + mac_at + newlen, m + mac_at + maclen,
		n - mac_at - maclen);
	wire_put16(m + p + 8, (uint16_t)newlen);
	wire_put16(m + rdl_at, (uint16_t)(wire_get16(m + rdl_at) -
					  (maclen - newlen)));
	return n - (maclen - newlen);
}

static void test_truncation(void)
{
	zone_keyring *kr = ring_with("SHA256", "tk.example");
	uint8_t m[1024], c[1024];
	size_t n, cn;
	wire_query q;
	zone_tsig_ctx ctx;
	uint64_t now = (uint64_t)time(NULL);

	n = ldns_signed_query("tk.example.", "hmac-sha256.", secret_b64, m,
			      NULL);
	T_EQ(wire_query_parse(m, n, &q), WQ_OK);
	memcpy(c, m, n);
	cn = truncate_mac(c, n, &q, 16);       /* RFC-valid: BADTRUNC */
	T_EQ(verify(kr, c, cn, now, &ctx), -1);
	T_EQ(ctx.error, TSIG_E_BADTRUNC);
	T_CHECK(ctx.key != NULL);
	memcpy(c, m, n);
	cn = truncate_mac(c, n, &q, 12);       /* < half of 32: FORMERR */
	T_EQ(verify(kr, c, cn, now, &ctx), -2);
	memcpy(c, m, n);
	cn = truncate_mac(c, n, &q, 16);
	c[cn - 8] ^= 1;                        /* the MAC itself is checked */
	T_EQ(verify(kr, c, cn, now, &ctx), -1);
	zone_keyring_free(kr);
}

/* A response to the query in m as ldns would build it, as wire. */
static size_t make_response(const uint8_t *m, size_t n, uint8_t *out)
{
	ldns_pkt *p = NULL;
	uint8_t *w = NULL;
	size_t wn = 0;
	ldns_rr *rr = NULL;

	if (ldns_wire2pkt(&p, m, n) != LDNS_STATUS_OK)
		return 0;
	ldns_rr_free(ldns_pkt_tsig(p));
	ldns_pkt_set_tsig(p, NULL);
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_aa(p, true);
	ldns_rr_new_frm_str(&rr, "example.com. 3600 IN SOA ns1.example.com. "
			    "h.example.com. 1 2 3 4 5", 0, NULL, NULL);
	ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr);
	ldns_pkt2wire(&w, p, &wn);
	memcpy(out, w, wn);
	free(w);
	ldns_pkt_free(p);
	return wn;
}

/* We sign the response; ldns verifies it with the request MAC. */
static void test_sign_response_ldns_verifies(void)
{
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		zone_keyring *kr = ring_with(algs[i].robur, "tk.example");
		uint8_t m[1024], r[2048];
		ldns_rdf *mac = NULL;
		size_t n = ldns_signed_query("tk.example.", algs[i].ldns,
					     secret_b64, m, &mac);
		size_t rn = make_response(m, n, r);
		zone_tsig_ctx ctx;
		ldns_pkt *p = NULL;
		size_t before = rn;

		T_EQ(verify(kr, m, n, (uint64_t)time(NULL), &ctx), 1);
		T_EQ(zone_tsig_sign(&ctx, r, &rn, sizeof(r),
				    (uint64_t)time(NULL)), 0);
		T_EQ(rn - before, zone_tsig_size(&ctx));
		T_EQ(ldns_wire2pkt(&p, r, rn), LDNS_STATUS_OK);
		T_CHECK(p && ldns_pkt_tsig_verify(p, r, rn, "tk.example.",
						  secret_b64, mac));
		ldns_pkt_free(p);
		ldns_rdf_deep_free(mac);
		zone_keyring_free(kr);
	}
}

/* Client side: we sign a request (ldns verifies), ldns signs the
 * response (we verify). */
static void test_client_side_ldns(void)
{
	zone_tsig_key k;
	zone_tsig_ctx ctx;
	ldns_pkt *qp = NULL, *rp = NULL;
	uint8_t m[1024], *w = NULL;
	size_t n = 0, wn = 0;
	uint64_t now = (uint64_t)time(NULL);
	ldns_rdf *mac;

	zone_tsig_key_parse("tk.example:SHA256:c2VjcmV0IGtleSBmb3IgdGhlIHRz"
			    "aWcgdGVzdHMgMTIzNA==", &k, NULL, 0);
	ldns_pkt_query_new_frm_str(&qp, "example.com.", LDNS_RR_TYPE_SOA,
				   LDNS_RR_CLASS_IN, 0);
	ldns_pkt2wire(&w, qp, &n);
	memcpy(m, w, n);
	free(w);
	ldns_pkt_free(qp);
	T_EQ(zone_tsig_sign_request(&ctx, &k, m, &n, sizeof(m), now), 0);
	T_EQ(ldns_wire2pkt(&qp, m, n), LDNS_STATUS_OK);
	T_CHECK(ldns_pkt_tsig_verify(qp, m, n, "tk.example.", secret_b64,
				     NULL));
	/* ldns answers and signs with our request MAC */
	mac = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(qp), 3));
	n = make_response(m, n, m);
	ldns_wire2pkt(&rp, m, n);
	T_EQ(ldns_pkt_tsig_sign(rp, "tk.example.", secret_b64, 300,
				"hmac-sha256.", mac), LDNS_STATUS_OK);
	ldns_pkt2wire(&w, rp, &wn);
	T_EQ(zone_tsig_verify_response(&ctx, w, wn, now), 0);
	T_EQ(ctx.nmsg, 1);
	w[wn - 10] ^= 1;   /* inside the MAC: must fail next time */
	T_EQ(zone_tsig_verify_response(&ctx, w, wn, now), -1);
	free(w);
	ldns_rdf_deep_free(mac);
	ldns_pkt_free(qp);
	ldns_pkt_free(rp);
}

/* Multi-message: our client, our server, three chained messages. */
static void test_multi_message_chain(void)
{
	zone_keyring *kr = ring_with("SHA384", "xfr.example");
	const zone_tsig_key *k;
	zone_tsig_ctx cli, srv, save;
	uint8_t m[512], plain[512], r[3][512], n8[WIRE_MAXNAME];
	size_t n, rn[3];
	uint64_t now = 1700000000;
	wire_query q;

	wire_name_from_str("xfr.example", n8);
	k = zone_keyring_find(kr, n8);
	T_CHECK(k != NULL);
	ldns_pkt *qp = NULL;
	uint8_t *w = NULL;
	ldns_pkt_query_new_frm_str(&qp, "example.com.", LDNS_RR_TYPE_AXFR,
				   LDNS_RR_CLASS_IN, 0);
	ldns_pkt2wire(&w, qp, &n);
	memcpy(m, w, n);
	free(w);
	ldns_pkt_free(qp);
	T_EQ(zone_tsig_sign_request(&cli, k, m, &n, sizeof(m), now), 0);
	T_EQ(wire_query_parse(m, n, &q), WQ_OK);
	T_EQ(zone_tsig_verify_request(kr, m, n, &q, now + 2, &srv), 1);
	memcpy(plain, m, q.tsig_off);
	wire_put16(plain + 10, 0);
	for (int i = 0; i < 3; i++) {
		rn[i] = make_response(plain, q.tsig_off, r[i]);
		r[i][rn[i] - 1] = (uint8_t)i; /* distinct messages */
		T_EQ(zone_tsig_sign(&srv, r[i], &rn[i], sizeof(r[i]),
				    now + 3 + (uint64_t)i), 0);
	}
	save = cli;
	for (int i = 0; i < 3; i++)
		T_EQ(zone_tsig_verify_response(&cli, r[i], rn[i], now + 4), 0);
	T_EQ(cli.nmsg, 3);
	/* out of order: message 2 before message 1 fails */
	cli = save;
	T_EQ(zone_tsig_verify_response(&cli, r[0], rn[0], now + 4), 0);
	T_EQ(zone_tsig_verify_response(&cli, r[2], rn[2], now + 4), -1);
	/* a tampered middle message fails */
	cli = save;
	r[1][13] ^= 0x20;
	T_EQ(zone_tsig_verify_response(&cli, r[0], rn[0], now + 4), 0);
	T_EQ(zone_tsig_verify_response(&cli, r[1], rn[1], now + 4), -1);
	/* a stale response fails BADTIME */
	cli = save;
	T_EQ(zone_tsig_verify_response(&cli, r[0], rn[0], now + 1000), -1);
	zone_keyring_free(kr);
}

static const char zone_text[] =
	"$TTL 3600\n"
	"@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n"
	"  IN NS ns1\n"
	"ns1 IN A 192.0.2.1\n"
	"big IN TXT \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"\n"
	"big IN TXT \"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"\n"
	"big IN TXT \"ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\"\n"
	"big IN TXT \"ddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd\"\n";

static zone_db *make_db(void)
{
	char err[256];
	zone_db *db = zone_db_new(NULL);
	zone *z = zone_load_text("example.com", "t", zone_text,
				 strlen(zone_text), NULL, NULL, err,
				 sizeof(err));

	if (!z) {
		printf("  zone: %s\n", err);
		return db;
	}
	zone_db_add_zone(db, z);
	zone_unref(z);
	zone_db_set_keyring(db, ring_with("SHA256", "tk.example"));
	return db;
}

static zone_result handle(zone_db *db, const uint8_t *m, size_t n, int tcp,
			  uint8_t *resp, size_t *rlen, zone_stats *st)
{
	zone_req rq = { .q = m, .qlen = n, .tcp = tcp,
			.now = (uint64_t)time(NULL) };
	zone_effects eff;

	return zone_db_handle(db, &rq, resp, 65535, rlen, &eff, st);
}

/* Signed SOA query through zone_db_handle: signed answer ldns accepts;
 * bad signature: NOTAUTH with an unsigned BADSIG TSIG. */
static void test_dispatch_signed(void)
{
	zone_db *db = make_db();
	static uint8_t resp[65535];
	uint8_t m[1024];
	ldns_rdf *mac = NULL;
	size_t n = ldns_signed_query("tk.example.", "hmac-sha256.",
				     secret_b64, m, &mac), rlen = 0;
	zone_stats st;
	ldns_pkt *p = NULL;

	memset(&st, 0, sizeof(st));
	T_EQ(handle(db, m, n, 0, resp, &rlen, &st), ZONE_REPLY);
	T_EQ(ldns_wire2pkt(&p, resp, rlen), LDNS_STATUS_OK);
	T_EQ(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	T_EQ(ldns_pkt_ancount(p), 1);
	T_CHECK(ldns_pkt_tsig(p) != NULL);
	T_CHECK(ldns_pkt_tsig_verify(p, resp, rlen, "tk.example.",
				     secret_b64, mac));
	ldns_pkt_free(p);
	ldns_rdf_deep_free(mac);
	/* wrong secret */
	n = ldns_signed_query("tk.example.", "hmac-sha256.",
			      "b3RoZXIgc2VjcmV0", m, NULL);
	T_EQ(handle(db, m, n, 0, resp, &rlen, &st), ZONE_REPLY);
	T_EQ(resp[3] & 0xf, DNS_R_NOTAUTH);
	T_EQ(wire_get16(resp + 10), 1);
	/* TSIG rdata ends: mac size 0, orig id, error BADSIG, other len 0 */
	T_EQ(wire_get16(resp + rlen - 8), 0);
	T_EQ(wire_get16(resp + rlen - 4), TSIG_E_BADSIG);
	T_EQ(st.badtsig, 1);
	/* unknown key: BADKEY */
	n = ldns_signed_query("zz.example.", "hmac-sha256.", secret_b64, m,
			      NULL);
	T_EQ(handle(db, m, n, 0, resp, &rlen, &st), ZONE_REPLY);
	T_EQ(resp[3] & 0xf, DNS_R_NOTAUTH);
	T_EQ(wire_get16(resp + rlen - 4), TSIG_E_BADKEY);
	zone_db_free(db);
}

/* A signed UDP answer that does not fit comes back TC and signed. */
static void test_dispatch_signed_truncated(void)
{
	zone_db *db = make_db();
	static uint8_t resp[65535];
	ldns_pkt *p = NULL;
	uint8_t *w = NULL;
	ldns_rdf *mac;
	size_t n = 0, rlen = 0;

	ldns_pkt_query_new_frm_str(&p, "big.example.com.", LDNS_RR_TYPE_TXT,
				   LDNS_RR_CLASS_IN, 0);
	ldns_pkt_tsig_sign(p, "tk.example.", secret_b64, 300, "hmac-sha256.",
			   NULL);
	mac = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(p), 3));
	ldns_pkt2wire(&w, p, &n);
	ldns_pkt_free(p);
	p = NULL;
	T_EQ(handle(db, w, n, 0, resp, &rlen, NULL), ZONE_REPLY);
	T_CHECK(rlen <= 512);
	T_CHECK(resp[2] & 0x02);   /* TC */
	T_EQ(ldns_wire2pkt(&p, resp, rlen), LDNS_STATUS_OK);
	T_CHECK(p && ldns_pkt_tsig_verify(p, resp, rlen, "tk.example.",
					  secret_b64, mac));
	ldns_pkt_free(p);
	p = NULL;
	/* over TCP the full answer, signed */
	T_EQ(handle(db, w, n, 1, resp, &rlen, NULL), ZONE_REPLY);
	T_CHECK(!(resp[2] & 0x02));
	T_EQ(wire_get16(resp + 6), 4);
	T_EQ(ldns_wire2pkt(&p, resp, rlen), LDNS_STATUS_OK);
	T_CHECK(p && ldns_pkt_tsig_verify(p, resp, rlen, "tk.example.",
					  secret_b64, mac));
	ldns_pkt_free(p);
	ldns_rdf_deep_free(mac);
	free(w);
	zone_db_free(db);
}

/* wire_query_parse: tsig_off only for a TSIG that ends the message. */
static void test_wire_tsig_off(void)
{
	uint8_t m[1024];
	size_t n = ldns_signed_query("tk.example.", "hmac-sha256.",
				     secret_b64, m, NULL);
	wire_query q;

	T_EQ(wire_query_parse(m, n, &q), WQ_OK);
	T_CHECK(q.tsig_off > 12 && q.tsig_off < n);
	/* the same record moved to the answer section: FORMERR */
	wire_put16(m + 6, 1);
	wire_put16(m + 10, 0);
	T_EQ(wire_query_parse(m, n, &q), WQ_FORMERR);
	/* unsigned query: zeroed */
	wire_put16(m + 6, 0);
	T_EQ(wire_query_parse(m, 29, &q), WQ_OK);
	T_EQ(q.tsig_off, 0);
}

int main(void)
{
	T_RUN(test_key_parse);
	T_RUN(test_keyring);
	T_RUN(test_verify_ldns_all_algs);
	T_RUN(test_round_trip_all_algs);
	T_RUN(test_verify_errors);
	T_RUN(test_truncation);
	T_RUN(test_sign_response_ldns_verifies);
	T_RUN(test_client_side_ldns);
	T_RUN(test_multi_message_chain);
	T_RUN(test_dispatch_signed);
	T_RUN(test_dispatch_signed_truncated);
	T_RUN(test_wire_tsig_off);
	T_DONE();
}
