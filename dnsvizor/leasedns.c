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
 * Changes and ownership: the rules (which name a lease may take, static
 * data winning, what goes on release and after a restart) are
 * zones/leasename.c's; each lease event is one call there, which applies
 * its UPDATEs through zone_db_update_local (undo log, serial bump per
 * --serial-policy, journal record via persist.c's hook, IXFR history).
 * The journal is synced by the DHCP shell's group commit
 * (dv_persist_sync), which also notifies the zone's secondaries.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dhcp/dhcp.h"
#include "dnsvizor/clock.h"
#include "dnsvizor/leasedns.h"
#include "dnsvizor/persist.h"
#include "zones/leasename.h"

enum {
	DV_LD_SOA_TTL = 3600,
	DV_LD_NAMESTR = 4 * WIRE_MAXNAME + 2,
};

/* One zone lease names go into. */
typedef struct dv_lzone {
	char origin[DV_LD_NAMESTR];   /* presentation, trailing dot */
	uint8_t lname[WIRE_MAXNAME];  /* lowercased wire */
	zone *synth;                  /* synthesized by us (ref), or NULL */
	zone *file;                   /* the --zone file's content (ref):
					 its names are static; or NULL */
} dv_lzone;

struct dv_leasedns {
	char domain[DV_LD_NAMESTR];   /* "lan.test." */
	dv_lzone fwd;
	dv_lzone *rev;
	size_t nrev;
	zone_lnames *names;           /* the rules and who holds what */
};

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
	uint32_t serial = (uint32_t)dv_now_s();
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
		char name[64];
		dv_lzone *old;
		int dup = 0;

		if (!zone_lnames_rev_origin(ctx->db, ranges[i].start,
					    ranges[i].end, ranges[i].netmask,
					    name, sizeof(name))) {
			dv_log(&ctx->lg, DV_LOG_WARN, "dhcp-range %u: too wide "
			       "for one reverse zone: no PTR records", (unsigned)i);
			continue;
		}
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

/* Tell zones/leasename.c which zones (and static zone files) to use. */
static int dv_ld_sync(struct dv_leasedns *ld)
{
	zone_ln_zone fwd, *rev = calloc(ld->nrev ? ld->nrev : 1, sizeof(*rev));
	int rc;

	if (!rev)
		return -ENOMEM;
	memcpy(fwd.lname, ld->fwd.lname, sizeof(fwd.lname));
	fwd.file = ld->fwd.file;
	for (size_t i = 0; i < ld->nrev; i++) {
		memcpy(rev[i].lname, ld->rev[i].lname, sizeof(rev[i].lname));
		rev[i].file = ld->rev[i].file;
	}
	rc = zone_lnames_set_zones(ld->names, &fwd, rev, ld->nrev);
	free(rev);
	return rc;
}

static struct dv_leasedns *dv_ld_new(dv_ctx *ctx, char *err, size_t errlen)
{
	struct dv_leasedns *ld = calloc(1, sizeof(*ld));

	if (!ld || !(ld->names = zone_lnames_new())) {
		free(ld);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ctx->leasedns = ld;
	return ld;
}

int dv_leasedns_open(dv_ctx *ctx, const struct dhcp_range *ranges,
		     size_t nranges, char *err, size_t errlen)
{
	struct dv_leasedns *ld = ctx->leasedns;
	char dom[DV_LD_NAMESTR];
	dv_lzone fz;
	int rc;

	if (!ctx->cfg.domain || !*ctx->cfg.domain)
		return 0;   /* no names without a domain */
	if (dv_lz_init(&fz, ctx->cfg.domain) < 0) {
		snprintf(err, errlen, "domain %s: not a domain name",
			 ctx->cfg.domain);
		return -1;
	}
	if (!ld && !(ld = dv_ld_new(ctx, err, errlen)))
		return -1;
	snprintf(dom, sizeof(dom), "%s", fz.origin);
	if (strcmp(ld->fwd.origin, fz.origin) != 0) {
		dv_lz_clear(&ld->fwd);
		ld->fwd = fz;   /* another domain: leasename.c forgets */
	}
	memcpy(ld->domain, dom, sizeof(ld->domain));
	rc = dv_lz_open(ctx, ld, &ld->fwd, err, errlen);
	/* plain host names answer too (laptop as well as laptop.DOMAIN) */
	if (rc == 0)
		rc = zone_db_set_plain_domain(ctx->db, dom) < 0 ? -1 : 0;
	if (rc == 0)
		rc = dv_ld_rev_build(ctx, ld, ranges, nranges, err, errlen);
	if (dv_ld_sync(ld) < 0 && rc == 0) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	}
	return rc;
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
	zone_lnames_free(ld->names);
	free(ld);
	ctx->leasedns = NULL;
}

/* ------------------------------------------------------------------ */
/* lease events: one call each into zones/leasename.c                 */
/* ------------------------------------------------------------------ */

static void dv_ld_failed(dv_ctx *ctx, const zone_ln_result *r)
{
	if (r->rcode)
		dv_log(&ctx->lg, DV_LOG_ERR, "zone %.250s: DHCP names: update "
		       "failed (rcode %d)", r->zone, r->rcode);
}

int dv_leasedns_add(dv_ctx *ctx, const char *label, uint32_t addr,
		    uint32_t ttl)
{
	struct dv_leasedns *ld = ctx->leasedns;
	zone_ln_result r;
	int rc;

	if (!ld)
		return -ENOENT;
	rc = zone_lnames_add(ld->names, ctx->db, label, addr, ttl,
			     dv_now_s(), &r);
	if (rc == -EEXIST)
		dv_log(&ctx->lg, DV_LOG_INFO, "DHCP name %s.%s: static data "
		       "there, not taken", label, ld->domain);
	dv_ld_failed(ctx, &r);
	return rc;
}

int dv_leasedns_del(dv_ctx *ctx, const char *label, uint32_t addr)
{
	struct dv_leasedns *ld = ctx->leasedns;
	zone_ln_result r;
	int rc;

	if (!ld)
		return -ENOENT;
	rc = zone_lnames_del(ld->names, ctx->db, label, addr,
			     dv_now_s(), &r);
	dv_ld_failed(ctx, &r);
	return rc;
}

typedef struct dv_ld_gone_arg {
	dv_ctx *ctx;
	const char *domain;
} dv_ld_gone_arg;

static void dv_ld_gone(void *arg, const char *label)
{
	dv_ld_gone_arg *g = arg;

	dv_log(&g->ctx->lg, DV_LOG_INFO, "DHCP name %s.%s: no lease holds it "
	       "any more, removed", label, g->domain);
}

void dv_leasedns_restored(dv_ctx *ctx)
{
	struct dv_leasedns *ld = ctx->leasedns;
	dv_ld_gone_arg g = { ctx, ld ? ld->domain : "" };
	zone_ln_result r;

	if (!ld)
		return;
	zone_lnames_restored(ld->names, ctx->db, dv_now_s(),
			     dv_ld_gone, &g, &r);
	dv_ld_failed(ctx, &r);
}
