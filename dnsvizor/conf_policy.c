/*
 * Answer-policy options of dnsmasq that take address blocks:
 * --bogus-nxdomain=ADDR[/PREFIX] and --ignore-address=ADDR[/PREFIX]
 * (repeatable), parsed into a dv_prefixes list and printed back.
 */
#include <arpa/inet.h>
#include <errno.h>
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
