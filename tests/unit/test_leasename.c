/* Unit tests for lease-name ownership (zones/leasename.c): which name a
 * lease may take, static data winning, moves, release, restart. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/t.h"
#include "zones/leasename.h"

static const char fwdtext[] =
	"$TTL 3600\n"
	"$ORIGIN lan.test.\n"
	"@ IN SOA ns hostmaster 100 3600 600 604800 300\n"
	"  IN NS ns\n"
	"ns IN A 192.0.2.1\n"
	"static IN A 192.0.2.9\n";
static const char revtext[] =
	"$TTL 3600\n"
	"$ORIGIN 2.0.192.in-addr.arpa.\n"
	"@ IN SOA ns.lan.test. hostmaster.lan.test. 5 3600 600 604800 300\n"
	"  IN NS ns.lan.test.\n"
	"1 IN PTR ns.lan.test.\n";

typedef struct env {
	zone_db *db;
	zone *fwd, *rev, *file;
	zone_lnames *t;
} env;

static zone *load(const char *origin, const char *text)
{
	char err[256];
	zone *z = zone_load_text(origin, "t", text, strlen(text), NULL, NULL,
				 err, sizeof(err));

	if (!z)
		printf("  load %s: %s\n", origin, err);
	return z;
}

static void set_zones(env *e)
{
	zone_ln_zone f, r;

	memcpy(f.lname, zone_origin(e->fwd), wire_name_len(zone_origin(e->fwd)));
	f.file = e->file;
	memcpy(r.lname, zone_origin(e->rev), wire_name_len(zone_origin(e->rev)));
	r.file = NULL;
	T_EQ(zone_lnames_set_zones(e->t, &f, &r, 1), 0);
}

static void env_init(env *e)
{
	char err[128];
	zone *loc = zone_local_new();

	e->db = zone_db_new(NULL);
	e->fwd = load("lan.test", fwdtext);
	e->rev = load("2.0.192.in-addr.arpa", revtext);
	e->file = load("lan.test", fwdtext);   /* the --zone file's names */
	zone_db_add_zone(e->db, e->fwd);
	zone_db_add_zone(e->db, e->rev);
	T_EQ(zone_local_add_rr(loc, "printer.lan.test. 0 IN A 192.0.2.7",
			       err, sizeof(err)), 0);
	T_EQ(zone_local_add_rr(loc, "1.2.0.192.in-addr.arpa. 0 IN PTR "
			       "ns.lan.test.", err, sizeof(err)), 0);
	zone_db_set_local(e->db, loc);
	zone_unref(loc);
	e->t = zone_lnames_new();
	set_zones(e);
}

static void env_free(env *e)
{
	zone_lnames_free(e->t);
	zone_db_free(e->db);
	zone_unref(e->fwd);
	zone_unref(e->rev);
	zone_unref(e->file);
}

static uint32_t ip(int d)
{
	return (192u << 24) | (0u << 16) | (2u << 8) | (uint32_t)d;
}

/* The address of NAME's single A, 0 when none. */
static uint32_t a_of(env *e, const char *name)
{
	uint8_t w[WIRE_MAXNAME];
	const zone_rrset *rs;

	wire_name_from_str(name, w);
	rs = zone_find_rrset(e->fwd, w, DNS_T_A);
	return rs && rs->count == 1 ? wire_get32(rs->data + 2) : 0;
}

/* 1 if the PTR of 192.0.2.d is name. */
static int ptr_is(env *e, int d, const char *name)
{
	char s[64];
	uint8_t w[WIRE_MAXNAME], n[WIRE_MAXNAME];
	const zone_rrset *rs;

	snprintf(s, sizeof(s), "%d.2.0.192.in-addr.arpa", d);
	wire_name_from_str(s, w);
	rs = zone_find_rrset(e->rev, w, DNS_T_PTR);
	if (!name)
		return rs == NULL;
	wire_name_from_str(name, n);
	return rs && rs->count == 1 && wire_name_equal(rs->data + 2, n);
}

static void test_add_del(void)
{
	zone_ln_result r;
	env e;
	uint32_t s0;

	env_init(&e);
	s0 = zone_serial(e.fwd);
	T_EQ(zone_lnames_add(e.t, e.db, "Alpha", ip(10), 86400, 1000, &r), 0);
	T_EQ(r.updates, 2);
	T_EQ(a_of(&e, "alpha.lan.test"), ip(10));
	T_CHECK(ptr_is(&e, 10, "alpha.lan.test"));
	T_CHECK(zone_serial(e.fwd) != s0);
	/* a renewal changes nothing: no update, no serial move */
	s0 = zone_serial(e.fwd);
	T_EQ(zone_lnames_add(e.t, e.db, "alpha", ip(10), 3600, 1001, &r), 0);
	T_EQ(r.updates, 0);
	T_EQ(zone_serial(e.fwd), s0);
	/* a new address: A moves, the old PTR goes */
	T_EQ(zone_lnames_add(e.t, e.db, "alpha", ip(11), 3600, 1002, &r), 0);
	T_EQ(a_of(&e, "alpha.lan.test"), ip(11));
	T_CHECK(ptr_is(&e, 10, NULL));
	T_CHECK(ptr_is(&e, 11, "alpha.lan.test"));
	/* release of another address: the A stays */
	T_EQ(zone_lnames_del(e.t, e.db, "alpha", ip(10), 1003, &r), 0);
	T_EQ(a_of(&e, "alpha.lan.test"), ip(11));
	T_EQ(zone_lnames_del(e.t, e.db, "alpha", ip(11), 1004, &r), 0);
	T_EQ(a_of(&e, "alpha.lan.test"), 0);
	T_CHECK(ptr_is(&e, 11, NULL));
	T_EQ(zone_lnames_del(e.t, e.db, "alpha", ip(11), 1005, &r), -ENOENT);
	env_free(&e);
}

/* The forward zone's file did not load (a SERVFAIL placeholder): a lease
 * takes no name there and nothing is written into it. */
static void test_unloaded_zone(void)
{
	zone_ln_result r;
	zone_ln_zone f;
	zone_lnames *t = zone_lnames_new();
	zone_db *db = zone_db_new(NULL);
	zone *ph = zone_unloaded_new("lan.test");

	T_CHECK(ph && db && t);
	if (!ph || !db || !t)
		return;
	zone_db_add_zone(db, ph);
	memcpy(f.lname, zone_origin(ph), wire_name_len(zone_origin(ph)));
	f.file = NULL;
	T_EQ(zone_lnames_set_zones(t, &f, NULL, 0), 0);
	T_CHECK(zone_lnames_add(t, db, "alpha", ip(10), 3600, 1000, &r) < 0);
	T_EQ(zone_rr_count(ph), 0);
	T_CHECK(zone_is_expired(ph));
	zone_lnames_free(t);
	zone_db_free(db);
	zone_unref(ph);
}

static void test_static_wins(void)
{
	zone_ln_result r;
	env e;

	env_init(&e);
	/* the zone file's name, local data, the server's own name */
	T_EQ(zone_lnames_add(e.t, e.db, "static", ip(20), 600, 1, &r), -EEXIST);
	T_EQ(a_of(&e, "static.lan.test"), ip(9));
	T_EQ(zone_lnames_add(e.t, e.db, "printer", ip(20), 600, 1, &r),
	     -EEXIST);
	T_EQ(zone_lnames_add(e.t, e.db, "NS", ip(20), 600, 1, &r), -EEXIST);
	T_EQ(r.updates, 0);
	/* bad labels */
	T_EQ(zone_lnames_add(e.t, e.db, "-x", ip(20), 600, 1, &r), -EINVAL);
	T_EQ(zone_lnames_add(e.t, e.db, "a.b", ip(20), 600, 1, &r), -EINVAL);
	T_EQ(zone_lnames_add(e.t, e.db, "", ip(20), 600, 1, &r), -EINVAL);
	/* the static PTR of .1 stays; the A is still written */
	T_EQ(zone_lnames_add(e.t, e.db, "one", ip(1), 600, 1, &r), 0);
	T_EQ(a_of(&e, "one.lan.test"), ip(1));
	T_CHECK(ptr_is(&e, 1, "ns.lan.test"));
	/* outside the reverse zone: A only */
	T_EQ(zone_lnames_add(e.t, e.db, "far", 0x0a000001, 600, 1, &r), 0);
	T_EQ(a_of(&e, "far.lan.test"), 0x0a000001);
	/* TTL capped */
	T_EQ(zone_lnames_add(e.t, e.db, "ttl", ip(30), 999999, 1, &r), 0);
	{
		uint8_t w[WIRE_MAXNAME];
		wire_name_from_str("ttl.lan.test", w);
		T_EQ(zone_find_rrset(e.fwd, w, DNS_T_A)->ttl, ZONE_LN_TTL_MAX);
	}
	env_free(&e);
}

static int ngone;
static void gone(void *arg, const char *label)
{
	(void)arg;
	ngone++;
	T_CHECK(strcmp(label, "stale") == 0);
}

/* A restart: a fresh table; names an earlier lease wrote are claimed
 * by their lease again, or removed when no lease holds them. */
static void test_restart(void)
{
	zone_ln_result r;
	env e;

	env_init(&e);
	T_EQ(zone_lnames_add(e.t, e.db, "kept", ip(40), 600, 1, &r), 0);
	T_EQ(zone_lnames_add(e.t, e.db, "stale", ip(41), 600, 1, &r), 0);
	zone_lnames_free(e.t);
	e.t = zone_lnames_new();
	set_zones(&e);
	T_EQ(zone_lnames_add(e.t, e.db, "kept", ip(40), 600, 2, &r), 0);
	ngone = 0;
	T_EQ(zone_lnames_restored(e.t, e.db, 3, gone, NULL, &r), 1);
	T_EQ(ngone, 1);
	T_EQ(a_of(&e, "stale.lan.test"), 0);
	T_CHECK(ptr_is(&e, 41, NULL));
	T_EQ(a_of(&e, "kept.lan.test"), ip(40));
	T_EQ(a_of(&e, "static.lan.test"), ip(9));
	/* another domain forgets the table */
	{
		zone_ln_zone f = { .file = NULL };
		wire_name_from_str("other.test", f.lname);
		zone_lnames_set_zones(e.t, &f, NULL, 0);
		T_EQ(zone_lnames_del(e.t, e.db, "kept", ip(40), 4, &r), -ENOENT);
	}
	env_free(&e);
}

static void test_rev_origin(void)
{
	env e;
	char o[64];

	env_init(&e);
	T_EQ(zone_lnames_rev_origin(e.db, 0x0a010264, 0x0a0102c8, 0, o,
				    sizeof(o)), 1);
	T_CHECK(strcmp(o, "2.1.10.in-addr.arpa.") == 0);
	T_EQ(zone_lnames_rev_origin(e.db, 0x0a010264, 0x0a0102c8, 0xffff0000,
				    o, sizeof(o)), 1);
	T_CHECK(strcmp(o, "1.10.in-addr.arpa.") == 0);
	T_EQ(zone_lnames_rev_origin(e.db, 0x0a000001, 0x0b000001, 0, o,
				    sizeof(o)), 0);
	/* a served zone above is used */
	T_EQ(zone_lnames_rev_origin(e.db, ip(100), ip(200), 0, o, sizeof(o)), 1);
	T_CHECK(strcmp(o, "2.0.192.in-addr.arpa.") == 0);
	env_free(&e);
}

int main(void)
{
	T_RUN(test_add_del);
	T_RUN(test_unloaded_zone);
	T_RUN(test_static_wins);
	T_RUN(test_restart);
	T_RUN(test_rev_origin);
	T_DONE();
}
