#!/bin/bash
# Integration-test harness for cell (see tests/README.md).
#
# tests/run.sh sources this file to prepare a run and to clean up after
# each test; each test runs in a process of its own as
#   bash tests/lib.sh --run-one FILE TEST TESTDIR
# which sources this file and FILE, then calls the function TEST.
#
# A test sees:
#   CELL    the runtime under test (an absolute path)
#   T       its own empty directory, removed afterwards
#   ROOT    a private --root state directory ($T/state)
#   B       the default bundle directory ($T/bundle; made by make_bundle)
#   SHARED  a host directory a container can get at /shared (share_dir)
#   CG_TAG  a tag for the names of cgroups the test picks (cgroupsPath):
#           only new cgroups that carry it, or are below the default scope
#           of $ROOT, count as the test's own (see cgroups_leaked)
# A test passes when it returns, fails on a failed assertion or command,
# and is skipped by `skip REASON`.

TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$TESTS_DIR")
SKIP_RC=77

# --------------------------------------------------------------------
# Assertions. Each prints what was expected and what came, then fails.

# fail MESSAGE: fail the test, also from inside $(...): the marker file
# makes the test's exit status non-zero even if a subshell called fail.
fail() {
	echo "FAIL: $*" >&2
	: >"$T/.failed" 2>/dev/null
	exit 1
}

skip() {
	echo "SKIP: $*" >&2
	exit "$SKIP_RC"
}

note() {
	echo "# $*" >&2
}

assert_eq() { # EXPECTED ACTUAL [WHAT]
	[ "$1" = "$2" ] && return 0
	fail "${3:-value}: expected [$1], got [$2]"
}

assert_ne() { # UNEXPECTED ACTUAL [WHAT]
	[ "$1" != "$2" ] && return 0
	fail "${3:-value}: expected anything but [$1]"
}

assert_contains() { # HAYSTACK NEEDLE [WHAT]
	case "$1" in *"$2"*) return 0 ;; esac
	fail "${3:-output}: expected to contain [$2], got [$1]"
}

assert_not_contains() { # HAYSTACK NEEDLE [WHAT]
	case "$1" in *"$2"*) fail "${3:-output}: expected not to contain [$2], got [$1]" ;; esac
	return 0
}

assert_match() { # HAYSTACK ERE [WHAT]
	printf '%s\n' "$1" | grep -E -- "$2" >/dev/null && return 0 # not -q: an early exit is SIGPIPE under pipefail
	fail "${3:-output}: expected to match /$2/, got [$1]"
}

assert_rc() { # EXPECTED [WHAT]: checks $RC of the last ctr_* / try call
	[ "$RC" = "$1" ] && return 0
	fail "${2:-exit code}: expected $1, got $RC; stdout [${OUT:-}] stderr [${ERR:-}]"
}

assert_ok() { # CMD...: runs CMD, which must succeed
	try "$@"
	[ "$RC" = 0 ] || fail "\`$*\` failed with $RC: stdout [$OUT] stderr [$ERR]"
}

assert_fail() { # CMD...: runs CMD, which must fail (not by a signal)
	try "$@"
	[ "$RC" = 0 ] && fail "\`$*\` succeeded, expected failure: stdout [$OUT]"
	[ "$RC" -lt 128 ] || fail "\`$*\` died with $RC (signal?): stderr [$ERR]"
	return 0
}

assert_one_line() { # TEXT [WHAT]: an error message is exactly one line
	local n
	n=$(printf '%s\n' "$1" | grep -c .)
	[ "$n" = 1 ] || fail "${2:-stderr}: expected one line, got $n: [$1]"
}

# try CMD...: run CMD with stdin closed; set RC, OUT, ERR.
try() {
	local rc=0
	"$@" </dev/null >"$T/try.out" 2>"$T/try.err" || rc=$?
	RC=$rc
	OUT=$(cat "$T/try.out")
	ERR=$(cat "$T/try.err")
	echo "+ $* -> $RC" >&2
}

# wait_for SECONDS CMD...: poll CMD until it succeeds.
wait_for() {
	local secs=$1 i=0
	shift
	while ! "$@" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -ge $((secs * 20)) ] && return 1
		sleep 0.05
	done
	return 0
}

# --------------------------------------------------------------------
# The runtime.

# rt ARGS...: the runtime with the test's --root. A command that hangs is
# stopped after CMD_TIMEOUT seconds (exit 124) and reported at the end of
# the test's log, so a hang fails the test with its cause.
rt() {
	local rc=0
	timeout -k 2 "${CMD_TIMEOUT:-20}" "$CELL" --root "$ROOT" "$@" || rc=$?
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		echo "TIMEOUT: \`$(basename "$CELL") $*\` did not finish in ${CMD_TIMEOUT:-20}s" >>"$T/.timeouts"
	fi
	return "$rc"
}

# ctr_run [RUN-FLAGS...] ID: foreground `run` of $B; sets RC OUT ERR.
ctr_run() {
	try rt run -b "$B" "$@"
}

# ctr_create ID [FLAGS...]: `create` of $B; the container's stdout and stderr
# go to $T/ID.out and $T/ID.err (a pipe would be held open by it). Fails the
# test when create fails.
ctr_create() {
	local id=$1
	shift
	ctr_bg_cmd create "$id" "$@"
}

# ctr_detach ID [FLAGS...]: `run -d` of $B, output as for ctr_create.
ctr_detach() {
	local id=$1
	shift
	ctr_bg_cmd "run -d" "$id" "$@"
}

ctr_bg_cmd() {
	local cmd=$1 id=$2 rc=0
	shift 2
	# shellcheck disable=SC2086 # $cmd is "create" or "run -d"
	rt $cmd -b "$B" "$@" "$id" </dev/null >"$T/$id.out" 2>"$T/$id.err" || rc=$?
	echo "+ $cmd $* $id -> $rc" >&2
	[ "$rc" = 0 ] || fail "$cmd $id failed ($rc): $(cat "$T/$id.err")"
}

ctr_state() { # ID: the state JSON
	rt state "$1"
}

ctr_status() { # ID: its status, or "absent" when `state` fails
	local s
	s=$(rt state "$1" 2>/dev/null) || {
		echo absent
		return 0
	}
	printf '%s' "$s" | jget status
}

ctr_pid() { # ID: its pid; fails the test when there is none
	local p
	p=$(rt state "$1" 2>"$T/.state.err" | jget pid 2>/dev/null) || true
	case $p in
	'' | *[!0-9]* | 0) fail "no pid for container $1: $(cat "$T/.state.err")" ;;
	esac
	echo "$p"
}

status_is() { # ID STATUS
	[ "$(ctr_status "$1")" = "$2" ]
}

wait_status() { # ID STATUS [SECONDS]
	wait_for "${3:-10}" status_is "$1" "$2" ||
		fail "container $1: expected status $2, it is $(ctr_status "$1")"
}

# jget PATH: read JSON on stdin, print the value at PATH (dotted, [n] for
# list items); strings raw, everything else as JSON. Fails when absent.
jget() {
	python3 -c '
import json, re, sys
v = json.load(sys.stdin)
for k in re.findall(r"[^.\[\]]+|\[\d+\]", sys.argv[1]) if sys.argv[1] else []:
    v = v[int(k[1:-1])] if k.startswith("[") else v[k]
print(v if isinstance(v, str) else json.dumps(v))
' "$1"
}

# --------------------------------------------------------------------
# Bundles and configs.

# consock_start STEP...: a console-socket receiver (tests/consock.py) at
# $T/cs in the background; consock_wait collects its output in CS_OUT,
# CS_RC.
consock_start() {
	rm -f "$T/cs" "$T/cs.ready"
	python3 "$TESTS_DIR/consock.py" "$T/cs" "$@" >"$T/cs.out" 2>"$T/cs.err" &
	CS_PID=$!
	wait_for 10 test -e "$T/cs.ready" || fail "console socket receiver did not start: $(cat "$T/cs.err")"
}

consock_wait() {
	CS_RC=0
	wait "$CS_PID" || CS_RC=$?
	CS_OUT=$(cat "$T/cs.out")
	note "receiver ($CS_RC): $CS_OUT $(cat "$T/cs.err")"
}

# make_bundle [DIR]: DIR (default $B) gets a copy of the run's busybox
# rootfs and the harness's base config.json.
make_bundle() {
	local dir=${1:-$B}
	mkdir -p "$dir"
	cp -a "$RUN_DIR/rootfs" "$dir/rootfs"
	python3 "$TESTS_DIR/mkconfig.py" "$dir/config.json" --new
}

# cfg EDIT...: edit $B/config.json (see tests/mkconfig.py for EDIT).
cfg() {
	python3 "$TESTS_DIR/mkconfig.py" "$B/config.json" "$@"
}

cfg_args() { # ARG...: process.args
	cfg --args "$@"
}

cfg_sh() { # SCRIPT: process.args = sh -c SCRIPT
	cfg --args sh -c "$1"
}

ns_del() { # TYPE...: remove namespaces from linux.namespaces
	local t
	for t in "$@"; do cfg "linux.namespaces-={\"type\":\"$t\"}"; done
}

ns_add() { # TYPE [PATH]
	ns_del "$1"
	if [ -n "${2:-}" ]; then
		cfg "linux.namespaces+={\"type\":\"$1\",\"path\":\"$2\"}"
	else
		cfg "linux.namespaces+={\"type\":\"$1\"}"
	fi
}

add_mount() { # DEST TYPE SOURCE [OPTIONS-JSON]
	cfg "mounts+={\"destination\":\"$1\",\"type\":\"$2\",\"source\":\"$3\",\"options\":${4:-[]}}"
}

add_bind() { # SOURCE DEST [ro]
	local opts='["rbind","rw"]'
	[ "${3:-}" = ro ] && opts='["rbind","ro"]'
	add_mount "$2" bind "$1" "$opts"
}

# share_dir: mount $SHARED at /shared (rw) so the test and the container
# can pass files both ways.
share_dir() {
	mkdir -p "$SHARED"
	chmod 0777 "$SHARED"
	add_bind "$SHARED" /shared
}

# userns_map: a user namespace mapping 0..65535 to 100000..165535, with the
# bundle's rootfs chowned to match.
userns_map() {
	ns_add user
	cfg 'linux.uidMappings=[{"containerID":0,"hostID":100000,"size":65536}]' \
		'linux.gidMappings=[{"containerID":0,"hostID":100000,"size":65536}]'
	chown -R 100000:100000 "$B/rootfs"
}

# expect_clean_failure ID PATTERN [WHAT]: after a failed `run` of ID (RC,
# ERR set by ctr_run), check the error and that nothing is left. BEFORE
# must hold the mounts_snapshot from before the run.
expect_clean_failure() {
	local id=$1 pattern=$2 what=${3:-error}
	[ "$RC" != 0 ] || fail "run succeeded; expected an error matching /$pattern/"
	[ "$RC" -lt 128 ] || fail "the runtime died with $RC: $ERR"
	assert_match "$ERR" "$pattern" "$what"
	assert_one_line "$ERR"
	[ ! -e "$ROOT/$id" ] || fail "state dir $ROOT/$id left behind"
	assert_eq absent "$(ctr_status "$id")" "status"
	assert_eq "" "$(leftover_procs)" "processes left behind"
	assert_eq "$BEFORE" "$(mounts_snapshot)" "host mount table"
}

# --------------------------------------------------------------------
# Host-side probes.

host_ns() { # TYPE: this process's namespace link, e.g. net:[4026531840]
	readlink "/proc/self/ns/$1"
}

pid_alive() { # PID: exists and is not a zombie
	local st
	st=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) || return 1
	[ "$st" != Z ] && [ "$st" != X ]
}

proc_status() { # PID FIELD: a line's value from /proc/PID/status
	awk -v f="$2:" '$1 == f { $1 = ""; sub(/^ /, ""); print }' "/proc/$1/status"
}

runtime_exe() { # the resolved path of the runtime binary
	readlink -f "$(command -v "$CELL")"
}

# pids_with_env VAR=VALUE...: live processes (not this shell) whose
# environment has one of these entries.
pids_with_env() {
	local pats=() e p
	for e in "$@"; do pats+=(-e "$e"); done
	{ grep -lsxzF "${pats[@]}" /proc/[0-9]*/environ 2>/dev/null || true; } | cut -d/ -f3 |
		while read -r p; do
			if [ "$p" != "$$" ] && [ "$p" != "$BASHPID" ] && pid_alive "$p"; then
				echo "$p"
			fi
		done
}

# leftover_procs: processes this test left: container processes (their env
# has CELL_TEST_CTR) and runtime processes that never exec'd.
leftover_procs() {
	local exe p
	exe=$(runtime_exe)
	pids_with_env "CELL_TEST_CTR=$CELL_TEST_TAG"
	for p in $(pids_with_env "CELL_TEST_TAG=$CELL_TEST_TAG"); do
		# create/run/exec re-run from a sealed memfd copy (CVE-2019-5736).
		case $(readlink "/proc/$p/exe" 2>/dev/null) in
		"$exe" | "/memfd:cell (deleted)") echo "$p" ;;
		esac
	done
}

mounts_snapshot() { # the host's mount table without ids (ids change)
	awk '{ print $4, $5, $9, $10 }' /proc/self/mountinfo | sort
}

# make_netns: a network namespace for this test (removed by the cleanup);
# prints its name.
make_netns() {
	local name
	name="celltest-$(basename "$T")-$RANDOM"
	name=${name:0:60}
	ip netns add "$name" || fail "ip netns add $name failed"
	echo "$name" >>"$T/.netns"
	echo "$name"
}

# net_bridge: a bridge name for this test (not created: cell makes it),
# deleted by the cleanup; prints it. Unique across concurrent runs.
net_bridge() {
	local name
	name=$(printf 'ctb%04x%04x' $((RANDOM % 65536)) $(($$ % 65536)))
	echo "$name" >>"$T/.links"
	echo "$name"
}

# register_host_path PATH: a host path the test checks must never be
# created; removed by the cleanup if a bug created it.
register_host_path() {
	echo "$1" >>"$T/.host-paths"
}

# make_test_user: a host user for this test, without /etc/subuid and
# /etc/subgid entries (add_subids adds them); prints its name. The cleanup
# removes what drop_test_users did not (and counts it as left behind).
make_test_user() {
	local n
	n="cellt$(printf '%s' "$T" | md5sum | cut -c1-10)"
	echo "$n" >>"$T/.users"
	useradd -M -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 -s /bin/sh "$n" >&2 || fail "useradd $n"
	echo "$n"
}

add_subids() { # USER START COUNT: delegate host ids START.. in /etc/subuid and /etc/subgid
	echo "$1:$2:$3" >>/etc/subuid
	echo "$1:$2:$3" >>/etc/subgid
}

remove_test_user() { # USER: the user, its group and its subordinate id lines
	local f
	for f in /etc/subuid /etc/subgid; do
		[ -f "$f" ] && sed -i "/^$1:/d" "$f"
	done
	pkill -KILL -U "$1" 2>/dev/null || true
	userdel "$1" 2>/dev/null || true
	getent group "$1" >/dev/null && groupdel "$1" 2>/dev/null
	! id "$1" >/dev/null 2>&1
}

add_root_subids() { # START COUNT: a range of root's in /etc/subuid and /etc/subgid (the auto pool)
	echo "root:$1:$2" >>"$T/.subids"
	echo "root:$1:$2" >>/etc/subuid
	echo "root:$1:$2" >>/etc/subgid
}

drop_root_subids() { # remove the lines add_root_subids added (also done by the cleanup)
	local l
	[ -f "$T/.subids" ] || return 0
	while read -r l; do
		sed -i "/^$l\$/d" /etc/subuid /etc/subgid
	done <"$T/.subids"
	rm -f "$T/.subids"
}

drop_test_users() { # every user of this test, in the normal course of the test
	local n
	[ -f "$T/.users" ] || return 0
	while read -r n; do
		remove_test_user "$n" || fail "could not remove user $n"
	done <"$T/.users"
	rm -f "$T/.users"
}

kernel_has_ns() { # TYPE
	[ -e "/proc/self/ns/$1" ]
}

runtime_lists_ns() { # TYPE: `features` names the namespace type
	rt features 2>/dev/null | python3 -c '
import json, sys
sys.exit(0 if sys.argv[1] in json.load(sys.stdin).get("linux", {}).get("namespaces", []) else 1)
' "$1"
}

# --------------------------------------------------------------------
# Run preparation and cleanup (used by tests/run.sh).

# make_base_rootfs DIR: a busybox rootfs with users root and user (1000)
# and groups for the user tests.
make_base_rootfs() {
	local dir=$1 a
	mkdir -p "$dir"
	(
		cd "$dir"
		mkdir -p bin sbin usr/bin usr/sbin etc proc sys dev tmp root home/user mnt run var/tmp
		chmod 1777 tmp var/tmp
		cp /bin/busybox bin/busybox
		for a in $(/bin/busybox --list); do
			[ "$a" = busybox ] || ln -s busybox "bin/$a"
		done
		cat >etc/passwd <<-EOF
			root:x:0:0:root:/root:/bin/sh
			user:x:1000:1000:user:/home/user:/bin/sh
			nobody:x:65534:65534:nobody:/nonexistent:/bin/false
		EOF
		cat >etc/group <<-EOF
			root:x:0:
			user:x:1000:
			extra:x:2000:user
			more:x:3000:user
			nogroup:x:65534:
		EOF
		echo "cell-test" >etc/hostname
		chown 1000:1000 home/user
	)
}

# prepare_run: the run directory with the shared rootfs.
prepare_run() {
	[ -x /bin/busybox ] || {
		echo "tests: /bin/busybox missing (apt-get install busybox-static)" >&2
		return 1
	}
	if command -v file >/dev/null && ! file -L /bin/busybox | grep -q 'statically linked'; then
		echo "tests: /bin/busybox is not static (install busybox-static)" >&2
		return 1
	fi
	RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/cell-tests.XXXXXX")
	chmod 0755 "$RUN_DIR"
	export RUN_DIR
	make_base_rootfs "$RUN_DIR/rootfs"
}

# tagged_pids TAG: every live process a test with this tag started.
tagged_pids() {
	pids_with_env "CELL_TEST_TAG=$1" "CELL_TEST_CTR=$1"
}

mounts_under() { # DIR: mount points below DIR, deepest first
	awk -v d="$1/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r
}

# cgroups_snapshot [TAG]: the cgroup directories (every hierarchy) whose
# path names cell (or TAG), as the runner takes it before each test.
cgroups_snapshot() {
	local m tag=${1:-cell}
	m=$(awk '$3 == "cgroup" || $3 == "cgroup2" { print $2 }' /proc/self/mounts)
	[ -z "$m" ] && return 0
	# shellcheck disable=SC2086 # one find over every mount point
	find $m -mindepth 1 -type d \( -path '*cell*' -o -path "*$tag*" \) 2>/dev/null | sort
}

# root_scope DIR: the r-XXXXXXXX level cell puts below /cell for the
# containers of --root DIR (FNV-1a over st_dev and st_ino, as cell).
root_scope() {
	local dev ino v i h=2166136261
	read -r dev ino < <(stat -c '%d %i' "$1") || return 1
	for v in "$dev" "$ino"; do
		for i in 0 1 2 3 4 5 6 7; do
			h=$((((h ^ ((v >> (8 * i)) & 255)) * 16777619) & 0xffffffff))
		done
	done
	printf 'r-%08x\n' "$h"
}

# cg_tag DIR: the tag of the test whose --root is DIR: the XXXXXXXX of its
# default scope r-XXXXXXXX. Unique among the tests that exist at once, in
# this run and in concurrent ones (st_dev and st_ino of live directories).
cg_tag() {
	local s
	s=$(root_scope "$1") || return 1
	echo "${s#r-}"
}

# cgroups_leaked TESTDIR: cgroups the test left (after its containers were
# deleted), deepest first: the new ones it can own, that is any under its
# default scope /cell/r-$CG_TAG and any outside /cell whose path carries
# $CG_TAG (cgroupsPath tests, podman's cgroup parent, containerd's
# namespace). Everything else new belongs to another test or run: the
# tests of this machine run side by side.
cgroups_leaked() {
	local t=$1 tag
	tag=$(cg_tag "$t/state" 2>/dev/null) || return 0
	cgroups_snapshot "$tag" | grep -vxF -f "$t/.cgroups" |
		awk -v s="/cell/r-$tag/" -v tag="$tag" '
			index($0 "/", s) || ($0 !~ /\/cell(\/|$)/ && index($0, tag))' | sort -r
}

# cleanup_test TESTDIR: undo whatever the test made, whatever state it
# ended in. Prints what it had to clean up by force.
cleanup_test() {
	local t=$1 root="$1/state" r d id p n leaked=""
	# $T/state is $ROOT; a test may use more roots named $T/state-*.
	for r in "$root" "$t"/state-*; do
		[ -d "$r" ] || continue
		for d in "$r"/*/; do
			[ -d "$d" ] || continue
			id=$(basename "$d")
			timeout -k 1 5 "$CELL" --root "$r" delete --force "$id" >/dev/null 2>&1 || true
		done
	done
	if [ -f "$t/.cgroups" ]; then
		for p in $(cgroups_leaked "$t"); do
			rmdir "$p" 2>/dev/null
			leaked="$leaked cgroup:$p"
		done
	fi
	for p in $(tagged_pids "$t"); do
		kill -KILL "$p" 2>/dev/null && leaked="$leaked process:$p"
	done
	if [ -f "$t/.netns" ]; then
		while read -r n; do
			ip netns del "$n" 2>/dev/null || true
		done <"$t/.netns"
	fi
	if [ -f "$t/.links" ]; then
		while read -r n; do
			ip link del "$n" 2>/dev/null || true
			rm -rf "/run/cell-net/$n"
		done <"$t/.links"
	fi
	if [ -f "$t/.users" ]; then
		while read -r n; do
			T=$t remove_test_user "$n" && leaked="$leaked user:$n"
		done <"$t/.users"
	fi
	if [ -f "$t/.subids" ]; then
		while read -r n; do
			sed -i "/^$n\$/d" /etc/subuid /etc/subgid && leaked="$leaked subid:$n"
		done <"$t/.subids"
	fi
	if [ -f "$t/.host-paths" ]; then
		while read -r p; do
			[ -e "$p" ] && leaked="$leaked host:$p" && rm -df -- "$p"
		done <"$t/.host-paths"
	fi
	for p in $(mounts_under "$t"); do
		umount -l "$p" 2>/dev/null && leaked="$leaked mount:$p"
	done
	if [ -d "$root" ]; then
		for d in "$root"/*/; do
			[ -d "$d" ] && leaked="$leaked state:$(basename "$d")"
		done
	fi
	rm -rf --one-file-system "$t"
	[ -z "$leaked" ] || echo "cleanup removed:$leaked"
}

# --------------------------------------------------------------------
# One test, in its own process.

test_exit() { # STATUS: report timed-out commands; a failure in a subshell counts
	if [ -f "$T/.timeouts" ]; then cat "$T/.timeouts" >&2; fi
	if [ "$1" = 0 ] && [ -f "$T/.failed" ]; then exit 1; fi
}

run_one() { # FILE TEST TESTDIR
	local file=$1 name=$2
	T=$3
	ROOT="$T/state"
	B="$T/bundle"
	SHARED="$T/shared"
	CELL_TEST_TAG=$T
	mkdir -p "$ROOT"
	CG_TAG=$(cg_tag "$ROOT") || exit 1
	export T ROOT B SHARED CELL_TEST_TAG CG_TAG
	cd "$T" || exit 1
	# shellcheck source=/dev/null
	. "$file"
	set -eE -u -o pipefail
	trap 'echo "FAIL: command failed ($?) at ${BASH_SOURCE[0]##*/}:$LINENO: $BASH_COMMAND" >&2' ERR
	trap 'test_exit $?' EXIT
	"$name"
}

if [ "${BASH_SOURCE[0]}" = "$0" ] && [ "${1:-}" = "--run-one" ]; then
	shift
	run_one "$@"
	exit 0
fi
