/* libFuzzer target: what an UPDATE client and a serial wait read from the
 * network (zones/updclient.c, zones/serialwait.c).  The input is one
 * response message, judged against a TSIG-signed UPDATE and an unsigned
 * one (zone_updc_matches, zone_updc_judge), read as a zone lookup, a TXT
 * check and an NS answer with glue, and fed to a serial wait of three
 * servers.  Nothing may read outside the input; verdicts stay in range. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zones/serialwait.h"
#include "zones/updclient.h"

static const uint8_t fx_apex[] = "\7example\3com";
static const uint8_t fx_owner[] = "\17_acme-challenge\7example\3com";

static long fx_update(uint8_t *buf, size_t cap, const zone_tsig_key *key,
		      zone_tsig_ctx *tc)
{
	static const uint8_t txt[] = "\5token";
	zone_upd u;

	zone_upd_start(&u, buf, cap, 0x1234, fx_apex);
	zone_upd_prereq(&u, ZONE_UPD_YXDOMAIN, fx_apex, 0, NULL, 0);
	zone_upd_del_rrset(&u, fx_owner, DNS_T_TXT);
	zone_upd_add(&u, fx_owner, DNS_T_TXT, 60, txt, sizeof(txt) - 1);
	return zone_upd_finish(&u, key, tc, 1700000000);
}

static void fx_judge(const uint8_t *req, long reqlen, const uint8_t *data,
		     size_t size, zone_tsig_ctx *tc)
{
	zone_updc_result r;

	if (reqlen <= 0)
		return;
	(void)zone_updc_matches(req, (size_t)reqlen, data, size);
	zone_updc_judge(req, (size_t)reqlen, data, size, tc, 1700000000, &r);
	if (r.verdict > ZONE_UPDC_FAIL || r.rcode < -1 || r.rcode > 4095 ||
	    !memchr(r.why, '\0', sizeof(r.why)))
		abort();
}

static void fx_read(const uint8_t *data, size_t size)
{
	uint8_t zone[WIRE_MAXNAME];
	zone_updc_ns ns;
	uint32_t serial;

	if (zone_updc_zone_of(data, size, fx_owner, zone) == 1 &&
	    wire_name_len(zone) == 0)
		abort();
	(void)zone_updc_has_txt(data, size, fx_owner, "token");
	if (zone_updc_ns_read(data, size, fx_apex, &ns) > ZONE_UPDC_NS_MAX ||
	    ns.nname > ZONE_UPDC_NS_MAX)
		abort();
	(void)zone_soa_serial_of(data, size, &serial);
}

static void fx_wait(const uint8_t *data, size_t size)
{
	zone_swait w;
	uint64_t wake;

	if (zone_swait_init(&w, fx_apex, 7, 3, 0, 1000, 5000) < 0)
		abort();
	(void)zone_swait_step(&w, 0, &wake);
	for (int i = 0; i < 3; i++)
		if (zone_swait_feed(&w, i, data, size) > ZONE_SWAIT_TIMEOUT)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t req[512], sreq[512];
	char err[128];
	zone_tsig_key key;
	zone_tsig_ctx tc;
	long n, sn;

	memset(&tc, 0, sizeof(tc));
	if (zone_tsig_key_parse("upd.key:hmac-sha256:MDEyMzQ1Njc4OWFiY2RlZg==",
				&key, err, sizeof(err)) < 0)
		abort();
	n = fx_update(req, sizeof(req), NULL, NULL);
	sn = fx_update(sreq, sizeof(sreq), &key, &tc);
	fx_judge(req, n, data, size, NULL);
	fx_judge(sreq, sn, data, size, &tc);
	fx_read(data, size);
	fx_wait(data, size);
	return 0;
}
