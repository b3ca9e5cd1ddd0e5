/*
 * SipHash-2-4 (Aumasson, Bernstein 2012): the keyed hash of RFC 9018
 * interoperable DNS server cookies.  Written out here because it runs on
 * the hot path (every query with a COOKIE option) and is 40 lines; the
 * reference test vector is in tests/unit/test_answer.c.
 */
#include "zones/zones.h"

#define SIP_ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static uint64_t sip_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static void sip_rounds(uint64_t v[4], int n)
{
	while (n-- > 0) {
		v[0] += v[1]; v[1] = SIP_ROTL(v[1], 13); v[1] ^= v[0];
		v[0] = SIP_ROTL(v[0], 32);
		v[2] += v[3]; v[3] = SIP_ROTL(v[3], 16); v[3] ^= v[2];
		v[0] += v[3]; v[3] = SIP_ROTL(v[3], 21); v[3] ^= v[0];
		v[2] += v[1]; v[1] = SIP_ROTL(v[1], 17); v[1] ^= v[2];
		v[2] = SIP_ROTL(v[2], 32);
	}
}

uint64_t zone_siphash24(const uint8_t key[16], const uint8_t *m, size_t n)
{
	uint64_t k0 = sip_le64(key), k1 = sip_le64(key + 8), b;
	uint64_t v[4] = { 0x736f6d6570736575ULL ^ k0, 0x646f72616e646f6dULL ^ k1,
			  0x6c7967656e657261ULL ^ k0, 0x7465646279746573ULL ^ k1 };
	size_t i, left = n & 7;

	for (i = 0; i + 8 <= n; i += 8) {
		uint64_t w = sip_le64(m + i);

		v[3] ^= w;
		sip_rounds(v, 2);
		v[0] ^= w;
	}
	b = (uint64_t)n << 56;
	while (left-- > 0)
		b |= (uint64_t)m[i + left] << (8 * left);
	v[3] ^= b;
	sip_rounds(v, 2);
	v[0] ^= b;
	v[2] ^= 0xff;
	sip_rounds(v, 4);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}
