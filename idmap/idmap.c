#include "idmap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "../util/cleanup.h"

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif

static bool overlaps(uint32_t a, uint32_t an, uint32_t b, uint32_t bn)
{
	return a < (uint64_t)b + bn && b < (uint64_t)a + an;
}

int idmap_validate_map(const struct oci_idmap *m, size_t n, const char *field,
		       struct cell_err *e)
{
	if (n > IDMAP_MAX_LINES)
		return cell_err_set(e, EINVAL, "config.json: %s: %zu entries, the kernel takes at most %d",
				    field, n, IDMAP_MAX_LINES);
	for (size_t i = 0; i < n; i++) {
		if (m[i].size == 0)
			return cell_err_set(e, EINVAL, "config.json: %s[%zu].size: must be > 0", field, i);
		if ((uint64_t)m[i].container_id + m[i].size > (1ULL << 32))
			return cell_err_set(e, EINVAL, "config.json: %s[%zu]: containerID %u + size %u passes 2^32",
					    field, i, m[i].container_id, m[i].size);
		if ((uint64_t)m[i].host_id + m[i].size > (1ULL << 32))
			return cell_err_set(e, EINVAL, "config.json: %s[%zu]: hostID %u + size %u passes 2^32",
					    field, i, m[i].host_id, m[i].size);
		for (size_t j = 0; j < i; j++) {
			if (overlaps(m[i].container_id, m[i].size, m[j].container_id, m[j].size))
				return cell_err_set(e, EINVAL,
						    "config.json: %s[%zu]: containerID range overlaps %s[%zu]",
						    field, i, field, j);
			if (overlaps(m[i].host_id, m[i].size, m[j].host_id, m[j].size))
				return cell_err_set(e, EINVAL,
						    "config.json: %s[%zu]: hostID range overlaps %s[%zu]",
						    field, i, field, j);
		}
	}
	return 0;
}

int idmap_validate(const struct oci_config *cfg, struct cell_err *e)
{
	const struct oci_linux *l = &cfg->linux_;
	char field[64];

	if (idmap_validate_map(l->uid_mappings, l->n_uid_mappings, "linux.uidMappings", e) < 0 ||
	    idmap_validate_map(l->gid_mappings, l->n_gid_mappings, "linux.gidMappings", e) < 0)
		return -1;
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const struct oci_mount *m = &cfg->mounts[i];

		snprintf(field, sizeof field, "mounts[%zu].uidMappings", i);
		if (idmap_validate_map(m->uid_mappings, m->n_uid_mappings, field, e) < 0)
			return -1;
		snprintf(field, sizeof field, "mounts[%zu].gidMappings", i);
		if (idmap_validate_map(m->gid_mappings, m->n_gid_mappings, field, e) < 0)
			return -1;
		if ((m->n_uid_mappings == 0) != (m->n_gid_mappings == 0))
			return cell_err_set(e, EINVAL,
					    "config.json: mounts[%zu]: uidMappings and gidMappings go together", i);
	}
	if (idmap_validate_auto(cfg, e) < 0)
		return -1;
	if (geteuid() != 0)
		return idmap_rootless_validate(cfg, e);
	return 0;
}

void idmap_from_config(const struct oci_config *cfg, struct idmap_maps *out)
{
	const struct oci_linux *l = &cfg->linux_;

	*out = (struct idmap_maps){ l->uid_mappings, l->n_uid_mappings, l->gid_mappings,
				    l->n_gid_mappings };
}

bool idmap_to_host(const struct oci_idmap *m, size_t n, uint32_t id, uint32_t *host)
{
	for (size_t i = 0; i < n; i++) {
		if (id >= m[i].container_id && id - m[i].container_id < m[i].size) {
			*host = m[i].host_id + (id - m[i].container_id);
			return true;
		}
	}
	return false;
}

bool idmap_to_container(const struct oci_idmap *m, size_t n, uint32_t host, uint32_t *id)
{
	for (size_t i = 0; i < n; i++) {
		if (host >= m[i].host_id && host - m[i].host_id < m[i].size) {
			*id = m[i].container_id + (host - m[i].host_id);
			return true;
		}
	}
	return false;
}

int idmap_format(const struct oci_idmap *m, size_t n, char *buf, size_t cap)
{
	size_t len = 0;

	if (cap > 0)
		buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int k = snprintf(buf + len, cap - len, "%u %u %u\n", m[i].container_id, m[i].host_id,
				 m[i].size);

		if (k < 0 || (size_t)k >= cap - len)
			return -1;
		len += (size_t)k;
	}
	return (int)len;
}

/* /proc/PID of our own child (a zombie keeps its pid: no reuse), checked
 * to be procfs so a mount over /proc cannot redirect the write. */
static int open_proc_pid(pid_t pid, struct cell_err *e)
{
	char path[32];
	struct statfs sf;
	int fd;

	snprintf(path, sizeof path, "/proc/%d", (int)pid);
	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return cell_err_sys(e, "open `%s`", path);
	if (fstatfs(fd, &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC) {
		close(fd);
		return cell_err_set(e, EXDEV, "`%s` is not on procfs", path);
	}
	return fd;
}

/* The whole map must go in one write(2). */
int idmap_write_file(int procfd, pid_t pid, const char *file, const struct oci_idmap *m, size_t n,
		     struct cell_err *e)
{
	char buf[IDMAP_MAX_LINES * 33];
	_cleanup_close_ int fd = -1;
	int len = idmap_format(m, n, buf, sizeof buf);

	if (len < 0)
		return cell_err_set(e, E2BIG, "%s: too many lines", file);
	fd = openat(procfd, file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return cell_err_sys(e, "open `/proc/%d/%s`", (int)pid, file);
	if (write(fd, buf, (size_t)len) != len)
		return cell_err_sys(e, "write `/proc/%d/%s`", (int)pid, file);
	return 0;
}

int idmap_write(pid_t pid, const struct idmap_maps *maps, struct cell_err *e)
{
	_cleanup_close_ int procfd = open_proc_pid(pid, e);

	if (procfd < 0)
		return -1;
	if (geteuid() != 0)
		return idmap_write_rootless(procfd, pid, maps, e);
	if (idmap_write_file(procfd, pid, "uid_map", maps->uid, maps->n_uid, e) < 0)
		return cell_err_wrap(e, "linux.uidMappings");
	if (idmap_write_file(procfd, pid, "gid_map", maps->gid, maps->n_gid, e) < 0)
		return cell_err_wrap(e, "linux.gidMappings");
	return 0;
}
