/* lsm/: what is refused on which host (every error names its field), the
 * mount label as mount data, and which filesystems take it. */
#include <errno.h>
#include <string.h>

#include "../../lsm/lsm.h"
#include "t.h"

static struct cell_err e;
static const struct lsm_host none = { false, false };
static const struct lsm_host aa = { true, false };
static const struct lsm_host se = { false, true };

static int check(const struct lsm_host *h, const char *profile, const char *label)
{
	struct oci_process p = { 0 };

	p.apparmor_profile = (char *)profile;
	p.selinux_label = (char *)label;
	memset(&e, 0, sizeof e);
	return lsm_check_process(h, &p, &e);
}

static void apparmor_off_refuses_a_profile(void)
{
	CHECK(check(&none, "cell-test", NULL) < 0);
	CHECK(e.errnum == EOPNOTSUPP);
	CHECK(strstr(e.msg, "process.apparmorProfile `cell-test`: AppArmor is not enabled on this host") == e.msg);
	CHECK(strstr(e.msg, "/sys/module/apparmor/parameters/enabled") != NULL);
	CHECK(check(&se, "cell-test", NULL) < 0);
	/* No confinement asked where there is none; empty is unset. */
	CHECK(check(&none, "unconfined", NULL) == 0);
	CHECK(check(&none, "", "") == 0);
	CHECK(check(&none, NULL, NULL) == 0);
	CHECK(check(&aa, "cell-test", NULL) == 0);
}

static void selinux_off_refuses_a_label(void)
{
	CHECK(check(&none, NULL, "system_u:system_r:container_t:s0") < 0);
	CHECK_STR(e.msg, "process.selinuxLabel `system_u:system_r:container_t:s0`: SELinux is not enabled on this host (no selinuxfs on `/sys/fs/selinux`)");
	CHECK(check(&aa, NULL, "system_u:system_r:container_t:s0") < 0);
	CHECK(check(&se, NULL, "system_u:system_r:container_t:s0:c1,c2") == 0);
	CHECK(check(&se, "cell-test", "system_u:system_r:container_t:s0") < 0);
	CHECK(strstr(e.msg, "process.apparmorProfile") == e.msg);
}

static void control_characters_refused(void)
{
	CHECK(check(&aa, "a\nchange_profile x", NULL) < 0);
	CHECK(strstr(e.msg, "process.apparmorProfile `a") == e.msg);
	CHECK(strstr(e.msg, "control character") != NULL);
	CHECK(check(&se, NULL, "x\ty") < 0);
	CHECK(strstr(e.msg, "process.selinuxLabel") == e.msg);
}

static void mount_label_only_with_selinux(void)
{
	struct oci_config cfg = { 0 };

	cfg.linux_.mount_label = "system_u:object_r:container_file_t:s0";
	CHECK(lsm_mount_label(&none, &cfg) == NULL);
	CHECK(lsm_mount_label(&aa, &cfg) == NULL);
	CHECK_STR(lsm_mount_label(&se, &cfg), "system_u:object_r:container_file_t:s0");
	cfg.linux_.mount_label = "";
	CHECK(lsm_mount_label(&se, &cfg) == NULL);
}

static void mount_how_by_type(void)
{
	CHECK(lsm_mount_how("tmpfs") == LSM_MOUNT_CONTEXT);
	CHECK(lsm_mount_how("devpts") == LSM_MOUNT_CONTEXT);
	CHECK(lsm_mount_how("mqueue") == LSM_MOUNT_XATTR);
	CHECK(lsm_mount_how("proc") == LSM_MOUNT_NONE);
	CHECK(lsm_mount_how("sysfs") == LSM_MOUNT_NONE);
	CHECK(lsm_mount_how("cgroup") == LSM_MOUNT_NONE);
	CHECK(lsm_mount_how("cgroup2") == LSM_MOUNT_NONE);
	CHECK(lsm_mount_how(NULL) == LSM_MOUNT_NONE);
}

static void mount_data(void)
{
	char buf[64];
	const char *out = NULL;
	const char *data = "mode=755";

	memset(&e, 0, sizeof e);
	CHECK(lsm_mount_data(NULL, data, buf, sizeof buf, &out, &e) == 0);
	CHECK(out == data);
	CHECK(lsm_mount_data("u:r:t:s0:c1,c2", data, buf, sizeof buf, &out, &e) == 0);
	CHECK_STR(out, "mode=755,context=\"u:r:t:s0:c1,c2\"");
	CHECK(lsm_mount_data("u:r:t:s0", NULL, buf, sizeof buf, &out, &e) == 0);
	CHECK_STR(out, "context=\"u:r:t:s0\"");
	CHECK(lsm_mount_data("u:r:t:s0", "", buf, sizeof buf, &out, &e) == 0);
	CHECK_STR(out, "context=\"u:r:t:s0\"");
	CHECK(lsm_mount_data("u:r:\"t", data, buf, sizeof buf, &out, &e) < 0);
	CHECK(strstr(e.msg, "linux.mountLabel `u:r:\"t`") == e.msg);
	CHECK(lsm_mount_data("u:r:t:s0:c1,c2,c3,c4,c5,c6,c7,c8,c9,c10,c11,c12", data, buf, sizeof buf,
			     &out, &e) < 0);
	CHECK(e.errnum == E2BIG);
	CHECK(strstr(e.msg, "linux.mountLabel") == e.msg);
}

static void nothing_to_write_touches_nothing(void)
{
	struct oci_process p = { 0 };

	/* "unconfined" without AppArmor, a label without SELinux (refused
	 * earlier by lsm_check_process): no /proc is opened at all. */
	p.apparmor_profile = "unconfined";
	memset(&e, 0, sizeof e);
	CHECK(lsm_set_exec(&none, &p, &e) == 0);
	CHECK(e.msg[0] == '\0');
}

int main(void)
{
	RUN(apparmor_off_refuses_a_profile);
	RUN(selinux_off_refuses_a_label);
	RUN(control_characters_refused);
	RUN(mount_label_only_with_selinux);
	RUN(mount_how_by_type);
	RUN(mount_data);
	RUN(nothing_to_write_touches_nothing);
	return t_done();
}
