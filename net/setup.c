/* net_setup / net_teardown: the veth network of one container, and the
 * record (file `net` in its state directory) that lets delete undo it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../util/cleanup.h"
#include "../util/fs.h"
#include "../util/log.h"
#include "internal.h"
#include "net.h"

#define RECORD "net"
#define DEFAULT_ROOT "/run/cell"

/* Who a container is for leases and names: "ROOT/ID" (the real path of
 * --root), and the key its names are hashed from. */
struct who {
	char key[PATH_MAX];
	const char *name_key;
};

static int who_init(struct who *w, int rootfd, const char *id, struct cell_err *e)
{
	char link[32], root[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof link, "/proc/self/fd/%d", rootfd);
	n = readlink(link, root, sizeof root - 1);
	if (n < 0)
		return cell_err_sys(e, "readlink %s (the state root)", link);
	root[n] = '\0';
	if ((size_t)snprintf(w->key, sizeof w->key, "%s/%s", strcmp(root, "/") ? root : "", id) >=
	    sizeof w->key)
		return cell_err_set(e, ENAMETOOLONG, "state root `%s`", root);
	/* Names as before under the default root; elsewhere the root counts. */
	w->name_key = strcmp(root, DEFAULT_ROOT) == 0 ? id : w->key;
	return 0;
}

/* What one container got. */
struct record {
	char link[NET_IFNAMSIZ];
	char bridge[NET_IFNAMSIZ];
	char ifname[NET_IFNAMSIZ];
	bool has4, has6, bridge_remove;
	struct net_addr ip4, ip6;
};

int net_validate(const struct oci_config *cfg, struct cell_err *e)
{
	const struct oci_namespace *ns = &cfg->linux_.ns[OCI_NS_NETWORK];
	struct net_conf c;

	if (net_conf_parse(cfg->annotations, cfg->n_annotations, &c, e) < 0 ||
	    net_devices_validate(cfg, c.type == NET_VETH ? c.ifname : NULL, e) < 0)
		return -1;
	switch (c.type) {
	case NET_UNSET:
		return 0;
	case NET_HOST:
		if (ns->present)
			return cell_err_set(e, EINVAL, "config.json: annotations[cell.net.type]: `host` "
						       "but linux.namespaces has a network namespace");
		return 0;
	case NET_NS:
		if (!ns->present || ns->path == NULL)
			return cell_err_set(e, EINVAL, "config.json: annotations[cell.net.type]: `ns` "
						       "needs a network namespace with a path in linux.namespaces");
		return 0;
	case NET_NONE:
	case NET_VETH:
		if (!ns->present || ns->path != NULL)
			return cell_err_set(e, EINVAL, "config.json: annotations[cell.net.type]: `%s` needs "
						       "a new network namespace in linux.namespaces (no path)",
					    c.type == NET_NONE ? "none" : "veth");
		return 0;
	}
	return 0;
}

static int write_record(int statefd, const struct record *r, struct cell_err *e)
{
	char buf[512], a4[80] = "", a6[80] = "";
	int n;

	if (r->has4)
		net_addr_format(&r->ip4, true, a4, sizeof a4);
	if (r->has6)
		net_addr_format(&r->ip6, true, a6, sizeof a6);
	n = snprintf(buf, sizeof buf, "link %s\nbridge %s\nifname %s\n%s%s%s%s%s%s%s", r->link,
		     r->bridge, r->ifname, r->has4 ? "ipv4 " : "", a4, r->has4 ? "\n" : "",
		     r->has6 ? "ipv6 " : "", a6, r->has6 ? "\n" : "",
		     r->bridge_remove ? "bridge-remove 1\n" : "");
	return fs_write_atomic(statefd, RECORD, buf, (size_t)n, 0600, e);
}

static void copy_word(char *dst, size_t cap, const char *v)
{
	snprintf(dst, cap, "%.*s", (int)strcspn(v, "\n"), v);
}

static int read_record(int statefd, struct record *r)
{
	_cleanup_free_ char *buf = NULL;
	struct cell_err ignored;
	char txt[80];
	size_t len;

	memset(r, 0, sizeof *r);
	if (fs_read_file(statefd, RECORD, 4096, &buf, &len, &ignored) < 0)
		return -1;
	for (char *line = buf; line != NULL && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		char *sp = strchr(line, ' ');
		size_t k;

		if (sp == NULL)
			continue;
		k = (size_t)(sp - line);
#define KEY(s) (k == sizeof s - 1 && memcmp(line, s, k) == 0)
		if (KEY("link"))
			copy_word(r->link, sizeof r->link, sp + 1);
		else if (KEY("bridge"))
			copy_word(r->bridge, sizeof r->bridge, sp + 1);
		else if (KEY("ifname"))
			copy_word(r->ifname, sizeof r->ifname, sp + 1);
		else if (KEY("bridge-remove"))
			r->bridge_remove = sp[1] == '1';
		else if (KEY("ipv4") || KEY("ipv6")) {
			struct net_addr a;

			copy_word(txt, sizeof txt, sp + 1);
			if (net_addr_parse(txt, &a) == 0 && a.family == AF_INET) {
				r->ip4 = a;
				r->has4 = true;
			} else if (net_addr_parse(txt, &a) == 0) {
				r->ip6 = a;
				r->has6 = true;
			}
		}
#undef KEY
	}
	return 0;
}

/* A bridge cell made is marked by `.made` in its lease directory: only
 * those may be removed with their last user. */
#define BRIDGE_MARK ".made"

static void bridge_mark(int lockfd, bool set)
{
	const char *name = BRIDGE_MARK;
	int fd;

	if (!set) {
		unlinkat(lockfd, name, 0);
		return;
	}
	fd = openat(lockfd, name, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0)
		close(fd);
}

static bool bridge_marked(int lockfd)
{
	return faccessat(lockfd, BRIDGE_MARK, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

/* The bridge exists, is up and carries the gateway addresses. Returns its
 * index. */
static int ensure_bridge(struct nl_sock *s, int lockfd, const struct net_conf *c, struct cell_err *e)
{
	int idx = net_link_index(s, c->bridge, e);

	if (idx < 0 && e->errnum != ENODEV)
		return -1;
	if (idx < 0) {
		if (net_link_bridge_create(s, c->bridge, e) < 0)
			return -1;
		bridge_mark(lockfd, true);
		idx = net_link_index(s, c->bridge, e);
		if (idx < 0)
			return -1;
	}
	/* Added when missing, never changed: the bridge may be shared. */
	if (c->mode4 != NET_ADDR_NONE && net_addr_add(s, idx, c->bridge, &c->gw4, false, e) < 0 &&
	    e->errnum != EEXIST)
		return -1;
	if (c->mode6 != NET_ADDR_NONE && net_addr_add(s, idx, c->bridge, &c->gw6, false, e) < 0 &&
	    e->errnum != EEXIST)
		return -1;
	return idx;
}

/* A netlink socket in the network namespace of the init: we enter it
 * just long enough to open the socket. */
static int open_in_netns(pid_t pid, int pidfd, struct nl_sock *s, struct cell_err *e)
{
	_cleanup_close_ int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int target = -1;
	char path[64];
	int r;

	if (self < 0)
		return cell_err_sys(e, "open /proc/self/ns/net");
	/* setns on a pidfd needs Linux 5.8. */
	if (pidfd < 0 || setns(pidfd, CLONE_NEWNET) < 0) {
		snprintf(path, sizeof path, "/proc/%d/ns/net", (int)pid);
		target = open(path, O_RDONLY | O_CLOEXEC);
		if (target < 0)
			return cell_err_sys(e, "open %s", path);
		if (setns(target, CLONE_NEWNET) < 0)
			return cell_err_sys(e, "enter the network namespace of %d", (int)pid);
	}
	r = nl_open(s, e);
	if (setns(self, CLONE_NEWNET) < 0) {
		nl_close(s);
		return cell_err_sys(e, "return to the host network namespace");
	}
	return r;
}

/* Inside: addresses, then default routes through the bridge. */
static int configure_inside(const struct net_conf *c, const struct record *rec, pid_t pid,
			    int pidfd, struct cell_err *e)
{
	struct net_link_change up;
	struct nl_sock s;
	int idx, r = -1;

	if (open_in_netns(pid, pidfd, &s, e) < 0)
		return -1;
	idx = net_link_index(&s, rec->ifname, e);
	if (idx < 0)
		goto out;
	up = (struct net_link_change){ .index = idx, .name = rec->ifname, .master = -1, .ns_fd = -1,
				       .up = 1 };
	if (net_link_change(&s, &up, e) < 0)
		goto out;
	if (rec->has4 && (net_addr_add(&s, idx, rec->ifname, &rec->ip4, false, e) < 0 ||
			  net_route_default(&s, idx, rec->ifname, &c->gw4, e) < 0))
		goto out;
	if (rec->has6 && (net_addr_add(&s, idx, rec->ifname, &rec->ip6, false, e) < 0 ||
			  net_route_default(&s, idx, rec->ifname, &c->gw6, e) < 0))
		goto out;
	r = 0;
out:
	nl_close(&s);
	return r;
}

static int lease_all(int lockfd, const struct net_owner *o, const struct net_conf *c,
		     struct record *rec, struct cell_err *e)
{
	if (c->mode4 != NET_ADDR_NONE) {
		if (net_ipam_lease(lockfd, o, c->mode4, &c->gw4, &c->ip4, &rec->ip4, e) < 0)
			return cell_err_wrap(e, "cell.net.ipv4");
		rec->has4 = true;
	}
	if (c->mode6 != NET_ADDR_NONE) {
		if (net_ipam_lease(lockfd, o, c->mode6, &c->gw6, &c->ip6, &rec->ip6, e) < 0)
			return cell_err_wrap(e, "cell.net.ipv6");
		rec->has6 = true;
	}
	return 0;
}

static void release_all(int lockfd, const char *key, const struct record *rec)
{
	if (rec->has4)
		net_ipam_release(lockfd, key, &rec->ip4);
	if (rec->has6)
		net_ipam_release(lockfd, key, &rec->ip6);
}

static int setup_locked(const struct net_conf *c, const struct who *w, int statefd, int lockfd,
			pid_t pid, int pidfd, struct record *rec, struct cell_err *e)
{
	struct net_owner o = { w->key, pid, net_pid_start(pid) };
	unsigned char mac[6];
	struct nl_sock s;
	struct net_veth v;
	int br, r = -1;

	if (nl_open(&s, e) < 0)
		return -1;
	rec->bridge_remove = c->bridge_remove;
	br = ensure_bridge(&s, lockfd, c, e);
	if (br < 0)
		goto out;
	if (lease_all(lockfd, &o, c, rec, e) < 0 || write_record(statefd, rec, e) < 0)
		goto out;
	if (c->has_mac)
		memcpy(mac, c->mac, 6);
	else
		net_default_mac(w->name_key, mac);
	v = (struct net_veth){ .host = rec->link, .master = br, .mtu = c->mtu,
			       .peer = rec->ifname, .peer_pid = pid, .peer_mac = mac };
	if (net_link_veth_create(&s, &v, e) < 0)
		goto out;
	r = configure_inside(c, rec, pid, pidfd, e);
out:
	nl_close(&s);
	return r;
}

static int undo(int statefd, const char *key, const struct record *rec, struct cell_err *e);

static int veth_setup(const struct net_conf *c, const char *id, int rootfd, int statefd, pid_t pid,
		      int pidfd, struct cell_err *e)
{
	struct record rec;
	struct cell_err ignored;
	struct who w;
	int lockfd, r;

	if (who_init(&w, rootfd, id, e) < 0)
		return -1;
	memset(&rec, 0, sizeof rec);
	net_host_ifname(w.name_key, rec.link);
	memcpy(rec.bridge, c->bridge, sizeof rec.bridge);
	memcpy(rec.ifname, c->ifname, sizeof rec.ifname);
	/* One set-up at a time: the bridge, the leases and the attach must
	 * not interleave with another create or a bridge removal. */
	lockfd = net_ipam_lock(c->bridge, e);
	if (lockfd < 0)
		return -1;
	r = setup_locked(c, &w, statefd, lockfd, pid, pidfd, &rec, e);
	net_ipam_unlock(lockfd, c->bridge);
	/* From memory: the record may not have been written. */
	if (r < 0)
		undo(statefd, w.key, &rec, &ignored);
	return r;
}

int net_setup(const struct oci_config *cfg, const char *id, int rootfd, int statefd, pid_t pid,
	      int pidfd, struct cell_err *e)
{
	struct net_conf c;
	struct cell_err ignored;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (net_conf_parse(cfg->annotations, cfg->n_annotations, &c, e) < 0)
		return -1;
	if (c.type == NET_VETH && veth_setup(&c, id, rootfd, statefd, pid, pidfd, e) < 0)
		return -1;
	if (net_devices_setup(cfg, statefd, pid, e) < 0) {
		net_teardown(rootfd, statefd, id, &ignored);
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* bench/net.sh reads this line. */
	if (c.type == NET_VETH || cfg->linux_.n_net_devices > 0)
		log_debug("net: set-up in %ld us",
			  (long)((t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000));
	return 0;
}

/* The bridge goes with its last port when cell made it and was asked to. */
static void maybe_remove_bridge(struct nl_sock *s, int lockfd, const char *bridge)
{
	char path[64];
	struct cell_err ignored;
	struct dirent *de;
	int fd, n = 0;
	DIR *d;

	snprintf(path, sizeof path, "/sys/class/net/%s/brif", bridge);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	if (n == 0 && bridge_marked(lockfd) && net_link_del(s, bridge, &ignored) == 0)
		bridge_mark(lockfd, false);
}

static int undo(int statefd, const char *key, const struct record *rec, struct cell_err *e)
{
	struct nl_sock s;
	int lockfd, r = 0;

	if (rec->bridge[0] == '\0')
		return 0;
	lockfd = net_ipam_lock(rec->bridge, e);
	if (lockfd < 0)
		return -1;
	if (nl_open(&s, e) < 0) {
		net_ipam_unlock(lockfd, rec->bridge);
		return -1;
	}
	/* Gone already when the namespace died with the init. */
	if (rec->link[0] && net_link_del(&s, rec->link, e) < 0 && e->errnum != ENODEV)
		r = -1;
	release_all(lockfd, key, rec);
	if (rec->bridge_remove)
		maybe_remove_bridge(&s, lockfd, rec->bridge);
	nl_close(&s);
	net_ipam_unlock(lockfd, rec->bridge);
	if (r == 0)
		unlinkat(statefd, RECORD, 0);
	return r;
}

int net_teardown(int rootfd, int statefd, const char *id, struct cell_err *e)
{
	struct record rec;
	struct cell_err later;
	struct who w;
	int r;

	/* The devices first: they come back from a namespace a veth may
	 * still share. Both are tried; the first error is reported. */
	r = net_devices_teardown(statefd, e);
	if (read_record(statefd, &rec) < 0)
		return r;
	if (who_init(&w, rootfd, id, r < 0 ? &later : e) < 0 ||
	    undo(statefd, w.key, &rec, r < 0 ? &later : e) < 0)
		return -1;
	return r;
}

int net_summary_read(int statefd, struct net_summary *s)
{
	struct record rec;

	memset(s, 0, sizeof *s);
	if (read_record(statefd, &rec) < 0)
		return -1;
	memcpy(s->link, rec.link, sizeof s->link);
	memcpy(s->bridge, rec.bridge, sizeof s->bridge);
	if (rec.has4)
		net_addr_format(&rec.ip4, true, s->ipv4, sizeof s->ipv4);
	if (rec.has6)
		net_addr_format(&rec.ip6, true, s->ipv6, sizeof s->ipv6);
	return 0;
}

int net_link_bytes(const char *link, uint64_t *rx, uint64_t *tx, struct cell_err *e)
{
	struct net_link_info li;
	struct nl_sock s;
	int r;

	if (nl_open(&s, e) < 0)
		return -1;
	r = net_link_get(&s, link, &li, e);
	nl_close(&s);
	if (r == 0) {
		*rx = li.rx_bytes;
		*tx = li.tx_bytes;
	}
	return r;
}
