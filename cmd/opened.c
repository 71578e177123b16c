/* Opening an existing container for a command. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include "opened.h"

enum state_status container_status(int dirfd, const struct state *s, int *pidfd,
				   const struct cgroup *cg)
{
	enum state_status st = state_status(dirfd, s, pidfd);
	struct cgroup own;
	struct cell_err ignored;
	bool frozen;

	if (st != STATUS_RUNNING || s->cgroups == NULL)
		return st;
	if (cg != NULL)
		return cgroup_is_frozen(cg) ? STATUS_PAUSED : st;
	if (cgroup_open(&own, s->cgroups, &ignored) < 0)
		return st;
	frozen = cgroup_is_frozen(&own);
	cgroup_close(&own);
	return frozen ? STATUS_PAUSED : st;
}

int open_container(struct cell_ctx *g, const char *id, bool exclusive, struct opened *o,
		   struct cell_err *e)
{
	o->rootfd = o->dirfd = o->pidfd = -1;
	o->has_cg = false;
	memset(&o->s, 0, sizeof o->s);
	o->rootfd = cmd_open_root(g, false, e);
	if (o->rootfd < 0) {
		if (e->errnum == ENOENT)
			cell_err_set(e, ENOENT, "container `%s` does not exist", id);
		return -1;
	}
	o->dirfd = state_open(o->rootfd, id, exclusive, e);
	if (o->dirfd < 0 || state_read(o->dirfd, &o->s, e) < 0) {
		if (o->dirfd >= 0)
			cell_err_wrap(e, "container `%s`", id);
		return -1;
	}
	if (o->s.cgroups != NULL) {
		if (cgroup_open(&o->cg, o->s.cgroups, e) < 0)
			return cell_err_wrap(e, "container `%s`", id);
		o->has_cg = true;
	}
	o->status = container_status(o->dirfd, &o->s, &o->pidfd, o->has_cg ? &o->cg : NULL);
	return 0;
}

int read_container(struct cell_ctx *g, const char *id, struct state *s, struct cell_err *e)
{
	int rootfd = cmd_open_root(g, false, e), dirfd;

	if (rootfd < 0)
		return cell_err_set(e, ENOENT, "container `%s` does not exist", id);
	dirfd = state_open(rootfd, id, false, e);
	close(rootfd);
	if (dirfd < 0)
		return -1;
	if (state_read(dirfd, s, e) < 0) {
		close(dirfd);
		return -1;
	}
	return dirfd;
}

void close_container(struct opened *o)
{
	int fds[] = { o->pidfd, o->dirfd, o->rootfd };

	for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (o->has_cg)
		cgroup_close(&o->cg);
	o->has_cg = false;
	state_free(&o->s);
}

/* Without its own pid namespace a container's processes outlive its
 * init; the cgroup still holds them, and cannot go until they do. */
int container_remove_cgroups(struct cgroup *cg, struct cell_err *e)
{
	pid_t *pids;
	size_t n;

	if (cgroup_pids(cg, &pids, &n, e) == 0) {
		free(pids);
		if (n > 0 && cgroup_signal_all(cg, SIGKILL, e) < 0)
			return -1;
	}
	return cgroup_destroy(cg, e);
}
