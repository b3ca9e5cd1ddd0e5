/* Unit-test helpers for tests that build signed RRsets with ldns: a name
 * from text, an RR from text, rdata appended in the resolver's RRset
 * form (each record: 2-byte length, rdata) with the record count, a key
 * valid from INCEPT to EXPIRE, and an RRset signed into a tset.  Any
 * error prints the input and exits 2. */
#ifndef DV_TLDNS_H
#define DV_TLDNS_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ldns/ldns.h>

#include "zones/zones.h"

#define NOW 1800000000u           /* the tests' clock (seconds) */
#define INCEPT (NOW - 3600)
#define EXPIRE (NOW + 86400)

/* An RRset (zones/ form, lowercased owner) with its RRSIGs. */
typedef struct tset {
	uint8_t owner[WIRE_MAXNAME];
	uint16_t type;
	uint8_t data[8192];
	uint32_t len;
	uint16_t count;
	uint8_t sigs[8192];
	uint32_t siglen;
	uint16_t sigcount;
} tset;


static inline void wname(const char *s, uint8_t *out)
{
	if (wire_name_from_str(s, out) <= 0) {
		printf("bad name %s\n", s);
		exit(2);
	}
}

static inline void put_rdata(uint8_t *buf, uint32_t *len, uint16_t *count,
			     const uint8_t *rd, size_t rdlen)
{
	buf[*len] = (uint8_t)(rdlen >> 8);
	buf[*len + 1] = (uint8_t)rdlen;
	memcpy(buf + *len + 2, rd, rdlen);
	*len += 2 + (uint32_t)rdlen;
	(*count)++;
}

static inline void put_rr(uint8_t *buf, uint32_t *len, uint16_t *count,
			  const ldns_rr *rr)
{
	ldns_buffer *b = ldns_buffer_new(4096);

	ldns_rr_rdata2buffer_wire(b, rr);
	put_rdata(buf, len, count, ldns_buffer_begin(b),
		  ldns_buffer_position(b));
	ldns_buffer_free(b);
}

static inline ldns_rr *mkrr(const char *s)
{
	ldns_rr *rr = NULL;

	if (ldns_rr_new_frm_str(&rr, s, 3600, NULL, NULL) != LDNS_STATUS_OK) {
		printf("bad rr %s\n", s);
		exit(2);
	}
	return rr;
}

static inline ldns_key *mkkey(ldns_signing_algorithm alg, int bits,
			      const char *zname, uint16_t flags,
			      ldns_rr **out)
{
	ldns_key *k = ldns_key_new_frm_algorithm(alg, (uint16_t)bits);
	ldns_rr *rr;

	if (!k) {
		printf("key generation failed for alg %d\n", (int)alg);
		exit(2);
	}
	ldns_key_set_pubkey_owner(k, ldns_dname_new_frm_str(zname));
	ldns_key_set_flags(k, flags);
	ldns_key_set_inception(k, INCEPT);
	ldns_key_set_expiration(k, EXPIRE);
	rr = ldns_key2rr(k);
	ldns_key_set_keytag(k, ldns_calc_keytag(rr));
	*out = rr;
	return k;
}

/* Sign the RRs of l (one owner/type; l is freed) with keys into s. */
static inline void sign_list(tset *s, ldns_rr_list *l, ldns_key **keys,
			     int nkeys)
{
	ldns_key_list *kl = ldns_key_list_new();
	ldns_rr_list *sigs;

	memset(s, 0, sizeof(*s));
	for (int i = 0; i < nkeys; i++)
		ldns_key_list_push_key(kl, keys[i]);
	sigs = ldns_sign_public(l, kl);
	wire_name_lower(s->owner,
			ldns_rdf_data(ldns_rr_owner(ldns_rr_list_rr(l, 0))));
	s->type = (uint16_t)ldns_rr_get_type(ldns_rr_list_rr(l, 0));
	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++)
		put_rr(s->data, &s->len, &s->count, ldns_rr_list_rr(l, i));
	for (size_t i = 0; sigs && i < ldns_rr_list_rr_count(sigs); i++)
		put_rr(s->sigs, &s->siglen, &s->sigcount,
		       ldns_rr_list_rr(sigs, i));
	ldns_rr_list_deep_free(sigs);
	ldns_rr_list_deep_free(l);
	/* ldns_key_list_free deep-frees its keys: hand them back first */
	ldns_key_list_set_key_count(kl, 0);
	ldns_key_list_free(kl);
}
#endif
