/*
 * RFC 2136 dynamic update with RFC 3007 authorization.
 *
 * The message is parsed once into an array of RRs (owners and rdata
 * decompressed into an arena).  Then, in the RFC's order: zone section,
 * prerequisites (3.2), permissions (3.3), prescan (3.4.1), application
 * (3.4.2).  Every change made to the zone is first written to an undo log;
 * if anything fails after the first change (only memory can), the log is
 * played backwards so no half-applied update remains.  The same log then
 * yields the IXFR difference for the journal.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "zones/maint_int.h"

enum {
	UPD_ARENA_MAX = 4u << 20, /* decompressed names+rdata per message */
	UPD_T_TKEY = 249, UPD_T_MAILB = 253, UPD_T_MAILA = 254,
	UPD_T_NSEC3PARAM = 51,
	/* an UPDATE of more RRs is signed by a full pass (zones/sign.c):
	 * the incremental path cancels adds by searching the change log */
	UPD_SIGN_INCR_MAX = 64,
};

/* One RR of the prerequisite or update section. */
typedef struct upd_rr {
	size_t owner_off, lowner_off, rd_off; /* into the arena */
	const uint8_t *owner, *lowner, *rd;
	uint16_t type, rclass, rdlen, wire_rdlen;
	uint32_t ttl;
} upd_rr;

/* One primitive change, for undo and for the diff. */
typedef struct upd_op {
	uint8_t add;        /* 1 added, 0 deleted */
	uint8_t mut;        /* the zone was changed (undo applies) */
	uint8_t ttl_only;   /* RRset TTL change: undo restores old_ttl */
	uint8_t dead;       /* cancelled against a later op (diff only) */
	uint16_t type, rdlen;
	uint32_t ttl, old_ttl;
	uint8_t *owner;     /* malloc'ed: owner wire name then rdata */
	uint8_t *rd;
} upd_op;

typedef struct upd_ctx {
	zone_db *db;
	const zone_req *rq;
	const wire_query *q;
	const zone_tsig_key *key;
	zone *z;
	uint8_t *arena;
	size_t alen, acap;
	upd_rr *rr;
	size_t npre, nupd;
	upd_op *ops;
	size_t nops, opcap;
	int trusted;        /* built by the shell itself: no ACL check */
	size_t nuser;       /* ops the update itself made (before signing) */
	int cancel_adds;    /* signer deletions cancel earlier adds */
} upd_ctx;

/* ---- parsing ---- */

static long upd_arena_put(upd_ctx *c, const uint8_t *p, size_t n)
{
	size_t off = c->alen;

	if (c->alen + n > c->acap) {
		size_t cap = c->acap ? c->acap : 4096;
		uint8_t *a;
		while (cap < c->alen + n)
			cap *= 2;
		if (cap > UPD_ARENA_MAX)
			return -1;
		if (!(a = realloc(c->arena, cap)))
			return -1;
		c->arena = a;
		c->acap = cap;
	}
	memcpy(c->arena + c->alen, p, n);
	c->alen += n;
	return (long)off;
}

/* Compressible rdata layouts (RFC 3597 s4 and the ones senders compress
 * anyway): fixed bytes before the names, number of names. */
static const struct upd_shape {
	uint16_t type;
	uint8_t pre, names;
} upd_shapes[] = {
	{ DNS_T_NS, 0, 1 }, { 3, 0, 1 }, { 4, 0, 1 }, { DNS_T_CNAME, 0, 1 },
	{ DNS_T_SOA, 0, 2 }, { 7, 0, 1 }, { 8, 0, 1 }, { 9, 0, 1 },
	{ DNS_T_PTR, 0, 1 }, { 14, 0, 2 }, { DNS_T_MX, 2, 1 },
	{ 17, 0, 2 }, { 18, 2, 1 }, { 21, 2, 1 }, { 26, 2, 2 },
	{ DNS_T_SRV, 6, 1 }, { 36, 2, 1 }, { DNS_T_DNAME, 0, 1 },
};

static const struct upd_shape *upd_shape_of(uint16_t type)
{
	for (size_t i = 0; i < sizeof(upd_shapes) / sizeof(upd_shapes[0]); i++)
		if (upd_shapes[i].type == type)
			return &upd_shapes[i];
	return NULL;
}

/* Decompress rdata at msg[pos..pos+rdlen) into the arena.  Returns the
 * arena offset or -1 (malformed / too big). */
static long upd_rdata(upd_ctx *c, size_t pos, uint16_t type, size_t rdlen)
{
	const struct upd_shape *s = upd_shape_of(type);
	const uint8_t *msg = c->rq->q;
	size_t end = pos + rdlen, start = c->alen;
	uint8_t name[WIRE_MAXNAME];
	long off;

	if (!s || rdlen == 0)
		return upd_arena_put(c, msg + pos, rdlen);
	if (rdlen < s->pre || (off = upd_arena_put(c, msg + pos, s->pre)) < 0)
		return -1;
	pos += s->pre;
	for (int i = 0; i < s->names; i++) {
		int n = wire_name_read(msg, end, &pos, name);
		if (n < 0 || upd_arena_put(c, name, (size_t)n) < 0)
			return -1;
	}
	if (upd_arena_put(c, msg + pos, end - pos) < 0)
		return -1;
	if (c->alen - start > UINT16_MAX)
		return -1;
	return off;
}

static int upd_parse_rr(upd_ctx *c, size_t *pos, upd_rr *r)
{
	const uint8_t *msg = c->rq->q;
	uint8_t name[WIRE_MAXNAME], lname[WIRE_MAXNAME];
	int n = wire_name_read(msg, c->rq->qlen, pos, name);
	long o1, o2, o3;
	size_t start;

	if (n < 0 || *pos + 10 > c->rq->qlen)
		return -1;
	wire_name_lower(lname, name);
	r->type = wire_get16(msg + *pos);
	r->rclass = wire_get16(msg + *pos + 2);
	r->ttl = wire_get32(msg + *pos + 4);
	r->wire_rdlen = wire_get16(msg + *pos + 8);
	*pos += 10;
	if (*pos + r->wire_rdlen > c->rq->qlen)
		return -1;
	o1 = upd_arena_put(c, name, (size_t)n);
	o2 = upd_arena_put(c, lname, (size_t)n);
	start = c->alen;
	o3 = upd_rdata(c, *pos, r->type, r->wire_rdlen);
	if (o1 < 0 || o2 < 0 || o3 < 0)
		return -1;
	r->owner_off = (size_t)o1;
	r->lowner_off = (size_t)o2;
	r->rd_off = (size_t)o3;
	r->rdlen = (uint16_t)(c->alen - start);
	*pos += r->wire_rdlen;
	return 0;
}

/* Parse the prerequisite and update sections.  0 or -1 (FORMERR). */
static int upd_parse(upd_ctx *c)
{
	size_t pos = c->q->question_end, n = (size_t)c->q->ancount +
						 c->q->nscount;

	c->npre = c->q->ancount;
	c->nupd = c->q->nscount;
	c->rr = calloc(n ? n : 1, sizeof(*c->rr));
	if (!c->rr)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (upd_parse_rr(c, &pos, &c->rr[i]) < 0)
			return -1;
	for (size_t i = 0; i < n; i++) {
		upd_rr *r = &c->rr[i];
		r->owner = c->arena + r->owner_off;
		r->lowner = c->arena + r->lowner_off;
		r->rd = c->arena + r->rd_off;
	}
	return 0;
}

/* ---- prerequisites (RFC 2136 3.2) ---- */

static zone_node *upd_node(const upd_ctx *c, const upd_rr *r)
{
	return zone_node_find(c->z, r->lowner);
}

static int upd_in_zone(const upd_ctx *c, const upd_rr *r)
{
	return wire_name_is_sub(r->lowner, c->z->origin);
}

/* The RRs of the IN-class prerequisites with this owner/type. */
static int upd_pre_has(const upd_ctx *c, const upd_rr *k, const uint8_t *rd,
		       uint16_t rdlen)
{
	for (size_t i = 0; i < c->npre; i++) {
		const upd_rr *r = &c->rr[i];
		if (r->rclass == DNS_C_IN && r->type == k->type &&
		    wire_name_equal(r->lowner, k->lowner) &&
		    wire_rdata_equal(r->type, r->rd, r->rdlen, rd, rdlen))
			return 1;
	}
	return 0;
}

/* 1 if the node holds this RR (an RRSIG: in its covered type's RRset). */
static int upd_node_has(const zone_node *n, const upd_rr *o)
{
	const zone_rrset *rs = zone_node_rrset_rd(n, o->type, o->rd,
						  o->rdlen);
	const uint8_t *p;

	for (p = rs ? rs->data : NULL; p && p < rs->data + rs->len;
	     p += 2 + wire_get16(p))
		if (wire_rdata_equal(rs->type, p + 2, wire_get16(p), o->rd,
				     o->rdlen))
			return 1;
	return 0;
}

/* RFC 2136 3.2.3: the RRset must equal the prerequisite RRs (no TTL);
 * for type RRSIG that "RRset" is every RRSIG of the name. */
static int upd_pre_value(const upd_ctx *c, const upd_rr *r)
{
	zone_node *n = upd_node(c, r);
	const zone_rrset *rs;
	const uint8_t *p;

	if (!n || !zone_node_rrset(n, r->type))
		return DNS_R_NXRRSET;
	for (size_t i = 0; i < c->npre; i++) {
		const upd_rr *o = &c->rr[i];
		if (o->rclass != DNS_C_IN || o->type != r->type ||
		    !wire_name_equal(o->lowner, r->lowner))
			continue;
		if (!upd_node_has(n, o))
			return DNS_R_NXRRSET;
	}
	for (rs = n->rrsets; rs; rs = rs->next) {
		if (rs->type != r->type)
			continue;
		for (p = rs->data; p < rs->data + rs->len;
		     p += 2 + wire_get16(p))
			if (!upd_pre_has(c, r, p + 2, wire_get16(p)))
				return DNS_R_NXRRSET;
	}
	return DNS_R_NOERROR;
}

static int upd_pre_one(const upd_ctx *c, const upd_rr *r)
{
	zone_node *n;

	if (r->ttl != 0)
		return DNS_R_FORMERR;
	if (!upd_in_zone(c, r))
		return DNS_R_NOTZONE;
	n = upd_node(c, r);
	if (r->rclass == DNS_C_ANY || r->rclass == DNS_C_NONE) {
		int want = r->rclass == DNS_C_ANY, have;
		if (r->wire_rdlen != 0)
			return DNS_R_FORMERR;
		if (r->type == DNS_T_ANY) {
			have = n && n->rrsets;
			return have == want ? DNS_R_NOERROR :
			       want ? DNS_R_NXDOMAIN : DNS_R_YXDOMAIN;
		}
		have = n && zone_node_rrset(n, r->type);
		return have == want ? DNS_R_NOERROR :
		       want ? DNS_R_NXRRSET : DNS_R_YXRRSET;
	}
	if (r->rclass == DNS_C_IN)
		return upd_pre_value(c, r);
	return DNS_R_FORMERR;
}

static int upd_prereqs(const upd_ctx *c)
{
	for (size_t i = 0; i < c->npre; i++) {
		int rc = upd_pre_one(c, &c->rr[i]);
		if (rc != DNS_R_NOERROR)
			return rc;
	}
	return DNS_R_NOERROR;
}

/* ---- permissions (3.3) and prescan (3.4.1) ---- */

static int upd_meta(uint16_t type)
{
	return type == DNS_T_OPT || type == DNS_T_TSIG || type == UPD_T_TKEY ||
	       type == DNS_T_IXFR || type == DNS_T_AXFR ||
	       type == UPD_T_MAILB || type == UPD_T_MAILA ||
	       type == DNS_T_ANY;
}

/* Rdata we could not store or serve correctly is a format error. */
static int upd_rdata_ok(const upd_rr *r)
{
	const struct upd_shape *s = upd_shape_of(r->type);
	size_t p;

	if (r->type == DNS_T_A)
		return r->rdlen == 4;
	if (r->type == 28)
		return r->rdlen == 16;
	if (!s)
		return 1;
	p = s->pre;
	for (int i = 0; i < s->names; i++) {
		if (p >= r->rdlen)
			return 0;
		p += wire_name_len(r->rd + p);
	}
	if (r->type == DNS_T_SOA)
		return p + 20 == r->rdlen;
	return r->type == DNS_T_SRV || r->type == 26 ? p <= r->rdlen :
	       p == r->rdlen;
}

static int upd_prescan_one(const upd_ctx *c, const upd_rr *r)
{
	if (!upd_in_zone(c, r))
		return DNS_R_NOTZONE;
	if (r->rclass == DNS_C_IN)
		return upd_meta(r->type) || !upd_rdata_ok(r) ? DNS_R_FORMERR :
		       DNS_R_NOERROR;
	if (r->rclass == DNS_C_ANY)
		return r->ttl != 0 || r->wire_rdlen != 0 ||
		       (upd_meta(r->type) && r->type != DNS_T_ANY) ?
		       DNS_R_FORMERR : DNS_R_NOERROR;
	if (r->rclass == DNS_C_NONE)
		return r->ttl != 0 || upd_meta(r->type) ? DNS_R_FORMERR :
		       DNS_R_NOERROR;
	return DNS_R_FORMERR;
}

/* In a zone we sign, the signer alone maintains the signatures and the
 * denial chain (as Knot refuses updates of them). */
static int upd_signer_owned(const upd_ctx *c, uint16_t type)
{
	return (type == DNS_T_RRSIG || type == DNS_T_NSEC ||
		type == DNS_T_NSEC3 || type == UPD_T_NSEC3PARAM) &&
	       zone_db_signer(c->db, c->z);
}

static int upd_check(const upd_ctx *c)
{
	const upd_rr *u = c->rr + c->npre;

	for (size_t i = 0; i < c->nupd; i++) {
		int rc = upd_prescan_one(c, &u[i]);
		if (rc != DNS_R_NOERROR)
			return rc;
	}
	for (size_t i = 0; i < c->nupd; i++)
		if (upd_signer_owned(c, u[i].type))
			return DNS_R_REFUSED;
	for (size_t i = 0; i < c->nupd && !c->trusted; i++)
		if (!zone_acl_update_ok(c->db, c->z, c->key, c->rq,
					u[i].lowner, u[i].type))
			return DNS_R_REFUSED;
	return DNS_R_NOERROR;
}

/* ---- the undo log ---- */

/* Log a change before making it (so a failed log leaves no change). */
static upd_op *upd_log(upd_ctx *c, int add, const uint8_t *owner,
		       uint16_t type, uint32_t ttl, const uint8_t *rd,
		       uint16_t rdlen)
{
	size_t olen = wire_name_len(owner);
	upd_op *op;

	if (c->nops == c->opcap) {
		size_t cap = c->opcap ? c->opcap * 2 : 16;
		upd_op *v = realloc(c->ops, cap * sizeof(*v));
		if (!v)
			return NULL;
		c->ops = v;
		c->opcap = cap;
	}
	op = &c->ops[c->nops];
	memset(op, 0, sizeof(*op));
	if (!(op->owner = malloc(olen + rdlen + 1)))
		return NULL;
	memcpy(op->owner, owner, olen);
	op->rd = op->owner + olen;
	memcpy(op->rd, rd, rdlen);
	op->add = (uint8_t)add;
	op->mut = 1;
	op->type = type;
	op->rdlen = rdlen;
	op->ttl = ttl;
	c->nops++;
	return op;
}

static void upd_log_free(upd_ctx *c)
{
	for (size_t i = 0; i < c->nops; i++)
		free(c->ops[i].owner);
	free(c->ops);
	c->ops = NULL;
	c->nops = c->opcap = 0;
}

static void upd_undo_one(upd_ctx *c, const upd_op *op)
{
	zone_node *n = zone_node_get(c->z, op->owner);
	zone_rrset *rs;

	if (!n)
		return;
	if (op->ttl_only) {
		if ((rs = zone_node_rrset_rd(n, op->type, op->rd, op->rdlen)))
			rs->ttl = op->old_ttl;
	} else if (op->add) {
		/* a deletion prunes (and may free) n itself */
		if (!zone_node_del_rr(c->z, n, op->type, op->rd, op->rdlen))
			zone_node_prune(c->z, n);
		return;
	} else {
		zone_node_add_rr(c->z, n, op->type, op->ttl, op->rd, op->rdlen);
		if ((rs = zone_node_rrset_rd(n, op->type, op->rd, op->rdlen)))
			rs->ttl = op->ttl;
	}
	zone_node_prune(c->z, n);
}

static void upd_undo(upd_ctx *c)
{
	for (size_t i = c->nops; i-- > 0;)
		if (c->ops[i].mut)
			upd_undo_one(c, &c->ops[i]);
	zone_refresh_soa(c->z);
}

/* ---- application (3.4.2) ---- */

/* Delete every RR of an RRset (RRSIG: of every covered type), logging
 * each first with its RRset's TTL.  0 or -ENOMEM. */
static int upd_del_rrset(upd_ctx *c, zone_node *n, uint16_t type)
{
	const zone_rrset *rs;
	const uint8_t *p;

	for (rs = n->rrsets; rs; rs = rs->next) {
		if (rs->type != type)
			continue;
		for (p = rs->data; p < rs->data + rs->len;
		     p += 2 + wire_get16(p))
			if (!upd_log(c, 0, n->name, type, rs->ttl, p + 2,
				     wire_get16(p)))
				return -ENOMEM;
	}
	zone_node_del_rrset(c->z, n, type);
	return 0;
}

/* An RRset's TTL changes: in the diff every RR goes out and comes back. */
static int upd_set_ttl(upd_ctx *c, zone_node *n, zone_rrset *rs,
		       uint32_t ttl)
{
	const uint8_t *p;
	upd_op *op;

	for (p = rs->data; p < rs->data + rs->len; p += 2 + wire_get16(p)) {
		upd_op *d = upd_log(c, 0, n->name, rs->type, rs->ttl, p + 2,
				    wire_get16(p));
		upd_op *a = d ? upd_log(c, 1, n->name, rs->type, ttl, p + 2,
					wire_get16(p)) : NULL;
		if (!a)
			return -ENOMEM;
		d->mut = a->mut = 0;
	}
	/* the first RR stands for the RRset (its RRSIG covered type) */
	if (!(op = upd_log(c, 1, n->name, rs->type, ttl, rs->data + 2,
			   wire_get16(rs->data))))
		return -ENOMEM;
	op->ttl_only = 1;
	op->old_ttl = rs->ttl;
	op->dead = 1;
	rs->ttl = ttl;
	return 0;
}

/* 1 if adding r must be ignored (RFC 2136 3.4.2.2, SOA and CNAME). */
static int upd_add_ignored(const upd_ctx *c, const zone_node *n,
			   const upd_rr *r)
{
	const zone_rrset *rs;

	if (r->type == DNS_T_SOA) {
		rs = n ? zone_node_rrset(n, DNS_T_SOA) : NULL;
		if (!rs || n != c->z->apex)
			return 1;
		size_t off = r->rdlen - 20;
		return !zone_serial_newer(wire_get32(r->rd + off),
					  c->z->serial);
	}
	if (!n)
		return 0;
	if (r->type == DNS_T_CNAME)
		return n->rrsets && !zone_node_rrset(n, DNS_T_CNAME);
	return (n->flags & ZN_CNAME) != 0;
}

/* RFC 2136 1.1.1: RRs compare in canonical form (names in rdata
 * case-insensitive), so a differently spelled RR is the same member. */
static int upd_rd_eq(const uint8_t *p, const upd_rr *r)
{
	return wire_rdata_equal(r->type, p + 2, wire_get16(p), r->rd,
				r->rdlen);
}

static int upd_rrset_has(const zone_rrset *rs, const upd_rr *r)
{
	for (const uint8_t *p = rs->data; p < rs->data + rs->len;
	     p += 2 + wire_get16(p))
		if (upd_rd_eq(p, r))
			return 1;
	return 0;
}

/* CNAME and SOA replace: delete every RR of the RRset but r's. */
static int upd_drop_others(upd_ctx *c, zone_node *n, const upd_rr *r,
			   uint32_t old_ttl)
{
	for (;;) {
		zone_rrset *rs = zone_node_rrset(n, r->type);
		const uint8_t *p = rs->data;
		upd_op *op;

		while (p < rs->data + rs->len && upd_rd_eq(p, r))
			p += 2 + wire_get16(p);
		if (p >= rs->data + rs->len)
			return 0;
		op = upd_log(c, 0, n->name, r->type, old_ttl, p + 2,
			     wire_get16(p));
		if (!op)
			return -ENOMEM;
		zone_node_del_rr(c->z, n, r->type, op->rd, op->rdlen);
	}
}

static int upd_add_rr(upd_ctx *c, zone_node *n, const upd_rr *r)
{
	zone_rrset *rs = zone_node_rrset_rd(n, r->type, r->rd, r->rdlen);
	int replace = r->type == DNS_T_CNAME || r->type == DNS_T_SOA;
	uint32_t old_ttl = rs ? rs->ttl : r->ttl;
	upd_op *op;

	if (rs && rs->ttl != r->ttl && (!replace || upd_rrset_has(rs, r)) &&
	    upd_set_ttl(c, n, rs, r->ttl) < 0)
		return -ENOMEM;
	if (rs && upd_rrset_has(rs, r))
		return 0;
	if (!upd_log(c, 1, n->name, r->type, r->ttl, r->rd, r->rdlen))
		return -ENOMEM;
	if (zone_node_add_rr(c->z, n, r->type, r->ttl, r->rd, r->rdlen) < 0) {
		c->ops[--c->nops].mut = 0;
		free(c->ops[c->nops].owner);
		return -ENOMEM;
	}
	rs = zone_node_rrset_rd(n, r->type, r->rd, r->rdlen);
	if (replace && rs->ttl != r->ttl) {
		if (!(op = upd_log(c, 1, n->name, r->type, r->ttl,
				   (const uint8_t *)"", 0)))
			return -ENOMEM;
		op->ttl_only = 1;
		op->dead = 1;
		op->old_ttl = old_ttl;
		rs->ttl = r->ttl;
	}
	if (replace && upd_drop_others(c, n, r, old_ttl) < 0)
		return -ENOMEM;
	if (r->type == DNS_T_SOA)
		zone_refresh_soa(c->z);
	return 0;
}

static int upd_apply_add(upd_ctx *c, const upd_rr *r)
{
	zone_node *n = upd_node(c, r);
	int rc;

	if (upd_add_ignored(c, n, r))
		return 0;
	if (!n && !(n = zone_node_get(c->z, r->owner)))
		return -ENOMEM;
	rc = upd_add_rr(c, n, r);
	zone_node_prune(c->z, n);
	return rc;
}

static int upd_apex_keep(const upd_ctx *c, const zone_node *n, uint16_t t)
{
	return n == c->z->apex && (t == DNS_T_SOA || t == DNS_T_NS);
}

static int upd_apply_delete_any(upd_ctx *c, const upd_rr *r)
{
	zone_node *n = upd_node(c, r);

	if (!n)
		return 0;
	if (r->type != DNS_T_ANY)
		return upd_apex_keep(c, n, r->type) ? 0 :
		       upd_del_rrset(c, n, r->type);
	/* delete the name: RRsets one by one; the node may be pruned with
	 * the last one, so look it up again each round. */
	for (;;) {
		zone_rrset *rs;
		n = upd_node(c, r);
		for (rs = n ? n->rrsets : NULL; rs; rs = rs->next)
			if (!upd_apex_keep(c, n, rs->type))
				break;
		if (!rs)
			return 0;
		if (upd_del_rrset(c, n, rs->type) < 0)
			return -ENOMEM;
	}
}

static int upd_apply_delete_rr(upd_ctx *c, const upd_rr *r)
{
	zone_node *n = upd_node(c, r);
	zone_rrset *rs = n ? zone_node_rrset_rd(n, r->type, r->rd, r->rdlen)
			   : NULL;
	const uint8_t *p;
	upd_op *op;

	if (!rs || r->type == DNS_T_SOA)
		return 0;
	if (n == c->z->apex && r->type == DNS_T_NS && rs->count == 1)
		return 0;
	for (p = rs->data; p < rs->data + rs->len; p += 2 + wire_get16(p))
		if (upd_rd_eq(p, r))
			break;
	if (p >= rs->data + rs->len)
		return 0;
	/* log the RR as stored: the journal and IXFR delete that spelling */
	if (!(op = upd_log(c, 0, n->name, r->type, rs->ttl, p + 2,
			   wire_get16(p))))
		return -ENOMEM;
	zone_node_del_rr(c->z, n, r->type, op->rd, op->rdlen);
	return 0;
}

static int upd_apply(upd_ctx *c)
{
	const upd_rr *u = c->rr + c->npre;

	for (size_t i = 0; i < c->nupd; i++) {
		int rc;
		if (u[i].rclass == DNS_C_IN)
			rc = upd_apply_add(c, &u[i]);
		else if (u[i].rclass == DNS_C_ANY)
			rc = upd_apply_delete_any(c, &u[i]);
		else
			rc = upd_apply_delete_rr(c, &u[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ---- serial, diff, journal ---- */

static uint32_t upd_next_serial(const upd_ctx *c, uint32_t s)
{
	uint32_t now = (uint32_t)c->rq->now;

	if (c->db->opts.serial_policy == ZONE_SERIAL_UNIXTIME &&
	    zone_serial_newer(now, s))
		return now;
	return s + 1;
}

static int upd_same_rr(const upd_op *a, const upd_op *b)
{
	/* byte-exact: deleting foo. and adding FOO. changes the spelling
	 * served, so the diff must carry it (deletions log the stored
	 * spelling, so an add undone in one update still cancels) */
	return a->type == b->type && a->rdlen == b->rdlen &&
	       wire_name_equal(a->owner, b->owner) &&
	       memcmp(a->rd, b->rd, a->rdlen) == 0;
}

/* 1 if b undoes a: the same RR added then deleted, or deleted then added
 * back with the same TTL (a replace that changes nothing). */
static int upd_undoes(const upd_op *a, const upd_op *b)
{
	if (!a->mut || a->dead || a->add == b->add || !upd_same_rr(a, b))
		return 0;
	return a->add || a->ttl == b->ttl;
}

/* Pairs of changes that undo each other within the update are no
 * difference: they leave the diff (and a no-op update the serial). */
static void upd_cancel(upd_ctx *c)
{
	for (size_t i = 0; i < c->nops; i++) {
		upd_op *b = &c->ops[i];
		if (!b->mut || b->dead)
			continue;
		for (size_t j = i; j-- > 0;) {
			if (upd_undoes(&c->ops[j], b)) {
				c->ops[j].dead = b->dead = 1;
				break;
			}
		}
	}
}

static int upd_diff(upd_ctx *c, zone_diff *d)
{
	for (size_t i = 0; i < c->nops; i++) {
		const upd_op *op = &c->ops[i];
		if (op->dead || (op->type == DNS_T_SOA &&
				 wire_name_equal(op->owner, c->z->origin)))
			continue;
		if (zone_diff_rr(d, op->add, op->owner, op->type, op->ttl,
				 op->rd, op->rdlen) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* ---- signing (zones/sign.c) in the same change ---- */

/* 1 if a live add of the same RR is in the log (it is cancelled). */
static int upd_cancel_add(upd_ctx *c, const upd_op *del)
{
	for (size_t i = c->nops - 1; i-- > 0;) {
		upd_op *a = &c->ops[i];
		if (a->add && a->mut && !a->dead && !a->ttl_only &&
		    upd_same_rr(a, del)) {
			a->dead = 1;
			return 1;
		}
	}
	return 0;
}

/* zone_sign_fn: log the signer's change, then make it. */
static int upd_sign_change(void *arg, int add, const uint8_t *owner,
			   uint16_t type, uint32_t ttl, const uint8_t *rd,
			   uint16_t rdlen)
{
	upd_ctx *c = arg;
	upd_op *op = upd_log(c, add, owner, type, ttl, rd, rdlen);
	zone_node *n;

	if (!op)
		return -ENOMEM;
	if (!(n = zone_node_get(c->z, owner))) {
		op->mut = 0;
		return -ENOMEM;
	}
	if (add) {
		if (zone_node_add_rr(c->z, n, type, ttl, rd, rdlen) < 0) {
			op->mut = 0;
			return -ENOMEM;
		}
		return 0;
	}
	/* a signature made earlier in this change and replaced again
	 * (the SOA's, after zone_db_sign's serial bump) leaves the diff: a
	 * diff must not add and then delete one RR.  Nothing else the
	 * signer deletes can have been added in the same change (users may
	 * not add signer records), so only that drop searches the log. */
	if (c->cancel_adds && upd_cancel_add(c, op))
		op->dead = 1;
	if (!zone_node_del_rr(c->z, n, type, rd, rdlen))
		op->mut = 0;
	return 0;
}

/* Sign what the first nuser logged changes touched, the new SOA and
 * whatever else the zone's signed state needs (zones/sign.c).  0 when
 * the zone is not signed. */
static int upd_sign(upd_ctx *c, size_t nuser)
{
	const zone_signer *s = zone_db_signer(c->db, c->z);
	const uint8_t **names;
	int rc = 0, full = nuser > UPD_SIGN_INCR_MAX;

	if (!s)
		return 0;
	if (!(names = malloc((nuser ? nuser : 1) * sizeof(*names))))
		return -ENOMEM;
	for (size_t i = 0; i < nuser && rc == 0; i++) {
		uint16_t t = c->ops[i].type;
		const uint8_t *owner = c->ops[i].owner;
		names[i] = owner;
		/* a zone cut or the SOA (the chain's TTL) concerns more
		 * names than the change's own: a full pass */
		if (t == DNS_T_SOA ||
		    (t == DNS_T_NS && !wire_name_equal(owner, c->z->origin)))
			full = 1;
		if (t != DNS_T_RRSIG && t != DNS_T_NSEC && t != DNS_T_NSEC3)
			rc = zone_sign_drop(c->z, owner, t, upd_sign_change,
					    c);
	}
	/* signer changes may replace records the signer added earlier in
	 * this change (the SOA's signature; per name the chain records of
	 * a neighbour): such a drop cancels the add in the log */
	c->cancel_adds = 1;
	if (rc == 0)
		rc = zone_sign_drop(c->z, c->z->origin, DNS_T_SOA,
				    upd_sign_change, c);
	c->cancel_adds = !full;
	if (rc == 0 && full)
		rc = zone_sign_run(c->z, s, (uint32_t)c->rq->now,
				   upd_sign_change, c, NULL, NULL);
	else if (rc == 0)
		rc = zone_sign_update(c->z, s, (uint32_t)c->rq->now, names,
				      nuser, upd_sign_change, c);
	c->cancel_adds = 0;
	free(names);
	return rc;
}

/* Bump the serial unless the update set a greater one, sign the change
 * (a signed zone), and frame the journal record.  0 or -ENOMEM. */
static int upd_commit(upd_ctx *c, const uint8_t *old_soa, uint16_t soa_len,
		      uint32_t soa_ttl, uint32_t old_serial)
{
	zone_diff d;
	uint8_t *rec = NULL;
	size_t rec_len = 0;
	int rc;

	if (c->z->serial == old_serial &&
	    zone_set_serial(c->z, upd_next_serial(c, old_serial)) < 0)
		return -EINVAL;
	if ((rc = upd_sign(c, c->nuser)) < 0) {
		zone_set_serial(c->z, old_serial);
		return rc;
	}
	zone_diff_init(&d);
	rc = upd_diff(c, &d);
	if (rc == 0)
		rc = zone_diff_finish(&d, c->z, old_soa, soa_len, soa_ttl,
				      &rec, &rec_len);
	zone_diff_free(&d);
	if (rc < 0) {
		zone_set_serial(c->z, old_serial);
		return rc;
	}
	free(c->db->upd_journal);
	c->db->upd_journal = rec;
	c->db->upd_journal_len = rec_len;
	return 0;
}

/* 1 if some op really changed the zone. */
static int upd_changed(const upd_ctx *c)
{
	for (size_t i = 0; i < c->nops; i++)
		if ((c->ops[i].mut && !c->ops[i].dead) || c->ops[i].ttl_only)
			return 1;
	return 0;
}

/* Hand the record to the shell's durability hook; when it cannot be
 * written, nothing of the change stays (zone, serial, history). */
static int upd_journal(upd_ctx *c, uint32_t old_serial)
{
	zone_db *db = c->db;
	uint32_t new_serial = c->z->serial;

	if (!db->jfn || db->jfn(db->jarg, c->z, db->upd_journal,
				db->upd_journal_len) == 0)
		return 0;
	upd_undo(c);
	zone_set_serial(c->z, old_serial);
	zone_hist_pop(c->z, old_serial, new_serial);
	return -1;
}

static int upd_run(upd_ctx *c, zone_effects *eff)
{
	const zone_rrset *soa = zone_node_rrset(c->z->apex, DNS_T_SOA);
	uint8_t old_soa[2 * WIRE_MAXNAME + 20];
	uint16_t soa_len;
	uint32_t soa_ttl, old_serial = c->z->serial;

	if (!soa)
		return DNS_R_SERVFAIL;
	soa_len = wire_get16(soa->data);
	if (soa_len > sizeof(old_soa))
		return DNS_R_SERVFAIL;
	soa_ttl = soa->ttl;
	memcpy(old_soa, soa->data + 2, soa_len);
	if (upd_apply(c) < 0) {
		upd_undo(c);
		return DNS_R_SERVFAIL;
	}
	upd_cancel(c);
	if (!upd_changed(c))
		return DNS_R_NOERROR;
	c->nuser = c->nops;
	if (upd_commit(c, old_soa, soa_len, soa_ttl, old_serial) < 0) {
		upd_undo(c);
		zone_set_serial(c->z, old_serial);
		return DNS_R_SERVFAIL;
	}
	if (upd_journal(c, old_serial) < 0)
		return DNS_R_SERVFAIL;
	eff->changed = c->z;
	eff->journal = c->db->upd_journal;
	eff->journal_len = c->db->upd_journal_len;
	return DNS_R_NOERROR;
}

/* ---- entry ---- */

/* The zone named in the zone section, served by us as primary. */
static int upd_zone(upd_ctx *c)
{
	db_match m;
	const wire_query *q = c->q;

	if (q->qtype != DNS_T_SOA || q->qclass != DNS_C_IN)
		return DNS_R_FORMERR;
	if (!db_match_name(c->db, q->lname, q->qname_len, DNS_T_SOA, 1, &m) ||
	    !m.z || !wire_name_equal(m.z->origin, q->lname))
		return DNS_R_NOTAUTH;
	c->z = (zone *)m.z;
	if (c->z->secondary || c->z->expired || c->z->is_local)
		return DNS_R_NOTAUTH;
	return DNS_R_NOERROR;
}

static int upd_process(upd_ctx *c, zone_effects *eff)
{
	int rc = upd_zone(c);

	if (rc != DNS_R_NOERROR)
		return rc;
	if (!c->trusted &&
	    !zone_acl_update_ok(c->db, c->z, c->key, c->rq, NULL, 0))
		return DNS_R_REFUSED;
	if (upd_parse(c) < 0)
		return DNS_R_FORMERR;
	if ((rc = upd_prereqs(c)) != DNS_R_NOERROR)
		return rc;
	if ((rc = upd_check(c)) != DNS_R_NOERROR)
		return rc;
	return upd_run(c, eff);
}

zone_result zone_update_handle(zone_db *db, const zone_req *rq,
			       const wire_query *q, const zone_tsig_ctx *tsig,
			       uint8_t *resp, size_t cap, size_t *len,
			       zone_effects *eff)
{
	upd_ctx c;
	int rc;

	memset(&c, 0, sizeof(c));
	c.db = db;
	c.rq = rq;
	c.q = q;
	c.key = tsig ? tsig->key : NULL;
	rc = upd_process(&c, eff);
	upd_log_free(&c);
	free(c.rr);
	free(c.arena);
	*len = zone_reply_rcode(q, rq->q, (uint16_t)rc, resp, cap);
	return *len ? ZONE_REPLY : ZONE_DROP;
}

int zone_db_update_local(zone_db *db, const uint8_t *msg, size_t len,
			 uint64_t now, zone_effects *eff)
{
	zone_req rq;
	wire_query q;
	upd_ctx c;
	int rc;

	memset(eff, 0, sizeof(*eff));
	if (!db || !msg ||
	    wire_query_parse(msg, len, &q) != WQ_OK ||
	    q.opcode != DNS_OP_UPDATE || q.qdcount != 1)
		return DNS_R_FORMERR;
	memset(&rq, 0, sizeof(rq));
	rq.q = msg;
	rq.qlen = len;
	rq.tcp = 1;
	rq.now = now;
	memset(&c, 0, sizeof(c));
	c.db = db;
	c.rq = &rq;
	c.q = &q;
	c.trusted = 1;
	rc = upd_process(&c, eff);
	upd_log_free(&c);
	free(c.rr);
	free(c.arena);
	return rc;
}

/* Bring a signed zone to its signed state (start, refresh timer): a
 * change like an UPDATE's, made by the signer alone. */
static int upd_sign_all(upd_ctx *c, zone_effects *eff, uint64_t *next)
{
	const zone_signer *s = zone_db_signer(c->db, c->z);
	const zone_rrset *soa = zone_node_rrset(c->z->apex, DNS_T_SOA);
	uint8_t old_soa[2 * WIRE_MAXNAME + 20];
	uint32_t old_serial = c->z->serial, soa_ttl = soa->ttl;
	uint16_t soa_len = wire_get16(soa->data);
	size_t nch = 0;
	int rc;

	if (soa_len > sizeof(old_soa))
		return -EINVAL;
	memcpy(old_soa, soa->data + 2, soa_len);
	rc = zone_sign_run(c->z, s, (uint32_t)c->rq->now, upd_sign_change, c,
			   &nch, next);
	if (rc == 0 && nch == 0)
		return 0;
	if (rc == 0)
		rc = upd_commit(c, old_soa, soa_len, soa_ttl, old_serial);
	if (rc < 0) {
		upd_undo(c);
		zone_set_serial(c->z, old_serial);
		return rc;
	}
	if (upd_journal(c, old_serial) < 0)
		return -EIO;
	eff->changed = c->z;
	eff->journal = c->db->upd_journal;
	eff->journal_len = c->db->upd_journal_len;
	return 0;
}

int zone_db_sign(zone_db *db, zone *z, uint64_t now, zone_effects *eff,
		 uint64_t *next)
{
	zone_req rq;
	upd_ctx c;
	int rc;

	memset(eff, 0, sizeof(*eff));
	if (next)
		*next = 0;
	if (!db || !z || !zone_db_signer(db, z) || z->secondary ||
	    z->expired || z->is_local || !z->apex ||
	    !zone_node_rrset(z->apex, DNS_T_SOA))
		return -EINVAL;
	memset(&rq, 0, sizeof(rq));
	rq.now = now;
	memset(&c, 0, sizeof(c));
	c.db = db;
	c.rq = &rq;
	c.z = z;
	c.trusted = 1;
	rc = upd_sign_all(&c, eff, next);
	upd_log_free(&c);
	return rc;
}

/* ---- a zone-file edit of a signed zone, signed in the same change ---- */

static int upd_rec_get(void *arg, const zone_journal_rec *r)
{
	*(zone_journal_rec *)arg = *r;
	return 0;
}

/* zone_journal_foreach_rr: log an RR of the edit for upd_sign and
 * upd_diff, not for upd_undo (zone_journal_revert undoes the edit). */
static int upd_edit_rr(void *arg, int add, const uint8_t *owner,
		       uint16_t type, uint32_t ttl, const uint8_t *rd,
		       uint16_t rdlen)
{
	upd_ctx *c = arg;
	upd_op *op;

	if (type == DNS_T_SOA && wire_name_equal(owner, c->z->origin))
		return 0;
	if (!(op = upd_log(c, add, owner, type, ttl, rd, rdlen)))
		return -ENOMEM;
	op->mut = 0;
	return 0;
}

/* Apply the edit r to c->z, sign what it changed as upd_sign does for an
 * UPDATE, frame the edit and the signer's changes as one record between
 * the old SOA and the new one, and undo it all: z is left as it was. */
static int upd_sign_edit(upd_ctx *c, const zone_journal_rec *r,
			 uint8_t **rec, size_t *rec_len)
{
	const zone_rrset *soa = zone_node_rrset(c->z->apex, DNS_T_SOA);
	uint8_t old[2 * WIRE_MAXNAME + 20];
	zone_soa_ref o, n;
	zone_diff d;
	int rc;

	if (!soa || wire_get16(soa->data) > sizeof(old))
		return -EINVAL;
	o = (zone_soa_ref){ old, wire_get16(soa->data), soa->ttl };
	memcpy(old, soa->data + 2, o.rdlen);
	if ((rc = zone_journal_apply(c->z, r)) < 0)
		return rc;
	rc = zone_journal_foreach_rr(r, upd_edit_rr, c);
	c->nuser = c->nops;
	if (rc == 0)
		rc = upd_sign(c, c->nuser);
	zone_diff_init(&d);
	if (rc == 0)
		rc = upd_diff(c, &d);
	if (rc == 0 && !(soa = zone_node_rrset(c->z->apex, DNS_T_SOA)))
		rc = -EINVAL;
	if (rc == 0) {
		n = (zone_soa_ref){ soa->data + 2, wire_get16(soa->data),
				    soa->ttl };
		rc = zone_diff_frame(&d, c->z->origin, &o, &n, rec, rec_len);
	}
	zone_diff_free(&d);
	upd_undo(c);
	if (zone_journal_revert(c->z, r) < 0) {
		zone_set_unservable(c->z, 1);   /* cannot happen */
		rc = rc < 0 ? rc : -EINVAL;
	}
	return rc;
}

int zone_db_file_diff_record(zone_db *db, zone *z, const zone *oldf,
			     const zone *newf, uint64_t now, uint8_t **rec,
			     size_t *rec_len, zone_fdiff_stats *st)
{
	zone_journal_rec r;
	zone_req rq;
	upd_ctx c;
	uint8_t *frec = NULL;
	size_t flen = 0;
	int rc = zone_file_diff_record(z, oldf, newf, &frec, &flen, st);

	*rec = NULL;
	*rec_len = 0;
	if (rc != 1 || !zone_db_signer(db, z) || z->secondary ||
	    z->is_local) {
		*rec = frec;
		*rec_len = flen;
		return rc;
	}
	if (zone_journal_scan(frec, flen, upd_rec_get, &r) != flen) {
		free(frec);
		return -EINVAL;
	}
	memset(&rq, 0, sizeof(rq));
	rq.now = now;
	memset(&c, 0, sizeof(c));
	c.db = db;
	c.rq = &rq;
	c.z = z;
	c.trusted = 1;
	rc = upd_sign_edit(&c, &r, rec, rec_len);
	upd_log_free(&c);
	free(frec);
	return rc < 0 ? rc : 1;
}
