/* `cell exec`: one more process in a running container, in all of its
 * namespaces and cgroups, with its rlimits, capabilities, no_new_privs
 * and seccomp filter (docs/DESIGN.md, "exec"). */
#ifndef CELL_NS_EXEC_H
#define CELL_NS_EXEC_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "../cgroup/cgroup.h"
#include "../oci/config.h"
#include "../util/err.h"

struct ns_exec {
	/* Inputs, set by the caller. */
	const struct oci_config *cfg; /* the container's: linux.seccomp */
	struct oci_process *proc;     /* what to run; env may grow (login_env) */
	size_t env_cap;               /* slots of proc->env, the NULL included */
	const char *id;
	const char *bundle;
	pid_t init_pid;
	int init_pidfd;               /* the container's init: whose namespaces */
	struct cgroup *cg;            /* the container's cgroups, or NULL */
	int preserve_fds;
	bool login_env;               /* attach: HOME, USER, LOGNAME from its passwd */
	const sigset_t *child_sigmask; /* mask the program starts with; NULL: inherited */

	/* Outputs of ns_exec_spawn. */
	pid_t pid;      /* host pid of the new process, a child of the caller */
	int pidfd;
	int console_fd; /* pty master (proc->terminal), or -1; the caller takes it */
};

/* Start the process and return once it has exec'd its program (or with
 * the exec error: "no such file or directory", "permission denied",
 * "executable file not found"). On failure nothing is left running. */
int ns_exec_spawn(struct ns_exec *x, struct cell_err *e);

#endif
