# shellcheck shell=bash disable=SC2016 # sh -c scripts are single-quoted on purpose
# Terminals (process.terminal): the pty from the container's devpts, the
# console socket, the foreground proxy, consoleSize, /dev/console.
# tests/ptydrive.py plays the person at a terminal, tests/consock.py the
# --console-socket receiver (conmon's and containerd's role).

tty_bundle() {
	make_bundle
	cfg process.terminal=true
}

# drive STEP... -- CMD...: run CMD in a pty (tests/ptydrive.py); RC, OUT.
drive() {
	local rc=0
	python3 "$TESTS_DIR/ptydrive.py" "$@" >"$T/drive.out" 2>"$T/drive.err" || rc=$?
	RC=$rc
	OUT=$(cat "$T/drive.out")
	echo "+ ptydrive -> $RC: $(cat "$T/drive.err")" >&2
}

test_tty_foreground_shell() {
	tty_bundle
	cfg_args sh
	# The caller's settings before and after, seen from inside its terminal.
	drive -e '# ' -s 'echo out-$((6*7)); tty; echo done\r' -e 'done' -s 'exit 5\r' -- \
		sh -c 'stty -g >"$0/before"; "$1" --root "$2" run -b "$3" ex-fg; echo "rc=$?"; stty -g >"$0/after"' \
		"$T" "$CELL" "$ROOT" "$B"
	note "$OUT"
	assert_eq 0 "$RC" "ptydrive"
	assert_contains "$OUT" "out-42" "the shell ran the typed command"
	assert_match "$OUT" '^/dev/pts/[0-9]+' "the shell's terminal"
	assert_contains "$OUT" "rc=5" "the container's exit code"
	assert_eq "$(cat "$T/before")" "$(cat "$T/after")" "the caller's terminal settings after run"
	assert_eq absent "$(ctr_status ex-fg)" "status after the foreground run"
}

test_tty_foreground_raw_and_signals() {
	tty_bundle
	# While the container runs the caller's terminal is raw (no echo by it,
	# no signals from ^C): ^C reaches the container's own line discipline.
	cfg_sh 'g=; trap "g=1; echo got-int" INT; echo ready; while [ -z "$g" ]; do sleep 0.1; done; echo ready2; read x; echo "read=$x"; exit 3'
	drive -e 'ready' -s '\x03' -e 'got-int' -e 'ready2' -s 'abc\r' -e 'read=abc' -- \
		"$CELL" --root "$ROOT" run -b "$B" ex-raw
	note "$OUT"
	assert_eq 3 "$RC" "exit code through ptydrive"
	# A signal sent to cell goes to the container.
	cfg_sh 'trap "echo got-usr1; exit 9" USR1; echo ready; while :; do sleep 0.1; done'
	drive -e 'ready' -p 0.2 -- sh -c '"$0" --root "$1" run -b "$2" ex-raw & p=$!; sleep 0.5; kill -USR1 $p; wait $p' \
		"$CELL" "$ROOT" "$B"
	note "$OUT"
	assert_contains "$OUT" "got-usr1"
	assert_eq 9 "$RC" "exit code after the forwarded signal"
}

test_tty_window_size_follows() {
	tty_bundle
	cfg_sh 'trap "stty size" WINCH; stty size; echo ready; i=0; while [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done'
	drive --size 30x100 -e '30 100' -e 'ready' -w 41x132 -e '41 132' -s '\x03' -- \
		"$CELL" --root "$ROOT" run -b "$B" ex-winch
	note "$OUT"
	assert_contains "$OUT" "41 132" "size after SIGWINCH"
}

test_tty_console_socket() {
	tty_bundle
	cfg 'process.consoleSize={"height":33,"width":111}'
	cfg_sh 'echo ready; read line; echo "got=$line"; stty size; tty; ls -l /proc/self/fd/ >/dev/null; exit 4'
	consock_start -e 'ready' -s 'hello\r' -e 'got=hello' --eof
	ctr_create ex-cs --console-socket "$T/cs"
	local pid
	pid=$(ctr_pid ex-cs)
	# The init holds the peer only: the master went to the receiver.
	local fds
	fds=$(ls -l "/proc/$pid/fd/" | grep -c ptmx || true)
	assert_eq 0 "$fds" "ptmx fds kept by the container process"
	assert_ok rt start ex-cs
	consock_wait
	assert_eq 0 "$CS_RC" "receiver"
	assert_match "$CS_OUT" '^master: ptmx [0-9]+' "received fd"
	assert_contains "$CS_OUT" "got=hello" "input written to the master reached the shell"
	assert_contains "$CS_OUT" "33 111" "stty size = process.consoleSize"
	# The pty is the container's own: number 0 of its fresh devpts.
	assert_contains "$CS_OUT" "master: ptmx 0" "pty number in the container's devpts"
	assert_match "$CS_OUT" '/dev/pts/0' "tty of the container"
	wait_status ex-cs stopped
	assert_ok rt delete ex-cs
}

test_tty_dev_console_and_ctty() {
	tty_bundle
	cfg_sh 'ls -l /dev/console | awk "{print \$5 \$6}"; ls -l "$(tty)" | awk "{print \$5 \$6}"; cat /proc/self/stat | cut -d" " -f6,7,8; echo ok'
	consock_start -e 'ok' --eof
	ctr_create ex-con --console-socket "$T/cs"
	assert_ok rt start ex-con
	consock_wait
	assert_eq 0 "$CS_RC" "receiver"
	local lines
	lines=$(printf '%s\n' "$CS_OUT" | tr -d '\r' | sed -n '2,3p')
	# /dev/console and the tty are the same device (136,N).
	assert_eq "$(printf '%s\n' "$lines" | sed -n 1p)" "$(printf '%s\n' "$lines" | sed -n 2p)" "/dev/console vs tty"
	assert_match "$lines" '^136,' "a pty device"
	# stat fields 6-8: session, tty_nr, tpgid: a session leader with a tty.
	local sess ttynr
	read -r sess ttynr _ < <(printf '%s\n' "$CS_OUT" | sed -n 4p)
	assert_eq 1 "$sess" "session id (the container's pid 1 leads its session)"
	assert_ne 0 "$ttynr" "controlling terminal"
	rt delete ex-con >/dev/null 2>&1 || true
}

test_tty_errors() {
	tty_bundle
	# (Without --console-socket a console holder keeps it: console.sh.)
	cfg process.terminal=false
	try rt create -b "$B" --console-socket "$T/nosock" ex-e3
	assert_ne 0 "$RC" "a console socket without a terminal"
	assert_contains "$ERR" "--console-socket"
	assert_eq absent "$(ctr_status ex-e3)"
	# A socket nobody listens on: create fails and leaves nothing.
	cfg process.terminal=true
	try rt create -b "$B" --console-socket "$T/nosock" ex-e4
	assert_ne 0 "$RC" "create with a missing console socket"
	assert_contains "$ERR" "nosock"
	assert_eq absent "$(ctr_status ex-e4)"
	assert_eq "" "$(leftover_procs)" "processes left"
}
