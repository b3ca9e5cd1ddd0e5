/* Unit tests for the shell's own UPDATEs (zone_db_update_local, used for
 * DHCP lease names) and the small lookups leasedns.c needs
 * (zone_name_types, zone_db_local). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/t.h"
#include "zones/zones.h"

static const char ztext[] =
	"$TTL 3600\n"
	"$ORIGIN lan.test.\n"
	"@ IN SOA ns hostmaster 100 3600 600 604800 300\n"
	"  IN NS ns\n"
	"ns IN A 192.0.2.1\n"
	"static IN A 192.0.2.9\n"
	"static IN TXT \"operator\"\n";

static zone_db *mkdb(zone **zp)
{
	char err[256];
	zone_db *db = zone_db_new(NULL);
	zone *z = zone_load_text("lan.test", "t", ztext, strlen(ztext),
				 NULL, NULL, err, sizeof(err));

	if (!z)
		printf("  load: %s\n", err);
	if (db && z)
		zone_db_add_zone(db, z);
	zone_unref(z);
	*zp = z;
	return db;
}

typedef struct umsg {
	wire_writer w;
	uint8_t b[1024];
	uint16_t n;
} umsg;

static void u_init(umsg *m, const char *zname)
{
	uint8_t hdr[WIRE_HDRLEN] = { 0 }, name[WIRE_MAXNAME];

	wire_put16(hdr + 2, (uint16_t)(DNS_OP_UPDATE << 11));
	wire_put16(hdr + 4, 1);
	wire_writer_init(&m->w, m->b, sizeof(m->b), sizeof(m->b));
	wire_write(&m->w, hdr, sizeof(hdr));
	wire_name_from_str(zname, name);
	wire_write_name(&m->w, name, 0);
	wire_write16(&m->w, DNS_T_SOA);
	wire_write16(&m->w, DNS_C_IN);
	m->n = 0;
}

static void u_a(umsg *m, const char *owner, uint16_t cls, uint32_t ttl,
		const uint8_t *a4)
{
	uint8_t name[WIRE_MAXNAME];

	wire_name_from_str(owner, name);
	wire_write_rr(&m->w, name, DNS_T_A, cls, ttl, a4, a4 ? 4 : 0, NULL);
	m->n++;
}

static int u_run(zone_db *db, umsg *m, zone_effects *eff)
{
	wire_put16(m->b + 8, m->n);
	return zone_db_update_local(db, m->b, m->w.len, 1800000000, eff);
}

static uint32_t a_of(const zone *z, const char *owner, uint32_t *ttl)
{
	uint8_t name[WIRE_MAXNAME], l[WIRE_MAXNAME];
	const zone_rrset *rs;

	wire_name_from_str(owner, name);
	wire_name_lower(l, name);
	rs = zone_find_rrset(z, l, DNS_T_A);
	if (!rs || rs->count != 1)
		return 0;
	if (ttl)
		*ttl = rs->ttl;
	return wire_get32(rs->data + 2);
}

static int n_recs, n_from, n_to;
static int count_rec(void *arg, const zone_journal_rec *r)
{
	(void)arg;
	n_recs++;
	n_from = (int)r->serial_from;
	n_to = (int)r->serial_to;
	return 0;
}

static const uint8_t A1[4] = { 192, 0, 2, 50 }, A2[4] = { 192, 0, 2, 51 };

static void test_local_add_no_acl(void)
{
	zone *z;
	zone_db *db = mkdb(&z);
	zone_effects eff;
	uint32_t ttl = 0;
	umsg m;

	/* no --allow-update at all: a network UPDATE would be REFUSED */
	u_init(&m, "lan.test");
	u_a(&m, "laptop.lan.test", DNS_C_IN, 120, A1);
	T_EQ(u_run(db, &m, &eff), DNS_R_NOERROR);
	T_CHECK(eff.changed == z);
	T_CHECK(eff.journal_len > 12);
	T_EQ(zone_serial(z), 101);
	T_EQ(a_of(z, "laptop.lan.test", &ttl), 0xc0000232);
	T_EQ(ttl, 120);
	n_recs = 0;
	T_EQ(zone_journal_scan(eff.journal, eff.journal_len, count_rec, NULL),
	     eff.journal_len);
	T_EQ(n_recs, 1);
	T_EQ(n_from, 100);
	T_EQ(n_to, 101);
	/* the same again changes nothing: no journal, same serial */
	u_init(&m, "lan.test");
	u_a(&m, "laptop.lan.test", DNS_C_IN, 120, A1);
	T_EQ(u_run(db, &m, &eff), DNS_R_NOERROR);
	T_CHECK(eff.changed == NULL);
	T_EQ(zone_serial(z), 101);
	zone_db_free(db);
}

static void test_local_replace_delete(void)
{
	zone *z;
	zone_db *db = mkdb(&z);
	zone_effects eff;
	umsg m;

	u_init(&m, "lan.test");
	u_a(&m, "laptop.lan.test", DNS_C_IN, 120, A1);
	T_EQ(u_run(db, &m, &eff), DNS_R_NOERROR);
	/* the address moves: delete the old RR, add the new one, one
	 * serial step */
	u_init(&m, "lan.test");
	u_a(&m, "laptop.lan.test", DNS_C_NONE, 0, A1);
	u_a(&m, "laptop.lan.test", DNS_C_IN, 120, A2);
	T_EQ(u_run(db, &m, &eff), DNS_R_NOERROR);
	T_CHECK(eff.changed == z);
	T_EQ(zone_serial(z), 102);
	T_EQ(a_of(z, "laptop.lan.test", NULL), 0xc0000233);
	u_init(&m, "lan.test");
	u_a(&m, "laptop.lan.test", DNS_C_NONE, 0, A2);
	T_EQ(u_run(db, &m, &eff), DNS_R_NOERROR);
	T_EQ(zone_serial(z), 103);
	T_EQ(a_of(z, "laptop.lan.test", NULL), 0);
	zone_db_free(db);
}

static void test_local_errors(void)
{
	zone *z;
	zone_db *db = mkdb(&z);
	zone_effects eff;
	umsg m;

	u_init(&m, "other.test");
	u_a(&m, "x.other.test", DNS_C_IN, 60, A1);
	T_EQ(u_run(db, &m, &eff), DNS_R_NOTAUTH);
	u_init(&m, "lan.test");
	u_a(&m, "x.other.test", DNS_C_IN, 60, A1);
	T_EQ(u_run(db, &m, &eff), DNS_R_NOTZONE);
	T_CHECK(eff.changed == NULL);
	/* not an UPDATE */
	wire_put16(m.b + 2, 0);
	T_EQ(zone_db_update_local(db, m.b, m.w.len, 1, &eff), DNS_R_FORMERR);
	T_EQ(zone_serial(z), 100);
	zone_db_free(db);
}

static void test_name_types_local(void)
{
	zone *z, *loc = zone_local_new();
	zone_db *db = mkdb(&z);
	uint8_t n[WIRE_MAXNAME];
	uint16_t t[4];
	char err[128];

	wire_name_from_str("static.lan.test", n);
	T_EQ(zone_name_types(z, n, t, 4), 2);
	T_EQ(zone_name_types(z, n, t, 1), 2);
	wire_name_from_str("ns.lan.test", n);
	T_EQ(zone_name_types(z, n, t, 4), 1);
	T_EQ(t[0], DNS_T_A);
	wire_name_from_str("none.lan.test", n);
	T_EQ(zone_name_types(z, n, t, 4), 0);
	T_EQ(zone_name_types(NULL, n, t, 4), 0);
	T_CHECK(zone_db_local(db) == NULL);
	T_EQ(zone_local_add_rr(loc, "pc.lan.test. 0 IN A 192.0.2.7", err,
			       sizeof(err)), 0);
	zone_db_set_local(db, loc);
	zone_unref(loc);
	T_CHECK(zone_db_local(db) == loc);
	wire_name_from_str("pc.lan.test", n);
	T_EQ(zone_name_types(zone_db_local(db), n, t, 4), 1);
	zone_db_free(db);
}

static int count_names(void *arg, const uint8_t *lname)
{
	(void)lname;
	(*(int *)arg)++;
	return 0;
}

static int stop_at_two(void *arg, const uint8_t *lname)
{
	(void)lname;
	return ++(*(int *)arg) == 2 ? 7 : 0;
}

static void test_foreach_name(void)
{
	zone *z;
	zone_db *db = mkdb(&z);
	int n = 0;

	/* apex, ns, static: names with data only */
	T_EQ(zone_foreach_name(z, count_names, &n), 0);
	T_EQ(n, 3);
	n = 0;
	T_EQ(zone_foreach_name(z, stop_at_two, &n), 7);
	T_EQ(n, 2);
	T_EQ(zone_foreach_name(NULL, count_names, &n), 0);
	zone_db_free(db);
}


/* The durability hook: a record that cannot be written leaves nothing
 * (zone data, serial) and the update is SERVFAIL; a written one stays;
 * zone_journal_revert undoes it again. */
typedef struct hook_st {
	int fail, calls;
	uint8_t rec[2048];
	size_t len;
} hook_st;

static int hook(void *arg, zone *z, const uint8_t *rec, size_t len)
{
	hook_st *h = arg;

	(void)z;
	h->calls++;
	if (h->fail)
		return -1;
	if (len <= sizeof(h->rec)) {
		memcpy(h->rec, rec, len);
		h->len = len;
	}
	return 0;
}

static int revert_rec(void *arg, const zone_journal_rec *r)
{
	return zone_journal_revert(arg, r) == 0 ? 0 : 1;
}

static void test_journal_hook(void)
{
	zone *z;
	zone_db *db = mkdb(&z);
	zone_effects eff;
	hook_st h = { .fail = 1 };
	umsg m;

	zone_db_set_journal(db, hook, &h);
	u_init(&m, "lan.test");
	u_a(&m, "laptop.lan.test", DNS_C_IN, 120, A1);
	u_a(&m, "static.lan.test", DNS_C_NONE, 0,
	    (const uint8_t[4]){ 192, 0, 2, 9 });
	T_EQ(u_run(db, &m, &eff), DNS_R_SERVFAIL);
	T_EQ(h.calls, 1);
	T_CHECK(eff.changed == NULL);
	T_EQ(zone_serial(z), 100);
	T_EQ(a_of(z, "laptop.lan.test", NULL), 0);
	T_EQ(a_of(z, "static.lan.test", NULL), 0xc0000209);
	h.fail = 0;
	T_EQ(u_run(db, &m, &eff), DNS_R_NOERROR);
	T_EQ(h.calls, 2);
	T_EQ(zone_serial(z), 101);
	T_EQ(a_of(z, "laptop.lan.test", NULL), 0xc0000232);
	T_EQ(a_of(z, "static.lan.test", NULL), 0);
	T_CHECK(h.len == eff.journal_len &&
		memcmp(h.rec, eff.journal, h.len) == 0);
	/* the sync failed after all: undo it from the record */
	T_EQ(zone_journal_scan(h.rec, h.len, revert_rec, z), h.len);
	T_EQ(zone_serial(z), 100);
	T_EQ(a_of(z, "laptop.lan.test", NULL), 0);
	T_EQ(a_of(z, "static.lan.test", NULL), 0xc0000209);
	/* and the zone takes the same change again */
	T_EQ(u_run(db, &m, &eff), DNS_R_NOERROR);
	T_EQ(zone_serial(z), 101);
	zone_db_free(db);
}

/* A replace that changes nothing (delete the RRset, add the same RR with
 * the same TTL) is no change: no serial bump, no journal record; with
 * another TTL it is one. */
static void test_noop_replace(void)
{
	zone *z;
	zone_db *db = mkdb(&z);
	zone_effects eff;
	uint32_t ttl = 0;
	umsg m;
	const uint8_t a9[4] = { 192, 0, 2, 9 };

	u_init(&m, "lan.test");
	u_a(&m, "static.lan.test", DNS_C_ANY, 0, NULL);
	u_a(&m, "static.lan.test", DNS_C_IN, 3600, a9);
	T_EQ(u_run(db, &m, &eff), DNS_R_NOERROR);
	T_CHECK(eff.changed == NULL);
	T_EQ(zone_serial(z), 100);
	T_EQ(a_of(z, "static.lan.test", &ttl), 0xc0000209);
	T_EQ(ttl, 3600);
	/* add then delete in one message: nothing either */
	u_init(&m, "lan.test");
	u_a(&m, "tmp.lan.test", DNS_C_IN, 60, A1);
	u_a(&m, "tmp.lan.test", DNS_C_NONE, 0, A1);
	T_EQ(u_run(db, &m, &eff), DNS_R_NOERROR);
	T_CHECK(eff.changed == NULL);
	T_EQ(zone_serial(z), 100);
	/* the same data with another TTL is a change */
	u_init(&m, "lan.test");
	u_a(&m, "static.lan.test", DNS_C_ANY, 0, NULL);
	u_a(&m, "static.lan.test", DNS_C_IN, 60, a9);
	T_EQ(u_run(db, &m, &eff), DNS_R_NOERROR);
	T_CHECK(eff.changed == z);
	T_EQ(zone_serial(z), 101);
	T_EQ(a_of(z, "static.lan.test", &ttl), 0xc0000209);
	T_EQ(ttl, 60);
	zone_db_free(db);
}

int main(void)
{
	T_RUN(test_noop_replace);
	T_RUN(test_journal_hook);
	T_RUN(test_local_add_no_acl);
	T_RUN(test_local_replace_delete);
	T_RUN(test_local_errors);
	T_RUN(test_name_types_local);
	T_RUN(test_foreach_name);
	T_DONE();
}
