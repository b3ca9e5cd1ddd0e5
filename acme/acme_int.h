/*
 * acme/ internals: the OpenSSL side (crypto.c: keys, JWS, JWK thumbprint,
 * CSR, certificates) behind a small interface so that only crypto.c
 * includes OpenSSL and only engine.c/state.c include jansson.
 */
#ifndef DV_ACME_INT_H
#define DV_ACME_INT_H

#include "acme/acme.h"

typedef struct acme_key acme_key;   /* an EVP_PKEY */

/* base64url without padding (RFC 7515 2); malloc'ed. */
char *ac_b64url(const void *data, size_t len);
/* Decoded length, -1 on bad input or too small cap. */
long ac_b64url_decode(const char *in, uint8_t *out, size_t cap);

acme_key *ac_key_load(const char *pem, char *err, size_t errlen);
acme_key *ac_key_new(acme_key_type type);
void ac_key_free(acme_key *k);
char *ac_key_pem(const acme_key *k);             /* PKCS#8, malloc'ed */
const char *ac_key_alg(const acme_key *k);       /* "ES256" / "RS256" */
/* The public JWK in RFC 7638 canonical form (members sorted, no
 * whitespace): hashable for the thumbprint, embeddable in headers. */
char *ac_key_jwk(const acme_key *k);
/* base64url(SHA-256(canonical JWK)); out >= 44. */
int ac_key_thumbprint(const acme_key *k, char *out, size_t outlen);
/* JWS signature over `in` (ES256: r||s, RS256: PKCS#1 v1.5), base64url. */
char *ac_sign(const acme_key *k, const char *in, size_t len);
/* HS256 (EAB), base64url. */
char *ac_hmac256(const uint8_t *key, size_t keylen, const char *in,
		 size_t len);
/* base64url(SHA-256(in)) into out (>= 44). */
void ac_sha256_b64(const char *in, size_t len, char *out);

/* CSR (DER) for names (first = CN) signed by k; malloc'ed. */
uint8_t *ac_csr_build(const acme_key *k, char *const *names, size_t n,
		      size_t *len);
/* Is the public key of the first certificate in pem the one of key_pem
 * (or, with key_pem NULL, of the CSR)?  1 yes, 0 no. */
int ac_cert_matches(const char *pem, size_t len, const char *key_pem,
		    const uint8_t *csr, size_t csr_len);
/* RFC 9773 4.1 certificate id of the first certificate in pem:
 * base64url(authority key identifier) "." base64url(serial number
 * bytes); malloc'ed, NULL without an AKI. */
char *ac_ari_cert_id(const char *pem, size_t len);
/* An RFC 3339 time ("2025-01-02T03:04:05Z", fraction and offset
 * allowed) as Unix seconds; -1 bad. */
int64_t ac_rfc3339(const char *s);
/* The names of a CSR (SANs, else the CN), each malloc'ed; -1 bad. */
int ac_csr_names(const uint8_t *der, size_t len, char ***names, size_t *n);

#endif
