/* Root filesystem set-up, run by the container's init process inside its
 * new mount namespace (see ns/start.c for where each call sits). The rootfs
 * is treated as hostile: every path under it is resolved by fd without
 * following symlinks out of it. */
#ifndef CELL_ROOTFS_H
#define CELL_ROOTFS_H

#include <stdbool.h>
#include <sys/types.h>

#include "../oci/config.h"
#include "../util/err.h"

struct cgroup;

struct rootfs_ctx {
	const struct oci_config *cfg;
	const char *rootfs; /* absolute host path of the root filesystem */
	const char *bundle; /* absolute bundle directory (relative mount sources) */
	bool userns;        /* running in a new user namespace: no mknod, locked mount flags */
	bool netns;         /* has its own network namespace (sysfs mountable) */
	bool cgroupns;      /* has its own cgroup namespace */
	bool no_pivot;      /* --no-pivot: MS_MOVE + chroot instead of pivot_root */
	int rootfd;         /* O_PATH|O_DIRECTORY fd of the bound rootfs; set by rootfs_prepare */
	const struct cgroup *cg; /* the container's cgroups, or NULL */
	const int *idmount_fds;  /* detached idmapped trees: [0] rootfs, [1+i] mounts[i]; or NULL */
	const char *mount_label; /* linux.mountLabel when SELinux is on (lsm/), or NULL */
};

/* Before pivot_root: make / private (or linux.rootfsPropagation), bind the
 * rootfs onto itself, apply config mounts in order, set up /dev (default
 * devices, links, devpts, shm) and linux.devices. */
int rootfs_prepare(struct rootfs_ctx *r, struct cell_err *e);

/* pivot_root into the rootfs and detach the old root (or, with no_pivot,
 * move the rootfs onto / and chroot). Afterwards cwd is the new "/". */
int rootfs_pivot(struct rootfs_ctx *r, struct cell_err *e);

/* After pivot_root: readonly paths, masked paths, read-only root, and the
 * final propagation of "/". Masked paths (and, on kernels without the new
 * mount API, read-only paths) are mounted through "/proc/self/fd/N", so
 * they need the container's /proc to be mounted by then. */
int rootfs_finalize(struct rootfs_ctx *r, struct cell_err *e);

void rootfs_ctx_close(struct rootfs_ctx *r);

/* Open `path` (absolute or relative, inside the rootfs) relative to the
 * root dirfd, resolving every symlink as if rootfd were "/"
 * (openat2 RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS, or a component-wise
 * O_NOFOLLOW walk on older kernels). Returns the fd or -1 with e set. */
int rootfs_open_in(int rootfd, const char *path, int flags, mode_t mode, struct cell_err *e);

/* Like rootfs_open_in, creating missing directories (mode 0755) on the way;
 * the last component is created as a directory, or as an empty regular file
 * when `file` is true. Returns an O_PATH fd of the target. */
int rootfs_mkpath_in(int rootfd, const char *path, bool file, struct cell_err *e);

#endif
