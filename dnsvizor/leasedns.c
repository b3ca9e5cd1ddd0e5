/*
 * DHCP lease names in the authoritative zones.
 *
 * Zones: the --domain zone and, for every DHCP range, the in-addr.arpa
 * zone on an octet boundary that covers it (a /24 or a range inside one
 * /24: C.B.A.in-addr.arpa; a /16 netmask: B.A.in-addr.arpa; ...).  A
 * --zone for that name (or, for a reverse zone, for a parent of it) is
 * used as is.  Otherwise the zone is synthesized:
 *
 *   @ 3600 IN SOA ns.DOMAIN. hostmaster.DOMAIN. UNIXTIME 3600 600 604800 300
 *   @ 3600 IN NS  ns.DOMAIN.
 *
 * and kept in the state directory like a zone changed by UPDATE (a
 * snapshot written at once, then the journal), so after a restart the
 * stored zone is served with its serial and history, not a new one.
 *
 * Changes: a lease name is an RFC 2136 UPDATE message built here and run
 * through zone_db_update_local, the code path of a received UPDATE (undo
 * log, serial bump per --serial-policy, journal record, IXFR history);
 * the record goes to the journal (dv_persist_changed; the DHCP shell's
 * group commit calls dv_persist_sync) and the zone's secondaries are
 * notified, exactly as net.c does for an UPDATE from the network.  Changes that change nothing (a lease restored
 * after a restart, a renewal) send no message, so the serial only moves
 * when the data does.
 *
 * Ownership: a small table (label -> address) of the names leases hold.
 * A name outside the table holding any data is static and never taken
 * over (-EEXIST): local data (--host-record, hosts files, ...), the zone
 * file of a --zone, or data put there by other means.  One exception, so
 * that restored leases find their names again after a restart: a name
 * outside the table whose only data is one A record whose address has a
 * PTR back to the name in one of our reverse zones, and which neither the
 * local data nor the --zone file holds, is what an earlier lease wrote;
 * the lease claiming it gets it.
 *
 * TTL: min(lease time given, DV_LD_TTL_MAX).  The lease time is the upper
 * bound (the record may vanish when the lease ends); the cap keeps caches
 * from holding a name much longer than a client that leaves early (a
 * RELEASE) would hold it, and is what most zones use as default TTL.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dhcp/dhcp.h"
#include "dnsvizor/leasedns.h"
#include "dnsvizor/persist.h"
#include "dnsvizor/localupd.h"

enum {
	DV_LD_TTL_MAX = 3600,         /* cap of a lease name's TTL */
	DV_LD_SOA_TTL = 3600,
	DV_LD_NAMESTR = 4 * WIRE_MAXNAME + 2,
	DV_LD_LABEL = 63,
};

/* One zone lease names go into. */
typedef struct dv_lzone {
	char origin[DV_LD_NAMESTR];   /* presentation, trailing dot */
	uint8_t lname[WIRE_MAXNAME];  /* lowercased wire */
	zone *synth;                  /* synthesized by us (ref), or NULL */
	zone *file;                   /* the --zone file's content (ref):
					 its names are static; or NULL */
} dv_lzone;

/* A name a lease holds. */
typedef struct dv_lname {
	char label[DV_LD_LABEL + 1];  /* lowercase */
	uint32_t addr;
} dv_lname;

struct dv_leasedns {
	char domain[DV_LD_NAMESTR];   /* "lan.test." */
	dv_lzone fwd;
	dv_lzone *rev;
	size_t nrev;
	dv_lname *names;
	size_t nnames, capnames;
};

/* ------------------------------------------------------------------ */
/* names                                                              */
/* ------------------------------------------------------------------ */

/* An LDH label (RFC 952/1123), lowercased into out; 0 or -EINVAL. */
static int dv_ld_label(const char *s, char out[DV_LD_LABEL + 1])
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > DV_LD_LABEL || s[0] == '-' || s[n - 1] == '-')
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

/* label.DOMAIN. as a lowercased wire name; length or -EINVAL. */
static int dv_ld_fqdn(const struct dv_leasedns *ld, const char *label,
		      uint8_t out[WIRE_MAXNAME])
{
	char s[DV_LD_NAMESTR + DV_LD_LABEL + 2];
	int n;

	snprintf(s, sizeof(s), "%s.%s", label, ld->domain);
	n = wire_name_from_str(s, out);
	return n < 0 ? -EINVAL : n;
}

/* The in-addr.arpa name of the first `octets` octets of addr. */
static void dv_ld_revstr(uint32_t addr, int octets, char *out, size_t cap)
{
	size_t o = 0;

	out[0] = '\0';
	for (int i = octets - 1; i >= 0; i--)
		o += (size_t)snprintf(out + o, cap - o, "%u.",
				      (addr >> (24 - 8 * i)) & 0xff);
	snprintf(out + o, cap - o, "in-addr.arpa.");
}

static void dv_ld_revwire(uint32_t addr, uint8_t out[WIRE_MAXNAME])
{
	char s[64];

	dv_ld_revstr(addr, 4, s, sizeof(s));
	wire_name_from_str(s, out);
}

/* ------------------------------------------------------------------ */
/* the ownership table                                                */
/* ------------------------------------------------------------------ */

static dv_lname *dv_ld_find(struct dv_leasedns *ld, const char *label)
{
	for (size_t i = 0; i < ld->nnames; i++)
		if (strcmp(ld->names[i].label, label) == 0)
			return &ld->names[i];
	return NULL;
}

static int dv_ld_own(struct dv_leasedns *ld, const char *label,
		     uint32_t addr)
{
	dv_lname *e = dv_ld_find(ld, label);

	if (!e) {
		if (ld->nnames == ld->capnames) {
			size_t cap = ld->capnames ? 2 * ld->capnames : 64;
			dv_lname *v = realloc(ld->names, cap * sizeof(*v));
			if (!v)
				return -ENOMEM;
			ld->names = v;
			ld->capnames = cap;
		}
		e = &ld->names[ld->nnames++];
		snprintf(e->label, sizeof(e->label), "%s", label);
	}
	e->addr = addr;
	return 0;
}

static void dv_ld_disown(struct dv_leasedns *ld, dv_lname *e)
{
	*e = ld->names[--ld->nnames];
}

/* ------------------------------------------------------------------ */
/* zones                                                              */
/* ------------------------------------------------------------------ */

static void dv_lz_clear(dv_lzone *lz)
{
	zone_unref(lz->synth);
	zone_unref(lz->file);
	memset(lz, 0, sizeof(*lz));
}

static int dv_lz_init(dv_lzone *lz, const char *origin)
{
	uint8_t w[WIRE_MAXNAME];

	memset(lz, 0, sizeof(*lz));
	if (wire_name_from_str(origin, w) < 0)
		return -EINVAL;
	wire_name_lower(lz->lname, w);
	if (wire_name_to_str(lz->lname, lz->origin, sizeof(lz->origin)) < 0)
		return -EINVAL;
	return 0;
}

/* The zone file of the --zone for lz (its static names), or NULL. */
static zone *dv_lz_zone_file(dv_ctx *ctx, const dv_lzone *lz)
{
	for (size_t i = 0; i < ctx->cfg.zones.n; i++) {
		const dv_zone_spec *spec = &ctx->cfg.zones.v[i];
		char zerr[256];
		uint8_t w[WIRE_MAXNAME];

		if (wire_name_from_str(spec->origin, w) < 0 ||
		    !wire_name_equal(w, lz->lname))
			continue;
		return zone_load(lz->origin, spec->file, dv_read_file, NULL,
				 zerr, sizeof(zerr));
	}
	return NULL;
}

/* A new zone with SOA and NS naming this server. */
static zone *dv_lz_synth(dv_ctx *ctx, const struct dv_leasedns *ld,
			 const dv_lzone *lz, char *err, size_t errlen)
{
	char text[4 * DV_LD_NAMESTR + 128], zerr[256];
	uint32_t serial = (uint32_t)time(NULL);
	zone *z;
	int n;

	(void)ctx;
	n = snprintf(text, sizeof(text),
		     "@ %d IN SOA ns.%s hostmaster.%s %u 3600 600 604800 300\n"
		     "@ %d IN NS ns.%s\n", DV_LD_SOA_TTL, ld->domain,
		     ld->domain, serial, DV_LD_SOA_TTL, ld->domain);
	z = zone_load_text(lz->origin, "(synthesized)", text, (size_t)n,
			   NULL, NULL, zerr, sizeof(zerr));
	if (!z)
		snprintf(err, errlen, "zone %s: cannot synthesize: %s",
			 lz->origin, zerr);
	return z;
}

/*
 * Make sure lz is served: a zone in the db (a --zone, or our own kept
 * from before a reload) is used; else the stored one from the state
 * directory; else a new one, stored at once.
 */
static int dv_lz_open(dv_ctx *ctx, struct dv_leasedns *ld, dv_lzone *lz,
		      char *err, size_t errlen)
{
	zone *z = zone_db_get_zone(ctx->db, lz->origin);
	int fresh = 0;

	zone_unref(lz->file);
	lz->file = NULL;
	if (z && z != lz->synth) {      /* a --zone (or a secondary) */
		zone_unref(lz->synth);
		lz->synth = NULL;
		lz->file = dv_lz_zone_file(ctx, lz);
		return 0;
	}
	if (z)
		return 0;
	if (!lz->synth && !(lz->synth = dv_persist_load_zone(ctx,
							     lz->origin))) {
		if (!(lz->synth = dv_lz_synth(ctx, ld, lz, err, errlen)))
			return -1;
		fresh = 1;
	}
	if (zone_db_add_zone(ctx->db, lz->synth) < 0) {
		snprintf(err, errlen, "zone %s: cannot add", lz->origin);
		return -1;
	}
	if (fresh && dv_persist_store_zone(ctx, lz->synth) < 0) {
		snprintf(err, errlen, "zone %s: cannot store it in the state "
			 "directory (see the log)", lz->origin);
		return -1;
	}
	dv_log(&ctx->lg, DV_LOG_INFO, "zone %s: %s for DHCP names (serial %u)",
	       lz->origin, fresh ? "synthesized" : "served",
	       zone_serial(lz->synth));
	return 0;
}

/* Octets of the reverse zone for a range: the netmask's (or, without
 * one, those start and end share), never more than start and end share,
 * at most 3.  0: too wide for one zone. */
static int dv_ld_rev_octets(const dhcp_range *r)
{
	int common = 0, octets;

	while (common < 3 && ((r->start ^ r->end) >>
			      (24 - 8 * common)) == 0)
		common++;
	if (r->netmask) {
		int prefix = 0;
		for (uint32_t m = r->netmask; m & 0x80000000u; m <<= 1)
			prefix++;
		octets = prefix / 8 < 3 ? prefix / 8 : 3;
	} else {
		octets = common;
	}
	return octets < common ? octets : common;
}

/* The origin of a served zone at or above name (below in-addr.arpa),
 * for a --zone that covers a reverse zone we would synthesize. */
static int dv_ld_parent_zone(const dv_ctx *ctx, const char *name,
			     char *out, size_t cap)
{
	for (const char *p = name; p && *p; p = strchr(p, '.')) {
		if (*p == '.')
			p++;
		if (strcmp(p, "in-addr.arpa.") == 0)
			return 0;
		if (zone_db_get_zone(ctx->db, p)) {
			snprintf(out, cap, "%s", p);
			return 1;
		}
	}
	return 0;
}

static dv_lzone *dv_ld_rev_find(struct dv_leasedns *ld, const char *origin)
{
	uint8_t w[WIRE_MAXNAME];

	if (wire_name_from_str(origin, w) < 0)
		return NULL;
	for (size_t i = 0; i < ld->nrev; i++)
		if (wire_name_equal(ld->rev[i].lname, w))
			return &ld->rev[i];
	return NULL;
}

/* The reverse zones of the ranges, keeping zone objects we already
 * have (reload). */
static int dv_ld_rev_build(dv_ctx *ctx, struct dv_leasedns *ld,
			   const dhcp_range *ranges, size_t nranges,
			   char *err, size_t errlen)
{
	dv_lzone *v = calloc(nranges ? nranges : 1, sizeof(*v));
	size_t n = 0;

	if (!v) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < nranges; i++) {
		char name[64], tmp[64];
		int oct = dv_ld_rev_octets(&ranges[i]);
		dv_lzone *old;
		int dup = 0;

		if (oct == 0) {
			dv_log(&ctx->lg, DV_LOG_WARN, "dhcp-range %u: too wide "
			       "for one reverse zone: no PTR records", (unsigned)i);
			continue;
		}
		dv_ld_revstr(ranges[i].start, oct, tmp, sizeof(tmp));
		if (!dv_ld_parent_zone(ctx, tmp, name, sizeof(name)))
			memcpy(name, tmp, sizeof(name));
		for (size_t j = 0; j < n; j++)
			dup |= strcmp(v[j].origin, name) == 0;
		if (dup)
			continue;
		if ((old = dv_ld_rev_find(ld, name))) {
			v[n++] = *old;
			memset(old, 0, sizeof(*old));
		} else if (dv_lz_init(&v[n++], name) < 0) {
			n--;
		}
	}
	for (size_t i = 0; i < ld->nrev; i++)
		dv_lz_clear(&ld->rev[i]);
	free(ld->rev);
	ld->rev = v;
	ld->nrev = n;
	for (size_t i = 0; i < n; i++)
		if (dv_lz_open(ctx, ld, &ld->rev[i], err, errlen) < 0)
			return -1;
	return 0;
}

int dv_leasedns_open(dv_ctx *ctx, const struct dhcp_range *ranges,
		     size_t nranges, char *err, size_t errlen)
{
	struct dv_leasedns *ld = ctx->leasedns;
	char dom[DV_LD_NAMESTR];
	dv_lzone fz;

	if (!ctx->cfg.domain || !*ctx->cfg.domain)
		return 0;   /* no names without a domain */
	if (dv_lz_init(&fz, ctx->cfg.domain) < 0) {
		snprintf(err, errlen, "domain %s: not a domain name",
			 ctx->cfg.domain);
		return -1;
	}
	if (!ld) {
		if (!(ld = calloc(1, sizeof(*ld)))) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		ctx->leasedns = ld;
	}
	snprintf(dom, sizeof(dom), "%s", fz.origin);
	if (strcmp(ld->fwd.origin, fz.origin) != 0) {
		dv_lz_clear(&ld->fwd);
		ld->fwd = fz;
		ld->nnames = 0;     /* another domain: nothing of ours */
	}
	memcpy(ld->domain, dom, sizeof(ld->domain));
	if (dv_lz_open(ctx, ld, &ld->fwd, err, errlen) < 0)
		return -1;
	return dv_ld_rev_build(ctx, ld, ranges, nranges, err, errlen);
}

void dv_leasedns_close(dv_ctx *ctx)
{
	struct dv_leasedns *ld = ctx->leasedns;

	if (!ld)
		return;
	dv_persist_sync(ctx);
	dv_lz_clear(&ld->fwd);
	for (size_t i = 0; i < ld->nrev; i++)
		dv_lz_clear(&ld->rev[i]);
	free(ld->rev);
	free(ld->names);
	free(ld);
	ctx->leasedns = NULL;
}

/* ------------------------------------------------------------------ */
/* UPDATE messages                                                    */
/* ------------------------------------------------------------------ */

/* An update of one of our lease zones (localupd.c). */
static int dv_lupd_run(dv_ctx *ctx, dv_lupd *u, const dv_lzone *lz)
{
	char what[300];

	snprintf(what, sizeof(what), "zone %.250s: DHCP names", lz->origin);
	return dv_lupd_apply(ctx, u, what);
}

/* Delete the RRs of owner/type other than keep (NULL: all of them),
 * one by one (class NONE).  Returns 1 if keep is there already with a
 * TTL that may stay: a restored lease (its time left) or a new lease
 * time at least half the TTL does not rewrite the record, so restarts
 * and renewals do not move the serial; a much shorter one lowers it. */
static int dv_lupd_others(dv_lupd *u, const zone *z, const uint8_t *owner,
			  uint16_t type, const uint8_t *keep,
			  uint16_t keeplen, uint32_t ttl)
{
	const zone_rrset *rs = z ? zone_find_rrset(z, owner, type) : NULL;
	int have = 0;

	for (const uint8_t *p = rs ? rs->data : NULL;
	     p && p < rs->data + rs->len; p += 2 + wire_get16(p)) {
		uint16_t n = wire_get16(p);
		if (keep && n == keeplen && memcmp(p + 2, keep, n) == 0)
			have = ttl >= rs->ttl / 2;
		else
			dv_lupd_rr(u, owner, type, DNS_C_NONE, 0, p + 2, n);
	}
	return have;
}

/* ------------------------------------------------------------------ */
/* who owns a name                                                    */
/* ------------------------------------------------------------------ */

static int dv_ld_has_data(const zone *z, const uint8_t *lname)
{
	uint16_t t[1];

	return z && zone_name_types(z, lname, t, 1) > 0;
}

/* The reverse zone (and the served zone object) covering addr. */
static dv_lzone *dv_ld_rev_for(dv_ctx *ctx, struct dv_leasedns *ld,
			       uint32_t addr, zone **zp)
{
	uint8_t rev[WIRE_MAXNAME];

	dv_ld_revwire(addr, rev);
	for (size_t i = 0; i < ld->nrev; i++) {
		if (!wire_name_is_sub(rev, ld->rev[i].lname))
			continue;
		*zp = zone_db_get_zone(ctx->db, ld->rev[i].origin);
		return *zp ? &ld->rev[i] : NULL;
	}
	return NULL;
}

/* 1 if the PTR at addr's reverse name points to fqdn. */
static int dv_ld_ptr_is(dv_ctx *ctx, struct dv_leasedns *ld, uint32_t addr,
			const uint8_t *fqdn, int fqdn_len)
{
	uint8_t rev[WIRE_MAXNAME];
	zone *rz = NULL;
	const zone_rrset *rs;

	if (!dv_ld_rev_for(ctx, ld, addr, &rz))
		return 0;
	dv_ld_revwire(addr, rev);
	rs = zone_find_rrset(rz, rev, DNS_T_PTR);
	return rs && rs->count == 1 && wire_get16(rs->data) == fqdn_len &&
	       wire_name_equal(rs->data + 2, fqdn);
}

/* Static data at a name: local data or the --zone file. */
static int dv_ld_static(dv_ctx *ctx, const dv_lzone *lz,
			const uint8_t *lname)
{
	return dv_ld_has_data(zone_db_local(ctx->db), lname) ||
	       dv_ld_has_data(lz->file, lname);
}

/* The zone's own server names (SOA MNAME, apex NS targets) are never a
 * lease's: a client called "ns" must not become ns.DOMAIN. */
static int dv_ld_reserved(const zone *fz, const uint8_t *fqdn)
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

/*
 * May a lease that is not in the table take fqdn?  Free names yes; a
 * name an earlier lease wrote (one A, PTR back to it) yes; anything
 * else is static.
 */
static int dv_ld_may_take(dv_ctx *ctx, struct dv_leasedns *ld,
			  const zone *fz, const uint8_t *fqdn, int fqdn_len)
{
	uint16_t t[2];
	const zone_rrset *a;

	if (dv_ld_static(ctx, &ld->fwd, fqdn))
		return 0;
	switch (zone_name_types(fz, fqdn, t, 2)) {
	case 0:
		return 1;
	case 1:
		a = zone_find_rrset(fz, fqdn, DNS_T_A);
		return a && a->count == 1 && wire_get16(a->data) == 4 &&
		       dv_ld_ptr_is(ctx, ld, wire_get32(a->data + 2), fqdn,
				    fqdn_len);
	default:
		return 0;
	}
}

/* ------------------------------------------------------------------ */
/* add and delete                                                     */
/* ------------------------------------------------------------------ */

/* PTR rev(addr) -> fqdn as the only PTR there (unless static). */
static int dv_ld_set_ptr(dv_ctx *ctx, struct dv_leasedns *ld, uint32_t addr,
			 const uint8_t *fqdn, int fqdn_len, uint32_t ttl)
{
	uint8_t rev[WIRE_MAXNAME];
	zone *rz = NULL;
	dv_lzone *lz = dv_ld_rev_for(ctx, ld, addr, &rz);
	dv_lupd u;

	if (!lz)
		return 0;   /* no reverse zone covers it: A only */
	dv_ld_revwire(addr, rev);
	if (dv_ld_static(ctx, lz, rev))
		return 0;   /* a static PTR wins */
	dv_lupd_start(&u, lz->lname);
	if (!dv_lupd_others(&u, rz, rev, DNS_T_PTR, fqdn, (uint16_t)fqdn_len,
			    ttl))
		dv_lupd_rr(&u, rev, DNS_T_PTR, DNS_C_IN, ttl, fqdn,
			   (uint16_t)fqdn_len);
	return dv_lupd_run(ctx, &u, lz);
}

/* Remove PTR rev(addr) -> fqdn if it is there (and not static). */
static int dv_ld_del_ptr(dv_ctx *ctx, struct dv_leasedns *ld, uint32_t addr,
			 const uint8_t *fqdn, int fqdn_len)
{
	uint8_t rev[WIRE_MAXNAME];
	zone *rz = NULL;
	dv_lzone *lz = dv_ld_rev_for(ctx, ld, addr, &rz);
	dv_lupd u;

	if (!lz || !dv_ld_ptr_is(ctx, ld, addr, fqdn, fqdn_len))
		return 0;
	dv_ld_revwire(addr, rev);
	if (dv_ld_static(ctx, lz, rev))
		return 0;
	dv_lupd_start(&u, lz->lname);
	dv_lupd_rr(&u, rev, DNS_T_PTR, DNS_C_NONE, 0, fqdn, (uint16_t)fqdn_len);
	return dv_lupd_run(ctx, &u, lz);
}

static int dv_ld_set_a(dv_ctx *ctx, struct dv_leasedns *ld, zone *fz,
		       const uint8_t *fqdn, uint32_t addr, uint32_t ttl)
{
	uint8_t rd[4];
	dv_lupd u;

	wire_put32(rd, addr);
	dv_lupd_start(&u, ld->fwd.lname);
	if (!dv_lupd_others(&u, fz, fqdn, DNS_T_A, rd, 4, ttl))
		dv_lupd_rr(&u, fqdn, DNS_T_A, DNS_C_IN, ttl, rd, 4);
	return dv_lupd_run(ctx, &u, &ld->fwd);
}

int dv_leasedns_add(dv_ctx *ctx, const char *label, uint32_t addr,
		    uint32_t ttl)
{
	struct dv_leasedns *ld = ctx->leasedns;
	char lab[DV_LD_LABEL + 1];
	uint8_t fqdn[WIRE_MAXNAME];
	int flen, rc;
	dv_lname *e;
	zone *fz;

	if (!ld || !(fz = zone_db_get_zone(ctx->db, ld->fwd.origin)))
		return -ENOENT;
	if (dv_ld_label(label, lab) < 0 || (flen = dv_ld_fqdn(ld, lab, fqdn)) < 0)
		return -EINVAL;
	if (ttl > DV_LD_TTL_MAX)
		ttl = DV_LD_TTL_MAX;
	e = dv_ld_find(ld, lab);
	if (dv_ld_reserved(fz, fqdn) ||
	    (e ? dv_ld_static(ctx, &ld->fwd, fqdn) :
	     !dv_ld_may_take(ctx, ld, fz, fqdn, flen))) {
		dv_log(&ctx->lg, DV_LOG_INFO, "DHCP name %s.%s: static data "
		       "there, not taken", lab, ld->domain);
		return -EEXIST;
	}
	if (e && e->addr != addr &&
	    dv_ld_del_ptr(ctx, ld, e->addr, fqdn, flen) < 0)
		return -EIO;
	if ((rc = dv_ld_set_a(ctx, ld, fz, fqdn, addr, ttl)) < 0)
		return rc;
	if ((rc = dv_ld_own(ld, lab, addr)) < 0)
		return rc;
	return dv_ld_set_ptr(ctx, ld, addr, fqdn, flen, ttl);
}

int dv_leasedns_del(dv_ctx *ctx, const char *label, uint32_t addr)
{
	struct dv_leasedns *ld = ctx->leasedns;
	char lab[DV_LD_LABEL + 1];
	uint8_t fqdn[WIRE_MAXNAME], rd[4];
	int flen, rc = 0;
	dv_lname *e;
	zone *fz;
	dv_lupd u;

	if (!ld || !(fz = zone_db_get_zone(ctx->db, ld->fwd.origin)))
		return -ENOENT;
	if (dv_ld_label(label, lab) < 0 || (flen = dv_ld_fqdn(ld, lab, fqdn)) < 0)
		return -EINVAL;
	if (!(e = dv_ld_find(ld, lab)))
		return -ENOENT;   /* not a name a lease holds */
	if (e->addr == addr) {
		wire_put32(rd, addr);
		dv_lupd_start(&u, ld->fwd.lname);
		if (zone_find_rrset(fz, fqdn, DNS_T_A))
			dv_lupd_rr(&u, fqdn, DNS_T_A, DNS_C_NONE, 0, rd, 4);
		rc = dv_lupd_run(ctx, &u, &ld->fwd);
		dv_ld_disown(ld, e);
	}
	if (dv_ld_del_ptr(ctx, ld, addr, fqdn, flen) < 0)
		rc = -EIO;
	return rc;
}

/* ------------------------------------------------------------------ */
/* stale names after a restart                                        */
/* ------------------------------------------------------------------ */

typedef struct dv_lstale {
	struct dv_leasedns *ld;
	uint8_t (*names)[WIRE_MAXNAME];
	size_t n, cap;
	int oom;
} dv_lstale;

/* Collect names directly below the domain (the zone must not change
 * while it is walked). */
static int dv_ld_stale_name(void *arg, const uint8_t *lname)
{
	dv_lstale *st = arg;
	const uint8_t *parent = lname + 1 + lname[0];

	if (lname[0] == 0 || !wire_name_equal(parent, st->ld->fwd.lname))
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

/* Remove fqdn's A and the PTR back when a lease wrote them earlier and
 * no lease holds the name now. */
static void dv_ld_stale_one(dv_ctx *ctx, struct dv_leasedns *ld, zone *fz,
			    const uint8_t *fqdn)
{
	char lab[DV_LD_LABEL + 1];
	int flen = (int)wire_name_len(fqdn);
	const zone_rrset *a;
	uint32_t addr;
	dv_lupd u;

	memcpy(lab, fqdn + 1, fqdn[0]);
	lab[fqdn[0]] = '\0';
	if (dv_ld_find(ld, lab) || !dv_ld_may_take(ctx, ld, fz, fqdn, flen) ||
	    !(a = zone_find_rrset(fz, fqdn, DNS_T_A)))
		return;
	addr = wire_get32(a->data + 2);
	dv_ld_del_ptr(ctx, ld, addr, fqdn, flen);
	dv_lupd_start(&u, ld->fwd.lname);
	dv_lupd_rr(&u, fqdn, DNS_T_A, DNS_C_NONE, 0, a->data + 2, 4);
	if (dv_lupd_run(ctx, &u, &ld->fwd) == 0)
		dv_log(&ctx->lg, DV_LOG_INFO, "DHCP name %s.%s: no lease "
		       "holds it any more, removed", lab, ld->domain);
}

void dv_leasedns_restored(dv_ctx *ctx)
{
	struct dv_leasedns *ld = ctx->leasedns;
	dv_lstale st = { .ld = ld };
	zone *fz;

	if (!ld || !(fz = zone_db_get_zone(ctx->db, ld->fwd.origin)))
		return;
	zone_foreach_name(fz, dv_ld_stale_name, &st);
	for (size_t i = 0; i < st.n && !st.oom; i++)
		dv_ld_stale_one(ctx, ld, fz, st.names[i]);
	free(st.names);
}
