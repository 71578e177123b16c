/* uid/gid maps of user-namespaced containers: validation, writing them for
 * the init (directly, or through newuidmap/newgidmap when rootless), and
 * the id arithmetic the rest of idmap/ shares. */
#ifndef CELL_IDMAP_H
#define CELL_IDMAP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../oci/config.h"
#include "../util/err.h"

/* The kernel accepts at most this many lines per map (since 4.15). */
#define IDMAP_MAX_LINES 340

/* The maps a container's user namespace gets: the config's, or a range
 * leased for it (`auto`). Points into the config or into idmap/'s own
 * storage; never freed by the user. */
struct idmap_maps {
	const struct oci_idmap *uid;
	size_t n_uid;
	const struct oci_idmap *gid;
	size_t n_gid;
};

/* Check one map: sizes > 0, no range past 2^32, no overlap on either
 * side, at most IDMAP_MAX_LINES lines. `field` names it in errors
 * ("linux.uidMappings" -> "config.json: linux.uidMappings[1].size: ..."). */
int idmap_validate_map(const struct oci_idmap *m, size_t n, const char *field,
		       struct cell_err *e);

/* linux.uidMappings/gidMappings and every mounts[i].uidMappings/gidMappings,
 * before anything is created. */
int idmap_validate(const struct oci_config *cfg, struct cell_err *e);

/* The maps from the config. */
void idmap_from_config(const struct oci_config *cfg, struct idmap_maps *out);

/* Map a container id to the host (false: not mapped). */
bool idmap_to_host(const struct oci_idmap *m, size_t n, uint32_t id, uint32_t *host);
/* And back: a host id to the container's id (false: not mapped). */
bool idmap_to_container(const struct oci_idmap *m, size_t n, uint32_t host, uint32_t *id);

/* Format a map as the kernel's uid_map text ("0 100000 65536\n" per line)
 * into buf; returns the length, or -1 when it does not fit. */
int idmap_format(const struct oci_idmap *m, size_t n, char *buf, size_t cap);

/* Write /proc/PID/uid_map and gid_map (the parent, between the start
 * stages, before the init does anything as root in its namespace). */
int idmap_write(pid_t pid, const struct idmap_maps *maps, struct cell_err *e);

#endif
