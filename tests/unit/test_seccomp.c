/* linux.seccomp: the parser's fields and errors, and the compiled program
 * run by a small classic-BPF interpreter against the meaning of the
 * profile (every operator on 64-bit values, x32/i386, ENOSYS, long
 * programs that need trampolines, podman's default profile). */
#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../oci/config.h"
#include "../../seccomp/seccomp.h"
#include "../../seccomp/syscalls.h"
#include "t.h"
#include "tutil.h"

#define RET_KILL_PROCESS 0x80000000U

static void note_len(const char *what, unsigned len)
{
	printf("# %s: %u instructions\n", what, len);
}
#define ALLOW SECCOMP_RET_ALLOW
#define ERRNO(n) (SECCOMP_RET_ERRNO | (n))

/* ---- a classic BPF interpreter for what the compiler emits ---- */

static int bpf_bad;

static uint32_t run(const struct seccomp_prog *p, uint32_t arch, uint32_t nr, const uint64_t args[6])
{
	struct seccomp_data d = { .nr = (int)nr, .arch = arch };
	uint32_t A = 0;

	if (args)
		memcpy(d.args, args, sizeof d.args);
	for (unsigned pc = 0; pc < p->len; pc++) {
		const struct sock_filter *in = &p->insns[pc];

		switch (in->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (in->k > sizeof d - 4 || in->k % 4) {
				bpf_bad++;
				return 0;
			}
			memcpy(&A, (const char *)&d + in->k, 4);
			break;
		case BPF_ALU | BPF_AND | BPF_K: A &= in->k; break;
		case BPF_RET | BPF_K: return in->k;
		case BPF_JMP | BPF_JA: pc += in->k; break;
		case BPF_JMP | BPF_JEQ | BPF_K: pc += A == in->k ? in->jt : in->jf; break;
		case BPF_JMP | BPF_JGT | BPF_K: pc += A > in->k ? in->jt : in->jf; break;
		case BPF_JMP | BPF_JGE | BPF_K: pc += A >= in->k ? in->jt : in->jf; break;
		default: bpf_bad++; return 0;
		}
	}
	bpf_bad++; /* fell off the end */
	return 0;
}

/* json is a config without ociVersion: "{...}". */
static struct oci_config *parse(const char *json, struct cell_err *e)
{
	size_t n = strlen(json) + 64;
	char *full = malloc(n);
	struct oci_config *c;

	snprintf(full, n, "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"r\"},%s", json + 1);
	c = oci_config_parse(full, strlen(full), "config.json", e);
	free(full);
	return c;
}

/* Compile linux.seccomp of a config text; NULL (and a failed check) on error. */
static struct seccomp_prog *compile(const char *json, struct oci_config **cfgp)
{
	struct cell_err e = { 0 };
	struct seccomp_prog *p = NULL;
	struct oci_config *c = parse(json, &e);

	*cfgp = c;
	if (c == NULL) {
		T_FAIL("parse: %s", e.msg);
		return NULL;
	}
	if (seccomp_prepare(c, &p, &e) < 0 || p == NULL)
		T_FAIL("compile: %s", e.msg);
	return p;
}

static void done(struct seccomp_prog *p, struct oci_config *c)
{
	seccomp_free(p);
	oci_config_free(c);
}

static uint32_t nr_of(int arch, const char *name)
{
	int64_t n = sc_syscall_nr(sc_systab_for(arch), name);

	if (n < 0)
		T_FAIL("no syscall %s", name);
	return (uint32_t)n;
}

#define X64 AUDIT_ARCH_X86_64

static void tables(void)
{
	const struct sc_systab *t = sc_systab_for(SC_ARCH_X86_64);

	CHECK(t != NULL && t->n > 300);
	CHECK(sc_syscall_nr(t, "read") == 0 && sc_syscall_nr(t, "mkdir") == 83);
	CHECK(sc_syscall_nr(t, "no_such_call") == -1);
	CHECK(sc_syscall_nr(sc_systab_for(SC_ARCH_X86), "mkdir") == 39);
	CHECK(sc_syscall_nr(sc_systab_for(SC_ARCH_X32), "read") == 0x40000000);
	for (unsigned i = 1; i < t->n; i++)
		CHECK(strcmp(sc_ent_name(t, i - 1), sc_ent_name(t, i)) < 0);
	CHECK_STR(sc_syscall_name(t, 83), "mkdir");
}

static void deny_mkdir(void)
{
	struct oci_config *c;
	struct seccomp_prog *p = compile(
		"{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
		"{\"names\":[\"mkdir\",\"mkdirat\",\"no_such_call\"],\"action\":\"SCMP_ACT_ERRNO\"}]}}}",
		&c);

	if (!p)
		return done(p, c);
	CHECK(run(p, X64, 83, NULL) == ERRNO(EPERM));
	CHECK(run(p, X64, 258, NULL) == ERRNO(EPERM));
	CHECK(run(p, X64, 0, NULL) == ALLOW);
	CHECK(run(p, X64, 82, NULL) == ALLOW && run(p, X64, 84, NULL) == ALLOW);
	CHECK(run(p, X64, 5000, NULL) == ALLOW); /* no ENOSYS with an allow default */
	CHECK(run(p, X64, 0xffffffff, NULL) == ALLOW);
	/* Only the native arch is listed (none given): i386 and x32 die. */
	CHECK(run(p, AUDIT_ARCH_I386, 39, NULL) == RET_KILL_PROCESS);
	CHECK(run(p, X64, 0x40000000 | 83, NULL) == RET_KILL_PROCESS);
	CHECK(run(p, X64, 0x40000000, NULL) == RET_KILL_PROCESS);
	CHECK(run(p, AUDIT_ARCH_AARCH64, 0, NULL) == RET_KILL_PROCESS);
	CHECK(bpf_bad == 0);
	CHECK(p->len < 20);
	done(p, c);
}

static void archs_and_enosys(void)
{
	struct oci_config *c;
	struct seccomp_prog *p = compile(
		"{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1,"
		"\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\",\"SCMP_ARCH_S390X\"],"
		"\"syscalls\":[{\"names\":[\"read\",\"write\",\"exit\"],\"action\":\"SCMP_ACT_ALLOW\"},"
		"{\"names\":[\"getpid\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":99}]}}}",
		&c);
	const struct sc_systab *t64 = sc_systab_for(SC_ARCH_X86_64), *t32 = sc_systab_for(SC_ARCH_X86);
	const struct sc_systab *tx32 = sc_systab_for(SC_ARCH_X32);

	if (!p)
		return done(p, c);
	CHECK(run(p, X64, 0, NULL) == ALLOW && run(p, X64, 1, NULL) == ALLOW);
	CHECK(run(p, X64, nr_of(SC_ARCH_X86_64, "getpid"), NULL) == ERRNO(99));
	CHECK(run(p, X64, 83, NULL) == ERRNO(1));
	CHECK(run(p, X64, t64->max_nr, NULL) == ERRNO(1));
	CHECK(run(p, X64, t64->max_nr + 1, NULL) == ERRNO(ENOSYS));
	CHECK(run(p, X64, 0x3fffffff, NULL) == ERRNO(ENOSYS));
	CHECK(run(p, AUDIT_ARCH_I386, 3, NULL) == ALLOW); /* read */
	CHECK(run(p, AUDIT_ARCH_I386, 39, NULL) == ERRNO(1));
	CHECK(run(p, AUDIT_ARCH_I386, t32->max_nr + 1, NULL) == ERRNO(ENOSYS));
	CHECK(run(p, X64, 0x40000000, NULL) == ALLOW); /* x32 read */
	CHECK(run(p, X64, 0x40000000 | 83, NULL) == ERRNO(1));
	CHECK(run(p, X64, tx32->max_nr + 1, NULL) == ERRNO(ENOSYS));
	CHECK(run(p, X64, 0xffffffff, NULL) == ERRNO(1));
	CHECK(run(p, AUDIT_ARCH_ARM, 3, NULL) == RET_KILL_PROCESS);
	CHECK(bpf_bad == 0);
	done(p, c);
}

/* ---- every operator on 64-bit values against its meaning ---- */

static const char *const opnames[] = { "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ",
				       "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ" };

static bool holds(int op, uint64_t a, uint64_t v, uint64_t v2)
{
	switch (op) {
	case OCI_SCMP_NE: return a != v;
	case OCI_SCMP_LT: return a < v;
	case OCI_SCMP_LE: return a <= v;
	case OCI_SCMP_EQ: return a == v;
	case OCI_SCMP_GE: return a >= v;
	case OCI_SCMP_GT: return a > v;
	default: return (a & v) == v2;
	}
}

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Values that share halves with v, so every branch of the 64-bit compare
 * is reached. */
static uint64_t near(uint64_t v, uint64_t r)
{
	uint64_t hi = v >> 32, lo = v & 0xffffffff;

	switch (r % 7) {
	case 0: return v;
	case 1: return (hi << 32) | ((lo + 1) & 0xffffffff);
	case 2: return (hi << 32) | ((lo - 1) & 0xffffffff);
	case 3: return ((hi + 1) << 32) | lo;
	case 4: return ((hi - 1) << 32) | lo;
	case 5: return r;
	default: return lo;
	}
}

static void operators_64bit(void)
{
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	int checked = 0;

	for (int round = 0; round < 300; round++) {
		int op = round % 7;
		uint64_t v = next_rand(&seed), v2 = next_rand(&seed);
		unsigned idx = (unsigned)(next_rand(&seed) % 6);
		char json[1024];
		struct oci_config *c;
		struct seccomp_prog *p;

		if (round % 3 == 0)
			v = (v & 0xf) | (1ULL << 32); /* just above 2^32 */
		if (round % 5 == 0)
			v &= 0xffffffff; /* high half zero */
		if (op == OCI_SCMP_MASKED_EQ)
			v2 &= v;
		snprintf(json, sizeof json,
			 "{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
			 "\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\"],\"syscalls\":["
			 "{\"names\":[\"lseek\",\"_llseek\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":7,"
			 "\"args\":[{\"index\":%u,\"value\":%llu,\"valueTwo\":%llu,\"op\":\"%s\"}]}]}}}",
			 idx, (unsigned long long)v, (unsigned long long)v2, opnames[op]);
		p = compile(json, &c);
		if (!p)
			return done(p, c);
		for (int k = 0; k < 40; k++) {
			uint64_t args[6] = { 0 }, r = next_rand(&seed);
			uint64_t a = near(v, r);

			for (int j = 0; j < 6; j++)
				args[j] = next_rand(&seed);
			args[idx] = a;
			uint32_t want = holds(op, a, v, v2) ? ERRNO(7) : ALLOW;
			uint32_t got = run(p, X64, 8 /* lseek */, args);

			if (got != want)
				T_FAIL("x86_64 %s arg%u=%#llx value=%#llx two=%#llx: got %#x want %#x",
				       opnames[op], idx, (unsigned long long)a, (unsigned long long)v,
				       (unsigned long long)v2, got, want);
			/* i386 passes 32-bit arguments: the high half is zero. */
			args[idx] = a & 0xffffffff;
			want = holds(op, a & 0xffffffff, v, v2) ? ERRNO(7) : ALLOW;
			got = run(p, AUDIT_ARCH_I386, 140 /* _llseek */, args);
			if (got != want)
				T_FAIL("x86 %s arg%u=%#llx value=%#llx: got %#x want %#x", opnames[op], idx,
				       (unsigned long long)(a & 0xffffffff), (unsigned long long)v, got, want);
			checked++;
		}
		done(p, c);
	}
	CHECK(checked == 300 * 40);
	CHECK(bpf_bad == 0);
}

/* Several rules on one call: first match in order, AND within a rule;
 * an unconditional rule overrides the conditional ones. */
static void rule_order(void)
{
	struct oci_config *c;
	struct seccomp_prog *p = compile(
		"{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
		"{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":8,\"op\":\"SCMP_CMP_EQ\"}]},"
		"{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":22,\"args\":"
		"[{\"index\":0,\"value\":16,\"op\":\"SCMP_CMP_GE\"},{\"index\":0,\"value\":32,\"op\":\"SCMP_CMP_LT\"}]},"
		"{\"names\":[\"getpid\"],\"action\":\"SCMP_ACT_LOG\",\"args\":[{\"index\":1,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]},"
		"{\"names\":[\"getpid\"],\"action\":\"SCMP_ACT_ALLOW\"},"
		"{\"names\":[\"getpid\"],\"action\":\"SCMP_ACT_TRAP\"},"
		"{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_ERRNO\"}]}}}",
		&c);
	uint64_t a[6] = { 0 };
	uint32_t pers = 135, getpid = nr_of(SC_ARCH_X86_64, "getpid");

	if (!p)
		return done(p, c);
	a[0] = 8;
	CHECK(run(p, X64, pers, a) == ALLOW);
	a[0] = 20;
	CHECK(run(p, X64, pers, a) == ERRNO(22));
	a[0] = 40;
	CHECK(run(p, X64, pers, a) == ERRNO(EPERM));
	a[0] = 8 | (1ULL << 32);
	CHECK(run(p, X64, pers, a) == ERRNO(EPERM));
	a[1] = 1;
	CHECK(run(p, X64, getpid, a) == ALLOW);
	/* A rule with the default action is dropped: still the default. */
	CHECK(run(p, X64, nr_of(SC_ARCH_X86_64, "getppid"), NULL) == ERRNO(EPERM));
	CHECK(bpf_bad == 0);
	done(p, c);
}

/* Every syscall of the table listed, actions alternating, a few with
 * arguments: hundreds of segments, jumps further than 255 instructions. */
static void long_program(void)
{
	const struct sc_systab *t = sc_systab_for(SC_ARCH_X86_64);
	size_t cap = 1 << 20, n = 0;
	char *json = malloc(cap);
	struct oci_config *c;
	struct seccomp_prog *p;

	n += (size_t)snprintf(json + n, cap - n,
			      "{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_KILL_PROCESS\","
			      "\"architectures\":[\"SCMP_ARCH_X86_64\"],\"syscalls\":[");
	for (unsigned i = 0; i < t->n; i++) {
		const char *args = i % 9 == 0 ? ",\"args\":[{\"index\":2,\"value\":4294967296,\"op\":\"SCMP_CMP_GT\"}]" : "";

		n += (size_t)snprintf(json + n, cap - n,
				      "%s{\"names\":[\"%s\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":%u%s}",
				      i ? "," : "", sc_ent_name(t, i), 1 + sc_ent_nr(t, i) % 3, args);
	}
	snprintf(json + n, cap - n, "]}}}");
	p = compile(json, &c);
	free(json);
	if (!p)
		return done(p, c);
	for (unsigned i = 0; i < t->n; i++) {
		uint64_t a[6] = { 0 };
		uint32_t nr = sc_ent_nr(t, i), want = ERRNO(1 + nr % 3);

		if (i % 9 == 0) {
			CHECK(run(p, X64, nr, a) == RET_KILL_PROCESS);
			a[2] = (1ULL << 32) + 1;
		}
		if (run(p, X64, nr, a) != want)
			T_FAIL("%s (%u): got %#x want %#x", sc_ent_name(t, i), nr, run(p, X64, nr, a), want);
	}
	CHECK(run(p, X64, t->max_nr + 1, NULL) == RET_KILL_PROCESS);
	CHECK(bpf_bad == 0);
	note_len("long program", p->len);
	done(p, c);
}

/* Blocks and compares whose code is a single shared return, or a mask
 * with nothing to test: every fall-through must still land right. */
static void degenerate_blocks(void)
{
	struct oci_config *c;
	struct seccomp_prog *p = compile(
		"{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
		"\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\"],\"syscalls\":["
		"{\"names\":[\"newfstatat\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":3},"
		"{\"names\":[\"getpid\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":4,\"args\":"
		"[{\"index\":0,\"value\":0,\"valueTwo\":0,\"op\":\"SCMP_CMP_MASKED_EQ\"},"
		"{\"index\":1,\"value\":4294967296,\"valueTwo\":0,\"op\":\"SCMP_CMP_MASKED_EQ\"}]}]}}}",
		&c);
	uint64_t a[6] = { 0 };
	uint32_t gp = nr_of(SC_ARCH_X86_64, "getpid");

	if (!p)
		return done(p, c);
	CHECK(run(p, X64, nr_of(SC_ARCH_X86_64, "newfstatat"), NULL) == ERRNO(3));
	CHECK(run(p, X64, gp, a) == ERRNO(4));
	a[1] = 1ULL << 32;
	CHECK(run(p, X64, gp, a) == ALLOW);
	a[1] = 5;
	CHECK(run(p, X64, gp, a) == ERRNO(4));
	CHECK(bpf_bad == 0);
	done(p, c);
	/* i386 has no newfstatat: its block is one shared ALLOW. */
	p = compile("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
		    "\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\"],\"syscalls\":["
		    "{\"names\":[\"newfstatat\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":3}]}}}", &c);
	if (!p)
		return done(p, c);
	for (uint32_t nr = 0; nr < 500; nr++)
		CHECK(run(p, AUDIT_ARCH_I386, nr, NULL) == ALLOW);
	CHECK(run(p, X64, nr_of(SC_ARCH_X86_64, "newfstatat"), NULL) == ERRNO(3));
	CHECK(bpf_bad == 0);
	done(p, c);
}

static void parsed_fields(void)
{
	struct cell_err e = { 0 };
	struct oci_config *c = parse(
		"{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,"
		"\"architectures\":[\"SCMP_ARCH_X86\",\"SCMP_ARCH_AARCH64\",\"SCMP_ARCH_PPC64LE\"],"
		"\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\",\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"],"
		"\"listenerPath\":\"/run/l.sock\",\"listenerMetadata\":\"meta\","
		"\"syscalls\":[{\"names\":[\"a\",\"b\"],\"action\":\"SCMP_ACT_NOTIFY\"},"
		"{\"names\":[\"c\"],\"action\":\"SCMP_ACT_TRACE\",\"errnoRet\":5,\"args\":"
		"[{\"index\":5,\"value\":18446744073709551615,\"valueTwo\":2,\"op\":\"SCMP_CMP_MASKED_EQ\"}]},"
		"{\"names\":[],\"action\":\"SCMP_ACT_KILL\"}]}}}",
		&e);
	const struct oci_seccomp *s;

	if (!c) {
		T_FAIL("%s", e.msg);
		return;
	}
	s = c->linux_.seccomp;
	CHECK(s != NULL && c->linux_.seccomp_json != NULL);
	CHECK(s->default_action == ERRNO(38));
	CHECK(s->archs == ((1U << OCI_SCMP_X86) | (1U << OCI_SCMP_AARCH64)));
	CHECK(s->flags == (SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW));
	CHECK_STR(s->listener_path, "/run/l.sock");
	CHECK_STR(s->listener_metadata, "meta");
	CHECK(s->notify);
	CHECK(s->n_rules == 3 && s->rules[0].n_names == 2);
	CHECK_STR(s->rules[0].names[1], "b");
	CHECK(s->rules[0].action == 0x7fc00000U);
	CHECK(s->rules[1].action == (SECCOMP_RET_TRACE | 5));
	CHECK(s->rules[1].n_args == 1 && s->rules[1].args[0].index == 5);
	CHECK(s->rules[1].args[0].value == UINT64_MAX && s->rules[1].args[0].value_two == 2);
	CHECK(s->rules[1].args[0].op == OCI_SCMP_MASKED_EQ);
	CHECK(s->rules[2].action == SECCOMP_RET_KILL_THREAD && s->rules[2].n_names == 0);
	oci_config_free(c);
}

static void error_messages(void)
{
	static const struct {
		const char *seccomp, *msg;
	} cases[] = {
		{ "{}", "config.json: linux.seccomp.defaultAction: required" },
		{ "{\"defaultAction\":\"SCMP_ACT_FOO\"}", "config.json: linux.seccomp.defaultAction: unsupported action `SCMP_ACT_FOO`" },
		{ "{\"defaultAction\":1}", "config.json: linux.seccomp.defaultAction: must be a string" },
		{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":70000}", "config.json: linux.seccomp.defaultErrnoRet: must be between 0 and 4095" },
		{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_VAX\"]}", "config.json: linux.seccomp.architectures[1]: unsupported architecture `SCMP_ARCH_VAX`" },
		{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_NOPE\"]}", "config.json: linux.seccomp.flags[0]: unsupported flag `SECCOMP_FILTER_FLAG_NOPE`" },
		{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"action\":\"SCMP_ACT_ERRNO\"}]}", "config.json: linux.seccomp.syscalls[0].names: required" },
		{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"]}]}", "config.json: linux.seccomp.syscalls[0].action: required" },
		{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":6,\"op\":\"SCMP_CMP_EQ\"}]}]}", "config.json: linux.seccomp.syscalls[0].args[0].index: must be between 0 and 5" },
		{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":1,\"op\":\"SCMP_CMP_XX\"}]}]}", "config.json: linux.seccomp.syscalls[0].args[0].op: unsupported operator `SCMP_CMP_XX`" },
		{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":1}]}]}", "config.json: linux.seccomp.syscalls[0].args[0].op: required" },
		{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":1,\"value\":-1,\"op\":\"SCMP_CMP_EQ\"}]}]}", "config.json: linux.seccomp.syscalls[0].args[0].value: must be between 0 and 18446744073709551615" },
		{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}", "config.json: linux.seccomp.listenerPath: required with SCMP_ACT_NOTIFY" },
		{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"rel.sock\"}", "config.json: linux.seccomp.listenerPath: must be an absolute path" },
		{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[1],\"action\":\"SCMP_ACT_ERRNO\"}]}", "config.json: linux.seccomp.syscalls[0].names[0]: must be a string" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char json[1024];
		struct cell_err e = { 0 };
		struct oci_config *c;

		snprintf(json, sizeof json, "{\"linux\":{\"seccomp\":%s}}", cases[i].seccomp);
		c = parse(json, &e);
		if (c) {
			T_FAIL("case %zu parsed", i);
			oci_config_free(c);
			continue;
		}
		CHECK_STR(e.msg, cases[i].msg);
	}
	/* Valid, but nothing this host runs. */
	struct cell_err e = { 0 };
	struct seccomp_prog *p = NULL;
	struct oci_config *c = parse("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
				     "\"architectures\":[\"SCMP_ARCH_S390X\"]}}}", &e);

	CHECK(c != NULL);
	if (c) {
		CHECK(seccomp_prepare(c, &p, &e) < 0 && p == NULL);
		CHECK_STR(e.msg, "linux.seccomp.architectures: none of them runs on this host");
		oci_config_free(c);
	}
}

static void podman_sized_profile(void)
{
	const struct sc_systab *t = sc_systab_for(SC_ARCH_X86_64);
	size_t cap = 1 << 16, n = 0;
	char *json = malloc(cap);
	struct timespec a, b;
	struct oci_config *c;
	struct seccomp_prog *p;

	/* podman-sized: ~370 names allowed, three arches, an errno default. */
	n += (size_t)snprintf(json + n, cap - n,
			      "{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,"
			      "\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"],"
			      "\"syscalls\":[{\"names\":[");
	for (unsigned i = 0; i < t->n; i++)
		if (i % 11)
			n += (size_t)snprintf(json + n, cap - n, "%s\"%s\"", n && json[n - 1] != '[' ? "," : "",
					      sc_ent_name(t, i));
	snprintf(json + n, cap - n, "],\"action\":\"SCMP_ACT_ALLOW\"}]}}}");
	struct cell_err e = { 0 };
	double parse_us, compile_us;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < 100; i++) {
		c = parse(json, &e);
		if (!c) {
			T_FAIL("%s", e.msg);
			free(json);
			return;
		}
		if (i < 99)
			oci_config_free(c);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	parse_us = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / 1e3 / 100;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < 100; i++) {
		if (seccomp_prepare(c, &p, &e) < 0) {
			T_FAIL("%s", e.msg);
			break;
		}
		seccomp_free(p);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	compile_us = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / 1e3 / 100;
	oci_config_free(c);
	/* The figures are for reading only: speed is checked by
	 * bench/seccomp.sh, not by a timed test (it failed under load). */
	printf("# podman-sized profile: parse %.0f us, compile %.0f us\n", parse_us, compile_us);
	free(json);
}

int main(void)
{
	RUN(tables);
	RUN(deny_mkdir);
	RUN(archs_and_enosys);
	RUN(operators_64bit);
	RUN(rule_order);
	RUN(long_program);
	RUN(degenerate_blocks);
	RUN(parsed_fields);
	RUN(error_messages);
	RUN(podman_sized_profile);
	return t_done();
}
