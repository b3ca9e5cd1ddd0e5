/*
 * The option handlers for values of their own kind (the generic ones for
 * numbers, strings and lists are in options.c): each parses its option's
 * value once into the typed field of dv_config, with the value parsers of
 * conf_dns.c, conf_dhcp.c and conf_rec.c, and reports a bad value with
 * dv_opt_fail (file:line: option: reason).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dnsvizor/options_int.h"

enum { DV_IFNAMSIZ = 16 };

typedef int (*item_check_fn)(const char *item);

static int ip_ok(const char *s)
{
	char buf[64];
	uint8_t bin[16];
	int af;
	const char *pct = strchr(s, '%');   /* fe80::1%eth0 */
	size_t n = pct ? (size_t)(pct - s) : strlen(s);

	if (n >= sizeof(buf))
		return 0;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return dv_parse_ip(buf, &af, bin);
}

static int ifname_ok(const char *s)
{
	return strlen(s) < DV_IFNAMSIZ && !strchr(s, '/');
}

/* Comma list: each item trimmed, checked and added to the list field. */
static int add_items(dv_parser *p, const dv_option *o, const char *val,
		     item_check_fn ok, const char *what)
{
	char *copy = strdup(val), *save = NULL, *it;
	int rc = 0;

	if (!copy)
		return dv_opt_oom(p, o);
	for (it = strtok_r(copy, ",", &save); it && rc == 0;
	     it = strtok_r(NULL, ",", &save)) {
		it += strspn(it, " \t");
		it[strcspn(it, " \t")] = '\0';
		if (!*it)
			continue;
		if (!ok(it))
			rc = dv_opt_fail(p, o->name, "bad %s '%s'", what, it);
		else if (dv_strlist_add(dv_opt_field(p, o), it) < 0)
			rc = dv_opt_oom(p, o);
	}
	free(copy);
	if (rc == 0 && strspn(val, ", \t") == strlen(val))
		rc = dv_opt_fail(p, o->name, "empty value");
	return rc;
}

int dv_opt_listen(dv_parser *p, const dv_option *o, const char *val)
{
	return add_items(p, o, val, ip_ok, "address");
}

int dv_opt_iface(dv_parser *p, const dv_option *o, const char *val)
{
	return add_items(p, o, val, ifname_ok, "interface name");
}

/* DHCP values: parsed with the engine's own parsers (conf_dhcp.c). */
static void range_text(const dhcp_range *r, char *buf, size_t len)
{
	struct in_addr a = { htonl(r->start) }, b = { htonl(r->end) };
	char s[INET_ADDRSTRLEN], e[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a, s, sizeof(s));
	inet_ntop(AF_INET, &b, e, sizeof(e));
	snprintf(buf, len, "%s-%s", s, e);
}

/* Two pools handing out the same addresses: dnsmasq takes the first
 * that matches, so the second one's lease time and options apply to
 * part of its pool only.  A warning naming both lines. */
static void range_overlaps(dv_parser *p, const dv_dhcp_ranges *l)
{
	const dhcp_range *r = &l->v[l->n - 1];
	char here[600], a[40], b[40], msg[1400];

	if (r->is_static)
		return;
	if (p->src)
		snprintf(here, sizeof(here), "%s:%u", p->src, p->line);
	else
		snprintf(here, sizeof(here), "command line");
	for (size_t i = 0; i + 1 < l->n; i++) {
		const dhcp_range *q = &l->v[i];
		const char *w;

		if (q->is_static || q->end < r->start || r->end < q->start)
			continue;
		w = dv_config_where(p->cfg, "dhcp-range", l->text[i]);
		range_text(r, a, sizeof(a));
		range_text(q, b, sizeof(b));
		snprintf(msg, sizeof(msg), "%s: dhcp-range: %s overlaps %s "
			 "(%s)", here, a, b, w ? w : "an earlier line");
		(void)dv_strlist_add(&p->cfg->parse_warnings, msg);
	}
}

int dv_opt_dhcp_range(dv_parser *p, const dv_option *o, const char *val)
{
	char why[256] = "";
	dv_dhcp_ranges *l = dv_opt_field(p, o);

	if (dv_dhcp_ranges_add(l, val, why, sizeof(why)) < 0)
		return dv_opt_fail(p, o->name, "'%s': %s", val, why);
	range_overlaps(p, l);
	return 0;
}

int dv_opt_dhcp_host(dv_parser *p, const dv_option *o, const char *val)
{
	char why[256] = "";

	if (dv_dhcp_hosts_add(dv_opt_field(p, o), val, why, sizeof(why)) < 0)
		return dv_opt_fail(p, o->name, "'%s': %s", val, why);
	return 0;
}

/* --dhcp-option and --dhcp-option-force (o->max == 1): the latter is
 * parsed with dnsmasq's "force:" prefix. */
int dv_opt_dhcp_option(dv_parser *p, const dv_option *o, const char *val)
{
	char why[256] = "", *spec = NULL;
	int rc = 0;

	if (o->max && asprintf(&spec, "force:%s", val) < 0)
		return dv_opt_oom(p, o);
	if (dv_dhcp_opts_add(dv_opt_field(p, o), spec ? spec : val, why,
			     sizeof(why)) < 0)
		rc = dv_opt_fail(p, o->name, "'%s': %s", val, why);
	free(spec);
	return rc;
}

/* Record options are converted once, here, into their RRs. */
int dv_opt_rec(dv_parser *p, const dv_option *o, const char *val)
{
	char why[512] = "";
	dv_local_rec r;

	if (dv_local_rec_parse(o->rec, val, &r, why, sizeof(why)) < 0)
		return dv_opt_fail(p, o->name, "%s", why);
	if (dv_local_recs_add(dv_opt_field(p, o), &r) < 0) {
		dv_local_rec_free(&r);
		return dv_opt_oom(p, o);
	}
	return 0;
}

int dv_opt_address(dv_parser *p, const dv_option *o, const char *val)
{
	char why[256];

	if (dv_addresses_add(dv_opt_field(p, o), val, why, sizeof(why)) < 0)
		return dv_opt_fail(p, o->name, "%s", why);
	return 0;
}

int dv_opt_zone(dv_parser *p, const dv_option *o, const char *val)
{
	dv_zone_spec z;
	char why[512];

	if (dv_zone_spec_parse(val, &z, why, sizeof(why)) < 0)
		return dv_opt_fail(p, o->name, "%s", why);
	if (dv_zone_specs_add(dv_opt_field(p, o), &z) < 0) {
		free(z.origin);
		free(z.file);
		return dv_opt_oom(p, o);
	}
	return 0;
}

int dv_opt_dnssec_sign(dv_parser *p, const dv_option *o, const char *val)
{
	dv_sign_spec s;
	char why[512];

	if (dv_sign_spec_parse(val, &s, why, sizeof(why)) < 0)
		return dv_opt_fail(p, o->name, "%s", why);
	if (dv_sign_specs_add(dv_opt_field(p, o), &s) < 0) {
		free(s.zone);
		return dv_opt_oom(p, o);
	}
	return 0;
}

int dv_opt_dnssec_policy(dv_parser *p, const dv_option *o, const char *val)
{
	dv_policy_spec s;
	char why[512];

	if (dv_policy_spec_parse(val, &s, why, sizeof(why)) < 0)
		return dv_opt_fail(p, o->name, "%s", why);
	if (dv_policy_specs_add(dv_opt_field(p, o), &s) < 0) {
		free(s.zone);
		return dv_opt_oom(p, o);
	}
	return 0;
}

int dv_opt_dnssec_rollover(dv_parser *p, const dv_option *o,
			   const char *val)
{
	dv_roll_req *r = dv_opt_field(p, o), n;
	char why[512];

	if (dv_roll_req_parse(val, &n, why, sizeof(why)) < 0)
		return dv_opt_fail(p, o->name, "%s", why);
	free(r->zone);
	*r = n;
	return 0;
}

/* --secondary (o->max 0) and --notify (1), --dnssec-parent (1) */
int dv_opt_peer(dv_parser *p, const dv_option *o, const char *val)
{
	dv_peer_spec s;
	char why[512];

	if (dv_peer_spec_parse(val, o->max ? "ZONE,ADDR" : "ZONE,PRIMARY", &s,
			       why, sizeof(why)) < 0)
		return dv_opt_fail(p, o->name, "%s", why);
	if (dv_peer_specs_add(dv_opt_field(p, o), &s) < 0) {
		free(s.zone);
		free(s.key);
		return dv_opt_oom(p, o);
	}
	return 0;
}

/* --dns-key=NAME:ALG:BASE64 */
int dv_opt_dns_key(dv_parser *p, const dv_option *o, const char *val)
{
	zone_tsig_key k;
	char why[256];

	if (zone_tsig_key_parse(val, &k, why, sizeof(why)) < 0)
		return dv_opt_fail(p, o->name, "%s", why);
	if (dv_tsig_keys_add(dv_opt_field(p, o), &k) < 0)
		return dv_opt_oom(p, o);
	return 0;
}

int dv_opt_dns_key_file(dv_parser *p, const dv_option *o,
			    const char *val)
{
	char why[512];

	if (dv_keyfile_load(val, NULL, why, sizeof(why)) < 0)
		return dv_opt_fail(p, o->name, "%s", why);
	return dv_opt_list(p, o, val);
}

/* --allow-update / --allow-transfer (o->max 1): ZONE,WHO[,...] */
int dv_opt_acl(dv_parser *p, const dv_option *o, const char *val)
{
	const char *comma = strchr(val, ',');
	char why[1024];
	dv_acl a;

	if (!comma || comma == val || !comma[1] || comma[1] == ',')
		return dv_opt_fail(p, o->name, "expected ZONE,KEYNAME or "
				"ZONE,ADDR[/PREFIX] in '%s'", val);
	if (dv_acl_parse(val, (int)o->max, &a, why, sizeof(why)) < 0)
		return dv_opt_fail(p, o->name, "%s", why);
	if (dv_acls_add(dv_opt_field(p, o), &a) < 0) {
		dv_acl_free(&a);
		return dv_opt_oom(p, o);
	}
	return 0;
}

/* --rrl-exempt=ADDR[/PREFIX] (repeatable). */
int dv_opt_rrl_exempt(dv_parser *p, const dv_option *o, const char *val)
{
	dv_config *c = p->cfg;
	dv_prefix *e;
	int rc;

	if (c->n_rrl_exempt >= DV_RRL_EXEMPT_MAX)
		return dv_opt_fail(p, o->name, "more than %d entries",
				DV_RRL_EXEMPT_MAX);
	e = &c->rrl_exempt[c->n_rrl_exempt];
	rc = dv_parse_prefix(val, &e->af, e->addr, &e->len);
	if (rc == 0)
		return dv_opt_fail(p, o->name, "bad address '%s'", val);
	if (rc < 0)
		return dv_opt_fail(p, o->name, "bad prefix length in '%s'",
				   val);
	c->n_rrl_exempt++;
	return 0;
}

static int nsid_hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* --nsid=TEXT or --nsid=0xHEX (RFC 5001 payload). */
int dv_opt_nsid(dv_parser *p, const dv_option *o, const char *val)
{
	dv_config *c = p->cfg;
	size_t n = strlen(val), i;

	if ((val[0] == '0' && (val[1] == 'x' || val[1] == 'X'))) {
		val += 2;
		n -= 2;
		if (n == 0 || n % 2 || n / 2 > ZONE_NSID_MAX)
			return dv_opt_fail(p, o->name, "expected 1 to %d bytes "
					"of hex after 0x", ZONE_NSID_MAX);
		for (i = 0; i < n; i += 2) {
			int hi = nsid_hexval(val[i]), lo = nsid_hexval(val[i + 1]);

			if (hi < 0 || lo < 0)
				return dv_opt_fail(p, o->name, "bad hex digit");
			c->nsid[i / 2] = (uint8_t)(hi << 4 | lo);
		}
		c->nsid_len = (uint16_t)(n / 2);
		return 0;
	}
	if (n == 0 || n > ZONE_NSID_MAX)
		return dv_opt_fail(p, o->name, "expected 1 to %d characters",
				ZONE_NSID_MAX);
	memcpy(c->nsid, val, n);
	c->nsid_len = (uint16_t)n;
	return 0;
}

int dv_opt_serial_policy(dv_parser *p, const dv_option *o,
			     const char *val)
{
	int *f = dv_opt_field(p, o);

	if (strcasecmp(val, "increment") == 0)
		*f = ZONE_SERIAL_INCREMENT;
	else if (strcasecmp(val, "unixtime") == 0)
		*f = ZONE_SERIAL_UNIXTIME;
	else
		return dv_opt_fail(p, o->name,
				   "expected increment or unixtime, "
				   "not '%s'", val);
	return 0;
}

/* --acme-key-type=ec|rsa2048|rsa3072 (values of acme.h's acme_key_type). */
int dv_opt_acme_key_type(dv_parser *p, const dv_option *o,
			     const char *val)
{
	static const char *const names[] = { "ec", "rsa2048", "rsa3072" };

	for (int i = 0; i < 3; i++)
		if (strcasecmp(val, names[i]) == 0) {
			*(int *)dv_opt_field(p, o) = i;
			return 0;
		}
	return dv_opt_fail(p, o->name, "expected ec, rsa2048 or rsa3072, not "
			"'%s'", val);
}

int dv_opt_acme_staging(dv_parser *p, const dv_option *o,
			    const char *val)
{
	(void)val;
	return dv_opt_set_str(p, o,
			   "https://acme-staging-v02.api.letsencrypt.org"
		       "/directory");
}

int dv_opt_acme_eab(dv_parser *p, const dv_option *o, const char *val)
{
	const char *c = strchr(val, ':');

	if (!c || c == val || !c[1])
		return dv_opt_fail(p, o->name,
				   "expected KID:HMAC (the HMAC key "
				   "base64url as the CA hands it out)");
	return dv_opt_set_str(p, o, val);
}

/* A DNS name, optionally "*." in front, letters digits - _ and dots. */
static int acme_name_ok(const char *s, size_t n)
{
	if (n >= 2 && s[0] == '*' && s[1] == '.') {
		s += 2;
		n -= 2;
	}
	if (n == 0 || n > 253 || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      (c == '.' && s[i + 1] != '.')))
			return 0;
	}
	return 1;
}

/* --acme-cert=NAME[,NAME...]: one certificate, first name = CN. */
int dv_opt_acme_cert(dv_parser *p, const dv_option *o, const char *val)
{
	char why[64];

	for (const char *s = val; ; ) {
		const char *e = strchr(s, ',');
		size_t n = e ? (size_t)(e - s) : strlen(s);

		if (!acme_name_ok(s, n))
			return dv_opt_fail(p, o->name, "bad DNS name '%.*s'",
					(int)n, s);
		if (!e)
			break;
		s = e + 1;
	}
	if (dv_cert_order_add(dv_opt_field(p, o), val, why, sizeof(why)) < 0)
		return dv_opt_fail(p, o->name, "%s", why);
	return 0;
}

/* --dns-server=IP[#PORT] */
int dv_opt_dns_server(dv_parser *p, const dv_option *o, const char *val)
{
	const char *h = strchr(val, '#');
	size_t n = h ? (size_t)(h - val) : strlen(val);
	char *end;
	long port;

	if (h) {
		errno = 0;
		port = strtol(h + 1, &end, 10);
		if (!h[1] || *end || errno || port < 1 || port > 65535)
			return dv_opt_fail(p, o->name, "bad port in '%s'", val);
	}
	if (n == 0 || n >= DV_IPSTR)
		return dv_opt_fail(p, o->name, "expected IP[#PORT]");
	if (dv_ipport_parse(val, strlen(val), 53, dv_opt_field(p, o)) < 0)
		return dv_opt_fail(p, o->name, "'%.*s' is not an IP address",
				(int)n, val);
	return 0;
}

/* Only the plain form: --domain=lan (no ranges, no 'local', no '#'). */
int dv_opt_domain(dv_parser *p, const dv_option *o, const char *val)
{
	char name[1024];
	size_t n = strlen(val);

	if (strchr(val, ',') || strcmp(val, "#") == 0)
		return dv_opt_fail(p, o->name,
				   "only the plain form domain=NAME "
				   "is supported yet");
	while (n > 1 && val[n - 1] == '.')
		n--;
	if (dv_name_abs(val, n, name, sizeof(name)) < 0)
		return dv_opt_fail(p, o->name, "bad domain name '%s'", val);
	name[strlen(name) - 1] = '\0';   /* stored without the final dot */
	return dv_opt_set_str(p, o, name);
}

int dv_opt_log_facility(dv_parser *p, const dv_option *o,
			    const char *val)
{
	static const char *const fac[] = {
		"-", "kern", "user", "mail", "daemon", "auth", "syslog", "lpr",
		"news", "uucp", "cron", "authpriv", "ftp", "local0", "local1",
		"local2", "local3", "local4", "local5", "local6", "local7",
	};

	if (strchr(val, '/'))   /* dnsmasq: a '/' makes it a log file */
		return dv_opt_set_str(p, o, val);
	for (size_t i = 0; i < sizeof(fac) / sizeof(fac[0]); i++)
		if (strcasecmp(val, fac[i]) == 0)
			return dv_opt_set_str(p, o, val);
	return dv_opt_fail(p, o->name, "unknown syslog facility '%s'", val);
}

int dv_opt_log_level(dv_parser *p, const dv_option *o, const char *val)
{
	static const struct { const char *name; int level; } lv[] = {
		{ "err", DV_LOG_ERR }, { "error", DV_LOG_ERR },
		{ "warn", DV_LOG_WARN }, { "warning", DV_LOG_WARN },
		{ "info", DV_LOG_INFO }, { "debug", DV_LOG_DEBUG },
	};

	for (size_t i = 0; i < sizeof(lv) / sizeof(lv[0]); i++) {
		if (strcmp(val, lv[i].name) == 0) {
			p->cfg->log_level = lv[i].level;
			return 0;
		}
	}
	return dv_opt_fail(p, o->name, "bad level '%s' (err, warn, info or "
			"debug)", val);
}

/* dnsmasq: --log-queries[=extra|proto]; extra (2: serial and client
 * address before each line); proto is taken as plain. */
int dv_opt_log_queries(dv_parser *p, const dv_option *o, const char *val)
{
	if (val && strcmp(val, "extra") && strcmp(val, "proto") &&
	    strcmp(val, "queries"))
		return dv_opt_fail(p, o->name, "bad value '%s'", val);
	p->cfg->log_queries = val && strcmp(val, "extra") == 0 ? 2 : 1;
	return 0;
}

/* --port: 0 disables DNS (no DNS sockets; DHCP only), as in dnsmasq. */
int dv_opt_port(dv_parser *p, const dv_option *o, const char *val)
{
	return dv_opt_int(p, o, val);
}

/* --rebind-domain-ok=DOMAIN or /DOM1/DOM2/: one list item per domain. */
int dv_opt_rebind_ok(dv_parser *p, const dv_option *o, const char *val)
{
	uint8_t wire[WIRE_MAXNAME];
	char buf[256];
	int n = 0;

	for (const char *s = val; *s; ) {
		const char *e = strchr(s, '/');
		size_t len = e ? (size_t)(e - s) : strlen(s);

		if (len >= sizeof(buf))
			return dv_opt_fail(p, o->name, "domain too long");
		memcpy(buf, s, len);
		buf[len] = '\0';
		if (len && (wire_name_from_str(buf, wire) < 0 || !wire[0]))
			return dv_opt_fail(p, o->name, "bad domain '%s'", buf);
		if (len && dv_strlist_add(dv_opt_field(p, o), buf) < 0)
			return dv_opt_oom(p, o);
		n += len > 0;
		s += len + (e != NULL);
	}
	return n ? 0 : dv_opt_fail(p, o->name, "no domain given");
}

int dv_opt_server(dv_parser *p, const dv_option *o, const char *val)
{
	dv_fwd_rule r;
	char why[512];

	if (dv_fwd_rule_parse(val, &r, why, sizeof(why)) < 0)
		return dv_opt_fail(p, o->name, "%s", why);
	if (dv_fwd_rules_add(dv_opt_field(p, o), &r) < 0) {
		dv_fwd_rule_free(&r);
		return dv_opt_oom(p, o);
	}
	return 0;
}

int dv_opt_upstream(dv_parser *p, const dv_option *o, const char *val)
{
	dv_upstream u;
	char why[512];

	if (dv_upstream_parse(val, &u, why, sizeof(why)) < 0)
		return dv_opt_fail(p, o->name, "%s", why);
	if (dv_upstreams_add(dv_opt_field(p, o), &u) < 0)
		return dv_opt_oom(p, o);
	return 0;
}

int dv_opt_trust_anchor(dv_parser *p, const dv_option *o,
			    const char *val)
{
	dv_anchor t;
	char why[1024];

	if (dv_anchor_parse(val, &t, why, sizeof(why)) < 0)
		return dv_opt_fail(p, o->name, "%s", why);
	if (dv_anchors_add(dv_opt_field(p, o), &t) < 0) {
		free(t.domain);
		free(t.digest);
		return dv_opt_oom(p, o);
	}
	return 0;
}

/* a plain IP address (no port) into a dv_ipport */
int dv_opt_ip_addr(dv_parser *p, const dv_option *o, const char *val)
{
	int af;
	uint8_t bin[16];

	if (!dv_parse_ip(val, &af, bin) ||
	    dv_ipport_parse(val, strlen(val), 0, dv_opt_field(p, o)) < 0)
		return dv_opt_fail(p, o->name, "bad IP address '%s'", val);
	return 0;
}

/* dnsmasq: --use-stale-cache[=SECONDS] (maximum stale age). */
int dv_opt_use_stale(dv_parser *p, const dv_option *o, const char *val)
{
	long v = 0;

	if (val && *val && dv_opt_num(p, o, val, &v) < 0)
		return -1;
	p->cfg->use_stale = 1;
	p->cfg->stale_max_age = (uint32_t)v;
	return 0;
}
