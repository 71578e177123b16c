/* cell chown-rootfs: shift the owners of a tree once by a map (the
 * fallback where a filesystem cannot be idmapped). */
#ifndef CELL_SHIFT_H
#define CELL_SHIFT_H

#include <stddef.h>
#include <stdint.h>

#include "../util/err.h"
#include "idmap.h"

struct idmap_shift_stats {
	size_t entries;        /* files, directories, links... chowned */
	size_t skipped_mounts; /* other filesystems met and left alone */
};

/* Every entry of dir (dir included) gets owner map(uid):map(gid), by
 * lchown semantics (no symlink followed), on dir's filesystem only;
 * setuid/setgid bits, file capabilities (a v3 root id shifted too) and
 * the ids in POSIX ACLs are kept right. A first pass checks every id is
 * covered by the map: if not (or the tree was shifted already), nothing
 * is changed and e names the file. Hard links are shifted once. */
int idmap_shift_tree(const char *dir, const struct idmap_maps *maps, struct idmap_shift_stats *st,
		     struct cell_err *e);

/* Shift the ids inside one xattr value in place: security.capability v3
 * (root id, by the uid map) or a POSIX ACL (user and group entries).
 * Returns 1 when changed, 0 when there is nothing to shift, -1 when an
 * id is not covered (*bad set). */
int idmap_shift_xattr(const char *name, unsigned char *v, size_t len,
		      const struct idmap_maps *maps, uint32_t *bad);

#endif
