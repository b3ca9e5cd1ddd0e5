/*
 * dnsvizor/clock.h — the wall clock in milliseconds and random bytes, as
 * the protocol cores take them (a `now` argument, a random-bytes
 * callback), and a timer armed for such a time.  A leaf (clock.c): it
 * calls no other shell file.
 */
#ifndef DV_CLOCK_H
#define DV_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* Unix time in milliseconds (CLOCK_REALTIME), plus the test clock's
 * offset.  The process reads the wall clock only through these two. */
uint64_t dv_now_ms(void);
/* The same in seconds. */
uint64_t dv_now_s(void);
/* Move the clock by ms from the real one (the test clock, set from
 * DV_TEST_CLOCK_FILE by main.c; tests move time without waiting). */
void dv_clock_skew(int64_t ms);
/* Fill buf with len random bytes from the kernel (getrandom, retried on
 * EINTR); arg is unused (the cores' random-callback shape). */
void dv_random(void *arg, void *buf, size_t len);

struct event;
/* Arm the timer ev for unix time at (ms; 0: no timer), as the cores'
 * "next timer" says; nothing is done when at equals *armed, the time
 * it was last armed for (kept there). */
void dv_timer_at(struct event *ev, uint64_t *armed, uint64_t at);

#endif
