# shellcheck shell=sh
# SELinux labels (process.selinuxLabel, linux.mountLabel) in the VM booted
# with security=selinux (vm.sh's selinux layout) and a small MLS policy
# compiled on the host (tests/vm/selinux/policy.conf): container_t may not
# read host_file_t.

SEFS=/sys/fs/selinux
PLABEL=system_u:system_r:container_t:s0:c1,c2
MLABEL=system_u:object_r:container_file_t:s0:c1,c2

se_setup() { # ENFORCE (0 or 1)
	grep -q selinux /sys/kernel/security/lsm 2>/dev/null || mount -t securityfs securityfs /sys/kernel/security 2>/dev/null || true
	grep -q selinux /sys/kernel/security/lsm || fail "SELinux is not the LSM: $(cat /sys/kernel/security/lsm)"
	grep -q ' /sys/fs/selinux ' /proc/mounts || mount -t selinuxfs selinuxfs $SEFS || fail "mount selinuxfs"
	if [ "$(tr -d '\0' </proc/self/attr/current)" = kernel ]; then
		dd if=/vm/selinux.bin of=$SEFS/load bs=1M 2>/dev/null || fail "load the test policy"
	fi
	echo "$1" >$SEFS/enforce
	# A host file the container's type may not read, bound in.
	mkdir -p "$T/host"
	mount -t tmpfs -o 'context="system_u:object_r:host_file_t:s0"' tmpfs "$T/host" || fail "host_file_t tmpfs"
	echo hostdata >"$T/host/hostfile"
	MOUNTS=",{\"destination\":\"/dev/mqueue\",\"type\":\"mqueue\",\"source\":\"mqueue\"},{\"destination\":\"/etc/hostfile\",\"type\":\"bind\",\"source\":\"$T/host/hostfile\",\"options\":[\"bind\"]}"
	LINUX=",\"mountLabel\":\"$MLABEL\""
}

se_teardown() {
	echo 0 >$SEFS/enforce
	umount "$T/host"
}

# cfg, then process.selinuxLabel LABEL
cfg_label() {
	cfg
	sed -i "s/\"noNewPrivileges\":true/\"noNewPrivileges\":true,\"selinuxLabel\":\"$1\"/" "$B/config.json"
	grep -q selinuxLabel "$B/config.json" || fail "config.json: no selinuxLabel"
}

se_labels() { # ENFORCE: the labels inside, of a run and of an exec
	se_setup "$1"
	cfg_sh 'tr -d "\0" </proc/self/attr/current; echo
getlabel /tmp; getlabel /dev; getlabel /dev/mqueue
cat /etc/hostfile >/dev/null 2>&1 && echo host=read || echo host=denied'
	cfg_label "$PLABEL"
	ctr_run s1
	assert_rc 0
	assert_eq "$PLABEL
$MLABEL
$MLABEL
$MLABEL
host=$([ "$1" = 1 ] && echo denied || echo read)" "$OUT" "process label, mount labels of /tmp, /dev and /dev/mqueue, the host file"
	# A detached container: its init's label seen from the host, and an
	# exec'd process gets the same.
	cfg_args sleep 600
	cfg_label "$PLABEL"
	ctr_detach s2
	assert_eq "$PLABEL" "$(tr -d '\0' </proc/"$(ctr_pid s2)"/attr/current)" "the init's label from the host"
	assert_ok rt exec s2 cat /proc/self/attr/current
	assert_eq "$PLABEL" "$(printf '%s' "$OUT" | tr -d '\0')" "label of an exec'd process"
	assert_ok rt delete --force s2
	# A label the policy does not know: a clear error, nothing left.
	cfg_args true
	cfg_label "system_u:system_r:nosuch_t:s0"
	assert_fail rt run -b "$B" s3
	assert_contains "$ERR" "process.selinuxLabel \`system_u:system_r:nosuch_t:s0\`" "error names the field"
	[ ! -e "$ROOT/s3" ] || fail "state of s3 left"
	se_teardown
}

test_selinux_labels_permissive() { se_labels 0; }
test_selinux_labels_enforcing() { se_labels 1; }
