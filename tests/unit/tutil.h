/* Helpers shared by the unit tests: files, corpus directories, and a
 * re-emitter that writes a parsed document back through the jo_ writer. */
#ifndef CELL_TUTIL_H
#define CELL_TUTIL_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../oci/json.h"

#ifndef CORPUS_DIR
#define CORPUS_DIR "tests/unit/corpus"
#endif

/* Exact-size copy (no NUL after it) so sanitizers catch over-reads. */
static inline char *t_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n ? (size_t)n : 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return buf;
}

static inline int t_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted NULL-terminated list of "dir/name" for names ending in .json. */
static inline char **t_list_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **v = NULL;
	size_t n = 0;

	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		char **nv;

		if (l < 6 || strcmp(de->d_name + l - 5, ".json") != 0)
			continue;
		nv = realloc(v, (n + 2) * sizeof *v);
		if (!nv)
			break;
		v = nv;
		v[n] = malloc(strlen(dir) + l + 2);
		sprintf(v[n++], "%s/%s", dir, de->d_name);
		v[n] = NULL;
	}
	closedir(d);
	if (v)
		qsort(v, n, sizeof *v, t_cmp_str);
	return v;
}

static inline void t_free_list(char **v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static inline char *t_str(const struct json_doc *d, size_t i)
{
	char *s = malloc(json_str_len(d, i) + 1);

	if (s)
		json_str_decode(d, i, s);
	return s;
}

/* Write the subtree at i through the writer; returns the next index. */
static inline size_t t_reemit(const struct json_doc *d, size_t i, struct json_out *o)
{
	const struct json_tok *t = &d->toks[i];
	size_t k, j = i + 1;
	char *s;

	switch (t->type) {
	case JSON_OBJECT:
		jo_obj_begin(o);
		for (k = 0; k < t->count; k++) {
			s = t_str(d, j);
			jo_key(o, s ? s : "");
			free(s);
			j = t_reemit(d, j + 1, o);
		}
		jo_obj_end(o);
		return j;
	case JSON_ARRAY:
		jo_arr_begin(o);
		for (k = 0; k < t->count; k++)
			j = t_reemit(d, j, o);
		jo_arr_end(o);
		return j;
	case JSON_STRING:
		s = t_str(d, i);
		jo_str(o, s ? s : "");
		free(s);
		return j;
	case JSON_NUMBER:
		jo_raw(o, d->buf + t->start, t->end - t->start);
		return j;
	case JSON_TRUE:
	case JSON_FALSE:
		jo_bool(o, t->type == JSON_TRUE);
		return j;
	default:
		jo_null(o);
		return j;
	}
}

#endif
