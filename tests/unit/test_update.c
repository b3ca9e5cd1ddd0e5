/* Unit tests for zone mutation (zone.c), RFC 2136 UPDATE (update.c) and
 * the update/transfer access lists (acl.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "tests/unit/t.h"
#include "tests/unit/tzone.h"
#include "zones/maint_int.h"

static const char ztext[] =
	"$TTL 3600\n"
	"$ORIGIN example.com.\n"
	"@ IN SOA ns1 host 100 7200 3600 1209600 300\n"
	"  IN NS ns1\n"
	"  IN NS ns2\n"
	"ns1 IN A 192.0.2.1\n"
	"ns2 IN A 192.0.2.2\n"
	"www IN A 192.0.2.10\n"
	"www IN A 192.0.2.11\n"
	"www IN TXT \"hello\"\n"
	"alias IN CNAME www\n"
	"a.b.c IN TXT \"deep\"\n"
	"*.w IN A 192.0.2.4\n"
	"sub IN NS ns.sub\n"
	"ns.sub IN A 192.0.2.5\n";

static zone *mkzone(void)
{
	return t_zone_text("example.com", ztext);
}

static zone_node *node(const zone *z, const char *s)
{
	uint8_t n[WIRE_MAXNAME], l[WIRE_MAXNAME];
	if (wire_name_from_str(s, n) < 0)
		return NULL;
	wire_name_lower(l, n);
	return zone_node_find(z, l);
}

static const zone_rrset *rrset(const zone *z, const char *s, uint16_t type)
{
	const zone_node *n = node(z, s);
	return n ? zone_node_rrset(n, type) : NULL;
}

/* Structural invariants: every node findable, nchild and flags right. */
typedef struct inv_ctx {
	const zone *z;
	int bad;
	size_t nodes, rrs;
} inv_ctx;

static int inv_count_child(void *arg, zone_node *n)
{
	void **a = arg;
	const zone_node *p = a[0];
	uint32_t *cnt = a[1];
	if (n->lname[0] && zone_node_find(a[2], n->lname + n->lname[0] + 1) == p)
		(*cnt)++;
	return 0;
}

/* Every RR of an RRset files under it (RRSIGs: one RRset per covered
 * type, each RR covering that type) and no other RRset has its key. */
static int rrset_keyed(const zone_node *n, const zone_rrset *rs)
{
	for (const uint8_t *p = rs->data; p < rs->data + rs->len;
	     p += 2 + wire_get16(p))
		if (zone_rr_covered(rs->type, p + 2, wire_get16(p)) !=
		    rs->covered)
			return 0;
	for (const zone_rrset *o = n->rrsets; o; o = o->next)
		if (o != rs && o->type == rs->type &&
		    o->covered == rs->covered)
			return 0;
	return 1;
}

static int inv_node(void *arg, zone_node *n)
{
	inv_ctx *c = arg;
	uint32_t cnt = 0;
	void *a[3] = { n, &cnt, (void *)c->z };
	const zone_rrset *rs;

	c->nodes++;
	for (rs = n->rrsets; rs; rs = rs->next) {
		c->rrs += rs->count;
		if (!rrset_keyed(n, rs))
			c->bad |= 16;
	}
	if (zone_node_find(c->z, n->lname) != n)
		c->bad |= 1;
	zone_foreach_node(c->z, inv_count_child, a);
	if (cnt != n->nchild || !!(n->flags & ZN_HASCHILD) != (cnt > 0))
		c->bad |= 2;
	if (!!(n->flags & ZN_CNAME) != !!zone_node_rrset(n, DNS_T_CNAME))
		c->bad |= 4;
	if (n != c->z->apex && !n->rrsets && !n->nchild)
		c->bad |= 8;
	return 0;
}

static int zone_ok(const zone *z)
{
	inv_ctx c = { z, 0, 0, 0 };
	zone_foreach_node(z, inv_node, &c);
	if (c.nodes != z->nnodes || c.rrs != z->nrr)
		c.bad |= 16;
	if (c.bad)
		printf("  invariant bits %d\n", c.bad);
	return c.bad == 0;
}

static void test_mutation_basic(void)
{
	zone *z = mkzone();
	zone_node *n;
	static const uint8_t a10[4] = { 192, 0, 2, 10 }, a11[4] = { 192, 0, 2, 11 };
	size_t nrr;

	T_CHECK(z != NULL);
	if (!z)
		return;
	T_CHECK(zone_ok(z));
	nrr = z->nrr;
	n = node(z, "www.example.com");
	T_EQ(zone_node_del_rr(z, n, DNS_T_A, a10, 4), 1);
	T_EQ(zone_node_del_rr(z, n, DNS_T_A, a10, 4), 0);
	T_EQ(z->nrr, nrr - 1);
	T_CHECK(rrset(z, "www.example.com", DNS_T_A)->count == 1);
	T_EQ(zone_node_del_rr(z, n, DNS_T_A, a11, 4), 1);
	T_CHECK(rrset(z, "www.example.com", DNS_T_A) == NULL);
	T_CHECK(node(z, "www.example.com") != NULL);
	T_EQ(zone_node_del_rrset(z, n, DNS_T_TXT), 1);
	T_CHECK(node(z, "www.example.com") == NULL);
	/* deep name: ENTs pruned too */
	n = node(z, "a.b.c.example.com");
	T_EQ(zone_node_del_rrset(z, n, DNS_T_TXT), 1);
	T_CHECK(node(z, "b.c.example.com") == NULL);
	T_CHECK(node(z, "c.example.com") == NULL);
	/* wildcard flag */
	T_CHECK(node(z, "w.example.com")->flags & ZN_WILDCHILD);
	zone_node_del_rrset(z, node(z, "*.w.example.com"), DNS_T_A);
	T_CHECK(node(z, "w.example.com") == NULL);
	/* delegation flag */
	n = node(z, "sub.example.com");
	T_CHECK(n->flags & ZN_DELEG);
	zone_node_del_rrset(z, n, DNS_T_NS);
	T_CHECK(!(n->flags & ZN_DELEG) && (n->flags & ZN_HASCHILD));
	n = node(z, "alias.example.com");
	T_CHECK(n->flags & ZN_CNAME);
	T_CHECK(zone_ok(z));
	zone_unref(z);
}

static void test_serial_clone(void)
{
	zone *z = mkzone(), *c;
	T_CHECK(z != NULL);
	if (!z)
		return;
	T_EQ(zone_set_serial(z, 4242), 0);
	T_EQ(zone_serial(z), 4242);
	z->serial = 1;
	zone_refresh_soa(z);
	T_EQ(zone_serial(z), 4242);
	T_EQ(z->neg_ttl, 300);
	c = zone_clone(z);
	T_CHECK(c && zone_ok(c));
	if (c) {
		T_EQ(c->nrr, z->nrr);
		T_EQ(c->nnodes, z->nnodes);
		T_EQ(zone_serial(c), 4242);
		T_CHECK(node(c, "sub.example.com")->flags & ZN_DELEG);
		T_CHECK(node(c, "w.example.com")->flags & ZN_WILDCHILD);
		zone_node_del_rrset(c, node(c, "www.example.com"), DNS_T_A);
		T_CHECK(rrset(z, "www.example.com", DNS_T_A) != NULL);
		T_CHECK(zone_ok(c));
		zone_unref(c);
	}
	T_CHECK(zone_ok(z));
	zone_unref(z);
}

/* ---- UPDATE messages ---- */

typedef struct msg {
	uint8_t b[8192];
	size_t len;
	uint16_t cnt[4];
} msg;

enum { ZO = 0, PR = 1, UP = 2 };

static void m_put16(msg *m, uint16_t v)
{
	wire_put16(m->b + m->len, v);
	m->len += 2;
}

static void m_name(msg *m, const char *s)
{
	uint8_t n[WIRE_MAXNAME];
	int l = wire_name_from_str(s, n);
	memcpy(m->b + m->len, n, (size_t)l);
	m->len += (size_t)l;
}

static void m_init(msg *m, const char *zname, uint16_t type, uint16_t cls)
{
	memset(m, 0, sizeof(*m));
	m->len = WIRE_HDRLEN;
	m_name(m, zname);
	m_put16(m, type);
	m_put16(m, cls);
	m->cnt[ZO] = 1;
}

/* An RR from presentation text, class and TTL replaced. */
static void m_rr(msg *m, int sec, const char *text, uint16_t cls,
		 uint32_t ttl)
{
	ldns_rr *rr = NULL;
	uint8_t *w = NULL;
	size_t wl = 0, nl;

	if (ldns_rr_new_frm_str(&rr, text, 3600, NULL, NULL) != LDNS_STATUS_OK ||
	    ldns_rr2wire(&w, rr, LDNS_SECTION_ANSWER, &wl) != LDNS_STATUS_OK) {
		printf("  bad rr %s\n", text);
		t_cur_failed = 1;
		return;
	}
	nl = wire_name_len(w);
	wire_put16(w + nl + 2, cls);
	wire_put32(w + nl + 4, ttl);
	memcpy(m->b + m->len, w, wl);
	m->len += wl;
	m->cnt[sec]++;
	free(w);
	ldns_rr_free(rr);
}

static void m_add(msg *m, const char *text)
{
	ldns_rr *rr = NULL;
	uint32_t ttl = 3600;
	if (ldns_rr_new_frm_str(&rr, text, 3600, NULL, NULL) == LDNS_STATUS_OK)
		ttl = ldns_rr_ttl(rr);
	ldns_rr_free(rr);
	m_rr(m, UP, text, DNS_C_IN, ttl);
}

/* Empty-rdata RR (class ANY / NONE prerequisites and deletions). */
static void m_empty(msg *m, int sec, const char *name, uint16_t type,
		    uint16_t cls)
{
	m_name(m, name);
	m_put16(m, type);
	m_put16(m, cls);
	m_put16(m, 0);
	m_put16(m, 0);
	m_put16(m, 0);
	m->cnt[sec]++;
}

static void m_finish(msg *m)
{
	wire_put16(m->b, 0x1234);
	wire_put16(m->b + 2, (uint16_t)(DNS_OP_UPDATE << 11));
	for (int i = 0; i < 3; i++)
		wire_put16(m->b + 4 + 2 * i, m->cnt[i]);
	wire_put16(m->b + 10, m->cnt[3]);
}

typedef struct env {
	zone_db *db;
	zone *z;
	zone_effects eff;
	uint8_t resp[4096];
	size_t rlen;
	uint64_t now;
	int af;
	uint8_t addr[16];
	const zone_tsig_key *key;
} env;

static void env_init(env *e, const zone_db_opts *o)
{
	memset(e, 0, sizeof(*e));
	e->db = zone_db_new(o);
	e->z = mkzone();
	if (e->z) {
		zone_db_add_zone(e->db, e->z);
		zone_unref(e->z);
	}
	e->now = 1700000000;
	e->af = 4;
	e->addr[0] = 127;
	e->addr[3] = 1;
}

static void env_free(env *e)
{
	zone_db_free(e->db);
}

/* Send m; returns the reply rcode or -1. */
static int usend(env *e, msg *m)
{
	wire_query q;
	zone_tsig_ctx t;
	zone_req rq;

	m_finish(m);
	memset(&e->eff, 0, sizeof(e->eff));
	memset(&t, 0, sizeof(t));
	t.key = e->key;
	memset(&rq, 0, sizeof(rq));
	rq.q = m->b;
	rq.qlen = m->len;
	rq.af = e->af;
	memcpy(rq.addr, e->addr, 16);
	rq.now = e->now;
	if (wire_query_parse(m->b, m->len, &q) != WQ_OK)
		return -1;
	if (zone_update_handle(e->db, &rq, &q, &t, e->resp, sizeof(e->resp),
			       &e->rlen, &e->eff) != ZONE_REPLY ||
	    e->rlen < WIRE_HDRLEN)
		return -1;
	if (!(wire_get16(e->resp + 2) & DNS_F_QR) ||
	    ((e->resp[2] >> 3) & 0xf) != DNS_OP_UPDATE ||
	    wire_get16(e->resp + 4) != 1 || wire_get16(e->resp + 6) != 0 ||
	    wire_get16(e->resp + 8) != 0)
		return -2;
	return e->resp[3] & 0xf;
}

static void allow_all(env *e)
{
	static const uint8_t lo[4] = { 127, 0, 0, 0 };
	zone_db_allow_update(e->db, "example.com", NULL, 4, lo, 8, NULL, 0);
}

static void test_add_delete(void)
{
	env e;
	msg m;

	env_init(&e, NULL);
	allow_all(&e);
	m_init(&m, "example.com", DNS_T_SOA, DNS_C_IN);
	m_add(&m, "new.example.com. 300 IN A 192.0.2.99");
	m_add(&m, "new.example.com. 300 IN TXT \"x\"");
	T_EQ(usend(&e, &m), DNS_R_NOERROR);
	T_CHECK(e.eff.changed == e.z && e.eff.journal && e.eff.journal_len);
	T_EQ(zone_serial(e.z), 101);
	T_CHECK(rrset(e.z, "new.example.com", DNS_T_A) != NULL);
	/* same again: no change, no serial bump, no journal */
	T_EQ(usend(&e, &m), DNS_R_NOERROR);
	T_CHECK(e.eff.changed == NULL && e.eff.journal == NULL);
	T_EQ(zone_serial(e.z), 101);
	/* delete RR */
	m_init(&m, "example.com", DNS_T_SOA, DNS_C_IN);
	m_rr(&m, UP, "www.example.com. 0 IN A 192.0.2.10", DNS_C_NONE, 0);
	T_EQ(usend(&e, &m), DNS_R_NOERROR);
	T_EQ(rrset(e.z, "www.example.com", DNS_T_A)->count, 1);
	T_EQ(zone_serial(e.z), 102);
	/* delete RRset */
	m_init(&m, "example.com", DNS_T_SOA, DNS_C_IN);
	m_empty(&m, UP, "www.example.com", DNS_T_A, DNS_C_ANY);
	T_EQ(usend(&e, &m), DNS_R_NOERROR);
	T_CHECK(rrset(e.z, "www.example.com", DNS_T_A) == NULL);
	T_CHECK(rrset(e.z, "www.example.com", DNS_T_TXT) != NULL);
	/* delete name */
	m_init(&m, "example.com", DNS_T_SOA, DNS_C_IN);
	m_empty(&m, UP, "new.example.com", DNS_T_ANY, DNS_C_ANY);
	T_EQ(usend(&e, &m), DNS_R_NOERROR);
	T_CHECK(node(e.z, "new.example.com") == NULL);
	T_EQ(zone_serial(e.z), 104);
	/* TTL change of an existing RR */
	m_init(&m, "example.com", DNS_T_SOA, DNS_C_IN);
	m_add(&m, "ns1.example.com. 60 IN A 192.0.2.1");
	T_EQ(usend(&e, &m), DNS_R_NOERROR);
	T_EQ(rrset(e.z, "ns1.example.com", DNS_T_A)->ttl, 60);
	T_CHECK(e.eff.changed != NULL);
	/* add and delete in one message: net nothing but still a change
	 * record is fine; the zone must not have it */
	m_init(&m, "example.com", DNS_T_SOA, DNS_C_IN);
	m_add(&m, "tmp.example.com. 300 IN A 192.0.2.7");
	m_empty(&m, UP, "tmp.example.com", DNS_T_ANY, DNS_C_ANY);
	T_EQ(usend(&e, &m), DNS_R_NOERROR);
	T_CHECK(node(e.z, "tmp.example.com") == NULL);
	T_CHECK(zone_ok(e.z));
	env_free(&e);
}

static void test_apex_rules(void)
{
	env e;
	msg m;

	env_init(&e, NULL);
	allow_all(&e);
	m_init(&m, "example.com", DNS_T_SOA, DNS_C_IN);
	m_empty(&m, UP, "example.com", DNS_T_ANY, DNS_C_ANY);
	m_empty(&m, UP, "example.com", DNS_T_NS, DNS_C_ANY);
	m_empty(&m, UP, "example.com", DNS_T_SOA, DNS_C_ANY);
	T_EQ(usend(&e, &m), DNS_R_NOERROR);
	T_CHECK(rrset(e.z, "example.com", DNS_T_SOA) != NULL);
	T_EQ(rrset(e.z, "example.com", DNS_T_NS)->count, 2);
	T_CHECK(e.eff.changed == NULL);
	/* delete one NS, then the last one is kept */
	m_init(&m, "example.com", DNS_T_SOA, DNS_C_IN);
	m_rr(&m, UP, "example.com. 0 IN NS ns1.example.com.", DNS_C_NONE, 0);
	m_rr(&m, UP, "example.com. 0 IN NS ns2.example.com.", DNS_C_NONE, 0);
	T_EQ(usend(&e, &m), DNS_R_NOERROR);
	T_EQ(rrset(e.z, "example.com", DNS_T_NS)->count, 1);
	/* SOA: delete RR ignored; lower serial ignored; higher replaces */
	m_init(&m, "example.com", DNS_T_SOA, DNS_C_IN);
	m_add(&m, "example.com. 3600 IN SOA ns1.example.com. h.example.com. 50 1 2 3 4");
	T_EQ(usend(&e, &m), DNS_R_NOERROR);
	T_EQ(zone_serial(e.z), 101);
	T_CHECK(e.eff.changed == NULL);
	m_init(&m, "example.com", DNS_T_SOA, DNS_C_IN);
	m_add(&m, "example.com. 3600 IN SOA ns1.example.com. h.example.com. 5000 1 2 3 4");
	T_EQ(usend(&e, &m), DNS_R_NOERROR);
	T_EQ(zone_serial(e.z), 5000);
	T_EQ(e.z->neg_ttl, 4);
	T_CHECK(e.eff.changed != NULL);
	T_EQ(rrset(e.z, "example.com", DNS_T_SOA)->count, 1);
	/* SOA at a non-apex name is ignored */
	m_init(&m, "example.com", DNS_T_SOA, DNS_C_IN);
	m_add(&m, "x.example.com. 3600 IN SOA ns1.example.com. h.example.com. 9000 1 2 3 4");
	T_EQ(usend(&e, &m), DNS_R_NOERROR);
	T_CHECK(node(e.z, "x.example.com") == NULL);
	T_CHECK(zone_ok(e.z));
	env_free(&e);
}

static void test_cname_rules(void)
{
	env e;
	msg m;

	env_init(&e, NULL);
	allow_all(&e);
	m_init(&m, "example.com", DNS_T_SOA, DNS_C_IN);
	m_add(&m, "alias.example.com. 300 IN A 192.0.2.1");
	m_add(&m, "www.example.com. 300 IN CNAME ns1.example.com.");
	T_EQ(usend(&e, &m), DNS_R_NOERROR);
	T_CHECK(rrset(e.z, "alias.example.com", DNS_T_A) == NULL);
	T_CHECK(rrset(e.z, "www.example.com", DNS_T_CNAME) == NULL);
	T_CHECK(e.eff.changed == NULL);
	/* CNAME replaces CNAME */
	m_init(&m, "example.com", DNS_T_SOA, DNS_C_IN);
	m_add(&m, "alias.example.com. 300 IN CNAME ns2.example.com.");
	T_EQ(usend(&e, &m), DNS_R_NOERROR);
	T_EQ(rrset(e.z, "alias.example.com", DNS_T_CNAME)->count, 1);
	T_CHECK(node(e.z, "alias.example.com")->flags & ZN_CNAME);
	T_CHECK(zone_ok(e.z));
	env_free(&e);
}

static void test_prereqs(void)
{
	env e;
	msg m;

	env_init(&e, NULL);
	allow_all(&e);
#define PRE(name, type, cls, want) do { \
	m_init(&m, "example.com", DNS_T_SOA, DNS_C_IN); \
	m_empty(&m, PR, name, type, cls); \
	m_add(&m, "p.example.com. 300 IN A 192.0.2.1"); \
	T_EQ(usend(&e, &m), want); \
	T_EQ(rrset(e.z, "p.example.com", DNS_T_A) != NULL, want == 0); \
	m_init(&m, "example.com", DNS_T_SOA, DNS_C_IN); \
	m_empty(&m, UP, "p.example.com", DNS_T_ANY, DNS_C_ANY); \
	T_EQ(usend(&e, &m), 0); } while (0)
	PRE("www.example.com", DNS_T_ANY, DNS_C_ANY, DNS_R_NOERROR);
	PRE("nope.example.com", DNS_T_ANY, DNS_C_ANY, DNS_R_NXDOMAIN);
	PRE("c.example.com", DNS_T_ANY, DNS_C_ANY, DNS_R_NXDOMAIN); /* ENT */
	PRE("www.example.com", DNS_T_TXT, DNS_C_ANY, DNS_R_NOERROR);
	PRE("www.example.com", DNS_T_MX, DNS_C_ANY, DNS_R_NXRRSET);
	PRE("nope.example.com", DNS_T_ANY, DNS_C_NONE, DNS_R_NOERROR);
	PRE("www.example.com", DNS_T_ANY, DNS_C_NONE, DNS_R_YXDOMAIN);
	PRE("www.example.com", DNS_T_MX, DNS_C_NONE, DNS_R_NOERROR);
	PRE("www.example.com", DNS_T_A, DNS_C_NONE, DNS_R_YXRRSET);
	PRE("www.example.net", DNS_T_A, DNS_C_NONE, DNS_R_NOTZONE);
	/* value-dependent: whole RRset, TTL ignored */
	m_init(&m, "example.com", DNS_T_SOA, DNS_C_IN);
	m_rr(&m, PR, "www.example.com. 0 IN A 192.0.2.11", DNS_C_IN, 0);
	m_rr(&m, PR, "www.example.com. 0 IN A 192.0.2.10", DNS_C_IN, 0);
	m_add(&m, "q.example.com. 300 IN A 192.0.2.1");
	T_EQ(usend(&e, &m), DNS_R_NOERROR);
	m_init(&m, "example.com", DNS_T_SOA, DNS_C_IN);
	m_rr(&m, PR, "www.example.com. 0 IN A 192.0.2.11", DNS_C_IN, 0);
	m_add(&m, "q2.example.com. 300 IN A 192.0.2.1");
	T_EQ(usend(&e, &m), DNS_R_NXRRSET);
	m_init(&m, "example.com", DNS_T_SOA, DNS_C_IN);
	m_rr(&m, PR, "www.example.com. 0 IN A 192.0.2.11", DNS_C_IN, 0);
	m_rr(&m, PR, "www.example.com. 0 IN A 192.0.2.10", DNS_C_IN, 0);
	m_rr(&m, PR, "www.example.com. 0 IN A 192.0.2.12", DNS_C_IN, 0);
	T_EQ(usend(&e, &m), DNS_R_NXRRSET);
	m_init(&m, "example.com", DNS_T_SOA, DNS_C_IN);
	m_rr(&m, PR, "zz.example.com. 0 IN A 192.0.2.11", DNS_C_IN, 0);
	T_EQ(usend(&e, &m), DNS_R_NXRRSET);
	T_CHECK(node(e.z, "q2.example.com") == NULL);
	/* prerequisite TTL must be 0; bad class */
	m_init(&m, "example.com", DNS_T_SOA, DNS_C_IN);
	m_rr(&m, PR, "www.example.com. 0 IN A 192.0.2.11", DNS_C_IN, 5);
	T_EQ(usend(&e, &m), DNS_R_FORMERR);
	m_init(&m, "example.com", DNS_T_SOA, DNS_C_IN);
	m_empty(&m, PR, "www.example.com", DNS_T_A, DNS_C_CH);
	T_EQ(usend(&e, &m), DNS_R_FORMERR);
	T_EQ(zone_serial(e.z), 100 + 4 * 2 + 1);
	env_free(&e);
}

static void test_formerr_notzone_notauth(void)
{
	env e;
	msg m;

	env_init(&e, NULL);
	allow_all(&e);
	m_init(&m, "example.com", DNS_T_A, DNS_C_IN);
	T_EQ(usend(&e, &m), DNS_R_FORMERR);
	m_init(&m, "example.com", DNS_T_SOA, DNS_C_CH);
	T_EQ(usend(&e, &m), DNS_R_FORMERR);
	m_init(&m, "example.org", DNS_T_SOA, DNS_C_IN);
	T_EQ(usend(&e, &m), DNS_R_NOTAUTH);
	m_init(&m, "www.example.com", DNS_T_SOA, DNS_C_IN);
	T_EQ(usend(&e, &m), DNS_R_NOTAUTH);
	e.z->secondary = 1;
	m_init(&m, "example.com", DNS_T_SOA, DNS_C_IN);
	T_EQ(usend(&e, &m), DNS_R_NOTAUTH);
	e.z->secondary = 0;
	/* prescan: nothing applied when a later RR is bad */
#define BAD(want, stmt) do { \
	m_init(&m, "example.com", DNS_T_SOA, DNS_C_IN); \
	m_add(&m, "ok.example.com. 300 IN A 192.0.2.1"); \
	stmt; \
	T_EQ(usend(&e, &m), want); \
	T_CHECK(node(e.z, "ok.example.com") == NULL); } while (0)
	BAD(DNS_R_NOTZONE, m_add(&m, "a.example.org. 300 IN A 192.0.2.1"));
	BAD(DNS_R_FORMERR, m_empty(&m, UP, "a.example.com", DNS_T_ANY, DNS_C_IN));
	BAD(DNS_R_FORMERR, m_empty(&m, UP, "a.example.com", DNS_T_AXFR, DNS_C_ANY));
	BAD(DNS_R_FORMERR, m_empty(&m, UP, "a.example.com", DNS_T_ANY, DNS_C_NONE));
	BAD(DNS_R_FORMERR, m_rr(&m, UP, "a.example.com. 0 IN A 192.0.2.1", DNS_C_ANY, 0));
	BAD(DNS_R_FORMERR, m_rr(&m, UP, "a.example.com. 0 IN A 192.0.2.1", DNS_C_NONE, 10));
	BAD(DNS_R_FORMERR, m_rr(&m, UP, "a.example.com. 0 IN A 192.0.2.1", DNS_C_CH, 0));
	BAD(DNS_R_FORMERR, m_empty(&m, UP, "a.example.com", DNS_T_A, DNS_C_IN));
	T_EQ(zone_serial(e.z), 100);
	env_free(&e);
}

static void test_serial_policy(void)
{
	zone_db_opts o;
	env e;
	msg m;

	memset(&o, 0, sizeof(o));
	o.serial_policy = ZONE_SERIAL_UNIXTIME;
	env_init(&e, &o);
	allow_all(&e);
	m_init(&m, "example.com", DNS_T_SOA, DNS_C_IN);
	m_add(&m, "n1.example.com. 300 IN A 192.0.2.1");
	T_EQ(usend(&e, &m), DNS_R_NOERROR);
	T_EQ(zone_serial(e.z), 1700000000);
	m_init(&m, "example.com", DNS_T_SOA, DNS_C_IN);
	m_add(&m, "n2.example.com. 300 IN A 192.0.2.1");
	T_EQ(usend(&e, &m), DNS_R_NOERROR);
	T_EQ(zone_serial(e.z), 1700000001);  /* same second: +1 */
	env_free(&e);
	/* increment wraps modulo 2^32 */
	env_init(&e, NULL);
	allow_all(&e);
	zone_set_serial(e.z, 0xffffffffu);
	m_init(&m, "example.com", DNS_T_SOA, DNS_C_IN);
	m_add(&m, "n1.example.com. 300 IN A 192.0.2.1");
	T_EQ(usend(&e, &m), DNS_R_NOERROR);
	T_EQ(zone_serial(e.z), 0);
	env_free(&e);
}

static const zone_tsig_key *mkkey(zone_tsig_key *k, const char *name)
{
	uint8_t n[WIRE_MAXNAME];
	memset(k, 0, sizeof(*k));
	wire_name_from_str(name, n);
	wire_name_lower(k->name, n);
	k->alg = TSIG_HMAC_SHA256;
	return k;
}

static void test_acl(void)
{
	static const uint8_t net[4] = { 10, 1, 0, 0 };
	static const uint16_t txt[1] = { DNS_T_TXT };
	zone_tsig_key k1, k2, k3;
	env e;
	msg m;

	env_init(&e, NULL);
	/* nothing configured: refused, signed or not */
	m_init(&m, "example.com", DNS_T_SOA, DNS_C_IN);
	m_add(&m, "n.example.com. 300 IN TXT \"t\"");
	T_EQ(usend(&e, &m), DNS_R_REFUSED);
	zone_db_allow_update(e.db, "example.com", NULL, 4, net, 16, NULL, 0);
	zone_db_allow_update(e.db, "example.com", "k1", 0, NULL, 0, txt, 1);
	T_EQ(usend(&e, &m), DNS_R_REFUSED);          /* 127.0.0.1 */
	e.addr[0] = 10; e.addr[1] = 1; e.addr[2] = 200; e.addr[3] = 3;
	T_EQ(usend(&e, &m), DNS_R_NOERROR);          /* 10.1/16 */
	e.addr[1] = 2;
	T_EQ(usend(&e, &m), DNS_R_REFUSED);
	e.af = 6;
	T_EQ(usend(&e, &m), DNS_R_REFUSED);
	e.af = 4;
	/* key with a type list */
	e.key = mkkey(&k1, "K1.");
	m_init(&m, "example.com", DNS_T_SOA, DNS_C_IN);
	m_add(&m, "n2.example.com. 300 IN TXT \"t\"");
	T_EQ(usend(&e, &m), DNS_R_NOERROR);
	m_init(&m, "example.com", DNS_T_SOA, DNS_C_IN);
	m_add(&m, "n2.example.com. 300 IN TXT \"u\"");
	m_add(&m, "n2.example.com. 300 IN A 192.0.2.1");
	T_EQ(usend(&e, &m), DNS_R_REFUSED);
	T_EQ(rrset(e.z, "n2.example.com", DNS_T_TXT)->count, 1);
	e.key = mkkey(&k2, "other");
	T_EQ(usend(&e, &m), DNS_R_REFUSED);
	/* robur convention */
	e.key = mkkey(&k3, "foo._update.example.com");
	T_EQ(usend(&e, &m), DNS_R_NOERROR);
	e.key = mkkey(&k3, "foo._update.sub2.example.com");
	T_EQ(usend(&e, &m), DNS_R_REFUSED);
	m_init(&m, "example.com", DNS_T_SOA, DNS_C_IN);
	m_add(&m, "a.sub2.example.com. 300 IN TXT \"u\"");
	T_EQ(usend(&e, &m), DNS_R_NOERROR);
	e.key = mkkey(&k3, "foo._update.example.org");
	T_EQ(usend(&e, &m), DNS_R_REFUSED);
	/* transfers */
	T_CHECK(!zone_acl_transfer_ok(e.db, e.z, NULL, NULL));
	T_CHECK(zone_acl_transfer_ok(e.db, e.z,
				     mkkey(&k3, "x._transfer.example.com"), NULL));
	T_CHECK(zone_acl_transfer_ok(e.db, e.z,
				     mkkey(&k3, "x._transfer.com"), NULL));
	T_CHECK(!zone_acl_transfer_ok(e.db, e.z,
				      mkkey(&k3, "x._update.example.com"), NULL));
	zone_db_allow_transfer(e.db, "example.com", "xk", 0, NULL, 0);
	T_CHECK(zone_acl_transfer_ok(e.db, e.z, mkkey(&k3, "xk"), NULL));
	T_CHECK(!zone_acl_transfer_ok(e.db, e.z, mkkey(&k3, "k1"), NULL));
	env_free(&e);
}

/* Through the dispatcher, unsigned. */
static void test_via_handle(void)
{
	env e;
	msg m;
	zone_req rq;
	size_t len = 0;

	env_init(&e, NULL);
	allow_all(&e);
	m_init(&m, "example.com", DNS_T_SOA, DNS_C_IN);
	m_add(&m, "h.example.com. 300 IN AAAA 2001:db8::1");
	m_finish(&m);
	memset(&rq, 0, sizeof(rq));
	rq.q = m.b;
	rq.qlen = m.len;
	rq.af = 4;
	rq.addr[0] = 127;
	rq.now = e.now;
	T_EQ(zone_db_handle(e.db, &rq, e.resp, sizeof(e.resp), &len, &e.eff,
			    NULL), ZONE_REPLY);
	T_CHECK(len >= WIRE_HDRLEN && (e.resp[3] & 0xf) == 0);
	T_CHECK(e.eff.changed == e.z && e.eff.journal_len > 0);
	T_CHECK(rrset(e.z, "h.example.com", DNS_T_AAAA) != NULL);
	env_free(&e);
}

int main(void)
{
	T_RUN(test_mutation_basic);
	T_RUN(test_serial_clone);
	T_RUN(test_add_delete);
	T_RUN(test_apex_rules);
	T_RUN(test_cname_rules);
	T_RUN(test_prereqs);
	T_RUN(test_formerr_notzone_notauth);
	T_RUN(test_serial_policy);
	T_RUN(test_acl);
	T_RUN(test_via_handle);
	T_DONE();
}
