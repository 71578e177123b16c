/* `cell seccomp-dump`: the program in readable form, one instruction a
 * line with absolute jump targets, return values by name and, after an
 * architecture check, syscall numbers by name. */
#include <linux/audit.h>
#include <stddef.h>

#include "kernel.h"
#include "seccomp.h"
#include "syscalls.h"

static void print_ret(FILE *f, uint32_t k)
{
	uint32_t data = k & SECCOMP_RET_DATA;

	switch (k & SECCOMP_RET_ACTION_FULL) {
	case SECCOMP_RET_KILL_PROCESS: fprintf(f, "KILL_PROCESS"); break;
	case SECCOMP_RET_KILL_THREAD: fprintf(f, "KILL_THREAD"); break;
	case SECCOMP_RET_TRAP: fprintf(f, "TRAP"); break;
	case SECCOMP_RET_ERRNO: fprintf(f, "ERRNO(%u)", data); return;
	case SECCOMP_RET_TRACE: fprintf(f, "TRACE(%u)", data); return;
	case SECCOMP_RET_ALLOW: fprintf(f, "ALLOW"); break;
	case SECCOMP_RET_LOG: fprintf(f, "LOG"); break;
	case SECCOMP_RET_USER_NOTIF: fprintf(f, "NOTIFY"); break;
	default: fprintf(f, "%#x", k); return;
	}
}

static const char *audit_name(uint32_t a)
{
	switch (a) {
	case AUDIT_ARCH_X86_64: return "x86_64";
	case AUDIT_ARCH_I386: return "x86";
	case AUDIT_ARCH_AARCH64: return "aarch64";
	case AUDIT_ARCH_ARM: return "arm";
	default: return NULL;
	}
}

static const struct sc_systab *table_of(uint32_t audit, uint32_t nr)
{
	switch (audit) {
	case AUDIT_ARCH_X86_64:
		return sc_systab_for(nr & 0x40000000U ? SC_ARCH_X32 : SC_ARCH_X86_64);
	case AUDIT_ARCH_I386: return sc_systab_for(SC_ARCH_X86);
	case AUDIT_ARCH_AARCH64: return sc_systab_for(SC_ARCH_AARCH64);
	case AUDIT_ARCH_ARM: return sc_systab_for(SC_ARCH_ARM);
	default: return NULL;
	}
}

static void print_field(FILE *f, uint32_t off)
{
	if (off == offsetof(struct seccomp_data, nr))
		fprintf(f, "nr");
	else if (off == offsetof(struct seccomp_data, arch))
		fprintf(f, "arch");
	else if (off >= 16 && off < 64)
		fprintf(f, "args[%u].%s", (off - 16) / 8, (off % 8) ? "hi" : "lo");
	else
		fprintf(f, "[%u]", off);
}

void seccomp_dump(const struct seccomp_prog *p, FILE *f)
{
	/* Which audit arch each instruction is reached under: the block
	 * after `jeq ARCH` is that arch's, up to the next such block. */
	uint32_t block_arch[BPF_MAXINSNS] = { 0 };
	bool loads_nr = false;

	for (unsigned i = 0; i < p->len; i++) {
		const struct sock_filter *in = &p->insns[i];

		if (in->code == (BPF_JMP | BPF_JEQ | BPF_K) && audit_name(in->k) && !loads_nr) {
			unsigned t = i + 1 + in->jt;

			if (t < p->len)
				block_arch[t] = in->k;
		}
		if (in->code == (BPF_LD | BPF_W | BPF_ABS) && in->k == offsetof(struct seccomp_data, nr))
			loads_nr = true;
	}
	uint32_t arch = 0;
	bool nr_in_a = false;

	fprintf(f, "# %u instructions\n", p->len);
	for (unsigned i = 0; i < p->len; i++) {
		const struct sock_filter *in = &p->insns[i];
		uint16_t cls = BPF_CLASS(in->code);

		if (block_arch[i]) {
			arch = block_arch[i];
			fprintf(f, "# %s\n", audit_name(arch));
		}
		fprintf(f, "%04u: ", i);
		if (cls == BPF_LD) {
			fprintf(f, "ld ");
			print_field(f, in->k);
			nr_in_a = in->k == offsetof(struct seccomp_data, nr);
		} else if (cls == BPF_RET) {
			fprintf(f, "ret ");
			print_ret(f, in->k);
			nr_in_a = arch != 0; /* what follows is reached from the tree */
		} else if (cls == BPF_ALU) {
			fprintf(f, "and %#x", in->k);
		} else if (in->code == (BPF_JMP | BPF_JA)) {
			fprintf(f, "ja %04u", i + 1 + in->k);
		} else if (cls == BPF_JMP) {
			static const char *const ops[] = { [BPF_JEQ >> 4] = "jeq", [BPF_JGT >> 4] = "jgt",
							   [BPF_JGE >> 4] = "jge", [BPF_JSET >> 4] = "jset" };
			const char *op = ops[BPF_OP(in->code) >> 4];
			const struct sc_systab *t = nr_in_a ? table_of(arch, in->k) : NULL;
			const char *name = t ? sc_syscall_name(t, in->k) : NULL;

			fprintf(f, "%s %#x, %04u, %04u", op ? op : "j?", in->k, i + 1 + in->jt, i + 1 + in->jf);
			if (name)
				fprintf(f, "  # %s", name);
			else if (!nr_in_a && audit_name(in->k))
				fprintf(f, "  # %s", audit_name(in->k));
		} else {
			fprintf(f, "code %#x k %#x", in->code, in->k);
		}
		fputc('\n', f);
	}
}
