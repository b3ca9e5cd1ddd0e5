/*
 * NOTIFY out (RFC 1996) with retransmission.
 *
 * Targets come from --notify=ZONE,ADDR[#PORT][,KEYNAME] and, for zones
 * named by --notify-ns=ZONE, from the apex NS RRset: an NS host whose
 * A/AAAA records are inside the zone is notified on port 53.  NS hosts
 * outside the zone are skipped (there is no resolver yet).
 *
 * Each target has at most one NOTIFY in flight: a newer serial replaces a
 * pending one (new id).  A NOTIFY is sent from an unconnected socket per
 * address family and retransmitted after 1, 2, 4, 8 and 16 seconds until
 * a reply with the same id, QR=1 and opcode NOTIFY arrives from the
 * target's address (TSIG-verified when the target has a key).  The
 * message is built once per serial, so no pointer into a zone is kept: a
 * zone replaced by an UPDATE or a reload cannot dangle here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <arpa/inet.h>

#include <event2/event.h>

#include "dnsvizor/addr.h"
#include "dnsvizor/notify.h"

enum {
	DV_NOTIFY_TRIES = 5,
	DV_NOTIFY_MSG = 1024,
	DV_NOTIFY_RX = 4096,
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
	int active, tries;
	uint16_t id;
	uint32_t serial, done_serial;
	int have_done;
	uint8_t msg[DV_NOTIFY_MSG];
	size_t len;
	zone_tsig_ctx tsig;
	struct event *timer;
} dv_ntarget;

struct dv_notifier {
	dv_ctx *ctx;
	dv_ntarget **t;
	size_t n;
	int fd[2];                         /* IPv4, IPv6 */
	struct event *ev[2];
};

static int dv_nfam(const dv_addr *a)
{
	return a->ss.ss_family == AF_INET6 ? 1 : 0;
}

static uint16_t dv_nrandom_id(void)
{
	uint16_t id = 0;

	if (getrandom(&id, sizeof(id), 0) != (ssize_t)sizeof(id))
		id = (uint16_t)(time(NULL) ^ getpid());
	return id;
}

/* ------------------------------------------------------------------ */
/* sending                                                            */
/* ------------------------------------------------------------------ */

static void dv_nsend(dv_ntarget *t)
{
	struct dv_notifier *nf = t->nf;
	int fd = nf->fd[dv_nfam(&t->addr)];
	int ms = 1000 << t->tries;
	struct timeval tv = { ms / 1000, 0 };

	if (fd < 0 || sendto(fd, t->msg, t->len, 0,
			     (const struct sockaddr *)&t->addr.ss,
			     t->addr.len) < 0)
		dv_log(&nf->ctx->lg, DV_LOG_WARN, "notify %s to %s: %s",
		       t->zone, t->addr.str,
		       fd < 0 ? "no socket for the family" : strerror(errno));
	t->tries++;
	evtimer_add(t->timer, &tv);
}

static void dv_ntimeout(evutil_socket_t fd, short what, void *arg)
{
	dv_ntarget *t = arg;

	(void)fd;
	(void)what;
	if (!t->active)
		return;
	if (t->tries >= DV_NOTIFY_TRIES) {
		dv_log(&t->nf->ctx->lg, DV_LOG_WARN, "notify %s serial %u to "
		       "%s: no answer after %d tries, giving up", t->zone,
		       (unsigned)t->serial, t->addr.str, t->tries);
		t->active = 0;
		return;
	}
	dv_nsend(t);
}

/* Build and send the NOTIFY for z's current serial (superseding any). */
static void dv_nstart(dv_ntarget *t, const zone *z)
{
	dv_ctx *ctx = t->nf->ctx;
	const zone_tsig_key *k = NULL;

	if (t->has_key) {
		k = zone_keyring_find(zone_db_keyring(ctx->db), t->keyname);
		if (!k) {
			dv_log(&ctx->lg, DV_LOG_ERR, "notify %s to %s: unknown "
			       "key", t->zone, t->addr.str);
			return;
		}
		t->key = *k;
		k = &t->key;
	}
	t->id = dv_nrandom_id();
	if (zone_notify_build(z, t->id, k, &t->tsig, (uint64_t)time(NULL),
			      t->msg, sizeof(t->msg), &t->len) < 0) {
		dv_log(&ctx->lg, DV_LOG_ERR, "notify %s: cannot build the "
		       "message", t->zone);
		return;
	}
	evtimer_del(t->timer);
	t->serial = zone_serial(z);
	t->active = 1;
	t->tries = 0;
	dv_nsend(t);
}

/* ------------------------------------------------------------------ */
/* replies                                                            */
/* ------------------------------------------------------------------ */

static int dv_nsame_addr(const dv_addr *a, const struct sockaddr_storage *ss)
{
	if (a->ss.ss_family != ss->ss_family)
		return 0;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)&a->ss;
		const struct sockaddr_in *y = (const void *)ss;
		return x->sin_port == y->sin_port &&
		       x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *x = (const void *)&a->ss;
	const struct sockaddr_in6 *y = (const void *)ss;
	return x->sin6_port == y->sin6_port &&
	       memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
}

static void dv_nreply(struct dv_notifier *nf, const uint8_t *m, size_t len,
		      const struct sockaddr_storage *from)
{
	uint16_t id = wire_get16(m), fl = wire_get16(m + 2);
	size_t i;

	if (!(fl & DNS_F_QR) || ((fl >> 11) & 0xf) != DNS_OP_NOTIFY)
		return;
	for (i = 0; i < nf->n; i++) {
		dv_ntarget *t = nf->t[i];
		if (!t->active || t->id != id || !dv_nsame_addr(&t->addr, from))
			continue;
		if (t->has_key && zone_tsig_verify_response(
			    &t->tsig, m, len, (uint64_t)time(NULL)) < 0) {
			dv_log(&nf->ctx->lg, DV_LOG_WARN, "notify %s: reply "
			       "from %s fails TSIG", t->zone, t->addr.str);
			return;
		}
		if ((fl & 0xf) != DNS_R_NOERROR)
			dv_log(&nf->ctx->lg, DV_LOG_WARN, "notify %s: %s "
			       "answered rcode %u", t->zone, t->addr.str,
			       (unsigned)(fl & 0xf));
		t->active = 0;
		t->done_serial = t->serial;
		t->have_done = 1;
		evtimer_del(t->timer);
		return;
	}
}

static void dv_nread(evutil_socket_t fd, short what, void *arg)
{
	struct dv_notifier *nf = arg;
	uint8_t buf[DV_NOTIFY_RX];
	struct sockaddr_storage from;
	socklen_t fl;
	ssize_t n;
	int i;

	(void)what;
	for (i = 0; i < 64; i++) {
		fl = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
			     (struct sockaddr *)&from, &fl);
		if (n < 0)
			break;
		if (n >= WIRE_HDRLEN)
			dv_nreply(nf, buf, (size_t)n, &from);
	}
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
	t->timer = evtimer_new(nf->ctx->base, dv_ntimeout, t);
	if (!t->timer) {
		free(t);
		return NULL;
	}
	nf->t[nf->n++] = t;
	return t;
}

static void dv_nfree_target(dv_ntarget *t)
{
	event_free(t->timer);
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

static int dv_nsocket(struct dv_notifier *nf, int fam)
{
	int fd = socket(fam ? AF_INET6 : AF_INET,
			SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	nf->fd[fam] = fd;
	nf->ev[fam] = event_new(nf->ctx->base, fd, EV_READ | EV_PERSIST,
				dv_nread, nf);
	if (!nf->ev[fam] || event_add(nf->ev[fam], NULL) < 0)
		return -1;
	return 0;
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
	nf->fd[0] = nf->fd[1] = -1;
	ctx->notifier = nf;
	for (i = 0; i < ctx->cfg.notify.n; i++)
		if (dv_nparse(nf, &ctx->cfg.notify.v[i], err, errlen) < 0)
			return -1;
	if (dv_nsocket(nf, 0) < 0)
		dv_log(&ctx->lg, DV_LOG_WARN, "notify: no IPv4 socket: %s",
		       strerror(errno));
	if (dv_nsocket(nf, 1) < 0)
		dv_log(&ctx->lg, DV_LOG_WARN, "notify: no IPv6 socket: %s",
		       strerror(errno));
	dv_notify_all(ctx);
	return 0;
}

void dv_notify_free(dv_ctx *ctx)
{
	struct dv_notifier *nf = ctx->notifier;
	size_t i;
	int f;

	if (!nf)
		return;
	for (i = 0; i < nf->n; i++)
		dv_nfree_target(nf->t[i]);
	free(nf->t);
	for (f = 0; f < 2; f++) {
		if (nf->ev[f])
			event_free(nf->ev[f]);
		if (nf->fd[f] >= 0)
			close(nf->fd[f]);
	}
	free(nf);
	ctx->notifier = NULL;
}
