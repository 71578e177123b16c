/* linux.seccomp: decoded at load time like every other section, so a bad
 * profile fails `create` before anything exists and the error names the
 * field. Syscall names stay strings; seccomp/ maps them per architecture
 * (an unknown name is skipped there, as libseccomp-based runtimes do). */
#include <errno.h>
#include <string.h>

#include "../seccomp/kernel.h"
#include "config_internal.h"

#define MAX_ERRNO_RET 4095 /* the kernel clamps SECCOMP_RET_ERRNO data to this */

static const struct {
	const char *name;
	uint32_t ret;
} actions[] = {
	{ "SCMP_ACT_KILL", SECCOMP_RET_KILL_THREAD },
	{ "SCMP_ACT_KILL_PROCESS", SECCOMP_RET_KILL_PROCESS },
	{ "SCMP_ACT_KILL_THREAD", SECCOMP_RET_KILL_THREAD },
	{ "SCMP_ACT_TRAP", SECCOMP_RET_TRAP },
	{ "SCMP_ACT_ERRNO", SECCOMP_RET_ERRNO },
	{ "SCMP_ACT_TRACE", SECCOMP_RET_TRACE },
	{ "SCMP_ACT_ALLOW", SECCOMP_RET_ALLOW },
	{ "SCMP_ACT_LOG", SECCOMP_RET_LOG },
	{ "SCMP_ACT_NOTIFY", SECCOMP_RET_USER_NOTIF },
};

static const char *const ops[OCI_SCMP_NOPS] = {
	[OCI_SCMP_NE] = "SCMP_CMP_NE", [OCI_SCMP_LT] = "SCMP_CMP_LT",
	[OCI_SCMP_LE] = "SCMP_CMP_LE", [OCI_SCMP_EQ] = "SCMP_CMP_EQ",
	[OCI_SCMP_GE] = "SCMP_CMP_GE", [OCI_SCMP_GT] = "SCMP_CMP_GT",
	[OCI_SCMP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

static const char *const archs[OCI_SCMP_NARCHS] = {
	[OCI_SCMP_X86_64] = "SCMP_ARCH_X86_64", [OCI_SCMP_X86] = "SCMP_ARCH_X86",
	[OCI_SCMP_X32] = "SCMP_ARCH_X32", [OCI_SCMP_AARCH64] = "SCMP_ARCH_AARCH64",
	[OCI_SCMP_ARM] = "SCMP_ARCH_ARM",
};

/* Architectures of other machines: valid in a profile (Docker's and
 * podman's list them), never seen by this kernel, so they are ignored. */
static const char *const foreign_archs[] = {
	"SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",
	"SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
	"SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC",
	"SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",
	"SCMP_ARCH_SH", "SCMP_ARCH_SHEB",
};

static const struct {
	const char *name;
	uint32_t flag;
} flags[] = {
	{ "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC },
	{ "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
	{ "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
	{ "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const char *oci_scmp_op_name(size_t i) { return i < NELEM(ops) ? ops[i] : NULL; }
const char *oci_scmp_arch_name(size_t i) { return i < NELEM(archs) ? archs[i] : NULL; }
const char *oci_scmp_action_name(size_t i) { return i < NELEM(actions) ? actions[i].name : NULL; }
uint32_t oci_scmp_action_value(size_t i) { return i < NELEM(actions) ? actions[i].ret : 0; }
const char *oci_scmp_flag_name(size_t i) { return i < NELEM(flags) ? flags[i].name : NULL; }
uint32_t oci_scmp_flag_value(size_t i) { return i < NELEM(flags) ? flags[i].flag : 0; }

/* A string member matched against a table of names; -1 with the error
 * naming the field and the value when it is not one of them. */
static int get_enum(struct oci_ctx *x, size_t v, const char *(*name)(size_t), const char *what)
{
	const char *s;

	if (oci_expect(x, v, JSON_STRING) < 0)
		return -1;
	for (size_t i = 0; (s = name(i)) != NULL; i++)
		if (json_str_eq(x->d, v, s))
			return (int)i;
	char buf[64];
	size_t n = json_str_len(x->d, v);

	if (n >= sizeof buf || json_str_has_nul(x->d, v))
		return oci_ferr(x, "unsupported %s", what);
	json_str_decode(x->d, v, buf);
	return oci_ferr(x, "unsupported %s `%s`", what, buf);
}

/* The action plus errnoRet: data only ERRNO and TRACE carry. */
struct action_in {
	int action; /* index into actions[], -1 when absent */
	bool has_errno;
	uint32_t errno_ret;
};

static uint32_t action_value(const struct action_in *a)
{
	uint32_t ret = actions[a->action].ret;

	if (ret == SECCOMP_RET_ERRNO)
		return ret | (a->has_errno ? a->errno_ret : EPERM);
	if (ret == SECCOMP_RET_TRACE && a->has_errno)
		return ret | a->errno_ret;
	return ret;
}

static int get_action(struct oci_ctx *x, size_t v, struct action_in *a)
{
	int i = get_enum(x, v, oci_scmp_action_name, "action");

	if (i < 0)
		return -1;
	a->action = i;
	return 0;
}

static int get_errno_ret(struct oci_ctx *x, size_t v, struct action_in *a)
{
	int64_t n;

	if (oci_get_i64(x, v, 0, MAX_ERRNO_RET, &n) < 0)
		return -1;
	a->has_errno = true;
	a->errno_ret = (uint32_t)n;
	return 0;
}

struct arg_in {
	struct oci_scmp_arg *a;
	bool has_index, has_op;
};

static int arg_field(struct oci_ctx *x, size_t v, void *obj)
{
	struct arg_in *in = obj;
	const struct oci_pseg *k = &x->seg[x->depth - 1];
	int64_t n;
	int op;

	if (strcmp(k->key, "index") == 0) {
		if (oci_get_i64(x, v, 0, 5, &n) < 0)
			return -1;
		in->a->index = (uint32_t)n;
		in->has_index = true;
		return 0;
	}
	if (strcmp(k->key, "value") == 0)
		return oci_get_u64(x, v, &in->a->value);
	if (strcmp(k->key, "valueTwo") == 0)
		return oci_get_u64(x, v, &in->a->value_two);
	op = get_enum(x, v, oci_scmp_op_name, "operator");
	if (op < 0)
		return -1;
	in->a->op = (enum oci_scmp_op)op;
	in->has_op = true;
	return 0;
}

static const struct oci_field arg_fields[] = {
	OFIELD_FN("index", arg_field),
	OFIELD_FN("value", arg_field),
	OFIELD_FN("valueTwo", arg_field),
	OFIELD_FN("op", arg_field),
	OFIELD_END,
};

static int arg_elem(struct oci_ctx *x, size_t v, void *obj)
{
	struct arg_in in = { .a = obj };

	if (oci_decode_object(x, v, arg_fields, &in) < 0)
		return -1;
	if (!in.has_index)
		return oci_required(x, "index");
	if (!in.has_op)
		return oci_required(x, "op");
	return 0;
}

struct rule_in {
	struct oci_scmp_rule *r;
	struct action_in act;
};

static int rule_names(struct oci_ctx *x, size_t v, void *obj)
{
	struct rule_in *in = obj;

	return oci_get_strv(x, v, false, &in->r->names, &in->r->n_names);
}

static int rule_action(struct oci_ctx *x, size_t v, void *obj)
{
	return get_action(x, v, &((struct rule_in *)obj)->act);
}

static int rule_errno(struct oci_ctx *x, size_t v, void *obj)
{
	return get_errno_ret(x, v, &((struct rule_in *)obj)->act);
}

static int rule_args(struct oci_ctx *x, size_t v, void *obj)
{
	struct oci_scmp_rule *r = ((struct rule_in *)obj)->r;

	return oci_decode_array(x, v, sizeof *r->args, (void **)&r->args, &r->n_args, arg_elem);
}

static const struct oci_field rule_fields[] = {
	OFIELD_FN("names", rule_names),
	OFIELD_FN("action", rule_action),
	OFIELD_FN("errnoRet", rule_errno),
	OFIELD_FN("args", rule_args),
	OFIELD_END,
};

static int rule_elem(struct oci_ctx *x, size_t v, void *obj)
{
	struct rule_in in = { .r = obj, .act = { .action = -1 } };

	if (oci_decode_object(x, v, rule_fields, &in) < 0)
		return -1;
	if (in.r->names == NULL)
		return oci_required(x, "names");
	if (in.act.action < 0)
		return oci_required(x, "action");
	in.r->action = action_value(&in.act);
	return 0;
}

struct seccomp_in {
	struct oci_seccomp *s;
	struct action_in def;
};

static int sc_default(struct oci_ctx *x, size_t v, void *obj)
{
	return get_action(x, v, &((struct seccomp_in *)obj)->def);
}

static int sc_default_errno(struct oci_ctx *x, size_t v, void *obj)
{
	return get_errno_ret(x, v, &((struct seccomp_in *)obj)->def);
}

static int sc_archs(struct oci_ctx *x, size_t v, void *obj)
{
	struct oci_seccomp *s = ((struct seccomp_in *)obj)->s;
	size_t k, i;

	if (oci_expect(x, v, JSON_ARRAY) < 0)
		return -1;
	s->has_archs = x->d->toks[v].count > 0;
	for (k = 0, i = json_child(v); k < x->d->toks[v].count; k++, i = json_next(x->d, i)) {
		size_t old = oci_path_idx(x, k);
		bool foreign = false;

		for (size_t f = 0; f < NELEM(foreign_archs); f++)
			foreign = foreign || (x->d->toks[i].type == JSON_STRING &&
					      json_str_eq(x->d, i, foreign_archs[f]));
		if (!foreign) {
			int a = get_enum(x, i, oci_scmp_arch_name, "architecture");

			if (a < 0)
				return -1;
			s->archs |= 1U << a;
		}
		oci_path_pop(x, old);
	}
	return 0;
}

static int sc_flags(struct oci_ctx *x, size_t v, void *obj)
{
	struct oci_seccomp *s = ((struct seccomp_in *)obj)->s;
	size_t k, i;

	if (oci_expect(x, v, JSON_ARRAY) < 0)
		return -1;
	for (k = 0, i = json_child(v); k < x->d->toks[v].count; k++, i = json_next(x->d, i)) {
		size_t old = oci_path_idx(x, k);
		int f = get_enum(x, i, oci_scmp_flag_name, "flag");

		if (f < 0)
			return -1;
		s->flags |= flags[f].flag;
		oci_path_pop(x, old);
	}
	return 0;
}

static int sc_syscalls(struct oci_ctx *x, size_t v, void *obj)
{
	struct oci_seccomp *s = ((struct seccomp_in *)obj)->s;

	return oci_decode_array(x, v, sizeof *s->rules, (void **)&s->rules, &s->n_rules, rule_elem);
}

/* Strings where "" means unset, as Go's omitempty writes them. */
static int opt_str(struct oci_ctx *x, size_t v, char **out)
{
	if (oci_get_str(x, v, out) < 0)
		return -1;
	if (**out == '\0')
		*out = NULL;
	return 0;
}

static int sc_listener_path(struct oci_ctx *x, size_t v, void *obj)
{
	struct oci_seccomp *s = ((struct seccomp_in *)obj)->s;

	if (opt_str(x, v, &s->listener_path) < 0)
		return -1;
	if (s->listener_path != NULL && s->listener_path[0] != '/')
		return oci_ferr(x, "must be an absolute path");
	return 0;
}

static int sc_listener_metadata(struct oci_ctx *x, size_t v, void *obj)
{
	return opt_str(x, v, &((struct seccomp_in *)obj)->s->listener_metadata);
}

static const struct oci_field seccomp_fields[] = {
	OFIELD_FN("defaultAction", sc_default),
	OFIELD_FN("defaultErrnoRet", sc_default_errno),
	OFIELD_FN("architectures", sc_archs),
	OFIELD_FN("flags", sc_flags),
	OFIELD_FN("listenerPath", sc_listener_path),
	OFIELD_FN("listenerMetadata", sc_listener_metadata),
	OFIELD_FN("syscalls", sc_syscalls),
	OFIELD_END,
};

int oci_parse_seccomp(struct oci_ctx *x, size_t v, void *obj)
{
	struct oci_linux *l = obj;
	struct seccomp_in in = { .def = { .action = -1 } };
	struct oci_seccomp *s;

	if (oci_get_raw(x, v, &l->seccomp_json) < 0)
		return -1;
	s = in.s = oci_arena_alloc(x->a, sizeof *in.s);
	if (s == NULL)
		return oci_oom(x);
	if (oci_decode_object(x, v, seccomp_fields, &in) < 0)
		return -1;
	if (in.def.action < 0)
		return oci_required(x, "defaultAction");
	s->default_action = action_value(&in.def);
	s->notify = s->default_action == SECCOMP_RET_USER_NOTIF;
	for (size_t i = 0; i < s->n_rules; i++)
		s->notify = s->notify || s->rules[i].action == SECCOMP_RET_USER_NOTIF;
	/* The runtime spec: listenerPath MUST be set when NOTIFY is used. */
	if (s->notify && s->listener_path == NULL) {
		oci_path_key(x, "listenerPath");
		return oci_ferr(x, "required with SCMP_ACT_NOTIFY");
	}
	l->seccomp = s;
	return 0;
}
