/*
 * zones/tlsa.h — the robur TLSA convention for certificate requests kept
 * in a zone (as robur's dns-certify / dns-letsencrypt-secondary use it):
 *
 *   _letsencrypt._tcp.HOST TLSA 3 255 0 <DER CSR>    one request
 *   _letsencrypt._tcp.HOST TLSA 3 0 0   <DER cert>   the issued certificate
 *   _letsencrypt._tcp.HOST TLSA 2 0 0   <DER cert>   its CA chain, each
 *
 * A name holding exactly one CSR asks for a certificate for HOST; the
 * certificate is published back at the same name (the chain replaces the
 * earlier 3 0 0 / 2 0 0 records in one UPDATE).
 *
 * Sans-IO: reads zone data, writes UPDATE messages; the shell turns PEM
 * into DER, talks to the CA and applies the message.
 */
#ifndef DV_TLSA_H
#define DV_TLSA_H

#include "zones/zones.h"

enum {
	DNS_T_TLSA = 52,
	ZONE_TLSA_TTL = 3600,         /* of the published certificates */
	ZONE_TLSA_HOSTMAX = WIRE_MAXNAME * 4,
};

/* 1 if lname (wire) is _letsencrypt._tcp.HOST with a non-empty HOST. */
int zone_tlsa_is_le(const uint8_t *lname);
/* HOST of a _letsencrypt._tcp.HOST name, presentation form without the
 * trailing dot (an order id's stem).  0 or -1. */
int zone_tlsa_host(const uint8_t *lname, char *out, size_t cap);

/* The _letsencrypt._tcp names of z (lowercased wire), malloc'ed into
 * *names (caller frees); their number, or -1 when out of memory. */
int zone_tlsa_names(const zone *z, uint8_t (**names)[WIRE_MAXNAME]);

/* What a _letsencrypt._tcp name holds: how many CSRs (3 255 0), the
 * last of them, and the first certificate (3 0 0).  Pointers into z's
 * data, valid while z is unchanged. */
typedef struct zone_tlsa_req {
	int ncsr;
	const uint8_t *csr;
	size_t csr_len;
	const uint8_t *crt;
	size_t crt_len;
} zone_tlsa_req;
void zone_tlsa_read(const zone *z, const uint8_t *lname, zone_tlsa_req *r);

/*
 * The UPDATE of zone z that publishes a certificate chain at lname:
 * every 3 0 0 and 2 0 0 TLSA there deleted, der[0] added as 3 0 0 and
 * der[1..n) as 2 0 0 (TTL ZONE_TLSA_TTL).  Into buf; its length, or -1
 * when it does not fit or n is 0.
 */
long zone_tlsa_cert_update(const zone *z, const uint8_t *lname,
			   const uint8_t *const *der, const size_t *derlen,
			   int n, uint8_t *buf, size_t cap);

#endif
