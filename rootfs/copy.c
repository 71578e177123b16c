/* "tmpcopyup" (podman): a tmpfs mounted over an image directory starts
 * with a copy of that directory's contents. The source is the directory
 * the tmpfs now covers, read through an fd opened before the mount. The
 * image is hostile, so nothing here follows a symlink: links are copied
 * as links. */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/cleanup.h"

#define MAX_DEPTH 64

static int copy_tree(int src, int dst, const char *what, int depth, struct cell_err *e);

/* chown failing with EINVAL means the owner has no mapping in this user
 * namespace: the copy keeps ours. */
static int copy_owner(int dirfd, const char *name, const struct stat *st, const char *what,
		      struct cell_err *e)
{
	int flags = AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH;

	if (fchownat(dirfd, name, st->st_uid, st->st_gid, flags) < 0 && errno != EINVAL)
		return cell_err_sys(e, "chown `%s/%s`", what, name);
	return 0;
}

static int copy_file(int src, int dst, const char *name, const struct stat *st, const char *what,
		     struct cell_err *e)
{
	_cleanup_close_ int in = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int out = -1;
	off_t left = st->st_size;

	if (in < 0)
		return cell_err_sys(e, "open `%s/%s`", what, name);
	out = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return cell_err_sys(e, "create `%s/%s`", what, name);
	while (left > 0) {
		ssize_t n = sendfile(out, in, NULL, left > (1 << 30) ? (1 << 30) : (size_t)left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cell_err_sys(e, "copy `%s/%s`", what, name);
		if (n == 0)
			break; /* the file shrank */
		left -= n;
	}
	/* Owner first: chown drops the setuid bits. */
	if (copy_owner(out, "", st, what, e) < 0)
		return -1;
	if (fchmod(out, st->st_mode & 07777) < 0)
		return cell_err_sys(e, "chmod `%s/%s`", what, name);
	return 0;
}

static int copy_dir(int src, int dst, const char *name, const struct stat *st, const char *what,
		    int depth, struct cell_err *e)
{
	_cleanup_close_ int in = -1, out = -1;

	if (depth >= MAX_DEPTH)
		return cell_err_errno(e, ELOOP, "copy `%s/%s`", what, name);
	if (mkdirat(dst, name, 0700) < 0)
		return cell_err_sys(e, "mkdir `%s/%s`", what, name);
	in = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return cell_err_sys(e, "open `%s/%s`", what, name);
	out = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (out < 0)
		return cell_err_sys(e, "open `%s/%s`", what, name);
	if (copy_tree(take_fd(&in), out, what, depth + 1, e) < 0)
		return -1;
	if (copy_owner(out, "", st, what, e) < 0)
		return -1;
	if (fchmod(out, st->st_mode & 07777) < 0)
		return cell_err_sys(e, "chmod `%s/%s`", what, name);
	return 0;
}

static int copy_entry(int src, int dst, const char *name, const char *what, int depth,
		      struct cell_err *e)
{
	_cleanup_free_ char *target = NULL;
	struct stat st;
	ssize_t n;

	if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return cell_err_sys(e, "stat `%s/%s`", what, name);
	switch (st.st_mode & S_IFMT) {
	case S_IFDIR:
		return copy_dir(src, dst, name, &st, what, depth, e);
	case S_IFREG:
		return copy_file(src, dst, name, &st, what, e);
	case S_IFLNK:
		target = malloc(PATH_MAX); /* not on the stack: this recurses */
		if (target == NULL)
			return cell_err_sys(e, "readlink `%s/%s`", what, name);
		n = readlinkat(src, name, target, PATH_MAX - 1);
		if (n < 0)
			return cell_err_sys(e, "readlink `%s/%s`", what, name);
		target[n] = '\0';
		if (symlinkat(target, dst, name) < 0)
			return cell_err_sys(e, "symlink `%s/%s`", what, name);
		return copy_owner(dst, name, &st, what, e);
	default: /* devices, fifos, sockets */
		if (mknodat(dst, name, st.st_mode, st.st_rdev) < 0)
			return cell_err_sys(e, "mknod `%s/%s`", what, name);
		return copy_owner(dst, name, &st, what, e);
	}
}

/* Takes ownership of src (the directory stream closes it). */
static int copy_tree(int src, int dst, const char *what, int depth, struct cell_err *e)
{
	DIR *d = fdopendir(src);
	struct dirent *de;
	int ret = 0;

	if (d == NULL) {
		cell_err_sys(e, "read `%s`", what);
		close(src);
		return -1;
	}
	while (ret == 0) {
		errno = 0;
		de = readdir(d);
		if (de == NULL) {
			if (errno != 0)
				ret = cell_err_sys(e, "read `%s`", what);
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		ret = copy_entry(src, dst, de->d_name, what, depth, e);
	}
	closedir(d);
	return ret;
}

int rootfs_copy_tree(int src, int dst, const char *what, struct cell_err *e)
{
	int fd = dup(src);

	if (fd < 0)
		return cell_err_sys(e, "read `%s`", what);
	return copy_tree(fd, dst, what, 0, e);
}
