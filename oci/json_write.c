/* JSON writer: a growable buffer with automatic commas and optional tab
 * indentation (the layout `runc spec` prints). Always emits valid JSON:
 * bytes that are not UTF-8 become U+FFFD. */
#include "json.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

void jo_init(struct json_out *o, int pretty)
{
	memset(o, 0, sizeof *o);
	o->pretty = pretty;
}

void jo_free(struct json_out *o)
{
	free(o->buf);
	o->buf = NULL;
	o->len = o->cap = 0;
}

/* Room for n more bytes plus a NUL terminator, kept so that buf is always
 * a C string. */
static bool reserve(struct json_out *o, size_t n)
{
	size_t need, ncap;
	char *nb;

	if (o->oom)
		return false;
	need = o->len + n + 1;
	if (need <= o->cap)
		return true;
	ncap = o->cap ? o->cap : 256;
	while (ncap < need)
		ncap *= 2;
	nb = realloc(o->buf, ncap);
	if (!nb) {
		o->oom = true;
		return false;
	}
	o->buf = nb;
	o->cap = ncap;
	return true;
}

static void put(struct json_out *o, const char *s, size_t n)
{
	if (!reserve(o, n))
		return;
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void newline_indent(struct json_out *o)
{
	int i;

	if (!o->pretty || !reserve(o, (size_t)o->depth + 1))
		return;
	o->buf[o->len++] = '\n';
	for (i = 0; i < o->depth; i++)
		o->buf[o->len++] = '\t';
	o->buf[o->len] = '\0';
}

static void before_value(struct json_out *o)
{
	if (o->after_key) {
		o->after_key = false;
		return;
	}
	if (o->need_comma)
		put(o, ",", 1);
	if (o->depth > 0)
		newline_indent(o);
}

/* Escape one unit of s (a byte or a whole UTF-8 sequence) into out (at most
 * 6 bytes); *adv gets the input bytes consumed. */
static size_t quote_unit(const unsigned char *s, size_t avail, char *out, size_t *adv)
{
	static const char hex[] = "0123456789abcdef";
	unsigned c = s[0];
	int n;

	*adv = 1;
	switch (c) {
	case '"': memcpy(out, "\\\"", 2); return 2;
	case '\\': memcpy(out, "\\\\", 2); return 2;
	case '\n': memcpy(out, "\\n", 2); return 2;
	case '\t': memcpy(out, "\\t", 2); return 2;
	case '\r': memcpy(out, "\\r", 2); return 2;
	case '\b': memcpy(out, "\\b", 2); return 2;
	case '\f': memcpy(out, "\\f", 2); return 2;
	}
	if (c < 0x20) {
		memcpy(out, "\\u00", 4);
		out[4] = hex[c >> 4];
		out[5] = hex[c & 15];
		return 6;
	}
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	n = utf8_check(s, avail);
	if (n < 0) {
		memcpy(out, "\\ufffd", 6); /* one replacement per bad byte */
		return 6;
	}
	memcpy(out, s, (size_t)n);
	*adv = (size_t)n;
	return (size_t)n;
}

static void put_quoted(struct json_out *o, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t left = strlen(str);

	if (!reserve(o, left + 2))
		return;
	o->buf[o->len++] = '"';
	while (left > 0) {
		size_t run = 0, adv, n;
		char tmp[6];

		/* Copy plain ASCII in bulk. */
		while (run < left && s[run] >= 0x20 && s[run] < 0x80 && s[run] != '"' && s[run] != '\\')
			run++;
		if (run) {
			put(o, (const char *)s, run);
			s += run;
			left -= run;
			continue;
		}
		n = quote_unit(s, left, tmp, &adv);
		put(o, tmp, n);
		s += adv;
		left -= adv;
	}
	put(o, "\"", 1);
}

void jo_obj_begin(struct json_out *o)
{
	before_value(o);
	put(o, "{", 1);
	o->depth++;
	o->need_comma = false;
}

void jo_obj_end(struct json_out *o)
{
	o->depth--;
	if (o->need_comma)
		newline_indent(o);
	put(o, "}", 1);
	o->need_comma = true;
}

void jo_arr_begin(struct json_out *o)
{
	before_value(o);
	put(o, "[", 1);
	o->depth++;
	o->need_comma = false;
}

void jo_arr_end(struct json_out *o)
{
	o->depth--;
	if (o->need_comma)
		newline_indent(o);
	put(o, "]", 1);
	o->need_comma = true;
}

void jo_key(struct json_out *o, const char *key)
{
	if (o->need_comma)
		put(o, ",", 1);
	newline_indent(o);
	put_quoted(o, key);
	if (o->pretty)
		put(o, ": ", 2);
	else
		put(o, ":", 1);
	o->after_key = true;
}

void jo_str(struct json_out *o, const char *s)
{
	if (!s) {
		jo_null(o);
		return;
	}
	before_value(o);
	put_quoted(o, s);
	o->need_comma = true;
}

void jo_i64(struct json_out *o, int64_t v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof tmp, "%" PRId64, v);

	before_value(o);
	put(o, tmp, (size_t)n);
	o->need_comma = true;
}

void jo_u64(struct json_out *o, uint64_t v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof tmp, "%" PRIu64, v);

	before_value(o);
	put(o, tmp, (size_t)n);
	o->need_comma = true;
}

void jo_bool(struct json_out *o, bool v)
{
	before_value(o);
	if (v)
		put(o, "true", 4);
	else
		put(o, "false", 5);
	o->need_comma = true;
}

void jo_null(struct json_out *o)
{
	before_value(o);
	put(o, "null", 4);
	o->need_comma = true;
}

void jo_raw(struct json_out *o, const char *json, size_t len)
{
	before_value(o);
	put(o, json, len);
	o->need_comma = true;
}

void jo_kstr(struct json_out *o, const char *key, const char *s)
{
	jo_key(o, key);
	jo_str(o, s);
}

void jo_ki64(struct json_out *o, const char *key, int64_t v)
{
	jo_key(o, key);
	jo_i64(o, v);
}

void jo_ku64(struct json_out *o, const char *key, uint64_t v)
{
	jo_key(o, key);
	jo_u64(o, v);
}

void jo_kbool(struct json_out *o, const char *key, bool v)
{
	jo_key(o, key);
	jo_bool(o, v);
}

size_t json_quote(char *dst, size_t cap, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t left = strlen(str), n = 0;

	if (cap < 3) {
		if (cap)
			dst[0] = '\0';
		return 0;
	}
	dst[n++] = '"';
	while (left > 0) {
		char tmp[6];
		size_t adv, k = quote_unit(s, left, tmp, &adv);

		/* Never cut an escape in half: keep room for '"' and NUL. */
		if (n + k + 2 > cap)
			break;
		memcpy(dst + n, tmp, k);
		n += k;
		s += adv;
		left -= adv;
	}
	dst[n++] = '"';
	dst[n] = '\0';
	return n;
}
