/* Loading the filter in the container's process. Runs in a child made by a raw clone:
 * raw syscalls only, no allocation. */
#include <errno.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "seccomp.h"

static long sys_seccomp(unsigned int op, unsigned int flags, void *arg)
{
	return syscall(SYS_seccomp, op, flags, arg);
}

bool seccomp_needs_admin(const struct seccomp_prog *p, const struct oci_process *proc)
{
	return p != NULL && !proc->no_new_privileges &&
	       !(proc->caps[OCI_CAP_EFFECTIVE] & (1ULL << 21 /* CAP_SYS_ADMIN */));
}

int seccomp_install(const struct seccomp_prog *p, int *notify_fd, struct cell_err *e)
{
	struct sock_fprog fp = { .len = p->len, .filter = p->insns };
	long r;

	*notify_fd = -1;
	r = sys_seccomp(SECCOMP_SET_MODE_FILTER, p->flags, &fp);
	if (r < 0) {
		if (errno == EINVAL && p->flags != 0)
			return cell_err_sys(e, "seccomp: install filter with flags %#x (is every flag "
					       "supported by this kernel?)", p->flags);
		return cell_err_sys(e, "seccomp: install filter");
	}
	if (p->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER)
		*notify_fd = (int)r;
	return 0;
}
