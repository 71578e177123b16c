/* Device rule tests: the two reference answers (the rule list read per
 * access bit, last match wins; the v1 kernel's check on a reduced state), a
 * BPF interpreter and dumper for the instructions the builder emits, and
 * the rule lists shared by the unit test and the real-kernel test. */
#ifndef CELL_DEVREF_H
#define CELL_DEVREF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <linux/bpf.h>

#include "../../cgroup/devices.h"

static inline bool ref_rule_matches(const struct cgroup_dev_rule *r, char type, uint32_t maj, uint32_t min)
{
	return r->type == type && (r->major == -1 || r->major == maj) && (r->minor == -1 || r->minor == min);
}

/* The semantics cell promises: from deny-all, 'a' resets, else the last
 * rule matching the device and naming the bit decides, bit by bit. */
static inline bool ref_last_match(const struct cgroup_dev_rule *r, size_t n, char type, uint32_t maj,
				  uint32_t min, unsigned acc)
{
	unsigned bit;

	for (bit = 1; bit <= CGDEV_MKNOD; bit <<= 1) {
		bool allowed = false;
		size_t i;

		if (!(acc & bit))
			continue;
		for (i = 0; i < n; i++) {
			if (r[i].type == 'a')
				allowed = r[i].allow;
			else if ((r[i].access & bit) && ref_rule_matches(&r[i], type, maj, min))
				allowed = r[i].allow;
		}
		if (!allowed)
			return false;
	}
	return true;
}

/* What the v1 kernel answers for a cgroup in state st
 * (security/device_cgroup.c: match_exception / match_exception_partial). */
static inline bool ref_v1_check(const struct cgroup_dev_state *st, char type, uint32_t maj, uint32_t min,
				unsigned acc)
{
	size_t i;

	for (i = 0; i < st->n; i++) {
		if (!ref_rule_matches(&st->ex[i], type, maj, min))
			continue;
		if (!st->default_allow && !(acc & ~st->ex[i].access))
			return true;
		if (st->default_allow && (acc & st->ex[i].access))
			return false;
	}
	return st->default_allow;
}

static inline uint32_t ref_bpf_access(unsigned a)
{
	return (a & CGDEV_READ ? BPF_DEVCG_ACC_READ : 0) | (a & CGDEV_WRITE ? BPF_DEVCG_ACC_WRITE : 0) |
	       (a & CGDEV_MKNOD ? BPF_DEVCG_ACC_MKNOD : 0);
}

static inline bool bpf_is_jump(const struct bpf_insn *i)
{
	uint8_t c = BPF_CLASS(i->code);

	return (c == BPF_JMP || c == BPF_JMP32) && BPF_OP(i->code) != BPF_EXIT;
}

/* What the verifier's control-flow pass insists on, for our subset: known
 * opcodes, forward jumps inside the program, every instruction reachable,
 * no falling off the end. Returns NULL or the reason. */
static inline const char *bpf_check_cfg(const struct bpf_insn *p, size_t n, char *why, size_t len)
{
	bool reach[4096] = { false };
	size_t i;

	if (n == 0 || n > 4096)
		return snprintf(why, len, "bad length %zu", n), why;
	reach[0] = true;
	for (i = 0; i < n; i++) {
		const struct bpf_insn *x = &p[i];
		bool jump = bpf_is_jump(x), uncond = x->code == (BPF_JMP | BPF_JA);
		size_t to = i + 1 + (size_t)(ptrdiff_t)x->off;

		if (!reach[i])
			return snprintf(why, len, "insn %zu unreachable", i), why;
		if (jump && (x->off < 0 || to >= n))
			return snprintf(why, len, "insn %zu jumps to %td", i, (ptrdiff_t)i + 1 + x->off), why;
		if (jump)
			reach[to] = true;
		if (x->code == (BPF_JMP | BPF_EXIT) || uncond)
			continue;
		if (i + 1 == n)
			return snprintf(why, len, "falls off the end"), why;
		reach[i + 1] = true;
	}
	return NULL;
}

/* Run the program on a context; returns r0, or -1 with the reason. */
static inline int bpf_run(const struct bpf_insn *p, size_t n, uint32_t access_type, uint32_t major,
			  uint32_t minor, char *why, size_t len)
{
	const uint32_t ctx[3] = { access_type, major, minor };
	uint64_t r[11] = { 0 };
	bool set[11] = { false }, is_ctx[11] = { false };
	size_t pc = 0, steps = 0;

	is_ctx[1] = set[1] = true;
	while (pc < n && steps++ < 100000) {
		const struct bpf_insn *x = &p[pc++];
		uint8_t cls = BPF_CLASS(x->code), op = BPF_OP(x->code), d = x->dst_reg, s = x->src_reg;
		uint64_t src = BPF_SRC(x->code) == BPF_X ? r[s] : (uint64_t)(int64_t)x->imm;
		bool jmp = false;

		if (d > 10 || s > 10)
			return snprintf(why, len, "bad register"), -1;
		if (BPF_SRC(x->code) == BPF_X && !set[s] && cls != BPF_LDX)
			return snprintf(why, len, "r%d read before set", s), -1;
		switch (cls) {
		case BPF_LDX:
			if (x->code != (BPF_LDX | BPF_MEM | BPF_W) || !is_ctx[s] || x->off % 4 || x->off < 0 || x->off > 8)
				return snprintf(why, len, "bad load at %zu", pc - 1), -1;
			r[d] = ctx[x->off / 4];
			break;
		case BPF_ALU:
		case BPF_ALU64:
			if (op != BPF_MOV && !set[d])
				return snprintf(why, len, "r%d used before set", d), -1;
			if (op == BPF_MOV)
				r[d] = src;
			else if (op == BPF_AND)
				r[d] &= src;
			else if (op == BPF_RSH)
				r[d] >>= src;
			else
				return snprintf(why, len, "alu op %#x", op), -1;
			if (cls == BPF_ALU)
				r[d] = (uint32_t)r[d];
			break;
		case BPF_JMP:
		case BPF_JMP32: {
			uint64_t a = r[d], b = src;

			if (op == BPF_EXIT) {
				if (!set[0])
					return snprintf(why, len, "exit without r0"), -1;
				return (int)r[0];
			}
			if (op != BPF_JA && !set[d])
				return snprintf(why, len, "r%d compared before set", d), -1;
			if (cls == BPF_JMP32)
				a = (uint32_t)a, b = (uint32_t)b;
			if (op == BPF_JA)
				jmp = true;
			else if (op == BPF_JEQ)
				jmp = a == b;
			else if (op == BPF_JNE)
				jmp = a != b;
			else if (op == BPF_JSET)
				jmp = (a & b) != 0;
			else
				return snprintf(why, len, "jump op %#x", op), -1;
			if (jmp)
				pc += (size_t)(ptrdiff_t)x->off;
			continue;
		}
		default:
			return snprintf(why, len, "class %#x", cls), -1;
		}
		set[d] = true;
		is_ctx[d] = false;
	}
	return snprintf(why, len, "ran off the end"), -1;
}

/* One line per instruction, into buf: "3: jne32 r3, 0x2, +12". */
static inline void bpf_dump(const struct bpf_insn *p, size_t n, char *buf, size_t len)
{
	static const char *const jops[16] = { [BPF_JA >> 4] = "ja", [BPF_JEQ >> 4] = "jeq",
		[BPF_JNE >> 4] = "jne", [BPF_JSET >> 4] = "jset", [BPF_EXIT >> 4] = "exit" };
	static const char *const aops[16] = { [BPF_MOV >> 4] = "mov", [BPF_AND >> 4] = "and",
		[BPF_RSH >> 4] = "rsh" };
	size_t i, k = 0;

	buf[0] = '\0';
	for (i = 0; i < n && k < len; i++) {
		const struct bpf_insn *x = &p[i];
		uint8_t cls = BPF_CLASS(x->code), op = BPF_OP(x->code) >> 4;
		const char *w = cls == BPF_ALU || cls == BPF_JMP32 ? "32" : "";
		char arg[24];
		int m;

		if (BPF_SRC(x->code) == BPF_X)
			snprintf(arg, sizeof arg, "r%d", x->src_reg);
		else
			snprintf(arg, sizeof arg, "%#x", (unsigned)x->imm);
		if (cls == BPF_LDX)
			m = snprintf(buf + k, len - k, "%zu: ldxw r%d, [r%d+%d]\n", i, x->dst_reg, x->src_reg, x->off);
		else if ((cls == BPF_ALU || cls == BPF_ALU64) && aops[op])
			m = snprintf(buf + k, len - k, "%zu: %s%s r%d, %s\n", i, aops[op], w, x->dst_reg, arg);
		else if (x->code == (BPF_JMP | BPF_EXIT))
			m = snprintf(buf + k, len - k, "%zu: exit\n", i);
		else if (x->code == (BPF_JMP | BPF_JA))
			m = snprintf(buf + k, len - k, "%zu: ja +%d\n", i, x->off);
		else if ((cls == BPF_JMP || cls == BPF_JMP32) && jops[op])
			m = snprintf(buf + k, len - k, "%zu: %s%s r%d, %s, +%d\n", i, jops[op], w, x->dst_reg, arg, x->off);
		else
			m = snprintf(buf + k, len - k, "%zu: ?? code %#x\n", i, x->code);
		if (m < 0)
			break;
		k += (size_t)m;
	}
}

/* ---- rule lists shared with the real-kernel test ----
 * Majors 120-122 are "local/experimental use" in devices.txt, never handed
 * out dynamically: a node with them opens with ENXIO once the cgroup lets
 * the open through, and EPERM when it does not. */
#define FAKE 120

#define DENY_ALL { false, 'a', -1, -1, CGDEV_RWM }
#define ALLOW_ALL { true, 'a', -1, -1, CGDEV_RWM }
#define RULE(allow, t, maj, min, acc) { allow, t, maj, min, acc }
#define R_ CGDEV_READ
#define W_ CGDEV_WRITE
#define M_ CGDEV_MKNOD
#define RW_ (CGDEV_READ | CGDEV_WRITE)

struct dev_case {
	const char *name;
	bool defaults;            /* append cgroup_dev_defaults */
	size_t n;
	struct cgroup_dev_rule r[6];
};

static const struct dev_case dev_cases[] = {
	{ "deny_all_defaults", true, 1, { DENY_ALL } },
	{ "allow_one_majmin", true, 2, { DENY_ALL, RULE(true, 'c', FAKE, 1, CGDEV_RWM) } },
	{ "wildcard_minor", true, 2, { DENY_ALL, RULE(true, 'c', FAKE, -1, RW_) } },
	{ "wildcard_major", true, 2, { DENY_ALL, RULE(true, 'c', -1, 7, R_) } },
	{ "read_only", true, 2, { DENY_ALL, RULE(true, 'c', FAKE, 2, R_) } },
	{ "block_allow", true, 2, { DENY_ALL, RULE(true, 'b', FAKE, 0, RW_) } },
	{ "mknod_denied_no_defaults", false, 2, { DENY_ALL, RULE(true, 'c', FAKE, 0, RW_) } },
	{ "no_rules_is_deny_all", true, 0, { { 0 } } },
	{ "default_allow", true, 4,
	  { ALLOW_ALL, RULE(false, 'c', FAKE, 0, CGDEV_RWM), RULE(false, 'b', -1, -1, W_),
	    RULE(false, 'c', 1, 1, CGDEV_RWM) } },
	{ "per_bit_union", true, 3, { DENY_ALL, RULE(true, 'c', FAKE, -1, R_), RULE(true, 'c', -1, 3, W_) } },
	{ "last_match_wins", true, 3,
	  { DENY_ALL, RULE(true, 'c', FAKE, -1, CGDEV_RWM), RULE(false, 'c', FAKE, -1, W_) } },
	{ "reset_midway", true, 4,
	  { ALLOW_ALL, RULE(false, 'c', FAKE, 0, R_), DENY_ALL, RULE(true, 'c', FAKE + 1, -1, R_) } },
};
#define N_DEV_CASES (sizeof dev_cases / sizeof dev_cases[0])

/* The case's effective list; returns its length. */
static inline size_t dev_case_rules(const struct dev_case *c, struct cgroup_dev_rule *out, size_t cap)
{
	if (c->defaults)
		return cgroup_dev_effective(c->r, c->n, out, cap);
	memcpy(out, c->r, c->n * sizeof *out);
	return c->n;
}

#endif
