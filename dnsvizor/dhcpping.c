/*
 * ICMP echo checks for the DHCP server (see dhcpping.h).
 *
 * A raw socket sees every echo reply of the host, so replies are matched
 * on identifier, sequence number and source address; a ping socket gets
 * only its own (the kernel sets the identifier), matched on sequence and
 * source.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/icmp.h>

#include <event2/event.h>

#include "dnsvizor/dhcpping.h"
#include "dnsvizor/dhcpraw.h"

struct dv_ping_slot {
	dv_ping *p;
	int used;
	uint32_t addr;
	uint16_t seq;
	struct event *tmo;
	size_t len;
	uint8_t data[DV_PING_DATA];
};

struct dv_ping {
	int fd, raw;
	uint16_t id, seq;
	struct event *ev;
	dv_ping_done cb;
	void *arg;
	struct dv_ping_slot s[DV_PING_MAX];
	uint8_t out[DV_PING_DATA];    /* a finished slot's data */
};

int dv_ping_socket(void)
{
	int fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
			IPPROTO_ICMP);
	struct icmp_filter f = { ~(1u << ICMP_ECHOREPLY) };

	if (fd >= 0) {
		setsockopt(fd, SOL_RAW, ICMP_FILTER, &f, sizeof(f));
		return fd;
	}
	return socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		      IPPROTO_ICMP);
}

/* The slot is free again before the callback (which may start more). */
static void dv_ping_finish(struct dv_ping_slot *sl, int in_use)
{
	dv_ping *p = sl->p;
	uint32_t addr = sl->addr;
	size_t len = sl->len;

	evtimer_del(sl->tmo);
	memcpy(p->out, sl->data, len);
	sl->used = 0;
	p->cb(p->arg, addr, in_use, p->out, len);
}

static void dv_ping_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	dv_ping_finish(arg, 0);
}

static void dv_ping_match(dv_ping *p, uint32_t from, const uint8_t *icmp,
			  size_t n)
{
	uint16_t id, seq;

	if (n < 8 || icmp[0] != ICMP_ECHOREPLY)
		return;
	id = (uint16_t)(icmp[4] << 8 | icmp[5]);
	seq = (uint16_t)(icmp[6] << 8 | icmp[7]);
	if (p->raw && id != p->id)
		return;
	for (int i = 0; i < DV_PING_MAX; i++)
		if (p->s[i].used && p->s[i].seq == seq &&
		    p->s[i].addr == from) {
			dv_ping_finish(&p->s[i], 1);
			return;
		}
}

static void dv_ping_read(evutil_socket_t fd, short what, void *arg)
{
	dv_ping *p = arg;
	uint8_t buf[1500];
	struct sockaddr_in from;
	socklen_t fl;
	ssize_t n;
	size_t hl = 0;

	(void)what;
	for (int k = 0; k < 64; k++) {
		fl = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
			     (struct sockaddr *)&from, &fl);
		if (n <= 0)
			return;
		if (p->raw)
			hl = (size_t)(buf[0] & 15) * 4;
		if ((size_t)n > hl)
			dv_ping_match(p, ntohl(from.sin_addr.s_addr), buf + hl,
				      (size_t)n - hl);
	}
}

dv_ping *dv_ping_new(struct event_base *base, int fd, dv_ping_done cb,
		     void *arg)
{
	dv_ping *p = calloc(1, sizeof(*p));
	int type = 0;
	socklen_t tl = sizeof(type);

	if (!p)
		return NULL;
	p->fd = fd;
	p->cb = cb;
	p->arg = arg;
	getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl);
	p->raw = type == SOCK_RAW;
	if (getrandom(&p->id, sizeof(p->id), GRND_NONBLOCK) < 0)
		p->id = (uint16_t)getpid();
	p->ev = event_new(base, fd, EV_READ | EV_PERSIST, dv_ping_read, p);
	if (!p->ev || event_add(p->ev, NULL) < 0)
		goto fail;
	for (int i = 0; i < DV_PING_MAX; i++) {
		p->s[i].p = p;
		p->s[i].tmo = evtimer_new(base, dv_ping_timeout, &p->s[i]);
		if (!p->s[i].tmo)
			goto fail;
	}
	return p;
fail:
	dv_ping_free(p);
	return NULL;
}

static struct dv_ping_slot *dv_ping_slot_for(dv_ping *p, uint32_t addr)
{
	struct dv_ping_slot *fr = NULL;

	for (int i = 0; i < DV_PING_MAX; i++) {
		if (p->s[i].used && p->s[i].addr == addr)
			return NULL;
		if (!p->s[i].used && !fr)
			fr = &p->s[i];
	}
	return fr;
}

int dv_ping_start(dv_ping *p, uint32_t addr, const void *data, size_t len)
{
	struct dv_ping_slot *sl = dv_ping_slot_for(p, addr);
	struct timeval tv = { DV_PING_MS / 1000, (DV_PING_MS % 1000) * 1000 };
	struct sockaddr_in to;
	uint8_t pkt[16] = { ICMP_ECHO, 0 };

	if (!sl || len > sizeof(sl->data))
		return -1;
	sl->used = 1;
	sl->addr = addr;
	sl->seq = ++p->seq;
	sl->len = len;
	memcpy(sl->data, data, len);
	pkt[4] = (uint8_t)(p->id >> 8);
	pkt[5] = (uint8_t)p->id;
	pkt[6] = (uint8_t)(sl->seq >> 8);
	pkt[7] = (uint8_t)sl->seq;
	memcpy(pkt + 8, "dnsvizor", 8);
	uint16_t c = dv_csum_fold(dv_csum_add(0, pkt, sizeof(pkt)));

	pkt[2] = (uint8_t)(c >> 8);
	pkt[3] = (uint8_t)c;
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_addr.s_addr = htonl(addr);
	/* a failed send gets no reply: the address counts as unused */
	(void)!sendto(p->fd, pkt, sizeof(pkt), MSG_DONTWAIT,
		      (struct sockaddr *)&to, sizeof(to));
	evtimer_add(sl->tmo, &tv);
	return 0;
}

void dv_ping_free(dv_ping *p)
{
	if (!p)
		return;
	for (int i = 0; i < DV_PING_MAX; i++)
		if (p->s[i].tmo)
			event_free(p->s[i].tmo);
	if (p->ev)
		event_free(p->ev);
	if (p->fd >= 0)
		close(p->fd);
	free(p);
}
