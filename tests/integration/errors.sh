# shellcheck shell=bash disable=SC2016 # sh -c scripts are single-quoted on purpose
# Broken bundles and bad requests: a one-line error naming the problem, and
# nothing left behind (no state dir, no mount, no process).

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

# Both `create` and `run` must fail the same way.
broken_bundle_case() { # PATTERN WHAT
	BEFORE=$(mounts_snapshot)
	try rt create -b "$B" c1
	expect_clean_failure c1 "$1" "create: $2"
	ctr_run c1
	expect_clean_failure c1 "$1" "run: $2"
}

test_bad_json() {
	make_bundle
	printf '{"ociVersion": "1.0.2", "process": {' >"$B/config.json"
	broken_bundle_case 'config\.json|JSON|json' "error for truncated JSON"
}

test_args_wrong_type() {
	make_bundle
	cfg 'process.args=["sh", 7]'
	broken_bundle_case 'process\.args' "error names process.args"
}

test_args_not_a_list() {
	make_bundle
	cfg 'process.args="sh"'
	broken_bundle_case 'process\.args' "error names process.args"
}

test_missing_rootfs() {
	make_bundle
	rm -rf "$B/rootfs"
	broken_bundle_case 'root\.path|rootfs' "error names the rootfs"
}

test_unknown_namespace_type() {
	make_bundle
	cfg 'linux.namespaces+={"type":"bogus"}'
	broken_bundle_case 'linux\.namespaces|namespace.*bogus|bogus.*namespace' "error names the namespace"
}

test_missing_config() {
	make_bundle
	rm "$B/config.json"
	broken_bundle_case 'config\.json' "error names config.json"
}

test_missing_process() {
	make_bundle
	cfg --del process
	broken_bundle_case 'process' "error names process"
}

test_bad_mount_fails_cleanly() {
	make_bundle
	add_mount /data bind "$T/no-such-source" '["rbind"]'
	broken_bundle_case 'no-such-source|/data' "error names the mount"
}

test_bad_rlimit_type() {
	make_bundle
	cfg 'process.rlimits+={"type":"RLIMIT_BOGUS","soft":1,"hard":1}'
	broken_bundle_case 'RLIMIT_BOGUS|rlimit' "error names the rlimit"
}

test_bad_capability_name() {
	make_bundle
	cfg 'process.capabilities.bounding+=CAP_BOGUS'
	broken_bundle_case 'CAP_BOGUS|capabilit' "error names the capability"
}

test_unknown_container_id() {
	try rt state nope
	[ "$RC" != 0 ] || fail "state of an unknown id succeeded"
	assert_match "$ERR" 'nope|does not exist|not found' "state error"
	assert_fail rt start nope
	assert_fail rt kill nope KILL
	assert_fail rt delete nope
	assert_eq "" "$(ls "$ROOT")" "state root after commands on an unknown id"
}

test_bad_container_id() {
	make_bundle
	cfg_args true
	local id
	for id in ../escape "a/b" ".."; do
		try rt run -b "$B" "$id"
		[ "$RC" != 0 ] || fail "run with id [$id] succeeded"
		[ ! -e "$T/escape" ] || fail "id ../escape made $T/escape"
	done
}

test_unknown_subcommand_and_flag() {
	assert_fail "$CELL" --root "$ROOT" frobnicate
	assert_fail "$CELL" --root "$ROOT" list --no-such-flag
	assert_fail "$CELL" --root "$ROOT" run
}

test_log_file_json() {
	try "$CELL" --root "$ROOT" --log "$T/log.json" --log-format json state nope
	[ "$RC" != 0 ] || fail "state of an unknown id succeeded"
	[ -s "$T/log.json" ] || fail "nothing written to the --log file"
	note "$(cat "$T/log.json")"
	tail -n 1 "$T/log.json" | python3 -c '
import json, sys
e = json.loads(sys.stdin.read())
assert e["level"] == "error", e
assert e["msg"], e
assert e["time"], e
' || fail "last log line is not a JSON error: $(tail -n 1 "$T/log.json")"
}
