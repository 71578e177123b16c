/* `exec` and `attach`: run one more process in a running container
 * (ns/exec.c does the joining). In the foreground cell forwards signals
 * and exits with the process's code; with --detach it returns once the
 * process has exec'd, leaving it to the caller (or the caller's
 * subreaper: conmon, containerd's shim). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../ns/exec.h"
#include "../util/cleanup.h"
#include "../util/fs.h"
#include "../util/sys.h"
#include "opened.h"
#include "tty.h"
#include "user.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define MAX_FLAG_ITEMS 256

static const char exec_usage[] =
	"Usage: cell exec [OPTIONS] ID [COMMAND [ARG...]]\n"
	"Run COMMAND in the running container ID: in all its namespaces and cgroups,\n"
	"with its rlimits, capabilities, no_new_privs and seccomp filter. In the\n"
	"foreground cell exits with the command's code (128+N when killed by signal N).\n"
	"  -p, --process FILE      the process as an OCI process.json (instead of COMMAND)\n"
	"  -t, --tty               give it a terminal from the container's devpts\n"
	"  -d, --detach            return once it has started\n"
	"      --pid-file FILE     write its PID here\n"
	"      --console-socket P  unix socket to receive the terminal's master (with -t)\n"
	"      --cwd DIR           working directory inside the container\n"
	"  -e, --env KEY=VALUE     set an environment variable (repeatable)\n"
	"  -u, --user USER[:GROUP] run as this user: numbers, or names from the container's\n"
	"                          /etc/passwd and /etc/group (a name gets its groups there)\n"
	"  -g, --additional-gids G add a supplementary group (repeatable)\n"
	"  -c, --cap CAP           add a capability (repeatable)\n"
	"      --no-new-privs      set no_new_privs\n"
	"      --preserve-fds N    pass N more fds (3, 4, ...) to it\n"
	"      --apparmor PROFILE  exec under this AppArmor profile (default: the container's)\n"
	"      --process-label L   exec with this SELinux label (default: the container's)\n"
	"  -h, --help              this help\n";

static const char attach_usage[] =
	"Usage: cell attach [OPTIONS] ID [COMMAND [ARG...]]\n"
	"Run COMMAND (default /bin/sh) in the running container ID with a terminal and\n"
	"a login-like environment (HOME, USER, LOGNAME from its /etc/passwd, TERM from\n"
	"yours, PATH). Exits with the command's code.\n"
	"  -e, --env KEY=VALUE     set an environment variable (repeatable)\n"
	"  -u, --user USER[:GROUP] run as this user (numbers or names, as exec)\n"
	"      --cwd DIR           working directory inside the container\n"
	"  -h, --help              this help\n";

enum {
	OPT_PID_FILE = 256, OPT_CONSOLE, OPT_CWD, OPT_NO_NEW_PRIVS, OPT_PRESERVE, OPT_LABEL,
	OPT_APPARMOR, OPT_IGNORE_PAUSED, OPT_CGROUP,
};

static const struct option exec_longopts[] = {
	{ "process", required_argument, NULL, 'p' },
	{ "tty", no_argument, NULL, 't' },
	{ "detach", no_argument, NULL, 'd' },
	{ "pid-file", required_argument, NULL, OPT_PID_FILE },
	{ "console-socket", required_argument, NULL, OPT_CONSOLE },
	{ "cwd", required_argument, NULL, OPT_CWD },
	{ "env", required_argument, NULL, 'e' },
	{ "user", required_argument, NULL, 'u' },
	{ "additional-gids", required_argument, NULL, 'g' },
	{ "cap", required_argument, NULL, 'c' },
	{ "no-new-privs", no_argument, NULL, OPT_NO_NEW_PRIVS },
	{ "preserve-fds", required_argument, NULL, OPT_PRESERVE },
	{ "process-label", required_argument, NULL, OPT_LABEL },
	{ "apparmor", required_argument, NULL, OPT_APPARMOR },
	{ "ignore-paused", no_argument, NULL, OPT_IGNORE_PAUSED },
	{ "cgroup", required_argument, NULL, OPT_CGROUP },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

struct exec_opts {
	const char *process_file;
	const char *pid_file;
	const char *console_socket;
	const char *cwd;
	const char *user;
	const char *label;
	const char *apparmor;
	bool tty, detach, no_new_privs, attach;
	int preserve_fds;
	const char *env[MAX_FLAG_ITEMS];
	size_t n_env;
	uint32_t gids[MAX_FLAG_ITEMS];
	size_t n_gids;
	uint64_t caps;
};

static int exec_on_opt(void *ctx, int opt, const char *arg, struct cell_err *e)
{
	struct exec_opts *o = ctx;
	int n;

	switch (opt) {
	case 'p': o->process_file = arg; return 0;
	case 't': o->tty = true; return 0;
	case 'd': o->detach = true; return 0;
	case OPT_PID_FILE: o->pid_file = arg; return 0;
	case OPT_CONSOLE: o->console_socket = arg; return 0;
	case OPT_CWD:
		if (arg[0] != '/')
			return cell_err_set(e, EINVAL, "exec: --cwd `%s`: must be an absolute path", arg);
		o->cwd = arg;
		return 0;
	case 'e':
		if (strchr(arg, '=') == NULL || arg[0] == '=')
			return cell_err_set(e, EINVAL, "exec: --env `%s`: expected KEY=VALUE", arg);
		if (o->n_env == MAX_FLAG_ITEMS)
			return cell_err_set(e, E2BIG, "exec: too many --env flags");
		o->env[o->n_env++] = arg;
		return 0;
	case 'u': o->user = arg; return 0;
	case 'g':
		if (o->n_gids == MAX_FLAG_ITEMS)
			return cell_err_set(e, E2BIG, "exec: too many --additional-gids flags");
		if (cmd_parse_int("exec: --additional-gids", arg, 0, INT_MAX, &n, e) < 0)
			return -1;
		o->gids[o->n_gids++] = (uint32_t)n;
		return 0;
	case 'c':
		n = oci_cap_from_name(arg);
		if (n < 0)
			return cell_err_set(e, EINVAL, "exec: --cap `%s`: unknown capability", arg);
		o->caps |= 1ULL << n;
		return 0;
	case OPT_NO_NEW_PRIVS: o->no_new_privs = true; return 0;
	case OPT_PRESERVE: return cmd_parse_int("exec: --preserve-fds", arg, 0, 65536, &o->preserve_fds, e);
	case OPT_LABEL: o->label = arg; return 0;
	case OPT_APPARMOR: o->apparmor = arg; return 0;
	case OPT_IGNORE_PAUSED: return 0; /* cell never execs into a frozen cgroup */
	case OPT_CGROUP:
		return cell_err_set(e, EINVAL, "exec: --cgroup `%s`: sub-cgroups are not supported", arg);
	}
	return cell_err_set(e, EINVAL, "unexpected flag");
}

/* What the new process gets, built from the container's process (or the
 * --process file) and the flags. Owns the arrays it makes. */
struct exec_proc {
	struct oci_process p;
	struct oci_config *file; /* --process, or NULL */
	char **env;
	size_t env_cap;
	char **args;
	uint32_t *gids;
	char *env_strs; /* attach's TERM= and PATH= */
};

static void exec_proc_free(struct exec_proc *ep)
{
	free(ep->env);
	free(ep->args);
	free(ep->gids);
	free(ep->env_strs);
	oci_config_free(ep->file);
}

static int load_process_file(const char *path, struct exec_proc *ep, struct cell_err *e)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;

	if (fs_read_file(AT_FDCWD, path, OCI_CONFIG_MAX_SIZE, &buf, &len, e) < 0)
		return cell_err_wrap(e, "exec: --process");
	ep->file = oci_process_parse(buf, len, path, e);
	if (ep->file == NULL)
		return -1;
	ep->p = ep->file->process;
	return 0;
}

/* --user (names from the container's files) and --additional-gids: a named
 * user's groups of /etc/group first, then the flags'. */
static int set_user(const struct exec_opts *o, pid_t init, struct exec_proc *ep,
		    struct cell_err *e)
{
	struct oci_user *u = &ep->p.user;
	struct user_ids ids = { 0 };
	size_t n;

	if (o->user != NULL) {
		if (user_resolve(init, o->user, o->attach ? "attach: --user" : "exec: --user", &ids,
				 e) < 0)
			return -1;
		u->uid = ids.uid;
		if (ids.has_gid)
			u->gid = ids.gid;
		/* The container's supplementary groups belong to its user. */
		if (o->process_file == NULL || ids.n_groups > 0)
			u->n_additional_gids = 0;
	}
	n = ids.n_groups + o->n_gids;
	if (n == 0)
		return 0;
	ep->gids = realloc(ids.groups, n * sizeof *ep->gids);
	if (ep->gids == NULL) {
		free(ids.groups);
		return cell_err_errno(e, ENOMEM, "exec: groups");
	}
	memcpy(ep->gids + ids.n_groups, o->gids, o->n_gids * sizeof *ep->gids);
	u->additional_gids = ep->gids;
	u->n_additional_gids = n;
	return 0;
}

/* env with KEY=VALUE replaced or appended; `spare` free slots stay. */
static int build_env(struct exec_proc *ep, const struct exec_opts *o, size_t spare,
		     struct cell_err *e)
{
	size_t n = ep->p.n_env;

	ep->env_cap = n + o->n_env + spare + 1;
	ep->env = calloc(ep->env_cap, sizeof *ep->env);
	if (ep->env == NULL)
		return cell_err_errno(e, ENOMEM, "exec: environment");
	memcpy(ep->env, ep->p.env, n * sizeof *ep->env);
	for (size_t i = 0; i < o->n_env; i++) {
		size_t klen = (size_t)(strchr(o->env[i], '=') - o->env[i]) + 1, j;

		for (j = 0; j < n && strncmp(ep->env[j], o->env[i], klen) != 0; j++)
			;
		ep->env[j] = (char *)o->env[i];
		if (j == n)
			n++;
	}
	ep->p.env = ep->env;
	ep->p.n_env = n;
	return 0;
}

static bool env_has(char **env, const char *key)
{
	size_t k = strlen(key);

	for (; *env != NULL; env++)
		if (strncmp(*env, key, k) == 0 && (*env)[k] == '=')
			return true;
	return false;
}

/* attach: TERM of the caller's terminal, a PATH if there is none. */
static int attach_env(struct exec_proc *ep, struct cell_err *e)
{
	const char *term = getenv("TERM");
	size_t n = ep->p.n_env;
	char *s;

	if (term == NULL || term[0] == '\0')
		term = "xterm";
	if (asprintf(&ep->env_strs, "TERM=%s%c%s", term, '\0', DEFAULT_PATH) < 0) {
		ep->env_strs = NULL;
		return cell_err_errno(e, ENOMEM, "attach: environment");
	}
	s = ep->env_strs;
	for (size_t i = 0; i < n; i++) {
		if (strncmp(ep->env[i], "TERM=", 5) == 0) {
			ep->env[i] = s;
			s = NULL;
		}
	}
	if (s != NULL)
		ep->env[n++] = s;
	if (!env_has(ep->env, "PATH"))
		ep->env[n++] = ep->env_strs + strlen(ep->env_strs) + 1;
	ep->p.n_env = n;
	return 0;
}

static int build_process(const struct exec_opts *o, const struct oci_config *cfg, pid_t init,
			 char **cmd, int ncmd, struct exec_proc *ep, struct cell_err *e)
{
	struct oci_process *p = &ep->p;

	if (o->process_file != NULL) {
		if (load_process_file(o->process_file, ep, e) < 0)
			return -1;
	} else {
		if (!cfg->has_process)
			return cell_err_set(e, EINVAL, "exec: the container's config.json has no process");
		*p = cfg->process;
		p->terminal = false;
	}
	if (ncmd > 0) {
		ep->args = calloc((size_t)ncmd + 1, sizeof *ep->args);
		if (ep->args == NULL)
			return cell_err_errno(e, ENOMEM, "exec: arguments");
		memcpy(ep->args, cmd, (size_t)ncmd * sizeof *cmd);
		p->args = ep->args;
		p->n_args = (size_t)ncmd;
	}
	p->terminal |= o->tty;
	if (o->cwd != NULL)
		p->cwd = (char *)o->cwd;
	if (set_user(o, init, ep, e) < 0)
		return -1;
	if (o->caps != 0) {
		/* As runc: bounding, effective, permitted; ambient only where
		 * the inheritable set is not empty (it could not be raised). */
		p->caps[OCI_CAP_BOUNDING] |= o->caps;
		p->caps[OCI_CAP_EFFECTIVE] |= o->caps;
		p->caps[OCI_CAP_PERMITTED] |= o->caps;
		if (p->caps[OCI_CAP_INHERITABLE] != 0)
			p->caps[OCI_CAP_AMBIENT] |= o->caps;
		p->has_capabilities = true;
	}
	if (o->no_new_privs)
		p->no_new_privileges = true;
	/* As runc: a process.json without them runs confined as the
	 * container's own process is; the flags override either. */
	if (o->process_file != NULL && (p->apparmor_profile == NULL || p->apparmor_profile[0] == '\0'))
		p->apparmor_profile = cfg->process.apparmor_profile;
	if (o->process_file != NULL && (p->selinux_label == NULL || p->selinux_label[0] == '\0'))
		p->selinux_label = cfg->process.selinux_label;
	if (o->apparmor != NULL)
		p->apparmor_profile = (char *)o->apparmor;
	if (o->label != NULL)
		p->selinux_label = (char *)o->label;
	if (build_env(ep, o, o->attach ? 5 : 0, e) < 0)
		return -1;
	if (o->attach && attach_env(ep, e) < 0)
		return -1;
	if (p->terminal && o->console_socket == NULL && o->detach)
		return cell_err_set(e, EINVAL, "exec: a detached process with a terminal needs --console-socket");
	if (!p->terminal && o->console_socket != NULL)
		return cell_err_set(e, EINVAL, "exec: --console-socket: the process has no terminal (use --tty)");
	return 0;
}

static struct oci_config *load_bundle_config(const struct state *s, struct cell_err *e)
{
	int bfd = open(s->bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct oci_config *cfg;

	if (bfd < 0) {
		cell_err_sys(e, "exec: open bundle `%s` of container `%s`", s->bundle, s->id);
		return NULL;
	}
	cfg = oci_config_load(bfd, e);
	close(bfd);
	if (cfg == NULL)
		cell_err_wrap(e, "exec: container `%s`", s->id);
	return cfg;
}

/* --preserve-fds N names fds 3..3+N-1: one the caller did not open must
 * not become one of cell's own (a host directory) and reach the process. */
static void plug_preserved(int n)
{
	for (int fd = 3; fd < 3 + n; fd++) {
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
			int nul = open("/dev/null", O_RDWR);

			if (nul >= 0 && nul != fd) {
				dup2(nul, fd);
				close(nul);
			}
		}
	}
}

static int check_status(const struct opened *c, struct cell_err *e)
{
	switch (c->status) {
	case STATUS_RUNNING:
	case STATUS_CREATED:
		return 0;
	case STATUS_PAUSED:
		return cell_err_set(e, EBUSY, "exec: container `%s` is paused: resume it first", c->s.id);
	case STATUS_STOPPED:
		return cell_err_set(e, ESRCH, "exec: container `%s` is stopped: nothing to exec into",
				    c->s.id);
	default:
		return cell_err_set(e, EBUSY, "exec: container `%s` is %s", c->s.id,
				    state_status_name(c->status));
	}
}

/* Start it; the container's state stays locked (shared: other execs may
 * run, `delete` waits) until the process has exec'd. */
static int start_process(struct opened *c, struct oci_config *cfg, struct exec_proc *ep,
			 const struct exec_opts *o, const sigset_t *mask, struct ns_exec *x,
			 struct cell_err *e)
{
	int r;

	*x = (struct ns_exec){
		.cfg = cfg, .proc = &ep->p, .env_cap = ep->env_cap, .id = c->s.id,
		.bundle = c->s.bundle, .init_pid = c->s.pid, .init_pidfd = c->pidfd,
		.cg = c->has_cg ? &c->cg : NULL, .preserve_fds = o->preserve_fds,
		.login_env = o->attach, .child_sigmask = mask,
	};
	if (ns_exec_spawn(x, e) < 0)
		return -1;
	if (x->console_fd >= 0 && o->console_socket != NULL) {
		/* runc's contract: the receiver holds the only copy. */
		r = tty_send_to_socket(o->console_socket, x->console_fd, e);
		close(x->console_fd);
		x->console_fd = -1;
		if (r < 0)
			return -1;
	}
	if (o->pid_file != NULL && cmd_write_pid_file(o->pid_file, x->pid, e) < 0)
		return -1;
	return 0;
}

static int run_exec(struct cell_ctx *g, struct exec_opts *o, const char *id, char **cmd, int ncmd,
		    struct cell_err *e)
{
	struct exec_proc ep = { 0 };
	struct oci_config *cfg = NULL;
	struct ns_exec x = { .pidfd = -1, .console_fd = -1 };
	struct opened c;
	bool is_open = true;
	sigset_t fwd, old;
	int r = -1;

	plug_preserved(o->preserve_fds);
	if (open_container(g, id, false, &c, e) < 0)
		goto out;
	if (check_status(&c, e) < 0 || (cfg = load_bundle_config(&c.s, e)) == NULL ||
	    build_process(o, cfg, c.s.pid, cmd, ncmd, &ep, e) < 0)
		goto out;
	cmd_forwarded_signals(&fwd);
	/* Blocked before the clone so none is lost; the process gets the
	 * caller's mask back just before exec. */
	if (!o->detach)
		sigprocmask(SIG_BLOCK, &fwd, &old);
	if (start_process(&c, cfg, &ep, o, o->detach ? NULL : &old, &x, e) < 0) {
		if (x.pidfd >= 0) {
			sys_pidfd_send_signal(x.pidfd, SIGKILL, NULL, 0);
			waitid(P_PIDFD, (id_t)x.pidfd, NULL, WEXITED);
		}
		goto out;
	}
	close_container(&c);
	is_open = false;
	if (o->detach) {
		r = 0;
	} else {
		char what[64];

		snprintf(what, sizeof what, "the exec'd process %d", x.pid);
		r = cmd_wait_foreground(x.pidfd, x.console_fd, &fwd, what, e);
	}
out:
	if (x.pidfd >= 0)
		close(x.pidfd);
	if (x.console_fd >= 0)
		close(x.console_fd);
	if (is_open)
		close_container(&c);
	exec_proc_free(&ep);
	oci_config_free(cfg);
	return r;
}

int cmd_exec(struct cell_ctx *g, int argc, char **argv, struct cell_err *e)
{
	struct exec_opts o = { 0 };
	struct cmd_parser p = {
		.name = "exec", .usage = exec_usage, .shortopts = "+p:tde:u:g:c:h",
		.longopts = exec_longopts, .on_opt = exec_on_opt, .ctx = &o,
		.min_args = 1, .max_args = INT_MAX,
	};
	int first, r;

	r = cmd_parse(&p, argc, argv, &first, e);
	if (r != 0)
		return r < 0 ? -1 : 0;
	if (o.process_file == NULL && first + 1 >= argc)
		return cell_err_set(e, EINVAL, "exec: no command given (COMMAND or --process FILE; see cell exec --help)");
	return run_exec(g, &o, argv[first], argv + first + 1, argc - first - 1, e);
}

int cmd_attach(struct cell_ctx *g, int argc, char **argv, struct cell_err *e)
{
	static const struct option lo[] = {
		{ "env", required_argument, NULL, 'e' },
		{ "user", required_argument, NULL, 'u' },
		{ "cwd", required_argument, NULL, OPT_CWD },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static char *shell[] = { "/bin/sh", NULL };
	struct exec_opts o = { .tty = true, .attach = true };
	struct cmd_parser p = {
		.name = "attach", .usage = attach_usage, .shortopts = "+e:u:h", .longopts = lo,
		.on_opt = exec_on_opt, .ctx = &o, .min_args = 1, .max_args = INT_MAX,
	};
	int first, r;

	r = cmd_parse(&p, argc, argv, &first, e);
	if (r != 0)
		return r < 0 ? -1 : 0;
	if (first + 1 >= argc)
		return run_exec(g, &o, argv[first], shell, 1, e);
	return run_exec(g, &o, argv[first], argv + first + 1, argc - first - 1, e);
}
