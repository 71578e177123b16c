/* UTF-8 validation shared by the JSON reader and writer (private to oci/). */
#ifndef CELL_OCI_UTF8_H
#define CELL_OCI_UTF8_H

#include <stddef.h>
#include <stdint.h>

enum {
	UTF8_BAD_BYTE = -1,  /* stray continuation byte or 0xf8..0xff */
	UTF8_TRUNCATED = -2, /* a continuation byte is missing */
	UTF8_OVERLONG = -3,
	UTF8_SURROGATE = -4, /* U+D800..U+DFFF encoded directly */
	UTF8_TOO_BIG = -5,   /* above U+10FFFF */
};

/* Length (1..4) of the well-formed sequence at p, or a UTF8_* error.
 * `avail` > 0 is the number of readable bytes at p. */
static inline int utf8_check(const unsigned char *p, size_t avail)
{
	unsigned c = p[0];
	uint32_t cp;
	int n, i;

	if (c < 0x80)
		return 1;
	if (c < 0xc0)
		return UTF8_BAD_BYTE;
	if (c < 0xc2)
		return UTF8_OVERLONG; /* 0xc0/0xc1 can only encode ASCII */
	if (c < 0xe0) {
		n = 2;
		cp = c & 0x1f;
	} else if (c < 0xf0) {
		n = 3;
		cp = c & 0x0f;
	} else if (c < 0xf5) {
		n = 4;
		cp = c & 0x07;
	} else {
		return c < 0xf8 ? UTF8_TOO_BIG : UTF8_BAD_BYTE;
	}
	for (i = 1; i < n; i++) {
		if ((size_t)i >= avail || (p[i] & 0xc0) != 0x80)
			return UTF8_TRUNCATED;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000))
		return UTF8_OVERLONG;
	if (cp > 0x10ffff)
		return UTF8_TOO_BIG;
	if (cp >= 0xd800 && cp <= 0xdfff)
		return UTF8_SURROGATE;
	return n;
}

static inline const char *utf8_strerror(int r)
{
	switch (r) {
	case UTF8_TRUNCATED:
		return "truncated UTF-8 sequence";
	case UTF8_OVERLONG:
		return "overlong UTF-8 sequence";
	case UTF8_SURROGATE:
		return "UTF-8 encoded surrogate";
	case UTF8_TOO_BIG:
		return "UTF-8 sequence above U+10FFFF";
	default:
		return "invalid UTF-8 byte";
	}
}

#endif
