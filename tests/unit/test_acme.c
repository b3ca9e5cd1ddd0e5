/*
 * Unit tests for the ACME engine (acme/): a small fake CA in this file
 * answers the engine's HTTP actions the way RFC 8555 says, and checks
 * what it receives with OpenSSL independently of acme/crypto.c: JWS
 * signatures (ES256 r||s, RS256), nonces (single use, badNonce),
 * jwk vs kid, EAB (HS256), the dns-01 TXT digest (RFC 8555 8.4 with the
 * RFC 7638 thumbprint computed here), CSR contents (SANs incl. wildcard,
 * CN, key type), Retry-After honoured via timers, problem documents,
 * backoff, persistence/resume, and the CSR (TLSA) helpers.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tests/unit/t.h"
#include "acme/acme.h"

#define T0 1800000000LL
#define CA "https://ca.test"
#define NB (T0 - 3600)
#define NA (NB + 90 * 86400)
#define FAKE_AKI "\x01\x02\x03\x04\xfa\xfb\xfc\xfd"

/* ---- independent helpers ---- */

static char *b64u(const uint8_t *p, size_t n)
{
	char *o = malloc(n * 2 + 8), *s;
	int len = EVP_EncodeBlock((uint8_t *)o, p, (int)n);

	while (len > 0 && o[len - 1] == '=')
		len--;
	o[len] = 0;
	for (s = o; *s; s++)
		*s = *s == '+' ? '-' : *s == '/' ? '_' : *s;
	return o;
}

static size_t unb64u(const char *in, uint8_t *out, size_t cap)
{
	size_t n = strlen(in), i;
	char *t = malloc(n + 4);
	int len;

	for (i = 0; i < n; i++)
		t[i] = in[i] == '-' ? '+' : in[i] == '_' ? '/' : in[i];
	while (i % 4)
		t[i++] = '=';
	t[i] = 0;
	if (i / 4 * 3 > cap) {
		free(t);
		return 0;
	}
	len = EVP_DecodeBlock(out, (uint8_t *)t, (int)i);
	free(t);
	if (len < 0)
		return 0;
	return (size_t)len - (n % 4 == 2 ? 2 : n % 4 == 3 ? 1 : 0);
}

static EVP_PKEY *load_key(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);

	BIO_free(b);
	return k;
}

/* RFC 7638 thumbprint of an EC P-256 key, computed from its public
 * point (0x04 || X || Y). */
static void thumbprint(EVP_PKEY *k, char *out)
{
	uint8_t pt[65], md[32];
	size_t len = 0;
	char *x, *y, json[256], *t;

	EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, pt,
					sizeof pt, &len);
	x = b64u(pt + 1, 32);
	y = b64u(pt + 33, 32);
	snprintf(json, sizeof json,
		 "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}", x, y);
	SHA256((uint8_t *)json, strlen(json), md);
	t = b64u(md, 32);
	strcpy(out, t);
	free(t); free(x); free(y);
}

static void dns01_digest(EVP_PKEY *acct, const char *token, char *out)
{
	char tp[64], ka[512], *d;
	uint8_t md[32];

	thumbprint(acct, tp);
	snprintf(ka, sizeof ka, "%s.%s", token, tp);
	SHA256((uint8_t *)ka, strlen(ka), md);
	d = b64u(md, 32);
	strcpy(out, d);
	free(d);
}

/* ---- the fake CA ---- */

typedef struct fca {
	EVP_PKEY *acct;             /* the engine's account key (to verify) */
	EVP_PKEY *cakey;
	int tos, eab_required;
	uint8_t eab_key[32];
	/* faults to inject */
	int badnonce_order;         /* badNonce answers to newOrder */
	int fail_order;             /* problem document on newOrder */
	int authz_invalid;          /* the challenge fails */
	int order_gone;             /* GET order -> 404 */
	int date_retry_after;       /* Retry-After as an HTTP-date */
	int foreign_authz;          /* an authorization for another name */
	EVP_PKEY *swap_key;         /* certify this key instead */
	int ari;                    /* offer renewalInfo (RFC 9773) */
	char ari_start[40], ari_end[40];
	int n_ari;
	char ari_path[256];
	/* observed */
	int bad_sig, bad_nonce_seen, bad_kid, bad_url, requests;
	int n_account, n_order, n_order_get, n_chall_early, n_fin;
	int tos_agreed, eab_ok, accept_ok;
	int64_t poll_at[16];
	int npoll;
	char nonces[8][24];
	int next_nonce;
	/* the order */
	char names[4][64];
	int nnames;
	int challenged[4], polls[4];
	X509_REQ *csr;
	uint8_t csr_der[4096];
	size_t csr_len;
	/* response */
	int status;
	char nonce[24], location[128], retry_after[64], ctype[64];
	char body[16384];
} fca;

typedef struct run {
	acme_ctx *c;
	fca ca;
	int64_t now;
	int published[4], visible[4], n_publish, n_unpublish, n_wait;
	char pub_name[4][96], pub_txt[4][64];
	int n_error, n_store_cert, n_store_acct, n_http;
	char err_text[1024], err_problem[128];
	int64_t err_retry;
	char *cert_pem, *cert_key;
	int64_t cert_na;
	char acct_url[128];
	int answer_wait;            /* answer WAIT_PUBLISHED (default 1) */
} run;

static const char *new_nonce(fca *ca)
{
	char *n = ca->nonces[ca->next_nonce++ % 8];

	snprintf(n, 24, "nonce%d", ca->next_nonce);
	snprintf(ca->nonce, sizeof ca->nonce, "%s", n);
	return n;
}

static int take_nonce(fca *ca, const char *n)
{
	int i;

	for (i = 0; i < 8; i++)
		if (n && ca->nonces[i][0] && !strcmp(ca->nonces[i], n)) {
			ca->nonces[i][0] = 0;
			return 1;
		}
	return 0;
}

static int verify_sig(EVP_PKEY *k, const char *alg, const char *in,
		      const uint8_t *sig, size_t slen)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t der[128], *p = der;
	ECDSA_SIG *es = NULL;
	int ok, dlen;

	if (!strcmp(alg, "ES256")) {
		if (slen != 64 || !EVP_PKEY_is_a(k, "EC"))
			return 0;
		es = ECDSA_SIG_new();
		ECDSA_SIG_set0(es, BN_bin2bn(sig, 32, NULL),
			       BN_bin2bn(sig + 32, 32, NULL));
		dlen = i2d_ECDSA_SIG(es, &p);
		sig = der;
		slen = (size_t)dlen;
	} else if (strcmp(alg, "RS256") || !EVP_PKEY_is_a(k, "RSA"))
		return 0;
	ok = EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, k) == 1 &&
	     EVP_DigestVerify(md, sig, slen, (const uint8_t *)in, strlen(in)) == 1;
	EVP_MD_CTX_free(md);
	ECDSA_SIG_free(es);
	return ok;
}

static void problem(fca *ca, int status, const char *type, const char *detail)
{
	ca->status = status;
	snprintf(ca->ctype, sizeof ca->ctype, "application/problem+json");
	snprintf(ca->body, sizeof ca->body,
		 "{\"type\":\"urn:ietf:params:acme:error:%s\",\"detail\":\"%s\"}",
		 type, detail);
}

/* The JWK in a newAccount header is the account key's public point. */
static int jwk_matches(fca *ca, json_t *jwk)
{
	uint8_t pt[65], x[40], y[40];
	size_t len = 0;
	const char *xs = json_string_value(json_object_get(jwk, "x"));
	const char *ys = json_string_value(json_object_get(jwk, "y"));

	EVP_PKEY_get_octet_string_param(ca->acct, OSSL_PKEY_PARAM_PUB_KEY, pt,
					sizeof pt, &len);
	return xs && ys && unb64u(xs, x, sizeof x) == 32 &&
	       unb64u(ys, y, sizeof y) == 32 && !memcmp(pt + 1, x, 32) &&
	       !memcmp(pt + 33, y, 32);
}

static int check_eab(fca *ca, json_t *eab, json_t *jwk)
{
	const char *p = json_string_value(json_object_get(eab, "protected"));
	const char *pl = json_string_value(json_object_get(eab, "payload"));
	const char *s = json_string_value(json_object_get(eab, "signature"));
	uint8_t buf[1024], md[32], sig[64];
	unsigned mdlen = 32;
	char in[2048];
	size_t n;
	json_t *h, *pj;
	int ok;

	if (!p || !pl || !s)
		return 0;
	snprintf(in, sizeof in, "%s.%s", p, pl);
	HMAC(EVP_sha256(), ca->eab_key, 32, (uint8_t *)in, strlen(in), md, &mdlen);
	if (unb64u(s, sig, sizeof sig) != 32 || memcmp(sig, md, 32))
		return 0;
	n = unb64u(p, buf, sizeof buf);
	h = json_loadb((char *)buf, n, 0, NULL);
	n = unb64u(pl, buf, sizeof buf);
	pj = json_loadb((char *)buf, n, 0, NULL);
	ok = h && pj && !strcmp(json_string_value(json_object_get(h, "alg")), "HS256") &&
	     !strcmp(json_string_value(json_object_get(h, "kid")), "kid-1") &&
	     !strcmp(json_string_value(json_object_get(h, "url")), CA "/acct") &&
	     json_equal(pj, jwk);
	json_decref(h);
	json_decref(pj);
	return ok;
}

/* Verify the JWS; returns the payload (NULL: response already set). */
static json_t *jws_in(fca *ca, const char *url, const char *body, int *is_jwk)
{
	json_t *b = json_loads(body, 0, NULL), *h = NULL, *pl = NULL;
	const char *p = json_string_value(json_object_get(b, "protected"));
	const char *ps = json_string_value(json_object_get(b, "payload"));
	const char *s = json_string_value(json_object_get(b, "signature"));
	uint8_t buf[16384], sig[512];
	size_t n, slen;
	char in[40000];
	const char *alg, *kid;

	if (!p || !ps || !s) {
		ca->bad_sig++;
		problem(ca, 400, "malformed", "not a JWS");
		goto out;
	}
	n = unb64u(p, buf, sizeof buf);
	h = json_loadb((char *)buf, n, 0, NULL);
	alg = json_string_value(json_object_get(h, "alg"));
	kid = json_string_value(json_object_get(h, "kid"));
	*is_jwk = json_object_get(h, "jwk") != NULL;
	snprintf(in, sizeof in, "%s.%s", p, ps);
	slen = unb64u(s, sig, sizeof sig);
	if (!alg || !verify_sig(ca->acct, alg, in, sig, slen))
		ca->bad_sig++;
	if (strcmp(json_string_value(json_object_get(h, "url")), url))
		ca->bad_url++;
	if (*is_jwk == (kid != NULL) || (kid && strcmp(kid, CA "/acct/1")) ||
	    (*is_jwk && !jwk_matches(ca, json_object_get(h, "jwk"))))
		ca->bad_kid++;
	if (!take_nonce(ca, json_string_value(json_object_get(h, "nonce")))) {
		ca->bad_nonce_seen++;
		problem(ca, 400, "badNonce", "stale nonce");
		goto out;
	}
	n = unb64u(ps, buf, sizeof buf);
	if (!*ps)
		pl = json_string("");          /* POST-as-GET */
	else
		pl = json_loadb((char *)buf, n, 0, NULL);
	if (pl && *is_jwk)
		json_object_set(pl, "_jwk", json_object_get(h, "jwk"));
out:
	json_decref(h);
	json_decref(b);
	return pl;
}

static void ok_json(fca *ca, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void ok_json(fca *ca, int status, const char *fmt, ...)
{
	va_list ap;

	ca->status = status;
	snprintf(ca->ctype, sizeof ca->ctype, "application/json");
	va_start(ap, fmt);
	vsnprintf(ca->body, sizeof ca->body, fmt, ap);
	va_end(ap);
}

static void ca_account(fca *ca, json_t *pl)
{
	json_t *eab = json_object_get(pl, "externalAccountBinding");

	ca->n_account++;
	ca->tos_agreed = json_is_true(json_object_get(pl, "termsOfServiceAgreed"));
	if (eab)
		ca->eab_ok = check_eab(ca, eab, json_object_get(pl, "_jwk"));
	if (ca->eab_required && !ca->eab_ok) {
		problem(ca, 400, "externalAccountRequired", "EAB needed");
		return;
	}
	snprintf(ca->location, sizeof ca->location, CA "/acct/1");
	ok_json(ca, 201, "{\"status\":\"valid\"}");
}

static void ca_new_order(fca *ca, json_t *pl)
{
	json_t *ids = json_object_get(pl, "identifiers"), *v;
	size_t i;

	ca->n_order++;
	if (ca->badnonce_order) {
		ca->badnonce_order--;
		problem(ca, 400, "badNonce", "try again");
		return;
	}
	if (ca->fail_order) {
		problem(ca, 403, "rejectedIdentifier", "no certificates for you");
		return;
	}
	ca->nnames = 0;
	json_array_foreach(ids, i, v)
		if (i < 4)
			snprintf(ca->names[ca->nnames++], 64, "%s",
				 json_string_value(json_object_get(v, "value")));
	memset(ca->challenged, 0, sizeof ca->challenged);
	memset(ca->polls, 0, sizeof ca->polls);
	snprintf(ca->location, sizeof ca->location, CA "/order/1");
	ok_json(ca, 201, "{\"status\":\"pending\",\"finalize\":\"" CA
		"/order/1/fin\",\"authorizations\":[%s%s%s]}",
		ca->nnames > 0 ? "\"" CA "/authz/0\"" : "",
		ca->nnames > 1 ? ",\"" CA "/authz/1\"" : "",
		ca->nnames > 2 ? ",\"" CA "/authz/2\"" : "");
}

static int all_valid(fca *ca)
{
	int i;

	for (i = 0; i < ca->nnames; i++)
		if (ca->polls[i] < 2)
			return 0;
	return 1;
}

static void ca_authz(fca *ca, run *r, int i)
{
	const char *n = ca->names[i];
	int wild = !strncmp(n, "*.", 2);
	const char *st = "pending";

	if (ca->challenged[i]) {
		ca->poll_at[ca->npoll++ % 16] = r->now;
		if (ca->authz_invalid)
			st = "invalid";
		else if (++ca->polls[i] >= 2)
			st = "valid";
		else
			snprintf(ca->retry_after, sizeof ca->retry_after, "%s",
				 ca->date_retry_after ?
				 "Fri, 15 Jan 2027 08:00:05 GMT" : "5");
	}
	if (ca->foreign_authz)
		n = "victim.example";
	ok_json(ca, 200, "{\"status\":\"%s\",\"identifier\":{\"type\":\"dns\","
		"\"value\":\"%s\"}%s,\"challenges\":[{\"type\":\"http-01\","
		"\"url\":\"" CA "/chall/h%d\",\"token\":\"h\"},{\"type\":"
		"\"dns-01\",\"url\":\"" CA "/chall/%d\",\"token\":\"tok-%d_x\","
		"\"status\":\"%s\"%s}]}", st, wild ? n + 2 : n,
		wild ? ",\"wildcard\":true" : "", i, i, i, st,
		!strcmp(st, "invalid") ? ",\"error\":{\"type\":\"urn:ietf:"
		"params:acme:error:incorrectResponse\",\"detail\":\"TXT not "
		"found\"}" : "");
}

static void ca_chall(fca *ca, run *r, int i)
{
	char want[64], tok[32];
	int j, seen = 0;

	snprintf(tok, sizeof tok, "tok-%d_x", i);
	dns01_digest(ca->acct, tok, want);
	for (j = 0; j < 4; j++)
		if (r->published[j] && r->visible[j] && !strcmp(r->pub_txt[j], want))
			seen = 1;
	if (!seen)
		ca->n_chall_early++;
	ca->challenged[i] = 1;
	ok_json(ca, 200, "{\"type\":\"dns-01\",\"status\":\"processing\"}");
}

static void ca_finalize(fca *ca, json_t *pl)
{
	const char *csr = json_string_value(json_object_get(pl, "csr"));
	const uint8_t *p = ca->csr_der;

	ca->n_fin++;
	if (!all_valid(ca) || !csr) {
		problem(ca, 403, "orderNotReady", "not ready");
		return;
	}
	ca->csr_len = unb64u(csr, ca->csr_der, sizeof ca->csr_der);
	X509_REQ_free(ca->csr);
	ca->csr = d2i_X509_REQ(NULL, &p, (long)ca->csr_len);
	if (!ca->csr) {
		problem(ca, 400, "badCSR", "unparsable");
		return;
	}
	snprintf(ca->retry_after, sizeof ca->retry_after, "3");
	ok_json(ca, 200, "{\"status\":\"processing\",\"finalize\":\"" CA
		"/order/1/fin\",\"authorizations\":[]}");
}

static void ca_order_get(fca *ca)
{
	ca->n_order_get++;
	if (ca->order_gone) {
		ca->order_gone--;
		problem(ca, 404, "malformed", "no such order");
		return;
	}
	if (ca->csr)
		ok_json(ca, 200, "{\"status\":\"valid\",\"finalize\":\"" CA
			"/order/1/fin\",\"certificate\":\"" CA "/cert/1\"}");
	else
		ok_json(ca, 200, "{\"status\":\"%s\",\"finalize\":\"" CA
			"/order/1/fin\",\"authorizations\":[\"" CA "/authz/0\"%s]}",
			all_valid(ca) ? "ready" : "pending",
			ca->nnames > 1 ? ",\"" CA "/authz/1\"" : "");
}

/* A certificate for the CSR's key and names, signed by the CA key. */
static void ca_cert(fca *ca)
{
	X509 *x = X509_new();
	ASN1_TIME *nb = ASN1_TIME_set(NULL, NB), *na = ASN1_TIME_set(NULL, NA);
	STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(ca->csr);
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long n;
	int i;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_set1_notBefore(x, nb);
	X509_set1_notAfter(x, na);
	X509_set_pubkey(x, ca->swap_key ? ca->swap_key : X509_REQ_get0_pubkey(ca->csr));
	X509_set_subject_name(x, X509_REQ_get_subject_name(ca->csr));
	X509_NAME_add_entry_by_txt(X509_get_issuer_name(x), "CN", MBSTRING_ASC,
				   (const uint8_t *)"fake CA", -1, -1, 0);
	for (i = 0; i < sk_X509_EXTENSION_num(exts); i++)
		X509_add_ext(x, sk_X509_EXTENSION_value(exts, i), -1);
	{       /* an authority key identifier, as real CAs send (ARI) */
		AUTHORITY_KEYID *ak = AUTHORITY_KEYID_new();

		ak->keyid = ASN1_OCTET_STRING_new();
		ASN1_OCTET_STRING_set(ak->keyid, (const uint8_t *)FAKE_AKI,
				      sizeof(FAKE_AKI) - 1);
		X509_add1_ext_i2d(x, NID_authority_key_identifier, ak, 0, 0);
		AUTHORITY_KEYID_free(ak);
	}
	X509_sign(x, ca->cakey, EVP_sha256());
	PEM_write_bio_X509(b, x);
	PEM_write_bio_X509(b, x);          /* stands in for the issuer */
	n = BIO_get_mem_data(b, &data);
	ca->status = 200;
	snprintf(ca->ctype, sizeof ca->ctype, "application/pem-certificate-chain");
	snprintf(ca->body, sizeof ca->body, "%.*s", (int)n, data);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	BIO_free(b);
	ASN1_TIME_free(nb);
	ASN1_TIME_free(na);
	X509_free(x);
}

static void ca_post(fca *ca, run *r, const char *url, const char *body,
		    const char *accept)
{
	int jwk = 0, i;
	json_t *pl = jws_in(ca, url, body, &jwk);
	const char *path = url + strlen(CA);

	if (!pl)
		return;
	if (!strcmp(path, "/acct"))
		ca_account(ca, pl);
	else if (!strcmp(path, "/order"))
		ca_new_order(ca, pl);
	else if (sscanf(path, "/authz/%d", &i) == 1 && i >= 0 && i < 4)
		ca_authz(ca, r, i);
	else if (sscanf(path, "/chall/%d", &i) == 1 && i >= 0 && i < 4)
		ca_chall(ca, r, i);
	else if (!strcmp(path, "/order/1/fin"))
		ca_finalize(ca, pl);
	else if (!strcmp(path, "/order/1"))
		ca_order_get(ca);
	else if (!strcmp(path, "/cert/1")) {
		ca->accept_ok = accept &&
			!strcmp(accept, "application/pem-certificate-chain");
		ca_cert(ca);
	} else
		problem(ca, 404, "malformed", "no such resource");
	json_decref(pl);
}

static void ca_request(fca *ca, run *r, const acme_action *a)
{
	ca->requests++;
	ca->status = 0;
	ca->location[0] = ca->retry_after[0] = ca->body[0] = ca->ctype[0] = 0;
	if (!strcmp(a->method, "GET") &&
	    !strncmp(a->url, CA "/ari/", strlen(CA "/ari/"))) {
		ca->n_ari++;
		snprintf(ca->ari_path, sizeof ca->ari_path, "%s",
			 a->url + strlen(CA "/ari/"));
		snprintf(ca->retry_after, sizeof ca->retry_after, "21600");
		ok_json(ca, 200, "{\"suggestedWindow\":{\"start\":\"%s\","
			"\"end\":\"%s\"}}", ca->ari_start, ca->ari_end);
	} else if (!strcmp(a->method, "GET") && !strcmp(a->url, CA "/dir")) {
		ok_json(ca, 200, "{%s\"newNonce\":\"" CA "/nonce\",\"newAccount\":\""
			CA "/acct\",\"newOrder\":\"" CA "/order\",\"meta\":{%s%s}}",
			ca->ari ? "\"renewalInfo\":\"" CA "/ari/\"," : "",
			ca->tos ? "\"termsOfService\":\"" CA "/tos.pdf\"" : "",
			ca->eab_required ? (ca->tos ? ",\"externalAccountRequired\":true" :
			"\"externalAccountRequired\":true") : "");
	} else if (!strcmp(a->method, "HEAD") && !strcmp(a->url, CA "/nonce")) {
		ca->status = 200;
	} else if (!strcmp(a->method, "POST")) {
		if (!a->content_type || strcmp(a->content_type, "application/jose+json"))
			ca->bad_sig++;
		ca_post(ca, r, a->url, a->body, a->accept);
	} else
		problem(ca, 405, "malformed", "method");
	new_nonce(ca);
}

/* ---- the driver ---- */

static void rnd(void *arg, void *buf, size_t len)
{
	(void)arg;
	memset(buf, 0x5a, len);
}

static char *acct_pem;
static int64_t init_nb, init_na;
static const char *init_cert;      /* the current certificate (ARI) */

static void run_init(run *r, const char *const *names, size_t n,
		     acme_key_type kt, int agree, const char *eab)
{
	acme_order_cfg oc = { .id = "web", .names = names, .nnames = n,
			      .key_type = kt, .not_before = init_nb,
			      .not_after = init_na, .cert_pem = init_cert };
	acme_cfg cfg = { .directory_url = CA "/dir", .contact_email = "a@b.test",
			 .agree_tos = agree, .account_key_pem = acct_pem,
			 .orders = n ? &oc : NULL, .norders = n ? 1 : 0,
			 .random = rnd, .now = T0 };
	char err[256];

	memset(r, 0, sizeof *r);
	r->now = T0;
	r->answer_wait = 1;
	r->ca.acct = load_key(acct_pem);
	r->ca.cakey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	r->ca.tos = 1;
	if (eab) {
		memset(r->ca.eab_key, 0x42, 32);
		cfg.eab_kid = "kid-1";
		cfg.eab_hmac_key = eab;
		r->ca.eab_required = 1;
	}
	r->c = acme_new(&cfg, err, sizeof err);
	if (!r->c)
		printf("  acme_new: %s\n", err);
}

static void run_free(run *r)
{
	acme_free(r->c);
	EVP_PKEY_free(r->ca.acct);
	EVP_PKEY_free(r->ca.cakey);
	X509_REQ_free(r->ca.csr);
	free(r->cert_pem);
	free(r->cert_key);
}

static int pub_slot(run *r, const acme_action *a)
{
	int i;

	for (i = 0; i < 4; i++)
		if (r->published[i] && !strcmp(r->pub_txt[i], a->txt) &&
		    !strcmp(r->pub_name[i], a->name))
			return i;
	return -1;
}

static void on_action(run *r, const acme_action *a)
{
	acme_http_response resp = { 0 };
	char tok[300];
	int i;

	switch (a->type) {
	case ACME_ACT_HTTP:
		r->n_http++;
		ca_request(&r->ca, r, a);
		resp.status = r->ca.status;
		resp.replay_nonce = r->ca.nonce;
		resp.location = r->ca.location[0] ? r->ca.location : NULL;
		resp.retry_after = r->ca.retry_after[0] ? r->ca.retry_after : NULL;
		resp.content_type = r->ca.ctype;
		resp.body = (const uint8_t *)r->ca.body;
		resp.body_len = strlen(r->ca.body);
		acme_on_http_response(r->c, &resp, r->now);
		break;
	case ACME_ACT_PUBLISH:
		for (i = 0; i < 4 && r->published[i]; i++)
			;
		if (i < 4) {
			r->published[i] = 1;
			r->visible[i] = 0;
			snprintf(r->pub_name[i], 96, "%s", a->name);
			snprintf(r->pub_txt[i], 64, "%s", a->txt);
		}
		r->n_publish++;
		break;
	case ACME_ACT_UNPUBLISH:
		if ((i = pub_slot(r, a)) >= 0)
			r->published[i] = 0;
		r->n_unpublish++;
		break;
	case ACME_ACT_WAIT_PUBLISHED:
		r->n_wait++;
		if ((i = pub_slot(r, a)) >= 0 && r->answer_wait) {
			r->visible[i] = 1;
			snprintf(tok, sizeof tok, "%s", a->token);
			acme_on_published(r->c, tok, r->now);
		}
		break;
	case ACME_ACT_STORE_ACCOUNT:
		r->n_store_acct++;
		snprintf(r->acct_url, sizeof r->acct_url, "%s", a->account_url);
		break;
	case ACME_ACT_STORE_CERT:
		r->n_store_cert++;
		free(r->cert_pem);
		free(r->cert_key);
		r->cert_pem = strdup(a->chain_pem);
		r->cert_key = a->key_pem ? strdup(a->key_pem) : NULL;
		r->cert_na = a->not_after;
		break;
	case ACME_ACT_ERROR:
		r->n_error++;
		snprintf(r->err_text, sizeof r->err_text, "%s", a->text);
		snprintf(r->err_problem, sizeof r->err_problem, "%s",
			 a->problem_type ? a->problem_type : "");
		r->err_retry = a->retry_at;
		break;
	default:
		break;
	}
}

/* Drive until `stop` (a STORE_CERT or ERROR count reached) or until
 * the clock would pass `until`. */
static void drive(run *r, int certs, int errors, int64_t until)
{
	acme_action a;
	int guard;

	for (guard = 0; guard < 2000; guard++) {
		if (r->n_store_cert >= certs || r->n_error >= errors)
			return;
		if (acme_next_action(r->c, &a, r->now) != ACME_ACT_NONE) {
			on_action(r, &a);
			continue;
		}
		int64_t t = acme_next_timer(r->c);

		if (t < 0 || t > until)
			return;
		if (t > r->now)
			r->now = t;
		acme_on_timer(r->c, r->now);
	}
	printf("  drive: too many steps\n");
	t_cur_failed = 1;
}

static void check_csr(run *r, const char *const *names, int n, int rsa_bits)
{
	X509_REQ *q = r->ca.csr;
	STACK_OF(X509_EXTENSION) *exts;
	GENERAL_NAMES *gens;
	EVP_PKEY *k, *certk;
	char cn[128] = "";
	int i;

	T_CHECK(q != NULL);
	if (!q)
		return;
	k = X509_REQ_get0_pubkey(q);
	T_EQ(X509_REQ_verify(q, k), 1);
	if (rsa_bits) {
		T_CHECK(EVP_PKEY_is_a(k, "RSA"));
		T_EQ(EVP_PKEY_get_bits(k), rsa_bits);
	} else {
		char grp[32] = "";

		T_CHECK(EVP_PKEY_is_a(k, "EC"));
		EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME,
					       grp, sizeof grp, NULL);
		T_CHECK(!strcmp(grp, "prime256v1"));
	}
	X509_NAME_get_text_by_NID(X509_REQ_get_subject_name(q), NID_commonName,
				  cn, sizeof cn);
	T_CHECK(!strcmp(cn, names[0]));
	exts = X509_REQ_get_extensions(q);
	gens = X509V3_get_d2i(exts, NID_subject_alt_name, NULL, NULL);
	T_EQ(sk_GENERAL_NAME_num(gens), n);
	for (i = 0; gens && i < n && i < sk_GENERAL_NAME_num(gens); i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

		T_EQ(g->type, GEN_DNS);
		T_CHECK(!strcmp((const char *)ASN1_STRING_get0_data(g->d.dNSName),
				names[i]));
	}
	/* the stored key is the CSR's key */
	if (r->cert_key) {
		certk = load_key(r->cert_key);
		T_EQ(EVP_PKEY_eq(certk, k), 1);
		EVP_PKEY_free(certk);
	}
	GENERAL_NAMES_free(gens);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
}

static void common_ok(run *r)
{
	T_EQ(r->ca.bad_sig, 0);
	T_EQ(r->ca.bad_url, 0);
	T_EQ(r->ca.bad_kid, 0);
	T_EQ(r->ca.n_chall_early, 0);
}

/* ---- tests ---- */

static void test_full_flow(void)
{
	static const char *const names[] = { "example.com", "*.example.com" };
	char want0[64], want1[64];
	run r;
	int i;

	run_init(&r, names, 2, ACME_KEY_EC_P256, 1, NULL);
	T_CHECK(r.c != NULL);
	if (!r.c)
		return;
	drive(&r, 1, 1, T0 + 3600);
	common_ok(&r);
	T_EQ(r.n_error, 0);
	T_EQ(r.n_store_cert, 1);
	T_EQ(r.n_store_acct, 1);
	T_CHECK(!strcmp(r.acct_url, CA "/acct/1"));
	T_EQ(r.ca.tos_agreed, 1);
	T_EQ(r.ca.n_account, 1);
	T_EQ(r.ca.n_order, 1);
	T_EQ(r.ca.bad_nonce_seen, 0);
	T_CHECK(!strcmp(r.ca.names[0], "example.com"));
	T_CHECK(!strcmp(r.ca.names[1], "*.example.com"));
	/* both TXT values at _acme-challenge.example.com, as RFC 8555 8.4 */
	T_EQ(r.n_publish, 2);
	T_EQ(r.n_wait, 2);
	T_EQ(r.n_unpublish, 2);
	dns01_digest(r.ca.acct, "tok-0_x", want0);
	dns01_digest(r.ca.acct, "tok-1_x", want1);
	T_CHECK(!strcmp(r.pub_name[0], "_acme-challenge.example.com"));
	T_CHECK(!strcmp(r.pub_name[1], "_acme-challenge.example.com"));
	T_CHECK(!strcmp(r.pub_txt[0], want0));
	T_CHECK(!strcmp(r.pub_txt[1], want1));
	for (i = 0; i < 4; i++)
		T_EQ(r.published[i], 0);
	/* Retry-After: 5 between the polls of one authorization */
	T_CHECK(r.ca.npoll >= 4);
	T_CHECK(r.ca.poll_at[1] - r.ca.poll_at[0] >= 5);
	T_EQ(r.ca.accept_ok, 1);
	check_csr(&r, names, 2, 0);
	T_EQ(r.cert_na, NA);
	T_CHECK(r.cert_pem && strstr(r.cert_pem, "BEGIN CERTIFICATE"));
	/* renewal at 2/3 of the lifetime, up to 3% earlier */
	{
		int64_t t = acme_next_timer(r.c), life = NA - NB;

		T_CHECK(t <= NB + life * 2 / 3);
		T_CHECK(t >= NB + life * 2 / 3 - life * 3 / 100);
	}
	run_free(&r);
}

static void test_bad_nonce_retry(void)
{
	static const char *const names[] = { "www.example.org" };
	run r;

	run_init(&r, names, 1, ACME_KEY_EC_P256, 1, NULL);
	r.ca.badnonce_order = 1;
	drive(&r, 1, 1, T0 + 3600);
	common_ok(&r);
	T_EQ(r.n_error, 0);
	T_EQ(r.n_store_cert, 1);
	T_EQ(r.ca.n_order, 2);          /* retried once with the new nonce */
	run_free(&r);

	/* two in a row: the second is an error, backed off */
	run_init(&r, names, 1, ACME_KEY_EC_P256, 1, NULL);
	r.ca.badnonce_order = 2;
	drive(&r, 1, 1, T0 + 3600);
	T_EQ(r.n_error, 1);
	T_EQ(r.ca.n_order, 2);
	T_CHECK(!strcmp(r.err_problem, "urn:ietf:params:acme:error:badNonce"));
	run_free(&r);
}

static void test_stale_nonce(void)
{
	static const char *const names[] = { "www.example.org" };
	run r;

	/* the CA forgets every nonce once: the engine gets badNonce on
	 * newAccount and retries with the nonce of that answer */
	run_init(&r, names, 1, ACME_KEY_EC_P256, 1, NULL);
	{
		acme_action a;
		int i;

		for (i = 0; i < 3; i++) {      /* directory, newNonce */
			acme_next_action(r.c, &a, r.now);
			if (a.type == ACME_ACT_HTTP && !strcmp(a.method, "POST")) {
				memset(r.ca.nonces, 0, sizeof r.ca.nonces);
				on_action(&r, &a);
				break;
			}
			on_action(&r, &a);
		}
	}
	drive(&r, 1, 1, T0 + 3600);
	T_EQ(r.ca.bad_nonce_seen, 1);
	T_EQ(r.ca.n_account, 1);
	T_EQ(r.n_error, 0);
	T_EQ(r.n_store_cert, 1);
	run_free(&r);
}

static void test_tos_required(void)
{
	static const char *const names[] = { "example.com" };
	run r;

	run_init(&r, names, 1, ACME_KEY_EC_P256, 0, NULL);
	drive(&r, 1, 1, T0 + 3600);
	T_EQ(r.n_error, 1);
	T_EQ(r.ca.n_account, 0);
	T_CHECK(strstr(r.err_text, "--acme-agree-tos") != NULL);
	T_CHECK(strstr(r.err_text, CA "/tos.pdf") != NULL);
	T_CHECK(r.err_retry > T0 + 3600);
	run_free(&r);

	/* no terms in the directory: no agreement needed, none sent */
	run_init(&r, names, 1, ACME_KEY_EC_P256, 0, NULL);
	r.ca.tos = 0;
	drive(&r, 1, 1, T0 + 3600);
	T_EQ(r.n_error, 0);
	T_EQ(r.ca.tos_agreed, 0);
	T_EQ(r.n_store_cert, 1);
	run_free(&r);
}

static void test_problem_backoff(void)
{
	static const char *const names[] = { "example.com" };
	run r;
	int64_t first;

	run_init(&r, names, 1, ACME_KEY_EC_P256, 1, NULL);
	r.ca.fail_order = 1;
	drive(&r, 1, 1, T0 + 86400);
	T_EQ(r.n_error, 1);
	T_CHECK(!strcmp(r.err_problem,
			"urn:ietf:params:acme:error:rejectedIdentifier"));
	T_CHECK(strstr(r.err_text, "no certificates for you") != NULL);
	T_CHECK(strstr(r.err_text, "403") != NULL);
	T_EQ(r.err_retry, r.now + 60);
	first = r.now;
	T_EQ(acme_next_timer(r.c), first + 60);
	/* nothing before the backoff runs out */
	{
		acme_action a;

		T_EQ(acme_next_action(r.c, &a, first + 59), ACME_ACT_NONE);
	}
	drive(&r, 1, 2, T0 + 86400);
	T_EQ(r.n_error, 2);
	T_EQ(r.ca.n_order, 2);
	T_CHECK(r.now >= first + 60);
	T_EQ(r.err_retry, r.now + 120);        /* doubled */
	r.ca.fail_order = 0;
	drive(&r, 1, 3, T0 + 86400);
	T_EQ(r.n_store_cert, 1);
	T_EQ(r.n_error, 2);
	run_free(&r);
}

static void test_authz_invalid(void)
{
	static const char *const names[] = { "example.com" };
	run r;

	run_init(&r, names, 1, ACME_KEY_EC_P256, 1, NULL);
	r.ca.authz_invalid = 1;
	drive(&r, 1, 1, T0 + 3600);
	T_EQ(r.n_error, 1);
	T_CHECK(!strcmp(r.err_problem,
			"urn:ietf:params:acme:error:incorrectResponse"));
	T_CHECK(strstr(r.err_text, "TXT not found") != NULL);
	T_EQ(r.n_publish, 1);
	T_EQ(r.n_unpublish, 1);                /* cleaned up on failure */
	T_EQ(r.published[0], 0);
	run_free(&r);
}

/* A CA may not make us publish TXT records for names we did not order. */
static void test_foreign_authz(void)
{
	static const char *const names[] = { "example.com" };
	run r;

	run_init(&r, names, 1, ACME_KEY_EC_P256, 1, NULL);
	r.ca.foreign_authz = 1;
	drive(&r, 1, 1, T0 + 3600);
	T_EQ(r.n_error, 1);
	T_EQ(r.n_publish, 0);
	T_CHECK(strstr(r.err_text, "dns-01") != NULL);
	run_free(&r);
}

/* A current certificate is renewed at 2/3 of its lifetime, not before;
 * the account is registered at start-up all the same (so that terms or
 * EAB problems show at once). */
static void test_renewal_time(void)
{
	static const char *const names[] = { "example.com" };
	int64_t t, life = NA - NB;
	run r;

	init_nb = NB;
	init_na = NA;
	run_init(&r, names, 1, ACME_KEY_EC_P256, 1, NULL);
	init_nb = init_na = 0;
	drive(&r, 1, 1, T0 + 86400);
	T_EQ(r.n_http, 2);   /* directory (its Replay-Nonce serves), account */
	T_EQ(r.n_store_acct, 1);
	T_EQ(r.ca.n_order, 0);
	t = acme_next_timer(r.c);
	T_CHECK(t <= NB + life * 2 / 3 && t >= NB + life * 2 / 3 - life * 3 / 100);
	drive(&r, 1, 1, NA);
	T_EQ(r.n_store_cert, 1);
	T_EQ(r.ca.n_order, 1);
	T_CHECK(r.now >= t);
	run_free(&r);
}

static void rfc3339(int64_t t, char *out, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* RFC 9773: the CA's renewalInfo window moves the renewal earlier; the
 * certificate id is base64url(AKI) "." base64url(serial); a restart with
 * the current certificate asks at once. */
static void test_ari(void)
{
	static const char *const names[] = { "example.com" };
	char *aki = b64u((const uint8_t *)FAKE_AKI, sizeof(FAKE_AKI) - 1);
	char *ser = b64u((const uint8_t *)"\x07", 1), want[128];
	int64_t issued, st;
	char *pem;
	run r;

	snprintf(want, sizeof want, "%s.%s", aki, ser);
	run_init(&r, names, 1, ACME_KEY_EC_P256, 1, NULL);
	r.ca.ari = 1;
	drive(&r, 1, 1, T0 + 86400);
	T_EQ(r.n_store_cert, 1);
	T_EQ(r.ca.n_ari, 0);           /* no certificate before this one */
	issued = r.now;
	st = issued + 2 * 86400;
	rfc3339(st, r.ca.ari_start, sizeof r.ca.ari_start);
	rfc3339(st + 3600, r.ca.ari_end, sizeof r.ca.ari_end);
	drive(&r, 2, 1, NA);
	T_EQ(r.n_store_cert, 2);
	T_CHECK(r.ca.n_ari >= 1);
	T_CHECK(!strcmp(r.ca.ari_path, want));
	/* renewed inside the window, long before 2/3 of the lifetime */
	T_CHECK(r.now >= st && r.now <= st + 3600);
	pem = strdup(r.cert_pem);
	run_free(&r);

	/* a restart with the current certificate: renewalInfo at once */
	init_cert = pem;
	init_nb = NB;
	init_na = NA;
	run_init(&r, names, 1, ACME_KEY_EC_P256, 1, NULL);
	init_cert = NULL;
	init_nb = init_na = 0;
	r.ca.ari = 1;
	rfc3339(T0 + 86400, r.ca.ari_start, sizeof r.ca.ari_start);
	rfc3339(T0 + 86400 + 60, r.ca.ari_end, sizeof r.ca.ari_end);
	drive(&r, 1, 1, T0 + 600);
	T_EQ(r.ca.n_ari, 1);
	T_EQ(r.ca.n_order, 0);
	T_CHECK(acme_next_timer(r.c) <= T0 + 86400 + 60);
	drive(&r, 1, 1, T0 + 2 * 86400);
	T_EQ(r.n_store_cert, 1);
	T_CHECK(r.now >= T0 + 86400 && r.now <= T0 + 86400 + 60);
	run_free(&r);
	free(pem);
	free(aki);
	free(ser);
}

/* A certificate for some other key is not stored. */
static void test_wrong_cert_key(void)
{
	static const char *const names[] = { "example.com" };
	EVP_PKEY *other = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	run r;

	run_init(&r, names, 1, ACME_KEY_EC_P256, 1, NULL);
	r.ca.swap_key = other;
	drive(&r, 1, 1, T0 + 3600);
	T_EQ(r.n_store_cert, 0);
	T_EQ(r.n_error, 1);
	T_CHECK(strstr(r.err_text, "another key") != NULL);
	run_free(&r);
	EVP_PKEY_free(other);
}

static void test_retry_after_date(void)
{
	static const char *const names[] = { "example.com" };
	run r;

	run_init(&r, names, 1, ACME_KEY_EC_P256, 1, NULL);
	/* T0 is Fri, 15 Jan 2027 08:00:00 GMT: the CA says 08:00:05 */
	r.ca.date_retry_after = 1;
	drive(&r, 1, 1, r.now + 3600);
	T_EQ(r.n_store_cert, 1);
	T_CHECK(r.ca.npoll >= 2);
	T_CHECK(r.ca.poll_at[1] >= T0 + 5);
	run_free(&r);
}

static void test_rsa_key(void)
{
	static const char *const names[] = { "rsa.example.net", "b.example.net" };
	run r;

	run_init(&r, names, 2, ACME_KEY_RSA2048, 1, NULL);
	drive(&r, 1, 1, T0 + 3600);
	common_ok(&r);
	T_EQ(r.n_store_cert, 1);
	check_csr(&r, names, 2, 2048);
	run_free(&r);
}

static void test_eab(void)
{
	static const char *const names[] = { "example.com" };
	uint8_t key[32];
	char *k64;
	run r;

	memset(key, 0x42, 32);
	k64 = b64u(key, 32);
	run_init(&r, names, 1, ACME_KEY_EC_P256, 1, k64);
	drive(&r, 1, 1, T0 + 3600);
	common_ok(&r);
	T_EQ(r.ca.eab_ok, 1);
	T_EQ(r.n_error, 0);
	T_EQ(r.n_store_cert, 1);
	run_free(&r);
	free(k64);
}

static void test_resume(void)
{
	static const char *const names[] = { "example.com" };
	acme_order_cfg oc = { .id = "web", .names = names, .nnames = 1 };
	acme_cfg cfg = { .directory_url = CA "/dir", .agree_tos = 1,
			 .orders = &oc, .norders = 1, .random = rnd };
	char err[128], *state;
	run r;

	run_init(&r, names, 1, ACME_KEY_EC_P256, 1, NULL);
	r.answer_wait = 0;                     /* "restart" while waiting */
	drive(&r, 1, 1, T0 + 60);
	T_EQ(r.n_wait, 1);
	T_EQ(r.ca.n_order, 1);
	state = acme_state_save(r.c);
	T_CHECK(state && strstr(state, CA "/order/1"));
	acme_free(r.c);
	cfg.account_key_pem = acct_pem;
	cfg.now = r.now;
	r.c = acme_new(&cfg, err, sizeof err);
	T_EQ(acme_state_load(r.c, state, strlen(state), r.now), 0);
	r.answer_wait = 1;
	memset(r.published, 0, sizeof r.published);
	r.n_publish = r.n_unpublish = 0;
	drive(&r, 1, 1, T0 + 3600);
	common_ok(&r);
	T_EQ(r.n_error, 0);
	if (r.n_error)
		printf("  error: %s\n", r.err_text);
	T_EQ(r.n_store_cert, 1);
	T_EQ(r.ca.n_order, 1);                 /* resumed, not re-ordered */
	T_EQ(r.ca.n_account, 1);               /* account URL from the state */
	T_CHECK(r.ca.n_order_get >= 1);
	free(state);

	/* the CA no longer knows the saved order: ordered anew */
	acme_free(r.c);
	r.c = acme_new(&cfg, err, sizeof err);
	state = strdup("{\"version\":1,\"account_url\":\"" CA "/acct/1\","
		       "\"orders\":[{\"id\":\"web\",\"due\":0,\"url\":\""
		       CA "/order/1\"}]}");
	T_EQ(acme_state_load(r.c, state, strlen(state), r.now), 0);
	r.ca.order_gone = 1;
	r.n_store_cert = 0;
	X509_REQ_free(r.ca.csr);
	r.ca.csr = NULL;
	drive(&r, 1, 1, r.now + 3600);
	T_EQ(r.n_error, 0);
	T_EQ(r.ca.n_order, 2);
	T_EQ(r.n_store_cert, 1);
	T_EQ(acme_state_load(r.c, "nonsense", 8, r.now), -1);
	free(state);
	run_free(&r);
}

static uint8_t *make_csr(EVP_PKEY *k, const char *const *names, int n,
			 size_t *len)
{
	X509_REQ *q = X509_REQ_new();
	STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
	char san[512] = "";
	uint8_t *der = NULL;
	int i;

	for (i = 0; i < n; i++)
		snprintf(san + strlen(san), sizeof san - strlen(san), "%sDNS:%s",
			 i ? "," : "", names[i]);
	X509_REQ_set_pubkey(q, k);
	sk_X509_EXTENSION_push(exts, X509V3_EXT_conf_nid(NULL, NULL,
				NID_subject_alt_name, san));
	X509_REQ_add_extensions(q, exts);
	X509_REQ_sign(q, k, EVP_sha256());
	*len = (size_t)i2d_X509_REQ(q, &der);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_REQ_free(q);
	return der;
}

static void test_csr_order(void)
{
	static const char *const names[] = { "mail.example.com", "imap.example.com" };
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *k2 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	size_t len, len2, clen;
	uint8_t *csr = make_csr(k, names, 2, &len), *csr2 = make_csr(k2, names, 2, &len2);
	uint8_t *csr3, *cder = NULL;
	char err[128];
	run r;
	X509 *x;
	BIO *b;
	int64_t na = 0;

	run_init(&r, NULL, 0, ACME_KEY_EC_P256, 1, NULL);
	T_EQ(acme_order_csr(r.c, "tlsa-mail", csr, len, r.now, err, sizeof err), 0);
	T_EQ(acme_order_csr(r.c, "bad", csr, len - 10, r.now, err, sizeof err), -1);
	drive(&r, 1, 1, T0 + 3600);
	common_ok(&r);
	T_EQ(r.n_store_cert, 1);
	T_CHECK(r.cert_key == NULL);
	T_EQ(r.ca.csr_len, len);
	T_CHECK(r.ca.csr_len == len && !memcmp(r.ca.csr_der, csr, len));
	/* the issued certificate (DER, as in TLSA 3 0 0) vs the CSR */
	b = BIO_new_mem_buf(r.cert_pem, -1);
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	clen = (size_t)i2d_X509(x, &cder);
	T_EQ(acme_cert_check_csr(cder, clen, csr, len, T0, ACME_RENEW_MIN_VALID, &na),
	     ACME_CERT_OK);
	T_EQ(na, NA);
	T_EQ(acme_cert_check_csr(cder, clen, csr2, len2, T0, ACME_RENEW_MIN_VALID, NULL),
	     ACME_CERT_KEY_MISMATCH);
	T_EQ(acme_cert_check_csr(cder, clen, csr, len, NA - 86400,
				 ACME_RENEW_MIN_VALID, NULL), ACME_CERT_EXPIRING);
	{
		static const char *const more[] = { "mail.example.com", "smtp.example.com" };

		csr3 = make_csr(k, more, 2, &len2);
		T_EQ(acme_cert_check_csr(cder, clen, csr3, len2, T0,
					 ACME_RENEW_MIN_VALID, NULL),
		     ACME_CERT_NAMES_MISMATCH);
		OPENSSL_free(csr3);
	}
	T_EQ(acme_cert_check_csr(cder, clen - 5, csr, len, T0, 0, NULL), ACME_CERT_BAD);
	/* the CSR order survives a restart through the state */
	{
		char *st = acme_state_save(r.c);

		T_CHECK(st && strstr(st, "tlsa-mail") && strstr(st, "\"csr\""));
		free(st);
	}
	T_EQ(acme_order_remove(r.c, "tlsa-mail"), 0);
	T_EQ(acme_order_remove(r.c, "tlsa-mail"), -1);
	OPENSSL_free(cder);
	X509_free(x);
	BIO_free(b);
	OPENSSL_free(csr);
	OPENSSL_free(csr2);
	EVP_PKEY_free(k);
	EVP_PKEY_free(k2);
	run_free(&r);
}

static void test_helpers(void)
{
	static const char *const bad1[] = { "exa mple.com" };
	static const char *const bad2[] = { "*.*.example.com" };
	static const char *const bad3[] = { "localhost" };
	acme_order_cfg oc = { .id = "x", .nnames = 1 };
	acme_cfg cfg = { .directory_url = CA "/dir", .orders = &oc,
			 .norders = 1, .random = rnd, .account_key_pem = acct_pem };
	char err[128], v[64], want[64];
	EVP_PKEY *k = load_key(acct_pem);
	char *rsa;

	oc.names = bad1;
	T_CHECK(acme_new(&cfg, err, sizeof err) == NULL);
	T_CHECK(strstr(err, "bad name") != NULL);
	oc.names = bad2;
	T_CHECK(acme_new(&cfg, err, sizeof err) == NULL);
	oc.names = bad3;
	T_CHECK(acme_new(&cfg, err, sizeof err) == NULL);
	cfg.norders = 0;
	cfg.account_key_pem = "garbage";
	T_CHECK(acme_new(&cfg, err, sizeof err) == NULL);
	/* the TXT value helper agrees with the independent computation */
	T_EQ(acme_dns01_value(acct_pem, "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA",
			      v, sizeof v), 0);
	dns01_digest(k, "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA", want);
	T_CHECK(!strcmp(v, want));
	T_EQ(strlen(v), 43);
	rsa = acme_key_generate(ACME_KEY_RSA2048);
	T_CHECK(rsa && strstr(rsa, "BEGIN PRIVATE KEY"));
	{
		EVP_PKEY *rk = rsa ? load_key(rsa) : NULL;

		T_CHECK(rk && EVP_PKEY_is_a(rk, "RSA") && EVP_PKEY_get_bits(rk) == 2048);
		EVP_PKEY_free(rk);
	}
	free(rsa);
	EVP_PKEY_free(k);
}

/* RS256 account keys sign too (the CA verifies with RSA). */
static void test_rsa_account(void)
{
	static const char *const names[] = { "example.com" };
	char *saved = acct_pem;
	run r;

	acct_pem = acme_key_generate(ACME_KEY_RSA2048);
	run_init(&r, names, 1, ACME_KEY_EC_P256, 1, NULL);
	r.ca.tos = 0;
	/* the fake CA's thumbprint helper is EC only: check signatures and
	 * the flow up to the challenge */
	drive(&r, 1, 1, T0 + 20);
	T_EQ(r.ca.bad_sig, 0);
	T_EQ(r.ca.n_account, 1);
	T_CHECK(r.ca.n_order == 1);
	run_free(&r);
	free(acct_pem);
	acct_pem = saved;
}

int main(void)
{
	acct_pem = acme_key_generate(ACME_KEY_EC_P256);
	if (!acct_pem) {
		printf("FAIL keygen\n");
		return 1;
	}
	T_RUN(test_full_flow);
	T_RUN(test_bad_nonce_retry);
	T_RUN(test_stale_nonce);
	T_RUN(test_tos_required);
	T_RUN(test_problem_backoff);
	T_RUN(test_authz_invalid);
	T_RUN(test_foreign_authz);
	T_RUN(test_retry_after_date);
	T_RUN(test_renewal_time);
	T_RUN(test_ari);
	T_RUN(test_wrong_cert_key);
	T_RUN(test_rsa_key);
	T_RUN(test_eab);
	T_RUN(test_resume);
	T_RUN(test_csr_order);
	T_RUN(test_helpers);
	T_RUN(test_rsa_account);
	free(acct_pem);
	T_DONE();
}
