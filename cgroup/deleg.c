/* Rootless cgroups: only what is delegated to the user is used. A
 * delegated cgroup (systemd's Delegate=yes, or an administrator's chown)
 * is a directory whose cgroup.procs (and on v2 cgroup.subtree_control)
 * the user may write: below it the user can make cgroups, move its own
 * processes between them and set their limits. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util/cleanup.h"
#include "internal.h"

bool cg_delegated(int dirfd, int version)
{
	/* AT_EACCESS: the effective ids decide, as for the writes later. */
	return faccessat(dirfd, ".", W_OK, AT_EACCESS) == 0 &&
	       faccessat(dirfd, "cgroup.procs", W_OK, AT_EACCESS) == 0 &&
	       (version == 1 || faccessat(dirfd, "cgroup.subtree_control", W_OK, AT_EACCESS) == 0);
}

static bool delegated_path(const struct cg_hier *h, const char *full)
{
	_cleanup_close_ int fd = open(full, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	return fd >= 0 && cg_delegated(fd, h->version);
}

/* Up from the caller's own cgroup while the parent is delegated too: the
 * containers go next to the caller's own leaf, not into it (on v2 a
 * cgroup with processes cannot hand controllers down). */
static void cut_to_base(struct cg_hier *h)
{
	char full[PATH_MAX];
	size_t mlen = strlen(h->mnt);

	if ((size_t)snprintf(full, sizeof full, "%s%s", h->mnt, h->path) >= sizeof full ||
	    !delegated_path(h, full)) {
		h->unused = true;
		h->path[0] = '\0';
		return;
	}
	for (;;) {
		char *slash = strrchr(full + mlen, '/');

		if (slash == NULL)
			break;
		*slash = '\0';
		/* The hierarchy's root is the host's, whoever owns it. */
		if (full[mlen] == '\0' || !delegated_path(h, full)) {
			*slash = '/';
			break;
		}
	}
	memmove(h->path, full + mlen, strlen(full + mlen) + 1);
}

int cg_deleg_bases(struct cgroup *cg, struct cell_err *e)
{
	if (cg_own_paths(cg, e) < 0)
		return -1;
	for (size_t i = 0; i < cg->n; i++)
		cut_to_base(&cg->h[i]);
	return 0;
}

/* Controllers the container's cgroups have: a v1 hierarchy's all, on v2
 * what the parent handed down (cgroup.controllers) and the built-ins. */
static uint32_t have_ctrls(const struct cgroup *cg)
{
	uint32_t m = 0;

	for (size_t i = 0; i < cg->n; i++) {
		const struct cg_hier *h = &cg->h[i];

		if (h->fd < 0)
			continue;
		m |= h->version == 1 ? h->ctrls : h->ctrls & (cg_v2_ctrls(h->fd) | CG_V2_BUILTIN);
	}
	return m;
}

/* The controller of a unified key ("memory.high" -> memory), or -1 for
 * cgroup2's own files (cgroup.*). */
static int unified_ctrl(const char *key)
{
	size_t n = strcspn(key, ".");

	for (int c = 0; c < CG_NCTRL; c++)
		if (strlen(cgroup_ctrl_name(c, 2)) == n && !memcmp(cgroup_ctrl_name(c, 2), key, n))
			return c;
	return -1;
}

static bool drop(uint32_t have, enum cg_ctrl c, uint32_t *skipped)
{
	if (have & (1u << c))
		return false;
	*skipped |= 1u << c;
	return true;
}

static int filter_unified(struct cgroup *cg, uint32_t have, struct oci_resources *out,
			  struct oci_kv **unified_out, struct cell_err *e)
{
	size_t n = 0;
	bool v2 = cg->v2 >= 0 && cg->h[cg->v2].fd >= 0;

	*unified_out = NULL;
	if (out->n_unified == 0)
		return 0;
	*unified_out = calloc(out->n_unified, sizeof **unified_out);
	if (*unified_out == NULL)
		return cell_err_errno(e, ENOMEM, "linux.resources.unified");
	for (size_t i = 0; i < out->n_unified; i++) {
		int c = unified_ctrl(out->unified[i].key);

		if (c < 0 ? !v2 : drop(have, c, &cg->skipped))
			continue;
		(*unified_out)[n++] = out->unified[i];
	}
	out->unified = *unified_out;
	out->n_unified = n;
	return 0;
}

int cg_rootless_filter(struct cgroup *cg, const struct oci_resources *r,
		       struct oci_resources *out, struct oci_kv **unified_out, struct cell_err *e)
{
	uint32_t have = have_ctrls(cg), *sk = &cg->skipped;
	uint32_t need = cg_needed_ctrls(r);

	*out = *r;
	if ((need & (1u << CG_MEMORY)) && drop(have, CG_MEMORY, sk))
		out->has_memory = false;
	if (((need & (1u << CG_CPU)) || r->cpu.rt_runtime.set || r->cpu.rt_period.set) &&
	    drop(have, CG_CPU, sk)) {
		out->cpu.shares.set = out->cpu.quota.set = out->cpu.period.set = false;
		out->cpu.burst.set = out->cpu.idle.set = false;
		out->cpu.rt_runtime.set = out->cpu.rt_period.set = false;
	}
	if ((need & (1u << CG_CPUSET)) && drop(have, CG_CPUSET, sk))
		out->cpu.cpus = out->cpu.mems = NULL;
	if ((need & (1u << CG_PIDS)) && drop(have, CG_PIDS, sk))
		out->pids_limit.set = false;
	if ((need & (1u << CG_BLKIO)) && drop(have, CG_BLKIO, sk))
		out->has_blkio = false;
	if (r->n_hugepages && drop(have, CG_HUGETLB, sk))
		out->n_hugepages = 0;
	if (r->n_rdma && drop(have, CG_RDMA, sk))
		out->n_rdma = 0;
	if (r->net_class_id.set && drop(have, CG_NET_CLS, sk))
		out->net_class_id.set = false;
	if (r->n_net_prios && drop(have, CG_NET_PRIO, sk))
		out->n_net_prios = 0;
	/* Device rules: loading a v2 filter or writing a v1 list needs
	 * CAP_SYS_ADMIN; the user namespace keeps device nodes out anyway. */
	out->n_devices = 0;
	return filter_unified(cg, have, out, unified_out, e);
}
