/* The container's terminal (process.terminal). The pty comes from the
 * container's own devpts, not the host's, so the tty and its number belong
 * to the container; the process that made it keeps only the peer, the
 * master goes to the runtime over the sync socket. Runs in the init (after
 * pivot_root) and in an exec'd process (after joining the mount
 * namespace): async-signal-safe calls only. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include "../util/cleanup.h"
#include "internal.h"

#define DEVPTS_SUPER_MAGIC 0x1cd1
#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

/* /dev/pts/ptmx of the container, checked to be a real ptmx on a devpts:
 * the image (or a config mount) may have put anything at that path. */
static int open_ptmx(struct cell_err *e)
{
	_cleanup_close_ int fd = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);
	struct statfs sfs;
	struct stat st;

	if (fd < 0)
		return cell_err_sys(e, "process.terminal: open `/dev/pts/ptmx` in the container");
	if (fstatfs(fd, &sfs) < 0 || sfs.f_type != DEVPTS_SUPER_MAGIC || fstat(fd, &st) < 0 ||
	    !S_ISCHR(st.st_mode) || major(st.st_rdev) != 5 || minor(st.st_rdev) != 2)
		return cell_err_set(e, EINVAL,
				    "process.terminal: `/dev/pts/ptmx` in the container is not a devpts ptmx");
	return take_fd(&fd);
}

/* The peer without a path lookup (TIOCGPTPEER, 4.13); older kernels: by
 * number under the same devpts, checked against the master's. */
static int open_peer(int master, char *name, size_t cap, struct cell_err *e)
{
	int n = 0, fd;
	struct statfs sfs;

	if (ioctl(master, TIOCSPTLCK, &n) < 0)
		return cell_err_sys(e, "process.terminal: unlock pty");
	if (ioctl(master, TIOCGPTN, &n) < 0)
		return cell_err_sys(e, "process.terminal: pty number");
	snprintf(name, cap, "/dev/pts/%d", n);
	fd = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	fd = open(name, O_RDWR | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cell_err_sys(e, "process.terminal: open `%s`", name);
	if (fstatfs(fd, &sfs) < 0 || sfs.f_type != DEVPTS_SUPER_MAGIC) {
		close(fd);
		return cell_err_set(e, EINVAL, "process.terminal: `%s` is not on devpts", name);
	}
	return fd;
}

/* /dev/console is the terminal, as runc and LXC make it. The target is
 * an empty file on the container's /dev (a symlink left there is
 * replaced); the bind goes through the fds so no path is followed. */
static int bind_console(int peer, const char *name, struct cell_err *e)
{
	_cleanup_close_ int dev = open("/dev", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int fd = -1;
	char src[64], dst[64];
	struct stat st;

	if (dev < 0)
		return cell_err_sys(e, "process.terminal: open `/dev`");
	if (fstatat(dev, "console", &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode) &&
	    !S_ISCHR(st.st_mode))
		unlinkat(dev, "console", S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0);
	fd = openat(dev, "console", O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return cell_err_sys(e, "process.terminal: create `/dev/console`");
	snprintf(src, sizeof src, "/proc/self/fd/%d", peer);
	snprintf(dst, sizeof dst, "/proc/self/fd/%d", fd);
	if (mount(src, dst, NULL, MS_BIND, NULL) == 0)
		return 0;
	/* No /proc in the container: by path, both just checked. */
	if (mount(name, "/dev/console", NULL, MS_BIND, NULL) < 0)
		return cell_err_sys(e, "process.terminal: bind `%s` on `/dev/console`", name);
	return 0;
}

int ns_tty_setup(const struct oci_process *p, bool console, struct cell_err *e)
{
	_cleanup_close_ int master = open_ptmx(e);
	_cleanup_close_ int peer = -1;
	char name[32];

	if (master < 0)
		return -1;
	peer = open_peer(master, name, sizeof name, e);
	if (peer < 0)
		return -1;
	if (p->has_console_size) {
		struct winsize ws = { .ws_row = (unsigned short)p->console_height,
				      .ws_col = (unsigned short)p->console_width };

		if (ioctl(peer, TIOCSWINSZ, &ws) < 0)
			return cell_err_sys(e, "process.consoleSize: set window size");
	}
	if (console && bind_console(peer, name, e) < 0)
		return -1;
	/* A session of its own, with the pty as controlling terminal. */
	if (setsid() < 0 && errno != EPERM)
		return cell_err_sys(e, "process.terminal: setsid");
	if (ioctl(peer, TIOCSCTTY, 0) < 0)
		return cell_err_sys(e, "process.terminal: make `%s` the controlling terminal", name);
	for (int fd = 0; fd < 3; fd++)
		if (dup2(peer, fd) < 0)
			return cell_err_sys(e, "process.terminal: dup2 pty to fd %d", fd);
	return take_fd(&master);
}
