/*
 * Zone journals in the state directory: append, group commit, replay at
 * start, compaction.  (Stub until issue 3's persistence lands.)
 */
#include "dnsvizor/net.h"

int dv_persist_changed(dv_ctx *ctx, const zone_effects *eff)
{
	(void)ctx;
	(void)eff;
	return -1;
}

int dv_persist_sync(dv_ctx *ctx)
{
	(void)ctx;
	return 0;
}
