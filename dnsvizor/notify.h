/*
 * dnsvizor/notify.h — NOTIFY out (notify.c).
 */
#ifndef DV_NOTIFY_H
#define DV_NOTIFY_H

#include "dnsvizor/ctx.h"

/* --- notify.c: NOTIFY out with retransmission --- */
void dv_notify_zone(dv_ctx *ctx, const zone *z);
/* Parse --notify/--notify-ns targets and notify every
 * zone that has targets (start-up); 0 or -1 + err. */
int dv_notify_init(dv_ctx *ctx, char *err, size_t errlen);
/* After a reload: notify zones whose serial changed. */
void dv_notify_all(dv_ctx *ctx);
void dv_notify_free(dv_ctx *ctx);

#endif
