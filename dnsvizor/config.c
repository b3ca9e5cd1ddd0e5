/*
 * dv_config lifetime, and building the answer database from a
 * configuration: zone files, hosts files and the dnsmasq-style local
 * records.  The record converters are shared with options.c, which runs
 * them at parse time to report bad values with their file and line.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dnsvizor/config_int.h"
#include "dnsvizor/querylog.h"

enum {
	DV_MAXTOK = 64,          /* fields per hosts-file line */
};

/* ---- small lists ---- */

int dv_strlist_has(const dv_strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return 1;
	return 0;
}

int dv_strlist_add(dv_strlist *l, const char *s)
{
	char **v = realloc(l->v, (l->n + 1) * sizeof(*v));

	if (!v)
		return -1;
	l->v = v;
	v[l->n] = strdup(s);
	if (!v[l->n])
		return -1;
	l->n++;
	return 0;
}

void dv_strlist_free(dv_strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* ---- config lifetime ---- */

void dv_config_defaults(dv_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->port = 53;
	cfg->tcp_max_conns = 128;
	cfg->tcp_idle_ms = 10000;
	cfg->edns_max = 1232;
	cfg->state_dir = strdup("/var/lib/dnsvizor");
	cfg->log_level = DV_LOG_INFO;
	cfg->local_ttl = 0;
	cfg->hosts_file = strdup("/etc/hosts");
	cfg->recursion = 1;
	cfg->qname_min = 1;
	cfg->cache_size = 10000;
	cfg->resolv_file = strdup("/etc/resolv.conf");
	cfg->rrl_slip = 2;
	cfg->rrl_v4_prefix = 24;
	cfg->rrl_v6_prefix = 56;
}

void dv_config_free(dv_config *cfg)
{
	dv_strlist *lists[] = {
		&cfg->listen_addrs, &cfg->interfaces, &cfg->addn_hosts,
		&cfg->dns_key_files,
		&cfg->notify_ns, &cfg->journal_recover,
		&cfg->trust_anchor_files, &cfg->rebind_ok, &cfg->nta,
		&cfg->no_dhcp_ifaces, &cfg->except_ifaces,
		&cfg->parse_warnings, &cfg->file_opts,
	};
	char *strs[] = {
		cfg->user, cfg->group, cfg->pid_file, cfg->state_dir,
		cfg->log_facility, cfg->domain, cfg->hosts_file,
		cfg->resolv_file, cfg->root_hints,
		cfg->dhcp_leasefile, cfg->tls_cert, cfg->tls_key,
		cfg->acme_directory, cfg->acme_email, cfg->acme_eab,
		cfg->acme_ca_file, cfg->print_ds,
	};

	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		dv_strlist_free(lists[i]);
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		free(strs[i]);
	dv_local_recs *recs[] = {
		&cfg->host_records, &cfg->cnames, &cfg->mx_hosts,
		&cfg->srv_hosts, &cfg->txt_records, &cfg->ptr_records,
		&cfg->caa_records,
	};

	for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++)
		dv_local_recs_free(recs[i]);
	dv_addresses_free(&cfg->addresses);
	free(cfg->bogus_nx.v);
	free(cfg->ignore_addr.v);
	dv_strlist_free(&cfg->addn_hosts_at);
	free(cfg->resolv_file_at);
	free(cfg->aliases.v);
	dv_zone_specs_free(&cfg->zones);
	dv_sign_specs_free(&cfg->dnssec_sign);
	dv_policy_specs_free(&cfg->dnssec_policy);
	free(cfg->dnssec_rollover.zone);
	dv_peer_specs_free(&cfg->dnssec_parent);
	dv_acls_free(&cfg->allow_update);
	dv_tsig_keys_free(&cfg->dns_keys);
	dv_cert_orders_free(&cfg->acme_certs);
	dv_acls_free(&cfg->allow_transfer);
	dv_peer_specs_free(&cfg->secondaries);
	dv_peer_specs_free(&cfg->notify);
	dv_fwd_rules_free(&cfg->servers);
	dv_upstreams_free(&cfg->dns_upstreams);
	dv_anchors_free(&cfg->trust_anchors);
	dv_dhcp_ranges_free(&cfg->dhcp_ranges);
	dv_dhcp_hosts_free(&cfg->dhcp_hosts);
	dv_dhcp_opts_free(&cfg->dhcp_options);
	memset(cfg, 0, sizeof(*cfg));
}

/* ---- building the local store ---- */

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int emit(dv_rr_sink *s, const char *owner, const char *type,
		uint32_t ttl, const char *rdata, int weak)
{
	return s->emit(s, owner, type, ttl, rdata, weak);
}

typedef struct build_ctx {
	const dv_config *cfg;
	const dv_logger *lg;
	zone_db *db;
	zone *local;
	char *err;
	size_t errlen;
	dv_qlog_hosts *hosts;    /* names -> hosts file, or NULL */
	const char *hfile;       /* the hosts file being read */
} build_ctx;

static uint16_t type_num(const char *type)
{
	if (strcmp(type, "PTR") == 0)
		return DNS_T_PTR;
	if (strcmp(type, "A") == 0)
		return DNS_T_A;
	if (strcmp(type, "AAAA") == 0)
		return DNS_T_AAAA;
	return 0;
}

static int has_rrset(const zone *z, const char *owner, const char *type)
{
	uint8_t wire[WIRE_MAXNAME], lname[WIRE_MAXNAME];

	if (wire_name_from_str(owner, wire) <= 0)
		return 0;
	wire_name_lower(lname, wire);
	return zone_find_rrset(z, lname, type_num(type)) != NULL;
}

static int build_emit(dv_rr_sink *s, const char *owner, const char *type,
		      uint32_t ttl, const char *rdata, int weak)
{
	build_ctx *b = s->arg;
	size_t n = strlen(owner) + strlen(type) + strlen(rdata) + 32;
	char *rr;
	int rc;

	if (weak && has_rrset(b->local, owner, type))
		return 0;
	rr = malloc(n);
	if (!rr) {
		snprintf(s->why, s->whylen, "out of memory");
		return -1;
	}
	snprintf(rr, n, "%s %u IN %s %s", owner, (unsigned)ttl, type, rdata);
	rc = zone_local_add_rr(b->local, rr, s->why, s->whylen);
	free(rr);
	return rc < 0 ? -1 : 0;
}

static void build_sink(build_ctx *b, dv_rr_sink *s, char *why, size_t wl)
{
	s->emit = build_emit;
	s->arg = b;
	s->ttl = b->cfg->local_ttl;
	s->why = why;
	s->whylen = wl;
}

/* The RRs options.c made of each record option. */
static int build_records(build_ctx *b, const char *opt,
			 const dv_local_recs *l)
{
	char why[512];
	dv_rr_sink s;

	build_sink(b, &s, why, sizeof(why));
	for (size_t i = 0; i < l->n; i++) {
		for (size_t j = 0; j < l->v[i].nrr; j++) {
			const dv_local_rr *rr = &l->v[i].rr[j];

			why[0] = '\0';
			if (emit(&s, rr->owner, rr->type, rr->ttl ==
				 DV_TTL_LOCAL ? s.ttl : rr->ttl, rr->rdata,
				 rr->weak) < 0) {
				snprintf(b->err, b->errlen, "%s: %s: %s", opt,
					 l->v[i].text, why);
				return -1;
			}
		}
	}
	return 0;
}

/* One hosts-file name: A/AAAA for it (and name.domain with
 * --expand-hosts); writes the name used for the PTR into ptr. */
static int hosts_name(build_ctx *b, dv_rr_sink *s, dv_tok t, int af,
		      const char *ip, char *ptr)
{
	const dv_config *cfg = b->cfg;
	char name[DV_NAMEBUF], tmp[DV_NAMEBUF];
	const char *type = af == 4 ? "A" : "AAAA";

	if (dv_tok_name(t, name) < 0)
		return 1;
	memcpy(ptr, name, sizeof(name));
	if (emit(s, name, type, s->ttl, ip, 0) < 0)
		return -1;
	(void)dv_qlog_hosts_add(b->hosts, name, b->hfile);
	if (!cfg->expand_hosts || !cfg->domain || memchr(t.p, '.', t.n))
		return 0;
	snprintf(tmp, sizeof(tmp), "%.*s.%s", (int)t.n, t.p, cfg->domain);
	if (dv_name_abs(tmp, strlen(tmp), name, sizeof(name)) < 0)
		return 0;
	memcpy(ptr, name, sizeof(name));
	if (emit(s, name, type, s->ttl, ip, 0) < 0)
		return -1;
	(void)dv_qlog_hosts_add(b->hosts, name, b->hfile);
	return 0;
}

static int split_ws(char *line, dv_tok *t, int max)
{
	int n = 0;
	char *p = line;

	while (*p && n < max) {
		while (is_space(*p))
			p++;
		if (!*p)
			break;
		t[n].p = p;
		while (*p && !is_space(*p))
			p++;
		t[n].n = (size_t)(p - t[n].p);
		n++;
	}
	return n;
}

/* "IP name [alias...]": bad lines are logged and skipped, as dnsmasq
 * does; only store errors fail the build. */
static int hosts_line(build_ctx *b, dv_rr_sink *s, char *line,
		      const char *file, unsigned ln)
{
	dv_tok t[DV_MAXTOK];
	char ip[64], ptr[DV_NAMEBUF] = "", first[DV_NAMEBUF] = "", rev[80];
	uint8_t bin[16];
	int af, n;
	char *hash = strchr(line, '#');

	if (hash)
		*hash = '\0';
	n = split_ws(line, t, DV_MAXTOK);
	if (n == 0)
		return 0;
	if (!dv_tok_ip(t[0], &af, bin)) {
		dv_log(b->lg, DV_LOG_WARN, "%s:%u: bad address %.*s", file,
		       ln, (int)t[0].n, t[0].p);
		return 0;
	}
	dv_ip_str(af, bin, ip, sizeof(ip));
	for (int i = 1; i < n; i++) {
		int rc = hosts_name(b, s, t[i], af, ip, ptr);
		if (rc < 0)
			return -1;
		if (rc > 0)
			dv_log(b->lg, DV_LOG_WARN, "%s:%u: bad name %.*s",
			       file, ln, (int)t[i].n, t[i].p);
		else if (!first[0])
			memcpy(first, ptr, sizeof(first));
	}
	if (!first[0])
		return 0;
	dv_rev_name(af, bin, rev, sizeof(rev));
	return emit(s, rev, "PTR", s->ttl, first, 1);
}

static int hosts_text(build_ctx *b, char *text, const char *file)
{
	char why[512];
	dv_rr_sink s;
	unsigned ln = 0;

	build_sink(b, &s, why, sizeof(why));
	b->hfile = file;
	for (char *line = text, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		ln++;
		why[0] = '\0';
		if (hosts_line(b, &s, line, file, ln) < 0) {
			snprintf(b->err, b->errlen, "%s:%u: %s", file, ln, why);
			return -1;
		}
	}
	return 0;
}

/* must: a missing file is an error (addn-hosts), else a warning. */
static int hosts_file(build_ctx *b, const char *path, int must)
{
	char *text;
	size_t len;
	int rc = dv_read_file(NULL, path, &text, &len);

	if (rc < 0 && !must) {
		dv_log(b->lg, DV_LOG_WARN, "cannot read %s: %s", path,
		       strerror(-rc));
		return 0;
	}
	if (rc < 0) {
		const char *w = dv_config_where(b->cfg, "addn-hosts", path);

		snprintf(b->err, b->errlen, "%s%saddn-hosts: cannot read "
			 "%s: %s", w ? w : "", w ? ": " : "", path,
			 strerror(-rc));
		return -1;
	}
	rc = hosts_text(b, text, path);
	free(text);
	return rc;
}

static int dir_entry_skip(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] == '.' || d->d_name[n - 1] == '~' ||
	       (d->d_name[0] == '#' && n > 1 && d->d_name[n - 1] == '#');
}

/* --addn-hosts=DIR: every regular file in it, in name order. */
static int hosts_dir(build_ctx *b, const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort), rc = 0;

	if (n < 0) {
		const char *w = dv_config_where(b->cfg, "addn-hosts", dir);

		snprintf(b->err, b->errlen, "%s%saddn-hosts: cannot read "
			 "%s: %s", w ? w : "", w ? ": " : "", dir,
			 strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (rc == 0 && !dir_entry_skip(names[i]) &&
		    stat(path, &st) == 0 && S_ISREG(st.st_mode))
			rc = hosts_file(b, path, 1);
		free(names[i]);
	}
	free(names);
	return rc;
}

static int build_hosts(build_ctx *b)
{
	const dv_config *cfg = b->cfg;

	if (!cfg->no_hosts && cfg->hosts_file &&
	    hosts_file(b, cfg->hosts_file, 0) < 0)
		return -1;
	for (size_t i = 0; i < cfg->addn_hosts.n; i++) {
		const char *p = cfg->addn_hosts.v[i];
		struct stat st;
		int rc;

		if (stat(p, &st) < 0 && errno == ENOENT) {
			/* dnsmasq: a warning, not a stop */
			dv_log(b->lg, DV_LOG_WARN, "%s: addn-hosts: cannot "
			       "read %s: %s", i < cfg->addn_hosts_at.n ?
			       cfg->addn_hosts_at.v[i] : "command line", p,
			       strerror(ENOENT));
			continue;
		}
		rc = stat(p, &st) == 0 && S_ISDIR(st.st_mode) ?
		     hosts_dir(b, p) : hosts_file(b, p, 1);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Build order: explicit PTRs and host-records before the hosts files,
 * because the first PTR for an address wins; off 0 = hosts files. */
static const struct {
	const char *opt;
	size_t off;
} build_order[] = {
	{ "ptr-record", offsetof(dv_config, ptr_records) },
	{ "host-record", offsetof(dv_config, host_records) },
	{ "addn-hosts", 0 },
	{ "cname", offsetof(dv_config, cnames) },
	{ "mx-host", offsetof(dv_config, mx_hosts) },
	{ "srv-host", offsetof(dv_config, srv_hosts) },
	{ "txt-record", offsetof(dv_config, txt_records) },
	{ "caa-record", offsetof(dv_config, caa_records) },
};

static int build_local(build_ctx *b)
{
	int rc = 0;

	b->local = zone_local_new();
	if (!b->local) {
		snprintf(b->err, b->errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; rc == 0 && i < sizeof(build_order) /
	     sizeof(build_order[0]); i++) {
		const dv_local_recs *l = (const dv_local_recs *)(const void *)
			((const char *)b->cfg + build_order[i].off);
		rc = build_order[i].off ? build_records(b, build_order[i].opt,
							l) : build_hosts(b);
	}
	if (rc == 0 && zone_db_set_local(b->db, b->local) < 0) {
		snprintf(b->err, b->errlen, "cannot install local data");
		rc = -1;
	}
	zone_unref(b->local);
	b->local = NULL;
	return rc;
}

/* ---- --address ---- */

static int build_addresses(build_ctx *b)
{
	const dv_addresses *l = &b->cfg->addresses;

	for (size_t i = 0; i < l->n; i++) {
		const dv_address *a = &l->v[i];

		for (size_t j = 0; j < a->ndomains; j++)
			if (zone_db_add_address(b->db, a->domains[j], a->af,
						a->af ? a->addr : NULL,
						b->cfg->local_ttl) < 0) {
				snprintf(b->err, b->errlen, "address: cannot "
					 "add domain %s", a->domains[j]);
				return -1;
			}
	}
	return 0;
}

/* ---- --zone ---- */

/* A placeholder for a zone whose file did not load (it has no SOA). */
static int zone_unloaded(const zone *z)
{
	uint32_t t[5];

	return zone_soa_timers(z, t) < 0;
}

/*
 * A zone that fails to load: take the old version over, if there is one;
 * else (unless --test) serve it as SERVFAIL until a SIGHUP loads it, like
 * NSD, Knot and BIND, so one bad file does not stop the other zones.
 */
static int zone_fallback(build_ctx *b, const zone_db *old, const char *origin,
			 const char *zerr)
{
	zone *oz = old ? zone_db_get_zone(old, origin) : NULL;
	int rc;

	if (!oz && b->cfg->test_only) {
		snprintf(b->err, b->errlen, "%s", zerr);
		return -1;
	}
	if (oz && !zone_unloaded(oz)) {
		dv_log(b->lg, DV_LOG_ERR, "%s (zone %s: keeping the old "
		       "version)", zerr, origin);
		return zone_db_add_zone(b->db, oz) < 0 ? -1 : 0;
	}
	dv_log(b->lg, DV_LOG_ERR, "%s (zone %s not loaded: answering "
	       "SERVFAIL until a SIGHUP loads it)", zerr, origin);
	if (!(oz = zone_unloaded_new(origin))) {
		snprintf(b->err, b->errlen, "zone: %s: out of memory", origin);
		return -1;
	}
	rc = zone_db_add_zone(b->db, oz);
	zone_unref(oz);
	if (rc < 0)
		snprintf(b->err, b->errlen, "zone: %s: %s", origin,
			 rc == -EEXIST ? "zone given twice" : "cannot add");
	return rc < 0 ? -1 : 0;
}

/* options.c keeps the entries as they are parsed (note_file_option). */
const char *dv_config_where(const dv_config *cfg, const char *name,
			    const char *file)
{
	size_t nl = strlen(name), fl = strlen(file);

	for (size_t i = cfg->file_opts.n; i-- > 0;) {
		const char *e = cfg->file_opts.v[i], *tab = strchr(e, '\t');
		const char *v = e + nl + 1;

		if (!tab || strncmp(e, name, nl) != 0 || e[nl] != '=' ||
		    (size_t)(tab - v) < fl || strncmp(tab - fl, file, fl) != 0)
			continue;
		if (tab - fl == v || tab[-(long)fl - 1] == ',')
			return tab + 1;
	}
	return NULL;
}

/* The zone loader's "FILE: cannot read: why": no line in the file to
 * name, so the option's line is named instead. */
static int unreadable(const char *zerr, const char *file)
{
	size_t n = strlen(file);

	return strncmp(zerr, file, n) == 0 &&
	       strncmp(zerr + n, ": cannot read", 13) == 0;
}

void dv_config_where_prefix(const dv_config *cfg, const char *name,
			    const char *file, char *msg, size_t len)
{
	const char *w = dv_config_where(cfg, name, file);
	char *copy = strdup(msg);

	if (!copy)
		return;
	snprintf(msg, len, "%s%s%s: %s", w ? w : "", w ? ": " : "", name,
		 copy);
	free(copy);
}

static void zone_warn(void *arg, const char *msg)
{
	dv_log((const dv_logger *)arg, DV_LOG_WARN, "%s", msg);
}

static int build_zone(build_ctx *b, const zone_db *old,
		      const dv_zone_spec *spec)
{
	const char *origin = spec->origin;
	char zerr[512];
	zone *z;
	int rc;

	zerr[0] = '\0';
	z = zone_load_warn(origin, spec->file, dv_read_file, NULL, zone_warn,
			   (void *)b->lg, zerr, sizeof(zerr));
	if (!z && unreadable(zerr, spec->file))
		dv_config_where_prefix(b->cfg, "zone", spec->file, zerr,
				       sizeof(zerr));
	if (!z)
		return zone_fallback(b, old, origin, zerr);
	rc = zone_db_add_zone(b->db, z);
	zone_unref(z);
	if (rc == -EEXIST)
		snprintf(b->err, b->errlen, "zone: %s: zone given twice",
			 origin);
	else if (rc < 0)
		snprintf(b->err, b->errlen, "zone: %s: cannot add", origin);
	return rc < 0 ? -1 : 0;
}

static int is_signed(const dv_config *cfg, const char *zn)
{
	for (size_t j = 0; j < cfg->dnssec_sign.n; j++)
		if (strcasecmp(cfg->dnssec_sign.v[j].zone, zn) == 0)
			return 1;
	return 0;
}

/* --dnssec-policy, --dnssec-parent and --dnssec-rollover name a
 * --dnssec-sign zone. */
static int check_policies(build_ctx *b)
{
	const dv_config *cfg = b->cfg;
	const char *bad = NULL, *what = NULL;

	for (size_t i = 0; i < cfg->dnssec_policy.n && !bad; i++)
		if (!is_signed(cfg, cfg->dnssec_policy.v[i].zone))
			bad = cfg->dnssec_policy.v[i].zone,
			what = "dnssec-policy";
	for (size_t i = 0; i < cfg->dnssec_parent.n && !bad; i++) {
		if (cfg->dnssec_parent.v[i].key) {
			snprintf(b->err, b->errlen, "dnssec-parent: %s: no "
				 "TSIG key for the DS queries (not supported)",
				 cfg->dnssec_parent.v[i].zone);
			return -1;
		}
		if (!is_signed(cfg, cfg->dnssec_parent.v[i].zone))
			bad = cfg->dnssec_parent.v[i].zone,
			what = "dnssec-parent";
	}
	if (!bad && cfg->dnssec_rollover.zone &&
	    !is_signed(cfg, cfg->dnssec_rollover.zone))
		bad = cfg->dnssec_rollover.zone, what = "dnssec-rollover";
	if (!bad)
		return 0;
	snprintf(b->err, b->errlen, "%s: %s is not a --dnssec-sign zone",
		 what, bad);
	return -1;
}

/* --dnssec-sign names a --zone (a primary zone), once.  The keys and
 * the signing come later (dnssec.c): this is what --test checks. */
static int check_signed(build_ctx *b)
{
	const dv_config *cfg = b->cfg;

	for (size_t i = 0; i < cfg->dnssec_sign.n; i++) {
		const char *zn = cfg->dnssec_sign.v[i].zone;
		size_t j;

		for (j = 0; j < cfg->zones.n; j++)
			if (strcasecmp(cfg->zones.v[j].origin, zn) == 0)
				break;
		if (j == cfg->zones.n) {
			snprintf(b->err, b->errlen, "dnssec-sign: %s is not a "
				 "primary zone (--zone)", zn);
			return -1;
		}
		for (j = 0; j < i; j++)
			if (strcasecmp(cfg->dnssec_sign.v[j].zone, zn) == 0) {
				snprintf(b->err, b->errlen, "dnssec-sign: %s "
					 "given twice", zn);
				return -1;
			}
	}
	return 0;
}

static int acl_one(build_ctx *b, const dv_acl *a, int transfer)
{
	const char *what = transfer ? "allow-transfer" : "allow-update";
	int rc;

	rc = transfer ? zone_db_allow_transfer(b->db, a->zone, a->key, a->af,
					       a->addr, a->prefix) :
	     zone_db_allow_update(b->db, a->zone, a->key, a->af, a->addr,
				  a->prefix, a->types, a->ntypes);
	if (rc < 0)
		snprintf(b->err, b->errlen, "%s: %s%s%s: cannot add", what,
			 a->zone, a->key ? "," : "", a->key ? a->key : "");
	return rc < 0 ? -1 : 0;
}

static int build_acls(build_ctx *b)
{
	const dv_config *cfg = b->cfg;

	for (size_t i = 0; i < cfg->allow_update.n; i++)
		if (acl_one(b, &cfg->allow_update.v[i], 0) < 0)
			return -1;
	for (size_t i = 0; i < cfg->allow_transfer.n; i++)
		if (acl_one(b, &cfg->allow_transfer.v[i], 1) < 0)
			return -1;
	return 0;
}

zone_db *dv_build_db(const dv_config *cfg, const zone_db *old,
		     const dv_logger *lg, dv_qlog_hosts *hosts,
		     char *err, size_t errlen)
{
	char host[256] = "";
	zone_db_opts o = {
		.edns_max = cfg->edns_max,
		.no_ident = (uint8_t)(cfg->no_ident != 0),
		.ident_all = (uint8_t)(cfg->ident && !cfg->no_ident),
		.version_str = "dnsvizor " DV_VERSION,
		.ident_str = host,
		.serial_policy = (uint8_t)cfg->serial_policy,
		.recursion = (uint8_t)(cfg->recursion != 0),
	};
	build_ctx b = { .cfg = cfg, .lg = lg, .err = err, .errlen = errlen,
			.hosts = hosts };
	int rc = 0;

	if (gethostname(host, sizeof(host) - 1) < 0)
		strcpy(host, "dnsvizor");
	b.db = zone_db_new(&o);
	if (!b.db) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	rc = dv_keys_build(cfg, b.db, err, errlen);
	for (size_t i = 0; rc == 0 && i < cfg->zones.n; i++)
		rc = build_zone(&b, old, &cfg->zones.v[i]);
	if (rc == 0)
		rc = dv_secondary_build(cfg, old, b.db, err, errlen);
	if (rc == 0)
		rc = check_signed(&b);
	if (rc == 0)
		rc = check_policies(&b);
	if (rc == 0)
		rc = build_acls(&b);
	if (rc == 0)
		rc = build_local(&b);
	if (rc == 0)
		rc = build_addresses(&b);
	if (rc < 0) {
		zone_db_free(b.db);
		return NULL;
	}
	dv_qlog_hosts_done(hosts);
	return b.db;
}
