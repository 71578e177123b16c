/* Defences against container escapes (see guard.h for what each answers). */
#include "guard.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/cleanup.h"
#include "../util/sys.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_SEAL
#define F_SEAL_SEAL 0x0001
#define F_SEAL_SHRINK 0x0002
#define F_SEAL_GROW 0x0004
#define F_SEAL_WRITE 0x0008
#endif
#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

#define EXE_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

/* A copy in a sealed memfd: /proc/PID/exe of every later cell process then
 * names that copy, which nobody can write (F_SEAL_WRITE), instead of the
 * host's binary, which a container's root could reopen for writing once
 * no cell process runs it any more. The copy is ~400 KB and lives as long
 * as the processes running it; the extra execve costs a fraction of a
 * millisecond (README, "Size and speed"). */
int ns_guard_sealed_exe(char **argv, struct cell_err *e)
{
	_cleanup_close_ int self = openat(AT_FDCWD, "/proc/self/exe", O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int mfd = -1;
	struct stat st;
	int seals;

	if (self < 0)
		return cell_err_sys(e, "open `/proc/self/exe`");
	seals = fcntl(self, F_GET_SEALS);
	if (seals >= 0 && (seals & EXE_SEALS) == EXE_SEALS) {
		/* execveat names the process after the fd; keep ps readable. */
		prctl(PR_SET_NAME, "cell", 0, 0, 0);
		return 0;
	}
	/* With vm.memfd_noexec set, a memfd is executable only with MFD_EXEC,
	 * which kernels before 6.3 refuse (EINVAL). */
	mfd = memfd_create("cell", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (mfd < 0 && errno == EINVAL)
		mfd = memfd_create("cell", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		return cell_err_sys(e, "memfd_create for a sealed copy of cell (CVE-2019-5736)");
	if (fstat(self, &st) < 0)
		return cell_err_sys(e, "stat `/proc/self/exe`");
	for (off_t off = 0; off < st.st_size;) {
		ssize_t n = sendfile(mfd, self, &off, (size_t)(st.st_size - off));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return cell_err_errno(e, n < 0 ? errno : EIO,
					      "copy `/proc/self/exe` into a memfd");
	}
	if (fcntl(mfd, F_ADD_SEALS, EXE_SEALS) < 0)
		return cell_err_sys(e, "seal the memfd copy of cell");
	syscall(SYS_execveat, mfd, "", argv, environ, AT_EMPTY_PATH);
	return cell_err_sys(e, "execute the sealed copy of cell (CVE-2019-5736 defence)");
}

int ns_guard_nondumpable(struct cell_err *e)
{
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return cell_err_sys(e, "prctl PR_SET_DUMPABLE 0");
	return 0;
}

/* Kernels before 5.9 (close_range) and 5.11 (CLOSE_RANGE_CLOEXEC): one
 * fcntl or close per fd, up to the fd limit. */
static int fd_range_slow(unsigned int lo, unsigned int hi, bool cloexec)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur > 65536)
		rl.rlim_cur = 65536;
	for (unsigned int fd = lo; fd <= hi && fd < rl.rlim_cur; fd++) {
		if (cloexec)
			fcntl((int)fd, F_SETFD, FD_CLOEXEC);
		else
			close((int)fd);
	}
	return 0;
}

static int fd_range(unsigned int lo, unsigned int hi, bool cloexec)
{
	if (lo > hi)
		return 0;
	if (sys_close_range(lo, hi, cloexec ? CLOSE_RANGE_CLOEXEC : 0) == 0)
		return 0;
	if (errno != ENOSYS && errno != EINVAL)
		return -1;
	return fd_range_slow(lo, hi, cloexec);
}

int ns_guard_close_fds(int preserve_fds, const int *keep, size_t n_keep, struct cell_err *e)
{
	unsigned int lo = 3 + (unsigned int)preserve_fds;
	int sorted[8];
	size_t n = 0;

	if (n_keep > sizeof sorted / sizeof sorted[0])
		return cell_err_set(e, EINVAL, "close fds: too many to keep");
	/* Insertion sort of the few fds above the preserved range. */
	for (size_t i = 0; i < n_keep; i++) {
		size_t j = n;

		if (keep[i] < (int)lo)
			continue;
		while (j > 0 && sorted[j - 1] > keep[i]) {
			sorted[j] = sorted[j - 1];
			j--;
		}
		sorted[j] = keep[i];
		n++;
	}
	for (size_t i = 0; i < n; i++) {
		if (fd_range(lo, (unsigned int)sorted[i] - 1, false) < 0)
			return cell_err_sys(e, "close fds %u-%d", lo, sorted[i] - 1);
		lo = (unsigned int)sorted[i] + 1;
	}
	if (fd_range(lo, ~0U, false) < 0)
		return cell_err_sys(e, "close fds from %u", lo);
	return 0;
}

/* RESOLVE_NO_MAGICLINKS refuses /proc/self/fd/N (and /proc/PID/cwd...),
 * the only way a path can leave the root: absolute symlinks and ".." stay
 * inside it as they would for the container's own lookups. */
int ns_guard_chdir(const char *cwd, struct cell_err *e)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_NO_MAGICLINKS,
	};
	char buf[PATH_MAX];
	int fd = sys_openat2(AT_FDCWD, cwd, &how);

	if (fd >= 0) {
		int r = fchdir(fd);

		close(fd);
		if (r < 0)
			return cell_err_sys(e, "process.cwd: chdir `%s`", cwd);
	} else if (errno == ELOOP) {
		return cell_err_set(e, ELOOP,
				    "process.cwd: `%s`: symlink loop or /proc magic link (refused: it may lead outside the container)",
				    cwd);
	} else if (errno != ENOSYS && errno != EPERM) {
		return cell_err_sys(e, "process.cwd: chdir `%s`", cwd);
	} else if (chdir(cwd) < 0) { /* no openat2 (or a seccomp filter denies it) */
		return cell_err_sys(e, "process.cwd: chdir `%s`", cwd);
	}
	/* The kernel's getcwd (not libc's, which may hide it) starts with
	 * "(unreachable)" for a directory outside the root. */
	if (syscall(SYS_getcwd, buf, sizeof buf) < 0)
		return cell_err_sys(e, "process.cwd: getcwd after chdir `%s`", cwd);
	if (buf[0] != '/')
		return cell_err_set(e, EPERM, "process.cwd: `%s` is outside the container's root", cwd);
	return 0;
}

int ns_guard_exec_fds(int preserve_fds, struct cell_err *e)
{
	unsigned int first = 3 + (unsigned int)preserve_fds;

	for (int fd = 3; fd < (int)first; fd++) {
		if (fcntl(fd, F_SETFD, 0) < 0 && errno != EBADF)
			return cell_err_sys(e, "--preserve-fds: clear close-on-exec on fd %d", fd);
	}
	if (fd_range(first, ~0U, true) < 0)
		return cell_err_sys(e, "close_range");
	return 0;
}
