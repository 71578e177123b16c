/* Small file helpers shared by the modules. All report through cell_err
 * and name the path they worked on. */
#ifndef CELL_FS_H
#define CELL_FS_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/* write(2) until done, retrying EINTR and short writes. */
int fs_write_all(int fd, const void *buf, size_t len);

/* Read the whole of `path` (relative to dirfd) into a malloc'd NUL-terminated
 * buffer. Files over `max` bytes are refused with "larger than N bytes". */
int fs_read_file(int dirfd, const char *path, size_t max, char **out, size_t *len,
		 struct cell_err *e);

/* Replace dirfd/name atomically: write name.tmp, then rename over name. */
int fs_write_atomic(int dirfd, const char *name, const void *buf, size_t len, mode_t mode,
		    struct cell_err *e);

/* mkdir -p; existing directories are fine. */
int fs_mkdir_p(const char *path, mode_t mode, struct cell_err *e);

/* Write a small string to a file that must already exist (procfs, sysfs). */
int fs_write_str_at(int dirfd, const char *path, const char *s, struct cell_err *e);

#endif
