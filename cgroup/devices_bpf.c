/* cgroup v2 device filter: load the program built by devices_bpf_build.c
 * and attach it to the container's cgroup, replacing cell's previous one
 * on `update`. The kernel detaches it when the cgroup is removed. */
#include "devices.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/bpf.h>

#include "../util/cleanup.h"

/* More than any sane rule list; also keeps jump offsets within s16. */
#define MAX_INSNS 30000
#define MAX_ATTACHED 64

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(SYS_bpf, cmd, attr, sizeof *attr);
}

/* Last line of the verifier's log: the reason it refused. */
static const char *log_tail(char *log)
{
	size_t n = strlen(log);
	char *p;

	while (n > 0 && log[n - 1] == '\n')
		log[--n] = '\0';
	p = strrchr(log, '\n');
	return p ? p + 1 : log;
}

static int prog_load(const struct bpf_insn *insns, size_t n, char *log, size_t log_size)
{
	union bpf_attr a;

	memset(&a, 0, sizeof a);
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (uintptr_t)insns;
	a.insn_cnt = (uint32_t)n;
	/* No helpers are called, so no GPL-only ones: any license will do. */
	a.license = (uintptr_t)"Apache-2.0";
	memcpy(a.prog_name, CGDEV_BPF_NAME, sizeof CGDEV_BPF_NAME);
	if (log) {
		a.log_buf = (uintptr_t)log;
		a.log_size = (uint32_t)log_size;
		a.log_level = 1;
		log[0] = '\0';
	}
	return sys_bpf(BPF_PROG_LOAD, &a);
}

/* Load; only a refused program is loaded again, with the verifier's log. */
static int load(const struct bpf_insn *insns, size_t n, struct cell_err *e)
{
	_cleanup_free_ char *log = NULL;
	size_t log_size = 256 << 10;
	int fd = prog_load(insns, n, NULL, 0);
	int saved;

	if (fd >= 0)
		return fd;
	saved = errno;
	if (saved == EINVAL || saved == EACCES)
		log = malloc(log_size);
	if (log && (fd = prog_load(insns, n, log, log_size)) >= 0)
		return fd;
	if (!log || !log[0])
		return cell_err_errno(e, saved, "load device filter (bpf BPF_PROG_LOAD, %zu insns)", n);
	return cell_err_set(e, saved, "load device filter (bpf BPF_PROG_LOAD, %zu insns): %s: verifier: %s",
			    n, strerror(saved), log_tail(log));
}

/* An fd for the program with this id if it is cell's device filter. */
static int ours(uint32_t id)
{
	struct bpf_prog_info info;
	union bpf_attr a;
	int fd;

	memset(&a, 0, sizeof a);
	a.prog_id = id;
	fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &a);
	if (fd < 0)
		return -1;
	memset(&info, 0, sizeof info);
	memset(&a, 0, sizeof a);
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof info;
	a.info.info = (uintptr_t)&info;
	if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a) < 0 || info.type != BPF_PROG_TYPE_CGROUP_DEVICE ||
	    strncmp(info.name, CGDEV_BPF_NAME, sizeof info.name) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Programs of cell's attached to the cgroup, as fds (at most max). */
static int find_ours(int cgfd, int *fds, size_t max, size_t *n, struct cell_err *e)
{
	uint32_t ids[MAX_ATTACHED];
	union bpf_attr a;
	uint32_t i;

	memset(&a, 0, sizeof a);
	a.query.target_fd = (uint32_t)cgfd;
	a.query.attach_type = BPF_CGROUP_DEVICE;
	a.query.prog_ids = (uintptr_t)ids;
	a.query.prog_cnt = MAX_ATTACHED;
	if (sys_bpf(BPF_PROG_QUERY, &a) < 0)
		return cell_err_sys(e, "query device filters (bpf BPF_PROG_QUERY)");
	*n = 0;
	for (i = 0; i < a.query.prog_cnt && i < MAX_ATTACHED && *n < max; i++) {
		int fd = ours(ids[i]);

		if (fd >= 0)
			fds[(*n)++] = fd;
	}
	return 0;
}

static int attach(int cgfd, int fd, int old, struct cell_err *e)
{
	union bpf_attr a;

	memset(&a, 0, sizeof a);
	a.target_fd = (uint32_t)cgfd;
	a.attach_bpf_fd = (uint32_t)fd;
	a.attach_type = BPF_CGROUP_DEVICE;
	a.attach_flags = BPF_F_ALLOW_MULTI;
	if (old >= 0) {
		a.attach_flags |= BPF_F_REPLACE;
		a.replace_bpf_fd = (uint32_t)old;
	}
	if (sys_bpf(BPF_PROG_ATTACH, &a) < 0)
		return cell_err_sys(e, "attach device filter (bpf BPF_PROG_ATTACH%s)",
				    old >= 0 ? " with BPF_F_REPLACE" : "");
	return 0;
}

static int detach(int cgfd, int fd, struct cell_err *e)
{
	union bpf_attr a;

	memset(&a, 0, sizeof a);
	a.target_fd = (uint32_t)cgfd;
	a.attach_bpf_fd = (uint32_t)fd;
	a.attach_type = BPF_CGROUP_DEVICE;
	if (sys_bpf(BPF_PROG_DETACH, &a) < 0)
		return cell_err_sys(e, "detach old device filter (bpf BPF_PROG_DETACH)");
	return 0;
}

/* Swap in fd for cell's program, if any: atomically where the kernel has
 * BPF_F_REPLACE (5.6), else attach first, detach after (both filters hold
 * in between: never more access than either list gives). Extra copies of
 * ours (an interrupted update) are detached. */
static int install(int cgfd, int fd, struct cell_err *e)
{
	int old[4];
	size_t n = 0, i;
	int rc;

	if (find_ours(cgfd, old, 4, &n, e) < 0)
		return -1;
	if (n == 0)
		return attach(cgfd, fd, -1, e);
	rc = attach(cgfd, fd, old[0], e);
	if (rc < 0 && e->errnum == EINVAL) {
		rc = attach(cgfd, fd, -1, e);
		if (rc == 0)
			rc = detach(cgfd, old[0], e);
	}
	for (i = 1; i < n; i++)
		if (rc == 0)
			rc = detach(cgfd, old[i], e);
	for (i = 0; i < n; i++)
		close(old[i]);
	return rc;
}

int cgroup_devices_v2_apply(int cgroup2_dirfd, const struct cgroup_dev_rule *r, size_t n,
			    struct cell_err *e)
{
	struct cgroup_dev_state st;
	_cleanup_free_ struct bpf_insn *insns = NULL;
	_cleanup_close_ int fd = -1;
	size_t max, len;

	if (cgroup_dev_reduce(r, n, &st, e) < 0)
		return -1;
	max = cgroup_devbpf_max_insns(&st);
	if (max > MAX_INSNS) {
		cgroup_dev_state_free(&st);
		return cell_err_set(e, E2BIG, "device filter: %zu device rules are too many", st.n);
	}
	insns = calloc(max, sizeof *insns);
	if (!insns) {
		cgroup_dev_state_free(&st);
		return cell_err_sys(e, "device filter");
	}
	len = cgroup_devbpf_build(&st, insns);
	cgroup_dev_state_free(&st);
	fd = load(insns, len, e);
	if (fd < 0)
		return -1;
	return install(cgroup2_dirfd, fd, e);
}
