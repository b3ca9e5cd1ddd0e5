/* Minimal unit-test helpers: each test binary prints one "PASS name" or
 * "FAIL name: where" line per test case; tests/run.sh counts them. */
#ifndef DV_T_H
#define DV_T_H
#include <stdio.h>
#include <string.h>

static int t_failed_cases;
static int t_cur_failed;

#define T_CHECK(cond) do { if (!(cond)) { \
	printf("  check failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
	t_cur_failed = 1; } } while (0)
#define T_EQ(a, b) do { long long t_a_ = (long long)(a), t_b_ = (long long)(b); \
	if (t_a_ != t_b_) { printf("  check failed: %s == %s (%lld != %lld) (%s:%d)\n", \
	#a, #b, t_a_, t_b_, __FILE__, __LINE__); t_cur_failed = 1; } } while (0)
#define T_RUN(fn) do { t_cur_failed = 0; fn(); \
	if (t_cur_failed) { t_failed_cases++; printf("FAIL %s\n", #fn); } \
	else printf("PASS %s\n", #fn); } while (0)
#define T_DONE() return t_failed_cases ? 1 : 0
#endif
