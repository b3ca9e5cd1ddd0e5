/* Unit tests for resolver/policy.c: local answers (--domain-needed,
 * --bogus-priv, RFC 6761 localhost/invalid), the --stop-dns-rebind
 * address ranges, and the rebind filter inside the engine (a forwarder
 * reply with a private address is refused and not cached). */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/t.h"
#include "resolver/res_int.h"

static uint8_t resp[65536];
static size_t rlen;

/* A query for name/type (RD, optional EDNS with DO). */
static size_t mkq(uint8_t *buf, const char *name, uint16_t type, int edns,
		  int dobit)
{
	uint8_t w[WIRE_MAXNAME];
	int n = wire_name_from_str(name, w);
	size_t p = 12;

	memset(buf, 0, 12);
	wire_put16(buf, 0x1234);
	wire_put16(buf + 2, DNS_F_RD);
	wire_put16(buf + 4, 1);
	memcpy(buf + p, w, (size_t)n);
	p += (size_t)n;
	wire_put16(buf + p, type);
	wire_put16(buf + p + 2, DNS_C_IN);
	p += 4;
	if (edns) {
		wire_put16(buf + 10, 1);
		buf[p++] = 0;
		wire_put16(buf + p, DNS_T_OPT);
		wire_put16(buf + p + 2, 1232);
		wire_put32(buf + p + 4, dobit ? EDNS_F_DO : 0);
		wire_put16(buf + p + 8, 0);
		p += 10;
	}
	return p;
}

/* res_policy_answer for name/type: 1 answered (reply in resp). */
static int pol(const res_cfg *cfg, const char *name, uint16_t type)
{
	uint8_t q[512];
	size_t ql = mkq(q, name, type, 0, 0);
	wire_query wq;

	if (wire_query_parse(q, ql, &wq) != WQ_OK)
		return -1;
	return res_policy_answer(cfg, &wq, resp, sizeof(resp), &rlen);
}

static int rcode(void) { return wire_get16(resp + 2) & 0xf; }
static int aa(void) { return (wire_get16(resp + 2) & DNS_F_AA) != 0; }
static int an(void) { return wire_get16(resp + 6); }
static int ns(void) { return wire_get16(resp + 8); }

/* Type of the first RR after the question (answer or authority). */
static uint16_t first_rr_type(void)
{
	size_t p = 12;

	while (resp[p] && p < rlen)
		p += 1u + resp[p];
	p += 5;
	p += (resp[p] & 0xc0) == 0xc0 ? 2 : 0;   /* compressed owner */
	return p + 2 <= rlen ? wire_get16(resp + p) : 0;
}

static void test_domain_needed(void)
{
	res_cfg c = { .domain_needed = 1 };
	res_cfg off = { .domain_needed = 0 };

	T_EQ(pol(&c, "printer", DNS_T_A), 1);
	T_EQ(rcode(), DNS_R_NXDOMAIN);
	T_EQ(aa(), 0);
	T_EQ(an(), 0);
	T_EQ(ns(), 0);
	T_CHECK(wire_get16(resp + 2) & DNS_F_RD);
	T_EQ(wire_get16(resp), 0x1234);
	T_EQ(pol(&c, "printer", DNS_T_AAAA), 1);
	T_EQ(pol(&c, "printer", DNS_T_ANY), 1);
	/* other types of plain names go upstream (com NS, com DS) */
	T_EQ(pol(&c, "com", DNS_T_NS), 0);
	T_EQ(pol(&c, "com", DNS_T_DS), 0);
	T_EQ(pol(&c, "printer.lan", DNS_T_A), 0);
	T_EQ(pol(&c, ".", DNS_T_A), 0);
	T_EQ(pol(&off, "printer", DNS_T_A), 0);
}

static void test_bogus_priv_zones(void)
{
	res_cfg c = { .bogus_priv = 1 };
	static const char *in[] = {
		"1.1.168.192.in-addr.arpa", "5.0.0.10.in-addr.arpa",
		"1.0.16.172.in-addr.arpa", "1.0.31.172.in-addr.arpa",
		"1.0.0.127.in-addr.arpa", "0.0.0.0.in-addr.arpa",
		"1.1.254.169.in-addr.arpa", "1.2.0.192.in-addr.arpa",
		"1.100.51.198.in-addr.arpa", "1.113.0.203.in-addr.arpa",
		"255.255.255.255.in-addr.arpa", "1.1.64.100.in-addr.arpa",
		"1.1.127.100.in-addr.arpa", "x.home.arpa", "home.arpa",
		"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
		"d.f.ip6.arpa", "0.8.e.f.ip6.arpa", "b.e.f.ip6.arpa",
		"8.b.d.0.1.0.0.2.ip6.arpa",
		"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
		"0.ip6.arpa",
		"0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
		"0.ip6.arpa",
		NULL };
	static const char *out[] = {
		"1.0.15.172.in-addr.arpa", "1.0.32.172.in-addr.arpa",
		"8.8.8.8.in-addr.arpa", "1.1.63.100.in-addr.arpa",
		"1.1.168.193.in-addr.arpa", "1.1.168.0192.in-addr.arpa",
		"in-addr.arpa", "c.e.f.ip6.arpa", "c.f.ip6.arpa",
		"2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
		"0.ip6.arpa", "example.arpa", "1.1.168.192.example", NULL };

	for (int i = 0; in[i]; i++) {
		T_EQ(pol(&c, in[i], DNS_T_PTR), 1);
		T_EQ(aa(), 1);
		T_EQ(ns(), 1);
		T_EQ(first_rr_type(), DNS_T_SOA);
	}
	for (int i = 0; out[i]; i++)
		T_EQ(pol(&c, out[i], DNS_T_PTR), 0);
	c.bogus_priv = 0;
	T_EQ(pol(&c, "1.1.168.192.in-addr.arpa", DNS_T_PTR), 0);
	T_EQ(pol(&c, "x.home.arpa", DNS_T_A), 0);
}

static void test_bogus_priv_answers(void)
{
	res_cfg c = { .bogus_priv = 1 };
	char soa[512];
	uint8_t owner[WIRE_MAXNAME];
	size_t p = 12;

	/* below the apex: NXDOMAIN, any type, SOA of the apex */
	T_EQ(pol(&c, "1.1.168.192.in-addr.arpa", DNS_T_PTR), 1);
	T_EQ(rcode(), DNS_R_NXDOMAIN);
	T_EQ(an(), 0);
	while (resp[p])
		p += 1u + resp[p];
	p += 5;
	T_CHECK(wire_name_read(resp, rlen, &p, owner) >= 0);
	wire_name_to_str(owner, soa, sizeof(soa));
	T_CHECK(strcmp(soa, "168.192.in-addr.arpa.") == 0);
	T_EQ(wire_get32(resp + p + 4), 10800);           /* TTL */
	T_EQ(wire_get32(resp + rlen - 4), 10800);        /* SOA minimum */
	T_EQ(pol(&c, "1.1.168.192.in-addr.arpa", DNS_T_A), 1);
	T_EQ(rcode(), DNS_R_NXDOMAIN);
	/* at the apex: NODATA, the SOA and NS exist */
	T_EQ(pol(&c, "168.192.in-addr.arpa", DNS_T_PTR), 1);
	T_EQ(rcode(), DNS_R_NOERROR);
	T_EQ(an(), 0);
	T_EQ(ns(), 1);
	T_EQ(pol(&c, "168.192.in-addr.arpa", DNS_T_SOA), 1);
	T_EQ(rcode(), DNS_R_NOERROR);
	T_EQ(an(), 1);
	T_EQ(ns(), 0);
	T_EQ(first_rr_type(), DNS_T_SOA);
	T_EQ(pol(&c, "10.in-addr.arpa", DNS_T_NS), 1);
	T_EQ(an(), 1);
	T_EQ(first_rr_type(), DNS_T_NS);
	/* the apex DS is the parent's: resolved */
	T_EQ(pol(&c, "168.192.in-addr.arpa", DNS_T_DS), 0);
	T_EQ(pol(&c, "1.168.192.in-addr.arpa", DNS_T_DS), 1);
}

static void test_forward_rule_wins(void)
{
	res_addr srv = { .af = 4, .addr = { 192, 0, 2, 53 }, .port = 53 };
	res_forward fw[2];
	res_cfg c = { .bogus_priv = 1, .domain_needed = 1, .forwards = fw,
		      .nforwards = 1 };

	memset(fw, 0, sizeof(fw));
	fw[0].servers = &srv;           /* root: all names */
	fw[0].nservers = 1;
	T_EQ(pol(&c, "1.1.168.192.in-addr.arpa", DNS_T_PTR), 1);
	T_EQ(pol(&c, "printer", DNS_T_A), 1);
	wire_name_from_str("168.192.in-addr.arpa", fw[1].domain);
	fw[1].servers = &srv;
	fw[1].nservers = 1;
	c.nforwards = 2;
	T_EQ(pol(&c, "1.1.168.192.in-addr.arpa", DNS_T_PTR), 0);
	T_EQ(pol(&c, "1.0.0.10.in-addr.arpa", DNS_T_PTR), 1);
	wire_name_from_str("printer", fw[1].domain);
	T_EQ(pol(&c, "printer", DNS_T_A), 0);
}

static void test_localhost_invalid(void)
{
	res_cfg c = { .edns_max = 1232 };
	uint8_t q[512];
	size_t ql;
	wire_query wq;

	T_EQ(pol(&c, "localhost", DNS_T_A), 1);
	T_EQ(rcode(), DNS_R_NOERROR);
	T_EQ(an(), 1);
	T_EQ(aa(), 1);
	T_CHECK(memcmp(resp + rlen - 4, "\x7f\0\0\x01", 4) == 0);
	T_EQ(pol(&c, "www.LocalHost", DNS_T_AAAA), 1);
	T_EQ(an(), 1);
	T_EQ(resp[rlen - 1], 1);
	T_EQ(resp[rlen - 2], 0);
	T_EQ(pol(&c, "localhost", DNS_T_ANY), 1);
	T_EQ(an(), 2);
	T_EQ(pol(&c, "localhost", DNS_T_MX), 1);
	T_EQ(rcode(), DNS_R_NOERROR);
	T_EQ(an(), 0);
	T_EQ(ns(), 1);
	T_EQ(pol(&c, "foo.invalid", DNS_T_A), 1);
	T_EQ(rcode(), DNS_R_NXDOMAIN);
	T_EQ(pol(&c, "invalid", DNS_T_SOA), 1);
	T_EQ(rcode(), DNS_R_NXDOMAIN);
	T_EQ(pol(&c, "localhost.example", DNS_T_A), 0);
	/* EDNS: OPT echoed with the DO bit */
	ql = mkq(q, "localhost", DNS_T_A, 1, 1);
	T_EQ(wire_query_parse(q, ql, &wq), WQ_OK);
	T_EQ(res_policy_answer(&c, &wq, resp, sizeof(resp), &rlen), 1);
	T_EQ(wire_get16(resp + 10), 1);
	T_EQ(wire_get16(resp + rlen - 11 + 1), DNS_T_OPT);
	T_EQ(wire_get16(resp + rlen - 11 + 7), EDNS_F_DO);
}

static int prv(const res_cfg *c, const char *ip)
{
	uint8_t a[16];

	if (inet_pton(AF_INET6, ip, a) == 1)
		return res_policy_private_addr(c, DNS_T_AAAA, a, 16);
	if (inet_pton(AF_INET, ip, a) == 1)
		return res_policy_private_addr(c, DNS_T_A, a, 4);
	return -1;
}

static void test_private_ranges(void)
{
	res_cfg c = { .stop_rebind = 1 };
	static const char *priv[] = {
		"10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.255",
		"192.168.1.1", "169.254.0.1", "127.0.0.1", "127.255.0.1",
		"0.0.0.0", "0.1.2.3", "192.0.2.1", "198.51.100.1",
		"203.0.113.9", "255.255.255.255", "fd00::1", "fc00::1",
		"fe80::1", "febf::1", "fec0::1", "2001:db8::1", "::1", "::",
		"::ffff:192.168.1.1", "::ffff:10.0.0.1", NULL };
	static const char *pub[] = {
		"8.8.8.8", "172.15.255.255", "172.32.0.1", "192.169.0.1",
		"11.0.0.1", "100.64.0.1", "1.1.1.1", "192.0.3.1",
		"255.255.255.254", "2001:4860::8888", "2001:db9::1",
		"fbff::1", "ff02::1", "::2", "::ffff:8.8.8.8", NULL };
	static const char *lo[] = {
		"127.0.0.1", "0.0.0.0", "::1", "::", "::ffff:127.0.0.1",
		NULL };
	uint8_t a4[4] = { 10, 0, 0, 1 };

	for (int i = 0; priv[i]; i++)
		if (prv(&c, priv[i]) != 1) {
			printf("  not private: %s\n", priv[i]);
			T_CHECK(0);
		}
	for (int i = 0; pub[i]; i++)
		if (prv(&c, pub[i]) != 0) {
			printf("  private: %s\n", pub[i]);
			T_CHECK(0);
		}
	c.rebind_localhost_ok = 1;
	for (int i = 0; lo[i]; i++)
		T_EQ(prv(&c, lo[i]), 0);
	T_EQ(prv(&c, "10.0.0.1"), 1);
	/* only A/AAAA rdata of the right length */
	T_EQ(res_policy_private_addr(&c, DNS_T_TXT, a4, 4), 0);
	T_EQ(res_policy_private_addr(&c, DNS_T_A, a4, 3), 0);
}

static void test_rebind_ok(void)
{
	uint8_t names[2 * WIRE_MAXNAME], w[WIRE_MAXNAME];
	res_cfg c = { .stop_rebind = 1, .rebind_ok = names };
	size_t n = 0;

	T_EQ(res_policy_rebind_ok(&c, (const uint8_t *)"\3www\3lan"), 0);
	n += (size_t)wire_name_from_str("lan", names + n);
	n += (size_t)wire_name_from_str("corp.example", names + n);
	c.rebind_ok_len = n;
	wire_name_from_str("www.lan", w);
	T_EQ(res_policy_rebind_ok(&c, w), 1);
	wire_name_from_str("lan", w);
	T_EQ(res_policy_rebind_ok(&c, w), 1);
	wire_name_from_str("a.b.corp.example", w);
	T_EQ(res_policy_rebind_ok(&c, w), 1);
	wire_name_from_str("example", w);
	T_EQ(res_policy_rebind_ok(&c, w), 0);
	wire_name_from_str("xlan", w);
	T_EQ(res_policy_rebind_ok(&c, w), 0);
}

/* ---- the engine: a forwarder reply with a private address ---- */

static int rebind_calls;
static uint8_t rebind_name[WIRE_MAXNAME];

static void on_rebind(void *arg, const uint8_t *lname)
{
	(void)arg;
	rebind_calls++;
	memcpy(rebind_name, lname, wire_name_len(lname));
}

/* Ask name/A; the forwarder answers with addr.  Returns the client's
 * reply in resp (length rlen); *sent: upstream queries made. */
static void ask_fwd(res_ctx *r, const char *name, const uint8_t addr[4],
		    int *sent)
{
	uint8_t q[512], up[1024];
	size_t ql = mkq(q, name, DNS_T_A, 1, 0);
	res_action a;
	res_result rr;
	size_t p;

	*sent = 0;
	rlen = 0;
	rr = res_query(r, q, ql, 0, 1000, resp, sizeof(resp), &rlen, 7);
	if (rr == RES_ANSWERED)
		return;
	while (res_next_action(r, &a) != RES_ACT_NONE) {
		if (a.kind == RES_ACT_ANSWER) {
			memcpy(resp, a.msg, a.len);
			rlen = a.len;
			continue;
		}
		/* the question as sent (0x20 case kept), one A record */
		(*sent)++;
		p = 12;
		while (a.msg[p])
			p += 1u + a.msg[p];
		p += 5;
		memcpy(up, a.msg, p);
		wire_put16(up + 2, DNS_F_QR | DNS_F_RD | DNS_F_RA);
		wire_put16(up + 6, 1);
		wire_put16(up + 8, 0);
		wire_put16(up + 10, 0);
		wire_put16(up + p, 0xc00c);
		wire_put16(up + p + 2, DNS_T_A);
		wire_put16(up + p + 4, DNS_C_IN);
		wire_put32(up + p + 6, 300);
		wire_put16(up + p + 10, 4);
		memcpy(up + p + 12, addr, 4);
		res_on_reply(r, a.txn, up, p + 16, 1000);
	}
}

/* Offset just past the RR (or question when q) at p. */
static size_t skip_rr(size_t p, int q)
{
	while (p < rlen && resp[p] && (resp[p] & 0xc0) != 0xc0)
		p += 1u + resp[p];
	p += p < rlen && resp[p] ? 2 : 1;
	if (q)
		return p + 4;
	return p + 10 + (p + 10 <= rlen ? wire_get16(resp + p + 8) : 0);
}

/* The EDE info code in the reply's OPT, 0xffff if none. */
static uint16_t ede_of(void)
{
	size_t p = skip_rr(12, 1), end;
	int n = an() + ns();

	while (n-- > 0)
		p = skip_rr(p, 0);
	if (wire_get16(resp + 10) != 1 || p + 11 > rlen ||
	    wire_get16(resp + p + 1) != DNS_T_OPT)
		return 0xffff;
	end = p + 11 + wire_get16(resp + p + 9);
	for (p += 11; p + 4 <= end && end <= rlen;
	     p += 4u + wire_get16(resp + p + 2))
		if (wire_get16(resp + p) == 15 && p + 6 <= end)
			return wire_get16(resp + p + 4);
	return 0xffff;
}

static void test_engine_rebind(void)
{
	static const uint8_t priv[4] = { 192, 168, 1, 1 };
	static const uint8_t pub[4] = { 93, 184, 216, 34 };
	res_addr srv = { .af = 4, .addr = { 192, 0, 2, 53 }, .port = 53 };
	uint8_t okname[WIRE_MAXNAME];
	res_forward fw;
	res_cfg c;
	char err[256];
	res_ctx *r;
	int sent;

	memset(&fw, 0, sizeof(fw));
	fw.servers = &srv;
	fw.nservers = 1;
	memset(&c, 0, sizeof(c));
	c.forwards = &fw;
	c.nforwards = 1;
	c.qname_min = 1;
	c.stop_rebind = 1;
	c.on_rebind = on_rebind;
	c.rebind_ok = okname;
	c.rebind_ok_len = (size_t)wire_name_from_str("ok.example", okname);
	r = res_new(&c, err, sizeof(err));
	T_CHECK(r != NULL);
	if (!r)
		return;
	ask_fwd(r, "evil.example", priv, &sent);
	T_EQ(sent, 1);
	T_CHECK(rlen > 12);
	T_EQ(wire_get16(resp + 2) & 0xf, DNS_R_NOERROR);
	T_EQ(an(), 0);
	T_EQ(ede_of(), EDE_BLOCKED);
	T_EQ(res_get_stats(r)->rebind_blocked, 1);
	T_EQ(rebind_calls, 1);
	T_CHECK(wire_name_equal(rebind_name,
				(const uint8_t *)"\4evil\7example"));
	/* nothing was cached: the next query goes upstream again */
	ask_fwd(r, "evil.example", priv, &sent);
	T_EQ(sent, 1);
	T_EQ(an(), 0);
	T_EQ(res_get_stats(r)->rebind_blocked, 2);
	/* a public address passes */
	ask_fwd(r, "good.example", pub, &sent);
	T_EQ(sent, 1);
	T_EQ(an(), 1);
	T_EQ(ede_of(), 0xffff);
	/* a --rebind-domain-ok domain passes */
	ask_fwd(r, "www.ok.example", priv, &sent);
	T_EQ(an(), 1);
	T_EQ(res_get_stats(r)->rebind_blocked, 2);
	res_free(r);
	/* without --stop-dns-rebind the private address is answered */
	c.stop_rebind = 0;
	r = res_new(&c, err, sizeof(err));
	T_CHECK(r != NULL);
	if (!r)
		return;
	ask_fwd(r, "evil.example", priv, &sent);
	T_EQ(an(), 1);
	res_free(r);
}

static void test_engine_policy(void)
{
	res_addr srv = { .af = 4, .addr = { 192, 0, 2, 53 }, .port = 53 };
	res_forward fw;
	res_cfg c;
	char err[256];
	res_ctx *r;
	uint8_t q[512];
	size_t ql;

	memset(&fw, 0, sizeof(fw));
	fw.servers = &srv;
	fw.nservers = 1;
	memset(&c, 0, sizeof(c));
	c.forwards = &fw;
	c.nforwards = 1;
	c.bogus_priv = 1;
	c.domain_needed = 1;
	r = res_new(&c, err, sizeof(err));
	T_CHECK(r != NULL);
	if (!r)
		return;
	ql = mkq(q, "1.1.168.192.in-addr.arpa", DNS_T_PTR, 0, 0);
	T_EQ(res_query(r, q, ql, 0, 1000, resp, sizeof(resp), &rlen, 1),
	     RES_ANSWERED);
	T_EQ(rcode(), DNS_R_NXDOMAIN);
	ql = mkq(q, "printer", DNS_T_A, 0, 0);
	T_EQ(res_query(r, q, ql, 0, 1000, resp, sizeof(resp), &rlen, 1),
	     RES_ANSWERED);
	T_EQ(rcode(), DNS_R_NXDOMAIN);
	T_EQ(res_get_stats(r)->policy_answers, 2);
	T_EQ(res_get_stats(r)->upstream_queries, 0);
	ql = mkq(q, "printer", DNS_T_MX, 0, 0);
	T_EQ(res_query(r, q, ql, 0, 1000, resp, sizeof(resp), &rlen, 1),
	     RES_PENDING);
	res_free(r);
}

/* --bogus-nxdomain, --ignore-address, --filter-A/-AAAA (dnsmasq). */
static void test_engine_answer_policy(void)
{
	static const uint8_t bogus[4] = { 198, 51, 100, 77 };
	static const uint8_t pub[4] = { 93, 184, 216, 34 };
	res_addr srv = { .af = 4, .addr = { 192, 0, 2, 53 }, .port = 53 };
	res_net nets[2] = {
		{ .af = 4, .prefix = 24, .addr = { 198, 51, 100 } },
		{ .af = 4, .prefix = 32, .addr = { 93, 184, 216, 34 } },
	};
	res_forward fw;
	res_cfg c;
	char err[256];
	res_ctx *r;
	uint8_t q[512];
	size_t ql;
	int sent;

	memset(&fw, 0, sizeof(fw));
	fw.servers = &srv;
	fw.nservers = 1;
	memset(&c, 0, sizeof(c));
	c.forwards = &fw;
	c.nforwards = 1;
	c.bogus_nx = nets;
	c.nbogus_nx = 1;
	c.ignore_addr = nets + 1;
	c.nignore_addr = 1;
	c.filter_aaaa = 1;
	r = res_new(&c, err, sizeof(err));
	T_CHECK(r != NULL);
	if (!r)
		return;
	ask_fwd(r, "ad.example", bogus, &sent);
	T_EQ(sent, 1);
	T_EQ(rcode(), DNS_R_NXDOMAIN);
	T_EQ(an(), 0);
	T_EQ(ede_of(), EDE_BLOCKED);
	ask_fwd(r, "ad.example", bogus, &sent);   /* not cached */
	T_EQ(sent, 1);
	T_EQ(res_get_stats(r)->bogus_nxdomain, 2);
	/* the ignored reply is dropped: no answer, the query waits */
	ask_fwd(r, "forged.example", pub, &sent);
	T_EQ(sent, 1);
	T_EQ(rlen, 0);
	T_EQ(res_get_stats(r)->ignored_replies, 1);
	/* AAAA never goes upstream: NODATA, EDE 17 */
	ql = mkq(q, "v6.example", DNS_T_AAAA, 1, 0);
	T_EQ(res_query(r, q, ql, 0, 1000, resp, sizeof(resp), &rlen, 1),
	     RES_ANSWERED);
	T_EQ(rcode(), DNS_R_NOERROR);
	T_EQ(an(), 0);
	T_EQ(ede_of(), EDE_FILTERED);
	ql = mkq(q, "v4.example", DNS_T_A, 1, 0);
	T_EQ(res_query(r, q, ql, 0, 1000, resp, sizeof(resp), &rlen, 1),
	     RES_PENDING);
	res_free(r);
	/* --filterwin2k: SOA, SRV, ANY _name answered NODATA, no EDE */
	memset(&c, 0, sizeof(c));
	c.forwards = &fw;
	c.nforwards = 1;
	c.filterwin2k = 1;
	r = res_new(&c, err, sizeof(err));
	T_CHECK(r != NULL);
	if (!r)
		return;
	ql = mkq(q, "example", DNS_T_SOA, 1, 0);
	T_EQ(res_query(r, q, ql, 0, 1000, resp, sizeof(resp), &rlen, 1),
	     RES_ANSWERED);
	T_EQ(rcode(), DNS_R_NOERROR);
	T_EQ(an(), 0);
	T_EQ(ede_of(), 0xffff);
	ql = mkq(q, "_ldap.example", DNS_T_ANY, 1, 0);
	T_EQ(res_query(r, q, ql, 0, 1000, resp, sizeof(resp), &rlen, 1),
	     RES_ANSWERED);
	ql = mkq(q, "ldap.example", DNS_T_ANY, 1, 0);
	T_EQ(res_query(r, q, ql, 0, 1000, resp, sizeof(resp), &rlen, 1),
	     RES_PENDING);
	res_free(r);
}

/* --alias: single address, masked subnet, range (dnsmasq's examples). */
static void test_alias_doctor(void)
{
	static const uint8_t rr[][4] = {
		{ 1, 2, 3, 56 }, { 192, 168, 0, 20 }, { 192, 168, 0, 41 },
		{ 9, 9, 9, 9 },
	};
	static const uint8_t want[][4] = {
		{ 6, 7, 8, 56 }, { 10, 0, 0, 20 }, { 192, 168, 0, 41 },
		{ 5, 5, 5, 5 },
	};
	res_alias al[3] = {
		{ .lo = { 1, 2, 3, 0 }, .to = { 6, 7, 8, 0 },
		  .mask = { 255, 255, 255, 0 } },
		{ .lo = { 192, 168, 0, 10 }, .hi = { 192, 168, 0, 40 },
		  .to = { 10, 0, 0, 0 }, .mask = { 255, 255, 255, 0 },
		  .range = 1 },
		{ .lo = { 9, 9, 9, 9 }, .to = { 5, 5, 5, 5 },
		  .mask = { 255, 255, 255, 255 } },
	};
	static res_msg m;
	res_cfg c;

	memset(&c, 0, sizeof(c));
	c.aliases = al;
	c.naliases = 3;
	memset(&m, 0, sizeof(m));
	m.nrr = 4;
	for (size_t i = 0; i < 4; i++) {
		m.rr[i].sec = RR_SEC_AN;
		m.rr[i].type = DNS_T_A;
		m.rr[i].rdlen = 4;
		m.rr[i].rd = 4 * i;
		memcpy(m.buf + 4 * i, rr[i], 4);
	}
	res_policy_doctor(&c, &m);
	for (size_t i = 0; i < 4; i++)
		T_CHECK(memcmp(m.buf + 4 * i, want[i], 4) == 0);
}

int main(void)
{
	T_RUN(test_domain_needed);
	T_RUN(test_bogus_priv_zones);
	T_RUN(test_bogus_priv_answers);
	T_RUN(test_forward_rule_wins);
	T_RUN(test_localhost_invalid);
	T_RUN(test_private_ranges);
	T_RUN(test_rebind_ok);
	T_RUN(test_engine_rebind);
	T_RUN(test_engine_policy);
	T_RUN(test_engine_answer_policy);
	T_RUN(test_alias_doctor);
	T_DONE();
}
