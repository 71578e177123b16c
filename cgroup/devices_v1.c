/* cgroup v1 devices controller: bring devices.list to a reduced rule state
 * with the fewest disruptive writes. The kernel takes one rule per write;
 * "a" in devices.allow/deny resets to allow-all/deny-all; any other rule
 * adds an exception when it goes against the default and takes access bits
 * from the exception with exactly that (type, major, minor) otherwise. */
#include "devices.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util/cleanup.h"
#include "../util/fs.h"

#define LIST_MAX (4 << 20)

struct v1_files {
	int dirfd;
	int fd[2]; /* devices.deny, devices.allow */
};

static const char *const file_name[2] = { "devices.deny", "devices.allow" };

static int write_rule(struct v1_files *f, bool allow, const struct cgroup_dev_rule *r,
		      struct cell_err *e)
{
	char s[CGDEV_RULE_STR];
	int *fd = &f->fd[allow];

	cgroup_dev_rule_str(r, s);
	if (*fd < 0) {
		*fd = openat(f->dirfd, file_name[allow], O_WRONLY | O_CLOEXEC);
		if (*fd < 0)
			return cell_err_sys(e, "open `%s`", file_name[allow]);
	}
	if (fs_write_all(*fd, s, strlen(s)) < 0)
		return cell_err_sys(e, "write `%s` to `%s`", s, file_name[allow]);
	return 0;
}

static int64_t parse_num(const char *s, char **end)
{
	if (*s == '*') {
		*end = (char *)s + 1;
		return -1;
	}
	return (int64_t)strtoll(s, end, 10);
}

/* One devices.list line, "c 1:3 rwm"; type 'a' means allow-all. */
static int parse_line(char *line, struct cgroup_dev_rule *r)
{
	char *p = line + 2;

	memset(r, 0, sizeof *r);
	r->type = line[0];
	if ((r->type != 'a' && r->type != 'b' && r->type != 'c') || line[1] != ' ')
		return -1;
	r->major = parse_num(p, &p);
	if (*p++ != ':')
		return -1;
	r->minor = parse_num(p, &p);
	if (*p++ != ' ')
		return -1;
	for (; *p; p++) {
		if (*p == 'r')
			r->access |= CGDEV_READ;
		else if (*p == 'w')
			r->access |= CGDEV_WRITE;
		else if (*p == 'm')
			r->access |= CGDEV_MKNOD;
		else
			return -1;
	}
	r->allow = true;
	return 0;
}

/* devices.list shows the allowed exceptions of a deny-all cgroup, or the
 * single line "a *:* rwm" for allow-all (whose deny exceptions it hides). */
static int read_current(int dirfd, struct cgroup_dev_state *cur, struct cell_err *e)
{
	_cleanup_free_ char *buf = NULL;
	char *line, *save = NULL;

	memset(cur, 0, sizeof *cur);
	if (fs_read_file(dirfd, "devices.list", LIST_MAX, &buf, NULL, e) < 0)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct cgroup_dev_rule r;

		if (parse_line(line, &r) < 0) {
			cgroup_dev_state_free(cur);
			return cell_err_set(e, EINVAL, "read `devices.list`: unexpected line `%s`", line);
		}
		if (r.type == 'a') {
			cgroup_dev_state_free(cur);
			cur->default_allow = true;
			return 0;
		}
		if (cur->n == cur->cap) {
			size_t cap = cur->cap ? 2 * cur->cap : 16;
			struct cgroup_dev_rule *ex = realloc(cur->ex, cap * sizeof *ex);

			if (!ex) {
				cgroup_dev_state_free(cur);
				return cell_err_sys(e, "read `devices.list`");
			}
			cur->ex = ex;
			cur->cap = cap;
		}
		cur->ex[cur->n++] = r;
	}
	return 0;
}

static unsigned access_of(const struct cgroup_dev_state *st, const struct cgroup_dev_rule *k)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		if (st->ex[i].type == k->type && st->ex[i].major == k->major && st->ex[i].minor == k->minor)
			return st->ex[i].access;
	return 0;
}

/* Write what takes cur to want: gained bits first, dropped bits after. */
static int transition(struct v1_files *f, const struct cgroup_dev_state *cur,
		      const struct cgroup_dev_state *want, struct cell_err *e)
{
	bool add_to_allow = !want->default_allow;
	size_t i;

	for (i = 0; i < want->n; i++) {
		struct cgroup_dev_rule r = want->ex[i];

		r.access &= ~access_of(cur, &r);
		if (r.access && write_rule(f, add_to_allow, &r, e) < 0)
			return -1;
	}
	for (i = 0; i < cur->n; i++) {
		struct cgroup_dev_rule r = cur->ex[i];

		r.access &= ~access_of(want, &r);
		if (r.access && write_rule(f, !add_to_allow, &r, e) < 0)
			return -1;
	}
	return 0;
}

int cgroup_devices_v1_apply(int devices_cgroup_dirfd, const struct cgroup_dev_rule *r, size_t n,
			    struct cell_err *e)
{
	struct v1_files f = { devices_cgroup_dirfd, { -1, -1 } };
	struct cgroup_dev_state want, cur;
	int rc = -1;

	if (cgroup_dev_reduce(r, n, &want, e) < 0)
		return -1;
	if (read_current(devices_cgroup_dirfd, &cur, e) < 0)
		goto out;
	/* An allow-all cgroup's deny exceptions are unknown: start over. */
	if (cur.default_allow || cur.default_allow != want.default_allow) {
		struct cgroup_dev_rule all = { want.default_allow, 'a', -1, -1, CGDEV_RWM };

		cgroup_dev_state_free(&cur);
		cur.default_allow = want.default_allow;
		if (write_rule(&f, want.default_allow, &all, e) < 0)
			goto out;
	}
	rc = transition(&f, &cur, &want, e);
out:
	cgroup_dev_state_free(&want);
	cgroup_dev_state_free(&cur);
	for (int i = 0; i < 2; i++)
		if (f.fd[i] >= 0)
			close(f.fd[i]);
	return rc;
}
