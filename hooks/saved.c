/* The hooks that run after `create` returned (startContainer in the init,
 * poststart in `start`, poststop in `delete`) are kept in the state
 * directory: config.json may change or go once the container exists. */
#include <errno.h>
#include <stdlib.h>

#include "../oci/json.h"
#include "../util/fs.h"
#include "hooks.h"

static const enum oci_hook_kind later[] = {
	OCI_HOOK_START_CONTAINER, OCI_HOOK_POSTSTART, OCI_HOOK_POSTSTOP,
};

static void write_strv(struct json_out *o, const char *key, char **v)
{
	jo_key(o, key);
	jo_arr_begin(o);
	for (size_t i = 0; v[i] != NULL; i++)
		jo_str(o, v[i]);
	jo_arr_end(o);
}

int hooks_save(int dirfd, const struct oci_config *cfg, struct cell_err *e)
{
	struct json_out o;
	bool any = false;
	int r;

	for (size_t i = 0; i < sizeof later / sizeof later[0]; i++)
		any |= hooks_any(cfg, later[i]);
	if (!any)
		return 0;
	/* A config document, so that the config parser reads it back. */
	jo_init(&o, 0);
	jo_obj_begin(&o);
	jo_kstr(&o, "ociVersion", cfg->oci_version);
	jo_key(&o, "root");
	jo_obj_begin(&o);
	jo_kstr(&o, "path", "/");
	jo_obj_end(&o);
	jo_key(&o, "hooks");
	jo_obj_begin(&o);
	for (size_t i = 0; i < sizeof later / sizeof later[0]; i++) {
		enum oci_hook_kind k = later[i];

		if (!hooks_any(cfg, k))
			continue;
		jo_key(&o, oci_hook_kind_name(k));
		jo_arr_begin(&o);
		for (size_t j = 0; j < cfg->n_hooks[k]; j++) {
			const struct oci_hook *h = &cfg->hooks[k][j];

			jo_obj_begin(&o);
			jo_kstr(&o, "path", h->path);
			write_strv(&o, "args", h->args);
			write_strv(&o, "env", h->env);
			if (h->timeout > 0)
				jo_ki64(&o, "timeout", h->timeout);
			jo_obj_end(&o);
		}
		jo_arr_end(&o);
	}
	jo_obj_end(&o);
	jo_obj_end(&o);
	if (o.oom) {
		jo_free(&o);
		return cell_err_errno(e, ENOMEM, "write " HOOKS_FILE);
	}
	r = fs_write_atomic(dirfd, HOOKS_FILE, o.buf, o.len, 0600, e);
	jo_free(&o);
	return r;
}

int hooks_load(int dirfd, struct oci_config **out, struct cell_err *e)
{
	char *buf;
	size_t len;

	*out = NULL;
	if (fs_read_file(dirfd, HOOKS_FILE, OCI_CONFIG_MAX_SIZE, &buf, &len, e) < 0)
		return e->errnum == ENOENT ? 0 : -1;
	*out = oci_config_parse(buf, len, HOOKS_FILE, e);
	free(buf);
	return *out != NULL ? 0 : -1;
}
