/* Operations on a live container's cgroups: freeze, list, signal. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../util/cleanup.h"
#include "internal.h"

static void nap(struct timespec *ts)
{
	nanosleep(ts, NULL);
	if (ts->tv_nsec < 64000000)
		ts->tv_nsec *= 2;
}

/* The kernel freezes asynchronously; a task in an uninterruptible sleep
 * can hold it up, so this waits, up to about two seconds. */
static bool wait_state(int fd, const char *file, const char *want)
{
	struct timespec ts = { 0, 500000 };
	char buf[256];

	for (int i = 0; i < 40; i++) {
		if (cg_read(fd, file, buf, sizeof buf) >= 0 && strstr(buf, want) != NULL)
			return true;
		nap(&ts);
	}
	return false;
}

int cgroup_freeze(struct cgroup *cg, bool frozen, struct cell_err *e)
{
	int ver, fd = cgroup_ctrl_fd(cg, CG_FREEZER, &ver);

	if (fd < 0)
		return cell_err_set(e, ENOTSUP, "%s: the container has no freezer cgroup",
				    frozen ? "pause" : "resume");
	if (ver == 2) {
		if (cg_write(fd, "cgroup.freeze", frozen ? "1" : "0", NULL, e) < 0)
			return -1;
		if (!wait_state(fd, "cgroup.events", frozen ? "frozen 1" : "frozen 0"))
			return cell_err_set(e, EBUSY, "%s: the cgroup did not %s in time",
					    frozen ? "pause" : "resume", frozen ? "freeze" : "thaw");
		return 0;
	}
	for (int attempt = 0; attempt < 5; attempt++) {
		if (cg_write(fd, "freezer.state", frozen ? "FROZEN" : "THAWED", NULL, e) < 0)
			return -1;
		if (wait_state(fd, "freezer.state", frozen ? "FROZEN" : "THAWED"))
			return 0;
	}
	if (frozen)
		cg_write(fd, "freezer.state", "THAWED", NULL, e);
	return cell_err_set(e, EBUSY, "%s: the cgroup did not %s in time", frozen ? "pause" : "resume",
			    frozen ? "freeze" : "thaw");
}

bool cgroup_is_frozen(const struct cgroup *cg)
{
	int ver, fd = cgroup_ctrl_fd(cg, CG_FREEZER, &ver);
	char buf[32];

	if (fd < 0)
		return false;
	if (ver == 2)
		return cg_read(fd, "cgroup.freeze", buf, sizeof buf) > 0 && buf[0] == '1';
	return cg_read(fd, "freezer.state", buf, sizeof buf) > 0 && strncmp(buf, "FROZEN", 6) == 0;
}

/* Any hierarchy lists the same processes; the freezer's is the one that
 * stays still while frozen. */
static int procs_fd(const struct cgroup *cg)
{
	int fd = cgroup_ctrl_fd(cg, CG_FREEZER, NULL);

	for (size_t i = 0; fd < 0 && i < cg->n; i++)
		fd = cg->h[i].fd;
	return fd;
}

int cgroup_pids(const struct cgroup *cg, pid_t **out, size_t *n, struct cell_err *e)
{
	_cleanup_free_ char *buf = NULL;
	size_t cap = 4096, cnt = 0;
	pid_t *pids = NULL;
	int fd = procs_fd(cg);
	ssize_t len;

	*out = NULL;
	*n = 0;
	if (fd < 0)
		return cell_err_set(e, ENOENT, "the container has no cgroup");
	/* cgroup.procs cannot be sized by stat: grow until it fits. */
	for (;;) {
		char *nb = realloc(buf, cap);

		if (nb == NULL)
			return cell_err_errno(e, ENOMEM, "read cgroup.procs");
		buf = nb;
		len = cg_read(fd, "cgroup.procs", buf, cap);
		if (len < 0)
			return cell_err_sys(e, "read cgroup.procs");
		if ((size_t)len + 1 < cap)
			break;
		cap *= 2;
	}
	for (char *p = buf; *p;) {
		char *end;
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		if (cnt % 64 == 0) {
			pid_t *np = realloc(pids, (cnt + 64) * sizeof *pids);

			if (np == NULL) {
				free(pids);
				return cell_err_errno(e, ENOMEM, "read cgroup.procs");
			}
			pids = np;
		}
		pids[cnt++] = (pid_t)v;
		p = end + strspn(end, "\n");
	}
	*out = pids;
	*n = cnt;
	return 0;
}

static int kill_listed(struct cgroup *cg, int sig, struct cell_err *e)
{
	pid_t *pids;
	size_t n;
	int r = 0;

	if (cgroup_pids(cg, &pids, &n, e) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (kill(pids[i], sig) < 0 && errno != ESRCH && r == 0)
			r = cell_err_sys(e, "kill %d", (int)pids[i]);
	free(pids);
	return r;
}

/* Frozen, no process can fork a child that escapes the signal. v2's
 * cgroup.kill (5.14) does that in the kernel. */
int cgroup_signal_all(struct cgroup *cg, int sig, struct cell_err *e)
{
	struct cell_err ignored;
	int v2 = cg->v2 >= 0 ? cg->h[cg->v2].fd : -1;
	bool was_frozen = cgroup_is_frozen(cg), froze = false;
	int r = 0;

	if (!(sig == SIGKILL && v2 >= 0 && cg_write(v2, "cgroup.kill", "1", NULL, &ignored) == 0)) {
		if (!was_frozen)
			froze = cgroup_freeze(cg, true, &ignored) == 0;
		r = kill_listed(cg, sig, e);
	}
	/* A frozen task dies only once thawed; other signals wait for
	 * `resume` in a paused container, as with runc. */
	if (froze || (was_frozen && sig == SIGKILL))
		cgroup_freeze(cg, false, &ignored);
	return r;
}
