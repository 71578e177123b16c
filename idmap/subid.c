/* /etc/subuid and /etc/subgid: the id ranges delegated to a user, and the
 * check that a map an unprivileged caller asks for stays inside them (the
 * same rule newuidmap applies, checked first so the error can name the
 * file, the user and the map line). */
#include "idmap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/cleanup.h"
#include "../util/fs.h"
#include "../util/num.h"

/* "owner:start:count": owner is a user name or a numeric uid, as shadow
 * reads it. */
static bool parse_line(const char *l, size_t len, const char *user, uint32_t uid,
		       struct idmap_range *out)
{
	const char *c1 = memchr(l, ':', len), *c2;
	uint32_t owner;
	size_t ulen = user != NULL ? strlen(user) : 0;

	if (c1 == NULL)
		return false;
	c2 = memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - l));
	if (c2 == NULL)
		return false;
	if (user == NULL) {
		/* Anyone's but root's (uid names root). */
		if (((size_t)(c1 - l) == 4 && memcmp(l, "root", 4) == 0) ||
		    (num_parse_u32(l, (size_t)(c1 - l), &owner) && owner == uid))
			return false;
	} else if (!((size_t)(c1 - l) == ulen && memcmp(l, user, ulen) == 0) &&
		   !(num_parse_u32(l, (size_t)(c1 - l), &owner) && owner == uid)) {
		return false;
	}
	return num_parse_u32(c1 + 1, (size_t)(c2 - c1 - 1), &out->start) &&
	       num_parse_u32(c2 + 1, len - (size_t)(c2 + 1 - l), &out->count) && out->count > 0 &&
	       (uint64_t)out->start + out->count <= (1ULL << 32);
}

size_t idmap_subid_parse(const char *text, const char *user, uint32_t uid, struct idmap_range *out,
			 size_t cap)
{
	size_t n = 0;

	while (*text != '\0') {
		const char *nl = strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text) : strlen(text);
		struct idmap_range r;

		/* Malformed lines and comments are skipped, as by newuidmap. */
		if (text[0] != '#' && parse_line(text, len, user, uid, &r)) {
			if (n < cap)
				out[n] = r;
			n++;
		}
		text += len + (nl != NULL);
	}
	return n;
}

bool idmap_ranges_cover(const struct idmap_range *r, size_t n, uint32_t start, uint32_t count)
{
	uint64_t at = start, end = (uint64_t)start + count;

	/* Walk forward through ranges that continue the covered part
	 * (entries may be adjacent, as newuidmap accepts). */
	while (at < end) {
		uint64_t reach = at;

		for (size_t i = 0; i < n; i++) {
			uint64_t rs = r[i].start, re = rs + r[i].count;

			if (rs <= at && re > reach)
				reach = re;
		}
		if (reach == at)
			return false;
		at = reach;
	}
	return true;
}

int idmap_check_delegated(const struct oci_idmap *m, size_t n, const struct idmap_deleg *d,
			  const char *field, struct cell_err *e)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t last = m[i].host_id + (m[i].size - 1);

		/* A user may always map his own id, alone. */
		if (m[i].size == 1 && m[i].host_id == d->self)
			continue;
		if (idmap_ranges_cover(d->ranges, d->n_ranges, m[i].host_id, m[i].size))
			continue;
		if (d->n_ranges == 0)
			return cell_err_set(e, EPERM,
					    "config.json: %s[%zu]: host ids %u-%u not delegated to user %s: "
					    "%s has no entry for %s",
					    field, i, m[i].host_id, last, d->user, d->file, d->user);
		return cell_err_set(e, EPERM,
				    "config.json: %s[%zu]: host ids %u-%u not delegated to user %s in %s",
				    field, i, m[i].host_id, last, d->user, d->file);
	}
	return 0;
}

bool idmap_is_own_id(const struct oci_idmap *m, size_t n, uint32_t self)
{
	return n == 1 && m[0].size == 1 && m[0].host_id == self;
}

int idmap_subid_load(const char *file, const char *user, uint32_t uid, uint32_t self,
		     struct idmap_deleg *d, struct cell_err *e)
{
	_cleanup_free_ char *text = NULL;
	size_t len, n;

	d->file = file;
	d->user = user;
	d->self = self;
	d->n_ranges = 0;
	if (fs_read_file(AT_FDCWD, file, 1 << 20, &text, &len, e) < 0) {
		if (e->errnum != ENOENT)
			return -1;
		return 0; /* no file: nothing delegated */
	}
	n = idmap_subid_parse(text, user, uid, d->ranges, IDMAP_MAX_RANGES);
	d->n_ranges = n < IDMAP_MAX_RANGES ? n : IDMAP_MAX_RANGES;
	return 0;
}
