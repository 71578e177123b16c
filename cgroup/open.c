/* A container's cgroups across commands: what `create` records in the
 * state file, and how later commands find the directories again. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../oci/json.h"
#include "internal.h"

/* [{"mnt":"/sys/fs/cgroup/memory","path":"/cell/x","created":2}, ...]:
 * paths per hierarchy, since a relative cgroupsPath differs per
 * hierarchy, and what to remove. */
char *cgroup_state_json(const struct cgroup *cg)
{
	struct json_out o;

	jo_init(&o, 0);
	jo_arr_begin(&o);
	for (size_t i = 0; i < cg->n; i++) {
		const struct cg_hier *h = &cg->h[i];

		if (h->fd < 0)
			continue;
		jo_obj_begin(&o);
		jo_kstr(&o, "mnt", h->mnt);
		jo_kstr(&o, "path", h->path);
		jo_ki64(&o, "created", h->created);
		jo_obj_end(&o);
	}
	jo_arr_end(&o);
	if (o.oom) {
		jo_free(&o);
		return NULL;
	}
	return o.buf;
}

static bool copy_str(const struct json_doc *d, size_t v, char *out, size_t cap)
{
	if (v == 0 || d->toks[v].type != JSON_STRING || json_str_len(d, v) >= cap ||
	    json_str_has_nul(d, v))
		return false;
	json_str_decode(d, v, out);
	return true;
}

static int open_entry(struct cgroup *cg, const struct json_doc *d, size_t v)
{
	char mnt[sizeof cg->h[0].mnt], full[sizeof cg->h[0].mnt + sizeof cg->h[0].path];
	size_t c = json_obj_get(d, v, "created");
	int64_t created = 0;

	if (d->toks[v].type != JSON_OBJECT || !copy_str(d, json_obj_get(d, v, "mnt"), mnt, sizeof mnt))
		return -1;
	if (c != 0 && json_get_i64(d, c, &created) < 0)
		return -1;
	for (size_t i = 0; i < cg->n; i++) {
		struct cg_hier *h = &cg->h[i];

		if (strcmp(h->mnt, mnt) != 0)
			continue;
		if (!copy_str(d, json_obj_get(d, v, "path"), h->path, sizeof h->path) ||
		    strstr(h->path, "/..") != NULL || h->path[0] != '/')
			return -1;
		h->created = (int)created;
		snprintf(full, sizeof full, "%s%s", h->mnt, h->path);
		h->fd = open(full, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		return 0;
	}
	return 0;
}

int cgroup_open(struct cgroup *cg, const char *state_json, struct cell_err *e)
{
	struct json_tok toks[128];
	struct json_doc d;
	int r = 0;

	if (cgroup_detect(cg, e) < 0)
		return -1;
	if (state_json == NULL)
		return 0;
	if (json_parse_buf(&d, state_json, strlen(state_json), 1 << 20, toks, 128, e) < 0)
		return cell_err_wrap(e, "state: cgroups");
	if (d.toks[0].type != JSON_ARRAY) {
		r = cell_err_set(e, EINVAL, "state: cgroups: not an array");
	} else {
		for (size_t k = 0, v = json_child(0); k < d.toks[0].count; k++, v = json_next(&d, v))
			if (open_entry(cg, &d, v) < 0) {
				r = cell_err_set(e, EINVAL, "state: cgroups[%zu]: malformed", k);
				break;
			}
	}
	json_doc_free(&d);
	if (r < 0)
		cgroup_close(cg);
	return r;
}
