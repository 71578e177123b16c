/* Commands that act on an existing container open it the same way. */
#ifndef CELL_CMD_OPENED_H
#define CELL_CMD_OPENED_H

#include "../cgroup/cgroup.h"
#include "../state/state.h"
#include "cmd.h"

/* An opened container: locked state dir, parsed state, live status, and
 * its cgroups (has_cg) when it has any. */
struct opened {
	int rootfd;
	int dirfd;
	int pidfd;
	struct state s;
	enum state_status status;
	bool has_cg;
	struct cgroup cg;
};

int open_container(struct cell_ctx *g, const char *id, bool exclusive, struct opened *o,
		   struct cell_err *e);
void close_container(struct opened *o);

/* Read ID's state under a shared lock (state, info). Returns the state
 * directory's fd, or -1. */
int read_container(struct cell_ctx *g, const char *id, struct state *s, struct cell_err *e);

/* state_status, plus "paused" from the freezer. cg may be NULL: it is
 * then opened just for the check. */
enum state_status container_status(int dirfd, const struct state *s, int *pidfd,
				   const struct cgroup *cg);

/* Kill what is left in the container's cgroups, then remove them. */
int container_remove_cgroups(struct cgroup *cg, struct cell_err *e);

#endif
