/*
 * dnsvizor/leasedns.h — DHCP lease names into the authoritative zones.
 *
 * The --domain zone and the reverse zone of every DHCP range are zones
 * dnsvizor is authoritative for (a --zone for that name is used as is,
 * otherwise one is synthesized with SOA and NS).  A lease's name becomes
 * an A record at NAME.DOMAIN and a PTR in the reverse zone; the changes
 * go through the same mutation path as a dynamic UPDATE (journal, IXFR
 * history, NOTIFY to secondaries).
 */
#ifndef DV_LEASEDNS_H
#define DV_LEASEDNS_H

#include <stddef.h>
#include <stdint.h>
#include "dnsvizor/ctx.h"

struct dhcp_range;  /* from dhcp/dhcp.h */

/* At start (and after SIGHUP reload): make sure the --domain zone and the
 * reverse zone of every DHCP range exist in ctx->db (a --zone for that
 * name is used as is; otherwise one is synthesized: SOA + NS naming this
 * server, serial, kept in the state dir with a journal like any zone).
 * -1 with err. */
int dv_leasedns_open(dv_ctx *ctx, const struct dhcp_range *ranges,
		     size_t nranges, char *err, size_t errlen);

/* label now maps to addr (host order): A label.DOMAIN and PTR in the
 * reverse zone, TTL min(ttl, ...); applied through the same zone mutation
 * path as a dynamic UPDATE (journal, IXFR history, NOTIFY to
 * secondaries).  0 applied; -EEXIST: the name holds data not from a
 * lease (static data wins, nothing changed); -ENOENT: no --domain / no
 * zone covers the address. */
int dv_leasedns_add(dv_ctx *ctx, const char *label, uint32_t addr,
		    uint32_t ttl);
int dv_leasedns_del(dv_ctx *ctx, const char *label, uint32_t addr);
void dv_leasedns_close(dv_ctx *ctx);
/* After the names of the restored leases were added (start-up, after a
 * reload): names an earlier lease wrote (one A, PTR back to it, nothing
 * static) that no lease holds now (expired while dnsvizor was down, or
 * the lease journal is gone) are removed with their PTR. */
void dv_leasedns_restored(dv_ctx *ctx);

#endif
