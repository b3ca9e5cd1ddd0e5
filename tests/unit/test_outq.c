/*
 * Unit tests for the outgoing-query table (zones/outq.c) with a fake
 * clock and a fixed random sequence: ids, matching (wrong id, address,
 * port, transport, question, opcode: rejected and counted), retries with
 * backoff, the final timeout, TC fallback to TCP, streams, cancel, and
 * TSIG-signed requests with verified and failed responses.
 */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/t.h"
#include "zones/outq.h"

typedef struct fake_rnd {
	const uint16_t *ids;     /* ids to hand out, then a counter */
	size_t n, i;
	uint16_t ctr;
} fake_rnd;

static void rnd(void *arg, void *buf, size_t len)
{
	fake_rnd *r = arg;
	uint16_t v = r->i < r->n ? r->ids[r->i] : (uint16_t)(0x5000 +
								r->ctr++);
	uint8_t *b = buf;

	r->i++;
	for (size_t k = 0; k < len; k++)
		b[k] = k % 2 ? (uint8_t)v : (uint8_t)(v >> 8);
}

static zone_oq_addr srv(uint8_t last, uint16_t port)
{
	zone_oq_addr a;

	memset(&a, 0, sizeof(a));
	a.af = 4;
	a.addr[0] = 192;
	a.addr[1] = 0;
	a.addr[2] = 2;
	a.addr[3] = last;
	a.port = port;
	return a;
}

/* A query for name/qtype IN with id 0. */
static size_t mkquery(uint8_t *buf, const char *name, uint16_t qtype)
{
	uint8_t w[WIRE_MAXNAME];
	int n = wire_name_from_str(name, w);

	memset(buf, 0, WIRE_HDRLEN);
	wire_put16(buf + 4, 1);
	memcpy(buf + WIRE_HDRLEN, w, (size_t)n);
	wire_put16(buf + WIRE_HDRLEN + n, qtype);
	wire_put16(buf + WIRE_HDRLEN + n + 2, DNS_C_IN);
	return WIRE_HDRLEN + (size_t)n + 4;
}

/* The reply to a sent query: QR (and flags) set, same question. */
static size_t mkreply(uint8_t *out, const zone_oq_action *a, uint16_t flags)
{
	memcpy(out, a->msg, a->len);
	wire_put16(out + 2, (uint16_t)(wire_get16(out + 2) | DNS_F_QR |
				       flags));
	return a->len;
}

static zone_outq *mk(fake_rnd *r)
{
	return zone_outq_new(64, rnd, r);
}

static void test_ids(void)
{
	static const uint16_t ids[] = { 0x1111, 0x1111, 0x2222, 0x1111 };
	fake_rnd r = { ids, 4, 0, 0 };
	zone_outq *q = mk(&r);
	zone_oq_opts o = { 0, NULL, 1000, 0 };
	zone_oq_addr s1 = srv(1, 53), s2 = srv(2, 53);
	zone_oq_action a;
	uint8_t m[512];
	size_t n = mkquery(m, "example.com", DNS_T_A);
	uint32_t h1, h2, h3;

	T_EQ(zone_outq_query(q, &s1, m, n, &o, 1, 0, &h1, &a), 0);
	T_EQ(a.kind, ZOQ_ACT_SEND);
	T_EQ(wire_get16(a.msg), 0x1111);
	T_EQ(a.tcp, 0);
	/* the same server: 0x1111 is taken, the next draw is used */
	T_EQ(zone_outq_query(q, &s1, m, n, &o, 2, 0, &h2, &a), 0);
	T_EQ(wire_get16(a.msg), 0x2222);
	/* another server may have the same id */
	T_EQ(zone_outq_query(q, &s2, m, n, &o, 3, 0, &h3, &a), 0);
	T_EQ(wire_get16(a.msg), 0x1111);
	T_CHECK(h1 != h2 && h2 != h3);
	T_EQ(zone_outq_pending(q), 3);
	/* ZOQ_KEEP_ID keeps the caller's id */
	o.flags = ZOQ_KEEP_ID;
	wire_put16(m, 0xbeef);
	T_EQ(zone_outq_query(q, &s1, m, n, &o, 4, 0, &h3, &a), 0);
	T_EQ(wire_get16(a.msg), 0xbeef);
	zone_outq_free(q);
}

static void test_match(void)
{
	fake_rnd r = { NULL, 0, 0, 0 };
	zone_outq *q = mk(&r);
	zone_oq_opts o = { 0, NULL, 1000, 2 };
	zone_oq_addr s1 = srv(1, 53), other = srv(9, 53), port = srv(1, 54);
	zone_oq_action a, b;
	uint8_t m[512], rep[512], bad[512];
	size_t n = mkquery(m, "Example.COM", DNS_T_A), rn;
	uint32_t h;
	const zone_oq_stats *st = zone_outq_stats(q);

	T_EQ(zone_outq_query(q, &s1, m, n, &o, 7, 0, &h, &a), 0);
	rn = mkreply(rep, &a, 0);
	/* wrong id */
	memcpy(bad, rep, rn);
	wire_put16(bad, (uint16_t)(wire_get16(rep) + 1));
	T_EQ(zone_outq_on_reply(q, 0, &s1, 0, bad, rn, 10, &b),
	     ZOQ_RX_BAD_ID);
	T_EQ(zone_outq_on_reply(q, h, &s1, 0, bad, rn, 10, &b),
	     ZOQ_RX_BAD_ID);
	/* wrong address, wrong port, wrong transport */
	T_EQ(zone_outq_on_reply(q, 0, &other, 0, rep, rn, 10, &b),
	     ZOQ_RX_BAD_ADDR);
	T_EQ(zone_outq_on_reply(q, h, &port, 0, rep, rn, 10, &b),
	     ZOQ_RX_BAD_ADDR);
	T_EQ(zone_outq_on_reply(q, 0, &s1, 1, rep, rn, 10, &b),
	     ZOQ_RX_BAD_ADDR);
	/* wrong question: name, then type */
	memcpy(bad, rep, rn);
	bad[WIRE_HDRLEN + 1] = 'f';
	T_EQ(zone_outq_on_reply(q, 0, &s1, 0, bad, rn, 10, &b),
	     ZOQ_RX_BAD_QUESTION);
	memcpy(bad, rep, rn);
	wire_put16(bad + rn - 4, DNS_T_AAAA);
	T_EQ(zone_outq_on_reply(q, 0, &s1, 0, bad, rn, 10, &b),
	     ZOQ_RX_BAD_QUESTION);
	/* another opcode (a NOTIFY answer to a query) */
	memcpy(bad, rep, rn);
	wire_put16(bad + 2, (uint16_t)(wire_get16(bad + 2) |
				       DNS_OP_NOTIFY << 11));
	T_EQ(zone_outq_on_reply(q, 0, &s1, 0, bad, rn, 10, &b),
	     ZOQ_RX_BAD_QUESTION);
	/* no question with NOERROR; QR clear; too short */
	memcpy(bad, rep, WIRE_HDRLEN);
	wire_put16(bad + 4, 0);
	T_EQ(zone_outq_on_reply(q, 0, &s1, 0, bad, WIRE_HDRLEN, 10, &b),
	     ZOQ_RX_BAD_QUESTION);
	T_EQ(zone_outq_on_reply(q, 0, &s1, 0, m, n, 10, &b),
	     ZOQ_RX_MALFORMED);
	T_EQ(zone_outq_on_reply(q, 0, &s1, 0, rep, 5, 10, &b),
	     ZOQ_RX_MALFORMED);
	T_EQ(st->bad_id, 2);
	T_EQ(st->bad_addr, 3);
	T_EQ(st->bad_question, 4);
	T_EQ(st->malformed, 2);
	T_EQ(zone_outq_pending(q), 1);
	/* the right one, its name in another case (0x20) */
	rep[WIRE_HDRLEN + 1] = 'e';
	rep[WIRE_HDRLEN + 9] = 'c';
	T_EQ(zone_outq_on_reply(q, h, &s1, 0, rep, rn, 10, &b), ZOQ_RX_OK);
	T_EQ(b.kind, ZOQ_ACT_REPLY);
	T_EQ(b.user, 7);
	T_EQ(b.handle, h);
	T_CHECK(b.msg == rep && b.len == rn);
	T_EQ(zone_outq_pending(q), 0);
	T_EQ(st->replies, 1);
	/* a second copy finds nothing */
	T_EQ(zone_outq_on_reply(q, 0, &s1, 0, rep, rn, 10, &b),
	     ZOQ_RX_BAD_ID);
	zone_outq_free(q);
}

static void test_retries(void)
{
	fake_rnd r = { NULL, 0, 0, 0 };
	zone_outq *q = mk(&r);
	zone_oq_opts o = { 0, NULL, 1000, 3 };
	zone_oq_addr s1 = srv(1, 53);
	zone_oq_action a;
	uint8_t m[512], first[512];
	size_t n = mkquery(m, "example.org", DNS_T_SOA);
	uint32_t h;
	uint64_t now = 100000, expect[] = { 1000, 2000, 4000, 8000 };

	T_EQ(zone_outq_query(q, &s1, m, n, &o, 5, now, &h, &a), 0);
	memcpy(first, a.msg, a.len);
	T_EQ(zone_outq_next_timer(q), now + 1000);
	/* early: nothing */
	zone_outq_on_timer(q, now + 999);
	T_EQ(zone_outq_next_action(q, &a), ZOQ_ACT_NONE);
	for (int i = 0; i < 3; i++) {
		now += expect[i];
		zone_outq_on_timer(q, now);
		T_EQ(zone_outq_next_action(q, &a), ZOQ_ACT_SEND);
		T_EQ(a.handle, h);
		T_EQ(a.retry, 1);
		T_CHECK(a.len == n && memcmp(a.msg, first, n) == 0);
		T_EQ(zone_outq_next_timer(q), now + expect[i + 1]);
		T_EQ(zone_outq_next_action(q, &a), ZOQ_ACT_NONE);
	}
	/* a network error with no tries left fails at once */
	now += 8000;
	zone_outq_on_timer(q, now);
	T_EQ(zone_outq_next_action(q, &a), ZOQ_ACT_FAIL);
	T_EQ(a.error, ZOQ_E_TIMEOUT);
	T_EQ(a.user, 5);
	T_EQ(zone_outq_pending(q), 0);
	T_EQ(zone_outq_stats(q)->retries, 3);
	T_EQ(zone_outq_stats(q)->timeouts, 1);
	zone_outq_free(q);
}

static void test_errors_cancel(void)
{
	fake_rnd r = { NULL, 0, 0, 0 };
	zone_outq *q = mk(&r);
	zone_oq_opts o = { 0, NULL, 500, 1 };
	zone_oq_addr s1 = srv(1, 53);
	zone_oq_action a, b;
	uint8_t m[512], rep[512];
	size_t n = mkquery(m, "a.example", DNS_T_A), rn;
	uint32_t h, h2;

	T_EQ(zone_outq_query(q, &s1, m, n, &o, 1, 0, &h, &a), 0);
	/* a try is left: the error waits for the timer */
	zone_outq_on_error(q, h, 1);
	T_EQ(zone_outq_next_action(q, &a), ZOQ_ACT_NONE);
	zone_outq_on_timer(q, 500);
	T_EQ(zone_outq_next_action(q, &a), ZOQ_ACT_SEND);
	zone_outq_on_error(q, h, 600);
	T_EQ(zone_outq_next_action(q, &a), ZOQ_ACT_FAIL);
	T_EQ(a.error, ZOQ_E_NET);
	/* cancel: no action, a reply finds nothing, the slot is reused
	 * with a new handle (the old one is stale) */
	T_EQ(zone_outq_query(q, &s1, m, n, &o, 2, 0, &h, &a), 0);
	rn = mkreply(rep, &a, 0);
	zone_outq_cancel(q, h);
	zone_outq_on_timer(q, 100000);
	T_EQ(zone_outq_next_action(q, &b), ZOQ_ACT_NONE);
	T_EQ(zone_outq_on_reply(q, h, &s1, 0, rep, rn, 10, &b),
	     ZOQ_RX_BAD_ID);
	T_EQ(zone_outq_query(q, &s1, m, n, &o, 3, 0, &h2, &a), 0);
	T_CHECK(h2 != h);
	zone_outq_cancel(q, h);   /* stale: ignored */
	T_EQ(zone_outq_pending(q), 1);
	/* the table is full */
	for (int i = 0; i < 63; i++)
		T_EQ(zone_outq_query(q, &s1, m, n, &o, 9, 0, &h, &a), 0);
	T_EQ(zone_outq_query(q, &s1, m, n, &o, 9, 0, &h, &a), -1);
	zone_outq_free(q);
}

static void test_tc_fallback(void)
{
	fake_rnd r = { NULL, 0, 0, 0 };
	zone_outq *q = mk(&r);
	zone_oq_opts o = { 0, NULL, 1000, 2 };
	zone_oq_addr s1 = srv(1, 53);
	zone_oq_action a, b;
	uint8_t m[512], rep[512];
	size_t n = mkquery(m, "big.example", DNS_T_TXT), rn;
	uint32_t h;

	T_EQ(zone_outq_query(q, &s1, m, n, &o, 4, 0, &h, &a), 0);
	rn = mkreply(rep, &a, DNS_F_TC);
	T_EQ(zone_outq_on_reply(q, h, &s1, 0, rep, rn, 20, &b), ZOQ_RX_OK);
	T_EQ(b.kind, ZOQ_ACT_SEND);
	T_EQ(b.tcp, 1);
	T_EQ(b.handle, h);
	T_CHECK(b.len == n && wire_get16(b.msg) == wire_get16(rep));
	/* the old deadline fires early and finds nothing to do */
	T_EQ(zone_outq_next_timer(q), 1000);
	zone_outq_on_timer(q, 1000);
	T_EQ(zone_outq_next_action(q, &b), ZOQ_ACT_NONE);
	T_EQ(zone_outq_next_timer(q), 1020);
	/* a UDP copy now is not from the transport in use */
	T_EQ(zone_outq_on_reply(q, h, &s1, 0, rep, rn, 30, &b),
	     ZOQ_RX_BAD_ADDR);
	wire_put16(rep + 2, (uint16_t)(wire_get16(rep + 2) & ~DNS_F_TC));
	T_EQ(zone_outq_on_reply(q, 0, &s1, 1, rep, rn, 30, &b), ZOQ_RX_OK);
	T_EQ(b.kind, ZOQ_ACT_REPLY);
	T_EQ(b.tcp, 1);
	T_EQ(zone_outq_stats(q)->tc_fallbacks, 1);
	/* TCP has no retries: its timeout fails the query */
	T_EQ(zone_outq_query(q, &s1, m, n, &o, 5, 0, &h, &a), 0);
	rn = mkreply(rep, &a, DNS_F_TC);
	T_EQ(zone_outq_on_reply(q, h, &s1, 0, rep, rn, 0, &b), ZOQ_RX_OK);
	zone_outq_on_timer(q, 1000);
	T_EQ(zone_outq_next_action(q, &b), ZOQ_ACT_FAIL);
	T_EQ(b.error, ZOQ_E_TIMEOUT);
	/* ZOQ_TC_RAW: the truncated reply is delivered */
	o.flags = ZOQ_TC_RAW;
	o.retries = 0;
	T_EQ(zone_outq_query(q, &s1, m, n, &o, 6, 0, &h, &a), 0);
	rn = mkreply(rep, &a, DNS_F_TC);
	T_EQ(zone_outq_on_reply(q, h, &s1, 0, rep, rn, 0, &b), ZOQ_RX_OK);
	T_EQ(b.kind, ZOQ_ACT_REPLY);
	zone_outq_free(q);
}

static void test_stream(void)
{
	fake_rnd r = { NULL, 0, 0, 0 };
	zone_outq *q = mk(&r);
	zone_oq_opts o = { ZOQ_TCP | ZOQ_STREAM, NULL, 15000, 0 };
	zone_oq_addr s1 = srv(1, 53);
	zone_oq_action a, b;
	uint8_t m[512], rep[512];
	size_t n = mkquery(m, "example.net", DNS_T_AXFR), rn;
	uint32_t h;

	T_EQ(zone_outq_query(q, &s1, m, n, &o, 8, 0, &h, &a), 0);
	T_EQ(a.tcp, 1);
	rn = mkreply(rep, &a, 0);
	T_EQ(zone_outq_on_reply(q, 0, &s1, 1, rep, rn, 100, &b), ZOQ_RX_OK);
	T_EQ(b.kind, ZOQ_ACT_REPLY);
	T_EQ(zone_outq_pending(q), 1);
	zone_outq_on_timer(q, 15000);
	T_EQ(zone_outq_next_action(q, &b), ZOQ_ACT_NONE);
	T_EQ(zone_outq_next_timer(q), 15100);
	/* later messages may omit the question */
	wire_put16(rep + 4, 0);
	T_EQ(zone_outq_on_reply(q, 0, &s1, 1, rep, WIRE_HDRLEN, 200, &b),
	     ZOQ_RX_OK);
	zone_outq_on_timer(q, 15100);   /* restarted at the last message */
	T_EQ(zone_outq_next_action(q, &b), ZOQ_ACT_NONE);
	zone_outq_cancel(q, h);
	T_EQ(zone_outq_pending(q), 0);
	zone_outq_free(q);
}

/* The server side of TSIG: verify q, answer it signed (or broken). */
static size_t tsig_answer(const zone_keyring *kr, const zone_oq_action *a,
			  uint8_t *out, int break_mac)
{
	zone_tsig_ctx ctx;
	wire_query wq;
	size_t len;

	if (wire_query_parse(a->msg, a->len, &wq) != WQ_OK ||
	    zone_tsig_verify_request(kr, a->msg, a->len, &wq, 1000, &ctx) != 1)
		return 0;
	len = wq.question_end;
	memcpy(out, a->msg, len);
	wire_put16(out + 2, (uint16_t)(wire_get16(out + 2) | DNS_F_QR));
	wire_put16(out + 10, 0);
	if (zone_tsig_sign(&ctx, out, &len, 1024, 1000) < 0)
		return 0;
	if (break_mac)
		out[len - 10] ^= 1;
	return len;
}

static void test_tsig(void)
{
	fake_rnd r = { NULL, 0, 0, 0 };
	zone_outq *q = mk(&r);
	zone_tsig_key k;
	zone_keyring *kr = zone_keyring_new();
	zone_oq_opts o = { 0, &k, 1000, 0 };
	zone_oq_addr s1 = srv(1, 53);
	zone_oq_action a, b;
	uint8_t m[512], rep[1024], bad[1024], uns[512];
	size_t n = mkquery(m, "example.com", DNS_T_SOA), rn, bn;
	uint32_t h;

	T_EQ(zone_tsig_key_parse("key.example.:SHA256:"
				 "c2VjcmV0IGtleSBmb3Igb3V0cQ==", &k, NULL, 0),
	     0);
	T_EQ(zone_keyring_add(kr, &k), 0);
	T_EQ(zone_outq_query(q, &s1, m, n, &o, 1, 1000000, &h, &a), 0);
	T_CHECK(a.len > n);                 /* a TSIG RR was added */
	T_EQ(wire_get16(a.msg + 10), 1);
	bn = tsig_answer(kr, &a, bad, 1);
	rn = tsig_answer(kr, &a, rep, 0);
	T_CHECK(rn > 0 && bn == rn);
	/* unsigned, then a broken MAC: rejected, the query waits */
	memcpy(uns, a.msg, n);
	wire_put16(uns + 2, DNS_F_QR);
	wire_put16(uns + 10, 0);
	T_EQ(zone_outq_on_reply(q, h, &s1, 0, uns, n, 1000000, &b),
	     ZOQ_RX_BAD_TSIG);
	T_EQ(zone_outq_on_reply(q, h, &s1, 0, bad, bn, 1000000, &b),
	     ZOQ_RX_BAD_TSIG);
	T_EQ(zone_outq_stats(q)->bad_tsig, 2);
	T_EQ(zone_outq_pending(q), 1);
	T_EQ(zone_outq_on_reply(q, h, &s1, 0, rep, rn, 1000000, &b),
	     ZOQ_RX_OK);
	T_EQ(b.kind, ZOQ_ACT_REPLY);
	T_EQ(zone_outq_pending(q), 0);
	zone_keyring_free(kr);
	zone_outq_free(q);
}

int main(void)
{
	T_RUN(test_ids);
	T_RUN(test_match);
	T_RUN(test_retries);
	T_RUN(test_errors_cancel);
	T_RUN(test_tc_fallback);
	T_RUN(test_stream);
	T_RUN(test_tsig);
	T_DONE();
}
