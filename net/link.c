/* Links: veth pairs, bridges, and changes to an existing link. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include <linux/if_link.h>
#include <linux/veth.h>

#include "internal.h"

#define MSG_BUF 1024

static struct ifinfomsg *link_req(struct nl_req *r, void *buf, uint16_t type, uint16_t flags)
{
	struct ifinfomsg *ifi = nl_init(r, buf, MSG_BUF, type, flags, sizeof *ifi);

	if (ifi != NULL)
		ifi->ifi_family = AF_UNSPEC;
	return ifi;
}

static void set_up(struct ifinfomsg *ifi)
{
	if (ifi == NULL)
		return;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
}

int net_link_veth_create(struct nl_sock *s, const struct net_veth *v, struct cell_err *e)
{
	char buf[MSG_BUF] __attribute__((aligned(4)));
	char what[64];
	struct nl_req r;
	size_t info, data, peer;

	set_up(link_req(&r, buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL));
	nl_put_str(&r, IFLA_IFNAME, v->host);
	if (v->mtu)
		nl_put_u32(&r, IFLA_MTU, v->mtu);
	if (v->master)
		nl_put_u32(&r, IFLA_MASTER, (uint32_t)v->master);
	info = nl_nest_begin(&r, IFLA_LINKINFO);
	nl_put_str(&r, IFLA_INFO_KIND, "veth");
	data = nl_nest_begin(&r, IFLA_INFO_DATA);
	peer = nl_nest_begin(&r, VETH_INFO_PEER);
	/* The peer is made in the container's namespace with its final
	 * name: no move and no rename afterwards. It cannot be brought up
	 * in the same request (veth_open sees no peer yet: ENOTCONN). */
	nl_reserve(&r, sizeof(struct ifinfomsg));
	nl_put_str(&r, IFLA_IFNAME, v->peer);
	nl_put_u32(&r, IFLA_NET_NS_PID, (uint32_t)v->peer_pid);
	if (v->mtu)
		nl_put_u32(&r, IFLA_MTU, v->mtu);
	if (v->peer_mac)
		nl_put(&r, IFLA_ADDRESS, v->peer_mac, 6);
	nl_nest_end(&r, peer);
	nl_nest_end(&r, data);
	nl_nest_end(&r, info);
	snprintf(what, sizeof what, "create veth %s", v->host);
	return nl_talk(s, &r, NULL, NULL, what, e);
}

int net_link_bridge_create(struct nl_sock *s, const char *name, struct cell_err *e)
{
	char buf[MSG_BUF] __attribute__((aligned(4)));
	char what[64];
	struct nl_req r;
	size_t info;

	set_up(link_req(&r, buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL));
	nl_put_str(&r, IFLA_IFNAME, name);
	info = nl_nest_begin(&r, IFLA_LINKINFO);
	nl_put_str(&r, IFLA_INFO_KIND, "bridge");
	nl_nest_end(&r, info);
	snprintf(what, sizeof what, "create bridge %s", name);
	return nl_talk(s, &r, NULL, NULL, what, e);
}

int net_link_del(struct nl_sock *s, const char *name, struct cell_err *e)
{
	char buf[MSG_BUF] __attribute__((aligned(4)));
	char what[64];
	struct nl_req r;

	link_req(&r, buf, RTM_DELLINK, 0);
	nl_put_str(&r, IFLA_IFNAME, name);
	snprintf(what, sizeof what, "delete link %s", name);
	return nl_talk(s, &r, NULL, NULL, what, e);
}

static int parse_link(const struct nlmsghdr *h, void *arg, struct cell_err *e)
{
	struct net_link_info *out = arg;
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	const struct rtattr *tb[IFLA_MAX + 1];

	if (h->nlmsg_type != RTM_NEWLINK)
		return 0;
	if (nl_parse_msg(tb, IFLA_MAX, h, sizeof *ifi) < 0)
		return cell_err_set(e, EPROTO, "malformed link message");
	out->index = ifi->ifi_index;
	out->up = (ifi->ifi_flags & IFF_UP) != 0;
	out->mtu = nl_get_u32(tb[IFLA_MTU], 0);
	if (tb[IFLA_ADDRESS] && nl_len(tb[IFLA_ADDRESS]) == 6)
		memcpy(out->mac, nl_data(tb[IFLA_ADDRESS]), 6);
	if (tb[IFLA_STATS64] && nl_len(tb[IFLA_STATS64]) >= sizeof(struct rtnl_link_stats64)) {
		struct rtnl_link_stats64 st;

		memcpy(&st, nl_data(tb[IFLA_STATS64]), sizeof st);
		out->rx_bytes = st.rx_bytes;
		out->tx_bytes = st.tx_bytes;
	}
	return 0;
}

int net_link_get(struct nl_sock *s, const char *name, struct net_link_info *out, struct cell_err *e)
{
	char buf[MSG_BUF] __attribute__((aligned(4)));
	char what[64];
	struct nl_req r;

	memset(out, 0, sizeof *out);
	link_req(&r, buf, RTM_GETLINK, 0);
	nl_put_str(&r, IFLA_IFNAME, name);
	snprintf(what, sizeof what, "find link %s", name);
	return nl_talk(s, &r, parse_link, out, what, e);
}

int net_link_index(struct nl_sock *s, const char *name, struct cell_err *e)
{
	struct net_link_info li;

	if (net_link_get(s, name, &li, e) < 0)
		return -1;
	if (li.index <= 0)
		return cell_err_set(e, ENODEV, "find link %s: no index in the reply", name);
	return li.index;
}

int net_link_change(struct nl_sock *s, const struct net_link_change *c, struct cell_err *e)
{
	char buf[MSG_BUF] __attribute__((aligned(4)));
	char what[96];
	struct ifinfomsg *ifi;
	struct nl_req r;

	ifi = link_req(&r, buf, RTM_NEWLINK, 0);
	if (ifi != NULL) {
		ifi->ifi_index = c->index;
		if (c->up >= 0) {
			ifi->ifi_flags = c->up ? IFF_UP : 0;
			ifi->ifi_change = IFF_UP;
		}
	}
	if (c->new_name)
		nl_put_str(&r, IFLA_IFNAME, c->new_name);
	if (c->mtu)
		nl_put_u32(&r, IFLA_MTU, c->mtu);
	if (c->mac)
		nl_put(&r, IFLA_ADDRESS, c->mac, 6);
	if (c->master >= 0)
		nl_put_u32(&r, IFLA_MASTER, (uint32_t)c->master);
	if (c->ns_fd >= 0)
		nl_put_u32(&r, IFLA_NET_NS_FD, (uint32_t)c->ns_fd);
	else if (c->ns_pid > 0)
		nl_put_u32(&r, IFLA_NET_NS_PID, (uint32_t)c->ns_pid);
	snprintf(what, sizeof what, "configure link %s", c->name ? c->name : "?");
	return nl_talk(s, &r, NULL, NULL, what, e);
}
