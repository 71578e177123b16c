/* Unit test harness: CHECK counts failed checks of the running case, RUN
 * prints "PASS name" or "FAIL name: first failure", t_done gives the exit code. */
#ifndef CELL_T_H
#define CELL_T_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int t_fails, t_failed_cases, t_cases;
static char t_reason[2048];

/* A function, not snprintf in the macro: at -Os gcc warns that a long %s
 * may be cut to fit t_reason, which is what we want. */
static inline void t_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void t_fail(const char *fmt, ...)
{
	va_list ap;

	if (t_fails++)
		return;
	va_start(ap, fmt);
	vsnprintf(t_reason, sizeof t_reason, fmt, ap);
	va_end(ap);
}

#define T_FAIL(...) t_fail(__VA_ARGS__)
#define CHECK(c) do { if (!(c)) T_FAIL("%s:%d: CHECK(%s)", __FILE__, __LINE__, #c); } while (0)
#define CHECK_STR(got, want) do { const char *g_ = (got), *w_ = (want); \
	if (!g_ || strcmp(g_, w_)) T_FAIL("%s:%d: got \"%s\", want \"%s\"", __FILE__, __LINE__, g_ ? g_ : "(null)", w_); } while (0)
#define RUN(fn) t_run(#fn, fn)

static inline void t_end(const char *name)
{
	t_cases++;
	if (t_fails) {
		t_failed_cases++;
		printf("FAIL %s: %s (%d failed checks)\n", name, t_reason, t_fails);
	} else {
		printf("PASS %s\n", name);
	}
	t_fails = 0;
	fflush(stdout);
}

static inline void t_run(const char *name, void (*fn)(void))
{
	t_fails = 0;
	fn();
	t_end(name);
}

static inline int t_done(void)
{
	printf("%d/%d cases passed\n", t_cases - t_failed_cases, t_cases);
	return t_failed_cases ? 1 : 0;
}

#endif
