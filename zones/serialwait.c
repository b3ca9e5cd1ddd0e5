/*
 * zones/serialwait.c — wait until servers serve a zone's serial (see
 * serialwait.h).
 */
#include <string.h>

#include "zones/serialwait.h"
#include "zones/updclient.h"

int zone_swait_init(zone_swait *w, const uint8_t *origin, uint32_t serial,
		    int nservers, uint64_t now, uint32_t interval,
		    uint32_t timeout)
{
	memset(w, 0, sizeof(*w));
	if (nservers < 1 || nservers > ZONE_SWAIT_MAX || interval == 0)
		return -1;
	wire_name_lower(w->origin, origin);
	w->serial = serial;
	w->n = nservers;
	w->next = now;
	w->deadline = now + timeout;
	w->interval = interval;
	return 0;
}

long zone_swait_query(const zone_swait *w, uint8_t *buf, size_t cap)
{
	return zone_updc_query(buf, cap, 0, w->origin, DNS_T_SOA);
}

int zone_swait_pending(const zone_swait *w, int i)
{
	return i >= 0 && i < w->n && !w->ok[i];
}

static int zone_swait_all(const zone_swait *w)
{
	for (int i = 0; i < w->n; i++)
		if (!w->ok[i])
			return 0;
	return 1;
}

zone_swait_state zone_swait_step(zone_swait *w, uint64_t now,
				 uint64_t *wake)
{
	if (zone_swait_all(w))
		return ZONE_SWAIT_DONE;
	if (now >= w->deadline)
		return ZONE_SWAIT_TIMEOUT;
	if (now < w->next) {
		*wake = w->next;
		return ZONE_SWAIT_WAIT;
	}
	w->rounds++;
	w->next = now + w->interval;
	*wake = w->next < w->deadline ? w->next : w->deadline;
	return ZONE_SWAIT_SEND;
}

int zone_soa_serial_of(const uint8_t *msg, size_t len, uint32_t *serial)
{
	wire_rr_iter it;
	wire_rr rr;

	if (len < WIRE_HDRLEN || (msg[3] & 0xf) != DNS_R_NOERROR ||
	    wire_get16(msg + 4) != 1 || wire_rr_start(&it, msg, len) < 0)
		return -1;
	while (wire_rr_next(&it, &rr) > 0 && rr.section == 1) {
		size_t rd = rr.rdata, end = rr.rdata + rr.rdlen;

		if (rr.type != DNS_T_SOA)
			continue;
		if (wire_name_read(msg, len, &rd, NULL) < 0 ||
		    wire_name_read(msg, len, &rd, NULL) < 0 || rd + 4 > end)
			return -1;
		*serial = wire_get32(msg + rd);
		return 0;
	}
	return -1;
}

zone_swait_state zone_swait_feed(zone_swait *w, int i, const uint8_t *msg,
				 size_t len)
{
	uint8_t q[WIRE_HDRLEN + WIRE_MAXNAME + 4];
	long qlen = zone_swait_query(w, q, sizeof(q));
	uint32_t s;

	if (qlen > 0 && len >= 2)
		memcpy(q, msg, 2);      /* the transport matched the id */
	if (i < 0 || i >= w->n || qlen < 0 ||
	    !zone_updc_matches(q, (size_t)qlen, msg, len) ||
	    zone_soa_serial_of(msg, len, &s) < 0)
		return zone_swait_all(w) ? ZONE_SWAIT_DONE : ZONE_SWAIT_WAIT;
	w->seen[i] = s;
	w->answered[i] = 1;
	if (s == w->serial || zone_serial_newer(s, w->serial))
		w->ok[i] = 1;
	return zone_swait_all(w) ? ZONE_SWAIT_DONE : ZONE_SWAIT_WAIT;
}
