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

#define CGDEV_RWM (CGDEV_READ | CGDEV_WRITE | CGDEV_MKNOD)

/* ---- rule lists (devices_rules.c) ----
 * Semantics (OCI "Allowed Device list", runc as the reference): the list
 * starts from deny-all; rules apply in order; a rule of type 'a' resets
 * everything to allow-all or deny-all whatever its numbers and access say
 * (as cgroup v1 does); otherwise, for each access bit, the last rule that
 * matches the device and names the bit decides. The state this reaches is
 * expressed the way cgroup v1 stores it (a default plus exceptions); a list
 * that would cut a hole into a broader exception (deny c 1:3 after allow
 * c 1:*, or allow c 1:3 after deny c 1:* from allow-all) cannot be
 * expressed by v1 and is refused on both versions, so a config behaves the
 * same on every host. */

/* The devices every container gets, appended after the config's rules as
 * runc does: mknod of any node, null zero full random urandom tty ptmx,
 * /dev/pts/N, /dev/net/tun. */
extern const struct cgroup_dev_rule cgroup_dev_defaults[];
extern const size_t cgroup_dev_ndefaults;

/* cfg[0..n) followed by the defaults, into out (at most cap entries
 * written). Returns the full length (n + cgroup_dev_ndefaults), so a first
 * call with cap 0 sizes the array. */
size_t cgroup_dev_effective(const struct cgroup_dev_rule *cfg, size_t n,
			    struct cgroup_dev_rule *out, size_t cap);

/* What a rule list leaves a cgroup in. Exceptions have type 'c' or 'b',
 * unique (type, major, minor), sorted by type, then major, then minor
 * (wildcards last); each has allow = !default_allow. With a default of
 * deny, exceptions are closed under wildcards (c 1:3 carries the bits of
 * c 1:* and c *:*), so the kernel's "one exception covers all requested
 * bits" check gives the per-bit answer. */
struct cgroup_dev_state {
	bool default_allow;
	size_t n, cap;
	struct cgroup_dev_rule *ex;
};

/* Validate and reduce r[0..n) into st (overwritten: free it first if it
 * holds a state). On failure st holds nothing. */
int cgroup_dev_reduce(const struct cgroup_dev_rule *r, size_t n, struct cgroup_dev_state *st,
		      struct cell_err *e);
void cgroup_dev_state_free(struct cgroup_dev_state *st);

/* "c 1:3 rwm", "b *:* m", "a *:* rwm": the v1 file syntax. */
#define CGDEV_RULE_STR 64
void cgroup_dev_rule_str(const struct cgroup_dev_rule *r, char buf[CGDEV_RULE_STR]);

/* ---- cgroup v1 (devices_v1.c) ----
 * Bring the v1 devices cgroup open at dirfd to the state of r[0..n) (the
 * effective list): reads devices.list, resets with "a" only when the
 * default must change (or the current exceptions cannot be known), adds
 * missing exceptions before removing stale ones, so an update never
 * denies in passing what both the old and the new list allow. */
int cgroup_devices_v1_apply(int devices_cgroup_dirfd, const struct cgroup_dev_rule *r, size_t n,
			    struct cell_err *e);

/* ---- cgroup v2 (devices_bpf_build.c: the program; devices_bpf.c: load) ----
 * A BPF_PROG_TYPE_CGROUP_DEVICE program equivalent to the state, attached
 * with BPF_F_ALLOW_MULTI to the cgroup2 directory at dirfd. A program of
 * cell's already there (named CGDEV_BPF_NAME) is swapped atomically with
 * BPF_F_REPLACE, so `update` leaves no window; programs of others are left
 * alone (all attached programs must allow an access). Needs Linux 4.15;
 * the swap is atomic from 5.6 (BPF_F_REPLACE), attach-then-detach before. */
#define CGDEV_BPF_NAME "cell_devices"

struct bpf_insn;

/* Room the builder needs for st, in instructions. */
size_t cgroup_devbpf_max_insns(const struct cgroup_dev_state *st);
/* Write the program for st into insns; returns its length. */
size_t cgroup_devbpf_build(const struct cgroup_dev_state *st, struct bpf_insn *insns);

int cgroup_devices_v2_apply(int cgroup2_dirfd, const struct cgroup_dev_rule *r, size_t n,
			    struct cell_err *e);

#endif
