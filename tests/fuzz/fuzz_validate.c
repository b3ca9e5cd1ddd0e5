/*
 * libFuzzer target for the DNSSEC primitives (resolver/validate.c):
 * arbitrary bytes as RRset data, RRSIGs, DNSKEYs, DS and NSEC/NSEC3
 * records into res_val_rrset / res_val_dnskey / res_val_denial /
 * res_val_denial_wildcard.  The input is cut into length-prefixed chunks;
 * the counts passed along are taken from the input too, so they may lie
 * about the data (the validator must notice).  Invariants are checked with
 * abort(): the result is a known status with a terminated reason, and
 * the embedded real signed fixture (mode 4, edited by the input)
 * verifies when unedited.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "resolver/res_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Generated once with ldns (Ed25519, example., RRSIG window
 * 1800000000 - 3600 .. + 86400): *.w.example A x2, its RRSIG, the
 * DNSKEY RRset (one KSK), its RRSIG, a SHA-256 DS. */
static const uint8_t fv_fx_data[12] = {
	0x00, 0x04, 0xc0, 0x00, 0x02, 0x01, 0x00, 0x04, 0xc0, 0x00, 0x02, 0x02,
};
static const uint8_t fv_fx_sig[93] = {
	0x00, 0x5b, 0x00, 0x01, 0x0f, 0x02, 0x00, 0x00, 0x0e, 0x10, 0x6b, 0x4b,
	0x23, 0x80, 0x6b, 0x49, 0xc3, 0xf0, 0xcb, 0xa1, 0x07, 0x65, 0x78, 0x61,
	0x6d, 0x70, 0x6c, 0x65, 0x00, 0x6f, 0x4f, 0xd3, 0xf2, 0x70, 0x8f, 0x25,
	0x55, 0x7f, 0x58, 0x77, 0x2c, 0x37, 0x6e, 0x1d, 0xd2, 0x0d, 0x31, 0xf1,
	0xe0, 0xb5, 0x50, 0xee, 0x4c, 0x06, 0x30, 0x3b, 0x8b, 0xc2, 0x93, 0x57,
	0x10, 0x2d, 0x56, 0x92, 0x5a, 0xeb, 0xd9, 0x58, 0xf8, 0x8a, 0x17, 0xd2,
	0xe3, 0x21, 0x41, 0xff, 0xef, 0x85, 0x16, 0x3f, 0x5b, 0x70, 0xdc, 0x73,
	0xf6, 0x3a, 0x1a, 0x82, 0x68, 0xbe, 0xc4, 0xc7, 0x0b,
};
static const uint8_t fv_fx_dnskey[38] = {
	0x00, 0x24, 0x01, 0x01, 0x03, 0x0f, 0x23, 0x1b, 0x66, 0x5c, 0xbd, 0x8a,
	0xd8, 0xcb, 0xce, 0x13, 0x6c, 0xa3, 0xa8, 0x2a, 0x9a, 0x11, 0x27, 0x15,
	0x26, 0x85, 0xac, 0xf8, 0x41, 0x09, 0x6a, 0x88, 0x8a, 0x37, 0x80, 0xc5,
	0x79, 0xae,
};
static const uint8_t fv_fx_dksig[93] = {
	0x00, 0x5b, 0x00, 0x30, 0x0f, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x6b, 0x4b,
	0x23, 0x80, 0x6b, 0x49, 0xc3, 0xf0, 0xcb, 0xa1, 0x07, 0x65, 0x78, 0x61,
	0x6d, 0x70, 0x6c, 0x65, 0x00, 0x01, 0x63, 0xe9, 0xb0, 0x16, 0xed, 0x2a,
	0x9a, 0x61, 0xd4, 0x41, 0x30, 0x06, 0xdc, 0xc9, 0xc7, 0x79, 0xc2, 0x5c,
	0x5a, 0xb0, 0xee, 0xbb, 0x8b, 0x74, 0xe9, 0x01, 0x34, 0x01, 0x05, 0x3f,
	0xc6, 0x1d, 0x28, 0x7a, 0x83, 0xf4, 0x9c, 0xf8, 0xc7, 0xfc, 0x10, 0x10,
	0x31, 0xa5, 0x18, 0x48, 0x53, 0x21, 0xcf, 0x3c, 0xe1, 0x2c, 0x91, 0xeb,
	0x6a, 0x4d, 0x74, 0x9c, 0x55, 0xa0, 0x5f, 0x08, 0x01,
};
static const uint8_t fv_fx_ds[38] = {
	0x00, 0x24, 0xcb, 0xa1, 0x0f, 0x02, 0x84, 0x12, 0x93, 0x1c, 0x63, 0xe2,
	0xea, 0x79, 0x80, 0x14, 0x0c, 0x22, 0xaa, 0xe1, 0x3e, 0xc4, 0xb7, 0x37,
	0x5a, 0x3a, 0xab, 0x2b, 0x02, 0xfe, 0xb2, 0x29, 0x54, 0x24, 0x35, 0x9b,
	0xe8, 0xbb,
};

enum { FV_NOW = 1800000000u };

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

/* Real signed data with a few (offset, xor) edits from the input, so the
 * signature maths and DS matching are reached; unedited it must verify. */
static void fv_fixture(fv_in *in)
{
	static const uint8_t owner[] = "\1x\1w\7example";
	static const uint8_t zone_n[] = "\7example";
	uint8_t buf[5][256], wc[WIRE_MAXNAME];
	const uint8_t *src[5] = {fv_fx_data, fv_fx_sig, fv_fx_dnskey,
				 fv_fx_dksig, fv_fx_ds};
	const size_t len[5] = {sizeof(fv_fx_data), sizeof(fv_fx_sig),
			       sizeof(fv_fx_dnskey), sizeof(fv_fx_dksig),
			       sizeof(fv_fx_ds)};
	int edits = 0;
	res_val_result r, k;

	_Static_assert(sizeof(fv_fx_dnskey) <= 256 && sizeof(fv_fx_sig) <= 256 &&
		       sizeof(fv_fx_dksig) <= 256 && sizeof(fv_fx_ds) <= 256 &&
		       sizeof(fv_fx_data) <= 256, "buffer size");
	for (int i = 0; i < 5; i++)
		memcpy(buf[i], src[i], len[i]);
	while (in->n >= 3) {
		int which = fv_byte(in) % 5;
		size_t off = fv_byte(in) % len[which];

		buf[which][off] ^= fv_byte(in);
		edits++;
	}
	r = res_val_rrset(owner, 1, buf[0], len[0], 2, buf[1], len[1], 1,
			  zone_n, buf[2], len[2], 1, FV_NOW, 0, wc);
	k = res_val_dnskey(zone_n, buf[2], len[2], 1, buf[3], len[3], 1,
			   buf[4], len[4], 1, FV_NOW, 0);
	fv_result(r);
	fv_result(k);
	if (!edits)
		fv_check(r.sec == RES_SEC_SECURE && k.sec == RES_SEC_SECURE &&
			 wc[0] == 1 && wc[1] == '*');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fv_in in = {data, size};

	switch (fv_byte(&in) % 5) {
	case 0: fv_rrset(&in); break;
	case 1: fv_dnskey(&in); break;
	case 2: fv_denial(&in, 0); break;
	case 3: fv_denial(&in, 1); break;
	default: fv_fixture(&in); break;
	}
	return 0;
}
