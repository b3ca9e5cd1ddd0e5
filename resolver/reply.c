/*
 * An upstream reply for a transaction: is it the answer to what was
 * asked (id, question, 0x20 case, client cookie)?  Then TC, FORMERR,
 * BADCOOKIE and 0x20 trouble are retried, errors mark the server lame,
 * --stop-dns-rebind refuses private addresses, and the rest is a
 * referral, a step of QNAME minimisation, a final answer or a negative
 * one (RFC 2308, RFC 8020).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resolver/res_int.h"

/* Where the data of a reply came from: a bogus answer is asked again
 * of the zone's other servers (chain.c). */
static void mark_src(res_task *t, int first, const res_txn *x)
{
	for (int i = first; i < t->nchain; i++) {
		t->chain[i].src = x->server;
		t->chain[i].has_src = 1;
	}
}

static void neg_src(res_task *t, const res_txn *x)
{
	t->neg_src = x->server;
	t->neg_has_src = 1;
}

static void on_negative(res_ctx *r, res_task *t, const res_msg *m,
			const res_txn *x, const uint8_t *name, int nx,
			uint64_t now)
{
	neg_src(t, x);
	res_take_soa(r, t, m, x->zone);
	res_take_auth(r, t, m, x->zone);
	name_copy(t->neg_name, name);
	res_neg_put(r, t, name, nx ? 0 : t->qtype, now);
	res_task_finish(r, t, nx ? DNS_R_NXDOMAIN : DNS_R_NOERROR, now);
}

/* Reply to a minimised query: the intermediate name exists (or not). */
static void on_minimised(res_ctx *r, res_task *t, const res_msg *m,
			 const res_txn *x, uint64_t now)
{
	int rcode = m->flags & 0xf;
	uint8_t qn[WIRE_MAXNAME];
	const msg_rr *ns;

	wire_name_lower(qn, x->qname);
	if (rcode == DNS_R_NXDOMAIN &&
	    !res_msg_first(m, RR_SEC_AN, DNS_T_CNAME) &&
	    !res_msg_first(m, RR_SEC_AN, DNS_T_DNAME)) {
		/* RFC 8020: nothing exists below qn either (after a CNAME
		 * or DNAME the NXDOMAIN is about the target); but some
		 * servers say NXDOMAIN for empty non-terminals: without
		 * an NSEC/NSEC3 proof, ask the full name before believing
		 * it (RFC 9156 2.3, as unbound's relaxed mode) */
		if (!t->qmin_off && !res_msg_first(m, RR_SEC_NS, DNS_T_NSEC) &&
		    !res_msg_first(m, RR_SEC_NS, DNS_T_NSEC3)) {
			res_qmin_giveup(t);
			res_task_retry(r, t);
			return;
		}
		res_cache_msg(r, m, x->zone, 0, now);
		res_take_soa(r, t, m, x->zone);
		res_take_auth(r, t, m, x->zone);
		neg_src(t, x);
		name_copy(t->neg_name, qn);
		res_neg_put(r, t, qn, 0, now);
		res_task_finish(r, t, DNS_R_NXDOMAIN, now);
		return;
	}
	ns = res_find_referral(m);
	if (!res_msg_first(m, RR_SEC_AN, DNS_T_A) && ns) {
		if (!res_referral_ok(m, ns, x->zone, qn)) {
			res_tried_mark(t, &x->server, 1);
			res_task_retry(r, t);
			return;
		}
		res_cache_msg(r, m, x->zone, 1, now);
		if (res_take_pside(r, t, m, ns, x->zone))
			res_task_wake(r, t);
		else
			res_task_progress(r, t);
		return;
	}
	res_cache_msg(r, m, x->zone, 0, now);
	res_qmin_next(t);
	res_task_progress(r, t);
}

static void on_final(res_ctx *r, res_task *t, const res_msg *m,
		     const res_txn *x, uint64_t now)
{
	int rcode = m->flags & 0xf, aa = (m->flags & DNS_F_AA) != 0;
	uint8_t name[WIRE_MAXNAME];
	const msg_rr *ns;
	int ch, first = t->nchain;

	name_copy(name, t->sname);
	ns = res_find_referral(m);
	if (ns && !res_msg_first(m, RR_SEC_AN, t->qtype) && rcode == 0) {
		if (x->fwd || !res_referral_ok(m, ns, x->zone, name)) {
			res_tried_mark(t, &x->server, 1);     /* lame */
			res_task_retry(r, t);
			return;
		}
		res_cache_msg(r, m, x->zone, 1, now);
		if (res_take_pside(r, t, m, ns, x->zone))
			res_task_wake(r, t);
		else
			res_task_progress(r, t);
		return;
	}
	res_cache_msg(r, m, x->zone, 0, now);
	ch = res_follow_answer(r, t, m, name, t->qtype, 1);
	mark_src(t, first, x);
	if (ch == CH_FINAL)
		res_take_auth(r, t, m, x->zone);   /* a wildcard's proof */
	if (ch == CH_FINAL) {
		res_task_finish(r, t, DNS_R_NOERROR, now);
	} else if (ch == CH_FAIL) {
		res_task_finish(r, t, DNS_R_SERVFAIL, now);
	} else if (ch == CH_YXDOMAIN) {
		res_task_finish(r, t, DNS_R_YXDOMAIN, now);
	} else if (ch == CH_LOOP) {
		t->loop = 1;
		res_task_finish(r, t, DNS_R_SERVFAIL, now);
	} else if (ch == CH_MOVED && !wire_name_is_sub(name, x->zone)) {
		/* the chain left the server's zone: what it says of the
		 * target (data, NXDOMAIN, SOA) is not its to say; the
		 * proof of a wildcard CNAME is (its own zone's) */
		res_take_auth(r, t, m, x->zone);
		name_copy(t->sname, name);
		res_task_progress(r, t);
	} else if (rcode == DNS_R_NXDOMAIN) {
		on_negative(r, t, m, x, name, 1, now);
	} else if (ch == CH_MOVED && !res_msg_first(m, RR_SEC_NS, DNS_T_SOA)) {
		res_take_auth(r, t, m, x->zone);   /* a wildcard CNAME's proof */
		name_copy(t->sname, name);   /* resolve the target afresh */
		res_task_progress(r, t);
	} else if (aa || x->fwd || res_msg_first(m, RR_SEC_NS, DNS_T_SOA)) {
		on_negative(r, t, m, x, name, 0, now);
	} else {
		res_tried_mark(t, &x->server, 1);         /* lame */
		res_task_retry(r, t);
	}
}

/* Check a reply against its transaction.  0 ok, 1 spoofed/mismatch
 * (ignore), 2 case not preserved (retry without 0x20). */
static int reply_check(const res_txn *x, const res_msg *m)
{
	if (m->id != x->msgid || !(m->flags & DNS_F_QR) ||
	    m->qtype != x->qtype || m->qclass != DNS_C_IN)
		return 1;
	if (memcmp(m->qname, x->qname, wire_name_len(x->qname)) == 0)
		return 0;
	return wire_name_equal(m->qname, x->qname) ? 2 : 1;
}

static void resend(res_ctx *r, res_txn *x, uint8_t transport, int nocaps,
		   uint64_t now)
{
	uint8_t qn[WIRE_MAXNAME];
	send_spec s;

	wire_name_lower(qn, x->qname);
	memset(&s, 0, sizeof(s));
	s.qname = qn;
	s.qtype = x->qtype;
	s.zone = x->zone;
	s.rd = x->fwd;
	s.fwd = x->fwd;
	s.minimised = x->minimised;
	s.transport = transport;
	s.nocaps = (uint8_t)nocaps;
	s.cookie_retry = x->cookie_retry;
	s.tls_name = x->tls_name;
	if (x->task->root->work >= MAX_WORK ||
	    res_txn_send(r, x->task, &x->server, &s, now) < 0)
		res_task_retry(r, x->task);
}

/* RFC 7873 5.3: a reply whose COOKIE option carries another client
 * cookie than the one we sent is not for us (-1); a good one teaches us
 * the server cookie.  No COOKIE option: the server does not do cookies
 * (accepted, as BIND does by default). */
static int cookie_verify(res_ctx *r, const res_txn *x, const res_msg *m,
			 uint64_t now)
{
	const msg_rr *o = x->cookie ? res_msg_opt(m) : NULL;
	uint8_t sc[RES_SC_MAX], sl = 0;
	res_srvinfo *si;

	if (!o)
		return 0;
	switch (res_cookie_check(m->buf + o->rd, o->rdlen, x->cc, sc, &sl)) {
	case RES_COOKIE_BAD:
		return -1;
	case RES_COOKIE_OK:
		si = res_srv_info(r->srv, &x->server, now);
		if (si && sl) {
			memcpy(si->sc, sc, sl);
			si->sclen = sl;
		}
		return 0;
	default:
		return 0;
	}
}

/* BADCOOKIE (RFC 7873 5.3): the server cookie is learnt already; ask
 * once more with it, then over TCP (no cookie needed there). */
static int on_badcookie(res_ctx *r, res_txn *x, const res_msg *m,
			uint64_t now)
{
	const msg_rr *o = res_msg_opt(m);

	if (!x->cookie || !o ||
	    ((o->ttl >> 24) << 4 | (m->flags & 0xfu)) != RES_R_BADCOOKIE)
		return 0;
	r->st.badcookie++;
	if (!x->cookie_retry) {
		x->cookie_retry = 1;
		resend(r, x, x->transport, !x->caps, now);
	} else if (x->transport == RES_T_UDP) {
		resend(r, x, RES_T_TCP, !x->caps, now);
	} else {
		res_tried_mark(x->task, &x->server, 1);
		res_task_retry(r, x->task);
	}
	return 1;
}

/* --stop-dns-rebind (policy.c): a private address in the answer. */
static int rebind_blocked(const res_ctx *r, const res_task *t,
			  const res_msg *m)
{
	int hit = 0;

	for (size_t i = 0; r->cfg.stop_rebind && i < m->nrr && !hit; i++)
		hit = m->rr[i].sec == RR_SEC_AN &&
		      res_policy_private_addr(&r->cfg, m->rr[i].type,
					      m->buf + m->rr[i].rd,
					      m->rr[i].rdlen);
	return hit && !res_policy_rebind_ok(&r->cfg, t->qname);
}

static void on_reply_msg(res_ctx *r, res_txn *x, const res_msg *m,
			 uint64_t now)
{
	res_task *t = x->task;
	int rcode = m->flags & 0xf;
	res_srvinfo *si = res_srv_info(r->srv, &x->server, now);

	if ((m->flags & DNS_F_TC) && x->transport == RES_T_UDP) {
		resend(r, x, RES_T_TCP, !x->caps, now);
		return;
	}
	if (on_badcookie(r, x, m, now))
		return;
	if (rcode == DNS_R_FORMERR && x->edns && si) {
		si->no_edns = 1;
		resend(r, x, x->transport, !x->caps, now);
		return;
	}
	if (rcode != DNS_R_NOERROR && rcode != DNS_R_NXDOMAIN) {
		if (x->minimised && !t->qmin_off) {
			/* RFC 9156 3: some servers fail on the minimised
			 * name; ask the full name instead */
			res_qmin_giveup(t);
			res_task_retry(r, t);
			return;
		}
		res_tried_mark(t, &x->server, 1);
		res_task_retry(r, t);
		return;
	}
	if (res_policy_addr_in(r->cfg.bogus_nx, r->cfg.nbogus_nx, m)) {
		/* --bogus-nxdomain: NXDOMAIN, nothing cached (dnsmasq) */
		if (x->minimised) {
			t->qmin_off = 1;
			res_task_retry(r, t);
			return;
		}
		r->st.bogus_nxdomain++;
		t->ede = EDE_BLOCKED;
		res_task_finish(r, t, DNS_R_NXDOMAIN, now);
		return;
	}
	if (rebind_blocked(r, t, m)) {   /* nothing of it is cached */
		if (x->minimised) {      /* ask the full name instead */
			t->qmin_off = 1;
			res_task_retry(r, t);
			return;
		}
		r->st.rebind_blocked++;
		if (r->cfg.on_rebind)
			r->cfg.on_rebind(r->cfg.on_rebind_arg, t->qname);
		t->ede = EDE_BLOCKED;
		res_task_finish(r, t, DNS_R_NOERROR, now);
		return;
	}
	if (x->minimised)
		on_minimised(r, t, m, x, now);
	else
		on_final(r, t, m, x, now);
}

/* A reply for x (see res_on_reply): 1 dropped as a spoof (x still
 * waits), 0 taken (x is freed; the caller runs the woken tasks). */
int res_reply_take(res_ctx *r, res_txn *x, const uint8_t *msg, size_t len,
		   uint64_t now_ms)
{
	int rc;

	if (res_msg_parse(r->msg, msg, len) < 0) {
		/* unusable: a spoof or a broken server; wait for the
		 * timeout unless the header matches this query */
		if (len >= WIRE_HDRLEN && wire_get16(msg) == x->msgid &&
		    (wire_get16(msg + 2) & DNS_F_QR)) {
			res_txn_unlink(r, x);
			if (res_tracing(r))
				res_ev_timeout(r, x, "malformed reply");
			res_tried_mark(x->task, &x->server, 1);
			res_task_retry(r, x->task);
			free(x);
			return 0;
		}
		r->st.spoofed_dropped++;
		return 1;
	}
	rc = reply_check(x, r->msg);
	if (rc == 1) {
		r->st.spoofed_dropped++;
		return 1;
	}
	if (cookie_verify(r, x, r->msg, now_ms) < 0) {
		r->st.cookie_spoofed++;   /* keep waiting for the real one */
		r->st.spoofed_dropped++;
		return 1;
	}
	res_policy_doctor(&r->cfg, r->msg);
	if ((x->task->qtype == DNS_T_A || x->task->qtype == DNS_T_AAAA) &&
	    res_policy_addr_in(r->cfg.ignore_addr, r->cfg.nignore_addr,
			       r->msg)) {
		r->st.ignored_replies++;  /* --ignore-address: wait on */
		return 1;
	}
	res_txn_unlink(r, x);
	if (res_tracing(r))
		res_ev_reply(r, x, msg, len, now_ms);
	res_srv_rtt(r->srv, &x->server, (uint32_t)(now_ms - x->sent_ms),
		    now_ms);
	if (rc == 2) {
		res_srvinfo *si = res_srv_info(r->srv, &x->server, now_ms);

		if (si)
			si->no_caps = 1;
		resend(r, x, x->transport, 1, now_ms);
	} else {
		res_msg_bailiwick(r->msg, x->zone);
		on_reply_msg(r, x, r->msg, now_ms);
	}
	free(x);
	return 0;
}
