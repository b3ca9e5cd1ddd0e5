/*
 * dnsvizor/acme_dns.h — the DNS side of the ACME shell (acme_shell.h):
 * DNS-01 TXT records published in a zone we are primary for (through
 * the zones' UPDATE path, synced at once) or at the --dns-server (an RFC
 * 2136 UPDATE, TSIG-signed with the first --dns-key), waiting until they
 * are served, and the robur TLSA convention in our zones
 * (_letsencrypt._tcp.HOST TLSA 3 255 0 = CSR -> 3 0 0 / 2 0 0 = issued
 * certificate and its CA chain).
 *
 * The protocol logic is in zones/ (updclient.c, serialwait.c, tlsa.c);
 * this file moves bytes over UDP sockets and arms timers.  Those sockets
 * are kept in small send/receive functions so that they can move onto
 * the shell's outgoing-query service.
 *
 * "Published" means: in our zone, every --notify target of that zone
 * serves a SOA serial at least the one our change made (a query a
 * second, up to 120 s); at the --dns-server, it serves the TXT and then
 * so does every name server of the zone it names (with glue).
 *
 * It knows nothing of the ACME engine: what it finds goes back through
 * the callbacks the ACME shell gives it.
 */
#ifndef DV_ACME_DNS_H
#define DV_ACME_DNS_H

#include <stddef.h>
#include <stdint.h>

#include "dnsvizor/ctx.h"

typedef struct dv_acme_dns dv_acme_dns;

typedef struct dv_acme_dns_cb {
	void *arg;
	/* A wait ended: why is NULL when the record is served. */
	void (*published)(void *arg, const char *token, const char *why);
	/* A TLSA name of ours holds a CSR to order a certificate for, under
	 * order id `id`: 0 ordered; -1 no engine now (err; asked again at
	 * the next scan); -2 the order was refused (err; not again until
	 * the CSR changes). */
	int (*order_csr)(void *arg, const char *id, const uint8_t *csr,
			 size_t len, char *err, size_t errlen);
	/* The CSR of that order is gone. */
	void (*order_gone)(void *arg, const char *id);
	/* Something was handed to the engine: let it act. */
	void (*kick)(void *arg);
} dv_acme_dns_cb;

/* NULL when out of memory.  The TLSA scan starts when --zone is given. */
dv_acme_dns *dv_acme_dns_new(dv_ctx *ctx, const dv_acme_dns_cb *cb);
void dv_acme_dns_free(dv_acme_dns *d);

/* DNS-01: publish / remove name TXT txt (in our zone, else at the
 * --dns-server).  A failure to publish is remembered and reported by
 * the next wait for that name. */
void dv_acme_dns_publish(dv_acme_dns *d, const char *name, const char *txt);
void dv_acme_dns_unpublish(dv_acme_dns *d, const char *name,
			   const char *txt);
/* Wait until name TXT txt is served; cb->published(token, ...) follows
 * (possibly before this returns). */
void dv_acme_dns_wait(dv_acme_dns *d, const char *name, const char *txt,
		      const char *token);

/* A certificate for the TLSA order id was issued: publish der[0..n)
 * (leaf first) at its _letsencrypt._tcp name.  0, or -1 when id is not
 * a TLSA order we serve (logged). */
int dv_acme_dns_tlsa_store(dv_acme_dns *d, const char *id,
			   const uint8_t *const *der, const size_t *len,
			   int n);

#endif
