/* `cell features`: what this build implements. */
#include "features.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "config.h"
#include "spec.h"

#ifndef CELL_VERSION
#define CELL_VERSION "unknown"
#endif

static void feature(struct json_out *o, const char *key, bool on)
{
	jo_key(o, key);
	jo_obj_begin(o);
	jo_kbool(o, "enabled", on);
	jo_obj_end(o);
}

/* seccomp: what the kernel runs, asked without installing anything.
 * Actions: SECCOMP_GET_ACTION_AVAIL. Flags: the kernel checks them before
 * it reads the program, so a known flag with no program gives EFAULT and
 * an unknown one EINVAL. */
static bool action_available(uint32_t action)
{
	return syscall(SYS_seccomp, 2 /* SECCOMP_GET_ACTION_AVAIL */, 0, &action) == 0;
}

static bool flag_known(uint32_t flag)
{
	/* WAIT_KILLABLE_RECV is only valid together with a listener. */
	if (flag == (1U << 5))
		flag |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flag, NULL) < 0 && errno == EFAULT;
}

static void write_seccomp(struct json_out *o)
{
	const char *s;
	size_t i;

	jo_key(o, "seccomp");
	jo_obj_begin(o);
	jo_kbool(o, "enabled", true);
	jo_key(o, "actions");
	jo_arr_begin(o);
	for (i = 0; (s = oci_scmp_action_name(i)); i++)
		if (action_available(oci_scmp_action_value(i)))
			jo_str(o, s);
	jo_arr_end(o);
	jo_key(o, "operators");
	jo_arr_begin(o);
	for (i = 0; (s = oci_scmp_op_name(i)); i++)
		jo_str(o, s);
	jo_arr_end(o);
	/* The architectures seccomp/meson.build generates tables for. */
	jo_key(o, "archs");
	jo_arr_begin(o);
#if defined(__x86_64__)
	jo_str(o, "SCMP_ARCH_X86_64");
	jo_str(o, "SCMP_ARCH_X86");
	jo_str(o, "SCMP_ARCH_X32");
#elif defined(__aarch64__)
	jo_str(o, "SCMP_ARCH_AARCH64");
#endif
	jo_arr_end(o);
	jo_key(o, "knownFlags");
	jo_arr_begin(o);
	for (i = 0; (s = oci_scmp_flag_name(i)); i++)
		jo_str(o, s);
	jo_arr_end(o);
	jo_key(o, "supportedFlags");
	jo_arr_begin(o);
	for (i = 0; (s = oci_scmp_flag_name(i)); i++)
		if (flag_known(oci_scmp_flag_value(i)))
			jo_str(o, s);
	jo_arr_end(o);
	jo_obj_end(o);
}

static void write_linux(struct json_out *o)
{
	const char *s;
	size_t i;
	int c;

	jo_key(o, "linux");
	jo_obj_begin(o);
	jo_key(o, "namespaces");
	jo_arr_begin(o);
	for (i = 0; i < OCI_NS_COUNT; i++)
		jo_str(o, oci_ns_name((enum oci_ns_type)i));
	jo_arr_end(o);
	jo_key(o, "capabilities");
	jo_arr_begin(o);
	for (c = 0; (s = oci_cap_name(c)); c++)
		jo_str(o, s);
	jo_arr_end(o);
	jo_key(o, "cgroup");
	jo_obj_begin(o);
	jo_kbool(o, "v1", true);
	jo_kbool(o, "v2", true);
	/* slice:prefix:name paths are laid out as systemd would, but no unit
	 * is asked of systemd: there is no D-Bus client in cell. */
	jo_kbool(o, "systemd", false);
	jo_kbool(o, "systemdUser", false);
	jo_kbool(o, "rdma", true);
	jo_obj_end(o);
	write_seccomp(o);
	/* The spec: whether the runtime supports them, whatever the host has
	 * (lsm/: applied when enabled on the host, refused when not). */
	feature(o, "apparmor", true);
	feature(o, "selinux", true);
	feature(o, "intelRdt", false);
	jo_key(o, "mountExtensions");
	jo_obj_begin(o);
	jo_key(o, "idmap");
	jo_obj_begin(o);
	jo_kbool(o, "enabled", true);
	jo_obj_end(o);
	jo_obj_end(o);
	jo_key(o, "netDevices"); /* net/netdev.c */
	jo_obj_begin(o);
	jo_kbool(o, "enabled", true);
	jo_obj_end(o);
	jo_obj_end(o);
}

void oci_features_write(struct json_out *o)
{
	const char *s;
	size_t i;

	jo_obj_begin(o);
	jo_kstr(o, "ociVersionMin", "1.0.0");
	jo_kstr(o, "ociVersionMax", OCI_SPEC_VERSION);
	jo_key(o, "hooks");
	jo_arr_begin(o);
	for (i = 0; i < OCI_HOOK_NKINDS; i++)
		jo_str(o, oci_hook_kind_name((enum oci_hook_kind)i));
	jo_arr_end(o);
	jo_key(o, "mountOptions");
	jo_arr_begin(o);
	for (i = 0; (s = oci_mount_option_name(i)); i++)
		jo_str(o, s);
	jo_arr_end(o);
	write_linux(o);
	jo_key(o, "annotations");
	jo_obj_begin(o);
	jo_kstr(o, "io.github.cell.version", CELL_VERSION);
	jo_obj_end(o);
	jo_obj_end(o);
}
