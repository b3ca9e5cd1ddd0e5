/* Unit tests for zone mutation (zone.c), RFC 2136 UPDATE (update.c) and
 * the update/transfer access lists (acl.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "tests/unit/t.h"
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
	char err[256];
	zone *z = zone_load_text("example.com", "t", ztext, strlen(ztext),
				 NULL, NULL, err, sizeof(err));
	if (!z)
		printf("  load: %s\n", err);
	return z;
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

static int inv_node(void *arg, zone_node *n)
{
	inv_ctx *c = arg;
	uint32_t cnt = 0;
	void *a[3] = { n, &cnt, (void *)c->z };
	const zone_rrset *rs;

	c->nodes++;
	for (rs = n->rrsets; rs; rs = rs->next)
		c->rrs += rs->count;
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

int main(void)
{
	T_RUN(test_mutation_basic);
	T_RUN(test_serial_clone);
	T_DONE();
}
