/* The container's init, from clone to execve. It runs in a child made by a
 * raw clone3: no raise/abort/pthread calls, errors go to the parent over the
 * sync socket and the child leaves with _exit. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../hooks/hooks.h"
#include "../net/net.h"
#include "../rootfs/rootfs.h"
#include "../seccomp/seccomp.h"
#include "../util/sys.h"
#include "guard.h"
#include "internal.h"
#include "sync.h"

/* The pty from the container's devpts, /dev/console bound to it (before
 * rootfs_finalize may make /dev read-only); the master goes to the parent
 * and no copy stays here. */
static int child_tty(struct ns_child_args *a, struct cell_err *e)
{
	int master;

	if (!a->c->cfg->process.terminal)
		return 0;
	master = ns_tty_setup(&a->c->cfg->process, true, e);
	if (master < 0)
		return -1;
	if (sync_send_fd(a->sync_fd, SYNC_CONSOLE, master) < 0) {
		close(master);
		return cell_err_sys(e, "sync: send the pty master");
	}
	close(master);
	return 0;
}

static int child_mounts(struct ns_child_args *a, struct rootfs_ctx *r, struct cell_err *e)
{
	const struct ns_container *c = a->c;

	*r = (struct rootfs_ctx){
		.cfg = c->cfg,
		.rootfs = c->rootfs,
		.bundle = c->bundle,
		.userns = c->cfg->linux_.ns[OCI_NS_USER].present,
		.netns = c->cfg->linux_.ns[OCI_NS_NETWORK].present,
		.cgroupns = c->cfg->linux_.ns[OCI_NS_CGROUP].present,
		.no_pivot = c->no_pivot,
		.rootfd = -1,
		.cg = c->cg,
		.idmount_fds = a->idmount.n > 0 ? a->idmount_fds : NULL,
		.mount_label = lsm_mount_label(&a->lsm, c->cfg),
	};
	if (rootfs_prepare(r, e) < 0)
		return -1;
	if (hooks_before_pivot(c->cfg)) {
		int64_t pid;

		/* prestart and createRuntime hooks run in the parent now. */
		if (sync_send(a->sync_fd, SYNC_MOUNTS_DONE, 0) < 0)
			return cell_err_sys(e, "sync: send mounts-done");
		if (sync_expect(a->sync_fd, SYNC_PIVOT, &pid, e) < 0)
			return -1;
		if (hooks_run(c->cfg, OCI_HOOK_CREATE_CONTAINER, c->hook_state, (pid_t)pid,
			      STATUS_CREATING, e) < 0)
			return -1;
	}
	if (rootfs_pivot(r, e) < 0 || child_tty(a, e) < 0)
		return -1;
	/* sysctls go in before rootfs_finalize makes /proc/sys read-only. */
	if (ns_apply_sysctl(c->cfg, e) < 0 || rootfs_finalize(r, e) < 0)
		return -1;
	return 0;
}

/* The process settings that need privilege come before the switch to the
 * configured user; the PATH lookup comes after it, so it sees what the
 * user may execute. */
static int child_process(struct ns_child_args *a, char *exe, size_t cap, struct cell_err *e)
{
	const struct oci_config *cfg = a->c->cfg;
	const struct oci_process *p = &cfg->process;

	if (ns_set_hostname(cfg, e) < 0 || ns_apply_rlimits(p, e) < 0 ||
	    lsm_set_exec(&a->lsm, p, e) < 0)
		return -1;
	/* A joined user namespace may have setgroups denied too (rootless). */
	if (ns_set_user_caps_held(p, cfg->linux_.ns[OCI_NS_USER].present,
				  seccomp_needs_admin(a->seccomp, p), e) < 0)
		return -1;
	if (ns_guard_chdir(p->cwd, e) < 0)
		return -1;
	if (ns_find_exec(p, exe, cap, e) < 0)
		return -1;
	return ns_guard_exec_fds(a->c->preserve_fds, e);
}

/* The idmapped trees come, in slot order, before parent-done. */
static int recv_idmounts(struct ns_child_args *a, struct cell_err *e)
{
	for (size_t k = 0; k < a->idmount.n_slots && a->idmount.n > 0; k++) {
		a->idmount_fds[k] = -1;
		if (a->idmount.on[k] &&
		    sync_expect_fd(a->sync_fd, SYNC_IDMOUNT_FD, &a->idmount_fds[k], e) < 0)
			return -1;
	}
	return 0;
}

static void close_idmounts(struct ns_child_args *a)
{
	for (size_t k = 0; k < a->idmount.n_slots && a->idmount.n > 0; k++)
		if (a->idmount_fds[k] >= 0)
			close(a->idmount_fds[k]);
}

/* `start` writes one byte into exec.fifo. A FIFO reader gets no POLLHUP
 * before its first writer, so this sleeps until then. */
static int wait_fifo(int fd, struct cell_err *e)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char b;

	while (poll(&pfd, 1, -1) < 0) {
		if (errno != EINTR)
			return cell_err_sys(e, "poll exec.fifo");
	}
	if (read(fd, &b, 1) != 1)
		return cell_err_set(e, EPIPE, "exec.fifo closed before start");
	return 0;
}

static int child_setup(struct ns_child_args *a, char *exe, size_t cap, struct cell_err *e)
{
	const struct ns_container *c = a->c;
	/* What the init needs of the fds the parent had open. */
	int keep[] = { a->sync_fd, c->fifo_fd, c->hook_err_fd };
	struct rootfs_ctx r;
	int r_ok;

	/* Through an intermediate, its SYNC_INIT_PID is the ready message: a
	 * second sender on the socket could overtake it. */
	if (!a->via_intermediate) {
		if (ns_join(a->join_fd, e) < 0)
			return -1;
		if (sync_send(a->sync_fd, SYNC_CHILD_READY, 0) < 0)
			return cell_err_sys(e, "sync: send child-ready");
	}
	/* Whatever the parent had open (state dir, cgroup dirs, --root,
	 * namespace paths) is gone before anything of the container runs. */
	if (ns_guard_close_fds(c->preserve_fds, keep, 3, e) < 0)
		return -1;
	if (recv_idmounts(a, e) < 0 || sync_expect(a->sync_fd, SYNC_PARENT_DONE, NULL, e) < 0)
		return -1;
	if (a->late_nondumpable && ns_guard_nondumpable(e) < 0)
		return -1;
	if ((a->new_flags & CLONE_NEWUSER) && ns_become_root(&c->maps, e) < 0)
		return -1;
	if (c->cfg->linux_.ns[OCI_NS_USER].path != NULL && ns_become_root_joined(e) < 0)
		return -1;
	if ((a->new_flags & CLONE_NEWNET) && net_loopback_up(e) < 0)
		return -1;
	/* Made now, not at clone, so that its root is the container's cgroup. */
	if (a->new_cgroupns && unshare(CLONE_NEWCGROUP) < 0)
		return cell_err_sys(e, "unshare cgroup namespace");
	r_ok = child_mounts(a, &r, e);
	rootfs_ctx_close(&r);
	close_idmounts(a);
	if (r_ok < 0)
		return -1;
	return child_process(a, exe, cap, e);
}

static noreturn void child_fail(int fd, struct cell_err *e, int code)
{
	sync_send_error(fd, e);
	_exit(code);
}

noreturn void ns_child_main(struct ns_child_args *a)
{
	const struct ns_container *c = a->c;
	struct cell_err e = { 0 };
	char exe[PATH_MAX];
	int64_t how = 0;
	struct sync_msg m;
	ssize_t n;

	/* The filter goes in after every set-up step, so none of cell's own
	 * calls is filtered; what runs under it is the created handshake, the
	 * exec.fifo wait and execve. */
	if ((!a->late_nondumpable && ns_guard_nondumpable(&e) < 0) ||
	    child_setup(a, exe, sizeof exe, &e) < 0 ||
	    ns_seccomp_load(a->seccomp, &c->cfg->process, a->sync_fd, &e) < 0)
		child_fail(a->sync_fd, &e, 1);
	if (sync_send(a->sync_fd, SYNC_CREATED, 0) < 0)
		_exit(1);
	do
		n = recv(a->sync_fd, &m, sizeof m, 0);
	while (n < 0 && errno == EINTR);
	if (n <= 0) /* the parent is gone: nobody will start us */
		_exit(1);
	how = m.stage;
	if (how == SYNC_WAIT_FIFO) {
		close(a->sync_fd);
		if (wait_fifo(c->fifo_fd, &e) < 0)
			goto fail_late;
	} else if (how != SYNC_EXEC) {
		_exit(1);
	}
	if (hooks_any(c->cfg, OCI_HOOK_START_CONTAINER) &&
	    hooks_run(c->cfg, OCI_HOOK_START_CONTAINER, c->hook_state, (pid_t)m.value,
		      STATUS_CREATED, &e) < 0) {
		if (how == SYNC_EXEC)
			child_fail(a->sync_fd, &e, 1);
		goto fail_late;
	}
	ns_exec_program(exe, &c->cfg->process, c->child_sigmask, &e);
	if (how == SYNC_EXEC)
		child_fail(a->sync_fd, &e, 127);
fail_late:
	/* After `start` there is no parent to report to: `start` reads the
	 * hooks' error file when there is one; else the container's stderr
	 * is the only place left. */
	if (c->hook_err_fd >= 0 && write(c->hook_err_fd, e.msg, strlen(e.msg)) < 0)
		_exit(127);
	dprintf(STDERR_FILENO, "cell: %s\n", e.msg);
	_exit(127);
}

noreturn void ns_intermediate_main(struct ns_child_args *a)
{
	struct clone_args ca = { .flags = a->new_flags | CLONE_PARENT };
	struct cell_err e = { 0 };
	long pid;

	/* Non-dumpable once the offsets are written (as the file's owner):
	 * the init inherits it from its first instruction on. */
	if (ns_join(a->join_fd, &e) < 0 || ns_write_time_offsets(a->c->cfg, &e) < 0 ||
	    (!a->late_nondumpable && ns_guard_nondumpable(&e) < 0))
		child_fail(a->sync_fd, &e, 1);
	/* With offsets, the time namespace was unshared for our children. */
	if (a->c->cfg->linux_.time_boottime.present || a->c->cfg->linux_.time_monotonic.present)
		ca.flags &= ~(unsigned long long)0x00000080;
	pid = sys_clone3(&ca);
	if (pid < 0) {
		cell_err_sys(&e, "clone3 container init");
		child_fail(a->sync_fd, &e, 1);
	}
	if (pid == 0) {
		a->via_intermediate = true;
		ns_child_main(a);
	}
	sync_send(a->sync_fd, SYNC_INIT_PID, pid);
	_exit(0);
}
