# User namespaces and id maps (issue 5): maps seen from inside and from
# the host, `spec --userns`, map validation, `info`.

# id_map_bundle FROM SIZE: $B with a user namespace mapping 0.. to FROM..
# (rootfs not chowned: the callers decide).
id_map_bundle() {
	make_bundle
	ns_add user
	cfg "linux.uidMappings=[{\"containerID\":0,\"hostID\":$1,\"size\":$2}]" \
		"linux.gidMappings=[{\"containerID\":0,\"hostID\":$1,\"size\":$2}]"
}

test_id_root_mapped_100000() {
	local pid
	id_map_bundle 100000 65536
	chown -R 100000:100000 "$B/rootfs"
	share_dir
	mkdir -m 0777 "$T/plain"
	add_bind "$T/plain" /plain
	cfg_sh 'id >/shared/id; cat /proc/self/uid_map >/shared/uid_map; cat /proc/self/gid_map >/shared/gid_map
touch /plain/made; touch /shared/ready; exec sleep 600'
	ctr_detach id-mapped
	wait_for 10 test -e "$SHARED/ready" || fail "container did not start: $(cat "$T/id-mapped.err")"
	assert_match "$(cat "$SHARED/id")" "^uid=0\(root\) gid=0\(root\)" "id inside"
	assert_match "$(cat "$SHARED/uid_map")" '^ *0 +100000 +65536$' "uid_map inside"
	assert_match "$(cat "$SHARED/gid_map")" '^ *0 +100000 +65536$' "gid_map inside"
	pid=$(ctr_pid id-mapped)
	assert_eq "100000" "$(proc_status "$pid" Uid | awk '{ print $1 }')" "host's view of the uid"
	assert_eq "100000" "$(proc_status "$pid" Gid | awk '{ print $1 }')" "host's view of the gid"
	assert_eq "100000:100000" "$(stat -c %u:%g "$T/plain/made")" "owner on the host of a file made in a plain bind"
	assert_ok rt info id-mapped
	assert_contains "$OUT" "UID map:        0 100000 65536" "info"
	assert_contains "$OUT" "GID map:        0 100000 65536" "info"
	assert_ok rt delete --force id-mapped
}

test_id_info_without_userns() {
	make_bundle
	cfg_args sleep 600
	ctr_detach id-plain
	assert_ok rt info id-plain
	assert_not_contains "$OUT" "UID map:" "info without a user namespace"
	assert_ok rt delete --force id-plain
}

# spec_json DIR EXPR: evaluate a python expression over DIR/config.json (c).
spec_json() {
	python3 -c 'import json, sys; c = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
		"$1/config.json" "$2"
}

test_id_spec_userns() {
	local d=$T/s1
	mkdir "$d"
	assert_ok "$CELL" spec --userns -b "$d"
	assert_eq "[{'containerID': 0, 'hostID': 100000, 'size': 65536}]" "$(spec_json "$d" 'c["linux"]["uidMappings"]')" "uidMappings"
	assert_eq "[{'containerID': 0, 'hostID': 100000, 'size': 65536}]" "$(spec_json "$d" 'c["linux"]["gidMappings"]')" "gidMappings"
	assert_eq True "$(spec_json "$d" '{"type": "user"} in c["linux"]["namespaces"]')" "user namespace"
	assert_eq True "$(spec_json "$d" '"resources" in c["linux"]')" "resources kept (root)"
	d=$T/s2
	mkdir "$d"
	assert_ok "$CELL" spec --userns --map-from 300000 --map-size 1000 -b "$d"
	assert_eq "[{'containerID': 0, 'hostID': 300000, 'size': 1000}]" "$(spec_json "$d" 'c["linux"]["uidMappings"]')" "uidMappings"
	# The spec runs as written: root inside, 300000 outside.
	B=$d
	cp -a "$RUN_DIR/rootfs" "$d/rootfs"
	chown -R 300000:300000 "$d/rootfs"
	cfg --args sh -c 'id -u; cat /proc/self/uid_map'
	cfg "process.env+=\"CELL_TEST_CTR=$CELL_TEST_TAG\""
	ctr_run id-spec
	assert_rc 0 "run of the spec: $ERR"
	assert_match "$OUT" '^0$' "id -u"
	assert_match "$OUT" '0 +300000 +1000' "uid_map"
}

test_id_spec_userns_errors() {
	mkdir "$T/s"
	assert_fail "$CELL" spec --userns --map-from 4294967295 --map-size 2 -b "$T/s"
	assert_contains "$ERR" "--map-from 4294967295 + --map-size 2 passes 2^32"
	assert_fail "$CELL" spec --userns --map-size 0 -b "$T/s"
	assert_contains "$ERR" "--map-size"
	assert_fail "$CELL" spec --map-from 1000 -b "$T/s"
	assert_contains "$ERR" "need --userns"
	assert_fail "$CELL" spec --userns=sometimes -b "$T/s"
	assert_contains "$ERR" "--userns"
	[ ! -e "$T/s/config.json" ] || fail "a refused spec wrote config.json"
}

test_id_bad_mount_maps() {
	make_bundle
	mkdir "$T/src"
	cfg_args true
	cfg "mounts+={\"destination\":\"/mnt\",\"type\":\"bind\",\"source\":\"$T/src\",\"options\":[\"bind\"],
\"uidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":10},{\"containerID\":5,\"hostID\":200000,\"size\":1}],
\"gidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":10}]}"
	BEFORE=$(mounts_snapshot)
	ctr_run id-badmnt
	expect_clean_failure id-badmnt 'mounts\[[0-9]+\]\.uidMappings\[1\]: containerID range overlaps' "error names the mount's field"
}
