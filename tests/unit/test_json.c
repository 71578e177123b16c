/* JSON reader and writer: corpus of valid and malformed documents, error
 * positions, accessors, integers, writer round trips. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../oci/json.h"
#include "t.h"
#include "tutil.h"

static const char *corpus = CORPUS_DIR;

static int parse_str(struct json_doc *d, const char *s, struct cell_err *e)
{
	return json_parse(d, s, strlen(s), 0, e);
}

/* Parse s, expect failure with exactly msg. */
static void expect_err(const char *s, const char *msg)
{
	struct cell_err e = { 0 };
	struct json_doc d;

	if (parse_str(&d, s, &e) == 0) {
		T_FAIL("parsed but should fail: %s", s);
		json_doc_free(&d);
		return;
	}
	CHECK_STR(e.msg, msg);
}

/* Two documents have the same structure and decoded values. */
static bool same_doc(const struct json_doc *a, const struct json_doc *b)
{
	size_t i;

	if (a->n_toks != b->n_toks)
		return false;
	for (i = 0; i < a->n_toks; i++) {
		const struct json_tok *x = &a->toks[i], *y = &b->toks[i];

		if (x->type != y->type || x->count != y->count || x->skip != y->skip)
			return false;
		if (x->type == JSON_STRING) {
			char *s = t_str(a, i), *t = t_str(b, i);
			bool eq = s && t && strcmp(s, t) == 0;

			free(s);
			free(t);
			if (!eq)
				return false;
		}
		if (x->type == JSON_NUMBER &&
		    (x->end - x->start != y->end - y->start ||
		     memcmp(a->buf + x->start, b->buf + y->start, x->end - x->start)))
			return false;
	}
	return true;
}

/* Re-emit compact and pretty; both must parse back to the same tree. */
static void check_roundtrip(const struct json_doc *d)
{
	int pretty;

	for (pretty = 0; pretty < 2; pretty++) {
		struct json_out o;
		struct json_doc d2;
		struct cell_err e;

		jo_init(&o, pretty);
		t_reemit(d, 0, &o);
		CHECK(!o.oom);
		if (json_parse(&d2, o.buf, o.len, 0, &e) < 0) {
			T_FAIL("re-emitted document does not parse: %s", e.msg);
		} else {
			CHECK(same_doc(d, &d2));
			json_doc_free(&d2);
		}
		jo_free(&o);
	}
}

static void corpus_good(void)
{
	char dir[512];
	char **files;
	size_t i;

	snprintf(dir, sizeof dir, "%s/json-good", corpus);
	files = t_list_dir(dir);
	CHECK(files && files[0]);
	for (i = 0; files && files[i]; i++) {
		struct cell_err e = { 0 };
		struct json_doc d;
		size_t len;
		char *buf = t_read_file(files[i], &len);

		if (!buf) {
			T_FAIL("cannot read %s", files[i]);
		} else if (json_parse(&d, buf, len, 0, &e) < 0) {
			T_FAIL("%s: %s", files[i], e.msg);
		} else {
			CHECK(d.toks[0].skip == d.n_toks);
			check_roundtrip(&d);
			json_doc_free(&d);
		}
		free(buf);
		t_end(files[i]);
	}
	t_free_list(files);
}

static size_t n_bad;

/* json-bad.expect: "file<TAB>message" lines, the exact error per file. */
static const char *expected_error(const char *expect, size_t elen, const char *file, char *out,
				  size_t cap)
{
	const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	size_t bl = strlen(base);
	const char *p = expect, *end = expect + elen;

	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (ll > bl + 1 && memcmp(p, base, bl) == 0 && p[bl] == '\t') {
			snprintf(out, cap, "%.*s", (int)(ll - bl - 1), p + bl + 1);
			return out;
		}
		p = nl ? nl + 1 : NULL;
	}
	return NULL;
}

static void corpus_bad(void)
{
	char dir[512];
	char **files;
	size_t i;

	size_t elen = 0;
	char *expect;

	snprintf(dir, sizeof dir, "%s/json-bad.expect", corpus);
	expect = t_read_file(dir, &elen);
	CHECK(expect != NULL);
	snprintf(dir, sizeof dir, "%s/json-bad", corpus);
	files = t_list_dir(dir);
	CHECK(files && files[0]);
	for (i = 0; files && files[i]; i++) {
		struct cell_err e = { 0 };
		struct json_doc d;
		size_t len;
		char *buf = t_read_file(files[i], &len), want[512];

		if (!expected_error(expect, elen, files[i], want, sizeof want))
			T_FAIL("%s: no line in json-bad.expect", files[i]);
		else if (!buf) {
			T_FAIL("cannot read %s", files[i]);
		} else if (json_parse(&d, buf, len, 0, &e) == 0) {
			T_FAIL("%s: parsed but must fail", files[i]);
			json_doc_free(&d);
		} else {
			CHECK_STR(e.msg, want);
			CHECK(d.toks == NULL);
		}
		free(buf);
		n_bad++;
		t_end(files[i]);
	}
	t_free_list(files);
	free(expect);
}

static void bad_corpus_size(void)
{
	CHECK(n_bad >= 60);
}

static void error_positions(void)
{
	expect_err("{\n  \"a\": \"x\\q\"\n}", "line 2:10: invalid escape \\q");
	expect_err("[1,\n 2,\n]", "line 3:1: trailing comma before ']'");
	expect_err("{\"a\":1,}", "line 1:8: trailing comma before '}'");
	expect_err("[01]", "line 1:2: invalid number: leading zero");
	expect_err("[1.]", "line 1:2: invalid number: digit expected after '.'");
	expect_err("[1e]", "line 1:2: invalid number: digit expected in exponent");
	expect_err("[-]", "line 1:2: invalid number: digit expected after '-'");
	expect_err("[.1]", "line 1:2: unexpected character '.'");
	expect_err("[+1]", "line 1:2: unexpected character '+'");
	expect_err("[NaN]", "line 1:2: unexpected character 'N'");
	expect_err("[nul]", "line 1:2: invalid literal (expected null)");
	expect_err("\n\n  [\"\\ud800\"]", "line 3:5: lone surrogate \\uD800");
	expect_err("[\"\\udc00\"]", "line 1:3: lone surrogate \\uDC00");
	expect_err("[\"a\nb\"]", "line 1:4: control character 0x0a in string");
	expect_err("[\"\xc3\"]", "line 1:3: truncated UTF-8 sequence");
	expect_err("[\"\xc0\xaf\"]", "line 1:3: overlong UTF-8 sequence");
	expect_err("[\"\xed\xa0\x80\"]", "line 1:3: UTF-8 encoded surrogate");
	expect_err("[\"\xf4\x90\x80\x80\"]", "line 1:3: UTF-8 sequence above U+10FFFF");
	expect_err("[\"\x80\"]", "line 1:3: invalid UTF-8 byte");
	expect_err("{\"a\" 1}", "line 1:6: expected ':' after object key");
	expect_err("{\"a\"::1}", "line 1:6: duplicate ':'");
	expect_err("{:1}", "line 1:2: missing object key before ':'");
	expect_err("{\"a\":1 \"b\":2}", "line 1:8: missing ',' between members");
	expect_err("[1 2]", "line 1:4: expected ',' or ']'");
	expect_err("{} x", "line 1:4: unexpected data after the document");
	expect_err("", "line 1:1: unexpected end of input");
	expect_err("[\"abc", "line 1:2: unterminated string");
	expect_err("{\"a\":", "line 1:6: unexpected end of input");
	expect_err("\xef\xbb\xbf{}", "line 1:1: unexpected byte 0xef");
}

static void depth_limit(void)
{
	char buf[2 * (JSON_MAX_DEPTH + 1) + 1];
	struct cell_err e;
	struct json_doc d;
	int n;

	for (n = JSON_MAX_DEPTH; n <= JSON_MAX_DEPTH + 1; n++) {
		memset(buf, '[', (size_t)n);
		memset(buf + n, ']', (size_t)n);
		buf[2 * n] = '\0';
		if (n == JSON_MAX_DEPTH) {
			CHECK(parse_str(&d, buf, &e) == 0);
			json_doc_free(&d);
		} else {
			CHECK(parse_str(&d, buf, &e) < 0);
			CHECK_STR(e.msg, "line 1:65: nesting deeper than 64 levels");
		}
	}
}

static void size_limit(void)
{
	size_t n = 49999, len = 2 * n + 3, i;
	char *buf = malloc(len);
	struct cell_err e;
	struct json_doc d;

	/* [0,0,...,0]: n + 1 elements */
	buf[0] = '[';
	for (i = 0; i < n; i++)
		memcpy(buf + 1 + 2 * i, "0,", 2);
	memcpy(buf + len - 2, "0]", 2);
	if (json_parse(&d, buf, len, len, &e) < 0) {
		T_FAIL("%s", e.msg);
	} else {
		CHECK(d.toks[0].count == n + 1 && d.n_toks == n + 2);
		json_doc_free(&d);
	}
	CHECK(json_parse(&d, buf, len, len - 1, &e) < 0);
	CHECK_STR(e.msg, "document larger than 100000 bytes");
	free(buf);
}

/* Every proper prefix of an object document is malformed. */
static void truncations(void)
{
	char path[512];
	size_t len, n;
	char *buf;

	snprintf(path, sizeof path, "%s/json-good/runc-spec.json", corpus);
	buf = t_read_file(path, &len);
	CHECK(buf != NULL);
	for (n = 0; buf && n < len; n++) {
		char *cut = malloc(n ? n : 1);
		struct cell_err e;
		struct json_doc d;

		memcpy(cut, buf, n);
		if (json_parse(&d, cut, n, 0, &e) == 0) {
			T_FAIL("prefix of %zu bytes parsed", n);
			json_doc_free(&d);
		}
		free(cut);
	}
	free(buf);
}

static void tokens_and_accessors(void)
{
	const char *s = "{\"a\":[1,{\"b\":null}],\"c\":\"x\",\"a\":true}";
	struct cell_err e;
	struct json_doc d;
	size_t v;

	CHECK(parse_str(&d, s, &e) == 0);
	CHECK(d.n_toks == 11);
	CHECK(d.toks[0].type == JSON_OBJECT && d.toks[0].count == 3 && d.toks[0].skip == 11);
	CHECK(d.toks[2].type == JSON_ARRAY && d.toks[2].count == 2 && d.toks[2].skip == 5);
	CHECK(d.toks[4].type == JSON_OBJECT && d.toks[4].count == 1 && d.toks[4].skip == 3);
	CHECK(json_next(&d, 2) == 7);
	v = json_obj_get(&d, 0, "a"); /* the last "a" wins */
	CHECK(v == 10 && d.toks[v].type == JSON_TRUE);
	v = json_obj_get(&d, 0, "c");
	CHECK(v == 8 && json_str_eq(&d, v, "x") && !json_str_eq(&d, v, "xy"));
	CHECK(json_obj_get(&d, 0, "zz") == 0);
	CHECK(json_obj_get(&d, 2, "a") == 0); /* not an object */
	CHECK(json_obj_get(&d, 4, "b") == 6 && d.toks[6].type == JSON_NULL);
	CHECK(d.toks[0].line == 1 && d.toks[0].col == 1 && d.toks[2].col == 6);
	CHECK(d.toks[1].col == 2 && d.toks[8].col == 25); /* strings: the opening quote */
	json_doc_free(&d);
	CHECK(parse_str(&d, "{\n\t\"k\":\n  7}", &e) == 0);
	CHECK(d.toks[1].line == 2 && d.toks[1].col == 2);
	CHECK(d.toks[2].line == 3 && d.toks[2].col == 3);
	json_doc_free(&d);
}

static void strings(void)
{
	const char *s = "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\",\"\\u0041\\u00e9\\u20ac\",\"\\ud83d\\ude00\","
			"\"a\\u0000b\",\"\\\\u0000\",\"plain\"]";
	struct cell_err e;
	struct json_doc d;
	char out[64];

	CHECK(parse_str(&d, s, &e) == 0);
	json_str_decode(&d, 1, out);
	CHECK_STR(out, "\"\\/\b\f\n\r\t");
	CHECK(json_str_len(&d, 1) == 8);
	json_str_decode(&d, 2, out);
	CHECK_STR(out, "A\xc3\xa9\xe2\x82\xac");
	CHECK(json_str_eq(&d, 2, "A\xc3\xa9\xe2\x82\xac"));
	CHECK(!json_str_eq(&d, 2, "A\xc3\xa9"));
	json_str_decode(&d, 3, out);
	CHECK_STR(out, "\xf0\x9f\x98\x80");
	CHECK(json_str_len(&d, 3) == 4);
	CHECK(json_str_has_nul(&d, 4));
	CHECK(json_str_len(&d, 4) == 3);
	CHECK(!json_str_eq(&d, 4, "a"));
	CHECK(!json_str_has_nul(&d, 5)); /* an escaped backslash, then "u0000" */
	json_str_decode(&d, 5, out);
	CHECK_STR(out, "\\u0000");
	CHECK(!json_str_has_nul(&d, 6) && d.toks[6].has_esc == 0);
	CHECK(json_str_eq(&d, 6, "plain") && !json_str_eq(&d, 6, "plai"));
	CHECK(!json_str_eq(&d, 0, "x")); /* not a string */
	json_doc_free(&d);
}

struct num_case {
	const char *text;
	int i_ok;    /* 0 ok, else errno */
	int64_t i;
	int u_ok;
	uint64_t u;
};

static void integers(void)
{
	static const struct num_case cases[] = {
		{ "0", 0, 0, 0, 0 },
		{ "-0", 0, 0, 0, 0 },
		{ "42", 0, 42, 0, 42 },
		{ "-42", 0, -42, ERANGE, 0 },
		{ "9223372036854775807", 0, INT64_MAX, 0, INT64_MAX },
		{ "-9223372036854775808", 0, INT64_MIN, ERANGE, 0 },
		{ "9223372036854775808", ERANGE, 0, 0, 9223372036854775808ULL },
		{ "-9223372036854775809", ERANGE, 0, ERANGE, 0 },
		{ "18446744073709551615", ERANGE, 0, 0, UINT64_MAX },
		{ "18446744073709551616", ERANGE, 0, ERANGE, 0 },
		{ "1.0", 0, 1, 0, 1 },
		{ "1.5", EINVAL, 0, EINVAL, 0 },
		{ "1e3", 0, 1000, 0, 1000 },
		{ "1E+2", 0, 100, 0, 100 },
		{ "1.5e1", 0, 15, 0, 15 },
		{ "100e-2", 0, 1, 0, 1 },
		{ "1e-1", EINVAL, 0, EINVAL, 0 },
		{ "0.000", 0, 0, 0, 0 },
		{ "0e999999999999", 0, 0, 0, 0 },
		{ "1e400", ERANGE, 0, ERANGE, 0 },
		{ "1e-400", EINVAL, 0, EINVAL, 0 },
		{ "1e19", ERANGE, 0, 0, 10000000000000000000ULL },
		{ "12345678901234567890000e-3", ERANGE, 0, 0, 12345678901234567890ULL },
		{ "123456789012345678901234567890e-10", EINVAL, 0, EINVAL, 0 },
		{ "0.00000000000000000000000000001e29", 0, 1, 0, 1 },
		{ "-1e0", 0, -1, ERANGE, 0 },
	};
	size_t k;

	for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		const struct num_case *c = &cases[k];
		struct cell_err e;
		struct json_doc d;
		int64_t i = 0;
		uint64_t u = 0;
		int r;

		if (parse_str(&d, c->text, &e) < 0) {
			T_FAIL("%s: %s", c->text, e.msg);
			continue;
		}
		errno = 0;
		r = json_get_i64(&d, 0, &i);
		if (c->i_ok ? (r != -1 || errno != c->i_ok) : (r != 0 || i != c->i))
			T_FAIL("json_get_i64(%s): r=%d errno=%d value=%lld", c->text, r, errno,
			       (long long)i);
		errno = 0;
		r = json_get_u64(&d, 0, &u);
		if (c->u_ok ? (r != -1 || errno != c->u_ok) : (r != 0 || u != c->u))
			T_FAIL("json_get_u64(%s): r=%d errno=%d value=%llu", c->text, r, errno,
			       (unsigned long long)u);
		json_doc_free(&d);
	}
}

static void not_a_number(void)
{
	struct cell_err e;
	struct json_doc d;
	int64_t i;

	CHECK(parse_str(&d, "\"1\"", &e) == 0);
	errno = 0;
	CHECK(json_get_i64(&d, 0, &i) == -1 && errno == EINVAL);
	json_doc_free(&d);
}

static void writer_layout(void)
{
	struct json_out o;

	jo_init(&o, 0);
	jo_obj_begin(&o);
	jo_kstr(&o, "a", "x");
	jo_key(&o, "b");
	jo_arr_begin(&o);
	jo_i64(&o, -5);
	jo_u64(&o, UINT64_MAX);
	jo_bool(&o, false);
	jo_null(&o);
	jo_str(&o, NULL);
	jo_obj_begin(&o);
	jo_obj_end(&o);
	jo_arr_begin(&o);
	jo_arr_end(&o);
	jo_raw(&o, "{\"r\":1}", 7);
	jo_arr_end(&o);
	jo_ki64(&o, "c", 7);
	jo_ku64(&o, "d", 8);
	jo_kbool(&o, "e", true);
	jo_obj_end(&o);
	CHECK(!o.oom);
	CHECK_STR(o.buf, "{\"a\":\"x\",\"b\":[-5,18446744073709551615,false,null,null,{},[],"
			 "{\"r\":1}],\"c\":7,\"d\":8,\"e\":true}");
	jo_free(&o);

	jo_init(&o, 1);
	jo_obj_begin(&o);
	jo_kstr(&o, "a", "x");
	jo_key(&o, "b");
	jo_arr_begin(&o);
	jo_i64(&o, 1);
	jo_obj_begin(&o);
	jo_obj_end(&o);
	jo_arr_end(&o);
	jo_key(&o, "c");
	jo_arr_begin(&o);
	jo_arr_end(&o);
	jo_obj_end(&o);
	CHECK_STR(o.buf, "{\n\t\"a\": \"x\",\n\t\"b\": [\n\t\t1,\n\t\t{}\n\t],\n\t\"c\": []\n}");
	jo_free(&o);
}

static void writer_escapes(void)
{
	struct json_out o;
	char all[256];
	struct cell_err e;
	struct json_doc d;
	int i;

	jo_init(&o, 0);
	jo_str(&o, "q\"b\\n\n\x01\x1f\x7f\xc3\xa9\xff\xc3(\xed\xa0\x80");
	CHECK_STR(o.buf, "\"q\\\"b\\\\n\\n\\u0001\\u001f\x7f\xc3\xa9\\ufffd\\ufffd(\\ufffd\\ufffd\\ufffd\"");
	jo_free(&o);

	/* Every byte value: the output must be valid JSON. */
	for (i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = '\0';
	jo_init(&o, 0);
	jo_str(&o, all);
	CHECK(json_parse(&d, o.buf, o.len, 0, &e) == 0);
	if (o.len && d.toks)
		json_doc_free(&d);
	jo_free(&o);
}

static void quote_fixed(void)
{
	char buf[16], big[64];
	struct cell_err e;
	struct json_doc d;
	size_t n, cap;

	n = json_quote(big, sizeof big, "a\"b\n\xff");
	CHECK_STR(big, "\"a\\\"b\\n\\ufffd\"");
	CHECK(n == strlen(big));
	/* Truncation never splits an escape and keeps the quotes. */
	for (cap = 0; cap <= sizeof buf; cap++) {
		memset(buf, 'X', sizeof buf);
		n = json_quote(buf, cap, "\x01\x02\xe2\x82\xac\"\\abc");
		if (cap == 0)
			continue;
		CHECK(n < cap && buf[n] == '\0');
		if (cap >= 3) {
			CHECK(json_parse(&d, buf, n, 0, &e) == 0);
			json_doc_free(&d);
		}
	}
}

int main(int argc, char **argv)
{
	if (argc > 1)
		corpus = argv[1];
	RUN(corpus_good);
	RUN(corpus_bad);
	RUN(bad_corpus_size);
	RUN(error_positions);
	RUN(depth_limit);
	RUN(size_limit);
	RUN(truncations);
	RUN(tokens_and_accessors);
	RUN(strings);
	RUN(integers);
	RUN(not_a_number);
	RUN(writer_layout);
	RUN(writer_escapes);
	RUN(quote_fixed);
	return t_done();
}
