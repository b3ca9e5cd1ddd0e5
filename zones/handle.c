/*
 * zone_db_handle: the one entry point for every message.  Plain unsigned
 * queries take the fast path (zone_db_answer) after a header peek;
 * everything else is parsed, its TSIG verified (RFC 8945), dispatched to
 * the maintenance handlers, and the reply signed.  Room for the TSIG RR is
 * reserved before a reply is built, so a signed UDP reply that does not
 * fit comes back truncated (TC, question only) and still signed (5.3).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "zones/maint_int.h"

enum { HD_UDPMIN = 512, HD_TCPMAX = 65535, HD_STACKQ = 4096 };

size_t zone_reply_rcode(const wire_query *q, const uint8_t *msg,
			uint16_t rcode, uint8_t *resp, size_t cap)
{
	size_t qend = q->question_end ? q->question_end : WIRE_HDRLEN;

	if (cap < qend || q->question_end == 0)
		qend = WIRE_HDRLEN;
	if (cap < WIRE_HDRLEN)
		return 0;
	memcpy(resp, msg, qend);
	wire_put16(resp + 2, (uint16_t)(DNS_F_QR | (q->flags & 0x7900) |
					(q->flags & DNS_F_RD) | (rcode & 0xf)));
	wire_put16(resp + 4, qend > WIRE_HDRLEN ? 1 : 0);
	wire_put16(resp + 6, 0);
	wire_put16(resp + 8, 0);
	wire_put16(resp + 10, 0);
	return qend;
}

/*
 * Can a parsed message take the plain answer path?  Every QUERY except
 * AXFR/IXFR and TSIG-signed ones does, and so does anything malformed
 * that is a QUERY or has no usable header (zone_answer_parsed answers
 * FORMERR or drops it).
 */
static int hd_plain(const wire_query *q, wire_qresult pr)
{
	if (pr == WQ_DROP)
		return 1;
	if (q->opcode != DNS_OP_QUERY)
		return 0;
	return pr != WQ_OK || (q->qtype != DNS_T_AXFR &&
			       q->qtype != DNS_T_IXFR && q->tsig_off == 0);
}

/* The how argument of zone_db_answer for rq. */
static int hd_how(const zone_req *rq)
{
	return (rq->tcp ? ZONE_Q_TCP : 0) |
	       (rq->loopback ? ZONE_Q_LOOPBACK : 0);
}

/* Largest reply for this request (RFC 6891 / RFC 7766). */
static size_t hd_limit(const zone_db *db, const wire_query *q, int tcp,
		       size_t cap)
{
	size_t lim;

	if (tcp)
		lim = HD_TCPMAX;
	else if (!q->has_edns)
		lim = HD_UDPMIN;
	else {
		lim = q->edns_udp < HD_UDPMIN ? HD_UDPMIN : q->edns_udp;
		if (lim > db->opts.edns_max)
			lim = db->opts.edns_max;
	}
	return lim < cap ? lim : cap;
}

/* A signed query that is not a transfer: answer the message without its
 * TSIG (ARCOUNT - 1) through the normal path. */
static zone_result hd_signed_query(const zone_db *db, const zone_req *rq,
				   const wire_query *q, uint8_t *resp,
				   size_t cap, size_t *len, zone_stats *st)
{
	uint8_t small[HD_STACKQ], *m = small;
	size_t n = q->tsig_off;
	zone_result r;

	if (n > sizeof(small) && !(m = malloc(n)))
		return ZONE_DROP;
	memcpy(m, rq->q, n);
	wire_put16(m + 10, (uint16_t)(q->arcount - 1));
	r = zone_db_answer(db, m, n, hd_how(rq), resp, cap, len, st);
	if (m != small)
		free(m);
	if (r == ZONE_PASS) {
		/* the resolver's answer could not be signed: not for TSIG */
		*len = zone_reply_rcode(q, rq->q, DNS_R_REFUSED, resp, cap);
		r = *len ? ZONE_REPLY : ZONE_DROP;
	}
	return r;
}

static zone_result hd_route(zone_db *db, const zone_req *rq,
			    const wire_query *q, const zone_tsig_ctx *tsig,
			    uint8_t *resp, size_t cap, size_t *len,
			    zone_effects *eff, zone_stats *st)
{
	int xfr = q->qtype == DNS_T_AXFR || q->qtype == DNS_T_IXFR;

	if (q->opcode == DNS_OP_UPDATE || q->opcode == DNS_OP_NOTIFY ||
	    (q->opcode == DNS_OP_QUERY && xfr)) {
		if (st)
			st->queries++;
		if (q->opcode == DNS_OP_UPDATE)
			return zone_update_handle(db, rq, q, tsig, resp, cap,
						  len, eff);
		if (q->opcode == DNS_OP_NOTIFY)
			return zone_notify_handle(db, rq, q, tsig, resp, cap,
						  len, eff);
		return zone_xfr_handle(db, rq, q, tsig, resp, cap, len, eff);
	}
	if (tsig->key)
		return hd_signed_query(db, rq, q, resp, cap, len, st);
	return zone_db_answer(db, rq->q, rq->qlen, hd_how(rq), resp, cap, len,
			      st);
}

/* Route a parsed, verified message; sign the reply when it was signed. */
static zone_result hd_dispatch(zone_db *db, const zone_req *rq,
			       const wire_query *q, zone_tsig_ctx *tsig,
			       uint8_t *resp, size_t cap, size_t *len,
			       zone_effects *eff, zone_stats *st)
{
	size_t lim = hd_limit(db, q, rq->tcp, cap);
	size_t reserve = tsig->key ? zone_tsig_size(tsig) : 0;
	zone_result r;

	if (lim < reserve + WIRE_HDRLEN)
		return ZONE_DROP;
	r = hd_route(db, rq, q, tsig, resp, lim - reserve, len, eff, st);
	if (r != ZONE_REPLY || !tsig->key || *len == 0)
		return r;
	if (zone_tsig_sign(tsig, resp, len, cap, rq->now) < 0)
		return ZONE_DROP;
	return ZONE_REPLY;
}

/* FORMERR, or NOTAUTH with the TSIG error RR (RFC 8945 5.2, 5.3.2). */
static zone_result hd_reject(const zone_req *rq, const wire_query *q,
			     zone_tsig_ctx *tsig, uint16_t rcode,
			     uint8_t *resp, size_t cap, size_t *len,
			     zone_stats *st)
{
	if (st) {
		st->queries++;
		if (rcode == DNS_R_FORMERR)
			st->formerr++;
		else
			st->badtsig++;
	}
	*len = zone_reply_rcode(q, rq->q, rcode, resp, cap);
	if (*len == 0)
		return ZONE_DROP;
	if (rcode == DNS_R_NOTAUTH &&
	    zone_tsig_sign(tsig, resp, len, cap, rq->now) < 0)
		return ZONE_DROP;
	return ZONE_REPLY;
}

static zone_result hd_slow(zone_db *db, const zone_req *rq,
			   const wire_query *q, wire_qresult pr,
			   uint8_t *resp, size_t cap, size_t *len,
			   zone_effects *eff, zone_stats *st)
{
	zone_tsig_ctx tsig;
	int v;

	if (pr != WQ_OK) {
		if (q->opcode != DNS_OP_UPDATE && q->opcode != DNS_OP_NOTIFY)
			return zone_answer_parsed(db, q, pr, hd_how(rq), resp, cap,
						  len, st, NULL, 0);
		memset(&tsig, 0, sizeof(tsig));
		return hd_reject(rq, q, &tsig, DNS_R_FORMERR, resp, cap, len,
				 st);
	}
	v = zone_tsig_verify_request(db->keys, rq->q, rq->qlen, q, rq->now,
				     &tsig);
	if (v == -2)
		return hd_reject(rq, q, &tsig, DNS_R_FORMERR, resp, cap, len,
				 st);
	if (v == -1)
		return hd_reject(rq, q, &tsig, DNS_R_NOTAUTH, resp, cap, len,
				 st);
	return hd_dispatch(db, rq, q, &tsig, resp, cap, len, eff, st);
}

/* The COOKIE / NSID options of the reply (zones.h 5.), counted. */
static void hd_edns(const zone_req *rq, const wire_query *q,
		    zone_effects *eff, zone_stats *st)
{
	eff->opt_len = (uint16_t)zone_edns_opts(rq->srv, rq->q, q, rq->af,
						rq->addr, (uint32_t)rq->now,
						eff->opt, &eff->cookie);
	if (!st)
		return;
	if (eff->cookie == ZONE_COOKIE_VALID)
		st->cookie_valid++;
	else if (eff->cookie == ZONE_COOKIE_BAD)
		st->cookie_bad++;
	else if (eff->cookie == ZONE_COOKIE_CLIENT)
		st->cookie_client++;
}

zone_result zone_db_handle(zone_db *db, const zone_req *rq, uint8_t *resp,
			   size_t resp_cap, size_t *resp_len,
			   zone_effects *eff, zone_stats *st)
{
	wire_query local, *q = rq->wq ? rq->wq : &local;
	wire_qresult pr = wire_query_parse(rq->q, rq->qlen, q);

	memset(eff, 0, offsetof(zone_effects, opt));
	if (pr != WQ_DROP && q->has_edns) {
		eff->edns = 1;
		eff->udp_lim = (uint16_t)hd_limit(db, q, 0, 65535);
		if (pr == WQ_OK && rq->srv && (q->cookie_off || q->nsid))
			hd_edns(rq, q, eff, st);
	}
	if (hd_plain(q, pr))
		return zone_answer_parsed(db, q, pr, hd_how(rq), resp, resp_cap,
					  resp_len, st, eff, rq->classify);
	return hd_slow(db, rq, q, pr, resp, resp_cap, resp_len, eff, st);
}
