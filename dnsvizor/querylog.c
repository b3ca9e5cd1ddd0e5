/*
 * The query log (--log-queries) in dnsmasq's line forms, so that tools
 * that parse dnsmasq's log work: "query[TYPE] name from ip", "forwarded
 * name to ip#port", "SOURCE name is VALUE" per answer record (SOURCE:
 * reply, cached, config) or NXDOMAIN / NODATA-IPv4 / NODATA-IPv6 /
 * NODATA, "SOURCE error is RCODE".  log-queries=extra puts "SERIAL
 * ip/port " before each.  Written by net.c for answers given at once and
 * by resolve.c for those that come later.  A leaf: it calls only the
 * logger.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsvizor/addr.h"
#include "dnsvizor/querylog.h"


static const struct {
	uint16_t t;
	const char *s;
} dv_types[] = {
	{ DNS_T_A, "A" }, { DNS_T_NS, "NS" }, { DNS_T_CNAME, "CNAME" },
	{ DNS_T_SOA, "SOA" }, { DNS_T_PTR, "PTR" }, { DNS_T_HINFO, "HINFO" },
	{ DNS_T_MX, "MX" }, { DNS_T_TXT, "TXT" }, { DNS_T_AAAA, "AAAA" },
	{ DNS_T_SRV, "SRV" }, { DNS_T_NAPTR, "NAPTR" },
	{ DNS_T_DNAME, "DNAME" }, { DNS_T_OPT, "OPT" }, { DNS_T_DS, "DS" },
	{ DNS_T_RRSIG, "RRSIG" }, { DNS_T_NSEC, "NSEC" },
	{ DNS_T_DNSKEY, "DNSKEY" }, { DNS_T_NSEC3, "NSEC3" },
	{ 52, "TLSA" }, { 64, "SVCB" }, { 65, "HTTPS" },
	{ DNS_T_TSIG, "TSIG" }, { DNS_T_IXFR, "IXFR" },
	{ DNS_T_AXFR, "AXFR" }, { DNS_T_ANY, "ANY" }, { DNS_T_CAA, "CAA" },
};

const char *dv_type_str(uint16_t t, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(dv_types) / sizeof(dv_types[0]); i++)
		if (dv_types[i].t == t)
			return dv_types[i].s;
	snprintf(buf, len, "TYPE%u", t);
	return buf;
}

const char *dv_rcode_name(unsigned rc)
{
	static const char *const names[] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
		"REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH",
		"NOTZONE",
	};

	return rc < sizeof(names) / sizeof(names[0]) ? names[rc] : "RCODE?";
}

struct dv_qlog_hosts {
	struct dv_qlog_host {
		char *name;        /* lowercase, no final dot */
		const char *file;  /* one of files[] */
	} *v;
	size_t n, cap;
	char **files;
	size_t nfiles;
};

dv_qlog_hosts *dv_qlog_hosts_new(void)
{
	return calloc(1, sizeof(dv_qlog_hosts));
}

static const char *dv_qlog_file(dv_qlog_hosts *h, const char *file)
{
	char **nf;

	if (h->nfiles && strcmp(h->files[h->nfiles - 1], file) == 0)
		return h->files[h->nfiles - 1];
	nf = realloc(h->files, (h->nfiles + 1) * sizeof(*nf));
	if (!nf)
		return NULL;
	h->files = nf;
	nf[h->nfiles] = strdup(file);
	return nf[h->nfiles] ? h->files[h->nfiles++] : NULL;
}

int dv_qlog_hosts_add(dv_qlog_hosts *h, const char *name, const char *file)
{
	struct dv_qlog_host *e;
	size_t len = strlen(name);

	if (!h)
		return 0;
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 64;

		e = realloc(h->v, cap * sizeof(*e));
		if (!e)
			return -1;
		h->v = e;
		h->cap = cap;
	}
	e = &h->v[h->n];
	e->file = dv_qlog_file(h, file);
	e->name = malloc(len + 1);
	if (!e->file || !e->name) {
		free(e->name);
		return -1;
	}
	for (size_t i = 0; i < len; i++)
		e->name[i] = (char)tolower((unsigned char)name[i]);
	if (len > 1 && e->name[len - 1] == '.')
		len--;
	e->name[len] = '\0';
	h->n++;
	return 0;
}

static int dv_qlog_host_cmp(const void *a, const void *b)
{
	return strcmp(((const struct dv_qlog_host *)a)->name,
		      ((const struct dv_qlog_host *)b)->name);
}

void dv_qlog_hosts_done(dv_qlog_hosts *h)
{
	if (h && h->n)
		qsort(h->v, h->n, sizeof(h->v[0]), dv_qlog_host_cmp);
}

void dv_qlog_hosts_free(dv_qlog_hosts *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n; i++)
		free(h->v[i].name);
	for (size_t i = 0; i < h->nfiles; i++)
		free(h->files[i]);
	free(h->v);
	free(h->files);
	free(h);
}

/* The hosts file that gave name (lowercase, no final dot), or NULL. */
static const char *dv_qlog_host_file(const dv_qlog_hosts *h,
				     const char *name)
{
	struct dv_qlog_host k, *e;

	if (!h || !h->n)
		return NULL;
	k.name = (char *)(uintptr_t)name;
	e = bsearch(&k, h->v, h->n, sizeof(h->v[0]), dv_qlog_host_cmp);
	return e ? e->file : NULL;
}

static const char *dv_rcode_str(const uint8_t *resp, size_t rlen)
{
	if (!resp || rlen < WIRE_HDRLEN)
		return "dropped";
	return dv_rcode_name(resp[3] & 0x0fu);
}

/* The name as dnsmasq prints it: no final dot ("." for the root). */
static void dv_qlog_name(const uint8_t *wire, char *out, size_t len)
{
	int n = wire_name_to_str(wire, out, len);

	if (n < 0)
		snprintf(out, len, "?");
	else if (n > 1 && out[n - 1] == '.')
		out[n - 1] = '\0';
}

/* log-queries=extra: "SERIAL CLIENT/PORT " before each line of a query
 * (dnsmasq 2.90), tying its lines together. */
static void dv_qlog_prefix(const dv_ctx *ctx, uint32_t serial,
			   const struct sockaddr *from, char *out, size_t len)
{
	char ip[INET6_ADDRSTRLEN];
	unsigned port = 0;

	out[0] = '\0';
	if (ctx->cfg.log_queries < 2 || !from)
		return;
	dv_sa_ntop(from, ip, sizeof(ip));
	if (from->sa_family == AF_INET)
		port = ntohs(((const struct sockaddr_in *)from)->sin_port);
	else if (from->sa_family == AF_INET6)
		port = ntohs(((const struct sockaddr_in6 *)from)->sin6_port);
	snprintf(out, len, "%u %s/%u ", serial, ip, port);
}

void dv_log_query(const dv_ctx *ctx, uint32_t serial, const uint8_t *qname,
		  uint16_t qtype, const struct sockaddr *from)
{
	char ip[INET6_ADDRSTRLEN], name[WIRE_MAXNAME * 4 + 2], tb[16];
	char pre[80];

	dv_sa_ntop(from, ip, sizeof(ip));
	dv_qlog_prefix(ctx, serial, from, pre, sizeof(pre));
	dv_qlog_name(qname, name, sizeof(name));
	dv_log(&ctx->lg, DV_LOG_INFO, "%squery[%s] %s from %s", pre,
	       dv_type_str(qtype, tb, sizeof(tb)), name, ip);
}

void dv_log_malformed(const dv_ctx *ctx, const struct sockaddr *from,
		      const uint8_t *resp, size_t rlen, const char *proto)
{
	char ip[INET6_ADDRSTRLEN];

	dv_sa_ntop(from, ip, sizeof(ip));
	dv_log(&ctx->lg, DV_LOG_INFO, "query[?] (malformed) from %s/%s: %s",
	       ip, proto, dv_rcode_str(resp, rlen));
}

/* One answer RR's value as dnsmasq shows it: an address, TXT's first
 * string, else "<TYPE>". */
static void dv_qlog_value(uint16_t type, const uint8_t *rd, size_t rdlen,
			  char *out, size_t len)
{
	char tb[16];

	if (type == DNS_T_A && rdlen == 4) {
		inet_ntop(AF_INET, rd, out, (socklen_t)len);
	} else if (type == DNS_T_AAAA && rdlen == 16) {
		inet_ntop(AF_INET6, rd, out, (socklen_t)len);
	} else if (type == DNS_T_TXT && rdlen >= 1 && rd[0] < rdlen) {
		size_t n = rd[0] < len - 1 ? rd[0] : len - 1;

		for (size_t i = 0; i < n; i++)
			out[i] = rd[1 + i] >= 0x20 && rd[1 + i] < 0x7f ?
				 (char)rd[1 + i] : '?';
		out[n] = '\0';
	} else {
		snprintf(out, len, "<%s>", dv_type_str(type, tb, sizeof(tb)));
	}
}

/* The answer's negative forms: NXDOMAIN, NODATA-IPv4/-IPv6/NODATA, and
 * "error is RCODE" for the others. */
static void dv_qlog_negative(const dv_ctx *ctx, const char *pre,
			     const char *src, const char *name,
			     uint16_t qtype, unsigned rc)
{
	const char *what = qtype == DNS_T_A ? "NODATA-IPv4" :
			   qtype == DNS_T_AAAA ? "NODATA-IPv6" : "NODATA";

	if (rc == 3)
		what = "NXDOMAIN";
	else if (rc != 0) {
		dv_log(&ctx->lg, DV_LOG_INFO, "%s%s error is %s", pre, src,
		       dv_rcode_name(rc));
		return;
	}
	dv_log(&ctx->lg, DV_LOG_INFO, "%s%s %s is %s", pre, src, name, what);
}

void dv_log_reply(const dv_ctx *ctx, uint32_t serial,
		  const struct sockaddr *from, const char *src,
		  const uint8_t *resp, size_t rlen)
{
	char pre[80], name[WIRE_MAXNAME * 4 + 2], val[INET6_ADDRSTRLEN + 64];
	uint8_t owner[WIRE_MAXNAME];
	uint16_t qtype = 0, an, i, type;
	size_t pos = WIRE_HDRLEN, rdlen;
	unsigned rc, shown = 0;

	if (!resp || rlen < WIRE_HDRLEN || wire_get16(resp + 4) != 1)
		return;
	dv_qlog_prefix(ctx, serial, from, pre, sizeof(pre));
	rc = resp[3] & 0x0fu;
	if (wire_name_read(resp, rlen, &pos, owner) < 0 || pos + 4 > rlen)
		return;
	qtype = wire_get16(resp + pos);
	pos += 4;
	dv_qlog_name(owner, name, sizeof(name));
	an = wire_get16(resp + 6);
	for (i = 0; rc == 0 && i < an; i++) {
		if (wire_name_read(resp, rlen, &pos, owner) < 0 ||
		    pos + 10 > rlen)
			return;
		type = wire_get16(resp + pos);
		rdlen = wire_get16(resp + pos + 8);
		pos += 10;
		if (pos + rdlen > rlen)
			return;
		if (type != DNS_T_RRSIG) {
			char on[WIRE_MAXNAME * 4 + 2];
			const char *f = NULL;

			dv_qlog_name(owner, on, sizeof(on));
			if (strcmp(src, "config") == 0 &&
			    (type == DNS_T_A || type == DNS_T_AAAA)) {
				char ln[WIRE_MAXNAME * 4 + 2];
				uint8_t lw[WIRE_MAXNAME];

				wire_name_lower(lw, owner);
				dv_qlog_name(lw, ln, sizeof(ln));
				f = dv_qlog_host_file(ctx->qlog_hosts, ln);
			}
			if (type == DNS_T_CNAME)
				snprintf(val, sizeof(val), "<CNAME>");
			else
				dv_qlog_value(type, resp + pos, rdlen, val,
					      sizeof(val));
			dv_log(&ctx->lg, DV_LOG_INFO, "%s%s %s is %s", pre,
			       f ? f : src, on, val);
			shown++;
		}
		pos += rdlen;
	}
	if (shown == 0)
		dv_qlog_negative(ctx, pre, src, name, qtype, rc);
}

void dv_log_forwarded(const dv_ctx *ctx, uint32_t serial,
		      const struct sockaddr *client, const uint8_t *msg,
		      size_t len, const struct sockaddr *server)
{
	char pre[80], name[WIRE_MAXNAME * 4 + 2], ip[INET6_ADDRSTRLEN];
	uint8_t qn[WIRE_MAXNAME], lq[WIRE_MAXNAME];
	size_t pos = WIRE_HDRLEN;
	unsigned port = 0;

	if (!msg || len < WIRE_HDRLEN || wire_get16(msg + 4) != 1 ||
	    wire_name_read(msg, len, &pos, qn) < 0)
		return;
	dv_qlog_prefix(ctx, serial, client, pre, sizeof(pre));
	wire_name_lower(lq, qn);     /* not the random case sent (0x20) */
	dv_qlog_name(lq, name, sizeof(name));
	dv_sa_ntop(server, ip, sizeof(ip));
	if (server->sa_family == AF_INET)
		port = ntohs(((const struct sockaddr_in *)server)->sin_port);
	else if (server->sa_family == AF_INET6)
		port = ntohs(((const struct sockaddr_in6 *)server)->sin6_port);
	dv_log(&ctx->lg, DV_LOG_INFO, "%sforwarded %s to %s#%u", pre, name,
	       ip, port);
}
