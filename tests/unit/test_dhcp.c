/*
 * Unit tests for the DHCPv4 engine (dhcp/): hand-built BOOTREQUESTs go
 * through dhcp_input with a fake clock; replies are checked field by
 * field (RFC 2131/2132 and friends), events and persistence records too,
 * and the dnsmasq-syntax configuration parsers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/t.h"
#include "dhcp/dhcp.h"
#include "dhcp/dhcp_int.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))
#define IFADDR IP(192, 168, 1, 1)
#define T0 1700000000000ULL

typedef struct pk {
	uint8_t b[DHCP_RX_MAX];
	size_t n;
} pk;

static const uint8_t MAC_A[6] = { 2, 0, 0, 0, 0, 0x0a };
static const uint8_t MAC_B[6] = { 2, 0, 0, 0, 0, 0x0b };
static const uint8_t MAC_C[6] = { 2, 0, 0, 0, 0, 0x0c };
static const uint8_t MAC_STATIC[6] = { 2, 0, 0, 0, 0, 0xaa };
static const uint8_t MAC_IGN[6] = { 2, 0, 0, 0, 0, 0xbb };

static void pk_init(pk *p, int type, const uint8_t *mac)
{
	memset(p, 0, sizeof(*p));
	p->b[0] = 1;
	p->b[1] = 1;
	p->b[2] = 6;
	dhcp_put32(p->b + 4, 0x11223344);
	memcpy(p->b + 28, mac, 6);
	dhcp_put32(p->b + 236, 0x63825363);
	p->n = 240;
	if (type) {
		p->b[p->n++] = 53;
		p->b[p->n++] = 1;
		p->b[p->n++] = (uint8_t)type;
	}
}

static void pk_opt(pk *p, int code, const void *d, size_t l)
{
	p->b[p->n++] = (uint8_t)code;
	p->b[p->n++] = (uint8_t)l;
	memcpy(p->b + p->n, d, l);
	p->n += l;
}

static void pk_ip(pk *p, int code, uint32_t a)
{
	uint8_t v[4];

	dhcp_put32(v, a);
	pk_opt(p, code, v, 4);
}

static void pk_end(pk *p)
{
	p->b[p->n++] = 255;
}

static dhcp_tx tx;
static dhcp_msg rm;	/* the last reply, parsed */
static uint64_t now = T0;

static dhcp_result send_on(dhcp_ctx *d, pk *p, uint32_t ifaddr, int bcast)
{
	dhcp_rx rx = { .pkt = p->b, .len = p->n, .ifindex = 3,
		       .if_addr = ifaddr, .if_mask = 0xffffff00,
		       .src_addr = 0, .src_port = 68, .to_broadcast =
		       (uint8_t)bcast, .now_ms = now };
	dhcp_result r;

	memset(&tx, 0xee, sizeof(tx));
	r = dhcp_input(d, &rx, &tx);
	memset(&rm, 0, sizeof(rm));
	if (r == DHCP_SEND && dhcp_msg_parse(tx.buf, tx.len, &rm) < 0)
		rm.op = 0xff;	/* our own reply did not parse */
	return r;
}

static dhcp_result send(dhcp_ctx *d, pk *p)
{
	pk_end(p);
	return send_on(d, p, IFADDR, 1);
}

static int rtype(void)
{
	return dhcp_msg_u8(&rm, 53);
}

static uint32_t yiaddr(void)
{
	return dhcp_get32(tx.buf + 16);
}

static dhcp_range ranges[3];
static dhcp_host hosts[3];
static dhcp_opt opts[4];

static dhcp_cfg base_cfg(void)
{
	dhcp_cfg c = { 0 };
	char err[128];

	dhcp_range_parse("192.168.1.100,192.168.1.199,12h", &ranges[0], err,
			 sizeof(err));
	dhcp_range_parse("10.5.0.10,10.5.0.20,255.255.255.0,1h", &ranges[1],
			 err, sizeof(err));
	dhcp_host_parse("02:00:00:00:00:aa,192.168.1.50,printer", &hosts[0],
			err, sizeof(err));
	dhcp_host_parse("02:00:00:00:00:bb,ignore", &hosts[1], err,
			sizeof(err));
	dhcp_host_parse("id:01:02:03,192.168.1.51,idhost", &hosts[2], err,
			sizeof(err));
	c.ranges = ranges;
	c.nranges = 2;
	c.hosts = hosts;
	c.nhosts = 3;
	c.domain = "lan";
	c.lease_max = 1000;
	c.dns_self = 1;
	return c;
}

static dhcp_ctx *mk(const dhcp_cfg *c)
{
	char err[128];

	now = T0;
	return dhcp_new(c, err, sizeof(err));
}

static int count_ev(dhcp_ctx *d, dhcp_ev_kind kind, dhcp_event *last)
{
	dhcp_event ev;
	int n = 0;

	while (dhcp_next_event(d, &ev))
		if (ev.kind == kind) {
			n++;
			if (last)
				*last = ev;
		}
	return n;
}

static void drain(dhcp_ctx *d)
{
	count_ev(d, DHCP_EV_NONE, NULL);
}

static const uint8_t PRL[] = { 1, 3, 6, 15, 28, 12 };

/* DISCOVER + REQUEST; returns the address. */
static uint32_t dora(dhcp_ctx *d, const uint8_t *mac, const char *name)
{
	pk p;
	uint32_t a;

	pk_init(&p, 1, mac);
	pk_opt(&p, 55, PRL, sizeof(PRL));
	if (name)
		pk_opt(&p, 12, name, strlen(name));
	if (send(d, &p) != DHCP_SEND || rtype() != 2)
		return 0;
	a = yiaddr();
	pk_init(&p, 3, mac);
	pk_ip(&p, 54, IFADDR);
	pk_ip(&p, 50, a);
	pk_opt(&p, 55, PRL, sizeof(PRL));
	if (name)
		pk_opt(&p, 12, name, strlen(name));
	if (send(d, &p) != DHCP_SEND || rtype() != 5)
		return 0;
	return a;
}

static void t_dora(void)
{
	dhcp_cfg c = base_cfg();
	dhcp_ctx *d = mk(&c);
	dhcp_event ev;
	pk p;
	uint32_t a;

	pk_init(&p, 1, MAC_A);
	pk_opt(&p, 55, PRL, sizeof(PRL));
	pk_opt(&p, 12, "laptop", 6);
	T_EQ(send(d, &p), DHCP_SEND);
	T_EQ(rtype(), 2);
	a = yiaddr();
	T_CHECK(a >= IP(192, 168, 1, 100) && a <= IP(192, 168, 1, 199));
	T_EQ(tx.buf[0], 2);
	T_EQ(dhcp_get32(tx.buf + 4), 0x11223344);
	T_EQ(dhcp_msg_u32(&rm, 54), IFADDR);
	T_EQ(dhcp_msg_u32(&rm, 51), 43200);
	T_EQ(dhcp_msg_u32(&rm, 58), 21600);
	T_EQ(dhcp_msg_u32(&rm, 59), 37800);
	T_EQ(dhcp_msg_u32(&rm, 1), 0xffffff00);
	T_EQ(dhcp_msg_u32(&rm, 3), IFADDR);
	T_EQ(dhcp_msg_u32(&rm, 6), IFADDR);
	T_EQ(dhcp_msg_u32(&rm, 28), IP(192, 168, 1, 255));
	T_CHECK(rm.has[15] && rm.len[15] == 3 &&
		!memcmp(rm.buf + rm.off[15], "lan", 3));
	T_CHECK(rm.has[12] && rm.len[12] == 6);
	T_EQ(tx.durable, 0);
	T_EQ(tx.need_neigh, 1);	/* no broadcast flag: unicast to yiaddr */
	T_EQ(tx.dst_addr, a);
	T_EQ(tx.dst_port, 68);
	T_EQ(tx.src_addr, IFADDR);
	T_EQ(tx.ifindex, 3);
	T_CHECK(!memcmp(tx.chaddr, MAC_A, 6));
	T_CHECK(tx.len >= 300);
	T_EQ(count_ev(d, DHCP_EV_LEASE, NULL), 0);	/* holds are not leases */

	pk_init(&p, 3, MAC_A);
	pk_ip(&p, 54, IFADDR);
	pk_ip(&p, 50, a);
	pk_opt(&p, 12, "laptop", 6);
	p.b[10] = 0x80;	/* broadcast flag */
	T_EQ(send(d, &p), DHCP_SEND);
	T_EQ(rtype(), 5);
	T_EQ(yiaddr(), a);
	T_EQ(tx.durable, 1);
	T_EQ(tx.dst_addr, 0xffffffff);
	T_EQ(tx.need_neigh, 0);
	T_EQ(dhcp_next_event(d, &ev), 1);
	T_EQ(ev.kind, DHCP_EV_NAME_ADD);
	T_CHECK(!strcmp(ev.name, "laptop"));
	T_EQ(ev.addr, a);
	T_EQ(ev.ttl, 3600);
	T_EQ(dhcp_next_event(d, &ev), 1);
	T_EQ(ev.kind, DHCP_EV_LEASE);
	T_EQ(ev.lease.state, DHCP_L_ACTIVE);
	T_EQ(ev.lease.addr, a);
	T_EQ(ev.lease.expire_ms, T0 + 43200000ULL);
	T_CHECK(!memcmp(ev.lease.chaddr, MAC_A, 6));
	T_EQ(dhcp_next_event(d, &ev), 0);
	T_EQ(dhcp_get_stats(d)->leases, 1);
	T_EQ(dhcp_get_stats(d)->offer, 1);
	T_EQ(dhcp_get_stats(d)->ack, 1);
	dhcp_free(d);
}

/* dnsmasq: the server offers itself as DNS server (option 6) only when
 * it serves DNS on port 53; with another --port (or 0: DNS off) a client
 * is given no DNS server unless --dhcp-option names one. */
static void t_dns_self_off(void)
{
	dhcp_cfg c = base_cfg();
	dhcp_ctx *d;
	pk p;

	c.dns_self = 0;
	d = mk(&c);
	pk_init(&p, 1, MAC_A);
	pk_opt(&p, 55, PRL, sizeof(PRL));
	T_EQ(send(d, &p), DHCP_SEND);
	T_EQ(rtype(), 2);
	T_CHECK(!rm.has[6]);
	T_EQ(dhcp_msg_u32(&rm, 3), IFADDR);
	dhcp_free(d);
}

static void t_in_flight(void)
{
	dhcp_cfg c = base_cfg();
	dhcp_ctx *d = mk(&c);
	pk p;
	uint32_t a, b;

	pk_init(&p, 1, MAC_A);
	send(d, &p);
	a = yiaddr();
	pk_init(&p, 1, MAC_B);
	pk_ip(&p, 50, a);	/* asks for A's offered address */
	send(d, &p);
	b = yiaddr();
	T_EQ(rtype(), 2);
	T_CHECK(a && b && a != b);
	/* A picks another server: its hold goes, B may have the address */
	pk_init(&p, 3, MAC_A);
	pk_ip(&p, 54, IP(192, 168, 1, 2));
	pk_ip(&p, 50, IP(192, 168, 1, 222));
	T_EQ(send(d, &p), DHCP_NONE);
	pk_init(&p, 1, MAC_C);
	pk_ip(&p, 50, a);
	send(d, &p);
	T_EQ(yiaddr(), a);
	/* a hold lapses after offer_hold_secs */
	now += 31000;
	pk_init(&p, 1, MAC_A);
	pk_ip(&p, 50, b);
	send(d, &p);
	T_EQ(yiaddr(), b);
	dhcp_free(d);
}

static void t_init_reboot(void)
{
	dhcp_cfg c = base_cfg();
	dhcp_ctx *d = mk(&c);
	uint32_t a = dora(d, MAC_A, NULL);
	pk p;

	pk_init(&p, 3, MAC_A);	/* INIT-REBOOT: ours */
	pk_ip(&p, 50, a);
	T_EQ(send(d, &p), DHCP_SEND);
	T_EQ(rtype(), 5);
	T_EQ(yiaddr(), a);
	pk_init(&p, 3, MAC_A);	/* wrong network */
	pk_ip(&p, 50, IP(10, 9, 9, 9));
	T_EQ(send(d, &p), DHCP_SEND);
	T_EQ(rtype(), 6);
	T_EQ(tx.dst_addr, 0xffffffff);
	T_EQ(tx.durable, 0);
	T_EQ(yiaddr(), 0);
	T_EQ(dhcp_msg_u32(&rm, 54), IFADDR);
	pk_init(&p, 3, MAC_B);	/* leased to another client */
	pk_ip(&p, 50, a);
	T_EQ(send(d, &p), DHCP_SEND);
	T_EQ(rtype(), 6);
	pk_init(&p, 3, MAC_B);	/* unknown, not authoritative: silent */
	pk_ip(&p, 50, IP(192, 168, 1, 150));
	T_EQ(send(d, &p), DHCP_NONE);
	pk_init(&p, 3, MAC_B);
	pk_ip(&p, 50, IP(192, 168, 1, 5));
	T_EQ(send(d, &p), DHCP_NONE);
	dhcp_free(d);

	c.authoritative = 1;
	d = mk(&c);
	pk_init(&p, 3, MAC_B);	/* outside the pool: NAK */
	pk_ip(&p, 50, IP(192, 168, 1, 5));
	T_EQ(send(d, &p), DHCP_SEND);
	T_EQ(rtype(), 6);
	pk_init(&p, 3, MAC_B);	/* free pool address: rebuilt (dnsmasq) */
	pk_ip(&p, 50, IP(192, 168, 1, 150));
	T_EQ(send(d, &p), DHCP_SEND);
	T_EQ(rtype(), 5);
	T_EQ(yiaddr(), IP(192, 168, 1, 150));
	T_EQ(tx.durable, 1);
	dhcp_free(d);
}

static void t_renew_rebind(void)
{
	dhcp_cfg c = base_cfg();
	dhcp_ctx *d = mk(&c);
	uint32_t a = dora(d, MAC_A, "host1"), b = dora(d, MAC_B, NULL);
	dhcp_event ev;
	pk p;

	drain(d);
	now += 3600 * 1000;
	pk_init(&p, 3, MAC_A);	/* RENEWING: unicast, ciaddr */
	dhcp_put32(p.b + 12, a);
	pk_end(&p);
	T_EQ(send_on(d, &p, IFADDR, 0), DHCP_SEND);
	T_EQ(rtype(), 5);
	T_EQ(yiaddr(), a);
	T_EQ(dhcp_get32(tx.buf + 12), a);
	T_EQ(tx.dst_addr, a);
	T_EQ(tx.dst_port, 68);
	T_EQ(tx.need_neigh, 0);
	T_EQ(tx.durable, 1);
	T_EQ(count_ev(d, DHCP_EV_NAME_ADD, NULL), 0);	/* same name */
	pk_init(&p, 3, MAC_A);	/* REBINDING: broadcast, ciaddr */
	dhcp_put32(p.b + 12, a);
	now += 1000;
	T_EQ(send(d, &p), DHCP_SEND);
	T_EQ(rtype(), 5);
	T_EQ(count_ev(d, DHCP_EV_LEASE, &ev), 1);
	T_EQ(ev.lease.expire_ms, now + 43200000ULL);
	/* renewing an address that is B's: NAK */
	pk_init(&p, 3, MAC_C);
	dhcp_put32(p.b + 12, b);
	T_EQ(send(d, &p), DHCP_SEND);
	T_EQ(rtype(), 6);
	/* renewing an address we have no record of: silent ... */
	pk_init(&p, 3, MAC_C);
	dhcp_put32(p.b + 12, IP(192, 168, 7, 7));
	T_EQ(send(d, &p), DHCP_NONE);
	dhcp_free(d);
	/* ... unless authoritative */
	c.authoritative = 1;
	d = mk(&c);
	pk_init(&p, 3, MAC_C);
	dhcp_put32(p.b + 12, IP(192, 168, 7, 7));
	T_EQ(send(d, &p), DHCP_SEND);
	T_EQ(rtype(), 6);
	dhcp_free(d);
}

static void t_decline_release(void)
{
	dhcp_cfg c = base_cfg();
	dhcp_ctx *d = mk(&c);
	uint32_t a = dora(d, MAC_A, "dup");
	dhcp_event ev;
	pk p;

	drain(d);
	pk_init(&p, 4, MAC_A);
	pk_ip(&p, 50, a);
	pk_ip(&p, 54, IFADDR);
	T_EQ(send(d, &p), DHCP_NONE);
	T_EQ(count_ev(d, DHCP_EV_NAME_DEL, NULL), 1);
	pk_init(&p, 4, MAC_A);
	pk_ip(&p, 50, a);
	pk_ip(&p, 54, IFADDR);
	T_EQ(send(d, &p), DHCP_NONE);	/* already declined: nothing */
	T_EQ(dhcp_next_event(d, &ev), 0);
	T_EQ(dhcp_get_stats(d)->leases, 0);
	dhcp_free(d);

	d = mk(&c);
	a = dora(d, MAC_A, "dup");
	drain(d);
	pk_init(&p, 4, MAC_A);
	pk_ip(&p, 50, a);
	pk_ip(&p, 54, IFADDR);
	send(d, &p);
	{
		dhcp_event e1, e2;

		T_EQ(dhcp_next_event(d, &e1), 1);
		T_EQ(dhcp_next_event(d, &e2), 1);
		T_EQ(e1.kind, DHCP_EV_NAME_DEL);
		T_EQ(e1.addr, a);
		T_EQ(e2.kind, DHCP_EV_LEASE);
		T_EQ(e2.lease.state, DHCP_L_DECLINED);
		T_EQ(e2.lease.expire_ms, now + 600000ULL);
	}
	pk_init(&p, 1, MAC_B);	/* quarantined: not offered */
	pk_ip(&p, 50, a);
	send(d, &p);
	T_CHECK(yiaddr() != a);
	pk_init(&p, 1, MAC_A);	/* not even to the decliner */
	send(d, &p);
	T_CHECK(yiaddr() != a);
	T_EQ(dhcp_next_timer(d), now + 30000);
	now += 601000;
	dhcp_tick(d, now);
	pk_init(&p, 1, MAC_C);
	pk_ip(&p, 50, a);
	send(d, &p);
	T_EQ(yiaddr(), a);
	dhcp_free(d);

	/* RELEASE frees, and the client gets the same address back */
	d = mk(&c);
	a = dora(d, MAC_A, "rel");
	drain(d);
	pk_init(&p, 7, MAC_A);
	dhcp_put32(p.b + 12, a);
	pk_ip(&p, 54, IFADDR);
	T_EQ(send(d, &p), DHCP_NONE);
	T_EQ(dhcp_next_event(d, &ev), 1);
	T_EQ(ev.kind, DHCP_EV_NAME_DEL);
	T_CHECK(!strcmp(ev.name, "rel"));
	T_EQ(dhcp_next_event(d, &ev), 1);
	T_EQ(ev.kind, DHCP_EV_LEASE);
	T_EQ(ev.lease.state, DHCP_L_FREE);
	T_EQ(dhcp_get_stats(d)->leases, 0);
	T_EQ(dhcp_get_stats(d)->release, 1);
	T_EQ(dora(d, MAC_A, NULL), a);
	dhcp_free(d);
}

static void t_inform(void)
{
	dhcp_cfg c = base_cfg();
	dhcp_ctx *d = mk(&c);
	pk p;

	pk_init(&p, 8, MAC_A);
	dhcp_put32(p.b + 12, IP(192, 168, 1, 77));
	pk_opt(&p, 55, PRL, sizeof(PRL));
	T_EQ(send(d, &p), DHCP_SEND);
	T_EQ(rtype(), 5);
	T_EQ(yiaddr(), 0);
	T_EQ(dhcp_get32(tx.buf + 12), IP(192, 168, 1, 77));
	T_CHECK(!rm.has[51] && !rm.has[58] && !rm.has[59]);
	T_EQ(dhcp_msg_u32(&rm, 6), IFADDR);
	T_EQ(tx.dst_addr, IP(192, 168, 1, 77));
	T_EQ(tx.durable, 0);
	T_EQ(count_ev(d, DHCP_EV_LEASE, NULL), 0);
	T_EQ(dhcp_get_stats(d)->leases, 0);
	dhcp_free(d);
}

static void t_rapid(void)
{
	dhcp_cfg c = base_cfg();
	dhcp_ctx *d = mk(&c);
	pk p;

	pk_init(&p, 1, MAC_A);
	pk_opt(&p, 80, "", 0);
	send(d, &p);
	T_EQ(rtype(), 2);	/* not enabled: OFFER */
	T_CHECK(!rm.has[80]);
	dhcp_free(d);
	c.rapid_commit = 1;
	d = mk(&c);
	pk_init(&p, 1, MAC_A);
	pk_opt(&p, 80, "", 0);
	send(d, &p);
	T_EQ(rtype(), 5);
	T_CHECK(rm.has[80] && rm.len[80] == 0);
	T_EQ(tx.durable, 1);
	T_EQ(count_ev(d, DHCP_EV_LEASE, NULL), 1);
	pk_init(&p, 1, MAC_B);	/* without 80: the normal way */
	send(d, &p);
	T_EQ(rtype(), 2);
	dhcp_free(d);
}

static void t_relay(void)
{
	dhcp_cfg c = base_cfg();
	dhcp_ctx *d = mk(&c);
	const uint8_t o82[] = { 1, 4, 'e', 't', 'h', '0', 2, 3, 9, 8, 7 };
	uint8_t last;
	pk p;

	pk_init(&p, 1, MAC_A);
	dhcp_put32(p.b + 24, IP(10, 5, 0, 1));
	p.b[3] = 1;
	pk_opt(&p, 55, PRL, sizeof(PRL));
	pk_opt(&p, 82, o82, sizeof(o82));
	T_EQ(send(d, &p), DHCP_SEND);
	T_EQ(rtype(), 2);
	T_CHECK(yiaddr() >= IP(10, 5, 0, 10) && yiaddr() <= IP(10, 5, 0, 20));
	T_EQ(tx.dst_addr, IP(10, 5, 0, 1));
	T_EQ(tx.dst_port, 67);
	T_EQ(dhcp_get32(tx.buf + 24), IP(10, 5, 0, 1));
	T_EQ(dhcp_msg_u32(&rm, 54), IFADDR);
	T_EQ(dhcp_msg_u32(&rm, 3), IP(10, 5, 0, 1));
	T_EQ(dhcp_msg_u32(&rm, 51), 3600);
	T_CHECK(rm.has[82] && rm.len[82] == sizeof(o82) &&
		!memcmp(rm.buf + rm.off[82], o82, sizeof(o82)));
	/* 82 is the last option before end */
	{
		size_t i = 240, at = 0;

		while (i < tx.len && tx.buf[i] != 255) {
			if (tx.buf[i] == 0) {
				i++;
				continue;
			}
			at = i;
			i += 2u + tx.buf[i + 1];
		}
		last = tx.buf[at];
	}
	T_EQ(last, 82);
	/* a relayed NAK goes to the relay with the broadcast bit */
	pk_init(&p, 3, MAC_A);
	dhcp_put32(p.b + 24, IP(10, 5, 0, 1));
	pk_ip(&p, 50, IP(192, 168, 1, 120));
	T_EQ(send(d, &p), DHCP_SEND);
	T_EQ(rtype(), 6);
	T_EQ(tx.dst_addr, IP(10, 5, 0, 1));
	T_EQ(tx.dst_port, 67);
	T_CHECK(tx.buf[10] & 0x80);
	/* the relayed client renews by unicast straight to us (giaddr 0,
	 * ciaddr on the remote subnet): ACK, even when authoritative */
	{
		uint32_t ra;

		pk_init(&p, 3, MAC_B);
		dhcp_put32(p.b + 24, IP(10, 5, 0, 1));
		pk_ip(&p, 54, IFADDR);
		pk_ip(&p, 50, IP(10, 5, 0, 15));
		T_EQ(send(d, &p), DHCP_SEND);
		T_EQ(rtype(), 5);
		ra = yiaddr();
		T_EQ(ra, IP(10, 5, 0, 15));
		d->cfg.authoritative = 1;
		pk_init(&p, 3, MAC_B);
		dhcp_put32(p.b + 12, ra);
		pk_opt(&p, 55, PRL, sizeof(PRL));
		pk_end(&p);
		T_EQ(send_on(d, &p, IFADDR, 0), DHCP_SEND);
		T_EQ(rtype(), 5);
		T_EQ(tx.dst_addr, ra);
		T_EQ(tx.dst_port, 68);
		T_EQ(dhcp_msg_u32(&rm, 1), 0xffffff00);
		T_CHECK(!rm.has[3]);	/* no router known there */
		d->cfg.authoritative = 0;
	}
	/* 61 + 82 too big to echo in 576 bytes: dropped, not cut */
	{
		uint8_t big[255] = { 1, 253 };

		pk_init(&p, 1, MAC_A);
		pk_opt(&p, 82, big, sizeof(big));
		pk_opt(&p, 82, big, sizeof(big));
		T_EQ(send(d, &p), DHCP_BAD);
	}
	/* a relay for a subnet we have no range for: ignored */
	pk_init(&p, 1, MAC_A);
	dhcp_put32(p.b + 24, IP(172, 16, 0, 1));
	T_EQ(send(d, &p), DHCP_NONE);
	dhcp_free(d);
}

static void t_malformed(void)
{
	dhcp_cfg c = base_cfg();
	dhcp_ctx *d = mk(&c);
	const uint8_t prl1[] = { 1, 3 }, prl2[] = { 6 };
	pk p;

	/* overload 3: hostname in file, PRL split over options and sname */
	pk_init(&p, 1, MAC_A);
	pk_opt(&p, 52, "\x03", 1);
	pk_opt(&p, 55, prl1, 2);
	memcpy(p.b + 108, "\x0c\x03" "abc\xff", 6);
	memcpy(p.b + 44, "\x37\x01\x06\xff", 4);
	(void)prl2;
	T_EQ(send(d, &p), DHCP_SEND);
	T_EQ(rtype(), 2);
	T_CHECK(rm.has[1] && rm.has[3] && rm.has[6] && !rm.has[28]);
	/* bad ones, each counted */
	pk_init(&p, 1, MAC_A);
	pk_opt(&p, 52, "\x04", 1);
	T_EQ(send(d, &p), DHCP_BAD);
	pk_init(&p, 1, MAC_A);
	pk_opt(&p, 52, "\x01", 1);
	memcpy(p.b + 108, "\x0c\x7f" "abc", 5);	/* runs past file */
	T_EQ(send(d, &p), DHCP_BAD);
	pk_init(&p, 1, MAC_A);
	p.b[p.n++] = 12;
	p.b[p.n++] = 200;	/* past the end */
	p.b[p.n++] = 'x';
	T_EQ(send_on(d, &p, IFADDR, 1), DHCP_BAD);
	pk_init(&p, 1, MAC_A);
	p.b[236] = 0;	/* no cookie */
	T_EQ(send(d, &p), DHCP_BAD);
	pk_init(&p, 1, MAC_A);
	p.n = 200;
	T_EQ(send_on(d, &p, IFADDR, 1), DHCP_BAD);
	pk_init(&p, 1, MAC_A);
	p.b[2] = 17;	/* hlen */
	T_EQ(send(d, &p), DHCP_BAD);
	pk_init(&p, 1, MAC_A);
	p.b[0] = 2;	/* a BOOTREPLY */
	T_EQ(send(d, &p), DHCP_BAD);
	T_EQ(dhcp_get_stats(d)->bad, 7);
	pk_init(&p, 0, MAC_A);	/* BOOTP: no 53, ignored */
	T_EQ(send(d, &p), DHCP_NONE);
	dhcp_free(d);
}

static void t_maxsize_prl(void)
{
	dhcp_cfg c = base_cfg();
	dhcp_ctx *d;
	char spec[2048] = "option:domain-search", err[128];
	const uint8_t prl[] = { 1, 119, 3 }, o82[200] = { 1, 198 };
	uint8_t mms[2] = { 0x05, 0xdc };
	pk p;

	for (int i = 0; i < 25; i++)
		strcat(spec, ",longlonglonglonglabel.example");
	T_EQ(dhcp_option_parse(spec, &opts[0], err, sizeof(err)), 0);
	T_CHECK(opts[0].len > 600);
	T_EQ(dhcp_option_parse("force:option:ntp-server,192.168.1.9",
			       &opts[1], err, sizeof(err)), 0);
	T_EQ(dhcp_option_parse("option:mtu,1400", &opts[2], err,
			       sizeof(err)), 0);
	c.opts = opts;
	c.nopts = 3;
	d = mk(&c);
	pk_init(&p, 1, MAC_A);	/* default 576: 119 does not fit */
	pk_opt(&p, 55, prl, sizeof(prl));
	pk_opt(&p, 61, "\x01\x02\x00\x00\x00\x00\x0a", 7);
	pk_opt(&p, 82, o82, sizeof(o82));
	T_EQ(send(d, &p), DHCP_SEND);
	T_CHECK(tx.len <= 548);
	T_EQ(rtype(), 2);
	T_CHECK(rm.has[1] && rm.has[3] && rm.has[51] && rm.has[54]);
	T_CHECK(!rm.has[119]);
	T_CHECK(rm.has[61] && rm.len[61] == 7);
	T_CHECK(rm.has[82] && rm.len[82] == 200);
	T_CHECK(rm.has[42]);	/* forced */
	T_CHECK(!rm.has[26] && !rm.has[6] && !rm.has[15]);	/* not asked */
	pk_init(&p, 1, MAC_A);	/* 1500: it fits, split in pieces */
	pk_opt(&p, 55, prl, sizeof(prl));
	pk_opt(&p, 57, mms, 2);
	T_EQ(send(d, &p), DHCP_SEND);
	T_CHECK(tx.len <= 1472);
	T_CHECK(rm.has[119] && rm.len[119] == opts[0].len &&
		!memcmp(rm.buf + rm.off[119], opts[0].data, opts[0].len));
	/* no PRL: defaults and every configured option */
	pk_init(&p, 1, MAC_B);
	pk_opt(&p, 57, mms, 2);
	send(d, &p);
	T_CHECK(rm.has[1] && rm.has[3] && rm.has[6] && rm.has[15] &&
		rm.has[28] && rm.has[26] && rm.has[42] && rm.has[119]);
	T_EQ(rm.len[26], 2);
	dhcp_free(d);
}

static void t_static(void)
{
	dhcp_cfg c = base_cfg();
	dhcp_ctx *d = mk(&c);
	dhcp_event ev;
	pk p;

	T_EQ(dora(d, MAC_STATIC, "other"), IP(192, 168, 1, 50));
	T_CHECK(rm.has[12] && rm.len[12] == 7 &&
		!memcmp(rm.buf + rm.off[12], "printer", 7));
	T_EQ(count_ev(d, DHCP_EV_NAME_ADD, &ev), 1);
	T_CHECK(!strcmp(ev.name, "printer"));
	pk_init(&p, 1, MAC_A);	/* a static address is not for others */
	pk_ip(&p, 50, IP(192, 168, 1, 51));
	send(d, &p);
	T_CHECK(yiaddr() != IP(192, 168, 1, 51) && yiaddr() != 0);
	pk_init(&p, 3, MAC_A);
	pk_ip(&p, 50, IP(192, 168, 1, 51));
	T_EQ(send(d, &p), DHCP_SEND);
	T_EQ(rtype(), 6);
	pk_init(&p, 1, MAC_IGN);	/* ignore */
	T_EQ(send(d, &p), DHCP_NONE);
	pk_init(&p, 1, MAC_C);	/* by client id, echoed (RFC 6842) */
	pk_opt(&p, 61, "\x01\x02\x03", 3);
	send(d, &p);
	T_EQ(yiaddr(), IP(192, 168, 1, 51));
	T_CHECK(rm.has[61] && rm.len[61] == 3);
	dhcp_free(d);
}

static void t_names(void)
{
	dhcp_cfg c = base_cfg();
	dhcp_ctx *d = mk(&c);
	dhcp_event ev;
	uint8_t fq[32] = { 0x04, 0, 0, 2, 'x', '1', 7, 'e', 'x', 'a', 'm',
			   'p', 'l', 'e', 0 };
	pk p;
	uint32_t a;

	dora(d, MAC_A, "box");
	T_EQ(count_ev(d, DHCP_EV_NAME_ADD, &ev), 1);
	T_CHECK(!strcmp(ev.name, "box"));
	dora(d, MAC_B, "BOX");	/* taken: lease, no name */
	T_EQ(rtype(), 5);
	T_EQ(count_ev(d, DHCP_EV_NAME_ADD, NULL), 0);
	dora(d, MAC_C, "printer");	/* a static host's name */
	T_EQ(rtype(), 5);
	T_EQ(count_ev(d, DHCP_EV_NAME_ADD, NULL), 0);
	/* option 81, wire encoding, client asked S=0: S=1 O=1 back */
	pk_init(&p, 1, (const uint8_t[]){ 2, 0, 0, 0, 1, 1 });
	send(d, &p);
	a = yiaddr();
	pk_init(&p, 3, (const uint8_t[]){ 2, 0, 0, 0, 1, 1 });
	pk_ip(&p, 54, IFADDR);
	pk_ip(&p, 50, a);
	pk_opt(&p, 81, fq, 15);
	pk_opt(&p, 12, "ignored", 7);
	send(d, &p);
	T_EQ(count_ev(d, DHCP_EV_NAME_ADD, &ev), 1);
	T_CHECK(!strcmp(ev.name, "x1"));
	T_CHECK(rm.has[81]);
	T_EQ(rm.buf[rm.off[81]], 0x01 | 0x02 | 0x04);
	T_EQ(rm.len[81], 3 + 8);	/* \2x1\3lan\0 */
	/* a new name for the same lease: DEL old, ADD new */
	pk_init(&p, 3, (const uint8_t[]){ 2, 0, 0, 0, 1, 1 });
	pk_ip(&p, 50, a);
	pk_opt(&p, 81, "\x00\x00\x00my_pc.lan", 12);
	send(d, &p);
	T_EQ(dhcp_next_event(d, &ev), 1);
	T_EQ(ev.kind, DHCP_EV_NAME_DEL);
	T_CHECK(!strcmp(ev.name, "x1"));
	T_EQ(dhcp_next_event(d, &ev), 1);
	T_EQ(ev.kind, DHCP_EV_NAME_ADD);
	T_CHECK(!strcmp(ev.name, "my-pc"));
	dhcp_free(d);

	c.ignore_names = 1;
	d = mk(&c);
	dora(d, MAC_A, "box");
	T_EQ(count_ev(d, DHCP_EV_NAME_ADD, NULL), 0);
	dora(d, MAC_STATIC, NULL);	/* dhcp-host names still count */
	T_EQ(count_ev(d, DHCP_EV_NAME_ADD, NULL), 1);
	dhcp_free(d);
}

static void t_lease_max(void)
{
	dhcp_cfg c = base_cfg();
	dhcp_ctx *d;
	uint8_t mac[6] = { 2, 9, 0, 0, 0, 0 };
	pk p;

	c.lease_max = 3;
	d = mk(&c);
	for (int i = 0; i < 3; i++) {
		mac[5] = (uint8_t)i;
		T_CHECK(dora(d, mac, NULL) != 0);
	}
	/* a flood of new MACs gets nothing ... */
	for (int i = 3; i < 50; i++) {
		mac[5] = (uint8_t)i;
		pk_init(&p, 1, mac);
		T_EQ(send(d, &p), DHCP_NONE);
	}
	/* ... but a reserved host still does, and old clients renew */
	T_EQ(dora(d, MAC_STATIC, NULL), IP(192, 168, 1, 50));
	mac[5] = 0;
	T_CHECK(dora(d, mac, NULL) != 0);
	T_EQ(dhcp_get_stats(d)->leases, 4);
	dhcp_free(d);
}

static void t_expiry(void)
{
	dhcp_cfg c = base_cfg();
	dhcp_ctx *d = mk(&c);
	uint32_t a = dora(d, MAC_A, "exp");
	dhcp_event ev;

	drain(d);
	T_EQ(dhcp_next_timer(d), T0 + 30000);	/* the old hold */
	dhcp_tick(d, T0 + 30000);
	T_EQ(dhcp_next_timer(d), T0 + 43200000ULL);
	T_EQ(dhcp_next_event(d, &ev), 0);
	dhcp_tick(d, T0 + 43200000ULL);
	T_EQ(dhcp_next_event(d, &ev), 1);
	T_EQ(ev.kind, DHCP_EV_NAME_DEL);
	T_EQ(ev.addr, a);
	T_EQ(dhcp_next_event(d, &ev), 1);
	T_EQ(ev.kind, DHCP_EV_LEASE);
	T_EQ(ev.lease.state, DHCP_L_FREE);
	T_EQ(dhcp_next_timer(d), 0);
	T_EQ(dhcp_get_stats(d)->leases, 0);
	dhcp_free(d);
}

static size_t journal_of(dhcp_ctx *d, uint8_t *buf, size_t cap)
{
	dhcp_event ev;
	size_t n = 0;

	while (dhcp_next_event(d, &ev))
		if (ev.kind == DHCP_EV_LEASE)
			n += dhcp_lease_encode(&ev.lease, buf + n, cap - n);
	return n;
}

static void t_restore(void)
{
	dhcp_cfg c = base_cfg();
	dhcp_ctx *d = mk(&c), *d2;
	static uint8_t j[8192];
	uint32_t a, b;
	size_t n, sn;
	uint8_t *snap;
	dhcp_event ev;
	pk p;

	a = dora(d, MAC_A, "alpha");
	b = dora(d, MAC_B, "beta");
	dora(d, MAC_C, "gamma");
	pk_init(&p, 7, MAC_C);	/* released: must not come back */
	dhcp_put32(p.b + 12, yiaddr());
	send(d, &p);
	n = journal_of(d, j, sizeof(j));
	T_CHECK(n > 0);
	T_EQ(dhcp_lease_encode(&(dhcp_lease){ .addr = 1 }, j, 10), 0);
	/* a torn record at the tail */
	{
		dhcp_lease l = { .addr = IP(192, 168, 1, 160), .state = 1,
				 .hlen = 6, .expire_ms = UINT64_MAX };
		size_t k = dhcp_lease_encode(&l, j + n, sizeof(j) - n);

		T_CHECK(k > 20);
		n += k - 5;
	}
	now = T0 + 1000;
	d2 = dhcp_new(&c, NULL, 0);
	T_EQ(dhcp_restore(d2, j, n, now), 4);
	T_EQ(dhcp_get_stats(d2)->leases, 2);
	T_EQ(count_ev(d2, DHCP_EV_NAME_ADD, NULL), 2);
	pk_init(&p, 3, MAC_A);	/* INIT-REBOOT after the restart */
	pk_ip(&p, 50, a);
	T_EQ(send(d2, &p), DHCP_SEND);
	T_EQ(rtype(), 5);
	pk_init(&p, 3, MAC_C);	/* B's address is B's */
	pk_ip(&p, 50, b);
	send(d2, &p);
	T_EQ(rtype(), 6);
	/* a flipped byte in the first record loses only that record */
	j[20] ^= 1;
	dhcp_free(d2);
	d2 = dhcp_new(&c, NULL, 0);
	T_EQ(dhcp_restore(d2, j, n, now), 3);
	j[20] ^= 1;
	dhcp_free(d2);
	/* snapshot round trip */
	T_EQ(dhcp_snapshot(d, &snap, &sn), 0);
	d2 = dhcp_new(&c, NULL, 0);
	T_CHECK(dhcp_restore(d2, snap, sn, now) >= 2);
	T_EQ(dhcp_get_stats(d2)->leases, 2);
	T_EQ(count_ev(d2, DHCP_EV_NAME_ADD, &ev), 2);
	free(snap);
	dhcp_free(d2);
	/* two records with one name: the first keeps it */
	{
		dhcp_lease l1 = { .addr = IP(192, 168, 1, 170), .state = 1,
				  .hlen = 6, .chaddr = { 1 }, .name = "twin",
				  .expire_ms = UINT64_MAX }, l2 = l1;
		uint8_t jj[512];
		size_t k;

		l2.addr++;
		l2.chaddr[0] = 2;
		strcpy(l2.name, "TWIN");
		k = dhcp_lease_encode(&l1, jj, sizeof(jj));
		k += dhcp_lease_encode(&l2, jj + k, sizeof(jj) - k);
		d2 = dhcp_new(&c, NULL, 0);
		T_EQ(dhcp_restore(d2, jj, k, now), 2);
		T_EQ(dhcp_get_stats(d2)->leases, 2);
		T_EQ(count_ev(d2, DHCP_EV_NAME_ADD, &ev), 1);
		T_CHECK(!strcmp(ev.name, "twin"));
		T_EQ(ev.ttl, 3600);
		dhcp_free(d2);
	}
	/* everything expired meanwhile: no lease, no name */
	d2 = dhcp_new(&c, NULL, 0);
	dhcp_restore(d2, j, n, T0 + 43200001ULL);
	T_EQ(dhcp_get_stats(d2)->leases, 0);
	T_EQ(count_ev(d2, DHCP_EV_NAME_ADD, NULL), 0);
	dhcp_free(d2);
	dhcp_free(d);
}

/* n leases of distinct clients as journal records; offsets in at[]. */
static size_t many_records(uint8_t *buf, size_t cap, int n, size_t *at)
{
	size_t len = 0;

	for (int i = 0; i < n; i++) {
		dhcp_lease l = { .addr = IP(192, 168, 1, 100) + (uint32_t)i,
				 .state = DHCP_L_ACTIVE, .hlen = 6,
				 .chaddr = { 2, 0, 0, 1, (uint8_t)(i >> 8),
					     (uint8_t)i },
				 .expire_ms = T0 + 3600000 };

		snprintf(l.name, sizeof(l.name), "host%d", i);
		at[i] = len;
		len += dhcp_lease_encode(&l, buf + len, cap - len);
	}
	at[n] = len;
	return len;
}

static void nop_cb(void *arg, const dhcp_lease *l)
{
	(*(int *)arg)++;
	(void)l;
}

static void t_journal_damage(void)
{
	static uint8_t j[16384], g[4096];
	size_t at[101], n = many_records(j, sizeof(j), 100, at);
	dhcp_cfg c = base_cfg();
	dhcp_jreport r;
	dhcp_ctx *d;
	int cnt = 0;

	T_EQ(dhcp_journal_scan(j, n, &r, nop_cb, &cnt), 0);
	T_EQ(cnt, 100);
	/* one flipped byte in a body: only that record is lost */
	j[at[50] + 12] ^= 0x40;
	now = T0;
	d = dhcp_new(&c, NULL, 0);
	T_EQ(dhcp_restore_report(d, j, n, now, &r), 99);
	T_EQ(dhcp_get_stats(d)->leases, 99);
	T_EQ(r.damaged, 1);
	T_EQ(r.dmg_off[0], at[50]);
	T_EQ(r.damaged_bytes, at[51] - at[50]);
	T_EQ(r.damaged_recs, 1);
	T_EQ(r.tail_bytes, 0);
	dhcp_free(d);
	j[at[50] + 12] ^= 0x40;
	/* a damaged length field: resynchronised on the next record */
	j[at[20] + 3] ^= 0x01;
	T_EQ(dhcp_journal_scan(j, n, &r, nop_cb, &cnt), -1);
	T_EQ(r.records, 99);
	T_EQ(r.dmg_off[0], at[20]);
	T_EQ(r.damaged_bytes, at[21] - at[20]);
	j[at[20] + 3] ^= 0x01;
	/* two damaged stretches, and a torn tail which is not damage */
	j[at[10]] = 0;
	j[at[70] + 30] ^= 0xff;
	T_EQ(dhcp_journal_scan(j, n - 5, &r, nop_cb, &cnt), -1);
	T_EQ(r.records, 97);
	T_EQ(r.damaged, 2);
	T_EQ(r.dmg_off[1], at[70]);
	T_EQ(r.tail_off, at[99]);
	T_EQ(r.tail_bytes, at[100] - at[99] - 5);
	j[at[10]] = 0xdc;
	j[at[70] + 30] ^= 0xff;
	/* only a torn tail: no damage, silently cut */
	T_EQ(dhcp_journal_scan(j, at[99] + 3, &r, nop_cb, &cnt), 0);
	T_EQ(r.records, 99);
	T_EQ(r.tail_bytes, 3);
	/* garbage: nothing usable, all of it reported */
	for (size_t i = 0; i < sizeof(g); i++)
		g[i] = (uint8_t)(i * 7 + 1);
	T_EQ(dhcp_journal_scan(g, sizeof(g), &r, nop_cb, &cnt), -1);
	T_EQ(r.records, 0);
	T_EQ(r.damaged_bytes, sizeof(g));
	/* garbage inserted between records */
	memmove(j + at[40] + 13, j + at[40], n - at[40]);
	memset(j + at[40], 0x55, 13);
	T_EQ(dhcp_journal_scan(j, n + 13, &r, nop_cb, &cnt), -1);
	T_EQ(r.records, 100);
	T_EQ(r.damaged_bytes, 13);
}

/* DISCOVER from mac with option 50 asking for want (0: none). */
static dhcp_result discover(dhcp_ctx *d, const uint8_t *mac, uint32_t want)
{
	pk p;

	pk_init(&p, 1, mac);
	if (want)
		pk_ip(&p, 50, want);
	return send(d, &p);
}

static dhcp_result reboot_req(dhcp_ctx *d, const uint8_t *mac, uint32_t a)
{
	pk p;

	pk_init(&p, 3, mac);
	pk_ip(&p, 50, a);
	return send(d, &p);
}

static void t_lease_loss(void)
{
	dhcp_cfg c = base_cfg();
	dhcp_ctx *d;
	uint32_t x = IP(192, 168, 1, 120), y = IP(192, 168, 1, 121);
	dhcp_lease l = { .addr = IP(192, 168, 1, 110), .state = 1, .hlen = 6,
			 .chaddr = { 2, 0, 0, 0, 0, 0x0a },
			 .expire_ms = T0 + 3600000 };
	uint8_t j[256];
	size_t n = dhcp_lease_encode(&l, j, sizeof(j));

	c.authoritative = 1;
	d = mk(&c);
	T_EQ(dhcp_longest_lease_ms(d), 43200000ULL);
	T_EQ(dhcp_restore(d, j, n, now), 1);
	drain(d);
	dhcp_set_unsure(d, now + dhcp_longest_lease_ms(d));
	T_EQ(dhcp_unsure_until(d), T0 + 43200000ULL);
	/* a known address (A's restored lease) needs no check */
	T_EQ(discover(d, MAC_A, 0), DHCP_SEND);
	T_EQ(rtype(), 2);
	T_EQ(yiaddr(), l.addr);
	/* an address the table does not know: check first */
	T_EQ(discover(d, MAC_B, x), DHCP_PROBE);
	T_EQ(tx.probe_addr, x);
	T_EQ(count_ev(d, DHCP_EV_LEASE, NULL), 0);
	/* it answered: quarantined, and the same DISCOVER goes elsewhere */
	dhcp_probe_done(d, x, 1, now);
	T_EQ(discover(d, MAC_B, x), DHCP_PROBE);
	T_CHECK(tx.probe_addr != x && tx.probe_addr != 0);
	/* no answer: offered, without a second check */
	dhcp_probe_done(d, tx.probe_addr, 0, now);
	y = tx.probe_addr;
	T_EQ(discover(d, MAC_B, x), DHCP_SEND);
	T_EQ(rtype(), 2);
	T_EQ(yiaddr(), y);
	/* the static host's own address is never probed */
	T_EQ(discover(d, MAC_STATIC, 0), DHCP_SEND);
	T_EQ(yiaddr(), IP(192, 168, 1, 50));
	/* the holder of x (it answered) renews it: ACK, not NAK */
	T_EQ(reboot_req(d, MAC_C, x), DHCP_SEND);
	T_EQ(rtype(), 5);
	T_EQ(yiaddr(), x);
	T_EQ(count_ev(d, DHCP_EV_LEASE, NULL), 1);
	/* somebody else asking for x now: x is known, NAK */
	T_EQ(reboot_req(d, MAC_B, x), DHCP_SEND);
	T_EQ(rtype(), 6);
	dhcp_free(d);
	/* lease_max reached: an unknown address is ignored, not NAKed */
	c.lease_max = 1;
	d = mk(&c);
	dhcp_restore(d, j, n, now);
	dhcp_set_unsure(d, now + 1000);
	T_EQ(reboot_req(d, MAC_C, x), DHCP_NONE);
	/* without --dhcp-authoritative: ignored as before */
	dhcp_free(d);
	c.lease_max = 1000;
	c.authoritative = 0;
	d = mk(&c);
	dhcp_set_unsure(d, now + 1000);
	T_EQ(reboot_req(d, MAC_C, x), DHCP_NONE);
	/* after the window: no checks, NAKs as always */
	now += 1000;
	T_EQ(discover(d, MAC_B, x), DHCP_SEND);
	T_EQ(yiaddr(), x);
	dhcp_free(d);
	c.authoritative = 1;
	c.lease_max = 1;
	d = mk(&c);
	dhcp_restore(d, j, n, now);
	dhcp_set_unsure(d, now - 1);
	T_EQ(reboot_req(d, MAC_C, x), DHCP_SEND);
	T_EQ(rtype(), 6);
	dhcp_free(d);
}

/* A ping's answers do not last: quarantine decline_secs, "unused"
 * offer_hold_secs; the window itself ends with its time. */
static void t_probe_expiry(void)
{
	dhcp_cfg c = base_cfg();
	dhcp_ctx *d = mk(&c);
	uint32_t x = IP(192, 168, 1, 130);
	uint8_t *snap;
	size_t sn;

	dhcp_set_unsure(d, now + 3600000);
	T_EQ(discover(d, MAC_A, x), DHCP_PROBE);
	T_EQ(tx.probe_addr, x);
	dhcp_probe_done(d, x, 1, now);
	/* the quarantine is not a lease record: not in a snapshot */
	T_EQ(dhcp_snapshot(d, &snap, &sn), 0);
	T_EQ(sn, 0);
	free(snap);
	T_EQ(count_ev(d, DHCP_EV_LEASE, NULL), 0);
	now += 600 * 1000ULL + 1;
	dhcp_tick(d, now);
	T_EQ(discover(d, MAC_A, x), DHCP_PROBE);
	T_EQ(tx.probe_addr, x);	/* quarantine over: asked about again */
	dhcp_probe_done(d, x, 0, now);
	now += 31 * 1000ULL;
	T_EQ(discover(d, MAC_A, x), DHCP_PROBE);	/* "unused" is old */
	dhcp_probe_done(d, x, 0, now);
	T_EQ(discover(d, MAC_A, x), DHCP_SEND);
	T_EQ(yiaddr(), x);
	now = T0 + 3600000;
	T_EQ(discover(d, MAC_B, IP(192, 168, 1, 131)), DHCP_SEND);
	T_EQ(yiaddr(), IP(192, 168, 1, 131));
	dhcp_free(d);
}

static void t_leasefile(void)
{
	dhcp_cfg c = base_cfg();
	dhcp_ctx *d = mk(&c);
	char *t, line[256];
	size_t n;
	pk p;

	dora(d, MAC_A, "alpha");
	pk_init(&p, 1, MAC_C);
	pk_opt(&p, 61, "\x01\x02\x03", 3);
	send(d, &p);
	pk_init(&p, 3, MAC_C);
	pk_opt(&p, 61, "\x01\x02\x03", 3);
	pk_ip(&p, 50, IP(192, 168, 1, 51));
	send(d, &p);
	T_EQ(dhcp_leasefile_text(d, &t, &n), 0);
	T_EQ(strlen(t), n);
	snprintf(line, sizeof(line), "%llu 02:00:00:00:00:0c 192.168.1.51 "
		 "idhost 01:02:03\n", (T0 + 43200000ULL) / 1000);
	T_CHECK(strstr(t, line) != NULL);
	snprintf(line, sizeof(line), "%llu 02:00:00:00:00:0a ",
		 (T0 + 43200000ULL) / 1000);
	T_CHECK(strstr(t, line) == t || strstr(t, line) != NULL);
	T_CHECK(strstr(t, " alpha *\n") != NULL);
	free(t);
	dhcp_free(d);
}

static void t_option_parse(void)
{
	dhcp_opt o;
	char err[128];
	static const uint8_t route[] = { 8, 10, 192, 168, 1, 1, 24, 172, 16,
					 5, 192, 168, 1, 2 };
	static const uint8_t search[] = { 1, 'a', 3, 'l', 'a', 'n', 0, 1, 'b',
					  3, 'l', 'a', 'n', 0 };

	T_EQ(dhcp_option_parse("3,192.168.1.1", &o, err, sizeof(err)), 0);
	T_EQ(o.code, 3);
	T_EQ(o.len, 4);
	T_EQ(dhcp_get32(o.data), IP(192, 168, 1, 1));
	T_EQ(dhcp_option_parse("option:dns-server,1.1.1.1,8.8.8.8", &o, err,
			       sizeof(err)), 0);
	T_EQ(o.code, 6);
	T_EQ(o.len, 8);
	T_EQ(dhcp_get32(o.data + 4), IP(8, 8, 8, 8));
	T_EQ(dhcp_option_parse("option:domain-search,a.lan,b.lan", &o, err,
			       sizeof(err)), 0);
	T_EQ(o.code, 119);
	T_EQ(o.len, sizeof(search));
	T_CHECK(!memcmp(o.data, search, sizeof(search)));
	T_EQ(dhcp_option_parse("option:classless-static-route,10.0.0.0/8,"
			       "192.168.1.1,172.16.5.0/24,192.168.1.2", &o,
			       err, sizeof(err)), 0);
	T_EQ(o.code, 121);
	T_EQ(o.len, sizeof(route));
	T_CHECK(!memcmp(o.data, route, sizeof(route)));
	T_EQ(dhcp_option_parse("26,1400", &o, err, sizeof(err)), 0);
	T_EQ(o.len, 2);
	T_EQ(o.data[0] << 8 | o.data[1], 1400);
	T_EQ(dhcp_option_parse("option:lease-time,2h", &o, err,
			       sizeof(err)), 0);
	T_EQ(o.len, 4);
	T_EQ(dhcp_get32(o.data), 7200);
	T_EQ(dhcp_option_parse("19,1", &o, err, sizeof(err)), 0);
	T_EQ(o.len, 1);
	T_EQ(o.data[0], 1);
	T_EQ(dhcp_option_parse("option:domain-name,\"my lan\"", &o, err,
			       sizeof(err)), 0);
	T_EQ(o.len, 6);
	T_CHECK(!memcmp(o.data, "my lan", 6));
	T_EQ(dhcp_option_parse("force:43,01:02:ff", &o, err, sizeof(err)), 0);
	T_EQ(o.force, 1);
	T_EQ(o.len, 3);
	T_EQ(o.data[2], 0xff);
	T_EQ(dhcp_option_parse("option:router", &o, err, sizeof(err)), 0);
	T_EQ(o.len, 0);	/* no router at all */
	T_EQ(dhcp_option_parse("250,hello", &o, err, sizeof(err)), 0);
	T_EQ(o.len, 5);
	T_EQ(dhcp_option_parse("option:nope,1", &o, err, sizeof(err)), -1);
	T_CHECK(strstr(err, "nope") != NULL);
	T_EQ(dhcp_option_parse("3,300.1.1.1", &o, err, sizeof(err)), -1);
	T_EQ(dhcp_option_parse("26,70000", &o, err, sizeof(err)), -1);
	T_EQ(dhcp_option_parse("19,maybe", &o, err, sizeof(err)), -1);
	T_EQ(dhcp_option_parse("option6:dns-server,[::1]", &o, err,
			       sizeof(err)), -1);
}

static void t_range_host_parse(void)
{
	dhcp_range r;
	dhcp_host h;
	char err[128], n[DHCP_NAME_MAX + 1];

	T_EQ(dhcp_range_parse("192.168.1.10,192.168.1.20", &r, err,
			      sizeof(err)), 0);
	T_EQ(r.start, IP(192, 168, 1, 10));
	T_EQ(r.end, IP(192, 168, 1, 20));
	T_EQ(r.lease_secs, 0);
	T_EQ(dhcp_range_parse("10.0.0.5,10.0.0.9,255.255.255.0,45m", &r, err,
			      sizeof(err)), 0);
	T_EQ(r.netmask, 0xffffff00);
	T_EQ(r.lease_secs, 2700);
	T_EQ(dhcp_range_parse("10.0.0.5,10.0.0.9,infinite", &r, err,
			      sizeof(err)), 0);
	T_EQ(r.lease_secs, UINT32_MAX);
	T_EQ(dhcp_range_parse("10.0.0.0,static,255.255.0.0,3600", &r, err,
			      sizeof(err)), 0);
	T_EQ(r.is_static, 1);
	T_EQ(r.lease_secs, 3600);
	T_EQ(dhcp_range_parse("10.0.0.9,10.0.0.5", &r, err, sizeof(err)), -1);
	T_EQ(dhcp_range_parse("fd00::10,fd00::20", &r, err, sizeof(err)), -1);
	T_CHECK(strstr(err, "DHCPv6 not supported") != NULL);
	T_EQ(dhcp_range_parse("10.0.0.5,10.0.0.9,12x", &r, err,
			      sizeof(err)), -1);

	T_EQ(dhcp_host_parse("00:11:22:33:44:55,192.168.1.5,nas,12h", &h,
			     err, sizeof(err)), 0);
	T_EQ(h.has_mac, 1);
	T_EQ(h.mac[5], 0x55);
	T_EQ(h.addr, IP(192, 168, 1, 5));
	T_CHECK(!strcmp(h.name, "nas"));
	T_EQ(h.lease_secs, 43200);
	T_EQ(dhcp_host_parse("nas,infinite,192.168.1.5,00:11:22:33:44:55", &h,
			     err, sizeof(err)), 0);
	T_EQ(h.lease_secs, UINT32_MAX);
	T_EQ(h.addr, IP(192, 168, 1, 5));
	T_EQ(dhcp_host_parse("id:01:02:03,192.168.1.6", &h, err,
			     sizeof(err)), 0);
	T_EQ(h.idlen, 3);
	T_EQ(h.client_id[2], 3);
	T_EQ(dhcp_host_parse("00:11:22:33:44:55,ignore", &h, err,
			     sizeof(err)), 0);
	T_EQ(h.ignore, 1);
	T_EQ(dhcp_host_parse("00:11:22:33:44:55,1.2.3.999", &h, err,
			     sizeof(err)), -1);
	T_EQ(dhcp_host_parse("00:11:22:33:44:55,[fd00::5]", &h, err,
			     sizeof(err)), -1);
	T_EQ(dhcp_host_parse("tag:x,00:11:22:33:44:55,1.2.3.4", &h, err,
			     sizeof(err)), -1);

	dhcp_clean_name("My_Laptop.home.lan", 18, n);
	T_CHECK(!strcmp(n, "My-Laptop"));
	dhcp_clean_name("-évil!-", 8, n);
	T_CHECK(!strcmp(n, "vil"));
	dhcp_clean_name("a\0b", 3, n);
	T_CHECK(!strcmp(n, "a"));
	dhcp_clean_name("!!!", 3, n);
	T_CHECK(!strcmp(n, ""));
	{
		char big[100];

		memset(big, 'x', sizeof(big));
		dhcp_clean_name(big, sizeof(big), n);
		T_EQ(strlen(n), 63);
	}
}

static void t_concat_timers(void)
{
	dhcp_cfg c = base_cfg();
	dhcp_ctx *d;
	char err[128];
	dhcp_host nh;
	pk p;

	T_EQ(dhcp_option_parse("option:T1,100", &opts[0], err, sizeof(err)),
	     0);
	T_EQ(dhcp_host_parse("named,192.168.1.60", &nh, err, sizeof(err)), 0);
	hosts[2] = nh;	/* a name-only host: matched by the client's name */
	c.opts = opts;
	c.nopts = 1;
	d = mk(&c);
	pk_init(&p, 1, MAC_A);	/* option 12 in two pieces (RFC 3396) */
	pk_opt(&p, 12, "ab", 2);
	pk_opt(&p, 55, PRL, sizeof(PRL));
	pk_opt(&p, 12, "cd", 2);
	T_EQ(send(d, &p), DHCP_SEND);
	T_CHECK(rm.has[12] && rm.len[12] == 4 &&
		!memcmp(rm.buf + rm.off[12], "abcd", 4));
	T_EQ(dhcp_msg_u32(&rm, 58), 100);
	T_EQ(dhcp_msg_u32(&rm, 59), 37800);
	T_EQ(dora(d, MAC_B, "named"), IP(192, 168, 1, 60));
	dhcp_free(d);
}

int main(void)
{
	T_RUN(t_dora);
	T_RUN(t_dns_self_off);
	T_RUN(t_in_flight);
	T_RUN(t_init_reboot);
	T_RUN(t_renew_rebind);
	T_RUN(t_decline_release);
	T_RUN(t_inform);
	T_RUN(t_rapid);
	T_RUN(t_relay);
	T_RUN(t_malformed);
	T_RUN(t_maxsize_prl);
	T_RUN(t_static);
	T_RUN(t_names);
	T_RUN(t_lease_max);
	T_RUN(t_expiry);
	T_RUN(t_restore);
	T_RUN(t_journal_damage);
	T_RUN(t_lease_loss);
	T_RUN(t_probe_expiry);
	T_RUN(t_leasefile);
	T_RUN(t_option_parse);
	T_RUN(t_range_host_parse);
	T_RUN(t_concat_timers);
	T_DONE();
}
