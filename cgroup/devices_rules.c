/* Device rule lists: the default set, the effective list, and its reduction
 * to the state a cgroup v1 devices controller holds (a default and a set of
 * exceptions), which both the v1 writer and the eBPF builder start from. */
#include "devices.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* runc's list (libcontainer/specconv AllowedDevices). mknod alone is
 * harmless: opening the node is what the list guards. /dev/console is not
 * here: a container's console is a bind mount of a pty (136:N), and 5:1 is
 * the host's console. tun stays, as runc had to restore it (opening it does
 * nothing without CAP_NET_ADMIN in the network namespace). */
const struct cgroup_dev_rule cgroup_dev_defaults[] = {
	{ true, 'c', -1, -1, CGDEV_MKNOD },
	{ true, 'b', -1, -1, CGDEV_MKNOD },
	{ true, 'c', 1, 3, CGDEV_RWM },    /* null */
	{ true, 'c', 1, 5, CGDEV_RWM },    /* zero */
	{ true, 'c', 1, 7, CGDEV_RWM },    /* full */
	{ true, 'c', 1, 8, CGDEV_RWM },    /* random */
	{ true, 'c', 1, 9, CGDEV_RWM },    /* urandom */
	{ true, 'c', 5, 0, CGDEV_RWM },    /* tty */
	{ true, 'c', 5, 2, CGDEV_RWM },    /* ptmx */
	{ true, 'c', 136, -1, CGDEV_RWM }, /* pts */
	{ true, 'c', 10, 200, CGDEV_RWM }, /* net/tun */
};
const size_t cgroup_dev_ndefaults = sizeof cgroup_dev_defaults / sizeof cgroup_dev_defaults[0];

size_t cgroup_dev_effective(const struct cgroup_dev_rule *cfg, size_t n,
			    struct cgroup_dev_rule *out, size_t cap)
{
	size_t i;

	for (i = 0; i < n + cgroup_dev_ndefaults && i < cap; i++)
		out[i] = i < n ? cfg[i] : cgroup_dev_defaults[i - n];
	return n + cgroup_dev_ndefaults;
}

static void num_str(char *buf, size_t len, int64_t v)
{
	if (v == -1)
		snprintf(buf, len, "*");
	else
		snprintf(buf, len, "%lld", (long long)v);
}

void cgroup_dev_rule_str(const struct cgroup_dev_rule *r, char buf[CGDEV_RULE_STR])
{
	char maj[24], min[24], acc[4];
	size_t k = 0;

	num_str(maj, sizeof maj, r->type == 'a' ? -1 : r->major);
	num_str(min, sizeof min, r->type == 'a' ? -1 : r->minor);
	if (r->access & CGDEV_READ)
		acc[k++] = 'r';
	if (r->access & CGDEV_WRITE)
		acc[k++] = 'w';
	if (r->access & CGDEV_MKNOD)
		acc[k++] = 'm';
	acc[k] = '\0';
	snprintf(buf, CGDEV_RULE_STR, "%c %s:%s %s", r->type, maj, min, acc);
}

void cgroup_dev_state_free(struct cgroup_dev_state *st)
{
	free(st->ex);
	memset(st, 0, sizeof *st);
}

/* The v1 kernel takes u32 numbers and reads ~0 as "*". */
static bool num_ok(int64_t v)
{
	return v >= -1 && v < (int64_t)UINT32_MAX;
}

static int validate(const struct cgroup_dev_rule *r, struct cell_err *e)
{
	char s[CGDEV_RULE_STR];

	if (r->type != 'a' && r->type != 'c' && r->type != 'b')
		return cell_err_set(e, EINVAL, "device rule: type `%c` is not a, b or c", r->type);
	cgroup_dev_rule_str(r, s);
	if (!num_ok(r->major) || !num_ok(r->minor))
		return cell_err_set(e, EINVAL, "device rule `%s`: major and minor must be 0..%u or -1 (any)",
				    s, UINT32_MAX - 1);
	if (r->access == 0 || (r->access & ~(unsigned)CGDEV_RWM))
		return cell_err_set(e, EINVAL, "device rule `%s`: access must be letters of \"rwm\"", s);
	return 0;
}

/* a's key contains b's (both typed c or b). */
static bool covers(const struct cgroup_dev_rule *a, const struct cgroup_dev_rule *b)
{
	return a->type == b->type && (a->major == -1 || a->major == b->major) &&
	       (a->minor == -1 || a->minor == b->minor);
}

static bool overlaps(const struct cgroup_dev_rule *a, const struct cgroup_dev_rule *b)
{
	return a->type == b->type && (a->major == -1 || b->major == -1 || a->major == b->major) &&
	       (a->minor == -1 || b->minor == -1 || a->minor == b->minor);
}

static bool same_key(const struct cgroup_dev_rule *a, const struct cgroup_dev_rule *b)
{
	return a->type == b->type && a->major == b->major && a->minor == b->minor;
}

static int push(struct cgroup_dev_state *st, const struct cgroup_dev_rule *r, struct cell_err *e)
{
	if (st->n == st->cap) {
		size_t cap = st->cap ? 2 * st->cap : 16;
		struct cgroup_dev_rule *ex = realloc(st->ex, cap * sizeof *ex);

		if (!ex)
			return cell_err_sys(e, "device rules");
		st->ex = ex;
		st->cap = cap;
	}
	st->ex[st->n] = *r;
	st->ex[st->n++].allow = !st->default_allow;
	return 0;
}

static void drop(struct cgroup_dev_state *st, size_t i)
{
	memmove(&st->ex[i], &st->ex[i + 1], (st->n - i - 1) * sizeof st->ex[0]);
	st->n--;
}

/* A rule going the way of the exceptions: add its bits. */
static int add_bits(struct cgroup_dev_state *st, const struct cgroup_dev_rule *r, struct cell_err *e)
{
	size_t i;

	for (i = 0; i < st->n; i++) {
		if (same_key(&st->ex[i], r)) {
			st->ex[i].access |= r->access;
			return 0;
		}
	}
	return push(st, r, e);
}

/* A rule going against the exceptions: take its bits back from every
 * exception it covers; an exception it only partly covers would need a hole. */
static int remove_bits(struct cgroup_dev_state *st, const struct cgroup_dev_rule *r, struct cell_err *e)
{
	char rs[CGDEV_RULE_STR], xs[CGDEV_RULE_STR];
	size_t i = 0;

	while (i < st->n) {
		struct cgroup_dev_rule *x = &st->ex[i];

		if (!(x->access & r->access) || !overlaps(x, r)) {
			i++;
			continue;
		}
		if (!covers(r, x)) {
			cgroup_dev_rule_str(r, rs);
			cgroup_dev_rule_str(x, xs);
			return cell_err_set(e, EINVAL,
					    "device rules: `%s %s` after `%s %s`: cgroup v1 cannot %s part of a "
					    "wildcard rule; narrow the wildcard rule instead",
					    r->allow ? "allow" : "deny", rs, x->allow ? "allow" : "deny", xs,
					    r->allow ? "allow" : "deny");
		}
		x->access &= ~r->access;
		if (x->access == 0)
			drop(st, i);
		else
			i++;
	}
	return 0;
}

/* Deny default: give each exception the bits of the wider ones covering it,
 * and add the meeting point of c M:* and c *:m when neither holds the
 * other's bits, so one exception answers for every bit a device has. */
static int close_under_wildcards(struct cgroup_dev_state *st, struct cell_err *e)
{
	size_t i, j, n;

	for (i = 0; i < st->n; i++)
		for (j = 0; j < st->n; j++)
			if (j != i && covers(&st->ex[j], &st->ex[i]))
				st->ex[i].access |= st->ex[j].access;
	n = st->n;
	for (i = 0; i < n; i++) {
		if (st->ex[i].major == -1 || st->ex[i].minor != -1)
			continue;
		for (j = 0; j < n; j++) {
			struct cgroup_dev_rule m = st->ex[i];
			bool known = false;
			size_t k;

			if (st->ex[j].type != m.type || st->ex[j].major != -1 || st->ex[j].minor == -1)
				continue;
			m.minor = st->ex[j].minor;
			m.access |= st->ex[j].access;
			if (m.access == st->ex[i].access || m.access == st->ex[j].access)
				continue;
			for (k = 0; k < st->n && !known; k++)
				known = same_key(&st->ex[k], &m);
			if (!known && push(st, &m, e) < 0)
				return -1;
		}
	}
	return 0;
}

static int key_cmp(int64_t a, int64_t b)
{
	if (a == b)
		return 0;
	if (a == -1)
		return 1;
	if (b == -1)
		return -1;
	return a < b ? -1 : 1;
}

static int ex_cmp(const void *pa, const void *pb)
{
	const struct cgroup_dev_rule *a = pa, *b = pb;
	int c = (a->type == 'b') - (b->type == 'b');

	if (c == 0)
		c = key_cmp(a->major, b->major);
	if (c == 0)
		c = key_cmp(a->minor, b->minor);
	return c;
}

int cgroup_dev_reduce(const struct cgroup_dev_rule *r, size_t n, struct cgroup_dev_state *st,
		      struct cell_err *e)
{
	size_t i;

	memset(st, 0, sizeof *st);
	for (i = 0; i < n; i++) {
		int rc;

		if (validate(&r[i], e) < 0)
			goto fail;
		if (r[i].type == 'a') {
			st->default_allow = r[i].allow;
			st->n = 0;
			continue;
		}
		if (r[i].allow != st->default_allow)
			rc = add_bits(st, &r[i], e);
		else
			rc = remove_bits(st, &r[i], e);
		if (rc < 0)
			goto fail;
	}
	if (!st->default_allow && close_under_wildcards(st, e) < 0)
		goto fail;
	if (st->n)
		qsort(st->ex, st->n, sizeof st->ex[0], ex_cmp);
	return 0;
fail:
	cgroup_dev_state_free(st);
	return -1;
}
