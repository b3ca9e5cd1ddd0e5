/*
 * RFC 5011: automated updates of DNSSEC trust anchors.  Sans-IO: the
 * managed anchor text comes in at res_new (cfg.managed_anchor_text) and
 * goes out through cfg.anchors_save, which the shell makes durable before
 * the engine acts on the change; ldns parses and prints the records and
 * checks the self-signature of a revoked key.
 *
 * Each trust point (a zone of the managed text) has KSKs in the RFC 5011
 * states AddPend (seen, add hold-down running), Valid, Missing (Valid but
 * no longer published: still an anchor, RFC 5011 4.4) and Revoked.  DS
 * lines of the seed stay anchors until the first validated DNSKEY RRset
 * of their zone shows the keys they match, which become Valid.  Every
 * DNSKEY RRset of a trust point that validates with the current anchors
 * (chain.c) is an observation (res_5011_observe); the engine also asks
 * for it itself (active refresh, RFC 5011 2.3; resolver.c).
 *
 * The managed text: plain DS/DNSKEY lines are the anchors (what trust.c
 * reads), and each key has a ";;5011 STATE first=S change=S until=S RR"
 * comment line (seconds since the epoch), so the file stays a valid
 * anchor file for any reader.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ldns/ldns.h>

#include "resolver/res_int.h"

enum {
	K_ADDPEND = 1, K_VALID, K_MISSING, K_REVOKED,
	F_ZONE = 0x0100, F_REVOKE = 0x0080, F_SEP = 0x0001,
	HOLD_ADD = 30 * 86400,       /* RFC 5011 2.4.1 add hold-down */
	HOLD_REMOVE = 30 * 86400,    /* RFC 5011 2.4.2 remove hold-down */
	PROBE_MIN = 3600, PROBE_MAX = 15 * 86400,   /* RFC 5011 2.3 */
	MAX_KEYS = 64, MAX_EVENTS = 16,
};

static const char *const state_name[] = {
	"", "ADDPEND", "VALID", "MISSING", "REVOKED",
};

typedef struct m_key {
	uint8_t zone[WIRE_MAXNAME];
	uint8_t state;
	uint16_t rdlen;
	uint8_t *rd;                 /* DNSKEY rdata as published */
	uint32_t ttl;
	uint64_t first, change, until;
} m_key;

typedef struct m_ds {
	uint8_t zone[WIRE_MAXNAME];
	ldns_rr *rr;
} m_ds;

typedef struct m_set {
	m_key k[MAX_KEYS];
	size_t nk;
	m_ds ds[MAX_KEYS];
	size_t nds;
} m_set;

typedef struct m_event {
	uint8_t zone[WIRE_MAXNAME];
	uint16_t tag;
	const char *state, *why;
} m_event;

struct res_5011 {
	m_set s;
	char *static_text;           /* unmanaged anchors (--trust-anchor) */
	char *pending;               /* saved anchors trust.c must take */
	uint64_t next_probe_ms;      /* 0: none yet (nothing at start-up) */
	uint8_t written;             /* saved at least once since start */
	m_event ev[MAX_EVENTS];
	size_t nev;
};

static uint16_t key_tag(const uint8_t *rd, size_t len)
{
	uint32_t ac = 0;

	for (size_t i = 0; i < len; i++)
		ac += (i & 1) ? rd[i] : (uint32_t)rd[i] << 8;
	ac += (ac >> 16) & 0xffff;
	return (uint16_t)(ac & 0xffff);
}

static void set_free(m_set *s)
{
	for (size_t i = 0; i < s->nk; i++)
		free(s->k[i].rd);
	for (size_t i = 0; i < s->nds; i++)
		ldns_rr_free(s->ds[i].rr);
	s->nk = s->nds = 0;
}

static int set_copy(m_set *dst, const m_set *src)
{
	memset(dst, 0, sizeof(*dst));
	for (size_t i = 0; i < src->nk; i++) {
		dst->k[i] = src->k[i];
		dst->k[i].rd = malloc(src->k[i].rdlen ? src->k[i].rdlen : 1);
		if (!dst->k[i].rd)
			goto fail;
		memcpy(dst->k[i].rd, src->k[i].rd, src->k[i].rdlen);
		dst->nk++;
	}
	for (size_t i = 0; i < src->nds; i++) {
		dst->ds[i] = src->ds[i];
		dst->ds[i].rr = ldns_rr_clone(src->ds[i].rr);
		if (!dst->ds[i].rr)
			goto fail;
		dst->nds++;
	}
	return 0;
fail:
	set_free(dst);
	return -1;
}

static m_key *key_find(m_set *s, const uint8_t *zn, const uint8_t *rd,
		       size_t len)
{
	for (size_t i = 0; i < s->nk; i++)
		if (s->k[i].rdlen == len && !memcmp(s->k[i].rd, rd, len) &&
		    wire_name_equal(s->k[i].zone, zn))
			return &s->k[i];
	return NULL;
}

static m_key *key_add(m_set *s, const uint8_t *zn, const uint8_t *rd,
		      size_t len, uint8_t state, uint32_t ttl)
{
	m_key *k;

	if (s->nk >= MAX_KEYS || !len || len > 4096)
		return NULL;
	k = &s->k[s->nk];
	memset(k, 0, sizeof(*k));
	k->rd = malloc(len);
	if (!k->rd)
		return NULL;
	memcpy(k->rd, rd, len);
	k->rdlen = (uint16_t)len;
	wire_name_lower(k->zone, zn);
	k->state = state;
	k->ttl = ttl;
	s->nk++;
	return k;
}

static void key_del(m_set *s, m_key *k)
{
	size_t i = (size_t)(k - s->k);

	free(k->rd);
	memmove(&s->k[i], &s->k[i + 1], (s->nk - i - 1) * sizeof(s->k[0]));
	s->nk--;
}

/* ---- records: wire <-> ldns ---- */

/* Owner (lowercased) and rdata of an ldns record; 0 or -1. */
static int rr_split(const ldns_rr *rr, uint8_t *owner, uint8_t *rd,
		    size_t cap, size_t *rdlen)
{
	uint8_t *w = NULL;
	size_t wl = 0, pos = 0;
	int rc = -1;

	if (ldns_rr2wire(&w, rr, LDNS_SECTION_ANSWER, &wl) != LDNS_STATUS_OK)
		return -1;
	if (wire_name_read(w, wl, &pos, owner) >= 0 && pos + 10 <= wl &&
	    pos + 10 + wire_get16(w + pos + 8) == wl && wl - pos - 10 <= cap) {
		wire_name_lower(owner, owner);
		*rdlen = wl - pos - 10;
		memcpy(rd, w + pos + 10, *rdlen);
		rc = 0;
	}
	free(w);
	return rc;
}

/* An ldns record of zone/type/ttl/rdata. */
static ldns_rr *rr_make(const uint8_t *zn, uint16_t type, uint32_t ttl,
			const uint8_t *rd, size_t rdlen)
{
	size_t nl = wire_name_len(zn), pos = 0;
	uint8_t *w = malloc(nl + 10 + rdlen);
	ldns_rr *rr = NULL;

	if (!w)
		return NULL;
	memcpy(w, zn, nl);
	wire_put16(w + nl, type);
	wire_put16(w + nl + 2, DNS_C_IN);
	wire_put16(w + nl + 4, (uint16_t)(ttl >> 16));
	wire_put16(w + nl + 6, (uint16_t)ttl);
	wire_put16(w + nl + 8, (uint16_t)rdlen);
	memcpy(w + nl + 10, rd, rdlen);
	if (ldns_wire2rr(&rr, w, nl + 10 + rdlen, &pos, LDNS_SECTION_ANSWER) !=
	    LDNS_STATUS_OK)
		rr = NULL;
	free(w);
	return rr;
}

/* ---- the managed text ---- */

static int parse_rr(m_set *s, const char *text, uint8_t state,
		    uint64_t first, uint64_t change, uint64_t until)
{
	ldns_rr *rr = NULL;
	uint8_t owner[WIRE_MAXNAME], rd[4096];
	size_t rdlen;
	m_key *k;

	if (ldns_rr_new_frm_str(&rr, text, 3600, NULL, NULL) !=
	    LDNS_STATUS_OK)
		return -1;
	if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_DS && !state) {
		if (s->nds >= MAX_KEYS ||
		    rr_split(rr, owner, rd, sizeof(rd), &rdlen) < 0) {
			ldns_rr_free(rr);
			return -1;
		}
		wire_name_lower(s->ds[s->nds].zone, owner);
		s->ds[s->nds++].rr = rr;
		return 0;
	}
	if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_DNSKEY ||
	    rr_split(rr, owner, rd, sizeof(rd), &rdlen) < 0) {
		ldns_rr_free(rr);
		return ldns_rr_get_type(rr) == LDNS_RR_TYPE_DNSKEY ? -1 : 0;
	}
	k = key_find(s, owner, rd, rdlen);
	if (!k && !(k = key_add(s, owner, rd, rdlen, K_VALID,
				ldns_rr_ttl(rr)))) {
		ldns_rr_free(rr);
		return -1;
	}
	if (state) {
		k->state = state;
		k->first = first;
		k->change = change;
		k->until = until;
	}
	ldns_rr_free(rr);
	return 0;
}

/* ";;5011 STATE first=N change=N until=N RR" */
static int parse_state_line(m_set *s, const char *l)
{
	char st[16];
	unsigned long long f, c, u;
	int n = 0;

	if (sscanf(l, ";;5011 %15s first=%llu change=%llu until=%llu %n", st,
		   &f, &c, &u, &n) < 4 || !n)
		return -1;
	for (uint8_t i = K_ADDPEND; i <= K_REVOKED; i++)
		if (!strcmp(st, state_name[i]))
			return parse_rr(s, l + n, i, f, c, u);
	return -1;
}

static int parse_text(m_set *s, const char *text, char *err, size_t errlen)
{
	const char *p = text;
	int lineno = 0;

	while (*p) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char line[8192];
		size_t i = 0;
		int rc = 0;

		lineno++;
		if (n < sizeof(line)) {
			memcpy(line, p, n);
			line[n] = '\0';
			while (line[i] == ' ' || line[i] == '\t' ||
			       line[i] == '\r')
				i++;
			if (!strncmp(line + i, ";;5011 ", 7))
				rc = parse_state_line(s, line + i);
			else if (line[i] && line[i] != ';' && line[i] != '#' &&
				 line[i] != '$')
				rc = parse_rr(s, line + i, 0, 0, 0, 0);
		} else {
			rc = -1;
		}
		if (rc < 0) {
			snprintf(err, errlen, "managed trust anchor line %d: "
				 "unusable", lineno);
			return -1;
		}
		p += n + (e ? 1 : 0);
	}
	return 0;
}

/* One record as presentation text, without ldns's comments. */
static int print_rr(char **out, size_t *len, const char *prefix,
		    const ldns_rr *rr)
{
	char *t = ldns_rr2str_fmt(ldns_output_format_nocomments, rr);
	size_t tl, pl = strlen(prefix);
	char *n;

	if (!t)
		return -1;
	tl = strlen(t);
	while (tl && (t[tl - 1] == '\n' || t[tl - 1] == ' '))
		tl--;
	n = realloc(*out, *len + pl + tl + 2);
	if (!n) {
		free(t);
		return -1;
	}
	memcpy(n + *len, prefix, pl);
	memcpy(n + *len + pl, t, tl);
	*len += pl + tl;
	n[(*len)++] = '\n';
	n[*len] = '\0';
	*out = n;
	free(t);
	return 0;
}

static int zone_has_keys(const m_set *s, const uint8_t *zn)
{
	for (size_t i = 0; i < s->nk; i++)
		if ((s->k[i].state == K_VALID || s->k[i].state == K_MISSING) &&
		    wire_name_equal(s->k[i].zone, zn))
			return 1;
	return 0;
}

/* The text: with_state 1 for the file, 0 for the anchors only. */
static char *render(const m_set *s, const char *head, int with_state)
{
	char *out = NULL, pre[128];
	size_t len = 0;

	if (!(out = strdup(head ? head : "")))
		return NULL;
	len = strlen(out);
	for (size_t i = 0; i < s->nk; i++) {
		const m_key *k = &s->k[i];
		ldns_rr *rr = rr_make(k->zone, DNS_T_DNSKEY, k->ttl, k->rd,
				      k->rdlen);
		int rc = rr ? 0 : -1;

		snprintf(pre, sizeof(pre), ";;5011 %s first=%llu change=%llu "
			 "until=%llu ", state_name[k->state],
			 (unsigned long long)k->first,
			 (unsigned long long)k->change,
			 (unsigned long long)k->until);
		if (!rc && with_state)
			rc = print_rr(&out, &len, pre, rr);
		if (!rc && (k->state == K_VALID || k->state == K_MISSING))
			rc = print_rr(&out, &len, "", rr);
		ldns_rr_free(rr);
		if (rc < 0) {
			free(out);
			return NULL;
		}
	}
	for (size_t i = 0; i < s->nds; i++)
		if (!zone_has_keys(s, s->ds[i].zone) &&
		    print_rr(&out, &len, "", s->ds[i].rr) < 0) {
			free(out);
			return NULL;
		}
	return out;
}

static const char file_head[] =
	"; dnsvizor: trust anchors kept up to date by RFC 5011, seeded from\n"
	"; --trust-anchor-file.  Plain DS/DNSKEY lines are the anchors;\n"
	"; \";;5011\" lines hold each key's state (times in seconds since\n"
	"; 1970).  Written by the resolver: do not edit while it runs.\n";

/* ---- public ---- */

res_5011 *res_5011_new(const char *managed, const char *static_text,
		       char *err, size_t errlen)
{
	res_5011 *m = calloc(1, sizeof(*m));

	if (!m || (static_text && !(m->static_text = strdup(static_text)))) {
		free(m);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (parse_text(&m->s, managed, err, errlen) < 0) {
		res_5011_free(m);
		return NULL;
	}
	return m;
}

void res_5011_free(res_5011 *m)
{
	if (!m)
		return;
	set_free(&m->s);
	free(m->static_text);
	free(m->pending);
	free(m);
}

char *res_5011_anchors(const res_5011 *m)
{
	return render(&m->s, m->static_text, 0);
}

uint64_t res_5011_next(const res_5011 *m)
{
	return m ? m->next_probe_ms : 0;
}

size_t res_5011_due(res_5011 *m, uint64_t now_ms,
		    uint8_t (*zones)[WIRE_MAXNAME], size_t max)
{
	size_t n = 0;

	if (!m || !m->next_probe_ms || now_ms < m->next_probe_ms)
		return 0;
	/* the probe's observation sets the next one; if it fails, again
	 * after the shortest interval */
	m->next_probe_ms = now_ms + (uint64_t)PROBE_MIN * 1000;
	for (size_t i = 0; i < m->s.nk + m->s.nds && n < max; i++) {
		const uint8_t *z = i < m->s.nk ? m->s.k[i].zone :
				   m->s.ds[i - m->s.nk].zone;
		size_t j;

		for (j = 0; j < n && !wire_name_equal(zones[j], z); j++)
			;
		if (j == n)
			name_copy(zones[n++], z);
	}
	return n;
}

void res_5011_apply(res_ctx *r)
{
	res_5011 *m = r->ta5011;
	char err[256];

	if (!m || !m->pending)
		return;
	if (res_keys_set_anchors(r->keys, m->pending, err, sizeof(err)) < 0 &&
	    r->cfg.on_event) {
		res_event ev;

		memset(&ev, 0, sizeof(ev));
		ev.kind = RES_EV_ANCHOR;
		ev.name = (const uint8_t *)"";
		ev.state = "ERROR";
		ev.why = err;
		r->cfg.on_event(r->cfg.on_event_arg, &ev);
	}
	free(m->pending);
	m->pending = NULL;
}

/* ---- observations ---- */

static void note_as(res_5011 *m, const m_key *k, const char *state,
		    const char *why)
{
	m_event *e;

	if (m->nev >= MAX_EVENTS)
		return;
	e = &m->ev[m->nev++];
	name_copy(e->zone, k->zone);
	e->tag = key_tag(k->rd, k->rdlen);
	e->state = state;
	e->why = why;
}

static void note(res_5011 *m, const m_key *k, const char *why)
{
	note_as(m, k, state_name[k->state], why);
}

/* The DNSKEY RRset as an ldns list (owner zone, ttl). */
static ldns_rr_list *rrset_make(const uint8_t *zn, const uint8_t *keys,
				uint32_t klen, uint16_t kcount, uint32_t ttl)
{
	ldns_rr_list *l = ldns_rr_list_new();
	uint32_t p = 0;

	for (uint16_t i = 0; l && i < kcount && p + 2 <= klen; i++) {
		uint16_t rl = wire_get16(keys + p);
		ldns_rr *rr;

		if (p + 2 + rl > klen)
			break;
		rr = rr_make(zn, DNS_T_DNSKEY, ttl, keys + p + 2, rl);
		if (!rr || !ldns_rr_list_push_rr(l, rr)) {
			ldns_rr_free(rr);
			ldns_rr_list_deep_free(l);
			return NULL;
		}
		p += 2u + rl;
	}
	return l;
}

/* RFC 5011 2.1: a revoked key counts only if it signed the RRset. */
static int self_signed(const uint8_t *zn, const uint8_t *keys,
		       uint32_t klen, uint16_t kcount, const uint8_t *sigs,
		       uint32_t siglen, uint16_t sigcount, const uint8_t *rd,
		       size_t rdlen, uint64_t now_s)
{
	ldns_rr_list *set = rrset_make(zn, keys, klen, kcount, 3600);
	ldns_rr *key = rr_make(zn, DNS_T_DNSKEY, 3600, rd, rdlen);
	uint16_t tag = key_tag(rd, rdlen);
	uint32_t p = 0;
	int ok = 0;

	for (uint16_t i = 0; set && key && i < sigcount && !ok &&
	     p + 2 <= siglen; i++) {
		uint16_t rl = wire_get16(sigs + p);
		const uint8_t *s = sigs + p + 2;
		ldns_rr *sig;

		p += 2u + rl;
		if (p > siglen || rl < 18 || wire_get16(s) != DNS_T_DNSKEY ||
		    wire_get16(s + 16) != tag || s[2] != rd[3])
			continue;
		sig = rr_make(zn, 46, wire_get32(s + 4), s, rl);
		ok = sig && ldns_verify_rrsig_time(set, sig, key,
						   (time_t)now_s) ==
			    LDNS_STATUS_OK;
		ldns_rr_free(sig);
	}
	ldns_rr_list_deep_free(set);
	ldns_rr_free(key);
	return ok;
}

/* Does the seed DS set of zone match this key? */
static int ds_match(const m_set *s, const uint8_t *zn, const uint8_t *rd,
		    size_t rdlen)
{
	ldns_rr *key = rr_make(zn, DNS_T_DNSKEY, 3600, rd, rdlen);
	int hit = 0;

	for (size_t i = 0; key && i < s->nds && !hit; i++)
		hit = wire_name_equal(s->ds[i].zone, zn) &&
		      ldns_rr_compare_ds(s->ds[i].rr, key);
	ldns_rr_free(key);
	return hit;
}

typedef struct obs {
	const uint8_t *zn, *keys, *sigs;
	uint32_t klen, siglen, ttl;
	uint16_t kcount, sigcount;
	uint64_t now;                /* seconds */
} obs;

/* Revoked keys (REVOKE bit, self-signed) that we know unrevoked. */
static int step_revoked(res_5011 *m, m_set *s, const obs *o, int *anchors)
{
	int changed = 0;
	uint32_t p = 0;

	for (uint16_t i = 0; i < o->kcount && p + 2 <= o->klen; i++) {
		uint16_t rl = wire_get16(o->keys + p), f;
		const uint8_t *rd = o->keys + p + 2;
		uint8_t plain[4096];
		m_key *k;

		p += 2u + rl;
		if (p > o->klen || rl < 4 || rl > sizeof(plain))
			break;
		f = wire_get16(rd);
		if (!(f & F_ZONE) || !(f & F_REVOKE))
			continue;
		memcpy(plain, rd, rl);
		wire_put16(plain, (uint16_t)(f & ~F_REVOKE));
		k = key_find(s, o->zn, plain, rl);
		if (!k || !self_signed(o->zn, o->keys, o->klen, o->kcount,
				       o->sigs, o->siglen, o->sigcount, rd, rl,
				       o->now))
			continue;
		if (k->state == K_VALID || k->state == K_MISSING)
			*anchors = 1;
		memcpy(k->rd, rd, rl);   /* known by its revoked form now */
		k->state = K_REVOKED;
		k->change = o->now;
		note(m, k, "revoked by its owner (self-signed REVOKE bit): "
		     "no longer a trust anchor");
		changed = 1;
	}
	return changed;
}

/* New and returning KSKs (SEP bit, not revoked). */
static int step_present(res_5011 *m, m_set *s, const obs *o, int seeded,
			int *anchors)
{
	int changed = 0;
	uint32_t p = 0;

	for (uint16_t i = 0; i < o->kcount && p + 2 <= o->klen; i++) {
		uint16_t rl = wire_get16(o->keys + p), f;
		const uint8_t *rd = o->keys + p + 2;
		m_key *k;

		p += 2u + rl;
		if (p > o->klen || rl < 4)
			break;
		f = wire_get16(rd);
		if (!(f & F_ZONE) || !(f & F_SEP) || (f & F_REVOKE))
			continue;
		k = key_find(s, o->zn, rd, rl);
		if (!k) {
			int valid = seeded && ds_match(s, o->zn, rd, rl);

			k = key_add(s, o->zn, rd, rl, valid ? K_VALID :
				    K_ADDPEND, o->ttl);
			if (!k)
				continue;
			k->first = k->change = o->now;
			k->until = valid ? 0 : o->now +
				   (o->ttl > HOLD_ADD ? o->ttl : HOLD_ADD);
			note(m, k, valid ? "the DNSKEY of the seed's DS" :
			     "new KSK: add hold-down of 30 days started");
			*anchors |= valid;
			changed = 1;
		} else if ((k->state == K_ADDPEND && o->now >= k->until) ||
			   k->state == K_MISSING) {
			*anchors |= k->state == K_ADDPEND;
			k->state = K_VALID;
			k->change = o->now;
			k->until = 0;
			note(m, k, "hold-down over: a trust anchor now");
			changed = 1;
		}
	}
	return changed;
}

static int in_set(const obs *o, const m_key *k)
{
	uint32_t p = 0;

	for (uint16_t i = 0; i < o->kcount && p + 2 <= o->klen; i++) {
		uint16_t rl = wire_get16(o->keys + p);

		if (rl == k->rdlen && p + 2 + rl <= o->klen &&
		    !memcmp(o->keys + p + 2, k->rd, rl))
			return 1;
		p += 2u + rl;
	}
	return 0;
}

/* Known keys that the RRset no longer has. */
static int step_absent(res_5011 *m, m_set *s, const obs *o)
{
	int changed = 0;

	for (size_t i = 0; i < s->nk;) {
		m_key *k = &s->k[i];

		if (!wire_name_equal(k->zone, o->zn) || in_set(o, k)) {
			i++;
			continue;
		}
		if (k->state == K_ADDPEND ||
		    (k->state == K_REVOKED &&
		     o->now >= k->change + HOLD_REMOVE)) {
			note_as(m, k, "REMOVED", k->state == K_ADDPEND ?
				"gone during the hold-down: forgotten" :
				"revoked and gone: forgotten");
			key_del(s, k);
			changed = 1;
			continue;
		}
		if (k->state == K_VALID) {
			k->state = K_MISSING;
			k->change = o->now;
			note(m, k, "no longer published: kept as a trust "
			     "anchor (RFC 5011 4.4)");
			changed = 1;
		}
		i++;
	}
	return changed;
}

/* RFC 5011 2.3: max(1 h, min(15 days, TTL/2, signature expiry/2)). */
static void schedule(res_5011 *m, const obs *o, uint64_t now_ms)
{
	uint64_t iv = PROBE_MAX, p = 0;

	if (o->ttl / 2 < iv)
		iv = o->ttl / 2;
	for (uint16_t i = 0; i < o->sigcount && p + 2 <= o->siglen; i++) {
		uint16_t rl = wire_get16(o->sigs + p);
		uint32_t exp;

		if (p + 2 + rl > o->siglen || rl < 18)
			break;
		exp = wire_get32(o->sigs + p + 2 + 8);
		if (exp > o->now && (exp - o->now) / 2 < iv)
			iv = (exp - o->now) / 2;
		p += 2u + rl;
	}
	if (iv < PROBE_MIN)
		iv = PROBE_MIN;
	m->next_probe_ms = now_ms + iv * 1000;
}

static void tell(res_ctx *r)
{
	res_5011 *m = r->ta5011;

	for (size_t i = 0; r->cfg.on_event && i < m->nev; i++) {
		res_event ev;

		memset(&ev, 0, sizeof(ev));
		ev.kind = RES_EV_ANCHOR;
		ev.name = m->ev[i].zone;
		ev.keytag = m->ev[i].tag;
		ev.state = m->ev[i].state;
		ev.why = m->ev[i].why;
		r->cfg.on_event(r->cfg.on_event_arg, &ev);
	}
	m->nev = 0;
}

static int is_trust_point(const m_set *s, const uint8_t *zn)
{
	for (size_t i = 0; i < s->nk; i++)
		if (wire_name_equal(s->k[i].zone, zn))
			return 1;
	for (size_t i = 0; i < s->nds; i++)
		if (wire_name_equal(s->ds[i].zone, zn))
			return 1;
	return 0;
}

/* Save the new set, then act on it: nothing changes unless the shell
 * made it durable. */
static void commit(res_ctx *r, m_set *n, int anchors)
{
	res_5011 *m = r->ta5011;
	char *text = render(n, file_head, 1);
	char *anc = anchors ? render(n, m->static_text, 0) : NULL;

	if (!text || (anchors && !anc) || !r->cfg.anchors_save ||
	    r->cfg.anchors_save(r->cfg.anchors_save_arg, text,
				strlen(text)) < 0) {
		free(text);
		free(anc);
		set_free(n);
		m->nev = 0;           /* not made: tried again next time */
		return;
	}
	free(text);
	set_free(&m->s);
	m->s = *n;
	m->written = 1;
	if (anc) {
		free(m->pending);
		m->pending = anc;
	}
	tell(r);
}

void res_5011_observe(res_ctx *r, const uint8_t *zn, const uint8_t *keys,
		      uint32_t klen, uint16_t kcount, const uint8_t *sigs,
		      uint32_t siglen, uint16_t sigcount, uint32_t ttl,
		      uint64_t now_ms)
{
	res_5011 *m = r->ta5011;
	m_set *n;
	obs o = { zn, keys, sigs, klen, siglen, ttl, kcount, sigcount,
		  now_ms / 1000 };
	int changed, anchors = 0, seeded;

	if (!m || !is_trust_point(&m->s, zn))
		return;
	schedule(m, &o, now_ms);
	n = malloc(sizeof(*n));      /* large: not on the stack */
	if (!n || set_copy(n, &m->s) < 0) {
		free(n);
		return;
	}
	m->nev = 0;
	seeded = !zone_has_keys(n, zn);
	changed = step_revoked(m, n, &o, &anchors);
	changed |= step_present(m, n, &o, seeded, &anchors);
	changed |= step_absent(m, n, &o);
	if (changed || !m->written)
		commit(r, n, anchors);   /* takes n's keys */
	else
		set_free(n);
	free(n);
}
