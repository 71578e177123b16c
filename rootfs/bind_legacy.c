/* Bind mounts with mount(2) only (kernels without the new mount API, and
 * plain binds everywhere).
 *
 * mount(2) on "/proc/self/fd/N" attaches to what fd N names, the mount
 * point underneath; a later remount or propagation change needs the new
 * mount itself, so the destination is looked up again (in the root) to
 * reach it. A bind remount sets exactly the flags it is given: the flags
 * the source mount already has are read with fstatfs and passed again
 * unless the caller clears them, because in a user namespace the kernel
 * locks them and refuses a remount that would drop one (EPERM). */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "../util/cleanup.h"

static unsigned long ms_from_st(unsigned long st)
{
	unsigned long ms = 0;

	if (st & ST_RDONLY)
		ms |= MS_RDONLY;
	if (st & ST_NOSUID)
		ms |= MS_NOSUID;
	if (st & ST_NODEV)
		ms |= MS_NODEV;
	if (st & ST_NOEXEC)
		ms |= MS_NOEXEC;
	if (st & ST_NOSYMFOLLOW)
		ms |= MS_NOSYMFOLLOW;
	return ms;
}

/* Per-mount flags from a mountinfo options field ("rw,nosuid,relatime"). */
static unsigned long ms_from_opts(const char *o, size_t len)
{
	static const struct {
		const char *name;
		unsigned long ms;
	} map[] = {
		{ "ro", MS_RDONLY }, { "nosuid", MS_NOSUID }, { "nodev", MS_NODEV },
		{ "noexec", MS_NOEXEC }, { "nosymfollow", MS_NOSYMFOLLOW },
	};
	unsigned long ms = 0;

	while (len > 0) {
		size_t n = 0;

		while (n < len && o[n] != ',')
			n++;
		for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
			if (strlen(map[i].name) == n && memcmp(map[i].name, o, n) == 0)
				ms |= map[i].ms;
		o += n + (n < len);
		len -= n + (n < len);
	}
	return ms;
}

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
	char *d = s;

	for (; *s != '\0'; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
}

static char *read_mountinfo(struct cell_err *e)
{
	_cleanup_close_ int fd = openat(AT_FDCWD, "/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	size_t cap = 65536, len = 0;
	char *buf = NULL, *nb;
	ssize_t n;

	if (fd < 0) {
		cell_err_sys(e, "open `/proc/self/mountinfo`");
		return NULL;
	}
	for (;;) {
		if (buf == NULL || cap - len < 4096) {
			nb = realloc(buf, buf == NULL ? cap : (cap *= 2));
			if (nb == NULL)
				break;
			buf = nb;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0) {
				buf[len] = '\0';
				return buf;
			}
			break;
		}
		len += (size_t)n;
	}
	cell_err_sys(e, "read `/proc/self/mountinfo`");
	free(buf);
	return NULL;
}

/* mount(2) cannot remount a tree: remount every mount below the one at
 * mntfd, as listed in mountinfo (parents come before their children). */
static int remount_submounts(int mntfd, const char *what, unsigned long set,
			     unsigned long clear, struct cell_err *e)
{
	_cleanup_free_ char *info = NULL;
	struct rootfs_fdpath fp;
	char top[PATH_MAX];
	ssize_t tlen;

	tlen = readlink(rootfs_fdpath(&fp, mntfd), top, sizeof top - 1);
	if (tlen < 0)
		return cell_err_sys(e, "readlink `%s`", fp.s);
	top[tlen] = '\0';
	if (tlen == 1)
		tlen = 0; /* "/": every mount is below */
	info = read_mountinfo(e);
	if (info == NULL)
		return -1;
	for (char *line = info, *next; *line != '\0'; line = next) {
		char *f[6], *p = line;
		int nf = 0;

		next = strchr(line, '\n');
		next = next != NULL ? (*next = '\0', next + 1) : line + strlen(line);
		while (nf < 6 && (f[nf] = strsep(&p, " ")) != NULL)
			nf++;
		if (nf < 6)
			continue;
		/* f[4]: mount point, f[5]: per-mount options */
		unescape(f[4]);
		if (strncmp(f[4], top, (size_t)tlen) != 0 || f[4][tlen] != '/' ||
		    f[4][tlen + 1] == '\0')
			continue;
		if (mount(NULL, f[4], NULL,
			  MS_REMOUNT | MS_BIND | (set & ROOTFS_MNT_FLAGS) |
				  (ms_from_opts(f[5], strlen(f[5])) & ~clear),
			  NULL) < 0 && errno != ENOENT)
			return cell_err_sys(e, "remount `%s` (below `%s`)", f[4], what);
	}
	return 0;
}

int rootfs_remount_legacy(int mntfd, const char *what, unsigned long set, unsigned long clear,
			  bool rec, struct cell_err *e)
{
	struct rootfs_fdpath fp;
	struct statfs sf;
	unsigned long keep;

	if (fstatfs(mntfd, &sf) < 0)
		return cell_err_sys(e, "statfs `%s`", what);
	/* The atime mode is left out: without an atime flag the kernel keeps
	 * the current one, locked or not. */
	keep = ms_from_st((unsigned long)sf.f_flags) & ~clear;
	if (mount(NULL, rootfs_fdpath(&fp, mntfd), NULL,
		  MS_REMOUNT | MS_BIND | (set & ROOTFS_MNT_FLAGS) | keep, NULL) < 0)
		return cell_err_sys(e, "remount `%s`", what);
	return rec ? remount_submounts(mntfd, what, set, clear, e) : 0;
}

int rootfs_bind_legacy(const struct rootfs_bind *b, int *mntfd, struct cell_err *e)
{
	struct rootfs_fdpath sp, tp;
	const char *src = b->src != NULL ? b->src : rootfs_fdpath(&sp, b->srcfd);
	_cleanup_close_ int m = -1;

	if (mount(src, rootfs_fdpath(&tp, b->target), NULL, MS_BIND | (b->rec ? MS_REC : 0),
		  NULL) < 0)
		return cell_err_sys(e, "bind `%s` on `%s`", b->src != NULL ? b->src : b->dest,
				    b->dest);
	if ((b->set | b->clear) == 0 && b->propagation == 0 && mntfd == NULL)
		return 0;
	m = rootfs_resolve(b->rootfd, b->dest, O_PATH, 0, 0, e);
	if (m < 0)
		return -1;
	if ((b->set | b->clear) != 0 &&
	    rootfs_remount_legacy(m, b->dest, b->set, b->clear, b->rec && b->attr_rec, e) < 0)
		return -1;
	if (b->propagation != 0 &&
	    mount(NULL, rootfs_fdpath(&tp, m), NULL, b->propagation, NULL) < 0)
		return cell_err_sys(e, "set propagation of `%s`", b->dest);
	if (mntfd != NULL)
		*mntfd = take_fd(&m);
	return 0;
}
