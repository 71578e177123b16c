/* config.json "process": args, env, cwd, user, capabilities, rlimits. */
#include <stdio.h>
#include <string.h>

#include "config_internal.h"


static int user_umask(struct oci_ctx *x, size_t v, void *obj)
{
	struct oci_user *u = obj;

	if (oci_get_u32(x, v, &u->umask) < 0)
		return -1;
	u->has_umask = true;
	return 0;
}

static int gid_elem(struct oci_ctx *x, size_t v, void *obj)
{
	return oci_get_u32(x, v, obj);
}

static int user_gids(struct oci_ctx *x, size_t v, void *obj)
{
	struct oci_user *u = obj;

	return oci_decode_array(x, v, sizeof(uint32_t), (void **)&u->additional_gids,
				&u->n_additional_gids, gid_elem);
}

static const struct oci_field user_fields[] = {
	OFIELD("uid", OF_U32, struct oci_user, uid),
	OFIELD("gid", OF_U32, struct oci_user, gid),
	OFIELD_FN("umask", user_umask),
	OFIELD_FN("additionalGids", user_gids),
	OFIELD("username", OF_OPTSTR, struct oci_user, username),
	OFIELD_END,
};

static int proc_user(struct oci_ctx *x, size_t v, void *obj)
{
	return oci_decode_object(x, v, user_fields, &((struct oci_process *)obj)->user);
}

static const struct oci_field console_fields[] = {
	OFIELD("height", OF_U32, struct oci_process, console_height),
	OFIELD("width", OF_U32, struct oci_process, console_width),
	OFIELD_END,
};

static int proc_console(struct oci_ctx *x, size_t v, void *obj)
{
	((struct oci_process *)obj)->has_console_size = true;
	return oci_decode_object(x, v, console_fields, obj);
}

/* runc rejects entries without '=' or with an empty name; so do we, early. */
static int proc_env(struct oci_ctx *x, size_t v, void *obj)
{
	struct oci_process *p = obj;
	size_t k;

	if (oci_get_strv(x, v, false, &p->env, &p->n_env) < 0)
		return -1;
	for (k = 0; k < p->n_env; k++) {
		const char *eq = strchr(p->env[k], '=');

		if (!eq || eq == p->env[k]) {
			oci_path_idx(x, k);
			return oci_ferr(x, "must be NAME=VALUE");
		}
	}
	return 0;
}

static int raw_len(const struct json_doc *d, size_t i, int max)
{
	uint32_t n = d->toks[i].end - d->toks[i].start;

	return n < (uint32_t)max ? (int)n : max;
}

/* One capability list into a bitmask. */
static int cap_set(struct oci_ctx *x, size_t v, uint64_t *mask)
{
	const struct json_doc *d = x->d;
	size_t k, i;

	if (oci_expect(x, v, JSON_ARRAY) < 0)
		return -1;
	for (k = 0, i = json_child(v); k < d->toks[v].count; k++, i = json_next(d, i)) {
		size_t old = oci_path_idx(x, k);
		char name[64];
		int cap = -1;

		if (oci_expect(x, i, JSON_STRING) < 0)
			return -1;
		if (json_str_len(d, i) < sizeof name && !json_str_has_nul(d, i)) {
			json_str_decode(d, i, name);
			cap = oci_cap_from_name(name);
		} else {
			/* Not a plausible name; quote a bounded piece of it. */
			snprintf(name, sizeof name, "%.*s...", raw_len(d, i, 40),
				 d->buf + d->toks[i].start);
		}
		if (cap < 0)
			return oci_ferr(x, "unknown capability \"%s\"", name);
		*mask |= 1ULL << cap;
		oci_path_pop(x, old);
	}
	return 0;
}

static int proc_caps(struct oci_ctx *x, size_t v, void *obj)
{
	static const char *const sets[OCI_CAP_NSETS] = {
		[OCI_CAP_BOUNDING] = "bounding",
		[OCI_CAP_EFFECTIVE] = "effective",
		[OCI_CAP_INHERITABLE] = "inheritable",
		[OCI_CAP_PERMITTED] = "permitted",
		[OCI_CAP_AMBIENT] = "ambient",
	};
	struct oci_process *p = obj;
	int s;

	if (oci_expect(x, v, JSON_OBJECT) < 0)
		return -1;
	p->has_capabilities = true;
	for (s = 0; s < OCI_CAP_NSETS; s++) {
		size_t sv = json_obj_get(x->d, v, sets[s]), old;

		p->caps[s] = 0;
		if (!sv || x->d->toks[sv].type == JSON_NULL)
			continue;
		old = oci_path_key(x, sets[s]);
		if (cap_set(x, sv, &p->caps[s]) < 0)
			return -1;
		oci_path_pop(x, old);
	}
	return 0;
}

static int rlimit_type(struct oci_ctx *x, size_t v, int *out)
{
	const struct json_doc *d = x->d;
	char name[32];

	if (oci_expect(x, v, JSON_STRING) < 0)
		return -1;
	*out = -1;
	if (json_str_len(d, v) < sizeof name && !json_str_has_nul(d, v)) {
		json_str_decode(d, v, name);
		*out = oci_rlimit_from_name(name);
	} else {
		snprintf(name, sizeof name, "%.*s...", raw_len(d, v, 20), d->buf + d->toks[v].start);
	}
	if (*out < 0)
		return oci_ferr(x, "unknown rlimit type \"%s\"", name);
	return 0;
}

static int rlimit_elem(struct oci_ctx *x, size_t v, void *obj)
{
	static const char *const keys[] = { "type", "hard", "soft" };
	struct oci_rlimit *r = obj;
	size_t k;

	if (oci_expect(x, v, JSON_OBJECT) < 0)
		return -1;
	for (k = 0; k < 3; k++) {
		size_t mv = json_obj_get(x->d, v, keys[k]), old;
		int rc;

		if (!mv || x->d->toks[mv].type == JSON_NULL)
			return oci_required(x, keys[k]);
		old = oci_path_key(x, keys[k]);
		if (k == 0)
			rc = rlimit_type(x, mv, &r->resource);
		else
			rc = oci_get_u64(x, mv, k == 1 ? &r->hard : &r->soft);
		if (rc < 0)
			return -1;
		oci_path_pop(x, old);
	}
	if (r->soft > r->hard)
		return oci_ferr(x, "soft limit greater than hard limit");
	return 0;
}

static int proc_rlimits(struct oci_ctx *x, size_t v, void *obj)
{
	struct oci_process *p = obj;
	size_t i, j;

	if (oci_decode_array(x, v, sizeof(struct oci_rlimit), (void **)&p->rlimits,
			     &p->n_rlimits, rlimit_elem) < 0)
		return -1;
	for (i = 1; i < p->n_rlimits; i++) {
		for (j = 0; j < i; j++) {
			if (p->rlimits[i].resource != p->rlimits[j].resource)
				continue;
			oci_path_idx(x, i);
			oci_path_key(x, "type");
			return oci_ferr(x, "duplicate rlimit type \"%s\"",
					oci_rlimit_name(p->rlimits[i].resource));
		}
	}
	return 0;
}

static int proc_oom(struct oci_ctx *x, size_t v, void *obj)
{
	struct oci_process *p = obj;
	int64_t n = 0;

	if (oci_get_i64(x, v, -1000, 1000, &n) < 0)
		return -1;
	p->oom_score_adj = (int)n;
	p->has_oom_score_adj = true;
	return 0;
}

static const struct oci_field process_fields[] = {
	OFIELD("terminal", OF_BOOL, struct oci_process, terminal),
	OFIELD_FN("consoleSize", proc_console),
	OFIELD_FN("user", proc_user),
	OFIELDN("args", OF_STRV, struct oci_process, args, n_args),
	OFIELD_FN("env", proc_env),
	OFIELD("cwd", OF_PATH, struct oci_process, cwd),
	OFIELD_FN("capabilities", proc_caps),
	OFIELD_FN("rlimits", proc_rlimits),
	OFIELD("noNewPrivileges", OF_BOOL, struct oci_process, no_new_privileges),
	OFIELD_FN("oomScoreAdj", proc_oom),
	OFIELD("apparmorProfile", OF_OPTSTR, struct oci_process, apparmor_profile),
	OFIELD("selinuxLabel", OF_OPTSTR, struct oci_process, selinux_label),
	OFIELD_END,
};

int oci_parse_process(struct oci_ctx *x, size_t v, void *obj)
{
	struct oci_config *c = obj;
	struct oci_process *p = &c->process;

	memset(p, 0, sizeof *p);
	if (oci_decode_object(x, v, process_fields, p) < 0)
		return -1;
	if (!p->args)
		return oci_required(x, "args");
	if (p->n_args == 0) {
		oci_path_key(x, "args");
		return oci_ferr(x, "must not be empty");
	}
	if (!p->env && !(p->env = oci_empty_strv(x)))
		return oci_oom(x);
	if (!p->cwd && !(p->cwd = oci_strdup(x, "/")))
		return oci_oom(x);
	c->has_process = true;
	return 0;
}
