/*
 * Abuse resistance in the shell: cookie secrets from getrandom with an
 * hourly rotation, NSID and the RRL table built from the config, and the
 * two places answers pass through them (dnsvizor/abuse.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <event2/event.h>

#include "dnsvizor/abuse.h"

enum { DV_COOKIE_ROTATE_S = 3600 };

struct dv_abuse {
	zone_edns_srv srv;
	zone_rrl *rrl;          /* NULL: no rate limiting */
	struct event *rotate;
};

static int dv_abuse_random(void *buf, size_t n)
{
	uint8_t *p = buf;

	while (n > 0) {
		ssize_t r = getrandom(p, n, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static void dv_abuse_rotate(evutil_socket_t fd, short what, void *arg)
{
	dv_ctx *ctx = arg;
	zone_edns_srv *s = &ctx->abuse->srv;
	uint8_t next[ZONE_COOKIE_SECRET];

	(void)fd;
	(void)what;
	if (dv_abuse_random(next, sizeof(next)) < 0) {
		dv_log(&ctx->lg, DV_LOG_WARN, "cookie secret: getrandom: %s",
		       strerror(errno));
		return;
	}
	memcpy(s->prev, s->secret, sizeof(s->prev));
	memcpy(s->secret, next, sizeof(s->secret));
	s->has_prev = 1;
}

/* The RRL table from ctx->cfg (NULL without --rrl-rate). */
static zone_rrl *dv_abuse_rrl_new(dv_ctx *ctx)
{
	const dv_config *c = &ctx->cfg;
	zone_rrl_opts o;
	zone_rrl *r;

	if (c->rrl_rate == 0)
		return NULL;
	memset(&o, 0, sizeof(o));
	o.rate = c->rrl_rate;
	o.slip = (uint32_t)c->rrl_slip;
	o.v4_prefix = (uint8_t)c->rrl_v4_prefix;
	o.v6_prefix = (uint8_t)c->rrl_v6_prefix;
	if (dv_abuse_random(&o.seed, sizeof(o.seed)) < 0 ||
	    !(r = zone_rrl_new(&o))) {
		dv_log(&ctx->lg, DV_LOG_ERR, "rrl: cannot create the table");
		return NULL;
	}
	for (int i = 0; i < c->n_rrl_exempt; i++)
		zone_rrl_exempt(r, c->rrl_exempt[i].af, c->rrl_exempt[i].addr,
				c->rrl_exempt[i].len);
	return r;
}

static void dv_abuse_nsid(dv_ctx *ctx)
{
	zone_edns_srv *s = &ctx->abuse->srv;

	s->nsid_len = ctx->cfg.nsid_len;
	memcpy(s->nsid, ctx->cfg.nsid, s->nsid_len);
}

int dv_abuse_start(dv_ctx *ctx, char *err, size_t errlen)
{
	struct dv_abuse *a = calloc(1, sizeof(*a));
	struct timeval tv = { DV_COOKIE_ROTATE_S, 0 };

	if (!a || dv_abuse_random(a->srv.secret, sizeof(a->srv.secret)) < 0) {
		free(a);
		snprintf(err, errlen, "cookie secret: %s", strerror(errno));
		return -1;
	}
	ctx->abuse = a;
	a->srv.cookies = 1;
	dv_abuse_nsid(ctx);
	a->rotate = event_new(ctx->base, -1, EV_PERSIST, dv_abuse_rotate, ctx);
	if (!a->rotate || evtimer_add(a->rotate, &tv) < 0) {
		snprintf(err, errlen, "cannot arm the cookie secret timer");
		return -1;
	}
	if (ctx->cfg.rrl_rate && !(a->rrl = dv_abuse_rrl_new(ctx))) {
		snprintf(err, errlen, "rrl: cannot create the table");
		return -1;
	}
	return 0;
}

void dv_abuse_reload(dv_ctx *ctx)
{
	struct dv_abuse *a = ctx->abuse;

	if (!a)
		return;
	dv_abuse_nsid(ctx);
	zone_rrl_free(a->rrl);
	a->rrl = dv_abuse_rrl_new(ctx);
}

void dv_abuse_stop(dv_ctx *ctx)
{
	struct dv_abuse *a = ctx->abuse;

	if (!a)
		return;
	if (a->rotate)
		event_free(a->rotate);
	zone_rrl_free(a->rrl);
	free(a);
	ctx->abuse = NULL;
}

const zone_edns_srv *dv_abuse_srv(const dv_ctx *ctx)
{
	return ctx->abuse ? &ctx->abuse->srv : NULL;
}

int dv_abuse_rrl_on(const dv_ctx *ctx)
{
	return ctx->abuse && ctx->abuse->rrl;
}

void dv_abuse_limit(dv_ctx *ctx, const zone_req *rq,
		    const zone_effects *eff, uint8_t *out, size_t cap,
		    size_t *rlen)
{
	zone_rrl_act act;
	int bad;

	if (!dv_abuse_rrl_on(ctx) || !eff->rclass || *rlen == 0 ||
	    eff->cookie == ZONE_COOKIE_VALID)
		return;
	act = zone_rrl_check(ctx->abuse->rrl, rq->af, rq->addr, eff->rclass,
			     eff->rhash, ctx->now_ms);
	if (act == ZONE_RRL_SEND)
		return;
	ctx->stats.rrl_limited++;
	if (act == ZONE_RRL_DROP) {
		ctx->stats.rrl_dropped++;
		*rlen = 0;
		return;
	}
	/* as BIND does: a client that sent a cookie without a valid
	 * server cookie gets BADCOOKIE (with a fresh one) instead of TC */
	bad = eff->edns && eff->cookie != ZONE_COOKIE_NONE;
	*rlen = zone_reply_short(out, *rlen, cap, bad, eff->edns,
				 ctx->cfg.edns_max, eff->opt, eff->opt_len);
	if (bad)
		ctx->stats.rrl_badcookie++;
	else
		ctx->stats.rrl_slipped++;
}

size_t dv_abuse_rs_opts(const dv_ctx *ctx, const uint8_t *opt,
			size_t optlen, size_t lim, uint8_t *msg, size_t len,
			size_t cap)
{
	if (optlen == 0 || len == 0)
		return len;
	if (lim > cap)
		lim = cap;
	if (len + optlen > lim)   /* no room: the client retries over TCP */
		return zone_reply_short(msg, len, lim, 0, 1, ctx->cfg.edns_max,
					opt, optlen);
	/* fails only for a reply without OPT: it goes out as it is */
	zone_edns_append(msg, &len, lim, opt, optlen);
	return len;
}
