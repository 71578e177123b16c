/* config.json "linux": namespaces, id maps, devices, paths, propagation,
 * sysctl, time offsets, and raw sections decoded by later modules. */
#include <stdint.h>
#include <string.h>
#include <sys/mount.h>

#include "config_internal.h"


static int ns_elem(struct oci_ctx *x, size_t v, struct oci_linux *l)
{
	size_t tv, pv, old;
	char *type, *path = NULL;
	int t;

	if (oci_expect(x, v, JSON_OBJECT) < 0)
		return -1;
	tv = json_obj_get(x->d, v, "type");
	if (!tv || x->d->toks[tv].type == JSON_NULL)
		return oci_required(x, "type");
	old = oci_path_key(x, "type");
	if (oci_get_str(x, tv, &type) < 0)
		return -1;
	t = oci_ns_from_name(type);
	if (t < 0)
		return oci_ferr(x, "unknown namespace type \"%s\"", type);
	if (l->ns[t].present)
		return oci_ferr(x, "duplicate namespace type \"%s\"", type);
	oci_path_pop(x, old);
	pv = json_obj_get(x->d, v, "path");
	if (pv && x->d->toks[pv].type != JSON_NULL) {
		oci_path_key(x, "path");
		if (oci_get_path(x, pv, &path) < 0)
			return -1;
		oci_path_pop(x, old);
	}
	l->ns[t].present = true;
	l->ns[t].path = path;
	return 0;
}

static int lnx_namespaces(struct oci_ctx *x, size_t v, void *obj)
{
	struct oci_linux *l = obj;
	const struct json_doc *d = x->d;
	size_t k, i;

	if (oci_expect(x, v, JSON_ARRAY) < 0)
		return -1;
	memset(l->ns, 0, sizeof l->ns);
	for (k = 0, i = json_child(v); k < d->toks[v].count; k++, i = json_next(d, i)) {
		size_t old = oci_path_idx(x, k);

		if (ns_elem(x, i, l) < 0)
			return -1;
		oci_path_pop(x, old);
	}
	return 0;
}

static int dev_type(struct oci_ctx *x, size_t v, void *obj)
{
	struct oci_device *dev = obj;
	char *s;

	if (oci_get_str(x, v, &s) < 0)
		return -1;
	if (strlen(s) != 1 || !strchr("cbup", s[0]))
		return oci_ferr(x, "unknown device type \"%s\"", s);
	dev->type = s[0];
	return 0;
}

static int dev_major(struct oci_ctx *x, size_t v, void *obj)
{
	return oci_get_i64(x, v, 0, UINT32_MAX, &((struct oci_device *)obj)->major);
}

static int dev_minor(struct oci_ctx *x, size_t v, void *obj)
{
	return oci_get_i64(x, v, 0, UINT32_MAX, &((struct oci_device *)obj)->minor);
}

static int dev_mode(struct oci_ctx *x, size_t v, void *obj)
{
	struct oci_device *dev = obj;

	if (oci_get_u32(x, v, &dev->file_mode) < 0)
		return -1;
	if (dev->file_mode > 07777)
		return oci_ferr(x, "must be permission bits (at most 07777)");
	dev->has_file_mode = true;
	return 0;
}

static int dev_uid(struct oci_ctx *x, size_t v, void *obj)
{
	struct oci_device *dev = obj;

	dev->has_uid = true;
	return oci_get_u32(x, v, &dev->uid);
}

static int dev_gid(struct oci_ctx *x, size_t v, void *obj)
{
	struct oci_device *dev = obj;

	dev->has_gid = true;
	return oci_get_u32(x, v, &dev->gid);
}

static const struct oci_field device_fields[] = {
	OFIELD("path", OF_PATH, struct oci_device, path),
	OFIELD_FN("type", dev_type),
	OFIELD_FN("major", dev_major),
	OFIELD_FN("minor", dev_minor),
	OFIELD_FN("fileMode", dev_mode),
	OFIELD_FN("uid", dev_uid),
	OFIELD_FN("gid", dev_gid),
	OFIELD_END,
};

static int device_elem(struct oci_ctx *x, size_t v, void *obj)
{
	struct oci_device *dev = obj;

	dev->major = dev->minor = -1;
	if (oci_decode_object(x, v, device_fields, dev) < 0)
		return -1;
	if (!dev->path)
		return oci_required(x, "path");
	if (!dev->type)
		return oci_required(x, "type");
	if (dev->type == 'p') {
		dev->major = dev->minor = -1; /* fifos have no device number */
		return 0;
	}
	if (dev->major < 0)
		return oci_required(x, "major");
	if (dev->minor < 0)
		return oci_required(x, "minor");
	return 0;
}

static int lnx_devices(struct oci_ctx *x, size_t v, void *obj)
{
	struct oci_linux *l = obj;

	return oci_decode_array(x, v, sizeof(struct oci_device), (void **)&l->devices,
				&l->n_devices, device_elem);
}

static const struct {
	const char *name;
	unsigned long flags;
} propagations[] = {
	{ "private", MS_PRIVATE },
	{ "rprivate", MS_PRIVATE | MS_REC },
	{ "slave", MS_SLAVE },
	{ "rslave", MS_SLAVE | MS_REC },
	{ "shared", MS_SHARED },
	{ "rshared", MS_SHARED | MS_REC },
	{ "unbindable", MS_UNBINDABLE },
	{ "runbindable", MS_UNBINDABLE | MS_REC },
};

static int lnx_propagation(struct oci_ctx *x, size_t v, void *obj)
{
	struct oci_linux *l = obj;
	size_t i;
	char *s;

	if (oci_get_str(x, v, &s) < 0)
		return -1;
	if (!s[0]) {
		l->rootfs_propagation = 0; /* "" = the default, as for runc */
		return 0;
	}
	for (i = 0; i < sizeof propagations / sizeof propagations[0]; i++) {
		if (strcmp(s, propagations[i].name) == 0) {
			l->rootfs_propagation = propagations[i].flags;
			return 0;
		}
	}
	return oci_ferr(x, "unknown propagation \"%s\"", s);
}

static int offset_nsecs(struct oci_ctx *x, size_t v, void *obj)
{
	struct oci_time_offset *t = obj;

	if (oci_get_u32(x, v, &t->nanosecs) < 0)
		return -1;
	if (t->nanosecs >= 1000000000)
		return oci_ferr(x, "must be below 1000000000");
	return 0;
}

static int offset_secs(struct oci_ctx *x, size_t v, void *obj)
{
	return oci_get_i64(x, v, INT64_MIN, INT64_MAX, &((struct oci_time_offset *)obj)->secs);
}

static const struct oci_field offset_fields[] = {
	OFIELD_FN("secs", offset_secs),
	OFIELD_FN("nanosecs", offset_nsecs),
	OFIELD_END,
};

static int time_offset(struct oci_ctx *x, size_t v, struct oci_time_offset *t)
{
	memset(t, 0, sizeof *t);
	t->present = true;
	return oci_decode_object(x, v, offset_fields, t);
}

static int offset_boottime(struct oci_ctx *x, size_t v, void *obj)
{
	return time_offset(x, v, &((struct oci_linux *)obj)->time_boottime);
}

static int offset_monotonic(struct oci_ctx *x, size_t v, void *obj)
{
	return time_offset(x, v, &((struct oci_linux *)obj)->time_monotonic);
}

static const struct oci_field offsets_fields[] = {
	OFIELD_FN("boottime", offset_boottime),
	OFIELD_FN("monotonic", offset_monotonic),
	OFIELD_END,
};

static int lnx_time_offsets(struct oci_ctx *x, size_t v, void *obj)
{
	return oci_decode_object(x, v, offsets_fields, obj);
}

static const struct oci_field linux_fields[] = {
	OFIELD_FN("namespaces", lnx_namespaces),
	OFIELDN("uidMappings", OF_IDMAPS, struct oci_linux, uid_mappings, n_uid_mappings),
	OFIELDN("gidMappings", OF_IDMAPS, struct oci_linux, gid_mappings, n_gid_mappings),
	OFIELD_FN("devices", lnx_devices),
	OFIELDN("maskedPaths", OF_PATHV, struct oci_linux, masked_paths, n_masked_paths),
	OFIELDN("readonlyPaths", OF_PATHV, struct oci_linux, readonly_paths, n_readonly_paths),
	OFIELD_FN("rootfsPropagation", lnx_propagation),
	OFIELDN("sysctl", OF_KV, struct oci_linux, sysctl, n_sysctl),
	OFIELD("cgroupsPath", OF_OPTSTR, struct oci_linux, cgroups_path),
	OFIELD("mountLabel", OF_OPTSTR, struct oci_linux, mount_label),
	OFIELD_FN("timeOffsets", lnx_time_offsets),
	OFIELD_FN("resources", oci_parse_resources),
	OFIELD_FN("seccomp", oci_parse_seccomp),
	OFIELD_FN("netDevices", oci_parse_netdevs),
	OFIELD_END,
};

int oci_parse_linux(struct oci_ctx *x, size_t v, void *obj)
{
	struct oci_config *c = obj;

	memset(&c->linux_, 0, sizeof c->linux_);
	if (oci_decode_object(x, v, linux_fields, &c->linux_) < 0)
		return -1;
	c->has_linux = true;
	return 0;
}
