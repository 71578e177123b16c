/* Steps of the container's init after pivot_root: the kernel state of the
 * process the user's program inherits. */
#include <cap-ng.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

_Static_assert(sizeof(gid_t) == sizeof(uint32_t), "gid_t is 32 bits");

#include "../seccomp/seccomp.h"
#include "../util/cleanup.h"
#include "../util/fs.h"
#include "../util/procfs.h"
#include "../util/sys.h"
#include "internal.h"
#include "sync.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

int ns_set_hostname(const struct oci_config *cfg, struct cell_err *e)
{
	if (cfg->hostname != NULL && sethostname(cfg->hostname, strlen(cfg->hostname)) < 0)
		return cell_err_sys(e, "sethostname `%s`", cfg->hostname);
	if (cfg->domainname != NULL && setdomainname(cfg->domainname, strlen(cfg->domainname)) < 0)
		return cell_err_sys(e, "setdomainname `%s`", cfg->domainname);
	return 0;
}

/* Writes under /proc go through a procfs we verified, never through a
 * path the container can redirect (util/procfs.c). */
int ns_apply_sysctl(const struct oci_config *cfg, struct cell_err *e)
{
	const struct oci_linux *l = &cfg->linux_;
	_cleanup_close_ int proc = -1;
	char path[512];

	if (l->n_sysctl == 0)
		return 0;
	proc = procfs_open_verified(e);
	if (proc < 0)
		return cell_err_wrap(e, "linux.sysctl");
	for (size_t i = 0; i < l->n_sysctl; i++) {
		const char *key = l->sysctl[i].key;
		size_t n = (size_t)snprintf(path, sizeof path, "sys/%s", key);
		_cleanup_close_ int fd = -1;

		if (n >= sizeof path || strstr(key, "..") != NULL || strchr(key, '/') != NULL)
			return cell_err_set(e, EINVAL, "linux.sysctl.%s: invalid name", key);
		for (char *p = path + 4; *p; p++)
			if (*p == '.')
				*p = '/';
		fd = procfs_open_file(proc, path, 0, e);
		if (fd < 0)
			return cell_err_wrap(e, "linux.sysctl.%s", key);
		if (fs_write_all(fd, l->sysctl[i].value, strlen(l->sysctl[i].value)) < 0)
			return cell_err_sys(e, "linux.sysctl.%s: write `/proc/%s`", key, path);
	}
	return 0;
}

int ns_apply_rlimits(const struct oci_process *p, struct cell_err *e)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		struct rlimit rl = { .rlim_cur = p->rlimits[i].soft, .rlim_max = p->rlimits[i].hard };

		if (setrlimit(p->rlimits[i].resource, &rl) < 0)
			return cell_err_sys(e, "process.rlimits[%zu]: setrlimit soft %llu hard %llu", i,
					    (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
	}
	return 0;
}

/* Written by the parent: the init is non-dumpable, so in a user namespace
 * its own /proc/self files belong to the host's root, not to it. */
int ns_set_oom_score_adj(pid_t pid, const struct oci_process *p, struct cell_err *e)
{
	char buf[16], path[64];

	if (!p->has_oom_score_adj)
		return 0;
	snprintf(buf, sizeof buf, "%d", p->oom_score_adj);
	snprintf(path, sizeof path, "/proc/%d/oom_score_adj", (int)pid);
	if (fs_write_str_at(AT_FDCWD, path, buf, e) < 0)
		return cell_err_wrap(e, "process.oomScoreAdj");
	return 0;
}

/* In a new user namespace the init starts as the overflow id; become the
 * namespace's root so what it creates during set-up is owned by root. */
int ns_become_root(const struct idmap_maps *m, struct cell_err *e)
{
	uint32_t host;

	if (idmap_to_host(m->gid, m->n_gid, 0, &host) && sys_setresgid(0, 0, 0) < 0)
		return cell_err_sys(e, "setresgid 0 in the user namespace");
	if (idmap_to_host(m->uid, m->n_uid, 0, &host) && sys_setresuid(0, 0, 0) < 0)
		return cell_err_sys(e, "setresuid 0 in the user namespace");
	return 0;
}

/* In a joined user namespace the maps are its owner's: try root and stay
 * as we are where 0 is not mapped (EINVAL), as runc does. Without this,
 * our host uid shows as the overflow uid and nothing we create can be
 * owned by it (EOVERFLOW). */
int ns_become_root_joined(struct cell_err *e)
{
	if (sys_setresgid(0, 0, 0) < 0 && errno != EINVAL)
		return cell_err_sys(e, "setresgid 0 in the joined user namespace");
	if (sys_setresuid(0, 0, 0) < 0 && errno != EINVAL)
		return cell_err_sys(e, "setresuid 0 in the joined user namespace");
	return 0;
}

static void fill_caps(const struct oci_process *p)
{
	static const capng_type_t types[OCI_CAP_NSETS] = {
		[OCI_CAP_BOUNDING] = CAPNG_BOUNDING_SET, [OCI_CAP_EFFECTIVE] = CAPNG_EFFECTIVE,
		[OCI_CAP_INHERITABLE] = CAPNG_INHERITABLE, [OCI_CAP_PERMITTED] = CAPNG_PERMITTED,
		[OCI_CAP_AMBIENT] = CAPNG_AMBIENT,
	};
	/* The kernel only raises an ambient capability that is permitted and
	 * inheritable; runc skips the others, and so do we. */
	uint64_t ambient_ok = p->caps[OCI_CAP_PERMITTED] & p->caps[OCI_CAP_INHERITABLE];

	capng_clear(CAPNG_SELECT_ALL);
	for (int s = 0; s < OCI_CAP_NSETS; s++) {
		uint64_t want = s == OCI_CAP_AMBIENT ? p->caps[s] & ambient_ok : p->caps[s];

		for (int cap = 0; cap <= oci_cap_last(); cap++) {
			/* libcap-ng refuses capabilities this kernel lacks: like
			 * runc, a newer config still runs on an older kernel. */
			if (want & (1ULL << cap))
				capng_update(CAPNG_ADD, types[s], (unsigned)cap);
		}
	}
}

/* Order matters: the bounding set can only be lowered with CAP_SETPCAP in
 * the effective set, which setresuid to a non-root user clears; KEEPCAPS
 * keeps the permitted set across the switch so capset can then set the
 * configured sets. Without process.capabilities every set is empty, as
 * with runc. */
int ns_set_user_caps(const struct oci_process *p, bool userns, struct cell_err *e)
{
	return ns_set_user_caps_held(p, userns, false, e);
}

/* hold_admin: CAP_SYS_ADMIN stays effective (and permitted) until
 * drop_held_caps, for seccomp(2) without no_new_privs. */
int ns_set_user_caps_held(const struct oci_process *p, bool userns, bool hold_admin,
			  struct cell_err *e)
{
	const struct oci_user *u = &p->user;

	fill_caps(p);
	if (hold_admin)
		capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_SYS_ADMIN);
	if (capng_apply(CAPNG_SELECT_BOUNDS) < 0)
		return cell_err_sys(e, "process.capabilities.bounding: drop bounding set");
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return cell_err_sys(e, "prctl PR_SET_KEEPCAPS");
	/* gid_t and the config's uint32_t are the same type on Linux. */
	if (sys_setgroups(u->n_additional_gids, (const gid_t *)u->additional_gids) < 0 &&
	    !(errno == EPERM && userns && u->n_additional_gids == 0))
		return cell_err_sys(e, "process.user.additionalGids: setgroups");
	if (sys_setresgid(u->gid, u->gid, u->gid) < 0)
		return cell_err_sys(e, "process.user.gid: setresgid %u", u->gid);
	if (sys_setresuid(u->uid, u->uid, u->uid) < 0)
		return cell_err_sys(e, "process.user.uid: setresuid %u", u->uid);
	if (capng_apply(CAPNG_SELECT_CAPS | CAPNG_SELECT_AMBIENT) < 0)
		return cell_err_sys(e, "process.capabilities: capset");
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return cell_err_sys(e, "prctl PR_SET_KEEPCAPS");
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return cell_err_sys(e, "process.noNewPrivileges: prctl PR_SET_NO_NEW_PRIVS");
	if (p->user.has_umask)
		umask(p->user.umask & 0777);
	return 0;
}

/* CAP_SYS_ADMIN held for seccomp_install goes once the filter is in. */
static int drop_held_caps(const struct oci_process *p, struct cell_err *e)
{
	fill_caps(p);
	if (capng_apply(CAPNG_SELECT_CAPS) < 0)
		return cell_err_sys(e, "process.capabilities: capset after seccomp (does the "
				       "profile allow capset?)");
	return 0;
}

/* The last set-up step of an init or an exec'd process: only the fd
 * hand-over and what follows (handshake, exec.fifo wait, execve) run under
 * the filter. A notify fd goes to the parent over the sync socket before
 * it returns from create or exec (runc's order), which hands it to the
 * listener. */
int ns_seccomp_load(const struct seccomp_prog *prog, const struct oci_process *p, int sync_fd,
		    struct cell_err *e)
{
	int notify_fd, r;

	if (prog == NULL)
		return 0;
	if (seccomp_install(prog, &notify_fd, e) < 0)
		return -1;
	if (seccomp_needs_admin(prog, p) && drop_held_caps(p, e) < 0) {
		if (notify_fd >= 0)
			close(notify_fd);
		return -1;
	}
	if (notify_fd < 0)
		return 0;
	r = sync_send_fd(sync_fd, SYNC_SECCOMP_FD, notify_fd);
	close(notify_fd);
	if (r < 0)
		return cell_err_sys(e, "sync: send seccomp listener fd");
	return 0;
}

static const char *env_path(const struct oci_process *p)
{
	for (size_t i = 0; i < p->n_env; i++)
		if (strncmp(p->env[i], "PATH=", 5) == 0)
			return p->env[i] + 5;
	return DEFAULT_PATH;
}

/* 0 if path is a regular file the process may execute, else an errno. */
static int check_executable(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return errno;
	if (!S_ISREG(st.st_mode))
		return EACCES;
	return faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) < 0 ? errno : 0;
}

/* Resolve args[0] in the container as execvp would, as the final user.
 * The words of the errors are the ones podman maps to 127 and 126. */
int ns_find_exec(const struct oci_process *p, char *out, size_t cap, struct cell_err *e)
{
	const char *name = p->args[0];
	const char *dirs;

	if (strchr(name, '/') != NULL) {
		int err = check_executable(name);

		if (err == ENOENT || err == ENOTDIR)
			return cell_err_set(e, err, "exec `%s`: no such file or directory", name);
		if (err == EACCES)
			return cell_err_set(e, err, "exec `%s`: permission denied", name);
		if (err != 0)
			return cell_err_errno(e, err, "exec `%s`", name);
		if ((size_t)snprintf(out, cap, "%s", name) >= cap)
			return cell_err_errno(e, ENAMETOOLONG, "exec `%s`", name);
		return 0;
	}
	dirs = env_path(p);
	while (*dirs != '\0') {
		const char *end = strchrnul(dirs, ':');
		int dlen = (int)(end - dirs);
		/* An empty entry means the current directory. */
		size_t n = dlen == 0 ? (size_t)snprintf(out, cap, "./%s", name)
				     : (size_t)snprintf(out, cap, "%.*s/%s", dlen, dirs, name);

		if (n < cap && check_executable(out) == 0)
			return 0;
		dirs = *end ? end + 1 : end;
	}
	return cell_err_set(e, 0, "exec: `%s`: executable file not found in $PATH", name);
}

void ns_exec_program(const char *exe, const struct oci_process *p, const sigset_t *mask,
		     struct cell_err *e)
{
	if (mask != NULL)
		sigprocmask(SIG_SETMASK, mask, NULL);
	execve(exe, p->args, p->env);
	/* The words podman maps to 126 and 127, as in ns_find_exec. */
	if (errno == EACCES)
		cell_err_set(e, 0, "exec `%s`: permission denied", exe);
	else if (errno == ENOENT)
		cell_err_set(e, 0, "exec `%s`: no such file or directory", exe);
	else
		cell_err_sys(e, "exec `%s`", exe);
}
