/* idmap/idmount.h: the idmap/ridmap options and mounts' own maps as
 * parsed, the rootfs mode annotation and its auto rule, the plan's checks,
 * the text of the error for mounts that cannot be idmapped (also forced
 * through idmount_make), and the helper user namespace. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../idmap/idmount.h"
#include "../../idmap/shift.h"
#include "t.h"

static struct cell_err e;

static struct oci_config *parse(const char *json)
{
	memset(&e, 0, sizeof e);
	return oci_config_parse(json, strlen(json), "config.json", &e);
}

#define HEAD "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"r\"},"
#define USERNS "\"linux\":{\"namespaces\":[{\"type\":\"user\"}]}"

static void options(void)
{
	struct oci_config *c = parse(
		HEAD "\"mounts\":["
		"{\"destination\":\"/a\",\"type\":\"bind\",\"source\":\"/tmp\",\"options\":[\"rbind\",\"idmap\"]},"
		"{\"destination\":\"/b\",\"source\":\"/tmp\",\"options\":[\"rbind\",\"ridmap\",\"ro\"]},"
		"{\"destination\":\"/c\",\"source\":\"/tmp\",\"options\":[\"bind\"],"
		"\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}],"
		"\"gidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]},"
		"{\"destination\":\"/d\",\"source\":\"/tmp\",\"options\":[\"bind\"]}]}");

	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK(c->mounts[0].idmap && !c->mounts[0].idmap_recursive && c->mounts[0].is_bind);
	CHECK(c->mounts[1].idmap && c->mounts[1].idmap_recursive);
	CHECK(c->mounts[1].data == NULL); /* idmap words are not filesystem data */
	CHECK(c->mounts[2].idmap && !c->mounts[2].idmap_recursive && c->mounts[2].n_uid_mappings == 1);
	CHECK(!c->mounts[3].idmap);
	oci_config_free(c);
}

static int mode_of(const char *value, enum idmount_mode *m)
{
	char json[256];
	struct oci_config *c;
	int r;

	snprintf(json, sizeof json, HEAD "\"annotations\":{\"cell.idmap.rootfs\":\"%s\"}}", value);
	c = parse(json);
	if (c == NULL)
		return -2;
	r = idmount_rootfs_mode(c, m, &e);
	oci_config_free(c);
	return r;
}

static void rootfs_mode(void)
{
	enum idmount_mode m;

	CHECK(mode_of("auto", &m) == 0 && m == IDMOUNT_AUTO);
	CHECK(mode_of("on", &m) == 0 && m == IDMOUNT_ON);
	CHECK(mode_of("true", &m) == 0 && m == IDMOUNT_ON);
	CHECK(mode_of("off", &m) == 0 && m == IDMOUNT_OFF);
	CHECK(mode_of("false", &m) == 0 && m == IDMOUNT_OFF);
	CHECK(mode_of("yes", &m) < 0);
	CHECK_STR(e.msg, "config.json: annotations[cell.idmap.rootfs]: `yes`: expected auto, on or off");
}

static void rootfs_auto(void)
{
	struct oci_idmap m[] = { { 0, 100000, 65536 } };
	struct oci_idmap shifted[] = { { 0, 1000, 1 }, { 1, 100000, 65536 } };
	struct idmap_maps maps = { m, 1, m, 1 };
	struct idmap_maps none = { 0 };
	struct idmap_maps rootless = { shifted, 2, shifted, 2 };

	CHECK(idmount_rootfs_auto(0, &maps, true));       /* owned by 0: idmap */
	CHECK(!idmount_rootfs_auto(100000, &maps, true)); /* chowned for the maps */
	CHECK(idmount_rootfs_auto(1000, &maps, true));
	CHECK(!idmount_rootfs_auto(0, &maps, false));     /* not root on the host */
	CHECK(!idmount_rootfs_auto(0, &none, true));      /* no maps */
	CHECK(!idmount_rootfs_auto(1000, &rootless, true));
}

static int plan_of(const char *json, bool userns, struct idmount_plan *p)
{
	struct oci_idmap m[] = { { 0, 100000, 65536 } };
	struct idmap_maps maps = { m, 1, m, 1 };
	struct oci_config *c = parse(json);
	int r;

	if (c == NULL)
		return -2;
	r = idmount_plan(c, "/", userns, &maps, p, &e);
	oci_config_free(c);
	return r;
}

static void plan(void)
{
	struct idmount_plan p;
	bool root = geteuid() == 0;

	CHECK(plan_of(HEAD "\"mounts\":[{\"destination\":\"/t\",\"type\":\"tmpfs\",\"options\":[\"idmap\"]}]," USERNS "}",
		      true, &p) < 0);
	CHECK_STR(e.msg, "config.json: mounts[0]: idmapped mounts must be bind mounts");
	CHECK(plan_of(HEAD "\"mounts\":[{\"destination\":\"/t\",\"source\":\"/tmp\",\"options\":[\"bind\",\"idmap\"]}]}",
		      false, &p) < 0);
	CHECK_STR(e.msg, "config.json: mounts[0]: an idmapped mount needs a user namespace (linux.namespaces)");
	CHECK(plan_of(HEAD "\"annotations\":{\"cell.idmap.rootfs\":\"on\"}}", false, &p) < 0);
	CHECK_STR(e.msg, "config.json: annotations[cell.idmap.rootfs]: an idmapped rootfs needs a user namespace (linux.namespaces)");
	/* No user namespace, no idmap: nothing planned. */
	CHECK(plan_of(HEAD "\"mounts\":[{\"destination\":\"/t\",\"source\":\"/tmp\",\"options\":[\"bind\"]}]}",
		      false, &p) == 0);
	CHECK(p.n == 0 && p.on == NULL && p.n_slots == 2);
	idmount_plan_free(&p);
	/* "/" is owned by 0: auto idmaps it (as root), then mounts[1]. */
	CHECK(plan_of(HEAD "\"mounts\":[{\"destination\":\"/t\",\"source\":\"/tmp\",\"options\":[\"bind\"]},"
		      "{\"destination\":\"/u\",\"source\":\"/tmp\",\"options\":[\"bind\",\"idmap\"]}]," USERNS "}",
		      true, &p) == 0);
	CHECK(p.n_slots == 3 && p.n == (root ? 2u : 1u));
	CHECK(p.on != NULL && p.on[0] == root && !p.on[1] && p.on[2]);
	idmount_plan_free(&p);
	CHECK(plan_of(HEAD "\"annotations\":{\"cell.idmap.rootfs\":\"off\"}," USERNS "}", true, &p) == 0);
	CHECK(p.n == 0);
	idmount_plan_free(&p);
}

static void unsupported_text(void)
{
	struct oci_idmap m[] = { { 0, 100000, 65536 } };
	struct oci_idmap two[] = { { 0, 100000, 1 }, { 1, 200000, 10 } };
	struct idmap_maps maps = { m, 1, m, 1 };
	struct idmap_maps maps2 = { two, 2, two, 2 };

	idmount_unsupported(&e, EINVAL, "root.path", "/b/rootfs", "ramfs", &maps);
	CHECK_STR(e.msg, "root.path: `/b/rootfs` cannot be mounted idmapped on ramfs; shift its owners once "
			 "with `cell chown-rootfs BUNDLE` (to the container's maps), then it runs without "
			 "idmapping: Invalid argument");
	CHECK(e.errnum == EINVAL);
	idmount_unsupported(&e, EOPNOTSUPP, "mounts[3]", "/srv", "nfs", &maps);
	CHECK_STR(e.msg, "mounts[3]: `/srv` cannot be mounted idmapped on nfs; drop the idmap and shift the "
			 "owners of the source once with `cell chown-rootfs /srv --map-from 100000 "
			 "--map-size 65536`: Not supported");
	idmount_unsupported(&e, ENOSYS, "mounts[0]", "/srv", NULL, &maps2);
	CHECK_STR(e.msg, "mounts[0]: `/srv` cannot be mounted idmapped on this kernel (idmapped mounts need "
			 "Linux 5.12); drop the idmap and shift the owners of the source once with "
			 "`cell chown-rootfs`: Function not implemented");
}

static void unsupported_below_text(void)
{
	struct oci_idmap m[] = { { 0, 100000, 65536 } };
	struct oci_idmap two[] = { { 0, 100000, 1 }, { 1, 200000, 10 } };
	struct idmap_maps maps = { m, 1, m, 1 };
	struct idmap_maps maps2 = { two, 2, two, 2 };
	struct idmount_culprit c = { EINVAL, true, "/b/rootfs/opt", "ramfs" };

	idmount_unsupported_below(&e, &c, "root.path", "/b/rootfs", &maps);
	CHECK_STR(e.msg, "root.path: `/b/rootfs/opt`, a mount below the rootfs, cannot be mounted idmapped "
			 "on ramfs; unmount it, or shift the owners once with `cell chown-rootfs BUNDLE` and "
			 "`cell chown-rootfs /b/rootfs/opt --map-from 100000 --map-size 65536`, then it runs "
			 "without idmapping: Invalid argument");
	CHECK(e.errnum == EINVAL);
	snprintf(c.mnt, sizeof c.mnt, "/srv/nfs");
	snprintf(c.fstype, sizeof c.fstype, "nfs4");
	idmount_unsupported_below(&e, &c, "mounts[2]", "/srv", &maps2);
	CHECK_STR(e.msg, "mounts[2]: `/srv/nfs`, a mount below `/srv`, cannot be mounted idmapped on nfs4; "
			 "unmount it, or drop the ridmap and shift the owners once with `cell chown-rootfs DIR "
			 "--map-from N --map-size M` for `/srv` and for it: Invalid argument");
}

/* The error path of idmount_make, forced: the tree made is closed again. */
static void forced_failure(void)
{
	struct oci_idmap m[] = { { 0, 100000, 65536 } };
	struct idmap_maps maps = { m, 1, m, 1 };
	struct oci_config *c = parse(HEAD "\"annotations\":{\"cell.idmap.rootfs\":\"on\"}," USERNS "}");
	struct idmount_plan p;
	int fds[1] = { 7 }, before, after;

	if (geteuid() != 0 || c == NULL) {
		oci_config_free(c);
		return; /* open_tree needs root */
	}
	CHECK(idmount_plan(c, "/", true, &maps, &p, &e) == 0 && p.n == 1);
	before = fcntl(0, F_DUPFD_CLOEXEC, 0);
	close(before);
	idmount_force_errno = EINVAL;
	CHECK(idmount_make(&p, c, "/", "/", &maps, getpid(), fds, &e) < 0);
	idmount_force_errno = 0;
	CHECK(fds[0] == -1);
	CHECK(strstr(e.msg, "root.path: `/` cannot be mounted idmapped on ") == e.msg);
	CHECK(strstr(e.msg, "`cell chown-rootfs BUNDLE`") != NULL);
	after = fcntl(0, F_DUPFD_CLOEXEC, 0);
	close(after);
	CHECK(after == before); /* no fd left open */
	idmount_plan_free(&p);
	oci_config_free(c);
}

static void helper_userns(void)
{
	struct oci_idmap m[] = { { 0, 100000, 65536 } };
	struct idmap_maps maps = { m, 1, m, 1 };
	char path[64], ns[64] = "", self[64] = "";
	int fd;

	if (geteuid() != 0)
		return;
	fd = idmount_userns(&maps, &e);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	CHECK(readlink(path, ns, sizeof ns - 1) > 0);
	CHECK(readlink("/proc/self/ns/user", self, sizeof self - 1) > 0);
	CHECK(strncmp(ns, "user:[", 6) == 0 && strcmp(ns, self) != 0);
	CHECK(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD); /* helper reaped */
	close(fd);
}

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* chown-rootfs's xattr shifts: a v3 capability's root id, ACL entries. */
static void shift_xattrs(void)
{
	struct oci_idmap u[] = { { 0, 100000, 65536 } };
	struct oci_idmap g[] = { { 0, 200000, 65536 } };
	struct idmap_maps maps = { u, 1, g, 1 };
	unsigned char cap[24] = { 0 }, acl[4 + 5 * 8] = { 0 };
	const unsigned tags[] = { 0x01, 0x02, 0x04, 0x08, 0x20 };
	uint32_t bad = 0;

	put32(cap, 0x03000001u); /* v3, effective */
	put32(cap + 20, 0);
	CHECK(idmap_shift_xattr("security.capability", cap, 24, &maps, &bad) == 1);
	CHECK(get32(cap + 20) == 100000);
	CHECK(idmap_shift_xattr("security.capability", cap, 24, &maps, &bad) < 0 && bad == 100000);
	put32(cap, 0x02000001u); /* v2: no root id */
	CHECK(idmap_shift_xattr("security.capability", cap, 20, &maps, &bad) == 0);
	put32(acl, 2);
	for (int i = 0; i < 5; i++) {
		acl[4 + 8 * i] = (unsigned char)tags[i];
		put32(acl + 8 + 8 * i, tags[i] == 0x02 ? 1000 : tags[i] == 0x08 ? 50 : 0xffffffffu);
	}
	CHECK(idmap_shift_xattr("system.posix_acl_access", acl, sizeof acl, &maps, &bad) == 1);
	CHECK(get32(acl + 8 + 8) == 101000);  /* ACL_USER by the uid map */
	CHECK(get32(acl + 8 + 24) == 200050); /* ACL_GROUP by the gid map */
	CHECK(get32(acl + 8) == 0xffffffffu); /* USER_OBJ untouched */
	CHECK(idmap_shift_xattr("system.posix_acl_access", acl, 7, &maps, &bad) == 0);
	put32(acl + 8 + 8, 70000);
	CHECK(idmap_shift_xattr("system.posix_acl_access", acl, sizeof acl, &maps, &bad) < 0 && bad == 70000);
}

int main(void)
{
	RUN(options);
	RUN(rootfs_mode);
	RUN(rootfs_auto);
	RUN(plan);
	RUN(unsupported_text);
	RUN(unsupported_below_text);
	RUN(forced_failure);
	RUN(helper_userns);
	RUN(shift_xattrs);
	return t_done();
}
