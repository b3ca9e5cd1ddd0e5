/*
 * DNS over HTTPS (RFC 8484) request handling, without I/O.
 *
 * A doh_sess is one client connection after the TLS handshake, speaking
 * HTTP/2 (ALPN "h2", framing by libnghttp2) or HTTP/1.1.  The shell feeds
 * it the bytes it read (doh_input); the session calls io->query for each
 * valid request with the DNS message it carries (GET ?dns= base64url or
 * POST application/dns-message at /dns-query) and io->send with the bytes
 * to write back.  The shell answers a query with doh_reply (at once, from
 * inside io->query, or later from the resolver) or doh_fail.
 *
 * Answers are 200 application/dns-message with cache-control max-age the
 * smallest TTL of the message (RFC 8484 5.1).  Errors: 400 (malformed:
 * no dns parameter, bad base64url, a DNS message shorter than a header),
 * 404 (another path), 405 (another method), 413 (body or dns parameter
 * over DOH_MAXMSG), 415 (POST without application/dns-message), 431 / 400
 * (headers over DOH_MAXHDR), 501 (HTTP/1.1 transfer codings).
 *
 * Bounds: DOH_MAXSTREAMS concurrent HTTP/2 streams (SETTINGS and a
 * RST_STREAM beyond it), DOH_MAXHDR bytes of header fields per request,
 * DOH_MAXMSG bytes of body, DOH_MAXBODIES bytes of bodies held by one
 * HTTP/2 connection.  HTTP/1.1 requests are answered one at a
 * time in order: doh_input consumes nothing while one is outstanding, so
 * the rest waits in the shell's input buffer.
 *
 * No libevent, no sockets, no clock: compiled into the fuzz target.
 */
#ifndef DV_DOH_H
#define DV_DOH_H

#include <stddef.h>
#include <stdint.h>

enum {
	DOH_MAXMSG = 65535,         /* largest DNS message (body, dns=) */
	DOH_MAXHDR = 8192,          /* header bytes per request */
	DOH_MAXSTREAMS = 100,       /* concurrent HTTP/2 streams */
	DOH_MAXBODIES = 1 << 20,    /* request body bytes held at once by
				       one HTTP/2 connection (413 beyond) */
};

typedef struct doh_sess doh_sess;

typedef struct doh_io {
	/* A DNS query on stream sid (HTTP/1.1: a request counter).  q is
	 * valid during the call only. */
	void (*query)(void *arg, uint32_t sid, const uint8_t *q, size_t len);
	/* Bytes for the client, in order.  0, or -1 (the session stops). */
	int (*send)(void *arg, const uint8_t *p, size_t len);
	void *arg;
} doh_io;

/* h2: 1 for HTTP/2 (ALPN "h2"), 0 for HTTP/1.1 (which switches to HTTP/2
 * when the client sends the HTTP/2 connection preface).  NULL: no memory. */
doh_sess *doh_new(int h2, const doh_io *io);
void doh_free(doh_sess *s);

/*
 * Received bytes.  Returns how many were consumed (less than len for
 * HTTP/1.1 while a request is outstanding or incomplete: pass the rest
 * again later, with more), or -1 when the connection is finished (a
 * protocol error or the client's "Connection: close"): send what is
 * queued, then close.
 */
long doh_input(doh_sess *s, const uint8_t *p, size_t len);

/* The answer to the query on sid; ignored when the stream is gone.
 * 0, or -1 (the session failed: close it). */
int doh_reply(doh_sess *s, uint32_t sid, const uint8_t *msg, size_t len);
/* An HTTP error status instead of an answer (e.g. 400: no DNS answer). */
int doh_fail(doh_sess *s, uint32_t sid, int status);

/* Queries handed out and not answered yet. */
int doh_pending(const doh_sess *s);
/* 1 when the session wants no more input (after an error, a GOAWAY or
 * "Connection: close"): close once the output is written. */
int doh_done(const doh_sess *s);

/* Decode unpadded base64url (RFC 4648 5; trailing '=' tolerated) into
 * out.  Returns the length, or -1 (bad character, impossible length, or
 * more than cap). */
long doh_b64url_decode(const char *in, size_t len, uint8_t *out, size_t cap);

/* Smallest TTL over the records of a DNS message (OPT excluded; for a
 * negative answer the SOA's TTL, capped by its MINIMUM field, counts), or
 * 0 when there is none or the message is malformed. */
uint32_t doh_min_ttl(const uint8_t *msg, size_t len);

#endif
