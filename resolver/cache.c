/*
 * The resolver's cache: RRsets, negative entries (RFC 2308) and ready wire
 * answers (the hot path) in one chained hash table, bounded by an entry
 * count and a byte budget, evicted with CLOCK (a reference bit set on hit,
 * cleared by the sweeping hand; nothing is relinked on a hit).
 *
 * Every entry is one allocation: a small header followed by its owner name
 * and the kind's bytes:
 *   RRSET   lname | data (len) | sigs (aux)
 *   NEG     lname | soa lname (aux16) | soa rdata (len) | soa expiry (8)
 *   ANSWER  lname | reply (len) | TTL offsets (count x 2, big endian)
 * Original TTLs of an answer stay in the cached reply; a hit rewrites them
 * in the copy as max(0, orig - age), capped by the entry's remaining life.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "resolver/res_int.h"

enum { K_RRSET = 1, K_NEG = 2, K_ANS = 3 };
enum { AK_EDNS = 1, AK_DO = 2, AK_CD = 4, AK_AD = 8 };  /* answer keys */
enum { ST_PREFETCH = 1 };
enum { MIN_BUCKETS = 256, MAX_BUCKETS = 1u << 26 };
enum { PF_SCAN = 65536 };                     /* buckets per prefetch call */
/* The default byte budget: 256 bytes per entry of the entry bound (a
 * forwarded name takes an answer and an RRset entry, ~250 bytes together
 * with malloc's rounding and its bucket; a DNSSEC or TXT answer more), at
 * least 64 MiB. */
#define RES_CACHE_ENTRY_BYTES 256u
#define RES_CACHE_MIN_BYTES (64ull << 20)

typedef struct cent {
	struct cent *next;     /* hash chain */
	uint64_t expire_ms;    /* absolute */
	uint32_t len;          /* RRSET data / NEG soa rdata / ANS reply */
	uint32_t aux;          /* RRSET sig bytes / ANS ttl seconds */
	uint16_t type;         /* RRSET/NEG type (0 = NXDOMAIN) / ANS qtype */
	uint16_t count;        /* RRSET RRs / ANS TTL offsets */
	uint16_t aux16;        /* RRSET sigcount / NEG soa name len / ANS class */
	uint8_t kind, ref, trust, sec, namelen, kflags, hits, state;
	uint8_t b[];
} cent;

struct res_cache {
	cent **tab;
	size_t nb;             /* buckets, a power of two */
	size_t n;              /* entries */
	size_t ebytes;         /* bytes in entry allocations */
	size_t hand;           /* CLOCK hand (bucket index) */
	size_t pf_cursor;      /* prefetch scan position */
	res_prefetch pf_hit;   /* a hit that asks for a prefetch */
	uint8_t pf_ready;
	uint64_t seed;         /* hash key (res_cache_seed) */
	uint32_t max_entries;
	uint64_t max_bytes;
	uint64_t inserted, evicted;  /* for SIGUSR1's statistics */
};

typedef struct ckey {
	const uint8_t *lname;
	uint8_t namelen, kind, kflags;
	uint16_t type, qclass;
} ckey;

/* ------------------------------------------------------------------ */
/* hashing and lookup                                                  */
/* ------------------------------------------------------------------ */

static uint64_t hash_key(const res_cache *c, const ckey *k)
{
	uint64_t h = c->seed ^ ((uint64_t)k->kind << 56) ^
		     ((uint64_t)k->type << 32) ^ ((uint64_t)k->qclass << 16) ^
		     ((uint64_t)k->kflags << 8) ^ k->namelen;
	const uint8_t *p = k->lname;
	size_t n = k->namelen;
	uint64_t w;

	while (n >= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
		p += 8;
		n -= 8;
	}
	w = 0;
	memcpy(&w, p, n);
	h = (h ^ w ^ c->seed) * 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 29);
}

static void key_of(const cent *e, ckey *k)
{
	k->lname = e->b;
	k->namelen = e->namelen;
	k->kind = e->kind;
	k->type = e->type;
	k->kflags = e->kind == K_ANS ? e->kflags : 0;
	k->qclass = e->kind == K_ANS ? e->aux16 : 0;
}

static int key_match(const cent *e, const ckey *k)
{
	if (e->kind != k->kind || e->type != k->type ||
	    e->namelen != k->namelen)
		return 0;
	if (k->kind == K_ANS && (e->aux16 != k->qclass ||
				 e->kflags != k->kflags))
		return 0;
	return memcmp(e->b, k->lname, k->namelen) == 0;
}

/* The link that points at the entry matching k, or at the chain's end. */
static cent **find_link(res_cache *c, const ckey *k)
{
	cent **pp = &c->tab[hash_key(c, k) & (c->nb - 1)];

	while (*pp && !key_match(*pp, k))
		pp = &(*pp)->next;
	return pp;
}

static cent *lookup(res_cache *c, const ckey *k)
{
	if (c->n == 0)
		return NULL;
	return *find_link(c, k);
}

static void make_key(ckey *k, uint8_t kind, const uint8_t *lname,
		     uint16_t type)
{
	k->lname = lname;
	k->namelen = (uint8_t)wire_name_len(lname);
	k->kind = kind;
	k->type = type;
	k->kflags = 0;
	k->qclass = 0;
}

/* ------------------------------------------------------------------ */
/* entries, table growth, CLOCK eviction                               */
/* ------------------------------------------------------------------ */

static size_t ent_size(const cent *e)
{
	size_t t = e->namelen;

	switch (e->kind) {
	case K_RRSET: t += (size_t)e->len + e->aux; break;
	case K_NEG: t += (size_t)e->aux16 + e->len + 8; break;
	default: t += (size_t)e->len + 2u * e->count; break;
	}
	return sizeof(cent) + t;
}

/* What an entry costs against the byte budget: its allocation as malloc
 * rounds it (a size word, 16-byte granules), so that the budget tracks
 * the resident memory rather than the payload alone. */
static size_t ent_charge(size_t size)
{
	return (size + sizeof(size_t) + 15) & ~(size_t)15;
}

static void ent_drop(res_cache *c, cent **pp)
{
	cent *e = *pp;

	*pp = e->next;
	c->n--;
	c->ebytes -= ent_charge(ent_size(e));
	free(e);
}

/* Rebuild the table with nb buckets (growth, or a new seed). */
static void rehash(res_cache *c, size_t nb, uint64_t seed)
{
	size_t i;
	cent **t = calloc(nb, sizeof(*t));
	ckey k;

	if (!t)
		return;  /* longer chains / old seed, still correct */
	c->seed = seed;
	for (i = 0; i < c->nb; i++) {
		cent *e = c->tab[i], *nx;

		for (; e; e = nx) {
			size_t h;

			nx = e->next;
			key_of(e, &k);
			h = hash_key(c, &k) & (nb - 1);
			e->next = t[h];
			t[h] = e;
		}
	}
	free(c->tab);
	c->tab = t;
	c->nb = nb;
	c->hand &= nb - 1;
	c->pf_cursor &= nb - 1;
}

/* Evict one entry: sweep from the hand, clearing reference bits, and free
 * the first unreferenced entry met. */
static void evict_one(res_cache *c)
{
	for (;;) {
		cent **pp = &c->tab[c->hand];

		for (; *pp; pp = &(*pp)->next) {
			if (!(*pp)->ref) {
				ent_drop(c, pp);
				c->evicted++;
				return;
			}
			(*pp)->ref = 0;
		}
		c->hand = (c->hand + 1) & (c->nb - 1);
	}
}

static size_t total_bytes(const res_cache *c)
{
	return sizeof(*c) + c->nb * sizeof(cent *) + c->ebytes;
}

/* Make room for an entry charged size bytes; 0 or -ENOMEM if it cannot
 * fit. */
static int make_room(res_cache *c, size_t size)
{
	if (c->max_entries == 0 ||
	    sizeof(*c) + c->nb * sizeof(cent *) + size > c->max_bytes)
		return -ENOMEM;
	while (c->n > 0 && (c->n >= c->max_entries ||
			    total_bytes(c) + size > c->max_bytes))
		evict_one(c);
	return 0;
}

/* Allocate an entry with tail bytes (header zeroed but for kind, name). */
static cent *ent_alloc(uint8_t kind, const ckey *k, size_t tail)
{
	cent *e = malloc(sizeof(cent) + k->namelen + tail);

	if (!e)
		return NULL;
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->type = k->type;
	e->namelen = k->namelen;
	memcpy(e->b, k->lname, k->namelen);
	return e;
}

/* Replace any entry with e's key by e (which the caller filled in). */
static int ent_insert(res_cache *c, cent *e)
{
	ckey k;
	cent **pp;

	key_of(e, &k);
	pp = find_link(c, &k);
	if (*pp)
		ent_drop(c, pp);
	if (c->n >= c->nb && c->nb < MAX_BUCKETS && c->n < c->max_entries)
		rehash(c, c->nb * 2, c->seed);
	if (make_room(c, ent_charge(ent_size(e))) < 0) {
		free(e);
		return -ENOMEM;
	}
	pp = &c->tab[hash_key(c, &k) & (c->nb - 1)];
	e->next = *pp;
	*pp = e;
	c->n++;
	c->ebytes += ent_charge(ent_size(e));
	c->inserted++;
	return 0;
}

static void remove_key(res_cache *c, const ckey *k)
{
	cent **pp;

	if (c->n == 0)
		return;
	pp = find_link(c, k);
	if (*pp)
		ent_drop(c, pp);
}

uint64_t res_cache_default_bytes(uint32_t max_entries)
{
	uint64_t b = (uint64_t)max_entries * RES_CACHE_ENTRY_BYTES;

	return b > RES_CACHE_MIN_BYTES ? b : RES_CACHE_MIN_BYTES;
}

res_cache *res_cache_new(uint32_t max_entries, uint64_t max_bytes)
{
	res_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->nb = MIN_BUCKETS;
	c->tab = calloc(c->nb, sizeof(*c->tab));
	if (!c->tab) {
		free(c);
		return NULL;
	}
	c->max_entries = max_entries;
	c->max_bytes = max_bytes ? max_bytes :
		       res_cache_default_bytes(max_entries);
	c->seed = 0x9e3779b97f4a7c15ULL;
	return c;
}

void res_cache_seed(res_cache *c, uint64_t seed)
{
	rehash(c, c->nb, seed);
}

void res_cache_free(res_cache *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->nb; i++)
		while (c->tab[i])
			ent_drop(c, &c->tab[i]);
	free(c->tab);
	free(c);
}

size_t res_cache_count(const res_cache *c)
{
	return c->n;
}

void res_cache_counts(const res_cache *c, uint64_t *inserted,
		      uint64_t *evicted, uint32_t *max_entries)
{
	*inserted = c->inserted;
	*evicted = c->evicted;
	*max_entries = c->max_entries;
}

size_t res_cache_bytes(const res_cache *c)
{
	return total_bytes(c);
}

/* ------------------------------------------------------------------ */
/* RRsets                                                              */
/* ------------------------------------------------------------------ */

static int rrset_put(res_cache *c, const ckey *k, uint64_t expire_ms,
		     uint64_t now_ms, uint8_t trust, uint8_t sec,
		     const uint8_t *data, uint32_t len, uint16_t count,
		     const uint8_t *sigs, uint32_t siglen, uint16_t sigcount)
{
	cent *old = lookup(c, k), *e;
	ckey nk;

	if (old && old->trust > trust && old->expire_ms > now_ms)
		return 0;
	e = ent_alloc(K_RRSET, k, (size_t)len + siglen);
	if (!e)
		return -ENOMEM;
	e->expire_ms = expire_ms;
	e->len = len;
	e->aux = siglen;
	e->count = count;
	e->aux16 = sigcount;
	e->trust = trust;
	e->sec = sec;
	if (len)
		memcpy(e->b + k->namelen, data, len);
	if (siglen)
		memcpy(e->b + k->namelen + len, sigs, siglen);
	/* Data from an answer supersedes a negative entry for it. */
	if (trust >= RES_TRUST_ANSWER) {
		nk = *k;
		nk.kind = K_NEG;
		remove_key(c, &nk);
		nk.type = 0;
		remove_key(c, &nk);
	}
	return ent_insert(c, e);
}

int res_cache_put_rrset(res_cache *c, const uint8_t *lname, uint16_t type,
			uint32_t ttl, uint64_t now_ms, uint8_t trust,
			uint8_t sec, const uint8_t *data, uint32_t len,
			uint16_t count, const uint8_t *sigs, uint32_t siglen,
			uint16_t sigcount)
{
	ckey k;

	make_key(&k, K_RRSET, lname, type);
	return rrset_put(c, &k, now_ms + (uint64_t)ttl * 1000, now_ms, trust,
			 sec, data, len, count, sigs, siglen, sigcount);
}

static void fill_crrset(const cent *e, res_crrset *out)
{
	out->lname = e->b;
	out->type = e->type;
	out->count = e->count;
	out->len = e->len;
	out->data = e->b + e->namelen;
	out->sigcount = e->aux16;
	out->siglen = e->aux;
	out->sigs = out->data + e->len;
	out->expire_ms = e->expire_ms;
	out->trust = e->trust;
	out->sec = e->sec;
}

int res_cache_get_rrset(res_cache *c, const uint8_t *lname, uint16_t type,
			uint64_t now_ms, uint64_t stale_ms, res_crrset *out,
			int *stale)
{
	ckey k;
	cent *e;

	if (stale)
		*stale = 0;
	make_key(&k, K_RRSET, lname, type);
	e = lookup(c, &k);
	if (!e)
		return 0;
	if (e->expire_ms <= now_ms) {
		if (now_ms - e->expire_ms >= stale_ms)
			return 0;
		if (stale)
			*stale = 1;
	}
	e->ref = 1;
	fill_crrset(e, out);
	return 1;
}

void res_cache_each_rrset(res_cache *c, uint16_t type, uint64_t now_ms,
			  void (*fn)(void *arg, const res_crrset *rr),
			  void *arg)
{
	res_crrset rr;

	for (size_t i = 0; i < c->nb; i++)
		for (const cent *e = c->tab[i]; e; e = e->next)
			if (e->kind == K_RRSET && e->type == type &&
			    e->expire_ms > now_ms) {
				fill_crrset(e, &rr);
				fn(arg, &rr);
			}
}

/* ------------------------------------------------------------------ */
/* negative entries                                                    */
/* ------------------------------------------------------------------ */

int res_cache_put_neg(res_cache *c, const uint8_t *lname, uint16_t type,
		      uint32_t ttl, uint64_t now_ms, uint8_t sec,
		      const uint8_t *soa_lname, const uint8_t *soa_data,
		      uint32_t soa_len, uint32_t soa_ttl)
{
	size_t sl = soa_lname ? wire_name_len(soa_lname) : 0;
	uint64_t soa_exp = now_ms + (uint64_t)soa_ttl * 1000;
	ckey k;
	cent *e;

	if (soa_len > 65535 || (soa_len && !sl))
		return -EINVAL;
	make_key(&k, K_NEG, lname, type);
	e = ent_alloc(K_NEG, &k, sl + soa_len + 8);
	if (!e)
		return -ENOMEM;
	e->expire_ms = now_ms + (uint64_t)ttl * 1000;
	if (soa_exp > e->expire_ms)
		soa_exp = e->expire_ms;
	e->len = soa_len;
	e->aux16 = (uint16_t)sl;
	e->sec = sec;
	e->trust = RES_TRUST_AUTH_ANSWER;
	if (sl)
		memcpy(e->b + k.namelen, soa_lname, sl);
	if (soa_len)
		memcpy(e->b + k.namelen + sl, soa_data, soa_len);
	memcpy(e->b + k.namelen + sl + soa_len, &soa_exp, 8);
	if (type) {  /* NODATA: the RRset is gone */
		k.kind = K_RRSET;
		remove_key(c, &k);
	}
	return ent_insert(c, e);
}

static const cent *neg_find(res_cache *c, const uint8_t *lname,
			    uint16_t type, uint64_t now_ms)
{
	ckey k;
	cent *e;

	make_key(&k, K_NEG, lname, 0);
	e = lookup(c, &k);
	if (!e || e->expire_ms <= now_ms) {
		if (type == 0)
			return NULL;
		k.type = type;
		e = lookup(c, &k);
		if (!e || e->expire_ms <= now_ms)
			return NULL;
	}
	e->ref = 1;
	return e;
}

int res_cache_get_neg(res_cache *c, const uint8_t *lname, uint16_t type,
		      uint64_t now_ms, int *nxdomain, res_crrset *soa)
{
	const cent *e = neg_find(c, lname, type, now_ms);
	const uint8_t *p;

	if (!e)
		return 0;
	if (nxdomain)
		*nxdomain = e->type == 0;
	if (soa) {
		p = e->b + e->namelen;
		memset(soa, 0, sizeof(*soa));
		soa->lname = e->aux16 ? p : NULL;
		soa->type = DNS_T_SOA;
		soa->count = e->len ? 1 : 0;
		soa->len = e->len;
		soa->data = p + e->aux16;
		memcpy(&soa->expire_ms, p + e->aux16 + e->len, 8);
		soa->trust = e->trust;
		soa->sec = e->sec;
	}
	return 1;
}

int res_cache_set_sec(res_cache *c, const uint8_t *lname, uint16_t type,
		      int neg, uint8_t sec, const uint8_t *data,
		      uint32_t len)
{
	ckey k;
	cent *e;

	make_key(&k, neg ? K_NEG : K_RRSET, lname, type);
	e = lookup(c, &k);
	if (!e)
		return -1;
	if (data) {
		const uint8_t *d = e->b + e->namelen + (neg ? e->aux16 : 0);
		uint32_t dl = e->len;

		if (neg && dl >= 2) {   /* the SOA kept as a one-RR RRset */
			d += 2;
			dl -= 2;
		}
		if (dl != len || memcmp(d, data, len) != 0)
			return -1;      /* another copy: not the one validated */
	}
	e->sec = sec;
	return 0;
}

/* ------------------------------------------------------------------ */
/* wire answers                                                        */
/* ------------------------------------------------------------------ */

/* Skip one RR at *pos; *ttl_off gets its TTL offset, *type its type. */
static int skip_rr(const uint8_t *m, size_t len, size_t *pos,
		   size_t *ttl_off, uint16_t *type)
{
	size_t rdl;

	if (wire_name_read(m, len, pos, NULL) < 0 || len - *pos < 10)
		return -1;
	*type = wire_get16(m + *pos);
	*ttl_off = *pos + 4;
	rdl = wire_get16(m + *pos + 8);
	*pos += 10;
	if (len - *pos < rdl)
		return -1;
	*pos += rdl;
	return 0;
}

/*
 * Walk a reply after its question: offs (if not NULL) receives the TTL
 * offset of every RR except OPT.  Returns the number of TTLs, -1 if the
 * reply is malformed or holds a TSIG/SIG(0).  *end = end of the last RR.
 */
static long walk_rrs(const uint8_t *m, size_t len, size_t pos, uint8_t *offs,
		     size_t *end)
{
	unsigned nrr = (unsigned)wire_get16(m + 6) + wire_get16(m + 8) +
		       wire_get16(m + 10), i;
	long n = 0;
	size_t toff;
	uint16_t type;

	for (i = 0; i < nrr; i++) {
		if (skip_rr(m, len, &pos, &toff, &type) < 0 ||
		    type == DNS_T_TSIG || type == 24 /* SIG */)
			return -1;
		if (type == DNS_T_OPT)
			continue;
		if (offs)
			wire_put16(offs + 2 * n, (uint16_t)toff);
		n++;
	}
	*end = pos;
	return n;
}

/* The question of a reply: must be one uncompressed name at offset 12
 * equal (ignoring case) to lname, then qtype and qclass. */
static size_t reply_question(const uint8_t *m, size_t len,
			     const uint8_t *lname, size_t nl,
			     uint16_t qtype, uint16_t qclass)
{
	size_t i;

	/* a truncated reply is never cached: a TCP client must not get it */
	if (len < WIRE_HDRLEN + nl + 4 || !(wire_get16(m + 2) & DNS_F_QR) ||
	    (wire_get16(m + 2) & DNS_F_TC) || wire_get16(m + 4) != 1)
		return 0;
	for (i = 0; i < nl; i++) {
		uint8_t ch = m[WIRE_HDRLEN + i];

		if (ch >= 'A' && ch <= 'Z')
			ch = (uint8_t)(ch + 32);
		if (ch != lname[i])
			return 0;
	}
	i = WIRE_HDRLEN + nl;
	if (wire_get16(m + i) != qtype || wire_get16(m + i + 2) != qclass)
		return 0;
	return i + 4;
}

static uint8_t ans_kflags(const wire_query *q)
{
	uint8_t f = 0;

	if (q->has_edns) {
		f |= AK_EDNS;
		if (q->edns_flags & EDNS_F_DO)
			f |= AK_DO;
	}
	if (q->flags & DNS_F_CD)
		f |= AK_CD;
	/* RFC 6840 5.7: AD only for queries with DO or AD; without DO the
	 * query's AD bit decides whether the reply may carry AD */
	if (!(f & AK_DO) && (q->flags & DNS_F_AD))
		f |= AK_AD;
	return f;
}

static int ans_put(res_cache *c, const ckey *k, const uint8_t *reply,
		   size_t len, uint32_t ttl, uint64_t insert_ms)
{
	size_t qend, end;
	long n;
	cent *e;

	if (len > 65535)
		return -EINVAL;
	qend = reply_question(reply, len, k->lname, k->namelen, k->type,
			      k->qclass);
	if (!qend)
		return -EINVAL;
	n = walk_rrs(reply, len, qend, NULL, &end);
	if (n < 0 || n > 65535 || end != len)  /* no trailing bytes */
		return -EINVAL;
	e = ent_alloc(K_ANS, k, end + 2 * (size_t)n);
	if (!e)
		return -ENOMEM;
	e->len = (uint32_t)end;
	e->count = (uint16_t)n;
	e->aux = ttl;
	e->aux16 = k->qclass;
	e->kflags = k->kflags;
	e->expire_ms = insert_ms + (uint64_t)ttl * 1000;
	memcpy(e->b + k->namelen, reply, end);
	walk_rrs(reply, len, qend, e->b + k->namelen + end, &end);
	return ent_insert(c, e);
}

static void ans_key(ckey *k, const wire_query *q)
{
	k->lname = q->lname;
	k->namelen = (uint8_t)q->qname_len;
	k->kind = K_ANS;
	k->kflags = ans_kflags(q);
	k->type = q->qtype;
	k->qclass = q->qclass;
}

int res_cache_put_answer(res_cache *c, const wire_query *q,
			 const uint8_t *reply, size_t len, uint32_t ttl,
			 uint64_t now_ms)
{
	ckey k;

	if (q->qname_len == 0 || q->qname_len > WIRE_MAXNAME)
		return -EINVAL;
	ans_key(&k, q);
	return ans_put(c, &k, reply, len, ttl, now_ms);
}

/* Rewrite the TTLs of the copy: max(0, orig - age), at most remain. */
static void patch_ttls(const cent *e, uint8_t *resp, uint32_t age,
		       uint32_t remain)
{
	const uint8_t *src = e->b + e->namelen;
	const uint8_t *offs = src + e->len;
	uint32_t i, t;
	uint16_t o;

	for (i = 0; i < e->count; i++) {
		o = wire_get16(offs + 2 * i);
		t = wire_get32(src + o);
		t = t > age ? t - age : 0;
		wire_put32(resp + o, t < remain ? t : remain);
	}
}

/* Copy a hit to resp with the client's id, name spelling and RD bit. */
static void ans_copy(cent *e, const wire_query *q, uint8_t *resp)
{
	uint16_t fl;

	e->ref = 1;
	if (e->hits < 255)
		e->hits++;
	memcpy(resp, e->b + e->namelen, e->len);
	wire_put16(resp, q->id);
	memcpy(resp + WIRE_HDRLEN, q->qname, e->namelen);
	fl = (uint16_t)((wire_get16(resp + 2) & ~DNS_F_RD) |
			(q->flags & DNS_F_RD));
	wire_put16(resp + 2, fl);
}

static void ans_fresh(cent *e, const wire_query *q, uint64_t now_ms,
		      uint8_t *resp)
{
	uint64_t insert_ms = e->expire_ms - (uint64_t)e->aux * 1000;
	uint32_t age;

	ans_copy(e, q, resp);
	age = now_ms > insert_ms ? (uint32_t)((now_ms - insert_ms) / 1000) : 0;
	patch_ttls(e, resp, age, e->aux > age ? e->aux - age : 0);
}

static cent *ans_find(res_cache *c, const wire_query *q, size_t limit,
		      size_t cap)
{
	ckey k;
	cent *e;

	ans_key(&k, q);
	e = lookup(c, &k);
	return e && e->len <= limit && e->len <= cap ? e : NULL;
}

static int pf_candidate(const cent *e, uint64_t now_ms);

int res_cache_answer(res_cache *c, const wire_query *q,
		     const uint8_t *qmsg, size_t limit, uint64_t now_ms,
		     uint8_t *resp, size_t cap, size_t *resp_len)
{
	cent *e = ans_find(c, q, limit, cap);

	(void)qmsg;  /* q->qname holds the client's spelling of the name */
	if (!e || now_ms >= e->expire_ms)
		return 0;
	ans_fresh(e, q, now_ms, resp);
	*resp_len = e->len;
	if (!c->pf_ready && pf_candidate(e, now_ms)) {
		/* a popular answer near its end: refresh it (the resolver
		 * picks this up right after the hit) */
		e->state |= ST_PREFETCH;
		memcpy(c->pf_hit.lname, e->b, e->namelen);
		c->pf_hit.qtype = e->type;
		c->pf_hit.edns = (e->kflags & AK_EDNS) != 0;
		c->pf_hit.do_bit = (e->kflags & AK_DO) != 0;
		c->pf_hit.cd_bit = (e->kflags & AK_CD) != 0;
		c->pf_hit.ad_bit = (e->kflags & AK_AD) != 0;
		c->pf_ready = 1;
	}
	return 1;
}

int res_cache_prefetch_hit(res_cache *c, res_prefetch *out)
{
	if (!c->pf_ready)
		return 0;
	*out = c->pf_hit;
	c->pf_ready = 0;
	return 1;
}

int res_cache_answer_stale(res_cache *c, const wire_query *q, size_t limit,
			   uint64_t now_ms, uint64_t max_stale_ms,
			   uint32_t stale_ttl, uint8_t *resp, size_t cap,
			   size_t *resp_len)
{
	cent *e = ans_find(c, q, limit, cap);
	const uint8_t *offs;
	uint32_t i;

	if (!e)
		return 0;
	if (now_ms < e->expire_ms) {
		ans_fresh(e, q, now_ms, resp);
		*resp_len = e->len;
		return 1;
	}
	if (now_ms - e->expire_ms >= max_stale_ms)
		return 0;
	ans_copy(e, q, resp);
	offs = e->b + e->namelen + e->len;
	for (i = 0; i < e->count; i++)
		wire_put32(resp + wire_get16(offs + 2 * i), stale_ttl);
	*resp_len = e->len;
	return 2;
}

/* ------------------------------------------------------------------ */
/* prefetch                                                            */
/* ------------------------------------------------------------------ */

static int pf_candidate(const cent *e, uint64_t now_ms)
{
	uint64_t left;

	if (e->kind != K_ANS || e->hits < 2 || (e->state & ST_PREFETCH) ||
	    e->expire_ms <= now_ms)
		return 0;
	left = e->expire_ms - now_ms;
	return left * 10 < (uint64_t)e->aux * 1000;
}

size_t res_cache_prefetch(res_cache *c, uint64_t now_ms, res_prefetch *out,
			  size_t max)
{
	size_t n = 0, scanned = 0;
	cent *e;

	while (n < max && scanned < c->nb && scanned < PF_SCAN) {
		for (e = c->tab[c->pf_cursor]; e && n < max; e = e->next) {
			if (!pf_candidate(e, now_ms))
				continue;
			e->state |= ST_PREFETCH;
			memcpy(out[n].lname, e->b, e->namelen);
			out[n].qtype = e->type;
			n++;
		}
		if (n < max) {
			c->pf_cursor = (c->pf_cursor + 1) & (c->nb - 1);
			scanned++;
		}
	}
	return n;
}

/* ------------------------------------------------------------------ */
/* persistence: records of magic(4) len(4) crc32c(4) payload           */
/* ------------------------------------------------------------------ */

enum { REC_HDR = 12, PAY_HDR = 27, REC_MAX = 1 << 20 };
static const uint8_t rec_magic[4] = { 'D', 'V', 'C', '1' };

/* Bytes of an entry's serialized tail: answers keep no TTL offsets (they
 * are found again at load). */
static size_t ser_tail(const cent *e)
{
	size_t t = ent_size(e) - sizeof(cent);

	return e->kind == K_ANS ? t - 2u * e->count : t;
}

static void put64(uint8_t *p, uint64_t v)
{
	wire_put32(p, (uint32_t)(v >> 32));
	wire_put32(p + 4, (uint32_t)v);
}

static uint64_t get64(const uint8_t *p)
{
	return ((uint64_t)wire_get32(p) << 32) | wire_get32(p + 4);
}

static size_t ser_one(const cent *e, uint8_t *p)
{
	size_t t = ser_tail(e);
	uint8_t *q = p + REC_HDR;

	q[0] = e->kind; q[1] = e->trust; q[2] = e->sec; q[3] = e->kflags;
	q[4] = e->namelen;
	wire_put16(q + 5, e->type);
	wire_put16(q + 7, e->count);
	wire_put16(q + 9, e->aux16);
	wire_put32(q + 11, e->len);
	wire_put32(q + 15, e->aux);
	put64(q + 19, e->expire_ms);
	memcpy(q + PAY_HDR, e->b, t);
	memcpy(p, rec_magic, 4);
	wire_put32(p + 4, (uint32_t)(PAY_HDR + t));
	wire_put32(p + 8, zone_crc32c(q, PAY_HDR + t));
	return REC_HDR + PAY_HDR + t;
}

int res_cache_serialize(const res_cache *c, uint64_t now_ms, uint8_t **out,
			size_t *len)
{
	size_t total = 0, i, pos = 0;
	const cent *e;
	uint8_t *buf;

	for (i = 0; i < c->nb; i++)
		for (e = c->tab[i]; e; e = e->next)
			if (e->expire_ms > now_ms)
				total += REC_HDR + PAY_HDR + ser_tail(e);
	buf = malloc(total ? total : 1);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i < c->nb; i++)
		for (e = c->tab[i]; e; e = e->next)
			if (e->expire_ms > now_ms)
				pos += ser_one(e, buf + pos);
	*out = buf;
	*len = pos;
	return 0;
}

/* A well-formed lowercased uncompressed name of exactly n bytes. */
static int name_ok(const uint8_t *p, size_t n)
{
	size_t i = 0, j;

	while (i < n && p[i]) {
		if (p[i] > 63)
			return 0;
		for (j = i + 1; j <= i + p[i] && j < n; j++)
			if (p[j] >= 'A' && p[j] <= 'Z')
				return 0;
		i += (size_t)p[i] + 1;
	}
	return n > 0 && n <= WIRE_MAXNAME && i == n - 1;
}

/* count x { rdlen, rdata } filling exactly len bytes. */
static int rdata_ok(const uint8_t *p, size_t len, unsigned count)
{
	size_t pos = 0;

	while (count--) {
		if (len - pos < 2 || len - pos - 2 < wire_get16(p + pos))
			return 0;
		pos += 2u + wire_get16(p + pos);
	}
	return pos == len;
}

static int load_rrset(res_cache *c, const ckey *k, const uint8_t *q,
		      const uint8_t *t, size_t tl, uint64_t now_ms)
{
	uint32_t len = wire_get32(q + 11), siglen = wire_get32(q + 15);
	uint16_t count = wire_get16(q + 7), sigc = wire_get16(q + 9);
	const uint8_t *d = t + k->namelen;

	if ((uint64_t)k->namelen + len + siglen != tl ||
	    !rdata_ok(d, len, count) || !rdata_ok(d + len, siglen, sigc))
		return -1;
	return rrset_put(c, k, get64(q + 19), now_ms, q[1], q[2], d, len,
			 count, d + len, siglen, sigc);
}

static int load_neg(res_cache *c, const ckey *k, const uint8_t *q,
		    const uint8_t *t, size_t tl)
{
	uint32_t len = wire_get32(q + 11);
	uint16_t sl = wire_get16(q + 9);
	const uint8_t *s = t + k->namelen;
	cent *e;

	if ((uint64_t)k->namelen + sl + len + 8 != tl || len > 65535 ||
	    (sl && !name_ok(s, sl)))
		return -1;
	e = ent_alloc(K_NEG, k, (size_t)sl + len + 8);
	if (!e)
		return -ENOMEM;
	e->expire_ms = get64(q + 19);
	e->len = len;
	e->aux16 = sl;
	e->sec = q[2];
	e->trust = RES_TRUST_AUTH_ANSWER;
	memcpy(e->b + k->namelen, s, (size_t)sl + len + 8);
	return ent_insert(c, e);
}

static int load_one(res_cache *c, const uint8_t *q, size_t plen,
		    uint64_t now_ms)
{
	const uint8_t *t = q + PAY_HDR;
	uint64_t exp = get64(q + 19);
	uint32_t ttl = wire_get32(q + 15);
	ckey k;

	k.kind = q[0];
	k.namelen = q[4];
	k.lname = t;
	k.type = wire_get16(q + 5);
	k.kflags = k.kind == K_ANS ? q[3] : 0;
	k.qclass = k.kind == K_ANS ? wire_get16(q + 9) : 0;
	if (exp <= now_ms || plen - PAY_HDR < k.namelen ||
	    !name_ok(t, k.namelen))
		return -1;
	if (k.kind == K_RRSET)
		return load_rrset(c, &k, q, t, plen - PAY_HDR, now_ms);
	if (k.kind == K_NEG)
		return load_neg(c, &k, q, t, plen - PAY_HDR);
	if (k.kind != K_ANS || k.kflags > 15 ||
	    (uint64_t)k.namelen + wire_get32(q + 11) != plen - PAY_HDR ||
	    exp < (uint64_t)ttl * 1000)
		return -1;
	return ans_put(c, &k, t + k.namelen, wire_get32(q + 11), ttl,
		       exp - (uint64_t)ttl * 1000);
}

int res_cache_deserialize(res_cache *c, const uint8_t *buf, size_t len,
			  uint64_t now_ms)
{
	size_t pos = 0, plen;
	int loaded = 0;

	while (len - pos >= REC_HDR && memcmp(buf + pos, rec_magic, 4) == 0) {
		plen = wire_get32(buf + pos + 4);
		if (plen > REC_MAX || plen > len - pos - REC_HDR)
			break;  /* torn tail */
		if (plen >= PAY_HDR &&
		    zone_crc32c(buf + pos + REC_HDR, plen) == wire_get32(buf + pos + 8) &&
		    load_one(c, buf + pos + REC_HDR, plen, now_ms) == 0)
			loaded++;
		pos += REC_HDR + plen;
	}
	return loaded;
}
