/* Device rules and the cgroup v2 filter builder, with no kernel: every rule
 * list is reduced, built, and the program run by an interpreter over a grid
 * of devices and all access sets, against two references (the list read
 * bit by bit, last match wins; the v1 kernel's check on the reduced state).
 * Fixed cases, exact programs for small lists, errors, and random lists. */
#include <stdlib.h>

#include "devref.h"
#include "t.h"

#define MAX_INSNS 1024

struct built {
	struct cgroup_dev_state st;
	struct bpf_insn insn[MAX_INSNS];
	size_t n;
};

static struct built B;

static bool build(const struct cgroup_dev_rule *r, size_t n, struct cell_err *e)
{
	if (cgroup_dev_reduce(r, n, &B.st, e) < 0)
		return false;
	if (cgroup_devbpf_max_insns(&B.st) > MAX_INSNS) {
		T_FAIL("%zu exceptions need more than %d insns", B.st.n, MAX_INSNS);
		cgroup_dev_state_free(&B.st);
		return false;
	}
	B.n = cgroup_devbpf_build(&B.st, B.insn);
	CHECK(B.n <= cgroup_devbpf_max_insns(&B.st));
	return true;
}

static void state_str(const struct cgroup_dev_state *st, char *buf, size_t len)
{
	size_t i, k;

	k = (size_t)snprintf(buf, len, "%s", st->default_allow ? "allow" : "deny");
	for (i = 0; i < st->n && k < len; i++) {
		char s[CGDEV_RULE_STR];

		cgroup_dev_rule_str(&st->ex[i], s);
		k += (size_t)snprintf(buf + k, len - k, ", %s", s);
	}
}

static const uint32_t majors[] = { 0, 1, 5, 8, 10, 136, FAKE, FAKE + 1, FAKE + 2, 4000 };
static const uint32_t minors[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 200, 1048575 };

/* Number of disagreements over the grid; the first is reported. */
static int agree(const struct cgroup_dev_rule *r, size_t n, const char *name)
{
	static char dump[16384];
	char why[128];
	const char *bad = bpf_check_cfg(B.insn, B.n, why, sizeof why);
	int fails = 0;
	size_t a, b;
	unsigned acc;
	int t;

	if (bad) {
		bpf_dump(B.insn, B.n, dump, sizeof dump);
		T_FAIL("%s: program: %s\n%s", name, bad, dump);
		return 1;
	}
	for (t = 0; t < 2; t++) {
		char type = t ? 'b' : 'c';

		for (a = 0; a < sizeof majors / sizeof majors[0]; a++) {
			for (b = 0; b < sizeof minors / sizeof minors[0]; b++) {
				for (acc = 0; acc <= CGDEV_RWM; acc++) {
					uint32_t maj = majors[a], min = minors[b];
					bool want = ref_v1_check(&B.st, type, maj, min, acc);
					uint32_t at = ref_bpf_access(acc) << 16 |
						      (t ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
					int got = bpf_run(B.insn, B.n, at, maj, min, why, sizeof why);

					if (acc && ref_last_match(r, n, type, maj, min, acc) != want) {
						if (!fails++)
							T_FAIL("%s: state says %d, rule list says %d for %c %u:%u access %u",
							       name, want, !want, type, maj, min, acc);
					} else if (got != (int)want) {
						bpf_dump(B.insn, B.n, dump, sizeof dump);
						if (!fails++)
							T_FAIL("%s: program says %d (%s), v1 says %d for %c %u:%u access %u\n%s",
							       name, got, got < 0 ? why : "", want, type, maj, min, acc, dump);
					}
				}
			}
		}
	}
	return fails;
}

static void effective_list(void)
{
	struct cgroup_dev_rule cfg[2] = { DENY_ALL, RULE(true, 'c', FAKE, 1, R_) }, out[32];
	size_t n = cgroup_dev_effective(cfg, 2, NULL, 0), i;

	CHECK(n == 2 + cgroup_dev_ndefaults);
	CHECK(cgroup_dev_effective(cfg, 2, out, 32) == n);
	CHECK(memcmp(out, cfg, sizeof cfg) == 0);
	for (i = 2; i < n; i++)
		CHECK(memcmp(&out[i], &cgroup_dev_defaults[i - 2], sizeof out[i]) == 0);
	memset(out, 0, sizeof out);
	CHECK(cgroup_dev_effective(cfg, 2, out, 1) == n);
	CHECK(out[0].type == 'a' && out[1].type == 0);
}

/* The figure the brief asks for: the program for deny-all + defaults. */
static void defaults_program(void)
{
	struct cgroup_dev_rule r[32], all = DENY_ALL;
	struct cell_err e = { 0 };
	size_t n = cgroup_dev_effective(&all, 1, r, 32);
	char s[1024];

	if (!build(r, n, &e)) {
		T_FAIL("%s", e.msg);
		return;
	}
	state_str(&B.st, s, sizeof s);
	CHECK_STR(s, "deny, c 1:3 rwm, c 1:5 rwm, c 1:7 rwm, c 1:8 rwm, c 1:9 rwm, c 5:0 rwm, "
		     "c 5:2 rwm, c 10:200 rwm, c 136:* rwm, c *:* m, b *:* m");
	printf("# deny-all + defaults: %zu exceptions, %zu instructions\n", B.st.n, B.n);
	CHECK(B.n == 27);
	CHECK(agree(r, n, "defaults") == 0);
	/* the same without a leading deny-all: the OCI list is an allow list */
	cgroup_dev_state_free(&B.st);
	n = cgroup_dev_effective(NULL, 0, r, 32);
	CHECK(build(r, n, &e));
	CHECK(!B.st.default_allow && B.st.n == 11 && B.n == 27);
	cgroup_dev_state_free(&B.st);
}

static void expect_program(const struct cgroup_dev_rule *r, size_t n, const char *want)
{
	struct cell_err e = { 0 };
	char dump[4096];

	if (!build(r, n, &e)) {
		T_FAIL("%s", e.msg);
		return;
	}
	bpf_dump(B.insn, B.n, dump, sizeof dump);
	CHECK_STR(dump, want);
	CHECK(agree(r, n, "exact") == 0);
	cgroup_dev_state_free(&B.st);
}

static void exact_programs(void)
{
	struct cgroup_dev_rule none[1] = { DENY_ALL }, all[1] = { ALLOW_ALL };
	struct cgroup_dev_rule one_r[2] = { DENY_ALL, RULE(true, 'c', 1, 3, R_) };
	struct cgroup_dev_rule deny_w[2] = { ALLOW_ALL, RULE(false, 'b', 8, -1, W_) };
	struct cgroup_dev_rule two[3] = { DENY_ALL, RULE(true, 'c', 1, 3, CGDEV_RWM),
					  RULE(true, 'c', 1, 5, CGDEV_RWM) };

	expect_program(none, 0, "0: mov r0, 0\n1: exit\n");
	expect_program(none, 1, "0: mov r0, 0\n1: exit\n");
	expect_program(all, 1, "0: mov r0, 0x1\n1: exit\n");
	/* r only: any other requested bit skips; type, major, then minor */
	expect_program(one_r, 2,
		       "0: ldxw r2, [r1+0]\n1: ldxw r4, [r1+4]\n2: ldxw r5, [r1+8]\n"
		       "3: mov32 r3, r2\n4: and32 r3, 0xffff\n5: rsh32 r2, 0x10\n"
		       "6: jset r2, 0x5, +3\n7: jne r3, 0x2, +2\n8: jne r4, 0x1, +1\n"
		       "9: jeq r5, 0x3, +2\n10: mov r0, 0\n11: exit\n12: mov r0, 0x1\n13: exit\n");
	/* allow-all: a request without access bits is never denied */
	expect_program(deny_w, 2,
		       "0: ldxw r2, [r1+0]\n1: ldxw r4, [r1+4]\n2: mov32 r3, r2\n3: and32 r3, 0xffff\n"
		       "4: rsh32 r2, 0x10\n5: jeq r2, 0, +3\n6: jne r3, 0x1, +2\n"
		       "7: jne r4, 0x8, +1\n8: jset r2, 0x4, +2\n9: mov r0, 0x1\n10: exit\n"
		       "11: mov r0, 0\n12: exit\n");
	/* one type test and one major test for both */
	expect_program(two, 3,
		       "0: ldxw r2, [r1+0]\n1: ldxw r4, [r1+4]\n2: ldxw r5, [r1+8]\n"
		       "3: mov32 r3, r2\n4: and32 r3, 0xffff\n5: jne r3, 0x2, +3\n"
		       "6: jne r4, 0x1, +2\n7: jeq r5, 0x3, +3\n8: jeq r5, 0x5, +2\n"
		       "9: mov r0, 0\n10: exit\n11: mov r0, 0x1\n12: exit\n");
}

static void shared_cases(void)
{
	size_t i;

	for (i = 0; i < N_DEV_CASES; i++) {
		struct cgroup_dev_rule r[32];
		struct cell_err e = { 0 };
		size_t n = dev_case_rules(&dev_cases[i], r, 32);

		if (!build(r, n, &e)) {
			T_FAIL("%s: %s", dev_cases[i].name, e.msg);
			continue;
		}
		printf("# %-26s %2zu exceptions, %2zu instructions\n", dev_cases[i].name, B.st.n, B.n);
		CHECK(agree(r, n, dev_cases[i].name) == 0);
		cgroup_dev_state_free(&B.st);
	}
}

/* Per-bit answers need one exception holding all of a device's bits. */
static void union_of_wildcards(void)
{
	struct cgroup_dev_rule r[3] = { DENY_ALL, RULE(true, 'c', FAKE, -1, R_), RULE(true, 'c', -1, 3, W_) };
	struct cgroup_dev_rule r2[4] = { DENY_ALL, RULE(true, 'c', -1, -1, M_), RULE(true, 'c', 1, 3, R_),
					 RULE(true, 'c', 1, -1, W_) };
	struct cell_err e = { 0 };
	char s[512];

	CHECK(build(r, 3, &e));
	state_str(&B.st, s, sizeof s);
	CHECK_STR(s, "deny, c 120:3 rw, c 120:* r, c *:3 w");
	cgroup_dev_state_free(&B.st);
	CHECK(build(r2, 4, &e));
	state_str(&B.st, s, sizeof s);
	CHECK_STR(s, "deny, c 1:3 rwm, c 1:* wm, c *:* m");
	CHECK(agree(r2, 4, "r2") == 0);
	cgroup_dev_state_free(&B.st);
}

static void expect_error(const struct cgroup_dev_rule *r, size_t n, const char *want)
{
	struct cgroup_dev_state st = { 0 };
	struct cell_err e = { 0 };

	if (cgroup_dev_reduce(r, n, &st, &e) == 0) {
		T_FAIL("accepted, expected `%s`", want);
		cgroup_dev_state_free(&st);
		return;
	}
	CHECK_STR(e.msg, want);
	CHECK(st.ex == NULL && st.n == 0);
}

static void errors(void)
{
	struct cgroup_dev_rule hole_w[3] = { DENY_ALL, RULE(true, 'c', 1, -1, CGDEV_RWM), RULE(false, 'c', 1, 3, W_) };
	struct cgroup_dev_rule hole_b[3] = { ALLOW_ALL, RULE(false, 'c', -1, -1, CGDEV_RWM) };
	struct cgroup_dev_rule cross[3] = { DENY_ALL, RULE(true, 'c', 1, -1, R_), RULE(false, 'c', -1, 3, R_) };
	struct cgroup_dev_rule ok[3] = { DENY_ALL, RULE(true, 'c', 1, -1, R_), RULE(false, 'c', 1, 3, W_) };
	struct cgroup_dev_rule bad[1];
	struct cgroup_dev_state st = { 0 };
	struct cell_err e = { 0 };
	struct cgroup_dev_rule eff[32];
	size_t n;

	expect_error(hole_w, 3, "device rules: `deny c 1:3 w` after `allow c 1:* rwm`: cgroup v1 cannot deny "
				"part of a wildcard rule; narrow the wildcard rule instead");
	expect_error(cross, 3, "device rules: `deny c *:3 r` after `allow c 1:* r`: cgroup v1 cannot deny "
			       "part of a wildcard rule; narrow the wildcard rule instead");
	/* the defaults come last: allowing /dev/null cuts into the deny of c *:* */
	n = cgroup_dev_effective(hole_b, 2, eff, 32);
	expect_error(eff, n, "device rules: `allow c 1:3 rwm` after `deny c *:* rw`: cgroup v1 cannot allow "
			     "part of a wildcard rule; narrow the wildcard rule instead");
	/* disjoint bits cut nothing */
	CHECK(cgroup_dev_reduce(ok, 3, &st, &e) == 0);
	cgroup_dev_state_free(&st);

	bad[0] = (struct cgroup_dev_rule)RULE(true, 'x', 1, 3, R_);
	expect_error(bad, 1, "device rule: type `x` is not a, b or c");
	bad[0] = (struct cgroup_dev_rule)RULE(true, 'c', 1, 3, 0);
	expect_error(bad, 1, "device rule `c 1:3 `: access must be letters of \"rwm\"");
	bad[0] = (struct cgroup_dev_rule)RULE(true, 'c', 1, 3, 8);
	expect_error(bad, 1, "device rule `c 1:3 `: access must be letters of \"rwm\"");
	bad[0] = (struct cgroup_dev_rule)RULE(true, 'c', 4294967295LL, 3, R_);
	expect_error(bad, 1, "device rule `c 4294967295:3 r`: major and minor must be 0..4294967294 or -1 (any)");
	bad[0] = (struct cgroup_dev_rule)RULE(true, 'b', 1, -2, R_);
	expect_error(bad, 1, "device rule `b 1:-2 r`: major and minor must be 0..4294967294 or -1 (any)");
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* Random lists over a small alphabet, so that rules meet often. */
static void random_lists(void)
{
	static const int64_t nums[] = { -1, 1, 3, 5, FAKE, 136 };
	unsigned iter, accepted = 0, refused = 0, maxlen = 0;

	for (iter = 0; iter < 20000 && t_fails == 0; iter++) {
		struct cgroup_dev_rule cfg[10], r[32];
		struct cell_err e = { 0 };
		size_t k = rnd(9), n, i;

		for (i = 0; i < k; i++) {
			unsigned t = rnd(10);

			cfg[i].allow = rnd(2);
			cfg[i].type = t == 0 ? 'a' : t < 6 ? 'c' : 'b';
			cfg[i].major = nums[rnd(6)];
			cfg[i].minor = nums[rnd(6)];
			cfg[i].access = 1 + rnd(7);
		}
		n = rnd(2) ? cgroup_dev_effective(cfg, k, r, 32) : (memcpy(r, cfg, k * sizeof *r), k);
		if (!build(r, n, &e)) {
			refused++;
			CHECK(strstr(e.msg, "cgroup v1 cannot") != NULL);
			continue;
		}
		accepted++;
		if (B.n > maxlen)
			maxlen = (unsigned)B.n;
		if (agree(r, n, "random") != 0) {
			char s[1024], x[CGDEV_RULE_STR];
			size_t j = 0;

			for (i = 0; i < n && j < sizeof s; i++) {
				cgroup_dev_rule_str(&r[i], x);
				j += (size_t)snprintf(s + j, sizeof s - j, "%s%s %s", i ? ", " : "",
						      r[i].allow ? "allow" : "deny", x);
			}
			printf("# failing list: %s\n", s);
		}
		cgroup_dev_state_free(&B.st);
	}
	printf("# random lists: %u accepted, %u refused (holes), longest program %u\n", accepted, refused,
	       maxlen);
	CHECK(accepted > refused);
}

int main(void)
{
	RUN(effective_list);
	RUN(defaults_program);
	RUN(exact_programs);
	RUN(shared_cases);
	RUN(union_of_wildcards);
	RUN(errors);
	RUN(random_lists);
	return t_done();
}
