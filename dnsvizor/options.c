/*
 * The option table and the parser it drives: the command line and config
 * files (--conf-file, --conf-dir, the embedded default), the generic
 * handlers (numbers, strings, lists) and --dump-config / --list-options.
 * Handlers of their own kind are in conf_opts.c, value parsers in
 * conf_dns.c, conf_dhcp.c and conf_rec.c, printers in conf_dump.c,
 * --help and --man in conf_help.c.  Names, short letters and meanings
 * follow dnsmasq wherever dnsmasq has the option; dnsmasq options that
 * dnsvizor does not implement are in the table too, so that a dnsmasq
 * config stops with a clear "not supported yet" instead of "unknown
 * option".
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "dnsvizor/config_int.h"
#include "dnsvizor/options_int.h"
#include "dhcp/dhcp.h"

enum { DV_MAX_DEPTH = 16 };

/* The embedded default configuration (no configuration given). */
static const char dv_default_conf[] =
	"# dnsvizor embedded default: serve on loopback, port 5300,\n"
	"# answering from /etc/hosts.\n"
	"listen-address=127.0.0.1\n"
	"listen-address=::1\n"
	"port=5300\n";
static const char dv_default_name[] = "(embedded default config)";

static int parse_text(dv_parser *p, const char *src, char *text);

static int opt_conf_file(dv_parser *p, const dv_option *o, const char *val)
{
	char *text;
	size_t len;
	int rc;

	if (!*val)
		return dv_opt_fail(p, o->name, "empty value");
	if (p->depth >= DV_MAX_DEPTH)
		return dv_opt_fail(p, o->name,
				   "%s: nested too deeply (limit %d)",
				   val, DV_MAX_DEPTH);
	rc = dv_read_file(NULL, val, &text, &len);
	if (rc < 0)
		return dv_opt_fail(p, o->name, "cannot read %s: %s", val,
				strerror(-rc));
	if (memchr(text, '\0', len)) {
		free(text);
		return dv_opt_fail(p, o->name, "%s: not a text file", val);
	}
	p->depth++;
	rc = parse_text(p, val, text);
	p->depth--;
	free(text);
	return rc;
}

/* ---- --conf-dir=DIR[,.ext...][,*.ext...] ---- */

typedef struct dir_filter {
	dv_strlist only;   /* "*.conf": read only these */
	dv_strlist skip;   /* ".bak": never read these */
} dir_filter;

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int dir_wanted(const dir_filter *f, const char *name)
{
	size_t n = strlen(name), i;

	if (name[0] == '.' || name[n - 1] == '~' ||
	    (name[0] == '#' && n > 1 && name[n - 1] == '#'))
		return 0;
	for (i = 0; i < f->skip.n; i++)
		if (ends_with(name, f->skip.v[i]))
			return 0;
	for (i = 0; i < f->only.n; i++)
		if (ends_with(name, f->only.v[i]))
			return 1;
	return f->only.n == 0;
}

static int dir_filter_parse(dir_filter *f, char *exts)
{
	char *save = NULL;

	for (char *e = strtok_r(exts, ",", &save); e;
	     e = strtok_r(NULL, ",", &save)) {
		e += strspn(e, " \t");
		e[strcspn(e, " \t")] = '\0';
		if (!*e)
			continue;
		if (dv_strlist_add(*e == '*' ? &f->only : &f->skip,
				   *e == '*' ? e + 1 : e) < 0)
			return -1;
	}
	return 0;
}

static int conf_dir_file(dv_parser *p, const dv_option *o, const char *dir,
			 const char *name)
{
	char path[4096];
	struct stat st;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		return dv_opt_fail(p, o->name, "path too long in %s", dir);
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	return opt_conf_file(p, o, path);
}

static int conf_dir_read(dv_parser *p, const dv_option *o, const char *dir,
			 const dir_filter *f)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort), rc = 0;

	if (n < 0)
		return dv_opt_fail(p, o->name, "cannot read directory %s: %s",
				dir, strerror(errno));
	for (int i = 0; i < n; i++) {
		if (rc == 0 && dir_wanted(f, names[i]->d_name))
			rc = conf_dir_file(p, o, dir, names[i]->d_name);
		free(names[i]);
	}
	free(names);
	return rc;
}

static int opt_conf_dir(dv_parser *p, const dv_option *o, const char *val)
{
	dir_filter f = { { NULL, 0 }, { NULL, 0 } };
	char *copy = strdup(val), *comma;
	int rc;

	if (!copy)
		return dv_opt_oom(p, o);
	comma = strchr(copy, ',');
	if (comma)
		*comma++ = '\0';
	if (!*copy)
		rc = dv_opt_fail(p, o->name, "empty directory name");
	else if (comma && dir_filter_parse(&f, comma) < 0)
		rc = dv_opt_oom(p, o);
	else
		rc = conf_dir_read(p, o, copy, &f);
	dv_strlist_free(&f.only);
	dv_strlist_free(&f.skip);
	free(copy);
	return rc;
}

/* ---- the table ---- */

#define OFF(f) offsetof(dv_config, f)
#define OPT(n, l, a, fl, h, of, lo, hi, mv, txt) \
	{ .name = n, .letter = l, .arg = a, .flags = fl, .fn = h, \
	  .off = of, .min = lo, .max = hi, .metavar = mv, .help = txt }
#define FLAG(n, l, f, txt)  OPT(n, l, A_NONE, 0, dv_opt_flag, OFF(f), 0, 0, \
				NULL, txt)
#define STR(n, l, f, mv, txt) OPT(n, l, A_REQ, 0, dv_opt_str, OFF(f), 0, 0, \
				  mv, txt)
#define LIST(n, l, f, mv, txt) OPT(n, l, A_REQ, 0, dv_opt_list, OFF(f), 0, 0, \
				   mv, txt)
#define REC(n, l, f, r, mv, txt) \
	{ .name = n, .letter = l, .arg = A_REQ, .fn = dv_opt_rec, \
	  .off = OFF(f), .rec = r, .metavar = mv, .help = txt }
#define NOOP(n, l, a, txt) { .name = n, .letter = l, .arg = a, \
			     .flags = F_NOOP, .help = txt }
#define UNSUP(n, l) { .name = n, .letter = l, .arg = A_OPT, .flags = F_UNSUP }

const dv_option dv_options[] = {
	/* network */
	OPT("port", 'p', A_REQ, 0, dv_opt_port, OFF(port), 0, 65535, "PORT",
	    "Listen on this port (UDP and TCP). Default 53; the embedded "
	    "default configuration (no configuration given) uses 5300. 0 "
	    "disables DNS entirely (no DNS sockets; DHCP still works)."),
	OPT("listen-address", 'a', A_REQ, F_LISTEN, dv_opt_listen,
	    OFF(listen_addrs), 0, 0, "ADDR[,ADDR...]",
	    "Listen on these IPv4/IPv6 addresses. Repeatable. Default: "
	    "every address."),
	OPT("interface", 'i', A_REQ, F_LISTEN, dv_opt_iface_empty,
	    OFF(interfaces), 0,
	    0, "IFNAME[,IFNAME...]",
	    "Listen on the addresses of these interfaces. Repeatable."),
	OPT("except-interface", 'I', A_REQ, F_LISTEN, dv_opt_iface_empty,
	    OFF(except_ifaces), 0, 0, "IFNAME[,IFNAME...]",
	    "Serve neither DNS nor DHCP on these interfaces: without "
	    "--interface or --listen-address, DNS listens on the addresses "
	    "of every other interface present at start (dnsmasq's "
	    "--bind-interfaces behaviour). Repeatable."),
	OPT("edns-packet-max", 'P', A_REQ, 0, dv_opt_u16, OFF(edns_max), 512,
	    65535, "SIZE", "Largest UDP answer we send with EDNS0 (default "
	    "1232)."),
	OPT("tcp-max-connections", 0, A_REQ, 0, dv_opt_int, OFF(tcp_max_conns),
	    1, 100000, "N", "Most concurrent TCP, DoT and DoH connections "
	    "together (default 128); see --tcp-max-per-address."),
	OPT("max-tcp-connections", 0, A_REQ, F_ALIAS, dv_opt_int,
	    OFF(tcp_max_conns), 1, 100000, "N", "dnsmasq's name for "
	    "--tcp-max-connections."),
	OPT("tcp-idle-timeout", 0, A_REQ, 0, dv_opt_secs_ms, OFF(tcp_idle_ms), 1,
	    86400, "SECONDS", "Close idle TCP connections after this many "
	    "seconds (default 10)."),
	OPT("dot-port", 0, A_REQ, 0, dv_opt_int, OFF(dot_port), 1, 65535,
	    "PORT", "Also serve DNS over TLS (RFC 7858) on this port "
	    "(conventionally 853) on every listen address. Needs "
	    "--tls-cert."),
	OPT("doh-port", 0, A_REQ, 0, dv_opt_int, OFF(doh_port), 1, 65535,
	    "PORT", "Also serve DNS over HTTPS (RFC 8484: GET and POST at "
	    "/dns-query, HTTP/2 and HTTP/1.1) on this port (conventionally "
	    "443) on every listen address. Needs --tls-cert."),
	STR("tls-cert", 0, tls_cert, "FILE", "Certificate for --dot-port "
	    "and --doh-port (PEM, the chain may follow). Re-read on SIGHUP; "
	    "open connections keep the old one."),
	STR("tls-key", 0, tls_key, "FILE", "Private key for --tls-cert "
	    "(PEM; default: the --tls-cert file)."),
	/* ACME (acme_shell.c) */
	OPT("acme-cert", 0, A_REQ, 0, dv_opt_acme_cert, OFF(acme_certs), 0, 0,
	    "NAME[,NAME...]", "Keep a certificate for these names issued by "
	    "the ACME CA (DNS-01; *.NAME allowed). The first name is the "
	    "subject CN and the file stem: STATE/certs/NAME.crt and .key "
	    "('*' written as '_'). The first --acme-cert feeds --dot-port / "
	    "--doh-port unless --tls-cert is given. Repeatable."),
	STR("acme-directory", 0, acme_directory, "URL", "ACME directory URL "
	    "(default: Let's Encrypt production, https://acme-v02.api."
	    "letsencrypt.org/directory)."),
	OPT("acme-staging", 0, A_NONE, F_ALIAS, dv_opt_acme_staging,
	    OFF(acme_directory), 0, 0, NULL, "Use Let's Encrypt's staging "
	    "directory."),
	STR("acme-email", 0, acme_email, "ADDR", "Contact address of the "
	    "ACME account."),
	FLAG("acme-agree-tos", 0, acme_agree_tos, "Agree to the ACME CA's "
	     "terms of service (required to create the account)."),
	OPT("acme-eab", 0, A_REQ, 0, dv_opt_acme_eab, OFF(acme_eab), 0, 0,
	    "KID:HMAC", "External account binding (RFC 8555 7.3.4) for CAs "
	    "that require it."),
	STR("acme-ca-file", 0, acme_ca_file, "FILE", "Trust these CA "
	    "certificates (PEM) for the ACME server's HTTPS instead of the "
	    "system store."),
	OPT("acme-key-type", 0, A_REQ, 0, dv_opt_acme_key_type,
	    OFF(acme_key_type), 0, 0, "ec|rsa2048|rsa3072", "Key type of "
	    "the certificates (default ec: ECDSA P-256)."),
	FLAG("acme-renew-now", 0, acme_renew_now, "Renew every --acme-cert "
	     "at start, whatever its expiry."),
	OPT("dns-server", 0, A_REQ, 0, dv_opt_dns_server, OFF(dns_server), 0, 0,
	    "IP[#PORT]", "External primary for challenge names outside our "
	    "own zones: DNS-01 TXT records are added and removed there by "
	    "RFC 2136 UPDATE signed with the first --dns-key."),
	/* configuration */
	OPT("conf-file", 'C', A_REQ, F_CONF | F_ACT, opt_conf_file, 0, 0, 0,
	    "FILE",
	    "Read options from FILE (one option per line, without the "
	    "leading --). May be nested and repeated."),
	OPT("conf-dir", '7', A_REQ, F_CONF | F_ACT, opt_conf_dir, 0, 0, 0,
	    "DIR[,EXT...]", "Read every file in DIR in name order, skipping "
	    "names that start with '.', end with '~' or are #...#. An EXT "
	    "like .bak skips files ending in it; *.conf reads only files "
	    "ending in .conf."),
	OPT("test", 0, A_NONE, F_CMDLINE | F_ACT, dv_opt_flag, OFF(test_only),
	    0, 0, NULL, "Check the configuration (including zone files), print "
	    "\"configuration OK\" or every error found (one per line, with "
	    "file:line and option), and exit. Interfaces that do not exist "
	    "on this machine are a warning here."),
	OPT("help", 'w', A_NONE, F_CMDLINE | F_INFO | F_ACT, dv_opt_info, 0, 0,
	    0, NULL,
	    "Show the options and exit."),
	OPT("version", 'v', A_NONE, F_CMDLINE | F_INFO | F_ACT, dv_opt_info, 0,
	    0, 0, NULL, "Show the version and exit."),
	OPT("man", 0, A_NONE, F_CMDLINE | F_INFO | F_ACT, dv_opt_info, 0, 0, 0,
	    NULL,
	    "Print the manual page (troff) and exit."),
	OPT("dump-config", 0, A_NONE, F_CMDLINE | F_ACT, dv_opt_flag,
	    OFF(dump_only), 0, 0, NULL, "Print the effective configuration "
	    "(embedded default or files, then the command line) as a config "
	    "file, one option per line, values equal to the defaults left "
	    "out, and exit. Feeding it back with --conf-file gives the same "
	    "configuration."),
	OPT("list-options", 0, A_NONE, F_CMDLINE | F_INFO | F_ACT, dv_opt_info,
	    0, 0, 0, NULL, "List every option with its argument kind "
	    "(none, required, optional) and how --dump-config shows it "
	    "(dump; action, noop, unsupported: never; alias: under another "
	    "name), and exit."),
	/* process */
	OPT("user", 'u', A_REQ, 0, dv_opt_str_empty, OFF(user), 0, 0, "USER",
	    "Drop privileges to this user (name or number) after opening the "
	    "sockets; empty (user=): keep running as the starting user. "
	    "--test checks that it exists."),
	OPT("group", 'g', A_REQ, 0, dv_opt_str_empty, OFF(group), 0, 0, "GROUP",
	    "Drop privileges to this group after opening the sockets; empty: "
	    "the user's group. --test checks that it exists."),
	OPT("pid-file", 'x', A_REQ, 0, dv_opt_str_empty, OFF(pid_file), 0, 0,
	    "PATH", "Write the process id to PATH (removed at exit)."),
	STR("state-dir", 0, state_dir, "DIR", "Where durable state lives "
	    "(default /var/lib/dnsvizor)."),
	NOOP("keep-in-foreground", 'k', A_NONE, "Accepted for dnsmasq "
	     "compatibility: dnsvizor always runs in the foreground."),
	NOOP("no-daemon", 'd', A_NONE, "Accepted for dnsmasq compatibility: "
	     "dnsvizor always runs in the foreground."),
	/* logging */
	OPT("log-queries", 'q', A_OPT, 0, dv_opt_log_queries, 0, 0, 0, "extra",
	    "Log queries in dnsmasq's line forms (query[A] NAME from IP, "
	    "forwarded NAME to IP#PORT, reply/cached/config NAME is VALUE, "
	    "NXDOMAIN, NODATA-IPv4, ...); 'extra' puts dnsmasq's serial and "
	    "the client's IP/PORT before each line."),
	OPT("log-facility", '8', A_REQ, 0, dv_opt_log_facility,
	    OFF(log_facility),
	    0, 0, "FACILITY", "Log to syslog with this facility (daemon, "
	    "local0, ...); '-' logs to stderr (the default); a value with a "
	    "'/' is a log file, appended to and reopened on SIGUSR2 (log "
	    "rotation)."),
	OPT("log-level", 0, A_REQ, 0, dv_opt_log_level, 0, 0, 0, "LEVEL",
	    "Least important messages shown: err, warn, info (default) or "
	    "debug."),
	/* local data */
	FLAG("no-hosts", 'h', no_hosts, "Do not read /etc/hosts."),
	OPT("addn-hosts", 'H', A_REQ, 0, dv_opt_addn_hosts, OFF(addn_hosts),
	    0, 0, "FILE|DIR", "Also read this hosts file, or every file in "
	    "this directory; a missing one is a warning naming this line, "
	    "as in dnsmasq. Repeatable."),
	FLAG("expand-hosts", 'E', expand_hosts, "Add the domain (--domain) "
	     "to names without a dot in hosts files."),
	OPT("domain", 's', A_REQ, 0, dv_opt_domain, OFF(domain), 0, 0, "DOMAIN",
	    "The local domain (plain form only)."),
	OPT("local-ttl", 'T', A_REQ, 0, dv_opt_u32_empty, OFF(local_ttl), 0,
	    0x7fffffff, "SECONDS", "TTL of local data: hosts files, "
	    "host-record, address, ... (default 0)."),
	REC("host-record", 0, host_records, dv_rec_host,
	    "NAME[,NAME...],[IPV4][,IPV6][,TTL]", "A and AAAA records for "
	    "the names and a PTR for the first name."),
	OPT("address", 'A', A_REQ, 0, dv_opt_address, OFF(addresses), 0, 0,
	    "/DOMAIN/[DOMAIN/...][ADDR]", "Answer DOMAIN and every name below "
	    "it with ADDR (IPv4 or IPv6; repeat for both). No ADDR or '#' "
	    "means NXDOMAIN. The domain # matches every name."),
	REC("cname", 0, cnames, dv_rec_cname, "ALIAS[,ALIAS...],TARGET[,TTL]",
	    "CNAME records from the aliases to TARGET."),
	REC("mx-host", 'm', mx_hosts, dv_rec_mx, "NAME,TARGET[,PREF]",
	    "An MX record (preference default 1)."),
	REC("srv-host", 'W', srv_hosts, dv_rec_srv,
	    "_SERVICE._PROTO.NAME[,TARGET,PORT[,PRIORITY[,WEIGHT]]]",
	    "An SRV record; without TARGET the service is marked as not "
	    "available."),
	REC("txt-record", 'Y', txt_records, dv_rec_txt, "NAME[,TEXT...]",
	    "A TXT record; quote texts that contain commas."),
	REC("ptr-record", 0, ptr_records, dv_rec_ptr, "NAME,TARGET",
	    "A PTR record."),
	REC("caa-record", 0, caa_records, dv_rec_caa, "NAME,FLAGS,TAG,VALUE",
	    "A CAA record, e.g. example.lan,0,issue,letsencrypt.org."),
	/* zones */
	OPT("zone", 0, A_REQ, 0, dv_opt_zone, OFF(zones), 0, 0, "ORIGIN,FILE",
	    "Serve the zone file FILE for ORIGIN as primary. Repeatable."),
	OPT("allow-update", 0, A_REQ, 0, dv_opt_acl, OFF(allow_update), 0, 0,
	    "ZONE,KEYNAME[,TYPE...]|ZONE,ADDR[/PREFIX][,TYPE...]",
	    "Accept RFC 2136 updates to ZONE (names at and below it) signed "
	    "with the TSIG key KEYNAME, or unsigned ones from ADDR/PREFIX; "
	    "only the listed types when given. Keys named x._update.ZONE "
	    "need no such line. Everything else is REFUSED. Repeatable."),
	OPT("allow-transfer", 0, A_REQ, 0, dv_opt_acl,
	    OFF(allow_transfer), 0, 1,
	    "ZONE,KEYNAME|ZONE,ADDR[/PREFIX]", "Allow AXFR/IXFR of ZONE with "
	    "the TSIG key KEYNAME or from ADDR/PREFIX (keys named "
	    "x._transfer.ZONE need no such line). Repeatable."),
	OPT("dnssec-sign", 0, A_REQ, 0, dv_opt_dnssec_sign, OFF(dnssec_sign),
	    0, 0, "ZONE[,ALGORITHM][,nsec|nsec3]", "Sign the --zone ZONE "
	    "online: a key (CSK; KSK and ZSK by --dnssec-policy) is made on "
	    "first start and kept in the state directory (dnssec/), the "
	    "zone and every change to it (UPDATE, DHCP names, ACME "
	    "records) are signed, signatures are "
	    "renewed well before they expire. ALGORITHM: ecdsap256sha256 "
	    "(13, default) or ed25519 (15); nsec (default) or nsec3 (RFC "
	    "9276: no salt, no extra iterations). The DS for the parent is "
	    "logged when the key is made and printed by --print-ds. "
	    "Repeatable."),
	OPT("print-ds", 0, A_REQ, F_CMDLINE | F_ACT, dv_opt_str,
	    OFF(print_ds), 0, 0, "ZONE", "Print the DS record (SHA-256) of "
	    "ZONE's signing key (--dnssec-sign, from the state directory) "
	    "for the parent zone, and exit."),
	OPT("dnssec-policy", 0, A_REQ, 0, dv_opt_dnssec_policy,
	    OFF(dnssec_policy), 0, 0, "ZONE,csk|kskzsk[,zsk-lifetime=D]"
	    "[,ksk-lifetime=D][,propagation=D][,ds-ttl=D]", "Key policy of "
	    "a --dnssec-sign ZONE, as Knot's: one CSK (default) or a KSK "
	    "and a ZSK; the ZSK is rolled (pre-publication) every "
	    "zsk-lifetime (default 30d, 0: never), the KSK or CSK every "
	    "ksk-lifetime (default 0: only on --dnssec-rollover), with "
	    "CDS/CDNSKEY for the new key and a wait for its DS at the "
	    "parent (--dnssec-parent). propagation (default 1h): how long "
	    "a change takes to reach every secondary; ds-ttl (default 1d): "
	    "the parent's DS TTL. D: seconds or N[smhdw]. Changing the "
	    "policy of a signed zone is not supported yet."),
	OPT("dnssec-parent", 0, A_REQ, 0, dv_opt_peer, OFF(dnssec_parent),
	    0, 1, "ZONE,ADDR[#PORT]", "A server of the parent of "
	    "the --dnssec-sign ZONE: during a KSK or CSK rollover the new "
	    "DS is looked for there (DS query, every few minutes) and the "
	    "old key goes once every such server serves it. Without one, "
	    "the operator says so with --dnssec-rollover=ZONE,ksk-submitted. "
	    "Repeatable."),
	OPT("dnssec-rollover", 0, A_REQ, F_CMDLINE | F_ACT,
	    dv_opt_dnssec_rollover, OFF(dnssec_rollover), 0, 0,
	    "ZONE,zsk|ksk|csk|ksk-submitted", "Ask the running dnsvizor "
	    "(same --state-dir; then send it SIGHUP) to start a rollover of "
	    "ZONE's ZSK, KSK or CSK now, or tell it that the parent has the "
	    "new DS (ksk-submitted); exits."),
	OPT("serial-policy", 0, A_REQ, 0, dv_opt_serial_policy,
	    OFF(serial_policy), 0, 0, "increment|unixtime", "How an UPDATE "
	    "bumps the SOA serial: +1 (default) or the current unix time "
	    "when that is newer."),
	OPT("secondary", 0, A_REQ, 0, dv_opt_peer, OFF(secondaries), 0, 0,
	    "ZONE,PRIMARY[#PORT][,KEYNAME]", "Serve ZONE as a secondary of "
	    "the primary at address PRIMARY: transfer it (AXFR, then IXFR), "
	    "follow the SOA refresh/retry/expire timers and NOTIFYs from the "
	    "primary, sign with KEYNAME (a --dns-key) when given. The copy is "
	    "kept in the state directory. Repeatable."),
	OPT("notify", 0, A_REQ, 0, dv_opt_peer, OFF(notify), 0, 1,
	    "ZONE,ADDR[#PORT][,KEYNAME]", "Send NOTIFY for ZONE to ADDR "
	    "(port 53 unless given) at start and on every serial change, "
	    "retransmitted with backoff until answered (5 tries), signed with "
	    "KEYNAME (a --dns-key) when given. Repeatable."),
	LIST("journal-recover", 0, journal_recover, "ZONE", "ZONE's journal "
	     "in the state directory is damaged (start-up logged it as "
	     "corrupt and serves ZONE as SERVFAIL): replay its valid records "
	     "up to the first damaged one, keep the damaged file beside the "
	     "new one (.damaged-UNIXTIME), and set the serial above the "
	     "highest serial found anywhere in the file so that secondaries "
	     "transfer again. Changes after the damage are lost. "
	     "Repeatable."),
	LIST("notify-ns", 0, notify_ns, "ZONE", "Also NOTIFY the name servers "
	     "of ZONE's apex NS RRset, port 53, at the addresses found as "
	     "A/AAAA data inside the zone (there is no resolver yet: NS hosts "
	     "outside the zone are skipped). Repeatable."),
	OPT("dns-key", 0, A_REQ, 0, dv_opt_dns_key, OFF(dns_keys), 0, 0,
	    "NAME:ALG:BASE64", "A TSIG key (RFC 8945); ALG is MD5, SHA1, "
	    "SHA224, SHA256, SHA384 or SHA512 (any case, hmac- prefix "
	    "allowed). Signed requests are verified and their answers "
	    "signed. Repeatable."),
	OPT("dns-key-file", 0, A_REQ, 0, dv_opt_dns_key_file,
	    OFF(dns_key_files), 0, 0, "FILE", "Read TSIG keys from FILE: "
	    "BIND/tsig-keygen blocks (key \"NAME\" { algorithm hmac-sha256; "
	    "secret \"BASE64\"; };) and NAME:ALG:BASE64 entries, so secrets "
	    "stay off the command line. Repeatable."),
	FLAG("no-ident", 0, no_ident, "Refuse CHAOS TXT version.bind, "
	     "version.server, id.server and hostname.bind queries from "
	     "everyone, loopback included (wins over --ident)."),
	/* resolver */
	OPT("no-recursion", 0, A_NONE, 0, dv_opt_clear, OFF(recursion), 0, 0,
	    NULL, "Answer only from our own data: names outside the zones "
	    "and local data get REFUSED (default: resolve them)."),
	OPT("server", 'S', A_REQ, 0, dv_opt_server, OFF(servers), 0, 0,
	    "[/DOMAIN/[DOMAIN/...]][IP[#PORT]]", "Forward queries to the "
	    "server at IP (port 53 unless given): all names, or only names at "
	    "and below the DOMAINs. /DOMAIN/ without a server answers those "
	    "names from local data only. Repeatable."),
	OPT("local", 0, A_REQ, F_ALIAS, dv_opt_server, OFF(servers), 0, 0,
	    "[/DOMAIN/[DOMAIN/...]][IP[#PORT]]", "Same as --server."),
	OPT("dns-upstream", 0, A_REQ, 0, dv_opt_upstream, OFF(dns_upstreams), 0,
	    0, "udp:IP[:PORT]|tcp:IP[:PORT]|tls:IP[:PORT]!NAME", "robur's "
	    "form: forward all names to this server over UDP, TCP or DNS "
	    "over TLS (RFC 7858, port 853 unless given; the certificate "
	    "must chain to the system trust store, or to SSL_CERT_FILE / "
	    "SSL_CERT_DIR when set, and match NAME, or the IP without "
	    "!NAME). [IPv6]:PORT for a port with IPv6. The resolv file is "
	    "then not read. Repeatable, one transport (and one NAME) for "
	    "all of them."),
	FLAG("no-resolv", 'R', no_resolv, "Do not read upstream servers from "
	     "the resolv file. With no --server either, dnsvizor resolves "
	     "from the root itself."),
	OPT("resolv-file", 'r', A_REQ, 0, dv_opt_resolv_file, OFF(resolv_file),
	    0, 0, "FILE", "Read upstream servers from the nameserver lines "
	    "of FILE (default /etc/resolv.conf; a missing one is a warning "
	    "naming this line). Empty (resolv-file=): no resolv file."),
	FLAG("strict-order", 'o', strict_order, "Query the upstream servers "
	     "in the order given."),
	FLAG("all-servers", 0, all_servers, "Send each query to all upstream "
	     "servers; the first answer wins."),
	STR("root-hints", 0, root_hints, "FILE", "Root name servers (NS and "
	    "A/AAAA records in zone file format) instead of the built-in "
	    "IANA hints."),
	OPT("cache-size", 'c', A_REQ, 0, dv_opt_u32, OFF(cache_size), 0,
	    100000000, "N", "Cache at most N entries (default 10000); 0: answer every "
	    "query afresh (delegations are still kept to iterate)."),
	OPT("cache-max-bytes", 0, A_REQ, 0, dv_opt_bytes, OFF(cache_max_bytes),
	    1L << 20, 1L << 40, "SIZE", "Cache at most SIZE bytes (suffix K, "
	    "M or G; entries as allocated, with the hash table). Default 0: "
	    "256 bytes per --cache-size entry, at least 64M; the entry count "
	    "binds first unless the answers are large."),
	OPT("neg-ttl", 0, A_REQ, 0, dv_opt_u32, OFF(neg_ttl), 0, 0x7fffffff,
	    "SECONDS", "TTL of negative answers that carry no SOA."),
	OPT("max-cache-ttl", 0, A_REQ, 0, dv_opt_u32, OFF(max_cache_ttl), 0,
	    0x7fffffff, "SECONDS", "Cache entries at most this long."),
	OPT("min-cache-ttl", 0, A_REQ, 0, dv_opt_u32, OFF(min_cache_ttl), 0,
	    0x7fffffff, "SECONDS", "Cache entries at least this long."),
	FLAG("no-negcache", 'N', no_negcache, "Do not cache negative "
	     "answers."),
	OPT("use-stale-cache", 0, A_OPT, 0, dv_opt_use_stale, 0, 0, 0x7fffffff,
	    "SECONDS", "Answer from expired cache entries (RFC 8767) when the "
	    "upstreams fail, for at most SECONDS past expiry."),
	FLAG("qname-minimisation", 0, qname_min, "Send upstream only as much "
	     "of the name as needed (RFC 9156; the default)."),
	OPT("no-qname-minimisation", 0, A_NONE, 0, dv_opt_clear, OFF(qname_min),
	    0, 0, NULL, "Send the full query name to every server."),
	OPT("outgoing-address", 0, A_REQ, 0, dv_opt_ip_addr, OFF(outgoing_addr),
	    0, 0, "IP", "Send upstream queries from this address."),
	FLAG("allow-loopback-upstream", 0, allow_loopback, "Allow upstream "
	     "servers on loopback addresses (refused by default)."),
	FLAG("ipv4-only", 0, ipv4_only, "Query upstream servers over IPv4 "
	     "only."),
	FLAG("ipv6-only", 0, ipv6_only, "Query upstream servers over IPv6 "
	     "only."),
	FLAG("dnssec", 0, dnssec, "Validate DNSSEC (RFC 4033-4035, 5155): "
	     "secure answers get the AD bit, bogus ones SERVFAIL with an "
	     "Extended DNS Error saying why (data still given to CD "
	     "queries)."),
	OPT("trust-anchor", 0, A_REQ, 0, dv_opt_trust_anchor,
	    OFF(trust_anchors),
	    0, 0, "DOMAIN,KEYTAG,ALG,DIGESTTYPE,DIGEST", "A DS trust anchor "
	    "for --dnssec (replaces the built-in root anchors KSK-2017 and "
	    "KSK-2024). Repeatable."),
	LIST("negative-trust-anchor", 0, nta, "DOMAIN", "Do not validate "
	     "DOMAIN and the names below it (RFC 7646): their answers are "
	     "insecure. Repeatable."),
	LIST("trust-anchor-file", 0, trust_anchor_files, "FILE", "Read DS or "
	     "DNSKEY trust anchors (zone file lines) from FILE. Repeatable."),
	{ .name = "dnssec-check-unsigned", .arg = A_OPT,
	  .fn = dv_opt_check_unsigned, .pr = dv_pr_none, .metavar = "no",
	  .help = "Accepted: unsigned answers are always checked (proof "
	  "that their zone is unsigned), dnsmasq's default; =no (trust "
	  "them unchecked) is not supported yet." },
	FLAG("dnssec-no-timecheck", 0, dnssec_no_timecheck, "Do not check "
	     "signature validity times (for boxes without a clock)."),
	FLAG("domain-needed", 'D', domain_needed, "Never send A, AAAA or "
	     "ANY queries for plain names (one label, no dot) upstream: "
	     "names our data does not have get NXDOMAIN. Other types are "
	     "resolved, as with dnsmasq."),
	FLAG("bogus-priv", 'b', bogus_priv, "Serve the private and special "
	     "reverse zones of RFC 6303 (10.in-addr.arpa, 168.192.in-addr."
	     "arpa, d.f.ip6.arpa, ...; and 64-127.100.in-addr.arpa) and "
	     "home.arpa (RFC 8375) as empty local zones: names our data does "
	     "not have get NXDOMAIN (NODATA at the zone apex) with the RFC "
	     "6303 SOA, never an upstream query. A --server rule for such a "
	     "domain still forwards it. localhost and invalid (RFC 6761) are "
	     "always answered locally."),
	FLAG("stop-dns-rebind", 0, stop_rebind, "Refuse upstream answers "
	     "that contain private addresses (RFC 1918, 169.254/16, 0/8, "
	     "127/8, documentation ranges, 255.255.255.255, fc00::/7, "
	     "fe80::/10, fec0::/10, 2001:db8::/32, ::, ::1, IPv4-mapped "
	     "private): the client gets an empty NOERROR answer with Extended "
	     "DNS Error 15 (Blocked) and a warning is logged, as with "
	     "dnsmasq. Our own data is never filtered."),
	FLAG("rebind-localhost-ok", 0, rebind_localhost_ok, "With "
	     "--stop-dns-rebind, let 127/8, 0/8, ::1 and :: through (used by "
	     "real-time black hole lists)."),
	OPT("rebind-domain-ok", 0, A_REQ, 0, dv_opt_rebind_ok,
	    OFF(rebind_ok), 0,
	    0, "DOMAIN|/DOMAIN/[DOMAIN/...]", "Do not apply --stop-dns-rebind "
	    "to queries for names at or below these domains. Repeatable."),
	/* answer policy (conf_policy.c; issue 14) */
	OPT("bogus-nxdomain", 'B', A_REQ, 0, dv_opt_prefixes, OFF(bogus_nx),
	    0, 0, "ADDR[/PREFIX]", "An upstream answer holding this address "
	    "(or one in the block) becomes NXDOMAIN (EDE 15, not cached), "
	    "as with dnsmasq: for ISPs that answer unknown names with an "
	    "advertising server. Repeatable."),
	OPT("ignore-address", 0, A_REQ, 0, dv_opt_prefixes, OFF(ignore_addr),
	    0, 0, "ADDR[/PREFIX]", "Drop upstream replies to A and AAAA "
	    "queries holding this address, as if never received: the query "
	    "waits for another reply (against forged answers from a "
	    "censoring network). Repeatable."),
	FLAG("filter-A", 0, filter_a, "Answer A queries that would go "
	     "upstream with NODATA (EDE 17, Filtered): no IPv4 address from "
	     "outside; local data is still answered."),
	FLAG("filter-AAAA", 0, filter_aaaa, "The same for AAAA queries: no "
	     "IPv6 address from outside."),
	FLAG("filterwin2k", 'f', filterwin2k, "Never send SOA or SRV queries, "
	     "or ANY queries for names with an underscore, upstream: they "
	     "get NODATA (as dnsmasq; against dial-on-demand links woken "
	     "by Windows' look-ups). Local data still answers."),
	OPT("alias", 'V', A_REQ, 0, dv_opt_alias, OFF(aliases), 0, 0,
	    "OLD|START-END,NEW[,MASK]", "Rewrite IPv4 addresses in upstream "
	    "answers (\"DNS doctoring\"): OLD becomes NEW; with MASK every "
	    "address matching OLD under MASK keeps its host part "
	    "(alias=1.2.3.0,6.7.8.0,255.255.255.0 maps 1.2.3.56 to "
	    "6.7.8.56); a range rewrites only the addresses in it. "
	    "Repeatable."),
	/* DHCPv4 server (dhcpd.c) */
	OPT("dhcp-range", 'F', A_REQ, 0, dv_opt_dhcp_range, OFF(dhcp_ranges), 0,
	    0, "START,END[,NETMASK][,LEASETIME]",
	    "Serve DHCPv4 leases from this address range (or START,static: "
	    "only --dhcp-host addresses) on the interface whose subnet holds "
	    "it. Repeatable. Without any, port 67 is not opened."),
	OPT("dhcp-host", 'G', A_REQ, 0, dv_opt_dhcp_host, OFF(dhcp_hosts), 0, 0,
	    "[MAC|id:CLIENTID],[ADDR],[NAME],[LEASETIME],[ignore]",
	    "A fixed address and/or name for one client. Repeatable."),
	OPT("dhcp-option", 'O', A_REQ, 0, dv_opt_dhcp_option, OFF(dhcp_options),
	    0, 0, "CODE|option:NAME,VALUE[,VALUE...]",
	    "Send this DHCP option to clients that ask for it (overrides the "
	    "defaults: router and DNS server = our address). Repeatable."),
	OPT("dhcp-option-force", 0, A_REQ, 0, dv_opt_dhcp_option,
	    OFF(dhcp_options), 0, 1, "CODE|option:NAME,VALUE[,VALUE...]",
	    "Like --dhcp-option, sent even when not requested."),
	FLAG("dhcp-authoritative", 'K', dhcp_authoritative,
	     "We are the only DHCP server on the network: NAK requests for "
	     "unknown leases at once."),
	FLAG("dhcp-rapid-commit", 0, dhcp_rapid_commit,
	     "Answer a DISCOVER with Rapid Commit (RFC 4039) by an ACK."),
	FLAG("dhcp-ignore-names", 0, dhcp_ignore_names,
	     "Do not put client-supplied host names into DNS."),
	OPT("dhcp-lease-max", 'X', A_REQ, 0, dv_opt_u32, OFF(dhcp_lease_max), 1,
	    10000000, "N", "Most leases at once (default 1000)."),
	STR("dhcp-leasefile", 'l', dhcp_leasefile, "PATH",
	    "Also write the leases to PATH in dnsmasq's lease file format "
	    "(rewritten at most once a second; the journal in the state "
	    "directory is what makes leases durable)."),
	FLAG("log-dhcp", 0, log_dhcp, "Log every DHCP exchange."),
	OPT("no-dhcp-interface", '2', A_REQ, 0, dv_opt_iface,
	    OFF(no_dhcp_ifaces), 0, 0, "IFNAME[,IFNAME...]",
	    "Serve DNS but not DHCP on these interfaces. Repeatable."),
	/* abuse resistance */
	OPT("tcp-max-per-address", 0, A_REQ, 0, dv_opt_int,
	    OFF(tcp_max_per_addr), 1, 100000, "N", "Most concurrent TCP, "
	    "DoT and DoH connections from one client address; a new one "
	    "beyond closes that address's least recently "
	    "active connection (default: a quarter of "
	    "--tcp-max-connections, at least 1). When all "
	    "--tcp-max-connections are in use, a new connection closes the "
	    "least recently active one of the address holding the most, "
	    "so connection churn from one address cannot push out other "
	    "clients."),
	FLAG("ident", 0, ident, "Answer CHAOS TXT version.bind, "
	     "version.server, id.server and hostname.bind to every client. "
	     "By default only queries sent to a loopback address (127.0.0.0/8, "
	     "::1) get them; others are REFUSED."),
	/* dnsmasq options whose behaviour dnsvizor already has */
	NOOP("bind-interfaces", 'z', A_NONE, "Accepted: dnsvizor always "
	     "binds the individual addresses."),
	NOOP("no-poll", 'n', A_NONE, "Accepted: the resolv file is read at "
	     "start and on SIGHUP only."),
	NOOP("log-async", 0, A_OPT, "Accepted for dnsmasq compatibility; "
	     "there is no queue: each line is written at once, by one "
	     "write(2) to the file or stderr or one syslog(3) call."),
	/* dnsmasq options not implemented yet */
	UNSUP("rev-server", 0), UNSUP("servers-file", 0),
	UNSUP("max-ttl", 0), UNSUP("auth-ttl", 0),
	UNSUP("query-port", 'Q'),
	UNSUP("min-port", 0), UNSUP("max-port", 0),
	UNSUP("bind-dynamic", 0),
	UNSUP("interface-name", 0),
	UNSUP("local-service", 0),
	UNSUP("localise-queries", 'y'),
	UNSUP("selfmx", 'e'), UNSUP("localmx", 'L'), UNSUP("mx-target", 't'),
	UNSUP("naptr-record", 0), UNSUP("dns-rr", 0),
	UNSUP("synth-domain", 0), UNSUP("dynamic-host", 0),
	UNSUP("hostsdir", 0), UNSUP("read-ethers", 'Z'),
	UNSUP("clear-on-reload", 0), UNSUP("no-round-robin", 0),
	UNSUP("filter-rr", 0),
	UNSUP("add-mac", 0), UNSUP("add-subnet", 0), UNSUP("add-cpe-id", 0),
	UNSUP("strip-mac", 0), UNSUP("strip-subnet", 0),
	UNSUP("dns-loop-detect", 0), UNSUP("ipset", 0), UNSUP("nftset", 0),
	UNSUP("conntrack", 0), UNSUP("connmark-allowlist", 0),
	UNSUP("dnssec-timestamp", 0), UNSUP("proxy-dnssec", 0),
	UNSUP("auth-server", 0), UNSUP("auth-zone", 0), UNSUP("auth-soa", 0),
	UNSUP("auth-sec-servers", 0), UNSUP("auth-peer", 0),
	UNSUP("log-debug", 0), UNSUP("quiet-dhcp", 0),
	UNSUP("quiet-dhcp6", 0), UNSUP("quiet-ra", 0),
	UNSUP("dhcp-hostsfile", 0), UNSUP("dhcp-hostsdir", 0),
	UNSUP("dhcp-optsfile", 0), UNSUP("dhcp-optsdir", 0),
	UNSUP("dhcp-boot", 'M'), UNSUP("dhcp-match", 0),
	UNSUP("dhcp-name-match", 0), UNSUP("dhcp-userclass", 'j'),
	UNSUP("dhcp-vendorclass", 'U'), UNSUP("dhcp-mac", '4'),
	UNSUP("dhcp-circuitid", 0), UNSUP("dhcp-remoteid", 0),
	UNSUP("dhcp-subscrid", 0), UNSUP("dhcp-ignore", 'J'),
	UNSUP("dhcp-generate-names", 0),
	UNSUP("dhcp-broadcast", 0), UNSUP("dhcp-script", '6'),
	UNSUP("dhcp-luascript", 0), UNSUP("dhcp-scriptuser", 0),
	UNSUP("script-arp", 0), UNSUP("script-on-renewal", 0),
	UNSUP("dhcp-fqdn", 0), UNSUP("dhcp-client-update", 0),
	UNSUP("dhcp-sequential-ip", 0), UNSUP("dhcp-no-override", 0),
	UNSUP("dhcp-relay", 0), UNSUP("dhcp-proxy", 0),
	UNSUP("dhcp-alternate-port", 0), UNSUP("dhcp-duid", 0),
	UNSUP("dhcp-reply-delay", 0), UNSUP("dhcp-ttl", 0),
	UNSUP("dhcp-pxe-vendor", 0), UNSUP("shared-network", 0),
	UNSUP("tag-if", 0), UNSUP("bridge-interface", 0),
	UNSUP("leasefile-ro", '9'), UNSUP("no-ping", '5'),
	UNSUP("bootp-dynamic", '3'), UNSUP("pxe-service", 0),
	UNSUP("pxe-prompt", 0), UNSUP("enable-ra", 0), UNSUP("ra-param", 0),
	UNSUP("enable-tftp", 0), UNSUP("tftp-root", 0),
	UNSUP("tftp-secure", 0), UNSUP("tftp-no-fail", 0),
	UNSUP("tftp-unique-root", 0), UNSUP("tftp-max", 0),
	UNSUP("tftp-mtu", 0), UNSUP("tftp-no-blocksize", 0),
	UNSUP("tftp-lowercase", 0), UNSUP("tftp-port-range", 0),
	UNSUP("tftp-single-port", 0), UNSUP("quiet-tftp", 0),
	UNSUP("enable-dbus", '1'), UNSUP("enable-ubus", 0),
	UNSUP("umbrella", 0),
	/* the rest of dnsmasq 2.90's options (--help, man page): known */
	UNSUP("cache-rr", 0), UNSUP("conf-script", 0),
	UNSUP("connmark-allowlist-enable", 0), UNSUP("dhcp-ignore-clid", 0),
	UNSUP("dnssec-debug", 0), UNSUP("dnssec-limits", 0),
	UNSUP("dumpfile", 0), UNSUP("dumpmask", 0),
	UNSUP("fast-dns-retry", 0),
	UNSUP("no-dhcpv4-interface", 0), UNSUP("no-dhcpv6-interface", 0),
	UNSUP("port-limit", 0),
	/* abuse resistance (issue 10) */
	OPT("rrl-rate", 0, A_REQ, 0, dv_opt_u32, OFF(rrl_rate), 1, 1000000, "N",
	    "Response rate limiting (as in NSD and Knot) for authoritative "
	    "and local-data answers over UDP: at most N responses per second "
	    "per response class (answer, nodata, nxdomain, referral, "
	    "wildcard, error, ANY), source prefix and name. Answers over the "
	    "rate are dropped, every --rrl-slip-th is sent truncated (or "
	    "BADCOOKIE to a client that sent a DNS cookie). A valid DNS "
	    "cookie, TCP and resolver answers are never limited. Off unless "
	    "set; when set it applies to every source not --rrl-exempt, "
	    "loopback included."),
	OPT("rrl-slip", 0, A_REQ, 0, dv_opt_int, OFF(rrl_slip), 0, 100, "N",
	    "Send every Nth rate-limited response truncated (TC) instead of "
	    "dropping it: 0 never, 1 always. Default 2."),
	OPT("rrl-ipv4-prefix", 0, A_REQ, 0, dv_opt_int, OFF(rrl_v4_prefix), 0,
	    32, "BITS", "IPv4 sources in one prefix share a rate limit "
	    "bucket. Default 24."),
	OPT("rrl-ipv6-prefix", 0, A_REQ, 0, dv_opt_int, OFF(rrl_v6_prefix), 0,
	    128, "BITS", "IPv6 sources in one prefix share a rate limit "
	    "bucket. Default 56."),
	OPT("rrl-exempt", 0, A_REQ, 0, dv_opt_rrl_exempt, 0, 0, 0,
	    "ADDR[/PREFIX]", "Never rate limit answers to these sources. "
	    "Repeatable."),
	OPT("nsid", 0, A_REQ, 0, dv_opt_nsid, 0, 0, 0, "STRING|0xHEX",
	    "Name server identifier (RFC 5001): a query with an empty NSID "
	    "option gets this in the NSID option of the reply. Text, or hex "
	    "after 0x; at most 64 bytes. Off by default."),
	/* resolver fairness (issue 10) */
	OPT("dns-forward-max", '0', A_REQ, 0, dv_opt_u32, OFF(dns_forward_max),
	    1, 1000000, "N", "Resolve at most N client queries at once "
	    "(default 1000). When all are busy, a new query takes the place "
	    "of the oldest one resolving for longer than --jostle-timeout "
	    "(that one's clients get no reply), else it is dropped."),
	OPT("jostle-timeout", 0, A_REQ, 0, dv_opt_u32, OFF(jostle_timeout), 1,
	    3600000, "MS", "Age in milliseconds after which a resolving query "
	    "may give its place to a new one when --dns-forward-max are busy "
	    "(default 200, as unbound)."),
	OPT("recursions-per-client", 0, A_REQ, 0, dv_opt_u32, OFF(per_client),
	    1, 1000000, "N", "At most N queries of one client address (one "
	    "/64 for IPv6) wait for the resolver at once; more are dropped "
	    "(default 200)."),
	OPT("outstanding-per-server", 0, A_REQ, 0, dv_opt_u32, OFF(per_server),
	    1, 1000000, "N", "At most N queries in flight to one upstream "
	    "server (default 200). A server that timed out 3 times in a row "
	    "gets one probe query at a time until it answers; queries that "
	    "find only busy or dead servers fail at once (SERVFAIL, EDE 22)."),
	OPT("outstanding-per-zone", 0, A_REQ, 0, dv_opt_u32, OFF(per_zone), 1,
	    1000000, "N", "At most N queries in flight to the servers of one "
	    "zone (delegation point) while iterating (default 100)."),
	FLAG("no-upstream-cookies", 0, no_upstream_cookies, "Send no DNS "
	     "cookie (RFC 7873) with upstream queries. By default each query "
	     "with EDNS carries a client cookie per server and the server's "
	     "cookie once known; responses with a wrong client cookie are "
	     "dropped as spoofed."),
	{ .name = NULL },
};

/* ---- --dump-config, --list-options ---- */

/* The generic printer of each handler (entries with .pr set, F_ACT,
 * F_NOOP, F_UNSUP and F_ALIAS ones need none). */
static dv_pr_fn printer_of(const dv_option *o)
{
	static const struct { dv_opt_fn fn; dv_pr_fn pr; } gen[] = {
		{ dv_opt_flag, dv_pr_flag }, { dv_opt_clear, dv_pr_clear },
		{ dv_opt_int, dv_pr_int }, { dv_opt_port, dv_pr_int },
		{ dv_opt_u16, dv_pr_u16 }, { dv_opt_u32, dv_pr_u32 },
		{ dv_opt_bytes, dv_pr_u64 }, { dv_opt_secs_ms, dv_pr_secs_ms },
		{ dv_opt_str, dv_pr_str }, { dv_opt_str_empty, dv_pr_str },
		{ dv_opt_ip_addr, dv_pr_ipport },
		{ dv_opt_dns_server, dv_pr_ipport },
		{ dv_opt_acme_eab, dv_pr_str },
		{ dv_opt_log_facility, dv_pr_str },
		{ dv_opt_domain, dv_pr_str },
		{ dv_opt_list, dv_pr_list }, { dv_opt_listen, dv_pr_list },
		{ dv_opt_iface, dv_pr_list }, { dv_opt_rec, dv_pr_local_recs },
		{ dv_opt_address, dv_pr_addresses },
		{ dv_opt_zone, dv_pr_zones },
		{ dv_opt_dnssec_sign, dv_pr_sign_specs },
		{ dv_opt_dnssec_policy, dv_pr_policy_specs },
		{ dv_opt_peer, dv_pr_peers },
		{ dv_opt_acl, dv_pr_acls }, { dv_opt_dns_key, dv_pr_tsig_keys },
		{ dv_opt_dns_key_file, dv_pr_list },
		{ dv_opt_acme_cert, dv_pr_cert_orders },
		{ dv_opt_server, dv_pr_servers },
		{ dv_opt_upstream, dv_pr_upstreams },
		{ dv_opt_trust_anchor, dv_pr_anchors },
		{ dv_opt_dhcp_range, dv_pr_dhcp_ranges },
		{ dv_opt_dhcp_host, dv_pr_dhcp_hosts },
		{ dv_opt_rebind_ok, dv_pr_list },
		{ dv_opt_prefixes, dv_pr_prefixes },
		{ dv_opt_iface_empty, dv_pr_list },
		{ dv_opt_u32_empty, dv_pr_u32 },
		{ dv_opt_addn_hosts, dv_pr_list },
		{ dv_opt_resolv_file, dv_pr_str_empty },
		{ dv_opt_alias, dv_pr_aliases },
		{ dv_opt_log_queries, dv_pr_log_queries },
		{ dv_opt_log_level, dv_pr_log_level },
		{ dv_opt_use_stale, dv_pr_use_stale },
		{ dv_opt_nsid, dv_pr_nsid },
		{ dv_opt_rrl_exempt, dv_pr_rrl_exempt },
		{ dv_opt_serial_policy, dv_pr_serial_policy },
		{ dv_opt_acme_key_type, dv_pr_acme_key_type },
		{ dv_opt_dhcp_option, dv_pr_dhcp_option },
	};

	if (o->pr)
		return o->pr;
	for (size_t i = 0; i < sizeof(gen) / sizeof(gen[0]); i++)
		if (gen[i].fn == o->fn)
			return gen[i].pr;
	return NULL;
}

static const char *dump_class(const dv_option *o)
{
	if (o->flags & F_UNSUP)
		return "unsupported";
	if (o->flags & F_NOOP)
		return "noop";
	if (o->flags & F_ACT)
		return "action";
	if (o->flags & F_ALIAS)
		return "alias";
	return printer_of(o) ? "dump" : "MISSING";
}

void dv_list_options(FILE *out)
{
	static const char *const kind[] = { "none", "required", "optional" };

	for (const dv_option *o = dv_options; o->name; o++)
		fprintf(out, "%s %s %s\n", o->name, kind[o->arg],
			dump_class(o));
}

void dv_config_dump(FILE *out, const dv_config *cfg)
{
	dv_config def;

	dv_config_defaults(&def);
	fprintf(out, "# dnsvizor %s: effective configuration "
		"(--dump-config)\n", DV_VERSION);
	for (const dv_option *o = dv_options; o->name; o++) {
		dv_pr_fn pr = printer_of(o);

		if (!(o->flags & (F_UNSUP | F_NOOP | F_ACT | F_ALIAS)) && pr)
			pr(out, o, cfg, &def);
	}
	dv_config_free(&def);
}

/* ---- lookup and apply ---- */

static const dv_option *find_long(const char *name, size_t n)
{
	for (const dv_option *o = dv_options; o->name; o++)
		if (strlen(o->name) == n && memcmp(o->name, name, n) == 0)
			return o;
	return NULL;
}

static const dv_option *find_short(char c)
{
	for (const dv_option *o = dv_options; o->name; o++)
		if (o->letter == c)
			return o;
	return NULL;
}

/* Edit distance (insert, delete, substitute, swap of neighbours) of a
 * and b, or a large number when both are long. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b), d[3][64];

	if (n >= 63 || m >= 63)
		return 1000;
	for (size_t j = 0; j <= m; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= n; i++) {
		size_t *cur = d[i % 3], *prev = d[(i - 1) % 3],
		       *pp = d[(i + 1) % 3];

		cur[0] = i;
		for (size_t j = 1; j <= m; j++) {
			size_t c = prev[j - 1] + (a[i - 1] != b[j - 1]);

			if (prev[j] + 1 < c)
				c = prev[j] + 1;
			if (cur[j - 1] + 1 < c)
				c = cur[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && pp[j - 2] + 1 < c)
				c = pp[j - 2] + 1;
			cur[j] = c;
		}
	}
	return d[n % 3][m];
}

/* "unknown option 'X'", with the nearest known name when one is close
 * enough to be a typo (at most 2 edits, fewer than half the name). */
static int unknown_option(dv_parser *p, const char *name)
{
	const char *best = NULL;
	size_t bd = 3, len = strlen(name);

	for (const dv_option *o = dv_options; o->name; o++) {
		size_t dist = edit_distance(name, o->name);

		if (dist < bd && dist * 2 < len) {
			bd = dist;
			best = o->name;
		}
	}
	if (best)
		return dv_opt_fail(p, name, "unknown option '%s'; did you "
				   "mean '%s'?", name, best);
	return dv_opt_fail(p, name, "unknown option '%s'", name);
}

/* Errors that do not depend on the value (checked early). */
static int check_use(dv_parser *p, const dv_option *o, const char *val)
{
	if (o->flags & F_UNSUP)
		return dv_opt_fail(p, o->name, "not supported yet by dnsvizor");
	if ((o->flags & F_CMDLINE) && p->src)
		return dv_opt_fail(p, o->name,
				   "only valid on the command line");
	if (o->arg == A_NONE && val)
		return dv_opt_fail(p, o->name, "takes no value");
	if (o->arg == A_REQ && !val)
		return dv_opt_fail(p, o->name, "missing value");
	return 0;
}

/* Options that keep one value, where a second line silently replaces the
 * first (repeatable options and flags are left alone). */
static int single_valued(const dv_option *o)
{
	static const dv_opt_fn fns[] = {
		dv_opt_int, dv_opt_port, dv_opt_u16, dv_opt_u32,
		dv_opt_secs_ms, dv_opt_bytes, dv_opt_str, dv_opt_str_empty,
		dv_opt_domain, dv_opt_log_facility, dv_opt_log_level,
		dv_opt_u32_empty,
	};

	if (o->flags & (F_ACT | F_NOOP | F_UNSUP | F_ALIAS))
		return 0;
	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		if (o->fn == fns[i])
			return 1;
	return 0;
}

/* A single-valued option given twice in the files, or twice on the command
 * line, is a warning naming both places (the last one applies, as in
 * dnsmasq).  The command line replacing a file's value is the documented
 * order and the embedded default is replaced silently. */
static void note_duplicate(dv_parser *p, const dv_option *o)
{
	static const char cmd[] = "command line";
	char here[4200], msg[8600];
	char **slot;

	if (!p->seen || !single_valued(o) ||
	    (p->src && strcmp(p->src, dv_default_name) == 0))
		return;
	slot = &p->seen[o - dv_options];
	if (p->src)
		snprintf(here, sizeof(here), "%s:%u", p->src, p->line);
	else
		snprintf(here, sizeof(here), "%s", cmd);
	if (*slot && (p->src || strcmp(*slot, cmd) == 0)) {
		snprintf(msg, sizeof(msg), "%s: %s: given again (first at "
			 "%s); the last one applies", here, o->name, *slot);
		(void)dv_strlist_add(&p->cfg->parse_warnings, msg);
	}
	free(*slot);
	*slot = strdup(here);
}

/* Options whose value names an input file read after parsing, and
 * dhcp-range: their place is kept for the errors of reading it and for
 * warnings naming two lines (dv_config_where). */
static void note_file_option(dv_parser *p, const dv_option *o,
			     const char *val)
{
	static const char *const names[] = {
		"zone", "addn-hosts", "trust-anchor-file", "resolv-file",
		"root-hints", "tls-cert", "tls-key", "dhcp-range",
	};
	char entry[8600];

	if (!val || !*val)
		return;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(o->name, names[i]) != 0)
			continue;
		if (p->src)
			snprintf(entry, sizeof(entry), "%s=%s\t%s:%u", o->name,
				 val, p->src, p->line);
		else
			snprintf(entry, sizeof(entry), "%s=%s\tcommand line",
				 o->name, val);
		(void)dv_strlist_add(&p->cfg->file_opts, entry);
		return;
	}
}

static int apply(dv_parser *p, const dv_option *o, const char *val)
{
	if (check_use(p, o, val) < 0)
		return -1;
	note_duplicate(p, o);
	note_file_option(p, o, val);
	if (o->flags & F_NOOP)
		return 0;
	return o->fn(p, o, val);
}

/* ---- config files ---- */

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* '#' starts a comment at the start of a line or after white space,
 * outside double quotes (address=/#/... keeps its '#'). */
static void strip_comment(char *line)
{
	int quoted = 0;

	for (char *c = line; *c; c++) {
		if (*c == '"')
			quoted = !quoted;
		if (*c == '#' && !quoted &&
		    (c == line || c[-1] == ' ' || c[-1] == '\t')) {
			*c = '\0';
			return;
		}
	}
}

static int parse_line(dv_parser *p, char *line)
{
	char *name, *val = NULL, *eq;
	const dv_option *o;

	strip_comment(line);
	name = trim(line);
	if (!*name)
		return 0;
	eq = strchr(name, '=');
	if (eq) {
		*eq = '\0';
		val = trim(eq + 1);
		name = trim(name);
	}
	o = find_long(name, strlen(name));
	if (!o)
		return unknown_option(p, name);
	return apply(p, o, val);
}

static int parse_text(dv_parser *p, const char *src, char *text)
{
	const char *osrc = p->src;
	unsigned oline = p->line;
	int rc = 0;

	p->src = src;
	p->line = 0;
	for (char *line = text, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		p->line++;
		if (parse_line(p, line) < 0)
			rc = -1;        /* go on: report every error */
	}
	p->src = osrc;
	p->line = oline;
	return rc;
}

/* ---- command line ---- */

typedef struct cl_item {
	const dv_option *o;
	const char *val;
} cl_item;

typedef struct cl_items {
	cl_item *v;
	size_t n, cap;
} cl_items;

static int cl_push(dv_parser *p, cl_items *it, const dv_option *o,
		   const char *val)
{
	if (check_use(p, o, val) < 0)
		return -1;
	if (it->n == it->cap) {
		size_t cap = it->cap ? it->cap * 2 : 16;
		cl_item *v = realloc(it->v, cap * sizeof(*v));
		if (!v)
			return dv_opt_oom(p, o);
		it->v = v;
		it->cap = cap;
	}
	it->v[it->n].o = o;
	it->v[it->n].val = val;
	it->n++;
	return 0;
}

/* --name, --name=value, --name value (required values only). */
static int cl_long(dv_parser *p, int argc, char **argv, int *i, cl_items *it)
{
	const char *a = argv[*i] + 2, *eq = strchr(a, '=');
	size_t n = eq ? (size_t)(eq - a) : strlen(a);
	const dv_option *o = find_long(a, n);
	const char *val = eq ? eq + 1 : NULL;

	if (!o) {
		char name[128];
		snprintf(name, sizeof(name), "%.*s", (int)n, a);
		return unknown_option(p, name);
	}
	if (!val && o->arg == A_REQ && *i + 1 < argc)
		val = argv[++*i];
	return cl_push(p, it, o, val);
}

/* -x, -xvalue, -x value, and clusters of flags (-kq). */
static int cl_short(dv_parser *p, int argc, char **argv, int *i, cl_items *it)
{
	const char *a = argv[*i];

	for (int j = 1; a[j]; j++) {
		const dv_option *o = find_short(a[j]);
		const char *val = a[j + 1] ? a + j + 1 : NULL;
		if (!o) {
			char name[3] = { '-', a[j], '\0' };
			return dv_opt_fail(p, name, "unknown option");
		}
		if (o->arg == A_NONE) {
			if (cl_push(p, it, o, NULL) < 0)
				return -1;
			continue;
		}
		if (!val && o->arg == A_REQ && *i + 1 < argc)
			val = argv[++*i];
		return cl_push(p, it, o, val);
	}
	return 0;
}

static int cl_parse(dv_parser *p, int argc, char **argv, cl_items *it)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int rc;

		if (a[0] == '-' && a[1] == '-' && a[2])
			rc = cl_long(p, argc, argv, &i, it);
		else if (a[0] == '-' && a[1] && a[1] != '-')
			rc = cl_short(p, argc, argv, &i, it);
		else
			rc = dv_opt_fail(p, a, "unexpected argument");
		(void)rc;               /* go on: report every error */
	}
	return p->nerr ? -1 : 0;
}

/* Apply the items whose F_CONF flag equals conf (0 or F_CONF). */
static int cl_apply(dv_parser *p, const cl_items *it, unsigned conf)
{
	int rc = 0;

	for (size_t i = 0; i < it->n; i++)
		if ((it->v[i].o->flags & F_CONF) == conf &&
		    apply(p, it->v[i].o, it->v[i].val) < 0)
			rc = -1;        /* go on: report every error */
	return rc;
}

static int load_default(dv_parser *p)
{
	char *text = strdup(dv_default_conf);
	int rc;

	if (!text) {
		snprintf(p->err, p->errlen, "out of memory");
		return -1;
	}
	rc = parse_text(p, dv_default_name, text);
	free(text);
	return rc;
}

/* Options that configure no service: what to do (--test, --dump-config,
 * --print-ds), accepted no-ops (-k, -d) and where state lives (`make run`
 * passes --state-dir).  With only these, the embedded default applies. */
static int keeps_default(const dv_option *o)
{
	if (o->flags & F_CONF)
		return 0;
	return (o->flags & (F_ACT | F_NOOP | F_INFO)) ||
	       !strcmp(o->name, "state-dir");
}

/* "the command line", "FILE", "FILE and the command line", ... */
static void note_origin(dv_config *cfg, const cl_items *it)
{
	char *o = cfg->conf_origin;
	size_t n = sizeof(cfg->conf_origin), off = 0;
	int files = 0, opts = 0;

	for (size_t i = 0; i < it->n; i++) {
		if (!(it->v[i].o->flags & F_CONF)) {
			opts |= !keeps_default(it->v[i].o);
			continue;
		}
		if (off < n)
			off += (size_t)snprintf(o + off, n - off, "%s%s",
						files++ ? ", " : "",
						it->v[i].val ? it->v[i].val
							     : "");
	}
	if (opts && off < n)
		snprintf(o + off, n - off, "%sthe command line",
			 files ? " and " : "");
}

static size_t n_options(void)
{
	size_t n = 0;

	while (dv_options[n].name)
		n++;
	return n;
}

/*
 * The embedded default applies only to a command line without any
 * configuration (no --conf-file/--conf-dir, no option that configures a
 * service): as in dnsmasq, any configuration means port 53 on every
 * address, so that `dnsvizor --interface=lan0 --dhcp-range=...` does not
 * hand out a DNS server that listens on loopback port 5300 only.
 * Order: the embedded default or the files named on the command line,
 * then the other command-line options, so that the command line wins over
 * files for single values.
 */
int dv_config_load(dv_config *cfg, int argc, char **argv, char *err,
		   size_t errlen)
{
	dv_parser p = { .cfg = cfg, .err = err, .errlen = errlen };
	cl_items it = { NULL, 0, 0 };
	int rc;

	dv_config_defaults(cfg);
	err[0] = '\0';
	p.seen = calloc(n_options(), sizeof(char *));
	/* Every step runs even after an error, so that one run (--test)
	 * reports all the errors of the configuration, one per line. */
	rc = cl_parse(&p, argc, argv, &it);
	note_origin(cfg, &it);
	cfg->embedded_default = !cfg->conf_origin[0];
	if (cfg->embedded_default && load_default(&p) < 0)
		rc = -1;
	if (cl_apply(&p, &it, F_CONF) < 0)
		rc = -1;
	if (cl_apply(&p, &it, 0) < 0)
		rc = -1;
	free(it.v);
	for (size_t i = 0; p.seen && i < n_options(); i++)
		free(p.seen[i]);
	free(p.seen);
	if (p.nerr || err[0])
		rc = -1;
	if (rc < 0 && !err[0])
		snprintf(err, errlen, "invalid configuration");
	if (rc == 0 && cfg->no_hosts) {
		free(cfg->hosts_file);
		cfg->hosts_file = NULL;
	}
	return rc;
}
