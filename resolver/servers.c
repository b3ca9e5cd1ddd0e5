/*
 * Root hints, the upstream address filter and server selection state
 * (smoothed RTT per RFC 6298-style estimator, consecutive timeouts).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ldns/ldns.h>

#include "resolver/servers.h"

enum {
	SRV_MAX = 1024,          /* remembered servers (oldest evicted) */
	SRV_RTO_INIT = 800,      /* ms, unknown server */
	SRV_RTO_MIN = 120,
	SRV_RTO_MAX = 6000,
	SRV_UNKNOWN_SCORE = 300,
	SRV_TIMEOUT_PENALTY = 1000,
	SRV_PROBE_MIN = 250,     /* ms: backoff of a dead server's probes */
	SRV_PROBE_MAX = 8000,
	HINTS_MAX = 64,
};

struct res_servers {
	res_hint *hints;
	size_t nhints;
	res_srvinfo *info;
	size_t ninfo;
};

/* The IANA root servers (a..m.root-servers.net), published addresses. */
static const char builtin_hints[] =
	". NS a.root-servers.net.\n. NS b.root-servers.net.\n"
	". NS c.root-servers.net.\n. NS d.root-servers.net.\n"
	". NS e.root-servers.net.\n. NS f.root-servers.net.\n"
	". NS g.root-servers.net.\n. NS h.root-servers.net.\n"
	". NS i.root-servers.net.\n. NS j.root-servers.net.\n"
	". NS k.root-servers.net.\n. NS l.root-servers.net.\n"
	". NS m.root-servers.net.\n"
	"a.root-servers.net. A 198.41.0.4\n"
	"a.root-servers.net. AAAA 2001:503:ba3e::2:30\n"
	"b.root-servers.net. A 170.247.170.2\n"
	"b.root-servers.net. AAAA 2801:1b8:10::b\n"
	"c.root-servers.net. A 192.33.4.12\n"
	"c.root-servers.net. AAAA 2001:500:2::c\n"
	"d.root-servers.net. A 199.7.91.13\n"
	"d.root-servers.net. AAAA 2001:500:2d::d\n"
	"e.root-servers.net. A 192.203.230.10\n"
	"e.root-servers.net. AAAA 2001:500:a8::e\n"
	"f.root-servers.net. A 192.5.5.241\n"
	"f.root-servers.net. AAAA 2001:500:2f::f\n"
	"g.root-servers.net. A 192.112.36.4\n"
	"g.root-servers.net. AAAA 2001:500:12::d0d\n"
	"h.root-servers.net. A 198.97.190.53\n"
	"h.root-servers.net. AAAA 2001:500:1::53\n"
	"i.root-servers.net. A 192.36.148.17\n"
	"i.root-servers.net. AAAA 2001:7fe::53\n"
	"j.root-servers.net. A 192.58.128.30\n"
	"j.root-servers.net. AAAA 2001:503:c27::2:30\n"
	"k.root-servers.net. A 193.0.14.129\n"
	"k.root-servers.net. AAAA 2001:7fd::1\n"
	"l.root-servers.net. A 199.7.83.42\n"
	"l.root-servers.net. AAAA 2001:500:9f::42\n"
	"m.root-servers.net. A 202.12.27.33\n"
	"m.root-servers.net. AAAA 2001:dc3::35\n";

int res_addr_equal(const res_addr *a, const res_addr *b)
{
	size_t n = a->af == 4 ? 4 : 16;

	return a->af == b->af && a->port == b->port &&
	       memcmp(a->addr, b->addr, n) == 0;
}

int res_addr_parse(const char *s, res_addr *addr)
{
	memset(addr, 0, sizeof(*addr));
	addr->port = 53;
	if (inet_pton(AF_INET, s, addr->addr) == 1) {
		addr->af = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, addr->addr) == 1) {
		addr->af = 6;
		return 0;
	}
	return -1;
}

static int addr_is_loopback(const res_addr *a)
{
	static const uint8_t v6lo[16] = { [15] = 1 };
	static const uint8_t v4mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (a->af == 4)
		return a->addr[0] == 127;
	if (memcmp(a->addr, v6lo, 16) == 0)
		return 1;
	return memcmp(a->addr, v4mapped, 12) == 0 && a->addr[12] == 127;
}

static int addr_is_unspecified(const res_addr *a)
{
	static const uint8_t zero[16];

	return memcmp(a->addr, zero, a->af == 4 ? 4 : 16) == 0;
}

static int addr_is_own(const res_cfg *cfg, const res_addr *a)
{
	for (size_t i = 0; i < cfg->nown; i++) {
		const res_addr *o = &cfg->own_addrs[i];

		if (o->af == a->af &&
		    memcmp(o->addr, a->addr, a->af == 4 ? 4 : 16) == 0)
			return 1;
	}
	return 0;
}

int res_addr_allowed(const res_cfg *cfg, const res_addr *a)
{
	if (a->af != 4 && a->af != 6)
		return 0;
	if ((cfg->ipv4_only && a->af != 4) || (cfg->ipv6_only && a->af != 6))
		return 0;
	if (addr_is_unspecified(a))
		return 0;
	if (cfg->allow_loopback)
		return 1;
	return !addr_is_loopback(a) && !addr_is_own(cfg, a);
}

/* ---- root hints ---- */

typedef struct hint_parse {
	uint8_t ns[HINTS_MAX][WIRE_MAXNAME];
	size_t nns;
	res_hint addrs[HINTS_MAX * 2];
	size_t naddrs;
} hint_parse;

static int rdf_to_lname(const ldns_rdf *rdf, uint8_t out[WIRE_MAXNAME])
{
	if (!rdf || ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_DNAME ||
	    ldns_rdf_size(rdf) > WIRE_MAXNAME)
		return -1;
	wire_name_lower(out, ldns_rdf_data(rdf));
	return 0;
}

static int hint_add_addr(hint_parse *hp, const ldns_rr *rr, int af)
{
	const ldns_rdf *rd = ldns_rr_rdf(rr, 0);
	size_t n = af == 4 ? 4 : 16;
	res_hint *h;

	if (hp->naddrs >= HINTS_MAX * 2)
		return -1;
	if (!rd || ldns_rdf_size(rd) != n)
		return -1;
	h = &hp->addrs[hp->naddrs];
	memset(h, 0, sizeof(*h));
	if (rdf_to_lname(ldns_rr_owner(rr), h->name) < 0)
		return -1;
	h->addr.af = (uint8_t)af;
	h->addr.port = 53;
	memcpy(h->addr.addr, ldns_rdf_data(rd), n);
	hp->naddrs++;
	return 0;
}

static int hint_add_rr(hint_parse *hp, const ldns_rr *rr)
{
	switch (ldns_rr_get_type(rr)) {
	case LDNS_RR_TYPE_NS:
		if (ldns_dname_label_count(ldns_rr_owner(rr)) != 0)
			return 0;       /* only the root's NS set */
		if (hp->nns >= HINTS_MAX)
			return -1;
		return rdf_to_lname(ldns_rr_rdf(rr, 0), hp->ns[hp->nns++]);
	case LDNS_RR_TYPE_A:
		return hint_add_addr(hp, rr, 4);
	case LDNS_RR_TYPE_AAAA:
		return hint_add_addr(hp, rr, 6);
	default:
		return 0;
	}
}

static int hint_line(hint_parse *hp, char *line, int lineno, char *err,
		     size_t errlen)
{
	ldns_rr *rr = NULL;
	ldns_status st;
	char *p = line;
	int rc;

	while (isspace((unsigned char)*p))
		p++;
	if (*p == 0 || *p == ';' || *p == '#' || *p == '$')
		return 0;
	st = ldns_rr_new_frm_str(&rr, p, 3600, NULL, NULL);
	if (st != LDNS_STATUS_OK) {
		snprintf(err, errlen, "root hints line %d: %s", lineno,
			 ldns_get_errorstr_by_id(st));
		return -1;
	}
	rc = hint_add_rr(hp, rr);
	ldns_rr_free(rr);
	if (rc < 0)
		snprintf(err, errlen, "root hints line %d: bad or too many "
			 "records", lineno);
	return rc;
}

static int hint_parse_text(hint_parse *hp, const char *text, char *err,
			   size_t errlen)
{
	const char *s = text;
	int lineno = 0;

	while (*s) {
		const char *e = strchr(s, '\n');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		char line[1024];

		lineno++;
		if (n >= sizeof(line)) {
			snprintf(err, errlen, "root hints line %d: too long",
				 lineno);
			return -1;
		}
		memcpy(line, s, n);
		line[n] = 0;
		if (hint_line(hp, line, lineno, err, errlen) < 0)
			return -1;
		s += n + (e ? 1 : 0);
	}
	return 0;
}

static int hint_is_root_ns(const hint_parse *hp, const uint8_t *name)
{
	for (size_t i = 0; i < hp->nns; i++)
		if (wire_name_equal(hp->ns[i], name))
			return 1;
	return 0;
}

/* Keep the addresses of the root NS names, in file order. */
static int hints_keep(res_servers *s, const hint_parse *hp)
{
	s->hints = calloc(hp->naddrs ? hp->naddrs : 1, sizeof(res_hint));
	if (!s->hints)
		return -1;
	for (size_t i = 0; i < hp->naddrs; i++)
		if (hint_is_root_ns(hp, hp->addrs[i].name))
			s->hints[s->nhints++] = hp->addrs[i];
	return 0;
}

res_servers *res_srv_new(const char *hints_text, char *err, size_t errlen)
{
	res_servers *s = calloc(1, sizeof(*s));
	hint_parse *hp = calloc(1, sizeof(*hp));

	if (!s || !hp) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (hint_parse_text(hp, hints_text ? hints_text : builtin_hints,
			    err, errlen) < 0)
		goto fail;
	if (hints_keep(s, hp) < 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (s->nhints == 0) {
		snprintf(err, errlen, "root hints: no address for any "
			 "NS of \".\"");
		goto fail;
	}
	free(hp);
	return s;
fail:
	free(hp);
	res_srv_free(s);
	return NULL;
}

void res_srv_free(res_servers *s)
{
	if (!s)
		return;
	free(s->hints);
	free(s->info);
	free(s);
}

const res_hint *res_srv_hints(const res_servers *s, size_t *n)
{
	*n = s->nhints;
	return s->hints;
}

/* ---- per-server state ---- */

static res_srvinfo *srv_find(res_servers *s, const res_addr *addr)
{
	for (size_t i = 0; i < s->ninfo; i++)
		if (res_addr_equal(&s->info[i].addr, addr))
			return &s->info[i];
	return NULL;
}

/* A free record, else the least recently used one with nothing in
 * flight (its counts must stay right), else the least recently used. */
static res_srvinfo *srv_slot(res_servers *s)
{
	size_t old = 0;

	if (!s->info) {
		s->info = calloc(SRV_MAX, sizeof(*s->info));
		if (!s->info)
			return NULL;
	}
	if (s->ninfo < SRV_MAX)
		return &s->info[s->ninfo++];
	for (size_t i = 1; i < s->ninfo; i++) {
		const res_srvinfo *a = &s->info[i], *b = &s->info[old];

		if ((a->inflight == 0) != (b->inflight == 0) ?
		    a->inflight == 0 : a->last_used < b->last_used)
			old = i;
	}
	return &s->info[old];
}

res_srvinfo *res_srv_info(res_servers *s, const res_addr *addr,
			  uint64_t now_ms)
{
	res_srvinfo *i = srv_find(s, addr);

	if (!i) {
		i = srv_slot(s);
		if (!i)
			return NULL;
		memset(i, 0, sizeof(*i));
		i->addr = *addr;
	}
	i->last_used = now_ms;
	return i;
}

uint32_t res_srv_rto(res_servers *s, const res_addr *addr, uint64_t now_ms)
{
	res_srvinfo *i = res_srv_info(s, addr, now_ms);
	uint64_t rto;

	if (!i || i->srtt == 0)
		rto = SRV_RTO_INIT;
	else
		rto = (uint64_t)i->srtt + 4 * (uint64_t)i->rttvar;
	if (rto < SRV_RTO_MIN)
		rto = SRV_RTO_MIN;
	if (i)
		rto <<= (i->timeouts < 4 ? i->timeouts : 4);
	return rto > SRV_RTO_MAX ? SRV_RTO_MAX : (uint32_t)rto;
}

void res_srv_rtt(res_servers *s, const res_addr *addr, uint32_t rtt_ms,
		 uint64_t now_ms)
{
	res_srvinfo *i = res_srv_info(s, addr, now_ms);
	uint32_t d;

	if (!i)
		return;
	if (rtt_ms == 0)
		rtt_ms = 1;
	i->timeouts = 0;
	if (i->srtt == 0) {
		i->srtt = rtt_ms;
		i->rttvar = rtt_ms / 2;
		return;
	}
	d = rtt_ms > i->srtt ? rtt_ms - i->srtt : i->srtt - rtt_ms;
	i->rttvar = (3 * i->rttvar + d) / 4;
	i->srtt = (7 * i->srtt + rtt_ms) / 8;
	if (i->srtt == 0)
		i->srtt = 1;
}

void res_srv_timeout(res_servers *s, const res_addr *addr, uint64_t now_ms)
{
	res_srvinfo *i = res_srv_info(s, addr, now_ms);
	uint32_t k;

	if (!i)
		return;
	i->failed++;
	if (i->timeouts < 100)
		i->timeouts++;
	if (i->timeouts < RES_SRV_DEAD)
		return;
	k = i->timeouts - RES_SRV_DEAD;
	i->probe_at = now_ms + ((uint64_t)SRV_PROBE_MIN << (k < 5 ? k : 5));
	if (i->probe_at > now_ms + SRV_PROBE_MAX)
		i->probe_at = now_ms + SRV_PROBE_MAX;
}

res_admit res_srv_admit(res_servers *s, const res_addr *addr,
			uint32_t max_inflight, uint64_t now_ms)
{
	res_srvinfo *i = res_srv_info(s, addr, now_ms);

	if (!i)
		return RES_ADMIT_OK;
	if (i->timeouts >= RES_SRV_DEAD)
		return i->inflight == 0 && now_ms >= i->probe_at ?
		       RES_ADMIT_OK : RES_ADMIT_DEAD;
	if (max_inflight && i->inflight >= max_inflight)
		return RES_ADMIT_BUSY;
	return RES_ADMIT_OK;
}

void res_srv_sent(res_servers *s, const res_addr *addr, uint64_t now_ms)
{
	res_srvinfo *i = res_srv_info(s, addr, now_ms);

	if (i) {
		i->inflight++;
		i->sent++;
	}
}

const res_srvinfo *res_srv_peek(const res_servers *s, const res_addr *addr)
{
	for (size_t i = 0; i < s->ninfo; i++)
		if (res_addr_equal(&s->info[i].addr, addr))
			return &s->info[i];
	return NULL;
}

void res_srv_done(res_servers *s, const res_addr *addr)
{
	res_srvinfo *i = srv_find(s, addr);

	if (i && i->inflight > 0)
		i->inflight--;
}

uint32_t res_srv_score(res_servers *s, const res_addr *addr,
		       uint64_t now_ms)
{
	res_srvinfo *i = res_srv_info(s, addr, now_ms);
	uint32_t base;

	if (!i)
		return SRV_UNKNOWN_SCORE;
	base = i->srtt ? i->srtt : SRV_UNKNOWN_SCORE;
	return base + SRV_TIMEOUT_PENALTY * (i->timeouts < 10 ? i->timeouts : 10);
}
