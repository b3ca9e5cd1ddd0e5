/*
 * DNS cookies, client side (see cookie.h): SipHash-2-4 for the client
 * cookie, and the COOKIE option of responses.
 */
#include <string.h>

#include "resolver/cookie.h"

static uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void sip_round(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = rotl(v[1], 13) ^ v[0];
	v[0] = rotl(v[0], 32);
	v[2] += v[3];
	v[3] = rotl(v[3], 16) ^ v[2];
	v[0] += v[3];
	v[3] = rotl(v[3], 21) ^ v[0];
	v[2] += v[1];
	v[1] = rotl(v[1], 17) ^ v[2];
	v[2] = rotl(v[2], 32);
}

static void sip_block(uint64_t v[4], uint64_t m)
{
	v[3] ^= m;
	sip_round(v);
	sip_round(v);
	v[0] ^= m;
}

uint64_t res_siphash(const uint8_t key[16], const uint8_t *msg, size_t len)
{
	uint64_t k0 = le64(key), k1 = le64(key + 8);
	uint64_t v[4] = { k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull,
			  k0 ^ 0x6c7967656e657261ull, k1 ^ 0x7465646279746573ull };
	uint8_t last[8] = { 0 };
	size_t i;

	for (i = 0; i + 8 <= len; i += 8)
		sip_block(v, le64(msg + i));
	memcpy(last, msg + i, len - i);
	last[7] = (uint8_t)len;
	sip_block(v, le64(last));
	v[2] ^= 0xff;
	for (int r = 0; r < 4; r++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

void res_cookie_client(const uint8_t secret[16], const res_addr *server,
		       uint8_t out[RES_CC_LEN])
{
	uint8_t m[19];
	size_t n = server->af == 4 ? 4 : 16;
	uint64_t h;

	m[0] = server->af;
	memcpy(m + 1, server->addr, n);
	m[1 + n] = (uint8_t)(server->port >> 8);
	m[2 + n] = (uint8_t)server->port;
	h = res_siphash(secret, m, n + 3);
	for (int i = 0; i < RES_CC_LEN; i++)
		out[i] = (uint8_t)(h >> (8 * i));
}

res_cookie_st res_cookie_check(const uint8_t *rdata, size_t rdlen,
			       const uint8_t cc[RES_CC_LEN], uint8_t *sc,
			       uint8_t *sclen)
{
	size_t p = 0;

	while (p + 4 <= rdlen) {
		uint16_t code = (uint16_t)(rdata[p] << 8 | rdata[p + 1]);
		size_t len = (size_t)(rdata[p + 2] << 8 | rdata[p + 3]);
		const uint8_t *v = rdata + p + 4;

		if (p + 4 + len > rdlen)
			return RES_COOKIE_BAD;
		p += 4 + len;
		if (code != RES_OPT_COOKIE)
			continue;
		if ((len != RES_CC_LEN &&
		     (len < RES_CC_LEN + RES_SC_MIN ||
		      len > RES_CC_LEN + RES_SC_MAX)) ||
		    memcmp(v, cc, RES_CC_LEN) != 0)
			return RES_COOKIE_BAD;
		*sclen = (uint8_t)(len - RES_CC_LEN);
		memcpy(sc, v + RES_CC_LEN, *sclen);
		return RES_COOKIE_OK;
	}
	return RES_COOKIE_NONE;
}
