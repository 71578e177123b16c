/* `spec` and `features`: documents about what cell runs. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "../oci/features.h"
#include "../oci/json.h"
#include "../oci/spec.h"
#include "../util/fs.h"
#include "cmd.h"

static const char spec_usage[] =
	"Usage: cell spec [-b|--bundle DIR] [--rootless] [--net MODE]\n"
	"Write a default config.json (busybox-friendly: sh, no terminal, read-only\n"
	"root \"rootfs\", the usual namespaces, mounts, masked paths and capabilities).\n"
	"  -b, --bundle DIR   where to write it (default: current directory)\n"
	"      --rootless     for a user without privileges: a user namespace that\n"
	"                     maps your uid and gid to 0, and no cgroup resources\n"
	"      --net MODE     none: lo only; host: the host's network; ns:PATH: join\n"
	"                     that namespace; bridge[:NAME]: a veth pair to bridge NAME\n"
	"                     (default cellbr0) with an address from its subnet\n";

struct spec_args {
	const char *bundle;
	struct oci_spec_opts opts;
};

enum { OPT_ROOTLESS = 256, OPT_NET };

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
		{ "help", no_argument, NULL, 'h' }, { 0 },
	};
	struct spec_args a = { .bundle = "." };
	struct cmd_parser p = { .name = "spec", .usage = spec_usage, .shortopts = "+b:h",
				.longopts = lo, .on_opt = spec_on_opt, .ctx = &a };
	const char *bundle;
	struct json_out o;
	int first, r, dfd;

	r = cmd_parse(&p, argc, argv, &first, e);
	if (r != 0)
		return r < 0 ? -1 : 0;
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
