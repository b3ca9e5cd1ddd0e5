/* Unit tests for the resolver's upstream message parts (resolver/msg.c):
 * parsing a compressed reply, reading RRsets, following the answer
 * section into a task's chain. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resolver/res_int.h"
#include "tests/unit/t.h"

static void nm(const char *s, uint8_t *out)
{
	wire_name_from_str(s, out);
}

/* A reply: www.example.com CNAME host.example.com, host A 192.0.2.1
 * (TTL with the high bit set), the SOA in authority, all names
 * compressed; then an additional record cut short. */
static size_t build_reply(uint8_t *buf, size_t cap)
{
	uint8_t www[WIRE_MAXNAME], host[WIRE_MAXNAME], apex[WIRE_MAXNAME];
	uint8_t rd[2 * WIRE_MAXNAME + 20], a[4] = { 192, 0, 2, 1 };
	wire_writer w;
	size_t n;

	nm("WWW.Example.COM", www);
	nm("Host.Example.com", host);
	nm("example.com", apex);
	wire_writer_init(&w, buf, cap, cap);
	wire_write16(&w, 0x1111);
	wire_write16(&w, DNS_F_QR | DNS_F_AA);
	wire_write16(&w, 1);
	wire_write16(&w, 2);
	wire_write16(&w, 1);
	wire_write16(&w, 1);
	wire_write_name(&w, www, 1);
	wire_write16(&w, DNS_T_A);
	wire_write16(&w, DNS_C_IN);
	wire_write_rr(&w, www, DNS_T_CNAME, DNS_C_IN, 300, host,
		      (uint16_t)wire_name_len(host), NULL);
	wire_write_rr(&w, host, DNS_T_A, DNS_C_IN, 0x80000001u, a, 4, NULL);
	nm("ns.example.com", rd);
	n = wire_name_len(rd);
	nm("hostmaster.example.com", rd + n);
	n += wire_name_len(rd + n);
	memset(rd + n, 0, 20);
	wire_put32(rd + n + 16, 60);   /* minimum */
	wire_write_rr(&w, apex, DNS_T_SOA, DNS_C_IN, 600, rd,
		      (uint16_t)(n + 20), NULL);
	wire_write(&w, "\x00\x00\x01", 3);   /* additional: cut short */
	return w.len;
}

static void test_parse(void)
{
	res_msg *m = malloc(sizeof(*m));
	uint8_t pkt[1024], name[WIRE_MAXNAME], out[512];
	const msg_rr *rr;
	uint32_t len, ttl;
	size_t plen = build_reply(pkt, sizeof(pkt));

	T_CHECK(m != NULL);
	if (!m)
		return;
	/* the bad additional record is dropped, the rest kept */
	T_EQ(res_msg_parse(m, pkt, plen), 0);
	T_EQ(m->id, 0x1111);
	T_EQ(m->nrr, 3);
	T_EQ(m->qtype, DNS_T_A);
	/* CNAME rdata decompressed; owner lowercased */
	rr = res_msg_first(m, RR_SEC_AN, DNS_T_CNAME);
	T_CHECK(rr != NULL);
	nm("host.example.com", name);
	if (rr) {
		T_EQ(rr->rdlen, wire_name_len(name));
		T_CHECK(wire_name_equal(m->buf + rr->rd, name));
		nm("www.example.com", out);
		T_CHECK(memcmp(rr_owner(m, rr), out, wire_name_len(out)) == 0);
	}
	/* SOA: two names decompressed, 20 bytes after */
	rr = res_msg_first(m, RR_SEC_NS, DNS_T_SOA);
	T_CHECK(rr != NULL);
	if (rr)
		T_EQ(rr->rdlen, 16 + 24 + 20);
	/* the A RRset in zones/ format; a TTL with the high bit is 0 */
	T_EQ(res_msg_rrset(m, RR_SEC_AN, name, DNS_T_A, out, sizeof(out),
			   &len, &ttl), 1);
	T_EQ(len, 6);
	T_EQ(ttl, 0);
	T_CHECK(memcmp(out, "\x00\x04\xc0\x00\x02\x01", 6) == 0);
	T_EQ(res_msg_rrset(m, RR_SEC_AN, name, DNS_T_AAAA, out, sizeof(out),
			   &len, &ttl), 0);
	/* a truncated answer section is an error */
	T_CHECK(res_msg_parse(m, pkt, 40) < 0);
	T_CHECK(res_msg_parse(m, pkt, 11) < 0);
	free(m);
}

/* A resolver with the default configuration and a message to parse
 * into (*m); NULL (both freed) if either could not be had. */
static res_ctx *new_ctx(res_msg **m)
{
	res_cfg cfg;
	res_ctx *r;
	char err[128];

	memset(&cfg, 0, sizeof(cfg));
	*m = malloc(sizeof(**m));
	r = res_new(&cfg, err, sizeof(err));
	T_CHECK(r != NULL && *m != NULL);
	if (!r || !*m) {
		free(*m);
		res_free(r);
		return NULL;
	}
	return r;
}

static void test_follow(void)
{
	res_ctx *r;
	res_task *t;
	res_msg *m;
	uint8_t pkt[1024], name[WIRE_MAXNAME], host[WIRE_MAXNAME];
	size_t plen = build_reply(pkt, sizeof(pkt));

	r = new_ctx(&m);
	if (!r)
		return;
	T_EQ(res_msg_parse(m, pkt, plen), 0);
	nm("www.example.com", name);
	t = res_task_new(r, name, DNS_T_A, DNS_C_IN, NULL);
	T_CHECK(t != NULL);
	if (t) {
		/* without recording: only whether the answer goes there */
		T_EQ(res_follow_answer(r, t, m, name, DNS_T_A, 0), CH_FINAL);
		T_EQ(t->nchain, 0);
		/* recording: the CNAME link, then the data; name moves on */
		T_EQ(res_follow_answer(r, t, m, name, DNS_T_A, 1), CH_FINAL);
		T_EQ(t->nchain, 2);
		nm("host.example.com", host);
		T_CHECK(wire_name_equal(name, host));
		T_EQ(t->chain[0].type, DNS_T_CNAME);
		T_EQ(t->chain[0].ttl, 300);
		T_EQ(t->chain[1].type, DNS_T_A);
		T_EQ(t->min_ttl, 0);
		/* the SOA for a negative answer, only within the bailiwick */
		nm("example.org", host);
		res_take_soa(r, t, m, host);
		T_EQ(t->has_soa, 0);
		res_take_soa(r, t, m, (const uint8_t *)"");
		T_EQ(t->has_soa, 1);
		T_EQ(res_neg_ttl(r, t), 60);
		/* NODATA for a type the answer does not have */
		nm("host.example.com", name);
		T_EQ(res_follow_answer(r, t, m, name, DNS_T_AAAA, 0),
		     CH_NONE);
	}
	free(m);
	res_free(r);    /* frees the task too */
}

/* A reply to (qname, qtype) with answer RRs given as "owner TYPE target"
 * (CNAME, DNAME: a name; A: 192.0.2.1). */
static size_t build_answer(uint8_t *buf, size_t cap, const char *qname,
			   uint16_t qtype, const char *const *rrs, size_t n)
{
	uint8_t owner[WIRE_MAXNAME], rd[WIRE_MAXNAME];
	wire_writer w;

	wire_writer_init(&w, buf, cap, cap);
	wire_write16(&w, 0x2222);
	wire_write16(&w, DNS_F_QR | DNS_F_AA);
	wire_write16(&w, 1);
	wire_write16(&w, (uint16_t)n);
	wire_write16(&w, 0);
	wire_write16(&w, 0);
	nm(qname, owner);
	wire_write_name(&w, owner, 1);
	wire_write16(&w, qtype);
	wire_write16(&w, DNS_C_IN);
	for (size_t i = 0; i < n; i++) {
		char o[128], ty[16], tg[128];
		uint16_t type;

		if (sscanf(rrs[i], "%127s %15s %127s", o, ty, tg) != 3)
			return 0;
		nm(o, owner);
		type = strcmp(ty, "A") == 0 ? DNS_T_A :
		       strcmp(ty, "DNAME") == 0 ? DNS_T_DNAME : DNS_T_CNAME;
		if (type == DNS_T_A)
			wire_write_rr(&w, owner, type, DNS_C_IN, 300,
				      (const uint8_t *)"\xc0\x00\x02\x01", 4,
				      NULL);
		else {
			nm(tg, rd);
			wire_write_rr(&w, owner, type, DNS_C_IN, 300, rd,
				      (uint16_t)wire_name_len(rd), NULL);
		}
	}
	return w.len;
}

/* Follow a built answer from qname; returns the CH_ result, the chain's
 * types in *types (up to 8) and where the name ended in end. */
static int follow(res_ctx *r, res_msg *m, const char *qname, uint16_t qt,
		  const char *const *rrs, size_t n, const char *bw,
		  uint16_t *types, int *nchain, uint8_t *end)
{
	uint8_t pkt[2048], b[WIRE_MAXNAME];
	size_t plen = build_answer(pkt, sizeof(pkt), qname, qt, rrs, n);
	res_task *t;
	int ch;

	nm(qname, end);
	nm(bw, b);
	if (res_msg_parse(m, pkt, plen) < 0 ||
	    !(t = res_task_new(r, end, qt, DNS_C_IN, NULL)))
		return -1;
	res_msg_bailiwick(m, b);     /* as the reply path does */
	ch = res_follow_answer(r, t, m, end, qt, 1);
	*nchain = t->nchain;
	for (int i = 0; i < t->nchain && i < 8; i++)
		types[i] = t->chain[i].type;
	return ch;
}

/* RFC 6672: a DNAME above the name first, its CNAME synthesised here;
 * qtype CNAME ends with it; loops; records outside the bailiwick. */
static void test_follow_dname(void)
{
	static const char *const dn[] = {
		"y.a.example.com CNAME y.b.example.com",   /* server's */
		"a.example.com DNAME b.example.com",
		"y.b.example.com A x",
	};
	static const char *const loop[] = {
		"c1.example.com CNAME c2.example.com",
		"c2.example.com CNAME c1.example.com",
	};
	static const char *const dloop[] = {
		"l1.example.com DNAME l2.example.com",
		"l2.example.com DNAME l1.example.com",
	};
	static const char *const out[] = {
		"x.example.com CNAME y.example.org",
		"y.example.org A x",
	};
	res_ctx *r;
	res_msg *m;
	uint8_t end[WIRE_MAXNAME], want[WIRE_MAXNAME];
	uint16_t ty[8];
	int n;

	r = new_ctx(&m);
	if (!r)
		return;
	T_EQ(follow(r, m, "y.a.example.com", DNS_T_A, dn, 3, "example.com",
		    ty, &n, end), CH_FINAL);
	T_EQ(n, 3);
	T_EQ(ty[0], DNS_T_DNAME);
	T_EQ(ty[1], DNS_T_CNAME);
	T_EQ(ty[2], DNS_T_A);
	/* qtype CNAME: the synthesised CNAME is the answer */
	T_EQ(follow(r, m, "y.a.example.com", DNS_T_CNAME, dn, 2,
		    "example.com", ty, &n, end), CH_FINAL);
	T_EQ(n, 2);
	T_EQ(ty[0], DNS_T_DNAME);
	T_EQ(ty[1], DNS_T_CNAME);
	nm("y.b.example.com", want);
	T_CHECK(wire_name_equal(end, want));
	/* qtype DNAME below the DNAME: followed to the target */
	T_EQ(follow(r, m, "y.a.example.com", DNS_T_DNAME, dn, 2,
		    "example.com", ty, &n, end), CH_MOVED);
	T_EQ(n, 2);
	/* loops stop at the name seen before */
	T_EQ(follow(r, m, "c1.example.com", DNS_T_A, loop, 2, "example.com",
		    ty, &n, end), CH_LOOP);
	T_EQ(n, 2);
	T_EQ(follow(r, m, "www.l1.example.com", DNS_T_A, dloop, 2,
		    "example.com", ty, &n, end), CH_LOOP);
	T_EQ(n, 4);
	/* outside the server's zone the chain stops */
	T_EQ(follow(r, m, "x.example.com", DNS_T_A, out, 2, "example.com",
		    ty, &n, end), CH_MOVED);
	T_EQ(n, 1);
	nm("y.example.org", want);
	T_CHECK(wire_name_equal(end, want));
	T_EQ(follow(r, m, "x.example.com", DNS_T_A, out, 2, ".", ty, &n,
		    end), CH_FINAL);
	T_EQ(n, 2);
	free(m);
	res_free(r);
}

/* RFC 2181 5.4.1: answer records outside the asked server's zone are
 * dropped, so a CNAME that leaves the zone is followed afresh. */
static void test_bailiwick(void)
{
	res_cfg cfg;
	res_ctx *r;
	res_task *t;
	res_msg *m = malloc(sizeof(*m));
	uint8_t pkt[1024], name[WIRE_MAXNAME], bw[WIRE_MAXNAME];
	char err[128];
	size_t plen = build_reply(pkt, sizeof(pkt)), n;

	memset(&cfg, 0, sizeof(cfg));
	r = res_new(&cfg, err, sizeof(err));
	T_CHECK(r != NULL && m != NULL);
	if (!r || !m) {
		free(m);
		res_free(r);
		return;
	}
	T_EQ(res_msg_parse(m, pkt, plen), 0);
	n = m->nrr;
	res_msg_bailiwick(m, (const uint8_t *)"");      /* a forwarder */
	T_EQ(m->nrr, n);
	nm("example.com", bw);
	res_msg_bailiwick(m, bw);
	T_EQ(m->nrr, n);
	nm("www.example.com", bw);     /* a zone of its own */
	res_msg_bailiwick(m, bw);
	T_EQ(m->nrr, n - 1);           /* host.example.com A is gone */
	T_CHECK(res_msg_first(m, RR_SEC_AN, DNS_T_A) == NULL);
	T_CHECK(res_msg_first(m, RR_SEC_NS, DNS_T_SOA) != NULL);
	nm("www.example.com", name);
	t = res_task_new(r, name, DNS_T_A, DNS_C_IN, NULL);
	T_CHECK(t != NULL);
	if (t) {
		T_EQ(res_follow_answer(r, t, m, name, DNS_T_A, 1), CH_MOVED);
		T_EQ(t->nchain, 1);
		nm("host.example.com", bw);
		T_CHECK(wire_name_equal(name, bw));
	}
	free(m);
	res_free(r);
}
int main(void)
{
	T_RUN(test_parse);
	T_RUN(test_follow);
	T_RUN(test_follow_dname);
	T_RUN(test_bailiwick);
	T_DONE();
}
