/* Container networking over NETLINK_ROUTE (no ip binary, no libnl).
 * The description lives in config.json annotations `cell.net.*` (README,
 * "Networking"); what a container got is recorded in its state directory
 * (file `net`) so that delete can undo it. */
#ifndef CELL_NET_H
#define CELL_NET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../oci/config.h"
#include "../util/err.h"

/* Bring `lo` up in the current network namespace (a new netns starts with
 * it down; runc and crun bring it up too). */
int net_loopback_up(struct cell_err *e);

/* Check the cell.net.* annotations against each other and against
 * linux.namespaces, before anything is created. */
int net_validate(const struct oci_config *cfg, struct cell_err *e);

/* Parent side, while the init waits: for cell.net.type veth, the bridge
 * (made if missing), leases, the veth pair with the container end in the
 * init's network namespace, its addresses and default routes. rootfd is
 * --root (leases live in ROOT/.net), statefd the container's directory
 * (the record). On failure everything made is undone. */
int net_setup(const struct oci_config *cfg, const char *id, int rootfd, int statefd, pid_t pid,
	      int pidfd, struct cell_err *e);

/* Undo what the record in statefd lists (host link, leases, a bridge
 * cell made when asked to remove it with its last user) and remove the
 * record. Safe to call when nothing was set up, and more than once. */
int net_teardown(int rootfd, int statefd, const char *id, struct cell_err *e);

/* What `list` and `info` show: read from the record. */
struct net_summary {
	char link[16];   /* host end; "" when none */
	char bridge[16];
	char ipv4[64];   /* with prefix; "" when none */
	char ipv6[64];
};
/* 0 and s filled, or -1 when the container has no record. */
int net_summary_read(int statefd, struct net_summary *s);

/* Byte counters of a host link (as the host sees them). */
int net_link_bytes(const char *link, uint64_t *rx, uint64_t *tx, struct cell_err *e);

#endif
