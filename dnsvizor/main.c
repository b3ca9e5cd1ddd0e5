/*
 * Start-up and lifetime: config, db, addresses (libnl), sockets, pid file,
 * privilege drop, signals, reload, shutdown.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_addr.h>

#include <event2/event.h>
#include <netlink/netlink.h>
#include <netlink/cache.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

#include "dnsvizor/clock.h"
#include "dnsvizor/dnsvizor.h"
#include "dnsvizor/abuse.h"
#include "dnsvizor/net.h"
#include "dnsvizor/dnssec.h"
#include "dnsvizor/persist.h"
#include "dnsvizor/notify.h"
#include "dnsvizor/secondary.h"
#include "dnsvizor/resolve.h"
#include "dnsvizor/outq.h"
#include "dnsvizor/dhcpd.h"
#include "dnsvizor/querylog.h"
#include "dnsvizor/dohconn.h"
#include "dnsvizor/tls.h"
#include "dnsvizor/acme_shell.h"

/* ------------------------------------------------------------------ */
/* listen addresses                                                   */
/* ------------------------------------------------------------------ */

static int dv_addrs_add(dv_ctx *ctx, const dv_addr *a)
{
	dv_addr *n;
	size_t i;

	for (i = 0; i < ctx->naddrs; i++)
		if (ctx->addrs[i].len == a->len &&
		    memcmp(&ctx->addrs[i].ss, &a->ss, a->len) == 0)
			return 0;
	n = realloc(ctx->addrs, (ctx->naddrs + 1) * sizeof(*n));
	if (!n)
		return -1;
	ctx->addrs = n;
	ctx->addrs[ctx->naddrs++] = *a;
	return 0;
}

struct dv_if_walk {
	dv_ctx *ctx;
	int ifindex;
	int found;
	int failed;
};

static void dv_if_addr_cb(struct nl_object *obj, void *arg)
{
	struct dv_if_walk *w = arg;
	struct rtnl_addr *ra = (struct rtnl_addr *)obj;
	struct nl_addr *loc = rtnl_addr_get_local(ra);
	char ip[INET6_ADDRSTRLEN], err[128];
	dv_addr a;
	int fam;

	if (rtnl_addr_get_ifindex(ra) != w->ifindex || !loc)
		return;
	fam = nl_addr_get_family(loc);
	if ((fam != AF_INET || nl_addr_get_len(loc) != 4) &&
	    (fam != AF_INET6 || nl_addr_get_len(loc) != 16))
		return;
	if (fam == AF_INET6 &&
	    (IN6_IS_ADDR_LINKLOCAL(nl_addr_get_binary_addr(loc)) ||
	     (rtnl_addr_get_flags(ra) & (IFA_F_TENTATIVE | IFA_F_DADFAILED))))
		return; /* link-local needs a scope; tentative cannot bind */
	if (!inet_ntop(fam, nl_addr_get_binary_addr(loc), ip, sizeof(ip)) ||
	    dv_addr_parse(ip, w->ctx->cfg.port, &a, err, sizeof(err)) < 0 ||
	    dv_addrs_add(w->ctx, &a) < 0) {
		w->failed = 1;
		return;
	}
	w->found++;
}

static int dv_if_lookup(dv_ctx *ctx, struct nl_cache *links,
			struct nl_cache *addrs, const char *name, char *err,
			size_t errlen)
{
	struct dv_if_walk w = { ctx, 0, 0, 0 };

	w.ifindex = rtnl_link_name2i(links, name);
	if (w.ifindex <= 0 && ctx->cfg.test_only) {
		/* a config is often checked on another machine */
		dv_log(&ctx->lg, DV_LOG_WARN, "interface: no interface '%s' "
		       "on this machine", name);
		return 0;
	}
	if (w.ifindex <= 0) {
		snprintf(err, errlen, "interface: unknown interface '%s'",
			 name);
		return -1;
	}
	nl_cache_foreach(addrs, dv_if_addr_cb, &w);
	if (w.failed) {
		snprintf(err, errlen, "interface %s: cannot use address",
			 name);
		return -1;
	}
	if (!w.found)
		dv_log(&ctx->lg, DV_LOG_WARN,
		       "interface %s has no usable address", name);
	return 0;
}

/* Addresses of --interface names, read over rtnetlink. */
static int dv_interfaces(dv_ctx *ctx, char *err, size_t errlen)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_cache *links = NULL, *addrs = NULL;
	size_t i;
	int rc = -1;

	if (!sk || nl_connect(sk, NETLINK_ROUTE) < 0 ||
	    rtnl_link_alloc_cache(sk, AF_UNSPEC, &links) < 0 ||
	    rtnl_addr_alloc_cache(sk, &addrs) < 0) {
		snprintf(err, errlen, "interface: cannot read interfaces "
			 "over netlink");
		goto out;
	}
	for (i = 0; i < ctx->cfg.interfaces.n; i++)
		if (dv_if_lookup(ctx, links, addrs, ctx->cfg.interfaces.v[i],
				 err, errlen) < 0)
			goto out;
	if (ctx->cfg.interfaces.n == 0) {
		/* --except-interface alone: every other interface */
		struct nl_object *o;

		for (o = nl_cache_get_first(links); o;
		     o = nl_cache_get_next(o)) {
			const char *name = rtnl_link_get_name(
				(struct rtnl_link *)o);

			if (!name ||
			    dv_strlist_has(&ctx->cfg.except_ifaces, name))
				continue;
			if (dv_if_lookup(ctx, links, addrs, name, err,
					 errlen) < 0)
				goto out;
		}
	}
	rc = 0;
out:
	if (addrs)
		nl_cache_free(addrs);
	if (links)
		nl_cache_free(links);
	if (sk)
		nl_socket_free(sk);
	return rc;
}

static int dv_addr_add_str(dv_ctx *ctx, const char *ip, char *err,
			   size_t errlen)
{
	dv_addr a;

	if (dv_addr_parse(ip, ctx->cfg.port, &a, err, errlen) < 0)
		return -1;
	if (dv_addrs_add(ctx, &a) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int dv_resolve_addrs(dv_ctx *ctx, char *err, size_t errlen)
{
	size_t i;

	if (ctx->cfg.port == 0)
		return 0;       /* --port=0: DNS disabled, no DNS sockets */
	for (i = 0; i < ctx->cfg.listen_addrs.n; i++)
		if (dv_addr_add_str(ctx, ctx->cfg.listen_addrs.v[i], err,
				    errlen) < 0)
			return -1;
	if ((ctx->cfg.interfaces.n || (ctx->cfg.except_ifaces.n &&
					ctx->cfg.listen_addrs.n == 0)) &&
	    dv_interfaces(ctx, err, errlen) < 0)
		return -1;
	if (ctx->cfg.listen_addrs.n == 0 && ctx->cfg.interfaces.n == 0 &&
	    ctx->cfg.except_ifaces.n == 0) {
		/* dnsmasq without address options: every address. */
		if (dv_addr_add_str(ctx, "0.0.0.0", err, errlen) < 0 ||
		    dv_addr_add_str(ctx, "::", err, errlen) < 0)
			return -1;
	}
	if (ctx->naddrs == 0 && !(ctx->cfg.test_only &&
				  ctx->cfg.interfaces.n)) {
		snprintf(err, errlen, "no address to listen on");
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* process                                                            */
/* ------------------------------------------------------------------ */

/* dnsmasq: a log-facility with a '/' is a log file; it becomes stderr
 * (one write per line, O_APPEND) so that every writer shares it. */
static int dv_log_file_open(const char *f, char *err, size_t errlen)
{
	int fd = open(f, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);

	if (fd < 0 || dup2(fd, STDERR_FILENO) < 0) {
		snprintf(err, errlen, "log-facility: %s: %s", f,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* SIGUSR2 (log rotation): the log file is opened again by its name; a
 * failure keeps the old file and says so in it. */
static void dv_log_reopen(dv_ctx *ctx)
{
	const char *f = ctx->cfg.log_facility;
	char err[512];

	if (!f || !strchr(f, '/'))
		return;
	if (dv_log_file_open(f, err, sizeof(err)) < 0) {
		dv_log(&ctx->lg, DV_LOG_WARN, "SIGUSR2: %s; still writing to "
		       "the old log file", err);
		return;
	}
	dv_log(&ctx->lg, DV_LOG_INFO, "SIGUSR2: log file %s reopened", f);
}

static int dv_logger_setup(dv_ctx *ctx, char *err, size_t errlen)
{
	const char *f = ctx->cfg.log_facility;
	int fac;

	ctx->lg.level = ctx->cfg.log_level > 0 ? ctx->cfg.log_level
					       : DV_LOG_INFO;
	if (!ctx->cfg.test_only && f && *f && strcmp(f, "-") != 0) {
		if (strchr(f, '/')) {
			if (dv_log_file_open(f, err, errlen) < 0)
				return -1;
			ctx->lg.stamp = 1;
		} else if ((fac = dv_log_facility(f)) < 0) {
			snprintf(err, errlen, "log-facility: unknown "
				 "facility '%s'", f);
			return -1;
		} else {
			ctx->lg.use_syslog = 1;
			ctx->lg.facility = fac;
		}
	}
	dv_log_open(&ctx->lg);
	return 0;
}

/* Nothing uses the state directory yet; a failure is only a warning. */
static void dv_state_dir(dv_ctx *ctx)
{
	const char *d = ctx->cfg.state_dir;
	char path[4096];
	size_t i, n;

	if (!d || !*d || strlen(d) >= sizeof(path))
		return;
	n = strlen(d);
	memcpy(path, d, n + 1);
	for (i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST) {
			dv_log(&ctx->lg, DV_LOG_WARN, "state-dir %s: %s", d,
			       strerror(errno));
			return;
		}
		path[i] = d[i];
	}
}

static int dv_pid_file(dv_ctx *ctx, char *err, size_t errlen)
{
	const char *p = ctx->cfg.pid_file;
	char buf[32];
	int fd, n;

	if (!p || !*p)
		return 0;
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (fd < 0 || write(fd, buf, (size_t)n) != n) {
		snprintf(err, errlen, "pid-file %s: %s", p, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	ctx->pid_written = 1;
	return 0;
}

/* A decimal id, or -1. */
static long dv_numeric_id(const char *s)
{
	char *end;
	long v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	return (*end || errno || v < 0) ? -1 : v;
}

/* Numeric ids need no NSS (boot image); names are looked up as fallback. */
static int dv_resolve_ids(const dv_config *cfg, uid_t *uid, gid_t *gid,
			  char *err, size_t errlen)
{
	long v;
	struct passwd *pw = NULL;
	struct group *gr;
	int have_gid = 0, rc = 0;
	size_t n = 0;           /* both errors are reported (--test) */

	if (cfg->user && *cfg->user) {
		if ((v = dv_numeric_id(cfg->user)) >= 0) {
			*uid = (uid_t)v;
		} else if ((pw = getpwnam(cfg->user))) {
			*uid = pw->pw_uid;
			*gid = pw->pw_gid;
			have_gid = 1;
		} else {
			n = (size_t)snprintf(err, errlen, "user: unknown user "
					     "'%s'", cfg->user);
			rc = -1;
		}
	}
	if (cfg->group && *cfg->group) {
		if ((v = dv_numeric_id(cfg->group)) >= 0) {
			*gid = (gid_t)v;
		} else if ((gr = getgrnam(cfg->group))) {
			*gid = gr->gr_gid;
		} else {
			snprintf(err + n, n < errlen ? errlen - n : 0,
				 "%sgroup: unknown group '%s'", n ? "\n" : "",
				 cfg->group);
			rc = -1;
		}
	} else if (!have_gid && rc == 0) {
		pw = getpwuid(*uid);
		*gid = pw ? pw->pw_gid : (gid_t)*uid;
	}
	return rc;
}

/* --user / --group given with a value (dnsmasq: an empty user= means
 * "stay who you are"). */
static int dv_drops_privs(const dv_config *cfg)
{
	return (cfg->user && *cfg->user) || (cfg->group && *cfg->group);
}

static int dv_drop_privs(dv_ctx *ctx, char *err, size_t errlen)
{
	const dv_config *cfg = &ctx->cfg;
	uid_t uid = getuid();
	gid_t gid = getgid();
	char bad[4096];

	if (!dv_drops_privs(cfg))
		return 0;
	if (geteuid() != 0) {
		dv_log(&ctx->lg, DV_LOG_WARN,
		       "not running as root: --user/--group ignored");
		return 0;
	}
	if (dv_resolve_ids(cfg, &uid, &gid, err, errlen) < 0)
		return -1;
	/* Everything in the state directory (zones, leases, ACME keys and
	 * certificates, the cache) was perhaps written by root: after the
	 * drop it must still be readable and writable. */
	if (cfg->state_dir && *cfg->state_dir &&
	    dv_chown_tree(cfg->state_dir, uid, gid, bad, sizeof(bad)) < 0) {
		snprintf(err, errlen, "state-dir: cannot give %.900s to uid %u "
			 "gid %u: %s", bad, (unsigned)uid, (unsigned)gid,
			 strerror(errno));
		return -1;
	}
	if (setgroups(1, &gid) < 0 || setgid(gid) < 0 ||
	    (cfg->user && *cfg->user && setuid(uid) < 0)) {
		snprintf(err, errlen, "cannot drop privileges: %s",
			 strerror(errno));
		return -1;
	}
	if (cfg->user && *cfg->user && uid != 0 && setuid(0) == 0) {
		snprintf(err, errlen, "privilege drop did not stick");
		return -1;
	}
	dv_log(&ctx->lg, DV_LOG_INFO, "running as uid %u gid %u",
	       (unsigned)getuid(), (unsigned)getgid());
	return 0;
}

/* ------------------------------------------------------------------ */
/* reload                                                             */
/* ------------------------------------------------------------------ */

static int dv_strlist_eq(const dv_strlist *a, const dv_strlist *b)
{
	size_t i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return 0;
	return 1;
}

static int dv_str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void dv_swap_str(char **a, char **b)
{
	char *t = *a;

	*a = *b;
	*b = t;
}

static void dv_swap_list(dv_strlist *a, dv_strlist *b)
{
	dv_strlist t = *a;

	*a = *b;
	*b = t;
}

/* Duplicate options and other warnings found while parsing. */
static void dv_log_parse_warnings(const dv_ctx *ctx, const dv_config *c)
{
	for (size_t i = 0; i < c->parse_warnings.n; i++)
		dv_log(&ctx->lg, DV_LOG_WARN, "%s", c->parse_warnings.v[i]);
}

/*
 * Settings fixed at start-up keep their running values in the new config
 * (so the pid file we wrote is the one removed at exit, and later reloads
 * compare against what is really in effect).
 */
static void dv_restart_warn(const dv_ctx *ctx, const dv_config *nc)
{
	const dv_config *oc = &ctx->cfg;

	if (nc->port != oc->port || nc->edns_max != oc->edns_max ||
	    nc->dot_port != oc->dot_port || nc->doh_port != oc->doh_port ||
	    !dv_strlist_eq(&nc->listen_addrs, &oc->listen_addrs) ||
	    !dv_strlist_eq(&nc->interfaces, &oc->interfaces) ||
	    !dv_strlist_eq(&nc->except_ifaces, &oc->except_ifaces))
		dv_log(&ctx->lg, DV_LOG_WARN, "reload: listening addresses, "
		       "port, dot-port, doh-port or edns-packet-max changed: "
		       "needs restart");
	if (!dv_str_eq(nc->user, oc->user) ||
	    !dv_str_eq(nc->group, oc->group) ||
	    !dv_str_eq(nc->pid_file, oc->pid_file) ||
	    !dv_str_eq(nc->log_facility, oc->log_facility) ||
	    !dv_str_eq(nc->state_dir, oc->state_dir))
		dv_log(&ctx->lg, DV_LOG_WARN, "reload: user, group, pid-file, "
		       "log-facility or state-dir changed: needs restart");
}

static void dv_keep_startup(dv_ctx *ctx, dv_config *nc)
{
	dv_config *oc = &ctx->cfg;
	int port = nc->port;
	uint16_t edns = nc->edns_max;

	nc->port = oc->port;
	nc->edns_max = oc->edns_max;
	dv_swap_list(&nc->listen_addrs, &oc->listen_addrs);
	dv_swap_list(&nc->interfaces, &oc->interfaces);
	dv_swap_str(&nc->user, &oc->user);
	dv_swap_str(&nc->group, &oc->group);
	dv_swap_str(&nc->pid_file, &oc->pid_file);
	dv_swap_str(&nc->log_facility, &oc->log_facility);
	dv_swap_str(&nc->state_dir, &oc->state_dir);
	oc->port = port; /* a second call swaps everything back */
	oc->edns_max = edns;
}

static void dv_reload(dv_ctx *ctx)
{
	dv_config nc;
	zone_db *ndb;
	dv_qlog_hosts *nh;
	char err[1024];

	dv_log(&ctx->lg, DV_LOG_INFO, "SIGHUP: reloading configuration");
	memset(&nc, 0, sizeof(nc));
	if (dv_config_load(&nc, ctx->argc, ctx->argv, err, sizeof(err)) < 0) {
		for (char *c = err; (c = strchr(c, '\n')); )
			*c = ';';  /* one log line for all the errors */
		dv_log(&ctx->lg, DV_LOG_ERR, "reload failed, keeping the "
		       "running configuration: %s", err);
		dv_config_free(&nc);
		return;
	}
	dv_log_parse_warnings(ctx, &nc);
	dv_restart_warn(ctx, &nc);
	dv_keep_startup(ctx, &nc);
	nh = nc.log_queries ? dv_qlog_hosts_new() : NULL;
	ndb = dv_build_db(&nc, ctx->db, &ctx->lg, nh, err, sizeof(err));
	if (!ndb) {
		dv_log(&ctx->lg, DV_LOG_ERR, "reload failed, keeping the "
		       "running data: %s", err);
		dv_qlog_hosts_free(nh);
		dv_keep_startup(ctx, &nc); /* swap the fixed values back */
		dv_config_free(&nc);
		return;
	}
	zone_db_free(ctx->db);
	ctx->db = ndb;
	dv_qlog_hosts_free(ctx->qlog_hosts);
	ctx->qlog_hosts = nh;
	dv_persist_attach(ctx, ndb);
	dv_config_free(&ctx->cfg);
	ctx->cfg = nc;
	dv_dnssec_reattach(ctx); /* signers for the new db, for the edits */
	dv_persist_reload(ctx); /* zone-file edits: applied as IXFR steps */
	dv_dnssec_reload(ctx);  /* sign what is new (timer refresh) */
	dv_rs_reload(ctx);      /* new settings, same cache */
	dv_abuse_reload(ctx);   /* new NSID / RRL, same cookie secrets */
	dv_acme_tls_files(ctx); /* first --acme-cert feeds DoT/DoH */
	dv_tls_reload(ctx);     /* certificate files re-read */
	dv_acme_reload(ctx);    /* new --acme-* options, state kept */
	dv_dhcpd_reload(ctx);   /* lease zones, same leases, new options */
	dv_notify_all(ctx);     /* zone files edited: new serials */
	ctx->lg.level = ctx->cfg.log_level > 0 ? ctx->cfg.log_level
					       : DV_LOG_INFO;
	dv_log(&ctx->lg, DV_LOG_INFO, "reloaded");
}

/* ------------------------------------------------------------------ */
/* signals and main                                                   */
/* ------------------------------------------------------------------ */

/* The test clock: with DV_TEST_CLOCK_FILE set, the file holds how far
 * (seconds, may be fractional or negative) the process's clock is from
 * the real one; read at start and on SIGUSR2.  Tests move time (TTLs,
 * signature validity, lease ends) without waiting. */
static void dv_test_clock(dv_ctx *ctx)
{
	const char *path = getenv("DV_TEST_CLOCK_FILE");
	char buf[64], *end;
	double s;
	FILE *f;
	size_t n;

	if (!path)
		return;
	f = fopen(path, "r");
	n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = '\0';
	s = strtod(buf, &end);
	if (!f || end == buf) {
		dv_log(&ctx->lg, DV_LOG_WARN, "test clock: %s: no number, "
		       "clock not moved", path);
		return;
	}
	dv_clock_skew((int64_t)(s * 1000));
	dv_rs_clock_moved(ctx);
	dv_dnssec_clock_moved(ctx);
	dv_log(&ctx->lg, DV_LOG_INFO, "test clock: %+.3f s from the real "
	       "clock", s);
}

static void dv_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	dv_ctx *ctx = arg;

	(void)what;
	if (sig == SIGHUP) {
		dv_reload(ctx);
		return;
	}
	if (sig == SIGUSR1) {
		dv_log(&ctx->lg, DV_LOG_INFO, "SIGUSR1: statistics");
		dv_net_log_stats(ctx);
		dv_rs_dump_stats(ctx);
		dv_dhcpd_dump_stats(ctx);
		return;
	}
	if (sig == SIGUSR2) {
		dv_log_reopen(ctx);
		dv_test_clock(ctx);
		return;
	}
	dv_log(&ctx->lg, DV_LOG_INFO, "%s received, shutting down",
	       sig == SIGTERM ? "SIGTERM" : "SIGINT");
	event_base_loopbreak(ctx->base);
}

static int dv_signals(dv_ctx *ctx)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	/* a file size limit is an EFBIG write error (handled), not death */
	sigaction(SIGXFSZ, &sa, NULL);
	ctx->sig_term = evsignal_new(ctx->base, SIGTERM, dv_signal_cb, ctx);
	ctx->sig_int = evsignal_new(ctx->base, SIGINT, dv_signal_cb, ctx);
	ctx->sig_hup = evsignal_new(ctx->base, SIGHUP, dv_signal_cb, ctx);
	ctx->sig_usr1 = evsignal_new(ctx->base, SIGUSR1, dv_signal_cb, ctx);
	ctx->sig_usr2 = evsignal_new(ctx->base, SIGUSR2, dv_signal_cb, ctx);
	if (!ctx->sig_term || !ctx->sig_int || !ctx->sig_hup ||
	    !ctx->sig_usr1 || !ctx->sig_usr2 ||
	    evsignal_add(ctx->sig_term, NULL) < 0 ||
	    evsignal_add(ctx->sig_int, NULL) < 0 ||
	    evsignal_add(ctx->sig_hup, NULL) < 0 ||
	    evsignal_add(ctx->sig_usr1, NULL) < 0 ||
	    evsignal_add(ctx->sig_usr2, NULL) < 0)
		return -1;
	/* dnsmasq users send these out of habit: never fatal.  SIGCHLD's
	 * default is to ignore; no child is waited for. */
	sigaction(SIGALRM, &sa, NULL);
	return 0;
}

static void dv_log_started(dv_ctx *ctx)
{
	char line[900];
	size_t i, off = 0;

	snprintf(line, sizeof(line), "%s", ctx->cfg.port ? "" :
		 "nothing (--port=0: DNS disabled)");
	for (i = 0; i < ctx->naddrs && off < sizeof(line) - 1; i++)
		off += (size_t)snprintf(line + off, sizeof(line) - off, "%s%s",
					i ? " " : "", ctx->addrs[i].str);
	if (ctx->cfg.embedded_default)
		dv_log(&ctx->lg, DV_LOG_INFO, "embedded default configuration "
		       "(no configuration given): loopback only, port %u",
		       (unsigned)ctx->cfg.port);
	else
		dv_log(&ctx->lg, DV_LOG_INFO, "configuration from %s",
		       ctx->cfg.conf_origin);
	dv_log(&ctx->lg, DV_LOG_INFO, "dnsvizor %s started, listening on %s",
	       DV_VERSION, line);
}

static void dv_shutdown(dv_ctx *ctx)
{
	dv_acme_stop(ctx);      /* saves its state; before the journals */
	dv_dhcpd_stop(ctx);     /* before the zone journals close */
	dv_secondary_stop(ctx);
	dv_rs_stop(ctx);        /* writes the cache file */
	dv_net_close(ctx);
	dv_abuse_stop(ctx);
	dv_tls_free(ctx);
	dv_dnssec_free(ctx);
	dv_persist_close(ctx);
	dv_notify_free(ctx);
	dv_outq_stop(ctx);      /* after every user of it */
	if (ctx->pid_written && ctx->cfg.pid_file &&
	    unlink(ctx->cfg.pid_file) < 0)
		dv_log(&ctx->lg, DV_LOG_WARN, "pid-file %s: %s",
		       ctx->cfg.pid_file, strerror(errno));
	if (ctx->sig_term)
		event_free(ctx->sig_term);
	if (ctx->sig_int)
		event_free(ctx->sig_int);
	if (ctx->sig_hup)
		event_free(ctx->sig_hup);
	if (ctx->sig_usr1)
		event_free(ctx->sig_usr1);
	if (ctx->sig_usr2)
		event_free(ctx->sig_usr2);
	if (ctx->db)
		zone_db_free(ctx->db);
	dv_qlog_hosts_free(ctx->qlog_hosts);
	dv_config_free(&ctx->cfg);
	free(ctx->addrs);
	if (ctx->base)
		event_base_free(ctx->base);
}

/* --help, --man, --version: answered before anything else is parsed. */
static int dv_early_flags(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-w")) {
			dv_print_help(stdout);
			return 1;
		}
		if (!strcmp(argv[i], "--man")) {
			dv_print_man(stdout);
			return 1;
		}
		if (!strcmp(argv[i], "--list-options")) {
			dv_list_options(stdout);
			return 1;
		}
		if (!strcmp(argv[i], "--version") || !strcmp(argv[i], "-v")) {
			printf("dnsvizor %s\n", DV_VERSION);
			return 1;
		}
	}
	return 0;
}

/* Parse, set up logging, build the db; exits on --test. 0 or -1. */
static int dv_configure(dv_ctx *ctx, char *err, size_t errlen)
{
	if (dv_config_load(&ctx->cfg, ctx->argc, ctx->argv, err, errlen) < 0)
		return -1;
	if (ctx->cfg.dump_only)
		return 0;           /* main prints it; nothing is built */
	if (dv_logger_setup(ctx, err, errlen) < 0)
		return -1;
	dv_log_parse_warnings(ctx, &ctx->cfg);
	dv_test_clock(ctx);     /* before anything reads the clock */
	if (ctx->cfg.log_queries && !ctx->cfg.test_only)
		ctx->qlog_hosts = dv_qlog_hosts_new();
	ctx->db = dv_build_db(&ctx->cfg, NULL, &ctx->lg, ctx->qlog_hosts,
			      err, errlen);
	if (ctx->db)
		dv_persist_attach(ctx, ctx->db);
	return ctx->db ? 0 : -1;
}

static int dv_start(dv_ctx *ctx, char *err, size_t errlen)
{
	dv_state_dir(ctx);
	if (dv_resolve_addrs(ctx, err, errlen) < 0)
		return -1;
	ctx->base = event_base_new();
	if (!ctx->base) {
		snprintf(err, errlen, "cannot create the event loop");
		return -1;
	}
	if (dv_net_init(ctx, err, errlen) < 0 ||
	    dv_abuse_start(ctx, err, errlen) < 0 ||
	    (dv_acme_tls_files(ctx), 0) ||
	    dv_tls_init(ctx, err, errlen) < 0 || /* key: before the drop */
	    dv_net_open(ctx, err, errlen) < 0 ||
	    dv_dhcpd_open(ctx, err, errlen) < 0 || /* port 67: before drop */
	    dv_pid_file(ctx, err, errlen) < 0 ||
	    dv_drop_privs(ctx, err, errlen) < 0 ||
	    dv_dnssec_attach(ctx, err, errlen) < 0 ||
	    dv_persist_open(ctx, err, errlen) < 0 ||
	    dv_dnssec_start(ctx, err, errlen) < 0 ||
	    dv_dhcpd_zones(ctx, err, errlen) < 0)
		return -1;
	if (dv_signals(ctx) < 0 || dv_net_start(ctx) < 0) {
		snprintf(err, errlen, "cannot register events");
		return -1;
	}
	if (dv_rs_start(ctx, err, errlen) < 0 ||
	    dv_notify_init(ctx, err, errlen) < 0 ||
	    dv_dhcpd_start(ctx, err, errlen) < 0)
		return -1;
	if (dv_secondary_start(ctx) < 0) {
		snprintf(err, errlen, "cannot start the secondary zones");
		return -1;
	}
	if (dv_acme_start(ctx, err, errlen) < 0)
		return -1;
	return 0;
}

/* Print every line of err (the config collects one error per line). */
static void dv_print_errors(const char *err)
{
	const char *nl;

	do {
		nl = strchr(err, '\n');
		fprintf(stderr, "dnsvizor: %.*s\n",
			(int)(nl ? (size_t)(nl - err) : strlen(err)), err);
		err = nl + 1;
	} while (nl);
}

/* --test past the option parse: listening addresses, TLS files, users,
 * the resolver's files (root hints, trust anchors).
 * Every check runs; the errors are collected one per line. */
static int dv_test_checks(dv_ctx *ctx, char *err, size_t errlen)
{
	char one[1024];
	size_t off = 0;
	uid_t uid = 0;
	gid_t gid = 0;
	int bad = 0, k;

	err[0] = '\0';
	dv_dhcpd_check_subnets(ctx);      /* warnings only */
	for (k = 0; k < 4; k++) {
		one[0] = '\0';
		if ((k == 0 && dv_resolve_addrs(ctx, one, sizeof(one)) < 0) ||
		    (k == 1 && dv_tls_init(ctx, one, sizeof(one)) < 0) ||
		    (k == 3 && dv_rs_check(ctx, one, sizeof(one)) < 0) ||
		    (k == 2 && dv_drops_privs(&ctx->cfg) &&
		     dv_resolve_ids(&ctx->cfg, &uid, &gid, one,
				    sizeof(one)) < 0)) {
			bad = 1;
			off += (size_t)snprintf(err + off, off < errlen ?
						errlen - off : 0, "%s%s",
						off ? "\n" : "", one);
			if (off >= errlen)
				off = errlen - 1;
		}
	}
	return bad ? -1 : 0;
}

int main(int argc, char **argv)
{
	dv_ctx ctx;
	char err[8192];
	int rc = 0;

	if (dv_early_flags(argc, argv))
		return 0;
	memset(&ctx, 0, sizeof(ctx));
	ctx.argc = argc;
	ctx.argv = argv;
	ctx.doh_ops = &dv_doh_ops;
	ctx.lg.level = DV_LOG_INFO;
	if (dv_configure(&ctx, err, sizeof(err)) < 0) {
		dv_print_errors(err);
		rc = 1;
	} else if (ctx.cfg.dump_only) {
		dv_config_dump(stdout, &ctx.cfg);
	} else if (ctx.cfg.dnssec_rollover.zone) {
		if (dv_dnssec_request(&ctx, stdout, err, sizeof(err)) < 0) {
			dv_print_errors(err);
			rc = 1;
		}
	} else if (ctx.cfg.print_ds) {
		if (dv_dnssec_print_ds(&ctx, stdout, err, sizeof(err)) < 0) {
			dv_print_errors(err);
			rc = 1;
		}
	} else if (ctx.cfg.test_only) {
		if (dv_test_checks(&ctx, err, sizeof(err)) < 0) {
			dv_print_errors(err);
			rc = 1;
		} else {
			printf("configuration OK\n");
		}
	} else if (dv_start(&ctx, err, sizeof(err)) < 0) {
		dv_log(&ctx.lg, DV_LOG_ERR, "%s", err);
		if (ctx.lg.use_syslog)
			fprintf(stderr, "dnsvizor: %s\n", err);
		rc = 1;
	} else {
		dv_log_started(&ctx);
		ctx.started = 1;
		event_base_dispatch(ctx.base);
		dv_net_log_stats(&ctx);
	}
	dv_shutdown(&ctx);
	dv_log_close(&ctx.lg);
	return rc;
}
