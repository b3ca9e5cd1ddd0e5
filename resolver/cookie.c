/*
 * DNS cookies, client side (see cookie.h): the client cookie
 * (zone_siphash24, the one SipHash-2-4 that the server cookies use too),
 * and the COOKIE option of responses.
 */
#include <string.h>

#include "resolver/cookie.h"

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
	h = zone_siphash24(secret, m, n + 3);
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
