/* The cgroup v2 device filter, built instruction by instruction from a
 * reduced rule state (devices_rules.c). The program answers exactly as the
 * v1 kernel would for the same state:
 *   deny default:  allow iff one exception matches the device and holds
 *                  every requested access bit;
 *   allow default: deny iff one exception matches the device and holds any
 *                  requested bit.
 * Exceptions arrive sorted, so those of one type share one type test and
 * those of one major one major test. Layout:
 *   r2 = access_type; r4 = major; r5 = minor; r3 = r2 & 0xffff; r2 >>= 16
 *   per exception: tests that jump to the next one on mismatch, the last
 *   test inverted to jump to MATCH
 *   DEFAULT: r0 = default; exit
 *   MATCH:   r0 = !default; exit
 * Forward jumps are emitted with a negative label in `off` and patched when
 * the label's place is known (real offsets here are never negative). */
#include "devices.h"

#include <linux/bpf.h>

enum label {
	L_NEXT = -1,   /* the next exception */
	L_MAJOR = -2,  /* after the current major group */
	L_TYPE = -3,   /* after the current type group */
	L_DEFAULT = -4,
	L_MATCH = -5,
};

enum { R_ACC = BPF_REG_2, R_TYPE = BPF_REG_3, R_MAJOR = BPF_REG_4, R_MINOR = BPF_REG_5 };

struct prog {
	struct bpf_insn *insn;
	size_t n;
	bool default_allow;
};

static void emit(struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	p->insn[p->n++] = (struct bpf_insn){
		.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm,
	};
}

/* 64-bit compares (BPF_JMP32 would need 5.1): the context's numbers are
 * zero-extended u32 below 2^20, so an immediate sign-extended from a rule's
 * number at or above 2^31 matches no device either way. */
static void jmp(struct prog *p, uint8_t op, uint8_t reg, uint32_t imm, enum label to)
{
	emit(p, BPF_JMP | op | BPF_K, reg, 0, (int16_t)to, (int32_t)imm);
}

static bool is_jump(const struct bpf_insn *i)
{
	uint8_t cls = BPF_CLASS(i->code);

	return (cls == BPF_JMP || cls == BPF_JMP32) && BPF_OP(i->code) != BPF_EXIT &&
	       BPF_OP(i->code) != BPF_CALL;
}

/* Point the jumps emitted since `from` that wait for `l` here. */
static void place(struct prog *p, size_t from, enum label l)
{
	size_t i;

	for (i = from; i < p->n; i++)
		if (is_jump(&p->insn[i]) && p->insn[i].off == (int16_t)l)
			p->insn[i].off = (int16_t)(p->n - i - 1);
}

static uint32_t bpf_access(unsigned a)
{
	return (a & CGDEV_READ ? BPF_DEVCG_ACC_READ : 0) | (a & CGDEV_WRITE ? BPF_DEVCG_ACC_WRITE : 0) |
	       (a & CGDEV_MKNOD ? BPF_DEVCG_ACC_MKNOD : 0);
}

static uint32_t bpf_type(char t)
{
	return t == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;
}

#define ACC_ALL (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD)

/* One exception; type and major tests already done by group headers are
 * left out. Equality tests skip to L_NEXT, except the last, which jumps to
 * L_MATCH when it holds. */
static void emit_exception(struct prog *p, const struct cgroup_dev_rule *x, bool test_type,
			   bool test_major)
{
	struct { uint8_t reg; uint32_t imm; } eq[3];
	uint32_t acc = bpf_access(x->access);
	size_t start = p->n, k = 0, i;

	if (test_type)
		eq[k].reg = R_TYPE, eq[k++].imm = bpf_type(x->type);
	if (test_major)
		eq[k].reg = R_MAJOR, eq[k++].imm = (uint32_t)x->major;
	if (x->minor != -1)
		eq[k].reg = R_MINOR, eq[k++].imm = (uint32_t)x->minor;

	if (!p->default_allow && acc != ACC_ALL)
		jmp(p, BPF_JSET, R_ACC, ~acc & ACC_ALL, L_NEXT); /* asks for a bit not held */
	if (p->default_allow && acc != ACC_ALL) {
		for (i = 0; i < k; i++)
			jmp(p, BPF_JNE, eq[i].reg, eq[i].imm, L_NEXT);
		jmp(p, BPF_JSET, R_ACC, acc, L_MATCH); /* asks for a denied bit */
	} else if (k > 0) {
		for (i = 0; i + 1 < k; i++)
			jmp(p, BPF_JNE, eq[i].reg, eq[i].imm, L_NEXT);
		jmp(p, BPF_JEQ, eq[k - 1].reg, eq[k - 1].imm, L_MATCH);
	} else {
		emit(p, BPF_JMP | BPF_JA, 0, 0, (int16_t)L_MATCH, 0);
	}
	place(p, start, L_NEXT);
}

/* ex[i..j) share a type; a major test heads runs of one specific major. */
static void emit_type_group(struct prog *p, const struct cgroup_dev_rule *ex, size_t i, size_t j)
{
	bool header = j - i > 1;
	size_t start = p->n;

	if (header)
		jmp(p, BPF_JNE, R_TYPE, bpf_type(ex[i].type), L_TYPE);
	while (i < j) {
		size_t k = i + 1, g = p->n;

		while (k < j && ex[k].major == ex[i].major)
			k++;
		if (ex[i].major != -1 && k - i > 1) {
			jmp(p, BPF_JNE, R_MAJOR, (uint32_t)ex[i].major, L_MAJOR);
			for (; i < k; i++)
				emit_exception(p, &ex[i], false, false);
			place(p, g, L_MAJOR);
		} else {
			for (; i < k; i++)
				emit_exception(p, &ex[i], !header, ex[i].major != -1);
		}
	}
	if (header)
		place(p, start, L_TYPE);
}

static void emit_prologue(struct prog *p, const struct cgroup_dev_state *st)
{
	bool major = false, minor = false, acc = p->default_allow;
	size_t i;

	for (i = 0; i < st->n; i++) {
		major |= st->ex[i].major != -1;
		minor |= st->ex[i].minor != -1;
		acc |= st->ex[i].access != CGDEV_RWM;
	}
	emit(p, BPF_LDX | BPF_MEM | BPF_W, R_ACC, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, access_type), 0);
	if (major)
		emit(p, BPF_LDX | BPF_MEM | BPF_W, R_MAJOR, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, major), 0);
	if (minor)
		emit(p, BPF_LDX | BPF_MEM | BPF_W, R_MINOR, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, minor), 0);
	emit(p, BPF_ALU | BPF_MOV | BPF_X, R_TYPE, R_ACC, 0, 0);
	emit(p, BPF_ALU | BPF_AND | BPF_K, R_TYPE, 0, 0, 0xffff);
	if (acc)
		emit(p, BPF_ALU | BPF_RSH | BPF_K, R_ACC, 0, 0, 16);
	/* v1 never denies a request without access bits from allow-all. */
	if (p->default_allow)
		jmp(p, BPF_JEQ, R_ACC, 0, L_DEFAULT);
}

size_t cgroup_devbpf_max_insns(const struct cgroup_dev_state *st)
{
	return 8 + 5 * st->n + 4;
}

size_t cgroup_devbpf_build(const struct cgroup_dev_state *st, struct bpf_insn *insns)
{
	struct prog p = { .insn = insns, .default_allow = st->default_allow };
	size_t i = 0;

	if (st->n > 0)
		emit_prologue(&p, st);
	while (i < st->n) {
		size_t j = i + 1;

		while (j < st->n && st->ex[j].type == st->ex[i].type)
			j++;
		emit_type_group(&p, st->ex, i, j);
		i = j;
	}
	place(&p, 0, L_DEFAULT);
	emit(&p, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, st->default_allow);
	emit(&p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	if (st->n == 0)
		return p.n;
	place(&p, 0, L_MATCH);
	emit(&p, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, !st->default_allow);
	emit(&p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return p.n;
}
