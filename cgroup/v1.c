/* Resource files of the cgroup v1 controllers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static int w_num(int fd, const char *file, const struct oci_num *n, const char *field,
		 const char *key, struct cell_err *e)
{
	char f[160];

	if (!n->set)
		return 0;
	snprintf(f, sizeof f, "%s.%s", field, key);
	return cg_write_i64(fd, file, n->v, f, e);
}

static bool has_file(int fd, const char *file)
{
	return faccessat(fd, file, F_OK, 0) == 0;
}

/* memory.memsw.limit_in_bytes can never be below memory.limit_in_bytes:
 * when the new memory+swap limit is above the current one it goes first,
 * otherwise the memory limit does. */
static int v1_mem_limits(int fd, const struct oci_res_memory *m, const char *field,
			 struct cell_err *e)
{
	bool memsw = m->swap.set && has_file(fd, "memory.memsw.limit_in_bytes");
	bool swap_first = false;
	char cur[32];

	if (m->swap.set && !memsw && m->swap.v != -1 && !(m->limit.set && m->swap.v == m->limit.v))
		return cell_err_set(e, ENOTSUP, "%s.swap: this host has no swap accounting (memory.memsw.*)",
				    field);
	if (memsw) {
		int64_t now = cg_read(fd, "memory.memsw.limit_in_bytes", cur, sizeof cur) > 0 ?
				      strtoll(cur, NULL, 10) : 0;

		swap_first = m->swap.v == -1 || m->swap.v > now;
	}
	if (swap_first && w_num(fd, "memory.memsw.limit_in_bytes", &m->swap, field, "swap", e) < 0)
		return -1;
	if (w_num(fd, "memory.limit_in_bytes", &m->limit, field, "limit", e) < 0)
		return -1;
	if (memsw && !swap_first &&
	    w_num(fd, "memory.memsw.limit_in_bytes", &m->swap, field, "swap", e) < 0)
		return -1;
	return 0;
}

static int v1_memory(int fd, const struct oci_res_memory *m, const char *field, struct cell_err *e)
{
	char f[160];

	if (v1_mem_limits(fd, m, field, e) < 0 ||
	    w_num(fd, "memory.soft_limit_in_bytes", &m->reservation, field, "reservation", e) < 0 ||
	    w_num(fd, "memory.kmem.tcp.limit_in_bytes", &m->kernel_tcp, field, "kernelTCP", e) < 0 ||
	    w_num(fd, "memory.swappiness", &m->swappiness, field, "swappiness", e) < 0)
		return -1;
	/* memory.kmem.limit_in_bytes is deprecated (5.4) and gone (6.1):
	 * like runc, the kernel limit is accepted and not written. */
	if (m->has_disable_oom_killer) {
		snprintf(f, sizeof f, "%s.disableOOMKiller", field);
		if (cg_write(fd, "memory.oom_control", m->disable_oom_killer ? "1" : "0", f, e) < 0)
			return -1;
	}
	if (m->has_use_hierarchy) {
		snprintf(f, sizeof f, "%s.useHierarchy", field);
		if (cg_write(fd, "memory.use_hierarchy", m->use_hierarchy ? "1" : "0", f, e) < 0)
			return -1;
	}
	return 0;
}

/* A shorter period with the old quota may be refused (quota > period is
 * fine, but rt_runtime must fit the period); try the other order once. */
static int v1_cpu(int fd, const struct oci_res_cpu *c, const char *field, struct cell_err *e)
{
	struct cell_err ignored;
	/* Zero realtime values mean "not set" (runc): a period of 0 is
	 * refused by the kernel, and a kernel without RT_GROUP_SCHED (Debian's)
	 * has no cpu.rt_* files, where a budget of 0 is what a group gets. */
	struct oci_num rt_period = c->rt_period, rt_runtime = c->rt_runtime;
	/* A quota of 0 is "not set" too: docker's `update` sends it for every
	 * limit the user did not name, and the kernel refuses 0. */
	struct oci_num quota = c->quota;

	if (quota.set && quota.v == 0)
		quota.set = false;
	if (rt_period.set && rt_period.v == 0)
		rt_period.set = false;
	if (rt_runtime.set && rt_runtime.v == 0 && !has_file(fd, "cpu.rt_runtime_us"))
		rt_runtime.set = false;

	if (w_num(fd, "cpu.shares", &c->shares, field, "shares", e) < 0)
		return -1;
	if (c->period.set && c->period.v != 0 &&
	    w_num(fd, "cpu.cfs_period_us", &c->period, field, "period", &ignored) < 0) {
		if (w_num(fd, "cpu.cfs_quota_us", &quota, field, "quota", e) < 0)
			return -1;
		return w_num(fd, "cpu.cfs_period_us", &c->period, field, "period", e);
	}
	if (w_num(fd, "cpu.cfs_quota_us", &quota, field, "quota", e) < 0 ||
	    w_num(fd, "cpu.cfs_burst_us", &c->burst, field, "burst", e) < 0)
		return -1;
	if (rt_period.set &&
	    w_num(fd, "cpu.rt_period_us", &rt_period, field, "realtimePeriod", &ignored) < 0) {
		if (w_num(fd, "cpu.rt_runtime_us", &rt_runtime, field, "realtimeRuntime", e) < 0)
			return -1;
		return w_num(fd, "cpu.rt_period_us", &rt_period, field, "realtimePeriod", e);
	}
	if (w_num(fd, "cpu.rt_runtime_us", &rt_runtime, field, "realtimeRuntime", e) < 0)
		return -1;
	return w_num(fd, "cpu.idle", &c->idle, field, "idle", e);
}

/* The same file names on both versions. */
int cg_cpuset(int fd, const struct oci_res_cpu *c, const char *field, struct cell_err *e)
{
	char f[160];

	snprintf(f, sizeof f, "%s.cpus", field);
	if (c->cpus && cg_write(fd, "cpuset.cpus", c->cpus, f, e) < 0)
		return -1;
	snprintf(f, sizeof f, "%s.mems", field);
	if (c->mems && cg_write(fd, "cpuset.mems", c->mems, f, e) < 0)
		return -1;
	return 0;
}

/* OCI: a negative limit is "no limit". */
int cg_pids(int fd, int64_t limit, const char *field, struct cell_err *e)
{
	if (limit < 0)
		return cg_write(fd, "pids.max", "max", field, e);
	return cg_write_i64(fd, "pids.max", limit, field, e);
}

static const char *const throttle_keys[OCI_THROTTLE_NKINDS] = {
	"throttleReadBpsDevice", "throttleWriteBpsDevice",
	"throttleReadIOPSDevice", "throttleWriteIOPSDevice",
};

/* One line per device and kind: "8:0 RATE" into files[kind], or, with
 * keys, "8:0 KEY=RATE" into files[0] (v2's io.max). */
int cg_throttles(int fd, const struct oci_res_blkio *b, const char *const files[],
		 const char *const keys[], const char *field, struct cell_err *e)
{
	char f[200], line[96];

	for (int k = 0; k < OCI_THROTTLE_NKINDS; k++)
		for (size_t i = 0; i < b->n_throttle[k]; i++) {
			const struct oci_res_throttle_dev *t = &b->throttle[k][i];

			snprintf(f, sizeof f, "%s.%s[%zu]", field, throttle_keys[k], i);
			snprintf(line, sizeof line, CG_DEV_FMT " %s%s%llu", (long long)t->major,
				 (long long)t->minor, keys ? keys[k] : "", keys ? "=" : "",
				 (unsigned long long)t->rate);
			if (cg_write(fd, files[keys ? 0 : k], line, f, e) < 0)
				return -1;
		}
	return 0;
}

/* "8:0 WEIGHT" lines of weightDevice, through conv (NULL: as given). */
int cg_weight_devs(int fd, const struct oci_res_blkio *b, const char *file,
		   int64_t (*conv)(int64_t), const char *field, struct cell_err *e)
{
	char f[200], line[64];

	for (size_t i = 0; i < b->n_weight_devs; i++) {
		const struct oci_res_weight_dev *d = &b->weight_devs[i];

		if (!d->weight.set)
			continue;
		snprintf(f, sizeof f, "%s.weightDevice[%zu]", field, i);
		snprintf(line, sizeof line, CG_DEV_FMT " %lld", (long long)d->major,
			 (long long)d->minor, (long long)(conv ? conv(d->weight.v) : d->weight.v));
		if (cg_write(fd, file, line, f, e) < 0)
			return -1;
	}
	return 0;
}

/* hugetlb.<size>.<suffix>: limit_in_bytes on v1, max on v2. */
int cg_hugetlb(int fd, const struct oci_res_hugepage *h, const char *suffix, const char *field,
	       struct cell_err *e)
{
	char file[64], val[24];

	snprintf(file, sizeof file, "hugetlb.%s.%s", h->page_size, suffix);
	snprintf(val, sizeof val, "%llu", (unsigned long long)h->limit);
	return cg_write(fd, file, val, field, e);
}

/* blkio.weight belongs to CFQ, gone since 5.0; BFQ has blkio.bfq.weight
 * with the same range. */
static int v1_blkio(int fd, const struct oci_res_blkio *b, const char *field, struct cell_err *e)
{
	static const char *const files[OCI_THROTTLE_NKINDS] = {
		"blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
		"blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device",
	};
	bool bfq = !has_file(fd, "blkio.weight");

	if ((b->weight.set || b->n_weight_devs) && bfq && !has_file(fd, "blkio.bfq.weight"))
		return cell_err_set(e, ENOTSUP, "%s.weight: no I/O scheduler with weights (CFQ or BFQ) on this host",
				    field);
	if (w_num(fd, bfq ? "blkio.bfq.weight" : "blkio.weight", &b->weight, field, "weight", e) < 0)
		return -1;
	if (!bfq && w_num(fd, "blkio.leaf_weight", &b->leaf_weight, field, "leafWeight", e) < 0)
		return -1;
	if (cg_weight_devs(fd, b, bfq ? "blkio.bfq.weight_device" : "blkio.weight_device", NULL,
			   field, e) < 0)
		return -1;
	return cg_throttles(fd, b, files, NULL, field, e);
}

static int v1_hugetlb(int fd, const struct oci_res_hugepage *h, const char *field,
		      struct cell_err *e)
{
	return cg_hugetlb(fd, h, "limit_in_bytes", field, e);
}

/* rdma.max lines are the same on both versions. */
int cg_rdma(int fd, const struct oci_res_rdma *r, const char *field, struct cell_err *e)
{
	char line[160];
	int n = snprintf(line, sizeof line, "%s", r->device);

	if (r->hca_handles.set)
		n += snprintf(line + n, sizeof line - (size_t)n, " hca_handle=%lld",
			      (long long)r->hca_handles.v);
	if (r->hca_objects.set)
		snprintf(line + n, sizeof line - (size_t)n, " hca_object=%lld",
			 (long long)r->hca_objects.v);
	if (!r->hca_handles.set && !r->hca_objects.set)
		return 0;
	return cg_write(fd, "rdma.max", line, field, e);
}

const struct cg_apply_ops cg_v1_ops = {
	.memory = v1_memory,
	.cpu = v1_cpu,
	.cpuset = cg_cpuset,
	.pids = cg_pids,
	.blkio = v1_blkio,
	.hugetlb = v1_hugetlb,
	.rdma = cg_rdma,
};

