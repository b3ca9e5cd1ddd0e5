/*
 * zones/wire.c — the DNS wire codec: names, query parsing and a bounded,
 * compressing message writer.  This is the hot path: no allocation, every
 * read bounds-checked, every loop bounded by the message or name size.
 */
#include <string.h>

#include "zones/zones.h"

enum {
	WIRE_MAXLABEL = 63,
	WIRE_PTRMAX = 0x4000,   /* pointers carry 14 bits of offset */
	WIRE_RRFIXED = 10,      /* type, class, ttl, rdlength */
};

static inline uint8_t wire_lc(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c | 0x20) : c;
}

/* ------------------------------------------------------------------ */
/* Reading names                                                       */
/* ------------------------------------------------------------------ */

/* A pointer may only go strictly before the start of the label run it was
 * reached from; each jump lowers that bound, so the walk must end. */
static int wire_follow(const uint8_t *msg, size_t len, size_t *p,
		       size_t *bound)
{
	size_t t;

	if (*p + 1 >= len)
		return WIRE_ESHORT;
	t = ((size_t)(msg[*p] & 0x3f) << 8) | msg[*p + 1];
	if (t >= *bound)
		return WIRE_ELOOP;
	*bound = t;
	*p = t;
	return WIRE_OK;
}

/* Scan one run of literal labels from *p up to a root or pointer byte,
 * growing the decompressed length *n. */
static int wire_scan_run(const uint8_t *msg, size_t len, size_t *p,
			 size_t *n)
{
	for (;;) {
		uint8_t c;

		if (*p >= len)
			return WIRE_ESHORT;
		c = msg[*p];
		if (c == 0 || (c & 0xc0) == 0xc0)
			return WIRE_OK;
		if (c > WIRE_MAXLABEL)
			return WIRE_EBADNAME;  /* 0x40 / 0x80 label types */
		if (*n + c + 2 > WIRE_MAXNAME)
			return WIRE_EBADNAME;  /* no room left for the root */
		*n += (size_t)c + 1;
		*p += (size_t)c + 1;
	}
}

int wire_name_read(const uint8_t *msg, size_t len, size_t *pos,
		   uint8_t out[WIRE_MAXNAME])
{
	size_t p = *pos, bound = *pos, end = 0, n = 0;

	for (;;) {
		size_t run = p, n0 = n;
		int r = wire_scan_run(msg, len, &p, &n);

		if (r < 0)
			return r;
		if (out)
			memcpy(out + n0, msg + run, n - n0);
		if (msg[p] == 0)
			break;
		if (end == 0)
			end = p + 2;
		r = wire_follow(msg, len, &p, &bound);
		if (r < 0)
			return r;
	}
	if (out)
		out[n] = 0;
	*pos = end ? end : p + 1;
	return (int)(n + 1);
}

/* ------------------------------------------------------------------ */
/* Uncompressed names                                                  */
/* ------------------------------------------------------------------ */

size_t wire_name_len(const uint8_t *name)
{
	size_t n = 0;

	while (name[n] && n < WIRE_MAXNAME)
		n += (size_t)name[n] + 1;
	return n + 1;
}

/* Offsets of the labels of name (root not included); returns the count. */
static int wire_name_offs(const uint8_t *name, uint8_t offs[WIRE_MAXLABELS])
{
	size_t p = 0;
	int n = 0;

	while (name[p] && n < WIRE_MAXLABELS && p < WIRE_MAXNAME) {
		offs[n++] = (uint8_t)p;
		p += (size_t)name[p] + 1;
	}
	return n;
}

int wire_name_labels(const uint8_t *name)
{
	uint8_t offs[WIRE_MAXLABELS];

	return wire_name_offs(name, offs);
}

/* Length bytes are <= 63, below 'A', so lowering them is a no-op. */
static void wire_lower_n(uint8_t *dst, const uint8_t *src, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		dst[i] = wire_lc(src[i]);
}

size_t wire_name_lower(uint8_t *dst, const uint8_t *src)
{
	size_t n = wire_name_len(src);

	wire_lower_n(dst, src, n);
	return n;
}

int wire_name_equal(const uint8_t *a, const uint8_t *b)
{
	size_t p = 0;

	while (p < WIRE_MAXNAME) {
		uint8_t l = a[p], i;

		if (l != b[p])
			return 0;
		if (l == 0)
			return 1;
		for (i = 1; i <= l; i++)
			if (wire_lc(a[p + i]) != wire_lc(b[p + i]))
				return 0;
		p += (size_t)l + 1;
	}
	return 0;
}

int wire_name_is_sub(const uint8_t *name, const uint8_t *parent)
{
	uint8_t offs[WIRE_MAXLABELS];
	int n = wire_name_offs(name, offs);
	int k = wire_name_labels(parent);

	if (n < k)
		return 0;
	if (k == 0)
		return 1;
	return wire_name_equal(name + offs[n - k], parent);
}

/* Compare two labels (pointing at their length bytes) case-insensitively;
 * a label that is a prefix of the other sorts first (RFC 4034 6.1). */
static int wire_label_cmp(const uint8_t *a, const uint8_t *b)
{
	uint8_t la = a[0], lb = b[0], m = la < lb ? la : lb, i;

	for (i = 1; i <= m; i++) {
		int d = (int)wire_lc(a[i]) - (int)wire_lc(b[i]);

		if (d)
			return d;
	}
	return (int)la - (int)lb;
}

int wire_name_cmp(const uint8_t *a, const uint8_t *b)
{
	uint8_t oa[WIRE_MAXLABELS], ob[WIRE_MAXLABELS];
	int na = wire_name_offs(a, oa), nb = wire_name_offs(b, ob);

	while (na > 0 && nb > 0) {
		int d = wire_label_cmp(a + oa[--na], b + ob[--nb]);

		if (d)
			return d;
	}
	return na - nb;
}

/* ------------------------------------------------------------------ */
/* Presentation format                                                 */
/* ------------------------------------------------------------------ */

static int wire_isdigit(char c)
{
	return c >= '0' && c <= '9';
}

/* Decode one (possibly escaped) character at *s; returns it or -1. */
static int wire_str_char(const char **s)
{
	const char *p = *s;
	int v;

	if (p[0] != '\\') {
		*s = p + 1;
		return (uint8_t)p[0];
	}
	if (p[1] == '\0')
		return -1;
	if (!wire_isdigit(p[1])) {
		*s = p + 2;
		return (uint8_t)p[1];
	}
	if (!wire_isdigit(p[2]) || !wire_isdigit(p[3]))
		return -1;
	v = (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
	if (v > 255)
		return -1;
	*s = p + 4;
	return v;
}

int wire_name_from_str(const char *s, uint8_t out[WIRE_MAXNAME])
{
	size_t n = 1, lab = 0;   /* out[lab] is the open label's length */

	if (s == NULL || s[0] == '\0')
		return WIRE_EBADNAME;
	if (s[0] == '.' && s[1] == '\0') {
		out[0] = 0;
		return 1;
	}
	while (*s) {
		int c;

		if (*s == '.') {
			if (n - lab - 1 == 0 || n >= WIRE_MAXNAME)
				return WIRE_EBADNAME;  /* empty label */
			out[lab] = (uint8_t)(n - lab - 1);
			lab = n++;
			s++;
			continue;
		}
		c = wire_str_char(&s);
		if (c < 0 || n - lab - 1 >= WIRE_MAXLABEL ||
		    n + 1 >= WIRE_MAXNAME)
			return WIRE_EBADNAME;
		out[n++] = (uint8_t)c;
	}
	out[lab] = (uint8_t)(n - lab - 1);
	if (out[lab] == 0)
		return (int)n;         /* ended with a dot: out[lab] is root */
	out[n++] = 0;
	return (int)n;
}

/* RFC 1035 5.1: these must be escaped with a backslash in a label. */
static int wire_special(uint8_t c)
{
	return c == '.' || c == '\\' || c == '"' || c == '(' || c == ')' ||
	       c == ';' || c == '@' || c == '$';
}

/* Append the presentation form of one label byte; 0 or WIRE_ESPACE. */
static int wire_put_char(char *out, size_t outlen, size_t *o, uint8_t c)
{
	if (c > 0x20 && c < 0x7f && !wire_special(c)) {
		if (*o + 1 >= outlen)
			return WIRE_ESPACE;
		out[(*o)++] = (char)c;
		return 0;
	}
	if (c > 0x20 && c < 0x7f) {
		if (*o + 2 >= outlen)
			return WIRE_ESPACE;
		out[(*o)++] = '\\';
		out[(*o)++] = (char)c;
		return 0;
	}
	if (*o + 4 >= outlen)
		return WIRE_ESPACE;
	out[(*o)++] = '\\';
	out[(*o)++] = (char)('0' + c / 100);
	out[(*o)++] = (char)('0' + (c / 10) % 10);
	out[(*o)++] = (char)('0' + c % 10);
	return 0;
}

int wire_name_to_str(const uint8_t *name, char *out, size_t outlen)
{
	size_t o = 0, p = 0;

	if (outlen < 2)
		return WIRE_ESPACE;
	if (name[0] == 0) {
		out[0] = '.';
		out[1] = '\0';
		return 1;
	}
	while (name[p] && p < WIRE_MAXNAME) {
		uint8_t l = name[p], i;

		for (i = 1; i <= l; i++)
			if (wire_put_char(out, outlen, &o, name[p + i]) < 0)
				return WIRE_ESPACE;
		if (o + 1 >= outlen)
			return WIRE_ESPACE;
		out[o++] = '.';
		p += (size_t)l + 1;
	}
	out[o] = '\0';
	return (int)o;
}

/* ------------------------------------------------------------------ */
/* Query parsing                                                       */
/* ------------------------------------------------------------------ */

static void wire_query_header(const uint8_t *pkt, wire_query *q)
{
	q->id = wire_get16(pkt);
	q->flags = wire_get16(pkt + 2);
	q->qdcount = wire_get16(pkt + 4);
	q->ancount = wire_get16(pkt + 6);
	q->nscount = wire_get16(pkt + 8);
	q->arcount = wire_get16(pkt + 10);
	q->opcode = (uint8_t)((q->flags >> 11) & 0xf);
	q->qname_len = 0;
	q->qtype = 0;
	q->qclass = 0;
	q->question_end = 0;
	q->has_edns = 0;
	q->edns_version = 0;
	q->edns_udp = 0;
	q->edns_flags = 0;
	q->edns_ext_rcode = 0;
	q->tsig_off = 0;
	q->cookie_off = 0;
	q->cookie_len = 0;
	q->nsid = 0;
}

/* Read the first question into q; skip the others.  0 or -1. */
static int wire_query_questions(const uint8_t *pkt, size_t len, size_t *pos,
				wire_query *q)
{
	unsigned i;

	for (i = 0; i < q->qdcount; i++) {
		int n = wire_name_read(pkt, len, pos, i ? NULL : q->qname);

		if (n < 0 || *pos + 4 > len)
			return -1;
		if (i == 0) {
			q->qname_len = (uint16_t)n;
			q->qtype = wire_get16(pkt + *pos);
			q->qclass = wire_get16(pkt + *pos + 2);
			q->question_end = (uint16_t)(*pos + 4);
			wire_lower_n(q->lname, q->qname, (size_t)n);
		}
		*pos += 4;
	}
	return 0;
}

/* Note the first COOKIE and NSID options (RFC 7873, RFC 5001).
 * -1: a malformed COOKIE (FORMERR, RFC 7873 5.2.2). */
static int wire_opt_note(wire_query *q, size_t off, uint16_t code,
			 uint16_t olen)
{
	if (code == EDNS_O_NSID) {
		q->nsid = 1;
	} else if (code == EDNS_O_COOKIE && q->cookie_off == 0) {
		if (olen < 8 || (olen > 8 && olen < 16) || olen > 40 ||
		    off > 0xffff)
			return -1;
		q->cookie_off = (uint16_t)off;
		q->cookie_len = (uint8_t)olen;
	}
	return 0;
}

/* EDNS options must exactly fill the OPT rdata (-1), a malformed COOKIE
 * is -2.  rd is the offset of the rdata in pkt. */
static int wire_opt_options(wire_query *q, const uint8_t *pkt, size_t rd,
			    size_t rdlen)
{
	const uint8_t *p = pkt + rd;
	size_t o = 0;

	while (o < rdlen) {
		uint16_t olen;

		if (o + 4 > rdlen)
			return -1;
		olen = wire_get16(p + o + 2);
		if (o + 4 + olen <= rdlen &&
		    wire_opt_note(q, rd + o + 4, wire_get16(p + o), olen) < 0)
			return -2;
		o += 4 + (size_t)olen;
	}
	return o == rdlen ? 0 : -1;
}

/* rr points at TYPE of an OPT RR whose owner was owner_len bytes long. */
static int wire_query_opt(wire_query *q, const uint8_t *pkt,
			  const uint8_t *rr, int owner_len, int *nopt)
{
	uint32_t ttl;
	int r;

	if (++*nopt > 1 || owner_len != 1) {
		q->has_edns = 0;
		return -1;
	}
	r = wire_opt_options(q, pkt, (size_t)(rr - pkt) + WIRE_RRFIXED,
			     wire_get16(rr + 8));
	if (r == -1)
		return -1;
	ttl = wire_get32(rr + 4);
	q->edns_udp = wire_get16(rr + 2);
	q->edns_ext_rcode = (uint8_t)(ttl >> 24);
	q->edns_version = (uint8_t)(ttl >> 16);
	q->edns_flags = (uint16_t)ttl;
	q->has_edns = 1;   /* a FORMERR for a bad COOKIE carries an OPT */
	return r == 0 ? 0 : -1;
}

/* RFC 8945 5.1: a TSIG must be the last additional record, class ANY. */
static int wire_query_tsig(wire_query *q, const uint8_t *rr, size_t start,
			   int last)
{
	if (!last || wire_get16(rr + 2) != DNS_C_ANY || start > 0xffff)
		return -1;
	q->tsig_off = (uint16_t)start;
	return 0;
}

/* Check the framing of one RR at *pos and advance past it.  0 or -1.
 * where: 0 answer/authority, 1 additional, 2 the last additional. */
static int wire_query_rr(const uint8_t *pkt, size_t len, size_t *pos,
			 int where, wire_query *q, int *nopt)
{
	size_t start = *pos;
	int owner = wire_name_read(pkt, len, pos, NULL);
	const uint8_t *rr;
	size_t rdlen;

	if (owner < 0 || *pos + WIRE_RRFIXED > len)
		return -1;
	rr = pkt + *pos;
	rdlen = wire_get16(rr + 8);
	if (*pos + WIRE_RRFIXED + rdlen > len)
		return -1;
	*pos += WIRE_RRFIXED + rdlen;
	if (wire_get16(rr) == DNS_T_TSIG)
		return wire_query_tsig(q, rr, start, where == 2);
	if (wire_get16(rr) != DNS_T_OPT)
		return 0;
	if (!where)
		return -1;
	return wire_query_opt(q, pkt, rr, owner, nopt);
}

wire_qresult wire_query_parse(const uint8_t *pkt, size_t len, wire_query *q)
{
	size_t pos = WIRE_HDRLEN;
	unsigned i, nrr, first_ar;
	int nopt = 0;

	if (len < WIRE_HDRLEN)
		return WQ_DROP;
	wire_query_header(pkt, q);
	if (q->flags & DNS_F_QR)
		return WQ_DROP;
	if ((q->opcode == DNS_OP_QUERY || q->opcode == DNS_OP_NOTIFY ||
	     q->opcode == DNS_OP_UPDATE) && q->qdcount != 1)
		return WQ_FORMERR;
	if (wire_query_questions(pkt, len, &pos, q) < 0)
		return WQ_FORMERR;
	first_ar = (unsigned)q->ancount + q->nscount;
	nrr = first_ar + q->arcount;
	for (i = 0; i < nrr; i++)
		if (wire_query_rr(pkt, len, &pos, i < first_ar ? 0 :
				  i + 1 == nrr ? 2 : 1, q, &nopt) < 0)
			return WQ_FORMERR;
	if (q->has_edns && q->edns_version > 0)
		return WQ_BADVERS;
	return WQ_OK;
}

/* ------------------------------------------------------------------ */
/* Walking the records of a message                                    */
/* ------------------------------------------------------------------ */

int wire_rr_start(wire_rr_iter *it, const uint8_t *msg, size_t len)
{
	unsigned qd;

	memset(it, 0, sizeof(*it));
	if (len < WIRE_HDRLEN)
		return WIRE_ESHORT;
	it->msg = msg;
	it->len = len;
	it->pos = WIRE_HDRLEN;
	qd = wire_get16(msg + 4);
	for (unsigned i = 0; i < qd; i++)
		if (wire_name_read(msg, len, &it->pos, NULL) < 0 ||
		    (it->pos += 4) > len) {
			it->left[0] = 0;
			return WIRE_EFORMAT;
		}
	for (int s = 0; s < 3; s++)
		it->left[s] = wire_get16(msg + 6 + 2 * s);
	return WIRE_OK;
}

int wire_rr_next(wire_rr_iter *it, wire_rr *rr)
{
	int s = 0;
	size_t p = it->pos;

	while (s < 3 && it->left[s] == 0)
		s++;
	if (s == 3)
		return 0;
	if (wire_name_read(it->msg, it->len, &p, rr->owner) < 0 ||
	    p + WIRE_RRFIXED > it->len)
		goto bad;
	rr->type = wire_get16(it->msg + p);
	rr->rclass = wire_get16(it->msg + p + 2);
	rr->ttl = wire_get32(it->msg + p + 4);
	rr->rdlen = wire_get16(it->msg + p + 8);
	rr->rdata = p + WIRE_RRFIXED;
	rr->section = (uint8_t)(s + 1);
	if (rr->rdata + rr->rdlen > it->len)
		goto bad;
	it->pos = rr->rdata + rr->rdlen;
	it->left[s]--;
	return 1;
bad:
	memset(it->left, 0, sizeof(it->left));
	return WIRE_EFORMAT;
}

/* ------------------------------------------------------------------ */
/* Writer                                                              */
/* ------------------------------------------------------------------ */

void wire_writer_init(wire_writer *w, uint8_t *buf, size_t cap, size_t limit)
{
	w->buf = buf;
	w->cap = cap;
	w->limit = limit < cap ? limit : cap;
	w->len = 0;
	w->ncomp = 0;
}

int wire_write(wire_writer *w, const void *p, size_t n)
{
	if (n > w->limit - w->len)
		return WIRE_ESPACE;
	if (n)
		memcpy(w->buf + w->len, p, n);
	w->len += n;
	return WIRE_OK;
}

int wire_write16(wire_writer *w, uint16_t v)
{
	if (2 > w->limit - w->len)
		return WIRE_ESPACE;
	wire_put16(w->buf + w->len, v);
	w->len += 2;
	return WIRE_OK;
}

int wire_write32(wire_writer *w, uint32_t v)
{
	if (4 > w->limit - w->len)
		return WIRE_ESPACE;
	wire_put32(w->buf + w->len, v);
	w->len += 4;
	return WIRE_OK;
}

/* Label offsets (in buf) of the name written at off, following pointers;
 * returns the label count or -1 if the bytes there are not a name. */
static int wire_buf_labels(const wire_writer *w, size_t off,
			   uint16_t pos[WIRE_MAXLABELS])
{
	size_t p = off, bound = off;
	int n = 0;

	while (p < w->len) {
		uint8_t c = w->buf[p];

		if (c == 0)
			return n;
		if ((c & 0xc0) == 0xc0) {
			if (wire_follow(w->buf, w->len, &p, &bound) < 0)
				return -1;
			continue;
		}
		if (c > WIRE_MAXLABEL || n >= WIRE_MAXLABELS)
			return -1;
		pos[n++] = (uint16_t)p;
		p += (size_t)c + 1;
	}
	return -1;
}

static int wire_label_eq(const uint8_t *a, const uint8_t *b)
{
	uint8_t l = a[0], i;

	if (l != b[0])
		return 0;
	for (i = 1; i <= l; i++)
		if (a[i] != b[i] && wire_lc(a[i]) != wire_lc(b[i]))
			return 0;
	return 1;
}

/* Longest suffix of name (nn labels at noff) already in the buffer at an
 * offset a pointer can reach.  Returns the number of labels matched and
 * sets *target to where that suffix starts. */
static int wire_comp_find(const wire_writer *w, const uint8_t *name,
			  const uint8_t *noff, int nn, uint16_t *target)
{
	uint16_t bpos[WIRE_MAXLABELS];
	int best = 0, i;

	for (i = 0; i < w->ncomp && best < nn; i++) {
		int bn = wire_buf_labels(w, w->comp[i], bpos), k = 0;

		while (k < nn && k < bn &&
		       wire_label_eq(name + noff[nn - 1 - k],
				     w->buf + bpos[bn - 1 - k])) {
			k++;
			if (k > best && bpos[bn - k] < WIRE_PTRMAX) {
				best = k;
				*target = bpos[bn - k];
			}
		}
	}
	return best;
}

int wire_write_name(wire_writer *w, const uint8_t *name, int compress)
{
	uint8_t noff[WIRE_MAXLABELS];
	int nn = wire_name_offs(name, noff), k = 0;
	size_t nlen, prefix, start = w->len;
	uint16_t target = 0;

	nlen = nn ? noff[nn - 1] + (size_t)name[noff[nn - 1]] + 2 : 1;
	if (compress && nn > 0)
		k = wire_comp_find(w, name, noff, nn, &target);
	prefix = k ? noff[nn - k] : nlen;
	if (prefix + (k ? 2 : 0) > w->limit - w->len)
		return WIRE_ESPACE;
	memcpy(w->buf + w->len, name, prefix);
	w->len += prefix;
	if (k) {
		wire_put16(w->buf + w->len, (uint16_t)(0xc000 | target));
		w->len += 2;
	}
	if (k < nn && start < WIRE_PTRMAX && w->ncomp < WIRE_MAXCOMP)
		w->comp[w->ncomp++] = (uint16_t)start;
	return WIRE_OK;
}

/* RDATA layouts with compressible names (RFC 3597 s4): fixed bytes before
 * the names, number of names, fixed bytes after them. */
typedef struct wire_rdshape {
	uint16_t type;
	uint8_t pre, names, post;
} wire_rdshape;

static const wire_rdshape wire_rdshapes[] = {
	{ DNS_T_NS, 0, 1, 0 },
	{ DNS_T_CNAME, 0, 1, 0 },
	{ DNS_T_PTR, 0, 1, 0 },
	{ DNS_T_MX, 2, 1, 0 },
	{ DNS_T_SOA, 0, 2, 20 },
};

static const wire_rdshape *wire_rdshape_of(uint16_t type)
{
	size_t i;

	for (i = 0; i < sizeof(wire_rdshapes) / sizeof(wire_rdshapes[0]); i++)
		if (wire_rdshapes[i].type == type)
			return &wire_rdshapes[i];
	return NULL;
}

/* Length of the uncompressed name at rd[off] within rdlen, or 0. */
static size_t wire_rd_name_len(const uint8_t *rd, size_t rdlen, size_t off)
{
	size_t p = off;

	while (p < rdlen && p - off < WIRE_MAXNAME) {
		uint8_t c = rd[p];

		if (c == 0)
			return p + 1 - off <= WIRE_MAXNAME ? p + 1 - off : 0;
		if (c > WIRE_MAXLABEL)
			return 0;
		p += (size_t)c + 1;
	}
	return 0;
}

/* RFC 4034 6.2 (as RFC 6840 5.1 leaves it: not NSEC): the types whose
 * rdata names are lowercased in canonical form; fixed bytes, then the
 * names, one after another.  NAPTR's names follow three strings. */
static const struct wire_ctab {
	uint16_t type;
	uint8_t skip, names;
} wire_ctab[] = {
	{ 2, 0, 1 }, { 3, 0, 1 }, { 4, 0, 1 }, { 5, 0, 1 }, /* NS MD MF CNAME */
	{ 6, 0, 2 }, { 7, 0, 1 }, { 8, 0, 1 }, { 9, 0, 1 }, /* SOA MB MG MR */
	{ 12, 0, 1 }, { 14, 0, 2 }, { 15, 2, 1 },           /* PTR MINFO MX */
	{ 17, 0, 2 }, { 18, 2, 1 }, { 21, 2, 1 },           /* RP AFSDB RT */
	{ 24, 18, 1 }, { 26, 2, 2 }, { 30, 0, 1 },          /* SIG PX NXT */
	{ 33, 6, 1 }, { 35, 4, 1 }, { 36, 2, 1 },           /* SRV NAPTR KX */
	{ 39, 0, 1 }, { 46, 18, 1 },                        /* DNAME RRSIG */
};

/* The span [*from, *to) of rd holding the names of a type above; 0 if
 * the type has none or the rdata does not parse. */
static int wire_rdata_names(uint16_t type, const uint8_t *rd, size_t len,
			    size_t *from, size_t *to)
{
	for (size_t t = 0; t < sizeof(wire_ctab) / sizeof(wire_ctab[0]); t++) {
		size_t p = wire_ctab[t].skip;

		if (wire_ctab[t].type != type)
			continue;
		for (int i = 0; type == DNS_T_NAPTR && i < 3 && p < len; i++)
			p += 1 + (size_t)rd[p];
		*from = p;
		for (int i = 0; i < wire_ctab[t].names; i++) {
			size_t n = p <= len ? wire_rd_name_len(rd, len, p) : 0;

			if (n == 0)
				return 0;
			p += n;
		}
		*to = p;
		return 1;
	}
	return 0;
}

void wire_rdata_canon(uint16_t type, uint8_t *rd, size_t len)
{
	size_t from, to;

	if (wire_rdata_names(type, rd, len, &from, &to))
		for (size_t i = from; i < to; i++)
			rd[i] = wire_lc(rd[i]);
}

int wire_rdata_equal(uint16_t type, const uint8_t *a, size_t alen,
		     const uint8_t *b, size_t blen)
{
	size_t from, to;

	if (alen != blen)
		return 0;
	if (!wire_rdata_names(type, a, alen, &from, &to))
		return memcmp(a, b, alen) == 0;
	/* label lengths (< 64) are no letters, so folding the whole span
	 * compares them exactly */
	for (size_t i = from; i < to; i++)
		if (wire_lc(a[i]) != wire_lc(b[i]))
			return 0;
	return memcmp(a, b, from) == 0 &&
	       memcmp(a + to, b + to, alen - to) == 0;
}

/* 1 if rdata has exactly the layout s describes. */
static int wire_rdshape_ok(const wire_rdshape *s, const uint8_t *rd,
			   size_t rdlen)
{
	size_t p = s->pre;
	int i;

	for (i = 0; i < s->names; i++) {
		size_t n = wire_rd_name_len(rd, rdlen, p);

		if (n == 0)
			return 0;
		p += n;
	}
	return p + s->post == rdlen;
}

static int wire_write_rdata(wire_writer *w, uint16_t type, const uint8_t *rd,
			    uint16_t rdlen)
{
	const wire_rdshape *s = wire_rdshape_of(type);
	size_t p;
	int i, r;

	if (s == NULL || !wire_rdshape_ok(s, rd, rdlen))
		return wire_write(w, rd, rdlen);
	r = wire_write(w, rd, s->pre);
	p = s->pre;
	for (i = 0; i < s->names && r == 0; i++) {
		r = wire_write_name(w, rd + p, 1);
		p += wire_name_len(rd + p);
	}
	if (r == 0)
		r = wire_write(w, rd + p, s->post);
	return r;
}

int wire_write_rr(wire_writer *w, const uint8_t *owner, uint16_t type,
		  uint16_t rclass, uint32_t ttl, const uint8_t *rdata,
		  uint16_t rdlen, size_t *ttl_off)
{
	size_t save_len = w->len, fixed;
	int save_ncomp = w->ncomp;
	int r = wire_write_name(w, owner, 1);

	fixed = w->len;
	if (r == 0 && WIRE_RRFIXED > w->limit - w->len)
		r = WIRE_ESPACE;
	if (r == 0) {
		wire_put16(w->buf + fixed, type);
		wire_put16(w->buf + fixed + 2, rclass);
		wire_put32(w->buf + fixed + 4, ttl);
		w->len += WIRE_RRFIXED;
		r = wire_write_rdata(w, type, rdata, rdlen);
	}
	if (r < 0) {
		w->len = save_len;
		w->ncomp = save_ncomp;
		return r;
	}
	wire_put16(w->buf + fixed + 8,
		   (uint16_t)(w->len - fixed - WIRE_RRFIXED));
	if (ttl_off)
		*ttl_off = fixed + 4;
	return WIRE_OK;
}

int wire_write_opt_opts(wire_writer *w, uint16_t udp_size,
			uint8_t ext_rcode, uint8_t version, uint16_t flags,
			const uint8_t *opts, size_t optlen)
{
	uint8_t opt[11];
	size_t len = w->len;

	if (optlen > 0xffff)
		return WIRE_ESPACE;
	opt[0] = 0;
	wire_put16(opt + 1, DNS_T_OPT);
	wire_put16(opt + 3, udp_size);
	wire_put32(opt + 5, ((uint32_t)ext_rcode << 24) |
			    ((uint32_t)version << 16) | flags);
	wire_put16(opt + 9, (uint16_t)optlen);
	if (wire_write(w, opt, sizeof(opt)) < 0)
		return WIRE_ESPACE;
	if (optlen && wire_write(w, opts, optlen) < 0) {
		w->len = len;
		return WIRE_ESPACE;
	}
	return 0;
}

int wire_write_opt(wire_writer *w, uint16_t udp_size, uint8_t ext_rcode,
		   uint8_t version, uint16_t flags)
{
	return wire_write_opt_opts(w, udp_size, ext_rcode, version, flags,
				   NULL, 0);
}

static int b64_val(int c, int url)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (url ? '-' : '+'))
		return 62;
	if (c == (url ? '_' : '/'))
		return 63;
	return -1;
}

long wire_b64_decode(const char *in, size_t len, int url, uint8_t *out,
		     size_t cap)
{
	uint32_t acc = 0;
	int bits = 0, pad = 0, v;
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)in[i];

		if (!url && (c == ' ' || c == '\t' || c == '\n' || c == '\r'))
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		v = b64_val(c, url);
		if (v < 0 || pad)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n >= cap)
				return -1;
			out[n++] = (uint8_t)(acc >> bits);
		}
		acc &= (1u << bits) - 1;
	}
	if (pad > 2 || bits >= 6)
		return -1;
	return (long)n;
}
