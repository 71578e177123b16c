/* The runtime's log: --log FILE (else stderr), --log-format text|json,
 * --debug. Only the top frame logs errors (log_final_error); helpers return
 * errors instead of printing them. */
#ifndef CELL_LOG_H
#define CELL_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Open the log file (append) if path is non-NULL. */
int log_init(const char *path, bool json, bool debug, struct cell_err *e);

bool log_debug_enabled(void);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) do { if (log_debug_enabled()) log_msg(LOG_DEBUG, __VA_ARGS__); } while (0)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)

/* Print the error that ends the command: once on stderr ("cell: msg"), and
 * once in the log file when there is one (as JSON with --log-format json,
 * which is where containerd's shim looks for it). */
void log_final_error(const struct cell_err *e);

/* Current UTC time as RFC 3339 with nanoseconds (log lines, "created"). */
void log_time_rfc3339(char *buf, size_t cap);

#endif
