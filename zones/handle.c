/*
 * zone_db_handle: the one entry point for every message.  (First version:
 * plain queries only; TSIG, UPDATE, NOTIFY and transfers come next.)
 */
#include <string.h>

#include "zones/db_int.h"

zone_result zone_db_handle(zone_db *db, const zone_req *rq, uint8_t *resp,
			   size_t resp_cap, size_t *resp_len,
			   zone_effects *eff, zone_stats *st)
{
	memset(eff, 0, sizeof(*eff));
	return zone_db_answer(db, rq->q, rq->qlen, rq->tcp, resp, resp_cap,
			      resp_len, st);
}

void zone_xfr_free(zone_xfr *x)
{
	(void)x;
}
