/* Attaching the idmapped trees the parent made (idmap/idmount.h): the
 * init only moves them into place and sets their flags, since idmapping
 * itself needs privilege over the host's user namespace. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>

#include "../util/sys.h"

int rootfs_idmount_fd(const struct rootfs_ctx *r, size_t slot)
{
	return r->idmount_fds != NULL ? r->idmount_fds[slot] : -1;
}

int rootfs_attach_root(struct rootfs_ctx *r, int tree, struct cell_err *e)
{
	/* In place of the bind of the rootfs onto itself. */
	if (sys_move_mount(tree, "", AT_FDCWD, r->rootfs, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return cell_err_sys(e, "attach the idmapped `%s`", r->rootfs);
	return 0;
}

int rootfs_attach_bind(const struct rootfs_bind *b, int tree, struct cell_err *e)
{
	struct rootfs_fdpath fp;

	if (sys_move_mount(tree, "", b->target, "",
			   MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return cell_err_sys(e, "attach the idmapped `%s` on `%s`", b->src, b->dest);
	/* tree is now the root of the attached mount. */
	if ((b->set | b->clear) != 0 &&
	    rootfs_setattr(tree, b->dest, b->set, b->clear, b->rec && b->attr_rec, e) < 0)
		return -1;
	if (b->propagation != 0 &&
	    mount(NULL, rootfs_fdpath(&fp, tree), NULL, b->propagation, NULL) < 0)
		return cell_err_sys(e, "set propagation of `%s`", b->dest);
	return 0;
}
