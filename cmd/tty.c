/* The runtime's side of a container's terminal. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../util/cleanup.h"
#include "../util/sys.h"
#include "tty.h"

int tty_send_to_socket(const char *path, int master, struct cell_err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int s = -1;
	char name[] = "/dev/ptmx";
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = name, .iov_len = sizeof name - 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = sizeof u.buf };
	struct cmsghdr *c;

	if (strlen(path) >= sizeof sa.sun_path)
		return cell_err_set(e, ENAMETOOLONG, "--console-socket `%s`: path too long", path);
	strcpy(sa.sun_path, path);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return cell_err_sys(e, "--console-socket: socket");
	if (connect(s, (struct sockaddr *)&sa, sizeof sa) < 0)
		return cell_err_sys(e, "--console-socket: connect `%s`", path);
	memset(&u, 0, sizeof u);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &master, sizeof master);
	while (sendmsg(s, &mh, MSG_NOSIGNAL) < 0) {
		if (errno != EINTR)
			return cell_err_sys(e, "--console-socket: send the pty to `%s`", path);
	}
	return 0;
}

void tty_raw_enter(int fd, struct tty_raw *t)
{
	struct termios raw;

	t->set = false;
	if (tcgetattr(fd, &t->saved) < 0)
		return;
	raw = t->saved;
	cfmakeraw(&raw);
	if (tcsetattr(fd, TCSADRAIN, &raw) == 0)
		t->set = true;
}

void tty_raw_leave(int fd, struct tty_raw *t)
{
	if (t->set)
		tcsetattr(fd, TCSADRAIN, &t->saved);
	t->set = false;
}

void tty_copy_winsize(int from, int to)
{
	struct winsize ws;

	if (ioctl(from, TIOCGWINSZ, &ws) == 0 && (ws.ws_row != 0 || ws.ws_col != 0))
		ioctl(to, TIOCSWINSZ, &ws);
}

/* Write all of buf; false when the other side is gone. */
static bool write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };

			poll(&p, 1, 1000);
			continue;
		}
		if (w <= 0)
			return false;
		buf += w;
		n -= (size_t)w;
	}
	return true;
}

/* What the container wrote before it exited is still in the pty. EIO
 * means every peer is closed; EAGAIN that nothing more came for a while
 * (a process that keeps the peer open must not hold us forever). */
static void drain(int master)
{
	char buf[8192];
	struct pollfd p = { .fd = master, .events = POLLIN };
	ssize_t n;

	fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
	for (;;) {
		n = read(master, buf, sizeof buf);
		if (n > 0) {
			if (!write_all(STDOUT_FILENO, buf, (size_t)n))
				return;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN && poll(&p, 1, 100) > 0)
			continue;
		return;
	}
}

enum { P_PID, P_SIG, P_MASTER, P_IN, P_N };

static int proxy_loop(int master, int pidfd, int sfd)
{
	struct pollfd pfd[P_N] = {
		[P_PID] = { .fd = pidfd, .events = POLLIN },
		[P_SIG] = { .fd = sfd, .events = POLLIN },
		[P_MASTER] = { .fd = master, .events = POLLIN },
		[P_IN] = { .fd = STDIN_FILENO, .events = POLLIN },
	};
	char buf[8192];
	ssize_t n;

	for (;;) {
		struct signalfd_siginfo ssi;

		if (poll(pfd, P_N, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (pfd[P_PID].revents)
			break;
		if (pfd[P_SIG].revents && read(sfd, &ssi, sizeof ssi) == sizeof ssi) {
			if (ssi.ssi_signo == SIGWINCH)
				tty_copy_winsize(STDIN_FILENO, master);
			else
				sys_pidfd_send_signal(pidfd, (int)ssi.ssi_signo, NULL, 0);
		}
		if (pfd[P_MASTER].revents) {
			n = read(master, buf, sizeof buf);
			if (n > 0)
				write_all(STDOUT_FILENO, buf, (size_t)n);
			else if (n == 0 || (errno != EINTR && errno != EAGAIN))
				pfd[P_MASTER].fd = -1; /* EIO: no peer left open */
		}
		if (pfd[P_IN].revents) {
			n = read(STDIN_FILENO, buf, sizeof buf);
			if (n > 0) {
				write_all(master, buf, (size_t)n);
			} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
				/* End of our input: the pty's end-of-file character
				 * tells a reader in the container. */
				write_all(master, "\004", 1);
				pfd[P_IN].fd = -1;
			}
		}
	}
	drain(master);
	return 0;
}

int tty_proxy_wait(int master, int pidfd, const sigset_t *fwd, struct cell_err *e)
{
	_cleanup_close_ int sfd = signalfd(-1, fwd, SFD_CLOEXEC);
	struct tty_raw raw;
	int r;

	if (sfd < 0)
		return cell_err_sys(e, "signalfd");
	tty_copy_winsize(STDIN_FILENO, master);
	tty_raw_enter(STDIN_FILENO, &raw);
	r = proxy_loop(master, pidfd, sfd);
	tty_raw_leave(STDIN_FILENO, &raw);
	if (r < 0)
		return cell_err_sys(e, "poll the terminal");
	return 0;
}
