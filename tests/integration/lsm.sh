# shellcheck shell=bash disable=SC2016 # sh -c scripts are single-quoted on purpose
# AppArmor and SELinux labels (lsm/) on a host where neither is enabled:
# a profile or process label is refused before anything is made (as runc),
# linux.mountLabel is ignored (as runc and crun). Their effect with
# AppArmor enabled is tested in the VM (tests/vm/cases/lsm.sh).

aa_enabled() {
	[ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ] &&
		[ -d /sys/kernel/security/apparmor ]
}

se_enabled() {
	[ -e /sys/fs/selinux/enforce ]
}

test_lsm_features_report_apparmor_and_selinux() {
	assert_ok "$CELL" features
	assert_eq "True True" "$(printf '%s' "$OUT" | python3 -c 'import json, sys
d = json.load(sys.stdin)["linux"]
print(d["apparmor"]["enabled"], d["selinux"]["enabled"])')" "features: apparmor, selinux"
}

test_lsm_apparmor_profile_refused_when_apparmor_off() {
	aa_enabled && skip "AppArmor is enabled on this host"
	make_bundle
	cfg 'process.apparmorProfile=cell-test'
	BEFORE=$(mounts_snapshot)
	ctr_run aa1
	expect_clean_failure aa1 'process\.apparmorProfile `cell-test`: AppArmor is not enabled on this host \(`/sys/module/apparmor/parameters/enabled` is not Y'
}

test_lsm_apparmor_unconfined_runs_when_apparmor_off() {
	aa_enabled && skip "AppArmor is enabled on this host"
	make_bundle
	cfg 'process.apparmorProfile=unconfined'
	cfg_sh 'echo ran'
	ctr_run aa2
	assert_rc 0
	assert_eq ran "$OUT"
}

test_lsm_selinux_label_refused_when_selinux_off() {
	se_enabled && skip "SELinux is enabled on this host"
	make_bundle
	cfg 'process.selinuxLabel=system_u:system_r:container_t:s0:c1,c2'
	BEFORE=$(mounts_snapshot)
	ctr_run se1
	expect_clean_failure se1 'process\.selinuxLabel `system_u:system_r:container_t:s0:c1,c2`: SELinux is not enabled on this host \(no selinuxfs on `/sys/fs/selinux`\)'
}

test_lsm_mount_label_ignored_when_selinux_off() {
	se_enabled && skip "SELinux is enabled on this host"
	make_bundle
	cfg 'linux.mountLabel=system_u:object_r:container_file_t:s0:c1,c2'
	add_mount /data tmpfs tmpfs '["mode=700"]'
	cfg_sh 'grep -c "context=" /proc/self/mountinfo; awk "\$5 == \"/data\" { print \$9 }" /proc/self/mountinfo'
	ctr_run se2
	assert_rc 0
	assert_eq "$(printf '0\ntmpfs')" "$OUT" "mounts without context=, /data a tmpfs"
}

test_lsm_exec_profile_refused_when_apparmor_off() {
	aa_enabled && skip "AppArmor is enabled on this host"
	make_bundle
	cfg_args sleep 600
	ctr_detach aa3
	local before
	before=$(rt ps aa3 | wc -l)
	try rt exec --apparmor cell-test aa3 true
	[ "$RC" != 0 ] || fail "exec --apparmor succeeded"
	assert_match "$ERR" '^cell: exec: process\.apparmorProfile `cell-test`: AppArmor is not enabled on this host' "exec --apparmor"
	assert_one_line "$ERR"
	printf '%s' '{"args":["true"],"cwd":"/","user":{"uid":0,"gid":0},"apparmorProfile":"cell-x"}' >"$T/p.json"
	try rt exec -p "$T/p.json" aa3
	[ "$RC" != 0 ] || fail "exec -p with apparmorProfile succeeded"
	assert_match "$ERR" 'process\.apparmorProfile `cell-x`: AppArmor is not enabled' "exec -p"
	try rt exec --process-label system_u:system_r:container_t:s0 aa3 true
	[ "$RC" != 0 ] || fail "exec --process-label succeeded"
	assert_match "$ERR" 'process\.selinuxLabel `system_u:system_r:container_t:s0`: SELinux is not enabled' "exec --process-label"
	assert_eq running "$(ctr_status aa3)" "the container after the refused execs"
	assert_eq "$before" "$(rt ps aa3 | wc -l)" "processes of the container"
	assert_ok rt exec aa3 true
}
