#include "sync.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *stage_name(int32_t s)
{
	static const char *const names[] = {
		"?", "init-pid", "child-ready", "parent-done", "mounts-done",
		"pivot", "created", "exec", "wait-fifo", "console", "seccomp-fd",
		"idmount-fd",
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

int sync_send_fd(int fd, enum sync_stage stage, int passfd)
{
	struct sync_msg m = { .stage = stage };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = &m, .iov_len = offsetof(struct sync_msg, msg) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = sizeof u.buf };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

	memset(&u, 0, sizeof u);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &passfd, sizeof passfd);
	while (sendmsg(fd, &mh, MSG_NOSIGNAL) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return 0;
}

int sync_expect_fd(int fd, enum sync_stage want, int *passfd, struct cell_err *e)
{
	struct sync_msg m;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = &m, .iov_len = sizeof m };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = sizeof u.buf };
	struct cmsghdr *c;
	ssize_t n;

	*passfd = -1;
	do
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return cell_err_sys(e, "read sync socket (waiting for %s)", stage_name(want));
	c = CMSG_FIRSTHDR(&mh);
	if (c != NULL && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
	    c->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(passfd, CMSG_DATA(c), sizeof *passfd);
	if (n == 0)
		return cell_err_set(e, EPIPE, "container process exited before %s", stage_name(want));
	if ((size_t)n >= offsetof(struct sync_msg, msg) && m.stage == SYNC_ERROR) {
		size_t len = (size_t)n - offsetof(struct sync_msg, msg);

		if (len >= sizeof e->msg)
			len = sizeof e->msg - 1;
		memcpy(e->msg, m.msg, len);
		e->msg[len] = '\0';
		e->errnum = m.errnum;
		goto fail;
	}
	if ((size_t)n < offsetof(struct sync_msg, msg) || m.stage != (int32_t)want || *passfd < 0) {
		cell_err_set(e, EPROTO, "sync: expected %s with an fd", stage_name(want));
		goto fail;
	}
	return 0;
fail:
	if (*passfd >= 0)
		close(*passfd);
	*passfd = -1;
	return -1;
}
