/*
 * libFuzzer target for the resolver engine's reply path (reply.c, msg.c):
 * a client query starts a resolution (first byte: iterate from test root
 * hints or forward; QNAME minimisation on/off; qtype), then the rest of
 * the input is cut into replies (2-byte length + bytes) delivered to the
 * engine's SEND actions one after another.  Odd-length chunks are sent
 * as they are; even-length chunks get the query's id and question
 * spliced in so they pass the spoofing checks and reach the iterator.
 * Afterwards the clock runs until every timer fired and the task ended.
 * Bit 0x20 of the first byte turns DNSSEC validation on (built-in root
 * anchors): the replies then also feed the DS/DNSKEY fetches and the
 * validator's input path.
 */
#include <stdlib.h>
#include <string.h>

#include "resolver/resolver.h"

static const char fz_hints[] =
	". NS a.root.test.\na.root.test. A 192.0.2.1\n"
	"a.root.test. AAAA 2001:db8::1\n";

static void fz_random(void *arg, void *buf, size_t len)
{
	uint32_t *s = arg;
	uint8_t *p = buf;

	for (size_t i = 0; i < len; i++) {
		*s = *s * 1103515245u + 12345u;
		p[i] = (uint8_t)(*s >> 16);
	}
}

static size_t fz_query(uint8_t *buf, uint16_t qtype)
{
	static const uint8_t qn[] = "\3www\7example\3com";
	size_t n = 12;

	memset(buf, 0, 12);
	buf[0] = 0x12;
	buf[2] = 0x01;              /* RD */
	buf[5] = 1;
	buf[11] = 1;
	memcpy(buf + n, qn, sizeof(qn));
	n += sizeof(qn);
	buf[n++] = (uint8_t)(qtype >> 8);
	buf[n++] = (uint8_t)qtype;
	buf[n++] = 0;
	buf[n++] = 1;
	/* OPT */
	memcpy(buf + n, "\0\0\x29\x04\xd0\0\0\0\0\0\0", 11);
	return n + 11;
}

/* Reply = query id + fuzz flags/counts + the query's question + rest. */
static size_t fz_splice(const uint8_t *q, size_t qlen, const uint8_t *d,
			size_t dlen, uint8_t *out, size_t cap)
{
	size_t qend = 12, n;

	while (qend < qlen && q[qend])
		qend += (size_t)q[qend] + 1;
	qend += 5;
	if (qend > qlen || dlen < 12 || qend + dlen > cap)
		return 0;
	memcpy(out, q, 2);
	memcpy(out + 2, d + 2, 10);
	out[2] |= 0x80;
	out[4] = 0;
	out[5] = 1;
	memcpy(out + 12, q + 12, qend - 12);
	n = qend;
	memcpy(out + n, d + 12, dlen - 12);
	return n + dlen - 12;
}

static void fz_deliver(res_ctx *r, const res_action *a, const uint8_t *d,
		       size_t dlen, uint64_t now)
{
	static uint8_t buf[70000];
	size_t n;

	if (dlen & 1) {
		res_on_reply(r, a->txn, d, dlen, now);
		return;
	}
	n = fz_splice(a->msg, a->len, d, dlen, buf, sizeof(buf));
	if (n)
		res_on_reply(r, a->txn, buf, n, now);
	else
		res_on_error(r, a->txn, now);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t types[] = { 1, 28, 5, 15, 2, 6, 16, 43 };
	static uint8_t resp[65536];
	res_addr fwd_addr = { .af = 4, .addr = { 192, 0, 2, 53 }, .port = 53 };
	res_forward fwd;
	uint32_t seed = 1;
	res_cfg cfg;
	res_ctx *r;
	char err[128];
	uint8_t q[512];
	size_t qlen, rlen, pos = 1;
	uint64_t now = 1700000000000ull;
	res_action a;

	if (size < 1)
		return 0;
	memset(&cfg, 0, sizeof(cfg));
	memset(&fwd, 0, sizeof(fwd));
	cfg.root_hints_text = fz_hints;
	cfg.qname_min = (data[0] >> 1) & 1;
	cfg.random = fz_random;
	cfg.random_arg = &seed;
	cfg.max_cache_ttl = (data[0] & 0x40) ? 60 : 0;
	cfg.dnssec = (data[0] & 0x20) != 0;   /* the chain of trust too */
	cfg.no_timecheck = cfg.dnssec;
	if (data[0] & 1) {
		fwd.servers = &fwd_addr;
		fwd.nservers = 1;
		cfg.forwards = &fwd;
		cfg.nforwards = 1;
	}
	r = res_new(&cfg, err, sizeof(err));
	if (!r)
		abort();
	qlen = fz_query(q, types[(data[0] >> 2) & 7]);
	res_query(r, q, qlen, data[0] >> 7, now, resp, sizeof(resp), &rlen, 1);
	for (int guard = 0; guard < 400; guard++) {
		int k = res_next_action(r, &a);

		if (k == RES_ACT_SEND && pos + 2 <= size) {
			size_t n = (size_t)data[pos] << 8 | data[pos + 1];

			pos += 2;
			if (n > size - pos)
				n = size - pos;
			now += 7;
			fz_deliver(r, &a, data + pos, n, now);
			pos += n;
		} else if (k == RES_ACT_NONE) {
			uint64_t t = res_next_timer(r);

			if (t == 0)
				break;
			now = t > now ? t : now + 1;
			res_on_timer(r, now);
		}
	}
	/* the cached results must serve again without trouble */
	res_query(r, q, qlen, 0, now, resp, sizeof(resp), &rlen, 2);
	res_free(r);
	return 0;
}
