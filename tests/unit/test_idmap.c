/* idmap/: map validation (every error names its field), id arithmetic,
 * the kernel's text format, and the mounts' own maps in a config. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../idmap/idmap.h"
#include "t.h"

static struct cell_err e;

static int check(const struct oci_idmap *m, size_t n)
{
	memset(&e, 0, sizeof e);
	return idmap_validate_map(m, n, "linux.uidMappings", &e);
}

static void valid_maps(void)
{
	struct oci_idmap one[] = { { 0, 100000, 65536 } };
	struct oci_idmap two[] = { { 0, 1000, 1 }, { 1, 100000, 65536 } };
	struct oci_idmap top[] = { { 0, 4294967295u, 1 }, { 4294967295u, 0, 1 } };

	CHECK(check(one, 1) == 0);
	CHECK(check(two, 2) == 0);
	CHECK(check(top, 2) == 0); /* ends exactly at 2^32 */
	CHECK(check(NULL, 0) == 0);
}

static void zero_size(void)
{
	struct oci_idmap m[] = { { 0, 100000, 10 }, { 10, 200000, 0 } };

	CHECK(check(m, 2) < 0);
	CHECK(e.errnum == EINVAL);
	CHECK_STR(e.msg, "config.json: linux.uidMappings[1].size: must be > 0");
}

static void overlaps(void)
{
	struct oci_idmap c[] = { { 0, 100000, 65536 }, { 1000, 300000, 10 } };
	struct oci_idmap h[] = { { 0, 100000, 1000 }, { 1000, 100999, 10 } };
	struct oci_idmap touch[] = { { 0, 100000, 1000 }, { 1000, 101000, 10 } };

	CHECK(check(c, 2) < 0);
	CHECK_STR(e.msg, "config.json: linux.uidMappings[1]: containerID range overlaps linux.uidMappings[0]");
	CHECK(check(h, 2) < 0);
	CHECK_STR(e.msg, "config.json: linux.uidMappings[1]: hostID range overlaps linux.uidMappings[0]");
	CHECK(check(touch, 2) == 0); /* adjacent ranges do not overlap */
}

static void past_2_32(void)
{
	struct oci_idmap c[] = { { 4294967295u, 0, 2 } };
	struct oci_idmap h[] = { { 0, 4294967000u, 65536 } };

	CHECK(check(c, 1) < 0);
	CHECK(strstr(e.msg, "linux.uidMappings[0]: containerID 4294967295 + size 2 passes 2^32") != NULL);
	CHECK(check(h, 1) < 0);
	CHECK(strstr(e.msg, "linux.uidMappings[0]: hostID 4294967000 + size 65536 passes 2^32") != NULL);
}

static void too_many_lines(void)
{
	struct oci_idmap *m = calloc(IDMAP_MAX_LINES + 1, sizeof *m);

	for (uint32_t i = 0; i <= IDMAP_MAX_LINES; i++)
		m[i] = (struct oci_idmap){ i * 10, 100000 + i * 10, 10 };
	CHECK(check(m, IDMAP_MAX_LINES) == 0);
	CHECK(check(m, IDMAP_MAX_LINES + 1) < 0);
	CHECK_STR(e.msg, "config.json: linux.uidMappings: 341 entries, the kernel takes at most 340");
	free(m);
}

static void arithmetic(void)
{
	struct oci_idmap m[] = { { 0, 1000, 1 }, { 1, 100000, 65536 } };
	uint32_t v = 7;

	CHECK(idmap_to_host(m, 2, 0, &v) && v == 1000);
	CHECK(idmap_to_host(m, 2, 1, &v) && v == 100000);
	CHECK(idmap_to_host(m, 2, 65536, &v) && v == 165535);
	CHECK(!idmap_to_host(m, 2, 65537, &v));
	CHECK(idmap_to_container(m, 2, 1000, &v) && v == 0);
	CHECK(idmap_to_container(m, 2, 100005, &v) && v == 6);
	CHECK(!idmap_to_container(m, 2, 999, &v));
	CHECK(!idmap_to_container(m, 2, 165536, &v));
}

static void format(void)
{
	struct oci_idmap m[] = { { 0, 1000, 1 }, { 1, 100000, 65536 } };
	char buf[64], tiny[8];

	CHECK(idmap_format(m, 2, buf, sizeof buf) == 24);
	CHECK_STR(buf, "0 1000 1\n1 100000 65536\n");
	CHECK(idmap_format(m, 2, tiny, sizeof tiny) < 0);
}

static struct oci_config *parse(const char *json)
{
	memset(&e, 0, sizeof e);
	return oci_config_parse(json, strlen(json), "config.json", &e);
}

static void config_maps(void)
{
	struct oci_config *c = parse(
		"{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"r\"},\"mounts\":["
		"{\"destination\":\"/a\",\"type\":\"bind\",\"source\":\"/tmp\",\"options\":[\"bind\"],"
		"\"uidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":5},{\"containerID\":3,\"hostID\":9,\"size\":1}],"
		"\"gidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":5}]}],"
		"\"linux\":{\"uidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}],"
		"\"gidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":10},"
		"{\"containerID\":10,\"hostID\":100009,\"size\":10}]}}");
	struct idmap_maps mm;

	if (c == NULL) {
		T_FAIL("parse: %s", e.msg);
		return;
	}
	CHECK(idmap_validate(c, &e) < 0);
	CHECK_STR(e.msg, "config.json: linux.gidMappings[1]: hostID range overlaps linux.gidMappings[0]");
	idmap_from_config(c, &mm);
	CHECK(mm.n_uid == 1 && mm.uid[0].host_id == 100000 && mm.n_gid == 2);
	oci_config_free(c);

	c = parse("{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"r\"},\"mounts\":["
		  "{\"destination\":\"/a\",\"type\":\"bind\",\"source\":\"/tmp\",\"options\":[\"bind\"],"
		  "\"uidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":5},{\"containerID\":3,\"hostID\":9,\"size\":1}],"
		  "\"gidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":5}]}]}");
	CHECK(c != NULL && idmap_validate(c, &e) < 0);
	CHECK_STR(e.msg, "config.json: mounts[0].uidMappings[1]: containerID range overlaps mounts[0].uidMappings[0]");
	oci_config_free(c);

	c = parse("{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"r\"},\"mounts\":["
		  "{\"destination\":\"/a\",\"type\":\"bind\",\"source\":\"/tmp\",\"options\":[\"bind\"],"
		  "\"uidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":5}]}]}");
	CHECK(c != NULL && idmap_validate(c, &e) < 0);
	CHECK_STR(e.msg, "config.json: mounts[0]: uidMappings and gidMappings go together");
	oci_config_free(c);
}

/* /etc/subuid text: by name or by uid number, comments, malformed and
 * zero-sized lines skipped, other users' lines ignored. */
static void subid_parse(void)
{
	static const char text[] =
		"# comment bob:1:2\n"
		"alice:100000:65536\n"
		"bob:165536:65536\n"
		"bob:bad:10\n"
		"bob:5:0\n"
		"bob:4294967295:2\n"
		"1001:300000:1000\n"
		"bob:400000\n"
		"bobby:500000:10\n"
		"\n"
		"bob:600000:10";
	struct idmap_range r[8];
	size_t n = idmap_subid_parse(text, "bob", 1001, r, 8);

	CHECK(n == 3);
	CHECK(r[0].start == 165536 && r[0].count == 65536);
	CHECK(r[1].start == 300000 && r[1].count == 1000);
	CHECK(r[2].start == 600000 && r[2].count == 10); /* no final newline */
	CHECK(idmap_subid_parse(text, "carol", 2000, r, 8) == 0);
	CHECK(idmap_subid_parse(text, "bob", 1001, r, 1) == 3); /* counts past cap */
	CHECK(idmap_subid_parse("", "bob", 1, r, 8) == 0);
}

static void ranges_cover(void)
{
	struct idmap_range r[] = { { 100, 10 }, { 110, 5 }, { 200, 50 }, { 120, 1 } };

	CHECK(idmap_ranges_cover(r, 4, 100, 10));
	CHECK(idmap_ranges_cover(r, 4, 105, 10));  /* across adjacent entries */
	CHECK(!idmap_ranges_cover(r, 4, 105, 11)); /* 115 is in none */
	CHECK(idmap_ranges_cover(r, 4, 120, 1));
	CHECK(!idmap_ranges_cover(r, 4, 99, 2));
	CHECK(idmap_ranges_cover(r, 4, 249, 1));
	CHECK(!idmap_ranges_cover(r, 4, 249, 2));
	CHECK(!idmap_ranges_cover(NULL, 0, 1, 1));
}

static void delegated(void)
{
	struct idmap_deleg d = { .file = "/etc/subuid", .user = "bob", .self = 1001,
				 .ranges = { { 100000, 65536 } }, .n_ranges = 1 };
	struct oci_idmap ok[] = { { 0, 1001, 1 }, { 1, 100000, 65536 } };
	struct oci_idmap part[] = { { 0, 1001, 1 }, { 1, 100000, 65537 } };
	struct oci_idmap other[] = { { 0, 0, 1 } };
	struct oci_idmap self_range[] = { { 0, 1001, 2 } };

	memset(&e, 0, sizeof e);
	CHECK(idmap_check_delegated(ok, 2, &d, "linux.uidMappings", &e) == 0);
	CHECK(idmap_check_delegated(part, 2, &d, "linux.uidMappings", &e) < 0);
	CHECK(e.errnum == EPERM);
	CHECK_STR(e.msg, "config.json: linux.uidMappings[1]: host ids 100000-165536 not delegated to user bob in /etc/subuid");
	CHECK(idmap_check_delegated(other, 1, &d, "linux.gidMappings", &e) < 0);
	CHECK_STR(e.msg, "config.json: linux.gidMappings[0]: host ids 0-0 not delegated to user bob in /etc/subuid");
	/* Only the own id alone is free; two from it need an entry. */
	CHECK(idmap_check_delegated(self_range, 1, &d, "linux.uidMappings", &e) < 0);
	d.n_ranges = 0;
	CHECK(idmap_check_delegated(ok, 2, &d, "linux.uidMappings", &e) < 0);
	CHECK_STR(e.msg, "config.json: linux.uidMappings[1]: host ids 100000-165535 not delegated to user bob: /etc/subuid has no entry for bob");
	CHECK(idmap_check_delegated(ok, 1, &d, "linux.uidMappings", &e) == 0);
	CHECK(idmap_is_own_id(ok, 1, 1001));
	CHECK(!idmap_is_own_id(ok, 2, 1001));
	CHECK(!idmap_is_own_id(self_range, 1, 1001));
}

/* Every owner's ranges but root's (by name or uid 0): what auto avoids. */
static void subid_others(void)
{
	static const char text[] = "root:1000000:65536\n0:2000000:10\nbob:100000:65536\n"
				   "1001:300000:1000\nrooty:5:5\n";
	struct idmap_range r[8];

	CHECK(idmap_subid_parse(text, NULL, 0, r, 8) == 3);
	CHECK(r[0].start == 100000 && r[1].start == 300000 && r[2].start == 5);
	CHECK(idmap_subid_parse(text, "root", 0, r, 8) == 2);
	CHECK(r[0].start == 1000000 && r[1].start == 2000000);
}

/* First fit: the lowest start clear of every busy range, pool by pool. */
static void first_fit(void)
{
	struct idmap_range pool[] = { { 1000, 300 }, { 5000, 100 } };
	struct idmap_range busy[] = { { 1100, 100 }, { 990, 20 }, { 1200, 10 }, { 5050, 1 } };
	uint32_t s = 0;

	CHECK(idmap_first_fit(pool, 2, NULL, 0, 100, &s) && s == 1000);
	CHECK(idmap_first_fit(pool, 2, busy, 1, 100, &s) && s == 1000); /* 1000-1099 ends where busy begins */
	CHECK(idmap_first_fit(pool, 2, busy, 2, 50, &s) && s == 1010);
	CHECK(idmap_first_fit(pool, 2, busy, 3, 90, &s) && s == 1010);
	CHECK(idmap_first_fit(pool, 2, busy, 3, 91, &s) && s == 5000); /* 1210+91 passes 1300 */
	busy[1].count = 100; /* 990-1089: holes of 10 (1090) and 90 (1210) */
	CHECK(idmap_first_fit(pool, 2, busy, 3, 10, &s) && s == 1090);
	CHECK(idmap_first_fit(pool, 2, busy, 3, 50, &s) && s == 1210);
	busy[1].count = 20;
	CHECK(!idmap_first_fit(pool, 2, busy, 4, 100, &s));             /* 5050 taken */
	CHECK(idmap_first_fit(pool, 2, busy, 4, 49, &s) && s == 1010);
	CHECK(!idmap_first_fit(pool, 2, NULL, 0, 301, &s));
	/* A pool ending at 2^32 (no overflow of start + size). */
	struct idmap_range top[] = { { 4294967196u, 100 } };
	CHECK(idmap_first_fit(top, 1, NULL, 0, 100, &s) && s == 4294967196u);
	CHECK(!idmap_first_fit(top, 1, NULL, 0, 101, &s));
	/* Ten leases of 65536 from the default pool are back to back. */
	struct idmap_range dflt[] = { { IDMAP_POOL_START, IDMAP_POOL_COUNT } };
	struct idmap_range got[10];
	for (int i = 0; i < 10; i++) {
		CHECK(idmap_first_fit(dflt, 1, got, (size_t)i, 65536, &s));
		got[i] = (struct idmap_range){ s, 65536 };
		CHECK(s == IDMAP_POOL_START + 65536u * (uint32_t)i);
	}
	got[3].count = 0; /* freed: its hole comes first */
	CHECK(idmap_first_fit(dflt, 1, got, 10, 65536, &s) && s == IDMAP_POOL_START + 3 * 65536u);
}

int main(void)
{
	RUN(valid_maps);
	RUN(zero_size);
	RUN(overlaps);
	RUN(past_2_32);
	RUN(too_many_lines);
	RUN(arithmetic);
	RUN(format);
	RUN(config_maps);
	RUN(subid_parse);
	RUN(ranges_cover);
	RUN(delegated);
	RUN(subid_others);
	RUN(first_fit);
	return t_done();
}
