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
	return t_done();
}
