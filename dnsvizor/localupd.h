/*
 * dnsvizor/localupd.h — dnsvizor's own changes to its zones (localupd.c).
 */
#ifndef DV_LOCALUPD_H
#define DV_LOCALUPD_H

#include "dnsvizor/ctx.h"

/* --- localupd.c: changes dnsvizor makes to its own zones (DHCP lease
 * names, ACME TXT/TLSA records) as an UPDATE run through the zones'
 * update code, journaled and NOTIFYed like one from the network --- */
enum { DV_LUPD_MAX = 16384 };      /* one message (TLSA chains fit) */
typedef struct dv_lupd {
	wire_writer w;
	uint8_t buf[DV_LUPD_MAX];
	uint16_t n;                /* RRs in the update section */
	int bad;                   /* too big: apply refuses it */
} dv_lupd;
void dv_lupd_start(dv_lupd *u, const uint8_t *zone_lname);
void dv_lupd_rr(dv_lupd *u, const uint8_t *owner, uint16_t type,
		uint16_t rclass, uint32_t ttl, const uint8_t *rd, size_t rdlen);
/* Apply u (nothing when it is empty); what names it in log lines.  The
 * journal record is written, not synced: the caller syncs or relies on
 * its group commit.  0, or -EIO (logged). */
int dv_lupd_apply(dv_ctx *ctx, dv_lupd *u, const char *what);

#endif
