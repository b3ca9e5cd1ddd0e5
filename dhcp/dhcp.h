/*
 * dhcp/ — DHCPv4 server engine (RFC 2131, 2132, 3046, 3442, 4039, 4702,
 * 6842): packet codec, options, lease allocation, lease records.  Knows
 * nothing about DNS: it reports "this name now maps to this address" (and
 * back) as events.  Sans-IO: the shell feeds received packets and the
 * time in, and carries out what the engine hands back (packets to send,
 * lease records to make durable, name events).  It never calls socket,
 * file, clock or random functions (random bytes come from cfg.random).
 *
 * Addresses are IPv4 in host byte order (uint32_t).  Times are wall-clock
 * milliseconds (CLOCK_REALTIME): lease expiry must survive a restart.
 *
 * Durability (DESIGN.md): a DHCPACK is sent only after its lease record is
 * on disk.  dhcp_input returns a packet with tx->durable set when lease
 * records were queued for it (DHCP_EV_LEASE events): the shell appends
 * every queued record to its journal, fdatasyncs once for the whole loop
 * turn, and only then sends the packets marked durable.
 */
#ifndef DV_DHCP_H
#define DV_DHCP_H

#include <stddef.h>
#include <stdint.h>

typedef struct dhcp_ctx dhcp_ctx;

enum {
	DHCP_NAME_MAX = 63,          /* one DNS label */
	DHCP_CLIENTID_MAX = 64,
	DHCP_PKT_MAX = 1500,         /* largest reply we build */
	DHCP_SERVER_PORT = 67, DHCP_CLIENT_PORT = 68,
};

/* --dhcp-range=START,END[,NETMASK][,LEASETIME] or START,static[,...] */
typedef struct dhcp_range {
	uint32_t start, end;         /* end == start for "static" */
	uint32_t netmask;            /* 0: the interface's */
	uint32_t lease_secs;         /* 0: default 3600; UINT32_MAX: infinite */
	uint8_t is_static;           /* only --dhcp-host addresses */
} dhcp_range;

/* --dhcp-host=[MAC|id:CLIENTID],[ADDR],[NAME],[LEASETIME],[ignore] */
typedef struct dhcp_host {
	uint8_t has_mac;
	uint8_t mac[6];
	uint8_t idlen;               /* client identifier (option 61) */
	uint8_t client_id[DHCP_CLIENTID_MAX];
	uint32_t addr;               /* 0: none */
	char name[DHCP_NAME_MAX + 1];/* "" none */
	uint32_t lease_secs;         /* 0: the range's */
	uint8_t ignore;
} dhcp_host;

/* One option value, already in wire form (dhcp_option_parse). */
typedef struct dhcp_opt {
	uint8_t code;
	uint8_t force;               /* send even if not requested */
	uint16_t len;                /* > 255 is split (RFC 3396) */
	uint8_t data[1024];
} dhcp_opt;

typedef struct dhcp_cfg {
	const dhcp_range *ranges;
	size_t nranges;
	const dhcp_host *hosts;
	size_t nhosts;
	const dhcp_opt *opts;        /* --dhcp-option, override defaults */
	size_t nopts;
	const char *domain;          /* --domain (option 15), or NULL */
	uint8_t authoritative;       /* --dhcp-authoritative */
	uint8_t rapid_commit;        /* --dhcp-rapid-commit (RFC 4039) */
	uint8_t ignore_names;        /* --dhcp-ignore-names */
	uint8_t dns_self;            /* we serve DNS on port 53: option 6
					defaults to the receiving address
					(dnsmasq: not with another --port) */
	uint32_t lease_max;          /* --dhcp-lease-max (default 1000) */
	uint32_t offer_hold_secs;    /* an OFFER reserves its address (30) */
	uint32_t decline_secs;       /* DECLINEd address quarantine (600) */
	void (*random)(void *arg, void *buf, size_t len);
	void *random_arg;
} dhcp_cfg;

/* NULL with a reason in err. */
dhcp_ctx *dhcp_new(const dhcp_cfg *cfg, char *err, size_t errlen);
void dhcp_free(dhcp_ctx *d);

/* ---- packets ---- */

/* A received BOOTREQUEST (UDP payload to port 67). */
typedef struct dhcp_rx {
	const uint8_t *pkt;
	size_t len;
	int ifindex;                 /* receiving interface */
	uint32_t if_addr, if_mask;   /* its IPv4 address: server id, subnet */
	uint32_t src_addr;           /* IP source (0 for a client without) */
	uint16_t src_port;
	uint8_t to_broadcast;        /* sent to 255.255.255.255 */
	uint64_t now_ms;
} dhcp_rx;

/* A reply to send (UDP payload). */
typedef struct dhcp_tx {
	uint8_t buf[DHCP_PKT_MAX];
	size_t len;
	int ifindex;
	uint32_t dst_addr;           /* 0xffffffff: broadcast on ifindex */
	uint16_t dst_port;           /* 67 to a relay (giaddr), else 68 */
	uint32_t src_addr;           /* our address on that link */
	/* unicast to a client that has no address yet (RFC 2131 4.1): the
	 * shell installs a neighbour entry dst_addr -> chaddr first */
	uint8_t need_neigh;
	uint8_t hlen;
	uint8_t chaddr[16];
	uint8_t durable;             /* send only after the journal sync */
	uint32_t probe_addr;         /* DHCP_PROBE: the address to check */
} dhcp_tx;

typedef enum dhcp_result {
	DHCP_NONE = 0,               /* nothing to send (silent per RFC) */
	DHCP_SEND = 1,               /* tx holds a reply */
	DHCP_BAD = 2,                /* malformed/hostile: dropped, counted */
	/* after lease loss (dhcp_set_unsure): before this DISCOVER can be
	 * answered, tx->probe_addr must be checked with an ICMP echo; the
	 * shell keeps the request, reports with dhcp_probe_done and feeds
	 * the same request in again */
	DHCP_PROBE = 3,
} dhcp_result;

dhcp_result dhcp_input(dhcp_ctx *d, const dhcp_rx *rx, dhcp_tx *tx);

/* ---- leases and events ---- */

typedef enum dhcp_lstate {
	DHCP_L_FREE = 0,             /* released or expired (record kept) */
	DHCP_L_ACTIVE = 1,
	DHCP_L_DECLINED = 2,         /* quarantined until expire_ms */
} dhcp_lstate;

typedef struct dhcp_lease {
	uint32_t addr;
	uint8_t state;               /* dhcp_lstate */
	uint8_t hlen;
	uint8_t chaddr[16];
	uint8_t idlen;
	uint8_t client_id[DHCP_CLIENTID_MAX];
	char name[DHCP_NAME_MAX + 1];/* cleaned label, "" none */
	uint64_t expire_ms;          /* absolute; UINT64_MAX: infinite */
} dhcp_lease;

typedef enum dhcp_ev_kind {
	DHCP_EV_NONE = 0,
	DHCP_EV_LEASE,               /* make ev.lease durable (journal) */
	DHCP_EV_NAME_ADD,            /* name -> addr now (ttl seconds max) */
	DHCP_EV_NAME_DEL,            /* name -> addr no more */
} dhcp_ev_kind;

typedef struct dhcp_event {
	dhcp_ev_kind kind;
	dhcp_lease lease;            /* LEASE */
	char name[DHCP_NAME_MAX + 1];/* NAME_*: a label, no domain */
	uint32_t addr;               /* NAME_* */
	uint32_t ttl;                /* NAME_ADD: upper bound (lease time) */
} dhcp_event;

/* Next queued event, 0 when none (DHCP_EV_NONE). */
int dhcp_next_event(dhcp_ctx *d, dhcp_event *ev);

/* Timers: lease expiry (NAME_DEL + LEASE events), offer holds. */
uint64_t dhcp_next_timer(const dhcp_ctx *d);     /* 0: none */
void dhcp_tick(dhcp_ctx *d, uint64_t now_ms);

/* ---- persistence (the shell owns the files) ---- */

/* One lease as a framed, checksummed journal record (magic, version,
 * length, CRC-32C, fields; at most DHCP_REC_MAX bytes); returns its
 * length (0 if cap is too small). */
enum { DHCP_REC_MAX = 168 };
size_t dhcp_lease_encode(const dhcp_lease *l, uint8_t *out, size_t cap);
/* Replay a journal (records as encoded; damaged records are skipped
 * as dhcp_journal_scan says, later records win).  Active, unexpired leases come back and
 * queue NAME_ADD events.  Returns the number of records used. */
int dhcp_restore(dhcp_ctx *d, const uint8_t *buf, size_t len,
		 uint64_t now_ms);
/* What a replay found: records used, damaged stretches skipped (the
 * first DHCP_JDMG_MAX with offset and length; damaged_recs: record
 * headers seen in them, about how many records were lost), a torn tail
 * cut. */
enum { DHCP_JDMG_MAX = 8 };
typedef struct dhcp_jreport {
	size_t records;
	size_t damaged, damaged_bytes, damaged_recs;
	size_t dmg_off[DHCP_JDMG_MAX], dmg_len[DHCP_JDMG_MAX];
	size_t tail_off, tail_bytes;  /* tail_bytes 0: none */
} dhcp_jreport;
/* Walk a journal: fn for every record that checks.  A record that does
 * not check is skipped up to the next one that does (records are
 * independent leases: one damaged record loses only itself); only an
 * incomplete record at the very end is a torn tail.  0, or -1 when
 * something other than a torn tail was skipped (r says what). */
int dhcp_journal_scan(const uint8_t *buf, size_t len, dhcp_jreport *r,
		      void (*fn)(void *arg, const dhcp_lease *l), void *arg);
/* dhcp_restore with the report (r may be NULL). */
int dhcp_restore_report(dhcp_ctx *d, const uint8_t *buf, size_t len,
			uint64_t now_ms, dhcp_jreport *r);
/* Every current lease as journal records (for compaction); malloc'ed. */
int dhcp_snapshot(const dhcp_ctx *d, uint8_t **out, size_t *len);
/* dnsmasq's lease file text ("EXPIRY MAC IP NAME CLIENTID" lines). */
int dhcp_leasefile_text(const dhcp_ctx *d, char **out, size_t *len);

/* ---- after lease loss (a damaged journal) ---- */

/* Until until_ms (0: never) the table may lack leases that clients
 * still hold.  Meanwhile an address the table does not know is offered
 * only after an ICMP echo check (DHCP_PROBE), and a REQUEST from a
 * client in INIT-REBOOT, RENEWING or REBINDING for such an address is
 * never NAKed: with --dhcp-authoritative it is ACKed when the address is
 * free in a range (the client's word is taken, as dnsmasq does after a
 * lost lease database), else it is ignored. */
void dhcp_set_unsure(dhcp_ctx *d, uint64_t until_ms);
uint64_t dhcp_unsure_until(const dhcp_ctx *d);
/* The longest lease time configured in ms (UINT64_MAX: infinite). */
uint64_t dhcp_longest_lease_ms(const dhcp_ctx *d);
/* The answer to a DHCP_PROBE.  in_use: addr answered, it is kept out
 * like a DECLINEd address (decline_secs, not persisted); else it may be
 * offered without another check for offer_hold_secs. */
void dhcp_probe_done(dhcp_ctx *d, uint32_t addr, int in_use,
		     uint64_t now_ms);

/* ---- configuration helpers ---- */

/* --dhcp-option=[force:]CODE|option:NAME,VALUE[,VALUE...] into wire form
 * (typed by option: addresses, strings, numbers, booleans, hex, domain
 * search lists (119), classless routes (121)).  -1 with err. */
int dhcp_option_parse(const char *spec, dhcp_opt *out, char *err,
		      size_t errlen);
/* --dhcp-range / --dhcp-host values.  -1 with err. */
int dhcp_range_parse(const char *spec, dhcp_range *out, char *err,
		     size_t errlen);
int dhcp_host_parse(const char *spec, dhcp_host *out, char *err,
		    size_t errlen);
/* A client-supplied name cleaned to a DNS label (RFC 1123); "" if none
 * is usable. */
void dhcp_clean_name(const char *in, size_t len, char *out);

typedef struct dhcp_stats {
	uint64_t rx, bad, discover, offer, request, ack, nak, decline,
		 release, inform, ignored, leases;
} dhcp_stats;
const dhcp_stats *dhcp_get_stats(const dhcp_ctx *d);
/* Range i (of cfg.ranges): its addresses and how many of them are
 * leased now (SIGUSR1's pool use).  -1 if there is no range i. */
int dhcp_range_use(const dhcp_ctx *d, size_t i, uint32_t *size,
		   uint32_t *leased);

#endif
