/* Outgoing AXFR/IXFR streams on TCP connections.  (Stub.) */
#include "dnsvizor/net.h"

void dv_xfr_begin(dv_tcp_conn *c, zone_xfr *x)
{
	(void)c;
	zone_xfr_free(x);
}
