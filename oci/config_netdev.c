/* config.json linux.netDevices (runtime-spec 1.2): a map from the name of
 * a network interface of the host to {"name": its name inside}; net/
 * moves them into the container's network namespace and back. */
#include <ctype.h>
#include <string.h>

#include "config_internal.h"

/* The kernel's dev_valid_name: 1 to 15 bytes, not "." or "..", no '/',
 * ':' or white space. */
static bool valid_ifname(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 15 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || isspace((unsigned char)*s))
			return false;
	return true;
}

static int dev_name(struct oci_ctx *x, size_t v, void *obj)
{
	struct oci_netdev *nd = obj;

	if (oci_get_str(x, v, &nd->name) < 0)
		return -1;
	if (nd->name[0] == '\0') { /* as absent: keep the host's name */
		nd->name = NULL;
		return 0;
	}
	if (!valid_ifname(nd->name))
		return oci_ferr(x, "`%s` is not a valid interface name (1 to 15 bytes, no '/', ':' or "
				   "white space)", nd->name);
	return 0;
}

static const struct oci_field netdev_fields[] = {
	OFIELD_FN("name", dev_name),
	OFIELD_END,
};

static const char *inside_name(const struct oci_netdev *nd)
{
	return nd->name ? nd->name : nd->host;
}

int oci_parse_netdevs(struct oci_ctx *x, size_t v, void *obj)
{
	struct oci_linux *l = obj;
	const struct json_doc *d = x->d;
	struct oci_netdev *nd;
	size_t k, i, cnt;

	if (oci_expect(x, v, JSON_OBJECT) < 0)
		return -1;
	cnt = d->toks[v].count;
	nd = oci_arena_alloc(x->a, (cnt ? cnt : 1) * sizeof *nd);
	if (!nd)
		return oci_oom(x);
	for (k = 0, i = json_child(v); k < cnt; k++, i = json_next(d, i + 1)) {
		size_t old;

		if (oci_get_str(x, i, &nd[k].host) < 0)
			return oci_ferr(x, "keys must not contain NUL bytes");
		old = oci_path_push(x, nd[k].host, 0, true);
		if (!valid_ifname(nd[k].host))
			return oci_ferr(x, "`%s` is not a valid interface name (1 to 15 bytes, no '/', "
					   "':' or white space)", nd[k].host);
		if (oci_decode_object(x, i + 1, netdev_fields, &nd[k]) < 0)
			return -1;
		for (size_t j = 0; j < k; j++) {
			if (strcmp(nd[j].host, nd[k].host) == 0)
				return oci_ferr(x, "listed twice");
			if (strcmp(inside_name(&nd[j]), inside_name(&nd[k])) == 0)
				return oci_ferr(x, "the name inside, `%s`, is also that of [\"%s\"]",
						inside_name(&nd[k]), nd[j].host);
		}
		oci_path_pop(x, old);
	}
	l->net_devices = nd;
	l->n_net_devices = cnt;
	return 0;
}
