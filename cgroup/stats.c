/* Usage numbers of a container's cgroups (`events --stats`, `info`), read
 * from whichever version drives each controller. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define USER_HZ_NS 10000000ULL /* cpuacct.stat counts USER_HZ (100) ticks */

/* "key value" lines (cpu.stat, memory.events, ...): the value of key. */
static bool kv(const char *buf, const char *key, uint64_t *out)
{
	size_t l = strlen(key);

	for (const char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, key, l) == 0 && p[l] == ' ') {
			*out = strtoull(p + l + 1, NULL, 10);
			return true;
		}
	}
	return false;
}

/* A single number, or "max" (kept as 0 with *max set). */
static bool num(int fd, const char *file, uint64_t *out)
{
	char buf[64];

	if (fd < 0 || cg_read(fd, file, buf, sizeof buf) <= 0)
		return false;
	*out = strncmp(buf, "max", 3) == 0 ? UINT64_MAX : strtoull(buf, NULL, 10);
	return true;
}

static void cpu_stats(const struct cgroup *cg, struct cgroup_stats *s)
{
	char buf[1024];
	int ver, fd = cgroup_ctrl_fd(cg, CG_CPUACCT, &ver);

	if (fd >= 0 && ver == 2 && cg_read(fd, "cpu.stat", buf, sizeof buf) > 0) {
		uint64_t us = 0;

		s->has_cpu = kv(buf, "usage_usec", &us);
		s->cpu_total_ns = us * 1000;
		if (kv(buf, "user_usec", &us))
			s->cpu_user_ns = us * 1000;
		if (kv(buf, "system_usec", &us))
			s->cpu_system_ns = us * 1000;
		kv(buf, "nr_periods", &s->cpu_periods);
		kv(buf, "nr_throttled", &s->cpu_throttled_periods);
		if (kv(buf, "throttled_usec", &us))
			s->cpu_throttled_ns = us * 1000;
		return;
	}
	if (fd >= 0 && num(fd, "cpuacct.usage", &s->cpu_total_ns)) {
		s->has_cpu = true;
		if (cg_read(fd, "cpuacct.stat", buf, sizeof buf) > 0) {
			uint64_t t = 0;

			if (kv(buf, "user", &t))
				s->cpu_user_ns = t * USER_HZ_NS;
			if (kv(buf, "system", &t))
				s->cpu_system_ns = t * USER_HZ_NS;
		}
	}
	fd = cgroup_ctrl_fd(cg, CG_CPU, &ver);
	if (fd >= 0 && ver == 1 && cg_read(fd, "cpu.stat", buf, sizeof buf) > 0) {
		kv(buf, "nr_periods", &s->cpu_periods);
		kv(buf, "nr_throttled", &s->cpu_throttled_periods);
		kv(buf, "throttled_time", &s->cpu_throttled_ns);
	}
}

static void memory_stats(const struct cgroup *cg, struct cgroup_stats *s)
{
	char buf[1024];
	int ver, fd = cgroup_ctrl_fd(cg, CG_MEMORY, &ver);

	if (fd < 0)
		return;
	if (ver == 2) {
		s->has_memory = num(fd, "memory.current", &s->mem_usage);
		num(fd, "memory.peak", &s->mem_max_usage);
		num(fd, "memory.max", &s->mem_limit);
		num(fd, "memory.swap.current", &s->swap_usage);
		num(fd, "memory.swap.max", &s->swap_limit);
		if (cg_read(fd, "memory.events", buf, sizeof buf) > 0) {
			kv(buf, "max", &s->mem_failcnt);
			kv(buf, "oom_kill", &s->oom_kills);
		}
		return;
	}
	s->has_memory = num(fd, "memory.usage_in_bytes", &s->mem_usage);
	num(fd, "memory.max_usage_in_bytes", &s->mem_max_usage);
	num(fd, "memory.limit_in_bytes", &s->mem_limit);
	num(fd, "memory.failcnt", &s->mem_failcnt);
	/* memsw counts memory plus swap; swap alone is the difference. */
	if (num(fd, "memory.memsw.usage_in_bytes", &s->swap_usage))
		s->swap_usage = s->swap_usage > s->mem_usage ? s->swap_usage - s->mem_usage : 0;
	num(fd, "memory.memsw.limit_in_bytes", &s->swap_limit);
	if (cg_read(fd, "memory.oom_control", buf, sizeof buf) > 0)
		kv(buf, "oom_kill", &s->oom_kills);
}

static struct cgroup_io *io_dev(struct cgroup_stats *s, unsigned maj, unsigned min)
{
	for (size_t i = 0; i < s->n_io; i++)
		if (s->io[i].major == maj && s->io[i].minor == min)
			return &s->io[i];
	if (s->n_io == CG_STATS_MAX_DEV)
		return NULL;
	s->io[s->n_io] = (struct cgroup_io){ .major = maj, .minor = min };
	return &s->io[s->n_io++];
}

/* io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 ..." */
static void io_v2(int fd, struct cgroup_stats *s)
{
	char buf[4096];

	if (cg_read(fd, "io.stat", buf, sizeof buf) < 0)
		return;
	s->has_io = true;
	for (char *line = buf; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		unsigned maj, min;
		struct cgroup_io *d;
		char *p;

		if (sscanf(line, "%u:%u", &maj, &min) != 2 || (d = io_dev(s, maj, min)) == NULL)
			continue;
		if ((p = strstr(line, "rbytes=")))
			d->read_bytes = strtoull(p + 7, NULL, 10);
		if ((p = strstr(line, "wbytes=")))
			d->write_bytes = strtoull(p + 7, NULL, 10);
		if ((p = strstr(line, "rios=")))
			d->read_ios = strtoull(p + 5, NULL, 10);
		if ((p = strstr(line, "wios=")))
			d->write_ios = strtoull(p + 5, NULL, 10);
	}
}

/* blkio.throttle.io_service*_recursive: "8:0 Read 123" lines. */
static void io_v1(int fd, const char *file, bool bytes, struct cgroup_stats *s)
{
	char buf[8192], op[16];

	if (cg_read(fd, file, buf, sizeof buf) < 0)
		return;
	s->has_io = true;
	for (char *line = buf; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		unsigned maj, min;
		unsigned long long v;
		struct cgroup_io *d;

		if (sscanf(line, "%u:%u %15s %llu", &maj, &min, op, &v) != 4)
			continue;
		if ((strcmp(op, "Read") && strcmp(op, "Write")) || (d = io_dev(s, maj, min)) == NULL)
			continue;
		if (op[0] == 'R')
			*(bytes ? &d->read_bytes : &d->read_ios) = v;
		else
			*(bytes ? &d->write_bytes : &d->write_ios) = v;
	}
}

void cgroup_stats(const struct cgroup *cg, struct cgroup_stats *s)
{
	int ver, fd;

	memset(s, 0, sizeof *s);
	cpu_stats(cg, s);
	memory_stats(cg, s);
	fd = cgroup_ctrl_fd(cg, CG_PIDS, &ver);
	s->has_pids = num(fd, "pids.current", &s->pids_current);
	num(fd, "pids.max", &s->pids_limit);
	fd = cgroup_ctrl_fd(cg, CG_BLKIO, &ver);
	if (fd >= 0 && ver == 2) {
		io_v2(fd, s);
	} else if (fd >= 0) {
		io_v1(fd, "blkio.throttle.io_service_bytes_recursive", true, s);
		io_v1(fd, "blkio.throttle.io_serviced_recursive", false, s);
	}
}
