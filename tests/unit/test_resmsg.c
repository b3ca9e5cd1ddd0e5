/* Unit tests for the resolver's upstream message parts (resolver/msg.c):
 * parsing a compressed reply, reading RRsets, following the answer
 * section into a task's chain. */
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

static void test_follow(void)
{
	res_cfg cfg;
	res_ctx *r;
	res_task *t;
	res_msg *m = malloc(sizeof(*m));
	uint8_t pkt[1024], name[WIRE_MAXNAME], host[WIRE_MAXNAME];
	char err[128];
	size_t plen = build_reply(pkt, sizeof(pkt));

	memset(&cfg, 0, sizeof(cfg));
	r = res_new(&cfg, err, sizeof(err));
	T_CHECK(r != NULL && m != NULL);
	if (!r || !m) {
		free(m);
		res_free(r);
		return;
	}
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
	T_RUN(test_bailiwick);
	T_DONE();
}
