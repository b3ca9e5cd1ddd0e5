/*
 * The robur TLSA convention in our zones (see acme_tlsa.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/event.h>

#include "acme/acme.h"
#include "dnsvizor/clock.h"
#include "dnsvizor/acme_dns.h"
#include "dnsvizor/acme_tlsa.h"
#include "zones/tlsa.h"

enum {
	DV_ACME_UPD_MAX = 16384,      /* one UPDATE (TLSA chains fit) */
	DV_ACME_SCAN_FULL = 3600,     /* rescan unchanged zones */
};

/* A _letsencrypt._tcp.HOST name holding a CSR. */
typedef struct dv_tlsa_name {
	char host[ZONE_TLSA_HOSTMAX]; /* HOST without the trailing dot */
	char id[ZONE_TLSA_HOSTMAX + 8];/* order id: "tlsa-HOST" (apart from
					 the --acme-cert ids) */
	uint8_t lname[WIRE_MAXNAME];
	char zone[WIRE_MAXNAME * 4];
	uint8_t *csr;
	size_t csr_len;
	int ordered, seen;
} dv_tlsa_name;

struct dv_acme_tlsa {
	dv_ctx *ctx;
	dv_acme_tlsa_cb cb;
	dv_tlsa_name *tl;
	size_t ntl;
	uint32_t *zserial;            /* per --zone: serial at the last scan */
	int64_t last_full;
	struct event *scan;
};

static int64_t dv_now(void)
{
	return (int64_t)dv_now_s();
}

static dv_tlsa_name *dv_tlsa_find(dv_acme_tlsa *d, const char *host)
{
	for (size_t i = 0; i < d->ntl; i++)
		if (strcasecmp(d->tl[i].host, host) == 0)
			return &d->tl[i];
	return NULL;
}

static dv_tlsa_name *dv_tlsa_find_id(dv_acme_tlsa *d, const char *id)
{
	for (size_t i = 0; i < d->ntl; i++)
		if (strcmp(d->tl[i].id, id) == 0)
			return &d->tl[i];
	return NULL;
}

int dv_acme_tlsa_store(dv_acme_tlsa *d, const char *id,
		       const uint8_t *const *der, const size_t *len, int n)
{
	dv_tlsa_name *t = dv_tlsa_find_id(d, id);
	uint8_t *buf;
	zone *z;
	long mlen;

	if (!t || !(z = zone_db_get_zone(d->ctx->db, t->zone)) ||
	    !(buf = malloc(DV_ACME_UPD_MAX))) {
		dv_log(&d->ctx->lg, DV_LOG_WARN, "acme: %s: certificate for "
		       "a TLSA name no longer served", id);
		return -1;
	}
	mlen = zone_tlsa_cert_update(z, t->lname, der, len, n, buf,
				     DV_ACME_UPD_MAX);
	if (n > 0 && dv_acme_apply(d->ctx, buf, mlen, t->host) == 0)
		dv_log(&d->ctx->lg, DV_LOG_INFO, "acme: TLSA 3 0 0 for %s "
		       "published (%d CA certificate%s)", t->host, n - 1,
		       n == 2 ? "" : "s");
	free(buf);
	return 0;
}

/* The order entry for host (new, seen), or NULL when out of memory. */
static dv_tlsa_name *dv_tlsa_entry(dv_acme_tlsa *d, const char *host,
				   const uint8_t *lname)
{
	dv_tlsa_name *t = dv_tlsa_find(d, host), *v;

	if (t)
		return t;
	if (!(v = realloc(d->tl, (d->ntl + 1) * sizeof(*v))))
		return NULL;
	d->tl = v;
	t = &d->tl[d->ntl++];
	memset(t, 0, sizeof(*t));
	snprintf(t->host, sizeof(t->host), "%s", host);
	snprintf(t->id, sizeof(t->id), "tlsa-%s", host);
	memcpy(t->lname, lname, wire_name_len(lname));
	t->seen = 1;
	return t;
}

/* Order a certificate for t's CSR (the engine says why not). */
static void dv_tlsa_order(dv_acme_tlsa *d, dv_tlsa_name *t, int has_crt,
			  acme_cert_check chk)
{
	char err[256];
	int rc = d->cb.order_csr(d->cb.arg, t->id, t->csr, t->csr_len, err,
				 sizeof(err));

	if (rc == -1) {
		dv_log(&d->ctx->lg, DV_LOG_ERR, "%s", err);
		return;
	}
	t->ordered = 1;          /* not again until the CSR changes */
	if (rc < 0) {
		dv_log(&d->ctx->lg, DV_LOG_WARN, "acme: TLSA CSR at %s: %s",
		       t->host, err);
		return;
	}
	dv_log(&d->ctx->lg, DV_LOG_INFO, "acme: TLSA CSR at %s: %s, "
	       "ordering a certificate", t->host, !has_crt ?
	       "no certificate yet" : chk == ACME_CERT_EXPIRING ?
	       "certificate expiring" : "certificate does not match");
}

/* One _letsencrypt._tcp.HOST name of zone z. */
static void dv_tlsa_check(dv_acme_tlsa *d, const zone *z,
			  const uint8_t *lname)
{
	char host[ZONE_TLSA_HOSTMAX], zname[WIRE_MAXNAME * 4];
	acme_cert_check chk = ACME_CERT_BAD;
	zone_tlsa_req r;
	dv_tlsa_name *t;

	zone_tlsa_read(z, lname, &r);
	if (zone_tlsa_host(lname, host, sizeof(host)) < 0 ||
	    wire_name_to_str(zone_origin(z), zname, sizeof(zname)) < 0)
		return;
	t = dv_tlsa_find(d, host);
	if (r.ncsr != 1)
		return;                  /* t stays unseen: removed below */
	if (t) {
		t->seen = 1;
		if (t->csr_len == r.csr_len && t->ordered &&
		    !memcmp(t->csr, r.csr, r.csr_len))
			return;          /* the engine has it */
	}
	if (r.crt)
		chk = acme_cert_check_csr(r.crt, r.crt_len, r.csr, r.csr_len,
					  dv_now(), ACME_RENEW_MIN_VALID, NULL);
	if (!t && !(t = dv_tlsa_entry(d, host, lname)))
		return;
	snprintf(t->zone, sizeof(t->zone), "%s", zname);
	free(t->csr);
	t->csr = malloc(r.csr_len);
	t->csr_len = t->csr ? r.csr_len : 0;
	if (t->csr)
		memcpy(t->csr, r.csr, r.csr_len);
	t->ordered = 0;
	if (chk != ACME_CERT_OK)
		dv_tlsa_order(d, t, r.crt != NULL, chk);
}

/* Check every _letsencrypt._tcp name of z; drop the orders of names
 * of z that no longer hold exactly one CSR. */
static void dv_tlsa_scan_zone(dv_acme_tlsa *d, zone *z)
{
	char o[WIRE_MAXNAME * 4];
	uint8_t (*names)[WIRE_MAXNAME] = NULL;
	int n;

	if (wire_name_to_str(zone_origin(z), o, sizeof(o)) < 0)
		return;
	for (size_t j = 0; j < d->ntl; j++)
		if (strcasecmp(d->tl[j].zone, o) == 0)
			d->tl[j].seen = 0;
	n = zone_tlsa_names(z, &names);
	for (int i = 0; i < n; i++)
		dv_tlsa_check(d, z, names[i]);
	free(names);
	for (size_t j = 0; j < d->ntl; ) {
		dv_tlsa_name *t = &d->tl[j];

		if (t->seen || strcasecmp(t->zone, o) != 0) {
			j++;
			continue;
		}
		dv_log(&d->ctx->lg, DV_LOG_INFO, "acme: TLSA CSR at %s gone",
		       t->host);
		d->cb.order_gone(d->cb.arg, t->id);
		free(t->csr);
		*t = d->tl[--d->ntl];
	}
}

static void dv_tlsa_scan(dv_acme_tlsa *d)
{
	dv_ctx *ctx = d->ctx;
	int64_t now = dv_now();
	int full = now - d->last_full >= DV_ACME_SCAN_FULL;

	if (full)
		d->last_full = now;
	for (size_t i = 0; i < ctx->cfg.zones.n; i++) {
		zone *z = zone_db_get_zone(ctx->db, ctx->cfg.zones.v[i].origin);

		if (!z)
			continue;
		if (!full && d->zserial[i] == zone_serial(z))
			continue;
		d->zserial[i] = zone_serial(z);
		dv_tlsa_scan_zone(d, z);
	}
}

static void dv_scan_cb(evutil_socket_t fd, short what, void *arg)
{
	dv_acme_tlsa *d = arg;
	struct timeval tv = { 1, 0 };

	(void)fd;
	(void)what;
	dv_tlsa_scan(d);
	d->cb.kick(d->cb.arg);
	evtimer_add(d->scan, &tv);
}

/* ------------------------------------------------------------------ */
/* start / stop                                                       */
/* ------------------------------------------------------------------ */

dv_acme_tlsa *dv_acme_tlsa_new(dv_ctx *ctx, const dv_acme_tlsa_cb *cb)
{
	dv_acme_tlsa *d = calloc(1, sizeof(*d));
	struct timeval tv = { 0, 0 };

	if (!d)
		return NULL;
	d->ctx = ctx;
	d->cb = *cb;
	d->zserial = calloc(ctx->cfg.zones.n + 1, sizeof(*d->zserial));
	d->scan = evtimer_new(ctx->base, dv_scan_cb, d);
	if (!d->zserial || !d->scan) {
		dv_acme_tlsa_free(d);
		return NULL;
	}
	if (ctx->cfg.zones.n)
		evtimer_add(d->scan, &tv);
	return d;
}

void dv_acme_tlsa_free(dv_acme_tlsa *d)
{
	if (!d)
		return;
	if (d->scan)
		event_free(d->scan);
	for (size_t i = 0; i < d->ntl; i++)
		free(d->tl[i].csr);
	free(d->tl);
	free(d->zserial);
	free(d);
}
