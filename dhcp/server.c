/*
 * The DHCPv4 server state machine (RFC 2131 4.3) and its lease table.
 *
 * The table holds one entry per address: an active lease, an offer hold
 * (not persisted), a quarantined (DECLINEd) address, or a free record
 * that remembers who had the address last, so a returning client gets
 * it back.  Entries are found by address and by client identity
 * (option 61 if present, else chaddr) through two chained hash indexes.
 *
 * Name rule (no DHCID, RFC 4703 is not implemented): a name belongs to at
 * most one active lease.  A --dhcp-host name always goes to that host and
 * is never given to another client; a client asking for a name that an
 * active lease (or a static host) already has gets its lease but no name
 * (no NAME_ADD).  A client's name changes or disappears with its lease
 * (NAME_DEL on release, expiry, decline, address or name change).
 *
 * Option 81 (RFC 4702 4): we update both A and PTR ourselves, so the
 * reply carries S=1 (O=1 when the client asked for S=0) when the lease
 * got a name, and N=1 (we do nothing) when it did not.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dhcp/dhcp_int.h"

/* ---- identity ---- */

static void key_of_lease(const dhcp_lease *l, dhcp_ckey *k)
{
	if (l->idlen) {
		k->b[0] = 'I';
		memcpy(k->b + 1, l->client_id, l->idlen);
		k->len = (uint8_t)(1 + l->idlen);
	} else if (l->hlen) {
		k->b[0] = 'M';
		memcpy(k->b + 1, l->chaddr, l->hlen);
		k->len = (uint8_t)(1 + l->hlen);
	} else {
		k->len = 0;
	}
}

static void key_of_msg(const dhcp_msg *m, dhcp_ckey *k)
{
	if (m->has[O_CLIENTID]) {
		k->b[0] = 'I';
		memcpy(k->b + 1, m->buf + m->off[O_CLIENTID],
		       m->len[O_CLIENTID]);
		k->len = (uint8_t)(1 + m->len[O_CLIENTID]);
	} else {
		k->b[0] = 'M';
		memcpy(k->b + 1, m->chaddr, m->hlen);
		k->len = (uint8_t)(1 + m->hlen);
	}
}

static uint32_t hkey(const dhcp_ckey *k)
{
	uint32_t h = 2166136261u;

	for (int i = 0; i < k->len; i++)
		h = (h ^ k->b[i]) * 16777619u;
	return h;
}

static uint32_t haddr(uint32_t a)
{
	return (a * 2654435761u) ^ (a >> 16);
}

static int same_client(const dhcp_ent *e, const dhcp_ckey *k)
{
	dhcp_ckey ek;

	key_of_lease(&e->l, &ek);
	return ek.len && ek.len == k->len && !memcmp(ek.b, k->b, k->len);
}

/* ---- the table ---- */

static void chain_add(dhcp_ctx *d, int32_t i)
{
	dhcp_ent *e = &d->e[i];
	uint32_t ba = haddr(e->l.addr) & (d->nb - 1);
	dhcp_ckey k;

	e->next_a = d->ba[ba];
	d->ba[ba] = i;
	key_of_lease(&e->l, &k);
	e->next_c = -1;
	if (!k.len)
		return;
	e->hc = hkey(&k);
	e->next_c = d->bc[e->hc & (d->nb - 1)];
	d->bc[e->hc & (d->nb - 1)] = i;
}

static void chain_del(int32_t *head, dhcp_ent *tab, int32_t i, int by_client)
{
	for (int32_t *p = head; *p >= 0;
	     p = by_client ? &tab[*p].next_c : &tab[*p].next_a)
		if (*p == i) {
			*p = by_client ? tab[i].next_c : tab[i].next_a;
			return;
		}
}

static void unlink_client(dhcp_ctx *d, int32_t i)
{
	dhcp_ckey k;

	key_of_lease(&d->e[i].l, &k);
	if (k.len)
		chain_del(&d->bc[d->e[i].hc & (d->nb - 1)], d->e, i, 1);
}

/* Active leases with a name are indexed by it (case-insensitive). */
static uint32_t hname(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (uint8_t)tolower((unsigned char)*s)) * 16777619u;
	return h;
}

static void name_link(dhcp_ctx *d, int32_t i)
{
	dhcp_ent *e = &d->e[i];

	e->hn = hname(e->l.name);
	e->next_n = d->bn[e->hn & (d->nb - 1)];
	d->bn[e->hn & (d->nb - 1)] = i;
	e->in_n = 1;
}

static void name_unlink(dhcp_ctx *d, int32_t i)
{
	int32_t *p = &d->bn[d->e[i].hn & (d->nb - 1)];

	if (!d->e[i].in_n)
		return;
	for (; *p >= 0; p = &d->e[*p].next_n)
		if (*p == i) {
			*p = d->e[i].next_n;
			break;
		}
	d->e[i].in_n = 0;
}

static int rehash(dhcp_ctx *d, uint32_t nb)
{
	int32_t *ba = malloc(nb * sizeof(*ba)), *bc = malloc(nb * sizeof(*bc));
	int32_t *bn = malloc(nb * sizeof(*bn));

	if (!ba || !bc || !bn) {
		free(ba);
		free(bc);
		free(bn);
		return -1;
	}
	free(d->ba);
	free(d->bc);
	free(d->bn);
	d->ba = ba;
	d->bc = bc;
	d->bn = bn;
	d->nb = nb;
	memset(ba, 0xff, nb * sizeof(*ba));
	memset(bc, 0xff, nb * sizeof(*bc));
	memset(bn, 0xff, nb * sizeof(*bn));
	for (uint32_t i = 0; i < d->ne; i++) {
		d->e[i].in_n = 0;
		if (!d->e[i].used)
			continue;
		chain_add(d, (int32_t)i);
		if (d->e[i].st == E_ACTIVE && d->e[i].l.name[0])
			name_link(d, (int32_t)i);
	}
	return 0;
}

static int32_t ent_find(const dhcp_ctx *d, uint32_t addr)
{
	for (int32_t i = d->ba[haddr(addr) & (d->nb - 1)]; i >= 0;
	     i = d->e[i].next_a)
		if (d->e[i].l.addr == addr)
			return i;
	return -1;
}

/* An entry of this client in one of the states in mask (1 << st). */
static int32_t ent_client(const dhcp_ctx *d, const dhcp_ckey *k, unsigned mask)
{
	uint32_t h = hkey(k);

	for (int32_t i = d->bc[h & (d->nb - 1)]; i >= 0; i = d->e[i].next_c)
		if (d->e[i].hc == h && (mask & (1u << d->e[i].st)) &&
		    same_client(&d->e[i], k))
			return i;
	return -1;
}

/* Also keeps the name index: set the name before making it active. */
static void set_st(dhcp_ctx *d, dhcp_ent *e, uint8_t st)
{
	name_unlink(d, (int32_t)(e - d->e));
	d->nactive -= e->st == E_ACTIVE;
	d->nhold -= e->st == E_HOLD;
	e->st = st;
	d->nactive += st == E_ACTIVE;
	d->nhold += st == E_HOLD;
	d->st.leases = d->nactive;
	e->l.state = st == E_HOLD ? DHCP_L_FREE : st;
	if (st == E_ACTIVE && e->l.name[0])
		name_link(d, (int32_t)(e - d->e));
}

static int32_t ent_new(dhcp_ctx *d, uint32_t addr)
{
	int32_t i;

	if (d->freel < 0 && d->ne == d->cap) {
		uint32_t cap = d->cap ? d->cap * 2 : 64;
		dhcp_ent *n = realloc(d->e, cap * sizeof(*n));

		if (!n)
			return -1;
		d->e = n;
		d->cap = cap;
		if (rehash(d, cap) < 0)
			return -1;
	}
	if (d->freel >= 0) {
		i = d->freel;
		d->freel = d->e[i].next_a;
	} else {
		i = (int32_t)d->ne++;
	}
	memset(&d->e[i], 0, sizeof(d->e[i]));
	d->e[i].used = 1;
	d->e[i].l.addr = addr;
	chain_add(d, i);
	return i;
}

static void ent_del(dhcp_ctx *d, int32_t i)
{
	dhcp_ent *e = &d->e[i];

	set_st(d, e, E_FREE);
	unlink_client(d, i);
	chain_del(&d->ba[haddr(e->l.addr) & (d->nb - 1)], d->e, i, 0);
	e->used = 0;
	e->next_a = d->freel;
	d->freel = i;
}

/* Give entry i to the client of msg m (or to nobody when m is NULL). */
static void ent_own(dhcp_ctx *d, int32_t i, const dhcp_msg *m)
{
	dhcp_lease *l = &d->e[i].l;

	unlink_client(d, i);
	d->e[i].probed = 0;
	l->hlen = 0;
	l->idlen = 0;
	memset(l->chaddr, 0, sizeof(l->chaddr));
	if (m) {
		l->hlen = m->hlen;
		memcpy(l->chaddr, m->chaddr, 16);
		if (m->has[O_CLIENTID]) {
			l->idlen = (uint8_t)m->len[O_CLIENTID];
			memcpy(l->client_id, m->buf + m->off[O_CLIENTID],
			       l->idlen);
		}
	}
	dhcp_ckey k;

	key_of_lease(l, &k);
	d->e[i].next_c = -1;
	if (k.len) {
		d->e[i].hc = hkey(&k);
		d->e[i].next_c = d->bc[d->e[i].hc & (d->nb - 1)];
		d->bc[d->e[i].hc & (d->nb - 1)] = i;
	}
}

static void arm(dhcp_ctx *d, uint64_t t)
{
	if (t != UINT64_MAX && (!d->timer_min || t < d->timer_min))
		d->timer_min = t;
}

/* ---- events ---- */

static void push(dhcp_ctx *d, const dhcp_event *ev)
{
	if (d->evhead == d->evn)
		d->evhead = d->evn = 0;
	if (d->evn == d->evcap) {
		size_t cap = d->evcap ? d->evcap * 2 : 64;
		dhcp_event *n = realloc(d->ev, cap * sizeof(*n));

		if (!n)
			return;
		d->ev = n;
		d->evcap = cap;
	}
	d->ev[d->evn++] = *ev;
	if (ev->kind == DHCP_EV_LEASE)
		d->nlease_ev++;
}

static void ev_lease(dhcp_ctx *d, const dhcp_lease *l)
{
	dhcp_event ev = { .kind = DHCP_EV_LEASE, .lease = *l };

	push(d, &ev);
}

static void ev_name(dhcp_ctx *d, dhcp_ev_kind kind, const char *name,
		    uint32_t addr, uint32_t ttl)
{
	dhcp_event ev = { .kind = kind, .addr = addr, .ttl = ttl };

	if (!name[0])
		return;
	strcpy(ev.name, name);
	push(d, &ev);
}

int dhcp_next_event(dhcp_ctx *d, dhcp_event *ev)
{
	if (d->evhead == d->evn) {
		ev->kind = DHCP_EV_NONE;
		return 0;
	}
	*ev = d->ev[d->evhead++];
	return 1;
}

/* ---- timers ---- */

static void expire_ent(dhcp_ctx *d, int32_t i, uint64_t now)
{
	dhcp_ent *e = &d->e[i];

	if (e->st == E_ACTIVE && e->l.expire_ms <= now) {
		ev_name(d, DHCP_EV_NAME_DEL, e->l.name, e->l.addr, 0);
		e->l.name[0] = 0;
		set_st(d, e, E_FREE);
		ev_lease(d, &e->l);
	} else if (e->st == E_HOLD && e->hold_until <= now) {
		ent_del(d, i);
	} else if (e->st == E_DECLINED && e->l.expire_ms <= now) {
		ent_del(d, i);
	}
}

void dhcp_tick(dhcp_ctx *d, uint64_t now_ms)
{
	d->timer_min = 0;
	for (uint32_t i = 0; i < d->ne; i++) {
		dhcp_ent *e = &d->e[i];

		if (!e->used)
			continue;
		expire_ent(d, (int32_t)i, now_ms);
		if (!e->used)
			continue;
		if (e->st == E_HOLD)
			arm(d, e->hold_until);
		else if (e->st != E_FREE)
			arm(d, e->l.expire_ms);
	}
}

uint64_t dhcp_next_timer(const dhcp_ctx *d)
{
	return d->timer_min;
}

/* ---- configuration ---- */

static void *dup_arr(const void *p, size_t n, size_t sz)
{
	void *c = malloc(n ? n * sz : 1);

	if (c && n)
		memcpy(c, p, n * sz);
	return c;
}

dhcp_ctx *dhcp_new(const dhcp_cfg *cfg, char *err, size_t errlen)
{
	dhcp_ctx *d = calloc(1, sizeof(*d));

	if (!d)
		goto oom;
	d->cfg = *cfg;
	d->ranges = dup_arr(cfg->ranges, cfg->nranges, sizeof(dhcp_range));
	d->hosts = dup_arr(cfg->hosts, cfg->nhosts, sizeof(dhcp_host));
	d->opts = dup_arr(cfg->opts, cfg->nopts, sizeof(dhcp_opt));
	d->freel = -1;
	if (!d->ranges || !d->hosts || !d->opts || rehash(d, 64) < 0)
		goto oom;
	d->cfg.ranges = d->ranges;
	d->cfg.hosts = d->hosts;
	d->cfg.opts = d->opts;
	if (cfg->domain && strlen(cfg->domain) < sizeof(d->domain))
		strcpy(d->domain, cfg->domain);
	if (d->domain[0] && d->domain[strlen(d->domain) - 1] == '.')
		d->domain[strlen(d->domain) - 1] = 0;
	if (!d->cfg.lease_max)
		d->cfg.lease_max = 1000;
	if (!d->cfg.offer_hold_secs)
		d->cfg.offer_hold_secs = 30;
	if (!d->cfg.decline_secs)
		d->cfg.decline_secs = 600;
	return d;
oom:
	if (err && errlen)
		strncpy(err, "out of memory", errlen - 1);
	dhcp_free(d);
	return NULL;
}

void dhcp_free(dhcp_ctx *d)
{
	if (!d)
		return;
	free(d->ranges);
	free(d->hosts);
	free(d->opts);
	free(d->e);
	free(d->ba);
	free(d->bc);
	free(d->bn);
	free(d->ev);
	free(d);
}

const dhcp_stats *dhcp_get_stats(const dhcp_ctx *d)
{
	return &d->st;
}

int dhcp_range_use(const dhcp_ctx *d, size_t i, uint32_t *size,
		   uint32_t *leased)
{
	const dhcp_range *r;

	if (i >= d->cfg.nranges)
		return -1;
	r = &d->ranges[i];
	*size = r->end - r->start + 1;
	*leased = 0;
	for (uint32_t k = 0; k < d->ne; k++)
		if (d->e[k].st == E_ACTIVE && d->e[k].l.addr >= r->start &&
		    d->e[k].l.addr <= r->end)
			(*leased)++;
	return 0;
}

/* ---- links, ranges, hosts ---- */

static uint32_t range_mask(const dhcp_range *r, uint32_t dflt)
{
	return r->netmask ? r->netmask : dflt;
}

static int link_find(const dhcp_ctx *d, const dhcp_rx *rx,
		     const dhcp_msg *m, dhcp_link *lk)
{
	uint32_t ref = rx->if_addr, dflt = rx->if_mask, router = rx->if_addr;

	/* relayed: the relay's subnet; a unicast RENEWING or INFORM from a
	 * routed subnet: the client's (RFC 2131 4.3.2 trusts ciaddr) */
	if (m->giaddr)
		ref = router = m->giaddr;
	else if (m->ciaddr && !rx->to_broadcast)
		ref = m->ciaddr;
	/* a remote subnet without a range netmask is taken as a /24; we
	 * know no router there unless it is the relay */
	if ((ref & rx->if_mask) != (rx->if_addr & rx->if_mask)) {
		dflt = 0xffffff00;
		router = m->giaddr;
	}
	for (size_t i = 0; i < d->cfg.nranges; i++) {
		uint32_t mk = range_mask(&d->ranges[i], dflt);

		if ((d->ranges[i].start & mk) == (ref & mk)) {
			lk->mask = mk;
			lk->net = ref & mk;
			lk->router = router;
			lk->r0 = &d->ranges[i];
			return 0;
		}
	}
	return -1;
}

static int on_link(const dhcp_link *lk, uint32_t a)
{
	return (a & lk->mask) == lk->net && a != lk->net &&
	       a != (lk->net | ~lk->mask);
}

/* The dynamic range of the link holding a, or NULL. */
static const dhcp_range *pool_of(const dhcp_ctx *d, const dhcp_link *lk,
				 uint32_t a)
{
	for (size_t i = 0; i < d->cfg.nranges; i++) {
		const dhcp_range *r = &d->ranges[i];

		if (!r->is_static && a >= r->start && a <= r->end &&
		    (r->start & lk->mask) == lk->net)
			return r;
	}
	return NULL;
}

static void client_name(const dhcp_ctx *d, const dhcp_msg *m, char *out);

static int host_matches(const dhcp_host *h, const dhcp_msg *m,
			const char *cname)
{
	if (h->idlen)
		return m->has[O_CLIENTID] && m->len[O_CLIENTID] == h->idlen &&
		       !memcmp(m->buf + m->off[O_CLIENTID], h->client_id,
			       h->idlen);
	if (h->has_mac)
		return m->hlen == 6 && !memcmp(m->chaddr, h->mac, 6);
	/* a name-only host matches the name the client sends */
	return h->name[0] && cname[0] && !strcasecmp(h->name, cname);
}

static const dhcp_host *host_find(const dhcp_ctx *d, const dhcp_msg *m)
{
	char cname[DHCP_NAME_MAX + 1];

	client_name(d, m, cname);
	for (size_t i = 0; i < d->cfg.nhosts; i++)
		if (host_matches(&d->hosts[i], m, cname))
			return &d->hosts[i];
	return NULL;
}

/* Reserved for a --dhcp-host other than mine. */
static int reserved(const dhcp_ctx *d, uint32_t a, const dhcp_host *mine)
{
	for (size_t i = 0; i < d->cfg.nhosts; i++)
		if (d->hosts[i].addr == a && &d->hosts[i] != mine &&
		    !d->hosts[i].ignore)
			return 1;
	return 0;
}

/* Taken by someone else (lease, hold, quarantine, reservation). */
static int taken(const dhcp_ctx *d, uint32_t a, const dhcp_ckey *k,
		 const dhcp_host *h)
{
	int32_t i = ent_find(d, a);

	if (reserved(d, a, h))
		return 1;
	if (i < 0 || d->e[i].st == E_FREE)
		return 0;
	return d->e[i].st == E_DECLINED || !same_client(&d->e[i], k);
}

/* May this client have address a on this link? */
static int usable(const dhcp_ctx *d, const dhcp_link *lk, uint32_t a,
		  const dhcp_ckey *k, const dhcp_host *h, uint32_t our)
{
	if (!a || a == our || !on_link(lk, a) || taken(d, a, k, h))
		return 0;
	return (h && h->addr == a) || pool_of(d, lk, a) != NULL;
}

static uint32_t scan_pool(const dhcp_ctx *d, const dhcp_link *lk,
			  const dhcp_ckey *k,
			  const dhcp_host *h, uint32_t our)
{
	uint32_t seed = hkey(k);

	for (size_t i = 0; i < d->cfg.nranges; i++) {
		const dhcp_range *r = &d->ranges[i];
		uint64_t size = (uint64_t)r->end - r->start + 1;

		if (r->is_static || (r->start & lk->mask) != lk->net)
			continue;
		for (uint64_t j = 0; j < size; j++) {
			uint32_t a = r->start +
				     (uint32_t)((seed + j) % size);

			if (usable(d, lk, a, k, h, our))
				return a;
		}
	}
	return 0;
}

static uint32_t lease_secs(const dhcp_ctx *d, const dhcp_link *lk,
			   const dhcp_msg *m, const dhcp_host *h, uint32_t a)
{
	const dhcp_range *r = pool_of(d, lk, a);
	uint32_t s = r ? r->lease_secs : lk->r0->lease_secs, want;

	if (h && h->lease_secs)
		s = h->lease_secs;
	if (!s)
		s = DEFAULT_LEASE;
	want = dhcp_msg_u32(m, O_LEASE);
	if (want && want < s)	/* a client may ask for less */
		s = want < 120 ? 120 : want;
	return s;
}

/* ---- names ---- */

/* The name the client asks for: option 81 (first label), else 12. */
static void client_name(const dhcp_ctx *d, const dhcp_msg *m, char *out)
{
	const uint8_t *p;
	size_t n;

	out[0] = 0;
	(void)d;
	if (m->has[O_FQDN] && m->len[O_FQDN] > 3) {
		p = m->buf + m->off[O_FQDN];
		n = m->len[O_FQDN] - 3u;
		if (p[0] & 0x04) {	/* E: wire format */
			if (p[3] && p[3] < n)
				dhcp_clean_name((const char *)p + 4, p[3], out);
		} else {
			dhcp_clean_name((const char *)p + 3, n, out);
		}
	}
	if (!out[0] && m->has[O_HOSTNAME])
		dhcp_clean_name((const char *)m->buf + m->off[O_HOSTNAME],
				m->len[O_HOSTNAME], out);
}

/* An earlier indexed entry has the name of entry n (restore keeps the
 * first of duplicates). */
static int name_before(const dhcp_ctx *d, int32_t n)
{
	for (int32_t i = d->bn[d->e[n].hn & (d->nb - 1)]; i >= 0;
	     i = d->e[i].next_n)
		if (i < n && !strcasecmp(d->e[i].l.name, d->e[n].l.name))
			return 1;
	return 0;
}

static int name_used(const dhcp_ctx *d, const char *name, int32_t self,
		     const dhcp_host *h)
{
	for (size_t i = 0; i < d->cfg.nhosts; i++)
		if (&d->hosts[i] != h && !strcasecmp(d->hosts[i].name, name))
			return 1;
	for (int32_t i = d->bn[hname(name) & (d->nb - 1)]; i >= 0;
	     i = d->e[i].next_n)
		if (i != self && !strcasecmp(d->e[i].l.name, name))
			return 1;
	return 0;
}

static void pick_name(const dhcp_ctx *d, const dhcp_msg *m,
		      const dhcp_host *h, int32_t self, char *out)
{
	if (h && h->name[0]) {
		strcpy(out, h->name);
		return;
	}
	out[0] = 0;
	if (d->cfg.ignore_names)
		return;
	client_name(d, m, out);
	if (out[0] && name_used(d, out, self, h))
		out[0] = 0;
}

/* ---- lease changes ---- */

/* Drop every other entry of this client in a state of mask (moving
 * frees the old lease: NAME_DEL and LEASE events when events is set). */
static void drop_others(dhcp_ctx *d, const dhcp_ckey *k, uint32_t keep,
			unsigned mask, int events)
{
	uint32_t h = hkey(k);
	int32_t i = d->bc[h & (d->nb - 1)];

	while (i >= 0) {
		int32_t next = d->e[i].next_c;
		dhcp_ent *e = &d->e[i];

		if (e->hc == h && e->l.addr != keep &&
		    (mask & (1u << e->st)) && same_client(e, k)) {
			if (e->st == E_ACTIVE && events) {
				ev_name(d, DHCP_EV_NAME_DEL, e->l.name,
					e->l.addr, 0);
				set_st(d, e, E_FREE);
				e->l.name[0] = 0;
				ev_lease(d, &e->l);
			}
			ent_del(d, i);
		}
		i = next;
	}
}

/* Room for one more lease (holds count too; static hosts always fit). */
static int room(const dhcp_ctx *d, const dhcp_req *q)
{
	if (q->h && q->h->addr)
		return 1;
	if (ent_client(d, &q->k, 1u << E_ACTIVE | 1u << E_HOLD) >= 0)
		return 1;
	return d->nactive + d->nhold < d->cfg.lease_max;
}

/* Make q->addr an active lease of the client; LEASE and NAME events. */
static int commit(dhcp_ctx *d, dhcp_req *q)
{
	int32_t i = ent_find(d, q->addr);
	char old[DHCP_NAME_MAX + 1] = "";
	dhcp_ent *e;

	drop_others(d, &q->k, q->addr, 1u << E_FREE | 1u << E_ACTIVE |
		    1u << E_HOLD, 1);
	if (i < 0 && (i = ent_new(d, q->addr)) < 0)
		return -1;
	e = &d->e[i];
	if (e->st == E_ACTIVE && same_client(e, &q->k))
		strcpy(old, e->l.name);
	ent_own(d, i, q->m);
	q->secs = lease_secs(d, &q->lk, q->m, q->h, q->addr);
	pick_name(d, q->m, q->h, i, q->name);
	strcpy(e->l.name, q->name);
	set_st(d, e, E_ACTIVE);
	e->l.expire_ms = q->secs == UINT32_MAX ? UINT64_MAX :
			 q->now + (uint64_t)q->secs * 1000;
	arm(d, e->l.expire_ms);
	if (old[0] && strcasecmp(old, q->name))
		ev_name(d, DHCP_EV_NAME_DEL, old, q->addr, 0);
	if (q->name[0] && strcmp(old, q->name))
		ev_name(d, DHCP_EV_NAME_ADD, q->name, q->addr,
			q->secs < NAME_TTL_MAX ? q->secs : NAME_TTL_MAX);
	ev_lease(d, &e->l);
	return 0;
}

static int hold(dhcp_ctx *d, dhcp_req *q)
{
	int32_t i = ent_find(d, q->addr);

	drop_others(d, &q->k, q->addr, 1u << E_FREE | 1u << E_HOLD, 0);
	if (i >= 0 && d->e[i].st == E_ACTIVE)
		return 0;	/* its own lease: nothing to hold */
	if (i < 0 && (i = ent_new(d, q->addr)) < 0)
		return -1;
	ent_own(d, i, q->m);
	set_st(d, &d->e[i], E_HOLD);
	d->e[i].l.name[0] = 0;
	d->e[i].hold_until = q->now + (uint64_t)d->cfg.offer_hold_secs * 1000;
	arm(d, d->e[i].hold_until);
	return 0;
}

/* ---- after lease loss ---- */

static int unsure(const dhcp_ctx *d, uint64_t now)
{
	return d->unsure_until && now < d->unsure_until;
}

static int probed_free(const dhcp_ctx *d, uint32_t a, uint64_t now)
{
	for (unsigned i = 0; i < DHCP_POK; i++)
		if (d->pok[i].addr == a && d->pok[i].until > now)
			return 1;
	return 0;
}

/* Must a be checked with an echo before it is offered to q? */
static int needs_probe(const dhcp_ctx *d, const dhcp_req *q, uint32_t a)
{
	if (!unsure(d, q->now) || ent_find(d, a) >= 0)
		return 0;
	if (q->h && q->h->addr == a)
		return 0;	/* reserved for this client anyway */
	return !probed_free(d, a, q->now);
}

/* The requested address has no record, or only a probe's quarantine. */
static int unknown_addr(const dhcp_ctx *d, const dhcp_req *q)
{
	int32_t i = ent_find(d, q->addr);

	return unsure(d, q->now) && (i < 0 || d->e[i].probed);
}

/* A client that is not SELECTING claims an address whose state we
 * lost: never NAK (it may well be its lease); when authoritative take
 * its word if the address is free in a range for it, else stay quiet. */
static int claim(dhcp_ctx *d, dhcp_req *q)
{
	int32_t i = ent_find(d, q->addr);

	if (!d->cfg.authoritative || !room(d, q) ||
	    !pool_of(d, &q->lk, q->addr))
		goto quiet;
	if (i >= 0 && d->e[i].probed)
		ent_del(d, i);	/* it answered our echo: it is this one */
	if (!usable(d, &q->lk, q->addr, &q->k, q->h, q->rx->if_addr))
		goto quiet;
	q->type = DHCPACK;
	return commit(d, q) < 0 ? 0 : 1;
quiet:
	d->st.ignored++;
	return 0;
}

void dhcp_set_unsure(dhcp_ctx *d, uint64_t until_ms)
{
	d->unsure_until = until_ms;
}

uint64_t dhcp_unsure_until(const dhcp_ctx *d)
{
	return d->unsure_until;
}

static uint64_t secs_ms(uint32_t s)
{
	if (s == UINT32_MAX)
		return UINT64_MAX;
	return (uint64_t)(s ? s : DEFAULT_LEASE) * 1000;
}

uint64_t dhcp_longest_lease_ms(const dhcp_ctx *d)
{
	uint64_t m = 0, v;

	for (size_t i = 0; i < d->cfg.nranges; i++)
		if ((v = secs_ms(d->ranges[i].lease_secs)) > m)
			m = v;
	for (size_t i = 0; i < d->cfg.nhosts; i++)
		if (d->hosts[i].lease_secs &&
		    (v = secs_ms(d->hosts[i].lease_secs)) > m)
			m = v;
	return m ? m : secs_ms(0);
}

void dhcp_probe_done(dhcp_ctx *d, uint32_t addr, int in_use,
		     uint64_t now_ms)
{
	int32_t i;

	if (!in_use) {
		d->pok[d->pok_next % DHCP_POK] = (dhcp_pok){ addr, now_ms +
			(uint64_t)d->cfg.offer_hold_secs * 1000 };
		d->pok_next++;
		return;
	}
	if (ent_find(d, addr) >= 0 || (i = ent_new(d, addr)) < 0)
		return;	/* somebody got it meanwhile */
	set_st(d, &d->e[i], E_DECLINED);
	d->e[i].probed = 1;
	d->e[i].l.expire_ms = now_ms + (uint64_t)d->cfg.decline_secs * 1000;
	arm(d, d->e[i].l.expire_ms);
}

/* ---- message handlers ---- */

static uint32_t choose(const dhcp_ctx *d, const dhcp_req *q)
{
	uint32_t our = q->rx->if_addr, a;
	int32_t i;

	if (q->h && q->h->addr)
		return usable(d, &q->lk, q->h->addr, &q->k, q->h, our) ?
		       q->h->addr : 0;
	i = ent_client(d, &q->k, 1u << E_ACTIVE | 1u << E_HOLD);
	if (i >= 0 && usable(d, &q->lk, d->e[i].l.addr, &q->k, q->h, our))
		return d->e[i].l.addr;
	if (!room(d, q))
		return 0;
	/* the address it had before, if nobody took it meanwhile */
	i = ent_client(d, &q->k, 1u << E_FREE);
	if (i >= 0 && usable(d, &q->lk, d->e[i].l.addr, &q->k, q->h, our))
		return d->e[i].l.addr;
	a = dhcp_msg_u32(q->m, O_REQADDR);
	if (usable(d, &q->lk, a, &q->k, q->h, our))
		return a;
	return scan_pool(d, &q->lk, &q->k, q->h, our);
}

static int on_discover(dhcp_ctx *d, dhcp_req *q)
{
	d->st.discover++;
	q->addr = choose(d, q);
	if (!q->addr) {
		d->st.ignored++;	/* pool exhausted or lease_max */
		return 0;
	}
	if (needs_probe(d, q, q->addr)) {
		q->probe = q->addr;
		return 0;
	}
	if (q->m->has[O_RAPID] && d->cfg.rapid_commit) {
		q->rapid = 1;
		q->type = DHCPACK;
		return commit(d, q) < 0 ? 0 : 1;
	}
	q->secs = lease_secs(d, &q->lk, q->m, q->h, q->addr);
	pick_name(d, q->m, q->h, ent_find(d, q->addr), q->name);
	if (hold(d, q) < 0)
		return 0;
	q->type = DHCPOFFER;
	return 1;
}

static int nak(dhcp_req *q, const char *why)
{
	q->type = DHCPNAK;
	q->msg = why;
	q->addr = 0;
	return 1;
}

static int on_request(dhcp_ctx *d, dhcp_req *q)
{
	const dhcp_msg *m = q->m;
	int selecting = m->has[O_SERVERID];
	int may_nak = selecting || !m->ciaddr || d->cfg.authoritative;
	int32_t i;

	d->st.request++;
	if (selecting && dhcp_msg_u32(m, O_SERVERID) != q->rx->if_addr) {
		/* the client took another server's offer */
		if ((i = ent_client(d, &q->k, 1u << E_HOLD)) >= 0)
			ent_del(d, i);
		return 0;
	}
	q->addr = dhcp_msg_u32(m, O_REQADDR);
	if (!q->addr)
		q->addr = m->ciaddr;
	if (!q->addr)
		return 0;
	if (!on_link(&q->lk, q->addr))
		return may_nak ? nak(q, "wrong network") : 0;
	if (q->h && q->h->addr && q->h->addr != q->addr &&
	    on_link(&q->lk, q->h->addr))
		return nak(q, "static address elsewhere");
	if (!selecting && unknown_addr(d, q))
		return claim(d, q);
	if (taken(d, q->addr, &q->k, q->h))
		return nak(q, "address in use");
	i = ent_find(d, q->addr);
	if (i < 0 || !same_client(&d->e[i], &q->k)) {
		/* no record of ours: only a server that is sure acts */
		if (!selecting && !d->cfg.authoritative)
			return 0;
	}
	if (!usable(d, &q->lk, q->addr, &q->k, q->h, q->rx->if_addr))
		return nak(q, "address not available");
	if (!room(d, q))
		return nak(q, "no leases left");
	q->type = DHCPACK;
	return commit(d, q) < 0 ? 0 : 1;
}

static int on_decline(dhcp_ctx *d, dhcp_req *q)
{
	uint32_t a = dhcp_msg_u32(q->m, O_REQADDR);
	int32_t i = ent_find(d, a);
	dhcp_ent *e;

	d->st.decline++;
	if (q->m->has[O_SERVERID] &&
	    dhcp_msg_u32(q->m, O_SERVERID) != q->rx->if_addr)
		return 0;
	if (i < 0 || !same_client(&d->e[i], &q->k) ||
	    (d->e[i].st != E_ACTIVE && d->e[i].st != E_HOLD))
		return 0;
	e = &d->e[i];
	if (e->st == E_ACTIVE)
		ev_name(d, DHCP_EV_NAME_DEL, e->l.name, a, 0);
	e->l.name[0] = 0;
	ent_own(d, i, NULL);
	set_st(d, e, E_DECLINED);
	e->l.expire_ms = q->now + (uint64_t)d->cfg.decline_secs * 1000;
	arm(d, e->l.expire_ms);
	ev_lease(d, &e->l);
	return 0;
}

static int on_release(dhcp_ctx *d, dhcp_req *q)
{
	int32_t i = ent_find(d, q->m->ciaddr);
	dhcp_ent *e;

	d->st.release++;
	if (q->m->has[O_SERVERID] &&
	    dhcp_msg_u32(q->m, O_SERVERID) != q->rx->if_addr)
		return 0;
	if (i < 0 || d->e[i].st != E_ACTIVE || !same_client(&d->e[i], &q->k))
		return 0;
	e = &d->e[i];
	ev_name(d, DHCP_EV_NAME_DEL, e->l.name, e->l.addr, 0);
	e->l.name[0] = 0;
	set_st(d, e, E_FREE);
	e->l.expire_ms = q->now;
	ev_lease(d, &e->l);
	return 0;
}

static int on_inform(dhcp_ctx *d, dhcp_req *q)
{
	d->st.inform++;
	q->type = DHCPACK;
	q->addr = 0;
	q->secs = 0;
	return 1;
}

/* ---- input ---- */

static int check(const dhcp_msg *m)
{
	int t = dhcp_msg_u8(m, O_MSGTYPE);

	if (m->op != 1 || (m->has[O_MSGTYPE] && !t))
		return -1;
	if (m->has[O_CLIENTID] && (m->len[O_CLIENTID] < 1 ||
				   m->len[O_CLIENTID] > DHCP_CLIENTID_MAX))
		return -1;
	if (!m->has[O_CLIENTID] && !m->hlen)
		return -1;	/* no identity at all */
	return 0;
}

static int dispatch(dhcp_ctx *d, dhcp_req *q)
{
	switch (dhcp_msg_u8(q->m, O_MSGTYPE)) {
	case DHCPDISCOVER: return on_discover(d, q);
	case DHCPREQUEST: return on_request(d, q);
	case DHCPDECLINE: return on_decline(d, q);
	case DHCPRELEASE: return on_release(d, q);
	case DHCPINFORM: return on_inform(d, q);
	}
	d->st.ignored++;
	return 0;
}

dhcp_result dhcp_input(dhcp_ctx *d, const dhcp_rx *rx, dhcp_tx *tx)
{
	dhcp_req q;                   /* this message's state (no static:
					 the engine is reentrant) */
	dhcp_msg *m = &d->msg;
	size_t lease_ev;

	d->st.rx++;
	tx->len = 0;
	tx->need_neigh = 0;
	tx->durable = 0;
	tx->probe_addr = 0;
	if (d->timer_min && rx->now_ms >= d->timer_min)
		dhcp_tick(d, rx->now_ms);
	lease_ev = d->nlease_ev;	/* expiries above need no wait */
	if (dhcp_msg_parse(rx->pkt, rx->len, m) < 0 || check(m) < 0) {
		d->st.bad++;
		return DHCP_BAD;
	}
	memset(&q, 0, sizeof(q));
	q.rx = rx;
	q.m = m;
	q.now = rx->now_ms;
	key_of_msg(m, &q.k);
	q.h = host_find(d, m);
	if (dhcp_echo_size(m) + 64 > dhcp_max_payload(m) - DHCP_OPT_OFF) {
		d->st.bad++;	/* 61 and 82 could not be echoed */
		return DHCP_BAD;
	}
	if (!m->has[O_MSGTYPE] || !rx->if_addr || (q.h && q.h->ignore) ||
	    link_find(d, rx, m, &q.lk) < 0) {
		d->st.ignored++;	/* BOOTP, ignored hosts, other links */
		return DHCP_NONE;
	}
	if (!dispatch(d, &q)) {
		tx->probe_addr = q.probe;
		return q.probe ? DHCP_PROBE : DHCP_NONE;
	}
	dhcp_reply_build(d, &q, tx);
	dhcp_reply_route(&q, tx);
	d->st.offer += q.type == DHCPOFFER;
	d->st.ack += q.type == DHCPACK;
	d->st.nak += q.type == DHCPNAK;
	tx->durable = d->nlease_ev != lease_ev;
	return DHCP_SEND;
}

/* ---- persistence ---- */

static void restore_one(dhcp_ctx *d, const dhcp_lease *l, uint64_t now)
{
	int32_t i = ent_find(d, l->addr);
	uint8_t st = l->state;
	dhcp_ckey k;
	dhcp_ent *e;

	if (l->addr == 0 || (st != E_FREE && l->expire_ms <= now))
		st = E_FREE;	/* expired while we were down */
	key_of_lease(l, &k);
	/* later records win; a free record never evicts a live lease */
	if (k.len)
		drop_others(d, &k, l->addr, st == E_FREE ? 0xf &
			    ~(1u << E_ACTIVE) : 0xf, 0);
	if (i < 0 && (i = ent_new(d, l->addr)) < 0)
		return;
	e = &d->e[i];
	set_st(d, e, E_FREE);
	unlink_client(d, i);
	e->l = *l;
	e->l.name[DHCP_NAME_MAX] = 0;
	e->next_c = -1;
	if (k.len) {
		e->hc = hkey(&k);
		e->next_c = d->bc[e->hc & (d->nb - 1)];
		d->bc[e->hc & (d->nb - 1)] = i;
	}
	set_st(d, e, st);
	if (st != E_ACTIVE)
		e->l.name[0] = 0;
	if (st != E_FREE)
		arm(d, e->l.expire_ms);
}

struct restore_arg {
	dhcp_ctx *d;
	uint64_t now;
};

static void restore_cb(void *arg, const dhcp_lease *l)
{
	struct restore_arg *ra = arg;

	restore_one(ra->d, l, ra->now);
}

/* NAME_ADD for every restored named lease (the first of duplicates). */
static void restore_names(dhcp_ctx *d, uint64_t now_ms)
{
	for (uint32_t i = 0; i < d->ne; i++) {
		dhcp_ent *e = &d->e[i];
		uint64_t left;

		if (!e->used || e->st != E_ACTIVE || !e->l.name[0])
			continue;
		if (name_before(d, (int32_t)i)) {
			/* a duplicate: the first keeps it */
			name_unlink(d, (int32_t)i);
			e->l.name[0] = 0;
			continue;
		}
		left = e->l.expire_ms == UINT64_MAX ? NAME_TTL_MAX :
		       (e->l.expire_ms - now_ms) / 1000;
		ev_name(d, DHCP_EV_NAME_ADD, e->l.name, e->l.addr,
			left < NAME_TTL_MAX ? (uint32_t)left : NAME_TTL_MAX);
	}
}

int dhcp_restore_report(dhcp_ctx *d, const uint8_t *buf, size_t len,
			uint64_t now_ms, dhcp_jreport *r)
{
	struct restore_arg ra = { d, now_ms };
	dhcp_jreport own;

	if (!r)
		r = &own;
	dhcp_journal_scan(buf, len, r, restore_cb, &ra);
	restore_names(d, now_ms);
	return (int)r->records;
}

int dhcp_restore(dhcp_ctx *d, const uint8_t *buf, size_t len,
		 uint64_t now_ms)
{
	return dhcp_restore_report(d, buf, len, now_ms, NULL);
}
