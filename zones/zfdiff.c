/*
 * IXFR from zone-file edits: the difference between the last loaded
 * version of a primary zone's file and the new one, turned into one
 * journal record against the running zone (Knot's zonefile-load:
 * difference-no-serial, BIND's ixfr-from-differences).
 *
 * The difference is taken between the two files, not against the running
 * zone, so changes made at run time (UPDATE, DHCP names, ACME records)
 * stay.  It is then fitted to the running zone the way Knot applies a
 * changeset that is not strict: a deletion of an RR the running zone no
 * longer holds and an addition of an RR it already holds are dropped
 * (counted, so the shell can log them), and so is an addition that would
 * put a CNAME beside data added at run time (as an UPDATE's would be);
 * the rest is the change.  The
 * record is built without touching any zone: the shell writes it, applies
 * it with zone_journal_apply and makes it durable before it is served.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "zones/zone_int.h"

enum { ZFD_RR_FIXED = 10 };   /* type, class, ttl, rdlen */

/* 1 if rs holds an RR equal to rd in canonical form. */
static int zfd_rrset_has(const zone_rrset *rs, const uint8_t *rd,
			 uint16_t rdlen)
{
	const uint8_t *p = rs ? rs->data : NULL, *end = p ? p + rs->len
							  : NULL;

	while (p && p < end) {
		uint16_t l = wire_get16(p);
		if (wire_rdata_equal(rs->type, p + 2, l, rd, rdlen))
			return 1;
		p += 2 + l;
	}
	return 0;
}

/* The RRset at owner in z that an RR of type with rdata rd belongs to
 * (RRSIGs: the set of the type they cover), or NULL. */
static const zone_rrset *zfd_rrset(const zone *z, const uint8_t *owner,
				   uint16_t type, const uint8_t *rd,
				   uint16_t rdlen)
{
	uint8_t lname[WIRE_MAXNAME];
	const zone_node *n;

	wire_name_lower(lname, owner);
	n = zone_node_find(z, lname);
	return n ? zone_node_rrset_rd(n, type, rd, rdlen) : NULL;
}

typedef struct zfd_walk {
	const zone *from, *other;
	zone_diff *d;
	int add;                  /* RRs of from missing in other are adds */
	int err;
} zfd_walk;

/* Every RR of one node of w->from that w->other does not hold. */
static int zfd_node(void *arg, zone_node *n)
{
	zfd_walk *w = arg;
	const zone_node *o = zone_node_find(w->other, n->lname);

	for (const zone_rrset *rs = n->rrsets; rs; rs = rs->next) {
		const zone_rrset *ors = !o ? NULL :
			rs->type == DNS_T_RRSIG ? zone_node_rrsig(o, rs->covered)
			: zone_node_rrset(o, rs->type);
		const uint8_t *p = rs->data, *end = rs->data + rs->len;
		int whole = !ors || ors->ttl != rs->ttl;

		if (rs->type == DNS_T_SOA && n == w->from->apex)
			continue;
		for (; p < end; p += 2 + wire_get16(p)) {
			uint16_t l = wire_get16(p);
			if (!whole && zfd_rrset_has(ors, p + 2, l))
				continue;
			if (zone_diff_rr(w->d, w->add, n->name, rs->type,
					 rs->ttl, p + 2, l) < 0) {
				w->err = -ENOMEM;
				return 1;
			}
		}
	}
	return 0;
}

int zone_diff_zones(const zone *old, const zone *new_z, zone_diff *d)
{
	zfd_walk w = { .from = old, .other = new_z, .d = d, .add = 0 };

	zone_foreach_node(old, zfd_node, &w);
	if (w.err == 0) {
		w = (zfd_walk){ .from = new_z, .other = old, .d = d,
				.add = 1 };
		zone_foreach_node(new_z, zfd_node, &w);
	}
	return w.err;
}

/* ------------------------------------------------------------------ */
/* fitting the file diff to the running zone                          */
/* ------------------------------------------------------------------ */

/* One RR of a zone_diff stream (journal RR format). */
typedef struct zfd_rr {
	const uint8_t *owner, *rdata;
	uint16_t type, rdlen;
	uint32_t ttl;
} zfd_rr;

static int zfd_next(const uint8_t *buf, size_t len, size_t *pos, zfd_rr *rr)
{
	size_t start = *pos;

	if (*pos >= len || wire_name_read(buf, len, pos, NULL) < 0 ||
	    len - *pos < ZFD_RR_FIXED)
		return 0;
	rr->owner = buf + start;
	rr->type = wire_get16(buf + *pos);
	rr->ttl = wire_get32(buf + *pos + 4);
	rr->rdlen = wire_get16(buf + *pos + 8);
	*pos += ZFD_RR_FIXED;
	if (len - *pos < rr->rdlen)
		return 0;
	rr->rdata = buf + *pos;
	*pos += rr->rdlen;
	return 1;
}

/* The file's deletions that the running zone z still holds. */
static int zfd_fit_dels(const zone *z, const zone_diff *fd, zone_diff *act,
			zone_fdiff_stats *st)
{
	size_t pos = 0;
	zfd_rr rr;

	while (zfd_next(fd->del, fd->del_len, &pos, &rr)) {
		const zone_rrset *rs = zfd_rrset(z, rr.owner, rr.type, rr.rdata,
						 rr.rdlen);
		if (!zfd_rrset_has(rs, rr.rdata, rr.rdlen)) {
			st->del_absent++;
			continue;
		}
		if (zone_diff_rr(act, 0, rr.owner, rr.type, rs->ttl, rr.rdata,
				 rr.rdlen) < 0)
			return -ENOMEM;
		st->del++;
	}
	return 0;
}

/* 1 if RRsets of types add and have cannot share a name: a CNAME beside
 * other data (RRSIG and NSEC may stand beside it, RFC 4035 2.5). */
static int zfd_clash(uint16_t add, uint16_t have)
{
	if (add == DNS_T_RRSIG || add == DNS_T_NSEC ||
	    have == DNS_T_RRSIG || have == DNS_T_NSEC)
		return 0;
	return add == DNS_T_CNAME || have == DNS_T_CNAME;
}

/* 1 if adding rr would put a CNAME beside other data because of a
 * change made at run time: z holds at its owner an RR of a clashing type
 * that the old file did not hold.  (The files passed the load checks, so
 * only run-time data can clash.)  Such an addition is left out, as
 * RFC 2136 3.4.2.2 leaves out an UPDATE's. */
static int zfd_conflict(const zone *z, const zone *oldf, const zfd_rr *rr)
{
	uint8_t lname[WIRE_MAXNAME];
	const zone_node *n, *on;

	wire_name_lower(lname, rr->owner);
	if (!(n = zone_node_find(z, lname)))
		return 0;
	on = zone_node_find(oldf, lname);
	for (const zone_rrset *rs = n->rrsets; rs; rs = rs->next) {
		const zone_rrset *ors = !on ? NULL :
			rs->type == DNS_T_RRSIG ?
			zone_node_rrsig(on, rs->covered) :
			zone_node_rrset(on, rs->type);
		const uint8_t *p = rs->data, *end = rs->data + rs->len;

		if (!zfd_clash(rr->type, rs->type))
			continue;
		for (; p < end; p += 2 + wire_get16(p))
			if (!zfd_rrset_has(ors, p + 2, wire_get16(p)))
				return 1;
	}
	return 0;
}

/* The file's additions that z does not hold yet; an RR the old file held
 * too (its RRset's TTL changed) was deleted just before, so it counts. */
static int zfd_fit_adds(const zone *z, const zone *oldf, const zone_diff *fd,
			zone_diff *act, zone_fdiff_stats *st)
{
	size_t pos = 0;
	zfd_rr rr;

	while (zfd_next(fd->add, fd->add_len, &pos, &rr)) {
		const zone_rrset *rs = zfd_rrset(z, rr.owner, rr.type, rr.rdata,
						 rr.rdlen);
		const zone_rrset *ors = zfd_rrset(oldf, rr.owner, rr.type,
						  rr.rdata, rr.rdlen);
		if (zfd_rrset_has(rs, rr.rdata, rr.rdlen) &&
		    !zfd_rrset_has(ors, rr.rdata, rr.rdlen)) {
			st->add_present++;
			continue;
		}
		if (zfd_conflict(z, oldf, &rr)) {
			st->add_conflict++;
			continue;
		}
		if (zone_diff_rr(act, 1, rr.owner, rr.type, rr.ttl, rr.rdata,
				 rr.rdlen) < 0)
			return -ENOMEM;
		st->add++;
	}
	return 0;
}

/* Offset of the serial in SOA rdata, or 0 when it is malformed. */
static size_t zfd_serial_off(const uint8_t *rd, size_t len)
{
	size_t pos = 0;

	for (int i = 0; i < 2; i++)
		if (wire_name_read(rd, len, &pos, NULL) < 0)
			return 0;
	return pos + 20 == len ? pos : 0;
}

/* The apex SOA of z: 0, or -EINVAL when there is none or it is bad. */
static int zfd_soa(const zone *z, zone_soa_ref *s)
{
	const zone_rrset *rs = z->apex ? zone_node_rrset(z->apex, DNS_T_SOA)
				       : NULL;

	if (!rs || rs->count != 1)
		return -EINVAL;
	s->rdlen = wire_get16(rs->data);
	s->rdata = rs->data + 2;
	s->ttl = rs->ttl;
	return zfd_serial_off(s->rdata, s->rdlen) ? 0 : -EINVAL;
}

/* 1 if the two SOAs differ in anything but the serial (TTL included). */
static int zfd_soa_changed(const zone_soa_ref *a, const zone_soa_ref *b)
{
	uint8_t x[2 * WIRE_MAXNAME + 20], y[2 * WIRE_MAXNAME + 20];
	size_t off;

	if (a->ttl != b->ttl || a->rdlen > sizeof(x) || b->rdlen > sizeof(y))
		return 1;
	memcpy(x, a->rdata, a->rdlen);
	memcpy(y, b->rdata, b->rdlen);
	off = zfd_serial_off(x, a->rdlen);
	wire_put32(x + off, 0);
	off = zfd_serial_off(y, b->rdlen);
	wire_put32(y + off, 0);
	return !wire_rdata_equal(DNS_T_SOA, x, a->rdlen, y, b->rdlen);
}

int zone_file_diff_record(const zone *z, const zone *oldf, const zone *newf,
			  uint8_t **rec, size_t *rec_len,
			  zone_fdiff_stats *st)
{
	zone_soa_ref zs, os, ns, to;
	uint8_t soa[2 * WIRE_MAXNAME + 20];
	zone_diff fd, act;
	int rc;

	memset(st, 0, sizeof(*st));
	*rec = NULL;
	*rec_len = 0;
	if (zfd_soa(z, &zs) < 0 || zfd_soa(oldf, &os) < 0 ||
	    zfd_soa(newf, &ns) < 0 || !wire_name_equal(z->origin, oldf->origin)
	    || !wire_name_equal(z->origin, newf->origin))
		return -EINVAL;
	zone_diff_init(&fd);
	zone_diff_init(&act);
	rc = zone_diff_zones(oldf, newf, &fd);
	st->file_del = fd.ndel;
	st->file_add = fd.nadd;
	st->soa_changed = (uint8_t)zfd_soa_changed(&os, &ns);
	st->serial_from = st->serial_to = z->serial;
	if (rc == 0 && (fd.ndel || fd.nadd || st->soa_changed ||
			oldf->serial != newf->serial)) {
		st->file_changed = 1;
		/* RFC 1982 leaves a serial exactly 2^31 away undefined: such
		 * a file is not taken as newer, the running zone stays (the
		 * caller logs it and keeps the old copy, so the edit is
		 * applied once the serial is fixed) */
		st->serial_undefined = (uint8_t)zone_serial_undefined(
			newf->serial, z->serial);
		if (st->serial_undefined) {
			zone_diff_free(&fd);
			zone_diff_free(&act);
			return 0;
		}
		rc = zfd_fit_dels(z, &fd, &act, st);
		if (rc == 0)
			rc = zfd_fit_adds(z, oldf, &fd, &act, st);
	}
	zone_diff_free(&fd);
	/* nothing to change but, perhaps, a serial the operator raised */
	if (rc < 0 || !st->file_changed ||
	    (act.ndel == 0 && act.nadd == 0 && !st->soa_changed &&
	     !zone_serial_newer(newf->serial, z->serial))) {
		zone_diff_free(&act);
		return rc;
	}
	/* serial max(running + 1, file serial) (RFC 1982).  The SOA's
	 * other fields from the new file when the edit changed them. */
	st->serial_to = z->serial + 1;
	if (zone_serial_newer(newf->serial, st->serial_to))
		st->serial_to = newf->serial;
	to = st->soa_changed ? ns : zs;
	memcpy(soa, to.rdata, to.rdlen);
	wire_put32(soa + zfd_serial_off(soa, to.rdlen), st->serial_to);
	to.rdata = soa;
	rc = zone_diff_frame(&act, z->origin, &zs, &to, rec, rec_len);
	zone_diff_free(&act);
	return rc < 0 ? rc : 1;
}
