/* AppArmor and SELinux: process.apparmorProfile, process.selinuxLabel and
 * linux.mountLabel (docs/DESIGN.md, "LSM labels").
 *
 * - process.apparmorProfile: the process execs under the profile ("exec
 *   PROFILE" into attr/apparmor/exec). AppArmor not enabled on the host is
 *   an error, as with runc ("unconfined" aside: that is what it gets).
 * - process.selinuxLabel: the process execs with the label (attr/exec).
 *   SELinux not enabled is an error, as runc's config validation has it.
 * - linux.mountLabel: the context= option of the filesystems cell mounts
 *   (tmpfs, devpts...; mqueue gets it as its security.selinux xattr). When
 *   SELinux is not enabled it is ignored, as runc and crun do.
 * cell makes no session keyring, so it writes no keycreate label. */
#ifndef CELL_LSM_H
#define CELL_LSM_H

#include <stdbool.h>
#include <stddef.h>

#include "../oci/config.h"
#include "../util/err.h"

/* What the host has, read in the parent before clone. */
struct lsm_host {
	bool apparmor; /* module enabled and its securityfs directory there */
	bool selinux;  /* selinuxfs mounted on /sys/fs/selinux */
};

#define LSM_APPARMOR_ENABLED "/sys/module/apparmor/parameters/enabled"
#define LSM_APPARMOR_FS "/sys/kernel/security/apparmor"
#define LSM_SELINUX_FS "/sys/fs/selinux"

/* Only what p and mount_label ask for is probed (the rest reads false):
 * a container without labels costs no system call on the start path. */
void lsm_host_probe(struct lsm_host *h, const struct oci_process *p, const char *mount_label);

/* Refuse, before anything is created, a profile or label the host cannot
 * apply; errors name process.apparmorProfile or process.selinuxLabel. */
int lsm_check_process(const struct lsm_host *h, const struct oci_process *p, struct cell_err *e);

/* The label mounts get: linux.mountLabel when SELinux is on, else NULL. */
const char *lsm_mount_label(const struct lsm_host *h, const struct oci_config *cfg);

/* How a new filesystem of type takes the mount label. */
enum lsm_mount_how {
	LSM_MOUNT_NONE,    /* proc, sysfs, cgroup, cgroup2: no label (runc) */
	LSM_MOUNT_CONTEXT, /* context="LABEL" in the mount data */
	LSM_MOUNT_XATTR,   /* mqueue: security.selinux on its root (a context=
			    * option is refused in a user namespace) */
};
enum lsm_mount_how lsm_mount_how(const char *type);

/* data with context="LABEL" appended (data may be NULL) into buf; *out is
 * buf, or data itself when label is NULL. */
int lsm_mount_data(const char *label, const char *data, char *buf, size_t cap, const char **out,
		   struct cell_err *e);

/* Label the root of a mqueue mounted on path (xattr); kernels that cannot
 * label it (ENOTSUP) are left alone, as runc does. */
int lsm_label_path(const char *label, const char *path, const char *what, struct cell_err *e);

/* In the process about to exec, before the switch to its user: the
 * profile and label of p for its next execve, written through the
 * container's /proc verified by procfs_open_verified (util/procfs.h), so
 * a hostile rootfs cannot redirect the write. */
int lsm_set_exec(const struct lsm_host *h, const struct oci_process *p, struct cell_err *e);

#endif
