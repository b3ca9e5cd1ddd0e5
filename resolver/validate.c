/*
 * resolver/validate.c — DNSSEC primitives (RFC 4033-4035, 6840, 8624):
 * RRSIG and DS/DNSKEY checks; denial of existence (RFC 4035 5.4, 5155,
 * 9276) is in denial.c, the helpers they share in val_int.h.  Sans-IO:
 * the time comes in as now_s.  ldns does only the signature maths
 * (ldns_verify_rrsig_buffers_raw over a signed-data buffer we build
 * ourselves) and the DS digests (the NSEC3 hash is zones/nsec3.c's);
 * every policy decision is here.
 *
 * Algorithm choice (RFC 8624 section 3.1/3.3): validation MUST support
 * RSASHA1 (5), RSASHA1-NSEC3-SHA1 (7), RSASHA256 (8), RSASHA512 (10),
 * ECDSAP256SHA256 (13), ECDSAP384SHA384 (14), Ed25519 (15, RECOMMENDED)
 * and MAY Ed448 (16); DS digests SHA-1 (1, MUST for validation), SHA-256
 * (2), SHA-384 (4).  We follow the validation column: SHA-1 based
 * algorithms are NOT RECOMMENDED for *signing*, not for validating, so a
 * zone signed with them validates.  RSAMD5, DSA, GOST are not supported:
 * a DS set using only those makes the zone insecure (RFC 4035 5.2).  A
 * SHA-1 DS is ignored when a usable SHA-256/384 DS exists (RFC 4509 3).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ldns/ldns.h>

#include "resolver/val_int.h"

/* ------------------------------------------------------------------ */
/* results, support tables                                            */
/* ------------------------------------------------------------------ */

int res_val_alg_supported(uint8_t alg)
{
	switch (alg) {
	case 5: case 7: case 8: case 10: case 13: case 14: case 15:
		return 1;
	case 16:
		return LDNS_BUILD_CONFIG_USE_ED448;
	default:
		return 0;
	}
}

static size_t val_digest_len(uint8_t digest)
{
	switch (digest) {
	case 1: return 20;
	case 2: return 32;
	case 4: return 48;
	default: return 0;
	}
}

int res_val_digest_supported(uint8_t digest)
{
	return val_digest_len(digest) != 0;
}

/* RFC 1982 serial arithmetic (RFC 4034 3.1.5): a < b. */
static int val_serial_lt(uint32_t a, uint32_t b)
{
	return zone_serial_newer(b, a);
}

static uint32_t val_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* ------------------------------------------------------------------ */
/* names within untrusted buffers                                     */
/* ------------------------------------------------------------------ */

/* Lowercase a name in place (bounded); returns its length or 0. */
static size_t val_lower_name(uint8_t *p, size_t max)
{
	size_t n = val_name_len(p, max), i = 0;

	while (n && p[i]) {
		for (size_t j = 1; j <= p[i]; j++)
			p[i + j] = val_lc(p[i + j]);
		i += 1 + (size_t)p[i];
	}
	return n;
}

/* Labels of a name, not counting a leading "*" label (RFC 4034 3.1.3). */
static int val_sig_labels(const uint8_t *name)
{
	int n = wire_name_labels(name);

	if (name[0] == 1 && name[1] == '*')
		n--;
	return n;
}

/* ------------------------------------------------------------------ */
/* RRSIG / DNSKEY parsing                                             */
/* ------------------------------------------------------------------ */

typedef struct val_sig {
	const uint8_t *rd;
	uint16_t covered;
	uint8_t alg, labels;
	uint32_t exp, inc;
	uint16_t tag;
	const uint8_t *signer;
	size_t hdrlen;            /* fixed part + signer */
	const uint8_t *sig;
	size_t siglen;
} val_sig;

static int val_sig_parse(const uint8_t *rd, uint16_t len, val_sig *s)
{
	size_t n;

	if (len < 18 + 1)
		return -1;
	n = val_name_len(rd + 18, len - 18u);
	if (!n || 18 + n >= len)
		return -1;
	s->rd = rd;
	s->covered = val_get16(rd);
	s->alg = rd[2];
	s->labels = rd[3];
	s->exp = val_get32(rd + 8);
	s->inc = val_get32(rd + 12);
	s->tag = val_get16(rd + 16);
	s->signer = rd + 18;
	s->hdrlen = 18 + n;
	s->sig = rd + s->hdrlen;
	s->siglen = len - s->hdrlen;
	return 0;
}

/* RFC 4034 appendix B key tag over DNSKEY rdata. */
static uint16_t val_keytag(const uint8_t *rd, size_t len)
{
	uint32_t ac = 0;

	for (size_t i = 0; i < len; i++)
		ac += (i & 1) ? rd[i] : (uint32_t)rd[i] << 8;
	ac += (ac >> 16) & 0xffff;
	return (uint16_t)(ac & 0xffff);
}

typedef struct val_rr {
	const uint8_t *rd;
	uint16_t len;
} val_rr;

/* Split zones/-format data into count RRs; NULL if malformed. */
static val_rr *val_split(const uint8_t *data, uint32_t len, uint16_t count)
{
	val_rr *v = calloc(count ? count : 1, sizeof(*v));
	uint32_t pos = 0;

	if (!v)
		return NULL;
	for (uint16_t i = 0; i < count; i++) {
		if (pos > len || len - pos < 2) {
			free(v);
			return NULL;
		}
		v[i].len = val_get16(data + pos);
		v[i].rd = data + pos + 2;
		if (v[i].len > len - pos - 2) {
			free(v);
			return NULL;
		}
		pos += 2u + v[i].len;
	}
	return v;
}

/* ------------------------------------------------------------------ */
/* canonical RRset (RFC 4034 6.2/6.3, RFC 6840 5.1)                   */
/* ------------------------------------------------------------------ */

/* RR types whose rdata names are lowercased: skip bytes, then names. */
static const struct val_ctab {
	uint16_t type;
	uint8_t skip, names;
} val_ctab[] = {
	{VT_NS, 0, 1}, {VT_MD, 0, 1}, {VT_MF, 0, 1}, {VT_CNAME, 0, 1},
	{VT_SOA, 0, 2}, {VT_MB, 0, 1}, {VT_MG, 0, 1}, {VT_MR, 0, 1},
	{VT_PTR, 0, 1}, {VT_MINFO, 0, 2}, {VT_MX, 2, 1}, {VT_RP, 0, 2},
	{VT_AFSDB, 2, 1}, {VT_RT, 2, 1}, {VT_SIG, 18, 1}, {VT_PX, 2, 2},
	{VT_NXT, 0, 1}, {VT_SRV, 6, 1}, {VT_KX, 2, 1}, {VT_DNAME, 0, 1},
	{VT_RRSIG, 18, 1}, {VT_NAPTR, 4, 1},
};

/* NAPTR: skip the three character-strings after order/preference. */
static size_t val_naptr_skip(const uint8_t *rd, size_t len)
{
	size_t p = 4;

	for (int i = 0; i < 3; i++) {
		if (p >= len)
			return len;
		p += 1 + (size_t)rd[p];
	}
	return p;
}

static void val_canon_rdata(uint16_t type, uint8_t *rd, size_t len)
{
	for (size_t t = 0; t < sizeof(val_ctab) / sizeof(val_ctab[0]); t++) {
		size_t p = val_ctab[t].skip;

		if (val_ctab[t].type != type)
			continue;
		if (type == VT_NAPTR)
			p = val_naptr_skip(rd, len);
		for (int i = 0; i < val_ctab[t].names && p < len; i++) {
			size_t n = val_lower_name(rd + p, len - p);

			if (!n)
				return;
			p += n;
		}
		return;
	}
}

static int val_rr_cmp(const void *a, const void *b)
{
	const val_rr *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int d = memcmp(x->rd, y->rd, n);

	return d ? d : (int)x->len - (int)y->len;
}

/* The RRset in canonical form: lowercased copies, sorted, deduplicated. */
typedef struct val_canon {
	uint8_t *buf;
	val_rr *rrs;
	uint16_t n;
	size_t bytes;
} val_canon;

static void val_canon_free(val_canon *c)
{
	free(c->buf);
	free(c->rrs);
}

static int val_canon_make(uint16_t type, const uint8_t *data, uint32_t len,
			  uint16_t count, val_canon *c)
{
	uint32_t off = 0;
	uint16_t k = 0;

	memset(c, 0, sizeof(*c));
	c->rrs = val_split(data, len, count);
	c->buf = malloc(len ? len : 1);
	if (!c->rrs || !c->buf)
		return -1;
	for (uint16_t i = 0; i < count; i++) {
		memcpy(c->buf + off, c->rrs[i].rd, c->rrs[i].len);
		val_canon_rdata(type, c->buf + off, c->rrs[i].len);
		c->rrs[i].rd = c->buf + off;
		off += c->rrs[i].len;
	}
	qsort(c->rrs, count, sizeof(*c->rrs), val_rr_cmp);
	for (uint16_t i = 0; i < count; i++) {
		if (k && !val_rr_cmp(&c->rrs[k - 1], &c->rrs[i]))
			continue;
		c->rrs[k++] = c->rrs[i];
		c->bytes += c->rrs[i].len;
	}
	c->n = k;
	return 0;
}

/* ------------------------------------------------------------------ */
/* signed data and the crypto call                                    */
/* ------------------------------------------------------------------ */

static void val_put(uint8_t **p, const void *src, size_t n)
{
	memcpy(*p, src, n);
	*p += n;
}

/* RFC 4035 5.3.2: RRSIG rdata without signature, then every RR with
 * the (possibly wildcard) owner, class IN and the original TTL. */
static size_t val_signed_data(const val_sig *s, const uint8_t *owner,
			      uint16_t type, const val_canon *c, uint8_t *out)
{
	uint8_t name[WIRE_MAXNAME], hdr[10];
	uint8_t *p = out;
	size_t nl;

	val_put(&p, s->rd, s->hdrlen);
	val_lower_name(out + 18, s->hdrlen - 18);
	if (s->labels < val_sig_labels(owner))
		val_wild(val_suffix(owner, s->labels), name);
	else
		memcpy(name, owner, wire_name_len(owner));
	nl = wire_name_len(name);
	wire_name_lower(name, name);
	hdr[0] = (uint8_t)(type >> 8);
	hdr[1] = (uint8_t)type;
	hdr[2] = 0;
	hdr[3] = 1;
	memcpy(hdr + 4, s->rd + 4, 4);
	for (uint16_t i = 0; i < c->n; i++) {
		val_put(&p, name, nl);
		val_put(&p, hdr, 8);
		hdr[8] = (uint8_t)(c->rrs[i].len >> 8);
		hdr[9] = (uint8_t)c->rrs[i].len;
		val_put(&p, hdr + 8, 2);
		val_put(&p, c->rrs[i].rd, c->rrs[i].len);
	}
	return (size_t)(p - out);
}

/* Key/signature shapes per algorithm, so ldns only sees sane input. */
static int val_shape_ok(uint8_t alg, const uint8_t *key, size_t klen,
			size_t slen)
{
	size_t el, off;

	switch (alg) {
	case 13: return klen == 64 && slen == 64;
	case 14: return klen == 96 && slen == 96;
	case 15: return klen == 32 && slen == 64;
	case 16: return klen == 57 && slen == 114;
	default: break;
	}
	if (klen < 3)
		return 0;
	el = key[0];
	off = 1;
	if (el == 0) {
		el = val_get16(key + 1);
		off = 3;
	}
	return el > 0 && off + el < klen && klen - off - el <= 512 &&
	       slen > 0 && slen <= 512;
}

/* ECDSA signatures go to OpenSSL as DER. */
static int val_crypto(uint8_t alg, const uint8_t *sig, size_t slen,
		      const uint8_t *data, size_t dlen, const uint8_t *key,
		      size_t klen)
{
	ldns_buffer *vb = ldns_buffer_new(dlen ? dlen : 1);
	ldns_buffer *sb = NULL;
	ldns_rdf *rdf = NULL;
	ldns_status st = LDNS_STATUS_MEM_ERR;
	uint8_t *s = (uint8_t *)sig;

	if (!vb)
		return 0;
	ldns_buffer_write(vb, data, dlen);
	if (alg == 13 || alg == 14) {
		sb = ldns_buffer_new(slen + 16);
		rdf = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_B64, slen, sig);
		if (!sb || !rdf ||
		    ldns_convert_ecdsa_rrsig_rdf2asn1(sb, rdf) !=
		    LDNS_STATUS_OK)
			goto out;
		s = ldns_buffer_begin(sb);
		slen = ldns_buffer_position(sb);
	}
	st = ldns_verify_rrsig_buffers_raw(s, slen, vb, (uint8_t *)key, klen,
					   alg);
out:
	ldns_rdf_deep_free(rdf);
	ldns_buffer_free(sb);
	ldns_buffer_free(vb);
	return st == LDNS_STATUS_OK;
}

/* ------------------------------------------------------------------ */
/* res_val_rrset                                                      */
/* ------------------------------------------------------------------ */

/* Everything one RRset verification needs. */
typedef struct val_job {
	const uint8_t *owner;
	uint16_t type;
	val_canon canon;
	const uint8_t *zone;
	val_rr *keys;
	uint16_t nkeys;
	const uint8_t *only_key;  /* restrict to this DNSKEY rdata */
	uint16_t only_len;
	uint64_t now;
	int no_timecheck;
	uint8_t *buf;
	/* the most telling failure so far */
	int rank;
	uint16_t ede;
	char why[128];
	uint8_t labels;           /* of the verifying RRSIG */
} val_job;

static void val_fail(val_job *j, int rank, uint16_t ede, const char *why)
{
	if (rank <= j->rank)
		return;
	j->rank = rank;
	j->ede = ede;
	snprintf(j->why, sizeof(j->why), "%s", why);
}

/* Signer, labels and time window; 0 if the RRSIG may be tried. */
static int val_sig_check(val_job *j, const val_sig *s)
{
	uint32_t now = (uint32_t)j->now;

	if (!wire_name_equal(s->signer, j->zone) ||
	    !wire_name_is_sub(j->owner, s->signer)) {
		val_fail(j, 3, EDE_DNSSEC_BOGUS, "RRSIG signer is not the zone");
		return -1;
	}
	if (s->labels > val_sig_labels(j->owner)) {
		val_fail(j, 3, EDE_DNSSEC_BOGUS, "RRSIG labels too large");
		return -1;
	}
	if (!res_val_alg_supported(s->alg)) {
		val_fail(j, 1, EDE_UNSUPPORTED_DNSKEY_ALG,
			 "RRSIG algorithm not supported");
		return -1;
	}
	if (j->no_timecheck)
		return 0;
	if (val_serial_lt(now, s->inc)) {
		val_fail(j, 4, EDE_SIG_NOT_YET_VALID, "RRSIG not yet valid");
		return -1;
	}
	if (val_serial_lt(s->exp, now)) {
		val_fail(j, 4, EDE_SIG_EXPIRED, "RRSIG expired");
		return -1;
	}
	return 0;
}

/* Is DNSKEY k usable for s?  0 yes. */
static int val_key_check(val_job *j, const val_sig *s, const val_rr *k)
{
	uint16_t flags;

	if (k->len < 5 || k->rd[2] != 3 || k->rd[3] != s->alg ||
	    val_keytag(k->rd, k->len) != s->tag)
		return -1;
	if (j->only_key && (k->len != j->only_len ||
			    memcmp(k->rd, j->only_key, k->len)))
		return -1;
	flags = val_get16(k->rd);
	if (!(flags & VAL_F_ZONE)) {
		val_fail(j, 2, EDE_NO_ZONE_KEY_BIT, "DNSKEY without zone bit");
		return -1;
	}
	if (flags & VAL_F_REVOKE) {
		val_fail(j, 2, EDE_DNSSEC_BOGUS, "DNSKEY revoked");
		return -1;
	}
	return 0;
}

/* 1 when one key verifies s. */
static int val_try_sig(val_job *j, const val_sig *s)
{
	size_t dlen = 0;
	int tried = 0;

	for (uint16_t i = 0; i < j->nkeys; i++) {
		const val_rr *k = &j->keys[i];

		if (val_key_check(j, s, k))
			continue;
		tried = 1;
		if (!val_shape_ok(s->alg, k->rd + 4, k->len - 4u, s->siglen))
			continue;
		if (!dlen)
			dlen = val_signed_data(s, j->owner, j->type,
					       &j->canon, j->buf);
		if (val_crypto(s->alg, s->sig, s->siglen, j->buf, dlen,
			       k->rd + 4, k->len - 4u))
			return 1;
	}
	if (tried)
		val_fail(j, 5, EDE_DNSSEC_BOGUS, "signature does not verify");
	else
		val_fail(j, 1, EDE_DNSKEY_MISSING, "no DNSKEY for RRSIG");
	return 0;
}

static res_val_result val_run(val_job *j, const uint8_t *sigs,
			      uint32_t siglen, uint16_t sigcount)
{
	val_rr *sv = val_split(sigs, siglen, sigcount);
	int found = 0;

	if (!sv)
		return val_result(RES_SEC_BOGUS, EDE_DNSSEC_BOGUS,
				  "malformed RRSIG data");
	for (uint16_t i = 0; i < sigcount; i++) {
		val_sig s;

		if (val_sig_parse(sv[i].rd, sv[i].len, &s) ||
		    s.covered != j->type)
			continue;
		found = 1;
		if (val_sig_check(j, &s) == 0 && val_try_sig(j, &s)) {
			j->labels = s.labels;
			free(sv);
			return val_result(RES_SEC_SECURE, 0, "verified");
		}
	}
	free(sv);
	if (!found)
		return val_result(RES_SEC_BOGUS, EDE_RRSIGS_MISSING,
				  "no RRSIG covers the RRset");
	return val_result(RES_SEC_BOGUS, j->ede, j->why);
}

/* Set up a job; NULL reason on success. */
static const char *val_job_init(val_job *j, const uint8_t *lname,
				uint16_t type, const uint8_t *data,
				uint32_t len, uint16_t count,
				const uint8_t *zname, const uint8_t *dnskeys,
				uint32_t dklen, uint16_t dkcount)
{
	memset(j, 0, sizeof(*j));
	j->owner = lname;
	j->type = type;
	j->zone = zname;
	if (!val_name_len(lname, WIRE_MAXNAME) ||
	    !val_name_len(zname, WIRE_MAXNAME))
		return "bad owner or zone name";
	if (val_canon_make(type, data, len, count, &j->canon))
		return "malformed RRset data";
	j->keys = val_split(dnskeys, dklen, dkcount);
	if (!j->keys)
		return "malformed DNSKEY data";
	j->nkeys = dkcount;
	/* header + signer + per RR: owner, 10 bytes fixed */
	j->buf = malloc(18 + WIRE_MAXNAME + j->canon.bytes +
			(size_t)j->canon.n * (WIRE_MAXNAME + 10));
	return j->buf ? NULL : "out of memory";
}

static void val_job_free(val_job *j)
{
	val_canon_free(&j->canon);
	free(j->keys);
	free(j->buf);
}

static void val_set_wildcard(const val_job *j, uint8_t *wildcard)
{
	if (!wildcard)
		return;
	wildcard[0] = 0;
	if (j->labels < val_sig_labels(j->owner)) {
		val_wild(val_suffix(j->owner, j->labels), wildcard);
		wire_name_lower(wildcard, wildcard);
	}
}

res_val_result res_val_rrset(const uint8_t *lname, uint16_t type,
			     const uint8_t *data, uint32_t len,
			     uint16_t count, const uint8_t *sigs,
			     uint32_t siglen, uint16_t sigcount,
			     const uint8_t *zone_lname,
			     const uint8_t *dnskeys, uint32_t dklen,
			     uint16_t dkcount, uint64_t now_s,
			     int no_timecheck, uint8_t *wildcard)
{
	val_job j;
	const char *err;
	res_val_result r;

	if (wildcard)
		wildcard[0] = 0;
	if (!sigcount)
		return val_result(RES_SEC_BOGUS, EDE_RRSIGS_MISSING,
				  "RRset has no RRSIG");
	err = val_job_init(&j, lname, type, data, len, count, zone_lname,
			   dnskeys, dklen, dkcount);
	if (err) {
		val_job_free(&j);
		return val_result(RES_SEC_BOGUS, EDE_DNSSEC_BOGUS, err);
	}
	j.now = now_s;
	j.no_timecheck = no_timecheck;
	r = val_run(&j, sigs, siglen, sigcount);
	if (r.sec == RES_SEC_SECURE)
		val_set_wildcard(&j, wildcard);
	val_job_free(&j);
	return r;
}

/* ------------------------------------------------------------------ */
/* res_val_dnskey                                                     */
/* ------------------------------------------------------------------ */

/* Does DS rdata ds (>= 4 bytes) match DNSKEY rdata k of zone? */
static int val_ds_match(const uint8_t *zname, const val_rr *ds,
			const val_rr *k)
{
	uint8_t buf[WIRE_MAXNAME + 65535], md[64];
	size_t nl = wire_name_lower(buf, zname), dl = val_digest_len(ds->rd[3]);

	if (k->len < 4 || k->rd[3] != ds->rd[2] ||
	    val_keytag(k->rd, k->len) != val_get16(ds->rd) ||
	    ds->len != 4 + dl)
		return 0;
	memcpy(buf + nl, k->rd, k->len);
	if (ds->rd[3] == 1)
		ldns_sha1(buf, (unsigned)(nl + k->len), md);
	else if (ds->rd[3] == 2)
		ldns_sha256(buf, (unsigned)(nl + k->len), md);
	else
		ldns_sha384(buf, (unsigned)(nl + k->len), md);
	return memcmp(md, ds->rd + 4, dl) == 0;
}

/* Usable DS: supported algorithm and digest of the right length;
 * SHA-1 only when no SHA-2 DS is usable (RFC 4509 3). */
static int val_ds_usable(const val_rr *ds, int have_sha2)
{
	if (ds->len < 4 || !res_val_alg_supported(ds->rd[2]) ||
	    !res_val_digest_supported(ds->rd[3]) ||
	    ds->len != 4 + val_digest_len(ds->rd[3]))
		return 0;
	return ds->rd[3] != 1 || !have_sha2;
}

int res_val_ds_any_usable(const uint8_t *ds, uint32_t dslen,
			  uint16_t dscount)
{
	val_rr *dv = val_split(ds, dslen, dscount);
	int ok = 0;

	if (!dv)
		return -1;
	for (uint16_t i = 0; i < dscount && !ok; i++)
		ok = val_ds_usable(&dv[i], 0);
	free(dv);
	return ok;
}

static int val_ds_have_sha2(const val_rr *dv, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++)
		if (val_ds_usable(&dv[i], 0) && dv[i].rd[3] != 1)
			return 1;
	return 0;
}

/* Try each DNSKEY matching ds as the signer of the DNSKEY RRset. */
static int val_ds_try(val_job *j, const val_rr *ds, const uint8_t *sigs,
		      uint32_t siglen, uint16_t sigcount, int *matched)
{
	for (uint16_t i = 0; i < j->nkeys; i++) {
		res_val_result r;

		if (!val_ds_match(j->zone, ds, &j->keys[i]))
			continue;
		*matched = 1;
		j->only_key = j->keys[i].rd;
		j->only_len = j->keys[i].len;
		r = val_run(j, sigs, siglen, sigcount);
		if (r.sec == RES_SEC_SECURE)
			return 1;
		val_fail(j, r.ede == EDE_RRSIGS_MISSING ? 1 : 6, r.ede,
			 r.why);
	}
	return 0;
}

res_val_result res_val_dnskey(const uint8_t *zone_lname,
			      const uint8_t *dnskeys, uint32_t dklen,
			      uint16_t dkcount, const uint8_t *sigs,
			      uint32_t siglen, uint16_t sigcount,
			      const uint8_t *ds, uint32_t dslen,
			      uint16_t dscount, uint64_t now_s,
			      int no_timecheck)
{
	val_job j;
	val_rr *dv = val_split(ds, dslen, dscount);
	const char *err = val_job_init(&j, zone_lname, VT_DNSKEY, dnskeys,
				       dklen, dkcount, zone_lname, dnskeys,
				       dklen, dkcount);
	int usable = 0, matched = 0, sha2;
	res_val_result r;

	if (!err && !dv)
		err = "malformed DS data";
	if (err) {
		free(dv);
		val_job_free(&j);
		return val_result(RES_SEC_BOGUS, EDE_DNSSEC_BOGUS, err);
	}
	j.now = now_s;
	j.no_timecheck = no_timecheck;
	sha2 = val_ds_have_sha2(dv, dscount);
	r = val_result(RES_SEC_SECURE, 0, "DNSKEY matches DS");
	for (uint16_t i = 0; i < dscount; i++) {
		if (!val_ds_usable(&dv[i], sha2))
			continue;
		usable = 1;
		if (val_ds_try(&j, &dv[i], sigs, siglen, sigcount, &matched))
			goto out;
	}
	if (!usable)
		r = val_result(RES_SEC_INSECURE, EDE_UNSUPPORTED_DS_DIGEST,
			       "no DS with a supported algorithm and digest");
	else if (!matched)
		r = val_result(RES_SEC_BOGUS, EDE_DNSKEY_MISSING,
			       "no DNSKEY matches the DS set");
	else
		r = val_result(RES_SEC_BOGUS, j.ede ? j.ede : EDE_DNSSEC_BOGUS,
			       j.why);
out:
	free(dv);
	val_job_free(&j);
	return r;
}
