# shellcheck shell=bash disable=SC2016 # sh -c scripts are single-quoted on purpose
# Broken bundles and bad requests: a one-line error naming the problem, and
# nothing left behind (no state dir, no mount, no process).

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
	# --force: nothing to do is success, as with runc (podman and the
	# containerd shim delete --force after a failed create).
	assert_ok rt delete --force nope
	assert_eq "" "$ERR" "delete --force of an unknown id: stderr"
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

test_sysctl_not_namespaced() {
	make_bundle
	local before
	before=$(cat /proc/sys/vm/swappiness)
	cfg 'linux.sysctl={"vm.swappiness":"17"}'
	cfg_args true
	broken_bundle_case 'linux\.sysctl\.vm\.swappiness' "error names linux.sysctl.vm.swappiness"
	assert_eq "$before" "$(cat /proc/sys/vm/swappiness)" "the host's vm.swappiness"
}

test_sysctl_net_without_netns() {
	make_bundle
	ns_del network
	cfg 'linux.sysctl={"net.ipv4.ip_forward":"1"}'
	cfg_args true
	broken_bundle_case 'linux\.sysctl\.net\.ipv4\.ip_forward' "error names linux.sysctl.net.ipv4.ip_forward"
}

# userns_bundle_case MAPPINGS-JSON PATTERN WHAT: $B with a new user
# namespace with these uid mappings (and a valid gid map) must be refused
# cleanly.
userns_bundle_case() {
	ns_add user
	cfg "linux.uidMappings=$1" 'linux.gidMappings=[{"containerID":0,"hostID":100000,"size":65536}]'
	cfg_args true
	broken_bundle_case "$2" "$3"
}

test_uid_mappings_overlap() {
	make_bundle
	userns_bundle_case '[{"containerID":0,"hostID":100000,"size":65536},{"containerID":1000,"hostID":300000,"size":10}]' \
		'linux\.uidMappings\[1\]' "error names linux.uidMappings[1] (containerID ranges overlap)"
	userns_bundle_case '[{"containerID":0,"hostID":100000,"size":1000},{"containerID":1000,"hostID":100500,"size":10}]' \
		'linux\.uidMappings\[1\]' "error names linux.uidMappings[1] (hostID ranges overlap)"
}

test_uid_mappings_size_zero() {
	make_bundle
	userns_bundle_case '[{"containerID":0,"hostID":100000,"size":0}]' \
		'linux\.uidMappings\[0\]' "error names linux.uidMappings[0]"
}

test_uid_mappings_too_many() {
	# The kernel takes at most 340 lines in uid_map (user_namespaces(7)).
	local maps
	make_bundle
	maps=$(python3 -c 'import json; print(json.dumps([{"containerID": i, "hostID": 100000 + i, "size": 1} for i in range(341)]))')
	userns_bundle_case "$maps" 'linux\.uidMappings' "error names linux.uidMappings"
}

test_uid_mappings_without_user_namespace() {
	make_bundle
	ns_del user
	cfg 'linux.uidMappings=[{"containerID":0,"hostID":100000,"size":65536}]' \
		'linux.gidMappings=[{"containerID":0,"hostID":100000,"size":65536}]'
	cfg_args true
	broken_bundle_case 'linux\.uidMappings.*user namespace' "error names linux.uidMappings"
}

test_hostname_without_uts_namespace() {
	make_bundle
	ns_del uts
	cfg hostname=box
	cfg_args true
	broken_bundle_case '(^|[^.])hostname.*(uts|UTS)' "error names hostname"
}

test_relative_mount_destination() {
	make_bundle
	local n
	n=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["mounts"]))' "$B/config.json")
	add_mount data tmpfs tmpfs
	cfg_args true
	broken_bundle_case "mounts\\[$n\\]\\.destination" "error names mounts[$n].destination"
}

test_exec_not_found_leaves_nothing() {
	make_bundle
	cfg_args no-such-command
	local lines root_before
	lines=$(wc -l </proc/self/mountinfo)
	root_before=$(ls -A "$ROOT")
	broken_bundle_case 'executable file not found in \$PATH' "error of a missing args[0]"
	assert_contains "$ERR" no-such-command "error names the command"
	assert_eq "$lines" "$(wc -l </proc/self/mountinfo)" "lines in /proc/self/mountinfo"
	assert_eq "$root_before" "$(ls -A "$ROOT")" "ls of the --root dir"
}

test_time_offsets_without_time_namespace() {
	runtime_lists_ns time || skip "the runtime's features do not list the time namespace"
	make_bundle
	cfg 'linux.timeOffsets={"monotonic":{"secs":86400,"nanosecs":0}}'
	cfg_args true
	broken_bundle_case 'linux\.timeOffsets' "error names linux.timeOffsets"
}
