/*
 * Online signing of our own zones (zones.h 6.): what a signed zone must
 * hold, compared with what it holds, turned into changes.
 *
 * zone_sign_run brings a zone to its signed state in three rounds, each
 * computed against the zone as the previous round left it: (1) the
 * DNSKEY, CDS, CDNSKEY and NSEC3PARAM RRsets at the apex, (2) the NSEC
 * or NSEC3 chain, (3) the RRSIGs.  A round collects its changes first
 * (the zone must not change under the walk) and then hands each to the
 * caller's change function, which logs it (undo, diff) and applies it:
 * update.c does, so signing shares the undo log, the journal record and
 * the IXFR step of the change that made it necessary.
 *
 * A signature is kept while it is by one of our keys that signs that
 * type now (a retired ZSK's go: the zone is re-signed), over the RRset's
 * current TTL, and more than opts.refresh from its expiration: the
 * store holds only signatures we made over the data as it is, because
 * whatever changes an RRset first drops its RRSIGs (zone_sign_drop, and
 * rounds 1 and 2 for the records they replace).  So no signature is
 * verified here, and a pass over an up-to-date zone signs nothing.
 *
 * Cost: rounds 2 and 3 walk the whole zone (no crypto for what is
 * current); signing happens only for what changed or is about to expire.
 * That full pass is for start-up, refresh and the rare change that
 * concerns many names; an UPDATE takes zone_sign_update instead, which
 * looks only at the changed names, their chain neighbours (from the
 * NSEC/NSEC3 index dnssec_ans.c keeps current) and the apex.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "zones/db_int.h"

enum {
	SG_DAY = 86400,
	SG_MARK = 1u << 15,        /* node flag, set only during round 2 */
	SG_SIGMAX = 64,
	SG_RRSIG_FIXED = 18,       /* type .. key tag */
	SG_MAXTYPES = 256,
	SG_T_NSEC3PARAM = 51,
	SG_T_CDS = 59,
	SG_T_CDNSKEY = 60,
	SG_RDMAX = 4 + 64,         /* DNSKEY and DS rdata of our keys */
};

struct zone_signer {
	zone_sign_opts o;
	zone_sigkey *keys[ZONE_SIGN_MAXKEYS];
	unsigned use[ZONE_SIGN_MAXKEYS];   /* ZONE_KEY_* */
	int nkeys;
};

zone_signer *zone_signer_new(const zone_sign_opts *o)
{
	zone_signer *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->o = *o;
	if (!s->o.validity)
		s->o.validity = 14 * SG_DAY;
	if (!s->o.refresh)
		s->o.refresh = 7 * SG_DAY;
	if (!s->o.backdate)
		s->o.backdate = 3600;
	if (!s->o.jitter)
		s->o.jitter = SG_DAY;
	if (s->o.refresh + s->o.jitter >= s->o.validity) {
		s->o.refresh = s->o.validity / 2;
		s->o.jitter = 1;
	}
	return s;
}

int zone_signer_add_key_use(zone_signer *s, zone_sigkey *k, unsigned use)
{
	if (!k)
		return -EINVAL;
	if (s->nkeys == ZONE_SIGN_MAXKEYS) {
		zone_sigkey_free(k);
		return -ENOSPC;
	}
	s->use[s->nkeys] = use;
	s->keys[s->nkeys++] = k;
	return 0;
}

int zone_signer_add_key(zone_signer *s, zone_sigkey *k)
{
	return zone_signer_add_key_use(s, k, ZONE_KEY_CSK_USE);
}

/* The ZONE_KEY_SIGN_* bit that lets a key sign an RRset of type t. */
static unsigned sg_sign_bit(uint16_t t)
{
	return t == DNS_T_DNSKEY || t == SG_T_CDS || t == SG_T_CDNSKEY ?
	       ZONE_KEY_SIGN_KEYS : ZONE_KEY_SIGN_ZONE;
}

void zone_signer_free(zone_signer *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->nkeys; i++)
		zone_sigkey_free(s->keys[i]);
	free(s);
}

/* ---- the db's signers ---- */

struct zone_db_signer {
	struct zone_db_signer *next;
	uint8_t origin[WIRE_MAXNAME];
	zone_signer *s;
};

int zone_db_set_signer(zone_db *db, const char *origin, zone_signer *s)
{
	uint8_t w[WIRE_MAXNAME], l[WIRE_MAXNAME];
	struct zone_db_signer *e;

	if (wire_name_from_str(origin, w) < 0 ||
	    !zone_db_get_zone(db, origin)) {
		zone_signer_free(s);
		return -ENOENT;
	}
	wire_name_lower(l, w);
	for (e = db->signers; e; e = e->next)
		if (wire_name_equal(e->origin, l))
			break;
	if (!e) {
		if (!(e = calloc(1, sizeof(*e)))) {
			zone_signer_free(s);
			return -ENOMEM;
		}
		memcpy(e->origin, l, wire_name_len(l));
		e->next = db->signers;
		db->signers = e;
	}
	zone_signer_free(e->s);
	e->s = s;
	return 0;
}

const zone_signer *zone_db_signer(const zone_db *db, const zone *z)
{
	for (const struct zone_db_signer *e = db->signers; e; e = e->next)
		if (wire_name_equal(e->origin, z->origin))
			return e->s;
	return NULL;
}

void zone_db_signers_free(zone_db *db)
{
	struct zone_db_signer *e, *next;

	for (e = db->signers; e; e = next) {
		next = e->next;
		zone_signer_free(e->s);
		free(e);
	}
	db->signers = NULL;
}

/* ---- collected changes ---- */

typedef struct sg_run {
	zone *z;
	const zone_signer *s;
	uint32_t now;
	zone_diff d;               /* this round's changes */
	uint64_t next;             /* earliest refresh due */
	size_t changes;
	uint8_t *buf;              /* signing input scratch */
	size_t cap;
	int err;
} sg_run;

static void sg_change(sg_run *r, int add, const uint8_t *owner, uint16_t type,
		      uint32_t ttl, const uint8_t *rd, uint16_t rdlen)
{
	if (!r->err && zone_diff_rr(&r->d, add, owner, type, ttl, rd,
				     rdlen) < 0)
		r->err = -ENOMEM;
}

/* One RR of a diff stream (journal RR format) at *p; 0 at the end. */
static int sg_next_rr(const uint8_t *buf, size_t len, size_t *p,
		      const uint8_t **owner, uint16_t *type, uint32_t *ttl,
		      const uint8_t **rd, uint16_t *rdlen)
{
	size_t o;

	if (*p >= len)
		return 0;
	*owner = buf + *p;
	o = *p + wire_name_len(*owner);
	*type = wire_get16(buf + o);
	*ttl = wire_get32(buf + o + 4);
	*rdlen = wire_get16(buf + o + 8);
	*rd = buf + o + 10;
	*p = o + 10 + *rdlen;
	return 1;
}

/* Hand the round's changes to fn, deletions first. */
static int sg_flush(sg_run *r, zone_sign_fn fn, void *arg)
{
	const uint8_t *owner, *rd;
	uint16_t type, rdlen;
	uint32_t ttl;
	size_t p;
	int rc = r->err;

	for (int add = 0; rc == 0 && add < 2; add++) {
		const uint8_t *b = add ? r->d.add : r->d.del;
		size_t len = add ? r->d.add_len : r->d.del_len;
		p = 0;
		while (rc == 0 && sg_next_rr(b, len, &p, &owner, &type, &ttl,
					     &rd, &rdlen)) {
			rc = fn(arg, add, owner, type, ttl, rd, rdlen);
			r->changes++;
		}
	}
	zone_diff_free(&r->d);
	zone_diff_init(&r->d);
	r->err = 0;
	return rc;
}

/* Every RRSIG RR at n covering type (any key), dropped. */
static void sg_drop_sigs(sg_run *r, const zone_node *n, uint16_t type)
{
	for (const zone_rrset *rs = n->rrsets; rs; rs = rs->next) {
		const uint8_t *p;
		if (rs->type != DNS_T_RRSIG)
			continue;
		for (p = rs->data; p < rs->data + rs->len;
		     p += 2 + wire_get16(p))
			if (wire_get16(p) >= 2 && wire_get16(p + 2) == type)
				sg_change(r, 0, n->name, DNS_T_RRSIG, rs->ttl,
					  p + 2, wire_get16(p));
	}
}

/* Replace the RRset type at n by the one RR rd (when it differs). */
static void sg_set_one(sg_run *r, zone_node *n, const uint8_t *owner,
		       uint16_t type, uint32_t ttl, const uint8_t *rd,
		       uint16_t rdlen)
{
	const zone_rrset *rs = n ? zone_node_rrset(n, type) : NULL;

	if (rs && rs->count == 1 && rs->ttl == ttl &&
	    wire_get16(rs->data) == rdlen &&
	    memcmp(rs->data + 2, rd, rdlen) == 0)
		return;
	if (rs) {
		for (const uint8_t *p = rs->data; p < rs->data + rs->len;
		     p += 2 + wire_get16(p))
			sg_change(r, 0, n->name, type, rs->ttl, p + 2,
				  wire_get16(p));
		sg_drop_sigs(r, n, type);
	}
	if (rd)
		sg_change(r, 1, owner, type, ttl, rd, rdlen);
}

/* ---- round 1: DNSKEY, NSEC3PARAM ---- */

static int sg_rrset_has(const zone_rrset *rs, const uint8_t *rd, size_t len)
{
	for (const uint8_t *p = rs ? rs->data : NULL;
	     p && p < rs->data + rs->len; p += 2 + wire_get16(p))
		if (wire_get16(p) == len && memcmp(p + 2, rd, len) == 0)
			return 1;
	return 0;
}

/* The rdata of key i for an apex RRset of type t (DNSKEY, CDNSKEY: the
 * DNSKEY; CDS: the SHA-256 DS) into rd; its length, 0 on error. */
static size_t sg_key_rd(const sg_run *r, int i, uint16_t t, uint8_t *rd)
{
	int n;

	if (t != SG_T_CDS)
		return zone_sigkey_dnskey(r->s->keys[i], rd, SG_RDMAX);
	n = zone_sigkey_ds(r->s->keys[i], r->z->origin, rd, SG_RDMAX);
	return n > 0 ? (size_t)n : 0;
}

/* Make the apex RRset t hold exactly the rdatas of the keys with a use
 * bit in mask (none: no RRset), at the TTL it has (else the SOA's). */
static void sg_apex_keys(sg_run *r, uint16_t t, unsigned mask)
{
	zone_node *apex = r->z->apex;
	const zone_rrset *rs = zone_node_rrset(apex, t);
	const zone_rrset *soa = zone_node_rrset(apex, DNS_T_SOA);
	uint32_t ttl = rs ? rs->ttl : soa->ttl;
	uint8_t rd[ZONE_SIGN_MAXKEYS][SG_RDMAX];
	size_t len[ZONE_SIGN_MAXKEYS];
	int n = 0, changed = 0;

	for (int i = 0; i < r->s->nkeys; i++)
		if ((r->s->use[i] & mask) &&
		    (len[n] = sg_key_rd(r, i, t, rd[n])) > 0)
			n++;
	for (const uint8_t *p = rs ? rs->data : NULL;
	     p && p < rs->data + rs->len; p += 2 + wire_get16(p)) {
		int want = 0;
		for (int i = 0; i < n && !want; i++)
			want = len[i] == wire_get16(p) &&
			       memcmp(rd[i], p + 2, len[i]) == 0;
		if (!want) {
			sg_change(r, 0, apex->name, t, rs->ttl, p + 2,
				  wire_get16(p));
			changed = 1;
		}
	}
	for (int i = 0; i < n; i++)
		if (!sg_rrset_has(rs, rd[i], len[i])) {
			sg_change(r, 1, apex->name, t, ttl, rd[i],
				  (uint16_t)len[i]);
			changed = 1;
		}
	if (changed && rs)
		sg_drop_sigs(r, apex, t);
}

static void sg_round_apex(sg_run *r)
{
	static const uint8_t n3p[5] = { 1, 0, 0, 0, 0 };
	zone_node *apex = r->z->apex;

	sg_apex_keys(r, DNS_T_DNSKEY, ZONE_KEY_PUBLISH);
	sg_apex_keys(r, SG_T_CDS, ZONE_KEY_CDS);
	sg_apex_keys(r, SG_T_CDNSKEY, ZONE_KEY_CDS);
	if (r->s->o.nsec3)
		sg_set_one(r, apex, apex->name, SG_T_NSEC3PARAM, 0, n3p,
			   sizeof(n3p));
	else
		sg_set_one(r, apex, apex->name, SG_T_NSEC3PARAM, 0, NULL, 0);
}

/* ---- round 2: the chain ---- */

static int sg_is_data(uint16_t t)
{
	return t != DNS_T_RRSIG && t != DNS_T_NSEC && t != DNS_T_NSEC3;
}

static int sg_has_data(const zone_node *n)
{
	for (const zone_rrset *rs = n->rrsets; rs; rs = rs->next)
		if (sg_is_data(rs->type))
			return 1;
	return 0;
}

/* 1 if n is below a zone cut (glue or occluded data). */
static int sg_occluded(const zone *z, const zone_node *n)
{
	const uint8_t *p = n->lname;
	int extra = wire_name_labels(p) - z->origin_labels;

	while (extra-- > 1) {
		const zone_node *a;
		p += 1 + p[0];
		a = zone_node_find(z, p);
		if (a && (a->flags & ZN_DELEG))
			return 1;
	}
	return 0;
}

static int sg_is_cut(const zone *z, const zone_node *n)
{
	return n != z->apex && (n->flags & ZN_DELEG);
}

/* The types of the RRsets that carry signatures at an authoritative n. */
static int sg_signed_type(const zone *z, const zone_node *n, uint16_t t)
{
	if (t == DNS_T_RRSIG)
		return 0;
	if (sg_is_cut(z, n))
		return t == DNS_T_DS || t == DNS_T_NSEC;
	return 1;
}

typedef struct sg_ent {
	zone_node *n;
	uint8_t hash[20];
} sg_ent;

typedef struct sg_chain {
	sg_run *r;
	sg_ent *v;
	size_t n, cap;
} sg_chain;

/* RFC 9276: the NSEC3 chain has no salt (memcpy gets a valid pointer) */
static const uint8_t sg_nosalt[1];

static int sg_push(sg_chain *c, zone_node *n)
{
	if (n->flags & SG_MARK)
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		sg_ent *v = realloc(c->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		c->v = v;
		c->cap = cap;
	}
	n->flags |= SG_MARK;
	c->v[c->n].n = n;
	if (c->r->s->o.nsec3)   /* RFC 9276: no salt, no extra iterations */
		zone_nsec3_hash(sg_nosalt, 0, 0, n->lname, c->v[c->n].hash);
	c->n++;
	return 0;
}

/* Names in the chain: authoritative names with data; with NSEC3 also
 * the empty non-terminals above them (RFC 5155 7.1). */
static int sg_collect(void *arg, zone_node *n)
{
	sg_chain *c = arg;
	zone *z = c->r->z;
	const uint8_t *p;

	z->sign_visits++;
	if (!sg_has_data(n) || sg_occluded(z, n))
		return 0;
	if (sg_push(c, n) < 0)
		return -1;
	if (!c->r->s->o.nsec3)
		return 0;
	for (p = n->lname; wire_name_labels(p) > z->origin_labels;) {
		zone_node *a;
		p += 1 + p[0];
		if ((a = zone_node_find(z, p)) && sg_push(c, a) < 0)
			return -1;
	}
	return 0;
}

static int sg_cmp_name(const void *a, const void *b)
{
	return wire_name_cmp(((const sg_ent *)a)->n->lname,
			     ((const sg_ent *)b)->n->lname);
}

static int sg_cmp_hash(const void *a, const void *b)
{
	return memcmp(((const sg_ent *)a)->hash, ((const sg_ent *)b)->hash,
		      20);
}

static int sg_cmp_u16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* RFC 4034 4.1.2 type bitmap of n's chain record. */
static size_t sg_bitmap(const sg_run *r, const zone_node *n, uint8_t *out)
{
	uint16_t t[SG_MAXTYPES];
	int nt = 0, sig = 0;
	size_t len = 0;

	for (const zone_rrset *rs = n->rrsets; rs && nt < SG_MAXTYPES - 2;
	     rs = rs->next) {
		if (!sg_is_data(rs->type))
			continue;
		t[nt++] = rs->type;
		sig |= sg_signed_type(r->z, n, rs->type);
	}
	if (!r->s->o.nsec3)
		t[nt++] = DNS_T_NSEC, sig = 1;
	if (sig)
		t[nt++] = DNS_T_RRSIG;
	qsort(t, (size_t)nt, sizeof(t[0]), sg_cmp_u16);
	for (int i = 0; i < nt;) {
		uint8_t win = (uint8_t)(t[i] >> 8), *blk = out + len, max = 0;
		memset(blk, 0, 34);
		blk[0] = win;
		for (; i < nt && (t[i] >> 8) == win; i++) {
			uint8_t b = (uint8_t)t[i];
			blk[2 + b / 8] |= (uint8_t)(0x80 >> (b % 8));
			max = (uint8_t)(b / 8 + 1);
		}
		blk[1] = max;
		len += 2u + max;
	}
	return len;
}

static const char sg_b32[] = "0123456789abcdefghijklmnopqrstuv";

/* The NSEC3 owner for a hash: base32hex label + origin. */
static size_t sg_n3owner(const zone *z, const uint8_t *h, uint8_t *out)
{
	size_t olen = wire_name_len(z->origin);

	out[0] = 32;
	for (int i = 0; i < 32; i++) {
		int bit = i * 5, byte = bit / 8, sh = bit % 8;
		unsigned v = (unsigned)h[byte] << 8 |
			     (byte + 1 < 20 ? h[byte + 1] : 0);
		out[1 + i] = (uint8_t)sg_b32[(v >> (11 - sh)) & 31];
	}
	memcpy(out + 33, z->origin, olen);
	return 33 + olen;
}

static void sg_nsec_one(sg_run *r, const sg_chain *c, size_t i)
{
	uint8_t rd[WIRE_MAXNAME + 34 * 256];
	const zone_node *nx = c->v[(i + 1) % c->n].n;
	size_t nl = wire_name_len(nx->lname);

	memcpy(rd, nx->lname, nl);
	nl += sg_bitmap(r, c->v[i].n, rd + nl);
	sg_set_one(r, c->v[i].n, c->v[i].n->name, DNS_T_NSEC, r->z->neg_ttl,
		   rd, (uint16_t)nl);
}

static void sg_nsec3_one(sg_run *r, const sg_chain *c, size_t i)
{
	uint8_t rd[26 + 34 * 256], owner[WIRE_MAXNAME];
	size_t len;
	zone_node *hn;

	rd[0] = 1;             /* SHA-1 */
	rd[1] = 0;             /* no opt-out */
	wire_put16(rd + 2, 0); /* iterations */
	rd[4] = 0;             /* salt length */
	rd[5] = 20;
	memcpy(rd + 6, c->v[(i + 1) % c->n].hash, 20);
	len = 26 + sg_bitmap(r, c->v[i].n, rd + 26);
	sg_n3owner(r->z, c->v[i].hash, owner);
	hn = zone_node_find(r->z, owner);
	if (hn)
		hn->flags |= SG_MARK;
	sg_set_one(r, hn, owner, DNS_T_NSEC3, r->z->neg_ttl, rd,
		   (uint16_t)len);
}

/* Chain records that are not wanted (SG_MARK clear) go. */
static int sg_unwanted(void *arg, zone_node *n)
{
	sg_run *r = arg;
	int keep = (n->flags & SG_MARK) != 0;

	n->flags &= ~(uint32_t)SG_MARK;
	if (keep)
		return 0;
	for (uint16_t t = DNS_T_NSEC; t <= DNS_T_NSEC3; t += 3)
		if (zone_node_rrset(n, t))
			sg_set_one(r, n, n->name, t, 0, NULL, 0);
	return 0;
}

static int sg_unmark(void *arg, zone_node *n)
{
	(void)arg;
	n->flags &= ~(uint32_t)SG_MARK;
	return 0;
}

static void sg_round_chain(sg_run *r)
{
	sg_chain c = { .r = r };
	int n3 = r->s->o.nsec3;

	if (zone_foreach_node(r->z, sg_collect, &c) != 0) {
		zone_foreach_node(r->z, sg_unmark, NULL);
		free(c.v);
		r->err = -ENOMEM;
		return;
	}
	qsort(c.v, c.n, sizeof(*c.v), n3 ? sg_cmp_hash : sg_cmp_name);
	if (n3) {
		/* the marks now say which hash nodes keep their NSEC3 */
		zone_foreach_node(r->z, sg_unmark, NULL);
		for (size_t i = 0; i < c.n; i++)
			sg_nsec3_one(r, &c, i);
	} else {
		for (size_t i = 0; i < c.n; i++)
			sg_nsec_one(r, &c, i);
	}
	zone_foreach_node(r->z, sg_unwanted, r);
	free(c.v);
}

/* ---- round 3: signatures ---- */

/* The key that made rrsig if it is ours and still signs what it
 * covers, else NULL. */
static const zone_sigkey *sg_key(const sg_run *r, const uint8_t *rrsig)
{
	unsigned bit = sg_sign_bit(wire_get16(rrsig));

	for (int i = 0; i < r->s->nkeys; i++)
		if (zone_sigkey_tag(r->s->keys[i]) == wire_get16(rrsig + 16) &&
		    zone_sigkey_alg(r->s->keys[i]) == rrsig[2] &&
		    (r->s->use[i] & bit))
			return r->s->keys[i];
	return NULL;
}

/* 1 if the RRSIG RR rd at n is ours, current and covers an RRset that
 * must be signed; *cov gets that RRset. */
static int sg_sig_good(sg_run *r, const zone_node *n, const uint8_t *rd,
		       size_t len, const zone_rrset **cov)
{
	uint16_t t = wire_get16(rd);
	uint32_t exp = wire_get32(rd + 8), inc = wire_get32(rd + 12);

	*cov = NULL;
	if (len < SG_RRSIG_FIXED + 1 || !sg_key(r, rd) ||
	    !sg_signed_type(r->z, n, t) || !(*cov = zone_node_rrset(n, t)) ||
	    wire_get32(rd + 4) != (*cov)->ttl ||
	    !wire_name_equal(rd + SG_RRSIG_FIXED, r->z->origin) ||
	    (int32_t)(inc - r->now) > 0 ||
	    (int32_t)(exp - r->now) <= (int32_t)r->s->o.refresh)
		return 0;
	if (r->next == 0 || exp - r->s->o.refresh < r->next)
		r->next = exp - r->s->o.refresh;
	return 1;
}

static int sg_cmp_rd(const void *a, const void *b)
{
	const uint8_t *x = *(const uint8_t *const *)a;
	const uint8_t *y = *(const uint8_t *const *)b;
	uint16_t xl = wire_get16(x), yl = wire_get16(y);
	int c = memcmp(x + 2, y + 2, xl < yl ? xl : yl);

	return c ? c : (int)xl - (int)yl;
}

static int sg_reserve(sg_run *r, size_t n)
{
	uint8_t *b;

	if (n <= r->cap)
		return 0;
	if (!(b = realloc(r->buf, n)))
		return -ENOMEM;
	r->buf = b;
	r->cap = n;
	return 0;
}

/* RFC 4034 3.1.8.1: the RRSIG rdata (without signature) then the RRset
 * in canonical form and order, into r->buf; its length, 0 on error. */
static size_t sg_input(sg_run *r, const zone_node *n, const zone_rrset *rs,
		       const zone_sigkey *k, uint32_t inc, uint32_t exp)
{
	uint8_t owner[WIRE_MAXNAME];
	size_t olen = wire_name_lower(owner, n->name);
	size_t slen = wire_name_len(r->z->origin), len, i = 0;
	const uint8_t **v = malloc(rs->count * sizeof(*v));
	const uint8_t *p;
	int labels = wire_name_labels(owner);

	if (!v || sg_reserve(r, SG_RRSIG_FIXED + slen + rs->count *
			     (olen + 10) + rs->len) < 0) {
		free(v);
		return 0;
	}
	if (owner[0] == 1 && owner[1] == '*')
		labels--;
	wire_put16(r->buf, rs->type);
	r->buf[2] = zone_sigkey_alg(k);
	r->buf[3] = (uint8_t)labels;
	wire_put32(r->buf + 4, rs->ttl);
	wire_put32(r->buf + 8, exp);
	wire_put32(r->buf + 12, inc);
	wire_put16(r->buf + 16, zone_sigkey_tag(k));
	memcpy(r->buf + SG_RRSIG_FIXED, r->z->origin, slen);
	len = SG_RRSIG_FIXED + slen;
	for (p = rs->data; p < rs->data + rs->len; p += 2 + wire_get16(p)) {
		uint8_t *q = r->buf + len + olen + 8;
		/* canonical rdata: copied to its place, then lowercased */
		memcpy(q, p, 2 + wire_get16(p));
		wire_rdata_canon(rs->type, q + 2, wire_get16(p));
		v[i++] = q;
		len += olen + 10 + wire_get16(p);
	}
	/* sort the canonical rdatas, then lay the RRs out in that order */
	qsort(v, i, sizeof(*v), sg_cmp_rd);
	{
		uint8_t *tmp = malloc(len);
		size_t o = SG_RRSIG_FIXED + slen;
		if (!tmp) {
			free(v);
			return 0;
		}
		memcpy(tmp, r->buf, len);
		for (size_t j = 0; j < i; j++) {
			uint16_t rl = wire_get16(v[j]);
			if (j && sg_cmp_rd(&v[j - 1], &v[j]) == 0)
				continue;       /* equal in canonical form */
			memcpy(tmp + o, owner, olen);
			wire_put16(tmp + o + olen, rs->type);
			wire_put16(tmp + o + olen + 2, DNS_C_IN);
			wire_put32(tmp + o + olen + 4, rs->ttl);
			memcpy(tmp + o + olen + 8, v[j], 2u + rl);
			o += olen + 10 + rl;
		}
		memcpy(r->buf, tmp, o);
		len = o;
		free(tmp);
	}
	free(v);
	return len;
}

/* Expiration spread by a hash of owner and type (no randomness here). */
static uint32_t sg_expire(const sg_run *r, const zone_node *n, uint16_t t)
{
	uint32_t h = n->hash ^ (uint32_t)t * 2654435761u;

	return r->now + r->s->o.validity - h % r->s->o.jitter;
}

static void sg_sign(sg_run *r, const zone_node *n, const zone_rrset *rs,
		    const zone_sigkey *k)
{
	uint32_t inc = r->now - r->s->o.backdate, exp = sg_expire(r, n,
								   rs->type);
	size_t slen = wire_name_len(r->z->origin);
	size_t len = sg_input(r, n, rs, k, inc, exp);
	uint8_t rd[SG_RRSIG_FIXED + WIRE_MAXNAME + SG_SIGMAX];
	int sl;

	if (!len) {
		r->err = -ENOMEM;
		return;
	}
	memcpy(rd, r->buf, SG_RRSIG_FIXED + slen);
	sl = zone_sigkey_sign(k, r->buf, len, rd + SG_RRSIG_FIXED + slen,
			      SG_SIGMAX);
	if (sl < 0) {
		r->err = -EIO;
		return;
	}
	sg_change(r, 1, n->name, DNS_T_RRSIG, rs->ttl, rd,
		  (uint16_t)(SG_RRSIG_FIXED + slen + (size_t)sl));
	if (r->next == 0 || exp - r->s->o.refresh < r->next)
		r->next = exp - r->s->o.refresh;
}

/* 1 if a good signature by k over type t is at n. */
static int sg_has_good(sg_run *r, const zone_node *n, uint16_t t,
		       const zone_sigkey *k)
{
	for (const zone_rrset *rs = n->rrsets; rs; rs = rs->next) {
		const uint8_t *p;
		if (rs->type != DNS_T_RRSIG)
			continue;
		for (p = rs->data; p < rs->data + rs->len;
		     p += 2 + wire_get16(p)) {
			const zone_rrset *cov;
			if (wire_get16(p + 2) == t &&
			    sg_sig_good(r, n, p + 2, wire_get16(p), &cov) &&
			    sg_key(r, p + 2) == k)
				return 1;
		}
	}
	return 0;
}

static int sg_node_sigs(void *arg, zone_node *n)
{
	sg_run *r = arg;
	int auth = !sg_occluded(r->z, n);

	r->z->sign_visits++;
	/* signatures that are not (or no longer) ours to keep */
	for (const zone_rrset *rs = n->rrsets; rs; rs = rs->next) {
		const uint8_t *p;
		if (rs->type != DNS_T_RRSIG)
			continue;
		for (p = rs->data; p < rs->data + rs->len;
		     p += 2 + wire_get16(p)) {
			const zone_rrset *cov;
			if (!auth || !sg_sig_good(r, n, p + 2, wire_get16(p),
						   &cov))
				sg_change(r, 0, n->name, DNS_T_RRSIG, rs->ttl,
					  p + 2, wire_get16(p));
		}
	}
	if (!auth)
		return 0;
	for (const zone_rrset *rs = n->rrsets; rs && !r->err; rs = rs->next) {
		if (!sg_signed_type(r->z, n, rs->type))
			continue;
		for (int i = 0; i < r->s->nkeys && !r->err; i++)
			if ((r->s->use[i] & sg_sign_bit(rs->type)) &&
			    !sg_has_good(r, n, rs->type, r->s->keys[i]))
				sg_sign(r, n, rs, r->s->keys[i]);
	}
	return r->err ? -1 : 0;
}

/* ---- one update: only what it touched ---- */

/* A small set of lowercased names (an update's, deduplicated). */
typedef struct sg_names {
	uint8_t (*v)[WIRE_MAXNAME];
	size_t n, cap;
} sg_names;

static void sg_names_add(sg_run *r, sg_names *l, const uint8_t *name)
{
	uint8_t lname[WIRE_MAXNAME];

	wire_name_lower(lname, name);
	for (size_t i = 0; i < l->n; i++)
		if (wire_name_equal(l->v[i], lname))
			return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		uint8_t (*v)[WIRE_MAXNAME] = realloc(l->v, cap * sizeof(*v));
		if (!v) {
			r->err = -ENOMEM;
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	memcpy(l->v[l->n++], lname, wire_name_len(lname));
}

/* The single RR of n's RRset type when it is at least min octets. */
static const uint8_t *sg_one_rd(const zone_node *n, uint16_t type,
				size_t min, uint16_t *len)
{
	const zone_rrset *rs = n ? zone_node_rrset(n, type) : NULL;

	if (!rs || rs->count != 1 || wire_get16(rs->data) < min)
		return NULL;
	*len = wire_get16(rs->data);
	return rs->data + 2;
}

/* n's NSEC with next name nx and n's bitmap; n goes to the signing set. */
static void sg_put_nsec(sg_run *r, zone_node *n, const uint8_t *nx,
			sg_names *sig)
{
	uint8_t rd[WIRE_MAXNAME + 34 * 256];
	size_t nl = wire_name_len(nx);

	memcpy(rd, nx, nl);
	nl += sg_bitmap(r, n, rd + nl);
	sg_set_one(r, n, n->name, DNS_T_NSEC, r->z->neg_ttl, rd,
		   (uint16_t)nl);
	sg_names_add(r, sig, n->lname);
}

/* The NSEC chain at the one name x: x's NSEC added, refreshed or
 * removed, and its predecessor's pointed past it or at it.  The
 * neighbours come from the index, not from x's NSEC (an UPDATE deleting
 * the name took that too).  -EAGAIN when the chain is not as this path
 * expects (the caller then makes a full pass). */
static int sg_incr_nsec(sg_run *r, const uint8_t *x, sg_names *sig)
{
	zone_node *n = zone_node_find(r->z, x), *p, *nx;
	int want = n && sg_has_data(n) && !sg_occluded(r->z, n);
	int has = n && zone_node_rrset(n, DNS_T_NSEC) != NULL;

	if (has && !sg_one_rd(n, DNS_T_NSEC, 1, &(uint16_t){ 0 }))
		return -EAGAIN;
	/* neighbours other than x itself */
	p = (zone_node *)(uintptr_t)zone_nsec_before(r->z, x);
	nx = (zone_node *)(uintptr_t)zone_nsec_after(r->z, x);
	if (!p || !nx || p == n || nx == n)
		return -EAGAIN;
	if (want) {
		sg_put_nsec(r, n, nx->lname, sig);
		sg_put_nsec(r, p, n->lname, sig);
	} else {
		if (has)
			sg_set_one(r, n, n->name, DNS_T_NSEC, 0, NULL, 0);
		sg_put_nsec(r, p, nx->lname, sig);
	}
	return 0;
}

/* NSEC3 rdata (RFC 9276 parameters) for n with next hash nh; len. */
static size_t sg_n3_rdata(const sg_run *r, const zone_node *n,
			  const uint8_t *nh, uint8_t *rd)
{
	rd[0] = 1;
	rd[1] = 0;
	wire_put16(rd + 2, 0);
	rd[4] = 0;
	rd[5] = 20;
	memcpy(rd + 6, nh, 20);
	return 26 + sg_bitmap(r, n, rd + 26);
}

/* The chain's record at hash node hn (owner hown) with the next hash
 * replaced by nh, the rest (its name's bitmap) kept. */
static int sg_n3_relink(sg_run *r, zone_node *hn, const uint8_t *nh,
			sg_names *sig)
{
	uint8_t rd[26 + 34 * 256];
	uint16_t len;
	const uint8_t *o = sg_one_rd(hn, DNS_T_NSEC3, 26, &len);

	if (!o || o[4] != 0 || o[5] != 20)
		return -EAGAIN;
	memcpy(rd, o, len);
	memcpy(rd + 6, nh, 20);
	sg_set_one(r, hn, hn->name, DNS_T_NSEC3, r->z->neg_ttl, rd, len);
	sg_names_add(r, sig, hn->lname);
	return 0;
}

/* The NSEC3 chain at the one name y (a changed name or an ancestor of
 * one: empty non-terminals come and go with their descendants). */
static int sg_incr_nsec3(sg_run *r, const uint8_t *y, sg_names *sig)
{
	zone_node *n = zone_node_find(r->z, y), *hn, *p;
	int want = n && !sg_occluded(r->z, n) &&
		   (sg_has_data(n) || n->nchild > 0);
	uint8_t h[20], owner[WIRE_MAXNAME], rd[26 + 34 * 256];
	const uint8_t *o;
	uint16_t len;

	zone_nsec3_hash(sg_nosalt, 0, 0, y, h);
	sg_n3owner(r->z, h, owner);
	hn = zone_node_find(r->z, owner);
	o = sg_one_rd(hn, DNS_T_NSEC3, 26, &len);
	if (hn && !o && zone_node_rrset(hn, DNS_T_NSEC3))
		return -EAGAIN;
	if (o && (o[4] != 0 || o[5] != 20))
		return -EAGAIN;
	if (want && o) {
		len = (uint16_t)sg_n3_rdata(r, n, o + 6, rd);
		sg_set_one(r, hn, owner, DNS_T_NSEC3, r->z->neg_ttl, rd, len);
		sg_names_add(r, sig, owner);
		return 0;
	}
	if (!want && !o)
		return 0;
	p = (zone_node *)(uintptr_t)zone_nsec3_before(r->z, h);
	if (!p || p == hn || r->z->n3_iter || r->z->n3_saltlen)
		return -EAGAIN;
	if (want) {
		const uint8_t *po = sg_one_rd(p, DNS_T_NSEC3, 26, &len);
		if (!po || po[4] != 0 || po[5] != 20)
			return -EAGAIN;
		len = (uint16_t)sg_n3_rdata(r, n, po + 6, rd);
		sg_set_one(r, hn, owner, DNS_T_NSEC3, r->z->neg_ttl, rd, len);
		sg_names_add(r, sig, owner);
		return sg_n3_relink(r, p, h, sig);
	}
	memcpy(rd, o + 6, 20);
	sg_set_one(r, hn, owner, DNS_T_NSEC3, 0, NULL, 0);
	return sg_n3_relink(r, p, rd, sig);
}

/* Rounds 2 and 3 for the names an update changed: -EAGAIN to fall back
 * to the full rounds. */
static int sg_incremental(sg_run *r, const uint8_t *const *names,
			  size_t nnames, zone_sign_fn fn, void *arg)
{
	sg_names ch = { 0 }, sig = { 0 };
	const zone_rrset *an = zone_node_rrset(r->z->apex, DNS_T_NSEC);
	int n3 = r->s->o.nsec3, rc = 0;

	/* the chain's TTL follows the SOA (RFC 4034 4, RFC 5155 3) */
	if (!n3 && (!an || an->ttl != r->z->neg_ttl))
		return -EAGAIN;
	if (n3 && !zone_nsec3_on(r->z))
		return -EAGAIN;
	sg_names_add(r, &ch, r->z->origin);
	for (size_t i = 0; i < nnames; i++) {
		const uint8_t *p = names[i];
		sg_names_add(r, &ch, p);
		sg_names_add(r, &sig, p);
		/* NSEC3: the empty non-terminals above it */
		while (n3 && wire_name_labels(p) > r->z->origin_labels + 1) {
			p += 1 + p[0];
			sg_names_add(r, &ch, p);
		}
	}
	/* one name at a time, applied before the next: its neighbours in
	 * the index are then the chain as it is */
	for (size_t i = 0; rc == 0 && !r->err && i < ch.n; i++) {
		r->z->sign_visits++;
		rc = n3 ? sg_incr_nsec3(r, ch.v[i], &sig) :
			  sg_incr_nsec(r, ch.v[i], &sig);
		if (rc == 0)
			rc = sg_flush(r, fn, arg);
	}
	sg_names_add(r, &sig, r->z->origin);
	for (size_t i = 0; rc == 0 && !r->err && i < sig.n; i++) {
		zone_node *n = zone_node_find(r->z, sig.v[i]);
		if (n)
			sg_node_sigs(r, n);
		rc = sg_flush(r, fn, arg);
	}
	if (rc == 0 && r->err)
		rc = r->err;
	free(ch.v);
	free(sig.v);
	return rc;
}

/* ---- entry points (zone_int.h) ---- */

/* A run over z with signer s at now.  -EINVAL without an SOA or keys
 * (nothing to free then). */
static int sg_start(sg_run *r, zone *z, const zone_signer *s, uint32_t now)
{
	memset(r, 0, sizeof(*r));
	r->z = z;
	r->s = s;
	r->now = now;
	zone_diff_init(&r->d);
	if (!z->apex || !zone_node_rrset(z->apex, DNS_T_SOA) || !s->nkeys)
		return -EINVAL;
	return 0;
}

int zone_sign_run(zone *z, const zone_signer *s, uint32_t now,
		  zone_sign_fn fn, void *arg, size_t *nchanges,
		  uint64_t *next)
{
	sg_run r;
	int rc;

	if (sg_start(&r, z, s, now) < 0)
		return -EINVAL;
	sg_round_apex(&r);
	rc = sg_flush(&r, fn, arg);
	if (rc == 0) {
		sg_round_chain(&r);
		rc = sg_flush(&r, fn, arg);
	}
	if (rc == 0) {
		zone_foreach_node(z, sg_node_sigs, &r);
		rc = sg_flush(&r, fn, arg);
	}
	zone_diff_free(&r.d);
	free(r.buf);
	if (nchanges)
		*nchanges = r.changes;
	if (next)
		*next = r.next;
	return rc;
}

int zone_sign_update(zone *z, const zone_signer *s, uint32_t now,
		     const uint8_t *const *names, size_t nnames,
		     zone_sign_fn fn, void *arg)
{
	sg_run r;
	int rc;

	if (sg_start(&r, z, s, now) < 0)
		return -EINVAL;
	sg_round_apex(&r);
	rc = sg_flush(&r, fn, arg);
	/* new keys or chain parameters concern the whole zone */
	if (rc == 0 && r.changes == 0)
		rc = sg_incremental(&r, names, nnames, fn, arg);
	else if (rc == 0)
		rc = -EAGAIN;
	zone_diff_free(&r.d);
	free(r.buf);
	/* what is done so far stays: the full pass completes it */
	if (rc == -EAGAIN)
		rc = zone_sign_run(z, s, now, fn, arg, NULL, NULL);
	return rc;
}

int zone_sign_drop(zone *z, const uint8_t *owner, uint16_t type,
		   zone_sign_fn fn, void *arg)
{
	uint8_t l[WIRE_MAXNAME];
	const zone_node *n;
	sg_run r;

	wire_name_lower(l, owner);
	if (!(n = zone_node_find(z, l)))
		return 0;
	memset(&r, 0, sizeof(r));
	r.z = z;
	zone_diff_init(&r.d);
	sg_drop_sigs(&r, n, type);
	return sg_flush(&r, fn, arg);
}
