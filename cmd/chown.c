/* `cell chown-rootfs BUNDLE|DIR [--map-from N --map-size M]`: shift the
 * owners of a root filesystem once to a container's maps, for kernels or
 * filesystems that cannot idmap it (see idmap/shift.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../idmap/shift.h"
#include "../oci/config.h"
#include "cmd.h"

static const char chown_usage[] =
	"Usage: cell chown-rootfs [--map-from N --map-size M] BUNDLE|DIR\n"
	"Shift the owners of a root filesystem once, so a user-namespaced\n"
	"container runs on it without idmapped mounts: every file's uid and gid\n"
	"(container ids) become the host ids of the map. Symlinks are not\n"
	"followed, other filesystems below are left alone, setuid/setgid bits,\n"
	"file capabilities and ACLs are kept right. Nothing changes when an id\n"
	"is outside the map (e.g. the tree was shifted already).\n"
	"  BUNDLE             a directory with config.json: its root.path, and its\n"
	"                     linux.uidMappings/gidMappings unless --map-from is given\n"
	"  DIR                any directory (needs --map-from and --map-size)\n"
	"      --map-from N   ids 0..M-1 map to N..N+M-1 (uid and gid)\n"
	"      --map-size M\n";

enum { OPT_MAP_FROM = 256, OPT_MAP_SIZE };

struct chown_args {
	uint32_t from, size;
	bool from_set, size_set;
};

static int parse_u32(const char *flag, const char *arg, uint64_t min, uint32_t *out,
		     struct cell_err *e)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (arg[0] < '0' || arg[0] > '9' || *end != '\0' || errno != 0 || v < min || v > UINT32_MAX)
		return cell_err_set(e, EINVAL, "chown-rootfs: %s: `%s` is not a number from %llu to %u",
				    flag, arg, (unsigned long long)min, UINT32_MAX);
	*out = (uint32_t)v;
	return 0;
}

static int chown_on_opt(void *ctx, int opt, const char *arg, struct cell_err *e)
{
	struct chown_args *a = ctx;

	if (opt == OPT_MAP_FROM) {
		a->from_set = true;
		return parse_u32("--map-from", arg, 0, &a->from, e);
	}
	a->size_set = true;
	return parse_u32("--map-size", arg, 1, &a->size, e);
}

/* The rootfs and maps of a bundle (maps left alone when flags gave them). */
static int from_bundle(const char *bundle, int bfd, bool have_maps, struct oci_config **cfg,
		       char **dir, struct idmap_maps *maps, struct cell_err *e)
{
	*cfg = oci_config_load(bfd, e);
	if (*cfg == NULL)
		return -1;
	if (!have_maps) {
		idmap_from_config(*cfg, maps);
		if (maps->n_uid == 0 || maps->n_gid == 0)
			return cell_err_set(e, EINVAL,
					    "%s/config.json: no linux.uidMappings/gidMappings; give --map-from and --map-size",
					    bundle);
		if (idmap_validate(*cfg, e) < 0)
			return -1;
	}
	if ((*cfg)->root_path[0] == '/')
		*dir = strdup((*cfg)->root_path);
	else if (asprintf(dir, "%s/%s", bundle, (*cfg)->root_path) < 0)
		*dir = NULL;
	if (*dir == NULL)
		return cell_err_errno(e, ENOMEM, "chown-rootfs");
	return 0;
}

int cmd_chown_rootfs(struct cell_ctx *g, int argc, char **argv, struct cell_err *e)
{
	static const struct option lo[] = {
		{ "map-from", required_argument, NULL, OPT_MAP_FROM },
		{ "map-size", required_argument, NULL, OPT_MAP_SIZE },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct chown_args a = { 0 };
	struct cmd_parser p = { .name = "chown-rootfs", .usage = chown_usage, .shortopts = "h",
				.longopts = lo, .on_opt = chown_on_opt, .ctx = &a,
				.min_args = 1, .max_args = 1 };
	struct oci_config *cfg = NULL;
	struct idmap_shift_stats st;
	struct oci_idmap one;
	struct idmap_maps maps = { 0 };
	char *dir = NULL;
	int first, r, bfd;

	r = cmd_parse(&p, argc, argv, &first, e);
	if (r != 0)
		return r < 0 ? -1 : 0;
	if (a.from_set != a.size_set)
		return cell_err_set(e, EINVAL, "chown-rootfs: --map-from and --map-size go together");
	if (a.from_set) {
		if ((uint64_t)a.from + a.size > (1ULL << 32))
			return cell_err_set(e, EINVAL, "chown-rootfs: --map-from %u + --map-size %u passes 2^32",
					    a.from, a.size);
		one = (struct oci_idmap){ 0, a.from, a.size };
		maps = (struct idmap_maps){ &one, 1, &one, 1 };
	}
	bfd = open(argv[first], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (bfd < 0)
		return cell_err_sys(e, "open `%s`", argv[first]);
	if (faccessat(bfd, "config.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		r = from_bundle(argv[first], bfd, a.from_set, &cfg, &dir, &maps, e);
	} else if (!a.from_set) {
		r = cell_err_set(e, EINVAL,
				 "chown-rootfs: `%s` has no config.json: give --map-from and --map-size",
				 argv[first]);
	} else {
		dir = strdup(argv[first]);
		r = dir != NULL ? 0 : cell_err_errno(e, ENOMEM, "chown-rootfs");
	}
	close(bfd);
	if (r == 0)
		r = idmap_shift_tree(dir, &maps, &st, e);
	if (r == 0) {
		printf("%s: %zu entries shifted", dir, st.entries);
		for (size_t i = 0; i < maps.n_uid; i++)
			printf("%s uid %u-%u -> %u-%u", i ? "," : ";", maps.uid[i].container_id,
			       maps.uid[i].container_id + (maps.uid[i].size - 1), maps.uid[i].host_id,
			       maps.uid[i].host_id + (maps.uid[i].size - 1));
		if (st.skipped_mounts > 0)
			printf("; %zu mount points of other filesystems left alone", st.skipped_mounts);
		printf("\n");
		if (fflush(stdout) != 0)
			r = cell_err_sys(e, "write stdout");
	}
	free(dir);
	oci_config_free(cfg);
	return r;
}
