/* linux.netDevices (runtime-spec 1.2): host interfaces moved into the
 * container's network namespace under their new names, with their
 * addresses, and back to the host under their old names on delete.
 *
 * The namespace is pinned by a bind mount STATE/netns while devices are
 * in it: when the init dies the namespace would go, and with it a
 * virtual device (a physical one would come back under its inside name).
 * The record STATE/netdevs lists "HOST INSIDE" per device; it is written
 * before the first move, so a failed create or a crash of cell leaves
 * what delete needs to fetch them back. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../util/cleanup.h"
#include "../util/fs.h"
#include "internal.h"
#include "net.h"

#define PIN "netns"
#define RECORD "netdevs"
#define MAX_ADDRS 32

static const char *inside_name(const struct oci_netdev *d)
{
	return d->name ? d->name : d->host;
}

int net_devices_validate(const struct oci_config *cfg, const char *veth_name, struct cell_err *e)
{
	const struct oci_linux *l = &cfg->linux_;

	if (l->n_net_devices == 0)
		return 0;
	if (!l->ns[OCI_NS_NETWORK].present)
		return cell_err_set(e, EINVAL, "config.json: linux.netDevices: needs a network namespace "
					       "in linux.namespaces (the devices would stay on the host)");
	for (size_t i = 0; veth_name && i < l->n_net_devices; i++)
		if (strcmp(inside_name(&l->net_devices[i]), veth_name) == 0)
			return cell_err_set(e, EINVAL, "config.json: linux.netDevices[\"%s\"]: the name "
						       "inside, `%s`, is also that of the veth (cell.net.name)",
					    l->net_devices[i].host, veth_name);
	return 0;
}

/* A netlink socket in the namespace nsfd, and back to ours. */
static int nl_open_in(int nsfd, struct nl_sock *s, struct cell_err *e)
{
	_cleanup_close_ int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int r;

	if (self < 0)
		return cell_err_sys(e, "open /proc/self/ns/net");
	if (setns(nsfd, CLONE_NEWNET) < 0)
		return cell_err_sys(e, "enter the container's network namespace");
	r = nl_open(s, e);
	if (setns(self, CLONE_NEWNET) < 0) {
		if (r == 0)
			nl_close(s);
		return cell_err_sys(e, "return to the host network namespace");
	}
	return r;
}

/* Bind-mount the init's network namespace on STATE/netns; returns an fd
 * of it. */
static int pin_netns(int statefd, pid_t pid, struct cell_err *e)
{
	_cleanup_close_ int target = -1;
	char src[64], dst[64];

	target = openat(statefd, PIN, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (target < 0)
		return cell_err_sys(e, "create %s in the state directory", PIN);
	snprintf(src, sizeof src, "/proc/%d/ns/net", (int)pid);
	snprintf(dst, sizeof dst, "/proc/self/fd/%d", target);
	if (mount(src, dst, NULL, MS_BIND, NULL) < 0) {
		cell_err_sys(e, "bind mount `%s` on the state directory's %s", src, PIN);
		unlinkat(statefd, PIN, 0);
		return -1;
	}
	return openat(statefd, PIN, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
}

static void unpin_netns(int statefd)
{
	char path[64];

	snprintf(path, sizeof path, "/proc/self/fd/%d/" PIN, statefd);
	umount2(path, MNT_DETACH);
	unlinkat(statefd, PIN, 0);
}

static int write_record(int statefd, const struct oci_linux *l, struct cell_err *e)
{
	_cleanup_free_ char *buf = malloc(l->n_net_devices * 2 * NET_IFNAMSIZ + 1);
	size_t n = 0;

	if (buf == NULL)
		return cell_err_sys(e, "record the network devices");
	for (size_t i = 0; i < l->n_net_devices; i++)
		n += (size_t)sprintf(buf + n, "%s %s\n", l->net_devices[i].host,
				     inside_name(&l->net_devices[i]));
	return fs_write_atomic(statefd, RECORD, buf, n, 0600, e);
}

/* What a device had on the host and gets again inside. */
struct carried {
	bool up;
	int n_addrs;
	struct net_addr addrs[MAX_ADDRS];
};

static int move_in(struct nl_sock *host, int nsfd, const struct oci_netdev *d, struct carried *c,
		   struct cell_err *e)
{
	struct net_link_change mv;
	struct net_link_info li;

	if (net_link_get(host, d->host, &li, e) < 0 || li.index <= 0)
		return -1;
	c->up = li.up;
	c->n_addrs = net_addr_list(host, li.index, c->addrs, MAX_ADDRS, e);
	if (c->n_addrs < 0)
		return -1;
	/* One request: the move with the new name (iproute2's `ip link set
	 * DEV netns NS name NEW`), no moment where a clash is possible. */
	mv = (struct net_link_change){ .index = li.index, .name = d->host, .new_name = inside_name(d),
				       .master = -1, .ns_fd = nsfd, .up = -1 };
	return net_link_change(host, &mv, e);
}

static int configure_in(struct nl_sock *in, const struct oci_netdev *d, const struct carried *c,
			struct cell_err *e)
{
	const char *name = inside_name(d);
	struct net_link_change up;
	int idx = net_link_index(in, name, e);

	if (idx < 0)
		return -1;
	/* Moving a device drops its addresses: give them back. */
	for (int i = 0; i < c->n_addrs; i++)
		if (net_addr_add(in, idx, name, &c->addrs[i], true, e) < 0)
			return -1;
	if (!c->up)
		return 0;
	up = (struct net_link_change){ .index = idx, .name = name, .master = -1, .ns_fd = -1, .up = 1 };
	return net_link_change(in, &up, e);
}

int net_devices_setup(const struct oci_config *cfg, int statefd, pid_t pid, struct cell_err *e)
{
	const struct oci_linux *l = &cfg->linux_;
	_cleanup_close_ int nsfd = -1;
	struct nl_sock host, in;
	struct carried c;
	struct cell_err ignored;
	int r = -1;

	if (l->n_net_devices == 0)
		return 0;
	nsfd = pin_netns(statefd, pid, e);
	if (nsfd < 0)
		return -1;
	if (write_record(statefd, l, e) < 0) {
		unpin_netns(statefd);
		return -1;
	}
	if (nl_open(&host, e) < 0)
		goto undo;
	if (nl_open_in(nsfd, &in, e) < 0) {
		nl_close(&host);
		goto undo;
	}
	for (size_t i = 0; i < l->n_net_devices; i++) {
		const struct oci_netdev *d = &l->net_devices[i];

		if (move_in(&host, nsfd, d, &c, e) < 0 || configure_in(&in, d, &c, e) < 0) {
			cell_err_wrap(e, "config.json: linux.netDevices[\"%s\"]", d->host);
			goto out;
		}
	}
	r = 0;
out:
	nl_close(&in);
	nl_close(&host);
	if (r == 0)
		return 0;
undo:
	net_devices_teardown(statefd, &ignored);
	return -1;
}

/* Fetch one device back under its host name; 0 also when it is not in
 * the namespace (never moved, or gone). */
static int move_out(struct nl_sock *in, int hostfd, const char *hostname, const char *inside,
		    struct cell_err *e)
{
	struct net_link_change mv;
	struct net_link_info li;
	const char *now = inside;

	if (net_link_get(in, inside, &li, e) < 0) {
		if (e->errnum != ENODEV)
			return -1;
		/* A move whose rename failed keeps the host's name. */
		now = hostname;
		if (net_link_get(in, hostname, &li, e) < 0)
			return e->errnum == ENODEV ? 0 : -1;
	}
	mv = (struct net_link_change){ .index = li.index, .name = now, .new_name = hostname,
				       .master = -1, .ns_fd = hostfd, .up = -1 };
	if (net_link_change(in, &mv, e) < 0)
		return cell_err_wrap(e, "return network device %s to the host as %s", now, hostname);
	return 0;
}

int net_devices_teardown(int statefd, struct cell_err *e)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int nsfd = -1, hostfd = -1;
	struct cell_err ignored;
	struct nl_sock in;
	size_t len;
	int r = 0;

	if (fs_read_file(statefd, RECORD, 65536, &buf, &len, &ignored) < 0) {
		unpin_netns(statefd);
		return 0;
	}
	nsfd = openat(statefd, PIN, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	hostfd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (hostfd < 0)
		return cell_err_sys(e, "open /proc/self/ns/net");
	/* Without the pin there is nothing to fetch the devices from. */
	if (nsfd >= 0 && nl_open_in(nsfd, &in, e) < 0)
		return -1;
	for (char *line = buf, *next; nsfd >= 0 && line < buf + len; line = next) {
		char *sp, *nl = memchr(line, '\n', (size_t)(buf + len - line));

		next = nl ? nl + 1 : buf + len;
		if (nl)
			*nl = '\0';
		sp = strchr(line, ' ');
		if (sp == NULL)
			continue;
		*sp = '\0';
		/* Go on with the others after a failure; report the first. */
		if (move_out(&in, hostfd, line, sp + 1, r < 0 ? &ignored : e) < 0)
			r = -1;
	}
	if (nsfd >= 0)
		nl_close(&in);
	if (r < 0) /* keep the pin and the record: delete may be retried */
		return -1;
	unpin_netns(statefd);
	unlinkat(statefd, RECORD, 0);
	return 0;
}
