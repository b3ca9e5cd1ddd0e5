/*
 * zone_db_handle: the one entry point for every message.  Plain unsigned
 * queries take the fast path (zone_db_answer); everything else is parsed,
 * its TSIG verified, dispatched to the maintenance handlers, and the reply
 * signed.  (First version: dispatch without TSIG; tsig.c lands next.)
 */
#include <string.h>

#include "zones/maint_int.h"

size_t zone_reply_rcode(const wire_query *q, const uint8_t *msg,
			uint16_t rcode, uint8_t *resp, size_t cap)
{
	size_t qend = q->question_end ? q->question_end : WIRE_HDRLEN;

	if (cap < qend || q->question_end == 0)
		qend = WIRE_HDRLEN;
	if (cap < WIRE_HDRLEN)
		return 0;
	memcpy(resp, msg, qend);
	wire_put16(resp + 2, (uint16_t)(DNS_F_QR | (q->flags & 0x7900) |
					(q->flags & DNS_F_RD) | (rcode & 0xf)));
	wire_put16(resp + 4, qend > WIRE_HDRLEN ? 1 : 0);
	wire_put16(resp + 6, 0);
	wire_put16(resp + 8, 0);
	wire_put16(resp + 10, 0);
	return qend;
}

zone_result zone_db_handle(zone_db *db, const zone_req *rq, uint8_t *resp,
			   size_t resp_cap, size_t *resp_len,
			   zone_effects *eff, zone_stats *st)
{
	wire_query q;
	zone_tsig_ctx tsig;

	memset(eff, 0, sizeof(*eff));
	if (rq->qlen >= WIRE_HDRLEN) {
		unsigned op = (rq->q[2] >> 3) & 0xf;
		int maint = op == DNS_OP_UPDATE || op == DNS_OP_NOTIFY;
		if (maint && wire_query_parse(rq->q, rq->qlen, &q) == WQ_OK) {
			memset(&tsig, 0, sizeof(tsig));
			if (st)
				st->queries++;
			if (op == DNS_OP_UPDATE)
				return zone_update_handle(db, rq, &q, &tsig, resp,
							  resp_cap, resp_len, eff);
			return zone_notify_handle(db, rq, &q, &tsig, resp,
						  resp_cap, resp_len, eff);
		}
	}
	return zone_db_answer(db, rq->q, rq->qlen, rq->tcp, resp, resp_cap,
			      resp_len, st);
}
