/*
 * Zone diffs, journal records and the in-memory IXFR history.
 *
 * A journal record (format in zones.h section 4) is self-describing: the
 * CRC-32C over the payload and the length field let a reader tell a good
 * record from a torn or overwritten tail without any other state, so the
 * shell can append records and replay them after a crash.
 *
 * The in-memory history is a chain: each entry's serial_from is the
 * previous entry's serial_to.  When a diff does not continue the chain
 * (e.g. the zone was replaced) the old history is dropped, so IXFR never
 * serves a sequence with a hole in it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "zones/zone_int.h"

enum {
	JNL_HDRLEN = 12,
	JNL_RR_FIXED = 10,                  /* type, class, ttl, rdlen */
	JNL_HIST_MAX = 1024 * 1024,         /* history bytes kept per zone */
	JNL_MAXPAYLOAD = 64 * 1024 * 1024,  /* sanity bound for a record */
};

static const uint8_t jnl_magic[4] = { 'D', 'V', 'J', '1' };

/* ------------------------------------------------------------------ */
/* CRC-32C (Castagnoli, reflected 0x82F63B78), four bits at a time     */
/* ------------------------------------------------------------------ */

static const uint32_t crc32c_nib[16] = {
	0x00000000, 0x105ec76f, 0x20bd8ede, 0x30e349b1,
	0x417b1dbc, 0x5125dad3, 0x61c69362, 0x7198540d,
	0x82f63b78, 0x92a8fc17, 0xa24bb5a6, 0xb21572c9,
	0xc38d26c4, 0xd3d3e1ab, 0xe330a81a, 0xf36e6f75,
};

uint32_t zone_crc32c(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		c = crc32c_nib[c & 0xf] ^ (c >> 4);
		c = crc32c_nib[c & 0xf] ^ (c >> 4);
	}
	return ~c;
}

/* ------------------------------------------------------------------ */
/* growable byte buffers                                              */
/* ------------------------------------------------------------------ */

static int jnl_reserve(uint8_t **buf, size_t *cap, size_t len, size_t more)
{
	size_t ncap = *cap ? *cap : 256;
	uint8_t *nb;

	if (len + more <= *cap)
		return 0;
	while (ncap < len + more)
		ncap *= 2;
	nb = realloc(*buf, ncap);
	if (!nb)
		return -ENOMEM;
	*buf = nb;
	*cap = ncap;
	return 0;
}

/* Append one RR in the journal RR format. */
static int jnl_put_rr(uint8_t **buf, size_t *len, size_t *cap,
		      const uint8_t *owner, uint16_t type, uint32_t ttl,
		      const uint8_t *rdata, uint16_t rdlen)
{
	size_t olen = wire_name_len(owner);
	uint8_t *p;

	if (jnl_reserve(buf, cap, *len, olen + JNL_RR_FIXED + rdlen) < 0)
		return -ENOMEM;
	p = *buf + *len;
	memcpy(p, owner, olen);
	p += olen;
	wire_put16(p, type);
	wire_put16(p + 2, DNS_C_IN);
	wire_put32(p + 4, ttl);
	wire_put16(p + 8, rdlen);
	if (rdlen)
		memcpy(p + JNL_RR_FIXED, rdata, rdlen);
	*len += olen + JNL_RR_FIXED + rdlen;
	return 0;
}

/* ------------------------------------------------------------------ */
/* diffs                                                              */
/* ------------------------------------------------------------------ */

void zone_diff_init(zone_diff *d)
{
	memset(d, 0, sizeof(*d));
}

void zone_diff_free(zone_diff *d)
{
	free(d->del);
	free(d->add);
	zone_diff_init(d);
}

int zone_diff_rr(zone_diff *d, int add, const uint8_t *owner, uint16_t type,
		 uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	int r;

	if (add) {
		r = jnl_put_rr(&d->add, &d->add_len, &d->add_cap, owner, type,
			       ttl, rdata, rdlen);
		d->nadd += r == 0;
	} else {
		r = jnl_put_rr(&d->del, &d->del_len, &d->del_cap, owner, type,
			       ttl, rdata, rdlen);
		d->ndel += r == 0;
	}
	return r;
}

/* Serial of an SOA rdata (uncompressed names); 0 and -EINVAL if short. */
static int jnl_soa_serial(const uint8_t *rd, size_t rdlen, uint32_t *serial)
{
	size_t pos = 0;

	for (int i = 0; i < 2; i++)
		if (wire_name_read(rd, rdlen, &pos, NULL) < 0)
			return -EINVAL;
	if (pos + 20 > rdlen)
		return -EINVAL;
	*serial = wire_get32(rd + pos);
	return 0;
}

/* The first (only) RR of the apex SOA RRset. */
static const uint8_t *jnl_apex_soa(const zone *z, uint16_t *rdlen,
				   uint32_t *ttl)
{
	const zone_rrset *rs = z->apex ? zone_node_rrset(z->apex, DNS_T_SOA)
				       : NULL;

	if (!rs || rs->count < 1)
		return NULL;
	*rdlen = wire_get16(rs->data);
	*ttl = rs->ttl;
	return rs->data + 2;
}

/* payload = origin | from | to | ndel | nadd | old SOA, del | new SOA, add */
static int jnl_payload(const zone_diff *d, const uint8_t *origin,
		       const zone_soa_ref *o, const zone_soa_ref *n,
		       uint8_t **out, size_t *out_len)
{
	uint8_t *b = NULL;
	size_t len = 0, cap = 0, olen = wire_name_len(origin);
	uint32_t from, to;

	if (jnl_soa_serial(o->rdata, o->rdlen, &from) < 0 ||
	    jnl_soa_serial(n->rdata, n->rdlen, &to) < 0)
		return -EINVAL;
	if (jnl_reserve(&b, &cap, 0, olen + 16) < 0)
		return -ENOMEM;
	memcpy(b, origin, olen);
	wire_put32(b + olen, from);
	wire_put32(b + olen + 4, to);
	wire_put32(b + olen + 8, d->ndel + 1);
	wire_put32(b + olen + 12, d->nadd + 1);
	len = olen + 16;
	if (jnl_put_rr(&b, &len, &cap, origin, DNS_T_SOA, o->ttl, o->rdata,
		       o->rdlen) < 0 ||
	    jnl_reserve(&b, &cap, len, d->del_len) < 0)
		goto nomem;
	if (d->del_len)
		memcpy(b + len, d->del, d->del_len);
	len += d->del_len;
	if (jnl_put_rr(&b, &len, &cap, origin, DNS_T_SOA, n->ttl, n->rdata,
		       n->rdlen) < 0 ||
	    jnl_reserve(&b, &cap, len, d->add_len) < 0)
		goto nomem;
	if (d->add_len)
		memcpy(b + len, d->add, d->add_len);
	*out = b;
	*out_len = len + d->add_len;
	return 0;
nomem:
	free(b);
	return -ENOMEM;
}

/* Frame a payload as a journal record. */
static uint8_t *jnl_frame(const uint8_t *payload, size_t len, size_t *rlen)
{
	uint8_t *rec = malloc(JNL_HDRLEN + len);

	if (!rec)
		return NULL;
	memcpy(rec, jnl_magic, 4);
	wire_put32(rec + 4, (uint32_t)len);
	wire_put32(rec + 8, zone_crc32c(payload, len));
	memcpy(rec + JNL_HDRLEN, payload, len);
	*rlen = JNL_HDRLEN + len;
	return rec;
}

int zone_diff_frame(const zone_diff *d, const uint8_t *origin,
		    const zone_soa_ref *old_soa, const zone_soa_ref *new_soa,
		    uint8_t **rec, size_t *rec_len)
{
	uint8_t *payload;
	size_t plen;
	int r;

	r = jnl_payload(d, origin, old_soa, new_soa, &payload, &plen);
	if (r < 0)
		return r;
	if (plen > JNL_MAXPAYLOAD) {
		free(payload);
		return -E2BIG;
	}
	*rec = jnl_frame(payload, plen, rec_len);
	free(payload);
	return *rec ? 0 : -ENOMEM;
}

int zone_diff_finish(zone_diff *d, zone *z, const uint8_t *old_soa,
		     uint16_t old_soa_len, uint32_t old_ttl, uint8_t **rec,
		     size_t *rec_len)
{
	zone_soa_ref o = { old_soa, old_soa_len, old_ttl }, n;
	uint8_t *payload;
	size_t plen;
	uint32_t from = 0;
	int r;

	if (!(n.rdata = jnl_apex_soa(z, &n.rdlen, &n.ttl)))
		return -EINVAL;
	r = jnl_payload(d, z->origin, &o, &n, &payload, &plen);
	if (r < 0)
		return r;
	if (plen > JNL_MAXPAYLOAD) {
		free(payload);
		return -E2BIG;
	}
	*rec = jnl_frame(payload, plen, rec_len);
	jnl_soa_serial(old_soa, old_soa_len, &from);
	if (*rec)
		r = zone_hist_add(z, payload, plen, from, z->serial);
	free(payload);
	if (!*rec)
		return -ENOMEM;
	if (r < 0) /* history is best effort: IXFR falls back to AXFR */
		zone_hist_free(z);
	return 0;
}

/* ------------------------------------------------------------------ */
/* history                                                            */
/* ------------------------------------------------------------------ */

static void jnl_hist_drop_oldest(zone *z)
{
	zone_hist *h = z->hist_old;

	z->hist_old = h->next;
	if (!z->hist_old)
		z->hist_new = NULL;
	z->hist_bytes -= h->len;
	free(h->payload);
	free(h);
}

int zone_hist_add(zone *z, const uint8_t *payload, size_t len,
		  uint32_t serial_from, uint32_t serial_to)
{
	zone_hist *h = calloc(1, sizeof(*h));

	if (!h || !(h->payload = malloc(len ? len : 1))) {
		free(h);
		return -ENOMEM;
	}
	memcpy(h->payload, payload, len);
	h->len = len;
	h->serial_from = serial_from;
	h->serial_to = serial_to;
	if (z->hist_new && z->hist_new->serial_to != serial_from)
		zone_hist_free(z);      /* a hole: the chain starts over */
	if (z->hist_new)
		z->hist_new->next = h;
	else
		z->hist_old = h;
	z->hist_new = h;
	z->hist_bytes += len;
	while (z->hist_bytes > JNL_HIST_MAX && z->hist_old != h)
		jnl_hist_drop_oldest(z);
	return 0;
}

void zone_hist_free(zone *z)
{
	while (z->hist_old)
		jnl_hist_drop_oldest(z);
	z->hist_bytes = 0;
}

/* ------------------------------------------------------------------ */
/* payload parsing                                                    */
/* ------------------------------------------------------------------ */

/* A payload cursor. */
typedef struct jnl_cur {
	const uint8_t *p;
	size_t len, pos;
} jnl_cur;

/* One RR of a payload (owner points into the payload). */
typedef struct jnl_rr {
	const uint8_t *owner;
	uint16_t type, rclass, rdlen;
	uint32_t ttl;
	const uint8_t *rdata;
} jnl_rr;

static int jnl_next_rr(jnl_cur *c, jnl_rr *rr)
{
	size_t start = c->pos;

	if (wire_name_read(c->p, c->len, &c->pos, NULL) < 0 ||
	    c->p[start] >= 0xc0)        /* no compression in journals */
		return -EINVAL;
	if (c->len - c->pos < JNL_RR_FIXED)
		return -EINVAL;
	rr->owner = c->p + start;
	rr->type = wire_get16(c->p + c->pos);
	rr->rclass = wire_get16(c->p + c->pos + 2);
	rr->ttl = wire_get32(c->p + c->pos + 4);
	rr->rdlen = wire_get16(c->p + c->pos + 8);
	c->pos += JNL_RR_FIXED;
	if (c->len - c->pos < rr->rdlen)
		return -EINVAL;
	rr->rdata = c->p + c->pos;
	c->pos += rr->rdlen;
	return 0;
}

/* Payload header: origin, serials and counts; c is left at the RRs. */
static int jnl_head(jnl_cur *c, const uint8_t **origin, uint32_t hdr[4])
{
	c->pos = 0;
	if (wire_name_read(c->p, c->len, &c->pos, NULL) < 0 ||
	    (c->len && c->p[0] >= 0xc0) || c->len - c->pos < 16)
		return -EINVAL;
	*origin = c->p;
	for (int i = 0; i < 4; i++)
		hdr[i] = wire_get32(c->p + c->pos + 4 * (size_t)i);
	c->pos += 16;
	return 0;
}

/* The RR stream must hold exactly ndel + nadd RRs. */
static int jnl_check_rrs(jnl_cur *c, const uint32_t hdr[4])
{
	uint64_t n = (uint64_t)hdr[2] + hdr[3];
	jnl_rr rr;

	if (hdr[2] < 1 || hdr[3] < 1)
		return -EINVAL;
	for (uint64_t i = 0; i < n; i++)
		if (jnl_next_rr(c, &rr) < 0)
			return -EINVAL;
	return c->pos == c->len ? 0 : -EINVAL;
}

/* A whole, well-formed record at buf[pos]: fills *r and returns its
 * framed length, else 0. */
static size_t jnl_rec_at(const uint8_t *buf, size_t len, size_t pos,
			 zone_journal_rec *r)
{
	const uint8_t *h = buf + pos, *origin;
	uint32_t plen, hdr[4];
	jnl_cur c;

	if (pos > len || len - pos < JNL_HDRLEN || memcmp(h, jnl_magic, 4))
		return 0;
	plen = wire_get32(h + 4);
	if (plen > len - pos - JNL_HDRLEN ||
	    zone_crc32c(h + JNL_HDRLEN, plen) != wire_get32(h + 8))
		return 0;
	c = (jnl_cur){ .p = h + JNL_HDRLEN, .len = plen };
	if (jnl_head(&c, &origin, hdr) < 0 || jnl_check_rrs(&c, hdr) < 0)
		return 0;
	*r = (zone_journal_rec){ .payload = c.p, .payload_len = plen,
				 .serial_from = hdr[0], .serial_to = hdr[1] };
	return JNL_HDRLEN + plen;
}

size_t zone_journal_scan(const uint8_t *buf, size_t len,
			 int (*fn)(void *arg, const zone_journal_rec *r),
			 void *arg)
{
	size_t pos = 0, n;
	zone_journal_rec r;

	while ((n = jnl_rec_at(buf, len, pos, &r)) > 0) {
		if (fn && fn(arg, &r) != 0)
			break;
		pos += n;
	}
	return pos;
}

size_t zone_journal_next_valid(const uint8_t *buf, size_t len, size_t from)
{
	zone_journal_rec r;
	const uint8_t *m;

	while (from < len) {
		m = memmem(buf + from, len - from, jnl_magic, 4);
		if (!m)
			break;
		from = (size_t)(m - buf);
		if (jnl_rec_at(buf, len, from, &r) > 0)
			return from;
		from++;
	}
	return len;
}

/* ------------------------------------------------------------------ */
/* replay                                                             */
/* ------------------------------------------------------------------ */

static int jnl_apply_rr(zone *z, const jnl_rr *rr, int add)
{
	uint8_t lname[WIRE_MAXNAME];
	zone_node *n;

	if (!wire_name_is_sub(rr->owner, z->origin))
		return -EINVAL;
	if (add) {
		n = zone_node_get(z, rr->owner);
		return n ? zone_node_add_rr(z, n, rr->type, rr->ttl, rr->rdata,
					    rr->rdlen)
			 : -ENOMEM;
	}
	wire_name_lower(lname, rr->owner);
	n = zone_node_find(z, lname);
	if (n)  /* an absent RR is not an error (RFC 1995 sequences) */
		zone_node_del_rr(z, n, rr->type, rr->rdata, rr->rdlen);
	return 0;
}

static int jnl_apply_part(zone *z, jnl_cur *c, uint32_t count, int add)
{
	jnl_rr rr;
	int r;

	for (uint32_t i = 0; i < count; i++) {
		if (jnl_next_rr(c, &rr) < 0)
			return -EINVAL;
		if (i == 0 && rr.type != DNS_T_SOA)
			return -EINVAL;
		if ((r = jnl_apply_rr(z, &rr, add)) < 0)
			return r;
	}
	return 0;
}

int zone_journal_apply(zone *z, const zone_journal_rec *r)
{
	jnl_cur c = { .p = r->payload, .len = r->payload_len };
	const uint8_t *origin;
	uint32_t hdr[4];
	int rc;

	if (jnl_head(&c, &origin, hdr) < 0 || hdr[2] < 1 || hdr[3] < 1)
		return -EINVAL;
	if (!wire_name_equal(origin, z->origin))
		return -EINVAL;
	if (hdr[0] != z->serial)
		return -ESTALE;
	if ((rc = jnl_apply_part(z, &c, hdr[2], 0)) < 0 ||
	    (rc = jnl_apply_part(z, &c, hdr[3], 1)) < 0)
		return rc;
	zone_refresh_soa(z);
	if (z->serial != hdr[1])
		return -EINVAL;
	if (zone_hist_add(z, r->payload, r->payload_len, hdr[0], hdr[1]) < 0)
		zone_hist_free(z);
	return 0;
}

/* Drop the newest history entry when it is the step from -> to (it was
 * just undone); any other shape means the chain is no longer known. */
void zone_hist_pop(zone *z, uint32_t from, uint32_t to)
{
	zone_hist *h = z->hist_old, *prev = NULL;

	if (!z->hist_new || z->hist_new->serial_from != from ||
	    z->hist_new->serial_to != to) {
		zone_hist_free(z);
		return;
	}
	while (h != z->hist_new) {
		prev = h;
		h = h->next;
	}
	if (prev)
		prev->next = NULL;
	else
		z->hist_old = NULL;
	z->hist_new = prev;
	z->hist_bytes -= h->len;
	free(h->payload);
	free(h);
}

int zone_force_serial(zone *z, uint32_t serial)
{
	zone_hist_free(z);
	return zone_set_serial(z, serial) < 0 ? -EINVAL : 0;
}

int zone_journal_revert(zone *z, const zone_journal_rec *r)
{
	jnl_cur c = { .p = r->payload, .len = r->payload_len }, adds;
	const uint8_t *origin;
	uint32_t hdr[4];
	int rc;

	if (jnl_head(&c, &origin, hdr) < 0 || hdr[2] < 1 || hdr[3] < 1 ||
	    !wire_name_equal(origin, z->origin))
		return -EINVAL;
	if (hdr[1] != z->serial)
		return -ESTALE;
	/* skip the deleted part to reach the added one */
	adds = c;
	for (uint32_t i = 0; i < hdr[2]; i++) {
		jnl_rr rr;
		if (jnl_next_rr(&adds, &rr) < 0)
			return -EINVAL;
	}
	if ((rc = jnl_apply_part(z, &adds, hdr[3], 0)) < 0 ||
	    (rc = jnl_apply_part(z, &c, hdr[2], 1)) < 0)
		return rc;
	zone_refresh_soa(z);
	zone_hist_pop(z, hdr[0], hdr[1]);
	return z->serial == hdr[0] ? 0 : -EINVAL;
}

int zone_journal_foreach_rr(const zone_journal_rec *r, zone_sign_fn fn,
			    void *arg)
{
	jnl_cur c = { .p = r->payload, .len = r->payload_len };
	const uint8_t *origin;
	uint32_t hdr[4];
	jnl_rr rr;
	int rc;

	if (jnl_head(&c, &origin, hdr) < 0)
		return -EINVAL;
	for (uint64_t i = 0; i < (uint64_t)hdr[2] + hdr[3]; i++) {
		if (jnl_next_rr(&c, &rr) < 0)
			return -EINVAL;
		if ((rc = fn(arg, i >= hdr[2], rr.owner, rr.type, rr.ttl,
			     rr.rdata, rr.rdlen)) != 0)
			return rc;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* snapshot text                                                      */
/* ------------------------------------------------------------------ */

typedef struct jnl_text {
	uint8_t *buf;
	size_t len, cap;
	int err;
} jnl_text;

/* One RR in RFC 3597 form, for the types ldns cannot read back as it
 * prints them (zone_text_generic): malloc'ed line. */
static char *jnl_text_generic(const uint8_t *owner, uint16_t type,
			      uint32_t ttl, const uint8_t *rdata,
			      uint16_t rdlen)
{
	char name[WIRE_MAXNAME * 4 + 1], *s;
	size_t cap = sizeof(name) + 64 + 2 * (size_t)rdlen, o;

	if (wire_name_to_str(owner, name, sizeof(name)) < 0 ||
	    !(s = malloc(cap)))
		return NULL;
	o = (size_t)snprintf(s, cap, "%s\t%u\tIN\tTYPE%u\t\\# %u ", name,
			     ttl, type, rdlen);
	for (uint16_t i = 0; i < rdlen; i++)
		o += (size_t)snprintf(s + o, cap - o, "%02x", rdata[i]);
	return s;
}

/* One RR as ldns prints it: malloc'ed line, or NULL. */
static char *jnl_text_ldns(const uint8_t *owner, uint16_t type,
			   uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	uint8_t wire[WIRE_MAXNAME + JNL_RR_FIXED + 65535];
	size_t olen = wire_name_len(owner), pos = 0;
	ldns_rr *rr = NULL;
	char *s;

	memcpy(wire, owner, olen);
	wire_put16(wire + olen, type);
	wire_put16(wire + olen + 2, DNS_C_IN);
	wire_put32(wire + olen + 4, ttl);
	wire_put16(wire + olen + 8, rdlen);
	memcpy(wire + olen + JNL_RR_FIXED, rdata, rdlen);
	if (ldns_wire2rr(&rr, wire, olen + JNL_RR_FIXED + rdlen, &pos,
			 LDNS_SECTION_ANSWER) != LDNS_STATUS_OK)
		return NULL;
	s = ldns_rr2str(rr);
	ldns_rr_free(rr);
	return s;
}

/* Render one RR and append it as a line. */
static int jnl_text_rr(jnl_text *t, const uint8_t *owner, uint16_t type,
		       uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	char *s = zone_text_generic(type) ?
		  jnl_text_generic(owner, type, ttl, rdata, rdlen) :
		  jnl_text_ldns(owner, type, ttl, rdata, rdlen);
	size_t sl;
	int r;

	if (!s)
		return -EINVAL;
	sl = strlen(s);
	if (jnl_reserve(&t->buf, &t->cap, t->len, sl + 2) == 0) {
		memcpy(t->buf + t->len, s, sl);
		t->len += sl;
		if (sl == 0 || s[sl - 1] != '\n')
			t->buf[t->len++] = '\n';
		t->buf[t->len] = '\0';
		r = 0;
	} else {
		r = -ENOMEM;
	}
	free(s);
	return r;
}

/* Every RR of an RRset, one line each. */
static int jnl_text_rrset(jnl_text *t, const uint8_t *owner,
			  const zone_rrset *rs)
{
	const uint8_t *p = rs->data, *end = rs->data + rs->len;
	int r;

	while (p < end) {
		uint16_t l = wire_get16(p);
		if ((r = jnl_text_rr(t, owner, rs->type, rs->ttl, p + 2, l)) < 0)
			return r;
		p += 2 + l;
	}
	return 0;
}

static void jnl_text_node(jnl_text *t, const zone_node *n)
{
	for (const zone_rrset *rs = n->rrsets; rs; rs = rs->next) {
		if (rs->type == DNS_T_SOA)
			continue;       /* written first */
		if ((t->err = jnl_text_rrset(t, n->name, rs)) < 0)
			return;
	}
}

int zone_to_text(const zone *z, char **out, size_t *len)
{
	jnl_text t = { 0 };
	const zone_rrset *soa = z->apex ? zone_node_rrset(z->apex, DNS_T_SOA)
					: NULL;

	if (!soa)
		return -EINVAL;
	t.err = jnl_text_rrset(&t, z->apex->name, soa);
	for (size_t i = 0; t.err == 0 && i < z->nbuckets; i++)
		for (zone_node *n = z->buckets[i]; n && t.err == 0;
		     n = n->hnext)
			jnl_text_node(&t, n);
	if (t.err == 0 && !t.buf &&
	    jnl_reserve(&t.buf, &t.cap, 0, 1) == 0)
		t.buf[0] = '\0';
	if (t.err < 0 || !t.buf) {
		free(t.buf);
		return t.err < 0 ? t.err : -ENOMEM;
	}
	*out = (char *)t.buf;
	*len = t.len;
	return 0;
}
