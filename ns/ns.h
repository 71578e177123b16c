/* The container start sequence (see docs/DESIGN.md, "Start sequence"). */
#ifndef CELL_NS_H
#define CELL_NS_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../cgroup/cgroup.h"
#include "../idmap/idmap.h"
#include "../oci/config.h"
#include "../state/state.h"
#include "../util/err.h"

struct ns_container {
	/* Inputs, set by the caller. */
	const struct oci_config *cfg;
	const char *id;
	const char *bundle; /* absolute */
	const char *rootfs; /* absolute, symlinks resolved */
	int fifo_fd;        /* reader of exec.fifo (create), or -1 (run) */
	int preserve_fds;   /* fds 3 .. 3+N-1 are passed to the container */
	bool no_pivot;
	const sigset_t *child_sigmask; /* mask the user's program starts with; NULL: inherited */
	struct cgroup *cg;             /* made by the caller; the init is placed in it */
	int rootfd;         /* --root, for net/ (leases), or -1 */
	int statefd;        /* ROOT/ID, for net/ (its record), or -1 */
	struct idmap_maps maps; /* of a new user namespace (config or leased) */
	const struct state *hook_state; /* the state hooks read (pid aside); set when cfg has hooks */
	int hook_err_fd;    /* create with startContainer hooks: where the init leaves their error, or -1 */

	/* Outputs of ns_spawn. */
	pid_t pid;
	uint64_t pid_start;
	int pidfd;
	int sync_fd; /* parent's end, until ns_release */
	int console_fd; /* pty master (process.terminal), or -1; the caller takes it */
};

/* Check what the config asks of namespaces, maps and sysctls before
 * anything is created. */
int ns_validate(const struct oci_config *cfg, struct cell_err *e);

/* Clone the container's init and run the stages until it waits before
 * exec (SYNC_CREATED). On failure nothing is left: the child is killed and
 * reaped. */
int ns_spawn(struct ns_container *c, struct cell_err *e);

/* Let the init go on: exec now (wait_fifo false; returns once the exec
 * succeeded or with the exec error), or wait for `start` on exec.fifo. */
int ns_release(struct ns_container *c, bool wait_fifo, struct cell_err *e);

/* Kill and reap the init after a failure; closes the fds. */
void ns_abort(struct ns_container *c);

/* Send sig to every process of the container (see signal.c for the limits
 * without a pid namespace). */
int ns_signal_all(pid_t init, int init_pidfd, int sig, struct cell_err *e);

/* The container's processes without its cgroups (rootless), sorted: with a
 * pid namespace of its own every process in the init's (exec'd ones too);
 * without, the init and its descendants. *out is malloc'd. */
int ns_list_pids(pid_t init, pid_t **out, size_t *n, struct cell_err *e);

/* Wait until the process behind pidfd has exited; -1 on timeout. */
int ns_wait_exit(int pidfd, int timeout_ms);

/* Parse "9", "KILL", "SIGKILL", "RTMIN+3"; -1 if unknown. */
int ns_signal_from_name(const char *s);

#endif
