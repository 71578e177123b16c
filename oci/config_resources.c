/* linux.resources: decoding and the range checks that do not depend on
 * the host (those that do are cgroup/'s). Zero means "not set" where runc
 * treats it so (shares, weight, period, pids.limit), so configs written
 * for runc mean the same here. */
#include <errno.h>
#include <string.h>

#include "config_internal.h"

#define R struct oci_resources

static int get_num(struct oci_ctx *x, size_t v, int64_t min, int64_t max, struct oci_num *out)
{
	if (oci_get_i64(x, v, min, max, &out->v) < 0)
		return -1;
	out->set = true;
	return 0;
}

static int get_any(struct oci_ctx *x, size_t v, struct oci_num *out)
{
	return get_num(x, v, INT64_MIN, INT64_MAX, out);
}

static int get_unsigned(struct oci_ctx *x, size_t v, struct oci_num *out)
{
	return get_num(x, v, 0, INT64_MAX, out);
}

/* ---- memory ---- */

#define MEM_NUM(name, m)                                                   \
	static int mem_##name(struct oci_ctx *x, size_t v, void *obj)      \
	{                                                                  \
		return get_any(x, v, &((struct oci_res_memory *)obj)->m);  \
	}
MEM_NUM(limit, limit)
MEM_NUM(reservation, reservation)
MEM_NUM(swap, swap)
MEM_NUM(kernel, kernel)
MEM_NUM(kernel_tcp, kernel_tcp)

/* uint64 in the spec; Docker writes 2^64-1 for "not set". */
static int mem_swappiness(struct oci_ctx *x, size_t v, void *obj)
{
	struct oci_res_memory *m = obj;
	uint64_t n;

	if (oci_get_u64(x, v, &n) < 0)
		return -1;
	if (n == UINT64_MAX)
		return 0;
	if (n > 100)
		return oci_ferr(x, "must be between 0 and 100");
	m->swappiness.set = true;
	m->swappiness.v = (int64_t)n;
	return 0;
}

static int mem_disable_oom(struct oci_ctx *x, size_t v, void *obj)
{
	struct oci_res_memory *m = obj;

	m->has_disable_oom_killer = true;
	return oci_get_bool(x, v, &m->disable_oom_killer);
}

static int mem_use_hierarchy(struct oci_ctx *x, size_t v, void *obj)
{
	struct oci_res_memory *m = obj;

	m->has_use_hierarchy = true;
	return oci_get_bool(x, v, &m->use_hierarchy);
}

static const struct oci_field memory_fields[] = {
	OFIELD_FN("limit", mem_limit),
	OFIELD_FN("reservation", mem_reservation),
	OFIELD_FN("swap", mem_swap),
	OFIELD_FN("kernel", mem_kernel),
	OFIELD_FN("kernelTCP", mem_kernel_tcp),
	OFIELD_FN("swappiness", mem_swappiness),
	OFIELD_FN("disableOOMKiller", mem_disable_oom),
	OFIELD_FN("useHierarchy", mem_use_hierarchy),
	OFIELD("checkBeforeUpdate", OF_BOOL, struct oci_res_memory, check_before_update),
	OFIELD_END,
};

/* -1 is "unlimited"; other negative values mean nothing. */
static int check_limit(struct oci_ctx *x, const char *key, const struct oci_num *n)
{
	size_t old;

	if (!n->set || n->v >= -1)
		return 0;
	old = oci_path_key(x, key);
	oci_ferr(x, "must be -1 (unlimited) or a byte count");
	oci_path_pop(x, old);
	return -1;
}

static int res_memory(struct oci_ctx *x, size_t v, void *obj)
{
	R *r = obj;
	struct oci_res_memory *m = &r->memory;

	r->has_memory = true;
	if (oci_decode_object(x, v, memory_fields, m) < 0)
		return -1;
	if (check_limit(x, "limit", &m->limit) < 0 || check_limit(x, "swap", &m->swap) < 0 ||
	    check_limit(x, "reservation", &m->reservation) < 0)
		return -1;
	/* OCI's swap is memory+swap: it cannot be below the memory limit. */
	if (m->limit.set && m->swap.set && m->limit.v > 0 && m->swap.v > 0 && m->swap.v < m->limit.v) {
		size_t old = oci_path_key(x, "swap");

		oci_ferr(x, "must not be below memory.limit (%lld): it limits memory plus swap",
			 (long long)m->limit.v);
		oci_path_pop(x, old);
		return -1;
	}
	return 0;
}

/* ---- cpu ---- */

#define CPU_NUM(name, m, getter)                                          \
	static int cpu_##name(struct oci_ctx *x, size_t v, void *obj)     \
	{                                                                 \
		return getter(x, v, &((struct oci_res_cpu *)obj)->m);     \
	}
CPU_NUM(shares, shares, get_unsigned)
CPU_NUM(quota, quota, get_any)
CPU_NUM(burst, burst, get_unsigned)
CPU_NUM(period, period, get_unsigned)
CPU_NUM(rt_runtime, rt_runtime, get_any)
CPU_NUM(rt_period, rt_period, get_unsigned)

static int cpu_idle(struct oci_ctx *x, size_t v, void *obj)
{
	return get_num(x, v, 0, 1, &((struct oci_res_cpu *)obj)->idle);
}

static const struct oci_field cpu_fields[] = {
	OFIELD_FN("shares", cpu_shares),
	OFIELD_FN("quota", cpu_quota),
	OFIELD_FN("burst", cpu_burst),
	OFIELD_FN("period", cpu_period),
	OFIELD_FN("realtimeRuntime", cpu_rt_runtime),
	OFIELD_FN("realtimePeriod", cpu_rt_period),
	OFIELD("cpus", OF_OPTSTR, struct oci_res_cpu, cpus),
	OFIELD("mems", OF_OPTSTR, struct oci_res_cpu, mems),
	OFIELD_FN("idle", cpu_idle),
	OFIELD_END,
};

/* "0-3,5": digits, commas and dashes only; the kernel checks the rest. */
static int check_cpu_list(struct oci_ctx *x, const char *key, const char *s)
{
	size_t old;

	if (s == NULL || strspn(s, "0123456789,- \n") == strlen(s))
		return 0;
	old = oci_path_key(x, key);
	oci_ferr(x, "`%s` is not a list of numbers and ranges", s);
	oci_path_pop(x, old);
	return -1;
}

static int res_cpu(struct oci_ctx *x, size_t v, void *obj)
{
	R *r = obj;

	r->has_cpu = true;
	if (oci_decode_object(x, v, cpu_fields, &r->cpu) < 0)
		return -1;
	return check_cpu_list(x, "cpus", r->cpu.cpus) < 0 ? -1 : check_cpu_list(x, "mems", r->cpu.mems);
}

/* ---- pids ---- */

static int pids_limit(struct oci_ctx *x, size_t v, void *obj)
{
	return get_any(x, v, &((R *)obj)->pids_limit);
}

static const struct oci_field pids_fields[] = {
	OFIELD_FN("limit", pids_limit),
	OFIELD_END,
};

static int res_pids(struct oci_ctx *x, size_t v, void *obj)
{
	((R *)obj)->has_pids = true;
	return oci_decode_object(x, v, pids_fields, obj);
}

/* ---- blockIO ---- */

/* Weights: 10..1000 on v1 (0 = not set), mapped onto io.weight on v2. */
static int get_weight(struct oci_ctx *x, size_t v, struct oci_num *out)
{
	if (get_num(x, v, 0, 1000, out) < 0)
		return -1;
	if (out->v == 0) {
		out->set = false;
		return 0;
	}
	if (out->v < 10)
		return oci_ferr(x, "must be between 10 and 1000");
	return 0;
}

static int dev_major(struct oci_ctx *x, size_t v, void *obj)
{
	return oci_get_i64(x, v, 0, UINT32_MAX, (int64_t *)obj);
}

static int dev_minor(struct oci_ctx *x, size_t v, void *obj)
{
	return oci_get_i64(x, v, 0, UINT32_MAX, (int64_t *)obj + 1);
}

static int wdev_weight(struct oci_ctx *x, size_t v, void *obj)
{
	return get_weight(x, v, &((struct oci_res_weight_dev *)obj)->weight);
}

static int wdev_leaf_weight(struct oci_ctx *x, size_t v, void *obj)
{
	return get_weight(x, v, &((struct oci_res_weight_dev *)obj)->leaf_weight);
}

_Static_assert(offsetof(struct oci_res_weight_dev, minor) == sizeof(int64_t), "major, minor first");
_Static_assert(offsetof(struct oci_res_throttle_dev, minor) == sizeof(int64_t), "major, minor first");

static const struct oci_field wdev_fields[] = {
	OFIELD_FN("major", dev_major),
	OFIELD_FN("minor", dev_minor),
	OFIELD_FN("weight", wdev_weight),
	OFIELD_FN("leafWeight", wdev_leaf_weight),
	OFIELD_END,
};

static int blk_major_minor_required(struct oci_ctx *x, size_t v)
{
	if (json_obj_get(x->d, v, "major") == 0)
		return oci_required(x, "major");
	if (json_obj_get(x->d, v, "minor") == 0)
		return oci_required(x, "minor");
	return 0;
}

static int wdev_elem(struct oci_ctx *x, size_t v, void *obj)
{
	if (oci_decode_object(x, v, wdev_fields, obj) < 0)
		return -1;
	return blk_major_minor_required(x, v);
}

static int tdev_rate(struct oci_ctx *x, size_t v, void *obj)
{
	return oci_get_u64(x, v, &((struct oci_res_throttle_dev *)obj)->rate);
}

static const struct oci_field tdev_fields[] = {
	OFIELD_FN("major", dev_major),
	OFIELD_FN("minor", dev_minor),
	OFIELD_FN("rate", tdev_rate),
	OFIELD_END,
};

static int tdev_elem(struct oci_ctx *x, size_t v, void *obj)
{
	if (oci_decode_object(x, v, tdev_fields, obj) < 0)
		return -1;
	if (json_obj_get(x->d, v, "rate") == 0)
		return oci_required(x, "rate");
	return blk_major_minor_required(x, v);
}

static int blk_weight(struct oci_ctx *x, size_t v, void *obj)
{
	return get_weight(x, v, &((struct oci_res_blkio *)obj)->weight);
}

static int blk_leaf_weight(struct oci_ctx *x, size_t v, void *obj)
{
	return get_weight(x, v, &((struct oci_res_blkio *)obj)->leaf_weight);
}

static int blk_weight_devs(struct oci_ctx *x, size_t v, void *obj)
{
	struct oci_res_blkio *b = obj;

	return oci_decode_array(x, v, sizeof *b->weight_devs, (void **)&b->weight_devs,
				&b->n_weight_devs, wdev_elem);
}

#define BLK_THROTTLE(name, kind)                                                               \
	static int blk_##name(struct oci_ctx *x, size_t v, void *obj)                          \
	{                                                                                      \
		struct oci_res_blkio *b = obj;                                                 \
		return oci_decode_array(x, v, sizeof(struct oci_res_throttle_dev),             \
					(void **)&b->throttle[kind], &b->n_throttle[kind], tdev_elem); \
	}
BLK_THROTTLE(read_bps, OCI_THROTTLE_READ_BPS)
BLK_THROTTLE(write_bps, OCI_THROTTLE_WRITE_BPS)
BLK_THROTTLE(read_iops, OCI_THROTTLE_READ_IOPS)
BLK_THROTTLE(write_iops, OCI_THROTTLE_WRITE_IOPS)

static const struct oci_field blkio_fields[] = {
	OFIELD_FN("weight", blk_weight),
	OFIELD_FN("leafWeight", blk_leaf_weight),
	OFIELD_FN("weightDevice", blk_weight_devs),
	OFIELD_FN("throttleReadBpsDevice", blk_read_bps),
	OFIELD_FN("throttleWriteBpsDevice", blk_write_bps),
	OFIELD_FN("throttleReadIOPSDevice", blk_read_iops),
	OFIELD_FN("throttleWriteIOPSDevice", blk_write_iops),
	OFIELD_END,
};

static int res_blkio(struct oci_ctx *x, size_t v, void *obj)
{
	R *r = obj;

	r->has_blkio = true;
	return oci_decode_object(x, v, blkio_fields, &r->blkio);
}

/* ---- hugepageLimits, rdma, network, unified ---- */

/* The size becomes part of a file name: "2MB", "1GB", "64KB". */
static int hp_size(struct oci_ctx *x, size_t v, void *obj)
{
	struct oci_res_hugepage *h = obj;
	size_t n;

	if (oci_get_str(x, v, &h->page_size) < 0)
		return -1;
	n = strspn(h->page_size, "0123456789");
	if (n == 0 || (strcmp(h->page_size + n, "KB") && strcmp(h->page_size + n, "MB") &&
		       strcmp(h->page_size + n, "GB")))
		return oci_ferr(x, "`%s` is not a page size such as 2MB or 1GB", h->page_size);
	return 0;
}

static int hp_limit(struct oci_ctx *x, size_t v, void *obj)
{
	return oci_get_u64(x, v, &((struct oci_res_hugepage *)obj)->limit);
}

static const struct oci_field hp_fields[] = {
	OFIELD_FN("pageSize", hp_size),
	OFIELD_FN("limit", hp_limit),
	OFIELD_END,
};

static int hp_elem(struct oci_ctx *x, size_t v, void *obj)
{
	struct oci_res_hugepage *h = obj;

	if (oci_decode_object(x, v, hp_fields, obj) < 0)
		return -1;
	if (h->page_size == NULL)
		return oci_required(x, "pageSize");
	if (json_obj_get(x->d, v, "limit") == 0)
		return oci_required(x, "limit");
	return 0;
}

static int res_hugepages(struct oci_ctx *x, size_t v, void *obj)
{
	R *r = obj;

	return oci_decode_array(x, v, sizeof *r->hugepages, (void **)&r->hugepages,
				&r->n_hugepages, hp_elem);
}

static int rdma_handles(struct oci_ctx *x, size_t v, void *obj)
{
	return get_num(x, v, 0, UINT32_MAX, &((struct oci_res_rdma *)obj)->hca_handles);
}

static int rdma_objects(struct oci_ctx *x, size_t v, void *obj)
{
	return get_num(x, v, 0, UINT32_MAX, &((struct oci_res_rdma *)obj)->hca_objects);
}

static const struct oci_field rdma_fields[] = {
	OFIELD_FN("hcaHandles", rdma_handles),
	OFIELD_FN("hcaObjects", rdma_objects),
	OFIELD_END,
};

/* A name that becomes one line of a cgroup file: no spaces or newlines. */
static int check_token(struct oci_ctx *x, const char *s, const char *what)
{
	if (!s[0] || strpbrk(s, " \t\n=/") != NULL)
		return oci_ferr(x, "`%s` is not a valid %s", s, what);
	return 0;
}

static int res_rdma(struct oci_ctx *x, size_t v, void *obj)
{
	const struct json_doc *d = x->d;
	R *r = obj;
	size_t k, i, n;

	if (oci_expect(x, v, JSON_OBJECT) < 0)
		return -1;
	n = d->toks[v].count;
	r->rdma = n ? oci_arena_alloc(x->a, n * sizeof *r->rdma) : NULL;
	if (n && !r->rdma)
		return oci_oom(x);
	for (k = 0, i = json_child(v); k < n; k++, i = json_next(d, i + 1)) {
		struct oci_res_rdma *e = &r->rdma[k];
		size_t old;

		if (oci_get_str(x, i, &e->device) < 0)
			return -1;
		old = oci_path_push(x, e->device, 0, true);
		if (check_token(x, e->device, "device name") < 0 ||
		    oci_decode_object(x, i + 1, rdma_fields, e) < 0)
			return -1;
		oci_path_pop(x, old);
	}
	r->n_rdma = n;
	return 0;
}

static int prio_elem(struct oci_ctx *x, size_t v, void *obj)
{
	static const struct oci_field f[] = {
		OFIELD("name", OF_STR, struct oci_res_prio, name),
		OFIELD("priority", OF_U32, struct oci_res_prio, priority),
		OFIELD_END,
	};
	struct oci_res_prio *p = obj;

	if (oci_decode_object(x, v, f, obj) < 0)
		return -1;
	if (p->name == NULL)
		return oci_required(x, "name");
	return check_token(x, p->name, "interface name");
}

static int net_class_id(struct oci_ctx *x, size_t v, void *obj)
{
	return get_num(x, v, 0, UINT32_MAX, &((R *)obj)->net_class_id);
}

static int net_prios(struct oci_ctx *x, size_t v, void *obj)
{
	R *r = obj;

	return oci_decode_array(x, v, sizeof *r->net_prios, (void **)&r->net_prios,
				&r->n_net_prios, prio_elem);
}

static const struct oci_field network_fields[] = {
	OFIELD_FN("classID", net_class_id),
	OFIELD_FN("priorities", net_prios),
	OFIELD_END,
};

static int res_network(struct oci_ctx *x, size_t v, void *obj)
{
	return oci_decode_object(x, v, network_fields, obj);
}

/* Keys name files in the container's own cgroup directory: "memory.high",
 * never a path out of it, nor cgroup.procs-like files that would move
 * processes or change the tree. */
static int check_unified_key(struct oci_ctx *x, const char *key)
{
	const char *dot = strchr(key, '.');

	if (!key[0] || strchr(key, '/') != NULL || strcmp(key, "..") == 0 || dot == NULL ||
	    dot == key || dot[1] == '\0')
		return oci_ferr(x, "`%s` is not a cgroup file name such as memory.high", key);
	if (strncmp(key, "cgroup.", 7) == 0 && strcmp(key, "cgroup.freeze") != 0 &&
	    strcmp(key, "cgroup.max.depth") != 0 && strcmp(key, "cgroup.max.descendants") != 0 &&
	    strcmp(key, "cgroup.type") != 0)
		return oci_ferr(x, "`%s` is not a resource: cell manages it", key);
	return 0;
}

static int res_unified(struct oci_ctx *x, size_t v, void *obj)
{
	R *r = obj;

	if (oci_get_kv(x, v, &r->unified, &r->n_unified) < 0)
		return -1;
	for (size_t i = 0; i < r->n_unified; i++) {
		size_t old = oci_path_push(x, r->unified[i].key, 0, true);

		if (check_unified_key(x, r->unified[i].key) < 0)
			return -1;
		oci_path_pop(x, old);
	}
	return 0;
}

/* ---- devices ---- */

static int rdev_type(struct oci_ctx *x, size_t v, void *obj)
{
	struct oci_res_device *d = obj;
	char *s;

	if (oci_get_str(x, v, &s) < 0)
		return -1;
	if (strcmp(s, "a") && strcmp(s, "c") && strcmp(s, "b"))
		return oci_ferr(x, "`%s` is not one of a, c, b", s);
	d->type = s[0];
	return 0;
}

static int rdev_major(struct oci_ctx *x, size_t v, void *obj)
{
	return oci_get_i64(x, v, -1, UINT32_MAX, &((struct oci_res_device *)obj)->major);
}

static int rdev_minor(struct oci_ctx *x, size_t v, void *obj)
{
	return oci_get_i64(x, v, -1, UINT32_MAX, &((struct oci_res_device *)obj)->minor);
}

static int rdev_access(struct oci_ctx *x, size_t v, void *obj)
{
	struct oci_res_device *d = obj;
	char *s;

	if (oci_get_str(x, v, &s) < 0)
		return -1;
	d->access = 0;
	for (const char *p = s; *p; p++) {
		const char *at = strchr("rwm", *p);

		if (at == NULL)
			return oci_ferr(x, "`%s`: access is made of r, w and m", s);
		d->access |= 1u << (at - "rwm");
	}
	if (d->access == 0)
		d->access = 7;
	return 0;
}

static const struct oci_field rdev_fields[] = {
	OFIELD("allow", OF_BOOL, struct oci_res_device, allow),
	OFIELD_FN("type", rdev_type),
	OFIELD_FN("major", rdev_major),
	OFIELD_FN("minor", rdev_minor),
	OFIELD_FN("access", rdev_access),
	OFIELD_END,
};

static int rdev_elem(struct oci_ctx *x, size_t v, void *obj)
{
	struct oci_res_device *d = obj;

	/* Absent type, numbers and access mean "all", as in runc. */
	d->type = 'a';
	d->major = d->minor = -1;
	d->access = 7;
	if (oci_decode_object(x, v, rdev_fields, obj) < 0)
		return -1;
	if (json_obj_get(x->d, v, "allow") == 0)
		return oci_required(x, "allow");
	return 0;
}

static int res_devices(struct oci_ctx *x, size_t v, void *obj)
{
	R *r = obj;

	return oci_decode_array(x, v, sizeof *r->devices, (void **)&r->devices, &r->n_devices,
				rdev_elem);
}

static const struct oci_field resources_fields[] = {
	OFIELD_FN("memory", res_memory),
	OFIELD_FN("cpu", res_cpu),
	OFIELD_FN("pids", res_pids),
	OFIELD_FN("blockIO", res_blkio),
	OFIELD_FN("hugepageLimits", res_hugepages),
	OFIELD_FN("rdma", res_rdma),
	OFIELD_FN("network", res_network),
	OFIELD_FN("unified", res_unified),
	OFIELD_FN("devices", res_devices),
	OFIELD_END,
};

int oci_decode_resources(struct oci_ctx *x, size_t v, struct oci_resources *r)
{
	memset(r, 0, sizeof *r);
	if (oci_decode_object(x, v, resources_fields, r) < 0)
		return -1;
	r->present = true;
	return 0;
}

int oci_parse_resources(struct oci_ctx *x, size_t v, void *obj)
{
	return oci_decode_resources(x, v, &((struct oci_linux *)obj)->resources);
}
