/* Unit tests for online signing (zones/sign.c, zones/sigkey.c): the
 * signed state zone_db_sign makes, that every signing change is one
 * journal record that replays to the same zone, that an UPDATE of a
 * signed zone (zone_db_update_local: DHCP names, ACME records) carries
 * its signatures, refresh on a later clock, undo when the journal fails.
 * Keys are made here with OpenSSL (the shell's job in the daemon). */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "tests/unit/t.h"
#include "tests/unit/tzone.h"

static const char ztext[] =
	"$TTL 3600\n$ORIGIN example.com.\n"
	"@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n"
	"@ NS ns1\nns1 A 192.0.2.1\nwww A 192.0.2.3\na.b.c TXT \"deep\"\n"
	"sub NS ns.sub\nns.sub A 192.0.2.53\n";

enum { NOW = 1800000000, DAY = 86400 };

typedef struct jrec {
	uint8_t *rec[8];
	size_t len[8];
	int n, fail;
} jrec;

static int hook(void *arg, zone *z, const uint8_t *rec, size_t len)
{
	jrec *j = arg;

	(void)z;
	if (j->fail || j->n == 8)
		return -1;
	j->rec[j->n] = malloc(len);
	memcpy(j->rec[j->n], rec, len);
	j->len[j->n++] = len;
	return 0;
}

static zone_sigkey *mkkey(int ed)
{
	EVP_PKEY *pk = ed ? EVP_PKEY_Q_keygen(NULL, NULL, "ED25519") :
			    EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	unsigned char der[512], *p = der;
	int n = i2d_PrivateKey(pk, &p);
	char err[128];
	zone_sigkey *k = zone_sigkey_new(der, (size_t)n, ZONE_DNSKEY_CSK,
					 err, sizeof(err));

	EVP_PKEY_free(pk);
	return k;
}

static zone_db *mkdb(zone **zp, int ed, int nsec3, jrec *j)
{
	zone_db *db = zone_db_new(NULL);
	zone *z = t_zone_text("example.com", ztext);
	zone_sign_opts o = { .nsec3 = (uint8_t)nsec3 };
	zone_signer *s = zone_signer_new(&o);

	zone_db_add_zone(db, z);
	zone_unref(z);
	zone_signer_add_key(s, mkkey(ed));
	T_EQ(zone_db_set_signer(db, "example.com.", s), 0);
	zone_db_set_journal(db, hook, j);
	*zp = z;
	return db;
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The zone's text with its lines sorted (store order is hash order). */
static char *sorted_text(const zone *z)
{
	char *t, *out, *lines[4096], *save = NULL;
	size_t len, n = 0, o = 0;

	if (zone_to_text(z, &t, &len) < 0)
		return NULL;
	out = malloc(len + 2);
	for (char *l = strtok_r(t, "\n", &save); l && n < 4096;
	     l = strtok_r(NULL, "\n", &save))
		lines[n++] = l;
	qsort(lines, n, sizeof(*lines), cmp_line);
	for (size_t i = 0; i < n; i++)
		o += (size_t)sprintf(out + o, "%s\n", lines[i]);
	free(t);
	return out;
}

static int has_type(const zone *z, const char *owner, uint16_t type)
{
	uint8_t w[WIRE_MAXNAME], l[WIRE_MAXNAME];

	wire_name_from_str(owner, w);
	wire_name_lower(l, w);
	return zone_find_rrset(z, l, type) != NULL;
}

static int apply_one(void *arg, const zone_journal_rec *r)
{
	T_EQ(zone_journal_apply(arg, r), 0);
	return 0;
}

/* Replay the records on a fresh load of the file: same zone. */
static void replays_to(const zone *z, jrec *j)
{
	zone *r = t_zone_text("example.com", ztext);
	char *a, *b;

	for (int i = 0; i < j->n; i++)
		T_EQ(zone_journal_scan(j->rec[i], j->len[i], apply_one, r),
		     j->len[i]);
	T_EQ(zone_serial(r), zone_serial(z));
	a = sorted_text(z);
	b = sorted_text(r);
	T_CHECK(a && b && strcmp(a, b) == 0);
	free(a);
	free(b);
	zone_unref(r);
}

static void sign_and_replay(int ed, int nsec3)
{
	jrec j = { .n = 0 };
	zone *z;
	zone_db *db = mkdb(&z, ed, nsec3, &j);
	zone_effects eff;
	uint64_t next = 0;

	T_EQ(zone_db_sign(db, z, NOW, &eff, &next), 0);
	T_CHECK(eff.changed == z);
	T_EQ(zone_serial(z), 2);
	T_EQ(j.n, 1);
	T_CHECK(next > NOW + 5 * DAY && next < NOW + 8 * DAY);
	T_CHECK(has_type(z, "example.com.", DNS_T_DNSKEY));
	T_CHECK(has_type(z, "www.example.com.", DNS_T_RRSIG));
	T_CHECK(!has_type(z, "ns.sub.example.com.", DNS_T_RRSIG));  /* glue */
	T_EQ(has_type(z, "www.example.com.", DNS_T_NSEC), !nsec3);
	T_EQ(has_type(z, "example.com.", 51), nsec3);
	/* a second pass has nothing to do */
	T_EQ(zone_db_sign(db, z, NOW + 60, &eff, NULL), 0);
	T_CHECK(eff.changed == NULL);
	T_EQ(zone_serial(z), 2);
	replays_to(z, &j);
	for (int i = 0; i < j.n; i++)
		free(j.rec[i]);
	zone_db_free(db);
}

static void test_sign_ecdsa_nsec(void) { sign_and_replay(0, 0); }
static void test_sign_ecdsa_nsec3(void) { sign_and_replay(0, 1); }
static void test_sign_ed25519_nsec(void) { sign_and_replay(1, 0); }
static void test_sign_ed25519_nsec3(void) { sign_and_replay(1, 1); }

/* An UPDATE built by the shell (DHCP names, ACME): signed in the same
 * journal record; refresh later; all records replay. */
static void test_update_local_signed(void)
{
	static const uint8_t a4[4] = { 192, 0, 2, 77 };
	uint8_t b[512], hdr[WIRE_HDRLEN] = { 0 }, name[WIRE_MAXNAME];
	jrec j = { .n = 0 };
	wire_writer w;
	zone_effects eff;
	zone *z;
	zone_db *db = mkdb(&z, 0, 0, &j);

	T_EQ(zone_db_sign(db, z, NOW, &eff, NULL), 0);
	wire_put16(hdr + 2, (uint16_t)(DNS_OP_UPDATE << 11));
	wire_put16(hdr + 4, 1);
	wire_put16(hdr + 8, 1);
	wire_writer_init(&w, b, sizeof(b), sizeof(b));
	wire_write(&w, hdr, sizeof(hdr));
	wire_name_from_str("example.com.", name);
	wire_write_name(&w, name, 0);
	wire_write16(&w, DNS_T_SOA);
	wire_write16(&w, DNS_C_IN);
	wire_name_from_str("host.example.com.", name);
	wire_write_rr(&w, name, DNS_T_A, DNS_C_IN, 300, a4, 4, NULL);
	T_EQ(zone_db_update_local(db, b, w.len, NOW + 100, &eff),
	     DNS_R_NOERROR);
	T_EQ(j.n, 2);
	T_EQ(zone_serial(z), 3);
	T_CHECK(has_type(z, "host.example.com.", DNS_T_RRSIG));
	T_CHECK(has_type(z, "host.example.com.", DNS_T_NSEC));
	/* ten days later every signature is renewed: one more record */
	T_EQ(zone_db_sign(db, z, NOW + 10 * DAY, &eff, NULL), 0);
	T_CHECK(eff.changed == z);
	T_EQ(j.n, 3);
	replays_to(z, &j);
	/* a journal that cannot be written: the refresh is undone */
	{
		char *before = sorted_text(z), *after;
		j.fail = 1;
		T_CHECK(zone_db_sign(db, z, NOW + 20 * DAY, &eff, NULL) < 0);
		T_CHECK(eff.changed == NULL);
		after = sorted_text(z);
		T_CHECK(before && after && strcmp(before, after) == 0);
		free(before);
		free(after);
	}
	for (int i = 0; i < j.n; i++)
		free(j.rec[i]);
	zone_db_free(db);
}

/* A zone-file edit of a signed zone (zone_db_file_diff_record): one
 * record holds the edit and its signatures, leaves z as it was, and
 * applied gives a zone where nothing is left to sign. */
static void file_edit_signed(int nsec3)
{
	static const char edited[] =
		"$TTL 3600\n$ORIGIN example.com.\n"
		"@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n"
		"@ NS ns1\nns1 A 192.0.2.1\nwww A 192.0.2.4\n"
		"new A 192.0.2.5\nsub NS ns.sub\nns.sub A 192.0.2.53\n";
	jrec j = { .n = 0 };
	zone_effects eff;
	zone_fdiff_stats st;
	zone *z, *oldf = t_zone_text("example.com", ztext),
	     *newf = t_zone_text("example.com", edited);
	zone_db *db = mkdb(&z, 0, nsec3, &j);
	uint8_t *rec = NULL;
	size_t len = 0;
	char *before, *after;

	T_EQ(zone_db_sign(db, z, NOW, &eff, NULL), 0);
	before = sorted_text(z);
	T_EQ(zone_db_file_diff_record(db, z, oldf, newf, NOW + 100, &rec,
				      &len, &st), 1);
	after = sorted_text(z);
	T_CHECK(before && after && strcmp(before, after) == 0);
	T_EQ(st.serial_to, 3);
	T_CHECK(rec && hook(&j, z, rec, len) == 0);
	T_EQ(zone_journal_scan(rec, len, apply_one, z), len);
	T_EQ(zone_serial(z), 3);
	T_CHECK(has_type(z, "new.example.com.", DNS_T_RRSIG));
	T_CHECK(!has_type(z, "a.b.c.example.com.", DNS_T_RRSIG));
	T_EQ(has_type(z, "new.example.com.", DNS_T_NSEC), !nsec3);
	/* nothing left unsigned: no second step */
	T_EQ(zone_db_sign(db, z, NOW + 200, &eff, NULL), 0);
	T_CHECK(eff.changed == NULL);
	replays_to(z, &j);
	free(rec);
	free(before);
	free(after);
	for (int i = 0; i < j.n; i++)
		free(j.rec[i]);
	zone_unref(oldf);
	zone_unref(newf);
	zone_db_free(db);
}

static void test_file_edit_signed_nsec(void) { file_edit_signed(0); }
static void test_file_edit_signed_nsec3(void) { file_edit_signed(1); }

/* RFC 4034 B / RFC 4509: the DS of a key is over owner | DNSKEY rdata. */
static void test_key_ds(void)
{
	zone_sigkey *k = mkkey(0);
	uint8_t owner[WIRE_MAXNAME], ds[64], rd[80];

	wire_name_from_str("Example.COM.", owner);
	T_EQ(zone_sigkey_ds(k, owner, ds, sizeof(ds)), 36);
	T_EQ(wire_get16(ds), zone_sigkey_tag(k));
	T_EQ(ds[2], 13);
	T_EQ(ds[3], 2);
	T_EQ(zone_sigkey_dnskey(k, rd, sizeof(rd)), 68);
	T_EQ(wire_get16(rd), 257);
	zone_sigkey_free(k);
}

int main(void)
{
	T_RUN(test_sign_ecdsa_nsec);
	T_RUN(test_sign_ecdsa_nsec3);
	T_RUN(test_sign_ed25519_nsec);
	T_RUN(test_sign_ed25519_nsec3);
	T_RUN(test_update_local_signed);
	T_RUN(test_key_ds);
	T_RUN(test_file_edit_signed_nsec);
	T_RUN(test_file_edit_signed_nsec3);
	T_DONE();
}
