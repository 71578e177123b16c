/* The parent's side of the start sequence: clone the init, drive its
 * stages, undo everything if a stage fails. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../hooks/hooks.h"
#include "../idmap/idmap.h"
#include "../net/net.h"
#include "../seccomp/seccomp.h"
#include "../state/state.h"
#include "../util/sys.h"
#include "internal.h"
#include "sync.h"

/* Keep the runtime's own fds out of the range passed with --preserve-fds. */
int ns_fd_move_above(int *fd, int min, struct cell_err *e)
{
	int nfd;

	if (*fd >= min)
		return 0;
	nfd = fcntl(*fd, F_DUPFD_CLOEXEC, min);
	if (nfd < 0)
		return cell_err_sys(e, "dup fd %d above %d", *fd, min);
	close(*fd);
	*fd = nfd;
	return 0;
}

static unsigned long new_ns_flags(const struct oci_config *cfg)
{
	unsigned long f = 0;

	for (int t = 0; t < OCI_NS_COUNT; t++)
		if (cfg->linux_.ns[t].present && cfg->linux_.ns[t].path == NULL && t != OCI_NS_CGROUP)
			f |= ns_clone_flag(t);
	return f;
}

static void reap(pid_t pid)
{
	while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
		;
}

/* On cgroup v2 the child starts in its cgroup (CLONE_INTO_CGROUP, 5.7):
 * no write to cgroup.procs, no window outside its limits. */
static pid_t clone_child(struct ns_child_args *a, int *pidfd, struct cell_err *e)
{
	struct clone_args ca = { .exit_signal = SIGCHLD };
	struct cgroup *cg = a->c->cg;
	int cgfd = cg ? cgroup_clone_fd(cg) : -1;
	long pid;

	if (!a->via_intermediate) {
		ca.flags = a->new_flags | CLONE_PIDFD;
		ca.pidfd = (uint64_t)(uintptr_t)pidfd;
	}
	if (cgfd >= 0) {
		ca.flags |= CLONE_INTO_CGROUP;
		ca.cgroup = (uint64_t)cgfd;
	}
	pid = sys_clone3(&ca);
	if (pid < 0 && cgfd >= 0 && (errno == EINVAL || errno == E2BIG)) {
		ca.flags &= ~(uint64_t)CLONE_INTO_CGROUP;
		ca.cgroup = 0;
		cgfd = -1;
		pid = sys_clone3(&ca);
	}
	if (pid < 0)
		return cell_err_sys(e, "clone3 container init");
	if (pid > 0 && cg)
		cg->in_clone = cgfd >= 0;
	if (pid == 0) {
		if (a->via_intermediate)
			ns_intermediate_main(a);
		ns_child_main(a);
	}
	return (pid_t)pid;
}

/* With an intermediate, the init is its sibling (CLONE_PARENT): our child. */
static int adopt_init(struct ns_container *c, pid_t helper, struct cell_err *e)
{
	int64_t pid;
	int r = sync_expect(c->sync_fd, SYNC_INIT_PID, &pid, e);

	c->pid = 0;
	reap(helper);
	if (r < 0)
		return -1;
	c->pid = (pid_t)pid;
	c->pidfd = sys_pidfd_open(c->pid, 0);
	if (c->pidfd < 0)
		return cell_err_sys(e, "pidfd_open container init %d", c->pid);
	return 0;
}

static int seccomp_listener(struct ns_container *c, struct cell_err *e)
{
	struct seccomp_listener_info li = { c->cfg, c->id, c->bundle, c->pid };
	int fd, r;

	if (sync_expect_fd(c->sync_fd, SYNC_SECCOMP_FD, &fd, e) < 0)
		return -1;
	r = seccomp_send_listener(&li, fd, e);
	close(fd);
	return r;
}

/* Which mounts get idmapped is decided before clone: the child reads the
 * plan from its copy of our memory and knows how many trees to expect. */
static int plan_idmounts(struct ns_container *c, struct ns_child_args *a, struct cell_err *e)
{
	struct idmap_maps none = { 0 };
	const struct idmap_maps *maps = (a->new_flags & CLONE_NEWUSER) ? &c->maps : &none;

	if (idmount_plan(c->cfg, c->rootfs, c->cfg->linux_.ns[OCI_NS_USER].present, maps,
			 &a->idmount, e) < 0)
		return -1;
	if (a->idmount.n == 0)
		return 0;
	a->idmount_fds = calloc(a->idmount.n_slots, sizeof *a->idmount_fds);
	if (a->idmount_fds == NULL)
		return cell_err_errno(e, ENOMEM, "idmapped mounts");
	return 0;
}

static void free_idmounts(struct ns_child_args *a)
{
	idmount_plan_free(&a->idmount);
	free(a->idmount_fds);
	a->idmount_fds = NULL;
}

/* Made once the maps are in; our copies go as soon as they are sent. */
static int send_idmounts(struct ns_container *c, const struct ns_child_args *a, struct cell_err *e)
{
	int *fds = a->idmount_fds;
	int r = 0;

	if (idmount_make(&a->idmount, c->cfg, c->bundle, c->rootfs, &c->maps, c->pid, fds, e) < 0)
		return -1;
	for (size_t k = 0; k < a->idmount.n_slots; k++) {
		if (fds[k] < 0)
			continue;
		if (r == 0 && sync_send_fd(c->sync_fd, SYNC_IDMOUNT_FD, fds[k]) < 0)
			r = cell_err_sys(e, "sync: send an idmapped mount");
		close(fds[k]);
		fds[k] = -1;
	}
	return r;
}

static int drive_stages(struct ns_container *c, const struct ns_child_args *a, struct cell_err *e)
{
	const struct oci_config *cfg = c->cfg;

	if (!a->via_intermediate && sync_expect(c->sync_fd, SYNC_CHILD_READY, NULL, e) < 0)
		return -1;
	if ((a->new_flags & CLONE_NEWUSER) && idmap_write(c->pid, &c->maps, e) < 0)
		return -1;
	if (a->idmount.n > 0 && send_idmounts(c, a, e) < 0)
		return -1;
	if (c->cg && cgroup_attach(c->cg, c->pid, e) < 0)
		return -1;
	if (ns_set_oom_score_adj(c->pid, &cfg->process, e) < 0)
		return -1;
	if (net_setup(cfg, c->id, c->rootfd, c->statefd, c->pid, c->pidfd, e) < 0)
		return -1;
	if (sync_send(c->sync_fd, SYNC_PARENT_DONE, 0) < 0)
		return cell_err_sys(e, "sync: send parent-done");
	if (hooks_before_pivot(cfg)) {
		if (sync_expect(c->sync_fd, SYNC_MOUNTS_DONE, NULL, e) < 0)
			return -1;
		/* The init's namespaces and mounts exist, pivot_root is next. */
		if (hooks_run(cfg, OCI_HOOK_PRESTART, c->hook_state, c->pid, STATUS_CREATING, e) < 0 ||
		    hooks_run(cfg, OCI_HOOK_CREATE_RUNTIME, c->hook_state, c->pid, STATUS_CREATING, e) < 0)
			return -1;
		/* The value is the init's pid here, for the createContainer hooks. */
		if (sync_send(c->sync_fd, SYNC_PIVOT, c->pid) < 0)
			return cell_err_sys(e, "sync: send pivot");
	}
	if (cfg->process.terminal &&
	    sync_expect_fd(c->sync_fd, SYNC_CONSOLE, &c->console_fd, e) < 0)
		return -1;
	if (cfg->linux_.seccomp != NULL && cfg->linux_.seccomp->notify &&
	    seccomp_listener(c, e) < 0)
		return -1;
	if (sync_expect(c->sync_fd, SYNC_CREATED, NULL, e) < 0)
		return -1;
	c->pid_start = state_pid_start(c->pid);
	return 0;
}

/* The init died before `create` finished (EOF on the sync socket, no
 * error of its own): say how. Clients show only this line, and an OOM kill
 * at a memory limit below what the set-up needs would otherwise read
 * "exited before created". */
static void explain_early_exit(struct ns_container *c, struct cell_err *e)
{
	const struct oci_res_memory *mem = &c->cfg->linux_.resources.memory;
	struct cgroup_stats st = { 0 };
	char msg[CELL_ERR_MSG];
	siginfo_t si;
	int sig;

	/* Its files are closed just before it becomes a zombie. */
	for (int i = 0; i < 200; i++) {
		memset(&si, 0, sizeof si);
		if (waitid(P_PID, (id_t)c->pid, &si, WEXITED | WNOHANG | WNOWAIT | __WALL) < 0)
			return;
		if (si.si_pid != 0)
			break;
		usleep(5000);
	}
	if (si.si_pid == 0)
		return;
	memcpy(msg, e->msg, sizeof msg);
	if (si.si_code == CLD_EXITED) {
		cell_err_set(e, e->errnum, "%s (exit status %d)", msg, si.si_status);
		return;
	}
	sig = si.si_status;
	if (c->cg != NULL)
		cgroup_stats(c->cg, &st);
	if (sig == SIGKILL && st.oom_kills > 0 && mem->limit.set)
		cell_err_set(e, ENOMEM, "%s: killed by the OOM killer (linux.resources.memory.limit %lld bytes: too low?)",
			     msg, (long long)mem->limit.v);
	else if (sig == SIGKILL && st.oom_kills > 0)
		cell_err_set(e, ENOMEM, "%s: killed by the OOM killer", msg);
	else
		cell_err_set(e, e->errnum, "%s (killed by signal %d: %s)", msg, sig, strsignal(sig));
}

int ns_spawn(struct ns_container *c, struct cell_err *e)
{
	struct ns_child_args a = { .c = c, .sync_fd = -1 };
	struct seccomp_prog *prog = NULL;
	int sv[2];
	pid_t pid;

	c->pid = 0;
	c->pidfd = -1;
	c->sync_fd = -1;
	c->console_fd = -1;
	/* Compiled here, before clone: the child only loads it. */
	if (seccomp_prepare(c->cfg, &prog, e) < 0)
		return -1;
	a.seccomp = prog;
	lsm_host_probe(&a.lsm, &c->cfg->process, c->cfg->linux_.mount_label);
	if (ns_open_paths(c->cfg, a.join_fd, e) < 0) {
		seccomp_free(prog);
		return -1;
	}
	a.new_flags = new_ns_flags(c->cfg);
	a.new_cgroupns = c->cfg->linux_.ns[OCI_NS_CGROUP].present &&
			 c->cfg->linux_.ns[OCI_NS_CGROUP].path == NULL;
	a.via_intermediate = ns_needs_intermediate(c->cfg);
	/* A user's /proc/PID/uid_map (and newuidmap's owner check) is closed
	 * to him while the child is non-dumpable; nothing of the container
	 * runs before the maps exist. */
	a.late_nondumpable = geteuid() != 0 && (a.new_flags & CLONE_NEWUSER);
	if (plan_idmounts(c, &a, e) < 0 ||
	    (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0 &&
	     cell_err_sys(e, "socketpair") < 0)) {
		free_idmounts(&a);
		ns_close_paths(a.join_fd);
		seccomp_free(prog);
		return -1;
	}
	c->sync_fd = sv[0];
	a.sync_fd = sv[1];
	if (c->preserve_fds > 0 &&
	    (ns_fd_move_above(&c->sync_fd, 3 + c->preserve_fds, e) < 0 ||
	     ns_fd_move_above(&a.sync_fd, 3 + c->preserve_fds, e) < 0))
		goto fail;
	pid = clone_child(&a, &c->pidfd, e);
	close(a.sync_fd);
	a.sync_fd = -1;
	if (pid < 0)
		goto fail;
	c->pid = pid;
	if (a.via_intermediate && adopt_init(c, pid, e) < 0)
		goto fail;
	ns_close_paths(a.join_fd);
	if (drive_stages(c, &a, e) < 0)
		goto fail;
	seccomp_free(prog);
	free_idmounts(&a);
	return 0;
fail:
	if (e->errnum == EPIPE && c->pid > 0)
		explain_early_exit(c, e);
	seccomp_free(prog);
	free_idmounts(&a);
	ns_close_paths(a.join_fd);
	if (a.sync_fd >= 0)
		close(a.sync_fd);
	ns_abort(c);
	if (c->statefd >= 0) {
		struct cell_err ignored;

		net_teardown(c->rootfd, c->statefd, c->id, &ignored);
	}
	return -1;
}

int ns_release(struct ns_container *c, bool wait_fifo, struct cell_err *e)
{
	int r = 0;

	/* The init's pid rides along, for its startContainer hooks. */
	if (sync_send(c->sync_fd, wait_fifo ? SYNC_WAIT_FIFO : SYNC_EXEC, c->pid) < 0)
		r = cell_err_sys(e, "sync: release container init");
	else if (!wait_fifo)
		r = sync_wait_exec(c->sync_fd, e);
	close(c->sync_fd);
	c->sync_fd = -1;
	return r;
}

void ns_abort(struct ns_container *c)
{
	if (c->sync_fd >= 0)
		close(c->sync_fd);
	c->sync_fd = -1;
	if (c->pid > 0) {
		if (c->pidfd >= 0)
			sys_pidfd_send_signal(c->pidfd, SIGKILL, NULL, 0);
		else
			kill(c->pid, SIGKILL);
		reap(c->pid);
		c->pid = 0;
	}
	if (c->pidfd >= 0)
		close(c->pidfd);
	c->pidfd = -1;
	if (c->console_fd >= 0)
		close(c->console_fd);
	c->console_fd = -1;
}
