/* linux.seccomp compiled to classic BPF by cell itself (no libseccomp).
 *
 * The parent compiles before clone (seccomp_prepare); the container's
 * init, and `cell exec`'s child, only call seccomp_install as the last
 * set-up step before exec, so the runtime's own set-up is never
 * filtered. */
#ifndef CELL_SECCOMP_H
#define CELL_SECCOMP_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../oci/config.h"
#include "../util/err.h"

struct seccomp_prog {
	struct sock_filter *insns;
	unsigned short len;
	unsigned int flags;               /* SECCOMP_FILTER_FLAG_* for seccomp(2) */
	const struct oci_seccomp *profile; /* listenerPath, listenerMetadata */
};

/* Compile cfg's linux.seccomp. *out is NULL when the config has none.
 * Syscall names this build does not know are skipped (debug log line). */
int seccomp_prepare(const struct oci_config *cfg, struct seccomp_prog **out, struct cell_err *e);

/* The same from a decoded profile (unit tests, seccomp-dump). */
int seccomp_compile(const struct oci_seccomp *s, struct seccomp_prog **out, struct cell_err *e);

void seccomp_free(struct seccomp_prog *p);

/* Does installing need CAP_SYS_ADMIN kept through the capability drop?
 * (seccomp(2) wants no_new_privs or CAP_SYS_ADMIN.) */
bool seccomp_needs_admin(const struct seccomp_prog *p, const struct oci_process *proc);

/* In the child, async-signal-safe: load the filter. With NOTIFY actions
 * *notify_fd gets the listener fd (close-on-exec), else -1. */
int seccomp_install(const struct seccomp_prog *p, int *notify_fd, struct cell_err *e);

/* NOTIFY: send the listener fd the init passed up (SYNC_SECCOMP_FD) to
 * linux.seccomp.listenerPath with the container process state. */
struct seccomp_listener_info {
	const struct oci_config *cfg;
	const char *id;
	const char *bundle;
	int pid;
};
int seccomp_send_listener(const struct seccomp_listener_info *li, int notify_fd, struct cell_err *e);

/* Print the program one instruction a line, with syscall names. */
void seccomp_dump(const struct seccomp_prog *p, FILE *f);

#endif
