/*
 * resolver/validate.c — DNSSEC primitives (RFC 4033-4035, 5155, 6840,
 * 8624, 9276).  Sans-IO: the time comes in as now_s.  ldns does only the
 * signature maths (ldns_verify_rrsig_buffers_raw over a signed-data buffer
 * we build ourselves) and the hashes; every policy decision is here.
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

#include "resolver/res_int.h"

enum {
	VT_NS = 2, VT_MD = 3, VT_MF = 4, VT_CNAME = 5, VT_SOA = 6, VT_MB = 7,
	VT_MG = 8, VT_MR = 9, VT_PTR = 12, VT_MINFO = 14, VT_MX = 15,
	VT_RP = 17, VT_AFSDB = 18, VT_RT = 21, VT_SIG = 24, VT_PX = 26,
	VT_NXT = 30, VT_SRV = 33, VT_NAPTR = 35, VT_KX = 36, VT_DNAME = 39,
	VT_DS = 43, VT_RRSIG = 46, VT_NSEC = 47, VT_DNSKEY = 48,
	VT_NSEC3 = 50,
};

enum {
	VAL_F_ZONE = 0x0100, VAL_F_REVOKE = 0x0080,
	VAL_N3_MAXITER = 150,   /* RFC 9276 3.2 */
	VAL_N3_HASHLEN = 20,    /* SHA-1 */
};

/* ------------------------------------------------------------------ */
/* results, support tables                                            */
/* ------------------------------------------------------------------ */

static res_val_result val_result(res_sec sec, uint16_t ede, const char *why)
{
	res_val_result r;

	memset(&r, 0, sizeof(r));
	r.sec = sec;
	r.ede = ede;
	snprintf(r.why, sizeof(r.why), "%s", why);
	return r;
}

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

static uint16_t val_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t val_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* ------------------------------------------------------------------ */
/* names within untrusted buffers                                     */
/* ------------------------------------------------------------------ */

/* Length of an uncompressed name at p within max bytes, or 0 if bad. */
static size_t val_name_len(const uint8_t *p, size_t max)
{
	size_t i = 0;

	while (i < max && i < WIRE_MAXNAME) {
		uint8_t l = p[i];

		if (l == 0)
			return i + 1;
		if (l > 63 || i + 1 + l >= WIRE_MAXNAME)
			return 0;
		i += 1 + (size_t)l;
	}
	return 0;
}

static uint8_t val_lc(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

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

/* Pointer to the suffix of name that has `keep` labels. */
static const uint8_t *val_suffix(const uint8_t *name, int keep)
{
	int skip = wire_name_labels(name) - keep;

	while (skip-- > 0)
		name += 1 + name[0];
	return name;
}

/* "*." + name into out (WIRE_MAXNAME); 0 on success. */
static int val_wild(const uint8_t *name, uint8_t *out)
{
	size_t n = wire_name_len(name);

	if (n + 2 > WIRE_MAXNAME)
		return -1;
	out[0] = 1;
	out[1] = '*';
	memcpy(out + 2, name, n);
	return 0;
}

/* Number of trailing labels a and b share. */
static int val_common_labels(const uint8_t *a, const uint8_t *b)
{
	int la = wire_name_labels(a), lb = wire_name_labels(b);
	int n = la < lb ? la : lb;

	while (n > 0 && !wire_name_equal(val_suffix(a, n), val_suffix(b, n)))
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

/* ------------------------------------------------------------------ */
/* denial of existence: NSEC (RFC 4035 5.4, RFC 6840 4.1/4.4)         */
/* ------------------------------------------------------------------ */

/* Type bitmap (RFC 4034 4.1.2): 1 if type is present; well-formedness
 * is checked when the record is parsed. */
static int val_bitmap_has(const uint8_t *bm, size_t len, uint16_t type)
{
	size_t p = 0;

	while (p + 2 <= len) {
		uint8_t win = bm[p], bl = bm[p + 1];

		if (win == type >> 8) {
			size_t byte = (type & 0xff) / 8;

			return byte < bl && p + 2 + byte < len &&
			       (bm[p + 2 + byte] & (0x80 >> (type & 7)));
		}
		p += 2 + (size_t)bl;
	}
	return 0;
}

static int val_bitmap_ok(const uint8_t *bm, size_t len)
{
	size_t p = 0;
	int last = -1;

	while (p < len) {
		if (len - p < 3 || bm[p + 1] == 0 || bm[p + 1] > 32 ||
		    (int)bm[p] <= last || len - p - 2 < bm[p + 1])
			return 0;
		last = bm[p];
		p += 2 + (size_t)bm[p + 1];
	}
	return 1;
}

/* A parsed NSEC or NSEC3 record. */
typedef struct val_nx {
	const uint8_t *owner;
	const uint8_t *next;      /* NSEC: next owner name */
	const uint8_t *bm;
	size_t bmlen;
	/* NSEC3 */
	uint8_t flags;
	uint16_t iter;
	const uint8_t *salt;
	uint8_t saltlen;
	uint8_t ohash[VAL_N3_HASHLEN], nhash[VAL_N3_HASHLEN];
} val_nx;

static int val_has(const val_nx *x, uint16_t type)
{
	return val_bitmap_has(x->bm, x->bmlen, type);
}

/* NS without SOA (a delegation seen from the parent) or DNAME. */
static int val_is_cut(const val_nx *x)
{
	return (val_has(x, VT_NS) && !val_has(x, VT_SOA)) ||
	       val_has(x, VT_DNAME);
}

/* Denial context: the usable records of one kind. */
typedef struct val_den {
	const uint8_t *q;
	uint16_t qtype;
	const uint8_t *zone;
	val_nx *x;
	size_t n;
	int n3;                   /* NSEC3 mode */
	int n3_iter_high;         /* an NSEC3 had iterations > 150 */
} val_den;

static int val_nsec_parse(const res_nsec_set *s, const uint8_t *zname,
			  val_nx *x)
{
	size_t nl = val_name_len(s->rdata, s->rdlen);

	if (!nl || !val_name_len(s->lname, WIRE_MAXNAME) ||
	    !wire_name_is_sub(s->lname, zname) ||
	    !val_bitmap_ok(s->rdata + nl, s->rdlen - nl))
		return -1;
	memset(x, 0, sizeof(*x));
	x->owner = s->lname;
	x->next = s->rdata;
	x->bm = s->rdata + nl;
	x->bmlen = s->rdlen - nl;
	return 0;
}

/* owner < name < next in canonical order (the last NSEC wraps). */
static int val_nsec_covers(const val_nx *x, const uint8_t *name)
{
	int a = wire_name_cmp(x->owner, name) < 0;
	int b = wire_name_cmp(name, x->next) < 0;

	if (wire_name_cmp(x->owner, x->next) < 0)
		return a && b;
	return a || b;
}

static const val_nx *val_nsec_match(const val_den *d, const uint8_t *name)
{
	for (size_t i = 0; i < d->n; i++)
		if (wire_name_equal(d->x[i].owner, name))
			return &d->x[i];
	return NULL;
}

/* A covering NSEC usable to deny name: not from above a zone cut. */
static const val_nx *val_nsec_cover(const val_den *d, const uint8_t *name)
{
	for (size_t i = 0; i < d->n; i++) {
		const val_nx *x = &d->x[i];

		if (!val_nsec_covers(x, name) || wire_name_equal(x->owner, name))
			continue;
		if (wire_name_is_sub(name, x->owner) && val_is_cut(x))
			continue;
		return x;
	}
	return NULL;
}

/* Closest encloser implied by a covering NSEC, in labels; -1 if the
 * name exists after all (next is below it: an empty non-terminal). */
static int val_nsec_ce(const val_nx *x, const uint8_t *name)
{
	int a = val_common_labels(name, x->owner);
	int b = val_common_labels(name, x->next);

	if (wire_name_is_sub(x->next, name))
		return -1;
	return a > b ? a : b;
}

/* Types absent from a matching record for a NODATA answer. */
static int val_nodata_ok(const val_nx *x, const val_den *d, int exact)
{
	if (val_has(x, d->qtype) || val_has(x, VT_CNAME))
		return 0;
	if (!exact)
		return 1;
	if (d->qtype != VT_DS)
		return !(val_has(x, VT_NS) && !val_has(x, VT_SOA));
	return !val_has(x, VT_SOA) || d->q[0] == 0;
}

/* NXDOMAIN: qname covered, and the wildcard at its closest encloser. */
static res_val_result val_nsec_nxdomain(const val_den *d, uint8_t *wc)
{
	const val_nx *x = val_nsec_cover(d, d->q);
	int ce;

	if (!x)
		return val_result(RES_SEC_BOGUS, EDE_NSEC_MISSING,
				  "no NSEC covers the name");
	ce = val_nsec_ce(x, d->q);
	if (ce < wire_name_labels(d->zone) ||
	    val_wild(val_suffix(d->q, ce), wc))
		return val_result(RES_SEC_BOGUS, EDE_NSEC_MISSING,
				  "name exists (empty non-terminal)");
	if (!val_nsec_cover(d, wc))
		return val_result(RES_SEC_BOGUS, EDE_NSEC_MISSING,
				  "no NSEC denies the wildcard");
	return val_result(RES_SEC_SECURE, 0, "NXDOMAIN proven by NSEC");
}

static res_val_result val_nsec_nodata(const val_den *d)
{
	const val_nx *x = val_nsec_match(d, d->q);
	uint8_t wc[WIRE_MAXNAME];
	int ce;

	if (x)
		return val_nodata_ok(x, d, 1) ?
		       val_result(RES_SEC_SECURE, 0, "NODATA proven by NSEC") :
		       val_result(RES_SEC_BOGUS, EDE_NSEC_MISSING,
				  "NSEC shows the type exists");
	x = val_nsec_cover(d, d->q);
	if (!x)
		return val_result(RES_SEC_BOGUS, EDE_NSEC_MISSING,
				  "no NSEC matches or covers the name");
	ce = val_nsec_ce(x, d->q);
	if (ce < 0)
		return val_result(RES_SEC_SECURE, 0,
				  "NODATA at an empty non-terminal");
	if (ce >= wire_name_labels(d->zone) &&
	    !val_wild(val_suffix(d->q, ce), wc)) {
		x = val_nsec_match(d, wc);
		if (x && val_nodata_ok(x, d, 0))
			return val_result(RES_SEC_SECURE, 0,
					  "wildcard NODATA proven by NSEC");
	}
	return val_result(RES_SEC_BOGUS, EDE_NSEC_MISSING,
			  "no NSEC proves NODATA");
}

static res_val_result val_nsec_nods(const val_den *d)
{
	const val_nx *x = val_nsec_match(d, d->q);

	if (x && val_has(x, VT_NS) && !val_has(x, VT_DS) &&
	    !val_has(x, VT_SOA))
		return val_result(RES_SEC_SECURE, 0,
				  "insecure delegation proven by NSEC");
	return val_result(RES_SEC_BOGUS, EDE_NSEC_MISSING,
			  "no NSEC proves the delegation unsigned");
}

/* Wildcard answer: qname does not exist; ce_labels < 0: unknown. */
static res_val_result val_nsec_wild(const val_den *d, int ce_labels)
{
	const val_nx *x = val_nsec_cover(d, d->q);
	int ce;

	if (!x)
		return val_result(RES_SEC_BOGUS, EDE_NSEC_MISSING,
				  "no NSEC denies the wildcard-expanded name");
	ce = val_nsec_ce(x, d->q);
	if (ce < 0 || (ce_labels >= 0 && ce != ce_labels))
		return val_result(RES_SEC_BOGUS, EDE_NSEC_MISSING,
				  "a closer match exists than the wildcard");
	return val_result(RES_SEC_SECURE, 0, "wildcard answer proven");
}

/* ------------------------------------------------------------------ */
/* denial of existence: NSEC3 (RFC 5155 8, RFC 9276)                  */
/* ------------------------------------------------------------------ */

/* Base32hex (RFC 4648 7) label of 32 chars to 20 bytes; 0 on success. */
static int val_b32hex(const uint8_t *lab, size_t len, uint8_t *out)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;

	if (len != 32)
		return -1;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = val_lc(lab[i]);
		int v = (c >= '0' && c <= '9') ? c - '0' :
			(c >= 'a' && c <= 'v') ? c - 'a' + 10 : -1;

		if (v < 0)
			return -1;
		acc = (acc << 5) | (uint32_t)v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	return 0;
}

/* Parse one NSEC3: hash algorithm 1, flags 0/1 (RFC 5155 8.1/8.2),
 * owner = base32hex(hash) directly below the zone. */
static int val_nsec3_parse(const res_nsec_set *s, const uint8_t *zname,
			   val_nx *x)
{
	const uint8_t *r = s->rdata;
	size_t p;

	if (s->rdlen < 5 || r[0] != 1 || (r[1] & 0xfe) ||
	    !val_name_len(s->lname, WIRE_MAXNAME) || s->lname[0] == 0 ||
	    !wire_name_equal(s->lname + 1 + s->lname[0], zname))
		return -1;
	memset(x, 0, sizeof(*x));
	x->flags = r[1];
	x->iter = val_get16(r + 2);
	x->saltlen = r[4];
	x->salt = r + 5;
	p = 5 + (size_t)x->saltlen;
	if (p + 1 + VAL_N3_HASHLEN > s->rdlen || r[p] != VAL_N3_HASHLEN ||
	    val_b32hex(s->lname + 1, s->lname[0], x->ohash))
		return -1;
	memcpy(x->nhash, r + p + 1, VAL_N3_HASHLEN);
	p += 1 + VAL_N3_HASHLEN;
	x->owner = s->lname;
	x->bm = r + p;
	x->bmlen = s->rdlen - p;
	return val_bitmap_ok(x->bm, x->bmlen) ? 0 : -1;
}

/* RFC 5155 5: IH(salt, x, k) with SHA-1, over the lowercased name. */
static void val_n3_hash(const val_nx *p, const uint8_t *name, uint8_t *out)
{
	uint8_t buf[WIRE_MAXNAME + 255];
	size_t nl = wire_name_lower(buf, name);

	memcpy(buf + nl, p->salt, p->saltlen);
	ldns_sha1(buf, (unsigned)(nl + p->saltlen), out);
	for (uint16_t i = 0; i < p->iter; i++) {
		memcpy(buf, out, VAL_N3_HASHLEN);
		memcpy(buf + VAL_N3_HASHLEN, p->salt, p->saltlen);
		ldns_sha1(buf, (unsigned)(VAL_N3_HASHLEN + p->saltlen), out);
	}
}

static const val_nx *val_n3_match(const val_den *d, const uint8_t *name)
{
	uint8_t h[VAL_N3_HASHLEN];

	if (!d->n)
		return NULL;
	val_n3_hash(&d->x[0], name, h);
	for (size_t i = 0; i < d->n; i++)
		if (!memcmp(d->x[i].ohash, h, VAL_N3_HASHLEN))
			return &d->x[i];
	return NULL;
}

static const val_nx *val_n3_cover(const val_den *d, const uint8_t *name)
{
	uint8_t h[VAL_N3_HASHLEN];

	if (!d->n)
		return NULL;
	val_n3_hash(&d->x[0], name, h);
	for (size_t i = 0; i < d->n; i++) {
		const val_nx *x = &d->x[i];
		int a = memcmp(x->ohash, h, VAL_N3_HASHLEN) < 0;
		int b = memcmp(h, x->nhash, VAL_N3_HASHLEN) < 0;

		if (memcmp(x->ohash, x->nhash, VAL_N3_HASHLEN) < 0 ? a && b :
		    a || b)
			return x;
	}
	return NULL;
}

/* Closest encloser proof (RFC 5155 8.3): labels of the closest encloser
 * or -1; *nc receives the NSEC3 covering the next closer name. */
static int val_n3_ce(const val_den *d, const val_nx **nc)
{
	int ql = wire_name_labels(d->q), zl = wire_name_labels(d->zone);

	for (int l = ql - 1; l >= zl; l--) {
		const val_nx *m = val_n3_match(d, val_suffix(d->q, l));

		if (!m)
			continue;
		if (val_is_cut(m) && l > zl)
			return -1;
		*nc = val_n3_cover(d, val_suffix(d->q, l + 1));
		return *nc ? l : -1;
	}
	return -1;
}

static res_val_result val_n3_nxdomain(const val_den *d)
{
	const val_nx *nc = NULL;
	uint8_t wc[WIRE_MAXNAME];
	int ce;

	if (val_n3_match(d, d->q))
		return val_result(RES_SEC_BOGUS, EDE_NSEC_MISSING,
				  "NSEC3 shows the name exists");
	ce = val_n3_ce(d, &nc);
	if (ce < 0)
		return val_result(RES_SEC_BOGUS, EDE_NSEC_MISSING,
				  "no NSEC3 closest encloser proof");
	if (val_wild(val_suffix(d->q, ce), wc) || !val_n3_cover(d, wc))
		return val_result(RES_SEC_BOGUS, EDE_NSEC_MISSING,
				  "no NSEC3 denies the wildcard");
	if (nc->flags & 1)
		return val_result(RES_SEC_INSECURE, 0,
				  "NXDOMAIN under NSEC3 opt-out");
	return val_result(RES_SEC_SECURE, 0, "NXDOMAIN proven by NSEC3");
}

/* No exact match: opt-out DS denial or wildcard NODATA (8.6, 8.7). */
static res_val_result val_n3_nodata_ce(const val_den *d)
{
	const val_nx *nc = NULL, *m;
	uint8_t wc[WIRE_MAXNAME];
	int ce = val_n3_ce(d, &nc);

	if (ce < 0)
		return val_result(RES_SEC_BOGUS, EDE_NSEC_MISSING,
				  "no NSEC3 proves NODATA");
	if (d->qtype == VT_DS && (nc->flags & 1))
		return val_result(RES_SEC_INSECURE, 0,
				  "DS denied by NSEC3 opt-out");
	if (!val_wild(val_suffix(d->q, ce), wc)) {
		m = val_n3_match(d, wc);
		if (m && val_nodata_ok(m, d, 0))
			return val_result(RES_SEC_SECURE, 0,
					  "wildcard NODATA proven by NSEC3");
	}
	return val_result(RES_SEC_BOGUS, EDE_NSEC_MISSING,
			  "no NSEC3 proves NODATA");
}

static res_val_result val_n3_nodata(const val_den *d)
{
	const val_nx *m = val_n3_match(d, d->q);

	if (!m)
		return val_n3_nodata_ce(d);
	if (val_nodata_ok(m, d, 1))
		return val_result(RES_SEC_SECURE, 0, "NODATA proven by NSEC3");
	return val_result(RES_SEC_BOGUS, EDE_NSEC_MISSING,
			  "NSEC3 shows the type exists");
}

static res_val_result val_n3_nods(const val_den *d)
{
	const val_nx *m = val_n3_match(d, d->q), *nc = NULL;

	if (m)
		return (val_has(m, VT_NS) && !val_has(m, VT_DS) &&
			!val_has(m, VT_SOA)) ?
		       val_result(RES_SEC_SECURE, 0,
				  "insecure delegation proven by NSEC3") :
		       val_result(RES_SEC_BOGUS, EDE_NSEC_MISSING,
				  "NSEC3 does not show an unsigned delegation");
	if (val_n3_ce(d, &nc) >= 0 && (nc->flags & 1))
		return val_result(RES_SEC_INSECURE, 0,
				  "delegation covered by NSEC3 opt-out");
	return val_result(RES_SEC_BOGUS, EDE_NSEC_MISSING,
			  "no NSEC3 proves the delegation unsigned");
}

/* Wildcard answer (RFC 5155 8.8): the next closer name is covered.
 * ce_labels < 0 (unknown): a full closest encloser proof is needed. */
static res_val_result val_n3_wild(const val_den *d, int ce_labels)
{
	const val_nx *nc = NULL;

	if (ce_labels < 0)
		ce_labels = val_n3_ce(d, &nc);
	else if (ce_labels < wire_name_labels(d->q))
		nc = val_n3_cover(d, val_suffix(d->q, ce_labels + 1));
	if (ce_labels < 0 || !nc)
		return val_result(RES_SEC_BOGUS, EDE_NSEC_MISSING,
				  "no NSEC3 covers the next closer name");
	if (nc->flags & 1)
		return val_result(RES_SEC_INSECURE, 0,
				  "wildcard answer under NSEC3 opt-out");
	return val_result(RES_SEC_SECURE, 0, "wildcard answer proven");
}

/* ------------------------------------------------------------------ */
/* res_val_denial                                                     */
/* ------------------------------------------------------------------ */

/* Keep the NSEC3 records sharing the first one's parameters. */
static size_t val_n3_filter(val_den *d)
{
	size_t k = 0;

	for (size_t i = 0; i < d->n; i++) {
		const val_nx *a = &d->x[0], *b = &d->x[i];

		if (b->iter > VAL_N3_MAXITER)
			d->n3_iter_high = 1;
		if (b->iter == a->iter && b->saltlen == a->saltlen &&
		    !memcmp(b->salt, a->salt, a->saltlen))
			d->x[k++] = *b;
	}
	return k;
}

static int val_den_init(val_den *d, const uint8_t *q, uint16_t qtype,
			const uint8_t *zname, const res_nsec_set *s, size_t n)
{
	memset(d, 0, sizeof(*d));
	d->q = q;
	d->qtype = qtype;
	d->zone = zname;
	d->x = calloc(n ? n : 1, sizeof(*d->x));
	if (!d->x)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (s[i].type == VT_NSEC3 && s[i].rdata)
			d->n3 = 1;
	for (size_t i = 0; i < n; i++) {
		if (!s[i].rdata || s[i].type != (d->n3 ? VT_NSEC3 : VT_NSEC))
			continue;
		if (!(d->n3 ? val_nsec3_parse(&s[i], zname, &d->x[d->n]) :
		      val_nsec_parse(&s[i], zname, &d->x[d->n])))
			d->n++;
	}
	if (d->n3)
		d->n = val_n3_filter(d);
	return 0;
}

static res_val_result val_den_run(const val_den *d, int kind,
				  int ce_labels)
{
	uint8_t wc[WIRE_MAXNAME];

	switch (kind) {
	case 1: return d->n3 ? val_n3_nxdomain(d) : val_nsec_nxdomain(d, wc);
	case 2: return d->n3 ? val_n3_nodata(d) : val_nsec_nodata(d);
	case 3: return d->n3 ? val_n3_nods(d) : val_nsec_nods(d);
	case 4: return d->n3 ? val_n3_wild(d, ce_labels) :
			       val_nsec_wild(d, ce_labels);
	default: return val_result(RES_SEC_BOGUS, EDE_OTHER,
				   "unknown denial kind");
	}
}

static res_val_result val_denial(int kind, const uint8_t *qlname,
				 uint16_t qtype, const uint8_t *zone_lname,
				 const res_nsec_set *nsecs, size_t n,
				 int ce_labels)
{
	val_den d;
	res_val_result r;

	if (!qlname || !zone_lname || !val_name_len(qlname, WIRE_MAXNAME) ||
	    !val_name_len(zone_lname, WIRE_MAXNAME) ||
	    !wire_name_is_sub(qlname, zone_lname))
		return val_result(RES_SEC_BOGUS, EDE_NSEC_MISSING,
				  "name not in the zone");
	if (val_den_init(&d, qlname, qtype, zone_lname, nsecs, n))
		return val_result(RES_SEC_BOGUS, EDE_OTHER, "out of memory");
	if (d.n3_iter_high)
		r = val_result(RES_SEC_INSECURE, EDE_UNSUPPORTED_NSEC3_ITER,
			       "NSEC3 iterations above 150 (RFC 9276)");
	else if (!d.n)
		r = val_result(RES_SEC_BOGUS, EDE_NSEC_MISSING,
			       "no usable NSEC/NSEC3 records");
	else
		r = val_den_run(&d, kind, ce_labels);
	free(d.x);
	return r;
}

res_val_result res_val_denial(int kind, const uint8_t *qlname,
			      uint16_t qtype, const uint8_t *zone_lname,
			      const res_nsec_set *nsecs, size_t n)
{
	return val_denial(kind, qlname, qtype, zone_lname, nsecs, n, -1);
}

res_val_result res_val_denial_wildcard(const uint8_t *qlname,
				       const uint8_t *wildcard,
				       const uint8_t *zone_lname,
				       const res_nsec_set *nsecs, size_t n)
{
	if (!wildcard || !val_name_len(wildcard, WIRE_MAXNAME) ||
	    wildcard[0] != 1 || wildcard[1] != '*' ||
	    !qlname || !val_name_len(qlname, WIRE_MAXNAME) ||
	    !wire_name_is_sub(qlname, wildcard + 2) ||
	    wire_name_labels(qlname) < wire_name_labels(wildcard))
		return val_result(RES_SEC_BOGUS, EDE_DNSSEC_BOGUS,
				  "name is not an expansion of the wildcard");
	return val_denial(4, qlname, 0, zone_lname, nsecs, n,
			  wire_name_labels(wildcard) - 1);
}
