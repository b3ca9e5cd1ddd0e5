/* Unit tests for the robur TLSA convention (zones/tlsa.c): finding the
 * _letsencrypt._tcp names, reading CSR and certificate, the UPDATE that
 * publishes a chain. */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/t.h"
#include "tests/unit/tzone.h"
#include "zones/tlsa.h"

static const char ztext[] =
	"$TTL 3600\n"
	"$ORIGIN example.com.\n"
	"@ IN SOA ns h 1 3600 600 604800 300\n"
	"  IN NS ns\n"
	"ns IN A 192.0.2.1\n"
	"_letsencrypt._tcp.www IN TLSA 3 255 0 c5c5c5c5\n"
	"_letsencrypt._tcp.www IN TLSA 3 0 0 0c0c0c\n"
	"_letsencrypt._tcp.www IN TLSA 2 0 0 0a0a\n"
	"_letsencrypt._tcp.www IN TLSA 3 1 1 abcdef\n"
	"_letsencrypt._tcp.two IN TLSA 3 255 0 aa\n"
	"_letsencrypt._tcp.two IN TLSA 3 255 0 bb\n"
	"_letsencrypt._tcp IN TXT \"HOST is the apex\"\n"
	"_443._tcp.www IN TLSA 3 0 0 0c0c0c\n";

static zone *load(void)
{
	return t_zone_text("example.com", ztext);
}

static void test_names(void)
{
	zone *z = load();
	uint8_t (*v)[WIRE_MAXNAME] = NULL;
	uint8_t w[WIRE_MAXNAME];
	char host[ZONE_TLSA_HOSTMAX];
	int n = zone_tlsa_names(z, &v), www = 0, apex = 0;

	T_EQ(n, 3);
	for (int i = 0; i < n; i++) {
		T_EQ(zone_tlsa_host(v[i], host, sizeof(host)), 0);
		www += strcmp(host, "www.example.com") == 0;
		apex += strcmp(host, "example.com") == 0;
	}
	T_EQ(www, 1);
	T_EQ(apex, 1);
	free(v);
	wire_name_from_str("_LetsEncrypt._TCP.a.b", w);
	T_EQ(zone_tlsa_is_le(w), 1);
	wire_name_from_str("_letsencrypt._tcp", w);
	T_EQ(zone_tlsa_is_le(w), 0);
	T_EQ(zone_tlsa_host(w, host, sizeof(host)), -1);
	wire_name_from_str("_443._tcp.www.example.com", w);
	T_EQ(zone_tlsa_is_le(w), 0);
	zone_unref(z);
}

static void test_read(void)
{
	zone *z = load();
	uint8_t w[WIRE_MAXNAME];
	zone_tlsa_req r;

	wire_name_from_str("_letsencrypt._tcp.www.example.com", w);
	zone_tlsa_read(z, w, &r);
	T_EQ(r.ncsr, 1);
	T_EQ(r.csr_len, 4);
	T_CHECK(r.csr && r.csr[0] == 0xc5);
	T_EQ(r.crt_len, 3);
	T_CHECK(r.crt && r.crt[0] == 0x0c);
	wire_name_from_str("_letsencrypt._tcp.two.example.com", w);
	zone_tlsa_read(z, w, &r);
	T_EQ(r.ncsr, 2);
	T_CHECK(r.crt == NULL);
	wire_name_from_str("nothing.example.com", w);
	zone_tlsa_read(z, w, &r);
	T_EQ(r.ncsr, 0);
	zone_unref(z);
}

static void test_cert_update(void)
{
	zone *z = load();
	zone_db *db = zone_db_new(NULL);
	static const uint8_t leaf[] = { 1, 2, 3, 4, 5 }, ca[] = { 9, 9 };
	const uint8_t *der[2] = { leaf, ca };
	size_t dl[2] = { sizeof(leaf), sizeof(ca) };
	uint8_t w[WIRE_MAXNAME], buf[4096];
	zone_effects eff;
	zone_tlsa_req r;
	const zone_rrset *rs;
	long len;

	zone_db_add_zone(db, z);
	wire_name_from_str("_letsencrypt._tcp.www.example.com", w);
	len = zone_tlsa_cert_update(z, w, der, dl, 2, buf, sizeof(buf));
	T_CHECK(len > 0);
	T_EQ(zone_db_update_local(db, buf, (size_t)len, 1, &eff),
	     DNS_R_NOERROR);
	zone_tlsa_read(z, w, &r);
	T_EQ(r.ncsr, 1);                  /* the CSR stays */
	T_EQ(r.crt_len, sizeof(leaf));
	T_CHECK(r.crt && memcmp(r.crt, leaf, sizeof(leaf)) == 0);
	rs = zone_find_rrset(z, w, DNS_T_TLSA);
	T_EQ(rs ? rs->count : 0, 4);      /* CSR, 3 0 0, 2 0 0, 3 1 1 */
	T_EQ(rs ? rs->ttl : 0, ZONE_TLSA_TTL);
	T_EQ(zone_tlsa_cert_update(z, w, der, dl, 0, buf, sizeof(buf)), -1);
	T_EQ(zone_tlsa_cert_update(z, w, der, dl, 2, buf, 40), -1);
	zone_db_free(db);
	zone_unref(z);
}

int main(void)
{
	T_RUN(test_names);
	T_RUN(test_read);
	T_RUN(test_cert_update);
	T_DONE();
}
