/*
 * The NSEC3 hash (RFC 5155 5) and the base32hex owner labels (RFC 4648
 * 7), in one place for the authoritative side (dnssec_ans.c) and the
 * resolver's validator and aggressive cache.  SHA-1 is ldns's: this file
 * includes no OpenSSL (DESIGN.md: tsig.c is zones/' one OpenSSL file).
 */
#include <string.h>
#include <ldns/sha1.h>

#include "zones/zones.h"

void zone_nsec3_hash(const uint8_t *salt, uint8_t saltlen, uint16_t iter,
		     const uint8_t *name, uint8_t out[ZONE_N3_HASHLEN])
{
	uint8_t buf[WIRE_MAXNAME + 255];
	size_t nl = wire_name_lower(buf, name);

	memcpy(buf + nl, salt, saltlen);
	ldns_sha1(buf, (unsigned)(nl + saltlen), out);
	for (uint16_t i = 0; i < iter; i++) {
		memcpy(buf, out, ZONE_N3_HASHLEN);
		memcpy(buf + ZONE_N3_HASHLEN, salt, saltlen);
		ldns_sha1(buf, (unsigned)(ZONE_N3_HASHLEN + saltlen), out);
	}
}

int zone_nsec3_b32hex(const uint8_t *lab, size_t len,
		      uint8_t out[ZONE_N3_HASHLEN])
{
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;

	if (len != 32)
		return -1;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = lab[i];
		int v = (c >= '0' && c <= '9') ? c - '0' :
			(c >= 'a' && c <= 'v') ? c - 'a' + 10 :
			(c >= 'A' && c <= 'V') ? c - 'A' + 10 : -1;

		if (v < 0)
			return -1;
		acc = (acc << 5) | (uint32_t)v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	return 0;
}
