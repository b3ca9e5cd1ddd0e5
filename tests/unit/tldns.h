/* Unit-test helpers for tests that build RRsets with ldns: a name from
 * text, an RR from text, and rdata appended in the resolver's RRset form
 * (each record: 2-byte length, rdata) with the record count.  Any
 * error prints the input and exits 2. */
#ifndef DV_TLDNS_H
#define DV_TLDNS_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ldns/ldns.h>

#include "zones/zones.h"

static inline void wname(const char *s, uint8_t *out)
{
	if (wire_name_from_str(s, out) <= 0) {
		printf("bad name %s\n", s);
		exit(2);
	}
}

static inline void put_rdata(uint8_t *buf, uint32_t *len, uint16_t *count,
			     const uint8_t *rd, size_t rdlen)
{
	buf[*len] = (uint8_t)(rdlen >> 8);
	buf[*len + 1] = (uint8_t)rdlen;
	memcpy(buf + *len + 2, rd, rdlen);
	*len += 2 + (uint32_t)rdlen;
	(*count)++;
}

static inline void put_rr(uint8_t *buf, uint32_t *len, uint16_t *count,
			  const ldns_rr *rr)
{
	ldns_buffer *b = ldns_buffer_new(4096);

	ldns_rr_rdata2buffer_wire(b, rr);
	put_rdata(buf, len, count, ldns_buffer_begin(b),
		  ldns_buffer_position(b));
	ldns_buffer_free(b);
}

static inline ldns_rr *mkrr(const char *s)
{
	ldns_rr *rr = NULL;

	if (ldns_rr_new_frm_str(&rr, s, 3600, NULL, NULL) != LDNS_STATUS_OK) {
		printf("bad rr %s\n", s);
		exit(2);
	}
	return rr;
}
#endif
