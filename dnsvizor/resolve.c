/*
 * The resolver in the shell: builds a res_cfg from the configuration,
 * hands queries the zones pass on (ZONE_PASS) to the sans-IO engine and
 * carries out what it asks for: queries to upstream servers (plain UDP
 * and TCP through the outgoing service, outq.h: a fresh UDP socket per
 * transaction, so the kernel picks a random source port and connect()
 * filters what we read; TCP on shared connections; DNS over TLS through
 * dot.c), answers to the clients that are waiting, and one timer.
 *
 * Clients that wait are remembered in a fixed table (DV_RS_CLIENTS); the
 * token handed to the engine is slot | generation << 16, so a stale token
 * (slot reused, reload) finds nothing.  A TCP client that goes away only
 * clears its slots' connection pointers.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "dnsvizor/config_int.h"
#include "dnsvizor/dot.h"
#include "dnsvizor/abuse.h"
#include "dnsvizor/addr.h"
#include "dnsvizor/clock.h"
#include "dnsvizor/outq.h"
#include "dnsvizor/querylog.h"
#include "dnsvizor/resolve.h"
#include "dnsvizor/restrace.h"
#include "resolver/resolver.h"

enum {
	DV_RS_CLIENTS = 4096,   /* clients waiting for an answer */
	DV_RS_TXNS = 1024,      /* upstream transactions in flight */
	DV_RS_TXN_LIFE = 15,    /* seconds an upstream query is kept */
	DV_RS_PUMP = 100000,    /* actions handled per pump */
	DV_RS_MAXMSG = 65535,
	DV_RS_CLIENT_LIFE = 30, /* a full table reclaims slots this old */
};

typedef struct dv_rs_client {
	uint16_t gen;
	uint8_t used;
	time_t since;            /* when the query arrived (monotonic s) */
	dv_rs_peer p;
} dv_rs_client;

/* What a res_cfg points to: lives as long as its engine. */
typedef struct dv_rs_mem {
	res_forward *fw;
	size_t nfw;
	res_addr *own;
	char *hints, *anchors;
	char *managed;           /* RFC 5011 anchors (--trust-anchor-file) */
	uint8_t *rebind_ok;      /* --rebind-domain-ok wire names */
	size_t rebind_ok_len;
	/* for the log (dv_rs_log_mode): where the servers for every name
	 * come from, or why there are none (full recursion) */
	char src[1200];
	char why[1200];
	res_net *nets;           /* --bogus-nxdomain, then --ignore-address */
	res_alias *aliases;      /* --alias */
} dv_rs_mem;

struct dv_rs {
	dv_ctx *ctx;
	res_ctx *res;
	unsigned gen;            /* bumped when res is replaced */
	dv_rs_mem mem;
	struct event *timer;
	uint64_t armed;          /* deadline the timer is set for, 0: none */
	dv_rs_client *cl;
	uint16_t next_gen;
	size_t ncl, cl_hint;
	size_t ntxns;            /* upstream queries in flight (outq.h) */
	uint8_t *obuf;           /* an answer with EDNS options added */
	/* --log-queries: the client whose query is being started, for the
	 * "forwarded" lines its first upstream queries log (NULL: none) */
	const struct sockaddr_storage *qlog_client;
	uint32_t qlog_serial;
	struct sockaddr_storage out4, out6; /* --outgoing-address */
	int has_out4, has_out6;
	dv_dot *dot;             /* DNS over TLS connections, on first use */
	uint8_t csecret[16];     /* DNS cookies: the client secret */
};

/* ------------------------------------------------------------------ */
/* forwarding rules (typed by options.c) and resolv.conf              */
/* ------------------------------------------------------------------ */

static int dv_rs_loopback(const res_addr *a)
{
	static const uint8_t v6lo[16] = { [15] = 1 };

	return a->af == 4 ? a->addr[0] == 127 : !memcmp(a->addr, v6lo, 16);
}

static void dv_rs_addr(const dv_ipport *ip, res_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->af = (uint8_t)ip->af;
	memcpy(a->addr, ip->addr, sizeof(a->addr));
	a->port = ip->port;
}

/* The forward for this domain (created empty). */
static res_forward *dv_rs_fw_get(dv_rs_mem *m, const uint8_t *wire)
{
	res_forward *n;

	for (size_t i = 0; i < m->nfw; i++)
		if (wire_name_equal(m->fw[i].domain, wire))
			return &m->fw[i];
	n = realloc(m->fw, (m->nfw + 1) * sizeof(*n));
	if (!n)
		return NULL;
	m->fw = n;
	n = &m->fw[m->nfw++];
	memset(n, 0, sizeof(*n));
	wire_name_lower(n->domain, wire);
	n->transport = RES_T_UDP;
	return n;
}

/* Server a (NULL: none, local data only) for domain ("": all names). */
static int dv_rs_fw_add(dv_rs_mem *m, const char *domain, const res_addr *a)
{
	char name[1024];
	uint8_t wire[WIRE_MAXNAME];
	res_forward *f;
	res_addr *na;

	if (!*domain)
		strcpy(name, ".");
	else if (dv_name_abs(domain, strlen(domain), name, sizeof(name)) < 0)
		return -1;
	if (wire_name_from_str(name, wire) < 0 ||
	    !(f = dv_rs_fw_get(m, wire)))
		return -1;
	if (!a)
		return 0;
	for (size_t i = 0; i < f->nservers; i++)
		if (!memcmp(&f->servers[i], a, sizeof(*a)))
			return 0;
	na = realloc(f->servers, (f->nservers + 1) * sizeof(*na));
	if (!na)
		return -1;
	f->servers = na;
	f->servers[f->nservers++] = *a;
	return 0;
}

/* One --server / --local rule. */
static int dv_rs_rule(dv_rs_mem *m, const dv_fwd_rule *r)
{
	res_addr a;
	const res_addr *ap = NULL;

	if (r->addr.af) {
		dv_rs_addr(&r->addr, &a);
		ap = &a;
	}
	if (r->ndomains == 0)
		return dv_rs_fw_add(m, "", ap);
	for (size_t i = 0; i < r->ndomains; i++)
		if (dv_rs_fw_add(m, r->domains[i], ap) < 0)
			return -1;
	return 0;
}

/* --dns-upstream entries: servers for all names, one transport. */
static int dv_rs_upstreams(const dv_config *c, dv_rs_mem *m, char *err,
			   size_t errlen)
{
	static const uint8_t root[1] = { 0 };
	int seen = -1;

	for (size_t i = 0; i < c->dns_upstreams.n; i++) {
		const dv_upstream *u = &c->dns_upstreams.v[i];
		res_addr a;
		res_forward *f;

		if (seen >= 0 && u->transport != seen) {
			snprintf(err, errlen, "dns-upstream: mixing udp:, tcp: "
				 "and tls: upstreams is not supported yet");
			return -1;
		}
		dv_rs_addr(&u->addr, &a);
		if (dv_rs_fw_add(m, "", &a) < 0 ||
		    !(f = dv_rs_fw_get(m, root))) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		/* one forwarding rule holds one certificate name */
		if (seen == RES_T_TLS && strcmp(u->tls_name, f->tls_name)) {
			snprintf(err, errlen, "dns-upstream: tls: upstreams "
				 "with different names (!NAME) are not "
				 "supported yet");
			return -1;
		}
		seen = u->transport;
		f->transport = (uint8_t)u->transport;
		snprintf(f->tls_name, sizeof(f->tls_name), "%s", u->tls_name);
	}
	return 0;
}

/* Servers for every name so far (the root rule), 0: none. */
static size_t dv_rs_root_servers(const dv_rs_mem *m)
{
	for (size_t i = 0; i < m->nfw; i++)
		if (m->fw[i].domain[0] == 0)
			return m->fw[i].nservers;
	return 0;
}

/* nameserver lines of resolv.conf: servers for every name. */
static void dv_rs_resolv_conf(dv_ctx *ctx, dv_rs_mem *m)
{
	char *text, *line, *save = NULL;
	size_t len, before = dv_rs_root_servers(m);
	int rc = dv_read_file(NULL, ctx->cfg.resolv_file, &text, &len);

	if (rc < 0) {
		dv_log(&ctx->lg, DV_LOG_WARN, "%s: resolv-file %s: %s",
		       ctx->cfg.resolv_file_at ? ctx->cfg.resolv_file_at
					       : "default",
		       ctx->cfg.resolv_file, strerror(-rc));
		snprintf(m->why, sizeof(m->why), "resolv-file %s %s",
			 ctx->cfg.resolv_file, rc == -ENOENT ? "missing" :
			 strerror(-rc));
		return;
	}
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char ip[128];
		dv_ipport ipp;
		res_addr a;

		if (sscanf(line, " nameserver %127s", ip) != 1 ||
		    strchr(ip, '%') ||
		    dv_ipport_parse(ip, strlen(ip), 53, &ipp) < 0)
			continue;
		dv_rs_addr(&ipp, &a);
		if (dv_rs_loopback(&a) && !ctx->cfg.allow_loopback) {
			/* e.g. a local stub resolver: we would never reach
			 * it, so do not let it stop iteration either */
			dv_log(&ctx->lg, DV_LOG_WARN, "resolv-file %s: "
			       "nameserver %s is on loopback: ignored (see "
			       "--allow-loopback-upstream)",
			       ctx->cfg.resolv_file, ip);
			continue;
		}
		if (dv_rs_fw_add(m, "", &a) < 0)
			break;
	}
	free(text);
	if (dv_rs_root_servers(m) == before)
		snprintf(m->why, sizeof(m->why), "resolv-file %s names no "
			 "usable server", ctx->cfg.resolv_file);
}

static int dv_rs_forwards(dv_ctx *ctx, dv_rs_mem *m, char *err,
			  size_t errlen)
{
	const dv_config *c = &ctx->cfg;

	size_t n;

	for (size_t i = 0; i < c->servers.n; i++)
		if (dv_rs_rule(m, &c->servers.v[i]) < 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	if (dv_rs_root_servers(m))
		snprintf(m->src, sizeof(m->src), "--server");
	/* dnsmasq: resolv.conf servers join the --server ones unless
	 * --no-resolv; with servers from neither place, dnsvizor iterates
	 * from the root itself. */
	if (dv_rs_upstreams(c, m, err, errlen) < 0)
		return -1;
	if (c->dns_upstreams.n)
		snprintf(m->src, sizeof(m->src), "--dns-upstream");
	if (!c->no_resolv && c->resolv_file && c->dns_upstreams.n == 0) {
		n = dv_rs_root_servers(m);
		dv_rs_resolv_conf(ctx, m);
		if (dv_rs_root_servers(m) > n) {
			n = strlen(m->src);
			snprintf(m->src + n, sizeof(m->src) - n,
				 "%sresolv-file %s", n ? " and " : "",
				 c->resolv_file);
		}
	} else if (!dv_rs_root_servers(m)) {
		snprintf(m->why, sizeof(m->why), "%s and no --server for "
			 "every name", c->no_resolv ? "--no-resolv" :
			 "no resolv-file");
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* building the engine                                                */
/* ------------------------------------------------------------------ */

static void dv_rs_mem_free(dv_rs_mem *m)
{
	for (size_t i = 0; i < m->nfw; i++)
		free(m->fw[i].servers);
	free(m->fw);
	free(m->own);
	free(m->hints);
	free(m->anchors);
	free(m->managed);
	free(m->rebind_ok);
	free(m->nets);
	free(m->aliases);
	memset(m, 0, sizeof(*m));
}

static int dv_rs_append(char **dst, size_t *len, const char *s, size_t n)
{
	char *nb = realloc(*dst, *len + n + 2);

	if (!nb)
		return -1;
	memcpy(nb + *len, s, n);
	*len += n;
	nb[(*len)++] = '\n';
	nb[*len] = '\0';
	*dst = nb;
	return 0;
}

/* RFC 5011: with a state directory the --trust-anchor-file anchors are
 * managed: <state-dir>/trust-anchors.managed, written by the engine
 * (dv_rs_save_anchors), replaces the files' text at start when it is not
 * older than every one of them (an operator who edits a file later gets
 * the file). */
static int dv_rs_managed_path(const dv_config *c, char *out, size_t n)
{
	const char *d = c->state_dir;

	return c->dnssec && c->trust_anchor_files.n && d && *d &&
	       (size_t)snprintf(out, n, "%s/trust-anchors.managed", d) < n ?
	       0 : -1;
}

static int dv_rs_newer(const char *a, const char *b)
{
	struct stat sa, sb;

	if (stat(a, &sa) < 0)
		return 0;
	if (stat(b, &sb) < 0)
		return 1;
	return sa.st_mtim.tv_sec != sb.st_mtim.tv_sec ?
	       sa.st_mtim.tv_sec > sb.st_mtim.tv_sec :
	       sa.st_mtim.tv_nsec >= sb.st_mtim.tv_nsec;
}

static int dv_rs_managed(const dv_config *c, dv_rs_mem *m, char *err,
			 size_t errlen)
{
	char path[4096], why[256], *text;
	size_t n;
	int rc;

	if (dv_rs_managed_path(c, path, sizeof(path)) < 0)
		return 0;
	for (size_t i = 0; i < c->trust_anchor_files.n; i++)
		if (!dv_rs_newer(path, c->trust_anchor_files.v[i]))
			return 0;
	rc = dv_read_file(NULL, path, &text, &n);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return -1;
	}
	if (res_anchors_check(text, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s: %s (remove it to start again from "
			 "the trust-anchor-file)", path, why);
		free(text);
		return -1;
	}
	free(m->managed);
	m->managed = text;
	return 0;
}

/* cfg.anchors_save: the managed anchors, durable before they are used. */
static int dv_rs_save_anchors(void *arg, const char *text, size_t len)
{
	dv_ctx *ctx = arg;
	char path[4096];

	if (dv_rs_managed_path(&ctx->cfg, path, sizeof(path)) < 0)
		return -1;
	if (dv_write_atomic(path, text, len, 0644) < 0) {
		dv_log(&ctx->lg, DV_LOG_ERR, "cannot write %s: %s: trust "
		       "anchor change not made", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* --trust-anchor lines and --trust-anchor-file contents, or NULL; with a
 * state directory the files' part is managed (RFC 5011, m->managed). */
static int dv_rs_anchors(const dv_config *c, dv_rs_mem *m, char *err,
			 size_t errlen)
{
	size_t len = 0, mlen = 0;
	char line[2048], why[256];
	int managed = dv_rs_managed_path(c, line, sizeof(line)) == 0;

	for (size_t i = 0; i < c->trust_anchors.n; i++) {
		const dv_anchor *t = &c->trust_anchors.v[i];

		snprintf(line, sizeof(line), "%s IN DS %u %u %u %s",
			 t->domain, (unsigned)t->keytag, (unsigned)t->alg,
			 (unsigned)t->digest_type, t->digest);
		if (dv_rs_append(&m->anchors, &len, line, strlen(line)) < 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	for (size_t i = 0; i < c->trust_anchor_files.n; i++) {
		char *text;
		size_t n;
		int rc = dv_read_file(NULL, c->trust_anchor_files.v[i], &text,
				      &n);
		/* the option's place too: a file has no line to name when
		 * it cannot be read */
		const char *w = dv_config_where(c, "trust-anchor-file",
						c->trust_anchor_files.v[i]);

		if (rc < 0) {
			snprintf(err, errlen, "%s%strust-anchor-file %s: %s",
				 w ? w : "", w ? ": " : "",
				 c->trust_anchor_files.v[i], strerror(-rc));
			return -1;
		}
		if (res_anchors_check(text, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "%s%strust-anchor-file %s: %s",
				 w ? w : "", w ? ": " : "",
				 c->trust_anchor_files.v[i], why);
			free(text);
			return -1;
		}
		rc = managed ? dv_rs_append(&m->managed, &mlen, text, n) :
			       dv_rs_append(&m->anchors, &len, text, n);
		free(text);
		if (rc < 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	return managed ? dv_rs_managed(c, m, err, errlen) : 0;
}

/* Our own listening addresses: never query them. */
static int dv_rs_own(const dv_ctx *ctx, dv_rs_mem *m)
{
	m->own = calloc(ctx->naddrs + 1, sizeof(*m->own));
	if (!m->own)
		return -1;
	for (size_t i = 0; i < ctx->naddrs; i++) {
		res_addr *a = &m->own[i];

		a->af = (uint8_t)dv_sa_split((const struct sockaddr *)
					     &ctx->addrs[i].ss, a->addr,
					     &a->port);
	}
	return 0;
}

static void dv_rs_on_rebind(void *arg, const uint8_t *lname)
{
	char name[1024];

	if (wire_name_to_str(lname, name, sizeof(name)) < 0)
		snprintf(name, sizeof(name), "?");
	dv_log(arg, DV_LOG_WARN, "possible DNS-rebind attack detected: %s "
	       "(private address from upstream refused)", name);
}

static void dv_rs_cfg_fill(const dv_config *c, const dv_rs_mem *m,
			   size_t nown, res_cfg *rc)
{
	memset(rc, 0, sizeof(*rc));
	rc->root_hints_text = m->hints;
	rc->forwards = m->fw;
	rc->nforwards = m->nfw;
	rc->strict_order = (uint8_t)(c->strict_order != 0);
	rc->all_servers = (uint8_t)(c->all_servers != 0);
	rc->qname_min = (uint8_t)(c->qname_min != 0);
	rc->allow_loopback = (uint8_t)(c->allow_loopback != 0);
	rc->ipv4_only = (uint8_t)(c->ipv4_only != 0);
	rc->ipv6_only = (uint8_t)(c->ipv6_only != 0);
	rc->own_addrs = m->own;
	rc->nown = nown;
	rc->cache_entries = c->cache_size;
	rc->no_cache = (uint8_t)(c->cache_size == 0);
	rc->cache_bytes = c->cache_max_bytes;
	rc->neg_ttl = c->neg_ttl;
	rc->max_cache_ttl = c->max_cache_ttl;
	rc->min_cache_ttl = c->min_cache_ttl;
	rc->no_negcache = (uint8_t)(c->no_negcache != 0);
	rc->use_stale = (uint8_t)(c->use_stale != 0);
	rc->stale_max_age = c->stale_max_age;
	rc->dnssec = (uint8_t)(c->dnssec != 0);
	rc->no_timecheck = (uint8_t)(c->dnssec_no_timecheck != 0);
	rc->trust_anchor_text = m->anchors;
	rc->managed_anchor_text = m->managed;
	rc->nta = (const char **)c->nta.v;
	rc->nnta = c->nta.n;
	rc->edns_max = c->edns_max;
	rc->random = dv_random;
	rc->domain_needed = (uint8_t)(c->domain_needed != 0);
	rc->bogus_priv = (uint8_t)(c->bogus_priv != 0);
	rc->stop_rebind = (uint8_t)(c->stop_rebind != 0);
	rc->rebind_localhost_ok = (uint8_t)(c->rebind_localhost_ok != 0);
	rc->rebind_ok = m->rebind_ok;
	rc->rebind_ok_len = m->rebind_ok_len;
	rc->on_rebind = dv_rs_on_rebind;
	rc->bogus_nx = m->nets;
	rc->nbogus_nx = c->bogus_nx.n;
	rc->ignore_addr = m->nets ? m->nets + c->bogus_nx.n : NULL;
	rc->nignore_addr = c->ignore_addr.n;
	rc->filter_a = (uint8_t)(c->filter_a != 0);
	rc->filter_aaaa = (uint8_t)(c->filter_aaaa != 0);
	rc->filterwin2k = (uint8_t)(c->filterwin2k != 0);
	rc->aliases = m->aliases;
	rc->naliases = m->aliases ? c->aliases.n : 0;
	rc->max_tasks = c->dns_forward_max;
	rc->jostle_ms = c->jostle_timeout;
	rc->client_max = c->per_client;
	rc->server_max = c->per_server;
	rc->zone_max = c->per_zone;
	rc->no_cookies = (uint8_t)(c->no_upstream_cookies != 0);
	rc->txn_max = DV_RS_TXNS - 24;  /* resends go past it */
}

/* --bogus-nxdomain and --ignore-address blocks, back to back; --alias. */
static int dv_rs_nets(const dv_config *c, dv_rs_mem *m)
{
	const dv_prefixes *l[2] = { &c->bogus_nx, &c->ignore_addr };
	size_t k = 0;

	if (l[0]->n + l[1]->n &&
	    !(m->nets = calloc(l[0]->n + l[1]->n, sizeof(*m->nets))))
		return -1;
	for (int j = 0; m->nets && j < 2; j++)
		for (size_t i = 0; i < l[j]->n; i++, k++) {
			m->nets[k].af = (uint8_t)l[j]->v[i].af;
			m->nets[k].prefix = (uint8_t)l[j]->v[i].len;
			memcpy(m->nets[k].addr, l[j]->v[i].addr, 16);
		}
	if (!c->aliases.n)
		return 0;
	m->aliases = calloc(c->aliases.n, sizeof(*m->aliases));
	if (!m->aliases)
		return -1;
	for (size_t i = 0; i < c->aliases.n; i++) {
		const dv_alias *a = &c->aliases.v[i];

		memcpy(m->aliases[i].lo, a->lo, 4);
		memcpy(m->aliases[i].hi, a->hi, 4);
		memcpy(m->aliases[i].to, a->to, 4);
		memcpy(m->aliases[i].mask, a->mask, 4);
		m->aliases[i].range = (uint8_t)(a->range != 0);
	}
	return 0;
}

/* --rebind-domain-ok names (checked by options.c) as wire names. */
static int dv_rs_rebind_ok(const dv_config *c, dv_rs_mem *m)
{
	uint8_t w[WIRE_MAXNAME];

	m->rebind_ok = malloc(c->rebind_ok.n * WIRE_MAXNAME + 1);
	if (!m->rebind_ok)
		return -1;
	for (size_t i = 0; i < c->rebind_ok.n; i++) {
		int n = wire_name_from_str(c->rebind_ok.v[i], w);

		if (n <= 1)
			continue;
		m->rebind_ok_len += wire_name_lower(m->rebind_ok +
						    m->rebind_ok_len, w);
	}
	return 0;
}

/* The resolver's view of local data: a chain that leads into a local
 * zone (or hosts, --address) ends there, as a client's query would. */
static int dv_rs_local(void *arg, const uint8_t *q, size_t qlen,
		       uint8_t *resp, size_t cap, size_t *len)
{
	dv_ctx *ctx = arg;
	zone_stats st;

	memset(&st, 0, sizeof(st));
	return ctx->db && zone_db_answer(ctx->db, q, qlen, 1, resp, cap, len,
					 &st) == ZONE_REPLY;
}

/* A new engine for ctx->cfg; its memory in *m.  NULL + err. */
static res_ctx *dv_rs_build(dv_ctx *ctx, dv_rs_mem *m,
			    const uint8_t *secret, char *err, size_t errlen)
{
	const dv_config *c = &ctx->cfg;
	res_cfg rc;
	res_ctx *r = NULL;
	size_t n;
	int e;

	memset(m, 0, sizeof(*m));
	if (c->root_hints &&
	    (e = dv_read_file(NULL, c->root_hints, &m->hints, &n)) < 0) {
		snprintf(err, errlen, "%s: %s", c->root_hints, strerror(-e));
		dv_config_where_prefix(c, "root-hints", c->root_hints, err,
				       errlen);
		goto fail;
	}
	if (dv_rs_forwards(ctx, m, err, errlen) < 0 ||
	    dv_rs_anchors(c, m, err, errlen) < 0)
		goto fail;
	if (dv_rs_own(ctx, m) < 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (dv_rs_rebind_ok(c, m) < 0 || dv_rs_nets(c, m) < 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	dv_rs_cfg_fill(c, m, ctx->naddrs, &rc);
	memcpy(rc.cookie_secret, secret, sizeof(rc.cookie_secret));
	rc.on_rebind_arg = &ctx->lg;
	/* warnings always; the trace only at --log-level=debug */
	rc.on_event = dv_rs_event;
	rc.on_event_arg = &ctx->lg;
	rc.anchors_save = dv_rs_save_anchors;
	rc.anchors_save_arg = ctx;
	rc.trace = (uint8_t)(c->log_level == DV_LOG_DEBUG);
	rc.local = dv_rs_local;
	rc.local_arg = ctx;
	r = res_new(&rc, err, errlen);
	if (r)
		return r;
fail:
	dv_rs_mem_free(m);
	return NULL;
}

/* "192.0.2.1, [2001:db8::1]:5353, ..." */
static void dv_rs_servers_str(const res_forward *f, char *out, size_t cap)
{
	size_t off = 0;

	out[0] = '\0';
	for (size_t i = 0; i < f->nservers && off < cap; i++) {
		const res_addr *a = &f->servers[i];
		char ip[INET6_ADDRSTRLEN];

		inet_ntop(a->af == 6 ? AF_INET6 : AF_INET, a->addr, ip,
			  sizeof(ip));
		if (a->port == 53)
			off += (size_t)snprintf(out + off, cap - off, "%s%s",
						i ? ", " : "", ip);
		else
			off += (size_t)snprintf(out + off, cap - off,
						a->af == 6 ? "%s[%s]:%u" :
						"%s%s:%u", i ? ", " : "", ip,
						(unsigned)a->port);
	}
}

/*
 * The mode, at start and on every reload: forwarding (to which servers,
 * from where) or full recursion (from which hints, and why).  Root hints
 * while every name is forwarded are never used: said as a warning (as
 * in dnsmasq, servers, including resolv.conf's, win; --no-resolv makes
 * the hints count).
 */
static void dv_rs_log_mode(dv_ctx *ctx, const dv_rs_mem *m)
{
	const dv_config *c = &ctx->cfg;
	char srv[1024];
	size_t other = m->nfw;

	for (size_t i = 0; i < m->nfw; i++) {
		const res_forward *f = &m->fw[i];

		if (f->domain[0] != 0 || !f->nservers)
			continue;
		other--;
		dv_rs_servers_str(f, srv, sizeof(srv));
		dv_log(&ctx->lg, DV_LOG_INFO, "resolver: forwarding to %s "
		       "(from %s)%s", srv, m->src[0] ? m->src : "--server",
		       other ? "; per-domain rules beside" : "");
		if (c->root_hints)
			dv_log(&ctx->lg, DV_LOG_WARN, "resolver: root-hints "
			       "%s unused: every name is forwarded (%s); "
			       "give --no-resolv for full recursion from "
			       "these hints", c->root_hints,
			       m->src[0] ? m->src : "--server");
		return;
	}
	if (c->root_hints)
		snprintf(srv, sizeof(srv), "root hints %s", c->root_hints);
	else
		snprintf(srv, sizeof(srv), "the built-in root hints");
	dv_log(&ctx->lg, DV_LOG_INFO, "resolver: %s%sfull recursion from %s%s",
	       m->why, m->why[0] ? " -> " : "", srv,
	       other ? "; per-domain forwarding rules beside" : "");
}

/* ------------------------------------------------------------------ */
/* waiting clients                                                    */
/* ------------------------------------------------------------------ */

static time_t dv_rs_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void dv_rs_client_del(struct dv_rs *rs, dv_rs_client *c);

/* The table is full: answers the engine never gave are not coming. */
static void dv_rs_client_reclaim(struct dv_rs *rs)
{
	time_t now = dv_rs_mono();

	for (size_t i = 0; i < DV_RS_CLIENTS; i++)
		if (rs->cl[i].used &&
		    now - rs->cl[i].since > DV_RS_CLIENT_LIFE)
			dv_rs_client_del(rs, &rs->cl[i]);
}

static uint64_t dv_rs_client_add(struct dv_rs *rs, const dv_rs_peer *p)
{
	if (rs->ncl >= DV_RS_CLIENTS)
		dv_rs_client_reclaim(rs);
	for (size_t k = 0; rs->ncl < DV_RS_CLIENTS && k < DV_RS_CLIENTS;
	     k++) {
		size_t i = (rs->cl_hint + k) % DV_RS_CLIENTS;
		dv_rs_client *c = &rs->cl[i];

		if (c->used)
			continue;
		c->used = 1;
		c->gen = ++rs->next_gen;
		/* not the query-log copy (qname): dv_rs_keep_question fills
		 * it for a pending query (a struct copy costs a hit ~500
		 * bytes) */
		memcpy(&c->p, p, offsetof(dv_rs_peer, eopt));
		if (p->eopt_len)    /* a cookie / NSID: rare, copied apart */
			memcpy(c->p.eopt, p->eopt, p->eopt_len);
		c->p.logq = 0;
		if (p->conn)
			p->conn->rs_pending++;
		rs->ncl++;
		rs->cl_hint = i + 1;
		return (uint64_t)i | (uint64_t)c->gen << 16;
	}
	return UINT64_MAX;
}

static dv_rs_client *dv_rs_client_get(struct dv_rs *rs, uint64_t token)
{
	size_t i = (size_t)(token & 0xffff);

	if (i >= DV_RS_CLIENTS || !rs->cl[i].used ||
	    rs->cl[i].gen != (uint16_t)(token >> 16))
		return NULL;
	return &rs->cl[i];
}

static void dv_rs_client_del(struct dv_rs *rs, dv_rs_client *c)
{
	if (c->p.conn)
		c->p.conn->rs_pending--;
	c->used = 0;
	rs->ncl--;
}

void dv_rs_conn_gone(dv_ctx *ctx, dv_tcp_conn *conn)
{
	struct dv_rs *rs = ctx->rs;

	if (!rs || conn->rs_pending <= 0)
		return;
	for (size_t i = 0; i < DV_RS_CLIENTS; i++)
		if (rs->cl[i].used && rs->cl[i].p.conn == conn)
			rs->cl[i].p.conn = NULL;
	conn->rs_pending = 0;
}

static void dv_rs_udp_reply(dv_ctx *ctx, const dv_rs_peer *p,
			    const uint8_t *msg, size_t len)
{
	struct iovec iov = { (void *)msg, len };
	struct msghdr mh;

	memset(&mh, 0, sizeof(mh));
	mh.msg_name = (void *)&p->peer;
	mh.msg_namelen = p->peerlen;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (p->ctllen) {
		mh.msg_control = (void *)p->ctl;
		mh.msg_controllen = p->ctllen;
	}
	if (sendmsg(p->fd, &mh, MSG_DONTWAIT) < 0)
		ctx->nst.udp_send_drop++;
	else
		ctx->nst.udp_out++;
}

/* The answer with the client's cookie / NSID options (abuse.h). */
static const uint8_t *dv_rs_with_opts(struct dv_rs *rs, const dv_rs_peer *p,
				      const uint8_t *msg, size_t *len)
{
	if (!p->eopt_len || *len > DV_RS_MAXMSG ||
	    (!rs->obuf && !(rs->obuf = malloc(DV_RS_MAXMSG))))
		return msg;
	size_t n;

	memcpy(rs->obuf, msg, *len);
	n = dv_abuse_rs_opts(rs->ctx, p->eopt, p->eopt_len,
			     p->tcp ? DV_RS_MAXMSG : p->elim, rs->obuf, *len,
			     DV_RS_MAXMSG);
	if (n == 0)
		return msg;
	*len = n;
	return rs->obuf;
}

static void dv_rs_answer(struct dv_rs *rs, const res_action *a)
{
	dv_ctx *ctx = rs->ctx;
	dv_rs_client *c = dv_rs_client_get(rs, a->client_token);
	const uint8_t *msg;
	size_t len;

	if (!c)
		return;
	len = a->len;
	msg = dv_rs_with_opts(rs, &c->p, a->msg, &len);
	if (ctx->cfg.log_queries && c->p.logq)
		dv_log_reply(ctx, c->p.serial,
			     (const struct sockaddr *)&c->p.peer, "reply",
			     msg, len);
	if (!c->p.tcp) {
		dv_rs_udp_reply(ctx, &c->p, msg, len);
	} else if (c->p.conn && len <= DV_RS_MAXMSG) {
		/* TCP, DoT: length-framed; DoH: the HTTP stream c->p.tag */
		ctx->conn_reply(c->p.conn, c->p.tag, msg, len);
	}
	dv_rs_client_del(rs, c);
}

/* The engine gave up on the client's query (it gave its place to a
 * newer one): no answer comes; the client retries. */
static void dv_rs_forget(struct dv_rs *rs, uint64_t token)
{
	dv_rs_client *c = dv_rs_client_get(rs, token);

	if (c)
		dv_rs_client_del(rs, c);
}

/* The client's address for the per-client limit (port left 0). */
static void dv_rs_peer_addr(const dv_rs_peer *p, res_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (p->peer.ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)&p->peer;

		a->af = 4;
		memcpy(a->addr, &s4->sin_addr, 4);
	} else if (p->peer.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)&p->peer;

		a->af = 6;
		memcpy(a->addr, &s6->sin6_addr, 16);
	}
}

/* ------------------------------------------------------------------ */
/* upstream transactions                                              */
/* ------------------------------------------------------------------ */

static void dv_rs_pump(struct dv_rs *rs);

static socklen_t dv_rs_sockaddr(const res_addr *a,
				struct sockaddr_storage *ss)
{
	return dv_sa_make(a->af, a->addr, a->port, ss);
}

/* A reply or failure of an upstream query over UDP/TCP (outq.h).  The
 * query is a stream: a reply the engine finds spoofed (a wrong cookie)
 * keeps it waiting for the real one.  A timeout needs no word: the
 * engine's own timer gave up on the transaction long before. */
static int dv_rs_upstream_cb(void *arg, uint64_t txn, int status,
			     const uint8_t *msg, size_t len)
{
	struct dv_rs *rs = arg;

	if (status == DV_OQ_REPLY &&
	    res_on_reply(rs->res, txn, msg, len, dv_now_ms()) == 1)
		return 1;
	if (status == DV_OQ_ERROR)
		res_on_error(rs->res, txn, dv_now_ms());
	rs->ntxns--;
	dv_rs_pump(rs);
	return 0;
}

/* Plain DNS to an upstream: the outgoing service sends it from a fresh
 * socket (random source port) or a shared TCP connection; the engine
 * chose the id, judges the reply and keeps its own timers. */
static int dv_rs_send_plain(struct dv_rs *rs, const res_action *a)
{
	struct sockaddr_storage ss;
	int v4 = a->server.af == 4;
	dv_oq_req r;

	memset(&r, 0, sizeof(r));
	r.server_len = dv_rs_sockaddr(&a->server, &ss);
	r.server = (const struct sockaddr *)&ss;
	if (v4 ? rs->has_out4 : rs->has_out6) {
		r.source = (const struct sockaddr *)(v4 ? &rs->out4
							: &rs->out6);
		r.source_len = v4 ? sizeof(struct sockaddr_in)
				  : sizeof(struct sockaddr_in6);
	}
	r.msg = a->msg;
	r.len = a->len;
	r.o.flags = ZOQ_KEEP_ID | ZOQ_STREAM | ZOQ_TC_RAW |
		    (a->transport == RES_T_TCP ? ZOQ_TCP : 0);
	r.o.timeout_ms = DV_RS_TXN_LIFE * 1000;
	r.cb = dv_rs_upstream_cb;
	r.arg = rs;
	r.user = a->txn;
	if (!dv_outq_query(dv_outq_of(rs->ctx), &r))
		return -1;
	rs->ntxns++;
	return 0;
}

/* A DNS over TLS reply or failure (from the event loop). */
static void dv_rs_dot_done(void *arg, uint64_t txn, unsigned gen,
			   const uint8_t *msg, size_t len)
{
	struct dv_rs *rs = arg;

	if (gen != rs->gen)
		return;  /* asked by an engine a reload replaced */
	if (msg)
		res_on_reply(rs->res, txn, msg, len, dv_now_ms());
	else
		res_on_error(rs->res, txn, dv_now_ms());
	dv_rs_pump(rs);
}

static int dv_rs_send_tls(struct dv_rs *rs, const res_action *a)
{
	struct sockaddr_storage ss;
	socklen_t sl = dv_rs_sockaddr(&a->server, &ss);
	const struct sockaddr_storage *src = NULL;
	char err[256];

	if (!rs->dot && !(rs->dot = dv_dot_new(rs->ctx->base, &rs->ctx->lg,
					       dv_rs_dot_done, rs, err,
					       sizeof(err)))) {
		dv_log(&rs->ctx->lg, DV_LOG_ERR, "resolver: %s", err);
		return -1;
	}
	if (a->server.af == 4 && rs->has_out4)
		src = &rs->out4;
	else if (a->server.af == 6 && rs->has_out6)
		src = &rs->out6;
	return dv_dot_send(rs->dot, (struct sockaddr *)&ss, sl,
			   (const struct sockaddr *)src,
			   a->server.af == 4 ? sizeof(struct sockaddr_in)
					     : sizeof(struct sockaddr_in6),
			   a->tls_name, a->txn, rs->gen, a->msg, a->len);
}

/* Carry out a SEND; 0, or -1 when it failed at once. */
static int dv_rs_send(struct dv_rs *rs, const res_action *a)
{
	if (rs->ntxns >= DV_RS_TXNS || a->len > DV_RS_MAXMSG ||
	    (a->server.af != 4 && a->server.af != 6) ||
	    (dv_rs_loopback(&a->server) && !rs->ctx->cfg.allow_loopback))
		return -1;
	if (a->transport == RES_T_TLS)
		return dv_rs_send_tls(rs, a);
	return dv_rs_send_plain(rs, a);
}

/* dv_rs_send with dnsmasq's "forwarded NAME to SERVER" line (the query
 * being started, if any, gives the serial of log-queries=extra). */
static int dv_rs_send_logged(struct dv_rs *rs, const res_action *a)
{
	struct sockaddr_storage ss;
	int rc = dv_rs_send(rs, a);

	if (rc == 0 && rs->ctx->cfg.log_queries) {
		dv_rs_sockaddr(&a->server, &ss);
		dv_log_forwarded(rs->ctx, rs->qlog_serial,
				 (const struct sockaddr *)rs->qlog_client,
				 a->msg, a->len, (const struct sockaddr *)&ss);
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* the pump and the timer                                             */
/* ------------------------------------------------------------------ */

static void dv_rs_arm(struct dv_rs *rs)
{
	dv_timer_at(rs->timer, &rs->armed, res_next_timer(rs->res));
}

/* Every action the engine has, then the timer.  A SEND that fails at
 * once is reported back, which may produce more actions. */
static void dv_rs_pump(struct dv_rs *rs)
{
	res_action a;

	for (int i = 0; i < DV_RS_PUMP; i++) {
		int k = res_next_action(rs->res, &a);

		if (k == RES_ACT_NONE)
			break;
		if (k == RES_ACT_ANSWER)
			dv_rs_answer(rs, &a);
		else if (k == RES_ACT_DROP)
			dv_rs_forget(rs, a.client_token);
		else if (k == RES_ACT_SEND && dv_rs_send_logged(rs, &a) < 0)
			res_on_error(rs->res, a.txn, dv_now_ms());
	}
	dv_rs_arm(rs);
}

static void dv_rs_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dv_rs *rs = arg;

	(void)fd;
	(void)what;
	rs->armed = 0;
	res_on_timer(rs->res, dv_now_ms());
	dv_rs_pump(rs);
}

/* ------------------------------------------------------------------ */
/* client queries                                                     */
/* ------------------------------------------------------------------ */

/* Keep the question for the query log line. */
static void dv_rs_keep_question(dv_rs_peer *p, const wire_query *wq)
{
	memcpy(p->qname, wq->qname, wq->qname_len);
	p->qtype = wq->qtype;
	p->logq = 1;
}

int dv_rs_query(dv_ctx *ctx, const uint8_t *q, size_t qlen,
		const wire_query *wq, dv_rs_peer *p, uint8_t *resp,
		size_t cap, size_t *rlen)
{
	struct dv_rs *rs = ctx->rs;
	uint64_t tok, policy;
	res_result r;
	res_addr from;

	*rlen = 0;
	if (!rs)
		return 0;
	dv_rs_peer_addr(p, &from);
	tok = dv_rs_client_add(rs, p);
	if (tok == UINT64_MAX)
		return 0;     /* overloaded: the client retries */
	/* the UDP batch's clock when there is one (no clock read per hit) */
	policy = res_get_stats(rs->res)->policy_answers;
	r = res_query_parsed(rs->res, from.af ? &from : NULL, wq, q, qlen,
			     p->tcp, ctx->now_ms ? ctx->now_ms :
			     dv_now_ms(), resp, cap, rlen, tok);
	ctx->qlog_src = res_get_stats(rs->res)->policy_answers != policy ?
			"config" : "cached";
	if (r != RES_PENDING || *rlen > cap) {
		dv_rs_client_del(rs, dv_rs_client_get(rs, tok));
		if (r != RES_ANSWERED || *rlen > cap)
			*rlen = 0;
	} else {
		dv_rs_peer *kp = &rs->cl[tok & 0xffff].p;

		/* only a pending client ages (dv_rs_client_reclaim) */
		rs->cl[tok & 0xffff].since = dv_rs_mono();
		if (ctx->cfg.log_queries) {
			/* its query line goes before the forwarded ones */
			dv_rs_keep_question(kp, wq);
			kp->serial = ctx->qlog_serial;
			dv_log_query(ctx, kp->serial, kp->qname, kp->qtype,
				     (const struct sockaddr *)&kp->peer);
			rs->qlog_client = &kp->peer;
			rs->qlog_serial = kp->serial;
		}
	}
	dv_rs_pump(rs);
	rs->qlog_client = NULL;
	rs->qlog_serial = 0;
	return *rlen > 0;
}

/* ------------------------------------------------------------------ */
/* cache file                                                         */
/* ------------------------------------------------------------------ */

static int dv_rs_cache_path(const dv_ctx *ctx, char *out, size_t n,
			    const char *suffix)
{
	const char *d = ctx->cfg.state_dir;

	return d && *d && (size_t)snprintf(out, n, "%s/cache.bin%s", d,
					   suffix) < n ? 0 : -1;
}

static void dv_rs_cache_load(dv_ctx *ctx, res_ctx *r)
{
	char path[4096];
	char *buf;
	size_t len;
	int rc;

	if (dv_rs_cache_path(ctx, path, sizeof(path), "") < 0)
		return;
	if ((rc = dv_read_file(NULL, path, &buf, &len)) < 0) {
		if (rc != -ENOENT)  /* a cache: start empty, but say so */
			dv_log(&ctx->lg, DV_LOG_ERR, "%s: %s: starting with "
			       "an empty cache", path, strerror(-rc));
		return;
	}
	if (res_cache_load(r, (const uint8_t *)buf, len, dv_now_ms()) < 0)
		dv_log(&ctx->lg, DV_LOG_WARN, "%s: not a usable cache, "
		       "ignored", path);
	else
		dv_log(&ctx->lg, DV_LOG_INFO, "cache read from %s", path);
	free(buf);
}

/* Written atomically: a crash leaves the old file or the new one. */
static void dv_rs_cache_save(dv_ctx *ctx, const res_ctx *r)
{
	char path[4096];
	uint8_t *buf = NULL;
	size_t len = 0;

	if (dv_rs_cache_path(ctx, path, sizeof(path), "") < 0 ||
	    res_cache_save(r, dv_now_ms(), &buf, &len) < 0)
		return;
	if (dv_write_atomic(path, buf, len, 0600) < 0)
		dv_log(&ctx->lg, DV_LOG_WARN, "cannot write %s: %s", path,
		       strerror(errno));
	else
		dv_log(&ctx->lg, DV_LOG_INFO, "cache written to %s (%zu "
		       "bytes)", path, len);
	free(buf);
}

/* ------------------------------------------------------------------ */
/* lifetime                                                           */
/* ------------------------------------------------------------------ */

static void dv_rs_outgoing(struct dv_rs *rs)
{
	const dv_ipport *ip = &rs->ctx->cfg.outgoing_addr;
	res_addr a;

	rs->has_out4 = rs->has_out6 = 0;
	if (!ip->af)
		return;
	dv_rs_addr(ip, &a);
	a.port = 0;
	if (a.af == 4) {
		dv_rs_sockaddr(&a, &rs->out4);
		rs->has_out4 = 1;
	} else {
		dv_rs_sockaddr(&a, &rs->out6);
		rs->has_out6 = 1;
	}
}

int dv_rs_start(dv_ctx *ctx, char *err, size_t errlen)
{
	struct dv_rs *rs;

	if (!ctx->cfg.recursion)
		return 0;
	rs = calloc(1, sizeof(*rs));
	if (!rs || !(rs->cl = calloc(DV_RS_CLIENTS, sizeof(*rs->cl))) ||
	    !(rs->timer = evtimer_new(ctx->base, dv_rs_timer_cb, rs))) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	rs->ctx = ctx;
	/* one client cookie secret for the life of the process: a reload
	 * keeps the cookies the servers know */
	dv_random(NULL, rs->csecret, sizeof(rs->csecret));
	rs->res = dv_rs_build(ctx, &rs->mem, rs->csecret, err, errlen);
	if (!rs->res)
		goto fail;
	dv_rs_outgoing(rs);
	ctx->rs = rs;
	dv_rs_log_mode(ctx, &rs->mem);
	dv_rs_cache_load(ctx, rs->res);
	return 0;
fail:
	if (rs) {
		if (rs->timer)
			event_free(rs->timer);
		free(rs->cl);
		free(rs->obuf);
		free(rs);
	}
	return -1;
}

int dv_rs_check(dv_ctx *ctx, char *err, size_t errlen)
{
	dv_rs_mem m;
	uint8_t secret[16] = { 0 };
	res_ctx *r;

	if (!ctx->cfg.recursion)
		return 0;
	r = dv_rs_build(ctx, &m, secret, err, errlen);
	res_free(r);
	dv_rs_mem_free(&m);
	return r ? 0 : -1;
}

void dv_rs_clock_moved(dv_ctx *ctx)
{
	struct dv_rs *rs = ctx->rs;

	if (!rs)
		return;
	rs->armed = UINT64_MAX;  /* the deadline is the same, its distance
				    is not */
	dv_rs_arm(rs);
}

/* Waiting clients belong to the old engine: they will retry. */
static void dv_rs_drop_clients(struct dv_rs *rs)
{
	for (size_t i = 0; i < DV_RS_CLIENTS; i++)
		if (rs->cl[i].used)
			dv_rs_client_del(rs, &rs->cl[i]);
}

void dv_rs_reload(dv_ctx *ctx)
{
	struct dv_rs *rs = ctx->rs;
	dv_rs_mem m;
	res_ctx *r;
	char err[512];

	if (!rs) {
		if (ctx->cfg.recursion && dv_rs_start(ctx, err, sizeof(err)))
			dv_log(&ctx->lg, DV_LOG_ERR, "resolver: %s", err);
		return;
	}
	r = dv_rs_build(ctx, &m, rs->csecret, err, sizeof(err));
	if (!r) {
		dv_log(&ctx->lg, DV_LOG_ERR, "reload: resolver kept: %s", err);
		return;
	}
	res_cache_take(r, rs->res);
	dv_rs_drop_clients(rs);
	/* the old engine's transactions: their replies have no taker */
	dv_outq_cancel_all(ctx->outq, dv_rs_upstream_cb, rs);
	rs->ntxns = 0;
	res_free(rs->res);
	dv_rs_mem_free(&rs->mem);
	rs->res = r;
	rs->gen++;
	rs->mem = m;
	dv_rs_outgoing(rs);
	dv_rs_log_mode(ctx, &rs->mem);
	rs->armed = UINT64_MAX;  /* a new engine: always re-arm */
	dv_rs_arm(rs);
}

/* The engine's counters at shutdown, with the fairness and cookie ones
 * (issue 10), so an operator sees what the limits did. */
static void dv_rs_log_stats(dv_ctx *ctx, const res_ctx *r)
{
	const res_stats *s = res_get_stats(r);

	dv_log(&ctx->lg, DV_LOG_INFO, "resolver stats: queries %llu "
	       "cache-hits %llu upstream %llu timeouts %llu servfail %llu "
	       "spoofed %llu (cookie %llu) badcookie %llu jostled %llu "
	       "busy-dropped %llu client-limited %llu fast-failed %llu "
	       "nsec-synth %llu",
	       (unsigned long long)s->queries,
	       (unsigned long long)s->cache_hits,
	       (unsigned long long)s->upstream_queries,
	       (unsigned long long)s->upstream_timeouts,
	       (unsigned long long)s->servfail,
	       (unsigned long long)s->spoofed_dropped,
	       (unsigned long long)s->cookie_spoofed,
	       (unsigned long long)s->badcookie,
	       (unsigned long long)s->jostled,
	       (unsigned long long)s->busy_dropped,
	       (unsigned long long)s->client_limited,
	       (unsigned long long)s->fast_failed,
	       (unsigned long long)s->nsec_synth);
}

/* SIGUSR1, as dnsmasq: the cache and each forwarding server. */
void dv_rs_dump_stats(dv_ctx *ctx)
{
	struct dv_rs *rs = ctx->rs;
	const res_stats *s;
	res_cache_info ci;
	res_upstream_stat up[64];
	char ip[INET6_ADDRSTRLEN];
	size_t i, n;

	if (!rs)
		return;
	s = res_get_stats(rs->res);
	res_get_cache_info(rs->res, &ci);
	dv_log(&ctx->lg, DV_LOG_INFO, "cache size %u, %zu in use, %llu "
	       "insertions, %llu evictions, %llu hits, %llu misses",
	       ci.max_entries, ci.entries, (unsigned long long)ci.inserted,
	       (unsigned long long)ci.evicted,
	       (unsigned long long)s->cache_hits,
	       (unsigned long long)s->cache_misses);
	/* "locally": from the cache or local policy, without a server */
	dv_log(&ctx->lg, DV_LOG_INFO, "queries forwarded %llu, queries "
	       "answered locally %llu", (unsigned long long)s->upstream_queries,
	       (unsigned long long)(s->queries > s->cache_misses ?
				    s->queries - s->cache_misses : 0));
	n = res_upstream_stats(rs->res, up, sizeof(up) / sizeof(up[0]));
	for (i = 0; i < n; i++) {
		inet_ntop(up[i].addr.af == 6 ? AF_INET6 : AF_INET,
			  up[i].addr.addr, ip, sizeof(ip));
		dv_log(&ctx->lg, DV_LOG_INFO, "server %s#%u: queries sent "
		       "%llu, failed %llu", ip, up[i].addr.port,
		       (unsigned long long)up[i].sent,
		       (unsigned long long)up[i].failed);
	}
	dv_rs_log_stats(ctx, rs->res);
}

void dv_rs_stop(dv_ctx *ctx)
{
	struct dv_rs *rs = ctx->rs;

	if (!rs)
		return;
	if (ctx->started) {     /* not after a fatal start-up error */
		dv_rs_log_stats(ctx, rs->res);
		dv_rs_cache_save(ctx, rs->res);
	}
	dv_outq_cancel_all(ctx->outq, dv_rs_upstream_cb, rs);
	dv_dot_free(rs->dot);
	dv_rs_drop_clients(rs);
	event_free(rs->timer);
	res_free(rs->res);
	dv_rs_mem_free(&rs->mem);
	free(rs->cl);
	free(rs->obuf);
	free(rs);
	ctx->rs = NULL;
}
