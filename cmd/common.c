#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../oci/json.h"
#include "../state/state.h"
#include "../util/cleanup.h"
#include "../util/fs.h"
#include "../util/sys.h"
#include "cmd.h"
#include "tty.h"

int cmd_parse(const struct cmd_parser *p, int argc, char **argv, int *first_arg, struct cell_err *e)
{
	static const struct option help_only[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
	const struct option *lo = p->longopts ? p->longopts : help_only;
	int opt, nargs;

	optind = 0; /* full reset: the global flags were parsed before */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, p->shortopts ? p->shortopts : "+h", lo, NULL)) != -1) {
		if (opt == 'h') {
			fputs(p->usage, stdout);
			return CMD_HELP_SHOWN;
		}
		if (opt == '?' || opt == ':') {
			const char *bad = argv[optind - 1];

			return cell_err_set(e, EINVAL, "%s: unknown or incomplete flag `%s` (see cell %s --help)",
					    p->name, bad, p->name);
		}
		if (p->on_opt(p->ctx, opt, optarg, e) < 0)
			return -1;
	}
	nargs = argc - optind;
	if (nargs < p->min_args || nargs > p->max_args)
		return cell_err_set(e, EINVAL, "%s: expected %s%d argument%s, got %d (see cell %s --help)",
				    p->name, p->min_args == p->max_args ? "" : "at least ", p->min_args,
				    p->min_args == 1 ? "" : "s", nargs, p->name);
	*first_arg = optind;
	return 0;
}

int cmd_open_root(struct cell_ctx *g, bool create, struct cell_err *e)
{
	int fd = state_root_open(g->root, create, e);

	if (fd < 0 && e->errnum == EACCES && geteuid() != 0 && strcmp(g->root, "/run/cell") == 0)
		cell_err_wrap(e, "not root and no $XDG_RUNTIME_DIR: give --root DIR");
	return fd;
}

int cmd_parse_int(const char *flag, const char *s, int min, int max, int *out, struct cell_err *e)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return cell_err_set(e, EINVAL, "%s: `%s` is not a number in [%d, %d]", flag, s, min, max);
	*out = (int)v;
	return 0;
}

int cmd_write_pid_file(const char *path, int pid, struct cell_err *e)
{
	char dir[PATH_MAX], buf[32];
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	int dfd, n, r;

	if (slash == NULL)
		snprintf(dir, sizeof dir, ".");
	else if (slash == path)
		snprintf(dir, sizeof dir, "/");
	else if ((size_t)(slash - path) < sizeof dir)
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	else
		return cell_err_errno(e, ENAMETOOLONG, "--pid-file `%s`", path);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return cell_err_sys(e, "--pid-file: open directory `%s`", dir);
	n = snprintf(buf, sizeof buf, "%d", pid);
	r = fs_write_atomic(dfd, base, buf, (size_t)n, 0644, e);
	close(dfd);
	if (r < 0)
		return cell_err_wrap(e, "--pid-file");
	return 0;
}

int cmd_print_json(struct json_out *o, struct cell_err *e)
{
	int r = 0;

	if (o->oom)
		r = cell_err_errno(e, ENOMEM, "format JSON");
	else if (fwrite(o->buf, 1, o->len, stdout) != o->len || fputc('\n', stdout) == EOF)
		r = cell_err_sys(e, "write standard output");
	jo_free(o);
	return r;
}

void cmd_forwarded_signals(sigset_t *set)
{
	static const int sigs[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2,
				    SIGWINCH, SIGCONT, SIGALRM, SIGPWR };

	sigemptyset(set);
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaddset(set, sigs[i]);
}

/* Until the process exits, every signal of fwd that cell gets goes to it. */
static int forward_until_exit(int pidfd, const sigset_t *fwd, struct cell_err *e)
{
	_cleanup_close_ int sfd = signalfd(-1, fwd, SFD_CLOEXEC);
	struct pollfd pfd[2] = { { .fd = pidfd, .events = POLLIN }, { .fd = sfd, .events = POLLIN } };

	if (sfd < 0)
		return cell_err_sys(e, "signalfd");
	for (;;) {
		struct signalfd_siginfo ssi;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return cell_err_sys(e, "poll");
		}
		if (pfd[0].revents)
			return 0;
		if (read(sfd, &ssi, sizeof ssi) == sizeof ssi)
			sys_pidfd_send_signal(pidfd, (int)ssi.ssi_signo, NULL, 0);
	}
}

int cmd_wait_foreground(int pidfd, int master, const sigset_t *fwd, const char *what,
			struct cell_err *e)
{
	siginfo_t si;

	if (master >= 0 ? tty_proxy_wait(master, pidfd, fwd, e) < 0
			: forward_until_exit(pidfd, fwd, e) < 0)
		return -1;
	memset(&si, 0, sizeof si);
	while (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0) {
		if (errno != EINTR)
			return cell_err_sys(e, "wait for %s", what);
	}
	return si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
}
