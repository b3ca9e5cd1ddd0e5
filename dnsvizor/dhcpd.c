/*
 * The DHCPv4 server in the event loop (see dhcpd.h).
 *
 * Sockets: one UDP socket on 0.0.0.0:67 (SO_BROADCAST, IP_PKTINFO) takes
 * every request; the pktinfo ifindex names the receiving interface, whose
 * IPv4 address comes from a libnl cache manager that follows address and
 * link changes at run time.  Replies leave through the same socket with
 * IP_PKTINFO naming the interface and our address (broadcasts, relays,
 * clients that have an address).  A reply unicast to a client that has no
 * address yet (RFC 2131 4.1, tx->need_neigh) would need an ARP entry; we
 * send it instead as a complete IPv4/UDP datagram on a send-only
 * AF_PACKET socket addressed to chaddr.  That socket is opened before the
 * privilege drop, so no CAP_NET_ADMIN is needed later and no neighbour
 * entries are left behind.
 *
 * Group commit: a read callback reads up to DV_DHCP_BATCH datagrams;
 * replies that acknowledge a lease wait in a queue while the lease
 * records collect in one buffer; then one write + fdatasync, then the
 * queued replies go out (none when the sync failed).
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/in.h>

#include <event2/event.h>
#include <netlink/netlink.h>
#include <netlink/cache.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

#include "dhcp/dhcp.h"
#include "dnsvizor/dhcpd.h"
#include "dnsvizor/clock.h"
#include "dnsvizor/dhcpraw.h"
#include "dnsvizor/dhcpping.h"
#include "dnsvizor/leasedns.h"
#include "dnsvizor/persist.h"

enum {
	DV_DHCP_BATCH = 128,          /* datagrams per read callback */
	DV_DHCP_RX = 2048,
	DV_JREC = 256,                /* room for one encoded lease */
	DV_JNL_SMALL = 64 * 1024,
	DV_JNL_BIG = 4 * 1024 * 1024,
	DV_PATH = 4096,
	DV_LEASEFILE_MS = 1000,       /* lease file rewrites at most 1/s */
	DV_PROBE_HOPS = 4,            /* echo checks for one DISCOVER */
};

/* A DISCOVER waiting for an echo check (dhcpping.h keeps a copy). */
typedef struct dv_pend {
	dhcp_rx rx;                   /* rx.pkt: the bytes after this */
	char ifn[IF_NAMESIZE + 1];
	int hops;
} dv_pend;

/* Engine configuration built from the raw option strings. */
typedef struct dv_dhcp_conf {
	dhcp_range *ranges;
	size_t nranges;
	dhcp_host *hosts;
	size_t nhosts;
	dhcp_opt *opts;
	size_t nopts;
} dv_dhcp_conf;

struct dv_dhcpd {
	dv_ctx *ctx;
	dhcp_ctx *eng;
	dv_dhcp_conf conf;
	int fd, pfd;                  /* UDP :67, AF_PACKET (send only) */
	int icmpfd;                   /* echo checks (until dv_ping_new) */
	dv_ping *ping;
	struct event *ev, *nl_ev, *timer, *lf_timer;
	struct nl_sock *nl;
	struct nl_cache_mngr *mngr;
	struct nl_cache *links, *addrs;
	/* journal */
	char dir[DV_PATH], jnl[DV_PATH + 16];
	int jfd;
	off_t jsize, snapsize;
	uint8_t *jbuf;                /* records waiting for the sync */
	size_t jlen, jcap;
	int jbroken;                  /* a write failed: compact next */
	int jerr;                     /* errno of the last failed append */
	int lf_dirty;
	int zones_open;               /* dv_leasedns_open was called */
	/* replies waiting for the sync (and what their log line needs) */
	dhcp_tx *q;
	struct dv_qlog {
		char ifn[IF_NAMESIZE + 1];
		char name[DHCP_NAME_MAX + 1];
	} *qlog;
	size_t nq;
	dhcp_tx tx;
	uint8_t rx[DV_DHCP_RX];
};

typedef struct dv_dhcpd dv_dhcpd;

/* ------------------------------------------------------------------ */
/* configuration                                                      */
/* ------------------------------------------------------------------ */

static void dv_dhcp_conf_free(dv_dhcp_conf *c)
{
	free(c->ranges);
	free(c->hosts);
	free(c->opts);
	memset(c, 0, sizeof(*c));
}

/* A copy of the typed --dhcp-range/-host/-option values, owned by the
 * engine's configuration (it outlives a reloaded dv_config). */
static int dv_dhcp_conf_build(const dv_config *cfg, dv_dhcp_conf *c,
			      char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	c->ranges = calloc(cfg->dhcp_ranges.n + 1, sizeof(*c->ranges));
	c->hosts = calloc(cfg->dhcp_hosts.n + 1, sizeof(*c->hosts));
	c->opts = calloc(cfg->dhcp_options.n + 1, sizeof(*c->opts));
	if (!c->ranges || !c->hosts || !c->opts) {
		snprintf(err, errlen, "dhcp: out of memory");
		dv_dhcp_conf_free(c);
		return -1;
	}
	c->nranges = cfg->dhcp_ranges.n;
	c->nhosts = cfg->dhcp_hosts.n;
	c->nopts = cfg->dhcp_options.n;
	if (c->nranges)
		memcpy(c->ranges, cfg->dhcp_ranges.v,
		       c->nranges * sizeof(*c->ranges));
	if (c->nhosts)
		memcpy(c->hosts, cfg->dhcp_hosts.v,
		       c->nhosts * sizeof(*c->hosts));
	if (c->nopts)
		memcpy(c->opts, cfg->dhcp_options.v,
		       c->nopts * sizeof(*c->opts));
	return 0;
}

static dhcp_ctx *dv_dhcp_engine(const dv_config *cfg, const dv_dhcp_conf *c,
				char *err, size_t errlen)
{
	dhcp_cfg dc;

	memset(&dc, 0, sizeof(dc));
	dc.ranges = c->ranges;
	dc.nranges = c->nranges;
	dc.hosts = c->hosts;
	dc.nhosts = c->nhosts;
	dc.opts = c->opts;
	dc.nopts = c->nopts;
	dc.domain = cfg->domain;
	dc.authoritative = cfg->dhcp_authoritative != 0;
	dc.rapid_commit = cfg->dhcp_rapid_commit != 0;
	dc.ignore_names = cfg->dhcp_ignore_names != 0;
	dc.dns_self = cfg->port == 53;
	dc.lease_max = cfg->dhcp_lease_max ? cfg->dhcp_lease_max : 1000;
	dc.offer_hold_secs = 30;
	dc.decline_secs = 600;
	dc.random = dv_random;
	return dhcp_new(&dc, err, errlen);
}

/* ------------------------------------------------------------------ */
/* interfaces                                                         */
/* ------------------------------------------------------------------ */

static const char *dv_ifname(dv_dhcpd *d, int ifindex, char *buf,
			     size_t len)
{
	if (!rtnl_link_i2name(d->links, ifindex, buf, len))
		snprintf(buf, len, "if%d", ifindex);
	return buf;
}

/* dnsmasq: with --interface only those; never --no-dhcp-interface ones
 * nor loopback. */
static int dv_if_serves(dv_dhcpd *d, int ifindex, const char *name)
{
	const dv_config *cfg = &d->ctx->cfg;
	struct rtnl_link *l = rtnl_link_get(d->links, ifindex);
	int lo = 0;

	if (l) {
		lo = (rtnl_link_get_flags(l) & IFF_LOOPBACK) != 0;
		rtnl_link_put(l);
	}
	if (lo || dv_strlist_has(&cfg->no_dhcp_ifaces, name) ||
	    dv_strlist_has(&cfg->except_ifaces, name))
		return 0;
	return cfg->interfaces.n == 0 || dv_strlist_has(&cfg->interfaces, name);
}

struct dv_addr_pick {
	const dv_dhcpd *d;
	int ifindex;
	uint32_t addr, mask;
	int best;                     /* its subnet holds a range */
};

static void dv_addr_pick_cb(struct nl_object *obj, void *arg)
{
	struct dv_addr_pick *w = arg;
	struct rtnl_addr *ra = (struct rtnl_addr *)obj;
	struct nl_addr *loc = rtnl_addr_get_local(ra);
	uint32_t a, m;
	int plen, best = 0;
	size_t i;

	if (rtnl_addr_get_ifindex(ra) != w->ifindex || !loc ||
	    nl_addr_get_family(loc) != AF_INET || nl_addr_get_len(loc) != 4)
		return;
	memcpy(&a, nl_addr_get_binary_addr(loc), 4);
	a = ntohl(a);
	plen = rtnl_addr_get_prefixlen(ra);
	m = plen <= 0 ? 0 : plen >= 32 ? 0xffffffffu
			      : ~(0xffffffffu >> plen);
	for (i = 0; i < w->d->conf.nranges; i++)
		if ((w->d->conf.ranges[i].start & m) == (a & m))
			best = 1;
	if (w->addr && (w->best || !best))
		return;
	w->addr = a;
	w->mask = m;
	w->best = best;
}

/* Our IPv4 address on ifindex (the one whose subnet holds a range if
 * there are several); 0 if none. */
static uint32_t dv_if_addr(dv_dhcpd *d, int ifindex, uint32_t *mask)
{
	struct dv_addr_pick w = { d, ifindex, 0, 0, 0 };

	nl_cache_foreach(d->addrs, dv_addr_pick_cb, &w);
	*mask = w.mask;
	return w.addr;
}

static void dv_nl_read(evutil_socket_t fd, short what, void *arg)
{
	dv_dhcpd *d = arg;

	(void)fd;
	(void)what;
	nl_cache_mngr_data_ready(d->mngr);
}

static int dv_nl_open(dv_dhcpd *d, char *err, size_t errlen)
{
	if (nl_cache_mngr_alloc(NULL, NETLINK_ROUTE, NL_AUTO_PROVIDE,
				&d->mngr) < 0 ||
	    nl_cache_mngr_add(d->mngr, "route/link", NULL, NULL,
			      &d->links) < 0 ||
	    nl_cache_mngr_add(d->mngr, "route/addr", NULL, NULL,
			      &d->addrs) < 0) {
		snprintf(err, errlen, "dhcp: cannot follow interfaces over "
			 "netlink");
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* --log-dhcp                                                         */
/* ------------------------------------------------------------------ */

static const char *const dv_msg_names[] = {
	"BOOTP", "DHCPDISCOVER", "DHCPOFFER", "DHCPREQUEST", "DHCPDECLINE",
	"DHCPACK", "DHCPNAK", "DHCPRELEASE", "DHCPINFORM",
};

/* Option code in the plain options field (logging only), or NULL. */
static const uint8_t *dv_opt_find(const uint8_t *p, size_t len, int code,
				  size_t *olen)
{
	size_t i = 240;

	if (len < 240 || memcmp(p + 236, "\x63\x82\x53\x63", 4) != 0)
		return NULL;
	while (i < len && p[i] != 255) {
		if (p[i] == 0) {
			i++;
			continue;
		}
		if (i + 2 > len || i + 2 + p[i + 1] > len)
			return NULL;
		if (p[i] == code) {
			*olen = p[i + 1];
			return p + i + 2;
		}
		i += 2 + (size_t)p[i + 1];
	}
	return NULL;
}

static const char *dv_msg_name(const uint8_t *p, size_t len)
{
	size_t ol = 0;
	const uint8_t *o = dv_opt_find(p, len, 53, &ol);

	if (!o || ol != 1 || *o > 8)
		return o ? "DHCP?" : "BOOTP";
	return dv_msg_names[*o];
}

static void dv_fmt_mac(const uint8_t *p, char *out)
{
	size_t hl = p[2] > 16 ? 16 : p[2], i, off = 0;

	out[0] = '\0';
	for (i = 0; i < hl; i++)
		off += (size_t)sprintf(out + off, "%s%02x", i ? ":" : "",
				       p[28 + i]);
}

static void dv_fmt_ip(const uint8_t *p, char *out)
{
	inet_ntop(AF_INET, p, out, INET_ADDRSTRLEN);
}

/* The host name a request sends (option 12), "" if none. */
static void dv_req_name(const uint8_t *req, size_t reqlen, char *name)
{
	const uint8_t *o;
	size_t ol = 0;

	name[0] = '\0';
	if (req && (o = dv_opt_find(req, reqlen, 12, &ol)) && ol > 0)
		dhcp_clean_name((const char *)o, ol, name);
}

/* DHCPREQUEST(eth0) 10.0.0.50 52:54:00:12:34:56 name */
static void dv_log_pkt(dv_dhcpd *d, const uint8_t *p, size_t len,
		       const char *ifn, int reply, const char *name)
{
	char mac[64], ip[INET_ADDRSTRLEN] = "";
	const uint8_t *o;
	size_t ol = 0;

	if (len < 240)
		return;
	dv_fmt_mac(p, mac);
	if (reply && memcmp(p + 16, "\0\0\0\0", 4) != 0)
		dv_fmt_ip(p + 16, ip);
	else if (!reply && (o = dv_opt_find(p, len, 50, &ol)) && ol == 4)
		dv_fmt_ip(o, ip);
	else if (!reply && memcmp(p + 12, "\0\0\0\0", 4) != 0)
		dv_fmt_ip(p + 12, ip);
	dv_log(&d->ctx->lg, DV_LOG_INFO, "%s(%s)%s%s %s%s%s",
	       dv_msg_name(p, len), ifn, *ip ? " " : "", ip, mac,
	       *name ? " " : "", name);
}

/* ------------------------------------------------------------------ */
/* journal                                                            */
/* ------------------------------------------------------------------ */

static int dv_jbuf_add(dv_dhcpd *d, const dhcp_lease *l)
{
	uint8_t *nb;
	size_t n;

	if (d->jcap - d->jlen < DV_JREC) {
		nb = realloc(d->jbuf, d->jcap * 2 + DV_JREC);
		if (!nb)
			return -1;
		d->jbuf = nb;
		d->jcap = d->jcap * 2 + DV_JREC;
	}
	n = dhcp_lease_encode(l, d->jbuf + d->jlen, d->jcap - d->jlen);
	if (n == 0)
		return -1;
	d->jlen += n;
	return 0;
}

/* Replace the journal with a snapshot of every lease; reopen it. */
static int dv_compact(dv_dhcpd *d)
{
	uint8_t *snap = NULL;
	size_t len = 0;
	int fd;

	if (dhcp_snapshot(d->eng, &snap, &len) < 0)
		return -1;
	if (dv_write_atomic(d->jnl, snap, len, 0600) < 0) {
		free(snap);
		dv_log(&d->ctx->lg, DV_LOG_ERR, "dhcp: cannot write %s: %s",
		       d->jnl, strerror(errno));
		return -1;
	}
	free(snap);
	fd = open(d->jnl, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (d->jfd >= 0)
		close(d->jfd);
	d->jfd = fd;
	d->jsize = d->snapsize = (off_t)len;
	d->jbroken = 0;
	return 0;
}

/* Append the waiting records and sync.  A write that fails (ENOSPC,
 * EFBIG, EDQUOT) may leave part of a record: it is cut off again so that
 * later appends follow whole records (else the file would be damaged in
 * the middle); when that fails too, or the sync failed, the journal is
 * broken and only a compaction (a new file) repairs it. */
static int dv_jappend(dv_dhcpd *d)
{
	int e;

	if (d->jfd < 0)
		return -1;
	if (dv_write_all(d->jfd, d->jbuf, d->jlen) == 0) {
		if (fdatasync(d->jfd) == 0)
			return 0;
		d->jbroken = 1;
		return -1;
	}
	e = errno;
	if (ftruncate(d->jfd, d->jsize) < 0)
		d->jbroken = 1;
	errno = e;
	return -1;
}

/* Write and sync the waiting records.  0 when they are durable. */
static int dv_jcommit(dv_dhcpd *d)
{
	if (d->jlen == 0)
		return d->jbroken ? -1 : 0;
	if (d->jbroken) {
		d->jlen = 0;
		/* never append after a torn record: a new file or nothing */
		return dv_compact(d) == 0 ? 0 : -1;
	}
	if (dv_jappend(d) < 0) {
		d->jerr = errno;	/* dv_finish says it, with the ACKs */
		d->jlen = 0;
		return -1;
	}
	d->jsize += (off_t)d->jlen;
	d->jlen = 0;
	return 0;
}

static int dv_read_all(const char *path, uint8_t **out, size_t *len)
{
	char *data = NULL;
	int rc = dv_read_file(NULL, path, &data, len);

	*out = (uint8_t *)data;
	return rc;
}

/* The damaged journal stays beside the live one, which is rewritten
 * from the recovered table: a hard link (needs no space), else a copy.
 * 0 with its name in out. */
static int dv_keep_corrupt(dv_dhcpd *d, const uint8_t *buf, size_t len,
			   char *out, size_t outlen)
{
	long long t = (long long)dv_now_s();
	int i;

	for (i = 0; i < 100; i++) {
		snprintf(out, outlen, i ? "%s.corrupt-%lld.%d" :
			 "%s.corrupt-%lld", d->jnl, t, i);
		if (link(d->jnl, out) == 0)
			return dv_fsync_dir(d->dir) < 0 ? -1 : 0;
		if (errno != EEXIST)
			break;
	}
	if (i == 100 || access(out, F_OK) == 0)
		return -1;
	return dv_write_atomic(out, buf, len, 0600);
}

/* "OFF(+LEN),..." of the first damaged stretches. */
static void dv_fmt_damage(const dhcp_jreport *r, char *out, size_t outlen)
{
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; i < r->damaged && i < DHCP_JDMG_MAX && o < outlen; i++)
		o += (size_t)snprintf(out + o, outlen - o, "%s%zu(+%zu)",
				      i ? "," : "", r->dmg_off[i],
				      r->dmg_len[i]);
	if (r->damaged > DHCP_JDMG_MAX && o < outlen)
		snprintf(out + o, outlen - o, ",...");
}

/* The window after lease loss, kept across restarts in a small file:
 * decimal wall-clock ms. */
static void dv_unsure_path(const dv_dhcpd *d, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s/leases.unsure", d->dir);
}

static void dv_unsure_load(dv_dhcpd *d, uint64_t now)
{
	char path[DV_PATH + 32], *data = NULL;
	unsigned long long until;
	size_t len = 0;

	dv_unsure_path(d, path, sizeof(path));
	if (dv_read_file(NULL, path, &data, &len) < 0)
		return;
	if (sscanf(data, "%llu", &until) == 1 && until > now) {
		dhcp_set_unsure(d->eng, until);
		dv_log(&d->ctx->lg, DV_LOG_INFO, "dhcp: leases were lost: "
		       "addresses not in the table are checked with ping "
		       "before they are offered, for %llu s more",
		       (until - now) / 1000);
	}
	free(data);
}

static int dv_unsure_start(dv_dhcpd *d, uint64_t now)
{
	uint64_t span = dhcp_longest_lease_ms(d->eng);
	uint64_t until = span > UINT64_MAX - now ? UINT64_MAX : now + span;
	char path[DV_PATH + 32], text[32];
	int n;

	if (until > dhcp_unsure_until(d->eng))
		dhcp_set_unsure(d->eng, until);
	dv_unsure_path(d, path, sizeof(path));
	n = snprintf(text, sizeof(text), "%llu\n",
		     (unsigned long long)dhcp_unsure_until(d->eng));
	return dv_write_atomic(path, text, (size_t)n, 0600);
}

/* Damage other than a torn tail: keep the file, say so loudly, and
 * distrust the addresses we lost track of.  -1 when the file could not
 * be kept (then it must not be rewritten). */
static int dv_journal_damaged(dv_dhcpd *d, const uint8_t *buf, size_t len,
			      const dhcp_jreport *r, char *err,
			      size_t errlen)
{
	char kept[DV_PATH + 64], where[DHCP_JDMG_MAX * 48];

	if (dv_keep_corrupt(d, buf, len, kept, sizeof(kept)) < 0) {
		snprintf(err, errlen, "dhcp: lease journal %s is corrupt and "
			 "cannot be kept aside (%s): not rewriting it",
			 d->jnl, strerror(errno));
		return -1;
	}
	dv_fmt_damage(r, where, sizeof(where));
	dv_log(&d->ctx->lg, DV_LOG_ERR, "dhcp: lease journal %s is corrupt: "
	       "%zu damaged stretch(es), %zu of %zu bytes (about %zu records) "
	       "skipped at offset(s) %s; %zu records recovered; the damaged "
	       "file is kept as %s", d->jnl, r->damaged, r->damaged_bytes, len,
	       r->damaged_recs, where, r->records, kept);
	if (dv_unsure_start(d, dv_now_ms()) < 0)
		dv_log(&d->ctx->lg, DV_LOG_ERR, "dhcp: cannot write %s/"
		       "leases.unsure: %s", d->dir, strerror(errno));
	return 0;
}

static int dv_journal_open(dv_dhcpd *d, char *err, size_t errlen)
{
	const char *sd = d->ctx->cfg.state_dir;
	uint8_t *buf = NULL;
	size_t len = 0;
	dhcp_jreport rep;
	int rc, n;

	if (!sd || !*sd)
		sd = ".";
	snprintf(d->dir, sizeof(d->dir), "%s/dhcp", sd);
	snprintf(d->jnl, sizeof(d->jnl), "%s/leases.jnl", d->dir);
	if (mkdir(d->dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "dhcp: %s: %s", d->dir, strerror(errno));
		return -1;
	}
	rc = dv_read_all(d->jnl, &buf, &len);
	if (rc < 0 && rc != -ENOENT) {
		snprintf(err, errlen, "dhcp: %s: %s", d->jnl, strerror(-rc));
		return -1;
	}
	memset(&rep, 0, sizeof(rep));
	n = rc < 0 ? 0 : dhcp_restore_report(d->eng, buf, len, dv_now_ms(),
					     &rep);
	dv_unsure_load(d, dv_now_ms());
	if (rep.tail_bytes)
		dv_log(&d->ctx->lg, DV_LOG_INFO, "dhcp: %s: an interrupted "
		       "record of %zu bytes at offset %zu (torn tail) is cut",
		       d->jnl, rep.tail_bytes, rep.tail_off);
	if (rep.damaged && dv_journal_damaged(d, buf, len, &rep, err,
					      errlen) < 0) {
		free(buf);
		return -1;
	}
	free(buf);
	if (dv_compact(d) < 0) {
		snprintf(err, errlen, "dhcp: cannot write %s: %s", d->jnl,
			 strerror(errno));
		return -1;
	}
	dv_log(&d->ctx->lg, DV_LOG_INFO, "dhcp: %d lease records replayed "
	       "from %s", n, d->jnl);
	return 0;
}

static void dv_maybe_compact(dv_dhcpd *d)
{
	if (d->jsize > DV_JNL_BIG ||
	    (d->jsize > DV_JNL_SMALL && d->jsize > 4 * d->snapsize))
		dv_compact(d);
}

/* ------------------------------------------------------------------ */
/* lease file export (dnsmasq format)                                 */
/* ------------------------------------------------------------------ */

static void dv_leasefile_write(dv_dhcpd *d)
{
	const char *path = d->ctx->cfg.dhcp_leasefile;
	char *text = NULL;
	size_t len = 0;

	d->lf_dirty = 0;
	if (!path || dhcp_leasefile_text(d->eng, &text, &len) < 0)
		return;
	if (dv_write_atomic(path, text, len, 0644) < 0)
		dv_log(&d->ctx->lg, DV_LOG_WARN, "dhcp-leasefile %s: %s",
		       path, strerror(errno));
	free(text);
}

static void dv_leasefile_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	dv_leasefile_write(arg);
}

static void dv_leasefile_arm(dv_dhcpd *d)
{
	struct timeval tv = { DV_LEASEFILE_MS / 1000,
			      (DV_LEASEFILE_MS % 1000) * 1000 };

	if (d->lf_dirty && d->ctx->cfg.dhcp_leasefile &&
	    !evtimer_pending(d->lf_timer, NULL))
		evtimer_add(d->lf_timer, &tv);
}

/* ------------------------------------------------------------------ */
/* engine events                                                      */
/* ------------------------------------------------------------------ */

static void dv_name_event(dv_dhcpd *d, const dhcp_event *ev)
{
	char ip[INET_ADDRSTRLEN];
	uint32_t na = htonl(ev->addr);
	int rc;

	inet_ntop(AF_INET, &na, ip, sizeof(ip));
	if (ev->kind == DHCP_EV_NAME_ADD)
		rc = dv_leasedns_add(d->ctx, ev->name, ev->addr, ev->ttl);
	else
		rc = dv_leasedns_del(d->ctx, ev->name, ev->addr);
	if (rc == -EEXIST)
		dv_log(&d->ctx->lg, DV_LOG_INFO, "dhcp: not giving name %s to "
		       "%s: the name has other data", ev->name, ip);
	else if (rc < 0 && rc != -ENOENT)
		dv_log(&d->ctx->lg, DV_LOG_WARN, "dhcp: name %s %s %s: %s",
		       ev->name, ev->kind == DHCP_EV_NAME_ADD ? "->" : "-/->",
		       ip, strerror(-rc));
}

/* Lease records into the journal buffer, names into the zones. */
static void dv_drain(dv_dhcpd *d)
{
	dhcp_event ev;

	while (dhcp_next_event(d->eng, &ev)) {
		switch (ev.kind) {
		case DHCP_EV_LEASE:
			if (dv_jbuf_add(d, &ev.lease) < 0)
				d->jbroken = 1;
			d->lf_dirty = 1;
			break;
		case DHCP_EV_NAME_ADD:
		case DHCP_EV_NAME_DEL:
			dv_name_event(d, &ev);
			break;
		default:
			break;
		}
	}
}

static void dv_timer_arm(dv_dhcpd *d)
{
	uint64_t at = dhcp_next_timer(d->eng), now = dv_now_ms(), ms;
	struct timeval tv;

	if (at == 0) {
		evtimer_del(d->timer);
		return;
	}
	ms = at > now ? at - now : 0;
	if (ms > 86400000)
		ms = 86400000;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(d->timer, &tv);
}

static void dv_send(dv_dhcpd *d, const dhcp_tx *tx)
{
	int r;

	if (tx->need_neigh && tx->hlen == 6 && d->pfd >= 0)
		r = dv_dhcp_send_link(d->pfd, tx);
	else
		r = dv_dhcp_send_udp(d->fd, tx);
	if (r < 0)
		dv_log(&d->ctx->lg, DV_LOG_DEBUG, "dhcp: send: %s",
		       strerror(errno));
}

/* End of a loop turn: one sync, then the replies that waited for it. */
static void dv_finish(dv_dhcpd *d)
{
	size_t i;
	int ok = dv_jcommit(d) == 0;

	if (dv_persist_sync(d->ctx) < 0)
		dv_log(&d->ctx->lg, DV_LOG_WARN, "dhcp: zone journal sync "
		       "failed");
	for (i = 0; ok && i < d->nq; i++) {
		if (d->ctx->cfg.log_dhcp)
			dv_log_pkt(d, d->q[i].buf, d->q[i].len, d->qlog[i].ifn,
				   1, d->qlog[i].name);
		dv_send(d, &d->q[i]);
	}
	/* one line per loop turn (and rate limited per site) */
	if (!ok && (d->nq || d->jerr))
		dv_log(&d->ctx->lg, DV_LOG_ERR, "dhcp: lease journal %s is not "
		       "durable (%s): %zu ACKs not sent", d->jnl,
		       d->jerr ? strerror(d->jerr) : "cannot be rewritten",
		       d->nq);
	d->jerr = 0;
	d->nq = 0;
	dv_maybe_compact(d);
	dv_leasefile_arm(d);
	dv_timer_arm(d);
}

static void dv_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	dv_dhcpd *d = arg;

	(void)fd;
	(void)what;
	dhcp_tick(d->eng, dv_now_ms());
	dv_drain(d);
	dv_finish(d);
}

/* ------------------------------------------------------------------ */
/* receiving                                                          */
/* ------------------------------------------------------------------ */

static void dv_rx_meta(struct msghdr *m, dhcp_rx *rx)
{
	struct cmsghdr *c;
	struct in_pktinfo pi;

	for (c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level != IPPROTO_IP || c->cmsg_type != IP_PKTINFO)
			continue;
		memcpy(&pi, CMSG_DATA(c), sizeof(pi));
		rx->ifindex = pi.ipi_ifindex;
		rx->to_broadcast = pi.ipi_addr.s_addr == INADDR_BROADCAST;
	}
}

static void dv_handle(dv_dhcpd *d, const dhcp_rx *rx, const char *ifn,
		      int hops);

/* Keep the DISCOVER while its address is checked; without an ICMP
 * socket the address is taken as unused. */
static void dv_probe(dv_dhcpd *d, const dhcp_rx *rx, const char *ifn,
		     uint32_t addr, int hops)
{
	uint8_t buf[sizeof(dv_pend) + DV_DHCP_RX];
	dv_pend *pd = (dv_pend *)buf;

	if (hops >= DV_PROBE_HOPS)
		return;
	if (!d->ping) {
		dhcp_probe_done(d->eng, addr, 0, dv_now_ms());
		dv_handle(d, rx, ifn, hops + 1);
		return;
	}
	memset(pd, 0, sizeof(*pd));
	pd->rx = *rx;
	pd->rx.pkt = NULL;
	snprintf(pd->ifn, sizeof(pd->ifn), "%s", ifn);
	pd->hops = hops;
	memcpy(buf + sizeof(*pd), rx->pkt, rx->len);
	if (dv_ping_start(d->ping, addr, buf, sizeof(*pd) + rx->len) < 0)
		dv_log(&d->ctx->lg, DV_LOG_DEBUG, "dhcp: echo check of a "
		       "DISCOVER dropped (busy)");
}

static void dv_probe_done(void *arg, uint32_t addr, int in_use,
			  const void *data, size_t len)
{
	dv_dhcpd *d = arg;
	dv_pend pd;
	char ip[INET_ADDRSTRLEN];
	uint32_t na = htonl(addr);

	inet_ntop(AF_INET, &na, ip, sizeof(ip));
	if (in_use)
		dv_log(&d->ctx->lg, DV_LOG_INFO, "dhcp: %s is in use (it "
		       "answered ping) but has no lease: not offered", ip);
	if (!d->eng || len < sizeof(pd))
		return;
	dhcp_probe_done(d->eng, addr, in_use, dv_now_ms());
	memcpy(&pd, data, sizeof(pd));
	pd.rx.pkt = (const uint8_t *)data + sizeof(pd);
	pd.rx.len = len - sizeof(pd);
	pd.rx.now_ms = dv_now_ms();
	dv_handle(d, &pd.rx, pd.ifn, pd.hops + 1);
	dv_drain(d);
	dv_finish(d);
}

static void dv_log_sent(dv_dhcpd *d, const dhcp_tx *tx, const char *ifn,
			const dhcp_rx *rx)
{
	char name[DHCP_NAME_MAX + 1];

	if (!d->ctx->cfg.log_dhcp)
		return;
	dv_req_name(rx->pkt, rx->len, name);
	dv_log_pkt(d, tx->buf, tx->len, ifn, 1, name);
}

/* One request through the engine; its reply sent or queued. */
static void dv_handle(dv_dhcpd *d, const dhcp_rx *rx, const char *ifn,
		      int hops)
{
	dhcp_tx *tx = d->nq < DV_DHCP_BATCH ? &d->q[d->nq] : &d->tx;
	dhcp_result r;

	memset(&tx->len, 0, sizeof(*tx) - offsetof(dhcp_tx, len));
	r = dhcp_input(d->eng, rx, tx);
	dv_drain(d);
	if (r == DHCP_PROBE)
		dv_probe(d, rx, ifn, tx->probe_addr, hops);
	if (r != DHCP_SEND)
		return;
	if (tx->durable && tx == &d->q[d->nq]) {
		/* logged when it is sent, after the sync */
		dv_req_name(rx->pkt, rx->len, d->qlog[d->nq].name);
		snprintf(d->qlog[d->nq].ifn, sizeof(d->qlog[0].ifn), "%s", ifn);
		d->nq++;
	} else if (!tx->durable) {
		dv_log_sent(d, tx, ifn, rx);
		dv_send(d, tx);
	}
}

/* One datagram: 1 if it was read, 0 when the socket is empty. */
static int dv_rx_one(dv_dhcpd *d, uint64_t now)
{
	_Alignas(struct cmsghdr) uint8_t cb[256];
	struct sockaddr_in from;
	struct iovec iov = { d->rx, sizeof(d->rx) };
	struct msghdr m;
	dhcp_rx rx;
	char ifn[IF_NAMESIZE + 1];
	ssize_t n;

	memset(&m, 0, sizeof(m));
	m.msg_name = &from;
	m.msg_namelen = sizeof(from);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = cb;
	m.msg_controllen = sizeof(cb);
	n = recvmsg(d->fd, &m, MSG_DONTWAIT);
	if (n < 0)
		return errno == EINTR ? 1 : 0;
	memset(&rx, 0, sizeof(rx));
	dv_rx_meta(&m, &rx);
	rx.pkt = d->rx;
	rx.len = (size_t)n;
	rx.src_addr = ntohl(from.sin_addr.s_addr);
	rx.src_port = ntohs(from.sin_port);
	rx.now_ms = now;
	dv_ifname(d, rx.ifindex, ifn, sizeof(ifn));
	if (rx.ifindex <= 0 || !dv_if_serves(d, rx.ifindex, ifn) ||
	    !(rx.if_addr = dv_if_addr(d, rx.ifindex, &rx.if_mask)))
		return 1;
	if (d->ctx->cfg.log_dhcp)
		dv_log_pkt(d, d->rx, rx.len, ifn, 0, "");
	dv_handle(d, &rx, ifn, 0);
	return 1;
}

static void dv_dhcp_read(evutil_socket_t fd, short what, void *arg)
{
	dv_dhcpd *d = arg;
	uint64_t now = dv_now_ms();
	int i;

	(void)fd;
	(void)what;
	/* the queue bounds the batch: every durable reply has a slot */
	for (i = 0; i < DV_DHCP_BATCH && d->nq < DV_DHCP_BATCH; i++)
		if (!dv_rx_one(d, now))
			break;
	dv_finish(d);
}

/* ------------------------------------------------------------------ */
/* lifetime                                                           */
/* ------------------------------------------------------------------ */

struct dv_subnet_walk {
	uint32_t start;
	int found;
};

static void dv_subnet_cb(struct nl_object *obj, void *arg)
{
	struct dv_subnet_walk *w = arg;
	struct nl_addr *loc = rtnl_addr_get_local((struct rtnl_addr *)obj);
	int plen = rtnl_addr_get_prefixlen((struct rtnl_addr *)obj);
	uint32_t a, m;

	if (!loc || nl_addr_get_family(loc) != AF_INET ||
	    nl_addr_get_len(loc) != 4)
		return;
	memcpy(&a, nl_addr_get_binary_addr(loc), 4);
	a = ntohl(a);
	m = plen <= 0 ? 0 : plen >= 32 ? 0xffffffffu
			      : ~(0xffffffffu >> plen);
	if ((a & m) == (w->start & m))
		w->found = 1;
}

void dv_dhcpd_check_subnets(dv_ctx *ctx)
{
	const dv_dhcp_ranges *l = &ctx->cfg.dhcp_ranges;
	struct nl_sock *sk;
	struct nl_cache *addrs = NULL;

	if (l->n == 0 || !(sk = nl_socket_alloc()))
		return;
	if (nl_connect(sk, NETLINK_ROUTE) == 0 &&
	    rtnl_addr_alloc_cache(sk, &addrs) == 0) {
		for (size_t i = 0; i < l->n; i++) {
			struct dv_subnet_walk w = { l->v[i].start, 0 };
			struct in_addr s = { htonl(l->v[i].start) };
			struct in_addr e = { htonl(l->v[i].end) };
			char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
			const char *where = dv_config_where(&ctx->cfg,
							    "dhcp-range",
							    l->text[i]);

			if (l->v[i].is_static)
				continue;
			nl_cache_foreach(addrs, dv_subnet_cb, &w);
			if (w.found)
				continue;
			inet_ntop(AF_INET, &s, a, sizeof(a));
			inet_ntop(AF_INET, &e, b, sizeof(b));
			dv_log(&ctx->lg, DV_LOG_WARN, "%s%sdhcp-range: %s-%s "
			       "is on no interface's subnet", where ? where :
			       "", where ? ": " : "", a, b);
		}
	}
	nl_cache_free(addrs);
	nl_socket_free(sk);
}

int dv_dhcpd_open(dv_ctx *ctx, char *err, size_t errlen)
{
	dv_dhcpd *d;

	if (ctx->cfg.dhcp_ranges.n == 0)
		return 0;
	d = calloc(1, sizeof(*d));
	if (!d) {
		snprintf(err, errlen, "dhcp: out of memory");
		return -1;
	}
	ctx->dhcpd = d;
	d->ctx = ctx;
	d->fd = d->pfd = d->jfd = d->icmpfd = -1;
	d->q = calloc(DV_DHCP_BATCH, sizeof(*d->q));
	d->qlog = calloc(DV_DHCP_BATCH, sizeof(*d->qlog));
	if (!d->q || !d->qlog) {
		snprintf(err, errlen, "dhcp: out of memory");
		return -1;
	}
	dv_dhcpd_check_subnets(ctx);
	if (dv_dhcp_conf_build(&ctx->cfg, &d->conf, err, errlen) < 0 ||
	    dv_nl_open(d, err, errlen) < 0 ||
	    (d->fd = dv_dhcp_udp67(err, errlen)) < 0 ||
	    (d->pfd = dv_dhcp_packet_socket(err, errlen)) < 0)
		return -1;
	d->icmpfd = dv_ping_socket();
	if (d->icmpfd < 0)
		dv_log(&ctx->lg, DV_LOG_WARN, "dhcp: no ICMP socket (%s): "
		       "after lost leases, addresses are offered without a "
		       "ping check", strerror(errno));
	return 0;
}

int dv_dhcpd_zones(dv_ctx *ctx, char *err, size_t errlen)
{
	dv_dhcpd *d = ctx->dhcpd;

	if (!d)
		return 0;
	d->zones_open = 1;
	return dv_leasedns_open(ctx, d->conf.ranges, d->conf.nranges, err,
				errlen);
}

int dv_dhcpd_start(dv_ctx *ctx, char *err, size_t errlen)
{
	dv_dhcpd *d = ctx->dhcpd;

	if (!d)
		return 0;
	d->eng = dv_dhcp_engine(&ctx->cfg, &d->conf, err, errlen);
	if (!d->eng)
		return -1;
	if (dv_journal_open(d, err, errlen) < 0)
		return -1;
	if (d->icmpfd >= 0) {
		d->ping = dv_ping_new(ctx->base, d->icmpfd, dv_probe_done, d);
		if (!d->ping) {
			snprintf(err, errlen, "dhcp: out of memory");
			return -1;
		}
		d->icmpfd = -1;
	}
	d->ev = event_new(ctx->base, d->fd, EV_READ | EV_PERSIST,
			  dv_dhcp_read, d);
	d->nl_ev = event_new(ctx->base, nl_cache_mngr_get_fd(d->mngr),
			     EV_READ | EV_PERSIST, dv_nl_read, d);
	d->timer = evtimer_new(ctx->base, dv_timer_cb, d);
	d->lf_timer = evtimer_new(ctx->base, dv_leasefile_cb, d);
	if (!d->ev || !d->nl_ev || !d->timer || !d->lf_timer ||
	    event_add(d->ev, NULL) < 0 || event_add(d->nl_ev, NULL) < 0) {
		snprintf(err, errlen, "dhcp: cannot register events");
		return -1;
	}
	dv_drain(d);            /* names of the restored leases */
	dv_leasedns_restored(ctx); /* and no stale ones */
	d->lf_dirty = 1;
	dv_leasefile_write(d);
	dv_finish(d);
	dv_log(&ctx->lg, DV_LOG_INFO, "DHCP: %zu range(s), %zu host(s), "
	       "journal %s", d->conf.nranges, d->conf.nhosts, d->jnl);
	return 0;
}

void dv_dhcpd_reload(dv_ctx *ctx)
{
	dv_dhcpd *d = ctx->dhcpd;
	dv_dhcp_conf nc;
	dhcp_ctx *ne;
	uint8_t *snap = NULL;
	size_t len = 0;
	char err[512];

	if (!d) {
		if (ctx->cfg.dhcp_ranges.n)
			dv_log(&ctx->lg, DV_LOG_WARN, "reload: DHCP was not "
			       "running: needs restart");
		return;
	}
	if (dv_dhcp_conf_build(&ctx->cfg, &nc, err, sizeof(err)) < 0 ||
	    !(ne = dv_dhcp_engine(&ctx->cfg, &nc, err, sizeof(err)))) {
		if (nc.ranges)
			dv_dhcp_conf_free(&nc);
		dv_log(&ctx->lg, DV_LOG_ERR, "reload: DHCP keeps its old "
		       "settings: %s", err);
		return;
	}
	if (dv_leasedns_open(ctx, nc.ranges, nc.nranges, err,
			     sizeof(err)) < 0)
		dv_log(&ctx->lg, DV_LOG_ERR, "reload: lease names: %s", err);
	if (dhcp_snapshot(d->eng, &snap, &len) == 0)
		dhcp_restore(ne, snap, len, dv_now_ms());
	dhcp_set_unsure(ne, dhcp_unsure_until(d->eng));
	free(snap);
	dhcp_free(d->eng);
	dv_dhcp_conf_free(&d->conf);
	d->eng = ne;
	d->conf = nc;
	dv_drain(d);
	dv_leasedns_restored(ctx);
	d->lf_dirty = 1;
	dv_finish(d);
}

void dv_dhcpd_dump_stats(dv_ctx *ctx)
{
	dv_dhcpd *d = ctx->dhcpd;
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	uint32_t size, leased, x;
	size_t i;

	if (!d || !d->eng)
		return;
	for (i = 0; dhcp_range_use(d->eng, i, &size, &leased) == 0; i++) {
		const dhcp_range *r = &d->conf.ranges[i];

		x = htonl(r->start);
		inet_ntop(AF_INET, &x, a, sizeof(a));
		x = htonl(r->end);
		inet_ntop(AF_INET, &x, b, sizeof(b));
		dv_log(&ctx->lg, DV_LOG_INFO, "DHCP range %s -- %s: %u of %u "
		       "addresses leased", a, b, leased, size);
	}
}

void dv_dhcpd_stop(dv_ctx *ctx)
{
	dv_dhcpd *d = ctx->dhcpd;
	const dhcp_stats *st;

	if (!d)
		return;
	if (d->eng) {
		dv_drain(d);
		dv_jcommit(d);
		if (d->lf_dirty)
			dv_leasefile_write(d);
		st = dhcp_get_stats(d->eng);
		if (ctx->started)
			dv_log(&ctx->lg, DV_LOG_INFO, "dhcp: %llu packets, "
			       "%llu bad, %llu acks, %llu naks, %llu leases",
			       (unsigned long long)st->rx,
			       (unsigned long long)st->bad,
			       (unsigned long long)st->ack,
			       (unsigned long long)st->nak,
			       (unsigned long long)st->leases);
		dhcp_free(d->eng);
	}
	dv_ping_free(d->ping);
	if (d->icmpfd >= 0)
		close(d->icmpfd);
	if (d->ev)
		event_free(d->ev);
	if (d->nl_ev)
		event_free(d->nl_ev);
	if (d->timer)
		event_free(d->timer);
	if (d->lf_timer)
		event_free(d->lf_timer);
	if (d->zones_open)
		dv_leasedns_close(ctx);
	if (d->mngr)
		nl_cache_mngr_free(d->mngr);
	if (d->fd >= 0)
		close(d->fd);
	if (d->pfd >= 0)
		close(d->pfd);
	if (d->jfd >= 0)
		close(d->jfd);
	dv_dhcp_conf_free(&d->conf);
	free(d->jbuf);
	free(d->q);
	free(d->qlog);
	free(d);
	ctx->dhcpd = NULL;
}
