# shellcheck shell=bash disable=SC2016 # sh -c scripts are single-quoted on purpose
# stop (signal, grace period, SIGKILL through the cgroup), delete --force in
# every state, ps (table, --format json, ps options). Sourced by tests/lib.sh.

# Logs the signals it gets to /shared/sigs; TERM ends it with 3 unless
# IGNORE_TERM is set; /shared/ready once the traps are in place.
stop_logger() { # [ignore]
	if [ "${1:-}" = ignore ]; then
		echo 'trap "echo TERM >>/shared/sigs" TERM'
	else
		echo 'trap "echo TERM >>/shared/sigs; exit 3" TERM'
	fi
	echo 'trap "echo USR1 >>/shared/sigs; exit 4" USR1
touch /shared/ready
while :; do sleep 0.05; done'
}

start_logger() { # ID [ignore]
	make_bundle
	share_dir
	cfg_sh "$(stop_logger "${2:-}")"
}

wait_ready() {
	wait_for 10 test -e "$SHARED/ready" || fail "container did not start: $(cat "$T/$1.err")"
}

test_stop_sigterm_honoured() {
	start_logger c1
	ctr_detach c1
	wait_ready c1
	local pid t0 t1
	pid=$(ctr_pid c1)
	t0=$(date +%s%N)
	assert_ok rt stop c1
	t1=$(date +%s%N)
	assert_eq TERM "$(cat "$SHARED/sigs")" "signals the container saw"
	assert_eq stopped "$(ctr_status c1)" "status right after stop returned"
	pid_alive "$pid" && fail "init $pid alive after stop"
	note "stop of a TERM-handling container: $(((t1 - t0) / 1000000)) ms"
	[ $(((t1 - t0) / 1000000)) -lt 5000 ] || fail "stop waited the grace period"
	assert_ok rt delete c1
}

test_stop_kills_after_timeout() {
	start_logger c1 ignore
	ctr_detach c1
	wait_ready c1
	local pid t0 ms
	pid=$(ctr_pid c1)
	t0=$(date +%s%N)
	assert_ok rt stop -t 1 c1
	ms=$((($(date +%s%N) - t0) / 1000000))
	note "stop -t 1 of a container ignoring TERM: $ms ms"
	assert_eq TERM "$(cat "$SHARED/sigs")" "it saw TERM first"
	[ "$ms" -ge 900 ] || fail "stop returned after $ms ms, before the 1 s grace period"
	[ "$ms" -lt 5000 ] || fail "stop took $ms ms"
	assert_eq stopped "$(ctr_status c1)"
	pid_alive "$pid" && fail "init $pid alive after stop"
	assert_ok rt delete c1
}

test_stop_signal_annotation() {
	start_logger c1
	cfg 'annotations={"org.opencontainers.image.stopSignal":"SIGUSR1"}'
	ctr_detach c1
	wait_ready c1
	assert_ok rt stop --time 5 c1
	assert_eq USR1 "$(cat "$SHARED/sigs")" "the annotation's signal"
	assert_eq stopped "$(ctr_status c1)"
	assert_ok rt delete c1
}

test_stop_kills_every_process_without_pidns() {
	make_bundle
	share_dir
	ns_del pid
	cfg_sh 'trap "" TERM; (trap "" TERM; exec sleep 600) & echo $! >/shared/child; touch /shared/ready; while :; do sleep 0.05; done'
	ctr_detach c1
	wait_ready c1
	local child
	child=$(cat "$SHARED/child")
	pid_alive "$child" || fail "the container's second process is not running"
	assert_ok rt stop -t 0 c1
	pid_alive "$child" && fail "process $child (not the init) alive after stop"
	assert_eq stopped "$(ctr_status c1)"
	assert_ok rt delete c1
}

test_stop_created_paused_and_stopped() {
	make_bundle
	cfg_args sleep 600
	ctr_create c1
	assert_ok rt stop -t 2 c1
	assert_eq stopped "$(ctr_status c1)" "a created container after stop"
	assert_ok rt delete c1
	ctr_detach c2
	assert_ok rt pause c2
	assert_eq paused "$(ctr_status c2)"
	assert_ok rt stop -t 2 c2
	assert_eq stopped "$(ctr_status c2)" "a paused container after stop"
	assert_ok rt stop c2
	assert_ok rt delete c2
	assert_fail rt stop c2
	assert_contains "$ERR" "c2" "stop of a missing container"
	assert_fail rt stop -t x c2
	assert_contains "$ERR" "--time" "a bad --time"
}

# delete --force must remove the container in any state.
delete_force_check() { # ID PID
	assert_ok rt delete --force "$1"
	pid_alive "$2" && fail "process $2 alive after delete --force"
	assert_eq absent "$(ctr_status "$1")"
	[ ! -e "$ROOT/$1" ] || fail "state dir left after delete --force"
	return 0
}

test_delete_force_every_state() {
	make_bundle
	cfg_args sleep 600
	local pid
	ctr_create created
	pid=$(ctr_pid created)
	delete_force_check created "$pid"
	ctr_detach running
	pid=$(ctr_pid running)
	delete_force_check running "$pid"
	ctr_detach paused
	pid=$(ctr_pid paused)
	assert_ok rt pause paused
	assert_eq paused "$(ctr_status paused)"
	delete_force_check paused "$pid"
	cfg_args true
	ctr_detach stopped
	wait_status stopped stopped
	delete_force_check stopped 0
}

test_delete_force_paused_without_pidns() {
	make_bundle
	share_dir
	ns_del pid
	cfg_sh 'sleep 600 & echo $! >/shared/child; touch /shared/ready; exec sleep 600'
	ctr_detach c1
	wait_ready c1
	local pid child
	pid=$(ctr_pid c1)
	child=$(cat "$SHARED/child")
	assert_ok rt pause c1
	delete_force_check c1 "$pid"
	pid_alive "$child" && fail "second process $child alive after delete --force"
	return 0
}

test_ps_json_and_ps_options() {
	make_bundle
	share_dir
	cfg_sh 'sleep 600 & touch /shared/ready; exec sleep 601'
	ctr_detach c1
	wait_ready c1
	local pid
	pid=$(ctr_pid c1)
	assert_ok rt ps --format json c1
	assert_one_line "$OUT"
	printf '%s' "$OUT" | python3 -c '
import json, sys
pids = json.load(sys.stdin)
assert isinstance(pids, list) and len(pids) == 2 and all(isinstance(p, int) for p in pids), pids
assert int(sys.argv[1]) in pids, (sys.argv[1], pids)
' "$pid" || fail "ps --format json: $OUT"
	assert_ok rt ps c1
	assert_match "$OUT" "^PID" "ps table header"
	assert_contains "$OUT" "sleep 601"
	assert_ok rt ps c1 -o pid,args
	assert_eq 3 "$(printf '%s\n' "$OUT" | wc -l)" "ps -o pid,args: header and two lines"
	assert_match "$(printf '%s\n' "$OUT" | sed -n 1p)" "PID +COMMAND" "ps's own header"
	assert_contains "$OUT" "sleep 601"
	assert_ok rt ps c1 -ef
	assert_eq 3 "$(printf '%s\n' "$OUT" | wc -l)" "ps -ef: header and two lines"
	assert_fail rt ps --format json c1 -ef
	assert_ok rt delete --force c1
	assert_fail rt ps c1
}
