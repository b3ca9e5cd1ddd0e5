/*
 * dnsvizor/dhcpd.h — the DHCPv4 server in the event loop: sockets,
 * interfaces (libnl), the lease journal with group commit, the dnsmasq
 * lease file export, timers, and name events into the zones (leasedns.c).
 * The protocol itself is the sans-IO engine in dhcp/.
 *
 * Nothing happens without a --dhcp-range: ctx->dhcpd stays NULL and port
 * 67 is not opened.
 *
 * Files: <state-dir>/dhcp/leases.jnl holds framed lease records
 * (dhcp_lease_encode): a snapshot written at start-up and on compaction
 * (tmp + fsync + rename + directory fsync), followed by appended records.
 * All records produced while handling one read callback's packets share
 * one fdatasync, and ACKs (tx->durable) go out only after it succeeded;
 * a failed append is cut back to whole records.  A journal damaged other
 * than at its tail is replayed record by record around the damage, kept
 * as leases.jnl.corrupt-UNIXTIME and reported; then for the longest
 * lease time (until the time in <state-dir>/dhcp/leases.unsure) unknown
 * addresses are checked with ping before they are offered (dhcpping.h).
 */
#ifndef DV_DHCPD_H
#define DV_DHCPD_H

#include <stddef.h>
#include "dnsvizor/ctx.h"

/* Before the privilege drop: sockets (UDP port 67, a send-only packet
 * socket, an ICMP socket if one can be had) and the netlink interface
 * cache.  0 (also when DHCP is not
 * configured) or -1 + err. */
int dv_dhcpd_open(dv_ctx *ctx, char *err, size_t errlen);
/* Warn about each --dhcp-range on no interface's IPv4 subnet (it can
 * never hand out an address); by --test and at start. */
void dv_dhcpd_check_subnets(dv_ctx *ctx);
/* After dv_persist_open, before dv_notify_init: the --domain zone and
 * the reverse zones of the ranges (dv_leasedns_open).  0 or -1 + err. */
int dv_dhcpd_zones(dv_ctx *ctx, char *err, size_t errlen);
/* After the drop and dv_notify_init, with the event base: journal
 * replay and compaction, engine, lease names, events.  0 or -1 + err. */
int dv_dhcpd_start(dv_ctx *ctx, char *err, size_t errlen);
/* After SIGHUP swapped ctx->cfg and ctx->db: a new engine built from the
 * new options that keeps every lease; names are put into the new db. */
void dv_dhcpd_reload(dv_ctx *ctx);
/* SIGUSR1: per --dhcp-range how many addresses are leased (to the log). */
void dv_dhcpd_dump_stats(dv_ctx *ctx);
/* Shutdown: journal synced, lease file written, everything freed. */
void dv_dhcpd_stop(dv_ctx *ctx);

#endif
