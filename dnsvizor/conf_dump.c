/*
 * --dump-config: the printers that write a parsed dv_config back as config
 * file lines ("name" or "name=value", long names without the dashes).
 * A value equal to the default is left out; what is printed, fed back with
 * --conf-file, parses to the same configuration and prints the same text.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>

#include "dnsvizor/options_int.h"

static const void *fld(const dv_config *c, const dv_option *o)
{
	return (const char *)c + o->off;
}

void dv_pr_flag(FILE *out, const dv_option *o, const dv_config *c,
		const dv_config *def)
{
	const int *v = fld(c, o), *d = fld(def, o);

	if (*v && !*d)
		fprintf(out, "%s\n", o->name);
}

/* --no-X options that clear a field that is set by default. */
void dv_pr_clear(FILE *out, const dv_option *o, const dv_config *c,
		 const dv_config *def)
{
	const int *v = fld(c, o), *d = fld(def, o);

	if (!*v && *d)
		fprintf(out, "%s\n", o->name);
}

void dv_pr_int(FILE *out, const dv_option *o, const dv_config *c,
	       const dv_config *def)
{
	const int *v = fld(c, o), *d = fld(def, o);

	if (*v != *d)
		fprintf(out, "%s=%d\n", o->name, *v);
}

void dv_pr_u16(FILE *out, const dv_option *o, const dv_config *c,
	       const dv_config *def)
{
	const uint16_t *v = fld(c, o), *d = fld(def, o);

	if (*v != *d)
		fprintf(out, "%s=%u\n", o->name, (unsigned)*v);
}

void dv_pr_u32(FILE *out, const dv_option *o, const dv_config *c,
	       const dv_config *def)
{
	const uint32_t *v = fld(c, o), *d = fld(def, o);

	if (*v != *d)
		fprintf(out, "%s=%lu\n", o->name, (unsigned long)*v);
}

void dv_pr_u64(FILE *out, const dv_option *o, const dv_config *c,
	       const dv_config *def)
{
	const uint64_t *v = fld(c, o), *d = fld(def, o);

	if (*v != *d)
		fprintf(out, "%s=%llu\n", o->name, (unsigned long long)*v);
}

/* kept in milliseconds, given in seconds */
void dv_pr_secs_ms(FILE *out, const dv_option *o, const dv_config *c,
		   const dv_config *def)
{
	const int *v = fld(c, o), *d = fld(def, o);

	if (*v != *d)
		fprintf(out, "%s=%d\n", o->name, *v / 1000);
}

void dv_pr_str(FILE *out, const dv_option *o, const dv_config *c,
	       const dv_config *def)
{
	const char *const *v = fld(c, o), *const *d = fld(def, o);

	if (*v && (!*d || strcmp(*v, *d)))
		fprintf(out, "%s=%s\n", o->name, *v);
}

void dv_pr_list(FILE *out, const dv_option *o, const dv_config *c,
		const dv_config *def)
{
	const dv_strlist *l = fld(c, o);

	(void)def;
	for (size_t i = 0; i < l->n; i++)
		fprintf(out, "%s=%s\n", o->name, l->v[i]);
}

void dv_pr_log_queries(FILE *out, const dv_option *o, const dv_config *c,
		       const dv_config *def)
{
	(void)def;
	if (c->log_queries == 2)
		fprintf(out, "%s=extra\n", o->name);
	else if (c->log_queries)
		fprintf(out, "%s\n", o->name);
}

void dv_pr_log_level(FILE *out, const dv_option *o, const dv_config *c,
		     const dv_config *def)
{
	const char *n = c->log_level == DV_LOG_ERR ? "err"
		: c->log_level == DV_LOG_WARN ? "warn"
		: c->log_level == DV_LOG_DEBUG ? "debug" : "info";

	if (c->log_level != def->log_level)
		fprintf(out, "%s=%s\n", o->name, n);
}

void dv_pr_use_stale(FILE *out, const dv_option *o, const dv_config *c,
		     const dv_config *def)
{
	(void)def;
	if (c->use_stale && c->stale_max_age)
		fprintf(out, "%s=%lu\n", o->name,
			(unsigned long)c->stale_max_age);
	else if (c->use_stale)
		fprintf(out, "%s\n", o->name);
}

/* Text when it reads back as the same bytes, else 0xHEX. */
void dv_pr_nsid(FILE *out, const dv_option *o, const dv_config *c,
		const dv_config *def)
{
	int text = c->nsid_len > 0 && !(c->nsid[0] == '0' &&
					(c->nsid[1] | 0x20) == 'x');

	(void)def;
	if (!c->nsid_len)
		return;
	for (size_t i = 0; i < c->nsid_len && text; i++)
		text = isalnum(c->nsid[i]) || strchr("-._:@+", c->nsid[i]);
	fprintf(out, "%s=%s", o->name, text ? "" : "0x");
	for (size_t i = 0; i < c->nsid_len; i++)
		fprintf(out, text ? "%c" : "%02x", c->nsid[i]);
	fputc('\n', out);
}

void dv_pr_rrl_exempt(FILE *out, const dv_option *o, const dv_config *c,
		      const dv_config *def)
{
	char ip[INET6_ADDRSTRLEN];

	(void)def;
	for (int i = 0; i < c->n_rrl_exempt; i++) {
		const dv_prefix *e = &c->rrl_exempt[i];

		if (!inet_ntop(e->af == 6 ? AF_INET6 : AF_INET, e->addr, ip,
			       sizeof(ip)))
			continue;
		fprintf(out, "%s=%s/%d\n", o->name, ip, e->len);
	}
}

void dv_pr_serial_policy(FILE *out, const dv_option *o, const dv_config *c,
			 const dv_config *def)
{
	if (c->serial_policy != def->serial_policy)
		fprintf(out, "%s=%s\n", o->name,
			c->serial_policy == ZONE_SERIAL_UNIXTIME ? "unixtime"
			: "increment");
}

void dv_pr_acme_key_type(FILE *out, const dv_option *o, const dv_config *c,
			 const dv_config *def)
{
	static const char *const names[] = { "ec", "rsa2048", "rsa3072" };

	if (c->acme_key_type != def->acme_key_type &&
	    c->acme_key_type >= 0 && c->acme_key_type < 3)
		fprintf(out, "%s=%s\n", o->name, names[c->acme_key_type]);
}
