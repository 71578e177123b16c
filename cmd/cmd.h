/* Subcommands. Each parses its own flags (getopt_long) and calls into the
 * modules; it returns the process exit code, or -1 with e filled (main
 * prints it once). */
#ifndef CELL_CMD_H
#define CELL_CMD_H

#include <getopt.h>
#include <signal.h>
#include <stdbool.h>

#include "../util/err.h"

struct cell_ctx {
	const char *root; /* --root */
};

typedef int (*cmd_fn)(struct cell_ctx *g, int argc, char **argv, struct cell_err *e);

int cmd_create(struct cell_ctx *g, int argc, char **argv, struct cell_err *e);
int cmd_run(struct cell_ctx *g, int argc, char **argv, struct cell_err *e);
int cmd_start(struct cell_ctx *g, int argc, char **argv, struct cell_err *e);
int cmd_state(struct cell_ctx *g, int argc, char **argv, struct cell_err *e);
int cmd_list(struct cell_ctx *g, int argc, char **argv, struct cell_err *e);
int cmd_kill(struct cell_ctx *g, int argc, char **argv, struct cell_err *e);
int cmd_stop(struct cell_ctx *g, int argc, char **argv, struct cell_err *e);
int cmd_delete(struct cell_ctx *g, int argc, char **argv, struct cell_err *e);
int cmd_spec(struct cell_ctx *g, int argc, char **argv, struct cell_err *e);
int cmd_pause(struct cell_ctx *g, int argc, char **argv, struct cell_err *e);
int cmd_resume(struct cell_ctx *g, int argc, char **argv, struct cell_err *e);
int cmd_ps(struct cell_ctx *g, int argc, char **argv, struct cell_err *e);
int cmd_update(struct cell_ctx *g, int argc, char **argv, struct cell_err *e);
int cmd_events(struct cell_ctx *g, int argc, char **argv, struct cell_err *e);
int cmd_info(struct cell_ctx *g, int argc, char **argv, struct cell_err *e);
int cmd_console(struct cell_ctx *g, int argc, char **argv, struct cell_err *e);
int cmd_features(struct cell_ctx *g, int argc, char **argv, struct cell_err *e);
int cmd_seccomp_dump(struct cell_ctx *g, int argc, char **argv, struct cell_err *e);
int cmd_exec(struct cell_ctx *g, int argc, char **argv, struct cell_err *e);
int cmd_attach(struct cell_ctx *g, int argc, char **argv, struct cell_err *e);
int cmd_chown_rootfs(struct cell_ctx *g, int argc, char **argv, struct cell_err *e);

/* Shared flag parsing: runs getopt_long over argv (argv[0] is the
 * subcommand), handles -h/--help by printing `usage` (returns 1: caller
 * exits 0), and reports unknown flags as errors naming the subcommand.
 * `on_opt` gets each option; it returns -1 with e set to reject it. */
struct cmd_parser {
	const char *name;
	const char *usage;
	const char *shortopts;
	const struct option *longopts;
	int (*on_opt)(void *ctx, int opt, const char *arg, struct cell_err *e);
	void *ctx;
	int min_args; /* positional arguments expected */
	int max_args;
};
int cmd_parse(const struct cmd_parser *p, int argc, char **argv, int *first_arg, struct cell_err *e);

/* Exit code for a command that printed its --help. */
#define CMD_HELP_SHOWN 1

/* Open --root (creating it for create/run). */
int cmd_open_root(struct cell_ctx *g, bool create, struct cell_err *e);

/* Parse an int flag value strictly. */
int cmd_parse_int(const char *flag, const char *s, int min, int max, int *out, struct cell_err *e);

/* Write a pid file atomically (temp file + rename in its directory). */
int cmd_write_pid_file(const char *path, int pid, struct cell_err *e);

/* The signals a foreground `run` or `exec` passes on to its process. */
void cmd_forwarded_signals(sigset_t *set);

/* Wait for the process behind pidfd in the foreground: proxy its terminal
 * when master >= 0, else pass on the signals of fwd (blocked by the
 * caller); then reap it. Its exit code, 128+N when killed by signal N; -1
 * with e naming `what` (e.g. "container init"). */
int cmd_wait_foreground(int pidfd, int master, const sigset_t *fwd, const char *what,
			struct cell_err *e);

struct json_out;
/* Print a built JSON document and a newline on stdout; frees it. */
int cmd_print_json(struct json_out *o, struct cell_err *e);

#endif
