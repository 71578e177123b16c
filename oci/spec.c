/* `cell spec`: the default config.json, equivalent to `runc spec` but for
 * a busybox-style rootfs (no ambient/inheritable capabilities, terminal
 * off so `cell run` works without a console socket). */
#include "spec.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

static void strv(struct json_out *o, const char *key, const char *const *v, size_t n)
{
	size_t i;

	jo_key(o, key);
	jo_arr_begin(o);
	for (i = 0; i < n; i++)
		jo_str(o, v[i]);
	jo_arr_end(o);
}

#define STRV(o, key, arr) strv(o, key, arr, sizeof arr / sizeof arr[0])

static void write_process(struct json_out *o, const struct oci_spec_opts *opts)
{
	static const char *const env[] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"TERM=xterm",
	};
	static const char *const caps[] = {
		"CAP_AUDIT_WRITE",
		"CAP_KILL",
		"CAP_NET_BIND_SERVICE",
	};
	size_t i;

	jo_key(o, "process");
	jo_obj_begin(o);
	jo_kbool(o, "terminal", opts->terminal);
	jo_key(o, "user");
	jo_obj_begin(o);
	jo_ki64(o, "uid", 0);
	jo_ki64(o, "gid", 0);
	jo_obj_end(o);
	jo_key(o, "args");
	jo_arr_begin(o);
	if (opts->args) {
		for (i = 0; opts->args[i]; i++)
			jo_str(o, opts->args[i]);
	} else {
		jo_str(o, "sh");
	}
	jo_arr_end(o);
	STRV(o, "env", env);
	jo_kstr(o, "cwd", "/");
	jo_key(o, "capabilities");
	jo_obj_begin(o);
	STRV(o, "bounding", caps);
	STRV(o, "effective", caps);
	STRV(o, "permitted", caps);
	jo_obj_end(o);
	jo_key(o, "rlimits");
	jo_arr_begin(o);
	jo_obj_begin(o);
	jo_kstr(o, "type", "RLIMIT_NOFILE");
	jo_ki64(o, "hard", 1024);
	jo_ki64(o, "soft", 1024);
	jo_obj_end(o);
	jo_arr_end(o);
	jo_kbool(o, "noNewPrivileges", true);
	jo_obj_end(o);
}

static const struct {
	const char *dest, *type, *source;
	const char *opts[7];
} default_mounts[] = {
	{ "/proc", "proc", "proc", { NULL } },
	{ "/dev", "tmpfs", "tmpfs", { "nosuid", "strictatime", "mode=755", "size=65536k" } },
	{ "/dev/pts", "devpts", "devpts",
	  { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5" } },
	{ "/dev/shm", "tmpfs", "shm", { "nosuid", "noexec", "nodev", "mode=1777", "size=65536k" } },
	{ "/dev/mqueue", "mqueue", "mqueue", { "nosuid", "noexec", "nodev" } },
	{ "/sys", "sysfs", "sysfs", { "nosuid", "noexec", "nodev", "ro" } },
	{ "/sys/fs/cgroup", "cgroup", "cgroup", { "nosuid", "noexec", "nodev", "relatime", "ro" } },
};

/* sysfs can be mounted only by the owner of the network namespace: a
 * user without privileges on the host's network binds the host's /sys
 * (runc's spec --rootless does so always). */
static void write_sys_bind(struct json_out *o)
{
	static const char *const opts[] = { "rbind", "nosuid", "noexec", "nodev", "ro" };

	jo_obj_begin(o);
	jo_kstr(o, "destination", "/sys");
	jo_kstr(o, "type", "none");
	jo_kstr(o, "source", "/sys");
	STRV(o, "options", opts);
	jo_obj_end(o);
}

static void write_mounts(struct json_out *o, bool rootless, bool host_net)
{
	size_t i, j;

	jo_key(o, "mounts");
	jo_arr_begin(o);
	for (i = 0; i < sizeof default_mounts / sizeof default_mounts[0]; i++) {
		if (rootless && host_net && strcmp(default_mounts[i].dest, "/sys") == 0) {
			write_sys_bind(o);
			continue;
		}
		jo_obj_begin(o);
		jo_kstr(o, "destination", default_mounts[i].dest);
		jo_kstr(o, "type", default_mounts[i].type);
		jo_kstr(o, "source", default_mounts[i].source);
		if (default_mounts[i].opts[0]) {
			jo_key(o, "options");
			jo_arr_begin(o);
			for (j = 0; j < 7 && default_mounts[i].opts[j]; j++) {
				/* Only the caller's gid is mapped without privilege. */
				if (rootless && strcmp(default_mounts[i].opts[j], "gid=5") == 0)
					continue;
				jo_str(o, default_mounts[i].opts[j]);
			}
			jo_arr_end(o);
		}
		jo_obj_end(o);
	}
	jo_arr_end(o);
}

/* One line 0 -> host_id; rootless with a subuid range (ropts) adds
 * 1.. -> the range, written through newuidmap/newgidmap. */
static void write_idmap(struct json_out *o, const char *key, unsigned int host_id, uint32_t size,
			const struct oci_spec_opts *ropts)
{
	jo_key(o, key);
	jo_arr_begin(o);
	jo_obj_begin(o);
	jo_ki64(o, "containerID", 0);
	jo_ki64(o, "hostID", host_id);
	jo_ki64(o, "size", size);
	jo_obj_end(o);
	if (ropts != NULL && ropts->rootless_range) {
		jo_obj_begin(o);
		jo_ki64(o, "containerID", 1);
		jo_ki64(o, "hostID", ropts->map_from);
		jo_ki64(o, "size", ropts->map_size);
		jo_obj_end(o);
	}
	jo_arr_end(o);
}

static void write_linux(struct json_out *o, const struct oci_spec_opts *opts)
{
	static const char *const namespaces[] = {
		"pid", "network", "ipc", "uts", "mount", "cgroup",
	};
	/* runc's lists, plus powercap (energy counters leak host activity). */
	static const char *const masked[] = {
		"/proc/acpi",
		"/proc/asound",
		"/proc/kcore",
		"/proc/keys",
		"/proc/latency_stats",
		"/proc/timer_list",
		"/proc/timer_stats",
		"/proc/sched_debug",
		"/sys/firmware",
		"/proc/scsi",
		"/sys/devices/virtual/powercap",
	};
	static const char *const readonly[] = {
		"/proc/bus",
		"/proc/fs",
		"/proc/irq",
		"/proc/sys",
		"/proc/sysrq-trigger",
	};
	size_t i;

	jo_key(o, "linux");
	jo_obj_begin(o);
	if (opts->rootless) {
		/* No cgroup resources: an unprivileged user has none to set. */
		write_idmap(o, "uidMappings", opts->uid, 1, opts);
		write_idmap(o, "gidMappings", opts->gid, 1, opts);
	} else {
		/* `auto`: the range is leased at create (cell.idmap.size). */
		if (opts->userns && !opts->map_auto) {
			write_idmap(o, "uidMappings", opts->map_from, opts->map_size, NULL);
			write_idmap(o, "gidMappings", opts->map_from, opts->map_size, NULL);
		}
		jo_key(o, "resources");
		jo_obj_begin(o);
		jo_key(o, "devices");
		jo_arr_begin(o);
		jo_obj_begin(o);
		jo_kbool(o, "allow", false);
		jo_kstr(o, "access", "rwm");
		jo_obj_end(o);
		jo_arr_end(o);
		jo_obj_end(o);
	}
	jo_key(o, "namespaces");
	jo_arr_begin(o);
	for (i = 0; i < sizeof namespaces / sizeof namespaces[0]; i++) {
		bool net = strcmp(namespaces[i], "network") == 0;

		if (net && opts->net == OCI_SPEC_NET_HOST)
			continue;
		jo_obj_begin(o);
		jo_kstr(o, "type", namespaces[i]);
		if (net && opts->net == OCI_SPEC_NET_NS)
			jo_kstr(o, "path", opts->net_arg);
		jo_obj_end(o);
	}
	if (opts->rootless || opts->userns) {
		jo_obj_begin(o);
		jo_kstr(o, "type", "user");
		jo_obj_end(o);
	}
	jo_arr_end(o);
	STRV(o, "maskedPaths", masked);
	STRV(o, "readonlyPaths", readonly);
	jo_obj_end(o);
}

/* The cell.net.* and cell.idmap.* annotations (net/ and idmap/ read them;
 * other runtimes ignore them). */
static void write_annotations(struct json_out *o, const struct oci_spec_opts *opts)
{
	static const char *const type[] = { [OCI_SPEC_NET_NONE] = "none", [OCI_SPEC_NET_HOST] = "host",
					    [OCI_SPEC_NET_BRIDGE] = "veth", [OCI_SPEC_NET_NS] = "ns" };
	bool idmap_auto = opts->userns && opts->map_auto;
	char size[16];

	if (opts->net == OCI_SPEC_NET_DEFAULT && !idmap_auto)
		return;
	jo_key(o, "annotations");
	jo_obj_begin(o);
	if (idmap_auto) {
		snprintf(size, sizeof size, "%u", opts->map_size);
		jo_kstr(o, "cell.idmap.size", size);
	}
	if (opts->net == OCI_SPEC_NET_DEFAULT) {
		jo_obj_end(o);
		return;
	}
	jo_kstr(o, "cell.net.type", type[opts->net]);
	if (opts->net == OCI_SPEC_NET_BRIDGE) {
		jo_kstr(o, "cell.net.bridge", opts->net_arg ? opts->net_arg : "cellbr0");
		jo_kstr(o, "cell.net.ipv4", "auto");
	}
	jo_obj_end(o);
}

int oci_spec_write(struct json_out *o, const struct oci_spec_opts *opts)
{
	static const struct oci_spec_opts defaults;

	if (!opts)
		opts = &defaults;
	jo_obj_begin(o);
	jo_kstr(o, "ociVersion", OCI_SPEC_VERSION);
	write_process(o, opts);
	jo_key(o, "root");
	jo_obj_begin(o);
	jo_kstr(o, "path", opts->rootfs ? opts->rootfs : "rootfs");
	jo_kbool(o, "readonly", true);
	jo_obj_end(o);
	jo_kstr(o, "hostname", "cell");
	write_mounts(o, opts->rootless, opts->net == OCI_SPEC_NET_HOST);
	write_linux(o, opts);
	write_annotations(o, opts);
	jo_obj_end(o);
	if (o->oom) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}
