/*
 * zones/leasename.c — lease-name ownership and the zone changes of lease
 * events (see leasename.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zones/leasename.h"
#include "zones/updclient.h"

enum { LN_MSG = 16384, LN_ORIGIN = WIRE_MAXNAME * 4 };

typedef struct ln_zone {
	zone_ln_zone z;
	char origin[LN_ORIGIN];       /* presentation, for zone_db_get_zone */
} ln_zone;

typedef struct ln_name {
	char label[ZONE_LN_LABEL + 1];/* lowercase */
	uint32_t addr;
} ln_name;

struct zone_lnames {
	ln_zone fwd;
	int has_fwd;
	ln_zone *rev;
	size_t nrev;
	ln_name *names;
	size_t nnames, capnames;
};

/* One UPDATE under construction for one of the zones. */
typedef struct ln_upd {
	zone_upd u;
	const ln_zone *lz;
	uint8_t buf[LN_MSG];
} ln_upd;

/* ------------------------------------------------------------------ */
/* the table and the zones                                            */
/* ------------------------------------------------------------------ */

zone_lnames *zone_lnames_new(void)
{
	return calloc(1, sizeof(zone_lnames));
}

void zone_lnames_free(zone_lnames *t)
{
	if (!t)
		return;
	free(t->rev);
	free(t->names);
	free(t);
}

static int ln_zone_set(ln_zone *d, const zone_ln_zone *s)
{
	d->z.file = s->file;
	wire_name_lower(d->z.lname, s->lname);
	return wire_name_to_str(d->z.lname, d->origin, sizeof(d->origin)) < 0
	       ? -EINVAL : 0;
}

int zone_lnames_set_zones(zone_lnames *t, const zone_ln_zone *fwd,
			  const zone_ln_zone *rev, size_t nrev)
{
	ln_zone *v = calloc(nrev ? nrev : 1, sizeof(*v));
	size_t n = 0;

	if (!v)
		return -ENOMEM;
	if (!t->has_fwd || !wire_name_equal(t->fwd.z.lname, fwd->lname))
		t->nnames = 0;      /* another domain: nothing of ours */
	if (ln_zone_set(&t->fwd, fwd) < 0) {
		free(v);
		t->has_fwd = 0;
		return -EINVAL;
	}
	t->has_fwd = 1;
	for (size_t i = 0; i < nrev; i++)
		n += ln_zone_set(&v[n], &rev[i]) == 0;
	free(t->rev);
	t->rev = v;
	t->nrev = n;
	return 0;
}

static ln_name *ln_find(zone_lnames *t, const char *label)
{
	for (size_t i = 0; i < t->nnames; i++)
		if (strcmp(t->names[i].label, label) == 0)
			return &t->names[i];
	return NULL;
}

static int ln_own(zone_lnames *t, const char *label, uint32_t addr)
{
	ln_name *e = ln_find(t, label);

	if (!e) {
		if (t->nnames == t->capnames) {
			size_t cap = t->capnames ? 2 * t->capnames : 64;
			ln_name *v = realloc(t->names, cap * sizeof(*v));

			if (!v)
				return -ENOMEM;
			t->names = v;
			t->capnames = cap;
		}
		e = &t->names[t->nnames++];
		snprintf(e->label, sizeof(e->label), "%s", label);
	}
	e->addr = addr;
	return 0;
}

static void ln_disown(zone_lnames *t, ln_name *e)
{
	*e = t->names[--t->nnames];
}

/* ------------------------------------------------------------------ */
/* names                                                              */
/* ------------------------------------------------------------------ */

/* An LDH label, lowercased into out; 0 or -EINVAL. */
static int ln_label(const char *s, char out[ZONE_LN_LABEL + 1])
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > ZONE_LN_LABEL || s[0] == '-' || s[n - 1] == '-')
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-'))
			return -EINVAL;
		out[i] = c;
	}
	out[n] = '\0';
	return 0;
}

/* label.DOMAIN as a lowercased wire name; its length or -EINVAL. */
static int ln_fqdn(const zone_lnames *t, const char *label,
		   uint8_t out[WIRE_MAXNAME])
{
	size_t n = strlen(label), d = wire_name_len(t->fwd.z.lname);

	if (n + 1 + d > WIRE_MAXNAME)
		return -EINVAL;
	out[0] = (uint8_t)n;
	memcpy(out + 1, label, n);
	memcpy(out + 1 + n, t->fwd.z.lname, d);
	return (int)(n + 1 + d);
}

/* The in-addr.arpa name of the first `octets` octets of addr. */
static void ln_revstr(uint32_t addr, int octets, char *out, size_t cap)
{
	size_t o = 0;

	out[0] = '\0';
	for (int i = octets - 1; i >= 0; i--)
		o += (size_t)snprintf(out + o, cap - o, "%u.",
				      (addr >> (24 - 8 * i)) & 0xff);
	snprintf(out + o, cap - o, "in-addr.arpa.");
}

static void ln_revwire(uint32_t addr, uint8_t out[WIRE_MAXNAME])
{
	char s[64];

	ln_revstr(addr, 4, s, sizeof(s));
	wire_name_from_str(s, out);
}

/* ------------------------------------------------------------------ */
/* who owns a name                                                    */
/* ------------------------------------------------------------------ */

static int ln_has_data(const zone *z, const uint8_t *lname)
{
	uint16_t ty[1];

	return z && zone_name_types(z, lname, ty, 1) > 0;
}

/* Static data at a name: local data or the zone's file. */
static int ln_static(const zone_db *db, const ln_zone *lz,
		     const uint8_t *lname)
{
	return ln_has_data(zone_db_local(db), lname) ||
	       ln_has_data(lz->z.file, lname);
}

/* The reverse zone (and the served zone object) covering addr. */
static const ln_zone *ln_rev_for(const zone_lnames *t, const zone_db *db,
				 uint32_t addr, zone **zp)
{
	uint8_t rev[WIRE_MAXNAME];

	ln_revwire(addr, rev);
	for (size_t i = 0; i < t->nrev; i++) {
		if (!wire_name_is_sub(rev, t->rev[i].z.lname))
			continue;
		*zp = zone_db_get_zone(db, t->rev[i].origin);
		return *zp ? &t->rev[i] : NULL;
	}
	return NULL;
}

/* 1 if the PTR at addr's reverse name is exactly fqdn. */
static int ln_ptr_is(const zone_lnames *t, const zone_db *db, uint32_t addr,
		     const uint8_t *fqdn, int fqdn_len)
{
	uint8_t rev[WIRE_MAXNAME];
	zone *rz = NULL;
	const zone_rrset *rs;

	if (!ln_rev_for(t, db, addr, &rz))
		return 0;
	ln_revwire(addr, rev);
	rs = zone_find_rrset(rz, rev, DNS_T_PTR);
	return rs && rs->count == 1 && wire_get16(rs->data) == fqdn_len &&
	       wire_name_equal(rs->data + 2, fqdn);
}

/* The zone's own server names are never a lease's. */
static int ln_reserved(const zone *fz, const uint8_t *fqdn)
{
	const uint8_t *apex = zone_origin(fz);
	const zone_rrset *rs = zone_find_rrset(fz, apex, DNS_T_NS);
	const zone_rrset *soa = zone_find_rrset(fz, apex, DNS_T_SOA);

	if (soa && wire_name_equal(soa->data + 2, fqdn))
		return 1;
	for (const uint8_t *p = rs ? rs->data : NULL;
	     p && p < rs->data + rs->len; p += 2 + wire_get16(p))
		if (wire_name_equal(p + 2, fqdn))
			return 1;
	return 0;
}

/* May a lease not in the table take fqdn?  Free names and names an
 * earlier lease wrote (one A, PTR back to it) yes; the rest is static. */
static int ln_may_take(const zone_lnames *t, const zone_db *db,
		       const zone *fz, const uint8_t *fqdn, int fqdn_len)
{
	uint16_t ty[2];
	const zone_rrset *a;

	if (ln_static(db, &t->fwd, fqdn))
		return 0;
	switch (zone_name_types(fz, fqdn, ty, 2)) {
	case 0:
		return 1;
	case 1:
		a = zone_find_rrset(fz, fqdn, DNS_T_A);
		return a && a->count == 1 && wire_get16(a->data) == 4 &&
		       ln_ptr_is(t, db, wire_get32(a->data + 2), fqdn,
				 fqdn_len);
	default:
		return 0;
	}
}

/* ------------------------------------------------------------------ */
/* updates                                                            */
/* ------------------------------------------------------------------ */

static void ln_upd_start(ln_upd *u, const ln_zone *lz)
{
	u->lz = lz;
	zone_upd_start(&u->u, u->buf, sizeof(u->buf), 0, lz->z.lname);
}

/* Apply u (nothing when empty).  0 or -EIO (noted in r). */
static int ln_upd_apply(zone_db *db, ln_upd *u, uint64_t now,
			zone_ln_result *r)
{
	long len;
	int rc = DNS_R_SERVFAIL;
	zone_effects eff;

	if (u->u.nupd == 0 && !u->u.bad)
		return 0;
	if ((len = zone_upd_finish(&u->u, NULL, NULL, 0)) > 0)
		rc = zone_db_update_local(db, u->buf, (size_t)len, now, &eff);
	if (rc == DNS_R_NOERROR) {
		r->updates++;
		return 0;
	}
	if (r->rcode == 0) {
		r->rcode = rc;
		snprintf(r->zone, sizeof(r->zone), "%s", u->lz->origin);
	}
	return -EIO;
}

/* Delete the RRs of owner/type other than keep (NULL: all), one by one.
 * 1 if keep is there with a TTL that may stay (ttl >= half of it). */
static int ln_others(ln_upd *u, const zone *z, const uint8_t *owner,
		     uint16_t type, const uint8_t *keep, uint16_t keeplen,
		     uint32_t ttl)
{
	const zone_rrset *rs = z ? zone_find_rrset(z, owner, type) : NULL;
	int have = 0;

	for (const uint8_t *p = rs ? rs->data : NULL;
	     p && p < rs->data + rs->len; p += 2 + wire_get16(p)) {
		uint16_t n = wire_get16(p);

		if (keep && n == keeplen && memcmp(p + 2, keep, n) == 0)
			have = ttl >= rs->ttl / 2;
		else
			zone_upd_del_rr(&u->u, owner, type, p + 2, n);
	}
	return have;
}

/* PTR rev(addr) -> fqdn as the only PTR there (unless static). */
static int ln_set_ptr(zone_lnames *t, zone_db *db, uint32_t addr,
		      const uint8_t *fqdn, int fqdn_len, uint32_t ttl,
		      uint64_t now, zone_ln_result *r)
{
	uint8_t rev[WIRE_MAXNAME];
	zone *rz = NULL;
	const ln_zone *lz = ln_rev_for(t, db, addr, &rz);
	ln_upd u;

	if (!lz)
		return 0;   /* no reverse zone covers it: A only */
	ln_revwire(addr, rev);
	if (ln_static(db, lz, rev))
		return 0;   /* a static PTR wins */
	ln_upd_start(&u, lz);
	if (!ln_others(&u, rz, rev, DNS_T_PTR, fqdn, (uint16_t)fqdn_len, ttl))
		zone_upd_add(&u.u, rev, DNS_T_PTR, ttl, fqdn,
			     (size_t)fqdn_len);
	return ln_upd_apply(db, &u, now, r);
}

/* Remove PTR rev(addr) -> fqdn if it is there (and not static). */
static int ln_del_ptr(zone_lnames *t, zone_db *db, uint32_t addr,
		      const uint8_t *fqdn, int fqdn_len, uint64_t now,
		      zone_ln_result *r)
{
	uint8_t rev[WIRE_MAXNAME];
	zone *rz = NULL;
	const ln_zone *lz = ln_rev_for(t, db, addr, &rz);
	ln_upd u;

	if (!lz || !ln_ptr_is(t, db, addr, fqdn, fqdn_len))
		return 0;
	ln_revwire(addr, rev);
	if (ln_static(db, lz, rev))
		return 0;
	ln_upd_start(&u, lz);
	zone_upd_del_rr(&u.u, rev, DNS_T_PTR, fqdn, (size_t)fqdn_len);
	return ln_upd_apply(db, &u, now, r);
}

static int ln_set_a(zone_lnames *t, zone_db *db, const zone *fz,
		    const uint8_t *fqdn, uint32_t addr, uint32_t ttl,
		    uint64_t now, zone_ln_result *r)
{
	uint8_t rd[4];
	ln_upd u;

	wire_put32(rd, addr);
	ln_upd_start(&u, &t->fwd);
	if (!ln_others(&u, fz, fqdn, DNS_T_A, rd, 4, ttl))
		zone_upd_add(&u.u, fqdn, DNS_T_A, ttl, rd, 4);
	return ln_upd_apply(db, &u, now, r);
}

static int ln_del_a(zone_lnames *t, zone_db *db, const uint8_t *fqdn,
		    const uint8_t *rd, uint64_t now, zone_ln_result *r)
{
	ln_upd u;

	ln_upd_start(&u, &t->fwd);
	zone_upd_del_rr(&u.u, fqdn, DNS_T_A, rd, 4);
	return ln_upd_apply(db, &u, now, r);
}

/* ------------------------------------------------------------------ */
/* events                                                             */
/* ------------------------------------------------------------------ */

/* The forward zone, the label and its name for an event.  0 or -errno. */
static int ln_event(zone_lnames *t, const zone_db *db, const char *label,
		    zone **fz, char lab[ZONE_LN_LABEL + 1],
		    uint8_t fqdn[WIRE_MAXNAME], int *flen,
		    zone_ln_result *r)
{
	memset(r, 0, sizeof(*r));
	if (!t->has_fwd || !(*fz = zone_db_get_zone(db, t->fwd.origin)))
		return -ENOENT;
	if (ln_label(label, lab) < 0 || (*flen = ln_fqdn(t, lab, fqdn)) < 0)
		return -EINVAL;
	return 0;
}

int zone_lnames_add(zone_lnames *t, zone_db *db, const char *label,
		    uint32_t addr, uint32_t ttl, uint64_t now,
		    zone_ln_result *r)
{
	char lab[ZONE_LN_LABEL + 1];
	uint8_t fqdn[WIRE_MAXNAME];
	int flen = 0, rc;
	ln_name *e;
	zone *fz = NULL;

	if ((rc = ln_event(t, db, label, &fz, lab, fqdn, &flen, r)) < 0)
		return rc;
	if (ttl > ZONE_LN_TTL_MAX)
		ttl = ZONE_LN_TTL_MAX;
	e = ln_find(t, lab);
	if (ln_reserved(fz, fqdn) ||
	    (e ? ln_static(db, &t->fwd, fqdn) :
	     !ln_may_take(t, db, fz, fqdn, flen)))
		return -EEXIST;
	if (e && e->addr != addr &&
	    ln_del_ptr(t, db, e->addr, fqdn, flen, now, r) < 0)
		return -EIO;
	if ((rc = ln_set_a(t, db, fz, fqdn, addr, ttl, now, r)) < 0)
		return rc;
	if ((rc = ln_own(t, lab, addr)) < 0)
		return rc;
	return ln_set_ptr(t, db, addr, fqdn, flen, ttl, now, r);
}

int zone_lnames_del(zone_lnames *t, zone_db *db, const char *label,
		    uint32_t addr, uint64_t now, zone_ln_result *r)
{
	char lab[ZONE_LN_LABEL + 1];
	uint8_t fqdn[WIRE_MAXNAME], rd[4];
	int flen = 0, rc;
	ln_name *e;
	zone *fz = NULL;

	if ((rc = ln_event(t, db, label, &fz, lab, fqdn, &flen, r)) < 0)
		return rc;
	if (!(e = ln_find(t, lab)))
		return -ENOENT;   /* not a name a lease holds */
	if (e->addr == addr) {
		wire_put32(rd, addr);
		rc = zone_find_rrset(fz, fqdn, DNS_T_A) ?
		     ln_del_a(t, db, fqdn, rd, now, r) : 0;
		ln_disown(t, e);
	}
	if (ln_del_ptr(t, db, addr, fqdn, flen, now, r) < 0)
		rc = -EIO;
	return rc;
}

/* ------------------------------------------------------------------ */
/* stale names after a restart                                        */
/* ------------------------------------------------------------------ */

typedef struct ln_stale {
	const uint8_t *domain;
	uint8_t (*names)[WIRE_MAXNAME];
	size_t n, cap;
	int oom;
} ln_stale;

/* Names directly below the domain (collected: the zone must not change
 * while it is walked). */
static int ln_stale_name(void *arg, const uint8_t *lname)
{
	ln_stale *st = arg;

	if (lname[0] == 0 ||
	    !wire_name_equal(lname + 1 + lname[0], st->domain))
		return 0;
	if (st->n == st->cap) {
		size_t cap = st->cap ? 2 * st->cap : 64;
		void *v = realloc(st->names, cap * sizeof(*st->names));

		if (!v) {
			st->oom = 1;
			return 1;
		}
		st->names = v;
		st->cap = cap;
	}
	memcpy(st->names[st->n++], lname, wire_name_len(lname));
	return 0;
}

/* Remove fqdn's A and the PTR back when an earlier lease wrote them and
 * no lease holds the name now.  1 when removed. */
static int ln_stale_one(zone_lnames *t, zone_db *db, const uint8_t *fqdn,
			uint64_t now, zone_ln_result *r, char *lab)
{
	int flen = (int)wire_name_len(fqdn);
	zone *fz = zone_db_get_zone(db, t->fwd.origin);
	const zone_rrset *a;
	uint8_t rd[4];

	memcpy(lab, fqdn + 1, fqdn[0]);
	lab[fqdn[0]] = '\0';
	if (!fz || ln_find(t, lab) || !ln_may_take(t, db, fz, fqdn, flen) ||
	    !(a = zone_find_rrset(fz, fqdn, DNS_T_A)))
		return 0;
	memcpy(rd, a->data + 2, 4);
	ln_del_ptr(t, db, wire_get32(rd), fqdn, flen, now, r);
	return ln_del_a(t, db, fqdn, rd, now, r) == 0;
}

int zone_lnames_restored(zone_lnames *t, zone_db *db, uint64_t now,
			 void (*gone)(void *arg, const char *label),
			 void *arg, zone_ln_result *r)
{
	ln_stale st = { .domain = t->fwd.z.lname };
	zone *fz;
	int n = 0;

	memset(r, 0, sizeof(*r));
	if (!t->has_fwd || !(fz = zone_db_get_zone(db, t->fwd.origin)))
		return 0;
	zone_foreach_name(fz, ln_stale_name, &st);
	for (size_t i = 0; i < st.n && !st.oom; i++) {
		char lab[64];

		if (ln_stale_one(t, db, st.names[i], now, r, lab)) {
			n++;
			if (gone)
				gone(arg, lab);
		}
	}
	free(st.names);
	return st.oom ? -ENOMEM : n;
}

/* ------------------------------------------------------------------ */
/* reverse zones of ranges                                            */
/* ------------------------------------------------------------------ */

static int ln_rev_octets(uint32_t start, uint32_t end, uint32_t netmask)
{
	int common = 0, octets;

	while (common < 3 && ((start ^ end) >> (24 - 8 * common)) == 0)
		common++;
	if (netmask) {
		int prefix = 0;

		for (uint32_t m = netmask; m & 0x80000000u; m <<= 1)
			prefix++;
		octets = prefix / 8 < 3 ? prefix / 8 : 3;
	} else {
		octets = common;
	}
	return octets < common ? octets : common;
}

int zone_lnames_rev_origin(const zone_db *db, uint32_t start, uint32_t end,
			   uint32_t netmask, char *out, size_t cap)
{
	int oct = ln_rev_octets(start, end, netmask);
	char tmp[64];

	if (oct == 0)
		return 0;
	ln_revstr(start, oct, tmp, sizeof(tmp));
	snprintf(out, cap, "%s", tmp);
	for (const char *p = tmp; *p; p = strchr(p, '.')) {
		if (*p == '.')
			p++;
		if (strcmp(p, "in-addr.arpa.") == 0)
			break;
		if (zone_db_get_zone(db, p)) {
			snprintf(out, cap, "%s", p);
			break;
		}
	}
	return 1;
}
