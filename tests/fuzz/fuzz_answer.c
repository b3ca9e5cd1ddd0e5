/* libFuzzer target: the input is a message answered by zone_db_answer
 * over UDP and over TCP against a small fixed zone, and then handled by
 * zone_db_handle (every opcode: signed queries, NOTIFY for a secondary
 * zone, AXFR/IXFR streams drained to the end; UPDATE is refused here so
 * the zone stays fixed: fuzz_update covers changes). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zones/zones.h"

static const char fz_zone[] =
	"$ORIGIN example.com.\n"
	"$TTL 3600\n"
	"@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n"
	"@ NS ns1\n"
	"@ MX 10 mail\n"
	"ns1 A 192.0.2.53\n"
	"ns1 AAAA 2001:db8::53\n"
	"mail A 192.0.2.25\n"
	"www A 192.0.2.80\n"
	"alias CNAME www\n"
	"loop1 CNAME loop2\n"
	"loop2 CNAME loop1\n"
	"out CNAME www.example.org.\n"
	"*.wild A 192.0.2.99\n"
	"*.wcname CNAME alias\n"
	"a.b.ent TXT \"deep\"\n"
	"sub NS ns.sub\n"
	"sub DS 1 8 2 49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE2A0A5A3D\n"
	"ns.sub A 192.0.2.100\n"
	"_sip._tcp SRV 0 5 5060 sip\n"
	"sip A 192.0.2.60\n"
	"big TXT \"0123456789012345678901234567890123456789012345678\"\n"
	"big TXT \"1123456789012345678901234567890123456789012345678\"\n"
	"big TXT \"2123456789012345678901234567890123456789012345678\"\n"
	"big TXT \"3123456789012345678901234567890123456789012345678\"\n"
	"big TXT \"4123456789012345678901234567890123456789012345678\"\n"
	"big TXT \"5123456789012345678901234567890123456789012345678\"\n"
	"big TXT \"6123456789012345678901234567890123456789012345678\"\n"
	"big TXT \"7123456789012345678901234567890123456789012345678\"\n"
	"big TXT \"8123456789012345678901234567890123456789012345678\"\n"
	"big TXT \"9123456789012345678901234567890123456789012345678\"\n";

static zone_db *fz_db(void)
{
	static zone_db *db;
	static const uint8_t a4[4] = { 10, 0, 0, 1 };
	static const uint8_t lo[4] = { 127, 0, 0, 1 };
	zone_db_opts o = { .edns_max = 1232, .version_str = "fuzz",
			   .ident_str = "fuzz" };
	char err[256];
	zone *z, *l;

	if (db)
		return db;
	db = zone_db_new(&o);
	z = zone_load_text("example.com.", "fuzz.zone", fz_zone,
			   strlen(fz_zone), NULL, NULL, err, sizeof(err));
	if (!db || !z)
		abort();
	zone_db_add_zone(db, z);
	zone_unref(z);
	l = zone_local_new();
	zone_local_add_rr(l, "host.lan. 0 IN A 192.168.1.10", err, 256);
	zone_local_add_rr(l, "alias.lan. 0 IN CNAME www.example.com.", err,
			  256);
	zone_db_set_local(db, l);
	zone_unref(l);
	zone_db_add_address(db, "ads.test", 4, a4, 0);
	zone_db_add_address(db, "blocked.test", 0, NULL, 0);
	zone_db_allow_transfer(db, "example.com.", NULL, 4, lo, 8);
	z = zone_secondary_new("sec.test.");
	if (!z || zone_db_add_zone(db, z) < 0)
		abort();
	zone_unref(z);
	zone_db_allow_notify(db, "sec.test.", 4, lo);
	return db;
}

static void fz_handle(zone_db *db, const uint8_t *data, size_t size,
		      int tcp, uint8_t *resp, size_t cap)
{
	/* server cookies and NSID on, and the RRL class asked for */
	static const zone_edns_srv srv = { .cookies = 1, .has_prev = 1,
					   .nsid = "fuzz", .nsid_len = 4 };
	zone_req rq = { .q = data, .qlen = size, .tcp = tcp, .af = 4,
			.addr = { 127, 0, 0, 1 }, .now = 1700000000,
			.srv = &srv, .classify = 1 };
	zone_effects eff;
	size_t len = 0;
	int n, msgs = 0;

	if (zone_db_handle(db, &rq, resp, cap, &len, &eff, NULL) ==
	    ZONE_REPLY && len > cap)
		abort();
	if (eff.opt_len > ZONE_EOPT_MAX || eff.rclass > ZONE_RC_ANY)
		abort();
	if (eff.changed)
		abort();        /* no update is allowed in this db */
	if (!eff.xfr)
		return;
	while ((n = zone_xfr_next(eff.xfr, resp, 65535, rq.now)) > 0)
		if (++msgs > 1000)
			abort();
	zone_xfr_free(eff.xfr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t resp[65535];
	zone_db *db = fz_db();
	zone_stats st = { 0 };
	size_t len = 0;

	if (zone_db_answer(db, data, size, 0, resp, 1232, &len, &st) ==
	    ZONE_REPLY && (len > 1232 || len < 12))
		abort();
	len = 0;
	if (zone_db_answer(db, data, size, 1, resp, sizeof(resp), &len,
			   &st) == ZONE_REPLY && (len > sizeof(resp) || len < 12))
		abort();
	fz_handle(db, data, size, 0, resp, 1232);
	fz_handle(db, data, size, 1, resp, sizeof(resp));
	return 0;
}
