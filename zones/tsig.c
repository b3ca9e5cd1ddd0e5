/*
 * zones/tsig.c — TSIG (RFC 8945): keys, keyring, verifying and signing
 * requests and responses, including multi-message chaining (5.3.1).
 * The only zones/ file that includes OpenSSL (HMAC through EVP_MAC,
 * constant-time compare through CRYPTO_memcmp).
 *
 * Local truncation policy: a truncated MAC that RFC 8945 5.2.2.1 allows
 * (at least max(10, half the hash)) is verified over its length, then
 * answered BADTRUNC (5.2.4) because we only accept full-length MACs; a
 * shorter or longer one is FORMERR.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "zones/db_int.h"

enum { TSIG_FUDGE = 300, TSIG_FIXED = 16 /* time..mac size + id..olen */ };

typedef struct tsig_algdef {
	zone_tsig_alg id;
	const char *wire;      /* canonical algorithm name, wire format */
	const char *shortname; /* robur form: MD5, SHA256, ... */
	const char *digest;    /* OpenSSL digest name */
	size_t maclen;         /* full HMAC output */
} tsig_algdef;

static const tsig_algdef tsig_algs[] = {
	{ TSIG_HMAC_MD5, "\010hmac-md5\007sig-alg\003reg\003int", "MD5",
	  "MD5", 16 },
	{ TSIG_HMAC_SHA1, "\011hmac-sha1", "SHA1", "SHA1", 20 },
	{ TSIG_HMAC_SHA224, "\013hmac-sha224", "SHA224", "SHA224", 28 },
	{ TSIG_HMAC_SHA256, "\013hmac-sha256", "SHA256", "SHA256", 32 },
	{ TSIG_HMAC_SHA384, "\013hmac-sha384", "SHA384", "SHA384", 48 },
	{ TSIG_HMAC_SHA512, "\013hmac-sha512", "SHA512", "SHA512", 64 },
};
enum { TSIG_NALGS = sizeof(tsig_algs) / sizeof(tsig_algs[0]) };

static const tsig_algdef *tsig_alg_by_id(zone_tsig_alg id)
{
	for (size_t i = 0; i < TSIG_NALGS; i++)
		if (tsig_algs[i].id == id)
			return &tsig_algs[i];
	return NULL;
}

static const tsig_algdef *tsig_alg_by_wire(const uint8_t *name)
{
	for (size_t i = 0; i < TSIG_NALGS; i++)
		if (wire_name_equal(name, (const uint8_t *)tsig_algs[i].wire))
			return &tsig_algs[i];
	return NULL;
}

/* "SHA256", "hmac-sha256", "hmac-sha256." or the MD5 long name. */
static const tsig_algdef *tsig_alg_by_text(const char *s, size_t n)
{
	char buf[64];

	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n >= sizeof(buf))
		return NULL;
	memcpy(buf, s, n);
	buf[n] = 0;
	if (strcasecmp(buf, "hmac-md5.sig-alg.reg.int") == 0)
		return &tsig_algs[0];
	for (size_t i = 0; i < TSIG_NALGS; i++) {
		const char *sn = tsig_algs[i].shortname;
		if (strcasecmp(buf, sn) == 0 ||
		    (strncasecmp(buf, "hmac-", 5) == 0 &&
		     strcasecmp(buf + 5, sn) == 0))
			return &tsig_algs[i];
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Keys                                                                */
/* ------------------------------------------------------------------ */

static int tsig_fail(char *err, size_t errlen, const char *why)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", why);
	return -1;
}

int zone_tsig_key_parse(const char *spec, zone_tsig_key *k, char *err,
			size_t errlen)
{
	const char *c1 = strchr(spec, ':'), *c2 = c1 ? strchr(c1 + 1, ':')
						     : NULL;
	const tsig_algdef *a;
	char name[WIRE_MAXNAME * 4 + 1];
	uint8_t wname[WIRE_MAXNAME];
	long sl;

	memset(k, 0, sizeof(*k));
	if (!c1 || !c2)
		return tsig_fail(err, errlen, "expected NAME:ALGORITHM:SECRET");
	if ((size_t)(c1 - spec) >= sizeof(name) || c1 == spec)
		return tsig_fail(err, errlen, "bad key name");
	memcpy(name, spec, (size_t)(c1 - spec));
	name[c1 - spec] = 0;
	if (wire_name_from_str(name, wname) < 0 || wname[0] == 0)
		return tsig_fail(err, errlen, "bad key name");
	a = tsig_alg_by_text(c1 + 1, (size_t)(c2 - c1 - 1));
	if (!a)
		return tsig_fail(err, errlen, "unknown algorithm (MD5, SHA1, "
				 "SHA224, SHA256, SHA384 or SHA512)");
	sl = wire_b64_decode(c2 + 1, strlen(c2 + 1), 0, k->secret,
			     sizeof(k->secret));
	if (sl <= 0)
		return tsig_fail(err, errlen, "bad base64 secret (or longer "
				 "than 128 bytes)");
	k->secret_len = (size_t)sl;
	wire_name_lower(k->name, wname);
	k->alg = a->id;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Keyring                                                             */
/* ------------------------------------------------------------------ */

struct zone_keyring {
	zone_tsig_key *v;
	size_t n, cap;
};

zone_keyring *zone_keyring_new(void)
{
	return calloc(1, sizeof(zone_keyring));
}

void zone_keyring_free(zone_keyring *kr)
{
	if (!kr)
		return;
	if (kr->v)
		OPENSSL_cleanse(kr->v, kr->cap * sizeof(*kr->v));
	free(kr->v);
	free(kr);
}

int zone_keyring_add(zone_keyring *kr, const zone_tsig_key *k)
{
	if (zone_keyring_find(kr, k->name))
		return -EEXIST;
	if (kr->n == kr->cap) {
		size_t nc = kr->cap ? kr->cap * 2 : 8;
		zone_tsig_key *nv = calloc(nc, sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		if (kr->v) {
			memcpy(nv, kr->v, kr->n * sizeof(*nv));
			OPENSSL_cleanse(kr->v, kr->cap * sizeof(*kr->v));
			free(kr->v);
		}
		kr->v = nv;
		kr->cap = nc;
	}
	kr->v[kr->n] = *k;
	wire_name_lower(kr->v[kr->n].name, k->name);
	kr->n++;
	return 0;
}

const zone_tsig_key *zone_keyring_find(const zone_keyring *kr,
				       const uint8_t *lname)
{
	for (size_t i = 0; kr && i < kr->n; i++)
		if (wire_name_equal(kr->v[i].name, lname))
			return &kr->v[i];
	return NULL;
}

int zone_db_set_keyring(zone_db *db, zone_keyring *kr)
{
	zone_keyring_free(db->keys);
	db->keys = kr;
	return 0;
}

const zone_keyring *zone_db_keyring(const zone_db *db)
{
	return db->keys;
}

/* ------------------------------------------------------------------ */
/* HMAC                                                                */
/* ------------------------------------------------------------------ */

typedef struct tsig_hmac {
	EVP_MAC *mac;
	EVP_MAC_CTX *ctx;
} tsig_hmac;

static void tsig_hmac_done(tsig_hmac *h)
{
	EVP_MAC_CTX_free(h->ctx);
	EVP_MAC_free(h->mac);
}

static int tsig_hmac_init(tsig_hmac *h, const zone_tsig_key *k)
{
	const tsig_algdef *a = tsig_alg_by_id(k->alg);
	OSSL_PARAM p[2];

	h->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	h->ctx = h->mac ? EVP_MAC_CTX_new(h->mac) : NULL;
	if (!a || !h->ctx) {
		tsig_hmac_done(h);
		return -1;
	}
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						(char *)a->digest, 0);
	p[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_init(h->ctx, k->secret, k->secret_len, p)) {
		tsig_hmac_done(h);
		return -1;
	}
	return 0;
}

static void tsig_hmac_add(tsig_hmac *h, const void *p, size_t n)
{
	if (n)
		EVP_MAC_update(h->ctx, p, n);
}

/* Length-prefixed previous MAC (5.3: request MAC / prior MAC). */
static void tsig_hmac_prior(tsig_hmac *h, const zone_tsig_ctx *ctx)
{
	uint8_t l[2];

	wire_put16(l, (uint16_t)ctx->mac_len);
	tsig_hmac_add(h, l, 2);
	tsig_hmac_add(h, ctx->mac, ctx->mac_len);
}

/* The message with the TSIG removed: header with ARCOUNT - 1 (when
 * strip) and the ID replaced by id, then the body up to end. */
static void tsig_hmac_msg(tsig_hmac *h, const uint8_t *msg, size_t end,
			  uint16_t id, int strip)
{
	uint8_t hdr[WIRE_HDRLEN];

	memcpy(hdr, msg, WIRE_HDRLEN);
	wire_put16(hdr, id);
	if (strip)
		wire_put16(hdr + 10, (uint16_t)(wire_get16(hdr + 10) - 1));
	tsig_hmac_add(h, hdr, WIRE_HDRLEN);
	tsig_hmac_add(h, msg + WIRE_HDRLEN, end - WIRE_HDRLEN);
}

/* TSIG variables as one RR's worth of fields (4.3.3). */
typedef struct tsig_vars {
	const uint8_t *keyname, *algname;  /* lowercased wire names */
	uint64_t time;
	uint16_t fudge, error, other_len;
	const uint8_t *other;
} tsig_vars;

static void tsig_put48(uint8_t *p, uint64_t t)
{
	wire_put16(p, (uint16_t)(t >> 32));
	wire_put32(p + 2, (uint32_t)t);
}

static void tsig_hmac_timers(tsig_hmac *h, const tsig_vars *v)
{
	uint8_t b[8];

	tsig_put48(b, v->time);
	wire_put16(b + 6, v->fudge);
	tsig_hmac_add(h, b, 8);
}

static void tsig_hmac_vars(tsig_hmac *h, const tsig_vars *v)
{
	uint8_t b[WIRE_MAXNAME];
	size_t n = wire_name_lower(b, v->keyname);
	uint8_t f[6] = { 0, DNS_C_ANY, 0, 0, 0, 0 };

	tsig_hmac_add(h, b, n);
	tsig_hmac_add(h, f, 6);           /* class ANY, TTL 0 */
	n = wire_name_lower(b, v->algname);
	tsig_hmac_add(h, b, n);
	tsig_hmac_timers(h, v);
	wire_put16(f, v->error);
	wire_put16(f + 2, v->other_len);
	tsig_hmac_add(h, f, 4);
	tsig_hmac_add(h, v->other, v->other_len);
}

static int tsig_hmac_final(tsig_hmac *h, uint8_t *out, size_t *outlen)
{
	size_t n = 0;
	int ok = EVP_MAC_final(h->ctx, out, &n, TSIG_MAXMAC);

	tsig_hmac_done(h);
	*outlen = n;
	return ok ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* Parsing a TSIG RR                                                   */
/* ------------------------------------------------------------------ */

typedef struct tsig_rr {
	uint8_t name[WIRE_MAXNAME];
	uint8_t alg[WIRE_MAXNAME];
	uint16_t rclass;
	uint32_t ttl;
	uint64_t time;
	uint16_t fudge, mac_len, orig_id, error, other_len;
	const uint8_t *mac, *other;
} tsig_rr;

static int tsig_rdata_parse(const uint8_t *msg, size_t rdend, size_t p,
			    tsig_rr *t)
{
	if (wire_name_read(msg, rdend, &p, t->alg) < 0 || p + 10 > rdend)
		return -1;
	t->time = ((uint64_t)wire_get16(msg + p) << 32) |
		  wire_get32(msg + p + 2);
	t->fudge = wire_get16(msg + p + 6);
	t->mac_len = wire_get16(msg + p + 8);
	p += 10;
	if (t->mac_len > rdend - p || t->mac_len > TSIG_MAXMAC)
		return -1;
	t->mac = msg + p;
	p += t->mac_len;
	if (p + 6 > rdend)
		return -1;
	t->orig_id = wire_get16(msg + p);
	t->error = wire_get16(msg + p + 2);
	t->other_len = wire_get16(msg + p + 4);
	p += 6;
	t->other = msg + p;
	return p + t->other_len == rdend ? 0 : -1;
}

/* The TSIG RR whose owner starts at off and which ends the message. */
static int tsig_rr_parse(const uint8_t *msg, size_t len, size_t off,
			 tsig_rr *t)
{
	size_t p = off, rdlen;

	if (off < WIRE_HDRLEN || wire_name_read(msg, len, &p, t->name) < 0 ||
	    p + 10 > len)
		return -1;
	if (wire_get16(msg + p) != DNS_T_TSIG)
		return -1;
	t->rclass = wire_get16(msg + p + 2);
	t->ttl = wire_get32(msg + p + 4);
	rdlen = wire_get16(msg + p + 8);
	p += 10;
	if (p + rdlen != len || t->rclass != DNS_C_ANY || t->ttl != 0)
		return -1;
	return tsig_rdata_parse(msg, len, p, t);
}

/* Offset of the last RR of a message (any QR) when it is the last
 * additional record and a TSIG; 0 if there is none, -1 if malformed. */
static long tsig_locate(const uint8_t *msg, size_t len)
{
	size_t p = WIRE_HDRLEN, last = 0;
	unsigned qd, nrr, ar;

	if (len < WIRE_HDRLEN)
		return -1;
	qd = wire_get16(msg + 4);
	ar = wire_get16(msg + 10);
	nrr = (unsigned)wire_get16(msg + 6) + wire_get16(msg + 8) + ar;
	for (unsigned i = 0; i < qd; i++) {
		if (wire_name_read(msg, len, &p, NULL) < 0 || p + 4 > len)
			return -1;
		p += 4;
	}
	for (unsigned i = 0; i < nrr; i++) {
		last = p;
		if (wire_name_read(msg, len, &p, NULL) < 0 || p + 10 > len)
			return -1;
		p += 10 + (size_t)wire_get16(msg + p + 8);
		if (p > len)
			return -1;
	}
	if (ar == 0 || p != len)
		return 0;
	p = last;
	(void)wire_name_read(msg, len, &p, NULL);
	return wire_get16(msg + p) == DNS_T_TSIG ? (long)last : 0;
}

/* ------------------------------------------------------------------ */
/* Server side: verify a request                                       */
/* ------------------------------------------------------------------ */

static int tsig_mac_of_request(const zone_tsig_key *k, const uint8_t *msg,
			       size_t off, const tsig_rr *t, uint8_t *mac,
			       size_t *maclen)
{
	tsig_vars v = { t->name, t->alg, t->time, t->fudge, t->error,
			t->other_len, t->other };
	tsig_hmac h;

	if (tsig_hmac_init(&h, k) < 0)
		return -1;
	tsig_hmac_msg(&h, msg, off, t->orig_id, 1);
	tsig_hmac_vars(&h, &v);
	return tsig_hmac_final(&h, mac, maclen);
}

static int tsig_time_ok(uint64_t now, uint64_t t, uint16_t fudge)
{
	uint64_t d = now > t ? now - t : t - now;

	return d <= fudge;
}

int zone_tsig_verify_request(const zone_keyring *kr, const uint8_t *msg,
			     size_t len, const wire_query *q, uint64_t now,
			     zone_tsig_ctx *ctx)
{
	const tsig_algdef *a;
	const zone_tsig_key *k;
	uint8_t mac[TSIG_MAXMAC];
	size_t maclen, min;
	tsig_rr t;

	memset(ctx, 0, sizeof(*ctx));
	if (!q->tsig_off)
		return 0;
	if (tsig_rr_parse(msg, len, q->tsig_off, &t) < 0)
		return -2;
	wire_name_lower(ctx->keyname, t.name);
	wire_name_lower(ctx->algname, t.alg);
	ctx->orig_id = t.orig_id;
	ctx->fudge = t.fudge;
	ctx->time_signed = t.time;
	a = tsig_alg_by_wire(t.alg);
	k = zone_keyring_find(kr, ctx->keyname);
	if (!a || !k || k->alg != a->id) {
		ctx->error = TSIG_E_BADKEY;
		return -1;
	}
	min = a->maclen / 2 > 10 ? a->maclen / 2 : 10;
	if (t.mac_len > a->maclen || t.mac_len < min)
		return -2;
	if (tsig_mac_of_request(k, msg, q->tsig_off, &t, mac, &maclen) < 0 ||
	    CRYPTO_memcmp(mac, t.mac, t.mac_len) != 0) {
		ctx->error = TSIG_E_BADSIG;
		return -1;
	}
	ctx->key = k;
	memcpy(ctx->mac, t.mac, t.mac_len);
	ctx->mac_len = t.mac_len;
	if (!tsig_time_ok(now, t.time, t.fudge))
		ctx->error = TSIG_E_BADTIME;
	else if (t.mac_len < a->maclen)
		ctx->error = TSIG_E_BADTRUNC;
	return ctx->error ? -1 : 1;
}

/* ------------------------------------------------------------------ */
/* Signing                                                             */
/* ------------------------------------------------------------------ */

/* Append the TSIG RR for vars v with mac to buf; ARCOUNT + 1. */
static int tsig_append(uint8_t *buf, size_t *len, size_t cap,
		       const tsig_vars *v, const uint8_t *mac, size_t maclen,
		       uint16_t orig_id)
{
	size_t kn = wire_name_len(v->keyname), an = wire_name_len(v->algname);
	size_t rdlen = an + TSIG_FIXED + maclen + v->other_len;
	size_t need = kn + 10 + rdlen;
	uint8_t *p = buf + *len;

	if (*len < WIRE_HDRLEN || need > cap - *len || *len + need > 65535)
		return WIRE_ESPACE;
	p += wire_name_lower(p, v->keyname);
	wire_put16(p, DNS_T_TSIG);
	wire_put16(p + 2, DNS_C_ANY);
	wire_put32(p + 4, 0);
	wire_put16(p + 8, (uint16_t)rdlen);
	p += 10;
	p += wire_name_lower(p, v->algname);
	tsig_put48(p, v->time);
	wire_put16(p + 6, v->fudge);
	wire_put16(p + 8, (uint16_t)maclen);
	p += 10;
	if (maclen)
		memcpy(p, mac, maclen);
	p += maclen;
	wire_put16(p, orig_id);
	wire_put16(p + 2, v->error);
	wire_put16(p + 4, v->other_len);
	if (v->other_len)
		memcpy(p + 6, v->other, v->other_len);
	wire_put16(buf + 10, (uint16_t)(wire_get16(buf + 10) + 1));
	*len += need;
	return 0;
}

/* Size of the TSIG RR zone_tsig_sign would append for ctx, exactly as
 * tsig_append lays it out: owner, type..rdlength, algorithm, the fixed
 * fields, the algorithm's full MAC (none unsigned), other data (6 bytes
 * of server time with BADTIME only).  Reserving more would set TC on an
 * answer that fits the requester's size. */
size_t zone_tsig_size(const zone_tsig_ctx *ctx)
{
	const tsig_algdef *a = ctx->key ? tsig_alg_by_id(ctx->key->alg)
					: NULL;
	const uint8_t *kn = ctx->key ? ctx->key->name : ctx->keyname;
	const uint8_t *an = a ? (const uint8_t *)a->wire : ctx->algname;
	size_t other = a && ctx->error == TSIG_E_BADTIME ? 6 : 0;

	return wire_name_len(kn) + 10 + wire_name_len(an) + TSIG_FIXED +
	       (a ? a->maclen : 0) + other;
}

int zone_tsig_sign(zone_tsig_ctx *ctx, uint8_t *buf, size_t *len,
		   size_t cap, uint64_t now)
{
	const tsig_algdef *a;
	uint8_t mac[TSIG_MAXMAC], other[6];
	size_t maclen = 0;
	tsig_vars v = { ctx->keyname, ctx->algname, now, TSIG_FUDGE,
			ctx->error, 0, other };
	tsig_hmac h;
	int r;

	if (*len < WIRE_HDRLEN)
		return WIRE_ESPACE;
	if (!ctx->key)   /* unsigned error reply (5.3.2) or nothing */
		return ctx->error ? tsig_append(buf, len, cap, &v, NULL, 0,
						wire_get16(buf)) : 0;
	a = tsig_alg_by_id(ctx->key->alg);
	v.keyname = ctx->key->name;
	v.algname = (const uint8_t *)a->wire;
	if (ctx->error == TSIG_E_BADTIME) {
		v.time = ctx->time_signed;
		tsig_put48(other, now);
		v.other_len = 6;
	}
	if (tsig_hmac_init(&h, ctx->key) < 0)
		return WIRE_ESPACE;
	if (ctx->mac_len || ctx->nmsg)
		tsig_hmac_prior(&h, ctx);
	tsig_hmac_msg(&h, buf, *len, wire_get16(buf), 0);
	if (ctx->nmsg)
		tsig_hmac_timers(&h, &v);
	else
		tsig_hmac_vars(&h, &v);
	if (tsig_hmac_final(&h, mac, &maclen) < 0)
		return WIRE_ESPACE;
	r = tsig_append(buf, len, cap, &v, mac, maclen, wire_get16(buf));
	if (r == 0) {
		memcpy(ctx->mac, mac, maclen);
		ctx->mac_len = maclen;
		ctx->nmsg++;
	}
	return r;
}

/* ------------------------------------------------------------------ */
/* Client side                                                         */
/* ------------------------------------------------------------------ */

int zone_tsig_sign_request(zone_tsig_ctx *ctx, const zone_tsig_key *key,
			   uint8_t *buf, size_t *len, size_t cap,
			   uint64_t now)
{
	const tsig_algdef *a = key ? tsig_alg_by_id(key->alg) : NULL;

	memset(ctx, 0, sizeof(*ctx));
	if (!a || *len < WIRE_HDRLEN)
		return WIRE_ESPACE;
	ctx->key = key;
	ctx->orig_id = wire_get16(buf);
	ctx->fudge = TSIG_FUDGE;
	ctx->time_signed = now;
	wire_name_lower(ctx->keyname, key->name);
	wire_name_lower(ctx->algname, (const uint8_t *)a->wire);
	/* no prior MAC: zone_tsig_sign computes the plain request MAC and
	 * leaves it in ctx->mac; the response is then the first message */
	if (zone_tsig_sign(ctx, buf, len, cap, now) < 0)
		return WIRE_ESPACE;
	ctx->nmsg = 0;
	return 0;
}

int zone_tsig_verify_response(zone_tsig_ctx *ctx, const uint8_t *msg,
			      size_t len, uint64_t now)
{
	const tsig_algdef *a;
	uint8_t mac[TSIG_MAXMAC];
	size_t maclen;
	tsig_vars v;
	tsig_hmac h;
	tsig_rr t;
	long off;

	if (!ctx->key || !(a = tsig_alg_by_id(ctx->key->alg)))
		return -1;
	off = tsig_locate(msg, len);
	if (off <= 0 || tsig_rr_parse(msg, len, (size_t)off, &t) < 0)
		return -1;
	ctx->error = t.error;
	if (!wire_name_equal(t.name, ctx->key->name) ||
	    !wire_name_equal(t.alg, (const uint8_t *)a->wire) ||
	    t.error != 0 || t.mac_len != a->maclen)
		return -1;
	v = (tsig_vars){ t.name, t.alg, t.time, t.fudge, t.error,
			 t.other_len, t.other };
	if (tsig_hmac_init(&h, ctx->key) < 0)
		return -1;
	tsig_hmac_prior(&h, ctx);
	tsig_hmac_msg(&h, msg, (size_t)off, t.orig_id, 1);
	if (ctx->nmsg)
		tsig_hmac_timers(&h, &v);
	else
		tsig_hmac_vars(&h, &v);
	if (tsig_hmac_final(&h, mac, &maclen) < 0 || maclen != t.mac_len ||
	    CRYPTO_memcmp(mac, t.mac, maclen) != 0)
		return -1;
	if (!tsig_time_ok(now, t.time, t.fudge)) {
		ctx->error = TSIG_E_BADTIME;
		return -1;
	}
	memcpy(ctx->mac, mac, maclen);
	ctx->mac_len = maclen;
	ctx->nmsg++;
	return 0;
}
