/*
 * Raw IPv4 for the DHCP server (dhcpd.c, dhcpping.c): the sockets, the
 * Internet checksum (RFC 1071), and a reply sent either over UDP port 67
 * with IP_PKTINFO or, to a client without an address yet, as a link
 * frame straight to its hardware address (no ARP entry needed).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/in.h>

#include "dnsvizor/dhcpraw.h"

/* sockets                                                            */
/* ------------------------------------------------------------------ */

int dv_dhcp_udp67(char *err, size_t errlen)
{
	struct sockaddr_in sin;
	int fd, on = 1;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on)) < 0)
		goto fail;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(DHCP_SERVER_PORT);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		goto fail;
	return fd;
fail:
	snprintf(err, errlen, "dhcp: cannot open UDP port 67: %s",
		 strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

/* Send-only: protocol 0 receives nothing. */
int dv_dhcp_packet_socket(char *err, size_t errlen)
{
	int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			0);

	if (fd < 0)
		snprintf(err, errlen, "dhcp: cannot open a packet socket: %s",
			 strerror(errno));
	return fd;
}

uint32_t dv_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	return sum;
}

uint16_t dv_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void dv_put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void dv_put32(uint8_t *p, uint32_t v)
{
	dv_put16(p, v >> 16);
	dv_put16(p + 2, v);
}

/* IPv4 + UDP around tx->buf, straight to chaddr (no ARP needed). */
int dv_dhcp_send_link(int pfd, const dhcp_tx *tx)
{
	uint8_t pkt[28 + DHCP_PKT_MAX], ph[12];
	struct sockaddr_ll sll;
	size_t ulen = 8 + tx->len;
	uint32_t sum;

	memset(pkt, 0, 28);
	pkt[0] = 0x45;
	dv_put16(pkt + 2, (uint32_t)(20 + ulen));
	pkt[8] = 64;
	pkt[9] = IPPROTO_UDP;
	dv_put32(pkt + 12, tx->src_addr);
	dv_put32(pkt + 16, tx->dst_addr);
	dv_put16(pkt + 10, dv_csum_fold(dv_csum_add(0, pkt, 20)));
	dv_put16(pkt + 20, DHCP_SERVER_PORT);
	dv_put16(pkt + 22, tx->dst_port);
	dv_put16(pkt + 24, (uint32_t)ulen);
	memcpy(pkt + 28, tx->buf, tx->len);
	memcpy(ph, pkt + 12, 8);
	ph[8] = 0;
	ph[9] = IPPROTO_UDP;
	dv_put16(ph + 10, (uint32_t)ulen);
	sum = dv_csum_add(dv_csum_add(0, ph, 12), pkt + 20, ulen);
	sum = dv_csum_fold(sum);
	dv_put16(pkt + 26, sum ? sum : 0xffff);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_IP);
	sll.sll_ifindex = tx->ifindex;
	sll.sll_halen = 6;
	memcpy(sll.sll_addr, tx->chaddr, 6);
	return (int)sendto(pfd, pkt, 20 + ulen, 0,
			   (struct sockaddr *)&sll, sizeof(sll));
}

int dv_dhcp_send_udp(int fd, const dhcp_tx *tx)
{
	_Alignas(struct cmsghdr) uint8_t cb[CMSG_SPACE(
		sizeof(struct in_pktinfo))];
	struct sockaddr_in to;
	struct in_pktinfo pi;
	struct iovec iov = { (void *)tx->buf, tx->len };
	struct msghdr m;
	struct cmsghdr *c;

	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_addr.s_addr = htonl(tx->dst_addr);
	to.sin_port = htons(tx->dst_port);
	memset(&m, 0, sizeof(m));
	memset(cb, 0, sizeof(cb));
	m.msg_name = &to;
	m.msg_namelen = sizeof(to);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = cb;
	m.msg_controllen = sizeof(cb);
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = IPPROTO_IP;
	c->cmsg_type = IP_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof(pi));
	memset(&pi, 0, sizeof(pi));
	/* a relay is routed; a broadcast leaves on the client's link */
	pi.ipi_ifindex = tx->dst_port == DHCP_SERVER_PORT ? 0 : tx->ifindex;
	pi.ipi_spec_dst.s_addr = htonl(tx->src_addr);
	memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	return (int)sendmsg(fd, &m, MSG_DONTWAIT);
}
