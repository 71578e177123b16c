/* config.json -> struct oci_config: the arena, the table-driven decoder,
 * the top-level object and hooks. Sections live in config_*.c. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/cleanup.h"
#include "config_internal.h"
#include "json.h"

/* ---- arena: bump allocation over malloc'd chunks, freed at once ---- */

struct arena_chunk {
	struct arena_chunk *next;
	size_t used;
	size_t cap;
	max_align_t data[];
};

struct oci_arena {
	struct arena_chunk *head;
};

#define ARENA_ALIGN (sizeof(max_align_t))

static size_t align_up(size_t n)
{
	return (n + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
}

static struct arena_chunk *chunk_new(size_t cap)
{
	struct arena_chunk *ch = malloc(sizeof *ch + cap);

	if (!ch)
		return NULL;
	ch->next = NULL;
	ch->used = 0;
	ch->cap = cap;
	return ch;
}

/* The arena header lives in its own first chunk. */
static struct oci_arena *arena_new(size_t cap)
{
	struct arena_chunk *ch = chunk_new(align_up(sizeof(struct oci_arena)) + cap);
	struct oci_arena *a;

	if (!ch)
		return NULL;
	a = (struct oci_arena *)(void *)ch->data;
	ch->used = align_up(sizeof *a);
	a->head = ch;
	return a;
}

static void arena_free(struct oci_arena *a)
{
	struct arena_chunk *ch, *next;

	if (!a)
		return;
	for (ch = a->head; ch; ch = next) {
		next = ch->next;
		free(ch);
	}
}

static void *arena_take(struct oci_arena *a, size_t n, size_t align)
{
	struct arena_chunk *ch = a->head;
	size_t off = (ch->used + align - 1) & ~(align - 1);
	unsigned char *p;

	if (off > ch->cap || ch->cap - off < n) {
		size_t cap = ch->cap > n ? ch->cap : n;

		ch = chunk_new(align_up(cap));
		if (!ch)
			return NULL;
		ch->next = a->head;
		a->head = ch;
		off = 0;
	}
	p = (unsigned char *)ch->data + off;
	ch->used = off + n;
	return p;
}

void *oci_arena_alloc(struct oci_arena *a, size_t n)
{
	void *p = arena_take(a, n ? n : 1, ARENA_ALIGN);

	if (p)
		memset(p, 0, n);
	return p;
}

/* Strings need no alignment: pack them. */
static char *arena_str(struct oci_arena *a, size_t len)
{
	return arena_take(a, len + 1, 1);
}

/* ---- context and errors ---- */

/* Render the path segments: process.args[2], linux.sysctl["a.b"]. */
static void format_path(const struct oci_ctx *x, char *buf, size_t cap)
{
	size_t i, n = 0, depth = x->depth < OCI_PATH_MAX ? x->depth : OCI_PATH_MAX;

	buf[0] = '\0';
	for (i = 0; i < depth && n < cap; i++) {
		const struct oci_pseg *s = &x->seg[i];
		int r;

		if (!s->key)
			r = snprintf(buf + n, cap - n, "[%zu]", s->idx);
		else if (s->map_key)
			r = snprintf(buf + n, cap - n, "[\"%s\"]", s->key);
		else
			r = snprintf(buf + n, cap - n, "%s%s", i ? "." : "", s->key);
		if (r < 0)
			break;
		n += (size_t)r;
	}
}

int oci_ferr(struct oci_ctx *x, const char *fmt, ...)
{
	char what[CELL_ERR_MSG], path[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (x->depth == 0)
		return cell_err_set(x->e, 0, "%s: %s", x->name, what);
	format_path(x, path, sizeof path);
	return cell_err_set(x->e, 0, "%s: %s: %s", x->name, path, what);
}

int oci_oom(struct oci_ctx *x)
{
	return cell_err_errno(x->e, ENOMEM, "%s: parse", x->name);
}

int oci_required(struct oci_ctx *x, const char *key)
{
	oci_path_key(x, key);
	return oci_ferr(x, "required");
}

/* ---- typed getters ---- */

static const char *type_word(enum json_type t)
{
	switch (t) {
	case JSON_STRING: return "a string";
	case JSON_NUMBER: return "an integer";
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	default: return "a boolean";
	}
}

int oci_expect(struct oci_ctx *x, size_t v, enum json_type t)
{
	enum json_type have = x->d->toks[v].type;

	if (have == t || (t == JSON_TRUE && have == JSON_FALSE))
		return 0;
	return oci_ferr(x, "must be %s", type_word(t));
}

char *oci_strdup(struct oci_ctx *x, const char *s)
{
	size_t n = strlen(s);
	char *p = arena_str(x->a, n);

	if (!p)
		return NULL;
	memcpy(p, s, n + 1);
	return p;
}

int oci_get_str(struct oci_ctx *x, size_t v, char **out)
{
	char *s;

	if (oci_expect(x, v, JSON_STRING) < 0)
		return -1;
	if (json_str_has_nul(x->d, v))
		return oci_ferr(x, "must not contain NUL bytes");
	s = arena_str(x->a, json_str_len(x->d, v));
	if (!s)
		return oci_oom(x);
	json_str_decode(x->d, v, s);
	*out = s;
	return 0;
}

int oci_get_path(struct oci_ctx *x, size_t v, char **out)
{
	if (oci_get_str(x, v, out) < 0)
		return -1;
	if ((*out)[0] != '/')
		return oci_ferr(x, "must be an absolute path");
	return 0;
}

int oci_get_bool(struct oci_ctx *x, size_t v, bool *out)
{
	if (oci_expect(x, v, JSON_TRUE) < 0)
		return -1;
	*out = x->d->toks[v].type == JSON_TRUE;
	return 0;
}

int oci_get_i64(struct oci_ctx *x, size_t v, int64_t min, int64_t max, int64_t *out)
{
	int64_t n = 0;

	if (oci_expect(x, v, JSON_NUMBER) < 0)
		return -1;
	if (json_get_i64(x->d, v, &n) < 0) {
		if (errno == EINVAL)
			return oci_ferr(x, "must be an integer");
		goto range;
	}
	if (n < min || n > max)
		goto range;
	*out = n;
	return 0;
range:
	return oci_ferr(x, "must be between %lld and %lld", (long long)min, (long long)max);
}

int oci_get_u64(struct oci_ctx *x, size_t v, uint64_t *out)
{
	if (oci_expect(x, v, JSON_NUMBER) < 0)
		return -1;
	if (json_get_u64(x->d, v, out) < 0)
		return oci_ferr(x, errno == EINVAL ? "must be an integer"
				       : "must be between 0 and 18446744073709551615");
	return 0;
}

int oci_get_u32(struct oci_ctx *x, size_t v, uint32_t *out)
{
	int64_t n = 0;

	if (oci_get_i64(x, v, 0, UINT32_MAX, &n) < 0)
		return -1;
	*out = (uint32_t)n;
	return 0;
}

char **oci_empty_strv(struct oci_ctx *x)
{
	return oci_arena_alloc(x->a, sizeof(char *));
}

int oci_get_strv(struct oci_ctx *x, size_t v, bool paths, char ***out, size_t *n)
{
	const struct json_doc *d = x->d;
	size_t k, i, cnt;
	char **sv;

	if (oci_expect(x, v, JSON_ARRAY) < 0)
		return -1;
	cnt = d->toks[v].count;
	sv = oci_arena_alloc(x->a, (cnt + 1) * sizeof *sv);
	if (!sv)
		return oci_oom(x);
	for (k = 0, i = json_child(v); k < cnt; k++, i = json_next(d, i)) {
		size_t old = oci_path_idx(x, k);

		if ((paths ? oci_get_path(x, i, &sv[k]) : oci_get_str(x, i, &sv[k])) < 0)
			return -1;
		oci_path_pop(x, old);
	}
	*out = sv;
	*n = cnt;
	return 0;
}

int oci_get_kv(struct oci_ctx *x, size_t v, struct oci_kv **out, size_t *n)
{
	const struct json_doc *d = x->d;
	size_t k, i, cnt;
	struct oci_kv *kv;

	if (oci_expect(x, v, JSON_OBJECT) < 0)
		return -1;
	cnt = d->toks[v].count;
	kv = oci_arena_alloc(x->a, cnt * sizeof *kv);
	if (!kv)
		return oci_oom(x);
	for (k = 0, i = json_child(v); k < cnt; k++, i = json_next(d, i + 1)) {
		size_t old;

		if (oci_get_str(x, i, &kv[k].key) < 0)
			return oci_ferr(x, "keys must not contain NUL bytes");
		old = oci_path_push(x, kv[k].key, 0, true);
		if (oci_get_str(x, i + 1, &kv[k].value) < 0)
			return -1;
		oci_path_pop(x, old);
	}
	*out = kv;
	*n = cnt;
	return 0;
}

int oci_get_raw(struct oci_ctx *x, size_t v, char **out)
{
	const struct json_tok *t = &x->d->toks[v];
	size_t n = t->end - t->start;
	char *s;

	if (oci_expect(x, v, JSON_OBJECT) < 0)
		return -1;
	s = arena_str(x->a, n);
	if (!s)
		return oci_oom(x);
	memcpy(s, x->d->buf + t->start, n);
	s[n] = '\0';
	*out = s;
	return 0;
}

static int idmap_elem(struct oci_ctx *x, size_t v, void *obj)
{
	static const char *const keys[] = { "containerID", "hostID", "size" };
	struct oci_idmap *m = obj;
	uint32_t *dst[] = { &m->container_id, &m->host_id, &m->size };
	size_t k;

	if (oci_expect(x, v, JSON_OBJECT) < 0)
		return -1;
	for (k = 0; k < 3; k++) {
		size_t mv = json_obj_get(x->d, v, keys[k]), old;

		if (!mv || x->d->toks[mv].type == JSON_NULL)
			return oci_required(x, keys[k]);
		old = oci_path_key(x, keys[k]);
		if (oci_get_u32(x, mv, dst[k]) < 0)
			return -1;
		oci_path_pop(x, old);
	}
	if (m->size == 0) {
		oci_path_key(x, "size");
		return oci_ferr(x, "must be > 0");
	}
	return 0;
}

/* ---- table-driven objects and arrays ---- */

#define MEMBER(obj, off, T) ((T *)(void *)((char *)(obj) + (off)))

static int decode_field(struct oci_ctx *x, size_t v, const struct oci_field *f, void *obj)
{
	switch (f->type) {
	case OF_STR:
		return oci_get_str(x, v, MEMBER(obj, f->off, char *));
	case OF_OPTSTR:
		if (oci_get_str(x, v, MEMBER(obj, f->off, char *)) < 0)
			return -1;
		if (!**MEMBER(obj, f->off, char *))
			*MEMBER(obj, f->off, char *) = NULL;
		return 0;
	case OF_PATH:
		return oci_get_path(x, v, MEMBER(obj, f->off, char *));
	case OF_BOOL:
		return oci_get_bool(x, v, MEMBER(obj, f->off, bool));
	case OF_U32:
		return oci_get_u32(x, v, MEMBER(obj, f->off, uint32_t));
	case OF_STRV:
	case OF_PATHV:
		return oci_get_strv(x, v, f->type == OF_PATHV, MEMBER(obj, f->off, char **),
				    MEMBER(obj, f->off_n, size_t));
	case OF_KV:
		return oci_get_kv(x, v, MEMBER(obj, f->off, struct oci_kv *),
			      MEMBER(obj, f->off_n, size_t));
	case OF_RAW:
		return oci_get_raw(x, v, MEMBER(obj, f->off, char *));
	case OF_IDMAPS:
		return oci_decode_array(x, v, sizeof(struct oci_idmap),
					(void **)MEMBER(obj, f->off, struct oci_idmap *),
					MEMBER(obj, f->off_n, size_t), idmap_elem);
	case OF_FN:
		return f->fn(x, v, obj);
	case OF_END:
		break;
	}
	return 0;
}

static bool key_is(const struct json_doc *d, size_t k, const char *key)
{
	const struct json_tok *t = &d->toks[k];

	/* Cheap first-byte filter before the full comparison. */
	if (!t->has_esc && (t->start == t->end ? key[0] != '\0' : d->buf[t->start] != key[0]))
		return false;
	return json_str_eq(d, k, key);
}

int oci_decode_object(struct oci_ctx *x, size_t v, const struct oci_field *tab, void *obj)
{
	const struct json_doc *d = x->d;
	size_t k, i;

	if (oci_expect(x, v, JSON_OBJECT) < 0)
		return -1;
	for (k = 0, i = json_child(v); k < d->toks[v].count; k++, i = json_next(d, i + 1)) {
		const struct oci_field *f;
		size_t old;

		if (d->toks[i + 1].type == JSON_NULL)
			continue;
		for (f = tab; f->key; f++)
			if (key_is(d, i, f->key))
				break;
		if (!f->key)
			continue;
		old = oci_path_key(x, f->key);
		if (decode_field(x, i + 1, f, obj) < 0)
			return -1;
		oci_path_pop(x, old);
	}
	return 0;
}

int oci_decode_array(struct oci_ctx *x, size_t v, size_t size, void **out, size_t *n,
		     oci_field_fn fn)
{
	const struct json_doc *d = x->d;
	size_t k, i, cnt;
	char *arr;

	if (oci_expect(x, v, JSON_ARRAY) < 0)
		return -1;
	cnt = d->toks[v].count;
	arr = cnt ? oci_arena_alloc(x->a, cnt * size) : NULL;
	if (cnt && !arr)
		return oci_oom(x);
	for (k = 0, i = json_child(v); k < cnt; k++, i = json_next(d, i)) {
		size_t old = oci_path_idx(x, k);

		if (fn(x, i, arr + k * size) < 0)
			return -1;
		oci_path_pop(x, old);
	}
	*out = arr;
	*n = cnt;
	return 0;
}

/* ---- hooks ---- */

static int hook_strv(struct oci_ctx *x, size_t v, char ***out)
{
	size_t n;

	return oci_get_strv(x, v, false, out, &n);
}

static int hook_args(struct oci_ctx *x, size_t v, void *obj)
{
	return hook_strv(x, v, &((struct oci_hook *)obj)->args);
}

static int hook_env(struct oci_ctx *x, size_t v, void *obj)
{
	return hook_strv(x, v, &((struct oci_hook *)obj)->env);
}

static int hook_timeout(struct oci_ctx *x, size_t v, void *obj)
{
	int64_t t = 0;

	if (oci_get_i64(x, v, INT64_MIN, INT64_MAX, &t) < 0)
		return -1;
	if (t <= 0)
		return oci_ferr(x, "must be > 0");
	if (t > INT32_MAX)
		return oci_ferr(x, "must be <= %d", INT32_MAX);
	((struct oci_hook *)obj)->timeout = (int)t;
	return 0;
}

static const struct oci_field hook_fields[] = {
	OFIELD("path", OF_PATH, struct oci_hook, path),
	OFIELD_FN("args", hook_args),
	OFIELD_FN("env", hook_env),
	OFIELD_FN("timeout", hook_timeout),
	OFIELD_END,
};

static int hook_elem(struct oci_ctx *x, size_t v, void *obj)
{
	struct oci_hook *h = obj;

	if (oci_decode_object(x, v, hook_fields, h) < 0)
		return -1;
	if (!h->path)
		return oci_required(x, "path");
	if ((!h->args && !(h->args = oci_empty_strv(x))) ||
	    (!h->env && !(h->env = oci_empty_strv(x))))
		return oci_oom(x);
	return 0;
}

int oci_parse_hooks(struct oci_ctx *x, size_t v, void *obj)
{
	struct oci_config *c = obj;
	int k;

	if (oci_expect(x, v, JSON_OBJECT) < 0)
		return -1;
	for (k = 0; k < OCI_HOOK_NKINDS; k++) {
		const char *name = oci_hook_kind_name((enum oci_hook_kind)k);
		size_t hv = json_obj_get(x->d, v, name), old;

		if (!hv || x->d->toks[hv].type == JSON_NULL)
			continue;
		old = oci_path_key(x, name);
		if (oci_decode_array(x, hv, sizeof(struct oci_hook), (void **)&c->hooks[k],
				     &c->n_hooks[k], hook_elem) < 0)
			return -1;
		oci_path_pop(x, old);
	}
	return 0;
}

/* ---- top level ---- */

static const struct oci_field root_fields[] = {
	OFIELD("path", OF_STR, struct oci_config, root_path),
	OFIELD("readonly", OF_BOOL, struct oci_config, root_readonly),
	OFIELD_END,
};

static int parse_root(struct oci_ctx *x, size_t v, void *obj)
{
	return oci_decode_object(x, v, root_fields, obj);
}

static const struct oci_field config_fields[] = {
	OFIELD("ociVersion", OF_STR, struct oci_config, oci_version),
	OFIELD_FN("root", parse_root),
	OFIELD_FN("process", oci_parse_process),
	OFIELD("hostname", OF_OPTSTR, struct oci_config, hostname),
	OFIELD("domainname", OF_OPTSTR, struct oci_config, domainname),
	OFIELD_FN("mounts", oci_parse_mounts),
	OFIELD_FN("hooks", oci_parse_hooks),
	OFIELDN("annotations", OF_KV, struct oci_config, annotations, n_annotations),
	OFIELD_FN("linux", oci_parse_linux),
	OFIELD_END,
};

static int decode_config(struct oci_ctx *x, struct oci_config *c)
{
	if (x->d->toks[0].type != JSON_OBJECT)
		return oci_ferr(x, "must be a JSON object");
	if (oci_decode_object(x, 0, config_fields, c) < 0)
		return -1;
	if (!c->oci_version)
		return oci_required(x, "ociVersion");
	if (!c->oci_version[0]) {
		oci_path_key(x, "ociVersion");
		return oci_ferr(x, "must not be empty");
	}
	/* Optional in the spec, but every Linux container needs a root. */
	oci_path_key(x, "root");
	if (!c->root_path)
		return oci_required(x, "path");
	if (!c->root_path[0]) {
		oci_path_key(x, "path");
		return oci_ferr(x, "must not be empty");
	}
	return 0;
}

/* Decoded strings never exceed their text; arrays and structs take about
 * a pointer per token. One chunk then covers a typical config (the arena
 * grows when it does not). */
static size_t arena_estimate(const struct json_doc *d)
{
	size_t i, n = 64 + d->n_toks * sizeof(void *);

	for (i = 0; i < d->n_toks; i++)
		if (d->toks[i].type == JSON_STRING)
			n += d->toks[i].end - d->toks[i].start + 1;
	return n;
}

/* Tokenize buf and decode it into a zeroed object of `size` bytes taken
 * from a new arena, whose address lands in *arena. */
static void *parse_doc(const char *buf, size_t len, const char *name, size_t size,
		       int (*decode)(struct oci_ctx *x, void *obj), struct oci_arena **arena,
		       struct cell_err *e)
{
	struct oci_ctx x = { .name = name, .e = e };
	struct json_tok toks[512]; /* a runc default config has 200 */
	struct json_doc d;
	struct oci_arena *a;
	void *obj;

	if (len > OCI_CONFIG_MAX_SIZE) {
		cell_err_set(e, 0, "%s: larger than %u MiB", name, OCI_CONFIG_MAX_SIZE >> 20);
		return NULL;
	}
	if (json_parse_buf(&d, buf, len, OCI_CONFIG_MAX_SIZE, toks, 512, e) < 0) {
		cell_err_wrap(e, "%s", name);
		return NULL;
	}
	a = arena_new(arena_estimate(&d) + size);
	obj = a ? oci_arena_alloc(a, size) : NULL;
	if (!obj) {
		arena_free(a);
		json_doc_free(&d);
		cell_err_errno(e, ENOMEM, "%s: parse", name);
		return NULL;
	}
	x.d = &d;
	x.a = a;
	if (decode(&x, obj) < 0) {
		arena_free(a);
		obj = NULL;
		a = NULL;
	}
	json_doc_free(&d);
	*arena = a;
	return obj;
}

static int decode_config_doc(struct oci_ctx *x, void *obj)
{
	x->c = obj;
	return decode_config(x, obj);
}

struct oci_config *oci_config_parse(const char *buf, size_t len, const char *name,
				    struct cell_err *e)
{
	struct oci_arena *a;
	struct oci_config *c = parse_doc(buf, len, name, sizeof *c, decode_config_doc, &a, e);

	if (c)
		c->arena = a;
	return c;
}

/* `exec --process FILE`: a process object alone, in a config whose
 * other members stay empty (has_process is set). */
static int decode_process_doc(struct oci_ctx *x, void *obj)
{
	x->c = obj;
	if (x->d->toks[0].type != JSON_OBJECT)
		return oci_ferr(x, "must be a JSON object");
	return oci_parse_process(x, 0, obj);
}

struct oci_config *oci_process_parse(const char *buf, size_t len, const char *name,
				     struct cell_err *e)
{
	struct oci_arena *a;
	struct oci_config *c = parse_doc(buf, len, name, sizeof *c, decode_process_doc, &a, e);

	if (c)
		c->arena = a;
	return c;
}

/* A resources document carries its arena just after the struct. */
struct resources_doc {
	struct oci_resources r;
	struct oci_arena *arena;
};

static int decode_resources_doc(struct oci_ctx *x, void *obj)
{
	if (x->d->toks[0].type != JSON_OBJECT)
		return oci_ferr(x, "must be a JSON object");
	return oci_decode_resources(x, 0, obj);
}

struct oci_resources *oci_resources_parse(const char *buf, size_t len, const char *name,
					  struct cell_err *e)
{
	struct oci_arena *a;
	struct resources_doc *doc =
		parse_doc(buf, len, name, sizeof *doc, decode_resources_doc, &a, e);

	if (!doc)
		return NULL;
	doc->arena = a;
	return &doc->r;
}

void oci_resources_free(struct oci_resources *r)
{
	if (r)
		arena_free(((struct resources_doc *)(void *)r)->arena);
}

static int too_large(struct cell_err *e)
{
	return cell_err_set(e, 0, "config.json: larger than %u MiB", OCI_CONFIG_MAX_SIZE >> 20);
}

static int read_config(int fd, char **out, size_t *len, struct cell_err *e)
{
	struct stat st;
	size_t cap = 4096, n = 0;
	char *buf;

	if (fstat(fd, &st) < 0)
		return cell_err_sys(e, "stat config.json");
	if (S_ISREG(st.st_mode)) {
		if ((uint64_t)st.st_size > OCI_CONFIG_MAX_SIZE)
			return too_large(e);
		cap = (size_t)st.st_size + 1; /* +1: EOF is seen without a regrow */
	}
	buf = malloc(cap);
	if (!buf)
		return cell_err_errno(e, ENOMEM, "read config.json");
	for (;;) {
		ssize_t r;

		if (n == cap) {
			/* Not a regular file, or it grew: stop one byte past the limit. */
			size_t ncap = cap * 2 > OCI_CONFIG_MAX_SIZE + 1 ? OCI_CONFIG_MAX_SIZE + 1 : cap * 2;
			char *nb = cap > OCI_CONFIG_MAX_SIZE ? NULL : realloc(buf, ncap);

			if (!nb) {
				free(buf);
				if (cap > OCI_CONFIG_MAX_SIZE)
					return too_large(e);
				return cell_err_errno(e, ENOMEM, "read config.json");
			}
			buf = nb;
			cap = ncap;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			cell_err_sys(e, "read config.json");
			free(buf);
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*out = buf;
	*len = n;
	return 0;
}

struct oci_config *oci_config_load(int bundle_dirfd, struct cell_err *e)
{
	_cleanup_close_ int fd = openat(bundle_dirfd, "config.json", O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;

	if (fd < 0) {
		cell_err_sys(e, "open config.json");
		return NULL;
	}
	if (read_config(fd, &buf, &len, e) < 0)
		return NULL;
	return oci_config_parse(buf, len, "config.json", e);
}

void oci_config_free(struct oci_config *c)
{
	if (c)
		arena_free(c->arena);
}
