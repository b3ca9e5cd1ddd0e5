/*
 * libFuzzer target: the DoH request parser (dnsvizor/doh.c), without
 * libevent or TLS.  The first byte picks the mode:
 *   0  HTTP/1.1 bytes, fed in chunks the way the shell does (unconsumed
 *      bytes are passed again with the next chunk)
 *   1  HTTP/2: the connection preface, then the bytes as frames
 *   2  the rest as a DNS message, wrapped in a GET ?dns= and a POST
 *      request (HTTP/1.1), so the DNS seeds reach the RFC 8484 checks
 *   3  doh_b64url_decode and doh_min_ttl on the rest
 * Queries are answered at once (echoing the query as the answer), with
 * an error status, or after the input (as the resolver would), by the
 * bits of the first byte.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsvizor/doh.h"

enum { MAXLATER = 256, BUFMAX = 80 * 1024 };

static struct {
	doh_sess *s;
	unsigned mode;
	uint32_t later[MAXLATER];
	size_t nlater;
	size_t out;
} F;

static void fz_query(void *arg, uint32_t sid, const uint8_t *q, size_t len)
{
	(void)arg;
	if (F.mode & 0x10)
		doh_reply(F.s, sid, q, len);
	else if (F.mode & 0x20)
		doh_fail(F.s, sid, 400);
	else if (F.nlater < MAXLATER)
		F.later[F.nlater++] = sid;
}

static int fz_send(void *arg, const uint8_t *p, size_t len)
{
	(void)arg;
	if (len)
		F.out += p[0] + p[len - 1];
	return 0;
}

/* Feed data in chunks, keeping the unconsumed tail like the shell. */
static void fz_feed(const uint8_t *data, size_t size)
{
	static uint8_t buf[BUFMAX];
	size_t have = 0, off = 0, chunk;
	long n;

	while (off < size && !doh_done(F.s)) {
		chunk = 1 + (data[off] % 97) * 13;
		if (chunk > size - off)
			chunk = size - off;
		if (have + chunk > sizeof(buf))
			break;   /* the shell's read watermark */
		memcpy(buf + have, data + off, chunk);
		have += chunk;
		off += chunk;
		n = doh_input(F.s, buf, have);
		if (n < 0)
			break;
		memmove(buf, buf + n, have - (size_t)n);
		have -= (size_t)n;
		/* answer what waits, as the resolver would later */
		while (F.nlater > 0) {
			static const uint8_t ans[12] = { 0, 0, 0x81, 0x80 };

			doh_reply(F.s, F.later[--F.nlater], ans, sizeof(ans));
		}
	}
}

static char *b64url(const uint8_t *p, size_t n)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
				"qrstuvwxyz0123456789-_";
	char *o = malloc(n * 4 / 3 + 4), *w = o;
	size_t i;
	uint32_t v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		*w++ = a[v >> 18];
		*w++ = a[(v >> 12) & 63];
		*w++ = a[(v >> 6) & 63];
		*w++ = a[v & 63];
	}
	if (n - i == 1) {
		*w++ = a[p[i] >> 2];
		*w++ = a[(p[i] & 3) << 4];
	} else if (n - i == 2) {
		v = (uint32_t)p[i] << 8 | p[i + 1];
		*w++ = a[v >> 10];
		*w++ = a[(v >> 4) & 63];
		*w++ = a[(v & 15) << 2];
	}
	*w = '\0';
	return o;
}

static void fz_wrapped(const uint8_t *m, size_t n)
{
	char *b = b64url(m, n);
	size_t cap = strlen(b) + n + 512, len;
	uint8_t *req = malloc(cap);

	len = (size_t)snprintf((char *)req, cap,
			       "GET /dns-query?dns=%s HTTP/1.1\r\nHost: x\r\n\r\n"
			       "POST /dns-query HTTP/1.1\r\n"
			       "Content-Type: application/dns-message\r\n"
			       "Content-Length: %zu\r\n\r\n", b, n);
	memcpy(req + len, m, n);
	fz_feed(req, len + n);
	free(req);
	free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
	doh_io io = { fz_query, fz_send, NULL };
	uint8_t dec[DOH_MAXMSG];

	if (size < 1)
		return 0;
	memset(&F, 0, sizeof(F));
	F.mode = data[0];
	data++;
	size--;
	if ((F.mode & 3) == 3) {
		doh_b64url_decode((const char *)data, size, dec, sizeof(dec));
		doh_min_ttl(data, size);
		return 0;
	}
	F.s = doh_new((F.mode & 3) == 1, &io);
	if (!F.s)
		return 0;
	if ((F.mode & 3) == 1) {
		uint8_t *b = malloc(sizeof(preface) - 1 + size + 1);

		memcpy(b, preface, sizeof(preface) - 1);
		memcpy(b + sizeof(preface) - 1, data, size);
		fz_feed(b, sizeof(preface) - 1 + size);
		free(b);
	} else if ((F.mode & 3) == 2) {
		fz_wrapped(data, size);
	} else {
		fz_feed(data, size);
	}
	doh_free(F.s);
	return 0;
}
