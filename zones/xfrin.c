/*
 * Secondary zones: incoming NOTIFY (RFC 1996) and the incoming-transfer
 * engine (SOA check, AXFR RFC 5936, IXFR RFC 1995).  Sans-IO: the shell
 * sends the query bytes we build and feeds every response message back.
 *
 * A transfer never changes the zone being served: AXFR builds a new zone,
 * IXFR applies its diffs to a clone, and only a complete, consistent result
 * is handed out by zone_xfrin_result.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zones/maint_int.h"

/* ------------------------------------------------------------------ */
/* NOTIFY in                                                          */
/* ------------------------------------------------------------------ */

/* An address a NOTIFY for a secondary zone is accepted from. */
typedef struct zone_notify_acl {
	struct zone_notify_acl *next;
	uint8_t origin[WIRE_MAXNAME];     /* lowercased */
	int af;
	uint8_t addr[16];
} zone_notify_acl;

int zone_db_allow_notify(zone_db *db, const char *origin, int af,
			 const uint8_t *addr)
{
	zone_notify_acl *a;
	uint8_t name[WIRE_MAXNAME];

	if (!db || (af != 4 && af != 6) ||
	    wire_name_from_str(origin, name) < 0)
		return -EINVAL;
	if (!(a = calloc(1, sizeof(*a))))
		return -ENOMEM;
	wire_name_lower(a->origin, name);
	a->af = af;
	memcpy(a->addr, addr, af == 4 ? 4 : 16);
	a->next = db->notify_acl;
	db->notify_acl = a;
	return 0;
}

void zone_notify_acl_free(zone_notify_acl *a)
{
	while (a) {
		zone_notify_acl *n = a->next;
		free(a);
		a = n;
	}
}

static int notify_from_primary(const zone_db *db, const zone *z,
			       const zone_req *rq)
{
	const zone_notify_acl *a;

	for (a = db->notify_acl; a; a = a->next)
		if (a->af == rq->af && wire_name_equal(a->origin, z->origin) &&
		    memcmp(a->addr, rq->addr, a->af == 4 ? 4 : 16) == 0)
			return 1;
	return 0;
}

/*
 * Like NSD and Knot: a NOTIFY for a zone we are not a secondary of is
 * NOTAUTH; one for our secondary zone from a sender that is neither the
 * primary nor signed with a valid key is REFUSED.
 */
zone_result zone_notify_handle(zone_db *db, const zone_req *rq,
			       const wire_query *q, const zone_tsig_ctx *tsig,
			       uint8_t *resp, size_t cap, size_t *len,
			       zone_effects *eff)
{
	zone *z = NULL;
	uint16_t rcode = DNS_R_NOERROR;
	size_t l;

	if (q->qdcount == 1 && q->question_end) {
		const db_entry *e = NULL;
		db_match m;
		if (db_match_name(db, q->lname, q->qname_len, DNS_T_SOA, 1,
				  &m) && m.z &&
		    wire_name_equal(m.z->origin, q->lname))
			e = m.e;
		z = e ? e->z : NULL;
	}
	if (q->qdcount != 1 || q->qtype != DNS_T_SOA)
		rcode = q->qdcount != 1 ? DNS_R_FORMERR : DNS_R_NOTIMP;
	else if (!z || !z->secondary)
		rcode = DNS_R_NOTAUTH;
	else if (!(tsig && tsig->key) && !notify_from_primary(db, z, rq))
		rcode = DNS_R_REFUSED;
	l = zone_reply_rcode(q, rq->q, rcode, resp, cap);
	if (l && rcode == DNS_R_NOERROR) {
		wire_put16(resp + 2, (uint16_t)(wire_get16(resp + 2) |
						DNS_F_AA));
		eff->notified = z;
	}
	*len = l;
	return l ? ZONE_REPLY : ZONE_DROP;
}

/* ------------------------------------------------------------------ */
/* placeholder and expiry                                             */
/* ------------------------------------------------------------------ */

zone *zone_secondary_new(const char *origin)
{
	uint8_t name[WIRE_MAXNAME];
	zone *z;

	if (wire_name_from_str(origin, name) < 0 ||
	    !(z = zone_alloc(name, 0)))
		return NULL;
	z->secondary = 1;
	z->expired = 1;
	return z;
}

zone *zone_unloaded_new(const char *origin)
{
	uint8_t name[WIRE_MAXNAME];
	zone *z;

	if (wire_name_from_str(origin, name) < 0 ||
	    !(z = zone_alloc(name, 0)))
		return NULL;
	z->expired = 1;
	return z;
}

void zone_secondary_set_expired(zone *z, int expired)
{
	z->expired = (uint8_t)(expired != 0);
	z->secondary = 1;
}

void zone_set_unservable(zone *z, int on)
{
	z->expired = (uint8_t)(on != 0);
}

int zone_is_expired(const zone *z)
{
	return z->expired;
}

int zone_soa_timers(const zone *z, uint32_t t[5])
{
	const zone_rrset *soa = z->apex ? zone_node_rrset(z->apex, DNS_T_SOA)
					: NULL;
	size_t len, pos = 0;
	const uint8_t *rd;

	if (!soa || soa->count < 1)
		return -ENOENT;
	len = wire_get16(soa->data);
	rd = soa->data + 2;
	for (int i = 0; i < 2; i++) {
		size_t n = wire_name_len(rd + pos);
		pos += n;
	}
	if (pos + 20 != len)
		return -EINVAL;
	for (int i = 0; i < 5; i++)
		t[i] = wire_get32(rd + pos + 4 * (size_t)i);
	return 0;
}

int zone_serial_newer(uint32_t a, uint32_t b)
{
	/* RFC 1982: a > b */
	return a != b && (uint32_t)(a - b) < 0x80000000u;
}

int zone_serial_undefined(uint32_t a, uint32_t b)
{
	return (uint32_t)(a - b) == 0x80000000u;
}

/* ------------------------------------------------------------------ */
/* the transfer engine                                                */
/* ------------------------------------------------------------------ */

typedef enum xi_phase {
	XI_FIRST,      /* expecting the leading SOA */
	XI_SECOND,     /* IXFR: the RR after it decides the style */
	XI_AXFR,       /* AXFR-style: records until the closing SOA */
	XI_DEL,        /* IXFR: deletions until the new SOA */
	XI_ADD,        /* IXFR: additions until the next SOA */
	XI_END,
} xi_phase;

struct zone_xfrin {
	uint8_t origin[WIRE_MAXNAME];
	uint16_t qtype;
	uint16_t id;
	const zone *cur;            /* the zone served now (borrowed) */
	zone_tsig_ctx tsig;
	const zone_tsig_key *key;
	xi_phase phase;
	int nmsg;
	size_t nrr;
	uint32_t serial;            /* serial in the leading SOA */
	uint8_t soa[512];           /* leading SOA rdata / ttl */
	uint16_t soa_len;
	uint32_t soa_ttl;
	zone *z;                    /* being built / changed */
	int ixfr;                   /* result came incrementally */
	zone_diff diff;             /* current IXFR sequence */
	uint8_t old_soa[512];
	uint16_t old_soa_len;
	uint32_t old_soa_ttl;
	uint8_t *jnl;               /* journal records of the applied diffs */
	size_t jnl_len, jnl_cap;
	char err[160];
};

zone_xfrin *zone_xfrin_start(const uint8_t *origin, uint16_t qtype,
			     const zone *cur, const zone_tsig_key *key,
			     uint16_t id)
{
	zone_xfrin *x = calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	wire_name_lower(x->origin, origin);
	x->qtype = qtype;
	x->id = id;
	x->cur = cur && cur->apex && !cur->expired ? cur : NULL;
	if (qtype == DNS_T_IXFR && !x->cur)
		x->qtype = DNS_T_AXFR;
	x->key = key;
	zone_diff_init(&x->diff);
	return x;
}

void zone_xfrin_free(zone_xfrin *x)
{
	if (!x)
		return;
	if (x->z)
		zone_free_all(x->z);
	zone_diff_free(&x->diff);
	free(x->jnl);
	free(x);
}

uint16_t zone_xfrin_qtype(const zone_xfrin *x)
{
	return x->qtype;
}

const char *zone_xfrin_error(const zone_xfrin *x)
{
	return x->err;
}

uint32_t zone_xfrin_serial(const zone_xfrin *x)
{
	return x->serial;
}

/* Our current SOA as an RR in the authority section of an IXFR query. */
static int xi_write_cur_soa(zone_xfrin *x, wire_writer *w)
{
	const zone_rrset *soa = zone_node_rrset(x->cur->apex, DNS_T_SOA);

	if (!soa)
		return -1;
	return wire_write_rr(w, x->origin, DNS_T_SOA, DNS_C_IN, soa->ttl,
			     soa->data + 2, wire_get16(soa->data), NULL);
}

int zone_xfrin_query(zone_xfrin *x, uint8_t *buf, size_t cap, size_t *len,
		     uint64_t now)
{
	wire_writer w;
	int ixfr = x->qtype == DNS_T_IXFR;

	wire_writer_init(&w, buf, cap, cap);
	if (wire_write16(&w, x->id) < 0 || wire_write16(&w, 0) < 0 ||
	    wire_write16(&w, 1) < 0 || wire_write16(&w, 0) < 0 ||
	    wire_write16(&w, ixfr ? 1 : 0) < 0 || wire_write16(&w, 0) < 0 ||
	    wire_write_name(&w, x->origin, 1) < 0 ||
	    wire_write16(&w, x->qtype) < 0 || wire_write16(&w, DNS_C_IN) < 0 ||
	    (ixfr && xi_write_cur_soa(x, &w) < 0))
		return -1;
	*len = w.len;
	memset(&x->tsig, 0, sizeof(x->tsig));
	if (x->key && zone_tsig_sign_request(&x->tsig, x->key, buf, len, cap,
					     now) < 0)
		return -1;
	return 0;
}

static int xi_fail(zone_xfrin *x, const char *why)
{
	if (!x->err[0])
		strncpy(x->err, why, sizeof(x->err) - 1);
	x->phase = XI_END;
	return ZXI_ERROR;
}

/* RFC 1035 types whose rdata names may be compressed (RFC 3597 s4):
 * a shape string: 'n' a name, '2' two bytes, 'r' the rest. */
static const char *xi_rd_shape(uint16_t type)
{
	switch (type) {
	case DNS_T_NS: case DNS_T_CNAME: case DNS_T_PTR:
	case 3: case 4: case 7: case 8: case 9:   /* MD MF MB MG MR */
		return "n";
	case DNS_T_SOA: return "nnr";
	case 14: return "nn";                       /* MINFO */
	case DNS_T_MX: return "2n";
	default: return "r";
	}
}

/* Copy rdata at msg[pos..pos+rdlen) into out, decompressing names. */
static int xi_rdata(const uint8_t *msg, size_t len, size_t pos,
		    uint16_t rdlen, uint16_t type, uint8_t *out,
		    size_t cap, uint16_t *outlen)
{
	const char *s = xi_rd_shape(type);
	size_t end = pos + rdlen, o = 0;

	for (; *s; s++) {
		size_t n;
		if (*s == 'n') {
			int r;
			if (cap - o < WIRE_MAXNAME)
				return -1;
			r = wire_name_read(msg, end, &pos, out + o);
			if (r < 0)
				return -1;
			o += (size_t)r;
			continue;
		}
		n = *s == '2' ? 2 : end - pos;
		if (pos + n > end || cap - o < n)
			return -1;
		memcpy(out + o, msg + pos, n);
		o += n;
		pos += n;
	}
	if (pos != end || o > 65535)
		return -1;
	(void)len;
	*outlen = (uint16_t)o;
	return 0;
}

typedef struct xi_rr {
	uint8_t owner[WIRE_MAXNAME];
	uint16_t type, rclass;
	uint32_t ttl;
	uint16_t rdlen;
	uint8_t rdata[65535 + WIRE_MAXNAME];
} xi_rr;

static uint32_t xi_soa_serial(const uint8_t *rd, uint16_t len)
{
	size_t pos = wire_name_len(rd);

	pos += wire_name_len(rd + pos);
	return pos + 20 == len ? wire_get32(rd + pos) : 0;
}

static int xi_soa_ok(const xi_rr *rr)
{
	size_t pos;

	if (rr->rdlen < 22)
		return 0;
	pos = wire_name_len(rr->rdata);
	if (pos >= rr->rdlen)
		return 0;
	pos += wire_name_len(rr->rdata + pos);
	return pos + 20 == rr->rdlen;
}

static int xi_add(zone_xfrin *x, zone *z, const xi_rr *rr)
{
	zone_node *n;

	if (!wire_name_is_sub(rr->owner, x->origin))
		return 0; /* out-of-zone data: ignored (RFC 5936 3.5? no: skip) */
	if (!(n = zone_node_get(z, rr->owner)))
		return -1;
	return zone_node_add_rr(z, n, rr->type, rr->ttl, rr->rdata,
				rr->rdlen) < 0 ? -1 : 0;
}

static int xi_is_apex_soa(const zone_xfrin *x, const xi_rr *rr)
{
	return rr->type == DNS_T_SOA && wire_name_equal(rr->owner, x->origin);
}

static int xi_start_axfr(zone_xfrin *x, const xi_rr *soa);

/* The leading SOA. */
static int xi_first(zone_xfrin *x, const xi_rr *rr)
{
	if (!xi_is_apex_soa(x, rr) || !xi_soa_ok(rr) ||
	    rr->rdlen > sizeof(x->soa))
		return xi_fail(x, "response does not start with the SOA");
	memcpy(x->soa, rr->rdata, rr->rdlen);
	x->soa_len = rr->rdlen;
	x->soa_ttl = rr->ttl;
	x->serial = xi_soa_serial(rr->rdata, rr->rdlen);
	if (x->qtype == DNS_T_SOA) {
		x->phase = XI_END;
		return ZXI_DONE;
	}
	x->phase = x->qtype == DNS_T_IXFR ? XI_SECOND : XI_AXFR;
	if (x->phase == XI_AXFR)
		return xi_start_axfr(x, rr);
	return ZXI_NEED_MORE;
}

/* AXFR-style: a fresh zone holding the leading SOA. */
static int xi_start_axfr(zone_xfrin *x, const xi_rr *soa)
{
	if (x->z)
		zone_free_all(x->z);
	x->ixfr = 0;
	x->phase = XI_AXFR;
	if (!(x->z = zone_alloc(x->origin, 0)) || xi_add(x, x->z, soa) < 0)
		return xi_fail(x, "out of memory");
	return ZXI_NEED_MORE;
}

static int xi_axfr_rr(zone_xfrin *x, const xi_rr *rr)
{
	if (!xi_is_apex_soa(x, rr))
		return xi_add(x, x->z, rr) < 0 ?
			xi_fail(x, "cannot add a record") : ZXI_NEED_MORE;
	if (xi_soa_serial(rr->rdata, rr->rdlen) != x->serial)
		return xi_fail(x, "closing SOA serial differs");
	zone_refresh_soa(x->z);
	x->phase = XI_END;
	return ZXI_DONE;
}

/* The old SOA that opens an IXFR difference sequence. */
static int xi_seq_begin(zone_xfrin *x, const xi_rr *rr)
{
	if (!xi_soa_ok(rr) || rr->rdlen > sizeof(x->old_soa) ||
	    xi_soa_serial(rr->rdata, rr->rdlen) != x->z->serial)
		return xi_fail(x, "IXFR: wrong serial chain");
	memcpy(x->old_soa, rr->rdata, rr->rdlen);
	x->old_soa_len = rr->rdlen;
	x->old_soa_ttl = rr->ttl;
	zone_diff_free(&x->diff);
	zone_diff_init(&x->diff);
	x->phase = XI_DEL;
	return ZXI_NEED_MORE;
}

/*
 * The clone starts with the served zone's IXFR history, so that the
 * differences received now extend it and a secondary of ours can still
 * ask for IXFR from an older serial (zone_diff_finish appends each new
 * sequence; the history stays bounded by zone_hist_add).
 */
static int xi_copy_hist(zone_xfrin *x)
{
	const zone_hist *h;

	for (h = x->cur->hist_old; h; h = h->next)
		if (zone_hist_add(x->z, h->payload, h->len, h->serial_from,
				  h->serial_to) < 0)
			return -1;
	return 0;
}

/* IXFR: the RR after the leading SOA decides incremental or AXFR-style. */
static int xi_second(zone_xfrin *x, const xi_rr *rr)
{
	xi_rr *soa;
	int r;

	if (xi_is_apex_soa(x, rr) && xi_soa_ok(rr) &&
	    xi_soa_serial(rr->rdata, rr->rdlen) == x->cur->serial) {
		if (!(x->z = zone_clone(x->cur)) || xi_copy_hist(x) < 0)
			return xi_fail(x, "out of memory");
		x->ixfr = 1;
		return xi_seq_begin(x, rr);
	}
	if (!(soa = malloc(sizeof(*soa))))
		return xi_fail(x, "out of memory");
	memcpy(soa->owner, x->origin, wire_name_len(x->origin));
	soa->type = DNS_T_SOA;
	soa->rclass = DNS_C_IN;
	soa->ttl = x->soa_ttl;
	soa->rdlen = x->soa_len;
	memcpy(soa->rdata, x->soa, x->soa_len);
	r = xi_start_axfr(x, soa);
	free(soa);
	return r == ZXI_NEED_MORE ? xi_axfr_rr(x, rr) : r;
}

static int xi_del(zone_xfrin *x, const xi_rr *rr)
{
	uint8_t lname[WIRE_MAXNAME];
	zone_node *n;

	if (xi_is_apex_soa(x, rr)) {
		/* the new SOA of this sequence replaces the apex SOA */
		if (!xi_soa_ok(rr))
			return xi_fail(x, "IXFR: bad SOA");
		zone_node_del_rrset(x->z, x->z->apex, DNS_T_SOA);
		if (xi_add(x, x->z, rr) < 0)
			return xi_fail(x, "out of memory");
		zone_refresh_soa(x->z);
		x->phase = XI_ADD;
		return ZXI_NEED_MORE;
	}
	wire_name_lower(lname, rr->owner);
	n = zone_node_find(x->z, lname);
	if (!n || zone_node_del_rr(x->z, n, rr->type, rr->rdata,
				   rr->rdlen) != 1)
		return xi_fail(x, "IXFR: deletes a record we do not have");
	if (zone_diff_rr(&x->diff, 0, rr->owner, rr->type, rr->ttl,
			 rr->rdata, rr->rdlen) < 0)
		return xi_fail(x, "out of memory");
	return ZXI_NEED_MORE;
}

static int xi_jnl_append(zone_xfrin *x, const uint8_t *rec, size_t len)
{
	if (x->jnl_len + len > x->jnl_cap) {
		size_t cap = (x->jnl_cap + len) * 2;
		uint8_t *n = realloc(x->jnl, cap);
		if (!n)
			return -1;
		x->jnl = n;
		x->jnl_cap = cap;
	}
	memcpy(x->jnl + x->jnl_len, rec, len);
	x->jnl_len += len;
	return 0;
}

/* A sequence is complete: frame its journal record. */
static int xi_seq_end(zone_xfrin *x)
{
	uint8_t *rec = NULL;
	size_t rlen = 0;
	int r;

	if (zone_diff_finish(&x->diff, x->z, x->old_soa, x->old_soa_len,
			     x->old_soa_ttl, &rec, &rlen) < 0)
		return -1;
	r = xi_jnl_append(x, rec, rlen);
	free(rec);
	return r;
}

static int xi_add_phase(zone_xfrin *x, const xi_rr *rr)
{
	if (!xi_is_apex_soa(x, rr)) {
		if (xi_add(x, x->z, rr) < 0 ||
		    zone_diff_rr(&x->diff, 1, rr->owner, rr->type, rr->ttl,
				 rr->rdata, rr->rdlen) < 0)
			return xi_fail(x, "out of memory");
		return ZXI_NEED_MORE;
	}
	if (xi_seq_end(x) < 0)
		return xi_fail(x, "cannot frame the journal record");
	if (x->z->serial == x->serial) {
		if (xi_soa_serial(rr->rdata, rr->rdlen) != x->serial)
			return xi_fail(x, "IXFR: closing SOA serial differs");
		x->phase = XI_END;
		return ZXI_DONE;
	}
	return xi_seq_begin(x, rr);
}

static int xi_rr_step(zone_xfrin *x, const xi_rr *rr)
{
	x->nrr++;
	if (rr->rclass != DNS_C_IN)
		return xi_fail(x, "record of another class");
	switch (x->phase) {
	case XI_FIRST: return xi_first(x, rr);
	case XI_SECOND: return xi_second(x, rr);
	case XI_AXFR: return xi_axfr_rr(x, rr);
	case XI_DEL: return xi_del(x, rr);
	case XI_ADD: return xi_add_phase(x, rr);
	default: return xi_fail(x, "data after the closing SOA");
	}
}

static int xi_read_rr(const uint8_t *msg, size_t len, size_t *pos,
		      xi_rr *rr)
{
	size_t p = *pos;
	uint16_t rdlen;

	if (wire_name_read(msg, len, &p, rr->owner) < 0 || p + 10 > len)
		return -1;
	rr->type = wire_get16(msg + p);
	rr->rclass = wire_get16(msg + p + 2);
	rr->ttl = wire_get32(msg + p + 4);
	rdlen = wire_get16(msg + p + 8);
	p += 10;
	if (p + rdlen > len ||
	    xi_rdata(msg, len, p, rdlen, rr->type, rr->rdata,
		     sizeof(rr->rdata), &rr->rdlen) < 0)
		return -1;
	*pos = p + rdlen;
	return 0;
}

static int xi_header(zone_xfrin *x, const uint8_t *msg, size_t len,
		     size_t *pos)
{
	uint16_t flags, qd;

	if (len < WIRE_HDRLEN || wire_get16(msg) != x->id)
		return xi_fail(x, "response with a wrong id");
	flags = wire_get16(msg + 2);
	if (!(flags & DNS_F_QR) || ((flags >> 11) & 0xf) != DNS_OP_QUERY)
		return xi_fail(x, "not a response");
	if ((flags & 0xf) != DNS_R_NOERROR) {
		unsigned rc = flags & 0xf;
		snprintf(x->err, sizeof(x->err), "primary answered %s%s",
			 rc == DNS_R_NOTAUTH ? "NOTAUTH" :
			 rc == DNS_R_REFUSED ? "REFUSED" :
			 rc == DNS_R_SERVFAIL ? "SERVFAIL" :
			 rc == DNS_R_FORMERR ? "FORMERR" :
			 rc == DNS_R_NOTIMP ? "NOTIMP" : "an error rcode",
			 rc == DNS_R_NOTAUTH && x->key ?
			 " (TSIG error: the primary rejected our key)" : "");
		x->phase = XI_END;
		return ZXI_ERROR;
	}
	if (flags & DNS_F_TC)
		return xi_fail(x, "truncated response");
	*pos = WIRE_HDRLEN;
	for (qd = wire_get16(msg + 4); qd > 0; qd--) {
		if (wire_name_read(msg, len, pos, NULL) < 0 || *pos + 4 > len)
			return xi_fail(x, "bad question");
		*pos += 4;
	}
	return 0;
}

int zone_xfrin_feed(zone_xfrin *x, const uint8_t *msg, size_t len,
		    uint64_t now)
{
	size_t pos;
	uint16_t an;
	xi_rr *rr;
	int r = ZXI_NEED_MORE;

	if (x->phase == XI_END)
		return xi_fail(x, "message after the end of the transfer");
	if (xi_header(x, msg, len, &pos) < 0)
		return ZXI_ERROR;
	if (x->key && zone_tsig_verify_response(&x->tsig, msg, len, now) < 0)
		return xi_fail(x, "TSIG error: the response does not verify "
			       "with our key");
	an = wire_get16(msg + 6);
	if (x->nmsg++ == 0 && an == 0)
		return xi_fail(x, "empty response");
	if (!(rr = malloc(sizeof(*rr))))
		return xi_fail(x, "out of memory");
	for (; an > 0 && r == ZXI_NEED_MORE; an--) {
		if (xi_read_rr(msg, len, &pos, rr) < 0)
			r = xi_fail(x, "malformed record");
		else
			r = xi_rr_step(x, rr);
	}
	free(rr);
	if (r == ZXI_NEED_MORE && x->phase == XI_SECOND && x->nrr == 1) {
		/* a lone SOA: we are up to date (RFC 1995 s4) */
		if (!zone_serial_newer(x->serial, x->cur->serial))
			return (x->phase = XI_END), ZXI_UPTODATE;
		return xi_fail(x, "IXFR: lone SOA with a newer serial");
	}
	return r;
}

zone *zone_xfrin_result(zone_xfrin *x, uint8_t **jnl, size_t *jnl_len)
{
	zone *z = x->z;

	if (x->phase != XI_END || !z || x->err[0])
		return NULL;
	x->z = NULL;
	z->secondary = 1;
	z->expired = 0;
	if (jnl && jnl_len) {
		*jnl = x->ixfr ? x->jnl : NULL;
		*jnl_len = x->ixfr ? x->jnl_len : 0;
		if (x->ixfr)
			x->jnl = NULL;
	}
	return z;
}
