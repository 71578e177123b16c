/* cgroup/ without a kernel: layouts from mountinfo texts, container
 * paths, the v1 -> v2 conversions. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "../../cgroup/internal.h"
#include "t.h"

#define HYBRID                                                                                     \
	"31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"                     \
	"32 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"             \
	"34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"               \
	"35 30 0:32 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"             \
	"36 30 0:33 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"             \
	"39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"        \
	"40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"

static int detect(struct cgroup *cg, const char *text, struct cell_err *e)
{
	char *buf = strdup(text);
	int r = cgroup_detect_from(cg, buf, false, e);

	free(buf);
	return r;
}

static int find(const struct cgroup *cg, const char *mnt)
{
	for (size_t i = 0; i < cg->n; i++)
		if (strcmp(cg->h[i].mnt, mnt) == 0)
			return (int)i;
	return -1;
}

static void layout_hybrid(void)
{
	struct cell_err e = { 0 };
	struct cgroup cg;
	int u;

	CHECK(detect(&cg, "22 1 0:20 / /proc rw - proc proc rw\n" HYBRID, &e) == 0);
	CHECK(cg.layout == CG_LAYOUT_HYBRID && cg.n == 7);
	u = find(&cg, "/sys/fs/cgroup/unified");
	CHECK(u >= 0 && cg.v2 == u && cg.h[u].version == 2);
	/* Freezer, devices and cpuacct are v1's here: nothing falls to v2. */
	CHECK(u >= 0 && cg.h[u].ctrls == 0);
	CHECK(cg.h[find(&cg, "/sys/fs/cgroup/memory")].ctrls == 1u << CG_MEMORY);
	CHECK(cg.h[find(&cg, "/sys/fs/cgroup/systemd")].ctrls == 0);
	CHECK(cg.h[0].fd == -1);
}

static void layout_v1_comounted_and_duplicates(void)
{
	struct cell_err e = { 0 };
	struct cgroup cg;
	int i;

	CHECK(detect(&cg,
		     "1 0 0:1 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
		     "2 0 0:2 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"
		     "3 0 0:2 / /var/lib/x/rootfs/sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"
		     "4 0 0:3 / /sys/fs/cgroup/odd\\040name rw - cgroup cgroup rw,net_cls,net_prio\n"
		     "5 0 0:4 / /sys/fs/cgroup/named rw - cgroup cgroup rw,name=other\n",
		     &e) == 0);
	CHECK(cg.layout == CG_LAYOUT_V1 && cg.v2 == -1);
	CHECK(cg.n == 3); /* the second pids mount and name=other are skipped */
	i = find(&cg, "/sys/fs/cgroup/cpu,cpuacct");
	CHECK(i >= 0 && cg.h[i].ctrls == ((1u << CG_CPU) | (1u << CG_CPUACCT)));
	i = find(&cg, "/sys/fs/cgroup/odd name");
	CHECK(i >= 0 && cg.h[i].ctrls == ((1u << CG_NET_CLS) | (1u << CG_NET_PRIO)));
}

static void layout_v2_and_none(void)
{
	struct cell_err e = { 0 };
	struct cgroup cg;

	CHECK(detect(&cg, "25 1 0:22 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n", &e) == 0);
	CHECK(cg.layout == CG_LAYOUT_V2 && cg.n == 1 && cg.v2 == 0);
	/* Freezing, device filters and cpu.stat are cgroup2's own. */
	CHECK(cg.h[0].ctrls == ((1u << CG_FREEZER) | (1u << CG_DEVICES) | (1u << CG_CPUACCT)));
	CHECK(detect(&cg, "22 1 0:20 / /proc rw - proc proc rw\n", &e) < 0 && e.errnum == ENOENT);
	CHECK_STR(e.msg, "cgroups: no cgroup filesystem is mounted");
}

static const char *path_of(const char *cgroups_path, const char *scope, const char *id,
			   struct cell_err *e)
{
	static struct cgroup cg;

	if (detect(&cg, HYBRID, e) < 0 || cgroup_set_path(&cg, cgroups_path, scope, id, e) < 0)
		return NULL;
	for (size_t i = 1; i < cg.n; i++)
		if (strcmp(cg.h[i].path, cg.h[0].path) != 0)
			return "(differs per hierarchy)";
	return cg.h[0].path;
}

static void paths(void)
{
	struct cell_err e = { 0 };

	CHECK_STR(path_of(NULL, NULL, "box", &e), "/cell/box");
	CHECK_STR(path_of(NULL, "r-0123abcd", "box", &e), "/cell/r-0123abcd/box");
	CHECK_STR(path_of("/a//b/", NULL, "box", &e), "/a/b");
	CHECK_STR(path_of("machine-web.slice:cell:box", NULL, "x", &e),
		  "/machine.slice/machine-web.slice/cell-box.scope");
	CHECK_STR(path_of(":cell:box", NULL, "x", &e), "/system.slice/cell-box.scope");
	CHECK_STR(path_of("a-b-c.slice::x.scope", NULL, "x", &e), "/a.slice/a-b.slice/a-b-c.slice/x.scope");
	CHECK(path_of("/a/../b", NULL, "x", &e) == NULL);
	CHECK_STR(e.msg, "linux.cgroupsPath: `/a/../b`: `.` and `..` are not allowed");
	CHECK(path_of("web:cell:x", NULL, "x", &e) == NULL);
	CHECK_STR(e.msg, "linux.cgroupsPath: `web:cell:x`: `web` is not a slice name");
	CHECK(path_of("a.slice:x", NULL, "x", &e) == NULL);
	CHECK_STR(e.msg, "linux.cgroupsPath: `a.slice:x` is not slice:prefix:name");
	CHECK(path_of("/", NULL, "x", &e) == NULL);
	CHECK_STR(e.msg, "linux.cgroupsPath: `/`: the container cannot use a root cgroup");
}

static void conversions(void)
{
	CHECK(cg_shares_to_weight(2) == 1);
	CHECK(cg_shares_to_weight(1024) == 39);
	CHECK(cg_shares_to_weight(512) == 20);
	CHECK(cg_shares_to_weight(262144) == 10000);
	CHECK(cg_shares_to_weight(1 << 30) == 10000);
	CHECK(cg_blkio_to_io_weight(10) == 1);
	CHECK(cg_blkio_to_io_weight(500) == 4950);
	CHECK(cg_blkio_to_io_weight(1000) == 10000);
}

static void state_roundtrip(void)
{
	struct cell_err e = { 0 };
	struct cgroup cg;
	char *json;

	CHECK(detect(&cg, HYBRID, &e) == 0);
	CHECK(cgroup_set_path(&cg, NULL, NULL, "box", &e) == 0);
	/* Only hierarchies with an open directory are recorded. */
	json = cgroup_state_json(&cg);
	CHECK_STR(json, "[]");
	free(json);
	cg.h[2].fd = 0;
	cg.h[2].created = 1;
	json = cgroup_state_json(&cg);
	CHECK_STR(json, "[{\"mnt\":\"/sys/fs/cgroup/memory\",\"path\":\"/cell/box\",\"created\":1}]");
	free(json);
}

/* Rootless: what the container's cgroups lack is dropped and reported;
 * device rules always go. */
static void rootless_filter(void)
{
	struct cell_err e = { 0 };
	struct cgroup cg;
	struct oci_kv kv[] = { { "memory.high", "1" }, { "pids.max", "3" } };
	struct oci_res_device dev = { .allow = false, .type = 'a', .major = -1, .minor = -1, .access = 7 };
	struct oci_resources r = { .present = true, .has_memory = true, .unified = kv, .n_unified = 2,
				   .devices = &dev, .n_devices = 1 };
	struct oci_resources out;
	struct oci_kv *uni = NULL;
	int m;

	r.memory.limit = (struct oci_num){ true, 1 << 25 };
	r.pids_limit = (struct oci_num){ true, 16 };
	r.cpu.shares = (struct oci_num){ true, 512 };
	CHECK(detect(&cg, HYBRID, &e) == 0);
	m = find(&cg, "/sys/fs/cgroup/memory");
	CHECK(m >= 0);
	/* Only the memory hierarchy is the container's (v1: all of its
	 * controllers are there). */
	cg.h[m].fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(cg_rootless_filter(&cg, &r, &out, &uni, &e) == 0);
	CHECK(out.has_memory && out.memory.limit.set);
	CHECK(!out.pids_limit.set && !out.cpu.shares.set);
	CHECK(out.n_devices == 0);
	CHECK(out.n_unified == 1);
	CHECK_STR(out.n_unified ? out.unified[0].key : NULL, "memory.high");
	CHECK(cg.skipped == ((1u << CG_PIDS) | (1u << CG_CPU)));
	/* The config itself is untouched. */
	CHECK(r.pids_limit.set && r.n_devices == 1 && r.n_unified == 2);
	free(uni);
	close(cg.h[m].fd);
}

int main(void)
{
	RUN(layout_hybrid);
	RUN(layout_v1_comounted_and_duplicates);
	RUN(layout_v2_and_none);
	RUN(paths);
	RUN(conversions);
	RUN(state_roundtrip);
	RUN(rootless_filter);
	return t_done();
}
