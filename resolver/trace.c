/*
 * Events for the shell's log (cfg.on_event, resolver.h): the per-query
 * trace at debug level (queries sent, replies taken, timeouts, what the
 * validator made of each RRset and zone) and the once-per-zone warning
 * for DNSSEC algorithms we do not validate.  The engine calls these only
 * behind res_tracing() (one test of a flag), so nothing is built when
 * the trace is off.  A leaf: calls no other engine file.
 */
#include <stdlib.h>
#include <string.h>

#include "resolver/res_int.h"

enum { WARNED_MAX = 1024 };

/* An event of kind about transaction x: its server, transport, name and
 * type. */
static void txn_event(res_event *ev, res_ev_kind kind, const res_txn *x)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->server = &x->server;
	ev->transport = x->transport;
	ev->name = x->qname;
	ev->type = x->qtype;
}

void res_ev_query(res_ctx *r, const res_txn *x)
{
	res_event ev;

	txn_event(&ev, RES_EV_QUERY, x);
	r->cfg.on_event(r->cfg.on_event_arg, &ev);
}

void res_ev_reply(res_ctx *r, const res_txn *x, const uint8_t *msg,
		  size_t len, uint64_t now)
{
	res_event ev;

	if (len < WIRE_HDRLEN)
		return;
	txn_event(&ev, RES_EV_REPLY, x);
	ev.flags = wire_get16(msg + 2);
	ev.rcode = ev.flags & 0xf;
	ev.an = wire_get16(msg + 6);
	ev.ns = wire_get16(msg + 8);
	ev.ar = wire_get16(msg + 10);
	ev.ms = now > x->sent_ms ? (uint32_t)(now - x->sent_ms) : 0;
	r->cfg.on_event(r->cfg.on_event_arg, &ev);
}

void res_ev_timeout(res_ctx *r, const res_txn *x, const char *why)
{
	res_event ev;

	txn_event(&ev, RES_EV_TIMEOUT, x);
	ev.why = why;
	r->cfg.on_event(r->cfg.on_event_arg, &ev);
}

static const char *sec_name(uint8_t sec)
{
	switch (sec) {
	case RES_SEC_SECURE: return "secure";
	case RES_SEC_INSECURE: return "insecure";
	case RES_SEC_BOGUS: return "bogus";
	default: return "indeterminate";
	}
}

void res_ev_val(res_ctx *r, const res_addr *from, const uint8_t *name,
		uint16_t type, uint8_t sec, uint16_t ede, const char *why)
{
	res_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = RES_EV_VALIDATED;
	ev.server = from && from->af ? from : NULL;
	ev.name = name;
	ev.type = type;
	ev.state = sec_name(sec);
	ev.ede = sec == RES_SEC_BOGUS ? ede : 0;
	ev.why = why ? why : "";
	r->cfg.on_event(r->cfg.on_event_arg, &ev);
}

/* Seen (zone, alg, digest) before?  Remembers it if not.  A hash set
 * of bounded size: once full, nothing more is logged (a flood of odd
 * zones must not flood the log either). */
static int warned_before(res_ctx *r, const uint8_t *zn, uint8_t alg,
			 uint8_t digest)
{
	uint32_t h = 2166136261u;
	size_t l = wire_name_len(zn);

	for (size_t i = 0; i < l; i++)
		h = (h ^ (uint8_t)(zn[i] | (zn[i] >= 'A' && zn[i] <= 'Z'
					      ? 0x20 : 0))) * 16777619u;
	h = ((h ^ alg) * 16777619u ^ digest) * 16777619u;
	for (size_t i = 0; i < r->nwarned; i++)
		if (r->warned[i] == h)
			return 1;
	if (!r->warned)
		r->warned = calloc(WARNED_MAX, sizeof(*r->warned));
	if (!r->warned || r->nwarned >= WARNED_MAX)
		return 1;
	r->warned[r->nwarned++] = h;
	return 0;
}

void res_ev_unsupported(res_ctx *r, const uint8_t *zn, const uint8_t *ds,
			uint32_t dslen, uint16_t dscount, const char *why)
{
	uint32_t p = 0;

	if (!r->cfg.on_event)
		return;
	for (uint16_t i = 0; i < dscount && p + 2 <= dslen; i++) {
		uint16_t rl = wire_get16(ds + p);
		const uint8_t *rd = ds + p + 2;
		res_event ev;

		p += 2u + rl;
		if (p > dslen || rl < 4)
			break;
		memset(&ev, 0, sizeof(ev));
		ev.kind = RES_EV_UNSUPPORTED;
		ev.name = zn;
		ev.keytag = wire_get16(rd);
		if (!res_val_alg_supported(rd[2]))
			ev.alg = rd[2];
		else if (!res_val_digest_supported(rd[3]))
			ev.digest = rd[3];
		else
			continue;
		if (warned_before(r, zn, ev.alg, ev.digest))
			continue;
		ev.why = why;
		r->cfg.on_event(r->cfg.on_event_arg, &ev);
	}
}
