/* Address leases, host-wide per bridge: one symlink per leased address in
 * /run/cell-net/BRIDGE, named by the address, pointing at "PID:START:KEY"
 * (the init's PID and start time, and ROOT/ID of its container), made and
 * removed under a flock of that directory. Containers of every --root
 * that share a bridge share its leases. A symlink is created atomically
 * and survives a crash of cell; a lease whose container is gone (its state
 * directory missing, or its init dead) is taken over by the next
 * allocation that meets it. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../state/state.h"
#include "internal.h"

/* Allocation looks at no more than this many addresses of a subnet. */
#define IPAM_SCAN_MAX 65536

int net_ipam_lock(const char *bridge, struct cell_err *e)
{
	char path[sizeof NET_LEASE_DIR + NET_IFNAMSIZ + 1];
	struct stat st;
	int fd;

	snprintf(path, sizeof path, NET_LEASE_DIR "/%s", bridge);
	for (;;) {
		if (mkdir(NET_LEASE_DIR, 0700) < 0 && errno != EEXIST)
			return cell_err_sys(e, "create lease directory " NET_LEASE_DIR);
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			return cell_err_sys(e, "create lease directory %s", path);
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0) {
			if (errno == ENOENT) /* removed by its last user meanwhile */
				continue;
			return cell_err_sys(e, "open lease directory %s", path);
		}
		while (flock(fd, LOCK_EX) < 0) {
			if (errno != EINTR) {
				cell_err_sys(e, "lock lease directory %s", path);
				close(fd);
				return -1;
			}
		}
		/* Its last user may have removed it while we waited. */
		if (fstat(fd, &st) == 0 && st.st_nlink > 0)
			return fd;
		close(fd);
	}
}

void net_ipam_unlock(int lockfd, const char *bridge)
{
	char path[sizeof NET_LEASE_DIR + NET_IFNAMSIZ + 1];

	/* Only while locked: nobody else can have replaced it. Fails (and
	 * stays) while it holds leases or the mark of a bridge cell made. */
	snprintf(path, sizeof path, NET_LEASE_DIR "/%s", bridge);
	rmdir(path);
	close(lockfd);
}

uint64_t net_pid_start(pid_t pid)
{
	char letter = 0;
	uint64_t start = state_pid_stat(pid, &letter);

	/* A zombie's leases are free: its container is gone. */
	return letter == 'Z' || letter == 'X' ? 0 : start;
}

/* 1 when the lease `name` belongs to o, 0 when to another live container,
 * -1 when there is none (or its container is gone and it was removed). */
static int lease_owner(int lockfd, const char *name, const struct net_owner *o)
{
	char target[PATH_MAX + 64];
	const char *key;
	ssize_t n = readlinkat(lockfd, name, target, sizeof target - 1);
	uint64_t start;
	pid_t pid;

	if (n < 0)
		return -1;
	target[n] = '\0';
	if (net_owner_parse(target, &pid, &start, &key) == 0) {
		if (strcmp(key, o->key) == 0 && pid == o->pid)
			return 1;
		if (net_pid_start(pid) == start && access(key, F_OK) == 0)
			return 0;
	}
	unlinkat(lockfd, name, 0);
	return -1;
}

/* 1 taken, 0 in use by another container, -1 error (errno). */
static int try_lease(int lockfd, const struct net_owner *o, const char *target,
		     const struct net_addr *a)
{
	char name[64];

	net_addr_format(a, false, name, sizeof name);
	for (int tries = 0; tries < 2; tries++) {
		int owner;

		if (symlinkat(target, lockfd, name) == 0)
			return 1;
		if (errno != EEXIST)
			return -1;
		owner = lease_owner(lockfd, name, o);
		if (owner >= 0)
			return owner;
	}
	return 0;
}

static int lease_auto(int lockfd, const struct net_owner *o, const char *target,
		      const struct net_addr *gw, struct net_addr *out, struct cell_err *e)
{
	uint64_t size = net_subnet_size(gw), gwoff = net_addr_offset(gw);
	uint64_t last = gw->family == AF_INET ? size - 2 : size - 1;
	char sub[80];

	if (last >= IPAM_SCAN_MAX)
		last = IPAM_SCAN_MAX - 1;
	for (uint64_t off = 1; off <= last; off++) {
		int r;

		if (off == gwoff)
			continue;
		net_addr_nth(gw, off, out);
		r = try_lease(lockfd, o, target, out);
		if (r == 1)
			return 0;
		if (r < 0)
			return cell_err_sys(e, "lease an address: create " NET_LEASE_DIR " entry");
	}
	net_addr_format(gw, true, sub, sizeof sub);
	return cell_err_set(e, EADDRNOTAVAIL, "lease an address: no free address in %s", sub);
}

int net_ipam_lease(int lockfd, const struct net_owner *o, enum net_addr_mode mode,
		   const struct net_addr *gw, const struct net_addr *want, struct net_addr *out,
		   struct cell_err *e)
{
	char txt[80], target[PATH_MAX + 64];
	int r;

	if ((size_t)snprintf(target, sizeof target, "%d:%" PRIu64 ":%s", (int)o->pid, o->start,
			     o->key) >= sizeof target)
		return cell_err_set(e, ENAMETOOLONG, "lease an address: container path too long");
	if (mode == NET_ADDR_AUTO)
		return lease_auto(lockfd, o, target, gw, out, e);
	*out = *want;
	net_addr_format(want, false, txt, sizeof txt);
	r = try_lease(lockfd, o, target, want);
	if (r < 0)
		return cell_err_sys(e, "lease %s: create " NET_LEASE_DIR " entry", txt);
	if (r == 0)
		return cell_err_set(e, EADDRINUSE, "lease %s: leased to another container", txt);
	return 0;
}

void net_ipam_release(int lockfd, const char *key, const struct net_addr *a)
{
	char name[64], target[PATH_MAX + 64];
	const char *k;
	uint64_t start;
	pid_t pid;
	ssize_t n;

	net_addr_format(a, false, name, sizeof name);
	n = readlinkat(lockfd, name, target, sizeof target - 1);
	if (n < 0)
		return;
	target[n] = '\0';
	if (net_owner_parse(target, &pid, &start, &k) == 0 && strcmp(k, key) == 0)
		unlinkat(lockfd, name, 0);
}
