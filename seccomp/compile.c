/* The OCI profile to classic BPF.
 *
 * Shape of the program:
 *   ld arch; jeq AUDIT_ARCH_1 -> block 1; jeq ... ; ret KILL_PROCESS
 *   block: ld nr; a balanced tree of `jge` over the boundaries of the
 *          number line cut into segments, each with one outcome.
 * A segment is a run of numbers with the same return value (neighbouring
 * syscalls that are all allowed form one segment, the gaps between listed
 * calls get the default action), or one syscall whose rules compare
 * arguments. So the search costs log2(segments) jumps, not one jeq per
 * listed call as libseccomp's chains do.
 * On x86_64 the x32 numbers (bit 30) share the audit arch: they are
 * segments of the same line, KILL_PROCESS unless x32 is listed. Numbers
 * above the highest this build knows return ENOSYS when the default is an
 * errno, so libcs fall back from calls newer than the profile (clone3).
 *
 * The program is emitted backwards: every jump goes forward, so its
 * targets already exist and their distance is known; a target further
 * than a conditional jump reaches (255) gets an unconditional `ja`
 * trampoline. Return instructions are shared while in reach. */
#include <errno.h>
#include <linux/audit.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../util/log.h"
#include "kernel.h"
#include "seccomp.h"
#include "syscalls.h"

#define X32_BIT 0x40000000U
#define MAX_RETS 64

enum seg_kind { SEG_RET, SEG_RULES };

struct seg {
	uint32_t start; /* first number; the segment ends where the next starts */
	enum seg_kind kind;
	uint32_t ret;   /* SEG_RET */
	const struct call *call; /* SEG_RULES */
};

/* One listed syscall of one architecture and the rules naming it. */
struct call {
	uint32_t nr;
	bool arg64;        /* the arch passes 64-bit arguments */
	bool has_uncond;   /* a rule without args: it decides alone */
	uint32_t uncond;
	size_t *rules;     /* indices of rules with args, in profile order */
	size_t n_rules;
};

struct emitter {
	struct sock_filter *buf; /* in emission order: reversed at the end */
	size_t n;
	size_t cap;
	bool overflow;
	struct {
		uint32_t ret;
		size_t label;
	} rets[MAX_RETS];
	size_t n_rets;
};

/* A label is the 1-based emission index of an instruction; an instruction
 * emitted as number m jumping to label t skips m - t - 1 instructions. */
static size_t emit(struct emitter *em, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
	if (em->n == em->cap) {
		em->overflow = true;
		return em->n;
	}
	em->buf[em->n++] = (struct sock_filter){ code, jt, jf, k };
	return em->n;
}

static size_t emit_ret(struct emitter *em, uint32_t ret)
{
	size_t i;

	for (i = 0; i < em->n_rets; i++)
		if (em->rets[i].ret == ret && em->n - em->rets[i].label < 255)
			return em->rets[i].label;
	size_t l = emit(em, BPF_RET | BPF_K, 0, 0, ret);

	for (i = 0; i < em->n_rets; i++)
		if (em->rets[i].ret == ret)
			break;
	if (i < MAX_RETS) {
		em->rets[i].ret = ret;
		em->rets[i].label = l;
		if (i == em->n_rets)
			em->n_rets++;
	}
	return l;
}

static size_t emit_ja(struct emitter *em, size_t target)
{
	return emit(em, BPF_JMP | BPF_JA, 0, 0, (uint32_t)(em->n - target));
}

/* A conditional jump; far targets get a trampoline. */
static size_t emit_jmp(struct emitter *em, uint16_t op, uint32_t k, size_t jt, size_t jf)
{
	if (jt == jf)
		return jt;
	if (em->n - jt > 255)
		jt = emit_ja(em, jt);
	if (em->n - jf > 255)
		jf = emit_ja(em, jf);
	return emit(em, BPF_JMP | op | BPF_K, (uint8_t)(em->n - jt), (uint8_t)(em->n - jf), k);
}

/* The next instruction to emit falls through to `label`: when that is not
 * the last one emitted (a shared return, a jump that was not needed), say
 * so with a `ja`. */
static void falls_to(struct emitter *em, size_t label)
{
	if (em->n != label)
		emit_ja(em, label);
}

static size_t emit_ld(struct emitter *em, uint32_t off)
{
	return emit(em, BPF_LD | BPF_W | BPF_ABS, 0, 0, off);
}

/* ---- argument comparisons ---- */

/* The low-word comparison, reached with the high words equal (or the high
 * word absent): pass to P, fail to F. */
static size_t cmp_lo(struct emitter *em, const struct oci_scmp_arg *a, uint32_t off, size_t P,
		     size_t F)
{
	uint32_t v = (uint32_t)a->value;
	size_t l;

	switch (a->op) {
	case OCI_SCMP_EQ: l = emit_jmp(em, BPF_JEQ, v, P, F); break;
	case OCI_SCMP_NE: l = emit_jmp(em, BPF_JEQ, v, F, P); break;
	case OCI_SCMP_GT: l = emit_jmp(em, BPF_JGT, v, P, F); break;
	case OCI_SCMP_GE: l = emit_jmp(em, BPF_JGE, v, P, F); break;
	case OCI_SCMP_LT: l = emit_jmp(em, BPF_JGE, v, F, P); break;
	case OCI_SCMP_LE: l = emit_jmp(em, BPF_JGT, v, F, P); break;
	default: /* MASKED_EQ: (arg & value) == valueTwo */
		if ((uint32_t)a->value == 0)
			return (uint32_t)a->value_two == 0 ? P : F;
		l = emit_jmp(em, BPF_JEQ, (uint32_t)a->value_two, P, F);
		if (l == P || l == F)
			return l;
		emit(em, BPF_ALU | BPF_AND | BPF_K, 0, 0, (uint32_t)a->value);
		return emit_ld(em, off);
	}
	if (l == P || l == F) /* P == F: nothing to test */
		return l;
	return emit_ld(em, off);
}

/* arg <op> value on 64 bits: the high words decide unless they are equal,
 * then the low words do. On 32-bit architectures the high word is zero,
 * so its part is decided here at compile time. */
static size_t emit_cmp(struct emitter *em, const struct oci_scmp_arg *a, bool arg64, size_t P,
		       size_t F)
{
	uint32_t lo_off = 16 + 8 * a->index, hi_off = lo_off + 4; /* little endian */
	uint32_t vh = (uint32_t)(a->value >> 32);
	size_t lo, l;

	if (a->op == OCI_SCMP_MASKED_EQ) {
		uint32_t mh = vh, wh = (uint32_t)(a->value_two >> 32);

		if (!arg64 || mh == 0) /* high word of arg & mask is 0 */
			return wh == 0 ? cmp_lo(em, a, lo_off, P, F) : F;
		lo = cmp_lo(em, a, lo_off, P, F);
		falls_to(em, emit_jmp(em, BPF_JEQ, wh, lo, F));
		emit(em, BPF_ALU | BPF_AND | BPF_K, 0, 0, mh);
		return emit_ld(em, hi_off);
	}
	if (!arg64) {
		if (vh == 0)
			return cmp_lo(em, a, lo_off, P, F);
		/* arg < value for sure */
		switch (a->op) {
		case OCI_SCMP_NE: case OCI_SCMP_LT: case OCI_SCMP_LE: return P;
		default: return F;
		}
	}
	lo = cmp_lo(em, a, lo_off, P, F);
	switch (a->op) {
	case OCI_SCMP_EQ: l = emit_jmp(em, BPF_JEQ, vh, lo, F); break;
	case OCI_SCMP_NE: l = emit_jmp(em, BPF_JEQ, vh, lo, P); break;
	case OCI_SCMP_GT:
	case OCI_SCMP_GE:
		l = emit_jmp(em, BPF_JEQ, vh, lo, F);
		l = emit_jmp(em, BPF_JGT, vh, P, l);
		break;
	default: /* LT, LE */
		l = emit_jmp(em, BPF_JEQ, vh, lo, P);
		l = emit_jmp(em, BPF_JGT, vh, F, l);
		break;
	}
	falls_to(em, l);
	return emit_ld(em, hi_off);
}

/* The rules of one syscall in order, the first whose comparisons all hold
 * decides; none: the default. */
static size_t emit_call(struct emitter *em, const struct oci_seccomp *s, const struct call *c)
{
	size_t next = emit_ret(em, s->default_action);

	for (size_t r = c->n_rules; r-- > 0;) {
		const struct oci_scmp_rule *rule = &s->rules[c->rules[r]];
		size_t p = emit_ret(em, rule->action);

		for (size_t k = rule->n_args; k-- > 0;)
			p = emit_cmp(em, &rule->args[k], c->arg64, p, next);
		next = p;
	}
	return next;
}

/* ---- the search tree ---- */

static size_t emit_tree(struct emitter *em, const struct oci_seccomp *s, const struct seg *segs,
			size_t lo, size_t hi)
{
	if (hi - lo == 1) {
		if (segs[lo].kind == SEG_RET)
			return emit_ret(em, segs[lo].ret);
		return emit_call(em, s, segs[lo].call);
	}
	size_t mid = lo + (hi - lo) / 2;
	size_t r = emit_tree(em, s, segs, mid, hi);
	size_t l = emit_tree(em, s, segs, lo, mid);

	return emit_jmp(em, BPF_JGE, segs[mid].start, r, l);
}

/* ---- segments ---- */

struct line {
	struct seg *segs;
	size_t n, cap;
	bool oom;
};

static void add_seg(struct line *ln, struct seg sg)
{
	if (ln->n > 0) {
		const struct seg *last = &ln->segs[ln->n - 1];

		if (last->kind == SEG_RET && sg.kind == SEG_RET && last->ret == sg.ret)
			return;
	}
	if (ln->n == ln->cap) {
		size_t cap = ln->cap ? ln->cap * 2 : 64;
		struct seg *n = realloc(ln->segs, cap * sizeof *n);

		if (n == NULL) {
			ln->oom = true;
			return;
		}
		ln->segs = n;
		ln->cap = cap;
	}
	ln->segs[ln->n++] = sg;
}

static void add_ret(struct line *ln, uint32_t start, uint32_t ret)
{
	add_seg(ln, (struct seg){ .start = start, .kind = SEG_RET, .ret = ret });
}

/* Listed calls of one table, sorted by number, each with the rules naming
 * it in profile order; unknown names are skipped. Rules with the default
 * action change nothing (libseccomp refuses them, runtimes drop them).
 * Numbers are bucketed (no sort): a table spans a few hundred numbers
 * above its base (x32's start at bit 30). */
static int collect_calls(const struct oci_seccomp *s, const struct sc_systab *t, bool arg64,
			 struct call **out, size_t *n_out, size_t **idx_out)
{
	uint32_t base = t->arch == SC_ARCH_X32 ? X32_BIT : 0, span = t->max_nr - base + 1;
	size_t n_refs = 0, n = 0, cap = 0, *idx = NULL, *pos;
	int32_t *head = malloc(span * sizeof *head), *tail = malloc(span * sizeof *tail);
	struct ref {
		uint32_t rule;
		int32_t next;
	} *refs = NULL;
	struct call *calls = NULL;

	if (head == NULL || tail == NULL)
		goto oom;
	memset(head, 0xff, span * sizeof *head);
	for (size_t r = 0; r < s->n_rules; r++) {
		const struct oci_scmp_rule *rule = &s->rules[r];

		if (rule->action == s->default_action)
			continue;
		for (size_t k = 0; k < rule->n_names; k++) {
			int64_t nr = sc_syscall_nr(t, rule->names[k]);

			if (nr < 0)
				continue; /* logged once by log_unknown */
			if (n_refs == cap) {
				cap = cap ? cap * 2 : 512;
				struct ref *nr_ = realloc(refs, cap * sizeof *nr_);

				if (nr_ == NULL)
					goto oom;
				refs = nr_;
			}
			uint32_t b = (uint32_t)nr - base;

			refs[n_refs] = (struct ref){ (uint32_t)r, -1 };
			if (head[b] < 0) {
				head[b] = (int32_t)n_refs;
				n++;
			} else {
				refs[tail[b]].next = (int32_t)n_refs;
			}
			tail[b] = (int32_t)n_refs++;
		}
	}
	calls = malloc((n ? n : 1) * sizeof *calls);
	pos = idx = malloc((n_refs ? n_refs : 1) * sizeof *idx);
	if (calls == NULL || idx == NULL)
		goto oom;
	n = 0;
	for (uint32_t b = 0; b < span; b++) {
		if (head[b] < 0)
			continue;
		struct call *c = &calls[n++];

		*c = (struct call){ .nr = base + b, .arg64 = arg64, .rules = pos };
		for (int32_t k = head[b]; k >= 0; k = refs[k].next) {
			const struct oci_scmp_rule *rule = &s->rules[refs[k].rule];

			/* An unconditional rule decides alone; the first one wins. */
			if (rule->n_args == 0 && !c->has_uncond) {
				c->has_uncond = true;
				c->uncond = rule->action;
			} else if (rule->n_args > 0) {
				*pos++ = refs[k].rule;
				c->n_rules++;
			}
		}
	}
	free(head);
	free(tail);
	free(refs);
	*out = calls;
	*n_out = n;
	*idx_out = idx;
	return 0;
oom:
	free(head);
	free(tail);
	free(refs);
	free(calls);
	free(idx);
	return -1;
}

/* The numbers [lo, hi) of one table: listed calls, the default between
 * them, ENOSYS above the highest known number when the default is an
 * errno; everything KILL_PROCESS when the table's arch is not listed. */
static void add_part(struct line *ln, const struct oci_seccomp *s, uint32_t lo, uint64_t hi,
		     const struct sc_systab *t, const struct call *calls, size_t n)
{
	uint64_t cur = lo;

	if (t == NULL) {
		add_ret(ln, lo, SECCOMP_RET_KILL_PROCESS);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (calls[i].nr < lo || calls[i].nr >= hi)
			continue;
		if (calls[i].nr > cur)
			add_ret(ln, (uint32_t)cur, s->default_action);
		if (calls[i].has_uncond)
			add_ret(ln, calls[i].nr, calls[i].uncond);
		else
			add_seg(ln, (struct seg){ .start = calls[i].nr, .kind = SEG_RULES, .call = &calls[i] });
		cur = (uint64_t)calls[i].nr + 1;
	}
	if (cur < hi && cur <= t->max_nr)
		add_ret(ln, (uint32_t)cur, s->default_action);
	if ((s->default_action & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ERRNO) {
		cur = (uint64_t)t->max_nr + 1;
		if (cur < hi)
			add_ret(ln, (uint32_t)cur, SECCOMP_RET_ERRNO | ENOSYS);
	} else if (cur < hi && cur > t->max_nr) {
		add_ret(ln, (uint32_t)cur, s->default_action);
	}
}

/* ---- the whole program ---- */

static const struct {
	int arch;
	uint32_t audit;
	bool arg64;
} arch_info[] = {
	{ SC_ARCH_X86_64, AUDIT_ARCH_X86_64, true },
	{ SC_ARCH_X86, AUDIT_ARCH_I386, false },
	{ SC_ARCH_X32, AUDIT_ARCH_X86_64, true }, /* numbers with bit 30 set */
	{ SC_ARCH_AARCH64, AUDIT_ARCH_AARCH64, true },
	{ SC_ARCH_ARM, AUDIT_ARCH_ARM, false },
};

struct archcalls {
	const struct sc_systab *t; /* NULL: not listed (or no table) */
	struct call *calls;
	size_t n;
	size_t *idx;
};

static uint32_t wanted_archs(const struct oci_seccomp *s)
{
	uint32_t want = s->archs, have = 0;

	for (unsigned i = 0; i < sc_n_systabs; i++)
		have |= 1U << sc_systabs[i].arch;
	if (!s->has_archs)
		return 1U << sc_systabs[0].arch; /* the native one */
	for (int a = 0; a < OCI_SCMP_NARCHS; a++)
		if ((want & ~have) & (1U << a))
			log_debug("seccomp: %s is not run by this host, ignored", oci_scmp_arch_name((size_t)a));
	return want & have;
}

/* One audit arch: ld nr, then the tree over its number line. */
static size_t emit_block(struct emitter *em, const struct oci_seccomp *s, const struct archcalls *ac,
			 int arch, struct line *ln)
{
	const struct archcalls *own = &ac[arch];

	ln->n = 0;
	if (arch == SC_ARCH_X86_64) {
		const struct archcalls *x32 = &ac[SC_ARCH_X32];

		add_part(ln, s, 0, X32_BIT, own->t, own->calls, own->n);
		add_part(ln, s, X32_BIT, 0xffffffffU, x32->t, x32->calls, x32->n);
		/* -1 is "no syscall" (ptrace skips), not an x32 call */
		add_ret(ln, 0xffffffffU, s->default_action);
	} else {
		add_part(ln, s, 0, 1ULL << 32, own->t, own->calls, own->n);
	}
	if (ln->oom) {
		em->overflow = true;
		return em->n;
	}
	falls_to(em, emit_tree(em, s, ln->segs, 0, ln->n));
	return emit_ld(em, offsetof(struct seccomp_data, nr));
}

static void free_archcalls(struct archcalls *ac)
{
	for (int a = 0; a < OCI_SCMP_NARCHS; a++) {
		free(ac[a].calls);
		free(ac[a].idx);
	}
}

/* Names none of the listed architectures has (x86_64-only calls are no
 * news on x86). */
static void log_unknown(const struct oci_seccomp *s, const struct archcalls *ac)
{
	for (size_t r = 0; r < s->n_rules; r++) {
		for (size_t k = 0; k < s->rules[r].n_names; k++) {
			bool known = false;

			for (int a = 0; a < OCI_SCMP_NARCHS && !known; a++)
				known = ac[a].t != NULL && sc_syscall_nr(ac[a].t, s->rules[r].names[k]) >= 0;
			if (!known)
				log_debug("seccomp: syscall `%s` unknown, skipped", s->rules[r].names[k]);
		}
	}
}

static int build(struct emitter *em, const struct oci_seccomp *s, uint32_t want, struct cell_err *e)
{
	struct archcalls ac[OCI_SCMP_NARCHS] = { 0 };
	size_t blocks[OCI_SCMP_NARCHS];
	uint32_t audits[OCI_SCMP_NARCHS];
	struct line ln = { 0 };
	int nb = 0, r = -1;

	for (unsigned i = 0; i < sc_n_systabs; i++) {
		const struct sc_systab *t = &sc_systabs[i];
		struct archcalls *c = &ac[t->arch];

		if (!(want & (1U << t->arch)))
			continue;
		c->t = t;
		if (collect_calls(s, t, arch_info[t->arch].arg64, &c->calls, &c->n, &c->idx) < 0) {
			cell_err_errno(e, ENOMEM, "seccomp: compile");
			goto out;
		}
	}
	if (log_debug_enabled())
		log_unknown(s, ac);
	/* Blocks go last in the program, so they are emitted first. */
	for (int a = 0; a < OCI_SCMP_NARCHS; a++) {
		if (a == SC_ARCH_X32) /* inside the x86_64 block */
			continue;
		if (ac[a].t == NULL && !(a == SC_ARCH_X86_64 && ac[SC_ARCH_X32].t != NULL))
			continue;
		audits[nb] = arch_info[a].audit;
		blocks[nb++] = emit_block(em, s, ac, a, &ln);
	}
	size_t next = emit_ret(em, SECCOMP_RET_KILL_PROCESS); /* an architecture not listed */

	for (int b = nb; b-- > 0;)
		next = emit_jmp(em, BPF_JEQ, audits[b], blocks[b], next);
	falls_to(em, next);
	emit_ld(em, offsetof(struct seccomp_data, arch));
	if (em->overflow) {
		cell_err_errno(e, E2BIG, "linux.seccomp: the filter needs more than %d instructions",
			       BPF_MAXINSNS);
		goto out;
	}
	r = 0;
out:
	free(ln.segs);
	free_archcalls(ac);
	return r;
}

int seccomp_compile(const struct oci_seccomp *s, struct seccomp_prog **out, struct cell_err *e)
{
	static __thread struct sock_filter buf[BPF_MAXINSNS];
	struct emitter em = { .buf = buf, .cap = BPF_MAXINSNS };
	struct seccomp_prog *p;
	uint32_t want = wanted_archs(s);

	*out = NULL;
	if (want == 0)
		return cell_err_set(e, EINVAL,
				    "linux.seccomp.architectures: none of them runs on this host");
	if (build(&em, s, want, e) < 0)
		return -1;
	p = calloc(1, sizeof *p);
	if (p != NULL)
		p->insns = malloc(em.n * sizeof *p->insns);
	if (p == NULL || p->insns == NULL) {
		free(p);
		return cell_err_errno(e, ENOMEM, "seccomp: compile");
	}
	/* Emitted backwards: reverse into program order. */
	for (size_t i = 0; i < em.n; i++)
		p->insns[i] = em.buf[em.n - 1 - i];
	p->len = (unsigned short)em.n;
	p->profile = s;
	p->flags = s->flags;
	/* The kernel refuses it without a listener, where it means nothing. */
	if (!s->notify)
		p->flags &= ~(1U << 5) /* SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV */;
	if (s->notify) {
		p->flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
		/* TSYNC and a listener are exclusive unless TSYNC_ESRCH. */
		if (p->flags & SECCOMP_FILTER_FLAG_TSYNC)
			p->flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
	}
	*out = p;
	return 0;
}

int seccomp_prepare(const struct oci_config *cfg, struct seccomp_prog **out, struct cell_err *e)
{
	struct timespec t0, t1;

	*out = NULL;
	if (cfg->linux_.seccomp == NULL)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (seccomp_compile(cfg->linux_.seccomp, out, e) < 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	log_debug("seccomp: %u instructions, compiled in %ld us", (*out)->len,
		  (long)((t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000));
	return 0;
}

void seccomp_free(struct seccomp_prog *p)
{
	if (p == NULL)
		return;
	free(p->insns);
	free(p);
}
