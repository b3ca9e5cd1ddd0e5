/*
 * dnsvizor/dhcpping.h — "is this address in use?" for the DHCP server:
 * one ICMP echo request per address, a reply within DV_PING_MS means in
 * use, silence means free.  Used only in the window after leases were
 * lost (dhcp_set_unsure): the engine returns DHCP_PROBE, dhcpd.c starts
 * a check here with the request it must answer later, and gets both
 * back in the done callback.
 *
 * At most DV_PING_MAX checks are outstanding, one per address; a start
 * beyond that fails and the caller drops its request (clients retry).
 * The socket is a raw ICMP socket (opened before the privilege drop,
 * filtered to echo replies), else an unprivileged ping socket.
 */
#ifndef DV_DHCPPING_H
#define DV_DHCPPING_H

#include <stddef.h>
#include <stdint.h>

struct event_base;

enum {
	DV_PING_MAX = 32,
	DV_PING_MS = 700,             /* wait this long for a reply */
	DV_PING_DATA = 2560,          /* caller's data kept per check */
};

typedef struct dv_ping dv_ping;
/* addr answered (in_use) or not; data as given to dv_ping_start, valid
 * during the call only. */
typedef void (*dv_ping_done)(void *arg, uint32_t addr, int in_use,
			     const void *data, size_t len);

/* Before the privilege drop: the socket, or -1 (errno). */
int dv_ping_socket(void);
/* Takes fd (closed by dv_ping_free).  NULL on out of memory. */
dv_ping *dv_ping_new(struct event_base *base, int fd, dv_ping_done cb,
		     void *arg);
/* Check addr (host order).  0 started; -1 when addr is being checked
 * already, all slots are taken, or len is too large. */
int dv_ping_start(dv_ping *p, uint32_t addr, const void *data, size_t len);
void dv_ping_free(dv_ping *p);

#endif
