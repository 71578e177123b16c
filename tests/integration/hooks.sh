# shellcheck shell=bash disable=SC2016 # sh -c scripts are single-quoted on purpose
# OCI hooks: each kind once, at its moment, in its namespaces, with the
# state on stdin, args and env; timeouts; failures that fail create/start
# (leaving nothing behind) and those that only warn. Sourced by tests/lib.sh.

# The hook every test uses: `hook KIND DIR [EXTRA...]` saves its stdin as
# DIR/KIND.json, what it sees as DIR/KIND.info, and appends KIND to
# DIR/order. The same script runs on the host and, copied into the rootfs
# as /hook (busybox sh), inside the container.
HOOK_SCRIPT='#!/bin/sh
kind=$1 dir=$2
cat >"$dir/$kind.json"
{
	echo "args=$*"
	echo "argv0=$0"
	echo "env=$(env | grep "^HOOK_" | sort | tr "\n" " ")"
	echo "mnt=$(readlink /proc/self/ns/mnt)"
	echo "pidns=$(readlink /proc/self/ns/pid)"
	if [ -e "$dir/program" ]; then echo program=ran; else echo program=not-yet; fi
	if [ -e /hook-root-marker ]; then echo root=container; else echo root=host; fi
} >"$dir/$kind.info"
echo "$kind" >>"$dir/order"
'

hooks_setup() {
	make_bundle
	share_dir
	printf '%s' "$HOOK_SCRIPT" >"$T/hook"
	printf '%s' "$HOOK_SCRIPT" >"$B/rootfs/hook"
	touch "$B/rootfs/hook-root-marker"
	chmod 0755 "$T/hook" "$B/rootfs/hook"
	mkdir -p "$ROOT"
	HOOK_ENV="[\"PATH=/usr/sbin:/usr/bin:/sbin:/bin\",\"HOOK_A=1\",\"HOOK_B=two words\",\"CELL_TEST_CTR=$CELL_TEST_TAG\"]"
}

hook_json() { # KIND [PATH [DIR]]: one hook object of the common script
	local path=${2:-$T/hook} dir=${3:-$SHARED}
	printf '{"path":"%s","args":["hook","%s","%s"],"env":%s}' "$path" "$1" "$dir" "$HOOK_ENV"
}

all_hooks() { # the six kinds; startContainer runs the copy in the rootfs
	printf '{"prestart":[%s],"createRuntime":[%s],"createContainer":[%s],' \
		"$(hook_json prestart)" "$(hook_json createRuntime)" "$(hook_json createContainer)"
	printf '"startContainer":[%s],"poststart":[%s],"poststop":[%s]}' \
		"$(hook_json startContainer /hook /shared)" "$(hook_json poststart)" "$(hook_json poststop)"
}

order() {
	tr '\n' ' ' <"$SHARED/order" 2>/dev/null | sed 's/ $//'
}

hook_field() { # KIND KEY: a line of KIND.info
	sed -n "s/^$2=//p" "$SHARED/$1.info"
}

check_state() { # KIND STATUS PID
	local j="$SHARED/$1.json"
	[ -s "$j" ] || fail "$1 hook got no state on stdin"
	assert_eq "$2" "$(jget status <"$j")" "$1 hook: state.status"
	assert_eq "$3" "$(jget pid <"$j")" "$1 hook: state.pid"
	assert_eq c1 "$(jget id <"$j")" "$1 hook: state.id"
	assert_eq "$(readlink -f "$B")" "$(jget bundle <"$j")" "$1 hook: state.bundle"
	assert_eq '{"org.test": "1"}' "$(jget annotations <"$j")" "$1 hook: state.annotations"
}

test_hooks_each_kind_at_its_moment() {
	hooks_setup
	cfg "hooks=$(all_hooks)" 'annotations={"org.test":"1"}'
	cfg_sh 'touch /shared/program; exec sleep 600'
	ctr_create c1
	local pid cmnt cpidns
	pid=$(ctr_pid c1)
	cmnt=$(readlink "/proc/$pid/ns/mnt")
	cpidns=$(readlink "/proc/$pid/ns/pid")
	assert_eq "prestart createRuntime createContainer" "$(order)" "hooks run by create"
	for k in prestart createRuntime createContainer; do
		check_state "$k" creating "$pid"
		assert_eq not-yet "$(hook_field "$k" program)" "$k: the program has not run"
	done
	# Runtime namespace: the host's mount and pid namespaces.
	for k in prestart createRuntime; do
		assert_eq "$(host_ns mnt)" "$(hook_field "$k" mnt)" "$k: mount namespace"
		assert_eq "$(host_ns pid)" "$(hook_field "$k" pidns)" "$k: pid namespace"
	done
	# Container namespaces, before pivot_root (the host's tree is still /).
	assert_eq "$cmnt" "$(hook_field createContainer mnt)" "createContainer: mount namespace"
	assert_eq "$cpidns" "$(hook_field createContainer pidns)" "createContainer: pid namespace"
	assert_eq host "$(hook_field createContainer root)" "createContainer: runs before pivot_root"
	# args and env as given (argv[0] is args[0], env exactly the list).
	assert_eq "createRuntime $SHARED" "$(hook_field createRuntime args)" "hook args"
	assert_eq "HOOK_A=1 HOOK_B=two words " "$(hook_field createRuntime env)" "hook env"

	assert_ok rt start c1
	wait_for 10 test -e "$SHARED/program" || fail "program did not start"
	assert_eq "prestart createRuntime createContainer startContainer poststart" "$(order)" \
		"hooks run by start"
	check_state startContainer created "$pid"
	assert_eq not-yet "$(hook_field startContainer program)" "startContainer: before the program"
	assert_eq container "$(hook_field startContainer root)" "startContainer: in the container's root"
	assert_eq "$cmnt" "$(hook_field startContainer mnt)" "startContainer: mount namespace"
	assert_eq "$cpidns" "$(hook_field startContainer pidns)" "startContainer: pid namespace"
	check_state poststart running "$pid"
	assert_eq "$(host_ns mnt)" "$(hook_field poststart mnt)" "poststart: runtime namespace"

	assert_ok rt kill c1 KILL
	wait_status c1 stopped
	assert_eq "prestart createRuntime createContainer startContainer poststart" "$(order)" \
		"nothing runs at the exit"
	assert_ok rt delete c1
	assert_eq "prestart createRuntime createContainer startContainer poststart poststop" "$(order)"
	check_state poststop stopped 0
	assert_eq "$(host_ns mnt)" "$(hook_field poststop mnt)" "poststop: runtime namespace"
}

test_hooks_foreground_run() {
	hooks_setup
	cfg "hooks=$(all_hooks)" 'annotations={"org.test":"1"}'
	cfg_sh 'touch /shared/program; exit 7'
	ctr_run c1
	assert_rc 7
	assert_eq "prestart createRuntime createContainer startContainer poststart poststop" "$(order)"
	assert_eq creating "$(jget status <"$SHARED/createRuntime.json")"
	assert_eq created "$(jget status <"$SHARED/startContainer.json")"
	assert_eq stopped "$(jget status <"$SHARED/poststop.json")"
	[ ! -e "$ROOT/c1" ] || fail "state dir left after run"
}

test_hook_without_args_or_env() {
	hooks_setup
	# argv[0] defaults to the path; no env at all.
	printf '#!/bin/sh\necho "$0 $# $(wc -c </proc/$$/environ)" >%s/bare\n' "$SHARED" >"$T/bare"
	chmod 0755 "$T/bare"
	cfg "hooks={\"createRuntime\":[{\"path\":\"$T/bare\"}]}"
	cfg_args true
	ctr_run c1
	assert_rc 0
	assert_eq "$T/bare 0 0" "$(cat "$SHARED/bare")" "argv[0], argc, bytes of environment"
}

# What a failed create must leave: nothing (no state, cgroup, process, mount).
expect_nothing_left() { # ID
	[ ! -e "$ROOT/$1" ] || fail "state dir $ROOT/$1 left behind"
	assert_eq absent "$(ctr_status "$1")" "status"
	assert_eq "" "$(leftover_procs)" "processes left behind"
	assert_eq "$BEFORE" "$(my_mounts)" "host mounts below the test's directory"
	assert_eq "" "$(cg_dirs "$1")" "cgroup directories left behind"
}

my_mounts() { # other tests may mount meanwhile: only ours count
	mounts_snapshot | grep -F "$T" || true
}

cg_dirs() { # ID: the container's default cgroup directories, in every hierarchy
	local scope
	scope=$(root_scope "$ROOT")
	find /sys/fs/cgroup -maxdepth 6 -type d -path "*/cell/$scope/$1" 2>/dev/null
}

failing_hook() { # KIND: a hook that prints and exits 3
	printf '{"%s":[{"path":"/bin/sh","args":["sh","-c","echo out-of-hook; echo boom >&2; exit 3"]}]}' "$1"
}

test_failing_create_runtime_hook_fails_create() {
	hooks_setup
	cfg "hooks=$(failing_hook createRuntime)"
	cfg "hooks.poststop=[$(hook_json poststop)]"
	cfg_args sleep 600
	BEFORE=$(my_mounts)
	try rt create -b "$B" c1
	[ "$RC" != 0 ] || fail "create succeeded with a failing createRuntime hook"
	assert_one_line "$ERR"
	assert_match "$ERR" 'createRuntime hook #0 `/bin/sh`: exit status 3: out-of-hook boom' "error"
	expect_nothing_left c1
	# The undo ends as a delete does: poststop ran.
	assert_eq poststop "$(order)" "hooks run after the failed create"
	assert_eq stopped "$(jget status <"$SHARED/poststop.json")"
}

test_failing_prestart_and_create_container_hooks_fail_create() {
	hooks_setup
	cfg_args sleep 600
	BEFORE=$(my_mounts)
	for k in prestart createContainer; do
		cfg "hooks=$(failing_hook $k)"
		try rt create -b "$B" c1
		[ "$RC" != 0 ] || fail "create succeeded with a failing $k hook"
		assert_one_line "$ERR"
		assert_match "$ERR" "$k hook #0 \`/bin/sh\`: exit status 3" "$k error"
		expect_nothing_left c1
	done
	# A missing executable says so (podman maps the words to 127).
	cfg 'hooks={"createRuntime":[{"path":"/nonexistent/hook"}]}'
	try rt create -b "$B" c1
	assert_match "$ERR" 'createRuntime hook #0 `/nonexistent/hook`: exit status 127: exec: no such file or directory'
	expect_nothing_left c1
}

test_hook_timeout_kills_it_and_fails_create() {
	hooks_setup
	cfg "hooks={\"createRuntime\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"echo \$\$ >$SHARED/hung; exec sleep 60\"],\"env\":$HOOK_ENV,\"timeout\":1}]}"
	cfg_args sleep 600
	BEFORE=$(my_mounts)
	local t0 ms hung
	t0=$(date +%s%N)
	try rt create -b "$B" c1
	ms=$((($(date +%s%N) - t0) / 1000000))
	note "create with a hook hanging past its 1 s timeout failed after $ms ms"
	[ "$RC" != 0 ] || fail "create succeeded with a hanging hook"
	assert_match "$ERR" 'createRuntime hook #0 `/bin/sh`: timed out after 1 s \(killed\)'
	[ "$ms" -ge 900 ] && [ "$ms" -lt 5000 ] || fail "create failed after $ms ms, not after ~1 s"
	hung=$(cat "$SHARED/hung")
	pid_alive "$hung" && fail "hung hook $hung still alive"
	expect_nothing_left c1
}

test_failing_start_container_hook_fails_start() {
	hooks_setup
	cfg "hooks={\"startContainer\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"echo start-boom; exit 5\"]}]}"
	cfg_sh 'touch /shared/program; exec sleep 600'
	ctr_create c1
	local pid
	pid=$(ctr_pid c1)
	assert_fail rt start c1
	assert_one_line "$ERR"
	assert_match "$ERR" 'start `c1`: startContainer hook #0 `/bin/sh`: exit status 5: start-boom' "start error"
	wait_for 10 eval "! pid_alive $pid" || fail "init $pid alive after its startContainer hook failed"
	[ ! -e "$SHARED/program" ] || fail "the program ran although startContainer failed"
	assert_eq stopped "$(ctr_status c1)"
	assert_ok rt delete c1
	# run: the same failure fails the run and leaves nothing.
	BEFORE=$(my_mounts)
	ctr_run c2
	[ "$RC" != 0 ] || fail "run succeeded with a failing startContainer hook"
	assert_match "$ERR" 'startContainer hook #0 `/bin/sh`: exit status 5: start-boom'
	[ ! -e "$SHARED/program" ] || fail "the program ran although startContainer failed"
	expect_nothing_left c2
}

test_failing_poststart_and_poststop_only_warn() {
	hooks_setup
	cfg "hooks={\"poststart\":[{\"path\":\"/bin/false\"},$(hook_json poststart)],\"poststop\":[{\"path\":\"/bin/false\"},$(hook_json poststop)]}"
	cfg_sh 'touch /shared/program; exec sleep 600'
	ctr_create c1
	assert_ok rt start c1
	assert_contains "$ERR" 'poststart hook #0 `/bin/false`: exit status 1' "start's warning"
	assert_eq running "$(ctr_status c1)"
	assert_eq poststart "$(order)" "the next poststart hook still ran"
	assert_ok rt delete --force c1
	assert_contains "$ERR" 'poststop hook #0 `/bin/false`: exit status 1' "delete's warning"
	assert_eq "poststart poststop" "$(order)" "the next poststop hook still ran"
	[ ! -e "$ROOT/c1" ] || fail "state dir left after delete"
}

test_hooks_kept_from_create_time() {
	hooks_setup
	cfg "hooks={\"poststop\":[$(hook_json poststop)]}"
	cfg_args true
	ctr_detach c1
	# config.json changes after create do not affect the container.
	cfg --del hooks
	wait_status c1 stopped
	assert_ok rt delete c1
	assert_eq poststop "$(order)"
}

test_poststart_hook_may_ask_state() {
	hooks_setup
	local cell
	cell=$(command -v "$CELL")
	cfg "hooks={\"poststart\":[{\"path\":\"$cell\",\"args\":[\"cell\",\"--root\",\"$ROOT\",\"state\",\"c1\"],\"timeout\":5}]}"
	cfg_args sleep 600
	ctr_create c1
	assert_ok rt start c1
	assert_not_contains "$ERR" "poststart" "start's warnings"
	assert_eq running "$(ctr_status c1)"
	ctr_detach c2
	assert_not_contains "$(cat "$T/c2.err")" "poststart" "run -d's warnings"
	assert_eq running "$(ctr_status c2)"
}
