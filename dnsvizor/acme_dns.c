/*
 * The DNS side of the ACME shell (see acme_dns.h): TXT records in our
 * zones, the wait for our secondaries (zones/serialwait.c) and the
 * RFC 2136 client to the --dns-server (zones/updclient.c).  Every query
 * goes out through the outgoing service (outq.h), which picks the ids
 * and ports, matches answers and retries; this file keeps the two poll
 * schedules (a round a second) and the steps of an exchange.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <arpa/inet.h>

#include <event2/event.h>

#include "dnsvizor/clock.h"
#include "dnsvizor/acme_dns.h"
#include "dnsvizor/addr.h"
#include "dnsvizor/outq.h"
#include "dnsvizor/persist.h"
#include "zones/serialwait.h"
#include "zones/updclient.h"

enum {
	DV_ACME_TXT_TTL = 60,
	DV_ACME_WAIT_MS = 120000,     /* SOA checks, one a second */
	DV_ACME_POLL_MS = 1000,       /* a poll's rounds */
	DV_ACME_POLL_LIFE_MS = 3000,  /* a poll's query waits this long */
	DV_ACME_UPD_MAX = 16384,      /* one UPDATE (TLSA chains fit) */
};

/* A TXT record we could not publish (the wait for it then fails). */
typedef struct dv_acme_nopub {
	char name[WIRE_MAXNAME * 4];
	char why[512];
} dv_acme_nopub;

/* Waiting for the secondaries of a zone to serve a serial. */
typedef struct dv_acme_wait {
	dv_acme_dns *d;
	struct dv_acme_wait *next;
	char token[256];
	uint8_t origin[WIRE_MAXNAME];
	zone_swait sw;
	dv_addr tgt[ZONE_SWAIT_MAX];
	int ntgt;
	struct event *tick;           /* the rounds of zone_swait_step */
} dv_acme_wait;

struct dv_ext;

struct dv_acme_dns {
	dv_ctx *ctx;
	dv_acme_dns_cb cb;
	dv_acme_nopub *nopub;
	size_t nnopub;
	dv_acme_wait *waits;
	struct dv_ext *exts;          /* RFC 2136 to --dns-server */
};

static uint64_t dv_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void dv_timer_ms(struct event *ev, uint64_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) *
			      1000 };

	evtimer_add(ev, &tv);
}

/* ------------------------------------------------------------------ */
/* zone changes                                                       */
/* ------------------------------------------------------------------ */

static int dv_is_secondary(const dv_ctx *ctx, const uint8_t *origin)
{
	for (size_t i = 0; i < ctx->cfg.secondaries.n; i++) {
		uint8_t w[WIRE_MAXNAME];

		if (wire_name_from_str(ctx->cfg.secondaries.v[i].zone, w) > 0 &&
		    wire_name_equal(w, origin))
			return 1;
	}
	return 0;
}

/* The zone we are primary for that holds name (deepest), or NULL. */
static zone *dv_acme_zone_for(dv_ctx *ctx, const char *name)
{
	uint8_t w[WIRE_MAXNAME];
	char s[WIRE_MAXNAME * 4];
	const uint8_t *p = w;

	if (wire_name_from_str(name, w) < 0)
		return NULL;
	while (*p) {
		zone *z;

		if (wire_name_to_str(p, s, sizeof(s)) < 0)
			return NULL;
		z = zone_db_get_zone(ctx->db, s);
		if (z)
			return dv_is_secondary(ctx, zone_origin(z)) ||
			       zone_is_expired(z) ? NULL : z;
		p += *p + 1;
	}
	return NULL;
}

int dv_acme_apply(dv_ctx *ctx, const uint8_t *msg, long len,
		  const char *name)
{
	zone_effects eff;
	int rc;

	if (len < 0) {
		dv_log(&ctx->lg, DV_LOG_ERR, "acme: %.280s: update message "
		       "too big", name);
		return -1;
	}
	rc = zone_db_update_local(ctx->db, msg, (size_t)len,
				  dv_now_s(), &eff);
	if (rc != DNS_R_NOERROR) {
		dv_log(&ctx->lg, DV_LOG_ERR, "acme: %.280s: update failed "
		       "(rcode %d)", name, rc);
		return -1;
	}
	if (dv_persist_sync(ctx) < 0) {  /* undone: not there to check */
		dv_log(&ctx->lg, DV_LOG_ERR, "acme: %.280s: journal not "
		       "synced", name);
		return -1;
	}
	return 0;
}

/* TXT name = value, added (add != 0) or removed, in our zone. */
static int dv_acme_txt(dv_acme_dns *d, const char *name, const char *txt,
		       int add, char *why, size_t whylen)
{
	zone *z = dv_acme_zone_for(d->ctx, name);
	uint8_t owner[WIRE_MAXNAME], rd[256];
	size_t n = strlen(txt);
	uint8_t *buf;
	zone_upd u;
	int rc;

	if (!z) {
		snprintf(why, whylen, "%s is not in a zone this server is "
			 "primary for (add a --zone for it)", name);
		return -1;
	}
	if (n > 255 || wire_name_from_str(name, owner) < 0) {
		snprintf(why, whylen, "%s: bad name or value", name);
		return -1;
	}
	rd[0] = (uint8_t)n;
	memcpy(rd + 1, txt, n);
	if (!(buf = malloc(DV_ACME_UPD_MAX))) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	zone_upd_start(&u, buf, DV_ACME_UPD_MAX, 0, zone_origin(z));
	if (add)
		zone_upd_add(&u, owner, DNS_T_TXT, DV_ACME_TXT_TTL, rd, n + 1);
	else
		zone_upd_del_rr(&u, owner, DNS_T_TXT, rd, n + 1);
	rc = dv_acme_apply(d->ctx, buf, zone_upd_finish(&u, NULL, NULL, 0),
			   name);
	free(buf);
	if (rc < 0)
		snprintf(why, whylen, "%s: the zone update failed", name);
	else
		dv_log(&d->ctx->lg, DV_LOG_INFO, "acme: %s TXT %s %s", name,
		       txt, add ? "published" : "removed");
	return rc;
}

static void dv_acme_nopub_add(dv_acme_dns *d, const char *name,
			      const char *why)
{
	dv_acme_nopub *v = realloc(d->nopub, (d->nnopub + 1) * sizeof(*v));

	if (!v)
		return;
	d->nopub = v;
	snprintf(v[d->nnopub].name, sizeof(v->name), "%s", name);
	snprintf(v[d->nnopub].why, sizeof(v->why), "%s", why);
	d->nnopub++;
}

/* The reason name could not be published (removed from the list), or
 * 0 when it was. */
static int dv_acme_nopub_take(dv_acme_dns *d, const char *name, char *why,
			      size_t whylen)
{
	for (size_t i = 0; i < d->nnopub; i++) {
		if (strcasecmp(d->nopub[i].name, name) != 0)
			continue;
		snprintf(why, whylen, "%s", d->nopub[i].why);
		d->nopub[i] = d->nopub[--d->nnopub];
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* queries through the outgoing service (outq.h)                      */
/* ------------------------------------------------------------------ */

/* Send r's message to one server; r->cb gets its answer (or its
 * timeout).  0, or -1 when it could not be sent. */
static int dv_ask(dv_ctx *ctx, dv_oq_req *r, const dv_addr *to)
{
	r->server = (const struct sockaddr *)&to->ss;
	r->server_len = to->len;
	return dv_outq_query(dv_outq_of(ctx), r) ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* waiting for the secondaries (zones/serialwait.c)                   */
/* ------------------------------------------------------------------ */

static int dv_wait_reply(void *arg, uint64_t user, int status,
			 const uint8_t *m, size_t len);

static void dv_wait_free(dv_acme_dns *d, dv_acme_wait *w)
{
	for (dv_acme_wait **pp = &d->waits; *pp; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	dv_outq_cancel_all(d->ctx->outq, dv_wait_reply, w);
	if (w->tick)
		event_free(w->tick);
	free(w);
}

static void dv_wait_finish(dv_acme_wait *w, int ok)
{
	dv_acme_dns *d = w->d;
	char token[256];

	snprintf(token, sizeof(token), "%s", w->token);
	if (!ok)
		dv_log(&d->ctx->lg, DV_LOG_WARN, "acme: a secondary did not "
		       "serve serial %u within %d s", w->sw.serial,
		       DV_ACME_WAIT_MS / 1000);
	dv_wait_free(d, w);
	d->cb.published(d->cb.arg, token, ok ? NULL : "a secondary of the "
			"zone did not pick up the change");
}

/* The SOA query to every target that does not serve it yet, one try
 * each: the next round asks again (an answer to any round counts). */
static void dv_wait_send(dv_acme_wait *w)
{
	uint8_t q[WIRE_HDRLEN + WIRE_MAXNAME + 4];
	long n = zone_swait_query(&w->sw, q, sizeof(q));
	dv_oq_req r = { .msg = q, .len = n > 0 ? (size_t)n : 0,
			.o = { .timeout_ms = DV_ACME_POLL_LIFE_MS },
			.cb = dv_wait_reply, .arg = w };

	for (int i = 0; n > 0 && i < w->ntgt; i++)
		if (zone_swait_pending(&w->sw, i)) {
			r.user = (uint64_t)i;
			dv_ask(w->d->ctx, &r, &w->tgt[i]);
		}
}

/* The answer of target `user` (a timeout: the next round asks again). */
static int dv_wait_reply(void *arg, uint64_t user, int status,
			 const uint8_t *m, size_t len)
{
	dv_acme_wait *w = arg;

	if (status == DV_OQ_REPLY &&
	    zone_swait_feed(&w->sw, (int)user, m, len) == ZONE_SWAIT_DONE)
		dv_wait_finish(w, 1);
	return 0;
}

static void dv_wait_tick(evutil_socket_t fd, short what, void *arg)
{
	dv_acme_wait *w = arg;
	uint64_t now = dv_mono_ms(), wake = now + 1000;

	(void)fd;
	(void)what;
	switch (zone_swait_step(&w->sw, now, &wake)) {
	case ZONE_SWAIT_DONE:
		dv_wait_finish(w, 1);
		return;
	case ZONE_SWAIT_TIMEOUT:
		dv_wait_finish(w, 0);
		return;
	case ZONE_SWAIT_SEND:
		dv_wait_send(w);
		break;
	case ZONE_SWAIT_WAIT:
		break;
	}
	dv_timer_ms(w->tick, wake > now ? wake - now : 0);
}

/* The --notify targets of zone z into w. */
static void dv_wait_targets(dv_ctx *ctx, dv_acme_wait *w)
{
	for (size_t i = 0; i < ctx->cfg.notify.n &&
			   w->ntgt < ZONE_SWAIT_MAX; i++) {
		const dv_peer_spec *t = &ctx->cfg.notify.v[i];
		char err[128];
		uint8_t o[WIRE_MAXNAME];

		if (wire_name_from_str(t->zone, o) > 0 &&
		    wire_name_equal(o, w->origin) &&
		    dv_addr_parse(t->addr.ip, t->addr.port, &w->tgt[w->ntgt],
				  err, sizeof(err)) == 0)
			w->ntgt++;
	}
}

/* Wait for a record in zone z. */
static void dv_acme_wait_start(dv_acme_dns *d, const zone *z,
			       const char *token)
{
	dv_acme_wait *w = calloc(1, sizeof(*w));

	if (!w) {
		d->cb.published(d->cb.arg, token, "out of memory");
		return;
	}
	w->d = d;
	snprintf(w->token, sizeof(w->token), "%s", token);
	wire_name_lower(w->origin, zone_origin(z));
	dv_wait_targets(d->ctx, w);
	if (w->ntgt == 0) {        /* only us: served already */
		free(w);
		d->cb.published(d->cb.arg, token, NULL);
		return;
	}
	zone_swait_init(&w->sw, w->origin, zone_serial(z), w->ntgt,
			dv_mono_ms(), DV_ACME_POLL_MS, DV_ACME_WAIT_MS);
	w->next = d->waits;
	d->waits = w;
	if (!(w->tick = evtimer_new(d->ctx->base, dv_wait_tick, w))) {
		dv_wait_free(d, w);
		d->cb.published(d->cb.arg, token, "cannot query the "
				"secondaries");
		return;
	}
	dv_timer_ms(w->tick, 0);
	dv_log(&d->ctx->lg, DV_LOG_INFO, "acme: waiting for %d secondar%s "
	       "to serve serial %u", w->ntgt, w->ntgt == 1 ? "y" : "ies",
	       w->sw.serial);
}

/* ------------------------------------------------------------------ */
/* external primary (--dns-server): RFC 2136 UPDATE signed with TSIG  */
/* ------------------------------------------------------------------ */

/* WAIT: the TXT at the primary, then NSZONE (its zone, SOA), NSLIST (the
 * zone's NS with glue) and NSWAIT (the TXT at every name server).  WAIT
 * and NSWAIT are polls: a query a second, each tried once, up to
 * DV_EXT_WAIT_TRIES seconds.  The other steps are one exchange with the
 * primary that the outgoing service retries (DV_EXT_TRY_MS, twice that,
 * four times that: no answer 6 s after the first try ends it); a
 * SERVFAIL to the UPDATE sends it again a second later, up to
 * DV_EXT_TRIES times. */
enum { DV_EXT_ZONE, DV_EXT_UPDATE, DV_EXT_WAIT, DV_EXT_NSZONE,
       DV_EXT_NSLIST, DV_EXT_NSWAIT };
enum { DV_EXT_TRIES = 5, DV_EXT_WAIT_TRIES = 60,
       DV_EXT_TRY_MS = 6000 / 7, DV_EXT_RETRIES = 2,
       DV_EXT_NS_MAX = ZONE_UPDC_NS_MAX };

/* One exchange with the external primary: find the zone (SOA query),
 * send the UPDATE; or poll the TXT until the primary and the zone's name
 * servers serve it. */
typedef struct dv_ext {
	dv_acme_dns *d;
	struct dv_ext *next;
	int step, add, tries;
	char name[WIRE_MAXNAME * 4], txt[256], token[256], why[96];
	uint8_t owner[WIRE_MAXNAME], zone[WIRE_MAXNAME];
	uint8_t msg[1024];            /* the UPDATE, for zone_updc_judge */
	size_t len;
	zone_tsig_key key;
	zone_tsig_ctx tc;
	int has_key;
	dv_addr srv;                  /* the --dns-server */
	struct event *tick;           /* polls; a resend after SERVFAIL */
	/* the zone's name servers (glue from the primary), port 53 */
	dv_addr ns[DV_EXT_NS_MAX];
	uint8_t nsok[DV_EXT_NS_MAX];
	int nns;
} dv_ext;

static int dv_ext_reply(void *arg, uint64_t user, int status,
			const uint8_t *m, size_t n);

static void dv_ext_free(dv_ext *e)
{
	dv_acme_dns *d = e->d;

	for (dv_ext **pp = &d->exts; *pp; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	dv_outq_cancel_all(d->ctx->outq, dv_ext_reply, e);
	if (e->tick)
		event_free(e->tick);
	free(e);
}

static int dv_ext_poll(const dv_ext *e)
{
	return e->step == DV_EXT_WAIT || e->step == DV_EXT_NSWAIT;
}

/* Send msg to the --dns-server (i < 0) or to name server i. */
static int dv_ext_send(dv_ext *e, const uint8_t *msg, size_t len, int i)
{
	dv_oq_req r = { .msg = msg, .len = len, .cb = dv_ext_reply,
			.arg = e, .user = (uint64_t)(i + 1) };

	if (dv_ext_poll(e)) {
		r.o.timeout_ms = DV_ACME_POLL_LIFE_MS;
	} else {
		r.o.timeout_ms = DV_EXT_TRY_MS;
		r.o.retries = DV_EXT_RETRIES;
	}
	if (e->step == DV_EXT_UPDATE)   /* signed here, with its own id */
		r.o.flags = ZOQ_KEEP_ID;
	return dv_ask(e->d->ctx, &r, i < 0 ? &e->srv : &e->ns[i]);
}

/* A query for qname/type to the --dns-server (i < 0) or name server i. */
static int dv_ext_query(dv_ext *e, const uint8_t *qname, uint16_t type,
			int i)
{
	uint8_t q[WIRE_HDRLEN + WIRE_MAXNAME + 4];
	long n = zone_updc_query(q, sizeof(q), 0, qname, type);

	return n < 0 ? -1 : dv_ext_send(e, q, (size_t)n, i);
}

/* The UPDATE adding or deleting the TXT, TSIG-signed, sent.  0 or -1. */
static int dv_ext_update(dv_ext *e)
{
	uint8_t rd[256];
	size_t n = strlen(e->txt);
	zone_upd u;
	long len;

	rd[0] = (uint8_t)n;
	memcpy(rd + 1, e->txt, n);
	zone_upd_start(&u, e->msg, sizeof(e->msg),
		       dv_outq_pick_id(dv_outq_of(e->d->ctx),
				       (struct sockaddr *)&e->srv.ss), e->zone);
	if (e->add)
		zone_upd_add(&u, e->owner, DNS_T_TXT, DV_ACME_TXT_TTL, rd,
			     n + 1);
	else
		zone_upd_del_rr(&u, e->owner, DNS_T_TXT, rd, n + 1);
	len = zone_upd_finish(&u, e->has_key ? &e->key : NULL, &e->tc,
			      dv_now_s());
	if (len < 0) {
		snprintf(e->why, sizeof(e->why), "cannot build the UPDATE");
		return -1;
	}
	e->len = (size_t)len;
	return dv_ext_send(e, e->msg, e->len, -1);
}

/* Ask every name server that has not served the TXT yet. */
static void dv_ext_ns_send(dv_ext *e)
{
	for (int i = 0; i < e->nns; i++)
		if (!e->nsok[i])
			dv_ext_query(e, e->owner, DNS_T_TXT, i);
}

/* Enter step and send its first query (a poll also arms the tick; the
 * queries of the step before are dropped).  0 or -1. */
static int dv_ext_go(dv_ext *e, int step)
{
	dv_outq_cancel_all(e->d->ctx->outq, dv_ext_reply, e);
	e->step = step;
	e->tries = 0;
	if (dv_ext_poll(e))
		dv_timer_ms(e->tick, DV_ACME_POLL_MS);
	else
		evtimer_del(e->tick);
	switch (step) {
	case DV_EXT_ZONE:
	case DV_EXT_NSZONE:
		return dv_ext_query(e, e->owner, DNS_T_SOA, -1);
	case DV_EXT_UPDATE:
		return dv_ext_update(e);
	case DV_EXT_WAIT:
		return dv_ext_query(e, e->owner, DNS_T_TXT, -1);
	case DV_EXT_NSLIST:
		return dv_ext_query(e, e->zone, DNS_T_NS, -1);
	default:
		dv_ext_ns_send(e);
		return 0;
	}
}

static void dv_ext_done(dv_ext *e, const char *fail)
{
	dv_acme_dns *d = e->d;
	char token[256], why[512];

	snprintf(token, sizeof(token), "%s", e->token);
	if (fail)
		snprintf(why, sizeof(why), "%.200s: %.300s", e->name, fail);
	if (e->step >= DV_EXT_WAIT) {
		dv_ext_free(e);
		d->cb.published(d->cb.arg, token, fail ? why : NULL);
		return;
	}
	if (fail) {
		dv_log(&d->ctx->lg, DV_LOG_ERR, "acme: --dns-server update "
		       "failed: %s", why);
		if (e->add)
			dv_acme_nopub_add(d, e->name, why);
	} else {
		dv_log(&d->ctx->lg, DV_LOG_INFO, "acme: %s TXT %s %s at the "
		       "--dns-server", e->name, e->txt,
		       e->add ? "published" : "removed");
	}
	dv_ext_free(e);
}

/* No answer from the --dns-server (or a query that could not go out). */
static void dv_ext_fail(dv_ext *e)
{
	dv_ext_done(e, e->why[0] ? e->why : "no answer from the --dns-server");
}

/* Enter step; end the exchange when its query cannot go out. */
static void dv_ext_next(dv_ext *e, int step)
{
	if (dv_ext_go(e, step) < 0)
		dv_ext_fail(e);
}

/* The name servers' addresses (glue in the NS answer m), port 53:
 * how many. */
static int dv_ext_ns_addrs(dv_ext *e, const uint8_t *m, size_t n)
{
	char ip[INET6_ADDRSTRLEN], err[128];
	zone_updc_ns ns;

	zone_updc_ns_read(m, n, e->zone, &ns);
	for (int i = 0; i < ns.naddr; i++)
		if (inet_ntop(ns.addr[i].af == 4 ? AF_INET : AF_INET6,
			      ns.addr[i].addr, ip, sizeof(ip)) &&
		    dv_addr_parse(ip, 53, &e->ns[e->nns], err,
				  sizeof(err)) == 0)
			e->nns++;
	return e->nns;
}

/* The NS list arrived: start polling the name servers (or finish when
 * the primary's answer names none we can reach). */
static void dv_ext_ns_start(dv_ext *e, const uint8_t *m, size_t n)
{
	if (dv_ext_ns_addrs(e, m, n) == 0) {
		dv_log(&e->d->ctx->lg, DV_LOG_WARN, "acme: %s: no address for "
		       "the zone's name servers in the primary's answer; only "
		       "the primary was checked", e->name);
		dv_ext_done(e, NULL);
		return;
	}
	dv_ext_next(e, DV_EXT_NSWAIT);
}

/* NSWAIT: name server i answered. */
static void dv_ext_ns_reply(dv_ext *e, int i, const uint8_t *m, size_t n)
{
	int all = 1;

	if (i < 0 || i >= e->nns || !zone_updc_has_txt(m, n, e->owner, e->txt))
		return;
	e->nsok[i] = 1;
	for (int j = 0; j < e->nns; j++)
		all &= e->nsok[j];
	if (all) {
		dv_log(&e->d->ctx->lg, DV_LOG_INFO, "acme: %s TXT served by "
		       "the primary and %d name server address(es) of the "
		       "zone", e->name, e->nns);
		dv_ext_done(e, NULL);
	}
}

static void dv_ext_on_update(dv_ext *e, const uint8_t *m, size_t n)
{
	zone_updc_result r;

	zone_updc_judge(e->msg, e->len, m, n, &e->tc, dv_now_s(),
			&r);
	if (r.tsig_bad)
		dv_log(&e->d->ctx->lg, DV_LOG_WARN, "acme: the --dns-server's "
		       "UPDATE answer has a bad TSIG");
	if (r.verdict == ZONE_UPDC_OK) {
		dv_ext_done(e, NULL);
	} else if (r.verdict == ZONE_UPDC_FAIL) {
		dv_ext_done(e, r.why);
	} else {                /* SERVFAIL: again a second later */
		snprintf(e->why, sizeof(e->why), "%s", r.why);
		if (++e->tries > DV_EXT_TRIES)
			dv_ext_fail(e);
		else
			dv_timer_ms(e->tick, DV_ACME_POLL_MS);
	}
}

/* ZONE, NSZONE: the zone holding the name. */
static void dv_ext_on_zone(dv_ext *e, const uint8_t *m, size_t n)
{
	if (!zone_updc_zone_of(m, n, e->owner, e->zone))
		dv_ext_done(e, "the --dns-server names no zone for it");
	else
		dv_ext_next(e, e->step == DV_EXT_ZONE ? DV_EXT_UPDATE :
			    DV_EXT_NSLIST);
}

/* An answer (user: 0 the --dns-server, i + 1 name server i), or no
 * answer after every try. */
static int dv_ext_reply(void *arg, uint64_t user, int status,
			const uint8_t *m, size_t n)
{
	dv_ext *e = arg;

	if (status != DV_OQ_REPLY) {
		if (!dv_ext_poll(e))   /* a poll: the tick asks again */
			dv_ext_fail(e);
		return 0;
	}
	switch (e->step) {
	case DV_EXT_ZONE:
	case DV_EXT_NSZONE:
		dv_ext_on_zone(e, m, n);
		break;
	case DV_EXT_UPDATE:
		dv_ext_on_update(e, m, n);
		break;
	case DV_EXT_WAIT:       /* served by the primary: now the NS */
		if (zone_updc_has_txt(m, n, e->owner, e->txt))
			dv_ext_next(e, DV_EXT_NSZONE);
		break;
	case DV_EXT_NSLIST:
		dv_ext_ns_start(e, m, n);
		break;
	default:
		dv_ext_ns_reply(e, (int)user - 1, m, n);
		break;
	}
	return 0;
}

/* The tick: a poll's next round (a failure to publish that came in
 * meanwhile ends a WAIT), or the UPDATE again after a SERVFAIL. */
static void dv_ext_tick(evutil_socket_t fd, short what, void *arg)
{
	dv_ext *e = arg;
	char why[512];

	(void)fd;
	(void)what;
	if (e->step == DV_EXT_UPDATE) {
		if (dv_ext_update(e) < 0)
			dv_ext_fail(e);
		return;
	}
	if (++e->tries > DV_EXT_WAIT_TRIES) {
		dv_ext_done(e, e->step == DV_EXT_WAIT ? "the --dns-server does "
			    "not serve it" : "a name server of the zone does "
			    "not serve it");
		return;
	}
	if (e->step == DV_EXT_WAIT &&
	    dv_acme_nopub_take(e->d, e->name, why, sizeof(why))) {
		dv_ext_done(e, why);
		return;
	}
	dv_timer_ms(e->tick, DV_ACME_POLL_MS);
	if (e->step == DV_EXT_WAIT)
		dv_ext_query(e, e->owner, DNS_T_TXT, -1);
	else
		dv_ext_ns_send(e);
}

/* Start an exchange for name/txt: step DV_EXT_ZONE (then UPDATE) or
 * DV_EXT_WAIT.  0 or -1. */
static int dv_ext_start(dv_acme_dns *d, int step, int add, const char *name,
			const char *txt, const char *token)
{
	const dv_config *cfg = &d->ctx->cfg;
	dv_ext *e = calloc(1, sizeof(*e));
	char err[128];

	if (!e)
		return -1;
	e->d = d;
	e->add = add;
	snprintf(e->name, sizeof(e->name), "%s", name);
	snprintf(e->txt, sizeof(e->txt), "%s", txt);
	snprintf(e->token, sizeof(e->token), "%s", token ? token : "");
	if (cfg->dns_keys.n > 0) {
		e->key = cfg->dns_keys.v[0];
		e->has_key = 1;
	}
	e->next = d->exts;
	d->exts = e;
	if (wire_name_from_str(name, e->owner) < 0 ||
	    dv_addr_parse(cfg->dns_server.ip, cfg->dns_server.port, &e->srv,
			  err, sizeof(err)) < 0 ||
	    !(e->tick = evtimer_new(d->ctx->base, dv_ext_tick, e)) ||
	    dv_ext_go(e, step) < 0) {
		dv_ext_free(e);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* DNS-01                                                             */
/* ------------------------------------------------------------------ */

void dv_acme_dns_publish(dv_acme_dns *d, const char *name, const char *txt)
{
	char why[512];

	if (d->ctx->cfg.dns_server.af && !dv_acme_zone_for(d->ctx, name)) {
		if (dv_ext_start(d, DV_EXT_ZONE, 1, name, txt, NULL) < 0)
			dv_acme_nopub_add(d, name, "cannot reach the "
					  "--dns-server");
		return;
	}
	if (dv_acme_txt(d, name, txt, 1, why, sizeof(why)) < 0) {
		dv_log(&d->ctx->lg, DV_LOG_ERR, "acme: cannot publish the "
		       "DNS-01 challenge: %s", why);
		dv_acme_nopub_add(d, name, why);
	}
}

void dv_acme_dns_unpublish(dv_acme_dns *d, const char *name,
			   const char *txt)
{
	char why[512];

	if (d->ctx->cfg.dns_server.af && !dv_acme_zone_for(d->ctx, name))
		dv_ext_start(d, DV_EXT_ZONE, 0, name, txt, NULL);
	else if (dv_acme_txt(d, name, txt, 0, why, sizeof(why)) < 0)
		dv_log(&d->ctx->lg, DV_LOG_DEBUG, "acme: unpublish: %s", why);
}

void dv_acme_dns_wait(dv_acme_dns *d, const char *name, const char *txt,
		      const char *token_in)
{
	char token[256], why[512];
	zone *z;

	/* the engine frees the action's strings when it is called again */
	snprintf(token, sizeof(token), "%s", token_in);
	if (dv_acme_nopub_take(d, name, why, sizeof(why))) {
		d->cb.published(d->cb.arg, token, why);
		return;
	}
	if (!(z = dv_acme_zone_for(d->ctx, name)) && d->ctx->cfg.dns_server.af) {
		if (dv_ext_start(d, DV_EXT_WAIT, 1, name, txt, token) < 0)
			d->cb.published(d->cb.arg, token, "cannot query the "
					"--dns-server");
		return;
	}
	if (!z) {
		d->cb.published(d->cb.arg, token, "not in our zones");
		return;
	}
	dv_acme_wait_start(d, z, token);
}

/* ------------------------------------------------------------------ */
/* start / stop                                                       */
/* ------------------------------------------------------------------ */

dv_acme_dns *dv_acme_dns_new(dv_ctx *ctx, const dv_acme_dns_cb *cb)
{
	dv_acme_dns *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->ctx = ctx;
	d->cb = *cb;
	return d;
}

void dv_acme_dns_free(dv_acme_dns *d)
{
	if (!d)
		return;
	while (d->waits)
		dv_wait_free(d, d->waits);
	while (d->exts)
		dv_ext_free(d->exts);
	free(d->nopub);
	free(d);
}
