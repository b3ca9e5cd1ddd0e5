/*
 * The resolver engine's public API (resolver.h): res_new/res_free,
 * client queries (policy answers, the wire-answer cache hit path,
 * prefetch, the fairness limits), the entry points for upstream replies,
 * errors and timers, and the run loop that steps woken tasks.  The
 * parts and the direction of their calls are listed in res_int.h.
 * Sans-IO: time comes in as now_ms, random bytes from cfg.random.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resolver/res_int.h"

int res_next_action(res_ctx *r, res_action *a)
{
	free(r->last_buf);
	r->last_buf = NULL;
	memset(a, 0, sizeof(*a));
	if (r->qhead == r->qlen)
		return RES_ACT_NONE;
	*a = r->q[r->qhead].a;
	r->last_buf = r->q[r->qhead].buf;
	r->qhead++;
	return a->kind;
}

/* Free the finished tasks no frame refers to any more. */
static void reap(res_ctx *r)
{
	res_task **pp = &r->tasks;

	while (*pp) {
		res_task *t = *pp;

		if (t->done && !t->woken) {
			*pp = t->next;
			res_task_free(r, t);
		} else {
			pp = &t->next;
		}
	}
}

/* Step every woken task (res_int.h: re-entrancy), then reap.  Each
 * public entry point that may wake tasks ends here. */
static void run(res_ctx *r, uint64_t now)
{
	while (r->wake_head) {
		res_task *t = r->wake_head;

		r->wake_head = t->wnext;
		if (!r->wake_head)
			r->wake_tail = NULL;
		t->woken = 0;
		if (!t->done && !t->child && t->pending == 0)
			res_task_step(r, t, now);
	}
	reap(r);
}

/* The trust anchors: static, or managed by RFC 5011 (rfc5011.c). */
static int anchors_new(res_ctx *r, const res_cfg *cfg, char *err,
		       size_t errlen)
{
	char *text = NULL;

	if (cfg->managed_anchor_text) {
		r->ta5011 = res_5011_new(cfg->managed_anchor_text,
					 cfg->trust_anchor_text, err, errlen);
		if (!r->ta5011)
			return -1;
		text = res_5011_anchors(r->ta5011);
		if (!text) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	r->keys = res_keys_new(text ? text : cfg->trust_anchor_text, cfg->nta,
			       cfg->nnta, err, errlen);
	free(text);
	return r->keys ? 0 : -1;
}

res_ctx *res_new(const res_cfg *cfg, char *err, size_t errlen)
{
	res_ctx *r = calloc(1, sizeof(*r));

	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->cfg = *cfg;
	r->rng = 0x9e3779b97f4a7c15ull;
	r->srv = res_srv_new(cfg->root_hints_text, err, errlen);
	if (!r->srv)
		goto fail;
	r->cache = res_cache_new(cfg->cache_entries ? cfg->cache_entries :
				 10000, cfg->cache_bytes);
	if (r->cache) {
		uint64_t seed;

		res_rnd(r, &seed, sizeof(seed));
		res_cache_seed(r->cache, seed);
	}
	r->msg = malloc(sizeof(*r->msg));
	r->scratch = malloc(65536);
	r->sigscratch = malloc(65536);
	{
		static const uint8_t zero[16];
		uint64_t seed[2];

		res_rnd(r, seed, sizeof(seed));
		r->zload = res_ctab_new(seed[0]);
		r->cload = res_ctab_new(seed[1]);
		memcpy(r->csecret, cfg->cookie_secret, 16);
		if (memcmp(r->csecret, zero, 16) == 0)
			res_rnd(r, r->csecret, sizeof(r->csecret));
	}
	if (!r->cache || !r->msg || !r->scratch || !r->sigscratch ||
	    !r->zload || !r->cload) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (cfg->dnssec) {
		if (anchors_new(r, cfg, err, errlen) < 0)
			goto fail;
		/* RFC 8198 aggressive NSEC, as unbound's aggressive-nsec */
		r->nsec = res_nsec_new(cfg->cache_entries ?
				       cfg->cache_entries : 10000);
		if (!r->nsec) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
	}
	return r;
fail:
	res_free(r);
	return NULL;
}

void res_free(res_ctx *r)
{
	res_txn *x, *xn;
	res_task *t, *tn;

	if (!r)
		return;
	for (x = r->txns; x; x = xn) {
		xn = x->next;
		free(x);
	}
	for (t = r->tasks; t; t = tn) {
		tn = t->next;
		res_task_free(r, t);
	}
	for (size_t i = r->qhead; i < r->qlen; i++)
		free(r->q[i].buf);
	free(r->q);
	free(r->last_buf);
	if (r->cache)
		res_cache_free(r->cache);
	res_srv_free(r->srv);
	res_keys_free(r->keys);
	res_5011_free(r->ta5011);
	res_nsec_free(r->nsec);
	res_ctab_free(r->zload);
	res_ctab_free(r->cload);
	free(r->msg);
	free(r->scratch);
	free(r->sigscratch);
	free(r->localbuf);
	free(r->warned);
	free(r);
}

/* An error reply echoing the header (and the question if it parsed). */
static res_result reply_error(const uint8_t *q, size_t qlen,
			      const wire_query *wq, int rcode, uint8_t *resp,
			      size_t cap, size_t *resp_len)
{
	size_t n = wq->question_end && wq->question_end <= qlen ?
		   wq->question_end : WIRE_HDRLEN;

	if (n > cap)
		return RES_DROP;
	memcpy(resp, q, n);
	wire_put16(resp + 2, (uint16_t)(DNS_F_QR | DNS_F_RA |
					(wq->flags & 0x7900) | rcode));
	wire_put16(resp + 4, n > WIRE_HDRLEN ? 1 : 0);
	wire_put16(resp + 6, 0);
	wire_put16(resp + 8, 0);
	wire_put16(resp + 10, 0);
	*resp_len = n;
	return RES_ANSWERED;
}

/* What a parse result means for a client query: RES_PENDING to go on
 * (a QUERY of class IN for an ordinary type), else the error reply. */
static res_result query_check(const uint8_t *q, size_t qlen,
			      wire_qresult pr, const wire_query *wq,
			      uint8_t *resp, size_t cap, size_t *resp_len)
{
	if (pr == WQ_DROP)
		return RES_DROP;
	if (pr != WQ_OK || wq->question_end == 0)
		return reply_error(q, qlen, wq, DNS_R_FORMERR, resp, cap,
				   resp_len);
	if (wq->opcode != DNS_OP_QUERY)
		return reply_error(q, qlen, wq, DNS_R_NOTIMP, resp, cap,
				   resp_len);
	if (wq->qclass != DNS_C_IN || wq->qtype == DNS_T_AXFR ||
	    wq->qtype == DNS_T_IXFR || wq->qtype == DNS_T_OPT ||
	    wq->qtype == DNS_T_TSIG)
		return reply_error(q, qlen, wq, DNS_R_REFUSED, resp, cap,
				   resp_len);
	return RES_PENDING;
}

/* A waiter without a client: refreshes the answer cache entry of a
 * popular name (EDNS, no DO/CD: the common client's key). */
static res_waiter *prefetch_waiter(const res_prefetch *pf)
{
	res_waiter *w = calloc(1, sizeof(*w));
	size_t nl = wire_name_len(pf->lname);

	if (!w)
		return NULL;
	w->prefetch = 1;
	w->q.flags = DNS_F_RD;
	w->q.qdcount = 1;
	memcpy(w->q.qname, pf->lname, nl);
	memcpy(w->q.lname, pf->lname, nl);
	w->q.qname_len = (uint16_t)nl;
	w->q.qtype = pf->qtype;
	w->q.qclass = DNS_C_IN;
	w->q.question_end = (uint16_t)(WIRE_HDRLEN + nl + 4);
	w->q.has_edns = pf->edns;
	w->q.edns_udp = pf->edns ? EDNS_UP : 0;
	w->q.edns_flags = pf->do_bit ? EDNS_F_DO : 0;
	if (pf->cd_bit)
		w->q.flags |= DNS_F_CD;
	if (pf->ad_bit)
		w->q.flags |= DNS_F_AD;
	return w;
}

/* Start refreshing a popular answer close to expiry that a client just
 * hit (driven by client hits only: the cache flags the entry on the hit,
 * once). */
static void prefetch(res_ctx *r, uint64_t now)
{
	res_prefetch pf[1];
	size_t n = (size_t)res_cache_prefetch_hit(r->cache, &pf[0]);

	for (size_t i = 0; i < n; i++) {
		res_waiter *w;
		res_task *t;

		if (res_task_find_client(r, pf[i].lname, pf[i].qtype, DNS_C_IN) ||
		    r->nactive >= res_lim(r->cfg.max_tasks, DEF_MAX_TASKS))
			continue;
		w = prefetch_waiter(&pf[i]);
		t = w ? res_task_new(r, pf[i].lname, pf[i].qtype, DNS_C_IN,
				     NULL) : NULL;
		if (!t) {
			free(w);
			break;
		}
		t->start_ms = now;
		t->client = 1;
		t->active = 1;
		r->nactive++;
		t->refresh = 1;
		t->waiters = w;
		r->st.prefetches++;
		res_task_wake(r, t);
	}
	if (n)
		run(r, now);
}

/*
 * All max_tasks places are taken: the oldest client query that has been
 * resolving for jostle_ms gives its place (unbound's jostle), its clients
 * get no reply (RES_ACT_DROP).  1 a place is free, 0 none.
 */
static int jostle(res_ctx *r, uint64_t now)
{
	uint32_t jms = res_lim(r->cfg.jostle_ms, DEF_JOSTLE_MS);
	res_task *old = NULL;

	for (res_task *t = r->tasks; t; t = t->next)
		if (t->active && (!old || t->start_ms < old->start_ms))
			old = t;
	if (!old || now < old->start_ms + jms)
		return 0;
	old->jostled = 1;
	r->st.jostled++;
	res_task_finish(r, old, DNS_R_SERVFAIL, now);
	return 1;
}

/* The task for the client query wq: a running one for the same question,
 * or a new one if there is a place for it (NULL: none). */
static res_task *client_task(res_ctx *r, const wire_query *wq, uint64_t now)
{
	res_task *t = res_task_find_client(r, wq->lname, wq->qtype, wq->qclass);

	if (t)
		return t;
	if (r->nactive >= res_lim(r->cfg.max_tasks, DEF_MAX_TASKS) &&
	    !jostle(r, now)) {
		r->st.busy_dropped++;
		return NULL;
	}
	t = res_task_new(r, wq->lname, wq->qtype, wq->qclass, NULL);
	if (!t)
		return NULL;
	t->start_ms = now;
	t->client = 1;
	t->active = 1;
	r->nactive++;
	t->refresh = r->cfg.no_cache;   /* the name itself afresh */
	t->want_do = (wq->edns_flags & EDNS_F_DO) != 0;
	res_task_wake(r, t);
	return t;
}

/* The client's place in the per-client count: 0, or -1 (over the limit
 * or out of memory: drop the query). */
static int client_count(res_ctx *r, const res_addr *client, res_waiter *w)
{
	uint8_t key[9];
	size_t n;

	if (!client)
		return 0;
	n = res_client_key(client, key);
	if (res_ctab_get(r->cload, key, n) >=
	    res_lim(r->cfg.client_max, DEF_CLIENT_MAX)) {
		r->st.client_limited++;
		return -1;
	}
	if (res_ctab_inc(r->cload, key, n) < 0)
		return -1;
	memcpy(w->ckey, key, n);
	w->cklen = (uint8_t)n;
	return 0;
}

res_result res_query(res_ctx *r, const uint8_t *q, size_t qlen, int tcp,
		     uint64_t now_ms, uint8_t *resp, size_t cap,
		     size_t *resp_len, uint64_t client_token)
{
	return res_query_from(r, NULL, q, qlen, tcp, now_ms, resp, cap,
			      resp_len, client_token);
}

res_result res_query_from(res_ctx *r, const res_addr *client,
			  const uint8_t *q, size_t qlen, int tcp,
			  uint64_t now_ms, uint8_t *resp, size_t cap,
			  size_t *resp_len, uint64_t client_token)
{
	wire_query wq;
	wire_qresult pr = wire_query_parse(q, qlen, &wq);

	if (pr != WQ_OK) {
		r->st.queries++;
		return query_check(q, qlen, pr, &wq, resp, cap, resp_len);
	}
	return res_query_parsed(r, client, &wq, q, qlen, tcp, now_ms, resp,
				cap, resp_len, client_token);
}

res_result res_query_parsed(res_ctx *r, const res_addr *client,
			    const wire_query *wq, const uint8_t *q,
			    size_t qlen, int tcp, uint64_t now_ms,
			    uint8_t *resp, size_t cap, size_t *resp_len,
			    uint64_t client_token)
{
	res_waiter *w;
	res_task *t;
	res_result rr;
	size_t lim_len;

	r->st.queries++;
	rr = query_check(q, qlen, WQ_OK, wq, resp, cap, resp_len);
	if (rr != RES_PENDING)
		return rr;
	if (res_policy_answer(&r->cfg, wq, resp, cap, resp_len)) {
		r->st.policy_answers++;
		return RES_ANSWERED;
	}
	lim_len = tcp ? 65535 : !wq->has_edns ? 512 :
		  (wq->edns_udp < 512 ? 512 : wq->edns_udp);
	if (!r->cfg.no_cache &&
	    res_cache_answer(r->cache, wq, q, lim_len < cap ? lim_len : cap,
			     now_ms, resp, cap, resp_len)) {
		r->st.cache_hits++;
		prefetch(r, now_ms);
		return RES_ANSWERED;
	}
	r->st.cache_misses++;
	w = calloc(1, sizeof(*w));
	if (!w)
		return RES_DROP;
	w->token = client_token;
	w->tcp = tcp;
	w->q = *wq;
	if (client_count(r, client, w) < 0 ||
	    !(t = client_task(r, wq, now_ms))) {
		res_waiter_free(r, w);
		run(r, now_ms);          /* reap a jostled task */
		return RES_DROP;
	}
	w->next = t->waiters;
	t->waiters = w;
	r->sync_w = w;
	r->sync_buf = resp;
	r->sync_cap = cap;
	r->sync_done = 0;
	run(r, now_ms);
	r->sync_w = NULL;
	if (r->sync_done) {
		*resp_len = r->sync_len;
		return RES_ANSWERED;
	}
	return RES_PENDING;
}

int res_on_reply(res_ctx *r, uint64_t txn, const uint8_t *msg, size_t len,
		 uint64_t now_ms)
{
	res_txn *x = res_txn_find(r, txn);

	if (!x)
		return 0;
	if (res_reply_take(r, x, msg, len, now_ms))
		return 1;
	run(r, now_ms);
	return 0;
}

void res_on_error(res_ctx *r, uint64_t txn, uint64_t now_ms)
{
	res_txn *x = res_txn_find(r, txn);

	if (!x)
		return;
	res_txn_unlink(r, x);
	if (res_tracing(r))
		res_ev_timeout(r, x, "error (ICMP, refused, "
			       "connection failed)");
	res_srv_timeout(r->srv, &x->server, now_ms);
	res_tried_mark(x->task, &x->server, 1);
	res_task_retry(r, x->task);
	free(x);
	run(r, now_ms);
}

uint64_t res_next_timer(const res_ctx *r)
{
	uint64_t t = 0;

	for (const res_txn *x = r->txns; x; x = x->next)
		if (t == 0 || x->deadline < t)
			t = x->deadline;
	if (r->cfg.use_stale)
		for (const res_task *k = r->tasks; k; k = k->next)
			if (k->client && !k->done && !k->stale_tried &&
			    (t == 0 || k->start_ms + STALE_AFTER < t))
				t = k->start_ms + STALE_AFTER;
	if (res_5011_next(r->ta5011) &&
	    (t == 0 || res_5011_next(r->ta5011) < t))
		t = res_5011_next(r->ta5011);
	return t;
}

/*
 * RFC 8767 5: a client waiting longer than the client response timer
 * gets the stale answer now, if there is one; resolution goes on and
 * refreshes the cache for later clients.
 */
static void stale_early(res_ctx *r, uint64_t now)
{
	uint64_t age = (uint64_t)(r->cfg.stale_max_age ?
				  r->cfg.stale_max_age : 86400) * 1000;
	uint32_t ttl = r->cfg.stale_ttl ? r->cfg.stale_ttl : 30;

	if (!r->cfg.use_stale || !r->cache)
		return;
	for (res_task *t = r->tasks; t; t = t->next) {
		res_waiter **pp;

		if (!t->client || t->done || t->stale_tried ||
		    now < t->start_ms + STALE_AFTER)
			continue;
		t->stale_tried = 1;
		for (pp = &t->waiters; *pp; ) {
			res_waiter *w = *pp;
			size_t len = 0;
			res_action a;

			if (w->prefetch ||
			    res_cache_answer_stale(r->cache, &w->q,
						   res_reply_limit(r, w, 65535),
						   now, age, ttl, r->scratch,
						   65535, &len) == 0) {
				pp = &w->next;
				continue;
			}
			memset(&a, 0, sizeof(a));
			a.kind = RES_ACT_ANSWER;
			a.client_token = w->token;
			res_queue_push(r, &a, r->scratch, len);
			r->st.stale_served++;
			*pp = w->next;
			res_waiter_free(r, w);
		}
	}
}

/* RFC 5011 2.3 active refresh: ask for each trust point's DNSKEY RRset
 * afresh; its validation (chain.c) is the observation.  The key table
 * entry goes, so the walk checks the new RRset against the anchors. */
static void probe_anchors(res_ctx *r, uint64_t now)
{
	uint8_t zones[4][WIRE_MAXNAME];
	size_t n = res_5011_due(r->ta5011, now, zones, 4);

	for (size_t i = 0; i < n; i++) {
		res_prefetch pf;
		res_waiter *w;
		res_task *t;

		if (res_task_find_client(r, zones[i], DNS_T_DNSKEY, DNS_C_IN))
			continue;
		memset(&pf, 0, sizeof(pf));
		name_copy(pf.lname, zones[i]);
		pf.qtype = DNS_T_DNSKEY;
		pf.edns = pf.do_bit = 1;
		w = prefetch_waiter(&pf);
		t = w ? res_task_new(r, zones[i], DNS_T_DNSKEY, DNS_C_IN,
				     NULL) : NULL;
		if (!t) {
			free(w);
			return;
		}
		res_keys_put(r->keys, zones[i], 0, 0, "", NULL, 0, 0, 0, now);
		t->start_ms = now;
		t->client = 1;
		t->active = 1;
		r->nactive++;
		t->refresh = 1;
		t->want_do = 1;
		t->waiters = w;
		res_task_wake(r, t);
	}
}

void res_on_timer(res_ctx *r, uint64_t now_ms)
{
	res_txn **pp = &r->txns;

	while (*pp) {
		res_txn *x = *pp;

		if (x->deadline > now_ms) {
			pp = &x->next;
			continue;
		}
		*pp = x->next;
		res_txn_release(r, x);
		if (x->task->pending > 0)
			x->task->pending--;
		r->st.upstream_timeouts++;
		if (res_tracing(r))
			res_ev_timeout(r, x, "timed out");
		res_srv_timeout(r->srv, &x->server, now_ms);
		/* a server that drops minimised queries (RFC 9156 2.3) */
		if (x->minimised && !x->task->qmin_off &&
		    res_tried_exhausted(x->task, &x->server))
			res_qmin_giveup(x->task);
		res_task_retry(r, x->task);
		free(x);
	}
	stale_early(r, now_ms);
	probe_anchors(r, now_ms);
	run(r, now_ms);
}

int res_cache_save(const res_ctx *r, uint64_t now_ms, uint8_t **out,
		   size_t *len)
{
	return res_cache_serialize(r->cache, now_ms, out, len);
}

int res_cache_load(res_ctx *r, const uint8_t *buf, size_t len,
		   uint64_t now_ms)
{
	int n = res_cache_deserialize(r->cache, buf, len, now_ms);

	res_nsec_rebuild(r->nsec, r->cache, now_ms);
	return n;
}

void res_cache_take(res_ctx *r, res_ctx *old)
{
	res_cache *c = r->cache;

	r->cache = old->cache;
	old->cache = c;
	if (r->nsec && old->nsec) {     /* the index goes with its cache */
		res_nsec *n = r->nsec;

		r->nsec = old->nsec;
		old->nsec = n;
	}
}

const res_stats *res_get_stats(const res_ctx *r)
{
	return &r->st;
}

void res_get_cache_info(const res_ctx *r, res_cache_info *out)
{
	out->entries = res_cache_count(r->cache);
	res_cache_counts(r->cache, &out->inserted, &out->evicted,
			 &out->max_entries);
}

static int upstream_seen(const res_upstream_stat *out, size_t n,
			 const res_addr *a)
{
	for (size_t i = 0; i < n; i++)
		if (res_addr_equal(&out[i].addr, a))
			return 1;
	return 0;
}

size_t res_upstream_stats(const res_ctx *r, res_upstream_stat *out,
			  size_t max)
{
	size_t n = 0;

	for (size_t f = 0; f < r->cfg.nforwards; f++) {
		const res_forward *fw = &r->cfg.forwards[f];

		for (size_t j = 0; j < fw->nservers && n < max; j++) {
			const res_srvinfo *i;

			if (upstream_seen(out, n, &fw->servers[j]))
				continue;
			i = res_srv_peek(r->srv, &fw->servers[j]);
			out[n].addr = fw->servers[j];
			out[n].sent = i ? i->sent : 0;
			out[n].failed = i ? i->failed : 0;
			n++;
		}
	}
	return n;
}
