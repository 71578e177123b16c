/* A container's cgroups on whatever layout the host has: cgroup v1 (one
 * hierarchy per controller group under /sys/fs/cgroup), hybrid (v1
 * controllers plus cgroup2 at /sys/fs/cgroup/unified) or pure v2. Each
 * controller is driven through the version it is bound to. */
#ifndef CELL_CGROUP_H
#define CELL_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../oci/resources.h"
#include "../util/err.h"

#define CGROUP_ROOT "/sys/fs/cgroup"
#define CG_MAX_HIER 20
#define CG_PATH_MAX 1024

enum cg_ctrl {
	CG_CPU,
	CG_CPUACCT,
	CG_CPUSET,
	CG_MEMORY,
	CG_PIDS,
	CG_BLKIO, /* "io" on v2 */
	CG_DEVICES,
	CG_FREEZER,
	CG_HUGETLB,
	CG_NET_CLS,
	CG_NET_PRIO,
	CG_PERF_EVENT,
	CG_RDMA,
	CG_MISC,
	CG_NCTRL
};

enum cg_layout { CG_LAYOUT_V1, CG_LAYOUT_HYBRID, CG_LAYOUT_V2 };

struct cg_hier {
	int version;            /* 1 or 2 */
	uint32_t ctrls;         /* 1 << enum cg_ctrl, the controllers it drives */
	char mnt[128];          /* mount point, e.g. /sys/fs/cgroup/cpu,cpuacct */
	char path[CG_PATH_MAX]; /* the container's cgroup below mnt: "/cell/ID" */
	int created;            /* trailing components of path this container made */
	int base;               /* leading components of a default path that are the
				 * caller's delegated cgroup (rootless), not cell's */
	bool unused;            /* rootless: nothing delegated here, not used */
	int fd;                 /* the container's cgroup directory, or -1 */
};

struct cgroup {
	enum cg_layout layout;
	size_t n;
	struct cg_hier h[CG_MAX_HIER];
	int v2;        /* index of the cgroup2 hierarchy, or -1 */
	bool in_clone; /* the v2 dir was entered by CLONE_INTO_CGROUP */
	bool default_path; /* /cell/[SCOPE/]ID: the parents are cell's to remove */
	/* Set by the caller before cgroup_set_path when not root: only
	 * cgroups delegated to the user are used (cgroup_create). */
	bool rootless;
	uint32_t skipped; /* rootless: controllers the resources needed but
			   * the container's cgroups lack (their limits skipped) */
};

/* Find the host's hierarchies. */
int cgroup_detect(struct cgroup *cg, struct cell_err *e);

/* Set each hierarchy's path from linux.cgroupsPath as runc reads it
 * (absolute: below the hierarchy's root; relative: below the caller's own
 * cgroup there; "slice:prefix:name": systemd's layout), or /cell/ID when
 * it is absent (/cell/SCOPE/ID with a non-empty scope). Rootless, the
 * default path is below the topmost level of the caller's own cgroup that
 * is delegated to it (BASE/cell/ID); hierarchies without one are unused. */
int cgroup_set_path(struct cgroup *cg, const char *cgroups_path, const char *scope,
		    const char *id, struct cell_err *e);

/* Make the container's cgroups and write its resources. On failure
 * nothing made here is left. Rootless, a hierarchy the user may not write
 * is left unused, and the limits of controllers the container's cgroups
 * then lack are skipped (cg->skipped); it fails (EACCES) only when no
 * hierarchy is usable. */
int cgroup_create(struct cgroup *cg, const struct oci_resources *r, struct cell_err *e);

/* The v2 directory for clone3's CLONE_INTO_CGROUP, or -1 where the
 * process must be moved by cgroup_attach (v1 and hybrid hosts). */
int cgroup_clone_fd(const struct cgroup *cg);

/* Move pid into every hierarchy not entered at clone time. */
int cgroup_attach(struct cgroup *cg, pid_t pid, struct cell_err *e);

/* What cgroup_open needs later, as a JSON array for the state file. */
char *cgroup_state_json(const struct cgroup *cg);

/* Open the cgroups of an existing container from its state's JSON.
 * Hierarchies whose directory is gone are skipped. */
int cgroup_open(struct cgroup *cg, const char *state_json, struct cell_err *e);

/* Remove the directories this container made, waiting briefly for
 * exiting processes. Closes the fds. */
int cgroup_destroy(struct cgroup *cg, struct cell_err *e);

void cgroup_close(struct cgroup *cg);

/* Write the resources (create and update). `field` prefixes errors
 * ("linux.resources" or the name of an update file). */
int cgroup_apply(struct cgroup *cg, const struct oci_resources *r, const char *field,
		 struct cell_err *e);

/* The hierarchy fd that drives ctrl, or -1; *version gets 1 or 2. */
int cgroup_ctrl_fd(const struct cgroup *cg, enum cg_ctrl ctrl, int *version);

/* Freeze or thaw every process, and wait until the kernel says so. */
int cgroup_freeze(struct cgroup *cg, bool frozen, struct cell_err *e);
bool cgroup_is_frozen(const struct cgroup *cg);

/* The pids in the container's cgroup (malloc'd). */
int cgroup_pids(const struct cgroup *cg, pid_t **out, size_t *n, struct cell_err *e);

/* Send sig to every process in the cgroup (cgroup.kill for SIGKILL on v2). */
int cgroup_signal_all(struct cgroup *cg, int sig, struct cell_err *e);

#define CG_STATS_MAX_DEV 16

struct cgroup_io {
	unsigned major, minor;
	uint64_t read_bytes, write_bytes, read_ios, write_ios;
};

/* Usage numbers; a limit of UINT64_MAX means none. */
struct cgroup_stats {
	bool has_cpu, has_memory, has_pids, has_io;
	uint64_t cpu_total_ns, cpu_user_ns, cpu_system_ns;
	uint64_t cpu_periods, cpu_throttled_periods, cpu_throttled_ns;
	uint64_t mem_usage, mem_max_usage, mem_limit, mem_failcnt;
	uint64_t swap_usage, swap_limit, oom_kills;
	uint64_t pids_current, pids_limit;
	size_t n_io;
	struct cgroup_io io[CG_STATS_MAX_DEV];
};

void cgroup_stats(const struct cgroup *cg, struct cgroup_stats *s);

/* Controller names, for messages ("memory", "io"...). */
const char *cgroup_ctrl_name(enum cg_ctrl c, int version);

#endif
