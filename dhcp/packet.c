/*
 * DHCPv4 packet codec: the fixed BOOTP header, options with pad and end,
 * option overload (52) into file and sname, repeated options concatenated
 * (RFC 3396), and the reply writer that never writes past its limit.
 */
#include <string.h>

#include "dhcp/dhcp_int.h"

static const uint8_t cookie[4] = { 99, 130, 83, 99 };

/* Segments of one option code, in packet order, linked by next. */
typedef struct seg {
	uint16_t off, len;
	int16_t next;
} seg;

typedef struct scan {
	seg segs[DHCP_RX_MAX / 2];
	int nseg;
	int16_t head[256], tail[256];
} scan;

/* Walk one option area; 0 ok, -1 when an option runs past the area. */
static int scan_area(scan *s, const uint8_t *pkt, size_t off, size_t end,
		     int main_area)
{
	while (off < end) {
		uint8_t code = pkt[off];
		size_t l;

		if (code == O_PAD) {
			off++;
			continue;
		}
		if (code == O_END)
			return 0;
		if (off + 2 > end)
			return -1;
		l = pkt[off + 1];
		if (off + 2 + l > end)
			return -1;
		/* 52 counts only in the options field (RFC 2132 9.3) */
		if ((code != O_OVERLOAD || main_area) &&
		    s->nseg < (int)(sizeof(s->segs) / sizeof(s->segs[0]))) {
			seg *g = &s->segs[s->nseg];

			g->off = (uint16_t)(off + 2);
			g->len = (uint16_t)l;
			g->next = -1;
			if (s->head[code] < 0)
				s->head[code] = (int16_t)s->nseg;
			else
				s->segs[s->tail[code]].next = (int16_t)s->nseg;
			s->tail[code] = (int16_t)s->nseg;
			s->nseg++;
		}
		off += 2 + l;
	}
	/* no end option: tolerated when the area ends exactly here */
	return 0;
}

/* Concatenate every code's segments into m->buf (never larger than the
 * packet, so it fits). */
static void gather(const scan *s, const uint8_t *pkt, dhcp_msg *m)
{
	size_t used = 0;

	for (int c = 1; c < 255; c++) {
		if (s->head[c] < 0)
			continue;
		m->has[c] = 1;
		m->off[c] = (uint16_t)used;
		for (int i = s->head[c]; i >= 0; i = s->segs[i].next) {
			memcpy(m->buf + used, pkt + s->segs[i].off,
			       s->segs[i].len);
			used += s->segs[i].len;
		}
		m->len[c] = (uint16_t)(used - m->off[c]);
	}
}

static void parse_header(const uint8_t *p, dhcp_msg *m)
{
	m->op = p[0];
	m->htype = p[1];
	m->hlen = p[2];
	m->hops = p[3];
	m->xid = dhcp_get32(p + 4);
	m->secs = (uint16_t)(p[8] << 8 | p[9]);
	m->flags = (uint16_t)(p[10] << 8 | p[11]);
	m->ciaddr = dhcp_get32(p + 12);
	m->yiaddr = dhcp_get32(p + 16);
	m->siaddr = dhcp_get32(p + 20);
	m->giaddr = dhcp_get32(p + 24);
	memcpy(m->chaddr, p + 28, 16);
}

int dhcp_msg_parse(const uint8_t *pkt, size_t len, dhcp_msg *m)
{
	scan s;		/* ~25 KB on the stack: reentrant, nothing zeroed
			   but head/tail */
	int ov = 0;

	if (len < DHCP_OPT_OFF || len > DHCP_RX_MAX ||
	    memcmp(pkt + DHCP_HDR_LEN, cookie, 4) != 0)
		return -1;
	parse_header(pkt, m);
	if (m->hlen > 16)
		return -1;
	memset(m->has, 0, sizeof(m->has));
	memset(s.head, 0xff, sizeof(s.head));
	memset(s.tail, 0xff, sizeof(s.tail));
	s.nseg = 0;
	if (scan_area(&s, pkt, DHCP_OPT_OFF, len, 1) < 0)
		return -1;
	if (s.head[O_OVERLOAD] >= 0) {
		const seg *g = &s.segs[s.head[O_OVERLOAD]];

		if (g->len != 1 || g->next >= 0 || pkt[g->off] < 1 ||
		    pkt[g->off] > 3)
			return -1;
		ov = pkt[g->off];
	}
	/* RFC 3396: options, then file, then sname */
	if ((ov & 1) && scan_area(&s, pkt, 108, 236, 0) < 0)
		return -1;
	if ((ov & 2) && scan_area(&s, pkt, 44, 108, 0) < 0)
		return -1;
	gather(&s, pkt, m);
	return 0;
}

uint32_t dhcp_msg_u32(const dhcp_msg *m, int code)
{
	if (!m->has[code] || m->len[code] != 4)
		return 0;
	return dhcp_get32(m->buf + m->off[code]);
}

int dhcp_msg_u8(const dhcp_msg *m, int code)
{
	if (!m->has[code] || m->len[code] != 1)
		return 0;
	return m->buf[m->off[code]];
}

/* ---- reply writer ---- */

void dhcp_w_header(dhcp_wbuf *w, const dhcp_msg *m, uint8_t *buf,
		   size_t max)
{
	w->p = buf;
	w->max = max;
	memset(buf, 0, DHCP_OPT_OFF);
	buf[0] = 2;	/* BOOTREPLY */
	buf[1] = m->htype;
	buf[2] = m->hlen;
	dhcp_put32(buf + 4, m->xid);
	buf[10] = (uint8_t)(m->flags >> 8);
	buf[11] = (uint8_t)m->flags;
	dhcp_put32(buf + 24, m->giaddr);
	memcpy(buf + 28, m->chaddr, 16);
	memcpy(buf + DHCP_HDR_LEN, cookie, 4);
	w->len = DHCP_OPT_OFF;
}

size_t dhcp_w_optsize(size_t len)
{
	size_t pieces = len ? (len + 254) / 255 : 1;

	return len + 2 * pieces;
}

int dhcp_w_opt(dhcp_wbuf *w, uint8_t code, const void *data, size_t len,
	       size_t reserve)
{
	const uint8_t *d = data;

	/* one byte always stays free for the end option */
	if (w->len + dhcp_w_optsize(len) + reserve + 1 > w->max)
		return -1;
	do {
		size_t n = len > 255 ? 255 : len;

		w->p[w->len++] = code;
		w->p[w->len++] = (uint8_t)n;
		if (n) {
			memcpy(w->p + w->len, d, n);
			d += n;
		}
		w->len += n;
		len -= n;
	} while (len);
	return 0;
}

/* End option, then pad to the 300-byte BOOTP minimum (RFC 1542). */
void dhcp_w_end(dhcp_wbuf *w)
{
	w->p[w->len++] = O_END;
	while (w->len < 300 && w->len < w->max)
		w->p[w->len++] = O_PAD;
}
