/*
 * The resolver engine: client queries, resolution tasks, the iterator
 * (RFC 1034 5.3.3 with RFC 2181 trust, RFC 2308 negative answers, RFC 9156
 * QNAME minimisation, RFC 5452 ids + 0x20 case), forwarding, and the
 * action queue the shell drains.  Sans-IO: time comes in as now_ms,
 * random bytes from cfg.random.
 *
 * Re-entrancy: tasks never step each other directly.  A task that must
 * run (new, woken by a child sub-task, retry after a failure) is put on
 * the wake list; every public entry point drains that list and then frees
 * finished tasks, so no frame ever touches a freed task.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resolver/cookie.h"
#include "resolver/limits.h"
#include "resolver/res_int.h"
#include "resolver/servers.h"

enum {
	MAX_WORK = 64,          /* upstream queries per client query */
	MAX_DEPTH = 8,          /* nested glueless sub-tasks */
	MAX_CHAIN = 12,         /* CNAME/DNAME links */
	MAX_TRIES = 2,          /* sends to one server per task */
	MAX_ADDRS = 32,         /* candidate servers per zone cut */
	MAX_FAILED_NS = 16,
	MAX_MINIMISE = 10,      /* RFC 9156 MAX_MINIMISE_COUNT */
	TASK_DEADLINE = 12000,  /* ms per client query, sub-tasks included */
	STALE_AFTER = 1800,     /* RFC 8767 client response timer (ms) */
	NO_EDE = 0xffff,
	EDNS_UP = 1232,
	MSG_MAXRR = 512,
	MSG_BUF = 160 * 1024,
	RR_SEC_AN = 1, RR_SEC_NS = 2, RR_SEC_AR = 3,
	TRIED_MAX = 64,
	TRY_LAME = 255,
	MAX_AUTH = 16,          /* NSEC/NSEC3 RRsets kept from a reply */
	MAX_FETCH = 40,         /* DS/DNSKEY fetches per validation */
	/* fairness defaults (res_cfg) */
	DEF_MAX_TASKS = 1000, DEF_JOSTLE_MS = 200, DEF_CLIENT_MAX = 200,
	DEF_SERVER_MAX = 200, DEF_ZONE_MAX = 100, DEF_TXN_MAX = 1000,
};

/* ---- parsed upstream message ---- */

typedef struct msg_rr {
	uint8_t sec;
	uint16_t type, cls, rdlen;
	uint32_t ttl;
	uint32_t owner;         /* offset of the lowercased owner in buf */
	uint32_t rd;            /* offset of the decompressed rdata in buf */
} msg_rr;

typedef struct res_msg {
	uint16_t id, flags;
	uint8_t qname[WIRE_MAXNAME];
	uint16_t qtype, qclass;
	size_t nrr;
	msg_rr rr[MSG_MAXRR];
	size_t blen;
	uint8_t buf[MSG_BUF];
} res_msg;

/* ---- tasks, waiters, transactions ---- */

typedef struct res_waiter {
	struct res_waiter *next;
	uint64_t token;
	int tcp;
	int prefetch;              /* no client: refresh the answer cache */
	uint8_t ckey[9];           /* client address key (res_query_from) */
	uint8_t cklen;             /* 0: not counted per client */
	wire_query q;
} res_waiter;

typedef struct chain_rr {
	uint8_t owner[WIRE_MAXNAME];
	uint16_t type, count;
	uint32_t ttl, len;
	uint8_t *data;
	uint16_t sigcount;         /* covering RRSIGs (for DO clients) */
	uint32_t siglen;
	uint8_t *sigs;
	uint8_t vsec;              /* res_sec once validated (or cached) */
	uint8_t synth;             /* CNAME synthesized from a DNAME */
} chain_rr;

/* What a DS/DNSKEY fetch for the validator brought back. */
typedef struct fetch_res {
	uint8_t have;
	uint8_t name[WIRE_MAXNAME];
	uint16_t type;
	int rcode;
	chain_rr rr;               /* the RRset (data NULL: none) */
	chain_rr auth[MAX_AUTH];   /* NSEC/NSEC3 of a negative answer */
	int nauth;
	uint32_t ttl;              /* negative TTL */
} fetch_res;

typedef struct res_tried {
	res_addr addr;
	uint8_t n;
} res_tried;

typedef struct res_task res_task;
struct res_task {
	res_task *next;            /* r->tasks */
	res_task *wnext;           /* r->wake list */
	res_task *parent, *child, *root;
	res_waiter *waiters;
	uint8_t qname[WIRE_MAXNAME];   /* lowercased, as asked */
	uint8_t sname[WIRE_MAXNAME];   /* current name along the chain */
	uint16_t qtype, qclass;
	int depth, work, pending;
	uint8_t done, woken, client;
	uint8_t refresh;           /* prefetch: do not answer from the cache */
	uint8_t stale;             /* answered with stale data (RFC 8767) */
	uint8_t active;            /* counted in r->nactive */
	uint8_t jostled;           /* gave its place: clients get nothing */
	int rcode;
	uint16_t ede;              /* RFC 8914 code for the reply, or NO_EDE */
	uint64_t start_ms;
	chain_rr chain[2 * MAX_CHAIN + 2];
	int nchain;
	uint32_t min_ttl;
	/* negative answers */
	uint8_t has_soa;
	uint8_t soa_owner[WIRE_MAXNAME];
	uint8_t *soa;
	uint16_t soa_len;
	uint32_t soa_ttl;
	/* iteration */
	uint8_t min_cut[WIRE_MAXNAME]; /* cut the minimisation counts from */
	int min_n;                     /* labels of sname asked */
	uint8_t min_set;               /* min_cut is valid */
	uint8_t qmin_off;              /* a server failed a minimised query */
	res_tried tried[TRIED_MAX];
	int ntried;
	uint8_t failed_ns[MAX_FAILED_NS][WIRE_MAXNAME];
	int nfailed;
	/* DNSSEC */
	uint8_t fetch;             /* fetches DS/DNSKEY for its parent */
	uint8_t want_do;           /* a DO client: needs the NSEC proofs */
	uint8_t local_seen[WIRE_MAXNAME]; /* sname last checked locally */
	uint8_t stale_tried;       /* RFC 8767 client response timer ran */
	uint8_t vphase, vdone;     /* validating / validated */
	uint8_t sec;               /* res_sec of the whole result */
	uint8_t neg_sec;           /* of the negative part */
	int vrcode;                /* the result's rcode */
	uint16_t vede;             /* why it is bogus (RFC 8914) */
	char vwhy[128];
	uint8_t neg_name[WIRE_MAXNAME]; /* the name the denial is about */
	chain_rr soa_sig;          /* RRSIGs of the SOA (sigs only) */
	chain_rr auth[MAX_AUTH];   /* NSEC/NSEC3 RRsets with RRSIGs */
	int nauth;
	int nfetch;
	fetch_res fx;
};

typedef struct res_txn {
	struct res_txn *next;
	uint64_t id;
	uint16_t msgid;
	res_task *task;
	res_addr server;
	uint8_t transport;
	uint8_t caps, edns, minimised, fwd;
	uint8_t counted;           /* in the server/zone/total counts */
	uint8_t cookie;            /* sent with a COOKIE option (cc) */
	uint8_t cookie_retry;      /* a resend after BADCOOKIE */
	uint8_t cc[RES_CC_LEN];
	uint8_t qname[WIRE_MAXNAME];   /* as sent (0x20 case) */
	uint8_t zone[WIRE_MAXNAME];    /* the server's zone (bailiwick) */
	uint16_t qtype;
	const char *tls_name;
	uint64_t sent_ms, deadline;
} res_txn;

typedef struct res_qact {
	res_action a;
	uint8_t *buf;
} res_qact;

struct res_ctx {
	res_cfg cfg;
	res_stats st;
	res_cache *cache;
	res_servers *srv;
	res_task *tasks, *wake_head, *wake_tail;
	res_txn *txns;
	uint64_t next_txn;
	uint64_t rng;              /* fallback when cfg.random is NULL */
	uint64_t last_prefetch;
	/* action queue */
	res_qact *q;
	size_t qhead, qlen, qcap;
	uint8_t *last_buf;         /* msg of the action handed out last */
	/* synchronous answer for the res_query in progress */
	res_waiter *sync_w;
	uint8_t *sync_buf;
	size_t sync_cap, sync_len;
	int sync_done;
	res_msg *msg;              /* scratch: parsed upstream reply */
	res_keys *keys;            /* trust anchors + key table (--dnssec) */
	uint8_t *scratch;          /* 65535: replies, queries, RRsets */
	uint8_t *sigscratch;
	uint8_t *localbuf;         /* local data answers (cfg.local) */
	/* fairness: work in flight (limits.c, servers.c) */
	res_ctab *zload;           /* upstream queries per zone cut */
	res_ctab *cload;           /* waiting queries per client address */
	size_t nactive;            /* client tasks not done */
	size_t ntxns;              /* upstream queries in flight */
	uint8_t csecret[16];       /* client cookie secret (RFC 7873) */
};

static void task_finish(res_ctx *r, res_task *t, int rcode, uint64_t now);
static void task_wake(res_ctx *r, res_task *t);
static int follow_answer(res_ctx *r, res_task *t, const res_msg *m,
			 uint8_t *name, uint16_t qt, int record);
static void take_soa(res_ctx *r, res_task *t, const res_msg *m,
		     const uint8_t *bw);

/* follow_answer: how far the answer section took the chain */
enum { CH_NONE = 0, CH_FINAL, CH_MOVED, CH_FAIL, CH_YXDOMAIN };

/* ================================================================== */
/* small helpers                                                      */
/* ================================================================== */

static void rnd(res_ctx *r, void *buf, size_t len)
{
	uint8_t *p = buf;

	if (r->cfg.random) {
		r->cfg.random(r->cfg.random_arg, buf, len);
		return;
	}
	for (size_t i = 0; i < len; i++) {
		r->rng ^= r->rng << 13;
		r->rng ^= r->rng >> 7;
		r->rng ^= r->rng << 17;
		p[i] = (uint8_t)r->rng;
	}
}

/* Pointer to the parent name inside name (name must not be root). */
static const uint8_t *name_parent(const uint8_t *name)
{
	return name + name[0] + 1;
}

/* The last n labels of name (n <= labels(name)). */
static const uint8_t *name_suffix(const uint8_t *name, int n)
{
	int skip = wire_name_labels(name) - n;

	while (skip-- > 0)
		name = name_parent(name);
	return name;
}

static void name_copy(uint8_t *dst, const uint8_t *src)
{
	memcpy(dst, src, wire_name_len(src));
}

static uint32_t clamp_ttl(const res_ctx *r, uint32_t ttl)
{
	if (r->cfg.max_cache_ttl && ttl > r->cfg.max_cache_ttl)
		ttl = r->cfg.max_cache_ttl;
	if (r->cfg.min_cache_ttl && ttl < r->cfg.min_cache_ttl)
		ttl = r->cfg.min_cache_ttl;
	return ttl;
}

static uint32_t ttl_left(uint64_t expire_ms, uint64_t now_ms)
{
	return expire_ms > now_ms ? (uint32_t)((expire_ms - now_ms) / 1000) : 0;
}

/* ================================================================== */
/* action queue                                                       */
/* ================================================================== */

static int queue_push(res_ctx *r, const res_action *a, const uint8_t *msg,
		      size_t len)
{
	res_qact *e;

	if (r->qhead > 0 && r->qhead == r->qlen)
		r->qhead = r->qlen = 0;
	if (r->qlen == r->qcap) {
		size_t ncap = r->qcap ? r->qcap * 2 : 16;
		res_qact *n = realloc(r->q, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		r->q = n;
		r->qcap = ncap;
	}
	e = &r->q[r->qlen];
	e->buf = malloc(len ? len : 1);
	if (!e->buf)
		return -ENOMEM;
	memcpy(e->buf, msg, len);
	e->a = *a;
	e->a.msg = e->buf;
	e->a.len = len;
	r->qlen++;
	return 0;
}

int res_next_action(res_ctx *r, res_action *a)
{
	free(r->last_buf);
	r->last_buf = NULL;
	memset(a, 0, sizeof(*a));
	if (r->qhead == r->qlen)
		return RES_ACT_NONE;
	*a = r->q[r->qhead].a;
	r->last_buf = r->q[r->qhead].buf;
	r->qhead++;
	return a->kind;
}

/* ================================================================== */
/* tasks                                                              */
/* ================================================================== */

static res_task *task_new(res_ctx *r, const uint8_t *lname, uint16_t qtype,
			  uint16_t qclass, res_task *parent)
{
	res_task *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	name_copy(t->qname, lname);
	name_copy(t->sname, lname);
	t->qtype = qtype;
	t->qclass = qclass;
	t->min_ttl = UINT32_MAX;
	t->ede = NO_EDE;
	t->vede = NO_EDE;
	t->parent = parent;
	t->root = parent ? parent->root : t;
	t->depth = parent ? parent->depth + 1 : 0;
	t->next = r->tasks;
	r->tasks = t;
	return t;
}

static void crr_free(chain_rr *c)
{
	free(c->data);
	free(c->sigs);
	c->data = NULL;
	c->sigs = NULL;
}

static void fx_clear(fetch_res *f)
{
	crr_free(&f->rr);
	for (int i = 0; i < f->nauth; i++)
		crr_free(&f->auth[i]);
	memset(f, 0, sizeof(*f));
}

static void waiter_free(res_ctx *r, res_waiter *w)
{
	if (w->cklen)
		res_ctab_dec(r->cload, w->ckey, w->cklen);
	free(w);
}

static void task_free(res_ctx *r, res_task *t)
{
	res_waiter *w, *wn;

	for (int i = 0; i < t->nchain; i++)
		crr_free(&t->chain[i]);
	for (int i = 0; i < t->nauth; i++)
		crr_free(&t->auth[i]);
	crr_free(&t->soa_sig);
	fx_clear(&t->fx);
	for (w = t->waiters; w; w = wn) {
		wn = w->next;
		waiter_free(r, w);
	}
	free(t->soa);
	free(t);
}

static res_task *task_find_client(res_ctx *r, const uint8_t *lname,
				  uint16_t qtype, uint16_t qclass)
{
	for (res_task *t = r->tasks; t; t = t->next)
		if (t->client && !t->done && t->qtype == qtype &&
		    t->qclass == qclass && wire_name_equal(t->qname, lname))
			return t;
	return NULL;
}

static void task_wake(res_ctx *r, res_task *t)
{
	if (t->woken || t->done)
		return;
	t->woken = 1;
	t->wnext = NULL;
	if (r->wake_tail)
		r->wake_tail->wnext = t;
	else
		r->wake_head = t;
	r->wake_tail = t;
}

static int chain_add(res_task *t, const uint8_t *owner, uint16_t type,
		     uint32_t ttl, const uint8_t *data, uint32_t len,
		     uint16_t count)
{
	chain_rr *c;

	if (t->nchain >= (int)(sizeof(t->chain) / sizeof(t->chain[0])))
		return -1;
	c = &t->chain[t->nchain];
	c->data = malloc(len ? len : 1);
	if (!c->data)
		return -1;
	memcpy(c->data, data, len);
	wire_name_lower(c->owner, owner);
	c->type = type;
	c->ttl = ttl;
	c->len = len;
	c->count = count;
	t->nchain++;
	if (ttl < t->min_ttl)
		t->min_ttl = ttl;
	return 0;
}

/* Attach RRSIGs to the last chain entry. */
static void chain_sigs(res_task *t, const uint8_t *sigs, uint32_t siglen,
		       uint16_t sigcount)
{
	chain_rr *c;

	if (t->nchain == 0 || sigcount == 0)
		return;
	c = &t->chain[t->nchain - 1];
	if (c->sigs)
		return;
	c->sigs = malloc(siglen);
	if (!c->sigs)
		return;
	memcpy(c->sigs, sigs, siglen);
	c->siglen = siglen;
	c->sigcount = sigcount;
}

static int task_set_soa(res_task *t, const uint8_t *owner,
			const uint8_t *rdata, uint16_t rdlen, uint32_t ttl)
{
	free(t->soa);
	t->soa = malloc(rdlen ? rdlen : 1);
	if (!t->soa)
		return -1;
	memcpy(t->soa, rdata, rdlen);
	t->soa_len = rdlen;
	t->soa_ttl = ttl;
	wire_name_lower(t->soa_owner, owner);
	t->has_soa = 1;
	return 0;
}

static int tried_idx(res_task *t, const res_addr *a)
{
	for (int i = 0; i < t->ntried; i++)
		if (res_addr_equal(&t->tried[i].addr, a))
			return i;
	return -1;
}

static void tried_mark(res_task *t, const res_addr *a, int lame)
{
	int i = tried_idx(t, a);

	if (i < 0) {
		if (t->ntried >= TRIED_MAX)
			return;
		i = t->ntried++;
		t->tried[i].addr = *a;
		t->tried[i].n = 0;
	}
	if (lame)
		t->tried[i].n = TRY_LAME;
	else if (t->tried[i].n < TRY_LAME - 1)
		t->tried[i].n++;
}

static unsigned tried_count(res_task *t, const res_addr *a)
{
	int i = tried_idx(t, a);

	return i >= 0 ? t->tried[i].n : 0;
}

static int tried_exhausted(res_task *t, const res_addr *a)
{
	int i = tried_idx(t, a);

	return i >= 0 && t->tried[i].n >= MAX_TRIES;
}

/* ================================================================== */
/* transactions: build and send upstream queries                      */
/* ================================================================== */

/* The query is over: it no longer counts against its server, its zone
 * and the total. */
static void txn_release(res_ctx *r, res_txn *x)
{
	if (!x->counted)
		return;
	x->counted = 0;
	res_srv_done(r->srv, &x->server);
	if (!x->fwd)
		res_ctab_dec(r->zload, x->zone, wire_name_len(x->zone));
	if (r->ntxns > 0)
		r->ntxns--;
}

static void txn_count(res_ctx *r, res_txn *x, uint64_t now)
{
	res_srv_sent(r->srv, &x->server, now);
	if (!x->fwd &&
	    res_ctab_inc(r->zload, x->zone, wire_name_len(x->zone)) < 0) {
		res_srv_done(r->srv, &x->server);
		return;   /* out of memory: not counted at all */
	}
	x->counted = 1;
	r->ntxns++;
}

static void txn_unlink(res_ctx *r, res_txn *x)
{
	for (res_txn **pp = &r->txns; *pp; pp = &(*pp)->next)
		if (*pp == x) {
			*pp = x->next;
			txn_release(r, x);
			if (x->task->pending > 0)
				x->task->pending--;
			return;
		}
}

static void task_cancel_txns(res_ctx *r, res_task *t)
{
	res_txn **pp = &r->txns;

	while (*pp) {
		res_txn *x = *pp;

		if (x->task == t) {
			*pp = x->next;
			txn_release(r, x);
			free(x);
		} else {
			pp = &x->next;
		}
	}
	t->pending = 0;
}

/* 0x20: randomise the case of every letter of the name. */
static void name_caps(res_ctx *r, uint8_t *name)
{
	uint8_t bits[WIRE_MAXNAME / 8 + 1];
	size_t i;

	rnd(r, bits, sizeof(bits));
	for (size_t p = 0; name[p]; p += (size_t)name[p] + 1)
		for (i = p + 1; i <= p + name[p]; i++) {
			uint8_t c = name[i] | 0x20;

			if (c >= 'a' && c <= 'z')
				name[i] = (bits[i / 8] >> (i % 8)) & 1 ?
					  (uint8_t)(c & ~0x20) : c;
		}
}

/* The OPT record: DO always, and the COOKIE option (RFC 7873 4.1/4.2:
 * our client cookie, then the server cookie we know, if any). */
static void query_opt(wire_writer *w, const res_txn *x,
		      const res_srvinfo *si)
{
	uint8_t o[4 + RES_CC_LEN + RES_SC_MAX];
	size_t n = 0, sl = si ? si->sclen : 0;

	if (x->cookie) {
		o[0] = 0;
		o[1] = RES_OPT_COOKIE;
		o[2] = 0;
		o[3] = (uint8_t)(RES_CC_LEN + sl);
		memcpy(o + 4, x->cc, RES_CC_LEN);
		if (sl)
			memcpy(o + 4 + RES_CC_LEN, si->sc, sl);
		n = 4 + RES_CC_LEN + sl;
	}
	wire_write_rr(w, (const uint8_t *)"", DNS_T_OPT, EDNS_UP, EDNS_F_DO,
		      o, (uint16_t)n, NULL);
}

static size_t query_build(res_ctx *r, const res_txn *x, int rd,
			  const res_srvinfo *si, uint8_t *buf, size_t cap)
{
	wire_writer w;
	uint16_t flags = rd ? DNS_F_RD : 0;

	if (r->cfg.dnssec)
		flags |= DNS_F_CD;
	wire_writer_init(&w, buf, cap, cap);
	wire_write16(&w, x->msgid);
	wire_write16(&w, flags);
	wire_write16(&w, 1);
	wire_write16(&w, 0);
	wire_write16(&w, 0);
	wire_write16(&w, x->edns ? 1 : 0);
	wire_write_name(&w, x->qname, 0);
	wire_write16(&w, x->qtype);
	wire_write16(&w, DNS_C_IN);
	/* DO always: a security-aware resolver asks for the signatures
	 * whether or not it validates (RFC 4035 3.2.1), so DO clients and
	 * validators downstream get them */
	if (x->edns)
		query_opt(&w, x, si);
	return w.len;
}

typedef struct send_spec {
	const uint8_t *qname;      /* lowercased */
	uint16_t qtype;
	const uint8_t *zone;
	uint8_t rd, fwd, minimised, transport, nocaps, cookie_retry;
	const char *tls_name;
} send_spec;

static int txn_send(res_ctx *r, res_task *t, const res_addr *srv,
		    const send_spec *s, uint64_t now)
{
	res_txn *x = calloc(1, sizeof(*x));
	res_srvinfo *si = res_srv_info(r->srv, srv, now);
	res_action a;
	uint16_t id;
	size_t len;

	if (!x)
		return -ENOMEM;
	rnd(r, &id, sizeof(id));
	x->id = ++r->next_txn;
	x->msgid = id;
	x->task = t;
	x->server = *srv;
	x->transport = s->transport;
	x->tls_name = s->tls_name;
	x->fwd = s->fwd;
	x->minimised = s->minimised;
	x->qtype = s->qtype;
	x->edns = !(si && si->no_edns);
	x->caps = !s->nocaps && !(si && si->no_caps);
	name_copy(x->qname, s->qname);
	name_copy(x->zone, s->zone);
	if (x->caps)
		name_caps(r, x->qname);
	x->cookie = x->edns && !r->cfg.no_cookies;
	x->cookie_retry = s->cookie_retry;
	if (x->cookie)
		res_cookie_client(r->csecret, srv, x->cc);
	x->sent_ms = now;
	x->deadline = now + res_srv_rto(r->srv, srv, now) *
		      (s->transport == RES_T_UDP ? 1 : 3);
	len = query_build(r, x, s->rd, si, r->scratch, 65535);
	memset(&a, 0, sizeof(a));
	a.kind = RES_ACT_SEND;
	a.txn = x->id;
	a.server = *srv;
	a.transport = s->transport;
	a.tls_name = s->tls_name;
	if (queue_push(r, &a, r->scratch, len) < 0) {
		free(x);
		return -ENOMEM;
	}
	x->next = r->txns;
	r->txns = x;
	txn_count(r, x, now);
	t->pending++;
	t->root->work++;
	tried_mark(t, srv, 0);
	r->st.upstream_queries++;
	return 0;
}

static res_txn *txn_find(res_ctx *r, uint64_t id)
{
	for (res_txn *x = r->txns; x; x = x->next)
		if (x->id == id)
			return x;
	return NULL;
}

/* ================================================================== */
/* client replies                                                     */
/* ================================================================== */

static size_t reply_limit(const res_ctx *r, const res_waiter *w, size_t cap)
{
	size_t lim = 512, emax = r->cfg.edns_max ? r->cfg.edns_max : EDNS_UP;

	if (w->tcp)
		lim = 65535;
	else if (w->q.has_edns)
		lim = w->q.edns_udp < 512 ? 512 :
		      (w->q.edns_udp > emax ? emax : w->q.edns_udp);
	return lim < cap ? lim : cap;
}

static int reply_header(wire_writer *w, const wire_query *q, int rcode)
{
	uint16_t flags = DNS_F_QR | DNS_F_RA | (uint16_t)rcode |
			 (q->flags & (DNS_F_RD | DNS_F_CD));
	int rc = wire_write16(w, q->id);

	rc |= wire_write16(w, flags);
	rc |= wire_write16(w, 1);
	rc |= wire_write16(w, 0);
	rc |= wire_write16(w, 0);
	rc |= wire_write16(w, 0);
	rc |= wire_write_name(w, q->qname, 1);
	rc |= wire_write16(w, q->qtype);
	rc |= wire_write16(w, q->qclass);
	return rc ? -1 : 0;
}

/* Write count RRs of zones/-format data; -1 when out of space. */
static int reply_rrs(wire_writer *w, const uint8_t *owner, uint16_t type,
		     uint32_t ttl, const uint8_t *data, uint32_t len,
		     uint16_t count, uint16_t *n)
{
	size_t p = 0;

	for (uint16_t k = 0; k < count && p + 2 <= len; k++) {
		uint16_t rl = wire_get16(data + p);

		if (p + 2 + rl > len)
			break;
		if (wire_write_rr(w, owner, type, DNS_C_IN, ttl,
				  data + p + 2, rl, NULL) < 0)
			return -1;
		(*n)++;
		p += 2 + (size_t)rl;
	}
	return 0;
}

static int reply_chain(const res_ctx *r, wire_writer *w, const res_task *t,
		       int dok, uint16_t *an)
{
	for (int i = 0; i < t->nchain; i++) {
		const chain_rr *c = &t->chain[i];
		uint32_t ttl = clamp_ttl(r, c->ttl);

		if (reply_rrs(w, c->owner, c->type, ttl, c->data, c->len,
			      c->count, an) < 0)
			return -1;
		if (dok && c->sigs &&
		    reply_rrs(w, c->owner, DNS_T_RRSIG, ttl, c->sigs,
			      c->siglen, c->sigcount, an) < 0)
			return -1;
	}
	return 0;
}

static uint32_t neg_ttl_of(const res_ctx *r, const res_task *t)
{
	uint32_t ttl, min;

	if (!t->has_soa || t->soa_len < 20)
		return r->cfg.neg_ttl;
	min = wire_get32(t->soa + t->soa_len - 4);
	ttl = t->soa_ttl < min ? t->soa_ttl : min;
	return clamp_ttl(r, ttl);
}

/* Build the reply for one waiter; returns its length, 0 on failure.
 * *ttl receives the TTL for the answer cache (0 = do not cache). */
/* OPT with an Extended DNS Error option (RFC 8914) when ede is set. */
static int reply_opt(const res_ctx *r, wire_writer *w, uint16_t do_bit,
		     uint16_t ede, const char *why)
{
	uint16_t udp = r->cfg.edns_max ? r->cfg.edns_max : EDNS_UP;
	size_t tl = why ? strlen(why) : 0;
	uint8_t opt[17 + 128];

	if (ede == NO_EDE)
		return wire_write_opt(w, udp, 0, 0, do_bit);
	if (tl > 128)
		tl = 128;
	opt[0] = 0;                      /* root owner */
	wire_put16(opt + 1, DNS_T_OPT);
	wire_put16(opt + 3, udp);
	wire_put32(opt + 5, do_bit);
	wire_put16(opt + 9, (uint16_t)(6 + tl));   /* rdlen */
	wire_put16(opt + 11, 15);        /* EDE option */
	wire_put16(opt + 13, (uint16_t)(2 + tl));
	wire_put16(opt + 15, ede);
	if (tl)
		memcpy(opt + 17, why, tl);
	return wire_write(w, opt, 17 + tl);
}

/* Negative (or NODATA after a chain): the SOA goes in authority. */
static int task_negative(const res_task *t, int rcode)
{
	return rcode == DNS_R_NXDOMAIN || t->nchain == 0 ||
	       (t->qtype != DNS_T_ANY &&
		t->chain[t->nchain - 1].type != t->qtype);
}

/* DO clients: the denial (SOA RRSIGs, NSEC/NSEC3 + RRSIGs). */
static int reply_auth(const res_task *t, wire_writer *w, uint32_t ttl,
		      uint16_t *ns)
{
	const chain_rr *s = &t->soa_sig;

	if (s->sigs && reply_rrs(w, t->soa_owner, DNS_T_RRSIG, ttl, s->sigs,
				 s->siglen, s->sigcount, ns) < 0)
		return -1;
	for (int i = 0; i < t->nauth; i++) {
		const chain_rr *a = &t->auth[i];

		if (reply_rrs(w, a->owner, a->type, ttl, a->data, a->len,
			      a->count, ns) < 0 ||
		    (a->sigs && reply_rrs(w, a->owner, DNS_T_RRSIG, ttl,
					  a->sigs, a->siglen, a->sigcount,
					  ns) < 0))
			return -1;
	}
	return 0;
}

static size_t reply_build(res_ctx *r, const res_task *t, const res_waiter *wt,
			  uint8_t *buf, size_t cap, uint32_t *ttl)
{
	wire_writer w;
	uint16_t an = 0, ns = 0;
	int dok = (wt->q.edns_flags & EDNS_F_DO) != 0;
	int bogus = t->sec == RES_SEC_BOGUS && !(wt->q.flags & DNS_F_CD);
	int rcode = bogus ? DNS_R_SERVFAIL : t->rcode;
	uint16_t ede = bogus ? t->vede : t->ede;
	const char *why = bogus ? t->vwhy : NULL;
	size_t optlen = !wt->q.has_edns ? 0 : ede == NO_EDE ? 11 :
			17 + (why ? (strlen(why) > 128 ? 128 : strlen(why)) : 0);
	int tc = 0;

	*ttl = 0;
	wire_writer_init(&w, buf, cap, reply_limit(r, wt, cap));
	if (w.limit < WIRE_HDRLEN + optlen + wt->q.qname_len + 4 ||
	    reply_header(&w, &wt->q, rcode) < 0)
		return 0;
	/* AD only for validated data, to clients that understand it
	 * (DO or AD in the query: RFC 6840 5.7) */
	if (t->sec == RES_SEC_SECURE && rcode != DNS_R_SERVFAIL &&
	    (dok || (wt->q.flags & DNS_F_AD)))
		wire_put16(buf + 2, wire_get16(buf + 2) | DNS_F_AD);
	w.limit -= optlen;
	if (rcode != DNS_R_SERVFAIL) {
		tc = reply_chain(r, &w, t, dok, &an) < 0;
		if (!tc && t->has_soa && task_negative(t, t->rcode)) {
			uint32_t nt = neg_ttl_of(r, t);

			if (wire_write_rr(&w, t->soa_owner, DNS_T_SOA,
					  DNS_C_IN, nt, t->soa, t->soa_len,
					  NULL) < 0)
				tc = 1;
			else
				ns = 1;
			if (!tc && dok && reply_auth(t, &w, nt, &ns) < 0)
				tc = 1;
			*ttl = nt;
		} else if (!tc && dok && t->nauth &&
			   reply_auth(t, &w, clamp_ttl(r, t->min_ttl),
				      &ns) < 0) {
			tc = 1;     /* wildcard proof of a positive answer */
		}
	}
	if (tc) {
		w.len = wt->q.question_end ? 12 + wt->q.qname_len + 4 : 12;
		an = ns = 0;
		wire_put16(buf + 2, wire_get16(buf + 2) | DNS_F_TC);
	}
	w.limit += optlen;
	if (wt->q.has_edns)
		reply_opt(r, &w, wt->q.edns_flags & EDNS_F_DO, ede, why);
	wire_put16(buf + 6, an);
	wire_put16(buf + 8, ns);
	wire_put16(buf + 10, wt->q.has_edns ? 1 : 0);
	if (!tc && !ns && (t->rcode == DNS_R_NXDOMAIN || an == 0))
		*ttl = r->cfg.neg_ttl;     /* negative without SOA */
	if (tc || t->stale || rcode == DNS_R_SERVFAIL ||
	    t->sec == RES_SEC_BOGUS ||
	    t->rcode == DNS_R_YXDOMAIN ||
	    (r->cfg.no_negcache && (t->rcode == DNS_R_NXDOMAIN || an == 0)))
		*ttl = 0;
	else if (an && (clamp_ttl(r, t->min_ttl) < *ttl || !ns))
		*ttl = clamp_ttl(r, t->min_ttl);
	return w.len;
}

static void reply_deliver(res_ctx *r, const res_task *t, const res_waiter *w,
			  uint64_t now)
{
	int sync = (w == r->sync_w);
	uint8_t *buf = sync ? r->sync_buf : r->scratch;
	size_t cap = sync ? r->sync_cap : 65535;
	uint32_t ttl;
	size_t len;
	res_action a;

	memset(&a, 0, sizeof(a));
	a.client_token = w->token;
	if (t->jostled) {        /* the shell forgets the client */
		a.kind = RES_ACT_DROP;
		if (!w->prefetch && !sync)
			queue_push(r, &a, (const uint8_t *)"", 0);
		return;
	}
	len = reply_build(r, t, w, buf, cap, &ttl);
	if (len == 0)
		return;
	if (t->rcode == DNS_R_SERVFAIL ||
	    (t->sec == RES_SEC_BOGUS && !(w->q.flags & DNS_F_CD)))
		r->st.servfail++;
	if (ttl > 0 && r->cache && !r->cfg.no_cache)
		res_cache_put_answer(r->cache, &w->q, buf, len, ttl, now);
	if (sync) {
		r->sync_len = len;
		r->sync_done = 1;
		return;
	}
	if (w->prefetch)
		return;
	a.kind = RES_ACT_ANSWER;
	queue_push(r, &a, buf, len);
}

/* RFC 8767: resolution failed; answer with expired data if allowed.
 * Returns the rcode to answer with. */
static int serve_stale(res_ctx *r, res_task *t, uint64_t now)
{
	uint64_t age = (uint64_t)(r->cfg.stale_max_age ?
				  r->cfg.stale_max_age : 86400) * 1000;
	uint32_t ttl = r->cfg.stale_ttl ? r->cfg.stale_ttl : 30;
	res_crrset c;
	int stale = 0;

	if (!r->cfg.use_stale || !r->cache ||
	    !res_cache_get_rrset(r->cache, t->sname, t->qtype, now, age, &c,
				 &stale) || c.trust < RES_TRUST_AUTHORITY)
		return DNS_R_SERVFAIL;
	if (chain_add(t, t->sname, t->qtype, stale ? ttl :
		      ttl_left(c.expire_ms, now), c.data, c.len, c.count) < 0)
		return DNS_R_SERVFAIL;
	for (int i = 0; i < t->nchain; i++)
		if (t->chain[i].ttl > ttl)
			t->chain[i].ttl = ttl;
	t->min_ttl = 0;             /* never into the answer cache */
	t->stale = 1;
	t->ede = EDE_STALE_ANSWER;
	r->st.stale_served++;
	return DNS_R_NOERROR;
}

/* A task is done: answer its clients, wake its parent, drop its work. */
/* A finished fetch hands its result to the validating parent. */
static void fetch_deliver(res_ctx *r, res_task *t, res_task *p)
{
	fetch_res *f = &p->fx;

	fx_clear(f);
	f->have = 1;
	name_copy(f->name, t->qname);
	f->type = t->qtype;
	f->rcode = t->rcode;
	for (int i = 0; i < t->nchain; i++) {
		chain_rr *c = &t->chain[i];

		if (c->type == t->qtype && wire_name_equal(c->owner, t->qname) &&
		    !f->rr.data) {
			f->rr = *c;
			c->data = NULL;
			c->sigs = NULL;
		}
	}
	for (int i = 0; i < t->nauth; i++) {
		f->auth[i] = t->auth[i];
		t->auth[i].data = NULL;
		t->auth[i].sigs = NULL;
	}
	f->nauth = t->nauth;
	f->ttl = neg_ttl_of(r, t);
}

static void task_finish(res_ctx *r, res_task *t, int rcode, uint64_t now)
{
	if (t->done)
		return;
	if (r->keys && t->client && !t->vdone &&
	    (rcode == DNS_R_NOERROR || rcode == DNS_R_NXDOMAIN)) {
		/* the answer is complete: validate it before anyone sees it */
		task_cancel_txns(r, t);
		t->vrcode = rcode;
		t->vphase = 1;
		task_wake(r, t);
		return;
	}
	if (rcode == DNS_R_SERVFAIL && t->client && !t->refresh &&
	    !t->jostled)
		rcode = serve_stale(r, t, now);
	t->done = 1;
	if (t->active) {
		t->active = 0;
		r->nactive--;
	}
	t->rcode = rcode;
	task_cancel_txns(r, t);
	if (t->child) {
		t->child->parent = NULL;
		task_finish(r, t->child, DNS_R_SERVFAIL, now);
		t->child = NULL;
	}
	for (res_waiter *w = t->waiters; w; w = w->next)
		reply_deliver(r, t, w, now);
	if (t->parent) {
		res_task *p = t->parent;

		if (t->fetch)
			fetch_deliver(r, t, p);
		p->child = NULL;
		task_wake(r, p);
	}
}

/* ================================================================== */
/* caching what a reply says                                          */
/* ================================================================== */

static int cache_put(res_ctx *r, const uint8_t *owner, uint16_t type,
		     uint32_t ttl, uint8_t trust, const uint8_t *data,
		     uint32_t len, uint16_t count, const uint8_t *sigs,
		     uint32_t siglen, uint16_t sigcount, uint64_t now)
{
	uint8_t lname[WIRE_MAXNAME];

	if (!r->cache)
		return 0;
	wire_name_lower(lname, owner);
	return res_cache_put_rrset(r->cache, lname, type, clamp_ttl(r, ttl),
				   now, trust, RES_SEC_UNCHECKED, data, len,
				   count, sigs, siglen, sigcount);
}

static void neg_put(res_ctx *r, const res_task *t, const uint8_t *name,
		    uint16_t type, uint64_t now)
{
	uint32_t ttl = neg_ttl_of(r, t);
	uint8_t soa[2 + 65535];

	if (r->cfg.no_negcache || !r->cache || ttl == 0)
		return;
	/* the SOA as a one-RR RRset in zones/ format */
	if (t->has_soa) {
		wire_put16(soa, t->soa_len);
		memcpy(soa + 2, t->soa, t->soa_len);
	}
	res_cache_put_neg(r->cache, name, type, ttl, now, RES_SEC_UNCHECKED,
			  t->has_soa ? t->soa_owner : NULL,
			  t->has_soa ? soa : NULL,
			  t->has_soa ? 2 + (uint32_t)t->soa_len : 0,
			  t->soa_ttl);
}

/* ================================================================== */
/* parsing upstream replies                                           */
/* ================================================================== */

static int rd_has_names(uint16_t type, size_t *pre, int *names, size_t *post)
{
	*pre = 0;
	*post = 0;
	*names = 1;
	switch (type) {
	case DNS_T_NS: case DNS_T_CNAME: case DNS_T_PTR: case DNS_T_DNAME:
		return 1;
	case DNS_T_MX:
		*pre = 2;
		return 1;
	case DNS_T_SOA:
		*names = 2;
		*post = 20;
		return 1;
	default:
		return 0;
	}
}

/* Decompress the rdata at p (rdlen bytes) into m->buf. */
static int msg_rdata(res_msg *m, const uint8_t *pkt, size_t len, size_t p,
		     uint16_t type, uint16_t rdlen, uint16_t *outlen)
{
	size_t pre, post, end = p + rdlen, start = m->blen;
	int names;

	if (end > len || m->blen + 2 * WIRE_MAXNAME + rdlen + 32 > MSG_BUF)
		return -1;
	if (!rd_has_names(type, &pre, &names, &post)) {
		memcpy(m->buf + m->blen, pkt + p, rdlen);
		m->blen += rdlen;
		*outlen = rdlen;
		return 0;
	}
	if (pre > rdlen)
		return -1;
	memcpy(m->buf + m->blen, pkt + p, pre);
	m->blen += pre;
	p += pre;
	for (int i = 0; i < names; i++) {
		int n = wire_name_read(pkt, end, &p, m->buf + m->blen);

		if (n < 0)
			return -1;
		m->blen += (size_t)n;
	}
	if (p + post != end)
		return -1;
	memcpy(m->buf + m->blen, pkt + p, post);
	m->blen += post;
	if (m->blen - start > 65535)
		return -1;
	*outlen = (uint16_t)(m->blen - start);
	return 0;
}

static int msg_rr_parse(res_msg *m, const uint8_t *pkt, size_t len,
			size_t *pos, uint8_t sec)
{
	uint8_t owner[WIRE_MAXNAME];
	msg_rr *rr;
	int n = wire_name_read(pkt, len, pos, owner);

	if (n < 0 || *pos + 10 > len || m->nrr >= MSG_MAXRR ||
	    m->blen + WIRE_MAXNAME > MSG_BUF)
		return -1;
	rr = &m->rr[m->nrr];
	rr->sec = sec;
	rr->type = wire_get16(pkt + *pos);
	rr->cls = wire_get16(pkt + *pos + 2);
	rr->ttl = wire_get32(pkt + *pos + 4);
	if (rr->ttl & 0x80000000u)
		rr->ttl = 0;              /* RFC 2181 8 */
	rr->owner = (uint32_t)m->blen;
	m->blen += wire_name_lower(m->buf + m->blen, owner);
	rr->rd = (uint32_t)m->blen;
	if (msg_rdata(m, pkt, len, *pos + 10, rr->type,
		      wire_get16(pkt + *pos + 8), &rr->rdlen) < 0)
		return -1;
	*pos += 10 + wire_get16(pkt + *pos + 8);
	m->nrr++;
	return 0;
}

static int msg_parse(res_msg *m, const uint8_t *pkt, size_t len)
{
	uint16_t cnt[3];
	size_t pos = WIRE_HDRLEN;

	if (len < WIRE_HDRLEN || wire_get16(pkt + 4) != 1)
		return -1;
	m->id = wire_get16(pkt);
	m->flags = wire_get16(pkt + 2);
	m->nrr = 0;
	m->blen = 0;
	if (wire_name_read(pkt, len, &pos, m->qname) < 0 || pos + 4 > len)
		return -1;
	m->qtype = wire_get16(pkt + pos);
	m->qclass = wire_get16(pkt + pos + 2);
	pos += 4;
	cnt[0] = wire_get16(pkt + 6);
	cnt[1] = wire_get16(pkt + 8);
	cnt[2] = wire_get16(pkt + 10);
	for (int s = 0; s < 3; s++)
		for (uint16_t i = 0; i < cnt[s]; i++)
			if (msg_rr_parse(m, pkt, len, &pos,
					 (uint8_t)(s + 1)) < 0)
				return s == 2 ? 0 : -1; /* bad additional:
							   keep the rest */
	return 0;
}

static const uint8_t *rr_owner(const res_msg *m, const msg_rr *rr)
{
	return m->buf + rr->owner;
}

/*
 * Gather an RRset (sec, owner, type) of m into zones/ format in out;
 * returns the RR count (0 = none).  *ttl = lowest TTL.
 */
static uint16_t msg_rrset(const res_msg *m, int sec, const uint8_t *owner,
			  uint16_t type, uint8_t *out, size_t cap,
			  uint32_t *len, uint32_t *ttl)
{
	uint16_t n = 0;
	size_t o = 0;

	*ttl = UINT32_MAX;
	for (size_t i = 0; i < m->nrr; i++) {
		const msg_rr *rr = &m->rr[i];

		if (rr->sec != sec || rr->type != type ||
		    rr->cls != DNS_C_IN ||
		    !wire_name_equal(rr_owner(m, rr), owner))
			continue;
		if (o + 2 + rr->rdlen > cap)
			break;
		wire_put16(out + o, rr->rdlen);
		memcpy(out + o + 2, m->buf + rr->rd, rr->rdlen);
		o += 2 + (size_t)rr->rdlen;
		if (rr->ttl < *ttl)
			*ttl = rr->ttl;
		n++;
	}
	*len = (uint32_t)o;
	return n;
}

/* RRSIGs of (sec, owner) covering type. */
static uint16_t msg_sigs(const res_msg *m, int sec, const uint8_t *owner,
			 uint16_t type, uint8_t *out, size_t cap,
			 uint32_t *len)
{
	uint16_t n = 0;
	size_t o = 0;

	for (size_t i = 0; i < m->nrr; i++) {
		const msg_rr *rr = &m->rr[i];

		if (rr->sec != sec || rr->type != DNS_T_RRSIG ||
		    rr->rdlen < 18 ||
		    wire_get16(m->buf + rr->rd) != type ||
		    !wire_name_equal(rr_owner(m, rr), owner))
			continue;
		if (o + 2 + rr->rdlen > cap)
			break;
		wire_put16(out + o, rr->rdlen);
		memcpy(out + o + 2, m->buf + rr->rd, rr->rdlen);
		o += 2 + (size_t)rr->rdlen;
		n++;
	}
	*len = (uint32_t)o;
	return n;
}

/* First RR of a (sec, type) with owner below/at zone, or NULL. */
static const msg_rr *msg_first(const res_msg *m, int sec, uint16_t type)
{
	for (size_t i = 0; i < m->nrr; i++)
		if (m->rr[i].sec == sec && m->rr[i].type == type &&
		    m->rr[i].cls == DNS_C_IN)
			return &m->rr[i];
	return NULL;
}

/* Is rr the first of its (sec, owner, type) group? */
static int rr_first_of_set(const res_msg *m, size_t i)
{
	const msg_rr *rr = &m->rr[i];

	for (size_t k = 0; k < i; k++)
		if (m->rr[k].sec == rr->sec && m->rr[k].type == rr->type &&
		    wire_name_equal(rr_owner(m, &m->rr[k]), rr_owner(m, rr)))
			return 0;
	return 1;
}

/* Trust of an RRset of m by section, or 0: do not cache (RFC 2181 5.4.1,
 * bailiwick: only data at/below the zone the server serves). */
static uint8_t rr_trust(const res_msg *m, const msg_rr *rr,
			const uint8_t *bw, int referral)
{
	int aa = (m->flags & DNS_F_AA) != 0;

	if (rr->cls != DNS_C_IN || rr->type == DNS_T_OPT ||
	    rr->type == DNS_T_RRSIG || rr->type == DNS_T_TSIG ||
	    !wire_name_is_sub(rr_owner(m, rr), bw))
		return 0;
	if (rr->sec == RR_SEC_AN)
		return aa ? RES_TRUST_AUTH_ANSWER : RES_TRUST_ANSWER;
	if (rr->sec == RR_SEC_NS) {
		if (rr->type == DNS_T_NS || rr->type == DNS_T_DS)
			return referral ? RES_TRUST_GLUE :
			       (aa ? RES_TRUST_AUTHORITY : 0);
		return 0;   /* SOA / NSEC: kept with the negative entry */
	}
	/* additional data only as referral glue (never from a forwarder:
	 * its referrals are refused as lame before caching) */
	if (referral && (rr->type == DNS_T_A || rr->type == DNS_T_AAAA))
		return RES_TRUST_GLUE;
	return 0;
}

/* Is owner on the answer's chain from qn: qn itself, a CNAME target in
 * the answer, or the owner of a DNAME above qn or above such a target? */
static int an_relevant(const res_msg *m, const uint8_t *owner,
		       const uint8_t *qn)
{
	if (wire_name_equal(owner, qn) || wire_name_is_sub(qn, owner))
		return 1;
	for (size_t i = 0; i < m->nrr; i++) {
		const msg_rr *rr = &m->rr[i];

		if (rr->sec != RR_SEC_AN || rr->type != DNS_T_CNAME)
			continue;
		if (wire_name_equal(owner, m->buf + rr->rd) ||
		    wire_name_is_sub(m->buf + rr->rd, owner))
			return 1;
	}
	return 0;
}

static void cache_msg(res_ctx *r, const res_msg *m, const uint8_t *bw,
		      int referral, uint64_t now)
{
	uint8_t *data = r->scratch, *sigs = r->sigscratch;
	uint8_t qn[WIRE_MAXNAME];

	wire_name_lower(qn, m->qname);
	for (size_t i = 0; i < m->nrr; i++) {
		const msg_rr *rr = &m->rr[i];
		uint8_t trust = rr_trust(m, rr, bw, referral);
		uint32_t len, siglen, ttl;
		uint16_t n, ns;

		if (!trust || !rr_first_of_set(m, i))
			continue;
		if (rr->sec == RR_SEC_AN &&
		    !an_relevant(m, rr_owner(m, rr), qn))
			continue;
		if (rr->sec == RR_SEC_AN && rr->type != DNS_T_DNAME &&
		    !wire_name_equal(rr_owner(m, rr), qn) &&
		    wire_name_is_sub(qn, rr_owner(m, rr)))
			continue;     /* only a DNAME may sit above qn */
		n = msg_rrset(m, rr->sec, rr_owner(m, rr), rr->type, data,
			      65535, &len, &ttl);
		ns = msg_sigs(m, rr->sec, rr_owner(m, rr), rr->type, sigs,
			      65535, &siglen);
		if (n)
			cache_put(r, rr_owner(m, rr), rr->type, ttl, trust,
				  data, len, n, sigs, siglen, ns, now);
	}
}

/* ================================================================== */
/* the iterator                                                       */
/* ================================================================== */

enum { STEP_MISS = 0, STEP_DONE = 1, STEP_AGAIN = 2 };

static int cache_usable(const res_ctx *r, const res_crrset *c)
{
	/* with validation on, bogus data is looked at again upstream */
	return c->trust >= RES_TRUST_AUTHORITY &&
	       !(r->keys && c->sec == RES_SEC_BOGUS);
}

/* The validation status a cached entry brings into the chain. */
static void chain_sec(res_task *t, const res_crrset *c)
{
	if (t->nchain && (c->sec == RES_SEC_SECURE ||
			  c->sec == RES_SEC_INSECURE))
		t->chain[t->nchain - 1].vsec = c->sec;
}

/* Answer from the RRset / negative cache as far as it goes. */
static int step_cache(res_ctx *r, res_task *t, uint64_t now)
{
	res_crrset c;
	int stale = 0, nx = 0;

	if (!r->cache || (t->refresh && t->nchain == 0))
		return STEP_MISS;
	if (res_cache_get_rrset(r->cache, t->sname, t->qtype, now, 0, &c,
				&stale) && cache_usable(r, &c)) {
		if (chain_add(t, t->sname, t->qtype, ttl_left(c.expire_ms, now),
			      c.data, c.len, c.count) < 0) {
			task_finish(r, t, DNS_R_SERVFAIL, now);
		} else {
			chain_sigs(t, c.sigs, c.siglen, c.sigcount);
			chain_sec(t, &c);
			task_finish(r, t, DNS_R_NOERROR, now);
		}
		return STEP_DONE;
	}
	if (t->qtype != DNS_T_CNAME &&
	    res_cache_get_rrset(r->cache, t->sname, DNS_T_CNAME, now, 0, &c,
				&stale) && cache_usable(r, &c) && c.count >= 1 &&
	    c.len > 3) {
		if (t->nchain >= MAX_CHAIN ||
		    chain_add(t, t->sname, DNS_T_CNAME,
			      ttl_left(c.expire_ms, now), c.data, c.len,
			      c.count) < 0) {
			task_finish(r, t, DNS_R_SERVFAIL, now);
			return STEP_DONE;
		}
		chain_sigs(t, c.sigs, c.siglen, c.sigcount);
		chain_sec(t, &c);
		wire_name_lower(t->sname, c.data + 2);
		return STEP_AGAIN;
	}
	/* the negative cache does not keep the denial's NSECs: a fetch for
	 * the validator and a DO client (its wire answer was not cached)
	 * ask upstream; with validation, only validated entries are used */
	if (!t->fetch && !t->want_do &&
	    res_cache_get_neg(r->cache, t->sname, t->qtype, now, &nx, &c) &&
	    (!r->keys || c.sec == RES_SEC_SECURE ||
	     c.sec == RES_SEC_INSECURE)) {
		if (c.data && c.count >= 1 && c.len > 2)
			task_set_soa(t, c.lname, c.data + 2,
				     wire_get16(c.data),
				     ttl_left(c.expire_ms, now));
		t->neg_sec = c.sec;
		name_copy(t->neg_name, t->sname);
		task_finish(r, t, nx ? DNS_R_NXDOMAIN : DNS_R_NOERROR, now);
		return STEP_DONE;
	}
	return STEP_MISS;
}

static const res_forward *find_forward(const res_ctx *r,
				       const uint8_t *name)
{
	const res_forward *best = NULL;
	int bl = -1;

	for (size_t i = 0; i < r->cfg.nforwards; i++) {
		const res_forward *f = &r->cfg.forwards[i];
		int l = wire_name_labels(f->domain);

		if (l > bl && wire_name_is_sub(name, f->domain)) {
			best = f;
			bl = l;
		}
	}
	return best;
}

static int usable(res_ctx *r, res_task *t, const res_addr *a)
{
	return res_addr_allowed(&r->cfg, a) && !tried_exhausted(t, a);
}

static uint32_t lim(uint32_t v, uint32_t def)
{
	return v ? v : def;
}

/* May a query go to a now (fairness: dead, busy, the total)? */
static int admitted(res_ctx *r, const res_addr *a, uint64_t now)
{
	if (r->ntxns >= lim(r->cfg.txn_max, DEF_TXN_MAX))
		return 0;
	return res_srv_admit(r->srv, a, lim(r->cfg.server_max,
					    DEF_SERVER_MAX), now) ==
	       RES_ADMIT_OK;
}

/* The servers are dead or busy: SERVFAIL now rather than hold the
 * client (and a place) for nothing. */
static void fail_fast(res_ctx *r, res_task *t, uint64_t now)
{
	r->st.fast_failed++;
	t->ede = EDE_NO_REACHABLE_AUTH;
	task_finish(r, t, DNS_R_SERVFAIL, now);
}

/* Lowest score among candidates (strict: in order, least tried first).
 * *held: a usable candidate was passed over because it is dead or busy. */
static const res_addr *pick(res_ctx *r, res_task *t, const res_addr *c,
			    size_t n, int strict, uint64_t now, int *held)
{
	const res_addr *best = NULL;
	uint64_t bs = UINT64_MAX;
	uint8_t jitter[MAX_ADDRS];

	*held = 0;
	rnd(r, jitter, sizeof(jitter));
	for (size_t i = 0; i < n; i++) {
		uint64_t s;

		if (!usable(r, t, &c[i]))
			continue;
		if (!admitted(r, &c[i], now)) {
			*held = 1;
			continue;
		}
		if (strict)      /* in order, the least tried first */
			s = (uint64_t)tried_count(t, &c[i]) << 32 | i;
		else             /* equal scores in random order */
			s = (uint64_t)res_srv_score(r->srv, &c[i], now) << 8 |
			    jitter[i % MAX_ADDRS];
		if (s < bs) {
			bs = s;
			best = &c[i];
		}
	}
	return best;
}

static void send_forward(res_ctx *r, res_task *t, const res_forward *f,
			 uint64_t now)
{
	send_spec s = { .qname = t->sname, .qtype = t->qtype,
			.zone = (const uint8_t *)"", .rd = 1, .fwd = 1,
			.transport = f->transport,
			.tls_name = f->tls_name[0] ? f->tls_name : NULL };
	const res_addr *a;
	int sent = 0, held;

	if (r->cfg.all_servers && t->ntried == 0) {
		for (size_t i = 0; i < f->nservers; i++)
			if (usable(r, t, &f->servers[i]) &&
			    admitted(r, &f->servers[i], now) &&
			    txn_send(r, t, &f->servers[i], &s, now) == 0)
				sent++;
		if (sent)
			return;
	}
	a = pick(r, t, f->servers, f->nservers, r->cfg.strict_order, now,
		 &held);
	if (!a && held) {
		fail_fast(r, t, now);
		return;
	}
	if (!a)
		t->ede = EDE_NO_REACHABLE_AUTH;
	if (!a || txn_send(r, t, a, &s, now) < 0)
		task_finish(r, t, DNS_R_SERVFAIL, now);
}

static int ns_failed(const res_task *t, const uint8_t *name)
{
	for (int i = 0; i < t->nfailed; i++)
		if (wire_name_equal(t->failed_ns[i], name))
			return 1;
	return 0;
}

static void addrs_of(res_ctx *r, const uint8_t *name, uint16_t type,
		     res_addr *out, size_t *n, uint64_t now)
{
	res_crrset c;
	int stale;
	size_t p = 0, alen = type == DNS_T_A ? 4 : 16;

	if (!res_cache_get_rrset(r->cache, name, type, now, 0, &c, &stale))
		return;
	for (uint16_t k = 0; k < c.count && p + 2 <= c.len; k++) {
		uint16_t rl = wire_get16(c.data + p);

		if (rl == alen && *n < MAX_ADDRS) {
			res_addr *a = &out[(*n)++];

			memset(a, 0, sizeof(*a));
			a->af = type == DNS_T_A ? 4 : 6;
			a->port = 53;
			memcpy(a->addr, c.data + p + 2, alen);
		}
		p += 2 + (size_t)rl;
	}
}

/* Addresses of the NS targets in c (every known one, usable or not). */
static size_t ns_addrs(res_ctx *r, const res_crrset *c, res_addr *out,
		       uint64_t now)
{
	size_t n = 0, p = 0;

	for (uint16_t k = 0; k < c->count && p + 2 <= c->len; k++) {
		uint16_t rl = wire_get16(c->data + p);
		uint8_t target[WIRE_MAXNAME];

		if (p + 2 + rl > c->len || rl == 0)
			break;
		wire_name_lower(target, c->data + p + 2);
		if (!r->cfg.ipv6_only)
			addrs_of(r, target, DNS_T_A, out, &n, now);
		if (!r->cfg.ipv4_only)
			addrs_of(r, target, DNS_T_AAAA, out, &n, now);
		p += 2 + (size_t)rl;
	}
	return n;
}

static int any_usable(res_ctx *r, res_task *t, const res_addr *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (usable(r, t, &a[i]))
			return 1;
	return 0;
}

/* 1 if some address of target is cached. */
static int has_addrs(res_ctx *r, const uint8_t *target, uint64_t now)
{
	res_addr a[MAX_ADDRS];
	size_t n = 0;

	addrs_of(r, target, DNS_T_A, a, &n, now);
	addrs_of(r, target, DNS_T_AAAA, a, &n, now);
	return n > 0;
}

/* Start a sub-task for the address of an NS target outside the cut whose
 * address is unknown and that this task has not asked for yet.
 * 1 started, 0 nothing to start. */
static int spawn_glueless(res_ctx *r, res_task *t, const res_crrset *c,
			  const uint8_t *cut, uint64_t now)
{
	size_t p = 0;

	if (t->depth >= MAX_DEPTH)
		return 0;
	for (uint16_t k = 0; k < c->count && p + 2 <= c->len; k++) {
		uint16_t rl = wire_get16(c->data + p);
		uint8_t target[WIRE_MAXNAME];
		res_task *ch;

		if (p + 2 + rl > c->len || rl == 0)
			break;
		p += 2 + (size_t)rl;
		wire_name_lower(target, c->data + p - rl);
		if (wire_name_is_sub(target, cut) || ns_failed(t, target) ||
		    has_addrs(r, target, now) || t->nfailed >= MAX_FAILED_NS)
			continue;
		ch = task_new(r, target, r->cfg.ipv6_only ? DNS_T_AAAA :
			      DNS_T_A, DNS_C_IN, t);
		if (!ch)
			return 0;
		/* asked once per task, whatever the outcome */
		name_copy(t->failed_ns[t->nfailed++], target);
		t->child = ch;
		task_wake(r, ch);
		return 1;
	}
	return 0;
}

/* The closest zone cut with servers: 0 found (cut, addrs), 1 waiting
 * for a sub-task, -1 no way forward. */
static int find_cut(res_ctx *r, res_task *t, uint8_t *cut, res_addr *addrs,
		    size_t *n, uint64_t now)
{
	const uint8_t *name = t->sname;
	res_crrset c;
	int stale;

	if (t->qtype == DNS_T_DS && name[0])
		name = name_parent(name);    /* DS lives in the parent */
	for (;;) {
		if (r->cache && res_cache_get_rrset(r->cache, name, DNS_T_NS,
						    now, 0, &c, &stale)) {
			uint8_t owner[WIRE_MAXNAME];

			name_copy(owner, name);
			*n = ns_addrs(r, &c, addrs, now);
			if (any_usable(r, t, addrs, *n)) {
				name_copy(cut, owner);
				return 0;
			}
			if (spawn_glueless(r, t, &c, owner, now))
				return 1;
			if (*n > 0) {           /* all tried: fail here */
				name_copy(cut, owner);
				return 0;
			}
		}
		if (name[0] == 0)
			break;
		name = name_parent(name);
	}
	{
		size_t nh;
		const res_hint *h = res_srv_hints(r->srv, &nh);

		*n = 0;
		for (size_t i = 0; i < nh && *n < MAX_ADDRS; i++)
			addrs[(*n)++] = h[i].addr;
		cut[0] = 0;
	}
	return 0;
}

/* RFC 9156: the name and type to ask the servers of cut. */
static int qmin_name(res_ctx *r, res_task *t, const uint8_t *cut,
		     const uint8_t **qn, uint16_t *qt)
{
	int sl = wire_name_labels(t->sname), cl = wire_name_labels(cut);

	*qn = t->sname;
	*qt = t->qtype;
	if (!r->cfg.qname_min || t->qmin_off || t->qtype == DNS_T_DS)
		return 0;
	if (!t->min_set || !wire_name_equal(t->min_cut, cut)) {
		name_copy(t->min_cut, cut);
		t->min_set = 1;
		t->min_n = cl + 1;
	}
	if (t->min_n >= sl || t->min_n - cl > MAX_MINIMISE)
		return 0;
	*qn = name_suffix(t->sname, t->min_n);
	*qt = DNS_T_A;
	return 1;
}

static void iterate(res_ctx *r, res_task *t, uint64_t now)
{
	uint8_t cut[WIRE_MAXNAME];
	res_addr addrs[MAX_ADDRS];
	const res_addr *a;
	size_t n = 0;
	send_spec s;
	int held = 0, rc = find_cut(r, t, cut, addrs, &n, now);

	if (rc == 1)
		return;
	if (rc == 0 && res_ctab_get(r->zload, cut, wire_name_len(cut)) >=
	    lim(r->cfg.zone_max, DEF_ZONE_MAX)) {
		fail_fast(r, t, now);     /* the zone has its share */
		return;
	}
	a = rc == 0 ? pick(r, t, addrs, n, 0, now, &held) : NULL;
	if (!a && held) {
		fail_fast(r, t, now);
		return;
	}
	if (!a) {
		t->ede = EDE_NO_REACHABLE_AUTH;
		task_finish(r, t, DNS_R_SERVFAIL, now);
		return;
	}
	memset(&s, 0, sizeof(s));
	s.zone = cut;
	s.minimised = (uint8_t)qmin_name(r, t, cut, &s.qname, &s.qtype);
	s.transport = RES_T_UDP;
	if (txn_send(r, t, a, &s, now) < 0)
		task_finish(r, t, DNS_R_SERVFAIL, now);
}

/* ================================================================== */
/* DNSSEC: the chain of trust (RFC 4035 5) over the task machinery    */
/* ================================================================== */

/*
 * A client task whose answer is complete enters the validation phase
 * (task_finish sets vphase).  validate_step runs from the start each
 * time the task is woken: results are memoized in the chain entries
 * (vsec) and in the key table, so each pass gets further, and a pass
 * that needs a DS or DNSKEY RRset it does not have starts one fetch
 * sub-task and returns; the fetch's result comes back in t->fx.
 *
 * The walk establishes, top-down from the closest trust anchor, what
 * each name between the anchor and a target is: a secure zone (DS
 * validated with the parent's keys, DNSKEY validated with the DS), an
 * insecure delegation (no DS, proven by NSEC/NSEC3), not a zone cut at
 * all (proven), or bogus.  Signed data is checked with the keys of its
 * signer; unsigned data is fine only below an insecure delegation.
 */

enum { W_DONE = 0, W_WAIT = 1, KS_DSOK = 9 };

typedef struct fview {
	int rcode;
	const uint8_t *data, *sigs;
	uint32_t len, siglen, ttl;
	uint16_t count, sigcount;
	const chain_rr *auth;
	int nauth;
} fview;

typedef struct walk_out {
	uint8_t state;                /* RES_KS_SECURE/INSECURE/BOGUS */
	uint8_t zone[WIRE_MAXNAME];   /* the deepest secure zone */
	const res_kent *e;
} walk_out;

static void set_bogus(res_task *t, uint16_t ede, const char *why)
{
	if (t->vede != NO_EDE && t->vwhy[0])
		return;            /* the first reason found is the one told */
	t->vede = ede;
	snprintf(t->vwhy, sizeof(t->vwhy), "%.127s", why);
}

static uint32_t kt_ttl(uint32_t ttl)
{
	return ttl < 5 ? 5 : ttl > 86400 ? 86400 : ttl;
}

/* The DS or DNSKEY RRset of name: from the cache (signed), from the
 * last fetch, or a new fetch (W_WAIT). */
static int fetch(res_ctx *r, res_task *t, const uint8_t *name,
		 uint16_t type, uint64_t now, fview *v)
{
	res_crrset c;
	int stale = 0;
	res_task *ch;

	memset(v, 0, sizeof(*v));
	if (r->cache && res_cache_get_rrset(r->cache, name, type, now, 0, &c,
					    &stale) && c.sigcount) {
		v->data = c.data;
		v->len = c.len;
		v->count = c.count;
		v->sigs = c.sigs;
		v->siglen = c.siglen;
		v->sigcount = c.sigcount;
		v->ttl = ttl_left(c.expire_ms, now);
		return W_DONE;
	}
	if (t->fx.have && t->fx.type == type &&
	    wire_name_equal(t->fx.name, name)) {
		const chain_rr *rr = &t->fx.rr;

		v->rcode = t->fx.rcode;
		if (rr->data) {
			v->data = rr->data;
			v->len = rr->len;
			v->count = rr->count;
			v->sigs = rr->sigs;
			v->siglen = rr->siglen;
			v->sigcount = rr->sigcount;
			v->ttl = rr->ttl;
		} else {
			v->ttl = t->fx.ttl;
		}
		v->auth = t->fx.auth;
		v->nauth = t->fx.nauth;
		return W_DONE;
	}
	if (t->nfetch >= MAX_FETCH || t->depth >= MAX_DEPTH) {
		v->rcode = DNS_R_SERVFAIL;
		return W_DONE;
	}
	ch = task_new(r, name, type, DNS_C_IN, t);
	if (!ch) {
		v->rcode = DNS_R_SERVFAIL;
		return W_DONE;
	}
	ch->fetch = 1;
	ch->start_ms = now;
	t->child = ch;
	t->nfetch++;
	task_wake(r, ch);
	return W_WAIT;
}

/* Length of the uncompressed name at p that ends within max bytes (and
 * within WIRE_MAXNAME), else 0: RRSIG data comes from the network. */
static size_t name_len_within(const uint8_t *p, size_t max)
{
	size_t n = 0;

	while (n < max && p[n]) {
		if (p[n] > 63)
			return 0;
		n += (size_t)p[n] + 1;
	}
	return n < max && n < WIRE_MAXNAME ? n + 1 : 0;
}

/* The signer name of the first RRSIG whose signer encloses owner. */
static int sig_signer(const uint8_t *owner, const uint8_t *sigs,
		      uint32_t siglen, uint16_t n, uint8_t *signer)
{
	size_t p = 0;

	for (uint16_t k = 0; k < n && p + 2 <= siglen; k++) {
		uint16_t rl = wire_get16(sigs + p);
		const uint8_t *rd = sigs + p + 2;
		size_t nl;

		if (p + 2 + rl > siglen)
			break;
		p += 2 + (size_t)rl;
		if (rl < 19)
			continue;
		nl = name_len_within(rd + 18, (size_t)rl - 18);
		if (nl == 0)
			continue;
		wire_name_lower(signer, rd + 18);
		if (wire_name_is_sub(owner, signer))
			return 1;
	}
	return 0;
}

/* RFC 4035 5.3.3: a validated RRset lives no longer than its RRSIGs'
 * original TTL and expiration allow. */
static void sig_ttl_cap(const res_ctx *r, res_task *t, chain_rr *c,
			uint64_t now)
{
	uint32_t cap = c->ttl;
	size_t p = 0;

	for (uint16_t k = 0; k < c->sigcount && p + 2 <= c->siglen; k++) {
		uint16_t rl = wire_get16(c->sigs + p);
		const uint8_t *rd = c->sigs + p + 2;

		p += 2 + (size_t)rl;
		if (rl < 18 || p > c->siglen)
			break;
		if (wire_get32(rd + 4) < cap)
			cap = wire_get32(rd + 4);
		if (!r->cfg.no_timecheck) {
			uint32_t exp = wire_get32(rd + 8), nw = (uint32_t)(now / 1000);
			uint32_t left = (uint32_t)(exp - nw);   /* RFC 1982 */

			if (left < 0x80000000u && left < cap)
				cap = left;
		}
	}
	c->ttl = cap;
	if (cap < t->min_ttl)
		t->min_ttl = cap;
}

/* NSEC/NSEC3 RRsets of auth that validate with the zone's keys, as a
 * list of single records.  Returns the count (out has max slots). */
static size_t auth_nsecs(const res_ctx *r, const chain_rr *auth, int nauth,
			 const uint8_t *zn, const res_kent *e,
			 uint64_t now, res_nsec_set *out, size_t max)
{
	size_t n = 0;

	for (int i = 0; i < nauth; i++) {
		const chain_rr *a = &auth[i];
		res_val_result vr;
		uint8_t signer[WIRE_MAXNAME];
		size_t p = 0;

		if (!a->sigcount || !sig_signer(a->owner, a->sigs, a->siglen,
						a->sigcount, signer) ||
		    !wire_name_equal(signer, zn))
			continue;
		vr = res_val_rrset(a->owner, a->type, a->data, a->len,
				   a->count, a->sigs, a->siglen, a->sigcount,
				   zn, e->keys, e->klen, e->kcount,
				   now / 1000, r->cfg.no_timecheck, NULL);
		if (vr.sec != RES_SEC_SECURE)
			continue;
		for (uint16_t k = 0; k < a->count && p + 2 <= a->len &&
		     n < max; k++) {
			uint16_t rl = wire_get16(a->data + p);

			if (p + 2 + rl > a->len)
				break;
			out[n].lname = a->owner;
			out[n].type = a->type;
			out[n].rdata = a->data + p + 2;
			out[n].rdlen = rl;
			n++;
			p += 2 + (size_t)rl;
		}
	}
	return n;
}

static void kt_put(res_ctx *r, const uint8_t *name, uint8_t state,
		   uint16_t ede, const char *why, const fview *v,
		   uint32_t ttl, uint64_t now)
{
	res_keys_put(r->keys, name, state, ede, why, v ? v->data : NULL,
		     v ? v->len : 0, v ? v->count : 0, kt_ttl(ttl), now);
}

/* The DNSKEY RRset of zone, checked against its DS set (ds, from an
 * anchor or a validated DS RRset).  Result into the key table. */
static int zone_keys(res_ctx *r, res_task *t, const uint8_t *zn,
		     const uint8_t *ds, uint32_t dslen, uint16_t dscount,
		     uint64_t now)
{
	char why[256], zs[WIRE_MAXNAME * 4];
	res_val_result vr;
	fview v;

	if (fetch(r, t, zn, DNS_T_DNSKEY, now, &v) == W_WAIT)
		return W_WAIT;
	wire_name_to_str(zn, zs, sizeof(zs));
	if (!v.data) {
		snprintf(why, sizeof(why), "no DNSKEY for %.100s", zs);
		kt_put(r, zn, RES_KS_BOGUS, EDE_DNSKEY_MISSING, why, NULL,
		       v.rcode == DNS_R_NOERROR ? v.ttl : 5, now);
		return W_DONE;
	}
	vr = res_val_dnskey(zn, v.data, v.len, v.count, v.sigs, v.siglen,
			    v.sigcount, ds, dslen, dscount, now / 1000,
			    r->cfg.no_timecheck);
	snprintf(why, sizeof(why), "DNSKEY %.100s: %.100s", zs, vr.why);
	if (vr.sec == RES_SEC_SECURE)
		kt_put(r, zn, RES_KS_SECURE, 0, why, &v, v.ttl, now);
	else if (vr.sec == RES_SEC_INSECURE)
		kt_put(r, zn, RES_KS_INSECURE, 0, why, NULL, v.ttl, now);
	else
		kt_put(r, zn, RES_KS_BOGUS, vr.ede, why, NULL, 60, now);
	return W_DONE;
}

/* What name d is, seen from the secure zone z (keys ze) above it. */
static int ds_step(res_ctx *r, res_task *t, const uint8_t *d,
		   const uint8_t *z, const res_kent *ze, uint64_t now)
{
	char why[256], ds[WIRE_MAXNAME * 4];
	res_nsec_set ns[64];
	res_val_result vr;
	size_t n;
	fview v;
	const res_kent *de = res_keys_get(r->keys, d, now);

	if (de && de->state == KS_DSOK) {
		/* DS already validated: only the DNSKEY is missing */
		uint8_t *dsdata = malloc(de->klen ? de->klen : 1);
		uint32_t dl = de->klen;
		uint16_t dc = de->kcount;
		int rc;

		if (!dsdata)
			return W_DONE;
		memcpy(dsdata, de->keys, dl);
		rc = zone_keys(r, t, d, dsdata, dl, dc, now);
		free(dsdata);
		return rc;
	}
	if (fetch(r, t, d, DNS_T_DS, now, &v) == W_WAIT)
		return W_WAIT;
	wire_name_to_str(d, ds, sizeof(ds));
	if (v.data) {
		vr = res_val_rrset(d, DNS_T_DS, v.data, v.len, v.count, v.sigs,
				   v.siglen, v.sigcount, z, ze->keys, ze->klen,
				   ze->kcount, now / 1000, r->cfg.no_timecheck,
				   NULL);
		if (vr.sec != RES_SEC_SECURE) {
			snprintf(why, sizeof(why), "DS %.100s: %.100s", ds, vr.why);
			kt_put(r, d, RES_KS_BOGUS, vr.ede, why, NULL, 60, now);
			return W_DONE;
		}
		kt_put(r, d, KS_DSOK, 0, "", &v, v.ttl < 60 ? v.ttl : 60,
		       now);
		return ds_step(r, t, d, z, ze, now);
	}
	if (v.rcode != DNS_R_NOERROR && v.rcode != DNS_R_NXDOMAIN) {
		snprintf(why, sizeof(why), "no answer to the DS query for %.100s",
			 ds);
		kt_put(r, d, RES_KS_BOGUS, EDE_DNSSEC_INDETERMINATE, why,
		       NULL, 5, now);
		return W_DONE;
	}
	n = auth_nsecs(r, v.auth, v.nauth, z, ze, now, ns, 64);
	if (v.rcode == DNS_R_NXDOMAIN) {
		vr = res_val_denial(1, d, DNS_T_DS, z, ns, n);
		if (vr.sec == RES_SEC_SECURE)
			kt_put(r, d, RES_KS_NOCUT, 0, "", NULL, v.ttl, now);
		else if (vr.sec == RES_SEC_INSECURE)
			kt_put(r, d, RES_KS_INSECURE, 0, vr.why, NULL, v.ttl,
			       now);
		else
			goto bogus;
		return W_DONE;
	}
	vr = res_val_denial(3, d, DNS_T_DS, z, ns, n);
	if (vr.sec == RES_SEC_SECURE || vr.sec == RES_SEC_INSECURE) {
		kt_put(r, d, RES_KS_INSECURE, 0, vr.why, NULL, v.ttl, now);
		return W_DONE;
	}
	if (res_val_denial(2, d, DNS_T_DS, z, ns, n).sec == RES_SEC_SECURE) {
		kt_put(r, d, RES_KS_NOCUT, 0, "", NULL, v.ttl, now);
		return W_DONE;
	}
bogus:
	snprintf(why, sizeof(why), "DS %.100s: %.100s", ds, vr.why);
	kt_put(r, d, RES_KS_BOGUS, vr.ede, why, NULL, 60, now);
	return W_DONE;
}

/* The status of the zone that holds target (see the comment above). */
static int walk(res_ctx *r, res_task *t, const uint8_t *target,
		uint64_t now, walk_out *o)
{
	const uint8_t *ds, *anchor;
	uint32_t dslen;
	uint16_t dscount;
	const res_kent *e;
	int tl = wire_name_labels(target);

	memset(o, 0, sizeof(*o));
	anchor = res_keys_anchor(r->keys, target, &ds, &dslen, &dscount);
	if (!anchor || res_keys_nta(r->keys, target)) {
		o->state = RES_KS_INSECURE;
		return W_DONE;
	}
	e = res_keys_get(r->keys, anchor, now);
	if (!e || e->state == KS_DSOK) {
		if (zone_keys(r, t, anchor, ds, dslen, dscount, now) ==
		    W_WAIT)
			return W_WAIT;
		e = res_keys_get(r->keys, anchor, now);
		if (!e) {
			task_wake(r, t);     /* table was emptied: again */
			return W_WAIT;
		}
	}
	name_copy(o->zone, anchor);
	for (int l = wire_name_labels(anchor) + 1;
	     l <= tl && e->state == RES_KS_SECURE; l++) {
		const uint8_t *d = name_suffix(target, l);
		const res_kent *de = res_keys_get(r->keys, d, now);

		if (!de || de->state == KS_DSOK) {
			if (ds_step(r, t, d, o->zone, e, now) == W_WAIT)
				return W_WAIT;
			de = res_keys_get(r->keys, d, now);
			e = res_keys_get(r->keys, o->zone, now);
			if (!de || !e || de->state == KS_DSOK) {
				task_wake(r, t);
				return W_WAIT;
			}
		}
		if (de->state == RES_KS_NOCUT)
			continue;
		e = de;
		name_copy(o->zone, d);
	}
	o->state = e->state;
	o->e = e;
	return W_DONE;
}

/* Validate one chain entry; c->vsec gets the result. */
static int val_entry(res_ctx *r, res_task *t, chain_rr *c, uint64_t now)
{
	uint8_t signer[WIRE_MAXNAME], wc[WIRE_MAXNAME];
	char os[WIRE_MAXNAME * 4], why[256];
	res_val_result vr;
	walk_out w;
	int sig = c->sigcount && sig_signer(c->owner, c->sigs, c->siglen,
					    c->sigcount, signer);

	if (c->vsec)
		return W_DONE;
	if (c->synth) {           /* as good as the DNAME before it */
		c->vsec = RES_SEC_SECURE;
		return W_DONE;
	}
	if (walk(r, t, sig ? signer : c->owner, now, &w) == W_WAIT)
		return W_WAIT;
	wire_name_to_str(c->owner, os, sizeof(os));
	if (w.state == RES_KS_INSECURE) {
		c->vsec = RES_SEC_INSECURE;
	} else if (w.state != RES_KS_SECURE) {
		c->vsec = RES_SEC_BOGUS;
		set_bogus(t, w.e ? w.e->ede : EDE_DNSSEC_BOGUS,
			  w.e ? w.e->why : "broken chain of trust");
	} else if (!sig) {
		c->vsec = RES_SEC_BOGUS;
		snprintf(why, sizeof(why), "no RRSIG for %.100s type %u in a "
			 "signed zone", os, c->type);
		set_bogus(t, EDE_RRSIGS_MISSING, why);
	} else if (!wire_name_equal(w.zone, signer)) {
		c->vsec = RES_SEC_BOGUS;
		snprintf(why, sizeof(why), "%.100s: signer is not a secure zone",
			 os);
		set_bogus(t, EDE_DNSSEC_BOGUS, why);
	} else {
		vr = res_val_rrset(c->owner, c->type, c->data, c->len,
				   c->count, c->sigs, c->siglen, c->sigcount,
				   signer, w.e->keys, w.e->klen, w.e->kcount,
				   now / 1000, r->cfg.no_timecheck, wc);
		if (vr.sec == RES_SEC_SECURE && wc[0]) {
			res_nsec_set ns[64];
			size_t n = auth_nsecs(r, t->auth, t->nauth, signer,
					      w.e, now, ns, 64);

			vr = res_val_denial_wildcard(c->owner, wc, signer, ns,
						     n);
		}
		c->vsec = (uint8_t)vr.sec;
		if (vr.sec == RES_SEC_BOGUS) {
			snprintf(why, sizeof(why), "%.100s: %.100s", os, vr.why);
			set_bogus(t, vr.ede, why);
		} else if (vr.sec == RES_SEC_SECURE) {
			sig_ttl_cap(r, t, c, now);
		}
	}
	if (r->cache && !c->synth)
		res_cache_set_sec(r->cache, c->owner, c->type, 0, c->vsec);
	return W_DONE;
}

/* Validate the denial of a negative answer; t->neg_sec gets it. */
static int val_negative(res_ctx *r, res_task *t, uint64_t now)
{
	int nx = t->vrcode == DNS_R_NXDOMAIN;
	const uint8_t *name = t->neg_name[0] ? t->neg_name : t->sname;
	char why[256], ns_[WIRE_MAXNAME * 4];
	res_nsec_set ns[64];
	res_val_result vr;
	walk_out w;
	size_t n;

	if (t->neg_sec)
		return W_DONE;
	if (walk(r, t, t->has_soa ? t->soa_owner : name, now, &w) == W_WAIT)
		return W_WAIT;
	wire_name_to_str(name, ns_, sizeof(ns_));
	if (w.state == RES_KS_INSECURE) {
		t->neg_sec = RES_SEC_INSECURE;
	} else if (w.state != RES_KS_SECURE) {
		t->neg_sec = RES_SEC_BOGUS;
		set_bogus(t, w.e ? w.e->ede : EDE_DNSSEC_BOGUS,
			  w.e ? w.e->why : "broken chain of trust");
	} else if (!t->has_soa || !wire_name_equal(w.zone, t->soa_owner)) {
		t->neg_sec = RES_SEC_BOGUS;
		snprintf(why, sizeof(why), "%.100s: negative answer without a "
			 "signed zone's SOA", ns_);
		set_bogus(t, EDE_NSEC_MISSING, why);
	} else {
		n = auth_nsecs(r, t->auth, t->nauth, w.zone, w.e, now, ns, 64);
		vr = res_val_denial(nx ? 1 : 2, name, t->qtype, w.zone, ns, n);
		t->neg_sec = (uint8_t)vr.sec;
		if (vr.sec == RES_SEC_BOGUS) {
			snprintf(why, sizeof(why), "%.100s: %.100s", ns_, vr.why);
			set_bogus(t, vr.ede, why);
		}
	}
	if (r->cache)
		res_cache_set_sec(r->cache, name, nx ? 0 : t->qtype, 1,
				  t->neg_sec);
	return W_DONE;
}

static void validate_step(res_ctx *r, res_task *t, uint64_t now)
{
	uint8_t sec = RES_SEC_SECURE;
	int neg = task_negative(t, t->vrcode);

	if (t->root->work >= MAX_WORK ||
	    now - t->root->start_ms > TASK_DEADLINE) {
		set_bogus(t, EDE_DNSSEC_INDETERMINATE, "validation did not "
			  "finish in time");
		sec = RES_SEC_BOGUS;
		goto done;
	}
	for (int i = 0; i < t->nchain; i++)
		if (val_entry(r, t, &t->chain[i], now) == W_WAIT)
			return;
	if (neg && val_negative(r, t, now) == W_WAIT)
		return;
	for (int i = 0; i <= t->nchain; i++) {
		uint8_t s = i < t->nchain ? t->chain[i].vsec :
			    neg ? t->neg_sec : RES_SEC_SECURE;

		if (s == RES_SEC_BOGUS)
			sec = RES_SEC_BOGUS;
		else if (s != RES_SEC_SECURE && sec == RES_SEC_SECURE)
			sec = RES_SEC_INSECURE;
	}
done:
	t->sec = sec;
	if (sec == RES_SEC_SECURE)
		r->st.secure++;
	else if (sec == RES_SEC_BOGUS)
		r->st.bogus++;
	else
		r->st.insecure++;
	t->vphase = 0;
	t->vdone = 1;
	fx_clear(&t->fx);
	task_finish(r, t, t->vrcode, now);
}

/*
 * A chain that leads into local data (a zone, hosts, --address) ends
 * there, as a client's own query for that name would: local data always
 * wins over the resolver.  Local data is not validated (insecure) and
 * not cached by the resolver.
 */
static int step_local(res_ctx *r, res_task *t, uint64_t now)
{
	static const uint8_t root[1] = { 0 };
	uint8_t q[WIRE_HDRLEN + WIRE_MAXNAME + 4], name[WIRE_MAXNAME];
	size_t nl = wire_name_len(t->sname), len = 0;
	const res_msg *m = r->msg;
	int first = t->nchain, rcode, ch;

	if (!r->cfg.local || t->nchain == 0 || !t->client ||
	    wire_name_equal(t->local_seen, t->sname))
		return STEP_MISS;
	name_copy(t->local_seen, t->sname);
	if (!r->localbuf && !(r->localbuf = malloc(65536)))
		return STEP_MISS;
	memset(q, 0, WIRE_HDRLEN);
	wire_put16(q + 2, DNS_F_RD);
	wire_put16(q + 4, 1);
	memcpy(q + WIRE_HDRLEN, t->sname, nl);
	wire_put16(q + WIRE_HDRLEN + nl, t->qtype);
	wire_put16(q + WIRE_HDRLEN + nl + 2, DNS_C_IN);
	if (!r->cfg.local(r->cfg.local_arg, q, WIRE_HDRLEN + nl + 4,
			  r->localbuf, 65535, &len) ||
	    msg_parse(r->msg, r->localbuf, len) < 0)
		return STEP_MISS;
	rcode = m->flags & 0xf;
	if (rcode != DNS_R_NOERROR && rcode != DNS_R_NXDOMAIN)
		return STEP_MISS;
	name_copy(name, t->sname);
	ch = follow_answer(r, t, m, name, t->qtype, 1);
	for (int i = first; i < t->nchain; i++)
		t->chain[i].vsec = RES_SEC_INSECURE;
	if (ch == CH_FAIL) {
		task_finish(r, t, DNS_R_SERVFAIL, now);
		return STEP_DONE;
	}
	if (ch == CH_YXDOMAIN) {
		task_finish(r, t, DNS_R_YXDOMAIN, now);
		return STEP_DONE;
	}
	if (ch == CH_MOVED) {          /* the chain leaves the local data */
		name_copy(t->sname, name);
		return STEP_AGAIN;
	}
	if (ch == CH_NONE) {            /* NXDOMAIN or NODATA, locally */
		take_soa(r, t, m, root);
		name_copy(t->neg_name, t->sname);
		t->neg_sec = RES_SEC_INSECURE;
	}
	task_finish(r, t, ch == CH_NONE ? rcode : DNS_R_NOERROR, now);
	return STEP_DONE;
}

static void task_step(res_ctx *r, res_task *t, uint64_t now)
{
	const res_forward *f;

	if (t->vphase) {
		validate_step(r, t, now);
		return;
	}
	for (int g = 0; g <= MAX_CHAIN; g++) {
		int rc = step_local(r, t, now);

		if (rc == STEP_DONE)
			return;
		rc = step_cache(r, t, now);

		if (rc == STEP_DONE)
			return;
		if (rc == STEP_MISS)
			break;
	}
	if (t->nchain > MAX_CHAIN || t->root->work >= MAX_WORK ||
	    now - t->root->start_ms > TASK_DEADLINE) {
		task_finish(r, t, DNS_R_SERVFAIL, now);
		return;
	}
	f = find_forward(r, t->sname);
	if (f && f->nservers == 0) {
		task_finish(r, t, DNS_R_NXDOMAIN, now);
		return;
	}
	if (f)
		send_forward(r, t, f, now);
	else
		iterate(r, t, now);
}

/* ================================================================== */
/* handling a reply                                                   */
/* ================================================================== */

/* The task made progress (referral, next label, next link of a chain):
 * the servers of the next step start with fresh tries. */
static void task_progress(res_ctx *r, res_task *t)
{
	t->ntried = 0;
	task_wake(r, t);
}

/* Retry the task elsewhere once nothing else is outstanding. */
static void task_retry(res_ctx *r, res_task *t)
{
	if (t->pending == 0)
		task_wake(r, t);
}

static const msg_rr *find_dname(const res_msg *m, const uint8_t *name)
{
	for (size_t i = 0; i < m->nrr; i++) {
		const msg_rr *rr = &m->rr[i];

		if (rr->sec == RR_SEC_AN && rr->type == DNS_T_DNAME &&
		    rr->cls == DNS_C_IN &&
		    !wire_name_equal(rr_owner(m, rr), name) &&
		    wire_name_is_sub(name, rr_owner(m, rr)))
			return rr;
	}
	return NULL;
}

/* The answer-section RRSIGs of (owner, type) onto the last chain entry. */
static void msg_chain_sigs(res_ctx *r, res_task *t, const res_msg *m,
			   const uint8_t *owner, uint16_t type)
{
	uint32_t siglen;
	uint16_t n = msg_sigs(m, RR_SEC_AN, owner, type, r->sigscratch,
			      65535, &siglen);

	chain_sigs(t, r->sigscratch, siglen, n);
}

/* name = prefix(name below owner) + target.  -1 if too long. */
static int dname_subst(uint8_t *name, const uint8_t *owner,
		       const uint8_t *target)
{
	uint8_t out[WIRE_MAXNAME];
	size_t plen = wire_name_len(name) - wire_name_len(owner);
	size_t tlen = wire_name_len(target);

	if (plen + tlen > WIRE_MAXNAME)
		return -1;
	memcpy(out, name, plen);
	memcpy(out + plen, target, tlen);
	wire_name_lower(name, out);
	return 0;
}

/* A DNAME link: add the DNAME and the synthesized CNAME. */
static int chain_dname(res_ctx *r, res_task *t, const res_msg *m,
		       const msg_rr *d, uint8_t *name)
{
	uint8_t old[WIRE_MAXNAME], rd[2 + WIRE_MAXNAME];
	uint32_t len, ttl;
	uint16_t n = msg_rrset(m, RR_SEC_AN, rr_owner(m, d), DNS_T_DNAME,
			       r->scratch, 65535, &len, &ttl);

	name_copy(old, name);
	if (n != 1 || chain_add(t, rr_owner(m, d), DNS_T_DNAME, ttl,
				r->scratch, len, 1) < 0)
		return -1;
	msg_chain_sigs(r, t, m, rr_owner(m, d), DNS_T_DNAME);
	if (dname_subst(name, rr_owner(m, d), m->buf + d->rd) < 0)
		return -2;
	wire_put16(rd, (uint16_t)wire_name_len(name));
	name_copy(rd + 2, name);
	if (chain_add(t, old, DNS_T_CNAME, ttl, rd,
		      2 + (uint32_t)wire_name_len(name), 1) < 0)
		return -1;
	t->chain[t->nchain - 1].synth = 1;
	return 0;
}



/* qtype ANY: every RRset of name in the answer (RFC 8482 servers may
 * send a subset). */
static int follow_any(res_ctx *r, res_task *t, const res_msg *m,
		      const uint8_t *name, int record)
{
	int found = 0;

	for (size_t i = 0; i < m->nrr; i++) {
		const msg_rr *rr = &m->rr[i];
		uint32_t len, ttl;
		uint16_t n;

		if (rr->sec != RR_SEC_AN || rr->type == DNS_T_RRSIG ||
		    rr->cls != DNS_C_IN || !rr_first_of_set(m, i) ||
		    !wire_name_equal(rr_owner(m, rr), name))
			continue;
		found = 1;
		if (!record)
			continue;
		n = msg_rrset(m, RR_SEC_AN, name, rr->type, r->scratch, 65535,
			      &len, &ttl);
		if (chain_add(t, name, rr->type, ttl, r->scratch, len, n) < 0)
			return CH_FAIL;
		msg_chain_sigs(r, t, m, name, rr->type);
	}
	return found ? CH_FINAL : CH_NONE;
}

/* Follow qname through the answer section: data, CNAME, DNAME links. */
static int follow_answer(res_ctx *r, res_task *t, const res_msg *m,
			 uint8_t *name, uint16_t qt, int record)
{
	int moved = 0;

	if (qt == DNS_T_ANY)
		return follow_any(r, t, m, name, record);
	for (int hop = 0; hop <= MAX_CHAIN; hop++) {
		uint32_t len, ttl;
		uint16_t n = msg_rrset(m, RR_SEC_AN, name, qt, r->scratch,
				       65535, &len, &ttl);
		const msg_rr *d;

		if (n) {
			if (record && chain_add(t, name, qt, ttl, r->scratch,
						len, n) < 0)
				return CH_FAIL;
			if (record)
				msg_chain_sigs(r, t, m, name, qt);
			return CH_FINAL;
		}
		if (qt != DNS_T_DNAME && (d = find_dname(m, name)) != NULL) {
			int rc = record ? chain_dname(r, t, m, d, name) : 0;

			if (rc == -2)
				return CH_YXDOMAIN;
			if (rc < 0)
				return CH_FAIL;
			if (!record)
				return CH_FINAL;
			moved = 1;
			continue;
		}
		n = qt == DNS_T_CNAME ? 0 :
		    msg_rrset(m, RR_SEC_AN, name, DNS_T_CNAME, r->scratch,
			      65535, &len, &ttl);
		if (!n)
			return moved ? CH_MOVED : CH_NONE;
		if (!record)
			return CH_FINAL;
		if (t->nchain >= MAX_CHAIN ||
		    chain_add(t, name, DNS_T_CNAME, ttl, r->scratch, len,
			      1) < 0)
			return CH_FAIL;
		wire_name_lower(name, r->scratch + 2);
		msg_chain_sigs(r, t, m, t->chain[t->nchain - 1].owner,
			       DNS_T_CNAME);
		moved = 1;
	}
	return CH_FAIL;
}

/* Keep RRset (owner, type) of the authority section with its RRSIGs. */
static int keep_auth(res_ctx *r, chain_rr *c, const res_msg *m,
		     const uint8_t *owner, uint16_t type)
{
	uint32_t len, siglen, ttl;
	uint16_t n = msg_rrset(m, RR_SEC_NS, owner, type, r->scratch, 65535,
			       &len, &ttl);
	uint16_t ns = msg_sigs(m, RR_SEC_NS, owner, type, r->sigscratch,
			       65535, &siglen);

	memset(c, 0, sizeof(*c));
	if (!n && type != DNS_T_SOA)
		return -1;
	c->data = n ? malloc(len) : NULL;
	c->sigs = ns ? malloc(siglen) : NULL;
	if ((n && !c->data) || (ns && !c->sigs)) {
		crr_free(c);
		return -1;
	}
	if (n)
		memcpy(c->data, r->scratch, len);
	if (ns)
		memcpy(c->sigs, r->sigscratch, siglen);
	name_copy(c->owner, owner);
	c->type = type;
	c->count = n;
	c->len = n ? len : 0;
	c->ttl = n ? ttl : 0;
	c->sigcount = ns;
	c->siglen = ns ? siglen : 0;
	return 0;
}

static void take_soa(res_ctx *r, res_task *t, const res_msg *m,
		     const uint8_t *bw)
{
	const msg_rr *s = msg_first(m, RR_SEC_NS, DNS_T_SOA);

	if (!s || !wire_name_is_sub(rr_owner(m, s), bw))
		return;
	task_set_soa(t, rr_owner(m, s), m->buf + s->rd, s->rdlen, s->ttl);
	crr_free(&t->soa_sig);
	keep_auth(r, &t->soa_sig, m, rr_owner(m, s), DNS_T_SOA);
}

/* The NSEC/NSEC3 RRsets (with RRSIGs) of the authority section: the
 * denial of a negative answer or a wildcard's "no closer match". */
static void take_auth(res_ctx *r, res_task *t, const res_msg *m,
		      const uint8_t *bw)
{
	for (size_t i = 0; i < m->nrr && t->nauth < MAX_AUTH; i++) {
		const msg_rr *rr = &m->rr[i];

		if (rr->sec != RR_SEC_NS || rr->cls != DNS_C_IN ||
		    (rr->type != DNS_T_NSEC && rr->type != DNS_T_NSEC3) ||
		    !rr_first_of_set(m, i) ||
		    !wire_name_is_sub(rr_owner(m, rr), bw))
			continue;
		if (keep_auth(r, &t->auth[t->nauth], m, rr_owner(m, rr),
			      rr->type) == 0)
			t->nauth++;
	}
}

/* An NS RRset in authority of a reply without SOA or CNAME: a referral
 * (referral_ok checks that it points below the zone towards qn). */
static const msg_rr *find_referral(const res_msg *m)
{
	const msg_rr *ns = msg_first(m, RR_SEC_NS, DNS_T_NS);

	if (!ns || msg_first(m, RR_SEC_NS, DNS_T_SOA) ||
	    msg_first(m, RR_SEC_AN, DNS_T_CNAME))
		return NULL;
	return ns;
}

static int referral_ok(const res_msg *m, const msg_rr *ns,
		       const uint8_t *bw, const uint8_t *qn)
{
	const uint8_t *o = rr_owner(m, ns);

	return !wire_name_equal(o, bw) && wire_name_is_sub(o, bw) &&
	       wire_name_is_sub(qn, o);
}

static void on_negative(res_ctx *r, res_task *t, const res_msg *m,
			const res_txn *x, const uint8_t *name, int nx,
			uint64_t now)
{
	take_soa(r, t, m, x->zone);
	take_auth(r, t, m, x->zone);
	name_copy(t->neg_name, name);
	neg_put(r, t, name, nx ? 0 : t->qtype, now);
	task_finish(r, t, nx ? DNS_R_NXDOMAIN : DNS_R_NOERROR, now);
}

/* Reply to a minimised query: the intermediate name exists (or not). */
static void on_minimised(res_ctx *r, res_task *t, const res_msg *m,
			 const res_txn *x, uint64_t now)
{
	int rcode = m->flags & 0xf;
	uint8_t qn[WIRE_MAXNAME];
	const msg_rr *ns;

	wire_name_lower(qn, x->qname);
	if (rcode == DNS_R_NXDOMAIN && !msg_first(m, RR_SEC_AN,
						   DNS_T_CNAME)) {
		/* RFC 8020: nothing exists below qn either */
		cache_msg(r, m, x->zone, 0, now);
		take_soa(r, t, m, x->zone);
		take_auth(r, t, m, x->zone);
		name_copy(t->neg_name, qn);
		neg_put(r, t, qn, 0, now);
		task_finish(r, t, DNS_R_NXDOMAIN, now);
		return;
	}
	ns = find_referral(m);
	if (!msg_first(m, RR_SEC_AN, DNS_T_A) && ns) {
		if (!referral_ok(m, ns, x->zone, qn)) {
			tried_mark(t, &x->server, 1);
			task_retry(r, t);
			return;
		}
		cache_msg(r, m, x->zone, 1, now);
		task_progress(r, t);
		return;
	}
	cache_msg(r, m, x->zone, 0, now);
	t->min_n++;
	task_progress(r, t);
}

static void on_final(res_ctx *r, res_task *t, const res_msg *m,
		     const res_txn *x, uint64_t now)
{
	int rcode = m->flags & 0xf, aa = (m->flags & DNS_F_AA) != 0;
	uint8_t name[WIRE_MAXNAME];
	const msg_rr *ns;
	int ch;

	name_copy(name, t->sname);
	ns = find_referral(m);
	if (ns && !msg_first(m, RR_SEC_AN, t->qtype) && rcode == 0) {
		if (x->fwd || !referral_ok(m, ns, x->zone, name)) {
			tried_mark(t, &x->server, 1);     /* lame */
			task_retry(r, t);
			return;
		}
		cache_msg(r, m, x->zone, 1, now);
		task_progress(r, t);
		return;
	}
	cache_msg(r, m, x->zone, 0, now);
	ch = follow_answer(r, t, m, name, t->qtype, 1);
	if (ch == CH_FINAL)
		take_auth(r, t, m, x->zone);   /* a wildcard's proof */
	if (ch == CH_FINAL) {
		task_finish(r, t, DNS_R_NOERROR, now);
	} else if (ch == CH_FAIL) {
		task_finish(r, t, DNS_R_SERVFAIL, now);
	} else if (ch == CH_YXDOMAIN) {
		task_finish(r, t, DNS_R_YXDOMAIN, now);
	} else if (rcode == DNS_R_NXDOMAIN) {
		on_negative(r, t, m, x, name, 1, now);
	} else if (ch == CH_MOVED && !msg_first(m, RR_SEC_NS, DNS_T_SOA)) {
		name_copy(t->sname, name);   /* resolve the target afresh */
		task_progress(r, t);
	} else if (aa || x->fwd || msg_first(m, RR_SEC_NS, DNS_T_SOA)) {
		on_negative(r, t, m, x, name, 0, now);
	} else {
		tried_mark(t, &x->server, 1);         /* lame */
		task_retry(r, t);
	}
}

/* Check a reply against its transaction.  0 ok, 1 spoofed/mismatch
 * (ignore), 2 case not preserved (retry without 0x20). */
static int reply_check(const res_txn *x, const res_msg *m)
{
	if (m->id != x->msgid || !(m->flags & DNS_F_QR) ||
	    m->qtype != x->qtype || m->qclass != DNS_C_IN)
		return 1;
	if (memcmp(m->qname, x->qname, wire_name_len(x->qname)) == 0)
		return 0;
	return wire_name_equal(m->qname, x->qname) ? 2 : 1;
}

static void resend(res_ctx *r, res_txn *x, uint8_t transport, int nocaps,
		   uint64_t now)
{
	uint8_t qn[WIRE_MAXNAME];
	send_spec s;

	wire_name_lower(qn, x->qname);
	memset(&s, 0, sizeof(s));
	s.qname = qn;
	s.qtype = x->qtype;
	s.zone = x->zone;
	s.rd = x->fwd;
	s.fwd = x->fwd;
	s.minimised = x->minimised;
	s.transport = transport;
	s.nocaps = (uint8_t)nocaps;
	s.cookie_retry = x->cookie_retry;
	s.tls_name = x->tls_name;
	if (x->task->root->work >= MAX_WORK ||
	    txn_send(r, x->task, &x->server, &s, now) < 0)
		task_retry(r, x->task);
}

/* The OPT record of a reply, or NULL. */
static const msg_rr *msg_opt(const res_msg *m)
{
	for (size_t i = 0; i < m->nrr; i++)
		if (m->rr[i].sec == RR_SEC_AR && m->rr[i].type == DNS_T_OPT)
			return &m->rr[i];
	return NULL;
}

/* RFC 7873 5.3: a reply whose COOKIE option carries another client
 * cookie than the one we sent is not for us (-1); a good one teaches us
 * the server cookie.  No COOKIE option: the server does not do cookies
 * (accepted, as BIND does by default). */
static int cookie_verify(res_ctx *r, const res_txn *x, const res_msg *m,
			 uint64_t now)
{
	const msg_rr *o = x->cookie ? msg_opt(m) : NULL;
	uint8_t sc[RES_SC_MAX], sl = 0;
	res_srvinfo *si;

	if (!o)
		return 0;
	switch (res_cookie_check(m->buf + o->rd, o->rdlen, x->cc, sc, &sl)) {
	case RES_COOKIE_BAD:
		return -1;
	case RES_COOKIE_OK:
		si = res_srv_info(r->srv, &x->server, now);
		if (si && sl) {
			memcpy(si->sc, sc, sl);
			si->sclen = sl;
		}
		return 0;
	default:
		return 0;
	}
}

/* BADCOOKIE (RFC 7873 5.3): the server cookie is learnt already; ask
 * once more with it, then over TCP (no cookie needed there). */
static int on_badcookie(res_ctx *r, res_txn *x, const res_msg *m,
			uint64_t now)
{
	const msg_rr *o = msg_opt(m);

	if (!x->cookie || !o ||
	    ((o->ttl >> 24) << 4 | (m->flags & 0xfu)) != RES_R_BADCOOKIE)
		return 0;
	r->st.badcookie++;
	if (!x->cookie_retry) {
		x->cookie_retry = 1;
		resend(r, x, x->transport, !x->caps, now);
	} else if (x->transport == RES_T_UDP) {
		resend(r, x, RES_T_TCP, !x->caps, now);
	} else {
		tried_mark(x->task, &x->server, 1);
		task_retry(r, x->task);
	}
	return 1;
}

/* --stop-dns-rebind (policy.c): a private address in the answer. */
static int rebind_blocked(const res_ctx *r, const res_task *t,
			  const res_msg *m)
{
	int hit = 0;

	for (size_t i = 0; r->cfg.stop_rebind && i < m->nrr && !hit; i++)
		hit = m->rr[i].sec == RR_SEC_AN &&
		      res_policy_private_addr(&r->cfg, m->rr[i].type,
					      m->buf + m->rr[i].rd,
					      m->rr[i].rdlen);
	return hit && !res_policy_rebind_ok(&r->cfg, t->qname);
}

static void on_reply_msg(res_ctx *r, res_txn *x, const res_msg *m,
			 uint64_t now)
{
	res_task *t = x->task;
	int rcode = m->flags & 0xf;
	res_srvinfo *si = res_srv_info(r->srv, &x->server, now);

	if ((m->flags & DNS_F_TC) && x->transport == RES_T_UDP) {
		resend(r, x, RES_T_TCP, !x->caps, now);
		return;
	}
	if (on_badcookie(r, x, m, now))
		return;
	if (rcode == DNS_R_FORMERR && x->edns && si) {
		si->no_edns = 1;
		resend(r, x, x->transport, !x->caps, now);
		return;
	}
	if (rcode != DNS_R_NOERROR && rcode != DNS_R_NXDOMAIN) {
		if (x->minimised && !t->qmin_off) {
			/* RFC 9156 3: some servers fail on the minimised
			 * name; ask the full name instead */
			t->qmin_off = 1;
			task_retry(r, t);
			return;
		}
		tried_mark(t, &x->server, 1);
		task_retry(r, t);
		return;
	}
	if (rebind_blocked(r, t, m)) {   /* nothing of it is cached */
		if (x->minimised) {      /* ask the full name instead */
			t->qmin_off = 1;
			task_retry(r, t);
			return;
		}
		r->st.rebind_blocked++;
		if (r->cfg.on_rebind)
			r->cfg.on_rebind(r->cfg.on_rebind_arg, t->qname);
		t->ede = EDE_BLOCKED;
		task_finish(r, t, DNS_R_NOERROR, now);
		return;
	}
	if (x->minimised)
		on_minimised(r, t, m, x, now);
	else
		on_final(r, t, m, x, now);
}

/* ================================================================== */
/* running the queue of woken tasks                                   */
/* ================================================================== */

static void reap(res_ctx *r)
{
	res_task **pp = &r->tasks;

	while (*pp) {
		res_task *t = *pp;

		if (t->done && !t->woken) {
			*pp = t->next;
			task_free(r, t);
		} else {
			pp = &t->next;
		}
	}
}

static void run(res_ctx *r, uint64_t now)
{
	while (r->wake_head) {
		res_task *t = r->wake_head;

		r->wake_head = t->wnext;
		if (!r->wake_head)
			r->wake_tail = NULL;
		t->woken = 0;
		if (!t->done && !t->child && t->pending == 0)
			task_step(r, t, now);
	}
	reap(r);
}

/* ================================================================== */
/* public API                                                         */
/* ================================================================== */

res_ctx *res_new(const res_cfg *cfg, char *err, size_t errlen)
{
	res_ctx *r = calloc(1, sizeof(*r));

	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->cfg = *cfg;
	r->rng = 0x9e3779b97f4a7c15ull;
	r->srv = res_srv_new(cfg->root_hints_text, err, errlen);
	if (!r->srv)
		goto fail;
	r->cache = res_cache_new(cfg->cache_entries ? cfg->cache_entries :
				 10000, cfg->cache_bytes);
	if (r->cache) {
		uint64_t seed;

		rnd(r, &seed, sizeof(seed));
		res_cache_seed(r->cache, seed);
	}
	r->msg = malloc(sizeof(*r->msg));
	r->scratch = malloc(65536);
	r->sigscratch = malloc(65536);
	{
		static const uint8_t zero[16];
		uint64_t seed[2];

		rnd(r, seed, sizeof(seed));
		r->zload = res_ctab_new(seed[0]);
		r->cload = res_ctab_new(seed[1]);
		memcpy(r->csecret, cfg->cookie_secret, 16);
		if (memcmp(r->csecret, zero, 16) == 0)
			rnd(r, r->csecret, sizeof(r->csecret));
	}
	if (!r->cache || !r->msg || !r->scratch || !r->sigscratch ||
	    !r->zload || !r->cload) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (cfg->dnssec) {
		r->keys = res_keys_new(cfg->trust_anchor_text, cfg->nta,
				       cfg->nnta, err, errlen);
		if (!r->keys)
			goto fail;
	}
	return r;
fail:
	res_free(r);
	return NULL;
}

void res_free(res_ctx *r)
{
	res_txn *x, *xn;
	res_task *t, *tn;

	if (!r)
		return;
	for (x = r->txns; x; x = xn) {
		xn = x->next;
		free(x);
	}
	for (t = r->tasks; t; t = tn) {
		tn = t->next;
		task_free(r, t);
	}
	for (size_t i = r->qhead; i < r->qlen; i++)
		free(r->q[i].buf);
	free(r->q);
	free(r->last_buf);
	if (r->cache)
		res_cache_free(r->cache);
	res_srv_free(r->srv);
	res_keys_free(r->keys);
	res_ctab_free(r->zload);
	res_ctab_free(r->cload);
	free(r->msg);
	free(r->scratch);
	free(r->sigscratch);
	free(r->localbuf);
	free(r);
}

/* An error reply echoing the header (and the question if it parsed). */
static res_result reply_error(const uint8_t *q, size_t qlen,
			      const wire_query *wq, int rcode, uint8_t *resp,
			      size_t cap, size_t *resp_len)
{
	size_t n = wq->question_end && wq->question_end <= qlen ?
		   wq->question_end : WIRE_HDRLEN;

	if (n > cap)
		return RES_DROP;
	memcpy(resp, q, n);
	wire_put16(resp + 2, (uint16_t)(DNS_F_QR | DNS_F_RA |
					(wq->flags & 0x7900) | rcode));
	wire_put16(resp + 4, n > WIRE_HDRLEN ? 1 : 0);
	wire_put16(resp + 6, 0);
	wire_put16(resp + 8, 0);
	wire_put16(resp + 10, 0);
	*resp_len = n;
	return RES_ANSWERED;
}

static res_result query_check(const uint8_t *q, size_t qlen,
			      wire_query *wq, uint8_t *resp, size_t cap,
			      size_t *resp_len)
{
	wire_qresult pr = wire_query_parse(q, qlen, wq);

	if (pr == WQ_DROP)
		return RES_DROP;
	if (pr != WQ_OK || wq->question_end == 0)
		return reply_error(q, qlen, wq, DNS_R_FORMERR, resp, cap,
				   resp_len);
	if (wq->opcode != DNS_OP_QUERY)
		return reply_error(q, qlen, wq, DNS_R_NOTIMP, resp, cap,
				   resp_len);
	if (wq->qclass != DNS_C_IN || wq->qtype == DNS_T_AXFR ||
	    wq->qtype == DNS_T_IXFR || wq->qtype == DNS_T_OPT ||
	    wq->qtype == DNS_T_TSIG)
		return reply_error(q, qlen, wq, DNS_R_REFUSED, resp, cap,
				   resp_len);
	return RES_PENDING;
}

/* A waiter without a client: refreshes the answer cache entry of a
 * popular name (EDNS, no DO/CD: the common client's key). */
static res_waiter *prefetch_waiter(const res_prefetch *pf)
{
	res_waiter *w = calloc(1, sizeof(*w));
	size_t nl = wire_name_len(pf->lname);

	if (!w)
		return NULL;
	w->prefetch = 1;
	w->q.flags = DNS_F_RD;
	w->q.qdcount = 1;
	memcpy(w->q.qname, pf->lname, nl);
	memcpy(w->q.lname, pf->lname, nl);
	w->q.qname_len = (uint16_t)nl;
	w->q.qtype = pf->qtype;
	w->q.qclass = DNS_C_IN;
	w->q.question_end = (uint16_t)(WIRE_HDRLEN + nl + 4);
	w->q.has_edns = pf->edns;
	w->q.edns_udp = pf->edns ? EDNS_UP : 0;
	w->q.edns_flags = pf->do_bit ? EDNS_F_DO : 0;
	if (pf->cd_bit)
		w->q.flags |= DNS_F_CD;
	if (pf->ad_bit)
		w->q.flags |= DNS_F_AD;
	return w;
}

/* Start refreshing a popular answer close to expiry that a client just
 * hit (driven by client hits only: the cache flags the entry on the hit,
 * once). */
static void prefetch(res_ctx *r, uint64_t now)
{
	res_prefetch pf[1];
	size_t n = (size_t)res_cache_prefetch_hit(r->cache, &pf[0]);

	for (size_t i = 0; i < n; i++) {
		res_waiter *w;
		res_task *t;

		if (task_find_client(r, pf[i].lname, pf[i].qtype, DNS_C_IN) ||
		    r->nactive >= lim(r->cfg.max_tasks, DEF_MAX_TASKS))
			continue;
		w = prefetch_waiter(&pf[i]);
		t = w ? task_new(r, pf[i].lname, pf[i].qtype, DNS_C_IN,
				 NULL) : NULL;
		if (!t) {
			free(w);
			break;
		}
		t->start_ms = now;
		t->client = 1;
		t->active = 1;
		r->nactive++;
		t->refresh = 1;
		t->waiters = w;
		r->st.prefetches++;
		task_wake(r, t);
	}
	if (n)
		run(r, now);
}

/*
 * All max_tasks places are taken: the oldest client query that has been
 * resolving for jostle_ms gives its place (unbound's jostle), its clients
 * get no reply (RES_ACT_DROP).  1 a place is free, 0 none.
 */
static int jostle(res_ctx *r, uint64_t now)
{
	uint32_t jms = lim(r->cfg.jostle_ms, DEF_JOSTLE_MS);
	res_task *old = NULL;

	for (res_task *t = r->tasks; t; t = t->next)
		if (t->active && (!old || t->start_ms < old->start_ms))
			old = t;
	if (!old || now < old->start_ms + jms)
		return 0;
	old->jostled = 1;
	r->st.jostled++;
	task_finish(r, old, DNS_R_SERVFAIL, now);
	return 1;
}

/* The task for the client query wq: a running one for the same question,
 * or a new one if there is a place for it (NULL: none). */
static res_task *client_task(res_ctx *r, const wire_query *wq, uint64_t now)
{
	res_task *t = task_find_client(r, wq->lname, wq->qtype, wq->qclass);

	if (t)
		return t;
	if (r->nactive >= lim(r->cfg.max_tasks, DEF_MAX_TASKS) &&
	    !jostle(r, now)) {
		r->st.busy_dropped++;
		return NULL;
	}
	t = task_new(r, wq->lname, wq->qtype, wq->qclass, NULL);
	if (!t)
		return NULL;
	t->start_ms = now;
	t->client = 1;
	t->active = 1;
	r->nactive++;
	t->refresh = r->cfg.no_cache;   /* the name itself afresh */
	t->want_do = (wq->edns_flags & EDNS_F_DO) != 0;
	task_wake(r, t);
	return t;
}

/* The client's place in the per-client count: 0, or -1 (over the limit
 * or out of memory: drop the query). */
static int client_count(res_ctx *r, const res_addr *client, res_waiter *w)
{
	uint8_t key[9];
	size_t n;

	if (!client)
		return 0;
	n = res_client_key(client, key);
	if (res_ctab_get(r->cload, key, n) >=
	    lim(r->cfg.client_max, DEF_CLIENT_MAX)) {
		r->st.client_limited++;
		return -1;
	}
	if (res_ctab_inc(r->cload, key, n) < 0)
		return -1;
	memcpy(w->ckey, key, n);
	w->cklen = (uint8_t)n;
	return 0;
}

res_result res_query(res_ctx *r, const uint8_t *q, size_t qlen, int tcp,
		     uint64_t now_ms, uint8_t *resp, size_t cap,
		     size_t *resp_len, uint64_t client_token)
{
	return res_query_from(r, NULL, q, qlen, tcp, now_ms, resp, cap,
			      resp_len, client_token);
}

res_result res_query_from(res_ctx *r, const res_addr *client,
			  const uint8_t *q, size_t qlen, int tcp,
			  uint64_t now_ms, uint8_t *resp, size_t cap,
			  size_t *resp_len, uint64_t client_token)
{
	wire_query wq;
	res_waiter *w;
	res_task *t;
	res_result rr;
	size_t lim_len;

	r->st.queries++;
	rr = query_check(q, qlen, &wq, resp, cap, resp_len);
	if (rr != RES_PENDING)
		return rr;
	if (res_policy_answer(&r->cfg, &wq, resp, cap, resp_len)) {
		r->st.policy_answers++;
		return RES_ANSWERED;
	}
	lim_len = tcp ? 65535 : !wq.has_edns ? 512 :
		  (wq.edns_udp < 512 ? 512 : wq.edns_udp);
	if (!r->cfg.no_cache &&
	    res_cache_answer(r->cache, &wq, q, lim_len < cap ? lim_len : cap,
			     now_ms, resp, cap, resp_len)) {
		r->st.cache_hits++;
		prefetch(r, now_ms);
		return RES_ANSWERED;
	}
	r->st.cache_misses++;
	w = calloc(1, sizeof(*w));
	if (!w)
		return RES_DROP;
	w->token = client_token;
	w->tcp = tcp;
	w->q = wq;
	if (client_count(r, client, w) < 0 ||
	    !(t = client_task(r, &wq, now_ms))) {
		waiter_free(r, w);
		run(r, now_ms);          /* reap a jostled task */
		return RES_DROP;
	}
	w->next = t->waiters;
	t->waiters = w;
	r->sync_w = w;
	r->sync_buf = resp;
	r->sync_cap = cap;
	r->sync_done = 0;
	run(r, now_ms);
	r->sync_w = NULL;
	if (r->sync_done) {
		*resp_len = r->sync_len;
		return RES_ANSWERED;
	}
	return RES_PENDING;
}

int res_on_reply(res_ctx *r, uint64_t txn, const uint8_t *msg, size_t len,
		 uint64_t now_ms)
{
	res_txn *x = txn_find(r, txn);
	int rc;

	if (!x)
		return 0;
	if (msg_parse(r->msg, msg, len) < 0) {
		/* unusable: a spoof or a broken server; wait for the
		 * timeout unless the header matches this query */
		if (len >= WIRE_HDRLEN && wire_get16(msg) == x->msgid &&
		    (wire_get16(msg + 2) & DNS_F_QR)) {
			txn_unlink(r, x);
			tried_mark(x->task, &x->server, 1);
			task_retry(r, x->task);
			free(x);
			run(r, now_ms);
			return 0;
		}
		r->st.spoofed_dropped++;
		return 1;
	}
	rc = reply_check(x, r->msg);
	if (rc == 1) {
		r->st.spoofed_dropped++;
		return 1;
	}
	if (cookie_verify(r, x, r->msg, now_ms) < 0) {
		r->st.cookie_spoofed++;   /* keep waiting for the real one */
		r->st.spoofed_dropped++;
		return 1;
	}
	txn_unlink(r, x);
	res_srv_rtt(r->srv, &x->server, (uint32_t)(now_ms - x->sent_ms),
		    now_ms);
	if (rc == 2) {
		res_srvinfo *si = res_srv_info(r->srv, &x->server, now_ms);

		if (si)
			si->no_caps = 1;
		resend(r, x, x->transport, 1, now_ms);
	} else {
		on_reply_msg(r, x, r->msg, now_ms);
	}
	free(x);
	run(r, now_ms);
	return 0;
}

void res_on_error(res_ctx *r, uint64_t txn, uint64_t now_ms)
{
	res_txn *x = txn_find(r, txn);

	if (!x)
		return;
	txn_unlink(r, x);
	res_srv_timeout(r->srv, &x->server, now_ms);
	tried_mark(x->task, &x->server, 1);
	task_retry(r, x->task);
	free(x);
	run(r, now_ms);
}

uint64_t res_next_timer(const res_ctx *r)
{
	uint64_t t = 0;

	for (const res_txn *x = r->txns; x; x = x->next)
		if (t == 0 || x->deadline < t)
			t = x->deadline;
	if (r->cfg.use_stale)
		for (const res_task *k = r->tasks; k; k = k->next)
			if (k->client && !k->done && !k->stale_tried &&
			    (t == 0 || k->start_ms + STALE_AFTER < t))
				t = k->start_ms + STALE_AFTER;
	return t;
}

/*
 * RFC 8767 5: a client waiting longer than the client response timer
 * gets the stale answer now, if there is one; resolution goes on and
 * refreshes the cache for later clients.
 */
static void stale_early(res_ctx *r, uint64_t now)
{
	uint64_t age = (uint64_t)(r->cfg.stale_max_age ?
				  r->cfg.stale_max_age : 86400) * 1000;
	uint32_t ttl = r->cfg.stale_ttl ? r->cfg.stale_ttl : 30;

	if (!r->cfg.use_stale || !r->cache)
		return;
	for (res_task *t = r->tasks; t; t = t->next) {
		res_waiter **pp;

		if (!t->client || t->done || t->stale_tried ||
		    now < t->start_ms + STALE_AFTER)
			continue;
		t->stale_tried = 1;
		for (pp = &t->waiters; *pp; ) {
			res_waiter *w = *pp;
			size_t len = 0;
			res_action a;

			if (w->prefetch ||
			    res_cache_answer_stale(r->cache, &w->q,
						   reply_limit(r, w, 65535),
						   now, age, ttl, r->scratch,
						   65535, &len) == 0) {
				pp = &w->next;
				continue;
			}
			memset(&a, 0, sizeof(a));
			a.kind = RES_ACT_ANSWER;
			a.client_token = w->token;
			queue_push(r, &a, r->scratch, len);
			r->st.stale_served++;
			*pp = w->next;
			waiter_free(r, w);
		}
	}
}

void res_on_timer(res_ctx *r, uint64_t now_ms)
{
	res_txn **pp = &r->txns;

	while (*pp) {
		res_txn *x = *pp;

		if (x->deadline > now_ms) {
			pp = &x->next;
			continue;
		}
		*pp = x->next;
		txn_release(r, x);
		if (x->task->pending > 0)
			x->task->pending--;
		r->st.upstream_timeouts++;
		res_srv_timeout(r->srv, &x->server, now_ms);
		task_retry(r, x->task);
		free(x);
	}
	stale_early(r, now_ms);
	run(r, now_ms);
}

int res_cache_save(const res_ctx *r, uint64_t now_ms, uint8_t **out,
		   size_t *len)
{
	return res_cache_serialize(r->cache, now_ms, out, len);
}

int res_cache_load(res_ctx *r, const uint8_t *buf, size_t len,
		   uint64_t now_ms)
{
	return res_cache_deserialize(r->cache, buf, len, now_ms);
}

void res_cache_take(res_ctx *r, res_ctx *old)
{
	res_cache *c = r->cache;

	r->cache = old->cache;
	old->cache = c;
}

const res_stats *res_get_stats(const res_ctx *r)
{
	return &r->st;
}
