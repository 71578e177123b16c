/* Which namespaces the container gets, joining them by path, and the
 * checks that depend on them. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../lsm/lsm.h"
#include "../util/fs.h"
#include "internal.h"

static const unsigned long clone_flags[OCI_NS_COUNT] = {
	[OCI_NS_PID] = CLONE_NEWPID,   [OCI_NS_NETWORK] = CLONE_NEWNET,
	[OCI_NS_MOUNT] = CLONE_NEWNS,  [OCI_NS_IPC] = CLONE_NEWIPC,
	[OCI_NS_UTS] = CLONE_NEWUTS,   [OCI_NS_USER] = CLONE_NEWUSER,
	[OCI_NS_CGROUP] = CLONE_NEWCGROUP, [OCI_NS_TIME] = 0x00000080 /* CLONE_NEWTIME */,
};

unsigned long ns_clone_flag(enum oci_ns_type t)
{
	return clone_flags[t];
}

static bool ns_new(const struct oci_linux *l, enum oci_ns_type t)
{
	return l->ns[t].present && l->ns[t].path == NULL;
}

static bool ns_has(const struct oci_linux *l, enum oci_ns_type t)
{
	return l->ns[t].present;
}

int ns_open_paths(const struct oci_config *cfg, int join_fd[OCI_NS_COUNT], struct cell_err *e)
{
	for (int t = 0; t < OCI_NS_COUNT; t++)
		join_fd[t] = -1;
	for (int t = 0; t < OCI_NS_COUNT; t++) {
		const char *path = cfg->linux_.ns[t].path;

		if (!cfg->linux_.ns[t].present || path == NULL)
			continue;
		join_fd[t] = open(path, O_RDONLY | O_CLOEXEC);
		if (join_fd[t] < 0) {
			cell_err_sys(e, "linux.namespaces: open %s namespace `%s`", oci_ns_name(t), path);
			ns_close_paths(join_fd);
			return -1;
		}
	}
	return 0;
}

void ns_close_paths(int join_fd[OCI_NS_COUNT])
{
	for (int t = 0; t < OCI_NS_COUNT; t++) {
		if (join_fd[t] >= 0)
			close(join_fd[t]);
		join_fd[t] = -1;
	}
}

/* A pid namespace is joined for children only, a user namespace must be
 * entered before the namespaces it will own are made, and the time offsets
 * must be written before any process enters the time namespace: all three
 * need a process that acts before the init is cloned. */
bool ns_needs_intermediate(const struct oci_config *cfg)
{
	const struct oci_linux *l = &cfg->linux_;
	bool any_path = false;

	for (int t = 0; t < OCI_NS_COUNT; t++)
		any_path |= l->ns[t].present && l->ns[t].path != NULL;
	if (l->ns[OCI_NS_PID].path != NULL || l->ns[OCI_NS_USER].path != NULL)
		return true;
	if (any_path && ns_new(l, OCI_NS_USER))
		return true;
	return l->time_boottime.present || l->time_monotonic.present;
}

/* The user namespace first (it owns the others), the mount namespace
 * last (it changes our root). */
int ns_join(const int join_fd[OCI_NS_COUNT], struct cell_err *e)
{
	static const enum oci_ns_type order[] = {
		OCI_NS_USER, OCI_NS_PID, OCI_NS_NETWORK, OCI_NS_IPC, OCI_NS_UTS,
		OCI_NS_CGROUP, OCI_NS_TIME, OCI_NS_MOUNT,
	};

	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		enum oci_ns_type t = order[i];

		if (join_fd[t] < 0)
			continue;
		if (setns(join_fd[t], (int)clone_flags[t]) < 0)
			return cell_err_sys(e, "join %s namespace (linux.namespaces)", oci_ns_name(t));
	}
	return 0;
}

int ns_write_time_offsets(const struct oci_config *cfg, struct cell_err *e)
{
	const struct oci_linux *l = &cfg->linux_;
	char buf[128];
	int n = 0;

	if (!l->time_boottime.present && !l->time_monotonic.present)
		return 0;
	if (unshare(0x00000080 /* CLONE_NEWTIME */) < 0)
		return cell_err_sys(e, "unshare time namespace");
	if (l->time_monotonic.present)
		n += snprintf(buf + n, sizeof buf - (size_t)n, "monotonic %lld %u\n",
			      (long long)l->time_monotonic.secs, l->time_monotonic.nanosecs);
	if (l->time_boottime.present)
		n += snprintf(buf + n, sizeof buf - (size_t)n, "boottime %lld %u\n",
			      (long long)l->time_boottime.secs, l->time_boottime.nanosecs);
	if (fs_write_str_at(AT_FDCWD, "/proc/self/timens_offsets", buf, e) < 0)
		return cell_err_wrap(e, "linux.timeOffsets");
	return 0;
}

static int validate_sysctl(const struct oci_linux *l, const char *key, struct cell_err *e)
{
	static const char *const ipc_keys[] = {
		"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
		"kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
	};

	for (size_t i = 0; i < sizeof ipc_keys / sizeof ipc_keys[0]; i++) {
		if (strcmp(key, ipc_keys[i]) == 0)
			goto ipc;
	}
	if (strncmp(key, "fs.mqueue.", 10) == 0)
		goto ipc;
	if (strncmp(key, "net.", 4) == 0) {
		if (!ns_has(l, OCI_NS_NETWORK))
			return cell_err_set(e, EINVAL, "linux.sysctl.%s: needs a network namespace", key);
		return 0;
	}
	if (strcmp(key, "kernel.hostname") == 0 || strcmp(key, "kernel.domainname") == 0) {
		if (!ns_has(l, OCI_NS_UTS))
			return cell_err_set(e, EINVAL, "linux.sysctl.%s: needs a uts namespace", key);
		return 0;
	}
	return cell_err_set(e, EINVAL, "linux.sysctl.%s: not a namespaced sysctl", key);
ipc:
	if (!ns_has(l, OCI_NS_IPC))
		return cell_err_set(e, EINVAL, "linux.sysctl.%s: needs an ipc namespace", key);
	return 0;
}

int ns_validate(const struct oci_config *cfg, struct cell_err *e)
{
	const struct oci_linux *l = &cfg->linux_;
	struct lsm_host lsm;

	if (!cfg->has_process)
		return cell_err_set(e, EINVAL, "config.json: process: required to run a container");
	if (!ns_has(l, OCI_NS_MOUNT))
		return cell_err_set(e, EINVAL, "config.json: linux.namespaces: a mount namespace is required");
	if ((cfg->hostname != NULL || cfg->domainname != NULL) && !ns_has(l, OCI_NS_UTS))
		return cell_err_set(e, EINVAL, "config.json: %s: needs a uts namespace",
				    cfg->hostname != NULL ? "hostname" : "domainname");
	if (ns_new(l, OCI_NS_USER) && (l->n_uid_mappings == 0 || l->n_gid_mappings == 0) &&
	    idmap_auto_size(cfg) == 0)
		return cell_err_set(e, EINVAL,
				    "config.json: linux.uidMappings/gidMappings: a new user namespace needs both");
	/* With a joined user namespace the maps are the namespace's own; podman
	 * passes them along anyway, so they are accepted and not written. */
	if (!ns_has(l, OCI_NS_USER) && (l->n_uid_mappings != 0 || l->n_gid_mappings != 0))
		return cell_err_set(e, EINVAL,
				    "config.json: linux.uidMappings: given without a user namespace");
	if ((l->time_boottime.present || l->time_monotonic.present) && !ns_new(l, OCI_NS_TIME))
		return cell_err_set(e, EINVAL, "config.json: linux.timeOffsets: needs a new time namespace");
	for (size_t i = 0; i < l->n_sysctl; i++) {
		if (validate_sysctl(l, l->sysctl[i].key, e) < 0)
			return cell_err_wrap(e, "config.json");
	}
	lsm_host_probe(&lsm, &cfg->process, NULL);
	if (lsm_check_process(&lsm, &cfg->process, e) < 0)
		return cell_err_wrap(e, "config.json");
	return 0;
}
