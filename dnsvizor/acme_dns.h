/*
 * dnsvizor/acme_dns.h — the DNS-01 side of the ACME shell
 * (acme_shell.h): TXT records published in a zone we are primary for
 * (through the zones' UPDATE path, synced at once) or at the --dns-server
 * (an RFC 2136 UPDATE, TSIG-signed with the first --dns-key), and waiting
 * until they are served.  (The robur TLSA convention: acme_tlsa.h.)
 *
 * The protocol logic is in zones/ (updclient.c, serialwait.c); every
 * query goes out through the shell's outgoing-query service (outq.h:
 * ids, ports, matching, retries); acme_dns.c keeps the steps and the
 * one-a-second poll rounds.
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
} dv_acme_dns_cb;

/* NULL when out of memory. */
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

/* Apply an UPDATE message of one of our zones (built with
 * zones/updclient.c; len < 0: it could not be built) and sync the journal
 * at once: the CA or a TLSA reader is told to look only after this
 * returns.  name is for log lines.  0 or -1 (logged). */
int dv_acme_apply(dv_ctx *ctx, const uint8_t *msg, long len,
		  const char *name);

#endif
