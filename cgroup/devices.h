/* Device access control for a container's cgroup: the v1 devices
 * controller's allow/deny lists, and on cgroup v2 an eBPF program of type
 * BPF_PROG_TYPE_CGROUP_DEVICE built by hand from the same rules. */
#ifndef CELL_CGROUP_DEVICES_H
#define CELL_CGROUP_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/err.h"

enum {
	CGDEV_READ = 1,
	CGDEV_WRITE = 2,
	CGDEV_MKNOD = 4,
};

/* One entry of linux.resources.devices (OCI), or a default rule. */
struct cgroup_dev_rule {
	bool allow;
	char type;      /* 'a' (all), 'c' or 'b' */
	int64_t major;  /* -1: any */
	int64_t minor;  /* -1: any */
	unsigned access; /* CGDEV_* bits; 0 is not used (parsed as rwm) */
};

#endif
