/*
 * dnsvizor/ — the shell: configuration, event loop, sockets, signals,
 * logging, privilege drop.  The only module that does I/O or reads the
 * clock.  There is no global daemon state: one dv_ctx is passed around.
 *
 * Files, by service (each with its own header where others call it):
 *   configuration  options.c (the option table and the parser),
 *                  conf_base.c (generic handlers, errors), conf_opts.c
 *                  (handlers of their own kind), conf_dns.c, conf_dhcp.c,
 *                  conf_rec.c (value parsers into the typed fields of
 *                  conf.h), conf_dump.c (--dump-config printers),
 *                  conf_help.c (--help, --man), config.c (dv_config
 *                  lifetime, building the zone_db), tsigkeys.c (keys)
 *   start-up       main.c (embedded defaults, signals, reload, pid file,
 *                  privilege drop, interface addresses via libnl)
 *   leaves         log.c, fileio.c (whole-file reads, atomic writes),
 *                  addr.c (socket addresses), querylog.c
 *   DNS service    net.c (UDP batches, TCP/DoT/DoH connections), tls.c
 *                  (server TLS contexts), dohconn.c + doh.c (DoH),
 *                  abuse.c (cookies, NSID, RRL), xfrout.c (AXFR/IXFR out)
 *   zones          persist.c (journal, snapshots, durability hook),
 *                  localupd.c (local UPDATEs), notify.c, secondary.c
 *   outgoing       outq.c (the one outgoing DNS service), dot.c (DoT
 *                  upstreams)
 *   resolver       resolve.c (drives resolver/)
 *   DHCP           dhcpd.c, dhcpraw.c, dhcpping.c, leasedns.c
 *   ACME           acme_shell.c (engine, HTTPS to the CA, files),
 *                  acme_dns.c (DNS-01 publishing and waiting),
 *                  acme_tlsa.c (the TLSA convention's scan)
 *
 * No two shell files call each other, directly or around a loop
 * (contrib/check-loops.sh, run by make): a feature reaches a service
 * through that service's header, and a service calls up only through a
 * pointer the feature gave it (ctx->doh_ops, ctx->conn_reply, outq
 * callbacks).
 *
 * Headers: this one (config, logging, files) for everything; ctx.h for
 * the daemon context; conf.h for the typed option values; each feature
 * its own, included only where its functions are called.
 */
#ifndef DV_DNSVIZOR_H
#define DV_DNSVIZOR_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "zones/zones.h"
#include "dnsvizor/conf.h"

#define DV_VERSION "0.1.0"

/* ---- logging (log.c) ---- */
enum { DV_LOG_ERR = 3, DV_LOG_WARN = 4, DV_LOG_INFO = 6, DV_LOG_DEBUG = 7 };
struct dv_logrl;
typedef struct dv_logger {
	int use_syslog;   /* 0: stderr */
	int level;        /* messages above this level are not shown */
	int facility;     /* syslog facility (LOG_DAEMON by default) */
	int stamp;        /* a log file: lines start with the local time as
			     dnsmasq's ("Dec  8 01:25:24 "), for its tools */
	struct dv_logrl *rl; /* error/warning rate limiter (dv_log_open) */
} dv_logger;
/*
 * Error and warning lines are rate limited per cause (the calling site):
 * at most DV_LOG_BURST lines of one cause per DV_LOG_INTERVAL seconds;
 * the next line of that cause after the interval carries the count of
 * the ones left out ("(N more like this suppressed)").  Info and debug
 * lines are not limited.  dv_log_close frees the limiter.
 */
enum { DV_LOG_BURST = 3, DV_LOG_INTERVAL = 10 };
void dv_log_open(dv_logger *lg);
void dv_log_close(dv_logger *lg);
void dv_log(const dv_logger *lg, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same without the rate limit, for lines the caller already bounds
 * (logged once per cause, like an unsupported DNSSEC algorithm). */
void dv_log_bounded(const dv_logger *lg, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* syslog facility for a name ("daemon", "local0".."local7", "user", ...),
 * or -1 if unknown. */
int dv_log_facility(const char *name);

/* ---- configuration (options.c, config.c) ---- */

/* A list of strings (repeatable options). */
typedef struct dv_strlist {
	char **v;
	size_t n;
} dv_strlist;
int dv_strlist_add(dv_strlist *l, const char *s);
int dv_strlist_has(const dv_strlist *l, const char *s);
void dv_strlist_free(dv_strlist *l);

/* An address prefix (--rrl-exempt). */
typedef struct dv_prefix {
	int af;                     /* 4 or 6 */
	int len;                    /* prefix length in bits */
	uint8_t addr[16];
} dv_prefix;

enum { DV_RRL_EXEMPT_MAX = 64 };

/* --alias=OLD|START-END,NEW[,MASK] (IPv4, as dnsmasq). */
typedef struct dv_alias {
	uint8_t lo[4], hi[4], to[4], mask[4];
	int range;
} dv_alias;

typedef struct dv_aliases {
	dv_alias *v;
	size_t n;
} dv_aliases;

/* A repeatable ADDR[/PREFIX] option (--bogus-nxdomain, ...). */
typedef struct dv_prefixes {
	dv_prefix *v;
	size_t n;
} dv_prefixes;

typedef struct dv_config {
	/* network */
	int port;                   /* default 53 */
	dv_strlist listen_addrs;    /* --listen-address (textual IPs) */
	dv_strlist interfaces;      /* --interface */
	int tcp_max_conns;          /* --tcp-max-connections (default 128) */
	int tcp_idle_ms;            /* --tcp-idle-timeout in ms (default 10000) */
	uint16_t edns_max;          /* --edns-packet-max (default 1232) */
	int dot_port, doh_port;     /* --dot-port / --doh-port (0: none) */
	char *tls_cert, *tls_key;   /* --tls-cert / --tls-key (PEM files) */
	/* process */
	char *user, *group;         /* --user / --group (drop after bind) */
	char *pid_file;             /* --pid-file */
	char *state_dir;            /* --state-dir (default /var/lib/dnsvizor) */
	int log_queries;            /* --log-queries: 1, =extra: 2 */
	char *log_facility;         /* --log-facility: "-" or unset = stderr,
				       else a syslog facility name */
	int log_level;              /* --log-level (err|warn|info|debug) */
	int test_only;              /* --test */
	int dump_only;              /* --dump-config */
	/* data */
	int no_hosts;               /* --no-hosts: do not read /etc/hosts */
	dv_strlist addn_hosts;      /* --addn-hosts files / dirs */
	int expand_hosts;           /* --expand-hosts */
	char *domain;               /* --domain */
	uint32_t local_ttl;         /* --local-ttl (default 0) */
	dv_local_recs host_records; /* --host-record */
	dv_addresses addresses;     /* --address */
	dv_local_recs cnames;       /* --cname */
	dv_local_recs mx_hosts;     /* --mx-host */
	dv_local_recs srv_hosts;    /* --srv-host */
	dv_local_recs txt_records;  /* --txt-record */
	dv_local_recs ptr_records;  /* --ptr-record */
	dv_local_recs caa_records;  /* --caa-record */
	dv_zone_specs zones;        /* --zone=ORIGIN,FILE */
	dv_sign_specs dnssec_sign;  /* --dnssec-sign */
	char *print_ds;             /* --print-ds=ZONE */
	dv_policy_specs dnssec_policy; /* --dnssec-policy */
	dv_roll_req dnssec_rollover;   /* --dnssec-rollover (one-shot) */
	dv_peer_specs dnssec_parent;   /* --dnssec-parent=ZONE,ADDR[#PORT] */
	dv_acls allow_update;       /* --allow-update */
	dv_acls allow_transfer;     /* --allow-transfer */
	int serial_policy;          /* --serial-policy: ZONE_SERIAL_* */
	dv_peer_specs secondaries;  /* --secondary=ZONE,PRIMARY[#PORT]
				       [,KEYNAME] */
	dv_peer_specs notify;       /* --notify=ZONE,ADDR[#PORT][,KEY] */
	dv_strlist notify_ns;       /* --notify-ns=ZONE */
	dv_strlist journal_recover; /* --journal-recover=ZONE */
	int no_ident;               /* --no-ident */
	dv_tsig_keys dns_keys;      /* --dns-key=NAME:ALG:BASE64 */
	dv_strlist dns_key_files;   /* --dns-key-file=FILE */
	/* resolver (issue 4) */
	int recursion;              /* 1 (default): resolve names outside our
				       data; --no-recursion: REFUSED */
	dv_fwd_rules servers;       /* --server, --local */
	dv_upstreams dns_upstreams; /* --dns-upstream (robur) */
	int no_resolv;              /* --no-resolv */
	char *resolv_file;          /* --resolv-file (/etc/resolv.conf) */
	int strict_order, all_servers;
	char *root_hints;           /* --root-hints=FILE */
	uint32_t cache_size;        /* --cache-size (entries, 10000) */
	uint64_t cache_max_bytes;   /* --cache-max-bytes (0: automatic) */
	uint32_t neg_ttl, max_cache_ttl, min_cache_ttl; /* 0 = unset */
	int no_negcache;
	int use_stale;              /* --use-stale-cache[=SECONDS] */
	uint32_t stale_max_age;     /* its SECONDS (0 = engine default) */
	int qname_min;              /* default 1 */
	dv_ipport outgoing_addr;    /* --outgoing-address=IP (af 0: none) */
	int allow_loopback;         /* --allow-loopback-upstream */
	int ipv4_only, ipv6_only;
	int dnssec, dnssec_no_timecheck;
	dv_anchors trust_anchors;   /* --trust-anchor */
	dv_strlist trust_anchor_files;
	dv_strlist nta;             /* --negative-trust-anchor */
	int domain_needed, bogus_priv;  /* --domain-needed, --bogus-priv */
	int stop_rebind;            /* --stop-dns-rebind */
	int rebind_localhost_ok;    /* --rebind-localhost-ok */
	dv_strlist rebind_ok;       /* --rebind-domain-ok, one domain each */
	dv_prefixes bogus_nx;       /* --bogus-nxdomain */
	dv_prefixes ignore_addr;    /* --ignore-address */
	int filter_a, filter_aaaa;  /* --filter-A, --filter-AAAA */
	int filterwin2k;            /* --filterwin2k */
	dv_strlist addn_hosts_at;   /* where each --addn-hosts was given
				       ("file:line"; for warnings) */
	char *resolv_file_at;       /* where --resolv-file was given */
	dv_aliases aliases;         /* --alias */
	/* DHCPv4 server (issue 5, dhcpd.c) */
	dv_dhcp_ranges dhcp_ranges; /* --dhcp-range */
	dv_dhcp_hosts dhcp_hosts;   /* --dhcp-host */
	dv_dhcp_opts dhcp_options;  /* --dhcp-option, --dhcp-option-force
				       (dhcp_opt.force set) */
	dv_strlist no_dhcp_ifaces;  /* --no-dhcp-interface */
	dv_strlist except_ifaces;   /* --except-interface */
	int dhcp_authoritative, dhcp_rapid_commit, dhcp_ignore_names;
	int log_dhcp;               /* --log-dhcp */
	uint32_t dhcp_lease_max;    /* --dhcp-lease-max (0: default 1000) */
	char *dhcp_leasefile;       /* --dhcp-leasefile (text export) */
	/* ACME DNS-01 certificates (acme_shell.c) */
	char *acme_directory;       /* --acme-directory URL (default: Let's
				       Encrypt production) */
	char *acme_email;           /* --acme-email */
	int acme_agree_tos;         /* --acme-agree-tos */
	char *acme_eab;             /* --acme-eab=KID:HMAC */
	char *acme_ca_file;         /* --acme-ca-file (CA's HTTPS trust) */
	dv_cert_orders acme_certs;  /* --acme-cert=NAME[,NAME...] */
	int acme_key_type;          /* --acme-key-type: ACME_KEY_* */
	int acme_renew_now;         /* --acme-renew-now */
	dv_ipport dns_server;       /* --dns-server=IP[#PORT] (RFC 2136 to an
				       external primary, robur; af 0: none) */
	/* abuse resistance (issue 10) */
	int tcp_max_per_addr;       /* --tcp-max-per-address (0: a quarter of
				       tcp_max_conns, at least 1) */
	int ident;                  /* --ident: CHAOS identity answered to
				       every client, not only over loopback */
	/* RRL, cookies, NSID (issue 10, abuse.c) */
	uint32_t rrl_rate;          /* --rrl-rate: responses/s per bucket,
				       0: no rate limiting */
	int rrl_slip;               /* --rrl-slip (default 2) */
	int rrl_v4_prefix;          /* --rrl-ipv4-prefix (default 24) */
	int rrl_v6_prefix;          /* --rrl-ipv6-prefix (default 56) */
	dv_prefix rrl_exempt[DV_RRL_EXEMPT_MAX]; /* --rrl-exempt */
	int n_rrl_exempt;
	uint8_t nsid[ZONE_NSID_MAX]; /* --nsid payload */
	uint16_t nsid_len;          /* 0: no NSID */
	/* bookkeeping */
	int embedded_default;       /* no configuration given: the embedded
				       default (loopback, port 5300) */
	char conf_origin[512];      /* "FILE, FILE and the command line";
				       empty with the embedded default */
	char *hosts_file;           /* "/etc/hosts" unless --no-hosts */
	dv_strlist parse_warnings;  /* "file:line: option: why", logged once
				       logging is set up */
	dv_strlist file_opts;       /* "name=value\tFILE:LINE" of the options
				       that name input files */
	/* resolver fairness (issue 10); 0: the engine's default */
	uint32_t dns_forward_max;   /* --dns-forward-max (1000) */
	uint32_t jostle_timeout;    /* --jostle-timeout ms (200) */
	uint32_t per_client;        /* --recursions-per-client (200) */
	uint32_t per_server;        /* --outstanding-per-server (200) */
	uint32_t per_zone;          /* --outstanding-per-zone (100) */
	int no_upstream_cookies;    /* --no-upstream-cookies (RFC 7873) */
} dv_config;

/*
 * Parse the command line and every config file it names.  If the command
 * line holds no configuration (no --conf-file/--conf-dir, no option but
 * --state-dir and the ones that only act), the embedded default
 * configuration is parsed (loopback 127.0.0.1 and ::1, port 5300,
 * localhost names); otherwise dnsmasq's defaults apply (port 53, every
 * address).  Errors: returns -1 with "file:line: option: reason"
 * (or "command line: option: reason") in err.
 */
int dv_config_load(dv_config *cfg, int argc, char **argv, char *err,
		   size_t errlen);
void dv_config_free(dv_config *cfg);
void dv_config_defaults(dv_config *cfg);
/* Where the option `name` naming `file` was given ("FILE:LINE" or
 * "command line"; for zone=ORIGIN,FILE the FILE part), so that an error
 * reading that file names the option's line; NULL when unknown. */
const char *dv_config_where(const dv_config *cfg, const char *name,
			    const char *file);
/* msg becomes "WHERE: name: msg" ("name: msg" when the place is not
 * known). */
void dv_config_where_prefix(const dv_config *cfg, const char *name,
			    const char *file, char *msg, size_t len);
/* --help and --man output, generated from the option table. */
void dv_print_help(FILE *out);
void dv_print_man(FILE *out);
/* --dump-config: cfg as config file lines (options.c, conf_dump.c). */
void dv_config_dump(FILE *out, const dv_config *cfg);
/* --list-options: "NAME ARGKIND CLASS" per table entry (CLASS: dump,
 * action, noop, unsupported, alias; MISSING: no printer, a bug). */
void dv_list_options(FILE *out);

/*
 * Build the answer database from a configuration: zone files (--zone),
 * hosts files, and the dnsmasq-style local records.  If old is not NULL, a
 * zone that fails to load is taken over from old (its error is logged); with
 * old == NULL any error fails the build (start-up and --test).  Returns NULL
 * with the reason in err.  hosts (may be NULL): receives which hosts file
 * each local name came from, for the query log (querylog.h).
 */
struct dv_qlog_hosts;
zone_db *dv_build_db(const dv_config *cfg, const zone_db *old,
		     const dv_logger *lg, struct dv_qlog_hosts *hosts,
		     char *err, size_t errlen);

/* secondary.c: add the --secondary zones to db (the running zone from
 * old when there is one, else an empty SERVFAIL placeholder) and accept
 * their primaries' NOTIFYs.  0 or -1 with the reason in err. */
int dv_secondary_build(const dv_config *cfg, const zone_db *old,
		       zone_db *db, char *err, size_t errlen);

/* tsigkeys.c: TSIG keys from --dns-key and --dns-key-file (BIND
 * `key "n" { algorithm A; secret "S"; };` blocks and NAME:ALG:BASE64
 * entries).  kr NULL: only check.  0 or -1 with "file:line: reason". */
int dv_keyfile_parse(const char *text, size_t len, const char *fname,
		     zone_keyring *kr, char *err, size_t errlen);
int dv_keyfile_load(const char *path, zone_keyring *kr, char *err,
		    size_t errlen);
/* Build the keyring of cfg and attach it to db.  0 or -1 + err. */
int dv_keys_build(const dv_config *cfg, zone_db *db, char *err,
		  size_t errlen);

/* fileio.c: read a whole file (zone_read_fn): 0 or -errno. */
int dv_read_file(void *arg, const char *path, char **data, size_t *len);

/* fileio.c: crash-safe file writes.  dv_write_atomic replaces path with
 * data: a temp file beside it (mode), fsync, rename, directory fsync; a
 * path that is a device or FIFO (/dev/null) is written in place, never
 * replaced. */
int dv_write_all(int fd, const void *buf, size_t len);
int dv_fsync_dir(const char *dir);
int dv_write_atomic(const char *path, const void *data, size_t len,
		    mode_t mode);
/* chown dir and everything below it (symbolic links themselves, not
 * what they point to) to uid:gid.  0, or -1 with errno and the path
 * that failed in bad. */
int dv_chown_tree(const char *dir, uid_t uid, gid_t gid, char *bad,
		  size_t badlen);

#endif
