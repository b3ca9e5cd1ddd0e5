/*
 * dnsvizor/acme_tlsa.h — the robur TLSA convention in the zones we are
 * primary for (zones/tlsa.h has the records):
 * _letsencrypt._tcp.HOST TLSA 3 255 0 = CSR -> 3 0 0 / 2 0 0 = issued
 * certificate and its CA chain.
 *
 * Every second the --zone zones whose serial moved (all of them once an
 * hour) are scanned; a name holding exactly one CSR becomes an order
 * "tlsa-HOST" of the ACME engine unless its certificate is there, valid
 * and not expiring; a CSR that goes drops its order.  The issued chain
 * is published back with one UPDATE (journal synced at once).
 *
 * It knows nothing of the ACME engine: orders go through the callbacks
 * the ACME shell gives it.
 */
#ifndef DV_ACME_TLSA_H
#define DV_ACME_TLSA_H

#include <stddef.h>
#include <stdint.h>

#include "dnsvizor/ctx.h"

typedef struct dv_acme_tlsa dv_acme_tlsa;

typedef struct dv_acme_tlsa_cb {
	void *arg;
	/* Order a certificate for csr under order id `id`: 0 ordered; -1
	 * no engine now (err; asked again at the next scan of that zone);
	 * -2 the order was refused (err; not again until the CSR
	 * changes). */
	int (*order_csr)(void *arg, const char *id, const uint8_t *csr,
			 size_t len, char *err, size_t errlen);
	/* The CSR of that order is gone. */
	void (*order_gone)(void *arg, const char *id);
	/* A scan ended: let the engine act. */
	void (*kick)(void *arg);
} dv_acme_tlsa_cb;

/* NULL when out of memory.  Scans only when --zone is given. */
dv_acme_tlsa *dv_acme_tlsa_new(dv_ctx *ctx, const dv_acme_tlsa_cb *cb);
void dv_acme_tlsa_free(dv_acme_tlsa *t);

/* A certificate for the TLSA order id was issued: publish der[0..n)
 * (leaf first) at its _letsencrypt._tcp name.  0, or -1 when id is not
 * a TLSA order of a zone we serve (logged). */
int dv_acme_tlsa_store(dv_acme_tlsa *t, const char *id,
		       const uint8_t *const *der, const size_t *len, int n);

#endif
