/*
 * Replies to clients built from a finished task: header and question,
 * the chain (CNAME/DNAME links and the data), the SOA and the denial of a
 * negative answer (RFC 2308; NSEC/NSEC3 for DO clients), OPT with an
 * Extended DNS Error (RFC 8914), TC when it does not fit; delivered to the
 * waiting client and put into the wire-answer cache.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resolver/res_int.h"

size_t res_reply_limit(const res_ctx *r, const res_waiter *w, size_t cap)
{
	size_t res_lim = 512, emax = r->cfg.edns_max ? r->cfg.edns_max : EDNS_UP;

	if (w->tcp)
		res_lim = 65535;
	else if (w->q.has_edns)
		res_lim = w->q.edns_udp < 512 ? 512 :
		      (w->q.edns_udp > emax ? emax : w->q.edns_udp);
	return res_lim < cap ? res_lim : cap;
}

static int reply_header(wire_writer *w, const wire_query *q, int rcode)
{
	uint16_t flags = DNS_F_QR | DNS_F_RA | (uint16_t)rcode |
			 (q->flags & (DNS_F_RD | DNS_F_CD));
	int rc = wire_write16(w, q->id);

	rc |= wire_write16(w, flags);
	rc |= wire_write16(w, 1);
	rc |= wire_write16(w, 0);
	rc |= wire_write16(w, 0);
	rc |= wire_write16(w, 0);
	rc |= wire_write_name(w, q->qname, 1);
	rc |= wire_write16(w, q->qtype);
	rc |= wire_write16(w, q->qclass);
	return rc ? -1 : 0;
}

/* Write count RRs of zones/-format data; -1 when out of space. */
static int reply_rrs(wire_writer *w, const uint8_t *owner, uint16_t type,
		     uint32_t ttl, const uint8_t *data, uint32_t len,
		     uint16_t count, uint16_t *n)
{
	size_t p = 0;

	for (uint16_t k = 0; k < count && p + 2 <= len; k++) {
		uint16_t rl = wire_get16(data + p);

		if (p + 2 + rl > len)
			break;
		if (wire_write_rr(w, owner, type, DNS_C_IN, ttl,
				  data + p + 2, rl, NULL) < 0)
			return -1;
		(*n)++;
		p += 2 + (size_t)rl;
	}
	return 0;
}

/* Is chain entry i an RRset listed before it (a DNAME used twice)? */
static int chain_dup(const res_task *t, int i)
{
	const chain_rr *c = &t->chain[i];

	for (int k = 0; k < i; k++)
		if (t->chain[k].type == c->type &&
		    wire_name_equal(t->chain[k].owner, c->owner))
			return 1;
	return 0;
}

static int reply_chain(const res_ctx *r, wire_writer *w, const res_task *t,
		       int dok, uint16_t *an)
{
	for (int i = 0; i < t->nchain; i++) {
		const chain_rr *c = &t->chain[i];
		uint32_t ttl = clamp_ttl(r, c->ttl);

		if (chain_dup(t, i))
			continue;
		if (reply_rrs(w, c->owner, c->type, ttl, c->data, c->len,
			      c->count, an) < 0)
			return -1;
		if (dok && c->sigs &&
		    reply_rrs(w, c->owner, DNS_T_RRSIG, ttl, c->sigs,
			      c->siglen, c->sigcount, an) < 0)
			return -1;
	}
	return 0;
}

/* A negative answer lives no longer than the NSEC/NSEC3 records that
 * prove it (RFC 9077 3): they go out with it to DO clients, and its AD
 * rests on them. */
static uint32_t proof_ttl(const res_task *t, uint32_t ttl)
{
	for (int i = 0; i < t->nauth; i++)
		if (t->auth[i].ttl < ttl)
			ttl = t->auth[i].ttl;
	return ttl;
}

uint32_t res_neg_ttl(const res_ctx *r, const res_task *t)
{
	uint32_t ttl, min;

	if (!t->has_soa || t->soa_len < 20)
		return r->cfg.neg_ttl;
	min = wire_get32(t->soa + t->soa_len - 4);
	ttl = t->soa_ttl < min ? t->soa_ttl : min;
	return proof_ttl(t, clamp_ttl(r, ttl));
}

/* OPT with an Extended DNS Error option (RFC 8914) when ede is set. */
static int reply_opt(const res_ctx *r, wire_writer *w, uint16_t do_bit,
		     uint16_t ede, const char *why)
{
	uint16_t udp = r->cfg.edns_max ? r->cfg.edns_max : EDNS_UP;
	size_t tl = why ? strlen(why) : 0;
	uint8_t opt[17 + 128];

	if (ede == NO_EDE)
		return wire_write_opt(w, udp, 0, 0, do_bit);
	if (tl > 128)
		tl = 128;
	opt[0] = 0;                      /* root owner */
	wire_put16(opt + 1, DNS_T_OPT);
	wire_put16(opt + 3, udp);
	wire_put32(opt + 5, do_bit);
	wire_put16(opt + 9, (uint16_t)(6 + tl));   /* rdlen */
	wire_put16(opt + 11, 15);        /* EDE option */
	wire_put16(opt + 13, (uint16_t)(2 + tl));
	wire_put16(opt + 15, ede);
	if (tl)
		memcpy(opt + 17, why, tl);
	return wire_write(w, opt, 17 + tl);
}

/* Negative (or NODATA after a chain): the SOA goes in authority. */
int res_task_negative(const res_task *t, int rcode)
{
	return rcode == DNS_R_NXDOMAIN || t->nchain == 0 ||
	       (t->qtype != DNS_T_ANY &&
		t->chain[t->nchain - 1].type != t->qtype);
}

/* DO clients: the denial (SOA RRSIGs, NSEC/NSEC3 + RRSIGs). */
static int reply_auth(const res_task *t, wire_writer *w, uint32_t ttl,
		      uint16_t *ns)
{
	const chain_rr *s = &t->soa_sig;

	if (s->sigs && reply_rrs(w, t->soa_owner, DNS_T_RRSIG, ttl, s->sigs,
				 s->siglen, s->sigcount, ns) < 0)
		return -1;
	for (int i = 0; i < t->nauth; i++) {
		const chain_rr *a = &t->auth[i];

		if (reply_rrs(w, a->owner, a->type, ttl, a->data, a->len,
			      a->count, ns) < 0 ||
		    (a->sigs && reply_rrs(w, a->owner, DNS_T_RRSIG, ttl,
					  a->sigs, a->siglen, a->sigcount,
					  ns) < 0))
			return -1;
	}
	return 0;
}

/* Build the reply for one waiter; returns its length, 0 on failure.
 * *ttl receives the TTL for the answer cache (0 = do not cache). */
static size_t reply_build(res_ctx *r, const res_task *t, const res_waiter *wt,
			  uint8_t *buf, size_t cap, uint32_t *ttl)
{
	wire_writer w;
	uint16_t an = 0, ns = 0;
	int dok = (wt->q.edns_flags & EDNS_F_DO) != 0;
	int bogus = t->sec == RES_SEC_BOGUS && !(wt->q.flags & DNS_F_CD);
	int sentinel = t->sec == RES_SEC_SECURE &&
		       res_sentinel_fails(r, &wt->q);
	int rcode = bogus || sentinel ? DNS_R_SERVFAIL : t->rcode;
	uint16_t ede = bogus ? t->vede : t->ede;
	const char *why = bogus ? t->vwhy : NULL;
	size_t optlen = !wt->q.has_edns ? 0 : ede == NO_EDE ? 11 :
			17 + (why ? (strlen(why) > 128 ? 128 : strlen(why)) : 0);
	int tc = 0;

	*ttl = 0;
	wire_writer_init(&w, buf, cap, res_reply_limit(r, wt, cap));
	if (w.limit < WIRE_HDRLEN + optlen + wt->q.qname_len + 4 ||
	    reply_header(&w, &wt->q, rcode) < 0)
		return 0;
	/* AD only for validated data, to clients that understand it
	 * (DO or AD in the query: RFC 6840 5.7) */
	if (t->sec == RES_SEC_SECURE && rcode != DNS_R_SERVFAIL &&
	    (dok || (wt->q.flags & DNS_F_AD)))
		wire_put16(buf + 2, wire_get16(buf + 2) | DNS_F_AD);
	w.limit -= optlen;
	if (rcode == DNS_R_SERVFAIL && t->loop) {
		tc = reply_chain(r, &w, t, dok, &an) < 0;
	} else if (rcode != DNS_R_SERVFAIL) {
		tc = reply_chain(r, &w, t, dok, &an) < 0;
		if (!tc && t->has_soa && res_task_negative(t, t->rcode)) {
			uint32_t nt = res_neg_ttl(r, t);

			if (wire_write_rr(&w, t->soa_owner, DNS_T_SOA,
					  DNS_C_IN, nt, t->soa, t->soa_len,
					  NULL) < 0)
				tc = 1;
			else
				ns = 1;
			if (!tc && dok && reply_auth(t, &w, nt, &ns) < 0)
				tc = 1;
			*ttl = nt;
		} else if (!tc && dok && t->nauth &&
			   reply_auth(t, &w, clamp_ttl(r, t->min_ttl),
				      &ns) < 0) {
			tc = 1;     /* wildcard proof of a positive answer */
		}
	}
	if (tc) {
		w.len = wt->q.question_end ? 12 + wt->q.qname_len + 4 : 12;
		an = ns = 0;
		wire_put16(buf + 2, wire_get16(buf + 2) | DNS_F_TC);
	}
	w.limit += optlen;
	if (wt->q.has_edns)
		reply_opt(r, &w, wt->q.edns_flags & EDNS_F_DO, ede, why);
	wire_put16(buf + 6, an);
	wire_put16(buf + 8, ns);
	wire_put16(buf + 10, wt->q.has_edns ? 1 : 0);
	if (!tc && !ns && (t->rcode == DNS_R_NXDOMAIN || an == 0))
		*ttl = r->cfg.neg_ttl;     /* negative without SOA */
	if (tc || t->stale || rcode == DNS_R_SERVFAIL ||
	    t->sec == RES_SEC_BOGUS ||
	    t->rcode == DNS_R_YXDOMAIN ||
	    (r->cfg.no_negcache && (t->rcode == DNS_R_NXDOMAIN || an == 0)))
		*ttl = 0;
	else if (an && (clamp_ttl(r, t->min_ttl) < *ttl || !ns ||
			!res_task_negative(t, t->rcode)))
		*ttl = clamp_ttl(r, t->min_ttl);   /* wildcard proofs included */
	return w.len;
}

void res_reply_deliver(res_ctx *r, const res_task *t, const res_waiter *w,
		       uint64_t now)
{
	int sync = (w == r->sync_w);
	uint8_t *buf = sync ? r->sync_buf : r->scratch;
	size_t cap = sync ? r->sync_cap : 65535;
	uint32_t ttl;
	size_t len;
	res_action a;

	memset(&a, 0, sizeof(a));
	a.client_token = w->token;
	if (t->jostled) {        /* the shell forgets the client */
		a.kind = RES_ACT_DROP;
		if (!w->prefetch && !sync)
			res_queue_push(r, &a, (const uint8_t *)"", 0);
		return;
	}
	len = reply_build(r, t, w, buf, cap, &ttl);
	if (len == 0)
		return;
	if (t->rcode == DNS_R_SERVFAIL ||
	    (t->sec == RES_SEC_BOGUS && !(w->q.flags & DNS_F_CD)))
		r->st.servfail++;
	if (ttl > 0 && r->cache && !r->cfg.no_cache)
		res_cache_put_answer(r->cache, &w->q, buf, len, ttl, now);
	if (sync) {
		r->sync_len = len;
		r->sync_done = 1;
		return;
	}
	if (w->prefetch)
		return;
	a.kind = RES_ACT_ANSWER;
	res_queue_push(r, &a, buf, len);
}
