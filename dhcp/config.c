/*
 * Configuration helpers: dnsmasq's --dhcp-option (names and value types),
 * --dhcp-range, --dhcp-host, lease times, and client name cleaning.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dhcp/dhcp_int.h"

/* dnsmasq's option names (dnsmasq --help dhcp) and how values are typed. */
static const struct {
	uint8_t code;
	uint8_t type;
	const char *name;
} otab[] = {
	{ 1, OT_ADDR1, "netmask" }, { 2, OT_U32, "time-offset" },
	{ 3, OT_ADDR, "router" }, { 6, OT_ADDR, "dns-server" },
	{ 7, OT_ADDR, "log-server" }, { 9, OT_ADDR, "lpr-server" },
	{ 12, OT_STR, "hostname" }, { 13, OT_U16, "boot-file-size" },
	{ 15, OT_STR, "domain-name" }, { 16, OT_ADDR1, "swap-server" },
	{ 17, OT_STR, "root-path" }, { 18, OT_STR, "extension-path" },
	{ 19, OT_BOOL, "ip-forward-enable" },
	{ 20, OT_BOOL, "non-local-source-routing" },
	{ 21, OT_ADDR, "policy-filter" },
	{ 22, OT_U16, "max-datagram-reassembly" },
	{ 23, OT_U8, "default-ttl" }, { 26, OT_U16, "mtu" },
	{ 27, OT_BOOL, "all-subnets-local" }, { 28, OT_ADDR1, "broadcast" },
	{ 31, OT_BOOL, "router-discovery" },
	{ 32, OT_ADDR1, "router-solicitation" },
	{ 33, OT_ADDR, "static-route" },
	{ 34, OT_BOOL, "trailer-encapsulation" },
	{ 35, OT_U32, "arp-timeout" }, { 36, OT_BOOL, "ethernet-encap" },
	{ 37, OT_U8, "tcp-ttl" }, { 38, OT_U32, "tcp-keepalive" },
	{ 40, OT_STR, "nis-domain" }, { 41, OT_ADDR, "nis-server" },
	{ 42, OT_ADDR, "ntp-server" }, { 43, OT_HEX, "vendor-encap" },
	{ 44, OT_ADDR, "netbios-ns" }, { 45, OT_ADDR, "netbios-dd" },
	{ 46, OT_U8, "netbios-nodetype" }, { 47, OT_STR, "netbios-scope" },
	{ 48, OT_ADDR, "x-windows-fs" }, { 49, OT_ADDR, "x-windows-dm" },
	{ 50, OT_ADDR1, "requested-address" }, { 51, OT_U32, "lease-time" },
	{ 52, OT_U8, "option-overload" }, { 53, OT_U8, "message-type" },
	{ 54, OT_ADDR1, "server-identifier" },
	{ 55, OT_HEX, "parameter-request" }, { 56, OT_STR, "message" },
	{ 57, OT_U16, "max-message-size" }, { 58, OT_U32, "T1" },
	{ 59, OT_U32, "T2" }, { 60, OT_STR, "vendor-class" },
	{ 61, OT_HEX, "client-id" }, { 64, OT_STR, "nis+-domain" },
	{ 65, OT_ADDR, "nis+-server" }, { 66, OT_STR, "tftp-server" },
	{ 67, OT_STR, "bootfile-name" }, { 68, OT_ADDR, "mobile-ip-home" },
	{ 69, OT_ADDR, "smtp-server" }, { 70, OT_ADDR, "pop3-server" },
	{ 71, OT_ADDR, "nntp-server" }, { 74, OT_ADDR, "irc-server" },
	{ 77, OT_STR, "user-class" }, { 80, OT_HEX, "rapid-commit" },
	{ 93, OT_U16, "client-arch" }, { 94, OT_HEX, "client-interface-id" },
	{ 97, OT_HEX, "client-machine-id" },
	{ 100, OT_STR, "posix-timezone" }, { 101, OT_STR, "tzdb-timezone" },
	{ 118, OT_ADDR1, "subnet-select" }, { 119, OT_DNAMES, "domain-search" },
	{ 120, OT_HEX, "sip-server" },
	{ 121, OT_ROUTES, "classless-static-route" },
	{ 125, OT_HEX, "vendor-id-encap" },
	{ 150, OT_ADDR, "tftp-server-address" },
	{ 249, OT_ROUTES, "ms-classless-static-route" },
};

#define NOTAB (sizeof(otab) / sizeof(otab[0]))

dhcp_otype dhcp_opt_type(int code)
{
	for (size_t i = 0; i < NOTAB; i++)
		if (otab[i].code == code)
			return (dhcp_otype)otab[i].type;
	return OT_HEX;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Dotted quad, nothing else: 0 ok. */
static int parse_ip(const char *s, uint32_t *out)
{
	uint32_t v = 0;
	int parts = 0;

	while (parts < 4) {
		unsigned n = 0;
		int digits = 0;

		while (isdigit((unsigned char)*s) && digits < 4) {
			n = n * 10 + (unsigned)(*s++ - '0');
			digits++;
		}
		if (!digits || n > 255)
			return -1;
		v = v << 8 | n;
		if (++parts < 4 && *s++ != '.')
			return -1;
	}
	if (*s)
		return -1;
	*out = v;
	return 0;
}

static int parse_uint(const char *s, unsigned long long max,
		      unsigned long long *out)
{
	char *e;
	unsigned long long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	v = strtoull(s, &e, 0);
	if (*e || v > max)
		return -1;
	*out = v;
	return 0;
}

int dhcp_parse_time(const char *s, uint32_t *secs)
{
	unsigned long long v, mul = 1;
	char num[32], *e;
	size_t n = strlen(s);

	if (!strcasecmp(s, "infinite")) {
		*secs = UINT32_MAX;
		return 0;
	}
	if (!n || n >= sizeof(num) || !isdigit((unsigned char)s[0]))
		return -1;
	memcpy(num, s, n + 1);
	switch (tolower((unsigned char)num[n - 1])) {
	case 's': mul = 1; num[--n] = 0; break;
	case 'm': mul = 60; num[--n] = 0; break;
	case 'h': mul = 3600; num[--n] = 0; break;
	case 'd': mul = 86400; num[--n] = 0; break;
	case 'w': mul = 604800; num[--n] = 0; break;
	}
	v = strtoull(num, &e, 10);
	if (*e || !n || v * mul >= UINT32_MAX || v > UINT32_MAX)
		return -1;
	v *= mul;
	*secs = (uint32_t)(v < 120 ? 120 : v);	/* dnsmasq's minimum */
	return 0;
}

/* ---- --dhcp-option ---- */

/* Split s at commas (outside quotes) into at most max fields, in place. */
static int split(char *s, char **f, int max)
{
	int n = 0, q = 0;

	f[n++] = s;
	for (; *s; s++) {
		if (*s == '"')
			q = !q;
		else if (*s == ',' && !q) {
			if (n == max)
				return -1;
			*s = 0;
			f[n++] = s + 1;
		}
	}
	return n;
}

static int put(dhcp_opt *o, const void *p, size_t n)
{
	if (o->len + n > sizeof(o->data))
		return -1;
	memcpy(o->data + o->len, p, n);
	o->len = (uint16_t)(o->len + n);
	return 0;
}

static int put_uint(dhcp_opt *o, unsigned long long v, int bytes)
{
	uint8_t b[4];

	for (int i = 0; i < bytes; i++)
		b[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
	return put(o, b, (size_t)bytes);
}

static int is_hexbytes(const char *s)
{
	size_t n = strlen(s);

	if (n < 2 || (n + 1) % 3)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

static int put_hex(dhcp_opt *o, const char *s)
{
	for (; *s; s += s[2] ? 3 : 2) {
		uint8_t b = (uint8_t)strtoul((char[]){ s[0], s[1], 0 }, NULL,
					     16);

		if (put(o, &b, 1) < 0)
			return -1;
		if (!s[2])
			break;
	}
	return 0;
}

/* A domain name in uncompressed RFC 1035 wire form. */
static int put_dname(dhcp_opt *o, const char *s)
{
	while (*s) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);
		uint8_t lb = (uint8_t)l;

		if (!l || l > 63 || put(o, &lb, 1) < 0 || put(o, s, l) < 0)
			return -1;
		s += l + (dot ? 1 : 0);
	}
	return put(o, "", 1);
}

/* RFC 3442: prefix length, significant octets, router. */
static int put_route(dhcp_opt *o, const char *dst, const char *gw)
{
	char net[32];
	const char *slash = strchr(dst, '/');
	unsigned long long plen;
	uint32_t a, r;
	uint8_t b[9];
	size_t n = 0;

	if (!slash || (size_t)(slash - dst) >= sizeof(net))
		return -1;
	memcpy(net, dst, (size_t)(slash - dst));
	net[slash - dst] = 0;
	if (parse_ip(net, &a) < 0 || parse_uint(slash + 1, 32, &plen) < 0 ||
	    parse_ip(gw, &r) < 0)
		return -1;
	b[n++] = (uint8_t)plen;
	for (unsigned i = 0; i < (plen + 7) / 8; i++)
		b[n++] = (uint8_t)(a >> (24 - 8 * i));
	dhcp_put32(b + n, r);
	return put(o, b, n + 4);
}

static void unquote(char **s)
{
	size_t n = strlen(*s);

	if (n >= 2 && (*s)[0] == '"' && (*s)[n - 1] == '"') {
		(*s)[n - 1] = 0;
		(*s)++;
	}
}

static int put_str_fields(dhcp_opt *o, char **f, int n)
{
	for (int i = 0; i < n; i++) {
		unquote(&f[i]);
		if ((i && put(o, ",", 1) < 0) ||
		    put(o, f[i], strlen(f[i])) < 0)
			return -1;
	}
	return 0;
}

/* A code without a table entry: guess like dnsmasq does (addresses,
 * hex bytes, a number, else a string). */
static int put_untyped(dhcp_opt *o, char **f, int n)
{
	uint32_t a;
	unsigned long long v;
	int addrs = 1;

	for (int i = 0; i < n; i++)
		if (parse_ip(f[i], &a) < 0)
			addrs = 0;
	if (addrs) {
		for (int i = 0; i < n; i++) {
			parse_ip(f[i], &a);
			if (put_uint(o, a, 4) < 0)
				return -1;
		}
		return 0;
	}
	if (n == 1 && is_hexbytes(f[0]))
		return put_hex(o, f[0]);
	if (n == 1 && parse_uint(f[0], UINT32_MAX, &v) == 0)
		return put_uint(o, v, v > 0xffff ? 4 : v > 0xff ? 2 : 1);
	return put_str_fields(o, f, n);
}

static int put_bool(dhcp_opt *o, const char *s)
{
	uint8_t b;

	if (!strcmp(s, "1") || !strcasecmp(s, "true") ||
	    !strcasecmp(s, "yes") || !strcasecmp(s, "on"))
		b = 1;
	else if (!strcmp(s, "0") || !strcasecmp(s, "false") ||
		 !strcasecmp(s, "no") || !strcasecmp(s, "off"))
		b = 0;
	else
		return -1;
	return put(o, &b, 1);
}

static int put_typed(dhcp_opt *o, dhcp_otype t, char **f, int n)
{
	static const unsigned long long max[] = {
		[OT_U8] = 0xff, [OT_U16] = 0xffff, [OT_U32] = 0xffffffff };
	static const int bytes[] = { [OT_U8] = 1, [OT_U16] = 2, [OT_U32] = 4 };
	unsigned long long v;
	uint32_t a;

	switch (t) {
	case OT_ADDR1:
	case OT_ADDR:
		if (t == OT_ADDR1 && n != 1)
			return -1;
		for (int i = 0; i < n; i++)
			if (parse_ip(f[i], &a) < 0 || put_uint(o, a, 4) < 0)
				return -1;
		return 0;
	case OT_STR:
		return put_str_fields(o, f, n);
	case OT_U8:
	case OT_U16:
	case OT_U32:
		if (n != 1)
			return -1;
		if (parse_uint(f[0], max[t], &v) == 0)
			return put_uint(o, v, bytes[t]);
		/* times may carry a unit: 2h, 45m, infinite */
		if (t == OT_U32 && dhcp_parse_time(f[0], &a) == 0)
			return put_uint(o, a, 4);
		return -1;
	case OT_BOOL:
		return n == 1 ? put_bool(o, f[0]) : -1;
	case OT_DNAMES:
		for (int i = 0; i < n; i++)
			if (put_dname(o, f[i]) < 0)
				return -1;
		return 0;
	case OT_ROUTES:
		if (n % 2)
			return -1;
		for (int i = 0; i < n; i += 2)
			if (put_route(o, f[i], f[i + 1]) < 0)
				return -1;
		return 0;
	case OT_HEX:
		break;
	}
	if (n == 1 && is_hexbytes(f[0]))
		return put_hex(o, f[0]);
	return put_str_fields(o, f, n);
}

/* "option:NAME" or a number: the code, -1 if unknown. */
static int option_code(const char *s)
{
	unsigned long long v;

	if (!strncasecmp(s, "option:", 7)) {
		for (size_t i = 0; i < NOTAB; i++)
			if (!strcasecmp(s + 7, otab[i].name))
				return otab[i].code;
		return -1;
	}
	if (parse_uint(s, 254, &v) < 0 || v == 0)
		return -1;
	return (int)v;
}

int dhcp_option_parse(const char *spec, dhcp_opt *out, char *err,
		      size_t errlen)
{
	char buf[2048], *f[256];
	int n, code, known = 0;

	memset(out, 0, offsetof(dhcp_opt, data));
	if (strlen(spec) >= sizeof(buf))
		return fail(err, errlen, "option value too long");
	strcpy(buf, spec);
	n = split(buf, f, 256);
	if (n < 0)
		return fail(err, errlen, "too many values");
	if (!strncasecmp(f[0], "force:", 6)) {
		out->force = 1;
		memmove(f[0], f[0] + 6, strlen(f[0] + 6) + 1);
	}
	if (!strncasecmp(f[0], "tag:", 4) || !strncasecmp(f[0], "set:", 4) ||
	    !strncasecmp(f[0], "vendor:", 7) || !strncasecmp(f[0], "encap:", 6))
		return fail(err, errlen, "tags, vendor: and encap: are not "
			    "supported");
	if (!strncasecmp(f[0], "option6:", 8))
		return fail(err, errlen, "DHCPv6 not supported");
	code = option_code(f[0]);
	if (code < 0)
		return fail(err, errlen, "unknown option '%s'", f[0]);
	out->code = (uint8_t)code;
	for (size_t i = 0; i < NOTAB; i++)
		if (otab[i].code == code)
			known = 1;
	/* "3" alone: send the option empty, i.e. suppress the default */
	if (n == 1 || (n == 2 && !f[1][0]))
		return 0;
	if ((known ? put_typed(out, dhcp_opt_type(code), f + 1, n - 1)
		   : put_untyped(out, f + 1, n - 1)) < 0)
		return fail(err, errlen, "bad value for option %d", code);
	return 0;
}

/* ---- --dhcp-range ---- */

static int range_extra(dhcp_range *r, char *s, int *seen_mask,
		       char *err, size_t errlen)
{
	uint32_t v;

	if (strchr(s, '.')) {
		if (parse_ip(s, &v) < 0)
			return fail(err, errlen, "bad address '%s'", s);
		/* the netmask; a broadcast may follow */
		if (!*seen_mask)
			r->netmask = v;
		*seen_mask = 1;
		return 0;
	}
	if (dhcp_parse_time(s, &v) < 0)
		return fail(err, errlen, "bad lease time '%s'", s);
	r->lease_secs = v;
	return 0;
}

int dhcp_range_parse(const char *spec, dhcp_range *out, char *err,
		     size_t errlen)
{
	char buf[256], *f[8];
	int n, seen_mask = 0;

	memset(out, 0, sizeof(*out));
	if (strchr(spec, ':') && !strstr(spec, "tag:") && !strstr(spec, "set:"))
		return fail(err, errlen, "DHCPv6 not supported");
	if (strlen(spec) >= sizeof(buf))
		return fail(err, errlen, "too long");
	strcpy(buf, spec);
	n = split(buf, f, 8);
	if (n < 0)
		return fail(err, errlen, "too many fields");
	if (strchr(spec, ':'))
		return fail(err, errlen, "tags (tag:/set:) are not supported");
	if (parse_ip(f[0], &out->start) < 0)
		return fail(err, errlen, "bad start address '%s'", f[0]);
	if (n < 2)
		return fail(err, errlen, "need START,END or START,static");
	if (!strcasecmp(f[1], "static")) {
		out->is_static = 1;
		out->end = out->start;
	} else if (!strcasecmp(f[1], "proxy") || !strcasecmp(f[1], "ra-only")) {
		return fail(err, errlen, "mode '%s' not supported", f[1]);
	} else if (parse_ip(f[1], &out->end) < 0) {
		return fail(err, errlen, "bad end address '%s'", f[1]);
	}
	for (int i = 2; i < n; i++)
		if (range_extra(out, f[i], &seen_mask, err, errlen) < 0)
			return -1;
	if (out->end < out->start)
		return fail(err, errlen, "end before start");
	if (out->netmask && (out->start & out->netmask) !=
	    (out->end & out->netmask))
		return fail(err, errlen, "start and end not in one subnet");
	return 0;
}

/* ---- --dhcp-host ---- */

static int is_mac(const char *s)
{
	return strlen(s) == 17 && is_hexbytes(s);
}

static int host_id(dhcp_host *h, const char *s, char *err, size_t errlen)
{
	dhcp_opt tmp;

	if (!strcmp(s, "*"))
		return 0;
	tmp.len = 0;
	if (is_hexbytes(s)) {
		if (strlen(s) > DHCP_CLIENTID_MAX * 3 - 1)
			return fail(err, errlen, "client id too long");
		put_hex(&tmp, s);
	} else if (!*s || put(&tmp, s, strlen(s)) < 0 ||
		   tmp.len > DHCP_CLIENTID_MAX) {
		return fail(err, errlen, "bad client id '%s'", s);
	}
	memcpy(h->client_id, tmp.data, tmp.len);
	h->idlen = (uint8_t)tmp.len;
	return 0;
}

static int host_field(dhcp_host *h, const char *s, char *err, size_t errlen)
{
	uint32_t v;

	if (!strncasecmp(s, "id:", 3))
		return host_id(h, s + 3, err, errlen);
	if (!strncasecmp(s, "set:", 4) || !strncasecmp(s, "tag:", 4))
		return fail(err, errlen, "tags are not supported");
	if (s[0] == '[' || (strchr(s, ':') && !is_mac(s)))
		return fail(err, errlen, "'%s': DHCPv6 not supported", s);
	if (is_mac(s)) {
		if (h->has_mac)
			return fail(err, errlen, "only one MAC per host");
		dhcp_opt tmp = { .len = 0 };

		put_hex(&tmp, s);
		memcpy(h->mac, tmp.data, 6);
		h->has_mac = 1;
		return 0;
	}
	if (!strcasecmp(s, "ignore")) {
		h->ignore = 1;
		return 0;
	}
	if (isdigit((unsigned char)s[0]) && strchr(s, '.')) {
		if (parse_ip(s, &v) < 0)
			return fail(err, errlen, "bad address '%s'", s);
		h->addr = v;
		return 0;
	}
	if (dhcp_parse_time(s, &v) == 0) {
		h->lease_secs = v;
		return 0;
	}
	dhcp_clean_name(s, strlen(s), h->name);
	if (!h->name[0] || strlen(s) != strlen(h->name))
		if (!strchr(s, '.') || strncmp(s, h->name, strlen(h->name)))
			return fail(err, errlen, "bad name '%s'", s);
	return 0;
}

int dhcp_host_parse(const char *spec, dhcp_host *out, char *err,
		    size_t errlen)
{
	char buf[512], *f[16];
	int n;

	memset(out, 0, sizeof(*out));
	if (strlen(spec) >= sizeof(buf))
		return fail(err, errlen, "too long");
	strcpy(buf, spec);
	n = split(buf, f, 16);
	if (n < 0)
		return fail(err, errlen, "too many fields");
	for (int i = 0; i < n; i++)
		if (host_field(out, f[i], err, errlen) < 0)
			return -1;
	if (!out->has_mac && !out->idlen && !out->name[0])
		return fail(err, errlen, "need a MAC, id: or name");
	if (!out->ignore && !out->addr && !out->name[0] && !out->lease_secs)
		return fail(err, errlen, "nothing to assign");
	return 0;
}

/* First label only; letters, digits and '-' kept ('_' and ' ' become
 * '-', the rest is dropped), no leading or trailing '-', at most 63.
 * Case is kept; names are compared case-insensitively. */
void dhcp_clean_name(const char *in, size_t len, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < len && in[i] && in[i] != '.'; i++) {
		char c = in[i];

		if (c == '_' || c == ' ')
			c = '-';
		if (!isalnum((unsigned char)c) && c != '-')
			continue;
		if (c == '-' && o == 0)
			continue;
		if (o < DHCP_NAME_MAX)
			out[o++] = c;
	}
	while (o && out[o - 1] == '-')
		o--;
	out[o] = 0;
}
