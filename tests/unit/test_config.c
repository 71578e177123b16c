/* config.json model: every field decoded, every error message exact, the
 * `cell spec` and `cell features` documents, loading from a bundle, speed. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "../../oci/config.h"
#include "../../oci/features.h"
#include "../../oci/json.h"
#include "../../oci/spec.h"
#include "t.h"
#include "tutil.h"

static const char *corpus = CORPUS_DIR;

static struct oci_config *load_corpus(const char *name, char **text, size_t *len)
{
	struct cell_err e = { 0 };
	struct oci_config *c;
	char path[512];

	snprintf(path, sizeof path, "%s/config/%s", corpus, name);
	*text = t_read_file(path, len);
	if (!*text) {
		T_FAIL("cannot read %s", path);
		return NULL;
	}
	c = oci_config_parse(*text, *len, "config.json", &e);
	if (!c)
		T_FAIL("%s: %s", name, e.msg);
	return c;
}

static bool strv_eq(char **v, size_t n, const char *const *want)
{
	size_t i;

	for (i = 0; want[i]; i++)
		if (i >= n || !v[i] || strcmp(v[i], want[i]) != 0)
			return false;
	return i == n && v[n] == NULL;
}

#define CAP(n) (1ULL << (n))

static void runc_spec(void)
{
	static const char *const args[] = { "sh", NULL };
	size_t len;
	char *text;
	struct oci_config *c = load_corpus("runc-spec.json", &text, &len);
	const struct oci_mount *m;
	uint64_t three = CAP(29) | CAP(5) | CAP(10);

	if (!c)
		return;
	CHECK_STR(c->oci_version, "1.0.2-dev");
	CHECK(c->has_process && c->process.terminal);
	CHECK(strv_eq(c->process.args, c->process.n_args, args));
	CHECK(c->process.n_env == 2 && c->process.env[2] == NULL);
	CHECK_STR(c->process.env[1], "TERM=xterm");
	CHECK_STR(c->process.cwd, "/");
	CHECK(c->process.user.uid == 0 && c->process.user.gid == 0 && !c->process.user.has_umask);
	CHECK(c->process.has_capabilities);
	CHECK(c->process.caps[OCI_CAP_BOUNDING] == three && c->process.caps[OCI_CAP_EFFECTIVE] == three);
	CHECK(c->process.caps[OCI_CAP_PERMITTED] == three && c->process.caps[OCI_CAP_AMBIENT] == three);
	CHECK(c->process.caps[OCI_CAP_INHERITABLE] == 0);
	CHECK(c->process.n_rlimits == 1 && c->process.rlimits[0].resource == RLIMIT_NOFILE);
	CHECK(c->process.rlimits[0].soft == 1024 && c->process.rlimits[0].hard == 1024);
	CHECK(c->process.no_new_privileges && !c->process.has_oom_score_adj);
	CHECK_STR(c->root_path, "rootfs");
	CHECK(c->root_readonly);
	CHECK_STR(c->hostname, "runc");
	CHECK(c->domainname == NULL);
	CHECK(c->n_mounts == 7);
	m = &c->mounts[1];
	CHECK_STR(m->destination, "/dev");
	CHECK_STR(m->type, "tmpfs");
	CHECK(m->flags == (MS_NOSUID | MS_STRICTATIME) && m->clear_flags == 0);
	CHECK_STR(m->data, "mode=755,size=65536k");
	CHECK(m->n_options == 4 && m->options[4] == NULL);
	m = &c->mounts[2];
	CHECK(m->flags == (MS_NOSUID | MS_NOEXEC));
	CHECK_STR(m->data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
	m = &c->mounts[0];
	CHECK(m->flags == 0 && m->data == NULL && m->n_options == 0 && m->options && !m->options[0]);
	m = &c->mounts[6];
	CHECK(m->flags == (MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME | MS_RDONLY));
	CHECK(!m->is_bind && m->propagation == 0 && m->data == NULL);
	CHECK(c->has_linux);
	CHECK(c->linux_.ns[OCI_NS_PID].present && c->linux_.ns[OCI_NS_NETWORK].present);
	CHECK(c->linux_.ns[OCI_NS_IPC].present && c->linux_.ns[OCI_NS_UTS].present);
	CHECK(c->linux_.ns[OCI_NS_MOUNT].present && !c->linux_.ns[OCI_NS_USER].present);
	CHECK(!c->linux_.ns[OCI_NS_CGROUP].present && c->linux_.ns[OCI_NS_PID].path == NULL);
	CHECK(c->linux_.n_masked_paths == 10 && c->linux_.n_readonly_paths == 5);
	CHECK_STR(c->linux_.masked_paths[9], "/proc/scsi");
	CHECK(c->linux_.resources.present && c->linux_.resources.n_devices == 1);
	CHECK(!c->linux_.resources.devices[0].allow && c->linux_.resources.devices[0].type == 'a');
	CHECK(c->linux_.resources.devices[0].major == -1 && c->linux_.resources.devices[0].access == 7);
	CHECK(!c->linux_.resources.has_memory && !c->linux_.resources.has_cpu);
	CHECK(c->linux_.seccomp_json == NULL && c->linux_.rootfs_propagation == 0);
	oci_config_free(c);
	free(text);
}

static void process_fields(const struct oci_config *c)
{
	static const char *const args[] = { "/bin/sh", "-c", "echo \xc3\xa9 \"hi\"", NULL };
	const struct oci_process *p = &c->process;

	CHECK(c->has_process && p->terminal && p->has_console_size);
	CHECK(p->console_height == 25 && p->console_width == 80);
	CHECK(p->user.uid == 1000 && p->user.gid == 1001 && p->user.has_umask && p->user.umask == 18);
	CHECK(p->user.n_additional_gids == 3 && p->user.additional_gids[2] == 4294967295u);
	CHECK_STR(p->user.username, "joe");
	CHECK(strv_eq(p->args, p->n_args, args));
	CHECK(p->n_env == 3);
	CHECK_STR(p->env[2], "A=b=c");
	CHECK_STR(p->cwd, "/work");
	CHECK(p->caps[OCI_CAP_BOUNDING] == (CAP(0) | CAP(21) | CAP(40)));
	CHECK(p->caps[OCI_CAP_EFFECTIVE] == CAP(5) && p->caps[OCI_CAP_INHERITABLE] == 0);
	CHECK(p->caps[OCI_CAP_PERMITTED] == (CAP(13) | CAP(12)) && p->caps[OCI_CAP_AMBIENT] == 0);
	CHECK(p->n_rlimits == 2 && p->rlimits[1].resource == RLIMIT_CORE);
	CHECK(p->rlimits[1].hard == UINT64_MAX && p->rlimits[1].soft == 0);
	CHECK(p->no_new_privileges && p->has_oom_score_adj && p->oom_score_adj == -1000);
	CHECK_STR(p->apparmor_profile, "unconfined");
	CHECK_STR(p->selinux_label, "system_u:system_r:container_t:s0");
}

static void mount_fields(const struct oci_config *c)
{
	const struct oci_mount *m;

	CHECK(c->n_mounts == 5);
	m = &c->mounts[2];
	CHECK(m->is_bind && m->flags == (MS_BIND | MS_REC | MS_RDONLY | MS_NOSYMFOLLOW));
	CHECK(m->propagation == (MS_PRIVATE | MS_REC) && m->nosymfollow && m->data == NULL);
	CHECK_STR(m->source, "/srv/data");
	m = &c->mounts[3];
	CHECK(m->type == NULL && m->is_bind && m->flags == MS_BIND);
	CHECK(m->clear_flags == (MS_RDONLY | MS_NOEXEC) && m->propagation == MS_SLAVE);
	CHECK(m->idmap && !m->idmap_recursive && m->n_uid_mappings == 1 && m->n_gid_mappings == 1);
	CHECK(m->uid_mappings[0].host_id == 100000 && m->uid_mappings[0].size == 65536);
	CHECK(m->gid_mappings[0].host_id == 200000 && m->gid_mappings[0].size == 1);
	m = &c->mounts[4];
	CHECK(!m->is_bind && m->flags == (MS_REMOUNT | MS_DIRSYNC));
	CHECK(m->clear_flags == MS_NOSYMFOLLOW && !m->nosymfollow);
	CHECK(m->idmap && m->idmap_recursive && m->tmpcopyup);
	CHECK_STR(m->data, "newinstance");
}

static void linux_fields(const struct oci_config *c)
{
	const struct oci_linux *l = &c->linux_;
	int t;

	for (t = 0; t < OCI_NS_COUNT; t++)
		CHECK(l->ns[t].present);
	CHECK_STR(l->ns[OCI_NS_NETWORK].path, "/proc/1/ns/net");
	CHECK(l->ns[OCI_NS_USER].path == NULL);
	CHECK(l->n_uid_mappings == 2 && l->uid_mappings[1].container_id == 1);
	CHECK(l->uid_mappings[1].host_id == 100000 && l->uid_mappings[1].size == 65535);
	CHECK(l->n_gid_mappings == 1 && l->gid_mappings[0].host_id == 1000);
	CHECK(l->n_devices == 4);
	CHECK(l->devices[0].type == 'c' && l->devices[0].major == 10 && l->devices[0].minor == 229);
	CHECK(l->devices[0].has_file_mode && l->devices[0].file_mode == 0666);
	CHECK(l->devices[0].has_uid && l->devices[0].has_gid && !l->devices[1].has_uid);
	CHECK(l->devices[1].type == 'b' && !l->devices[1].has_file_mode);
	CHECK(l->devices[2].type == 'p' && l->devices[2].major == -1 && l->devices[2].minor == -1);
	CHECK(l->devices[3].type == 'u' && l->devices[3].major == 1);
	CHECK(l->n_masked_paths == 2 && l->n_readonly_paths == 0 && l->readonly_paths[0] == NULL);
	CHECK(l->rootfs_propagation == (MS_SLAVE | MS_REC));
	CHECK(l->n_sysctl == 2);
	CHECK_STR(l->sysctl[0].key, "net.ipv4.ip_forward");
	CHECK_STR(l->sysctl[1].value, "8192");
	CHECK_STR(l->cgroups_path, "/cell/box");
	CHECK_STR(l->mount_label, "system_u:object_r:container_file_t:s0");
	CHECK(l->time_boottime.present && l->time_boottime.secs == -86400);
	CHECK(l->time_boottime.nanosecs == 500);
	CHECK(l->time_monotonic.present && l->time_monotonic.secs == 172800);
	CHECK_STR(l->seccomp_json, "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}");
	CHECK(l->n_net_devices == 1);
	CHECK_STR(l->net_devices[0].host, "eth1");
	CHECK_STR(l->net_devices[0].name, "eth0");
	CHECK(l->resources.has_memory && l->resources.memory.limit.set);
	CHECK(l->resources.memory.limit.v == 1048576 && !l->resources.memory.swap.set);
}

/* Every linux.resources field, through the standalone parser `update -r`
 * uses. */
static void resources_fields(void)
{
	static const char doc[] =
		"{\"memory\":{\"limit\":104857600,\"reservation\":52428800,\"swap\":209715200,"
		"\"kernel\":1,\"kernelTCP\":2,\"swappiness\":18446744073709551615,"
		"\"disableOOMKiller\":true,\"useHierarchy\":false,\"future\":1},"
		"\"cpu\":{\"shares\":512,\"quota\":-1,\"period\":100000,\"burst\":5,"
		"\"realtimeRuntime\":950000,\"realtimePeriod\":1000000,\"cpus\":\"0-1,3\",\"mems\":\"0\",\"idle\":1},"
		"\"pids\":{\"limit\":-1},"
		"\"blockIO\":{\"weight\":0,\"leafWeight\":300,"
		"\"weightDevice\":[{\"major\":8,\"minor\":0,\"weight\":500}],"
		"\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":1048576}],"
		"\"throttleWriteIOPSDevice\":[{\"major\":8,\"minor\":16,\"rate\":100},{\"major\":7,\"minor\":0,\"rate\":5}]},"
		"\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":4194304}],"
		"\"rdma\":{\"mlx5_1\":{\"hcaHandles\":3}},"
		"\"network\":{\"classID\":1048577,\"priorities\":[{\"name\":\"eth0\",\"priority\":5}]},"
		"\"unified\":{\"memory.high\":\"max\",\"io.latency\":\"8:0 target=10\"},"
		"\"devices\":[{\"allow\":false},{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":-1,\"access\":\"rm\"}]}";
	struct cell_err e = { 0 };
	struct oci_resources *r = oci_resources_parse(doc, sizeof doc - 1, "resources.json", &e);

	CHECK(r != NULL);
	if (!r) {
		printf("# %s\n", e.msg);
		return;
	}
	CHECK(r->present && r->has_memory && r->has_cpu && r->has_pids && r->has_blkio);
	CHECK(r->memory.limit.set && r->memory.limit.v == 104857600);
	CHECK(r->memory.reservation.v == 52428800 && r->memory.swap.v == 209715200);
	CHECK(r->memory.kernel.v == 1 && r->memory.kernel_tcp.v == 2);
	CHECK(!r->memory.swappiness.set); /* 2^64-1 is Docker's "unset" */
	CHECK(r->memory.has_disable_oom_killer && r->memory.disable_oom_killer);
	CHECK(r->memory.has_use_hierarchy && !r->memory.use_hierarchy);
	CHECK(r->cpu.shares.v == 512 && r->cpu.quota.set && r->cpu.quota.v == -1);
	CHECK(r->cpu.period.v == 100000 && r->cpu.burst.v == 5 && r->cpu.idle.v == 1);
	CHECK(r->cpu.rt_runtime.v == 950000 && r->cpu.rt_period.v == 1000000);
	CHECK_STR(r->cpu.cpus, "0-1,3");
	CHECK_STR(r->cpu.mems, "0");
	CHECK(r->pids_limit.set && r->pids_limit.v == -1);
	CHECK(!r->blkio.weight.set && r->blkio.leaf_weight.v == 300);
	CHECK(r->blkio.n_weight_devs == 1 && r->blkio.weight_devs[0].major == 8);
	CHECK(r->blkio.weight_devs[0].weight.v == 500 && !r->blkio.weight_devs[0].leaf_weight.set);
	CHECK(r->blkio.n_throttle[OCI_THROTTLE_READ_BPS] == 1);
	CHECK(r->blkio.throttle[OCI_THROTTLE_READ_BPS][0].rate == 1048576);
	CHECK(r->blkio.n_throttle[OCI_THROTTLE_WRITE_IOPS] == 2);
	CHECK(r->blkio.throttle[OCI_THROTTLE_WRITE_IOPS][1].major == 7);
	CHECK(r->blkio.throttle[OCI_THROTTLE_WRITE_IOPS][0].minor == 16);
	CHECK(r->blkio.n_throttle[OCI_THROTTLE_WRITE_BPS] == 0);
	CHECK(r->n_hugepages == 1 && r->hugepages[0].limit == 4194304);
	CHECK_STR(r->hugepages[0].page_size, "2MB");
	CHECK(r->n_rdma == 1 && r->rdma[0].hca_handles.v == 3 && !r->rdma[0].hca_objects.set);
	CHECK_STR(r->rdma[0].device, "mlx5_1");
	CHECK(r->net_class_id.v == 1048577 && r->n_net_prios == 1 && r->net_prios[0].priority == 5);
	CHECK(r->n_unified == 2);
	CHECK_STR(r->unified[1].value, "8:0 target=10");
	CHECK(r->n_devices == 2 && !r->devices[0].allow && r->devices[0].type == 'a');
	CHECK(r->devices[0].access == 7 && r->devices[1].type == 'c' && r->devices[1].minor == -1);
	CHECK(r->devices[1].access == 5 && r->devices[1].major == 1);
	oci_resources_free(r);

	r = oci_resources_parse("[]", 2, "resources.json", &e);
	CHECK(r == NULL);
	CHECK_STR(e.msg, "resources.json: must be a JSON object");
	r = oci_resources_parse("{\"pids\":{\"limit\":\"x\"}}", 22, "r.json", &e);
	CHECK(r == NULL);
	CHECK_STR(e.msg, "r.json: pids.limit: must be an integer");
}

static void full_config(void)
{
	size_t len;
	char *text;
	struct oci_config *c = load_corpus("full.json", &text, &len);
	const struct oci_hook *h;

	if (!c)
		return;
	CHECK_STR(c->oci_version, "1.2.0");
	CHECK_STR(c->root_path, "rootfs");
	CHECK(!c->root_readonly);
	CHECK_STR(c->hostname, "box");
	CHECK_STR(c->domainname, "example.org");
	process_fields(c);
	mount_fields(c);
	linux_fields(c);
	CHECK(c->n_hooks[OCI_HOOK_PRESTART] == 1 && c->n_hooks[OCI_HOOK_CREATE_RUNTIME] == 2);
	CHECK(c->n_hooks[OCI_HOOK_POSTSTOP] == 0 && c->n_hooks[OCI_HOOK_POSTSTART] == 0);
	h = &c->hooks[OCI_HOOK_PRESTART][0];
	CHECK(h->args && !h->args[0] && h->env && !h->env[0] && h->timeout == 0);
	h = &c->hooks[OCI_HOOK_CREATE_RUNTIME][0];
	CHECK_STR(h->path, "/usr/bin/hook");
	CHECK_STR(h->args[1], "create");
	CHECK(h->args[2] == NULL && h->timeout == 5);
	CHECK_STR(h->env[0], "A=1");
	CHECK(c->n_annotations == 2);
	CHECK_STR(c->annotations[0].key, "org.example.key");
	CHECK_STR(c->annotations[1].value, "");
	oci_config_free(c);
	free(text);
}

static void minimal_config(void)
{
	size_t len;
	char *text;
	struct oci_config *c = load_corpus("minimal.json", &text, &len);

	if (!c)
		return;
	CHECK(!c->has_process && !c->has_linux && !c->root_readonly);
	CHECK(c->hostname == NULL && c->n_mounts == 0 && c->mounts == NULL);
	CHECK(c->n_annotations == 0);
	CHECK_STR(c->root_path, "/abs/rootfs");
	oci_config_free(c);
	free(text);
}

/* Cases are written with ' for " to keep them readable. */
static const struct {
	const char *json;
	const char *msg;
} error_cases[] = {
	{ "[]", "must be a JSON object" },
	{ "{}", "ociVersion: required" },
	{ "{'ociVersion':1}", "ociVersion: must be a string" },
	{ "{'ociVersion':''}", "ociVersion: must not be empty" },
	{ "{'ociVersion':'1'}", "root.path: required" },
	{ "{'ociVersion':'1','root':{}}", "root.path: required" },
	{ "{'ociVersion':'1','root':{'path':''}}", "root.path: must not be empty" },
	{ "{'ociVersion':'1','root':'r'}", "root: must be an object" },
	{ "{'ociVersion':'1','root':{'path':'r','readonly':'yes'}}", "root.readonly: must be a boolean" },
	{ "{'ociVersion':'1',}", "line 1:19: trailing comma before '}'" },
#define C(x) "{'ociVersion':'1','root':{'path':'r'}," x "}"
	{ C("'process':{}"), "process.args: required" },
	{ C("'process':{'args':[]}"), "process.args: must not be empty" },
	{ C("'process':{'args':'sh'}"), "process.args: must be an array" },
	{ C("'process':{'args':['a','b',3]}"), "process.args[2]: must be a string" },
	{ C("'process':{'args':['a\\u0000']}"), "process.args[0]: must not contain NUL bytes" },
	{ C("'process':{'args':['a'],'cwd':'rel'}"), "process.cwd: must be an absolute path" },
	{ C("'process':{'args':['a'],'cwd':''}"), "process.cwd: must be an absolute path" },
	{ C("'process':{'args':['a'],'env':['A=1','NOEQ']}"), "process.env[1]: must be NAME=VALUE" },
	{ C("'process':{'args':['a'],'env':['=x']}"), "process.env[0]: must be NAME=VALUE" },
	{ C("'process':{'args':['a'],'terminal':1}"), "process.terminal: must be a boolean" },
	{ C("'process':{'args':['a'],'user':{'uid':-1}}"),
	  "process.user.uid: must be between 0 and 4294967295" },
	{ C("'process':{'args':['a'],'user':{'uid':4294967296}}"),
	  "process.user.uid: must be between 0 and 4294967295" },
	{ C("'process':{'args':['a'],'user':{'gid':1.5}}"), "process.user.gid: must be an integer" },
	{ C("'process':{'args':['a'],'user':{'uid':'0'}}"), "process.user.uid: must be an integer" },
	{ C("'process':{'args':['a'],'user':{'additionalGids':[1,'x']}}"),
	  "process.user.additionalGids[1]: must be an integer" },
	{ C("'process':{'args':['a'],'user':[]}"), "process.user: must be an object" },
	{ C("'process':{'args':['a'],'consoleSize':{'height':true}}"),
	  "process.consoleSize.height: must be an integer" },
	{ C("'process':{'args':['a'],'capabilities':{'bounding':['CAP_CHOWN','CAP_KILL','CAP_FOO']}}"),
	  "process.capabilities.bounding[2]: unknown capability \"CAP_FOO\"" },
	{ C("'process':{'args':['a'],'capabilities':{'ambient':[1]}}"),
	  "process.capabilities.ambient[0]: must be a string" },
	{ C("'process':{'args':['a'],'capabilities':{'effective':'CAP_KILL'}}"),
	  "process.capabilities.effective: must be an array" },
	{ C("'process':{'args':['a'],'capabilities':'x'}"), "process.capabilities: must be an object" },
	{ C("'process':{'args':['a'],'rlimits':[{'type':'RLIMIT_BOGUS','hard':1,'soft':1}]}"),
	  "process.rlimits[0].type: unknown rlimit type \"RLIMIT_BOGUS\"" },
	{ C("'process':{'args':['a'],'rlimits':[{'type':'RLIMIT_NOFILE','hard':1,'soft':1},"
	    "{'type':'RLIMIT_NOFILE','hard':2,'soft':2}]}"),
	  "process.rlimits[1].type: duplicate rlimit type \"RLIMIT_NOFILE\"" },
	{ C("'process':{'args':['a'],'rlimits':[{'type':'RLIMIT_NOFILE','soft':1}]}"),
	  "process.rlimits[0].hard: required" },
	{ C("'process':{'args':['a'],'rlimits':[{'type':'RLIMIT_NOFILE','hard':1,'soft':2}]}"),
	  "process.rlimits[0]: soft limit greater than hard limit" },
	{ C("'process':{'args':['a'],'rlimits':[{'type':'RLIMIT_NOFILE','hard':-1,'soft':2}]}"),
	  "process.rlimits[0].hard: must be between 0 and 18446744073709551615" },
	{ C("'process':{'args':['a'],'rlimits':{}}"), "process.rlimits: must be an array" },
	{ C("'process':{'args':['a'],'oomScoreAdj':1001}"),
	  "process.oomScoreAdj: must be between -1000 and 1000" },
	{ C("'hostname':'a\\u0000b'"), "hostname: must not contain NUL bytes" },
	{ C("'hostname':['a']"), "hostname: must be a string" },
	{ C("'linux':'x'"), "linux: must be an object" },
	{ C("'linux':{'namespaces':[{'type':'pid'},{'type':'foo'}]}"),
	  "linux.namespaces[1].type: unknown namespace type \"foo\"" },
	{ C("'linux':{'namespaces':[{'type':'pid'},{'type':'pid'}]}"),
	  "linux.namespaces[1].type: duplicate namespace type \"pid\"" },
	{ C("'linux':{'namespaces':[{}]}"), "linux.namespaces[0].type: required" },
	{ C("'linux':{'namespaces':[{'type':'user','path':''}]}"),
	  "linux.namespaces[0].path: must be an absolute path" },
	{ C("'linux':{'namespaces':{}}"), "linux.namespaces: must be an array" },
	{ C("'linux':{'resources':{'memory':{'limit':-2}}}"),
	  "linux.resources.memory.limit: must be -1 (unlimited) or a byte count" },
	{ C("'linux':{'resources':{'memory':{'limit':1000,'swap':999}}}"),
	  "linux.resources.memory.swap: must not be below memory.limit (1000): it limits memory plus swap" },
	{ C("'linux':{'resources':{'memory':{'swappiness':101}}}"),
	  "linux.resources.memory.swappiness: must be between 0 and 100" },
	{ C("'linux':{'resources':{'memory':{'limit':'1G'}}}"),
	  "linux.resources.memory.limit: must be an integer" },
	{ C("'linux':{'resources':{'cpu':{'shares':-1}}}"),
	  "linux.resources.cpu.shares: must be between 0 and 9223372036854775807" },
	{ C("'linux':{'resources':{'cpu':{'cpus':'0-1;reboot'}}}"),
	  "linux.resources.cpu.cpus: `0-1;reboot` is not a list of numbers and ranges" },
	{ C("'linux':{'resources':{'cpu':{'idle':2}}}"),
	  "linux.resources.cpu.idle: must be between 0 and 1" },
	{ C("'linux':{'resources':{'blockIO':{'weight':5}}}"),
	  "linux.resources.blockIO.weight: must be between 10 and 1000" },
	{ C("'linux':{'resources':{'blockIO':{'throttleReadBpsDevice':[{'major':8,'rate':1}]}}}"),
	  "linux.resources.blockIO.throttleReadBpsDevice[0].minor: required" },
	{ C("'linux':{'resources':{'hugepageLimits':[{'pageSize':'2M','limit':1}]}}"),
	  "linux.resources.hugepageLimits[0].pageSize: `2M` is not a page size such as 2MB or 1GB" },
	{ C("'linux':{'resources':{'unified':{'../memory.max':'1'}}}"),
	  "linux.resources.unified[\"../memory.max\"]: `../memory.max` is not a cgroup file name such as memory.high" },
	{ C("'linux':{'resources':{'unified':{'cgroup.procs':'1'}}}"),
	  "linux.resources.unified[\"cgroup.procs\"]: `cgroup.procs` is not a resource: cell manages it" },
	{ C("'linux':{'resources':{'devices':[{'allow':true,'access':'rwx'}]}}"),
	  "linux.resources.devices[0].access: `rwx`: access is made of r, w and m" },
	{ C("'linux':{'resources':{'devices':[{'allow':true,'type':'p'}]}}"),
	  "linux.resources.devices[0].type: `p` is not one of a, c, b" },
	{ C("'linux':{'resources':{'devices':[{'type':'c'}]}}"),
	  "linux.resources.devices[0].allow: required" },
	{ C("'linux':{'resources':{'rdma':{'mlx 5':{'hcaHandles':1}}}}"),
	  "linux.resources.rdma[\"mlx 5\"]: `mlx 5` is not a valid device name" },
	{ C("'linux':{'uidMappings':[{'containerID':0,'hostID':1000,'size':0}]}"),
	  "linux.uidMappings[0].size: must be > 0" },
	{ C("'linux':{'gidMappings':[{'containerID':0,'size':1}]}"),
	  "linux.gidMappings[0].hostID: required" },
	{ C("'linux':{'uidMappings':[{'containerID':0,'hostID':-5,'size':1}]}"),
	  "linux.uidMappings[0].hostID: must be between 0 and 4294967295" },
	{ C("'linux':{'devices':[{'path':'dev/null','type':'c','major':1,'minor':3}]}"),
	  "linux.devices[0].path: must be an absolute path" },
	{ C("'linux':{'devices':[{'path':'/dev/x','type':'x'}]}"),
	  "linux.devices[0].type: unknown device type \"x\"" },
	{ C("'linux':{'devices':[{'path':'/dev/x','type':'c','minor':3}]}"),
	  "linux.devices[0].major: required" },
	{ C("'linux':{'devices':[{'path':'/dev/x','major':1,'minor':3}]}"),
	  "linux.devices[0].type: required" },
	{ C("'linux':{'devices':[{'path':'/dev/x','type':'c','major':1,'minor':3,'fileMode':33206}]}"),
	  "linux.devices[0].fileMode: must be permission bits (at most 07777)" },
	{ C("'linux':{'maskedPaths':['/ok','rel']}"), "linux.maskedPaths[1]: must be an absolute path" },
	{ C("'linux':{'readonlyPaths':'/x'}"), "linux.readonlyPaths: must be an array" },
	{ C("'linux':{'rootfsPropagation':'bogus'}"),
	  "linux.rootfsPropagation: unknown propagation \"bogus\"" },
	{ C("'linux':{'sysctl':{'a.b':1}}"), "linux.sysctl[\"a.b\"]: must be a string" },
	{ C("'linux':{'timeOffsets':{'boottime':{'nanosecs':1000000000}}}"),
	  "linux.timeOffsets.boottime.nanosecs: must be below 1000000000" },
	{ C("'linux':{'resources':[]}"), "linux.resources: must be an object" },
	{ C("'linux':{'seccomp':true}"), "linux.seccomp: must be an object" },
	{ C("'linux':{'netDevices':[]}"), "linux.netDevices: must be an object" },
	{ C("'linux':{'netDevices':{'eth1':'eth0'}}"), "linux.netDevices[\"eth1\"]: must be an object" },
	{ C("'linux':{'netDevices':{'eth1':{'name':5}}}"),
	  "linux.netDevices[\"eth1\"].name: must be a string" },
	{ C("'linux':{'netDevices':{'eth1':{'name':'a/b'}}}"),
	  "linux.netDevices[\"eth1\"].name: `a/b` is not a valid interface name (1 to 15 bytes, no '/', ':' or white space)" },
	{ C("'linux':{'netDevices':{'eth1':{'name':'0123456789abcdef'}}}"),
	  "linux.netDevices[\"eth1\"].name: `0123456789abcdef` is not a valid interface name (1 to 15 bytes, no '/', ':' or white space)" },
	{ C("'linux':{'netDevices':{'e th':{}}}"),
	  "linux.netDevices[\"e th\"]: `e th` is not a valid interface name (1 to 15 bytes, no '/', ':' or white space)" },
	{ C("'linux':{'netDevices':{'':{}}}"),
	  "linux.netDevices[\"\"]: `` is not a valid interface name (1 to 15 bytes, no '/', ':' or white space)" },
	{ C("'linux':{'netDevices':{'..':{}}}"),
	  "linux.netDevices[\"..\"]: `..` is not a valid interface name (1 to 15 bytes, no '/', ':' or white space)" },
	{ C("'linux':{'netDevices':{'d1':{'name':'x'},'d2':{'name':'x'}}}"),
	  "linux.netDevices[\"d2\"]: the name inside, `x`, is also that of [\"d1\"]" },
	{ C("'linux':{'netDevices':{'d1':{},'d2':{'name':'d1'}}}"),
	  "linux.netDevices[\"d2\"]: the name inside, `d1`, is also that of [\"d1\"]" },
	{ C("'linux':{'netDevices':{'d1':{},'d1':{'name':'y'}}}"), "linux.netDevices[\"d1\"]: listed twice" },
	{ C("'mounts':{}"), "mounts: must be an array" },
	{ C("'mounts':[{'destination':'/a'},{'source':'x'}]"), "mounts[1].destination: required" },
	{ C("'mounts':[{'destination':'rel'}]"), "mounts[0].destination: must be an absolute path" },
	{ C("'mounts':[{'destination':'/a','options':[1]}]"), "mounts[0].options[0]: must be a string" },
	{ C("'mounts':[{'destination':'/a','uidMappings':[{'containerID':0,'hostID':0,'size':0}]}]"),
	  "mounts[0].uidMappings[0].size: must be > 0" },
	{ C("'mounts':['/a']"), "mounts[0]: must be an object" },
	{ C("'hooks':{'prestart':[{'args':[]}]}"), "hooks.prestart[0].path: required" },
	{ C("'hooks':{'poststop':[{'path':'/x','timeout':0}]}"), "hooks.poststop[0].timeout: must be > 0" },
	{ C("'hooks':{'createRuntime':[{'path':'x'}]}"),
	  "hooks.createRuntime[0].path: must be an absolute path" },
	{ C("'hooks':{'startContainer':{}}"), "hooks.startContainer: must be an array" },
	{ C("'hooks':{'prestart':[{'path':7}]}"), "hooks.prestart[0].path: must be a string" },
	{ C("'hooks':{'poststart':[{'path':'/x','timeout':-3}]}"), "hooks.poststart[0].timeout: must be > 0" },
	{ C("'hooks':{'poststart':[{'path':'/x','timeout':1.5}]}"),
	  "hooks.poststart[0].timeout: must be an integer" },
	{ C("'hooks':{'poststart':[{'path':'/x','timeout':'5'}]}"),
	  "hooks.poststart[0].timeout: must be an integer" },
	{ C("'hooks':{'createContainer':[{'path':'/x','args':'sh'}]}"),
	  "hooks.createContainer[0].args: must be an array" },
	{ C("'hooks':{'createContainer':[{'path':'/x','args':['sh',2]}]}"),
	  "hooks.createContainer[0].args[1]: must be a string" },
	{ C("'hooks':{'startContainer':[{'path':'/x','env':[null]}]}"),
	  "hooks.startContainer[0].env[0]: must be a string" },
	{ C("'hooks':{'poststop':['/x']}"), "hooks.poststop[0]: must be an object" },
	{ C("'hooks':[]"), "hooks: must be an object" },
	{ C("'annotations':{'a':1}"), "annotations[\"a\"]: must be a string" },
	{ C("'annotations':[]"), "annotations: must be an object" },
#undef C
};

static void error_messages(void)
{
	size_t k;

	for (k = 0; k < sizeof error_cases / sizeof error_cases[0]; k++) {
		struct cell_err e = { 0 };
		struct oci_config *c;
		char json[512], want[600];
		size_t i;

		for (i = 0; error_cases[k].json[i] && i + 1 < sizeof json; i++)
			json[i] = error_cases[k].json[i] == '\'' ? '"' : error_cases[k].json[i];
		json[i] = '\0';
		snprintf(want, sizeof want, "config.json: %s", error_cases[k].msg);
		c = oci_config_parse(json, strlen(json), "config.json", &e);
		if (c) {
			T_FAIL("case %zu parsed: %s", k, json);
			oci_config_free(c);
			continue;
		}
		if (strcmp(e.msg, want) != 0) {
			/* Report every mismatch, not only the first. */
			printf("# case %zu: got \"%s\", want \"%s\"\n", k, e.msg, want);
			T_FAIL("case %zu: got \"%s\"", k, e.msg);
		}
	}
}

/* null members are absent; empty optional strings are unset (Go's
 * omitempty, which is how runc reads them). */
static void nulls_and_empty(void)
{
	const char *j = "{\"ociVersion\":\"1\",\"root\":{\"path\":\"r\",\"readonly\":null},"
			"\"hostname\":null,\"domainname\":\"\",\"process\":null,"
			"\"mounts\":[{\"destination\":\"/a\",\"type\":\"\",\"source\":\"\"}],"
			"\"linux\":{\"namespaces\":null,\"rootfsPropagation\":\"\",\"cgroupsPath\":\"\"}}";
	struct cell_err e;
	struct oci_config *c = oci_config_parse(j, strlen(j), "config.json", &e);

	CHECK(c != NULL);
	if (!c)
		return;
	CHECK(!c->root_readonly && c->hostname == NULL && !c->has_process && c->has_linux);
	CHECK(c->domainname == NULL && c->linux_.cgroups_path == NULL);
	CHECK(c->linux_.rootfs_propagation == 0);
	CHECK(c->n_mounts == 1 && c->mounts[0].type == NULL && c->mounts[0].source == NULL);
	oci_config_free(c);
}

static void check_spec(const char *text, size_t len, const struct oci_spec_opts *opts)
{
	struct cell_err e = { 0 };
	struct oci_config *c = oci_config_parse(text, len, "spec", &e);
	uint64_t three = CAP(29) | CAP(5) | CAP(10);
	const struct oci_linux *l;

	if (!c) {
		T_FAIL("spec output does not parse: %s", e.msg);
		return;
	}
	l = &c->linux_;
	CHECK_STR(c->oci_version, OCI_SPEC_VERSION);
	CHECK(c->process.terminal == opts->terminal);
	CHECK_STR(c->process.args[0], opts->args ? opts->args[0] : "sh");
	CHECK(c->process.n_args == (opts->args ? 2 : 1));
	CHECK(c->process.n_env == 2);
	CHECK_STR(c->process.env[0], "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	CHECK_STR(c->process.cwd, "/");
	CHECK(c->process.caps[OCI_CAP_BOUNDING] == three && c->process.caps[OCI_CAP_PERMITTED] == three);
	CHECK(c->process.caps[OCI_CAP_EFFECTIVE] == three);
	CHECK(c->process.caps[OCI_CAP_INHERITABLE] == 0 && c->process.caps[OCI_CAP_AMBIENT] == 0);
	CHECK(c->process.n_rlimits == 1 && c->process.rlimits[0].hard == 1024);
	CHECK(c->process.no_new_privileges);
	CHECK_STR(c->root_path, opts->rootfs ? opts->rootfs : "rootfs");
	CHECK(c->root_readonly);
	CHECK_STR(c->hostname, "cell");
	CHECK(c->n_mounts == 7);
	CHECK_STR(c->mounts[6].destination, "/sys/fs/cgroup");
	CHECK(c->mounts[5].flags == (MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY));
	CHECK(l->ns[OCI_NS_PID].present && l->ns[OCI_NS_NETWORK].present && l->ns[OCI_NS_IPC].present);
	CHECK(l->ns[OCI_NS_UTS].present && l->ns[OCI_NS_MOUNT].present && l->ns[OCI_NS_CGROUP].present);
	CHECK(!l->ns[OCI_NS_USER].present && !l->ns[OCI_NS_TIME].present);
	CHECK(l->n_masked_paths == 11);
	CHECK_STR(l->masked_paths[10], "/sys/devices/virtual/powercap");
	CHECK(l->n_readonly_paths == 5);
	oci_config_free(c);
}

static void spec_roundtrip(void)
{
	static char *const args[] = { "/bin/echo", "hi", NULL };
	struct oci_spec_opts opts = { 0 };
	struct json_out o;

	jo_init(&o, 1);
	CHECK(oci_spec_write(&o, NULL) == 0);
	CHECK(strncmp(o.buf, "{\n\t\"ociVersion\": \"" OCI_SPEC_VERSION "\",\n\t\"process\": {\n", 38) == 0);
	check_spec(o.buf, o.len, &opts);
	jo_free(&o);

	opts.rootfs = "/abs/root";
	opts.terminal = true;
	opts.args = args;
	jo_init(&o, 0);
	CHECK(oci_spec_write(&o, &opts) == 0);
	check_spec(o.buf, o.len, &opts);
	jo_free(&o);
}

static size_t arr_len(const struct json_doc *d, size_t obj, const char *key)
{
	size_t v = json_obj_get(d, obj, key);

	return v && d->toks[v].type == JSON_ARRAY ? d->toks[v].count : (size_t)-1;
}

static void features_doc(void)
{
	struct json_out o;
	struct json_doc d;
	struct cell_err e;
	size_t lx, v, n;

	jo_init(&o, 1);
	oci_features_write(&o);
	CHECK(!o.oom);
	if (json_parse(&d, o.buf, o.len, 0, &e) < 0) {
		T_FAIL("features do not parse: %s", e.msg);
		jo_free(&o);
		return;
	}
	CHECK(json_str_eq(&d, json_obj_get(&d, 0, "ociVersionMin"), "1.0.0"));
	CHECK(json_str_eq(&d, json_obj_get(&d, 0, "ociVersionMax"), OCI_SPEC_VERSION));
	CHECK(arr_len(&d, 0, "hooks") == 6);
	for (n = 0; oci_mount_option_name(n); n++)
		;
	CHECK(n == 44 && arr_len(&d, 0, "mountOptions") == n); /* idmap, ridmap included */
	lx = json_obj_get(&d, 0, "linux");
	CHECK(lx && arr_len(&d, lx, "namespaces") == 8 && arr_len(&d, lx, "capabilities") == 41);
	v = json_obj_get(&d, json_obj_get(&d, lx, "cgroup"), "v2");
	CHECK(v && d.toks[v].type == JSON_TRUE);
	v = json_obj_get(&d, json_obj_get(&d, lx, "cgroup"), "systemd");
	CHECK(v && d.toks[v].type == JSON_FALSE);
	v = json_obj_get(&d, json_obj_get(&d, lx, "seccomp"), "enabled");
	CHECK(v && d.toks[v].type == JSON_TRUE);
	CHECK(arr_len(&d, json_obj_get(&d, lx, "seccomp"), "operators") == 7);
	CHECK(arr_len(&d, json_obj_get(&d, lx, "seccomp"), "knownFlags") == 4);
	v = json_obj_get(&d, json_obj_get(&d, lx, "mountExtensions"), "idmap");
	CHECK(v && d.toks[json_obj_get(&d, v, "enabled")].type == JSON_TRUE);
	v = json_obj_get(&d, json_obj_get(&d, 0, "annotations"), "io.github.cell.version");
	CHECK(v && d.toks[v].type == JSON_STRING);
	json_doc_free(&d);
	jo_free(&o);
}

static void names(void)
{
	CHECK(oci_cap_last() == 40);
	CHECK(oci_cap_from_name("CAP_CHOWN") == 0 && oci_cap_from_name("cap_sys_admin") == 21);
	CHECK(oci_cap_from_name("checkpoint_restore") == 40 && oci_cap_from_name("CAP_") == -1);
	CHECK(oci_cap_from_name("CAP_FOO") == -1 && oci_cap_from_name("") == -1);
	CHECK_STR(oci_cap_name(29), "CAP_AUDIT_WRITE");
	CHECK(oci_cap_name(41) == NULL && oci_cap_name(-1) == NULL);
	CHECK_STR(oci_ns_name(OCI_NS_NETWORK), "network");
	CHECK(oci_ns_from_name("time") == OCI_NS_TIME && oci_ns_from_name("net") == -1);
	CHECK_STR(oci_hook_kind_name(OCI_HOOK_START_CONTAINER), "startContainer");
	CHECK(oci_rlimit_from_name("RLIMIT_RTTIME") == RLIMIT_RTTIME);
	CHECK(oci_rlimit_from_name("RLIMIT_nofile") == -1);
	CHECK_STR(oci_rlimit_name(RLIMIT_NOFILE), "RLIMIT_NOFILE");
}

static void load_from_bundle(void)
{
	char dir[] = "/tmp/cell-test-XXXXXX", path[64];
	struct cell_err e = { 0 };
	struct oci_config *c;
	size_t len, big = OCI_CONFIG_MAX_SIZE + 1;
	char *text, *pad;
	int dfd, fd;

	if (!mkdtemp(dir)) {
		T_FAIL("mkdtemp");
		return;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(oci_config_load(dfd, &e) == NULL);
	CHECK_STR(e.msg, "open config.json: No such file or directory");
	CHECK(e.errnum == ENOENT);

	snprintf(path, sizeof path, "%s/config.json", dir);
	c = load_corpus("runc-spec.json", &text, &len);
	oci_config_free(c);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	CHECK(fd >= 0 && write(fd, text, len) == (ssize_t)len);
	close(fd);
	c = oci_config_load(dfd, &e);
	CHECK(c && c->n_mounts == 7);
	oci_config_free(c);

	/* Over the limit: refused before parsing, from disk and from memory. */
	pad = malloc(big);
	memset(pad, ' ', big);
	memcpy(pad, text, len);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	CHECK(fd >= 0 && write(fd, pad, big) == (ssize_t)big);
	close(fd);
	CHECK(oci_config_load(dfd, &e) == NULL);
	CHECK_STR(e.msg, "config.json: larger than 4 MiB");
	CHECK(oci_config_parse(pad, big, "config.json", &e) == NULL);
	CHECK_STR(e.msg, "config.json: larger than 4 MiB");
	c = oci_config_parse(pad, big - 1, "config.json", &e); /* exactly 4 MiB is fine */
	CHECK(c != NULL);
	oci_config_free(c);
	free(pad);
	free(text);
	/* Not a regular file: read up to the limit, then refuse. */
	unlink(path);
	CHECK(symlink("/dev/zero", path) == 0);
	CHECK(oci_config_load(dfd, &e) == NULL);
	CHECK_STR(e.msg, "config.json: larger than 4 MiB");
	unlink(path);
	close(dfd);
	rmdir(dir);
}

/* The config is parsed on every container start: keep it far below 100us. */
static void parse_speed(void)
{
	struct timespec a, b;
	size_t len, i, n = 20000;
	char *text;
	struct oci_config *c = load_corpus("runc-spec.json", &text, &len);
	double us;

	oci_config_free(c);
	if (!text)
		return;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++) {
		struct cell_err e;

		c = oci_config_parse(text, len, "config.json", &e);
		CHECK(c != NULL);
		oci_config_free(c);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	us = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / 1e3 / (double)n;
	printf("# runc default config (%zu bytes): %.2f us per oci_config_parse\n", len, us);
	CHECK(us < 1000.0); /* generous: sanitizer builds are slow */
	free(text);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		corpus = argv[1];
	RUN(runc_spec);
	RUN(full_config);
	RUN(resources_fields);
	RUN(minimal_config);
	RUN(error_messages);
	RUN(nulls_and_empty);
	RUN(spec_roundtrip);
	RUN(features_doc);
	RUN(names);
	RUN(load_from_bundle);
	RUN(parse_speed);
	return t_done();
}
