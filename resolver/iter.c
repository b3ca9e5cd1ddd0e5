/*
 * One step of a task: local data a chain leads to, the RRset and
 * negative caches, then forwarding (--server rules) or the iterator
 * (RFC 1034 5.3.3: the closest zone cut with usable servers, glueless
 * NS addresses as sub-tasks, RFC 9156 QNAME minimisation, server choice
 * by smoothed RTT with the fairness limits; the parent's delegation
 * again when the servers the zone names for itself fail).  A task whose
 * answer is complete and must be validated is stepped by chain.c instead.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resolver/res_int.h"

/* A step from local data or the caches: nothing there, the task is
 * finished, or the chain moved on to a new name (look again). */
enum { STEP_MISS = 0, STEP_DONE = 1, STEP_AGAIN = 2 };

static int cache_usable(const res_ctx *r, const res_crrset *c)
{
	/* with validation on, bogus data is looked at again upstream */
	return c->trust >= RES_TRUST_AUTHORITY &&
	       !(r->keys && c->sec == RES_SEC_BOGUS);
}

/* A wildcard expansion (an RRSIG with fewer labels than the owner) is
 * only as good as the NSEC/NSEC3 proof that came with it, which the RRset
 * cache does not keep: with validation on it is asked for again, proof
 * and all, rather than served with AD and without its proof. */
static int wild_unproven(const res_ctx *r, const res_crrset *c)
{
	int labels = wire_name_labels(c->lname);
	uint32_t p = 0;

	if (!r->keys || c->sec == RES_SEC_INSECURE)
		return 0;
	if (c->lname[0] == 1 && c->lname[1] == '*')
		labels--;
	for (uint16_t k = 0; k < c->sigcount && p + 2 <= c->siglen; k++) {
		uint16_t rl = wire_get16(c->sigs + p);

		if (rl >= 4 && p + 2 + rl <= c->siglen &&
		    c->sigs[p + 2 + 3] < labels)
			return 1;
		p += 2u + rl;
	}
	return 0;
}

/* The validation status a cached entry brings into the chain. */
static void chain_sec(res_task *t, const res_crrset *c)
{
	if (t->nchain && (c->sec == RES_SEC_SECURE ||
			  c->sec == RES_SEC_INSECURE))
		t->chain[t->nchain - 1].vsec = c->sec;
}

/* The chain moved on to t->sname: look again, unless it was there
 * already (a CNAME/DNAME loop: SERVFAIL, with the chain as followed). */
static int chain_moved(res_ctx *r, res_task *t, uint64_t now)
{
	if (!res_chain_loops(t, t->sname))
		return STEP_AGAIN;
	t->loop = 1;
	res_task_finish(r, t, DNS_R_SERVFAIL, now);
	return STEP_DONE;
}

/* A cached DNAME above t->sname (RFC 6672 3.4): the DNAME and the CNAME
 * synthesised from it go into the chain.  0: none; else 1 with *rc. */
static int step_dname(res_ctx *r, res_task *t, uint64_t now, int *rc)
{
	const uint8_t *d = t->sname;
	res_crrset c;
	int stale = 0, yx;

	if (t->fetch || t->qtype == DNS_T_DS || !d[0])
		return 0;
	for (;;) {
		d = name_parent(d);
		if (!d[0])
			return 0;
		if (res_cache_get_rrset(r->cache, d, DNS_T_DNAME, now, 0, &c,
					&stale) && cache_usable(r, &c) &&
		    c.count == 1)
			break;
	}
	yx = res_chain_dname(t, d, c.data, c.len, ttl_left(c.expire_ms, now),
			     c.sigs, c.siglen, c.sigcount, c.sec, t->sname);
	*rc = STEP_DONE;
	if (yx < 0)
		res_task_finish(r, t, yx == -2 ? DNS_R_YXDOMAIN :
				DNS_R_SERVFAIL, now);
	else if (t->qtype == DNS_T_CNAME)   /* the synthesised CNAME */
		res_task_finish(r, t, DNS_R_NOERROR, now);
	else
		*rc = chain_moved(r, t, now);
	return 1;
}

/* A copy of a cached RRset (data and RRSIGs) as a chain_rr. */
static int crr_copy(chain_rr *d, const res_crrset *c, uint32_t ttl)
{
	memset(d, 0, sizeof(*d));
	d->data = malloc(c->len ? c->len : 1);
	d->sigs = malloc(c->siglen ? c->siglen : 1);
	if (!d->data || !d->sigs) {
		res_crr_free(d);
		return -1;
	}
	memcpy(d->data, c->data, c->len);
	memcpy(d->sigs, c->sigs, c->siglen);
	name_copy(d->owner, c->lname);
	d->type = c->type;
	d->count = c->count;
	d->len = c->len;
	d->ttl = ttl;
	d->sigcount = c->sigcount;
	d->siglen = c->siglen;
	d->vsec = RES_SEC_SECURE;
	return 0;
}

static const res_forward *forward_of(const res_ctx *r,
				     const res_task *t);

/*
 * RFC 8198: the name lies in a validated NSEC/NSEC3 range the cache
 * holds (nsec_cache.c): NXDOMAIN or NODATA with that proof and the SOA,
 * secure, without asking upstream.  For fetches too (a DS denial), so
 * an insecure delegation is not proven again on every query.
 */
static int step_nsec(res_ctx *r, res_task *t, uint64_t now)
{
	const res_forward *f;
	res_nsec_proof p;

	if (!r->nsec || r->cfg.no_negcache ||
	    res_keys_nta(r->keys, t->sname) ||
	    !res_nsec_lookup(r->nsec, r->cache, t->sname, t->qtype, now, &p))
		return STEP_MISS;
	/* a --server=/domain/ rule below the zone of the proof sends the
	 * name elsewhere (a private view): that zone does not speak for it */
	f = forward_of(r, t);
	if (f && wire_name_labels(f->domain) >
	    wire_name_labels(p.soa.lname))
		return STEP_MISS;
	if (res_task_set_soa(t, p.soa.lname, p.soa.data + 2,
			     wire_get16(p.soa.data), p.ttl) < 0)
		return STEP_MISS;
	res_crr_free(&t->soa_sig);
	if (crr_copy(&t->soa_sig, &p.soa, p.ttl) < 0)
		return STEP_MISS;
	for (int i = 0; i < p.nrr && t->nauth < MAX_AUTH; i++)
		if (crr_copy(&t->auth[t->nauth], &p.rr[i], p.ttl) == 0)
			t->nauth++;
	t->neg_sec = RES_SEC_SECURE;
	name_copy(t->neg_name, t->sname);
	r->st.nsec_synth++;
	res_task_finish(r, t, p.rcode, now);
	return STEP_DONE;
}

/* Answer from the RRset / negative cache as far as it goes. */
static int step_cache(res_ctx *r, res_task *t, uint64_t now)
{
	res_crrset c;
	int stale = 0, nx = 0, rc;

	if (!r->cache || (t->refresh && t->nchain == 0))
		return STEP_MISS;
	if (res_cache_get_rrset(r->cache, t->sname, t->qtype, now, 0, &c,
				&stale) && cache_usable(r, &c) &&
	    !wild_unproven(r, &c)) {
		if (res_chain_add(t, t->sname, t->qtype, ttl_left(c.expire_ms, now),
				  c.data, c.len, c.count) < 0) {
			res_task_finish(r, t, DNS_R_SERVFAIL, now);
		} else {
			res_chain_sigs(t, c.sigs, c.siglen, c.sigcount);
			chain_sec(t, &c);
			res_task_finish(r, t, DNS_R_NOERROR, now);
		}
		return STEP_DONE;
	}
	if (t->qtype != DNS_T_CNAME &&
	    res_cache_get_rrset(r->cache, t->sname, DNS_T_CNAME, now, 0, &c,
				&stale) && cache_usable(r, &c) && c.count >= 1 &&
	    c.len > 3 && !wild_unproven(r, &c)) {
		if (t->nchain >= MAX_CHAIN ||
		    res_chain_add(t, t->sname, DNS_T_CNAME,
				  ttl_left(c.expire_ms, now), c.data, c.len,
				  c.count) < 0) {
			res_task_finish(r, t, DNS_R_SERVFAIL, now);
			return STEP_DONE;
		}
		res_chain_sigs(t, c.sigs, c.siglen, c.sigcount);
		chain_sec(t, &c);
		wire_name_lower(t->sname, c.data + 2);
		return chain_moved(r, t, now);
	}
	if (step_dname(r, t, now, &rc))
		return rc;
	/* the negative cache does not keep the denial's NSECs: a fetch for
	 * the validator and a DO client (its wire answer was not cached)
	 * ask upstream; with validation, only validated entries are used */
	if (!t->fetch && !t->want_do &&
	    res_cache_get_neg(r->cache, t->sname, t->qtype, now, &nx, &c) &&
	    (!r->keys || c.sec == RES_SEC_SECURE ||
	     c.sec == RES_SEC_INSECURE)) {
		if (c.data && c.count >= 1 && c.len > 2)
			res_task_set_soa(t, c.lname, c.data + 2,
					 wire_get16(c.data),
					 ttl_left(c.expire_ms, now));
		t->neg_sec = c.sec;
		name_copy(t->neg_name, t->sname);
		res_task_finish(r, t, nx ? DNS_R_NXDOMAIN : DNS_R_NOERROR, now);
		return STEP_DONE;
	}
	return step_nsec(r, t, now);
}

static const res_forward *find_forward(const res_ctx *r,
				       const uint8_t *name)
{
	const res_forward *best = NULL;
	int bl = -1;

	for (size_t i = 0; i < r->cfg.nforwards; i++) {
		const res_forward *f = &r->cfg.forwards[i];
		int l = wire_name_labels(f->domain);

		if (l > bl && wire_name_is_sub(name, f->domain)) {
			best = f;
			bl = l;
		}
	}
	return best;
}

/*
 * The forwarding rule for t's query.  A DS RRset is the parent's data
 * (RFC 4035 3.1.4.1): DS example.com goes where com goes, not to the
 * --server=/example.com/ server, which may be authoritative for the
 * child only (unbound's forward-zone and BIND's forwarders do the
 * same).  A local-only rule (no server) keeps its names, DS included.
 */
static const res_forward *forward_of(const res_ctx *r, const res_task *t)
{
	const res_forward *f = find_forward(r, t->sname);

	if (t->qtype != DNS_T_DS || !t->sname[0] || (f && !f->nservers))
		return f;
	return find_forward(r, t->sname + 1 + t->sname[0]);
}

static int usable(res_ctx *r, res_task *t, const res_addr *a)
{
	return res_addr_allowed(&r->cfg, a) && !res_tried_exhausted(t, a) &&
	       !res_task_vbad(t, a);
}

/* May a query go to a now (fairness: dead, busy, the total)? */
static int admitted(res_ctx *r, const res_addr *a, uint64_t now)
{
	if (r->ntxns >= res_lim(r->cfg.txn_max, DEF_TXN_MAX))
		return 0;
	return res_srv_admit(r->srv, a, res_lim(r->cfg.server_max,
						DEF_SERVER_MAX), now) ==
	       RES_ADMIT_OK;
}

/* The servers are dead or busy: SERVFAIL now rather than hold the
 * client (and a place) for nothing. */
static void fail_fast(res_ctx *r, res_task *t, uint64_t now)
{
	r->st.fast_failed++;
	t->ede = EDE_NO_REACHABLE_AUTH;
	res_task_finish(r, t, DNS_R_SERVFAIL, now);
}

/* Lowest score among candidates (strict: in order, least tried first).
 * *held: a usable candidate was passed over because it is dead or busy. */
static const res_addr *pick(res_ctx *r, res_task *t, const res_addr *c,
			    size_t n, int strict, uint64_t now, int *held)
{
	const res_addr *best = NULL;
	uint64_t bs = UINT64_MAX;
	uint8_t jitter[MAX_ADDRS];

	*held = 0;
	res_rnd(r, jitter, sizeof(jitter));
	for (size_t i = 0; i < n; i++) {
		uint64_t s;

		if (!usable(r, t, &c[i]))
			continue;
		if (!admitted(r, &c[i], now)) {
			*held = 1;
			continue;
		}
		if (strict)      /* in order, the least tried first */
			s = (uint64_t)res_tried_count(t, &c[i]) << 32 | i;
		else             /* equal scores in random order */
			s = (uint64_t)res_srv_score(r->srv, &c[i], now) << 8 |
			    jitter[i % MAX_ADDRS];
		if (s < bs) {
			bs = s;
			best = &c[i];
		}
	}
	return best;
}

/*
 * Every server but those whose data was bogus has been asked again
 * (chain.c val_retry): ask one of those once more so that the answer is
 * the bogus data, validated as such (a CD client gets it, the others
 * the reason), without further retries.  1: forgotten, pick again.
 */
static int vbad_forget(res_task *t)
{
	if (!t->nvbad)
		return 0;
	t->nvbad = 0;
	t->vretries = MAX_VRETRY;
	return 1;
}

static void send_forward(res_ctx *r, res_task *t, const res_forward *f,
			 uint64_t now)
{
	send_spec s = { .qname = t->sname, .qtype = t->qtype,
			.zone = (const uint8_t *)"", .rd = 1, .fwd = 1,
			.transport = f->transport,
			.tls_name = f->tls_name[0] ? f->tls_name : NULL };
	const res_addr *a;
	int sent = 0, held;

	if (r->cfg.all_servers && t->ntried == 0) {
		for (size_t i = 0; i < f->nservers; i++)
			if (usable(r, t, &f->servers[i]) &&
			    admitted(r, &f->servers[i], now) &&
			    res_txn_send(r, t, &f->servers[i], &s, now) == 0)
				sent++;
		if (sent)
			return;
	}
	a = pick(r, t, f->servers, f->nservers, r->cfg.strict_order, now,
		 &held);
	if (!a && vbad_forget(t)) {
		send_forward(r, t, f, now);
		return;
	}
	if (!a && held) {
		fail_fast(r, t, now);
		return;
	}
	if (!a)
		t->ede = EDE_NO_REACHABLE_AUTH;
	if (!a || res_txn_send(r, t, a, &s, now) < 0)
		res_task_finish(r, t, DNS_R_SERVFAIL, now);
}

static int ns_failed(const res_task *t, const uint8_t *name)
{
	for (int i = 0; i < t->nfailed; i++)
		if (wire_name_equal(t->failed_ns[i], name))
			return 1;
	return 0;
}

static void addrs_of(res_ctx *r, const uint8_t *name, uint16_t type,
		     res_addr *out, size_t *n, size_t max, uint64_t now)
{
	res_crrset c;
	int stale;
	size_t p = 0, alen = type == DNS_T_A ? 4 : 16;

	if (!res_cache_get_rrset(r->cache, name, type, now, 0, &c, &stale))
		return;
	for (uint16_t k = 0; k < c.count && p + 2 <= c.len; k++) {
		uint16_t rl = wire_get16(c.data + p);

		if (rl == alen && *n < max) {
			res_addr *a = &out[(*n)++];

			memset(a, 0, sizeof(*a));
			a->af = type == DNS_T_A ? 4 : 6;
			a->port = 53;
			memcpy(a->addr, c.data + p + 2, alen);
		}
		p += 2 + (size_t)rl;
	}
}

/* Addresses of the NS targets in c (every known one, usable or not). */
static size_t ns_addrs(res_ctx *r, const res_crrset *c, res_addr *out,
		       uint64_t now, size_t max)
{
	size_t n = 0, p = 0;

	for (uint16_t k = 0; k < c->count && p + 2 <= c->len; k++) {
		uint16_t rl = wire_get16(c->data + p);
		uint8_t target[WIRE_MAXNAME];

		if (p + 2 + rl > c->len || rl == 0)
			break;
		wire_name_lower(target, c->data + p + 2);
		if (!r->cfg.ipv6_only)
			addrs_of(r, target, DNS_T_A, out, &n, max, now);
		if (!r->cfg.ipv4_only)
			addrs_of(r, target, DNS_T_AAAA, out, &n, max, now);
		p += 2 + (size_t)rl;
	}
	return n;
}

static int any_usable(res_ctx *r, res_task *t, const res_addr *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (usable(r, t, &a[i]))
			return 1;
	return 0;
}

/* 1 if some address of target is cached. */
static int has_addrs(res_ctx *r, const uint8_t *target, uint64_t now)
{
	res_addr a[MAX_ADDRS];
	size_t n = 0;

	addrs_of(r, target, DNS_T_A, a, &n, MAX_ADDRS, now);
	addrs_of(r, target, DNS_T_AAAA, a, &n, MAX_ADDRS, now);
	return n > 0;
}

/* Start a sub-task for the address of an NS target outside the cut whose
 * address is unknown and that this task has not asked for yet.
 * 1 started, 0 nothing to start. */
static int spawn_glueless(res_ctx *r, res_task *t, const res_crrset *c,
			  const uint8_t *cut, uint64_t now)
{
	size_t p = 0;

	if (t->depth >= MAX_DEPTH)
		return 0;
	for (uint16_t k = 0; k < c->count && p + 2 <= c->len; k++) {
		uint16_t rl = wire_get16(c->data + p);
		uint8_t target[WIRE_MAXNAME];
		res_task *ch;

		if (p + 2 + rl > c->len || rl == 0)
			break;
		p += 2 + (size_t)rl;
		wire_name_lower(target, c->data + p - rl);
		if (wire_name_is_sub(target, cut) || ns_failed(t, target) ||
		    has_addrs(r, target, now) || t->nfailed >= MAX_FAILED_NS)
			continue;
		ch = res_task_new(r, target, r->cfg.ipv6_only ? DNS_T_AAAA :
				  DNS_T_A, DNS_C_IN, t);
		if (!ch)
			return 0;
		/* asked once per task, whatever the outcome */
		name_copy(t->failed_ns[t->nfailed++], target);
		t->child = ch;
		res_task_wake(r, ch);
		return 1;
	}
	return 0;
}

/*
 * Parent-side fallback: the servers the cache names for cut (the child's
 * own NS set outranks the parent's delegation, RFC 2181 5.4.1) are all
 * tried, dead or without addresses.  Ask the parent for the delegation
 * again (find_cut passes over cut meanwhile) and use the NS and glue of
 * its referral (res_take_pside), as unbound and BIND fall back to the
 * parent-side addresses.  Once per task.  1: started.
 */
static int pside_start(res_task *t, const uint8_t *cut)
{
	if (t->pside || cut[0] == 0)
		return 0;
	t->pside = 1;
	name_copy(t->pcut, cut);
	return 1;
}

/* The parent-side servers of t->pcut: its glue, then the cached
 * addresses of the NS targets of its NS RRset. */
static size_t pside_addrs(res_ctx *r, const res_task *t, res_addr *out,
			  uint64_t now)
{
	res_crrset c;
	size_t n = t->npaddr;

	memcpy(out, t->paddr, n * sizeof(*out));
	memset(&c, 0, sizeof(c));
	c.data = t->pns;
	c.len = t->pnslen;
	c.count = t->pnscount;
	return n + ns_addrs(r, &c, out + n, now, MAX_ADDRS - n);
}

/* The closest zone cut with servers: 0 found (cut, addrs), 1 waiting
 * for a sub-task, -1 no way forward.  *child: the servers are the ones
 * the zone's own NS RRset names (not the parent's delegation). */
static int find_cut(res_ctx *r, res_task *t, uint8_t *cut, res_addr *addrs,
		    size_t *n, int *child, uint64_t now)
{
	const uint8_t *name = t->sname;
	res_crrset c;
	int stale;

	*child = 0;
	if (t->qtype == DNS_T_DS && name[0])
		name = name_parent(name);    /* DS lives in the parent */
	for (;;) {
		int at_p = t->pside && wire_name_equal(name, t->pcut);

		if (at_p && t->pside == 2) {
			*n = pside_addrs(r, t, addrs, now);
			if (any_usable(r, t, addrs, *n)) {
				name_copy(cut, name);
				return 0;
			}
		}
		if (!(at_p && t->pside == 1) && r->cache &&
		    res_cache_get_rrset(r->cache, name, DNS_T_NS, now, 0, &c,
					&stale)) {
			uint8_t owner[WIRE_MAXNAME];

			name_copy(owner, name);
			*n = ns_addrs(r, &c, addrs, now, MAX_ADDRS);
			*child = c.trust >= RES_TRUST_AUTHORITY;
			if (any_usable(r, t, addrs, *n)) {
				name_copy(cut, owner);
				return 0;
			}
			if (spawn_glueless(r, t, &c, owner, now))
				return 1;
			if (!pside_start(t, owner)) {
				/* all tried, or no address to be had even
				 * from the parent: fail here rather than ask
				 * the parent for the same referral again */
				name_copy(cut, owner);
				return 0;
			}
			/* else ask the parent: go on up */
		}
		if (name[0] == 0)
			break;
		name = name_parent(name);
	}
	{
		size_t nh;
		const res_hint *h = res_srv_hints(r->srv, &nh);

		*n = 0;
		for (size_t i = 0; i < nh && *n < MAX_ADDRS; i++)
			addrs[(*n)++] = h[i].addr;
		cut[0] = 0;
	}
	return 0;
}

/* RFC 9156: the name and type to ask the servers of cut. */
static int qmin_name(res_ctx *r, res_task *t, const uint8_t *cut,
		     const uint8_t **qn, uint16_t *qt)
{
	int sl = wire_name_labels(t->sname), cl = wire_name_labels(cut);

	*qn = t->sname;
	*qt = t->qtype;
	if (!r->cfg.qname_min || t->qmin_off || t->qtype == DNS_T_DS)
		return 0;
	if (!t->min_set || !wire_name_equal(t->min_cut, cut)) {
		name_copy(t->min_cut, cut);
		t->min_set = 1;
		t->min_n = cl + 1;
		t->min_steps = 0;
	}
	if (t->min_n >= sl || t->min_steps >= MAX_MINIMISE - 1)
		return 0;
	*qn = name_suffix(t->sname, t->min_n);
	*qt = DNS_T_A;
	return 1;
}

static void iterate(res_ctx *r, res_task *t, uint64_t now)
{
	uint8_t cut[WIRE_MAXNAME];
	res_addr addrs[MAX_ADDRS];
	const res_addr *a;
	size_t n = 0;
	send_spec s;
	int held = 0, child, rc = find_cut(r, t, cut, addrs, &n, &child, now);

	if (rc == 1)
		return;
	if (rc == 0 && res_ctab_get(r->zload, cut, wire_name_len(cut)) >=
	    res_lim(r->cfg.zone_max, DEF_ZONE_MAX)) {
		fail_fast(r, t, now);     /* the zone has its share */
		return;
	}
	a = rc == 0 ? pick(r, t, addrs, n, 0, now, &held) : NULL;
	/* all tried, or dead or busy: the parent's delegation once, unless
	 * these servers are the parent's already and merely dead or busy
	 * (a flood under a dead zone must not go to its parent instead) */
	if (!a && rc == 0 && (!held || child) && pside_start(t, cut)) {
		iterate(r, t, now);
		return;
	}
	if (!a && vbad_forget(t)) {
		iterate(r, t, now);
		return;
	}
	if (!a && held) {
		fail_fast(r, t, now);
		return;
	}
	if (!a) {
		t->ede = EDE_NO_REACHABLE_AUTH;
		res_task_finish(r, t, DNS_R_SERVFAIL, now);
		return;
	}
	memset(&s, 0, sizeof(s));
	s.zone = cut;
	s.minimised = (uint8_t)qmin_name(r, t, cut, &s.qname, &s.qtype);
	s.transport = RES_T_UDP;
	if (res_txn_send(r, t, a, &s, now) < 0)
		res_task_finish(r, t, DNS_R_SERVFAIL, now);
}

/*
 * A chain that leads into local data (a zone, hosts, --address) ends
 * there, as a client's own query for that name would: local data always
 * wins over the resolver.  Local data is not validated (insecure) and
 * not cached by the resolver.
 */
static int step_local(res_ctx *r, res_task *t, uint64_t now)
{
	static const uint8_t root[1] = { 0 };
	uint8_t q[WIRE_HDRLEN + WIRE_MAXNAME + 4], name[WIRE_MAXNAME];
	size_t nl = wire_name_len(t->sname), len = 0;
	const res_msg *m = r->msg;
	int first = t->nchain, rcode, ch;

	if (!r->cfg.local || t->nchain == 0 || !t->client ||
	    wire_name_equal(t->local_seen, t->sname))
		return STEP_MISS;
	name_copy(t->local_seen, t->sname);
	if (!r->localbuf && !(r->localbuf = malloc(65536)))
		return STEP_MISS;
	memset(q, 0, WIRE_HDRLEN);
	wire_put16(q + 2, DNS_F_RD);
	wire_put16(q + 4, 1);
	memcpy(q + WIRE_HDRLEN, t->sname, nl);
	wire_put16(q + WIRE_HDRLEN + nl, t->qtype);
	wire_put16(q + WIRE_HDRLEN + nl + 2, DNS_C_IN);
	if (!r->cfg.local(r->cfg.local_arg, q, WIRE_HDRLEN + nl + 4,
			  r->localbuf, 65535, &len) ||
	    res_msg_parse(r->msg, r->localbuf, len) < 0)
		return STEP_MISS;
	rcode = m->flags & 0xf;
	if (rcode != DNS_R_NOERROR && rcode != DNS_R_NXDOMAIN)
		return STEP_MISS;
	name_copy(name, t->sname);
	ch = res_follow_answer(r, t, m, name, t->qtype, 1);
	for (int i = first; i < t->nchain; i++)
		t->chain[i].vsec = RES_SEC_INSECURE;
	if (ch == CH_FAIL) {
		res_task_finish(r, t, DNS_R_SERVFAIL, now);
		return STEP_DONE;
	}
	if (ch == CH_YXDOMAIN) {
		res_task_finish(r, t, DNS_R_YXDOMAIN, now);
		return STEP_DONE;
	}
	if (ch == CH_LOOP) {
		t->loop = 1;
		res_task_finish(r, t, DNS_R_SERVFAIL, now);
		return STEP_DONE;
	}
	if (ch == CH_MOVED) {          /* the chain leaves the local data */
		name_copy(t->sname, name);
		return STEP_AGAIN;
	}
	if (ch == CH_NONE) {            /* NXDOMAIN or NODATA, locally */
		res_take_soa(r, t, m, root);
		name_copy(t->neg_name, t->sname);
		t->neg_sec = RES_SEC_INSECURE;
	}
	res_task_finish(r, t, ch == CH_NONE ? rcode : DNS_R_NOERROR, now);
	return STEP_DONE;
}

void res_task_step(res_ctx *r, res_task *t, uint64_t now)
{
	const res_forward *f;

	if (t->vphase) {
		res_validate_step(r, t, now);
		return;
	}
	for (int g = 0; g <= MAX_CHAIN; g++) {
		int rc = step_local(r, t, now);

		if (rc == STEP_DONE)
			return;
		rc = step_cache(r, t, now);

		if (rc == STEP_DONE)
			return;
		if (rc == STEP_MISS)
			break;
	}
	if (t->nchain > MAX_CHAIN || t->root->work >= MAX_WORK ||
	    now - t->root->start_ms > TASK_DEADLINE) {
		if (t->nchain <= MAX_CHAIN && t->ede == NO_EDE)
			t->ede = EDE_NO_REACHABLE_AUTH;   /* out of work */
		res_task_finish(r, t, DNS_R_SERVFAIL, now);
		return;
	}
	f = forward_of(r, t);
	if (f && f->nservers == 0) {
		res_task_finish(r, t, DNS_R_NXDOMAIN, now);
		return;
	}
	if (f)
		send_forward(r, t, f, now);
	else
		iterate(r, t, now);
}
