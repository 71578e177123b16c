# Rootless cell (issue 5): a user made by the test runs containers without
# privileges: a single-id map written directly, a range of /etc/subuid
# through newuidmap, the errors for ranges not delegated, resource limits
# skipped with a warning. Users and subuid lines go at the end of each test
# (and by the harness's cleanup after a failure).

# rl_setup [SPEC-FLAGS...]: user $U (ids $UUID:$UGID) with its runtime
# dir $T/xdg, cell copied to $T/cell (readable for $U), and $B written by
# `cell spec --rootless` run as $U. Subordinate ids: add_subids before.
rl_setup() {
	command -v setpriv >/dev/null || skip "setpriv (util-linux) missing"
	kernel_has_ns user || skip "no user namespaces"
	[ "$(cat /proc/sys/kernel/unprivileged_userns_clone 2>/dev/null || echo 1)" = 1 ] ||
		skip "kernel.unprivileged_userns_clone is 0"
	U=$(make_test_user)
	UUID=$(id -u "$U")
	UGID=$(id -g "$U")
	mkdir -m 0700 "$T/xdg"
	chown "$U:" "$T/xdg"
	install -m 0755 "$CELL" "$T/cell"
	mkdir "$B"
	cp -a "$RUN_DIR/rootfs" "$B/rootfs"
	# Mount points a user cannot make in a rootfs owned by root.
	mkdir "$B/rootfs/shared"
	chown "$U:" "$B"
}

rl_spec() { # [SPEC-FLAGS...]: $B/config.json from `cell spec --rootless` as $U
	as_user "$T/cell" spec --rootless -b "$B" "$@" || fail "spec --rootless $* as $U failed"
	cfg "process.env+=\"CELL_TEST_CTR=$CELL_TEST_TAG\""
}

as_user() { # CMD...: as $U with its own environment for cell
	timeout -k 2 "${CMD_TIMEOUT:-20}" setpriv --reuid "$UUID" --regid "$UGID" --init-groups \
		env XDG_RUNTIME_DIR="$T/xdg" HOME="$T/xdg" "$@"
}

urt() { # ARGS...: cell as $U, default --root ($XDG_RUNTIME_DIR/cell)
	as_user "$T/cell" "$@"
}

test_rootless_single_id() {
	local pid
	rl_setup
	rl_spec
	share_dir
	cfg_sh 'id >/shared/id; cat /proc/self/uid_map /proc/self/gid_map >/shared/maps
cat /proc/self/setgroups >/shared/setgroups; touch /shared/made; touch /shared/ready; exec sleep 600'
	assert_ok urt run -d -b "$B" rl1
	wait_for 10 test -e "$SHARED/ready" || fail "container did not start"
	assert_match "$(cat "$SHARED/id")" "^uid=0\(root\) gid=0\(root\)" "id inside"
	assert_match "$(cat "$SHARED/maps")" "^ *0 +$UUID +1
 *0 +$UGID +1$" "uid_map and gid_map inside"
	assert_eq deny "$(cat "$SHARED/setgroups")" "setgroups (denied before an unprivileged gid_map)"
	assert_eq "$UUID:$UGID" "$(stat -c %u:%g "$SHARED/made")" "owner on the host of a file made inside"
	# State under $XDG_RUNTIME_DIR/cell, the container seen by its user.
	[ -f "$T/xdg/cell/rl1/state.json" ] || fail "no state in \$XDG_RUNTIME_DIR/cell"
	assert_ok urt list -q
	assert_eq rl1 "$OUT" "list as the user"
	pid=$(as_user "$T/cell" state rl1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
	assert_eq "$UUID" "$(proc_status "$pid" Uid | awk '{ print $1 }')" "host's view of the uid"
	assert_ok urt info rl1
	assert_contains "$OUT" "UID map:        0 $UUID 1" "info"
	assert_ok urt delete --force rl1
	[ ! -e "$T/xdg/cell/rl1" ] || fail "state left after delete"
	pid_alive "$pid" && fail "init $pid alive after delete"
	drop_test_users
}

# The global --root wins over $XDG_RUNTIME_DIR; a foreground run.
test_rootless_root_flag() {
	rl_setup
	rl_spec
	cfg_args sh -c 'id -u; cat /proc/self/uid_map'
	mkdir -m 0700 "$T/uroot"
	chown "$U:" "$T/uroot"
	assert_ok urt --root "$T/uroot" run -b "$B" rl2
	assert_match "$OUT" "^0
 *0 +$UUID +1$" "id -u and uid_map"
	[ ! -e "$T/xdg/cell" ] || fail "\$XDG_RUNTIME_DIR/cell used despite --root"
	drop_test_users
}

test_rootless_subuid_range() {
	rl_setup
	add_subids "$U" 500000 65536
	rl_spec --map-from 500000 --map-size 65536
	share_dir
	cfg 'process.capabilities.bounding+="CAP_CHOWN"' 'process.capabilities.effective+="CAP_CHOWN"' \
		'process.capabilities.permitted+="CAP_CHOWN"'
	cfg_sh 'cat /proc/self/uid_map /proc/self/gid_map >/shared/maps
touch /shared/f && chown 5:7 /shared/f && id >/shared/id'
	assert_ok urt run -b "$B" rl3
	assert_match "$(cat "$SHARED/maps")" "^ *0 +$UUID +1
 *1 +500000 +65536
 *0 +$UGID +1
 *1 +500000 +65536$" "maps written through newuidmap/newgidmap"
	assert_match "$(cat "$SHARED/id")" "^uid=0\(root\)" "id inside"
	assert_eq "500004:500006" "$(stat -c %u:%g "$SHARED/f")" "host owner of a file chowned to 5:7 inside"
	drop_test_users
}

test_rootless_subuid_missing() {
	local why
	rl_setup
	rl_spec --map-from 500000 --map-size 65536
	BEFORE=$(mounts_snapshot)
	assert_fail urt run -b "$B" rl4
	assert_eq "cell: config.json: linux.uidMappings[1]: host ids 500000-565535 not delegated to user $U: /etc/subuid has no entry for $U" \
		"$ERR" "error without an entry"
	[ ! -e "$T/xdg/cell/rl4" ] || fail "state dir left by a refused run"
	assert_eq "" "$(leftover_procs)" "processes left behind"
	assert_eq "$BEFORE" "$(mounts_snapshot)" "host mount table"
	# An entry that does not cover the range; then one for subuid only.
	add_subids "$U" 500000 1000
	assert_fail urt run -b "$B" rl4
	assert_eq "cell: config.json: linux.uidMappings[1]: host ids 500000-565535 not delegated to user $U in /etc/subuid" \
		"$ERR" "error with a short entry"
	sed -i "/^$U:/d" /etc/subuid /etc/subgid
	echo "$U:500000:65536" >>/etc/subuid
	assert_fail urt run -b "$B" rl4
	why="linux.gidMappings[1]: host ids 500000-565535 not delegated to user $U: /etc/subgid has no entry"
	assert_contains "$ERR" "$why" "error naming /etc/subgid"
	[ ! -e "$T/xdg/cell/rl4" ] || fail "state dir left by a refused run"
	drop_test_users
}

# rl_refused ID WANT: `run` of ID as $U with PATH=$RL_PATH fails with
# exactly WANT, before anything is made.
rl_refused() {
	BEFORE=$(mounts_snapshot)
	assert_fail as_user env PATH="$RL_PATH" "$T/cell" run -b "$B" "$1"
	assert_eq "$2" "$ERR" "error (PATH=$RL_PATH)"
	[ ! -e "$T/xdg/cell/$1" ] || fail "state dir left by a refused run"
	assert_eq "" "$(leftover_procs)" "processes left behind"
	assert_eq "$BEFORE" "$(mounts_snapshot)" "host mount table"
}

# A subuid range needs newuidmap/newgidmap (found in PATH, as runc and
# podman look them up) that can work: missing, or present but neither
# setuid root nor with file capabilities, or on a nosuid mount, they are
# named with the package before anything is made.
test_rootless_newuidmap_missing() {
	local uid gid
	command -v newuidmap >/dev/null || skip "newuidmap (uidmap) missing"
	uid=$(command -v newuidmap)
	gid=$(command -v newgidmap)
	rl_setup
	add_subids "$U" 500000 65536
	rl_spec --map-from 500000 --map-size 65536
	mkdir -m 0755 "$T/nobin" "$T/onlyuid" "$T/plain" "$T/nosuid"
	RL_PATH=$T/nobin
	rl_refused rl6 "cell: config.json: linux.uidMappings: newuidmap not found in PATH (install Debian package uidmap): needed to map ranges of /etc/subuid"
	ln -s "$uid" "$T/onlyuid/newuidmap"
	RL_PATH=$T/nobin:$T/onlyuid
	rl_refused rl6 "cell: config.json: linux.gidMappings: newgidmap not found in PATH (install Debian package uidmap): needed to map ranges of /etc/subgid"
	# Copies without the setuid bit: newuidmap itself would only say
	# "write to uid_map failed: Operation not permitted".
	install -m 0755 "$uid" "$gid" "$T/plain/"
	RL_PATH=$T/plain
	rl_refused rl6 "cell: config.json: linux.uidMappings: \`$T/plain/newuidmap\` is not setuid root and has no file capabilities, so it cannot map ranges of /etc/subuid (reinstall Debian package uidmap, or chmod u+s it)"
	mount -t tmpfs -o nosuid,mode=0755 none "$T/nosuid"
	install -m 4755 "$uid" "$gid" "$T/nosuid/"
	RL_PATH=$T/nosuid
	rl_refused rl6 "cell: config.json: linux.uidMappings: \`$T/nosuid/newuidmap\` is on a nosuid mount, so it cannot map ranges of /etc/subuid"
	umount "$T/nosuid"
	# The same with the real ones found in PATH: it runs.
	RL_PATH=$T/nobin:$(dirname "$uid"):$(dirname "$gid")
	cfg_args sh -c 'cat /proc/self/uid_map'
	assert_ok as_user env PATH="$RL_PATH" "$T/cell" run -b "$B" rl6
	assert_match "$OUT" " *1 +500000 +65536" "uid_map inside"
	drop_test_users
}

# Ids the caller does not own, alone or as a range: refused, nothing made.
test_rootless_foreign_ids() {
	rl_setup
	rl_spec
	cfg 'linux.uidMappings=[{"containerID":0,"hostID":0,"size":1}]'
	assert_fail urt run -b "$B" rl5
	assert_match "$ERR" "linux.uidMappings\[0\]: host ids 0-0 not delegated to user $U" "a uid of someone else"
	assert_one_line "$ERR"
	[ ! -e "$T/xdg/cell/rl5" ] || fail "state dir left by a refused run"
	drop_test_users
}

test_rootless_resources_warn() {
	local n
	rl_setup
	rl_spec
	cfg 'linux.resources={"memory":{"limit":67108864},"pids":{"limit":100}}'
	cfg_args sh -c 'echo ran'
	assert_ok urt run -b "$B" rl6
	assert_eq ran "$OUT" "output"
	n=$(printf '%s\n' "$ERR" | grep -c 'warning')
	assert_eq 1 "$n" "warnings [$ERR]"
	assert_contains "$ERR" "linux.resources skipped" "the warning"
	drop_test_users
}

test_rootless_veth_and_no_userns() {
	rl_setup
	rl_spec
	cfg 'annotations={"cell.net.type":"veth"}'
	assert_fail urt run -b "$B" rl7
	assert_contains "$ERR" "annotations[cell.net.type]: veth needs privileges (root)" "veth"
	cfg 'annotations={"cell.idmap.size":"65536"}' --del linux.uidMappings --del linux.gidMappings
	assert_fail urt run -b "$B" rl7
	assert_contains "$ERR" "\`auto\` ranges need root" "auto"
	cfg --del annotations
	cfg 'linux.namespaces-={"type":"user"}'
	assert_fail urt run -b "$B" rl7
	assert_contains "$ERR" "without privileges a container needs a user namespace" "no user namespace"
	[ ! -e "$T/xdg/cell/rl7" ] || fail "state dir left by a refused run"
	drop_test_users
}

# `spec --rootless --net host`: no network namespace, so /sys is a bind.
test_rootless_host_net() {
	rl_setup
	rl_spec --net host
	cfg_args sh -c 'ls /sys/kernel >/dev/null && echo ok; ls /sys/class/net | grep -c .'
	assert_ok urt run -b "$B" rl8
	assert_match "$OUT" "^ok" "/sys readable"
	assert_eq "$(ls /sys/class/net | grep -c .)" "$(printf '%s\n' "$OUT" | tail -n 1)" "the host's links"
	drop_test_users
}

# ns:PATH without privileges: the namespaces of the user's own container
# (its user namespace with them, as a pod does); a network namespace of
# root's is refused by the kernel, and the error says which.
test_rootless_join_ns() {
	local pid
	rl_setup
	rl_spec
	cfg_args sleep 600
	assert_ok urt run -d -b "$B" rl-a
	pid=$(as_user "$T/cell" state rl-a | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
	cfg --del linux.uidMappings --del linux.gidMappings
	ns_add user "/proc/$pid/ns/user"
	ns_add network "/proc/$pid/ns/net"
	cfg_sh 'readlink /proc/self/ns/net; cat /proc/self/uid_map'
	assert_ok urt run -b "$B" rl-b
	assert_match "$OUT" "^$(readlink "/proc/$pid/ns/net")
 *0 +$UUID +1$" "joined netns and the user namespace's map"
	make_netns >"$T/netns.name"
	ns_add network "/run/netns/$(cat "$T/netns.name")"
	assert_fail urt run -b "$B" rl-c
	assert_eq "cell: join network namespace (linux.namespaces): Operation not permitted" "$ERR" "error"
	assert_ok urt delete --force rl-a
	drop_test_users
}

# No resources asked for: no cgroups, and nothing said about it.
test_rootless_quiet_without_resources() {
	rl_setup
	rl_spec
	cfg_args true
	assert_ok urt run -b "$B" rl-q
	assert_eq "" "$ERR" "stderr"
	drop_test_users
}

# Without $XDG_RUNTIME_DIR (and no /run/user/UID) the error says what to do.
test_rootless_no_runtime_dir() {
	rl_setup
	rl_spec
	cfg_args true
	[ ! -e "/run/user/$UUID" ] || skip "/run/user/$UUID exists"
	try timeout -k 2 "${CMD_TIMEOUT:-20}" setpriv --reuid "$UUID" --regid "$UGID" --init-groups \
		env -u XDG_RUNTIME_DIR "$T/cell" run -b "$B" rl-x
	assert_ne 0 "$RC" "exit code"
	assert_match "$ERR" "^cell: not root and no \\\$XDG_RUNTIME_DIR: give --root DIR: .*/run/cell.*Permission denied$" "error"
	drop_test_users
}

# `cell exec` by the same user into his container.
test_rootless_exec() {
	rl_setup
	rl_spec
	cfg_args sleep 600
	assert_ok urt run -d -b "$B" rl-e
	assert_ok urt exec rl-e sh -c 'id -u; cat /proc/self/uid_map'
	assert_match "$OUT" "^0
 *0 +$UUID +1$" "id -u and uid_map in the exec'd process"
	assert_ok urt delete --force rl-e
	drop_test_users
}

# ps_pids ID: the host PIDs of `cell ps --format json` as the user, sorted,
# one line.
rl_ps_pids() {
	as_user "$T/cell" ps --format json "$1" | python3 -c 'import json,sys; print(*sorted(json.load(sys.stdin)))'
}

# No cgroups (rootless): ps lists the processes of the container's pid
# namespace, exec'd ones included; info leaves out what only cgroups know.
test_rootless_ps_and_info() {
	local pid xpid lines
	rl_setup
	rl_spec
	cfg_args sleep 600
	assert_ok urt run -d -b "$B" rl-p
	pid=$(as_user "$T/cell" state rl-p | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
	assert_ok urt exec -d --pid-file "$T/xdg/ex.pid" rl-p sleep 500
	xpid=$(cat "$T/xdg/ex.pid")
	assert_ne "$pid" "$xpid" "exec'd pid"
	assert_eq "$(printf '%s\n' "$pid" "$xpid" | sort -n | tr '\n' ' ' | sed 's/ $//')" "$(rl_ps_pids rl-p)" "ps --format json"
	assert_ok urt ps rl-p
	assert_match "$OUT" "^PID +PPID +CMD
" "table header"
	assert_match "$OUT" "
$pid +[0-9]+ +sleep 600" "the init's line"
	assert_match "$OUT" "
$xpid +[0-9]+ +sleep 500" "the exec'd process's line"
	assert_eq 3 "$(printf '%s\n' "$OUT" | wc -l)" "lines of ps [$OUT]"
	# ps(1) options: the header and the container's lines only.
	assert_ok urt ps rl-p -ef
	lines=$(printf '%s\n' "$OUT" | awk 'NR > 1 { print $2 }' | sort -n | tr '\n' ' ')
	assert_match "$OUT" "^UID +PID +PPID" "ps -ef header"
	assert_eq "$(printf '%s\n' "$pid" "$xpid" | sort -n | tr '\n' ' ')" "$lines" "PIDs of ps -ef"
	assert_ok urt ps rl-p -o pid,args
	assert_match "$OUT" "
 *$xpid sleep 500" "ps -o pid,args"
	# info: no cgroups, so no CPU, memory or pids figures; the rest is there.
	assert_ok urt info rl-p
	assert_match "$OUT" "State: +RUNNING" "info state"
	assert_match "$OUT" "PID: +$pid" "info pid"
	case $OUT in *"CPU use"* | *"Memory use"* | *"Pids:"* | *"BlkIO"*) fail "cgroup figures without cgroups: $OUT" ;; esac
	assert_ok urt info --format json rl-p
	assert_eq "running $pid absent" "$(printf '%s' "$OUT" | python3 -c 'import json,sys
d = json.load(sys.stdin)
gone = all(k not in d for k in ("cpu_use_ns", "memory_use_bytes", "pids", "blkio_bytes"))
print(d["state"], d["pid"], "absent" if gone else "present")')" "info --format json"
	# The list follows the processes: the exec'd one ended, it is gone.
	kill "$xpid"
	wait_for 5 sh -c '! kill -0 '"$xpid" || fail "exec'd process $xpid did not end"
	assert_eq "$pid" "$(rl_ps_pids rl-p)" "ps after the exec'd process ended"
	assert_ok urt delete --force rl-p
	try urt ps rl-p
	assert_contains "$ERR" "does not exist" "ps after delete"
	drop_test_users
}

# Without a pid namespace: the init and its descendants, not the other
# processes of the same user.
test_rootless_ps_no_pid_namespace() {
	local pid other kids
	rl_setup
	rl_spec
	ns_del pid
	# A new proc needs a pid namespace of this user's: bind the host's.
	cfg 'mounts-={"destination":"/proc"}' \
		'mounts+={"destination":"/proc","type":"bind","source":"/proc","options":["rbind","nosuid","nodev","noexec"]}'
	cfg_sh 'sleep 600 & sleep 601 & wait'
	assert_ok urt run -d -b "$B" rl-n
	pid=$(as_user "$T/cell" state rl-n | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
	as_user sleep 602 &
	other=$!
	wait_for 5 sh -c '[ "$(pgrep -P '"$pid"' | wc -l)" = 2 ]' || fail "the init's children did not start"
	kids=$(pgrep -P "$pid" | sort -n | tr '\n' ' ' | sed 's/ $//')
	assert_eq "$pid $kids" "$(rl_ps_pids rl-n)" "ps --format json: the init and its children"
	assert_ok urt ps rl-n
	assert_contains "$OUT" "sleep 601" "table"
	case $OUT in *"sleep 602"*) fail "another process of the user listed: $OUT" ;; esac
	kill "$other" 2>/dev/null || true
	wait "$other" 2>/dev/null || true
	assert_ok urt delete --force rl-n
	drop_test_users
}

# rl_delegate NAME HIER...: the cgroup NAME made in each hierarchy (a mount
# point) and delegated to $U as systemd's Delegate=yes does (the directory,
# cgroup.procs, cgroup.subtree_control, cgroup.threads chowned), with a leaf
# NAME/sh of $U's for its shell; rl_undelegate removes them (EXIT trap).
# Not named "cell": concurrent runs would take them for their leaks.
rl_delegate() {
	local name=$1 m f
	shift
	RL_DELEG=""
	trap rl_undelegate EXIT
	for m in "$@"; do
		mkdir "$m/$name"
		RL_DELEG="$RL_DELEG $m/$name"
		for f in "" /cgroup.procs /cgroup.subtree_control /cgroup.threads /tasks; do
			[ ! -e "$m/$name$f" ] || chown "$U:" "$m/$name$f"
		done
		if [ -f "$m/$name/cpuset.cpus" ]; then
			cat "$m/cpuset.cpus" >"$m/$name/cpuset.cpus"
			cat "$m/cpuset.mems" >"$m/$name/cpuset.mems"
		fi
		mkdir "$m/$name/sh"
		chown -R "$U:" "$m/$name/sh"
	done
}

rl_undelegate() {
	local d k
	for d in $RL_DELEG; do
		for k in 1 2 3 4 5 6 7 8 9 10; do
			rmdir "$d/sh" "$d" 2>/dev/null && break
			sleep 0.1
		done
	done
	RL_DELEG=""
}

rl_in_leaf() { # CMD...: as $U, started from the leaves $d/sh of rl_delegate
	local d
	(
		for d in $RL_DELEG; do echo "$BASHPID" >"$d/sh/cgroup.procs"; done
		as_user "$@"
	)
}

# The cgroup path of PID in the hierarchy of a v1 controller, or of
# cgroup2 for "0".
rl_cg_of() { # PID CONTROLLER|0
	awk -F: -v c="$2" '(c == "0" && $1 == "0") || (c != "0" && ("," $2 ",") ~ ("," c ",")) { print $3; exit }' "/proc/$1/cgroup"
}

# On this host's v1 memory and pids hierarchies and its cgroup2 tree, a
# subtree delegated to the user (chowned, as by systemd's Delegate=yes):
# the container's cgroups are made below it (BASE/cell/ID), the limits
# written, the levels removed at delete. The user's other hierarchies are
# the host's: not used, not written.
test_rootless_cgroup_delegated() {
	local cg=/sys/fs/cgroup name m h pid
	for m in $cg/memory $cg/pids $cg/unified; do
		[ "$(stat -fc %T "$m" 2>/dev/null)" = cgroupfs ] || [ "$(stat -fc %T "$m" 2>/dev/null)" = cgroup2fs ] ||
			skip "not a hybrid host with v1 memory and pids ($m)"
	done
	rl_setup
	rl_spec
	share_dir
	name="rl-deleg-$$"
	rl_delegate "$name" $cg/memory $cg/pids $cg/unified
	cfg 'linux.resources={"memory":{"limit":33554432},"pids":{"limit":16}}'
	cfg_sh 'cat /proc/self/cgroup >/shared/cg; cat /sys/fs/cgroup/pids/pids.max >/shared/pids.max
touch /shared/ready; exec sleep 600'
	try rl_in_leaf "$T/cell" run -d -b "$B" rl-d
	assert_rc 0
	assert_eq "" "$ERR" "stderr (memory and pids delegated: nothing skipped)"
	wait_for 10 test -e "$SHARED/ready" || fail "container did not start"
	pid=$(as_user "$T/cell" state rl-d | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
	for h in memory pids 0; do
		assert_eq "/$name/cell/rl-d" "$(rl_cg_of "$pid" "$h")" "$h cgroup of the init"
	done
	for m in $cg/memory $cg/pids $cg/unified; do
		assert_eq "$UUID" "$(stat -c %u "$m/$name/cell/rl-d")" "owner of $m/$name/cell/rl-d"
	done
	assert_eq 33554432 "$(cat "$cg/memory/$name/cell/rl-d/memory.limit_in_bytes")" "memory.limit_in_bytes"
	assert_eq 16 "$(cat "$cg/pids/$name/cell/rl-d/pids.max")" "pids.max"
	# Not delegated: the caller's cpu cgroup, untouched.
	assert_eq "$(rl_cg_of self cpu)" "$(rl_cg_of "$pid" cpu)" "cpu cgroup (not delegated)"
	# Inside: its own cgroups (a cgroup namespace; v1 directories bound).
	assert_contains "$(cat "$SHARED/cg")" ":memory:/
" "memory cgroup inside"
	assert_eq 16 "$(cat "$SHARED/pids.max")" "pids.max inside"
	# exec from within the delegated cgroup joins the container's; from
	# outside it (the kernel refuses the move) it runs with a warning.
	try rl_in_leaf "$T/cell" exec rl-d cat /proc/self/cgroup
	assert_rc 0
	assert_eq "" "$ERR" "stderr of an exec from within the delegated cgroup"
	printf '%s\n' "$OUT" | grep -q '^0::/$' || fail "exec from within: not in the container's cgroup2 cgroup: $OUT"
	try as_user "$T/cell" exec rl-d cat /proc/self/cgroup
	assert_rc 0
	assert_contains "$ERR" "stays outside the cgroups of \`rl-d\`" "warning of an exec from outside"
	# (v1 lets the user move its own process, cgroup2 wants the ancestor)
	! printf '%s\n' "$OUT" | grep -q '^0::/$' || fail "exec from outside: in the container's cgroup2 cgroup: $OUT"
	assert_ok urt delete --force rl-d
	for m in $cg/memory $cg/pids $cg/unified; do
		[ ! -e "$m/$name/cell" ] || fail "$m/$name/cell left after delete"
	done
	rl_undelegate
	for m in $cg/memory $cg/pids $cg/unified; do
		[ ! -e "$m/$name" ] || fail "$m/$name: could not be removed"
	done
	drop_test_users
}
