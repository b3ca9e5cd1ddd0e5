/*
 * Lease records for the shell's journal: magic, version, body length and
 * CRC-32C (Castagnoli) of the body, then the lease fields.  dhcp/ may not
 * include zones/ (DESIGN.md arrows), so it has its own small CRC.  Also
 * the lease table written out whole: the snapshot (records) and the
 * dnsmasq-format lease file text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp/dhcp_int.h"

enum { REC_MAGIC = 0xDC, REC_VERSION = 1, REC_HDR = 8 };

uint32_t dhcp_crc32c(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffff;

	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82f63b78 & (0u - (c & 1)));
	}
	return ~c;
}

static size_t body_len(const dhcp_lease *l)
{
	return 4 + 1 + 1 + l->hlen + 1 + l->idlen + 1 +
	       strnlen(l->name, DHCP_NAME_MAX) + 8;
}

size_t dhcp_lease_encode(const dhcp_lease *l, uint8_t *out, size_t cap)
{
	size_t n = body_len(l), o = REC_HDR, nl;
	uint8_t *b = out;

	if (l->hlen > 16 || l->idlen > DHCP_CLIENTID_MAX || REC_HDR + n > cap)
		return 0;
	nl = strnlen(l->name, DHCP_NAME_MAX);
	dhcp_put32(b + o, l->addr);
	o += 4;
	b[o++] = l->state;
	b[o++] = l->hlen;
	memcpy(b + o, l->chaddr, l->hlen);
	o += l->hlen;
	b[o++] = l->idlen;
	memcpy(b + o, l->client_id, l->idlen);
	o += l->idlen;
	b[o++] = (uint8_t)nl;
	memcpy(b + o, l->name, nl);
	o += nl;
	dhcp_put32(b + o, (uint32_t)(l->expire_ms >> 32));
	dhcp_put32(b + o + 4, (uint32_t)l->expire_ms);
	o += 8;
	b[0] = REC_MAGIC;
	b[1] = REC_VERSION;
	b[2] = (uint8_t)(n >> 8);
	b[3] = (uint8_t)n;
	dhcp_put32(b + 4, dhcp_crc32c(b + REC_HDR, n));
	return o;
}

/* Fields of a checked body; -1 if they do not add up. */
static int decode_body(const uint8_t *b, size_t n, dhcp_lease *l)
{
	size_t o = 0;

	memset(l, 0, sizeof(*l));
	if (n < 16)
		return -1;
	l->addr = dhcp_get32(b);
	l->state = b[4];
	l->hlen = b[5];
	o = 6;
	if (l->state > DHCP_L_DECLINED || l->hlen > 16 || o + l->hlen >= n)
		return -1;
	memcpy(l->chaddr, b + o, l->hlen);
	o += l->hlen;
	l->idlen = b[o++];
	if (l->idlen > DHCP_CLIENTID_MAX || o + l->idlen >= n)
		return -1;
	memcpy(l->client_id, b + o, l->idlen);
	o += l->idlen;
	size_t nl = b[o++];

	if (nl > DHCP_NAME_MAX || o + nl + 8 != n)
		return -1;
	memcpy(l->name, b + o, nl);
	l->name[nl] = 0;
	o += nl;
	l->expire_ms = (uint64_t)dhcp_get32(b + o) << 32 |
		       dhcp_get32(b + o + 4);
	return 0;
}

size_t dhcp_lease_decode(const uint8_t *p, size_t len, dhcp_lease *l)
{
	size_t n;

	if (len < REC_HDR || p[0] != REC_MAGIC || p[1] != REC_VERSION)
		return 0;
	n = (size_t)p[2] << 8 | p[3];
	if (REC_HDR + n > len || dhcp_crc32c(p + REC_HDR, n) !=
	    dhcp_get32(p + 4) || decode_body(p + REC_HDR, n, l) < 0)
		return 0;
	return REC_HDR + n;
}

/* An incomplete record that ends the buffer: what a crash in the middle
 * of an append leaves (a header prefix, or a header whose body runs past
 * the end). */
static int torn_tail(const uint8_t *p, size_t len)
{
	if (len < REC_HDR)
		return p[0] == REC_MAGIC && (len < 2 || p[1] == REC_VERSION);
	return p[0] == REC_MAGIC && p[1] == REC_VERSION &&
	       REC_HDR + ((size_t)p[2] << 8 | p[3]) > len;
}

/* The next offset after off where a record checks (len if none).  A
 * record whose header is intact but whose body is damaged is skipped
 * whole when a good record follows it, so a record framed inside a
 * damaged body (names and client ids are client data) is not taken. */
static size_t resync(const uint8_t *p, size_t len, size_t off)
{
	dhcp_lease l;
	size_t end;

	if (len - off >= REC_HDR && p[off] == REC_MAGIC &&
	    p[off + 1] == REC_VERSION) {
		end = off + REC_HDR + ((size_t)p[off + 2] << 8 | p[off + 3]);
		if (end < len && dhcp_lease_decode(p + end, len - end, &l))
			return end;
	}
	for (end = off + 1; end < len; end++)
		if (p[end] == REC_MAGIC &&
		    dhcp_lease_decode(p + end, len - end, &l))
			return end;
	return len;
}

/* About how many records a damaged stretch held: headers that frame a
 * record inside it, followed from one to the next (at least one). */
static size_t headers_in(const uint8_t *p, size_t n)
{
	size_t k = 0, i = 0, rl;

	while (i + REC_HDR <= n) {
		rl = REC_HDR + ((size_t)p[i + 2] << 8 | p[i + 3]);
		if (p[i] == REC_MAGIC && p[i + 1] == REC_VERSION && i + rl <= n) {
			k++;
			i += rl;
		} else {
			i++;
		}
	}
	return k ? k : 1;
}

static void note_damage(dhcp_jreport *r, const uint8_t *buf, size_t off,
			size_t n)
{
	r->damaged_recs += headers_in(buf + off, n);
	if (r->damaged < DHCP_JDMG_MAX) {
		r->dmg_off[r->damaged] = off;
		r->dmg_len[r->damaged] = n;
	}
	r->damaged++;
	r->damaged_bytes += n;
}

int dhcp_journal_scan(const uint8_t *buf, size_t len, dhcp_jreport *r,
		      void (*fn)(void *arg, const dhcp_lease *l), void *arg)
{
	size_t off = 0, n;
	dhcp_lease l;

	memset(r, 0, sizeof(*r));
	while (off < len) {
		if ((n = dhcp_lease_decode(buf + off, len - off, &l))) {
			fn(arg, &l);
			r->records++;
			off += n;
			continue;
		}
		n = resync(buf, len, off);
		if (n == len && torn_tail(buf + off, len - off)) {
			r->tail_off = off;
			r->tail_bytes = len - off;
			break;
		}
		note_damage(r, buf, off, n - off);
		off = n;
	}
	return r->damaged ? -1 : 0;
}

/* ---- the lease table written out whole ---- */

int dhcp_snapshot(const dhcp_ctx *d, uint8_t **out, size_t *len)
{
	size_t cap = 0, n = 0, rec = 8 + 4 + 3 + 16 + 1 + DHCP_CLIENTID_MAX +
				    1 + DHCP_NAME_MAX + 8;
	uint8_t *b;

	for (uint32_t i = 0; i < d->ne; i++)
		cap += d->e[i].used ? rec : 0;
	b = malloc(cap ? cap : 1);
	if (!b)
		return -1;
	for (uint32_t i = 0; i < d->ne; i++) {
		const dhcp_ent *e = &d->e[i];

		if (e->used && !e->probed &&
		    (e->st == E_ACTIVE || e->st == E_DECLINED ||
				(e->st == E_FREE && e->l.hlen)))
			n += dhcp_lease_encode(&e->l, b + n, cap - n);
	}
	*out = b;
	*len = n;
	return 0;
}

static size_t hexcolon(char *o, const uint8_t *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (i)
			o[k++] = ':';
		o[k++] = hx[p[i] >> 4];
		o[k++] = hx[p[i] & 15];
	}
	o[k] = 0;
	return k;
}

int dhcp_leasefile_text(const dhcp_ctx *d, char **out, size_t *len)
{
	size_t cap = 1, n = 0;
	char *t, mac[64], id[3 * DHCP_CLIENTID_MAX + 1];

	for (uint32_t i = 0; i < d->ne; i++)
		cap += d->e[i].used && d->e[i].st == E_ACTIVE ? 400 : 0;
	if (!(t = malloc(cap)))
		return -1;
	t[0] = 0;
	for (uint32_t i = 0; i < d->ne; i++) {
		const dhcp_lease *l = &d->e[i].l;
		uint32_t a = l->addr;

		if (!d->e[i].used || d->e[i].st != E_ACTIVE)
			continue;
		hexcolon(mac, l->chaddr, l->hlen);
		hexcolon(id, l->client_id, l->idlen);
		n += (size_t)snprintf(t + n, cap - n,
			"%llu %s %u.%u.%u.%u %s %s\n",
			l->expire_ms == UINT64_MAX ? 0ULL :
			(unsigned long long)(l->expire_ms / 1000),
			l->hlen ? mac : "00:00:00:00:00:00",
			a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255,
			l->name[0] ? l->name : "*", l->idlen ? id : "*");
	}
	*out = t;
	*len = n;
	return 0;
}
