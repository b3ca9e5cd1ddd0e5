/*
 * Local policy, as dnsmasq users know it: names that must never reach
 * an upstream server are answered here, and upstream answers that point
 * into private address space are refused.
 *
 *   --domain-needed   A/AAAA/ANY for a one-label name: NXDOMAIN (dnsmasq
 *                     2.90 forwards other types of plain names, so that
 *                     "com NS" or "com DS" from a validating stub work).
 *   always            RFC 6761 6.3/6.4: localhost names get the loopback
 *                     address (other types NODATA), invalid names NXDOMAIN.
 *   --bogus-priv      the RFC 6303 locally served zones (plus RFC 7793's
 *                     100.64/10 reverse zones) and home.arpa (RFC 8375)
 *                     are served as empty zones: NXDOMAIN below the apex,
 *                     NODATA at it (SOA and NS queries get the zone's SOA
 *                     and NS), the RFC 6303 section 3 SOA in authority, AA.
 *                     Every query type, not only PTR (RFC 6303 section 3).
 *   --stop-dns-rebind upstream A/AAAA in the ranges dnsmasq refuses.
 *
 * A --server rule for a domain other than the root that covers the name
 * (--server=/168.192.in-addr.arpa/IP) turns the local answers off for it:
 * the user asked for those names to be forwarded.
 */
#include <string.h>

#include "resolver/res_int.h"

enum {
	MAX_LABELS = 128,
	POLICY_TTL = 10800,      /* RFC 6303 section 3 */
	P_NONE = 0, P_EMPTY, P_LOCALHOST, P_INVALID, P_PLAIN,
};

/* Labels of a wire name from the right: lab[0] is the TLD. */
static int labels_rev(const uint8_t *name, const uint8_t **lab)
{
	const uint8_t *fwd[MAX_LABELS];
	int n = 0;

	for (const uint8_t *p = name; *p && n < MAX_LABELS; p += 1 + *p)
		fwd[n++] = p;
	for (int i = 0; i < n; i++)
		lab[i] = fwd[n - 1 - i];
	return n;
}

static int lab_is(const uint8_t *lab, const char *s)
{
	size_t n = strlen(s);

	return lab[0] == n && memcmp(lab + 1, s, n) == 0;
}

/* A canonical decimal octet label ("0".."255", no leading zero). */
static int lab_octet(const uint8_t *lab)
{
	int v = 0;

	if (lab[0] < 1 || lab[0] > 3 || (lab[0] > 1 && lab[1] == '0'))
		return -1;
	for (int i = 1; i <= lab[0]; i++) {
		if (lab[i] < '0' || lab[i] > '9')
			return -1;
		v = v * 10 + (lab[i] - '0');
	}
	return v <= 255 ? v : -1;
}

/* Labels of the RFC 6303 in-addr.arpa zone containing the name (lab[2]
 * is the first octet), 0 if none. */
static int zone_v4(const uint8_t **lab, int n)
{
	int o[4] = { -1, -1, -1, -1 };

	for (int i = 0; i < 4 && 2 + i < n; i++)
		o[i] = lab_octet(lab[2 + i]);
	if (o[0] == 10 || o[0] == 0 || o[0] == 127)
		return 3;
	if ((o[0] == 172 && o[1] >= 16 && o[1] <= 31) ||
	    (o[0] == 192 && o[1] == 168) || (o[0] == 169 && o[1] == 254) ||
	    (o[0] == 100 && o[1] >= 64 && o[1] <= 127))
		return 4;
	if ((o[0] == 192 && o[1] == 0 && o[2] == 2) ||
	    (o[0] == 198 && o[1] == 51 && o[2] == 100) ||
	    (o[0] == 203 && o[1] == 0 && o[2] == 113))
		return 5;
	if (o[0] == 255 && o[1] == 255 && o[2] == 255 && o[3] == 255)
		return 6;
	return 0;
}

/* The nibble labels lab[2..] spell the prefix s ("fd", "20010db8"). */
static int nibbles(const uint8_t **lab, int n, const char *s)
{
	int k = (int)strlen(s);

	if (n < 2 + k)
		return 0;
	for (int i = 0; i < k; i++)
		if (lab[2 + i][0] != 1 || lab[2 + i][1] != (uint8_t)s[i])
			return 0;
	return 1;
}

static int zone_v6(const uint8_t **lab, int n)
{
	static const char zeros[] = "0000000000000000000000000000000";

	if (nibbles(lab, n, "fd"))
		return 4;
	if (nibbles(lab, n, "fe8") || nibbles(lab, n, "fe9") ||
	    nibbles(lab, n, "fea") || nibbles(lab, n, "feb"))
		return 5;
	if (nibbles(lab, n, "20010db8"))
		return 10;
	/* :: and ::1: 32 nibbles, the last one 0 or 1 */
	if (n >= 34 && nibbles(lab, n, zeros) &&
	    (lab_is(lab[33], "0") || lab_is(lab[33], "1")))
		return 34;
	return 0;
}

/* Which policy zone holds lname; *depth: labels of its apex. */
static int classify(const res_cfg *cfg, const uint8_t *lname, int *depth)
{
	const uint8_t *lab[MAX_LABELS];
	int n = labels_rev(lname, lab), d = 0;

	if (n == 0)
		return P_NONE;
	*depth = 1;
	if (lab_is(lab[0], "localhost"))
		return P_LOCALHOST;
	if (lab_is(lab[0], "invalid"))
		return P_INVALID;
	if (cfg->bogus_priv && lab_is(lab[0], "arpa") && n >= 2) {
		if (lab_is(lab[1], "home"))
			d = 2;
		else if (lab_is(lab[1], "in-addr"))
			d = zone_v4(lab, n);
		else if (lab_is(lab[1], "ip6"))
			d = zone_v6(lab, n);
		if (d && n >= d) {
			*depth = d;
			return P_EMPTY;
		}
	}
	if (cfg->domain_needed && n == 1)
		return P_PLAIN;
	return P_NONE;
}

/* A --server rule below the root covers lname: forward as configured. */
static int forwarded(const res_cfg *cfg, const uint8_t *lname)
{
	for (size_t i = 0; i < cfg->nforwards; i++)
		if (cfg->forwards[i].domain[0] &&
		    wire_name_is_sub(lname, cfg->forwards[i].domain))
			return 1;
	return 0;
}

/* The apex of the zone: the last depth labels of the name. */
static const uint8_t *apex_of(const uint8_t *name, int depth)
{
	int skip = wire_name_labels(name) - depth;

	while (skip-- > 0)
		name += 1 + *name;
	return name;
}

/* RFC 6303 section 3: SOA @ nobody.invalid. 1 3600 1200 604800 10800 */
static uint16_t soa_rdata(const uint8_t *apex, uint8_t *rd)
{
	static const uint8_t rname[] = "\6nobody\7invalid";
	static const uint32_t nums[5] = { 1, 3600, 1200, 604800, 10800 };
	size_t al = wire_name_len(apex), p;

	memcpy(rd, apex, al);
	memcpy(rd + al, rname, sizeof(rname));
	p = al + sizeof(rname);
	for (int i = 0; i < 5; i++, p += 4)
		wire_put32(rd + p, nums[i]);
	return (uint16_t)p;
}

typedef struct p_reply {
	wire_writer w;
	uint16_t an, ns;
} p_reply;

static int add_rr(p_reply *pr, int auth, const uint8_t *owner,
		  uint16_t type, const uint8_t *rd, uint16_t rdlen)
{
	if (wire_write_rr(&pr->w, owner, type, DNS_C_IN, POLICY_TTL, rd,
			  rdlen, NULL) < 0)
		return -1;
	if (auth)
		pr->ns++;
	else
		pr->an++;
	return 0;
}

/* Answer records for the query: 0 none (negative), 1 added, -1 space. */
static int answer_data(p_reply *pr, int kind, const wire_query *q,
		       const uint8_t *apex)
{
	static const uint8_t lo4[4] = { 127, 0, 0, 1 };
	static const uint8_t lo6[16] = { [15] = 1 };
	uint8_t rd[WIRE_MAXNAME + 40];
	int any = q->qtype == DNS_T_ANY, rc = 0;

	if (kind == P_LOCALHOST) {
		if ((q->qtype == DNS_T_A || any) &&
		    add_rr(pr, 0, q->qname, DNS_T_A, lo4, 4) < 0)
			return -1;
		if ((q->qtype == DNS_T_AAAA || any) &&
		    add_rr(pr, 0, q->qname, DNS_T_AAAA, lo6, 16) < 0)
			return -1;
		return q->qtype == DNS_T_A || q->qtype == DNS_T_AAAA || any;
	}
	if (kind != P_EMPTY || !wire_name_equal(q->lname, apex))
		return 0;
	if (q->qtype == DNS_T_SOA || any)
		rc |= add_rr(pr, 0, q->qname, DNS_T_SOA, rd,
			     soa_rdata(apex, rd)) < 0 ? -1 : 1;
	if (q->qtype == DNS_T_NS || any)
		rc |= add_rr(pr, 0, q->qname, DNS_T_NS, apex,
			     (uint16_t)wire_name_len(apex)) < 0 ? -1 : 1;
	return rc;
}

static int rcode_of(int kind, const wire_query *q, const uint8_t *apex)
{
	if (kind == P_PLAIN || kind == P_INVALID)
		return DNS_R_NXDOMAIN;
	if (kind == P_EMPTY && !wire_name_equal(q->lname, apex))
		return DNS_R_NXDOMAIN;
	return DNS_R_NOERROR;
}

static int write_header(p_reply *pr, const wire_query *q, int kind,
			int rcode)
{
	uint16_t flags = DNS_F_QR | DNS_F_RA | (uint16_t)rcode |
			 (q->flags & (DNS_F_RD | DNS_F_CD));
	int rc;

	if (kind != P_PLAIN)
		flags |= DNS_F_AA;     /* a locally served zone */
	rc = wire_write16(&pr->w, q->id);
	rc |= wire_write16(&pr->w, flags);
	rc |= wire_write16(&pr->w, 1);
	rc |= wire_write16(&pr->w, 0);
	rc |= wire_write16(&pr->w, 0);
	rc |= wire_write16(&pr->w, 0);
	rc |= wire_write_name(&pr->w, q->qname, 1);
	rc |= wire_write16(&pr->w, q->qtype);
	rc |= wire_write16(&pr->w, q->qclass);
	return rc ? -1 : 0;
}

static int build(const res_cfg *cfg, const wire_query *q, int kind,
		 const uint8_t *apex, uint8_t *resp, size_t cap,
		 size_t *resp_len)
{
	p_reply pr = { .an = 0 };
	uint8_t rd[WIRE_MAXNAME + 40];
	int rcode = rcode_of(kind, q, apex), data;

	wire_writer_init(&pr.w, resp, cap, cap < 512 ? cap : 512);
	if (write_header(&pr, q, kind, rcode) < 0)
		return 0;
	pr.w.limit -= q->has_edns ? 11 : 0;
	data = answer_data(&pr, kind, q, apex);
	if (data < 0)
		return 0;
	if (data == 0 && kind != P_PLAIN &&
	    add_rr(&pr, 1, apex, DNS_T_SOA, rd, soa_rdata(apex, rd)) < 0)
		return 0;
	pr.w.limit += q->has_edns ? 11 : 0;
	if (q->has_edns &&
	    wire_write_opt(&pr.w, cfg->edns_max ? cfg->edns_max : 1232, 0, 0,
			   q->edns_flags & EDNS_F_DO) < 0)
		return 0;
	wire_put16(resp + 6, pr.an);
	wire_put16(resp + 8, pr.ns);
	wire_put16(resp + 10, q->has_edns ? 1 : 0);
	*resp_len = pr.w.len;
	return 1;
}

/* --filterwin2k: SOA and SRV queries, and ANY for names with an
 * underscore (Windows' LDAP look-ups), never go upstream (dnsmasq). */
static int win2k(const res_cfg *cfg, const wire_query *q)
{
	if (!cfg->filterwin2k)
		return 0;
	if (q->qtype == DNS_T_SOA || q->qtype == DNS_T_SRV)
		return 1;
	return q->qtype == DNS_T_ANY &&
	       memchr(q->lname, '_', wire_name_len(q->lname)) != NULL;
}

/* --filter-A / --filter-AAAA: NODATA with EDE 17 (Filtered), as
 * dnsmasq answers once it has dropped the type from the reply;
 * --filterwin2k: NODATA without EDE, as dnsmasq. */
static int filtered(const res_cfg *cfg, const wire_query *q,
		    uint8_t *resp, size_t cap, size_t *resp_len)
{
	p_reply pr = { .an = 0 };
	uint8_t opt[6];
	int ede = (cfg->filter_a && q->qtype == DNS_T_A) ||
		  (cfg->filter_aaaa && q->qtype == DNS_T_AAAA);

	if (!ede && !win2k(cfg, q))
		return 0;
	wire_writer_init(&pr.w, resp, cap, cap);
	if (write_header(&pr, q, P_PLAIN, DNS_R_NOERROR) < 0)
		return 0;
	wire_put16(opt, 15);            /* EDE option (RFC 8914) */
	wire_put16(opt + 2, 2);
	wire_put16(opt + 4, EDE_FILTERED);
	if (q->has_edns &&
	    wire_write_opt_opts(&pr.w, cfg->edns_max ? cfg->edns_max : 1232,
				0, 0, q->edns_flags & EDNS_F_DO, opt,
				ede ? sizeof(opt) : 0) < 0)
		return 0;
	wire_put16(resp + 10, q->has_edns ? 1 : 0);
	*resp_len = pr.w.len;
	return 1;
}

int res_policy_answer(const res_cfg *cfg, const wire_query *q,
		      uint8_t *resp, size_t cap, size_t *resp_len)
{
	int depth = 0, kind = classify(cfg, q->lname, &depth);

	if (kind == P_NONE || forwarded(cfg, q->lname))
		return filtered(cfg, q, resp, cap, resp_len);
	if (kind == P_PLAIN && q->qtype != DNS_T_A &&
	    q->qtype != DNS_T_AAAA && q->qtype != DNS_T_ANY)
		return 0;
	/* DS for a zone apex belongs to the parent side: resolve it */
	if (kind == P_EMPTY && q->qtype == DNS_T_DS &&
	    wire_name_labels(q->lname) == depth)
		return 0;
	return build(cfg, q, kind, apex_of(q->qname, depth), resp, cap,
		     resp_len);
}

/* ---- --stop-dns-rebind ---- */

static int private4(const res_cfg *cfg, const uint8_t *a)
{
	if (a[0] == 127 || a[0] == 0)
		return !cfg->rebind_localhost_ok;
	return a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
	       (a[0] == 192 && a[1] == 168) || (a[0] == 169 && a[1] == 254) ||
	       (a[0] == 192 && a[1] == 0 && a[2] == 2) ||
	       (a[0] == 198 && a[1] == 51 && a[2] == 100) ||
	       (a[0] == 203 && a[1] == 0 && a[2] == 113) ||
	       (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255);
}

static int private6(const res_cfg *cfg, const uint8_t *a)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	static const uint8_t zero[15];

	if (memcmp(a, mapped, 12) == 0)
		return private4(cfg, a + 12);
	if (memcmp(a, zero, 15) == 0 && a[15] <= 1)
		return !cfg->rebind_localhost_ok;   /* :: and ::1 */
	return (a[0] & 0xfe) == 0xfc ||                    /* ULA fc00::/7 */
	       (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||  /* fe80::/10 */
	       (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0) ||  /* fec0::/10 */
	       (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d &&
		a[3] == 0xb8);                             /* 2001:db8::/32 */
}

int res_policy_private_addr(const res_cfg *cfg, uint16_t type,
			    const uint8_t *rd, uint16_t rdlen)
{
	if (type == DNS_T_A && rdlen == 4)
		return private4(cfg, rd);
	if (type == DNS_T_AAAA && rdlen == 16)
		return private6(cfg, rd);
	return 0;
}

int res_policy_rebind_ok(const res_cfg *cfg, const uint8_t *lname)
{
	const uint8_t *p = cfg->rebind_ok;
	size_t left = cfg->rebind_ok_len;

	while (p && left > 0) {
		size_t n = wire_name_len(p);

		if (n == 0 || n > left)
			break;
		if (wire_name_is_sub(lname, p))
			return 1;
		p += n;
		left -= n;
	}
	return 0;
}

/* ---- --bogus-nxdomain, --ignore-address ---- */

static int net_has(const res_net *n, int af, const uint8_t *a)
{
	unsigned full = n->prefix / 8u, rest = n->prefix % 8u;

	if (n->af != af || memcmp(n->addr, a, full) != 0)
		return 0;
	return !rest ||
	       ((n->addr[full] ^ a[full]) & (0xffu << (8 - rest))) == 0;
}

int res_policy_addr_in(const res_net *nets, size_t n, const res_msg *m)
{
	for (size_t i = 0; n && i < m->nrr; i++) {
		const msg_rr *rr = &m->rr[i];
		int af = rr->type == DNS_T_A && rr->rdlen == 4 ? 4 :
			 rr->type == DNS_T_AAAA && rr->rdlen == 16 ? 6 : 0;

		if (rr->sec != RR_SEC_AN || !af)
			continue;
		for (size_t j = 0; j < n; j++)
			if (net_has(&nets[j], af, m->buf + rr->rd))
				return 1;
	}
	return 0;
}

/* ---- --alias ---- */

static int alias_match(const res_alias *al, const uint8_t *a)
{
	if (al->range)
		return memcmp(a, al->lo, 4) >= 0 && memcmp(a, al->hi, 4) <= 0;
	for (int i = 0; i < 4; i++)
		if ((a[i] & al->mask[i]) != (al->lo[i] & al->mask[i]))
			return 0;
	return 1;
}

void res_policy_doctor(const res_cfg *cfg, res_msg *m)
{
	for (size_t i = 0; cfg->naliases && i < m->nrr; i++) {
		uint8_t *a = m->buf + m->rr[i].rd;

		if (m->rr[i].sec != RR_SEC_AN || m->rr[i].type != DNS_T_A ||
		    m->rr[i].rdlen != 4)
			continue;
		for (size_t j = 0; j < cfg->naliases; j++) {
			const res_alias *al = &cfg->aliases[j];

			if (!alias_match(al, a))
				continue;
			for (int k = 0; k < 4; k++)
				a[k] = (uint8_t)((a[k] & ~al->mask[k]) |
						 (al->to[k] & al->mask[k]));
			break;
		}
	}
}
