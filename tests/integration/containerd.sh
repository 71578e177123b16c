# shellcheck shell=bash disable=SC2016 # sh -c scripts are single-quoted on purpose
# containerd (its runc shim, containerd-shim-runc-v2) driving cell as the
# runc binary: a private containerd per test (tests/clients.sh cd_setup)
# and `ctr run --runc-binary`, the image imported from an OCI archive made
# by tests/mkoci.py.

# shellcheck source=tests/clients.sh
. "$TESTS_DIR/clients.sh"

CIMG=localhost/cell-test:1

test_containerd_run_exit_code_and_output() {
	cd_setup
	try kctr_run --rm "$CIMG" r1 sh -c 'echo out; echo err >&2; exit 3'
	assert_rc 3 "ctr run's exit code"
	assert_eq out "$OUT" "stdout"
	assert_eq err "$ERR" "stderr"
	assert_eq "" "$(kctr containers ls -q)" "containers after --rm"
	assert_eq "" "$(ls "$CD_ROOT" 2>/dev/null)" "cell state after --rm"
}

test_containerd_errors_reach_ctr() {
	cd_setup
	# The shim reads cell's JSON log: its last error line becomes
	# "OCI runtime create failed: MSG".
	try kctr_run --rm "$CIMG" e1 /nonexistent
	assert_ne 0 "$RC" "ctr run of a missing executable"
	assert_match "$ERR" 'OCI runtime create failed: .*/nonexistent.*no such file or directory' "ctr's error"
	kctr containers delete e1 >/dev/null 2>&1 || true
	# An init killed at a memory limit below what set-up needs says so.
	try kctr_run --rm --memory-limit 1 "$CIMG" e2 true
	assert_ne 0 "$RC" "ctr run with a 1-byte memory limit"
	assert_match "$ERR" 'OCI runtime create failed: .*OOM killer.*memory.limit 1 bytes' "ctr's error"
	kctr containers delete e2 >/dev/null 2>&1 || true
	assert_eq "" "$(ls "$CD_ROOT" 2>/dev/null)" "cell state after the failures"
	# The shim's cleanup deletes (--force) what is already gone: no error
	# (it would show in containerd's log as a warning).
	assert_not_contains "$(cat "$CD/log")" "does not exist" "containerd's log"
}

test_containerd_tty() {
	cd_setup
	pty_drive -e '# ' -s 'echo out-$((6*7)); tty\r' -e 'out-42' -e '/dev/pts/' -s 'exit 5\r' -- \
		timeout 60 ctr --address "$CD/c.sock" -n "$CD_NS" run -t --rm --runc-binary "$CELL" \
		--runc-root "$CD/runc" --snapshotter native "$CIMG" t1 sh
	assert_eq 5 "$RC" "exit code of the interactive shell"
}

test_containerd_kill_ps_pause() {
	cd_setup
	local pid
	kctr_run -d "$CIMG" k1 sh -c 'trap "exit 7" TERM; sleep 1000 & while :; do sleep 0.1; done' >/dev/null
	wait_for 10 kctr_status_is k1 RUNNING || fail "k1 is $(kctr_status k1)"
	pid=$(kctr_pid k1)
	# create left the init a child of the shim, no cell process between.
	assert_eq containerd-shim "$(comm_of "$(parent_of "$pid")" | cut -c1-15)" "parent of the container's init"
	assert_eq "" "$(leftover_procs | grep -vx "$pid" || true)" "cell processes left running"
	# tasks ps: cell ps --format json, host pids.
	wait_for 5 sh -c 'pgrep -P "$0" sleep >/dev/null' "$pid" || fail "no sleep in k1"
	assert_ok kctr tasks ps k1
	assert_match "$OUT" "(^|$(printf '\n'))$pid " "tasks ps: the init"
	assert_contains "$OUT" "$(pgrep -P "$pid" sleep | head -n 1)" "tasks ps: the sleep"
	# pause/resume: cell pause, resume.
	assert_ok kctr tasks pause k1
	assert_eq PAUSED "$(kctr_status k1)" "status after pause"
	assert_eq paused "$(kcell state k1 | jget status)" "cell's status"
	assert_ok kctr tasks resume k1
	assert_eq RUNNING "$(kctr_status k1)" "status after resume"
	# tasks kill: SIGTERM by number.
	assert_ok kctr tasks kill k1
	wait_for 10 kctr_status_is k1 STOPPED || fail "k1 did not stop on TERM: $(kctr_status k1)"
	assert_ok kctr tasks delete k1
	assert_contains "$ERR" "exit code 7" "k1's exit status"
	kctr_run -d "$CIMG" k2 sleep 1000 >/dev/null
	wait_for 10 kctr_status_is k2 RUNNING || fail "k2 is $(kctr_status k2)"
	assert_ok kctr tasks kill -s KILL k2
	wait_for 10 kctr_status_is k2 STOPPED || fail "k2 did not stop on KILL: $(kctr_status k2)"
	assert_ok kctr tasks delete k2
	assert_contains "$ERR" "exit code 137" "k2's exit status"
}

test_containerd_exec() {
	"$CELL" exec --help >/dev/null 2>&1 || skip "the runtime has no exec command"
	cd_setup
	local pid
	kctr_run -d "$CIMG" x1 sleep 1000 >/dev/null
	wait_for 10 kctr_status_is x1 RUNNING || fail "x1 is $(kctr_status x1)"
	pid=$(kctr_pid x1)
	# The shim calls `exec --process FILE --detach --pid-file F ID`.
	try kctr tasks exec --exec-id e1 x1 sh -c 'echo out; echo err >&2; readlink /proc/1/ns/pid; exit 3'
	assert_rc 3 "tasks exec's exit code"
	assert_eq "$(printf 'out\n%s' "$(readlink "/proc/$pid/ns/pid")")" "$OUT" "tasks exec's stdout: in x1's pid namespace"
	assert_eq err "$ERR" "tasks exec's stderr"
	pty_drive -e '# ' -s 'tty; echo out-$((6*7))\r' -e 'out-42' -s 'exit 4\r' -- \
		timeout 60 ctr --address "$CD/c.sock" -n "$CD_NS" tasks exec -t --exec-id e2 x1 sh
	assert_eq 4 "$RC" "exit code of tasks exec -t"
	assert_match "$OUT" '/dev/pts/[0-9]+' "tasks exec -t: the terminal"
	try kctr tasks exec --exec-id e3 x1 /nonexistent
	assert_ne 0 "$RC" "tasks exec of a missing executable"
	assert_match "$ERR" 'OCI runtime exec failed: .*/nonexistent.*no such file or directory' "ctr's error"
}
