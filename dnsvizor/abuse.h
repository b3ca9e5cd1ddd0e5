/*
 * dnsvizor/abuse.h — the shell side of abuse resistance (issue 10):
 * DNS cookie secrets (random at start, rotated hourly, the previous one
 * still accepted), NSID, and response rate limiting of UDP answers from
 * our own data.  The protocol work is in zones/ (cookie.c, rrl.c); this
 * owns the state, the random bytes, the rotation timer and the calls.
 *
 * Ownership: ctx->abuse, made by dv_abuse_start, freed by dv_abuse_stop.
 */
#ifndef DV_ABUSE_H
#define DV_ABUSE_H

#include "dnsvizor/ctx.h"

/* After the event base exists: secrets, NSID, RRL table, timer.  0 or
 * -1 + err. */
int dv_abuse_start(dv_ctx *ctx, char *err, size_t errlen);
/* After SIGHUP swapped ctx->cfg: new NSID and RRL settings (the RRL
 * table starts empty), same cookie secrets. */
void dv_abuse_reload(dv_ctx *ctx);
void dv_abuse_stop(dv_ctx *ctx);
/* What zone_req.srv points to (NULL before start). */
const zone_edns_srv *dv_abuse_srv(const dv_ctx *ctx);
/* 1 when UDP answers are rate limited (zone_req.classify). */
int dv_abuse_rrl_on(const dv_ctx *ctx);
/* A UDP reply from our data in out[0..*rlen) (cap bytes of room): rate
 * limit it; *rlen becomes 0 (drop) or the short reply's length. */
void dv_abuse_limit(dv_ctx *ctx, const zone_req *rq,
		    const zone_effects *eff, uint8_t *out, size_t cap,
		    size_t *rlen);
/* A resolver answer msg[0..len) (cap bytes of room) to a query whose
 * reply needs the EDNS options opt (COOKIE, NSID): add them, or answer
 * truncated when they do not fit in lim.  Returns the new length. */
size_t dv_abuse_rs_opts(const dv_ctx *ctx, const uint8_t *opt,
			size_t optlen, size_t lim, uint8_t *msg, size_t len,
			size_t cap);

#endif
