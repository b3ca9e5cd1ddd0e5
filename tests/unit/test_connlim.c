/* Unit tests for the stream connection limits (zones/connlim.c): per
 * address caps, eviction from the busiest address when full, LRU order,
 * IPv6 addresses, growth and removal. */
#include <stdlib.h>
#include <string.h>

#include "zones/zones.h"
#include "tests/unit/t.h"

enum { NC = 600 };

/* A fake connection: the link plus the client it came from. */
typedef struct conn {
	zone_cl_link l;
	int af;
	uint8_t addr[16];
	int open;
} conn;

static conn g_c[NC];
static int g_n;
static zone_cl *g_t;

static void v4(uint8_t *a, int last)
{
	memset(a, 0, 16);
	a[0] = 192;
	a[1] = 0;
	a[2] = (uint8_t)(2 + last / 256);
	a[3] = (uint8_t)(last % 256);
}

static conn *of(zone_cl_link *l)
{
	return l ? (conn *)((char *)l - offsetof(conn, l)) : NULL;
}

/* Accept a connection as the shell does: close victims, then add. */
static conn *accept_c(int af, const uint8_t *addr, int max, int per,
		      int *evicted_why)
{
	zone_cl_link *v;
	int why, guard = 0;
	conn *c = &g_c[g_n++];

	*evicted_why = ZONE_CL_ROOM;
	while ((v = zone_cl_victim(g_t, af, addr, max, per, &why)) &&
	       guard++ < NC) {
		*evicted_why = why;
		zone_cl_remove(g_t, v);
		of(v)->open = 0;
	}
	c->af = af;
	memcpy(c->addr, addr, 16);
	T_EQ(zone_cl_add(g_t, &c->l, af, addr), 0);
	c->open = 1;
	return c;
}

static void setup(void)
{
	memset(g_c, 0, sizeof(g_c));
	g_n = 0;
	g_t = zone_cl_new(12345);
	T_CHECK(g_t != NULL);
}

static void teardown(void)
{
	for (int i = 0; i < g_n; i++)
		if (g_c[i].open)
			zone_cl_remove(g_t, &g_c[i].l);
	T_EQ(zone_cl_total(g_t), 0);
	zone_cl_free(g_t);
}

/* Churn from one address evicts only its own connections. */
static void test_per_address(void)
{
	uint8_t a[16], b[16];
	int why;
	conn *keep;

	setup();
	v4(a, 3);
	v4(b, 2);
	keep = accept_c(4, a, 8, 3, &why);
	T_EQ(why, ZONE_CL_ROOM);
	for (int i = 0; i < 300; i++)
		accept_c(4, b, 8, 3, &why);
	T_EQ(why, ZONE_CL_PER_ADDR);
	T_CHECK(keep->open);
	T_EQ(zone_cl_count(g_t, 4, b), 3);
	T_EQ(zone_cl_count(g_t, 4, a), 1);
	T_EQ(zone_cl_total(g_t), 4);
	/* the churner keeps its three newest */
	for (int i = 1; i < g_n; i++)
		T_EQ(g_c[i].open, i >= g_n - 3);
	teardown();
}

/* Cap full: the busiest address loses its least recently active one;
 * a client under its fair share never loses one. */
static void test_full_busiest(void)
{
	uint8_t a[16], b[16], c[16];
	int why;
	conn *ka, *kb, *kb2;

	setup();
	v4(a, 3);
	v4(b, 4);
	v4(c, 2);
	ka = accept_c(4, a, 8, 8, &why);
	kb = accept_c(4, b, 8, 8, &why);
	kb2 = accept_c(4, b, 8, 8, &why);
	for (int i = 0; i < 200; i++)
		accept_c(4, c, 8, 8, &why);
	T_EQ(why, ZONE_CL_FULL);
	T_CHECK(ka->open && kb->open && kb2->open);
	T_EQ(zone_cl_total(g_t), 8);
	T_EQ(zone_cl_count(g_t, 4, c), 5);
	/* a newcomer takes from the busiest (c), not from a or b */
	uint8_t d[16];
	v4(d, 5);
	accept_c(4, d, 8, 8, &why);
	T_EQ(why, ZONE_CL_FULL);
	T_CHECK(ka->open && kb->open && kb2->open);
	T_EQ(zone_cl_count(g_t, 4, c), 4);
	/* b touches kb: kb2 becomes b's oldest; when b is the busiest, it
	 * loses kb2 */
	zone_cl_touch(&kb->l);
	for (int i = 0; i < 3; i++) {
		uint8_t e[16];
		v4(e, 10 + i);
		accept_c(4, e, 8, 8, &why);
	}
	/* c went 4 -> 3 -> 2 (a tie with b at 2 goes to the busiest found
	 * first, c or b): b has 2 or 1 left and keeps kb if it lost one */
	T_CHECK(ka->open);
	T_CHECK(kb->open);
	T_EQ(zone_cl_total(g_t), 8);
	teardown();
}

/* Ties go to the newcomer's own connection. */
static void test_tie_self(void)
{
	uint8_t a[16], b[16];
	int why;
	conn *ka, *kb;

	setup();
	v4(a, 1);
	v4(b, 2);
	ka = accept_c(4, a, 2, 2, &why);
	kb = accept_c(4, b, 2, 2, &why);
	accept_c(4, b, 2, 2, &why);     /* b 1 vs a 1: b's own */
	T_EQ(why, ZONE_CL_FULL);
	T_CHECK(ka->open);
	T_CHECK(!kb->open);
	teardown();
}

/* IPv6 clients count by whole address (LAN hosts share a /64). */
static void test_v6_address(void)
{
	uint8_t x[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0,
			  0, 0, 0, 1 };
	uint8_t y[16];
	int why;

	setup();
	memcpy(y, x, 16);
	y[15] = 2;
	for (int i = 0; i < 50; i++)
		accept_c(6, x, 100, 4, &why);
	T_EQ(why, ZONE_CL_PER_ADDR);
	T_EQ(zone_cl_count(g_t, 6, x), 4);
	T_EQ(zone_cl_count(g_t, 6, y), 0);
	for (int i = 0; i < 3; i++) {
		accept_c(6, y, 100, 4, &why);
		T_EQ(why, ZONE_CL_ROOM);
	}
	T_EQ(zone_cl_count(g_t, 6, y), 3);
	/* the same bytes as IPv4 are another client */
	T_EQ(zone_cl_count(g_t, 4, x), 0);
	T_EQ(zone_cl_total(g_t), 7);
	teardown();
}

/* Many addresses: the table grows; removal frees entries; a lowered
 * cap (reload) is reached by several evictions. */
static void test_many(void)
{
	uint8_t a[16];
	int why, open = 0;

	setup();
	for (int i = 0; i < 500; i++) {
		v4(a, i);
		accept_c(4, a, 1000, 2, &why);
		T_EQ(why, ZONE_CL_ROOM);
	}
	T_EQ(zone_cl_total(g_t), 500);
	for (int i = 0; i < 500; i += 2) {
		zone_cl_remove(g_t, &g_c[i].l);
		g_c[i].open = 0;
		zone_cl_remove(g_t, &g_c[i].l); /* twice: nothing */
	}
	T_EQ(zone_cl_total(g_t), 250);
	v4(a, 1);
	T_EQ(zone_cl_count(g_t, 4, a), 1);
	v4(a, 0);
	T_EQ(zone_cl_count(g_t, 4, a), 0);
	v4(a, 77);
	accept_c(4, a, 10, 2, &why);
	T_EQ(why, ZONE_CL_FULL);
	T_EQ(zone_cl_total(g_t), 10);
	for (int i = 0; i < g_n; i++)
		open += g_c[i].open;
	T_EQ(open, 10);
	T_CHECK(zone_cl_busiest(g_t) != NULL);
	teardown();
	g_t = zone_cl_new(1);
	T_CHECK(zone_cl_busiest(g_t) == NULL);
	zone_cl_free(g_t);
}

int main(void)
{
	T_RUN(test_per_address);
	T_RUN(test_full_busiest);
	T_RUN(test_tie_self);
	T_RUN(test_v6_address);
	T_RUN(test_many);
	T_DONE();
}
