/*
 * libFuzzer target for the TSIG parsing paths: wire_query_parse +
 * zone_tsig_verify_request with a fixed keyring (and signing the error or
 * the reply when it verified), and zone_tsig_verify_response on a client
 * context.  Invariants are checked with abort().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zones/zones.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ft_check(int cond)
{
	if (!cond)
		abort();
}

static zone_keyring *ft_ring(void)
{
	static const char *specs[] = {
		"tk.example:SHA256:c2VjcmV0IGtleSBmb3IgdGhlIHRzaWcgdGVzdHM=",
		"md5.example:MD5:bWQ1IHNlY3JldA==",
		"k:SHA512:c2hhNTEyIHNlY3JldA==",
	};
	zone_keyring *kr = zone_keyring_new();
	zone_tsig_key k;

	for (size_t i = 0; kr && i < 3; i++)
		if (zone_tsig_key_parse(specs[i], &k, NULL, 0) == 0)
			zone_keyring_add(kr, &k);
	return kr;
}

static void ft_server(const zone_keyring *kr, const uint8_t *data,
		      size_t size)
{
	static uint8_t buf[65536 + 1024];
	wire_query q;
	zone_tsig_ctx ctx;
	size_t len;
	int r;

	if (wire_query_parse(data, size, &q) != WQ_OK || size > 65535)
		return;
	r = zone_tsig_verify_request(kr, data, size, &q, 1700000000, &ctx);
	ft_check(r >= -2 && r <= 1);
	ft_check(q.tsig_off == 0 ? r == 0 : 1);
	if (r == -2 || r == 0)
		return;
	len = q.question_end ? q.question_end : 12;
	memcpy(buf, data, len);
	wire_put16(buf + 6, 0);
	wire_put16(buf + 8, 0);
	wire_put16(buf + 10, 0);
	ft_check(zone_tsig_sign(&ctx, buf, &len, sizeof(buf), 1700000001)
		 == 0);
}

static void ft_client(const zone_keyring *kr, const uint8_t *data,
		      size_t size)
{
	uint8_t n[WIRE_MAXNAME], req[512] = { 0x12, 0x34, 0, 0, 0, 0, 0, 0,
					      0, 0, 0, 0 };
	size_t len = 12;
	zone_tsig_ctx ctx;

	wire_name_from_str("tk.example", n);
	ft_check(zone_tsig_sign_request(&ctx, zone_keyring_find(kr, n), req,
					&len, sizeof(req), 1700000000) == 0);
	for (int i = 0; i < 2; i++) {
		int r = zone_tsig_verify_response(&ctx, data, size,
						  1700000000);
		ft_check(r == 0 || r == -1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static zone_keyring *kr;

	if (!kr)
		kr = ft_ring();
	ft_server(kr, data, size);
	ft_client(kr, data, size);
	return 0;
}
