/* Deterministic mutation fuzzing of the JSON reader, the config decoder
 * and the writer, seeded from the corpus. Meant to run under
 * -fsanitize=address,undefined (tests/unit/fuzz-asan.sh); it only has to
 * not crash, and everything it accepts must round-trip through the writer.
 * Usage: test_fuzz [CORPUS_DIR [ITERATIONS [SEED]]] */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../oci/config.h"
#include "../../oci/json.h"
#include "t.h"
#include "tutil.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static size_t rnd_below(size_t n)
{
	return n ? (size_t)(rnd() % n) : 0;
}

struct seed {
	char *buf;
	size_t len;
};

static struct seed *seeds;
static size_t n_seeds, n_config_seeds;

static void add_dir(const char *corpus, const char *sub)
{
	char dir[512];
	char **files;
	size_t i;

	snprintf(dir, sizeof dir, "%s/%s", corpus, sub);
	files = t_list_dir(dir);
	for (i = 0; files && files[i]; i++) {
		struct seed *ns = realloc(seeds, (n_seeds + 1) * sizeof *ns);

		if (!ns)
			break;
		seeds = ns;
		seeds[n_seeds].buf = t_read_file(files[i], &seeds[n_seeds].len);
		if (seeds[n_seeds].buf)
			n_seeds++;
	}
	t_free_list(files);
}

static const char *const snippets[] = {
	"\\u", "\\ud800", "\\udc00", "\\ud83d\\ude00", "\\u0000", "[", "]", "{", "}", "{\"a\":",
	",", ":", "\"", "1e999", "-0.0e-0", "18446744073709551616", "null", "true", "\xf0\x9f\x98\x80",
	"\xed\xa0\x80", "\xc0\x80", "\xff", "\t", "\n", "\"CAP_SYS_ADMIN\"", "\"rbind\"",
	"{\"type\":\"pid\"}", "[]", "{}", "\"/\"", "-", ".", "e",
};

static size_t insert(char *buf, size_t len, size_t cap, size_t at, const char *s, size_t n)
{
	size_t i;

	if (at > len || n > cap - len)
		return len;
	for (i = len; i > at; i--) /* a loop, not memmove: gcc -O1 warns falsely */
		buf[i - 1 + n] = buf[i - 1];
	memcpy(buf + at, s, n);
	return len + n;
}

static size_t mutate(char *buf, size_t len, size_t cap)
{
	/* Mostly one edit, so that many mutants stay valid and reach the
	 * config decoder. */
	size_t rounds = rnd_below(4) ? 1 : 2 + rnd_below(3), r;

	for (r = 0; r < rounds; r++) {
		size_t pos = rnd_below(len + 1), n;
		const char *s;

		switch (rnd_below(7)) {
		case 0: /* flip a bit */
			if (len)
				buf[rnd_below(len)] ^= (char)(1u << rnd_below(8));
			break;
		case 1: /* random byte */
			if (len)
				buf[rnd_below(len)] = (char)rnd();
			break;
		case 2: /* delete a range */
			n = 1 + rnd_below(8);
			if (pos + n <= len) {
				memmove(buf + pos, buf + pos + n, len - pos - n);
				len -= n;
			}
			break;
		case 3: /* insert a snippet */
			s = snippets[rnd_below(sizeof snippets / sizeof snippets[0])];
			len = insert(buf, len, cap, pos, s, strlen(s));
			break;
		case 4: /* duplicate a chunk */
			n = 1 + rnd_below(32);
			if (pos + n <= len) {
				char chunk[32];

				memcpy(chunk, buf + pos, n);
				len = insert(buf, len, cap, rnd_below(len + 1), chunk, n);
			}
			break;
		case 5: /* truncate */
			len = rnd_below(len + 1);
			break;
		default: /* overwrite with a structural byte */
			if (len)
				buf[rnd_below(len)] = "{}[]:,\"\\0-.eE"[rnd_below(13)];
			break;
		}
	}
	return len;
}

static size_t n_parsed, n_configs;

/* Touch every accessor on an accepted document, then check that the
 * writer turns it into a document the reader accepts again. */
static void exercise(const struct json_doc *d)
{
	struct json_out o;
	struct json_doc d2;
	struct cell_err e;
	size_t i;

	for (i = 0; i < d->n_toks; i++) {
		const struct json_tok *t = &d->toks[i];
		int64_t iv;
		uint64_t uv;

		if (t->type == JSON_STRING) {
			size_t n = json_str_len(d, i);
			char *s = malloc(n + 1);

			json_str_decode(d, i, s);
			CHECK(strlen(s) == n || json_str_has_nul(d, i));
			CHECK(json_str_has_nul(d, i) || json_str_eq(d, i, s));
			free(s);
		} else if (t->type == JSON_NUMBER) {
			(void)json_get_i64(d, i, &iv);
			(void)json_get_u64(d, i, &uv);
		} else if (t->type == JSON_OBJECT && t->count) {
			char *k = t_str(d, i + 1);

			if (!json_str_has_nul(d, i + 1))
				CHECK(json_obj_get(d, i, k) != 0);
			free(k);
		}
	}
	jo_init(&o, (int)(rnd() & 1));
	t_reemit(d, 0, &o);
	if (json_parse(&d2, o.buf, o.len, 0, &e) < 0) {
		T_FAIL("writer output rejected: %s", e.msg);
	} else {
		CHECK(d2.n_toks == d->n_toks);
		json_doc_free(&d2);
	}
	jo_free(&o);
}

static void quote_random(void)
{
	char src[64], dst[96];
	struct json_doc d;
	struct cell_err e;
	size_t i, n = rnd_below(sizeof src), cap = 3 + rnd_below(sizeof dst - 2), w;

	for (i = 0; i < n; i++)
		src[i] = (char)(1 + rnd_below(255));
	src[n] = '\0';
	w = json_quote(dst, cap, src);
	CHECK(w < cap && dst[w] == '\0');
	if (json_parse(&d, dst, w, 0, &e) < 0)
		T_FAIL("json_quote output rejected: %s", e.msg);
	else
		json_doc_free(&d);
}

int main(int argc, char **argv)
{
	const char *corpus = argc > 1 ? argv[1] : CORPUS_DIR;
	size_t iters = argc > 2 ? strtoul(argv[2], NULL, 10) : 200000, it, maxlen = 0, k;
	char *work;

	if (argc > 3)
		rng ^= strtoull(argv[3], NULL, 0) * 0xbf58476d1ce4e5b9ULL; /* any seed, never 0 */
	if (!rng)
		rng = 1;
	add_dir(corpus, "json-good");
	add_dir(corpus, "json-bad");
	k = n_seeds;
	add_dir(corpus, "config"); /* last, see n_config_seeds */
	n_config_seeds = n_seeds - k;
	CHECK(n_seeds > 0 && n_config_seeds > 0);
	for (k = 0; k < n_seeds; k++)
		if (seeds[k].len > maxlen)
			maxlen = seeds[k].len;
	work = malloc(maxlen + 1024);
	for (it = 0; it < iters && n_config_seeds; it++) {
		/* Half of the runs start from a config: the decoder is the deep part. */
		const struct seed *s = rnd() & 1 ? &seeds[n_seeds - 1 - rnd_below(n_config_seeds)]
						 : &seeds[rnd_below(n_seeds)];
		struct json_doc d;
		struct cell_err e;
		struct oci_config *c;
		size_t len;
		char *exact;

		memcpy(work, s->buf, s->len);
		len = mutate(work, s->len, maxlen + 1024);
		/* An exact-size copy lets the sanitizer see any over-read. */
		exact = malloc(len ? len : 1);
		memcpy(exact, work, len);
		if (json_parse(&d, exact, len, 0, &e) == 0) {
			n_parsed++;
			exercise(&d);
			json_doc_free(&d);
		}
		c = oci_config_parse(exact, len, "config.json", &e);
		if (c) {
			n_configs++;
			oci_config_free(c);
		}
		free(exact);
		if ((it & 15) == 0)
			quote_random();
	}
	printf("# %zu mutations: %zu parsed as JSON, %zu as configs\n", it, n_parsed, n_configs);
	t_end("fuzz");
	for (k = 0; k < n_seeds; k++)
		free(seeds[k].buf);
	free(seeds);
	free(work);
	return t_done();
}
