/*
 * dnsvizor/conf.h — the typed values of the configuration: what the
 * option handlers (options.c) parse an option's text into, once.  The
 * code that builds the running state reads these fields and never splits
 * an option string again.  The parsers (conf_dns.c) take one option
 * value and fill one struct; they return 0, or -1 with the reason in why
 * (the option handler adds file:line and the option name).  Strings in
 * these structs are owned by the struct (the *_free functions).
 */
#ifndef DV_CONF_H
#define DV_CONF_H

#include <stddef.h>
#include <stdint.h>
#include "dhcp/dhcp.h"
#include "zones/zones.h"

enum { DV_IPSTR = 64 };

/* An IP address with a port: "IP[#PORT]". */
typedef struct dv_ipport {
	char ip[DV_IPSTR];      /* textual, as given (IPv6 may carry %IF) */
	int af;                 /* 4 or 6 */
	uint8_t addr[16];
	uint16_t port;          /* the default when not given */
	uint8_t has_port;       /* "#PORT" given */
} dv_ipport;

/* --zone=ORIGIN,FILE */
typedef struct dv_zone_spec {
	char *origin;           /* absolute: "example.com." */
	char *file;
} dv_zone_spec;

/* --secondary=ZONE,PRIMARY[#PORT][,KEYNAME] and
 * --notify=ZONE,ADDR[#PORT][,KEYNAME] */
typedef struct dv_peer_spec {
	char *zone;             /* absolute: "example.com." */
	dv_ipport addr;         /* port 53 unless given */
	char *key;              /* TSIG key name, NULL: unsigned */
} dv_peer_spec;

/* --dnssec-sign=ZONE[,ALGORITHM][,nsec|nsec3] */
typedef struct dv_sign_spec {
	char *zone;             /* absolute: "example.com." */
	uint8_t alg;            /* ZONE_ALG_ECDSAP256 (default), _ED25519 */
	uint8_t nsec3;          /* 1: NSEC3 (RFC 9276), 0: NSEC (default) */
} dv_sign_spec;

typedef struct dv_sign_specs {
	dv_sign_spec *v;
	size_t n;
} dv_sign_specs;

/* --dnssec-policy=ZONE,csk|kskzsk[,zsk-lifetime=D][,ksk-lifetime=D]
 *   [,propagation=D][,ds-ttl=D] (D: seconds, or N with s, m, h, d, w) */
typedef struct dv_policy_spec {
	char *zone;             /* absolute */
	uint8_t split;          /* 1: KSK + ZSK, 0: CSK (default) */
	uint64_t zsk_life;      /* s (default 30 days; 0 never) */
	uint64_t ksk_life;      /* s (default 0: never, manual) */
	uint32_t propagation;   /* s (default 1 hour) */
	uint32_t ds_ttl;        /* s, the parent's DS TTL (default 1 day) */
} dv_policy_spec;

typedef struct dv_policy_specs {
	dv_policy_spec *v;
	size_t n;
} dv_policy_specs;

/* --dnssec-rollover=ZONE,zsk|ksk|csk|ksk-submitted (one-shot) */
enum { DV_ROLL_SUBMITTED = 8 };   /* besides ZONE_ROLE_* */
typedef struct dv_roll_req {
	char *zone;             /* absolute; NULL: not asked */
	unsigned what;          /* ZONE_ROLE_ZSK, _KSK, _CSK, DV_ROLL_* */
} dv_roll_req;

/* Growable arrays of them (repeatable options). */
typedef struct dv_zone_specs {
	dv_zone_spec *v;
	size_t n;
} dv_zone_specs;

typedef struct dv_peer_specs {
	dv_peer_spec *v;
	size_t n;
} dv_peer_specs;

/* --server / --local: [/DOMAIN/[DOMAIN/...]][IP[#PORT]] */
typedef struct dv_fwd_rule {
	char **domains;         /* as given; none: every name */
	size_t ndomains;
	dv_ipport addr;         /* af 0: no server (local data only) */
} dv_fwd_rule;

typedef struct dv_fwd_rules {
	dv_fwd_rule *v;
	size_t n;
} dv_fwd_rules;

/* --dns-upstream=udp:|tcp:|tls:IP[:PORT][!NAME] */
enum { DV_UP_UDP = 0, DV_UP_TCP = 1, DV_UP_TLS = 2 };  /* = RES_T_* */
typedef struct dv_upstream {
	int transport;          /* DV_UP_* */
	dv_ipport addr;         /* port 53 (853 for tls:) unless given */
	char tls_name[256];     /* "" when not given */
} dv_upstream;

typedef struct dv_upstreams {
	dv_upstream *v;
	size_t n;
} dv_upstreams;

/* --trust-anchor=DOMAIN,KEYTAG,ALG,DIGESTTYPE,DIGEST (a DS record) */
typedef struct dv_anchor {
	char *domain;           /* absolute */
	uint16_t keytag;
	uint8_t alg, digest_type;
	char *digest;           /* hex, as given */
} dv_anchor;

typedef struct dv_anchors {
	dv_anchor *v;
	size_t n;
} dv_anchors;

/* --dhcp-range, --dhcp-host, --dhcp-option(-force): parsed once by
 * dhcp/'s own parsers (dhcp_range_parse, ...).  text[i] keeps the value
 * as given (with "force:" for --dhcp-option-force), only for
 * --dump-config: an option's wire form does not say how it was written. */
typedef struct dv_dhcp_ranges {
	dhcp_range *v;
	char **text;
	size_t n;
} dv_dhcp_ranges;

typedef struct dv_dhcp_hosts {
	dhcp_host *v;
	char **text;
	size_t n;
} dv_dhcp_hosts;

typedef struct dv_dhcp_opts {
	dhcp_opt *v;
	char **text;
	size_t n;
} dv_dhcp_opts;

/* Parse val and append it (conf_dhcp.c).  0 or -1 with why ("out of
 * memory" or the dhcp/ parser's reason). */
int dv_dhcp_ranges_add(dv_dhcp_ranges *l, const char *val, char *why,
		       size_t whylen);
int dv_dhcp_hosts_add(dv_dhcp_hosts *l, const char *val, char *why,
		      size_t whylen);
int dv_dhcp_opts_add(dv_dhcp_opts *l, const char *val, char *why,
		     size_t whylen);
void dv_dhcp_ranges_free(dv_dhcp_ranges *l);
void dv_dhcp_hosts_free(dv_dhcp_hosts *l);
void dv_dhcp_opts_free(dv_dhcp_opts *l);

/* --allow-update=ZONE,KEYNAME|ADDR[/PREFIX][,TYPE...] and
 * --allow-transfer=ZONE,KEYNAME|ADDR[/PREFIX] */
typedef struct dv_acl {
	char *zone;             /* absolute */
	char *key;              /* absolute key name; NULL: by address */
	int af;                 /* 4 or 6 when by address */
	uint8_t addr[16];
	int prefix;
	uint16_t types[32];     /* allow-update: only these (none: all) */
	size_t ntypes;
} dv_acl;

typedef struct dv_acls {
	dv_acl *v;
	size_t n;
} dv_acls;

/* transfer: --allow-transfer (no types).  conf_rec.c. */
int dv_acl_parse(const char *val, int transfer, dv_acl *a, char *why,
		 size_t whylen);
int dv_acls_add(dv_acls *l, const dv_acl *a);
void dv_acl_free(dv_acl *a);
void dv_acls_free(dv_acls *l);

/* --dns-key=NAME:ALG:BASE64, parsed by zone_tsig_key_parse. */
typedef struct dv_tsig_keys {
	zone_tsig_key *v;
	size_t n;
} dv_tsig_keys;

int dv_tsig_keys_add(dv_tsig_keys *l, const zone_tsig_key *k);
void dv_tsig_keys_free(dv_tsig_keys *l);
/* "NAME:ALG:BASE64" of k (as zone_tsig_key_parse reads it) into out. */
int dv_tsig_key_str(const zone_tsig_key *k, char *out, size_t outlen);

/* --acme-cert=NAME[,NAME...]: one certificate order. */
typedef struct dv_cert_order {
	char **names;           /* first: the subject CN and file stem */
	size_t nnames;
} dv_cert_order;

typedef struct dv_cert_orders {
	dv_cert_order *v;
	size_t n;
} dv_cert_orders;

/* Append the order of one --acme-cert value (names checked). */
int dv_cert_order_add(dv_cert_orders *l, const char *val, char *why,
		      size_t whylen);
void dv_cert_orders_free(dv_cert_orders *l);

/* The local records one option (--host-record, --cname, --mx-host,
 * --srv-host, --txt-record, --ptr-record, --caa-record) stands for, as
 * its converter (conf_rec.c) produced them at parse time. */
enum { DV_TTL_LOCAL = 0xffffffffu };   /* ttl: --local-ttl, whatever it is */
typedef struct dv_local_rr {
	char *owner;            /* absolute */
	char type[8];           /* "A", "PTR", "CNAME", ... */
	uint32_t ttl;           /* or DV_TTL_LOCAL */
	char *rdata;            /* presentation */
	int weak;               /* skipped if the owner has this type */
} dv_local_rr;

typedef struct dv_local_rec {
	dv_local_rr *rr;
	size_t nrr;
	char *text;             /* the value as given, for --dump-config */
} dv_local_rec;

typedef struct dv_local_recs {
	dv_local_rec *v;
	size_t n;
} dv_local_recs;

void dv_local_recs_free(dv_local_recs *l);

/* --address=/DOMAIN/[DOMAIN/...][ADDR] */
typedef struct dv_address {
	char **domains;         /* absolute, or "#": every name */
	size_t ndomains;
	int af;                 /* 0: NXDOMAIN, 4 or 6 */
	uint8_t addr[16];
} dv_address;

typedef struct dv_addresses {
	dv_address *v;
	size_t n;
} dv_addresses;

int dv_addresses_add(dv_addresses *l, const char *val, char *why,
		     size_t whylen);
void dv_addresses_free(dv_addresses *l);

/* "IP" or "IP#PORT" (n bytes at s); port defport when not given. */
int dv_ipport_parse(const char *s, size_t n, uint16_t defport, dv_ipport *a);
/* Write "IP" or "IP#PORT" (as given) into out. */
void dv_ipport_str(const dv_ipport *a, char *out, size_t outlen);

int dv_zone_spec_parse(const char *val, dv_zone_spec *z, char *why,
		       size_t whylen);
/* what: "ZONE,PRIMARY" or "ZONE,ADDR" for the message. */
int dv_peer_spec_parse(const char *val, const char *what, dv_peer_spec *s,
		       char *why, size_t whylen);
/* Append (the list takes over the strings of *z / *s).  0 or -1. */
int dv_zone_specs_add(dv_zone_specs *l, const dv_zone_spec *z);
int dv_peer_specs_add(dv_peer_specs *l, const dv_peer_spec *s);
void dv_zone_specs_free(dv_zone_specs *l);
/* --dnssec-sign (conf_dns.c); the algorithm by number or name
 * (ecdsap256sha256, ed25519). */
int dv_sign_spec_parse(const char *val, dv_sign_spec *s, char *why,
		       size_t whylen);
int dv_sign_specs_add(dv_sign_specs *l, const dv_sign_spec *s);
void dv_sign_specs_free(dv_sign_specs *l);
/* The algorithm's name as --dnssec-sign takes it. */
const char *dv_sign_alg_name(uint8_t alg);
/* --dnssec-policy and --dnssec-rollover (conf_dns.c). */
int dv_policy_spec_parse(const char *val, dv_policy_spec *s, char *why,
			 size_t whylen);
int dv_policy_specs_add(dv_policy_specs *l, const dv_policy_spec *s);
void dv_policy_specs_free(dv_policy_specs *l);
int dv_roll_req_parse(const char *val, dv_roll_req *r, char *why,
		      size_t whylen);
/* The policy of zone in l (defaults when none is given). */
dv_policy_spec dv_policy_of(const dv_policy_specs *l, const char *zn);
void dv_peer_specs_free(dv_peer_specs *l);

int dv_fwd_rule_parse(const char *val, dv_fwd_rule *r, char *why,
		      size_t whylen);
int dv_upstream_parse(const char *val, dv_upstream *u, char *why,
		      size_t whylen);
int dv_anchor_parse(const char *val, dv_anchor *t, char *why,
		    size_t whylen);
int dv_fwd_rules_add(dv_fwd_rules *l, const dv_fwd_rule *r);
int dv_upstreams_add(dv_upstreams *l, const dv_upstream *u);
int dv_anchors_add(dv_anchors *l, const dv_anchor *t);
void dv_fwd_rule_free(dv_fwd_rule *r);
void dv_fwd_rules_free(dv_fwd_rules *l);
void dv_upstreams_free(dv_upstreams *l);
void dv_anchors_free(dv_anchors *l);

#endif
