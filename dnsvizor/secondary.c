/*
 * Secondary zones (--secondary=ZONE,PRIMARY[#PORT][,KEYNAME]): SOA serial
 * checks over UDP, AXFR/IXFR over TCP (both through the outgoing service,
 * outq.h; a transfer is a stream query), the REFRESH / RETRY /
 * EXPIRE timers of the zone's SOA (RFC 1034 4.3.5), NOTIFY (RFC 1996)
 * triggering an immediate check, and a copy of the zone in the state
 * directory so that a restart serves at once.  The protocol work is
 * zones/xfrin.c's.
 *
 * The copy is persist.c's snapshot + journal (<state>/zones/<name>.snap
 * and .jnl): an AXFR writes a new snapshot, an IXFR appends the received
 * difference sequences to the journal (compacted by persist.c), which
 * also restores the IXFR history at start so that our own secondaries can
 * still transfer incrementally.  <name>.refreshed holds the unix time of
 * the last successful refresh (written atomically): at start the EXPIRE
 * timer runs from then, so a copy older than EXPIRE is answered with
 * SERVFAIL until the primary has been reached again.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "dnsvizor/clock.h"
#include "dnsvizor/addr.h"
#include "dnsvizor/outq.h"
#include "dnsvizor/persist.h"
#include "dnsvizor/notify.h"
#include "dnsvizor/secondary.h"

enum {
	SEC_UDP_TIMEOUT = 3,        /* seconds for an SOA answer */
	SEC_TCP_TIMEOUT = 15,       /* seconds of silence in a transfer */
	SEC_DEF_RETRY = 10,         /* before the first successful load */
	SEC_NAME = 1024,
};

typedef struct dv_sec {
	dv_ctx *ctx;
	char origin[SEC_NAME];      /* presentation, absolute */
	uint8_t owire[WIRE_MAXNAME];
	dv_addr primary;
	char keyname[SEC_NAME];     /* "" = unsigned */
	zone_tsig_key key;
	struct event *timer;        /* next refresh / retry */
	struct event *expire_ev;
	/* the check or transfer in progress */
	zone_xfrin *xi;
	zone *cur;                  /* reference held while xi runs */
	uint32_t h;                 /* its query (outq.h), or 0 */
	int again;                  /* NOTIFY arrived while busy */
	int axfr_fallback;          /* IXFR failed once: use AXFR */
} dv_sec;

struct dv_secondaries {
	dv_sec *v;
	size_t n;
};

/* ------------------------------------------------------------------ */
/* configuration                                                      */
/* ------------------------------------------------------------------ */

/* The typed --secondary (options.c checked it) into the fields of a
 * dv_sec. */
static int sec_parse(const dv_peer_spec *spec, char *origin,
		     dv_addr *primary, char *keyname, char *err,
		     size_t errlen)
{
	if (strlen(spec->zone) >= SEC_NAME ||
	    (spec->key && strlen(spec->key) >= SEC_NAME)) {
		snprintf(err, errlen, "name too long");
		return -1;
	}
	memcpy(origin, spec->zone, strlen(spec->zone) + 1);
	if (spec->key)
		memcpy(keyname, spec->key, strlen(spec->key) + 1);
	else
		keyname[0] = '\0';
	return dv_addr_parse(spec->addr.ip, spec->addr.port, primary, err,
			     errlen);
}

static int sec_af_addr(const dv_addr *a, uint8_t addr[16])
{
	if (a->ss.ss_family == AF_INET) {
		memcpy(addr, &((const struct sockaddr_in *)&a->ss)->sin_addr,
		       4);
		return 4;
	}
	memcpy(addr, &((const struct sockaddr_in6 *)&a->ss)->sin6_addr, 16);
	return 6;
}

static int sec_build_one(const dv_peer_spec *spec, const zone_db *old,
			 zone_db *db, char *err, size_t errlen)
{
	char origin[SEC_NAME], keyname[SEC_NAME], why[256];
	uint8_t addr[16];
	dv_addr primary;
	zone *z, *oz;
	int af, rc;

	if (sec_parse(spec, origin, &primary, keyname, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "secondary: %s: %s", spec->zone, why);
		return -1;
	}
	oz = old ? zone_db_get_zone(old, origin) : NULL;
	if (oz) { /* reload: keep serving what we have */
		z = oz;
		zone_ref(z);
	} else {
		z = zone_secondary_new(origin);
	}
	if (!z) {
		snprintf(err, errlen, "secondary: %s: bad zone name",
			 spec->zone);
		return -1;
	}
	rc = zone_db_add_zone(db, z);
	zone_unref(z);
	af = sec_af_addr(&primary, addr);
	if (rc == 0)
		rc = zone_db_allow_notify(db, origin, af, addr);
	if (rc < 0)
		snprintf(err, errlen, "secondary: %s: %s", origin,
			 rc == -EEXIST ? "zone given twice" : "cannot add");
	return rc < 0 ? -1 : 0;
}

int dv_secondary_build(const dv_config *cfg, const zone_db *old,
		       zone_db *db, char *err, size_t errlen)
{
	for (size_t i = 0; i < cfg->secondaries.n; i++)
		if (sec_build_one(&cfg->secondaries.v[i], old, db, err,
				  errlen) < 0)
			return -1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* the copy in the state directory                                    */
/* ------------------------------------------------------------------ */

static int sec_has_state(const dv_sec *s)
{
	const char *dir = s->ctx->cfg.state_dir;

	return dir && *dir && s->ctx->persist;
}

/* <state>/zones/<name><suffix>, <name> spelled as persist.c does: the
 * origin without the final dot, lowercased, other bytes than
 * [a-z0-9._-] as %XX, "root" for the root zone. */
static int sec_state_path(const dv_sec *s, char *path, size_t len,
			  const char *suffix)
{
	char name[SEC_NAME], base[SEC_NAME * 3];
	size_t n, o = 0;
	int r;

	if (wire_name_to_str(s->owire, name, sizeof(name)) < 0)
		return -1;
	n = strlen(name);
	if (n > 0 && name[n - 1] == '.')
		n--;
	for (size_t i = 0; i < n && o + 4 < sizeof(base); i++) {
		unsigned char c = (unsigned char)name[i];
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c + 32);
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '-' || c == '_')
			base[o++] = (char)c;
		else
			o += (size_t)snprintf(base + o, sizeof(base) - o,
					      "%%%02X", c);
	}
	base[o] = '\0';
	r = snprintf(path, len, "%s/zones/%s%s", s->ctx->cfg.state_dir,
		     o ? base : "root", suffix);
	return r < 0 || (size_t)r >= len ? -1 : 0;
}

/* Record now as the time of the last successful refresh (written
 * atomically). */
static void sec_mark_refreshed(dv_sec *s, uint64_t now)
{
	char path[4096], text[32];
	int n;

	if (!sec_has_state(s) ||
	    sec_state_path(s, path, sizeof(path), ".refreshed") < 0)
		return;
	n = snprintf(text, sizeof(text), "%llu\n", (unsigned long long)now);
	if (dv_write_atomic(path, text, (size_t)n, 0600) < 0)
		dv_log(&s->ctx->lg, DV_LOG_WARN, "secondary %s: cannot write "
		       "%s", s->origin, path);
}

/* The time of the last successful refresh: <name>.refreshed, else the
 * snapshot's modification time (a transfer wrote it); 0 if unknown. */
static uint64_t sec_last_refresh(const dv_sec *s)
{
	char path[4096], text[32];
	struct stat st;
	ssize_t n;
	int fd;

	if (sec_state_path(s, path, sizeof(path), ".refreshed") < 0)
		return 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		n = read(fd, text, sizeof(text) - 1);
		close(fd);
		if (n > 0) {
			char *end;
			unsigned long long t;
			text[n] = '\0';
			t = strtoull(text, &end, 10);
			if (end != text && (*end == '\n' || !*end))
				return t;
		}
	}
	if (sec_state_path(s, path, sizeof(path), ".snap") == 0 &&
	    stat(path, &st) == 0)
		return (uint64_t)st.st_mtime;
	return 0;
}

/* Keep a transferred zone: a new snapshot after AXFR, the journal
 * records appended (and synced) after IXFR. */
static int sec_persist(dv_sec *s, zone *z, const uint8_t *jnl, size_t jlen)
{
	zone_effects eff;

	if (!sec_has_state(s))
		return 0;
	if (!jnl)
		return dv_persist_store_zone(s->ctx, z);
	memset(&eff, 0, sizeof(eff));
	eff.changed = z;
	eff.journal = jnl;
	eff.journal_len = jlen;
	if (dv_persist_changed(s->ctx, &eff) < 0)
		return -1;
	return dv_persist_sync(s->ctx);
}

/* At start: serve the kept copy (snapshot + journal), if any. */
static zone *sec_load_kept(dv_sec *s)
{
	zone *z;

	if (!sec_has_state(s) ||
	    !(z = dv_persist_load_zone(s->ctx, s->origin)))
		return NULL;
	zone_secondary_set_expired(z, 0);
	return z;
}

/* ------------------------------------------------------------------ */
/* timers                                                             */
/* ------------------------------------------------------------------ */

static zone *sec_zone(const dv_sec *s)
{
	return zone_db_get_zone(s->ctx->db, s->origin);
}

static void sec_arm(struct event *ev, uint32_t secs)
{
	struct timeval tv = { (time_t)secs, 0 };

	event_add(ev, &tv);
}

/* SOA timers of the zone served now: 0 refresh, 1 retry, 2 expire. */
static int sec_timers(const dv_sec *s, uint32_t t[3])
{
	uint32_t soa[5];
	zone *z = sec_zone(s);

	if (!z || zone_is_expired(z) || zone_soa_timers(z, soa) < 0)
		return -1;
	t[0] = soa[1] ? soa[1] : 1;
	t[1] = soa[2] ? soa[2] : 1;
	t[2] = soa[3] ? soa[3] : 1;
	return 0;
}

static void sec_check(dv_sec *s);

static void sec_done(dv_sec *s)
{
	zone_xfrin_free(s->xi);
	s->xi = NULL;
	zone_unref(s->cur);
	s->cur = NULL;
	dv_outq_cancel(s->ctx->outq, s->h);
	s->h = 0;
}

/* A refresh succeeded (up to date or transferred): the zone is fresh. */
static void sec_refreshed(dv_sec *s)
{
	uint32_t t[3];
	zone *z = sec_zone(s);

	sec_done(s);
	s->axfr_fallback = 0;
	if (z)
		zone_secondary_set_expired(z, 0);
	sec_mark_refreshed(s, dv_now_s());
	if (sec_timers(s, t) < 0)
		t[0] = t[1] = t[2] = SEC_DEF_RETRY;
	sec_arm(s->expire_ev, t[2]);
	if (s->again) {
		s->again = 0;
		sec_arm(s->timer, 0);
	} else {
		sec_arm(s->timer, t[0]);
	}
}

static void sec_failed(dv_sec *s, const char *why)
{
	uint32_t t[3];

	dv_log(&s->ctx->lg, DV_LOG_WARN, "secondary %s: refresh from %s "
	       "failed: %s", s->origin, s->primary.str, why);
	sec_done(s);
	if (sec_timers(s, t) < 0) {
		/* an expired copy still has its SOA's RETRY */
		uint32_t soa[5];
		zone *z = sec_zone(s);
		t[1] = z && zone_soa_timers(z, soa) == 0 && soa[2] ?
		       soa[2] : SEC_DEF_RETRY;
	}
	s->again = 0;
	sec_arm(s->timer, t[1]);
}

static void sec_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	sec_check(arg);
}

static void sec_expire_cb(evutil_socket_t fd, short what, void *arg)
{
	dv_sec *s = arg;
	zone *z = sec_zone(s);

	(void)fd;
	(void)what;
	if (z && !zone_is_expired(z)) {
		dv_log(&s->ctx->lg, DV_LOG_WARN, "secondary %s: expired (no "
		       "refresh from %s): answering SERVFAIL", s->origin,
		       s->primary.str);
		zone_secondary_set_expired(z, 1);
	}
}

/* ------------------------------------------------------------------ */
/* transfers                                                          */
/* ------------------------------------------------------------------ */

/* The TSIG key, looked up in the running db's keyring each time. */
static const zone_tsig_key *sec_key(dv_sec *s)
{
	uint8_t name[WIRE_MAXNAME], lname[WIRE_MAXNAME];
	const zone_keyring *kr = zone_db_keyring(s->ctx->db);
	const zone_tsig_key *k;

	if (!s->keyname[0])
		return NULL;
	if (!kr || wire_name_from_str(s->keyname, name) < 0)
		return NULL;
	wire_name_lower(lname, name);
	if (!(k = zone_keyring_find(kr, lname)))
		return NULL;
	s->key = *k;
	return &s->key;
}

static int sec_begin(dv_sec *s, uint16_t qtype)
{
	if (s->keyname[0] && !sec_key(s)) {
		sec_failed(s, "TSIG key not configured");
		return -1;
	}
	s->cur = sec_zone(s);
	if (s->cur)
		zone_ref(s->cur);
	s->xi = zone_xfrin_start(s->owire, qtype, s->cur,
				 s->keyname[0] ? &s->key : NULL,
				 dv_outq_pick_id(dv_outq_of(s->ctx),
				 (const struct sockaddr *)&s->primary.ss));
	if (!s->xi) {
		sec_failed(s, "out of memory");
		return -1;
	}
	return 0;
}

static void sec_install(dv_sec *s)
{
	uint8_t *jnl = NULL;
	size_t jlen = 0;
	zone *z = zone_xfrin_result(s->xi, &jnl, &jlen);
	int ixfr = jnl != NULL;

	if (!z || zone_db_replace_zone(s->ctx->db, z) < 0) {
		free(jnl);
		zone_unref(z);
		sec_failed(s, "cannot install the transferred zone");
		return;
	}
	dv_log(&s->ctx->lg, DV_LOG_INFO, "transferred %s serial %u by %s "
	       "from %s", s->origin, zone_serial(z), ixfr ? "IXFR" : "AXFR",
	       s->primary.str);
	if (sec_persist(s, z, jnl, jlen) < 0)
		dv_log(&s->ctx->lg, DV_LOG_WARN, "secondary %s: cannot keep "
		       "a copy in the state directory", s->origin);
	free(jnl);
	dv_notify_zone(s->ctx, z);
	zone_unref(z);
	sec_refreshed(s);
}

static void sec_transfer(dv_sec *s);

/* Send the query xfrin built (it chose the id and signs; it verifies
 * the answers' TSIG too, so the service gets no key). */
static int sec_send(dv_sec *s, const uint8_t *q, size_t len, unsigned flags,
		    uint32_t timeout_ms, dv_oq_cb cb)
{
	dv_oq_req r;

	memset(&r, 0, sizeof(r));
	r.server = (const struct sockaddr *)&s->primary.ss;
	r.server_len = s->primary.len;
	r.msg = q;
	r.len = len;
	r.o.flags = ZOQ_KEEP_ID | flags;
	r.own_conn = (flags & ZOQ_STREAM) != 0;   /* a transfer */
	r.o.timeout_ms = timeout_ms;
	r.cb = cb;
	r.arg = s;
	errno = 0;
	s->h = dv_outq_query(dv_outq_of(s->ctx), &r);
	if (!s->h) {
		sec_failed(s, errno ? strerror(errno) : "cannot send");
		return -1;
	}
	return 0;
}

/* One message of a transfer; 1: more to come. */
static int sec_xfr_cb(void *arg, uint64_t user, int status,
		      const uint8_t *msg, size_t len)
{
	dv_sec *s = arg;
	int r;

	(void)user;
	if (status != DV_OQ_REPLY) {
		s->h = 0;
		sec_failed(s, status == DV_OQ_TIMEOUT ? "transfer timed out"
						      : "transfer connection lost");
		return 0;
	}
	s->ctx->now = dv_now_s();
	r = zone_xfrin_feed(s->xi, msg, len, s->ctx->now);
	if (r == ZXI_NEED_MORE)
		return 1;
	if (r == ZXI_DONE)
		sec_install(s);
	else if (r == ZXI_UPTODATE)
		sec_refreshed(s);
	else if (zone_xfrin_qtype(s->xi) == DNS_T_IXFR && !s->axfr_fallback) {
		dv_log(&s->ctx->lg, DV_LOG_INFO, "secondary %s: IXFR failed "
		       "(%s): trying AXFR", s->origin,
		       zone_xfrin_error(s->xi));
		s->axfr_fallback = 1;
		sec_done(s);
		sec_transfer(s);
	} else {
		sec_failed(s, zone_xfrin_error(s->xi));
	}
	return 0;
}

/* AXFR or IXFR over TCP. */
static void sec_transfer(dv_sec *s)
{
	zone *z = sec_zone(s);
	uint16_t qt = z && !zone_is_expired(z) && !s->axfr_fallback ?
		      DNS_T_IXFR : DNS_T_AXFR;
	uint8_t q[1024];
	size_t len;

	if (!z || zone_soa_timers(z, (uint32_t[5]){ 0 }) < 0)
		qt = DNS_T_AXFR;
	if (sec_begin(s, qt) < 0)
		return;
	if (zone_xfrin_query(s->xi, q, sizeof(q), &len, s->ctx->now) < 0) {
		sec_failed(s, "cannot build the query");
		return;
	}
	sec_send(s, q, len, ZOQ_TCP | ZOQ_STREAM, SEC_TCP_TIMEOUT * 1000,
		 sec_xfr_cb);
}

/* The SOA answer (over UDP; over TCP when it came truncated). */
static int sec_soa_cb(void *arg, uint64_t user, int status,
		      const uint8_t *msg, size_t len)
{
	dv_sec *s = arg;
	zone *z;

	(void)user;
	s->h = 0;
	if (status != DV_OQ_REPLY) {
		sec_failed(s, status == DV_OQ_TIMEOUT ?
			   "no answer to the SOA query" :
			   "the SOA query failed (refused or unreachable)");
		return 0;
	}
	s->ctx->now = dv_now_s();
	if (zone_xfrin_feed(s->xi, msg, len, s->ctx->now) != ZXI_DONE) {
		sec_failed(s, zone_xfrin_error(s->xi));
		return 0;
	}
	z = sec_zone(s);
	if (z && !zone_is_expired(z) &&
	    !zone_serial_newer(zone_xfrin_serial(s->xi), zone_serial(z))) {
		sec_refreshed(s);
		return 0;
	}
	if (z && zone_is_expired(z) && zone_soa_timers(z, (uint32_t[5]){0})
	    == 0 && zone_xfrin_serial(s->xi) == zone_serial(z)) {
		sec_refreshed(s); /* expired copy still current: fresh again */
		return 0;
	}
	sec_done(s);
	sec_transfer(s);
	return 0;
}

static void sec_check(dv_sec *s)
{
	uint8_t q[1024];
	size_t len;

	if (s->xi) {
		s->again = 1;
		return;
	}
	s->ctx->now = dv_now_s();
	if (sec_begin(s, DNS_T_SOA) < 0)
		return;
	if (zone_xfrin_query(s->xi, q, sizeof(q), &len, s->ctx->now) < 0) {
		sec_failed(s, "cannot build the query");
		return;
	}
	sec_send(s, q, len, 0, SEC_UDP_TIMEOUT * 1000, sec_soa_cb);
}

/* ------------------------------------------------------------------ */
/* lifetime                                                           */
/* ------------------------------------------------------------------ */

/* A kept copy: EXPIRE counts from the last successful refresh, which may
 * lie before the restart; a copy already past it is served as SERVFAIL
 * until a refresh succeeds (the check below starts at once). */
static void sec_start_expire(dv_sec *s, zone *kept)
{
	uint64_t now = dv_now_s(), last = sec_last_refresh(s);
	uint64_t age = last && last <= now ? now - last : 0;
	uint32_t t[3];

	if (sec_timers(s, t) < 0)
		return;
	if (!last || age >= t[2]) {
		zone_secondary_set_expired(kept, 1);
		dv_log(&s->ctx->lg, DV_LOG_WARN, "secondary %s: the kept copy "
		       "(serial %u) is past EXPIRE (last refresh %s): "
		       "answering SERVFAIL until %s is reached", s->origin,
		       zone_serial(kept), last ? "too long ago" : "unknown",
		       s->primary.str);
		return;
	}
	dv_log(&s->ctx->lg, DV_LOG_INFO, "secondary %s: serving the kept "
	       "copy, serial %u (expires in %llus)", s->origin,
	       zone_serial(kept), (unsigned long long)(t[2] - age));
	sec_arm(s->expire_ev, (uint32_t)(t[2] - age));
}

static int sec_init_one(dv_ctx *ctx, dv_sec *s, const dv_peer_spec *spec)
{
	char err[256];
	zone *kept;

	s->ctx = ctx;
	if (sec_parse(spec, s->origin, &s->primary, s->keyname, err,
		      sizeof(err)) < 0 ||
	    wire_name_from_str(s->origin, s->owire) < 0)
		return -1;
	s->timer = evtimer_new(ctx->base, sec_timer_cb, s);
	s->expire_ev = evtimer_new(ctx->base, sec_expire_cb, s);
	if (!s->timer || !s->expire_ev)
		return -1;
	if ((kept = sec_load_kept(s)) != NULL) {
		if (zone_db_replace_zone(ctx->db, kept) == 0)
			sec_start_expire(s, kept);
		zone_unref(kept);
	}
	sec_arm(s->timer, 0);
	return 0;
}

int dv_secondary_start(dv_ctx *ctx)
{
	const dv_peer_specs *l = &ctx->cfg.secondaries;
	struct dv_secondaries *ss;

	if (l->n == 0)
		return 0;
	if (!(ss = calloc(1, sizeof(*ss))) ||
	    !(ss->v = calloc(l->n, sizeof(*ss->v)))) {
		free(ss);
		return -1;
	}
	ctx->secondaries = ss;
	for (size_t i = 0; i < l->n; i++) {
		ss->n++;
		if (sec_init_one(ctx, &ss->v[i], &l->v[i]) < 0)
			return -1;
	}
	return 0;
}

void dv_secondary_stop(dv_ctx *ctx)
{
	struct dv_secondaries *ss = ctx->secondaries;

	if (!ss)
		return;
	for (size_t i = 0; i < ss->n; i++) {
		dv_sec *s = &ss->v[i];
		sec_done(s);
		if (s->timer)
			event_free(s->timer);
		if (s->expire_ev)
			event_free(s->expire_ev);
	}
	free(ss->v);
	free(ss);
	ctx->secondaries = NULL;
}

void dv_secondary_notified(dv_ctx *ctx, zone *z)
{
	struct dv_secondaries *ss = ctx->secondaries;

	if (!ss)
		return;
	for (size_t i = 0; i < ss->n; i++) {
		dv_sec *s = &ss->v[i];
		if (wire_name_equal(s->owire, zone_origin(z))) {
			dv_log(&ctx->lg, DV_LOG_INFO, "secondary %s: NOTIFY: "
			       "checking the primary", s->origin);
			event_del(s->timer);
			sec_check(s);
		}
	}
}
