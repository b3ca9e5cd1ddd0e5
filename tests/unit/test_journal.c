/* Unit tests for zone diffs, journal records and history (journal.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/t.h"
#include "zones/zone_int.h"

static const char zt[] =
	"$TTL 3600\n"
	"$ORIGIN example.com.\n"
	"@ IN SOA ns1 hostmaster 100 7200 3600 1209600 300\n"
	"  IN NS ns1\n"
	"  IN MX 10 mail\n"
	"ns1 IN A 192.0.2.1\n"
	"mail IN A 192.0.2.2\n"
	"www 300 IN A 192.0.2.3\n"
	"www 300 IN A 192.0.2.4\n"
	"txt IN TXT \"semi;colon (paren)\" \"two\" \"q\\\"uote\"\n"
	"Mixed.Case IN AAAA 2001:db8::1\n"
	"*.wild IN CNAME www\n"
	"sub IN NS ns.sub\n"
	"ns.sub IN A 192.0.2.9\n"
	"srv._tcp IN SRV 0 5 80 www\n";

static zone *load(const char *text)
{
	char err[256] = "";
	zone *z = zone_load_text("example.com.", "t", text, strlen(text),
				 NULL, NULL, err, sizeof(err));
	if (!z)
		printf("  load: %s\n", err);
	return z;
}

/* Bump the serial in place (what an UPDATE does through zone.c). */
static void set_serial(zone *z, uint32_t s)
{
	zone_rrset *rs = zone_node_rrset(z->apex, DNS_T_SOA);
	size_t pos = 2;
	for (int i = 0; i < 2; i++)
		wire_name_read(rs->data, rs->len, &pos, NULL);
	wire_put32(rs->data + pos, s);
	z->serial = s;
}

/* Copy of the apex SOA rdata. */
static uint16_t soa_copy(const zone *z, uint8_t *buf, uint32_t *ttl)
{
	const zone_rrset *rs = zone_find_rrset(z, z->origin, DNS_T_SOA);
	uint16_t l = wire_get16(rs->data);
	memcpy(buf, rs->data + 2, l);
	*ttl = rs->ttl;
	return l;
}

/* Make a record that adds name TXT "v" and moves serial from -> to. */
static uint8_t *mk_rec(zone *z, const char *name, uint32_t to, size_t *len)
{
	uint8_t old[512], owner[WIRE_MAXNAME], rd[8] = { 1, 'v' };
	uint32_t ttl;
	uint16_t ol = soa_copy(z, old, &ttl);
	uint8_t *rec = NULL;
	zone_diff d;

	wire_name_from_str(name, owner);
	zone_diff_init(&d);
	T_EQ(zone_diff_rr(&d, 1, owner, DNS_T_TXT, 60, rd, 2), 0);
	zone_node_add_rr(z, zone_node_get(z, owner), DNS_T_TXT, 60, rd, 2);
	set_serial(z, to);
	T_EQ(zone_diff_finish(&d, z, old, ol, ttl, &rec, len), 0);
	zone_diff_free(&d);
	return rec;
}

typedef struct seen {
	int n;
	uint32_t from[8], to[8];
} seen;

static int count_rec(void *arg, const zone_journal_rec *r)
{
	seen *s = arg;
	if (s->n < 8) {
		s->from[s->n] = r->serial_from;
		s->to[s->n] = r->serial_to;
	}
	s->n++;
	return 0;
}

static void test_diff_scan(void)
{
	zone *z = load(zt);
	size_t l1, l2;
	uint8_t *r1 = mk_rec(z, "a.example.com.", 101, &l1);
	uint8_t *r2 = mk_rec(z, "b.example.com.", 102, &l2);
	uint8_t *buf = malloc(l1 + l2 + 7);
	seen s = { 0 };

	memcpy(buf, r1, l1);
	memcpy(buf + l1, r2, l2);
	T_EQ(zone_journal_scan(buf, l1 + l2, count_rec, &s), l1 + l2);
	T_EQ(s.n, 2);
	T_EQ(s.from[0], 100);
	T_EQ(s.to[0], 101);
	T_EQ(s.from[1], 101);
	T_EQ(s.to[1], 102);
	T_CHECK(z->hist_old && z->hist_old->serial_from == 100);
	T_CHECK(z->hist_new && z->hist_new->serial_to == 102);
	/* torn tail: a half record, then garbage */
	for (size_t cut = l1; cut < l1 + l2; cut += 7)
		T_EQ(zone_journal_scan(buf, cut, NULL, NULL), l1);
	memcpy(buf + l1 + l2, "garbage", 7);
	T_EQ(zone_journal_scan(buf, l1 + l2 + 7, NULL, NULL), l1 + l2);
	/* a flipped bit in the payload: the CRC catches it */
	buf[l1 + 20] ^= 0x10;
	T_EQ(zone_journal_scan(buf, l1 + l2, NULL, NULL), l1);
	buf[5] ^= 0x01;         /* length field of the first record */
	T_EQ(zone_journal_scan(buf, l1 + l2, NULL, NULL), 0);
	free(buf);
	free(r1);
	free(r2);
	zone_hist_free(z);
	zone_unref(z);
}

static void test_hist_bounded(void)
{
	zone *z = load(zt);
	static uint8_t big[200 * 1024];
	int n = 0;

	for (uint32_t s = 100; s < 120; s++)
		T_EQ(zone_hist_add(z, big, sizeof(big), s, s + 1), 0);
	T_CHECK(z->hist_bytes <= 1024 * 1024);
	for (zone_hist *h = z->hist_old; h; h = h->next, n++)
		if (h->next)
			T_EQ(h->serial_to, h->next->serial_from);
	T_CHECK(n >= 1 && n <= 5);
	T_EQ(z->hist_new->serial_to, 120);
	/* a hole restarts the chain */
	T_EQ(zone_hist_add(z, big, 10, 500, 501), 0);
	T_CHECK(z->hist_old == z->hist_new);
	T_EQ(z->hist_bytes, 10);
	zone_hist_free(z);
	T_CHECK(!z->hist_old && !z->hist_new && z->hist_bytes == 0);
	zone_unref(z);
}

/* Every RRset of a is in b with the same TTL and the same RRs. */
static int zone_subset(const zone *a, const zone *b)
{
	for (size_t i = 0; i < a->nbuckets; i++)
		for (zone_node *n = a->buckets[i]; n; n = n->hnext)
			for (zone_rrset *rs = n->rrsets; rs; rs = rs->next) {
				const zone_rrset *o =
					zone_find_rrset(b, n->lname, rs->type);
				if (!o || o->ttl != rs->ttl ||
				    o->count != rs->count || o->len != rs->len)
					return 0;
			}
	return 1;
}

static int apply_rec(void *arg, const zone_journal_rec *r)
{
	zone *z = arg;
	int rc = zone_journal_apply(z, r);
	if (rc == -ESTALE)
		return 0;       /* what the shell does: skip stale records */
	T_EQ(rc, 0);
	return rc;
}

/* Delete www A 192.0.2.3 and add x TXT; serial 101 -> 102. */
static uint8_t *mk_del_rec(zone *z, size_t *len)
{
	uint8_t old[512], www[WIRE_MAXNAME], a3[4] = { 192, 0, 2, 3 };
	uint32_t ttl;
	uint16_t ol = soa_copy(z, old, &ttl);
	uint8_t *rec = NULL;
	zone_diff d;

	wire_name_from_str("www.example.com.", www);
	zone_diff_init(&d);
	T_EQ(zone_diff_rr(&d, 0, www, DNS_T_A, 300, a3, 4), 0);
	T_EQ(zone_node_del_rr(z, zone_node_find(z, www), DNS_T_A, a3, 4), 1);
	set_serial(z, 102);
	T_EQ(zone_diff_finish(&d, z, old, ol, ttl, &rec, len), 0);
	zone_diff_free(&d);
	return rec;
}

static void test_apply_round_trip(void)
{
	zone *z = load(zt), *z2 = load(zt);
	size_t l1, l2, l3;
	uint8_t *r1 = mk_rec(z, "Added.example.com.", 101, &l1);
	uint8_t *r2 = mk_del_rec(z, &l2);
	uint8_t *r3 = mk_rec(z, "x.y.example.com.", 103, &l3);
	uint8_t *buf = malloc(l1 * 2 + l2 + l3);

	/* a stale record first (as left before a snapshot), then the run */
	memcpy(buf, r2, l2);
	memcpy(buf + l2, r1, l1);
	memcpy(buf + l2 + l1, r2, l2);
	memcpy(buf + l2 + l1 + l2, r3, l3);
	T_EQ(zone_journal_scan(buf, l1 + 2 * l2 + l3, apply_rec, z2),
	     l1 + 2 * l2 + l3);
	T_EQ(zone_serial(z2), 103);
	T_EQ(zone_rr_count(z2), zone_rr_count(z));
	T_CHECK(zone_subset(z, z2) && zone_subset(z2, z));
	T_CHECK(zone_find_rrset(z2, (const uint8_t *)"\5added\7example\3com", 0)
		== NULL);
	T_CHECK(z2->hist_old && z2->hist_old->serial_from == 100 &&
		z2->hist_new->serial_to == 103);
	/* applying again: every record is stale now */
	zone_journal_rec rr = { .payload = r1 + 12, .payload_len = l1 - 12,
				.serial_from = 100, .serial_to = 101 };
	T_EQ(zone_journal_apply(z2, &rr), -ESTALE);
	T_EQ(zone_serial(z2), 103);
	free(buf);
	free(r1);
	free(r2);
	free(r3);
	zone_hist_free(z);
	zone_hist_free(z2);
	zone_unref(z);
	zone_unref(z2);
}

static void test_to_text(void)
{
	zone *z = load(zt), *z2;
	char *text = NULL;
	size_t len = 0;

	T_EQ(zone_to_text(z, &text, &len), 0);
	T_CHECK(text && strlen(text) == len);
	T_CHECK(text && strncmp(text, "example.com.", 12) == 0);
	T_CHECK(text && strstr(text, "\tSOA\t") &&
		strstr(text, "\tSOA\t") < strstr(text, "\tNS\t"));
	z2 = text ? load(text) : NULL;
	T_CHECK(z2 != NULL);
	if (z2) {
		T_EQ(zone_rr_count(z2), zone_rr_count(z));
		T_EQ(zone_serial(z2), zone_serial(z));
		T_CHECK(zone_subset(z, z2) && zone_subset(z2, z));
		zone_unref(z2);
	}
	free(text);
	zone_unref(z);
}


/* Damage in the middle is told apart from a torn tail: a valid record
 * follows it. */
static void test_next_valid(void)
{
	zone *z = load(zt);
	size_t l1, l2, l3;
	uint8_t *r1 = mk_rec(z, "a.example.com.", 101, &l1);
	uint8_t *r2 = mk_rec(z, "b.example.com.", 102, &l2);
	uint8_t *r3 = mk_rec(z, "c.example.com.", 103, &l3);
	size_t n = l1 + l2 + l3;
	uint8_t *buf = malloc(n);

	memcpy(buf, r1, l1);
	memcpy(buf + l1, r2, l2);
	memcpy(buf + l1 + l2, r3, l3);
	T_EQ(zone_journal_next_valid(buf, n, 0), 0);
	T_EQ(zone_journal_next_valid(buf, n, 1), l1);
	buf[l1 + 30] ^= 0x40;            /* record 2 damaged */
	T_EQ(zone_journal_scan(buf, n, NULL, NULL), l1);
	T_EQ(zone_journal_next_valid(buf, n, l1 + 1), l1 + l2);
	/* damage in the last record: nothing valid after it */
	buf[l1 + 30] ^= 0x40;
	buf[l1 + l2 + 30] ^= 0x40;
	T_EQ(zone_journal_scan(buf, n, NULL, NULL), l1 + l2);
	T_EQ(zone_journal_next_valid(buf, n, l1 + l2 + 1), n);
	T_EQ(zone_journal_next_valid(buf, n - 3, 1), l1);
	free(buf);
	free(r1);
	free(r2);
	free(r3);
	zone_hist_free(z);
	zone_unref(z);
}

static int revert_one(void *arg, const zone_journal_rec *r)
{
	return zone_journal_revert(arg, r) == 0 ? 0 : 1;
}

/* Records undone newest first bring the zone and its history back. */
static void test_revert(void)
{
	zone *z = load(zt), *orig = load(zt);
	size_t l1, l2, l3;
	uint8_t *r1 = mk_rec(z, "Added.example.com.", 101, &l1);
	uint8_t *r2 = mk_del_rec(z, &l2);
	uint8_t *r3 = mk_rec(z, "x.y.example.com.", 103, &l3);

	T_EQ(zone_journal_scan(r3, l3, revert_one, z), l3);
	T_EQ(zone_serial(z), 102);
	T_CHECK(z->hist_new && z->hist_new->serial_to == 102);
	/* out of order: the zone is not at that record's serial */
	T_EQ(zone_journal_scan(r1, l1, revert_one, z), 0);
	T_EQ(zone_journal_scan(r2, l2, revert_one, z), l2);
	T_EQ(zone_journal_scan(r1, l1, revert_one, z), l1);
	T_EQ(zone_serial(z), 100);
	T_CHECK(z->hist_old == NULL && z->hist_new == NULL);
	T_EQ(zone_rr_count(z), zone_rr_count(orig));
	T_CHECK(zone_subset(z, orig) && zone_subset(orig, z));
	free(r1);
	free(r2);
	free(r3);
	zone_unref(z);
	zone_unref(orig);
}

int main(void)
{
	T_RUN(test_next_valid);
	T_RUN(test_revert);
	T_RUN(test_diff_scan);
	T_RUN(test_hist_bounded);
	T_RUN(test_apply_round_trip);
	T_RUN(test_to_text);
	T_DONE();
}
