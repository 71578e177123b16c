/* Writing resources: each controller through the version it is bound to
 * on this host (v1.c, v2.c). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util/cleanup.h"
#include "../util/fs.h"
#include "devices.h"
#include "internal.h"

/* Errors name the whole path; it is looked up only when one happens. */
static int write_error(int dirfd, const char *file, const char *value, const char *field,
		       struct cell_err *e)
{
	int err = errno;
	char link[32], dir[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
	n = readlink(link, dir, sizeof dir - 1);
	dir[n > 0 ? n : 0] = '\0';
	return cell_err_errno(e, err, "%s%swrite `%s` to %s%s%s", field ? field : "", field ? ": " : "",
			      value, dir, n > 0 ? "/" : "", file);
}

int cg_write(int dirfd, const char *file, const char *value, const char *field,
	     struct cell_err *e)
{
	_cleanup_close_ int fd = openat(dirfd, file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	size_t len = strlen(value);
	ssize_t n;

	if (fd < 0)
		goto fail;
	do
		n = write(fd, value, len);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)len)
		return 0;
	if (n >= 0)
		errno = EIO;
fail:
	return write_error(dirfd, file, value, field, e);
}

int cg_write_i64(int dirfd, const char *file, int64_t v, const char *field, struct cell_err *e)
{
	char buf[24];

	snprintf(buf, sizeof buf, "%" PRId64, v);
	return cg_write(dirfd, file, buf, field, e);
}

ssize_t cg_read(int dirfd, const char *file, char *buf, size_t cap)
{
	_cleanup_close_ int fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	size_t len = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	while (len + 1 < cap && (n = read(fd, buf + len, cap - 1 - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
	return (ssize_t)len;
}

static int no_ctrl(const char *field, const char *what, enum cg_ctrl c, struct cell_err *e)
{
	return cell_err_set(e, ENOTSUP, "%s.%s: this host has no %s cgroup controller for the container",
			    field, what, cgroup_ctrl_name(c, 1));
}

/* The fd for controller c, or an error naming the resource. */
static int ctrl_fd(struct cgroup *cg, enum cg_ctrl c, const char *field, const char *what,
		   int *version, struct cell_err *e)
{
	int fd = cgroup_ctrl_fd(cg, c, version);

	if (fd < 0)
		return no_ctrl(field, what, c, e);
	return fd;
}

static const struct cg_apply_ops *ops_for(int version)
{
	return version == 2 ? &cg_v2_ops : &cg_v1_ops;
}

static bool cpu_set(const struct oci_res_cpu *c)
{
	return c->shares.set || c->quota.set || c->period.set || c->burst.set ||
	       c->rt_runtime.set || c->rt_period.set || c->idle.set;
}

static int apply_cpu(struct cgroup *cg, const struct oci_resources *r, const char *field,
		     struct cell_err *e)
{
	char f[128];
	int fd, ver;

	snprintf(f, sizeof f, "%s.cpu", field);
	if (cpu_set(&r->cpu)) {
		if ((fd = ctrl_fd(cg, CG_CPU, field, "cpu", &ver, e)) < 0 ||
		    ops_for(ver)->cpu(fd, &r->cpu, f, e) < 0)
			return -1;
	}
	if (r->cpu.cpus || r->cpu.mems) {
		if ((fd = ctrl_fd(cg, CG_CPUSET, field, "cpu.cpus", &ver, e)) < 0 ||
		    ops_for(ver)->cpuset(fd, &r->cpu, f, e) < 0)
			return -1;
	}
	return 0;
}

static int apply_lists(struct cgroup *cg, const struct oci_resources *r, const char *field,
		       struct cell_err *e)
{
	char f[160];
	int fd, ver;

	for (size_t i = 0; i < r->n_hugepages; i++) {
		snprintf(f, sizeof f, "%s.hugepageLimits[%zu]", field, i);
		if ((fd = ctrl_fd(cg, CG_HUGETLB, field, "hugepageLimits", &ver, e)) < 0 ||
		    ops_for(ver)->hugetlb(fd, &r->hugepages[i], f, e) < 0)
			return -1;
	}
	for (size_t i = 0; i < r->n_rdma; i++) {
		snprintf(f, sizeof f, "%s.rdma[\"%s\"]", field, r->rdma[i].device);
		if ((fd = ctrl_fd(cg, CG_RDMA, field, "rdma", &ver, e)) < 0 ||
		    ops_for(ver)->rdma(fd, &r->rdma[i], f, e) < 0)
			return -1;
	}
	return 0;
}

/* net_cls and net_prio exist on v1 only; cgroup v2 leaves this to eBPF. */
static int apply_network(struct cgroup *cg, const struct oci_resources *r, const char *field,
			 struct cell_err *e)
{
	char f[160], line[64];
	int fd, ver;

	if (r->net_class_id.set) {
		snprintf(f, sizeof f, "%s.network.classID", field);
		if ((fd = ctrl_fd(cg, CG_NET_CLS, field, "network.classID", &ver, e)) < 0 ||
		    cg_write_i64(fd, "net_cls.classid", r->net_class_id.v, f, e) < 0)
			return -1;
	}
	for (size_t i = 0; i < r->n_net_prios; i++) {
		snprintf(f, sizeof f, "%s.network.priorities[%zu]", field, i);
		snprintf(line, sizeof line, "%s %u", r->net_prios[i].name, r->net_prios[i].priority);
		if ((fd = ctrl_fd(cg, CG_NET_PRIO, field, "network.priorities", &ver, e)) < 0 ||
		    cg_write(fd, "net_prio.ifpriomap", line, f, e) < 0)
			return -1;
	}
	return 0;
}

/* unified: cgroup v2 files, verbatim, in the container's own directory. */
static int apply_unified(struct cgroup *cg, const struct oci_resources *r, const char *field,
			 struct cell_err *e)
{
	char f[300];

	if (r->n_unified == 0)
		return 0;
	if (cg->v2 < 0 || cg->h[cg->v2].fd < 0)
		return cell_err_set(e, ENOTSUP, "%s.unified: this host has no cgroup v2 hierarchy", field);
	for (size_t i = 0; i < r->n_unified; i++) {
		snprintf(f, sizeof f, "%s.unified[\"%s\"]", field, r->unified[i].key);
		if (cg_write(cg->h[cg->v2].fd, r->unified[i].key, r->unified[i].value, f, e) < 0)
			return -1;
	}
	return 0;
}

/* linux.resources.devices, then the defaults every container gets: the v1
 * lists or the v2 eBPF filter (devices*.c). */
static int apply_devices(struct cgroup *cg, const struct oci_resources *r, const char *field,
			 struct cell_err *e)
{
	struct cgroup_dev_rule *rules;
	size_t n;
	int fd, ver, rc;

	if (r->n_devices == 0)
		return 0;
	if ((fd = ctrl_fd(cg, CG_DEVICES, field, "devices", &ver, e)) < 0)
		return -1;
	n = cgroup_dev_effective(NULL, r->n_devices, NULL, 0);
	rules = calloc(n, sizeof *rules);
	if (rules == NULL)
		return cell_err_errno(e, ENOMEM, "%s.devices", field);
	for (size_t i = 0; i < r->n_devices; i++)
		rules[i] = (struct cgroup_dev_rule){
			.allow = r->devices[i].allow, .type = r->devices[i].type,
			.major = r->devices[i].major, .minor = r->devices[i].minor,
			.access = r->devices[i].access,
		};
	cgroup_dev_effective(rules, r->n_devices, rules, n);
	rc = ver == 2 ? cgroup_devices_v2_apply(fd, rules, n, e) : cgroup_devices_v1_apply(fd, rules, n, e);
	free(rules);
	if (rc < 0)
		return cell_err_wrap(e, "%s.devices", field);
	return 0;
}

int cgroup_apply(struct cgroup *cg, const struct oci_resources *r, const char *field,
		 struct cell_err *e)
{
	char f[128];
	int fd, ver;

	if (r->has_memory) {
		snprintf(f, sizeof f, "%s.memory", field);
		if ((fd = ctrl_fd(cg, CG_MEMORY, field, "memory", &ver, e)) < 0 ||
		    ops_for(ver)->memory(fd, &r->memory, f, e) < 0)
			return -1;
	}
	if (apply_cpu(cg, r, field, e) < 0)
		return -1;
	if (r->pids_limit.set && r->pids_limit.v != 0) {
		snprintf(f, sizeof f, "%s.pids.limit", field);
		if ((fd = ctrl_fd(cg, CG_PIDS, field, "pids", &ver, e)) < 0 ||
		    ops_for(ver)->pids(fd, r->pids_limit.v, f, e) < 0)
			return -1;
	}
	if (r->has_blkio) {
		snprintf(f, sizeof f, "%s.blockIO", field);
		if ((fd = ctrl_fd(cg, CG_BLKIO, field, "blockIO", &ver, e)) < 0 ||
		    ops_for(ver)->blkio(fd, &r->blkio, f, e) < 0)
			return -1;
	}
	if (apply_lists(cg, r, field, e) < 0 || apply_network(cg, r, field, e) < 0)
		return -1;
	if (apply_unified(cg, r, field, e) < 0 || apply_devices(cg, r, field, e) < 0)
		return -1;
	return 0;
}
