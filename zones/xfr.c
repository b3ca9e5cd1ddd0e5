/*
 * Outgoing zone transfers (AXFR RFC 5936, IXFR RFC 1995) and NOTIFY
 * messages (RFC 1996).
 *
 * A transfer never points into the zone it serves: when it is accepted,
 * every RR it will send is copied into a private buffer (the "stream", in
 * the journal's RR format: owner, type, class, ttl, rdlen, rdata, all
 * uncompressed).  An UPDATE or a SIGHUP reload that changes or replaces
 * the zone while the stream is being sent therefore cannot tear it; the
 * cost is memory of about the zone's size for the life of the transfer.
 */
#include <stdlib.h>
#include <string.h>

#include "zones/maint_int.h"

enum {
	XFR_MSG_SOFT = 16384,   /* pack RRs up to this size per message */
	XFR_TCPMAX = 65535,
	XFR_TSIG_ROOM = 600,    /* room kept for the TSIG RR */
	XFR_UDPMIN = 512,
	XFR_RRFIXED = 10,       /* type, class, ttl, rdlen */
};

struct zone_xfr {
	zone_tsig_ctx tsig;     /* copy of the request's; chains the MACs */
	uint16_t id;
	uint16_t flags;         /* header flags of every message */
	uint8_t *question;      /* question as the client sent it */
	size_t qlen;
	uint8_t *rr;            /* the stream of RRs to send */
	size_t len, cap, pos;
	size_t nrr;
	int nmsg;               /* messages produced */
};

/* ------------------------------------------------------------------ */
/* The RR stream                                                      */
/* ------------------------------------------------------------------ */

static int xfr_reserve(zone_xfr *x, size_t n)
{
	size_t ncap = x->cap ? x->cap : 4096;
	uint8_t *p;

	if (x->len + n <= x->cap)
		return 0;
	while (ncap < x->len + n)
		ncap *= 2;
	p = realloc(x->rr, ncap);
	if (!p)
		return -1;
	x->rr = p;
	x->cap = ncap;
	return 0;
}

static int xfr_add_rr(zone_xfr *x, const uint8_t *owner, uint16_t type,
		      uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	size_t ol = wire_name_len(owner);
	uint8_t *p;

	if (xfr_reserve(x, ol + XFR_RRFIXED + rdlen) < 0)
		return -1;
	p = x->rr + x->len;
	memcpy(p, owner, ol);
	p += ol;
	wire_put16(p, type);
	wire_put16(p + 2, DNS_C_IN);
	wire_put32(p + 4, ttl);
	wire_put16(p + 8, rdlen);
	memcpy(p + XFR_RRFIXED, rdata, rdlen);
	x->len += ol + XFR_RRFIXED + rdlen;
	x->nrr++;
	return 0;
}

static int xfr_add_rrset(zone_xfr *x, const uint8_t *owner,
			 const zone_rrset *rs)
{
	const uint8_t *p = rs->data, *end = rs->data + rs->len;

	while (p < end) {
		uint16_t l = wire_get16(p);
		if (xfr_add_rr(x, owner, rs->type, rs->ttl, p + 2, l) < 0)
			return -1;
		p += 2 + (size_t)l;
	}
	return 0;
}

/* Raw RRs already in stream format (from a journal payload). */
static int xfr_add_raw(zone_xfr *x, const uint8_t *p, size_t n,
		       size_t count)
{
	if (xfr_reserve(x, n) < 0)
		return -1;
	memcpy(x->rr + x->len, p, n);
	x->len += n;
	x->nrr += count;
	return 0;
}

static int xfr_add_soa(zone_xfr *x, const zone *z)
{
	const zone_rrset *soa = zone_node_rrset(z->apex, DNS_T_SOA);

	if (!soa || soa->count != 1)
		return -1;
	return xfr_add_rrset(x, z->apex->name, soa);
}

/* Every RRset of every node except the apex SOA: glue, occluded data,
 * DS, everything the zone holds.  Walks the node table directly. */
static int xfr_add_nodes(zone_xfr *x, const zone *z)
{
	const zone_node *n;
	const zone_rrset *rs;
	size_t i;

	for (i = 0; i < z->nbuckets; i++)
		for (n = z->buckets[i]; n; n = n->hnext)
			for (rs = n->rrsets; rs; rs = rs->next) {
				if (n == z->apex && rs->type == DNS_T_SOA)
					continue;
				if (xfr_add_rrset(x, n->name, rs) < 0)
					return -1;
			}
	return 0;
}

static int xfr_add_axfr(zone_xfr *x, const zone *z)
{
	if (xfr_add_soa(x, z) < 0 || xfr_add_nodes(x, z) < 0 ||
	    xfr_add_soa(x, z) < 0)
		return -1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* IXFR history                                                       */
/* ------------------------------------------------------------------ */

/* RFC 1982: a is newer than or equal to b. */
static int xfr_serial_ge(uint32_t a, uint32_t b)
{
	return a == b || (a - b) < 0x80000000u;
}

/* Offset of the RRs in a journal payload and their count; -1 if bad. */
static long xfr_payload_rrs(const zone_hist *h, size_t *count)
{
	size_t off = 0;
	int r = wire_name_read(h->payload, h->len, &off, NULL);

	if (r < 0 || h->len - off < 16)
		return -1;
	*count = (size_t)wire_get32(h->payload + off + 8) +
		 wire_get32(h->payload + off + 12);
	return (long)(off + 16);
}

/* The first diff of a contiguous chain from serial to z's serial. */
static const zone_hist *xfr_chain(const zone *z, uint32_t serial)
{
	const zone_hist *h, *first = NULL;
	uint32_t at = serial;

	for (h = z->hist_old; h; h = h->next) {
		if (!first && h->serial_from != serial)
			continue;
		if (h->serial_from != at)
			return NULL;
		if (!first)
			first = h;
		at = h->serial_to;
		if (at == z->serial)
			return first;
	}
	return NULL;
}

/* RFC 1995 4: our SOA, then each diff (old SOA, deletions, new SOA,
 * additions, exactly as the journal keeps them), then our SOA. */
static int xfr_add_ixfr(zone_xfr *x, const zone *z, const zone_hist *h)
{
	size_t count;
	long off;

	if (xfr_add_soa(x, z) < 0)
		return -1;
	for (; h; h = h->next) {
		off = xfr_payload_rrs(h, &count);
		if (off < 0 || xfr_add_raw(x, h->payload + off,
					   h->len - (size_t)off, count) < 0)
			return -1;
		if (h->serial_to == z->serial)
			break;
	}
	return xfr_add_soa(x, z);
}

/* Serial of the SOA the client put in the authority section (RFC 1995
 * 3); -1 when there is none or the message is malformed. */
static int64_t xfr_client_serial(const uint8_t *msg, size_t len,
				 const wire_query *q)
{
	size_t pos = q->question_end;
	unsigned i, nrr = (unsigned)q->ancount + q->nscount;
	uint16_t type, rdlen;

	for (i = 0; i < nrr; i++) {
		if (wire_name_read(msg, len, &pos, NULL) < 0 ||
		    len - pos < XFR_RRFIXED)
			return -1;
		type = wire_get16(msg + pos);
		rdlen = wire_get16(msg + pos + 8);
		pos += XFR_RRFIXED;
		if (len - pos < rdlen)
			return -1;
		if (i >= q->ancount && type == DNS_T_SOA) {
			size_t r = pos;
			if (wire_name_read(msg, len, &r, NULL) < 0 ||
			    wire_name_read(msg, len, &r, NULL) < 0 ||
			    r + 4 > pos + rdlen)
				return -1;
			return (int64_t)wire_get32(msg + r);
		}
		pos += rdlen;
	}
	return -1;
}

/* ------------------------------------------------------------------ */
/* Building and streaming messages                                    */
/* ------------------------------------------------------------------ */

static zone_xfr *xfr_new(const zone_req *rq, const wire_query *q,
			 const zone_tsig_ctx *tsig)
{
	zone_xfr *x = calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	x->qlen = q->question_end - WIRE_HDRLEN;
	x->question = malloc(x->qlen);
	if (!x->question) {
		free(x);
		return NULL;
	}
	memcpy(x->question, rq->q + WIRE_HDRLEN, x->qlen);
	x->tsig = *tsig;
	x->id = q->id;
	x->flags = (uint16_t)(DNS_F_QR | DNS_F_AA | (q->flags & 0x7900));
	return x;
}

void zone_xfr_free(zone_xfr *x)
{
	if (!x)
		return;
	free(x->rr);
	free(x->question);
	free(x);
}

/* Size of the stream RR at x->rr[pos]. */
static size_t xfr_rr_size(const zone_xfr *x, size_t pos)
{
	size_t ol = wire_name_len(x->rr + pos);

	return ol + XFR_RRFIXED + wire_get16(x->rr + pos + ol + 8);
}

static int xfr_write_one(const zone_xfr *x, size_t pos, wire_writer *w)
{
	const uint8_t *o = x->rr + pos;
	const uint8_t *f = o + wire_name_len(o);

	return wire_write_rr(w, o, wire_get16(f), wire_get16(f + 2),
			     wire_get32(f + 4), f + XFR_RRFIXED,
			     wire_get16(f + 8), NULL);
}

/* Pack RRs from x->pos up to w->limit; an RR too big for it gets a
 * message of its own up to hard.  Returns the number of RRs written or -1. */
static int xfr_pack(zone_xfr *x, wire_writer *w, size_t hard)
{
	int n = 0;

	while (x->pos < x->len) {
		if (xfr_write_one(x, x->pos, w) < 0) {
			if (n > 0)
				break;
			w->limit = hard;
			if (xfr_write_one(x, x->pos, w) < 0)
				return -1;
		}
		x->pos += xfr_rr_size(x, x->pos);
		n++;
	}
	return n;
}

/* Header and (first message only) question. */
static int xfr_begin_msg(const zone_xfr *x, wire_writer *w)
{
	uint8_t h[WIRE_HDRLEN];

	memset(h, 0, sizeof(h));
	wire_put16(h, x->id);
	wire_put16(h + 2, x->flags);
	wire_put16(h + 4, x->nmsg == 0 ? 1 : 0);
	if (wire_write(w, h, sizeof(h)) < 0)
		return -1;
	if (x->nmsg == 0 && wire_write(w, x->question, x->qlen) < 0)
		return -1;
	return 0;
}

int zone_xfr_next(zone_xfr *x, uint8_t *buf, size_t cap, uint64_t now)
{
	wire_writer w;
	size_t hard, soft, len;
	int n;

	if (x->pos >= x->len)
		return 0;
	if (cap < XFR_UDPMIN + XFR_TSIG_ROOM)
		return WIRE_ESPACE;
	hard = (cap < XFR_TCPMAX ? cap : XFR_TCPMAX) - XFR_TSIG_ROOM;
	soft = hard < XFR_MSG_SOFT ? hard : XFR_MSG_SOFT;
	wire_writer_init(&w, buf, cap, soft);
	if (xfr_begin_msg(x, &w) < 0)
		return WIRE_ESPACE;
	n = xfr_pack(x, &w, hard);
	if (n <= 0)
		return WIRE_ESPACE;
	wire_put16(buf + 6, (uint16_t)n);
	len = w.len;
	if (x->tsig.key &&
	    zone_tsig_sign(&x->tsig, buf, &len, hard + XFR_TSIG_ROOM, now) < 0)
		return WIRE_ESPACE;
	x->nmsg++;
	return (int)len;
}

/* ------------------------------------------------------------------ */
/* The request                                                        */
/* ------------------------------------------------------------------ */

/* The zone a transfer asks for: one we serve with exactly this apex. */
static const zone *xfr_zone(const zone_db *db, const wire_query *q)
{
	db_match m;

	if (!db_match_name(db, q->lname, q->qname_len, q->qtype, 1, &m) ||
	    !m.z || m.z->is_local || !m.z->apex ||
	    !wire_name_equal(m.z->origin, q->lname))
		return NULL;
	return m.z;
}

/* Fill x with the RRs to send; for IXFR the client's serial decides. */
static int xfr_fill(zone_xfr *x, const zone *z, const wire_query *q,
		    int64_t cserial)
{
	const zone_hist *h;

	if (q->qtype == DNS_T_AXFR)
		return xfr_add_axfr(x, z);
	if (xfr_serial_ge((uint32_t)cserial, z->serial))
		return xfr_add_soa(x, z);
	h = xfr_chain(z, (uint32_t)cserial);
	if (h)
		return xfr_add_ixfr(x, z, h);
	return xfr_add_axfr(x, z);
}

/* UDP limit for an IXFR reply (RFC 6891 payload, our maximum). */
static size_t xfr_udp_limit(const zone_db *db, const wire_query *q,
			    size_t cap)
{
	size_t lim = XFR_UDPMIN;

	if (q->has_edns && q->edns_udp > lim)
		lim = q->edns_udp;
	if (db->opts.edns_max && lim > db->opts.edns_max)
		lim = db->opts.edns_max > XFR_UDPMIN ? db->opts.edns_max
						     : XFR_UDPMIN;
	return lim < cap ? lim : cap;
}

/* One UDP message with everything, or (RFC 1995 2) our SOA only.  A
 * signed request's TSIG RR is not counted here: handle.c took its exact
 * size off the cap (zone_tsig_size) and signs the reply. */
static size_t xfr_udp_reply(zone_xfr *x, const zone *z, size_t limit,
			    int edns, uint8_t *resp)
{
	wire_writer w;
	size_t room = limit - (edns ? 11 : 0);
	int n;

	wire_writer_init(&w, resp, limit, room);
	if (xfr_begin_msg(x, &w) < 0)
		return 0;
	n = xfr_pack(x, &w, room);
	if (n < 0 || x->pos < x->len) {
		x->len = x->pos = x->nrr = 0;
		if (xfr_add_soa(x, z) < 0)
			return 0;
		wire_writer_init(&w, resp, limit, room);
		if (xfr_begin_msg(x, &w) < 0 ||
		    (n = xfr_pack(x, &w, room)) <= 0)
			return 0;
	}
	wire_put16(resp + 6, (uint16_t)n);
	w.limit = limit;
	if (edns && wire_write_opt(&w, XFR_UDPMIN, 0, 0, 0) == 0)
		wire_put16(resp + 10, 1);
	return w.len;
}

static uint16_t xfr_check(const zone_db *db, const zone_req *rq,
			  const wire_query *q, const zone_tsig_ctx *tsig,
			  const zone **zp, int64_t *cserial)
{
	const zone *z;

	if (q->qtype == DNS_T_AXFR && !rq->tcp)
		return DNS_R_FORMERR;   /* RFC 5936 4.2: not defined on UDP */
	if (q->qclass != DNS_C_IN)
		return DNS_R_REFUSED;
	z = xfr_zone(db, q);
	if (!z)
		return DNS_R_NOTAUTH;
	if (!zone_acl_transfer_ok(db, z, tsig->key, rq))
		return DNS_R_REFUSED;
	if (z->expired)
		return DNS_R_SERVFAIL;
	*cserial = 0;
	if (q->qtype == DNS_T_IXFR &&
	    (*cserial = xfr_client_serial(rq->q, rq->qlen, q)) < 0)
		return DNS_R_FORMERR;   /* RFC 1995 3: SOA in authority */
	*zp = z;
	return DNS_R_NOERROR;
}

zone_result zone_xfr_handle(zone_db *db, const zone_req *rq,
			    const wire_query *q, const zone_tsig_ctx *tsig,
			    uint8_t *resp, size_t cap, size_t *len,
			    zone_effects *eff)
{
	const zone *z = NULL;
	int64_t cserial = 0;
	uint16_t rc = xfr_check(db, rq, q, tsig, &z, &cserial);
	zone_xfr *x;

	*len = 0;
	if (rc != DNS_R_NOERROR) {
		*len = zone_reply_rcode(q, rq->q, rc, resp, cap);
		return ZONE_REPLY;
	}
	x = xfr_new(rq, q, tsig);
	if (!x || xfr_fill(x, z, q, cserial) < 0) {
		zone_xfr_free(x);
		*len = zone_reply_rcode(q, rq->q, DNS_R_SERVFAIL, resp, cap);
		return ZONE_REPLY;
	}
	if (rq->tcp) {
		eff->xfr = x;
		return ZONE_REPLY;
	}
	*len = xfr_udp_reply(x, z, xfr_udp_limit(db, q, cap), q->has_edns,
			     resp);
	zone_xfr_free(x);
	if (*len == 0)
		*len = zone_reply_rcode(q, rq->q, DNS_R_SERVFAIL, resp, cap);
	return ZONE_REPLY;
}

/* ------------------------------------------------------------------ */
/* NOTIFY (RFC 1996 3.7): question zone/SOA/IN, the SOA as answer     */
/* ------------------------------------------------------------------ */

int zone_notify_build(const zone *z, uint16_t id, const zone_tsig_key *key,
		      zone_tsig_ctx *ctx, uint64_t now, uint8_t *buf,
		      size_t cap, size_t *len)
{
	const zone_rrset *soa = z->apex ? zone_node_rrset(z->apex, DNS_T_SOA)
					: NULL;
	uint8_t h[WIRE_HDRLEN];
	wire_writer w;

	if (!soa || soa->count != 1)
		return -1;
	memset(h, 0, sizeof(h));
	wire_put16(h, id);
	wire_put16(h + 2, (uint16_t)((DNS_OP_NOTIFY << 11) | DNS_F_AA));
	wire_put16(h + 4, 1);
	wire_put16(h + 6, 1);
	wire_writer_init(&w, buf, cap, cap);
	if (wire_write(&w, h, sizeof(h)) < 0 ||
	    wire_write_name(&w, z->apex->name, 1) < 0 ||
	    wire_write16(&w, DNS_T_SOA) < 0 || wire_write16(&w, DNS_C_IN) < 0 ||
	    wire_write_rr(&w, z->apex->name, DNS_T_SOA, DNS_C_IN, soa->ttl,
			  soa->data + 2, wire_get16(soa->data), NULL) < 0)
		return WIRE_ESPACE;
	*len = w.len;
	if (!key) {
		if (ctx)
			memset(ctx, 0, sizeof(*ctx));
		return 0;
	}
	return zone_tsig_sign_request(ctx, key, buf, len, cap, now);
}
