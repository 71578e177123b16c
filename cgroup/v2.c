/* Resource files of cgroup v2, with the conversions runc and crun use so
 * that one config.json means the same on both versions. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* -1 (and, for limits, anything negative) is "max" on v2. */
static int w_max(int fd, const char *file, int64_t v, const char *field, struct cell_err *e)
{
	if (v < 0)
		return cg_write(fd, file, "max", field, e);
	return cg_write_i64(fd, file, v, field, e);
}

static void sub(char *f, size_t cap, const char *field, const char *key)
{
	snprintf(f, cap, "%s.%s", field, key);
}

/* OCI's swap limits memory plus swap; memory.swap.max limits swap alone. */
static int v2_swap(int fd, const struct oci_res_memory *m, const char *field, struct cell_err *e)
{
	char f[160];

	sub(f, sizeof f, field, "swap");
	if (!m->swap.set)
		return 0;
	if (m->swap.v == -1)
		return cg_write(fd, "memory.swap.max", "max", f, e);
	if (!m->limit.set || m->limit.v <= 0)
		return cell_err_set(e, EINVAL, "%s: needs memory.limit on cgroup v2 (it limits memory plus swap)", f);
	if (faccessat(fd, "memory.swap.max", F_OK, 0) < 0)
		return m->swap.v == m->limit.v ? 0 :
		       cell_err_set(e, ENOTSUP, "%s: this host has no swap accounting (memory.swap.max)", f);
	return cg_write_i64(fd, "memory.swap.max", m->swap.v - m->limit.v, f, e);
}

/* swappiness, disableOOMKiller and kernel have no v2 file: accepted and
 * not written, as runc and crun do. */
static int v2_memory(int fd, const struct oci_res_memory *m, const char *field, struct cell_err *e)
{
	char f[160];

	if (m->limit.set && m->limit.v != 0) {
		sub(f, sizeof f, field, "limit");
		if (w_max(fd, "memory.max", m->limit.v, f, e) < 0)
			return -1;
	}
	if (m->reservation.set && m->reservation.v != 0) {
		sub(f, sizeof f, field, "reservation");
		if (w_max(fd, "memory.low", m->reservation.v, f, e) < 0)
			return -1;
	}
	return v2_swap(fd, m, field, e);
}

/* cpu.shares 2..262144 onto cpu.weight 1..10000 (the OCI/Kubernetes
 * mapping, as in runc's ConvertCPUSharesToCgroupV2Value). */
int64_t cg_shares_to_weight(int64_t shares)
{
	if (shares <= 2)
		return 1;
	if (shares >= 262144)
		return 10000;
	return 1 + ((shares - 2) * 9999) / 262142;
}

/* blkio weight 10..1000 onto io.weight 1..10000. */
int64_t cg_blkio_to_io_weight(int64_t w)
{
	if (w <= 10)
		return 1;
	return 1 + ((w - 10) * 9999) / 990;
}

static int v2_cpu_max(int fd, const struct oci_res_cpu *c, const char *field, struct cell_err *e)
{
	char f[160], line[48], cur[48];
	long long period = 100000;
	/* A quota of 0 means "not set" (as in v1; docker's `update` sends 0
	 * for every limit not named): it must not lift a quota there is. */
	bool quota = c->quota.set && c->quota.v != 0;

	if (!quota && !(c->period.set && c->period.v != 0))
		return 0;
	sub(f, sizeof f, field, quota ? "quota" : "period");
	if (c->period.set && c->period.v != 0)
		period = c->period.v;
	else if (cg_read(fd, "cpu.max", cur, sizeof cur) > 0 && sscanf(cur, "%*s %lld", &period) != 1)
		period = 100000;
	if (quota && c->quota.v > 0) {
		snprintf(line, sizeof line, "%lld %lld", (long long)c->quota.v, period);
	} else if (quota) {
		snprintf(line, sizeof line, "max %lld", period);
	} else {
		/* Only the period: keep the quota there is. */
		char q[24] = "max";

		if (cg_read(fd, "cpu.max", cur, sizeof cur) > 0)
			sscanf(cur, "%23s", q);
		snprintf(line, sizeof line, "%s %lld", q, period);
	}
	return cg_write(fd, "cpu.max", line, f, e);
}

static int v2_cpu(int fd, const struct oci_res_cpu *c, const char *field, struct cell_err *e)
{
	char f[160];

	if (c->shares.set && c->shares.v != 0) {
		sub(f, sizeof f, field, "shares");
		if (cg_write_i64(fd, "cpu.weight", cg_shares_to_weight(c->shares.v), f, e) < 0)
			return -1;
	}
	if (v2_cpu_max(fd, c, field, e) < 0)
		return -1;
	if (c->burst.set) {
		sub(f, sizeof f, field, "burst");
		if (cg_write_i64(fd, "cpu.max.burst", c->burst.v, f, e) < 0)
			return -1;
	}
	if (c->idle.set) {
		sub(f, sizeof f, field, "idle");
		if (cg_write_i64(fd, "cpu.idle", c->idle.v, f, e) < 0)
			return -1;
	}
	if ((c->rt_runtime.set && c->rt_runtime.v != 0) || (c->rt_period.set && c->rt_period.v != 0))
		return cell_err_set(e, ENOTSUP, "%s.realtimeRuntime: cgroup v2 has no realtime CPU budget",
				    field);
	return 0;
}

/* With BFQ, io.bfq.weight takes the blkio range as is; otherwise
 * io.weight (the cost model) takes the converted one. */
static int v2_io(int fd, const struct oci_res_blkio *b, const char *field, struct cell_err *e)
{
	static const char *const io_max[] = { "io.max" };
	static const char *const keys[OCI_THROTTLE_NKINDS] = { "rbps", "wbps", "riops", "wiops" };
	bool bfq = faccessat(fd, "io.bfq.weight", F_OK, 0) == 0;
	char f[200];

	if (b->weight.set) {
		sub(f, sizeof f, field, "weight");
		if (bfq ? cg_write_i64(fd, "io.bfq.weight", b->weight.v, f, e) < 0 :
			  cg_write_i64(fd, "io.weight", cg_blkio_to_io_weight(b->weight.v), f, e) < 0)
			return -1;
	}
	if (cg_weight_devs(fd, b, bfq ? "io.bfq.weight" : "io.weight",
			   bfq ? NULL : cg_blkio_to_io_weight, field, e) < 0)
		return -1;
	return cg_throttles(fd, b, io_max, keys, field, e);
}

static int v2_hugetlb(int fd, const struct oci_res_hugepage *h, const char *field,
		      struct cell_err *e)
{
	return cg_hugetlb(fd, h, "max", field, e);
}

const struct cg_apply_ops cg_v2_ops = {
	.memory = v2_memory,
	.cpu = v2_cpu,
	.cpuset = cg_cpuset,
	.pids = cg_pids,
	.blkio = v2_io,
	.hugetlb = v2_hugetlb,
	.rdma = cg_rdma,
};
