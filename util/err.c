#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

__attribute__((format(printf, 4, 0)))
static void err_vset(struct cell_err *e, int errnum, bool with_strerror, const char *fmt, va_list ap)
{
	int n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);

	e->errnum = errnum;
	if (n < 0)
		n = 0;
	if (with_strerror && (size_t)n < sizeof e->msg)
		snprintf(e->msg + n, sizeof e->msg - (size_t)n, ": %s", strerror(errnum));
}

int cell_err_set(struct cell_err *e, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(e, errnum, false, fmt, ap);
	va_end(ap);
	errno = errnum;
	return -1;
}

int cell_err_errno(struct cell_err *e, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(e, errnum, true, fmt, ap);
	va_end(ap);
	errno = errnum;
	return -1;
}

int cell_err_sys(struct cell_err *e, const char *fmt, ...)
{
	int errnum = errno;
	va_list ap;

	va_start(ap, fmt);
	err_vset(e, errnum, true, fmt, ap);
	va_end(ap);
	errno = errnum;
	return -1;
}

int cell_err_wrap(struct cell_err *e, const char *fmt, ...)
{
	char old[CELL_ERR_MSG];
	va_list ap;
	int n;

	memcpy(old, e->msg, sizeof old);
	va_start(ap, fmt);
	n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n + 3 < sizeof e->msg) {
		size_t room = sizeof e->msg - (size_t)n - 3;
		size_t len = strnlen(old, room);

		memcpy(e->msg + n, ": ", 2);
		memcpy(e->msg + n + 2, old, len);
		e->msg[(size_t)n + 2 + len] = '\0';
	}
	errno = e->errnum;
	return -1;
}

void cell_err_clear(struct cell_err *e)
{
	e->errnum = 0;
	e->msg[0] = '\0';
}
