/*
 * zones/updclient.c — the client side of RFC 2136 (see updclient.h).
 */
#include <stdio.h>
#include <string.h>

#include "zones/updclient.h"

/* ------------------------------------------------------------------ */
/* building                                                           */
/* ------------------------------------------------------------------ */

void zone_upd_start(zone_upd *u, uint8_t *buf, size_t cap, uint16_t id,
		    const uint8_t *apex)
{
	uint8_t hdr[WIRE_HDRLEN] = { 0 };

	wire_put16(hdr, id);
	hdr[2] = DNS_OP_UPDATE << 3;
	wire_put16(hdr + 4, 1);
	wire_writer_init(&u->w, buf, cap, cap);
	u->npre = 0;
	u->nupd = 0;
	u->bad = wire_write(&u->w, hdr, sizeof(hdr)) < 0 ||
		 wire_write_name(&u->w, apex, 1) < 0 ||
		 wire_write16(&u->w, DNS_T_SOA) < 0 ||
		 wire_write16(&u->w, DNS_C_IN) < 0;
}

static int zone_upd_rr(zone_upd *u, const uint8_t *owner, uint16_t type,
		       uint16_t rclass, uint32_t ttl, const uint8_t *rd,
		       size_t rdlen)
{
	if (u->bad || rdlen > 65535 ||
	    wire_write_rr(&u->w, owner, type, rclass, ttl, rd,
			  (uint16_t)rdlen, NULL) < 0) {
		u->bad = 1;
		return -1;
	}
	return 0;
}

void zone_upd_prereq(zone_upd *u, zone_upd_pre kind, const uint8_t *owner,
		     uint16_t type, const uint8_t *rd, size_t rdlen)
{
	uint16_t cls = DNS_C_ANY;

	if (u->nupd > 0) {      /* the prerequisite section comes first */
		u->bad = 1;
		return;
	}
	switch (kind) {
	case ZONE_UPD_YXRRSET:  rd = NULL; rdlen = 0; break;
	case ZONE_UPD_NXRRSET:  cls = DNS_C_NONE; rd = NULL; rdlen = 0; break;
	case ZONE_UPD_YXDOMAIN: type = DNS_T_ANY; rd = NULL; rdlen = 0; break;
	case ZONE_UPD_NXDOMAIN:
		cls = DNS_C_NONE; type = DNS_T_ANY; rd = NULL; rdlen = 0;
		break;
	case ZONE_UPD_VALUE:    cls = DNS_C_IN; break;
	default:                u->bad = 1; return;
	}
	if (zone_upd_rr(u, owner, type, cls, 0, rd, rdlen) == 0)
		u->npre++;
}

static void zone_upd_upd(zone_upd *u, const uint8_t *owner, uint16_t type,
			 uint16_t rclass, uint32_t ttl, const uint8_t *rd,
			 size_t rdlen)
{
	if (zone_upd_rr(u, owner, type, rclass, ttl, rd, rdlen) == 0)
		u->nupd++;
}

void zone_upd_add(zone_upd *u, const uint8_t *owner, uint16_t type,
		  uint32_t ttl, const uint8_t *rd, size_t rdlen)
{
	zone_upd_upd(u, owner, type, DNS_C_IN, ttl, rd, rdlen);
}

void zone_upd_del_rr(zone_upd *u, const uint8_t *owner, uint16_t type,
		     const uint8_t *rd, size_t rdlen)
{
	zone_upd_upd(u, owner, type, DNS_C_NONE, 0, rd, rdlen);
}

void zone_upd_del_rrset(zone_upd *u, const uint8_t *owner, uint16_t type)
{
	zone_upd_upd(u, owner, type, DNS_C_ANY, 0, NULL, 0);
}

void zone_upd_del_name(zone_upd *u, const uint8_t *owner)
{
	zone_upd_upd(u, owner, DNS_T_ANY, DNS_C_ANY, 0, NULL, 0);
}

long zone_upd_finish(zone_upd *u, const zone_tsig_key *key,
		     zone_tsig_ctx *tc, uint64_t now)
{
	size_t len = u->w.len;

	if (u->bad)
		return -1;
	wire_put16(u->w.buf + 6, u->npre);
	wire_put16(u->w.buf + 8, u->nupd);
	wire_put16(u->w.buf + 10, 0);   /* again after a signed finish */
	if (tc)
		memset(tc, 0, sizeof(*tc));
	if (key && (!tc || zone_tsig_sign_request(tc, key, u->w.buf, &len,
						  u->w.cap, now) < 0))
		return -1;
	return (long)len;
}

/* ------------------------------------------------------------------ */
/* queries and matching                                               */
/* ------------------------------------------------------------------ */

long zone_updc_query(uint8_t *buf, size_t cap, uint16_t id,
		     const uint8_t *qname, uint16_t qtype)
{
	size_t n = wire_name_len(qname);

	if (cap < WIRE_HDRLEN + n + 4)
		return -1;
	memset(buf, 0, WIRE_HDRLEN);
	wire_put16(buf, id);
	wire_put16(buf + 4, 1);
	memcpy(buf + WIRE_HDRLEN, qname, n);
	wire_put16(buf + WIRE_HDRLEN + n, qtype);
	wire_put16(buf + WIRE_HDRLEN + n + 2, DNS_C_IN);
	return (long)(WIRE_HDRLEN + n + 4);
}

/* The first question of m: name, type and class.  0 or -1. */
static int zone_updc_question(const uint8_t *m, size_t len,
			      uint8_t name[WIRE_MAXNAME], uint8_t tc[4])
{
	size_t pos = WIRE_HDRLEN;

	if (len < WIRE_HDRLEN || wire_get16(m + 4) != 1 ||
	    wire_name_read(m, len, &pos, name) < 0 || pos + 4 > len)
		return -1;
	memcpy(tc, m + pos, 4);
	return 0;
}

int zone_updc_matches(const uint8_t *req, size_t reqlen,
		      const uint8_t *resp, size_t len)
{
	uint8_t qn[WIRE_MAXNAME], rn[WIRE_MAXNAME], qtc[4], rtc[4];

	if (len < WIRE_HDRLEN || reqlen < WIRE_HDRLEN ||
	    wire_get16(resp) != wire_get16(req) || !(resp[2] & 0x80) ||
	    ((resp[2] >> 3) & 0xf) != ((req[2] >> 3) & 0xf) ||
	    zone_updc_question(req, reqlen, qn, qtc) < 0)
		return 0;
	if (wire_get16(resp + 4) == 0)
		return (resp[3] & 0xf) != DNS_R_NOERROR;
	return zone_updc_question(resp, len, rn, rtc) == 0 &&
	       wire_name_equal(qn, rn) && memcmp(qtc, rtc, 4) == 0;
}

/* ------------------------------------------------------------------ */
/* judging an UPDATE's response                                       */
/* ------------------------------------------------------------------ */

static const char *zone_updc_rcode_name(int rc)
{
	switch (rc) {
	case DNS_R_FORMERR:  return "FORMERR";
	case DNS_R_SERVFAIL: return "SERVFAIL";
	case DNS_R_NXDOMAIN: return "NXDOMAIN";
	case DNS_R_NOTIMP:   return "NOTIMP";
	case DNS_R_REFUSED:  return "REFUSED";
	case DNS_R_YXDOMAIN: return "YXDOMAIN";
	case DNS_R_YXRRSET:  return "YXRRSET";
	case DNS_R_NXRRSET:  return "NXRRSET";
	case DNS_R_NOTAUTH:  return "NOTAUTH";
	case DNS_R_NOTZONE:  return "NOTZONE";
	default:             return "rcode";
	}
}

void zone_updc_judge(const uint8_t *req, size_t reqlen, const uint8_t *resp,
		     size_t len, zone_tsig_ctx *tc, uint64_t now,
		     zone_updc_result *r)
{
	memset(r, 0, sizeof(*r));
	r->rcode = -1;
	if (!zone_updc_matches(req, reqlen, resp, len)) {
		r->verdict = ZONE_UPDC_IGNORE;
		snprintf(r->why, sizeof(r->why), "not the answer to the UPDATE");
		return;
	}
	r->rcode = resp[3] & 0xf;
	if (tc && tc->key) {
		/* on a copy: an answer to a resent request verifies
		 * against the request again, not against this answer */
		zone_tsig_ctx t = *tc;

		r->tsig_bad = zone_tsig_verify_response(&t, resp, len, now) < 0;
	}
	if (r->rcode == DNS_R_NOERROR) {
		r->verdict = ZONE_UPDC_OK;
		return;
	}
	r->verdict = r->rcode == DNS_R_SERVFAIL ? ZONE_UPDC_RETRY :
		     ZONE_UPDC_FAIL;
	snprintf(r->why, sizeof(r->why), "UPDATE answered %s (%d)",
		 zone_updc_rcode_name(r->rcode), r->rcode);
}

/* ------------------------------------------------------------------ */
/* reading answers                                                    */
/* ------------------------------------------------------------------ */

int zone_updc_zone_of(const uint8_t *resp, size_t len, const uint8_t *owner,
		      uint8_t zone_out[WIRE_MAXNAME])
{
	wire_rr_iter it;
	wire_rr rr;

	if (wire_rr_start(&it, resp, len) < 0)
		return 0;
	while (wire_rr_next(&it, &rr) > 0)
		if (rr.type == DNS_T_SOA && wire_name_is_sub(owner, rr.owner)) {
			wire_name_lower(zone_out, rr.owner);
			return 1;
		}
	return 0;
}

int zone_updc_has_txt(const uint8_t *resp, size_t len, const uint8_t *owner,
		      const char *txt)
{
	size_t n = strlen(txt);
	wire_rr_iter it;
	wire_rr rr;

	if (wire_rr_start(&it, resp, len) < 0)
		return 0;
	while (wire_rr_next(&it, &rr) > 0)
		if (rr.type == DNS_T_TXT && wire_name_equal(rr.owner, owner) &&
		    rr.rdlen == n + 1 && resp[rr.rdata] == n &&
		    memcmp(resp + rr.rdata + 1, txt, n) == 0)
			return 1;
	return 0;
}

/* The glue of one of ns's names into ns->addr. */
static void zone_updc_glue(const uint8_t *resp, const wire_rr *rr,
			   zone_updc_ns *ns)
{
	int known = 0;

	for (int i = 0; i < ns->nname; i++)
		known |= wire_name_equal(rr->owner, ns->name[i]);
	if (!known || ns->naddr >= ZONE_UPDC_NS_MAX)
		return;
	if (rr->type == DNS_T_A && rr->rdlen == 4) {
		ns->addr[ns->naddr].af = 4;
		memset(ns->addr[ns->naddr].addr, 0, 16);
		memcpy(ns->addr[ns->naddr++].addr, resp + rr->rdata, 4);
	} else if (rr->type == DNS_T_AAAA && rr->rdlen == 16) {
		ns->addr[ns->naddr].af = 6;
		memcpy(ns->addr[ns->naddr++].addr, resp + rr->rdata, 16);
	}
}

int zone_updc_ns_read(const uint8_t *resp, size_t len, const uint8_t *apex,
		      zone_updc_ns *ns)
{
	wire_rr_iter it;
	wire_rr rr;

	memset(ns, 0, sizeof(*ns));
	if (wire_rr_start(&it, resp, len) < 0)
		return 0;
	while (wire_rr_next(&it, &rr) > 0) {
		size_t pos = rr.rdata;

		if (rr.type != DNS_T_NS || !wire_name_equal(rr.owner, apex) ||
		    ns->nname >= ZONE_UPDC_NS_MAX ||
		    wire_name_read(resp, len, &pos, ns->name[ns->nname]) < 0)
			continue;
		wire_name_lower(ns->name[ns->nname], ns->name[ns->nname]);
		ns->nname++;
	}
	wire_rr_start(&it, resp, len);
	while (wire_rr_next(&it, &rr) > 0)
		zone_updc_glue(resp, &rr, ns);
	return ns->naddr;
}
