/*
 * The DHCP option values (conf.h): --dhcp-range, --dhcp-host and
 * --dhcp-option(-force) parsed once with dhcp/'s parsers into the
 * engine's own types, and printed back for --dump-config.
 */
#include <stdlib.h>
#include <string.h>

#include "dnsvizor/options_int.h"

/* Append elem (size bytes) to *v and a copy of text to *texts. */
static int push(void *vp, char ***texts, size_t *n, size_t size,
		const void *elem, const char *text)
{
	void **v = vp;
	char *nv = realloc(*v, (*n + 1) * size), **nt, *t;

	if (!nv)
		return -1;
	*v = nv;
	if (!(nt = realloc(*texts, (*n + 1) * sizeof(*nt))))
		return -1;
	*texts = nt;
	if (!(t = strdup(text)))
		return -1;
	memcpy(nv + *n * size, elem, size);
	nt[(*n)++] = t;
	return 0;
}

static void texts_free(char **t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(t[i]);
	free(t);
}

static int oom(char *why, size_t whylen)
{
	snprintf(why, whylen, "out of memory");
	return -1;
}

int dv_dhcp_ranges_add(dv_dhcp_ranges *l, const char *val, char *why,
		       size_t whylen)
{
	dhcp_range r;

	if (dhcp_range_parse(val, &r, why, whylen) < 0)
		return -1;
	if (push(&l->v, &l->text, &l->n, sizeof(r), &r, val) < 0)
		return oom(why, whylen);
	return 0;
}

int dv_dhcp_hosts_add(dv_dhcp_hosts *l, const char *val, char *why,
		      size_t whylen)
{
	dhcp_host h;

	if (dhcp_host_parse(val, &h, why, whylen) < 0)
		return -1;
	if (push(&l->v, &l->text, &l->n, sizeof(h), &h, val) < 0)
		return oom(why, whylen);
	return 0;
}

int dv_dhcp_opts_add(dv_dhcp_opts *l, const char *val, char *why,
		     size_t whylen)
{
	dhcp_opt *d = malloc(sizeof(*d));   /* 1 KiB: not on the stack */
	int rc = -1;

	if (!d)
		return oom(why, whylen);
	if (dhcp_option_parse(val, d, why, whylen) == 0) {
		rc = push(&l->v, &l->text, &l->n, sizeof(*d), d, val);
		if (rc < 0)
			oom(why, whylen);
	}
	free(d);
	return rc;
}

void dv_dhcp_ranges_free(dv_dhcp_ranges *l)
{
	texts_free(l->text, l->n);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void dv_dhcp_hosts_free(dv_dhcp_hosts *l)
{
	texts_free(l->text, l->n);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void dv_dhcp_opts_free(dv_dhcp_opts *l)
{
	texts_free(l->text, l->n);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* ---- printers ---- */

static void pr_texts(FILE *out, const char *name, char **text, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s=%s\n", name, text[i]);
}

void dv_pr_dhcp_ranges(FILE *out, const dv_option *o, const dv_config *c,
		       const dv_config *def)
{
	(void)def;
	pr_texts(out, o->name, c->dhcp_ranges.text, c->dhcp_ranges.n);
}

void dv_pr_dhcp_hosts(FILE *out, const dv_option *o, const dv_config *c,
		      const dv_config *def)
{
	(void)def;
	pr_texts(out, o->name, c->dhcp_hosts.text, c->dhcp_hosts.n);
}

/* --dhcp-option and --dhcp-option-force (o->max 1) share one list; an
 * entry goes to the one that matches its force bit. */
void dv_pr_dhcp_option(FILE *out, const dv_option *o, const dv_config *c,
		       const dv_config *def)
{
	const dv_dhcp_opts *l = &c->dhcp_options;

	(void)def;
	for (size_t i = 0; i < l->n; i++) {
		const char *t = l->text[i];

		if (l->v[i].force != (o->max == 1))
			continue;
		if (l->v[i].force && strncasecmp(t, "force:", 6) == 0)
			t += 6;
		fprintf(out, "%s=%s\n", o->name, t);
	}
}
