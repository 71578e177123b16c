#include "procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cleanup.h"
#include "sys.h"

#define PROC_SUPER_MAGIC 0x9fa0
#define PROC_ROOT_INO 1

/* We write through a detached copy of the one mount on /proc (open_tree
 * without AT_RECURSIVE), so a bind the config or an image symlink put over
 * /proc/sys/... or /proc/self/attr/... is not in the copy. */
int procfs_open_verified(struct cell_err *e)
{
	struct statfs sfs;
	struct stat st;
	_cleanup_close_ int fd = openat(AT_FDCWD, "/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int copy;

	if (fd < 0)
		return cell_err_sys(e, "open `/proc`");
	if (fstatfs(fd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC || fstat(fd, &st) < 0 ||
	    st.st_ino != PROC_ROOT_INO)
		return cell_err_set(e, EINVAL, "`/proc` in the container is not the root of a procfs");
	copy = sys_open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (copy >= 0)
		return copy;
	/* Before 5.2 (or refused): the mount itself; procfs_open_file then
	 * refuses a file another mount covers. */
	return take_fd(&fd);
}

/* The mount id of fd, from /proc/self/fdinfo of the verified procfs. */
static int mnt_id_of(int proc, int fd)
{
	char path[64], buf[256], *p;
	_cleanup_close_ int f = -1;
	ssize_t n;

	snprintf(path, sizeof path, "self/fdinfo/%d", fd);
	f = openat(proc, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (f < 0 || (n = read(f, buf, sizeof buf - 1)) <= 0)
		return -1;
	buf[n] = '\0';
	p = strstr(buf, "mnt_id:");
	return p != NULL ? atoi(p + 7) : -1;
}

int procfs_open_file(int proc, const char *path, unsigned int opts, struct cell_err *e)
{
	struct open_how how = { .flags = O_WRONLY | O_NOFOLLOW | O_CLOEXEC,
				.resolve = RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS };
	_cleanup_close_ int fd = -1;
	struct statfs sfs;

	if (!(opts & PROCFS_FOLLOW))
		how.resolve |= RESOLVE_NO_SYMLINKS;
	fd = sys_openat2(proc, path, &how);
	if (fd < 0 && errno == ENOSYS) {
		fd = openat(proc, path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0 && mnt_id_of(proc, fd) != mnt_id_of(proc, proc)) {
			close(fd);
			fd = -1;
			errno = EXDEV;
		}
	}
	if (fd < 0 && errno == EXDEV)
		return cell_err_set(e, EXDEV, "`/proc/%s` is covered by a mount (refused: the write could land outside the container)",
				    path);
	if (fd < 0)
		return cell_err_sys(e, "open `/proc/%s`", path);
	if (fstatfs(fd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)
		return cell_err_set(e, EXDEV, "`/proc/%s` is not procfs", path);
	return take_fd(&fd);
}
