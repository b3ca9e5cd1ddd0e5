/*
 * dnsvizor/xfrout.h — outgoing zone transfers on a connection (xfrout.c).
 */
#ifndef DV_XFROUT_H
#define DV_XFROUT_H

#include "dnsvizor/net.h"

/* --- xfrout.c: stream an AXFR/IXFR on a TCP connection --- */
/* Takes ownership of x. */
void dv_xfr_begin(dv_tcp_conn *c, zone_xfr *x);
/* Write more of c's stream while the output is below a watermark (called
 * from the write callback); returns the number of messages written.  When
 * the stream ends c->xfr is freed and NULL. */
int dv_xfr_pump(dv_tcp_conn *c);

#endif
