/* Unit tests for the resolver engine (resolver.c and the parts res_int.h
 * lists, servers.c) through its public API: a fake internet of
 * authoritative servers built from zones/ (zone_db per address) answers
 * the engine's SEND actions; a fake clock drives the timeouts. */
#include <stdlib.h>
#include <string.h>
#include <ldns/ldns.h>

#include "tests/unit/t.h"
#include "resolver/resolver.h"
#include "resolver/servers.h"
#include "resolver/cookie.h"

static const char z_root[] =
	"$ORIGIN .\n$TTL 86400\n"
	"@ SOA a.root-servers.test. h.test. 1 2 3 4 3600\n"
	"@ NS a.root-servers.test.\n"
	"a.root-servers.test. A 192.0.2.1\n"
	"com. NS ns.com.\nns.com. A 192.0.2.2\n"
	"net. NS ns.net.\nns.net. A 192.0.2.3\n"
	"org. NS ns1.org.\norg. NS ns2.org.\n"
	"ns1.org. A 192.0.2.10\nns2.org. A 192.0.2.11\n"
	"test. NS a.root-servers.test.\n";

static const char z_com[] =
	"$ORIGIN com.\n$TTL 86400\n"
	"@ SOA ns h 1 2 3 4 900\n@ NS ns\nns A 192.0.2.2\n"
	"example NS ns1.example\nns1.example A 192.0.2.4\n"
	"glueless NS ns.example.net.\n"
	"lame NS ns.lame\nns.lame A 192.0.2.8\n"
	"big NS ns.big\nns.big A 192.0.2.4\n"
	"mixed NS ns.mixed\nns.mixed A 192.0.2.12\n"
	"mixed NS ns.example.net.\n"
	"split NS ns.split\nns.split A 192.0.2.13\n";

/* split.com.'s own NS set names a server where nothing answers (.14);
 * the parent's delegation (ns.split.com at .13) works. */
static const char z_split[] =
	"$ORIGIN split.com.\n$TTL 3600\n"
	"@ SOA ns9 h 1 2 3 4 300\n@ NS ns9\nns9 A 192.0.2.14\n"
	"www A 192.0.2.85\nother A 192.0.2.86\n";

static const char z_net[] =
	"$ORIGIN net.\n$TTL 86400\n"
	"@ SOA ns h 1 2 3 4 900\n@ NS ns\nns A 192.0.2.3\n"
	"example NS ns.example\nns.example A 192.0.2.5\n";

static const char z_example_com[] =
	"$ORIGIN example.com.\n$TTL 3600\n"
	"@ SOA ns1 h 1 2 3 4 300\n@ NS ns1\nns1 A 192.0.2.4\n"
	"www A 192.0.2.80\n"
	"alias CNAME www.example.net.\n"
	"inzone CNAME www\n"
	"a.b.c A 192.0.2.99\n"
	"dn DNAME example.net.\n"
	"loop1 CNAME loop2\nloop2 CNAME loop1\n";

static const char z_example_net[] =
	"$ORIGIN example.net.\n$TTL 3600\n"
	"@ SOA ns h 1 2 3 4 300\n@ NS ns\nns A 192.0.2.5\n"
	"www A 192.0.2.81\n";

static const char z_glueless[] =
	"$ORIGIN glueless.com.\n$TTL 3600\n"
	"@ SOA ns.example.net. h 1 2 3 4 300\n@ NS ns.example.net.\n"
	"www A 192.0.2.82\n";

static const char z_mixed[] =
	"$ORIGIN mixed.com.\n$TTL 3600\n"
	"@ SOA ns h 1 2 3 4 300\n@ NS ns\n@ NS ns.example.net.\n"
	"ns A 192.0.2.12\nwww A 192.0.2.84\n";

static const char z_org[] =
	"$ORIGIN org.\n$TTL 3600\n"
	"@ SOA ns1 h 1 2 3 4 300\n@ NS ns1\n@ NS ns2\n"
	"ns1 A 192.0.2.10\nns2 A 192.0.2.11\n"
	"www.example A 192.0.2.83\n";

/* A forwarder: one big zone answering for everything. */
static const char z_fwd[] =
	"$ORIGIN .\n$TTL 600\n"
	"@ SOA fwd.test. h.test. 1 2 3 4 60\n@ NS fwd.test.\n"
	"fwd.test. A 192.0.2.50\n"
	"www.example.com. A 198.51.100.1\n"
	"www.corp. A 198.51.100.2\n";

static const char z_fwd2[] =
	"$ORIGIN corp.\n$TTL 600\n"
	"@ SOA ns h 1 2 3 4 60\n@ NS ns\nns A 192.0.2.51\n"
	"www A 198.51.100.3\n";

static const char hints[] =
	"; test root\n. 3600000 NS a.root-servers.test.\n"
	"a.root-servers.test. 3600000 A 192.0.2.1\n";

enum { NSRV = 16, NLOG = 256, NANS = 8 };

typedef struct fsrv {
	res_addr addr;
	zone_db *db;
	int drop;          /* drop this many queries */
	int lower;         /* lowercase the question in replies */
	int dname;         /* answer www.dn.example.com with a DNAME */
	int evil;          /* referrals carry out-of-bailiwick glue */
	int refuse_ent;    /* REFUSED for names of 3-4 labels */
} fsrv;

typedef struct qlog {
	uint8_t last;      /* last octet of the server */
	char qname[256];
	uint16_t qtype, flags;
	uint8_t tcp;
} qlog;

typedef struct fnet {
	fsrv srv[NSRV];
	int nsrv;
	qlog log[NLOG];
	int nlog;
	int spoof;         /* deliver spoofed copies first */
	uint64_t now;
	uint8_t ans[NANS][65536];
	size_t anslen[NANS];
	int nans;
	uint32_t seed;
} fnet;

static void fake_random(void *arg, void *buf, size_t len)
{
	fnet *n = arg;
	uint8_t *p = buf;

	for (size_t i = 0; i < len; i++) {
		n->seed = n->seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(n->seed >> 16);
	}
}

static zone *load(const char *origin, const char *text)
{
	char err[256];
	zone *z = zone_load_text(origin, "test", text, strlen(text), NULL,
				 NULL, err, sizeof(err));

	if (!z)
		printf("  zone %s: %s\n", origin, err);
	return z;
}

static fsrv *add_srv(fnet *n, uint8_t last, const char *o1, const char *t1,
		     const char *o2, const char *t2)
{
	zone_db_opts opts = { .edns_max = 1232 };
	fsrv *s = &n->srv[n->nsrv++];
	zone *z;

	memset(s, 0, sizeof(*s));
	s->addr.af = 4;
	s->addr.port = 53;
	s->addr.addr[0] = 192;
	s->addr.addr[2] = 2;
	s->addr.addr[3] = last;
	s->db = zone_db_new(&opts);
	if (o1 && (z = load(o1, t1)) != NULL) {
		zone_db_add_zone(s->db, z);
		zone_unref(z);
	}
	if (o2 && (z = load(o2, t2)) != NULL) {
		zone_db_add_zone(s->db, z);
		zone_unref(z);
	}
	return s;
}

static void net_init(fnet *n)
{
	memset(n, 0, sizeof(*n));
	n->seed = 42;
	n->now = 1700000000000ull;
	add_srv(n, 1, ".", z_root, NULL, NULL);
	add_srv(n, 2, "com.", z_com, NULL, NULL);
	add_srv(n, 3, "net.", z_net, NULL, NULL);
	add_srv(n, 4, "example.com.", z_example_com, NULL, NULL);
	add_srv(n, 5, "example.net.", z_example_net, "glueless.com.",
		z_glueless);
	add_srv(n, 8, NULL, NULL, NULL, NULL);          /* lame: REFUSED */
	{
		zone *z = load("mixed.com.", z_mixed);

		if (z) {
			zone_db_add_zone(n->srv[4].db, z);
			zone_unref(z);
		}
	}
	add_srv(n, 10, "org.", z_org, NULL, NULL);
	add_srv(n, 11, "org.", z_org, NULL, NULL);
	add_srv(n, 50, ".", z_fwd, NULL, NULL);
	add_srv(n, 51, "corp.", z_fwd2, NULL, NULL);
}

static void net_free(fnet *n)
{
	for (int i = 0; i < n->nsrv; i++)
		zone_db_free(n->srv[i].db);
}

static fsrv *find_srv(fnet *n, const res_addr *a)
{
	for (int i = 0; i < n->nsrv; i++)
		if (res_addr_equal(&n->srv[i].addr, a))
			return &n->srv[i];
	return NULL;
}

static void log_query(fnet *n, const res_action *a)
{
	qlog *l;
	size_t pos = 12;
	uint8_t name[WIRE_MAXNAME];

	if (n->nlog >= NLOG || a->len < 12)
		return;
	l = &n->log[n->nlog++];
	memset(l, 0, sizeof(*l));
	l->last = a->server.addr[3];
	l->flags = wire_get16(a->msg + 2);
	l->tcp = a->transport == RES_T_TCP;
	if (wire_name_read(a->msg, a->len, &pos, name) > 0) {
		wire_name_to_str(name, l->qname, sizeof(l->qname));
		l->qtype = wire_get16(a->msg + pos);
	}
	if (getenv("TR_DEBUG"))
		printf("  sent to .%u: %s %u%s\n", l->last, l->qname, l->qtype,
		       l->tcp ? " tcp" : "");
}

static void lower_question(uint8_t *m, size_t len)
{
	for (size_t i = 12; i < len && m[i]; i += (size_t)m[i] + 1)
		for (size_t k = i + 1; k <= i + m[i] && k < len; k++)
			if (m[k] >= 'A' && m[k] <= 'Z')
				m[k] |= 0x20;
}

/* zones/ does not synthesize from DNAME: a hand-made RFC 6672 answer. */
static size_t dname_reply(const uint8_t *q, size_t qlen, uint8_t *resp)
{
	uint8_t qn[WIRE_MAXNAME], want[WIRE_MAXNAME], o[WIRE_MAXNAME],
		t[WIRE_MAXNAME], rd[WIRE_MAXNAME + 2];
	size_t pos = 12;
	wire_writer w;

	wire_name_from_str("www.dn.example.com", want);
	if (wire_name_read(q, qlen, &pos, qn) < 0 ||
	    !wire_name_equal(qn, want))
		return 0;
	wire_writer_init(&w, resp, 65535, 65535);
	wire_write(&w, q, pos + 4);
	wire_put16(resp + 2, DNS_F_QR | DNS_F_AA);
	wire_put16(resp + 6, 2);
	wire_put16(resp + 10, 0);
	wire_name_from_str("dn.example.com", o);
	wire_name_from_str("example.net", t);
	wire_write_rr(&w, o, DNS_T_DNAME, DNS_C_IN, 3600, t,
		      (uint16_t)wire_name_len(t), NULL);
	wire_name_from_str("www.example.net", rd);
	wire_write_rr(&w, qn, DNS_T_CNAME, DNS_C_IN, 3600, rd,
		      (uint16_t)wire_name_len(rd), NULL);
	return w.len;
}

/* sig.example.com A with an RRSIG (zones/ does not serve signatures). */
static size_t sig_reply(const uint8_t *q, size_t qlen, uint8_t *resp)
{
	static const uint8_t a[4] = { 192, 0, 2, 77 };
	uint8_t qn[WIRE_MAXNAME], want[WIRE_MAXNAME], sig[320],
		signer[WIRE_MAXNAME];
	size_t pos = 12, sl;
	wire_writer w;

	wire_name_from_str("sig.example.com", want);
	if (wire_name_read(q, qlen, &pos, qn) < 0 ||
	    !wire_name_equal(qn, want) || wire_get16(q + pos) != DNS_T_A)
		return 0;
	wire_writer_init(&w, resp, 65535, 65535);
	wire_write(&w, q, pos + 4);
	wire_put16(resp + 2, DNS_F_QR | DNS_F_AA);
	wire_put16(resp + 6, 2);
	wire_put16(resp + 10, 0);
	memset(sig, 0, sizeof(sig));
	wire_put16(sig, DNS_T_A);
	sig[2] = 13;
	sig[3] = 3;
	wire_put32(sig + 4, 3600);
	wire_put32(sig + 8, 2000000000u);
	wire_put32(sig + 12, 1600000000u);
	wire_put16(sig + 16, 4711);
	sl = (size_t)wire_name_from_str("example.com", signer);
	memcpy(sig + 18, signer, sl);
	wire_write_rr(&w, qn, DNS_T_A, DNS_C_IN, 3600, a, 4, NULL);
	wire_write_rr(&w, qn, DNS_T_RRSIG, DNS_C_IN, 3600, sig,
		      (uint16_t)(18 + sl + 32), NULL);
	return w.len;
}

/* A com. referral for glueless.com with glue for ns.example.net that
 * the com servers have no authority for (pointing to 192.0.2.66). */
static size_t evil_reply(const uint8_t *q, size_t qlen, uint8_t *resp)
{
	static const uint8_t a[4] = { 192, 0, 2, 66 };
	uint8_t qn[WIRE_MAXNAME], z[WIRE_MAXNAME], ns[WIRE_MAXNAME];
	size_t pos = 12;
	wire_writer w;

	wire_name_from_str("glueless.com", z);
	if (wire_name_read(q, qlen, &pos, qn) < 0 ||
	    !wire_name_is_sub(qn, z))
		return 0;
	wire_writer_init(&w, resp, 65535, 65535);
	wire_write(&w, q, pos + 4);
	wire_put16(resp + 2, DNS_F_QR);
	wire_put16(resp + 8, 1);
	wire_put16(resp + 10, 1);
	wire_name_from_str("ns.example.net", ns);
	wire_write_rr(&w, z, DNS_T_NS, DNS_C_IN, 3600, ns,
		      (uint16_t)wire_name_len(ns), NULL);
	wire_write_rr(&w, ns, DNS_T_A, DNS_C_IN, 3600, a, 4, NULL);
	return w.len;
}

static void deliver_spoofs(res_ctx *r, fnet *n, uint64_t txn,
			   const uint8_t *resp, size_t len)
{
	uint8_t bad[65536];

	memcpy(bad, resp, len);
	wire_put16(bad, (uint16_t)(wire_get16(bad) ^ 0x5a5a));
	res_on_reply(r, txn, bad, len, n->now);
	memcpy(bad, resp, len);
	if (len > 14)
		bad[13] ^= 0x01;     /* another question name */
	res_on_reply(r, txn, bad, len, n->now);
}

static void answer_send(res_ctx *r, fnet *n, const res_action *a)
{
	static uint8_t q[65536], resp[65536];
	fsrv *s = find_srv(n, &a->server);
	size_t qlen = a->len, rlen = 0;
	zone_stats st;
	uint64_t txn = a->txn;

	log_query(n, a);
	if (!s || s->drop > 0) {
		if (s)
			s->drop--;
		return;
	}
	memcpy(q, a->msg, qlen);
	memset(&st, 0, sizeof(st));
	if (s->dname)
		rlen = dname_reply(q, qlen, resp);
	if (s->dname && rlen == 0)
		rlen = sig_reply(q, qlen, resp);
	if (s->evil)
		rlen = evil_reply(q, qlen, resp);
	if (rlen == 0 &&
	    zone_db_answer(s->db, q, qlen, a->transport == RES_T_TCP, resp,
			   sizeof(resp), &rlen, &st) != ZONE_REPLY)
		return;
	if (rlen && s->refuse_ent) {
		uint8_t qn[WIRE_MAXNAME];
		size_t pos = 12;
		int nl = wire_name_read(resp, rlen, &pos, qn) > 0 ?
			 wire_name_labels(qn) : 0;

		if (nl == 3 || nl == 4)
			wire_put16(resp + 2, (uint16_t)((wire_get16(resp + 2) &
					     ~0xf) | DNS_R_REFUSED));
	}
	if (s->lower)
		lower_question(resp, rlen);
	n->now += 3;
	if (n->spoof)
		deliver_spoofs(r, n, txn, resp, rlen);
	res_on_reply(r, txn, resp, rlen, n->now);
}

/* Run until nothing is pending. */
static void drive(res_ctx *r, fnet *n)
{
	for (int guard = 0; guard < 10000; guard++) {
		res_action a;
		int k = res_next_action(r, &a);

		if (k == RES_ACT_SEND) {
			answer_send(r, n, &a);
		} else if (k == RES_ACT_DROP) {
			continue;
		} else if (k == RES_ACT_ANSWER) {
			if (n->nans < NANS) {
				memcpy(n->ans[n->nans], a.msg, a.len);
				n->anslen[n->nans++] = a.len;
			}
		} else {
			uint64_t t = res_next_timer(r);

			if (t == 0)
				return;
			if (t > n->now)
				n->now = t;
			res_on_timer(r, n->now);
		}
	}
}

static size_t make_query(uint8_t *buf, const char *name, uint16_t type,
			 uint16_t id, int edns)
{
	wire_writer w;
	uint8_t wn[WIRE_MAXNAME];

	wire_name_from_str(name, wn);
	wire_writer_init(&w, buf, 512, 512);
	wire_write16(&w, id);
	wire_write16(&w, DNS_F_RD);
	wire_write16(&w, 1);
	wire_write16(&w, 0);
	wire_write16(&w, 0);
	wire_write16(&w, edns ? 1 : 0);
	wire_write_name(&w, wn, 0);
	wire_write16(&w, type);
	wire_write16(&w, DNS_C_IN);
	if (edns)
		wire_write_opt(&w, 1232, 0, 0, 0);
	return w.len;
}

static res_ctx *new_res_cfg(fnet *n, int qmin, res_cfg *base)
{
	res_cfg cfg;
	char err[256];
	res_ctx *r;

	memset(&cfg, 0, sizeof(cfg));
	if (base)
		cfg = *base;
	cfg.root_hints_text = hints;
	cfg.qname_min = (uint8_t)qmin;
	cfg.random = fake_random;
	cfg.random_arg = n;
	r = res_new(&cfg, err, sizeof(err));
	if (!r)
		printf("  res_new: %s\n", err);
	return r;
}

static res_ctx *new_res(fnet *n, int qmin)
{
	return new_res_cfg(n, qmin, NULL);
}

/* Ask and drive to completion; the reply in out (sync or async). */
static size_t ask(res_ctx *r, fnet *n, const char *name, uint16_t type,
		  uint8_t *out, int *sync)
{
	uint8_t q[512];
	size_t qlen = make_query(q, name, type, 0x1234, 1), len = 0;
	res_result rr;

	n->nans = 0;
	rr = res_query(r, q, qlen, 1, n->now, out, 65535, &len, 7);
	*sync = rr == RES_ANSWERED;
	if (rr == RES_ANSWERED)
		return len;
	if (rr == RES_DROP)
		return 0;
	drive(r, n);
	if (n->nans < 1)
		return 0;
	memcpy(out, n->ans[0], n->anslen[0]);
	return n->anslen[0];
}

static ldns_pkt *pkt_of(const uint8_t *buf, size_t len)
{
	ldns_pkt *p = NULL;

	if (len == 0 || ldns_wire2pkt(&p, buf, len) != LDNS_STATUS_OK)
		return NULL;
	return p;
}

/* 1 if the section of p has an RR whose text contains s. */
static int sec_has(ldns_pkt *p, int sec, const char *s)
{
	ldns_rr_list *l = sec == 1 ? ldns_pkt_answer(p) :
			  sec == 2 ? ldns_pkt_authority(p) :
			  ldns_pkt_additional(p);
	int found = 0;

	for (size_t i = 0; l && i < ldns_rr_list_rr_count(l); i++) {
		char *t = ldns_rr2str(ldns_rr_list_rr(l, i));

		if (t && strstr(t, s))
			found = 1;
		free(t);
	}
	return found;
}

/* The EDE info code in the reply's OPT, or -1. */
static int ede_of(const uint8_t *m, size_t len)
{
	size_t p = m[10] || m[11] ? len : 0;

	/* the OPT is the last RR: root owner, type 41, ..., rdlen, data */
	for (size_t i = 12; p && i + 17 <= len; i++)
		if (m[i] == 0 && wire_get16(m + i + 1) == DNS_T_OPT &&
		    i + 11 + wire_get16(m + i + 9) == len &&
		    wire_get16(m + i + 9) >= 6 &&
		    wire_get16(m + i + 11) == 15)
			return wire_get16(m + i + 15);
	return -1;
}

static int sent_to(const fnet *n, uint8_t last, const char *qname,
		   uint16_t qtype)
{
	for (int i = 0; i < n->nlog; i++)
		if (n->log[i].last == last && n->log[i].qtype == qtype &&
		    strcasecmp(n->log[i].qname, qname) == 0)
			return 1;
	return 0;
}

static void test_iterate_and_cache(void)
{
	fnet n;
	static uint8_t out[65536];
	res_ctx *r;
	size_t len;
	int sync, caps = 0;
	ldns_pkt *p;

	net_init(&n);
	r = new_res(&n, 1);
	T_CHECK(r != NULL);
	len = ask(r, &n, "www.example.com", DNS_T_A, out, &sync);
	T_CHECK(!sync);
	p = pkt_of(out, len);
	T_CHECK(p != NULL);
	if (p) {
		T_EQ(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
		T_EQ(ldns_pkt_id(p), 0x1234);
		T_CHECK(ldns_pkt_ra(p) && !ldns_pkt_aa(p) && ldns_pkt_qr(p));
		T_CHECK(sec_has(p, 1, "192.0.2.80"));
		ldns_pkt_free(p);
	}
	/* QNAME minimisation: each server sees one more label, type A */
	T_CHECK(sent_to(&n, 1, "com.", DNS_T_A));
	T_CHECK(sent_to(&n, 2, "example.com.", DNS_T_A));
	T_CHECK(sent_to(&n, 4, "www.example.com.", DNS_T_A));
	T_CHECK(!sent_to(&n, 1, "www.example.com.", DNS_T_A));
	T_EQ(n.nlog, 3);
	for (int i = 0; i < n.nlog; i++) {
		T_CHECK(!(n.log[i].flags & DNS_F_RD));
		for (const char *c = n.log[i].qname; *c; c++)
			caps |= (*c >= 'A' && *c <= 'Z');
	}
	T_CHECK(caps);   /* 0x20 randomisation happened */
	/* second time: a cache hit, nothing sent */
	n.nlog = 0;
	len = ask(r, &n, "WWW.example.COM", DNS_T_A, out, &sync);
	T_CHECK(sync);
	T_EQ(n.nlog, 0);
	p = pkt_of(out, len);
	T_CHECK(p && sec_has(p, 1, "192.0.2.80"));
	if (p)
		ldns_pkt_free(p);
	T_CHECK(res_get_stats(r)->cache_hits >= 1);
	/* a sibling name only needs the example.com server now */
	len = ask(r, &n, "inzone.example.com", DNS_T_A, out, &sync);
	T_EQ(n.nlog, 1);
	p = pkt_of(out, len);
	T_CHECK(p && sec_has(p, 1, "CNAME") && sec_has(p, 1, "192.0.2.80"));
	if (p)
		ldns_pkt_free(p);
	res_free(r);
	net_free(&n);
}

static void test_qmin_off(void)
{
	fnet n;
	static uint8_t out[65536];
	res_ctx *r;
	int sync;
	size_t len;

	net_init(&n);
	r = new_res(&n, 0);
	len = ask(r, &n, "a.b.c.example.com", DNS_T_A, out, &sync);
	T_CHECK(len > 0);
	T_CHECK(sent_to(&n, 1, "a.b.c.example.com.", DNS_T_A));
	T_CHECK(sent_to(&n, 4, "a.b.c.example.com.", DNS_T_A));
	res_free(r);
	net_free(&n);
}

static void test_qmin_deep(void)
{
	fnet n;
	static uint8_t out[65536];
	res_ctx *r;
	int sync;
	ldns_pkt *p;
	size_t len;

	net_init(&n);
	r = new_res(&n, 1);
	len = ask(r, &n, "a.b.c.example.com", DNS_T_A, out, &sync);
	p = pkt_of(out, len);
	T_CHECK(p && sec_has(p, 1, "192.0.2.99"));
	if (p)
		ldns_pkt_free(p);
	/* empty non-terminals asked one label at a time */
	T_CHECK(sent_to(&n, 4, "c.example.com.", DNS_T_A));
	T_CHECK(sent_to(&n, 4, "b.c.example.com.", DNS_T_A));
	T_CHECK(sent_to(&n, 4, "a.b.c.example.com.", DNS_T_A));
	/* NXDOMAIN of an intermediate name without an NSEC proof (an
	 * unsigned zone): the full name is asked before it is believed
	 * (RFC 9156 2.3; some servers deny empty non-terminals) */
	n.nlog = 0;
	len = ask(r, &n, "x.y.nope.example.com", DNS_T_A, out, &sync);
	p = pkt_of(out, len);
	T_CHECK(p && ldns_pkt_get_rcode(p) == LDNS_RCODE_NXDOMAIN);
	if (p)
		ldns_pkt_free(p);
	T_EQ(n.nlog, 2);
	T_CHECK(sent_to(&n, 4, "nope.example.com.", DNS_T_A));
	T_CHECK(sent_to(&n, 4, "x.y.nope.example.com.", DNS_T_A));
	res_free(r);
	net_free(&n);
}

static void test_cname_cross_zone(void)
{
	fnet n;
	static uint8_t out[65536];
	res_ctx *r;
	int sync;
	ldns_pkt *p;
	size_t len;

	net_init(&n);
	r = new_res(&n, 1);
	len = ask(r, &n, "alias.example.com", DNS_T_A, out, &sync);
	p = pkt_of(out, len);
	T_CHECK(p != NULL);
	if (p) {
		T_EQ(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
		T_EQ(ldns_pkt_ancount(p), 2);
		T_CHECK(sec_has(p, 1, "CNAME\twww.example.net."));
		T_CHECK(sec_has(p, 1, "192.0.2.81"));
		ldns_pkt_free(p);
	}
	T_CHECK(sent_to(&n, 5, "www.example.net.", DNS_T_A));
	res_free(r);
	net_free(&n);
}

static void test_negative(void)
{
	fnet n;
	static uint8_t out[65536];
	res_ctx *r;
	int sync;
	ldns_pkt *p;
	size_t len;

	net_init(&n);
	r = new_res(&n, 1);
	len = ask(r, &n, "nope.example.com", DNS_T_A, out, &sync);
	p = pkt_of(out, len);
	if (getenv("TR_DEBUG") && p)
		ldns_pkt_print(stdout, p);
	T_CHECK(p && ldns_pkt_get_rcode(p) == LDNS_RCODE_NXDOMAIN);
	T_CHECK(p && sec_has(p, 2, "SOA"));
	if (p)
		ldns_pkt_free(p);
	/* negative cache: another type of the same name, nothing sent */
	n.nlog = 0;
	len = ask(r, &n, "nope.example.com", DNS_T_MX, out, &sync);
	T_EQ(n.nlog, 0);
	p = pkt_of(out, len);
	T_CHECK(p && ldns_pkt_get_rcode(p) == LDNS_RCODE_NXDOMAIN);
	T_CHECK(p && sec_has(p, 2, "SOA"));
	if (p)
		ldns_pkt_free(p);
	/* NODATA */
	len = ask(r, &n, "www.example.com", DNS_T_MX, out, &sync);
	p = pkt_of(out, len);
	T_CHECK(p && ldns_pkt_get_rcode(p) == LDNS_RCODE_NOERROR);
	T_CHECK(p && ldns_pkt_ancount(p) == 0 && sec_has(p, 2, "SOA"));
	if (p)
		ldns_pkt_free(p);
	n.nlog = 0;
	len = ask(r, &n, "www.example.com", DNS_T_MX, out, &sync);
	T_CHECK(sync);
	T_EQ(n.nlog, 0);
	res_free(r);
	net_free(&n);
}

static void test_glueless(void)
{
	fnet n;
	static uint8_t out[65536];
	res_ctx *r;
	int sync;
	ldns_pkt *p;
	size_t len;

	net_init(&n);
	r = new_res(&n, 1);
	len = ask(r, &n, "www.glueless.com", DNS_T_A, out, &sync);
	p = pkt_of(out, len);
	T_CHECK(p && sec_has(p, 1, "192.0.2.82"));
	if (p)
		ldns_pkt_free(p);
	T_CHECK(sent_to(&n, 5, "ns.example.net.", DNS_T_A));
	res_free(r);
	net_free(&n);
}

static void test_timeout_retry(void)
{
	fnet n;
	static uint8_t out[65536];
	res_ctx *r;
	int sync;
	ldns_pkt *p;
	size_t len;
	uint64_t t0;

	net_init(&n);
	n.srv[6].drop = 5;   /* 192.0.2.10 is dead */
	n.srv[7].drop = 1;   /* 192.0.2.11 loses the first query */
	r = new_res(&n, 1);
	t0 = n.now;
	len = ask(r, &n, "www.example.org", DNS_T_A, out, &sync);
	p = pkt_of(out, len);
	T_CHECK(p && sec_has(p, 1, "192.0.2.83"));
	if (p)
		ldns_pkt_free(p);
	T_CHECK(sent_to(&n, 11, "example.org.", DNS_T_A) ||
		sent_to(&n, 11, "www.example.org.", DNS_T_A));
	T_CHECK(res_get_stats(r)->upstream_timeouts >= 1);
	T_CHECK(n.now - t0 >= 800);
	res_free(r);
	net_free(&n);
}

/* The child's NS set (cached from an answer, it outranks the parent's)
 * names a dead server: after its tries the parent is asked for the
 * delegation again and its glue is used (iter.c pside). */
static void test_parent_side_ns(void)
{
	fnet n;
	static uint8_t out[65536];
	res_ctx *r;
	int sync;
	ldns_pkt *p;
	size_t len;

	net_init(&n);
	add_srv(&n, 13, "split.com.", z_split, NULL, NULL);
	r = new_res(&n, 1);
	len = ask(r, &n, "www.split.com", DNS_T_A, out, &sync);
	p = pkt_of(out, len);
	T_CHECK(p && sec_has(p, 1, "192.0.2.85"));
	if (p)
		ldns_pkt_free(p);
	/* the child's NS RRset and its address, as a client would ask */
	ask(r, &n, "split.com", DNS_T_NS, out, &sync);
	ask(r, &n, "ns9.split.com", DNS_T_A, out, &sync);
	n.nlog = 0;
	len = ask(r, &n, "other.split.com", DNS_T_A, out, &sync);
	p = pkt_of(out, len);
	T_CHECK(p && sec_has(p, 1, "192.0.2.86"));
	if (p)
		ldns_pkt_free(p);
	T_CHECK(sent_to(&n, 14, "other.split.com.", DNS_T_A));
	T_CHECK(sent_to(&n, 2, "split.com.", DNS_T_A));
	T_CHECK(sent_to(&n, 13, "other.split.com.", DNS_T_A));
	res_free(r);
	net_free(&n);
}

static void test_all_dead(void)
{
	fnet n;
	static uint8_t out[65536];
	res_ctx *r;
	int sync;
	ldns_pkt *p;
	size_t len;

	net_init(&n);
	n.srv[6].drop = 100;
	n.srv[7].drop = 100;
	r = new_res(&n, 1);
	len = ask(r, &n, "www.example.org", DNS_T_A, out, &sync);
	p = pkt_of(out, len);
	T_CHECK(p && ldns_pkt_get_rcode(p) == LDNS_RCODE_SERVFAIL);
	if (p)
		ldns_pkt_free(p);
	T_CHECK(n.nlog <= 8);
	T_EQ(res_next_timer(r), 0);
	T_EQ(ede_of(out, len), 22);      /* No Reachable Authority */
	res_free(r);
	net_free(&n);
}

static void test_lame(void)
{
	fnet n;
	static uint8_t out[65536];
	res_ctx *r;
	int sync;
	ldns_pkt *p;
	size_t len;

	net_init(&n);
	r = new_res(&n, 1);
	len = ask(r, &n, "www.lame.com", DNS_T_A, out, &sync);
	p = pkt_of(out, len);
	T_CHECK(p && ldns_pkt_get_rcode(p) == LDNS_RCODE_SERVFAIL);
	if (p)
		ldns_pkt_free(p);
	res_free(r);
	net_free(&n);
}

static void test_spoof_ignored(void)
{
	fnet n;
	static uint8_t out[65536];
	res_ctx *r;
	int sync;
	ldns_pkt *p;
	size_t len;

	net_init(&n);
	n.spoof = 1;
	r = new_res(&n, 1);
	len = ask(r, &n, "www.example.com", DNS_T_A, out, &sync);
	p = pkt_of(out, len);
	T_CHECK(p && sec_has(p, 1, "192.0.2.80"));
	if (p)
		ldns_pkt_free(p);
	T_EQ(res_get_stats(r)->spoofed_dropped, 2 * 3);
	res_free(r);
	net_free(&n);
}

static void test_caps_fallback(void)
{
	fnet n;
	static uint8_t out[65536];
	res_ctx *r;
	int sync;
	ldns_pkt *p;
	size_t len, before;

	net_init(&n);
	n.srv[3].lower = 1;  /* example.com's server lowercases */
	r = new_res(&n, 1);
	len = ask(r, &n, "www.example.com", DNS_T_A, out, &sync);
	p = pkt_of(out, len);
	T_CHECK(p && sec_has(p, 1, "192.0.2.80"));
	if (p)
		ldns_pkt_free(p);
	T_EQ(n.nlog, 4);     /* one retry without 0x20 */
	before = (size_t)n.nlog;
	len = ask(r, &n, "inzone.example.com", DNS_T_A, out, &sync);
	T_EQ((size_t)n.nlog, before + 1);  /* remembered */
	res_free(r);
	net_free(&n);
}

static void test_shared_task(void)
{
	fnet n;
	static uint8_t out[65536];
	uint8_t q[512];
	size_t qlen, len;
	res_ctx *r;

	net_init(&n);
	r = new_res(&n, 1);
	qlen = make_query(q, "www.example.com", DNS_T_A, 1, 0);
	T_EQ(res_query(r, q, qlen, 0, n.now, out, 65535, &len, 1),
	     RES_PENDING);
	qlen = make_query(q, "www.EXAMPLE.com", DNS_T_A, 2, 1);
	T_EQ(res_query(r, q, qlen, 0, n.now, out, 65535, &len, 2),
	     RES_PENDING);
	drive(r, &n);
	T_EQ(n.nans, 2);
	T_EQ(n.nlog, 3);
	for (int i = 0; i < n.nans && i < 2; i++) {
		ldns_pkt *p = pkt_of(n.ans[i], n.anslen[i]);

		T_CHECK(p && sec_has(p, 1, "192.0.2.80"));
		/* the second client had EDNS, the first did not */
		if (p) {
			T_EQ(ldns_pkt_edns(p) ? 1 : 0,
			     ldns_pkt_id(p) == 2 ? 1 : 0);
			ldns_pkt_free(p);
		}
	}
	res_free(r);
	net_free(&n);
}

static void test_forwarding(void)
{
	fnet n;
	static uint8_t out[65536];
	res_forward fw[3];
	res_addr a50, a51;
	res_cfg cfg;
	char err[128];
	res_ctx *r;
	ldns_pkt *p;
	size_t len;
	int sync;

	net_init(&n);
	memset(fw, 0, sizeof(fw));
	res_addr_parse("192.0.2.50", &a50);
	res_addr_parse("192.0.2.51", &a51);
	fw[0].domain[0] = 0;
	fw[0].servers = &a50;
	fw[0].nservers = 1;
	wire_name_from_str("corp", fw[1].domain);
	fw[1].servers = &a51;
	fw[1].nservers = 1;
	wire_name_from_str("local", fw[2].domain);
	memset(&cfg, 0, sizeof(cfg));
	cfg.root_hints_text = hints;
	cfg.qname_min = 1;
	cfg.forwards = fw;
	cfg.nforwards = 3;
	cfg.random = fake_random;
	cfg.random_arg = &n;
	r = res_new(&cfg, err, sizeof(err));
	len = ask(r, &n, "www.example.com", DNS_T_A, out, &sync);
	p = pkt_of(out, len);
	T_CHECK(p && sec_has(p, 1, "198.51.100.1"));
	if (p)
		ldns_pkt_free(p);
	T_EQ(n.nlog, 1);
	T_CHECK(n.nlog >= 1 && n.log[0].last == 50 &&
		(n.log[0].flags & DNS_F_RD));
	T_CHECK(sent_to(&n, 50, "www.example.com.", DNS_T_A));
	/* the most specific domain wins */
	len = ask(r, &n, "www.corp", DNS_T_A, out, &sync);
	p = pkt_of(out, len);
	T_CHECK(p && sec_has(p, 1, "198.51.100.3"));
	if (p)
		ldns_pkt_free(p);
	T_CHECK(sent_to(&n, 51, "www.corp.", DNS_T_A));
	/* a DS lives in the parent zone: DS corp goes to the parent's
	 * forwarder (here the default), not to the one for corp, which
	 * may serve only the child (unbound's forward-zone does the same);
	 * below corp the corp rule stays */
	n.nlog = 0;
	(void)ask(r, &n, "corp", DNS_T_DS, out, &sync);
	T_CHECK(sent_to(&n, 50, "corp.", DNS_T_DS));
	T_CHECK(!sent_to(&n, 51, "corp.", DNS_T_DS));
	n.nlog = 0;
	(void)ask(r, &n, "www.corp", DNS_T_DS, out, &sync);
	T_CHECK(sent_to(&n, 51, "www.corp.", DNS_T_DS));
	/* --server=/local/: local only, NXDOMAIN without sending */
	n.nlog = 0;
	len = ask(r, &n, "printer.local", DNS_T_A, out, &sync);
	T_CHECK(sync);
	T_EQ(n.nlog, 0);
	p = pkt_of(out, len);
	T_CHECK(p && ldns_pkt_get_rcode(p) == LDNS_RCODE_NXDOMAIN);
	if (p)
		ldns_pkt_free(p);
	/* ... its DS too: local names do not leak to the parent's side */
	len = ask(r, &n, "local", DNS_T_DS, out, &sync);
	T_CHECK(sync);
	T_EQ(n.nlog, 0);
	p = pkt_of(out, len);
	T_CHECK(p && ldns_pkt_get_rcode(p) == LDNS_RCODE_NXDOMAIN);
	if (p)
		ldns_pkt_free(p);
	res_free(r);
	net_free(&n);
}

static void test_tcp_fallback(void)
{
	fnet n;
	static uint8_t out[65536];
	char text[8192];
	size_t o, len;
	res_ctx *r;
	zone *z;
	ldns_pkt *p;
	int sync, tcp = 0;

	net_init(&n);
	o = (size_t)snprintf(text, sizeof(text),
		"$ORIGIN big.com.\n$TTL 60\n@ SOA ns h 1 2 3 4 5\n@ NS ns\n"
		"ns A 192.0.2.4\n");
	for (int i = 0; i < 40; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o,
			"txt TXT \"record %02d xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"\n",
			i);
	z = load("big.com.", text);
	T_CHECK(z != NULL);
	if (z) {
		zone_db_add_zone(n.srv[3].db, z);
		zone_unref(z);
	}
	r = new_res(&n, 1);
	len = ask(r, &n, "txt.big.com", DNS_T_TXT, out, &sync);
	p = pkt_of(out, len);
	T_CHECK(p && ldns_pkt_ancount(p) == 40);
	if (p)
		ldns_pkt_free(p);
	for (int i = 0; i < n.nlog; i++)
		tcp |= n.log[i].tcp;
	T_CHECK(tcp);
	res_free(r);
	net_free(&n);
}

static void test_hints(void)
{
	char err[128];
	res_servers *s = res_srv_new(NULL, err, sizeof(err));
	const res_hint *h;
	size_t nh = 0;
	res_cfg cfg;
	res_addr a;

	T_CHECK(s != NULL);
	if (s) {
		h = res_srv_hints(s, &nh);
		T_EQ(nh, 26);
		T_EQ(h[0].addr.af, 4);
		T_EQ(h[0].addr.addr[0], 198);
		res_srv_free(s);
	}
	T_CHECK(res_srv_new("garbage line here\n", err, sizeof(err)) == NULL);
	T_CHECK(res_srv_new(". NS x.test.\n", err, sizeof(err)) == NULL);
	memset(&cfg, 0, sizeof(cfg));
	res_addr_parse("127.0.0.1", &a);
	T_CHECK(!res_addr_allowed(&cfg, &a));
	cfg.allow_loopback = 1;
	T_CHECK(res_addr_allowed(&cfg, &a));
	cfg.ipv6_only = 1;
	T_CHECK(!res_addr_allowed(&cfg, &a));
	res_addr_parse("::1", &a);
	T_CHECK(res_addr_allowed(&cfg, &a));
}

static void test_srtt(void)
{
	char err[128];
	res_servers *s = res_srv_new(hints, err, sizeof(err));
	res_addr a, b;

	res_addr_parse("192.0.2.1", &a);
	res_addr_parse("192.0.2.2", &b);
	T_EQ(res_srv_rto(s, &a, 0), 800);
	res_srv_rtt(s, &a, 40, 0);
	res_srv_rtt(s, &b, 10, 0);
	T_CHECK(res_srv_score(s, &b, 0) < res_srv_score(s, &a, 0));
	T_CHECK(res_srv_rto(s, &a, 0) < 800);
	res_srv_timeout(s, &b, 0);
	T_CHECK(res_srv_score(s, &b, 0) > res_srv_score(s, &a, 0));
	res_srv_free(s);
}

static void test_dname_loop_ds(void)
{
	fnet n;
	static uint8_t out[65536];
	res_ctx *r;
	int sync;
	ldns_pkt *p;
	size_t len;

	net_init(&n);
	n.srv[3].dname = 1;
	r = new_res(&n, 1);
	len = ask(r, &n, "www.dn.example.com", DNS_T_A, out, &sync);
	p = pkt_of(out, len);
	if (getenv("TR_DEBUG") && p)
		ldns_pkt_print(stdout, p);
	T_CHECK(p && sec_has(p, 1, "DNAME") && sec_has(p, 1, "CNAME") &&
		sec_has(p, 1, "192.0.2.81"));
	if (p)
		ldns_pkt_free(p);
	/* CNAME loop: bounded, SERVFAIL */
	len = ask(r, &n, "loop1.example.com", DNS_T_A, out, &sync);
	p = pkt_of(out, len);
	T_CHECK(p && ldns_pkt_get_rcode(p) == LDNS_RCODE_SERVFAIL);
	if (p)
		ldns_pkt_free(p);
	/* DS is asked of the parent's servers */
	n.nlog = 0;
	len = ask(r, &n, "example.com", DNS_T_DS, out, &sync);
	p = pkt_of(out, len);
	T_CHECK(p && ldns_pkt_get_rcode(p) == LDNS_RCODE_NOERROR &&
		sec_has(p, 2, "com.\t900\tIN\tSOA"));
	if (p)
		ldns_pkt_free(p);
	T_CHECK(sent_to(&n, 2, "example.com.", DNS_T_DS));
	T_CHECK(!sent_to(&n, 4, "example.com.", DNS_T_DS));
	res_free(r);
	net_free(&n);
}

static void test_no_negcache(void)
{
	fnet n;
	static uint8_t out[65536];
	res_cfg cfg;
	char err[128];
	res_ctx *r;
	int sync;

	net_init(&n);
	memset(&cfg, 0, sizeof(cfg));
	cfg.root_hints_text = hints;
	cfg.qname_min = 1;
	cfg.no_negcache = 1;
	cfg.random = fake_random;
	cfg.random_arg = &n;
	r = res_new(&cfg, err, sizeof(err));
	ask(r, &n, "nope.example.com", DNS_T_A, out, &sync);
	n.nlog = 0;
	ask(r, &n, "nope.example.com", DNS_T_A, out, &sync);
	T_CHECK(!sync);
	T_EQ(n.nlog, 1);
	res_free(r);
	net_free(&n);
}

static uint32_t first_ttl(const uint8_t *buf, size_t len)
{
	ldns_pkt *p = pkt_of(buf, len);
	uint32_t ttl = 0;

	if (p && ldns_pkt_ancount(p))
		ttl = ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(p), 0));
	if (p)
		ldns_pkt_free(p);
	return ttl;
}

static void test_ttl_clamp(void)
{
	fnet n;
	static uint8_t out[65536];
	res_cfg cfg;
	res_ctx *r;
	int sync;
	size_t len;

	net_init(&n);
	memset(&cfg, 0, sizeof(cfg));
	cfg.max_cache_ttl = 60;
	r = new_res_cfg(&n, 1, &cfg);
	len = ask(r, &n, "www.example.com", DNS_T_A, out, &sync);
	T_EQ(first_ttl(out, len), 60);
	n.now += 61 * 1000;
	n.nlog = 0;
	ask(r, &n, "www.example.com", DNS_T_A, out, &sync);
	T_CHECK(!sync);
	T_EQ(n.nlog, 3);     /* everything (cuts too) expired after 60 s */
	res_free(r);
	net_free(&n);
}

static void test_prefetch(void)
{
	fnet n;
	static uint8_t out[65536];
	res_ctx *r;
	int sync;
	size_t len;

	net_init(&n);
	r = new_res(&n, 1);
	ask(r, &n, "www.example.com", DNS_T_A, out, &sync);
	n.now += 3300 * 1000;     /* 300 s left of 3600: < 10% */
	n.nlog = 0;
	for (int i = 0; i < 4; i++) {
		ask(r, &n, "www.example.com", DNS_T_A, out, &sync);
		T_CHECK(sync);
		n.now += 1001;
	}
	T_CHECK(res_get_stats(r)->prefetches >= 1);
	drive(r, &n);
	T_CHECK(sent_to(&n, 4, "www.example.com.", DNS_T_A));
	/* past the original expiry: the refreshed answer serves it */
	n.now += 400 * 1000;
	n.nlog = 0;
	len = ask(r, &n, "www.example.com", DNS_T_A, out, &sync);
	T_CHECK(sync);
	T_EQ(n.nlog, 0);
	T_CHECK(first_ttl(out, len) > 3000);
	res_free(r);
	net_free(&n);
}

static void test_serve_stale(void)
{
	fnet n;
	static uint8_t out[65536];
	res_cfg cfg;
	res_ctx *r;
	ldns_pkt *p;
	int sync;
	size_t len;

	net_init(&n);
	memset(&cfg, 0, sizeof(cfg));
	cfg.use_stale = 1;
	cfg.stale_ttl = 30;
	r = new_res_cfg(&n, 1, &cfg);
	ask(r, &n, "www.example.com", DNS_T_A, out, &sync);
	n.now += 3700 * 1000;
	n.srv[3].drop = 1000;    /* example.com's server is gone */
	len = ask(r, &n, "www.example.com", DNS_T_A, out, &sync);
	p = pkt_of(out, len);
	T_CHECK(p && ldns_pkt_get_rcode(p) == LDNS_RCODE_NOERROR &&
		sec_has(p, 1, "192.0.2.80"));
	if (p)
		ldns_pkt_free(p);
	T_EQ(first_ttl(out, len), 30);
	T_EQ(res_get_stats(r)->stale_served, 1);
	T_EQ(ede_of(out, len), 3);       /* Stale Answer */
	/* without serve-stale: SERVFAIL */
	res_free(r);
	r = new_res(&n, 1);
	n.srv[3].drop = 0;
	ask(r, &n, "www.example.com", DNS_T_A, out, &sync);
	n.now += 3700 * 1000;
	n.srv[3].drop = 1000;
	len = ask(r, &n, "www.example.com", DNS_T_A, out, &sync);
	p = pkt_of(out, len);
	T_CHECK(p && ldns_pkt_get_rcode(p) == LDNS_RCODE_SERVFAIL);
	if (p)
		ldns_pkt_free(p);
	res_free(r);
	net_free(&n);
}

static void test_do_rrsig(void)
{
	fnet n;
	static uint8_t out[65536];
	uint8_t q[512];
	size_t qlen, len = 0;
	res_cfg cfg;
	res_ctx *r;
	ldns_pkt *p;

	net_init(&n);
	n.srv[3].dname = 1;
	memset(&cfg, 0, sizeof(cfg));
	/* not validating (the fake net has no chain of trust): a
	 * security-aware resolver still asks for and keeps the RRSIGs */
	r = new_res_cfg(&n, 1, &cfg);
	/* a DO client: the RRSIG comes along */
	qlen = make_query(q, "sig.example.com", DNS_T_A, 9, 1);
	q[qlen - 4] = 0x80;         /* OPT flags: DO */
	T_EQ(res_query(r, q, qlen, 0, n.now, out, 65535, &len, 1),
	     RES_PENDING);
	n.nans = 0;
	drive(r, &n);
	T_EQ(n.nans, 1);
	p = pkt_of(n.ans[0], n.anslen[0]);
	T_CHECK(p && sec_has(p, 1, "RRSIG") && sec_has(p, 1, "192.0.2.77"));
	if (p)
		ldns_pkt_free(p);
	/* not validating: no CD upstream (RFC 4035 3.2.2 leaves it to the
	 * forwarder); the RRSIGs came because every query carries DO */
	for (int i = 0; i < n.nlog; i++)
		T_CHECK(!(n.log[i].flags & DNS_F_CD));
	/* a plain client: no RRSIG, from the RRset cache */
	qlen = make_query(q, "sig.example.com", DNS_T_A, 10, 1);
	n.nlog = 0;
	T_EQ(res_query(r, q, qlen, 0, n.now, out, 65535, &len, 2),
	     RES_ANSWERED);
	T_EQ(n.nlog, 0);
	p = pkt_of(out, len);
	T_CHECK(p && !sec_has(p, 1, "RRSIG") && sec_has(p, 1, "192.0.2.77"));
	if (p)
		ldns_pkt_free(p);
	/* DO again, from the RRset cache: signatures kept with the RRset */
	qlen = make_query(q, "sig.example.com", DNS_T_A, 11, 1);
	q[qlen - 4] = 0x80;
	T_EQ(res_query(r, q, qlen, 0, n.now, out, 65535, &len, 3),
	     RES_ANSWERED);
	p = pkt_of(out, len);
	T_CHECK(p && sec_has(p, 1, "RRSIG"));
	if (p)
		ldns_pkt_free(p);
	res_free(r);
	net_free(&n);
}

static void test_out_of_bailiwick_glue(void)
{
	fnet n;
	static uint8_t out[65536];
	res_ctx *r;
	int sync;
	ldns_pkt *p;
	size_t len;

	net_init(&n);
	n.srv[1].evil = 1;
	r = new_res(&n, 1);
	len = ask(r, &n, "www.glueless.com", DNS_T_A, out, &sync);
	p = pkt_of(out, len);
	T_CHECK(p && sec_has(p, 1, "192.0.2.82"));
	if (p)
		ldns_pkt_free(p);
	for (int i = 0; i < n.nlog; i++)
		T_CHECK(n.log[i].last != 66);
	T_CHECK(sent_to(&n, 5, "ns.example.net.", DNS_T_A));
	/* and the glue is not served to clients either */
	len = ask(r, &n, "ns.example.net", DNS_T_A, out, &sync);
	p = pkt_of(out, len);
	T_CHECK(p && sec_has(p, 1, "192.0.2.5") &&
		!sec_has(p, 1, "192.0.2.66"));
	if (p)
		ldns_pkt_free(p);
	res_free(r);
	net_free(&n);
}

static void test_any(void)
{
	fnet n;
	static uint8_t out[65536];
	res_ctx *r;
	int sync;
	ldns_pkt *p;
	size_t len;

	net_init(&n);
	r = new_res(&n, 1);
	len = ask(r, &n, "www.example.com", DNS_T_ANY, out, &sync);
	p = pkt_of(out, len);
	T_CHECK(p && ldns_pkt_get_rcode(p) == LDNS_RCODE_NOERROR &&
		ldns_pkt_ancount(p) >= 1);
	if (p)
		ldns_pkt_free(p);
	res_free(r);
	net_free(&n);
}

static void test_qmin_fallback(void)
{
	fnet n;
	static uint8_t out[65536];
	res_ctx *r;
	int sync;
	ldns_pkt *p;
	size_t len;

	net_init(&n);
	n.srv[3].refuse_ent = 1;
	r = new_res(&n, 1);
	len = ask(r, &n, "a.b.c.example.com", DNS_T_A, out, &sync);
	p = pkt_of(out, len);
	T_CHECK(p && sec_has(p, 1, "192.0.2.99"));
	if (p)
		ldns_pkt_free(p);
	T_CHECK(sent_to(&n, 4, "c.example.com.", DNS_T_A));
	T_CHECK(sent_to(&n, 4, "a.b.c.example.com.", DNS_T_A));
	T_CHECK(!sent_to(&n, 4, "b.c.example.com.", DNS_T_A));
	res_free(r);
	net_free(&n);
}

static void test_dead_then_glueless(void)
{
	fnet n;
	static uint8_t out[65536];
	res_ctx *r;
	int sync;
	ldns_pkt *p;
	size_t len;

	net_init(&n);
	r = new_res(&n, 1);
	/* ns.mixed.com (192.0.2.12) never answers; ns.example.net does */
	len = ask(r, &n, "www.mixed.com", DNS_T_A, out, &sync);
	p = pkt_of(out, len);
	T_CHECK(p && sec_has(p, 1, "192.0.2.84"));
	if (p)
		ldns_pkt_free(p);
	res_free(r);
	net_free(&n);
}

/* Two forwarders (the first one dead): all-servers asks both at once;
 * strict-order asks the first, then the second after its timeout. */
static void fwd_two(int all, int strict, int *nlog, uint64_t *took,
		    int *ok)
{
	fnet n;
	static uint8_t out[65536];
	res_addr fa[2];
	res_forward fw;
	res_cfg cfg;
	ldns_pkt *p;
	uint64_t t0;
	res_ctx *r;
	size_t len;
	int sync;

	net_init(&n);
	n.srv[8].drop = 100;             /* 192.0.2.50 is dead */
	res_addr_parse("192.0.2.50", &fa[0]);
	res_addr_parse("192.0.2.51", &fa[1]);
	memset(&fw, 0, sizeof(fw));
	fw.servers = fa;
	fw.nservers = 2;
	memset(&cfg, 0, sizeof(cfg));
	cfg.forwards = &fw;
	cfg.nforwards = 1;
	cfg.all_servers = (uint8_t)all;
	cfg.strict_order = (uint8_t)strict;
	r = new_res_cfg(&n, 1, &cfg);
	t0 = n.now;
	len = ask(r, &n, "www.corp", DNS_T_A, out, &sync);
	p = pkt_of(out, len);
	*ok = p && sec_has(p, 1, "198.51.100.3");
	if (p)
		ldns_pkt_free(p);
	*nlog = n.nlog;
	*took = n.now - t0;
	res_free(r);
	net_free(&n);
}

static void test_forward_modes(void)
{
	int nlog, ok;
	uint64_t took;

	fwd_two(1, 0, &nlog, &took, &ok);
	T_CHECK(ok);
	T_EQ(nlog, 2);
	T_CHECK(took < 100);             /* no timeout waited for */
	fwd_two(0, 1, &nlog, &took, &ok);
	T_CHECK(ok);
	T_EQ(nlog, 2);
	T_CHECK(took >= 800);            /* the first one timed out */
}

static void test_deadline(void)
{
	fnet n;
	static uint8_t out[65536];
	res_ctx *r;
	ldns_pkt *p;
	uint64_t t0;
	size_t len;
	int sync;

	net_init(&n);
	for (int i = 0; i < n.nsrv; i++)
		if (n.srv[i].addr.addr[3] == 10 ||
		    n.srv[i].addr.addr[3] == 11)
			n.srv[i].drop = 1000;
	r = new_res(&n, 1);
	t0 = n.now;
	len = ask(r, &n, "www.example.org", DNS_T_A, out, &sync);
	p = pkt_of(out, len);
	T_CHECK(p && ldns_pkt_get_rcode(p) == LDNS_RCODE_SERVFAIL);
	if (p)
		ldns_pkt_free(p);
	T_CHECK(n.now - t0 <= 12000 + 6000 * 3);
	T_EQ(res_next_timer(r), 0);
	res_free(r);
	net_free(&n);
}

/* ---- fairness limits (issue 10) ---- */

/* Start a query for name from client (NULL: none) without driving. */
static res_result start_q(res_ctx *r, fnet *n, const char *name,
			  const res_addr *client, uint64_t token, int *rcode)
{
	uint8_t q[512];
	static uint8_t out[65536];
	size_t qlen = make_query(q, name, DNS_T_A, 0x4321, 1), len = 0;
	res_result rr = res_query_from(r, client, q, qlen, 0, n->now, out,
				       sizeof(out), &len, token);

	*rcode = rr == RES_ANSWERED && len >= 4 ? out[3] & 0xf : -1;
	return rr;
}

/* Count the queued actions by kind (they are consumed); the token of
 * the first DROP in *dropped. */
static int count_actions(res_ctx *r, int kind, uint64_t *dropped)
{
	res_action a;
	int k, c = 0;

	while ((k = res_next_action(r, &a)) != RES_ACT_NONE) {
		if (k == kind)
			c++;
		if (k == RES_ACT_DROP && dropped)
			*dropped = a.client_token;
	}
	return c;
}

static void set_drop(fnet *n, uint8_t last, int drop)
{
	for (int i = 0; i < n->nsrv; i++)
		if (n->srv[i].addr.addr[3] == last)
			n->srv[i].drop = drop;
}

static res_addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	res_addr x = { .af = 4, .addr = { a, b, c, d } };

	return x;
}

/* A server that timed out RES_SRV_DEAD times in a row gets one probe at
 * a time after a backoff; meanwhile its queries fail at once. */
static void test_dead_server_fast_fail(void)
{
	fnet n;
	static uint8_t out[65536];
	res_ctx *r;
	int sync, rc, fails = 0, sends;
	char name[64];
	size_t len;

	net_init(&n);
	r = new_res(&n, 1);
	len = ask(r, &n, "www.example.org", DNS_T_A, out, &sync);
	T_CHECK(len > 0 && (out[3] & 0xf) == DNS_R_NOERROR);
	set_drop(&n, 10, 1000);
	set_drop(&n, 11, 1000);
	/* two queries: each server times out MAX_TRIES times per query */
	ask(r, &n, "a.example.org", DNS_T_A, out, &sync);
	ask(r, &n, "b.example.org", DNS_T_A, out, &sync);
	/* both dead: of five queries at once at most one probe per
	 * server goes out, the others fail at once */
	for (int i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "c%d.example.org", i);
		if (start_q(r, &n, name, NULL, (uint64_t)i + 1, &rc) ==
		    RES_ANSWERED && rc == DNS_R_SERVFAIL)
			fails++;
	}
	sends = count_actions(r, RES_ACT_SEND, NULL);
	T_CHECK(sends <= 2);
	T_CHECK(fails >= 3);
	T_CHECK(res_get_stats(r)->fast_failed >= 3);
	/* the probes time out; after the backoff one probe each again */
	drive(r, &n);
	n.now += 20000;
	fails = 0;
	for (int i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "d%d.example.org", i);
		if (start_q(r, &n, name, NULL, (uint64_t)i + 1, &rc) ==
		    RES_ANSWERED && rc == DNS_R_SERVFAIL)
			fails++;
	}
	T_EQ(count_actions(r, RES_ACT_SEND, NULL), 2);
	T_EQ(fails, 3);
	drive(r, &n);
	/* the servers come back: a probe revives them */
	set_drop(&n, 10, 0);
	set_drop(&n, 11, 0);
	n.now += 20000;
	drive(r, &n);
	n.now += 20000;
	len = ask(r, &n, "www.example.org", DNS_T_TXT, out, &sync);
	T_CHECK(len > 0 && (out[3] & 0xf) != DNS_R_SERVFAIL);
	len = ask(r, &n, "x.example.org", DNS_T_A, out, &sync);
	T_CHECK(len > 0 && (out[3] & 0xf) == DNS_R_NXDOMAIN);
	res_free(r);
	net_free(&n);
}

/* At most zone_max queries in flight to the servers of one zone cut. */
static void test_zone_limit(void)
{
	fnet n;
	static uint8_t out[65536];
	res_cfg cfg;
	res_ctx *r;
	int sync, rc, pend = 0, fail = 0;
	char name[64];

	net_init(&n);
	memset(&cfg, 0, sizeof(cfg));
	cfg.zone_max = 2;
	r = new_res_cfg(&n, 1, &cfg);
	ask(r, &n, "www.example.org", DNS_T_A, out, &sync);
	set_drop(&n, 10, 1000);
	set_drop(&n, 11, 1000);
	for (int i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "n%d.example.org", i);
		if (start_q(r, &n, name, NULL, (uint64_t)i + 1, &rc) ==
		    RES_PENDING)
			pend++;
		else if (rc == DNS_R_SERVFAIL)
			fail++;
	}
	T_EQ(pend, 2);
	T_EQ(fail, 3);
	T_EQ(count_actions(r, RES_ACT_SEND, NULL), 2);
	/* another zone is not affected */
	T_EQ(start_q(r, &n, "www.example.com", NULL, 9, &rc), RES_PENDING);
	T_EQ(count_actions(r, RES_ACT_SEND, NULL), 1);
	res_free(r);
	net_free(&n);
}

/* At most server_max queries in flight to one forwarder. */
static void test_server_limit(void)
{
	fnet n;
	res_forward fw;
	res_cfg cfg;
	res_ctx *r;
	int rc, pend = 0, fail = 0;
	char name[64];

	net_init(&n);
	memset(&fw, 0, sizeof(fw));
	fw.servers = &n.srv[8].addr;       /* 192.0.2.50 */
	fw.nservers = 1;
	memset(&cfg, 0, sizeof(cfg));
	cfg.forwards = &fw;
	cfg.nforwards = 1;
	cfg.server_max = 3;
	r = new_res_cfg(&n, 1, &cfg);
	for (int i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "n%d.example.com", i);
		if (start_q(r, &n, name, NULL, (uint64_t)i + 1, &rc) ==
		    RES_PENDING)
			pend++;
		else if (rc == DNS_R_SERVFAIL)
			fail++;
	}
	T_EQ(pend, 3);
	T_EQ(fail, 2);
	T_EQ(count_actions(r, RES_ACT_SEND, NULL), 3);
	res_free(r);
	net_free(&n);
}

/* client_max queries per client address wait at once; more are
 * dropped; other clients are not affected; answers free the places. */
static void test_client_limit(void)
{
	fnet n;
	res_cfg cfg;
	res_ctx *r;
	res_addr c1 = v4(10, 0, 0, 1), c2 = v4(10, 0, 0, 2);
	int rc;

	net_init(&n);
	memset(&cfg, 0, sizeof(cfg));
	cfg.client_max = 2;
	r = new_res_cfg(&n, 1, &cfg);
	T_EQ(start_q(r, &n, "www.example.com", &c1, 1, &rc), RES_PENDING);
	T_EQ(start_q(r, &n, "www.example.net", &c1, 2, &rc), RES_PENDING);
	T_EQ(start_q(r, &n, "www.example.org", &c1, 3, &rc), RES_DROP);
	T_EQ(res_get_stats(r)->client_limited, 1);
	T_EQ(start_q(r, &n, "www.example.org", &c2, 4, &rc), RES_PENDING);
	drive(r, &n);
	T_EQ(n.nans, 3);
	T_EQ(start_q(r, &n, "alias.example.com", &c1, 5, &rc), RES_PENDING);
	res_free(r);
	net_free(&n);
}

/* max_tasks busy: a new query takes the place of one older than
 * jostle_ms (whose client is dropped), else it is dropped itself. */
static void test_jostle(void)
{
	fnet n;
	res_cfg cfg;
	res_ctx *r;
	uint64_t dropped = 0;
	int rc;

	net_init(&n);
	memset(&cfg, 0, sizeof(cfg));
	cfg.max_tasks = 2;
	cfg.jostle_ms = 200;
	r = new_res_cfg(&n, 1, &cfg);
	set_drop(&n, 1, 1000);
	T_EQ(start_q(r, &n, "www.example.com", NULL, 1, &rc), RES_PENDING);
	n.now += 50;
	T_EQ(start_q(r, &n, "www.example.net", NULL, 2, &rc), RES_PENDING);
	n.now += 100;
	T_EQ(start_q(r, &n, "www.example.org", NULL, 3, &rc), RES_DROP);
	T_EQ(res_get_stats(r)->busy_dropped, 1);
	count_actions(r, RES_ACT_SEND, NULL);
	n.now += 100;            /* the first is 250 ms old now */
	T_EQ(start_q(r, &n, "www.example.org", NULL, 4, &rc), RES_PENDING);
	T_EQ(res_get_stats(r)->jostled, 1);
	T_EQ(count_actions(r, RES_ACT_SEND, &dropped), 1);
	T_EQ(dropped, 1);
	/* the same question joins the running task, no place needed */
	T_EQ(start_q(r, &n, "www.example.net", NULL, 5, &rc), RES_PENDING);
	res_free(r);
	net_free(&n);
}

/* ---- DNS cookies, client side (RFC 7873) ---- */

/* The COOKIE option of a message's OPT (the last RR), its length or -1. */
static int msg_cookie(const uint8_t *m, size_t len, uint8_t *out,
		      size_t *opt_at)
{
	size_t pos = 12, last = 0;
	uint8_t nm[WIRE_MAXNAME];
	unsigned nrr = (unsigned)wire_get16(m + 6) + wire_get16(m + 8) +
		       wire_get16(m + 10);

	if (wire_name_read(m, len, &pos, nm) < 0)
		return -1;
	pos += 4;
	for (unsigned i = 0; i < nrr; i++) {
		last = pos;
		if (wire_name_read(m, len, &pos, nm) < 0 || pos + 10 > len)
			return -1;
		pos += 10 + wire_get16(m + pos + 8);
	}
	if (!nrr || wire_get16(m + last + 1) != DNS_T_OPT)
		return -1;
	if (opt_at)
		*opt_at = last;
	for (size_t p = last + 11; p + 4 <= len;
	     p += 4 + wire_get16(m + p + 2))
		if (wire_get16(m + p) == 10) {
			memcpy(out, m + p + 4, wire_get16(m + p + 2));
			return wire_get16(m + p + 2);
		}
	return 0;
}

/* Replace the OPT of a reply by one with a COOKIE option and the given
 * extended rcode (upper 8 bits). */
static size_t set_cookie(uint8_t *m, size_t len, const uint8_t *ck,
			 size_t cl, uint8_t ext)
{
	uint8_t tmp[64];
	size_t at = 0;

	if (msg_cookie(m, len, tmp, &at) < 0)
		return len;
	m[at] = 0;
	wire_put16(m + at + 1, DNS_T_OPT);
	wire_put16(m + at + 3, 1232);
	m[at + 5] = ext;
	m[at + 6] = 0;
	wire_put16(m + at + 7, 0x8000);
	wire_put16(m + at + 9, (uint16_t)(4 + cl));
	wire_put16(m + at + 11, 10);
	wire_put16(m + at + 13, (uint16_t)cl);
	memcpy(m + at + 15, ck, cl);
	return at + 15 + cl;
}

/* The forwarder's answer to the query of action a, in resp. */
static size_t fwd_answer(fnet *n, const res_action *a, uint8_t *resp)
{
	static uint8_t q[65536];
	fsrv *s = find_srv(n, &a->server);
	size_t rlen = 0;
	zone_stats st;

	memcpy(q, a->msg, a->len);
	memset(&st, 0, sizeof(st));
	if (!s || zone_db_answer(s->db, q, a->len, 0, resp, 65535, &rlen,
				 &st) != ZONE_REPLY)
		return 0;
	return rlen;
}

static int next_send(res_ctx *r, res_action *a)
{
	int k;

	while ((k = res_next_action(r, a)) != RES_ACT_NONE)
		if (k == RES_ACT_SEND)
			return 1;
	return 0;
}

static void test_cookies(void)
{
	static uint8_t resp[65536];
	uint8_t cc[64], ck[64], sc[8] = "SERVER01", sc2[8] = "SERVER02";
	fnet n;
	res_forward fw;
	res_cfg cfg;
	res_ctx *r;
	res_action a;
	size_t rl;
	int rc;

	net_init(&n);
	memset(&fw, 0, sizeof(fw));
	fw.servers = &n.srv[8].addr;       /* 192.0.2.50 */
	fw.nservers = 1;
	memset(&cfg, 0, sizeof(cfg));
	cfg.forwards = &fw;
	cfg.nforwards = 1;
	r = new_res_cfg(&n, 1, &cfg);
	/* the first query: a client cookie only */
	T_EQ(start_q(r, &n, "www.example.com", NULL, 1, &rc), RES_PENDING);
	T_CHECK(next_send(r, &a));
	T_EQ(msg_cookie(a.msg, a.len, cc, NULL), 8);
	rl = fwd_answer(&n, &a, resp);
	T_CHECK(rl > 0);
	/* a reply with another client cookie is dropped; ours is taken */
	memcpy(ck, cc, 8);
	ck[0] ^= 1;
	memcpy(ck + 8, sc, 8);
	rl = set_cookie(resp, rl, ck, 16, 0);
	T_EQ(res_on_reply(r, a.txn, resp, rl, n.now), 1);
	T_EQ(res_get_stats(r)->cookie_spoofed, 1);
	ck[0] ^= 1;
	rl = set_cookie(resp, rl, ck, 16, 0);
	T_EQ(res_on_reply(r, a.txn, resp, rl, n.now), 0);
	T_EQ(count_actions(r, RES_ACT_ANSWER, NULL), 1);
	/* the next query to the server carries its cookie */
	T_EQ(start_q(r, &n, "www.corp", NULL, 2, &rc), RES_PENDING);
	T_CHECK(next_send(r, &a));
	T_EQ(msg_cookie(a.msg, a.len, ck, NULL), 16);
	T_CHECK(memcmp(ck, cc, 8) == 0 && memcmp(ck + 8, sc, 8) == 0);
	/* BADCOOKIE with a new server cookie: asked again with it */
	rl = fwd_answer(&n, &a, resp);
	memcpy(ck + 8, sc2, 8);
	rl = set_cookie(resp, rl, ck, 16, 1);
	wire_put16(resp + 2, (uint16_t)((wire_get16(resp + 2) & ~0xf) | 7));
	T_EQ(res_on_reply(r, a.txn, resp, rl, n.now), 0);
	T_EQ(res_get_stats(r)->badcookie, 1);
	T_CHECK(next_send(r, &a));
	T_EQ(msg_cookie(a.msg, a.len, ck, NULL), 16);
	T_CHECK(memcmp(ck, cc, 8) == 0 && memcmp(ck + 8, sc2, 8) == 0);
	/* a reply without cookie (the server stopped doing them) is fine */
	rl = fwd_answer(&n, &a, resp);
	T_EQ(res_on_reply(r, a.txn, resp, rl, n.now), 0);
	T_EQ(count_actions(r, RES_ACT_ANSWER, NULL), 1);
	res_free(r);
	/* another secret, another client cookie; none when turned off */
	cfg.cookie_secret[0] = 1;
	r = new_res_cfg(&n, 1, &cfg);
	T_EQ(start_q(r, &n, "www.example.com", NULL, 1, &rc), RES_PENDING);
	T_CHECK(next_send(r, &a));
	T_EQ(msg_cookie(a.msg, a.len, ck, NULL), 8);
	T_CHECK(memcmp(ck, cc, 8) != 0);
	res_free(r);
	cfg.no_cookies = 1;
	r = new_res_cfg(&n, 1, &cfg);
	T_EQ(start_q(r, &n, "www.example.com", NULL, 1, &rc), RES_PENDING);
	T_CHECK(next_send(r, &a));
	T_EQ(msg_cookie(a.msg, a.len, ck, NULL), 0);
	res_free(r);
	net_free(&n);
}

/* res_query_parsed takes the caller's parse (zone_db_handle's): the same
 * answers as res_query, and the message is not parsed again. */
static void test_query_parsed(void)
{
	fnet n;
	static uint8_t out[65536], out2[65536];
	uint8_t q[512];
	size_t qlen, len = 0, len2 = 0;
	wire_query wq;
	res_result rr;
	res_ctx *r;
	ldns_pkt *p;

	net_init(&n);
	r = new_res(&n, 1);
	T_CHECK(r != NULL);
	if (!r)
		return;
	qlen = make_query(q, "www.example.com", DNS_T_A, 0x4321, 1);
	T_EQ(wire_query_parse(q, qlen, &wq), WQ_OK);
	n.nans = 0;
	rr = res_query_parsed(r, NULL, &wq, q, qlen, 0, n.now, out,
			      sizeof(out), &len, 9);
	T_EQ(rr, RES_PENDING);
	drive(r, &n);
	T_EQ(n.nans, 1);
	p = n.nans ? pkt_of(n.ans[0], n.anslen[0]) : NULL;
	T_CHECK(p != NULL);
	if (p) {
		T_EQ(ldns_pkt_id(p), 0x4321);
		T_CHECK(sec_has(p, 1, "192.0.2.80"));
		ldns_pkt_free(p);
	}
	/* a hit: the same bytes as res_query gives for the same message */
	qlen = make_query(q, "WWW.Example.com", DNS_T_A, 0x5555, 1);
	T_EQ(wire_query_parse(q, qlen, &wq), WQ_OK);
	T_EQ(res_query(r, q, qlen, 0, n.now, out2, sizeof(out2), &len2, 10),
	     RES_ANSWERED);
	/* the header is not looked at again: with QR set, a parse would
	 * drop the message */
	q[2] |= 0x80;
	T_EQ(res_query_parsed(r, NULL, &wq, q, qlen, 0, n.now, out,
			      sizeof(out), &len, 11), RES_ANSWERED);
	T_EQ(len, len2);
	T_CHECK(len == len2 && memcmp(out, out2, len) == 0);
	T_EQ(res_query(r, q, qlen, 0, n.now, out2, sizeof(out2), &len2, 12),
	     RES_DROP);
	T_EQ(res_get_stats(r)->queries, 4);
	T_EQ(res_get_stats(r)->cache_hits, 2);
	/* the checks of res_query still apply: class CH is refused */
	qlen = make_query(q, "www.example.com", DNS_T_A, 0x6666, 0);
	wire_put16(q + qlen - 2, DNS_C_CH);
	T_EQ(wire_query_parse(q, qlen, &wq), WQ_OK);
	T_EQ(res_query_parsed(r, NULL, &wq, q, qlen, 0, n.now, out,
			      sizeof(out), &len, 13), RES_ANSWERED);
	T_CHECK(len >= WIRE_HDRLEN && (out[3] & 0xf) == DNS_R_REFUSED);
	res_free(r);
	net_free(&n);
}

/* A DS trust anchor whose digest does not fit its digest type could
 * never match a key: it is an error with its line, not a silently
 * insecure tree (issue 12, item 3). */
static void test_anchor_digest_length(void)
{
	char err[256] = "";

	T_EQ(res_anchors_check(". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65"
			       "D08458E880409BBC683457104237C7F8EC8D\n", err,
			       sizeof(err)), 0);
	T_EQ(res_anchors_check("; comment\n. IN DS 20326 8 1 E06D44B80B8F1D39"
			       "A95C0B0D7C65D08458E880409BBC683457104237C7F8"
			       "EC8D\n", err, sizeof(err)), -1);
	T_CHECK(strstr(err, "line 2") != NULL);
	T_CHECK(strstr(err, "digest type 1") != NULL);
	T_EQ(res_anchors_check(". IN DS 20326 8 4 E06D44B80B8F1D39A95C0B0D7C65"
			       "D08458E880409BBC683457104237C7F8EC8D\n", err,
			       sizeof(err)), -1);
}

int main(void)
{
	T_RUN(test_hints);
	T_RUN(test_srtt);
	T_RUN(test_iterate_and_cache);
	T_RUN(test_qmin_off);
	T_RUN(test_qmin_deep);
	T_RUN(test_cname_cross_zone);
	T_RUN(test_negative);
	T_RUN(test_glueless);
	T_RUN(test_timeout_retry);
	T_RUN(test_all_dead);
	T_RUN(test_lame);
	T_RUN(test_spoof_ignored);
	T_RUN(test_caps_fallback);
	T_RUN(test_shared_task);
	T_RUN(test_forwarding);
	T_RUN(test_tcp_fallback);
	T_RUN(test_dname_loop_ds);
	T_RUN(test_no_negcache);
	T_RUN(test_ttl_clamp);
	T_RUN(test_prefetch);
	T_RUN(test_serve_stale);
	T_RUN(test_do_rrsig);
	T_RUN(test_out_of_bailiwick_glue);
	T_RUN(test_any);
	T_RUN(test_qmin_fallback);
	T_RUN(test_dead_then_glueless);
	T_RUN(test_parent_side_ns);
	T_RUN(test_forward_modes);
	T_RUN(test_deadline);
	T_RUN(test_dead_server_fast_fail);
	T_RUN(test_zone_limit);
	T_RUN(test_server_limit);
	T_RUN(test_client_limit);
	T_RUN(test_jostle);
	T_RUN(test_cookies);
	T_RUN(test_query_parsed);
	T_RUN(test_anchor_digest_length);
	T_DONE();
}
