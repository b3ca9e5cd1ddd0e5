/*
 * DNS over HTTPS request handling (see doh.h).
 *
 * Both HTTP versions reduce a request to a doh_req (method, path,
 * content type, body); doh_req_msg then applies RFC 8484 and finds the
 * DNS message.  HTTP/2 framing, HPACK and flow control are libnghttp2's,
 * driven through its memory interface (mem_recv / mem_send), so nothing
 * here touches a socket.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <nghttp2/nghttp2.h>

#include "dnsvizor/doh.h"
#include "zones/zones.h"

enum { M_NONE, M_GET, M_POST, M_OTHER };

typedef struct doh_req {
	int method;
	char *path;                 /* malloc'd, NUL-terminated */
	int ctype, ctype_ok;        /* content-type seen / is dns-message */
	int hdr_err;                /* an HTTP status decided while parsing */
	size_t hdrbytes;
	uint8_t *body;              /* malloc'd (HTTP/2) or borrowed (1.1) */
	size_t blen;
	int body_big;
} doh_req;

/* One HTTP/2 stream with a request. */
typedef struct h2_stream {
	struct h2_stream *prev, *next;  /* the session's streams */
	doh_req r;
	int dispatched, answered;
	uint8_t *resp;
	size_t rlen, roff;
} h2_stream;

struct doh_sess {
	doh_io io;
	int h2;
	nghttp2_session *ng;
	int in_input;               /* inside doh_input: no mem_send yet */
	int done, failed;
	int pending;
	int nstreams;
	size_t body_bytes;          /* request bodies held, all streams */
	h2_stream *streams;         /* nghttp2_session_del does not close
				       them: freed by doh_free */
	/* HTTP/1.1 */
	uint32_t h1_sid;            /* id of the request being answered */
	int h1_wait;                /* a request is outstanding */
	int h1_close;               /* close after its answer */
	int h1_seen;                /* a request was parsed (no h2 switch) */
	int h1_continued;           /* 100 Continue sent for this request */
	uint8_t scratch[DOH_MAXMSG];/* GET: the decoded dns= parameter */
};

static const char H2_PREFACE[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/* ------------------------------------------------------------------ */
/* message helpers                                                    */
/* ------------------------------------------------------------------ */

long doh_b64url_decode(const char *in, size_t len, uint8_t *out, size_t cap)
{
	return wire_b64_decode(in, len, 1, out, cap);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* Offset after the (possibly compressed) name at off, or 0. */
static size_t skip_name(const uint8_t *m, size_t len, size_t off)
{
	while (off < len) {
		uint8_t l = m[off];

		if (l == 0)
			return off + 1;
		if ((l & 0xc0) == 0xc0)
			return off + 2 <= len ? off + 2 : 0;
		if (l & 0xc0)
			return 0;
		off += 1u + l;
	}
	return 0;
}

uint32_t doh_min_ttl(const uint8_t *m, size_t len)
{
	uint32_t best = UINT32_MAX, ttl;
	size_t off = 12, i, nq, nr;
	uint16_t type, rdlen;

	if (len < 12)
		return 0;
	nq = get16(m + 4);
	nr = (size_t)get16(m + 6) + get16(m + 8) + get16(m + 10);
	for (i = 0; i < nq; i++) {
		off = skip_name(m, len, off);
		if (!off || off + 4 > len)
			return 0;
		off += 4;
	}
	for (i = 0; i < nr; i++) {
		off = skip_name(m, len, off);
		if (!off || off + 10 > len)
			return 0;
		type = get16(m + off);
		ttl = get32(m + off + 4);
		rdlen = get16(m + off + 8);
		off += 10;
		if (off + rdlen > len)
			return 0;
		if (ttl & 0x80000000u)
			ttl = 0;
		if (type == 6 && rdlen >= 4 && get32(m + off + rdlen - 4) < ttl)
			ttl = get32(m + off + rdlen - 4);  /* SOA MINIMUM */
		if (type != 41 && ttl < best)
			best = ttl;
		off += rdlen;
	}
	return best == UINT32_MAX ? 0 : best;
}

static const char *status_text(int st)
{
	switch (st) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 413: return "Payload Too Large";
	case 411: return "Length Required";
	case 415: return "Unsupported Media Type";
	case 431: return "Request Header Fields Too Large";
	case 501: return "Not Implemented";
	case 505: return "HTTP Version Not Supported";
	default: return "Error";
	}
}

/* Media type without parameters is application/dns-message? */
static int ctype_is_dns(const char *v, size_t n)
{
	static const char want[] = "application/dns-message";
	size_t w = sizeof(want) - 1;

	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	if (n < w || strncasecmp(v, want, w) != 0)
		return 0;
	return n == w || v[w] == ';' || v[w] == ' ';
}

/* The dns= parameter of a query string ("a=b&dns=...&c"), or NULL. */
static const char *find_dns_param(const char *qs, size_t *vlen)
{
	const char *p = qs, *amp;

	while (p && *p) {
		amp = strchr(p, '&');
		if (strncmp(p, "dns=", 4) == 0) {
			*vlen = amp ? (size_t)(amp - p - 4) : strlen(p + 4);
			return p + 4;
		}
		p = amp ? amp + 1 : NULL;
	}
	return NULL;
}

/*
 * RFC 8484 on a parsed request: 200 with the DNS message in msg and len
 * (the body, or the dns= parameter decoded into scratch), else the HTTP
 * status to answer with.
 */
static int doh_req_msg(const doh_req *r, uint8_t *scratch,
		       const uint8_t **msg, size_t *len)
{
	const char *q, *v;
	size_t plen, vlen = 0;
	long n;

	if (r->hdr_err)
		return r->hdr_err;
	if (!r->path || r->path[0] != '/')
		return 400;
	q = strchr(r->path, '?');
	plen = q ? (size_t)(q - r->path) : strlen(r->path);
	if (plen != 10 || strncmp(r->path, "/dns-query", 10) != 0)
		return 404;
	if (r->method == M_POST) {
		if (!r->ctype_ok)
			return 415;
		if (r->body_big)
			return 413;
		if (r->blen < 12)
			return 400;
		*msg = r->body;
		*len = r->blen;
		return 200;
	}
	if (r->method != M_GET)
		return r->method == M_NONE ? 400 : 405;
	v = q ? find_dns_param(q + 1, &vlen) : NULL;
	if (!v)
		return 400;
	if (vlen > (size_t)DOH_MAXMSG / 3 * 4 + 4)
		return 413;
	n = doh_b64url_decode(v, vlen, scratch, DOH_MAXMSG);
	if (n < 12)
		return 400;
	*msg = scratch;
	*len = (size_t)n;
	return 200;
}

static int method_of(const char *v, size_t n)
{
	if (n == 3 && memcmp(v, "GET", 3) == 0)
		return M_GET;
	if (n == 4 && memcmp(v, "POST", 4) == 0)
		return M_POST;
	return M_OTHER;
}

static void req_clear(doh_req *r, int own_body)
{
	free(r->path);
	if (own_body)
		free(r->body);
	memset(r, 0, sizeof(*r));
}

/* ------------------------------------------------------------------ */
/* HTTP/1.1                                                           */
/* ------------------------------------------------------------------ */

static int h1_send_head(doh_sess *s, int st, size_t clen, uint32_t ttl,
			int close)
{
	char h[256];
	int n;

	if (st == 200)
		n = snprintf(h, sizeof(h), "HTTP/1.1 200 OK\r\n"
			     "Content-Type: application/dns-message\r\n"
			     "Content-Length: %zu\r\n"
			     "Cache-Control: max-age=%u\r\n%s\r\n", clen, ttl,
			     close ? "Connection: close\r\n" : "");
	else
		n = snprintf(h, sizeof(h), "HTTP/1.1 %d %s\r\n%s"
			     "Content-Length: 0\r\n%s\r\n", st,
			     status_text(st),
			     st == 405 ? "Allow: GET, POST\r\n" : "",
			     close ? "Connection: close\r\n" : "");
	return s->io.send(s->io.arg, (const uint8_t *)h, (size_t)n);
}

/* Find the end of the header block in p[0..len): offset after the empty
 * line, 0 when not there yet. */
static size_t h1_head_end(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i++) {
		if (p[i] != '\n')
			continue;
		if (p[i + 1] == '\n')
			return i + 2;
		if (p[i + 1] == '\r' && i + 2 < len && p[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

typedef struct h1_head {
	int keepalive, chunked, expect;
	long clen;                  /* -1: none */
} h1_head;

static int h1_header(doh_req *r, h1_head *hh, const char *name, size_t nl,
		     const char *v, size_t vl)
{
	char num[16];
	long n;
	char *end;

	if (nl == 14 && strncasecmp(name, "content-length", 14) == 0) {
		if (vl == 0 || vl >= sizeof(num))
			return vl ? 413 : 400;
		memcpy(num, v, vl);
		num[vl] = '\0';
		if (!isdigit((unsigned char)num[0]))
			return 400;
		n = strtol(num, &end, 10);
		if (*end || (hh->clen >= 0 && hh->clen != n))
			return 400;
		hh->clen = n;
	} else if (nl == 12 && strncasecmp(name, "content-type", 12) == 0) {
		r->ctype = 1;
		r->ctype_ok = ctype_is_dns(v, vl);
	} else if (nl == 17 &&
		   strncasecmp(name, "transfer-encoding", 17) == 0) {
		hh->chunked = 1;
	} else if (nl == 6 && strncasecmp(name, "expect", 6) == 0) {
		hh->expect = vl == 12 && strncasecmp(v, "100-continue", 12) == 0;
	} else if (nl == 10 && strncasecmp(name, "connection", 10) == 0) {
		if (vl >= 5 && strncasecmp(v, "close", 5) == 0)
			hh->keepalive = 0;
		else if (vl >= 10 && strncasecmp(v, "keep-alive", 10) == 0)
			hh->keepalive = 1;
	}
	return 0;
}

/* Request line "METHOD SP TARGET SP HTTP/1.x"; 0 or a status. */
static int h1_reqline(doh_req *r, h1_head *hh, const char *l, size_t n)
{
	const char *sp1 = memchr(l, ' ', n), *sp2;

	if (!sp1)
		return 400;
	sp2 = memchr(sp1 + 1, ' ', n - (size_t)(sp1 + 1 - l));
	if (!sp2 || sp2 == sp1 + 1)
		return 400;
	r->method = method_of(l, (size_t)(sp1 - l));
	r->path = strndup(sp1 + 1, (size_t)(sp2 - sp1 - 1));
	if (!r->path)
		return 400;
	n -= (size_t)(sp2 + 1 - l);
	l = sp2 + 1;
	if (n == 8 && memcmp(l, "HTTP/1.1", 8) == 0)
		hh->keepalive = 1;
	else if (n == 8 && memcmp(l, "HTTP/1.0", 8) == 0)
		hh->keepalive = 0;
	else
		return 505;
	return 0;
}

/* Parse the header block p[0..hend) into r/hh; 0 or an HTTP status. */
static int h1_parse_head(const uint8_t *p, size_t hend, doh_req *r,
			 h1_head *hh)
{
	const char *l = (const char *)p, *end = l + hend, *nl, *colon;
	size_t n, k;
	int st, first = 1;

	for (; l < end; l = nl + 1) {
		nl = memchr(l, '\n', (size_t)(end - l));
		if (!nl)
			break;
		n = (size_t)(nl - l);
		if (n > 0 && l[n - 1] == '\r')
			n--;
		if (n == 0)
			break;
		if (memchr(l, '\0', n))
			return 400;
		if (first) {
			first = 0;
			if ((st = h1_reqline(r, hh, l, n)) != 0)
				return st;
			continue;
		}
		colon = memchr(l, ':', n);
		if (l[0] == ' ' || l[0] == '\t' || !colon || colon == l)
			return 400;  /* obs-fold, no name */
		k = (size_t)(colon + 1 - l);
		while (k < n && (l[k] == ' ' || l[k] == '\t'))
			k++;
		st = h1_header(r, hh, l, (size_t)(colon - l), l + k, n - k);
		if (st)
			return st;
	}
	return first ? 400 : 0;
}

/* An error answer; 1.1 errors close the connection after it. */
static long h1_error(doh_sess *s, int st)
{
	h1_send_head(s, st, 0, 0, 1);
	s->done = 1;
	return -1;
}

/* One request from p[0..len): bytes consumed, 0 (incomplete) or -1. */
static long h1_one(doh_sess *s, const uint8_t *p, size_t len)
{
	doh_req r;
	h1_head hh = { 0, 0, 0, -1 };
	size_t hend = h1_head_end(p, len < DOH_MAXHDR ? len : DOH_MAXHDR);
	const uint8_t *msg = NULL;
	size_t mlen = 0, total;
	int st;

	if (hend == 0)
		return len >= DOH_MAXHDR ? h1_error(s, 431) : 0;
	memset(&r, 0, sizeof(r));
	st = h1_parse_head(p, hend, &r, &hh);
	if (!st && hh.chunked)
		st = 501;
	if (!st && hh.clen > DOH_MAXMSG)
		st = 413;
	if (st) {
		req_clear(&r, 0);
		return h1_error(s, st);
	}
	total = hend + (size_t)(hh.clen > 0 ? hh.clen : 0);
	if (len < total) {
		req_clear(&r, 0);
		if (hh.expect && !s->h1_continued) {
			/* curl waits a second for this before a body > 1 KiB */
			static const char c100[] = "HTTP/1.1 100 Continue\r\n\r\n";

			s->h1_continued = 1;
			s->io.send(s->io.arg, (const uint8_t *)c100,
				   sizeof(c100) - 1);
		}
		return 0;
	}
	s->h1_continued = 0;
	r.body = (uint8_t *)p + hend;
	r.blen = total - hend;
	if (r.method == M_POST && hh.clen < 0)
		r.hdr_err = 411;        /* no length: no body */
	s->h1_seen = 1;
	s->h1_close = !hh.keepalive;
	st = doh_req_msg(&r, s->scratch, &msg, &mlen);
	req_clear(&r, 0);
	if (st != 200) {
		h1_send_head(s, st, 0, 0, s->h1_close);
		if (s->h1_close)
			s->done = 1;
		return (long)total;
	}
	s->h1_wait = 1;
	s->pending++;
	s->h1_sid++;
	s->io.query(s->io.arg, s->h1_sid, msg, mlen);
	return (long)total;
}

/* ------------------------------------------------------------------ */
/* HTTP/2                                                             */
/* ------------------------------------------------------------------ */

static void h2_flush(doh_sess *s)
{
	const uint8_t *data;
	ssize_t n;

	if (!s->ng || s->in_input || s->failed)
		return;
	while ((n = nghttp2_session_mem_send(s->ng, &data)) > 0)
		if (s->io.send(s->io.arg, data, (size_t)n) < 0) {
			s->failed = 1;
			break;
		}
	if (n < 0)
		s->failed = 1;
	if (s->failed || (!nghttp2_session_want_read(s->ng) &&
			  !nghttp2_session_want_write(s->ng)))
		s->done = 1;
}

static ssize_t h2_read_body(nghttp2_session *ng, int32_t sid,
				  uint8_t *buf, size_t len,
				  uint32_t *flags, nghttp2_data_source *src,
				  void *ud)
{
	h2_stream *st = src->ptr;
	size_t n = st->rlen - st->roff;

	(void)ng;
	(void)sid;
	(void)ud;
	if (n > len)
		n = len;
	memcpy(buf, st->resp + st->roff, n);
	st->roff += n;
	if (st->roff == st->rlen)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

#define NV(n, v) { (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, \
		   strlen(v), NGHTTP2_NV_FLAG_NONE }

static int h2_respond(doh_sess *s, int32_t sid, h2_stream *st, int status)
{
	char code[8], clen[24], cc[32];
	nghttp2_data_provider prd;

	snprintf(code, sizeof(code), "%d", status);
	if (status != 200) {
		nghttp2_nv nv[] = { NV(":status", code),
				    NV("content-length", "0") };

		return nghttp2_submit_response(s->ng, sid, nv, 2, NULL);
	}
	snprintf(clen, sizeof(clen), "%zu", st->rlen);
	snprintf(cc, sizeof(cc), "max-age=%u",
		 doh_min_ttl(st->resp, st->rlen));
	{
		nghttp2_nv nv[] = {
			NV(":status", code),
			NV("content-type", "application/dns-message"),
			NV("content-length", clen), NV("cache-control", cc),
		};

		prd.source.ptr = st;
		prd.read_callback = h2_read_body;
		return nghttp2_submit_response(s->ng, sid, nv, 4, &prd);
	}
}

static void h2_request(doh_sess *s, int32_t sid, h2_stream *st)
{
	const uint8_t *msg = NULL;
	size_t mlen = 0;
	int status = doh_req_msg(&st->r, s->scratch, &msg, &mlen);

	st->dispatched = 1;
	if (status != 200) {
		st->answered = 1;
		h2_respond(s, sid, st, status);
		return;
	}
	s->pending++;
	s->io.query(s->io.arg, (uint32_t)sid, msg, mlen);
}

static int h2_begin_headers(nghttp2_session *ng, const nghttp2_frame *f,
			    void *ud)
{
	doh_sess *s = ud;
	h2_stream *st;

	if (f->hd.type != NGHTTP2_HEADERS ||
	    f->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	if (s->nstreams >= DOH_MAXSTREAMS) {
		nghttp2_submit_rst_stream(ng, NGHTTP2_FLAG_NONE, f->hd.stream_id,
					  NGHTTP2_REFUSED_STREAM);
		return 0;
	}
	st = calloc(1, sizeof(*st));
	if (!st)
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	s->nstreams++;
	st->next = s->streams;
	if (s->streams)
		s->streams->prev = st;
	s->streams = st;
	nghttp2_session_set_stream_user_data(ng, f->hd.stream_id, st);
	return 0;
}

static int h2_header(nghttp2_session *ng, const nghttp2_frame *f,
		     const uint8_t *name, size_t nl, const uint8_t *v,
		     size_t vl, uint8_t flags, void *ud)
{
	h2_stream *st;
	doh_req *r;

	(void)flags;
	(void)ud;
	st = nghttp2_session_get_stream_user_data(ng, f->hd.stream_id);
	if (!st || f->hd.type != NGHTTP2_HEADERS)
		return 0;
	r = &st->r;
	r->hdrbytes += nl + vl + 32;
	if (r->hdrbytes > DOH_MAXHDR) {
		r->hdr_err = 431;
		return 0;
	}
	if (nl == 7 && memcmp(name, ":method", 7) == 0) {
		r->method = method_of((const char *)v, vl);
	} else if (nl == 5 && memcmp(name, ":path", 5) == 0) {
		free(r->path);
		r->path = strndup((const char *)v, vl);
	} else if (nl == 12 && memcmp(name, "content-type", 12) == 0) {
		r->ctype = 1;
		r->ctype_ok = ctype_is_dns((const char *)v, vl);
	}
	return 0;
}

static int h2_data(nghttp2_session *ng, uint8_t flags, int32_t sid,
		   const uint8_t *data, size_t len, void *ud)
{
	doh_sess *s = ud;
	h2_stream *st = nghttp2_session_get_stream_user_data(ng, sid);
	uint8_t *nb;

	(void)flags;
	if (!st || st->r.body_big)
		return 0;
	if (st->r.blen + len > DOH_MAXMSG ||
	    s->body_bytes + len > DOH_MAXBODIES) {
		st->r.body_big = 1;  /* 413 */
		return 0;
	}
	nb = realloc(st->r.body, st->r.blen + len + 1);
	if (!nb)
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	memcpy(nb + st->r.blen, data, len);
	st->r.body = nb;
	st->r.blen += len;
	s->body_bytes += len;
	return 0;
}

static int h2_frame(nghttp2_session *ng, const nghttp2_frame *f, void *ud)
{
	h2_stream *st;

	if ((f->hd.type != NGHTTP2_HEADERS && f->hd.type != NGHTTP2_DATA) ||
	    !(f->hd.flags & NGHTTP2_FLAG_END_STREAM))
		return 0;
	st = nghttp2_session_get_stream_user_data(ng, f->hd.stream_id);
	if (st && !st->dispatched)
		h2_request(ud, f->hd.stream_id, st);
	return 0;
}

static void h2_stream_free(doh_sess *s, h2_stream *st)
{
	if (st->prev)
		st->prev->next = st->next;
	else
		s->streams = st->next;
	if (st->next)
		st->next->prev = st->prev;
	s->body_bytes -= st->r.blen;
	req_clear(&st->r, 1);
	free(st->resp);
	free(st);
	s->nstreams--;
}

static int h2_close(nghttp2_session *ng, int32_t sid, uint32_t code,
		    void *ud)
{
	doh_sess *s = ud;
	h2_stream *st = nghttp2_session_get_stream_user_data(ng, sid);

	(void)code;
	if (!st)
		return 0;
	if (st->dispatched && !st->answered)
		s->pending--;
	nghttp2_session_set_stream_user_data(ng, sid, NULL);
	h2_stream_free(s, st);
	return 0;
}

static int h2_start(doh_sess *s)
{
	nghttp2_session_callbacks *cb;
	nghttp2_option *opt;
	nghttp2_settings_entry set[] = {
		{ NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, DOH_MAXSTREAMS },
		{ NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, DOH_MAXHDR },
	};
	int rc;

	if (nghttp2_session_callbacks_new(&cb) != 0)
		return -1;
	nghttp2_session_callbacks_set_on_begin_headers_callback(cb,
		h2_begin_headers);
	nghttp2_session_callbacks_set_on_header_callback(cb, h2_header);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, h2_data);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb, h2_frame);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb, h2_close);
	if (nghttp2_option_new(&opt) != 0) {
		nghttp2_session_callbacks_del(cb);
		return -1;
	}
	/* no closed-stream bookkeeping for priorities (memory) */
	nghttp2_option_set_no_closed_streams(opt, 1);
	rc = nghttp2_session_server_new2(&s->ng, cb, s, opt);
	nghttp2_option_del(opt);
	nghttp2_session_callbacks_del(cb);
	if (rc != 0)
		return -1;
	s->h2 = 1;
	return nghttp2_submit_settings(s->ng, NGHTTP2_FLAG_NONE, set, 2);
}

static long h2_input(doh_sess *s, const uint8_t *p, size_t len)
{
	ssize_t n;

	s->in_input = 1;
	n = nghttp2_session_mem_recv(s->ng, p, len);
	s->in_input = 0;
	if (n < 0) {
		/* the library queued a GOAWAY for protocol errors */
		h2_flush(s);
		s->done = 1;
		return -1;
	}
	h2_flush(s);
	return s->done ? -1 : (long)n;
}

/* ------------------------------------------------------------------ */
/* sessions                                                           */
/* ------------------------------------------------------------------ */

doh_sess *doh_new(int h2, const doh_io *io)
{
	doh_sess *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->io = *io;
	if (h2 && h2_start(s) < 0) {
		doh_free(s);
		return NULL;
	}
	if (h2)
		h2_flush(s);
	return s;
}

void doh_free(doh_sess *s)
{
	if (!s)
		return;
	if (s->ng)
		nghttp2_session_del(s->ng);
	while (s->streams)
		h2_stream_free(s, s->streams);
	free(s);
}

/* HTTP/1.1 connection that starts with the HTTP/2 preface: switch.
 * 1 switched, 0 not a preface, -1 undecided (too short) or failed. */
static int h1_maybe_h2(doh_sess *s, const uint8_t *p, size_t len)
{
	size_t n = sizeof(H2_PREFACE) - 1;

	if (s->h1_seen || memcmp(p, H2_PREFACE, len < n ? len : n) != 0)
		return 0;
	if (len < n)
		return -1;
	if (h2_start(s) < 0) {
		s->done = 1;
		return -1;
	}
	return 1;
}

long doh_input(doh_sess *s, const uint8_t *p, size_t len)
{
	size_t off = 0;
	long n;
	int sw;

	if (s->done)
		return -1;
	if (s->h2)
		return h2_input(s, p, len);
	if (len == 0)
		return 0;
	sw = h1_maybe_h2(s, p, len);
	if (sw == 1)
		return h2_input(s, p, len);
	if (sw < 0)
		return s->done ? -1 : 0;
	while (!s->h1_wait && !s->done && off < len) {
		n = h1_one(s, p + off, len - off);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		off += (size_t)n;
	}
	return s->done && !s->h1_wait ? -1 : (long)off;
}

static int h1_answer(doh_sess *s, uint32_t sid, const uint8_t *msg,
		     size_t len, int status)
{
	int rc;

	if (!s->h1_wait || sid != s->h1_sid)
		return 0;
	s->h1_wait = 0;
	s->pending--;
	rc = h1_send_head(s, status, len, status == 200 ?
			  doh_min_ttl(msg, len) : 0, s->h1_close);
	if (rc == 0 && status == 200)
		rc = s->io.send(s->io.arg, msg, len);
	if (s->h1_close)
		s->done = 1;
	return rc;
}

static int h2_answer(doh_sess *s, uint32_t sid, const uint8_t *msg,
		     size_t len, int status)
{
	h2_stream *st;

	if (sid > INT32_MAX)
		return 0;
	st = nghttp2_session_get_stream_user_data(s->ng, (int32_t)sid);
	if (!st || !st->dispatched || st->answered)
		return 0;
	st->answered = 1;
	s->pending--;
	if (status == 200) {
		st->resp = malloc(len ? len : 1);
		if (!st->resp)
			status = 500;
		else
			memcpy(st->resp, msg, len);
		st->rlen = st->resp ? len : 0;
	}
	if (h2_respond(s, (int32_t)sid, st, status) != 0)
		nghttp2_submit_rst_stream(s->ng, NGHTTP2_FLAG_NONE,
					  (int32_t)sid, NGHTTP2_INTERNAL_ERROR);
	h2_flush(s);
	return s->failed ? -1 : 0;
}

int doh_reply(doh_sess *s, uint32_t sid, const uint8_t *msg, size_t len)
{
	if (s->failed)
		return -1;
	return s->h2 ? h2_answer(s, sid, msg, len, 200)
		     : h1_answer(s, sid, msg, len, 200);
}

int doh_fail(doh_sess *s, uint32_t sid, int status)
{
	if (s->failed)
		return -1;
	return s->h2 ? h2_answer(s, sid, NULL, 0, status)
		     : h1_answer(s, sid, NULL, 0, status);
}

int doh_pending(const doh_sess *s)
{
	return s->pending;
}

int doh_done(const doh_sess *s)
{
	return s->done;
}
