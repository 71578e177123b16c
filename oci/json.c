/* Strict RFC 8259 tokenizer: one pass, no recursion, tokens in one growable
 * array that point into the caller's buffer. */
#include "json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

struct parser {
	const unsigned char *p;
	size_t len;
	size_t pos;
	size_t line_start; /* offset of the current line, for token columns */
	uint32_t line;
	struct json_doc *d;
	size_t cap;
	struct cell_err *e;
};

/* Error at byte offset `at`; line and column are recounted from the start,
 * which keeps the hot path free of bookkeeping (errors are rare). */
__attribute__((format(printf, 3, 4)))
static int perr(struct parser *ps, size_t at, const char *fmt, ...)
{
	char what[256];
	unsigned line = 1, col = 1;
	va_list ap;
	size_t i;

	for (i = 0; i < at && i < ps->len; i++) {
		if (ps->p[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return cell_err_set(ps->e, 0, "line %u:%u: %s", line, col, what);
}

static int unexpected(struct parser *ps, size_t at)
{
	unsigned c;

	if (at >= ps->len)
		return perr(ps, at, "unexpected end of input");
	c = ps->p[at];
	if (c > 0x20 && c < 0x7f)
		return perr(ps, at, "unexpected character '%c'", (int)c);
	return perr(ps, at, "unexpected byte 0x%02x", c);
}

static void skip_ws(struct parser *ps)
{
	const unsigned char *p = ps->p;
	size_t pos = ps->pos;

	while (pos < ps->len) {
		unsigned c = p[pos];

		if (c == '\n') {
			ps->line++;
			ps->line_start = pos + 1;
		} else if (c != ' ' && c != '\t' && c != '\r') {
			break;
		}
		pos++;
	}
	ps->pos = pos;
}

static long push(struct parser *ps, enum json_type type, size_t start)
{
	struct json_doc *d = ps->d;
	struct json_tok *t;

	if (d->n_toks == ps->cap) {
		size_t ncap = ps->cap * 2;
		struct json_tok *nt;

		/* Caller storage is full: move to the heap and double from there. */
		if (d->toks_heap) {
			nt = realloc(d->toks, ncap * sizeof *nt);
		} else {
			nt = malloc(ncap * sizeof *nt);
			if (nt)
				memcpy(nt, d->toks, d->n_toks * sizeof *nt);
		}
		if (!nt)
			return cell_err_set(ps->e, ENOMEM, "json: out of memory");
		d->toks = nt;
		d->toks_heap = true;
		ps->cap = ncap;
	}
	t = &d->toks[d->n_toks];
	t->type = (uint8_t)type;
	t->has_esc = 0;
	t->start = (uint32_t)start;
	t->end = (uint32_t)start;
	t->count = 0;
	t->skip = 1;
	t->line = ps->line;
	t->col = (uint32_t)(start - ps->line_start + 1);
	return (long)d->n_toks++;
}

static int hex4(const unsigned char *p, size_t avail, unsigned *out)
{
	unsigned v = 0;
	int i;

	if (avail < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		unsigned c = p[i];

		if (c >= '0' && c <= '9')
			c -= '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			c = (c | 0x20) - 'a' + 10;
		else
			return -1;
		v = v << 4 | c;
	}
	*out = v;
	return 0;
}

/* Validate the escape at ps->pos (a backslash) and step over it. */
static int scan_escape(struct parser *ps, size_t open)
{
	const unsigned char *p = ps->p;
	size_t at = ps->pos;
	unsigned c, cp, lo;

	if (at + 1 >= ps->len)
		return perr(ps, open, "unterminated string");
	c = p[at + 1];
	switch (c) {
	case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
		ps->pos = at + 2;
		return 0;
	case 'u':
		break;
	default:
		if (c > 0x20 && c < 0x7f)
			return perr(ps, at, "invalid escape \\%c", (int)c);
		return perr(ps, at, "invalid escape: byte 0x%02x after \\", c);
	}
	if (hex4(p + at + 2, ps->len - at - 2, &cp) < 0)
		return perr(ps, at, "invalid \\u escape");
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return perr(ps, at, "lone surrogate \\u%04X", cp);
	if (cp >= 0xd800 && cp <= 0xdbff) {
		/* A high surrogate must be followed by an escaped low one. */
		if (at + 7 >= ps->len || p[at + 6] != '\\' || p[at + 7] != 'u' ||
		    hex4(p + at + 8, ps->len - at - 8, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff)
			return perr(ps, at, "lone surrogate \\u%04X", cp);
		ps->pos = at + 12;
		return 0;
	}
	ps->pos = at + 6;
	return 0;
}

/* String starting at the opening quote ps->pos; pushes its token. */
static long scan_string(struct parser *ps)
{
	const unsigned char *p = ps->p;
	size_t open = ps->pos, len = ps->len;
	long t = push(ps, JSON_STRING, open + 1);
	bool esc = false;

	if (t < 0)
		return -1;
	ps->d->toks[t].col--; /* report the opening quote, not the content */
	ps->pos = open + 1;
	for (;;) {
		size_t pos = ps->pos;
		unsigned c;

		/* Fast path: plain printable ASCII. */
		while (pos < len && (c = p[pos]) >= 0x20 && c < 0x80 && c != '"' && c != '\\')
			pos++;
		ps->pos = pos;
		if (pos >= len)
			return perr(ps, open, "unterminated string");
		c = p[pos];
		if (c == '"')
			break;
		if (c == '\\') {
			esc = true;
			if (scan_escape(ps, open) < 0)
				return -1;
		} else if (c < 0x20) {
			return perr(ps, pos, "control character 0x%02x in string", c);
		} else {
			int n = utf8_check(p + pos, len - pos);

			if (n < 0)
				return perr(ps, pos, "%s", utf8_strerror(n));
			ps->pos = pos + (size_t)n;
		}
	}
	ps->d->toks[t].end = (uint32_t)ps->pos;
	ps->d->toks[t].has_esc = esc;
	ps->pos++;
	return t;
}

static bool is_digit(const unsigned char *p, size_t pos, size_t len)
{
	return pos < len && p[pos] >= '0' && p[pos] <= '9';
}

static int scan_number(struct parser *ps)
{
	const unsigned char *p = ps->p;
	size_t len = ps->len, s = ps->pos, pos = s;
	long t;

	if (p[pos] == '-')
		pos++;
	if (!is_digit(p, pos, len))
		return perr(ps, s, "invalid number: digit expected after '-'");
	if (p[pos] == '0') {
		pos++;
		if (is_digit(p, pos, len))
			return perr(ps, s, "invalid number: leading zero");
	} else {
		while (is_digit(p, pos, len))
			pos++;
	}
	if (pos < len && p[pos] == '.') {
		pos++;
		if (!is_digit(p, pos, len))
			return perr(ps, s, "invalid number: digit expected after '.'");
		while (is_digit(p, pos, len))
			pos++;
	}
	if (pos < len && (p[pos] == 'e' || p[pos] == 'E')) {
		pos++;
		if (pos < len && (p[pos] == '+' || p[pos] == '-'))
			pos++;
		if (!is_digit(p, pos, len))
			return perr(ps, s, "invalid number: digit expected in exponent");
		while (is_digit(p, pos, len))
			pos++;
	}
	t = push(ps, JSON_NUMBER, s);
	if (t < 0)
		return -1;
	ps->d->toks[t].end = (uint32_t)pos;
	ps->pos = pos;
	return 0;
}

static int scan_literal(struct parser *ps)
{
	static const struct {
		const char *word;
		size_t len;
		enum json_type type;
	} lits[] = {
		{ "true", 4, JSON_TRUE }, { "false", 5, JSON_FALSE }, { "null", 4, JSON_NULL },
	};
	size_t i, s = ps->pos;

	for (i = 0; i < sizeof lits / sizeof lits[0]; i++) {
		long t;

		if (ps->p[s] != (unsigned char)lits[i].word[0])
			continue;
		if (ps->len - s < lits[i].len || memcmp(ps->p + s, lits[i].word, lits[i].len) != 0)
			return perr(ps, s, "invalid literal (expected %s)", lits[i].word);
		t = push(ps, lits[i].type, s);
		if (t < 0)
			return -1;
		ps->pos = s + lits[i].len;
		ps->d->toks[t].end = (uint32_t)ps->pos;
		return 0;
	}
	return unexpected(ps, s);
}

/* An object key and its colon. `after_comma` only sharpens the message. */
static int scan_key(struct parser *ps, bool after_comma)
{
	skip_ws(ps);
	if (ps->pos >= ps->len)
		return unexpected(ps, ps->pos);
	if (ps->p[ps->pos] != '"') {
		if (after_comma && ps->p[ps->pos] == '}')
			return perr(ps, ps->pos, "trailing comma before '}'");
		if (ps->p[ps->pos] == ':')
			return perr(ps, ps->pos, "missing object key before ':'");
		return perr(ps, ps->pos, "expected string key");
	}
	if (scan_string(ps) < 0)
		return -1;
	skip_ws(ps);
	if (ps->pos >= ps->len)
		return unexpected(ps, ps->pos);
	if (ps->p[ps->pos] != ':')
		return perr(ps, ps->pos, "expected ':' after object key");
	ps->pos++;
	skip_ws(ps);
	if (ps->pos < ps->len && ps->p[ps->pos] == ':')
		return perr(ps, ps->pos, "duplicate ':'");
	return 0;
}

/* A container just ended or a scalar was read: close finished containers
 * and position the parser where the next value starts. Returns 1 when the
 * document is complete, 0 to read another value, -1 on error. */
static int after_value(struct parser *ps, size_t *stack, int *depth)
{
	struct json_tok *toks;

	for (;;) {
		size_t top;
		unsigned c;
		bool obj;

		skip_ws(ps);
		if (*depth == 0) {
			if (ps->pos != ps->len)
				return perr(ps, ps->pos, "unexpected data after the document");
			return 1;
		}
		toks = ps->d->toks;
		top = stack[*depth - 1];
		obj = toks[top].type == JSON_OBJECT;
		toks[top].count++;
		if (ps->pos >= ps->len)
			return unexpected(ps, ps->pos);
		c = ps->p[ps->pos];
		if (c == ',') {
			ps->pos++;
			if (obj)
				return scan_key(ps, true) < 0 ? -1 : 0;
			skip_ws(ps);
			if (ps->pos < ps->len && ps->p[ps->pos] == ']')
				return perr(ps, ps->pos, "trailing comma before ']'");
			return 0;
		}
		if (c != (obj ? '}' : ']')) {
			if (obj && c == '"')
				return perr(ps, ps->pos, "missing ',' between members");
			return perr(ps, ps->pos, obj ? "expected ',' or '}'" : "expected ',' or ']'");
		}
		ps->pos++;
		toks[top].end = (uint32_t)ps->pos;
		toks[top].skip = (uint32_t)(ps->d->n_toks - top);
		(*depth)--;
	}
}

static int open_container(struct parser *ps, size_t *stack, int *depth)
{
	bool obj = ps->p[ps->pos] == '{';
	long t;

	if (*depth == JSON_MAX_DEPTH)
		return perr(ps, ps->pos, "nesting deeper than %d levels", JSON_MAX_DEPTH);
	t = push(ps, obj ? JSON_OBJECT : JSON_ARRAY, ps->pos);
	if (t < 0)
		return -1;
	ps->pos++;
	skip_ws(ps);
	if (ps->pos < ps->len && ps->p[ps->pos] == (obj ? '}' : ']')) {
		/* Empty: complete at once. */
		ps->pos++;
		ps->d->toks[t].end = (uint32_t)ps->pos;
		return 1;
	}
	stack[(*depth)++] = (size_t)t;
	if (obj && scan_key(ps, false) < 0)
		return -1;
	return 0;
}

static int parse_doc(struct parser *ps)
{
	size_t stack[JSON_MAX_DEPTH];
	int depth = 0;

	for (;;) {
		int r;

		skip_ws(ps);
		if (ps->pos >= ps->len)
			return unexpected(ps, ps->pos);
		switch (ps->p[ps->pos]) {
		case '{':
		case '[':
			r = open_container(ps, stack, &depth);
			if (r < 0)
				return -1;
			if (r == 0)
				continue; /* first element follows */
			break;
		case '"':
			if (scan_string(ps) < 0)
				return -1;
			break;
		case '-': case '0': case '1': case '2': case '3': case '4':
		case '5': case '6': case '7': case '8': case '9':
			if (scan_number(ps) < 0)
				return -1;
			break;
		default:
			if (scan_literal(ps) < 0)
				return -1;
			break;
		}
		r = after_value(ps, stack, &depth);
		if (r != 0)
			return r < 0 ? -1 : 0;
	}
}

int json_parse_buf(struct json_doc *d, const char *buf, size_t len, size_t max_len,
		   struct json_tok *toks, size_t cap, struct cell_err *e)
{
	struct parser ps = {
		.p = (const unsigned char *)buf,
		.len = len,
		.line = 1,
		.d = d,
		.cap = cap,
		.e = e,
	};

	memset(d, 0, sizeof *d);
	if (max_len && len > max_len)
		return cell_err_set(e, 0, "document larger than %zu bytes", max_len);
	if (len >= UINT32_MAX)
		return cell_err_set(e, 0, "document larger than 4 GiB");
	d->toks = toks;
	if (cap == 0) {
		ps.cap = 64;
		d->toks = malloc(ps.cap * sizeof *d->toks);
		if (!d->toks)
			return cell_err_set(e, ENOMEM, "json: out of memory");
		d->toks_heap = true;
	}
	if (parse_doc(&ps) < 0) {
		json_doc_free(d);
		return -1;
	}
	d->buf = buf;
	d->len = len;
	return 0;
}

/* Tokens are collected on the stack and copied once to an exactly sized
 * heap array: no regrowth for ordinary documents, little memory held. */
int json_parse(struct json_doc *d, const char *buf, size_t len, size_t max_len, struct cell_err *e)
{
	struct json_tok stack[256];
	struct json_tok *t;

	if (json_parse_buf(d, buf, len, max_len, stack, sizeof stack / sizeof stack[0], e) < 0)
		return -1;
	if (d->toks_heap)
		return 0;
	t = malloc(d->n_toks * sizeof *t);
	if (!t) {
		json_doc_free(d);
		return cell_err_set(e, ENOMEM, "json: out of memory");
	}
	memcpy(t, d->toks, d->n_toks * sizeof *t);
	d->toks = t;
	d->toks_heap = true;
	return 0;
}

void json_doc_free(struct json_doc *d)
{
	if (d->toks_heap)
		free(d->toks);
	d->toks = NULL;
	d->toks_heap = false;
	d->n_toks = 0;
}
