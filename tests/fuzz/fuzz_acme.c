/*
 * libFuzzer target for the ACME engine (acme/).  The input drives a whole
 * engine run: for every HTTP action one byte chooses between a canned,
 * well-formed CA answer (so that every state of the order flow is
 * reached) and an answer made of fuzz bytes (status, Replay-Nonce,
 * Location, Retry-After, Content-Type, body); other bytes answer
 * WAIT_PUBLISHED (published / failed / never) and move the clock.  The
 * first byte also selects a saved-state load or a CSR order (fuzz DER)
 * with the certificate/CSR check.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "acme/acme.h"

#define CA "https://ca.test"

static char *acct_pem;
static char cert_pem[4096];
static uint8_t cert_der[2048];
static size_t cert_der_len;

typedef struct in {
	const uint8_t *p;
	size_t n;
} in;

static int byte(in *s)
{
	if (!s->n)
		return -1;
	s->n--;
	return *s->p++;
}

/* A length-prefixed string from the input into buf (NUL-terminated). */
static char *str(in *s, char *buf, size_t cap)
{
	int l = byte(s);
	size_t len = l < 0 ? 0 : (size_t)l;

	if (len > s->n)
		len = s->n;
	if (len >= cap)
		len = cap - 1;
	memcpy(buf, s->p, len);
	buf[len] = 0;
	s->p += len;
	s->n -= len;
	return buf;
}

static void rnd(void *arg, void *buf, size_t len)
{
	(void)arg;
	memset(buf, 0x33, len);
}

static void make_cert(void)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = X509_new();
	ASN1_TIME *nb = ASN1_TIME_set(NULL, 1800000000), *na = ASN1_TIME_set(NULL, 1807776000);
	BIO *b = BIO_new(BIO_s_mem());
	uint8_t *p = cert_der;
	char *data;
	long n;

	X509_set_version(x, 2);
	X509_set1_notBefore(x, nb);
	X509_set1_notAfter(x, na);
	X509_set_pubkey(x, k);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const uint8_t *)"example.com", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_sign(x, k, EVP_sha256());
	PEM_write_bio_X509(b, x);
	n = BIO_get_mem_data(b, &data);
	snprintf(cert_pem, sizeof cert_pem, "%.*s", (int)n, data);
	cert_der_len = (size_t)i2d_X509(x, &p);
	BIO_free(b);
	ASN1_TIME_free(nb);
	ASN1_TIME_free(na);
	X509_free(x);
	EVP_PKEY_free(k);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	acct_pem = acme_key_generate(ACME_KEY_EC_P256);
	make_cert();
	return 0;
}

typedef struct resp {
	int status;
	char nonce[64], loc[128], ra[64], ct[64];
	char body[2048];
	size_t body_len;
	int has_loc, has_ra;
} resp;

/* What a well-behaved CA would answer. */
static void canned(const acme_action *a, resp *r, int *challenged)
{
	const char *p = a->url + (strncmp(a->url, CA, strlen(CA)) ? 0 : strlen(CA));
	int i = 0;

	r->status = 200;
	snprintf(r->ct, sizeof r->ct, "application/json");
	if (!strcmp(a->method, "GET"))
		snprintf(r->body, sizeof r->body, "{\"newNonce\":\"" CA "/nonce\","
			 "\"newAccount\":\"" CA "/acct\",\"newOrder\":\"" CA
			 "/order\",\"meta\":{\"termsOfService\":\"" CA "/tos\"}}");
	else if (!strcmp(a->method, "HEAD"))
		r->body[0] = 0;
	else if (!strcmp(p, "/acct")) {
		r->status = 201;
		snprintf(r->loc, sizeof r->loc, CA "/acct/1");
		r->has_loc = 1;
		snprintf(r->body, sizeof r->body, "{\"status\":\"valid\"}");
	} else if (!strcmp(p, "/order")) {
		r->status = 201;
		snprintf(r->loc, sizeof r->loc, CA "/order/1");
		r->has_loc = 1;
		snprintf(r->body, sizeof r->body, "{\"status\":\"pending\","
			 "\"finalize\":\"" CA "/fin\",\"authorizations\":[\"" CA
			 "/authz/0\",\"" CA "/authz/1\"]}");
	} else if (sscanf(p, "/authz/%d", &i) == 1 && i >= 0 && i < 2)
		snprintf(r->body, sizeof r->body, "{\"status\":\"%s\",\"identifier\":"
			 "{\"type\":\"dns\",\"value\":\"example.com\"},\"challenges\":"
			 "[{\"type\":\"dns-01\",\"url\":\"" CA "/chall/%d\",\"token\":"
			 "\"tok%d\"}]}", challenged[i] ? "valid" : "pending", i, i);
	else if (sscanf(p, "/chall/%d", &i) == 1 && i >= 0 && i < 2) {
		challenged[i] = 1;
		snprintf(r->body, sizeof r->body, "{\"status\":\"processing\"}");
	} else if (!strcmp(p, "/fin") || !strcmp(p, "/order/1"))
		snprintf(r->body, sizeof r->body, "{\"status\":\"valid\",\"finalize\":"
			 "\"" CA "/fin\",\"certificate\":\"" CA "/cert\"}");
	else if (!strcmp(p, "/cert"))
		snprintf(r->body, sizeof r->body, "%s", cert_pem);
	else
		r->status = 404;
	r->body_len = strlen(r->body);
}

static void fuzzed(in *s, resp *r)
{
	static const int st[] = { 0, 200, 201, 204, 400, 403, 404, 429, 500, 503 };
	int f = byte(s), l;

	r->status = st[(f < 0 ? 0 : f) % 10];
	r->has_loc = f >= 0 && (f & 0x10);
	r->has_ra = f >= 0 && (f & 0x20);
	str(s, r->nonce, sizeof r->nonce);
	if (r->has_loc)
		str(s, r->loc, sizeof r->loc);
	if (r->has_ra)
		str(s, r->ra, sizeof r->ra);
	str(s, r->ct, sizeof r->ct);
	l = byte(s);
	l = l < 0 ? 0 : l * 8 + (byte(s) & 7);
	if ((size_t)l > s->n)
		l = (int)s->n;
	if ((size_t)l > sizeof r->body)
		l = sizeof r->body;
	memcpy(r->body, s->p, (size_t)l);
	r->body_len = (size_t)l;
	s->p += l;
	s->n -= (size_t)l;
}

static void http(acme_ctx *c, const acme_action *a, in *s, int *challenged,
		 int64_t now)
{
	resp r;
	acme_http_response h = { 0 };
	int mode = byte(s);

	memset(&r, 0, sizeof r);
	snprintf(r.nonce, sizeof r.nonce, "nonce");
	if (mode < 0 || (mode & 3))
		canned(a, &r, challenged);
	else
		fuzzed(s, &r);
	h.status = r.status;
	h.replay_nonce = r.nonce[0] ? r.nonce : NULL;
	h.location = r.has_loc ? r.loc : NULL;
	h.retry_after = r.has_ra ? r.ra : NULL;
	h.content_type = r.ct;
	h.body = (const uint8_t *)r.body;
	h.body_len = r.body_len;
	acme_on_http_response(c, &h, now);
}

static acme_ctx *engine(int64_t now)
{
	static const char *const names[] = { "example.com", "*.example.com" };
	acme_order_cfg oc = { .id = "web", .names = names, .nnames = 2 };
	acme_cfg cfg = { .directory_url = CA "/dir", .agree_tos = 1,
			 .contact_email = "x@example.com",
			 .account_key_pem = acct_pem, .orders = &oc,
			 .norders = 1, .random = rnd, .now = now };
	char err[128];

	return acme_new(&cfg, err, sizeof err);
}

static void extras(acme_ctx *c, in *s, int sel, int64_t now)
{
	char err[128];
	size_t half = s->n / 2;

	if (sel == 1) {
		acme_state_load(c, (const char *)s->p, half, now);
	} else if (sel == 2) {
		acme_order_csr(c, "csr", s->p, half, now, err, sizeof err);
		acme_cert_check_csr(cert_der, cert_der_len, s->p, half, now,
				    ACME_RENEW_MIN_VALID, NULL);
		acme_cert_check_csr(s->p, half, s->p, half, now, 0, NULL);
	} else
		return;
	s->p += half;
	s->n -= half;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	in s = { data, size };
	int64_t now = 1800000000;
	int challenged[2] = { 0, 0 }, sel = byte(&s), steps, b, restarts = 0;
	acme_ctx *c = engine(now);
	acme_action a;
	char tok[256], *st;

	if (!c)
		return 0;
	extras(c, &s, sel < 0 ? 0 : sel % 4, now);
	for (steps = 0; steps < 400; steps++) {
		switch (acme_next_action(c, &a, now)) {
		case ACME_ACT_HTTP:
			http(c, &a, &s, challenged, now);
			break;
		case ACME_ACT_WAIT_PUBLISHED:
			snprintf(tok, sizeof tok, "%s", a.token);
			b = byte(&s);
			if (b < 0 || b % 8)
				acme_on_published(c, tok, now);
			else if (b % 16 == 0)
				acme_on_publish_failed(c, tok, "fuzz", now);
			break;
		case ACME_ACT_STORE_CERT:
			/* a restart with the saved state */
			st = acme_state_save(c);
			acme_free(c);
			c = engine(now);
			if (c && st)
				acme_state_load(c, st, strlen(st), now);
			free(st);
			if (!c || !s.n || ++restarts > 2)
				goto out;
			break;
		case ACME_ACT_NONE: {
			int64_t t = acme_next_timer(c);

			if (t < 0 || !s.n)
				goto out;
			now = t > now ? t : now + 1;
			acme_on_timer(c, now);
			break;
		}
		default:
			break;
		}
	}
out:
	if (c)
		free(acme_state_save(c));
	acme_free(c);
	return 0;
}
