/*
 * resolver/denial.c — DNSSEC denial of existence (RFC 4035 5.4, RFC 5155
 * 8, RFC 6840 4.1/4.4, RFC 9276): NXDOMAIN, NODATA, no DS at a
 * delegation, and the "no closer match" of a wildcard answer, from
 * NSEC or NSEC3 records whose signatures validate.c has already checked.
 * Sans-IO, no crypto of its own (the NSEC3 hash is zones/' zone_nsec3_hash).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resolver/val_int.h"

/* Number of trailing labels a and b share. */
int res_val_common_labels(const uint8_t *a, const uint8_t *b)
{
	int la = wire_name_labels(a), lb = wire_name_labels(b);
	int n = la < lb ? la : lb;

	while (n > 0 && !wire_name_equal(val_suffix(a, n), val_suffix(b, n)))
		n--;
	return n;
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
	int a = res_val_common_labels(name, x->owner);
	int b = res_val_common_labels(name, x->next);

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
	    zone_nsec3_b32hex(s->lname + 1, s->lname[0], x->ohash))
		return -1;
	memcpy(x->nhash, r + p + 1, VAL_N3_HASHLEN);
	p += 1 + VAL_N3_HASHLEN;
	x->owner = s->lname;
	x->bm = r + p;
	x->bmlen = s->rdlen - p;
	return val_bitmap_ok(x->bm, x->bmlen) ? 0 : -1;
}

static void val_n3_hash(const val_nx *p, const uint8_t *name, uint8_t *out)
{
	zone_nsec3_hash(p->salt, p->saltlen, p->iter, name, out);
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

/* No exact match: wildcard NODATA or opt-out (RFC 5155 8.6, 8.7).  An
 * opt-out span over the next closer name never proves anything secure
 * (RFC 5155 9.2): the name may be an unsigned delegation; so a wildcard
 * NODATA there, or a name that only opt-out covers, is insecure. */
static res_val_result val_n3_nodata_ce(const val_den *d)
{
	const val_nx *nc = NULL, *m;
	uint8_t wc[WIRE_MAXNAME];
	int ce = val_n3_ce(d, &nc);

	if (ce < 0)
		return val_result(RES_SEC_BOGUS, EDE_NSEC_MISSING,
				  "no NSEC3 proves NODATA");
	if (!val_wild(val_suffix(d->q, ce), wc) &&
	    (m = val_n3_match(d, wc)) != NULL) {
		if (!val_nodata_ok(m, d, 0))
			return val_result(RES_SEC_BOGUS, EDE_NSEC_MISSING,
					  "NSEC3 shows the wildcard has the type");
		if (nc->flags & 1)
			return val_result(RES_SEC_INSECURE, 0,
					  "wildcard NODATA under NSEC3 opt-out");
		return val_result(RES_SEC_SECURE, 0,
				  "wildcard NODATA proven by NSEC3");
	}
	if (nc->flags & 1)
		return val_result(RES_SEC_INSECURE, 0, d->qtype == VT_DS ?
				  "DS denied by NSEC3 opt-out" :
				  "NODATA under NSEC3 opt-out");
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
