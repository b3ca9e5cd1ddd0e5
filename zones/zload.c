/*
 * Zone file loader.  The text arrives in memory (the shell reads files
 * through zone_read_fn); we split it into logical entries ourselves so we
 * know the line each entry starts on and can handle $ORIGIN/$TTL/$INCLUDE,
 * then let ldns parse one RR at a time and copy it into the zone store
 * right away (no ldns_zone: it would keep every RR in memory twice).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldns/ldns.h>

#include "zones/zone_int.h"

enum {
	ZL_MAXDEPTH = 8, ZL_DEFAULT_TTL = 3600, ZL_MAXRDATA = 65535,
	ZL_TEXT_TYPE = 65534,   /* private use (RFC 6895): ldns keeps it raw */
};

/* The growable buffer holding the current logical entry. */
typedef struct zl_buf {
	char *p;
	size_t len, cap;
} zl_buf;

/* Where we are in one file (the zone file or an $INCLUDE). */
typedef struct zl_src {
	const char *name;
	const char *p, *end;
	int line;       /* current line */
	int start;      /* line the current entry started on */
} zl_src;

typedef struct zl_ctx {
	zone *z;
	zone_read_fn rd;
	void *rdarg;
	char *err;
	size_t errlen;
	zl_buf ent;
	uint16_t real_type;  /* ztext.c's type of the entry (zl_fix) */
	uint32_t ttl;        /* $TTL */
	ldns_rdf *origin;    /* $ORIGIN: base for relative names */
	ldns_rdf *prev;      /* previous owner, for a blank owner field */
	int depth;           /* $INCLUDE nesting */
	int file;            /* a zone file: out-of-zone data is ignored */
	zone_warn_fn warn;
	void *warnarg;
	unsigned nwarn;      /* warnings so far (only the first few shown) */
	uint8_t rdata[ZL_MAXRDATA];
} zl_ctx;

static int zl_fail(zl_ctx *c, const zl_src *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int zl_fail(zl_ctx *c, const zl_src *s, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (!c->err || !c->errlen)
		return -1;
	if (s && s->name)
		n = snprintf(c->err, c->errlen, "%s:%d: ", s->name, s->start);
	if (n < 0 || (size_t)n >= c->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static void zl_warn(zl_ctx *c, const zl_src *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void zl_warn(zl_ctx *c, const zl_src *s, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n;

	if (!c->warn || c->nwarn++ >= ZONE_LOAD_MAXWARN)
		return;
	n = snprintf(msg, sizeof(msg), "%s:%d: ", s->name, s->start);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return;
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	c->warn(c->warnarg, msg);
}

static int zl_putc(zl_buf *b, char ch)
{
	if (b->len + 2 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		char *p = realloc(b->p, cap);
		if (!p)
			return -ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	b->p[b->len++] = ch;
	b->p[b->len] = '\0';
	return 0;
}

/* ---- splitting text into logical entries ---- */

typedef struct zl_lex {
	int parens;
	int quoted;
} zl_lex;

/* Consume one character of an entry; 1 = the entry ended, <0 = error.
 * Parentheses become spaces and newlines inside them too; an escape must
 * not end a line or the text (ldns misreads a trailing backslash). */
static int zl_lex_char(zl_src *s, zl_lex *lx, zl_buf *b)
{
	char ch = *s->p++;

	if (ch == '\n') {
		s->line++;
		if (!lx->parens && !lx->quoted)
			return 1;
		return zl_putc(b, ' ');
	}
	if (ch == '\r' || ch == '\0')
		ch = ' ';
	if (ch == '\\') {
		if (s->p == s->end || *s->p == '\n' || *s->p == '\r' ||
		    *s->p == '\0')
			return -EILSEQ;
		if (zl_putc(b, ch) < 0)
			return -ENOMEM;
		return zl_putc(b, *s->p++);
	}
	if (ch == '"')
		lx->quoted = !lx->quoted;
	else if (lx->quoted)
		;
	else if (ch == ';') {
		while (s->p < s->end && *s->p != '\n')
			s->p++;
		return 0;
	} else if (ch == '(' || ch == ')') {
		lx->parens += ch == '(' ? 1 : -1;
		if (lx->parens < 0)
			return -EINVAL;
		ch = ' ';
	}
	return zl_putc(b, ch);
}

static int zl_blank(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return *p == '\0';
}

/* Next non-blank logical entry into c->ent: 1 found, 0 at end, <0 error. */
static int zl_next_entry(zl_ctx *c, zl_src *s)
{
	while (s->p < s->end) {
		zl_lex lx = { 0, 0 };
		int r = 0;

		s->start = s->line;
		c->ent.len = 0;
		if (zl_putc(&c->ent, '\0') < 0)  /* ensures a buffer */
			return zl_fail(c, s, "out of memory");
		c->ent.len = 0;
		while (s->p < s->end && (r = zl_lex_char(s, &lx, &c->ent)) == 0)
			;
		if (r == -ENOMEM)
			return zl_fail(c, s, "out of memory");
		if (r == -EINVAL)
			return zl_fail(c, s, "unbalanced parentheses");
		if (r == -EILSEQ)
			return zl_fail(c, s, "backslash at the end of a line");
		if (lx.quoted)
			return zl_fail(c, s, "unterminated quoted string");
		if (lx.parens)
			return zl_fail(c, s, "unbalanced parentheses");
		if (!zl_blank(c->ent.p))
			return 1;
	}
	return 0;
}

/* ---- converting and checking one RR ---- */

static int zl_is_meta(uint16_t type)
{
	return type == DNS_T_OPT || (type >= 128 && type <= 255);
}

/* RFC 2181 10.1: CNAME may only share its owner with DNSSEC records. */
static int zl_cname_ok_beside(uint16_t type)
{
	return type == DNS_T_CNAME || type == DNS_T_RRSIG ||
	       type == DNS_T_NSEC;
}

static const char *zl_check_cname(const zone_node *n, uint16_t type,
				  const uint8_t *rdata, uint16_t rdlen)
{
	const zone_rrset *rs;

	if (type == DNS_T_CNAME) {
		for (rs = n->rrsets; rs; rs = rs->next)
			if (!zl_cname_ok_beside(rs->type))
				return "CNAME beside other data";
		rs = zone_node_rrset(n, DNS_T_CNAME);
		if (rs && (rs->len != 2u + rdlen ||
			   memcmp(rs->data + 2, rdata, rdlen) != 0))
			return "more than one CNAME record at a name";
	} else if ((n->flags & ZN_CNAME) && !zl_cname_ok_beside(type)) {
		return "other data beside a CNAME";
	}
	return NULL;
}

/* Add one RR to z after the load checks; returns NULL or the reason. */
static const char *zl_add(zone *z, const uint8_t *owner, uint16_t type,
			  uint16_t rclass, uint32_t ttl, const uint8_t *rdata,
			  uint16_t rdlen)
{
	zone_node *n;
	const zone_rrset *soa;
	const char *why;

	if (rclass != DNS_C_IN)
		return "only class IN is supported";
	if (zl_is_meta(type))
		return "meta type not allowed in zone data";
	if (z->origin_labels && !wire_name_is_sub(owner, z->origin))
		return "name is outside the zone";
	if (!(n = zone_node_get(z, owner)))
		return "out of memory";
	if (type == DNS_T_SOA && n != z->apex)
		return "SOA record not at the zone apex";
	if ((why = zl_check_cname(n, type, rdata, rdlen)))
		return why;
	if (zone_node_add_rr(z, n, type, ttl, rdata, rdlen) < 0)
		return "out of memory or RRset too large";
	soa = type == DNS_T_SOA ? zone_node_rrset(n, DNS_T_SOA) : NULL;
	if (soa && soa->count > 1)
		return "more than one SOA record";
	return NULL;
}

/* Concatenate the rdfs of rr (uncompressed wire, case as written). */
static int zl_rdata(const ldns_rr *rr, uint8_t *out, size_t cap)
{
	size_t len = 0;

	for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
		const ldns_rdf *f = ldns_rr_rdf(rr, i);
		size_t n = ldns_rdf_size(f);
		if (n > cap - len)
			return -1;
		memcpy(out + len, ldns_rdf_data(f), n);
		len += n;
	}
	return (int)len;
}

static const char *zl_add_ldns(zone *z, const ldns_rr *rr, uint8_t *buf)
{
	const ldns_rdf *o = ldns_rr_owner(rr);
	int rdlen = zl_rdata(rr, buf, ZL_MAXRDATA);

	if (rdlen < 0)
		return "rdata too long";
	if (!o || ldns_rdf_get_type(o) != LDNS_RDF_TYPE_DNAME ||
	    ldns_rdf_size(o) > WIRE_MAXNAME)
		return "bad owner name";
	return zl_add(z, ldns_rdf_data(o), (uint16_t)ldns_rr_get_type(rr),
		      (uint16_t)ldns_rr_get_class(rr), ldns_rr_ttl(rr), buf,
		      (uint16_t)rdlen);
}

/* ---- presentation forms ldns does not read as BIND and Knot do ---- */

enum { ZL_MAXTOK = 1024 };

static ldns_rdf *zl_dname(const zl_ctx *c, const char *str);

/* Field index where a type's base64 tail starts: BIND and Knot accept it
 * split by spaces (RFC 4034 2.2: "may include whitespace"). */
static int zl_b64_field(uint16_t type)
{
	switch (type) {
	case LDNS_RR_TYPE_DNSKEY: case LDNS_RR_TYPE_CDNSKEY:
	case LDNS_RR_TYPE_KEY: case LDNS_RR_TYPE_CERT:
		return 3;
	case LDNS_RR_TYPE_RRSIG: case LDNS_RR_TYPE_SIG:
		return 8;
	case LDNS_RR_TYPE_IPSECKEY:
		return 4;
	case LDNS_RR_TYPE_DHCID: case LDNS_RR_TYPE_OPENPGPKEY:
		return 0;
	default:
		return -1;
	}
}

/* A name token that is relative (not ending in an unescaped dot). */
static int zl_relative(const char *t)
{
	size_t n = strlen(t);

	if (strcmp(t, "@") == 0)
		return 1;
	return n == 0 || t[n - 1] != '.' || (n >= 2 && t[n - 2] == '\\');
}

/* Append to b: " " (unless first) and the text. */
static int zl_puts(zl_buf *b, const char *sp, const char *t)
{
	for (; *sp; sp++)
		if (zl_putc(b, *sp) < 0)
			return -1;
	for (; *t; t++)
		if (zl_putc(b, *t) < 0)
			return -1;
	return 0;
}

/* Rdata " \\# len hex" (RFC 3597) of two pieces, for ldns to read. */
static int zl_generic(zl_buf *b, const uint8_t *p1, size_t n1,
		      const uint8_t *p2, size_t n2)
{
	char hex[24];
	int r;

	snprintf(hex, sizeof(hex), "%zu ", n1 + n2);
	r = zl_puts(b, " \\# ", hex);
	for (size_t i = 0; i < n1 + n2 && r == 0; i++) {
		snprintf(hex, sizeof(hex), "%02x", i < n1 ? p1[i] :
			 p2[i - n1]);
		r = zl_puts(b, "", hex);
	}
	return r;
}

/* NXT (RFC 2535 5.2): next name and a type bitmap (types below 128), which
 * ldns cannot read; written out in RFC 3597 form for it. */
static int zl_nxt(const zl_ctx *c, char **tok, int n, zl_buf *b)
{
	uint8_t map[16] = { 0 };
	ldns_rdf *d;
	size_t mlen = 0, dlen;
	int r;

	if (n < 1 || !(d = zl_dname(c, tok[0])))
		return -1;
	for (int i = 1; i < n; i++) {
		int t = ldns_get_rr_type_by_name(tok[i]);
		if (t <= 0 || t >= 128) {
			ldns_rdf_deep_free(d);
			return -1;
		}
		map[t / 8] |= (uint8_t)(0x80 >> (t % 8));
		if ((size_t)t / 8 + 1 > mlen)
			mlen = (size_t)t / 8 + 1;
	}
	dlen = ldns_rdf_size(d);
	r = zl_generic(b, ldns_rdf_data(d), dlen, map, mlen);
	ldns_rdf_deep_free(d);
	return r;
}

/* A6 (RFC 2874 3.1): prefix length, the address suffix (only its
 * (128 - len + 7) / 8 last octets are kept), the prefix name when the
 * length is not 0; to RFC 3597 form. */
static int zl_a6(const zl_ctx *c, char **tok, int n, zl_buf *b)
{
	char *end;
	unsigned long plen = n > 0 ? strtoul(tok[0], &end, 10) : 999;
	uint8_t head[17];
	size_t slen;
	ldns_rdf *a = NULL, *d = NULL;
	int r = -1;

	if (n < 1 || *end || plen > 128 ||
	    n != 1 + (plen < 128) + (plen > 0))
		return -1;
	slen = (128 - plen + 7) / 8;
	head[0] = (uint8_t)plen;
	if (plen < 128 && (ldns_str2rdf_aaaa(&a, tok[1]) != LDNS_STATUS_OK ||
			   ldns_rdf_size(a) != 16))
		goto out;
	if (a)
		memcpy(head + 1, ldns_rdf_data(a) + 16 - slen, slen);
	if (plen > 0 && !(d = zl_dname(c, tok[n - 1])))
		goto out;
	r = zl_generic(b, head, 1 + slen, d ? ldns_rdf_data(d) : NULL,
		       d ? ldns_rdf_size(d) : 0);
out:
	if (a)
		ldns_rdf_deep_free(a);
	if (d)
		ldns_rdf_deep_free(d);
	return r;
}

/* The rdata tokens tok[0..n) of type, rewritten where BIND and Knot read
 * more than ldns: a relative IPSECKEY gateway gets the origin (ldns makes
 * it absolute as written), a base64 tail split by spaces is joined, NXT
 * and A6 go to RFC 3597 form.  1 rewritten, 0 nothing to do, -1 error. */
static int zl_fix_rdata(const zl_ctx *c, uint16_t type, char **tok, int n,
			zl_buf *b)
{
	int k = zl_b64_field(type), i;
	char *gw = NULL, *o;

	if (type == LDNS_RR_TYPE_NXT)
		return zl_nxt(c, tok, n, b) < 0 ? -1 : 1;
	if (type == LDNS_RR_TYPE_A6)
		return zl_a6(c, tok, n, b) < 0 ? -1 : 1;
	if (type == LDNS_RR_TYPE_IPSECKEY && n > 3 &&
	    strcmp(tok[1], "3") == 0 && zl_relative(tok[3])) {
		ldns_rdf *d = zl_dname(c, tok[3]);
		if (!d || !(gw = ldns_rdf2str(d))) {
			if (d)
				ldns_rdf_deep_free(d);
			return -1;
		}
		ldns_rdf_deep_free(d);
	} else if (k < 0 || n <= k + 1) {
		return 0;
	}
	for (i = 0; i < n; i++) {
		o = i == 3 && gw ? gw : tok[i];
		if (zl_puts(b, i <= k ? " " : "", o) < 0)
			break;
	}
	free(gw);
	return i == n ? 1 : -1;
}

/* A TTL or class token before the type. */
static int zl_ttl_or_class(const char *t)
{
	const char *end = NULL;

	if (ldns_get_rr_class_by_name(t))
		return 1;
	if (*t < '0' || *t > '9')
		return 0;
	ldns_str2period(t, &end);
	return end && *end == '\0';
}

/* 1 if the word at w (up to a blank) names a type of ztext.c. */
static int zl_text_word(const char *w)
{
	char word[16];
	size_t n = strcspn(w, " \t");

	if (n >= sizeof(word) || !strchr("tTsSnNrRaAdDuUgGwW", *w))
		return 0;
	memcpy(word, w, n);
	word[n] = '\0';
	return zone_text_type(word) != 0;
}

/* Cheap test first: only entries that may be of a type zl_fix_rdata
 * rewrites are split into words (loading stays as fast as before). */
static int zl_may_fix(const char *e)
{
	static const char *const pat[26] = {
		['a' - 'a'] = "a6",
		['c' - 'a'] = "cert", ['d' - 'a'] = "dhcid",
		['k' - 'a'] = "key", ['n' - 'a'] = "nxt",
		['s' - 'a'] = "sig", ['t' - 'a'] = "type",
	};

	for (const char *p = e; *p; p++) {
		unsigned ch = (unsigned char)(*p | 0x20) - 'a';
		if (ch < 26 && pat[ch] &&
		    strncasecmp(p, pat[ch], strlen(pat[ch])) == 0)
			return 1;
		if (p > e && (p[-1] == ' ' || p[-1] == '\t') &&
		    zl_text_word(p))
			return 1;
	}
	return 0;
}

/* Split p into blank-separated words in place; a "quoted string" (blanks
 * and escapes inside) and an escaped blank stay in their word.  The
 * word count, or max + 1 when there are more. */
static int zl_split(char *p, char **tok, int max)
{
	int n = 0;

	while (*p) {
		int q = 0;
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (!*p)
			break;
		if (n == max)
			return max + 1;
		tok[n++] = p;
		for (; *p && (q || (*p != ' ' && *p != '\t')); p++) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == '"')
				q = !q;
		}
	}
	return n;
}

/* The type named by t: ztext.c's mnemonics first (ldns does not know
 * all of them), then ldns's (TYPEnnn too). */
static uint16_t zl_type(const char *t)
{
	uint16_t type = zone_text_type(t);

	return type ? type : (uint16_t)ldns_get_rr_type_by_name(t);
}

/* The mnemonic of type for messages. */
static const char *zl_tname(uint16_t type, char *buf, size_t cap)
{
	const ldns_rr_descriptor *d = ldns_rr_descript(type);

	if (zone_text_name(type))
		return zone_text_name(type);
	if (d && d->_name)
		return d->_name;
	snprintf(buf, cap, "TYPE%u", type);
	return buf;
}

/* ztext.c's types to RFC 3597 form; 1, or -1 (bad text). */
static int zl_text_rdata(zl_ctx *c, uint16_t type, char **tok, int n,
			 zl_buf *b)
{
	long len = zone_text_rdata(type, tok, n, ldns_rdf_data(c->origin),
				   c->rdata, sizeof(c->rdata));

	if (len < 0 || zl_generic(b, c->rdata, (size_t)len, NULL, 0) < 0)
		return -1;
	return 1;
}

/* Rewrite the entry in c->ent for zl_fix_rdata; 0 or -1 (error set). */
static int zl_fix(zl_ctx *c, zl_src *s)
{
	char *copy, *tok[ZL_MAXTOK], tname[16];
	int n, i = 0, owner, r, text, generic;
	zl_buf b = { NULL, 0, 0 };
	uint16_t type;

	c->real_type = 0;
	if (!zl_may_fix(c->ent.p) || !(copy = strdup(c->ent.p)))
		return 0;
	n = zl_split(copy, tok, ZL_MAXTOK);
	if (n > ZL_MAXTOK || n == 0) {
		free(copy);
		return 0;
	}
	owner = c->ent.p[0] != ' ' && c->ent.p[0] != '\t';
	i = owner;
	for (int j = 0; j < 2 && i < n && zl_ttl_or_class(tok[i]); j++)
		i++;
	type = i < n ? zl_type(tok[i]) : 0;
	text = zone_text_has(type);
	generic = i + 1 < n && strcmp(tok[i + 1], "\\#") == 0;
	if (!type || i + 1 >= n || (generic && !text)) {
		free(copy);
		return 0;
	}
	/* ldns reads a mnemonic it does not know as TYPE0, and the rdata
	 * of some types it knows (SINK) through a wrong layout: it gets a
	 * private type, whose rdata it keeps as it is, then the real one */
	snprintf(tname, sizeof(tname), "TYPE%u", ZL_TEXT_TYPE);
	if (text)
		c->real_type = type;
	r = zl_puts(&b, owner ? "" : " ", owner ? tok[0] : "");
	for (int j = owner; r == 0 && j < (generic ? n : i + 1); j++)
		r = zl_puts(&b, " ", j == i && text ? tname : tok[j]);
	if (r == 0 && generic)
		r = 1;
	else if (r == 0)
		r = text ? zl_text_rdata(c, type, tok + i + 1, n - i - 1, &b)
			 : zl_fix_rdata(c, type, tok + i + 1, n - i - 1, &b);
	free(copy);
	if (r < 0) {
		free(b.p);
		return zl_fail(c, s, "cannot read the %s record's data",
			       zl_tname(type, tname, sizeof(tname)));
	}
	if (r == 0) {
		c->real_type = 0;
		free(b.p);
		return 0;
	}
	free(c->ent.p);
	c->ent = b;
	return 0;
}

/* BIND and Knot skip records outside the zone with a warning. */
static int zl_out_of_zone(const zone *z, const ldns_rr *rr)
{
	const ldns_rdf *o = ldns_rr_owner(rr);

	return z->origin_labels && o &&
	       ldns_rdf_get_type(o) == LDNS_RDF_TYPE_DNAME &&
	       ldns_rdf_size(o) <= WIRE_MAXNAME &&
	       !wire_name_is_sub(ldns_rdf_data(o), z->origin);
}

static int zl_rr(zl_ctx *c, zl_src *s)
{
	ldns_rr *rr = NULL;
	ldns_status st;
	const char *why;

	if (zl_fix(c, s) < 0)
		return -1;
	st = ldns_rr_new_frm_str(&rr, c->ent.p, c->ttl, c->origin, &c->prev);
	if (st != LDNS_STATUS_OK)
		return zl_fail(c, s, "%s", ldns_get_errorstr_by_id(st));
	if (c->real_type)
		ldns_rr_set_type(rr, (ldns_rr_type)c->real_type);
	/* ldns reads "FOO \# 1 00" as type 0 (a snapshot may hold a type 0
	 * record a primary transferred: kept) */
	if (c->file && ldns_rr_get_type(rr) == 0) {
		ldns_rr_free(rr);
		return zl_fail(c, s, "unknown record type");
	}
	if (c->file && zl_out_of_zone(c->z, rr)) {
		char *o = ldns_rdf2str(ldns_rr_owner(rr));

		zl_warn(c, s, "ignoring out-of-zone data (%s)", o ? o : "?");
		free(o);
		ldns_rr_free(rr);
		return 0;
	}
	why = zl_add_ldns(c->z, rr, c->rdata);
	ldns_rr_free(rr);
	return why ? zl_fail(c, s, "%s", why) : 0;
}

/* ---- directives ---- */

/* Split the entry into at most max whitespace-separated words, in place. */
static int zl_words(char *p, char **w, int max)
{
	int n = 0;

	while (*p) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (!*p)
			break;
		if (n == max)
			return max + 1;
		w[n++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	return n;
}

/* A name relative to the current origin ("@" is the origin itself). */
static ldns_rdf *zl_dname(const zl_ctx *c, const char *str)
{
	ldns_rdf *d;

	if (strcmp(str, "@") == 0)
		return ldns_rdf_clone(c->origin);
	d = ldns_dname_new_frm_str(str);
	if (d && !ldns_dname_str_absolute(str) &&
	    ldns_dname_cat(d, c->origin) != LDNS_STATUS_OK) {
		ldns_rdf_deep_free(d);
		d = NULL;
	}
	return d;
}

static int zl_origin(zl_ctx *c, zl_src *s, char **w, int n)
{
	ldns_rdf *d;

	if (n != 2)
		return zl_fail(c, s, "$ORIGIN takes one name");
	if (!(d = zl_dname(c, w[1])))
		return zl_fail(c, s, "bad $ORIGIN name '%s'", w[1]);
	ldns_rdf_deep_free(c->origin);
	c->origin = d;
	return 0;
}

static int zl_ttl(zl_ctx *c, zl_src *s, char **w, int n)
{
	const char *end = NULL;
	uint32_t ttl;

	if (n != 2)
		return zl_fail(c, s, "$TTL takes one value");
	ttl = ldns_str2period(w[1], &end);
	if (end == w[1] || *end != '\0')
		return zl_fail(c, s, "bad $TTL value '%s'", w[1]);
	c->ttl = ttl;
	return 0;
}

/* Relative include paths are taken relative to the including file. */
static char *zl_path(const char *cur, const char *inc)
{
	const char *slash = strrchr(cur, '/');
	size_t dlen = slash ? (size_t)(slash - cur) + 1 : 0;
	size_t ilen = strlen(inc);
	char *p;

	if (inc[0] == '/')
		dlen = 0;
	if (!(p = malloc(dlen + ilen + 1)))
		return NULL;
	memcpy(p, cur, dlen);
	memcpy(p + dlen, inc, ilen + 1);
	return p;
}

static int zl_text(zl_ctx *c, const char *name, const char *text,
		   size_t len);

/* Parse an included file's text with its own origin; the includer's
 * state (origin, previous owner, $TTL) is restored afterwards. */
static int zl_include_text(zl_ctx *c, const char *path, const char *data,
			   size_t len, ldns_rdf *origin)
{
	ldns_rdf *sorigin = c->origin, *sprev = c->prev;
	uint32_t sttl = c->ttl;
	int r;

	c->origin = origin ? origin : ldns_rdf_clone(sorigin);
	c->prev = sprev ? ldns_rdf_clone(sprev) : NULL;
	c->depth++;
	r = zl_text(c, path, data, len);
	c->depth--;
	ldns_rdf_deep_free(c->origin);
	if (c->prev)
		ldns_rdf_deep_free(c->prev);
	c->origin = sorigin;
	c->prev = sprev;
	c->ttl = sttl;
	return r;
}

static int zl_include(zl_ctx *c, zl_src *s, char **w, int n)
{
	ldns_rdf *origin = NULL;
	char *path, *data = NULL;
	size_t len = 0;
	int r;

	if (n < 2 || n > 3)
		return zl_fail(c, s, "$INCLUDE takes a file and an optional "
			       "origin");
	if (!c->rd)
		return zl_fail(c, s, "$INCLUDE not possible here");
	if (c->depth >= ZL_MAXDEPTH)
		return zl_fail(c, s, "$INCLUDE nested too deeply");
	if (!(path = zl_path(s->name, w[1])))
		return zl_fail(c, s, "out of memory");
	if ((r = c->rd(c->rdarg, path, &data, &len)) < 0) {
		zl_fail(c, s, "cannot read $INCLUDE file %s: %s", path,
			strerror(-r));
	} else if (n == 3 && !(origin = zl_dname(c, w[2]))) {
		r = zl_fail(c, s, "bad $INCLUDE origin '%s'", w[2]);
	} else {
		r = zl_include_text(c, path, data, len, origin);
	}
	free(data);
	free(path);
	return r < 0 ? -1 : 0;
}

static int zl_directive(zl_ctx *c, zl_src *s)
{
	char *w[4];
	int n = zl_words(c->ent.p, w, 3);

	if (strcasecmp(w[0], "$ORIGIN") == 0)
		return zl_origin(c, s, w, n);
	if (strcasecmp(w[0], "$TTL") == 0)
		return zl_ttl(c, s, w, n);
	if (strcasecmp(w[0], "$INCLUDE") == 0)
		return zl_include(c, s, w, n);
	return zl_fail(c, s, "unknown or unsupported directive %s", w[0]);
}

static int zl_text(zl_ctx *c, const char *name, const char *text,
		   size_t len)
{
	zl_src s = { name, text, text + len, 1, 1 };
	int r;

	while ((r = zl_next_entry(c, &s)) > 0) {
		r = c->ent.p[0] == '$' ? zl_directive(c, &s) : zl_rr(c, &s);
		if (r < 0)
			return -1;
	}
	return r;
}

/* ---- whole-zone checks and entry points ---- */

static uint32_t zl_min(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* Offset just past the uncompressed name at rd[pos], or 0 if malformed. */
static size_t zl_skip_name(const uint8_t *rd, size_t len, size_t pos)
{
	while (pos < len && rd[pos] != 0 && rd[pos] < 64)
		pos += (size_t)rd[pos] + 1;
	return pos < len && rd[pos] == 0 ? pos + 1 : 0;
}

static int zl_finish(zl_ctx *c, const char *name, int lines)
{
	zone *z = c->z;
	const zone_rrset *soa = zone_node_rrset(z->apex, DNS_T_SOA);
	zl_src s = { name, NULL, NULL, lines, lines };
	const uint8_t *rd;
	size_t len, pos;

	if (!soa)
		return zl_fail(c, &s, "no SOA record at the zone apex");
	if (!zone_node_rrset(z->apex, DNS_T_NS))
		return zl_fail(c, &s, "no NS records at the zone apex");
	rd = soa->data + 2;
	len = wire_get16(soa->data);
	pos = zl_skip_name(rd, len, 0);
	pos = pos ? zl_skip_name(rd, len, pos) : 0;
	if (!pos || pos + 20 != len)
		return zl_fail(c, &s, "malformed SOA record");
	z->serial = wire_get32(rd + pos);
	z->neg_ttl = zl_min(soa->ttl, wire_get32(rd + pos + 16));
	return 0;
}

static int zl_count_lines(const char *text, size_t len)
{
	int n = 1;
	for (size_t i = 0; i < len; i++)
		n += text[i] == '\n';
	if (len && text[len - 1] == '\n')
		n--;
	return n;
}

static void zl_ctx_free(zl_ctx *c)
{
	free(c->ent.p);
	if (c->origin)
		ldns_rdf_deep_free(c->origin);
	if (c->prev)
		ldns_rdf_deep_free(c->prev);
	free(c);
}

static zone *zl_load_text(const char *origin, const char *name,
			  const char *text, size_t len, zone_read_fn rd,
			  void *rdarg, zone_warn_fn warn, void *warnarg,
			  char *err, size_t errlen)
{
	zl_ctx *c = calloc(1, sizeof(*c));
	zone *z = NULL;

	if (!c) {
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	c->rd = rd;
	c->rdarg = rdarg;
	c->file = 1;
	c->warn = warn;
	c->warnarg = warnarg;
	c->err = err;
	c->errlen = errlen;
	c->ttl = ZL_DEFAULT_TTL;
	c->origin = ldns_dname_new_frm_str(origin);
	if (!c->origin) {
		snprintf(err, errlen, "%s: bad zone origin '%s'", name, origin);
	} else if (!(c->z = zone_alloc(ldns_rdf_data(c->origin), 0))) {
		snprintf(err, errlen, "%s: out of memory", name);
	} else if (zl_text(c, name, text, len) == 0 &&
		   zl_finish(c, name, zl_count_lines(text, len)) == 0) {
		z = c->z;
		c->z = NULL;
	}
	if (z && warn && c->nwarn > ZONE_LOAD_MAXWARN) {
		char msg[300];

		snprintf(msg, sizeof(msg), "%s: %u more warnings not shown",
			 name, c->nwarn - ZONE_LOAD_MAXWARN);
		warn(warnarg, msg);
	}
	zone_unref(c->z);
	zl_ctx_free(c);
	return z;
}

zone *zone_load_text(const char *origin, const char *name, const char *text,
		     size_t len, zone_read_fn rd, void *rdarg, char *err,
		     size_t errlen)
{
	return zl_load_text(origin, name, text, len, rd, rdarg, NULL, NULL,
			    err, errlen);
}

zone *zone_load(const char *origin, const char *path, zone_read_fn rd,
		void *rdarg, char *err, size_t errlen)
{
	return zone_load_warn(origin, path, rd, rdarg, NULL, NULL, err,
			      errlen);
}

zone *zone_load_warn(const char *origin, const char *path, zone_read_fn rd,
		     void *rdarg, zone_warn_fn warn, void *warnarg, char *err,
		     size_t errlen)
{
	char *data = NULL;
	size_t len = 0;
	zone *z;
	int r = rd(rdarg, path, &data, &len);

	if (r < 0) {
		snprintf(err, errlen, "%s: cannot read: %s", path,
			 strerror(-r));
		return NULL;
	}
	z = zl_load_text(origin, path, data, len, rd, rdarg, warn, warnarg,
			 err, errlen);
	free(data);
	return z;
}

/* Local data goes through the same entry splitter as zone files, so
 * quoting, parentheses and comments behave the same and ldns only ever
 * sees one clean line. */
static int zl_local(zl_ctx *c, const char *text)
{
	zl_src s = { NULL, text, text + strlen(text), 1, 1 };
	zl_buf first;
	int r = zl_next_entry(c, &s);

	if (r == 0)
		return zl_fail(c, &s, "empty record");
	if (r < 0)
		return r;
	if (c->ent.p[0] == '$' || c->ent.p[0] == ' ' || c->ent.p[0] == '\t')
		return zl_fail(c, &s, "owner name expected");
	first = c->ent;          /* keep it while checking nothing follows */
	c->ent = (zl_buf){ NULL, 0, 0 };
	r = zl_next_entry(c, &s);
	free(c->ent.p);
	c->ent = first;
	if (r != 0)
		return r < 0 ? r : zl_fail(c, &s, "one record expected");
	return zl_rr(c, &s);
}

int zone_local_add_rr(zone *z, const char *rr_text, char *err,
		      size_t errlen)
{
	zl_ctx *c = calloc(1, sizeof(*c));
	char why[200] = "";
	int r;

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	c->z = z;
	c->err = why;
	c->errlen = sizeof(why);
	r = zl_local(c, rr_text);
	zl_ctx_free(c);
	if (r < 0) {
		snprintf(err, errlen, "%s: %s", rr_text, why);
		return -EINVAL;
	}
	return 0;
}
