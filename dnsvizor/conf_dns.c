/*
 * Parsers and printers of the DNS option values (conf.h): zone specs,
 * secondaries and NOTIFY targets, addresses with ports.  The option
 * handlers in options.c call the parsers once; the printers write the
 * same values back for --dump-config.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* s as an absolute name, as the DNS code reads it (escapes allowed:
 * secondary.c and notify.c took their names this way). */
static int wire_abs(const char *s, char *out, size_t outlen)
{
	uint8_t wire[WIRE_MAXNAME];
	size_t n = strlen(s);

	if (n == 0 || n + 2 > outlen)
		return -1;
	memcpy(out, s, n + 1);
	if (out[n - 1] != '.')
		memcpy(out + n, ".", 2);
	return wire_name_from_str(out, wire) > 0 ? 0 : -1;
}

static int peer_fill(dv_peer_spec *s, const char *zname, const char *ip,
		     const char *key)
{
	char name[DV_CNAMEBUF], kname[DV_CNAMEBUF];

	if (wire_abs(zname, name, sizeof(name)) < 0 ||
	    dv_ipport_parse(ip, strlen(ip), 53, &s->addr) < 0 ||
	    (key && wire_abs(key, kname, sizeof(kname)) < 0))
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

/* ---- --server, --dns-upstream, --trust-anchor ---- */

static int add_domain(dv_fwd_rule *r, const char *p, size_t n)
{
	char **v = realloc(r->domains, (r->ndomains + 1) * sizeof(*v));

	if (!v)
		return -1;
	r->domains = v;
	if (!(v[r->ndomains] = strndup(p, n)))
		return -1;
	r->ndomains++;
	return 0;
}

/* the /DOMAIN/DOMAIN/ part in front of ip */
static int fwd_domains(const char *val, const char *ip, dv_fwd_rule *r,
		       char *why, size_t whylen)
{
	for (const char *p = val + 1, *slash; p < ip; p = slash + 1) {
		char name[DV_CNAMEBUF];

		slash = strchr(p, '/');
		if (slash == p || dv_name_abs(p, (size_t)(slash - p), name,
					      sizeof(name)) < 0) {
			snprintf(why, whylen, "bad domain '%.*s'",
				 (int)(slash - p), p);
			return -1;
		}
		if (add_domain(r, p, (size_t)(slash - p)) < 0) {
			snprintf(why, whylen, "out of memory");
			return -1;
		}
	}
	return 0;
}

int dv_fwd_rule_parse(const char *val, dv_fwd_rule *r, char *why,
		      size_t whylen)
{
	const char *ip = val, *slash;

	memset(r, 0, sizeof(*r));
	if (!*val) {
		snprintf(why, whylen, "empty value");
		return -1;
	}
	if (*val == '/') {
		slash = strrchr(val, '/');
		if (slash == val) {
			snprintf(why, whylen, "missing '/' after the domain "
				 "in '%s'", val);
			return -1;
		}
		ip = slash + 1;
	}
	if (*ip && (strchr(ip, '%') ||
		    dv_ipport_parse(ip, strlen(ip), 53, &r->addr) < 0)) {
		snprintf(why, whylen, "bad server address '%s' (expected "
			 "IP[#PORT]; names and @interface are not supported)",
			 ip);
		return -1;
	}
	if (*val == '/' && fwd_domains(val, ip, r, why, whylen) < 0) {
		dv_fwd_rule_free(r);
		return -1;
	}
	return 0;
}

/* The certificate name after '!': a host name or an IP address. */
static int tls_name(const char *s, char *name, size_t cap)
{
	size_t n = strlen(s);

	if (n == 0 || n >= cap || strspn(s, "abcdefghijklmnopqrstuvwxyz"
					    "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					    "0123456789-._:") != n ||
	    s[0] == '.' || strstr(s, ".."))
		return -1;
	memcpy(name, s, n + 1);
	if (n > 1 && name[n - 1] == '.')
		name[n - 1] = '\0';  /* certificates hold names without it */
	return 0;
}

/* robur's IP[:PORT] (IPv6 as [ADDR]:PORT or bare) as IP#PORT in tmp. */
static size_t robur_ip(const char *ip, char *tmp, size_t cap)
{
	const char *end;

	if (*ip == '[' && (end = strchr(ip, ']')) != NULL)
		return (size_t)snprintf(tmp, cap, "%.*s%s%s",
					(int)(end - ip - 1), ip + 1,
					end[1] == ':' ? "#" : "",
					end[1] == ':' ? end + 2 : end + 1);
	if ((end = strchr(ip, ':')) != NULL && !strchr(end + 1, ':'))
		return (size_t)snprintf(tmp, cap, "%.*s#%s", (int)(end - ip),
					ip, end + 1);
	return (size_t)snprintf(tmp, cap, "%s", ip);
}

int dv_upstream_parse(const char *val, dv_upstream *u, char *why,
		      size_t whylen)
{
	const char *ip = val + 4, *bang;
	char buf[128], tmp[128];
	size_t n, iplen;
	int tls = !strncmp(val, "tls:", 4);

	memset(u, 0, sizeof(*u));
	if (!tls && strncmp(val, "udp:", 4) && strncmp(val, "tcp:", 4)) {
		snprintf(why, whylen, "expected udp:IP[:PORT], tcp:IP[:PORT] "
			 "or tls:IP[:PORT]!NAME, not '%s'", val);
		return -1;
	}
	u->transport = tls ? DV_UP_TLS : val[0] == 't' ? DV_UP_TCP : DV_UP_UDP;
	bang = strchr(ip, '!');
	if (bang && (!tls || tls_name(bang + 1, u->tls_name,
				      sizeof(u->tls_name)) < 0)) {
		snprintf(why, whylen, tls ? "bad certificate name in '%s'"
			 : "'!NAME' is only for tls: upstreams, in '%s'", val);
		return -1;
	}
	iplen = bang ? (size_t)(bang - ip) : strlen(ip);
	if (iplen >= sizeof(buf))
		goto bad;
	memcpy(buf, ip, iplen);
	buf[iplen] = '\0';
	n = robur_ip(buf, tmp, sizeof(tmp));
	if (n >= sizeof(tmp) || strchr(tmp, '%') ||
	    dv_ipport_parse(tmp, n, tls ? 853 : 53, &u->addr) < 0)
		goto bad;  /* RFC 7858 3.1: 853 */
	return 0;
bad:
	snprintf(why, whylen, "bad upstream address in '%s'", val);
	return -1;
}

int dv_anchor_parse(const char *val, dv_anchor *t, char *why,
		    size_t whylen)
{
	char dom[256], name[DV_CNAMEBUF], digest[512];
	unsigned tag, alg, dt;
	size_t i = 0, want;

	memset(t, 0, sizeof(*t));
	if (sscanf(val, "%255[^,],%u,%u,%u,%511s", dom, &tag, &alg, &dt,
		   digest) != 5 || tag > 65535 || alg > 255 || dt > 255)
		goto bad;
	while (digest[i] && strchr("0123456789abcdefABCDEF", digest[i]))
		i++;
	if (digest[i] || i < 2 || (i & 1) ||
	    dv_name_abs(dom, strlen(dom), name, sizeof(name)) < 0)
		goto bad;
	want = dt == 1 ? 40 : dt == 2 || dt == 3 ? 64 : dt == 4 ? 96 : 0;
	if (want && i != want) {
		snprintf(why, whylen, "digest of %zu bytes, but digest type %u "
			 "has %zu, in '%s'", i / 2, dt, want / 2, val);
		return -1;
	}
	t->keytag = (uint16_t)tag;
	t->alg = (uint8_t)alg;
	t->digest_type = (uint8_t)dt;
	t->domain = strdup(name);
	t->digest = strdup(digest);
	if (t->domain && t->digest)
		return 0;
	free(t->domain);
	free(t->digest);
	snprintf(why, whylen, "out of memory");
	return -1;
bad:
	snprintf(why, whylen, "expected DOMAIN,KEYTAG,ALGORITHM,DIGESTTYPE,"
		 "HEXDIGEST in '%s'", val);
	return -1;
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

int dv_sign_specs_add(dv_sign_specs *l, const dv_sign_spec *s)
{
	return vec_push(&l->v, &l->n, sizeof(*s), s);
}

void dv_sign_specs_free(dv_sign_specs *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].zone);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static const struct { const char *name; uint8_t alg; } sign_algs[] = {
	{ "ecdsap256sha256", ZONE_ALG_ECDSAP256 }, { "13", ZONE_ALG_ECDSAP256 },
	{ "ecdsap256", ZONE_ALG_ECDSAP256 },
	{ "ed25519", ZONE_ALG_ED25519 }, { "15", ZONE_ALG_ED25519 },
};

const char *dv_sign_alg_name(uint8_t alg)
{
	return alg == ZONE_ALG_ED25519 ? "ed25519" : "ecdsap256sha256";
}

/* One token after ZONE: an algorithm or the denial kind. */
static int sign_token(const char *t, dv_sign_spec *s, char *why,
		      size_t whylen)
{
	if (strcasecmp(t, "nsec") == 0 || strcasecmp(t, "nsec3") == 0) {
		s->nsec3 = strcasecmp(t, "nsec3") == 0;
		return 0;
	}
	for (size_t i = 0; i < sizeof(sign_algs) / sizeof(sign_algs[0]); i++)
		if (strcasecmp(t, sign_algs[i].name) == 0) {
			s->alg = sign_algs[i].alg;
			return 0;
		}
	snprintf(why, whylen, "'%s' is no algorithm (ecdsap256sha256 or 13, "
		 "ed25519 or 15) and not nsec or nsec3", t);
	return -1;
}

int dv_sign_spec_parse(const char *val, dv_sign_spec *s, char *why,
		       size_t whylen)
{
	char name[DV_CNAMEBUF], *copy = strdup(val), *tok, *save = NULL;
	int rc = 0, i = 0;

	memset(s, 0, sizeof(*s));
	s->alg = ZONE_ALG_ECDSAP256;
	if (!copy) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	for (tok = strtok_r(copy, ",", &save); tok && rc == 0;
	     tok = strtok_r(NULL, ",", &save), i++) {
		if (i == 0 && dv_name_abs(tok, strlen(tok), name,
					  sizeof(name)) < 0) {
			snprintf(why, whylen, "bad zone name '%s'", tok);
			rc = -1;
		} else if (i == 0) {
			if (!(s->zone = strdup(name)))
				rc = -1, snprintf(why, whylen, "out of memory");
		} else if (i > 2) {
			snprintf(why, whylen, "expected ZONE[,ALGORITHM]"
				 "[,nsec|nsec3] in '%s'", val);
			rc = -1;
		} else {
			rc = sign_token(tok, s, why, whylen);
		}
	}
	free(copy);
	if (rc == 0 && !s->zone) {
		snprintf(why, whylen, "expected ZONE[,ALGORITHM][,nsec|nsec3]");
		rc = -1;
	}
	if (rc < 0) {
		free(s->zone);
		s->zone = NULL;
	}
	return rc;
}

/* ---- --dnssec-policy, --dnssec-rollover ---- */

enum { POL_DAY = 86400 };

/* D: seconds, or N followed by s, m, h, d or w (as Knot's timers). */
static int pol_dur(const char *t, uint64_t *out)
{
	static const struct { char c; uint64_t mul; } u[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', POL_DAY },
		{ 'w', 7 * POL_DAY },
	};
	char *end;
	unsigned long long v;

	if (*t < '0' || *t > '9')
		return -1;
	v = strtoull(t, &end, 10);
	if (*end == '\0') {
		*out = v;
		return v < (1ull << 40) ? 0 : -1;
	}
	for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++)
		if (end[0] == u[i].c && end[1] == '\0' && v < (1ull << 32)) {
			*out = v * u[i].mul;
			return 0;
		}
	return -1;
}

static int pol_token(const char *t, dv_policy_spec *s)
{
	static const char *const keys[] = {
		"zsk-lifetime=", "ksk-lifetime=", "propagation=", "ds-ttl=",
	};
	uint64_t v;

	if (strcasecmp(t, "csk") == 0 || strcasecmp(t, "kskzsk") == 0) {
		s->split = strcasecmp(t, "kskzsk") == 0;
		return 0;
	}
	for (int i = 0; i < 4; i++) {
		size_t n = strlen(keys[i]);
		if (strncasecmp(t, keys[i], n) != 0 || pol_dur(t + n, &v) < 0)
			continue;
		if (i == 0)
			s->zsk_life = v;
		else if (i == 1)
			s->ksk_life = v;
		else if (v > UINT32_MAX)
			return -1;
		else if (i == 2)
			s->propagation = (uint32_t)v;
		else
			s->ds_ttl = (uint32_t)v;
		return 0;
	}
	return -1;
}

static void pol_defaults(dv_policy_spec *s)
{
	s->split = 0;
	s->zsk_life = 30 * POL_DAY;
	s->ksk_life = 0;
	s->propagation = 3600;
	s->ds_ttl = POL_DAY;
}

/* The first token of val, a zone name, into *zp (absolute, malloc'd);
 * the rest after the comma in *rest (NULL: none).  0 or -1. */
static int first_zone(char *copy, char **zp, char **rest)
{
	char name[DV_CNAMEBUF], *c = strchr(copy, ',');

	*rest = NULL;
	if (c) {
		*c = '\0';
		*rest = c + 1;
	}
	if (dv_name_abs(copy, strlen(copy), name, sizeof(name)) < 0)
		return -1;
	return (*zp = strdup(name)) ? 0 : -1;
}

int dv_policy_spec_parse(const char *val, dv_policy_spec *s, char *why,
			 size_t whylen)
{
	char *copy = strdup(val), *rest, *tok, *save = NULL;
	int rc = 0;

	memset(s, 0, sizeof(*s));
	pol_defaults(s);
	if (!copy || first_zone(copy, &s->zone, &rest) < 0) {
		free(copy);
		snprintf(why, whylen, "bad zone name in '%s'", val);
		return -1;
	}
	for (tok = rest ? strtok_r(rest, ",", &save) : NULL; tok && rc == 0;
	     tok = strtok_r(NULL, ",", &save))
		if ((rc = pol_token(tok, s)) < 0)
			snprintf(why, whylen, "'%s' is not csk, kskzsk, "
				 "zsk-lifetime=D, ksk-lifetime=D, "
				 "propagation=D or ds-ttl=D (D: seconds or "
				 "N[smhdw])", tok);
	free(copy);
	if (rc < 0) {
		free(s->zone);
		s->zone = NULL;
	}
	return rc;
}

int dv_policy_specs_add(dv_policy_specs *l, const dv_policy_spec *s)
{
	return vec_push(&l->v, &l->n, sizeof(*s), s);
}

void dv_policy_specs_free(dv_policy_specs *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].zone);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

dv_policy_spec dv_policy_of(const dv_policy_specs *l, const char *zn)
{
	dv_policy_spec s;

	for (size_t i = l->n; i-- > 0;)
		if (strcasecmp(l->v[i].zone, zn) == 0)
			return l->v[i];
	memset(&s, 0, sizeof(s));
	pol_defaults(&s);
	return s;
}

int dv_roll_req_parse(const char *val, dv_roll_req *r, char *why,
		      size_t whylen)
{
	static const struct { const char *name; unsigned what; } kinds[] = {
		{ "zsk", ZONE_ROLE_ZSK }, { "ksk", ZONE_ROLE_KSK },
		{ "csk", ZONE_ROLE_CSK },
		{ "ksk-submitted", DV_ROLL_SUBMITTED },
	};
	char *copy = strdup(val), *rest;

	memset(r, 0, sizeof(*r));
	if (!copy || first_zone(copy, &r->zone, &rest) < 0 || !rest) {
		free(copy);
		free(r->zone);
		r->zone = NULL;
		snprintf(why, whylen, "expected ZONE,zsk|ksk|csk|ksk-submitted "
			 "in '%s'", val);
		return -1;
	}
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcasecmp(rest, kinds[i].name) == 0)
			r->what = kinds[i].what;
	free(copy);
	if (!r->what) {
		free(r->zone);
		r->zone = NULL;
		snprintf(why, whylen, "expected zsk, ksk, csk or ksk-submitted "
			 "in '%s'", val);
		return -1;
	}
	return 0;
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

int dv_fwd_rules_add(dv_fwd_rules *l, const dv_fwd_rule *r)
{
	return vec_push(&l->v, &l->n, sizeof(*r), r);
}

int dv_upstreams_add(dv_upstreams *l, const dv_upstream *u)
{
	return vec_push(&l->v, &l->n, sizeof(*u), u);
}

int dv_anchors_add(dv_anchors *l, const dv_anchor *t)
{
	return vec_push(&l->v, &l->n, sizeof(*t), t);
}

void dv_fwd_rule_free(dv_fwd_rule *r)
{
	for (size_t i = 0; i < r->ndomains; i++)
		free(r->domains[i]);
	free(r->domains);
	r->domains = NULL;
	r->ndomains = 0;
}

void dv_fwd_rules_free(dv_fwd_rules *l)
{
	for (size_t i = 0; i < l->n; i++)
		dv_fwd_rule_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void dv_upstreams_free(dv_upstreams *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void dv_anchors_free(dv_anchors *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].domain);
		free(l->v[i].digest);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* ---- --dns-key, --acme-cert ---- */

int dv_tsig_keys_add(dv_tsig_keys *l, const zone_tsig_key *k)
{
	return vec_push(&l->v, &l->n, sizeof(*k), k);
}

void dv_tsig_keys_free(dv_tsig_keys *l)
{
	if (l->v)   /* the secrets do not outlive the configuration */
		memset(l->v, 0, l->n * sizeof(*l->v));
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static size_t b64(const uint8_t *in, size_t n, char *out)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
				  "qrstuvwxyz0123456789+/";
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 |
			     (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) |
			     (i + 2 < n ? in[i + 2] : 0);

		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
		out[o++] = i + 1 < n ? tab[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? tab[v & 63] : '=';
	}
	out[o] = '\0';
	return o;
}

int dv_tsig_key_str(const zone_tsig_key *k, char *out, size_t outlen)
{
	static const char *const alg[] = { "", "hmac-md5", "hmac-sha1",
		"hmac-sha224", "hmac-sha256", "hmac-sha384", "hmac-sha512" };
	char name[DV_CNAMEBUF], sec[TSIG_MAXSECRET * 4 / 3 + 8];

	if (wire_name_to_str(k->name, name, sizeof(name)) < 0 ||
	    k->alg < TSIG_HMAC_MD5 || k->alg > TSIG_HMAC_SHA512 ||
	    k->secret_len > TSIG_MAXSECRET)
		return -1;
	b64(k->secret, k->secret_len, sec);
	return (size_t)snprintf(out, outlen, "%s:%s:%s", name, alg[k->alg],
				sec) < outlen ? 0 : -1;
}

static void order_free(dv_cert_order *o)
{
	for (size_t j = 0; j < o->nnames; j++)
		free(o->names[j]);
	free(o->names);
	o->names = NULL;
	o->nnames = 0;
}

void dv_cert_orders_free(dv_cert_orders *l)
{
	for (size_t i = 0; i < l->n; i++)
		order_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int order_name(dv_cert_order *o, const char *s, size_t n)
{
	char **v = realloc(o->names, (o->nnames + 1) * sizeof(*v));

	if (!v)
		return -1;
	o->names = v;
	if (!(v[o->nnames] = strndup(s, n)))
		return -1;
	o->nnames++;
	return 0;
}

/* val was checked by the option handler (names, commas). */
int dv_cert_order_add(dv_cert_orders *l, const char *val, char *why,
		      size_t whylen)
{
	dv_cert_order o = { NULL, 0 };
	const char *s = val, *e;

	do {
		e = strchr(s, ',');
		if (order_name(&o, s, e ? (size_t)(e - s) : strlen(s)) < 0)
			goto oom;
		s = e + 1;
	} while (e);
	if (vec_push(&l->v, &l->n, sizeof(o), &o) == 0)
		return 0;
oom:
	order_free(&o);
	snprintf(why, whylen, "out of memory");
	return -1;
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

void dv_pr_servers(FILE *out, const dv_option *o, const dv_config *c,
		   const dv_config *def)
{
	const dv_fwd_rules *l = fld(c, o);
	char ip[DV_IPSTR + 8];

	(void)def;
	for (size_t i = 0; i < l->n; i++) {
		const dv_fwd_rule *r = &l->v[i];

		fprintf(out, "%s=%s", o->name, r->ndomains ? "/" : "");
		for (size_t j = 0; j < r->ndomains; j++)
			fprintf(out, "%s/", r->domains[j]);
		ip[0] = '\0';
		if (r->addr.af)
			dv_ipport_str(&r->addr, ip, sizeof(ip));
		fprintf(out, "%s\n", ip);
	}
}

void dv_pr_upstreams(FILE *out, const dv_option *o, const dv_config *c,
		     const dv_config *def)
{
	static const char *const tr[] = { "udp", "tcp", "tls" };
	const dv_upstreams *l = fld(c, o);

	(void)def;
	for (size_t i = 0; i < l->n; i++) {
		const dv_upstream *u = &l->v[i];
		const char *fmt = !u->addr.has_port ? "%s=%s:%s"
			: u->addr.af == 6 ? "%s=%s:[%s]:%u" : "%s=%s:%s:%u";

		fprintf(out, fmt, o->name, tr[u->transport], u->addr.ip,
			(unsigned)u->addr.port);
		if (u->tls_name[0])
			fprintf(out, "!%s", u->tls_name);
		fputc('\n', out);
	}
}

void dv_pr_anchors(FILE *out, const dv_option *o, const dv_config *c,
		   const dv_config *def)
{
	const dv_anchors *l = fld(c, o);

	(void)def;
	for (size_t i = 0; i < l->n; i++)
		fprintf(out, "%s=%s,%u,%u,%u,%s\n", o->name, l->v[i].domain,
			(unsigned)l->v[i].keytag, (unsigned)l->v[i].alg,
			(unsigned)l->v[i].digest_type, l->v[i].digest);
}

void dv_pr_tsig_keys(FILE *out, const dv_option *o, const dv_config *c,
		     const dv_config *def)
{
	const dv_tsig_keys *l = fld(c, o);
	char k[TSIG_MAXSECRET * 2 + DV_CNAMEBUF];

	(void)def;
	for (size_t i = 0; i < l->n; i++)
		if (dv_tsig_key_str(&l->v[i], k, sizeof(k)) == 0)
			fprintf(out, "%s=%s\n", o->name, k);
}

void dv_pr_cert_orders(FILE *out, const dv_option *o, const dv_config *c,
		       const dv_config *def)
{
	const dv_cert_orders *l = fld(c, o);

	(void)def;
	for (size_t i = 0; i < l->n; i++) {
		fprintf(out, "%s=", o->name);
		for (size_t j = 0; j < l->v[i].nnames; j++)
			fprintf(out, "%s%s", j ? "," : "", l->v[i].names[j]);
		fputc('\n', out);
	}
}

void dv_pr_policy_specs(FILE *out, const dv_option *o, const dv_config *c,
			const dv_config *def)
{
	const dv_policy_specs *l = fld(c, o);

	(void)def;
	for (size_t i = 0; i < l->n; i++) {
		const dv_policy_spec *s = &l->v[i];
		fprintf(out, "%s=%s,%s,zsk-lifetime=%llu,ksk-lifetime=%llu,"
			"propagation=%u,ds-ttl=%u\n", o->name, s->zone,
			s->split ? "kskzsk" : "csk",
			(unsigned long long)s->zsk_life,
			(unsigned long long)s->ksk_life, s->propagation,
			s->ds_ttl);
	}
}

void dv_pr_sign_specs(FILE *out, const dv_option *o, const dv_config *c,
		      const dv_config *def)
{
	const dv_sign_specs *l = fld(c, o);

	(void)def;
	for (size_t i = 0; i < l->n; i++)
		fprintf(out, "%s=%s,%s,%s\n", o->name, l->v[i].zone,
			dv_sign_alg_name(l->v[i].alg),
			l->v[i].nsec3 ? "nsec3" : "nsec");
}
