# shellcheck shell=sh disable=SC2016 # sh -c scripts are single-quoted on purpose
# Rootless cell and cgroups, on each layout: a user (uid 1500) runs `cell
# run` of a `cell spec --rootless` bundle. With a cgroup delegated to it
# (made by root here and chowned, as systemd's Delegate=yes does), the
# container gets cgroups below it and its limits; with controllers not
# delegated, those limits are skipped with one warning line each; with
# nothing delegated, all are skipped with one warning, and it runs.

RL_UID=1500
RL_NAME=rl-deleg

# q ARG...: the arguments quoted for sh -c.
q() {
	local a out=""
	for a in "$@"; do
		out="$out '$(printf '%s' "$a" | sed "s/'/'\\\\''/g")'"
	done
	printf '%s' "${out# }"
}

as_rl() { # CMD...: as the user, through busybox su
	su -s /bin/sh rl -c "$(q "$@")"
}

# rl_setup: the user, its --root ($ROOT) and bundle ($B: `cell spec
# --rootless` as the user, the VM's rootfs, RES as linux.resources and
# SCRIPT as sh -c).
rl_setup() {
	grep -q '^rl:' /etc/passwd 2>/dev/null || echo "rl:x:$RL_UID:$RL_UID:rl:/tmp:/bin/sh" >>/etc/passwd
	chown "$RL_UID:$RL_UID" "$T" "$ROOT"
	mkdir -p "$B" "$T/shared"
	chown "$RL_UID:$RL_UID" "$B" "$T/shared"
	as_rl "$CELL" spec --rootless -b "$B" || fail "cell spec --rootless as uid $RL_UID"
	ln -s /vm/rootfs "$B/rootfs"
	# A mount point the user could not make in root's rootfs.
	mkdir -p /vm/rootfs/shared
}

# rl_cfg RESOURCES SCRIPT: edit the spec's args and resources; /shared is
# $T/shared.
rl_cfg() {
	local f=$B/config.json
	sed -i -e "s|^			\"sh\"\$|			\"sh\", \"-c\", \"$(jstr "$2" | sed 's/[|&\\]/\\&/g')\"|" \
		-e "s|^	\"linux\": {\$|	\"linux\": {\"resources\": $1,|" \
		-e "s|^	\"mounts\": \\[\$|	\"mounts\": [{\"destination\": \"/shared\", \"type\": \"bind\", \"source\": \"$T/shared\", \"options\": [\"rbind\", \"rw\"]},|" "$f"
	grep -q '"resources": ' "$f" && grep -q '"/shared"' "$f" && grep -q '"-c"' "$f" ||
		fail "rl_cfg: config.json not edited: $(head -c 600 "$f")"
}

# rl_hiers: the hierarchies (mount points) of the memory and pids
# controllers, and of cpuset on v1.
rl_hiers() {
	{
		cg_dir memory
		cg_dir pids
		[ "$LAYOUT" = v2 ] || cg_dir cpuset
	} | sort -u
}

# rl_delegate [CONTROLLERS]: in each hierarchy, $RL_NAME made by root and
# delegated to the user as systemd does (the directory, cgroup.procs,
# cgroup.subtree_control, cgroup.threads chowned), and a leaf
# $RL_NAME/sh of the user's for its shell. On v2 the root hands down
# memory and pids; with CONTROLLERS, only those, through an intermediate
# level of root's ($RL_NAME-p). On v1 CONTROLLERS leaves the memory
# hierarchy out.
rl_delegate() {
	local m d f
	DELEG=""
	LEAVES=""
	for m in $(rl_hiers); do
		d=$m/$RL_NAME
		[ -z "${1:-}" ] || [ "$m" = "$CG" ] || [ "$m" != "$(cg_dir memory)" ] || continue
		if [ -n "${1:-}" ] && [ "$m" = "$CG" ]; then
			echo "+memory +pids" >"$m/cgroup.subtree_control"
			mkdir "$m/$RL_NAME-p"
			DELEG="$DELEG $m/$RL_NAME-p"
			echo "$1" >"$m/$RL_NAME-p/cgroup.subtree_control"
			d=$m/$RL_NAME-p/$RL_NAME
		elif [ "$m" = "$CG" ]; then
			echo "+memory +pids" >"$m/cgroup.subtree_control"
		fi
		mkdir "$d"
		DELEG="$DELEG $d"
		for f in "" /cgroup.procs /cgroup.subtree_control /cgroup.threads /tasks; do
			[ ! -e "$d$f" ] || chown "$RL_UID:$RL_UID" "$d$f"
		done
		# v1 cpusets start empty (v2 ones share their parent's).
		if [ -f "$m/cpuset.cpus" ] && [ "$m" != "$CG" ]; then
			cat "$m/cpuset.cpus" >"$d/cpuset.cpus"
			cat "$m/cpuset.mems" >"$d/cpuset.mems"
		fi
		mkdir "$d/sh"
		if [ -f "$m/cpuset.cpus" ] && [ "$m" != "$CG" ]; then
			cat "$m/cpuset.cpus" >"$d/sh/cpuset.cpus"
			cat "$m/cpuset.mems" >"$d/sh/cpuset.mems"
		fi
		chown -R "$RL_UID:$RL_UID" "$d/sh"
		LEAVES="$LEAVES $d/sh"
	done
}

rl_undelegate() { # the leaves, then the delegated levels, deepest first
	local d k
	for d in $(echo $DELEG | tr ' ' '\n' | sort -r); do
		for k in 1 2 3 4 5 6 7 8 9 10; do
			[ ! -d "$d/sh" ] || rmdir "$d/sh" 2>/dev/null || true
			rmdir "$d" 2>/dev/null && break
			sleep 0.1
		done
	done
}

rl_gone() { # every delegated level removed
	local d
	for d in $DELEG; do
		[ ! -d "$d" ] || fail "could not remove $d: $(find "$d" -mindepth 1 -type d | tr '\n' ' ')"
	done
}

# rl_path PID CONTROLLER BASE: the init's cgroup there, checked to be
# BASE/cell/SCOPE/c1 (SCOPE: r-XXXXXXXX of the --root).
rl_path() {
	local p
	p=$(rl_cg_of "$1" "$2")
	case $p in "$3/cell/r-"????????"/c1") ;; *) fail "$2 cgroup of the init: expected $3/cell/r-XXXXXXXX/c1, got [$p]" >&2 ;; esac
	echo "$p"
}

# rl_in_leaf CELL-ARGS...: a shell moved into the leaves by root drops to
# the user and runs cell there (the user's own cgroup is then its, as in a
# session of systemd's), with try.
rl_in_leaf() {
	try sh -c 'for d in $0; do echo $$ >"$d/cgroup.procs"; done; exec su -s /bin/sh rl -c "$1"' \
		"$LEAVES" "$(q "$CELL" --root "$ROOT" "$@")"
}

rl_state_pid() { # ID: the init's pid, from `cell state` as the user
	as_rl "$CELL" --root "$ROOT" state "$1" | jfield pid
}

# The cgroup path of PID in the hierarchy of CONTROLLER.
rl_cg_of() { # PID CONTROLLER
	if is_v2 "$2"; then
		awk -F: '$1 == "0" { print $3 }' "/proc/$1/cgroup"
	else
		awk -F: -v c="$2" '("," $2 ",") ~ ("," c ",") { print $3 }' "/proc/$1/cgroup"
	fi
}

# The file with the memory limit, in DIR.
rl_mem_file() {
	if is_v2 memory; then echo "$1/memory.max"; else echo "$1/memory.limit_in_bytes"; fi
}

test_rootless_delegated_limits() {
	local pid m path
	rl_setup
	rl_cfg '{"memory": {"limit": 33554432}, "pids": {"limit": 16}}' \
		'cat /proc/self/cgroup >/shared/cg; ls /sys/fs/cgroup >/shared/ls; touch /shared/ready; exec sleep 600'
	rl_delegate
	trap rl_undelegate EXIT
	rl_in_leaf run -d -b "$B" c1
	assert_rc 0 "run -d as uid $RL_UID"
	assert_eq "" "$ERR" "stderr (memory and pids delegated: nothing skipped)"
	wait_for 10 test -e "$T/shared/ready" || fail "the container did not start"
	pid=$(rl_state_pid c1)
	for m in memory pids; do
		path=$(rl_path "$pid" $m "/$RL_NAME")
		[ "$(stat -c %u "$(cg_dir $m)$path")" = "$RL_UID" ] || fail "$(cg_dir $m)$path is not the user's"
	done
	assert_eq 33554432 "$(cat "$(rl_mem_file "$(cg_dir memory)$path")")" "memory limit"
	assert_eq 16 "$(cat "$(cg_dir pids)$path/pids.max")" "pids.max"
	if [ "$LAYOUT" != v2 ]; then
		# cpuset: CPUs copied into the levels cell made, from the
		# delegated level (not written).
		path=$(rl_path "$pid" cpuset "/$RL_NAME")
		assert_eq "$(cat "$(cg_dir cpuset)/cpuset.cpus")" \
			"$(cat "$(cg_dir cpuset)$path/cpuset.cpus")" "cpuset.cpus of the container"
		# Not delegated: the caller's own (the root cgroup).
		assert_eq "/" "$(rl_cg_of "$pid" freezer)" "freezer cgroup (not delegated)"
	fi
	# Inside: its own cgroup (a cgroup namespace), its limits.
	note "inside: $(cat "$T/shared/cg" | tr '\n' ' ')/ $(cat "$T/shared/ls" | tr '\n' ' ')"
	if [ "$LAYOUT" = v2 ]; then
		assert_eq "0::/" "$(cat "$T/shared/cg")" "/proc/self/cgroup inside"
		rl_in_leaf exec c1 cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max
		assert_rc 0 "exec as the user"
		assert_eq "33554432
16" "$OUT" "memory.max and pids.max inside"
		# From outside the delegated cgroup the kernel refuses the move
		# (CLONE_INTO_CGROUP): the process runs, outside, with a warning.
		try as_rl "$CELL" --root "$ROOT" exec c1 cat /proc/self/cgroup
		assert_rc 0 "exec as the user from outside the delegated cgroup"
		assert_contains "$ERR" "stays outside the cgroups of \`c1\`" "warning of an exec from outside"
		assert_ne "0::/" "$OUT" "/proc/self/cgroup of an exec from outside"
	else
		assert_contains "$(cat "$T/shared/cg")" ":memory:/" "/proc/self/cgroup inside"
		rl_in_leaf exec c1 cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max
		assert_rc 0 "exec as the user"
		assert_eq "33554432
16" "$OUT" "memory limit and pids.max inside"
	fi
	# The limit is felt: a fork loop stops at 16.
	rl_in_leaf exec c1 sh -c 'for i in $(seq 30); do sleep 20 & done; echo forked'
	assert_contains "$ERR" "can't fork" "forks over pids.max refused"
	assert_ok as_rl "$CELL" --root "$ROOT" delete --force c1
	for m in $(rl_hiers); do
		[ ! -e "$m/$RL_NAME/cell" ] || fail "$m/$RL_NAME/cell left after delete"
	done
	rl_undelegate
	rl_gone
	trap - EXIT
}

# A create that fails after its cgroups were made (the init cannot enter
# its cwd) leaves none in the delegated tree.
test_rootless_delegated_failed_create_cleans_up() {
	rl_setup
	rl_cfg '{"pids": {"limit": 16}}' 'true'
	sed -i 's|"cwd": "/"|"cwd": "/no-such-dir"|' "$B/config.json"
	grep -q no-such-dir "$B/config.json" || fail "cwd not edited"
	rl_delegate
	trap rl_undelegate EXIT
	rl_in_leaf run -b "$B" c1
	assert_ne 0 "$RC" "run with a cwd that does not exist"
	assert_contains "$ERR" "no-such-dir" "error"
	for m in $(rl_hiers); do
		[ ! -e "$m/$RL_NAME/cell" ] || fail "$m/$RL_NAME/cell left after a failed create"
	done
	rl_undelegate
	rl_gone
	trap - EXIT
}

# Memory not delegated (v2: not handed down to the delegated cgroup, v1:
# its hierarchy not delegated): the memory limit is skipped with one
# warning, pids.max is written.
test_rootless_memory_not_delegated_warns() {
	local pid n path base=/$RL_NAME
	rl_setup
	rl_cfg '{"memory": {"limit": 33554432}, "pids": {"limit": 16}}' 'touch /shared/ready; exec sleep 600'
	rl_delegate "+pids"
	trap rl_undelegate EXIT
	rl_in_leaf run -d -b "$B" c1
	assert_rc 0 "run -d as uid $RL_UID"
	n=$(printf '%s\n' "$ERR" | grep -c warning || true)
	assert_eq 1 "$n" "warning lines [$ERR]"
	assert_contains "$ERR" "the memory limits skipped: the memory controller is not delegated to uid $RL_UID" "warning"
	wait_for 10 test -e "$T/shared/ready" || fail "the container did not start"
	pid=$(rl_state_pid c1)
	[ "$LAYOUT" != v2 ] || base=/$RL_NAME-p/$RL_NAME
	path=$(rl_path "$pid" pids "$base")
	assert_eq 16 "$(cat "$(cg_dir pids)$path/pids.max")" "pids.max"
	if [ "$LAYOUT" = v2 ]; then
		[ ! -e "$CG$path/memory.max" ] || fail "memory enabled below a level without it"
	else
		assert_eq "/" "$(rl_cg_of "$pid" memory)" "memory cgroup (not delegated: the caller's)"
	fi
	assert_ok as_rl "$CELL" --root "$ROOT" delete --force c1
	[ ! -e "$(cg_dir pids)$base/cell" ] || fail "cell level left after delete"
	rl_undelegate
	rl_gone
	trap - EXIT
}

# Nothing delegated (the user's cgroup is root's): one warning, no cgroup
# made, the container runs.
test_rootless_nothing_delegated_runs() {
	local before
	rl_setup
	rl_cfg '{"memory": {"limit": 33554432}, "pids": {"limit": 16}}' 'echo ran; cat /proc/self/cgroup'
	before=$(cg_snapshot)
	try as_rl "$CELL" --root "$ROOT" run -b "$B" c1
	assert_rc 0 "run as uid $RL_UID"
	assert_contains "$OUT" "ran" "output"
	assert_eq 1 "$(printf '%s\n' "$ERR" | grep -c warning || true)" "warning lines [$ERR]"
	assert_contains "$ERR" "linux.resources skipped" "warning"
	assert_eq "$before" "$(cg_snapshot)" "cgroups"
}

# v1 cpuset, a cgroupsPath through a level cell did not make whose CPUs
# are empty (though its files are the user's): cell never fills a level
# it did not make; the cpuset hierarchy is left unused, the others made
# as asked, and the container runs.
test_rootless_v1_cpuset_empty_level_not_written() {
	[ "$LAYOUT" != v2 ] || skip "v1 cpuset"
	local pid cs
	cs=$(cg_dir cpuset)
	rl_setup
	rl_cfg '{"pids": {"limit": 16}}' 'touch /shared/ready; exec sleep 600'
	sed -i "s|^	\"linux\": {|	\"linux\": {\"cgroupsPath\": \"/$RL_NAME/empty/c1\",|" "$B/config.json"
	rl_delegate
	trap rl_undelegate EXIT
	mkdir "$cs/$RL_NAME/empty"
	DELEG="$DELEG $cs/$RL_NAME/empty"
	chown -R "$RL_UID:$RL_UID" "$cs/$RL_NAME/empty"
	rl_in_leaf run -d -b "$B" c1
	assert_rc 0 "run -d as uid $RL_UID"
	assert_eq "" "$ERR" "stderr"
	wait_for 10 test -e "$T/shared/ready" || fail "the container did not start"
	assert_eq "" "$(cat "$cs/$RL_NAME/empty/cpuset.cpus")" "cpuset.cpus of the level cell did not make"
	pid=$(rl_state_pid c1)
	assert_eq "/$RL_NAME/sh" "$(rl_cg_of "$pid" cpuset)" "cpuset cgroup (unused: the caller's)"
	assert_eq "/$RL_NAME/empty/c1" "$(rl_cg_of "$pid" pids)" "pids cgroup"
	assert_eq 16 "$(cat "$(cg_dir pids)/$RL_NAME/empty/c1/pids.max")" "pids.max"
	assert_ok as_rl "$CELL" --root "$ROOT" delete --force c1
	[ ! -e "$(cg_dir pids)/$RL_NAME/empty" ] || fail "levels cell made left after delete"
	[ -d "$cs/$RL_NAME/empty" ] || fail "a level cell did not make was removed"
	rl_undelegate
	rl_gone
	trap - EXIT
}
