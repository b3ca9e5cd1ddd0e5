/*
 * Changes dnsvizor makes to its own zones (DHCP lease names, ACME
 * challenge TXT and TLSA records): an RFC 2136 UPDATE message built here
 * and run through the zones' update code (zone_db_update_local), then
 * journaled and NOTIFYed exactly like an UPDATE from the network.
 */
#include <errno.h>
#include <time.h>

#include "dnsvizor/clock.h"
#include "dnsvizor/localupd.h"

void dv_lupd_start(dv_lupd *u, const uint8_t *zone_lname)
{
	static const uint8_t hdr[WIRE_HDRLEN] = {
		0, 0, DNS_OP_UPDATE << 3, 0, 0, 1, 0, 0, 0, 0, 0, 0,
	};

	wire_writer_init(&u->w, u->buf, sizeof(u->buf), sizeof(u->buf));
	u->n = 0;
	u->bad = wire_write(&u->w, hdr, sizeof(hdr)) < 0 ||
		 wire_write_name(&u->w, zone_lname, 1) < 0 ||
		 wire_write16(&u->w, DNS_T_SOA) < 0 ||
		 wire_write16(&u->w, DNS_C_IN) < 0;
}

void dv_lupd_rr(dv_lupd *u, const uint8_t *owner, uint16_t type,
		uint16_t rclass, uint32_t ttl, const uint8_t *rd, size_t rdlen)
{
	if (u->bad || rdlen > 65535 ||
	    wire_write_rr(&u->w, owner, type, rclass, ttl, rd,
			  (uint16_t)rdlen, NULL) < 0) {
		u->bad = 1;
		return;
	}
	u->n++;
}

int dv_lupd_apply(dv_ctx *ctx, dv_lupd *u, const char *what)
{
	zone_effects eff;
	int rc;

	if (u->bad) {
		dv_log(&ctx->lg, DV_LOG_ERR, "%s: update message too big",
		       what);
		return -EIO;
	}
	if (u->n == 0)
		return 0;
	wire_put16(u->buf + 8, u->n);
	rc = zone_db_update_local(ctx->db, u->buf, u->w.len,
				  dv_now_s(), &eff);
	if (rc != DNS_R_NOERROR) {
		dv_log(&ctx->lg, DV_LOG_ERR, "%s: update failed (rcode %d)",
		       what, rc);
		return -EIO;
	}
	/* journaled by persist.c's hook (a write that failed was undone
	 * and is the SERVFAIL above); durable and NOTIFYed at the next
	 * dv_persist_sync */
	return 0;
}
