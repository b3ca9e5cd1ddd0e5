/* Secondary zones: SOA refresh, AXFR/IXFR in, NOTIFY in.  (Stub.) */
#include "dnsvizor/net.h"

void dv_secondary_notified(dv_ctx *ctx, zone *z)
{
	(void)ctx;
	(void)z;
}
