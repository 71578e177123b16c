/* uid/gid maps of user-namespaced containers. */
#ifndef CELL_IDMAP_H
#define CELL_IDMAP_H

#include <sys/types.h>

#include "../oci/config.h"
#include "../util/err.h"

/* The kernel accepts at most this many lines per map (since 4.15). */
#define IDMAP_MAX_LINES 340

/* Check linux.uidMappings / gidMappings before anything is created:
 * sizes, overflow past 2^32, overlaps on either side, line count. */
int idmap_validate(const struct oci_config *cfg, struct cell_err *e);

/* Write /proc/PID/uid_map and gid_map from the config (the parent, as
 * root in the parent namespace, between the start stages). */
int idmap_write(pid_t pid, const struct oci_config *cfg, struct cell_err *e);

#endif
