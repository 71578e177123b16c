/* Defences against container escapes, shared by the container's init
 * (create/run) and by `cell exec`: what a cell process that runs inside a
 * container's namespaces must do so that nothing of the host reaches the
 * container through it. Each names the CVE it answers; docs/DESIGN.md,
 * "Defences", has the whole list. All are async-signal-safe (usable in a
 * child made by a raw clone). */
#ifndef CELL_NS_GUARD_H
#define CELL_NS_GUARD_H

#include <stddef.h>

#include "../util/err.h"

/* CVE-2019-5736. Called by main before a command that enters a container
 * (create, run, exec): unless cell already runs from a sealed memfd copy of
 * itself, make one and re-exec from it, so no process in a container (the
 * init before exec, or a "#!/proc/self/exe" entry point executed by it)
 * ever has the host's binary as /proc/PID/exe. Returns only on failure;
 * returns 0 when already running from the sealed copy. */
int ns_guard_sealed_exe(char **argv, struct cell_err *e);

/* CVE-2019-5736, CVE-2024-21626. Make this process non-dumpable: other
 * processes in the container (which may share its pid namespace) can then
 * not open its /proc/PID/exe, fd/, cwd, root, mem or environ. Undone by the
 * kernel at execve of the user's program. */
int ns_guard_nondumpable(struct cell_err *e);

/* CVE-2024-21626. Close every fd but stdio, 3..3+preserve_fds-1 and the
 * n_keep fds in keep (the sync socket, exec.fifo). Called as soon as the
 * namespaces are joined: an fd of a host directory held while the process
 * runs in the container becomes reachable as /proc/self/fd/N. */
int ns_guard_close_fds(int preserve_fds, const int *keep, size_t n_keep, struct cell_err *e);

/* CVE-2024-21626. chdir to process.cwd resolved inside the current root,
 * never through a /proc magic link such as /proc/self/fd/N; then check the
 * kernel sees the new cwd below the root. A cwd outside is an error. */
int ns_guard_chdir(const char *cwd, struct cell_err *e);

/* Right before execve: every fd but stdio and 3..3+preserve_fds-1 becomes
 * close-on-exec (the runtime still needs its own until the exec). */
int ns_guard_exec_fds(int preserve_fds, struct cell_err *e);

#endif
