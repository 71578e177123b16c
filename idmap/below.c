/* Which mount of a tree cannot be idmapped. A recursive mount_setattr
 * (AT_RECURSIVE) fails as a whole with EINVAL when any one mount of the
 * tree is on a filesystem without idmap support (ramfs, nfs, ...), and
 * the kernel does not say which: to name it, each mount at or below the
 * source in our mount table is cloned alone and idmapped on its own. The
 * clones are detached and go away with their fds. */
#include "idmount.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/cleanup.h"
#include "../util/sys.h"

/* Undo mountinfo's octal escapes (\040 for a space, \134 for '\'). */
static void unescape(char *s)
{
	char *w = s;

	for (char *r = s; *r != '\0'; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

/* Mount point (field 5) and filesystem type (first field after " - ") of
 * one mountinfo line, both unescaped in place; false if malformed. */
static bool parse_line(char *line, char **mnt, char **fstype)
{
	char *sep = strstr(line, " - "), *f = line, *save = NULL;

	if (sep == NULL)
		return false;
	*sep = '\0';
	for (int i = 0; i < 4 && f != NULL; i++)
		f = strchr(f, ' ') != NULL ? strchr(f, ' ') + 1 : NULL;
	if (f == NULL)
		return false;
	*mnt = f;
	f = strchr(f, ' ');
	if (f != NULL)
		*f = '\0';
	*fstype = strtok_r(sep + 3, " \n", &save);
	if (*fstype == NULL)
		return false;
	unescape(*mnt);
	unescape(*fstype);
	return true;
}

static bool at_or_below(const char *mnt, const char *top)
{
	size_t n = strlen(top);

	if (strcmp(top, "/") == 0)
		return true;
	return strncmp(mnt, top, n) == 0 && (mnt[n] == '\0' || mnt[n] == '/');
}

/* 0 if the mount at path (alone) takes the idmap, else the errno; a mount
 * that cannot be cloned (unbindable: not in a recursive clone either, or
 * gone) counts as fine. */
static int probe(const char *path, int nsfd)
{
	struct mount_attr a = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)nsfd };
	_cleanup_close_ int t = -1;

	t = sys_open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (t < 0)
		return 0;
	if (sys_mount_setattr(t, "", AT_EMPTY_PATH, &a) < 0)
		return errno;
	return 0;
}

int idmount_find_unmappable(const char *src, int nsfd, struct idmount_culprit *c)
{
	char top[PATH_MAX], *line = NULL, *mnt, *fstype;
	size_t cap = 0;
	FILE *f;
	int found = 0;

	*c = (struct idmount_culprit){ 0 };
	if (realpath(src, top) == NULL)
		return 0;
	f = fopen("/proc/self/mountinfo", "re");
	if (f == NULL)
		return 0;
	while (!found && getline(&line, &cap, f) > 0) {
		if (!parse_line(line, &mnt, &fstype) || !at_or_below(mnt, top))
			continue;
		c->err = probe(mnt, nsfd);
		if (c->err == 0)
			continue;
		snprintf(c->mnt, sizeof c->mnt, "%s", mnt);
		snprintf(c->fstype, sizeof c->fstype, "%s", fstype);
		c->below = strcmp(mnt, top) != 0;
		found = 1;
	}
	free(line);
	fclose(f);
	return found;
}
