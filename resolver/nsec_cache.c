/*
 * Aggressive use of the DNSSEC-validated cache (RFC 8198): validated
 * NSEC and NSEC3 RRsets of negative answers are kept (in the RRset cache,
 * so the cache's bounds, eviction and persistence cover them) with the
 * zone's validated SOA, and an ordered index of their owners per zone
 * (NSEC: canonical order of names; NSEC3: order of the hashes) finds the
 * records that match or cover a name.  A name the cache misses is then
 * proven NXDOMAIN or NODATA from those records by denial.c, as if they
 * had come in a reply, without asking upstream.
 *
 * Only records of a proof that validated are stored; NSEC3 records with
 * the opt-out flag (their spans may hide insecure delegations) and with
 * more than 150 iterations (RFC 9276) are not.  A record lives
 * min(its TTL, the SOA TTL, the SOA MINIMUM) (RFC 8198 5.4, RFC 9077)
 * and no longer than its RRSIGs.
 *
 * The index holds names only; the RRsets live in the cache and may be
 * evicted or expire there: an index entry whose RRset is gone is dropped
 * when it is met, and the whole index is swept of such entries whenever
 * it has doubled since the last sweep (so it stays within about twice
 * the NSEC RRsets the cache holds, and never above max entries).  After
 * the cache is loaded from disk the index is rebuilt from it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "resolver/val_int.h"

enum { NC_MIN_SWEEP = 1024, NC_MAX_ZONES = 4096 };

typedef struct nc_zone {
	uint8_t name[WIRE_MAXNAME];
	uint8_t n3;                /* NSEC3 (hash order), else NSEC */
	uint16_t iter;             /* NSEC3 parameters of the entries */
	uint8_t saltlen;
	uint8_t salt[255];
	uint8_t **e;               /* sorted keys: NSEC owner name, or
				      NSEC3 hash (20) + owner name */
	size_t n, cap;
} nc_zone;

struct res_nsec {
	nc_zone **z;               /* sorted by canonical name */
	size_t nz, zcap;
	size_t total, max, sweep_at;
};

res_nsec *res_nsec_new(uint32_t max_entries)
{
	res_nsec *nc = calloc(1, sizeof(*nc));

	if (!nc)
		return NULL;
	nc->max = max_entries < NC_MIN_SWEEP ? NC_MIN_SWEEP : max_entries;
	nc->sweep_at = NC_MIN_SWEEP;
	return nc;
}

static void zone_clear(res_nsec *nc, nc_zone *z)
{
	for (size_t i = 0; i < z->n; i++)
		free(z->e[i]);
	nc->total -= z->n;
	z->n = 0;
}

static void nc_clear(res_nsec *nc)
{
	for (size_t i = 0; i < nc->nz; i++) {
		zone_clear(nc, nc->z[i]);
		free(nc->z[i]->e);
		free(nc->z[i]);
	}
	nc->nz = 0;
	nc->total = 0;
}

void res_nsec_free(res_nsec *nc)
{
	if (!nc)
		return;
	nc_clear(nc);
	free(nc->z);
	free(nc);
}

/* ------------------------------------------------------------------ */
/* zones and entries                                                   */
/* ------------------------------------------------------------------ */

/* Index of zone name in nc->z, or -(insertion point) - 1. */
static long zone_pos(const res_nsec *nc, const uint8_t *name)
{
	size_t lo = 0, hi = nc->nz;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int d = wire_name_cmp(nc->z[mid]->name, name);

		if (d == 0)
			return (long)mid;
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -(long)lo - 1;
}

static nc_zone *zone_get(res_nsec *nc, const uint8_t *name, int create)
{
	long p = zone_pos(nc, name);
	nc_zone *z;
	size_t at;

	if (p >= 0)
		return nc->z[p];
	if (!create || nc->nz >= NC_MAX_ZONES)
		return NULL;
	if (nc->nz == nc->zcap) {
		size_t cap = nc->zcap ? 2 * nc->zcap : 16;
		nc_zone **nz = realloc(nc->z, cap * sizeof(*nz));

		if (!nz)
			return NULL;
		nc->z = nz;
		nc->zcap = cap;
	}
	z = calloc(1, sizeof(*z));
	if (!z)
		return NULL;
	wire_name_lower(z->name, name);
	at = (size_t)(-p - 1);
	memmove(nc->z + at + 1, nc->z + at, (nc->nz - at) * sizeof(*nc->z));
	nc->z[at] = z;
	nc->nz++;
	return z;
}

static int key_cmp(const nc_zone *z, const uint8_t *a, const uint8_t *b)
{
	return z->n3 ? memcmp(a, b, VAL_N3_HASHLEN) : wire_name_cmp(a, b);
}

static const uint8_t *key_owner(const nc_zone *z, const uint8_t *k)
{
	return z->n3 ? k + VAL_N3_HASHLEN : k;
}

/* Index of the greatest key <= k, or -1. */
static long ent_le(const nc_zone *z, const uint8_t *k)
{
	size_t lo = 0, hi = z->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (key_cmp(z, z->e[mid], k) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (long)lo - 1;
}

static void ent_remove(res_nsec *nc, nc_zone *z, size_t i)
{
	free(z->e[i]);
	memmove(z->e + i, z->e + i + 1, (z->n - i - 1) * sizeof(*z->e));
	z->n--;
	nc->total--;
}

static int ent_add(res_nsec *nc, nc_zone *z, const uint8_t *hash,
		   const uint8_t *owner)
{
	size_t hl = z->n3 ? VAL_N3_HASHLEN : 0, ol = wire_name_len(owner);
	uint8_t *k = malloc(hl + ol);
	long p;

	if (!k)
		return -ENOMEM;
	if (hl)
		memcpy(k, hash, hl);
	wire_name_lower(k + hl, owner);
	p = ent_le(z, k);
	if (p >= 0 && key_cmp(z, z->e[p], k) == 0) {
		free(k);
		return 0;
	}
	if (z->n == z->cap) {
		size_t cap = z->cap ? 2 * z->cap : 16;
		uint8_t **ne = realloc(z->e, cap * sizeof(*ne));

		if (!ne) {
			free(k);
			return -ENOMEM;
		}
		z->e = ne;
		z->cap = cap;
	}
	memmove(z->e + p + 2, z->e + p + 1, (z->n - (size_t)(p + 1)) *
		sizeof(*z->e));
	z->e[p + 1] = k;
	z->n++;
	nc->total++;
	return 0;
}

/* The RRset of an index entry if the cache still holds it validated;
 * else the entry is dropped and 0 returned. */
static int ent_rrset(res_nsec *nc, res_cache *c, nc_zone *z, size_t i,
		     uint64_t now, res_crrset *out)
{
	int stale;

	if (res_cache_get_rrset(c, key_owner(z, z->e[i]),
				z->n3 ? DNS_T_NSEC3 : DNS_T_NSEC, now, 0, out,
				&stale) &&
	    out->sec == RES_SEC_SECURE && out->sigcount && out->count)
		return 1;
	ent_remove(nc, z, i);
	return 0;
}

static void zone_drop(res_nsec *nc, size_t k)
{
	zone_clear(nc, nc->z[k]);
	free(nc->z[k]->e);
	free(nc->z[k]);
	memmove(nc->z + k, nc->z + k + 1, (nc->nz - k - 1) * sizeof(*nc->z));
	nc->nz--;
}

/* Room for one more zone: the one with the fewest entries goes. */
static void zone_make_room(res_nsec *nc)
{
	size_t small = 0;

	if (nc->nz < NC_MAX_ZONES)
		return;
	for (size_t k = 1; k < nc->nz; k++)
		if (nc->z[k]->n < nc->z[small]->n)
			small = k;
	zone_drop(nc, small);
}

/* Drop the entries whose RRsets the cache no longer holds (eviction,
 * expiry); if that is not enough, the biggest zone's entries. */
static void nc_sweep(res_nsec *nc, res_cache *c, uint64_t now)
{
	res_crrset rr;

	for (size_t k = 0; k < nc->nz; k++) {
		nc_zone *z = nc->z[k];

		for (size_t i = z->n; i-- > 0;)
			ent_rrset(nc, c, z, i, now, &rr);
	}
	if (nc->total >= nc->max && nc->nz) {
		nc_zone *big = nc->z[0];

		for (size_t k = 1; k < nc->nz; k++)
			if (nc->z[k]->n > big->n)
				big = nc->z[k];
		zone_clear(nc, big);
	}
	for (size_t k = nc->nz; k-- > 0;)         /* zones left empty */
		if (nc->z[k]->n == 0)
			zone_drop(nc, k);
	nc->sweep_at = 2 * nc->total > NC_MIN_SWEEP ? 2 * nc->total :
		       NC_MIN_SWEEP;
	if (nc->sweep_at > nc->max)
		nc->sweep_at = nc->max;
}

/* ------------------------------------------------------------------ */
/* NSEC3 helpers                                                       */
/* ------------------------------------------------------------------ */

/* RFC 5155 5: the hash of name with the zone's parameters. */
static void n3_hash(const nc_zone *z, const uint8_t *name, uint8_t *out)
{
	zone_nsec3_hash(z->salt, z->saltlen, z->iter, name, out);
}

/* An NSEC3 RRset of one usable record: SHA-1, no opt-out, at most 150
 * iterations, owner = base32hex(hash).zone.  Its parameters into p
 * (iter, salt) and the owner hash into hash; 0 if usable. */
static int n3_usable(const uint8_t *owner, const uint8_t *zn,
		     const uint8_t *data, uint32_t len, uint16_t count,
		     nc_zone *p, uint8_t *hash)
{
	const uint8_t *rd = data + 2;
	uint16_t rl;

	if (count != 1 || len < 2)
		return -1;
	rl = wire_get16(data);
	if ((uint32_t)rl + 2 != len || rl < 5 || rd[0] != 1 || rd[1] != 0 ||
	    wire_get16(rd + 2) > VAL_N3_MAXITER ||
	    5u + rd[4] + 1 + VAL_N3_HASHLEN > rl ||
	    rd[5 + rd[4]] != VAL_N3_HASHLEN ||
	    owner[0] == 0 || !wire_name_equal(name_parent(owner), zn) ||
	    zone_nsec3_b32hex(owner + 1, owner[0], hash) < 0)
		return -1;
	p->iter = wire_get16(rd + 2);
	p->saltlen = rd[4];
	memcpy(p->salt, rd + 5, rd[4]);
	return 0;
}

static int n3_same_params(const nc_zone *a, const nc_zone *b)
{
	return a->iter == b->iter && a->saltlen == b->saltlen &&
	       memcmp(a->salt, b->salt, a->saltlen) == 0;
}

/* ------------------------------------------------------------------ */
/* storing                                                             */
/* ------------------------------------------------------------------ */

/* The life a validated RRset may have: its RRSIGs' original TTL and
 * expiration (RFC 4035 5.3.3). */
static uint32_t sig_cap(const uint8_t *sigs, uint32_t siglen, uint16_t n,
			uint32_t ttl, uint64_t now, int no_timecheck)
{
	size_t p = 0;

	for (uint16_t k = 0; k < n && p + 2 <= siglen; k++) {
		uint16_t rl = wire_get16(sigs + p);
		const uint8_t *rd = sigs + p + 2;

		p += 2 + (size_t)rl;
		if (rl < 18 || p > siglen)
			break;
		if (wire_get32(rd + 4) < ttl)
			ttl = wire_get32(rd + 4);
		if (!no_timecheck) {
			uint32_t left = wire_get32(rd + 8) -
					(uint32_t)(now / 1000);

			if (left < 0x80000000u && left < ttl)
				ttl = left;
		}
	}
	return ttl;
}

/* Index (z, RRset) after a put into the cache. */
static int index_rrset(res_nsec *nc, nc_zone *z, const uint8_t *owner,
		       uint16_t type, const uint8_t *data, uint32_t len,
		       uint16_t count)
{
	uint8_t hash[VAL_N3_HASHLEN];
	nc_zone p;

	if (type == DNS_T_NSEC3) {
		if (n3_usable(owner, z->name, data, len, count, &p, hash) < 0)
			return -1;
		if (!z->n3 || !n3_same_params(z, &p)) {
			zone_clear(nc, z);  /* new chain (or NSEC before) */
			z->n3 = 1;
			z->iter = p.iter;
			z->saltlen = p.saltlen;
			memcpy(z->salt, p.salt, p.saltlen);
		}
		return ent_add(nc, z, hash, owner);
	}
	if (count != 1 || !wire_name_is_sub(owner, z->name))
		return -1;
	if (z->n3)
		zone_clear(nc, z);
	z->n3 = 0;
	return ent_add(nc, z, NULL, owner);
}

/* May a be indexed in z (NSEC3: SHA-1, no opt-out, <= 150 iterations,
 * a hashed owner; NSEC: one record in the zone)? */
static int rr_usable(const uint8_t *zn, const chain_rr *a)
{
	uint8_t hash[VAL_N3_HASHLEN];
	nc_zone p;

	if (!a->data || !a->sigcount)
		return 0;
	if (a->type == DNS_T_NSEC3)
		return n3_usable(a->owner, zn, a->data, a->len, a->count, &p,
				 hash) == 0;
	return a->type == DNS_T_NSEC && a->count == 1 &&
	       wire_name_is_sub(a->owner, zn);
}

/* Is a (one of auth) among the records auth_nsecs accepted? */
static int rrset_ok(const chain_rr *a, const res_nsec_set *ok, size_t nok)
{
	for (size_t i = 0; i < nok; i++)
		if (ok[i].rdata >= a->data && ok[i].rdata < a->data + a->len)
			return 1;
	return 0;
}

/* The same SOA (data and RRSIGs) is cached, verified: no need to
 * verify it again. */
static int soa_known(res_cache *c, const chain_rr *s, uint64_t now)
{
	res_crrset k;
	int stale;

	return res_cache_get_rrset(c, s->owner, DNS_T_SOA, now, 0, &k,
				   &stale) &&
	       k.sec == RES_SEC_SECURE && k.len == s->len &&
	       k.siglen == s->siglen && memcmp(k.data, s->data, s->len) == 0 &&
	       memcmp(k.sigs, s->sigs, s->siglen) == 0;
}

void res_nsec_store(res_nsec *nc, res_cache *c, const res_nsec_in *in,
		    uint64_t now)
{
	const chain_rr *s = in->soa;
	uint32_t cap, min;
	int i;
	res_val_result vr;
	nc_zone *z;

	if (!nc || !c || !s || !s->data || s->count != 1 || s->len < 24 ||
	    !s->sigcount || !wire_name_equal(s->owner, in->zone))
		return;
	for (i = 0; i < in->nauth; i++)   /* anything worth keeping? */
		if (rr_usable(in->zone, &in->auth[i]) &&
		    rrset_ok(&in->auth[i], in->ok, in->nok))
			break;
	if (i == in->nauth)
		return;
	if (!soa_known(c, s, now)) {
		vr = res_val_rrset(s->owner, DNS_T_SOA, s->data, s->len,
				   s->count, s->sigs, s->siglen, s->sigcount,
				   in->zone, in->keys, in->klen, in->kcount,
				   now / 1000, in->no_timecheck, NULL);
		if (vr.sec != RES_SEC_SECURE)
			return;
	}
	min = wire_get32(s->data + s->len - 4);
	cap = s->ttl < min ? s->ttl : min;
	if (in->neg_ttl < cap)
		cap = in->neg_ttl;
	cap = sig_cap(s->sigs, s->siglen, s->sigcount, cap, now,
		      in->no_timecheck);
	if (cap == 0)
		return;
	if (nc->total >= nc->sweep_at)
		nc_sweep(nc, c, now);
	if (!zone_get(nc, in->zone, 0))
		zone_make_room(nc);
	if (!(z = zone_get(nc, in->zone, 1)))
		return;
	res_cache_put_rrset(c, s->owner, DNS_T_SOA, cap, now,
			    RES_TRUST_AUTHORITY, RES_SEC_SECURE, s->data,
			    s->len, s->count, s->sigs, s->siglen, s->sigcount);
	for (i = 0; i < in->nauth && nc->total < nc->max; i++) {
		const chain_rr *a = &in->auth[i];
		uint32_t ttl = a->ttl < cap ? a->ttl : cap;

		if (!rrset_ok(a, in->ok, in->nok))
			continue;
		ttl = sig_cap(a->sigs, a->siglen, a->sigcount, ttl, now,
			      in->no_timecheck);
		if (ttl == 0 || !rr_usable(z->name, a) ||
		    res_cache_put_rrset(c, a->owner, a->type, ttl, now,
					RES_TRUST_AUTHORITY, RES_SEC_SECURE,
					a->data, a->len, a->count, a->sigs,
					a->siglen, a->sigcount) < 0)
			continue;
		index_rrset(nc, z, a->owner, a->type, a->data, a->len,
			    a->count);
	}
}

/* ------------------------------------------------------------------ */
/* rebuilding the index from the cache                                 */
/* ------------------------------------------------------------------ */

/* The signer of the first RRSIG of rr that encloses the owner. */
static int rr_signer(const res_crrset *rr, uint8_t *signer)
{
	size_t p = 0;

	for (uint16_t k = 0; k < rr->sigcount && p + 2 <= rr->siglen; k++) {
		uint16_t rl = wire_get16(rr->sigs + p);
		const uint8_t *rd = rr->sigs + p + 2;

		p += 2 + (size_t)rl;
		if (p > rr->siglen || rl < 19 ||
		    val_name_len(rd + 18, (size_t)rl - 18) == 0)
			continue;
		wire_name_lower(signer, rd + 18);
		if (wire_name_is_sub(rr->lname, signer))
			return 1;
	}
	return 0;
}

static void rebuild_one(void *arg, const res_crrset *rr)
{
	res_nsec *nc = arg;
	uint8_t signer[WIRE_MAXNAME];
	nc_zone *z;

	if (rr->sec != RES_SEC_SECURE || !rr->sigcount ||
	    nc->total >= nc->max || !rr_signer(rr, signer) ||
	    !(z = zone_get(nc, signer, 1)))
		return;
	index_rrset(nc, z, rr->lname, rr->type, rr->data, rr->len, rr->count);
}

void res_nsec_rebuild(res_nsec *nc, res_cache *c, uint64_t now)
{
	if (!nc)
		return;
	nc_clear(nc);
	if (!c)
		return;
	res_cache_each_rrset(c, DNS_T_NSEC, now, rebuild_one, nc);
	res_cache_each_rrset(c, DNS_T_NSEC3, now, rebuild_one, nc);
	nc->sweep_at = 2 * nc->total > NC_MIN_SWEEP ? 2 * nc->total :
		       NC_MIN_SWEEP;
	if (nc->sweep_at > nc->max)
		nc->sweep_at = nc->max;
}

/* ------------------------------------------------------------------ */
/* synthesis                                                           */
/* ------------------------------------------------------------------ */

typedef struct nc_q {
	res_nsec *nc;
	res_cache *c;
	nc_zone *z;
	uint64_t now;
	res_nsec_proof *out;
} nc_q;

/* Add the RRset of entry i to the proof (once). */
static int proof_add(nc_q *q, long i)
{
	res_nsec_proof *o = q->out;
	res_crrset rr;

	if (i < 0 || !ent_rrset(q->nc, q->c, q->z, (size_t)i, q->now, &rr))
		return -1;
	for (int k = 0; k < o->nrr; k++)
		if (wire_name_equal(o->rr[k].lname, rr.lname))
			return 0;
	if (o->nrr >= RES_NSEC_PROOF_MAX)
		return -1;
	o->rr[o->nrr++] = rr;
	return 0;
}

/* NSEC: the record matching or covering name, and the one matching or
 * covering the wildcard at the closest encloser it implies. */
static int nsec_gather(nc_q *q, const uint8_t *name)
{
	long i = ent_le(q->z, name);
	uint8_t wc[WIRE_MAXNAME];
	const uint8_t *next;
	int ce;

	if (proof_add(q, i) < 0)
		return -1;
	if (wire_name_equal(q->out->rr[0].lname, name))
		return 0;                          /* NODATA */
	next = q->out->rr[0].data + 2;
	if (val_name_len(next, q->out->rr[0].len - 2) == 0)
		return -1;
	if (wire_name_is_sub(next, name))
		return 0;                          /* empty non-terminal */
	ce = res_val_common_labels(name, q->out->rr[0].lname);
	if (res_val_common_labels(name, next) > ce)
		ce = res_val_common_labels(name, next);
	if (ce < wire_name_labels(q->z->name) ||
	    val_wild(name_suffix(name, ce), wc) < 0)
		return -1;
	return proof_add(q, ent_le(q->z, wc));
}

/* The NSEC3 entry matching (exact) or covering hash h. */
static long n3_find(const nc_zone *z, const uint8_t *h, int exact)
{
	long i = ent_le(z, h);

	if (exact)
		return i >= 0 && memcmp(z->e[i], h, VAL_N3_HASHLEN) == 0 ?
		       i : -1;
	return i >= 0 ? i : (long)z->n - 1;    /* below the first: wraps */
}

/* NSEC3 (RFC 5155 8.4-8.7): the closest encloser's record, the one
 * covering the next closer name and the one for the wildcard. */
static int nsec3_gather(nc_q *q, const uint8_t *name)
{
	int ql = wire_name_labels(name), zl = wire_name_labels(q->z->name);
	uint8_t h[VAL_N3_HASHLEN], wc[WIRE_MAXNAME];
	int ce = -1;

	for (int l = ql; l >= zl && ce < 0; l--) {
		long i;

		n3_hash(q->z, name_suffix(name, l), h);
		i = n3_find(q->z, h, 1);
		if (i >= 0 && proof_add(q, i) == 0)
			ce = l;
	}
	if (ce < 0)
		return -1;
	if (ce == ql)
		return 0;                          /* NODATA */
	n3_hash(q->z, name_suffix(name, ce + 1), h);
	if (proof_add(q, n3_find(q->z, h, 0)) < 0 ||
	    val_wild(name_suffix(name, ce), wc) < 0)
		return -1;
	n3_hash(q->z, wc, h);
	return proof_add(q, n3_find(q->z, h, 0));
}

/* Try the gathered records as an NXDOMAIN, then a NODATA proof. */
static int proof_check(nc_q *q, const uint8_t *name, uint16_t qtype)
{
	res_nsec_set s[RES_NSEC_PROOF_MAX];
	size_t n = 0;

	for (int k = 0; k < q->out->nrr; k++) {
		const res_crrset *rr = &q->out->rr[k];

		s[n].lname = rr->lname;
		s[n].type = rr->type;
		s[n].rdata = rr->data + 2;
		s[n].rdlen = wire_get16(rr->data);
		n++;
	}
	if (res_val_denial(1, name, qtype, q->z->name, s, n).sec ==
	    RES_SEC_SECURE) {
		q->out->rcode = DNS_R_NXDOMAIN;
		return 0;
	}
	if (res_val_denial(2, name, qtype, q->z->name, s, n).sec ==
	    RES_SEC_SECURE) {
		q->out->rcode = DNS_R_NOERROR;
		return 0;
	}
	return -1;
}

/* The proof's life: the least of its records', the SOA's and the SOA
 * MINIMUM. */
static uint32_t proof_ttl(const res_nsec_proof *o, uint64_t now)
{
	uint32_t ttl = ttl_left(o->soa.expire_ms, now);
	uint32_t min = wire_get32(o->soa.data + o->soa.len - 4);

	if (min < ttl)
		ttl = min;
	for (int k = 0; k < o->nrr; k++)
		if (ttl_left(o->rr[k].expire_ms, now) < ttl)
			ttl = ttl_left(o->rr[k].expire_ms, now);
	return ttl;
}

/* Types a bitmap cannot deny alone (meta types, ANY) or that live at
 * the NSEC owner itself. */
static int qtype_ok(uint16_t qtype)
{
	return qtype != DNS_T_NSEC && qtype != DNS_T_NSEC3 &&
	       qtype != DNS_T_RRSIG && !(qtype >= 128 && qtype <= 255) &&
	       qtype != 0;
}

int res_nsec_lookup(res_nsec *nc, res_cache *c, const uint8_t *lname,
		    uint16_t qtype, uint64_t now, res_nsec_proof *out)
{
	const uint8_t *n = lname;
	int stale;
	nc_q q;

	if (!nc || !c || nc->total == 0 || !qtype_ok(qtype))
		return 0;
	if (qtype == DNS_T_DS) {       /* the DS lives in the parent */
		if (lname[0] == 0)
			return 0;
		n = name_parent(lname);
	}
	for (;;) {                     /* the deepest zone indexed */
		q.z = zone_get(nc, n, 0);
		if (q.z || n[0] == 0)
			break;
		n = name_parent(n);
	}
	if (!q.z || q.z->n == 0)
		return 0;
	memset(out, 0, sizeof(*out));
	q.nc = nc;
	q.c = c;
	q.now = now;
	q.out = out;
	if ((q.z->n3 ? nsec3_gather(&q, lname) : nsec_gather(&q, lname)) < 0 ||
	    proof_check(&q, lname, qtype) < 0)
		return 0;
	if (!res_cache_get_rrset(c, q.z->name, DNS_T_SOA, now, 0, &out->soa,
				 &stale) || out->soa.sec != RES_SEC_SECURE ||
	    out->soa.count != 1 || out->soa.len < 24 || !out->soa.sigcount)
		return 0;
	out->ttl = proof_ttl(out, now);
	return out->ttl > 0;
}
