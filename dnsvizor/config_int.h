/*
 * dnsvizor/config_int.h — internal to the configuration files: the
 * converters (conf_rec.c) that turn dnsmasq-style record options into
 * RRs.  options.c runs them once, at parse time, with a sink that keeps
 * the RRs in the typed config (so --test reports bad values with
 * file:line); dv_build_db (config.c) adds those RRs to the local-data
 * store, through a sink of its own that the hosts-file reader uses too.
 * Also the token helpers conf_rec.c shares with that reader.
 */
#ifndef DV_CONFIG_INT_H
#define DV_CONFIG_INT_H

#include "dnsvizor/dnsvizor.h"

/* Where converted RRs go.  emit gets absolute owner name, type mnemonic,
 * TTL and presentation rdata; weak != 0 means "skip it if the owner has an
 * RRset of this type already" (dnsmasq: the first PTR for an address
 * wins).  Returns 0 or -1 with the reason in why. */
typedef struct dv_rr_sink dv_rr_sink;
struct dv_rr_sink {
	int (*emit)(dv_rr_sink *s, const char *owner, const char *type,
		    uint32_t ttl, const char *rdata, int weak);
	void *arg;              /* the emitter's own state */
	uint32_t ttl;           /* TTL for records that give none */
	char *why;              /* reason on failure (no option prefix) */
	size_t whylen;
};

/* Record converters: one option argument in, RRs out through s.
 * 0 or -1 with the reason in s->why. */
typedef int (*dv_rec_fn)(dv_rr_sink *s, const char *val);
int dv_rec_host(dv_rr_sink *s, const char *val);
int dv_rec_cname(dv_rr_sink *s, const char *val);
int dv_rec_mx(dv_rr_sink *s, const char *val);
int dv_rec_srv(dv_rr_sink *s, const char *val);
int dv_rec_txt(dv_rr_sink *s, const char *val);
int dv_rec_ptr(dv_rr_sink *s, const char *val);
int dv_rec_caa(dv_rr_sink *s, const char *val);

/* Run converter fn on val with a sink that keeps the RRs in *r (TTL
 * DV_TTL_LOCAL where the option gives none).  0 or -1 with why. */
int dv_local_rec_parse(dv_rec_fn fn, const char *val, dv_local_rec *r,
		       char *why, size_t whylen);
int dv_local_recs_add(dv_local_recs *l, const dv_local_rec *r);
void dv_local_rec_free(dv_local_rec *r);

/* --address=/dom/.../[addr]: calls fn once per domain ("#" = all);
 * af 0 (NXDOMAIN), 4 or 6.  0 or -1 with the reason in why. */
typedef int (*dv_addr_fn)(void *arg, const char *domain, int af,
			  const uint8_t *addr);
int dv_address_parse(const char *val, dv_addr_fn fn, void *arg, char *why,
		     size_t whylen);

/* Copy the n-byte name at s into out as an absolute presentation name
 * ("host.lan."), checking it is a usable DNS name.  0 or -1. */
int dv_name_abs(const char *s, size_t n, char *out, size_t outlen);

/* 1 if s is a textual IPv4 (af 4) / IPv6 (af 6) address; fills addr. */
int dv_parse_ip(const char *s, int *af, uint8_t addr[16]);
/* "ADDR[/PREFIX]" (no prefix: the whole address): 1 parsed, 0 not an
 * address, -1 bad prefix length. */
int dv_parse_prefix(const char *s, int *af, uint8_t addr[16], int *prefix);

/* ---- tokens (conf_rec.c) ---- */
enum { DV_NAMEBUF = 1024 };     /* presentation names, escapes included */
typedef struct dv_tok {
	const char *p;
	size_t n;
} dv_tok;
dv_tok dv_tok_trim(const char *p, size_t n);
/* Split at commas outside double quotes; -1 if more than max fields. */
int dv_csv_split(const char *val, dv_tok *t, int max);
int dv_tok_str(dv_tok t, char *out, size_t outlen);
/* t as an absolute name into out (DV_NAMEBUF bytes).  0 or -1. */
int dv_tok_name(dv_tok t, char *out);
int dv_tok_ip(dv_tok t, int *af, uint8_t addr[16]);
/* The reverse-lookup owner name of an address, and its text. */
void dv_rev_name(int af, const uint8_t *a, char *out, size_t outlen);
int dv_ip_str(int af, const uint8_t *a, char *out, size_t outlen);

#endif
