/* Mount type "cgroup": the container sees its own cgroups, never the
 * host's tree. With a cgroup namespace each hierarchy is mounted afresh
 * (the namespace roots it at the container's cgroup); without one the
 * container's own directory is bound. On v1 and hybrid hosts the
 * hierarchies sit in a tmpfs laid out like the host's /sys/fs/cgroup. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../cgroup/cgroup.h"
#include "../util/cleanup.h"

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* "cpu,cpuacct" or "none,name=systemd": the options of a fresh v1 mount. */
static void v1_options(const struct cg_hier *h, char *buf, size_t cap)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int c = 0; c < CG_NCTRL; c++)
		if (h->ctrls & (1u << c))
			n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? "," : "",
					      cgroup_ctrl_name((enum cg_ctrl)c, 1));
	if (n == 0)
		snprintf(buf, cap, "none,name=systemd");
}

/* One hierarchy onto fd (a directory in the container). */
static int mount_hier(struct rootfs_ctx *r, size_t i, const struct cg_hier *h, int fd,
		      unsigned long flags, struct cell_err *e)
{
	const struct oci_mount *m = &r->cfg->mounts[i];
	struct rootfs_fdpath fp;
	char opts[256], src[sizeof h->mnt + sizeof h->path];

	/* No v1 hierarchy mounts in a user namespace: a rootless container
	 * gets its own directory bound instead. */
	if (r->cgroupns && (h->version == 2 || !r->cg->rootless)) {
		const char *type = h->version == 2 ? "cgroup2" : "cgroup";

		if (h->version == 1)
			v1_options(h, opts, sizeof opts);
		if (mount(type, rootfs_fdpath(&fp, fd), type, flags,
			  h->version == 1 ? opts : NULL) < 0)
			return cell_err_sys(e, "mounts[%zu]: mount %s on `%s/%s`", i, type,
					    m->destination, base_name(h->mnt));
		return 0;
	}
	snprintf(src, sizeof src, "%s%s", h->mnt, h->path);
	struct rootfs_bind b = {
		.src = src, .target = fd, .dest = m->destination, .rootfd = r->rootfd,
		.set = flags,
	};
	if (rootfs_bind(&b, NULL, e) < 0)
		return cell_err_wrap(e, "mounts[%zu]", i);
	return 0;
}

/* cpu -> cpu,cpuacct: the names tools look for. */
static void link_comounted(int dirfd, const char *name)
{
	if (strchr(name, ',') == NULL)
		return;
	for (const char *p = name; *p;) {
		char one[64];
		size_t n = strcspn(p, ",");

		if (n < sizeof one) {
			memcpy(one, p, n);
			one[n] = '\0';
			symlinkat(name, dirfd, one);
		}
		p += n + (p[n] == ',');
	}
}

/* v1/hybrid: a tmpfs with a directory per hierarchy, read-only at the end
 * when the mount asks for it. */
static int mount_tree(struct rootfs_ctx *r, size_t i, int fd, unsigned long flags,
		      struct cell_err *e)
{
	const struct oci_mount *m = &r->cfg->mounts[i];
	const struct cgroup *cg = r->cg;
	struct rootfs_fdpath fp;
	_cleanup_close_ int tmp = -1;
	char buf[ROOTFS_DATA_MAX];
	const char *data;

	if (lsm_mount_data(r->mount_label, "mode=755", buf, sizeof buf, &data, e) < 0)
		return cell_err_wrap(e, "mounts[%zu]", i);
	if (mount("tmpfs", rootfs_fdpath(&fp, fd), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  data) < 0)
		return cell_err_sys(e, "mounts[%zu]: mount tmpfs on `%s`", i, m->destination);
	tmp = rootfs_resolve(r->rootfd, m->destination, O_RDONLY | O_DIRECTORY, 0, 0, e);
	if (tmp < 0)
		return cell_err_wrap(e, "mounts[%zu]", i);
	for (size_t k = 0; k < cg->n; k++) {
		const struct cg_hier *h = &cg->h[k];
		const char *name = base_name(h->mnt);
		_cleanup_close_ int dir = -1;

		if (h->fd < 0)
			continue;
		if (mkdirat(tmp, name, 0755) < 0 && errno != EEXIST)
			return cell_err_sys(e, "mounts[%zu]: mkdir `%s/%s`", i, m->destination, name);
		dir = openat(tmp, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dir < 0)
			return cell_err_sys(e, "mounts[%zu]: open `%s/%s`", i, m->destination, name);
		if (mount_hier(r, i, h, dir, flags, e) < 0)
			return -1;
		link_comounted(tmp, name);
	}
	if ((flags & MS_RDONLY) &&
	    mount(NULL, rootfs_fdpath(&fp, tmp), NULL,
		  MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return cell_err_sys(e, "mounts[%zu]: make `%s` read-only", i, m->destination);
	return 0;
}

int rootfs_mount_cgroup(struct rootfs_ctx *r, size_t i, int fd, struct cell_err *e)
{
	const struct oci_mount *m = &r->cfg->mounts[i];
	const struct cgroup *cg = r->cg;
	unsigned long flags = (m->flags & ROOTFS_MNT_FLAGS) | MS_NOSUID | MS_NODEV | MS_NOEXEC;

	/* Without cgroups of its own (unprivileged, nothing delegated), the
	 * host's tree, read-only:
	 * writable, it would let the container leave its cgroups. */
	if (cg == NULL || (cg->layout == CG_LAYOUT_V2 && cg->h[cg->v2].fd < 0))
		return rootfs_bind_host_tree(r, i, "/sys/fs/cgroup", fd, MS_RDONLY, e);
	if (cg->layout == CG_LAYOUT_V2)
		return mount_hier(r, i, &cg->h[cg->v2], fd, flags, e);
	return mount_tree(r, i, fd, flags, e);
}
