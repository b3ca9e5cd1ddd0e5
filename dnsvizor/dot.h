/*
 * DNS over TLS to upstream servers (RFC 7858), for the resolver shell.
 *
 * One TLS connection per (server address, certificate name), opened on
 * the first query and kept for later ones: queries are pipelined with
 * the 2-byte length framing of RFC 1035 4.2.2 and replies matched by
 * DNS id (RFC 7766 6.2.1.1).  A connection with nothing outstanding is
 * closed after DV_DOT_IDLE seconds; a closed one is opened again by the
 * next query.
 *
 * The server's certificate must chain to the default trust store
 * (SSL_CERT_FILE / SSL_CERT_DIR honoured) and carry the configured name
 * (or, with no name, the server's IP address); TLS 1.2 or later.  A
 * query is never sent before the handshake has verified the peer.
 *
 * Results come back through the callback given to dv_dot_new, always
 * from the event loop, never from inside dv_dot_send: msg != NULL is a
 * reply (its id restored to the one of the query), msg == NULL a
 * failure (connection refused, certificate rejected, closed, no answer
 * within DV_DOT_QLIFE seconds).  This is the only file of the shell that
 * includes OpenSSL for the DNS client side.
 */
#ifndef DV_DOT_H
#define DV_DOT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dnsvizor/dnsvizor.h"

struct event_base;
typedef struct dv_dot dv_dot;

typedef void (*dv_dot_cb)(void *arg, uint64_t txn, unsigned gen,
			  const uint8_t *msg, size_t len);

/* NULL with a reason in err (TLS context or trust store). */
dv_dot *dv_dot_new(struct event_base *base, const dv_logger *lg,
		   dv_dot_cb cb, void *arg, char *err, size_t errlen);
/* Closes every connection; no callback is made for what was waiting. */
void dv_dot_free(dv_dot *d);

/*
 * Send msg to the server at sa (connecting from src when src != NULL),
 * whose certificate must match name (NULL or "": the IP address).
 * txn and gen come back in the callback.  0, or -1 when it cannot be
 * queued at all (limits, out of memory, socket): then no callback.
 */
int dv_dot_send(dv_dot *d, const struct sockaddr *sa, socklen_t sl,
		const struct sockaddr *src, socklen_t srclen,
		const char *name, uint64_t txn, unsigned gen,
		const uint8_t *msg, size_t len);

#endif
