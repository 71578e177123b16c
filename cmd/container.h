/* Creating a container: shared by `create` and `run`. */
#ifndef CELL_CMD_CONTAINER_H
#define CELL_CMD_CONTAINER_H

#include <signal.h>
#include <stdbool.h>

#include "../ns/ns.h"
#include "../oci/config.h"
#include "cmd.h"

struct create_opts {
	const char *id;
	const char *bundle;   /* -b, default "." */
	const char *pid_file; /* --pid-file or NULL */
	const char *console_socket;
	bool no_pivot;
	bool detach;
	int preserve_fds;
	bool use_fifo;        /* create: wait for `start` on exec.fifo */
	const sigset_t *sigmask; /* for the user's program; NULL: inherited */
};

struct created {
	struct oci_config *cfg;
	struct ns_container ns;
	int rootfd;  /* --root */
	int statefd; /* ROOT/ID, locked */
	char bundle[4096];
	char rootfs[4096];
	bool has_cg;
	struct cgroup cg;
	char created[64];    /* RFC 3339, of state.json and the hooks' state */
	struct state hstate; /* what hooks read (when the config has hooks) */
	bool spawned;        /* ns_spawn was called: a failure runs poststop */
};

/* Everything up to the init waiting before exec, state written. On failure
 * nothing is left behind (no state dir, no process). */
int container_create(struct cell_ctx *g, const struct create_opts *o, struct created *cr,
		     struct cell_err *e);

/* Undo container_create after a later failure. */
void container_destroy(struct created *cr, const char *id);

void created_close(struct created *cr);

/* The flags `create` and `run` share. */
enum { OPT_PID_FILE = 256, OPT_CONSOLE, OPT_PRESERVE, OPT_NO_PIVOT, OPT_NO_NEW_KEYRING };
extern const struct option create_longopts[];
int create_on_opt(void *ctx, int opt, const char *arg, struct cell_err *e);

#endif
