/* `info`: one container in lxc-info's readable shape. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../net/net.h"
#include "../state/state.h"
#include "cmd.h"

static const char info_usage[] =
	"Usage: cell info [-H] ID\n"
	"Show a container: Name, State, PID, IP addresses, host link and its byte counters.\n"
	"  -H, --no-humanize   byte counters as plain numbers\n";

static void print_bytes(const char *label, uint64_t n, bool raw)
{
	static const char *const units[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	size_t u = 0;

	if (raw || n < 1024) {
		printf(" %-14s %" PRIu64 "\n", label, n);
		return;
	}
	while (v >= 1024 && u + 1 < sizeof units / sizeof units[0]) {
		v /= 1024;
		u++;
	}
	printf(" %-14s %.2f %s\n", label, v, units[u]);
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

static int info_on_opt(void *ctx, int opt, const char *arg, struct cell_err *e)
{
	*(bool *)ctx = true;
	return 0;
}

int cmd_info(struct cell_ctx *g, int argc, char **argv, struct cell_err *e)
{
	static const struct option lo[] = {
		{ "no-humanize", no_argument, NULL, 'H' }, { "help", no_argument, NULL, 'h' }, { 0 },
	};
	bool raw = false;
	struct cmd_parser p = { .name = "info", .usage = info_usage, .shortopts = "+Hh",
				.longopts = lo, .on_opt = info_on_opt, .ctx = &raw,
				.min_args = 1, .max_args = 1 };
	struct net_summary ns;
	enum state_status st;
	char status[16];
	struct state s;
	int first, r, rootfd, dirfd;

	r = cmd_parse(&p, argc, argv, &first, e);
	if (r != 0)
		return r < 0 ? -1 : 0;
	rootfd = cmd_open_root(g, false, e);
	if (rootfd < 0)
		return cell_err_set(e, ENOENT, "container `%s` does not exist", argv[first]);
	dirfd = state_open(rootfd, argv[first], false, e);
	close(rootfd);
	if (dirfd < 0)
		return -1;
	if (state_read(dirfd, &s, e) < 0) {
		close(dirfd);
		return -1;
	}
	st = state_status(dirfd, &s, NULL);
	snprintf(status, sizeof status, "%s", state_status_name(st));
	for (char *c = status; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	printf("%-15s %s\n", "Name:", s.id);
	printf("%-15s %s\n", "State:", status);
	if (st != STATUS_STOPPED)
		printf("%-15s %d\n", "PID:", (int)s.pid);
	if (net_summary_read(dirfd, &ns) == 0)
		print_net(&ns, st != STATUS_STOPPED, raw);
	state_free(&s);
	close(dirfd);
	return 0;
}
