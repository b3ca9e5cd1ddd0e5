/*
 * libFuzzer target for the resolver cache (resolver/cache.c).
 * First byte even: the rest is a reply.  A query is made from its header
 * and question (first byte: 2 = EDNS, 4 = CD, 8 = DO, 0x70 = TTL, 0x80 =
 * force QR so query seeds count), the reply is put into the answer cache
 * and served back at several ages and size limits, then the cache goes
 * through serialize/deserialize.
 * First byte odd: the rest is serialized cache data for
 * res_cache_deserialize (then re-serialized and loaded again).
 */
#include <stdlib.h>
#include <string.h>

#include "resolver/res_int.h"

static const uint64_t T0 = 1700000000000ULL;

/* A query from the reply's header + question; 0 if none parses. */
static size_t make_query(const uint8_t *r, size_t len, uint8_t mode,
			 uint8_t *qm, wire_query *q)
{
	size_t pos = WIRE_HDRLEN, n;
	wire_writer w;

	if (len < WIRE_HDRLEN || wire_get16(r + 4) != 1 ||
	    wire_name_read(r, len, &pos, NULL) < 0 || len - pos < 4)
		return 0;
	n = pos + 4;
	if (n > 512)
		return 0;
	memcpy(qm, r, n);
	wire_put16(qm + 2, (uint16_t)((wire_get16(r + 2) & ~(DNS_F_QR |
				       DNS_F_CD)) | (mode & 4 ? DNS_F_CD : 0)));
	memset(qm + 6, 0, 6);
	wire_writer_init(&w, qm, 600, 600);
	w.len = n;
	if (mode & 2) {
		wire_put16(qm + 10, 1);
		wire_write_opt(&w, 1232, 0, 0, mode & 8 ? EDNS_F_DO : 0);
	}
	if (wire_query_parse(qm, w.len, q) != WQ_OK)
		return 0;
	return w.len;
}

static void serve(res_cache *c, const wire_query *q, const uint8_t *qm,
		  size_t limit, uint64_t now, uint8_t *resp)
{
	size_t rl = 0;

	if (res_cache_answer(c, q, qm, limit, now, resp, 65535, &rl)) {
		if (rl > limit || wire_get16(resp) != q->id)
			abort();
	}
	if (res_cache_answer_stale(c, q, limit, now + 5000, 10000, 30, resp,
				   65535, &rl)) {
		if (rl > limit || wire_get16(resp) != q->id)
			abort();
	}
}

/* Serialize and load again: every entry unexpired at now comes back
 * (when all of c is unexpired, exact says so). */
static void reload(const res_cache *c, uint64_t now, int exact)
{
	int n;

	uint8_t *buf = NULL;
	size_t len = 0;
	res_cache *d;

	if (res_cache_serialize(c, now, &buf, &len) < 0)
		return;
	d = res_cache_new(64, 1 << 20);
	if (d) {
		n = res_cache_deserialize(d, buf, len, now);
		if (n < 0 || (size_t)n > res_cache_count(c) ||
		    (exact && (size_t)n != res_cache_count(c)))
			abort();
	}
	res_cache_free(d);
	free(buf);
}

static void fuzz_reply(const uint8_t *in, size_t size, uint8_t mode)
{
	static uint8_t resp[65535], data[65535];
	uint8_t qm[600];
	wire_query q;
	res_cache *c;
	size_t ql;

	if (size < WIRE_HDRLEN || size > sizeof(data))
		return;
	memcpy(data, in, size);
	if (mode & 0x80)  /* let query seeds reach the cache too */
		data[2] |= DNS_F_QR >> 8;
	ql = make_query(data, size, mode, qm, &q);
	if (!ql)
		return;
	c = res_cache_new(64, 1 << 20);
	if (!c)
		return;
	if (res_cache_put_answer(c, &q, data, size, (mode >> 4) & 7, T0) == 0) {
		serve(c, &q, qm, 65535, T0, resp);
		serve(c, &q, qm, 65535, T0 + 1500, resp);
		serve(c, &q, qm, 512, T0 + 14000, resp);
		serve(c, &q, qm, 12, T0, resp);
		reload(c, T0, ((mode >> 4) & 7) != 0);
		res_cache_prefetch(c, T0 + 14000, (res_prefetch[2]){0}, 2);
	}
	res_cache_free(c);
}

static void fuzz_load(const uint8_t *data, size_t size)
{
	res_cache *c = res_cache_new(64, 1 << 20);
	res_crrset r;
	uint8_t name[WIRE_MAXNAME];
	int nx;

	if (!c)
		return;
	res_cache_deserialize(c, data, size, T0);
	wire_name_from_str("example.com", name);
	res_cache_get_rrset(c, name, DNS_T_A, T0, 1000000, &r, &nx);
	res_cache_get_neg(c, name, DNS_T_A, T0, &nx, &r);
	reload(c, T0, 1);
	res_cache_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		fuzz_load(data + 1, size - 1);
	else
		fuzz_reply(data + 1, size - 1, data[0]);
	return 0;
}
