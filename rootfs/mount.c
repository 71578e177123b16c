/* rootfs_prepare: the host side of the root filesystem, before pivot_root.
 * Every mount target is opened inside the rootfs (path.c) and mounted onto
 * "/proc/self/fd/N", so a symlink in the image cannot send a mount to the
 * host. Sources are host paths from the config (trusted). */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "../util/cleanup.h"

bool rootfs_has_mount(const struct oci_config *cfg, const char *dest, bool bind_only)
{
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const struct oci_mount *m = &cfg->mounts[i];

		if (m->destination != NULL && (!bind_only || m->is_bind) &&
		    rootfs_path_eq(m->destination, dest))
			return true;
	}
	return false;
}

static bool streq(const char *a, const char *b)
{
	return a != NULL && strcmp(a, b) == 0;
}

/* Per-mount flags to set on a bind: the decoded options plus nosymfollow. */
static unsigned long bind_set_flags(const struct oci_mount *m)
{
	return (m->flags & ROOTFS_MNT_FLAGS) | (m->nosymfollow ? MS_NOSYMFOLLOW : 0);
}

/* Bind a host tree (/sys, /sys/fs/cgroup) onto fd with the mount's flags
 * applied to every mount of the tree, so no writable submount of the host
 * shows through. */
int rootfs_bind_host_tree(struct rootfs_ctx *r, size_t i, const char *src, int fd,
			  unsigned long extra, struct cell_err *e)
{
	const struct oci_mount *m = &r->cfg->mounts[i];
	struct rootfs_bind b = {
		.src = src, .target = fd, .dest = m->destination, .rootfd = r->rootfd,
		.rec = true, .attr_rec = true, .set = bind_set_flags(m) | extra,
		.propagation = m->propagation,
	};

	if (rootfs_bind(&b, NULL, e) < 0)
		return cell_err_wrap(e, "mounts[%zu]", i);
	return 0;
}

static int mount_bind(struct rootfs_ctx *r, size_t i, struct cell_err *e)
{
	const struct oci_mount *m = &r->cfg->mounts[i];
	_cleanup_free_ char *src = NULL;
	_cleanup_close_ int fd = -1;
	struct rootfs_bind b;
	struct stat st;

	if (m->source == NULL || m->source[0] == '\0')
		return cell_err_set(e, 0, "mounts[%zu].source: required for a bind mount", i);
	if (m->source[0] == '/')
		src = strdup(m->source);
	else if (r->bundle == NULL)
		return cell_err_set(e, 0, "mounts[%zu].source: `%s` is relative and there is no bundle",
				    i, m->source);
	else if (asprintf(&src, "%s/%s", r->bundle, m->source) < 0)
		src = NULL;
	if (src == NULL)
		return cell_err_sys(e, "mounts[%zu]", i);
	/* The destination usually exists; only a missing one needs to know
	 * whether the source is a directory. */
	fd = rootfs_resolve(r->rootfd, m->destination, O_PATH, 0, 0, e);
	if (fd < 0) {
		if (errno != ENOENT)
			return cell_err_wrap(e, "mounts[%zu].destination", i);
		if (stat(src, &st) < 0)
			return cell_err_sys(e, "mounts[%zu].source: stat `%s`", i, src);
		fd = rootfs_mkpath(r->rootfd, m->destination, !S_ISDIR(st.st_mode), 0, e);
		if (fd < 0)
			return cell_err_wrap(e, "mounts[%zu].destination", i);
	}
	b = (struct rootfs_bind){
		.src = src, .target = fd, .dest = m->destination, .rootfd = r->rootfd,
		.rec = (m->flags & MS_REC) != 0, .set = bind_set_flags(m),
		.clear = m->clear_flags & ROOTFS_MNT_FLAGS, .propagation = m->propagation,
	};
	/* "rw", "suid", "dev", "exec" alone do not force a remount (docker
	 * passes "rw" on every bind): a read-only source stays read-only, as
	 * with runc. In a user namespace every flag inherited from the host
	 * is locked, so clearing one can only fail. */
	if (b.set == 0 || r->userns)
		b.clear = 0;
	if (rootfs_idmount_fd(r, 1 + i) >= 0) {
		if (rootfs_attach_bind(&b, rootfs_idmount_fd(r, 1 + i), e) < 0)
			return cell_err_wrap(e, "mounts[%zu]", i);
		return 0;
	}
	if (rootfs_bind(&b, NULL, e) < 0)
		return cell_err_wrap(e, "mounts[%zu]", i);
	return 0;
}

/* A new filesystem (proc, tmpfs, devpts, mqueue, sysfs, cgroup2...) on fd. */
static int mount_new(struct rootfs_ctx *r, size_t i, const char *type, int fd, unsigned int opts,
		     struct cell_err *e)
{
	const struct oci_mount *m = &r->cfg->mounts[i];
	const char *src = m->source != NULL ? m->source : type;
	unsigned long flags = m->flags & ~(MS_BIND | MS_REC);
	enum lsm_mount_how how = r->mount_label != NULL ? lsm_mount_how(type) : LSM_MOUNT_NONE;
	_cleanup_close_ int old = -1, mfd = -1;
	struct rootfs_fdpath fp;
	const char *data = m->data;
	char buf[ROOTFS_DATA_MAX];

	if (m->tmpcopyup) {
		if (strcmp(type, "tmpfs") != 0)
			return cell_err_set(e, 0, "mounts[%zu]: tmpcopyup needs a tmpfs", i);
		/* Keep the directory the tmpfs is going to cover, to copy from. */
		old = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (old < 0)
			return cell_err_sys(e, "mounts[%zu]: open `%s`", i, m->destination);
	}
	if (m->nosymfollow)
		flags |= MS_NOSYMFOLLOW;
	if (how == LSM_MOUNT_CONTEXT &&
	    lsm_mount_data(r->mount_label, m->data, buf, sizeof buf, &data, e) < 0)
		return cell_err_wrap(e, "mounts[%zu]", i);
	if (mount(src, rootfs_fdpath(&fp, fd), type, flags, data) < 0)
		return cell_err_sys(e, "mounts[%zu]: mount `%s` on `%s`", i, src, m->destination);
	if (old < 0 && m->propagation == 0 && how != LSM_MOUNT_XATTR)
		return 0;
	/* fd names the covered directory: look the path up again for the mount. */
	mfd = rootfs_resolve(r->rootfd, m->destination, old >= 0 ? O_RDONLY | O_DIRECTORY : O_PATH,
			     0, opts, e);
	if (mfd < 0)
		return cell_err_wrap(e, "mounts[%zu]", i);
	if (old >= 0 && rootfs_copy_tree(old, mfd, m->destination, e) < 0)
		return cell_err_wrap(e, "mounts[%zu]: tmpcopyup", i);
	if (how == LSM_MOUNT_XATTR &&
	    lsm_label_path(r->mount_label, rootfs_fdpath(&fp, mfd), m->destination, e) < 0)
		return cell_err_wrap(e, "mounts[%zu]", i);
	if (m->propagation != 0 &&
	    mount(NULL, rootfs_fdpath(&fp, mfd), NULL, m->propagation, NULL) < 0)
		return cell_err_sys(e, "mounts[%zu]: set propagation of `%s`", i, m->destination);
	return 0;
}

static int mount_one(struct rootfs_ctx *r, size_t i, struct cell_err *e)
{
	const struct oci_mount *m = &r->cfg->mounts[i];
	const char *type = m->type;
	bool sysfs = streq(type, "sysfs");
	unsigned int opts = 0;
	_cleanup_close_ int fd = -1;

	if (m->destination == NULL || m->destination[0] == '\0')
		return cell_err_set(e, 0, "mounts[%zu].destination: required", i);
	if (rootfs_path_eq(m->destination, "/"))
		return cell_err_set(e, 0, "mounts[%zu].destination: cannot mount over `/`", i);
	if (m->idmap && rootfs_idmount_fd(r, 1 + i) < 0)
		return cell_err_set(e, 0, "mounts[%zu]: idmapped mount was not made", i);
	if (m->is_bind)
		return mount_bind(r, i, e);
	if (type == NULL || type[0] == '\0')
		return cell_err_set(e, 0, "mounts[%zu].type: required when not a bind mount", i);
	/* proc and sysfs over a symlink were container escapes (CVE-2019-19921):
	 * their destination must be a plain path. */
	if (sysfs || streq(type, "proc"))
		opts = ROOTFS_NO_SYMLINKS;
	fd = rootfs_mkpath(r->rootfd, m->destination, false, opts, e);
	if (fd < 0) {
		if (errno == ELOOP && opts != 0)
			return cell_err_set(e, 0,
					    "mounts[%zu].destination: `%s` must not be or cross a symlink for %s",
					    i, m->destination, type);
		return cell_err_wrap(e, "mounts[%zu].destination", i);
	}
	if (strcmp(type, "cgroup") == 0)
		return rootfs_mount_cgroup(r, i, fd, e);
	/* Without its own network namespace a sysfs would show the host's
	 * network devices, and in a user namespace the kernel refuses to mount
	 * one at all: bind the host's /sys instead (runc does the same). */
	if (sysfs && !r->netns)
		return rootfs_bind_host_tree(r, i, "/sys", fd, 0, e);
	if (mount_new(r, i, type, fd, opts, e) == 0)
		return 0;
	if (sysfs && r->userns && e->errnum == EPERM)
		return rootfs_bind_host_tree(r, i, "/sys", fd, 0, e);
	return -1;
}

int rootfs_prepare(struct rootfs_ctx *r, struct cell_err *e)
{
	const struct oci_config *cfg = r->cfg;
	unsigned long prop = cfg->linux_.rootfs_propagation;

	r->rootfd = -1;
	/* Nothing mounted below may reach the host. For rootfsPropagation
	 * shared/slave the tree stays a slave (it still receives the host's
	 * mounts); rootfs_finalize applies the final type to "/". */
	prop = (prop & (MS_SHARED | MS_SLAVE)) ? MS_REC | MS_SLAVE : MS_REC | MS_PRIVATE;
	if (mount(NULL, "/", NULL, prop, NULL) < 0)
		return cell_err_sys(e, "make `/` %s", prop & MS_SLAVE ? "rslave" : "rprivate");
	/* pivot_root wants the new root to be a mount point. */
	if (rootfs_idmount_fd(r, 0) >= 0) {
		if (rootfs_attach_root(r, rootfs_idmount_fd(r, 0), e) < 0)
			return -1;
	} else if (mount(r->rootfs, r->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return cell_err_sys(e, "bind `%s` on itself", r->rootfs);
	/* openat, not open: musl's open adds an fcntl for O_CLOEXEC. */
	r->rootfd = openat(AT_FDCWD, r->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (r->rootfd < 0)
		return cell_err_sys(e, "open `%s`", r->rootfs);
	for (size_t i = 0; i < cfg->n_mounts; i++)
		if (mount_one(r, i, e) < 0)
			return -1;
	return rootfs_setup_dev(r, e);
}
