/* The console holder of a detached terminal container: the one cell
 * process that outlives the command that started it. It keeps the pty
 * master and a ring of the latest output, and serves one `cell console`
 * client at a time on ROOT/ID/console.sock. It is forked by `create` / `run
 * -d` in the host's namespaces (never joins the container's), is not the
 * parent of the container's init (that stays with the caller or its
 * subreaper), holds only the master, the socket and the init's pidfd, runs
 * without capabilities and non-dumpable, and allocates nothing after the
 * fork: static buffers and one poll loop. It exits when the init exits or
 * the pty hangs up, after passing on what was left in the pty. */
#include <cap-ng.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "../ns/ns.h"
#include "../state/state.h"
#include "../util/cleanup.h"
#include "../util/fs.h"
#include "../util/sys.h"
#include "console.h"

#define RING_SIZE (64 * 1024)

/* Fixed fd numbers in the holder. */
enum { FD_LISTEN = 3, FD_MASTER, FD_PIDFD, FD_READY, FD_FIRST_FREE };

static char ring[RING_SIZE];
static char inbuf[1 + CONSOLE_CHUNK];

static struct {
	int client;      /* attached `cell console`, or -1 */
	uint64_t written; /* bytes ever put in the ring */
	uint64_t sent;    /* of those, sent to the client */
	size_t in_off, in_len; /* client input not yet written to the master */
} h = { .client = -1 };

/* Room for the next read from the master. With a client attached no
 * output is overwritten before it was sent (the container waits instead);
 * without one the oldest output goes. */
static size_t ring_room(void)
{
	size_t room = RING_SIZE - (size_t)(h.written % RING_SIZE);
	uint64_t unsent = h.written - h.sent;

	if (h.client >= 0 && RING_SIZE - unsent < room)
		room = (size_t)(RING_SIZE - unsent);
	return room;
}

/* Read what the container wrote: > 0 bytes, 0 for nothing now, -1 when
 * the pty hung up (no peer left: EIO). */
static ssize_t ring_fill(void)
{
	size_t room = ring_room();
	ssize_t n;

	if (room == 0)
		return 0;
	n = read(FD_MASTER, ring + h.written % RING_SIZE, room);
	if (n > 0) {
		h.written += (uint64_t)n;
		return n;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	return -1;
}

static void client_drop(void)
{
	if (h.client >= 0)
		close(h.client);
	h.client = -1;
	h.in_off = h.in_len = 0;
}

/* Send unsent output, as far as the socket takes it. */
static void client_flush(void)
{
	while (h.client >= 0 && h.sent < h.written) {
		size_t off = (size_t)(h.sent % RING_SIZE);
		size_t len = RING_SIZE - off;
		ssize_t n;

		if (h.written - h.sent < len)
			len = (size_t)(h.written - h.sent);
		if (len > CONSOLE_CHUNK)
			len = CONSOLE_CHUNK;
		n = send(h.client, ring + off, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			client_drop();
			return;
		}
		h.sent += (uint64_t)n;
	}
}

/* One message from the client: input for the container, or its size. */
static void client_read(void)
{
	ssize_t n = recv(h.client, inbuf, sizeof inbuf, MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		client_drop(); /* detached */
		return;
	}
	if (inbuf[0] == CONSOLE_DATA && n > 1) {
		h.in_off = 1;
		h.in_len = (size_t)n;
	} else if (inbuf[0] == CONSOLE_WINSIZE && n == 1 + (ssize_t)sizeof(struct winsize)) {
		struct winsize ws;

		memcpy(&ws, inbuf + 1, sizeof ws);
		/* The kernel sends SIGWINCH to the pty's foreground group. */
		ioctl(FD_MASTER, TIOCSWINSZ, &ws);
	}
}

static void input_flush(void)
{
	while (h.in_off < h.in_len) {
		ssize_t n = write(FD_MASTER, inbuf + h.in_off, h.in_len - h.in_off);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			h.in_off = h.in_len = 0; /* nobody reads it any more */
			return;
		}
		h.in_off += (size_t)n;
	}
	h.in_off = h.in_len = 0;
}

/* A new client: only the holder's own user (or root) may attach, and only
 * one at a time. It gets the ring first: the output it missed. */
static void client_accept(void)
{
	int c = accept4(FD_LISTEN, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	struct ucred cr;
	socklen_t len = sizeof cr;
	char hello;

	if (c < 0)
		return;
	if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0 ||
	    (cr.uid != 0 && cr.uid != getuid())) {
		close(c);
		return;
	}
	hello = h.client >= 0 ? CONSOLE_BUSY : CONSOLE_OK;
	if (send(c, &hello, 1, MSG_DONTWAIT | MSG_NOSIGNAL) != 1 || hello == CONSOLE_BUSY) {
		close(c);
		return;
	}
	h.client = c;
	h.sent = h.written > RING_SIZE ? h.written - RING_SIZE : 0;
	h.in_off = h.in_len = 0;
	client_flush();
}

/* The container has gone: pass on what is still in the pty (EIO once it
 * is empty; EAGAIN for 100 ms when a process outside a pid namespace still
 * holds the peer) and let the client finish receiving it. */
static void drain(void)
{
	struct pollfd p[2] = { { .fd = FD_MASTER, .events = POLLIN }, { .fd = h.client, .events = POLLOUT } };
	int idle = 0;

	while (idle < 20) {
		ssize_t n = ring_fill();

		client_flush();
		if (n < 0 && h.sent == h.written)
			return;
		if (n > 0) {
			idle = 0;
			continue;
		}
		p[0].fd = n < 0 ? -1 : FD_MASTER;
		p[1].fd = h.client;
		if (poll(p, 2, 100) <= 0)
			idle++;
	}
}

enum { S_PID, S_MASTER, S_LISTEN, S_CLIENT, S_N };

static void serve(void)
{
	struct pollfd p[S_N] = {
		[S_PID] = { .fd = FD_PIDFD, .events = POLLIN },
		[S_MASTER] = { .fd = FD_MASTER },
		[S_LISTEN] = { .fd = FD_LISTEN, .events = POLLIN },
	};

	for (;;) {
		p[S_MASTER].events = (short)((ring_room() > 0 ? POLLIN : 0) |
					     (h.in_off < h.in_len ? POLLOUT : 0));
		p[S_CLIENT].fd = h.client;
		p[S_CLIENT].events = (short)((h.in_off < h.in_len ? 0 : POLLIN) |
					     (h.sent < h.written ? POLLOUT : 0));
		if (poll(p, S_N, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (p[S_PID].revents)
			return;
		if (p[S_MASTER].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = ring_fill();

			if (n < 0 || (n == 0 && (p[S_MASTER].revents & (POLLHUP | POLLERR))))
				return;
		}
		if (p[S_MASTER].revents & POLLOUT)
			input_flush();
		if (h.client >= 0 && (p[S_CLIENT].revents & (POLLIN | POLLHUP | POLLERR)))
			client_read();
		if (h.client >= 0 && h.in_off < h.in_len)
			input_flush();
		client_flush();
		if (p[S_LISTEN].revents & POLLIN)
			client_accept();
	}
}

/* Put the four fds the holder keeps at fixed numbers (by way of numbers
 * above all of them, so none overwrites another), close every other. */
static int settle_fds(int ls, int master, int pidfd, int ready)
{
	int src[4] = { ls, master, pidfd, ready }, tmp[4], top = 0;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null < 0)
		return -1;
	for (int fd = 0; fd < 3; fd++)
		if (dup2(null, fd) < 0)
			return -1;
	for (int i = 0; i < 4; i++)
		top = src[i] > top ? src[i] : top;
	for (int i = 0; i < 4; i++)
		if ((tmp[i] = fcntl(src[i], F_DUPFD_CLOEXEC, top + 1)) < 0)
			return -1;
	for (int i = 0; i < 4; i++)
		if (dup3(tmp[i], FD_LISTEN + i, O_CLOEXEC) < 0)
			return -1;
	if (sys_close_range(FD_FIRST_FREE, ~0U, 0) < 0)
		for (int fd = FD_FIRST_FREE; fd < 1024; fd++)
			close(fd);
	return 0;
}

static _Noreturn void holder_main(int ls, int master, int pidfd, int ready)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_IGN);
	setsid();
	if (chdir("/") < 0 || settle_fds(ls, master, pidfd, ready) < 0)
		_exit(1);
	prctl(PR_SET_NAME, "cell-console", 0, 0, 0);
	/* Nothing of the host for anyone to reach through this process. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	capng_clear(CAPNG_SELECT_BOTH);
	capng_apply(CAPNG_SELECT_BOTH);
	fcntl(FD_MASTER, F_SETFL, fcntl(FD_MASTER, F_GETFL) | O_NONBLOCK);
	if (write(FD_READY, "r", 1) != 1)
		_exit(1);
	close(FD_READY);
	serve();
	drain();
	_exit(0);
}

int console_hold(int statefd, int master, int pidfd, struct cell_err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int ls = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	int pipefd[2];
	char buf[64], c = 0;
	ssize_t n;
	pid_t pid;

	if (ls < 0)
		return cell_err_sys(e, "console: socket");
	/* Through the state dir's fd: ROOT/ID may be longer than sun_path. */
	snprintf(sa.sun_path, sizeof sa.sun_path, "/proc/self/fd/%d/%s", statefd, CONSOLE_SOCK);
	if (bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0)
		return cell_err_sys(e, "console: bind `%s`", CONSOLE_SOCK);
	if (listen(ls, 4) < 0 || pipe2(pipefd, O_CLOEXEC) < 0) {
		cell_err_sys(e, "console: listen on `%s`", CONSOLE_SOCK);
		unlinkat(statefd, CONSOLE_SOCK, 0);
		return -1;
	}
	pid = fork();
	if (pid == 0)
		holder_main(ls, master, pidfd, pipefd[1]);
	close(pipefd[1]);
	if (pid < 0) {
		close(pipefd[0]);
		unlinkat(statefd, CONSOLE_SOCK, 0);
		return cell_err_sys(e, "console: fork the holder");
	}
	/* Its byte says it closed all it inherited from us (exec.fifo, the
	 * sync socket, the state lock). */
	do
		n = read(pipefd[0], &c, 1);
	while (n < 0 && errno == EINTR);
	close(pipefd[0]);
	snprintf(buf, sizeof buf, "%d %llu\n", (int)pid, (unsigned long long)state_pid_start(pid));
	if (n != 1 || fs_write_atomic(statefd, CONSOLE_FILE, buf, strlen(buf), 0600, e) < 0) {
		if (n != 1)
			cell_err_set(e, EIO, "console: the holder exited at start");
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		unlinkat(statefd, CONSOLE_SOCK, 0);
		return -1;
	}
	return 0;
}

/* The holder's pidfd, if ROOT/ID/console names a live one. */
static int holder_pidfd(int statefd, pid_t *pid)
{
	char buf[64];
	unsigned long long start;
	int fd = openat(statefd, CONSOLE_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), pidfd, p;
	ssize_t n;
	struct pollfd pf;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (sscanf(buf, "%d %llu", &p, &start) != 2 || p <= 0 || start == 0)
		return -1;
	pidfd = sys_pidfd_open(p, 0);
	if (pidfd < 0)
		return -1;
	/* Checked after the pidfd pins it: a recycled pid is not ours. */
	pf = (struct pollfd){ .fd = pidfd, .events = POLLIN };
	if (state_pid_start(p) != start || poll(&pf, 1, 0) != 0) {
		close(pidfd);
		return -1;
	}
	*pid = p;
	return pidfd;
}

pid_t console_holder_pid(int statefd)
{
	pid_t pid = 0;
	int fd = holder_pidfd(statefd, &pid);

	if (fd < 0)
		return 0;
	close(fd);
	return pid;
}

void console_stop(int statefd)
{
	pid_t pid;
	int fd = holder_pidfd(statefd, &pid);

	if (fd < 0)
		return;
	sys_pidfd_send_signal(fd, SIGKILL, NULL, 0);
	ns_wait_exit(fd, 2000);
	close(fd);
}
