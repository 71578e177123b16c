/* config.json "mounts" and the decoding of mount options into MS_* flags,
 * propagation and filesystem data. */
#include <string.h>
#include <sys/mount.h>

#include "config_internal.h"

enum opt_kind {
	OPT_FLAG,  /* set `set`, clear `clear` */
	OPT_PROP,  /* propagation */
	OPT_IDMAP,
	OPT_RIDMAP,
	OPT_TMPCOPYUP,
	OPT_NONE,  /* "defaults" */
};

/* The option names runc recognises as flags; anything else is filesystem
 * data (size=, mode=, newinstance, ...). */
static const struct mount_opt {
	const char *name;
	unsigned char kind;
	unsigned long set;
	unsigned long clear;
} mount_opts[] = {
	{ "async", OPT_FLAG, 0, MS_SYNCHRONOUS },
	{ "atime", OPT_FLAG, 0, MS_NOATIME },
	{ "bind", OPT_FLAG, MS_BIND, 0 },
	{ "defaults", OPT_NONE, 0, 0 },
	{ "dev", OPT_FLAG, 0, MS_NODEV },
	{ "diratime", OPT_FLAG, 0, MS_NODIRATIME },
	{ "dirsync", OPT_FLAG, MS_DIRSYNC, 0 },
	{ "exec", OPT_FLAG, 0, MS_NOEXEC },
	{ "idmap", OPT_IDMAP, 0, 0 },
	{ "iversion", OPT_FLAG, MS_I_VERSION, 0 },
	{ "lazytime", OPT_FLAG, MS_LAZYTIME, 0 },
	{ "loud", OPT_FLAG, 0, MS_SILENT },
	{ "mand", OPT_FLAG, MS_MANDLOCK, 0 },
	{ "noatime", OPT_FLAG, MS_NOATIME, 0 },
	{ "nodev", OPT_FLAG, MS_NODEV, 0 },
	{ "nodiratime", OPT_FLAG, MS_NODIRATIME, 0 },
	{ "noexec", OPT_FLAG, MS_NOEXEC, 0 },
	{ "noiversion", OPT_FLAG, 0, MS_I_VERSION },
	{ "nolazytime", OPT_FLAG, 0, MS_LAZYTIME },
	{ "nomand", OPT_FLAG, 0, MS_MANDLOCK },
	{ "norelatime", OPT_FLAG, 0, MS_RELATIME },
	{ "nostrictatime", OPT_FLAG, 0, MS_STRICTATIME },
	{ "nosuid", OPT_FLAG, MS_NOSUID, 0 },
	{ "nosymfollow", OPT_FLAG, MS_NOSYMFOLLOW, 0 },
	{ "private", OPT_PROP, MS_PRIVATE, 0 },
	{ "rbind", OPT_FLAG, MS_BIND | MS_REC, 0 },
	{ "relatime", OPT_FLAG, MS_RELATIME, 0 },
	{ "remount", OPT_FLAG, MS_REMOUNT, 0 },
	{ "ridmap", OPT_RIDMAP, 0, 0 },
	{ "ro", OPT_FLAG, MS_RDONLY, 0 },
	{ "rprivate", OPT_PROP, MS_PRIVATE | MS_REC, 0 },
	{ "rshared", OPT_PROP, MS_SHARED | MS_REC, 0 },
	{ "rslave", OPT_PROP, MS_SLAVE | MS_REC, 0 },
	{ "runbindable", OPT_PROP, MS_UNBINDABLE | MS_REC, 0 },
	{ "rw", OPT_FLAG, 0, MS_RDONLY },
	{ "shared", OPT_PROP, MS_SHARED, 0 },
	{ "silent", OPT_FLAG, MS_SILENT, 0 },
	{ "slave", OPT_PROP, MS_SLAVE, 0 },
	{ "strictatime", OPT_FLAG, MS_STRICTATIME, 0 },
	{ "suid", OPT_FLAG, 0, MS_NOSUID },
	{ "symfollow", OPT_FLAG, 0, MS_NOSYMFOLLOW },
	{ "sync", OPT_FLAG, MS_SYNCHRONOUS, 0 },
	{ "tmpcopyup", OPT_TMPCOPYUP, 0, 0 },
	{ "unbindable", OPT_PROP, MS_UNBINDABLE, 0 },
};

#define N_MOUNT_OPTS (sizeof mount_opts / sizeof mount_opts[0])

const char *oci_mount_option_name(size_t i)
{
	return i < N_MOUNT_OPTS ? mount_opts[i].name : NULL;
}

static const struct mount_opt *find_opt(const char *s)
{
	size_t i;

	for (i = 0; i < N_MOUNT_OPTS; i++)
		if (mount_opts[i].name[0] == s[0] && strcmp(mount_opts[i].name, s) == 0)
			return &mount_opts[i];
	return NULL;
}

/* Later options win over earlier ones, as with mount(8). */
static void apply_opt(struct oci_mount *m, const struct mount_opt *o)
{
	switch (o->kind) {
	case OPT_FLAG:
		m->flags = (m->flags & ~o->clear) | o->set;
		m->clear_flags = (m->clear_flags & ~o->set) | o->clear;
		if (o->set & MS_BIND)
			m->is_bind = true;
		if ((o->set | o->clear) & MS_NOSYMFOLLOW)
			m->nosymfollow = (o->set & MS_NOSYMFOLLOW) != 0;
		break;
	case OPT_PROP:
		m->propagation = o->set;
		break;
	case OPT_IDMAP:
	case OPT_RIDMAP:
		m->idmap = true;
		m->idmap_recursive = o->kind == OPT_RIDMAP;
		break;
	case OPT_TMPCOPYUP:
		m->tmpcopyup = true;
		break;
	default:
		break;
	}
}

static int decode_options(struct oci_ctx *x, struct oci_mount *m)
{
	size_t k, dlen = 0;
	char *p;

	for (k = 0; k < m->n_options; k++) {
		const struct mount_opt *o = find_opt(m->options[k]);

		if (o)
			apply_opt(m, o);
		else if (m->options[k][0])
			dlen += strlen(m->options[k]) + 1;
	}
	if (!dlen)
		return 0;
	p = m->data = oci_arena_alloc(x->a, dlen);
	if (!p)
		return oci_oom(x);
	for (k = 0; k < m->n_options; k++) {
		size_t n;

		if (!m->options[k][0] || find_opt(m->options[k]))
			continue;
		if (p != m->data)
			*p++ = ',';
		n = strlen(m->options[k]);
		memcpy(p, m->options[k], n);
		p += n;
	}
	*p = '\0';
	return 0;
}

static const struct oci_field mount_fields[] = {
	OFIELD("destination", OF_PATH, struct oci_mount, destination),
	OFIELD("type", OF_OPTSTR, struct oci_mount, type),
	OFIELD("source", OF_OPTSTR, struct oci_mount, source),
	OFIELDN("options", OF_STRV, struct oci_mount, options, n_options),
	OFIELDN("uidMappings", OF_IDMAPS, struct oci_mount, uid_mappings, n_uid_mappings),
	OFIELDN("gidMappings", OF_IDMAPS, struct oci_mount, gid_mappings, n_gid_mappings),
	OFIELD_END,
};

static int mount_elem(struct oci_ctx *x, size_t v, void *obj)
{
	struct oci_mount *m = obj;

	if (oci_decode_object(x, v, mount_fields, m) < 0)
		return -1;
	if (!m->destination)
		return oci_required(x, "destination");
	if (!m->options && !(m->options = oci_empty_strv(x)))
		return oci_oom(x);
	if (decode_options(x, m) < 0)
		return -1;
	if (m->type && strcmp(m->type, "bind") == 0) {
		m->is_bind = true;
		m->flags |= MS_BIND;
	}
	if (m->n_uid_mappings || m->n_gid_mappings)
		m->idmap = true;
	return 0;
}

int oci_parse_mounts(struct oci_ctx *x, size_t v, void *obj)
{
	struct oci_config *c = obj;

	return oci_decode_array(x, v, sizeof(struct oci_mount), (void **)&c->mounts, &c->n_mounts,
				mount_elem);
}
