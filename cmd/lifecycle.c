/* `start`, `kill`, `delete`: commands that act on an existing container. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <string.h>
#include <unistd.h>

#include "../hooks/hooks.h"
#include "../net/net.h"
#include "../ns/ns.h"
#include "../state/state.h"
#include "../util/cleanup.h"
#include "../util/log.h"
#include "../util/sys.h"
#include "console.h"
#include "opened.h"

static const char start_usage[] =
	"Usage: cell start ID\n"
	"Start the user program of a created container.\n";

/* With startContainer or poststart hooks, `start` waits for the exec:
 * the init holds the only reader of exec.fifo, close-on-exec, so our
 * writer gets POLLERR once the init exec'd (or died). A startContainer
 * failure is what the init left in HOOKS_ERR_FILE. */
static int after_start(struct opened *o, int fifo, struct cell_err *e)
{
	struct pollfd p = { .fd = fifo, .events = 0 };
	struct oci_config *hk;
	char msg[CELL_ERR_MSG];
	ssize_t n = 0;
	int fd;

	if (hooks_load(o->dirfd, &hk, e) < 0)
		return cell_err_wrap(e, "start `%s`", o->s.id);
	if (hk == NULL)
		return 0;
	if (hooks_any(hk, OCI_HOOK_START_CONTAINER) || hooks_any(hk, OCI_HOOK_POSTSTART)) {
		/* Started: `state` may look (a hook may ask it) while we wait. */
		flock(o->dirfd, LOCK_UN);
		while (poll(&p, 1, -1) < 0 && errno == EINTR)
			;
		fd = openat(o->dirfd, HOOKS_ERR_FILE, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			n = read(fd, msg, sizeof msg - 1);
			close(fd);
		}
		if (n > 0) {
			msg[n] = '\0';
			oci_config_free(hk);
			return cell_err_set(e, ECANCELED, "start `%s`: %s", o->s.id, msg);
		}
		hooks_run_warn(hk, OCI_HOOK_POSTSTART, &o->s, o->s.pid, STATUS_RUNNING);
	}
	oci_config_free(hk);
	return 0;
}

int cmd_start(struct cell_ctx *g, int argc, char **argv, struct cell_err *e)
{
	struct cmd_parser p = { .name = "start", .usage = start_usage, .min_args = 1, .max_args = 1 };
	struct opened o;
	int first, r, fd;

	r = cmd_parse(&p, argc, argv, &first, e);
	if (r != 0)
		return r < 0 ? -1 : 0;
	if (open_container(g, argv[first], true, &o, e) < 0)
		goto fail;
	if (o.status != STATUS_CREATED) {
		cell_err_set(e, EINVAL, "container `%s` is %s, not created", o.s.id,
			     state_status_name(o.status));
		goto fail;
	}
	/* No reader (ENXIO) means the init died after `create`. */
	fd = openat(o.dirfd, STATE_FIFO, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		cell_err_sys(e, "start `%s`: open " STATE_FIFO, o.s.id);
		goto fail;
	}
	r = (int)write(fd, "0", 1);
	if (r != 1) {
		cell_err_sys(e, "start `%s`: write " STATE_FIFO, o.s.id);
		close(fd);
		goto fail;
	}
	unlinkat(o.dirfd, STATE_FIFO, 0);
	r = after_start(&o, fd, e);
	close(fd);
	if (r < 0)
		goto fail;
	close_container(&o);
	return 0;
fail:
	close_container(&o);
	return -1;
}

static const char kill_usage[] =
	"Usage: cell kill [-a|--all] ID [SIGNAL]\n"
	"Send SIGNAL (default TERM; a name with or without SIG, or a number).\n"
	"  -a, --all   to every process of the container\n";

static int set_bool_opt(void *ctx, int opt, const char *arg, struct cell_err *e)
{
	*(bool *)ctx = true;
	return 0;
}

int cmd_kill(struct cell_ctx *g, int argc, char **argv, struct cell_err *e)
{
	static const struct option lo[] = {
		{ "all", no_argument, NULL, 'a' }, { "help", no_argument, NULL, 'h' }, { 0 },
	};
	bool all = false;
	struct cmd_parser p = { .name = "kill", .usage = kill_usage, .shortopts = "+ah",
				.longopts = lo, .on_opt = set_bool_opt, .ctx = &all,
				.min_args = 1, .max_args = 2 };
	struct opened o;
	int first, r, sig = SIGTERM;

	r = cmd_parse(&p, argc, argv, &first, e);
	if (r != 0)
		return r < 0 ? -1 : 0;
	if (first + 1 < argc && (sig = ns_signal_from_name(argv[first + 1])) < 0)
		return cell_err_set(e, EINVAL, "kill: unknown signal `%s`", argv[first + 1]);
	if (open_container(g, argv[first], false, &o, e) < 0)
		goto fail;
	if (o.status == STATUS_STOPPED) {
		cell_err_set(e, ESRCH, "container `%s` is not running", o.s.id);
		goto fail;
	}
	if (all && o.has_cg)
		r = cgroup_signal_all(&o.cg, sig, e);
	else if (all)
		r = ns_signal_all(o.s.pid, o.pidfd, sig, e);
	else if ((r = sys_pidfd_send_signal(o.pidfd, sig, NULL, 0)) < 0)
		cell_err_sys(e, "kill `%s`: signal %d", o.s.id, sig);
	if (r < 0)
		goto fail;
	close_container(&o);
	return 0;
fail:
	close_container(&o);
	return -1;
}

static const char delete_usage[] =
	"Usage: cell delete [-f|--force] ID\n"
	"Remove a created or stopped container.\n"
	"  -f, --force   kill it first if it runs; no such container is no error\n";

int cmd_delete(struct cell_ctx *g, int argc, char **argv, struct cell_err *e)
{
	static const struct option lo[] = {
		{ "force", no_argument, NULL, 'f' }, { "help", no_argument, NULL, 'h' }, { 0 },
	};
	bool force = false;
	struct cmd_parser p = { .name = "delete", .usage = delete_usage, .shortopts = "+fh",
				.longopts = lo, .on_opt = set_bool_opt, .ctx = &force,
				.min_args = 1, .max_args = 1 };
	struct oci_config *hk = NULL;
	struct cell_err ignored;
	const char *id;
	struct opened o;
	int first, r;

	r = cmd_parse(&p, argc, argv, &first, e);
	if (r != 0)
		return r < 0 ? -1 : 0;
	id = argv[first];
	if (open_container(g, id, true, &o, e) < 0) {
		/* Nothing to delete is done with --force, as runc: podman and
		 * the containerd shim delete --force after a failed create and
		 * again at cleanup, and show any error text to the user. */
		if (force && o.dirfd < 0 && e->errnum == ENOENT) {
			close_container(&o);
			cell_err_clear(e);
			return 0;
		}
		/* A state dir without a readable state (a crash mid-create)
		 * can still go with --force. */
		if (!force || o.dirfd < 0)
			goto fail;
		o.status = STATUS_STOPPED;
	}
	if (o.status == STATUS_RUNNING || o.status == STATUS_PAUSED) {
		if (!force) {
			cell_err_set(e, EBUSY, "container `%s` is running: stop it first or use --force", id);
			goto fail;
		}
	}
	if (o.status != STATUS_STOPPED) {
		if ((o.has_cg ? cgroup_signal_all(&o.cg, SIGKILL, e) :
				ns_signal_all(o.s.pid, o.pidfd, SIGKILL, e)) < 0)
			goto fail;
		if (ns_wait_exit(o.pidfd, 10000) < 0) {
			cell_err_set(e, ETIMEDOUT, "delete `%s`: init %d did not exit after SIGKILL", id, o.s.pid);
			goto fail;
		}
	}
	console_stop(o.dirfd);
	if (o.has_cg && container_remove_cgroups(&o.cg, e) < 0)
		goto fail;
	/* poststop hooks run once the container is gone; a broken hooks
	 * file must not keep it from going. */
	if (o.s.id != NULL && hooks_load(o.dirfd, &hk, &ignored) < 0)
		log_warn("delete `%s`: %s", id, ignored.msg);
	if (net_teardown(o.rootfd, o.dirfd, id, e) < 0 || idmap_release(o.dirfd, e) < 0 ||
	    state_remove(o.rootfd, id, o.dirfd, e) < 0)
		goto fail;
	if (hk != NULL)
		hooks_run_warn(hk, OCI_HOOK_POSTSTOP, &o.s, 0, STATUS_STOPPED);
	oci_config_free(hk);
	close_container(&o);
	return 0;
fail:
	oci_config_free(hk);
	close_container(&o);
	return -1;
}
