/* Maps for a caller without privileges (rootless): checked against
 * /etc/subuid and /etc/subgid before anything is created, then written
 * directly for the caller's own id alone (gid_map after setgroups "deny",
 * as the kernel requires) or through the setuid newuidmap/newgidmap
 * (Debian's uidmap package) for anything else. */
#include "idmap.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "../util/cleanup.h"

extern char **environ;

/* The caller's name as /etc/subuid spells it, or the number. */
static const char *caller_name(uint32_t uid)
{
	static char buf[256];
	struct passwd *pw = getpwuid(uid);

	if (pw != NULL && strlen(pw->pw_name) < sizeof buf)
		snprintf(buf, sizeof buf, "%s", pw->pw_name);
	else
		snprintf(buf, sizeof buf, "%u", uid);
	return buf;
}

static const char *net_type(const struct oci_config *cfg)
{
	for (size_t i = 0; i < cfg->n_annotations; i++)
		if (strcmp(cfg->annotations[i].key, "cell.net.type") == 0)
			return cfg->annotations[i].value;
	return NULL;
}

static int check_map(const struct oci_idmap *m, size_t n, const char *file, uint32_t self,
		     const char *field, struct cell_err *e)
{
	struct idmap_deleg *d;
	int r;

	if (idmap_is_own_id(m, n, self))
		return 0;
	d = malloc(sizeof *d);
	if (d == NULL)
		return cell_err_errno(e, ENOMEM, "read `%s`", file);
	r = idmap_subid_load(file, caller_name(getuid()), getuid(), self, d, e);
	if (r == 0)
		r = idmap_check_delegated(m, n, d, field, e);
	free(d);
	return r;
}

/* newuidmap/newgidmap as the caller's PATH finds it (what runc and
 * podman run; a default PATH when unset), checked to be able to work: the
 * kernel takes a map of ids other than the caller's own only from a
 * process with CAP_SETUID/CAP_SETGID, so the helper must be setuid root
 * (Debian) or carry file capabilities (security.capability, Fedora), on a
 * mount that honours them. Fills buf with its path. */
static int find_helper(const char *name, char *buf, size_t cap, struct cell_err *e)
{
	const char *path = getenv("PATH"), *p, *end;
	const char *what = strcmp(name, "newuidmap") == 0 ? IDMAP_SUBUID : IDMAP_SUBGID;
	struct statvfs sv;
	struct stat st;

	if (path == NULL || path[0] == '\0')
		path = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin";
	for (p = path; ; p = end + 1) {
		end = strchrnul(p, ':');
		/* An empty entry is the current directory (execvp); skip it. */
		if (end > p && p[0] == '/' && (size_t)(end - p) + strlen(name) + 2 <= cap) {
			snprintf(buf, cap, "%.*s/%s", (int)(end - p), p, name);
			if (access(buf, X_OK) == 0 && stat(buf, &st) == 0 && S_ISREG(st.st_mode))
				break;
		}
		if (*end == '\0')
			return cell_err_set(e, ENOENT,
					    "%s not found in PATH (install Debian package uidmap): needed to map "
					    "ranges of %s", name, what);
	}
	if (!(st.st_uid == 0 && (st.st_mode & S_ISUID)) &&
	    getxattr(buf, "security.capability", NULL, 0) <= 0)
		return cell_err_set(e, EPERM,
				    "`%s` is not setuid root and has no file capabilities, so it cannot map "
				    "ranges of %s (reinstall Debian package uidmap, or chmod u+s it)",
				    buf, what);
	if (statvfs(buf, &sv) == 0 && (sv.f_flag & ST_NOSUID))
		return cell_err_set(e, EPERM,
				    "`%s` is on a nosuid mount, so it cannot map ranges of %s", buf, what);
	return 0;
}

int idmap_rootless_validate(const struct oci_config *cfg, struct cell_err *e)
{
	const struct oci_linux *l = &cfg->linux_;
	const char *net = net_type(cfg);
	char path[PATH_MAX];

	if (!l->ns[OCI_NS_USER].present)
		return cell_err_set(e, EPERM,
				    "config.json: linux.namespaces: without privileges a container needs a "
				    "user namespace (see `cell spec --rootless`)");
	if (idmap_auto_size(cfg) != 0)
		return cell_err_set(e, EPERM,
				    "config.json: annotations[" IDMAP_AUTO_KEY "]: `auto` ranges need root; "
				    "without privileges map ranges of /etc/subuid (`cell spec --rootless "
				    "--map-from N --map-size N`)");
	if (net != NULL && strcmp(net, "veth") == 0)
		return cell_err_set(e, EPERM,
				    "config.json: annotations[cell.net.type]: veth needs privileges (root); "
				    "without them use none or ns:PATH");
	if (l->ns[OCI_NS_USER].path != NULL)
		return 0; /* a joined namespace has its maps */
	if (check_map(l->uid_mappings, l->n_uid_mappings, IDMAP_SUBUID, geteuid(),
		      "linux.uidMappings", e) < 0 ||
	    check_map(l->gid_mappings, l->n_gid_mappings, IDMAP_SUBGID, getegid(),
		      "linux.gidMappings", e) < 0)
		return -1;
	/* The helpers too, before anything is made. */
	if (!idmap_is_own_id(l->uid_mappings, l->n_uid_mappings, geteuid()) &&
	    find_helper("newuidmap", path, sizeof path, e) < 0)
		return cell_err_wrap(e, "config.json: linux.uidMappings");
	if (!idmap_is_own_id(l->gid_mappings, l->n_gid_mappings, getegid()) &&
	    find_helper("newgidmap", path, sizeof path, e) < 0)
		return cell_err_wrap(e, "config.json: linux.gidMappings");
	return 0;
}

/* The last line newuidmap wrote to stderr, without its newline. */
static void last_line(char *buf, size_t len)
{
	char *p;

	buf[len] = '\0';
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		buf[--len] = '\0';
	p = strrchr(buf, '\n');
	if (p != NULL)
		memmove(buf, p + 1, strlen(p + 1) + 1);
}

/* newuidmap PID inside outside count...: no shell, stdin /dev/null, its
 * stderr into our error. */
static int run_helper(const char *name, pid_t pid, const struct oci_idmap *m, size_t n,
		      struct cell_err *e)
{
	char path[PATH_MAX], out[512];
	_cleanup_free_ char *args = malloc(n * 3 * 11 + 16);
	_cleanup_free_ char **argv = calloc(n * 3 + 3, sizeof *argv);
	posix_spawn_file_actions_t fa;
	int p[2], st, r;
	size_t at = 0, k = 0, len = 0;
	ssize_t got;
	pid_t child;

	if (find_helper(name, path, sizeof path, e) < 0)
		return -1;
	if (args == NULL || argv == NULL)
		return cell_err_errno(e, ENOMEM, "run %s", path);
	argv[k++] = (char *)name;
	argv[k++] = args + at;
	at += (size_t)sprintf(args + at, "%d", (int)pid) + 1;
	for (size_t i = 0; i < n; i++) {
		uint32_t v[3] = { m[i].container_id, m[i].host_id, m[i].size };

		for (int j = 0; j < 3; j++) {
			argv[k++] = args + at;
			at += (size_t)sprintf(args + at, "%u", v[j]) + 1;
		}
	}
	argv[k] = NULL;
	if (pipe2(p, O_CLOEXEC) < 0)
		return cell_err_sys(e, "pipe for %s", path);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	r = posix_spawn(&child, path, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (r != 0) {
		close(p[0]);
		return cell_err_errno(e, r, "run `%s`", path);
	}
	while (len < sizeof out - 1 &&
	       ((got = read(p[0], out + len, sizeof out - 1 - len)) > 0 || (got < 0 && errno == EINTR)))
		len += got > 0 ? (size_t)got : 0;
	close(p[0]);
	while (waitpid(child, &st, 0) < 0) {
		if (errno != EINTR)
			return cell_err_sys(e, "wait for `%s`", path);
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	last_line(out, len);
	return cell_err_set(e, EPERM, "`%s %s ...` failed (%s %d)%s%s", path, argv[1],
			    WIFEXITED(st) ? "exit status" : "signal",
			    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), out[0] ? ": " : "", out);
}

int idmap_write_rootless(int procfd, pid_t pid, const struct idmap_maps *maps,
			 struct cell_err *e)
{
	if (idmap_is_own_id(maps->uid, maps->n_uid, geteuid())) {
		if (idmap_write_file(procfd, pid, "uid_map", maps->uid, maps->n_uid, e) < 0)
			return cell_err_wrap(e, "linux.uidMappings");
	} else if (run_helper("newuidmap", pid, maps->uid, maps->n_uid, e) < 0) {
		return cell_err_wrap(e, "linux.uidMappings");
	}
	if (idmap_is_own_id(maps->gid, maps->n_gid, getegid())) {
		/* Without CAP_SETGID a gid_map goes in only once setgroups is
		 * denied (user_namespaces(7)): a process could otherwise drop
		 * a group that denies it access. */
		_cleanup_close_ int fd = openat(procfd, "setgroups", O_WRONLY | O_CLOEXEC | O_NOFOLLOW);

		if (fd < 0)
			return cell_err_sys(e, "open `/proc/%d/setgroups`", (int)pid);
		if (write(fd, "deny", 4) != 4)
			return cell_err_sys(e, "write `/proc/%d/setgroups`", (int)pid);
		if (idmap_write_file(procfd, pid, "gid_map", maps->gid, maps->n_gid, e) < 0)
			return cell_err_wrap(e, "linux.gidMappings");
	} else if (run_helper("newgidmap", pid, maps->gid, maps->n_gid, e) < 0) {
		return cell_err_wrap(e, "linux.gidMappings");
	}
	return 0;
}
