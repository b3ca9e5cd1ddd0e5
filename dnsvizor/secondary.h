/*
 * dnsvizor/secondary.h — secondary zones in the event loop (secondary.c).
 */
#ifndef DV_SECONDARY_H
#define DV_SECONDARY_H

#include "dnsvizor/ctx.h"

/* --- secondary.c: secondary zones (refresh, transfer in) --- */
void dv_secondary_notified(dv_ctx *ctx, zone *z);
/* After the event loop exists: load kept copies, start the timers. */
int dv_secondary_start(dv_ctx *ctx);
void dv_secondary_stop(dv_ctx *ctx);

#endif
