#include "log.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../oci/json.h"

static struct {
	int fd; /* log file, or -1 for stderr */
	bool json;
	bool debug;
} log_cfg = { -1, false, false };

static const char *const level_names[] = { "error", "warning", "info", "debug" };

int log_init(const char *path, bool json, bool debug, struct cell_err *e)
{
	log_cfg.json = json;
	log_cfg.debug = debug;
	if (path == NULL || path[0] == '\0')
		return 0;
	log_cfg.fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (log_cfg.fd < 0)
		return cell_err_sys(e, "open log file `%s`", path);
	return 0;
}

bool log_debug_enabled(void)
{
	return log_cfg.debug;
}

void log_time_rfc3339(char *buf, size_t cap)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	/* Not strftime: it links musl's time zone code (7 KB) for a UTC stamp. */
	snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
}

static void write_line(int fd, enum log_level level, const char *msg)
{
	char line[CELL_ERR_MSG * 2 + 128];
	char when[48];
	size_t n;

	log_time_rfc3339(when, sizeof when);
	if (log_cfg.json) {
		n = (size_t)snprintf(line, sizeof line, "{\"level\":\"%s\",\"msg\":", level_names[level]);
		n += json_quote(line + n, sizeof line - n, msg);
		n += (size_t)snprintf(line + n, sizeof line - n, ",\"time\":\"%s\"}\n", when);
	} else {
		n = (size_t)snprintf(line, sizeof line, "%s %s %s\n", when, level_names[level], msg);
	}
	if (n >= sizeof line) {
		n = sizeof line - 1;
		line[n - 1] = '\n';
	}
	if (write(fd, line, n) < 0)
		return; /* nowhere left to report a failing log */
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char msg[CELL_ERR_MSG];
	va_list ap;

	if (level == LOG_DEBUG && !log_cfg.debug)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	write_line(log_cfg.fd >= 0 ? log_cfg.fd : STDERR_FILENO, level, msg);
}

void log_final_error(const struct cell_err *e)
{
	char line[CELL_ERR_MSG + 16];
	int n;

	if (log_cfg.json && log_cfg.fd < 0) {
		write_line(STDERR_FILENO, LOG_ERROR, e->msg);
		return;
	}
	n = snprintf(line, sizeof line, "cell: %s\n", e->msg);
	if (n > 0 && write(STDERR_FILENO, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1) < 0)
		n = 0;
	if (log_cfg.fd >= 0)
		write_line(log_cfg.fd, LOG_ERROR, e->msg);
}

/* libcap-ng reports a failed bounding set drop in capng_apply with
 * syslog(3). This definition takes it into cell's log (--log), where the
 * caller of the runtime looks, not the host's syslog; and the static link
 * takes it before libc.a's, which keeps musl's syslog and time zone code
 * (9 KB) out of the binary. Declared here, not through <syslog.h>: its
 * LOG_INFO and LOG_DEBUG macros would clash with enum log_level. */
void syslog(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void syslog(int prio, const char *fmt, ...)
{
	char msg[CELL_ERR_MSG];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_msg(LOG_WARN, "%s", msg);
}
