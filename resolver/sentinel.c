/*
 * The KSK sentinel (RFC 8509): a validating resolver tells a client
 * which root keys it trusts through the answers to names whose first
 * label is "root-key-sentinel-is-ta-NNNNN" or
 * "root-key-sentinel-not-ta-NNNNN" (NNNNN: a key tag, five digits).
 */
#include <string.h>

#include "resolver/res_int.h"

#define IS_TA  "root-key-sentinel-is-ta-"
#define NOT_TA "root-key-sentinel-not-ta-"

/* The key tag of a sentinel label, its kind in *is_ta; -1 if the label
 * is not one (RFC 8509 3: the prefix and exactly five digits). */
static int sentinel_tag(const uint8_t *lname, int *is_ta)
{
	size_t len = lname[0], plen, i;
	const char *lab = (const char *)lname + 1;
	int tag = 0;

	if (len == strlen(IS_TA) + 5 && !memcmp(lab, IS_TA, strlen(IS_TA))) {
		*is_ta = 1;
		plen = strlen(IS_TA);
	} else if (len == strlen(NOT_TA) + 5 &&
		   !memcmp(lab, NOT_TA, strlen(NOT_TA))) {
		*is_ta = 0;
		plen = strlen(NOT_TA);
	} else {
		return -1;
	}
	for (i = plen; i < len; i++) {
		if (lab[i] < '0' || lab[i] > '9')
			return -1;
		tag = tag * 10 + (lab[i] - '0');
	}
	return tag <= 65535 ? tag : -1;
}

/* 1 when tag is the key tag of a root trust anchor (a DS set: the key
 * tag leads each DS rdata). */
static int sentinel_root_has(const res_keys *k, int tag)
{
	static const uint8_t root[1] = { 0 };
	const uint8_t *ds;
	uint32_t len, off;
	uint16_t count, i;

	if (!res_keys_anchor(k, root, &ds, &len, &count))
		return 0;
	for (i = 0, off = 0; i < count && off + 4 <= len; i++) {
		uint16_t rdlen = wire_get16(ds + off);

		if (rdlen >= 2 && wire_get16(ds + off + 2) == tag)
			return 1;
		off += 2 + (uint32_t)rdlen;
	}
	return 0;
}

int res_sentinel_fails(const res_ctx *r, const wire_query *q)
{
	int is_ta, tag;

	if (!r->keys || q->lname[0] < strlen(IS_TA) + 5)
		return 0;   /* the common case: one length check */
	tag = sentinel_tag(q->lname, &is_ta);
	if (tag < 0)
		return 0;
	return sentinel_root_has(r->keys, tag) != is_ta;
}
