/* Private to oci/config*.c: the arena, the decoding context that tracks the
 * JSON path for error messages, and the table-driven object decoder. */
#ifndef CELL_OCI_CONFIG_INTERNAL_H
#define CELL_OCI_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "json.h"

struct oci_arena;

/* Zeroed memory from the arena, 16-byte aligned; NULL when out of memory. */
void *oci_arena_alloc(struct oci_arena *a, size_t n);

/* One step of the JSON path, kept as pointers and indices and formatted
 * only when an error is reported (formatting per field costs more than
 * the whole parse). */
struct oci_pseg {
	const char *key; /* NULL for an array index */
	size_t idx;
	bool map_key;    /* print as ["key"]: sysctl and annotation keys have dots */
};

#define OCI_PATH_MAX (JSON_MAX_DEPTH + 8)

struct oci_ctx {
	const struct json_doc *d;
	struct oci_arena *a;
	struct oci_config *c;
	const char *name; /* "config.json" */
	struct cell_err *e;
	size_t depth;
	struct oci_pseg seg[OCI_PATH_MAX]; /* "process" "args" [2] */
};

/* "NAME: PATH: what" (PATH omitted at the top level). Returns -1. */
int oci_ferr(struct oci_ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int oci_oom(struct oci_ctx *x);

/* Path bookkeeping: push returns the old depth to pop back to. */
static inline size_t oci_path_push(struct oci_ctx *x, const char *key, size_t idx, bool map_key)
{
	size_t old = x->depth;

	if (old < OCI_PATH_MAX) {
		x->seg[old].key = key;
		x->seg[old].idx = idx;
		x->seg[old].map_key = map_key;
	}
	x->depth = old + 1;
	return old;
}

static inline size_t oci_path_key(struct oci_ctx *x, const char *key)
{
	return oci_path_push(x, key, 0, false);
}

static inline size_t oci_path_idx(struct oci_ctx *x, size_t idx)
{
	return oci_path_push(x, NULL, idx, false);
}

static inline void oci_path_pop(struct oci_ctx *x, size_t old)
{
	x->depth = old;
}

/* Error for a missing member `key` of the object at the current path. */
int oci_required(struct oci_ctx *x, const char *key);

typedef int (*oci_field_fn)(struct oci_ctx *x, size_t v, void *obj);

enum oci_ftype {
	OF_END,
	OF_STR,    /* char * */
	OF_OPTSTR, /* char *, "" stored as NULL (Go's omitempty: empty = unset) */
	OF_PATH,   /* char *, absolute path */
	OF_BOOL,   /* bool */
	OF_U32,    /* uint32_t */
	OF_STRV,   /* char ** (NULL-terminated) + size_t count at off_n */
	OF_PATHV,  /* same, every element an absolute path */
	OF_KV,     /* struct oci_kv * + size_t count: object of strings */
	OF_RAW,    /* char *: raw JSON text of an object */
	OF_IDMAPS, /* struct oci_idmap * + size_t count */
	OF_FN,     /* custom decoder */
};

struct oci_field {
	const char *key;
	enum oci_ftype type;
	size_t off;
	size_t off_n;
	oci_field_fn fn;
};

#define OFIELD(k, t, T, m) { (k), (t), offsetof(T, m), 0, NULL }
#define OFIELDN(k, t, T, m, n) { (k), (t), offsetof(T, m), offsetof(T, n), NULL }
#define OFIELD_FN(k, f) { (k), OF_FN, 0, 0, (f) }
#define OFIELD_END { NULL, OF_END, 0, 0, NULL }

/* Decode the object at token v into obj following tab. Members that are
 * not in the table are ignored (OCI extensibility); null members are
 * treated as absent, as runc's Go decoder does. */
int oci_decode_object(struct oci_ctx *x, size_t v, const struct oci_field *tab, void *obj);

/* Array of objects: allocates n elements of `size` and calls fn on each
 * with the path extended by "[k]". */
int oci_decode_array(struct oci_ctx *x, size_t v, size_t size, void **out, size_t *n,
		     oci_field_fn fn);

int oci_expect(struct oci_ctx *x, size_t v, enum json_type t);
/* linux.netDevices (config_netdev.c). */
int oci_parse_netdevs(struct oci_ctx *x, size_t v, void *obj);

int oci_get_str(struct oci_ctx *x, size_t v, char **out);
int oci_get_path(struct oci_ctx *x, size_t v, char **out);
int oci_get_bool(struct oci_ctx *x, size_t v, bool *out);
int oci_get_i64(struct oci_ctx *x, size_t v, int64_t min, int64_t max, int64_t *out);
int oci_get_u64(struct oci_ctx *x, size_t v, uint64_t *out);
int oci_get_u32(struct oci_ctx *x, size_t v, uint32_t *out);
int oci_get_strv(struct oci_ctx *x, size_t v, bool paths, char ***out, size_t *n);
char **oci_empty_strv(struct oci_ctx *x);
char *oci_strdup(struct oci_ctx *x, const char *s);

/* Sections in their own files. */
int oci_parse_process(struct oci_ctx *x, size_t v, void *obj);
int oci_parse_linux(struct oci_ctx *x, size_t v, void *obj);
int oci_parse_mounts(struct oci_ctx *x, size_t v, void *obj);
int oci_parse_hooks(struct oci_ctx *x, size_t v, void *obj);
int oci_parse_resources(struct oci_ctx *x, size_t v, void *obj);
int oci_decode_resources(struct oci_ctx *x, size_t v, struct oci_resources *r);
int oci_parse_seccomp(struct oci_ctx *x, size_t v, void *obj);
int oci_get_raw(struct oci_ctx *x, size_t v, char **out);
int oci_get_kv(struct oci_ctx *x, size_t v, struct oci_kv **out, size_t *n);

#endif
