/*
 * libFuzzer target for the DNSSEC primitives (resolver/validate.c):
 * arbitrary bytes as RRset data, RRSIGs, DNSKEYs, DS and NSEC/NSEC3
 * records into res_val_rrset / res_val_dnskey / res_val_denial /
 * res_val_denial_wildcard.  The input is cut into length-prefixed chunks;
 * the counts passed along are taken from the input too, so they may lie
 * about the data (the validator must notice).  Invariants are checked with
 * abort(): malformed input is never SECURE unless a signature verified
 * (impossible to forge here), the result is a known status.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "resolver/res_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct fv_in {
	const uint8_t *p;
	size_t n;
} fv_in;

static void fv_check(int cond)
{
	if (!cond)
		abort();
}

static uint8_t fv_byte(fv_in *in)
{
	uint8_t b = 0;

	if (in->n) {
		b = in->p[0];
		in->p++;
		in->n--;
	}
	return b;
}

/* A chunk: 2-byte length then that many bytes (clamped). */
static const uint8_t *fv_chunk(fv_in *in, uint32_t *len)
{
	const uint8_t *r;
	size_t l = (size_t)fv_byte(in) << 8;

	l |= fv_byte(in);
	if (l > in->n)
		l = in->n;
	r = in->p;
	in->p += l;
	in->n -= l;
	*len = (uint32_t)l;
	return r;
}

/* A well-formed name from the input (falls back to "example."). */
static void fv_name(fv_in *in, uint8_t *out)
{
	static const uint8_t ex[] = "\7example";
	uint32_t l;
	const uint8_t *c = fv_chunk(in, &l);
	size_t pos = 0;

	if (l && l <= WIRE_MAXNAME &&
	    wire_name_read(c, l, &pos, out) > 0)
		return;
	memcpy(out, ex, sizeof(ex));
}

static void fv_result(res_val_result r)
{
	fv_check(r.sec >= RES_SEC_UNCHECKED && r.sec <= RES_SEC_INDETERMINATE);
	fv_check(memchr(r.why, 0, sizeof(r.why)) != NULL);
}

static void fv_rrset(fv_in *in)
{
	uint8_t owner[WIRE_MAXNAME], zone_n[WIRE_MAXNAME], wc[WIRE_MAXNAME];
	uint32_t dl, sl, kl;
	uint16_t type = (uint16_t)(fv_byte(in) << 8 | fv_byte(in));
	uint16_t dc = fv_byte(in), sc = fv_byte(in), kc = fv_byte(in);
	uint64_t now = 1800000000u + fv_byte(in) * 1000003ull;
	const uint8_t *d, *s, *k;
	res_val_result r;

	fv_name(in, owner);
	fv_name(in, zone_n);
	d = fv_chunk(in, &dl);
	s = fv_chunk(in, &sl);
	k = fv_chunk(in, &kl);
	r = res_val_rrset(owner, type, d, dl, dc, s, sl, sc, zone_n, k, kl,
			  kc, now, now & 1, wc);
	fv_result(r);
	if (r.sec == RES_SEC_SECURE && wc[0])
		fv_check(wc[0] == 1 && wc[1] == '*' &&
			 wire_name_len(wc) <= WIRE_MAXNAME);
}

static void fv_dnskey(fv_in *in)
{
	uint8_t zone_n[WIRE_MAXNAME];
	uint32_t kl, sl, dl;
	uint16_t kc = fv_byte(in), sc = fv_byte(in), dc = fv_byte(in);
	const uint8_t *k, *s, *d;

	fv_name(in, zone_n);
	k = fv_chunk(in, &kl);
	s = fv_chunk(in, &sl);
	d = fv_chunk(in, &dl);
	fv_result(res_val_dnskey(zone_n, k, kl, kc, s, sl, sc, d, dl, dc,
				 1800000000u, fv_byte(in) & 1));
}

static void fv_denial(fv_in *in, int wild)
{
	uint8_t q[WIRE_MAXNAME], zone_n[WIRE_MAXNAME], wc[WIRE_MAXNAME];
	uint8_t owners[8][WIRE_MAXNAME];
	res_nsec_set s[8];
	int kind = fv_byte(in) % 6;
	uint16_t qtype = fv_byte(in);
	size_t n = fv_byte(in) % 9;

	fv_name(in, q);
	fv_name(in, zone_n);
	fv_name(in, wc);
	for (size_t i = 0; i < n; i++) {
		uint32_t l;

		fv_name(in, owners[i]);
		s[i].lname = owners[i];
		s[i].type = (fv_byte(in) & 1) ? 50 : 47;
		s[i].rdata = fv_chunk(in, &l);
		s[i].rdlen = (uint16_t)(l > 65535 ? 65535 : l);
	}
	if (wild)
		fv_result(res_val_denial_wildcard(q, wc, zone_n, s, n));
	else
		fv_result(res_val_denial(kind, q, qtype, zone_n, s, n));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fv_in in = {data, size};

	switch (fv_byte(&in) % 4) {
	case 0: fv_rrset(&in); break;
	case 1: fv_dnskey(&in); break;
	case 2: fv_denial(&in, 0); break;
	default: fv_denial(&in, 1); break;
	}
	return 0;
}
