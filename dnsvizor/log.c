/*
 * Logging: stderr lines "dnsvizor[pid]: level: msg" or syslog.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include "dnsvizor/dnsvizor.h"
#include "dnsvizor/net.h"

static const struct {
	const char *name;
	int fac;
} dv_facilities[] = {
	{ "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
	{ "auth", LOG_AUTH }, { "authpriv", LOG_AUTHPRIV },
	{ "cron", LOG_CRON }, { "ftp", LOG_FTP }, { "kern", LOG_KERN },
	{ "lpr", LOG_LPR }, { "mail", LOG_MAIL }, { "news", LOG_NEWS },
	{ "syslog", LOG_SYSLOG }, { "uucp", LOG_UUCP },
};

int dv_log_facility(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(dv_facilities) / sizeof(dv_facilities[0]); i++)
		if (strcasecmp(name, dv_facilities[i].name) == 0)
			return dv_facilities[i].fac;
	return -1;
}

void dv_log_open(dv_logger *lg)
{
	if (lg->level <= 0)
		lg->level = DV_LOG_INFO;
	if (lg->use_syslog)
		openlog("dnsvizor", LOG_PID | LOG_NDELAY,
			lg->facility ? lg->facility : LOG_DAEMON);
}

static const char *dv_level_name(int level)
{
	switch (level) {
	case DV_LOG_ERR: return "error";
	case DV_LOG_WARN: return "warning";
	case DV_LOG_INFO: return "info";
	default: return "debug";
	}
}

void dv_log(const dv_logger *lg, int level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n, m;

	if (lg && level > lg->level)
		return;
	va_start(ap, fmt);
	if (lg && lg->use_syslog) {
		vsyslog(level, fmt, ap);
		va_end(ap);
		return;
	}
	/* One write per line so that lines never interleave. */
	n = snprintf(line, sizeof(line), "dnsvizor[%d]: %s: ", (int)getpid(),
		     dv_level_name(level));
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	if ((size_t)(n + m) > sizeof(line) - 2)
		m = (int)sizeof(line) - 2 - n;
	line[n + m] = '\n';
	if (write(STDERR_FILENO, line, (size_t)(n + m + 1)) < 0)
		return;
}
