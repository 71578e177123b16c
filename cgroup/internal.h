/* Private to cgroup/. */
#ifndef CELL_CGROUP_INTERNAL_H
#define CELL_CGROUP_INTERNAL_H

#include "../oci/config.h"
#include "cgroup.h"

/* Controllers a v2 cgroup.subtree_control can enable (freezing, device
 * filtering and cpu.stat are built into cgroup2). */
#define CG_V2_ENABLEABLE                                                                  \
	((1u << CG_CPU) | (1u << CG_CPUSET) | (1u << CG_MEMORY) | (1u << CG_PIDS) |       \
	 (1u << CG_BLKIO) | (1u << CG_HUGETLB) | (1u << CG_RDMA) | (1u << CG_MISC))

/* What `update` can set besides the create-time config: enabled for a
 * container's cgroup where the parent allows, so later limits work. */
#define CG_V2_UPDATABLE                                                                   \
	((1u << CG_CPU) | (1u << CG_CPUSET) | (1u << CG_MEMORY) | (1u << CG_PIDS) |       \
	 (1u << CG_BLKIO))

uint32_t cg_v2_ctrls(int dirfd);

/* Built into cgroup2: no subtree_control entry. */
#define CG_V2_BUILTIN ((1u << CG_FREEZER) | (1u << CG_DEVICES) | (1u << CG_CPUACCT))

/* Append the caller's own cgroup (/proc/self/cgroup) to each hierarchy's
 * path. */
int cg_own_paths(struct cgroup *cg, struct cell_err *e);

/* Rootless (deleg.c): each hierarchy's path cut to the topmost delegated
 * level of the caller's own cgroup, or marked unused. */
int cg_deleg_bases(struct cgroup *cg, struct cell_err *e);

/* Rootless: may this user make and join cgroups in dirfd? */
bool cg_delegated(int dirfd, int version);

/* Rootless: r without what the container's cgroups cannot do (the
 * controllers in cg->skipped) and without device rules (the user
 * namespace already keeps device nodes out). *unified_out is malloc'd,
 * for the caller to free. */
int cg_rootless_filter(struct cgroup *cg, const struct oci_resources *r,
		       struct oci_resources *out, struct oci_kv **unified_out, struct cell_err *e);

/* cgroup_detect on a mountinfo text (modified in place); probe_v2 reads
 * the cgroup2 root's cgroup.controllers (off in unit tests). */
int cgroup_detect_from(struct cgroup *cg, char *mountinfo, bool probe_v2, struct cell_err *e);

/* Controllers the resources need. */
uint32_t cg_needed_ctrls(const struct oci_resources *r);

/* Write value to dirfd/file; errors name the field, file and cgroup. */
int cg_write(int dirfd, const char *file, const char *value, const char *field,
	     struct cell_err *e);
int cg_write_i64(int dirfd, const char *file, int64_t v, const char *field, struct cell_err *e);

/* Read a small file into buf (NUL-terminated); -1 with errno on failure. */
ssize_t cg_read(int dirfd, const char *file, char *buf, size_t cap);

/* The version-specific resource writers; fd is the container's cgroup in
 * the hierarchy of the controller, field prefixes errors. */
struct cg_apply_ops {
	int (*memory)(int fd, const struct oci_res_memory *m, const char *field, struct cell_err *e);
	int (*cpu)(int fd, const struct oci_res_cpu *c, const char *field, struct cell_err *e);
	int (*cpuset)(int fd, const struct oci_res_cpu *c, const char *field, struct cell_err *e);
	int (*pids)(int fd, int64_t limit, const char *field, struct cell_err *e);
	int (*blkio)(int fd, const struct oci_res_blkio *b, const char *field, struct cell_err *e);
	int (*hugetlb)(int fd, const struct oci_res_hugepage *h, const char *field, struct cell_err *e);
	int (*rdma)(int fd, const struct oci_res_rdma *r, const char *field, struct cell_err *e);
};

extern const struct cg_apply_ops cg_v1_ops, cg_v2_ops;

/* The v1 -> v2 weight conversions runc and crun use. */
int64_t cg_shares_to_weight(int64_t shares);
int64_t cg_blkio_to_io_weight(int64_t weight);

/* Writers whose files are the same on both versions. */
int cg_cpuset(int fd, const struct oci_res_cpu *c, const char *field, struct cell_err *e);
int cg_pids(int fd, int64_t limit, const char *field, struct cell_err *e);
int cg_rdma(int fd, const struct oci_res_rdma *r, const char *field, struct cell_err *e);
int cg_throttles(int fd, const struct oci_res_blkio *b, const char *const files[],
		 const char *const keys[], const char *field, struct cell_err *e);
int cg_weight_devs(int fd, const struct oci_res_blkio *b, const char *file,
		   int64_t (*conv)(int64_t), const char *field, struct cell_err *e);
int cg_hugetlb(int fd, const struct oci_res_hugepage *h, const char *suffix, const char *field,
	       struct cell_err *e);

/* "major:minor" of a device entry. */
#define CG_DEV_FMT "%lld:%lld"

#endif
