/* `console`: attach the caller's terminal to a detached terminal
 * container through its console holder (holder.c), lxc-console style. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../state/state.h"
#include "../util/cleanup.h"
#include "../util/fs.h"
#include "console.h"
#include "opened.h"
#include "tty.h"

static const char console_usage[] =
	"Usage: cell console [-e KEY] ID\n"
	"Attach this terminal to the terminal of a container started with run -d (or\n"
	"create) without --console-socket. Its latest output (up to 64 KiB) comes\n"
	"first. Ctrl-a q detaches and leaves the container running; Ctrl-a Ctrl-a\n"
	"types Ctrl-a. It ends by itself when the container exits.\n"
	"  -e, --escape KEY   the prefix instead of Ctrl-a (as lxc-console -e): ^b or b\n"
	"                     for Ctrl-b, any letter or one of [ \\ ] ^ _ (for use\n"
	"                     inside tmux or screen, whose prefix Ctrl-a may be)\n";

/* The escape key: its byte and how the messages name it ("Ctrl-b"). */
struct escape {
	char c;
	char name[8];
};

/* "^b", "^B" or "b": Ctrl-b; "^]" and the like: Ctrl-]. */
static int parse_escape(const char *s, struct escape *k, struct cell_err *e)
{
	const char *key = s[0] == '^' ? s + 1 : s;
	char c = key[0];

	if (c >= 'A' && c <= 'Z')
		c = (char)(c - 'A' + 'a');
	if (key[0] == '\0' || key[1] != '\0' ||
	    !((c >= 'a' && c <= 'z') || (key != s && strchr("[\\]^_", c) != NULL)))
		return cell_err_set(e, EINVAL,
				    "console: --escape `%s`: expected ^LETTER or a LETTER (Ctrl-LETTER), or one of ^[ ^\\ ^] ^^ ^_",
				    s);
	k->c = (char)(c & 0x1f);
	snprintf(k->name, sizeof k->name, "Ctrl-%c", c);
	return 0;
}

static int escape_opt(void *ctx, int opt, const char *arg, struct cell_err *e)
{
	(void)opt;
	return parse_escape(arg, ctx, e);
}

static int connect_holder(int dirfd, const char *id, struct cell_err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	if (s < 0)
		return cell_err_sys(e, "console: socket");
	snprintf(sa.sun_path, sizeof sa.sun_path, "/proc/self/fd/%d/%s", dirfd, CONSOLE_SOCK);
	if (connect(s, (struct sockaddr *)&sa, sizeof sa) == 0)
		return take_fd(&s);
	if (errno == ENOENT)
		return cell_err_set(e, ENOENT,
				    "container `%s` has no console (no terminal, or its master went to --console-socket)",
				    id);
	return cell_err_sys(e, "console of `%s`: connect", id);
}

/* Write all of buf to stdout; false when it is gone. */
static bool out_all(const char *buf, size_t n)
{
	return fs_write_all(STDOUT_FILENO, buf, n) == 0;
}

/* One output message from the holder to stdout: 1, 0 at the end (the
 * container exited), -1 on error. */
static int pass_output(int s)
{
	static char buf[CONSOLE_CHUNK];
	ssize_t n = recv(s, buf, sizeof buf, MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 1;
	if (n <= 0)
		return n == 0 ? 0 : -1;
	return out_all(buf, (size_t)n) ? 1 : -1;
}

/* Send one message; while the holder cannot take it, keep passing its
 * output on (it may be waiting for us to read before it reads). */
static int send_msg(int s, const char *msg, size_t len)
{
	for (;;) {
		struct pollfd p = { .fd = s, .events = POLLIN | POLLOUT };

		if (send(s, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)len)
			return 0;
		if (errno != EAGAIN && errno != EINTR)
			return -1;
		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			return -1;
		if ((p.revents & POLLIN) && pass_output(s) <= 0)
			return -1;
	}
}

static int send_winsize(int s)
{
	char msg[1 + sizeof(struct winsize)] = { CONSOLE_WINSIZE };
	struct winsize ws;

	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0 || (ws.ws_row == 0 && ws.ws_col == 0))
		return 0;
	memcpy(msg + 1, &ws, sizeof ws);
	return send_msg(s, msg, sizeof msg);
}

enum attach_end { END_DETACH, END_EXITED, END_ERROR, END_GO_ON };

/* Input to the holder, with the escape keys taken out (Ctrl-a or the
 * --escape key): ESC q detaches, ESC ESC is one ESC, ESC and anything else
 * pass unchanged. */
static enum attach_end pass_input(int s, char escape, bool *esc)
{
	char in[4096], msg[1 + 2 * sizeof in];
	size_t len = 1;
	ssize_t n = read(STDIN_FILENO, in, sizeof in);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return END_GO_ON;
	if (n <= 0)
		return END_DETACH; /* our input ended: the container goes on */
	msg[0] = CONSOLE_DATA;
	for (ssize_t i = 0; i < n; i++) {
		char c = in[i];

		if (*esc) {
			*esc = false;
			if (c == 'q' || c == 'Q') {
				if (len > 1)
					send_msg(s, msg, len);
				return END_DETACH;
			}
			if (c != escape)
				msg[len++] = escape;
		} else if (c == escape) {
			*esc = true;
			continue;
		}
		msg[len++] = c;
	}
	if (len > 1 && send_msg(s, msg, len) < 0)
		return END_ERROR;
	return END_GO_ON;
}

enum { P_SOCK, P_IN, P_SIG, P_N };

static enum attach_end attach_loop(int s, int sfd, char escape)
{
	struct pollfd p[P_N] = {
		[P_SOCK] = { .fd = s, .events = POLLIN },
		[P_IN] = { .fd = STDIN_FILENO, .events = POLLIN },
		[P_SIG] = { .fd = sfd, .events = POLLIN },
	};
	bool esc = false;

	for (;;) {
		struct signalfd_siginfo ssi;
		int r;

		if (poll(p, P_N, -1) < 0) {
			if (errno == EINTR)
				continue;
			return END_ERROR;
		}
		if (p[P_SOCK].revents) {
			r = pass_output(s);
			if (r <= 0)
				return r == 0 ? END_EXITED : END_ERROR;
		}
		if (p[P_IN].revents) {
			enum attach_end end = pass_input(s, escape, &esc);

			if (end != END_GO_ON)
				return end;
		}
		if (p[P_SIG].revents && read(sfd, &ssi, sizeof ssi) == sizeof ssi) {
			if (ssi.ssi_signo != SIGWINCH)
				return END_DETACH;
			if (send_winsize(s) < 0)
				return END_ERROR;
		}
	}
}

/* The first message: whether we are the one client. */
static int hello(int s, const char *id, struct cell_err *e)
{
	struct pollfd p = { .fd = s, .events = POLLIN };
	char c = 0;

	if (poll(&p, 1, 5000) <= 0 || recv(s, &c, 1, 0) != 1)
		return cell_err_set(e, EIO, "console of `%s`: the holder did not answer", id);
	if (c == CONSOLE_BUSY)
		return cell_err_set(e, EBUSY, "console of `%s` is attached elsewhere", id);
	return 0;
}

static int attach(int s, const char *id, const struct escape *k, struct cell_err *e)
{
	sigset_t sigs, old;
	_cleanup_close_ int sfd = -1;
	struct tty_raw raw;
	enum attach_end end;
	int err;

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGWINCH);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGQUIT);
	sigprocmask(SIG_BLOCK, &sigs, &old);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (sfd < 0)
		return cell_err_sys(e, "signalfd");
	if (send_winsize(s) < 0)
		return cell_err_sys(e, "console of `%s`: send the window size", id);
	fprintf(stderr, "Connected to `%s`: %s q detaches, %s %s types %s\n", id, k->name, k->name,
		k->name, k->name);
	tty_raw_enter(STDIN_FILENO, &raw);
	end = attach_loop(s, sfd, k->c);
	err = errno;
	tty_raw_leave(STDIN_FILENO, &raw);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (end == END_ERROR)
		return cell_err_errno(e, err, "console of `%s`", id);
	fprintf(stderr, end == END_DETACH ? "\nDetached from `%s`\n" : "\n`%s` exited\n", id);
	return 0;
}

int cmd_console(struct cell_ctx *g, int argc, char **argv, struct cell_err *e)
{
	static const struct option lo[] = {
		{ "escape", required_argument, NULL, 'e' }, { "help", no_argument, NULL, 'h' }, { 0 },
	};
	struct escape k = { .c = 0x01, .name = "Ctrl-a" };
	struct cmd_parser p = { .name = "console", .usage = console_usage, .shortopts = "+e:h",
				.longopts = lo, .on_opt = escape_opt, .ctx = &k,
				.min_args = 1, .max_args = 1 };
	_cleanup_close_ int s = -1;
	enum state_status st;
	struct state stt;
	int first, r, dirfd;

	r = cmd_parse(&p, argc, argv, &first, e);
	if (r != 0)
		return r < 0 ? -1 : 0;
	dirfd = read_container(g, argv[first], &stt, e);
	if (dirfd < 0)
		return -1;
	st = container_status(dirfd, &stt, NULL, NULL);
	state_free(&stt);
	if (st == STATUS_STOPPED) {
		close(dirfd);
		return cell_err_set(e, ESRCH, "container `%s` is not running", argv[first]);
	}
	s = connect_holder(dirfd, argv[first], e);
	/* Not locked while attached: delete and the others go on. */
	close(dirfd);
	if (s < 0 || hello(s, argv[first], e) < 0)
		return -1;
	return attach(s, argv[first], &k, e) < 0 ? -1 : 0;
}
