/*
 * The query log line (--log-queries): "query[TYPE] name from ip/proto:
 * RCODE", written by net.c for answers given at once and by resolve.c
 * for answers that come later.  A leaf: it calls only the logger.
 */
#include <arpa/inet.h>
#include <stdio.h>

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

static const char *dv_rcode_str(const uint8_t *resp, size_t rlen)
{
	if (!resp || rlen < WIRE_HDRLEN)
		return "dropped";
	return dv_rcode_name(resp[3] & 0x0fu);
}

void dv_log_query(const dv_ctx *ctx, const uint8_t *qname, uint16_t qtype,
		  const struct sockaddr *from, const uint8_t *resp,
		  size_t rlen, const char *proto)
{
	char ip[INET6_ADDRSTRLEN], name[WIRE_MAXNAME * 4 + 2], tb[16];
	const char *tc = "";
	int n;

	dv_sa_ntop(from, ip, sizeof(ip));
	if (!qname) {
		dv_log(&ctx->lg, DV_LOG_INFO, "query[?] (malformed) from %s/%s: %s",
		       ip, proto, dv_rcode_str(resp, rlen));
		return;
	}
	n = wire_name_to_str(qname, name, sizeof(name));
	if (n < 0)
		snprintf(name, sizeof(name), "?");
	else if (n > 1 && name[n - 1] == '.')
		name[n - 1] = '\0';
	if (resp && rlen >= WIRE_HDRLEN && (wire_get16(resp + 2) & DNS_F_TC))
		tc = " (TC)";
	dv_log(&ctx->lg, DV_LOG_INFO, "query[%s] %s from %s/%s: %s%s",
	       dv_type_str(qtype, tb, sizeof(tb)), name, ip, proto,
	       dv_rcode_str(resp, rlen), tc);
}
