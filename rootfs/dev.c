/* /dev: the default device nodes, the standard links, devpts and shm when
 * the config does not mount them, then linux.devices.
 *
 * As real root the nodes are made with mknod. A user namespace may not
 * create device nodes (EPERM), so there the host's node of the same path
 * is bind-mounted onto an empty file instead. Everything is done relative
 * to fds opened inside the rootfs. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../util/cleanup.h"

static const struct {
	const char *name;
	const char *path;
	unsigned int major, minor;
} default_devices[] = {
	{ "null", "/dev/null", 1, 3 },       { "zero", "/dev/zero", 1, 5 },
	{ "full", "/dev/full", 1, 7 },       { "random", "/dev/random", 1, 8 },
	{ "urandom", "/dev/urandom", 1, 9 }, { "tty", "/dev/tty", 5, 0 },
};

static const struct {
	const char *target;
	const char *name;
} default_links[] = {
	{ "/proc/self/fd", "fd" },     { "/proc/self/fd/0", "stdin" },
	{ "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" },
	{ "pts/ptmx", "ptmx" },        { "/proc/kcore", "core" },
};

/* mknod, replacing whatever the image left there (a file, or a symlink
 * pointing at a host path). */
static int make_node(int dirfd, const char *name, const char *what, mode_t mode, dev_t rdev,
		     struct cell_err *e)
{
	if (mknodat(dirfd, name, mode, rdev) == 0)
		return 0;
	if (errno != EEXIST || unlinkat(dirfd, name, 0) < 0 || mknodat(dirfd, name, mode, rdev) < 0)
		return cell_err_sys(e, "mknod `%s`", what);
	return 0;
}

/* User namespace: bind the host's node `host` onto an empty file. */
static int bind_node(int dirfd, const char *name, const char *host, const char *what, dev_t rdev,
		     struct cell_err *e)
{
	_cleanup_close_ int fd = -1;
	struct rootfs_fdpath fp;
	bool existed = false;
	struct stat st;

	if (mknodat(dirfd, name, S_IFREG | 0644, 0) < 0) {
		if (errno != EEXIST)
			return cell_err_sys(e, "create `%s`", what);
		existed = true;
	}
	fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cell_err_sys(e, "open `%s`", what);
	if (existed) {
		if (fstat(fd, &st) < 0)
			return cell_err_sys(e, "stat `%s`", what);
		/* Already that node (e.g. bound as a default device). */
		if ((S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) && st.st_rdev == rdev)
			return 0;
		if (!S_ISREG(st.st_mode)) {
			close(take_fd(&fd));
			if (unlinkat(dirfd, name, 0) < 0 ||
			    mknodat(dirfd, name, S_IFREG | 0644, 0) < 0)
				return cell_err_sys(e, "create `%s`", what);
			fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0)
				return cell_err_sys(e, "open `%s`", what);
		}
	}
	if (mount(host, rootfs_fdpath(&fp, fd), NULL, MS_BIND, NULL) < 0)
		return cell_err_sys(e,
				    "bind `%s` from the host onto `%s` (a user namespace cannot mknod)",
				    host, what);
	return 0;
}

static bool listed_device(const struct oci_config *cfg, const char *path)
{
	for (size_t i = 0; i < cfg->linux_.n_devices; i++)
		if (cfg->linux_.devices[i].path != NULL &&
		    rootfs_path_eq(cfg->linux_.devices[i].path, path))
			return true;
	return false;
}

static int dev_defaults(struct rootfs_ctx *r, int devfd, struct cell_err *e)
{
	for (size_t i = 0; i < sizeof default_devices / sizeof default_devices[0]; i++) {
		const char *path = default_devices[i].path;
		dev_t rdev = makedev(default_devices[i].major, default_devices[i].minor);
		const char *name = default_devices[i].name;
		int ret;

		/* linux.devices and config mounts win over the defaults. */
		if (listed_device(r->cfg, path) || rootfs_has_mount(r->cfg, path, false))
			continue;
		if (r->userns)
			ret = bind_node(devfd, name, path, path, rdev, e);
		else
			ret = make_node(devfd, name, path, S_IFCHR | 0666, rdev, e);
		if (ret < 0)
			return -1;
	}
	for (size_t i = 0; i < sizeof default_links / sizeof default_links[0]; i++)
		if (symlinkat(default_links[i].target, devfd, default_links[i].name) < 0 &&
		    errno != EEXIST)
			return cell_err_sys(e, "symlink `/dev/%s` -> `%s`", default_links[i].name,
					    default_links[i].target);
	return 0;
}

/* devpts or shm in /dev when no config mount provides it. */
static int dev_fs(struct rootfs_ctx *r, int devfd, const char *name, const char *type,
		  unsigned long flags, const char *data, struct cell_err *e)
{
	_cleanup_close_ int fd = -1;
	struct rootfs_fdpath fp;
	char what[16] = "/dev/", buf[ROOTFS_DATA_MAX];

	strcat(what, name);
	if (rootfs_has_mount(r->cfg, what, false))
		return 0;
	if (mkdirat(devfd, name, 0755) < 0 && errno != EEXIST)
		return cell_err_sys(e, "mkdir `%s`", what);
	/* O_NOFOLLOW|O_DIRECTORY: a symlink there is refused (ENOTDIR). */
	fd = openat(devfd, name, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return cell_err_sys(e, "open `%s`", what);
	if (lsm_mount_data(r->mount_label, data, buf, sizeof buf, &data, e) < 0)
		return cell_err_wrap(e, "mount `%s` on `%s`", type, what);
	if (mount(type, rootfs_fdpath(&fp, fd), type, flags, data) < 0)
		return cell_err_sys(e, "mount `%s` on `%s`", type, what);
	return 0;
}

static int device_type(char t, mode_t *type)
{
	switch (t) {
	case 'c':
	case 'u':
		*type = S_IFCHR;
		return 0;
	case 'b':
		*type = S_IFBLK;
		return 0;
	case 'p':
		*type = S_IFIFO;
		return 0;
	default:
		return -1;
	}
}

static int dev_config_one(struct rootfs_ctx *r, int devfd, size_t i, struct cell_err *e)
{
	const struct oci_device *d = &r->cfg->linux_.devices[i];
	const char *slash = d->path != NULL ? strrchr(d->path, '/') : NULL;
	_cleanup_free_ char *parent = NULL;
	_cleanup_close_ int pfd = -1;
	const char *base;
	mode_t type;
	dev_t rdev;
	int dirfd;

	if (device_type(d->type, &type) < 0)
		return cell_err_set(e, 0, "linux.devices[%zu].type: must be c, b, u or p", i);
	base = slash != NULL ? slash + 1 : NULL;
	if (base == NULL || base[0] == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return cell_err_set(e, 0, "linux.devices[%zu].path: `%s` is not a file path", i,
				    d->path != NULL ? d->path : "");
	parent = strndup(d->path, (size_t)(slash - d->path));
	if (parent == NULL)
		return cell_err_sys(e, "linux.devices[%zu]", i);
	if (rootfs_path_eq(parent, "/dev")) {
		dirfd = devfd;
	} else {
		pfd = rootfs_mkpath(r->rootfd, parent[0] != '\0' ? parent : "/", false, 0, e);
		if (pfd < 0)
			return cell_err_wrap(e, "linux.devices[%zu].path", i);
		dirfd = pfd;
	}
	rdev = type == S_IFIFO ? 0 : makedev((unsigned int)d->major, (unsigned int)d->minor);
	if (r->userns && type != S_IFIFO) {
		/* The host must have the node at the same path. Its mode and
		 * owner are the host's: changing them through the bind would
		 * change the host's node. */
		if (bind_node(dirfd, base, d->path, d->path, rdev, e) < 0)
			return cell_err_wrap(e, "linux.devices[%zu].path", i);
		return 0;
	}
	if (make_node(dirfd, base, d->path, type | (d->has_file_mode ? d->file_mode & 07777 : 0666),
		      rdev, e) < 0)
		return cell_err_wrap(e, "linux.devices[%zu]", i);
	if ((d->has_uid || d->has_gid) &&
	    fchownat(dirfd, base, d->has_uid ? d->uid : (uid_t)-1, d->has_gid ? d->gid : (gid_t)-1,
		     AT_SYMLINK_NOFOLLOW) < 0)
		return cell_err_sys(e, "linux.devices[%zu]: chown `%s`", i, d->path);
	return 0;
}

int rootfs_setup_dev(struct rootfs_ctx *r, struct cell_err *e)
{
	const struct oci_config *cfg = r->cfg;
	_cleanup_close_ int devfd = -1;
	mode_t old;
	int ret = 0;

	/* A bind mount on /dev (the host's, for a privileged container)
	 * brings its own nodes; creating ours would write into its source. */
	if (rootfs_has_mount(cfg, "/dev", true))
		return 0;
	devfd = rootfs_mkpath(r->rootfd, "/dev", false, 0, e);
	if (devfd < 0)
		return -1;
	/* Modes are given exactly (0666 nodes, 1777 is set by mount data). */
	old = umask(0);
	if (dev_defaults(r, devfd, e) < 0 ||
	    dev_fs(r, devfd, "pts", "devpts", MS_NOSUID | MS_NOEXEC,
		   /* gid 5 (tty) may be unmapped in a user namespace */
		   r->userns ? "newinstance,ptmxmode=0666,mode=0620"
			     : "newinstance,ptmxmode=0666,mode=0620,gid=5",
		   e) < 0 ||
	    dev_fs(r, devfd, "shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		   "mode=1777,size=65536k", e) < 0)
		ret = -1;
	for (size_t i = 0; ret == 0 && i < cfg->linux_.n_devices; i++)
		ret = dev_config_one(r, devfd, i, e);
	umask(old);
	return ret;
}
