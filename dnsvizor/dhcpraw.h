/*
 * dnsvizor/dhcpraw.h — raw IPv4 for the DHCP server (dhcpraw.c).
 */
#ifndef DV_DHCPRAW_H
#define DV_DHCPRAW_H

#include <stddef.h>
#include <stdint.h>

#include "dhcp/dhcp.h"

/* UDP port 67 on every address (broadcast, IP_PKTINFO); a packet socket
 * that only sends.  The fd, or -1 with the reason in err. */
int dv_dhcp_udp67(char *err, size_t errlen);
int dv_dhcp_packet_socket(char *err, size_t errlen);
/* The Internet checksum: add p[0..len) to sum (big-endian 16-bit words),
 * then fold and complement. */
uint32_t dv_csum_add(uint32_t sum, const uint8_t *p, size_t len);
uint16_t dv_csum_fold(uint32_t sum);
/* Send the reply tx: as an IPv4+UDP frame to tx->chaddr on the packet
 * socket pfd, or over the UDP socket fd.  Bytes sent or -1 (errno). */
int dv_dhcp_send_link(int pfd, const dhcp_tx *tx);
int dv_dhcp_send_udp(int fd, const dhcp_tx *tx);

#endif
