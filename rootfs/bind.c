/* Bind mounts with the new mount API (Linux >= 5.12): clone the source
 * tree detached (open_tree), set its flags while nobody can see it
 * (mount_setattr), then attach it to the target fd (move_mount). Compared
 * with mount(2) this needs no re-lookup of the target to reach the new
 * mount, no statfs to carry over locked flags (mount_setattr only touches
 * what it is told to), and read-only can cover a whole tree in one call.
 * ENOSYS switches to bind_legacy.c for the rest of the process. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include "../util/cleanup.h"
#include "../util/sys.h"

static void attr_from_ms(unsigned long set, unsigned long clear, struct mount_attr *a)
{
	static const struct {
		unsigned long ms;
		uint64_t attr;
	} map[] = {
		{ MS_RDONLY, MOUNT_ATTR_RDONLY },
		{ MS_NOSUID, MOUNT_ATTR_NOSUID },
		{ MS_NODEV, MOUNT_ATTR_NODEV },
		{ MS_NOEXEC, MOUNT_ATTR_NOEXEC },
		{ MS_NODIRATIME, MOUNT_ATTR_NODIRATIME },
		{ MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW },
	};

	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
		if (set & map[i].ms)
			a->attr_set |= map[i].attr;
		else if (clear & map[i].ms)
			a->attr_clr |= map[i].attr;
	}
	/* The atime mode is one field: clear it whole, then set one value. */
	if (set & MS_NOATIME) {
		a->attr_clr |= MOUNT_ATTR__ATIME;
		a->attr_set |= MOUNT_ATTR_NOATIME;
	} else if (set & MS_STRICTATIME) {
		a->attr_clr |= MOUNT_ATTR__ATIME;
		a->attr_set |= MOUNT_ATTR_STRICTATIME;
	} else if (set & MS_RELATIME) {
		a->attr_clr |= MOUNT_ATTR__ATIME;
		a->attr_set |= MOUNT_ATTR_RELATIME;
	}
}

int rootfs_setattr(int mntfd, const char *what, unsigned long set, unsigned long clear,
		   bool rec, struct cell_err *e)
{
	struct mount_attr a = { 0 };

	if (!rootfs_no_mount_api) {
		attr_from_ms(set, clear, &a);
		if (sys_mount_setattr(mntfd, "", AT_EMPTY_PATH | (rec ? AT_RECURSIVE : 0), &a) == 0)
			return 0;
		if (errno != ENOSYS)
			return cell_err_sys(e, "set mount flags of `%s`", what);
		rootfs_no_mount_api = true;
	}
	return rootfs_remount_legacy(mntfd, what, set, clear, rec, e);
}

int rootfs_bind(const struct rootfs_bind *b, int *mntfd, struct cell_err *e)
{
	unsigned int otflags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (b->rec ? AT_RECURSIVE : 0);
	const char *what = b->src != NULL ? b->src : b->dest;
	bool attrs = (b->set | b->clear) != 0;
	struct rootfs_fdpath fp;
	_cleanup_close_ int tree = -1;

	/* A plain bind is a single mount(2); nothing to gain here. */
	if (rootfs_no_mount_api || (!attrs && b->propagation == 0 && mntfd == NULL))
		return rootfs_bind_legacy(b, mntfd, e);
	if (b->src != NULL)
		tree = sys_open_tree(AT_FDCWD, b->src, otflags);
	else
		tree = sys_open_tree(b->srcfd, "", otflags | AT_EMPTY_PATH);
	if (tree < 0) {
		if (errno != ENOSYS)
			return cell_err_sys(e, "bind `%s` on `%s`", what, b->dest);
		rootfs_no_mount_api = true;
		return rootfs_bind_legacy(b, mntfd, e);
	}
	if (attrs && !rootfs_no_mount_api) {
		struct mount_attr a = { 0 };

		attr_from_ms(b->set, b->clear, &a);
		if (sys_mount_setattr(tree, "", AT_EMPTY_PATH | (b->attr_rec ? AT_RECURSIVE : 0),
				      &a) == 0)
			attrs = false;
		else if (errno != ENOSYS)
			return cell_err_sys(e, "set mount flags of `%s`", b->dest);
		else
			rootfs_no_mount_api = true; /* 5.2..5.11: remount once attached */
	}
	if (sys_move_mount(tree, "", b->target, "",
			   MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return cell_err_sys(e, "bind `%s` on `%s`", what, b->dest);
	/* From here `tree` is the root of the attached mount. */
	if (attrs && rootfs_remount_legacy(tree, b->dest, b->set, b->clear,
					   b->rec && b->attr_rec, e) < 0)
		return -1;
	if (b->propagation != 0 &&
	    mount(NULL, rootfs_fdpath(&fp, tree), NULL, b->propagation, NULL) < 0)
		return cell_err_sys(e, "set propagation of `%s`", b->dest);
	if (mntfd != NULL)
		*mntfd = take_fd(&tree);
	return 0;
}
