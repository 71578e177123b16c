/* Shared between the files of ns/ only. */
#ifndef CELL_NS_INTERNAL_H
#define CELL_NS_INTERNAL_H

#include <signal.h>
#include <stdbool.h>
#include <stdnoreturn.h>

#include "../idmap/idmount.h"
#include "../lsm/lsm.h"
#include "../oci/config.h"
#include "../util/err.h"
#include "ns.h"

struct seccomp_prog;

/* What the child needs; built by the parent before clone and read by the
 * child from its copy of the parent's memory. */
struct ns_child_args {
	const struct ns_container *c;
	int sync_fd;                 /* child's end of the socketpair */
	int join_fd[OCI_NS_COUNT];   /* namespaces to join by path, -1 otherwise */
	unsigned long new_flags;     /* CLONE_NEW* created for the container */
	bool via_intermediate;       /* namespaces were joined before the clone */
	bool new_cgroupns;           /* unshare(CLONE_NEWCGROUP) once in the cgroup */
	bool late_nondumpable;       /* rootless: dumpable until the maps are written */
	const struct seccomp_prog *seccomp; /* compiled linux.seccomp, or NULL */
	struct lsm_host lsm;         /* AppArmor/SELinux on the host, probed before clone */
	struct idmount_plan idmount; /* idmapped rootfs and mounts (idmap/idmount.h) */
	int *idmount_fds;            /* idmount.n_slots; the child receives into its copy */
};

/* namespaces.c */
unsigned long ns_clone_flag(enum oci_ns_type t);
int ns_open_paths(const struct oci_config *cfg, int join_fd[OCI_NS_COUNT], struct cell_err *e);
void ns_close_paths(int join_fd[OCI_NS_COUNT]);
bool ns_needs_intermediate(const struct oci_config *cfg);
int ns_join(const int join_fd[OCI_NS_COUNT], struct cell_err *e);
int ns_write_time_offsets(const struct oci_config *cfg, struct cell_err *e);

/* child.c: the container's init up to exec; never returns. */
noreturn void ns_child_main(struct ns_child_args *a);
/* The intermediate that joins namespaces, then clones the init. */
noreturn void ns_intermediate_main(struct ns_child_args *a);

/* process.c: steps of the init after pivot_root. */
int ns_set_hostname(const struct oci_config *cfg, struct cell_err *e);
int ns_apply_sysctl(const struct oci_config *cfg, struct cell_err *e);
int ns_apply_rlimits(const struct oci_process *p, struct cell_err *e);
int ns_set_oom_score_adj(pid_t pid, const struct oci_process *p, struct cell_err *e);
int ns_become_root(const struct idmap_maps *m, struct cell_err *e);
int ns_become_root_joined(struct cell_err *e);
int ns_set_user_caps(const struct oci_process *p, bool userns, struct cell_err *e);
int ns_set_user_caps_held(const struct oci_process *p, bool userns, bool hold_admin,
			  struct cell_err *e);
/* Install linux.seccomp (prog may be NULL) and send a notify fd over sync_fd. */
int ns_seccomp_load(const struct seccomp_prog *prog, const struct oci_process *p, int sync_fd,
		    struct cell_err *e);
/* Keep a runtime fd out of the range passed with --preserve-fds (ns/start.c). */
int ns_fd_move_above(int *fd, int min, struct cell_err *e);
int ns_find_exec(const struct oci_process *p, char *out, size_t cap, struct cell_err *e);
/* execve exe (from ns_find_exec) with p's args and env, the signal mask
 * set to mask first (NULL: as it is); returns only on failure, with e set. */
void ns_exec_program(const char *exe, const struct oci_process *p, const sigset_t *mask,
		     struct cell_err *e);

/* tty.c: a pty from the container's devpts becomes this process's
 * controlling terminal and stdio (and /dev/console when console is set);
 * returns the master (close-on-exec). */
int ns_tty_setup(const struct oci_process *p, bool console, struct cell_err *e);

#endif
