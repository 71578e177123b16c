/* Accessors over a tokenized document. Input was validated by json_parse,
 * so decoding here needs no error paths. */
#include "json.h"

#include <errno.h>
#include <string.h>

static unsigned hexval(const char *p)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		unsigned c = (unsigned char)p[i];

		v = v << 4 | (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	return v;
}

/* Decode one unit at *pp (a raw byte or a whole escape, surrogate pairs
 * joined) into out; returns the number of bytes produced (1..4). */
static size_t unesc_step(const char **pp, char out[4])
{
	const char *p = *pp;
	unsigned cp;

	if (*p != '\\') {
		out[0] = *p;
		*pp = p + 1;
		return 1;
	}
	*pp = p + 2;
	switch (p[1]) {
	case 'b': out[0] = '\b'; return 1;
	case 'f': out[0] = '\f'; return 1;
	case 'n': out[0] = '\n'; return 1;
	case 'r': out[0] = '\r'; return 1;
	case 't': out[0] = '\t'; return 1;
	case 'u': break;
	default: out[0] = p[1]; return 1; /* " \ / */
	}
	cp = hexval(p + 2);
	*pp = p + 6;
	if (cp >= 0xd800 && cp <= 0xdbff) {
		cp = 0x10000 + ((cp - 0xd800) << 10) + (hexval(p + 8) - 0xdc00);
		*pp = p + 12;
	}
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

size_t json_str_len(const struct json_doc *d, size_t i)
{
	const struct json_tok *t = &d->toks[i];
	const char *p = d->buf + t->start, *end = d->buf + t->end;
	size_t n = 0;
	char tmp[4];

	if (!t->has_esc)
		return t->end - t->start;
	while (p < end)
		n += unesc_step(&p, tmp);
	return n;
}

void json_str_decode(const struct json_doc *d, size_t i, char *out)
{
	const struct json_tok *t = &d->toks[i];
	const char *p = d->buf + t->start, *end = d->buf + t->end;

	if (!t->has_esc) {
		memcpy(out, p, t->end - t->start);
		out[t->end - t->start] = '\0';
		return;
	}
	while (p < end)
		out += unesc_step(&p, out);
	*out = '\0';
}

bool json_str_has_nul(const struct json_doc *d, size_t i)
{
	const struct json_tok *t = &d->toks[i];
	const char *p = d->buf + t->start, *end = d->buf + t->end;
	char tmp[4];

	if (!t->has_esc)
		return false; /* raw NUL bytes were rejected as control characters */
	while (p < end) {
		if (unesc_step(&p, tmp) == 1 && tmp[0] == '\0')
			return true;
	}
	return false;
}

bool json_str_eq(const struct json_doc *d, size_t i, const char *s)
{
	const struct json_tok *t = &d->toks[i];
	const char *p = d->buf + t->start, *end = d->buf + t->end;

	if (t->type != JSON_STRING)
		return false;
	if (!t->has_esc) {
		size_t n = t->end - t->start;

		return strncmp(p, s, n) == 0 && s[n] == '\0';
	}
	while (p < end) {
		char tmp[4];
		size_t k = unesc_step(&p, tmp);

		if (strncmp(s, tmp, k) != 0 || memchr(tmp, '\0', k))
			return false;
		s += k;
	}
	return *s == '\0';
}

/* Last match wins, as with Go's encoding/json that runc uses. */
size_t json_obj_get(const struct json_doc *d, size_t obj, const char *key)
{
	size_t i = json_child(obj), k, found = 0;

	if (d->toks[obj].type != JSON_OBJECT)
		return 0;
	for (k = 0; k < d->toks[obj].count; k++) {
		if (json_str_eq(d, i, key))
			found = i + 1;
		i = json_next(d, i + 1);
	}
	return found;
}

enum { NUM_OK = 0, NUM_FRACTION = -1, NUM_RANGE = -2 };

static int digit_at(const char *ip, size_t ni, const char *fp, size_t k)
{
	return (k < ni ? ip[k] : fp[k - ni]) - '0';
}

/* Exact magnitude of a (grammar-checked) number, or NUM_FRACTION when the
 * value is not integral, NUM_RANGE when it exceeds 64 bits. Works on the
 * decimal digits, so 1.5e1 and 100e-2 are the integers 15 and 1. */
static int num_magnitude(const char *p, const char *end, bool *neg, uint64_t *mag)
{
	const char *ip, *fp = NULL;
	size_t ni, nf = 0, l, k0, k1, k;
	int64_t exp = 0, e10;
	uint64_t v = 0;

	*neg = *p == '-';
	if (*neg)
		p++;
	ip = p;
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	ni = (size_t)(p - ip);
	if (p < end && *p == '.') {
		fp = ++p;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		nf = (size_t)(p - fp);
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		bool eneg = false;

		p++;
		if (*p == '+' || *p == '-')
			eneg = *p++ == '-';
		for (; p < end; p++)
			if (exp < 1000000000)
				exp = exp * 10 + (*p - '0'); /* saturates: far beyond any range */
		if (eneg)
			exp = -exp;
	}
	l = ni + nf;
	for (k0 = 0; k0 < l && digit_at(ip, ni, fp, k0) == 0; k0++)
		;
	if (k0 == l) {
		*mag = 0;
		return NUM_OK;
	}
	for (k1 = l - 1; digit_at(ip, ni, fp, k1) == 0; k1--)
		;
	/* value = digits[k0..k1] * 10^e10 */
	e10 = exp - (int64_t)nf + (int64_t)(l - 1 - k1);
	if (e10 < 0)
		return NUM_FRACTION;
	if ((int64_t)(k1 - k0 + 1) + e10 > 20)
		return NUM_RANGE;
	for (k = k0; k <= k1; k++) {
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)digit_at(ip, ni, fp, k), &v))
			return NUM_RANGE;
	}
	for (; e10 > 0; e10--)
		if (__builtin_mul_overflow(v, 10, &v))
			return NUM_RANGE;
	*mag = v;
	return NUM_OK;
}

static int get_num(const struct json_doc *d, size_t i, bool *neg, uint64_t *mag)
{
	const struct json_tok *t = &d->toks[i];
	int r;

	if (t->type != JSON_NUMBER) {
		errno = EINVAL;
		return -1;
	}
	r = num_magnitude(d->buf + t->start, d->buf + t->end, neg, mag);
	if (r != NUM_OK) {
		errno = r == NUM_FRACTION ? EINVAL : ERANGE;
		return -1;
	}
	return 0;
}

int json_get_i64(const struct json_doc *d, size_t i, int64_t *out)
{
	uint64_t mag = 0;
	bool neg;

	if (get_num(d, i, &neg, &mag) < 0)
		return -1;
	if (mag > (uint64_t)INT64_MAX + neg) {
		errno = ERANGE;
		return -1;
	}
	*out = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	return 0;
}

int json_get_u64(const struct json_doc *d, size_t i, uint64_t *out)
{
	uint64_t mag = 0;
	bool neg;

	if (get_num(d, i, &neg, &mag) < 0)
		return -1;
	if (neg && mag) {
		errno = ERANGE;
		return -1;
	}
	*out = mag;
	return 0;
}
