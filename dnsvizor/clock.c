/*
 * The wall clock in milliseconds and kernel random bytes for the
 * protocol cores (see clock.h).
 */
#include <sys/random.h>
#include <sys/types.h>
#include <time.h>

#include <event2/event.h>

#include "dnsvizor/clock.h"

/* The test clock's offset (ms): 0 unless DV_TEST_CLOCK_FILE says. */
static int64_t dv_skew_ms;

uint64_t dv_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 +
			  dv_skew_ms);
}

uint64_t dv_now_s(void)
{
	return dv_now_ms() / 1000;
}

void dv_clock_skew(int64_t ms)
{
	dv_skew_ms = ms;
}

void dv_random(void *arg, void *buf, size_t len)
{
	uint8_t *p = buf;

	(void)arg;
	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);

		if (n <= 0)
			continue;  /* EINTR; getrandom does not fail otherwise */
		p += n;
		len -= (size_t)n;
	}
}

void dv_timer_at(struct event *ev, uint64_t *armed, uint64_t at)
{
	uint64_t now;
	struct timeval tv;

	if (at == *armed)
		return;         /* the common case on the hot path */
	event_del(ev);
	*armed = at;
	if (at == 0)
		return;
	now = dv_now_ms();
	at = at > now ? at - now : 0;
	tv.tv_sec = (time_t)(at / 1000);
	tv.tv_usec = (suseconds_t)(at % 1000) * 1000;
	evtimer_add(ev, &tv);
}
