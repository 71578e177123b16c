/* A strict RFC 8259 JSON reader that does not allocate per value: the
 * document is tokenized once into an array of tokens that point into the
 * caller's buffer (jsmn shape), and a small writer for the JSON we print. */
#ifndef CELL_JSON_H
#define CELL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/err.h"

#define JSON_MAX_DEPTH 64

enum json_type {
	JSON_NULL,
	JSON_FALSE,
	JSON_TRUE,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT
};

struct json_tok {
	uint8_t type;     /* enum json_type */
	uint8_t has_esc;  /* string contains escapes (decoding needed) */
	uint32_t start;   /* byte offset of the value (strings: after the quote) */
	uint32_t end;     /* byte offset one past the value (strings: at the closing quote) */
	uint32_t count;   /* arrays: elements; objects: members */
	uint32_t skip;    /* tokens in this subtree including itself */
	uint32_t line;    /* 1-based position of the token, for error messages */
	uint32_t col;
};

/* Object members are stored as key token (a JSON_STRING) followed by the
 * value's subtree. */
struct json_doc {
	const char *buf;
	size_t len;
	struct json_tok *toks;
	size_t n_toks;
	bool toks_heap; /* toks was malloc'd (json_doc_free frees it) */
};

/* Tokenize buf[0..len). On error fills e with "line L:C: what" and returns -1.
 * Rejects: invalid UTF-8, bad escapes and lone surrogates, control characters
 * in strings, numbers outside RFC grammar, trailing garbage, depth over
 * JSON_MAX_DEPTH, more than `max_len` bytes (0 = no limit). */
int json_parse(struct json_doc *d, const char *buf, size_t len, size_t max_len, struct cell_err *e);
/* Same, with the tokens in caller storage (`cap` entries, e.g. on the
 * stack) while they fit; bigger documents move to the heap. Call
 * json_doc_free in any case. Saves the allocation on hot paths. */
int json_parse_buf(struct json_doc *d, const char *buf, size_t len, size_t max_len,
		   struct json_tok *toks, size_t cap, struct cell_err *e);
void json_doc_free(struct json_doc *d);

/* Index of the first child of token i (array element / object key), and of
 * the next sibling of the subtree at i. */
static inline size_t json_child(size_t i) { return i + 1; }
static inline size_t json_next(const struct json_doc *d, size_t i) { return i + d->toks[i].skip; }

/* Member `key` of object at i: index of its value, or 0 if absent (0 is the
 * root and never a member value). With duplicate keys the last one wins,
 * as in Go's encoding/json (runc). */
size_t json_obj_get(const struct json_doc *d, size_t obj, const char *key);

/* Does string token i equal the C string s (after escape decoding)? */
bool json_str_eq(const struct json_doc *d, size_t i, const char *s);

/* Decoded length in bytes of string token i, and decode into out (must hold
 * json_str_len()+1 bytes; NUL-terminated). Strings containing "\u0000" decode
 * fine but the caller decides whether to accept embedded NULs:
 * json_str_has_nul() tells. */
size_t json_str_len(const struct json_doc *d, size_t i);
void json_str_decode(const struct json_doc *d, size_t i, char *out);
bool json_str_has_nul(const struct json_doc *d, size_t i);

/* Numbers: exact integers only (no fraction or exponent that leaves the
 * integer range; 1.0 and 1e3 are integers, 1.5 and 1e-3 are not).
 * -1 with errno EINVAL (not a number / not an integer) or ERANGE (out of
 * range). */
int json_get_i64(const struct json_doc *d, size_t i, int64_t *out);
int json_get_u64(const struct json_doc *d, size_t i, uint64_t *out);

/* ---- writer ---- */

/* A growable buffer. On allocation failure `oom` is set and further writes
 * are ignored; check it once at the end. Commas between members and
 * elements are inserted automatically. */
struct json_out {
	char *buf;
	size_t len;
	size_t cap;
	bool oom;
	int pretty;     /* indent with tabs if non-zero */
	int depth;
	bool need_comma;
	bool after_key;
};

void jo_init(struct json_out *o, int pretty);
void jo_free(struct json_out *o);
void jo_obj_begin(struct json_out *o);
void jo_obj_end(struct json_out *o);
void jo_arr_begin(struct json_out *o);
void jo_arr_end(struct json_out *o);
void jo_key(struct json_out *o, const char *key);
void jo_str(struct json_out *o, const char *s); /* NULL writes null */
void jo_i64(struct json_out *o, int64_t v);
void jo_u64(struct json_out *o, uint64_t v);
void jo_bool(struct json_out *o, bool v);
void jo_null(struct json_out *o);
/* Insert an already valid JSON text as a value. */
void jo_raw(struct json_out *o, const char *json, size_t len);
/* Convenience: key + value. */
void jo_kstr(struct json_out *o, const char *key, const char *s);
void jo_ki64(struct json_out *o, const char *key, int64_t v);
void jo_ku64(struct json_out *o, const char *key, uint64_t v);
void jo_kbool(struct json_out *o, const char *key, bool v);
/* Append a string as a quoted JSON string to a fixed buffer (for log lines
 * built without malloc); returns bytes written excluding NUL, truncating
 * safely. */
size_t json_quote(char *dst, size_t cap, const char *s);

#endif
