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
};

/* One address to serve on, with its printable form "ip#port". */
typedef struct dv_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	int wildcard;               /* 0.0.0.0 or :: : needs pktinfo */
	char str[DV_ADDRSTR];
} dv_addr;

/* A UDP or TCP listening socket. */
typedef struct dv_listener {
	struct dv_ctx *ctx;
	int fd;
	int tcp;
	struct event *ev;
	dv_addr addr;
} dv_listener;

/* Counters kept by the shell (zone_stats is kept by zones/). */
typedef struct dv_net_stats {
	uint64_t udp_in, udp_out, udp_send_drop, udp_trunc;
	uint64_t tcp_accepted, tcp_refused_full, tcp_timeouts, tcp_in,
		 tcp_out, tcp_bad_len, tcp_accept_err;
} dv_net_stats;

typedef struct dv_ctx {
	struct event_base *base;
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

/* --- log.c --- */

/* syslog facility for a name ("daemon", "local0".."local7", "user", ...),
 * or -1 if unknown. */
int dv_log_facility(const char *name);

#endif
