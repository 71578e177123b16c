/* Making, entering and removing a container's cgroup directories. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../util/cleanup.h"
#include "../util/fs.h"
#include "internal.h"

/* ---- paths ---- */

/* Append src to dst ("/a" + "b/c" -> "/a/b/c"), refusing "." and ".."
 * components: a cgroup path must stay below its base. */
static int path_append(char *dst, size_t cap, const char *src, struct cell_err *e)
{
	size_t len = strlen(dst);

	for (const char *p = src; *p;) {
		size_t n;

		p += strspn(p, "/");
		n = strcspn(p, "/");
		if (n == 0)
			break;
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return cell_err_set(e, EINVAL, "linux.cgroupsPath: `%s`: `.` and `..` are not allowed", src);
		if (len + 1 + n >= cap)
			return cell_err_set(e, ENAMETOOLONG, "linux.cgroupsPath: `%s` is too long", src);
		dst[len++] = '/';
		memcpy(dst + len, p, n);
		len += n;
		dst[len] = '\0';
		p += n;
	}
	return 0;
}

/* systemd's "slice:prefix:name" as a cgroupfs path: "a-b.slice" lives in
 * "a.slice/a-b.slice", the container in "prefix-name.scope". */
static int systemd_path(const char *spec, char *out, size_t cap, struct cell_err *e)
{
	const char *c1 = strchr(spec, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	char slice[256], unit[512];
	size_t sl;
	int n;

	if (c2 == NULL || strchr(c2 + 1, ':') != NULL || c2[1] == '\0')
		return cell_err_set(e, EINVAL, "linux.cgroupsPath: `%s` is not slice:prefix:name", spec);
	sl = (size_t)(c1 - spec);
	if (sl == 0) {
		strcpy(slice, "system.slice");
		sl = strlen(slice);
	} else if (sl < sizeof slice) {
		memcpy(slice, spec, sl);
		slice[sl] = '\0';
	} else {
		return cell_err_set(e, ENAMETOOLONG, "linux.cgroupsPath: `%s` is too long", spec);
	}
	if (sl < 7 || strcmp(slice + sl - 6, ".slice") != 0 || strchr(slice, '/'))
		return cell_err_set(e, EINVAL, "linux.cgroupsPath: `%s`: `%s` is not a slice name", spec, slice);
	out[0] = '\0';
	/* Every dash-separated prefix of the slice name is a parent slice. */
	for (const char *d = slice; (d = strchr(d, '-')) != NULL; d++) {
		char parent[256];

		snprintf(parent, sizeof parent, "%.*s.slice", (int)(d - slice), slice);
		if (path_append(out, cap, parent, e) < 0)
			return -1;
	}
	if (path_append(out, cap, slice, e) < 0)
		return -1;
	if (c2 == c1 + 1)
		n = snprintf(unit, sizeof unit, "%s", c2 + 1);
	else
		n = snprintf(unit, sizeof unit, "%.*s-%s.scope", (int)(c2 - c1 - 1), c1 + 1, c2 + 1);
	if ((size_t)n >= sizeof unit)
		return cell_err_set(e, ENAMETOOLONG, "linux.cgroupsPath: `%s` is too long", spec);
	return path_append(out, cap, unit, e);
}

static int path_depth(const char *p)
{
	int n = 0;

	while (*(p += strspn(p, "/"))) {
		p += strcspn(p, "/");
		n++;
	}
	return n;
}

/* Does the controller list of a /proc/self/cgroup line ("cpu,cpuacct",
 * "name=systemd", "") describe hierarchy h? */
static bool own_line_matches(const struct cg_hier *h, const char *ctrls)
{
	uint32_t m = 0;

	if (h->version == 2)
		return ctrls[0] == '\0';
	if (strcmp(ctrls, "name=systemd") == 0)
		return h->ctrls == 0;
	for (const char *p = ctrls; *p;) {
		size_t n = strcspn(p, ",");

		for (int c = 0; c < CG_NCTRL; c++)
			if (strlen(cgroup_ctrl_name(c, 1)) == n && !memcmp(p, cgroup_ctrl_name(c, 1), n))
				m |= 1u << c;
		p += n + (p[n] == ',');
	}
	return m != 0 && m == h->ctrls;
}

/* Relative paths are below the caller's own cgroup in each hierarchy. */
int cg_own_paths(struct cgroup *cg, struct cell_err *e)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;

	if (fs_read_file(AT_FDCWD, "/proc/self/cgroup", 1 << 20, &buf, &len, e) < 0)
		return cell_err_wrap(e, "linux.cgroupsPath");
	for (char *line = buf, *next; line && *line; line = next) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (c2 == NULL)
			continue;
		*c2 = '\0';
		for (size_t i = 0; i < cg->n; i++)
			if (own_line_matches(&cg->h[i], c1 + 1) &&
			    path_append(cg->h[i].path, sizeof cg->h[i].path, c2 + 1, e) < 0)
				return -1;
	}
	return 0;
}

int cgroup_set_path(struct cgroup *cg, const char *cgroups_path, const char *scope,
		    const char *id, struct cell_err *e)
{
	char rel[CG_PATH_MAX] = "";

	for (size_t i = 0; i < cg->n; i++) {
		cg->h[i].path[0] = '\0';
		cg->h[i].base = 0;
		cg->h[i].unused = false;
	}
	if (cgroups_path == NULL) {
		if (cg->rootless && cg_deleg_bases(cg, e) < 0)
			return -1;
		if (path_append(rel, sizeof rel, "cell", e) < 0 ||
		    path_append(rel, sizeof rel, scope ? scope : "", e) < 0 ||
		    path_append(rel, sizeof rel, id, e) < 0)
			return -1;
	} else if (cgroups_path[0] != '/' && strchr(cgroups_path, ':') != NULL) {
		if (systemd_path(cgroups_path, rel, sizeof rel, e) < 0)
			return -1;
	} else {
		if (cgroups_path[0] != '/' && cg_own_paths(cg, e) < 0)
			return -1;
		if (path_append(rel, sizeof rel, cgroups_path, e) < 0)
			return -1;
	}
	/* Every level of a default path is cell's: removed by the last
	 * container there. */
	cg->default_path = cgroups_path == NULL;
	if (rel[0] == '\0')
		return cell_err_set(e, EINVAL, "linux.cgroupsPath: `%s`: the container cannot use a root cgroup",
				    cgroups_path ? cgroups_path : "");
	for (size_t i = 0; i < cg->n; i++) {
		cg->h[i].base = cg->default_path ? path_depth(cg->h[i].path) : 0;
		if (path_append(cg->h[i].path, sizeof cg->h[i].path, rel, e) < 0)
			return -1;
	}
	return 0;
}

static int full_path(const struct cg_hier *h, char *buf, size_t cap)
{
	return (size_t)snprintf(buf, cap, "%s%s", h->mnt, h->path) < cap ? 0 : -1;
}

static int remove_one(struct cg_hier *h, struct cell_err *e);

/* ---- creating ---- */

/* A new v1 cpuset starts with no CPUs and no memory nodes, and refuses
 * tasks until it has some (ENOSPC): give it its parent's. made: the level
 * is new (known empty); otherwise only empty files are filled (a level
 * someone else made with mkdir, as runc does). The walk goes down from
 * the root, so the parent is filled already. Rootless, a level cell did
 * not make is never written: it belongs to whoever delegated the tree
 * (its files are theirs), and an empty one makes the hierarchy unusable. */
static int cpuset_inherit_up(const struct cg_hier *h, int child, bool made, bool rootless,
			     struct cell_err *e)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
	_cleanup_close_ int parent = -1;
	char buf[4096];
	ssize_t n;

	for (size_t i = 0; i < 2; i++) {
		if (!made) {
			n = cg_read(child, files[i], buf, sizeof buf);
			if (n < 0)
				return cell_err_sys(e, "cgroup `%s%s`: read %s", h->mnt, h->path, files[i]);
			if (buf[strspn(buf, " \n")] != '\0')
				continue;
			if (rootless)
				return cell_err_set(e, EACCES, "cgroup `%s%s`: %s is empty and not cell's to fill",
						    h->mnt, h->path, files[i]);
		}
		if (parent < 0)
			parent = openat(child, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (parent < 0)
			return cell_err_sys(e, "cgroup `%s%s`: open parent", h->mnt, h->path);
		if (cg_read(parent, files[i], buf, sizeof buf) < 0)
			return cell_err_sys(e, "cgroup `%s%s`: read parent %s", h->mnt, h->path, files[i]);
		if (cg_write(child, files[i], buf, NULL, e) < 0)
			return -1;
	}
	return 0;
}

/* The controllers enabled in dirfd's cgroup.subtree_control. */
static uint32_t v2_enabled(int dirfd)
{
	char cur[512];
	uint32_t have = 0;

	if (cg_read(dirfd, "cgroup.subtree_control", cur, sizeof cur) < 0)
		return 0;
	for (int c = 0; c < CG_NCTRL; c++) {
		const char *name = cgroup_ctrl_name(c, 2), *p = cur;
		size_t l = strlen(name);

		while ((p = strstr(p, name)) != NULL) {
			if ((p == cur || p[-1] == ' ') && (p[l] == ' ' || p[l] == '\n' || !p[l]))
				have |= 1u << c;
			p += l;
		}
	}
	return have;
}

static int v2_enable_write(int dirfd, uint32_t add, struct cell_err *e)
{
	char line[256];
	size_t n = 0;

	for (int c = 0; c < CG_NCTRL; c++)
		if (add & (1u << c))
			n += (size_t)snprintf(line + n, sizeof line - n, "%s+%s", n ? " " : "",
					      cgroup_ctrl_name(c, 2));
	return cg_write(dirfd, "cgroup.subtree_control", line, NULL, e);
}

/* Enable in dirfd's cgroup.subtree_control what the level below needs,
 * and if possible the controllers `update` may set later (`extra`): a
 * controller can only be enabled in a parent, so one missing at create
 * could never be limited afterwards. Returns what the level below then
 * has. Only what is missing is written, so a level we did not make
 * changes only when it lacks one of these; the extras are given up, not
 * the container, when the kernel refuses them. */
static int v2_enable(int dirfd, uint32_t want, uint32_t extra, uint32_t *now, const char *path,
		     struct cell_err *e)
{
	uint32_t have = v2_enabled(dirfd);
	struct cell_err ignored;

	*now = have;
	want &= ~have;
	extra &= ~(have | want);
	if (want == 0 && extra == 0)
		return 0;
	if (extra && v2_enable_write(dirfd, want | extra, &ignored) == 0) {
		*now = have | want | extra;
		return 0;
	}
	if (want == 0)
		return 0;
	if (v2_enable_write(dirfd, want, e) < 0)
		return cell_err_wrap(e, "enable controllers for `%s`", path);
	*now = have | want;
	return 0;
}

/* The controllers for the level below cur, on the way down walk_create
 * goes: below a level we made, everything it offers; above, what the
 * container needs and, where possible, what an update may ask for.
 * Rootless, the levels above are the delegated cgroup's, and what it
 * holds is all it can give (its cgroup.controllers): enabling there is
 * tried, and a refusal (a level with processes in it, or not the user's
 * to write) leaves those controllers out instead of failing. */
static int enable_level(const struct cg_hier *h, int cur, uint32_t need, uint32_t extra,
			uint32_t *avail, bool rootless, struct cell_err *e)
{
	uint32_t want = h->created ? *avail : need & *avail;

	extra = h->created ? 0 : extra & *avail;
	if (!rootless || h->created)
		return v2_enable(cur, want, extra, avail, h->path, e);
	want &= cg_v2_ctrls(cur);
	extra &= cg_v2_ctrls(cur);
	if (v2_enable(cur, want, extra, avail, h->path, e) < 0)
		*avail = v2_enabled(cur);
	return 0;
}

/* Undo walk_create's mkdirs after a failure: the `made` deepest of the
 * first `walked` components of h->path. */
static void unmake(const struct cg_hier *h, int walked, int made)
{
	char path[PATH_MAX];
	int depth = 0;
	size_t len = strlen(h->mnt);

	if (full_path(h, path, sizeof path) < 0)
		return;
	/* Cut path after `walked` components. */
	for (char *p = path + len; *p; depth++) {
		p += strspn(p, "/");
		p += strcspn(p, "/");
		if (depth + 1 == walked) {
			*p = '\0';
			break;
		}
	}
	for (int k = 0; k < made; k++) {
		char *slash;

		if (rmdir(path) < 0)
			return;
		slash = strrchr(path, '/');
		if (slash == NULL || slash <= path + len)
			return;
		*slash = '\0';
	}
}

/* A directory that exists already may be used only while it is empty. */
static int check_empty(int fd, const struct cg_hier *h, struct cell_err *e)
{
	char procs[2];
	ssize_t n = cg_read(fd, "cgroup.procs", procs, sizeof procs);

	if (n < 0)
		return cell_err_sys(e, "read `%s%s/cgroup.procs`", h->mnt, h->path);
	if (n > 0)
		return cell_err_set(e, EBUSY, "cgroup `%s%s` already has processes", h->mnt, h->path);
	return 0;
}

/* Walk h->path from the hierarchy root, making what is missing, and keep
 * the fd of the last component. take_over: an empty last component that
 * exists is treated as made here (a default path left by a crash: delete
 * removes it, and a v1 cpuset gets its parent's CPUs again). */
static int walk_create(struct cg_hier *h, uint32_t need, bool take_over, bool rootless,
		       struct cell_err *e)
{
	_cleanup_close_ int cur = open(h->mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	uint32_t avail = h->ctrls & CG_V2_ENABLEABLE;
	uint32_t extra = h->ctrls & CG_V2_UPDATABLE;
	char comp[NAME_MAX + 1];
	const char *p = h->path;
	int walked = 0;

	if (cur < 0)
		return cell_err_sys(e, "open cgroup hierarchy `%s`", h->mnt);
	h->created = 0;
	while (*(p += strspn(p, "/"))) {
		size_t n = strcspn(p, "/");
		bool took = false, made = false;
		int next;

		if (n > NAME_MAX) {
			cell_err_set(e, ENAMETOOLONG, "cgroup path `%s`", h->path);
			goto fail;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		p += n;
		if (h->version == 2 && enable_level(h, cur, need, extra, &avail, rootless, e) < 0)
			goto fail;
		if (mkdirat(cur, comp, 0755) == 0) {
			h->created++;
			made = true;
		} else if (errno != EEXIST) {
			cell_err_sys(e, "create cgroup `%s%s`", h->mnt, h->path);
			goto fail;
		} else if (h->created) {
			/* A concurrent create made it below a level we made (a
			 * new /cell, then another container's scope): the
			 * levels above are shared now, ours start below. */
			h->created = 0;
		} else {
			took = take_over && p[strspn(p, "/")] == '\0';
		}
		walked++;
		next = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (next < 0) {
			cell_err_sys(e, "open cgroup `%s%s`", h->mnt, h->path);
			goto fail;
		}
		close(cur);
		cur = next;
		if (took) {
			if (check_empty(cur, h, e) < 0)
				goto fail;
			h->created++;
			made = true; /* its CPUs come from the parent again */
		}
		if (h->version == 1 && (h->ctrls & (1u << CG_CPUSET)) &&
		    cpuset_inherit_up(h, cur, made, rootless, e) < 0)
			goto fail;
	}
	h->fd = cur;
	cur = -1;
	return 0;
fail:
	unmake(h, walked, h->created);
	h->created = 0;
	return -1;
}

/* Common case on v1: the parent exists, one mkdir and one open. */
static int create_one(struct cgroup *cg, struct cg_hier *h, uint32_t need, struct cell_err *e)
{
	char path[PATH_MAX];

	if (full_path(h, path, sizeof path) < 0)
		return cell_err_set(e, ENAMETOOLONG, "cgroup path `%s%s`", h->mnt, h->path);
	if (h->version == 1 && !(h->ctrls & (1u << CG_CPUSET))) {
		if (mkdir(path, 0755) == 0) {
			h->created = 1;
			h->fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (h->fd < 0)
				return cell_err_sys(e, "open cgroup `%s`", path);
			return 0;
		}
		if (errno != ENOENT && errno != EEXIST)
			return cell_err_sys(e, "create cgroup `%s`", path);
	}
	if (walk_create(h, need, cg->default_path, cg->rootless, e) < 0)
		return -1;
	/* Joining a cgroup that exists is fine, sharing one is not. */
	if (h->created == 0 && check_empty(h->fd, h, e) < 0)
		return -1;
	return 0;
}

uint32_t cg_needed_ctrls(const struct oci_resources *r)
{
	uint32_t m = 0;

	if (r == NULL || !r->present)
		return 0;
	if (r->has_memory)
		m |= 1u << CG_MEMORY;
	if (r->cpu.shares.set || r->cpu.quota.set || r->cpu.period.set || r->cpu.idle.set ||
	    r->cpu.burst.set)
		m |= 1u << CG_CPU;
	if (r->cpu.cpus || r->cpu.mems)
		m |= 1u << CG_CPUSET;
	if (r->pids_limit.set)
		m |= 1u << CG_PIDS;
	if (r->has_blkio)
		m |= 1u << CG_BLKIO;
	if (r->n_hugepages)
		m |= 1u << CG_HUGETLB;
	if (r->n_rdma)
		m |= 1u << CG_RDMA;
	for (size_t i = 0; i < r->n_unified; i++) {
		size_t n = strcspn(r->unified[i].key, ".");

		for (int c = 0; c < CG_NCTRL; c++)
			if (strlen(cgroup_ctrl_name(c, 2)) == n &&
			    !memcmp(cgroup_ctrl_name(c, 2), r->unified[i].key, n))
				m |= 1u << c;
	}
	return m;
}

static bool denied(int err)
{
	return err == EACCES || err == EPERM || err == EROFS;
}

/* Rootless: a hierarchy the user may not write is left unused; the first
 * such error is kept for when none is usable. */
static int create_rootless(struct cgroup *cg, struct cg_hier *h, uint32_t need, bool *used,
			   struct cell_err *first, struct cell_err *e)
{
	struct cell_err ignored;

	if (h->unused)
		return 0;
	if (create_one(cg, h, need, e) == 0) {
		*used = true;
		return 0;
	}
	if (!denied(e->errnum))
		return -1;
	if (first->errnum == 0)
		*first = *e;
	remove_one(h, &ignored);
	h->unused = true;
	return 0;
}

static int apply_rootless(struct cgroup *cg, const struct oci_resources *r, struct cell_err *e)
{
	struct oci_resources avail;
	struct oci_kv *unified = NULL;
	int rc;

	if (cg_rootless_filter(cg, r, &avail, &unified, e) < 0)
		return -1;
	rc = avail.present ? cgroup_apply(cg, &avail, "linux.resources", e) : 0;
	free(unified);
	return rc;
}

int cgroup_create(struct cgroup *cg, const struct oci_resources *r, struct cell_err *e)
{
	uint32_t need = cg_needed_ctrls(r);
	struct cell_err ignored, first = { 0 };
	bool used = false;

	cg->skipped = 0;
	for (size_t i = 0; i < cg->n; i++) {
		struct cg_hier *h = &cg->h[i];
		uint32_t hneed = h->version == 2 ? need & h->ctrls & CG_V2_ENABLEABLE : 0;

		if (cg->rootless ? create_rootless(cg, h, hneed, &used, &first, e) < 0 :
				   create_one(cg, h, hneed, e) < 0)
			goto fail;
		/* The last container with a default path removes /cell too:
		 * nothing of cell's stays in the host's tree. */
		if (cg->default_path && h->created > 0)
			h->created = path_depth(h->path) - h->base;
	}
	if (cg->rootless && !used) {
		if (first.errnum != 0)
			*e = first;
		else
			cell_err_set(e, EACCES, "cgroups: none of the caller's is delegated to uid %u",
				     (unsigned)geteuid());
		return -1;
	}
	if (r && r->present &&
	    (cg->rootless ? apply_rootless(cg, r, e) : cgroup_apply(cg, r, "linux.resources", e)) < 0)
		goto fail;
	return 0;
fail:
	cgroup_destroy(cg, &ignored);
	return -1;
}

int cgroup_clone_fd(const struct cgroup *cg)
{
	return cg->layout == CG_LAYOUT_V2 ? cg->h[cg->v2].fd : -1;
}

int cgroup_attach(struct cgroup *cg, pid_t pid, struct cell_err *e)
{
	char buf[24];

	snprintf(buf, sizeof buf, "%d", (int)pid);
	for (size_t i = 0; i < cg->n; i++) {
		struct cg_hier *h = &cg->h[i];

		if (h->fd < 0 || (cg->in_clone && (int)i == cg->v2))
			continue;
		if (cg_write(h->fd, "cgroup.procs", buf, NULL, e) < 0)
			return cell_err_wrap(e, "move the container into its cgroup `%s%s`", h->mnt, h->path);
	}
	return 0;
}

/* ---- removing ---- */

/* rmdir fails with EBUSY while exiting processes still hold the cgroup;
 * they leave within milliseconds. */
static int rmdir_wait(const char *path)
{
	struct timespec ts = { 0, 1000000 };

	for (int i = 0; i < 12; i++) {
		if (rmdir(path) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -1;
		nanosleep(&ts, NULL);
		if (ts.tv_nsec < 256000000)
			ts.tv_nsec *= 2;
	}
	return -1;
}

static int remove_one(struct cg_hier *h, struct cell_err *e)
{
	char path[PATH_MAX];

	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
	if (h->created <= 0 || full_path(h, path, sizeof path) < 0)
		return 0;
	if (rmdir_wait(path) < 0)
		return cell_err_sys(e, "remove cgroup `%s`", path);
	/* Parents we made go too, unless another container uses them. */
	for (int k = 1; k < h->created; k++) {
		char *slash = strrchr(path, '/');

		if (slash == NULL || slash <= path + strlen(h->mnt))
			break;
		*slash = '\0';
		if (rmdir(path) < 0)
			break;
	}
	h->created = 0;
	return 0;
}

int cgroup_destroy(struct cgroup *cg, struct cell_err *e)
{
	int r = 0;

	for (size_t i = 0; i < cg->n; i++)
		if (remove_one(&cg->h[i], e) < 0)
			r = -1;
	return r;
}
