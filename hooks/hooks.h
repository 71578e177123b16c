/* OCI hooks (config.json `hooks`): running them with the container's state
 * on stdin, their path, args, env and timeout, and keeping those that run
 * after `create` returns in the state directory.
 *
 * Where each kind runs (docs/DESIGN.md, "Hooks"):
 *   prestart, createRuntime   the parent (runtime namespace), at the init's
 *                             SYNC_MOUNTS_DONE, before pivot_root
 *   createContainer           the init (container namespaces), right after,
 *                             before pivot_root
 *   startContainer            the init, after `start`, before exec
 *   poststart                 `start` / `run`, once the program was exec'd
 *   poststop                  `delete` (and the undo of a failed create)
 * The first four fail the operation; the last two only warn.
 *
 * hooks_exec is async-signal-safe enough for the init (a raw clone child):
 * clone, pipes, poll, execve, no stdio. */
#ifndef CELL_HOOKS_H
#define CELL_HOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "../oci/config.h"
#include "../state/state.h"
#include "../util/err.h"

/* In the state directory: the hooks that run after create (a small
 * config document, parsed with the config parser), and where the init
 * leaves a startContainer failure for `start` to report. */
#define HOOKS_FILE "hooks.json"
#define HOOKS_ERR_FILE "hooks.err"

static inline bool hooks_any(const struct oci_config *cfg, enum oci_hook_kind k)
{
	return cfg->n_hooks[k] > 0;
}

/* prestart, createRuntime or createContainer: the init stops before
 * pivot_root for them. */
static inline bool hooks_before_pivot(const struct oci_config *cfg)
{
	return hooks_any(cfg, OCI_HOOK_PRESTART) || hooks_any(cfg, OCI_HOOK_CREATE_RUNTIME) ||
	       hooks_any(cfg, OCI_HOOK_CREATE_CONTAINER);
}

/* Run cfg's hooks of kind k in order, each reading the state document of
 * s with status st and the given pid. The first failure ends it: -1 with
 * "createRuntime hook 1 `/path`: exit status 2 (output...)". */
int hooks_run(const struct oci_config *cfg, enum oci_hook_kind k, const struct state *s,
	      pid_t pid, enum state_status st, struct cell_err *e);

/* The same for poststart and poststop: failures are logged as warnings. */
void hooks_run_warn(const struct oci_config *cfg, enum oci_hook_kind k, const struct state *s,
		    pid_t pid, enum state_status st);

/* Keep startContainer, poststart and poststop hooks in dirfd/HOOKS_FILE
 * (nothing when there are none). */
int hooks_save(int dirfd, const struct oci_config *cfg, struct cell_err *e);

/* Read them back: *out is NULL when the container has none. */
int hooks_load(int dirfd, struct oci_config **out, struct cell_err *e);

#endif
