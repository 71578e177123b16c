/* `info`: one container in lxc-info's readable shape. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../net/net.h"
#include "../oci/json.h"
#include "../state/state.h"
#include "../util/fs.h"
#include "console.h"
#include "opened.h"

static const char info_usage[] =
	"Usage: cell info [-H] [--format text|json] ID\n"
	"Show a container: Name, State, PID, uid and gid maps (with a user namespace),\n"
	"CPU, block I/O and memory use, pids, IP addresses, host link and its byte\n"
	"counters, and the console holder of a detached terminal (cell console).\n"
	"  -H, --no-humanize   byte counters as plain numbers\n"
	"  -f, --format FORMAT text (default) or json: one object with the same facts\n";

static void print_size(const char *label, uint64_t n, bool raw, bool sub);

/* Link counters are indented under "Link:", as in lxc-info. */
static void print_bytes(const char *label, uint64_t n, bool raw)
{
	print_size(label, n, raw, true);
}

static void print_size(const char *label, uint64_t n, bool raw, bool sub)
{
	static const char *const units[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	size_t u = 0;

	if (raw || n < 1024) {
		printf("%s%-*s %" PRIu64 "\n", sub ? " " : "", sub ? 14 : 15, label, n);
		return;
	}
	while (v >= 1024 && u + 1 < sizeof units / sizeof units[0]) {
		v /= 1024;
		u++;
	}
	printf("%s%-*s %.2f %s\n", sub ? " " : "", sub ? 14 : 15, label, v, units[u]);
}

static void print_net(const struct net_summary *ns, bool running, bool raw)
{
	struct cell_err ignored;
	uint64_t rx, tx;

	if (ns->ipv4[0])
		printf("%-15s %.*s\n", "IP:", (int)strcspn(ns->ipv4, "/"), ns->ipv4);
	if (ns->ipv6[0])
		printf("%-15s %.*s\n", "IP:", (int)strcspn(ns->ipv6, "/"), ns->ipv6);
	if (!ns->link[0] || !running)
		return;
	printf("%-15s %s\n", "Link:", ns->link);
	/* The link goes with the container's network namespace. */
	if (net_link_bytes(ns->link, &rx, &tx, &ignored) < 0)
		return;
	print_bytes("TX bytes:", tx, raw);
	print_bytes("RX bytes:", rx, raw);
	print_bytes("Total bytes:", rx + tx, raw);
}

/* The figures of the container's cgroup, block I/O summed over devices
 * into io; false when it has none (never made, or removed). */
static bool read_cgroup_stats(const struct state *s, struct cgroup_stats *st, uint64_t *io)
{
	struct cell_err ignored;
	struct cgroup cg;

	if (s->cgroups == NULL || cgroup_open(&cg, s->cgroups, &ignored) < 0)
		return false;
	cgroup_stats(&cg, st);
	cgroup_close(&cg);
	*io = 0;
	for (size_t i = 0; i < st->n_io; i++)
		*io += st->io[i].read_bytes + st->io[i].write_bytes;
	return true;
}

/* lxc-info's lines: CPU, block I/O and memory use, plus peak and pids. */
static void print_cgroups(const struct state *s, bool raw)
{
	struct cgroup_stats st;
	uint64_t io;

	if (!read_cgroup_stats(s, &st, &io))
		return;
	if (st.has_cpu)
		printf("%-15s %.2f seconds\n", "CPU use:", (double)st.cpu_total_ns / 1e9);
	if (st.has_io)
		print_size("BlkIO use:", io, raw, false);
	if (st.has_memory) {
		print_size("Memory use:", st.mem_usage, raw, false);
		if (st.mem_max_usage)
			print_size("Memory peak:", st.mem_max_usage, raw, false);
	}
	if (st.has_pids) {
		if (st.pids_limit == UINT64_MAX)
			printf("%-15s %" PRIu64 "\n", "Pids:", st.pids_current);
		else
			printf("%-15s %" PRIu64 " (limit %" PRIu64 ")\n", "Pids:", st.pids_current, st.pids_limit);
	}
}

/* The init's id maps as the kernel has them, when it has its own user
 * namespace: one line per range, "container host size". */
static bool own_userns(pid_t pid)
{
	char path[64], ours[64], theirs[64];
	ssize_t n;

	snprintf(path, sizeof path, "/proc/%d/ns/user", (int)pid);
	n = readlink(path, theirs, sizeof theirs - 1);
	if (n < 0)
		return false;
	theirs[n] = '\0';
	n = readlink("/proc/self/ns/user", ours, sizeof ours - 1);
	return !(n >= 0 && (ours[n] = '\0', strcmp(ours, theirs) == 0));
}

static const char *const idmap_files[] = { "uid_map", "gid_map" };

/* Calls fn for each "container host size" range of FILE; -1 when unreadable. */
typedef void idmap_fn(void *arg, unsigned long container, unsigned long host, unsigned long size);

static int each_idmap(pid_t pid, const char *file, idmap_fn *fn, void *arg)
{
	char path[64], *buf = NULL, *line, *save = NULL;
	struct cell_err ignored;
	size_t len;

	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
	if (fs_read_file(AT_FDCWD, path, 65536, &buf, &len, &ignored) < 0)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long c, h, sz;

		if (sscanf(line, "%lu %lu %lu", &c, &h, &sz) == 3)
			fn(arg, c, h, sz);
	}
	free(buf);
	return 0;
}

static void print_idmap_line(void *label, unsigned long c, unsigned long h, unsigned long sz)
{
	printf("%-15s %lu %lu %lu\n", (const char *)label, c, h, sz);
}

static void print_idmaps(pid_t pid)
{
	static const char *const labels[] = { "UID map:", "GID map:" };

	if (!own_userns(pid))
		return;
	for (size_t f = 0; f < 2; f++)
		each_idmap(pid, idmap_files[f], print_idmap_line, (void *)labels[f]);
}

/* The console holder, while one runs (run -d / create of a terminal). */
static void print_console(struct cell_ctx *g, int dirfd, const char *id)
{
	pid_t pid = console_holder_pid(dirfd);

	if (pid == 0)
		return;
	printf("%-15s %d\n", "Console PID:", (int)pid);
	printf("%-15s %s/%s/%s\n", "Console:", g->root, id, CONSOLE_SOCK);
}

/* --format json: the facts above as one object; what is unknown is left out. */
static void json_idmap_range(void *o, unsigned long c, unsigned long h, unsigned long sz)
{
	jo_obj_begin(o);
	jo_ku64(o, "containerID", c);
	jo_ku64(o, "hostID", h);
	jo_ku64(o, "size", sz);
	jo_obj_end(o);
}

static void json_idmaps(struct json_out *o, pid_t pid)
{
	static const char *const keys[] = { "uid_map", "gid_map" };

	if (!own_userns(pid))
		return;
	for (size_t f = 0; f < 2; f++) {
		struct json_out a;

		jo_init(&a, 0);
		jo_arr_begin(&a);
		if (each_idmap(pid, idmap_files[f], json_idmap_range, &a) == 0) {
			jo_arr_end(&a);
			jo_key(o, keys[f]);
			if (a.oom)
				o->oom = true;
			else
				jo_raw(o, a.buf, a.len);
		}
		jo_free(&a);
	}
}

static void json_cgroups(struct json_out *o, const struct state *s)
{
	struct cgroup_stats st;
	uint64_t io;

	if (!read_cgroup_stats(s, &st, &io))
		return;
	if (st.has_cpu)
		jo_ku64(o, "cpu_use_ns", st.cpu_total_ns);
	if (st.has_io)
		jo_ku64(o, "blkio_bytes", io);
	if (st.has_memory) {
		jo_ku64(o, "memory_use_bytes", st.mem_usage);
		if (st.mem_max_usage)
			jo_ku64(o, "memory_peak_bytes", st.mem_max_usage);
	}
	if (st.has_pids) {
		jo_ku64(o, "pids", st.pids_current);
		if (st.pids_limit != UINT64_MAX)
			jo_ku64(o, "pids_limit", st.pids_limit);
	}
}

static void json_ip(struct json_out *o, const char *ip)
{
	char buf[64];

	snprintf(buf, sizeof buf, "%.*s", (int)strcspn(ip, "/"), ip);
	jo_str(o, buf);
}

static void json_net(struct json_out *o, const struct net_summary *ns, bool running)
{
	struct cell_err ignored;
	uint64_t rx, tx;

	if (ns->ipv4[0] || ns->ipv6[0]) {
		jo_key(o, "ips");
		jo_arr_begin(o);
		if (ns->ipv4[0])
			json_ip(o, ns->ipv4);
		if (ns->ipv6[0])
			json_ip(o, ns->ipv6);
		jo_arr_end(o);
	}
	if (!ns->link[0] || !running)
		return;
	jo_kstr(o, "link", ns->link);
	if (net_link_bytes(ns->link, &rx, &tx, &ignored) < 0)
		return;
	jo_ku64(o, "tx_bytes", tx);
	jo_ku64(o, "rx_bytes", rx);
}

static int info_json(struct cell_ctx *g, int dirfd, const struct state *s, enum state_status st,
		     struct cell_err *e)
{
	struct net_summary ns;
	struct json_out o;
	pid_t holder;

	jo_init(&o, 1);
	jo_obj_begin(&o);
	jo_kstr(&o, "id", s->id);
	jo_kstr(&o, "state", state_status_name(st));
	if (st != STATUS_STOPPED) {
		jo_ki64(&o, "pid", s->pid);
		json_idmaps(&o, s->pid);
		json_cgroups(&o, s);
	}
	if (s->bundle)
		jo_kstr(&o, "bundle", s->bundle);
	if (s->created)
		jo_kstr(&o, "created", s->created);
	if (net_summary_read(dirfd, &ns) == 0)
		json_net(&o, &ns, st != STATUS_STOPPED);
	holder = console_holder_pid(dirfd);
	if (holder != 0) {
		char sock[4096];

		jo_ki64(&o, "console_pid", holder);
		snprintf(sock, sizeof sock, "%s/%s/%s", g->root, s->id, CONSOLE_SOCK);
		jo_kstr(&o, "console_socket", sock);
	}
	jo_obj_end(&o);
	return cmd_print_json(&o, e);
}

struct info_opts {
	bool raw;
	bool json;
};

static int info_on_opt(void *ctx, int opt, const char *arg, struct cell_err *e)
{
	struct info_opts *io = ctx;

	if (opt == 'H')
		io->raw = true;
	else if (strcmp(arg, "json") == 0)
		io->json = true;
	else if (strcmp(arg, "text") == 0)
		io->json = false;
	else
		return cell_err_set(e, EINVAL, "info: --format: `%s` is not text or json", arg);
	return 0;
}

int cmd_info(struct cell_ctx *g, int argc, char **argv, struct cell_err *e)
{
	static const struct option lo[] = {
		{ "no-humanize", no_argument, NULL, 'H' }, { "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' }, { 0 },
	};
	struct info_opts io = { 0 };
	bool raw;
	struct cmd_parser p = { .name = "info", .usage = info_usage, .shortopts = "+Hf:h",
				.longopts = lo, .on_opt = info_on_opt, .ctx = &io,
				.min_args = 1, .max_args = 1 };
	struct net_summary ns;
	enum state_status st;
	char status[16];
	struct state s;
	int first, r, dirfd;

	r = cmd_parse(&p, argc, argv, &first, e);
	if (r != 0)
		return r < 0 ? -1 : 0;
	dirfd = read_container(g, argv[first], &s, e);
	if (dirfd < 0)
		return -1;
	raw = io.raw;
	st = container_status(dirfd, &s, NULL, NULL);
	if (io.json) {
		r = info_json(g, dirfd, &s, st, e);
		state_free(&s);
		close(dirfd);
		return r;
	}
	snprintf(status, sizeof status, "%s", state_status_name(st));
	for (char *c = status; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	printf("%-15s %s\n", "Name:", s.id);
	printf("%-15s %s\n", "State:", status);
	if (st != STATUS_STOPPED)
		printf("%-15s %d\n", "PID:", (int)s.pid);
	if (st != STATUS_STOPPED) {
		print_idmaps(s.pid);
		print_cgroups(&s, raw);
	}
	if (net_summary_read(dirfd, &ns) == 0)
		print_net(&ns, st != STATUS_STOPPED, raw);
	print_console(g, dirfd, s.id);
	state_free(&s);
	close(dirfd);
	return 0;
}
