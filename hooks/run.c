/* Running one hook: the state on its stdin through a pipe, its stdout and
 * stderr captured (the end of it goes into the error), a timeout enforced
 * by polling its pidfd. Usable in the container's init (a raw clone
 * child): no stdio; the hook's child only dup2s and execs. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdnoreturn.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../oci/json.h"
#include "../util/log.h"
#include "../util/sys.h"
#include "hooks.h"

/* The last bytes the hook wrote: its error message is usually there. */
#define TAIL 200

struct hook_run {
	pid_t pid;
	int pidfd;  /* -1 when the kernel or a seccomp filter gave none */
	int in_w;   /* the hook's stdin, until the state is written */
	int out_r;  /* its stdout and stderr, until EOF */
	char tail[TAIL];
	size_t tail_len;
};

static noreturn void hook_child(const struct oci_hook *h, int in_r, int out_w)
{
	char *def_argv[] = { h->path, NULL };
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;
	const char *why;

	if (dup2(in_r, STDIN_FILENO) < 0 || dup2(out_w, STDOUT_FILENO) < 0 ||
	    dup2(out_w, STDERR_FILENO) < 0)
		_exit(126);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	sigaction(SIGPIPE, &dfl, NULL);
	execve(h->path, h->args[0] != NULL ? h->args : def_argv, h->env);
	why = errno == ENOENT ? "no such file or directory" :
	      errno == EACCES ? "permission denied" : strerror(errno);
	if (write(STDERR_FILENO, "exec: ", 6) > 0 && write(STDERR_FILENO, why, strlen(why)) > 0)
		_exit(127);
	_exit(127);
}

/* clone3 gives the pidfd with the process; a seccomp profile may refuse
 * clone3 (docker's returns ENOSYS) in the init, where plain clone and
 * pidfd_open remain. */
static int spawn(struct hook_run *r, const struct oci_hook *h, int in_r, int out_w,
		 struct cell_err *e)
{
	struct clone_args ca = { .flags = CLONE_PIDFD, .exit_signal = SIGCHLD };
	long pid;

	r->pidfd = -1;
	ca.pidfd = (uint64_t)(uintptr_t)&r->pidfd;
	pid = sys_clone3(&ca);
	if (pid < 0 && (errno == ENOSYS || errno == EPERM)) {
		r->pidfd = -1;
		pid = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
		if (pid > 0)
			r->pidfd = sys_pidfd_open((pid_t)pid, 0);
	}
	if (pid < 0)
		return cell_err_sys(e, "clone");
	if (pid == 0)
		hook_child(h, in_r, out_w);
	r->pid = (pid_t)pid;
	return 0;
}

static void keep_tail(struct hook_run *r, const char *buf, size_t n)
{
	if (n >= TAIL) {
		memcpy(r->tail, buf + n - TAIL, TAIL);
		r->tail_len = TAIL;
		return;
	}
	if (r->tail_len + n > TAIL) {
		size_t drop = r->tail_len + n - TAIL;

		memmove(r->tail, r->tail + drop, r->tail_len - drop);
		r->tail_len -= drop;
	}
	memcpy(r->tail + r->tail_len, buf, n);
	r->tail_len += n;
}

static void drain(struct hook_run *r)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(r->out_r, buf, sizeof buf)) > 0)
		keep_tail(r, buf, (size_t)n);
	if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		close(r->out_r);
		r->out_r = -1;
	}
}

static void feed(struct hook_run *r, const char *state, size_t len, size_t *off)
{
	ssize_t n = write(r->in_w, state + *off, len - *off);

	if (n > 0)
		*off += (size_t)n;
	/* EPIPE: the hook does not read its stdin, which is its right. */
	if (*off == len || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		close(r->in_w);
		r->in_w = -1;
	}
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool exited(struct hook_run *r, int *status)
{
	return waitpid(r->pid, status, WNOHANG) == r->pid;
}

/* Until the hook exits (its output may stay open in a process it left
 * behind, so EOF is not the end) or the timeout passes: 1 = timed out. */
static int wait_hook(struct hook_run *r, const char *state, size_t len, int timeout, int *status)
{
	long long deadline = timeout > 0 ? now_ms() + (long long)timeout * 1000 : -1;
	size_t off = 0;

	for (;;) {
		struct pollfd p[3];
		int n = 0, ms = -1, pr;

		if (r->pidfd >= 0)
			p[n++] = (struct pollfd){ .fd = r->pidfd, .events = POLLIN };
		if (r->in_w >= 0)
			p[n++] = (struct pollfd){ .fd = r->in_w, .events = POLLOUT };
		if (r->out_r >= 0)
			p[n++] = (struct pollfd){ .fd = r->out_r, .events = POLLIN };
		if (deadline >= 0) {
			long long left = deadline - now_ms();

			if (left <= 0)
				return 1;
			ms = (int)left;
		}
		if (r->pidfd < 0 && (ms < 0 || ms > 50))
			ms = 50; /* no pidfd: look for the exit now and then */
		pr = poll(p, (nfds_t)n, ms);
		if (pr < 0 && errno != EINTR)
			return -1;
		for (int i = 0; pr > 0 && i < n; i++) {
			if (p[i].revents == 0)
				continue;
			if (p[i].fd == r->in_w)
				feed(r, state, len, &off);
			else if (p[i].fd == r->out_r)
				drain(r);
		}
		if ((r->pidfd < 0 || (pr > 0 && p[0].revents)) && exited(r, status)) {
			if (r->out_r >= 0)
				drain(r);
			return 0;
		}
	}
}

/* The captured output on one line (the error reaches users as one line). */
static void tail_text(const struct hook_run *r, char *out, size_t cap)
{
	size_t j = 0;
	bool space = true;

	for (size_t i = 0; i < r->tail_len && j + 1 < cap; i++) {
		unsigned char c = (unsigned char)r->tail[i];

		if (c < 0x20 || c == 0x7f) {
			if (!space)
				out[j++] = ' ';
			space = true;
			continue;
		}
		out[j++] = (char)c;
		space = false;
	}
	while (j > 0 && out[j - 1] == ' ')
		j--;
	out[j] = '\0';
}

static int hook_error(const struct hook_run *r, const char *what, int status, int timeout,
		      struct cell_err *e)
{
	char out[TAIL + 1], cause[64];

	if (timeout > 0)
		snprintf(cause, sizeof cause, "timed out after %d s (killed)", timeout);
	else if (WIFEXITED(status))
		snprintf(cause, sizeof cause, "exit status %d", WEXITSTATUS(status));
	else
		snprintf(cause, sizeof cause, "killed by signal %d", WTERMSIG(status));
	tail_text(r, out, sizeof out);
	return cell_err_set(e, ECANCELED, "%s: %s%s%s", what, cause, out[0] ? ": " : "", out);
}

static void close_run(struct hook_run *r)
{
	int *fds[] = { &r->pidfd, &r->in_w, &r->out_r };

	for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

/* `what` names the hook in errors: "createRuntime hook #0 `/bin/x`". */
static int exec_hook(const struct oci_hook *h, const char *what, const char *state, size_t len,
		     struct cell_err *e)
{
	struct hook_run r = { .pid = -1, .pidfd = -1, .in_w = -1, .out_r = -1 };
	int in[2], out[2], status = 0, w;

	if (pipe2(in, O_CLOEXEC) < 0)
		return cell_err_sys(e, "%s: pipe", what);
	if (pipe2(out, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		return cell_err_sys(e, "%s: pipe", what);
	}
	r.in_w = in[1];
	r.out_r = out[0];
	if (spawn(&r, h, in[0], out[1], e) < 0) {
		close(in[0]);
		close(out[1]);
		close_run(&r);
		return cell_err_wrap(e, "%s", what);
	}
	close(in[0]);
	close(out[1]);
	fcntl(r.in_w, F_SETFL, O_NONBLOCK);
	fcntl(r.out_r, F_SETFL, O_NONBLOCK);
	w = wait_hook(&r, state, len, h->timeout, &status);
	if (w != 0) {
		int saved = errno;

		if (r.pidfd >= 0)
			sys_pidfd_send_signal(r.pidfd, SIGKILL, NULL, 0);
		else
			kill(r.pid, SIGKILL);
		while (waitpid(r.pid, &status, 0) < 0 && errno == EINTR)
			;
		if (w < 0) {
			close_run(&r);
			return cell_err_errno(e, saved, "%s: poll", what);
		}
	}
	close_run(&r);
	if (w == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	return hook_error(&r, what, status, w == 1 ? h->timeout : 0, e);
}

/* SIGPIPE is ignored while hooks run: one that closes its stdin early
 * must not kill cell (or the init) on the write. */
static int run_list(const struct oci_config *cfg, enum oci_hook_kind k, const char *state,
		    size_t len, bool warn_only, struct cell_err *e)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	int r = 0;

	sigaction(SIGPIPE, &ign, &old);
	for (size_t i = 0; i < cfg->n_hooks[k]; i++) {
		const struct oci_hook *h = &cfg->hooks[k][i];
		char what[160];

		snprintf(what, sizeof what, "%s hook #%zu `%.100s`", oci_hook_kind_name(k), i, h->path);
		if (exec_hook(h, what, state, len, e) == 0)
			continue;
		if (!warn_only) {
			r = -1;
			break;
		}
		log_warn("%s", e->msg);
	}
	sigaction(SIGPIPE, &old, NULL);
	return r;
}

static int run_kind(const struct oci_config *cfg, enum oci_hook_kind k, const struct state *s,
		    pid_t pid, enum state_status st, bool warn_only, struct cell_err *e)
{
	struct state copy = *s;
	struct json_out o;
	int r;

	if (cfg->n_hooks[k] == 0)
		return 0;
	copy.pid = pid;
	jo_init(&o, 0);
	state_json(&o, &copy, st);
	if (o.oom) {
		jo_free(&o);
		return cell_err_errno(e, ENOMEM, "%s hooks: state", oci_hook_kind_name(k));
	}
	r = run_list(cfg, k, o.buf, o.len, warn_only, e);
	jo_free(&o);
	return r;
}

int hooks_run(const struct oci_config *cfg, enum oci_hook_kind k, const struct state *s,
	      pid_t pid, enum state_status st, struct cell_err *e)
{
	return run_kind(cfg, k, s, pid, st, false, e);
}

void hooks_run_warn(const struct oci_config *cfg, enum oci_hook_kind k, const struct state *s,
		    pid_t pid, enum state_status st)
{
	struct cell_err e = { 0 };

	if (run_kind(cfg, k, s, pid, st, true, &e) < 0)
		log_warn("%s", e.msg);
}
