/*
 * Helper of gen_corpus.py (not a fuzz target): turns fuzz_cache reply
 * seeds into serialized cache images, the input of fuzz_cache's odd first
 * byte (res_cache_deserialize).
 *
 *   cache_seed OUTDIR SEED...
 *
 * Each SEED (mode byte + reply, as in tests/fuzz/corpus/cache/) is put
 * into the answer cache at T0 (TTL 300) and, with its answer RRs, into the
 * RRset and negative caches; OUTDIR/image-<seed> is 0x01 + the
 * serialization of that cache, OUTDIR/image-all the one of all seeds
 * together.  Built by gen_corpus.py with cc against resolver/ and zones/.
 */
#include <stdio.h>

#include "tests/fuzz/fuzz_cache.c"

static void write_image(const char *dir, const char *name, const res_cache *c)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	char path[4096];
	FILE *f;

	if (res_cache_serialize(c, T0, &buf, &len) < 0 || !len) {
		free(buf);
		return;
	}
	snprintf(path, sizeof(path), "%s/image-%s", dir, name);
	f = fopen(path, "wb");
	if (f) {
		fputc(1, f);
		fwrite(buf, 1, len, f);
		fclose(f);
	}
	free(buf);
}

/* The first answer RR of the reply as an RRset entry, and a negative
 * entry for the question (NXDOMAIN when the rcode says so). */
static void put_more(res_cache *c, const uint8_t *r, size_t len,
		     const wire_query *q)
{
	static const uint8_t soa[] = { 2, 'n', 's', 0, 1, 'h', 0, 0, 0, 0, 1,
				       0, 0, 28, 32, 0, 0, 14, 16, 0, 18, 117,
				       0, 0, 0, 1, 44 };
	uint8_t rd[2 + 512], owner[WIRE_MAXNAME];
	size_t pos = q->question_end;
	uint16_t rdlen;

	res_cache_put_neg(c, q->lname, (r[3] & 15) == 3 ? 0 : q->qtype, 300,
			  T0, 0, q->lname, soa, sizeof(soa), 300);
	if (wire_get16(r + 6) == 0 ||
	    wire_name_read(r, len, &pos, owner) < 0 || len - pos < 10)
		return;
	rdlen = wire_get16(r + pos + 8);
	if (rdlen > 512 || len - pos - 10 < rdlen)
		return;
	wire_put16(rd, rdlen);
	memcpy(rd + 2, r + pos + 10, rdlen);
	wire_name_lower(owner, owner);
	res_cache_put_rrset(c, owner, wire_get16(r + pos), 300, T0, 3, 1, rd,
			    2u + rdlen, 1, NULL, 0, 0);
}

int main(int argc, char **argv)
{
	static uint8_t data[65536];
	res_cache *all = res_cache_new(256, 1 << 22);

	for (int i = 2; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		size_t n = f ? fread(data, 1, sizeof(data), f) : 0;
		const char *base = strrchr(argv[i], '/');
		uint8_t qm[600];
		wire_query q;
		res_cache *c;

		if (f)
			fclose(f);
		if (n < 1 + WIRE_HDRLEN || (data[0] & 1))
			continue;
		if (data[0] & 0x80)
			data[1 + 2] |= DNS_F_QR >> 8;
		if (!make_query(data + 1, n - 1, data[0], qm, &q))
			continue;
		c = res_cache_new(64, 1 << 20);
		res_cache_put_answer(c, &q, data + 1, n - 1, 300, T0);
		res_cache_put_answer(all, &q, data + 1, n - 1, 300, T0);
		put_more(c, data + 1, n - 1, &q);
		put_more(all, data + 1, n - 1, &q);
		write_image(argv[1], base ? base + 1 : argv[i], c);
		res_cache_free(c);
	}
	write_image(argv[1], "all", all);
	res_cache_free(all);
	return 0;
}
