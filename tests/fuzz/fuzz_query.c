/*
 * libFuzzer target for the wire codec: the query parser, the name reader at
 * every offset, and the compressing writer fed with whatever names parsed;
 * the COOKIE option parser and the server cookie / NSID reply options
 * (zones/cookie.c), and appending options to the input taken as a reply.
 * Invariants are checked with abort() so the fuzzer reports them.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. \
 *       tests/fuzz/fuzz_query.c zones/wire.c -o fuzz_query
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zones/zones.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fq_check(int cond)
{
	if (!cond)
		abort();
}

/* A parsed query's COOKIE / NSID: what zone_edns_opts makes of it. */
static void fq_cookie_query(const uint8_t *data, size_t size,
			    const wire_query *q)
{
	static const uint8_t ip[16] = { 192, 0, 2, 1 };
	zone_edns_srv s;
	zone_cookie c;
	uint8_t out[ZONE_EOPT_MAX], v;
	size_t n;

	if (q->cookie_off) {
		fq_check(q->has_edns);
		fq_check((size_t)q->cookie_off + q->cookie_len <= size);
		fq_check(zone_cookie_parse(data + q->cookie_off,
					   q->cookie_len, &c) == 0);
	}
	memset(&s, 0, sizeof(s));
	s.cookies = 1;
	s.has_prev = size & 1;
	memset(s.prev, 0x5a, sizeof(s.prev));
	memcpy(s.nsid, "fuzz", 4);
	s.nsid_len = 4;
	n = zone_edns_opts(&s, data, q, size & 2 ? 6 : 4, ip,
			   (uint32_t)size * 997u, out, &v);
	fq_check(n <= ZONE_EOPT_MAX);
	fq_check((n > 0) == (q->has_edns && (q->cookie_off || q->nsid)));
	fq_check((v != ZONE_COOKIE_NONE) == (q->has_edns && q->cookie_off));
	if (v != ZONE_COOKIE_NONE)
		fq_check(n >= 28 && memcmp(out + 4, data + q->cookie_off, 8) == 0);
}

/* The input as COOKIE option data, and as a reply to add options to. */
static void fq_cookie_raw(const uint8_t *data, size_t size)
{
	static const uint8_t opt[8] = { 0, 10, 0, 4, 1, 2, 3, 4 };
	uint8_t buf[4096 + 16];
	zone_cookie c;
	size_t len = size;
	int r = zone_cookie_parse(data, size, &c);

	fq_check((r == 0) == (size == 8 || (size >= 16 && size <= 40)));
	if (r == 0)
		fq_check(c.slen == size - 8 && memcmp(c.client, data, 8) == 0);
	if (size > 4096)
		return;
	memcpy(buf, data, size);
	if (zone_edns_append(buf, &len, sizeof(buf), opt, sizeof(opt)) == 0)
		fq_check(len == size + sizeof(opt));
	else
		fq_check(len == size && memcmp(buf, data, size) == 0);
	memcpy(buf, data, size);
	len = zone_reply_short(buf, size, sizeof(buf), (int)(size & 1), 1,
			       1232, opt, sizeof(opt));
	fq_check(len <= sizeof(buf));
}

static void fq_query(const uint8_t *data, size_t size)
{
	wire_query q;
	wire_qresult r = wire_query_parse(data, size, &q);
	uint8_t l[WIRE_MAXNAME];

	fq_check(r == WQ_OK || r == WQ_DROP || r == WQ_FORMERR ||
		 r == WQ_BADVERS);
	if (r == WQ_DROP || q.question_end == 0)
		return;
	fq_check(q.question_end <= size);
	fq_check(q.qname_len == wire_name_len(q.qname));
	fq_check(wire_name_lower(l, q.qname) == q.qname_len);
	fq_check(memcmp(l, q.lname, q.qname_len) == 0);
	fq_check(wire_name_equal(q.qname, q.lname));
	if (r == WQ_BADVERS)
		fq_check(q.has_edns && q.edns_version > 0);
	if (r == WQ_OK)
		fq_cookie_query(data, size, &q);
}

/* Presentation round trip and comparison sanity for one name. */
static void fq_name_checks(const uint8_t *name, const uint8_t *prev)
{
	char s[WIRE_MAXNAME * 4 + 2];
	uint8_t back[WIRE_MAXNAME];
	int n = wire_name_to_str(name, s, sizeof(s)), c1, c2;

	fq_check(n > 0);
	fq_check(wire_name_from_str(s, back) == (int)wire_name_len(name));
	fq_check(memcmp(back, name, wire_name_len(name)) == 0);
	fq_check(wire_name_is_sub(name, name));
	c1 = wire_name_cmp(name, prev);
	c2 = wire_name_cmp(prev, name);
	fq_check((c1 < 0 && c2 > 0) || (c1 > 0 && c2 < 0) ||
		 (c1 == 0 && c2 == 0));
	fq_check((c1 == 0) == wire_name_equal(name, prev));
}

/* Re-read every name the writer emitted and compare with the original. */
static void fq_verify(const wire_writer *w, const size_t *at,
		      const uint8_t (*names)[WIRE_MAXNAME], int n)
{
	uint8_t out[WIRE_MAXNAME];
	int i;

	for (i = 0; i < n; i++) {
		size_t pos = at[i];

		fq_check(wire_name_read(w->buf, w->len, &pos, out) > 0);
		fq_check(wire_name_equal(out, names[i]));
	}
}

enum { FQ_MAXNAMES = 48 };

static void fq_names(const uint8_t *data, size_t size)
{
	static const uint16_t types[] = { DNS_T_NS, DNS_T_MX, DNS_T_SOA,
		DNS_T_CNAME, DNS_T_TXT };
	uint8_t names[FQ_MAXNAMES][WIRE_MAXNAME], prev[WIRE_MAXNAME] = { 0 };
	uint8_t cur[WIRE_MAXNAME];
	uint8_t buf[4096];
	size_t at[FQ_MAXNAMES], off;
	wire_writer w;
	int n = 0;

	wire_writer_init(&w, buf, sizeof(buf), size < 512 ? 512 : size);
	for (off = 0; off < size; off++) {
		size_t pos = off;
		int r = wire_name_read(data, size, &pos, cur);

		if (r < 0) {
			fq_check(r >= WIRE_EFORMAT);
			continue;
		}
		fq_check(pos > off && pos <= size);
		fq_check((size_t)r == wire_name_len(cur));
		fq_name_checks(cur, prev);
		memcpy(prev, cur, (size_t)r);
		if (n >= FQ_MAXNAMES)
			continue;
		memcpy(names[n], cur, (size_t)r);
		at[n] = w.len;
		if (wire_write_name(&w, cur, (int)(off & 1)) == 0)
			n++;
		/* the rest of the input as rdata of a compressible type */
		(void)wire_write_rr(&w, prev, types[off % 5], DNS_C_IN, 0,
				    data + off, (uint16_t)(size - off < 300 ?
							   size - off : 300),
				    NULL);
		fq_check(w.len <= w.limit);
	}
	fq_verify(&w, at, (const uint8_t (*)[WIRE_MAXNAME])names, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fq_query(data, size);
	fq_cookie_raw(data, size);
	fq_names(data, size);
	return 0;
}
