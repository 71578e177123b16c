#include "idmap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>


static int validate_map(const struct oci_idmap *m, size_t n, const char *field, struct cell_err *e)
{
	if (n > IDMAP_MAX_LINES)
		return cell_err_set(e, EINVAL, "config.json: %s: %zu entries, the kernel takes at most %d",
				    field, n, IDMAP_MAX_LINES);
	for (size_t i = 0; i < n; i++) {
		if (m[i].size == 0)
			return cell_err_set(e, EINVAL, "config.json: %s[%zu].size: must be > 0", field, i);
		if ((uint64_t)m[i].container_id + m[i].size > (1ULL << 32) ||
		    (uint64_t)m[i].host_id + m[i].size > (1ULL << 32))
			return cell_err_set(e, EINVAL, "config.json: %s[%zu]: range passes 2^32", field, i);
		for (size_t j = 0; j < i; j++) {
			if (m[i].container_id < m[j].container_id + (uint64_t)m[j].size &&
			    m[j].container_id < m[i].container_id + (uint64_t)m[i].size)
				return cell_err_set(e, EINVAL,
						    "config.json: %s[%zu]: containerID range overlaps %s[%zu]",
						    field, i, field, j);
			if (m[i].host_id < m[j].host_id + (uint64_t)m[j].size &&
			    m[j].host_id < m[i].host_id + (uint64_t)m[i].size)
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

	if (validate_map(l->uid_mappings, l->n_uid_mappings, "linux.uidMappings", e) < 0)
		return -1;
	return validate_map(l->gid_mappings, l->n_gid_mappings, "linux.gidMappings", e);
}

/* The whole map must go in one write(2). */
static int write_map(pid_t pid, const char *file, const struct oci_idmap *m, size_t n,
		     struct cell_err *e)
{
	char path[64];
	char buf[IDMAP_MAX_LINES * 36];
	size_t len = 0;
	int fd;

	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%u %u %u\n", m[i].container_id,
					m[i].host_id, m[i].size);
	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return cell_err_sys(e, "open `%s`", path);
	if (write(fd, buf, len) != (ssize_t)len) {
		cell_err_sys(e, "write `%s`", path);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int idmap_write(pid_t pid, const struct oci_config *cfg, struct cell_err *e)
{
	const struct oci_linux *l = &cfg->linux_;

	if (write_map(pid, "uid_map", l->uid_mappings, l->n_uid_mappings, e) < 0)
		return -1;
	return write_map(pid, "gid_map", l->gid_mappings, l->n_gid_mappings, e);
}
