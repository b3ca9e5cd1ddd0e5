/*
 * libFuzzer target for the DHCP engine: the input is cut into up to 8
 * requests (raw packets, or option areas behind a valid header so the
 * state machine is reached) fed through dhcp_input of one server with a
 * moving clock; then the journal it produced, the snapshot and the raw
 * input go through dhcp_restore, and the input through the config
 * parsers.  Every reply must parse again and fit its buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp/dhcp.h"
#include "dhcp/dhcp_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fd_check(int cond)
{
	if (!cond)
		abort();
}

static dhcp_cfg fd_cfg(void)
{
	static dhcp_range r[2];
	static dhcp_host h[2];
	static dhcp_opt o[2];
	static int init;
	dhcp_cfg c = { 0 };

	if (!init) {
		dhcp_range_parse("192.168.1.100,192.168.1.110,1h", &r[0], 0, 0);
		dhcp_range_parse("10.5.0.10,10.5.0.12,255.255.255.0", &r[1],
				 0, 0);
		dhcp_host_parse("02:00:00:00:00:aa,192.168.1.50,printer",
				&h[0], 0, 0);
		dhcp_host_parse("id:01:02,ignore", &h[1], 0, 0);
		dhcp_option_parse("option:domain-search,a.lan,b.lan", &o[0],
				  0, 0);
		dhcp_option_parse("force:option:ntp-server,0.0.0.0", &o[1],
				  0, 0);
		init = 1;
	}
	c.ranges = r;
	c.nranges = 2;
	c.hosts = h;
	c.nhosts = 2;
	c.opts = o;
	c.nopts = 2;
	c.domain = "lan";
	c.lease_max = 8;
	c.dns_self = 1;
	c.rapid_commit = 1;
	return c;
}

/* A valid header (type from the first byte) in front of the options. */
static size_t fd_wrap(const uint8_t *p, size_t n, uint8_t *out)
{
	memset(out, 0, DHCP_OPT_OFF);
	out[0] = 1;
	out[1] = 1;
	out[2] = 6;
	out[33] = n ? (uint8_t)(p[0] & 7) : 0;	/* a few distinct MACs */
	out[32] = 2;
	if (n && (p[0] & 0x40))
		dhcp_put32(out + 24, 0x0a050001);	/* relayed */
	if (n && (p[0] & 0x20))
		dhcp_put32(out + 12, 0xc0a80164);	/* ciaddr */
	dhcp_put32(out + DHCP_HDR_LEN, 0x63825363);
	if (n > DHCP_RX_MAX - DHCP_OPT_OFF)
		n = DHCP_RX_MAX - DHCP_OPT_OFF;
	if (n > 1)
		memcpy(out + DHCP_OPT_OFF, p + 1, n - 1);
	return DHCP_OPT_OFF + (n ? n - 1 : 0);
}

static void fd_reply(const dhcp_tx *tx)
{
	static dhcp_msg m;

	fd_check(tx->len >= DHCP_OPT_OFF && tx->len <= DHCP_PKT_MAX);
	fd_check(dhcp_msg_parse(tx->buf, tx->len, &m) == 0);
	fd_check(m.has[53] && m.has[54]);
}

static size_t fd_journal(dhcp_ctx *d, uint8_t *j, size_t cap, size_t n)
{
	dhcp_event ev;

	while (dhcp_next_event(d, &ev)) {
		fd_check(ev.kind >= DHCP_EV_LEASE && ev.kind <= DHCP_EV_NAME_DEL);
		if (ev.kind != DHCP_EV_LEASE)
			fd_check(ev.name[0] && strlen(ev.name) <= DHCP_NAME_MAX);
		else if (cap - n > 256)
			n += dhcp_lease_encode(&ev.lease, j + n, cap - n);
	}
	return n;
}

static void fd_server(const uint8_t *data, size_t size)
{
	static uint8_t pkt[DHCP_RX_MAX], j[65536];
	static dhcp_tx tx;
	dhcp_cfg c = fd_cfg();
	dhcp_ctx *d = dhcp_new(&c, NULL, 0), *d2;
	uint64_t now = 1700000000000ULL;
	size_t jn = 0, sn, tn;
	uint8_t *snap;
	char *text;

	fd_check(d != NULL);
	for (int k = 0; k < 8 && size > 0; k++) {
		const uint8_t *sep = memmem(data, size, "\xde\xad", 2);
		size_t n = sep ? (size_t)(sep - data) : size;
		dhcp_rx rx = { .ifindex = 1, .if_addr = 0xc0a80101,
			       .if_mask = 0xffffff00, .src_port = 68 };

		if (n && (data[0] & 0x80)) {
			rx.pkt = data + 1;
			rx.len = n - 1;
		} else {
			rx.len = fd_wrap(data, n, pkt);
			rx.pkt = pkt;
		}
		now += n && (data[0] & 0x10) ? 3600000 : 1000;
		rx.now_ms = now;
		if (dhcp_input(d, &rx, &tx) == DHCP_SEND)
			fd_reply(&tx);
		jn = fd_journal(d, j, sizeof(j), jn);
		if (dhcp_next_timer(d) && dhcp_next_timer(d) <= now + 5000)
			dhcp_tick(d, now + 5000);
		data += sep ? n + 2 : n;
		size -= sep ? n + 2 : n;
	}
	fd_check(dhcp_leasefile_text(d, &text, &tn) == 0 &&
		 strlen(text) == tn);
	free(text);
	fd_check(dhcp_snapshot(d, &snap, &sn) == 0);
	d2 = dhcp_new(&c, NULL, 0);
	fd_check(dhcp_restore(d2, j, jn, now) >= 0);
	fd_check(dhcp_get_stats(d2)->leases <= c.lease_max + 1);
	dhcp_free(d2);
	d2 = dhcp_new(&c, NULL, 0);
	fd_check(dhcp_restore(d2, snap, sn, now) >= 0);
	fd_check(dhcp_get_stats(d2)->leases == dhcp_get_stats(d)->leases);
	free(snap);
	dhcp_free(d2);
	dhcp_free(d);
}

static void fd_config(const uint8_t *data, size_t size)
{
	char s[512], err[128], n[DHCP_NAME_MAX + 1];
	dhcp_opt o;
	dhcp_range r;
	dhcp_host h;

	if (size >= sizeof(s))
		size = sizeof(s) - 1;
	memcpy(s, data, size);
	s[size] = 0;
	if (dhcp_option_parse(s, &o, err, sizeof(err)) == 0)
		fd_check(o.len <= sizeof(o.data));
	dhcp_range_parse(s, &r, err, sizeof(err));
	if (dhcp_host_parse(s, &h, err, sizeof(err)) == 0)
		fd_check(strlen(h.name) <= DHCP_NAME_MAX &&
			 h.idlen <= DHCP_CLIENTID_MAX);
	dhcp_clean_name(s, size, n);
	fd_check(strlen(n) <= DHCP_NAME_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dhcp_cfg c = fd_cfg();
	dhcp_ctx *d;

	fd_server(data, size);
	d = dhcp_new(&c, NULL, 0);
	dhcp_restore(d, data, size, 1700000000000ULL);
	dhcp_free(d);
	fd_config(data, size);
	return 0;
}
