/* Device access control on the real kernel (root; exit 77 = skipped
 * otherwise). For every shared case (devref.h): a fresh v1 devices cgroup
 * written by cgroup_devices_v1_apply, and a fresh cgroup2 directory given
 * the eBPF filter by cgroup_devices_v2_apply; a forked child moves itself
 * into each and opens and mknods a fixed set of nodes; the kernel's answers
 * under v1, under eBPF and the reference must all agree, and devices.list
 * must read back as the reduced state. Then one cgroup of each kind goes
 * through every case in turn, as `update` would, next to a foreign filter
 * that must survive. Every cgroup made is removed, also on failure and on
 * SIGTERM (meson's timeout); a run killed outright is swept up by the
 * next. The nodes live on a tmpfs in a private mount namespace. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "devref.h"
#include "t.h"

struct probe {
	char kind; /* 'o' open, 'm' mknod */
	char type;
	unsigned major, minor;
	int flags;
};

static const struct probe probes[] = {
	{ 'o', 'c', 1, 3, O_RDWR },           /* null */
	{ 'o', 'c', 1, 5, O_RDONLY },         /* zero */
	{ 'o', 'c', 1, 1, O_RDONLY },         /* mem: only where it must be denied */
	{ 'o', 'b', 8, 0, O_RDONLY },         /* sda */
	{ 'o', 'c', FAKE, 0, O_RDONLY },
	{ 'o', 'c', FAKE, 0, O_WRONLY },
	{ 'o', 'c', FAKE, 1, O_RDWR },
	{ 'o', 'c', FAKE, 2, O_RDONLY },
	{ 'o', 'c', FAKE, 2, O_WRONLY },
	{ 'o', 'c', FAKE, 2, O_RDWR },
	{ 'o', 'c', FAKE, 3, O_RDWR },
	{ 'o', 'c', FAKE, 4, O_WRONLY },
	{ 'o', 'c', FAKE, 5, O_RDONLY },
	{ 'o', 'c', FAKE, 6, O_RDONLY },
	{ 'o', 'c', FAKE, 7, O_RDONLY },
	{ 'o', 'c', FAKE, 7, O_WRONLY },
	{ 'o', 'c', FAKE + 1, 3, O_RDONLY },
	{ 'o', 'c', FAKE + 1, 7, O_RDONLY },
	{ 'o', 'b', FAKE, 0, O_RDONLY },
	{ 'o', 'b', FAKE, 0, O_WRONLY },
	{ 'm', 'c', FAKE, 0, 0 },
	{ 'm', 'c', FAKE + 1, 9, 0 },
	{ 'm', 'b', 8, 0, 0 },
	{ 'm', 'b', FAKE, 1, 0 },
};
#define NPROBES (sizeof probes / sizeof probes[0])

static char v1root[512], v2root[512];
/* A tmpfs over /tmp in our own mount namespace: nothing on the host to
 * remove, even after SIGKILL. */
static const char tmpdir[] = "/tmp";
static int nodes_fd = -1;

/* Everything made, for cleanup on any exit: cgroup dirs, child pids. */
static char made[64][600];
static volatile sig_atomic_t nmade;
static volatile pid_t child = -1;
static long apply_us[2]; /* last apply's duration: v1, v2 */

static unsigned probe_access(const struct probe *p)
{
	if (p->kind == 'm')
		return CGDEV_MKNOD;
	if ((p->flags & O_ACCMODE) == O_RDWR)
		return CGDEV_READ | CGDEV_WRITE;
	return (p->flags & O_ACCMODE) == O_WRONLY ? CGDEV_WRITE : CGDEV_READ;
}

static void rmdir_retry(const char *path)
{
	int i;

	for (i = 0; i < 100 && rmdir(path) < 0 && errno == EBUSY; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
}

static void cleanup(void)
{
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		child = -1;
	}
	while (nmade > 0)
		rmdir_retry(made[--nmade]);
	if (nodes_fd >= 0) {
		close(nodes_fd);
		nodes_fd = -1;
	}
}

static void on_signal(int sig)
{
	cleanup();
	_exit(128 + sig);
}

/* Signals that run cleanup are held while a cgroup or the probe child is
 * being made or removed, so cleanup never misses one. */
static sigset_t term_sigs;

static void hold(bool on)
{
	sigprocmask(on ? SIG_BLOCK : SIG_UNBLOCK, &term_sigs, NULL);
}

/* A run killed outright (SIGKILL after a timeout) cleans nothing: remove
 * the cgroups named after test processes that no longer exist. */
static void sweep_stale(const char *root)
{
	DIR *d = opendir(root);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		char path[1024], sub[1300];
		struct dirent *ke;
		DIR *k;
		int pid;

		if (sscanf(de->d_name, "cell-devtest-%d-", &pid) != 1 || pid <= 0 || kill(pid, 0) == 0 ||
		    errno != ESRCH)
			continue;
		snprintf(path, sizeof path, "%s/%s", root, de->d_name);
		k = opendir(path);
		while (k && (ke = readdir(k))) {
			if (ke->d_type != DT_DIR || ke->d_name[0] == '.')
				continue;
			snprintf(sub, sizeof sub, "%s/%s", path, ke->d_name);
			rmdir(sub);
		}
		if (k)
			closedir(k);
		printf("# removed %s, left by a killed run: %s\n", path, rmdir(path) == 0 ? "ok" : strerror(errno));
	}
	if (d)
		closedir(d);
}

/* Undo the last make_cgroup (they nest, so removal is last-in first-out). */
static void remove_cgroup(int fd)
{
	hold(true);
	close(fd);
	rmdir_retry(made[nmade - 1]);
	if (access(made[nmade - 1], F_OK) == 0)
		T_FAIL("cannot remove %s: %s", made[nmade - 1], strerror(errno));
	else
		nmade--;
	hold(false);
}

/* root/name-PID made and recorded (path filled); returns an O_DIRECTORY fd,
 * or -1 with nothing left behind. */
static int make_cgroup(const char *root, const char *name, char *path, size_t len)
{
	int fd = -1;

	snprintf(path, len, "%s/cell-devtest-%d-%s", root, (int)getpid(), name);
	hold(true);
	if (mkdir(path, 0755) < 0) {
		T_FAIL("mkdir %s: %s", path, strerror(errno));
	} else {
		snprintf(made[nmade], sizeof made[0], "%s", path);
		nmade++;
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			T_FAIL("open %s: %s", path, strerror(errno));
			nmade--;
			rmdir(path);
		}
	}
	hold(false);
	return fd;
}

/* cgroup2 and the v1 hierarchy carrying "devices", from mountinfo. */
static void find_mounts(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[4096];

	while (f && fgets(line, sizeof line, f)) {
		char mnt[512], fstype[64], opts[1024];
		char *sep = strstr(line, " - ");

		if (!sep || sscanf(line, "%*s %*s %*s %*s %511s", mnt) != 1 ||
		    sscanf(sep + 3, "%63s %*s %1023s", fstype, opts) != 2)
			continue;
		if (strcmp(fstype, "cgroup2") == 0 && !v2root[0])
			snprintf(v2root, sizeof v2root, "%s", mnt);
		if (strcmp(fstype, "cgroup") == 0 && !v1root[0]) {
			char *tok, *save = NULL;

			for (tok = strtok_r(opts, ",\n", &save); tok; tok = strtok_r(NULL, ",\n", &save))
				if (strcmp(tok, "devices") == 0)
					snprintf(v1root, sizeof v1root, "%s", mnt);
		}
	}
	if (f)
		fclose(f);
}

static void node_name(size_t i, char *buf, size_t len)
{
	snprintf(buf, len, "n%zu", i);
}

/* The probe nodes, made by us (unrestricted) on a private tmpfs. */
static int make_nodes(void)
{
	size_t i;

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return fprintf(stderr, "private mount namespace: %s\n", strerror(errno)), -1;
	if (mount("tmpfs", tmpdir, "tmpfs", 0, "mode=0700") < 0)
		return fprintf(stderr, "mount tmpfs on %s: %s\n", tmpdir, strerror(errno)), -1;
	nodes_fd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (i = 0; i < NPROBES; i++) {
		const struct probe *p = &probes[i];
		char name[16];

		if (p->kind != 'o')
			continue;
		node_name(i, name, sizeof name);
		if (mknodat(nodes_fd, name, (p->type == 'b' ? S_IFBLK : S_IFCHR) | 0666,
			    makedev(p->major, p->minor)) < 0)
			return fprintf(stderr, "mknod %s: %s\n", name, strerror(errno)), -1;
	}
	return 0;
}

/* In the child: join the cgroup, try every probe, report errnos. */
static void probe_child(const char *procs, int out)
{
	int res[NPROBES];
	size_t i;
	int fd;

	/* the parent's cleanup is not ours to run */
	nmade = 0;
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	hold(false);
	fd = open(procs, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0", 1) != 1)
		_exit(2);
	close(fd);
	for (i = 0; i < NPROBES; i++) {
		const struct probe *p = &probes[i];
		char name[16];

		if (p->kind == 'o') {
			node_name(i, name, sizeof name);
			fd = openat(nodes_fd, name, p->flags | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
			res[i] = fd < 0 ? errno : 0;
			if (fd >= 0)
				close(fd);
		} else {
			snprintf(name, sizeof name, "m%zu", i);
			res[i] = mknodat(nodes_fd, name, (p->type == 'b' ? S_IFBLK : S_IFCHR) | 0600,
					 makedev(p->major, p->minor)) < 0 ? errno : 0;
			if (res[i] == 0)
				unlinkat(nodes_fd, name, 0);
		}
	}
	_exit(write(out, res, sizeof res) == (ssize_t)sizeof res ? 0 : 3);
}

/* Run the probes in a child placed in the cgroup at dir; res[i] = errno. */
static int run_probes(const char *dir, int *res)
{
	char procs[700];
	int pfd[2], status;
	ssize_t got;

	snprintf(procs, sizeof procs, "%s/cgroup.procs", dir);
	if (pipe2(pfd, O_CLOEXEC) < 0)
		{
		T_FAIL("pipe: %s", strerror(errno));
		return -1;
	}
	hold(true);
	child = fork();
	if (child == 0) {
		close(pfd[0]);
		probe_child(procs, pfd[1]);
	}
	hold(false);
	close(pfd[1]);
	got = read(pfd[0], res, NPROBES * sizeof *res);
	close(pfd[0]);
	waitpid(child, &status, 0);
	child = -1;
	if (got != (ssize_t)(NPROBES * sizeof *res) || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		T_FAIL("probe child in %s: status %#x", dir, status);
		return -1;
	}
	return 0;
}

static bool expected(const struct cgroup_dev_state *st, size_t i)
{
	const struct probe *p = &probes[i];

	return ref_v1_check(st, p->type, p->major, p->minor, probe_access(p));
}

/* Compare a run with the state; returns the number of probes checked. */
static size_t check_probes(const char *what, const char *name, const struct cgroup_dev_state *st,
			   const int *res)
{
	size_t i, n = 0;

	for (i = 0; i < NPROBES; i++) {
		const struct probe *p = &probes[i];
		bool want = expected(st, i);

		/* an allowed /dev/mem open may still be refused by the driver */
		if (want && p->type == 'c' && p->major == 1 && p->minor == 1)
			continue;
		n++;
		if ((res[i] != EPERM) != want)
			T_FAIL("%s %s: %s %c %u:%u (access %u): got %s, want %s", name, what,
			       p->kind == 'o' ? "open" : "mknod", p->type, p->major, p->minor,
			       probe_access(p), res[i] ? strerror(res[i]) : "success",
			       want ? "allowed" : "EPERM");
	}
	return n;
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* devices.list, read back, must be the reduced state exactly. */
static void check_list(int dirfd, const struct cgroup_dev_state *st, const char *name)
{
	char buf[8192], want[8192], line[CGDEV_RULE_STR];
	size_t i, k = 0;
	int fd = openat(dirfd, "devices.list", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);

	if (fd >= 0)
		close(fd);
	if (n < 0)
		{
			T_FAIL("%s: read devices.list: %s", name, strerror(errno));
			return;
		}
	buf[n] = '\0';
	want[0] = '\0';
	if (st->default_allow)
		snprintf(want, sizeof want, "a *:* rwm\n");
	/* the kernel lists exceptions newest first; sort both sides */
	for (i = 0; !st->default_allow && i < st->n; i++) {
		cgroup_dev_rule_str(&st->ex[i], line);
		k += (size_t)snprintf(want + k, sizeof want - k, "%s\n", line);
	}
	{
		char *a[128], *b[128], *s, *save = NULL;
		size_t na = 0, nb = 0, j;
		bool same;

		for (s = strtok_r(buf, "\n", &save); s && na < 128; s = strtok_r(NULL, "\n", &save))
			a[na++] = s;
		save = NULL;
		for (s = strtok_r(want, "\n", &save); s && nb < 128; s = strtok_r(NULL, "\n", &save))
			b[nb++] = s;
		qsort(a, na, sizeof *a, cmp_strp);
		qsort(b, nb, sizeof *b, cmp_strp);
		same = na == nb;
		for (j = 0; same && j < na; j++)
			same = strcmp(a[j], b[j]) == 0;
		if (!same)
			T_FAIL("%s: devices.list has %zu lines, want %zu (first: `%s` vs `%s`)", name, na, nb,
			       na ? a[0] : "", nb ? b[0] : "");
	}
}

static int sys_bpf(int cmd, union bpf_attr *a)
{
	return (int)syscall(SYS_bpf, cmd, a, sizeof *a);
}

/* Device filters attached to the cgroup: all of them, and cell's. */
static void count_filters(int dirfd, unsigned *all, unsigned *ours)
{
	uint32_t ids[16];
	union bpf_attr a;
	uint32_t i;

	*all = *ours = 0;
	memset(&a, 0, sizeof a);
	a.query.target_fd = (uint32_t)dirfd;
	a.query.attach_type = BPF_CGROUP_DEVICE;
	a.query.prog_ids = (uintptr_t)ids;
	a.query.prog_cnt = 16;
	if (sys_bpf(BPF_PROG_QUERY, &a) < 0)
		{
			T_FAIL("BPF_PROG_QUERY: %s", strerror(errno));
			return;
		}
	*all = a.query.prog_cnt;
	for (i = 0; i < *all && i < 16; i++) {
		struct bpf_prog_info info;
		int fd;

		memset(&a, 0, sizeof a);
		a.prog_id = ids[i];
		fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &a);
		if (fd < 0)
			continue;
		memset(&info, 0, sizeof info);
		memset(&a, 0, sizeof a);
		a.info.bpf_fd = (uint32_t)fd;
		a.info.info_len = sizeof info;
		a.info.info = (uintptr_t)&info;
		if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a) == 0 && strcmp(info.name, CGDEV_BPF_NAME) == 0)
			(*ours)++;
		close(fd);
	}
}

/* Someone else's filter (allows everything), to be left alone. */
static void attach_foreign(int dirfd)
{
	struct bpf_insn prog[2] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr a;
	int fd;

	memset(&a, 0, sizeof a);
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (uintptr_t)prog;
	a.insn_cnt = 2;
	a.license = (uintptr_t)"Apache-2.0";
	memcpy(a.prog_name, "foreign", 8);
	fd = sys_bpf(BPF_PROG_LOAD, &a);
	if (fd < 0)
		{
			T_FAIL("load foreign filter: %s", strerror(errno));
			return;
		}
	memset(&a, 0, sizeof a);
	a.target_fd = (uint32_t)dirfd;
	a.attach_bpf_fd = (uint32_t)fd;
	a.attach_type = BPF_CGROUP_DEVICE;
	a.attach_flags = BPF_F_ALLOW_MULTI;
	if (sys_bpf(BPF_PROG_ATTACH, &a) < 0)
		T_FAIL("attach foreign filter: %s", strerror(errno));
	close(fd);
}

/* Apply the case's list to an existing cgroup of one kind and probe it.
 * Returns the number of probes checked, 0 on failure. */
static size_t apply_and_probe(bool v2, int dirfd, const char *path, const struct cgroup_dev_rule *r,
			      size_t n, const struct cgroup_dev_state *st, const char *name, int *res,
			      unsigned foreign)
{
	struct cell_err e = { 0 };
	unsigned all, ours;
	struct timespec t0, t1;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = (v2 ? cgroup_devices_v2_apply : cgroup_devices_v1_apply)(dirfd, r, n, &e);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	apply_us[v2] = (t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec - t0.tv_nsec) / 1000;
	if (rc < 0) {
		T_FAIL("%s %s apply: %s", name, v2 ? "eBPF" : "v1", e.msg);
		return 0;
	}
	if (v2) {
		count_filters(dirfd, &all, &ours);
		if (ours != 1 || all != 1 + foreign)
			T_FAIL("%s: %u device filters attached, %u of them cell's (want %u, 1)", name, all, ours,
			       1 + foreign);
	} else {
		check_list(dirfd, st, name);
	}
	if (run_probes(path, res) < 0)
		return 0;
	return check_probes(v2 ? "eBPF" : "v1", name, st, res);
}

static void report_agreement(const char *name, const int *r1, size_t n1, const int *r2, size_t n2)
{
	size_t i, same = 0;

	for (i = 0; n1 && n2 && i < NPROBES; i++)
		same += (r1[i] == EPERM) == (r2[i] == EPERM);
	if (n1 && n2 && same != NPROBES)
		T_FAIL("%s: v1 and eBPF disagree on %zu of %zu probes", name, NPROBES - same, NPROBES);
	printf("# %-26s v1 %2zu probes ok, eBPF %2zu probes ok, %s (apply: v1 %ld us, eBPF %ld us)\n",
	       name, n1, n2, n1 && n2 ? (same == NPROBES ? "v1 == eBPF" : "v1 != eBPF") : "(one side not run)",
	       apply_us[0], apply_us[1]);
}

/* One case on fresh cgroups of both kinds. */
static void one_case(const struct dev_case *c)
{
	struct cgroup_dev_rule r[32];
	struct cgroup_dev_state st;
	struct cell_err e = { 0 };
	size_t n = dev_case_rules(c, r, 32), n1 = 0, n2 = 0, i;
	int r1[NPROBES], r2[NPROBES], fd;
	char path[600];

	if (cgroup_dev_reduce(r, n, &st, &e) < 0)
		{
			T_FAIL("%s: %s", c->name, e.msg);
			return;
		}
	for (i = 0; i < NPROBES; i++)
		if (ref_last_match(r, n, probes[i].type, probes[i].major, probes[i].minor,
				   probe_access(&probes[i])) != expected(&st, i))
			T_FAIL("%s: references disagree on probe %zu", c->name, i);
	if (v1root[0] && (fd = make_cgroup(v1root, c->name, path, sizeof path)) >= 0) {
		n1 = apply_and_probe(false, fd, path, r, n, &st, c->name, r1, 0);
		remove_cgroup(fd);
	}
	if (v2root[0] && (fd = make_cgroup(v2root, c->name, path, sizeof path)) >= 0) {
		n2 = apply_and_probe(true, fd, path, r, n, &st, c->name, r2, 0);
		remove_cgroup(fd);
	}
	report_agreement(c->name, r1, n1, r2, n2);
	cgroup_dev_state_free(&st);
}

/* `update`: one cgroup of each kind through every case and back to the
 * first; on v2 cell's filter is replaced, a foreign one stays. */
static void update_in_place(void)
{
	char p1[600], p2[600];
	int fd1 = v1root[0] ? make_cgroup(v1root, "update", p1, sizeof p1) : -1;
	int fd2 = v2root[0] ? make_cgroup(v2root, "update", p2, sizeof p2) : -1;
	size_t k;

	if (fd2 >= 0)
		attach_foreign(fd2);
	for (k = 0; k <= N_DEV_CASES && t_fails == 0; k++) {
		const struct dev_case *c = &dev_cases[k % N_DEV_CASES];
		struct cgroup_dev_rule r[32];
		struct cgroup_dev_state st;
		struct cell_err e = { 0 };
		size_t n = dev_case_rules(c, r, 32), n1 = 0, n2 = 0;
		int r1[NPROBES], r2[NPROBES];

		if (cgroup_dev_reduce(r, n, &st, &e) < 0)
			{
				T_FAIL("%s: %s", c->name, e.msg);
				return;
			}
		if (fd1 >= 0)
			n1 = apply_and_probe(false, fd1, p1, r, n, &st, c->name, r1, 0);
		if (fd2 >= 0)
			n2 = apply_and_probe(true, fd2, p2, r, n, &st, c->name, r2, 1);
		if (n1 && n2)
			for (size_t i = 0; i < NPROBES; i++)
				if ((r1[i] == EPERM) != (r2[i] == EPERM))
					T_FAIL("update to %s: v1 and eBPF disagree on probe %zu", c->name, i);
		cgroup_dev_state_free(&st);
	}
	printf("# update: %zu lists applied in place on %s%s%s\n", k, fd1 >= 0 ? "v1" : "",
	       fd1 >= 0 && fd2 >= 0 ? " and " : "", fd2 >= 0 ? "cgroup2 (beside a foreign filter)" : "");
	if (fd2 >= 0)
		remove_cgroup(fd2);
	if (fd1 >= 0)
		remove_cgroup(fd1);
}

/* v1: a child cgroup cannot get what its parent lacks; the error says
 * which write failed. */
static void v1_parent_refuses(void)
{
	struct cgroup_dev_rule parent[2] = { DENY_ALL, RULE(true, 'c', 1, 3, CGDEV_RWM) };
	struct cgroup_dev_rule kid[2] = { DENY_ALL, RULE(true, 'c', FAKE, 1, CGDEV_RWM) };
	struct cell_err e = { 0 };
	char pp[600], kp[600];
	int pfd, kfd;

	if (!v1root[0])
		return;
	if ((pfd = make_cgroup(v1root, "parent", pp, sizeof pp)) < 0)
		return;
	CHECK(cgroup_devices_v1_apply(pfd, parent, 2, &e) == 0);
	if ((kfd = make_cgroup(pp, "kid", kp, sizeof kp)) >= 0) {
		CHECK(cgroup_devices_v1_apply(kfd, kid, 2, &e) == -1);
		CHECK_STR(e.msg, "write `c 120:1 rwm` to `devices.allow`: Operation not permitted");
		CHECK(e.errnum == EPERM);
		remove_cgroup(kfd);
	}
	remove_cgroup(pfd);
}

/* Errors name the step: an fd that is no cgroup, a hole in a wildcard. */
static void errors_named(void)
{
	struct cgroup_dev_rule r[3] = { DENY_ALL, RULE(true, 'c', 1, -1, CGDEV_RWM), RULE(false, 'c', 1, 3, W_) };
	struct cell_err e = { 0 };

	CHECK(cgroup_devices_v2_apply(nodes_fd, r, 2, &e) == -1);
	CHECK(strstr(e.msg, "query device filters (bpf BPF_PROG_QUERY): ") == e.msg);
	CHECK(cgroup_devices_v1_apply(nodes_fd, r, 2, &e) == -1);
	CHECK_STR(e.msg, "open `devices.list`: No such file or directory");
	CHECK(cgroup_devices_v2_apply(nodes_fd, r, 3, &e) == -1);
	CHECK(strstr(e.msg, "cannot deny part of a wildcard rule") != NULL);
	CHECK(cgroup_devices_v1_apply(nodes_fd, r, 3, &e) == -1);
	CHECK(strstr(e.msg, "cannot deny part of a wildcard rule") != NULL);
}

/* The fake majors must have no driver here, or "allowed" reads as success. */
static bool fake_majors_free(void)
{
	FILE *f = fopen("/proc/devices", "r");
	char line[256];
	bool block = false, ok = true;

	while (f && fgets(line, sizeof line, f)) {
		unsigned maj;

		if (strncmp(line, "Block", 5) == 0)
			block = true;
		if (sscanf(line, "%u", &maj) == 1 && (maj == FAKE || (!block && maj == FAKE + 1))) {
			printf("# major %u is registered (%s)", maj, line);
			ok = false;
		}
	}
	if (f)
		fclose(f);
	return ok;
}

int main(void)
{
	struct sigaction sa;
	size_t i;

	if (geteuid() != 0) {
		printf("SKIP: needs root\n");
		return 77;
	}
	find_mounts();
	if (!v1root[0] && !v2root[0]) {
		printf("SKIP: neither a v1 devices hierarchy nor cgroup2 is mounted\n");
		return 77;
	}
	printf("# v1 devices: %s; cgroup2: %s\n", v1root[0] ? v1root : "(none)", v2root[0] ? v2root : "(none)");
	if (!fake_majors_free())
		return 1;
	sigemptyset(&term_sigs);
	sigaddset(&term_sigs, SIGTERM);
	sigaddset(&term_sigs, SIGINT);
	sigaddset(&term_sigs, SIGHUP);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_mask = term_sigs;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (v1root[0])
		sweep_stale(v1root);
	if (v2root[0])
		sweep_stale(v2root);
	if (make_nodes() < 0) {
		cleanup();
		return 1;
	}
	for (i = 0; i < N_DEV_CASES; i++) {
		char name[64];

		snprintf(name, sizeof name, "kernel_%s", dev_cases[i].name);
		t_fails = 0;
		one_case(&dev_cases[i]);
		t_end(name);
	}
	RUN(update_in_place);
	RUN(v1_parent_refuses);
	RUN(errors_named);
	cleanup();
	return t_done();
}
