/* Addresses and routes on a link. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/if_addr.h>

#include "internal.h"

#define MSG_BUF 512

static size_t alen(const struct net_addr *a)
{
	return a->family == AF_INET ? 4 : 16;
}

int net_addr_add(struct nl_sock *s, int index, const char *ifname, const struct net_addr *a,
		 bool replace, struct cell_err *e)
{
	char buf[MSG_BUF] __attribute__((aligned(4)));
	char what[128], txt[64];
	struct ifaddrmsg *ifa;
	struct nl_req r;

	ifa = nl_init(&r, buf, sizeof buf, RTM_NEWADDR,
		      NLM_F_CREATE | (replace ? NLM_F_REPLACE : NLM_F_EXCL), sizeof *ifa);
	if (ifa != NULL) {
		ifa->ifa_family = (unsigned char)a->family;
		ifa->ifa_prefixlen = (unsigned char)a->prefix;
		ifa->ifa_index = (unsigned)index;
		ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	}
	nl_put(&r, IFA_LOCAL, a->a, alen(a));
	nl_put(&r, IFA_ADDRESS, a->a, alen(a));
	if (a->family == AF_INET && a->prefix < 31) {
		struct net_addr bc;

		/* The subnet's last address. */
		net_addr_nth(a, net_subnet_size(a) - 1, &bc);
		nl_put(&r, IFA_BROADCAST, bc.a, 4);
	}
	/* The address is ours by lease: no duplicate detection delay. */
	if (a->family == AF_INET6)
		nl_put_u32(&r, IFA_FLAGS, IFA_F_NODAD);
	net_addr_format(a, true, txt, sizeof txt);
	snprintf(what, sizeof what, "add address %s to %s", txt, ifname);
	return nl_talk(s, &r, NULL, NULL, what, e);
}

int net_route_default(struct nl_sock *s, int index, const char *ifname, const struct net_addr *gw,
		      struct cell_err *e)
{
	char buf[MSG_BUF] __attribute__((aligned(4)));
	char what[128], txt[64];
	struct rtmsg *rt;
	struct nl_req r;

	rt = nl_init(&r, buf, sizeof buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, sizeof *rt);
	if (rt != NULL) {
		rt->rtm_family = (unsigned char)gw->family;
		rt->rtm_table = RT_TABLE_MAIN;
		rt->rtm_protocol = RTPROT_BOOT;
		rt->rtm_scope = RT_SCOPE_UNIVERSE;
		rt->rtm_type = RTN_UNICAST;
	}
	nl_put(&r, RTA_GATEWAY, gw->a, alen(gw));
	nl_put_u32(&r, RTA_OIF, (uint32_t)index);
	net_addr_format(gw, false, txt, sizeof txt);
	snprintf(what, sizeof what, "add default route via %s on %s", txt, ifname);
	return nl_talk(s, &r, NULL, NULL, what, e);
}

struct addr_list {
	int index;
	struct net_addr *out;
	int n, cap;
};

static int collect_addr(const struct nlmsghdr *h, void *arg, struct cell_err *e)
{
	struct addr_list *l = arg;
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);
	const struct rtattr *tb[IFA_MAX + 1];
	const struct rtattr *at;
	struct net_addr *a;

	if (h->nlmsg_type != RTM_NEWADDR)
		return 0;
	if (nl_parse_msg(tb, IFA_MAX, h, sizeof *ifa) < 0)
		return cell_err_set(e, EPROTO, "malformed address message");
	if (ifa->ifa_scope != RT_SCOPE_UNIVERSE || (l->index && (int)ifa->ifa_index != l->index))
		return 0;
	at = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (at == NULL || l->n >= l->cap)
		return 0;
	a = &l->out[l->n];
	a->family = ifa->ifa_family;
	a->prefix = ifa->ifa_prefixlen;
	if (nl_len(at) != alen(a))
		return 0;
	memcpy(a->a, nl_data(at), alen(a));
	l->n++;
	return 0;
}

int net_addr_list(struct nl_sock *s, int index, struct net_addr *out, int n, struct cell_err *e)
{
	char buf[MSG_BUF] __attribute__((aligned(4)));
	struct addr_list l = { .index = index, .out = out, .cap = n };
	struct ifaddrmsg *ifa;
	struct nl_req r;

	ifa = nl_init(&r, buf, sizeof buf, RTM_GETADDR, NLM_F_DUMP, sizeof *ifa);
	if (ifa != NULL) {
		ifa->ifa_family = AF_UNSPEC;
		ifa->ifa_index = (unsigned)index; /* a filter under strict checking */
	}
	if (nl_talk(s, &r, collect_addr, &l, "list addresses", e) < 0)
		return -1;
	return l.n;
}
