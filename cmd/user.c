/* exec/attach --user USER[:GROUP]: numbers as given, names from the
 * container's own /etc/passwd and /etc/group, read through its root
 * (/proc/INIT/root) with every symlink resolved inside it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../rootfs/rootfs.h"
#include "../util/cleanup.h"
#include "../util/num.h"
#include "user.h"

#define DB_MAX (4 << 20) /* a larger passwd or group file is not plausible */

/* A number that fits a uid_t/gid_t (not -1); false for a name. */
static bool parse_id(const char *s, size_t len, uint32_t *out)
{
	uint32_t v;

	if (!num_parse_u32(s, len, &v) || v == UINT32_MAX)
		return false;
	*out = v;
	return true;
}

/* /etc/NAME of the container, NUL-terminated. A FIFO or a device there
 * must not block or reach us: regular files only. */
static char *read_db(int rootfd, const char *path, const char *what, struct cell_err *e)
{
	_cleanup_close_ int fd = rootfs_open_in(rootfd, path, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0, e);
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	size_t n = 0;

	if (fd < 0) {
		cell_err_wrap(e, "%s: the container's %s", what, path);
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > DB_MAX) {
		cell_err_set(e, EINVAL, "%s: the container's %s is not a regular file of at most 4 MiB",
			     what, path);
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		cell_err_errno(e, ENOMEM, "%s: read %s", what, path);
		return NULL;
	}
	while (n < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			cell_err_sys(e, "%s: read the container's %s", what, path);
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	return take_ptr(&buf);
}

/* Split one "a:b:c" line (in place) into at most max fields; the count. */
static int split_line(char *line, char **f, int max)
{
	int k = 1;

	f[0] = line;
	for (char *s = line; *s != '\0' && k < max; s++) {
		if (*s == ':') {
			*s = '\0';
			f[k++] = s + 1;
		}
	}
	return k;
}

/* Calls fn on each line of db split into fields; stops when it returns true. */
typedef bool db_fn(char **f, int n, void *arg);

static void each_entry(char *db, db_fn *fn, void *arg)
{
	for (char *line = db, *next; line != NULL && *line != '\0'; line = next) {
		char *f[8];
		int n;

		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if (line[0] == '#' || line[0] == '+' || line[0] == '-')
			continue; /* comments and NIS entries */
		n = split_line(line, f, 8);
		if (fn(f, n, arg))
			return;
	}
}

struct lookup {
	const char *name;
	uint32_t id, gid;
	bool found;
};

/* passwd: name:password:uid:gid:gecos:home:shell */
static bool passwd_entry(char **f, int n, void *arg)
{
	struct lookup *l = arg;

	if (n < 4 || strcmp(f[0], l->name) != 0 || !parse_id(f[2], strlen(f[2]), &l->id) ||
	    !parse_id(f[3], strlen(f[3]), &l->gid))
		return false;
	l->found = true;
	return true;
}

/* group: name:password:gid:member,member */
static bool group_entry(char **f, int n, void *arg)
{
	struct lookup *l = arg;

	if (n < 3 || strcmp(f[0], l->name) != 0 || !parse_id(f[2], strlen(f[2]), &l->id))
		return false;
	l->found = true;
	return true;
}

struct member_of {
	const char *user;
	struct user_ids *ids;
	int err;
};

static bool has_member(char *members, const char *user)
{
	size_t len = strlen(user);

	for (char *m = members; *m != '\0';) {
		size_t k = strcspn(m, ",");

		if (k == len && strncmp(m, user, len) == 0)
			return true;
		m += k + (m[k] == ',');
	}
	return false;
}

/* The groups that list the user as a member, once each (as runc). */
static bool member_entry(char **f, int n, void *arg)
{
	struct member_of *m = arg;
	struct user_ids *ids = m->ids;
	uint32_t gid;

	if (n < 4 || !parse_id(f[2], strlen(f[2]), &gid) || !has_member(f[3], m->user))
		return false;
	for (size_t i = 0; i < ids->n_groups; i++)
		if (ids->groups[i] == gid)
			return false;
	if (ids->n_groups % 16 == 0) {
		uint32_t *g = realloc(ids->groups, (ids->n_groups + 16) * sizeof *g);

		if (g == NULL) {
			m->err = ENOMEM;
			return true;
		}
		ids->groups = g;
	}
	ids->groups[ids->n_groups++] = gid;
	return false;
}

static int open_root(pid_t init, const char *what, struct cell_err *e)
{
	char path[64];
	int fd;

	snprintf(path, sizeof path, "/proc/%d/root", (int)init);
	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return cell_err_sys(e, "%s: open the container's root `%s`", what, path);
	return fd;
}

static int resolve_user(int rootfd, const char *name, const char *what, struct user_ids *ids,
			struct cell_err *e)
{
	_cleanup_free_ char *db = read_db(rootfd, "/etc/passwd", what, e);
	struct lookup l = { .name = name };

	if (db == NULL)
		return -1;
	each_entry(db, passwd_entry, &l);
	if (!l.found)
		return cell_err_set(e, ENOENT, "%s `%s`: no such user in the container's /etc/passwd",
				    what, name);
	ids->uid = l.id;
	ids->gid = l.gid;
	ids->has_gid = true;
	return 0;
}

static int resolve_groups(int rootfd, const char *user, const char *group, const char *what,
			  struct user_ids *ids, struct cell_err *e)
{
	_cleanup_free_ char *db = read_db(rootfd, "/etc/group", what, e);
	struct lookup l = { .name = group };
	struct member_of m = { .user = user, .ids = ids };

	/* Only a named user's groups wanted: no file, no groups (as runc). */
	if (db == NULL && group == NULL && e->errnum == ENOENT)
		return 0;
	if (db == NULL)
		return -1;
	if (group != NULL) {
		_cleanup_free_ char *copy = strdup(db); /* each_entry splits in place */

		if (copy == NULL)
			return cell_err_errno(e, ENOMEM, "%s: read /etc/group", what);
		each_entry(copy, group_entry, &l);
		if (!l.found)
			return cell_err_set(e, ENOENT,
					    "%s `%s`: no such group in the container's /etc/group", what,
					    group);
		ids->gid = l.id;
		ids->has_gid = true;
	}
	if (user != NULL) {
		each_entry(db, member_entry, &m);
		if (m.err != 0)
			return cell_err_errno(e, m.err, "%s: groups of `%s`", what, user);
	}
	return 0;
}

int user_resolve(pid_t init, const char *spec, const char *what, struct user_ids *ids,
		 struct cell_err *e)
{
	const char *colon = strchr(spec, ':');
	size_t ulen = colon != NULL ? (size_t)(colon - spec) : strlen(spec);
	const char *gspec = colon != NULL ? colon + 1 : NULL;
	_cleanup_free_ char *user = NULL;
	_cleanup_close_ int rootfd = -1;
	bool user_named, group_named;

	memset(ids, 0, sizeof *ids);
	if (ulen == 0 || (gspec != NULL && (gspec[0] == '\0' || strchr(gspec, ':') != NULL)))
		return cell_err_set(e, EINVAL, "%s `%s`: expected USER[:GROUP] (names or numbers)",
				    what, spec);
	user_named = !parse_id(spec, ulen, &ids->uid);
	group_named = gspec != NULL && !parse_id(gspec, strlen(gspec), &ids->gid);
	ids->has_gid = gspec != NULL;
	/* Numbers alone are taken as they are: nothing is read. */
	if (!user_named && !group_named)
		return 0;
	rootfd = open_root(init, what, e);
	if (rootfd < 0)
		return -1;
	if (user_named) {
		user = strndup(spec, ulen);
		if (user == NULL)
			return cell_err_errno(e, ENOMEM, "%s", what);
		if (resolve_user(rootfd, user, what, ids, e) < 0)
			return -1;
		if (gspec != NULL && !group_named)
			parse_id(gspec, strlen(gspec), &ids->gid); /* a GID given wins over passwd's */
	}
	if (resolve_groups(rootfd, user, group_named ? gspec : NULL, what, ids, e) < 0) {
		free(ids->groups);
		ids->groups = NULL;
		ids->n_groups = 0;
		return -1;
	}
	return 0;
}
