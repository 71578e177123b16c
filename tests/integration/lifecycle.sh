# shellcheck shell=bash disable=SC2016 # sh -c scripts are single-quoted on purpose
# Lifecycle: run, create/start, state, kill, delete, list, pid files,
# concurrency. Sourced by tests/lib.sh; see there for the helpers.

# A program that waits for signals, logging each to /shared/sigs, and
# exits 3 on TERM. /shared/ready appears once the traps are set.
SIGNAL_LOGGER='
log() { echo "$1" >>/shared/sigs; }
trap "log USR1" USR1; trap "log USR2" USR2; trap "log HUP" HUP
trap "log TERM; exit 3" TERM
touch /shared/ready
while :; do sleep 0.05; done'

has_line() { # FILE LINE
	grep -qxF "$2" "$1" 2>/dev/null
}

test_exit_code_propagates() {
	make_bundle
	cfg_sh 'exit 42'
	ctr_run c1
	assert_rc 42
	cfg_sh 'exit 0'
	ctr_run c1
	assert_rc 0
	cfg_args false
	ctr_run c1
	assert_rc 1
}

test_run_removes_container_when_done() {
	make_bundle
	cfg_args true
	ctr_run c1
	assert_rc 0
	assert_eq absent "$(ctr_status c1)" "status after run"
	[ ! -e "$ROOT/c1" ] || fail "state dir $ROOT/c1 left after run"
}

test_run_killed_by_sigkill_gives_137() {
	make_bundle
	share_dir
	cfg_sh 'touch /shared/ready; exec sleep 600'
	"$CELL" --root "$ROOT" run -b "$B" c1 </dev/null >"$T/run.out" 2>"$T/run.err" &
	local runpid=$! rc=0
	wait_for 10 test -e "$SHARED/ready" || fail "container did not start: $(cat "$T/run.err")"
	wait_status c1 running
	assert_ok rt kill c1 KILL
	wait "$runpid" || rc=$?
	assert_eq 137 "$rc" "exit code of run after SIGKILL"
}

test_run_forwards_sigterm() {
	make_bundle
	share_dir
	cfg_sh "$SIGNAL_LOGGER"
	"$CELL" --root "$ROOT" run -b "$B" c1 </dev/null >"$T/run.out" 2>"$T/run.err" &
	local runpid=$! rc=0
	wait_for 10 test -e "$SHARED/ready" || fail "container did not start: $(cat "$T/run.err")"
	kill -TERM "$runpid"
	wait "$runpid" || rc=$?
	assert_eq 3 "$rc" "exit code (the container's TERM trap exits 3)"
	assert_eq TERM "$(cat "$SHARED/sigs")" "signals the container saw"
}

test_run_forwards_sigusr1_and_hup() {
	make_bundle
	share_dir
	cfg_sh "$SIGNAL_LOGGER"
	"$CELL" --root "$ROOT" run -b "$B" c1 </dev/null >"$T/run.out" 2>"$T/run.err" &
	local runpid=$! rc=0
	wait_for 10 test -e "$SHARED/ready" || fail "container did not start: $(cat "$T/run.err")"
	kill -USR1 "$runpid"
	wait_for 10 has_line "$SHARED/sigs" USR1 || fail "USR1 not forwarded"
	kill -HUP "$runpid"
	wait_for 10 has_line "$SHARED/sigs" HUP || fail "HUP not forwarded"
	kill -TERM "$runpid"
	wait "$runpid" || rc=$?
	assert_eq 3 "$rc"
}

test_create_then_start() {
	make_bundle
	share_dir
	cfg_sh 'touch /shared/started; exec sleep 600'
	ctr_create c1
	assert_eq created "$(ctr_status c1)" "status after create"
	local pid
	pid=$(ctr_pid c1)
	pid_alive "$pid" || fail "no live process $pid after create"
	sleep 0.3
	[ ! -e "$SHARED/started" ] || fail "the program ran before start"
	assert_ok rt start c1
	wait_for 10 test -e "$SHARED/started" || fail "the program did not run after start"
	assert_eq running "$(ctr_status c1)" "status after start"
	assert_eq "$pid" "$(ctr_pid c1)" "pid after start"
	assert_ok rt kill c1 KILL
	wait_status c1 stopped
	assert_ok rt delete c1
	assert_eq absent "$(ctr_status c1)" "status after delete"
	[ ! -e "$ROOT/c1" ] || fail "state dir left after delete"
}

test_start_twice_fails() {
	make_bundle
	cfg_args sleep 600
	ctr_create c1
	assert_ok rt start c1
	wait_status c1 running
	assert_fail rt start c1
	assert_eq running "$(ctr_status c1)" "status after the second start"
}

test_state_json() {
	make_bundle
	share_dir
	cfg 'annotations={"org.cell.test":"yes"}'
	cfg_sh 'while [ ! -e /shared/go ]; do sleep 0.05; done'
	ctr_create c1
	local s
	s=$(ctr_state c1)
	note "state: $s"
	assert_ne "" "$(printf '%s' "$s" | jget ociVersion)" ociVersion
	assert_eq c1 "$(printf '%s' "$s" | jget id)" id
	assert_eq created "$(printf '%s' "$s" | jget status)" status
	assert_match "$(printf '%s' "$s" | jget pid)" '^[1-9][0-9]*$' pid
	assert_eq "$(readlink -f "$B")" "$(printf '%s' "$s" | jget bundle)" bundle
	assert_eq yes "$(printf '%s' "$s" | python3 -c '
import json, sys
print(json.load(sys.stdin).get("annotations", {}).get("org.cell.test"))')" annotations
	assert_ok rt start c1
	assert_eq running "$(ctr_status c1)" "status after start"
	touch "$SHARED/go"
	wait_status c1 stopped
	assert_ok rt delete c1
	assert_fail rt state c1
	assert_contains "$ERR" c1 "error of state after delete"
}

test_kill_signal_names_and_numbers() {
	make_bundle
	share_dir
	cfg_sh "$SIGNAL_LOGGER"
	ctr_detach c1
	wait_for 10 test -e "$SHARED/ready" || fail "container did not start"
	assert_ok rt kill c1 USR1
	wait_for 10 has_line "$SHARED/sigs" USR1 || fail "kill c1 USR1 not delivered"
	assert_ok rt kill c1 SIGUSR2
	wait_for 10 has_line "$SHARED/sigs" USR2 || fail "kill c1 SIGUSR2 not delivered"
	assert_ok rt kill c1 1
	wait_for 10 has_line "$SHARED/sigs" HUP || fail "kill c1 1 (HUP) not delivered"
	assert_fail rt kill c1 NOSUCHSIG
	assert_eq running "$(ctr_status c1)" "status after a bad signal"
	assert_ok rt kill c1
	wait_status c1 stopped
	has_line "$SHARED/sigs" TERM || fail "kill without a signal did not send TERM: $(cat "$SHARED/sigs")"
}

test_kill_numeric_15() {
	make_bundle
	share_dir
	cfg_sh "$SIGNAL_LOGGER"
	ctr_detach c1
	wait_for 10 test -e "$SHARED/ready" || fail "container did not start"
	assert_ok rt kill c1 15
	wait_status c1 stopped
	has_line "$SHARED/sigs" TERM || fail "kill c1 15 did not send TERM"
}

test_kill_all() {
	make_bundle
	share_dir
	cfg_sh 'sleep 600 & echo $! >/shared/child; touch /shared/ready; wait'
	ctr_detach c1
	wait_for 10 test -e "$SHARED/ready" || fail "container did not start"
	assert_ok rt kill --all c1 KILL
	wait_status c1 stopped
}

test_delete_refused_while_running_then_forced() {
	make_bundle
	cfg_args sleep 600
	ctr_detach c1
	local pid
	pid=$(ctr_pid c1)
	assert_fail rt delete c1
	assert_eq running "$(ctr_status c1)" "status after a refused delete"
	pid_alive "$pid" || fail "container process died on a refused delete"
	[ -d "$ROOT/c1" ] || fail "state dir removed by a refused delete"
	assert_ok rt delete --force c1
	wait_for 10 eval "! pid_alive $pid" || fail "process $pid alive after delete --force"
	assert_eq absent "$(ctr_status c1)"
	[ ! -e "$ROOT/c1" ] || fail "state dir left after delete --force"
}

test_delete_force_created() {
	make_bundle
	cfg_args true
	ctr_create c1
	local pid
	pid=$(ctr_pid c1)
	assert_ok rt delete --force c1
	wait_for 10 eval "! pid_alive $pid" || fail "process $pid alive after delete --force"
	[ ! -e "$ROOT/c1" ] || fail "state dir left"
}

test_delete_stopped() {
	make_bundle
	cfg_args true
	ctr_detach c1
	wait_status c1 stopped
	assert_ok rt delete c1
	[ ! -e "$ROOT/c1" ] || fail "state dir left after delete"
	assert_fail rt delete c1
}

test_create_duplicate_id_fails_cleanly() {
	make_bundle
	share_dir
	cfg_sh 'touch /shared/started; exec sleep 600'
	ctr_create c1
	local pid
	pid=$(ctr_pid c1)
	assert_fail rt create -b "$B" c1
	assert_contains "$ERR" "exist" "error of the second create"
	assert_eq created "$(ctr_status c1)" "first container's status"
	assert_eq "$pid" "$(ctr_pid c1)" "first container's pid"
	assert_ok rt start c1
	wait_for 10 test -e "$SHARED/started" || fail "first container did not start"
	assert_fail rt run -b "$B" c1
	assert_eq running "$(ctr_status c1)"
}

test_run_detach_leaves_no_runtime_process() {
	make_bundle
	cfg_args sleep 600
	ctr_detach c1
	local pid ppid exe p left=""
	pid=$(ctr_pid c1)
	pid_alive "$pid" || fail "container not running"
	ppid=$(proc_status "$pid" PPid)
	exe=$(runtime_exe)
	assert_ne "$exe" "$(readlink "/proc/$ppid/exe")" "the container's parent"
	for p in $(leftover_procs); do
		[ "$(readlink "/proc/$p/exe")" != "$exe" ] || left="$left $p"
	done
	assert_eq "" "$left" "runtime processes left after run -d"
	assert_eq "$(readlink -f "$RUN_DIR/rootfs/bin/busybox" | xargs basename)" \
		"$(basename "$(readlink "/proc/$pid/exe")")" "the container runs the program"
}

test_pid_file() {
	make_bundle
	cfg_args sleep 600
	ctr_detach c1 --pid-file "$T/c1.pid"
	assert_eq "$(ctr_pid c1)" "$(cat "$T/c1.pid")" "run -d --pid-file"
	ctr_create c2 --pid-file "$T/c2.pid"
	assert_eq "$(ctr_pid c2)" "$(cat "$T/c2.pid")" "create --pid-file"
	pid_alive "$(cat "$T/c2.pid")" || fail "pid in the pid file is not alive"
}

test_list() {
	make_bundle
	cfg_args sleep 600
	ctr_create alpha
	ctr_detach beta
	assert_ok rt list
	note "list: $OUT"
	local header
	header=$(printf '%s\n' "$OUT" | head -n 1)
	# cell prints NAME STATE PID CREATED BUNDLE; runc ID PID STATUS BUNDLE
	# CREATED OWNER: check the columns, not their order.
	assert_match "$header" '(NAME|ID) ' "list header"
	assert_match "$header" 'STATE|STATUS' "list header"
	for col in PID CREATED BUNDLE; do
		assert_contains "$header" "$col" "list header"
	done
	local row
	row=$(printf '%s\n' "$OUT" | grep '^alpha ') || fail "no row for alpha: $OUT"
	assert_match "$row" " created " "alpha's row"
	assert_match "$row" " $(ctr_pid alpha) " "alpha's row"
	assert_match "$row" " $(readlink -f "$B")( |$)" "alpha's row"
	row=$(printf '%s\n' "$OUT" | grep '^beta ') || fail "no row for beta: $OUT"
	assert_match "$row" " running " "beta's row"
	assert_match "$row" " $(ctr_pid beta) " "beta's row"
	assert_ok rt list -q
	assert_eq "alpha
beta" "$(printf '%s\n' "$OUT" | sort)" "list -q"
	assert_ok rt list --format json
	printf '%s' "$OUT" | python3 -c '
import json, sys
rows = {c["id"]: c for c in json.load(sys.stdin)}
assert set(rows) == {"alpha", "beta"}, rows
assert rows["alpha"]["status"] == "created", rows
assert rows["beta"]["status"] == "running", rows
assert rows["beta"]["pid"] > 0, rows
' || fail "list --format json: $OUT"
}

test_list_empty() {
	assert_ok rt list -q
	assert_eq "" "$OUT" "list -q with no containers"
	assert_ok rt list --format json
	assert_eq "[]" "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin) or []))')"
}

test_concurrent_creates() {
	make_bundle
	cfg_args sleep 600
	local i pids=""
	for i in 1 2 3 4 5; do
		"$CELL" --root "$ROOT" create -b "$B" "c$i" </dev/null >"$T/c$i.out" 2>"$T/c$i.err" &
		pids="$pids $!"
	done
	i=0
	for p in $pids; do
		i=$((i + 1))
		wait "$p" || fail "create c$i failed: $(cat "$T/c$i.err")"
	done
	assert_ok rt list -q
	assert_eq "c1 c2 c3 c4 c5" "$(printf '%s\n' "$OUT" | sort | xargs)" "list -q"
	for i in 1 2 3 4 5; do
		assert_eq created "$(ctr_status "c$i")" "status of c$i"
	done
}

test_concurrent_delete_same_id() {
	make_bundle
	cfg_args sleep 600
	ctr_detach c1
	local pid i p rc ok=0 pids=""
	pid=$(ctr_pid c1)
	for i in 1 2 3 4 5; do
		"$CELL" --root "$ROOT" delete --force c1 </dev/null >/dev/null 2>"$T/d$i.err" &
		pids="$pids $!"
	done
	i=0
	for p in $pids; do
		i=$((i + 1))
		rc=0
		wait "$p" || rc=$?
		note "delete $i -> $rc: $(cat "$T/d$i.err")"
		[ "$rc" -lt 128 ] || fail "delete $i died with $rc"
		[ "$rc" = 0 ] && ok=$((ok + 1))
	done
	[ "$ok" -ge 1 ] || fail "no concurrent delete succeeded"
	wait_for 10 eval "! pid_alive $pid" || fail "process alive after the deletes"
	assert_eq absent "$(ctr_status c1)"
	[ ! -e "$ROOT/c1" ] || fail "state dir left"
	assert_ok rt list -q
	assert_eq "" "$OUT" "list after the deletes"
}

test_concurrent_delete_stopped() {
	make_bundle
	cfg_args true
	ctr_detach c1
	wait_status c1 stopped
	local i p rc ok=0 pids=""
	for i in 1 2 3 4 5; do
		"$CELL" --root "$ROOT" delete c1 </dev/null >/dev/null 2>"$T/d$i.err" &
		pids="$pids $!"
	done
	for p in $pids; do
		rc=0
		wait "$p" || rc=$?
		[ "$rc" -lt 128 ] || fail "a delete died with $rc"
		[ "$rc" = 0 ] && ok=$((ok + 1))
	done
	[ "$ok" -ge 1 ] || fail "no concurrent delete succeeded"
	[ ! -e "$ROOT/c1" ] || fail "state dir left"
}

test_stopped_container_state_kill_start() {
	make_bundle
	cfg_args true
	ctr_detach c1
	wait_status c1 stopped
	local s
	s=$(ctr_state c1)
	note "state: $s"
	assert_eq stopped "$(printf '%s' "$s" | jget status)" "status of a stopped container"
	assert_eq 0 "$(printf '%s' "$s" | jget pid)" "pid of a stopped container"
	assert_fail rt kill c1 KILL
	assert_ne "" "$ERR" "error of kill on a stopped container"
	assert_fail rt kill c1
	assert_fail rt start c1
	assert_ne "" "$ERR" "error of start on a stopped container"
	assert_eq stopped "$(ctr_status c1)" "status after kill and start"
	assert_ok rt delete c1
	[ ! -e "$ROOT/c1" ] || fail "state dir left after delete"
}

test_start_running_container_fails() {
	make_bundle
	cfg_args sleep 600
	ctr_detach c1
	local pid
	pid=$(ctr_pid c1)
	assert_fail rt start c1
	assert_ne "" "$ERR" "error of start on a running container"
	assert_eq running "$(ctr_status c1)" "status after start"
	assert_eq "$pid" "$(ctr_pid c1)" "pid after start"
	pid_alive "$pid" || fail "container process died"
}

test_list_quiet_prints_only_ids() {
	make_bundle
	cfg_args sleep 600
	ctr_create created-one
	ctr_detach running-one
	make_bundle "$T/short"
	B="$T/short"
	cfg_args true
	ctr_detach stopped-one
	wait_status stopped-one stopped
	assert_ok rt list -q
	assert_eq "created-one
running-one
stopped-one" "$(printf '%s\n' "$OUT" | sort)" "list -q"
	assert_eq "" "$ERR" "stderr of list -q"
	assert_eq "" "$(printf '%s\n' "$OUT" | grep -E '[[:space:]]|^$' || true)" "lines of list -q with blanks"
}

ANNOTATIONS='{"org.cell.one":"1","com.example/key":"value with spaces","org.cell.empty":"","org.cell.json":"{\"a\": [1]}"}'

# check_annotations WHAT: the state JSON on stdin has exactly $ANNOTATIONS.
check_annotations() {
	python3 -c '
import json, sys
got = json.load(sys.stdin).get("annotations")
want = json.loads(sys.argv[1])
sys.exit(0 if got == want else "expected %r, got %r" % (want, got))
' "$ANNOTATIONS" || fail "annotations in the state of $1"
}

test_state_shows_annotations() {
	make_bundle
	cfg "annotations=$ANNOTATIONS"
	cfg_args sleep 600
	ctr_detach c1
	local s
	s=$(ctr_state c1)
	note "state: $s"
	printf '%s' "$s" | check_annotations "a running container"
	assert_ok rt kill c1 KILL
	wait_status c1 stopped
	ctr_state c1 | check_annotations "a stopped container"
}

# info --format json: one object whose id, state and pid are `state`'s,
# with the cgroup numbers as integers; the text output is unchanged.
test_info_format_json() {
	make_bundle
	cfg_args sleep 600
	ctr_detach c1
	local js st
	try rt info --format json c1
	assert_rc 0
	js=$OUT
	note "$js"
	st=$(ctr_state c1)
	assert_eq "$(printf '%s' "$st" | jget id)" "$(printf '%s' "$js" | jget id)" "id"
	assert_eq "$(printf '%s' "$st" | jget status)" "$(printf '%s' "$js" | jget state)" "state"
	assert_eq "$(printf '%s' "$st" | jget pid)" "$(printf '%s' "$js" | jget pid)" "pid"
	assert_eq "$(printf '%s' "$st" | jget bundle)" "$(printf '%s' "$js" | jget bundle)" "bundle"
	printf '%s' "$js" | python3 -c '
import json, sys
d = json.load(sys.stdin)
for k in ("cpu_use_ns", "memory_use_bytes", "pids", "blkio_bytes", "memory_peak_bytes",
          "tx_bytes", "rx_bytes", "pid"):
    if k in d:
        assert type(d[k]) is int and d[k] >= 0, (k, d[k])
for k in ("uid_map", "gid_map"):
    for r in d.get(k, []):
        assert sorted(r) == ["containerID", "hostID", "size"], r
assert "cpu_use_ns" in d or "pids" in d or "memory_use_bytes" in d, "no cgroup numbers"
assert isinstance(d.get("ips", []), list)
' || fail "info json: $js"
	try rt info --format=text c1
	assert_rc 0
	assert_match "$OUT" '^Name: +c1$' "text: Name"
	try rt info c1
	assert_match "$OUT" '^State: +RUNNING$' "default is text"
	assert_ok rt kill c1 KILL
	wait_status c1 stopped
	try rt info --format=json c1
	assert_rc 0
	printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["state"] == "stopped" and "pid" not in d and "cpu_use_ns" not in d, d
' || fail "info json when stopped: $OUT"
}

test_info_format_unknown_is_an_error() {
	make_bundle
	cfg_args sleep 600
	ctr_detach c1
	try rt info --format yaml c1
	assert_ne 0 "$RC" "exit code"
	assert_contains "$ERR" "yaml" "error names the format"
	assert_one_line "$ERR" "one-line error"
	assert_eq "" "$OUT" "nothing on stdout"
}
