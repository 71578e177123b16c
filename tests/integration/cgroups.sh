# shellcheck shell=bash disable=SC2016 # sh -c scripts are single-quoted on purpose
# cgroups on this host's layout (v1, hybrid or v2): the container's own
# cgroups, resources written and felt, pause/resume, update, cleanup.
# The v2-only paths run in the VM (tests/vm/cases/cgroup.sh).

CG=/sys/fs/cgroup

cg_layout() { # v2 | hybrid | v1
	if [ "$(stat -fc %T $CG)" = cgroup2fs ]; then
		echo v2
	elif [ -d $CG/unified ] && [ "$(stat -fc %T $CG/unified)" = cgroup2fs ]; then
		echo hybrid
	else
		echo v1
	fi
}

# cg_dir CONTROLLER: the hierarchy that drives it (v1 dir, or the v2 root).
cg_dir() {
	local c=$1
	if [ "$(cg_layout)" = v2 ]; then
		echo $CG
	elif [ -d "$CG/$c" ] && [ "$(stat -fc %T "$CG/$c")" = cgroupfs ]; then
		echo "$CG/$c"
	elif [ "$(cg_layout)" = hybrid ] && grep -qw "$c" $CG/unified/cgroup.controllers 2>/dev/null; then
		echo $CG/unified
	else
		return 1
	fi
}

# cg_path ID: the container's cgroup path (same in every hierarchy), from
# its init's /proc/PID/cgroup.
cg_path() {
	local pid
	pid=$(ctr_pid "$1")
	awk -F: '$2 ~ /(^|,)pids(,|$)/ || $1 == "0" { print $3; exit }' "/proc/$pid/cgroup"
}

# Every cgroup directory named like a container path, in every hierarchy.
cg_dirs_of() { # PATH
	local d
	for d in $CG/*/ $CG/; do
		[ -d "$d$1" ] && echo "$d$1"
	done
	return 0
}

# cg_scope: the r-XXXXXXXX part of default paths for this test's --root
# (FNV-1a over st_dev and st_ino, as cell computes it).
cg_scope() {
	python3 -c '
import os, struct, sys
st = os.stat(sys.argv[1])
h = 2166136261
for b in struct.pack("<QQ", st.st_dev, st.st_ino):
    h = ((h ^ b) * 16777619) & 0xffffffff
print("r-%08x" % h)' "$ROOT"
}

need_ctrl() { # CONTROLLER
	cg_dir "$1" >/dev/null || skip "no $1 cgroup controller on this host"
}

test_cgroup_default_path_every_hierarchy_and_cleanup() {
	make_bundle
	cfg_args sleep 600
	ctr_detach c1
	local pid path lines other
	pid=$(ctr_pid c1)
	path=$(cg_path c1)
	note "cgroup path: $path"
	assert_eq "/cell/$(cg_scope)/c1" "$path" "default path under /cell, scoped by --root"
	# Every hierarchy the host has holds the init at that path.
	lines=$(wc -l <"/proc/$pid/cgroup")
	other=$(awk -F: -v p="$path" '$3 != p' "/proc/$pid/cgroup")
	assert_eq "" "$other" "every one of the $lines hierarchies puts the init at $path"
	[ -n "$(cg_dirs_of "$path")" ] || fail "no cgroup directory for $path"
	assert_ok rt delete --force c1
	assert_eq "" "$(cg_dirs_of "$path")" "cgroup directories left after delete"
	assert_eq "" "$(cg_dirs_of "${path%/*}")" "the scope directory left after the last container"
}

test_cgroups_path_absolute() {
	make_bundle
	local p="/ctst-$CG_TAG-abs/inner"
	cfg "linux.cgroupsPath=\"$p\""
	cfg_args sleep 600
	ctr_detach c1
	assert_eq "$p" "$(cg_path c1)" "absolute cgroupsPath"
	assert_ok rt delete --force c1
	assert_eq "" "$(cg_dirs_of "$p")$(cg_dirs_of "/ctst-$CG_TAG-abs")" "cgroups left after delete"
}

test_cgroups_path_relative_is_below_own_cgroup() {
	make_bundle
	local rel="ctst-$CG_TAG-rel" own
	cfg "linux.cgroupsPath=\"$rel\""
	cfg_args sleep 600
	ctr_detach c1
	own=$(awk -F: '$2 ~ /(^|,)pids(,|$)/ || $1 == "0" { print $3; exit }' /proc/self/cgroup)
	assert_eq "${own%/}/$rel" "$(cg_path c1)" "relative cgroupsPath below the caller's cgroup"
	assert_ok rt delete --force c1
	assert_eq "" "$(cg_dirs_of "${own%/}/$rel")" "cgroups left after delete"
}

test_cgroups_path_systemd_style() {
	make_bundle
	# The tag in the top slice: no level is shared with a concurrent run.
	local s="ctst$CG_TAG"
	cfg "linux.cgroupsPath=\"$s-x.slice:ct:c1\""
	cfg_args sleep 600
	ctr_detach c1
	assert_eq "/$s.slice/$s-x.slice/ct-c1.scope" "$(cg_path c1)" "slice:prefix:name"
	assert_ok rt delete --force c1
	assert_eq "" "$(cg_dirs_of "/$s.slice")" "slices left after delete"
}

test_memory_limit_oom_killed_and_cleaned() {
	need_ctrl memory
	make_bundle
	# swap = limit: no swap, so the hog meets the OOM killer at 32 MiB.
	cfg 'linux.resources={"memory":{"limit":33554432,"swap":33554432}}'
	cfg_sh 'x=0123456789abcdef; while :; do x=$x$x; done'
	ctr_run c1
	assert_rc 137 "the memory hog is SIGKILLed by the OOM killer"
	assert_eq "" "$(cg_dirs_of "/cell/$(cg_scope)")" "no cgroup left after an OOM kill"
	# The same limit, read from inside a detached container.
	cfg_args sleep 600
	ctr_detach c2
	local d
	d=$(cg_dir memory)
	if [ "$d" = $CG ] || [ "$d" = $CG/unified ]; then
		assert_eq 33554432 "$(cat "$d$(cg_path c2)/memory.max")" "memory.max"
	else
		assert_eq 33554432 "$(cat "$d$(cg_path c2)/memory.limit_in_bytes")" "memory.limit_in_bytes"
	fi
}

test_memory_oom_then_delete_removes_cgroups() {
	need_ctrl memory
	make_bundle
	cfg 'linux.resources={"memory":{"limit":33554432,"swap":33554432}}'
	cfg_sh 'sleep 0.3; x=0123456789abcdef; while :; do x=$x$x; done'
	ctr_detach c1
	# The default path, not cg_path: on a loaded host the init may be
	# OOM-killed before its /proc/PID/cgroup is read.
	local path="/cell/$(cg_scope)/c1"
	wait_status c1 stopped 20
	[ -n "$(cg_dirs_of "$path")" ] || fail "cgroup gone before delete"
	assert_ok rt delete c1
	assert_eq "" "$(cg_dirs_of "$path")" "cgroups left after deleting an OOM-killed container"
}

test_pids_limit_stops_fork_bomb() {
	need_ctrl pids
	make_bundle
	cfg 'linux.resources={"pids":{"limit":8}}'
	share_dir
	# ash gives up at the first failed fork: the loop runs in a child shell.
	cfg_sh 'sh -c "for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		sleep 30 & done" 2>/shared/err; echo done >/shared/done; exec sleep 30'
	ctr_detach c1
	wait_for 10 test -e "$SHARED/done" || fail "the fork loop did not finish"
	local cur
	cur=$(cat "$(cg_dir pids)$(cg_path c1)/pids.current")
	note "pids.current=$cur; $(head -c 200 "$SHARED/err")"
	[ "$cur" -le 8 ] || fail "pids.current $cur is over the limit 8"
	assert_match "$(cat "$SHARED/err")" "fork|Resource temporarily unavailable" "fork failed inside"
	assert_eq 8 "$(cat "$(cg_dir pids)$(cg_path c1)/pids.max")" "pids.max"
}

test_cpuset_confines_nproc() {
	need_ctrl cpuset
	[ "$(nproc --all)" -ge 2 ] || skip "needs at least 2 CPUs"
	make_bundle
	cfg 'linux.resources={"cpu":{"cpus":"1"}}'
	cfg_sh 'nproc; grep Cpus_allowed_list /proc/self/status'
	ctr_run c1
	assert_rc 0
	assert_eq "1" "$(printf '%s\n' "$OUT" | head -n 1)" "nproc inside"
	assert_contains "$OUT" "Cpus_allowed_list:	1" "affinity inside"
}

# A v1 cpuset made by someone else with no CPUs or memory nodes yet (as
# mkdir leaves it): a task attached below it gets ENOSPC unless cell fills
# the empty levels from their parents first (runc does the same).
test_cpuset_v1_empty_existing_parent_is_filled() {
	need_ctrl cpuset
	local d
	d=$(cg_dir cpuset)
	[ "$d" != "$CG" ] && [ "$d" != "$CG/unified" ] || skip "cpuset is not on cgroup v1 here"
	local top="/ctst-$CG_TAG-cs"
	mkdir "$d$top"
	assert_eq "" "$(cat "$d$top/cpuset.cpus")" "a new cpuset starts empty"
	make_bundle
	cfg "linux.cgroupsPath=\"$top/c1\""
	cfg_sh 'grep Cpus_allowed_list /proc/self/status'
	try rt run -b "$B" c1
	rmdir "$d$top" || fail "cannot remove $d$top: $(ls "$d$top")"
	assert_rc 0
	assert_contains "$OUT" "Cpus_allowed_list:	$(cat "$d/cpuset.cpus")" "the parent's CPUs inside"
	assert_eq "" "$(cg_dirs_of "$top")" "cgroups left"
}

test_cpu_shares_quota_written() {
	need_ctrl cpu
	make_bundle
	cfg 'linux.resources={"cpu":{"shares":512,"quota":50000,"period":100000}}'
	cfg_args sleep 600
	ctr_detach c1
	local d
	d=$(cg_dir cpu)$(cg_path c1)
	if [ -f "$d/cpu.shares" ]; then
		assert_eq 512 "$(cat "$d/cpu.shares")" "cpu.shares"
		assert_eq 50000 "$(cat "$d/cpu.cfs_quota_us")" "cpu.cfs_quota_us"
		assert_eq 100000 "$(cat "$d/cpu.cfs_period_us")" "cpu.cfs_period_us"
	else
		assert_eq 20 "$(cat "$d/cpu.weight")" "cpu.weight (shares 512 converted)"
		assert_eq "50000 100000" "$(cat "$d/cpu.max")" "cpu.max"
	fi
}

test_blkio_throttle_written_and_weight_refused_without_bfq() {
	need_ctrl blkio
	local dev
	dev=$(cat /sys/block/*/dev 2>/dev/null | grep -v '^7:' | head -n 1)
	[ -n "$dev" ] || skip "no block device"
	make_bundle
	cfg "linux.resources={\"blockIO\":{\"throttleReadBpsDevice\":[{\"major\":${dev%:*},\"minor\":${dev#*:},\"rate\":1048576}]}}"
	cfg_args sleep 600
	ctr_detach c1
	local d
	d=$(cg_dir blkio)$(cg_path c1)
	assert_contains "$(cat "$d/blkio.throttle.read_bps_device")" "$dev 1048576" "read bps throttle"
	if [ ! -f "$d/blkio.weight" ] && [ ! -f "$d/blkio.bfq.weight" ]; then
		cfg 'linux.resources={"blockIO":{"weight":500}}'
		try rt run -b "$B" c2
		assert_rc 1
		assert_match "$ERR" 'linux\.resources\.blockIO\.weight' "error names blockIO.weight"
		assert_eq "" "$(cg_dirs_of "/cell/$(cg_scope)/c2")" "no cgroup left by the refused create"
	fi
}

test_hugetlb_limit_where_the_controller_is() {
	need_ctrl hugetlb
	[ -d /sys/kernel/mm/hugepages/hugepages-2048kB ] || skip "no 2 MB huge pages"
	make_bundle
	cfg 'linux.resources={"hugepageLimits":[{"pageSize":"2MB","limit":4194304}]}'
	cfg_args sleep 600
	ctr_detach c1
	local d f
	d=$(cg_dir hugetlb)$(cg_path c1)
	f=$d/hugetlb.2MB.max
	[ -f "$f" ] || f=$d/hugetlb.2MB.limit_in_bytes
	note "$f"
	assert_eq 4194304 "$(cat "$f")" "hugetlb 2MB limit"
}

test_unified_keys_written_on_v2() {
	[ "$(cg_layout)" != v1 ] || skip "no cgroup v2 hierarchy"
	make_bundle
	cfg 'linux.resources={"unified":{"cgroup.max.descendants":"3"}}'
	cfg_args sleep 600
	ctr_detach c1
	local d
	if [ "$(cg_layout)" = v2 ]; then d=$CG; else d=$CG/unified; fi
	assert_eq 3 "$(cat "$d$(cg_path c1)/cgroup.max.descendants")" "unified key written"
}

test_pause_resume_stops_and_restarts() {
	make_bundle
	share_dir
	cfg_sh 'i=0; while :; do i=$((i+1)); echo $i >/shared/n; sleep 0.05; done'
	ctr_detach c1
	wait_for 10 test -s "$SHARED/n" || fail "counter did not start"
	assert_ok rt pause c1
	assert_eq paused "$(ctr_status c1)" "status after pause"
	assert_contains "$(rt list)" "paused" "list shows paused"
	local a b
	a=$(cat "$SHARED/n")
	sleep 0.5
	b=$(cat "$SHARED/n")
	assert_eq "$a" "$b" "counter while paused"
	assert_fail rt pause c1
	assert_ok rt resume c1
	assert_eq running "$(ctr_status c1)" "status after resume"
	wait_for 5 sh -c "[ \"\$(cat '$SHARED/n')\" -gt $b ]" || fail "counter did not advance after resume"
	assert_fail rt resume c1
}

test_delete_force_of_paused_container() {
	make_bundle
	cfg_args sleep 600
	ctr_detach c1
	local path
	path=$(cg_path c1)
	assert_ok rt pause c1
	assert_ok rt delete --force c1
	assert_eq absent "$(ctr_status c1)" "state after delete"
	assert_eq "" "$(cg_dirs_of "$path")" "cgroups left after deleting a paused container"
}

test_update_changes_live_limits() {
	need_ctrl pids
	make_bundle
	share_dir
	cfg 'linux.resources={"pids":{"limit":100},"memory":{"limit":104857600}}'
	cfg_sh 'while [ ! -e /shared/go ]; do sleep 0.05; done
		sh -c "for i in 1 2 3 4 5 6 7 8 9 10; do sleep 30 & done" 2>/shared/err
		echo done >/shared/done; exec sleep 30'
	ctr_detach c1
	local p
	p=$(cg_path c1)
	assert_ok rt update --pids-limit 4 --memory 64m c1
	assert_eq 4 "$(cat "$(cg_dir pids)$p/pids.max")" "pids.max after update"
	local m
	m=$(cg_dir memory)$p
	if [ -f "$m/memory.limit_in_bytes" ]; then m=$m/memory.limit_in_bytes; else m=$m/memory.max; fi
	assert_eq 67108864 "$(cat "$m")" "memory limit after update"
	touch "$SHARED/go"
	wait_for 10 test -e "$SHARED/done" || fail "fork loop did not finish"
	assert_match "$(cat "$SHARED/err")" "fork|Resource temporarily unavailable" "the new pids limit is felt"
	printf '{"pids":{"limit":-1}}' >"$T/res.json"
	assert_ok rt update -r "$T/res.json" c1
	assert_eq max "$(cat "$(cg_dir pids)$p/pids.max")" "pids.max after update -r"
	try rt update --memory 12x c1
	assert_rc 1
	assert_match "$ERR" '--memory' "bad value names the flag"
	printf '{"pids":{"limit":"x"}}' >"$T/bad.json"
	try rt update -r "$T/bad.json" c1
	assert_rc 1
	assert_match "$ERR" 'bad\.json: pids\.limit' "bad file names the file and field"
}

# docker's `update` sends 0 for every cpu value the user did not name:
# that keeps the quota there is (the kernel refuses a quota of 0).
test_update_zero_cpu_values_keep_the_quota() {
	need_ctrl cpu
	make_bundle
	cfg 'linux.resources={"cpu":{"quota":50000,"period":100000},"memory":{"limit":104857600}}'
	cfg_args sleep 60
	ctr_detach c1
	local p cpu m
	p=$(cg_path c1)
	cpu=$(cg_dir cpu)$p
	printf '{"cpu":{"shares":0,"quota":0,"period":0,"realtimeRuntime":0,"realtimePeriod":0},"memory":{"limit":67108864}}' >"$T/res.json"
	assert_ok rt update -r "$T/res.json" c1
	m=$(cg_dir memory)$p
	if [ -f "$m/memory.limit_in_bytes" ]; then m=$m/memory.limit_in_bytes; else m=$m/memory.max; fi
	assert_eq 67108864 "$(cat "$m")" "memory limit after the update"
	if [ -f "$cpu/cpu.cfs_quota_us" ]; then
		assert_eq 50000 "$(cat "$cpu/cpu.cfs_quota_us")" "cpu.cfs_quota_us kept"
	else
		assert_eq "50000 100000" "$(cat "$cpu/cpu.max")" "cpu.max kept"
	fi
}

test_failed_create_leaves_no_cgroup() {
	need_ctrl cpuset
	make_bundle
	# CPU 4095 does not exist: the cpuset write fails after the cgroups
	# are made, and they must go again.
	cfg 'linux.resources={"cpu":{"cpus":"4095"}}'
	cfg_args true
	BEFORE=$(mounts_snapshot)
	try rt create -b "$B" c1
	expect_clean_failure c1 'linux\.resources\.cpu\.cpus' "error names linux.resources.cpu.cpus"
	assert_eq "" "$(cg_dirs_of "/cell/$(cg_scope)")" "no cgroup left after the failed create"
}

test_kill_all_without_pid_namespace() {
	make_bundle
	ns_del pid
	share_dir
	cfg_sh 'sleep 600 & echo $! >/shared/child; exec sleep 600'
	ctr_detach c1
	wait_for 10 test -s "$SHARED/child" || fail "no child"
	local path kids
	path=$(cg_path c1)
	kids=$(wc -l <"$(cg_dirs_of "$path" | head -n 1)/cgroup.procs")
	assert_eq 2 "$kids" "processes in the cgroup"
	assert_ok rt kill --all c1 KILL
	wait_for 10 sh -c "[ ! -s '$(cg_dirs_of "$path" | head -n 1)/cgroup.procs' ]" ||
		fail "processes left after kill --all"
	assert_ok rt delete c1
	assert_eq "" "$(cg_dirs_of "$path")" "cgroups left"
}

test_delete_kills_leftovers_without_pid_namespace() {
	make_bundle
	ns_del pid
	share_dir
	cfg_sh 'setsid sleep 600 & echo $! >/shared/child; sleep 0.2'
	ctr_detach c1
	wait_status c1 stopped 10
	local child
	child=$(cat "$SHARED/child")
	pid_alive "$child" || fail "the orphan is not running"
	assert_ok rt delete c1
	wait_for 5 sh -c "! kill -0 $child" || fail "the orphan $child survived delete"
}

test_ps_lists_container_processes() {
	make_bundle
	cfg_sh 'sleep 600 & exec sleep 601'
	ctr_detach c1
	wait_for 5 sh -c "[ \$('$CELL' --root '$ROOT' ps --format json c1 | tr ',' '\n' | wc -l) = 2 ]" ||
		fail "ps --format json: $(rt ps --format json c1)"
	try rt ps c1
	assert_rc 0
	assert_contains "$OUT" "sleep 601" "ps shows the init's command line"
	assert_contains "$OUT" "sleep 600" "ps shows the child"
}

test_events_stats_snapshot() {
	need_ctrl pids
	need_ctrl memory
	make_bundle
	cfg 'linux.resources={"memory":{"limit":33554432},"pids":{"limit":20}}'
	cfg_sh 'sleep 600 & exec sleep 601'
	ctr_detach c1
	try rt events --stats c1
	assert_rc 0
	note "$OUT"
	assert_eq stats "$(printf '%s' "$OUT" | jget type)" "event type"
	assert_eq c1 "$(printf '%s' "$OUT" | jget id)" "event id"
	assert_eq 33554432 "$(printf '%s' "$OUT" | jget data.memory.usage.limit)" "memory limit"
	assert_eq 20 "$(printf '%s' "$OUT" | jget data.pids.limit)" "pids limit"
	assert_eq 2 "$(printf '%s' "$OUT" | jget data.pids.current)" "pids current"
	[ "$(printf '%s' "$OUT" | jget data.memory.usage.usage)" -gt 0 ] || fail "memory usage is 0"
	[ "$(printf '%s' "$OUT" | jget data.cpu.usage.total)" -gt 0 ] || fail "cpu usage is 0"
}

test_events_stream_reports_oom() {
	need_ctrl memory
	make_bundle
	cfg 'linux.resources={"memory":{"limit":33554432,"swap":33554432}}'
	# The hog is a child: the init lives on, the stream goes on.
	cfg_sh 'sh -c "sleep 1.5; x=0123456789abcdef; while :; do x=\$x\$x; done"; exec sleep 600'
	ctr_detach c1
	timeout 8 "$CELL" --root "$ROOT" events --interval 1 c1 >"$T/events" 2>&1 || true
	note "$(cut -c1-120 "$T/events")"
	grep -q '"type":"oom"' "$T/events" || fail "no oom event in the stream"
	[ "$(grep -c '"type":"stats"' "$T/events")" -ge 2 ] || fail "fewer than 2 stats events"
}

# runc's default: deny everything but the default devices. A node made
# with linux.devices is still unusable unless a rule allows it.
test_devices_denied_gives_eperm_allowed_by_rule() {
	need_ctrl devices
	[ -b /dev/loop0 ] || skip "no /dev/loop0"
	make_bundle
	cfg 'linux.devices=[{"path":"/dev/xloop","type":"b","major":7,"minor":0}]'
	cfg 'linux.resources={"devices":[{"allow":false,"access":"rwm"}]}'
	cfg_sh '(exec 3</dev/xloop) 2>&1 && echo read-ok; (exec 3>/dev/null) && echo null-ok'
	ctr_run c1
	assert_rc 0
	assert_contains "$OUT" "Operation not permitted" "opening a denied device"
	assert_not_contains "$OUT" "read-ok" "denied device opened"
	assert_contains "$OUT" "null-ok" "a default device"
	cfg 'linux.resources={"devices":[{"allow":false,"access":"rwm"},{"allow":true,"type":"b","major":7,"minor":0,"access":"r"}]}'
	cfg_sh '(exec 3</dev/xloop) && echo read-ok; (exec 3>/dev/xloop) 2>&1 && echo write-ok; true'
	ctr_run c1
	assert_rc 0
	assert_contains "$OUT" "read-ok" "read allowed by the rule"
	assert_contains "$OUT" "Operation not permitted" "write not in the rule's access"
	assert_not_contains "$OUT" "write-ok" "write opened"
}

# The container's /sys/fs/cgroup shows its own cgroups (read-only), laid
# out as the host's: with a cgroup namespace as fresh mounts rooted at its
# cgroup, without one as binds of its own directories.
container_cgroup_view() { # with-ns | without-ns
	need_ctrl pids
	make_bundle
	if [ "$1" = with-ns ]; then ns_add cgroup; else ns_del cgroup; fi
	cfg 'linux.resources={"pids":{"limit":33}}'
	local pids_file
	if [ "$(cg_layout)" = v2 ]; then pids_file=pids.max; else pids_file=pids/pids.max; fi
	cfg_sh "cat /sys/fs/cgroup/$pids_file; cat /proc/self/cgroup; ls /sys/fs/cgroup | tr '\n' ' '; echo;
		mkdir /sys/fs/cgroup/$pids_file.x 2>&1; true"
	ctr_run c1
	assert_rc 0
	note "$OUT"
	assert_eq 33 "$(printf '%s\n' "$OUT" | head -n 1)" "the container's own pids.max"
	assert_contains "$OUT" "Read-only file system" "the cgroup tree is read-only"
	if [ "$(cg_layout)" != v2 ]; then
		local d
		for d in $CG/*/; do
			d=$(basename "$d")
			[ "$(stat -fc %T "$CG/$d")" = cgroupfs ] || [ "$d" = unified ] || continue
			assert_contains "$OUT" "$d" "hierarchy $d in the container"
		done
	fi
	if [ "$1" = with-ns ]; then
		assert_eq "" "$(printf '%s\n' "$OUT" | grep -E '^[0-9]+:' | grep -v ':/$')" "cgroup paths inside a cgroup namespace"
	else
		assert_contains "$OUT" ":/cell/$(cg_scope)/c1" "cgroup paths without a cgroup namespace"
	fi
}

test_container_sees_own_cgroups_with_cgroupns() {
	container_cgroup_view with-ns
}

test_container_sees_own_cgroups_without_cgroupns() {
	container_cgroup_view without-ns
}

# The v1-only knobs: realtime budget, swappiness, OOM killer off, burst,
# idle; and the memory reservation.
test_v1_memory_and_cpu_knobs_written() {
	need_ctrl memory
	need_ctrl cpu
	local m c
	m=$(cg_dir memory)
	c=$(cg_dir cpu)
	[ -f "$m/memory.swappiness" ] && [ -f "$c/cpu.rt_runtime_us" ] || skip "not cgroup v1 memory and cpu"
	make_bundle
	cfg 'linux.resources={"memory":{"limit":67108864,"reservation":33554432,"swappiness":10,"disableOOMKiller":true},"cpu":{"realtimePeriod":1000000,"realtimeRuntime":0,"burst":1000,"idle":1}}'
	cfg_args sleep 600
	ctr_detach c1
	m=$m$(cg_path c1)
	c=$c$(cg_path c1)
	assert_eq 33554432 "$(cat "$m/memory.soft_limit_in_bytes")" "memory.soft_limit_in_bytes"
	assert_eq 10 "$(cat "$m/memory.swappiness")" "memory.swappiness"
	assert_contains "$(cat "$m/memory.oom_control")" "oom_kill_disable 1" "memory.oom_control"
	assert_eq 1000000 "$(cat "$c/cpu.rt_period_us")" "cpu.rt_period_us"
	assert_eq 0 "$(cat "$c/cpu.rt_runtime_us")" "cpu.rt_runtime_us"
	assert_eq 1000 "$(cat "$c/cpu.cfs_burst_us")" "cpu.cfs_burst_us"
	assert_eq 1 "$(cat "$c/cpu.idle")" "cpu.idle"
}

test_info_shows_cgroup_usage() {
	need_ctrl pids
	need_ctrl memory
	make_bundle
	cfg 'linux.resources={"pids":{"limit":20}}'
	cfg_sh 'sleep 600 & exec sleep 601'
	ctr_detach c1
	wait_for 5 sh -c "[ \"\$(cat '$(cg_dir pids)$(cg_path c1)/pids.current')\" = 2 ]" || fail "two processes"
	try rt info -H c1
	assert_rc 0
	note "$OUT"
	assert_match "$OUT" '^CPU use: +[0-9]+\.[0-9]+ seconds' "CPU use"
	assert_match "$OUT" '^Memory use: +[1-9][0-9]*$' "memory use in bytes"
	assert_contains "$OUT" "Pids:           2 (limit 20)" "pids and limit"
	assert_ok rt pause c1
	try rt info c1
	assert_contains "$OUT" "State:          PAUSED" "state in info"
}

test_update_device_rules_live() {
	need_ctrl devices
	[ -b /dev/loop0 ] || skip "no /dev/loop0"
	make_bundle
	share_dir
	cfg 'linux.devices=[{"path":"/dev/xloop","type":"b","major":7,"minor":0}]'
	cfg 'linux.resources={"devices":[{"allow":false,"access":"rwm"}]}'
	cfg_sh 'while :; do if (exec 3</dev/xloop) 2>/dev/null; then echo ok; else echo denied; fi >/shared/r; sleep 0.05; done'
	ctr_detach c1
	wait_for 5 test -s "$SHARED/r" || fail "no probe result"
	assert_eq denied "$(cat "$SHARED/r")" "before update"
	printf '{"devices":[{"allow":false,"access":"rwm"},{"allow":true,"type":"b","major":7,"minor":0,"access":"r"}]}' >"$T/dev.json"
	assert_ok rt update -r "$T/dev.json" c1
	wait_for 5 sh -c "[ \"\$(cat '$SHARED/r')\" = ok ]" || fail "still $(cat "$SHARED/r") after update"
}
