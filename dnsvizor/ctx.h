/*
 * dnsvizor/ctx.h — the daemon context every shell feature is handed.
 *
 * Ownership: one dv_ctx lives on main()'s stack for the life of the
 * process.  It owns the config, the answer db, the event base, every
 * listener and TCP connection, and the preallocated UDP batch buffers.
 * Each feature keeps its own state behind one pointer here (persist,
 * notifier, secondaries, dhcpd, leasedns, rs, tls, acme, abuse, outq) and
 * declares its functions in its own header (net.h, persist.h, notify.h,
 * secondary.h, xfrout.h, resolve.h, localupd.h, dhcpd.h, leasedns.h,
 * tls.h, acme_shell.h, abuse.h, outq.h).  Callbacks receive the ctx (or an
 * object pointing back to it) through their libevent argument; there is
 * no global state.
 */
#ifndef DV_CTX_H
#define DV_CTX_H

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

/* A stream connection kind that reads its own framing (DoH: dohconn.c).
 * net.c calls these for its connections of that kind. */
typedef struct dv_conn_ops {
	int (*process)(struct dv_tcp_conn *c);  /* -1: c was closed */
	void (*reply)(struct dv_tcp_conn *c, uint32_t tag,
		      const uint8_t *msg, size_t len);
	void (*free)(struct dv_tcp_conn *c);
} dv_conn_ops;

struct dv_persist;
struct dv_rs;
struct dv_notifier;
struct dv_secondaries;
struct dv_dhcpd;
struct dv_leasedns;
struct dv_tls;
struct dv_outq;

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
	struct dv_dnssec *dnssec;   /* --dnssec-sign keys, timer (dnssec.c) */
	struct dv_abuse *abuse;     /* cookies, NSID, RRL (abuse.c) */
	const dv_conn_ops *doh_ops; /* DoH connections (dohconn.c) */
	/* net.c's dv_conn_reply, set by dv_net_init: how an answer that
	 * comes later (the resolver's) goes out on a stream connection */
	void (*conn_reply)(struct dv_tcp_conn *c, uint32_t tag,
			   const uint8_t *msg, size_t len);
	struct dv_outq *outq;       /* outgoing queries (outq.c), on first
				       use */
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
	struct event *sig_usr1;  /* statistics to the log */
	struct event *sig_usr2;  /* log file reopened; DV_TEST_CLOCK_FILE */
	int pid_written;
	int started;             /* the event loop ran: at the stop,
				    statistics are logged and the cache is
				    saved (not after a fatal start-up
				    error: the error is all it says) */
	/* --log-queries: the serial of the query being handled, and where a
	 * resolver answer given at once came from ("cached", "config"). */
	uint32_t qlog_serial;
	const char *qlog_src;
	struct dv_qlog_hosts *qlog_hosts; /* hosts-file names (querylog.h) */
	/* counters */
	zone_stats stats;
	dv_net_stats nst;
} dv_ctx;

#endif
