/*
 * The generic option handlers (flags, numbers, durations, byte sizes,
 * strings, lists) and dv_opt_fail, which every handler uses to report
 * "file:line: option: reason".  A leaf of the configuration: the table
 * (options.c) and the handlers of their own kind (conf_opts.c) call
 * these; these call nothing above them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dnsvizor/config_int.h"
#include "dnsvizor/options_int.h"

int dv_opt_fail(dv_parser *p, const char *name, const char *fmt, ...)
{
	char why[512];
	va_list ap;
	size_t off;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	p->nerr++;
	/* errors are collected (one per line) so that --test reports them
	 * all in one run */
	off = strlen(p->err);
	if (off + 2 >= p->errlen)
		return -1;
	if (off)
		p->err[off++] = '\n';
	if (p->src)
		snprintf(p->err + off, p->errlen - off, "%s:%u: %s: %s",
			 p->src, p->line, name, why);
	else
		snprintf(p->err + off, p->errlen - off, "command line: %s: %s",
			 name, why);
	return -1;
}

void *dv_opt_field(dv_parser *p, const dv_option *o)
{
	return (char *)p->cfg + o->off;
}

int dv_opt_oom(dv_parser *p, const dv_option *o)
{
	return dv_opt_fail(p, o->name, "out of memory");
}

/* ---- generic handlers ---- */

int dv_opt_flag(dv_parser *p, const dv_option *o, const char *val)
{
	(void)val;
	*(int *)dv_opt_field(p, o) = 1;
	return 0;
}

int dv_opt_num(dv_parser *p, const dv_option *o, const char *val,
		     long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(val, &end, 10);
	if (!*val || *end || errno || v < o->min || v > o->max ||
	    (*val < '0' || *val > '9'))
		return dv_opt_fail(p, o->name,
				   "bad value '%s' (expected a number "
				   "from %ld to %ld)", val, o->min, o->max);
	*out = v;
	return 0;
}

int dv_opt_int(dv_parser *p, const dv_option *o, const char *val)
{
	long v;

	if (dv_opt_num(p, o, val, &v) < 0)
		return -1;
	*(int *)dv_opt_field(p, o) = (int)v;
	return 0;
}

int dv_opt_u16(dv_parser *p, const dv_option *o, const char *val)
{
	long v;

	if (dv_opt_num(p, o, val, &v) < 0)
		return -1;
	*(uint16_t *)dv_opt_field(p, o) = (uint16_t)v;
	return 0;
}

int dv_opt_u32(dv_parser *p, const dv_option *o, const char *val)
{
	long v;

	if (dv_opt_num(p, o, val, &v) < 0)
		return -1;
	*(uint32_t *)dv_opt_field(p, o) = (uint32_t)v;
	return 0;
}

/* Seconds on the command line, milliseconds in dv_config. */
int dv_opt_secs_ms(dv_parser *p, const dv_option *o, const char *val)
{
	long v;

	if (dv_opt_num(p, o, val, &v) < 0)
		return -1;
	*(int *)dv_opt_field(p, o) = (int)(v * 1000);
	return 0;
}

/* A byte count with an optional K, M or G suffix (powers of 1024); 0 or
 * from o->min to o->max, into a uint64_t field. */
int dv_opt_bytes(dv_parser *p, const dv_option *o, const char *val)
{
	static const char sfx[] = "kmg";
	const char *u;
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(val, &end, 10);
	if (*end && (u = strchr(sfx, *end | 0x20)) && !end[1]) {
		for (long i = u - sfx + 1; i > 0; i--)
			v = v > ~0ULL >> 10 ? ~0ULL : v << 10;
		end++;
	}
	if (*val < '0' || *val > '9' || *end || errno ||
	    (v && (v < (unsigned long long)o->min ||
		   v > (unsigned long long)o->max)))
		return dv_opt_fail(p, o->name,
				   "bad value '%s' (expected 0 or a "
				   "size from %ldM to %ldG, suffix K, M or G)",
				   val, o->min >> 20, o->max >> 30);
	*(uint64_t *)dv_opt_field(p, o) = v;
	return 0;
}

int dv_opt_set_str(dv_parser *p, const dv_option *o, const char *val)
{
	char **f = dv_opt_field(p, o), *s = NULL;

	if (val && *val && !(s = strdup(val)))
		return dv_opt_oom(p, o);
	free(*f);
	*f = s;
	return 0;
}

int dv_opt_str(dv_parser *p, const dv_option *o, const char *val)
{
	if (!*val)
		return dv_opt_fail(p, o->name, "empty value");
	return dv_opt_set_str(p, o, val);
}

/* An empty value unsets (dnsmasq: pid-file= means no pid file). */
int dv_opt_str_empty(dv_parser *p, const dv_option *o, const char *val)
{
	return dv_opt_set_str(p, o, val);
}

int dv_opt_list(dv_parser *p, const dv_option *o, const char *val)
{
	if (!*val)
		return dv_opt_fail(p, o->name, "empty value");
	if (dv_strlist_add(dv_opt_field(p, o), val) < 0)
		return dv_opt_oom(p, o);
	return 0;
}

int dv_opt_clear(dv_parser *p, const dv_option *o, const char *val)
{
	(void)val;
	*(int *)dv_opt_field(p, o) = 0;
	return 0;
}

/* --help/--version/--man are answered by main before parsing. */
int dv_opt_info(dv_parser *p, const dv_option *o, const char *val)
{
	(void)p; (void)o; (void)val;
	return 0;
}
