/*
 * zones/tlsa.c — the robur TLSA convention (see tlsa.h).
 */
#include <stdlib.h>
#include <string.h>

#include "zones/tlsa.h"
#include "zones/updclient.h"

/* "_letsencrypt._tcp" as wire labels (no root). */
static const uint8_t le_pfx[] = "\x0c_letsencrypt\x04_tcp";
enum { LE_PFXLEN = sizeof(le_pfx) - 1 };

static int lc_eq(const uint8_t *a, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t x = a[i], y = b[i];

		if (x >= 'A' && x <= 'Z')
			x = (uint8_t)(x | 0x20);
		if (x != y)
			return 0;
	}
	return 1;
}

int zone_tlsa_is_le(const uint8_t *lname)
{
	return wire_name_len(lname) > LE_PFXLEN + 1 &&
	       lc_eq(lname, le_pfx, LE_PFXLEN);
}

int zone_tlsa_host(const uint8_t *lname, char *out, size_t cap)
{
	int n;

	if (!zone_tlsa_is_le(lname) ||
	    (n = wire_name_to_str(lname + LE_PFXLEN, out, cap)) < 2)
		return -1;
	out[n - 1] = '\0';
	return 0;
}

typedef struct tlsa_list {
	uint8_t (*v)[WIRE_MAXNAME];
	int n, cap, oom;
} tlsa_list;

static int tlsa_collect(void *arg, const uint8_t *lname)
{
	tlsa_list *l = arg;

	if (!zone_tlsa_is_le(lname))
		return 0;
	if (l->n == l->cap) {
		int cap = l->cap ? 2 * l->cap : 8;
		void *v = realloc(l->v, (size_t)cap * sizeof(*l->v));

		if (!v) {
			l->oom = 1;
			return 1;
		}
		l->v = v;
		l->cap = cap;
	}
	memcpy(l->v[l->n++], lname, wire_name_len(lname));
	return 0;
}

int zone_tlsa_names(const zone *z, uint8_t (**names)[WIRE_MAXNAME])
{
	tlsa_list l = { 0 };

	zone_foreach_name(z, tlsa_collect, &l);
	if (l.oom) {
		free(l.v);
		*names = NULL;
		return -1;
	}
	*names = l.v;
	return l.n;
}

void zone_tlsa_read(const zone *z, const uint8_t *lname, zone_tlsa_req *r)
{
	const zone_rrset *rs = zone_find_rrset(z, lname, DNS_T_TLSA);
	const uint8_t *p = rs ? rs->data : NULL;

	memset(r, 0, sizeof(*r));
	for (uint16_t i = 0; rs && i < rs->count; i++) {
		uint16_t rdlen = wire_get16(p);
		const uint8_t *rd = p + 2;

		if (rdlen > 3 && rd[0] == 3 && rd[1] == 255 && rd[2] == 0) {
			r->ncsr++;
			r->csr = rd + 3;
			r->csr_len = rdlen - 3u;
		} else if (rdlen > 3 && rd[0] == 3 && rd[1] == 0 &&
			   rd[2] == 0 && !r->crt) {
			r->crt = rd + 3;
			r->crt_len = rdlen - 3u;
		}
		p += 2 + rdlen;
	}
}

/* Delete the usage/0/0 TLSA RRs at lname. */
static void tlsa_del(zone_upd *u, const zone *z, const uint8_t *lname,
		     uint8_t usage)
{
	const zone_rrset *rs = zone_find_rrset(z, lname, DNS_T_TLSA);
	const uint8_t *p = rs ? rs->data : NULL;

	for (uint16_t i = 0; rs && i < rs->count; i++) {
		uint16_t rdlen = wire_get16(p);

		if (rdlen >= 3 && p[2] == usage && p[3] == 0 && p[4] == 0)
			zone_upd_del_rr(u, lname, DNS_T_TLSA, p + 2, rdlen);
		p += 2 + rdlen;
	}
}

long zone_tlsa_cert_update(const zone *z, const uint8_t *lname,
			   const uint8_t *const *der, const size_t *derlen,
			   int n, uint8_t *buf, size_t cap)
{
	uint8_t rd[4096];
	zone_upd u;

	if (n <= 0)
		return -1;
	zone_upd_start(&u, buf, cap, 0, zone_origin(z));
	tlsa_del(&u, z, lname, 3);
	tlsa_del(&u, z, lname, 2);
	for (int i = 0; i < n; i++) {
		if (derlen[i] + 3 > sizeof(rd))
			return -1;
		rd[0] = i == 0 ? 3 : 2;
		rd[1] = 0;
		rd[2] = 0;
		memcpy(rd + 3, der[i], derlen[i]);
		zone_upd_add(&u, lname, DNS_T_TLSA, ZONE_TLSA_TTL, rd,
			     derlen[i] + 3);
	}
	return zone_upd_finish(&u, NULL, NULL, 0);
}
