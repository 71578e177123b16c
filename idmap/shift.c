/* Shifting the owners of a tree once (cell chown-rootfs), the fallback
 * where a filesystem cannot be idmapped. Every entry is reached by fd from
 * its parent (O_PATH|O_NOFOLLOW: no symlink is followed), the walk stays on
 * the root's filesystem, and a first pass checks that every id is in the
 * map before anything changes, so a failed or repeated run (ids already
 * shifted) leaves the tree as it was. */
#include "shift.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "../util/cleanup.h"

#define SHIFT_MAX_DEPTH 256

/* File capabilities (linux/capability.h): v3 carries the namespace root. */
#define VFS_CAP_XATTR "security.capability"
#define VFS_CAP_REVISION_MASK 0xFF000000u
#define VFS_CAP_REVISION_3 0x03000000u
#define VFS_CAP_V3_SIZE 24

/* POSIX ACL xattrs: a 4-byte version, then {u16 tag, u16 perm, u32 id}. */
#define ACL_ACCESS "system.posix_acl_access"
#define ACL_DEFAULT "system.posix_acl_default"
#define ACL_TAG_USER 0x02
#define ACL_TAG_GROUP 0x08

struct walk {
	const struct idmap_maps *maps;
	bool apply;      /* false: only check every id */
	dev_t dev;       /* the root's filesystem */
	ino_t *seen;     /* hard-linked inodes already shifted (open addressing) */
	size_t n_seen, cap_seen;
	struct idmap_shift_stats *st;
	char path[4096]; /* the entry's path below the root, for errors */
};

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

int idmap_shift_xattr(const char *name, unsigned char *v, size_t len,
		      const struct idmap_maps *maps, uint32_t *bad)
{
	uint32_t id, host;

	if (strcmp(name, VFS_CAP_XATTR) == 0) {
		if (len != VFS_CAP_V3_SIZE || (le32(v) & VFS_CAP_REVISION_MASK) != VFS_CAP_REVISION_3)
			return 0; /* v1/v2: no root id */
		id = le32(v + 20);
		if (!idmap_to_host(maps->uid, maps->n_uid, id, &host)) {
			*bad = id;
			return -1;
		}
		put_le32(v + 20, host);
		return 1;
	}
	if (len < 4 || (len - 4) % 8 != 0)
		return 0;
	for (size_t off = 4; off < len; off += 8) {
		unsigned tag = (unsigned)v[off] | (unsigned)v[off + 1] << 8;
		const struct oci_idmap *m = tag == ACL_TAG_USER ? maps->uid : maps->gid;
		size_t n = tag == ACL_TAG_USER ? maps->n_uid : maps->n_gid;

		if (tag != ACL_TAG_USER && tag != ACL_TAG_GROUP)
			continue;
		id = le32(v + off + 4);
		if (!idmap_to_host(m, n, id, &host)) {
			*bad = id;
			return -1;
		}
		put_le32(v + off + 4, host);
	}
	return 1;
}

static bool seen_before(struct walk *w, ino_t ino, struct cell_err *e, bool *oom)
{
	size_t i;

	*oom = false;
	if (2 * (w->n_seen + 1) > w->cap_seen) {
		size_t cap = w->cap_seen ? 2 * w->cap_seen : 256;
		ino_t *t = calloc(cap, sizeof *t);

		if (t == NULL) {
			*oom = true;
			cell_err_errno(e, ENOMEM, "chown-rootfs");
			return false;
		}
		for (i = 0; i < w->cap_seen; i++) {
			size_t j;

			if (w->seen[i] == 0)
				continue;
			for (j = w->seen[i] % cap; t[j] != 0; j = (j + 1) % cap)
				;
			t[j] = w->seen[i];
		}
		free(w->seen);
		w->seen = t;
		w->cap_seen = cap;
	}
	/* Inode 0 does not occur on the filesystems this walks. */
	for (i = ino % w->cap_seen; w->seen[i] != 0; i = (i + 1) % w->cap_seen)
		if (w->seen[i] == ino)
			return true;
	w->seen[i] = ino;
	w->n_seen++;
	return false;
}

/* Read, shift and (apply) write back one xattr of the entry behind fd. */
static int shift_xattr(struct walk *w, const char *procpath, const char *name, bool after_chown,
		       struct cell_err *e)
{
	unsigned char v[4 + 8 * 1024];
	ssize_t len = getxattr(procpath, name, v, sizeof v);
	uint32_t bad = 0;
	int r;

	if (len < 0) {
		if (errno == ENODATA || errno == ENOTSUP || errno == EOPNOTSUPP)
			return 0;
		return cell_err_sys(e, "read %s of `%s`", name, w->path);
	}
	r = idmap_shift_xattr(name, v, (size_t)len, w->maps, &bad);
	if (r < 0)
		return cell_err_set(e, ERANGE, "`%s`: %s names id %u, which the map does not cover",
				    w->path, name, bad);
	if (r == 0 || !w->apply || !after_chown)
		return 0;
	if (setxattr(procpath, name, v, (size_t)len, 0) < 0)
		return cell_err_sys(e, "write %s of `%s`", name, w->path);
	return 0;
}

static int shift_entry(struct walk *w, int fd, const struct stat *st, struct cell_err *e)
{
	char procpath[40];
	uint32_t uid, gid;

	if (!idmap_to_host(w->maps->uid, w->maps->n_uid, st->st_uid, &uid))
		return cell_err_set(e, ERANGE, "`%s`: uid %u is not in the map (already shifted?)",
				    w->path, (unsigned)st->st_uid);
	if (!idmap_to_host(w->maps->gid, w->maps->n_gid, st->st_gid, &gid))
		return cell_err_set(e, ERANGE, "`%s`: gid %u is not in the map (already shifted?)",
				    w->path, (unsigned)st->st_gid);
	snprintf(procpath, sizeof procpath, "/proc/self/fd/%d", fd);
	if (!S_ISLNK(st->st_mode)) {
		/* Checked on both passes; written after the chown, which drops
		 * file capabilities. */
		if (shift_xattr(w, procpath, ACL_ACCESS, false, e) < 0 ||
		    (S_ISDIR(st->st_mode) && shift_xattr(w, procpath, ACL_DEFAULT, false, e) < 0) ||
		    (S_ISREG(st->st_mode) && shift_xattr(w, procpath, VFS_CAP_XATTR, false, e) < 0))
			return -1;
	}
	if (!w->apply)
		return 0;
	if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH) < 0)
		return cell_err_sys(e, "chown `%s`", w->path);
	w->st->entries++;
	if (S_ISLNK(st->st_mode))
		return 0;
	/* chown(2) clears setuid/setgid, even for root: put them back. */
	if ((st->st_mode & (S_ISUID | S_ISGID)) && chmod(procpath, st->st_mode & 07777) < 0)
		return cell_err_sys(e, "chmod `%s`", w->path);
	if (shift_xattr(w, procpath, ACL_ACCESS, true, e) < 0 ||
	    (S_ISDIR(st->st_mode) && shift_xattr(w, procpath, ACL_DEFAULT, true, e) < 0))
		return -1;
	return 0;
}

/* The capability xattr as it was before the chown dropped it. */
static int keep_caps(struct walk *w, int fd, const struct stat *st, unsigned char *v, ssize_t *len,
		     struct cell_err *e)
{
	char procpath[40];

	*len = -1;
	if (!w->apply || !S_ISREG(st->st_mode))
		return 0;
	snprintf(procpath, sizeof procpath, "/proc/self/fd/%d", fd);
	*len = getxattr(procpath, VFS_CAP_XATTR, v, VFS_CAP_V3_SIZE);
	if (*len < 0 && errno != ENODATA && errno != ENOTSUP && errno != EOPNOTSUPP)
		return cell_err_sys(e, "read " VFS_CAP_XATTR " of `%s`", w->path);
	return 0;
}

static int put_caps(struct walk *w, int fd, unsigned char *v, ssize_t len, struct cell_err *e)
{
	char procpath[40];
	uint32_t bad;

	if (len < 0)
		return 0;
	snprintf(procpath, sizeof procpath, "/proc/self/fd/%d", fd);
	if (idmap_shift_xattr(VFS_CAP_XATTR, v, (size_t)len, w->maps, &bad) < 0)
		return cell_err_set(e, ERANGE, "`%s`: " VFS_CAP_XATTR " names id %u, which the map does not cover",
				    w->path, bad);
	if (setxattr(procpath, VFS_CAP_XATTR, v, (size_t)len, 0) < 0)
		return cell_err_sys(e, "write " VFS_CAP_XATTR " of `%s`", w->path);
	return 0;
}

static int walk_dir(struct walk *w, int dirfd, size_t plen, int depth, struct cell_err *e);

/* One entry (or the root, name "."), below dirfd. */
static int walk_entry(struct walk *w, int dirfd, const char *name, size_t plen, int depth,
		      struct cell_err *e)
{
	_cleanup_close_ int fd = -1;
	unsigned char caps[VFS_CAP_V3_SIZE];
	ssize_t caps_len;
	struct stat st;
	size_t len = plen;
	int n;

	if (strcmp(name, ".") != 0) {
		n = snprintf(w->path + plen, sizeof w->path - plen, "%s%s",
			     plen > 0 && w->path[plen - 1] != '/' ? "/" : "", name);
		if (n < 0 || (size_t)n >= sizeof w->path - plen)
			return cell_err_set(e, ENAMETOOLONG, "`%s/%s`: path too long", w->path, name);
		len = plen + (size_t)n;
	}
	fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cell_err_sys(e, "open `%s`", w->path);
	if (fstat(fd, &st) < 0)
		return cell_err_sys(e, "stat `%s`", w->path);
	/* Another filesystem mounted here is not ours to change. */
	if (st.st_dev != w->dev) {
		w->st->skipped_mounts += w->apply;
		w->path[plen] = '\0';
		return 0;
	}
	/* A hard link met again was shifted already. */
	if (w->apply && st.st_nlink > 1 && !S_ISDIR(st.st_mode)) {
		bool oom;

		if (seen_before(w, st.st_ino, e, &oom)) {
			w->path[plen] = '\0';
			return 0;
		}
		if (oom)
			return -1;
	}
	if (keep_caps(w, fd, &st, caps, &caps_len, e) < 0 || shift_entry(w, fd, &st, e) < 0 ||
	    put_caps(w, fd, caps, caps_len, e) < 0)
		return -1;
	if (S_ISDIR(st.st_mode) && walk_dir(w, fd, len, depth + 1, e) < 0)
		return -1;
	w->path[plen] = '\0';
	return 0;
}

static int walk_dir(struct walk *w, int pathfd, size_t plen, int depth, struct cell_err *e)
{
	struct dirent *de;
	DIR *d;
	int fd, r = 0;

	if (depth > SHIFT_MAX_DEPTH)
		return cell_err_set(e, ELOOP, "`%s`: more than %d levels deep", w->path, SHIFT_MAX_DEPTH);
	fd = openat(pathfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return cell_err_sys(e, "open `%s`", w->path);
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return cell_err_sys(e, "open `%s`", w->path);
	}
	while (r == 0) {
		errno = 0;
		de = readdir(d);
		if (de == NULL) {
			if (errno != 0)
				r = cell_err_sys(e, "read `%s`", w->path);
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		r = walk_entry(w, dirfd(d), de->d_name, plen, depth, e);
	}
	closedir(d);
	return r;
}

int idmap_shift_tree(const char *dir, const struct idmap_maps *maps, struct idmap_shift_stats *st,
		     struct cell_err *e)
{
	struct walk w = { .maps = maps, .st = st };
	_cleanup_close_ int root = -1;
	struct stat rs;
	int r;

	*st = (struct idmap_shift_stats){ 0 };
	if (maps->n_uid == 0 || maps->n_gid == 0)
		return cell_err_set(e, EINVAL, "chown-rootfs: no uid or gid map");
	root = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return cell_err_sys(e, "open `%s`", dir);
	if (fstat(root, &rs) < 0)
		return cell_err_sys(e, "stat `%s`", dir);
	w.dev = rs.st_dev;
	snprintf(w.path, sizeof w.path, "%s", dir);
	/* Pass 1 checks every id; pass 2 changes them. */
	r = walk_entry(&w, root, ".", strlen(w.path), 0, e);
	if (r == 0) {
		w.apply = true;
		r = walk_entry(&w, root, ".", strlen(w.path), 0, e);
	}
	free(w.seen);
	return r;
}
