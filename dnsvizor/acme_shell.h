/*
 * dnsvizor/acme_shell.h — the I/O side of the ACME engine (acme/acme.h):
 * HTTPS to the CA (libevent evhttp over bufferevent_openssl, chain and
 * host name verified) and files in the state directory.  It drives the
 * DNS side: DNS-01 TXT records and waiting until they are served
 * (acme_dns.h), and the robur TLSA convention (acme_tlsa.h:
 * _letsencrypt._tcp.HOST TLSA 3 255 0 = CSR -> 3 0 0 / 2 0 0 = issued
 * certificate and its CA chain).
 *
 * Files (the state directory):
 *   acme/account.key   account key, PEM, 0600
 *   acme/account.url   the account's URL at the CA
 *   acme/state.json    the engine's in-flight state (acme_state_save)
 *   certs/STEM.key     certificate key, 0600   (STEM: the first name of
 *   certs/STEM.crt     certificate chain         the --acme-cert, '*'->'_')
 * All written atomically (temporary file, fsync, rename, directory fsync).
 *
 * Nothing talks to the CA unless --acme-cert is given or a TLSA 3 255 0
 * record appears in a zone we are primary for.
 */
#ifndef DV_ACME_SHELL_H
#define DV_ACME_SHELL_H

#include <stddef.h>

#include "dnsvizor/ctx.h"

/* Before dv_tls_init: point tls.c at the first --acme-cert's files
 * (unless --tls-cert is given). */
void dv_acme_tls_files(dv_ctx *ctx);
/* After the event loop exists and privileges are dropped: load the
 * account and state, start the engine and the TLSA scan. 0 or -1 + err. */
int dv_acme_start(dv_ctx *ctx, char *err, size_t errlen);
/* SIGHUP: restart with the new configuration (state kept on disk). */
void dv_acme_reload(dv_ctx *ctx);
/* Save the state and free everything. */
void dv_acme_stop(dv_ctx *ctx);

#endif
