/*
 * dnsvizor/options_int.h — internal to the option table (options.c) and
 * the printers that write a dv_config back as a config file
 * (conf_dump.c, --dump-config).
 *
 * Every table entry is either dumped by a printer (its own, or the
 * generic one of its handler) or marked as one that has nothing to
 * dump: F_ACT (it only acts: --test, --help, --conf-file, ...), F_NOOP
 * (accepted, no effect), F_UNSUP (refused), F_ALIAS (its value is
 * dumped under another option's name: --local as --server,
 * --acme-staging as --acme-directory).  --list-options prints which
 * applies, so a test catches an entry that has none.
 */
#ifndef DV_OPTIONS_INT_H
#define DV_OPTIONS_INT_H

#include <stdio.h>
#include "dnsvizor/config_int.h"

enum { A_NONE, A_REQ, A_OPT };       /* argument kind */
enum {
	F_UNSUP = 1,      /* dnsmasq option, not implemented yet: error */
	F_NOOP = 2,       /* accepted, no effect (behaviour already matches) */
	F_CMDLINE = 4,    /* only on the command line */
	F_CONF = 8,       /* conf-file / conf-dir: applied before the rest */
	F_LISTEN = 16,    /* a listening address or interface */
	F_INFO = 32,      /* --help/--version/--man */
	F_ACT = 64,       /* only acts, keeps no setting: not dumped */
	F_ALIAS = 128,    /* dumped under another option's name */
};

typedef struct dv_parser dv_parser;
typedef struct dv_option dv_option;
typedef int (*dv_opt_fn)(dv_parser *p, const dv_option *o, const char *val);
/* Write the lines for option o of c (nothing when it equals def, the
 * defaults).  One "name" or "name=value" per line. */
typedef void (*dv_pr_fn)(FILE *out, const dv_option *o, const dv_config *c,
			 const dv_config *def);

struct dv_option {
	const char *name;
	char letter;          /* dnsmasq's short option, or 0 */
	unsigned char arg;    /* A_* */
	unsigned char flags;  /* F_* */
	dv_opt_fn fn;
	size_t off;           /* dv_config field for the generic handlers */
	long min, max;        /* numeric range */
	dv_rec_fn rec;        /* record converter (opt_rec) */
	const char *metavar;
	const char *help;
	dv_pr_fn pr;          /* printer; NULL: the handler's generic one */
};

struct dv_parser {
	dv_config *cfg;
	const char *src;      /* file being read, NULL: command line */
	unsigned line;
	int depth;            /* conf-file nesting */
	char *err;            /* every error, one line each */
	size_t errlen;
	int nerr;
	char **seen;          /* per table entry: where a single-valued
				 option was last set ("file:line" or
				 "command line"), for the duplicate warning */
};

/* ---- for the handlers; the generic handlers (conf_base.c) ---- */

/* Record an error "file:line: name: reason" (every one is kept, for
 * --test); returns -1. */
int dv_opt_fail(dv_parser *p, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The dv_config field of o (o->off). */
void *dv_opt_field(dv_parser *p, const dv_option *o);
int dv_opt_oom(dv_parser *p, const dv_option *o);
/* val as a number from o->min to o->max into *out.  0 or -1. */
int dv_opt_num(dv_parser *p, const dv_option *o, const char *val,
	       long *out);
int dv_opt_int(dv_parser *p, const dv_option *o, const char *val);
/* Replace the string field (empty or NULL val: unset). */
int dv_opt_set_str(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_list(dv_parser *p, const dv_option *o, const char *val);
/* Generic handlers of the table: a flag set to 1 (dv_opt_clear: to 0),
 * u16/u32 numbers in o->min..o->max, seconds stored as ms, byte sizes
 * with k/m/g, a string (dv_opt_str_empty: "" accepted), and the
 * informational options answered by main (dv_opt_info). */
int dv_opt_flag(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_clear(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_u16(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_u32(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_secs_ms(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_bytes(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_str(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_str_empty(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_info(dv_parser *p, const dv_option *o, const char *val);

/* The table (options.c), ended by an entry with name NULL. */
extern const dv_option dv_options[];

/* ---- handlers of their own kind (conf_opts.c) ---- */
int dv_opt_listen(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_iface(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_dhcp_range(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_dhcp_host(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_dhcp_option(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_rec(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_address(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_zone(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_dnssec_sign(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_dnssec_policy(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_dnssec_rollover(dv_parser *p, const dv_option *o,
			   const char *val);
int dv_opt_peer(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_dns_key(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_dns_key_file(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_acl(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_rrl_exempt(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_nsid(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_serial_policy(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_acme_key_type(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_acme_staging(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_acme_eab(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_acme_cert(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_dns_server(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_domain(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_log_facility(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_log_level(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_log_queries(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_port(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_rebind_ok(dv_parser *p, const dv_option *o, const char *val);
/* conf_policy.c: ADDR[/PREFIX] lists (dv_prefixes) */
int dv_opt_prefixes(dv_parser *p, const dv_option *o, const char *val);
void dv_pr_prefixes(FILE *out, const dv_option *o, const dv_config *c,
		    const dv_config *def);
/* conf_policy.c: empty values dnsmasq accepts, files that may be missing */
int dv_opt_iface_empty(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_u32_empty(dv_parser *p, const dv_option *o, const char *val);
void dv_pr_str_empty(FILE *out, const dv_option *o, const dv_config *c,
		     const dv_config *def);
int dv_opt_addn_hosts(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_resolv_file(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_alias(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_check_unsigned(dv_parser *p, const dv_option *o,
			  const char *val);
void dv_pr_none(FILE *out, const dv_option *o, const dv_config *c,
		const dv_config *def);
void dv_pr_aliases(FILE *out, const dv_option *o, const dv_config *c,
		   const dv_config *def);
int dv_opt_server(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_upstream(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_trust_anchor(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_ip_addr(dv_parser *p, const dv_option *o, const char *val);
int dv_opt_use_stale(dv_parser *p, const dv_option *o, const char *val);

/* ---- printers (conf_dump.c) ---- */

/* generic, by the kind of field at o->off */
void dv_pr_flag(FILE *out, const dv_option *o, const dv_config *c,
		const dv_config *def);
void dv_pr_clear(FILE *out, const dv_option *o, const dv_config *c,
		 const dv_config *def);
void dv_pr_int(FILE *out, const dv_option *o, const dv_config *c,
	       const dv_config *def);
void dv_pr_u16(FILE *out, const dv_option *o, const dv_config *c,
	       const dv_config *def);
void dv_pr_u32(FILE *out, const dv_option *o, const dv_config *c,
	       const dv_config *def);
void dv_pr_u64(FILE *out, const dv_option *o, const dv_config *c,
	       const dv_config *def);
void dv_pr_secs_ms(FILE *out, const dv_option *o, const dv_config *c,
		   const dv_config *def);
void dv_pr_str(FILE *out, const dv_option *o, const dv_config *c,
	       const dv_config *def);
void dv_pr_list(FILE *out, const dv_option *o, const dv_config *c,
		const dv_config *def);
/* option specific */
void dv_pr_log_queries(FILE *out, const dv_option *o, const dv_config *c,
		       const dv_config *def);
void dv_pr_log_level(FILE *out, const dv_option *o, const dv_config *c,
		     const dv_config *def);
void dv_pr_use_stale(FILE *out, const dv_option *o, const dv_config *c,
		     const dv_config *def);
void dv_pr_nsid(FILE *out, const dv_option *o, const dv_config *c,
		const dv_config *def);
void dv_pr_rrl_exempt(FILE *out, const dv_option *o, const dv_config *c,
		      const dv_config *def);
void dv_pr_serial_policy(FILE *out, const dv_option *o, const dv_config *c,
			 const dv_config *def);
void dv_pr_acme_key_type(FILE *out, const dv_option *o, const dv_config *c,
			 const dv_config *def);
void dv_pr_dhcp_option(FILE *out, const dv_option *o, const dv_config *c,
		       const dv_config *def);
/* typed DNS values (conf_dns.c) */
void dv_pr_policy_specs(FILE *out, const dv_option *o, const dv_config *c,
			const dv_config *def);
void dv_pr_sign_specs(FILE *out, const dv_option *o, const dv_config *c,
		      const dv_config *def);
void dv_pr_zones(FILE *out, const dv_option *o, const dv_config *c,
		 const dv_config *def);
void dv_pr_peers(FILE *out, const dv_option *o, const dv_config *c,
		 const dv_config *def);
void dv_pr_ipport(FILE *out, const dv_option *o, const dv_config *c,
		  const dv_config *def);
void dv_pr_servers(FILE *out, const dv_option *o, const dv_config *c,
		   const dv_config *def);
void dv_pr_upstreams(FILE *out, const dv_option *o, const dv_config *c,
		     const dv_config *def);
void dv_pr_anchors(FILE *out, const dv_option *o, const dv_config *c,
		   const dv_config *def);
void dv_pr_tsig_keys(FILE *out, const dv_option *o, const dv_config *c,
		     const dv_config *def);
void dv_pr_cert_orders(FILE *out, const dv_option *o, const dv_config *c,
		       const dv_config *def);
/* typed local data and ACLs (conf_rec.c) */
void dv_pr_local_recs(FILE *out, const dv_option *o, const dv_config *c,
		      const dv_config *def);
void dv_pr_addresses(FILE *out, const dv_option *o, const dv_config *c,
		     const dv_config *def);
void dv_pr_acls(FILE *out, const dv_option *o, const dv_config *c,
		const dv_config *def);
/* typed DHCP values (conf_dhcp.c) */
void dv_pr_dhcp_ranges(FILE *out, const dv_option *o, const dv_config *c,
		       const dv_config *def);
void dv_pr_dhcp_hosts(FILE *out, const dv_option *o, const dv_config *c,
		      const dv_config *def);

#endif
