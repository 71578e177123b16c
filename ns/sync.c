#include "sync.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

static const char *stage_name(int32_t s)
{
	static const char *const names[] = {
		"?", "init-pid", "child-ready", "parent-done", "mounts-done",
		"pivot", "created", "exec", "wait-fifo",
	};

	if (s == SYNC_ERROR)
		return "error";
	if (s < 0 || (size_t)s >= sizeof names / sizeof names[0])
		return "?";
	return names[s];
}

int sync_send(int fd, enum sync_stage stage, int64_t value)
{
	struct sync_msg m = { .stage = stage, .value = value };

	while (send(fd, &m, offsetof(struct sync_msg, msg), MSG_NOSIGNAL) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return 0;
}

void sync_send_error(int fd, const struct cell_err *e)
{
	struct sync_msg m = { .stage = SYNC_ERROR, .errnum = e->errnum };
	size_t n = strnlen(e->msg, sizeof m.msg - 1);

	memcpy(m.msg, e->msg, n);
	m.msg[n] = '\0';
	while (send(fd, &m, offsetof(struct sync_msg, msg) + n + 1, MSG_NOSIGNAL) < 0) {
		if (errno != EINTR)
			return;
	}
}

/* Receive one message: its length, 0 at EOF, -1 with e set on failure or
 * when the peer sent SYNC_ERROR (then e is the peer's error). */
static ssize_t sync_recv(int fd, struct sync_msg *m, enum sync_stage want, struct cell_err *e)
{
	ssize_t n;
	size_t len;

	do
		n = recv(fd, m, sizeof *m, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return cell_err_sys(e, "read sync socket (waiting for %s)", stage_name(want));
	if (n == 0)
		return 0;
	if ((size_t)n < offsetof(struct sync_msg, msg))
		return cell_err_set(e, EPROTO, "short sync message (waiting for %s)", stage_name(want));
	if (m->stage != SYNC_ERROR)
		return n;
	len = (size_t)n - offsetof(struct sync_msg, msg);
	if (len >= sizeof e->msg)
		len = sizeof e->msg - 1;
	memcpy(e->msg, m->msg, len);
	e->msg[len] = '\0';
	e->errnum = m->errnum;
	errno = m->errnum;
	return -1;
}

int sync_expect(int fd, enum sync_stage want, int64_t *value, struct cell_err *e)
{
	struct sync_msg m;
	ssize_t n = sync_recv(fd, &m, want, e);

	if (n < 0)
		return -1;
	if (n == 0)
		return cell_err_set(e, EPIPE, "container init exited before %s", stage_name(want));
	if (m.stage != want)
		return cell_err_set(e, EPROTO, "sync: got stage %s, expected %s", stage_name(m.stage),
				    stage_name(want));
	if (value != NULL)
		*value = m.value;
	return 0;
}

int sync_wait_exec(int fd, struct cell_err *e)
{
	struct sync_msg m;
	ssize_t n = sync_recv(fd, &m, SYNC_EXEC, e);

	if (n <= 0)
		return (int)n;
	return cell_err_set(e, EPROTO, "sync: got stage %s while waiting for exec", stage_name(m.stage));
}
