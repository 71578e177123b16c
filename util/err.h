/* One error type for the whole tree: filled once where a call fails,
 * optionally prefixed by callers, printed once by the top frame. */
#ifndef CELL_ERR_H
#define CELL_ERR_H

#include <stddef.h>

#define CELL_ERR_MSG 512

struct cell_err {
	int errnum;             /* errno of the root cause, 0 if none */
	char msg[CELL_ERR_MSG]; /* "op `object`: strerror" */
};

/* Record a message that says it all ("container `x` already exists");
 * errnum classifies it for callers and is not printed.
 * Always returns -1 so callers can `return cell_err_set(...)`. */
int cell_err_set(struct cell_err *e, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Record "fmt...: strerror(errnum)". */
int cell_err_errno(struct cell_err *e, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Same, taking errno at the time of the call. */
int cell_err_sys(struct cell_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prefix an already filled error with context: "fmt...: old message". */
int cell_err_wrap(struct cell_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void cell_err_clear(struct cell_err *e);

#endif
