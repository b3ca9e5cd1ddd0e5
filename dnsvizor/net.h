/*
 * dnsvizor/net.h — internal to the shell (main.c, net.c, log.c): the
 * daemon context and the socket service.
 *
 * Ownership: one dv_ctx lives on main()'s stack for the life of the
 * process.  It owns the config, the answer db, the event base, every
 * listener and TCP connection, and the preallocated UDP batch buffers.
 * Callbacks receive the ctx (or an object pointing back to it) through
 * their libevent argument; there is no global state.
 */
#ifndef DV_NET_H
#define DV_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include "dnsvizor/dnsvizor.h"

struct event_base;
struct event;
struct dv_ctx;
struct dv_udp_batch;
struct dv_tcp_conn;

enum {
	DV_UDP_BATCH = 64,          /* datagrams per recvmmsg call */
	DV_UDP_ROUNDS = 8,          /* recvmmsg calls per read callback */
	DV_UDP_RXSIZE = 4096,       /* bytes per receive buffer */
	DV_TCP_MSGMAX = 65535,      /* largest DNS message over TCP */
	DV_TCP_OUT_HIGH = 128 * 1024, /* stop reading queries above this */
	DV_TCP_OUT_LOW = 32 * 1024, /* resume below this */
	DV_TCP_ACCEPTS = 32,        /* accepts per listener callback */
	DV_ADDRSTR = 80,            /* "[ffff:...%ifname]#65535" */
	DV_DOH_INMAX = 80 * 1024,   /* DoH: bytes read ahead per connection
				       (one HTTP/1.1 request fits) */
};

/* What a stream listener / connection speaks. */
enum { DV_CONN_TCP, DV_CONN_DOT, DV_CONN_DOH };

/* One address to serve on, with its printable form "ip#port". */
typedef struct dv_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	int wildcard;               /* 0.0.0.0 or :: : needs pktinfo */
	int loopback;               /* 127.0.0.0/8 or ::1 */
	char str[DV_ADDRSTR];
} dv_addr;

/* A UDP or TCP listening socket. */
typedef struct dv_listener {
	struct dv_ctx *ctx;
	int fd;
	int tcp;
	int kind;                   /* stream: DV_CONN_TCP, _DOT, _DOH */
	struct event *ev;
	dv_addr addr;
} dv_listener;

/* Counters kept by the shell (zone_stats is kept by zones/). */
typedef struct dv_net_stats {
	uint64_t udp_in, udp_out, udp_send_drop, udp_trunc;
	uint64_t udp_bad_sport;     /* dropped: from echo/chargen/... ports */
	uint64_t tcp_accepted, tcp_refused_full, tcp_timeouts, tcp_in,
		 tcp_out, tcp_bad_len, tcp_accept_err;
	uint64_t tcp_evicted_addr;  /* closed: its address at
				       --tcp-max-per-address */
} dv_net_stats;

struct dv_persist;
struct dv_rs;
struct dv_notifier;
struct dv_secondaries;
struct dv_dhcpd;
struct dv_leasedns;
struct dv_tls;

typedef struct dv_ctx {
	struct event_base *base;
	uint64_t now;               /* unix seconds, read once per batch */
	uint64_t now_ms;            /* unix ms of the UDP batch being
				       answered; 0 outside one */
	/* zone maintenance (persist.c, notify.c, secondary.c) */
	struct dv_persist *persist;
	struct dv_notifier *notifier;
	struct dv_secondaries *secondaries;
	struct dv_dhcpd *dhcpd;     /* DHCPv4 server (dhcpd.c), or NULL */
	struct dv_leasedns *leasedns; /* lease names (leasedns.c), or NULL */
	struct dv_rs *rs;           /* the resolver (resolve.c), or NULL */
	struct dv_tls *tls;         /* DoT/DoH certificates (tls.c), or NULL */
	struct dv_acme *acme;       /* ACME client (acme_shell.c), or NULL */
	struct dv_abuse *abuse;     /* cookies, NSID, RRL (abuse.c) */
	dv_config cfg;
	zone_db *db;
	dv_logger lg;
	/* saved command line, re-parsed on SIGHUP */
	int argc;
	char **argv;
	/* addresses resolved at start (listen-address + interface) */
	dv_addr *addrs;
	size_t naddrs;
	dv_listener *ls;
	size_t nls;
	/* TCP connections: doubly linked, least recently active first */
	struct dv_tcp_conn *conn_head, *conn_tail;
	int nconns;
	zone_cl *cl;                /* per-address counts: who is evicted */
	int accept_paused;
	struct event *accept_timer; /* re-enables accept after EMFILE */
	/* preallocated buffers */
	struct dv_udp_batch *udp;
	size_t tx_slot;             /* bytes per UDP answer buffer */
	uint8_t *tcp_q;             /* one TCP query (DV_TCP_MSGMAX) */
	uint8_t *tcp_r;             /* 2 + DV_TCP_MSGMAX */
	/* signals */
	struct event *sig_term, *sig_int, *sig_hup;
	int pid_written;
	/* counters */
	zone_stats stats;
	dv_net_stats nst;
} dv_ctx;

/* One TCP client connection (net.c; xfrout.c streams transfers on it). */
typedef struct dv_tcp_conn {
	dv_ctx *ctx;
	struct bufferevent *bev;
	struct event *timer;
	struct dv_tcp_conn *prev, *next;
	struct sockaddr_storage peer;
	int eof;
	zone_xfr *xfr;              /* outgoing transfer in progress */
	int rs_pending;             /* queries waiting in the resolver */
	int kind;                   /* DV_CONN_TCP, _DOT (TLS), _DOH */
	struct doh_sess *doh;       /* DoH: HTTP session (tls.c, doh.c) */
	int loopback;               /* accepted on a loopback address */
	zone_cl_link cl;            /* in ctx->cl under the peer's address */
} dv_tcp_conn;

/* --- net.c --- */

/*
 * Parse a textual IPv4/IPv6 address (optionally "fe80::1%ifname") with a
 * port into a.  Returns 0, or -1 with a reason in err.
 */
int dv_addr_parse(const char *ip, int port, dv_addr *a, char *err,
		  size_t errlen);
/* Fill a->str from a->ss ("127.0.0.1#53", "::1#53"). */
void dv_addr_format(dv_addr *a);

/* Allocate the batch buffers (once); 0 or -1. */
int dv_net_init(dv_ctx *ctx, char *err, size_t errlen);
/* Bind UDP and TCP sockets on every ctx->addrs entry; 0 or -1 + err. */
int dv_net_open(dv_ctx *ctx, char *err, size_t errlen);
/* Register the listeners with the event base; 0 or -1. */
int dv_net_start(dv_ctx *ctx);
/* Close every connection and listener, free the buffers. */
void dv_net_close(dv_ctx *ctx);
/* Log the counters at info level. */
void dv_net_log_stats(const dv_ctx *ctx);

/*
 * Stream connections of every kind (plain TCP, DoT, DoH) share the LRU
 * list, the cap, the idle timer and back-pressure.  dv_conn_query
 * answers one DNS query arriving on c (zones, else the resolver); the
 * answer goes out through dv_conn_reply with the tag given here (DoH:
 * the HTTP stream; ignored for TCP and DoT, whose answers are framed
 * with their length).
 */
void dv_conn_query(dv_tcp_conn *c, const uint8_t *q, size_t qlen,
		   uint32_t tag);
void dv_conn_reply(dv_tcp_conn *c, uint32_t tag, const uint8_t *msg,
		   size_t len);
/* A complete request arrived: re-arm the idle timer, move to LRU tail. */
void dv_tcp_touch(dv_tcp_conn *c);
/* Close and free c. */
void dv_tcp_close(dv_tcp_conn *c);

/* --- persist.c: zone journals in the state directory --- */
/* Make db journal every UPDATE change through persist (zone_db_set_journal):
 * a change that cannot be written is undone and answered SERVFAIL. */
void dv_persist_attach(dv_ctx *ctx, zone_db *db);
/* Append eff->journal to eff->changed's journal (no sync yet; for zones
 * replaced by transfers, not UPDATEs).  0 / -1. */
int dv_persist_changed(dv_ctx *ctx, const zone_effects *eff);
/* fdatasync every journal written since the last call.  A zone whose
 * sync fails has its changes since the last good sync undone (it serves
 * the durable version); a zone whose changes are durable now is
 * NOTIFYed.  0, or -1 when some sync failed (send no acknowledgement). */
int dv_persist_sync(dv_ctx *ctx);
/* Start-up, after dv_build_db and before serving: for every --zone with
 * dynamic state, load its snapshot, replay its journal (cutting a torn
 * tail) and serve that instead of the file unless the file's serial is
 * not older.  0, or -1 + err when the state exists but cannot be read. */
int dv_persist_open(dv_ctx *ctx, char *err, size_t errlen);
/* After a SIGHUP swapped ctx->db: a --zone whose object was replaced by
 * the zone file (its serial won) loses its snapshot and journal. */
void dv_persist_reload(dv_ctx *ctx);
/* Store z (e.g. a transferred secondary zone) as the zone's snapshot and
 * start an empty journal; durable on return.  0 / -1. */
int dv_persist_store_zone(dv_ctx *ctx, zone *z);
/* The stored zone for origin (snapshot + journal replayed), with one
 * reference, or NULL when there is none. */
zone *dv_persist_load_zone(dv_ctx *ctx, const char *origin);
/* Sync and close every journal (shutdown). */
void dv_persist_close(dv_ctx *ctx);

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

/* --- notify.c: NOTIFY out with retransmission --- */
void dv_notify_zone(dv_ctx *ctx, const zone *z);
/* Parse --notify/--notify-ns targets, open the sockets and notify every
 * zone that has targets (start-up); 0 or -1 + err. */
int dv_notify_init(dv_ctx *ctx, char *err, size_t errlen);
/* After a reload: notify zones whose serial changed. */
void dv_notify_all(dv_ctx *ctx);
void dv_notify_free(dv_ctx *ctx);

/* --- secondary.c: secondary zones (refresh, transfer in) --- */
void dv_secondary_notified(dv_ctx *ctx, zone *z);
/* After the event loop exists: load kept copies, start the timers. */
int dv_secondary_start(dv_ctx *ctx);
void dv_secondary_stop(dv_ctx *ctx);

/* --- xfrout.c: stream an AXFR/IXFR on a TCP connection --- */
/* Takes ownership of x. */
void dv_xfr_begin(dv_tcp_conn *c, zone_xfr *x);
/* Write more of c's stream while the output is below a watermark (called
 * from the write callback); returns the number of messages written.  When
 * the stream ends c->xfr is freed and NULL. */
int dv_xfr_pump(dv_tcp_conn *c);

/* --- resolve.c: the resolver in the event loop --- */

/* Who waits for a resolver answer. */
typedef struct dv_rs_peer {
	int tcp;
	int fd;                     /* UDP: the listening socket */
	struct sockaddr_storage peer;
	socklen_t peerlen;
	_Alignas(struct cmsghdr) uint8_t ctl[64]; /* UDP: pktinfo to reply
						   from */
	socklen_t ctllen;
	dv_tcp_conn *conn;          /* TCP; NULL once it closed */
	uint32_t tag;               /* for dv_conn_reply (DoH stream) */
	uint16_t elim;              /* largest reply (UDP) */
	uint16_t eopt_len;          /* EDNS options the reply gets (abuse.h) */
	uint8_t eopt[ZONE_EOPT_MAX];
	uint8_t q[288];             /* header + question, for the query log */
	size_t qlen;
} dv_rs_peer;

/* Start the resolver when recursion is on (after the event base exists):
 * builds the engine, reads <state-dir>/cache.bin.  0 or -1 + err. */
int dv_rs_start(dv_ctx *ctx, char *err, size_t errlen);
/* After SIGHUP swapped ctx->cfg: a new engine that keeps the cache. */
void dv_rs_reload(dv_ctx *ctx);
/* Write the cache to <state-dir>/cache.bin (atomically) and free. */
void dv_rs_stop(dv_ctx *ctx);
/* A query zone_db_handle passed on.  1 if resp holds the reply now, 0
 * if there is none (it comes later to p, or the query was dropped). */
int dv_rs_query(dv_ctx *ctx, const uint8_t *q, size_t qlen, dv_rs_peer *p,
		uint8_t *resp, size_t cap, size_t *rlen);
/* A TCP connection closes: its waiting answers are dropped. */
void dv_rs_conn_gone(dv_ctx *ctx, dv_tcp_conn *c);

/* net.c: one query log line. */
void dv_log_query(const dv_ctx *ctx, const uint8_t *q, size_t qlen,
		  const struct sockaddr *from, const uint8_t *resp,
		  size_t rlen, const char *proto);

/* --- log.c --- */

/* syslog facility for a name ("daemon", "local0".."local7", "user", ...),
 * or -1 if unknown. */
int dv_log_facility(const char *name);

#endif
