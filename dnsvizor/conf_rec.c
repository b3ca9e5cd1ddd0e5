/*
 * The value parsers of the local-data options (config_int.h): the
 * dnsmasq-style record converters (--host-record, --cname, --mx-host,
 * --srv-host, --txt-record, --ptr-record, --caa-record), --address, and
 * --allow-update / --allow-transfer, with the small token helpers they
 * share with the hosts-file reader in config.c.  Moved here from
 * config.c, which now only builds the running state.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dnsvizor/options_int.h"

enum {
	DV_MAXTOK = 64,          /* comma-separated fields per option */
	DV_TTL_MAX = 0x7fffffff, /* RFC 2181 8 */
};

/* ---- tokens, names, addresses ---- */

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

dv_tok dv_tok_trim(const char *p, size_t n)
{
	dv_tok t;

	while (n > 0 && is_space(*p)) {
		p++;
		n--;
	}
	while (n > 0 && is_space(p[n - 1]))
		n--;
	t.p = p;
	t.n = n;
	return t;
}

/* Split at commas outside double quotes; -1 if more than max fields. */
int dv_csv_split(const char *val, dv_tok *t, int max)
{
	const char *start = val;
	int n = 0, quoted = 0;

	for (const char *c = val;; c++) {
		if (*c == '\\' && quoted && c[1]) {
			c++;
			continue;
		}
		if (*c == '"')
			quoted = !quoted;
		if (*c != '\0' && (*c != ',' || quoted))
			continue;
		if (n == max)
			return -1;
		t[n++] = dv_tok_trim(start, (size_t)(c - start));
		if (*c == '\0')
			return n;
		start = c + 1;
	}
}

int dv_tok_str(dv_tok t, char *out, size_t outlen)
{
	if (t.n >= outlen)
		return -1;
	memcpy(out, t.p, t.n);
	out[t.n] = '\0';
	return 0;
}

static int tok_digits(dv_tok t)
{
	if (t.n == 0)
		return 0;
	for (size_t i = 0; i < t.n; i++)
		if (t.p[i] < '0' || t.p[i] > '9')
			return 0;
	return 1;
}

/* Decimal number in [0, max]; -1 if not. */
static long tok_num(dv_tok t, long max)
{
	long v = 0;

	if (!tok_digits(t) || t.n > 10)
		return -1;
	for (size_t i = 0; i < t.n; i++)
		v = v * 10 + (t.p[i] - '0');
	return v <= max ? v : -1;
}

/* Digits and dots with a dot, or anything with a colon: meant as an IP. */
static int tok_looks_ip(dv_tok t)
{
	int dot = 0, other = 0;

	for (size_t i = 0; i < t.n; i++) {
		if (t.p[i] == ':')
			return 1;
		if (t.p[i] == '.')
			dot = 1;
		else if (t.p[i] < '0' || t.p[i] > '9')
			other = 1;
	}
	return dot && !other;
}

static int fail(dv_rr_sink *s, const char *fmt, dv_tok t)
{
	snprintf(s->why, s->whylen, fmt, (int)t.n, t.p);
	return -1;
}

static int fail0(dv_rr_sink *s, const char *msg)
{
	snprintf(s->why, s->whylen, "%s", msg);
	return -1;
}

int dv_parse_ip(const char *s, int *af, uint8_t addr[16])
{
	if (inet_pton(AF_INET, s, addr) == 1) {
		*af = 4;
		return 1;
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		*af = 6;
		return 1;
	}
	return 0;
}

int dv_tok_ip(dv_tok t, int *af, uint8_t addr[16])
{
	char buf[64];

	return dv_tok_str(t, buf, sizeof(buf)) == 0 &&
	       dv_parse_ip(buf, af, addr);
}

static int tok_is_addr(dv_tok t)
{
	uint8_t bin[16];
	int af;

	return tok_looks_ip(t) || dv_tok_ip(t, &af, bin);
}

static int name_char_ok(unsigned char c)
{
	return c > ' ' && c < 0x7f && !strchr("\"();\\@$", c);
}

int dv_name_abs(const char *s, size_t n, char *out, size_t outlen)
{
	uint8_t wire[WIRE_MAXNAME];

	if (n == 0 || n + 2 > outlen)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!name_char_ok((unsigned char)s[i]))
			return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	if (out[n - 1] != '.') {
		out[n] = '.';
		out[n + 1] = '\0';
	}
	return wire_name_from_str(out, wire) > 0 ? 0 : -1;
}

/* A quoted name ("New Employee Page._http._tcp.example", as in
 * dnsmasq.conf.example for DNS-SD): any printable characters; those
 * presentation format treats specially are escaped (RFC 1035 5.1). */
static int quoted_name(dv_tok t, char *out)
{
	uint8_t wire[WIRE_MAXNAME];
	size_t o = 0;

	for (size_t i = 1; i + 1 < t.n; i++) {
		unsigned char c = (unsigned char)t.p[i];

		if (c == '\\' && i + 2 < t.n)   /* an escape kept as is */
			c = (unsigned char)t.p[++i];
		if (c < 0x20 || c > 0x7e || o + 4 >= DV_NAMEBUF)
			return -1;
		if (c == ' ' || c == '"' || c == '\\' || c == '(' ||
		    c == ')' || c == ';' || c == '$' || c == '@')
			out[o++] = '\\';
		out[o++] = (char)c;
	}
	if (o == 0)
		return -1;
	if (out[o - 1] != '.' || (o > 1 && out[o - 2] == '\\'))
		out[o++] = '.';
	out[o] = '\0';
	return wire_name_from_str(out, wire) > 0 ? 0 : -1;
}

int dv_tok_name(dv_tok t, char *out)
{
	if (t.n >= 2 && t.p[0] == '"' && t.p[t.n - 1] == '"')
		return quoted_name(t, out);
	return dv_name_abs(t.p, t.n, out, DV_NAMEBUF);
}

/* Reverse-lookup owner name of an address. */
void dv_rev_name(int af, const uint8_t *a, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (af == 4) {
		snprintf(out, outlen, "%u.%u.%u.%u.in-addr.arpa.",
			 a[3], a[2], a[1], a[0]);
		return;
	}
	for (int i = 15; i >= 0 && o + 4 < outlen; i--) {
		out[o++] = hex[a[i] & 0xf];
		out[o++] = '.';
		out[o++] = hex[a[i] >> 4];
		out[o++] = '.';
	}
	snprintf(out + o, outlen - o, "ip6.arpa.");
}

int dv_ip_str(int af, const uint8_t *a, char *out, size_t outlen)
{
	return inet_ntop(af == 4 ? AF_INET : AF_INET6, a, out,
			 (socklen_t)outlen) ? 0 : -1;
}

/* ---- record converters ---- */

static int emit(dv_rr_sink *s, const char *owner, const char *type,
		uint32_t ttl, const char *rdata, int weak)
{
	return s->emit(s, owner, type, ttl, rdata, weak);
}

/* A trailing all-digit field is a TTL (host-record, cname). */
static int take_ttl(dv_rr_sink *s, dv_tok *t, int *n, uint32_t *ttl)
{
	long v;

	*ttl = s->ttl;
	if (*n < 2 || !tok_digits(t[*n - 1]))
		return 0;
	v = tok_num(t[*n - 1], DV_TTL_MAX);
	if (v < 0)
		return fail(s, "bad TTL %.*s", t[*n - 1]);
	*ttl = (uint32_t)v;
	(*n)--;
	return 0;
}

/* A and AAAA for every name, PTR (first wins) for the first name. */
static int host_addr(dv_rr_sink *s, dv_tok *names, int nn, dv_tok a,
		     uint32_t ttl)
{
	char name[DV_NAMEBUF], ip[64], rev[80], first[DV_NAMEBUF];
	uint8_t bin[16];
	int af;

	if (!dv_tok_ip(a, &af, bin))
		return fail(s, "bad address %.*s", a);
	dv_ip_str(af, bin, ip, sizeof(ip));
	for (int i = 0; i < nn; i++) {
		if (dv_tok_name(names[i], name) < 0)
			return fail(s, "bad name %.*s", names[i]);
		if (emit(s, name, af == 4 ? "A" : "AAAA", ttl, ip, 0) < 0)
			return -1;
		if (i == 0)
			memcpy(first, name, sizeof(first));
	}
	dv_rev_name(af, bin, rev, sizeof(rev));
	return emit(s, rev, "PTR", ttl, first, 1);
}

int dv_rec_host(dv_rr_sink *s, const char *val)
{
	dv_tok t[DV_MAXTOK];
	int n = dv_csv_split(val, t, DV_MAXTOK), nn = 0, na = 0;
	uint32_t ttl;

	if (n < 0)
		return fail0(s, "too many fields");
	if (take_ttl(s, t, &n, &ttl) < 0)
		return -1;
	while (nn < n && !tok_is_addr(t[nn]))
		nn++;
	if (nn == 0 || t[0].n == 0)
		return fail0(s, "no name");
	for (int i = nn; i < n; i++) {
		if (t[i].n == 0)
			continue;
		if (host_addr(s, t, nn, t[i], ttl) < 0)
			return -1;
		na++;
	}
	if (na == 0)
		return fail0(s, "no address");
	return 0;
}

int dv_rec_cname(dv_rr_sink *s, const char *val)
{
	dv_tok t[DV_MAXTOK];
	char alias[DV_NAMEBUF], target[DV_NAMEBUF];
	int n = dv_csv_split(val, t, DV_MAXTOK);
	uint32_t ttl = s->ttl;

	if (n < 2)
		return fail0(s, "need alias,target");
	if (n >= 3 && take_ttl(s, t, &n, &ttl) < 0)
		return -1;
	if (dv_tok_name(t[n - 1], target) < 0)
		return fail(s, "bad target %.*s", t[n - 1]);
	for (int i = 0; i < n - 1; i++) {
		if (dv_tok_name(t[i], alias) < 0)
			return fail(s, "bad name %.*s", t[i]);
		if (emit(s, alias, "CNAME", ttl, target, 0) < 0)
			return -1;
	}
	return 0;
}

int dv_rec_mx(dv_rr_sink *s, const char *val)
{
	dv_tok t[4];
	char name[DV_NAMEBUF], target[DV_NAMEBUF], rd[DV_NAMEBUF + 32];
	int n = dv_csv_split(val, t, 3);
	long pref = 1;

	if (n < 0)
		return fail0(s, "too many fields");
	if (dv_tok_name(t[0], name) < 0)
		return fail(s, "bad name %.*s", t[0]);
	if (n < 2)
		return fail0(s, "no target host (mx-target is not supported "
			    "yet)");
	if (dv_tok_name(t[1], target) < 0)
		return fail(s, "bad target %.*s", t[1]);
	if (n == 3 && (pref = tok_num(t[2], 65535)) < 0)
		return fail(s, "bad preference %.*s", t[2]);
	snprintf(rd, sizeof(rd), "%ld %s", pref, target);
	return emit(s, name, "MX", s->ttl, rd, 0);
}

int dv_rec_srv(dv_rr_sink *s, const char *val)
{
	static const char *what[] = { "port", "priority", "weight" };
	dv_tok t[6];
	char name[DV_NAMEBUF], target[DV_NAMEBUF] = ".", rd[DV_NAMEBUF + 64];
	long num[3] = { 0, 0, 0 };
	int n = dv_csv_split(val, t, 5);

	if (n < 0)
		return fail0(s, "too many fields");
	if (dv_tok_name(t[0], name) < 0)
		return fail(s, "bad name %.*s", t[0]);
	if (n >= 2 && dv_tok_name(t[1], target) < 0)
		return fail(s, "bad target %.*s", t[1]);
	if (n == 2)
		return fail(s, "port missing after target %.*s", t[1]);
	for (int i = 2; i < n; i++) {
		num[i - 2] = tok_num(t[i], 65535);
		if (num[i - 2] < 0) {
			snprintf(s->why, s->whylen, "bad %s %.*s", what[i - 2],
				 (int)t[i].n, t[i].p);
			return -1;
		}
	}
	snprintf(rd, sizeof(rd), "%ld %ld %ld %s", num[1], num[2], num[0],
		 target);
	return emit(s, name, "SRV", s->ttl, rd, 0);
}

/* Append one character-string in presentation form ("..."). */
static size_t txt_chunk(char *out, const unsigned char *p, size_t n)
{
	size_t o = 0;

	out[o++] = ' ';
	out[o++] = '"';
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '"' || p[i] == '\\') {
			out[o++] = '\\';
			out[o++] = (char)p[i];
		} else if (p[i] < ' ' || p[i] >= 0x7f) {
			o += (size_t)sprintf(out + o, "\\%03u", p[i]);
		} else {
			out[o++] = (char)p[i];
		}
	}
	out[o++] = '"';
	out[o] = '\0';
	return o;
}

/* Unquote a field (backslash escapes the next byte inside quotes). */
static size_t txt_unquote(dv_tok t, unsigned char *out)
{
	size_t o = 0;

	if (t.n < 2 || t.p[0] != '"' || t.p[t.n - 1] != '"') {
		memcpy(out, t.p, t.n);
		return t.n;
	}
	for (size_t i = 1; i + 1 < t.n; i++) {
		if (t.p[i] == '\\' && i + 2 < t.n)
			i++;
		out[o++] = (unsigned char)t.p[i];
	}
	return o;
}

/* Fields after the name, each split into 255-byte strings. */
static void txt_rdata(dv_tok *t, int n, char *rd, unsigned char *tmp)
{
	size_t o = 0;

	rd[0] = '\0';
	for (int i = 1; i < n; i++) {
		size_t len = txt_unquote(t[i], tmp), off = 0;
		do {
			size_t c = len - off > 255 ? 255 : len - off;
			o += txt_chunk(rd + o, tmp + off, c);
			off += c;
		} while (off < len);
	}
	if (o == 0)
		strcpy(rd, " \"\"");
}

int dv_rec_txt(dv_rr_sink *s, const char *val)
{
	dv_tok t[DV_MAXTOK];
	char name[DV_NAMEBUF], *rd;
	unsigned char *tmp;
	size_t len = strlen(val);
	int n = dv_csv_split(val, t, DV_MAXTOK), rc = -1;

	if (n < 0)
		return fail0(s, "too many fields");
	if (dv_tok_name(t[0], name) < 0)
		return fail(s, "bad name %.*s", t[0]);
	rd = malloc(4 * len + 3 * (len / 255 + (size_t)n) + 16);
	tmp = malloc(len + 1);
	if (rd && tmp) {
		txt_rdata(t, n, rd, tmp);
		rc = emit(s, name, "TXT", s->ttl, rd + 1, 0);
	} else {
		snprintf(s->why, s->whylen, "out of memory");
	}
	free(rd);
	free(tmp);
	return rc;
}

int dv_rec_ptr(dv_rr_sink *s, const char *val)
{
	dv_tok t[3];
	char name[DV_NAMEBUF], target[DV_NAMEBUF];
	int n = dv_csv_split(val, t, 2);

	if (n < 0)
		return fail0(s, "too many fields");
	if (dv_tok_name(t[0], name) < 0)
		return fail(s, "bad name %.*s", t[0]);
	if (n < 2)
		return fail0(s, "no target (a PTR without target is not "
			    "supported yet)");
	if (dv_tok_name(t[1], target) < 0)
		return fail(s, "bad target %.*s", t[1]);
	return emit(s, name, "PTR", s->ttl, target, 0);
}

static int caa_tag_ok(dv_tok t)
{
	if (t.n == 0 || t.n > 15)
		return 0;
	for (size_t i = 0; i < t.n; i++) {
		char c = t.p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9')))
			return 0;
	}
	return 1;
}

int dv_rec_caa(dv_rr_sink *s, const char *val)
{
	dv_tok t[5];
	char name[DV_NAMEBUF], rd[4 * 1024 + 64];
	unsigned char v[1024];
	int n = dv_csv_split(val, t, 4);
	long flags;
	size_t vl;

	if (n != 4)
		return fail0(s, "need name,flags,tag,value (quote a value with "
			    "commas)");
	if (dv_tok_name(t[0], name) < 0)
		return fail(s, "bad name %.*s", t[0]);
	if ((flags = tok_num(t[1], 255)) < 0)
		return fail(s, "bad flags %.*s", t[1]);
	if (!caa_tag_ok(t[2]))
		return fail(s, "bad tag %.*s", t[2]);
	if (t[3].n >= sizeof(v))
		return fail0(s, "value too long");
	vl = txt_unquote(t[3], v);
	snprintf(rd, sizeof(rd), "%ld %.*s", flags, (int)t[2].n, t[2].p);
	txt_chunk(rd + strlen(rd), v, vl);
	return emit(s, name, "CAA", s->ttl, rd, 0);
}

/* ---- --address ---- */

static int address_value(dv_tok a, int *af, uint8_t bin[16], char *why,
			 size_t whylen)
{
	*af = 0;
	if (a.n == 0 || (a.n == 1 && a.p[0] == '#'))
		return 0;   /* NXDOMAIN, as the issue specifies */
	if (dv_tok_ip(a, af, bin))
		return 0;
	snprintf(why, whylen, "bad address %.*s", (int)a.n, a.p);
	return -1;
}

int dv_address_parse(const char *val, dv_addr_fn fn, void *arg, char *why,
		     size_t whylen)
{
	const char *last = strrchr(val, '/'), *p = val + 1;
	uint8_t bin[16];
	char name[DV_NAMEBUF];
	int af;

	if (val[0] != '/' || last == val) {
		snprintf(why, whylen, "expected /domain/[address]");
		return -1;
	}
	if (address_value(dv_tok_trim(last + 1, strlen(last + 1)), &af, bin,
			  why, whylen) < 0)
		return -1;
	while (p < last) {
		const char *e = strchr(p, '/');
		dv_tok d = dv_tok_trim(p, (size_t)(e - p));
		if (d.n == 1 && d.p[0] == '#')
			strcpy(name, "#");
		else if (dv_tok_name(d, name) < 0) {
			snprintf(why, whylen, "bad domain '%.*s'", (int)d.n,
				 d.p);
			return -1;
		}
		if (fn && fn(arg, name, af, af ? bin : NULL) < 0) {
			snprintf(why, whylen, "cannot add domain %s", name);
			return -1;
		}
		p = e + 1;
	}
	if (p == val + 1) {
		snprintf(why, whylen, "no domain between the slashes");
		return -1;
	}
	return 0;
}

/* ---- typed local records and addresses ---- */

static int collect_emit(dv_rr_sink *s, const char *owner, const char *type,
			uint32_t ttl, const char *rdata, int weak)
{
	dv_local_rec *r = s->arg;
	dv_local_rr *v = realloc(r->rr, (r->nrr + 1) * sizeof(*v));

	if (!v) {
		snprintf(s->why, s->whylen, "out of memory");
		return -1;
	}
	r->rr = v;
	v += r->nrr;
	memset(v, 0, sizeof(*v));
	v->owner = strdup(owner);
	v->rdata = strdup(rdata);
	snprintf(v->type, sizeof(v->type), "%s", type);
	v->ttl = ttl;
	v->weak = weak;
	r->nrr++;   /* freed with the record even when a strdup failed */
	if (v->owner && v->rdata)
		return 0;
	snprintf(s->why, s->whylen, "out of memory");
	return -1;
}

void dv_local_rec_free(dv_local_rec *r)
{
	for (size_t i = 0; i < r->nrr; i++) {
		free(r->rr[i].owner);
		free(r->rr[i].rdata);
	}
	free(r->rr);
	free(r->text);
	memset(r, 0, sizeof(*r));
}

int dv_local_rec_parse(dv_rec_fn fn, const char *val, dv_local_rec *r,
		       char *why, size_t whylen)
{
	dv_rr_sink s = { .emit = collect_emit, .arg = r, .ttl = DV_TTL_LOCAL,
			 .why = why, .whylen = whylen };

	memset(r, 0, sizeof(*r));
	why[0] = '\0';
	if (!*val || fn(&s, val) < 0 || !(r->text = strdup(val))) {
		if (!why[0])
			snprintf(why, whylen, *val ? "out of memory"
				 : "empty value");
		dv_local_rec_free(r);
		return -1;
	}
	return 0;
}

int dv_local_recs_add(dv_local_recs *l, const dv_local_rec *r)
{
	dv_local_rec *v = realloc(l->v, (l->n + 1) * sizeof(*v));

	if (!v)
		return -1;
	l->v = v;
	v[l->n++] = *r;
	return 0;
}

void dv_local_recs_free(dv_local_recs *l)
{
	for (size_t i = 0; i < l->n; i++)
		dv_local_rec_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void address_free(dv_address *a)
{
	for (size_t i = 0; i < a->ndomains; i++)
		free(a->domains[i]);
	free(a->domains);
	memset(a, 0, sizeof(*a));
}

static int address_domain(void *arg, const char *domain, int af,
			  const uint8_t *addr)
{
	dv_address *a = arg;
	char **v = realloc(a->domains, (a->ndomains + 1) * sizeof(*v));

	if (!v)
		return -1;
	a->domains = v;
	if (!(v[a->ndomains] = strdup(domain)))
		return -1;
	a->ndomains++;
	a->af = af;
	if (addr)
		memcpy(a->addr, addr, af == 4 ? 4 : 16);
	return 0;
}

int dv_addresses_add(dv_addresses *l, const char *val, char *why,
		     size_t whylen)
{
	dv_address a = { NULL, 0, 0, { 0 } };
	dv_address *v;

	if (dv_address_parse(val, address_domain, &a, why, whylen) < 0) {
		address_free(&a);
		return -1;
	}
	if (!(v = realloc(l->v, (l->n + 1) * sizeof(*v)))) {
		address_free(&a);
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	l->v = v;
	v[l->n++] = a;
	return 0;
}

void dv_addresses_free(dv_addresses *l)
{
	for (size_t i = 0; i < l->n; i++)
		address_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void dv_pr_local_recs(FILE *out, const dv_option *o, const dv_config *c,
		      const dv_config *def)
{
	const dv_local_recs *l = (const dv_local_recs *)
		(const void *)((const char *)c + o->off);

	(void)def;
	for (size_t i = 0; i < l->n; i++)
		fprintf(out, "%s=%s\n", o->name, l->v[i].text);
}

void dv_pr_addresses(FILE *out, const dv_option *o, const dv_config *c,
		     const dv_config *def)
{
	char ip[INET6_ADDRSTRLEN];

	(void)def;
	for (size_t i = 0; i < c->addresses.n; i++) {
		const dv_address *a = &c->addresses.v[i];

		fprintf(out, "%s=/", o->name);
		for (size_t j = 0; j < a->ndomains; j++)
			fprintf(out, "%s/", a->domains[j]);
		if (a->af && inet_ntop(a->af == 6 ? AF_INET6 : AF_INET,
				       a->addr, ip, sizeof(ip)))
			fputs(ip, out);
		fputc('\n', out);
	}
}

/* ---- --allow-update / --allow-transfer ---- */

static const struct { const char *name; uint16_t type; } acl_types[] = {
	{ "A", 1 }, { "NS", 2 }, { "CNAME", 5 }, { "SOA", 6 }, { "PTR", 12 },
	{ "HINFO", 13 }, { "MX", 15 }, { "TXT", 16 }, { "AAAA", 28 },
	{ "LOC", 29 }, { "SRV", 33 }, { "NAPTR", 35 }, { "DNAME", 39 },
	{ "DS", 43 }, { "SSHFP", 44 }, { "TLSA", 52 }, { "SVCB", 64 },
	{ "HTTPS", 65 }, { "CAA", 257 }, { "ANY", 255 },
};

static int acl_type(dv_tok t, uint16_t *out)
{
	char s[16];
	char *end;
	unsigned long v;

	if (dv_tok_str(t, s, sizeof(s)) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(acl_types) / sizeof(acl_types[0]); i++)
		if (strcasecmp(s, acl_types[i].name) == 0) {
			*out = acl_types[i].type;
			return 0;
		}
	if (strncasecmp(s, "TYPE", 4) != 0 || !s[4])
		return -1;
	v = strtoul(s + 4, &end, 10);
	if (*end || v == 0 || v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

int dv_parse_prefix(const char *val, int *af, uint8_t addr[16], int *prefix)
{
	char s[128], *slash, *end;
	long v;

	if (strlen(val) >= sizeof(s))
		return 0;
	strcpy(s, val);
	if ((slash = strchr(s, '/')) != NULL)
		*slash = '\0';
	if (!dv_parse_ip(s, af, addr))
		return 0;
	*prefix = *af == 4 ? 32 : 128;
	if (!slash)
		return 1;
	errno = 0;
	v = strtol(slash + 1, &end, 10);
	if (!slash[1] || *end || errno || v < 0 || v > *prefix)
		return -1;
	*prefix = (int)v;
	return 1;
}

/* "ADDR[/PREFIX]" in a token: as dv_parse_prefix. */
static int acl_addr(dv_tok t, int *af, uint8_t *addr, int *prefix)
{
	char s[128];

	if (dv_tok_str(t, s, sizeof(s)) < 0)
		return 0;
	return dv_parse_prefix(s, af, addr, prefix);
}

int dv_acl_parse(const char *val, int transfer, dv_acl *a, char *why,
		 size_t whylen)
{
	dv_tok t[34];
	char origin[DV_NAMEBUF], key[DV_NAMEBUF];
	int n = dv_csv_split(val, t, 34), isaddr;

	memset(a, 0, sizeof(*a));
	if (n < 2 || (transfer && n != 2) || dv_tok_name(t[0], origin) < 0) {
		snprintf(why, whylen, "%s: expected ZONE,%s", val,
			 transfer ? "KEYNAME|ADDR[/PREFIX]" :
			 "KEYNAME|ADDR[/PREFIX][,TYPE...]");
		return -1;
	}
	isaddr = acl_addr(t[1], &a->af, a->addr, &a->prefix);
	if (isaddr < 0 || (!isaddr && dv_tok_name(t[1], key) < 0)) {
		snprintf(why, whylen, "%s: bad key name or address", val);
		return -1;
	}
	for (int i = 2; i < n; i++)
		if (acl_type(t[i], &a->types[i - 2]) < 0) {
			snprintf(why, whylen, "%s: unknown type '%.*s'", val,
				 (int)t[i].n, t[i].p);
			return -1;
		}
	a->ntypes = (size_t)(n - 2);
	a->zone = strdup(origin);
	a->key = isaddr ? NULL : strdup(key);
	if (a->zone && (isaddr || a->key))
		return 0;
	dv_acl_free(a);
	snprintf(why, whylen, "out of memory");
	return -1;
}

void dv_acl_free(dv_acl *a)
{
	free(a->zone);
	free(a->key);
	a->zone = a->key = NULL;
}

int dv_acls_add(dv_acls *l, const dv_acl *a)
{
	dv_acl *v = realloc(l->v, (l->n + 1) * sizeof(*v));

	if (!v)
		return -1;
	l->v = v;
	v[l->n++] = *a;
	return 0;
}

void dv_acls_free(dv_acls *l)
{
	for (size_t i = 0; i < l->n; i++)
		dv_acl_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void acl_type_name(uint16_t type, char *out, size_t outlen)
{
	for (size_t i = 0; i < sizeof(acl_types) / sizeof(acl_types[0]); i++)
		if (acl_types[i].type == type) {
			snprintf(out, outlen, "%s", acl_types[i].name);
			return;
		}
	snprintf(out, outlen, "TYPE%u", (unsigned)type);
}

void dv_pr_acls(FILE *out, const dv_option *o, const dv_config *c,
		const dv_config *def)
{
	const dv_acls *l = (const dv_acls *)((const char *)c + o->off);
	char ip[INET6_ADDRSTRLEN], tn[16];

	(void)def;
	for (size_t i = 0; i < l->n; i++) {
		const dv_acl *a = &l->v[i];

		fprintf(out, "%s=%s,", o->name, a->zone);
		if (a->key)
			fputs(a->key, out);
		else if (inet_ntop(a->af == 6 ? AF_INET6 : AF_INET, a->addr,
				   ip, sizeof(ip)))
			fprintf(out, "%s/%d", ip, a->prefix);
		for (size_t j = 0; j < a->ntypes; j++) {
			acl_type_name(a->types[j], tn, sizeof(tn));
			fprintf(out, ",%s", tn);
		}
		fputc('\n', out);
	}
}
