#include "fs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"

int fs_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int fs_read_file(int dirfd, const char *path, size_t max, char **out, size_t *len,
		 struct cell_err *e)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	size_t cap = 4096, n = 0;

	if (fd < 0)
		return cell_err_sys(e, "open `%s`", path);
	for (;;) {
		ssize_t r;

		if (buf == NULL || n == cap) {
			char *nb;

			if (buf != NULL)
				cap *= 2;
			if (cap > max + 1)
				cap = max + 1;
			nb = realloc(buf, cap + 1);
			if (nb == NULL)
				return cell_err_sys(e, "read `%s`", path);
			buf = nb;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return cell_err_sys(e, "read `%s`", path);
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max)
			return cell_err_set(e, EFBIG, "read `%s`: larger than %zu bytes", path, max);
	}
	buf[n] = '\0';
	*out = take_ptr(&buf);
	if (len != NULL)
		*len = n;
	return 0;
}

int fs_write_atomic(int dirfd, const char *name, const void *buf, size_t len, mode_t mode,
		    struct cell_err *e)
{
	char tmp[NAME_MAX + 1];
	int fd;

	if (snprintf(tmp, sizeof tmp, "%s.tmp", name) >= (int)sizeof tmp)
		return cell_err_errno(e, ENAMETOOLONG, "write `%s`", name);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return cell_err_sys(e, "create `%s`", tmp);
	if (fs_write_all(fd, buf, len) < 0) {
		cell_err_sys(e, "write `%s`", tmp);
		close(fd);
		unlinkat(dirfd, tmp, 0);
		return -1;
	}
	close(fd);
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		cell_err_sys(e, "rename `%s` to `%s`", tmp, name);
		unlinkat(dirfd, tmp, 0);
		return -1;
	}
	return 0;
}

int fs_mkdir_p(const char *path, mode_t mode, struct cell_err *e)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len >= sizeof buf)
		return cell_err_errno(e, ENAMETOOLONG, "mkdir `%s`", path);
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return cell_err_sys(e, "mkdir `%s`", buf);
		*p = c;
		if (c == '\0')
			break;
	}
	return 0;
}

int fs_write_str_at(int dirfd, const char *path, const char *s, struct cell_err *e)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return cell_err_sys(e, "open `%s`", path);
	if (fs_write_all(fd, s, strlen(s)) < 0)
		return cell_err_sys(e, "write `%s`", path);
	return 0;
}
