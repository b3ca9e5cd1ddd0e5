/*
 * resolver/trust.c — trust anchors, negative trust anchors and the key
 * table: what the chain of trust has established per name (a secure zone
 * with its validated DNSKEY RRset, an insecure delegation, a bogus zone,
 * or "not a zone cut").  Sans-IO; ldns parses the anchor text only.
 *
 * The table is a hash of at most KT_MAX entries; an expired entry is
 * replaced in place, and a full table is emptied (entries are cheap to
 * rebuild: a DS and a DNSKEY query per zone).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ldns/ldns.h>

#include "resolver/res_int.h"

enum { KT_BUCKETS = 4096, KT_MAX = 16384, TA_MAX = 64 };

/* The IANA root KSKs (KSK-2017 and KSK-2024) as DS records. */
static const char builtin_anchors[] =
	". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC68"
	"3457104237C7F8EC8D\n"
	". IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C"
	"483AF444A4C0FB2B16\n";

typedef struct kt_ent {
	struct kt_ent *next;
	res_kent e;
	uint8_t name[WIRE_MAXNAME];
} kt_ent;

typedef struct ta_set {
	uint8_t name[WIRE_MAXNAME];
	uint8_t *ds;               /* count x {rdlen, rdata} */
	uint32_t len;
	uint16_t count;
} ta_set;

struct res_keys {
	kt_ent *b[KT_BUCKETS];
	size_t n;
	ta_set ta[TA_MAX];
	size_t nta;
	uint8_t (*nta_names)[WIRE_MAXNAME];
	size_t nnta;
};

static uint32_t kt_hash(const uint8_t *name)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0, l = wire_name_len(name); i < l; i++)
		h = (h ^ name[i]) * 16777619u;
	return h % KT_BUCKETS;
}

static void kt_clear(res_keys *k)
{
	for (size_t i = 0; i < KT_BUCKETS; i++) {
		kt_ent *e = k->b[i], *n;

		for (; e; e = n) {
			n = e->next;
			free(e->e.keys);
			free(e);
		}
		k->b[i] = NULL;
	}
	k->n = 0;
}

/* ---- anchors ---- */

static ta_set *ta_get(res_keys *k, const uint8_t *name, int create)
{
	for (size_t i = 0; i < k->nta; i++)
		if (wire_name_equal(k->ta[i].name, name))
			return &k->ta[i];
	if (!create || k->nta >= TA_MAX)
		return NULL;
	memset(&k->ta[k->nta], 0, sizeof(k->ta[0]));
	wire_name_lower(k->ta[k->nta].name, name);
	return &k->ta[k->nta++];
}

static int ta_add_rdata(ta_set *s, const uint8_t *rd, size_t rdlen)
{
	uint8_t *n = realloc(s->ds, s->len + 2 + rdlen);

	if (!n)
		return -1;
	s->ds = n;
	wire_put16(n + s->len, (uint16_t)rdlen);
	memcpy(n + s->len + 2, rd, rdlen);
	s->len += 2 + (uint32_t)rdlen;
	s->count++;
	return 0;
}

/* One DS (or DNSKEY, turned into a SHA-256 DS) record into the set. */
static int ta_add_rr(res_keys *k, ldns_rr *rr)
{
	ldns_rr *ds = rr;
	uint8_t *wire = NULL, owner[WIRE_MAXNAME];
	size_t wlen = 0, pos = 0;
	int rc = -1;
	ta_set *s;

	if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_DNSKEY)
		ds = ldns_key_rr2ds(rr, LDNS_SHA256);
	if (!ds || ldns_rr2wire(&wire, ds, LDNS_SECTION_ANSWER, &wlen) !=
	    LDNS_STATUS_OK)
		goto out;
	if (wire_name_read(wire, wlen, &pos, owner) < 0 || pos + 10 > wlen ||
	    pos + 10 + wire_get16(wire + pos + 8) != wlen)
		goto out;
	s = ta_get(k, owner, 1);
	if (s)
		rc = ta_add_rdata(s, wire + pos + 10, wlen - pos - 10);
out:
	if (ds && ds != rr)
		ldns_rr_free(ds);
	free(wire);
	return rc;
}

/* The digest length a DS digest type has (RFC 4034, 4509, 5933, 6605),
 * 0 for a type we do not know (its length is not checked). */
static size_t ta_digest_len(unsigned type)
{
	switch (type) {
	case 1: return 20;   /* SHA-1 */
	case 2: return 32;   /* SHA-256 */
	case 3: return 32;   /* GOST R 34.11-94 */
	case 4: return 48;   /* SHA-384 */
	default: return 0;
	}
}

/* A DS anchor whose digest does not fit its digest type can never match
 * a key: it would leave its zone without a usable anchor, so it is an
 * error, not a silent "insecure".  0, or -1 with the reason in why. */
static int ta_ds_check(const ldns_rr *rr, char *why, size_t whylen)
{
	const ldns_rdf *dt = ldns_rr_rdf(rr, 2), *dg = ldns_rr_rdf(rr, 3);
	size_t want;

	if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_DS)
		return 0;
	if (!dt || !dg || ldns_rdf_size(dt) != 1) {
		snprintf(why, whylen, "DS without a digest");
		return -1;
	}
	want = ta_digest_len(*ldns_rdf_data(dt));
	if (want && ldns_rdf_size(dg) != want) {
		snprintf(why, whylen, "DS digest of %zu bytes, but digest "
			 "type %u has %zu", ldns_rdf_size(dg),
			 (unsigned)*ldns_rdf_data(dt), want);
		return -1;
	}
	return 0;
}

static int ta_parse(res_keys *k, const char *text, char *err, size_t errlen)
{
	const char *p = text;
	int lineno = 0;

	while (*p) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char line[4096], why[128];
		ldns_rr *rr = NULL;
		ldns_status st;
		size_t i = 0;

		lineno++;
		if (n >= sizeof(line)) {
			snprintf(err, errlen, "trust anchor line %d too long",
				 lineno);
			return -1;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		p += n + (e ? 1 : 0);
		while (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')
			i++;
		if (!line[i] || line[i] == ';' || line[i] == '#')
			continue;
		st = ldns_rr_new_frm_str(&rr, line + i, 3600, NULL, NULL);
		if (st != LDNS_STATUS_OK) {
			snprintf(err, errlen, "trust anchor line %d: %s",
				 lineno, ldns_get_errorstr_by_id(st));
			return -1;
		}
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_DS &&
		    ldns_rr_get_type(rr) != LDNS_RR_TYPE_DNSKEY) {
			ldns_rr_free(rr);
			continue;     /* e.g. $TTL lines of a root.key file */
		}
		if (ta_ds_check(rr, why, sizeof(why)) < 0) {
			ldns_rr_free(rr);
			snprintf(err, errlen, "trust anchor line %d: %s", lineno,
				 why);
			return -1;
		}
		if (ta_add_rr(k, rr) < 0) {
			ldns_rr_free(rr);
			snprintf(err, errlen, "trust anchor line %d: bad record"
				 " (or more than %d anchored domains)", lineno,
				 TA_MAX);
			return -1;
		}
		ldns_rr_free(rr);
	}
	return 0;
}

res_keys *res_keys_new(const char *anchors, const char **nta, size_t nnta,
		       char *err, size_t errlen)
{
	res_keys *k = calloc(1, sizeof(*k));

	if (!k) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (ta_parse(k, anchors ? anchors : builtin_anchors, err,
		     errlen) < 0)
		goto fail;
	if (k->nta == 0) {
		snprintf(err, errlen, "no DS or DNSKEY trust anchor");
		goto fail;
	}
	if (nnta) {
		k->nta_names = calloc(nnta, WIRE_MAXNAME);
		if (!k->nta_names) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
	}
	for (size_t i = 0; i < nnta; i++) {
		uint8_t w[WIRE_MAXNAME];

		if (wire_name_from_str(nta[i], w) < 0) {
			snprintf(err, errlen, "bad negative trust anchor '%s'",
				 nta[i]);
			goto fail;
		}
		wire_name_lower(k->nta_names[k->nnta++], w);
	}
	return k;
fail:
	res_keys_free(k);
	return NULL;
}

int res_keys_set_anchors(res_keys *k, const char *anchors, char *err,
			 size_t errlen)
{
	res_keys *n = calloc(1, sizeof(*n));

	if (!n) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (ta_parse(n, anchors, err, errlen) < 0) {
		res_keys_free(n);
		return -1;
	}
	if (n->nta == 0) {
		snprintf(err, errlen, "no DS or DNSKEY trust anchor");
		res_keys_free(n);
		return -1;
	}
	for (size_t i = 0; i < k->nta; i++)
		free(k->ta[i].ds);
	memcpy(k->ta, n->ta, sizeof(k->ta));
	k->nta = n->nta;
	n->nta = 0;
	kt_clear(k);
	res_keys_free(n);
	return 0;
}

int res_anchors_check(const char *text, char *err, size_t errlen)
{
	res_keys *k = calloc(1, sizeof(*k));
	int rc;

	if (!k) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = ta_parse(k, text, err, errlen);
	res_keys_free(k);
	return rc;
}

void res_keys_free(res_keys *k)
{
	if (!k)
		return;
	kt_clear(k);
	for (size_t i = 0; i < k->nta; i++)
		free(k->ta[i].ds);
	free(k->nta_names);
	free(k);
}

const uint8_t *res_keys_anchor(const res_keys *k, const uint8_t *lname,
			       const uint8_t **ds, uint32_t *len,
			       uint16_t *count)
{
	const ta_set *best = NULL;
	int bl = -1;

	for (size_t i = 0; i < k->nta; i++) {
		int l = wire_name_labels(k->ta[i].name);

		if (l > bl && wire_name_is_sub(lname, k->ta[i].name)) {
			best = &k->ta[i];
			bl = l;
		}
	}
	if (!best)
		return NULL;
	*ds = best->ds;
	*len = best->len;
	*count = best->count;
	return best->name;
}

int res_keys_nta(const res_keys *k, const uint8_t *lname)
{
	for (size_t i = 0; i < k->nnta; i++)
		if (wire_name_is_sub(lname, k->nta_names[i]))
			return 1;
	return 0;
}

/* ---- the key table ---- */

const res_kent *res_keys_get(res_keys *k, const uint8_t *lname,
			     uint64_t now_ms)
{
	for (kt_ent *e = k->b[kt_hash(lname)]; e; e = e->next)
		if (wire_name_equal(e->name, lname))
			return e->e.expire_ms > now_ms ? &e->e : NULL;
	return NULL;
}

int res_keys_put(res_keys *k, const uint8_t *lname, uint8_t state,
		 uint16_t ede, const char *why, const uint8_t *keys,
		 uint32_t klen, uint16_t kcount, uint32_t ttl, uint64_t now_ms)
{
	uint32_t h = kt_hash(lname);
	kt_ent *e;
	uint8_t *kc = NULL;

	if (klen) {
		kc = malloc(klen);
		if (!kc)
			return -1;
		memcpy(kc, keys, klen);
	}
	for (e = k->b[h]; e; e = e->next)
		if (wire_name_equal(e->name, lname))
			break;
	if (!e) {
		if (k->n >= KT_MAX) {
			kt_clear(k);
			h = kt_hash(lname);
		}
		e = calloc(1, sizeof(*e));
		if (!e) {
			free(kc);
			return -1;
		}
		wire_name_lower(e->name, lname);
		e->next = k->b[h];
		k->b[h] = e;
		k->n++;
	}
	free(e->e.keys);
	e->e.state = state;
	e->e.ede = ede;
	snprintf(e->e.why, sizeof(e->e.why), "%s", why ? why : "");
	e->e.keys = kc;
	e->e.klen = klen;
	e->e.kcount = kcount;
	e->e.expire_ms = now_ms + (uint64_t)ttl * 1000;
	return 0;
}
