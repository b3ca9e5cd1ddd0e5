/*
 * --help and the man page (--man), generated from the option table.
 */
#include <string.h>

#include "dnsvizor/options_int.h"

/* ---- --help ---- */

static void help_usage(const dv_option *o, char *buf, size_t len)
{
	int n = o->letter ? snprintf(buf, len, "-%c, ", o->letter)
			  : snprintf(buf, len, "    ");
	size_t off = (size_t)n;

	off += (size_t)snprintf(buf + off, len - off, "--%s", o->name);
	if (o->metavar && o->arg == A_OPT)
		snprintf(buf + off, len - off, "[=%s]", o->metavar);
	else if (o->metavar)
		snprintf(buf + off, len - off, "=%s", o->metavar);
}

static void help_unsupported(FILE *out)
{
	size_t col = 0;

	fprintf(out, "\ndnsmasq options not supported yet (they stop "
		"start-up with an error):\n");
	for (const dv_option *o = dv_options; o->name; o++) {
		size_t n = strlen(o->name) + 1;
		if (!(o->flags & F_UNSUP))
			continue;
		if (col + n > 76) {
			fputc('\n', out);
			col = 0;
		}
		fprintf(out, "%s%s", col ? " " : "  ", o->name);
		col += n + (col ? 0 : 1);
	}
	fputc('\n', out);
}

/* Print text from column col, wrapped at 79 with an indent of 33. */
static void help_wrap(FILE *out, const char *text, size_t col)
{
	enum { INDENT = 33, WIDTH = 79 };

	while (*text) {
		size_t n = strcspn(text, " ");
		if (col > INDENT && col + 1 + n > WIDTH) {
			fprintf(out, "\n%*s", INDENT, "");
			col = INDENT;
		} else if (col > INDENT) {
			fputc(' ', out);
			col++;
		}
		fprintf(out, "%.*s", (int)n, text);
		col += n;
		text += n;
		text += strspn(text, " ");
	}
	fputc('\n', out);
}

void dv_print_help(FILE *out)
{
	char usage[160];

	fprintf(out, "Usage: dnsvizor [OPTION]...\n"
		"dnsvizor %s: a DNS + DHCP appliance in one process (a "
		"dnsmasq-compatible\n"
		"configuration): a caching recursive or forwarding resolver "
		"with DNSSEC\n"
		"validation; authoritative zones with dynamic updates, "
		"transfers and DNSSEC\n"
		"signing; dnsmasq-style local names; a DHCPv4 server whose "
		"leases get names\n"
		"in DNS; ACME (Let's Encrypt DNS-01) certificates for the "
		"names it serves.\n"
		"Every long option also works in a config file as NAME=VALUE "
		"or NAME.\n\n", DV_VERSION);
	for (const dv_option *o = dv_options; o->name; o++) {
		if (o->flags & F_UNSUP)
			continue;
		help_usage(o, usage, sizeof(usage));
		if (strlen(usage) < 30)
			fprintf(out, "  %-30s ", usage);
		else
			fprintf(out, "  %s\n%33s", usage, "");
		help_wrap(out, o->help, 33);
	}
	help_unsupported(out);
}

/* ---- --man ---- */

/* troff-safe text: '-' as \-, '\' as \e, no leading '.' or '\''. */
static void man_text(FILE *out, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", out);
	for (; *s; s++) {
		if (*s == '-')
			fputs("\\-", out);
		else if (*s == '\\')
			fputs("\\e", out);
		else
			fputc(*s, out);
	}
}

static void man_option(FILE *out, const dv_option *o)
{
	fputs(".TP\n", out);
	if (o->letter)
		fprintf(out, "\\fB\\-%c\\fR, ", o->letter);
	fputs("\\fB\\-\\-", out);
	man_text(out, o->name);
	fputs("\\fR", out);
	if (o->metavar) {
		fputs(o->arg == A_OPT ? "[=\\fI" : "=\\fI", out);
		man_text(out, o->metavar);
		fputs(o->arg == A_OPT ? "\\fR]" : "\\fR", out);
	}
	fputs("\n", out);
	man_text(out, o->help);
	fputs("\n", out);
}

static const char man_head[] =
	".TH DNSVIZOR 8 \"\" \"dnsvizor " DV_VERSION "\" \"System Manager's "
	"Manual\"\n"
	".SH NAME\n"
	"dnsvizor \\- DNS and DHCP appliance: resolver, authoritative "
	"zones, DHCP, ACME\n"
	".SH SYNOPSIS\n"
	".B dnsvizor\n"
	"[\\fIOPTION\\fR]...\n"
	".SH DESCRIPTION\n"
	"\\fBdnsvizor\\fR is a DNS and DHCP server for a LAN gateway or a "
	"domain's servers, in one event\\-driven process, configured like "
	"dnsmasq. It answers DNS over UDP, TCP, TLS and HTTPS:\n"
	".IP \\(bu 2\n"
	"as a caching resolver that recurses from the root or forwards "
	"(\\fB\\-\\-server\\fR, \\fB\\-\\-resolv\\-file\\fR), with "
	"DNSSEC validation;\n"
	".IP \\(bu 2\n"
	"authoritatively for the zone files given with "
	"\\fB\\-\\-zone\\fR and for secondary zones, with dynamic updates "
	"(RFC 2136), TSIG, NOTIFY, AXFR/IXFR and DNSSEC signing "
	"(\\fB\\-\\-dnssec\\-sign\\fR);\n"
	".IP \\(bu 2\n"
	"for local names from hosts files, \\fB\\-\\-host\\-record\\fR, "
	"\\fB\\-\\-address\\fR and the other record options, which follow "
	"dnsmasq.\n"
	".PP\n"
	"A DHCPv4 server (\\fB\\-\\-dhcp\\-range\\fR) hands out durable "
	"leases whose host names are answered in DNS (NAME.DOMAIN and the "
	"plain NAME). An ACME client obtains Let's Encrypt certificates by "
	"DNS\\-01 for the names it serves (\\fB\\-\\-acme\\-cert\\fR).\n"
	".PP\n"
	"Every long option may be given on the command line as "
	"\\fB\\-\\-name=value\\fR or in a configuration file as a line "
	"\\fBname=value\\fR (or just \\fBname\\fR). Lines starting with "
	"\\fB#\\fR are comments. Options on the command line override "
	"single\\-valued options from files. With no configuration at all (no "
	"\\fB\\-\\-conf\\-file\\fR, \\fB\\-\\-conf\\-dir\\fR or other "
	"option; \\fB\\-\\-state\\-dir\\fR and options that only act, such "
	"as \\fB\\-\\-test\\fR, do not count), an embedded default "
	"configuration is used: listen on 127.0.0.1 and ::1, port 5300. As "
	"soon as any configuration is given, dnsmasq's defaults apply: port 53 "
	"on every address. The log says at start which is in use.\n"
	".PP\n"
	"An unknown option, or a dnsmasq option that dnsvizor does not "
	"implement yet, stops start\\-up with a message naming the file, "
	"line and option.\n"
	".SH OPTIONS\n";

static const char man_tail[] =
	".SH FILES\n"
	".TP\n"
	".I /etc/hosts\n"
	"Local names, unless \\fB\\-\\-no\\-hosts\\fR is given.\n"
	".TP\n"
	".I /var/lib/dnsvizor\n"
	"Default state directory (\\fB\\-\\-state\\-dir\\fR).\n"
	".SH SIGNALS\n"
	".TP\n"
	".B SIGHUP\n"
	"Reload the configuration and the zone files. A zone that fails to "
	"load keeps serving its old version; the error is logged.\n"
	".TP\n"
	".B SIGUSR1\n"
	"Write statistics to the log, as dnsmasq does: cache size, "
	"insertions, evictions, hits and misses, queries sent and failed per "
	"forwarding server, addresses leased per DHCP range.\n"
	".TP\n"
	".B SIGUSR2\n"
	"Reopen the log file of \\fB\\-\\-log\\-facility\\fR=\\fIFILE\\fR "
	"(log rotation).\n"
	".TP\n"
	".BR SIGALRM \", \" SIGCHLD\n"
	"Ignored.\n"
	".TP\n"
	".BR SIGTERM \", \" SIGINT\n"
	"Stop cleanly.\n"
	".SH EXAMPLES\n"
	"Serve a zone and some local names on a LAN address:\n"
	".PP\n"
	".nf\n"
	".RS\n"
	"dnsvizor \\-\\-listen\\-address=192.168.1.1 \\-\\-domain=lan "
	"\\-\\-expand\\-hosts \\e\n"
	"  \\-\\-host\\-record=router.lan,192.168.1.1 "
	"\\-\\-address=/ads.example/ \\e\n"
	"  \\-\\-zone=example.com,/etc/dnsvizor/example.com.zone\n"
	".RE\n"
	".fi\n"
	".PP\n"
	"Check a configuration file without starting:\n"
	".PP\n"
	".nf\n"
	".RS\n"
	"dnsvizor \\-\\-conf\\-file=/etc/dnsvizor.conf \\-\\-test\n"
	".RE\n"
	".fi\n"
	".SH SEE ALSO\n"
	".BR dnsmasq (8),\n"
	".BR nsd (8)\n";

static void man_unsupported(FILE *out)
{
	int first = 1;

	fputs(".SS \"dnsmasq options not supported yet\"\n", out);
	for (const dv_option *o = dv_options; o->name; o++) {
		if (!(o->flags & F_UNSUP))
			continue;
		fputs(first ? "\\fB" : ", \\fB", out);
		man_text(out, o->name);
		fputs("\\fR", out);
		first = 0;
	}
	fputs("\n", out);
}

void dv_print_man(FILE *out)
{
	fputs(man_head, out);
	for (const dv_option *o = dv_options; o->name; o++)
		if (!(o->flags & F_UNSUP))
			man_option(out, o);
	man_unsupported(out);
	fputs(man_tail, out);
}
