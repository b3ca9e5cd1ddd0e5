/* libFuzzer target: the outgoing-query table's reply matching (what any
 * server we query, or a spoofer, sends back).  Three queries are pending
 * (UDP with retries, a TCP stream, a TSIG-signed one; the ids come from a
 * counter, so they can be learnt); the input is a selector byte and then
 * messages, each prefixed by a 2-byte length, fed to zone_outq_on_reply
 * over UDP or TCP, with or without the socket's handle, and a timer
 * tick between messages.  Actions must stay consistent. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zones/outq.h"

static void fx_rnd(void *arg, void *buf, size_t len)
{
	uint8_t *ctr = arg, *b = buf;

	for (size_t i = 0; i < len; i++)
		b[i] = ++*ctr;
}

static size_t fx_query(uint8_t *buf, uint16_t qtype)
{
	static const uint8_t name[] = "\7example\3com";

	memset(buf, 0, 12);
	buf[5] = 1;
	memcpy(buf + 12, name, sizeof(name));
	buf[12 + sizeof(name)] = (uint8_t)(qtype >> 8);
	buf[13 + sizeof(name)] = (uint8_t)qtype;
	buf[15 + sizeof(name)] = 1;
	return 16 + sizeof(name);
}

static void fx_drain(zone_outq *q)
{
	zone_oq_action a;

	while (zone_outq_next_action(q, &a) != ZOQ_ACT_NONE)
		if (a.kind == ZOQ_ACT_SEND && (!a.msg || a.len < 12))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t ctr = 0, m[64];
	zone_outq *q = zone_outq_new(8, fx_rnd, &ctr);
	zone_oq_addr srv = { 4, { 192, 0, 2, 1 }, 53 };
	zone_oq_opts udp = { 0, NULL, 1000, 2 };
	zone_oq_opts tcp = { ZOQ_TCP | ZOQ_STREAM, NULL, 15000, 0 };
	zone_oq_opts sig = { 0, NULL, 1000, 0 };
	zone_tsig_key key;
	zone_oq_action a;
	uint32_t h[3] = { 0, 0, 0 };
	uint64_t now = 1000000;

	if (!q || size < 1)
		goto out;
	memset(&key, 0, sizeof(key));
	memcpy(key.name, "\1k\0", 3);
	key.alg = TSIG_HMAC_SHA256;
	key.secret_len = 16;
	sig.key = &key;
	zone_outq_query(q, &srv, m, fx_query(m, 1), &udp, 1, now, &h[0], &a);
	zone_outq_query(q, &srv, m, fx_query(m, 252), &tcp, 2, now, &h[1], &a);
	zone_outq_query(q, &srv, m, fx_query(m, 6), &sig, 3, now, &h[2], &a);
	for (size_t pos = 1; pos + 2 <= size;) {
		size_t len = (size_t)data[pos] << 8 | data[pos + 1];
		int sel = data[0] >> (pos % 7);

		pos += 2;
		if (len > size - pos)
			len = size - pos;
		if (zone_outq_on_reply(q, sel & 1 ? h[(sel >> 1) % 3] : 0,
				       &srv, sel & 8, data + pos, len, now,
				       &a) == ZOQ_RX_OK &&
		    (a.kind != ZOQ_ACT_REPLY && a.kind != ZOQ_ACT_SEND))
			abort();
		pos += len;
		now += 700;
		zone_outq_on_timer(q, now);
		fx_drain(q);
	}
	zone_outq_cancel(q, h[1]);
out:
	zone_outq_free(q);
	return 0;
}
