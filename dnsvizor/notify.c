/*
 * NOTIFY out (RFC 1996) with retransmission.
 *
 * Targets come from --notify=ZONE,ADDR[#PORT][,KEYNAME] and, for zones
 * named by --notify-ns=ZONE, from the apex NS RRset: an NS host whose
 * A/AAAA records are inside the zone is notified on port 53.  NS hosts
 * outside the zone are skipped (there is no resolver yet).
 *
 * Each target has at most one NOTIFY in flight: a newer serial replaces a
 * pending one (new id).  The outgoing service (outq.h) sends it and
 * retransmits it after 1, 2, 4, 8 and 16 seconds until a reply with the
 * same id, question and opcode arrives from the target's address and port
 * (TSIG-signed and verified when the target has a key).  The message is
 * built once per serial, so no pointer into a zone is kept: a zone
 * replaced by an UPDATE or a reload cannot dangle here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include "dnsvizor/addr.h"
#include "dnsvizor/notify.h"
#include "dnsvizor/outq.h"

enum {
	DV_NOTIFY_TRIES = 5,
	DV_NOTIFY_FIRST_MS = 1000,   /* then 2, 4, 8, 16 s */
	DV_NOTIFY_MSG = 1024,
};

typedef struct dv_ntarget {
	struct dv_notifier *nf;
	char zone[WIRE_MAXNAME * 4 + 2];   /* presentation form */
	uint8_t origin[WIRE_MAXNAME];      /* lowercased wire */
	dv_addr addr;
	int from_ns;                       /* derived from the NS RRset */
	int has_key;
	uint8_t keyname[WIRE_MAXNAME];
	zone_tsig_key key;                 /* copy: survives reloads */
	/* the NOTIFY in flight */
	int active;
	uint32_t h;                        /* its outq handle */
	uint32_t serial, done_serial;
	int have_done;
} dv_ntarget;

struct dv_notifier {
	dv_ctx *ctx;
	dv_ntarget **t;
	size_t n;
};

/* ------------------------------------------------------------------ */
/* sending and replies                                                */
/* ------------------------------------------------------------------ */

/* The target's NOTIFY is over: answered, or no answer after every try. */
static int dv_ndone(void *arg, uint64_t user, int status, const uint8_t *m,
		    size_t len)
{
	dv_ntarget *t = arg;
	dv_ctx *ctx = t->nf->ctx;

	(void)user;
	(void)len;
	t->active = 0;
	t->h = 0;
	if (status != DV_OQ_REPLY) {
		dv_log(&ctx->lg, DV_LOG_WARN, "notify %s serial %u to %s: %s "
		       "after %d tries, giving up", t->zone,
		       (unsigned)t->serial, t->addr.str,
		       status == DV_OQ_TIMEOUT ? "no answer" : "error",
		       DV_NOTIFY_TRIES);
		return 0;
	}
	if ((wire_get16(m + 2) & 0xf) != DNS_R_NOERROR)
		dv_log(&ctx->lg, DV_LOG_WARN, "notify %s: %s answered rcode "
		       "%u", t->zone, t->addr.str,
		       (unsigned)(wire_get16(m + 2) & 0xf));
	t->done_serial = t->serial;
	t->have_done = 1;
	return 0;
}

/* Build and send the NOTIFY for z's current serial (superseding any). */
static void dv_nstart(dv_ntarget *t, const zone *z)
{
	dv_ctx *ctx = t->nf->ctx;
	const zone_tsig_key *k = NULL;
	uint8_t msg[DV_NOTIFY_MSG];
	dv_oq_req r;

	if (t->has_key) {
		k = zone_keyring_find(zone_db_keyring(ctx->db), t->keyname);
		if (!k) {
			dv_log(&ctx->lg, DV_LOG_ERR, "notify %s to %s: unknown "
			       "key", t->zone, t->addr.str);
			return;
		}
		t->key = *k;
	}
	memset(&r, 0, sizeof(r));
	if (zone_notify_build(z, 0, NULL, NULL, 0, msg, sizeof(msg),
			      &r.len) < 0) {
		dv_log(&ctx->lg, DV_LOG_ERR, "notify %s: cannot build the "
		       "message", t->zone);
		return;
	}
	dv_outq_cancel(ctx->outq, t->h);   /* a newer serial replaces it */
	t->active = 0;
	t->h = 0;
	t->serial = zone_serial(z);
	r.server = (const struct sockaddr *)&t->addr.ss;
	r.server_len = t->addr.len;
	r.msg = msg;
	r.o.key = t->has_key ? &t->key : NULL;
	r.o.timeout_ms = DV_NOTIFY_FIRST_MS;
	r.o.retries = DV_NOTIFY_TRIES - 1;
	r.cb = dv_ndone;
	r.arg = t;
	errno = 0;
	t->h = dv_outq_query(dv_outq_of(ctx), &r);
	if (!t->h) {
		dv_log(&ctx->lg, DV_LOG_WARN, "notify %s to %s: %s", t->zone,
		       t->addr.str, errno ? strerror(errno) : "cannot send");
		return;
	}
	t->active = 1;
}

/* ------------------------------------------------------------------ */
/* targets                                                            */
/* ------------------------------------------------------------------ */

static dv_ntarget *dv_nadd(struct dv_notifier *nf, const char *zname,
			   const dv_addr *a)
{
	dv_ntarget *t, **v;
	uint8_t w[WIRE_MAXNAME];

	if (wire_name_from_str(zname, w) < 0 ||
	    strlen(zname) >= sizeof(t->zone))
		return NULL;
	v = realloc(nf->t, (nf->n + 1) * sizeof(*v));
	if (!v)
		return NULL;
	nf->t = v;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->nf = nf;
	wire_name_lower(t->origin, w);
	wire_name_to_str(t->origin, t->zone, sizeof(t->zone));
	t->addr = *a;
	nf->t[nf->n++] = t;
	return t;
}

static void dv_nfree_target(dv_ntarget *t)
{
	dv_outq_cancel(t->nf->ctx->outq, t->h);
	free(t);
}

/* One typed --notify target (options.c checked it). */
static int dv_nparse(struct dv_notifier *nf, const dv_peer_spec *spec,
		     char *err, size_t errlen)
{
	uint8_t kw[WIRE_MAXNAME];
	dv_addr a;
	dv_ntarget *t;

	if (dv_addr_parse(spec->addr.ip, spec->addr.port, &a, err,
			  errlen) < 0)
		return -1;
	if (spec->key && wire_name_from_str(spec->key, kw) < 0)
		goto bad;
	t = dv_nadd(nf, spec->zone, &a);
	if (!t)
		goto bad;
	if (spec->key) {
		t->has_key = 1;
		wire_name_lower(t->keyname, kw);
	}
	return 0;
bad:
	snprintf(err, errlen, "notify: bad value for zone %s", spec->zone);
	return -1;
}

/* --notify-ns: replace the NS-derived targets of z. */
static void dv_nns_add_addrs(struct dv_notifier *nf, const zone *z,
			     const uint8_t *host, uint16_t type)
{
	const zone_rrset *rs = zone_find_rrset(z, host, type);
	const uint8_t *p, *end;
	char ip[64], zs[WIRE_MAXNAME * 4 + 2], err[128];
	int fam = type == DNS_T_AAAA ? AF_INET6 : AF_INET;
	dv_addr a;
	dv_ntarget *t;

	if (!rs)
		return;
	wire_name_to_str(zone_origin(z), zs, sizeof(zs));
	for (p = rs->data, end = p + rs->len; p < end;
	     p += 2 + wire_get16(p)) {
		if (!inet_ntop(fam, p + 2, ip, sizeof(ip)) ||
		    dv_addr_parse(ip, 53, &a, err, sizeof(err)) < 0)
			continue;
		t = dv_nadd(nf, zs, &a);
		if (t)
			t->from_ns = 1;
	}
}

static int dv_nns_wanted(const dv_ctx *ctx, const zone *z)
{
	uint8_t w[WIRE_MAXNAME];
	size_t i;

	for (i = 0; i < ctx->cfg.notify_ns.n; i++)
		if (wire_name_from_str(ctx->cfg.notify_ns.v[i], w) > 0 &&
		    wire_name_equal(w, zone_origin(z)))
			return 1;
	return 0;
}

static void dv_nns_refresh(struct dv_notifier *nf, const zone *z)
{
	const zone_rrset *ns = zone_find_rrset(z, zone_origin(z), DNS_T_NS);
	const uint8_t *p, *end;
	uint8_t l[WIRE_MAXNAME];
	size_t i, j;

	for (i = j = 0; i < nf->n; i++) {
		if (nf->t[i]->from_ns &&
		    wire_name_equal(nf->t[i]->origin, zone_origin(z)))
			dv_nfree_target(nf->t[i]);
		else
			nf->t[j++] = nf->t[i];
	}
	nf->n = j;
	for (p = ns ? ns->data : NULL, end = p ? p + ns->len : NULL;
	     p && p < end; p += 2 + wire_get16(p)) {
		wire_name_lower(l, p + 2);
		if (!wire_name_is_sub(l, zone_origin(z)))
			continue;   /* no resolver yet */
		dv_nns_add_addrs(nf, z, l, DNS_T_A);
		dv_nns_add_addrs(nf, z, l, DNS_T_AAAA);
	}
}

/* ------------------------------------------------------------------ */
/* entry points                                                       */
/* ------------------------------------------------------------------ */

void dv_notify_zone(dv_ctx *ctx, const zone *z)
{
	struct dv_notifier *nf = ctx->notifier;
	size_t i;

	if (!nf || !z)
		return;
	if (dv_nns_wanted(ctx, z))
		dv_nns_refresh(nf, z);
	for (i = 0; i < nf->n; i++)
		if (wire_name_equal(nf->t[i]->origin, zone_origin(z)))
			dv_nstart(nf->t[i], z);
}

/* Notify every zone with targets whose serial is not the one last
 * acknowledged (start-up, reload). */
void dv_notify_all(dv_ctx *ctx)
{
	struct dv_notifier *nf = ctx->notifier;
	size_t i;
	zone *z;

	for (i = 0; nf && i < ctx->cfg.notify_ns.n; i++) {
		z = zone_db_get_zone(ctx->db, ctx->cfg.notify_ns.v[i]);
		if (z)
			dv_nns_refresh(nf, z);
	}
	for (i = 0; nf && i < nf->n; i++) {
		dv_ntarget *t = nf->t[i];
		z = zone_db_get_zone(ctx->db, t->zone);
		if (!z || zone_serial(z) == 0 ||
		    (t->have_done && t->done_serial == zone_serial(z)) ||
		    (t->active && t->serial == zone_serial(z)))
			continue;
		dv_nstart(t, z);
	}
}

int dv_notify_init(dv_ctx *ctx, char *err, size_t errlen)
{
	struct dv_notifier *nf;
	size_t i;

	if (ctx->cfg.notify.n == 0 && ctx->cfg.notify_ns.n == 0)
		return 0;
	nf = calloc(1, sizeof(*nf));
	if (!nf) {
		snprintf(err, errlen, "notify: out of memory");
		return -1;
	}
	nf->ctx = ctx;
	ctx->notifier = nf;
	for (i = 0; i < ctx->cfg.notify.n; i++)
		if (dv_nparse(nf, &ctx->cfg.notify.v[i], err, errlen) < 0)
			return -1;
	dv_notify_all(ctx);
	return 0;
}

void dv_notify_free(dv_ctx *ctx)
{
	struct dv_notifier *nf = ctx->notifier;
	size_t i;

	if (!nf)
		return;
	for (i = 0; i < nf->n; i++)
		dv_nfree_target(nf->t[i]);
	free(nf->t);
	free(nf);
	ctx->notifier = NULL;
}
