/*
 * DNSSEC signing keys of our own zones (zones.h 6.): the one zones/ file
 * besides tsig.c that includes OpenSSL, for the crypto of signing only
 * (the private key is parsed from memory; key generation and the key
 * files live in the shell, dnsvizor/dnskeys.c).
 *
 * ECDSA P-256 (RFC 6605): the public key in DNSKEY is X | Y (64 bytes),
 * the signature r | s (64 bytes) where OpenSSL gives DER.  Ed25519
 * (RFC 8080): 32-byte public key, 64-byte signature, no pre-hash.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "zones/zone_int.h"

struct zone_sigkey {
	EVP_PKEY *pkey;
	uint8_t alg;
	uint16_t flags, tag;
	uint8_t pub[64];
	size_t pub_len;
};

/* RFC 4034 appendix B. */
static uint16_t sk_tag(const uint8_t *rd, size_t len)
{
	uint32_t ac = 0;

	for (size_t i = 0; i < len; i++)
		ac += (i & 1) ? rd[i] : (uint32_t)rd[i] << 8;
	ac += (ac >> 16) & 0xffff;
	return (uint16_t)(ac & 0xffff);
}

static int sk_pub(zone_sigkey *k)
{
	uint8_t pt[65];
	size_t n = 0;

	if (k->alg == ZONE_ALG_ED25519) {
		n = sizeof(k->pub);
		if (EVP_PKEY_get_raw_public_key(k->pkey, k->pub, &n) != 1 ||
		    n != 32)
			return -1;
		k->pub_len = 32;
		return 0;
	}
	if (EVP_PKEY_get_octet_string_param(k->pkey,
					    OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
					    pt, sizeof(pt), &n) != 1 ||
	    n != 65 || pt[0] != 4)
		return -1;
	memcpy(k->pub, pt + 1, 64);
	k->pub_len = 64;
	return 0;
}

zone_sigkey *zone_sigkey_new(const uint8_t *der, size_t len, uint16_t flags,
			     char *err, size_t errlen)
{
	const unsigned char *p = der;
	zone_sigkey *k = calloc(1, sizeof(*k));
	uint8_t rd[4 + 64];
	int id;

	if (!k) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	k->flags = flags;
	k->pkey = d2i_AutoPrivateKey(NULL, &p, (long)len);
	id = k->pkey ? EVP_PKEY_get_base_id(k->pkey) : 0;
	if (id == EVP_PKEY_ED25519)
		k->alg = ZONE_ALG_ED25519;
	else if (id == EVP_PKEY_EC && EVP_PKEY_get_bits(k->pkey) == 256)
		k->alg = ZONE_ALG_ECDSAP256;
	if (!k->alg || sk_pub(k) < 0) {
		snprintf(err, errlen, "not an ECDSA P-256 or Ed25519 private "
			 "key");
		zone_sigkey_free(k);
		return NULL;
	}
	k->tag = sk_tag(rd, zone_sigkey_dnskey(k, rd, sizeof(rd)));
	return k;
}

void zone_sigkey_free(zone_sigkey *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}

uint8_t zone_sigkey_alg(const zone_sigkey *k) { return k->alg; }
uint16_t zone_sigkey_tag(const zone_sigkey *k) { return k->tag; }
uint16_t zone_sigkey_flags(const zone_sigkey *k) { return k->flags; }

size_t zone_sigkey_dnskey(const zone_sigkey *k, uint8_t *out, size_t cap)
{
	if (cap < 4 + k->pub_len)
		return 0;
	wire_put16(out, k->flags);
	out[2] = 3;
	out[3] = k->alg;
	memcpy(out + 4, k->pub, k->pub_len);
	return 4 + k->pub_len;
}

static int sk_digest(const char *md, const uint8_t *a, size_t alen,
		     const uint8_t *b, size_t blen, uint8_t *out)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned int n = 0;
	int ok;

	ok = c && EVP_DigestInit_ex(c, EVP_get_digestbyname(md), NULL) == 1 &&
	     EVP_DigestUpdate(c, a, alen) == 1 &&
	     (!blen || EVP_DigestUpdate(c, b, blen) == 1) &&
	     EVP_DigestFinal_ex(c, out, &n) == 1;
	EVP_MD_CTX_free(c);
	return ok ? (int)n : -1;
}

int zone_sigkey_ds(const zone_sigkey *k, const uint8_t *owner, uint8_t *out,
		   size_t cap)
{
	uint8_t lname[WIRE_MAXNAME], rd[4 + 64];
	size_t nlen = wire_name_lower(lname, owner);
	size_t rdlen = zone_sigkey_dnskey(k, rd, sizeof(rd));

	if (cap < 4 + 32 ||
	    sk_digest("SHA256", lname, nlen, rd, rdlen, out + 4) != 32)
		return -1;
	wire_put16(out, k->tag);
	out[2] = k->alg;
	out[3] = 2;                 /* SHA-256 (RFC 4509) */
	return 4 + 32;
}

/* DER ECDSA-Sig-Value -> r | s, 32 bytes each (RFC 6605 4). */
static int sk_ecdsa_raw(const uint8_t *der, size_t len, uint8_t *out)
{
	const unsigned char *p = der;
	ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &p, (long)len);
	int ok;

	if (!s)
		return -1;
	ok = BN_bn2binpad(ECDSA_SIG_get0_r(s), out, 32) == 32 &&
	     BN_bn2binpad(ECDSA_SIG_get0_s(s), out + 32, 32) == 32;
	ECDSA_SIG_free(s);
	return ok ? 64 : -1;
}

int zone_sigkey_sign(const zone_sigkey *k, const uint8_t *data, size_t len,
		     uint8_t *sig, size_t cap)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	uint8_t der[80];
	size_t n = sizeof(der);
	int ok, ec = k->alg == ZONE_ALG_ECDSAP256;

	if (cap < 64)
		return -1;
	ok = c && EVP_DigestSignInit(c, NULL, ec ? EVP_sha256() : NULL, NULL,
				     k->pkey) == 1 &&
	     EVP_DigestSign(c, ec ? der : sig, &n, data, len) == 1;
	EVP_MD_CTX_free(c);
	if (!ok)
		return -1;
	return ec ? sk_ecdsa_raw(der, n, sig) : (int)n;
}
