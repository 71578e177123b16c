/* Address leases: one symlink per leased address in <root>/.net, named by
 * the address and pointing at the container ID, made and removed under a
 * flock of that directory. A symlink is created atomically and survives a
 * crash of cell; a lease whose container has no state directory any more
 * is taken over by the next allocation that meets it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define NET_DIR ".net" /* IDs never start with a dot: no clash with a container */

/* Allocation looks at no more than this many addresses of a subnet. */
#define IPAM_SCAN_MAX 65536

int net_ipam_lock(int rootfd, struct cell_err *e)
{
	int fd;

	if (mkdirat(rootfd, NET_DIR, 0700) < 0 && errno != EEXIST)
		return cell_err_sys(e, "create lease directory " NET_DIR);
	fd = openat(rootfd, NET_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return cell_err_sys(e, "open lease directory " NET_DIR);
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			cell_err_sys(e, "lock lease directory " NET_DIR);
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* 1 when the lease `name` belongs to id, 0 when to another live container,
 * -1 when there is none (or its container is gone and it was removed). */
static int lease_owner(int lockfd, int rootfd, const char *name, const char *id)
{
	char owner[1100];
	ssize_t n = readlinkat(lockfd, name, owner, sizeof owner - 1);

	if (n < 0)
		return -1;
	owner[n] = '\0';
	if (strcmp(owner, id) == 0)
		return 1;
	if (owner[0] != '\0' && owner[0] != '.' && strchr(owner, '/') == NULL &&
	    faccessat(rootfd, owner, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	unlinkat(lockfd, name, 0);
	return -1;
}

/* 1 taken, 0 in use by another container, -1 error (errno). */
static int try_lease(int lockfd, int rootfd, const char *id, const struct net_addr *a)
{
	char name[64];

	net_addr_format(a, false, name, sizeof name);
	for (int tries = 0; tries < 2; tries++) {
		int owner;

		if (symlinkat(id, lockfd, name) == 0)
			return 1;
		if (errno != EEXIST)
			return -1;
		owner = lease_owner(lockfd, rootfd, name, id);
		if (owner >= 0)
			return owner;
	}
	return 0;
}

static int lease_auto(int lockfd, int rootfd, const char *id, const struct net_addr *gw,
		      struct net_addr *out, struct cell_err *e)
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
		r = try_lease(lockfd, rootfd, id, out);
		if (r == 1)
			return 0;
		if (r < 0)
			return cell_err_sys(e, "lease an address: create " NET_DIR " entry");
	}
	net_addr_format(gw, true, sub, sizeof sub);
	return cell_err_set(e, EADDRNOTAVAIL, "lease an address: no free address in %s", sub);
}

int net_ipam_lease(int lockfd, int rootfd, const char *id, enum net_addr_mode mode,
		   const struct net_addr *gw, const struct net_addr *want, struct net_addr *out,
		   struct cell_err *e)
{
	char txt[80];
	int r;

	if (mode == NET_ADDR_AUTO)
		return lease_auto(lockfd, rootfd, id, gw, out, e);
	*out = *want;
	net_addr_format(want, false, txt, sizeof txt);
	r = try_lease(lockfd, rootfd, id, want);
	if (r < 0)
		return cell_err_sys(e, "lease %s: create " NET_DIR " entry", txt);
	if (r == 0)
		return cell_err_set(e, EADDRINUSE, "lease %s: leased to another container", txt);
	return 0;
}

void net_ipam_release(int lockfd, const char *id, const struct net_addr *a)
{
	char name[64], owner[1100];
	ssize_t n;

	net_addr_format(a, false, name, sizeof name);
	n = readlinkat(lockfd, name, owner, sizeof owner - 1);
	if (n < 0)
		return;
	owner[n] = '\0';
	if (strcmp(owner, id) == 0)
		unlinkat(lockfd, name, 0);
}
