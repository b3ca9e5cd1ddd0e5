/*
 * Upstream messages: parsed once into a res_msg (names lowercased, rdata
 * names decompressed), then read by section, owner and type.  What a
 * reply says goes into the RRset cache (RFC 2181 5.4.1 trust, bailiwick)
 * and the negative cache (RFC 2308); its answer section is followed
 * (CNAME and DNAME links, RFC 6672) into a task's chain, with the SOA and
 * NSEC/NSEC3 RRsets of the authority section for negative answers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resolver/res_int.h"

static int cache_put(res_ctx *r, const uint8_t *owner, uint16_t type,
		     uint32_t ttl, uint8_t trust, const uint8_t *data,
		     uint32_t len, uint16_t count, const uint8_t *sigs,
		     uint32_t siglen, uint16_t sigcount, uint64_t now)
{
	uint8_t lname[WIRE_MAXNAME];

	if (!r->cache)
		return 0;
	wire_name_lower(lname, owner);
	return res_cache_put_rrset(r->cache, lname, type, clamp_ttl(r, ttl),
				   now, trust, RES_SEC_UNCHECKED, data, len,
				   count, sigs, siglen, sigcount);
}

void res_neg_put(res_ctx *r, const res_task *t, const uint8_t *name,
		 uint16_t type, uint64_t now)
{
	uint32_t ttl = res_neg_ttl(r, t);
	uint8_t soa[2 + 65535];

	if (r->cfg.no_negcache || !r->cache || ttl == 0)
		return;
	/* the SOA as a one-RR RRset in zones/ format */
	if (t->has_soa) {
		wire_put16(soa, t->soa_len);
		memcpy(soa + 2, t->soa, t->soa_len);
	}
	res_cache_put_neg(r->cache, name, type, ttl, now, RES_SEC_UNCHECKED,
			  t->has_soa ? t->soa_owner : NULL,
			  t->has_soa ? soa : NULL,
			  t->has_soa ? 2 + (uint32_t)t->soa_len : 0,
			  t->soa_ttl);
}

static int rd_has_names(uint16_t type, size_t *pre, int *names, size_t *post)
{
	*pre = 0;
	*post = 0;
	*names = 1;
	switch (type) {
	case DNS_T_NS: case DNS_T_CNAME: case DNS_T_PTR: case DNS_T_DNAME:
		return 1;
	case DNS_T_MX:
		*pre = 2;
		return 1;
	case DNS_T_SOA:
		*names = 2;
		*post = 20;
		return 1;
	default:
		return 0;
	}
}

/* Decompress the rdata at p (rdlen bytes) into m->buf. */
static int msg_rdata(res_msg *m, const uint8_t *pkt, size_t len, size_t p,
		     uint16_t type, uint16_t rdlen, uint16_t *outlen)
{
	size_t pre, post, end = p + rdlen, start = m->blen;
	int names;

	if (end > len || m->blen + 2 * WIRE_MAXNAME + rdlen + 32 > MSG_BUF)
		return -1;
	if (!rd_has_names(type, &pre, &names, &post)) {
		memcpy(m->buf + m->blen, pkt + p, rdlen);
		m->blen += rdlen;
		*outlen = rdlen;
		return 0;
	}
	if (pre > rdlen)
		return -1;
	memcpy(m->buf + m->blen, pkt + p, pre);
	m->blen += pre;
	p += pre;
	for (int i = 0; i < names; i++) {
		int n = wire_name_read(pkt, end, &p, m->buf + m->blen);

		if (n < 0)
			return -1;
		m->blen += (size_t)n;
	}
	if (p + post != end)
		return -1;
	memcpy(m->buf + m->blen, pkt + p, post);
	m->blen += post;
	if (m->blen - start > 65535)
		return -1;
	*outlen = (uint16_t)(m->blen - start);
	return 0;
}

static int msg_rr_parse(res_msg *m, const uint8_t *pkt, size_t len,
			size_t *pos, uint8_t sec)
{
	uint8_t owner[WIRE_MAXNAME];
	msg_rr *rr;
	int n = wire_name_read(pkt, len, pos, owner);

	if (n < 0 || *pos + 10 > len || m->nrr >= MSG_MAXRR ||
	    m->blen + WIRE_MAXNAME > MSG_BUF)
		return -1;
	rr = &m->rr[m->nrr];
	rr->sec = sec;
	rr->type = wire_get16(pkt + *pos);
	rr->cls = wire_get16(pkt + *pos + 2);
	rr->ttl = wire_get32(pkt + *pos + 4);
	if (rr->ttl & 0x80000000u)
		rr->ttl = 0;              /* RFC 2181 8 */
	rr->owner = (uint32_t)m->blen;
	m->blen += wire_name_lower(m->buf + m->blen, owner);
	rr->rd = (uint32_t)m->blen;
	if (msg_rdata(m, pkt, len, *pos + 10, rr->type,
		      wire_get16(pkt + *pos + 8), &rr->rdlen) < 0)
		return -1;
	*pos += 10 + wire_get16(pkt + *pos + 8);
	m->nrr++;
	return 0;
}

int res_msg_parse(res_msg *m, const uint8_t *pkt, size_t len)
{
	uint16_t cnt[3];
	size_t pos = WIRE_HDRLEN;

	if (len < WIRE_HDRLEN || wire_get16(pkt + 4) != 1)
		return -1;
	m->id = wire_get16(pkt);
	m->flags = wire_get16(pkt + 2);
	m->nrr = 0;
	m->blen = 0;
	if (wire_name_read(pkt, len, &pos, m->qname) < 0 || pos + 4 > len)
		return -1;
	m->qtype = wire_get16(pkt + pos);
	m->qclass = wire_get16(pkt + pos + 2);
	pos += 4;
	cnt[0] = wire_get16(pkt + 6);
	cnt[1] = wire_get16(pkt + 8);
	cnt[2] = wire_get16(pkt + 10);
	for (int s = 0; s < 3; s++)
		for (uint16_t i = 0; i < cnt[s]; i++)
			if (msg_rr_parse(m, pkt, len, &pos,
					 (uint8_t)(s + 1)) < 0)
				return s == 2 ? 0 : -1; /* bad additional:
							   keep the rest */
	return 0;
}

/*
 * Gather an RRset (sec, owner, type) of m into zones/ format in out;
 * returns the RR count (0 = none).  *ttl = lowest TTL.
 */
uint16_t res_msg_rrset(const res_msg *m, int sec, const uint8_t *owner,
		       uint16_t type, uint8_t *out, size_t cap,
		       uint32_t *len, uint32_t *ttl)
{
	uint16_t n = 0;
	size_t o = 0;

	*ttl = UINT32_MAX;
	for (size_t i = 0; i < m->nrr; i++) {
		const msg_rr *rr = &m->rr[i];

		if (rr->sec != sec || rr->type != type ||
		    rr->cls != DNS_C_IN ||
		    !wire_name_equal(rr_owner(m, rr), owner))
			continue;
		if (o + 2 + rr->rdlen > cap)
			break;
		wire_put16(out + o, rr->rdlen);
		memcpy(out + o + 2, m->buf + rr->rd, rr->rdlen);
		o += 2 + (size_t)rr->rdlen;
		if (rr->ttl < *ttl)
			*ttl = rr->ttl;
		n++;
	}
	*len = (uint32_t)o;
	return n;
}

/* RRSIGs of (sec, owner) covering type. */
uint16_t res_msg_sigs(const res_msg *m, int sec, const uint8_t *owner,
		      uint16_t type, uint8_t *out, size_t cap,
		      uint32_t *len)
{
	uint16_t n = 0;
	size_t o = 0;

	for (size_t i = 0; i < m->nrr; i++) {
		const msg_rr *rr = &m->rr[i];

		if (rr->sec != sec || rr->type != DNS_T_RRSIG ||
		    rr->rdlen < 18 ||
		    wire_get16(m->buf + rr->rd) != type ||
		    !wire_name_equal(rr_owner(m, rr), owner))
			continue;
		if (o + 2 + rr->rdlen > cap)
			break;
		wire_put16(out + o, rr->rdlen);
		memcpy(out + o + 2, m->buf + rr->rd, rr->rdlen);
		o += 2 + (size_t)rr->rdlen;
		n++;
	}
	*len = (uint32_t)o;
	return n;
}

/* First RR of a (sec, type) with owner below/at zone, or NULL. */
const msg_rr *res_msg_first(const res_msg *m, int sec, uint16_t type)
{
	for (size_t i = 0; i < m->nrr; i++)
		if (m->rr[i].sec == sec && m->rr[i].type == type &&
		    m->rr[i].cls == DNS_C_IN)
			return &m->rr[i];
	return NULL;
}

/* Is rr the first of its (sec, owner, type) group? */
static int rr_first_of_set(const res_msg *m, size_t i)
{
	const msg_rr *rr = &m->rr[i];

	for (size_t k = 0; k < i; k++)
		if (m->rr[k].sec == rr->sec && m->rr[k].type == rr->type &&
		    wire_name_equal(rr_owner(m, &m->rr[k]), rr_owner(m, rr)))
			return 0;
	return 1;
}

/* Trust of an RRset of m by section, or 0: do not cache (RFC 2181 5.4.1,
 * bailiwick: only data at/below the zone the server serves). */
static uint8_t rr_trust(const res_msg *m, const msg_rr *rr,
			const uint8_t *bw, int referral)
{
	int aa = (m->flags & DNS_F_AA) != 0;

	if (rr->cls != DNS_C_IN || rr->type == DNS_T_OPT ||
	    rr->type == DNS_T_RRSIG || rr->type == DNS_T_TSIG ||
	    !wire_name_is_sub(rr_owner(m, rr), bw))
		return 0;
	if (rr->sec == RR_SEC_AN)
		return aa ? RES_TRUST_AUTH_ANSWER : RES_TRUST_ANSWER;
	if (rr->sec == RR_SEC_NS) {
		if (rr->type == DNS_T_NS || rr->type == DNS_T_DS)
			return referral ? RES_TRUST_GLUE :
			       (aa ? RES_TRUST_AUTHORITY : 0);
		return 0;   /* SOA / NSEC: kept with the negative entry */
	}
	/* additional data only as referral glue (never from a forwarder:
	 * its referrals are refused as lame before caching) */
	if (referral && (rr->type == DNS_T_A || rr->type == DNS_T_AAAA))
		return RES_TRUST_GLUE;
	return 0;
}

/* Is owner on the answer's chain from qn: qn itself, a CNAME target in
 * the answer, or the owner of a DNAME above qn or above such a target? */
static int an_relevant(const res_msg *m, const uint8_t *owner,
		       const uint8_t *qn)
{
	if (wire_name_equal(owner, qn) || wire_name_is_sub(qn, owner))
		return 1;
	for (size_t i = 0; i < m->nrr; i++) {
		const msg_rr *rr = &m->rr[i];

		if (rr->sec != RR_SEC_AN || rr->type != DNS_T_CNAME)
			continue;
		if (wire_name_equal(owner, m->buf + rr->rd) ||
		    wire_name_is_sub(m->buf + rr->rd, owner))
			return 1;
	}
	return 0;
}

/* The DNAME of the answer section strictly above name and at or below
 * bw, or NULL. */
static const msg_rr *find_dname(const res_msg *m, const uint8_t *name,
				const uint8_t *bw)
{
	for (size_t i = 0; i < m->nrr; i++) {
		const msg_rr *rr = &m->rr[i];

		if (rr->sec == RR_SEC_AN && rr->type == DNS_T_DNAME &&
		    rr->cls == DNS_C_IN &&
		    !wire_name_equal(rr_owner(m, rr), name) &&
		    wire_name_is_sub(name, rr_owner(m, rr)) &&
		    wire_name_is_sub(rr_owner(m, rr), bw))
			return rr;
	}
	return NULL;
}

/*
 * A zone's own servers may not keep their NS RRset alive: an NS RRset
 * from an answer (not the parent's referral) never outlives the cached
 * one it replaces, so the delegation is asked of the parent again when
 * it expires and a domain moved to other servers (sold, or taken away)
 * follows its parent (the "ghost domain" problem, CVE-2012-1033; BIND and
 * unbound do not let child-side data extend a cached NS TTL either).
 */
static uint32_t ns_ttl_cap(res_ctx *r, const uint8_t *owner, uint32_t ttl,
			   uint64_t now)
{
	uint8_t lname[WIRE_MAXNAME];
	res_crrset c;
	int stale;

	wire_name_lower(lname, owner);
	if (r->cache && res_cache_get_rrset(r->cache, lname, DNS_T_NS, now, 0,
					    &c, &stale) &&
	    ttl_left(c.expire_ms, now) < ttl)
		ttl = ttl_left(c.expire_ms, now);
	return ttl;
}

void res_cache_msg(res_ctx *r, const res_msg *m, const uint8_t *bw,
		   int referral, uint64_t now)
{
	uint8_t *data = r->scratch, *sigs = r->sigscratch;
	uint8_t qn[WIRE_MAXNAME];

	wire_name_lower(qn, m->qname);
	for (size_t i = 0; i < m->nrr; i++) {
		const msg_rr *rr = &m->rr[i];
		uint8_t trust = rr_trust(m, rr, bw, referral);
		uint32_t len, siglen, ttl;
		uint16_t n, ns;

		if (!trust || !rr_first_of_set(m, i))
			continue;
		if (rr->sec == RR_SEC_AN &&
		    !an_relevant(m, rr_owner(m, rr), qn))
			continue;
		if (rr->sec == RR_SEC_AN && rr->type != DNS_T_DNAME &&
		    !wire_name_equal(rr_owner(m, rr), qn) &&
		    wire_name_is_sub(qn, rr_owner(m, rr)))
			continue;     /* only a DNAME may sit above qn */
		if (rr->sec == RR_SEC_AN && rr->type == DNS_T_CNAME &&
		    find_dname(m, rr_owner(m, rr), bw))
			continue;     /* synthesised: the DNAME is cached */
		n = res_msg_rrset(m, rr->sec, rr_owner(m, rr), rr->type, data,
				  65535, &len, &ttl);
		ns = res_msg_sigs(m, rr->sec, rr_owner(m, rr), rr->type, sigs,
				  65535, &siglen);
		if (n && rr->type == DNS_T_NS && !referral)
			ttl = ns_ttl_cap(r, rr_owner(m, rr), ttl, now);
		if (n)
			cache_put(r, rr_owner(m, rr), rr->type, ttl, trust,
				  data, len, n, sigs, siglen, ns, now);
	}
}

/* The answer-section RRSIGs of (owner, type) onto the last chain entry. */
static void msg_chain_sigs(res_ctx *r, res_task *t, const res_msg *m,
			   const uint8_t *owner, uint16_t type)
{
	uint32_t siglen;
	uint16_t n = res_msg_sigs(m, RR_SEC_AN, owner, type, r->sigscratch,
				  65535, &siglen);

	res_chain_sigs(t, r->sigscratch, siglen, n);
}

/* name = prefix(name below owner) + target.  -1 if too long. */
static int dname_subst(uint8_t *name, const uint8_t *owner,
		       const uint8_t *target)
{
	uint8_t out[WIRE_MAXNAME];
	size_t plen = wire_name_len(name) - wire_name_len(owner);
	size_t tlen = wire_name_len(target);

	if (plen + tlen > WIRE_MAXNAME)
		return -1;
	memcpy(out, name, plen);
	memcpy(out + plen, target, tlen);
	wire_name_lower(name, out);
	return 0;
}

int res_chain_dname(res_task *t, const uint8_t *owner, const uint8_t *data,
		    uint32_t len, uint32_t ttl, const uint8_t *sigs,
		    uint32_t siglen, uint16_t sigcount, uint8_t sec,
		    uint8_t *name)
{
	uint8_t old[WIRE_MAXNAME], rd[2 + WIRE_MAXNAME];
	size_t tl = len > 2 ? wire_name_len(data + 2) : 0;

	if (len < 3 || tl + 2 != len)
		return -1;
	name_copy(old, name);
	if (res_chain_add(t, owner, DNS_T_DNAME, ttl, data, len, 1) < 0)
		return -1;
	res_chain_sigs(t, sigs, siglen, sigcount);
	if (sec == RES_SEC_SECURE || sec == RES_SEC_INSECURE)
		t->chain[t->nchain - 1].vsec = sec;
	if (dname_subst(name, owner, data + 2) < 0)
		return -2;
	/* RFC 6672 3.3: the CNAME carries the DNAME's TTL, and no RRSIG
	 * (the DNAME's proves it) */
	wire_put16(rd, (uint16_t)wire_name_len(name));
	name_copy(rd + 2, name);
	if (res_chain_add(t, old, DNS_T_CNAME, ttl, rd,
			  2 + (uint32_t)wire_name_len(name), 1) < 0)
		return -1;
	t->chain[t->nchain - 1].synth = 1;
	return 0;
}

/* A DNAME link of the answer section: the DNAME and the synthesized
 * CNAME (the server's own CNAME, if it sent one, is not used). */
static int chain_dname(res_ctx *r, res_task *t, const res_msg *m,
		       const msg_rr *d, uint8_t *name)
{
	uint32_t len, ttl, siglen;
	uint16_t n = res_msg_rrset(m, RR_SEC_AN, rr_owner(m, d), DNS_T_DNAME,
				   r->scratch, 65535, &len, &ttl);
	uint16_t ns = res_msg_sigs(m, RR_SEC_AN, rr_owner(m, d), DNS_T_DNAME,
				   r->sigscratch, 65535, &siglen);

	if (n != 1)
		return -1;
	return res_chain_dname(t, rr_owner(m, d), r->scratch, len, ttl,
			       r->sigscratch, siglen, ns, RES_SEC_UNCHECKED,
			       name);
}

/* qtype ANY: every RRset of name in the answer (RFC 8482 servers may
 * send a subset). */
static int follow_any(res_ctx *r, res_task *t, const res_msg *m,
		      const uint8_t *name, int record)
{
	int found = 0;

	for (size_t i = 0; i < m->nrr; i++) {
		const msg_rr *rr = &m->rr[i];
		uint32_t len, ttl;
		uint16_t n;

		if (rr->sec != RR_SEC_AN || rr->type == DNS_T_RRSIG ||
		    rr->cls != DNS_C_IN || !rr_first_of_set(m, i) ||
		    !wire_name_equal(rr_owner(m, rr), name))
			continue;
		found = 1;
		if (!record)
			continue;
		n = res_msg_rrset(m, RR_SEC_AN, name, rr->type, r->scratch, 65535,
				  &len, &ttl);
		if (res_chain_add(t, name, rr->type, ttl, r->scratch, len, n) < 0)
			return CH_FAIL;
		msg_chain_sigs(r, t, m, name, rr->type);
	}
	return found ? CH_FINAL : CH_NONE;
}

/* Follow qname through the answer section: DNAME, data, CNAME links.
 * A DNAME above the name comes first (RFC 6672 2.3: nothing exists below
 * it, a CNAME there is only its synthesis); the query type ends the
 * chain, so qtype CNAME ends with the synthesised CNAME.  A server's
 * reply has been through res_msg_bailiwick: where the chain leaves the
 * server's zone (CH_MOVED), the target is asked of its own servers. */
int res_follow_answer(res_ctx *r, res_task *t, const res_msg *m,
		      uint8_t *name, uint16_t qt, int record)
{
	static const uint8_t root[1] = { 0 };
	int moved = 0;

	if (qt == DNS_T_ANY)
		return follow_any(r, t, m, name, record);
	for (int hop = 0; hop <= MAX_CHAIN; hop++) {
		uint32_t len, ttl;
		uint16_t n;
		const msg_rr *d = find_dname(m, name, root);

		if (d) {
			int rc = record ? chain_dname(r, t, m, d, name) : 0;

			if (rc == -2)
				return CH_YXDOMAIN;
			if (rc < 0)
				return CH_FAIL;
			if (!record || qt == DNS_T_CNAME)
				return CH_FINAL;
			if (res_chain_loops(t, name))
				return CH_LOOP;
			moved = 1;
			continue;
		}
		n = res_msg_rrset(m, RR_SEC_AN, name, qt, r->scratch, 65535,
				  &len, &ttl);
		if (n) {
			if (record && res_chain_add(t, name, qt, ttl, r->scratch,
						    len, n) < 0)
				return CH_FAIL;
			if (record)
				msg_chain_sigs(r, t, m, name, qt);
			return CH_FINAL;
		}
		n = qt == DNS_T_CNAME ? 0 :
		    res_msg_rrset(m, RR_SEC_AN, name, DNS_T_CNAME, r->scratch,
				  65535, &len, &ttl);
		if (!n)
			return moved ? CH_MOVED : CH_NONE;
		if (!record)
			return CH_FINAL;
		if (t->nchain >= MAX_CHAIN ||
		    res_chain_add(t, name, DNS_T_CNAME, ttl, r->scratch, len,
				  1) < 0)
			return CH_FAIL;
		wire_name_lower(name, r->scratch + 2);
		msg_chain_sigs(r, t, m, t->chain[t->nchain - 1].owner,
			       DNS_T_CNAME);
		if (res_chain_loops(t, name))
			return CH_LOOP;
		moved = 1;
	}
	return CH_FAIL;
}

/* Keep RRset (owner, type) of the authority section with its RRSIGs. */
static int keep_auth(res_ctx *r, chain_rr *c, const res_msg *m,
		     const uint8_t *owner, uint16_t type)
{
	uint32_t len, siglen, ttl;
	uint16_t n = res_msg_rrset(m, RR_SEC_NS, owner, type, r->scratch, 65535,
				   &len, &ttl);
	uint16_t ns = res_msg_sigs(m, RR_SEC_NS, owner, type, r->sigscratch,
				   65535, &siglen);

	memset(c, 0, sizeof(*c));
	if (!n && type != DNS_T_SOA)
		return -1;
	c->data = n ? malloc(len) : NULL;
	c->sigs = ns ? malloc(siglen) : NULL;
	if ((n && !c->data) || (ns && !c->sigs)) {
		res_crr_free(c);
		return -1;
	}
	if (n)
		memcpy(c->data, r->scratch, len);
	if (ns)
		memcpy(c->sigs, r->sigscratch, siglen);
	name_copy(c->owner, owner);
	c->type = type;
	c->count = n;
	c->len = n ? len : 0;
	c->ttl = n ? ttl : 0;
	c->sigcount = ns;
	c->siglen = ns ? siglen : 0;
	return 0;
}

void res_take_soa(res_ctx *r, res_task *t, const res_msg *m,
		  const uint8_t *bw)
{
	const msg_rr *s = res_msg_first(m, RR_SEC_NS, DNS_T_SOA);

	if (!s || !wire_name_is_sub(rr_owner(m, s), bw))
		return;
	res_task_set_soa(t, rr_owner(m, s), m->buf + s->rd, s->rdlen, s->ttl);
	res_crr_free(&t->soa_sig);
	keep_auth(r, &t->soa_sig, m, rr_owner(m, s), DNS_T_SOA);
}

/* The NSEC/NSEC3 RRsets (with RRSIGs) of the authority section: the
 * denial of a negative answer or a wildcard's "no closer match". */
void res_take_auth(res_ctx *r, res_task *t, const res_msg *m,
		   const uint8_t *bw)
{
	for (size_t i = 0; i < m->nrr && t->nauth < MAX_AUTH; i++) {
		const msg_rr *rr = &m->rr[i];

		if (rr->sec != RR_SEC_NS || rr->cls != DNS_C_IN ||
		    (rr->type != DNS_T_NSEC && rr->type != DNS_T_NSEC3) ||
		    !rr_first_of_set(m, i) ||
		    !wire_name_is_sub(rr_owner(m, rr), bw))
			continue;
		if (keep_auth(r, &t->auth[t->nauth], m, rr_owner(m, rr),
			      rr->type) == 0)
			t->nauth++;
	}
}

/* An NS RRset in authority of a reply without SOA or CNAME: a referral
 * (res_referral_ok checks that it points below the zone towards qn). */
const msg_rr *res_find_referral(const res_msg *m)
{
	const msg_rr *ns = res_msg_first(m, RR_SEC_NS, DNS_T_NS);

	if (!ns || res_msg_first(m, RR_SEC_NS, DNS_T_SOA) ||
	    res_msg_first(m, RR_SEC_AN, DNS_T_CNAME))
		return NULL;
	return ns;
}

int res_referral_ok(const res_msg *m, const msg_rr *ns,
		    const uint8_t *bw, const uint8_t *qn)
{
	const uint8_t *o = rr_owner(m, ns);

	return !wire_name_equal(o, bw) && wire_name_is_sub(o, bw) &&
	       wire_name_is_sub(qn, o);
}

/*
 * RFC 2181 5.4.1: a server speaks for its own zone (bw) only.  Answer
 * records outside it (what follows a CNAME or DNAME that leaves the
 * zone) are dropped, so the chain is followed by asking the target's own
 * servers and nothing of them is cached or answered.  bw "" (a
 * forwarder) keeps everything.
 */
void res_msg_bailiwick(res_msg *m, const uint8_t *bw)
{
	size_t k = 0;

	for (size_t i = 0; i < m->nrr; i++)
		if (m->rr[i].sec != RR_SEC_AN ||
		    wire_name_is_sub(rr_owner(m, &m->rr[i]), bw))
			m->rr[k++] = m->rr[i];
	m->nrr = k;
}

/* The OPT record of a reply, or NULL. */
const msg_rr *res_msg_opt(const res_msg *m)
{
	for (size_t i = 0; i < m->nrr; i++)
		if (m->rr[i].sec == RR_SEC_AR && m->rr[i].type == DNS_T_OPT)
			return &m->rr[i];
	return NULL;
}

/* Is lname one of the NS targets in data (zones/ format)? */
static int ns_target(const uint8_t *data, uint32_t len, uint16_t count,
		     const uint8_t *lname)
{
	size_t p = 0;

	for (uint16_t k = 0; k < count && p + 2 <= len; k++) {
		uint16_t rl = wire_get16(data + p);
		uint8_t target[WIRE_MAXNAME];

		if (p + 2 + rl > len || rl == 0)
			break;
		wire_name_lower(target, data + p + 2);
		if (wire_name_equal(target, lname))
			return 1;
		p += 2 + (size_t)rl;
	}
	return 0;
}

/*
 * Parent-side fallback (iter.c): the task asked the parent again for the
 * delegation of t->pcut because the servers the cache names for it (the
 * child's own NS set, which outranks the parent's) did not work.  The
 * referral's NS RRset and glue (within bw, the parent's bailiwick) are
 * kept in the task: the cache keeps the child's data.  1 when taken:
 * the caller keeps the task's tries (an address both sides name and
 * that failed is not asked again).
 */
int res_take_pside(res_ctx *r, res_task *t, const res_msg *m,
		   const msg_rr *ns, const uint8_t *bw)
{
	uint32_t len, ttl;
	uint16_t n;

	if (t->pside != 1 || !wire_name_equal(rr_owner(m, ns), t->pcut))
		return 0;
	n = res_msg_rrset(m, RR_SEC_NS, t->pcut, DNS_T_NS, r->scratch, 65535,
			  &len, &ttl);
	if (!n || !(t->pns = malloc(len)))
		return 0;
	memcpy(t->pns, r->scratch, len);
	t->pnslen = len;
	t->pnscount = n;
	t->pside = 2;
	for (size_t i = 0; i < m->nrr && t->npaddr < MAX_ADDRS; i++) {
		const msg_rr *rr = &m->rr[i];
		res_addr *a = &t->paddr[t->npaddr];
		int v4 = rr->type == DNS_T_A && rr->rdlen == 4;

		if (rr->sec != RR_SEC_AR || rr->cls != DNS_C_IN ||
		    !(v4 || (rr->type == DNS_T_AAAA && rr->rdlen == 16)) ||
		    (v4 && r->cfg.ipv6_only) || (!v4 && r->cfg.ipv4_only) ||
		    !wire_name_is_sub(rr_owner(m, rr), bw) ||
		    !ns_target(t->pns, t->pnslen, t->pnscount,
			       rr_owner(m, rr)))
			continue;
		memset(a, 0, sizeof(*a));
		a->af = v4 ? 4 : 6;
		a->port = 53;
		memcpy(a->addr, m->buf + rr->rd, rr->rdlen);
		t->npaddr++;
	}
	return 1;
}
