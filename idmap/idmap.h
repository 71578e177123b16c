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

/* Write one map file (uid_map, gid_map) of /proc/PID, open as procfd. */
int idmap_write_file(int procfd, pid_t pid, const char *file, const struct oci_idmap *m, size_t n,
		     struct cell_err *e);

/* --- Subordinate ids (subid.c) and rootless maps (rootless.c) --- */

#define IDMAP_SUBUID "/etc/subuid"
#define IDMAP_SUBGID "/etc/subgid"
#define IDMAP_MAX_RANGES 64

struct idmap_range {
	uint32_t start;
	uint32_t count;
};

/* What one of /etc/subuid, /etc/subgid delegates to a user. */
struct idmap_deleg {
	const char *file; /* for errors */
	const char *user;
	uint32_t self;    /* the caller's own uid (or gid): always mappable alone */
	struct idmap_range ranges[IDMAP_MAX_RANGES];
	size_t n_ranges;
};

/* The ranges of `user` (named, or by its uid as a number) in a subuid or
 * subgid text; malformed lines and comments are skipped as newuidmap
 * does. Returns how many there are; at most cap are stored. user NULL:
 * every range of every owner but root (and uid). */
size_t idmap_subid_parse(const char *text, const char *user, uint32_t uid, struct idmap_range *out,
			 size_t cap);

/* Is every id of [start, start+count) in one of the ranges? */
bool idmap_ranges_cover(const struct idmap_range *r, size_t n, uint32_t start, uint32_t count);

/* Read `file` (missing = nothing delegated) for user (uid: its number). */
int idmap_subid_load(const char *file, const char *user, uint32_t uid, uint32_t self,
		     struct idmap_deleg *d, struct cell_err *e);

/* Each line of the map is the caller's own id alone or inside d's ranges;
 * else "config.json: FIELD[i]: host ids A-B not delegated to user U in FILE". */
int idmap_check_delegated(const struct oci_idmap *m, size_t n, const struct idmap_deleg *d,
			  const char *field, struct cell_err *e);

/* One line mapping exactly `self`: written without newuidmap. */
bool idmap_is_own_id(const struct oci_idmap *m, size_t n, uint32_t self);

/* What a caller without privileges may ask for: a user namespace, maps
 * delegated to him, no `auto` range, no veth. Called by idmap_validate. */
int idmap_rootless_validate(const struct oci_config *cfg, struct cell_err *e);

/* idmap_write for a caller without privileges. */
int idmap_write_rootless(int procfd, pid_t pid, const struct idmap_maps *maps,
			 struct cell_err *e);

/* --- `auto` ranges (lease.c) --- */

#define IDMAP_AUTO_KEY "cell.idmap.size"

/* The size of the range asked for by annotation cell.idmap.size, or 0
 * (a bad value counts as asked for: idmap_validate refuses it). */
uint32_t idmap_auto_size(const struct oci_config *cfg);

/* The host-wide lease directory (flock'ed while ranges are chosen). */
#define IDMAP_LEASE_DIR "/run/cell.idmap"
/* The pool when root has no /etc/subuid entry: [start, start+count). */
#define IDMAP_POOL_START 1000000u
#define IDMAP_POOL_COUNT (2147483648u - IDMAP_POOL_START)

/* The lowest start s in one of the pool ranges (in their order) with
 * [s, s+size) inside that range and clear of every busy range; false if
 * none is left. */
bool idmap_first_fit(const struct idmap_range *pool, size_t n_pool, const struct idmap_range *busy,
		     size_t n_busy, uint32_t size, uint32_t *start);

/* The maps of the container being created (ROOT/ID open as statefd,
 * --root as rootfd): the config's, or for `auto` a range leased under the
 * lock of IDMAP_LEASE_DIR and recorded both there and in ROOT/ID/idmap
 * (a lease whose record is gone is reclaimed by the next allocation). */
int idmap_lease(const struct oci_config *cfg, int rootfd, int statefd, const char *id,
		struct idmap_maps *out, struct cell_err *e);

/* The cell.idmap.* annotations: a valid size, a new user namespace, no
 * maps of the config's own. Called by idmap_validate. */
int idmap_validate_auto(const struct oci_config *cfg, struct cell_err *e);

/* Give back the lease recorded in ROOT/ID (none: nothing to do). */
int idmap_release(int statefd, struct cell_err *e);

#endif
