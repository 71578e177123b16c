# shellcheck shell=bash disable=SC2016 # sh -c scripts are single-quoted on purpose
# The container's process: stdio, env, cwd, user, umask, hostname, PID 1,
# rlimits, file descriptors, exec errors.

test_stdout_and_stderr_separate() {
	make_bundle
	cfg_sh 'echo to-out; echo to-err >&2; echo more-out'
	ctr_run c1
	assert_rc 0
	assert_eq "to-out
more-out" "$OUT" stdout
	assert_eq "to-err" "$ERR" stderr
}

test_stdin_is_passed() {
	make_bundle
	cfg_args cat
	local rc=0
	printf 'line1\nline2\n' >"$T/in"
	rt run -b "$B" c1 <"$T/in" >"$T/out" 2>"$T/err" || rc=$?
	assert_eq 0 "$rc" "exit code ($(cat "$T/err"))"
	assert_eq "line1
line2" "$(cat "$T/out")" "what cat read"
}

test_env() {
	make_bundle
	cfg 'process.env+=FOO=bar' 'process.env+=SPACED=a b  c' 'process.env+=EQ=x=y'
	cfg_sh 'echo "FOO=$FOO"; echo "SPACED=$SPACED"; echo "EQ=$EQ"; echo "PATH=$PATH"'
	ctr_run c1
	assert_rc 0
	assert_eq "FOO=bar
SPACED=a b  c
EQ=x=y
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" "$OUT" env
	# The caller's environment (the harness exports CELL_TEST_TAG) stays out.
	cfg_args env
	ctr_run c1
	assert_rc 0
	assert_not_contains "$OUT" "CELL_TEST_TAG=" "the container's env"
	assert_contains "$OUT" "FOO=bar" "the container's env"
}

test_cwd() {
	make_bundle
	cfg process.cwd=/home/user
	cfg_args pwd
	ctr_run c1
	assert_rc 0
	assert_eq /home/user "$OUT" cwd
}

test_args_resolved_in_path() {
	make_bundle
	cfg_args echo hello world
	ctr_run c1
	assert_rc 0
	assert_eq "hello world" "$OUT"
	cfg_args /bin/echo absolute
	ctr_run c1
	assert_rc 0
	assert_eq "absolute" "$OUT"
}

test_user_uid_gid_additional_gids() {
	make_bundle
	cfg process.user.uid=1000 process.user.gid=1000 'process.user.additionalGids=[2000,3000]'
	cfg_sh 'grep -E "^(Uid|Gid|Groups):" /proc/self/status; id -u; id -g; id -un'
	ctr_run c1
	assert_rc 0
	note "$OUT"
	assert_match "$OUT" $'^Uid:\t1000\t1000\t1000\t1000$' "Uid line"
	assert_match "$OUT" $'^Gid:\t1000\t1000\t1000\t1000$' "Gid line"
	assert_match "$OUT" $'^Groups:\t2000 3000 ?$' "Groups line"
	assert_eq "1000
1000
user" "$(printf '%s\n' "$OUT" | tail -n 3)" "id -u, id -g, id -un"
}

test_user_root_has_no_extra_groups() {
	make_bundle
	cfg_sh 'grep -E "^Groups:" /proc/self/status'
	ctr_run c1
	assert_rc 0
	assert_match "$OUT" '^Groups:[[:space:]]*$' "Groups line of root without additionalGids"
}

test_umask() {
	make_bundle
	cfg root.readonly=false
	cfg_sh 'umask; rm -f /tmp/f; touch /tmp/f; stat -c %a /tmp/f'
	ctr_run c1
	assert_rc 0
	assert_eq "0022
644" "$OUT" "default umask"
	cfg process.user.umask=23 # 0027
	ctr_run c1
	assert_rc 0
	assert_eq "0027
640" "$OUT" "umask 0027"
}

test_hostname() {
	make_bundle
	local host_before
	host_before=$(hostname)
	cfg hostname=box-one
	cfg_sh 'hostname; cat /proc/sys/kernel/hostname'
	ctr_run c1
	assert_rc 0
	assert_eq "box-one
box-one" "$OUT" hostname
	assert_eq "$host_before" "$(hostname)" "the host's hostname"
}

test_pid1_is_the_program() {
	make_bundle
	# `; true` keeps sh from exec'ing ps in its place.
	cfg_sh 'cat /proc/1/cmdline | tr "\0" " "; echo; echo "self=$$"; ps -o pid,args; true'
	ctr_run c1
	assert_rc 0
	note "$OUT"
	local first
	first=$(printf '%s\n' "$OUT" | head -n 1)
	assert_match "$first" '^sh -c cat /proc/1/cmdline' "/proc/1/cmdline"
	assert_contains "$OUT" "self=1" "the shell's own pid"
	# ps shows: its header, PID 1 (sh) and ps itself; nothing of the host.
	local procs
	procs=$(printf '%s\n' "$OUT" | sed -n '/PID/,$p' | tail -n +2)
	assert_eq 2 "$(printf '%s\n' "$procs" | grep -c .)" "processes seen by ps: $procs"
	assert_match "$procs" '^ *1 sh -c' "ps: PID 1"
}

test_rlimits() {
	make_bundle
	cfg_sh 'ulimit -n; ulimit -Hn'
	ctr_run c1
	assert_rc 0
	assert_eq "1024
1024" "$OUT" "RLIMIT_NOFILE from the base config"
	cfg 'process.rlimits=[{"type":"RLIMIT_NOFILE","soft":512,"hard":4096},{"type":"RLIMIT_NPROC","soft":1000,"hard":2000},{"type":"RLIMIT_CORE","soft":0,"hard":0}]'
	cfg_sh 'ulimit -n; ulimit -Hn; ulimit -u; ulimit -Hu; ulimit -c'
	ctr_run c1
	assert_rc 0
	assert_eq "512
4096
1000
2000
0" "$OUT" "NOFILE 512/4096, NPROC 1000/2000, CORE 0"
}

test_no_fd_leak() {
	make_bundle
	# Open extra descriptors in the caller; none may reach the container.
	exec 7<"$B/config.json" 8>"$T/extra" 9<"$B/config.json"
	cfg_args ls /proc/self/fd
	ctr_run c1
	exec 7<&- 8>&- 9<&-
	assert_rc 0
	# ls's own directory fd is the fourth.
	assert_eq "0 1 2 3" "$(printf '%s\n' "$OUT" | sort -n | xargs)" "fds in the container"
}

test_no_fd_leak_after_create_start() {
	make_bundle
	share_dir
	exec 7<"$B/config.json"
	cfg_sh 'ls /proc/self/fd >/shared/fds'
	ctr_create c1
	exec 7<&-
	assert_ok rt start c1
	wait_for 10 test -s "$SHARED/fds" || fail "container did not run"
	wait_status c1 stopped
	assert_eq "0 1 2 3" "$(sort -n "$SHARED/fds" | xargs)" "fds in the container"
}

test_preserve_fds() {
	make_bundle
	echo three >"$T/f3"
	echo four >"$T/f4"
	echo five >"$T/f5"
	# `[` is a shell builtin: /proc/self is the shell, which opens nothing.
	cfg_sh 'cat <&3; cat <&4; for n in 3 4 5 6; do [ -e /proc/self/fd/$n ] && echo "$n open" || echo "$n closed"; done'
	local rc=0
	rt run -b "$B" --preserve-fds 2 c1 </dev/null >"$T/out" 2>"$T/err" 3<"$T/f3" 4<"$T/f4" 5<"$T/f5" || rc=$?
	assert_eq 0 "$rc" "exit code ($(cat "$T/err"))"
	assert_eq "three
four
3 open
4 open
5 closed
6 closed" "$(cat "$T/out")" "fds 3 and 4 kept, 5 closed"
}

test_exec_missing_program() {
	make_bundle
	local before
	before=$(mounts_snapshot)
	cfg_args /no/such/program
	ctr_run c1
	[ "$RC" != 0 ] || fail "run of a missing program succeeded"
	assert_match "$ERR" "/no/such/program" "error names the program"
	assert_match "$ERR" "[Nn]o such file|not found" "error says why"
	assert_eq absent "$(ctr_status c1)"
	[ ! -e "$ROOT/c1" ] || fail "state dir left"
	assert_eq "" "$(leftover_procs)" "processes left"
	assert_eq "$before" "$(mounts_snapshot)" "host mount table"
}

test_exec_not_in_path() {
	make_bundle
	cfg_args no-such-command
	ctr_run c1
	[ "$RC" != 0 ] || fail "run of a missing command succeeded"
	assert_match "$ERR" "no-such-command" "error names the command"
	assert_eq absent "$(ctr_status c1)"
}

test_exec_not_executable() {
	make_bundle
	cfg_args /etc/passwd
	ctr_run c1
	[ "$RC" != 0 ] || fail "run of a non-executable succeeded"
	assert_match "$ERR" "[Pp]ermission denied" "error says why"
}

test_oom_score_adj() {
	make_bundle
	local host_before
	host_before=$(cat /proc/self/oom_score_adj)
	cfg process.oomScoreAdj=500
	cfg_sh 'cat /proc/self/oom_score_adj; cat /proc/1/oom_score_adj'
	ctr_run c1
	assert_rc 0
	assert_eq "500
500" "$OUT" "oom_score_adj of the shell (PID 1) and of its child"
	assert_eq "$host_before" "$(cat /proc/self/oom_score_adj)" "the caller's oom_score_adj"
}

test_preserve_fds_write_through() {
	make_bundle
	# fds 3 and 4 are passed (--preserve-fds 2): the container writes
	# through them; fd 5, opened by the caller too, must not be there.
	cfg_sh 'echo via-3 >&3; echo via-4 >&4; { echo via-5 >&5; } 2>/dev/null && echo 5-open || echo 5-closed'
	local rc=0
	rt run -b "$B" --preserve-fds 2 c1 </dev/null >"$T/out" 2>"$T/err" 3>"$T/f3" 4>>"$T/f4" 5>"$T/f5" || rc=$?
	assert_eq 0 "$rc" "exit code ($(cat "$T/err"))"
	assert_eq via-3 "$(cat "$T/f3")" "what the container wrote to fd 3"
	assert_eq via-4 "$(cat "$T/f4")" "what the container wrote to fd 4"
	assert_eq "" "$(cat "$T/f5")" "fd 5 (not preserved)"
	assert_eq 5-closed "$(cat "$T/out")" "fd 5 in the container"
}

test_env_without_path() {
	make_bundle
	# The harness's tag stays in the env; PATH goes.
	cfg 'process.env-=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' 'process.env+=FOO=bar'
	assert_not_contains "$(cat "$B/config.json")" '"PATH=' "config.json"
	cfg_args sh -c 'echo "found FOO=$FOO"'
	ctr_run c1
	assert_rc 0
	assert_eq "found FOO=bar" "$OUT" "sh found through the default PATH"
	cfg_args env
	ctr_run c1
	assert_rc 0
	assert_contains "$OUT" FOO=bar "the container's env"
}
