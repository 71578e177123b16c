/* `state` and `list`: read-only views of containers. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../net/net.h"
#include "../oci/json.h"
#include "../state/state.h"
#include "opened.h"

static void write_state(struct json_out *o, const struct state *s, enum state_status st)
{
	state_json(o, s, st);
}

static const char state_usage[] =
	"Usage: cell state ID\n"
	"Print the OCI state of a container as JSON.\n";

int cmd_state(struct cell_ctx *g, int argc, char **argv, struct cell_err *e)
{
	struct cmd_parser p = { .name = "state", .usage = state_usage, .min_args = 1, .max_args = 1 };
	struct json_out o;
	struct state s;
	int first, r, dirfd;

	r = cmd_parse(&p, argc, argv, &first, e);
	if (r != 0)
		return r < 0 ? -1 : 0;
	dirfd = read_container(g, argv[first], &s, e);
	if (dirfd < 0)
		return -1;
	jo_init(&o, 1);
	write_state(&o, &s, container_status(dirfd, &s, NULL, NULL));
	state_free(&s);
	close(dirfd);
	return cmd_print_json(&o, e);
}

struct list_opts {
	bool json;
	bool quiet;
};

static int list_on_opt(void *ctx, int opt, const char *arg, struct cell_err *e)
{
	struct list_opts *lo = ctx;

	if (opt == 'q')
		lo->quiet = true;
	else if (strcmp(arg, "json") == 0)
		lo->json = true;
	else if (strcmp(arg, "table") != 0)
		return cell_err_set(e, EINVAL, "list: --format: `%s` is not table or json", arg);
	return 0;
}

struct list_row {
	struct state s;
	enum state_status st;
	char ip[64]; /* from net/'s record; "" when none */
};

/* The container's addresses, without prefixes, comma-separated. */
static void row_ip(int dirfd, struct list_row *row)
{
	struct net_summary ns;

	row->ip[0] = '\0';
	if (net_summary_read(dirfd, &ns) < 0)
		return;
	snprintf(row->ip, sizeof row->ip, "%.*s%s%.*s", (int)strcspn(ns.ipv4, "/"), ns.ipv4,
		 ns.ipv4[0] && ns.ipv6[0] ? "," : "", (int)strcspn(ns.ipv6, "/"), ns.ipv6);
}

static int cmp_rows(const void *a, const void *b)
{
	return strcmp(((const struct list_row *)a)->s.id, ((const struct list_row *)b)->s.id);
}

/* state.json is replaced by rename, so it is read without the lock: a
 * container being created (locked) is simply not listed yet. */
static size_t collect(int rootfd, struct list_row **rows)
{
	DIR *d = fdopendir(dup(rootfd));
	struct dirent *de;
	size_t n = 0, cap = 0;

	*rows = NULL;
	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		struct cell_err ignored;
		struct list_row row;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		fd = openat(rootfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			continue;
		if (state_read(fd, &row.s, &ignored) == 0) {
			row.st = container_status(fd, &row.s, NULL, NULL);
			row_ip(fd, &row);
			if (n == cap) {
				struct list_row *nr = realloc(*rows, (cap = cap ? cap * 2 : 16) * sizeof *nr);

				if (nr == NULL) {
					state_free(&row.s);
					close(fd);
					break;
				}
				*rows = nr;
			}
			(*rows)[n++] = row;
		}
		close(fd);
	}
	closedir(d);
	qsort(*rows, n, sizeof **rows, cmp_rows);
	return n;
}

static void print_table(const struct list_row *rows, size_t n)
{
	const int wst = 7; /* "created", "running", "stopped" */
	int wid = 4, wip = 2;

	for (size_t i = 0; i < n; i++) {
		int l = (int)strlen(rows[i].s.id), lip = (int)strlen(rows[i].ip);

		wid = l > wid ? l : wid;
		wip = lip > wip ? lip : wip;
	}
	printf("%-*s  %-*s  %-7s  %-*s  %-19s  %s\n", wid, "NAME", wst, "STATE", "PID", wip, "IP",
	       "CREATED", "BUNDLE");
	for (size_t i = 0; i < n; i++) {
		const struct state *s = &rows[i].s;
		char created[20] = "-";

		if (s->created != NULL)
			snprintf(created, sizeof created, "%.10s %.8s", s->created, s->created + 11);
		printf("%-*s  %-*s  %-7d  %-*s  %-19s  %s\n", wid, s->id, wst, state_status_name(rows[i].st),
		       rows[i].st == STATUS_STOPPED ? 0 : (int)s->pid, wip, rows[i].ip, created,
		       s->bundle ? s->bundle : "-");
	}
}

static const char list_usage[] =
	"Usage: cell list [-q] [-f|--format table|json]\n"
	"List containers: NAME STATE PID IP CREATED BUNDLE.\n"
	"  -q, --quiet   only the IDs\n";

int cmd_list(struct cell_ctx *g, int argc, char **argv, struct cell_err *e)
{
	static const struct option lopts[] = {
		{ "format", required_argument, NULL, 'f' }, { "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' }, { 0 },
	};
	struct list_opts lo = { 0 };
	struct cmd_parser p = { .name = "list", .usage = list_usage, .shortopts = "+f:qh",
				.longopts = lopts, .on_opt = list_on_opt, .ctx = &lo };
	struct list_row *rows = NULL;
	int first, r, rootfd;
	size_t n = 0;

	r = cmd_parse(&p, argc, argv, &first, e);
	if (r != 0)
		return r < 0 ? -1 : 0;
	rootfd = cmd_open_root(g, false, e);
	if (rootfd >= 0) {
		n = collect(rootfd, &rows);
		close(rootfd);
	} else if (e->errnum != ENOENT) {
		return -1;
	}
	r = 0;
	if (lo.json) {
		struct json_out o;

		jo_init(&o, 0);
		jo_arr_begin(&o);
		for (size_t i = 0; i < n; i++)
			write_state(&o, &rows[i].s, rows[i].st);
		jo_arr_end(&o);
		r = cmd_print_json(&o, e);
	} else if (lo.quiet) {
		for (size_t i = 0; i < n; i++)
			puts(rows[i].s.id);
	} else {
		print_table(rows, n);
	}
	for (size_t i = 0; i < n; i++)
		state_free(&rows[i].s);
	free(rows);
	return r;
}
