# shellcheck shell=bash disable=SC2016 # sh -c scripts are single-quoted on purpose
# The console holder: run -d (or create) of a terminal container without
# --console-socket leaves one small process with the pty master and the
# latest output; `cell console ID` attaches to it (tests/ptydrive.py plays
# the person at the terminal) and Ctrl-a q detaches.

con_bundle() {
	make_bundle
	cfg process.terminal=true
}

# drive STEP... -- CMD...: run CMD in a pty (tests/ptydrive.py); RC, OUT.
con_drive() {
	local rc=0
	python3 "$TESTS_DIR/ptydrive.py" "$@" >"$T/drive.out" 2>"$T/drive.err" || rc=$?
	RC=$rc
	OUT=$(cat "$T/drive.out")
	echo "+ ptydrive -> $RC: $(cat "$T/drive.err")" >&2
	note "$OUT"
}

# attach ID STEP...: `cell console ID` in a pty, the caller's terminal
# settings saved before and after in $T/before, $T/after; "rc=N" at the end.
attach() {
	local id=$1
	shift
	con_drive "$@" -- sh -c 'stty -g >"$0/before"; "$1" --root "$2" console "$3"; echo "rc=$?"; stty -g >"$0/after"' \
		"$T" "$CELL" "$ROOT" "$id"
}

holder_pid() { # ID: the Console PID line of info
	rt info "$1" | awk '$1 == "Console" && $2 == "PID:" { print $3 }'
}

test_console_attach_detach_exit() {
	con_bundle
	cfg_sh 'echo early-$((2*3)); exec sh'
	ctr_detach c1
	wait_for 5 test -n "$(holder_pid c1)" || fail "no console holder in info: $(rt info c1)"
	local hp
	hp=$(holder_pid c1)
	assert_contains "$(rt info c1)" "$ROOT/c1/console.sock" "info: the socket"
	# First attach: the earlier output is replayed, a typed command runs.
	attach c1 -e 'early-6' -e '# ' -s 'echo out-$((6*7))\r' -e 'out-42' -e '# ' -s '\x01q' -e 'rc='
	assert_eq 0 "$RC" "ptydrive"
	assert_contains "$OUT" "rc=0" "console after Ctrl-a q"
	assert_contains "$OUT" "Detached from"
	assert_eq "$(cat "$T/before")" "$(cat "$T/after")" "the caller's terminal settings after detach"
	assert_eq running "$(ctr_status c1)" "status after detach"
	pid_alive "$hp" || fail "holder gone after detach"
	# Again: the ring has the first session; Ctrl-a Ctrl-a is one Ctrl-a.
	attach c1 -e 'out-42' -s '\r' -e '# ' -s 'read x; printf %s "$x" | od -An -tx1\r' -p 0.3 -s 'z\x01\x01y\r' -e '7a 01 79' -s '\x01q' -e 'rc='
	assert_contains "$OUT" "rc=0" "second attach"
	assert_contains "$OUT" "7a 01 79" "Ctrl-a Ctrl-a reached the container as one Ctrl-a"
	assert_eq "$(cat "$T/before")" "$(cat "$T/after")" "terminal settings after the second attach"
	assert_eq running "$(ctr_status c1)" "status after the second detach"
	# Third: exit ends the container, the console and the holder.
	attach c1 -s '\r' -e '# ' -s 'exit\r' -e 'rc='
	assert_contains "$OUT" "rc=0" "console after the container exited"
	assert_contains "$OUT" "exited"
	assert_eq "$(cat "$T/before")" "$(cat "$T/after")" "terminal settings after exit"
	wait_status c1 stopped
	wait_for 5 sh -c '! kill -0 '"$hp" || fail "holder $hp still there after the container exited"
	assert_eq "" "$(holder_pid c1)" "info after exit"
	assert_ok rt delete c1
	assert_eq "" "$(leftover_procs)" "processes left"
}

test_console_holder_confined() {
	con_bundle
	cfg_sh 'echo hi; sleep 100'
	ctr_detach c2
	local hp pid
	hp=$(holder_pid c2)
	pid=$(ctr_pid c2)
	[ -n "$hp" ] || fail "no holder"
	# Host namespaces, not the container's; not the init's parent.
	local t
	for t in mnt pid net uts ipc user cgroup; do
		assert_eq "$(readlink /proc/self/ns/$t)" "$(readlink "/proc/$hp/ns/$t")" "holder's $t namespace"
	done
	assert_ne "$hp" "$(proc_status "$pid" PPid)" "the init's parent"
	# Only /dev/null, the socket, the master and the init's pidfd.
	local fds
	fds=$(for f in "/proc/$hp/fd/"*; do readlink "$f"; done | sed 's/[0-9]\+/N/g' | sort | tr '\n' ' ')
	note "holder fds: $fds"
	assert_eq "/dev/null /dev/null /dev/null /dev/pts/ptmx anon_inode:[pidfd] socket:[N] " "$fds" "holder's fds"
	assert_eq 0000000000000000 "$(proc_status "$hp" CapEff)" "holder's capabilities"
	assert_eq 0000000000000000 "$(proc_status "$hp" CapBnd)" "holder's bounding set"
	# Not in the container's cgroup.
	assert_eq "$(cat /proc/self/cgroup)" "$(cat "/proc/$hp/cgroup")" "holder's cgroups"
	local rss
	rss=$(proc_status "$hp" VmRSS)
	note "holder VmRSS: $rss"
	# A second client while one is attached is refused.
	python3 "$TESTS_DIR/ptydrive.py" -e 'hi' -p 2 -s '\x01q' -- "$CELL" --root "$ROOT" console c2 >"$T/first.out" 2>&1 &
	local first=$!
	sleep 1
	try rt console c2
	assert_ne 0 "$RC" "a second console"
	assert_contains "$ERR" "attached elsewhere"
	wait "$first" || true
	# delete --force of the running container ends the holder too.
	assert_ok rt delete --force c2
	pid_alive "$hp" && fail "holder $hp left after delete"
	assert_eq absent "$(ctr_status c2)"
	assert_eq "" "$(leftover_procs)" "processes left"
}

test_console_window_size() {
	con_bundle
	cfg_sh 'trap "stty size" WINCH; echo ready; while :; do sleep 0.1; done'
	ctr_detach c3
	# Attaching sends the caller's size; a resize is passed on.
	attach c3 --size 30x100 -e 'ready' -e '30 100' -w 41x132 -e '41 132' -s '\x01q' -e 'rc='
	assert_contains "$OUT" "41 132" "size after SIGWINCH"
	assert_contains "$OUT" "rc=0"
	assert_ok rt delete --force c3
	assert_eq "" "$(leftover_procs)" "processes left"
}

test_console_create_start() {
	con_bundle
	cfg_sh 'echo started-$((3*3)); read x; echo "got-$x"; exit 2'
	ctr_create c4
	local hp
	hp=$(holder_pid c4)
	[ -n "$hp" ] || fail "no holder after create"
	assert_eq created "$(ctr_status c4)"
	assert_ok rt start c4
	attach c4 -e 'started-9' -s 'abc\r' -e 'got-abc' -e 'rc='
	assert_contains "$OUT" "rc=0" "console ends with the container"
	wait_status c4 stopped
	wait_for 5 sh -c '! kill -0 '"$hp" || fail "holder $hp still there"
	try rt console c4
	assert_ne 0 "$RC" "console of a stopped container"
	assert_contains "$ERR" "not running"
	assert_ok rt delete c4
	assert_eq "" "$(leftover_procs)" "processes left"
}

test_console_failed_create() {
	con_bundle
	cfg_sh 'sleep 100'
	# The pid file cannot be written: create fails after the holder started.
	try rt create -b "$B" --pid-file "$T/no/such/dir/pid" c5
	assert_ne 0 "$RC" "create with an unwritable pid file"
	assert_one_line "$ERR"
	assert_eq absent "$(ctr_status c5)"
	assert_eq "" "$(leftover_procs)" "processes left"
	# Without a terminal there is no holder and no console.
	cfg process.terminal=false
	ctr_detach c6
	assert_eq "" "$(holder_pid c6)" "holder without a terminal"
	try rt console c6
	assert_ne 0 "$RC"
	assert_contains "$ERR" "has no console"
	assert_ok rt delete --force c6
}

test_console_ring_keeps_latest_64k() {
	con_bundle
	share_dir
	# About 190 KiB before anyone attaches: only the latest 64 KiB stay.
	cfg_sh 'i=0; while [ $i -lt 12000 ]; do echo "line-$i-padding"; i=$((i+1)); done; echo end-of-burst; touch /shared/burst; sleep 100'
	ctr_detach c7
	wait_for 10 test -e "$SHARED/burst" || fail "the container did not write its burst"
	attach c7 -e 'end-of-burst' -p 0.3 -s '\x01q' -e 'rc='
	assert_contains "$OUT" "line-11999-padding" "the latest line replayed"
	assert_contains "$OUT" "rc=0"
	case $OUT in *line-0-padding*) fail "the oldest output should have been overwritten" ;; esac
	# At most the ring (64 KiB, the pty made each \n \r\n: 19-20 bytes a line)
	# comes back, whole lines in order up to the last.
	local first n
	first=$(printf '%s\n' "$OUT" | awk -F- '/^line-[0-9]+-padding$/ { print $2; exit }')
	n=$(printf '%s\n' "$OUT" | awk '/^line-[0-9]+-padding$/ { n++ } END { print n + 0 }')
	note "replayed from line $first, $n whole lines"
	{ [ "$n" -gt 3200 ] && [ "$n" -le 3500 ]; } || fail "$n lines replayed: not about 64 KiB"
	assert_eq "$((11999 - n + 1))" "$first" "first whole line"
	assert_ok rt delete --force c7
}

test_console_attached_output_not_lost() {
	con_bundle
	# While a client is attached nothing is dropped: the container waits.
	cfg_sh 'read x; seq 1 40000; echo done-seq; sleep 100'
	ctr_detach c8
	attach c8 -s 'go\r' -e 'done-seq' -s '\x01q' -e 'rc='
	local got
	got=$(printf '%s\n' "$OUT" | grep -E '^[0-9]+$' | awk 'BEGIN { n = 0; ok = 1 } { n++; if ($1 != n) ok = 0 } END { print n, ok }')
	assert_eq "40000 1" "$got" "lines received, in order"
	assert_ok rt delete --force c8
}

test_console_signal_restores_terminal() {
	con_bundle
	cfg_sh 'echo ready; sleep 100'
	ctr_detach c9
	# SIGTERM to `cell console` while attached: the terminal comes back.
	con_drive -e 'ready' -e 'rc=' -- sh -c 'stty -g >"$0/before"
		sh -c "(sleep 1; kill -TERM \$\$) </dev/null & exec \"\$0\" --root \"\$1\" console \"\$2\"" "$1" "$2" "$3"
		echo "rc=$?"; stty -g >"$0/after"' "$T" "$CELL" "$ROOT" c9
	assert_contains "$OUT" "rc=0"
	assert_eq "$(cat "$T/before")" "$(cat "$T/after")" "terminal settings after SIGTERM"
	assert_eq running "$(ctr_status c9)"
	assert_ok rt delete --force c9
}

test_console_rootless() {
	# rootless.sh's helpers: a test user, cell and the bundle for it.
	# shellcheck source=tests/integration/rootless.sh
	. "$TESTS_DIR/integration/rootless.sh"
	rl_setup
	rl_spec
	cfg process.terminal=true
	cfg_sh 'echo rl-ready; exec sh'
	assert_ok urt run -d -b "$B" rlc
	local hp
	hp=$(urt info rlc | awk '$1 == "Console" && $2 == "PID:" { print $3 }')
	[ -n "$hp" ] || fail "no holder: $(urt info rlc)"
	assert_eq "$UUID" "$(proc_status "$hp" Uid | awk '{ print $1 }')" "holder's uid"
	con_drive -e 'rl-ready' -s 'echo id-$(id -u)\r' -e 'id-0' -s '\x01q' -e 'rc=' -- \
		setpriv --reuid "$UUID" --regid "$UGID" --init-groups env XDG_RUNTIME_DIR="$T/xdg" HOME="$T/xdg" \
		sh -c '"$0" console rlc; echo "rc=$?"' "$T/cell"
	assert_contains "$OUT" "rc=0"
	assert_contains "$OUT" "id-0" "root in the container's user namespace"
	# Another user (not root) is turned away by the holder.
	try setpriv --reuid 65534 --regid 65534 --clear-groups "$T/cell" --root "$T/xdg/cell" console rlc
	assert_ne 0 "$RC" "console as another user"
	assert_ok urt delete --force rlc
	pid_alive "$hp" && fail "holder left after delete"
	assert_eq "" "$(leftover_procs)" "processes left"
	drop_test_users
}

# info --format json names the holder of a detached terminal container
# (alive, not the init, the socket in the state dir); `cell state` keeps
# the OCI state (the init's pid); after delete both are gone.
test_console_info_json_and_state() {
	con_bundle
	cfg_sh 'echo hi; exec sleep 600'
	ctr_detach c10
	local pid hp sock
	pid=$(ctr_pid c10)
	assert_ok rt info --format json c10
	hp=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["console_pid"])')
	sock=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["console_socket"])')
	assert_eq "running $pid" "$(printf '%s' "$OUT" | python3 -c 'import json,sys; d = json.load(sys.stdin); print(d["state"], d["pid"])')" "info state and pid"
	pid_alive "$hp" || fail "console_pid $hp not alive"
	assert_ne "$pid" "$hp" "holder is not the init"
	assert_eq "$hp" "$(holder_pid c10)" "console_pid and the text's Console PID"
	assert_eq "$ROOT/c10/console.sock" "$sock" "console_socket"
	[ -S "$sock" ] || fail "$sock is not a socket"
	# The holder's own record, ROOT/ID/console: "PID START".
	assert_eq "$hp" "$(awk '{ print $1 }' "$ROOT/c10/console")" "ROOT/ID/console"
	assert_ok rt state c10
	assert_eq "running $pid" "$(printf '%s' "$OUT" | python3 -c 'import json,sys; d = json.load(sys.stdin); print(d["status"], d["pid"])')" "state"
	assert_ok rt delete --force c10
	pid_alive "$hp" && fail "holder $hp left after delete"
	try rt info --format json c10
	assert_ne 0 "$RC" "info after delete"
	assert_contains "$ERR" "does not exist"
	try rt state c10
	assert_ne 0 "$RC" "state after delete"
	[ ! -e "$sock" ] || fail "socket $sock left after delete"
	assert_eq "" "$(leftover_procs)" "processes left"
}

# --escape (lxc-console -e): another prefix for users inside tmux or
# screen. Ctrl-b q detaches; Ctrl-a then passes through to the container,
# Ctrl-b Ctrl-b is one Ctrl-b. A bad key is refused, naming the flag.
test_console_escape_key() {
	con_bundle
	cfg_sh 'echo ready; exec sh'
	ctr_detach c11
	attach_with() { # FLAGS STEP...: attach with `console FLAGS c11`
		local flags=$1
		shift
		con_drive "$@" -- sh -c 'stty -g >"$0/before"; "$1" --root "$2" console $4 "$3"; echo "rc=$?"; stty -g >"$0/after"' \
			"$T" "$CELL" "$ROOT" c11 "$flags"
	}
	# Ctrl-a q is plain input now: the container reads it (x, 01, q, y).
	attach_with '-e ^b' -e 'ready' -s '\r' -e '# ' -s 'read x; printf %s "$x" | od -An -tx1\r' -p 0.3 \
		-s 'x\x01qy\r' -e '78 01 71 79' -s 'read x; printf %s "$x" | od -An -tx1\r' -p 0.3 \
		-s 'z\x02\x02w\r' -e '7a 02 77' -s '\x02q' -e 'rc='
	assert_eq 0 "$RC" "ptydrive"
	assert_contains "$OUT" "Ctrl-b q detaches" "the banner names the key"
	assert_contains "$OUT" "78 01 71 79" "Ctrl-a q passed through with -e ^b"
	assert_contains "$OUT" "7a 02 77" "Ctrl-b Ctrl-b typed one Ctrl-b"
	assert_contains "$OUT" "Detached from" "Ctrl-b q detached"
	assert_contains "$OUT" "rc=0"
	assert_eq "$(cat "$T/before")" "$(cat "$T/after")" "the caller's terminal settings"
	assert_eq running "$(ctr_status c11)" "status after Ctrl-b q"
	# A letter alone means Ctrl-letter (--escape=t: Ctrl-t).
	attach_with '--escape=t' -s '\r' -e '# ' -s '\x14q' -e 'rc='
	assert_contains "$OUT" "Ctrl-t q detaches"
	assert_contains "$OUT" "Detached from" "Ctrl-t q detached"
	assert_eq running "$(ctr_status c11)" "status after Ctrl-t q"
	local k
	for k in 1 '^' '^1' bb '^ab' ''; do
		try rt console -e "$k" c11
		assert_ne 0 "$RC" "--escape '$k'"
		assert_eq "cell: console: --escape \`$k\`: expected ^LETTER or a LETTER (Ctrl-LETTER), or one of ^[ ^\\ ^] ^^ ^_" "$ERR" "error for '$k'"
	done
	assert_ok rt delete --force c11
	assert_eq "" "$(leftover_procs)" "processes left"
}
