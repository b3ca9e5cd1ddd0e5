/*
 * Building replies: mandatory options first, then what the client asked
 * for (parameter request list, option 55) or, without a list, our
 * defaults and every configured option, then forced ones; option 81, the
 * client identifier (RFC 6842) and relay information (RFC 3046, last and
 * unchanged).  Everything fits the client's maximum message size (57):
 * optional options that do not fit are left out, never cut.
 */
#include <stdio.h>
#include <string.h>

#include "dhcp/dhcp_int.h"

static const uint8_t managed[] = { 0, 50, 51, 52, 53, 54, 55, 57, 58, 59,
				   61, 80, 81, 82, 255 };

static int is_managed(int c)
{
	return memchr(managed, c, sizeof(managed)) != NULL;
}

/* Value of optional option c for this reply; -1 if none. */
static int opt_value(const dhcp_ctx *d, const dhcp_req *q, int c, uint8_t *buf,
		     size_t *len, int *forced)
{
	const dhcp_opt *o = NULL;

	*forced = 0;
	for (size_t i = 0; i < d->cfg.nopts; i++)
		if (d->opts[i].code == c)
			o = &d->opts[i];	/* the last one wins */
	if (o) {
		dhcp_otype t = dhcp_opt_type(c);

		*forced = o->force;
		*len = o->len;
		memcpy(buf, o->data, o->len);
		if (t == OT_ADDR || t == OT_ADDR1)	/* 0.0.0.0: us */
			for (size_t j = 0; j + 4 <= *len; j += 4)
				if (!dhcp_get32(buf + j))
					dhcp_put32(buf + j, q->rx->if_addr);
		return o->len ? 0 : -1;
	}
	*len = 4;
	switch (c) {
	case O_MASK: dhcp_put32(buf, q->lk.mask); return 0;
	case O_ROUTER:
		dhcp_put32(buf, q->lk.router);
		return q->lk.router ? 0 : -1;
	case O_DNS:
		dhcp_put32(buf, q->rx->if_addr);
		return d->cfg.dns_self ? 0 : -1;
	case O_BCAST: dhcp_put32(buf, q->lk.net | ~q->lk.mask); return 0;
	case O_DOMAIN:
		*len = strlen(d->domain);
		memcpy(buf, d->domain, *len);
		return *len ? 0 : -1;
	case O_HOSTNAME:
		*len = strlen(q->name);
		memcpy(buf, q->name, *len);
		return *len ? 0 : -1;
	}
	return -1;
}

static void add_optional(const dhcp_ctx *d, const dhcp_req *q, dhcp_wbuf *w,
			 size_t reserve)
{
	static const uint8_t dflt[] = { O_MASK, O_ROUTER, O_DNS, O_DOMAIN,
					O_BCAST, O_HOSTNAME };
	uint8_t seen[256] = { 0 }, val[1024];
	const dhcp_msg *m = q->m;
	size_t len;
	int forced;

	for (int pass = 0; pass < 3; pass++) {
		size_t n = pass == 0 ? (m->has[O_PRL] ? m->len[O_PRL]
					: sizeof(dflt)) : d->cfg.nopts;

		if (pass == 1 && m->has[O_PRL])
			continue;	/* pass 1: all configured, no PRL */
		for (size_t i = 0; i < n; i++) {
			int c = pass ? d->opts[i].code : m->has[O_PRL] ?
				m->buf[m->off[O_PRL] + i] : dflt[i];

			if (seen[c] || is_managed(c) ||
			    opt_value(d, q, c, val, &len, &forced) < 0 ||
			    (pass == 2 && !forced))
				continue;
			seen[c] = 1;
			dhcp_w_opt(w, (uint8_t)c, val, len, reserve);
		}
	}
}

/* Option 81 reply (RFC 4702 4). */
static void add_fqdn(const dhcp_ctx *d, const dhcp_req *q, dhcp_wbuf *w,
		     size_t reserve)
{
	const dhcp_msg *m = q->m;
	uint8_t v[3 + 2 * 64 + 256 + 2], cf;
	size_t n = 3;

	if (!m->has[O_FQDN] || m->len[O_FQDN] < 3)
		return;
	cf = m->buf[m->off[O_FQDN]];
	v[1] = v[2] = 255;
	if (!q->name[0]) {
		v[0] = 0x08 | (cf & 0x04);	/* N: we update nothing */
	} else {
		v[0] = 0x01 | (cf & 0x01 ? 0 : 0x02) | (cf & 0x04);
		if (cf & 0x04) {
			const char *s = d->domain;

			v[n++] = (uint8_t)strlen(q->name);
			memcpy(v + n, q->name, strlen(q->name));
			n += strlen(q->name);
			while (*s) {
				const char *dot = strchr(s, '.');
				size_t l = dot ? (size_t)(dot - s) : strlen(s);

				if (!l || l > 63 || n + l + 2 > sizeof(v))
					break;
				v[n++] = (uint8_t)l;
				memcpy(v + n, s, l);
				n += l;
				s += l + (dot ? 1 : 0);
			}
			v[n++] = 0;
		} else {
			n += (size_t)snprintf((char *)v + 3, sizeof(v) - 3,
					      "%s%s%s", q->name,
					      d->domain[0] ? "." : "",
					      d->domain);
		}
	}
	dhcp_w_opt(w, O_FQDN, v, n, reserve);
}

size_t dhcp_echo_size(const dhcp_msg *m)
{
	size_t n = 0;

	if (m->has[O_CLIENTID])
		n += dhcp_w_optsize(m->len[O_CLIENTID]);
	if (m->has[O_AGENT])
		n += dhcp_w_optsize(m->len[O_AGENT]);
	return n;
}

size_t dhcp_max_payload(const dhcp_msg *m)
{
	uint32_t mms = 0;

	if (m->has[O_MAXSIZE] && m->len[O_MAXSIZE] == 2)
		mms = (uint32_t)m->buf[m->off[O_MAXSIZE]] << 8 |
		      m->buf[m->off[O_MAXSIZE] + 1];
	if (mms < DHCP_MIN_MSG)
		mms = DHCP_MIN_MSG;
	mms -= DHCP_IPUDP;
	return mms > DHCP_PKT_MAX ? DHCP_PKT_MAX : mms;
}

void dhcp_reply_route(const dhcp_req *q, dhcp_tx *tx)
{
	const dhcp_msg *m = q->m;

	tx->ifindex = q->rx->ifindex;
	tx->src_addr = q->rx->if_addr;
	tx->dst_port = DHCP_CLIENT_PORT;
	tx->hlen = m->hlen;
	memcpy(tx->chaddr, m->chaddr, 16);
	if (m->giaddr) {
		tx->dst_addr = m->giaddr;
		tx->dst_port = DHCP_SERVER_PORT;
		if (q->type == DHCPNAK)	/* RFC 2131 4.3.2 */
			tx->buf[10] |= 0x80;
	} else if (q->type == DHCPNAK) {
		tx->dst_addr = 0xffffffff;
	} else if (m->ciaddr) {
		tx->dst_addr = m->ciaddr;
	} else if ((m->flags & 0x8000) || !q->addr || m->htype != 1 ||
		   !m->hlen) {
		tx->dst_addr = 0xffffffff;
	} else {
		tx->dst_addr = q->addr;
		tx->need_neigh = 1;
	}
}

/* T1 = 0.5, T2 = 0.875 of the lease (RFC 2131 4.4.5) unless configured
 * (--dhcp-option=option:T1,...) and shorter than the lease. */
static uint32_t timer_secs(const dhcp_ctx *d, int code, uint32_t lease,
			   uint32_t eighths)
{
	uint32_t t = lease == UINT32_MAX ? lease :
		     (uint32_t)((uint64_t)lease * eighths / 8);

	for (size_t i = 0; i < d->cfg.nopts; i++)
		if (d->opts[i].code == code && d->opts[i].len == 4 &&
		    dhcp_get32(d->opts[i].data) < lease)
			t = dhcp_get32(d->opts[i].data);
	return t;
}

void dhcp_reply_build(const dhcp_ctx *d, const dhcp_req *q, dhcp_tx *tx)
{
	const dhcp_msg *m = q->m;
	uint8_t t = (uint8_t)q->type, v[4];
	size_t reserve = 0;
	dhcp_wbuf w;

	dhcp_w_header(&w, m, tx->buf, dhcp_max_payload(m));
	if (q->type != DHCPNAK) {
		dhcp_put32(tx->buf + 16, q->addr);	/* yiaddr */
		if (q->type == DHCPACK)
			dhcp_put32(tx->buf + 12, m->ciaddr);
	}
	reserve = dhcp_echo_size(m) + (q->rapid ? 2 : 0);
	dhcp_w_opt(&w, O_MSGTYPE, &t, 1, reserve);
	dhcp_put32(v, q->rx->if_addr);
	dhcp_w_opt(&w, O_SERVERID, v, 4, reserve);
	if (q->type == DHCPNAK) {
		if (q->msg)
			dhcp_w_opt(&w, O_MESSAGE, q->msg, strlen(q->msg),
				   reserve);
	} else {
		if (q->addr) {
			uint32_t s = q->secs;

			dhcp_put32(v, s);
			dhcp_w_opt(&w, O_LEASE, v, 4, reserve);
			dhcp_put32(v, timer_secs(d, O_T1, s, 4));
			dhcp_w_opt(&w, O_T1, v, 4, reserve);
			dhcp_put32(v, timer_secs(d, O_T2, s, 7));
			dhcp_w_opt(&w, O_T2, v, 4, reserve);
		}
		add_optional(d, q, &w, reserve);
		if (q->addr)
			add_fqdn(d, q, &w, reserve);
	}
	if (q->rapid)
		dhcp_w_opt(&w, O_RAPID, NULL, 0, 0);
	if (m->has[O_CLIENTID])	/* RFC 6842 */
		dhcp_w_opt(&w, O_CLIENTID, m->buf + m->off[O_CLIENTID],
			   m->len[O_CLIENTID], 0);
	if (m->has[O_AGENT])	/* RFC 3046: last, unchanged */
		dhcp_w_opt(&w, O_AGENT, m->buf + m->off[O_AGENT],
			   m->len[O_AGENT], 0);
	dhcp_w_end(&w);
	tx->len = w.len;
}

