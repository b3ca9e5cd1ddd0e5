/*
 * The OpenSSL side of the ACME engine: keys, JWS signatures, the RFC 7638
 * thumbprint, CSRs and certificate inspection.  Memory BIOs only.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "acme/acme_int.h"

static const char b64u[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *ac_b64url(const void *data, size_t len)
{
	const uint8_t *p = data;
	char *out = malloc(len / 3 * 4 + 5), *o = out;
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		*o++ = b64u[v >> 18 & 63];
		*o++ = b64u[v >> 12 & 63];
		*o++ = b64u[v >> 6 & 63];
		*o++ = b64u[v & 63];
	}
	if (len - i == 1) {
		*o++ = b64u[p[i] >> 2];
		*o++ = b64u[(p[i] & 3) << 4];
	} else if (len - i == 2) {
		*o++ = b64u[p[i] >> 2];
		*o++ = b64u[(p[i] & 3) << 4 | p[i + 1] >> 4];
		*o++ = b64u[(p[i + 1] & 15) << 2];
	}
	*o = 0;
	return out;
}

static int b64u_val(int ch)
{
	const char *s = ch ? strchr(b64u, ch) : NULL;

	/* accept the standard alphabet too: some CAs hand out EAB keys so */
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return s ? (int)(s - b64u) : -1;
}

long ac_b64url_decode(const char *in, uint8_t *out, size_t cap)
{
	uint32_t acc = 0;
	int bits = 0, v;
	size_t n = 0;

	for (; *in && *in != '='; in++) {
		if ((v = b64u_val((unsigned char)*in)) < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n >= cap)
				return -1;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	return bits >= 6 ? -1 : (long)n;
}

/* ---- keys ---- */

struct acme_key { EVP_PKEY *pk; int ec; };

static acme_key *wrap(EVP_PKEY *pk, char *err, size_t errlen)
{
	acme_key *k;
	char grp[64] = "";

	if (!pk) {
		snprintf(err, errlen, "unreadable private key");
		return NULL;
	}
	if (EVP_PKEY_is_a(pk, "EC")) {
		if (!EVP_PKEY_get_utf8_string_param(pk,
		    OSSL_PKEY_PARAM_GROUP_NAME, grp, sizeof grp, NULL) ||
		    strcmp(grp, "prime256v1")) {
			snprintf(err, errlen, "EC key is not P-256 (%s)", grp);
			EVP_PKEY_free(pk);
			return NULL;
		}
	} else if (!EVP_PKEY_is_a(pk, "RSA") || EVP_PKEY_get_bits(pk) < 2048) {
		snprintf(err, errlen, "key must be EC P-256 or RSA >= 2048");
		EVP_PKEY_free(pk);
		return NULL;
	}
	if (!(k = calloc(1, sizeof *k))) {
		EVP_PKEY_free(pk);
		return NULL;
	}
	k->pk = pk;
	k->ec = EVP_PKEY_is_a(pk, "EC");
	return k;
}

acme_key *ac_key_load(const char *pem, char *err, size_t errlen)
{
	BIO *b = pem ? BIO_new_mem_buf(pem, -1) : NULL;
	EVP_PKEY *pk = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;

	BIO_free(b);
	return wrap(pk, err, errlen);
}

acme_key *ac_key_new(acme_key_type type)
{
	EVP_PKEY *pk;
	char err[64];

	if (type == ACME_KEY_EC_P256)
		pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	else
		pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA",
				       (size_t)(type == ACME_KEY_RSA3072 ? 3072 : 2048));
	return wrap(pk, err, sizeof err);
}

void ac_key_free(acme_key *k)
{
	if (k) {
		EVP_PKEY_free(k->pk);
		free(k);
	}
}

static char *bio_string(BIO *b)
{
	char *data, *out;
	long n = BIO_get_mem_data(b, &data);

	if (n < 0 || !(out = malloc((size_t)n + 1)))
		return NULL;
	memcpy(out, data, (size_t)n);
	out[n] = 0;
	return out;
}

char *ac_key_pem(const acme_key *k)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *out = NULL;

	if (b && PEM_write_bio_PrivateKey(b, k->pk, NULL, NULL, 0, NULL, NULL))
		out = bio_string(b);
	BIO_free(b);
	return out;
}

const char *ac_key_alg(const acme_key *k)
{
	return k->ec ? "ES256" : "RS256";
}

/* A big number parameter as base64url of its big-endian bytes (EC
 * coordinates padded to 32 bytes, RFC 7518 6.2.1.2). */
static char *bn_b64(const acme_key *k, const char *param, int pad)
{
	BIGNUM *bn = NULL;
	uint8_t buf[1024];
	int n;
	char *out = NULL;

	if (!EVP_PKEY_get_bn_param(k->pk, param, &bn))
		return NULL;
	n = pad ? pad : BN_num_bytes(bn);
	if (n <= (int)sizeof buf && BN_bn2binpad(bn, buf, n) == n)
		out = ac_b64url(buf, (size_t)n);
	BN_free(bn);
	return out;
}

char *ac_key_jwk(const acme_key *k)
{
	char *a, *b, *out = NULL;
	size_t len;

	if (k->ec) {
		a = bn_b64(k, OSSL_PKEY_PARAM_EC_PUB_X, 32);
		b = bn_b64(k, OSSL_PKEY_PARAM_EC_PUB_Y, 32);
	} else {
		a = bn_b64(k, OSSL_PKEY_PARAM_RSA_E, 0);
		b = bn_b64(k, OSSL_PKEY_PARAM_RSA_N, 0);
	}
	if (a && b && (out = malloc(len = strlen(a) + strlen(b) + 64))) {
		if (k->ec)
			snprintf(out, len, "{\"crv\":\"P-256\",\"kty\":\"EC\","
				 "\"x\":\"%s\",\"y\":\"%s\"}", a, b);
		else
			snprintf(out, len, "{\"e\":\"%s\",\"kty\":\"RSA\","
				 "\"n\":\"%s\"}", a, b);
	}
	free(a);
	free(b);
	return out;
}

void ac_sha256_b64(const char *in, size_t len, char *out)
{
	uint8_t md[32];
	char *s;

	SHA256((const uint8_t *)in, len, md);
	s = ac_b64url(md, sizeof md);
	snprintf(out, 44, "%s", s ? s : "");
	free(s);
}

int ac_key_thumbprint(const acme_key *k, char *out, size_t outlen)
{
	char *jwk = ac_key_jwk(k);

	if (!jwk || outlen < 44) {
		free(jwk);
		return -1;
	}
	ac_sha256_b64(jwk, strlen(jwk), out);
	free(jwk);
	return 0;
}

/* ECDSA signatures come as DER; JWS wants r || s, 32 bytes each
 * (RFC 7518 3.4). */
static char *ecdsa_raw(const uint8_t *der, size_t len)
{
	const uint8_t *p = der;
	ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)len);
	const BIGNUM *r, *s;
	uint8_t raw[64];
	char *out = NULL;

	if (!sig)
		return NULL;
	ECDSA_SIG_get0(sig, &r, &s);
	if (BN_bn2binpad(r, raw, 32) == 32 && BN_bn2binpad(s, raw + 32, 32) == 32)
		out = ac_b64url(raw, sizeof raw);
	ECDSA_SIG_free(sig);
	return out;
}

char *ac_sign(const acme_key *k, const char *in, size_t len)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t sig[1024];
	size_t slen = sizeof sig;
	char *out = NULL;

	if (md && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k->pk) == 1 &&
	    EVP_DigestSign(md, sig, &slen, (const uint8_t *)in, len) == 1)
		out = k->ec ? ecdsa_raw(sig, slen) : ac_b64url(sig, slen);
	EVP_MD_CTX_free(md);
	return out;
}

char *ac_hmac256(const uint8_t *key, size_t keylen, const char *in,
		 size_t len)
{
	uint8_t md[32];
	unsigned mdlen = sizeof md;

	if (!HMAC(EVP_sha256(), key, (int)keylen, (const uint8_t *)in, len,
		  md, &mdlen))
		return NULL;
	return ac_b64url(md, mdlen);
}

/* ---- CSR ---- */

static int san_push(GENERAL_NAMES *gens, const char *name)
{
	GENERAL_NAME *g = GENERAL_NAME_new();
	ASN1_IA5STRING *s = ASN1_IA5STRING_new();

	if (!g || !s || !ASN1_STRING_set(s, name, (int)strlen(name))) {
		GENERAL_NAME_free(g);
		ASN1_IA5STRING_free(s);
		return -1;
	}
	GENERAL_NAME_set0_value(g, GEN_DNS, s);
	if (!sk_GENERAL_NAME_push(gens, g)) {
		GENERAL_NAME_free(g);
		return -1;
	}
	return 0;
}

static int csr_fill(X509_REQ *req, const acme_key *k, char *const *names,
		    size_t n)
{
	X509_NAME *subj = X509_REQ_get_subject_name(req);
	GENERAL_NAMES *gens = GENERAL_NAMES_new();
	STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
	X509_EXTENSION *ext = NULL;
	size_t i;
	int ok = 0;

	if (!gens || !exts || !X509_REQ_set_version(req, 0) ||
	    !X509_REQ_set_pubkey(req, k->pk))
		goto out;
	/* CN is at most 64 characters (RFC 5280 ub-common-name) */
	if (strlen(names[0]) <= 64 && !X509_NAME_add_entry_by_txt(subj, "CN",
	    MBSTRING_ASC, (const uint8_t *)names[0], -1, -1, 0))
		goto out;
	for (i = 0; i < n; i++)
		if (san_push(gens, names[i]))
			goto out;
	if (!(ext = X509V3_EXT_i2d(NID_subject_alt_name, 0, gens)) ||
	    !sk_X509_EXTENSION_push(exts, ext))
		goto out;
	ext = NULL;
	ok = X509_REQ_add_extensions(req, exts) &&
	     X509_REQ_sign(req, k->pk, EVP_sha256()) > 0;
out:
	X509_EXTENSION_free(ext);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	GENERAL_NAMES_free(gens);
	return ok ? 0 : -1;
}

uint8_t *ac_csr_build(const acme_key *k, char *const *names, size_t n,
		      size_t *len)
{
	X509_REQ *req = X509_REQ_new();
	uint8_t *der = NULL;
	int dlen;

	if (req && n && !csr_fill(req, k, names, n) &&
	    (dlen = i2d_X509_REQ(req, &der)) > 0)
		*len = (size_t)dlen;
	else
		der = NULL;
	X509_REQ_free(req);
	return der;
}

static int names_add(char ***names, size_t *n, const char *s, int slen)
{
	char **nv = realloc(*names, (*n + 1) * sizeof *nv);
	char *d;

	if (!nv)
		return -1;
	*names = nv;
	if (slen < 0 || !(d = malloc((size_t)slen + 1)))
		return -1;
	memcpy(d, s, (size_t)slen);
	d[slen] = 0;
	nv[(*n)++] = d;
	return 0;
}

/* DNS names of a GENERAL_NAMES stack appended to *names. */
static int gens_names(GENERAL_NAMES *gens, char ***names, size_t *n)
{
	int i;

	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

		if (g->type == GEN_DNS && names_add(names, n,
		    (const char *)ASN1_STRING_get0_data(g->d.dNSName),
		    ASN1_STRING_length(g->d.dNSName)))
			return -1;
	}
	return 0;
}

static int cn_name(const X509_NAME *subj, char ***names, size_t *n)
{
	int i = X509_NAME_get_index_by_NID(subj, NID_commonName, -1);
	ASN1_STRING *s;

	if (i < 0)
		return -1;
	s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, i));
	return names_add(names, n, (const char *)ASN1_STRING_get0_data(s),
			 ASN1_STRING_length(s));
}

static void names_free(char **names, size_t n)
{
	while (n)
		free(names[--n]);
	free(names);
}

static int req_names(X509_REQ *req, char ***names, size_t *n)
{
	STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);
	GENERAL_NAMES *gens = exts ? X509V3_get_d2i(exts, NID_subject_alt_name,
						      NULL, NULL) : NULL;
	int rc = gens ? gens_names(gens, names, n) : 0;

	GENERAL_NAMES_free(gens);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	if (!rc && !*n)
		rc = cn_name(X509_REQ_get_subject_name(req), names, n);
	return rc;
}

static X509_REQ *req_parse(const uint8_t *der, size_t len)
{
	const uint8_t *p = der;
	X509_REQ *req = d2i_X509_REQ(NULL, &p, (long)len);
	EVP_PKEY *pk = req ? X509_REQ_get0_pubkey(req) : NULL;

	/* a CSR whose self-signature fails is not the key holder's */
	if (!pk || X509_REQ_verify(req, pk) != 1) {
		X509_REQ_free(req);
		return NULL;
	}
	return req;
}

int ac_csr_names(const uint8_t *der, size_t len, char ***names, size_t *n)
{
	X509_REQ *req = req_parse(der, len);
	int rc;

	*names = NULL;
	*n = 0;
	if (!req)
		return -1;
	rc = req_names(req, names, n);
	X509_REQ_free(req);
	if (rc || !*n) {
		names_free(*names, *n);
		*names = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

/* ---- certificates ---- */

static int asn1_epoch(const ASN1_TIME *t, int64_t *out)
{
	ASN1_TIME *epoch = ASN1_TIME_set(NULL, 0);
	int days = 0, secs = 0, ok;

	ok = epoch && ASN1_TIME_diff(&days, &secs, epoch, t);
	ASN1_TIME_free(epoch);
	if (!ok)
		return -1;
	*out = (int64_t)days * 86400 + secs;
	return 0;
}

int acme_cert_times(const char *pem, size_t len, int64_t *not_before,
		    int64_t *not_after)
{
	BIO *b = BIO_new_mem_buf(pem, (int)len);
	X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	int rc = -1;

	if (x && !asn1_epoch(X509_get0_notBefore(x), not_before) &&
	    !asn1_epoch(X509_get0_notAfter(x), not_after))
		rc = 0;
	X509_free(x);
	BIO_free(b);
	return rc;
}

int ac_cert_matches(const char *pem, size_t len, const char *key_pem,
		    const uint8_t *csr, size_t csr_len)
{
	BIO *b = BIO_new_mem_buf(pem, (int)len);
	X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	X509_REQ *req = !key_pem && csr ? req_parse(csr, csr_len) : NULL;
	char err[128];
	acme_key *k = key_pem ? ac_key_load(key_pem, err, sizeof err) : NULL;
	EVP_PKEY *want = k ? k->pk : req ? X509_REQ_get0_pubkey(req) : NULL;
	int ok = x && want && EVP_PKEY_eq(X509_get0_pubkey(x), want) == 1;

	ac_key_free(k);
	X509_REQ_free(req);
	X509_free(x);
	BIO_free(b);
	return ok;
}

static int name_in(char **names, size_t n, const char *name)
{
	while (n--)
		if (!strcasecmp(names[n], name))
			return 1;
	return 0;
}

static acme_cert_check cert_vs_req(X509 *x, X509_REQ *req, int64_t now,
				   int64_t min_valid, int64_t *not_after)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	char **cn = NULL, **rn = NULL;
	size_t ncn = 0, nrn = 0, i;
	int64_t na;
	acme_cert_check rc = ACME_CERT_OK;

	if (asn1_epoch(X509_get0_notAfter(x), &na) ||
	    (gens && gens_names(gens, &cn, &ncn)) || req_names(req, &rn, &nrn))
		rc = ACME_CERT_BAD;
	else if (EVP_PKEY_eq(X509_get0_pubkey(x), X509_REQ_get0_pubkey(req)) != 1)
		rc = ACME_CERT_KEY_MISMATCH;
	else {
		for (i = 0; i < nrn && rc == ACME_CERT_OK; i++)
			if (!name_in(cn, ncn, rn[i]))
				rc = ACME_CERT_NAMES_MISMATCH;
		if (rc == ACME_CERT_OK && na < now + min_valid)
			rc = ACME_CERT_EXPIRING;
		if (not_after)
			*not_after = na;
	}
	GENERAL_NAMES_free(gens);
	names_free(cn, ncn);
	names_free(rn, nrn);
	return rc;
}

acme_cert_check acme_cert_check_csr(const uint8_t *cert_der, size_t cert_len,
				    const uint8_t *csr_der, size_t csr_len,
				    int64_t now, int64_t min_valid,
				    int64_t *not_after)
{
	const uint8_t *p = cert_der;
	X509 *x = d2i_X509(NULL, &p, (long)cert_len);
	X509_REQ *req = req_parse(csr_der, csr_len);
	acme_cert_check rc = ACME_CERT_BAD;

	if (x && req)
		rc = cert_vs_req(x, req, now, min_valid, not_after);
	X509_free(x);
	X509_REQ_free(req);
	return rc;
}

char *acme_key_generate(acme_key_type type)
{
	acme_key *k = ac_key_new(type);
	char *pem = k ? ac_key_pem(k) : NULL;

	ac_key_free(k);
	return pem;
}

int acme_dns01_value(const char *account_key_pem, const char *token,
		     char *out, size_t outlen)
{
	char err[128], tp[44], *ka;
	acme_key *k = ac_key_load(account_key_pem, err, sizeof err);
	size_t len;

	if (!k || outlen < 44 || ac_key_thumbprint(k, tp, sizeof tp)) {
		ac_key_free(k);
		return -1;
	}
	ac_key_free(k);
	len = strlen(token) + 1 + strlen(tp);
	if (!(ka = malloc(len + 1)))
		return -1;
	snprintf(ka, len + 1, "%s.%s", token, tp);
	ac_sha256_b64(ka, len, out);
	free(ka);
	return 0;
}

/* ---- ACME Renewal Information (RFC 9773) ---- */

char *ac_ari_cert_id(const char *pem, size_t len)
{
	BIO *b = BIO_new_mem_buf(pem, (int)len);
	X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	const ASN1_OCTET_STRING *aki = x ? X509_get0_authority_key_id(x) : NULL;
	const ASN1_INTEGER *sn = x ? X509_get0_serialNumber(x) : NULL;
	unsigned char *der = NULL, *p;
	char *a = NULL, *s = NULL, *out = NULL;
	size_t vlen, hl;
	int dl = sn ? i2d_ASN1_INTEGER(sn, &der) : -1;

	/* the serial's DER value bytes: skip the tag and the length */
	if (!aki || dl < 3 || !der || der[0] != 0x02)
		goto done;
	p = der + 1;
	if (p[0] < 0x80) {
		vlen = p[0];
		hl = 2;
	} else if (p[0] == 0x81 && dl >= 3) {
		vlen = p[1];
		hl = 3;
	} else {
		goto done;
	}
	if (hl + vlen != (size_t)dl)
		goto done;
	a = ac_b64url(ASN1_STRING_get0_data(aki),
		      (size_t)ASN1_STRING_length(aki));
	s = ac_b64url(der + hl, vlen);
	if (a && s && (out = malloc(strlen(a) + strlen(s) + 2)))
		sprintf(out, "%s.%s", a, s);
done:
	free(a);
	free(s);
	OPENSSL_free(der);
	X509_free(x);
	BIO_free(b);
	return out;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int64_t ac_rfc3339(const char *s)
{
	int y, mo, d, h, mi, se, n = 0, oh = 0, om = 0, sign = 0;
	int64_t t;

	if (!s || sscanf(s, "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &y, &mo, &d,
			 &h, &mi, &se, &n) != 6 || n == 0 ||
	    mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    se > 60 || y < 1970)
		return -1;
	s += n;
	if (*s == '.')
		for (s++; isdigit((unsigned char)*s); s++)
			;
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		sign = *s == '-' ? -1 : 1;
		if (sscanf(s + 1, "%2d:%2d%n", &oh, &om, &n) != 2 || oh > 23 ||
		    om > 59)
			return -1;
		s += 1 + n;
	} else {
		return -1;
	}
	if (*s)
		return -1;
	t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
	return t - sign * (oh * 3600 + om * 60);
}
