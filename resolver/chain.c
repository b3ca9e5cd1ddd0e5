/*
 * DNSSEC: the chain of trust (RFC 4035 5) over the task machinery.
 * The signature and denial maths are validate.c's; the trust anchors and
 * the table of zone results are trust.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resolver/res_int.h"
#include "resolver/val_int.h"

/*
 * A client task whose answer is complete enters the validation phase
 * (res_task_finish sets vphase).  res_validate_step runs from the start each
 * time the task is woken: results are memoized in the chain entries
 * (vsec) and in the key table, so each pass gets further, and a pass
 * that needs a DS or DNSKEY RRset it does not have starts one fetch
 * sub-task and returns; the fetch's result comes back in t->fx.
 *
 * The walk establishes, top-down from the closest trust anchor, what
 * each name between the anchor and a target is: a secure zone (DS
 * validated with the parent's keys, DNSKEY validated with the DS), an
 * insecure delegation (no DS, proven by NSEC/NSEC3), not a zone cut at
 * all (proven), or bogus.  Signed data is checked with the keys of its
 * signer; unsigned data is fine only below an insecure delegation.
 */

enum { W_DONE = 0, W_WAIT = 1, KS_DSOK = 9 };

typedef struct fview {
	int rcode;
	const uint8_t *data, *sigs;
	uint32_t len, siglen, ttl;
	uint16_t count, sigcount;
	const chain_rr *auth;
	int nauth;
	const res_addr *from;         /* who sent it (trace), or NULL */
	const chain_rr *soa;       /* of a negative answer */
} fview;

typedef struct walk_out {
	uint8_t state;                /* RES_KS_SECURE/INSECURE/BOGUS */
	uint8_t zone[WIRE_MAXNAME];   /* the deepest secure zone */
	const res_kent *e;
} walk_out;

static void set_bogus(res_task *t, uint16_t ede, const char *why)
{
	if (t->vede != NO_EDE && t->vwhy[0])
		return;            /* the first reason found is the one told */
	t->vede = ede;
	snprintf(t->vwhy, sizeof(t->vwhy), "%.127s", why);
}

/* The data itself is bogus (not the chain of trust above it): entry idx
 * of the chain, -1 the denial.  The first one found is asked again. */
static void data_bogus(res_task *t, int idx)
{
	if (t->vbad_set)
		return;
	t->vbad_set = 1;
	t->vbad_idx = idx;
}

static uint32_t kt_ttl(uint32_t ttl)
{
	return ttl < 5 ? 5 : ttl > 86400 ? 86400 : ttl;
}

/* The DS or DNSKEY RRset of name: from the cache (signed), from the
 * last fetch, or a new fetch (W_WAIT). */
static int fetch(res_ctx *r, res_task *t, const uint8_t *name,
		 uint16_t type, uint64_t now, fview *v)
{
	res_crrset c;
	int stale = 0;
	res_task *ch;

	memset(v, 0, sizeof(*v));
	if (r->cache && res_cache_get_rrset(r->cache, name, type, now, 0, &c,
					    &stale) && c.sigcount &&
	    c.sec != RES_SEC_BOGUS) {
		v->data = c.data;
		v->len = c.len;
		v->count = c.count;
		v->sigs = c.sigs;
		v->siglen = c.siglen;
		v->sigcount = c.sigcount;
		v->ttl = ttl_left(c.expire_ms, now);
		if (t->fx.have && t->fx.type == type &&
		    wire_name_equal(t->fx.name, name))
			v->from = t->fx.has_src ? &t->fx.src : NULL;
		return W_DONE;
	}
	if (t->fx.have && t->fx.type == type &&
	    wire_name_equal(t->fx.name, name)) {
		const chain_rr *rr = &t->fx.rr;

		v->rcode = t->fx.rcode;
		if (rr->data) {
			v->data = rr->data;
			v->len = rr->len;
			v->count = rr->count;
			v->sigs = rr->sigs;
			v->siglen = rr->siglen;
			v->sigcount = rr->sigcount;
			v->ttl = rr->ttl;
		} else {
			v->ttl = t->fx.ttl;
		}
		v->auth = t->fx.auth;
		v->nauth = t->fx.nauth;
		v->from = t->fx.has_src ? &t->fx.src : NULL;
		v->soa = &t->fx.soa;
		return W_DONE;
	}
	if (t->nfetch >= MAX_FETCH || t->depth >= MAX_DEPTH) {
		v->rcode = DNS_R_SERVFAIL;
		return W_DONE;
	}
	ch = res_task_new(r, name, type, DNS_C_IN, t);
	if (!ch) {
		v->rcode = DNS_R_SERVFAIL;
		return W_DONE;
	}
	ch->fetch = 1;
	ch->start_ms = now;
	/* servers whose DS or DNSKEY did not verify (key_retry) */
	memcpy(ch->vbad, t->vbad, sizeof(t->vbad));
	ch->nvbad = t->nvbad;
	t->child = ch;
	t->nfetch++;
	res_task_wake(r, ch);
	return W_WAIT;
}

/* Length of the uncompressed name at p that ends within max bytes (and
 * within WIRE_MAXNAME), else 0: RRSIG data comes from the network. */
static size_t name_len_within(const uint8_t *p, size_t max)
{
	size_t n = 0;

	while (n < max && p[n]) {
		if (p[n] > 63)
			return 0;
		n += (size_t)p[n] + 1;
	}
	return n < max && n < WIRE_MAXNAME ? n + 1 : 0;
}

/* The signer name of the first RRSIG whose signer encloses owner. */
static int sig_signer(const uint8_t *owner, const uint8_t *sigs,
		      uint32_t siglen, uint16_t n, uint8_t *signer)
{
	size_t p = 0;

	for (uint16_t k = 0; k < n && p + 2 <= siglen; k++) {
		uint16_t rl = wire_get16(sigs + p);
		const uint8_t *rd = sigs + p + 2;
		size_t nl;

		if (p + 2 + rl > siglen)
			break;
		p += 2 + (size_t)rl;
		if (rl < 19)
			continue;
		nl = name_len_within(rd + 18, (size_t)rl - 18);
		if (nl == 0)
			continue;
		wire_name_lower(signer, rd + 18);
		if (wire_name_is_sub(owner, signer))
			return 1;
	}
	return 0;
}

/* RFC 4035 5.3.3: a validated RRset lives no longer than its RRSIGs'
 * original TTL and expiration allow. */
static void sig_ttl_cap(const res_ctx *r, res_task *t, chain_rr *c,
			uint64_t now)
{
	uint32_t cap = c->ttl;
	size_t p = 0;

	for (uint16_t k = 0; k < c->sigcount && p + 2 <= c->siglen; k++) {
		uint16_t rl = wire_get16(c->sigs + p);
		const uint8_t *rd = c->sigs + p + 2;

		p += 2 + (size_t)rl;
		if (rl < 18 || p > c->siglen)
			break;
		if (wire_get32(rd + 4) < cap)
			cap = wire_get32(rd + 4);
		if (!r->cfg.no_timecheck) {
			uint32_t exp = wire_get32(rd + 8), nw = (uint32_t)(now / 1000);
			uint32_t left = (uint32_t)(exp - nw);   /* RFC 1982 */

			if (left < 0x80000000u && left < cap)
				cap = left;
		}
	}
	c->ttl = cap;
	if (cap < t->min_ttl)
		t->min_ttl = cap;
}

/* "<owner> <what>: <why>" as the reason of a failed check. */
static res_val_result why_of(res_val_result vr, const uint8_t *owner,
			     const char *what)
{
	char os[WIRE_MAXNAME * 4], why[sizeof(vr.why)];

	wire_name_to_str(owner, os, sizeof(os));
	snprintf(why, sizeof(why), "%.60s %s: %.60s", os, what, vr.why);
	memcpy(vr.why, why, sizeof(vr.why));
	return vr;
}

/* An RRset a proof relies on (an SOA, an NSEC/NSEC3 RRset of zone zn)
 * checked with the zone's keys: SECURE, or BOGUS with the reason. */
static res_val_result proof_rrset(const res_ctx *r, const chain_rr *a,
				  const uint8_t *zn, const res_kent *e,
				  uint64_t now)
{
	const char *what = a->type == DNS_T_SOA ? "SOA" :
			   a->type == DNS_T_NSEC ? "NSEC" : "NSEC3";

	if (a->vsec == RES_SEC_SECURE)
		return val_result(RES_SEC_SECURE, 0, "verified");
	if (!a->sigcount)
		return why_of(val_result(RES_SEC_BOGUS, EDE_RRSIGS_MISSING,
					 "no RRSIG in a signed zone"),
			      a->owner, what);
	return why_of(res_val_rrset(a->owner, a->type, a->data, a->len,
				    a->count, a->sigs, a->siglen,
				    a->sigcount, zn, e->keys, e->klen,
				    e->kcount, now / 1000,
				    r->cfg.no_timecheck, NULL),
		      a->owner, what);
}

/* A wildcard expansion c is only secure with its NSEC/NSEC3 proof: it
 * lives no longer than the proof does (RFC 4035 5.3.4, RFC 8198 5.4 in
 * spirit), so that a cached answer is never served with AD without it. */
static void proof_ttl_cap(const res_ctx *r, res_task *t, chain_rr *c,
			  uint64_t now)
{
	for (int i = 0; i < t->nauth; i++) {
		chain_rr *a = &t->auth[i];

		sig_ttl_cap(r, t, a, now);
		if (a->ttl < c->ttl)
			c->ttl = a->ttl;
	}
	if (c->ttl < t->min_ttl)
		t->min_ttl = c->ttl;
}

/* NSEC/NSEC3 RRsets of auth that validate with the keys of zone zn, as a
 * list of single records.  Returns the count (out has max slots).  Every
 * one of them must verify (RFC 4035 5: an answer is no better than the
 * RRsets it carries): an RRset of zn whose signature fails, or one in
 * zn without any RRSIG, puts the first such failure in *bad (else
 * bad->sec is SECURE).  RRsets signed by another zone are left out. */
static size_t auth_nsecs(const res_ctx *r, const chain_rr *auth, int nauth,
			 const uint8_t *zn, const res_kent *e,
			 uint64_t now, res_nsec_set *out, size_t max,
			 res_val_result *bad)
{
	size_t n = 0;

	*bad = val_result(RES_SEC_SECURE, 0, "");
	for (int i = 0; i < nauth; i++) {
		const chain_rr *a = &auth[i];
		res_val_result vr;
		uint8_t signer[WIRE_MAXNAME];
		size_t p = 0;

		if (a->sigcount ? !sig_signer(a->owner, a->sigs, a->siglen,
					      a->sigcount, signer) ||
				  !wire_name_equal(signer, zn) :
		    !wire_name_is_sub(a->owner, zn))
			continue;
		vr = proof_rrset(r, a, zn, e, now);
		if (vr.sec != RES_SEC_SECURE) {
			if (bad->sec == RES_SEC_SECURE)
				*bad = vr;
			continue;
		}
		for (uint16_t k = 0; k < a->count && p + 2 <= a->len &&
		     n < max; k++) {
			uint16_t rl = wire_get16(a->data + p);

			if (p + 2 + rl > a->len)
				break;
			out[n].lname = a->owner;
			out[n].type = a->type;
			out[n].rdata = a->data + p + 2;
			out[n].rdlen = rl;
			n++;
			p += 2 + (size_t)rl;
		}
	}
	return n;
}

/* RFC 8198: a validated denial goes into the aggressive NSEC cache
 * (before any kt_put: e points into the key table). */
static void nsec_keep(res_ctx *r, const uint8_t *zn, const res_kent *e,
		      const chain_rr *auth, int nauth, const res_nsec_set *ns,
		      size_t n, const chain_rr *soa, uint32_t neg_ttl,
		      uint64_t now)
{
	res_nsec_in in = {
		.zone = zn, .keys = e->keys, .klen = e->klen,
		.kcount = e->kcount, .auth = auth, .nauth = nauth, .ok = ns,
		.nok = n, .soa = soa, .neg_ttl = neg_ttl,
		.no_timecheck = r->cfg.no_timecheck,
	};

	if (r->nsec && r->cache && n)
		res_nsec_store(r->nsec, r->cache, &in, now);
}

/*
 * The DS or DNSKEY answer just fetched for name does not verify (or its
 * denial does not prove): like val_retry for data, fetch it again from
 * the zone's other servers before the key table calls the zone bogus for
 * a minute.  1: a new fetch is under way.
 */
static int key_retry(res_ctx *r, res_task *t, const uint8_t *name,
		     uint16_t type, uint64_t now)
{
	fview v;

	if (!t->fx.have || t->fx.type != type || !t->fx.has_src ||
	    !wire_name_equal(t->fx.name, name) ||
	    t->vretries >= MAX_VRETRY || t->nvbad >= MAX_VRETRY ||
	    t->root->work >= MAX_WORK)
		return 0;
	t->vbad[t->nvbad++] = t->fx.src;
	t->vretries++;
	if (r->cache)
		res_cache_set_sec(r->cache, name, type,
				  t->fx.rr.data ? 0 : 1, RES_SEC_BOGUS,
				  t->fx.rr.data, t->fx.rr.len);
	res_fx_clear(&t->fx);
	return fetch(r, t, name, type, now, &v) == W_WAIT;
}

static void kt_put(res_ctx *r, const uint8_t *name, uint8_t state,
		   uint16_t ede, const char *why, const fview *v,
		   uint32_t ttl, uint64_t now)
{
	res_keys_put(r->keys, name, state, ede, why, v ? v->data : NULL,
		     v ? v->len : 0, v ? v->count : 0, kt_ttl(ttl), now);
}

/* The DNSKEY RRset of zone, checked against its DS set (ds, from an
 * anchor or a validated DS RRset).  Result into the key table. */
static int zone_keys(res_ctx *r, res_task *t, const uint8_t *zn,
		     const uint8_t *ds, uint32_t dslen, uint16_t dscount,
		     uint64_t now)
{
	char why[256], zs[WIRE_MAXNAME * 4];
	res_val_result vr;
	fview v;

	if (res_val_ds_any_usable(ds, dslen, dscount) == 0) {
		/* RFC 4035 5.2: no DS we can use, no DNSKEY needed */
		wire_name_to_str(zn, zs, sizeof(zs));
		snprintf(why, sizeof(why), "%.100s is insecure: no DS (or "
			 "trust anchor) with a supported algorithm and "
			 "digest", zs);
		res_ev_unsupported(r, zn, ds, dslen, dscount, why);
		kt_put(r, zn, RES_KS_INSECURE, 0, why, NULL, 3600, now);
		if (res_tracing(r))
			res_ev_val(r, NULL, zn, DNS_T_DS, RES_SEC_INSECURE, 0,
				   why);
		return W_DONE;
	}
	if (fetch(r, t, zn, DNS_T_DNSKEY, now, &v) == W_WAIT)
		return W_WAIT;
	wire_name_to_str(zn, zs, sizeof(zs));
	if (!v.data) {
		snprintf(why, sizeof(why), "no DNSKEY for %.100s", zs);
		kt_put(r, zn, RES_KS_BOGUS, EDE_DNSKEY_MISSING, why, NULL,
		       v.rcode == DNS_R_NOERROR ? v.ttl : 5, now);
		if (res_tracing(r))
			res_ev_val(r, v.from, zn, DNS_T_DNSKEY, RES_SEC_BOGUS,
				   EDE_DNSKEY_MISSING, why);
		return W_DONE;
	}
	vr = res_val_dnskey(zn, v.data, v.len, v.count, v.sigs, v.siglen,
			    v.sigcount, ds, dslen, dscount, now / 1000,
			    r->cfg.no_timecheck);
	snprintf(why, sizeof(why), "DNSKEY %.100s: %.100s", zs, vr.why);
	if (res_tracing(r))
		res_ev_val(r, v.from, zn, DNS_T_DNSKEY, (uint8_t)vr.sec,
			   vr.ede, why);
	if (vr.sec == RES_SEC_SECURE) {
		kt_put(r, zn, RES_KS_SECURE, 0, why, &v, v.ttl, now);
		/* RFC 5011: a trust point's keys, seen validated */
		res_5011_observe(r, zn, v.data, v.len, v.count, v.sigs,
				 v.siglen, v.sigcount, v.ttl, now);
	} else if (vr.sec == RES_SEC_INSECURE)
		kt_put(r, zn, RES_KS_INSECURE, 0, why, NULL, v.ttl, now);
	else if (key_retry(r, t, zn, DNS_T_DNSKEY, now))
		return W_WAIT;
	else
		kt_put(r, zn, RES_KS_BOGUS, vr.ede, why, NULL, 60, now);
	return W_DONE;
}

/* Trace what a DS denial proves (the same checks as ds_step's). */
static void ds_trace(res_ctx *r, const fview *v, const uint8_t *d,
		     const uint8_t *z, const res_kent *ze,
		     const res_nsec_set *ns, size_t n)
{
	res_val_result vr;

	(void)ze;
	if (v->rcode == DNS_R_NXDOMAIN) {
		vr = res_val_denial(1, d, DNS_T_DS, z, ns, n);
		res_ev_val(r, v->from, d, DNS_T_DS, (uint8_t)vr.sec, vr.ede,
			   vr.sec == RES_SEC_SECURE ? "no such name: not a "
			   "zone cut" : vr.why);
		return;
	}
	vr = res_val_denial(3, d, DNS_T_DS, z, ns, n);
	if (vr.sec == RES_SEC_SECURE || vr.sec == RES_SEC_INSECURE) {
		res_ev_val(r, v->from, d, DNS_T_DS, RES_SEC_INSECURE, 0,
			   "no DS proven: an insecure delegation");
		return;
	}
	if (res_val_denial(2, d, DNS_T_DS, z, ns, n).sec == RES_SEC_SECURE)
		res_ev_val(r, v->from, d, DNS_T_DS, RES_SEC_SECURE, 0,
			   "no DS proven: not a zone cut");
	else
		res_ev_val(r, v->from, d, DNS_T_DS, RES_SEC_BOGUS, vr.ede,
			   vr.why);
}

/* What name d is, seen from the secure zone z (keys ze) above it. */
static int ds_step(res_ctx *r, res_task *t, const uint8_t *d,
		   const uint8_t *z, const res_kent *ze, uint64_t now)
{
	char why[256], ds[WIRE_MAXNAME * 4];
	res_nsec_set ns[64];
	res_val_result vr;
	size_t n;
	fview v;
	const res_kent *de = res_keys_get(r->keys, d, now);

	if (de && de->state == KS_DSOK) {
		/* DS already validated: only the DNSKEY is missing */
		uint8_t *dsdata = malloc(de->klen ? de->klen : 1);
		uint32_t dl = de->klen;
		uint16_t dc = de->kcount;
		int rc;

		if (!dsdata)
			return W_DONE;
		memcpy(dsdata, de->keys, dl);
		rc = zone_keys(r, t, d, dsdata, dl, dc, now);
		free(dsdata);
		return rc;
	}
	if (fetch(r, t, d, DNS_T_DS, now, &v) == W_WAIT)
		return W_WAIT;
	wire_name_to_str(d, ds, sizeof(ds));
	if (v.data) {
		vr = res_val_rrset(d, DNS_T_DS, v.data, v.len, v.count, v.sigs,
				   v.siglen, v.sigcount, z, ze->keys, ze->klen,
				   ze->kcount, now / 1000, r->cfg.no_timecheck,
				   NULL);
		if (vr.sec != RES_SEC_SECURE) {
			if (key_retry(r, t, d, DNS_T_DS, now))
				return W_WAIT;
			snprintf(why, sizeof(why), "DS %.100s: %.100s", ds, vr.why);
			kt_put(r, d, RES_KS_BOGUS, vr.ede, why, NULL, 60, now);
			if (res_tracing(r))
				res_ev_val(r, v.from, d, DNS_T_DS,
					   RES_SEC_BOGUS, vr.ede, why);
			return W_DONE;
		}
		if (res_tracing(r))
			res_ev_val(r, v.from, d, DNS_T_DS, RES_SEC_SECURE, 0,
				   "DS verified");
		kt_put(r, d, KS_DSOK, 0, "", &v, v.ttl < 60 ? v.ttl : 60,
		       now);
		return ds_step(r, t, d, z, ze, now);
	}
	if (v.rcode != DNS_R_NOERROR && v.rcode != DNS_R_NXDOMAIN) {
		snprintf(why, sizeof(why), "no answer to the DS query for %.100s",
			 ds);
		kt_put(r, d, RES_KS_BOGUS, EDE_DNSSEC_INDETERMINATE, why,
		       NULL, 5, now);
		if (res_tracing(r))
			res_ev_val(r, v.from, d, DNS_T_DS,
				   RES_SEC_INDETERMINATE,
				   EDE_DNSSEC_INDETERMINATE, why);
		return W_DONE;
	}
	/* the NSECs must all verify; the SOA, no part of the proof here,
	 * is left alone (as unbound does; a client's DS query checks it) */
	n = auth_nsecs(r, v.auth, v.nauth, z, ze, now, ns, 64, &vr);
	if (res_tracing(r))
		ds_trace(r, &v, d, z, ze, ns, n);
	if (vr.sec != RES_SEC_SECURE)
		goto bogus;
	if (v.rcode == DNS_R_NXDOMAIN) {
		vr = res_val_denial(1, d, DNS_T_DS, z, ns, n);
		if (vr.sec == RES_SEC_SECURE) {
			nsec_keep(r, z, ze, v.auth, v.nauth, ns, n, v.soa,
				  v.ttl, now);
			kt_put(r, d, RES_KS_NOCUT, 0, "", NULL, v.ttl, now);
		} else if (vr.sec == RES_SEC_INSECURE) {
			kt_put(r, d, RES_KS_INSECURE, 0, vr.why, NULL, v.ttl,
			       now);
		} else {
			goto bogus;
		}
		return W_DONE;
	}
	vr = res_val_denial(3, d, DNS_T_DS, z, ns, n);
	if (vr.sec == RES_SEC_SECURE || vr.sec == RES_SEC_INSECURE) {
		if (vr.sec == RES_SEC_SECURE)
			nsec_keep(r, z, ze, v.auth, v.nauth, ns, n, v.soa,
				  v.ttl, now);
		kt_put(r, d, RES_KS_INSECURE, 0, vr.why, NULL, v.ttl, now);
		return W_DONE;
	}
	if (res_val_denial(2, d, DNS_T_DS, z, ns, n).sec == RES_SEC_SECURE) {
		nsec_keep(r, z, ze, v.auth, v.nauth, ns, n, v.soa, v.ttl, now);
		kt_put(r, d, RES_KS_NOCUT, 0, "", NULL, v.ttl, now);
		return W_DONE;
	}
bogus:
	if (key_retry(r, t, d, DNS_T_DS, now))
		return W_WAIT;
	snprintf(why, sizeof(why), "DS %.100s: %.100s", ds, vr.why);
	kt_put(r, d, RES_KS_BOGUS, vr.ede, why, NULL, 60, now);
	return W_DONE;
}

/* The status of the zone that holds target (see the comment above). */
static int walk(res_ctx *r, res_task *t, const uint8_t *target,
		uint64_t now, walk_out *o)
{
	const uint8_t *ds, *anchor;
	uint32_t dslen;
	uint16_t dscount;
	const res_kent *e;
	int tl = wire_name_labels(target);

	memset(o, 0, sizeof(*o));
	res_5011_apply(r);
	anchor = res_keys_anchor(r->keys, target, &ds, &dslen, &dscount);
	if (!anchor || res_keys_nta(r->keys, target)) {
		o->state = RES_KS_INSECURE;
		return W_DONE;
	}
	e = res_keys_get(r->keys, anchor, now);
	if (!e || e->state == KS_DSOK) {
		if (zone_keys(r, t, anchor, ds, dslen, dscount, now) ==
		    W_WAIT)
			return W_WAIT;
		e = res_keys_get(r->keys, anchor, now);
		if (!e) {
			res_task_wake(r, t);     /* table was emptied: again */
			return W_WAIT;
		}
	}
	name_copy(o->zone, anchor);
	for (int l = wire_name_labels(anchor) + 1;
	     l <= tl && e->state == RES_KS_SECURE; l++) {
		const uint8_t *d = name_suffix(target, l);
		const res_kent *de = res_keys_get(r->keys, d, now);

		if (!de || de->state == KS_DSOK) {
			if (ds_step(r, t, d, o->zone, e, now) == W_WAIT)
				return W_WAIT;
			de = res_keys_get(r->keys, d, now);
			e = res_keys_get(r->keys, o->zone, now);
			if (!de || !e || de->state == KS_DSOK) {
				res_task_wake(r, t);
				return W_WAIT;
			}
		}
		if (de->state == RES_KS_NOCUT)
			continue;
		e = de;
		name_copy(o->zone, d);
	}
	o->state = e->state;
	o->e = e;
	return W_DONE;
}

/* Validate one chain entry; c->vsec gets the result. */
static int val_entry(res_ctx *r, res_task *t, chain_rr *c, uint64_t now)
{
	uint8_t signer[WIRE_MAXNAME], wc[WIRE_MAXNAME];
	char os[WIRE_MAXNAME * 4], why[256];
	res_val_result vr;
	walk_out w;
	int sig = c->sigcount && sig_signer(c->owner, c->sigs, c->siglen,
					    c->sigcount, signer);

	if (c->vsec)
		return W_DONE;
	if (c->synth) {           /* as good as the DNAME before it */
		c->vsec = c > t->chain && c[-1].type == DNS_T_DNAME &&
			  c[-1].vsec ? c[-1].vsec : RES_SEC_BOGUS;
		return W_DONE;
	}
	if (c->type == DNS_T_RRSIG) {
		/* RFC 4035 3.2.1: RRSIGs asked for by type are not an RRset
		 * that can be validated; given, never with AD */
		c->vsec = RES_SEC_INSECURE;
		return W_DONE;
	}
	if (walk(r, t, sig ? signer : c->owner, now, &w) == W_WAIT)
		return W_WAIT;
	wire_name_to_str(c->owner, os, sizeof(os));
	if (w.state == RES_KS_INSECURE) {
		c->vsec = RES_SEC_INSECURE;
	} else if (w.state != RES_KS_SECURE) {
		c->vsec = RES_SEC_BOGUS;
		set_bogus(t, w.e ? w.e->ede : EDE_DNSSEC_BOGUS,
			  w.e ? w.e->why : "broken chain of trust");
	} else if (!sig) {
		c->vsec = RES_SEC_BOGUS;
		snprintf(why, sizeof(why), "no RRSIG for %.100s type %u in a "
			 "signed zone", os, c->type);
		set_bogus(t, EDE_RRSIGS_MISSING, why);
		data_bogus(t, (int)(c - t->chain));
	} else if (!wire_name_equal(w.zone, signer)) {
		c->vsec = RES_SEC_BOGUS;
		snprintf(why, sizeof(why), "%.100s: signer is not a secure zone",
			 os);
		set_bogus(t, EDE_DNSSEC_BOGUS, why);
		data_bogus(t, (int)(c - t->chain));
	} else {
		vr = res_val_rrset(c->owner, c->type, c->data, c->len,
				   c->count, c->sigs, c->siglen, c->sigcount,
				   signer, w.e->keys, w.e->klen, w.e->kcount,
				   now / 1000, r->cfg.no_timecheck, wc);
		if (vr.sec == RES_SEC_SECURE && wc[0]) {
			res_nsec_set ns[64];
			res_val_result bad;
			size_t n = auth_nsecs(r, t->auth, t->nauth, signer,
					      w.e, now, ns, 64, &bad);

			vr = bad.sec != RES_SEC_SECURE ? bad :
			     res_val_denial_wildcard(c->owner, wc, signer, ns,
						     n);
		}
		c->vsec = (uint8_t)vr.sec;
		if (vr.sec == RES_SEC_BOGUS) {
			snprintf(why, sizeof(why), "%.100s: %.100s", os, vr.why);
			set_bogus(t, vr.ede, why);
			data_bogus(t, (int)(c - t->chain));
		} else if (vr.sec == RES_SEC_SECURE) {
			sig_ttl_cap(r, t, c, now);
			if (wc[0])
				proof_ttl_cap(r, t, c, now);
		}
	}
	if (res_tracing(r))
		res_ev_val(r, c->has_src ? &c->src : NULL, c->owner, c->type, c->vsec, t->vede,
			   c->vsec == RES_SEC_BOGUS ? t->vwhy :
			   c->vsec == RES_SEC_SECURE ? "verified" :
			   "in an insecure zone");
	if (r->cache && !c->synth)
		res_cache_set_sec(r->cache, c->owner, c->type, 0, c->vsec,
				  c->data, c->len);
	return W_DONE;
}

/* The SOA of a negative answer (owner: the secure zone whose keys are
 * e) must verify like the NSECs beside it. */
static res_val_result soa_check(const res_ctx *r, const res_task *t,
				const res_kent *e, uint64_t now)
{
	chain_rr c = t->soa_sig;
	res_val_result vr;

	c.data = malloc(2u + t->soa_len);
	if (!c.data)
		return val_result(RES_SEC_BOGUS, EDE_OTHER, "out of memory");
	wire_put16(c.data, t->soa_len);
	memcpy(c.data + 2, t->soa, t->soa_len);
	name_copy(c.owner, t->soa_owner);
	c.type = DNS_T_SOA;
	c.count = 1;
	c.len = 2u + t->soa_len;
	c.vsec = 0;
	vr = proof_rrset(r, &c, t->soa_owner, e, now);
	free(c.data);
	return vr;
}

/* Validate the denial of a negative answer; t->neg_sec gets it. */
static int val_negative(res_ctx *r, res_task *t, uint64_t now)
{
	int nx = t->vrcode == DNS_R_NXDOMAIN;
	const uint8_t *name = t->neg_name[0] ? t->neg_name : t->sname;
	char why[256], ns_[WIRE_MAXNAME * 4];
	res_nsec_set ns[64];
	res_val_result vr;
	walk_out w;
	size_t n;

	if (t->neg_sec)
		return W_DONE;
	if (walk(r, t, t->has_soa ? t->soa_owner : name, now, &w) == W_WAIT)
		return W_WAIT;
	wire_name_to_str(name, ns_, sizeof(ns_));
	if (w.state == RES_KS_INSECURE) {
		t->neg_sec = RES_SEC_INSECURE;
	} else if (w.state != RES_KS_SECURE) {
		t->neg_sec = RES_SEC_BOGUS;
		set_bogus(t, w.e ? w.e->ede : EDE_DNSSEC_BOGUS,
			  w.e ? w.e->why : "broken chain of trust");
	} else if (!t->has_soa || !wire_name_equal(w.zone, t->soa_owner)) {
		t->neg_sec = RES_SEC_BOGUS;
		snprintf(why, sizeof(why), "%.100s: negative answer without a "
			 "signed zone's SOA", ns_);
		set_bogus(t, EDE_NSEC_MISSING, why);
		data_bogus(t, -1);
	} else {
		n = auth_nsecs(r, t->auth, t->nauth, w.zone, w.e, now, ns, 64,
			       &vr);
		if (vr.sec == RES_SEC_SECURE)
			vr = soa_check(r, t, w.e, now);
		if (vr.sec == RES_SEC_SECURE)
			vr = res_val_denial(nx ? 1 : 2, name, t->qtype, w.zone,
					    ns, n);
		t->neg_sec = (uint8_t)vr.sec;
		if (vr.sec == RES_SEC_SECURE)
			nsec_keep(r, w.zone, w.e, t->auth, t->nauth, ns, n,
				  &t->soa_sig, res_neg_ttl(r, t), now);
		if (vr.sec == RES_SEC_BOGUS) {
			snprintf(why, sizeof(why), "%.100s: %.100s", ns_, vr.why);
			set_bogus(t, vr.ede, why);
			data_bogus(t, -1);
		}
		for (int i = 0; vr.sec == RES_SEC_SECURE && i < t->nauth; i++)
			sig_ttl_cap(r, t, &t->auth[i], now);   /* res_neg_ttl */
	}
	if (res_tracing(r))
		res_ev_val(r, t->neg_has_src ? &t->neg_src : NULL, name, nx ? 0 : t->qtype, t->neg_sec,
			   t->vede, t->neg_sec == RES_SEC_BOGUS ? t->vwhy :
			   t->neg_sec == RES_SEC_SECURE ? (nx ? "NXDOMAIN "
			   "proven" : "NODATA proven") : "in an insecure zone");
	if (r->cache)
		res_cache_set_sec(r->cache, name, nx ? 0 : t->qtype, 1,
				  t->neg_sec, t->soa ? t->soa :
				  (const uint8_t *)"", t->soa ? t->soa_len : 0);
	return W_DONE;
}

/* Every signed NSEC/NSEC3 RRset the answer carries must verify with its
 * signer's keys, whether a proof needs it or not (RFC 4035 5: a DO client
 * gets them with AD); a->vsec gets the result.  Unsigned ones are judged
 * by the proof of their zone (auth_nsecs). */
static int val_auth(res_ctx *r, res_task *t, uint64_t now)
{
	for (int i = 0; i < t->nauth; i++) {
		chain_rr *a = &t->auth[i];
		uint8_t signer[WIRE_MAXNAME];
		res_val_result vr;
		walk_out w;

		if (a->vsec)
			continue;
		if (!a->sigcount || !sig_signer(a->owner, a->sigs, a->siglen,
						a->sigcount, signer)) {
			a->vsec = RES_SEC_INSECURE;
			continue;
		}
		if (walk(r, t, signer, now, &w) == W_WAIT)
			return W_WAIT;
		if (w.state == RES_KS_INSECURE) {
			a->vsec = RES_SEC_INSECURE;
			continue;
		}
		if (w.state != RES_KS_SECURE)
			vr = val_result(RES_SEC_BOGUS, w.e ? w.e->ede : EDE_DNSSEC_BOGUS,
				   w.e ? w.e->why : "broken chain of trust");
		else if (!wire_name_equal(w.zone, signer))
			vr = why_of(val_result(RES_SEC_BOGUS, EDE_DNSSEC_BOGUS,
					  "signer is not a secure zone"),
				    a->owner, a->type == DNS_T_NSEC3 ? "NSEC3" :
				    "NSEC");
		else
			vr = proof_rrset(r, a, signer, w.e, now);
		a->vsec = (uint8_t)vr.sec;
		if (vr.sec == RES_SEC_BOGUS)
			set_bogus(t, vr.ede, vr.why);
	}
	return W_DONE;
}

/* The name the chain was at when entry i was asked for. */
static int resume_name(const res_task *t, int i, uint8_t *name)
{
	const chain_rr *p = i > 0 ? &t->chain[i - 1] : NULL;

	if (!p) {
		name_copy(name, t->qname);
		return 0;
	}
	if (p->type != DNS_T_CNAME || p->len < 3)
		return -1;
	wire_name_lower(name, p->data + 2);
	return 0;
}

/*
 * A bogus answer may be one server's fault (a broken or forged copy of
 * the zone), so before calling it bogus the zone's other servers are
 * asked (unbound does the same, up to 5 restarts): the server that sent
 * the bogus data is not asked again by this task, the chain is cut back
 * to where that data came in, and the task iterates again from there.
 * The bogus copy is marked bogus in the cache (never served) and the
 * good copy replaces it.  1: the task goes on; 0: it is bogus.
 */
static int val_retry(res_ctx *r, res_task *t)
{
	uint8_t name[WIRE_MAXNAME];
	const res_addr *src;
	int i = t->vbad_idx;

	if (!t->vbad_set || t->vretries >= MAX_VRETRY ||
	    t->nvbad >= MAX_VRETRY || t->root->work >= MAX_WORK)
		return 0;
	if (i < 0) {
		if (!t->neg_has_src)
			return 0;
		src = &t->neg_src;
		i = t->nchain;
	} else {
		if (i >= t->nchain || !t->chain[i].has_src)
			return 0;
		src = &t->chain[i].src;
	}
	if (resume_name(t, i, name) < 0)
		return 0;
	t->vbad[t->nvbad++] = *src;
	t->vretries++;
	for (int k = i; k < t->nchain; k++) {
		res_crr_free(&t->chain[k]);
		memset(&t->chain[k], 0, sizeof(t->chain[k]));
	}
	t->nchain = i;
	t->min_ttl = UINT32_MAX;
	for (int k = 0; k < t->nchain; k++)
		if (t->chain[k].ttl < t->min_ttl)
			t->min_ttl = t->chain[k].ttl;
	name_copy(t->sname, name);
	free(t->soa);
	t->soa = NULL;
	t->has_soa = 0;
	res_crr_free(&t->soa_sig);
	memset(&t->soa_sig, 0, sizeof(t->soa_sig));
	for (int k = 0; k < t->nauth; k++) {
		res_crr_free(&t->auth[k]);
		memset(&t->auth[k], 0, sizeof(t->auth[k]));
	}
	t->nauth = 0;
	t->neg_sec = 0;
	t->neg_name[0] = 0;
	t->neg_has_src = 0;
	t->vbad_set = 0;
	t->min_set = 0;
	t->ntried = 0;
	t->vphase = 0;
	t->vdone = 0;
	res_fx_clear(&t->fx);
	res_task_wake(r, t);
	return 1;
}

void res_validate_step(res_ctx *r, res_task *t, uint64_t now)
{
	uint8_t sec = RES_SEC_SECURE;
	int neg = res_task_negative(t, t->vrcode);

	if (t->root->work >= MAX_WORK ||
	    now - t->root->start_ms > TASK_DEADLINE) {
		set_bogus(t, EDE_DNSSEC_INDETERMINATE, "validation did not "
			  "finish in time");
		sec = RES_SEC_BOGUS;
		goto done;
	}
	if (val_auth(r, t, now) == W_WAIT)
		return;
	for (int i = 0; i < t->nchain; i++)
		if (val_entry(r, t, &t->chain[i], now) == W_WAIT)
			return;
	if (neg && val_negative(r, t, now) == W_WAIT)
		return;
	for (int i = 0; i <= t->nchain; i++) {
		uint8_t s = i < t->nchain ? t->chain[i].vsec :
			    neg ? t->neg_sec : RES_SEC_SECURE;

		if (s == RES_SEC_BOGUS)
			sec = RES_SEC_BOGUS;
		else if (s != RES_SEC_SECURE && sec == RES_SEC_SECURE)
			sec = RES_SEC_INSECURE;
	}
	for (int i = 0; i < t->nauth; i++)
		if (t->auth[i].vsec == RES_SEC_BOGUS)
			sec = RES_SEC_BOGUS;
	if (sec == RES_SEC_BOGUS && val_retry(r, t))
		return;
done:
	t->sec = sec;
	if (sec == RES_SEC_SECURE)
		r->st.secure++;
	else if (sec == RES_SEC_BOGUS)
		r->st.bogus++;
	else
		r->st.insecure++;
	t->vphase = 0;
	t->vdone = 1;
	res_fx_clear(&t->fx);
	res_task_finish(r, t, t->vrcode, now);
}
