/* AXFR/IXFR out and NOTIFY building (stub: transfers refused). */
#include "zones/maint_int.h"

zone_result zone_xfr_handle(zone_db *db, const zone_req *rq,
			    const wire_query *q, const zone_tsig_ctx *tsig,
			    uint8_t *resp, size_t cap, size_t *len,
			    zone_effects *eff)
{
	(void)db; (void)tsig; (void)eff;
	*len = zone_reply_rcode(q, rq->q, DNS_R_REFUSED, resp, cap);
	return ZONE_REPLY;
}

int zone_xfr_next(zone_xfr *x, uint8_t *buf, size_t cap, uint64_t now)
{
	(void)x; (void)buf; (void)cap; (void)now;
	return 0;
}

void zone_xfr_free(zone_xfr *x)
{
	(void)x;
}
