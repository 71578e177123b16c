#include "state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../oci/json.h"
#include "../util/cleanup.h"
#include "../util/fs.h"
#include "../util/sys.h"

#define STATE_MAX_SIZE (1u << 20)

const char *state_default_root(void)
{
	static char buf[4096];
	const char *xdg;

	if (geteuid() == 0)
		return "/run/cell";
	xdg = getenv("XDG_RUNTIME_DIR");
	if (xdg == NULL || xdg[0] == '\0') {
		/* pam_systemd's directory, when the session did not say. */
		snprintf(buf, sizeof buf, "/run/user/%u", (unsigned)geteuid());
		if (access(buf, W_OK) != 0)
			return "/run/cell";
		snprintf(buf, sizeof buf, "/run/user/%u/cell", (unsigned)geteuid());
		return buf;
	}
	snprintf(buf, sizeof buf, "%s/cell", xdg);
	return buf;
}

int state_check_id(const char *id, struct cell_err *e)
{
	size_t n = strlen(id);

	if (n == 0 || n > 1024)
		return cell_err_set(e, EINVAL, "invalid container ID `%s`: must be 1 to 1024 characters", id);
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  (i > 0 && (c == '_' || c == '-' || c == '.' || c == '+'));

		if (!ok)
			return cell_err_set(e, EINVAL,
					    "invalid container ID `%s`: use letters, digits and _ + . - (not first)",
					    id);
	}
	return 0;
}

int state_root_open(const char *root, bool create, struct cell_err *e)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0 || errno != ENOENT || !create) {
		if (fd < 0)
			return cell_err_sys(e, "open state root `%s`", root);
		return fd;
	}
	if (fs_mkdir_p(root, 0700, e) < 0)
		return -1;
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return cell_err_sys(e, "open state root `%s`", root);
	return fd;
}

int state_claim(int rootfd, const char *id, struct cell_err *e)
{
	int fd;

	if (mkdirat(rootfd, id, 0700) < 0) {
		if (errno == EEXIST)
			return cell_err_set(e, EEXIST, "container `%s` already exists", id);
		return cell_err_sys(e, "create state directory for `%s`", id);
	}
	fd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		cell_err_sys(e, "open state directory for `%s`", id);
		if (fd >= 0)
			close(fd);
		unlinkat(rootfd, id, AT_REMOVEDIR);
		return -1;
	}
	return fd;
}

int state_open(int rootfd, const char *id, bool exclusive, struct cell_err *e)
{
	_cleanup_close_ int fd = -1;
	struct stat st;

	if (state_check_id(id, e) < 0)
		return -1;
	fd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return cell_err_set(e, ENOENT, "container `%s` does not exist", id);
		return cell_err_sys(e, "open state directory of `%s`", id);
	}
	while (flock(fd, exclusive ? LOCK_EX : LOCK_SH) < 0) {
		if (errno != EINTR)
			return cell_err_sys(e, "lock state directory of `%s`", id);
	}
	/* Deleted while we waited for the lock. */
	if (fstat(fd, &st) < 0 || st.st_nlink == 0)
		return cell_err_set(e, ENOENT, "container `%s` does not exist", id);
	return take_fd(&fd);
}

/* The files a state directory holds; anything else (a newer cell's
 * files) is found by reading the directory. */
static const char *const state_files[] = { STATE_FILE, STATE_FIFO, STATE_FILE ".tmp" };

static int remove_all(int rootfd, const char *id, struct cell_err *e)
{
	_cleanup_close_ int fd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return errno == ENOENT ? 0 : cell_err_sys(e, "open state directory of `%s`", id);
	d = fdopendir(take_fd(&fd));
	if (d == NULL)
		return cell_err_sys(e, "read state directory of `%s`", id);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT) {
			cell_err_sys(e, "remove `%s/%s`", id, de->d_name);
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	return 0;
}

int state_remove(int rootfd, const char *id, int dirfd, struct cell_err *e)
{
	for (size_t i = 0; i < sizeof state_files / sizeof state_files[0]; i++)
		unlinkat(dirfd, state_files[i], 0);
	if (unlinkat(rootfd, id, AT_REMOVEDIR) == 0 || errno == ENOENT)
		return 0;
	if (errno != ENOTEMPTY)
		return cell_err_sys(e, "remove state directory of `%s`", id);
	if (remove_all(rootfd, id, e) < 0)
		return -1;
	if (unlinkat(rootfd, id, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return cell_err_sys(e, "remove state directory of `%s`", id);
	return 0;
}

void state_json(struct json_out *o, const struct state *s, enum state_status st)
{
	jo_obj_begin(o);
	jo_kstr(o, "ociVersion", STATE_OCI_VERSION);
	jo_kstr(o, "id", s->id);
	jo_ki64(o, "pid", st == STATUS_STOPPED ? 0 : s->pid);
	jo_kstr(o, "status", state_status_name(st));
	jo_kstr(o, "bundle", s->bundle);
	jo_kstr(o, "rootfs", s->rootfs);
	jo_kstr(o, "created", s->created);
	jo_ki64(o, "owner", s->owner);
	if (s->annotations != NULL) {
		jo_key(o, "annotations");
		jo_raw(o, s->annotations, strlen(s->annotations));
	}
	jo_obj_end(o);
}

int state_write(int dirfd, const struct state *s, struct cell_err *e)
{
	struct json_out o;
	int r;

	jo_init(&o, 0);
	jo_obj_begin(&o);
	jo_kstr(&o, "ociVersion", STATE_OCI_VERSION);
	jo_kstr(&o, "id", s->id);
	jo_ki64(&o, "pid", s->pid);
	jo_key(&o, "pidStart");
	jo_u64(&o, s->pid_start);
	jo_kstr(&o, "bundle", s->bundle);
	jo_kstr(&o, "rootfs", s->rootfs);
	jo_kstr(&o, "created", s->created);
	jo_ki64(&o, "owner", s->owner);
	jo_ki64(&o, "preserveFds", s->preserve_fds);
	if (s->annotations != NULL) {
		jo_key(&o, "annotations");
		jo_raw(&o, s->annotations, strlen(s->annotations));
	}
	if (s->cgroups != NULL) {
		jo_key(&o, "cgroups");
		jo_raw(&o, s->cgroups, strlen(s->cgroups));
	}
	jo_obj_end(&o);
	if (o.oom) {
		jo_free(&o);
		return cell_err_errno(e, ENOMEM, "write state of `%s`", s->id);
	}
	r = fs_write_atomic(dirfd, STATE_FILE, o.buf, o.len, 0600, e);
	jo_free(&o);
	return r;
}

/* Copy string member `key` of the state object into the backing buffer. */
static char *state_str(const struct json_doc *d, size_t key_val, char **pool)
{
	char *s = *pool;

	if (key_val == 0 || d->toks[key_val].type != JSON_STRING)
		return NULL;
	json_str_decode(d, key_val, s);
	*pool += strlen(s) + 1;
	return s;
}

/* The JSON text of member value v, kept as is for its module. */
static char *state_raw(const struct json_doc *d, const char *text, size_t v, enum json_type t,
		       char **pool)
{
	size_t start, end;
	char *s = *pool;

	if (v == 0 || d->toks[v].type != t)
		return NULL;
	start = d->toks[v].start;
	end = d->toks[v].end;
	memcpy(s, text + start, end - start);
	s[end - start] = '\0';
	*pool += end - start + 1;
	return s;
}

static int64_t state_int(const struct json_doc *d, size_t v)
{
	int64_t n = 0;

	if (v != 0 && json_get_i64(d, v, &n) == 0)
		return n;
	return 0;
}

int state_read(int dirfd, struct state *s, struct cell_err *e)
{
	_cleanup_free_ char *text = NULL;
	struct json_doc d = { 0 };
	size_t len, v;
	uint64_t u = 0;
	char *pool;

	memset(s, 0, sizeof *s);
	if (fs_read_file(dirfd, STATE_FILE, STATE_MAX_SIZE, &text, &len, e) < 0)
		return -1;
	if (json_parse(&d, text, len, STATE_MAX_SIZE, e) < 0)
		return cell_err_wrap(e, STATE_FILE);
	if (d.toks[0].type != JSON_OBJECT) {
		json_doc_free(&d);
		return cell_err_set(e, EINVAL, STATE_FILE ": not an object");
	}
	/* Decoded strings are never longer than their JSON text. */
	s->buf = pool = malloc(len + 16);
	if (pool == NULL) {
		json_doc_free(&d);
		return cell_err_sys(e, "read " STATE_FILE);
	}
	s->id = state_str(&d, json_obj_get(&d, 0, "id"), &pool);
	s->bundle = state_str(&d, json_obj_get(&d, 0, "bundle"), &pool);
	s->rootfs = state_str(&d, json_obj_get(&d, 0, "rootfs"), &pool);
	s->created = state_str(&d, json_obj_get(&d, 0, "created"), &pool);
	s->pid = (pid_t)state_int(&d, json_obj_get(&d, 0, "pid"));
	s->owner = (uint32_t)state_int(&d, json_obj_get(&d, 0, "owner"));
	s->preserve_fds = state_int(&d, json_obj_get(&d, 0, "preserveFds"));
	v = json_obj_get(&d, 0, "pidStart");
	if (v != 0 && json_get_u64(&d, v, &u) == 0)
		s->pid_start = u;
	s->annotations = state_raw(&d, text, json_obj_get(&d, 0, "annotations"), JSON_OBJECT, &pool);
	s->cgroups = state_raw(&d, text, json_obj_get(&d, 0, "cgroups"), JSON_ARRAY, &pool);
	json_doc_free(&d);
	if (s->id == NULL || s->pid <= 0) {
		state_free(s);
		return cell_err_set(e, EINVAL, STATE_FILE ": missing id or pid");
	}
	return 0;
}

void state_free(struct state *s)
{
	free(s->buf);
	memset(s, 0, sizeof *s);
}

int state_proc_stat(pid_t pid, struct state_proc *out)
{
	char path[32], buf[1024];
	ssize_t n;
	char *p;
	int fd, field;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* comm may contain spaces and ')': fields restart after the last ')'. */
	p = strrchr(buf, ')');
	if (p == NULL || p[1] != ' ' || p[2] == '\0')
		return -1;
	p += 2;
	out->letter = *p;
	out->ppid = (pid_t)strtol(p + 1, NULL, 10);
	for (field = 3; field < 22 && *p; p++)
		if (*p == ' ')
			field++;
	out->start = strtoull(p, NULL, 10);
	return 0;
}

uint64_t state_pid_stat(pid_t pid, char *state_letter)
{
	struct state_proc st;

	if (state_proc_stat(pid, &st) < 0)
		return 0;
	if (state_letter != NULL)
		*state_letter = st.letter;
	return st.start;
}

uint64_t state_pid_start(pid_t pid)
{
	return state_pid_stat(pid, NULL);
}

enum state_status state_status(int dirfd, const struct state *s, int *pidfd)
{
	char letter = 0;
	int fd;

	if (pidfd != NULL)
		*pidfd = -1;
	fd = sys_pidfd_open(s->pid, 0);
	if (fd < 0)
		return STATUS_STOPPED;
	/* The pidfd pins the process we check: if the start time matches now,
	 * signals through the pidfd can only reach the container. */
	if (state_pid_stat(s->pid, &letter) != s->pid_start || letter == 'Z' || letter == 'X') {
		close(fd);
		return STATUS_STOPPED;
	}
	if (pidfd != NULL)
		*pidfd = fd;
	else
		close(fd);
	if (faccessat(dirfd, STATE_FIFO, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return STATUS_CREATED;
	return STATUS_RUNNING;
}

const char *state_status_name(enum state_status st)
{
	static const char *const names[] = { "creating", "created", "running", "paused", "stopped" };

	return names[st];
}
