/*
 * Resolution tasks and upstream transactions: a task resolves one
 * (name, type) for its waiters (clients) or for a parent task (glueless
 * NS addresses, DS/DNSKEY fetches for the validator); a transaction is
 * one upstream query (RFC 5452 ids and 0x20 case, EDNS with DO, DNS
 * cookies RFC 7873).  res_task_finish ends a task: validation first when
 * it is on, serve-stale (RFC 8767) on failure, then its waiters are
 * answered and its parent woken.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resolver/res_int.h"

res_task *res_task_new(res_ctx *r, const uint8_t *lname, uint16_t qtype,
		       uint16_t qclass, res_task *parent)
{
	res_task *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	name_copy(t->qname, lname);
	name_copy(t->sname, lname);
	t->qtype = qtype;
	t->qclass = qclass;
	t->min_ttl = UINT32_MAX;
	t->ede = NO_EDE;
	t->vede = NO_EDE;
	t->parent = parent;
	t->root = parent ? parent->root : t;
	t->depth = parent ? parent->depth + 1 : 0;
	t->next = r->tasks;
	r->tasks = t;
	return t;
}

void res_crr_free(chain_rr *c)
{
	free(c->data);
	free(c->sigs);
	c->data = NULL;
	c->sigs = NULL;
}

void res_fx_clear(fetch_res *f)
{
	res_crr_free(&f->rr);
	for (int i = 0; i < f->nauth; i++)
		res_crr_free(&f->auth[i]);
	res_crr_free(&f->soa);
	memset(f, 0, sizeof(*f));
}

void res_waiter_free(res_ctx *r, res_waiter *w)
{
	if (w->cklen)
		res_ctab_dec(r->cload, w->ckey, w->cklen);
	free(w);
}

void res_task_free(res_ctx *r, res_task *t)
{
	res_waiter *w, *wn;

	for (int i = 0; i < t->nchain; i++)
		res_crr_free(&t->chain[i]);
	for (int i = 0; i < t->nauth; i++)
		res_crr_free(&t->auth[i]);
	res_crr_free(&t->soa_sig);
	res_fx_clear(&t->fx);
	for (w = t->waiters; w; w = wn) {
		wn = w->next;
		res_waiter_free(r, w);
	}
	free(t->soa);
	free(t->pns);
	free(t);
}

res_task *res_task_find_client(res_ctx *r, const uint8_t *lname,
			       uint16_t qtype, uint16_t qclass)
{
	for (res_task *t = r->tasks; t; t = t->next)
		if (t->client && !t->done && t->qtype == qtype &&
		    t->qclass == qclass && wire_name_equal(t->qname, lname))
			return t;
	return NULL;
}

void res_task_wake(res_ctx *r, res_task *t)
{
	if (t->woken || t->done)
		return;
	t->woken = 1;
	t->wnext = NULL;
	if (r->wake_tail)
		r->wake_tail->wnext = t;
	else
		r->wake_head = t;
	r->wake_tail = t;
}

int res_chain_add(res_task *t, const uint8_t *owner, uint16_t type,
		  uint32_t ttl, const uint8_t *data, uint32_t len,
		  uint16_t count)
{
	chain_rr *c;

	if (t->nchain >= (int)(sizeof(t->chain) / sizeof(t->chain[0])))
		return -1;
	c = &t->chain[t->nchain];
	c->data = malloc(len ? len : 1);
	if (!c->data)
		return -1;
	memcpy(c->data, data, len);
	wire_name_lower(c->owner, owner);
	c->type = type;
	c->ttl = ttl;
	c->len = len;
	c->count = count;
	t->nchain++;
	if (ttl < t->min_ttl)
		t->min_ttl = ttl;
	return 0;
}

/* Attach RRSIGs to the last chain entry. */
void res_chain_sigs(res_task *t, const uint8_t *sigs, uint32_t siglen,
		    uint16_t sigcount)
{
	chain_rr *c;

	if (t->nchain == 0 || sigcount == 0)
		return;
	c = &t->chain[t->nchain - 1];
	if (c->sigs)
		return;
	c->sigs = malloc(siglen);
	if (!c->sigs)
		return;
	memcpy(c->sigs, sigs, siglen);
	c->siglen = siglen;
	c->sigcount = sigcount;
}

int res_chain_loops(const res_task *t, const uint8_t *name)
{
	for (int i = 0; i < t->nchain; i++)
		if (t->chain[i].type == DNS_T_CNAME &&
		    wire_name_equal(t->chain[i].owner, name))
			return 1;
	return 0;
}

int res_task_set_soa(res_task *t, const uint8_t *owner,
		     const uint8_t *rdata, uint16_t rdlen, uint32_t ttl)
{
	free(t->soa);
	t->soa = malloc(rdlen ? rdlen : 1);
	if (!t->soa)
		return -1;
	memcpy(t->soa, rdata, rdlen);
	t->soa_len = rdlen;
	t->soa_ttl = ttl;
	wire_name_lower(t->soa_owner, owner);
	t->has_soa = 1;
	return 0;
}

static int tried_idx(res_task *t, const res_addr *a)
{
	for (int i = 0; i < t->ntried; i++)
		if (res_addr_equal(&t->tried[i].addr, a))
			return i;
	return -1;
}

void res_tried_mark(res_task *t, const res_addr *a, int lame)
{
	int i = tried_idx(t, a);

	if (i < 0) {
		if (t->ntried >= TRIED_MAX)
			return;
		i = t->ntried++;
		t->tried[i].addr = *a;
		t->tried[i].n = 0;
	}
	if (lame)
		t->tried[i].n = TRY_LAME;
	else if (t->tried[i].n < TRY_LAME - 1)
		t->tried[i].n++;
}

unsigned res_tried_count(res_task *t, const res_addr *a)
{
	int i = tried_idx(t, a);

	return i >= 0 ? t->tried[i].n : 0;
}

void res_qmin_giveup(res_task *t)
{
	t->qmin_off = 1;
	t->ntried = 0;
}

int res_tried_exhausted(res_task *t, const res_addr *a)
{
	int i = tried_idx(t, a);

	return i >= 0 && t->tried[i].n >= MAX_TRIES;
}

/* 1 if a's data was found bogus for this task (not asked again). */
int res_task_vbad(const res_task *t, const res_addr *a)
{
	for (int i = 0; i < t->nvbad; i++)
		if (res_addr_equal(&t->vbad[i], a))
			return 1;
	return 0;
}

/* The query is over: it no longer counts against its server, its zone
 * and the total. */
void res_txn_release(res_ctx *r, res_txn *x)
{
	if (!x->counted)
		return;
	x->counted = 0;
	res_srv_done(r->srv, &x->server);
	if (!x->fwd)
		res_ctab_dec(r->zload, x->zone, wire_name_len(x->zone));
	if (r->ntxns > 0)
		r->ntxns--;
}

static void txn_count(res_ctx *r, res_txn *x, uint64_t now)
{
	res_srv_sent(r->srv, &x->server, now);
	if (!x->fwd &&
	    res_ctab_inc(r->zload, x->zone, wire_name_len(x->zone)) < 0) {
		res_srv_done(r->srv, &x->server);
		return;   /* out of memory: not counted at all */
	}
	x->counted = 1;
	r->ntxns++;
}

void res_txn_unlink(res_ctx *r, res_txn *x)
{
	for (res_txn **pp = &r->txns; *pp; pp = &(*pp)->next)
		if (*pp == x) {
			*pp = x->next;
			res_txn_release(r, x);
			if (x->task->pending > 0)
				x->task->pending--;
			return;
		}
}

static void task_cancel_txns(res_ctx *r, res_task *t)
{
	res_txn **pp = &r->txns;

	while (*pp) {
		res_txn *x = *pp;

		if (x->task == t) {
			*pp = x->next;
			res_txn_release(r, x);
			free(x);
		} else {
			pp = &x->next;
		}
	}
	t->pending = 0;
}

/* 0x20: randomise the case of every letter of the name. */
static void name_caps(res_ctx *r, uint8_t *name)
{
	uint8_t bits[WIRE_MAXNAME / 8 + 1];
	size_t i;

	res_rnd(r, bits, sizeof(bits));
	for (size_t p = 0; name[p]; p += (size_t)name[p] + 1)
		for (i = p + 1; i <= p + name[p]; i++) {
			uint8_t c = name[i] | 0x20;

			if (c >= 'a' && c <= 'z')
				name[i] = (bits[i / 8] >> (i % 8)) & 1 ?
					  (uint8_t)(c & ~0x20) : c;
		}
}

/* The OPT record: DO always, and the COOKIE option (RFC 7873 4.1/4.2:
 * our client cookie, then the server cookie we know, if any). */
static void query_opt(wire_writer *w, const res_txn *x,
		      const res_srvinfo *si)
{
	uint8_t o[4 + RES_CC_LEN + RES_SC_MAX];
	size_t n = 0, sl = si ? si->sclen : 0;

	if (x->cookie) {
		o[0] = 0;
		o[1] = RES_OPT_COOKIE;
		o[2] = 0;
		o[3] = (uint8_t)(RES_CC_LEN + sl);
		memcpy(o + 4, x->cc, RES_CC_LEN);
		if (sl)
			memcpy(o + 4 + RES_CC_LEN, si->sc, sl);
		n = 4 + RES_CC_LEN + sl;
	}
	wire_write_rr(w, (const uint8_t *)"", DNS_T_OPT, EDNS_UP, EDNS_F_DO,
		      o, (uint16_t)n, NULL);
}

static size_t query_build(res_ctx *r, const res_txn *x, int rd,
			  const res_srvinfo *si, uint8_t *buf, size_t cap)
{
	wire_writer w;
	uint16_t flags = rd ? DNS_F_RD : 0;

	if (r->cfg.dnssec)
		flags |= DNS_F_CD;
	wire_writer_init(&w, buf, cap, cap);
	wire_write16(&w, x->msgid);
	wire_write16(&w, flags);
	wire_write16(&w, 1);
	wire_write16(&w, 0);
	wire_write16(&w, 0);
	wire_write16(&w, x->edns ? 1 : 0);
	wire_write_name(&w, x->qname, 0);
	wire_write16(&w, x->qtype);
	wire_write16(&w, DNS_C_IN);
	/* DO always: a security-aware resolver asks for the signatures
	 * whether or not it validates (RFC 4035 3.2.1), so DO clients and
	 * validators downstream get them */
	if (x->edns)
		query_opt(&w, x, si);
	return w.len;
}

int res_txn_send(res_ctx *r, res_task *t, const res_addr *srv,
		 const send_spec *s, uint64_t now)
{
	res_txn *x = calloc(1, sizeof(*x));
	res_srvinfo *si = res_srv_info(r->srv, srv, now);
	res_action a;
	uint16_t id;
	size_t len;

	if (!x)
		return -ENOMEM;
	res_rnd(r, &id, sizeof(id));
	x->id = ++r->next_txn;
	x->msgid = id;
	x->task = t;
	x->server = *srv;
	x->transport = s->transport;
	x->tls_name = s->tls_name;
	x->fwd = s->fwd;
	x->minimised = s->minimised;
	x->qtype = s->qtype;
	x->edns = !(si && si->no_edns);
	x->caps = !s->nocaps && !(si && si->no_caps);
	name_copy(x->qname, s->qname);
	name_copy(x->zone, s->zone);
	if (x->caps)
		name_caps(r, x->qname);
	x->cookie = x->edns && !r->cfg.no_cookies;
	x->cookie_retry = s->cookie_retry;
	if (x->cookie)
		res_cookie_client(r->csecret, srv, x->cc);
	x->sent_ms = now;
	x->deadline = now + res_srv_rto(r->srv, srv, now) *
		      (s->transport == RES_T_UDP ? 1 : 3);
	len = query_build(r, x, s->rd, si, r->scratch, 65535);
	memset(&a, 0, sizeof(a));
	a.kind = RES_ACT_SEND;
	a.txn = x->id;
	a.server = *srv;
	a.transport = s->transport;
	a.tls_name = s->tls_name;
	if (res_queue_push(r, &a, r->scratch, len) < 0) {
		free(x);
		return -ENOMEM;
	}
	x->next = r->txns;
	r->txns = x;
	txn_count(r, x, now);
	if (res_tracing(r))
		res_ev_query(r, x);
	t->pending++;
	t->root->work++;
	res_tried_mark(t, srv, 0);
	r->st.upstream_queries++;
	return 0;
}

res_txn *res_txn_find(res_ctx *r, uint64_t id)
{
	for (res_txn *x = r->txns; x; x = x->next)
		if (x->id == id)
			return x;
	return NULL;
}

/* RFC 8767: resolution failed; answer with expired data if allowed.
 * Returns the rcode to answer with. */
static int serve_stale(res_ctx *r, res_task *t, uint64_t now)
{
	uint64_t age = (uint64_t)(r->cfg.stale_max_age ?
				  r->cfg.stale_max_age : 86400) * 1000;
	uint32_t ttl = r->cfg.stale_ttl ? r->cfg.stale_ttl : 30;
	res_crrset c;
	int stale = 0;

	if (!r->cfg.use_stale || !r->cache ||
	    !res_cache_get_rrset(r->cache, t->sname, t->qtype, now, age, &c,
				 &stale) || c.trust < RES_TRUST_AUTHORITY)
		return DNS_R_SERVFAIL;
	if (res_chain_add(t, t->sname, t->qtype, stale ? ttl :
			  ttl_left(c.expire_ms, now), c.data, c.len, c.count) < 0)
		return DNS_R_SERVFAIL;
	for (int i = 0; i < t->nchain; i++)
		if (t->chain[i].ttl > ttl)
			t->chain[i].ttl = ttl;
	t->min_ttl = 0;             /* never into the answer cache */
	t->stale = 1;
	t->ede = EDE_STALE_ANSWER;
	r->st.stale_served++;
	return DNS_R_NOERROR;
}

/* A finished fetch hands its result to the validating parent. */
static void fetch_deliver(res_ctx *r, res_task *t, res_task *p)
{
	fetch_res *f = &p->fx;

	res_fx_clear(f);
	f->have = 1;
	name_copy(f->name, t->qname);
	f->type = t->qtype;
	f->rcode = t->rcode;
	for (int i = 0; i < t->nchain; i++) {
		chain_rr *c = &t->chain[i];

		if (c->type == t->qtype && wire_name_equal(c->owner, t->qname) &&
		    !f->rr.data) {
			f->rr = *c;
			c->data = NULL;
			c->sigs = NULL;
		}
	}
	for (int i = 0; i < t->nauth; i++) {
		f->auth[i] = t->auth[i];
		t->auth[i].data = NULL;
		t->auth[i].sigs = NULL;
	}
	f->nauth = t->nauth;
	f->ttl = res_neg_ttl(r, t);
	f->soa = t->soa_sig;       /* the SOA RRset, for nsec_cache.c */
	t->soa_sig.data = NULL;
	t->soa_sig.sigs = NULL;
	if (f->rr.data && f->rr.has_src) {
		f->src = f->rr.src;
		f->has_src = 1;
	} else if (!f->rr.data && t->neg_has_src) {
		f->src = t->neg_src;
		f->has_src = 1;
	}
}

/* A task is done: answer its clients, wake its parent, drop its work. */
void res_task_finish(res_ctx *r, res_task *t, int rcode, uint64_t now)
{
	if (t->done)
		return;
	if (r->keys && t->client && !t->vdone &&
	    (rcode == DNS_R_NOERROR || rcode == DNS_R_NXDOMAIN)) {
		/* the answer is complete: validate it before anyone sees it */
		task_cancel_txns(r, t);
		t->vrcode = rcode;
		t->vphase = 1;
		res_task_wake(r, t);
		return;
	}
	if (rcode == DNS_R_SERVFAIL && t->client && !t->refresh &&
	    !t->jostled && !t->loop)
		rcode = serve_stale(r, t, now);
	t->done = 1;
	if (t->active) {
		t->active = 0;
		r->nactive--;
	}
	t->rcode = rcode;
	task_cancel_txns(r, t);
	if (t->child) {
		t->child->parent = NULL;
		res_task_finish(r, t->child, DNS_R_SERVFAIL, now);
		t->child = NULL;
	}
	for (res_waiter *w = t->waiters; w; w = w->next)
		res_reply_deliver(r, t, w, now);
	if (t->parent) {
		res_task *p = t->parent;

		if (t->fetch)
			fetch_deliver(r, t, p);
		p->child = NULL;
		res_task_wake(r, p);
	}
}

/* The task made progress (referral, next label, next link of a chain):
 * the servers of the next step start with fresh tries. */
void res_task_progress(res_ctx *r, res_task *t)
{
	t->ntried = 0;
	res_task_wake(r, t);
}

/* Retry the task elsewhere once nothing else is outstanding. */
void res_task_retry(res_ctx *r, res_task *t)
{
	if (t->pending == 0)
		res_task_wake(r, t);
}
