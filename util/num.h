/* Decimal numbers of a fixed width, parsed from a span of text. */
#ifndef CELL_NUM_H
#define CELL_NUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* s[0..len) all digits, at most UINT32_MAX: *out; false otherwise (a name,
 * an empty field, an overflow). */
static inline bool num_parse_u32(const char *s, size_t len, uint32_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 10)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

#endif
