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

/* ---- server.c's state, shared with reply.c ---- */

enum { E_FREE = DHCP_L_FREE, E_ACTIVE = DHCP_L_ACTIVE,
       E_DECLINED = DHCP_L_DECLINED, E_HOLD = 3 };
enum { NAME_TTL_MAX = 3600, DEFAULT_LEASE = 3600 };

typedef struct dhcp_ckey {
	uint8_t len;
	uint8_t b[1 + DHCP_CLIENTID_MAX];
} dhcp_ckey;

typedef struct dhcp_ent {
	dhcp_lease l;
	uint8_t st, used;
	uint32_t hc;                 /* client key hash */
	int32_t next_a, next_c;      /* hash chains; next free */
	int32_t next_n;              /* name chain (active, named) */
	uint32_t hn;
	uint8_t in_n;
	uint8_t probed;              /* quarantined: answered an echo */
	uint64_t hold_until;
} dhcp_ent;

/* Addresses an echo found unused, offered without another check. */
enum { DHCP_POK = 32 };
typedef struct dhcp_pok {
	uint32_t addr;
	uint64_t until;
} dhcp_pok;

/* The engine (dhcp_ctx of dhcp.h). */
struct dhcp_ctx {
	dhcp_cfg cfg;
	dhcp_range *ranges;
	dhcp_host *hosts;
	dhcp_opt *opts;
	char domain[256];
	dhcp_ent *e;
	uint32_t ne, cap;
	int32_t freel;
	int32_t *ba, *bc, *bn;        /* by address, client, name */
	uint32_t nb;
	uint32_t nactive, nhold;
	dhcp_event *ev;
	size_t evhead, evn, evcap, nlease_ev;
	uint64_t timer_min;
	uint64_t unsure_until;        /* dhcp_set_unsure */
	dhcp_pok pok[DHCP_POK];
	unsigned pok_next;
	dhcp_stats st;
	dhcp_msg msg;
};

/* The subnet a request belongs to (receiving interface, or giaddr). */
typedef struct dhcp_link {
	uint32_t net, mask, router;
	const dhcp_range *r0;        /* first range on it */
} dhcp_link;

typedef struct dhcp_req {
	const dhcp_rx *rx;
	const dhcp_msg *m;
	dhcp_link lk;
	dhcp_ckey k;
	const dhcp_host *h;
	uint64_t now;
	/* the answer */
	int type;
	uint32_t addr, secs;
	char name[DHCP_NAME_MAX + 1];
	int rapid;
	uint32_t probe;              /* DHCP_PROBE this address first */
	const char *msg;             /* NAK text */
} dhcp_req;

/* reply.c: the reply to q in tx, and where it goes; the largest reply
 * payload the client takes (option 57); room for the 61/82 echoes. */
size_t dhcp_max_payload(const dhcp_msg *m);
size_t dhcp_echo_size(const dhcp_msg *m);
void dhcp_reply_build(const dhcp_ctx *d, const dhcp_req *q,
		      dhcp_tx *tx);
void dhcp_reply_route(const dhcp_req *q, dhcp_tx *tx);

/* journal.c: one record from p (its length, 0 if torn or corrupt). */
size_t dhcp_lease_decode(const uint8_t *p, size_t len, dhcp_lease *l);
uint32_t dhcp_crc32c(const uint8_t *p, size_t n);

#endif
