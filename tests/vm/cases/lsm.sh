# shellcheck shell=sh
# AppArmor (lsm/): Debian's kernel has it as its default LSM. The policy of
# tests/vm/apparmor.profile (compiled by vm.sh on the host) is loaded
# through securityfs; containers and exec'd processes run under the
# profile the config or `exec --apparmor` names. The profile does not
# depend on the cgroup layout: the cases run in the v2 VM only.

SECFS=/sys/kernel/security/apparmor

# aa_setup: the policy loaded, and $T/rootfs a copy of /vm/rootfs with
# /etc/aa-allowed and /etc/aa-denied (cell-test denies the second,
# cell-test2 the first).
aa_setup() {
	[ "$LAYOUT" = v2 ] || skip "AppArmor cases run in the v2 VM"
	grep -qw apparmor /sys/kernel/security/lsm 2>/dev/null ||
		fail "AppArmor is not an active LSM of this kernel: $(cat /sys/kernel/security/lsm 2>&1)"
	[ -f /vm/apparmor.bin ] || fail "no /vm/apparmor.bin: apparmor_parser missing on the host (tests/deps.sh)"
	dd if=/vm/apparmor.bin of=$SECFS/.replace bs=1M 2>/dev/null || fail "load the test policy into $SECFS/.replace"
	grep -q '^cell-test (enforce)' $SECFS/profiles || fail "cell-test not loaded: $(cat $SECFS/profiles)"
	cp -a /vm/rootfs "$T/rootfs"
	echo allowed >"$T/rootfs/etc/aa-allowed"
	echo denied >"$T/rootfs/etc/aa-denied"
	ROOTFS=$T/rootfs
}

# cfg_profile NAME: process.apparmorProfile of $B/config.json
cfg_profile() {
	sed -i "s/\"noNewPrivileges\":true/\"noNewPrivileges\":true,\"apparmorProfile\":\"$1\"/" "$B/config.json"
	grep -q "\"apparmorProfile\":\"$1\"" "$B/config.json" || fail "apparmorProfile not set in config.json"
}

# reads: the profile and what cat makes of the two files, one line each.
READS='cat /proc/self/attr/current; cat /etc/aa-allowed 2>&1; cat /etc/aa-denied 2>&1'

test_apparmor_profile_confines_the_container() {
	aa_setup
	cfg_sh "$READS"
	cfg
	cfg_profile cell-test
	ctr_run a1
	assert_rc 1 "exit code (the denied cat)"
	assert_eq "cell-test (enforce)" "$(echo "$OUT" | sed -n 1p)" "attr/current inside"
	assert_eq allowed "$(echo "$OUT" | sed -n 2p)" "the allowed file"
	assert_contains "$(echo "$OUT" | sed -n 3p)" "Permission denied" "the denied file"
	# From outside: the running init's label.
	cfg_args sleep 600
	cfg
	cfg_profile cell-test
	ctr_detach a2
	assert_eq "cell-test (enforce)" "$(cat /proc/"$(ctr_pid a2)"/attr/current)" "the init's label seen from the host"
	# Unconfined without a profile.
	cfg
	ctr_detach a3
	assert_eq "unconfined" "$(cat /proc/"$(ctr_pid a3)"/attr/current)" "no profile"
}

test_apparmor_exec_gets_the_profile() {
	aa_setup
	cfg_args sleep 600
	cfg
	cfg_profile cell-test
	ctr_detach e1
	try rt exec e1 sh -c "$READS"
	assert_eq "cell-test (enforce)" "$(echo "$OUT" | sed -n 1p)" "exec: the container's profile"
	assert_eq allowed "$(echo "$OUT" | sed -n 2p)" "exec: the allowed file"
	assert_contains "$(echo "$OUT" | sed -n 3p)" "Permission denied" "exec: the denied file"
	try rt exec --apparmor cell-test2 e1 sh -c "$READS"
	assert_eq "cell-test2 (enforce)" "$(echo "$OUT" | sed -n 1p)" "exec --apparmor cell-test2"
	assert_contains "$(echo "$OUT" | sed -n 2p)" "Permission denied" "exec --apparmor: aa-allowed denied"
	assert_eq denied "$(echo "$OUT" | sed -n 3p)" "exec --apparmor: aa-denied readable"
	# process.json: its own profile, else the container's.
	printf '%s' '{"args":["cat","/proc/self/attr/current"],"cwd":"/","user":{"uid":0,"gid":0},"apparmorProfile":"cell-test2"}' >"$T/p2.json"
	assert_ok rt exec -p "$T/p2.json" e1
	assert_eq "cell-test2 (enforce)" "$OUT" "exec -p with apparmorProfile"
	printf '%s' '{"args":["cat","/proc/self/attr/current"],"cwd":"/","user":{"uid":0,"gid":0}}' >"$T/p1.json"
	assert_ok rt exec -p "$T/p1.json" e1
	assert_eq "cell-test (enforce)" "$OUT" "exec -p without apparmorProfile"
	# A profile that is not loaded: an error, and the container goes on.
	try rt exec --apparmor cell-none e1 true
	[ "$RC" != 0 ] || fail "exec with an unknown profile succeeded"
	assert_contains "$ERR" 'process.apparmorProfile `cell-none`: profile not loaded' "exec: unknown profile"
	assert_eq running "$(ctr_status e1)" "the container after the refused exec"
}

test_apparmor_unknown_profile_fails_create_and_leaves_nothing() {
	aa_setup
	cfg_args sleep 600
	cfg
	cfg_profile cell-none
	try rt create -b "$B" u1
	[ "$RC" != 0 ] || fail "create with an unknown profile succeeded"
	assert_contains "$ERR" 'process.apparmorProfile `cell-none`: profile not loaded (write `/proc/thread-self/attr/apparmor/exec`)' "create: unknown profile"
	assert_eq absent "$(ctr_status u1)" "state of u1"
	assert_eq "" "$(ls "$ROOT")" "state dir"
	assert_eq "" "$(ps -o comm | grep -x sleep || true)" "processes left"
}

# The attribute is written through a detached copy of the container's
# /proc: a file bound over the init's attr/apparmor/exec (by the config,
# or by an image) does not take the write. (/proc/thread-self of the
# init, pid 1 in its namespace, is /proc/1/task/1.)
test_apparmor_write_not_through_a_bind_over_proc() {
	local d
	aa_setup
	: >"$T/decoy"
	for d in /proc/1/attr/apparmor/exec /proc/1/task/1/attr/apparmor/exec /proc/1/task/1/attr/exec; do
		MOUNTS="$MOUNTS,{\"destination\":\"$d\",\"type\":\"bind\",\"source\":\"$T/decoy\",\"options\":[\"bind\"]}"
	done
	cfg_sh 'cat /proc/self/attr/current'
	cfg
	cfg_profile cell-test
	ctr_run b1
	assert_rc 0
	assert_eq "cell-test (enforce)" "$OUT" "the profile, in spite of the bind"
	assert_eq "" "$(cat "$T/decoy")" "the decoy file"
}
