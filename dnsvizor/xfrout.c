/*
 * Outgoing AXFR/IXFR streams on TCP connections.  Messages are produced
 * one at a time (zone_xfr_next) and only while the connection's output
 * buffer is below a watermark: net.c calls dv_xfr_pump from the write
 * callback whenever the output drains below DV_TCP_OUT_LOW, so a slow
 * client holds at most about DV_XFR_FILL + one message of our memory
 * besides the transfer's own RR snapshot.
 */
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "dnsvizor/clock.h"
#include "dnsvizor/net.h"
#include "dnsvizor/xfrout.h"

enum { DV_XFR_FILL = 2 * DV_TCP_OUT_LOW };

/* The stream ended (done or failed): the connection reads queries again;
 * after a failure it is closed once the output is flushed. */
static void dv_xfr_end(dv_tcp_conn *c, int failed)
{
	zone_xfr_free(c->xfr);
	c->xfr = NULL;
	if (!failed)
		return;
	dv_log(&c->ctx->lg, DV_LOG_WARN, "transfer aborted: message does "
	       "not fit");
	c->eof = 1;
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
}

int dv_xfr_pump(dv_tcp_conn *c)
{
	dv_ctx *ctx = c->ctx;
	struct evbuffer *out = bufferevent_get_output(c->bev);
	int n, sent = 0;

	while (c->xfr && evbuffer_get_length(out) < DV_XFR_FILL) {
		n = zone_xfr_next(c->xfr, ctx->tcp_r + 2, DV_TCP_MSGMAX,
				  dv_now_s());
		if (n <= 0) {
			dv_xfr_end(c, n < 0);
			break;
		}
		wire_put16(ctx->tcp_r, (uint16_t)n);
		if (bufferevent_write(c->bev, ctx->tcp_r, (size_t)n + 2) < 0) {
			dv_xfr_end(c, 1);
			break;
		}
		ctx->nst.tcp_out++;
		sent++;
	}
	return sent;
}

void dv_xfr_begin(dv_tcp_conn *c, zone_xfr *x)
{
	if (c->xfr)     /* cannot happen: queries wait while streaming */
		zone_xfr_free(c->xfr);
	c->xfr = x;
	dv_xfr_pump(c);
}
