/* `cell seccomp-dump [CONFIG]`: compile linux.seccomp of a config.json
 * (default ./config.json) and print the BPF program readably. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>

#include "../oci/config.h"
#include "../seccomp/seccomp.h"
#include "../util/fs.h"
#include "cmd.h"

static const char dump_usage[] =
	"usage: cell seccomp-dump [CONFIG]\n"
	"Compile linux.seccomp of CONFIG (default ./config.json) as create would\n"
	"and print the BPF program, one instruction a line.\n";

int cmd_seccomp_dump(struct cell_ctx *g, int argc, char **argv, struct cell_err *e)
{
	struct cmd_parser p = { .name = "seccomp-dump", .usage = dump_usage, .max_args = 1 };
	struct seccomp_prog *prog = NULL;
	struct oci_config *cfg;
	const char *path = "config.json";
	char *buf = NULL;
	size_t len = 0;
	int first, r;

	r = cmd_parse(&p, argc, argv, &first, e);
	if (r != 0)
		return r < 0 ? -1 : 0;
	if (first < argc)
		path = argv[first];
	if (fs_read_file(AT_FDCWD, path, OCI_CONFIG_MAX_SIZE, &buf, &len, e) < 0)
		return -1;
	cfg = oci_config_parse(buf, len, path, e);
	free(buf);
	if (cfg == NULL)
		return -1;
	r = seccomp_prepare(cfg, &prog, e);
	if (r == 0 && prog == NULL)
		r = cell_err_set(e, 0, "%s: no linux.seccomp", path);
	if (r == 0) {
		seccomp_dump(prog, stdout);
		if (fflush(stdout) != 0)
			r = cell_err_sys(e, "write stdout");
	}
	seccomp_free(prog);
	oci_config_free(cfg);
	return r;
}
