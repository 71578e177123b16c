/* The host's cgroup layout, read from /proc/self/mountinfo: one read tells
 * every hierarchy, its mount point and (v1) its controllers, where a scan
 * of /sys/fs/cgroup would cost a statfs per entry. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util/cleanup.h"
#include "../util/fs.h"
#include "internal.h"

static const char *const v1_names[CG_NCTRL] = {
	[CG_CPU] = "cpu",         [CG_CPUACCT] = "cpuacct",   [CG_CPUSET] = "cpuset",
	[CG_MEMORY] = "memory",   [CG_PIDS] = "pids",         [CG_BLKIO] = "blkio",
	[CG_DEVICES] = "devices", [CG_FREEZER] = "freezer",   [CG_HUGETLB] = "hugetlb",
	[CG_NET_CLS] = "net_cls", [CG_NET_PRIO] = "net_prio", [CG_PERF_EVENT] = "perf_event",
	[CG_RDMA] = "rdma",       [CG_MISC] = "misc",
};

const char *cgroup_ctrl_name(enum cg_ctrl c, int version)
{
	if (version == 2 && c == CG_BLKIO)
		return "io";
	return c < CG_NCTRL ? v1_names[c] : "?";
}

static int ctrl_from_name(const char *s, size_t len, int version)
{
	if (version == 2 && len == 2 && memcmp(s, "io", 2) == 0)
		return CG_BLKIO;
	for (int c = 0; c < CG_NCTRL; c++)
		if (strlen(v1_names[c]) == len && memcmp(v1_names[c], s, len) == 0)
			return c;
	return -1;
}

/* v1 super options: "rw,cpu,cpuacct" or "rw,name=systemd". */
static uint32_t v1_ctrls(const char *opts)
{
	uint32_t m = 0;

	for (const char *p = opts; *p;) {
		size_t n = strcspn(p, ",");
		int c = ctrl_from_name(p, n, 1);

		if (c >= 0)
			m |= 1u << c;
		p += n + (p[n] == ',');
	}
	return m;
}

/* The space-separated cgroup.controllers of a v2 directory. */
uint32_t cg_v2_ctrls(int dirfd)
{
	char buf[512];
	uint32_t m = 0;

	if (cg_read(dirfd, "cgroup.controllers", buf, sizeof buf) <= 0)
		return 0;
	for (char *p = buf; *p;) {
		size_t len = strcspn(p, " \n");
		int c = ctrl_from_name(p, len, 2);

		if (c >= 0)
			m |= 1u << c;
		p += len;
		p += strspn(p, " \n");
	}
	return m;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] && r[3]) {
			*w++ = (char)(((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

/* Split one mountinfo line: mount point (field 5), fs type and super
 * options (the 1st and 3rd fields after " - "). */
static bool parse_line(char *line, char **mnt, char **type, char **opts)
{
	char *f[5], *sep = strstr(line, " - "), *save = NULL;
	int i = 0;

	if (sep == NULL)
		return false;
	*sep = '\0';
	for (char *t = strtok_r(line, " ", &save); t && i < 5; t = strtok_r(NULL, " ", &save))
		f[i++] = t;
	if (i < 5)
		return false;
	*mnt = f[4];
	*type = strtok_r(sep + 3, " ", &save);
	if (*type == NULL || strtok_r(NULL, " ", &save) == NULL)
		return false;
	*opts = strtok_r(NULL, " \n", &save);
	return *opts != NULL;
}

static bool known_mount(const struct cgroup *cg, const char *mnt, uint32_t ctrls, int version)
{
	for (size_t i = 0; i < cg->n; i++) {
		if (strcmp(cg->h[i].mnt, mnt) == 0)
			return true;
		/* The same hierarchy mounted twice: keep the first. */
		if (version == 1 && ctrls && cg->h[i].version == 1 && cg->h[i].ctrls == ctrls)
			return true;
	}
	return version == 2 && cg->v2 >= 0;
}

static int add_hier(struct cgroup *cg, const char *mnt, const char *opts, int version,
		    struct cell_err *e)
{
	struct cg_hier *h;
	uint32_t ctrls = version == 1 ? v1_ctrls(opts) : 0;

	if (known_mount(cg, mnt, ctrls, version))
		return 0;
	/* Named v1 hierarchies other than systemd's carry nothing we use. */
	if (version == 1 && ctrls == 0 && strstr(opts, "name=systemd") == NULL)
		return 0;
	if (cg->n == CG_MAX_HIER)
		return cell_err_set(e, E2BIG, "cgroups: more than %d hierarchies", CG_MAX_HIER);
	if (strlen(mnt) >= sizeof cg->h[0].mnt)
		return cell_err_set(e, ENAMETOOLONG, "cgroups: mount point `%s` is too long", mnt);
	h = &cg->h[cg->n];
	memset(h, 0, sizeof *h);
	h->fd = -1;
	h->version = version;
	h->ctrls = ctrls;
	strcpy(h->mnt, mnt);
	if (version == 2)
		cg->v2 = (int)cg->n;
	cg->n++;
	return 0;
}

static void finish_layout(struct cgroup *cg, bool probe_v2)
{
	uint32_t v1 = 0;
	bool has_v1 = false;

	for (size_t i = 0; i < cg->n; i++)
		if (cg->h[i].version == 1) {
			v1 |= cg->h[i].ctrls;
			has_v1 = true;
		}
	cg->layout = !has_v1 ? CG_LAYOUT_V2 : cg->v2 >= 0 ? CG_LAYOUT_HYBRID : CG_LAYOUT_V1;
	if (cg->v2 < 0)
		return;
	/* Freezing and device filtering are part of cgroup2 itself; cpu.stat
	 * is there without the cpu controller. They fall to v2 where no v1
	 * hierarchy has them. */
	struct cg_hier *h = &cg->h[cg->v2];
	_cleanup_close_ int fd = probe_v2 ? open(h->mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;

	h->ctrls = fd >= 0 ? cg_v2_ctrls(fd) : 0;
	h->ctrls |= ((1u << CG_FREEZER) | (1u << CG_DEVICES) | (1u << CG_CPUACCT)) & ~v1;
	h->ctrls &= ~v1;
}

int cgroup_detect_from(struct cgroup *cg, char *mountinfo, bool probe_v2, struct cell_err *e)
{
	memset(cg, 0, sizeof *cg);
	cg->v2 = -1;
	for (char *line = mountinfo, *next; line && *line; line = next) {
		char *mnt, *type, *opts;
		int version;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!strstr(line, " - cgroup") || !parse_line(line, &mnt, &type, &opts))
			continue;
		if (strcmp(type, "cgroup2") == 0)
			version = 2;
		else if (strcmp(type, "cgroup") == 0)
			version = 1;
		else
			continue;
		unescape(mnt);
		if (add_hier(cg, mnt, opts, version, e) < 0)
			return -1;
	}
	if (cg->n == 0)
		return cell_err_set(e, ENOENT, "cgroups: no cgroup filesystem is mounted");
	finish_layout(cg, probe_v2);
	return 0;
}

int cgroup_detect(struct cgroup *cg, struct cell_err *e)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;

	if (fs_read_file(AT_FDCWD, "/proc/self/mountinfo", 4 << 20, &buf, &len, e) < 0)
		return cell_err_wrap(e, "cgroups");
	return cgroup_detect_from(cg, buf, true, e);
}

int cgroup_ctrl_fd(const struct cgroup *cg, enum cg_ctrl ctrl, int *version)
{
	for (size_t i = 0; i < cg->n; i++)
		if (cg->h[i].fd >= 0 && (cg->h[i].ctrls & (1u << ctrl))) {
			if (version)
				*version = cg->h[i].version;
			return cg->h[i].fd;
		}
	return -1;
}

void cgroup_close(struct cgroup *cg)
{
	for (size_t i = 0; i < cg->n; i++) {
		if (cg->h[i].fd >= 0)
			close(cg->h[i].fd);
		cg->h[i].fd = -1;
	}
}
