/* `pause`, `resume`, `ps` and `update`: commands that work through the
 * container's cgroups. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../ns/ns.h"
#include "../oci/json.h"
#include "../util/cleanup.h"
#include "../util/fs.h"
#include "opened.h"

/* Open a container that must be running (or paused, or created). */
static int open_started(struct cell_ctx *g, const char *id, const char *what, struct opened *o,
			struct cell_err *e)
{
	if (open_container(g, id, true, o, e) < 0)
		return -1;
	if (o->status != STATUS_RUNNING && o->status != STATUS_PAUSED &&
	    o->status != STATUS_CREATED)
		return cell_err_set(e, EINVAL, "%s: container `%s` is %s", what, id,
				    state_status_name(o->status));
	return 0;
}

/* ...that also has cgroups. */
static int open_live(struct cell_ctx *g, const char *id, const char *what, struct opened *o,
		     struct cell_err *e)
{
	if (open_started(g, id, what, o, e) < 0)
		return -1;
	if (!o->has_cg)
		return cell_err_set(e, ENOTSUP, "%s: container `%s` has no cgroups", what, id);
	return 0;
}

static int pause_resume(struct cell_ctx *g, int argc, char **argv, bool freeze,
			struct cell_err *e)
{
	static const char pause_usage[] = "Usage: cell pause ID\n"
					  "Freeze every process of a running container.\n";
	static const char resume_usage[] = "Usage: cell resume ID\n"
					   "Thaw a paused container.\n";
	const char *name = freeze ? "pause" : "resume";
	struct cmd_parser p = { .name = name, .usage = freeze ? pause_usage : resume_usage,
				.min_args = 1, .max_args = 1 };
	struct opened o;
	int first, r;

	r = cmd_parse(&p, argc, argv, &first, e);
	if (r != 0)
		return r < 0 ? -1 : 0;
	r = open_live(g, argv[first], name, &o, e);
	if (r == 0 && freeze && o.status != STATUS_RUNNING)
		r = cell_err_set(e, EINVAL, "pause: container `%s` is %s, not running", argv[first],
				 state_status_name(o.status));
	if (r == 0 && !freeze && o.status != STATUS_PAUSED)
		r = cell_err_set(e, EINVAL, "resume: container `%s` is %s, not paused", argv[first],
				 state_status_name(o.status));
	if (r == 0)
		r = cgroup_freeze(&o.cg, freeze, e);
	close_container(&o);
	return r;
}

int cmd_pause(struct cell_ctx *g, int argc, char **argv, struct cell_err *e)
{
	return pause_resume(g, argc, argv, true, e);
}

int cmd_resume(struct cell_ctx *g, int argc, char **argv, struct cell_err *e)
{
	return pause_resume(g, argc, argv, false, e);
}

/* ---- ps ---- */

static const char ps_usage[] =
	"Usage: cell ps [-f|--format table|json] ID [PS-OPTIONS...]\n"
	"List the processes of a container (PID, PPID, command line), or their\n"
	"host PIDs as a JSON array. With PS-OPTIONS (e.g. -ef, -o pid,user,args),\n"
	"runs ps(1) with them and keeps the header and the container's lines.\n"
	"Without cgroups (rootless) the processes come from /proc: those in the init's\n"
	"pid namespace, or without one the init and its descendants.\n";

static int format_opt(void *ctx, int opt, const char *arg, struct cell_err *e)
{
	if (strcmp(arg, "json") == 0)
		*(bool *)ctx = true;
	else if (strcmp(arg, "table") != 0)
		return cell_err_set(e, EINVAL, "ps: --format: `%s` is not table or json", arg);
	return 0;
}

/* "PPID" and the command line, from /proc. */
static void print_proc(pid_t pid)
{
	char path[64], buf[4096], *close_paren;
	int ppid = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof buf - 1);
		close(fd);
		buf[n > 0 ? n : 0] = '\0';
		close_paren = strrchr(buf, ')');
		if (close_paren)
			sscanf(close_paren + 1, " %*c %d", &ppid);
	}
	snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0) {
		n = 0;
	} else {
		for (ssize_t i = 0; i < n - 1; i++)
			if (buf[i] == '\0')
				buf[i] = ' ';
	}
	buf[n] = '\0';
	printf("%-8d %-8d %s\n", (int)pid, ppid, buf);
}

static bool has_pid(const pid_t *pids, size_t n, long pid)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

/* Which whitespace-separated column of ps's header is PID; -1 if none. */
static int pid_column(const char *header)
{
	int col = 0;

	for (const char *p = header; *p;) {
		size_t len;

		p += strspn(p, " \t");
		len = strcspn(p, " \t\n");
		if (len == 0)
			break;
		if (len == 3 && strncmp(p, "PID", 3) == 0)
			return col;
		p += len;
		col++;
	}
	return -1;
}

static long field_at(const char *line, int col)
{
	const char *p = line;

	for (int i = 0; i <= col; i++) {
		p += strspn(p, " \t");
		if (i == col)
			break;
		p += strcspn(p, " \t\n");
	}
	return *p >= '0' && *p <= '9' ? strtol(p, NULL, 10) : -1;
}

/* ps(1) with the caller's options over the whole host, filtered to the
 * container's pids (as runc does). */
static int ps_filtered(char **opts, int nopts, const pid_t *pids, size_t n, struct cell_err *e)
{
	_cleanup_free_ char **argv = calloc((size_t)nopts + 2, sizeof *argv);
	posix_spawn_file_actions_t fa;
	char *line = NULL;
	size_t cap = 0;
	int pfd[2], col = -1, status, r;
	pid_t ps;
	FILE *in;

	if (argv == NULL)
		return cell_err_errno(e, ENOMEM, "ps");
	argv[0] = "ps";
	memcpy(argv + 1, opts, (size_t)nopts * sizeof *argv);
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return cell_err_sys(e, "ps: pipe");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], STDOUT_FILENO);
	r = posix_spawnp(&ps, "ps", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (r != 0) {
		close(pfd[0]);
		return cell_err_errno(e, r, "ps: run `ps`");
	}
	in = fdopen(pfd[0], "r");
	if (in == NULL) {
		close(pfd[0]);
		r = cell_err_sys(e, "ps: read");
	}
	while (in != NULL && getline(&line, &cap, in) > 0) {
		if (col < 0) {
			col = pid_column(line);
			if (col < 0) {
				cell_err_set(e, EINVAL, "ps: no PID column in the output of ps");
				break;
			}
			fputs(line, stdout);
		} else if (has_pid(pids, n, field_at(line, col))) {
			fputs(line, stdout);
		}
	}
	free(line);
	if (in != NULL)
		fclose(in);
	while (waitpid(ps, &status, 0) < 0 && errno == EINTR)
		;
	if (r == 0 && col < 0)
		r = -1;
	if (r == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		r = cell_err_set(e, EINVAL, "ps: `ps` failed (exit status %d)",
				 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	if (fflush(stdout) != 0 && r == 0)
		r = cell_err_sys(e, "write");
	return r;
}

int cmd_ps(struct cell_ctx *g, int argc, char **argv, struct cell_err *e)
{
	static const struct option lo[] = {
		{ "format", required_argument, NULL, 'f' }, { "help", no_argument, NULL, 'h' }, { 0 },
	};
	bool json = false;
	struct cmd_parser p = { .name = "ps", .usage = ps_usage, .shortopts = "+f:h", .longopts = lo,
				.on_opt = format_opt, .ctx = &json, .min_args = 1, .max_args = INT_MAX };
	struct opened o;
	pid_t *pids = NULL;
	size_t n = 0;
	int first, r;

	r = cmd_parse(&p, argc, argv, &first, e);
	if (r != 0)
		return r < 0 ? -1 : 0;
	r = open_started(g, argv[first], "ps", &o, e);
	/* Without cgroups (rootless) /proc tells which processes are its. */
	if (r == 0 && o.has_cg)
		r = cgroup_pids(&o.cg, &pids, &n, e);
	else if (r == 0)
		r = ns_list_pids(o.s.pid, &pids, &n, e);
	close_container(&o);
	if (r < 0)
		return -1;
	if (argc - first > 1) {
		if (json) {
			free(pids);
			return cell_err_set(e, EINVAL, "ps: --format json takes no ps options");
		}
		r = ps_filtered(argv + first + 1, argc - first - 1, pids, n, e);
		free(pids);
		return r;
	}
	if (json) {
		struct json_out out;

		jo_init(&out, 0);
		jo_arr_begin(&out);
		for (size_t i = 0; i < n; i++)
			jo_i64(&out, pids[i]);
		jo_arr_end(&out);
		free(pids);
		return cmd_print_json(&out, e);
	}
	printf("%-8s %-8s %s\n", "PID", "PPID", "CMD");
	for (size_t i = 0; i < n; i++)
		print_proc(pids[i]);
	free(pids);
	return fflush(stdout) == 0 ? 0 : cell_err_sys(e, "write");
}

/* ---- update ---- */

static const char update_usage[] =
	"Usage: cell update [OPTIONS] ID\n"
	"Change the resource limits of a running container.\n"
	"  -r, --resources FILE     linux.resources as JSON (- for stdin); flags override it\n"
	"      --memory BYTES       memory limit (suffixes k m g t; -1 for none)\n"
	"      --memory-reservation BYTES\n"
	"      --memory-swap BYTES  memory plus swap limit\n"
	"      --cpu-shares N       relative CPU weight\n"
	"      --cpu-quota US       CPU time per period (-1 for none)\n"
	"      --cpu-period US      period of the quota\n"
	"      --cpu-rt-runtime US  --cpu-rt-period US (cgroup v1)\n"
	"      --cpuset-cpus LIST   CPUs to run on, e.g. 0-2,4\n"
	"      --cpuset-mems LIST   memory nodes\n"
	"      --pids-limit N       process limit (-1 for none)\n"
	"      --blkio-weight N     I/O weight, 10 to 1000\n";

enum {
	UPD_MEMORY = 300, UPD_MEM_RES, UPD_MEM_SWAP, UPD_SHARES, UPD_QUOTA, UPD_PERIOD,
	UPD_RT_RUNTIME, UPD_RT_PERIOD, UPD_CPUS, UPD_MEMS, UPD_PIDS, UPD_BLKIO, UPD_KMEM,
};

struct update_opts {
	const char *file;
	struct oci_resources flags; /* what the flags set */
};

/* "512m", "1G", "-1": binary suffixes, as runc's --memory. */
static int parse_bytes(const char *flag, const char *s, int64_t *out, struct cell_err *e)
{
	char *end;
	long long v;
	int shift = 0;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end) {
		const char *u = strchr("kmgt", end[0] | 0x20);

		if (u == NULL || (end[1] && strcasecmp(end + 1, "b") && strcasecmp(end + 1, "ib")))
			goto bad;
		shift = 10 * (int)(u - "kmgt" + 1);
	}
	if (errno || end == s || (v < 0 && (v != -1 || shift)) || (shift && v > (INT64_MAX >> shift)))
		goto bad;
	*out = (int64_t)v << shift;
	return 0;
bad:
	return cell_err_set(e, EINVAL, "update: %s: `%s` is not a byte count", flag, s);
}

static int parse_i64(const char *flag, const char *s, int64_t min, struct oci_num *n,
		     struct cell_err *e)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < min)
		return cell_err_set(e, EINVAL, "update: %s: `%s` is not a number >= %lld", flag, s,
				    (long long)min);
	n->set = true;
	n->v = v;
	return 0;
}

static int update_bytes(const char *flag, const char *s, struct oci_num *n, struct cell_err *e)
{
	if (parse_bytes(flag, s, &n->v, e) < 0)
		return -1;
	n->set = true;
	return 0;
}

static int update_on_opt(void *ctx, int opt, const char *arg, struct cell_err *e)
{
	struct update_opts *u = ctx;
	struct oci_resources *r = &u->flags;

	switch (opt) {
	case 'r': u->file = arg; return 0;
	case UPD_MEMORY: r->has_memory = true; return update_bytes("--memory", arg, &r->memory.limit, e);
	case UPD_MEM_RES:
		r->has_memory = true;
		return update_bytes("--memory-reservation", arg, &r->memory.reservation, e);
	case UPD_MEM_SWAP: r->has_memory = true; return update_bytes("--memory-swap", arg, &r->memory.swap, e);
	case UPD_KMEM: r->has_memory = true; return update_bytes("--kernel-memory", arg, &r->memory.kernel, e);
	case UPD_SHARES: r->has_cpu = true; return parse_i64("--cpu-shares", arg, 0, &r->cpu.shares, e);
	case UPD_QUOTA: r->has_cpu = true; return parse_i64("--cpu-quota", arg, -1, &r->cpu.quota, e);
	case UPD_PERIOD: r->has_cpu = true; return parse_i64("--cpu-period", arg, 0, &r->cpu.period, e);
	case UPD_RT_RUNTIME:
		r->has_cpu = true;
		return parse_i64("--cpu-rt-runtime", arg, -1, &r->cpu.rt_runtime, e);
	case UPD_RT_PERIOD:
		r->has_cpu = true;
		return parse_i64("--cpu-rt-period", arg, 0, &r->cpu.rt_period, e);
	case UPD_CPUS: r->has_cpu = true; r->cpu.cpus = (char *)arg; return 0;
	case UPD_MEMS: r->has_cpu = true; r->cpu.mems = (char *)arg; return 0;
	case UPD_PIDS: r->has_pids = true; return parse_i64("--pids-limit", arg, INT64_MIN, &r->pids_limit, e);
	case UPD_BLKIO:
		r->has_blkio = true;
		if (parse_i64("--blkio-weight", arg, 10, &r->blkio.weight, e) < 0)
			return -1;
		if (r->blkio.weight.v > 1000)
			return cell_err_set(e, EINVAL, "update: --blkio-weight: `%s` is not between 10 and 1000", arg);
		return 0;
	}
	return cell_err_set(e, EINVAL, "unexpected flag");
}

static void merge_num(struct oci_num *dst, const struct oci_num *src)
{
	if (src->set)
		*dst = *src;
}

/* Flags win over the file, field by field. */
static void merge_flags(struct oci_resources *r, const struct oci_resources *f)
{
	r->present = true;
	r->has_memory |= f->has_memory;
	merge_num(&r->memory.limit, &f->memory.limit);
	merge_num(&r->memory.reservation, &f->memory.reservation);
	merge_num(&r->memory.swap, &f->memory.swap);
	merge_num(&r->memory.kernel, &f->memory.kernel);
	r->has_cpu |= f->has_cpu;
	merge_num(&r->cpu.shares, &f->cpu.shares);
	merge_num(&r->cpu.quota, &f->cpu.quota);
	merge_num(&r->cpu.period, &f->cpu.period);
	merge_num(&r->cpu.rt_runtime, &f->cpu.rt_runtime);
	merge_num(&r->cpu.rt_period, &f->cpu.rt_period);
	if (f->cpu.cpus)
		r->cpu.cpus = f->cpu.cpus;
	if (f->cpu.mems)
		r->cpu.mems = f->cpu.mems;
	r->has_pids |= f->has_pids;
	merge_num(&r->pids_limit, &f->pids_limit);
	r->has_blkio |= f->has_blkio;
	merge_num(&r->blkio.weight, &f->blkio.weight);
}

static struct oci_resources *read_resources(const char *file, struct cell_err *e)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;

	if (fs_read_file(AT_FDCWD, strcmp(file, "-") == 0 ? "/dev/stdin" : file, 1 << 20, &buf,
			 &len, e) < 0)
		return NULL;
	return oci_resources_parse(buf, len, file, e);
}

int cmd_update(struct cell_ctx *g, int argc, char **argv, struct cell_err *e)
{
	static const struct option lo[] = {
		{ "resources", required_argument, NULL, 'r' },
		{ "memory", required_argument, NULL, UPD_MEMORY },
		{ "memory-reservation", required_argument, NULL, UPD_MEM_RES },
		{ "memory-swap", required_argument, NULL, UPD_MEM_SWAP },
		{ "kernel-memory", required_argument, NULL, UPD_KMEM },
		{ "cpu-shares", required_argument, NULL, UPD_SHARES },
		{ "cpu-quota", required_argument, NULL, UPD_QUOTA },
		{ "cpu-period", required_argument, NULL, UPD_PERIOD },
		{ "cpu-rt-runtime", required_argument, NULL, UPD_RT_RUNTIME },
		{ "cpu-rt-period", required_argument, NULL, UPD_RT_PERIOD },
		{ "cpuset-cpus", required_argument, NULL, UPD_CPUS },
		{ "cpuset-mems", required_argument, NULL, UPD_MEMS },
		{ "pids-limit", required_argument, NULL, UPD_PIDS },
		{ "blkio-weight", required_argument, NULL, UPD_BLKIO },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct update_opts u = { 0 };
	struct cmd_parser p = { .name = "update", .usage = update_usage, .shortopts = "+r:h",
				.longopts = lo, .on_opt = update_on_opt, .ctx = &u,
				.min_args = 1, .max_args = 1 };
	struct oci_resources *r = NULL, flags_only;
	struct opened o;
	int first, rc;

	rc = cmd_parse(&p, argc, argv, &first, e);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (u.file != NULL && (r = read_resources(u.file, e)) == NULL)
		return -1;
	if (r == NULL) {
		memset(&flags_only, 0, sizeof flags_only);
		r = &flags_only;
	}
	merge_flags(r, &u.flags);
	rc = open_live(g, argv[first], "update", &o, e);
	if (rc == 0)
		rc = cgroup_apply(&o.cg, r, u.file ? u.file : "update", e);
	close_container(&o);
	if (r != &flags_only)
		oci_resources_free(r);
	return rc;
}
