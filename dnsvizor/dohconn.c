/*
 * DoH connections (RFC 8484): the glue between a stream connection of
 * kind DV_CONN_DOH (net.c's dv_tcp_conn on a TLS bufferevent) and its
 * HTTP session (doh.c).  net.c reaches it only through ctx->doh_ops
 * (dv_conn_ops), set by main; this file calls net.c's connection
 * functions (dv_conn_query, dv_tcp_touch, dv_tcp_close), so the calls
 * go one way.
 */
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/ssl.h>

#include "dnsvizor/doh.h"
#include "dnsvizor/dohconn.h"
#include "dnsvizor/net.h"

enum { DV_DOH_LINGER = 2 };  /* seconds a closing connection is drained */


static void dv_doh_query(void *arg, uint32_t sid, const uint8_t *q,
			 size_t len)
{
	dv_conn_query(arg, q, len, sid);
}

static int dv_doh_send(void *arg, const uint8_t *p, size_t len)
{
	dv_tcp_conn *c = arg;

	return bufferevent_write(c->bev, p, len) == 0 ? 0 : -1;
}

/* The session, made on the first bytes after the handshake (ALPN). */
static doh_sess *dv_doh_sess(dv_tcp_conn *c)
{
	const unsigned char *alpn = NULL;
	unsigned int alen = 0;
	SSL *ssl = bufferevent_openssl_get_ssl(c->bev);
	doh_io io = { dv_doh_query, dv_doh_send, c };

	if (!c->doh) {
		if (ssl)
			SSL_get0_alpn_selected(ssl, &alpn, &alen);
		c->doh = doh_new(alen == 2 && memcmp(alpn, "h2", 2) == 0, &io);
	}
	return c->doh;
}

/* Feed the input to the session while the output is not backed up. */
static void dv_doh_feed(dv_tcp_conn *c, doh_sess *s)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct evbuffer *out = bufferevent_get_output(c->bev);
	size_t have, take;
	long n;

	while (!doh_done(s) &&
	       evbuffer_get_length(out) < DV_TCP_OUT_HIGH &&
	       (have = evbuffer_get_length(in)) > 0) {
		take = have < DV_DOH_INMAX ? have : DV_DOH_INMAX;
		n = doh_input(s, evbuffer_pullup(in, (ssize_t)take), take);
		if (n > 0) {
			evbuffer_drain(in, (size_t)n);
			dv_tcp_touch(c);
		}
		if (n <= 0 || (size_t)n < take)
			break;
	}
}

/*
 * The session is over (an error answered, GOAWAY, Connection: close) or
 * the client has closed.  Lingering close (RFC 9112 9.6): what the
 * client still sends is read and dropped, so that closing with unread
 * input cannot reset the connection before the client has read our last
 * answer (a 413 in the middle of its upload).  Once every answer is out
 * the write side is shut (the client sees the end) and the connection
 * closes at the client's end of stream, or DV_DOH_LINGER seconds later.
 * 0, or -1 if c was closed.
 */
static int dv_doh_linger(dv_tcp_conn *c, doh_sess *s)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct evbuffer *out = bufferevent_get_output(c->bev);
	struct timeval tv = { DV_DOH_LINGER, 0 };

	evbuffer_drain(in, evbuffer_get_length(in));
	/* the write callback fires again only when all is out */
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
	if (doh_pending(s) > 0 || evbuffer_get_length(out) > 0)
		return 0;
	if (c->eof) {
		dv_tcp_close(c);
		return -1;
	}
	if (!c->lingering) {
		c->lingering = 1;
		shutdown(bufferevent_getfd(c->bev), SHUT_WR);
		event_add(c->timer, &tv);
	}
	bufferevent_enable(c->bev, EV_READ);
	return 0;
}

static int dv_doh_process(dv_tcp_conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	doh_sess *s = dv_doh_sess(c);

	if (!s) {
		dv_tcp_close(c);
		return -1;
	}
	dv_doh_feed(c, s);
	if (doh_done(s) || c->eof)
		return dv_doh_linger(c, s);
	if (evbuffer_get_length(out) >= DV_TCP_OUT_HIGH)
		bufferevent_disable(c->bev, EV_READ);
	else
		bufferevent_enable(c->bev, EV_READ);
	return 0;
}

static void dv_doh_reply(dv_tcp_conn *c, uint32_t tag, const uint8_t *msg,
		  size_t len)
{
	if (!c->doh)
		return;
	if (msg)
		doh_reply(c->doh, tag, msg, len);
	else
		doh_fail(c->doh, tag, 400);
}

static void dv_doh_conn_free(dv_tcp_conn *c)
{
	doh_free(c->doh);
	c->doh = NULL;
}

const dv_conn_ops dv_doh_ops = {
	.process = dv_doh_process,
	.reply = dv_doh_reply,
	.free = dv_doh_conn_free,
};
