#!/bin/bash
# The test command: installs what is missing, builds cell, runs the unit
# tests and the integration tests, and ends with `N passed, N failed`.
#
# usage: tests/run.sh [FILTER]
#   FILTER          an extended regex; only tests whose FILE/NAME matches run
#                   (e.g. `lifecycle`, `test_exit_code`, `mounts/.*symlink`);
#                   the unit tests run when there is no filter or it matches
#                   "unit"
# environment:
#   CELL=PATH|NAME  test this runtime instead of building cell: no deps, no
#                   build, no unit tests (e.g. CELL=runc to check the tests)
#   SKIP_DEPS=1     do not call tests/deps.sh
#   TEST_TIMEOUT=S  per-test limit in seconds (default 60); one runtime
#                   command is stopped after CMD_TIMEOUT=S (default 20)
#   BUDGET=S        stop starting tests after S seconds (default 1080): the
#                   tests left count as failed, so CI's 20 minutes hold even
#                   when a broken runtime makes every test time out
#   SKIP_VM=1       leave out the VM stage (tests/vm: cell's cgroup tests in
#                   Debian's kernel under qemu, on v2, hybrid and v1 layouts)
# Must run as root.
set -u

TESTS_DIR=$(cd "$(dirname "$0")" && pwd)
REPO_DIR=$(dirname "$TESTS_DIR")
FILTER=${1:-}
TEST_TIMEOUT=${TEST_TIMEOUT:-60}
BUDGET=${BUDGET:-1080}

if [ "$(id -u)" != 0 ]; then
	echo "tests/run.sh: run as root (containers need it)" >&2
	exit 2
fi

# Become a child subreaper (via python3, which deps.sh installs): container
# processes that `create` and `run -d` leave behind are reparented to this
# shell, which reaps them, instead of to an init that might not.
if [ -z "${CELL_TESTS_REEXEC:-}" ]; then
	if [ -z "${CELL:-}" ] && [ -z "${SKIP_DEPS:-}" ]; then
		"$TESTS_DIR/deps.sh" || {
			echo "tests/run.sh: installing dependencies failed" >&2
			echo "0 passed, 1 failed"
			exit 1
		}
	fi
	export CELL_TESTS_REEXEC=1
	exec python3 -c '
import ctypes, os, sys
PR_SET_CHILD_SUBREAPER = 36
ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
os.execvp(sys.argv[1], sys.argv[1:])
' bash "$0" "$@"
fi

# shellcheck source=tests/lib.sh
. "$TESTS_DIR/lib.sh"

PASSED=0
FAILED=0
SKIPPED=0
FAILED_NAMES=""
CURRENT_T=""
TEST_PID=""
START=$(date +%s)

finish() {
	local elapsed=$(($(date +%s) - START))
	echo
	[ -n "$FAILED_NAMES" ] && echo "failed:$FAILED_NAMES"
	echo "skipped: $SKIPPED; time: ${elapsed}s"
	echo "$PASSED passed, $FAILED failed"
	[ -n "${RUN_DIR:-}" ] && rm -rf --one-file-system "$RUN_DIR"
	[ "$FAILED" = 0 ]
	exit $?
}

interrupted() {
	echo "tests/run.sh: interrupted, cleaning up" >&2
	[ -n "$TEST_PID" ] && kill -TERM "$TEST_PID" 2>/dev/null && wait "$TEST_PID" 2>/dev/null
	[ -n "$CURRENT_T" ] && cleanup_test "$CURRENT_T" >&2
	FAILED=$((FAILED + 1))
	FAILED_NAMES="$FAILED_NAMES (interrupted)"
	finish
}
trap interrupted INT TERM HUP

matches_filter() { # KEY
	[ -z "$FILTER" ] || printf '%s\n' "$1" | grep -Eq -- "$FILTER"
}

record_fail() { # NAME
	FAILED=$((FAILED + 1))
	FAILED_NAMES="$FAILED_NAMES $1"
}

# ---------------------------------------------------------------- build
if [ -z "${CELL:-}" ]; then
	echo "== build"
	mkdir -p "${TMPDIR:-/tmp}"
	build_log=$(mktemp)
	if ! (cd "$REPO_DIR" && ./build.sh) >"$build_log" 2>&1; then
		tail -n 60 "$build_log"
		rm -f "$build_log"
		record_fail build
		finish
	fi
	rm -f "$build_log"
	CELL="$REPO_DIR/build/cell"
	echo "built $CELL"

	# ------------------------------------------------------------ unit
	if matches_filter unit; then
		echo "== unit tests"
		unit_log=$(mktemp)
		unit_rc=0
		meson test -C "$REPO_DIR/build" --print-errorlogs >"$unit_log" 2>&1 || unit_rc=$?
		testlog="$REPO_DIR/build/meson-logs/testlog.txt"
		# The unit harness prints `PASS name` / `FAIL name: reason` per case.
		up=0 uf=0
		if [ -f "$testlog" ]; then
			up=$(grep -c '^PASS ' "$testlog")
			uf=$(grep -c '^FAIL ' "$testlog")
			grep '^FAIL ' "$testlog" | sed 's/^/  /'
		fi
		if [ $((up + uf)) = 0 ]; then
			# No per-case lines: count meson's own results.
			up=$(sed -n 's/^Ok: *\([0-9]*\).*/\1/p' "$unit_log" | tail -n 1)
			uf=$(sed -n 's/^Fail: *\([0-9]*\).*/\1/p' "$unit_log" | tail -n 1)
			up=${up:-0} uf=${uf:-0}
		fi
		if [ "$unit_rc" != 0 ]; then
			tail -n 40 "$unit_log" | sed 's/^/  | /'
			[ "$uf" = 0 ] && uf=1
		fi
		echo "unit: $up passed, $uf failed"
		PASSED=$((PASSED + up))
		FAILED=$((FAILED + uf))
		[ "$uf" = 0 ] || FAILED_NAMES="$FAILED_NAMES unit($uf)"
		rm -f "$unit_log"
	fi
else
	case "$CELL" in
	*/*) CELL=$(cd "$(dirname "$CELL")" && pwd)/$(basename "$CELL") ;;
	*) CELL=$(command -v "$CELL") || {
		echo "tests/run.sh: runtime $CELL not found" >&2
		exit 2
	} ;;
	esac
fi
export CELL

# ---------------------------------------------------------- integration
echo "== integration tests ($CELL)"
prepare_run || {
	record_fail prepare
	finish
}

run_test() { # FILE NAME
	local file=$1 name=$2 key t rc log t0 t1 dur
	key="$(basename "$file" .sh)/$name"
	t="$RUN_DIR/$name"
	log="$RUN_DIR/$name.log"
	mkdir -p "$t"
	cgroups_snapshot >"$t/.cgroups"
	CURRENT_T=$t
	t0=$(date +%s%N)
	timeout -k 5 "$TEST_TIMEOUT" bash "$TESTS_DIR/lib.sh" --run-one "$file" "$name" "$t" \
		</dev/null >"$log" 2>&1 &
	TEST_PID=$!
	rc=0
	wait "$TEST_PID" || rc=$?
	TEST_PID=""
	cleanup_test "$t" >>"$log" 2>&1
	CURRENT_T=""
	t1=$(date +%s%N)
	dur=$(((t1 - t0) / 1000000))
	dur="$((dur / 1000)).$(printf '%03d' $((dur % 1000)) | cut -c1)s"
	# What the cleanup had to remove after `delete --force` of every
	# container (processes, mounts, state dirs) fails a test that passed.
	if [ "$rc" = 0 ] && grep -q '^cleanup removed:' "$log"; then
		echo "FAIL: left behind after the test and \`delete --force\` of its containers" >>"$log"
		rc=1
	fi
	case $rc in
	0)
		PASSED=$((PASSED + 1))
		printf 'ok    %-52s %s\n' "$key" "$dur"
		;;
	"$SKIP_RC")
		SKIPPED=$((SKIPPED + 1))
		printf 'skip  %-52s %s\n' "$key" "$(grep '^SKIP: ' "$log" | tail -n 1 | cut -c7-)"
		;;
	*)
		[ "$rc" = 124 ] || [ "$rc" = 137 ] && echo "FAIL: timed out after ${TEST_TIMEOUT}s" >>"$log"
		record_fail "$key"
		printf 'FAIL  %-52s %s\n' "$key" "$dur"
		tail -n 40 "$log" | sed 's/^/      | /'
		;;
	esac
	rm -f "$log"
}

over_budget=0
for file in "$TESTS_DIR"/integration/*.sh; do
	for name in $(grep -oE '^test_[A-Za-z0-9_]+ *\(\)' "$file" | tr -d '() '); do
		key="$(basename "$file" .sh)/$name"
		matches_filter "$key" || continue
		if [ $(($(date +%s) - START)) -ge "$BUDGET" ]; then
			[ "$over_budget" = 1 ] || echo "time budget of ${BUDGET}s used up: not running the rest"
			over_budget=1
			printf 'FAIL  %-52s not run (time budget)\n' "$key"
			record_fail "$key"
			continue
		fi
		run_test "$file" "$name"
	done
done

# ------------------------------------------------------------------ vm
# tests/vm/cases run inside qemu VMs (one per cgroup layout, side by
# side), against the static build; each case on each layout counts as one
# test, keyed vm-LAYOUT/FILE/NAME. A VM that does not boot or dies fails
# every case it did not report, and its console is shown.
run_vm_stage() {
	local line res key rest t0 out
	if [ -n "${SKIP_VM:-}" ] || [ "$CELL" != "$REPO_DIR/build/cell" ]; then
		return 0
	fi
	if [ $(($(date +%s) - START)) -ge "$BUDGET" ]; then
		echo "time budget of ${BUDGET}s used up: not running the VM stage"
		if [ -z "$FILTER" ] || printf 'vm-\n' | grep -Eq -- "$FILTER"; then
			record_fail vm
		fi
		return 0
	fi
	out=$(mktemp)
	t0=$(date +%s)
	"$TESTS_DIR/vm/vm.sh" -c "$CELL" ${FILTER:+-f "$FILTER"} >"$out" 2>&1
	[ -s "$out" ] || {
		rm -f "$out"
		return 0
	}
	echo "== VM tests (tests/vm, $(($(date +%s) - t0))s)"
	while IFS= read -r line; do
		case $line in
		"VMRESULT "*)
			set -- $line
			res=$2 key=$3
			shift 3
			rest="$*"
			case $res in
			ok)
				PASSED=$((PASSED + 1))
				printf 'ok    %-52s %s\n' "$key" "$rest"
				;;
			skip)
				SKIPPED=$((SKIPPED + 1))
				printf 'skip  %-52s %s\n' "$key" "$rest"
				;;
			*)
				record_fail "$key"
				printf 'FAIL  %-52s %s\n' "$key" "$rest"
				;;
			esac
			;;
		*) printf '      %s\n' "$line" ;;
		esac
	done <"$out"
	# vm.sh refused to run at all (no qemu, no kernel): one failure.
	grep -q '^VMRESULT ' "$out" || record_fail vm
	rm -f "$out"
}
run_vm_stage

finish
