/* Switching the process's root to the prepared rootfs. */
#include "internal.h"

#include <errno.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "../util/sys.h"

#ifndef RAMFS_MAGIC
#define RAMFS_MAGIC 0x858458f6
#endif
#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

/* --no-pivot: the old root stays reachable (a process with CAP_SYS_CHROOT
 * can escape a chroot), which is why it is only for initramfs hosts. */
static int move_root(struct rootfs_ctx *r, struct cell_err *e)
{
	if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
		return cell_err_sys(e, "move `%s` onto `/`", r->rootfs);
	if (chroot(".") < 0)
		return cell_err_sys(e, "chroot `%s`", r->rootfs);
	if (chdir("/") < 0)
		return cell_err_sys(e, "chdir `/`");
	return 0;
}

/* pivot_root(2) refuses a "/" that is the initial rootfs (initramfs): it
 * has no parent mount to hang the old root on. */
static bool root_is_initramfs(void)
{
	struct statfs sf;

	return statfs("/", &sf) == 0 && ((unsigned long)sf.f_type == RAMFS_MAGIC ||
					 (unsigned long)sf.f_type == TMPFS_MAGIC);
}

int rootfs_pivot(struct rootfs_ctx *r, struct cell_err *e)
{
	if (fchdir(r->rootfd) < 0)
		return cell_err_sys(e, "chdir `%s`", r->rootfs);
	if (r->no_pivot)
		return move_root(r, e);
	/* pivot_root(".", ".") stacks the old root on top of the new one; no
	 * directory inside the rootfs is needed to hold it. */
	if (sys_pivot_root(".", ".") < 0) {
		if (errno == EINVAL && root_is_initramfs())
			return cell_err_set(e, EINVAL,
					    "pivot_root `%s`: the host root is an initramfs, which cannot be pivoted away from: use --no-pivot",
					    r->rootfs);
		return cell_err_sys(e, "pivot_root `%s`", r->rootfs);
	}
	/* "/" was made rprivate/rslave by rootfs_prepare, so detaching the
	 * old root does not propagate anywhere. */
	if (umount2(".", MNT_DETACH) < 0)
		return cell_err_sys(e, "detach the old root");
	if (chdir("/") < 0)
		return cell_err_sys(e, "chdir `/`");
	return 0;
}

void rootfs_ctx_close(struct rootfs_ctx *r)
{
	if (r->rootfd >= 0)
		close(r->rootfd);
	r->rootfd = -1;
}
