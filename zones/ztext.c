/*
 * Presentation forms of record types that BIND's named-checkzone reads
 * but ldns 1.8 does not (and the old UINFO/UID/GID/UNSPEC, which neither
 * reads, in their classic forms): a table of field layouts turns the
 * rdata text into wire form, which the loader hands to ldns in RFC 3597
 * form ("\# len hex").  Written back (snapshots, the copy of the last
 * loaded zone file) these types stay in RFC 3597 form, which ldns reads,
 * so a saved zone loads back equal.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldns/ldns.h>

#include "zones/zone_int.h"

enum {
	ZT_END, ZT_U8, ZT_U16, ZT_U32,
	ZT_TYPE,        /* a type mnemonic or number (16 bits) */
	ZT_DSYNC,       /* DSYNC scheme: NOTIFY or a number (8 bits) */
	ZT_NAME,        /* a domain name, relative ones get the origin */
	ZT_STR,         /* one character-string */
	ZT_STRS,        /* the rest: character-strings, at least one */
	ZT_B64,         /* the rest: base64, blanks allowed */
	ZT_B64D,        /* the rest: base64, or "-" for none (DOA) */
	ZT_HEX,         /* the rest: hex, blanks allowed */
	ZT_ATMA,        /* "+digits" (E.164) or hex with dots (AESA) */
	ZT_AMT,         /* AMTRELAY D-bit, type and relay (RFC 8777) */
	ZT_MAXF = 6,
	ZT_MAXB64 = 4 * 65536 / 3 + 4,
	ZT_T_NXT = 30, ZT_T_A6 = 38,
};

static const struct zt_type {
	uint16_t type;
	const char *name;
	uint8_t f[ZT_MAXF];
} zt_types[] = {
	{ 32768, "TA", { ZT_U16, ZT_U8, ZT_U8, ZT_HEX } },  /* as DS */
	{ 40, "SINK", { ZT_U8, ZT_U8, ZT_U8, ZT_B64 } },    /* BIND's */
	{ 56, "NINFO", { ZT_STRS } },
	{ 57, "RKEY", { ZT_U16, ZT_U8, ZT_U8, ZT_B64 } },   /* as DNSKEY */
	{ 34, "ATMA", { ZT_ATMA } },
	{ 66, "DSYNC", { ZT_TYPE, ZT_DSYNC, ZT_U16, ZT_NAME } },
	{ 100, "UINFO", { ZT_STR } },
	{ 101, "UID", { ZT_U32 } },
	{ 102, "GID", { ZT_U32 } },
	{ 103, "UNSPEC", { ZT_HEX } },
	{ 258, "AVC", { ZT_STRS } },
	{ 259, "DOA", { ZT_U32, ZT_U32, ZT_U8, ZT_STR, ZT_B64D } },
	{ 260, "AMTRELAY", { ZT_U8, ZT_AMT } },
	{ 261, "RESINFO", { ZT_STRS } },
	{ 262, "WALLET", { ZT_STRS } },
};

enum { ZT_NTYPES = sizeof(zt_types) / sizeof(zt_types[0]) };

static const struct zt_type *zt_find(uint16_t type)
{
	for (size_t i = 0; i < ZT_NTYPES; i++)
		if (zt_types[i].type == type)
			return &zt_types[i];
	return NULL;
}

uint16_t zone_text_type(const char *name)
{
	for (size_t i = 0; i < ZT_NTYPES; i++)
		if (strcasecmp(zt_types[i].name, name) == 0)
			return zt_types[i].type;
	return 0;
}

int zone_text_has(uint16_t type)
{
	return zt_find(type) != NULL;
}

const char *zone_text_name(uint16_t type)
{
	const struct zt_type *d = zt_find(type);

	return d ? d->name : NULL;
}

int zone_text_generic(uint16_t type)
{
	return zt_find(type) || type == ZT_T_NXT || type == ZT_T_A6;
}

/* ---- fields ---- */

typedef struct zt_out {
	uint8_t *p;
	size_t len, cap;
	const uint8_t *origin;
} zt_out;

static int zt_put(zt_out *o, const void *p, size_t n)
{
	if (n > o->cap - o->len)
		return -1;
	memcpy(o->p + o->len, p, n);
	o->len += n;
	return 0;
}

static int zt_uint(zt_out *o, const char *t, int bytes)
{
	uint8_t b[4];
	char *end;
	unsigned long long v;
	unsigned long long max = bytes == 4 ? 0xffffffffULL :
				 (1ULL << (8 * bytes)) - 1;

	if (*t < '0' || *t > '9')
		return -1;
	v = strtoull(t, &end, 10);
	if (*end || v > max)
		return -1;
	for (int i = 0; i < bytes; i++)
		b[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
	return zt_put(o, b, (size_t)bytes);
}

static int zt_hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = (char)(ch | 0x20);
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* Hex digits of tokens t[0..n), skipping dots when dots is set. */
static int zt_hex(zt_out *o, char **t, int n, int dots)
{
	int hi = -1;

	for (int i = 0; i < n; i++)
		for (const char *p = t[i]; *p; p++) {
			int v = zt_hexval(*p);
			uint8_t b;
			if (dots && *p == '.')
				continue;
			if (v < 0)
				return -1;
			if (hi < 0) {
				hi = v;
				continue;
			}
			b = (uint8_t)(hi << 4 | v);
			hi = -1;
			if (zt_put(o, &b, 1) < 0)
				return -1;
		}
	return hi < 0 ? 0 : -1;
}

static int zt_b64(zt_out *o, char **t, int n)
{
	char *buf;
	size_t len = 0;
	long r;

	if (n < 1 || !(buf = malloc(ZT_MAXB64)))
		return -1;
	for (int i = 0; i < n; i++) {
		size_t l = strlen(t[i]);
		if (l >= ZT_MAXB64 - len) {
			free(buf);
			return -1;
		}
		memcpy(buf + len, t[i], l);
		len += l;
	}
	r = wire_b64_decode(buf, len, 0, o->p + o->len, o->cap - o->len);
	free(buf);
	if (r <= 0)
		return -1;
	o->len += (size_t)r;
	return 0;
}

/* A \DDD or \X escape at p (after the backslash): the byte, its length. */
static int zt_escape(const char *p, uint8_t *b)
{
	if (p[0] >= '0' && p[0] <= '9') {
		int v;
		if (p[1] < '0' || p[1] > '9' || p[2] < '0' || p[2] > '9')
			return -1;
		v = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
		if (v > 255)
			return -1;
		*b = (uint8_t)v;
		return 3;
	}
	if (!p[0])
		return -1;
	*b = (uint8_t)p[0];
	return 1;
}

/* One character-string: "quoted" or a bare word, with escapes. */
static int zt_str(zt_out *o, const char *t)
{
	uint8_t s[256];
	size_t n = 0, len = strlen(t);
	int q = t[0] == '"';

	if (q && (len < 2 || t[len - 1] != '"'))
		return -1;
	for (const char *p = t + q, *end = t + len - q; p < end;) {
		uint8_t b = (uint8_t)*p;
		int k = 1;
		if (*p == '\\') {
			if ((k = zt_escape(p + 1, &b)) < 0 || p + 1 + k > end)
				return -1;
			k++;
		}
		if (n == 255)
			return -1;
		s[1 + n++] = b;
		p += k;
	}
	s[0] = (uint8_t)n;
	return zt_put(o, s, n + 1);
}

static int zt_name(zt_out *o, const char *t)
{
	uint8_t w[WIRE_MAXNAME];
	size_t n = strlen(t), ol = wire_name_len(o->origin), wl;
	int rel = n == 0 || t[n - 1] != '.' ||
		  (n >= 2 && t[n - 2] == '\\');

	if (strcmp(t, "@") == 0)
		return zt_put(o, o->origin, ol);
	if (wire_name_from_str(t, w) < 0)
		return -1;
	wl = wire_name_len(w);
	if (!rel)
		return zt_put(o, w, wl);
	if (wl - 1 + ol > WIRE_MAXNAME)
		return -1;
	return zt_put(o, w, wl - 1) < 0 ? -1 : zt_put(o, o->origin, ol);
}

static int zt_atma(zt_out *o, char **t, int n)
{
	uint8_t f = t[0][0] == '+';

	if (n != 1 || zt_put(o, &f, 1) < 0)
		return -1;
	if (!f)
		return zt_hex(o, t, 1, 1);
	if (!t[0][1])
		return -1;
	for (const char *p = t[0] + 1; *p; p++)
		if (*p < '0' || *p > '9')
			return -1;
	return zt_put(o, t[0] + 1, strlen(t[0]) - 1);
}

/* RFC 8777 4.3: "D type relay" after the precedence: the D-bit and the
 * type share one octet; the relay is nothing ("."), IPv4, IPv6 or a
 * name (uncompressed). */
static int zt_amt(zt_out *o, char **t, int n)
{
	ldns_rdf *a = NULL;
	uint8_t b;
	int r;

	if (n != 3 || (strcmp(t[0], "0") && strcmp(t[0], "1")) ||
	    zt_uint(o, t[1], 1) < 0 || o->p[o->len - 1] > 3)
		return -1;
	b = o->p[o->len - 1];
	o->p[o->len - 1] = (uint8_t)((t[0][0] == '1') << 7 | b);
	if (b == 0)
		return strcmp(t[2], ".") == 0 ? 0 : -1;
	if (b == 3)
		return zt_name(o, t[2]);
	if ((b == 1 ? ldns_str2rdf_a(&a, t[2]) : ldns_str2rdf_aaaa(&a, t[2]))
	    != LDNS_STATUS_OK)
		return -1;
	r = zt_put(o, ldns_rdf_data(a), ldns_rdf_size(a));
	ldns_rdf_deep_free(a);
	return r;
}

/* Field f from t[*i..n); the rest-of-record kinds take every token. */
static int zt_field(zt_out *o, uint8_t f, char **t, int n, int *i)
{
	const char *s = *i < n ? t[*i] : NULL;
	int rest = n - *i, v;

	if (!s)
		return -1;
	switch (f) {
	case ZT_U8: case ZT_U16: case ZT_U32:
		(*i)++;
		return zt_uint(o, s, f == ZT_U8 ? 1 : f == ZT_U16 ? 2 : 4);
	case ZT_TYPE: case ZT_DSYNC:
		(*i)++;
		if (f == ZT_DSYNC && strcasecmp(s, "NOTIFY") == 0)
			return zt_put(o, "\1", 1);
		if (f == ZT_DSYNC || (*s >= '0' && *s <= '9'))
			return zt_uint(o, s, f == ZT_DSYNC ? 1 : 2);
		if (!(v = (int)ldns_get_rr_type_by_name(s)))
			return -1;
		return zt_put(o, (uint8_t[2]){ (uint8_t)(v >> 8),
					       (uint8_t)v }, 2);
	case ZT_NAME:
		(*i)++;
		return zt_name(o, s);
	case ZT_STR:
		(*i)++;
		return zt_str(o, s);
	}
	*i = n;
	switch (f) {
	case ZT_STRS:
		for (int k = n - rest; k < n; k++)
			if (zt_str(o, t[k]) < 0)
				return -1;
		return 0;
	case ZT_B64D:
		if (rest == 1 && strcmp(s, "-") == 0)
			return 0;
		return zt_b64(o, t + n - rest, rest);
	case ZT_B64:
		return zt_b64(o, t + n - rest, rest);
	case ZT_HEX:
		return zt_hex(o, t + n - rest, rest, 0);
	case ZT_ATMA:
		return zt_atma(o, t + n - rest, rest);
	case ZT_AMT:
		return zt_amt(o, t + n - rest, rest);
	default:
		return -1;
	}
}

long zone_text_rdata(uint16_t type, char **tok, int n, const uint8_t *origin,
		     uint8_t *out, size_t cap)
{
	const struct zt_type *d = zt_find(type);
	zt_out o = { out, 0, cap, origin };
	int i = 0;

	if (!d)
		return -1;
	for (int k = 0; k < ZT_MAXF && d->f[k] != ZT_END; k++)
		if (zt_field(&o, d->f[k], tok, n, &i) < 0)
			return -1;
	return i == n ? (long)o.len : -1;
}
