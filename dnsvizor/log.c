/*
 * Logging: stderr lines "dnsvizor[pid]: level: msg" or syslog.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include "dnsvizor/dnsvizor.h"

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

/* Rate limiter: one slot per cause (the calling site: a format such as
 * "%s" is shared by many), open addressing.
 * A full table limits nothing new rather than dropping lines. */
enum { DV_LOGRL_SLOTS = 256 };
struct dv_logrl {
	struct dv_logrl_slot {
		const void *site;
		uint64_t start;      /* monotonic s of this interval */
		unsigned shown;      /* lines shown in this interval */
		uint64_t dropped;    /* left out since the last shown line */
	} s[DV_LOGRL_SLOTS];
};

static uint64_t dv_log_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

/* 1: show the line (*dropped: how many of its cause were left out
 * before it); 0: leave it out (counted). */
static int dv_log_admit(struct dv_logrl *rl, const void *site,
			uint64_t *dropped)
{
	size_t h = ((uintptr_t)site >> 2) % DV_LOGRL_SLOTS, i;
	struct dv_logrl_slot *sl = NULL;
	uint64_t now = dv_log_mono();

	*dropped = 0;
	for (i = 0; i < DV_LOGRL_SLOTS; i++) {
		sl = &rl->s[(h + i) % DV_LOGRL_SLOTS];
		if (sl->site == site || sl->site == NULL)
			break;
	}
	if (i == DV_LOGRL_SLOTS)
		return 1;
	if (sl->site == NULL) {
		sl->site = site;
		sl->start = now;
	}
	if (now - sl->start >= DV_LOG_INTERVAL) {
		sl->start = now;
		sl->shown = 0;
	}
	if (sl->shown >= DV_LOG_BURST) {
		sl->dropped++;
		return 0;
	}
	sl->shown++;
	*dropped = sl->dropped;
	sl->dropped = 0;
	return 1;
}

void dv_log_open(dv_logger *lg)
{
	if (lg->level <= 0)
		lg->level = DV_LOG_INFO;
	if (!lg->rl)
		lg->rl = calloc(1, sizeof(*lg->rl));
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

void dv_log_close(dv_logger *lg)
{
	free(lg->rl);
	lg->rl = NULL;
}

/* site: the caller, for the rate limit of warnings and errors (NULL:
 * none, for messages the caller already bounds). */
static void dv_vlog(const dv_logger *lg, int level, const void *site,
		    const char *fmt, va_list ap)
{
	char line[1024];
	uint64_t dropped = 0;
	int n, m;
	size_t len;

	if (lg && level > lg->level)
		return;
	if (site && lg && lg->rl && level <= DV_LOG_WARN &&
	    !dv_log_admit(lg->rl, site, &dropped))
		return;
	/* One write per line so that lines never interleave. */
	n = 0;
	if (lg && lg->stamp && !lg->use_syslog) {
		time_t t = time(NULL);
		struct tm tm;

		if (localtime_r(&t, &tm))
			n = (int)strftime(line, 32, "%b %e %H:%M:%S ", &tm);
	}
	n += snprintf(line + n, sizeof(line) - (size_t)n, "dnsvizor[%d]: %s: ",
		      (int)getpid(), dv_level_name(level));
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	if (m < 0)
		m = 0;
	len = (size_t)n + (size_t)m;
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	if (dropped) {
		m = snprintf(line + len, sizeof(line) - len - 1,
			     " (%llu more like this suppressed)",
			     (unsigned long long)dropped);
		if (m > 0)
			len += (size_t)m;
		if (len > sizeof(line) - 2)
			len = sizeof(line) - 2;
	}
	if (lg && lg->use_syslog) {
		line[len] = '\0';
		syslog(level, "%s", line + n);
		return;
	}
	line[len] = '\n';
	if (write(STDERR_FILENO, line, len + 1) < 0)
		return;
}

void dv_log(const dv_logger *lg, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	dv_vlog(lg, level, __builtin_return_address(0), fmt, ap);
	va_end(ap);
}

void dv_log_bounded(const dv_logger *lg, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	dv_vlog(lg, level, NULL, fmt, ap);
	va_end(ap);
}
