/* The default config.json printed by `cell spec` (like `runc spec`, tuned
 * for a busybox rootfs). */
#ifndef CELL_OCI_SPEC_H
#define CELL_OCI_SPEC_H

#include <stdbool.h>
#include <stdint.h>

#include "json.h"

/* The runtime-spec version cell writes and the newest one it accepts. */
#define OCI_SPEC_VERSION "1.2.0"

/* `cell spec --net`: how the container is networked (README, Networking). */
enum oci_spec_net {
	OCI_SPEC_NET_DEFAULT, /* a new network namespace, nothing said about it */
	OCI_SPEC_NET_NONE,    /* a new network namespace with lo only */
	OCI_SPEC_NET_HOST,    /* the host's network namespace */
	OCI_SPEC_NET_BRIDGE,  /* a veth pair to a bridge, address `auto` */
	OCI_SPEC_NET_NS,      /* join the network namespace at net_arg */
};

/* Zero-initialise and set what differs from the defaults; new options
 * (rootless, user namespace maps, network) are added as fields. */
struct oci_spec_opts {
	const char *rootfs;    /* root.path; NULL = "rootfs" */
	bool terminal;         /* process.terminal */
	char *const *args;     /* NULL-terminated process.args; NULL = {"sh"} */
	bool rootless;         /* user namespace mapping host uid/gid to 0, no resources */
	unsigned int uid;      /* with rootless: the caller's ids */
	unsigned int gid;
	bool userns;           /* a user namespace mapping 0.. to map_from.. (root) */
	bool map_auto;         /* with userns: a range leased at create (cell.idmap.size) */
	uint32_t map_from;     /* with userns: first host id of the range */
	uint32_t map_size;     /* with userns: ids mapped (from 0) */
	bool rootless_range;   /* with rootless: ids 1..map_size map to map_from.. */
	enum oci_spec_net net;
	const char *net_arg;   /* bridge name (NULL: cellbr0) or netns path */
};

/* Write the document into o (pretty or not as o was initialised; `cell
 * spec` uses jo_init(o, 1)). opts may be NULL. Returns 0, or -1 with errno
 * ENOMEM when o ran out of memory. */
int oci_spec_write(struct json_out *o, const struct oci_spec_opts *opts);

#endif
