/* net/: the netlink builder against byte layouts, the attribute parser,
 * the reply processing (ACK, errors with extended ACK text, dumps,
 * sequence checks), the cell.net.* description, addresses and names. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdint.h>
#include <string.h>

#include <linux/if_link.h>
#include <linux/veth.h>

#include "../../net/internal.h"
#include "t.h"

#define BUF_BYTES(buf, n) (memcmp(buf, want, n) == 0)

static void put16(unsigned char *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(unsigned char *p, uint32_t v) { memcpy(p, &v, 4); }

static void builder_header_and_attrs(void)
{
	unsigned char buf[256] __attribute__((aligned(4)));
	unsigned char want[64] = { 0 };
	struct nl_req r;
	struct ifinfomsg *ifi = nl_init(&r, buf, sizeof buf, RTM_NEWLINK, NLM_F_CREATE, sizeof *ifi);

	CHECK(ifi != NULL);
	ifi->ifi_index = 7;
	CHECK(nl_put_str(&r, IFLA_IFNAME, "eth0") == 0);
	CHECK(nl_put_u32(&r, IFLA_MTU, 1400) == 0);
	/* nlmsghdr 16 + ifinfomsg 16 + "eth0\0" attr 4+5 -> 12 + u32 attr 8 = 52 */
	put32(want, 52);
	put16(want + 4, RTM_NEWLINK);
	put16(want + 6, NLM_F_REQUEST | NLM_F_CREATE);
	put32(want + 20, 7); /* ifi_index after family, pad, type */
	put16(want + 32, 9);
	put16(want + 34, IFLA_IFNAME);
	memcpy(want + 36, "eth0", 5); /* 3 bytes of zero padding follow */
	put16(want + 44, 8);
	put16(want + 46, IFLA_MTU);
	put32(want + 48, 1400);
	CHECK(r.h->nlmsg_len == 52);
	CHECK(BUF_BYTES(buf, 52));
	CHECK(!r.full);
}

/* The veth request shape: LINKINFO { KIND "veth", DATA { PEER { ifinfomsg,
 * IFNAME } } } with every length covering its nested content. */
static void builder_nested(void)
{
	unsigned char buf[256] __attribute__((aligned(4)));
	unsigned char want[96] = { 0 };
	struct nl_req r;
	size_t info, data, peer;

	nl_init(&r, buf, sizeof buf, RTM_NEWLINK, 0, 0);
	info = nl_nest_begin(&r, IFLA_LINKINFO);
	nl_put_str(&r, IFLA_INFO_KIND, "veth");
	data = nl_nest_begin(&r, IFLA_INFO_DATA);
	peer = nl_nest_begin(&r, VETH_INFO_PEER);
	CHECK(nl_reserve(&r, sizeof(struct ifinfomsg)) != NULL);
	nl_put_str(&r, IFLA_IFNAME, "c0");
	nl_nest_end(&r, peer);
	nl_nest_end(&r, data);
	nl_nest_end(&r, info);
	CHECK(info == 16 && data == 32 && peer == 36);
	/* 16 hdr | LINKINFO 4 | KIND 4+5 pad 3 | DATA 4 | PEER 4 | ifinfomsg 16 | IFNAME 4+3 pad 1 */
	put32(want, 64);
	put16(want + 4, RTM_NEWLINK);
	put16(want + 6, NLM_F_REQUEST);
	put16(want + 16, 48);
	put16(want + 18, IFLA_LINKINFO);
	put16(want + 20, 9);
	put16(want + 22, IFLA_INFO_KIND);
	memcpy(want + 24, "veth", 5);
	put16(want + 32, 32);
	put16(want + 34, IFLA_INFO_DATA);
	put16(want + 36, 28);
	put16(want + 38, VETH_INFO_PEER);
	put16(want + 56, 7);
	put16(want + 58, IFLA_IFNAME);
	memcpy(want + 60, "c0", 3);
	CHECK(r.h->nlmsg_len == 64);
	CHECK(BUF_BYTES(buf, 64));
}

static void builder_refuses_overflow(void)
{
	unsigned char buf[40] __attribute__((aligned(4)));
	struct nl_req r;

	CHECK(nl_init(&r, buf, sizeof buf, RTM_NEWADDR, 0, 8) != NULL); /* 24 used */
	CHECK(nl_put_u32(&r, 1, 5) == 0);                                /* 32 */
	CHECK(nl_put_u32(&r, 2, 6) == 0);                                /* 40: exactly full */
	CHECK(!r.full);
	CHECK(nl_put_u32(&r, 3, 7) < 0);
	CHECK(r.full);
	CHECK(r.h->nlmsg_len == 40);
	CHECK(nl_put_str(&r, 4, "") < 0); /* stays full */
	CHECK(nl_init(&r, buf, 8, RTM_NEWADDR, 0, 0) == NULL && r.full);
}

static void parser_table(void)
{
	unsigned char b[64] __attribute__((aligned(4))) = { 0 };
	const struct rtattr *tb[5];

	put16(b, 8);
	put16(b + 2, 1);
	put32(b + 4, 42);
	put16(b + 8, 5); /* 1 byte payload, padded to 8 */
	put16(b + 10, 3 | NLA_F_NESTED);
	b[12] = 'x';
	put16(b + 16, 8);
	put16(b + 18, 9); /* above max: skipped */
	put16(b + 24, 8);
	put16(b + 26, 1); /* the last of a type wins */
	put32(b + 28, 43);
	CHECK(nl_parse(tb, 4, b, 32) == 0);
	CHECK(tb[1] != NULL && nl_get_u32(tb[1], 0) == 43);
	CHECK(tb[3] != NULL && nl_len(tb[3]) == 1 && *(const char *)nl_data(tb[3]) == 'x');
	CHECK(tb[0] == NULL && tb[2] == NULL && tb[4] == NULL);
	CHECK(nl_get_u32(tb[3], 99) == 99); /* too short for a u32 */
	/* Unpadded last attribute is fine; a length past the end is not. */
	CHECK(nl_parse(tb, 4, b, 13) == 0);
	CHECK(nl_parse(tb, 4, b, 12) < 0);
	put16(b, 3); /* shorter than its header */
	CHECK(nl_parse(tb, 4, b, 32) < 0);
	CHECK(nl_parse(tb, 4, b, 0) == 0);
	CHECK(nl_parse(tb, 4, b, 2) < 0); /* stray bytes */
}

/* A reply datagram: messages appended one by one. */
struct dgram {
	unsigned char b[512] __attribute__((aligned(4)));
	size_t len;
};

static struct nlmsghdr *add_msg(struct dgram *d, uint16_t type, uint16_t flags, uint32_t seq,
				size_t payload)
{
	struct nlmsghdr *h = (struct nlmsghdr *)(d->b + d->len);

	memset(h, 0, NLMSG_SPACE(payload));
	h->nlmsg_len = (uint32_t)NLMSG_LENGTH(payload);
	h->nlmsg_type = type;
	h->nlmsg_flags = flags;
	h->nlmsg_seq = seq;
	d->len += NLMSG_SPACE(payload);
	return h;
}

static void add_error(struct dgram *d, uint32_t seq, int err, const char *ext, bool capped)
{
	size_t echo = capped ? 0 : 8; /* the request's payload, echoed back */
	size_t tlv = ext ? RTA_SPACE(strlen(ext) + 1) : 0;
	uint16_t flags = (uint16_t)((capped ? NLM_F_CAPPED : 0) | (ext ? NLM_F_ACK_TLVS : 0));
	struct nlmsghdr *h = add_msg(d, NLMSG_ERROR, flags, seq, sizeof(struct nlmsgerr) + echo + tlv);
	struct nlmsgerr *e = NLMSG_DATA(h);

	e->error = err;
	e->msg.nlmsg_len = (uint32_t)NLMSG_LENGTH(echo);
	e->msg.nlmsg_seq = seq;
	if (ext) {
		struct rtattr *a = (struct rtattr *)((char *)e + sizeof *e + echo);

		a->rta_type = NLMSGERR_ATTR_MSG;
		a->rta_len = (uint16_t)RTA_LENGTH(strlen(ext) + 1);
		memcpy(RTA_DATA(a), ext, strlen(ext) + 1);
	}
}

static int count_cb(const struct nlmsghdr *h, void *arg, struct cell_err *e)
{
	(*(int *)arg)++;
	return 0;
}

static int failing_cb(const struct nlmsghdr *h, void *arg, struct cell_err *e)
{
	return cell_err_set(e, EPROTO, "bad reply");
}

static void process_ack_and_errors(void)
{
	struct cell_err e = { 0 };
	struct dgram d = { .len = 0 };

	add_error(&d, 5, 0, NULL, true);
	CHECK(nl_process(d.b, d.len, 5, NULL, NULL, "x", &e) == 1);

	d.len = 0;
	add_error(&d, 5, -EEXIST, NULL, true);
	CHECK(nl_process(d.b, d.len, 5, NULL, NULL, "create veth cell-ab12", &e) < 0);
	CHECK_STR(e.msg, "create veth cell-ab12: File exists");
	CHECK(e.errnum == EEXIST);

	/* Extended ACK text, with and without the request echoed. */
	d.len = 0;
	add_error(&d, 6, -EINVAL, "MTU too large", true);
	CHECK(nl_process(d.b, d.len, 6, NULL, NULL, "create veth cell-ab12", &e) < 0);
	CHECK_STR(e.msg, "create veth cell-ab12: Invalid argument (MTU too large)");
	d.len = 0;
	add_error(&d, 6, -EINVAL, "Unknown device type", false);
	CHECK(nl_process(d.b, d.len, 6, NULL, NULL, "create bridge br0", &e) < 0);
	CHECK_STR(e.msg, "create bridge br0: Invalid argument (Unknown device type)");
}

static void process_sequence_and_dumps(void)
{
	struct cell_err e = { 0 };
	struct dgram d = { .len = 0 };
	int n = 0;

	/* A stale error for seq 3 is skipped; two parts of dump 4, not done. */
	add_error(&d, 3, -ENOENT, NULL, true);
	add_msg(&d, RTM_NEWLINK, NLM_F_MULTI, 4, sizeof(struct ifinfomsg));
	add_msg(&d, RTM_NEWLINK, NLM_F_MULTI, 4, sizeof(struct ifinfomsg));
	CHECK(nl_process(d.b, d.len, 4, count_cb, &n, "dump", &e) == 0);
	CHECK(n == 2);
	/* The next datagram ends it. */
	d.len = 0;
	add_msg(&d, RTM_NEWLINK, NLM_F_MULTI, 4, sizeof(struct ifinfomsg));
	add_msg(&d, NLMSG_DONE, NLM_F_MULTI, 4, sizeof(int));
	CHECK(nl_process(d.b, d.len, 4, count_cb, &n, "dump", &e) == 1);
	CHECK(n == 3);

	d.len = 0;
	add_msg(&d, RTM_NEWLINK, NLM_F_MULTI | NLM_F_DUMP_INTR, 4, sizeof(struct ifinfomsg));
	CHECK(nl_process(d.b, d.len, 4, count_cb, &n, "list links", &e) < 0);
	CHECK(e.errnum == EAGAIN);

	d.len = 0;
	add_msg(&d, RTM_NEWLINK, 0, 4, sizeof(struct ifinfomsg));
	CHECK(nl_process(d.b, d.len, 4, failing_cb, NULL, "find link eth0", &e) < 0);
	CHECK_STR(e.msg, "find link eth0: bad reply");

	/* An error inside a dump (DONE carrying a negative value). */
	d.len = 0;
	put32(NLMSG_DATA(add_msg(&d, NLMSG_DONE, NLM_F_MULTI, 4, sizeof(int))), (uint32_t)-EPERM);
	CHECK(nl_process(d.b, d.len, 4, count_cb, &n, "list addresses", &e) < 0);
	CHECK(e.errnum == EPERM);

	/* A header whose length runs past the datagram. */
	d.len = 0;
	add_error(&d, 4, 0, NULL, true);
	CHECK(nl_process(d.b, d.len - 4, 4, NULL, NULL, "x", &e) < 0);
	CHECK(e.errnum == EPROTO);
}

static int parse_kv(const char *const *kv, size_t n, struct net_conf *c, struct cell_err *e)
{
	struct oci_kv a[16];

	for (size_t i = 0; i < n; i++) {
		a[i].key = (char *)kv[2 * i];
		a[i].value = (char *)kv[2 * i + 1];
	}
	return net_conf_parse(a, n, c, e);
}

static void conf_defaults_and_values(void)
{
	static const char *const none[] = { "org.other", "x" };
	static const char *const full[] = {
		"cell.net.type", "veth", "cell.net.bridge", "br-t", "cell.net.name", "net1",
		"cell.net.bridge.ipv4", "10.9.0.1/24", "cell.net.ipv4", "10.9.0.7",
		"cell.net.ipv6", "auto", "cell.net.mtu", "1400", "cell.net.mac", "02:aa:bb:cc:dd:ee",
		"cell.net.bridge.remove", "true",
	};
	struct cell_err e = { 0 };
	struct net_conf c;
	char txt[64];

	CHECK(parse_kv(none, 1, &c, &e) == 0);
	CHECK(c.type == NET_UNSET);
	CHECK_STR(c.bridge, "cellbr0");
	CHECK(parse_kv(full, 9, &c, &e) == 0);
	CHECK(c.type == NET_VETH && c.mtu == 1400 && c.has_mac && c.mac[5] == 0xee && c.bridge_remove);
	CHECK_STR(c.bridge, "br-t");
	CHECK_STR(c.ifname, "net1");
	CHECK(c.mode4 == NET_ADDR_GIVEN && c.mode6 == NET_ADDR_AUTO);
	net_addr_format(&c.ip4, true, txt, sizeof txt);
	CHECK_STR(txt, "10.9.0.7/24"); /* the bridge's prefix */
	net_addr_format(&c.gw6, true, txt, sizeof txt);
	CHECK_STR(txt, "fd77::1/64");
}

static void conf_errors(void)
{
	static const struct {
		const char *key, *value, *msg;
	} cases[] = {
		{ "cell.net.type", "bridge", "config.json: annotations[cell.net.type]: `bridge`: expected none, host, ns or veth" },
		{ "cell.net.mtu", "67", "config.json: annotations[cell.net.mtu]: `67`: expected an MTU from 68 to 65535" },
		{ "cell.net.mtu", "1500x", "config.json: annotations[cell.net.mtu]: `1500x`: expected an MTU from 68 to 65535" },
		{ "cell.net.mac", "01:00:00:00:00:01", "config.json: annotations[cell.net.mac]: `01:00:00:00:00:01`: expected a unicast MAC address xx:xx:xx:xx:xx:xx" },
		{ "cell.net.name", "a/b", "config.json: annotations[cell.net.name]: `a/b`: not an interface name (1 to 15 bytes, no / : or spaces)" },
		{ "cell.net.bridge", "sixteen-bytes-xx", "config.json: annotations[cell.net.bridge]: `sixteen-bytes-xx`: not an interface name (1 to 15 bytes, no / : or spaces)" },
		{ "cell.net.ipv4", "10.77.0.300", "config.json: annotations[cell.net.ipv4]: `10.77.0.300`: expected auto, none or an IPv4 address[/prefix]" },
		{ "cell.net.ipv4", "fd77::5", "config.json: annotations[cell.net.ipv4]: `fd77::5`: expected auto, none or an IPv4 address[/prefix]" },
		{ "cell.net.ipv4", "10.78.0.5", "config.json: annotations[cell.net.ipv4]: `10.78.0.5` is not in the bridge's subnet (10.77.0.1/16)" },
		{ "cell.net.ipv4", "10.77.0.1", "config.json: annotations[cell.net.ipv4]: `10.77.0.1`: is the bridge's own address" },
		{ "cell.net.ipv4", "10.77.255.255/16", "config.json: annotations[cell.net.ipv4]: `10.77.255.255/16`: is the subnet's network or broadcast address" },
		{ "cell.net.bridge.ipv4", "10.0.0.1/31", "config.json: annotations[cell.net.bridge.ipv4]: `10.0.0.1/31`: expected the bridge's IPv4 address/prefix (/8 to /30)" },
		{ "cell.net.colour", "red", "config.json: annotations[cell.net.colour]: unknown network setting" },
	};
	struct cell_err e = { 0 };
	struct net_conf c;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *kv[] = { "cell.net.type", "veth", cases[i].key, cases[i].value };

		CHECK(parse_kv(kv, 2, &c, &e) < 0);
		CHECK_STR(e.msg, cases[i].msg);
	}
	{
		const char *kv[] = { "cell.net.type", "none", "cell.net.mtu", "1400" };

		CHECK(parse_kv(kv, 2, &c, &e) < 0);
		CHECK_STR(e.msg, "config.json: annotations[cell.net.mtu]: only used with cell.net.type `veth`");
	}
}

static void addr_math(void)
{
	struct net_addr a, b;
	char txt[64];

	CHECK(net_addr_parse("10.77.3.4/16", &a) == 0);
	CHECK(a.family == AF_INET && a.prefix == 16);
	CHECK(net_subnet_size(&a) == 65536 && net_addr_offset(&a) == 3 * 256 + 4);
	CHECK(net_addr_nth(&a, 65535, &b) == 0);
	net_addr_format(&b, true, txt, sizeof txt);
	CHECK_STR(txt, "10.77.255.255/16");
	CHECK(net_addr_nth(&a, 65536, &b) < 0);
	CHECK(net_addr_same_subnet(&a, &b, 16) && !net_addr_same_subnet(&a, &b, 17));

	CHECK(net_addr_parse("fd77:1:2:3:ffff:ffff:ffff:1/64", &a) == 0);
	CHECK(net_subnet_size(&a) == (uint64_t)1 << 32); /* capped */
	CHECK(net_addr_nth(&a, 7, &b) == 0);
	net_addr_format(&b, false, txt, sizeof txt);
	CHECK_STR(txt, "fd77:1:2:3::7");

	CHECK(net_addr_parse("10.0.0.1", &a) < 0);     /* no prefix */
	CHECK(net_addr_parse("10.0.0.1/33", &a) < 0);
	CHECK(net_addr_parse("10.0.0.1/-1", &a) < 0);
	CHECK(net_addr_parse("10.0.0.1/", &a) < 0);
	CHECK(net_addr_parse("fd::1/129", &a) < 0);
	CHECK(net_addr_parse("host/24", &a) < 0);
}

static void names_from_id(void)
{
	char a[NET_IFNAMSIZ], b[NET_IFNAMSIZ];
	unsigned char m1[6], m2[6];
	char long_id[1025];

	net_host_ifname("c1", a);
	net_host_ifname("c2", b);
	CHECK(strncmp(a, "cell-", 5) == 0 && strlen(a) == 15);
	CHECK(strcmp(a, b) != 0);
	memset(long_id, 'x', 1024);
	long_id[1024] = '\0';
	net_host_ifname(long_id, b);
	CHECK(strlen(b) == 15);
	net_host_ifname("c1", b);
	CHECK_STR(b, a); /* stable */
	net_default_mac("c1", m1);
	net_default_mac("c1", m2);
	CHECK(memcmp(m1, m2, 6) == 0);
	CHECK(m1[0] == 0x00 && m1[1] == 0x16 && m1[2] == 0x3e && m1[3] < 0x80);
	net_default_mac("c2", m2);
	CHECK(memcmp(m1, m2, 6) != 0);
}

static void lease_owner_text(void)
{
	const char *key;
	uint64_t start;
	pid_t pid;

	CHECK(net_owner_parse("123:456789:/run/cell/c1", &pid, &start, &key) == 0);
	CHECK(pid == 123 && start == 456789);
	CHECK_STR(key, "/run/cell/c1");
	CHECK(net_owner_parse("1:0:/a b/c:d", &pid, &start, &key) == 0);
	CHECK_STR(key, "/a b/c:d");
	CHECK(net_owner_parse("c1", &pid, &start, &key) < 0);          /* old form */
	CHECK(net_owner_parse("0:1:/x", &pid, &start, &key) < 0);      /* no PID 0 */
	CHECK(net_owner_parse("-5:1:/x", &pid, &start, &key) < 0);
	CHECK(net_owner_parse("99999999999:1:/x", &pid, &start, &key) < 0);
	CHECK(net_owner_parse("5::/x", &pid, &start, &key) < 0);
	CHECK(net_owner_parse("5:1:x", &pid, &start, &key) < 0);       /* relative */
	CHECK(net_owner_parse("5:1", &pid, &start, &key) < 0);
}

int main(void)
{
	RUN(builder_header_and_attrs);
	RUN(builder_nested);
	RUN(builder_refuses_overflow);
	RUN(parser_table);
	RUN(process_ack_and_errors);
	RUN(process_sequence_and_dumps);
	RUN(conf_defaults_and_values);
	RUN(conf_errors);
	RUN(addr_math);
	RUN(names_from_id);
	RUN(lease_owner_text);
	return t_done();
}
