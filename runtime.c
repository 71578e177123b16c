/* cell: an OCI container runtime in one static binary.
 * main: global flags, then one subcommand from the table below. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "ns/guard.h"
#include "state/state.h"
#include "util/log.h"

static const struct {
	const char *name;
	cmd_fn fn;
	const char *summary;
} commands[] = {
	{ "create", cmd_create, "create a container from a bundle (waits for start)" },
	{ "start", cmd_start, "start the program of a created container" },
	{ "run", cmd_run, "create and start a container" },
	{ "exec", cmd_exec, "run one more process in a running container" },
	{ "attach", cmd_attach, "a shell (or COMMAND) with a terminal in a running container" },
	{ "state", cmd_state, "print the OCI state of a container" },
	{ "list", cmd_list, "list containers" },
	{ "info", cmd_info, "show a container: state, resource use, addresses, link traffic" },
	{ "console", cmd_console, "attach to the terminal of a detached container (Ctrl-a q detaches)" },
	{ "kill", cmd_kill, "send a signal to a container" },
	{ "stop", cmd_stop, "stop a container: stop signal, grace period, then SIGKILL" },
	{ "delete", cmd_delete, "remove a container" },
	{ "pause", cmd_pause, "freeze every process of a container" },
	{ "resume", cmd_resume, "thaw a paused container" },
	{ "ps", cmd_ps, "list the processes of a container" },
	{ "update", cmd_update, "change the resource limits of a running container" },
	{ "events", cmd_events, "print resource usage (and OOM events) as JSON" },
	{ "spec", cmd_spec, "write a default config.json" },
	{ "features", cmd_features, "print the OCI features document" },
	{ "seccomp-dump", cmd_seccomp_dump, "print the seccomp filter a config.json compiles to" },
	{ "chown-rootfs", cmd_chown_rootfs, "shift a rootfs's owners once to a user namespace's maps" },
};

static void usage(FILE *out)
{
	fputs("Usage: cell [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]\n\n"
	      "An OCI container runtime in one static binary.\n\nCommands:\n", out);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\nGlobal options:\n"
	      "  --root DIR          state directory (default /run/cell; not root:\n"
	      "                      $XDG_RUNTIME_DIR/cell)\n"
	      "  --log FILE          log file (default: standard error)\n"
	      "  --log-format FMT    text or json\n"
	      "  --debug             log debug messages\n"
	      "  -v, --version       print the version\n"
	      "  -h, --help          this help; COMMAND --help for a command's\n", out);
}

static void print_version(void)
{
	printf("cell version %s\nspec: %s\nlibcap-ng: static\n", CELL_VERSION, STATE_OCI_VERSION);
}

/* Fds 0-2 must exist, or our own sockets would take their numbers and
 * become the container's stdio. */
static void ensure_stdio(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
			int n = open("/dev/null", O_RDWR);

			if (n >= 0 && n != fd) {
				dup2(n, fd);
				close(n);
			}
		}
	}
}

/* Commands whose processes run inside a container's namespaces: they run
 * from a sealed copy of the binary (CVE-2019-5736, ns/guard.h). */
static bool enters_container(const char *cmd)
{
	return strcmp(cmd, "create") == 0 || strcmp(cmd, "run") == 0 || strcmp(cmd, "exec") == 0 ||
	       strcmp(cmd, "attach") == 0;
}

struct globals {
	const char *root;
	const char *log;
	const char *log_format;
	bool debug;
};

enum { OPT_ROOT = 256, OPT_LOG, OPT_LOG_FORMAT, OPT_DEBUG, OPT_SYSTEMD_CGROUP, OPT_ROOTLESS };

/* Returns the index of the subcommand, 0 if main should exit 0, -1 on error. */
static int parse_globals(int argc, char **argv, struct globals *g, struct cell_err *e)
{
	static const struct option lo[] = {
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "log", required_argument, NULL, OPT_LOG },
		{ "log-format", required_argument, NULL, OPT_LOG_FORMAT },
		{ "debug", no_argument, NULL, OPT_DEBUG },
		{ "systemd-cgroup", no_argument, NULL, OPT_SYSTEMD_CGROUP },
		{ "rootless", required_argument, NULL, OPT_ROOTLESS },
		{ "version", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+vh", lo, NULL)) != -1) {
		switch (opt) {
		case OPT_ROOT: g->root = optarg; break;
		case OPT_LOG: g->log = optarg; break;
		case OPT_LOG_FORMAT: g->log_format = optarg; break;
		case OPT_DEBUG: g->debug = true; break;
		case OPT_SYSTEMD_CGROUP: /* accepted for runc compatibility (issue 3) */
		case OPT_ROOTLESS: break;
		case 'v': print_version(); return 0;
		case 'h': usage(stdout); return 0;
		default:
			return cell_err_set(e, EINVAL, "unknown or incomplete global flag `%s` (see cell --help)",
					    argv[optind - 1]);
		}
	}
	if (strcmp(g->log_format, "text") != 0 && strcmp(g->log_format, "json") != 0)
		return cell_err_set(e, EINVAL, "--log-format: `%s` is not text or json", g->log_format);
	if (optind >= argc)
		return cell_err_set(e, EINVAL, "no command given (see cell --help)");
	return optind;
}

int main(int argc, char **argv)
{
	struct globals g = { .root = NULL, .log_format = "text" };
	struct cell_err e = { 0 };
	struct cell_ctx ctx;
	int first, r;

	ensure_stdio();
	first = parse_globals(argc, argv, &g, &e);
	if (first <= 0)
		goto out;
	if (enters_container(argv[first]) && ns_guard_sealed_exe(argv, &e) < 0) {
		first = -1;
		goto out;
	}
	if (log_init(g.log, strcmp(g.log_format, "json") == 0, g.debug, &e) < 0) {
		first = -1;
		goto out;
	}
	ctx.root = g.root ? g.root : state_default_root();
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(argv[first], commands[i].name) != 0)
			continue;
		log_debug("%s: running", commands[i].name);
		r = commands[i].fn(&ctx, argc - first, argv + first, &e);
		if (r < 0)
			log_final_error(&e);
		return r < 0 ? 1 : r;
	}
	cell_err_set(&e, EINVAL, "unknown command `%s` (see cell --help)", argv[first]);
	first = -1;
out:
	if (first < 0) {
		log_final_error(&e);
		return 1;
	}
	return 0;
}
