/*
 * Zone journals in the state directory: append, group commit, replay at
 * start, compaction.
 *
 * Layout: <state-dir>/zones/<name>.snap and <name>.jnl, where <name> is
 * the zone origin without its trailing dot ("root" for the root zone;
 * bytes other than [a-z0-9._-] written as %XX).  Directories 0700, files
 * 0600.  Zone files given with --zone are never written.
 *
 * <name>.snap  the zone as zone-file text (absolute names, SOA first),
 *              written atomically: <name>.snap.tmp.<pid>, fsync, rename,
 *              fsync of the directory.
 * <name>.jnl   journal records (zones.h section 4) appended after the
 *              snapshot; each record's serial_from is the serial it
 *              applies to.  Records that do not continue the chain
 *              (written before the last snapshot) are skipped on replay.
 *              A bad record with nothing valid after it is a torn tail
 *              and is cut off; a bad record followed by valid ones is
 *              corruption: the file is kept as it is, the zone answers
 *              SERVFAIL until --journal-recover=ZONE (dv_pz_damaged).
 *
 * Dynamic state exists exactly when <name>.snap exists.  The first change
 * to a zone writes the snapshot (which already contains that change) and
 * starts an empty journal; later changes are appended.  So the journal
 * never depends on the operator's zone file, which may be edited later.
 *
 * Durability: zones/ hands every UPDATE change to dv_persist_hook
 * before it builds the reply; the record is appended (no sync) and kept
 * in memory until dv_persist_sync fdatasyncs every journal written since
 * the last call (net.c once per UDP batch and before each TCP reply;
 * DHCP once per loop turn; ACME at once).  A failed write makes zones/
 * undo the change (SERVFAIL); a failed sync undoes the changes since the
 * last good sync here (zone_journal_revert, newest first) and no reply is
 * sent.  So the zone only ever serves, transfers and NOTIFYs (after the
 * sync) durable data.  After a failed sync the journal's state is not
 * known, so the next change writes a full snapshot instead of appending.
 *
 * Compaction: when a journal grows past DV_JNL_MAX bytes the zone is
 * written as a new snapshot and the journal is emptied (after the
 * snapshot is durable: a crash in between leaves only stale records).
 *
 * <name>.file the data of the zone file as last loaded (zone-file text,
 *              written atomically like the snapshot) for IXFR from
 *              zone-file edits.
 *
 * Zone-file edits (SIGHUP or start-up, Knot's zonefile-load:
 * difference-no-serial, BIND's ixfr-from-differences): when <name>.file
 * exists, the difference between it and the zone file now is applied to
 * the running zone (the dynamic one, or the last loaded file's) as one
 * change: zone_db_file_diff_record builds one journal record (serial
 * max(running + 1, file serial); in a zone we sign, with the edit's
 * signatures: dnssec.c attaches the signers first), written after a
 * snapshot of the zone as it was when it had no journal yet,
 * fdatasynced, applied (one IXFR step) before the zone is served again;
 * NOTIFY follows (dv_notify_all).
 * Changes made at run time stay: the difference is between the two
 * files.  Parts of it the running zone already has (a deletion of an RR
 * it no longer holds, an addition of one it holds) are skipped and
 * logged, as Knot does.  Then the new file's data becomes <name>.file
 * (after the record is durable: a crash in between applies the same
 * difference again at start, which finds nothing left to do).  A record
 * that cannot be made durable is undone, <name>.file is kept and the
 * next SIGHUP tries again.
 *
 * Without <name>.file (first start, or state from before it existed) the
 * old rules apply and the file's data is saved as <name>.file: at
 * start-up, if <name>.snap exists, it is loaded and the journal
 * replayed; if the zone file's serial is not older than the resulting
 * serial (RFC 1982) the file wins and the snapshot and journal are
 * removed (logged), else the dynamic zone replaces the file's zone.  On
 * SIGHUP the running zone is kept when its serial is newer than the
 * file's, else the file wins and the dynamic history is reset.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dnsvizor/clock.h"
#include "dnsvizor/persist.h"
#include "dnsvizor/notify.h"

enum {
	DV_JNL_MAX = 4 * 1024 * 1024, /* compact past this many bytes */
	DV_PATHMAX = 4096,
	DV_ORIGINSTR = 1024,
	DV_FILEMAX = DV_PATHMAX + 3 * DV_ORIGINSTR + 16,
};

/* State of one zone. */
typedef struct dv_pzone {
	struct dv_pzone *next;
	char origin[DV_ORIGINSTR];    /* presentation, trailing dot */
	uint8_t lname[WIRE_MAXNAME];  /* lowercased wire origin */
	char snap[DV_FILEMAX], jnl[DV_FILEMAX];
	char copy[DV_FILEMAX];        /* the last loaded zone file's data */
	zone *z;                      /* the zone we keep state for (ref) */
	int fd;                       /* journal, O_APPEND; -1 = none */
	off_t size;                   /* good bytes in the journal */
	off_t synced;                 /* bytes known durable */
	off_t snap_size;              /* bytes of the snapshot (0: unknown) */
	int dirty;                    /* written since the last sync */
	int need_snap;                /* journal broken: snapshot next */
	int secondary;                /* a secondary's copy (transferred) */
	int corrupt;                  /* damaged journal kept for the
				         operator: never written */
	int notify;                   /* changed: NOTIFY once durable */
	int pending;                  /* its zone file did not load: the
				         state is opened when it does */
	uint8_t *pend;                /* records written since the last sync
				         (framed, in order): undone in the
				         zone if the sync fails */
	size_t pend_len, pend_cap;
} dv_pzone;

struct dv_persist {
	char dir[DV_PATHMAX];         /* <state-dir>/zones */
	dv_pzone *zones;
	int dir_dirty;                /* a directory entry changed */
};

/* ------------------------------------------------------------------ */
/* file helpers                                                       */
/* ------------------------------------------------------------------ */

/* mkdir -p with mode 0700. */
static int dv_mkdirs(const char *dir)
{
	char p[DV_PATHMAX];
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof(p))
		return -1;
	memcpy(p, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			return -1;
		p[i] = dir[i];
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* zone state objects                                                 */
/* ------------------------------------------------------------------ */

void dv_persist_file_base(const char *origin, char *out, size_t cap)
{
	size_t o = 0, n = strlen(origin);

	if (n > 0 && origin[n - 1] == '.')
		n--;
	if (n == 0) {
		snprintf(out, cap, "root");
		return;
	}
	for (size_t i = 0; i < n && o + 4 < cap; i++) {
		unsigned char c = (unsigned char)origin[i];
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '-' || c == '_')
			out[o++] = (char)c;
		else if (c >= 'A' && c <= 'Z')
			out[o++] = (char)(c + 32);
		else
			o += (size_t)snprintf(out + o, cap - o, "%%%02X", c);
	}
	out[o] = '\0';
}

static dv_pzone *dv_pz_find(struct dv_persist *p, const uint8_t *origin)
{
	for (dv_pzone *pz = p->zones; pz; pz = pz->next)
		if (wire_name_equal(pz->lname, origin))
			return pz;
	return NULL;
}

/* Find or create the state object for an origin (wire). */
static dv_pzone *dv_pz_get(struct dv_persist *p, const uint8_t *origin)
{
	dv_pzone *pz = dv_pz_find(p, origin);
	char base[DV_ORIGINSTR * 3];

	if (pz)
		return pz;
	if (!(pz = calloc(1, sizeof(*pz))))
		return NULL;
	wire_name_lower(pz->lname, origin);
	if (wire_name_to_str(pz->lname, pz->origin, sizeof(pz->origin)) < 0) {
		free(pz);
		return NULL;
	}
	dv_persist_file_base(pz->origin, base, sizeof(base));
	snprintf(pz->snap, sizeof(pz->snap), "%s/%s.snap", p->dir, base);
	snprintf(pz->jnl, sizeof(pz->jnl), "%s/%s.jnl", p->dir, base);
	snprintf(pz->copy, sizeof(pz->copy), "%s/%s.file", p->dir, base);
	pz->fd = -1;
	pz->next = p->zones;
	p->zones = pz;
	return pz;
}

static void dv_pz_track(dv_pzone *pz, zone *z)
{
	if (z)
		zone_ref(z);
	zone_unref(pz->z);
	pz->z = z;
}

static void dv_pz_close(dv_pzone *pz)
{
	if (pz->fd >= 0)
		close(pz->fd);
	pz->fd = -1;
	pz->size = pz->synced = 0;
	pz->dirty = 0;
	pz->pend_len = 0;
}

/* Keep a copy of a record written but not yet synced. */
static int dv_pz_pend(dv_pzone *pz, const uint8_t *rec, size_t len)
{
	if (pz->pend_len + len > pz->pend_cap) {
		size_t cap = (pz->pend_len + len) * 2;
		uint8_t *n = realloc(pz->pend, cap);
		if (!n)
			return -1;
		pz->pend = n;
		pz->pend_cap = cap;
	}
	memcpy(pz->pend + pz->pend_len, rec, len);
	pz->pend_len += len;
	return 0;
}

/* ------------------------------------------------------------------ */
/* snapshots and journals                                             */
/* ------------------------------------------------------------------ */

/* Open the journal for appending, emptied (after a new snapshot). */
static int dv_pz_fresh_journal(struct dv_persist *p, dv_pzone *pz)
{
	dv_pz_close(pz);
	pz->fd = open(pz->jnl, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		      0600);
	if (pz->fd < 0 || ftruncate(pz->fd, 0) < 0 || fsync(pz->fd) < 0) {
		dv_pz_close(pz);
		return -1;
	}
	p->dir_dirty = 1;
	return 0;
}

/* The snapshot holds every change so far: nothing is pending. */
static void dv_pz_settled(dv_pzone *pz)
{
	pz->pend_len = 0;
	pz->dirty = 0;
	pz->synced = pz->size;
}

/* Write z as the snapshot, then start an empty journal. */
static int dv_pz_snapshot(dv_ctx *ctx, dv_pzone *pz, const zone *z)
{
	struct dv_persist *p = ctx->persist;
	char *text = NULL;
	size_t len = 0;

	if (dv_mkdirs(p->dir) < 0 || zone_to_text(z, &text, &len) < 0 ||
	    dv_write_atomic(pz->snap, text, len, 0600) < 0 ||
	    dv_pz_fresh_journal(p, pz) < 0) {
		dv_log(&ctx->lg, DV_LOG_ERR, "zone %s: cannot write %s: %s",
		       pz->origin, pz->snap, strerror(errno));
		free(text);
		pz->need_snap = 1;
		return -1;
	}
	free(text);
	pz->snap_size = (off_t)len;
	pz->need_snap = 0;
	dv_pz_settled(pz);
	return 0;
}

/* Remove the dynamic state of a zone (the zone file wins). */
static void dv_pz_reset(dv_ctx *ctx, dv_pzone *pz)
{
	dv_pz_close(pz);
	if ((unlink(pz->snap) < 0 && errno != ENOENT) ||
	    (unlink(pz->jnl) < 0 && errno != ENOENT))
		dv_log(&ctx->lg, DV_LOG_ERR, "zone %s: cannot remove dynamic "
		       "state: %s", pz->origin, strerror(errno));
	dv_fsync_dir(ctx->persist->dir);
	pz->need_snap = 0;
}

/* Append one framed record; on failure cut the journal back. */
static int dv_pz_append(dv_pzone *pz, const uint8_t *rec, size_t len)
{
	if (pz->fd < 0)
		return -1;
	if (dv_write_all(pz->fd, rec, len) < 0) {
		int e = errno;
		if (ftruncate(pz->fd, pz->size) < 0)
			dv_pz_close(pz);
		errno = e;
		return -1;
	}
	pz->size += (off_t)len;
	pz->dirty = 1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* the hooks net.c calls                                              */
/* ------------------------------------------------------------------ */

int dv_persist_changed(dv_ctx *ctx, const zone_effects *eff)
{
	dv_pzone *pz;

	if (!ctx->persist || !eff->changed)
		return -1;
	pz = dv_pz_get(ctx->persist, zone_origin(eff->changed));
	if (!pz)
		return -1;
	if (pz->z != eff->changed)
		dv_pz_track(pz, eff->changed);
	if (pz->fd < 0 || pz->need_snap) /* first change: snapshot it all */
		return dv_pz_snapshot(ctx, pz, eff->changed);
	if (dv_pz_append(pz, eff->journal, eff->journal_len) < 0) {
		dv_log(&ctx->lg, DV_LOG_ERR, "zone %s: journal %s: %s",
		       pz->origin, pz->jnl, strerror(errno));
		pz->need_snap = 1;
		return -1;
	}
	return 0;
}

/* zones/ calls this for every change an UPDATE makes (network or
 * local), before it answers: written here, synced by dv_persist_sync
 * before any reply goes out; -1 makes zones/ undo the change. */
static int dv_persist_hook(void *arg, zone *z, const uint8_t *rec,
			   size_t len)
{
	dv_ctx *ctx = arg;
	dv_pzone *pz;

	if (!ctx->persist || !(pz = dv_pz_get(ctx->persist, zone_origin(z))))
		return -1;
	if (pz->corrupt)
		return -1;
	if (pz->z != z)
		dv_pz_track(pz, z);
	if (pz->fd < 0 || pz->need_snap) { /* first change: snapshot it all */
		if (dv_pz_snapshot(ctx, pz, z) < 0)
			return -1;
		pz->notify = 1;
		return 0;
	}
	if (dv_pz_append(pz, rec, len) < 0) {
		dv_log(&ctx->lg, DV_LOG_ERR, "zone %s: journal %s: %s: change "
		       "refused (SERVFAIL)", pz->origin, pz->jnl,
		       strerror(errno));
		if (pz->fd < 0)
			pz->need_snap = 1;
		return -1;
	}
	if (dv_pz_pend(pz, rec, len) < 0) {
		/* cannot be undone later: cut it off now */
		if (ftruncate(pz->fd, pz->size - (off_t)len) < 0)
			dv_pz_close(pz);
		else
			pz->size -= (off_t)len;
		pz->need_snap = pz->fd < 0;
		return -1;
	}
	pz->notify = 1;
	return 0;
}

void dv_persist_attach(dv_ctx *ctx, zone_db *db)
{
	zone_db_set_journal(db, dv_persist_hook, ctx);
}

typedef struct dv_undo {
	zone_journal_rec rec[256];
	size_t n;
	int more;
} dv_undo;

static int dv_undo_collect(void *arg, const zone_journal_rec *r)
{
	dv_undo *u = arg;

	if (u->n == sizeof(u->rec) / sizeof(u->rec[0])) {
		u->more = 1;
		return 1;
	}
	u->rec[u->n++] = *r;
	return 0;
}

/* The sync failed: the changes since the last good sync are not durable.
 * Undo them in the zone (newest first) so that it serves, transfers and
 * NOTIFYs only the durable version, and cut the journal back to it. */
static void dv_pz_undo(dv_ctx *ctx, dv_pzone *pz)
{
	dv_undo u = { .n = 0 };
	size_t undone = 0;

	zone_journal_scan(pz->pend, pz->pend_len, dv_undo_collect, &u);
	while (pz->z && u.n > 0) {
		if (zone_journal_revert(pz->z, &u.rec[u.n - 1]) < 0)
			break;
		u.n--;
		undone++;
	}
	if (u.n > 0 || u.more) {
		/* cannot happen unless memory ran out: stop serving it */
		dv_log(&ctx->lg, DV_LOG_ERR, "zone %s: cannot undo changes "
		       "that are not durable: zone withdrawn (SERVFAIL) until "
		       "restart", pz->origin);
		if (pz->z)
			zone_set_unservable(pz->z, 1);
	}
	dv_log(&ctx->lg, DV_LOG_ERR, "zone %s: %zu change(s) not durable "
	       "were undone; serving serial %u", pz->origin, undone,
	       pz->z ? zone_serial(pz->z) : 0);
	pz->pend_len = 0;
	if (pz->fd >= 0 && ftruncate(pz->fd, pz->synced) == 0) {
		pz->size = pz->synced;
	} else {
		dv_pz_close(pz);
	}
	pz->need_snap = 1;     /* the file's state is not known: rewrite */
	pz->notify = 0;
}

/* After a sync: compact a journal that grew too large: past 4 MiB and
 * past the snapshot's own size, so that a big zone (a signed one keeps
 * every RRSIG in its snapshot) is not rewritten every few MiB of
 * changes: the rewrite costs in proportion to the journal it removes,
 * and the replay at start stays within about twice the snapshot. */
static void dv_pz_maybe_compact(dv_ctx *ctx, dv_pzone *pz)
{
	struct stat st;

	if (pz->size <= DV_JNL_MAX || !pz->z)
		return;
	if (pz->snap_size == 0 && stat(pz->snap, &st) == 0)
		pz->snap_size = st.st_size;
	if (pz->size <= pz->snap_size)
		return;
	if (dv_pz_snapshot(ctx, pz, pz->z) == 0)
		dv_log(&ctx->lg, DV_LOG_INFO, "zone %s: journal compacted "
		       "into %s (serial %u)", pz->origin, pz->snap,
		       zone_serial(pz->z));
}

int dv_persist_sync(dv_ctx *ctx)
{
	struct dv_persist *p = ctx->persist;
	int rc = 0;

	if (!p)
		return 0;
	if (p->dir_dirty && dv_fsync_dir(p->dir) == 0)
		p->dir_dirty = 0;
	for (dv_pzone *pz = p->zones; pz; pz = pz->next) {
		if (pz->dirty) {
			pz->dirty = 0;
			if (pz->fd < 0 || fdatasync(pz->fd) < 0) {
				dv_log(&ctx->lg, DV_LOG_ERR, "zone %s: journal "
				       "%s: fdatasync: %s", pz->origin,
				       pz->jnl, strerror(errno));
				dv_pz_undo(ctx, pz);
				rc = -1;
				continue;
			}
			pz->synced = pz->size;
			pz->pend_len = 0;
			dv_pz_maybe_compact(ctx, pz);
		}
		if (pz->notify) {  /* durable now: secondaries may see it */
			pz->notify = 0;
			dv_notify_zone(ctx, pz->z);
		}
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* start-up, reload, shutdown                                         */
/* ------------------------------------------------------------------ */

/* Read a whole file; 0, or -errno (-ENOENT when absent). */
static int dv_slurp(const char *path, uint8_t **buf, size_t *len)
{
	char *data = NULL;
	int rc = dv_read_file(NULL, path, &data, len);

	*buf = (uint8_t *)data;
	return rc;
}

typedef struct dv_replay {
	zone *z;
	int applied, stale, err;
} dv_replay;

static int dv_replay_rec(void *arg, const zone_journal_rec *r)
{
	dv_replay *rp = arg;
	int rc = zone_journal_apply(rp->z, r);

	if (rc == -ESTALE) {
		rp->stale++;
		return 0;
	}
	if (rc < 0) {
		rp->err = rc;
		return 1;
	}
	rp->applied++;
	return 0;
}

/* Valid records found after a damaged one: how many, highest serial. */
typedef struct dv_jafter {
	size_t n;
	uint32_t max;
	int have;
} dv_jafter;

static int dv_jafter_rec(void *arg, const zone_journal_rec *r)
{
	dv_jafter *j = arg;

	if (!j->have || zone_serial_newer(r->serial_to, j->max))
		j->max = r->serial_to;
	j->have = 1;
	j->n++;
	return 0;
}

static void dv_jafter_scan(const uint8_t *buf, size_t len, size_t pos,
			   dv_jafter *j)
{
	pos = zone_journal_next_valid(buf, len, pos);
	while (pos < len) {
		pos += zone_journal_scan(buf + pos, len - pos, dv_jafter_rec, j);
		pos = zone_journal_next_valid(buf, len, pos + 1);
	}
}

/* --journal-recover=ZONE names pz's zone. */
static int dv_recover_wanted(const dv_ctx *ctx, const dv_pzone *pz)
{
	uint8_t w[WIRE_MAXNAME];

	for (size_t i = 0; i < ctx->cfg.journal_recover.n; i++)
		if (wire_name_from_str(ctx->cfg.journal_recover.v[i], w) > 0 &&
		    wire_name_equal(w, pz->lname))
			return 1;
	return 0;
}

/* Keep a copy of the damaged journal beside it; 0 or -1 (logged). */
static int dv_pz_keep_damaged(dv_ctx *ctx, dv_pzone *pz, const char *path,
			      const uint8_t *buf, size_t len, char *aside,
			      size_t asidelen)
{
	snprintf(aside, asidelen, "%s.damaged-%llu", path,
		 (unsigned long long)dv_now_s());
	if (dv_write_atomic(aside, buf, len, 0600) == 0)
		return 0;
	dv_log(&ctx->lg, DV_LOG_ERR, "zone %s: cannot keep a copy of the "
	       "damaged %s as %s: %s", pz->origin, path, aside,
	       strerror(errno));
	return -1;
}

/*
 * The journal is damaged at offset bad and valid records follow: not a
 * torn tail.  Without --journal-recover the file stays as it is and the
 * zone is not served (1); a secondary's copy is kept aside and the zone
 * transferred again (1).  With it: the prefix already replayed into z
 * is kept, the serial set above every serial in the file, and a new
 * snapshot written after the damaged file was copied aside (0).
 */
static int dv_pz_damaged(dv_ctx *ctx, dv_pzone *pz, zone *z,
			 const uint8_t *buf, size_t len, size_t bad,
			 int applied)
{
	char aside[DV_FILEMAX + 40];
	dv_jafter j = { 0 };
	size_t next = zone_journal_next_valid(buf, len, bad + 1);
	uint32_t serial = zone_serial(z);

	dv_jafter_scan(buf, len, bad + 1, &j);
	dv_log(&ctx->lg, DV_LOG_ERR, "zone %s: journal %s is corrupt at "
	       "offset %zu: %zu damaged bytes before the next valid record "
	       "at offset %zu; %zu valid records after the damage (up to "
	       "serial %u) cannot be applied", pz->origin, pz->jnl, bad,
	       next - bad, next, j.n, j.max);
	if (pz->secondary) {
		if (dv_pz_keep_damaged(ctx, pz, pz->jnl, buf, len, aside,
				       sizeof(aside)) < 0)
			return -1;
		dv_log(&ctx->lg, DV_LOG_ERR, "zone %s: the damaged journal is "
		       "kept as %s; the zone is transferred again from its "
		       "primary", pz->origin, aside);
		return 1;
	}
	if (!dv_recover_wanted(ctx, pz)) {
		dv_log(&ctx->lg, DV_LOG_ERR, "zone %s: the journal is kept "
		       "unchanged and the zone is not served (SERVFAIL) until "
		       "the operator restarts with --journal-recover=%s",
		       pz->origin, pz->origin);
		pz->corrupt = 1;
		return 1;
	}
	if (dv_pz_keep_damaged(ctx, pz, pz->jnl, buf, len, aside, sizeof(aside)) < 0)
		return -1;
	if (j.have && zone_serial_newer(j.max, serial))
		serial = j.max;
	if (zone_force_serial(z, serial + 1) < 0 ||
	    dv_pz_snapshot(ctx, pz, z) < 0)
		return -1;
	dv_log(&ctx->lg, DV_LOG_WARN, "zone %s: journal recovered "
	       "(--journal-recover): %d records replayed up to offset %zu, "
	       "%zu after the damage dropped; the damaged file is kept as "
	       "%s; serial set to %u", pz->origin, applied, bad, j.n, aside,
	       zone_serial(z));
	return 0;
}

/* Replay the journal into z; cut a torn tail; keep the fd for appends.
 * 0, 1 (damaged: z must not be served), or -1 (errno). */
static int dv_pz_replay(dv_ctx *ctx, dv_pzone *pz, zone *z)
{
	dv_replay rp = { .z = z };
	uint8_t *buf = NULL;
	size_t len = 0, good;
	int rc = dv_slurp(pz->jnl, &buf, &len);

	if (rc < 0 && rc != -ENOENT) {
		errno = -rc;
		return -1;
	}
	good = zone_journal_scan(buf, len, dv_replay_rec, &rp);
	if (rp.err < 0) {
		free(buf);
		errno = -rp.err;
		return -1;
	}
	if (good < len && zone_journal_next_valid(buf, len, good + 1) < len) {
		rc = dv_pz_damaged(ctx, pz, z, buf, len, good, rp.applied);
		free(buf);
		return rc;
	}
	free(buf);
	pz->fd = open(pz->jnl, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		      0600);
	if (pz->fd < 0)
		return -1;
	if (good < len) {
		/* only an incomplete or bad record at the very end */
		dv_log(&ctx->lg, DV_LOG_WARN, "zone %s: journal %s: ignoring "
		       "a torn tail of %zu bytes at offset %zu", pz->origin,
		       pz->jnl, len - good, good);
		if (ftruncate(pz->fd, (off_t)good) < 0 || fsync(pz->fd) < 0)
			return -1;
	}
	pz->size = pz->synced = (off_t)good;
	dv_log(&ctx->lg, DV_LOG_INFO, "zone %s: %d journal records replayed "
	       "(%d stale), serial %u", pz->origin, rp.applied, rp.stale,
	       zone_serial(z));
	return 0;
}

/* Load <name>.snap and replay <name>.jnl; NULL if there is no state.
 * *fail: 1 the state cannot be read, 2 the journal is damaged, 3 the
 * snapshot is damaged (2, 3: the zone must not be served as it is). */
static zone *dv_pz_load(dv_ctx *ctx, dv_pzone *pz, int *fail)
{
	char zerr[512] = "", aside[DV_FILEMAX + 40], *text = NULL;
	size_t tlen = 0;
	zone *z;
	int rc;

	*fail = 0;
	rc = dv_read_file(NULL, pz->snap, &text, &tlen);
	if (rc == -ENOENT)
		return NULL;
	if (rc < 0) {
		dv_log(&ctx->lg, DV_LOG_ERR, "zone %s: snapshot %s: %s",
		       pz->origin, pz->snap, strerror(-rc));
		*fail = 1;
		return NULL;
	}
	z = zone_load_text(pz->origin, pz->snap, text, tlen, dv_read_file,
			   NULL, zerr, sizeof(zerr));
	if (!z) {
		/* we wrote it whole (atomic rename): damage, not a crash */
		dv_log(&ctx->lg, DV_LOG_ERR, "zone %s: snapshot %s is corrupt: "
		       "%s", pz->origin, pz->snap, zerr);
		*fail = 3;
		if (pz->secondary &&
		    dv_pz_keep_damaged(ctx, pz, pz->snap, (uint8_t *)text,
				       tlen, aside, sizeof(aside)) == 0)
			dv_log(&ctx->lg, DV_LOG_ERR, "zone %s: the damaged "
			       "snapshot is kept as %s; the zone is "
			       "transferred again from its primary",
			       pz->origin, aside);
		free(text);
		return NULL;
	}
	free(text);
	rc = dv_pz_replay(ctx, pz, z);
	if (rc != 0) {
		if (rc < 0)
			dv_log(&ctx->lg, DV_LOG_ERR, "zone %s: journal %s: %s",
			       pz->origin, pz->jnl, strerror(errno));
		dv_pz_close(pz);
		zone_unref(z);
		*fail = rc < 0 ? 1 : 2;
		return NULL;
	}
	return z;
}

/* The SOA serial on the first line of a snapshot we wrote ("ORIGIN TTL
 * IN SOA MNAME RNAME SERIAL ..."), if it can still be read. */
static int dv_snap_serial(const char *path, uint32_t *serial)
{
	char *text = NULL;
	size_t len = 0;
	unsigned long v;
	int n = 0;

	if (dv_read_file(NULL, path, &text, &len) < 0)
		return -1;
	n = sscanf(text, "%*s %*s %*s %*s %*s %*s %lu", &v);
	free(text);
	if (n != 1 || v > 0xffffffffUL)
		return -1;
	*serial = (uint32_t)v;
	return 0;
}

/* The highest serial of z's snapshot and journal that can still be
 * read, when above *serial; the damaged files are copied aside. */
static int dv_pz_salvage(dv_ctx *ctx, dv_pzone *pz, uint32_t *serial)
{
	char aside[DV_FILEMAX + 40];
	dv_jafter j = { 0 };
	uint8_t *buf = NULL;
	size_t len = 0;
	uint32_t s;
	int rc;

	if (dv_snap_serial(pz->snap, &s) == 0 && zone_serial_newer(s, *serial))
		*serial = s;
	if ((rc = dv_slurp(pz->snap, &buf, &len)) < 0 ||
	    dv_pz_keep_damaged(ctx, pz, pz->snap, buf, len, aside,
			       sizeof(aside)) < 0) {
		free(buf);
		return -1;
	}
	free(buf);
	buf = NULL;
	rc = dv_slurp(pz->jnl, &buf, &len);
	if (rc < 0 && rc != -ENOENT)
		return -1;
	if (rc == 0 && len > 0) {
		dv_jafter_scan(buf, len, 0, &j);
		if (dv_pz_keep_damaged(ctx, pz, pz->jnl, buf, len, aside,
				       sizeof(aside)) < 0) {
			free(buf);
			return -1;
		}
	}
	free(buf);
	if (j.have && zone_serial_newer(j.max, *serial))
		*serial = j.max;
	return 0;
}

/*
 * The snapshot cannot be loaded.  Without --journal-recover the state
 * is kept as it is and the zone is not served.  With it, the zone file
 * is served with a serial above every serial the damaged snapshot and
 * journal still show (secondaries that hold a later serial transfer
 * again) and becomes the new snapshot; the damaged files are kept.
 */
static int dv_pz_bad_snapshot(dv_ctx *ctx, dv_pzone *pz, zone *filez,
			      char *err, size_t errlen)
{
	uint32_t serial = zone_serial(filez);

	if (!dv_recover_wanted(ctx, pz)) {
		dv_log(&ctx->lg, DV_LOG_ERR, "zone %s: its state is kept "
		       "unchanged and the zone is not served (SERVFAIL) until "
		       "the operator restarts with --journal-recover=%s (the "
		       "zone file is then served with a new serial)",
		       pz->origin, pz->origin);
		zone_set_unservable(filez, 1);
		pz->corrupt = 1;
		dv_pz_track(pz, filez);
		return 0;
	}
	dv_pz_track(pz, filez);
	if (dv_pz_salvage(ctx, pz, &serial) < 0 ||
	    zone_force_serial(filez, serial + 1) < 0 ||
	    dv_pz_snapshot(ctx, pz, filez) < 0) {
		snprintf(err, errlen, "zone %s: --journal-recover failed (see "
			 "the log)", pz->origin);
		return -1;
	}
	dv_log(&ctx->lg, DV_LOG_WARN, "zone %s: recovered (--journal-recover)"
	       " from the zone file: the damaged snapshot and journal are "
	       "kept beside the new ones; serial set to %u", pz->origin,
	       zone_serial(filez));
	return 0;
}

/* Not a placeholder for a zone file that did not load (no SOA). */
static int dv_zone_loaded(const zone *z)
{
	uint32_t t[5];

	return zone_soa_timers(z, t) == 0;
}

/* ------------------------------------------------------------------ */
/* zone-file edits: IXFR from the difference                          */
/* ------------------------------------------------------------------ */

/* 1 when the copy's text is what filez would be saved as: the file was
 * not edited, and the copy need not be parsed (a second parse of a big
 * zone at every start and SIGHUP). */
static int dv_pz_copy_is(const zone *filez, const char *text, size_t len)
{
	char *ftext = NULL;
	size_t flen = 0;
	int same = zone_to_text(filez, &ftext, &flen) == 0 && flen == len &&
		   memcmp(ftext, text, len) == 0;

	free(ftext);
	return same;
}

/* The zone as the last loaded version of its file held it (<name>.file;
 * a new reference to filez itself when that is unchanged), or NULL when
 * there is none (or it cannot be read: logged; the file is then loaded
 * whole, as before). */
static zone *dv_pz_load_copy(dv_ctx *ctx, dv_pzone *pz, zone *filez)
{
	char *text = NULL, zerr[512] = "";
	size_t len = 0;
	zone *z;
	int rc = dv_read_file(NULL, pz->copy, &text, &len);

	if (rc == -ENOENT)
		return NULL;
	if (rc < 0) {
		dv_log(&ctx->lg, DV_LOG_WARN, "zone %s: cannot read %s: %s: "
		       "the zone file is loaded whole", pz->origin, pz->copy,
		       strerror(-rc));
		return NULL;
	}
	if (dv_pz_copy_is(filez, text, len)) {
		free(text);
		zone_ref(filez);
		return filez;
	}
	z = zone_load_text(pz->origin, pz->copy, text, len, NULL, NULL, zerr,
			   sizeof(zerr));
	free(text);
	if (!z)
		dv_log(&ctx->lg, DV_LOG_WARN, "zone %s: %s is damaged (%s): "
		       "the zone file is loaded whole", pz->origin, pz->copy,
		       zerr);
	return z;
}

/* Keep filez's data as the last loaded file's (written atomically). */
static void dv_pz_save_copy(dv_ctx *ctx, dv_pzone *pz, const zone *filez)
{
	char *text = NULL;
	size_t len = 0;

	if (dv_mkdirs(ctx->persist->dir) < 0 ||
	    zone_to_text(filez, &text, &len) < 0 ||
	    dv_write_atomic(pz->copy, text, len, 0600) < 0) {
		dv_log(&ctx->lg, DV_LOG_ERR, "zone %s: cannot write %s: %s: "
		       "the next zone-file edit is loaded whole", pz->origin,
		       pz->copy, strerror(errno));
		unlink(pz->copy);    /* a stale copy would mislead the diff */
	}
	free(text);
}

static int dv_rec_get(void *arg, const zone_journal_rec *r)
{
	*(zone_journal_rec *)arg = *r;
	return 0;
}

/*
 * Apply the edit's record to the running zone z and make it durable
 * before anything serves it: a snapshot of z as it is now when z has no
 * journal yet (so the record itself is journalled and IXFR from the
 * previous serial survives a restart), the record appended, fdatasync.
 * When it cannot be written the change is undone.  0 or -1 (logged).
 */
static int dv_pz_edit_commit(dv_ctx *ctx, dv_pzone *pz, zone *z,
			     const uint8_t *rec, size_t len)
{
	zone_journal_rec r;
	int e;

	if (pz->dirty)          /* earlier changes first: cut back alone */
		dv_persist_sync(ctx);
	dv_pz_track(pz, z);
	if ((pz->fd < 0 || pz->need_snap) && dv_pz_snapshot(ctx, pz, z) < 0)
		return -1;
	if (zone_journal_scan(rec, len, dv_rec_get, &r) != len ||
	    zone_journal_apply(z, &r) < 0) {
		dv_log(&ctx->lg, DV_LOG_ERR, "zone %s: the zone-file edit "
		       "cannot be applied", pz->origin);
		return -1;
	}
	if (dv_pz_append(pz, rec, len) == 0 && fdatasync(pz->fd) == 0 &&
	    (!ctx->persist->dir_dirty ||
	     dv_fsync_dir(ctx->persist->dir) == 0)) {
		ctx->persist->dir_dirty = 0;
		dv_pz_settled(pz);
		dv_pz_maybe_compact(ctx, pz);
		return 0;
	}
	e = errno;
	if (zone_journal_revert(z, &r) < 0)
		zone_set_unservable(z, 1);
	dv_log(&ctx->lg, DV_LOG_ERR, "zone %s: journal %s: %s: the zone-file "
	       "edit is not applied (serial %u kept; tried again on the next "
	       "SIGHUP)", pz->origin, pz->jnl, strerror(e), zone_serial(z));
	if (pz->fd >= 0 && ftruncate(pz->fd, pz->synced) == 0)
		pz->size = pz->synced;
	else
		dv_pz_close(pz);
	pz->dirty = 0;
	pz->need_snap = 1;
	return -1;
}

/*
 * The zone file changed since prevf was loaded from it: apply the
 * difference to the running zone z as one change (journal record, IXFR
 * step; the caller NOTIFYs), then keep filez as the last loaded file.
 * 1 z changed, 0 nothing to change, -1 failed (logged; z as before and
 * the copy kept, so the next SIGHUP tries again).
 */
static int dv_pz_edit(dv_ctx *ctx, dv_pzone *pz, zone *z, const zone *prevf,
		      const zone *filez)
{
	zone_fdiff_stats st;
	uint8_t *rec = NULL;
	size_t len = 0;
	int rc = zone_db_file_diff_record(ctx->db, z, prevf, filez,
					  dv_now_s(), &rec, &len, &st);

	if (rc < 0) {
		dv_log(&ctx->lg, DV_LOG_ERR, "zone %s: cannot compute the "
		       "zone-file difference: %s", pz->origin, strerror(-rc));
		return -1;
	}
	if (rc == 1 && dv_pz_edit_commit(ctx, pz, z, rec, len) < 0) {
		free(rec);
		return -1;
	}
	free(rec);
	if (st.serial_undefined) {
		/* the copy stays: once the serial is fixed, the whole edit
		 * is the difference again */
		dv_log(&ctx->lg, DV_LOG_WARN, "zone %s: the zone file's "
		       "serial %u is exactly 2^31 away from the running serial "
		       "%u (RFC 1982: undefined, not newer): the file is not "
		       "used, the running zone is kept; change the serial and "
		       "reload", pz->origin, zone_serial(filez),
		       st.serial_from);
		return 0;
	}
	if (rc == 1)
		dv_log(&ctx->lg, DV_LOG_INFO, "zone %s: zone file changed: "
		       "%u record(s) deleted, %u added%s, serial %u -> %u as "
		       "one IXFR step", pz->origin, st.del, st.add,
		       st.soa_changed ? ", SOA changed" : "", st.serial_from,
		       st.serial_to);
	else if (st.file_changed)
		dv_log(&ctx->lg, DV_LOG_INFO, "zone %s: zone file changed, "
		       "but the running zone holds every change already "
		       "(serial %u kept)", pz->origin, zone_serial(z));
	if (st.del_absent || st.add_present)
		dv_log(&ctx->lg, DV_LOG_WARN, "zone %s: zone-file edit: %u "
		       "deletion(s) of records the zone no longer holds and %u "
		       "addition(s) of records it already holds were skipped "
		       "(changed at run time; as Knot does)", pz->origin,
		       st.del_absent, st.add_present);
	if (st.add_conflict)
		dv_log(&ctx->lg, DV_LOG_WARN, "zone %s: zone-file edit: %u "
		       "addition(s) skipped: a CNAME and other data at one "
		       "name with records added at run time", pz->origin,
		       st.add_conflict);
	if (st.file_changed)
		dv_pz_save_copy(ctx, pz, filez);
	return rc;
}

/* Start-up with a copy of the last loaded file: the running zone is the
 * dynamic one, or (none) the last loaded file's; the edit since then is
 * applied to it.  Takes dz's and prevf's references. */
static int dv_pz_start_edit(dv_ctx *ctx, dv_pzone *pz, zone *dz,
			    zone *prevf, zone *filez, char *err,
			    size_t errlen)
{
	zone *run = dz ? dz : prevf;
	int rc = dv_pz_edit(ctx, pz, run, prevf, filez);

	if (!dz && rc == 0)
		run = filez;    /* the same data: serve the file's zone */
	if (run != filez && zone_db_replace_zone(ctx->db, run) < 0) {
		snprintf(err, errlen, "zone %s: cannot replace", pz->origin);
		rc = -2;
	}
	dv_pz_track(pz, run);
	zone_unref(prevf);
	zone_unref(dz);
	return rc == -2 ? -1 : 0;
}

/* Start-up without a copy of the last loaded file: the file wins when its
 * serial is not older than the dynamic zone's (dynamic history reset),
 * else the dynamic zone is served.  Takes dz's reference. */
static int dv_pz_start_whole(dv_ctx *ctx, dv_pzone *pz, zone *dz,
			     zone *filez, char *err, size_t errlen)
{
	if (!dz) {
		dv_pz_track(pz, filez);
		return 0;
	}
	if (zone_serial_undefined(zone_serial(dz), zone_serial(filez)))
		dv_log(&ctx->lg, DV_LOG_WARN, "zone %s: the zone file's "
		       "serial %u is exactly 2^31 away from the dynamic serial "
		       "%u (RFC 1982: undefined): serving the dynamic zone",
		       pz->origin, zone_serial(filez), zone_serial(dz));
	else if (!zone_serial_newer(zone_serial(dz), zone_serial(filez))) {
		dv_log(&ctx->lg, DV_LOG_WARN, "zone %s: the zone file's "
		       "serial %u is not older than the dynamic serial %u: "
		       "serving the file, dynamic history reset", pz->origin,
		       zone_serial(filez), zone_serial(dz));
		zone_unref(dz);
		dv_pz_reset(ctx, pz);
		dv_pz_track(pz, filez);
		return 0;
	}
	if (zone_db_replace_zone(ctx->db, dz) < 0) {
		zone_unref(dz);
		snprintf(err, errlen, "zone %s: cannot replace", pz->origin);
		return -1;
	}
	dv_pz_track(pz, dz);
	zone_unref(dz);
	return 0;
}

/* Choose between the zone file's zone (in the db) and the dynamic one;
 * with a copy of the last loaded file, apply the edit made since. */
static int dv_pz_start_ref(dv_ctx *ctx, dv_pzone *pz, zone *filez,
			   char *err, size_t errlen)
{
	int fail;
	zone *dz = dv_pz_load(ctx, pz, &fail), *prevf;

	if (fail == 3)
		return dv_pz_bad_snapshot(ctx, pz, filez, err, errlen);
	if (fail == 2) {         /* damaged journal: kept, not served */
		zone_set_unservable(filez, 1);
		dv_pz_track(pz, filez);
		return 0;
	}
	if (fail) {
		snprintf(err, errlen, "zone %s: cannot load the dynamic state "
			 "in %s (see the log)", pz->origin, ctx->persist->dir);
		return -1;
	}
	if ((prevf = dv_pz_load_copy(ctx, pz, filez)) != NULL)
		return dv_pz_start_edit(ctx, pz, dz, prevf, filez, err,
					errlen);
	if (dv_pz_start_whole(ctx, pz, dz, filez, err, errlen) < 0)
		return -1;
	dv_pz_save_copy(ctx, pz, filez);
	return 0;
}

/* filez is borrowed from the db, which drops it when the dynamic zone
 * replaces it: hold it meanwhile. */
static int dv_pz_start(dv_ctx *ctx, dv_pzone *pz, zone *filez, char *err,
		       size_t errlen)
{
	int rc;

	zone_ref(filez);
	rc = dv_pz_start_ref(ctx, pz, filez, err, errlen);
	zone_unref(filez);
	return rc;
}

/* The zone of a --zone, as the db knows it. */
static zone *dv_spec_zone(const dv_ctx *ctx, const dv_zone_spec *spec)
{
	char name[DV_ORIGINSTR];
	uint8_t wire[WIRE_MAXNAME];

	if (wire_name_from_str(spec->origin, wire) < 0 ||
	    wire_name_to_str(wire, name, sizeof(name)) < 0)
		return NULL;
	return zone_db_get_zone(ctx->db, name);
}

int dv_persist_open(dv_ctx *ctx, char *err, size_t errlen)
{
	struct dv_persist *p = calloc(1, sizeof(*p));
	const char *sd = ctx->cfg.state_dir;

	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(p->dir, sizeof(p->dir), "%s/zones", sd && *sd ? sd : ".");
	ctx->persist = p;
	for (size_t i = 0; i < ctx->cfg.zones.n; i++) {
		zone *z = dv_spec_zone(ctx, &ctx->cfg.zones.v[i]);
		dv_pzone *pz = z ? dv_pz_get(p, zone_origin(z)) : NULL;

		if (z && !pz) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		if (pz && !dv_zone_loaded(z))
			pz->pending = 1;  /* left alone until it loads */
		else if (pz && dv_pz_start(ctx, pz, z, err, errlen) < 0)
			return -1;
	}
	return 0;
}

/* A zone whose file loaded late (SIGHUP): open its state as at start. */
static void dv_pz_start_late(dv_ctx *ctx, dv_pzone *pz, zone *z)
{
	char err[512];

	pz->pending = 0;
	if (dv_pz_start(ctx, pz, z, err, sizeof(err)) < 0)
		dv_log(&ctx->lg, DV_LOG_ERR, "%s", err);
}

/* Reload without a copy of the last loaded file: keep the running zone
 * oz when its serial is newer than the file's (or 2^31 away: RFC 1982
 * leaves that undefined), else the file wins and the dynamic history is
 * reset.  Then filez is the last loaded file. */
static void dv_pz_reload_whole(dv_ctx *ctx, dv_pzone *pz, zone *oz,
			       zone *filez)
{
	int undef = oz && zone_serial_undefined(zone_serial(oz),
						zone_serial(filez));

	if (undef || (oz && zone_serial_newer(zone_serial(oz),
					      zone_serial(filez)))) {
		dv_log(&ctx->lg, undef ? DV_LOG_WARN : DV_LOG_INFO, "zone %s: "
		       "keeping the running zone (serial %u, %s the file's "
		       "%u)", pz->origin, zone_serial(oz), undef ?
		       "exactly 2^31 away from (RFC 1982: undefined)" :
		       "newer than", zone_serial(filez));
		if (zone_db_replace_zone(ctx->db, oz) < 0)
			dv_log(&ctx->lg, DV_LOG_ERR, "zone %s: cannot keep the "
			       "running zone", pz->origin);
	} else {
		if (pz->fd >= 0 || access(pz->snap, F_OK) == 0) {
			dv_log(&ctx->lg, DV_LOG_WARN, "zone %s: reloaded "
			       "from the zone file (serial %u): dynamic "
			       "history reset", pz->origin,
			       zone_serial(filez));
			dv_pz_reset(ctx, pz);
		}
		dv_pz_track(pz, filez);
	}
	dv_pz_save_copy(ctx, pz, filez);
}

/* SIGHUP loaded filez for pz's zone (it is in the db now).  With a copy
 * of the last loaded file the edit is applied to the running zone, which
 * stays in the db; without one, dv_pz_reload_whole. */
static void dv_pz_reload_one(dv_ctx *ctx, dv_pzone *pz, zone *filez)
{
	zone *oz = pz->z && dv_zone_loaded(pz->z) ? pz->z : NULL, *prevf;

	if (!oz || !(prevf = dv_pz_load_copy(ctx, pz, filez))) {
		dv_pz_reload_whole(ctx, pz, oz, filez);
		return;
	}
	dv_pz_edit(ctx, pz, oz, prevf, filez);
	zone_unref(prevf);
	if (zone_db_replace_zone(ctx->db, oz) < 0)
		dv_log(&ctx->lg, DV_LOG_ERR, "zone %s: cannot keep the "
		       "running zone", pz->origin);
}

void dv_persist_reload(dv_ctx *ctx)
{
	struct dv_persist *p = ctx->persist;

	if (!p)
		return;
	for (size_t i = 0; i < ctx->cfg.zones.n; i++) {
		zone *z = dv_spec_zone(ctx, &ctx->cfg.zones.v[i]);
		dv_pzone *pz = z ? dv_pz_get(p, zone_origin(z)) : NULL;

		if (!pz || pz->z == z || !dv_zone_loaded(z))
			continue;
		if (pz->pending) {
			dv_pz_start_late(ctx, pz, z);
			continue;
		}
		if (pz->corrupt) {      /* kept for the operator, not served */
			zone_set_unservable(z, 1);
			dv_pz_track(pz, z);
			continue;
		}
		zone_ref(z);    /* the db drops it if oz is kept */
		dv_pz_reload_one(ctx, pz, z);
		zone_unref(z);
	}
}

int dv_persist_store_zone(dv_ctx *ctx, zone *z)
{
	dv_pzone *pz;

	if (!ctx->persist || !(pz = dv_pz_get(ctx->persist, zone_origin(z))))
		return -1;
	dv_pz_track(pz, z);
	return dv_pz_snapshot(ctx, pz, z);
}

zone *dv_persist_load_zone(dv_ctx *ctx, const char *origin)
{
	uint8_t wire[WIRE_MAXNAME];
	dv_pzone *pz;
	zone *z;
	int fail;

	if (!ctx->persist || wire_name_from_str(origin, wire) < 0 ||
	    !(pz = dv_pz_get(ctx->persist, wire)))
		return NULL;
	pz->secondary = 1;
	z = dv_pz_load(ctx, pz, &fail);
	if (z)
		dv_pz_track(pz, z);
	return z;
}

void dv_persist_close(dv_ctx *ctx)
{
	struct dv_persist *p = ctx->persist;

	if (!p)
		return;
	dv_persist_sync(ctx);
	while (p->zones) {
		dv_pzone *pz = p->zones;
		p->zones = pz->next;
		dv_pz_close(pz);
		zone_unref(pz->z);
		free(pz->pend);
		free(pz);
	}
	free(p);
	ctx->persist = NULL;
}
