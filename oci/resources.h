/* linux.resources of config.json (and of `update -r FILE`): the cgroup
 * limits a container asks for. Every number has a presence flag: an absent
 * field leaves the kernel's value alone. */
#ifndef CELL_OCI_RESOURCES_H
#define CELL_OCI_RESOURCES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/err.h"

struct oci_kv;

struct oci_num {
	bool set;
	int64_t v;
};

struct oci_res_memory {
	struct oci_num limit, reservation, swap, kernel, kernel_tcp, swappiness;
	bool has_disable_oom_killer, disable_oom_killer;
	bool has_use_hierarchy, use_hierarchy;
	bool check_before_update;
};

struct oci_res_cpu {
	struct oci_num shares, quota, burst, period, rt_runtime, rt_period, idle;
	char *cpus; /* NULL when absent */
	char *mems;
};

struct oci_res_weight_dev {
	int64_t major, minor;
	struct oci_num weight, leaf_weight;
};

struct oci_res_throttle_dev {
	int64_t major, minor;
	uint64_t rate;
};

enum oci_throttle_kind {
	OCI_THROTTLE_READ_BPS,
	OCI_THROTTLE_WRITE_BPS,
	OCI_THROTTLE_READ_IOPS,
	OCI_THROTTLE_WRITE_IOPS,
	OCI_THROTTLE_NKINDS
};

struct oci_res_blkio {
	struct oci_num weight, leaf_weight;
	struct oci_res_weight_dev *weight_devs;
	size_t n_weight_devs;
	struct oci_res_throttle_dev *throttle[OCI_THROTTLE_NKINDS];
	size_t n_throttle[OCI_THROTTLE_NKINDS];
};

struct oci_res_hugepage {
	char *page_size; /* "2MB", "1GB" as in hugetlb.<size>.* file names */
	uint64_t limit;
};

struct oci_res_rdma {
	char *device;
	struct oci_num hca_handles, hca_objects;
};

struct oci_res_prio {
	char *name;
	uint32_t priority;
};

struct oci_res_device {
	bool allow;
	char type;     /* 'a', 'c' or 'b' */
	int64_t major; /* -1: any */
	int64_t minor;
	unsigned access; /* 1 read, 2 write, 4 mknod */
};

struct oci_resources {
	bool present;
	bool has_memory, has_cpu, has_pids, has_blkio;
	struct oci_res_memory memory;
	struct oci_res_cpu cpu;
	struct oci_num pids_limit;
	struct oci_res_blkio blkio;
	struct oci_res_hugepage *hugepages;
	size_t n_hugepages;
	struct oci_res_rdma *rdma;
	size_t n_rdma;
	struct oci_num net_class_id;
	struct oci_res_prio *net_prios;
	size_t n_net_prios;
	struct oci_kv *unified; /* cgroup v2 file name -> value */
	size_t n_unified;
	struct oci_res_device *devices;
	size_t n_devices;
};

/* A resources object alone (`update -r FILE`): the result owns its
 * memory; free with oci_resources_free. Errors name `name` and the field. */
struct oci_resources *oci_resources_parse(const char *buf, size_t len, const char *name,
					  struct cell_err *e);
void oci_resources_free(struct oci_resources *r);

#endif
