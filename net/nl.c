#include "nl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

void *nl_init(struct nl_req *r, void *buf, size_t cap, uint16_t type, uint16_t flags,
	      size_t hdr_len)
{
	r->h = buf;
	r->cap = cap;
	r->full = cap < NLMSG_HDRLEN;
	if (r->full)
		return NULL;
	memset(buf, 0, NLMSG_HDRLEN);
	r->h->nlmsg_len = NLMSG_HDRLEN;
	r->h->nlmsg_type = type;
	r->h->nlmsg_flags = (uint16_t)(flags | NLM_F_REQUEST);
	return nl_reserve(r, hdr_len);
}

void *nl_reserve(struct nl_req *r, size_t len)
{
	size_t at = NLMSG_ALIGN(r->h->nlmsg_len);
	char *p;

	if (r->full || at + NLMSG_ALIGN(len) > r->cap || at + NLMSG_ALIGN(len) > UINT32_MAX) {
		r->full = true;
		return NULL;
	}
	p = (char *)r->h + at;
	memset(p, 0, NLMSG_ALIGN(len));
	r->h->nlmsg_len = (uint32_t)(at + NLMSG_ALIGN(len));
	return p;
}

int nl_put(struct nl_req *r, uint16_t type, const void *data, size_t len)
{
	struct rtattr *a;

	if (RTA_LENGTH(len) > UINT16_MAX) {
		r->full = true;
		return -1;
	}
	a = nl_reserve(r, RTA_LENGTH(len));
	if (a == NULL)
		return -1;
	a->rta_type = type;
	a->rta_len = (uint16_t)RTA_LENGTH(len);
	if (len > 0)
		memcpy(RTA_DATA(a), data, len);
	return 0;
}

int nl_put_u32(struct nl_req *r, uint16_t type, uint32_t v)
{
	return nl_put(r, type, &v, sizeof v);
}

int nl_put_str(struct nl_req *r, uint16_t type, const char *s)
{
	return nl_put(r, type, s, strlen(s) + 1);
}

size_t nl_nest_begin(struct nl_req *r, uint16_t type)
{
	size_t at = NLMSG_ALIGN(r->h->nlmsg_len);

	if (nl_put(r, type, NULL, 0) < 0)
		return 0;
	return at;
}

void nl_nest_end(struct nl_req *r, size_t nest)
{
	struct rtattr *a = (struct rtattr *)((char *)r->h + nest);
	size_t len = r->h->nlmsg_len - nest;

	if (r->full || nest == 0)
		return;
	if (len > UINT16_MAX) {
		r->full = true;
		return;
	}
	a->rta_len = (uint16_t)len;
}

int nl_parse(const struct rtattr **tb, int max, const void *data, size_t len)
{
	const char *p = data;

	memset(tb, 0, sizeof *tb * (size_t)(max + 1));
	while (len >= sizeof(struct rtattr)) {
		const struct rtattr *a = (const struct rtattr *)p;
		size_t step;
		int type;

		if (a->rta_len < sizeof *a || a->rta_len > len)
			return -1;
		type = a->rta_type & NLA_TYPE_MASK;
		if (type <= max)
			tb[type] = a;
		step = RTA_ALIGN(a->rta_len);
		if (step >= len)
			return 0;
		p += step;
		len -= step;
	}
	return len == 0 ? 0 : -1;
}

int nl_parse_msg(const struct rtattr **tb, int max, const struct nlmsghdr *h, size_t hdr_len)
{
	size_t off = NLMSG_SPACE(hdr_len);

	if (h->nlmsg_len < NLMSG_LENGTH(hdr_len))
		return -1;
	if (h->nlmsg_len <= off) {
		memset(tb, 0, sizeof *tb * (size_t)(max + 1));
		return 0;
	}
	return nl_parse(tb, max, (const char *)h + off, h->nlmsg_len - off);
}

uint32_t nl_get_u32(const struct rtattr *a, uint32_t def)
{
	uint32_t v;

	if (a == NULL || nl_len(a) < sizeof v)
		return def;
	memcpy(&v, nl_data(a), sizeof v);
	return v;
}

int nl_open(struct nl_sock *s, struct cell_err *e)
{
	int one = 1;

	s->seq = 0;
	s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (s->fd < 0)
		return cell_err_sys(e, "open netlink socket");
	/* Old kernels lack these: errors are then plain errno values. */
	setsockopt(s->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
	setsockopt(s->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
	setsockopt(s->fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof one);
	return 0;
}

void nl_close(struct nl_sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

/* The kernel's extended ACK text after an nlmsgerr, or NULL. */
static const char *ext_ack_msg(const struct nlmsghdr *h)
{
	const struct nlmsgerr *err = NLMSG_DATA(h);
	const struct rtattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = NLMSG_HDRLEN + sizeof *err;
	const char *msg;
	size_t n;

	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	/* Without NLM_F_CAPPED the request's payload is echoed first. */
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += NLMSG_ALIGN(err->msg.nlmsg_len) - NLMSG_HDRLEN;
	if (off >= h->nlmsg_len || nl_parse(tb, NLMSGERR_ATTR_MAX, (const char *)h + off,
					    h->nlmsg_len - off) < 0)
		return NULL;
	if (tb[NLMSGERR_ATTR_MSG] == NULL)
		return NULL;
	msg = nl_data(tb[NLMSGERR_ATTR_MSG]);
	n = nl_len(tb[NLMSGERR_ATTR_MSG]);
	return n > 0 && memchr(msg, '\0', n) != NULL && msg[0] != '\0' ? msg : NULL;
}

static int kernel_error(const struct nlmsghdr *h, int err, const char *what, struct cell_err *e)
{
	const char *ext = ext_ack_msg(h);

	if (ext != NULL)
		return cell_err_set(e, err, "%s: %s (%s)", what, strerror(err), ext);
	return cell_err_errno(e, err, "%s", what);
}

/* A message of the exchange: 1 done, 0 go on, -1 error. */
static int process_one(const struct nlmsghdr *h, nl_cb cb, void *arg, const char *what,
		       struct cell_err *e)
{
	if (h->nlmsg_flags & NLM_F_DUMP_INTR)
		return cell_err_set(e, EAGAIN, "%s: dump interrupted by a concurrent change, retry",
				    what);
	if (h->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *err = NLMSG_DATA(h);

		if (h->nlmsg_len < NLMSG_LENGTH(sizeof(int)))
			return cell_err_set(e, EPROTO, "%s: truncated netlink error", what);
		if (err->error == 0)
			return 1;
		return kernel_error(h, -err->error, what, e);
	}
	if (h->nlmsg_type == NLMSG_DONE) {
		int v = 0;

		if (h->nlmsg_len >= NLMSG_LENGTH(sizeof v))
			memcpy(&v, NLMSG_DATA(h), sizeof v);
		if (v < 0)
			return kernel_error(h, -v, what, e);
		return 1;
	}
	if (h->nlmsg_type < NLMSG_MIN_TYPE || h->nlmsg_type == NLMSG_OVERRUN)
		return 0; /* NOOP and friends */
	if (cb != NULL && cb(h, arg, e) < 0)
		return cell_err_wrap(e, "%s", what);
	/* Requests other than dumps carry NLM_F_ACK: their ACK ends them. */
	return 0;
}

int nl_process(const void *buf, size_t len, uint32_t seq, nl_cb cb, void *arg,
	       const char *what, struct cell_err *e)
{
	const struct nlmsghdr *h = buf;
	int r;

	for (; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
		/* A late reply to an earlier, abandoned request. */
		if (h->nlmsg_seq != seq)
			continue;
		r = process_one(h, cb, arg, what, e);
		if (r != 0)
			return r;
	}
	if (len != 0)
		return cell_err_set(e, EPROTO, "%s: malformed netlink reply (%zu stray bytes)", what, len);
	return 0;
}

static int send_req(struct nl_sock *s, struct nl_req *r, const char *what, struct cell_err *e)
{
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };
	ssize_t n;

	do
		n = sendto(s->fd, r->h, r->h->nlmsg_len, 0, (struct sockaddr *)&to, sizeof to);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return cell_err_sys(e, "%s: netlink send", what);
	return 0;
}

int nl_talk(struct nl_sock *s, struct nl_req *r, nl_cb cb, void *arg, const char *what,
	    struct cell_err *e)
{
	/* Large enough for a dump part (the kernel fills up to 32 KiB). */
	static char buf[65536] __attribute__((aligned(NLMSG_ALIGNTO)));
	bool dump = (r->h->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	int res = 0;

	if (r->full)
		return cell_err_set(e, EMSGSIZE, "%s: netlink request too large", what);
	if (!dump)
		r->h->nlmsg_flags |= NLM_F_ACK;
	r->h->nlmsg_seq = ++s->seq;
	if (send_req(s, r, what, e) < 0)
		return -1;
	while (res == 0) {
		struct sockaddr_nl from;
		struct iovec iov = { buf, sizeof buf };
		struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof from,
				    .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n = recvmsg(s->fd, &m, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return cell_err_sys(e, "%s: netlink receive", what);
		}
		if (m.msg_flags & MSG_TRUNC)
			return cell_err_set(e, EMSGSIZE, "%s: netlink reply truncated", what);
		/* Only the kernel (port 0) answers requests. */
		if (m.msg_namelen != sizeof from || from.nl_pid != 0)
			continue;
		res = nl_process(buf, (size_t)n, s->seq, cb, arg, what, e);
	}
	return res < 0 ? -1 : 0;
}
