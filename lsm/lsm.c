/* The LSM labels of a container's processes and mounts (lsm.h). */
#include "lsm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "../util/cleanup.h"
#include "../util/fs.h"
#include "../util/procfs.h"

#define SELINUX_MAGIC 0xf97cff8c

static bool set(const char *s)
{
	return s != NULL && s[0] != '\0';
}

/* As runc: the module is enabled ("Y") and AppArmor's securityfs
 * directory exists (profiles are loaded there; without it nothing can
 * have been loaded). */
static bool apparmor_enabled(void)
{
	char c = 0;
	struct stat st;
	_cleanup_close_ int fd = open(LSM_APPARMOR_ENABLED, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || read(fd, &c, 1) != 1 || c != 'Y')
		return false;
	return stat(LSM_APPARMOR_FS, &st) == 0 && S_ISDIR(st.st_mode);
}

/* selinuxfs mounted, with its enforce file: SELinux is the active LSM
 * (it is mountable only then). */
static bool selinux_enabled(void)
{
	struct statfs sfs;

	return statfs(LSM_SELINUX_FS, &sfs) == 0 && sfs.f_type == (typeof(sfs.f_type))SELINUX_MAGIC &&
	       access(LSM_SELINUX_FS "/enforce", F_OK) == 0;
}

void lsm_host_probe(struct lsm_host *h, const struct oci_process *p, const char *mount_label)
{
	h->apparmor = set(p->apparmor_profile) && apparmor_enabled();
	h->selinux = (set(p->selinux_label) || set(mount_label)) && selinux_enabled();
}

/* A value goes into a one-line attribute write: no control characters. */
static int check_value(const char *field, const char *v, struct cell_err *e)
{
	for (const unsigned char *s = (const unsigned char *)v; *s; s++)
		if (*s < 0x20 || *s == 0x7f)
			return cell_err_set(e, EINVAL, "%s `%s`: control character in the name", field, v);
	return 0;
}

int lsm_check_process(const struct lsm_host *h, const struct oci_process *p, struct cell_err *e)
{
	if (set(p->apparmor_profile)) {
		if (check_value("process.apparmorProfile", p->apparmor_profile, e) < 0)
			return -1;
		/* Asking for no confinement where there is none is granted. */
		if (!h->apparmor && strcmp(p->apparmor_profile, "unconfined") != 0)
			return cell_err_set(e, EOPNOTSUPP,
					    "process.apparmorProfile `%s`: AppArmor is not enabled on this host (`%s` is not Y, or no `%s`)",
					    p->apparmor_profile, LSM_APPARMOR_ENABLED, LSM_APPARMOR_FS);
	}
	if (set(p->selinux_label)) {
		if (check_value("process.selinuxLabel", p->selinux_label, e) < 0)
			return -1;
		if (!h->selinux)
			return cell_err_set(e, EOPNOTSUPP,
					    "process.selinuxLabel `%s`: SELinux is not enabled on this host (no selinuxfs on `%s`)",
					    p->selinux_label, LSM_SELINUX_FS);
	}
	return 0;
}

const char *lsm_mount_label(const struct lsm_host *h, const struct oci_config *cfg)
{
	return h->selinux && set(cfg->linux_.mount_label) ? cfg->linux_.mount_label : NULL;
}

enum lsm_mount_how lsm_mount_how(const char *type)
{
	static const char *const none[] = { "proc", "sysfs", "cgroup", "cgroup2" };

	if (type == NULL)
		return LSM_MOUNT_NONE;
	for (size_t i = 0; i < sizeof none / sizeof none[0]; i++)
		if (strcmp(type, none[i]) == 0)
			return LSM_MOUNT_NONE;
	return strcmp(type, "mqueue") == 0 ? LSM_MOUNT_XATTR : LSM_MOUNT_CONTEXT;
}

/* Quoted: an MLS range has commas ("s0:c1,c2"), the option separator. */
int lsm_mount_data(const char *label, const char *data, char *buf, size_t cap, const char **out,
		   struct cell_err *e)
{
	size_t n;

	*out = data;
	if (label == NULL)
		return 0;
	if (strchr(label, '"') != NULL)
		return cell_err_set(e, EINVAL, "linux.mountLabel `%s`: a label has no `\"`", label);
	if (set(data))
		n = (size_t)snprintf(buf, cap, "%s,context=\"%s\"", data, label);
	else
		n = (size_t)snprintf(buf, cap, "context=\"%s\"", label);
	if (n >= cap)
		return cell_err_set(e, E2BIG, "linux.mountLabel `%s`: mount options too long", label);
	*out = buf;
	return 0;
}

int lsm_label_path(const char *label, const char *path, const char *what, struct cell_err *e)
{
	if (label == NULL)
		return 0;
	/* path is a /proc/self/fd/N link: follow it to the mount's root
	 * (lsetxattr labelled the link, and nothing said so). */
	if (setxattr(path, "security.selinux", label, strlen(label) + 1, 0) < 0 && errno != ENOTSUP)
		return cell_err_sys(e, "linux.mountLabel: label `%s` (security.selinux)", what);
	return 0;
}

/* Write value into attr/MODULE/NAME (5.8+: per-module directories), else
 * the legacy attr/NAME, of the calling thread. */
static int write_attr(int proc, const char *module, const char *name, const char *value,
		      const char *field, struct cell_err *e)
{
	char path[64];
	_cleanup_close_ int fd = -1;

	if (module != NULL) {
		snprintf(path, sizeof path, "thread-self/attr/%s/%s", module, name);
		fd = procfs_open_file(proc, path, PROCFS_FOLLOW, e);
	}
	if (fd < 0 && (module == NULL || e->errnum == ENOENT)) {
		snprintf(path, sizeof path, "thread-self/attr/%s", name);
		fd = procfs_open_file(proc, path, PROCFS_FOLLOW, e);
	}
	if (fd < 0)
		return cell_err_wrap(e, "%s", field);
	if (fs_write_all(fd, value, strlen(value)) == 0)
		return 0;
	/* AppArmor's word for a profile it does not have. */
	if (errno == ENOENT && module != NULL)
		return cell_err_set(e, ENOENT, "%s: profile not loaded (write `/proc/%s`)", field, path);
	return cell_err_sys(e, "%s: write `/proc/%s`", field, path);
}

int lsm_set_exec(const struct lsm_host *h, const struct oci_process *p, struct cell_err *e)
{
	bool aa = set(p->apparmor_profile) && h->apparmor;
	bool se = set(p->selinux_label) && h->selinux;
	char field[300], value[1024];
	_cleanup_close_ int proc = -1;

	/* "unconfined" on a host without AppArmor: nothing to write. */
	if (!aa && !se)
		return 0;
	proc = procfs_open_verified(e);
	if (proc < 0)
		return cell_err_wrap(e, "%s", aa ? "process.apparmorProfile" : "process.selinuxLabel");
	if (aa) {
		snprintf(field, sizeof field, "process.apparmorProfile `%.256s`", p->apparmor_profile);
		if ((size_t)snprintf(value, sizeof value, "exec %s", p->apparmor_profile) >= sizeof value)
			return cell_err_set(e, ENAMETOOLONG, "%s: name too long", field);
		if (write_attr(proc, "apparmor", "exec", value, field, e) < 0)
			return -1;
	}
	if (se) {
		snprintf(field, sizeof field, "process.selinuxLabel `%.256s`", p->selinux_label);
		if (write_attr(proc, NULL, "exec", p->selinux_label, field, e) < 0)
			return -1;
	}
	return 0;
}
