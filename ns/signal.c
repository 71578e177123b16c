/* Signals to a container's processes, always through pidfds. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../state/state.h"
#include "../util/cleanup.h"
#include "../util/sys.h"
#include "ns.h"

static int pidns_of(pid_t pid, struct stat *st)
{
	char path[48];

	snprintf(path, sizeof path, "/proc/%d/ns/pid", (int)pid);
	return stat(path, st);
}

static bool same_ns(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev;
}

/* Every process in the init's pid namespace. Without a pid namespace of
 * its own only the init is known (the cgroup gives the full set). */
int ns_signal_all(pid_t init, int init_pidfd, int sig, struct cell_err *e)
{
	struct stat target, self, st;
	struct dirent *de;
	DIR *proc;

	if (sys_pidfd_send_signal(init_pidfd, sig, NULL, 0) < 0 && errno != ESRCH)
		return cell_err_sys(e, "signal %d to container init %d", sig, (int)init);
	if (pidns_of(init, &target) < 0 || pidns_of(getpid(), &self) < 0 || same_ns(&target, &self))
		return 0;
	proc = opendir("/proc");
	if (proc == NULL)
		return cell_err_sys(e, "open `/proc`");
	while ((de = readdir(proc)) != NULL) {
		pid_t pid = (pid_t)strtol(de->d_name, NULL, 10);
		int fd;

		if (pid <= 0 || pid == init || pidns_of(pid, &st) < 0 || !same_ns(&st, &target))
			continue;
		fd = sys_pidfd_open(pid, 0);
		if (fd < 0)
			continue;
		/* Checked again through the pidfd's process: the PID may have
		 * been reused between the two looks. */
		if (pidns_of(pid, &st) == 0 && same_ns(&st, &target))
			sys_pidfd_send_signal(fd, sig, NULL, 0);
		close(fd);
	}
	closedir(proc);
	return 0;
}

/* ---- listing without cgroups ---- */

struct pid_list {
	pid_t *v;
	size_t n, cap;
};

static int pid_list_add(struct pid_list *l, pid_t pid, struct cell_err *e)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		pid_t *v = realloc(l->v, cap * sizeof *v);

		if (v == NULL)
			return cell_err_errno(e, ENOMEM, "list the container's processes");
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = pid;
	return 0;
}

/* 0 when the process is gone. */
static pid_t ppid_of(pid_t pid)
{
	struct state_proc st;

	return state_proc_stat(pid, &st) == 0 ? st.ppid : 0;
}

static bool listed(const struct pid_list *l, pid_t pid)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i] == pid)
			return true;
	return false;
}

/* The init and its descendants: a process whose parent is listed is added,
 * until a pass over the table adds nothing. */
static int add_descendants(pid_t init, const struct pid_list *all, const pid_t *ppids,
			   struct pid_list *out, struct cell_err *e)
{
	bool grew = true;

	if (pid_list_add(out, init, e) < 0)
		return -1;
	while (grew) {
		grew = false;
		for (size_t i = 0; i < all->n; i++) {
			if (ppids[i] == 0 || listed(out, all->v[i]) || !listed(out, ppids[i]))
				continue;
			if (pid_list_add(out, all->v[i], e) < 0)
				return -1;
			grew = true;
		}
	}
	return 0;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

int ns_list_pids(pid_t init, pid_t **out, size_t *n, struct cell_err *e)
{
	struct pid_list all = { 0 }, res = { 0 };
	_cleanup_free_ pid_t *ppids = NULL;
	struct stat target, self, st;
	struct dirent *de;
	bool own_ns;
	DIR *proc;
	int r = 0;

	*out = NULL;
	*n = 0;
	if (pidns_of(init, &target) < 0)
		return cell_err_sys(e, "stat `/proc/%d/ns/pid`", (int)init);
	own_ns = !(pidns_of(getpid(), &self) == 0 && same_ns(&target, &self));
	proc = opendir("/proc");
	if (proc == NULL)
		return cell_err_sys(e, "open `/proc`");
	while (r == 0 && (de = readdir(proc)) != NULL) {
		pid_t pid = (pid_t)strtol(de->d_name, NULL, 10);

		if (pid <= 0)
			continue;
		/* Processes of other users may not be readable: not ours. */
		if (own_ns && (pidns_of(pid, &st) < 0 || !same_ns(&st, &target)))
			continue;
		r = pid_list_add(own_ns ? &res : &all, pid, e);
	}
	closedir(proc);
	if (r == 0 && !own_ns) {
		ppids = calloc(all.n ? all.n : 1, sizeof *ppids);
		if (ppids == NULL)
			r = cell_err_errno(e, ENOMEM, "list the container's processes");
		for (size_t i = 0; r == 0 && i < all.n; i++)
			ppids[i] = ppid_of(all.v[i]);
		if (r == 0)
			r = add_descendants(init, &all, ppids, &res, e);
	}
	free(all.v);
	if (r < 0) {
		free(res.v);
		return -1;
	}
	qsort(res.v, res.n, sizeof *res.v, cmp_pid);
	*out = res.v;
	*n = res.n;
	return 0;
}

int ns_wait_exit(int pidfd, int timeout_ms)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	int r;

	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	return r > 0 ? 0 : -1;
}

struct sig_name {
	const char *name;
	int sig;
};

static const struct sig_name sig_names[] = {
	{ "HUP", SIGHUP },   { "INT", SIGINT },       { "QUIT", SIGQUIT },   { "ILL", SIGILL },
	{ "TRAP", SIGTRAP }, { "ABRT", SIGABRT },     { "IOT", SIGIOT },     { "BUS", SIGBUS },
	{ "FPE", SIGFPE },   { "KILL", SIGKILL },     { "USR1", SIGUSR1 },   { "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 }, { "PIPE", SIGPIPE },     { "ALRM", SIGALRM },   { "TERM", SIGTERM },
	{ "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT },   { "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP }, { "TTIN", SIGTTIN },     { "TTOU", SIGTTOU },   { "URG", SIGURG },
	{ "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ },     { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
	{ "WINCH", SIGWINCH }, { "IO", SIGIO },       { "POLL", SIGPOLL },   { "PWR", SIGPWR },
	{ "SYS", SIGSYS },
};

static int parse_num(const char *s)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtol(s, &end, 10);
	return *end == '\0' && v <= 64 ? (int)v : -1;
}

int ns_signal_from_name(const char *s)
{
	int n = parse_num(s), sig;

	if (n >= 1 && n < _NSIG)
		return n;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < sizeof sig_names / sizeof sig_names[0]; i++)
		if (strcasecmp(s, sig_names[i].name) == 0)
			return sig_names[i].sig;
	if (strncasecmp(s, "RTMIN", 5) == 0) {
		n = s[5] == '\0' ? 0 : s[5] == '+' ? parse_num(s + 6) : -1;
		sig = SIGRTMIN + n;
		return n >= 0 && sig <= SIGRTMAX ? sig : -1;
	}
	if (strncasecmp(s, "RTMAX", 5) == 0) {
		n = s[5] == '\0' ? 0 : s[5] == '-' ? parse_num(s + 6) : -1;
		sig = SIGRTMAX - n;
		return n >= 0 && sig >= SIGRTMIN ? sig : -1;
	}
	return -1;
}
