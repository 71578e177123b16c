/* rootfs_finalize: inside the new root. Read-only and masked paths, the
 * read-only root, and the final propagation of "/". */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../util/cleanup.h"

/* A recursive read-only bind of the path onto itself. Missing paths are
 * skipped: the lists are written for any kernel and image. */
static int readonly_path(struct rootfs_ctx *r, size_t i, struct cell_err *e)
{
	const char *path = r->cfg->linux_.readonly_paths[i];
	_cleanup_close_ int fd = rootfs_resolve(r->rootfd, path, O_PATH, 0, 0, e);
	struct rootfs_bind b = {
		.srcfd = fd, .target = fd, .dest = path, .rootfd = r->rootfd,
		.rec = true, .attr_rec = true, .set = MS_RDONLY,
	};

	if (fd < 0) {
		if (errno != ENOENT)
			return cell_err_wrap(e, "linux.readonlyPaths[%zu]", i);
		cell_err_clear(e);
		return 0;
	}
	if (rootfs_bind(&b, NULL, e) < 0)
		return cell_err_wrap(e, "linux.readonlyPaths[%zu]", i);
	return 0;
}

/* The container's /dev/null, checked to be the real null device: a
 * symlink or a bind of another file there would otherwise be mounted over
 * every masked file (CVE-2025-31133). */
static int open_null(struct rootfs_ctx *r, struct cell_err *e)
{
	_cleanup_close_ int fd = rootfs_resolve(r->rootfd, "/dev/null", O_PATH, 0, 0, e);
	struct stat st;

	if (fd < 0)
		return cell_err_wrap(e, "linux.maskedPaths");
	if (fstat(fd, &st) < 0)
		return cell_err_sys(e, "linux.maskedPaths: stat `/dev/null`");
	if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
		return cell_err_set(e, 0,
				    "linux.maskedPaths: `/dev/null` is not the null device (char 1:3), refusing to mask with it");
	return take_fd(&fd);
}

/* Files get /dev/null bound over them, directories an empty read-only
 * tmpfs. Binding first: most masked paths are files, and a file bound on
 * a directory fails with ENOTDIR without touching anything. */
static int masked_path(struct rootfs_ctx *r, size_t i, int *null, struct cell_err *e)
{
	const char *path = r->cfg->linux_.masked_paths[i];
	_cleanup_close_ int fd = rootfs_resolve(r->rootfd, path, O_PATH, 0, 0, e);
	struct rootfs_fdpath np, tp;
	char buf[ROOTFS_DATA_MAX];
	const char *data;

	if (fd < 0) {
		if (errno != ENOENT)
			return cell_err_wrap(e, "linux.maskedPaths[%zu]", i);
		cell_err_clear(e);
		return 0;
	}
	if (*null < 0 && (*null = open_null(r, e)) < 0)
		return -1;
	if (mount(rootfs_fdpath(&np, *null), rootfs_fdpath(&tp, fd), NULL, MS_BIND, NULL) == 0)
		return 0;
	/* Mounting by fd goes through the container's /proc now. */
	if (errno == ENOENT && access("/proc/self/fd", F_OK) < 0)
		return cell_err_set(e, 0, "linux.maskedPaths[%zu]: `%s`: needs /proc mounted in the container",
				    i, path);
	if (errno != ENOTDIR)
		return cell_err_sys(e, "linux.maskedPaths[%zu]: bind `/dev/null` on `%s`", i, path);
	if (lsm_mount_data(r->mount_label, NULL, buf, sizeof buf, &data, e) < 0)
		return cell_err_wrap(e, "linux.maskedPaths[%zu]", i);
	if (mount("tmpfs", tp.s, "tmpfs", MS_RDONLY, data) < 0)
		return cell_err_sys(e, "linux.maskedPaths[%zu]: mount `tmpfs` on `%s`", i, path);
	return 0;
}

int rootfs_finalize(struct rootfs_ctx *r, struct cell_err *e)
{
	const struct oci_linux *l = &r->cfg->linux_;
	_cleanup_close_ int null = -1;

	for (size_t i = 0; i < l->n_readonly_paths; i++)
		if (readonly_path(r, i, e) < 0)
			return -1;
	for (size_t i = 0; i < l->n_masked_paths; i++)
		if (masked_path(r, i, &null, e) < 0)
			return -1;
	/* Only "/" itself: volumes mounted below keep their own flags. */
	if (r->cfg->root_readonly && rootfs_setattr(r->rootfd, "/", MS_RDONLY, 0, false, e) < 0)
		return cell_err_wrap(e, "root.readonly");
	if (l->rootfs_propagation != 0 && mount(NULL, "/", NULL, l->rootfs_propagation, NULL) < 0)
		return cell_err_sys(e, "linux.rootfsPropagation: set propagation of `/`");
	return 0;
}
