/* `auto` id ranges: annotation cell.idmap.size asks for a range of host
 * ids that no other cell container uses, leased at create and given back
 * at delete.
 *
 * The pool is root's entries in /etc/subuid (the same numbers serve as
 * gids), else IDMAP_POOL_START..2^31-1; ranges /etc/subuid or /etc/subgid
 * delegate to anyone else are never leased. Leases are files
 * IDMAP_LEASE_DIR/START ("START SIZE ROOT/ID"), made under a flock of
 * that directory; the container's own record is ROOT/ID/idmap ("START
 * SIZE"). A lease whose record is gone (a crash, a removed state dir) is
 * stale and reclaimed by the next allocation; so a crash of cell between
 * the two writes loses nothing. */
#include "idmap.h"
#include "idmount.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/cleanup.h"
#include "../util/fs.h"

#define RECORD "idmap"
#define PREFIX "cell.idmap."

/* What the init's maps point to for a leased range. */
static struct oci_idmap leased[2];

struct rangev {
	struct idmap_range *v;
	size_t n, cap;
};

static int push(struct rangev *rv, uint32_t start, uint32_t count)
{
	if (rv->n == rv->cap) {
		size_t cap = rv->cap ? rv->cap * 2 : 64;
		struct idmap_range *nv = realloc(rv->v, cap * sizeof *nv);

		if (nv == NULL)
			return -1;
		rv->v = nv;
		rv->cap = cap;
	}
	rv->v[rv->n++] = (struct idmap_range){ start, count };
	return 0;
}

static const char *auto_value(const struct oci_config *cfg)
{
	for (size_t i = 0; i < cfg->n_annotations; i++)
		if (strcmp(cfg->annotations[i].key, IDMAP_AUTO_KEY) == 0)
			return cfg->annotations[i].value;
	return NULL;
}

static bool parse_size(const char *s, uint32_t *out)
{
	unsigned long long v = 0;

	if (s[0] == '\0' || strlen(s) > 10)
		return false;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (unsigned)(*p - '0');
	}
	if (v == 0 || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

uint32_t idmap_auto_size(const struct oci_config *cfg)
{
	const char *v = auto_value(cfg);
	uint32_t size;

	if (v == NULL)
		return 0;
	return parse_size(v, &size) ? size : 1;
}

int idmap_validate_auto(const struct oci_config *cfg, struct cell_err *e)
{
	const struct oci_linux *l = &cfg->linux_;
	const char *v = auto_value(cfg);
	uint32_t size;

	for (size_t i = 0; i < cfg->n_annotations; i++) {
		const char *k = cfg->annotations[i].key;

		if (strncmp(k, PREFIX, strlen(PREFIX)) == 0 && strcmp(k, IDMAP_AUTO_KEY) != 0 &&
		    strcmp(k, IDMOUNT_ROOTFS_ANNOTATION) != 0)
			return cell_err_set(e, EINVAL, "config.json: annotations[%s]: unknown id map setting", k);
	}
	if (v == NULL)
		return 0;
	if (!parse_size(v, &size))
		return cell_err_set(e, EINVAL,
				    "config.json: annotations[" IDMAP_AUTO_KEY "]: `%s` is not a number from 1 to 4294967295",
				    v);
	if (!l->ns[OCI_NS_USER].present || l->ns[OCI_NS_USER].path != NULL)
		return cell_err_set(e, EINVAL,
				    "config.json: annotations[" IDMAP_AUTO_KEY "]: an `auto` range needs a new user namespace");
	if (l->n_uid_mappings != 0 || l->n_gid_mappings != 0)
		return cell_err_set(e, EINVAL,
				    "config.json: linux.%s: given together with an `auto` range (annotations[" IDMAP_AUTO_KEY "])",
				    l->n_uid_mappings != 0 ? "uidMappings" : "gidMappings");
	return 0;
}

bool idmap_first_fit(const struct idmap_range *pool, size_t n_pool, const struct idmap_range *busy,
		     size_t n_busy, uint32_t size, uint32_t *start)
{
	for (size_t i = 0; i < n_pool; i++) {
		uint64_t at = pool[i].start, end = (uint64_t)pool[i].start + pool[i].count;

		while (at + size <= end) {
			uint64_t past = 0;

			/* Jump past every busy range in the way; stop when none is. */
			for (size_t j = 0; j < n_busy; j++) {
				uint64_t bs = busy[j].start, be = bs + busy[j].count;

				if (bs < at + size && at < be && be > past)
					past = be;
			}
			if (past == 0) {
				*start = (uint32_t)at;
				return true;
			}
			at = past;
		}
	}
	return false;
}

/* Root's entries of /etc/subuid become the pool (default otherwise);
 * every other owner's ranges in /etc/subuid and /etc/subgid are busy. */
static int load_pool(struct rangev *pool, struct rangev *busy, struct cell_err *e)
{
	static const char *const files[] = { IDMAP_SUBUID, IDMAP_SUBGID };

	for (size_t f = 0; f < 2; f++) {
		_cleanup_free_ char *text = NULL;
		struct idmap_range *r;
		size_t len, n;

		if (fs_read_file(AT_FDCWD, files[f], 1 << 22, &text, &len, e) < 0) {
			if (e->errnum == ENOENT)
				continue;
			return -1;
		}
		if (f == 0) {
			n = idmap_subid_parse(text, "root", 0, NULL, 0);
			r = calloc(n + 1, sizeof *r);
			if (r == NULL)
				return cell_err_errno(e, ENOMEM, "read `%s`", files[f]);
			idmap_subid_parse(text, "root", 0, r, n);
			for (size_t i = 0; i < n; i++)
				push(pool, r[i].start, r[i].count);
			free(r);
		}
		n = idmap_subid_parse(text, NULL, 0, NULL, 0);
		r = calloc(n + 1, sizeof *r);
		if (r == NULL)
			return cell_err_errno(e, ENOMEM, "read `%s`", files[f]);
		idmap_subid_parse(text, NULL, 0, r, n);
		for (size_t i = 0; i < n; i++)
			push(busy, r[i].start, r[i].count);
		free(r);
	}
	if (pool->n == 0)
		push(pool, IDMAP_POOL_START, IDMAP_POOL_COUNT);
	if (pool->v == NULL)
		return cell_err_errno(e, ENOMEM, "id range pool");
	return 0;
}

static bool parse_record(const char *s, uint32_t *start, uint32_t *size)
{
	unsigned long a, b;
	char nl;

	return sscanf(s, "%lu %lu%c", &a, &b, &nl) == 3 && nl == '\n' && a <= UINT32_MAX &&
	       b >= 1 && b <= UINT32_MAX && (*start = (uint32_t)a, *size = (uint32_t)b, true);
}

/* A lease is live while the state dir it names holds the same record. */
static bool lease_live(const char *statedir, uint32_t start, uint32_t size)
{
	char path[PATH_MAX + 16];
	char buf[64];
	uint32_t s2, n2;
	ssize_t n;
	_cleanup_close_ int fd = -1;

	if ((size_t)snprintf(path, sizeof path, "%s/" RECORD, statedir) >= sizeof path)
		return true; /* cannot tell: keep it */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno != ENOENT && errno != ENOTDIR;
	n = read(fd, buf, sizeof buf - 1);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return parse_record(buf, &s2, &n2) && s2 == start && n2 == size;
}

/* Every live lease into busy; stale ones are removed. */
static int scan_leases(int dfd, struct rangev *busy, struct cell_err *e)
{
	DIR *d;
	struct dirent *de;
	int fd = dup(dfd);

	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return cell_err_sys(e, "read `" IDMAP_LEASE_DIR "`");
	}
	while ((de = readdir(d)) != NULL) {
		_cleanup_free_ char *text = NULL;
		uint32_t start, size;
		size_t len;
		char *path;
		struct cell_err ignored;

		if (de->d_name[0] == '.')
			continue;
		if (fs_read_file(dfd, de->d_name, 8192, &text, &len, &ignored) < 0)
			continue;
		path = strchr(text, ' ') ? strchr(strchr(text, ' ') + 1, ' ') : NULL;
		if (path != NULL) {
			*path++ = '\n';
			path[strcspn(path, "\n")] = '\0';
		}
		if (path == NULL || !parse_record(text, &start, &size) ||
		    !lease_live(path, start, size)) {
			unlinkat(dfd, de->d_name, 0);
			continue;
		}
		if (push(busy, start, size) < 0) {
			closedir(d);
			return cell_err_errno(e, ENOMEM, "read `" IDMAP_LEASE_DIR "`");
		}
	}
	closedir(d);
	return 0;
}

static int lock_leases(bool create, struct cell_err *e)
{
	int fd;

	if (create && mkdir(IDMAP_LEASE_DIR, 0700) < 0 && errno != EEXIST)
		return cell_err_sys(e, "create `" IDMAP_LEASE_DIR "`");
	fd = open(IDMAP_LEASE_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return cell_err_sys(e, "open `" IDMAP_LEASE_DIR "`");
	if (flock(fd, LOCK_EX) < 0) {
		close(fd);
		return cell_err_sys(e, "lock `" IDMAP_LEASE_DIR "`");
	}
	return fd;
}

static int write_lease(int dfd, int statefd, const char *statedir, uint32_t start, uint32_t size,
		       struct cell_err *e)
{
	char name[16], line[PATH_MAX + 64];
	int len = snprintf(line, sizeof line, "%u %u %s\n", start, size, statedir);
	_cleanup_close_ int fd = -1;

	snprintf(name, sizeof name, "%u", start);
	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return cell_err_sys(e, "create lease `" IDMAP_LEASE_DIR "/%s`", name);
	if (fs_write_all(fd, line, (size_t)len) < 0) {
		cell_err_sys(e, "write lease `" IDMAP_LEASE_DIR "/%s`", name);
		unlinkat(dfd, name, 0);
		return -1;
	}
	len = snprintf(line, sizeof line, "%u %u\n", start, size);
	if (fs_write_atomic(statefd, RECORD, line, (size_t)len, 0644, e) < 0) {
		unlinkat(dfd, name, 0);
		return -1;
	}
	return 0;
}

int idmap_lease(const struct oci_config *cfg, int rootfd, int statefd, const char *id,
		struct idmap_maps *out, struct cell_err *e)
{
	uint32_t size = idmap_auto_size(cfg), start;
	struct rangev pool = { 0 }, busy = { 0 };
	char link[32], root[PATH_MAX], statedir[PATH_MAX + 1100];
	_cleanup_close_ int dfd = -1;
	ssize_t n;
	int r = -1;

	if (size == 0) {
		idmap_from_config(cfg, out);
		return 0;
	}
	snprintf(link, sizeof link, "/proc/self/fd/%d", rootfd);
	n = readlink(link, root, sizeof root - 1);
	if (n < 0)
		return cell_err_sys(e, "readlink `%s` (--root)", link);
	root[n] = '\0';
	snprintf(statedir, sizeof statedir, "%s/%s", root, id);
	dfd = lock_leases(true, e);
	if (dfd < 0)
		return -1;
	if (load_pool(&pool, &busy, e) < 0 || scan_leases(dfd, &busy, e) < 0)
		goto out;
	if (!idmap_first_fit(pool.v, pool.n, busy.v, busy.n, size, &start)) {
		cell_err_set(e, ENOSPC,
			     "annotations[" IDMAP_AUTO_KEY "]: no free range of %u ids left in the pool (%s)",
			     size, pool.n == 1 && pool.v[0].start == IDMAP_POOL_START ?
			     "the default, 1000000-2147483647" : "root's entries in " IDMAP_SUBUID);
		goto out;
	}
	if (write_lease(dfd, statefd, statedir, start, size, e) < 0)
		goto out;
	leased[0] = (struct oci_idmap){ .container_id = 0, .host_id = start, .size = size };
	leased[1] = leased[0];
	*out = (struct idmap_maps){ &leased[0], 1, &leased[1], 1 };
	r = 0;
out:
	free(pool.v);
	free(busy.v);
	return r;
}

int idmap_release(int statefd, struct cell_err *e)
{
	_cleanup_free_ char *text = NULL, *lease = NULL;
	_cleanup_close_ int dfd = -1;
	uint32_t start, size, s2, n2;
	char name[16];
	size_t len;

	if (fs_read_file(statefd, RECORD, 64, &text, &len, e) < 0)
		return e->errnum == ENOENT ? 0 : -1;
	dfd = lock_leases(false, e);
	if (dfd < 0 && e->errnum != ENOENT)
		return -1;
	/* The lease is ours while our record names it (see lease_live). */
	if (dfd >= 0 && parse_record(text, &start, &size)) {
		snprintf(name, sizeof name, "%u", start);
		if (fs_read_file(dfd, name, 8192, &lease, &len, e) == 0 &&
		    sscanf(lease, "%u %u", &s2, &n2) == 2 && s2 == start && n2 == size &&
		    unlinkat(dfd, name, 0) < 0)
			return cell_err_sys(e, "remove lease `" IDMAP_LEASE_DIR "/%s`", name);
	}
	if (unlinkat(statefd, RECORD, 0) < 0 && errno != ENOENT)
		return cell_err_sys(e, "remove `" RECORD "` of the container");
	return 0;
}
