/* libFuzzer target: the incoming-transfer engine (what a primary sends a
 * secondary).  The input is a sequence of messages, each prefixed by a
 * 2-byte length as on TCP; the first byte picks the transfer kind (SOA
 * check, AXFR, IXFR against a small current zone) and whether a TSIG key
 * is expected.  Every message goes through zone_xfrin_feed until it
 * reports done or an error; a result zone must be usable. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zones/zone_int.h"

static const char fx_zone[] =
	"$ORIGIN example.com.\n"
	"$TTL 3600\n"
	"@ IN SOA ns1 hostmaster 5 7200 3600 1209600 300\n"
	"@ NS ns1\n"
	"ns1 A 192.0.2.53\n"
	"www A 192.0.2.80\n";

static zone *fx_cur;
static zone_tsig_key fx_key;

static void fx_init(void)
{
	char err[256];

	if (fx_cur)
		return;
	fx_cur = zone_load_text("example.com.", "fuzz", fx_zone,
				sizeof(fx_zone) - 1, NULL, NULL, err,
				sizeof(err));
	if (!fx_cur)
		abort();
	if (zone_tsig_key_parse("k.:sha256:c2VjcmV0c2VjcmV0c2VjcmV0",
				&fx_key, err, sizeof(err)) < 0)
		abort();
}

static void fx_result(zone_xfrin *x)
{
	uint8_t *jnl = NULL;
	size_t jlen = 0;
	zone *z = zone_xfrin_result(x, &jnl, &jlen);

	if (z) {
		(void)zone_serial(z);
		(void)zone_rr_count(z);
		zone_unref(z);
	}
	free(jnl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t kinds[3] = { DNS_T_SOA, DNS_T_AXFR, DNS_T_IXFR };
	static uint8_t msg[65536];
	uint8_t q[512];
	size_t qlen = 0, pos = 1;
	zone_xfrin *x;
	int rc = ZXI_NEED_MORE;

	fx_init();
	if (size < 1)
		return 0;
	x = zone_xfrin_start(zone_origin(fx_cur), kinds[(data[0] & 3) % 3],
			     fx_cur, (data[0] & 4) ? &fx_key : NULL, 0x1234);
	if (!x)
		return 0;
	if (zone_xfrin_query(x, q, sizeof(q), &qlen, 1000000) < 0)
		goto out;
	while (rc == ZXI_NEED_MORE && pos + 2 <= size) {
		size_t n = ((size_t)data[pos] << 8) | data[pos + 1];
		pos += 2;
		if (n > size - pos)
			n = size - pos;
		/* Give every message the query's id so the fuzzer reaches the
		 * record parsing instead of stopping at the id check. */
		memcpy(msg, data + pos, n);
		if (n >= 2)
			wire_put16(msg, 0x1234);
		rc = zone_xfrin_feed(x, msg, n, 1000000);
		pos += n;
	}
	if (rc == ZXI_DONE)
		fx_result(x);
out:
	zone_xfrin_free(x);
	return 0;
}
