/* `spec` and `features`: documents about what cell runs. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../oci/features.h"
#include "../oci/json.h"
#include "../oci/spec.h"
#include "../util/fs.h"
#include "cmd.h"

static const char spec_usage[] =
	"Usage: cell spec [-b|--bundle DIR] [--rootless] [--userns [auto]] [--map-from N]\n"
	"                 [--map-size N] [--net MODE]\n"
	"Write a default config.json (busybox-friendly: sh, no terminal, read-only\n"
	"root \"rootfs\", the usual namespaces, mounts, masked paths and capabilities).\n"
	"  -b, --bundle DIR   where to write it (default: current directory)\n"
	"      --rootless     for a user without privileges: a user namespace that\n"
	"                     maps your uid and gid to 0, and no cgroup resources;\n"
	"                     with --map-from, ids 1.. map to that range of your\n"
	"                     /etc/subuid and /etc/subgid (through newuidmap)\n"
	"      --userns       a user namespace mapping ids 0.. to host ids --map-from..\n"
	"                     (default 100000), --map-size of them (default 65536);\n"
	"                     `--userns auto`: a free range leased at create, freed\n"
	"                     at delete\n"
	"      --net MODE     none: lo only; host: the host's network; ns:PATH: join\n"
	"                     that namespace; bridge[:NAME]: a veth pair to bridge NAME\n"
	"                     (default cellbr0) with an address from its subnet\n";

struct spec_args {
	const char *bundle;
	struct oci_spec_opts opts;
	bool map_from_set, map_size_set;
};

/* --userns and its range; `auto` may also come as the lone argument
 * (`--userns auto`). */
static int check_userns(struct spec_args *a, int argc, char **argv, int first, struct cell_err *e)
{
	struct oci_spec_opts *o = &a->opts;

	if (first < argc) {
		if (!o->userns || first + 1 != argc || strcmp(argv[first], "auto") != 0)
			return cell_err_set(e, EINVAL, "spec: unexpected argument `%s`", argv[first]);
		o->map_auto = true;
	}
	if ((a->map_from_set || a->map_size_set) && !o->userns && !o->rootless)
		return cell_err_set(e, EINVAL, "spec: --map-from/--map-size need --userns or --rootless");
	if (o->rootless && o->userns)
		return cell_err_set(e, EINVAL, "spec: --rootless already makes a user namespace; give the "
				    "subuid range with --map-from/--map-size");
	if (o->rootless && (a->map_size_set != a->map_from_set || o->map_auto))
		return cell_err_set(e, EINVAL, "spec: --rootless: --map-from (not auto) and --map-size go together");
	if (!o->map_auto && !a->map_from_set)
		o->map_from = 100000;
	if (!a->map_size_set)
		o->map_size = 65536;
	if (!o->map_auto && (uint64_t)o->map_from + o->map_size > (1ULL << 32))
		return cell_err_set(e, EINVAL, "spec: --map-from %u + --map-size %u passes 2^32",
				    o->map_from, o->map_size);
	o->rootless_range = o->rootless && a->map_from_set;
	return 0;
}

enum { OPT_ROOTLESS = 256, OPT_NET, OPT_USERNS, OPT_MAP_FROM, OPT_MAP_SIZE };

static int parse_u32(const char *flag, const char *arg, uint64_t min, uint64_t max, uint32_t *out,
		     struct cell_err *e)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (arg[0] < '0' || arg[0] > '9' || *end != '\0' || errno != 0 || v < min || v > max)
		return cell_err_set(e, EINVAL, "spec: %s: `%s` is not a number from %llu to %llu", flag,
				    arg, (unsigned long long)min, (unsigned long long)max);
	*out = (uint32_t)v;
	return 0;
}

static int parse_net(const char *arg, struct oci_spec_opts *o, struct cell_err *e)
{
	if (strcmp(arg, "none") == 0) {
		o->net = OCI_SPEC_NET_NONE;
	} else if (strcmp(arg, "host") == 0) {
		o->net = OCI_SPEC_NET_HOST;
	} else if (strncmp(arg, "ns:", 3) == 0 && arg[3] == '/') {
		o->net = OCI_SPEC_NET_NS;
		o->net_arg = arg + 3;
	} else if (strcmp(arg, "bridge") == 0 || strncmp(arg, "bridge:", 7) == 0) {
		o->net = OCI_SPEC_NET_BRIDGE;
		o->net_arg = arg[6] == ':' ? arg + 7 : NULL;
		if (o->net_arg != NULL && (o->net_arg[0] == '\0' || strlen(o->net_arg) > 15))
			return cell_err_set(e, EINVAL, "spec: --net: bridge name `%s`: 1 to 15 bytes", o->net_arg);
	} else {
		return cell_err_set(e, EINVAL, "spec: --net: `%s` is not none, host, bridge[:NAME] or ns:/PATH", arg);
	}
	return 0;
}

static int spec_on_opt(void *ctx, int opt, const char *arg, struct cell_err *e)
{
	struct spec_args *a = ctx;

	if (opt == OPT_NET)
		return parse_net(arg, &a->opts, e);
	if (opt == OPT_USERNS) {
		a->opts.userns = true;
		if (arg != NULL && strcmp(arg, "auto") != 0)
			return cell_err_set(e, EINVAL, "spec: --userns: `%s` is not `auto`", arg);
		a->opts.map_auto = arg != NULL;
		return 0;
	}
	if (opt == OPT_MAP_FROM) {
		a->map_from_set = true;
		if (strcmp(arg, "auto") == 0) {
			a->opts.map_auto = true;
			return 0;
		}
		return parse_u32("--map-from", arg, 0, UINT32_MAX, &a->opts.map_from, e);
	}
	if (opt == OPT_MAP_SIZE) {
		a->map_size_set = true;
		return parse_u32("--map-size", arg, 1, UINT32_MAX, &a->opts.map_size, e);
	}
	if (opt == 'b') {
		a->bundle = arg;
	} else {
		a->opts.rootless = true;
		a->opts.uid = geteuid();
		a->opts.gid = getegid();
	}
	return 0;
}

int cmd_spec(struct cell_ctx *g, int argc, char **argv, struct cell_err *e)
{
	static const struct option lo[] = {
		{ "bundle", required_argument, NULL, 'b' }, { "rootless", no_argument, NULL, OPT_ROOTLESS },
		{ "net", required_argument, NULL, OPT_NET },
		{ "userns", optional_argument, NULL, OPT_USERNS },
		{ "map-from", required_argument, NULL, OPT_MAP_FROM },
		{ "map-size", required_argument, NULL, OPT_MAP_SIZE },
		{ "help", no_argument, NULL, 'h' }, { 0 },
	};
	struct spec_args a = { .bundle = "." };
	struct cmd_parser p = { .name = "spec", .usage = spec_usage, .shortopts = "+b:h",
				.longopts = lo, .on_opt = spec_on_opt, .ctx = &a, .max_args = 1 };
	const char *bundle;
	struct json_out o;
	int first, r, dfd;

	r = cmd_parse(&p, argc, argv, &first, e);
	if (r != 0)
		return r < 0 ? -1 : 0;
	if (check_userns(&a, argc, argv, first, e) < 0)
		return -1;
	if (a.opts.rootless && a.opts.net == OCI_SPEC_NET_BRIDGE)
		return cell_err_set(e, EINVAL, "spec: --net bridge needs privileges that --rootless has not");
	bundle = a.bundle;
	dfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return cell_err_sys(e, "spec: open bundle `%s`", bundle);
	if (faccessat(dfd, "config.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		close(dfd);
		return cell_err_set(e, EEXIST, "spec: `%s/config.json` exists; remove it first", bundle);
	}
	jo_init(&o, 1);
	r = 0;
	if (oci_spec_write(&o, &a.opts) < 0 || o.oom)
		r = cell_err_errno(e, ENOMEM, "spec: format config.json");
	if (r == 0)
		r = fs_write_atomic(dfd, "config.json", o.buf, o.len, 0644, e);
	jo_free(&o);
	close(dfd);
	return r;
}

static const char features_usage[] =
	"Usage: cell features\n"
	"Print the OCI features document: what this cell supports.\n";

int cmd_features(struct cell_ctx *g, int argc, char **argv, struct cell_err *e)
{
	struct cmd_parser p = { .name = "features", .usage = features_usage };
	struct json_out o;
	int first, r;

	r = cmd_parse(&p, argc, argv, &first, e);
	if (r != 0)
		return r < 0 ? -1 : 0;
	jo_init(&o, 1);
	oci_features_write(&o);
	return cmd_print_json(&o, e);
}
