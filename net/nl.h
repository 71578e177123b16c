/* NETLINK_ROUTE by hand: a message builder that refuses to overflow, an
 * attribute parser filling an index table, and one request/reply loop that
 * checks sequence numbers and the sender, handles ACKs, errors (with the
 * kernel's extended ACK text) and multi-part dumps. */
#ifndef CELL_NET_NL_H
#define CELL_NET_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "../util/err.h"

/* A request being built in a caller-provided buffer. Once an addition does
 * not fit, `full` stays set and nl_talk refuses to send the message. */
struct nl_req {
	struct nlmsghdr *h;
	size_t cap;
	bool full;
};

/* Start a message of `type` (RTM_*) with `flags` (NLM_F_*; REQUEST is
 * added) in buf, and reserve the family header of hdr_len bytes (zeroed);
 * returns that header, or NULL when it does not fit. */
void *nl_init(struct nl_req *r, void *buf, size_t cap, uint16_t type, uint16_t flags,
	      size_t hdr_len);

/* Append one attribute (payload copied, padded to 4 bytes). 0 or -1. */
int nl_put(struct nl_req *r, uint16_t type, const void *data, size_t len);
int nl_put_u32(struct nl_req *r, uint16_t type, uint32_t v);
int nl_put_str(struct nl_req *r, uint16_t type, const char *s); /* with its NUL */

/* Reserve room for a raw structure inside the message (a nested family
 * header such as the veth peer's ifinfomsg); zeroed, NULL if full. */
void *nl_reserve(struct nl_req *r, size_t len);

/* Nested attributes: begin returns an offset for end, which fixes the
 * length once the content is in. */
size_t nl_nest_begin(struct nl_req *r, uint16_t type);
void nl_nest_end(struct nl_req *r, size_t nest);

/* Fill tb[0..max] with the attributes found in data/len (the last one of
 * each type wins, types above max are skipped). -1 when an attribute's
 * length runs past the buffer or is shorter than its header. */
int nl_parse(const struct rtattr **tb, int max, const void *data, size_t len);

/* The attributes following a message's family header. */
int nl_parse_msg(const struct rtattr **tb, int max, const struct nlmsghdr *h, size_t hdr_len);

static inline const void *nl_data(const struct rtattr *a)
{
	return (const char *)a + RTA_LENGTH(0);
}

static inline size_t nl_len(const struct rtattr *a)
{
	return a->rta_len - RTA_LENGTH(0);
}

/* A u32 attribute's value, or def when absent or too short. */
uint32_t nl_get_u32(const struct rtattr *a, uint32_t def);

struct nl_sock {
	int fd;
	uint32_t seq;
};

/* Open a NETLINK_ROUTE socket in the caller's network namespace, with
 * extended ACKs and strict dump checking where the kernel has them. */
int nl_open(struct nl_sock *s, struct cell_err *e);
void nl_close(struct nl_sock *s);

/* Called for every reply message that is not an ACK, error or DONE. A
 * negative return stops the exchange (the callback filled e). */
typedef int (*nl_cb)(const struct nlmsghdr *h, void *arg, struct cell_err *e);

/* Send r (a new sequence number, NLM_F_ACK unless it is a dump) and read
 * replies until the ACK, an error or the end of the dump. `what` names the
 * operation and object for errors: "create veth cell-ab12" gives
 * "create veth cell-ab12: File exists". */
int nl_talk(struct nl_sock *s, struct nl_req *r, nl_cb cb, void *arg, const char *what,
	    struct cell_err *e);

/* One received datagram of replies to sequence number seq: 1 when the
 * exchange is over (ACK, DONE), 0 when more is to come, -1 with e filled
 * (kernel error, malformed message, callback failure). Exposed for the
 * unit tests; nl_talk uses it. */
int nl_process(const void *buf, size_t len, uint32_t seq, nl_cb cb, void *arg,
	       const char *what, struct cell_err *e);

#endif
