/* `run`: create + start; in the foreground it forwards signals to the
 * container, waits for it, removes it and exits with its exit code. */
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "../hooks/hooks.h"
#include "../net/net.h"
#include "../state/state.h"
#include "container.h"
#include "opened.h"

static const char run_usage[] =
	"Usage: cell run [OPTIONS] ID\n"
	"Create and start a container. In the foreground, signals are forwarded to it\n"
	"and cell exits with its exit code (128+N when killed by signal N).\n"
	"  -b, --bundle DIR       bundle directory (default: current directory)\n"
	"  -d, --detach           return once the container runs\n"
	"      --pid-file FILE    write the container's PID here\n"
	"      --console-socket P unix socket to receive the terminal (process.terminal)\n"
	"      --preserve-fds N   pass N more fds (3, 4, ...) to the container\n"
	"      --no-pivot         use MS_MOVE+chroot instead of pivot_root (rootfs on initramfs)\n"
	"  -h, --help             this help\n";

int cmd_run(struct cell_ctx *g, int argc, char **argv, struct cell_err *e)
{
	struct create_opts o = { .bundle = "." };
	struct cmd_parser p = {
		.name = "run", .usage = run_usage, .shortopts = "+b:dh",
		.longopts = create_longopts, .on_opt = create_on_opt, .ctx = &o,
		.min_args = 1, .max_args = 1,
	};
	struct cell_err ignored;
	sigset_t fwd, old;
	struct stat st;
	struct created cr;
	int first, r;

	r = cmd_parse(&p, argc, argv, &first, e);
	if (r != 0)
		return r < 0 ? -1 : 0;
	o.id = argv[first];
	/* Block before the clone so no signal is lost; the init restores the
	 * caller's mask just before exec. */
	cmd_forwarded_signals(&fwd);
	sigprocmask(SIG_BLOCK, &fwd, &old);
	o.sigmask = &old;
	if (container_create(g, &o, &cr, e) < 0)
		return -1;
	if (ns_release(&cr.ns, false, e) < 0) {
		container_destroy(&cr, o.id);
		created_close(&cr);
		return -1;
	}
	/* The program runs (its exec succeeded). Unlocked: a poststart hook
	 * may ask `cell state`. */
	if (hooks_any(cr.cfg, OCI_HOOK_POSTSTART))
		flock(cr.statefd, LOCK_UN);
	hooks_run_warn(cr.cfg, OCI_HOOK_POSTSTART, &cr.hstate, cr.ns.pid, STATUS_RUNNING);
	if (o.detach) {
		created_close(&cr);
		return 0;
	}
	/* Let `state`, `kill` and `list` in while the container runs. */
	flock(cr.statefd, LOCK_UN);
	r = cmd_wait_foreground(cr.ns.pidfd, cr.ns.console_fd, &fwd, "container init", e);
	if (r >= 0)
		cr.ns.pid = 0; /* reaped: nothing for ns_abort to kill */
	/* Unless `delete` removed it meanwhile (and the ID may be reused). */
	if (flock(cr.statefd, LOCK_EX) == 0 && fstat(cr.statefd, &st) == 0 && st.st_nlink > 0) {
		if (cr.has_cg)
			container_remove_cgroups(&cr.cg, &ignored);
		cr.has_cg = false;
		net_teardown(cr.rootfd, cr.statefd, o.id, &ignored);
		idmap_release(cr.statefd, &ignored);
		state_remove(cr.rootfd, o.id, cr.statefd, &ignored);
		hooks_run_warn(cr.cfg, OCI_HOOK_POSTSTOP, &cr.hstate, 0, STATUS_STOPPED);
	}
	if (r < 0)
		ns_abort(&cr.ns);
	created_close(&cr);
	return r;
}
