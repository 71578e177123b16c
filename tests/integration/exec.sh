# shellcheck shell=bash disable=SC2016 # sh -c scripts are single-quoted on purpose
# `cell exec` and `cell attach`: a process that joins a running container
# (namespaces, cgroups, capabilities, rlimits, seccomp), its exit code,
# --process, --detach, terminals, and the defences of ns/guard.h in it.
# Containers are named ex-*.

# exec_target [ID]: a running container (default ex-t) of $B that sleeps.
exec_target() {
	local id=${1:-ex-t}
	cfg_args sleep 600
	ctr_detach "$id"
	wait_status "$id" running
}

# ex ARGS...: `cell exec`; RC, OUT, ERR.
ex() {
	try rt exec "$@"
}

test_exec_sees_the_container() {
	make_bundle
	cfg 'hostname="exec-host"'
	add_mount /mnt/t tmpfs tmpfs '["size=1m"]'
	exec_target
	local pid
	pid=$(ctr_pid ex-t)
	ex ex-t hostname
	assert_rc 0
	assert_eq exec-host "$OUT" "hostname seen by exec"
	# The pid namespace: the init is pid 1, exec's own ps sees only the container.
	ex ex-t ps -o pid,args
	assert_rc 0
	note "$OUT"
	assert_eq "PID COMMAND|1 sleep 600|ps -o pid,args" \
		"$(printf '%s\n' "$OUT" | sed -E '3s/^ *[0-9]+ //' | sed -E 's/^ +//; s/ +/ /' | paste -sd'|')" \
		"ps inside: the init as pid 1 and ps itself, nothing else"
	# Mounts: the container's tmpfs is there, the host's root is not.
	ex ex-t sh -c 'grep " /mnt/t " /proc/self/mountinfo | wc -l; ls /'
	assert_rc 0
	assert_eq 1 "$(printf '%s\n' "$OUT" | sed -n 1p)" "the container's tmpfs at /mnt/t"
	assert_eq "$(ls "$B/rootfs" | xargs)" "$(printf '%s\n' "$OUT" | sed 1d | xargs)" "ls / inside"
	# Every namespace is the init's.
	local n link
	for n in pid net ipc uts mnt cgroup user time; do
		[ -e "/proc/$pid/ns/$n" ] || continue
		link=$(readlink "/proc/$pid/ns/$n")
		ex ex-t readlink "/proc/self/ns/$n"
		assert_rc 0
		assert_eq "$link" "$OUT" "$n namespace of the exec'd process"
	done
	# The cgroup: the same lines as the init's, seen from inside and out.
	ex ex-t sh -c 'cat /proc/self/cgroup; echo ==; cat /proc/1/cgroup'
	assert_rc 0
	assert_eq "$(printf '%s\n' "$OUT" | sed '/^==$/,$d')" "$(printf '%s\n' "$OUT" | sed '1,/^==$/d')" \
		"/proc/self/cgroup of exec vs the init's"
	ex -d --pid-file "$T/p" ex-t sleep 30
	assert_rc 0
	assert_eq "$(sed 's/^[0-9]*:[^:]*://' "/proc/$pid/cgroup")" \
		"$(sed 's/^[0-9]*:[^:]*://' "/proc/$(cat "$T/p")/cgroup")" "cgroups seen from the host"
	# Capabilities: the container's sets.
	ex ex-t sh -c 'grep -E "^Cap(Inh|Prm|Eff|Bnd|Amb):" /proc/self/status'
	assert_rc 0
	assert_eq "$(grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb):' "/proc/$pid/status")" "$OUT" "capabilities of exec vs the init"
	rt delete -f ex-t
}

test_exec_exit_code_and_io() {
	make_bundle
	exec_target
	ex ex-t sh -c 'echo out; echo err >&2; exit 7'
	assert_rc 7
	assert_eq out "$OUT" "stdout"
	assert_eq err "$ERR" "stderr"
	ex ex-t sh -c 'kill -TERM $$'
	assert_rc 143 "killed by SIGTERM: 128+15"
	try sh -c 'echo typed | "$0" --root "$1" exec ex-t cat' "$CELL" "$ROOT"
	assert_rc 0
	assert_eq typed "$OUT" "stdin reaches the process"
	# The words podman maps to 127 and 126.
	ex ex-t /nonexistent
	assert_rc 1
	assert_contains "$ERR" "no such file or directory"
	assert_one_line "$ERR"
	ex ex-t nosuchcmd
	assert_contains "$ERR" "executable file not found"
	ex ex-t /etc/passwd
	assert_contains "$ERR" "permission denied"
	ex ex-t
	assert_contains "$ERR" "no command"
	ex nosuch true
	assert_contains "$ERR" "does not exist"
	assert_one_line "$ERR"
	rt delete -f ex-t
}

test_exec_flags_env_cwd_user_caps() {
	make_bundle
	exec_target
	ex --env FOO=bar -e PATH=/bin --cwd /tmp --user 1000:2000 ex-t sh -c 'echo "$FOO $PATH $(pwd) $(id -u) $(id -g)"'
	assert_rc 0
	assert_eq "bar /bin /tmp 1000 2000" "$OUT" "env, cwd, user"
	# The --opt=value form (podman's).
	ex --env=FOO=baz --cwd=/home --user=1000 ex-t sh -c 'echo "$FOO $(pwd) $(id -u)"'
	assert_rc 0
	assert_eq "baz /home 1000" "$OUT" "--opt=value flags"
	ex -g 3000 --user 1000:1000 ex-t id -G
	assert_eq "1000 3000" "$OUT" "additional gids"
	ex --cap CAP_SYS_ADMIN ex-t sh -c 'grep CapEff /proc/self/status'
	local eff
	eff=$(echo "$OUT" | awk '{print $2}')
	[ $((0x$eff & (1 << 21))) != 0 ] || fail "CAP_SYS_ADMIN not effective with --cap ($OUT)"
	ex --no-new-privs ex-t sh -c 'grep NoNewPrivs /proc/self/status'
	assert_eq "NoNewPrivs:	1" "$OUT" "--no-new-privs"
	cfg process.noNewPrivileges=false
	exec_target ex-t2
	ex ex-t2 sh -c 'grep NoNewPrivs /proc/self/status'
	assert_eq "NoNewPrivs:	0" "$OUT" "no_new_privs of the config (false)"
	rt delete -f ex-t2
	ex --user 1000:1x ex-t true
	assert_contains "$ERR" "--user"
	rt delete -f ex-t
}

test_exec_rlimits_of_the_container() {
	make_bundle
	cfg 'process.rlimits=[{"type":"RLIMIT_NOFILE","soft":123,"hard":456}]'
	exec_target
	ex ex-t sh -c 'ulimit -n; ulimit -Hn'
	assert_rc 0
	assert_eq "123
456" "$OUT" "RLIMIT_NOFILE of exec"
	rt delete -f ex-t
}

test_exec_process_json() {
	make_bundle
	exec_target
	cat >"$T/process.json" <<-'EOF'
		{"args": ["sh", "-c", "echo \"$A $(pwd) $(id -u):$(id -g) $(id -G)\"; exit 3"],
		 "env": ["A=from-json", "PATH=/bin:/usr/bin"],
		 "cwd": "/home/user",
		 "user": {"uid": 1000, "gid": 1000, "additionalGids": [2000]},
		 "terminal": false}
	EOF
	ex --process "$T/process.json" ex-t
	assert_rc 3
	assert_eq "from-json /home/user 1000:1000 1000 2000" "$OUT" "args, env, cwd, user of process.json"
	ex -p "$T/process.json" --cwd / ex-t
	assert_contains "$OUT" "from-json / " "a flag over process.json"
	echo '{"args": [1]}' >"$T/bad.json"
	ex --process "$T/bad.json" ex-t
	assert_ne 0 "$RC"
	assert_contains "$ERR" "bad.json: args[0]"
	assert_one_line "$ERR"
	ex --process "$T/none.json" ex-t
	assert_contains "$ERR" "none.json"
	rt delete -f ex-t
}

test_exec_user_namespace() {
	make_bundle
	userns_map
	exec_target
	local pid
	pid=$(ctr_pid ex-t)
	ex ex-t sh -c 'cat /proc/self/uid_map; id -u; stat -c %u /proc/$$; readlink /proc/self/ns/user'
	assert_rc 0
	note "$OUT"
	assert_match "$OUT" '^ *0 +100000 +65536' "uid map seen by exec"
	assert_eq 0 "$(echo "$OUT" | sed -n 2p)" "uid inside"
	assert_eq 0 "$(echo "$OUT" | sed -n 3p)" "owner of its /proc/PID"
	assert_eq "$(readlink "/proc/$pid/ns/user")" "$(echo "$OUT" | sed -n 4p)" "user namespace"
	ex -d --pid-file "$T/p" ex-t sleep 30
	assert_rc 0
	assert_eq "100000" "$(proc_status "$(cat "$T/p")" Uid | awk '{print $1}')" "host uid of the exec'd process"
	ex -u 1000 ex-t id -u
	assert_eq 1000 "$OUT" "user 1000 inside"
	rt delete -f ex-t
}

# A subreaper (as conmon and containerd's shim are) runs exec --detach:
# the process becomes its child directly, nothing of cell stays.
test_exec_detach_pid_file() {
	make_bundle
	exec_target
	python3 - "$CELL" "$ROOT" "$T" <<-'PY' >"$T/sub.out" 2>&1 || fail "subreaper: $(cat "$T/sub.out")"
		import ctypes, os, subprocess, sys, time
		cell, root, t = sys.argv[1:4]
		ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
		r = subprocess.run([cell, "--root", root, "exec", "--detach", "--pid-file", t + "/x.pid",
		                    "ex-t", "sh", "-c", "sleep 0.5; exit 9"], stdin=subprocess.DEVNULL)
		assert r.returncode == 0, r.returncode
		pid = int(open(t + "/x.pid").read())
		st = dict(l.split(":\t", 1) for l in open("/proc/%d/status" % pid).read().splitlines() if ":\t" in l)
		print("ppid-is-me", int(st["PPid"]) == os.getpid())
		print("name", st["Name"].strip())
		def ppid(p):
		    try:
		        return open("/proc/%s/stat" % p).read().rsplit(") ", 1)[1].split()[1]
		    except OSError:
		        return None
		kids = [p for p in os.listdir("/proc") if p.isdigit() and p != str(pid) and ppid(p) == str(os.getpid())]
		print("other-children", len(kids))
		_, status = os.waitpid(pid, 0)
		print("exit", os.waitstatus_to_exitcode(status))
	PY
	note "$(cat "$T/sub.out")"
	assert_eq "ppid-is-me True
name sh
other-children 0
exit 9" "$(cat "$T/sub.out")" "the exec'd process under a subreaper"
	# Without a subreaper: alive, in the container, pid file complete.
	ex --detach --pid-file "$T/p2" ex-t sleep 20
	assert_rc 0
	local p
	p=$(cat "$T/p2")
	assert_match "$p" '^[0-9]+$' "pid file"
	pid_alive "$p" || fail "exec'd process $p is not alive"
	assert_eq "$(readlink "/proc/$(ctr_pid ex-t)/ns/pid")" "$(readlink "/proc/$p/ns/pid")" "pid namespace"
	assert_eq "" "$(ls "$T" | grep '^p2.' || true)" "temporary pid files left"
	rt delete -f ex-t
}

test_exec_refused_for_stopped_and_paused() {
	make_bundle
	cfg_args true
	ctr_detach ex-s
	wait_status ex-s stopped
	ex ex-s true
	assert_ne 0 "$RC" "exec into a stopped container"
	assert_contains "$ERR" "stopped"
	assert_one_line "$ERR"
	rt delete ex-s
	exec_target ex-p
	rt pause ex-p
	ex ex-p true
	assert_ne 0 "$RC" "exec into a paused container"
	assert_contains "$ERR" "paused"
	assert_one_line "$ERR"
	rt resume ex-p
	ex ex-p true
	assert_rc 0
	rt delete -f ex-p
}

test_exec_no_host_fds_and_cwd_magic_links() {
	make_bundle
	exec_target
	ex ex-t ls /proc/self/fd 7</etc/hostname 9<"$T"
	assert_rc 0
	assert_eq "0 1 2 3" "$(echo "$OUT" | xargs)" "fds of the exec'd process"
	echo three >"$T/f3"
	ex --preserve-fds 1 ex-t sh -c 'ls /proc/self/fd | xargs; cat <&3' 3<"$T/f3" 7</etc/hostname
	assert_rc 0
	assert_eq "0 1 2 3 4
three" "$OUT" "fds with --preserve-fds 1"
	# A --preserve-fds fd the caller did not open is no host fd of cell's.
	ex --preserve-fds 3 ex-t sh -c 'for f in 3 4 5; do readlink /proc/self/fd/$f; done' 3<"$T/f3" 4<&- 5<&-
	assert_rc 0
	assert_eq "$T/f3
/dev/null
/dev/null" "$OUT" "fds 3-5 with only 3 open"
	local cwd
	for cwd in /proc/self/fd/0 /proc/self/fd/3 /proc/self/fd/5 /proc/1/cwd /proc/self/cwd /proc/self/root/..; do
		ex --cwd "$cwd" ex-t pwd 5<"$T"
		assert_ne 0 "$RC" "exec with cwd $cwd"
		assert_contains "$ERR" "process.cwd: "
		assert_one_line "$ERR"
	done
	ex --cwd /proc/self/fd/0 ex-t pwd
	assert_match "$ERR" 'process.cwd: `/proc/self/fd/0`: .*magic link' "error for an open fd"
	rt delete -f ex-t
}

# CVE-2019-5736 through exec: a process of the container watches for a
# cell process (the exec'd one before its execve, in the container's pid
# namespace) and tries its /proc/PID/exe for writing.
test_exec_cannot_overwrite_runtime() {
	copy_runtime() {
		cp "$CELL" "$T/cell-copy"
		chmod 0755 "$T/cell-copy"
		CELL="$T/cell-copy"
	}
	copy_runtime
	local sum
	sum=$(sha256sum <"$CELL")
	make_bundle
	cfg_sh 'while :; do
	for d in /proc/[0-9]*; do
		[ "$d" = /proc/1 ] && continue
		[ "$d" = "/proc/$$" ] && continue
		if (exec 3</$d/exe) 2>/dev/null; then echo "opened $(readlink $d/exe)" >>/tmp/log; fi
		if (echo pwned >>$d/exe) 2>/dev/null; then echo "wrote $d" >>/tmp/log; fi
	done
done'
	ctr_detach ex-v
	wait_status ex-v running
	local i
	for i in $(seq 20); do
		rt exec ex-v true || fail "exec $i"
	done
	rt exec ex-v sh -c 'cat /tmp/log 2>/dev/null; true' >"$T/log"
	note "attacker's log: $(sort "$T/log" | uniq -c | head)"
	assert_eq "$sum" "$(sha256sum <"$CELL")" "checksum of the runtime binary"
	assert_not_contains "$(cat "$T/log")" "wrote" "write through /proc/PID/exe"
	rt delete -f ex-v
}

# ---------------------------------------------------------------------
# Terminals (tests/ptydrive.py plays the person, tests/consock.py the
# --console-socket receiver, as in tty.sh).

drive() { # STEP... -- CMD...: run CMD in a pty; RC, OUT
	local rc=0
	python3 "$TESTS_DIR/ptydrive.py" "$@" >"$T/drive.out" 2>"$T/drive.err" || rc=$?
	RC=$rc
	OUT=$(cat "$T/drive.out")
	echo "+ ptydrive -> $RC: $(cat "$T/drive.err")" >&2
}

test_exec_tty_foreground() {
	make_bundle
	exec_target
	drive -e '# ' -s 'echo out-$((6*7)); tty; stty size; echo done\r' -e 'done' -s 'exit 5\r' -- \
		sh -c 'stty -g >"$0/before"; "$1" --root "$2" exec -t ex-t sh; echo "rc=$?"; stty -g >"$0/after"' \
		"$T" "$CELL" "$ROOT"
	note "$OUT"
	assert_eq 0 "$RC" "ptydrive"
	assert_contains "$OUT" "out-42" "the shell ran the typed command"
	# The container's devpts (its init has no terminal: pty 0).
	assert_match "$OUT" '^/dev/pts/0' "the shell's terminal"
	assert_contains "$OUT" "rc=5" "exit code through exec -t"
	assert_eq "$(cat "$T/before")" "$(cat "$T/after")" "the caller's terminal settings after exec -t"
	rt delete -f ex-t
}

test_exec_tty_console_socket() {
	make_bundle
	exec_target
	consock_start -e 'ready' -s 'hello\r' -e 'got=hello' --eof
	ex -t -d --console-socket "$T/cs" --pid-file "$T/p" ex-t sh -c 'echo ready; read line; echo "got=$line"; tty; exit 4'
	assert_rc 0
	local pid
	pid=$(cat "$T/p")
	assert_eq 0 "$(ls -l "/proc/$pid/fd/" | grep -c ptmx || true)" "ptmx fds kept by the exec'd process"
	consock_wait
	assert_eq 0 "$CS_RC" "receiver"
	assert_match "$CS_OUT" '^master: ptmx 0' "pty of the container's devpts"
	assert_contains "$CS_OUT" "got=hello" "input written to the master reached the shell"
	assert_contains "$CS_OUT" "/dev/pts/0" "tty of the exec'd shell"
	# Misuse is refused before anything runs.
	ex -t -d ex-t true
	assert_contains "$ERR" "--console-socket"
	ex --console-socket "$T/cs" ex-t true
	assert_contains "$ERR" "--tty"
	rt delete -f ex-t
}

test_exec_attach_shell() {
	make_bundle
	exec_target
	drive -e '# ' -s 'echo "env=$HOME,$USER,$LOGNAME,$TERM"; tty; echo done\r' -e 'done' -s 'exit 3\r' -- \
		env TERM=vt220 "$CELL" --root "$ROOT" attach ex-t
	note "$OUT"
	assert_eq 3 "$RC" "exit code of attach"
	assert_contains "$OUT" "env=/root,root,root,vt220" "HOME, USER, LOGNAME, TERM"
	assert_match "$OUT" '^/dev/pts/[0-9]+' "the shell's terminal"
	drive -e '\$ ' -s 'echo "env=$HOME,$USER,$(id -u)"; exit\r' -- "$CELL" --root "$ROOT" attach -u 1000 ex-t
	assert_eq 0 "$RC" "attach -u 1000"
	assert_contains "$OUT" "env=/home/user,user,1000" "HOME and USER of uid 1000"
	drive -- "$CELL" --root "$ROOT" attach ex-t sh -c 'echo cmd-ran; exit 6'
	assert_eq 6 "$RC" "attach with a command"
	assert_contains "$OUT" "cmd-ran"
	rt delete -f ex-t
}

# ---------------------------------------------------------------------
# seccomp: the container's filter holds for exec'd processes too.

test_exec_seccomp_of_the_container() {
	make_bundle
	cfg 'linux.seccomp={"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}'
	exec_target
	ex ex-t sh -c 'mkdir /dev/shm/d 2>&1; echo "mkdir=$?"; grep Seccomp: /proc/self/status'
	assert_contains "$OUT" "Operation not permitted"
	assert_contains "$OUT" "mkdir=1"
	assert_contains "$OUT" "Seccomp:	2" "seccomp mode of the exec'd process"
	# no_new_privs false: the filter went in with CAP_SYS_ADMIN held, then it was dropped.
	cfg process.noNewPrivileges=false
	exec_target ex-t2
	ex ex-t2 sh -c 'mkdir /dev/shm/d 2>&1; echo "mkdir=$?"; grep -E "^(CapEff|NoNewPrivs)" /proc/self/status'
	assert_contains "$OUT" "mkdir=1"
	assert_contains "$OUT" "NoNewPrivs:	0"
	assert_eq "$(grep CapEff "/proc/$(ctr_pid ex-t2)/status")" "$(echo "$OUT" | grep CapEff)" "capabilities after the filter"
	rt delete -f ex-t
	rt delete -f ex-t2
}

# ---------------------------------------------------------------------
# --user by name: the container's /etc/passwd and /etc/group (the test
# rootfs: user 1000, a member of extra 2000 and more 3000), read through
# its root, never the host's.

# ids ARGS...: exec ARGS... ex-t, printing "uid gid [groups]" from /proc.
ids() {
	ex "$@" ex-t sh -c 'u=$(sed -n "s/^Uid:\t\([0-9]*\).*/\1/p" /proc/self/status)
g=$(sed -n "s/^Gid:\t\([0-9]*\).*/\1/p" /proc/self/status)
s=$(sed -n "s/^Groups:[[:space:]]*//p" /proc/self/status)
echo "$u $g [${s% }]"'
}

test_exec_user_names() {
	make_bundle
	exec_target
	ids --user user
	assert_rc 0
	assert_eq "1000 1000 [2000 3000]" "$OUT" "--user user: passwd's gid, the groups naming it"
	ids --user user:extra
	assert_eq "1000 2000 [2000 3000]" "$OUT" "--user user:extra"
	ids --user user:65534
	assert_eq "1000 65534 [2000 3000]" "$OUT" "--user user:65534"
	ids --user 1000:more
	assert_eq "1000 3000 []" "$OUT" "--user 1000:more (a number: no groups looked up)"
	ids --user root
	assert_eq "0 0 []" "$OUT" "--user root"
	ids --user user -g 4000
	assert_eq "1000 1000 [2000 3000 4000]" "$OUT" "--user user -g 4000"
	ids --user 1000
	assert_eq "1000 0 []" "$OUT" "--user 1000 as before: the config's gid"
	ex --user nosuch ex-t true
	assert_ne 0 "$RC" "unknown user"
	assert_eq "cell: exec: --user \`nosuch\`: no such user in the container's /etc/passwd" "$ERR" "unknown user error"
	ex --user user:nosuch ex-t true
	assert_eq "cell: exec: --user \`nosuch\`: no such group in the container's /etc/group" "$ERR" "unknown group error"
	for u in : user: :extra 'user:extra:x'; do
		ex --user "$u" ex-t true
		assert_eq "cell: exec: --user \`$u\`: expected USER[:GROUP] (names or numbers)" "$ERR" "--user '$u'"
	done
	# attach takes names too.
	drive -e '\$ ' -s 'echo "env=$HOME,$USER,$(id -u),$(id -g)"; exit\r' -- "$CELL" --root "$ROOT" attach -u user ex-t
	assert_eq 0 "$RC" "attach -u user"
	assert_contains "$OUT" "env=/home/user,user,1000,1000" "attach -u user"
	rt delete -f ex-t
}

# The files are the container's, whatever its mounts and links: a bind
# mount over /etc/passwd counts; an absolute symlink resolves inside the
# container's root (never to the host's file of that name); a FIFO is
# refused, not waited on.
test_exec_user_names_inside_root() {
	make_bundle
	printf 'evil:x:4242:4242::/:/bin/sh\n' >"$T/host-passwd"
	printf 'alt:x:1234:1234::/:/bin/sh\n' >"$T/alt-passwd"
	add_bind "$T/alt-passwd" /etc/passwd ro
	exec_target
	ids --user alt
	assert_eq "1234 1234 []" "$OUT" "a user of the bind-mounted /etc/passwd"
	rt delete -f ex-t
	cfg 'mounts-={"destination":"/etc/passwd"}'
	rm "$B/rootfs/etc/passwd"
	ln -s "../../../../../../..$T/host-passwd" "$B/rootfs/etc/passwd"
	exec_target
	ex --user evil ex-t true
	assert_ne 0 "$RC" "a user of the host's file through a symlink"
	assert_contains "$ERR" "exec: --user: the container's /etc/passwd" "the error names the container's file"
	ln -sf "$T/host-passwd" "$B/rootfs/etc/passwd"
	ex --user evil ex-t true
	assert_ne 0 "$RC" "absolute symlink to the host's file"
	mkdir -p "$B/rootfs/$T"
	printf 'evil:x:4343:4343::/:/bin/sh\n' >"$B/rootfs/$T/host-passwd"
	ids --user evil:4343
	assert_eq "4343 4343 []" "$OUT" "the symlink resolved in the container's root"
	rm "$B/rootfs/etc/group"
	ids --user evil
	assert_eq "4343 4343 []" "$OUT" "no /etc/group: no groups"
	mkfifo "$B/rootfs/etc/group"
	ex --user 1000:nosuch ex-t true
	assert_ne 0 "$RC" "a FIFO as /etc/group"
	assert_contains "$ERR" "exec: --user: the container's /etc/group is not a regular file" "FIFO refused"
	rt delete -f ex-t
}
