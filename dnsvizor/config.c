/*
 * dv_config lifetime, file reading, and building the answer database from a
 * configuration: zone files, hosts files and the dnsmasq-style local
 * records.  The record converters are shared with options.c, which runs
 * them at parse time to report bad values with their file and line.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dnsvizor/config_int.h"

enum {
	DV_FILE_MAX = 1 << 30,   /* refuse files above 1 GiB */
	DV_MAXTOK = 64,          /* comma-separated fields per option */
	DV_NAMEBUF = 1024,       /* presentation names, escapes included */
	DV_TTL_MAX = 0x7fffffff, /* RFC 2181 8 */
};

/* ---- small lists ---- */

int dv_strlist_has(const dv_strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return 1;
	return 0;
}

int dv_strlist_add(dv_strlist *l, const char *s)
{
	char **v = realloc(l->v, (l->n + 1) * sizeof(*v));

	if (!v)
		return -1;
	l->v = v;
	v[l->n] = strdup(s);
	if (!v[l->n])
		return -1;
	l->n++;
	return 0;
}

void dv_strlist_free(dv_strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* ---- config lifetime ---- */

void dv_config_defaults(dv_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->port = 53;
	cfg->tcp_max_conns = 128;
	cfg->tcp_idle_ms = 10000;
	cfg->edns_max = 1232;
	cfg->state_dir = strdup("/var/lib/dnsvizor");
	cfg->log_level = DV_LOG_INFO;
	cfg->local_ttl = 0;
	cfg->hosts_file = strdup("/etc/hosts");
	cfg->recursion = 1;
	cfg->qname_min = 1;
	cfg->cache_size = 10000;
	cfg->resolv_file = strdup("/etc/resolv.conf");
	cfg->rrl_slip = 2;
	cfg->rrl_v4_prefix = 24;
	cfg->rrl_v6_prefix = 56;
}

void dv_config_free(dv_config *cfg)
{
	dv_strlist *lists[] = {
		&cfg->listen_addrs, &cfg->interfaces, &cfg->addn_hosts,
		&cfg->host_records, &cfg->addresses, &cfg->cnames,
		&cfg->mx_hosts, &cfg->srv_hosts, &cfg->txt_records,
		&cfg->ptr_records, &cfg->caa_records,
		&cfg->allow_update, &cfg->allow_transfer,
		&cfg->dns_keys, &cfg->dns_key_files,
		&cfg->notify_ns, &cfg->journal_recover,
		&cfg->trust_anchor_files, &cfg->rebind_ok, &cfg->nta,
		&cfg->no_dhcp_ifaces, &cfg->except_ifaces, &cfg->acme_certs,
	};
	char *strs[] = {
		cfg->user, cfg->group, cfg->pid_file, cfg->state_dir,
		cfg->log_facility, cfg->domain, cfg->hosts_file,
		cfg->resolv_file, cfg->root_hints,
		cfg->dhcp_leasefile, cfg->tls_cert, cfg->tls_key,
		cfg->acme_directory, cfg->acme_email, cfg->acme_eab,
		cfg->acme_ca_file,
	};

	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		dv_strlist_free(lists[i]);
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		free(strs[i]);
	dv_zone_specs_free(&cfg->zones);
	dv_peer_specs_free(&cfg->secondaries);
	dv_peer_specs_free(&cfg->notify);
	dv_fwd_rules_free(&cfg->servers);
	dv_upstreams_free(&cfg->dns_upstreams);
	dv_anchors_free(&cfg->trust_anchors);
	dv_dhcp_ranges_free(&cfg->dhcp_ranges);
	dv_dhcp_hosts_free(&cfg->dhcp_hosts);
	dv_dhcp_opts_free(&cfg->dhcp_options);
	memset(cfg, 0, sizeof(*cfg));
}

/* ---- files ---- */

static int read_fd(int fd, size_t size, char **data, size_t *len)
{
	size_t cap = size + 1, n = 0;
	char *buf = malloc(cap);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t r;

		if (n + 1 >= cap) {
			char *nb;
			if (cap > DV_FILE_MAX) {
				free(buf);
				return -EFBIG;
			}
			nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			free(buf);
			return -e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return 0;
}

int dv_read_file(void *arg, const char *path, char **data, size_t *len)
{
	struct stat st;
	int fd, rc;

	(void)arg;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
	} else if (S_ISDIR(st.st_mode)) {
		rc = -EISDIR;
	} else if (st.st_size > DV_FILE_MAX) {
		rc = -EFBIG;
	} else {
		rc = read_fd(fd, (size_t)st.st_size, data, len);
	}
	close(fd);
	return rc;
}

/* ---- tokens, names, addresses ---- */

typedef struct dv_tok {
	const char *p;
	size_t n;
} dv_tok;

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static dv_tok tok_trim(const char *p, size_t n)
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
static int csv_split(const char *val, dv_tok *t, int max)
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
		t[n++] = tok_trim(start, (size_t)(c - start));
		if (*c == '\0')
			return n;
		start = c + 1;
	}
}

static int tok_str(dv_tok t, char *out, size_t outlen)
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

static int tok_ip(dv_tok t, int *af, uint8_t addr[16])
{
	char buf[64];

	return tok_str(t, buf, sizeof(buf)) == 0 && dv_parse_ip(buf, af, addr);
}

static int tok_is_addr(dv_tok t)
{
	uint8_t bin[16];
	int af;

	return tok_looks_ip(t) || tok_ip(t, &af, bin);
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

static int tok_name(dv_tok t, char *out)
{
	return dv_name_abs(t.p, t.n, out, DV_NAMEBUF);
}

/* Reverse-lookup owner name of an address. */
static void rev_name(int af, const uint8_t *a, char *out, size_t outlen)
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

static int ip_str(int af, const uint8_t *a, char *out, size_t outlen)
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

static int check_emit(dv_rr_sink *s, const char *owner, const char *type,
		      uint32_t ttl, const char *rdata, int weak)
{
	(void)s; (void)owner; (void)type; (void)ttl; (void)rdata; (void)weak;
	return 0;
}

void dv_sink_check(dv_rr_sink *s, char *why, size_t whylen)
{
	memset(s, 0, sizeof(*s));
	s->emit = check_emit;
	s->why = why;
	s->whylen = whylen;
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

	if (!tok_ip(a, &af, bin))
		return fail(s, "bad address %.*s", a);
	ip_str(af, bin, ip, sizeof(ip));
	for (int i = 0; i < nn; i++) {
		if (tok_name(names[i], name) < 0)
			return fail(s, "bad name %.*s", names[i]);
		if (emit(s, name, af == 4 ? "A" : "AAAA", ttl, ip, 0) < 0)
			return -1;
		if (i == 0)
			memcpy(first, name, sizeof(first));
	}
	rev_name(af, bin, rev, sizeof(rev));
	return emit(s, rev, "PTR", ttl, first, 1);
}

int dv_rec_host(dv_rr_sink *s, const char *val)
{
	dv_tok t[DV_MAXTOK];
	int n = csv_split(val, t, DV_MAXTOK), nn = 0, na = 0;
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
	int n = csv_split(val, t, DV_MAXTOK);
	uint32_t ttl = s->ttl;

	if (n < 2)
		return fail0(s, "need alias,target");
	if (n >= 3 && take_ttl(s, t, &n, &ttl) < 0)
		return -1;
	if (tok_name(t[n - 1], target) < 0)
		return fail(s, "bad target %.*s", t[n - 1]);
	for (int i = 0; i < n - 1; i++) {
		if (tok_name(t[i], alias) < 0)
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
	int n = csv_split(val, t, 3);
	long pref = 1;

	if (n < 0)
		return fail0(s, "too many fields");
	if (tok_name(t[0], name) < 0)
		return fail(s, "bad name %.*s", t[0]);
	if (n < 2)
		return fail0(s, "no target host (mx-target is not supported "
			    "yet)");
	if (tok_name(t[1], target) < 0)
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
	int n = csv_split(val, t, 5);

	if (n < 0)
		return fail0(s, "too many fields");
	if (tok_name(t[0], name) < 0)
		return fail(s, "bad name %.*s", t[0]);
	if (n >= 2 && tok_name(t[1], target) < 0)
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
	int n = csv_split(val, t, DV_MAXTOK), rc = -1;

	if (n < 0)
		return fail0(s, "too many fields");
	if (tok_name(t[0], name) < 0)
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
	int n = csv_split(val, t, 2);

	if (n < 0)
		return fail0(s, "too many fields");
	if (tok_name(t[0], name) < 0)
		return fail(s, "bad name %.*s", t[0]);
	if (n < 2)
		return fail0(s, "no target (a PTR without target is not "
			    "supported yet)");
	if (tok_name(t[1], target) < 0)
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
	int n = csv_split(val, t, 4);
	long flags;
	size_t vl;

	if (n != 4)
		return fail0(s, "need name,flags,tag,value (quote a value with "
			    "commas)");
	if (tok_name(t[0], name) < 0)
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
	if (tok_ip(a, af, bin))
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
	if (address_value(tok_trim(last + 1, strlen(last + 1)), &af, bin,
			  why, whylen) < 0)
		return -1;
	while (p < last) {
		const char *e = strchr(p, '/');
		dv_tok d = tok_trim(p, (size_t)(e - p));
		if (d.n == 1 && d.p[0] == '#')
			strcpy(name, "#");
		else if (tok_name(d, name) < 0) {
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

/* ---- building the local store ---- */

typedef struct build_ctx {
	const dv_config *cfg;
	const dv_logger *lg;
	zone_db *db;
	zone *local;
	char *err;
	size_t errlen;
} build_ctx;

static uint16_t type_num(const char *type)
{
	if (strcmp(type, "PTR") == 0)
		return DNS_T_PTR;
	if (strcmp(type, "A") == 0)
		return DNS_T_A;
	if (strcmp(type, "AAAA") == 0)
		return DNS_T_AAAA;
	return 0;
}

static int has_rrset(const zone *z, const char *owner, const char *type)
{
	uint8_t wire[WIRE_MAXNAME], lname[WIRE_MAXNAME];

	if (wire_name_from_str(owner, wire) <= 0)
		return 0;
	wire_name_lower(lname, wire);
	return zone_find_rrset(z, lname, type_num(type)) != NULL;
}

static int build_emit(dv_rr_sink *s, const char *owner, const char *type,
		      uint32_t ttl, const char *rdata, int weak)
{
	build_ctx *b = s->arg;
	size_t n = strlen(owner) + strlen(type) + strlen(rdata) + 32;
	char *rr;
	int rc;

	if (weak && has_rrset(b->local, owner, type))
		return 0;
	rr = malloc(n);
	if (!rr) {
		snprintf(s->why, s->whylen, "out of memory");
		return -1;
	}
	snprintf(rr, n, "%s %u IN %s %s", owner, (unsigned)ttl, type, rdata);
	rc = zone_local_add_rr(b->local, rr, s->why, s->whylen);
	free(rr);
	return rc < 0 ? -1 : 0;
}

static void build_sink(build_ctx *b, dv_rr_sink *s, char *why, size_t wl)
{
	s->emit = build_emit;
	s->arg = b;
	s->ttl = b->cfg->local_ttl;
	s->why = why;
	s->whylen = wl;
}

static int build_records(build_ctx *b, const char *opt, const dv_strlist *l,
			 dv_rec_fn fn)
{
	char why[512];
	dv_rr_sink s;

	build_sink(b, &s, why, sizeof(why));
	for (size_t i = 0; i < l->n; i++) {
		why[0] = '\0';
		if (fn(&s, l->v[i]) < 0) {
			snprintf(b->err, b->errlen, "%s: %s: %s", opt,
				 l->v[i], why);
			return -1;
		}
	}
	return 0;
}

/* One hosts-file name: A/AAAA for it (and name.domain with
 * --expand-hosts); writes the name used for the PTR into ptr. */
static int hosts_name(build_ctx *b, dv_rr_sink *s, dv_tok t, int af,
		      const char *ip, char *ptr)
{
	const dv_config *cfg = b->cfg;
	char name[DV_NAMEBUF], tmp[DV_NAMEBUF];
	const char *type = af == 4 ? "A" : "AAAA";

	if (tok_name(t, name) < 0)
		return 1;
	memcpy(ptr, name, sizeof(name));
	if (emit(s, name, type, s->ttl, ip, 0) < 0)
		return -1;
	if (!cfg->expand_hosts || !cfg->domain || memchr(t.p, '.', t.n))
		return 0;
	snprintf(tmp, sizeof(tmp), "%.*s.%s", (int)t.n, t.p, cfg->domain);
	if (dv_name_abs(tmp, strlen(tmp), name, sizeof(name)) < 0)
		return 0;
	memcpy(ptr, name, sizeof(name));
	return emit(s, name, type, s->ttl, ip, 0);
}

static int split_ws(char *line, dv_tok *t, int max)
{
	int n = 0;
	char *p = line;

	while (*p && n < max) {
		while (is_space(*p))
			p++;
		if (!*p)
			break;
		t[n].p = p;
		while (*p && !is_space(*p))
			p++;
		t[n].n = (size_t)(p - t[n].p);
		n++;
	}
	return n;
}

/* "IP name [alias...]": bad lines are logged and skipped, as dnsmasq
 * does; only store errors fail the build. */
static int hosts_line(build_ctx *b, dv_rr_sink *s, char *line,
		      const char *file, unsigned ln)
{
	dv_tok t[DV_MAXTOK];
	char ip[64], ptr[DV_NAMEBUF] = "", first[DV_NAMEBUF] = "", rev[80];
	uint8_t bin[16];
	int af, n;
	char *hash = strchr(line, '#');

	if (hash)
		*hash = '\0';
	n = split_ws(line, t, DV_MAXTOK);
	if (n == 0)
		return 0;
	if (!tok_ip(t[0], &af, bin)) {
		dv_log(b->lg, DV_LOG_WARN, "%s:%u: bad address %.*s", file,
		       ln, (int)t[0].n, t[0].p);
		return 0;
	}
	ip_str(af, bin, ip, sizeof(ip));
	for (int i = 1; i < n; i++) {
		int rc = hosts_name(b, s, t[i], af, ip, ptr);
		if (rc < 0)
			return -1;
		if (rc > 0)
			dv_log(b->lg, DV_LOG_WARN, "%s:%u: bad name %.*s",
			       file, ln, (int)t[i].n, t[i].p);
		else if (!first[0])
			memcpy(first, ptr, sizeof(first));
	}
	if (!first[0])
		return 0;
	rev_name(af, bin, rev, sizeof(rev));
	return emit(s, rev, "PTR", s->ttl, first, 1);
}

static int hosts_text(build_ctx *b, char *text, const char *file)
{
	char why[512];
	dv_rr_sink s;
	unsigned ln = 0;

	build_sink(b, &s, why, sizeof(why));
	for (char *line = text, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		ln++;
		why[0] = '\0';
		if (hosts_line(b, &s, line, file, ln) < 0) {
			snprintf(b->err, b->errlen, "%s:%u: %s", file, ln, why);
			return -1;
		}
	}
	return 0;
}

/* must: a missing file is an error (addn-hosts), else a warning. */
static int hosts_file(build_ctx *b, const char *path, int must)
{
	char *text;
	size_t len;
	int rc = dv_read_file(NULL, path, &text, &len);

	if (rc < 0 && !must) {
		dv_log(b->lg, DV_LOG_WARN, "cannot read %s: %s", path,
		       strerror(-rc));
		return 0;
	}
	if (rc < 0) {
		snprintf(b->err, b->errlen, "addn-hosts: cannot read %s: %s",
			 path, strerror(-rc));
		return -1;
	}
	rc = hosts_text(b, text, path);
	free(text);
	return rc;
}

static int dir_entry_skip(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] == '.' || d->d_name[n - 1] == '~' ||
	       (d->d_name[0] == '#' && n > 1 && d->d_name[n - 1] == '#');
}

/* --addn-hosts=DIR: every regular file in it, in name order. */
static int hosts_dir(build_ctx *b, const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort), rc = 0;

	if (n < 0) {
		snprintf(b->err, b->errlen, "addn-hosts: cannot read %s: %s",
			 dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (rc == 0 && !dir_entry_skip(names[i]) &&
		    stat(path, &st) == 0 && S_ISREG(st.st_mode))
			rc = hosts_file(b, path, 1);
		free(names[i]);
	}
	free(names);
	return rc;
}

static int build_hosts(build_ctx *b)
{
	const dv_config *cfg = b->cfg;

	if (!cfg->no_hosts && cfg->hosts_file &&
	    hosts_file(b, cfg->hosts_file, 0) < 0)
		return -1;
	for (size_t i = 0; i < cfg->addn_hosts.n; i++) {
		const char *p = cfg->addn_hosts.v[i];
		struct stat st;
		int rc = stat(p, &st) == 0 && S_ISDIR(st.st_mode) ?
			 hosts_dir(b, p) : hosts_file(b, p, 1);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Build order: explicit PTRs and host-records before the hosts files,
 * because the first PTR for an address wins; fn NULL = hosts files. */
static const struct {
	const char *opt;
	size_t off;
	dv_rec_fn fn;
} build_order[] = {
	{ "ptr-record", offsetof(dv_config, ptr_records), dv_rec_ptr },
	{ "host-record", offsetof(dv_config, host_records), dv_rec_host },
	{ "addn-hosts", 0, NULL },
	{ "cname", offsetof(dv_config, cnames), dv_rec_cname },
	{ "mx-host", offsetof(dv_config, mx_hosts), dv_rec_mx },
	{ "srv-host", offsetof(dv_config, srv_hosts), dv_rec_srv },
	{ "txt-record", offsetof(dv_config, txt_records), dv_rec_txt },
	{ "caa-record", offsetof(dv_config, caa_records), dv_rec_caa },
};

static int build_local(build_ctx *b)
{
	int rc = 0;

	b->local = zone_local_new();
	if (!b->local) {
		snprintf(b->err, b->errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; rc == 0 && i < sizeof(build_order) /
	     sizeof(build_order[0]); i++) {
		const dv_strlist *l = (const dv_strlist *)(const void *)
			((const char *)b->cfg + build_order[i].off);
		rc = build_order[i].fn ?
		     build_records(b, build_order[i].opt, l, build_order[i].fn) :
		     build_hosts(b);
	}
	if (rc == 0 && zone_db_set_local(b->db, b->local) < 0) {
		snprintf(b->err, b->errlen, "cannot install local data");
		rc = -1;
	}
	zone_unref(b->local);
	b->local = NULL;
	return rc;
}

/* ---- --address ---- */

static int address_add(void *arg, const char *domain, int af,
		       const uint8_t *addr)
{
	build_ctx *b = arg;

	return zone_db_add_address(b->db, domain, af, addr, b->cfg->local_ttl);
}

static int build_addresses(build_ctx *b)
{
	const dv_strlist *l = &b->cfg->addresses;
	char why[256];

	for (size_t i = 0; i < l->n; i++) {
		if (dv_address_parse(l->v[i], address_add, b, why,
				     sizeof(why)) < 0) {
			snprintf(b->err, b->errlen, "address: %s: %s",
				 l->v[i], why);
			return -1;
		}
	}
	return 0;
}

/* ---- --zone ---- */

/* A zone that fails to load: take the old version over, if there is one. */
static int zone_fallback(build_ctx *b, const zone_db *old, const char *origin,
			 const char *zerr)
{
	zone *oz = old ? zone_db_get_zone(old, origin) : NULL;

	if (!oz) {
		snprintf(b->err, b->errlen, "%s", zerr);
		return -1;
	}
	dv_log(b->lg, DV_LOG_ERR, "%s (zone %s: keeping the old version)",
	       zerr, origin);
	return zone_db_add_zone(b->db, oz) < 0 ? -1 : 0;
}

/*
 * Reload: a zone changed at run time (UPDATE) has a serial newer than its
 * file's; keep the running zone unless the operator increased the file's
 * serial to at least the running one (RFC 1982).  See persist.c.
 */
static zone *keep_dynamic(build_ctx *b, const zone_db *old,
			  const char *origin, zone *z)
{
	zone *oz = old ? zone_db_get_zone(old, origin) : NULL;

	if (!oz || !zone_serial_newer(zone_serial(oz), zone_serial(z)))
		return z;
	dv_log(b->lg, DV_LOG_INFO, "zone %s: keeping the running zone "
	       "(serial %u, newer than the file's %u)", origin,
	       zone_serial(oz), zone_serial(z));
	zone_ref(oz);
	zone_unref(z);
	return oz;
}

static int build_zone(build_ctx *b, const zone_db *old,
		      const dv_zone_spec *spec)
{
	const char *origin = spec->origin;
	char zerr[512];
	zone *z;
	int rc;

	zerr[0] = '\0';
	z = zone_load(origin, spec->file, dv_read_file, NULL, zerr,
		      sizeof(zerr));
	if (!z)
		return zone_fallback(b, old, origin, zerr);
	z = keep_dynamic(b, old, origin, z);
	rc = zone_db_add_zone(b->db, z);
	zone_unref(z);
	if (rc == -EEXIST)
		snprintf(b->err, b->errlen, "zone: %s: zone given twice",
			 origin);
	else if (rc < 0)
		snprintf(b->err, b->errlen, "zone: %s: cannot add", origin);
	return rc < 0 ? -1 : 0;
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

	if (tok_str(t, s, sizeof(s)) < 0)
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

/* "ADDR[/PREFIX]": 1 parsed, 0 not an address, -1 bad prefix. */
static int acl_addr(dv_tok t, int *af, uint8_t *addr, int *prefix)
{
	char s[128], *slash, *end;

	if (tok_str(t, s, sizeof(s)) < 0)
		return 0;
	slash = strchr(s, '/');
	if (slash)
		*slash = '\0';
	if (inet_pton(AF_INET, s, addr) == 1)
		*af = 4;
	else if (inet_pton(AF_INET6, s, addr) == 1)
		*af = 6;
	else
		return 0;
	*prefix = *af == 4 ? 32 : 128;
	if (!slash)
		return 1;
	long v = strtol(slash + 1, &end, 10);
	if (!slash[1] || *end || v < 0 || v > *prefix)
		return -1;
	*prefix = (int)v;
	return 1;
}

static int acl_one(build_ctx *b, const char *spec, int transfer)
{
	const char *what = transfer ? "allow-transfer" : "allow-update";
	dv_tok t[34];
	char origin[DV_NAMEBUF], key[DV_NAMEBUF];
	uint16_t types[32];
	uint8_t addr[16];
	int n = csv_split(spec, t, 34), af = 0, prefix = 0, isaddr, rc;

	if (n < 2 || (transfer && n != 2) || tok_name(t[0], origin) < 0) {
		snprintf(b->err, b->errlen, "%s: %s: expected ZONE,%s", what,
			 spec, transfer ? "KEYNAME|ADDR[/PREFIX]" :
			 "KEYNAME|ADDR[/PREFIX][,TYPE...]");
		return -1;
	}
	isaddr = acl_addr(t[1], &af, addr, &prefix);
	if (isaddr < 0 || (!isaddr && tok_name(t[1], key) < 0)) {
		snprintf(b->err, b->errlen, "%s: %s: bad key name or address",
			 what, spec);
		return -1;
	}
	for (int i = 2; i < n; i++)
		if (acl_type(t[i], &types[i - 2]) < 0) {
			snprintf(b->err, b->errlen, "%s: %s: unknown type '%.*s'",
				 what, spec, (int)t[i].n, t[i].p);
			return -1;
		}
	rc = transfer ? zone_db_allow_transfer(b->db, origin,
					       isaddr ? NULL : key, af, addr,
					       prefix) :
	     zone_db_allow_update(b->db, origin, isaddr ? NULL : key, af, addr,
				  prefix, types, (size_t)(n - 2));
	if (rc < 0)
		snprintf(b->err, b->errlen, "%s: %s: cannot add", what, spec);
	return rc < 0 ? -1 : 0;
}

static int build_acls(build_ctx *b)
{
	const dv_config *cfg = b->cfg;

	for (size_t i = 0; i < cfg->allow_update.n; i++)
		if (acl_one(b, cfg->allow_update.v[i], 0) < 0)
			return -1;
	for (size_t i = 0; i < cfg->allow_transfer.n; i++)
		if (acl_one(b, cfg->allow_transfer.v[i], 1) < 0)
			return -1;
	return 0;
}

zone_db *dv_build_db(const dv_config *cfg, const zone_db *old,
		     const dv_logger *lg, char *err, size_t errlen)
{
	char host[256] = "";
	zone_db_opts o = {
		.edns_max = cfg->edns_max,
		.no_ident = (uint8_t)(cfg->no_ident != 0),
		.ident_all = (uint8_t)(cfg->ident && !cfg->no_ident),
		.version_str = "dnsvizor " DV_VERSION,
		.ident_str = host,
		.serial_policy = (uint8_t)cfg->serial_policy,
		.recursion = (uint8_t)(cfg->recursion != 0),
	};
	build_ctx b = { .cfg = cfg, .lg = lg, .err = err, .errlen = errlen };
	int rc = 0;

	if (gethostname(host, sizeof(host) - 1) < 0)
		strcpy(host, "dnsvizor");
	b.db = zone_db_new(&o);
	if (!b.db) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	rc = dv_keys_build(cfg, b.db, err, errlen);
	for (size_t i = 0; rc == 0 && i < cfg->zones.n; i++)
		rc = build_zone(&b, old, &cfg->zones.v[i]);
	if (rc == 0)
		rc = dv_secondary_build(cfg, old, b.db, err, errlen);
	if (rc == 0)
		rc = build_acls(&b);
	if (rc == 0)
		rc = build_local(&b);
	if (rc == 0)
		rc = build_addresses(&b);
	if (rc < 0) {
		zone_db_free(b.db);
		return NULL;
	}
	return b.db;
}
