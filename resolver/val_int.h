/*
 * resolver/ internal: what the DNSSEC primitives share between
 * validate.c (signatures, DS/DNSKEY, algorithm support; the one file
 * that uses ldns's crypto) and denial.c (NSEC/NSEC3 denial of
 * existence).  The API of both is in res_int.h.  chain.c and
 * nsec_cache.c use these helpers too.
 */
#ifndef DV_VAL_INT_H
#define DV_VAL_INT_H

#include <stdio.h>
#include <string.h>

#include "resolver/res_int.h"

/* RR types the canonical form and the bitmaps care about. */
enum {
	VT_NS = 2, VT_MD = 3, VT_MF = 4, VT_CNAME = 5, VT_SOA = 6, VT_MB = 7,
	VT_MG = 8, VT_MR = 9, VT_PTR = 12, VT_MINFO = 14, VT_MX = 15,
	VT_RP = 17, VT_AFSDB = 18, VT_RT = 21, VT_SIG = 24, VT_PX = 26,
	VT_NXT = 30, VT_SRV = 33, VT_NAPTR = 35, VT_KX = 36, VT_DNAME = 39,
	VT_DS = 43, VT_RRSIG = 46, VT_NSEC = 47, VT_DNSKEY = 48,
	VT_NSEC3 = 50,
};

enum {
	VAL_F_ZONE = 0x0100, VAL_F_REVOKE = 0x0080,
	VAL_N3_MAXITER = 150,   /* RFC 9276 3.2 */
	VAL_N3_HASHLEN = 20,    /* SHA-1 */
};

/* A result with its EDE and reason. */
static inline res_val_result val_result(res_sec sec, uint16_t ede,
					const char *why)
{
	res_val_result r;

	memset(&r, 0, sizeof(r));
	r.sec = sec;
	r.ede = ede;
	snprintf(r.why, sizeof(r.why), "%s", why);
	return r;
}

static inline uint16_t val_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Length of an uncompressed name at p within max bytes, or 0 if bad. */
static inline size_t val_name_len(const uint8_t *p, size_t max)
{
	size_t i = 0;

	while (i < max && i < WIRE_MAXNAME) {
		uint8_t l = p[i];

		if (l == 0)
			return i + 1;
		if (l > 63 || i + 1 + l >= WIRE_MAXNAME)
			return 0;
		i += 1 + (size_t)l;
	}
	return 0;
}

static inline uint8_t val_lc(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

/* Pointer to the suffix of name that has `keep` labels. */
static inline const uint8_t *val_suffix(const uint8_t *name, int keep)
{
	int skip = wire_name_labels(name) - keep;

	while (skip-- > 0)
		name += 1 + name[0];
	return name;
}

/* "*." + name into out (WIRE_MAXNAME); 0 on success. */
static inline int val_wild(const uint8_t *name, uint8_t *out)
{
	size_t n = wire_name_len(name);

	if (n + 2 > WIRE_MAXNAME)
		return -1;
	out[0] = 1;
	out[1] = '*';
	memcpy(out + 2, name, n);
	return 0;
}

/* denial.c, also used by nsec_cache.c: the number of trailing labels a
 * and b share.  (The NSEC3 hash and owner labels: zone_nsec3_hash and
 * zone_nsec3_b32hex, zones.h.) */
int res_val_common_labels(const uint8_t *a, const uint8_t *b);

#endif
