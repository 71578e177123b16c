# shellcheck shell=bash disable=SC2016 # sh -c scripts are single-quoted on purpose
# Security settings: capabilities, no_new_privs, what the container can
# reach of the host.

# cap_mask NAME...: the /proc/PID/status mask (16 hex digits) of the
# capabilities, e.g. cap_mask CAP_KILL CAP_CHOWN.
cap_mask() {
	python3 - "$@" <<-'EOF'
		import sys
		names = """CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID
		SETPCAP LINUX_IMMUTABLE NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW
		IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT
		SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD
		LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG
		WAKE_ALARM BLOCK_SUSPEND AUDIT_READ PERFMON BPF CHECKPOINT_RESTORE""".split()
		mask = 0
		for n in sys.argv[1:]:
		    mask |= 1 << names.index(n.removeprefix("CAP_"))
		print("%016x" % mask)
	EOF
}

caps_json() { # NAME...: a JSON list of capability names
	python3 -c 'import json, sys; print(json.dumps(sys.argv[1:]))' "$@"
}

CAP_REPORT='grep -E "^Cap(Inh|Prm|Eff|Bnd|Amb):" /proc/self/status'

# caps_of OUTPUT SET: the mask the container reported for SET (Inh, Prm...)
caps_of() {
	printf '%s\n' "$1" | awk -v k="Cap$2:" '$1 == k { print $2 }'
}

assert_caps() { # OUTPUT INH PRM EFF BND AMB (masks)
	local out=$1 set want
	shift
	for set in Inh Prm Eff Bnd Amb; do
		want=$1
		shift
		assert_eq "$want" "$(caps_of "$out" $set)" "Cap$set"
	done
}

test_capabilities_default() {
	make_bundle
	cfg_args sh -c "$CAP_REPORT"
	ctr_run c1
	assert_rc 0
	note "$OUT"
	local m zero=0000000000000000
	m=$(cap_mask AUDIT_WRITE KILL NET_BIND_SERVICE)
	assert_caps "$OUT" $zero "$m" "$m" "$m" $zero
}

test_capabilities_empty() {
	make_bundle
	cfg 'process.capabilities={}'
	cfg_args sh -c "$CAP_REPORT"
	ctr_run c1
	assert_rc 0
	note "$OUT"
	local zero=0000000000000000
	assert_caps "$OUT" $zero $zero $zero $zero $zero
}

test_capabilities_no_capabilities_key() {
	make_bundle
	cfg --del process.capabilities
	cfg_args sh -c "$CAP_REPORT"
	ctr_run c1
	assert_rc 0
	local zero=0000000000000000
	assert_caps "$OUT" $zero $zero $zero $zero $zero
}

test_capabilities_root_with_inheritable() {
	make_bundle
	local set
	set=$(caps_json CAP_CHOWN CAP_KILL CAP_NET_BIND_SERVICE CAP_SYS_ADMIN)
	cfg "process.capabilities.bounding=$set" "process.capabilities.permitted=$set" \
		"process.capabilities.effective=$set" "process.capabilities.inheritable=$set"
	cfg_args sh -c "$CAP_REPORT"
	ctr_run c1
	assert_rc 0
	note "$OUT"
	local m
	m=$(cap_mask CHOWN KILL NET_BIND_SERVICE SYS_ADMIN)
	assert_caps "$OUT" "$m" "$m" "$m" "$m" 0000000000000000
}

test_capabilities_nonroot_ambient() {
	# After execve a non-root process keeps only its ambient set in
	# permitted and effective (capabilities(7)); inheritable and bounding
	# stay as configured.
	make_bundle
	cfg process.user.uid=1000 process.user.gid=1000
	cfg "process.capabilities.bounding=$(caps_json CAP_CHOWN CAP_KILL CAP_NET_BIND_SERVICE)" \
		"process.capabilities.permitted=$(caps_json CAP_KILL CAP_NET_BIND_SERVICE)" \
		"process.capabilities.effective=$(caps_json CAP_KILL CAP_NET_BIND_SERVICE)" \
		"process.capabilities.inheritable=$(caps_json CAP_KILL CAP_NET_BIND_SERVICE)" \
		"process.capabilities.ambient=$(caps_json CAP_NET_BIND_SERVICE)"
	cfg_args sh -c "$CAP_REPORT"
	ctr_run c1
	assert_rc 0
	note "$OUT"
	local amb
	amb=$(cap_mask NET_BIND_SERVICE)
	assert_caps "$OUT" "$(cap_mask KILL NET_BIND_SERVICE)" "$amb" "$amb" \
		"$(cap_mask CHOWN KILL NET_BIND_SERVICE)" "$amb"
}

test_capabilities_ambient_without_inheritable() {
	# runc 1.1's `runc spec` lists the three capabilities as ambient but
	# none as inheritable; the kernel refuses such ambient capabilities and
	# runc runs the container without them. Configs written that way must
	# keep working.
	make_bundle
	local set
	set=$(caps_json CAP_AUDIT_WRITE CAP_KILL CAP_NET_BIND_SERVICE)
	cfg "process.capabilities.ambient=$set"
	cfg_args sh -c "$CAP_REPORT"
	ctr_run c1
	assert_rc 0
	local m zero=0000000000000000
	m=$(cap_mask AUDIT_WRITE KILL NET_BIND_SERVICE)
	assert_caps "$OUT" $zero "$m" "$m" "$m" $zero
}

test_capabilities_enforced() {
	make_bundle
	cfg root.readonly=false
	cfg_sh 'touch /tmp/f; chown 1000 /tmp/f && echo chown-ok; hostname other && echo hostname-ok; true'
	ctr_run c1
	assert_rc 0
	assert_not_contains "$OUT" chown-ok "chown without CAP_CHOWN"
	assert_not_contains "$OUT" hostname-ok "sethostname without CAP_SYS_ADMIN"
	cfg "process.capabilities.bounding+=CAP_CHOWN" "process.capabilities.effective+=CAP_CHOWN" \
		"process.capabilities.permitted+=CAP_CHOWN"
	ctr_run c1
	assert_rc 0
	assert_contains "$OUT" chown-ok "chown with CAP_CHOWN"
}

test_no_new_privileges() {
	make_bundle
	cfg_sh 'grep NoNewPrivs /proc/self/status'
	ctr_run c1
	assert_rc 0
	assert_match "$OUT" $'^NoNewPrivs:[[:space:]]+1$' "noNewPrivileges true"
	cfg process.noNewPrivileges=false
	ctr_run c1
	assert_rc 0
	assert_match "$OUT" $'^NoNewPrivs:[[:space:]]+0$' "noNewPrivileges false"
}

test_container_exe_is_the_program() {
	# The container must not reach the runtime's binary through /proc
	# (CVE-2019-5736): its PID 1 runs the program itself.
	make_bundle
	cfg_sh 'readlink /proc/1/exe; readlink /proc/self/exe; true'
	ctr_run c1
	assert_rc 0
	assert_eq "/bin/busybox
/bin/busybox" "$OUT" "exe of PID 1 and of a child"
}

test_host_files_not_reachable() {
	make_bundle
	cfg_sh 'ls / | xargs; cat /etc/hostname; ls /proc/1/root/ | xargs'
	ctr_run c1
	assert_rc 0
	local root_list
	root_list=$(cd "$B/rootfs" && ls | xargs)
	assert_eq "$root_list
cell-test
$root_list" "$OUT" "/ and /proc/1/root/ are the rootfs"
}

# run --no-pivot moves the rootfs onto / (MS_MOVE) and chroots into it
# instead of pivot_root. The container must still see the rootfs as / and
# nothing of the host: not a marker file the test puts in its own
# directory (under the host's /tmp), neither by its host path nor through
# "/.." (the chroot's root is the rootfs) nor /proc/1/root; and the one
# mount at / in its mountinfo is the bundle's rootfs (the host's root
# mount, still under the chroot, is not listed).
test_no_pivot_root_is_the_rootfs() {
	make_bundle
	local marker="$T/host-marker-$RANDOM"
	echo host-only >"$marker"
	touch "$B/rootfs/tmp/rootfs-marker"
	cfg_sh "ls / | xargs; ls /.. | xargs; ls /proc/1/root/ | xargs; cat /etc/hostname
cat $marker 2>/dev/null || echo marker-not-visible
cat /proc/1/root$marker 2>/dev/null || echo marker-not-visible-via-proc
ls -A /tmp | xargs; awk '\$5 == \"/\" { print \$4 }' /proc/self/mountinfo"
	ctr_run --no-pivot c1
	assert_rc 0
	note "$OUT"
	local root_list
	root_list=$(cd "$B/rootfs" && echo *)
	assert_eq "$root_list
$root_list
$root_list
cell-test
marker-not-visible
marker-not-visible-via-proc" "$(printf '%s\n' "$OUT" | head -n 6)" "/, /.., /proc/1/root/, /etc/hostname and the host marker"
	assert_eq rootfs-marker "$(printf '%s\n' "$OUT" | sed -n 7p)" "/tmp inside is the rootfs's"
	# The root field is relative to the filesystem holding the bundle.
	local roots
	roots=$(printf '%s\n' "$OUT" | sed -n '8,$p')
	assert_one_line "$roots" "mounts at / in the container's mountinfo"
	assert_match "$roots" '/bundle/rootfs$' "root of the mount at / in the container's mountinfo"
}
