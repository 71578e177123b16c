/* Declarations shared between the files of rootfs/ only. Nothing outside
 * rootfs/ includes this header (tests may, for the fallback switches). */
#ifndef CELL_ROOTFS_INTERNAL_H
#define CELL_ROOTFS_INTERNAL_H

#include <stdbool.h>
#include <sys/types.h>

#include "../lsm/lsm.h"
#include "rootfs.h"

/* Mount data with linux.mountLabel added (lsm_mount_data): a page. */
#define ROOTFS_DATA_MAX 4096

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef ST_NOSYMFOLLOW
#define ST_NOSYMFOLLOW 0x2000
#endif

/* The per-mount flags a bind mount can change (everything else in MS_* is
 * either a superblock flag or an operation). */
#define ROOTFS_MNT_FLAGS                                                                   \
	(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME |       \
	 MS_RELATIME | MS_STRICTATIME | MS_NOSYMFOLLOW)

/* path.c */

/* "/proc/self/fd/N": the mount target (or source) naming an fd we hold. */
struct rootfs_fdpath {
	char s[32];
};
const char *rootfs_fdpath(struct rootfs_fdpath *b, int fd);

/* Resolution options on top of RESOLVE_IN_ROOT. */
#define ROOTFS_NO_SYMLINKS 1u /* refuse any symlink on the way (proc, sysfs targets) */

/* rootfs_open_in / rootfs_mkpath_in with resolution options. */
int rootfs_resolve(int rootfd, const char *path, int flags, mode_t mode, unsigned int opts,
		   struct cell_err *e);
int rootfs_mkpath(int rootfd, const char *path, bool file, unsigned int opts, struct cell_err *e);

/* Same path after dropping repeated slashes, "." components and a trailing
 * slash ("//dev/./pts/" equals "/dev/pts"). ".." is compared literally. */
bool rootfs_path_eq(const char *a, const char *b);

/* Test switches: pretend the kernel lacks openat2 / the new mount API so
 * the fallbacks can be exercised on a recent kernel. */
void rootfs_set_fallbacks(bool no_openat2, bool no_mount_api);
extern bool rootfs_no_openat2;
extern bool rootfs_no_mount_api;

/* bind.c (new mount API) and bind_legacy.c (mount(2) only). */
struct rootfs_bind {
	const char *src;           /* host path of the source, or NULL: use srcfd */
	int srcfd;                 /* source fd when src is NULL */
	int target;                /* O_PATH fd of the mount point */
	const char *dest;          /* container path of the target (errors, re-open) */
	int rootfd;                /* to re-open dest after mounting (legacy) */
	bool rec;                  /* rbind */
	bool attr_rec;             /* apply set/clear to the whole tree (new API) */
	unsigned long set;         /* MS_* per-mount flags to set */
	unsigned long clear;       /* MS_* per-mount flags to clear */
	unsigned long propagation; /* MS_PRIVATE|... (|MS_REC), 0 for none */
};

/* Bind b->src (or srcfd) onto b->target, then apply flags and propagation.
 * Flags not in set/clear are kept as the source mount has them, so flags
 * the kernel locked in a user namespace are never cleared by accident.
 * With mntfd, returns an fd of the new mount's root there (else closes). */
int rootfs_bind(const struct rootfs_bind *b, int *mntfd, struct cell_err *e);
int rootfs_bind_legacy(const struct rootfs_bind *b, int *mntfd, struct cell_err *e);

/* Change the per-mount flags of the mount whose root is mntfd (and of
 * every mount below it with rec). */
int rootfs_setattr(int mntfd, const char *what, unsigned long set, unsigned long clear,
		   bool rec, struct cell_err *e);
int rootfs_remount_legacy(int mntfd, const char *what, unsigned long set, unsigned long clear,
			  bool rec, struct cell_err *e);

/* idmount.c: the idmapped trees made by the parent. Slot 0 is the rootfs,
 * 1+i is mounts[i]; -1 when not idmapped. */
int rootfs_idmount_fd(const struct rootfs_ctx *r, size_t slot);
int rootfs_attach_root(struct rootfs_ctx *r, int tree, struct cell_err *e);
int rootfs_attach_bind(const struct rootfs_bind *b, int tree, struct cell_err *e);

/* dev.c: default devices, links, devpts, shm, linux.devices. */
int rootfs_setup_dev(struct rootfs_ctx *r, struct cell_err *e);

/* copy.c: copy the contents of directory src into directory dst (both
 * readable fds), keeping modes and owners ("tmpcopyup"). */
int rootfs_copy_tree(int src, int dst, const char *what, struct cell_err *e);

/* Whether a config mount has `dest` as its destination. */
bool rootfs_has_mount(const struct oci_config *cfg, const char *dest, bool bind_only);

/* Bind a host tree (/sys, /sys/fs/cgroup) onto fd with mounts[i]'s flags
 * (plus extra) on every mount of the tree. */
int rootfs_bind_host_tree(struct rootfs_ctx *r, size_t i, const char *src, int fd,
			  unsigned long extra, struct cell_err *e);

/* mounts[i] of type "cgroup" onto fd (cgroupfs.c). */
int rootfs_mount_cgroup(struct rootfs_ctx *r, size_t i, int fd, struct cell_err *e);

#endif
