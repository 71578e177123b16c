/* Resolving paths inside the container's root without ever leaving it.
 *
 * The rootfs is hostile: any component may be a symlink (absolute or with
 * "..") meant to redirect a mount onto the host. openat2(RESOLVE_IN_ROOT)
 * makes the kernel treat rootfd as "/" for every symlink and "..".
 * Kernels before 5.6 lack it: there we walk one component at a time with
 * O_PATH|O_NOFOLLOW, read symlinks ourselves and restart them from the root,
 * and keep a stack of the directories we went through so ".." pops one and
 * can never climb above rootfd. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/cleanup.h"
#include "../util/sys.h"

#define MAX_LINKS 40       /* like the kernel's MAXSYMLINKS */
#define OPENAT2_RETRIES 16 /* EAGAIN: a rename or mount raced with the lookup */

bool rootfs_no_openat2;
bool rootfs_no_mount_api;

void rootfs_set_fallbacks(bool no_openat2, bool no_mount_api)
{
	rootfs_no_openat2 = no_openat2;
	rootfs_no_mount_api = no_mount_api;
}

const char *rootfs_fdpath(struct rootfs_fdpath *b, int fd)
{
	snprintf(b->s, sizeof b->s, "/proc/self/fd/%d", fd);
	return b->s;
}

/* Next non-empty component of *p ("a//b/" gives "a" then "b"). */
static bool next_comp(const char **p, const char **name, size_t *len)
{
	const char *s = *p, *t;

	while (*s == '/')
		s++;
	if (*s == '\0') {
		*p = s;
		return false;
	}
	for (t = s; *t != '\0' && *t != '/'; t++)
		;
	*name = s;
	*len = (size_t)(t - s);
	*p = t;
	return true;
}

static bool is_dot(const char *name, size_t len)
{
	return len == 1 && name[0] == '.';
}

static bool is_dotdot(const char *name, size_t len)
{
	return len == 2 && name[0] == '.' && name[1] == '.';
}

bool rootfs_path_eq(const char *a, const char *b)
{
	const char *na, *nb;
	size_t la, lb;
	bool ha, hb;

	for (;;) {
		while ((ha = next_comp(&a, &na, &la)) && is_dot(na, la))
			;
		while ((hb = next_comp(&b, &nb, &lb)) && is_dot(nb, lb))
			;
		if (!ha || !hb)
			return ha == hb;
		if (la != lb || memcmp(na, nb, la) != 0)
			return false;
	}
}

static int openat2_in_root(int rootfd, const char *path, int flags, mode_t mode,
			   unsigned int opts)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd = -1;

	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE)
		how.mode = mode;
	if (opts & ROOTFS_NO_SYMLINKS)
		how.resolve |= RESOLVE_NO_SYMLINKS;
	for (int i = 0; i < OPENAT2_RETRIES; i++) {
		fd = sys_openat2(rootfd, path, &how);
		if (fd >= 0 || errno != EAGAIN)
			break;
	}
	return fd;
}

/* ---- The component walk (kernels without openat2) ---- */

enum walk_create { WALK_NONE, WALK_DIR, WALK_FILE };

struct walk {
	int *stk;       /* directories walked through; stk[0] is rootfd (not owned) */
	size_t n, cap;
	int stk0[32];   /* stk until it grows: no malloc on the usual paths */
	char *rest;     /* heap buffer `p` points into after a symlink, or NULL */
	const char *p;  /* what is left to resolve */
	char *link;     /* PATH_MAX buffer for readlink, allocated on first use */
	int links;
	int flags;      /* the caller's open flags */
	mode_t mode;
	enum walk_create create;
	unsigned int opts;
};

static int walk_cur(const struct walk *w)
{
	return w->stk[w->n - 1];
}

static int walk_push(struct walk *w, int fd)
{
	if (w->n == w->cap) {
		size_t cap = w->cap * 2;
		int *s = malloc(cap * sizeof *s);

		if (s == NULL) {
			close(fd);
			return -1;
		}
		memcpy(s, w->stk, w->n * sizeof *s);
		if (w->stk != w->stk0)
			free(w->stk);
		w->stk = s;
		w->cap = cap;
	}
	w->stk[w->n++] = fd;
	return 0;
}

static void walk_pop_to(struct walk *w, size_t n)
{
	while (w->n > n)
		close(w->stk[--w->n]);
}

/* Continue the walk with the symlink body in w->link (len bytes) followed
 * by what was left after the link's own component. */
static int walk_follow(struct walk *w, size_t len)
{
	size_t restlen = strlen(w->p);
	char *s;

	if (w->opts & ROOTFS_NO_SYMLINKS) {
		errno = ELOOP;
		return -1;
	}
	if (++w->links > MAX_LINKS) {
		errno = ELOOP;
		return -1;
	}
	if (len == 0) {
		errno = ENOENT;
		return -1;
	}
	s = malloc(len + 1 + restlen + 1);
	if (s == NULL)
		return -1;
	memcpy(s, w->link, len);
	/* w->p is empty or starts with its '/' */
	memcpy(s + len, w->p, restlen + 1);
	free(w->rest);
	w->rest = s;
	w->p = s;
	/* An absolute target starts again at the container's root. */
	if (w->link[0] == '/')
		walk_pop_to(w, 1);
	return 0;
}

static ssize_t walk_readlink(struct walk *w, int dirfd, const char *name)
{
	ssize_t n;

	if (w->link == NULL && (w->link = malloc(PATH_MAX)) == NULL)
		return -1;
	n = readlinkat(dirfd, name, w->link, PATH_MAX);
	if (n >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return n;
}

/* A component that is not the last one: it must be a directory (or a
 * symlink to one). Returns 0 to go on, -1 on error. */
static int walk_dir(struct walk *w, const char *name)
{
	for (int tries = 0; tries < 3; tries++) {
		int fd = openat(walk_cur(w), name, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
		ssize_t n;

		if (fd >= 0)
			return walk_push(w, fd);
		if (errno == ENOENT && w->create != WALK_NONE) {
			if (mkdirat(walk_cur(w), name, 0755) < 0 && errno != EEXIST)
				return -1;
			continue;
		}
		if (errno != ENOTDIR)
			return -1;
		/* O_NOFOLLOW|O_DIRECTORY on a symlink gives ENOTDIR too. */
		n = walk_readlink(w, walk_cur(w), name);
		if (n < 0) {
			if (errno == EINVAL)
				errno = ENOTDIR;
			return -1;
		}
		return walk_follow(w, (size_t)n);
	}
	errno = ENOENT;
	return -1;
}

/* Create the missing last component the way the caller asked. Returns 1
 * when created (look again), 0 when it has nothing to create, -1. */
static int walk_create_last(struct walk *w, const char *name)
{
	int r;

	if (w->create == WALK_DIR)
		r = mkdirat(walk_cur(w), name, 0755);
	else if (w->create == WALK_FILE)
		r = mknodat(walk_cur(w), name, S_IFREG | 0644, 0);
	else
		return 0;
	return r < 0 && errno != EEXIST ? -1 : 1;
}

/* The last component (`dir`: written with a trailing slash). Returns the
 * final fd, -2 when a symlink was followed (the walk goes on), -1. */
static int walk_last(struct walk *w, const char *name, bool dir)
{
	for (int tries = 0; tries < 3; tries++) {
		_cleanup_close_ int fd = openat(walk_cur(w), name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		struct stat st;
		ssize_t n;
		int r;

		if (fd < 0) {
			if (errno != ENOENT)
				return -1;
			if (w->flags & O_CREAT)
				return openat(walk_cur(w), name, w->flags | O_NOFOLLOW | O_CLOEXEC,
					      w->mode);
			r = walk_create_last(w, name);
			if (r <= 0) {
				errno = r == 0 ? ENOENT : errno;
				return -1;
			}
			continue;
		}
		if (fstat(fd, &st) < 0)
			return -1;
		if (S_ISLNK(st.st_mode) && (dir || !(w->flags & O_NOFOLLOW))) {
			n = walk_readlink(w, fd, "");
			if (n < 0 || walk_follow(w, (size_t)n) < 0)
				return -1;
			return -2;
		}
		if ((w->flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) {
			errno = EEXIST;
			return -1;
		}
		if ((dir || (w->flags & O_DIRECTORY)) && !S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			return -1;
		}
		if (w->flags & O_PATH)
			return take_fd(&fd);
		if (S_ISLNK(st.st_mode)) {
			errno = ELOOP;
			return -1;
		}
		/* A real open of what we just checked; O_NOFOLLOW fails if it
		 * was swapped for a symlink meanwhile. */
		return openat(walk_cur(w), name, (w->flags & ~O_CREAT) | O_NOFOLLOW | O_CLOEXEC);
	}
	errno = ENOENT;
	return -1;
}

static int walk_loop(struct walk *w)
{
	char name[NAME_MAX + 1];
	const char *comp, *peek;
	size_t len;

	for (;;) {
		int r;

		if (!next_comp(&w->p, &comp, &len))
			return openat(walk_cur(w), ".",
				      (w->flags & ~(O_CREAT | O_EXCL | O_NOFOLLOW)) | O_CLOEXEC);
		if (is_dot(comp, len))
			continue;
		if (is_dotdot(comp, len)) {
			/* Clamped: ".." of the root is the root. */
			if (w->n > 1)
				walk_pop_to(w, w->n - 1);
			continue;
		}
		if (len > NAME_MAX) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(name, comp, len);
		name[len] = '\0';
		peek = w->p;
		if (next_comp(&peek, &comp, &len)) {
			if (walk_dir(w, name) < 0)
				return -1;
			continue;
		}
		r = walk_last(w, name, *w->p == '/');
		if (r != -2)
			return r;
	}
}

static int walk_in(int rootfd, const char *path, int flags, mode_t mode,
		   enum walk_create create, unsigned int opts)
{
	struct walk w = {
		.flags = flags, .mode = mode, .create = create, .opts = opts, .p = path,
	};
	int fd;

	if (*path == '\0') {
		errno = ENOENT; /* as openat2 */
		return -1;
	}
	w.stk = w.stk0;
	w.cap = sizeof w.stk0 / sizeof w.stk0[0];
	w.stk[0] = rootfd;
	w.n = 1;
	fd = walk_loop(&w);
	walk_pop_to(&w, 1);
	if (w.stk != w.stk0)
		cleanup_freep(&w.stk);
	cleanup_freep(&w.rest);
	cleanup_freep(&w.link);
	return fd;
}

/* ---- Entry points ---- */

/* After a failed openat2: does the kernel lack it? Seccomp profiles that
 * predate it (older Docker defaults) make it fail with EPERM rather than
 * ENOSYS; an O_PATH open has no EPERM of its own, and should the walk
 * meet a real one it reports it. */
static bool openat2_missing(void)
{
	if (errno == ENOSYS || errno == EPERM)
		rootfs_no_openat2 = true;
	return rootfs_no_openat2;
}

int rootfs_resolve(int rootfd, const char *path, int flags, mode_t mode, unsigned int opts,
		   struct cell_err *e)
{
	int fd;

	if (!rootfs_no_openat2) {
		fd = openat2_in_root(rootfd, path, flags, mode, opts);
		if (fd >= 0)
			return fd;
		if (!openat2_missing())
			return cell_err_sys(e, "open `%s` in the container root", path);
	}
	fd = walk_in(rootfd, path, flags, mode, WALK_NONE, opts);
	if (fd < 0)
		return cell_err_sys(e, "open `%s` in the container root", path);
	return fd;
}

/* openat2 said ENOENT: when only the last component is missing, create it
 * in its parent (cheaper than a full walk). Returns the fd, -1 on error,
 * -2 to let the component walk handle it (deeper, symlink, "..", race). */
static int mkpath_last(int rootfd, const char *path, bool file, unsigned int opts)
{
	_cleanup_free_ char *heap = NULL;
	_cleanup_close_ int dirfd = -1;
	const char *end = path + strlen(path), *base;
	char buf[256], *parent = buf;
	size_t len, plen;
	int pfd, r;

	while (end > path && end[-1] == '/')
		end--;
	for (base = end; base > path && base[-1] != '/'; base--)
		;
	len = (size_t)(end - base);
	if (len == 0 || len > NAME_MAX || is_dot(base, len) || is_dotdot(base, len) ||
	    *end != '\0')
		return -2;
	/* The parent's path; on the stack when short (no malloc churn). */
	plen = (size_t)(base - path);
	if (plen >= sizeof buf && (parent = heap = malloc(plen + 1)) == NULL)
		return -1;
	memcpy(parent, path, plen);
	parent[plen] = '\0';
	if (strspn(parent, "/") != plen) {
		dirfd = openat2_in_root(rootfd, parent, O_PATH | O_DIRECTORY, 0, opts);
		if (dirfd < 0)
			return errno == ENOENT ? -2 : -1;
	}
	pfd = dirfd >= 0 ? dirfd : rootfd; /* "/x": x is made in the root itself */
	if (file)
		r = mknodat(pfd, base, S_IFREG | 0644, 0);
	else
		r = mkdirat(pfd, base, 0755);
	if (r < 0)
		/* EEXIST: a dangling symlink (or a race); the walk follows it. */
		return errno == EEXIST ? -2 : -1;
	return openat(pfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC | (file ? 0 : O_DIRECTORY));
}

int rootfs_mkpath(int rootfd, const char *path, bool file, unsigned int opts, struct cell_err *e)
{
	int fd;

	if (!rootfs_no_openat2) {
		fd = openat2_in_root(rootfd, path, O_PATH, 0, opts);
		if (fd >= 0)
			return fd;
		if (openat2_missing()) {
			/* the walk below */
		} else if (errno != ENOENT) {
			return cell_err_sys(e, "open `%s` in the container root", path);
		} else {
			fd = mkpath_last(rootfd, path, file, opts);
			if (fd >= 0)
				return fd;
			if (fd == -1)
				return cell_err_sys(e, "create `%s` in the container root", path);
		}
	}
	fd = walk_in(rootfd, path, O_PATH, 0, file ? WALK_FILE : WALK_DIR, opts);
	if (fd < 0)
		return cell_err_sys(e, "create `%s` in the container root", path);
	return fd;
}

int rootfs_open_in(int rootfd, const char *path, int flags, mode_t mode, struct cell_err *e)
{
	return rootfs_resolve(rootfd, path, flags, mode, 0, e);
}

int rootfs_mkpath_in(int rootfd, const char *path, bool file, struct cell_err *e)
{
	return rootfs_mkpath(rootfd, path, file, 0, e);
}
