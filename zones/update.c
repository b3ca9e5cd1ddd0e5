/* RFC 2136 dynamic update (stub until it lands). */
#include "zones/maint_int.h"

zone_result zone_update_handle(zone_db *db, const zone_req *rq,
			       const wire_query *q, const zone_tsig_ctx *tsig,
			       uint8_t *resp, size_t cap, size_t *len,
			       zone_effects *eff)
{
	(void)db; (void)tsig; (void)eff;
	*len = zone_reply_rcode(q, rq->q, DNS_R_NOTIMP, resp, cap);
	return ZONE_REPLY;
}
