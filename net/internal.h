/* What the files of net/ share: link, address and route operations over a
 * NETLINK_ROUTE socket, the parsed network description, leases. */
#ifndef CELL_NET_INTERNAL_H
#define CELL_NET_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../oci/config.h"
#include "nl.h"

#define NET_IFNAMSIZ 16
#define NET_HOST_PREFIX "cell-"

/* An address with its prefix length; family AF_INET or AF_INET6. */
struct net_addr {
	int family;
	unsigned char a[16];
	int prefix;
};

/* ------------------------------------------------------------ links */

struct net_veth {
	const char *host;        /* host end */
	int master;              /* bridge ifindex, 0 for none */
	uint32_t mtu;            /* both ends; 0 = kernel default */
	const char *peer;        /* container end, made directly in... */
	pid_t peer_pid;          /* ...this process's network namespace */
	const unsigned char *peer_mac; /* 6 bytes or NULL */
};

/* One request: the pair, the host end attached and up, the peer in its
 * namespace, named, addressed and up. */
int net_link_veth_create(struct nl_sock *s, const struct net_veth *v, struct cell_err *e);
int net_link_bridge_create(struct nl_sock *s, const char *name, struct cell_err *e);
int net_link_del(struct nl_sock *s, const char *name, struct cell_err *e);

/* Index of the link `name`; -1 with e->errnum ENODEV when there is none. */
int net_link_index(struct nl_sock *s, const char *name, struct cell_err *e);

/* Changes to an existing link (RTM_NEWLINK without CREATE); fields left
 * zero / NULL / -1 are not touched. */
struct net_link_change {
	int index;
	const char *name;     /* for error messages */
	const char *new_name; /* rename */
	uint32_t mtu;
	const unsigned char *mac;
	int master;           /* -1 untouched, 0 detach, else bridge index */
	int ns_fd;            /* move to this netns (fd), -1 untouched */
	pid_t ns_pid;         /* or to that of this process, 0 untouched */
	int up;               /* -1 untouched, 0 down, 1 up */
};
int net_link_change(struct nl_sock *s, const struct net_link_change *c, struct cell_err *e);

struct net_link_info {
	int index;
	uint32_t mtu;
	unsigned char mac[6];
	uint64_t rx_bytes, tx_bytes;
	bool up;
};
int net_link_get(struct nl_sock *s, const char *name, struct net_link_info *out, struct cell_err *e);

/* -------------------------------------------------- addresses, routes */

/* Add (or with replace, set again) an address on a link. */
int net_addr_add(struct nl_sock *s, int index, const char *ifname, const struct net_addr *a,
		 bool replace, struct cell_err *e);

/* Default route of a's family via gw on the link. */
int net_route_default(struct nl_sock *s, int index, const char *ifname, const struct net_addr *gw,
		      struct cell_err *e);

/* Global addresses of the link (index 0: every link but lo), at most n. */
int net_addr_list(struct nl_sock *s, int index, struct net_addr *out, int n, struct cell_err *e);

/* ------------------------------------------------- the description */

enum net_type { NET_UNSET, NET_NONE, NET_HOST, NET_NS, NET_VETH };
enum net_addr_mode { NET_ADDR_NONE, NET_ADDR_AUTO, NET_ADDR_GIVEN };

struct net_conf {
	enum net_type type;
	char bridge[NET_IFNAMSIZ];
	char ifname[NET_IFNAMSIZ];
	struct net_addr gw4, gw6; /* the bridge's addresses: gateway + subnet */
	enum net_addr_mode mode4, mode6;
	struct net_addr ip4, ip6;
	uint32_t mtu;             /* 0: the kernel's default */
	bool has_mac;
	unsigned char mac[6];
	bool bridge_remove;       /* delete the bridge with its last user, if cell made it */
};

/* Decode the cell.net.* annotations (see README, Networking). Errors name
 * the annotation: "config.json: annotations[cell.net.mtu]: ...". */
int net_conf_parse(const struct oci_kv *kv, size_t n, struct net_conf *c, struct cell_err *e);

/* "10.0.0.2/24", "fd00::2/64"; a missing prefix is an error. */
int net_addr_parse(const char *s, struct net_addr *a);
/* Back to text, with "/prefix" when with_prefix. */
void net_addr_format(const struct net_addr *a, bool with_prefix, char *buf, size_t cap);
bool net_addr_same_subnet(const struct net_addr *a, const struct net_addr *b, int prefix);
/* The address at `offset` from the start of a's subnet (a->prefix); -1
 * when offset is outside it. */
int net_addr_nth(const struct net_addr *a, uint64_t offset, struct net_addr *out);
/* a's offset inside its subnet, and the subnet's size capped at 2^32. */
uint64_t net_addr_offset(const struct net_addr *a);
uint64_t net_subnet_size(const struct net_addr *a);

/* "cell-" and 10 hex digits of a hash of the container's name key: fits
 * IFNAMSIZ. The key is the ID under the default --root and "ROOT/ID"
 * under another (two roots may share a bridge and use the same IDs). */
void net_host_ifname(const char *key, char out[NET_IFNAMSIZ]);
/* 00:16:3e:xx:xx:xx from the same hash: stable for the key. */
void net_default_mac(const char *key, unsigned char mac[6]);

/* ----------------------------------------------- linux.netDevices */

/* Checks against linux.namespaces and the veth's name inside (NULL: no
 * veth). */
int net_devices_validate(const struct oci_config *cfg, const char *veth_name, struct cell_err *e);
/* Move the devices into the init's namespace (pinned under the state
 * directory), renamed, with their addresses; undone on failure. */
int net_devices_setup(const struct oci_config *cfg, int statefd, pid_t pid, struct cell_err *e);
/* Move them back under their host names and unpin; safe to repeat. */
int net_devices_teardown(int statefd, struct cell_err *e);

/* ------------------------------------------------------------ leases */

/* Host-wide: one directory per bridge, whatever --root a container uses. */
#define NET_LEASE_DIR "/run/cell-net"

/* Who holds a lease: the init (PID and start time, so a dead one is
 * recognised) and "ROOT/ID", its state directory. */
struct net_owner {
	const char *key;
	pid_t pid;
	uint64_t start;
};

/* Hold NET_LEASE_DIR/bridge locked (made on first use); returns its fd. */
int net_ipam_lock(const char *bridge, struct cell_err *e);
/* Unlock; the directory goes when nothing is left in it. */
void net_ipam_unlock(int lockfd, const char *bridge);

/* Lease `want` (mode GIVEN) or the first free address of gw's subnet
 * (AUTO) to o; out gets the address with gw's prefix. Leases of
 * containers that are gone are taken over. */
int net_ipam_lease(int lockfd, const struct net_owner *o, enum net_addr_mode mode,
		   const struct net_addr *gw, const struct net_addr *want, struct net_addr *out,
		   struct cell_err *e);

/* Drop the lease of a when it is key's (nothing otherwise). */
void net_ipam_release(int lockfd, const char *key, const struct net_addr *a);

/* Start time of a live (not zombie) process, 0 when it is gone. */
uint64_t net_pid_start(pid_t pid);

/* A lease's target "PID:START:KEY" (KEY absolute). 0, or -1 malformed. */
int net_owner_parse(const char *s, pid_t *pid, uint64_t *start, const char **key);

#endif
