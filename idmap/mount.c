/* Idmapped mounts: the plan (which mounts, decided before clone) and the
 * host side that makes the detached idmapped trees (see idmount.h). */
#include "idmount.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../util/cleanup.h"
#include "../util/sys.h"

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif

int idmount_force_errno;

static const char *annotation(const struct oci_config *cfg, const char *key)
{
	for (size_t i = 0; i < cfg->n_annotations; i++)
		if (strcmp(cfg->annotations[i].key, key) == 0)
			return cfg->annotations[i].value;
	return NULL;
}

int idmount_rootfs_mode(const struct oci_config *cfg, enum idmount_mode *mode, struct cell_err *e)
{
	const char *v = annotation(cfg, IDMOUNT_ROOTFS_ANNOTATION);

	*mode = IDMOUNT_AUTO;
	if (v == NULL || strcmp(v, "auto") == 0)
		return 0;
	if (strcmp(v, "on") == 0 || strcmp(v, "true") == 0)
		*mode = IDMOUNT_ON;
	else if (strcmp(v, "off") == 0 || strcmp(v, "false") == 0)
		*mode = IDMOUNT_OFF;
	else
		return cell_err_set(e, EINVAL,
				    "config.json: annotations[" IDMOUNT_ROOTFS_ANNOTATION
				    "]: `%s`: expected auto, on or off", v);
	return 0;
}

bool idmount_rootfs_auto(uid_t owner, const struct idmap_maps *maps, bool privileged)
{
	uint32_t root;

	if (!privileged || maps->n_uid == 0 || maps->n_gid == 0)
		return false;
	if (!idmap_to_host(maps->uid, maps->n_uid, 0, &root))
		return false;
	return owner != root;
}

void idmount_plan_free(struct idmount_plan *p)
{
	free(p->on);
	*p = (struct idmount_plan){ 0 };
}

static int check_mount(const struct oci_mount *m, size_t i, bool userns, struct cell_err *e)
{
	if (!m->idmap)
		return 0;
	if (!m->is_bind)
		return cell_err_set(e, EINVAL,
				    "config.json: mounts[%zu]: idmapped mounts must be bind mounts", i);
	if (!userns)
		return cell_err_set(e, EINVAL,
				    "config.json: mounts[%zu]: an idmapped mount needs a user namespace (linux.namespaces)",
				    i);
	return 0;
}

int idmount_plan(const struct oci_config *cfg, const char *rootfs, bool userns,
		 const struct idmap_maps *maps, struct idmount_plan *p, struct cell_err *e)
{
	enum idmount_mode mode;
	struct stat st;
	bool root;

	*p = (struct idmount_plan){ .n_slots = 1 + cfg->n_mounts };
	if (idmount_rootfs_mode(cfg, &mode, e) < 0)
		return -1;
	for (size_t i = 0; i < cfg->n_mounts; i++)
		if (check_mount(&cfg->mounts[i], i, userns, e) < 0)
			return -1;
	if (mode == IDMOUNT_ON && !userns)
		return cell_err_set(e, EINVAL,
				    "config.json: annotations[" IDMOUNT_ROOTFS_ANNOTATION
				    "]: an idmapped rootfs needs a user namespace (linux.namespaces)");
	root = mode == IDMOUNT_ON;
	if (mode == IDMOUNT_AUTO && userns) {
		if (stat(rootfs, &st) < 0)
			return cell_err_sys(e, "stat `%s`", rootfs);
		root = idmount_rootfs_auto(st.st_uid, maps, geteuid() == 0);
	}
	p->n = root;
	for (size_t i = 0; i < cfg->n_mounts; i++)
		p->n += cfg->mounts[i].idmap;
	if (p->n == 0)
		return 0;
	p->on = calloc(p->n_slots, sizeof *p->on);
	if (p->on == NULL)
		return cell_err_errno(e, ENOMEM, "idmapped mounts");
	p->on[0] = root;
	for (size_t i = 0; i < cfg->n_mounts; i++)
		p->on[1 + i] = cfg->mounts[i].idmap;
	return 0;
}

/* The helper that holds a new user namespace while its maps are written
 * and its ns fd opened; it waits on a pipe and exits when that closes. */
static int userns_child(int rd)
{
	char c;

	while (read(rd, &c, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

static void reap(pid_t pid)
{
	while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
		;
}

/* /proc/PID/ns/user of our own child (unreaped: no pid reuse), with /proc
 * checked to be procfs. */
static int open_userns(pid_t pid, struct cell_err *e)
{
	char path[48];
	struct statfs sf;
	_cleanup_close_ int fd = -1;

	snprintf(path, sizeof path, "/proc/%d/ns/user", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cell_err_sys(e, "open `%s`", path);
	/* nsfs files live on nsfs; the directory above must be procfs. */
	snprintf(path, sizeof path, "/proc/%d/ns", (int)pid);
	if (statfs(path, &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC)
		return cell_err_set(e, EXDEV, "`%s` is not on procfs", path);
	return take_fd(&fd);
}

int idmount_userns(const struct idmap_maps *maps, struct cell_err *e)
{
	struct clone_args ca = { .flags = CLONE_NEWUSER, .exit_signal = SIGCHLD };
	int pfd[2], fd = -1;
	long pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return cell_err_sys(e, "pipe");
	pid = sys_clone3(&ca);
	if (pid == 0) {
		close(pfd[1]);
		userns_child(pfd[0]);
	}
	close(pfd[0]);
	if (pid < 0) {
		close(pfd[1]);
		return cell_err_sys(e, "clone3 a user namespace for an idmapped mount");
	}
	if (idmap_write((pid_t)pid, maps, e) == 0)
		fd = open_userns((pid_t)pid, e);
	close(pfd[1]);
	reap((pid_t)pid);
	return fd;
}

static bool same_map(const struct oci_idmap *a, size_t na, const struct oci_idmap *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (a[i].container_id != b[i].container_id || a[i].host_id != b[i].host_id ||
		    a[i].size != b[i].size)
			return false;
	return true;
}

static const char *fs_name(long type)
{
	static const struct {
		long magic;
		const char *name;
	} t[] = {
		{ 0x858458f6, "ramfs" }, { 0x01021994, "tmpfs" }, { 0x9fa0, "proc" },
		{ 0x62656572, "sysfs" }, { 0x6969, "nfs" }, { 0x01021997, "9p" },
		{ 0x65735546, "fuse" }, { 0x794c7630, "overlay" }, { 0xef53, "ext4" },
		{ 0x58465342, "xfs" }, { 0x9123683e, "btrfs" }, { 0x73717368, "squashfs" },
		{ 0x63677270, "cgroup2" }, { 0x27e0eb, "cgroup" }, { 0x4d44, "vfat" },
		{ 0xe0f5e1e2, "erofs" }, { 0x1cd1, "devpts" }, { 0x19800202, "mqueue" },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (t[i].magic == type)
			return t[i].name;
	return NULL;
}

int idmount_unsupported(struct cell_err *e, int err, const char *what, const char *src,
			const char *fstype, const struct idmap_maps *maps)
{
	const char *fs = fstype != NULL ? fstype : "its filesystem";

	if (err == ENOSYS)
		fs = "this kernel (idmapped mounts need Linux 5.12)";
	if (strcmp(what, "root.path") == 0)
		return cell_err_errno(e, err,
				      "root.path: `%s` cannot be mounted idmapped on %s; shift its owners once with "
				      "`cell chown-rootfs BUNDLE` (to the container's maps), then it runs without idmapping",
				      src, fs);
	if (maps->n_uid == 1 && maps->n_gid == 1 && maps->uid[0].container_id == 0 &&
	    same_map(maps->uid, 1, maps->gid, 1))
		return cell_err_errno(e, err,
				      "%s: `%s` cannot be mounted idmapped on %s; drop the idmap and shift the owners "
				      "of the source once with `cell chown-rootfs %s --map-from %u --map-size %u`",
				      what, src, fs, src, maps->uid[0].host_id, maps->uid[0].size);
	return cell_err_errno(e, err,
			      "%s: `%s` cannot be mounted idmapped on %s; drop the idmap and shift the owners "
			      "of the source once with `cell chown-rootfs`",
			      what, src, fs);
}

/* " --map-from N --map-size M" for a single range the same for uids and
 * gids (what `cell chown-rootfs DIR` takes), else "". */
static const char *map_args(char *buf, size_t n, const struct idmap_maps *maps)
{
	buf[0] = '\0';
	if (maps->n_uid == 1 && maps->n_gid == 1 && maps->uid[0].container_id == 0 &&
	    same_map(maps->uid, 1, maps->gid, 1))
		snprintf(buf, n, " --map-from %u --map-size %u", maps->uid[0].host_id,
			 maps->uid[0].size);
	return buf;
}

int idmount_unsupported_below(struct cell_err *e, const struct idmount_culprit *c,
			      const char *what, const char *src, const struct idmap_maps *maps)
{
	char m[64];

	/* chown-rootfs stays on one filesystem: the mount below needs its
	 * own run, with the DIR form. */
	map_args(m, sizeof m, maps);
	if (strcmp(what, "root.path") == 0)
		return cell_err_errno(e, c->err,
				      "root.path: `%s`, a mount below the rootfs, cannot be mounted idmapped on %s; "
				      "unmount it, or shift the owners once with `cell chown-rootfs BUNDLE` and "
				      "`cell chown-rootfs %s%s`, then it runs without idmapping",
				      c->mnt, c->fstype, c->mnt, m[0] != '\0' ? m : " --map-from N --map-size M");
	return cell_err_errno(e, c->err,
			      "%s: `%s`, a mount below `%s`, cannot be mounted idmapped on %s; unmount it, or "
			      "drop the ridmap and shift the owners once with `cell chown-rootfs DIR%s` for "
			      "`%s` and for it",
			      what, c->mnt, src, c->fstype, m[0] != '\0' ? m : " --map-from N --map-size M",
			      src);
}

/* One detached idmapped tree of src. Recursive clone for rbind and the
 * rootfs; the idmap covers every mount of the tree for the rootfs and
 * ridmap (runc's and the OCI spec's reading: `idmap` maps the top mount
 * of an rbind only). */
static int make_tree(const char *what, const char *src, bool rec, bool rec_idmap, int nsfd,
		     const struct idmap_maps *maps, struct cell_err *e)
{
	struct mount_attr a = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)nsfd };
	_cleanup_close_ int tree = -1;
	struct statfs sf;
	int r;

	tree = sys_open_tree(AT_FDCWD, src,
			     OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (rec ? AT_RECURSIVE : 0));
	if (tree < 0) {
		if (errno == ENOSYS)
			return idmount_unsupported(e, ENOSYS, what, src, NULL, maps);
		return cell_err_sys(e, "%s: open_tree `%s`", what, src);
	}
	if (idmount_force_errno != 0) {
		errno = idmount_force_errno;
		r = -1;
	} else {
		r = sys_mount_setattr(tree, "", AT_EMPTY_PATH | (rec_idmap ? AT_RECURSIVE : 0), &a);
	}
	if (r < 0) {
		int err = errno;
		struct idmount_culprit c;

		/* The kernel refuses the whole tree: name the mount it balked at. */
		if (rec && rec_idmap && err != ENOSYS && idmount_force_errno == 0 &&
		    idmount_find_unmappable(src, nsfd, &c) && c.below)
			return idmount_unsupported_below(e, &c, what, src, maps);
		if (err == EINVAL || err == EOPNOTSUPP || err == ENOSYS)
			return idmount_unsupported(e, err, what, src,
						   fstatfs(tree, &sf) == 0 ? fs_name((long)sf.f_type) : NULL,
						   maps);
		return cell_err_errno(e, err, "%s: idmap `%s` (mount_setattr)", what, src);
	}
	return take_fd(&tree);
}

static char *mount_source(const struct oci_mount *m, const char *bundle)
{
	char *s = NULL;

	if (m->source == NULL || m->source[0] == '\0')
		return NULL;
	if (m->source[0] == '/' || bundle == NULL)
		return strdup(m->source);
	if (asprintf(&s, "%s/%s", bundle, m->source) < 0)
		return NULL;
	return s;
}

static int make_mount(const struct oci_mount *m, size_t i, const char *bundle, int cns,
		      const struct idmap_maps *cmaps, struct cell_err *e)
{
	struct idmap_maps own = { m->uid_mappings, m->n_uid_mappings, m->gid_mappings,
				  m->n_gid_mappings };
	const struct idmap_maps *maps = cmaps;
	_cleanup_free_ char *src = mount_source(m, bundle);
	_cleanup_close_ int helper = -1;
	char what[32];
	int nsfd = cns;

	snprintf(what, sizeof what, "mounts[%zu]", i);
	if (src == NULL)
		return cell_err_set(e, EINVAL, "config.json: %s.source: required for a bind mount", what);
	/* Own maps differing from the container's need a namespace of their own. */
	if (own.n_uid > 0 && !(same_map(own.uid, own.n_uid, cmaps->uid, cmaps->n_uid) &&
			       same_map(own.gid, own.n_gid, cmaps->gid, cmaps->n_gid))) {
		helper = idmount_userns(&own, e);
		if (helper < 0)
			return cell_err_wrap(e, "%s", what);
		nsfd = helper;
		maps = &own;
	}
	return make_tree(what, src, (m->flags & MS_REC) != 0, m->idmap_recursive, nsfd, maps, e);
}

int idmount_make(const struct idmount_plan *p, const struct oci_config *cfg, const char *bundle,
		 const char *rootfs, const struct idmap_maps *cmaps, pid_t pid, int *fds,
		 struct cell_err *e)
{
	_cleanup_close_ int cns = -1;
	size_t k;

	for (k = 0; k < p->n_slots; k++)
		fds[k] = -1;
	if (p->n == 0)
		return 0;
	cns = open_userns(pid, e);
	if (cns < 0)
		return cell_err_wrap(e, "idmapped mounts");
	for (k = 0; k < p->n_slots; k++) {
		if (!p->on[k])
			continue;
		if (k == 0)
			/* Submounts of the rootfs (an image tool's binds or
			 * tmpfs below it) show mapped like the rest. */
			fds[k] = make_tree("root.path", rootfs, true, true, cns, cmaps, e);
		else
			fds[k] = make_mount(&cfg->mounts[k - 1], k - 1, bundle, cns, cmaps, e);
		if (fds[k] < 0)
			goto fail;
	}
	return 0;
fail:
	/* A detached tree goes away with its last fd. */
	for (k = 0; k < p->n_slots; k++) {
		if (fds[k] >= 0)
			close(fds[k]);
		fds[k] = -1;
	}
	return -1;
}
