/*
 * dhcp/ internals shared by packet.c (codec), server.c (state machine and
 * lease table), config.c (option table, parsers) and journal.c (records).
 * Not part of the API: only the .c files of dhcp/ include it.
 */
#ifndef DV_DHCP_INT_H
#define DV_DHCP_INT_H

#include "dhcp/dhcp.h"

enum {
	DHCP_HDR_LEN = 236,          /* fixed BOOTP header */
	DHCP_OPT_OFF = 240,          /* after the magic cookie */
	DHCP_RX_MAX = 8192,          /* larger requests are dropped */
	DHCP_MIN_MSG = 576,          /* RFC 2131: every client takes 576 */
	DHCP_IPUDP = 28,             /* IPv4 + UDP headers in option 57 */
};

enum {	/* message types (option 53) */
	DHCPDISCOVER = 1, DHCPOFFER, DHCPREQUEST, DHCPDECLINE, DHCPACK,
	DHCPNAK, DHCPRELEASE, DHCPINFORM,
};

enum {	/* option codes the engine itself uses */
	O_PAD = 0, O_MASK = 1, O_ROUTER = 3, O_DNS = 6, O_HOSTNAME = 12,
	O_DOMAIN = 15, O_BCAST = 28, O_REQADDR = 50, O_LEASE = 51,
	O_OVERLOAD = 52, O_MSGTYPE = 53, O_SERVERID = 54, O_PRL = 55,
	O_MESSAGE = 56, O_MAXSIZE = 57, O_T1 = 58, O_T2 = 59,
	O_CLIENTID = 61, O_RAPID = 80, O_FQDN = 81, O_AGENT = 82,
	O_END = 255,
};

/* A parsed request: the fixed header plus every option, repeated
 * instances concatenated (RFC 3396) into buf. */
typedef struct dhcp_msg {
	uint8_t op, htype, hlen, hops;
	uint32_t xid;
	uint16_t secs, flags;
	uint32_t ciaddr, yiaddr, siaddr, giaddr;
	uint8_t chaddr[16];
	uint16_t off[256], len[256];  /* into buf */
	uint8_t has[256];
	uint8_t buf[DHCP_RX_MAX];
} dhcp_msg;

/* 0 ok, -1 malformed. */
int dhcp_msg_parse(const uint8_t *pkt, size_t len, dhcp_msg *m);
/* Option value helpers: 0 when absent or of the wrong size. */
uint32_t dhcp_msg_u32(const dhcp_msg *m, int code);
int dhcp_msg_u8(const dhcp_msg *m, int code);

/* A reply being built into a tx buffer, never past max. */
typedef struct dhcp_wbuf {
	uint8_t *p;
	size_t len, max;
} dhcp_wbuf;

void dhcp_w_header(dhcp_wbuf *w, const dhcp_msg *m, uint8_t *buf,
		   size_t max);
/* Append option code with len bytes (split into 255-byte pieces, RFC
 * 3396).  -1 (nothing written) if it does not fit in max - reserve. */
int dhcp_w_opt(dhcp_wbuf *w, uint8_t code, const void *data, size_t len,
	       size_t reserve);
size_t dhcp_w_optsize(size_t len);
void dhcp_w_end(dhcp_wbuf *w);

static inline uint32_t dhcp_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}
static inline void dhcp_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

/* Option value kinds (config.c's table of dnsmasq option names). */
typedef enum dhcp_otype {
	OT_HEX = 0, OT_ADDR, OT_STR, OT_U8, OT_U16, OT_U32, OT_BOOL,
	OT_DNAMES, OT_ROUTES, OT_ADDR1,
} dhcp_otype;
dhcp_otype dhcp_opt_type(int code);

/* Lease time text ("12h", "45m", "3600", "infinite"): 0 ok. */
int dhcp_parse_time(const char *s, uint32_t *secs);

/* journal.c: one record from p (its length, 0 if torn or corrupt). */
size_t dhcp_lease_decode(const uint8_t *p, size_t len, dhcp_lease *l);
uint32_t dhcp_crc32c(const uint8_t *p, size_t n);

#endif
