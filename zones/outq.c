/*
 * The outgoing-query table (zones/outq.h).  Pending queries live in a
 * fixed array of slots; a handle is (slot + 1) | generation << 16, so a
 * stale handle (slot reused) finds nothing.  Slots with the same id low
 * byte are chained from one of 256 buckets: a reply is matched, and an
 * id checked for collisions, by walking one short chain.  The next-timer
 * value is a lower bound kept on insert; a timer that fires early
 * rescans the slots and sets it again.
 */
#include <stdlib.h>
#include <string.h>

#include "zones/outq.h"

enum {
	OQ_BUCKETS = 256,
	OQ_NONE = 0xffff,
	OQ_DEF_TIMEOUT = 3000,     /* ms */
	OQ_MAX_TIMEOUT = 60000,    /* ms: backoff stops growing here */
	OQ_ID_DRAWS = 16,
	OQ_MAXMSG = 65535,
	OQ_BUFCAP = OQ_MAXMSG + 1024,   /* room for a TSIG RR */
};

typedef struct oq_slot {
	uint16_t gen;
	uint16_t next;             /* bucket chain */
	uint16_t id;
	uint16_t qtype, qclass;
	uint8_t used, tcp, queued, dying;
	uint8_t act, err, tries, retries;
	uint8_t opcode;
	unsigned flags;
	uint32_t timeout_ms;       /* of the current try */
	uint32_t nrx;              /* messages delivered (stream) */
	uint64_t deadline;
	uint64_t user;
	zone_oq_addr server;
	uint8_t *msg;              /* a copy to send again, or NULL */
	size_t len;
	zone_tsig_ctx *tsig;       /* NULL: unsigned */
	uint8_t qname[WIRE_MAXNAME];   /* lowercased */
} oq_slot;

struct zone_outq {
	oq_slot *s;
	size_t cap, n;
	uint16_t *freel;           /* free slot indices (a stack) */
	size_t nfree;
	uint32_t *fifo;            /* handles with a queued action */
	size_t fhead, fcount, fcap;
	uint16_t bucket[OQ_BUCKETS];
	uint64_t next_timer;
	zone_oq_random_fn rnd;
	void *rnd_arg;
	uint8_t *buf;              /* the query being started */
	zone_oq_stats st;
};

/* ------------------------------------------------------------------ */
/* slots                                                              */
/* ------------------------------------------------------------------ */

zone_outq *zone_outq_new(size_t max_pending, zone_oq_random_fn rnd,
			 void *rnd_arg)
{
	zone_outq *q;

	if (max_pending == 0 || max_pending >= OQ_NONE || !rnd)
		return NULL;
	q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	q->cap = max_pending;
	q->s = calloc(max_pending, sizeof(*q->s));
	q->freel = calloc(max_pending, sizeof(*q->freel));
	q->fcap = 2 * max_pending;
	q->fifo = calloc(q->fcap, sizeof(*q->fifo));
	q->buf = malloc(OQ_BUFCAP);
	if (!q->s || !q->freel || !q->fifo || !q->buf) {
		zone_outq_free(q);
		return NULL;
	}
	for (size_t i = 0; i < max_pending; i++) {
		q->freel[i] = (uint16_t)(max_pending - 1 - i);
		q->s[i].gen = 1;
	}
	q->nfree = max_pending;
	for (size_t i = 0; i < OQ_BUCKETS; i++)
		q->bucket[i] = OQ_NONE;
	q->rnd = rnd;
	q->rnd_arg = rnd_arg;
	return q;
}

void zone_outq_free(zone_outq *q)
{
	if (!q)
		return;
	for (size_t i = 0; q->s && i < q->cap; i++) {
		free(q->s[i].msg);
		free(q->s[i].tsig);
	}
	free(q->s);
	free(q->freel);
	free(q->fifo);
	free(q->buf);
	free(q);
}

static uint32_t oq_handle(const zone_outq *q, const oq_slot *s)
{
	return (uint32_t)(s - q->s + 1) | (uint32_t)s->gen << 16;
}

static oq_slot *oq_get(const zone_outq *q, uint32_t h)
{
	size_t i = (size_t)(h & 0xffff);

	if (i == 0 || i > q->cap || !q->s[i - 1].used ||
	    q->s[i - 1].gen != (uint16_t)(h >> 16))
		return NULL;
	return &q->s[i - 1];
}

static void oq_unlink(zone_outq *q, oq_slot *s)
{
	uint16_t *p = &q->bucket[s->id & (OQ_BUCKETS - 1)];
	uint16_t idx = (uint16_t)(s - q->s);

	while (*p != OQ_NONE && *p != idx)
		p = &q->s[*p].next;
	if (*p == idx)
		*p = s->next;
}

static void oq_release(zone_outq *q, oq_slot *s)
{
	oq_unlink(q, s);
	free(s->msg);
	free(s->tsig);
	s->msg = NULL;
	s->tsig = NULL;
	s->used = 0;
	s->gen = (uint16_t)(s->gen + 1 ? s->gen + 1 : 1);
	q->freel[q->nfree++] = (uint16_t)(s - q->s);
	q->n--;
}

static int oq_same_addr(const zone_oq_addr *a, const zone_oq_addr *b)
{
	return a->af == b->af && a->port == b->port &&
	       memcmp(a->addr, b->addr, a->af == 4 ? 4 : 16) == 0;
}

static int oq_id_used(const zone_outq *q, uint16_t id,
		      const zone_oq_addr *server)
{
	for (uint16_t i = q->bucket[id & (OQ_BUCKETS - 1)]; i != OQ_NONE;
	     i = q->s[i].next)
		if (q->s[i].id == id && oq_same_addr(&q->s[i].server, server))
			return 1;
	return 0;
}

uint16_t zone_outq_pick_id(zone_outq *q, const zone_oq_addr *server)
{
	uint8_t b[2];
	uint16_t id = 0;

	for (int k = 0; k < OQ_ID_DRAWS; k++) {
		q->rnd(q->rnd_arg, b, sizeof(b));
		id = wire_get16(b);
		if (!oq_id_used(q, id, server))
			break;
	}
	return id;
}

/* Drop the entries of queries that ended since they were queued. */
static void oq_compact(zone_outq *q)
{
	size_t n = 0;

	for (size_t k = 0; k < q->fcount; k++) {
		uint32_t h = q->fifo[(q->fhead + k) % q->fcap];

		if (oq_get(q, h))
			q->fifo[(q->fhead + n++) % q->fcap] = h;
	}
	q->fcount = n;
}

static void oq_enqueue(zone_outq *q, oq_slot *s, zone_oq_kind act)
{
	s->act = (uint8_t)act;
	if (s->queued)
		return;
	if (q->fcount == q->fcap)
		oq_compact(q);   /* at most cap live entries: room now */
	s->queued = 1;
	q->fifo[(q->fhead + q->fcount) % q->fcap] = oq_handle(q, s);
	q->fcount++;
}

static void oq_set_deadline(zone_outq *q, oq_slot *s, uint64_t now)
{
	s->deadline = now + s->timeout_ms;
	if (q->next_timer == 0 || s->deadline < q->next_timer)
		q->next_timer = s->deadline;
}

/* ------------------------------------------------------------------ */
/* starting a query                                                   */
/* ------------------------------------------------------------------ */

/* The question of msg (qdcount 1) into s; 0 or -1. */
static int oq_question(const uint8_t *msg, size_t len, uint8_t *lname,
		       uint16_t *qtype, uint16_t *qclass)
{
	uint8_t name[WIRE_MAXNAME];
	size_t pos = WIRE_HDRLEN;

	if (len < WIRE_HDRLEN || wire_get16(msg + 4) != 1 ||
	    wire_name_read(msg, len, &pos, name) < 0 || pos + 4 > len)
		return -1;
	wire_name_lower(lname, name);
	*qtype = wire_get16(msg + pos);
	*qclass = wire_get16(msg + pos + 2);
	return 0;
}

/* Id, TSIG and the copy for resends; the bytes to send are in q->buf. */
static int oq_prepare(zone_outq *q, oq_slot *s, const zone_oq_opts *o,
		      size_t *len, uint64_t now_ms)
{
	if (!(o->flags & ZOQ_KEEP_ID))
		wire_put16(q->buf, zone_outq_pick_id(q, &s->server));
	s->id = wire_get16(q->buf);
	if (o->key) {
		if (!(s->tsig = calloc(1, sizeof(*s->tsig))) ||
		    zone_tsig_sign_request(s->tsig, o->key, q->buf, len,
					   OQ_BUFCAP, now_ms / 1000) < 0 ||
		    *len > OQ_MAXMSG)
			return -1;
	}
	if (s->retries || !(s->flags & (ZOQ_TCP | ZOQ_TC_RAW))) {
		if (!(s->msg = malloc(*len)))
			return -1;
		memcpy(s->msg, q->buf, *len);
	}
	s->len = *len;
	return 0;
}

static oq_slot *oq_alloc(zone_outq *q, const zone_oq_addr *server,
			 const zone_oq_opts *o, uint64_t user)
{
	oq_slot *s;
	uint16_t gen;

	if (q->nfree == 0)
		return NULL;
	s = &q->s[q->freel[--q->nfree]];
	gen = s->gen;
	memset(s, 0, offsetof(oq_slot, qname));
	s->gen = gen;
	s->used = 1;
	s->next = OQ_NONE;
	s->server = *server;
	s->user = user;
	s->flags = o->flags;
	s->tcp = (o->flags & ZOQ_TCP) != 0;
	s->retries = s->tcp || (o->flags & ZOQ_STREAM) ? 0 : o->retries;
	s->timeout_ms = o->timeout_ms ? o->timeout_ms : OQ_DEF_TIMEOUT;
	q->n++;
	return s;
}

int zone_outq_query(zone_outq *q, const zone_oq_addr *server,
		    const uint8_t *msg, size_t len, const zone_oq_opts *o,
		    uint64_t user, uint64_t now_ms, uint32_t *handle,
		    zone_oq_action *a)
{
	uint16_t qt, qc;
	oq_slot *s;

	if (len > OQ_MAXMSG || (server->af != 4 && server->af != 6) ||
	    oq_question(msg, len, q->buf, &qt, &qc) < 0 ||
	    !(s = oq_alloc(q, server, o, user)))
		return -1;
	memcpy(s->qname, q->buf, wire_name_len(q->buf));
	s->opcode = (uint8_t)((wire_get16(msg + 2) >> 11) & 0xf);
	s->qtype = qt;
	s->qclass = qc;
	memcpy(q->buf, msg, len);
	if (oq_prepare(q, s, o, &len, now_ms) < 0) {
		oq_release(q, s);
		return -1;
	}
	s->next = q->bucket[s->id & (OQ_BUCKETS - 1)];
	q->bucket[s->id & (OQ_BUCKETS - 1)] = (uint16_t)(s - q->s);
	s->tries = 1;
	oq_set_deadline(q, s, now_ms);
	q->st.queries++;
	q->st.sends++;
	*handle = oq_handle(q, s);
	memset(a, 0, sizeof(*a));
	a->kind = ZOQ_ACT_SEND;
	a->handle = *handle;
	a->user = user;
	a->server = *server;
	a->tcp = s->tcp;
	a->msg = q->buf;
	a->len = len;
	return 0;
}

void zone_outq_cancel(zone_outq *q, uint32_t handle)
{
	oq_slot *s = oq_get(q, handle);

	if (s)
		oq_release(q, s);
}

/* ------------------------------------------------------------------ */
/* replies                                                            */
/* ------------------------------------------------------------------ */

/* The pending query msg answers, or NULL with *why set. */
static oq_slot *oq_find(zone_outq *q, uint32_t hint,
			const zone_oq_addr *from, int tcp, uint16_t id,
			int *why)
{
	oq_slot *s;

	*why = ZOQ_RX_BAD_ID;
	if (hint) {
		s = oq_get(q, hint);
		if (!s || s->dying || s->id != id)
			return NULL;
		*why = ZOQ_RX_BAD_ADDR;
		return oq_same_addr(&s->server, from) && s->tcp == !!tcp ?
		       s : NULL;
	}
	for (uint16_t i = q->bucket[id & (OQ_BUCKETS - 1)]; i != OQ_NONE;
	     i = q->s[i].next) {
		s = &q->s[i];
		if (s->id != id || s->dying)
			continue;
		if (oq_same_addr(&s->server, from) && s->tcp == !!tcp)
			return s;
		*why = ZOQ_RX_BAD_ADDR;
	}
	return NULL;
}

/* The reply's question against the query's: 0, or a zone_oq_rx. */
static int oq_check_question(const oq_slot *s, const uint8_t *msg,
			     size_t len)
{
	uint8_t lname[WIRE_MAXNAME];
	uint16_t qt, qc;

	if (((wire_get16(msg + 2) >> 11) & 0xf) != s->opcode)
		return ZOQ_RX_BAD_QUESTION;
	if (wire_get16(msg + 4) == 0)
		/* no question: an error rcode (a server that does not echo
		 * it), or a later message of a transfer */
		return (wire_get16(msg + 2) & 0xf) != DNS_R_NOERROR ||
		       s->nrx > 0 ? 0 : ZOQ_RX_BAD_QUESTION;
	if (oq_question(msg, len, lname, &qt, &qc) < 0)
		return ZOQ_RX_MALFORMED;
	if (qt != s->qtype || qc != s->qclass ||
	    !wire_name_equal(lname, s->qname))
		return ZOQ_RX_BAD_QUESTION;
	return 0;
}

static int oq_count(zone_outq *q, int why)
{
	switch (why) {
	case ZOQ_RX_MALFORMED: q->st.malformed++; break;
	case ZOQ_RX_BAD_ID: q->st.bad_id++; break;
	case ZOQ_RX_BAD_ADDR: q->st.bad_addr++; break;
	case ZOQ_RX_BAD_QUESTION: q->st.bad_question++; break;
	case ZOQ_RX_BAD_TSIG: q->st.bad_tsig++; break;
	default: break;
	}
	return why;
}

/* TC over UDP: the same query again over TCP. */
static void oq_to_tcp(zone_outq *q, oq_slot *s, uint64_t now,
		      zone_oq_action *a)
{
	s->tcp = 1;
	s->tries++;
	s->retries = 0;
	oq_set_deadline(q, s, now);
	q->st.tc_fallbacks++;
	q->st.sends++;
	a->kind = ZOQ_ACT_SEND;
	a->tcp = 1;
	a->retry = 1;
	a->msg = s->msg;
	a->len = s->len;
}

int zone_outq_on_reply(zone_outq *q, uint32_t hint, const zone_oq_addr *from,
		       int tcp, const uint8_t *msg, size_t len,
		       uint64_t now_ms, zone_oq_action *a)
{
	oq_slot *s;
	int why;

	if (len < WIRE_HDRLEN || !(wire_get16(msg + 2) & DNS_F_QR))
		return oq_count(q, ZOQ_RX_MALFORMED);
	if (!(s = oq_find(q, hint, from, tcp, wire_get16(msg), &why)))
		return oq_count(q, why);
	if ((why = oq_check_question(s, msg, len)) != 0)
		return oq_count(q, why);
	if (s->tsig && zone_tsig_verify_response(s->tsig, msg, len,
						 now_ms / 1000) < 0)
		return oq_count(q, ZOQ_RX_BAD_TSIG);
	memset(a, 0, sizeof(*a));
	a->handle = oq_handle(q, s);
	a->user = s->user;
	a->server = s->server;
	if (!tcp && (wire_get16(msg + 2) & DNS_F_TC) && s->msg &&
	    !(s->flags & ZOQ_TC_RAW)) {
		oq_to_tcp(q, s, now_ms, a);
		return ZOQ_RX_OK;
	}
	q->st.replies++;
	a->kind = ZOQ_ACT_REPLY;
	a->tcp = s->tcp;
	a->msg = msg;
	a->len = len;
	if (s->flags & ZOQ_STREAM) {
		s->nrx++;
		oq_set_deadline(q, s, now_ms);
	} else {
		oq_release(q, s);
	}
	return ZOQ_RX_OK;
}

/* ------------------------------------------------------------------ */
/* errors and timers                                                  */
/* ------------------------------------------------------------------ */

static void oq_fail(zone_outq *q, oq_slot *s, zone_oq_error e)
{
	s->dying = 1;
	s->err = (uint8_t)e;
	s->deadline = 0;
	if (e == ZOQ_E_TIMEOUT)
		q->st.timeouts++;
	else
		q->st.errors++;
	oq_enqueue(q, s, ZOQ_ACT_FAIL);
}

void zone_outq_on_error(zone_outq *q, uint32_t handle, uint64_t now_ms)
{
	oq_slot *s = oq_get(q, handle);

	(void)now_ms;
	if (!s || s->dying)
		return;
	if (!s->tcp && s->tries <= s->retries)
		return;     /* the timer sends the next try */
	oq_fail(q, s, ZOQ_E_NET);
}

static void oq_expired(zone_outq *q, oq_slot *s, uint64_t now)
{
	if (s->tcp || s->tries > s->retries || !s->msg) {
		oq_fail(q, s, ZOQ_E_TIMEOUT);
		return;
	}
	s->timeout_ms = s->timeout_ms * 2 > OQ_MAX_TIMEOUT ?
			OQ_MAX_TIMEOUT : s->timeout_ms * 2;
	s->tries++;
	oq_set_deadline(q, s, now);
	q->st.retries++;
	q->st.sends++;
	oq_enqueue(q, s, ZOQ_ACT_SEND);
}

uint64_t zone_outq_next_timer(const zone_outq *q)
{
	return q->next_timer;
}

void zone_outq_on_timer(zone_outq *q, uint64_t now_ms)
{
	uint64_t next = 0;

	q->next_timer = 0;
	for (size_t i = 0; i < q->cap; i++) {
		oq_slot *s = &q->s[i];

		if (!s->used || s->dying)
			continue;
		if (s->deadline <= now_ms)
			oq_expired(q, s, now_ms);
		if (!s->dying && (next == 0 || s->deadline < next))
			next = s->deadline;
	}
	if (next && (q->next_timer == 0 || next < q->next_timer))
		q->next_timer = next;
}

zone_oq_kind zone_outq_next_action(zone_outq *q, zone_oq_action *a)
{
	while (q->fcount) {
		uint32_t h = q->fifo[q->fhead];
		oq_slot *s = oq_get(q, h);

		q->fhead = (q->fhead + 1) % q->fcap;
		q->fcount--;
		if (!s)
			continue;   /* cancelled since */
		s->queued = 0;
		memset(a, 0, sizeof(*a));
		a->kind = (zone_oq_kind)s->act;
		a->handle = h;
		a->user = s->user;
		a->server = s->server;
		a->tcp = s->tcp;
		if (a->kind == ZOQ_ACT_FAIL) {
			a->error = (zone_oq_error)s->err;
			oq_release(q, s);
		} else {
			a->retry = 1;
			a->msg = s->msg;
			a->len = s->len;
		}
		return a->kind;
	}
	return ZOQ_ACT_NONE;
}

size_t zone_outq_pending(const zone_outq *q)
{
	return q->n;
}

const zone_oq_stats *zone_outq_stats(const zone_outq *q)
{
	return &q->st;
}

int zone_outq_user(const zone_outq *q, uint32_t handle, uint64_t *user)
{
	const oq_slot *s = oq_get(q, handle);

	if (!s)
		return -1;
	*user = s->user;
	return 0;
}
