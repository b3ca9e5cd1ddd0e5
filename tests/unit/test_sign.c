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
#include "zones/zone_int.h"

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

/* ---- updates of a big signed zone: incremental signing ---- */

typedef struct lastrec {
	uint8_t *rec;
	size_t len;
	int n;
} lastrec;

static int last_hook(void *arg, zone *z, const uint8_t *rec, size_t len)
{
	lastrec *l = arg;

	(void)z;
	free(l->rec);
	l->rec = malloc(len);
	memcpy(l->rec, rec, len);
	l->len = len;
	l->n++;
	return 0;
}

enum { BIG = 3000 };

/* BIG names h<i> (A), every 10th also under an empty non-terminal
 * (x.e<i>), and a delegation with glue. */
static zone_db *mkbig(zone **zp, int nsec3, lastrec *l)
{
	size_t cap = 64 * BIG + 512, o;
	char *t = malloc(cap);
	zone_db *db = zone_db_new(NULL);
	zone_sign_opts opt = { .nsec3 = (uint8_t)nsec3 };
	zone_signer *s = zone_signer_new(&opt);
	zone *z;

	o = (size_t)snprintf(t, cap, "%s", ztext);
	for (int i = 0; i < BIG; i++) {
		o += (size_t)snprintf(t + o, cap - o, "h%d A 10.0.%d.%d\n", i,
				      i >> 8 & 255, i & 255);
		if (i % 10 == 0)
			o += (size_t)snprintf(t + o, cap - o,
					      "x.e%d TXT \"t\"\n", i);
	}
	z = t_zone_text("example.com", t);
	free(t);
	zone_db_add_zone(db, z);
	zone_unref(z);
	zone_signer_add_key(s, mkkey(0));
	T_EQ(zone_db_set_signer(db, "example.com.", s), 0);
	zone_db_set_journal(db, last_hook, l);
	*zp = z;
	return db;
}

/* One UPDATE of one RR: class IN adds, NONE deletes that RR, ANY with
 * type ANY deletes the name. */
static int upd1(zone_db *db, uint64_t now, const char *owner, uint16_t cls,
		uint16_t type, const uint8_t *rd, uint16_t rdlen)
{
	uint8_t b[512], hdr[WIRE_HDRLEN] = { 0 }, name[WIRE_MAXNAME];
	wire_writer w;
	zone_effects eff;

	wire_put16(hdr + 2, (uint16_t)(DNS_OP_UPDATE << 11));
	wire_put16(hdr + 4, 1);
	wire_put16(hdr + 8, 1);
	wire_writer_init(&w, b, sizeof(b), sizeof(b));
	wire_write(&w, hdr, sizeof(hdr));
	wire_name_from_str("example.com.", name);
	wire_write_name(&w, name, 0);
	wire_write16(&w, DNS_T_SOA);
	wire_write16(&w, DNS_C_IN);
	wire_name_from_str(owner, name);
	wire_write_rr(&w, name, type, cls, cls == DNS_C_IN ? 300 : 0, rd,
		      rdlen, NULL);
	return zone_db_update_local(db, b, w.len, now, &eff);
}

/* ndel/nadd of a journal record, without the two SOAs. */
static void rec_counts(const lastrec *l, uint32_t *ndel, uint32_t *nadd)
{
	/* framing (12), then the payload: origin, serials, counts */
	const uint8_t *p = l->rec + 12;

	p += wire_name_len(p) + 8;
	*ndel = wire_get32(p) - 1;
	*nadd = wire_get32(p + 4) - 1;
}

/* Adding one A at a new name of a zone of BIG names changes the name's
 * A, NSEC and their RRSIGs, the predecessor's NSEC and its RRSIG and the
 * SOA's RRSIG, and looks at a handful of nodes, not the zone (a full
 * pass per update looked at every node twice). */
static void update_touches_little(int nsec3)
{
	static const uint8_t a4[4] = { 192, 0, 2, 9 };
	lastrec l = { 0 };
	zone_effects eff;
	zone *z;
	zone_db *db = mkbig(&z, nsec3, &l);
	uint32_t ndel, nadd;
	size_t v;

	T_EQ(zone_db_sign(db, z, NOW, &eff, NULL), 0);
	T_EQ(l.n, 1);
	v = z->sign_visits;
	T_CHECK(v >= BIG);
	T_EQ(upd1(db, NOW + 10, "h1500x.example.com.", DNS_C_IN, DNS_T_A, a4,
		  4), DNS_R_NOERROR);
	T_EQ(l.n, 2);
	rec_counts(&l, &ndel, &nadd);
	/* - old NSEC(3) of the predecessor, its RRSIG, the SOA's RRSIG;
	 * + A, RRSIG A, NSEC(3) and RRSIG for the new name and for the
	 *   predecessor, RRSIG SOA */
	T_EQ(ndel, 3);
	T_EQ(nadd, 7);
	T_CHECK(z->sign_visits - v < 20);
	/* deleting it again: the predecessor's NSEC(3) is restored */
	v = z->sign_visits;
	T_EQ(upd1(db, NOW + 20, "h1500x.example.com.", DNS_C_NONE, DNS_T_A,
		  a4, 4), DNS_R_NOERROR);
	rec_counts(&l, &ndel, &nadd);
	T_EQ(ndel, 7);
	T_EQ(nadd, 3);
	T_CHECK(z->sign_visits - v < 20);
	free(l.rec);
	zone_db_free(db);
}

static void test_update_touches_little_nsec(void)
{
	update_touches_little(0);
}

static void test_update_touches_little_nsec3(void)
{
	update_touches_little(1);
}

/* A run of updates signed incrementally leaves the zone exactly as a
 * full pass wants it: the full pass afterwards changes nothing (same
 * chain, every signature in place), and the NSEC/NSEC3 index kept up
 * to date answers as a freshly built one. */
static void incremental_is_full(int nsec3)
{
	static const uint8_t a4[4] = { 192, 0, 2, 9 }, txt[3] = { 2, 'h', 'i' };
	lastrec l = { 0 };
	zone_effects eff;
	zone *z;
	zone_db *db = mkbig(&z, nsec3, &l);
	uint64_t t = NOW;
	size_t v;

	T_EQ(zone_db_sign(db, z, t, &eff, NULL), 0);
	v = z->sign_visits;
	/* new names: first and last in canonical order, in a gap, under a
	 * new empty non-terminal, twice in one gap; a new type at a name
	 * (bitmap); a name deleted; an empty non-terminal emptied; a
	 * wildcard; glue below the delegation */
	T_EQ(upd1(db, ++t, "0.example.com.", DNS_C_IN, DNS_T_A, a4, 4), 0);
	T_EQ(upd1(db, ++t, "zzz.example.com.", DNS_C_IN, DNS_T_A, a4, 4), 0);
	T_EQ(upd1(db, ++t, "h17a.example.com.", DNS_C_IN, DNS_T_A, a4, 4), 0);
	T_EQ(upd1(db, ++t, "h17b.example.com.", DNS_C_IN, DNS_T_A, a4, 4), 0);
	T_EQ(upd1(db, ++t, "a.b.new.example.com.", DNS_C_IN, DNS_T_TXT, txt,
		  3), 0);
	T_EQ(upd1(db, ++t, "h5.example.com.", DNS_C_IN, DNS_T_TXT, txt, 3), 0);
	T_EQ(upd1(db, ++t, "h6.example.com.", DNS_C_ANY, DNS_T_ANY, NULL, 0),
	     0);
	T_EQ(upd1(db, ++t, "x.e20.example.com.", DNS_C_ANY, DNS_T_ANY, NULL,
		  0), 0);
	T_EQ(upd1(db, ++t, "*.w.example.com.", DNS_C_IN, DNS_T_A, a4, 4), 0);
	T_EQ(upd1(db, ++t, "g.ns.sub.example.com.", DNS_C_IN, DNS_T_A, a4, 4),
	     0);
	T_EQ(upd1(db, ++t, "0.example.com.", DNS_C_NONE, DNS_T_A, a4, 4), 0);
	T_EQ(upd1(db, ++t, "zzz.example.com.", DNS_C_ANY, DNS_T_ANY, NULL, 0),
	     0);
	T_EQ(l.n, 13);
	T_CHECK(z->sign_visits - v < 12 * 30);
	T_CHECK(has_type(z, "h17a.example.com.", DNS_T_RRSIG));
	T_CHECK(!has_type(z, "h6.example.com.", DNS_T_A));
	T_CHECK(!has_type(z, "g.ns.sub.example.com.", DNS_T_RRSIG));
	T_EQ(has_type(z, "h5.example.com.", DNS_T_NSEC), !nsec3);
	/* the full pass has nothing left to do */
	T_EQ(zone_db_sign(db, z, t + 1, &eff, NULL), 0);
	T_CHECK(eff.changed == NULL);
	T_EQ(l.n, 13);
	/* the maintained index finds what a rebuilt one finds */
	if (!nsec3) {
		static const char *const q[] = {
			"0.example.com.", "h17.example.com.", "h17aa.example.com.",
			"h6.example.com.", "e20.example.com.", "zzzz.example.com.",
			"new.example.com.", "b.new.example.com.",
		};
		const zone_node *got[8];
		for (int i = 0; i < 8; i++) {
			uint8_t w[WIRE_MAXNAME], ln[WIRE_MAXNAME];
			wire_name_from_str(q[i], w);
			wire_name_lower(ln, w);
			got[i] = zone_nsec_cover(z, ln);
		}
		zone_nsec_index_drop(z);
		for (int i = 0; i < 8; i++) {
			uint8_t w[WIRE_MAXNAME], ln[WIRE_MAXNAME];
			wire_name_from_str(q[i], w);
			wire_name_lower(ln, w);
			T_CHECK(got[i] && got[i] == zone_nsec_cover(z, ln));
		}
	} else {
		const zone_node *got[8];
		int ex[8], ex2;
		for (int i = 0; i < 8; i++) {
			uint8_t w[WIRE_MAXNAME], ln[WIRE_MAXNAME];
			snprintf((char *)ln, sizeof(ln), "h%d.example.com.",
				 i * 7);
			wire_name_from_str((char *)ln, w);
			wire_name_lower(ln, w);
			T_CHECK(zone_nsec3_on(z));
			got[i] = zone_nsec3_find(z, ln, &ex[i]);
		}
		zone_nsec_index_drop(z);
		for (int i = 0; i < 8; i++) {
			uint8_t w[WIRE_MAXNAME], ln[WIRE_MAXNAME];
			snprintf((char *)ln, sizeof(ln), "h%d.example.com.",
				 i * 7);
			wire_name_from_str((char *)ln, w);
			wire_name_lower(ln, w);
			T_CHECK(zone_nsec3_on(z));
			T_CHECK(got[i] == zone_nsec3_find(z, ln, &ex2));
			T_EQ(ex[i], ex2);
		}
	}
	free(l.rec);
	zone_db_free(db);
}

/* A change that makes the whole chain (a first signing) while the NSEC
 * index is built: the index stays right (past a bound of edits in one
 * change it is dropped and rebuilt once instead of edited per record). */
static void test_bulk_change_keeps_index_right(void)
{
	static const char *const q[] = {
		"h77.example.com.", "h77a.example.com.", "a.example.com.",
		"zzz.example.com.", "e40.example.com.", "sub.example.com.",
	};
	const zone_node *got[6];
	lastrec l = { 0 };
	zone_effects eff;
	zone *z;
	zone_db *db = mkbig(&z, 0, &l);
	uint8_t w[WIRE_MAXNAME], ln[WIRE_MAXNAME];

	wire_name_from_str(q[0], w);
	wire_name_lower(ln, w);
	T_CHECK(zone_nsec_cover(z, ln) == NULL);        /* built, empty */
	T_CHECK(z->nsec_built);
	T_EQ(zone_db_sign(db, z, NOW, &eff, NULL), 0);
	T_CHECK(zone_nsec_cover(z, ln) == zone_node_find(z, ln));
	for (int i = 0; i < 6; i++) {
		wire_name_from_str(q[i], w);
		wire_name_lower(ln, w);
		got[i] = zone_nsec_cover(z, ln);
	}
	zone_nsec_index_drop(z);
	for (int i = 0; i < 6; i++) {
		wire_name_from_str(q[i], w);
		wire_name_lower(ln, w);
		T_CHECK(got[i] && got[i] == zone_nsec_cover(z, ln));
	}
	free(l.rec);
	zone_db_free(db);
}

static void test_incremental_is_full_nsec(void) { incremental_is_full(0); }
static void test_incremental_is_full_nsec3(void) { incremental_is_full(1); }
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
	T_RUN(test_update_touches_little_nsec);
	T_RUN(test_update_touches_little_nsec3);
	T_RUN(test_incremental_is_full_nsec);
	T_RUN(test_incremental_is_full_nsec3);
	T_RUN(test_bulk_change_keeps_index_right);
	T_RUN(test_file_edit_signed_nsec);
	T_RUN(test_file_edit_signed_nsec3);
	T_DONE();
}
