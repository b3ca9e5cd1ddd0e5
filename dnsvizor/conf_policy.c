/*
 * Answer-policy options of dnsmasq that take address blocks:
 * --bogus-nxdomain=ADDR[/PREFIX] and --ignore-address=ADDR[/PREFIX]
 * (repeatable), parsed into a dv_prefixes list and printed back.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dnsvizor/config_int.h"
#include "dnsvizor/options_int.h"

int dv_opt_prefixes(dv_parser *p, const dv_option *o, const char *val)
{
	dv_prefixes *l = dv_opt_field(p, o);
	dv_prefix e, *v;
	int rc;

	memset(&e, 0, sizeof(e));
	rc = dv_parse_prefix(val, &e.af, e.addr, &e.len);
	if (rc == 0)
		return dv_opt_fail(p, o->name, "bad address '%s'", val);
	if (rc < 0)
		return dv_opt_fail(p, o->name, "bad prefix length in '%s'",
				   val);
	v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (!v)
		return dv_opt_oom(p, o);
	l->v = v;
	l->v[l->n++] = e;
	return 0;
}

void dv_pr_prefixes(FILE *out, const dv_option *o, const dv_config *c,
		    const dv_config *def)
{
	const dv_prefixes *l = (const void *)((const char *)c + o->off);
	char ip[INET6_ADDRSTRLEN];

	(void)def;
	for (size_t i = 0; i < l->n; i++) {
		const dv_prefix *e = &l->v[i];

		if (!inet_ntop(e->af == 6 ? AF_INET6 : AF_INET, e->addr, ip,
			       sizeof(ip)))
			continue;
		fprintf(out, "%s=%s/%d\n", o->name, ip, e->len);
	}
}

/* ---- empty values dnsmasq accepts (issue 14) ---- */

/* --interface= (dnsmasq: no interface but loopback, which dnsmasq
 * always adds to --interface) and --except-interface= (nothing). */
int dv_opt_iface_empty(dv_parser *p, const dv_option *o, const char *val)
{
	if (strspn(val, ", \t") != strlen(val))
		return dv_opt_iface(p, o, val);
	if (o->off == offsetof(dv_config, interfaces) &&
	    !dv_strlist_has(dv_opt_field(p, o), "lo") &&
	    dv_strlist_add(dv_opt_field(p, o), "lo") < 0)
		return dv_opt_oom(p, o);
	return 0;
}

/* --local-ttl= is 0, as dnsmasq reads an empty number. */
int dv_opt_u32_empty(dv_parser *p, const dv_option *o, const char *val)
{
	if (!*val) {
		*(uint32_t *)dv_opt_field(p, o) = 0;
		return 0;
	}
	return dv_opt_u32(p, o, val);
}

/* A string whose empty value unsets a default (--resolv-file=: no
 * resolv file, as in dnsmasq): printed back as "name=". */
void dv_pr_str_empty(FILE *out, const dv_option *o, const dv_config *c,
		     const dv_config *def)
{
	const char *const *v = (const void *)((const char *)c + o->off);
	const char *const *d = (const void *)((const char *)def + o->off);

	if (!*v && *d)
		fprintf(out, "%s=\n", o->name);
	else
		dv_pr_str(out, o, c, def);
}

/* ---- files that may be missing: where the option was given ---- */

/* --addn-hosts=FILE|DIR: a missing one is a warning at load time,
 * naming this file:line (kept in addn_hosts_at, same index). */
int dv_opt_addn_hosts(dv_parser *p, const dv_option *o, const char *val)
{
	char at[4200];

	if (dv_opt_list(p, o, val) < 0)
		return -1;
	if (p->src)
		snprintf(at, sizeof(at), "%s:%u", p->src, p->line);
	else
		snprintf(at, sizeof(at), "command line");
	if (dv_strlist_add(&p->cfg->addn_hosts_at, at) < 0)
		return dv_opt_oom(p, o);
	return 0;
}

/* --resolv-file: as --addn-hosts, its place in resolv_file_at. */
int dv_opt_resolv_file(dv_parser *p, const dv_option *o, const char *val)
{
	char at[4200];

	if (dv_opt_set_str(p, o, val) < 0)
		return -1;
	if (p->src)
		snprintf(at, sizeof(at), "%s:%u", p->src, p->line);
	else
		snprintf(at, sizeof(at), "command line");
	free(p->cfg->resolv_file_at);
	p->cfg->resolv_file_at = strdup(at);
	return p->cfg->resolv_file_at ? 0 : dv_opt_oom(p, o);
}

/* ---- --alias=OLD|START-END,NEW[,MASK] ---- */

static int ip4(const char *s, size_t n, uint8_t out[4])
{
	char buf[INET_ADDRSTRLEN];

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return inet_pton(AF_INET, buf, out) == 1 ? 0 : -1;
}

int dv_opt_alias(dv_parser *p, const dv_option *o, const char *val)
{
	dv_aliases *l = dv_opt_field(p, o);
	const char *c1 = strchr(val, ','), *c2, *dash;
	dv_alias a, *v;

	memset(&a, 0, sizeof(a));
	memset(a.mask, 0xff, sizeof(a.mask));
	if (!c1)
		return dv_opt_fail(p, o->name, "'%s': expected "
				   "OLD|START-END,NEW[,MASK]", val);
	c2 = strchr(c1 + 1, ',');
	dash = memchr(val, '-', (size_t)(c1 - val));
	a.range = dash != NULL;
	if (ip4(val, (size_t)((dash ? dash : c1) - val), a.lo) < 0 ||
	    (dash && ip4(dash + 1, (size_t)(c1 - dash - 1), a.hi) < 0) ||
	    (dash && memcmp(a.lo, a.hi, 4) > 0))
		return dv_opt_fail(p, o->name, "'%s': bad old address or "
				   "range (IPv4)", val);
	if (ip4(c1 + 1, c2 ? (size_t)(c2 - c1 - 1) : strlen(c1 + 1),
		a.to) < 0)
		return dv_opt_fail(p, o->name, "'%s': bad new address", val);
	if (c2 && ip4(c2 + 1, strlen(c2 + 1), a.mask) < 0)
		return dv_opt_fail(p, o->name, "'%s': bad mask", val);
	v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (!v)
		return dv_opt_oom(p, o);
	l->v = v;
	l->v[l->n++] = a;
	return 0;
}

void dv_pr_aliases(FILE *out, const dv_option *o, const dv_config *c,
		   const dv_config *def)
{
	static const uint8_t all[4] = { 255, 255, 255, 255 };
	char lo[INET_ADDRSTRLEN], hi[INET_ADDRSTRLEN], to[INET_ADDRSTRLEN];
	char mask[INET_ADDRSTRLEN];

	(void)def;
	for (size_t i = 0; i < c->aliases.n; i++) {
		const dv_alias *a = &c->aliases.v[i];

		inet_ntop(AF_INET, a->lo, lo, sizeof(lo));
		inet_ntop(AF_INET, a->hi, hi, sizeof(hi));
		inet_ntop(AF_INET, a->to, to, sizeof(to));
		inet_ntop(AF_INET, a->mask, mask, sizeof(mask));
		fprintf(out, "%s=%s%s%s,%s%s%s\n", o->name, lo,
			a->range ? "-" : "", a->range ? hi : "", to,
			memcmp(a->mask, all, 4) ? "," : "",
			memcmp(a->mask, all, 4) ? mask : "");
	}
}

/* --dnssec-check-unsigned[=no]: checking is what the validator always
 * does (dnsmasq's default since 2.80); =no is not offered yet. */
int dv_opt_check_unsigned(dv_parser *p, const dv_option *o,
			  const char *val)
{
	if (!val || !*val || strcasecmp(val, "yes") == 0)
		return 0;
	if (strcasecmp(val, "no") == 0)
		return dv_opt_fail(p, o->name, "=no is not supported yet by "
				   "dnsvizor (unsigned answers are always "
				   "checked)");
	return dv_opt_fail(p, o->name, "bad value '%s' (expected no)", val);
}

/* For options that leave nothing to print. */
void dv_pr_none(FILE *out, const dv_option *o, const dv_config *c,
		const dv_config *def)
{
	(void)out;
	(void)o;
	(void)c;
	(void)def;
}
