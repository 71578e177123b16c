# shellcheck shell=sh disable=SC2016 # sh -c scripts are single-quoted on purpose
# cgroups inside the VM, on the layout /init mounted (v2, hybrid, v1): the
# cgroup v2 code path the development host (hybrid) cannot exercise, and
# the v1 and hybrid paths on Debian's kernel. The runner checks after every
# case that no cgroup was left behind.

# mem_file ID: the file holding the memory limit (v2 memory.max, v1
# memory.limit_in_bytes).
mem_file() {
	if is_v2 memory; then cg_file "$1" memory memory.max; else cg_file "$1" memory memory.limit_in_bytes; fi
}

test_memory_hog_oom_killed_at_limit() {
	# swap = limit: no swap for the hog, so it meets the OOM killer at 32 MiB.
	RES='{"memory":{"limit":33554432,"swap":33554432}}'
	cfg_sh 'x=0123456789abcdef; while :; do x=$x$x; done'
	cfg
	ctr_run c1
	assert_rc 137 "the memory hog is SIGKILLed by the OOM killer"
	# The same limits, read from outside while a container runs.
	cfg_args sleep 600
	cfg
	ctr_detach c2
	assert_eq 33554432 "$(cat "$(mem_file c2)")" "memory limit"
	if is_v2 memory; then
		assert_eq 0 "$(cat "$(cg_file c2 memory memory.swap.max)")" "memory.swap.max (swap - limit)"
	fi
}

test_swap_max_written() {
	# 32 MiB of memory, 96 MiB of memory+swap: v2 has swap alone, 64 MiB.
	RES='{"memory":{"limit":33554432,"swap":100663296,"reservation":16777216}}'
	cfg_args sleep 600
	cfg
	ctr_detach c1
	if is_v2 memory; then
		assert_eq 67108864 "$(cat "$(cg_file c1 memory memory.swap.max)")" "memory.swap.max"
		assert_eq 16777216 "$(cat "$(cg_file c1 memory memory.low)")" "memory.low (reservation)"
	else
		[ -f "$(cg_file c1 memory memory.memsw.limit_in_bytes)" ] || skip "no v1 swap accounting"
		assert_eq 100663296 "$(cat "$(cg_file c1 memory memory.memsw.limit_in_bytes)")" "memory.memsw.limit_in_bytes"
		assert_eq 16777216 "$(cat "$(cg_file c1 memory memory.soft_limit_in_bytes)")" "memory.soft_limit_in_bytes"
	fi
	assert_ok rt update --memory 48m c1
	assert_eq 50331648 "$(cat "$(mem_file c1)")" "memory limit after update"
}

test_oom_then_delete_removes_cgroups() {
	RES='{"memory":{"limit":33554432,"swap":33554432}}'
	cfg_sh 'sleep 0.5; x=0123456789abcdef; while :; do x=$x$x; done'
	cfg
	local before path d
	before=$(cg_snapshot)
	ctr_detach c1
	path=$(cg_path c1)
	wait_status c1 stopped 30
	[ -d "$(cg_dir memory)$path" ] || fail "the cgroup went before delete"
	if is_v2 memory; then
		grep -q '^oom_kill [1-9]' "$(cg_dir memory)$path/memory.events" || fail "no oom_kill in memory.events"
	fi
	assert_ok rt delete c1
	assert_eq "$before" "$(cg_snapshot)" "cgroups after deleting the OOM-killed container"
	for d in $(cg_mounts); do
		[ ! -d "$d$path" ] || fail "$d$path left"
	done
}

test_pids_limit_stops_fork_bomb() {
	share_dir
	RES='{"pids":{"limit":8}}'
	# ash gives up at the first failed fork: the loop runs in a child shell.
	cfg_sh 'sh -c "for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		sleep 30 & done" 2>/shared/err; echo done >/shared/done; exec sleep 30'
	cfg
	ctr_detach c1
	wait_for 20 test -e "$T/shared/done" || fail "the fork loop did not finish"
	local cur
	cur=$(cat "$(cg_file c1 pids pids.current)")
	note "pids.current=$cur; $(head -c 200 "$T/shared/err")"
	[ "$cur" -le 8 ] || fail "pids.current $cur is over the limit 8"
	assert_eq 8 "$(cat "$(cg_file c1 pids pids.max)")" "pids.max"
	assert_contains "$(cat "$T/shared/err")" "fork" "fork failed inside"
}

test_cpuset_confines_nproc() {
	[ "$(nproc)" -ge 2 ] || skip "needs 2 vCPUs"
	RES='{"cpu":{"cpus":"1","mems":"0"}}'
	cfg_sh 'nproc; grep Cpus_allowed_list /proc/self/status'
	cfg
	ctr_run c1
	assert_rc 0
	assert_eq 1 "$(printf '%s\n' "$OUT" | head -n 1)" "nproc inside"
	assert_contains "$OUT" "Cpus_allowed_list:	1" "affinity inside"
}

test_cpu_weight_and_max_written() {
	RES='{"cpu":{"shares":512,"quota":50000,"period":100000}}'
	cfg_args sleep 600
	cfg
	ctr_detach c1
	if is_v2 cpu; then
		assert_eq 20 "$(cat "$(cg_file c1 cpu cpu.weight)")" "cpu.weight (shares 512 converted)"
		assert_eq "50000 100000" "$(cat "$(cg_file c1 cpu cpu.max)")" "cpu.max"
		assert_ok rt update --cpu-quota 20000 --cpu-shares 1024 c1
		assert_eq "20000 100000" "$(cat "$(cg_file c1 cpu cpu.max)")" "cpu.max after update"
		assert_eq 39 "$(cat "$(cg_file c1 cpu cpu.weight)")" "cpu.weight after update"
	else
		assert_eq 512 "$(cat "$(cg_file c1 cpu cpu.shares)")" "cpu.shares"
		assert_eq 50000 "$(cat "$(cg_file c1 cpu cpu.cfs_quota_us)")" "cpu.cfs_quota_us"
		assert_eq 100000 "$(cat "$(cg_file c1 cpu cpu.cfs_period_us)")" "cpu.cfs_period_us"
	fi
	# docker's update: 0 for every cpu value not named keeps what is there.
	printf '{"cpu":{"shares":0,"quota":0,"period":0},"memory":{"limit":67108864}}' >"$T/res.json"
	assert_ok rt update -r "$T/res.json" c1
	if is_v2 cpu; then
		assert_eq "20000 100000" "$(cat "$(cg_file c1 cpu cpu.max)")" "cpu.max after a zero-quota update"
	else
		assert_eq 50000 "$(cat "$(cg_file c1 cpu cpu.cfs_quota_us)")" "cpu.cfs_quota_us after a zero-quota update"
	fi
	assert_eq 67108864 "$(cat "$(mem_file c1)")" "memory limit of the same update"
}

# Debian's kernel has no CONFIG_RT_GROUP_SCHED: the v1 cpu.rt_* files are
# missing, and zero budgets (runc's "not set") must still be accepted.
test_realtime_zero_accepted() {
	RES='{"cpu":{"realtimeRuntime":0,"realtimePeriod":0,"shares":1024}}'
	cfg_args true
	cfg
	ctr_run c1
	assert_rc 0 "a container with zero realtime values"
	if [ ! -f "$(cg_dir cpu)/cpu.rt_runtime_us" ] && ! is_v2 cpu; then
		RES='{"cpu":{"realtimeRuntime":1000}}'
		cfg
		ctr_run c2
		assert_rc 1 "a realtime budget without the kernel's support"
		assert_contains "$ERR" "realtimeRuntime" "the error names the field"
	fi
}

test_unified_keys_passed_and_paths_rejected() {
	[ "$LAYOUT" != v1 ] || skip "no cgroup2 hierarchy"
	local d
	RES='{"unified":{"cgroup.max.descendants":"3","cgroup.max.depth":"2"}}'
	cfg_args sleep 600
	cfg
	ctr_detach c1
	if [ "$LAYOUT" = v2 ]; then d=$CG; else d=$CG/unified; fi
	assert_eq 3 "$(cat "$d$(cg_path c1)/cgroup.max.descendants")" "cgroup.max.descendants"
	assert_eq 2 "$(cat "$d$(cg_path c1)/cgroup.max.depth")" "cgroup.max.depth"
	if [ "$LAYOUT" = v2 ]; then
		RES='{"unified":{"memory.high":"50331648","pids.max":"9"}}'
		cfg
		ctr_detach c2
		assert_eq 50331648 "$(cat "$CG$(cg_path c2)/memory.high")" "memory.high"
		assert_eq 9 "$(cat "$CG$(cg_path c2)/pids.max")" "pids.max"
	fi
	for k in '../cgroup.procs' 'x/../../cgroup.procs' '/etc/passwd' 'a/b'; do
		RES="{\"unified\":{\"$k\":\"1\"}}"
		cfg
		ctr_run c3
		[ "$RC" = 1 ] || fail "unified key $k: expected refusal, got $RC: $ERR"
		assert_contains "$ERR" "unified" "the error for $k names linux.resources.unified"
	done
}

# dev_probe: inside the container, open the device nodes and say what came.
dev_probe='for d in /dev/null /dev/zero /dev/full /dev/random /dev/urandom; do
	(exec 3<>$d) 2>/dev/null && echo "$d ok" || echo "$d DENIED"; done
	(echo x >/dev/xkmsg) 2>&1 && echo "xkmsg written"; true'

test_device_filter_denies_and_allows_defaults() {
	# /dev/kmsg (c 1:11) opened for writing needs no capability: only the
	# device controller (v2: cell's eBPF program) can refuse it.
	DEVICES='[{"path":"/dev/xkmsg","type":"c","major":1,"minor":11,"fileMode":438}]'
	RES='{"devices":[{"allow":false,"access":"rwm"}]}'
	cfg_sh "$dev_probe"
	cfg
	ctr_run c1
	assert_rc 0
	note "$OUT"
	assert_contains "$OUT" "Operation not permitted" "writing the denied /dev/xkmsg"
	case $OUT in *"xkmsg written"*) fail "a denied device was opened: $OUT" ;; esac
	case $OUT in *DENIED*) fail "a default device was denied: $OUT" ;; esac
	RES='{"devices":[{"allow":false,"access":"rwm"},{"allow":true,"type":"c","major":1,"minor":11,"access":"w"}]}'
	cfg_sh "$dev_probe"
	cfg
	ctr_run c2
	assert_rc 0
	assert_contains "$OUT" "xkmsg written" "write allowed by the rule"
	case $OUT in *DENIED*) fail "a default device was denied: $OUT" ;; esac
}

test_pause_resume_freezes_and_thaws() {
	share_dir
	cfg_sh 'i=0; while :; do i=$((i+1)); echo $i >/shared/n; sleep 0.05; done'
	cfg
	ctr_detach c1
	wait_for 10 test -s "$T/shared/n" || fail "the counter did not start"
	assert_ok rt pause c1
	assert_eq paused "$(ctr_status c1)" "status after pause"
	if is_v2 freezer; then
		assert_eq 1 "$(cat "$CG$(cg_path c1)/cgroup.freeze")" "cgroup.freeze"
		grep -qx 'frozen 1' "$CG$(cg_path c1)/cgroup.events" || fail "cgroup.events: not frozen"
	else
		assert_eq FROZEN "$(cat "$(cg_file c1 freezer freezer.state)")" "freezer.state"
	fi
	local a b
	a=$(cat "$T/shared/n")
	sleep 1
	b=$(cat "$T/shared/n")
	assert_eq "$a" "$b" "the counter while paused"
	assert_ok rt resume c1
	assert_eq running "$(ctr_status c1)" "status after resume"
	wait_for 10 sh -c "[ \"\$(cat '$T/shared/n')\" -gt $b ]" || fail "the counter did not move after resume"
	if [ "$LAYOUT" = v2 ]; then
		assert_eq 0 "$(cat "$CG$(cg_path c1)/cgroup.freeze")" "cgroup.freeze after resume"
	fi
	assert_ok rt pause c1
	assert_ok rt delete --force c1
}

test_update_changes_live_limit() {
	share_dir
	RES='{"pids":{"limit":100},"memory":{"limit":104857600}}'
	cfg_sh 'while [ ! -e /shared/go ]; do sleep 0.05; done
		sh -c "for i in 1 2 3 4 5 6 7 8 9 10; do sleep 30 & done" 2>/shared/err
		echo done >/shared/done; exec sleep 30'
	cfg
	ctr_detach c1
	assert_ok rt update --pids-limit 4 --memory 64m c1
	assert_eq 4 "$(cat "$(cg_file c1 pids pids.max)")" "pids.max after update"
	assert_eq 67108864 "$(cat "$(mem_file c1)")" "memory limit after update"
	touch "$T/shared/go"
	wait_for 20 test -e "$T/shared/done" || fail "the fork loop did not finish"
	assert_contains "$(cat "$T/shared/err")" "fork" "the new pids limit is felt"
	printf '{"pids":{"limit":-1}}' >"$T/res.json"
	assert_ok rt update -r "$T/res.json" c1
	assert_eq max "$(cat "$(cg_file c1 pids pids.max)")" "pids.max after update -r"
}

# A controller the config did not ask for at create can still be set by a
# later update: on v2 it must be enabled in the parent's subtree_control.
# The root starts as a fresh boot has it, with nothing enabled (earlier
# cases enabled what they needed; nothing is below the root now).
test_update_controller_not_configured_at_create() {
	if [ "$LAYOUT" = v2 ]; then
		local c
		for c in $(cat $CG/cgroup.subtree_control); do echo "-$c" >$CG/cgroup.subtree_control; done
		assert_eq "" "$(cat $CG/cgroup.subtree_control)" "the root's subtree_control, reset"
	fi
	RES='{"devices":[{"allow":false,"access":"rwm"}]}'
	cfg_args sleep 600
	cfg
	ctr_detach c1
	assert_ok rt update --pids-limit 5 --memory 64m --cpu-shares 512 c1
	assert_eq 5 "$(cat "$(cg_file c1 pids pids.max)")" "pids.max"
	assert_eq 67108864 "$(cat "$(mem_file c1)")" "memory limit"
	if [ "$(nproc)" -ge 2 ]; then
		assert_ok rt update --cpuset-cpus 0 c1
		assert_eq 0 "$(cat "$(cg_file c1 cpuset cpuset.cpus)")" "cpuset.cpus"
	fi
}

# jnum PREFIX KEY: a number from the one-line JSON in $OUT, inside the
# first object (without nested ones) that follows PREFIX, e.g.
# jnum '"memory":{"usage"' limit.
jnum() {
	printf '%s' "$OUT" | grep -o "$1:{[^{}]*}" | head -n 1 | grep -o "\"$2\":[0-9-]*" | cut -d: -f2
}

test_events_stats_numbers() {
	RES='{"memory":{"limit":33554432},"pids":{"limit":20}}'
	cfg_sh 'sleep 600 & i=0; while [ $i -lt 3000 ]; do i=$((i+1)); done; exec sleep 601'
	cfg
	ctr_detach c1
	wait_for 10 sh -c "[ \"\$(cat '$(cg_file c1 pids pids.current)')\" = 2 ]" || fail "two processes"
	try rt events --stats c1
	assert_rc 0
	note "$OUT"
	assert_contains "$OUT" '"type":"stats"' "event type"
	assert_contains "$OUT" '"id":"c1"' "event id"
	assert_eq 2 "$(jnum '"pids"' current)" "pids.current"
	assert_eq 20 "$(jnum '"pids"' limit)" "pids.limit"
	assert_eq 33554432 "$(jnum '"memory":{"usage"' limit)" "memory limit"
	[ "$(jnum '"memory":{"usage"' usage)" -gt 0 ] || fail "memory usage is 0"
	[ "$(jnum '"memory":{"usage"' max)" -gt 0 ] || fail "memory peak is 0"
	[ "$(jnum '"cpu":{"usage"' total)" -gt 0 ] || fail "cpu usage is 0"
}

test_cgroupns_shows_own_cgroup_as_root() {
	RES='{"pids":{"limit":33}}'
	local f=pids.max
	[ "$LAYOUT" = v2 ] || f=pids/pids.max
	cfg_sh "cat /sys/fs/cgroup/$f; cat /proc/self/cgroup; mkdir /sys/fs/cgroup/x 2>&1; true"
	cfg
	ctr_run c1
	assert_rc 0
	note "$OUT"
	assert_eq 33 "$(printf '%s\n' "$OUT" | head -n 1)" "the container's own pids.max at its cgroup root"
	assert_eq "" "$(printf '%s\n' "$OUT" | grep -E '^[0-9]+:' | grep -v ':/$')" "cgroup paths inside the namespace"
	assert_contains "$OUT" "Read-only file system" "the cgroup tree is read-only"
	# Without a cgroup namespace the real path shows.
	NS=""
	cfg
	ctr_run c2
	assert_rc 0
	assert_contains "$OUT" ":/cell/" "cgroup paths without a cgroup namespace"
}

test_failed_create_leaves_no_cgroup() {
	local before
	before=$(cg_snapshot)
	# CPU 4095 does not exist: the cpuset write fails after the cgroups
	# are made, and they must go again.
	RES='{"cpu":{"cpus":"4095"},"memory":{"limit":33554432},"pids":{"limit":10}}'
	cfg_args true
	cfg
	try rt create -b "$B" c1
	[ "$RC" = 1 ] || fail "create with cpus 4095: expected failure, got $RC"
	assert_contains "$ERR" "linux.resources.cpu.cpus" "the error names the field"
	assert_eq "$before" "$(cg_snapshot)" "cgroups after the failed create"
	[ ! -e "$ROOT/c1" ] || fail "state dir left"
}

test_delete_removes_every_hierarchy() {
	cfg_args sleep 600
	cfg
	local before path pid n d
	before=$(cg_snapshot)
	ctr_detach c1
	pid=$(ctr_pid c1)
	path=$(cg_path c1)
	case $path in /cell/*/c1) ;; *) fail "default path: $path" ;; esac
	n=0
	for d in $(cg_mounts); do
		[ -d "$d$path" ] || fail "no $d$path"
		n=$((n + 1))
	done
	assert_eq "$n" "$(wc -l <"/proc/$pid/cgroup")" "hierarchies holding the init"
	assert_eq "" "$(awk -F: -v p="$path" '$3 != p' "/proc/$pid/cgroup")" "every hierarchy puts the init at $path"
	assert_ok rt delete --force c1
	assert_eq "$before" "$(cg_snapshot)" "cgroups after delete"
}

# A default-path cgroup left empty by a crash is taken over by the next
# container of that ID (a v1 cpuset gets CPUs again), and removed with it;
# one with a process in it is refused and left alone.
test_stale_empty_cgroup_taken_over() {
	local path before d sleeper
	before=$(cg_snapshot)
	cfg_args sleep 600
	cfg
	ctr_detach c0 # keeps the parents (/cell/SCOPE) as cell made them
	ctr_detach c1
	path=$(cg_path c1)
	assert_ok rt delete --force c1
	for d in $(cg_mounts); do mkdir "$d$path"; done
	ctr_detach c1
	assert_eq "$path" "$(cg_path c1)" "the same path"
	assert_ok rt delete --force c1
	for d in $(cg_mounts); do
		[ ! -d "$d$path" ] || fail "$d$path left after delete"
	done
	# Not empty: refused, and not removed.
	d=$(cg_dir pids)
	mkdir "$d$path"
	sleep 600 &
	sleeper=$!
	echo "$sleeper" >"$d$path/cgroup.procs"
	try rt run -d -b "$B" c1
	assert_rc 1 "create over a cgroup with a process"
	assert_contains "$ERR" "already has processes" "the error"
	[ -d "$d$path" ] || fail "the busy cgroup was removed"
	kill "$sleeper"
	wait "$sleeper" 2>/dev/null || true
	echo $$ >"$d/cgroup.procs" 2>/dev/null || true
	wait_for 5 rmdir "$d$path" || fail "rmdir $d$path"
	assert_ok rt delete --force c0
	assert_eq "$before" "$(cg_snapshot)" "cgroups at the end"
}

test_hugetlb_limit() {
	[ -d /sys/kernel/mm/hugepages/hugepages-2048kB ] || skip "no 2 MB huge pages"
	RES='{"hugepageLimits":[{"pageSize":"2MB","limit":4194304}]}'
	cfg_args sleep 600
	cfg
	ctr_detach c1
	local f
	f=$(cg_file c1 hugetlb hugetlb.2MB.max)
	is_v2 hugetlb || f=$(cg_file c1 hugetlb hugetlb.2MB.limit_in_bytes)
	assert_eq 4194304 "$(cat "$f")" "hugetlb 2MB limit ($f)"
}

# Without a pid namespace the init's death leaves its children: kill --all
# reaches them through the cgroup (cgroup.kill on v2).
test_kill_all_without_pid_namespace() {
	share_dir
	cfg_sh 'sleep 600 & echo $! >/shared/child; exec sleep 601'
	cfg
	sed -i 's/{"type":"pid"},//' "$B/config.json"
	ctr_detach c1
	wait_for 10 test -s "$T/shared/child" || fail "no child"
	local procs
	procs=$(cg_file c1 pids cgroup.procs)
	assert_eq 2 "$(wc -l <"$procs")" "processes in the cgroup"
	assert_ok rt kill --all c1 KILL
	wait_for 10 sh -c "[ ! -s '$procs' ]" || fail "processes left after kill --all: $(cat "$procs")"
	assert_ok rt delete c1
}

test_events_stream_reports_oom() {
	RES='{"memory":{"limit":33554432,"swap":33554432}}'
	# The hog is a child: the init lives on, and so does the stream.
	cfg_sh 'sh -c "sleep 1.5; x=0123456789abcdef; while :; do x=\$x\$x; done"; exec sleep 600'
	cfg
	ctr_detach c1
	timeout 8 "$CELL" --root "$ROOT" events --interval 1 c1 >"$T/events" 2>&1 || true
	note "$(cut -c1-100 "$T/events")"
	grep -q '"type":"oom"' "$T/events" || fail "no oom event in the stream"
	[ "$(grep -c '"type":"stats"' "$T/events")" -ge 2 ] || fail "fewer than 2 stats events"
}
