/* Access control for UPDATE and transfers (stub: nothing allowed). */
#include "zones/maint_int.h"

int zone_acl_update_ok(const zone_db *db, const zone *z,
		       const zone_tsig_key *key, const zone_req *rq,
		       const uint8_t *owner, uint16_t type)
{
	(void)db; (void)z; (void)key; (void)rq; (void)owner; (void)type;
	return 0;
}

int zone_acl_transfer_ok(const zone_db *db, const zone *z,
			 const zone_tsig_key *key, const zone_req *rq)
{
	(void)db; (void)z; (void)key; (void)rq;
	return 0;
}
