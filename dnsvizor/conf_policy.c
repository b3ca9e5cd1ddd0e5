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

#include "dnsvizor/config_int.h"
#include "dnsvizor/options_int.h"

int dv_opt_prefixes(dv_parser *p, const dv_option *o, const char *val)
{
	dv_prefixes *l = dv_opt_field(p, o);
	dv_prefix e, *v;
	char buf[64], *slash, *end;
	long len;

	if (strlen(val) >= sizeof(buf))
		return dv_opt_fail(p, o->name, "bad address '%s'", val);
	strcpy(buf, val);
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	memset(&e, 0, sizeof(e));
	if (!dv_parse_ip(buf, &e.af, e.addr))
		return dv_opt_fail(p, o->name, "bad address '%s'", val);
	len = e.af == 6 ? 128 : 32;
	if (slash) {
		long max = len;

		errno = 0;
		len = strtol(slash, &end, 10);
		if (!*slash || *end || errno || len < 0 || len > max)
			return dv_opt_fail(p, o->name, "bad prefix length in "
					"'%s'", val);
	}
	e.len = (int)len;
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
