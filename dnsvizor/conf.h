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

/* Growable arrays of them (repeatable options). */
typedef struct dv_zone_specs {
	dv_zone_spec *v;
	size_t n;
} dv_zone_specs;

typedef struct dv_peer_specs {
	dv_peer_spec *v;
	size_t n;
} dv_peer_specs;

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
void dv_peer_specs_free(dv_peer_specs *l);

#endif
