# shellcheck shell=bash disable=SC2016 # sh -c scripts are single-quoted on purpose
# linux.seccomp: profiles compiled by cell, checked from inside containers
# with busybox and two tiny static helpers built here (tests/helpers/):
# sctest makes one raw syscall and prints "ok RET" or "errno N"; i386 is a
# 32-bit program making int 0x80 calls.

PODMAN_PROFILE=/usr/share/containers/seccomp.json

# sc_helpers: build the helpers once per run and put them in $B/rootfs/bin.
sc_helpers() {
	local out="$RUN_DIR/sc-bin"
	if [ ! -x "$out/sctest" ]; then
		mkdir -p "$out.tmp.$$"
		gcc -O2 -static -o "$out.tmp.$$/sctest" "$TESTS_DIR/helpers/sctest.c" ||
			fail "cannot build the sctest helper"
		if [ "$(uname -m)" = x86_64 ]; then
			gcc -m32 -O2 -static -nostdlib -fno-pie -no-pie -o "$out.tmp.$$/i386" \
				"$TESTS_DIR/helpers/i386.c" || fail "cannot build the i386 helper (gcc-multilib)"
		fi
		rm -rf "$out"
		mv "$out.tmp.$$" "$out"
	fi
	cp "$out"/* "$B/rootfs/bin/"
}

# sc_profile JSON: linux.seccomp of $B/config.json (and a writable root,
# so that what the filter does not stop can succeed).
sc_profile() {
	cfg "linux.seccomp=$1" root.readonly=false
}

deny_mkdir='{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}'

test_sc_mkdir_denied() {
	make_bundle
	sc_profile "$deny_mkdir"
	cfg_sh 'mkdir /tmp/d 2>&1; echo "mkdir=$?"; echo hi >/tmp/f && cat /tmp/f && rm /tmp/f && ls / | grep -c . && echo done'
	ctr_run sc-c1
	assert_rc 0
	assert_contains "$OUT" "Operation not permitted"
	assert_contains "$OUT" "mkdir=1"
	assert_contains "$OUT" "hi"
	assert_contains "$OUT" "done"
	# The same container without the profile makes the directory.
	cfg --del linux.seccomp
	ctr_run sc-c2
	assert_rc 0
	assert_contains "$OUT" "mkdir=0"
}

# create + start: the filter is in place before create returns, and the
# exec.fifo wait and execve still work under it.
test_sc_create_start() {
	make_bundle
	share_dir
	sc_profile "$deny_mkdir"
	cfg_sh 'mkdir /tmp/d 2>/shared/err; echo "mkdir=$?" >/shared/out'
	ctr_create sc-c1
	rt start sc-c1 || fail "start failed"
	wait_for 10 test -s "$SHARED/out" || fail "the container wrote nothing"
	assert_eq "mkdir=1" "$(cat "$SHARED/out")"
	assert_contains "$(cat "$SHARED/err")" "Operation not permitted"
	rt delete --force sc-c1
}

# Without no_new_privs seccomp(2) needs CAP_SYS_ADMIN: cell keeps it
# through the switch to the user and drops it once the filter is in; the
# program must not see it.
test_sc_user_without_nnp() {
	make_bundle
	sc_profile "$deny_mkdir"
	cfg 'process.noNewPrivileges=false' 'process.user={"uid":1000,"gid":1000}'
	cfg_sh 'mkdir /tmp/d 2>&1; echo "mkdir=$?"; grep -E "^(CapEff|CapPrm|NoNewPrivs|Seccomp):" /proc/self/status'
	ctr_run sc-c1
	assert_rc 0
	note "$OUT"
	assert_contains "$OUT" "Operation not permitted"
	assert_match "$OUT" "Seccomp:[[:space:]]+2"
	assert_match "$OUT" "NoNewPrivs:[[:space:]]+0"
	assert_match "$OUT" "CapEff:[[:space:]]+0000000000000000"
	assert_match "$OUT" "CapPrm:[[:space:]]+0000000000000000"
	# As root with the default capabilities (no CAP_SYS_ADMIN) too.
	cfg 'process.user={"uid":0,"gid":0}'
	ctr_run sc-c2
	assert_rc 0
	assert_contains "$OUT" "Operation not permitted"
	assert_match "$OUT" "CapEff:[[:space:]]+0000000020000420"
}

test_sc_personality_one_value() {
	make_bundle
	sc_helpers
	# personality is allowed for PER_LINUX32 (8) only.
	sc_profile '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["personality"],"action":"SCMP_ACT_ERRNO","errnoRet":1,"args":[{"index":0,"value":8,"op":"SCMP_CMP_NE"}]}]}'
	cfg_sh 'sctest personality 8; sctest personality 0; sctest personality 0x100000008; sctest personality 0xffffffff'
	ctr_run sc-c1
	assert_rc 0
	note "$OUT"
	assert_eq "ok 0
errno 1
errno 1
errno 1" "$OUT"
}

# A value above 2^32 compares on both halves: equal low words with a
# different high word, or the reverse, do not match.
test_sc_arg_above_2_32() {
	make_bundle
	sc_helpers
	sc_profile '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[
		{"names":["lseek"],"action":"SCMP_ACT_ERRNO","errnoRet":33,"args":[{"index":1,"value":4294967301,"op":"SCMP_CMP_EQ"}]},
		{"names":["lseek"],"action":"SCMP_ACT_ERRNO","errnoRet":34,"args":[{"index":1,"value":8589934592,"op":"SCMP_CMP_GT"}]}]}'
	cfg_sh 'for v in 0x100000005 0x5 0x200000005 0x100000006 0x200000000 0x300000000; do sctest lseek 3 $v 0 3</etc/passwd; done'
	ctr_run sc-c1
	assert_rc 0
	note "$OUT"
	assert_eq "errno 33
ok 5
errno 34
ok 4294967302
ok 8589934592
errno 34" "$OUT"
}

# Syscalls this build does not know (numbers above the highest of its
# tables) return ENOSYS with an errno default, so libcs fall back; known
# but unlisted ones get defaultErrnoRet.
test_sc_enosys_for_newer_syscalls() {
	make_bundle
	sc_helpers
	sc_profile '{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":1,"syscalls":[{"names":[
		"read","write","open","openat","close","fstat","newfstatat","stat","lstat","mmap","munmap","mprotect","brk",
		"rt_sigaction","rt_sigprocmask","rt_sigreturn","ioctl","access","execve","exit","exit_group","arch_prctl",
		"set_tid_address","set_robust_list","rseq","prlimit64","getrandom","uname","readlink","getpid","fcntl",
		"futex","poll","sendto","sendmsg","recvfrom","recvmsg","capset","capget","getuid","getgid","geteuid",
		"getegid","getcwd","writev","readv","lseek","statx"],"action":"SCMP_ACT_ALLOW"}]}'
	cfg_args sctest 1000
	ctr_run sc-c1
	assert_rc 0
	assert_eq "errno 38" "$OUT" "syscall 1000"
	cfg_args sctest getppid
	ctr_run sc-c2
	assert_rc 0
	assert_eq "errno 1" "$OUT" "getppid (known, not listed)"
	cfg_args sctest getpid
	ctr_run sc-c3
	assert_rc 0
	assert_match "$OUT" "^ok [0-9]+$" "getpid (listed)"
}

test_sc_i386_killed_unless_listed() {
	[ "$(uname -m)" = x86_64 ] || skip "x86_64 only"
	make_bundle
	sc_helpers
	# Some kernels run no i386 code at all (IA-32 emulation off: execve
	# returns ENOEXEC, int 0x80 faults); then there is nothing to filter.
	unshare -m sh -c 'mount -t tmpfs none /tmp && exec "$1"' - "$B/rootfs/bin/i386" ||
		skip "this kernel runs no i386 programs (IA-32 emulation off)"
	cfg_sh '/bin/i386; echo "i386=$?"'
	sc_profile '{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"]}'
	ctr_run sc-c1
	assert_rc 0
	assert_eq "i386=159" "$OUT" "killed by SIGSYS (128+31)"
	# Listed, the i386 rules apply: its mkdir (39) is denied.
	sc_profile '{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86"],"syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO","errnoRet":13}]}'
	ctr_run sc-c2
	assert_rc 0
	assert_eq "i386=13" "$OUT" "i386 mkdir denied with errnoRet"
	cfg --del linux.seccomp root.readonly=false
	ctr_run sc-c3
	assert_rc 0
	assert_eq "i386=0" "$OUT" "no filter: i386 mkdir works"
}

# x32 calls are x86_64 calls with bit 30 set in the number: a 64-bit
# program can make one whether or not the kernel runs x32 programs.
test_sc_x32_killed_unless_listed() {
	[ "$(uname -m)" = x86_64 ] || skip "x86_64 only"
	make_bundle
	sc_helpers
	cfg_sh 'sctest 0x40000027; echo "x32=$?"'
	sc_profile '{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86"]}'
	ctr_run sc-c1
	assert_rc 0
	assert_eq "x32=159" "$OUT" "x32 getpid killed by SIGSYS"
	sc_profile '{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X32"],"syscalls":[{"names":["getpid"],"action":"SCMP_ACT_ERRNO","errnoRet":77}]}'
	ctr_run sc-c2
	assert_rc 0
	assert_eq "errno 77
x32=0" "$OUT" "x32 getpid under the x32 rules"
}

# podman's default profile, read where Debian's containers-common puts it
# and converted as podman does (tests/podman-seccomp.py).
test_sc_podman_default_profile() {
	[ -r "$PODMAN_PROFILE" ] || skip "$PODMAN_PROFILE missing (apt-get install golang-github-containers-common)"
	make_bundle
	sc_helpers
	python3 "$TESTS_DIR/podman-seccomp.py" "$B/config.json" || fail "converting the profile"
	cfg root.readonly=false
	cfg_sh 'echo a b c | tr " " "\n" | sort -r | head -n 1; ls /bin | grep -c . ; ps -o pid,comm | grep -c ps;
		date +%Y >/dev/null && echo date-ok; mkdir /tmp/d && rmdir /tmp/d && echo mkdir-ok;
		sctest add_key; sctest bpf; sctest perf_event_open; sctest personality 0x1234; sctest personality 8; sctest 1000'
	ctr_run sc-c1
	assert_rc 0
	note "$OUT"
	local lines
	mapfile -t lines <<<"$OUT"
	assert_eq c "${lines[0]}" "sort"
	assert_match "${lines[1]}" "^[0-9]{3}$" "ls"
	assert_eq 1 "${lines[2]}" "ps"
	assert_eq date-ok "${lines[3]}"
	assert_eq mkdir-ok "${lines[4]}"
	assert_eq "errno 38" "${lines[5]}" "add_key (not in the profile: its default ENOSYS)"
	assert_eq "errno 1" "${lines[6]}" "bpf without CAP_SYS_ADMIN"
	assert_eq "errno 1" "${lines[7]}" "perf_event_open without CAP_SYS_ADMIN"
	assert_eq "errno 38" "${lines[8]}" "personality(0x1234)"
	assert_eq "ok 0" "${lines[9]}" "personality(PER_LINUX32)"
	assert_eq "errno 38" "${lines[10]}" "a syscall newer than the profile"
}

test_sc_malformed_profiles() {
	make_bundle
	local BEFORE
	BEFORE=$(mounts_snapshot)
	sc_profile '{"defaultAction":"SCMP_ACT_ALOW"}'
	ctr_run sc-c1
	expect_clean_failure sc-c1 'config.json: linux.seccomp.defaultAction: unsupported action `SCMP_ACT_ALOW`'
	sc_profile '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_ERRNO","args":[{"index":7,"value":1,"op":"SCMP_CMP_EQ"}]}]}'
	ctr_run sc-c2
	expect_clean_failure sc-c2 'config.json: linux.seccomp.syscalls\[0\].args\[0\].index: must be between 0 and 5'
	sc_profile '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_ERRNO","args":[{"index":1,"value":1,"op":"SCMP_CMP_EQUAL"}]}]}'
	ctr_run sc-c3
	expect_clean_failure sc-c3 'config.json: linux.seccomp.syscalls\[0\].args\[0\].op: unsupported operator `SCMP_CMP_EQUAL`'
	sc_profile '{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_65"]}'
	ctr_run sc-c4
	expect_clean_failure sc-c4 'config.json: linux.seccomp.architectures\[0\]: unsupported architecture `SCMP_ARCH_X86_65`'
	sc_profile '{"defaultAction":"SCMP_ACT_NOTIFY"}'
	ctr_run sc-c5
	expect_clean_failure sc-c5 'config.json: linux.seccomp.listenerPath: required with SCMP_ACT_NOTIFY'
	# Unknown syscall names are skipped, as libseccomp-based runtimes do,
	# with a debug line.
	sc_profile '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["no_such_syscall","mkdir"],"action":"SCMP_ACT_ERRNO"}]}'
	cfg_sh 'mkdir /tmp/d 2>&1; true'
	try rt --debug run -b "$B" sc-c6
	assert_rc 0
	assert_contains "$OUT" "Operation not permitted"
	assert_contains "$ERR" 'seccomp: syscall `no_such_syscall` unknown, skipped'
}

test_sc_dump() {
	make_bundle
	sc_profile "$deny_mkdir"
	try rt seccomp-dump "$B/config.json"
	assert_rc 0
	note "$OUT"
	assert_match "$OUT" "^# [0-9]+ instructions"
	assert_match "$OUT" "ld arch"
	assert_match "$OUT" "# mkdir"
	assert_match "$OUT" "ret ERRNO\(1\)"
	assert_match "$OUT" "ret KILL_PROCESS"
	cfg --del linux.seccomp
	try rt seccomp-dump "$B/config.json"
	[ "$RC" != 0 ] || fail "seccomp-dump without linux.seccomp succeeded"
	assert_contains "$ERR" "no linux.seccomp"
}

# SCMP_ACT_NOTIFY: the listener gets the fd and the state, and answers
# the container's mkdir with EXDEV (18).
test_sc_notify_listener() {
	make_bundle
	local sock="$T/listener.sock" got="$T/listener.json" lpid
	sc_profile "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"$sock\",\"listenerMetadata\":\"meta-1\",
		\"syscalls\":[{\"names\":[\"mkdir\",\"mkdirat\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}"
	cfg 'annotations={"org.test.a":"b"}'
	cfg_sh 'mkdir /tmp/n 2>&1; echo "mkdir=$?"; [ -d /tmp/n ] || echo absent'
	python3 "$TESTS_DIR/seccomp-listener.py" "$sock" "$got" 18 &
	lpid=$!
	wait_for 10 test -S "$sock" || fail "listener did not start"
	ctr_run sc-c1
	wait "$lpid" || fail "listener failed"
	assert_rc 0
	note "$OUT"
	assert_contains "$OUT" "Invalid cross-device link"
	assert_contains "$OUT" "mkdir=1"
	assert_contains "$OUT" "absent"
	local j
	j=$(cat "$got")
	note "$j"
	assert_eq '["seccompFd"]' "$(jget state.fds <<<"$j")" "fds"
	assert_eq meta-1 "$(jget state.metadata <<<"$j")" "metadata"
	assert_eq sc-c1 "$(jget state.state.id <<<"$j")" "state.id"
	assert_eq creating "$(jget state.state.status <<<"$j")" "state.status"
	assert_eq '{"org.test.a": "b"}' "$(jget state.state.annotations <<<"$j")" "annotations"
	assert_eq "$(jget state.pid <<<"$j")" "$(jget state.state.pid <<<"$j")" "pid"
	case "$(jget nr <<<"$j")" in 83 | 258) ;; *) fail "notified syscall $(jget nr <<<"$j"), not mkdir/mkdirat" ;; esac
	# No listener at listenerPath: create fails cleanly, naming it.
	local BEFORE
	BEFORE=$(mounts_snapshot)
	ctr_run sc-c2
	expect_clean_failure sc-c2 "seccomp listener: connect \`$sock\`"
}

# features lists what the kernel really runs; every listed flag and action
# works in a profile.
test_sc_features_and_flags() {
	make_bundle
	local f
	f=$(rt features) || fail "features failed"
	local sc
	sc=$(jget linux.seccomp <<<"$f")
	note "$sc"
	assert_eq true "$(jget enabled <<<"$sc")"
	assert_contains "$(jget operators <<<"$sc")" SCMP_CMP_MASKED_EQ
	assert_contains "$(jget actions <<<"$sc")" SCMP_ACT_ERRNO
	assert_contains "$(jget archs <<<"$sc")" "SCMP_ARCH_$(uname -m | tr a-z A-Z)"
	local flags
	flags=$(jget supportedFlags <<<"$sc" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)))')
	[ "$flags" != "[]" ] || fail "no supported flags"
	sc_profile "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":$flags,\"syscalls\":[{\"names\":[\"mkdir\",\"mkdirat\"],\"action\":\"SCMP_ACT_LOG\"},{\"names\":[\"acct\"],\"action\":\"SCMP_ACT_TRAP\"}]}"
	cfg_sh 'mkdir /tmp/d && echo made; sh -c "exit 3"; echo "sh=$?"'
	ctr_run sc-c1
	assert_rc 0
	assert_contains "$OUT" made
	assert_contains "$OUT" "sh=3"
}

# What podman's default profile intends to block, taken from the profile
# itself (tests/podman-probes.py): every call its rules deny with an
# errno, a few it does not list (its default, ENOSYS), and some it allows.
# Each probe runs in one container under the profile and in one without;
# denied calls give the profile's errno (and many differ from what the
# kernel alone says, so the filter is what stops them); allowed ones give
# exactly the kernel's result. Debian's containers-common 0.50.1 allows
# keyctl and unshare (user namespaces) on purpose: the kernel decides.
test_sc_podman_profile_blocks_what_it_intends() {
	[ -r "$PODMAN_PROFILE" ] || skip "$PODMAN_PROFILE missing (apt-get install golang-github-containers-common)"
	make_bundle
	sc_helpers
	cfg root.readonly=false
	python3 "$TESTS_DIR/podman-seccomp.py" "$B/config.json" || fail "converting the profile"
	local probes script name nr args expect
	probes=$(python3 "$TESTS_DIR/podman-probes.py" "$B/config.json") || fail "listing the probes"
	script=$(while IFS='|' read -r call expect; do
		read -r name nr args <<<"$call"
		echo "printf '%s ' $name; sctest $nr $args"
	done <<<"$probes")
	cfg_sh "$script"
	ctr_run sc-c1
	assert_rc 0
	local filtered=$OUT
	cfg --del linux.seccomp
	ctr_run sc-c2
	assert_rc 0
	local plain=$OUT
	local n=0 differ=0 got base
	while IFS='|' read -r call expect; do
		read -r name nr args <<<"$call"
		expect=${expect# }
		got=$(awk -v n="$name" '$1 == n { $1 = ""; sub(/^ /, ""); sub(/^ok .*/, "ok"); print }' <<<"$filtered")
		base=$(awk -v n="$name" '$1 == n { $1 = ""; sub(/^ /, ""); sub(/^ok .*/, "ok"); print }' <<<"$plain")
		if [ "$expect" = kernel ]; then
			assert_eq "$base" "$got" "$name (allowed by the profile: the kernel's result)"
		else
			assert_eq "$expect" "$got" "$name (denied by the profile)"
			[ "$got" = "$base" ] || differ=$((differ + 1))
		fi
		n=$((n + 1))
	done <<<"$probes"
	note "$n probes, $differ denied ones differ from the kernel's own result"
	note "under the profile: $(xargs <<<"$filtered")"
	note "without a filter: $(xargs <<<"$plain")"
	[ "$n" -ge 30 ] || fail "only $n probes"
	[ "$differ" -ge 5 ] || fail "only $differ denied calls differ from the unfiltered result: is the filter there?"
	# Named ones: the key syscalls not in the profile, and a user namespace
	# (allowed by this profile) made by the kernel's rules.
	assert_contains "$filtered" "add_key errno 38"
	assert_contains "$filtered" "request_key errno 38"
	assert_eq "$(grep '^unshare ' <<<"$plain")" "$(grep '^unshare ' <<<"$filtered")" "unshare(CLONE_NEWUSER)"
}

# Every action, run by the kernel on one call (sched_yield) of a one-thread
# program: the kill actions and TRAP end it by SIGSYS (128+31), ERRNO
# returns errnoRet, TRACE without a tracer ENOSYS, LOG and ALLOW let it run.
test_sc_every_action() {
	make_bundle
	sc_helpers
	local action want
	for action in KILL:159 KILL_THREAD:159 KILL_PROCESS:159 TRAP:159 'ERRNO:errno 7 0' 'TRACE:errno 38 0' \
		'LOG:ok 0' 'ALLOW:ok 0'; do
		want=${action#*:}
		action=${action%%:*}
		sc_profile "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"sched_yield\"],\"action\":\"SCMP_ACT_$action\",\"errnoRet\":7}]}"
		cfg_sh 'sctest 24 >/tmp/o; r=$?; sed "s/^ok [0-9]*/ok/" /tmp/o | tr "\n" " "; echo $r'
		ctr_run sc-act
		assert_rc 0
		assert_eq "$want" "$OUT" "SCMP_ACT_$action (output, exit code)"
	done
}
