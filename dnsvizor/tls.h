/*
 * dnsvizor/tls.h — server-side TLS for DNS over TLS (RFC 7858) and DNS
 * over HTTPS (RFC 8484) listeners.
 *
 * One SSL_CTX is current at a time: TLS 1.2 or later, ECDHE suites with
 * AEAD or SHA-2 MACs for 1.2 (OpenSSL's TLS 1.3 defaults), session cache
 * and tickets for resumption, ALPN "h2" / "http/1.1" on DoH listeners
 * and "dot" (when offered) on DoT listeners.  A connection takes a
 * reference to the SSL_CTX current when it is accepted; dv_tls_reload
 * builds a fresh one for later connections, so a reload never drops or
 * disturbs an open connection.
 *
 * Certificate and key (PEM; the certificate file may carry the chain)
 * come from --tls-cert / --tls-key (the key defaults to the certificate
 * file), else from the files given to dv_tls_set_files (the ACME shell:
 * STATE/certs/NAME.crt and .key).
 */
#ifndef DV_TLS_H
#define DV_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "dnsvizor/ctx.h"

struct bufferevent;

/* Start-up, before privileges are dropped: with --dot-port or --doh-port,
 * load the certificate and key.  0, or -1 with the reason in err (no
 * certificate configured, unreadable files, key does not match). */
int dv_tls_init(dv_ctx *ctx, char *err, size_t errlen);

/*
 * Re-read the certificate and key into a new SSL_CTX for new
 * connections (SIGHUP, and the ACME shell after a renewal).  0, or -1
 * (logged) when they cannot be loaded: the running context stays.
 */
int dv_tls_reload(dv_ctx *ctx);

/* ACME hook: the files to use when --tls-cert is not given (copied). Takes
 * effect at the next dv_tls_init / dv_tls_reload.  When the certificate
 * file does not exist yet at dv_tls_init, start-up goes on with TLS
 * connections refused (closed at accept) until a dv_tls_reload loads it.
 * 0 or -1 (memory). */
int dv_tls_set_files(dv_ctx *ctx, const char *cert, const char *key);

/* 1 if TLS listeners are configured (--dot-port or --doh-port). */
int dv_tls_wanted(const dv_config *cfg);

void dv_tls_free(dv_ctx *ctx);

/* A server-side TLS bufferevent on accepted socket fd for a connection
 * of kind DV_CONN_DOT / DV_CONN_DOH, or NULL (fd then not closed). */
struct bufferevent *dv_tls_bev(dv_ctx *ctx, int fd, int kind);

#endif
