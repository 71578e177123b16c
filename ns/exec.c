/* `cell exec`: three processes. The parent (cell) opens the init's
 * namespaces and starts a joiner; it puts the joiner in the container's
 * cgroups; the joiner applies the rlimits, joins every namespace of the
 * init that is not already ours (the user namespace first: setns on the
 * init's pidfd does all at once), closes every fd it does not need and
 * clones the process itself with CLONE_PARENT, so that it is the parent's
 * child, inside the pid namespace, and no cell process sits in between.
 * That process sets up terminal, user, capabilities, cwd and seccomp as
 * the init does (ns/child.c) and execs. The joiner and the process were
 * made by raw clones: async-signal-safe calls only, leave with _exit. */
#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../seccomp/seccomp.h"
#include "../util/log.h"
#include "../util/sys.h"
#include "guard.h"
#include "internal.h"
#include "sync.h"

static const char *const ns_file[OCI_NS_COUNT] = {
	[OCI_NS_PID] = "pid",   [OCI_NS_NETWORK] = "net", [OCI_NS_MOUNT] = "mnt",
	[OCI_NS_IPC] = "ipc",   [OCI_NS_UTS] = "uts",     [OCI_NS_USER] = "user",
	[OCI_NS_CGROUP] = "cgroup", [OCI_NS_TIME] = "time",
};

struct exec_child {
	struct ns_exec *x;
	int sync_fd;                /* child's end */
	int join_fd[OCI_NS_COUNT];  /* the init's namespaces that are not ours, or -1 */
	unsigned long join_flags;   /* their CLONE_NEW* flags */
	const struct seccomp_prog *seccomp;
	struct lsm_host lsm;        /* probed by the parent */
};

/* The init's namespaces that differ from ours: joining our own user
 * namespace again is an error (EINVAL), and the others cost a setns for
 * nothing. Opened through /proc/PID/ns, so checked against the pidfd
 * afterwards: had the init exited, the PID could name another process. */
static int open_namespaces(struct exec_child *c, struct cell_err *e)
{
	const struct ns_exec *x = c->x;
	char path[64];

	for (int t = 0; t < OCI_NS_COUNT; t++)
		c->join_fd[t] = -1;
	for (int t = 0; t < OCI_NS_COUNT; t++) {
		struct stat mine, theirs;
		int fd;

		snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)x->init_pid, ns_file[t]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT)
			continue; /* a namespace type this kernel lacks */
		if (fd < 0)
			return cell_err_sys(e, "open `%s`", path);
		if (fstat(fd, &theirs) < 0) {
			close(fd);
			return cell_err_sys(e, "stat `%s`", path);
		}
		snprintf(path, sizeof path, "/proc/self/ns/%s", ns_file[t]);
		if (stat(path, &mine) == 0 && mine.st_dev == theirs.st_dev &&
		    mine.st_ino == theirs.st_ino) {
			close(fd);
			continue;
		}
		c->join_fd[t] = fd;
		c->join_flags |= ns_clone_flag(t);
	}
	if (sys_pidfd_send_signal(x->init_pidfd, 0, NULL, 0) < 0)
		return cell_err_set(e, ESRCH, "container `%s` stopped (its init %d exited)", x->id,
				    (int)x->init_pid);
	return 0;
}

/* All at once through the pidfd (5.8): the kernel enters the user
 * namespace first and checks the others with both the old and the new
 * credentials, so namespaces the host owns (joined by path at create)
 * work too. Older kernels: one fd at a time, user first. */
static int join_namespaces(struct exec_child *c, struct cell_err *e)
{
	if (c->join_flags == 0)
		return 0;
	if (setns(c->x->init_pidfd, (int)c->join_flags) == 0)
		return 0;
	if (errno != EINVAL)
		return cell_err_sys(e, "join the namespaces of container `%s` (setns on its init's pidfd)",
				    c->x->id);
	if (ns_join(c->join_fd, e) < 0)
		return cell_err_wrap(e, "container `%s`", c->x->id);
	return 0;
}

/* ---- the exec'd process ---- */

static bool env_set(char **env, size_t cap, char *entry)
{
	size_t klen = (size_t)(strchr(entry, '=') - entry) + 1, i;

	for (i = 0; env[i] != NULL; i++) {
		if (strncmp(env[i], entry, klen) == 0) {
			env[i] = entry;
			return true;
		}
	}
	if (i + 1 >= cap)
		return false;
	env[i] = entry;
	env[i + 1] = NULL;
	return true;
}

/* Name and home of uid in the container's /etc/passwd, read with plain
 * syscalls into a static buffer. A FIFO or device there must not block
 * us: regular files only. */
static bool passwd_lookup(uint32_t uid, const char **name, const char **home)
{
	static char buf[1 << 16];
	int fd = open("/etc/passwd", O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	struct stat st;
	size_t n = 0;
	ssize_t r;

	if (fd < 0)
		return false;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return false;
	}
	while (n < sizeof buf - 1 && (r = read(fd, buf + n, sizeof buf - 1 - n)) > 0)
		n += (size_t)r;
	close(fd);
	buf[n] = '\0';
	for (char *line = buf, *next; line != NULL && *line != '\0'; line = next) {
		char *f[7] = { line }, *end;
		int k = 1;

		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		for (char *s = line; *s != '\0' && k < 7; s++) {
			if (*s == ':') {
				*s = '\0';
				f[k++] = s + 1;
			}
		}
		if (k < 6 || f[2][0] == '\0' || strtoul(f[2], &end, 10) != uid || *end != '\0')
			continue;
		*name = f[0];
		*home = f[5][0] != '\0' ? f[5] : "/";
		return true;
	}
	return false;
}

/* attach: HOME, USER and LOGNAME as login(1) sets them. */
static int login_env(struct ns_exec *x, struct cell_err *e)
{
	static char home[PATH_MAX + 8], user[300], logname[300];
	const char *name = NULL, *dir = "/";

	if (passwd_lookup(x->proc->user.uid, &name, &dir)) {
		snprintf(user, sizeof user, "USER=%.256s", name);
		snprintf(logname, sizeof logname, "LOGNAME=%.256s", name);
		if (!env_set(x->proc->env, x->env_cap, user) ||
		    !env_set(x->proc->env, x->env_cap, logname))
			return cell_err_set(e, ENOSPC, "attach: environment full");
	}
	snprintf(home, sizeof home, "HOME=%.4000s", dir);
	if (!env_set(x->proc->env, x->env_cap, home))
		return cell_err_set(e, ENOSPC, "attach: environment full");
	return 0;
}

static int exec_setup(struct exec_child *c, char *exe, size_t cap, struct cell_err *e)
{
	struct ns_exec *x = c->x;
	struct oci_process *p = x->proc;

	if (p->terminal) {
		/* From the container's devpts; no /dev/console of its own. */
		int master = ns_tty_setup(p, false, e), r;

		if (master < 0)
			return -1;
		r = sync_send_fd(c->sync_fd, SYNC_CONSOLE, master);
		close(master);
		if (r < 0)
			return cell_err_sys(e, "sync: send the pty master");
	}
	if (x->login_env && login_env(x, e) < 0)
		return -1;
	if (lsm_set_exec(&c->lsm, p, e) < 0)
		return cell_err_wrap(e, "exec");
	if (ns_set_user_caps_held(p, c->join_fd[OCI_NS_USER] >= 0,
				  seccomp_needs_admin(c->seccomp, p), e) < 0)
		return -1;
	if (ns_guard_chdir(p->cwd, e) < 0 || ns_find_exec(p, exe, cap, e) < 0 ||
	    ns_guard_exec_fds(x->preserve_fds, e) < 0)
		return -1;
	/* Last, as for the init: no step of cell's runs under the filter. */
	return ns_seccomp_load(c->seccomp, p, c->sync_fd, e);
}

static noreturn void child_fail(int fd, struct cell_err *e, int code)
{
	sync_send_error(fd, e);
	_exit(code);
}

static noreturn void exec_main(struct exec_child *c)
{
	struct ns_exec *x = c->x;
	struct cell_err e = { 0 };
	char exe[PATH_MAX];

	/* The joiner's SYNC_INIT_PID must reach the parent first. */
	if (sync_expect(c->sync_fd, SYNC_PARENT_DONE, NULL, &e) < 0)
		_exit(1);
	if (exec_setup(c, exe, sizeof exe, &e) < 0)
		child_fail(c->sync_fd, &e, 1);
	ns_exec_program(exe, x->proc, x->child_sigmask, &e);
	child_fail(c->sync_fd, &e, 127);
}

/* ---- the joiner ---- */

static noreturn void joiner_main(struct exec_child *c)
{
	struct clone_args ca = { .flags = CLONE_PARENT };
	int keep[] = { c->sync_fd };
	struct cell_err e = { 0 };
	long pid;

	/* Raised limits need the host's privileges: before setns. */
	if (ns_guard_nondumpable(&e) < 0 || ns_apply_rlimits(c->x->proc, &e) < 0)
		child_fail(c->sync_fd, &e, 1);
	if (sync_expect(c->sync_fd, SYNC_PARENT_DONE, NULL, &e) < 0)
		_exit(1); /* the parent is gone or failed: it reports */
	if (join_namespaces(c, &e) < 0)
		child_fail(c->sync_fd, &e, 1);
	/* Nothing of the host (state dir, cgroup dirs, namespace fds, the
	 * caller's other fds) may be reachable from inside. */
	if (ns_guard_close_fds(c->x->preserve_fds, keep, 1, &e) < 0)
		child_fail(c->sync_fd, &e, 1);
	pid = sys_clone3(&ca);
	if (pid < 0) {
		cell_err_sys(&e, "clone3 the exec'd process");
		child_fail(c->sync_fd, &e, 1);
	}
	if (pid == 0)
		exec_main(c);
	sync_send(c->sync_fd, SYNC_INIT_PID, pid);
	_exit(0);
}

/* ---- the parent ---- */

static void reap(pid_t pid)
{
	while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
		;
}

/* An unprivileged caller outside the subtree delegated to it may not move
 * a process into it (the kernel wants write access to the common
 * ancestor's cgroup.procs): exec then runs outside the container's cgroups,
 * with a warning, as runc and crun do for rootless containers. */
static bool rootless_cgroup_denied(int err)
{
	return (err == EACCES || err == EPERM) && geteuid() != 0;
}

static void warn_outside_cgroups(struct ns_exec *x, const char *why)
{
	log_warn("exec: the process stays outside the cgroups of `%s` (%s): an unprivileged "
		 "user joins them from within the delegated cgroup only",
		 x->id, why);
	x->cg = NULL;
}

/* On cgroup v2 the joiner starts in the container's cgroup
 * (CLONE_INTO_CGROUP); elsewhere the parent moves it before it goes on.
 * Either way the exec'd process, its child, is born inside. */
static pid_t clone_joiner(struct exec_child *c, struct cell_err *e)
{
	struct clone_args ca = { .exit_signal = SIGCHLD };
	struct cgroup *cg = c->x->cg;
	int cgfd = cg ? cgroup_clone_fd(cg) : -1;
	long pid;

	if (cgfd >= 0) {
		ca.flags |= CLONE_INTO_CGROUP;
		ca.cgroup = (uint64_t)cgfd;
	}
	pid = sys_clone3(&ca);
	if (pid < 0 && cgfd >= 0 && rootless_cgroup_denied(errno)) {
		warn_outside_cgroups(c->x, strerror(errno));
		cg = NULL;
	}
	if (pid < 0 && cgfd >= 0 && (cg == NULL || errno == EINVAL || errno == E2BIG)) {
		ca.flags = 0;
		ca.cgroup = 0;
		cgfd = -1;
		pid = sys_clone3(&ca);
	}
	if (pid < 0)
		return cell_err_sys(e, "clone3 for exec");
	if (pid == 0)
		joiner_main(c);
	if (cg)
		cg->in_clone = cgfd >= 0;
	return (pid_t)pid;
}

/* An EOF from the child side means the process died during set-up. */
static int expect(int fd, enum sync_stage want, int64_t *value, struct cell_err *e)
{
	if (sync_expect(fd, want, value, e) == 0)
		return 0;
	if (e->errnum == EPIPE)
		cell_err_set(e, EPIPE, "exec: the process exited during its set-up");
	return -1;
}

static int seccomp_listener(struct ns_exec *x, int sync_fd, struct cell_err *e)
{
	struct seccomp_listener_info li = { x->cfg, x->id, x->bundle, x->pid };
	int fd, r;

	if (sync_expect_fd(sync_fd, SYNC_SECCOMP_FD, &fd, e) < 0)
		return -1;
	r = seccomp_send_listener(&li, fd, e);
	close(fd);
	return r;
}

static int drive(struct ns_exec *x, int sync_fd, pid_t *joiner, struct cell_err *e)
{
	int64_t pid;
	int r;

	if (x->cg && cgroup_attach(x->cg, *joiner, e) < 0) {
		if (!rootless_cgroup_denied(e->errnum))
			return cell_err_wrap(e, "exec");
		warn_outside_cgroups(x, e->msg);
	}
	if (sync_send(sync_fd, SYNC_PARENT_DONE, 0) < 0)
		return cell_err_sys(e, "sync: send parent-done");
	r = expect(sync_fd, SYNC_INIT_PID, &pid, e);
	reap(*joiner);
	*joiner = 0;
	if (r < 0)
		return -1;
	x->pid = (pid_t)pid;
	x->pidfd = sys_pidfd_open(x->pid, 0);
	if (x->pidfd < 0)
		return cell_err_sys(e, "pidfd_open exec'd process %d", x->pid);
	if (ns_set_oom_score_adj(x->pid, x->proc, e) < 0)
		return -1;
	if (sync_send(sync_fd, SYNC_PARENT_DONE, 0) < 0)
		return cell_err_sys(e, "sync: send parent-done");
	if (x->proc->terminal && sync_expect_fd(sync_fd, SYNC_CONSOLE, &x->console_fd, e) < 0)
		return -1;
	if (x->cfg->linux_.seccomp != NULL && x->cfg->linux_.seccomp->notify &&
	    seccomp_listener(x, sync_fd, e) < 0)
		return -1;
	return sync_wait_exec(sync_fd, e);
}

int ns_exec_spawn(struct ns_exec *x, struct cell_err *e)
{
	struct exec_child c = { .x = x, .sync_fd = -1 };
	struct seccomp_prog *prog = NULL;
	int sv[2] = { -1, -1 };
	pid_t joiner = 0;
	int r = -1;

	x->pid = 0;
	x->pidfd = -1;
	x->console_fd = -1;
	for (int t = 0; t < OCI_NS_COUNT; t++)
		c.join_fd[t] = -1;
	if (seccomp_prepare(x->cfg, &prog, e) < 0)
		return -1;
	c.seccomp = prog;
	lsm_host_probe(&c.lsm, x->proc, NULL);
	if (lsm_check_process(&c.lsm, x->proc, e) < 0) {
		cell_err_wrap(e, "exec");
		goto out;
	}
	if (open_namespaces(&c, e) < 0)
		goto out;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		cell_err_sys(e, "socketpair");
		goto out;
	}
	if (ns_fd_move_above(&sv[0], 3 + x->preserve_fds, e) < 0 ||
	    ns_fd_move_above(&sv[1], 3 + x->preserve_fds, e) < 0)
		goto out;
	c.sync_fd = sv[1];
	joiner = clone_joiner(&c, e);
	close(sv[1]);
	sv[1] = -1;
	if (joiner < 0)
		goto out;
	ns_close_paths(c.join_fd);
	r = drive(x, sv[0], &joiner, e);
out:
	if (r < 0) {
		if (joiner > 0) {
			kill(joiner, SIGKILL);
			reap(joiner);
		}
		if (x->pidfd >= 0) {
			sys_pidfd_send_signal(x->pidfd, SIGKILL, NULL, 0);
			reap(x->pid);
			close(x->pidfd);
		} else if (x->pid > 0) {
			kill(x->pid, SIGKILL);
			reap(x->pid);
		}
		x->pidfd = -1;
		x->pid = 0;
		if (x->console_fd >= 0)
			close(x->console_fd);
		x->console_fd = -1;
	}
	for (int i = 0; i < 2; i++)
		if (sv[i] >= 0)
			close(sv[i]);
	ns_close_paths(c.join_fd);
	seccomp_free(prog);
	return r;
}
