/* Idmapped mounts (mount_setattr MOUNT_ATTR_IDMAP, Linux >= 5.12): which
 * mounts of a container get one, and making them on the host side.
 *
 * The kernel only lets a process with CAP_SYS_ADMIN over the filesystem's
 * owner (the host's user namespace) idmap a mount, so the parent makes
 * them: once the container's maps are written it clones each source tree
 * detached (open_tree), idmaps it with a user namespace fd holding the
 * maps, and hands the fd to the init, which attaches it (move_mount). */
#ifndef CELL_IDMOUNT_H
#define CELL_IDMOUNT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../oci/config.h"
#include "../util/err.h"
#include "idmap.h"

/* Annotation that turns the idmapped rootfs on or off ("auto" default). */
#define IDMOUNT_ROOTFS_ANNOTATION "cell.idmap.rootfs"

enum idmount_mode { IDMOUNT_AUTO, IDMOUNT_ON, IDMOUNT_OFF };

/* What gets idmapped. Slot 0 is the rootfs, slot 1+i is mounts[i]; the
 * fds travel in slot order. */
struct idmount_plan {
	size_t n_slots; /* 1 + number of mounts */
	size_t n;       /* slots that are idmapped */
	bool *on;       /* n_slots flags, NULL when n == 0 */
};

/* The annotation's value (e names it when it is not auto/on/off). */
int idmount_rootfs_mode(const struct oci_config *cfg, enum idmount_mode *mode,
			struct cell_err *e);

/* Whether `auto` idmaps a rootfs owned by `owner`: only with maps, as root
 * on the host, and when the owner is not already the container's root
 * (a rootfs chowned for the maps keeps working as before). */
bool idmount_rootfs_auto(uid_t owner, const struct idmap_maps *maps, bool privileged);

/* Decide the plan before anything is created; rejects idmap options on
 * non-bind mounts or without a user namespace. maps: of a new user
 * namespace (n_uid 0 when the namespace is joined or absent). */
int idmount_plan(const struct oci_config *cfg, const char *rootfs, bool userns,
		 const struct idmap_maps *maps, struct idmount_plan *p, struct cell_err *e);
void idmount_plan_free(struct idmount_plan *p);

/* The host side, once the init (pid) is in its user namespace with its
 * maps: for each slot that is on, a detached idmapped tree into fds[slot]
 * (-1 elsewhere); maps: the container's. On failure every fd made is closed and every helper
 * process reaped. */
int idmount_make(const struct idmount_plan *p, const struct oci_config *cfg, const char *bundle,
		 const char *rootfs, const struct idmap_maps *maps, pid_t pid, int *fds,
		 struct cell_err *e);

/* A user namespace holding the given maps, as an fd (the helper process
 * that made it is gone when this returns). */
int idmount_userns(const struct idmap_maps *maps, struct cell_err *e);

/* Test switch: make mount_setattr(MOUNT_ATTR_IDMAP) fail with this errno
 * (unit tests of the error text; 0 = off). */
extern int idmount_force_errno;

/* The error for a mount the kernel or filesystem cannot idmap, naming the
 * mount and the fallback (cell chown-rootfs). what: "root.path" or
 * "mounts[N]"; fstype: the source's filesystem, or NULL. */
int idmount_unsupported(struct cell_err *e, int err, const char *what, const char *src,
			const char *fstype, const struct idmap_maps *maps);

/* The first mount at or below src (in our mount table) that cannot be
 * idmapped on its own with nsfd: what a failed recursive idmap could not
 * name. Returns 1 and fills c when one is found, else 0. */
struct idmount_culprit {
	int err;          /* mount_setattr's errno for it */
	bool below;       /* a submount, not src itself */
	char mnt[256];    /* its mount point */
	char fstype[32];  /* its filesystem type */
};
int idmount_find_unmappable(const char *src, int nsfd, struct idmount_culprit *c);

/* The error for a mount below an idmapped tree (the rootfs, or an rbind
 * with ridmap) that cannot be idmapped: names that mount, its filesystem
 * and the fallback. what, src, maps: as for idmount_unsupported. */
int idmount_unsupported_below(struct cell_err *e, const struct idmount_culprit *c,
			      const char *what, const char *src, const struct idmap_maps *maps);

#endif
