/* NOTIFY out (RFC 1996) with retransmission.  (Stub.) */
#include "dnsvizor/net.h"

void dv_notify_zone(dv_ctx *ctx, const zone *z)
{
	(void)ctx;
	(void)z;
}
