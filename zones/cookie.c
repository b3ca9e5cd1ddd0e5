/*
 * Server side of DNS cookies (RFC 7873) with RFC 9018 interoperable
 * server cookies (version 1: 1 byte version, 3 reserved, 4 byte
 * timestamp, 8 byte SipHash-2-4 over client cookie | version | reserved |
 * timestamp | client address), NSID (RFC 5001), and the EDNS helpers the
 * shell uses for resolver answers and rate-limited replies.
 */
#include <string.h>

#include "zones/zones.h"

enum {
	CK_SLEN = 16,          /* our server cookie */
	CK_PAST = 3600,        /* accepted age (RFC 9018 4.3) */
	CK_FUTURE = 300,       /* accepted clock skew into the future */
	CK_RENEW = 1800,       /* older than this: hand out a new one */
	CK_OPTLEN = 11,        /* an OPT RR without options */
};

int zone_cookie_parse(const uint8_t *p, size_t len, zone_cookie *c)
{
	if (len < 8 || (len > 8 && len < 16) || len > 40)
		return -1;
	memcpy(c->client, p, 8);
	c->slen = (uint8_t)(len - 8);
	memcpy(c->server, p + 8, c->slen);
	return 0;
}

/* The 8 hash bytes of a version 1 server cookie (RFC 9018 4.4). */
static void ck_hash(const uint8_t key[ZONE_COOKIE_SECRET],
		    const uint8_t client[8], const uint8_t head[8], int af,
		    const uint8_t *addr, uint8_t out[8])
{
	uint8_t m[8 + 8 + 16];
	size_t alen = af == 6 ? 16 : af == 4 ? 4 : 0;
	uint64_t h;

	memcpy(m, client, 8);
	memcpy(m + 8, head, 8);
	if (alen)
		memcpy(m + 16, addr, alen);
	h = zone_siphash24(key, m, 16 + alen);
	for (int i = 0; i < 8; i++)
		out[i] = (uint8_t)(h >> (8 * i));
}

/* Constant-time compare of 8 bytes (the hash is a MAC). */
static int ck_eq8(const uint8_t *a, const uint8_t *b)
{
	uint8_t d = 0;

	for (int i = 0; i < 8; i++)
		d |= (uint8_t)(a[i] ^ b[i]);
	return d == 0;
}

/* 2: valid with the current secret, 1: with the previous one, 0: not. */
static int ck_valid(const zone_edns_srv *s, const zone_cookie *c, int af,
		    const uint8_t *addr, uint32_t now)
{
	uint8_t h[8];
	int32_t age;

	if (c->slen != CK_SLEN || c->server[0] != 1 || c->server[1] ||
	    c->server[2] || c->server[3])
		return 0;
	age = (int32_t)(now - wire_get32(c->server + 4));
	if (age > CK_PAST || age < -CK_FUTURE)
		return 0;
	ck_hash(s->secret, c->client, c->server, af, addr, h);
	if (ck_eq8(h, c->server + 8))
		return 2;
	if (!s->has_prev)
		return 0;
	ck_hash(s->prev, c->client, c->server, af, addr, h);
	return ck_eq8(h, c->server + 8) ? 1 : 0;
}

static size_t ck_option(const zone_edns_srv *s, const zone_cookie *c,
			int valid, int af, const uint8_t *addr, uint32_t now,
			uint8_t *out)
{
	uint8_t *sc = out + 12;

	wire_put16(out, EDNS_O_COOKIE);
	wire_put16(out + 2, 8 + CK_SLEN);
	memcpy(out + 4, c->client, 8);
	if (valid == 2 &&
	    (int32_t)(now - wire_get32(c->server + 4)) < CK_RENEW) {
		memcpy(sc, c->server, CK_SLEN);
		return 4 + 8 + CK_SLEN;
	}
	sc[0] = 1;
	sc[1] = sc[2] = sc[3] = 0;
	wire_put32(sc + 4, now);
	ck_hash(s->secret, c->client, sc, af, addr, sc + 8);
	return 4 + 8 + CK_SLEN;
}

size_t zone_edns_opts(const zone_edns_srv *s, const uint8_t *msg,
		      const wire_query *q, int af, const uint8_t *addr,
		      uint32_t now, uint8_t *out, uint8_t *verdict)
{
	size_t n = 0;
	zone_cookie c;
	int v;

	*verdict = ZONE_COOKIE_NONE;
	if (!s || !q->has_edns)
		return 0;
	if (s->cookies && q->cookie_off &&
	    zone_cookie_parse(msg + q->cookie_off, q->cookie_len, &c) == 0) {
		v = c.slen ? ck_valid(s, &c, af, addr, now) : 0;
		*verdict = v ? ZONE_COOKIE_VALID : c.slen ? ZONE_COOKIE_BAD
							 : ZONE_COOKIE_CLIENT;
		n = ck_option(s, &c, v, af, addr, now, out);
	}
	if (q->nsid && s->nsid_len && s->nsid_len <= ZONE_NSID_MAX) {
		wire_put16(out + n, EDNS_O_NSID);
		wire_put16(out + n + 2, s->nsid_len);
		memcpy(out + n + 4, s->nsid, s->nsid_len);
		n += 4 + (size_t)s->nsid_len;
	}
	return n;
}

/* ------------------------------------------------------------------ */
/* Replies                                                             */
/* ------------------------------------------------------------------ */

/* Skip n RRs from *pos; the offset of the first OPT among them (or 0)
 * goes to *opt.  -1 on bad framing. */
static int ck_skip_rrs(const uint8_t *m, size_t len, size_t *pos,
		       unsigned n, size_t *opt)
{
	for (unsigned i = 0; i < n; i++) {
		size_t start;

		if (wire_name_read(m, len, pos, NULL) < 0 || *pos + 10 > len)
			return -1;
		start = *pos;
		*pos += 10 + (size_t)wire_get16(m + *pos + 8);
		if (*pos > len)
			return -1;
		if (opt && !*opt && wire_get16(m + start) == DNS_T_OPT)
			*opt = start;
	}
	return 0;
}

/* Offset just past the question(s), or 0. */
static size_t ck_question_end(const uint8_t *m, size_t len)
{
	size_t pos = WIRE_HDRLEN;
	unsigned qd = wire_get16(m + 4);

	for (unsigned i = 0; i < qd; i++) {
		if (wire_name_read(m, len, &pos, NULL) < 0 || pos + 4 > len)
			return 0;
		pos += 4;
	}
	return pos;
}

int zone_edns_append(uint8_t *msg, size_t *len, size_t limit,
		     const uint8_t *opts, size_t optlen)
{
	size_t pos, opt = 0, end;
	unsigned an, ar;

	if (*len < WIRE_HDRLEN || !(pos = ck_question_end(msg, *len)))
		return -1;
	an = (unsigned)wire_get16(msg + 6) + wire_get16(msg + 8);
	ar = wire_get16(msg + 10);
	if (ck_skip_rrs(msg, *len, &pos, an, NULL) < 0 ||
	    ck_skip_rrs(msg, *len, &pos, ar, &opt) < 0 || !opt)
		return -1;
	if (*len + optlen > limit ||
	    wire_get16(msg + opt + 8) + optlen > 0xffff)
		return -1;
	end = opt + 10 + wire_get16(msg + opt + 8);
	memmove(msg + end + optlen, msg + end, *len - end);
	memcpy(msg + end, opts, optlen);
	wire_put16(msg + opt + 8,
		   (uint16_t)(wire_get16(msg + opt + 8) + optlen));
	*len += optlen;
	return 0;
}

size_t zone_reply_short(uint8_t *resp, size_t len, size_t cap, int badcookie,
			int edns, uint16_t udp, const uint8_t *opts,
			size_t optlen)
{
	size_t qend;
	uint16_t flags;
	wire_writer w;

	if (len < WIRE_HDRLEN || len > cap || (badcookie && !edns) ||
	    !(qend = ck_question_end(resp, len)))
		return 0;
	flags = wire_get16(resp + 2) & (uint16_t)~(DNS_F_TC | DNS_F_AA | 0xf);
	if (badcookie)
		flags |= DNS_R_BADCOOKIE & 0xf;
	else
		flags |= DNS_F_TC | (wire_get16(resp + 2) & 0xf);
	wire_put16(resp + 2, flags);
	memset(resp + 6, 0, 6);
	if (!edns)
		return qend;
	wire_writer_init(&w, resp, cap, cap);
	w.len = qend;
	if (wire_write_opt_opts(&w, udp, badcookie ? DNS_R_BADCOOKIE >> 4 : 0,
				0, 0, opts, optlen) < 0)
		return 0;
	wire_put16(resp + 10, 1);
	return w.len;
}
