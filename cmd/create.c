/* `create` and what `run` shares with it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../hooks/hooks.h"
#include "../idmap/idmap.h"
#include "../net/net.h"
#include "../oci/json.h"
#include "../state/state.h"
#include "../util/log.h"
#include "console.h"
#include "container.h"
#include "opened.h"
#include "tty.h"

static int resolve_paths(const struct create_opts *o, struct created *cr, struct cell_err *e)
{
	const char *root = cr->cfg->root_path;
	char joined[PATH_MAX];
	struct stat st;

	if (realpath(o->bundle, cr->bundle) == NULL)
		return cell_err_sys(e, "bundle `%s`", o->bundle);
	if (root[0] != '/') {
		if ((size_t)snprintf(joined, sizeof joined, "%s/%s", cr->bundle, root) >= sizeof joined)
			return cell_err_errno(e, ENAMETOOLONG, "config.json: root.path");
		root = joined;
	}
	if (realpath(root, cr->rootfs) == NULL)
		return cell_err_sys(e, "config.json: root.path: `%s`", root);
	if (stat(cr->rootfs, &st) < 0 || !S_ISDIR(st.st_mode))
		return cell_err_set(e, ENOTDIR, "config.json: root.path: `%s` is not a directory", root);
	return 0;
}

/* Where the pty master goes: the console socket, else the foreground
 * `run` proxies it, else (create, run -d) a console holder keeps it for
 * `cell console`. A socket without a terminal is a caller's mistake (as
 * in runc). */
static int check_terminal(const struct create_opts *o, const struct oci_config *cfg,
			  struct cell_err *e)
{
	if (!cfg->process.terminal && o->console_socket != NULL)
		return cell_err_set(e, EINVAL,
				    "--console-socket: the container has no terminal (process.terminal is false)");
	return 0;
}

static int load_config(const struct create_opts *o, struct created *cr, struct cell_err *e)
{
	int bfd = open(o->bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (bfd < 0)
		return cell_err_sys(e, "open bundle `%s`", o->bundle);
	cr->cfg = oci_config_load(bfd, e);
	close(bfd);
	if (cr->cfg == NULL)
		return -1;
	if (ns_validate(cr->cfg, e) < 0 || idmap_validate(cr->cfg, e) < 0 ||
	    net_validate(cr->cfg, e) < 0)
		return -1;
	if (check_terminal(o, cr->cfg, e) < 0)
		return -1;
	return resolve_paths(o, cr, e);
}

static char *annotations_json(const struct oci_config *cfg)
{
	struct json_out o;

	if (cfg->n_annotations == 0)
		return NULL;
	jo_init(&o, 0);
	jo_obj_begin(&o);
	for (size_t i = 0; i < cfg->n_annotations; i++)
		jo_kstr(&o, cfg->annotations[i].key, cfg->annotations[i].value);
	jo_obj_end(&o);
	if (o.oom) {
		jo_free(&o);
		return NULL;
	}
	return o.buf;
}

static int save_state(const struct create_opts *o, struct created *cr, struct cell_err *e)
{
	struct state s = {
		.id = (char *)o->id,
		.pid = cr->ns.pid,
		.pid_start = cr->ns.pid_start,
		.bundle = cr->bundle,
		.rootfs = cr->rootfs,
		.created = cr->created,
		.owner = geteuid(),
		.preserve_fds = o->preserve_fds,
	};
	int r;

	s.annotations = annotations_json(cr->cfg);
	if (cr->has_cg && (s.cgroups = cgroup_state_json(&cr->cg)) == NULL) {
		free(s.annotations);
		return cell_err_errno(e, ENOMEM, "write state of `%s`", o->id);
	}
	r = state_write(cr->statefd, &s, e);
	free(s.annotations);
	free(s.cgroups);
	return r;
}

static int open_fifo(struct created *cr, struct cell_err *e)
{
	if (mkfifoat(cr->statefd, STATE_FIFO, 0600) < 0)
		return cell_err_sys(e, "create " STATE_FIFO);
	/* The init inherits this reader and sleeps on it until `start`. */
	cr->ns.fifo_fd = openat(cr->statefd, STATE_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (cr->ns.fifo_fd < 0)
		return cell_err_sys(e, "open " STATE_FIFO);
	return 0;
}

/* An unprivileged caller without delegated cgroups runs without cgroups,
 * as runc's rootless mode does; its resource limits are skipped. With
 * some delegated (cgroup_create), only the limits of controllers not
 * delegated are. */
static bool cgroups_optional(int err)
{
	return geteuid() != 0 && (err == EACCES || err == EPERM || err == EROFS);
}

/* IDs are unique per --root: the default cgroup path of a container under
 * another root than the default one carries the root's identity. */
static void root_scope(struct cell_ctx *g, int rootfd, char *buf, size_t cap)
{
	struct stat st;
	uint32_t h = 2166136261u;

	buf[0] = '\0';
	if (strcmp(g->root, state_default_root()) == 0 || fstat(rootfd, &st) < 0)
		return;
	for (size_t i = 0; i < sizeof st.st_dev + sizeof st.st_ino; i++) {
		unsigned char b = i < sizeof st.st_dev ? ((unsigned char *)&st.st_dev)[i] :
			((unsigned char *)&st.st_ino)[i - sizeof st.st_dev];

		h = (h ^ b) * 16777619u;
	}
	snprintf(buf, cap, "r-%08x", h);
}

/* One line per controller whose limits a rootless container goes without. */
static void warn_skipped(const struct cgroup *cg, const char *id)
{
	for (int c = 0; c < CG_NCTRL; c++)
		if (cg->skipped & (1u << c))
			log_warn("`%s`: linux.resources: the %s limits skipped: the %s controller is not "
				 "delegated to uid %u", id, cgroup_ctrl_name(c, 1),
				 cgroup_ctrl_name(c, cg->layout == CG_LAYOUT_V2 ? 2 : 1), (unsigned)geteuid());
}

static int make_cgroups(struct cell_ctx *g, const struct create_opts *o, struct created *cr,
			struct cell_err *e)
{
	const struct oci_linux *l = &cr->cfg->linux_;
	char scope[16];

	root_scope(g, cr->rootfd, scope, sizeof scope);
	if (cgroup_detect(&cr->cg, e) < 0)
		return -1;
	cr->cg.rootless = geteuid() != 0;
	if (cgroup_set_path(&cr->cg, l->cgroups_path, scope, o->id, e) < 0)
		return -1;
	if (cgroup_create(&cr->cg, &l->resources, e) < 0) {
		if (!cgroups_optional(e->errnum))
			return -1;
		/* Only lost limits are worth a warning on every run. */
		if (l->resources.present)
			log_warn("no cgroups for `%s`, linux.resources skipped (%s): an unprivileged "
				 "user needs a delegated cgroup", o->id, e->msg);
		else
			log_debug("no cgroups for `%s` (%s)", o->id, e->msg);
		return 0;
	}
	warn_skipped(&cr->cg, o->id);
	cr->has_cg = true;
	cr->ns.cg = &cr->cg;
	return 0;
}

static bool has_hooks(const struct oci_config *cfg)
{
	for (int k = 0; k < OCI_HOOK_NKINDS; k++)
		if (cfg->n_hooks[k] > 0)
			return true;
	return false;
}

/* The state hooks read during create (the pid is filled in per stage). */
static int hook_state(const struct create_opts *o, struct created *cr, struct cell_err *e)
{
	cr->hstate = (struct state){
		.id = (char *)o->id,
		.bundle = cr->bundle,
		.rootfs = cr->rootfs,
		.created = cr->created,
		.owner = geteuid(),
		.annotations = annotations_json(cr->cfg),
	};
	if (cr->cfg->n_annotations > 0 && cr->hstate.annotations == NULL)
		return cell_err_errno(e, ENOMEM, "hooks: state of `%s`", o->id);
	cr->ns.hook_state = &cr->hstate;
	if (!o->use_fifo || !hooks_any(cr->cfg, OCI_HOOK_START_CONTAINER))
		return 0;
	/* The init reports a startContainer failure here: after `start`
	 * there is no sync socket left. Above the --preserve-fds range. */
	cr->ns.hook_err_fd = openat(cr->statefd, HOOKS_ERR_FILE,
				    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (cr->ns.hook_err_fd < 0)
		return cell_err_sys(e, "create " HOOKS_ERR_FILE);
	if (cr->ns.hook_err_fd < 3 + o->preserve_fds) {
		int fd = fcntl(cr->ns.hook_err_fd, F_DUPFD_CLOEXEC, 3 + o->preserve_fds);

		close(cr->ns.hook_err_fd);
		cr->ns.hook_err_fd = fd;
		if (fd < 0)
			return cell_err_sys(e, "dup " HOOKS_ERR_FILE);
	}
	return 0;
}

int container_create(struct cell_ctx *g, const struct create_opts *o, struct created *cr,
		     struct cell_err *e)
{
	int r;

	memset(cr, 0, sizeof *cr);
	cr->rootfd = cr->statefd = cr->ns.fifo_fd = cr->ns.pidfd = cr->ns.sync_fd = -1;
	cr->ns.console_fd = cr->ns.hook_err_fd = -1;
	log_time_rfc3339(cr->created, sizeof cr->created);
	if (state_check_id(o->id, e) < 0 || load_config(o, cr, e) < 0)
		goto fail;
	cr->rootfd = cmd_open_root(g, true, e);
	if (cr->rootfd < 0)
		goto fail;
	cr->statefd = state_claim(cr->rootfd, o->id, e);
	if (cr->statefd < 0)
		goto fail;
	if (o->use_fifo && open_fifo(cr, e) < 0)
		goto fail_state;
	cr->ns.cfg = cr->cfg;
	cr->ns.id = o->id;
	cr->ns.bundle = cr->bundle;
	cr->ns.rootfs = cr->rootfs;
	cr->ns.preserve_fds = o->preserve_fds;
	cr->ns.no_pivot = o->no_pivot;
	cr->ns.child_sigmask = o->sigmask;
	cr->ns.rootfd = cr->rootfd;
	cr->ns.statefd = cr->statefd;
	if (idmap_lease(cr->cfg, cr->rootfd, cr->statefd, o->id, &cr->ns.maps, e) < 0)
		goto fail_state;
	if (has_hooks(cr->cfg) && hook_state(o, cr, e) < 0)
		goto fail_state;
	if (make_cgroups(g, o, cr, e) < 0)
		goto fail_state;
	cr->spawned = true;
	if (ns_spawn(&cr->ns, e) < 0)
		goto fail_state;
	if (cr->ns.console_fd >= 0 && o->console_socket != NULL) {
		/* runc's contract: the receiver holds the only copy. */
		r = tty_send_to_socket(o->console_socket, cr->ns.console_fd, e);
		close(cr->ns.console_fd);
		cr->ns.console_fd = -1;
		if (r < 0)
			goto fail_state;
	} else if (cr->ns.console_fd >= 0 && (o->use_fifo || o->detach)) {
		r = console_hold(cr->statefd, cr->ns.console_fd, cr->ns.pidfd, e);
		close(cr->ns.console_fd);
		cr->ns.console_fd = -1;
		if (r < 0)
			goto fail_state;
	}
	if (save_state(o, cr, e) < 0 || hooks_save(cr->statefd, cr->cfg, e) < 0 ||
	    (o->pid_file != NULL && cmd_write_pid_file(o->pid_file, cr->ns.pid, e) < 0)) {
		ns_abort(&cr->ns);
		goto fail_state;
	}
	return 0;
fail_state:
	container_destroy(cr, o->id);
fail:
	created_close(cr);
	return -1;
}

void container_destroy(struct created *cr, const char *id)
{
	struct cell_err ignored;

	ns_abort(&cr->ns);
	if (cr->has_cg)
		container_remove_cgroups(&cr->cg, &ignored);
	cr->has_cg = false;
	/* Only a directory we claimed: an EEXIST claim belongs to another. */
	if (cr->rootfd >= 0 && cr->statefd >= 0) {
		console_stop(cr->statefd);
		net_teardown(cr->rootfd, cr->statefd, id, &ignored);
		idmap_release(cr->statefd, &ignored);
		state_remove(cr->rootfd, id, cr->statefd, &ignored);
	}
	/* The lifecycle's end after a failed create, as after delete. */
	if (cr->spawned && cr->ns.hook_state != NULL)
		hooks_run_warn(cr->cfg, OCI_HOOK_POSTSTOP, &cr->hstate, 0, STATUS_STOPPED);
	cr->spawned = false;
}

void created_close(struct created *cr)
{
	/* The init shares this open file (and so its lock) until it execs:
	 * unlock explicitly, closing our copy would not. */
	if (cr->statefd >= 0)
		flock(cr->statefd, LOCK_UN);
	int *fds[] = { &cr->rootfd, &cr->statefd, &cr->ns.fifo_fd, &cr->ns.pidfd, &cr->ns.sync_fd,
		       &cr->ns.console_fd, &cr->ns.hook_err_fd };

	for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
	if (cr->has_cg)
		cgroup_close(&cr->cg);
	if (cr->cfg != NULL)
		oci_config_free(cr->cfg);
	cr->cfg = NULL;
	free(cr->hstate.annotations);
	cr->hstate.annotations = NULL;
	cr->ns.hook_state = NULL;
}

static const char create_usage[] =
	"Usage: cell create [OPTIONS] ID\n"
	"Create a container from an OCI bundle; its process waits for `cell start ID`.\n"
	"  -b, --bundle DIR       bundle directory (default: current directory)\n"
	"      --pid-file FILE    write the container's PID here\n"
	"      --console-socket P unix socket to receive the terminal (process.terminal)\n"
	"      --preserve-fds N   pass N more fds (3, 4, ...) to the container\n"
	"      --no-pivot         use MS_MOVE+chroot instead of pivot_root (rootfs on initramfs)\n"
	"  -h, --help             this help\n";

const struct option create_longopts[] = {
	{ "bundle", required_argument, NULL, 'b' },
	{ "pid-file", required_argument, NULL, OPT_PID_FILE },
	{ "console-socket", required_argument, NULL, OPT_CONSOLE },
	{ "preserve-fds", required_argument, NULL, OPT_PRESERVE },
	{ "no-pivot", no_argument, NULL, OPT_NO_PIVOT },
	{ "no-new-keyring", no_argument, NULL, OPT_NO_NEW_KEYRING },
	{ "detach", no_argument, NULL, 'd' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

int create_on_opt(void *ctx, int opt, const char *arg, struct cell_err *e)
{
	struct create_opts *o = ctx;

	switch (opt) {
	case 'b': o->bundle = arg; return 0;
	case 'd': o->detach = true; return 0;
	case OPT_PID_FILE: o->pid_file = arg; return 0;
	case OPT_CONSOLE: o->console_socket = arg; return 0;
	case OPT_NO_PIVOT: o->no_pivot = true; return 0;
	case OPT_NO_NEW_KEYRING: return 0; /* cell never makes a session keyring */
	case OPT_PRESERVE: return cmd_parse_int("--preserve-fds", arg, 0, 65536, &o->preserve_fds, e);
	}
	return cell_err_set(e, EINVAL, "unexpected flag");
}

int cmd_create(struct cell_ctx *g, int argc, char **argv, struct cell_err *e)
{
	struct create_opts o = { .bundle = ".", .use_fifo = true };
	struct cmd_parser p = {
		.name = "create", .usage = create_usage, .shortopts = "+b:h",
		.longopts = create_longopts, .on_opt = create_on_opt, .ctx = &o,
		.min_args = 1, .max_args = 1,
	};
	struct created cr;
	int first, r;

	r = cmd_parse(&p, argc, argv, &first, e);
	if (r != 0)
		return r < 0 ? -1 : 0;
	o.id = argv[first];
	if (container_create(g, &o, &cr, e) < 0)
		return -1;
	if (ns_release(&cr.ns, true, e) < 0) {
		container_destroy(&cr, o.id);
		created_close(&cr);
		return -1;
	}
	created_close(&cr);
	return 0;
}
