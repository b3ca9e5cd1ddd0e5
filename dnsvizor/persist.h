/*
 * dnsvizor/persist.h — zone journals and snapshots in the state
 * directory (persist.c).
 */
#ifndef DV_PERSIST_H
#define DV_PERSIST_H

#include "dnsvizor/ctx.h"

/* --- persist.c: zone journals in the state directory --- */
/* The file name base for a zone's files in the state directory
 * ("Example.COM." -> "example.com", "." -> "root", other octets than
 * [a-z0-9._-] as %XX): one naming for every per-zone file. */
void dv_persist_file_base(const char *origin, char *out, size_t cap);
/* Make db journal every UPDATE change through persist (zone_db_set_journal):
 * a change that cannot be written is undone and answered SERVFAIL. */
void dv_persist_attach(dv_ctx *ctx, zone_db *db);
/* Append eff->journal to eff->changed's journal (no sync yet; for zones
 * replaced by transfers, not UPDATEs).  0 / -1. */
int dv_persist_changed(dv_ctx *ctx, const zone_effects *eff);
/* fdatasync every journal written since the last call.  A zone whose
 * sync fails has its changes since the last good sync undone (it serves
 * the durable version); a zone whose changes are durable now is
 * NOTIFYed.  0, or -1 when some sync failed (send no acknowledgement). */
int dv_persist_sync(dv_ctx *ctx);
/* Start-up, after dv_build_db and before serving: for every --zone with
 * dynamic state, load its snapshot, replay its journal (cutting a torn
 * tail); with a copy of the last loaded zone file, apply the file's edit
 * since then to that (or to the copy's zone) as one journalled IXFR
 * step; without one, serve the dynamic zone instead of the file unless
 * the file's serial is not older.  0, or -1 + err when the state exists
 * but cannot be read. */
int dv_persist_open(dv_ctx *ctx, char *err, size_t errlen);
/* After a SIGHUP swapped ctx->db (which holds the zone files' zones):
 * for every --zone, the edit since the last loaded file is applied to
 * the running zone as one durable IXFR step and the running zone is put
 * back in the db; without a copy of the last loaded file the running
 * zone is kept when its serial is newer, else the file wins (snapshot
 * and journal removed).  See persist.c. */
void dv_persist_reload(dv_ctx *ctx);
/* Store z (e.g. a transferred secondary zone) as the zone's snapshot and
 * start an empty journal; durable on return.  0 / -1. */
int dv_persist_store_zone(dv_ctx *ctx, zone *z);
/* The stored zone for origin (snapshot + journal replayed), with one
 * reference, or NULL when there is none. */
zone *dv_persist_load_zone(dv_ctx *ctx, const char *origin);
/* Sync and close every journal (shutdown). */
void dv_persist_close(dv_ctx *ctx);

#endif
