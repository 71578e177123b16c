# shellcheck shell=bash disable=SC2016 # sh -c scripts are single-quoted on purpose
# The command line: --version, --help, spec, features, the binary itself.

SUBCOMMANDS="create start run state list kill delete spec features"

test_version() {
	assert_ok "$CELL" --version
	note "$OUT"
	assert_match "$OUT" '[Vv]ersion.*[0-9]+\.[0-9]+' "--version"
}

test_help() {
	assert_ok "$CELL" --help
	local sub
	for sub in $SUBCOMMANDS; do
		assert_contains "$OUT" "$sub" "--help lists $sub"
	done
}

test_subcommand_help() {
	local sub
	for sub in $SUBCOMMANDS; do
		assert_ok "$CELL" "$sub" --help
		[ -n "$OUT$ERR" ] || fail "$sub --help printed nothing"
	done
	assert_ok "$CELL" run --help
	assert_contains "$OUT" "--bundle" "run --help"
	assert_contains "$OUT" "--detach" "run --help"
	assert_contains "$OUT" "--pid-file" "run --help"
}

test_spec_defaults() {
	mkdir "$T/s"
	(cd "$T/s" && "$CELL" spec) || fail "spec failed"
	local why
	why=$(python3 - "$T/s/config.json" 2>&1 <<-'EOF'

		import json, sys
		c = json.load(open(sys.argv[1]))
		p = c["process"]
		def check(cond, what):
		    if not cond:
		        sys.exit("spec: " + what)
		check(c["ociVersion"].startswith("1."), "ociVersion")
		check(p["terminal"] is False, "process.terminal is not false")
		check(p["args"] == ["sh"], "process.args is not [sh]")
		check(p["cwd"] == "/", "process.cwd")
		check(p["user"] == {"uid": 0, "gid": 0}, "process.user")
		check(p["noNewPrivileges"] is True, "noNewPrivileges")
		caps = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
		for s in ("bounding", "effective", "permitted"):
		    check(sorted(p["capabilities"][s]) == caps, "capabilities." + s)
		check({"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024} in p["rlimits"], "rlimits")
		check(c["root"] == {"path": "rootfs", "readonly": True}, "root")
		check(c.get("hostname"), "hostname")
		ns = {n["type"] for n in c["linux"]["namespaces"]}
		check(ns >= {"pid", "network", "ipc", "uts", "mount", "cgroup"}, "namespaces %s" % ns)
		dests = [m["destination"] for m in c["mounts"]]
		for d in ("/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys"):
		    check(d in dests, "mount " + d)
		check("/proc/kcore" in c["linux"]["maskedPaths"], "maskedPaths")
		check("/proc/sys" in c["linux"]["readonlyPaths"], "readonlyPaths")
	EOF
	) || fail "$why"
}

test_spec_output_runs_as_is() {
	mkdir "$T/s"
	(cd "$T/s" && "$CELL" spec) || fail "spec failed"
	cp -a "$RUN_DIR/rootfs" "$T/s/rootfs"
	B="$T/s"
	cfg_sh 'echo spec-ok; hostname; touch / 2>/dev/null || echo ro-root'
	ctr_run c1
	assert_rc 0
	assert_eq "spec-ok
$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["hostname"])' "$B/config.json")
ro-root" "$OUT" "output of the spec's container"
}

test_spec_bundle_flag() {
	mkdir "$T/s"
	assert_ok "$CELL" spec -b "$T/s"
	[ -s "$T/s/config.json" ] || fail "spec -b did not write DIR/config.json"
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/s/config.json" ||
		fail "spec -b wrote invalid JSON"
}

test_spec_rootless() {
	mkdir "$T/s"
	assert_ok "$CELL" spec --rootless -b "$T/s"
	local why
	why=$(python3 - "$T/s/config.json" 2>&1 <<-'EOF'

		import json, sys
		c = json.load(open(sys.argv[1]))
		ns = {n["type"] for n in c["linux"]["namespaces"]}
		assert "user" in ns, ns
		assert c["linux"]["uidMappings"] and c["linux"]["gidMappings"], "mappings"
	EOF
	) || fail "spec --rootless: $why"
}

test_features_is_json() {
	assert_ok "$CELL" features
	printf '%s' "$OUT" | python3 -c '
import json, sys
f = json.load(sys.stdin)
assert f["ociVersionMin"].startswith("1."), f.get("ociVersionMin")
assert f["ociVersionMax"].startswith("1."), f.get("ociVersionMax")
ns = set(f["linux"]["namespaces"])
want = {"cgroup", "ipc", "mount", "network", "pid", "user", "uts"}
assert ns >= want, "namespaces lack %s" % (want - ns)
' || fail "features: $OUT"
}

test_binary_is_static() {
	[ "$(runtime_exe)" = "$(readlink -f "$REPO_DIR/build/cell")" ] || skip "not the built cell"
	command -v file >/dev/null || skip "no file(1)"
	local what
	what=$(file -L "$CELL")
	assert_contains "$what" "statically linked" "file $CELL"
}

test_log_json_debug_lines() {
	make_bundle
	cfg_args true
	assert_ok "$CELL" --root "$ROOT" --log "$T/log.json" --log-format json --debug run -b "$B" c1
	assert_eq "" "$ERR" "stderr of a run that logs to a file"
	[ -s "$T/log.json" ] || fail "nothing written to the --log file"
	note "$(cat "$T/log.json")"
	local why
	why=$(python3 - "$T/log.json" 2>&1 <<-'EOF'

		import json, re, sys
		lines = [l for l in open(sys.argv[1]).read().split("\n") if l]
		levels = set()
		for l in lines:
		    e = json.loads(l)
		    assert isinstance(e, dict), l
		    for k in ("level", "msg", "time"):
		        assert isinstance(e.get(k), str) and e[k], "no %s in %s" % (k, l)
		    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", e["time"]), "time in " + l
		    levels.add(e["level"])
		assert "debug" in levels, "no debug line: levels %s" % sorted(levels)
	EOF
	) || fail "--log-format json --debug: $why"
}

test_log_text_error_once_on_stderr() {
	try "$CELL" --root "$ROOT" --log-format text state nope
	[ "$RC" != 0 ] || fail "state of an unknown id succeeded"
	assert_one_line "$ERR" "stderr of --log-format text"
	assert_match "$ERR" 'does not exist|not found|nope' "stderr of --log-format text"
	try "$CELL" --root "$ROOT" --log "$T/log.txt" --log-format text --debug state nope
	[ "$RC" != 0 ] || fail "state of an unknown id succeeded"
	note "log: $(cat "$T/log.txt")"
	assert_one_line "$ERR" "stderr with --log FILE --debug"
	assert_match "$ERR" 'does not exist|not found|nope' "stderr with --log FILE --debug"
	assert_eq 1 "$(grep -c 'error' "$T/log.txt")" "error lines in the --log file"
	assert_not_contains "$(head -c 1 "$T/log.txt")" '{' "the text log"
}
