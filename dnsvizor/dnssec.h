/*
 * dnsvizor/dnssec.h — online signing of our own zones (--dnssec-sign):
 * the keys in the state directory and the re-signing timer (dnssec.c).
 * The signing itself is zones/sign.c's (zone_db_sign, and every UPDATE
 * of a signed zone).
 */
#ifndef DV_DNSSEC_H
#define DV_DNSSEC_H

#include <stdio.h>
#include "dnsvizor/ctx.h"

/* Start-up, before dv_persist_open (so that a zone-file edit found
 * there is signed in its own change): load (or make, logging the DS) the
 * keys of every --dnssec-sign zone, move their lifecycle on
 * (--dnssec-policy) and attach the signers to ctx->db.  0, or -1 with
 * err. */
int dv_dnssec_attach(dv_ctx *ctx, char *err, size_t errlen);
/* Start-up, after dv_persist_open: sign the zones (journalled, durable)
 * and arm the refresh timer (attaching first if not done).  0, or -1
 * with err. */
int dv_dnssec_start(dv_ctx *ctx, char *err, size_t errlen);
/* After a SIGHUP swapped ctx->db, before dv_persist_reload: the signers
 * for the new db (errors are logged). */
void dv_dnssec_reattach(dv_ctx *ctx);
/* After dv_persist_reload: sign what is new, move key timers on. */
void dv_dnssec_reload(dv_ctx *ctx);
/* The test clock moved: refresh what is due now. */
void dv_dnssec_clock_moved(dv_ctx *ctx);
/* --print-ds=ZONE: print the DS of ZONE's keys (state directory) to out.
 * 0, or -1 with err. */
int dv_dnssec_print_ds(dv_ctx *ctx, FILE *out, char *err, size_t errlen);
/* --dnssec-rollover=ZONE,WHAT: leave the request for the running
 * dnsvizor in the state directory (read at its next SIGHUP or tick);
 * a line to out.  0, or -1 with err. */
int dv_dnssec_request(dv_ctx *ctx, FILE *out, char *err, size_t errlen);
void dv_dnssec_free(dv_ctx *ctx);

#endif
