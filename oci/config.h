/* The parsed bundle configuration (OCI runtime-spec config.json).
 * Parsed once by oci_config_load(); immutable afterwards: modules read it,
 * nobody writes it. All memory lives in one arena freed by oci_config_free(). */
#ifndef CELL_OCI_CONFIG_H
#define CELL_OCI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../util/err.h"
#include "resources.h"

#define OCI_CONFIG_MAX_SIZE (4u << 20) /* bytes of config.json we accept */

struct oci_kv {
	char *key;
	char *value;
};

struct oci_idmap {
	uint32_t container_id;
	uint32_t host_id;
	uint32_t size;
};

struct oci_mount {
	char *destination; /* absolute path inside the container */
	char *type;        /* may be NULL (bind mounts) */
	char *source;      /* may be NULL; relative paths are relative to the bundle */
	char **options;    /* the raw option strings, n_options of them, NULL-terminated */
	size_t n_options;
	/* Decoded options: */
	unsigned long flags;       /* MS_* to set (MS_BIND, MS_REC, MS_RDONLY, MS_NOSUID, ...) */
	unsigned long clear_flags; /* MS_* explicitly cleared ("rw", "suid", "dev", "exec", "atime", ...) */
	unsigned long propagation; /* MS_PRIVATE/MS_SLAVE/MS_SHARED/MS_UNBINDABLE (|MS_REC), 0 if none */
	char *data;                /* comma-joined filesystem options (size=, mode=, newinstance...), or NULL */
	bool is_bind;              /* "bind" or "rbind" given, or type "bind" */
	bool idmap;                /* "idmap" / "ridmap" option, or uid/gid mappings given */
	bool idmap_recursive;      /* "ridmap" */
	bool nosymfollow;          /* MOUNT_ATTR_NOSYMFOLLOW */
	bool tmpcopyup;            /* podman's "tmpcopyup" */
	struct oci_idmap *uid_mappings;
	size_t n_uid_mappings;
	struct oci_idmap *gid_mappings;
	size_t n_gid_mappings;
};

enum oci_cap_set {
	OCI_CAP_BOUNDING,
	OCI_CAP_EFFECTIVE,
	OCI_CAP_INHERITABLE,
	OCI_CAP_PERMITTED,
	OCI_CAP_AMBIENT,
	OCI_CAP_NSETS
};

struct oci_rlimit {
	int resource; /* RLIMIT_* */
	uint64_t soft;
	uint64_t hard;
};

struct oci_user {
	uint32_t uid;
	uint32_t gid;
	bool has_umask;
	uint32_t umask;
	uint32_t *additional_gids;
	size_t n_additional_gids;
	char *username; /* informational only */
};

struct oci_process {
	bool terminal;
	bool has_console_size;
	uint32_t console_height;
	uint32_t console_width;
	char **args; /* NULL-terminated, n_args > 0 when the process is present */
	size_t n_args;
	char **env; /* NULL-terminated (may be just {NULL}) */
	size_t n_env;
	char *cwd;  /* absolute; "/" when absent */
	struct oci_user user;
	bool has_capabilities; /* process.capabilities present */
	uint64_t caps[OCI_CAP_NSETS]; /* bit n = capability n */
	struct oci_rlimit *rlimits;
	size_t n_rlimits;
	bool no_new_privileges;
	bool has_oom_score_adj;
	int oom_score_adj;
	char *apparmor_profile;
	char *selinux_label;
};

enum oci_ns_type {
	OCI_NS_PID,
	OCI_NS_NETWORK,
	OCI_NS_MOUNT,
	OCI_NS_IPC,
	OCI_NS_UTS,
	OCI_NS_USER,
	OCI_NS_CGROUP,
	OCI_NS_TIME,
	OCI_NS_COUNT
};

struct oci_namespace {
	bool present; /* listed in linux.namespaces */
	char *path;   /* join this one instead of creating; NULL to create */
};

struct oci_device {
	char *path;    /* absolute, inside the container */
	char type;     /* 'c', 'b', 'u' (= 'c') or 'p' */
	int64_t major; /* -1 for 'p' */
	int64_t minor;
	bool has_file_mode;
	uint32_t file_mode; /* permission bits only */
	bool has_uid;
	uint32_t uid;
	bool has_gid;
	uint32_t gid;
};

struct oci_time_offset {
	bool present;
	int64_t secs;
	uint32_t nanosecs;
};

enum oci_hook_kind {
	OCI_HOOK_PRESTART,
	OCI_HOOK_CREATE_RUNTIME,
	OCI_HOOK_CREATE_CONTAINER,
	OCI_HOOK_START_CONTAINER,
	OCI_HOOK_POSTSTART,
	OCI_HOOK_POSTSTOP,
	OCI_HOOK_NKINDS
};

struct oci_hook {
	char *path;
	char **args; /* NULL-terminated, may be {NULL} */
	char **env;  /* NULL-terminated, may be {NULL} */
	int timeout; /* seconds, 0 = none */
};

/* linux.seccomp, decoded (names stay strings: seccomp/ maps them per
 * architecture). Values are the kernel's: actions are SECCOMP_RET_* with
 * their data, flags SECCOMP_FILTER_FLAG_*. */
enum oci_scmp_op {
	OCI_SCMP_NE,
	OCI_SCMP_LT,
	OCI_SCMP_LE,
	OCI_SCMP_EQ,
	OCI_SCMP_GE,
	OCI_SCMP_GT,
	OCI_SCMP_MASKED_EQ,
	OCI_SCMP_NOPS
};

enum oci_scmp_arch {
	OCI_SCMP_X86_64,
	OCI_SCMP_X86,
	OCI_SCMP_X32,
	OCI_SCMP_AARCH64,
	OCI_SCMP_ARM,
	OCI_SCMP_NARCHS
};

struct oci_scmp_arg {
	uint32_t index; /* 0..5 */
	enum oci_scmp_op op;
	uint64_t value;
	uint64_t value_two; /* MASKED_EQ: (arg & value) == value_two */
};

struct oci_scmp_rule {
	char **names;
	size_t n_names;
	uint32_t action; /* SECCOMP_RET_* | data (errno, trace message) */
	struct oci_scmp_arg *args;
	size_t n_args;
};

struct oci_seccomp {
	uint32_t default_action;
	uint32_t archs;      /* bit (1 << enum oci_scmp_arch) of those cell knows */
	bool has_archs;      /* architectures listed (maybe only foreign ones) */
	uint32_t flags;      /* SECCOMP_FILTER_FLAG_* asked for */
	bool notify;         /* some rule or the default says NOTIFY */
	char *listener_path; /* NULL when absent */
	char *listener_metadata;
	struct oci_scmp_rule *rules;
	size_t n_rules;
};

/* linux.netDevices: the host interface `host`, moved into the container's
 * network namespace as `name` (NULL: the same name). */
struct oci_netdev {
	char *host;
	char *name;
};

struct oci_linux {
	struct oci_namespace ns[OCI_NS_COUNT];
	struct oci_idmap *uid_mappings;
	size_t n_uid_mappings;
	struct oci_idmap *gid_mappings;
	size_t n_gid_mappings;
	struct oci_device *devices;
	size_t n_devices;
	char **masked_paths;
	size_t n_masked_paths;
	char **readonly_paths;
	size_t n_readonly_paths;
	unsigned long rootfs_propagation; /* MS_* | maybe MS_REC; 0 = default */
	struct oci_kv *sysctl;
	size_t n_sysctl;
	char *cgroups_path;     /* NULL when absent */
	char *mount_label;
	struct oci_time_offset time_boottime;
	struct oci_time_offset time_monotonic;
	/* Raw JSON text of sections later modules decode themselves
	 * (NULL when absent). Points into the arena, NUL-terminated. */
	struct oci_resources resources;
	char *seccomp_json;
	struct oci_seccomp *seccomp; /* decoded seccomp_json, NULL when absent */
	struct oci_netdev *net_devices; /* netDevices */
	size_t n_net_devices;
};

struct oci_config {
	char *oci_version;
	char *root_path; /* as written in config.json */
	bool root_readonly;
	bool has_process;
	struct oci_process process;
	char *hostname; /* NULL when absent */
	char *domainname;
	struct oci_mount *mounts;
	size_t n_mounts;
	struct oci_hook *hooks[OCI_HOOK_NKINDS];
	size_t n_hooks[OCI_HOOK_NKINDS];
	struct oci_kv *annotations;
	size_t n_annotations;
	bool has_linux;
	struct oci_linux linux_;
	void *arena; /* private to oci/config.c */
};

/* Read and parse DIR/config.json. Errors name the file and the field:
 * "config.json: process.args[0]: must be a string". */
struct oci_config *oci_config_load(int bundle_dirfd, struct cell_err *e);

/* Parse a config.json already in memory (len bytes, need not be
 * NUL-terminated). `name` prefixes error messages (e.g. "config.json"). */
struct oci_config *oci_config_parse(const char *buf, size_t len, const char *name,
				    struct cell_err *e);

/* A process.json (`exec --process`): only `process` is filled; errors
 * name the file and the field relative to the process object. */
struct oci_config *oci_process_parse(const char *buf, size_t len, const char *name,
				     struct cell_err *e);

void oci_config_free(struct oci_config *c);

/* Capability name ("CAP_SYS_ADMIN", case-insensitive, prefix optional)
 * to number, or -1. And back (canonical "CAP_..." name), or NULL. */
int oci_cap_from_name(const char *name);
const char *oci_cap_name(int cap);
int oci_cap_last(void); /* highest capability number cell knows */

/* Namespace type name as in the spec ("pid", "network", ...), and back. */
const char *oci_ns_name(enum oci_ns_type t);
int oci_ns_from_name(const char *name);

const char *oci_hook_kind_name(enum oci_hook_kind k);

/* rlimit name as in the spec ("RLIMIT_NOFILE") to RLIMIT_*, or -1; and back. */
int oci_rlimit_from_name(const char *name);
const char *oci_rlimit_name(int resource);

/* The i-th mount option name cell decodes into flags (for `cell features`),
 * NULL past the end. Other options are passed to mount(2) as data. */
const char *oci_mount_option_name(size_t i);

/* seccomp names as in the spec, indexed as the enums / SECCOMP_RET_*
 * tables (for `cell features` and seccomp-dump); NULL past the end. */
const char *oci_scmp_op_name(size_t i);
const char *oci_scmp_arch_name(size_t i);
const char *oci_scmp_action_name(size_t i);
uint32_t oci_scmp_action_value(size_t i);
const char *oci_scmp_flag_name(size_t i);
uint32_t oci_scmp_flag_value(size_t i);

#endif
