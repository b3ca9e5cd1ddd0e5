/*
 * Parsers and printers of the DNS option values (conf.h): zone specs,
 * secondaries and NOTIFY targets, addresses with ports.  The option
 * handlers in options.c call the parsers once; the printers write the
 * same values back for --dump-config.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dnsvizor/options_int.h"

enum { DV_CNAMEBUF = 1024 };

/* a copy of n bytes at s without surrounding blanks */
static char *dup_trim(const char *s, size_t n)
{
	char *r;

	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (!(r = malloc(n + 1)))
		return NULL;
	memcpy(r, s, n);
	r[n] = '\0';
	return r;
}

int dv_ipport_parse(const char *s, size_t n, uint16_t defport, dv_ipport *a)
{
	char buf[DV_IPSTR], *hash, *pct;
	long port = defport;

	memset(a, 0, sizeof(*a));
	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if ((hash = strchr(buf, '#')) != NULL) {
		char *end;

		*hash++ = '\0';
		errno = 0;
		port = strtol(hash, &end, 10);
		if (!*hash || *end || errno || port < 1 || port > 65535)
			return -1;
		a->has_port = 1;
	}
	memcpy(a->ip, buf, strlen(buf) + 1);
	if ((pct = strchr(buf, '%')) != NULL)   /* fe80::1%eth0 */
		*pct = '\0';
	if (!buf[0] || !dv_parse_ip(buf, &a->af, a->addr))
		return -1;
	a->port = (uint16_t)port;
	return 0;
}

void dv_ipport_str(const dv_ipport *a, char *out, size_t outlen)
{
	if (a->has_port)
		snprintf(out, outlen, "%s#%u", a->ip, (unsigned)a->port);
	else
		snprintf(out, outlen, "%s", a->ip);
}

/* ---- --zone ---- */

int dv_zone_spec_parse(const char *val, dv_zone_spec *z, char *why,
		       size_t whylen)
{
	const char *comma = strchr(val, ',');
	char name[DV_CNAMEBUF], *t;

	memset(z, 0, sizeof(*z));
	if (!comma || !comma[1]) {
		snprintf(why, whylen, "expected ORIGIN,FILE in '%s'", val);
		return -1;
	}
	if (!(t = dup_trim(val, (size_t)(comma - val))))
		goto oom;
	if (dv_name_abs(t, strlen(t), name, sizeof(name)) < 0) {
		snprintf(why, whylen, "bad zone name '%.*s'",
			 (int)(comma - val), val);
		free(t);
		return -1;
	}
	free(t);
	z->origin = strdup(name);
	z->file = strdup(comma + 1);
	if (z->origin && z->file)
		return 0;
	free(z->origin);
	free(z->file);
oom:
	snprintf(why, whylen, "out of memory");
	return -1;
}

/* ---- --secondary, --notify ---- */

static int peer_fill(dv_peer_spec *s, const char *zname, const char *ip,
		     const char *key)
{
	char name[DV_CNAMEBUF], kname[DV_CNAMEBUF];

	if (dv_name_abs(zname, strlen(zname), name, sizeof(name)) < 0 ||
	    dv_ipport_parse(ip, strlen(ip), 53, &s->addr) < 0 ||
	    (key && dv_name_abs(key, strlen(key), kname, sizeof(kname)) < 0))
		return -1;
	s->zone = strdup(name);
	s->key = key ? strdup(key) : NULL;
	return 0;
}

int dv_peer_spec_parse(const char *val, const char *what, dv_peer_spec *s,
		       char *why, size_t whylen)
{
	char *buf = strdup(val), *ip, *key = NULL;
	int rc = -1;

	memset(s, 0, sizeof(*s));
	if (!buf) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	if ((ip = strchr(buf, ',')) != NULL) {
		*ip++ = '\0';
		if ((key = strchr(ip, ',')) != NULL)
			*key++ = '\0';
		if (*buf && (!key || *key) && peer_fill(s, buf, ip, key) == 0)
			rc = 0;
	}
	free(buf);
	if (rc == 0 && (!s->zone || (key && !s->key))) {
		free(s->zone);
		free(s->key);
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	if (rc < 0)
		snprintf(why, whylen, "expected %s[#PORT][,KEYNAME] in '%s'",
			 what, val);
	return rc;
}

/* ---- lists ---- */

static int vec_push(void *vp, size_t *n, size_t size, const void *elem)
{
	void **v = vp;
	char *nv = realloc(*v, (*n + 1) * size);

	if (!nv)
		return -1;
	memcpy(nv + *n * size, elem, size);
	*v = nv;
	(*n)++;
	return 0;
}

int dv_zone_specs_add(dv_zone_specs *l, const dv_zone_spec *z)
{
	return vec_push(&l->v, &l->n, sizeof(*z), z);
}

int dv_peer_specs_add(dv_peer_specs *l, const dv_peer_spec *s)
{
	return vec_push(&l->v, &l->n, sizeof(*s), s);
}

void dv_zone_specs_free(dv_zone_specs *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].origin);
		free(l->v[i].file);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void dv_peer_specs_free(dv_peer_specs *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].zone);
		free(l->v[i].key);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* ---- printers ---- */

static const void *fld(const dv_config *c, const dv_option *o)
{
	return (const char *)c + o->off;
}

void dv_pr_zones(FILE *out, const dv_option *o, const dv_config *c,
		 const dv_config *def)
{
	const dv_zone_specs *l = fld(c, o);

	(void)def;
	for (size_t i = 0; i < l->n; i++)
		fprintf(out, "%s=%s,%s\n", o->name, l->v[i].origin,
			l->v[i].file);
}

void dv_pr_peers(FILE *out, const dv_option *o, const dv_config *c,
		 const dv_config *def)
{
	const dv_peer_specs *l = fld(c, o);
	char ip[DV_IPSTR + 8];

	(void)def;
	for (size_t i = 0; i < l->n; i++) {
		dv_ipport_str(&l->v[i].addr, ip, sizeof(ip));
		fprintf(out, "%s=%s,%s%s%s\n", o->name, l->v[i].zone, ip,
			l->v[i].key ? "," : "", l->v[i].key ? l->v[i].key : "");
	}
}

void dv_pr_ipport(FILE *out, const dv_option *o, const dv_config *c,
		  const dv_config *def)
{
	const dv_ipport *a = fld(c, o);
	char ip[DV_IPSTR + 8];

	(void)def;
	if (!a->af)
		return;
	dv_ipport_str(a, ip, sizeof(ip));
	fprintf(out, "%s=%s\n", o->name, ip);
}
