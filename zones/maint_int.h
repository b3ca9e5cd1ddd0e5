/*
 * zones/ internal: the zone-maintenance handlers that zone_db_handle
 * (handle.c) dispatches to after parsing the message and verifying its
 * TSIG.  Each writes a complete reply (header, question, sections; no
 * TSIG: handle.c signs) into resp and returns ZONE_REPLY or ZONE_DROP.
 * tsig->key is NULL for unsigned requests.  Not for use outside zones/.
 */
#ifndef DV_MAINT_INT_H
#define DV_MAINT_INT_H

#include "zones/db_int.h"

/* RFC 2136 UPDATE (update.c). */
zone_result zone_update_handle(zone_db *db, const zone_req *rq,
			       const wire_query *q, const zone_tsig_ctx *tsig,
			       uint8_t *resp, size_t cap, size_t *len,
			       zone_effects *eff);

/* AXFR/IXFR (xfr.c).  Over TCP an accepted transfer sets eff->xfr (the
 * stream keeps a copy of *tsig to sign each message) and returns
 * ZONE_REPLY with *len = 0; refusals and UDP IXFR replies go in resp. */
zone_result zone_xfr_handle(zone_db *db, const zone_req *rq,
			    const wire_query *q, const zone_tsig_ctx *tsig,
			    uint8_t *resp, size_t cap, size_t *len,
			    zone_effects *eff);

/* Incoming NOTIFY for a secondary zone (xfrin.c): sets eff->notified. */
zone_result zone_notify_handle(zone_db *db, const zone_req *rq,
			       const wire_query *q, const zone_tsig_ctx *tsig,
			       uint8_t *resp, size_t cap, size_t *len,
			       zone_effects *eff);

/* Access control (acl.c).  key is the verified TSIG key or NULL. */
int zone_acl_update_ok(const zone_db *db, const zone *z,
		       const zone_tsig_key *key, const zone_req *rq,
		       const uint8_t *owner, uint16_t type);
int zone_acl_transfer_ok(const zone_db *db, const zone *z,
			 const zone_tsig_key *key, const zone_req *rq);

/* Write a header + echoed question reply with rcode (helper shared by the
 * handlers; handle.c).  Returns the length or 0. */
size_t zone_reply_rcode(const wire_query *q, const uint8_t *msg,
			uint16_t rcode, uint8_t *resp, size_t cap);

#endif
