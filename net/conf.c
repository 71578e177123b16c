/* The network description (cell.net.* annotations), address arithmetic
 * and the names derived from a container ID. Pure code: unit tested. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define PFX "cell.net."

int net_addr_parse(const char *s, struct net_addr *a)
{
	char host[64], *end;
	const char *slash = strchr(s, '/');
	long p;

	memset(a, 0, sizeof *a);
	if (slash == NULL || (size_t)(slash - s) >= sizeof host || slash[1] == '\0')
		return -1;
	memcpy(host, s, (size_t)(slash - s));
	host[slash - s] = '\0';
	if (inet_pton(AF_INET, host, a->a) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, host, a->a) == 1)
		a->family = AF_INET6;
	else
		return -1;
	errno = 0;
	p = strtol(slash + 1, &end, 10);
	if (*end != '\0' || slash[1] < '0' || slash[1] > '9' || p < 0 ||
	    p > (a->family == AF_INET ? 32 : 128))
		return -1;
	a->prefix = (int)p;
	return 0;
}

void net_addr_format(const struct net_addr *a, bool with_prefix, char *buf, size_t cap)
{
	char txt[INET6_ADDRSTRLEN] = "?";

	inet_ntop(a->family, a->a, txt, sizeof txt);
	if (with_prefix)
		snprintf(buf, cap, "%s/%d", txt, a->prefix);
	else
		snprintf(buf, cap, "%s", txt);
}

static int bits(const struct net_addr *a)
{
	return a->family == AF_INET ? 32 : 128;
}

bool net_addr_same_subnet(const struct net_addr *a, const struct net_addr *b, int prefix)
{
	if (a->family != b->family)
		return false;
	for (int i = 0; i < prefix; i++) {
		int byte = i / 8, bit = 7 - i % 8;

		if (((a->a[byte] >> bit) & 1) != ((b->a[byte] >> bit) & 1))
			return false;
	}
	return true;
}

/* The host part is read and written through its last 32 bits: cell never
 * numbers more than 2^32 hosts in a subnet. */
static unsigned host_bits(const struct net_addr *a)
{
	int h = bits(a) - a->prefix;

	return h > 32 ? 32 : (unsigned)h;
}

uint64_t net_subnet_size(const struct net_addr *a)
{
	return (uint64_t)1 << host_bits(a);
}

static uint32_t low32(const struct net_addr *a)
{
	const unsigned char *p = a->a + (bits(a) / 8 - 4);

	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint64_t net_addr_offset(const struct net_addr *a)
{
	return low32(a) & (uint32_t)(net_subnet_size(a) - 1);
}

int net_addr_nth(const struct net_addr *a, uint64_t offset, struct net_addr *out)
{
	uint64_t size = net_subnet_size(a);
	uint32_t v;
	unsigned char *p;

	if (offset >= size)
		return -1;
	*out = *a;
	/* Clear the host bits (all of them, also above the low 32). */
	for (int i = a->prefix; i < bits(a); i++)
		out->a[i / 8] &= (unsigned char)~(1u << (7 - i % 8));
	v = low32(out) | (uint32_t)offset;
	p = out->a + (bits(a) / 8 - 4);
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
	return 0;
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

void net_host_ifname(const char *key, char out[NET_IFNAMSIZ])
{
	/* 40 bits of hash; an unlikely clash is an EEXIST, never a takeover. */
	snprintf(out, NET_IFNAMSIZ, NET_HOST_PREFIX "%010llx",
		 (unsigned long long)(fnv1a(key) & 0xffffffffffull));
}

void net_default_mac(const char *key, unsigned char mac[6])
{
	uint64_t h = fnv1a(key);

	/* Xen's OUI, as LXC uses; the hash's high bits, not the ifname's. */
	mac[0] = 0x00;
	mac[1] = 0x16;
	mac[2] = 0x3e;
	mac[3] = (unsigned char)(h >> 56) & 0x7f;
	mac[4] = (unsigned char)(h >> 48);
	mac[5] = (unsigned char)(h >> 40);
}

static bool valid_ifname(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= NET_IFNAMSIZ || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '/' || s[i] == ':' || s[i] <= ' ' || s[i] == 0x7f)
			return false;
	return true;
}

static int parse_mac(const char *s, unsigned char mac[6])
{
	unsigned v[6];
	char end;

	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &end) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (unsigned char)v[i];
	/* Unicast and not all zeros. */
	if ((mac[0] & 1) || (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]) == 0)
		return -1;
	return 0;
}

static int bad(struct cell_err *e, const char *key, const char *why, const char *val)
{
	return cell_err_set(e, EINVAL, "config.json: annotations[%s]: `%s`: %s", key, val, why);
}

static int parse_type(const char *v, enum net_type *t)
{
	static const char *const names[] = { [NET_NONE] = "none", [NET_HOST] = "host",
					     [NET_NS] = "ns", [NET_VETH] = "veth" };

	for (int i = NET_NONE; i <= NET_VETH; i++)
		if (strcmp(v, names[i]) == 0) {
			*t = (enum net_type)i;
			return 0;
		}
	return -1;
}

static int parse_ip(const char *key, const char *v, int family, enum net_addr_mode *m,
		    struct net_addr *a, struct cell_err *e)
{
	char buf[80];

	if (strcmp(v, "auto") == 0) {
		*m = NET_ADDR_AUTO;
		return 0;
	}
	if (strcmp(v, "none") == 0) {
		*m = NET_ADDR_NONE;
		return 0;
	}
	/* Without a prefix, the bridge's (-1 until known). */
	snprintf(buf, sizeof buf, strchr(v, '/') ? "%s" : "%s/0", v);
	if (net_addr_parse(buf, a) < 0 || a->family != family)
		return bad(e, key, family == AF_INET ? "expected auto, none or an IPv4 address[/prefix]"
						     : "expected auto, none or an IPv6 address[/prefix]", v);
	if (strchr(v, '/') == NULL)
		a->prefix = -1;
	*m = NET_ADDR_GIVEN;
	return 0;
}

static int parse_gw(const char *key, const char *v, int family, struct net_addr *a,
		    struct cell_err *e)
{
	int minp = family == AF_INET ? 8 : 64, maxp = family == AF_INET ? 30 : 126;

	if (net_addr_parse(v, a) < 0 || a->family != family || a->prefix < minp ||
	    a->prefix > maxp)
		return bad(e, key, family == AF_INET ? "expected the bridge's IPv4 address/prefix (/8 to /30)"
						     : "expected the bridge's IPv6 address/prefix (/64 to /126)", v);
	return 0;
}

static int parse_one(const char *key, const char *v, struct net_conf *c, struct cell_err *e)
{
	const char *k = key + strlen(PFX);
	char *end;

	if (strcmp(k, "type") == 0)
		return parse_type(v, &c->type) < 0 ? bad(e, key, "expected none, host, ns or veth", v) : 0;
	if (strcmp(k, "bridge") == 0 || strcmp(k, "name") == 0) {
		if (!valid_ifname(v))
			return bad(e, key, "not an interface name (1 to 15 bytes, no / : or spaces)", v);
		snprintf(k[0] == 'b' ? c->bridge : c->ifname, NET_IFNAMSIZ, "%s", v);
		return 0;
	}
	if (strcmp(k, "bridge.ipv4") == 0)
		return parse_gw(key, v, AF_INET, &c->gw4, e);
	if (strcmp(k, "bridge.ipv6") == 0)
		return parse_gw(key, v, AF_INET6, &c->gw6, e);
	if (strcmp(k, "ipv4") == 0)
		return parse_ip(key, v, AF_INET, &c->mode4, &c->ip4, e);
	if (strcmp(k, "ipv6") == 0)
		return parse_ip(key, v, AF_INET6, &c->mode6, &c->ip6, e);
	if (strcmp(k, "mtu") == 0) {
		unsigned long m = strtoul(v, &end, 10);

		if (*v < '0' || *v > '9' || *end != '\0' || m < 68 || m > 65535)
			return bad(e, key, "expected an MTU from 68 to 65535", v);
		c->mtu = (uint32_t)m;
		return 0;
	}
	if (strcmp(k, "mac") == 0) {
		if (parse_mac(v, c->mac) < 0)
			return bad(e, key, "expected a unicast MAC address xx:xx:xx:xx:xx:xx", v);
		c->has_mac = true;
		return 0;
	}
	if (strcmp(k, "bridge.remove") == 0) {
		if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0)
			return bad(e, key, "expected true or false", v);
		c->bridge_remove = v[0] == 't';
		return 0;
	}
	return cell_err_set(e, EINVAL, "config.json: annotations[%s]: unknown network setting", key);
}

/* A given address must sit in the bridge's subnet and be a host there. */
static int check_given(const char *key, struct net_addr *ip, const struct net_addr *gw,
		       struct cell_err *e)
{
	char txt[80], sub[80];
	uint64_t off;

	net_addr_format(ip, ip->prefix >= 0, txt, sizeof txt);
	if (ip->prefix < 0)
		ip->prefix = gw->prefix;
	net_addr_format(gw, true, sub, sizeof sub);
	if (ip->prefix != gw->prefix || !net_addr_same_subnet(ip, gw, gw->prefix))
		return cell_err_set(e, EINVAL, "config.json: annotations[%s]: `%s` is not in the bridge's subnet (%s)",
				    key, txt, sub);
	off = net_addr_offset(ip);
	if (off == net_addr_offset(gw))
		return bad(e, key, "is the bridge's own address", txt);
	if (ip->family == AF_INET && (off == 0 || off == net_subnet_size(ip) - 1))
		return bad(e, key, "is the subnet's network or broadcast address", txt);
	if (ip->family == AF_INET6 && off == 0)
		return bad(e, key, "is the subnet's router anycast address", txt);
	return 0;
}

int net_conf_parse(const struct oci_kv *kv, size_t n, struct net_conf *c, struct cell_err *e)
{
	const char *extra = NULL;

	memset(c, 0, sizeof *c);
	snprintf(c->bridge, sizeof c->bridge, "cellbr0");
	snprintf(c->ifname, sizeof c->ifname, "eth0");
	net_addr_parse("10.77.0.1/16", &c->gw4);
	net_addr_parse("fd77::1/64", &c->gw6);
	c->mode4 = NET_ADDR_AUTO;
	for (size_t i = 0; i < n; i++) {
		if (strncmp(kv[i].key, PFX, strlen(PFX)) != 0)
			continue;
		if (parse_one(kv[i].key, kv[i].value, c, e) < 0)
			return -1;
		if (strcmp(kv[i].key, PFX "type") != 0)
			extra = kv[i].key;
	}
	if (extra != NULL && c->type != NET_VETH)
		return cell_err_set(e, EINVAL, "config.json: annotations[%s]: only used with " PFX "type `veth`",
				    extra);
	if (c->type != NET_VETH)
		return 0;
	if (c->mode4 == NET_ADDR_GIVEN && check_given(PFX "ipv4", &c->ip4, &c->gw4, e) < 0)
		return -1;
	if (c->mode6 == NET_ADDR_GIVEN && check_given(PFX "ipv6", &c->ip6, &c->gw6, e) < 0)
		return -1;
	return 0;
}

int net_owner_parse(const char *s, pid_t *pid, uint64_t *start, const char **key)
{
	char *end;
	long p;
	unsigned long long st;

	errno = 0;
	p = strtol(s, &end, 10);
	if (errno || end == s || *end != ':' || p <= 0 || p > INT_MAX)
		return -1;
	s = end + 1;
	st = strtoull(s, &end, 10);
	if (errno || end == s || *end != ':' || end[1] != '/')
		return -1;
	*pid = (pid_t)p;
	*start = st;
	*key = end + 1;
	return 0;
}
