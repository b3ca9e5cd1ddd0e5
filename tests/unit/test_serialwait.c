/* Unit tests for "wait until these servers serve serial N"
 * (zones/serialwait.c) with a fake clock and answers from real zones. */
#include <string.h>

#include "tests/unit/t.h"
#include "zones/serialwait.h"

static zone_db *server(uint32_t serial)
{
	char text[256], err[256];
	zone_db *db = zone_db_new(NULL);
	zone *z;
	int n = snprintf(text, sizeof(text),
			 "$ORIGIN example.com.\n"
			 "@ 3600 IN SOA ns h %u 3600 600 604800 300\n"
			 "@ 3600 IN NS ns\nns 3600 IN A 192.0.2.1\n", serial);

	z = zone_load_text("example.com", "t", text, (size_t)n, NULL, NULL,
			   err, sizeof(err));
	if (!z)
		printf("  load: %s\n", err);
	zone_db_add_zone(db, z);
	zone_unref(z);
	return db;
}

/* db's answer to the wait's query. */
static size_t answer(zone_db *db, const zone_swait *w, uint8_t *resp,
		     size_t cap)
{
	uint8_t q[512];
	long qlen = zone_swait_query(w, q, sizeof(q));
	size_t len = 0;

	if (qlen < 0 || zone_db_answer(db, q, (size_t)qlen, 0, resp, cap,
				       &len, NULL) != ZONE_REPLY)
		return 0;
	return len;
}

static void test_two_servers(void)
{
	uint8_t o[WIRE_MAXNAME], resp[1024];
	zone_db *old = server(99), *cur = server(100), *newer = server(105);
	uint64_t wake = 0;
	zone_swait w;
	size_t n;

	wire_name_from_str("Example.COM", o);
	T_EQ(zone_swait_init(&w, o, 100, 2, 5000, 1000, 10000), 0);
	T_EQ(zone_swait_step(&w, 5000, &wake), ZONE_SWAIT_SEND);
	T_EQ(wake, 6000);
	T_CHECK(zone_swait_pending(&w, 0) && zone_swait_pending(&w, 1));
	T_EQ(zone_swait_step(&w, 5400, &wake), ZONE_SWAIT_WAIT);
	T_EQ(wake, 6000);
	/* server 0 still serves 99 */
	n = answer(old, &w, resp, sizeof(resp));
	T_EQ(zone_swait_feed(&w, 0, resp, n), ZONE_SWAIT_WAIT);
	T_CHECK(zone_swait_pending(&w, 0));
	T_EQ(w.seen[0], 99);
	/* server 1 serves a newer one: done with it */
	n = answer(newer, &w, resp, sizeof(resp));
	T_EQ(zone_swait_feed(&w, 1, resp, n), ZONE_SWAIT_WAIT);
	T_CHECK(!zone_swait_pending(&w, 1));
	T_EQ(zone_swait_step(&w, 6000, &wake), ZONE_SWAIT_SEND);
	T_EQ(w.rounds, 2);
	/* the transport set and matched the id: any id is taken */
	n = answer(cur, &w, resp, sizeof(resp));
	resp[1] ^= 1;
	/* an answer to another question (qtype NS) is not ours */
	resp[WIRE_HDRLEN + wire_name_len(o) + 1] = DNS_T_NS;
	T_EQ(zone_swait_feed(&w, 0, resp, n), ZONE_SWAIT_WAIT);
	T_CHECK(zone_swait_pending(&w, 0));
	n = answer(cur, &w, resp, sizeof(resp));
	resp[0] ^= 0x5a;
	/* nor a query (QR clear) */
	resp[2] &= 0x7f;
	T_EQ(zone_swait_feed(&w, 0, resp, n), ZONE_SWAIT_WAIT);
	resp[2] |= 0x80;
	T_EQ(zone_swait_feed(&w, 7, resp, n), ZONE_SWAIT_WAIT);
	T_EQ(zone_swait_feed(&w, 0, resp, n), ZONE_SWAIT_DONE);
	T_EQ(zone_swait_step(&w, 6100, &wake), ZONE_SWAIT_DONE);
	zone_db_free(old);
	zone_db_free(cur);
	zone_db_free(newer);
}

static void test_timeout_and_wrap(void)
{
	uint8_t o[WIRE_MAXNAME], resp[1024];
	zone_db *wrapped = server(3);
	uint64_t wake = 0, t;
	zone_swait w;
	int sends = 0;
	size_t n;

	wire_name_from_str("example.com", o);
	/* 120 one-second rounds, then give up */
	T_EQ(zone_swait_init(&w, o, 0xfffffff0u, 1, 0, 1000, 120000), 0);
	for (t = 0; t < 120000; t += 500)
		sends += zone_swait_step(&w, t, &wake) == ZONE_SWAIT_SEND;
	T_EQ(sends, 120);
	T_EQ(zone_swait_step(&w, 120000, &wake), ZONE_SWAIT_TIMEOUT);
	/* RFC 1982: 3 is after 0xfffffff0 */
	T_EQ(zone_swait_init(&w, o, 0xfffffff0u, 1, 0, 1000, 120000), 0);
	n = answer(wrapped, &w, resp, sizeof(resp));
	T_EQ(zone_swait_feed(&w, 0, resp, n), ZONE_SWAIT_DONE);
	/* bad arguments */
	T_EQ(zone_swait_init(&w, o, 1, 0, 0, 1000, 1000), -1);
	T_EQ(zone_swait_init(&w, o, 1, ZONE_SWAIT_MAX + 1, 0, 1000, 1), -1);
	zone_db_free(wrapped);
}

static void test_soa_serial_of(void)
{
	uint8_t o[WIRE_MAXNAME], resp[1024];
	zone_db *db = server(4711);
	zone_swait w;
	uint32_t s = 0;
	size_t n;

	wire_name_from_str("example.com", o);
	zone_swait_init(&w, o, 1, 1, 0, 1000, 1000);
	n = answer(db, &w, resp, sizeof(resp));
	T_EQ(zone_soa_serial_of(resp, n, &s), 0);
	T_EQ(s, 4711);
	T_EQ(zone_soa_serial_of(resp, n - 1, &s), -1);
	resp[3] = (uint8_t)((resp[3] & 0xf0) | DNS_R_SERVFAIL);
	T_EQ(zone_soa_serial_of(resp, n, &s), -1);
	/* a NOTIMP-style answer without records */
	T_EQ(zone_soa_serial_of(resp, WIRE_HDRLEN, &s), -1);
	zone_db_free(db);
}

int main(void)
{
	T_RUN(test_two_servers);
	T_RUN(test_timeout_and_wrap);
	T_RUN(test_soa_serial_of);
	T_DONE();
}
