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
	assert_ok rt info --format json id-mapped
	assert_eq '[{"containerID": 0, "hostID": 100000, "size": 65536}]' "$(printf '%s' "$OUT" | jget uid_map)" "info json uid_map"
	assert_eq '[{"containerID": 0, "hostID": 100000, "size": 65536}]' "$(printf '%s' "$OUT" | jget gid_map)" "info json gid_map"
	assert_ok rt delete --force id-mapped
}

test_id_info_without_userns() {
	make_bundle
	cfg_args sleep 600
	ctr_detach id-plain
	assert_ok rt info id-plain
	assert_not_contains "$OUT" "UID map:" "info without a user namespace"
	assert_ok rt info --format json id-plain
	assert_not_contains "$OUT" "uid_map" "info json without a user namespace"
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

# --- `auto` ranges: leased at create from a host-wide pool, freed at delete.

# auto_bundle [SIZE]: $B with a new user namespace and an `auto` range.
auto_bundle() {
	make_bundle
	ns_add user
	cfg "annotations={\"cell.idmap.size\":\"${1:-65536}\"}"
	cfg_args sleep 600
}

# auto_range ID: "START SIZE" of the container's uid map (one line; the
# gid map must be the same); fails the test otherwise.
auto_range() {
	local pid u g
	pid=$(ctr_pid "$1")
	u=$(awk '{ print $1, $2, $3 }' "/proc/$pid/uid_map")
	g=$(awk '{ print $1, $2, $3 }' "/proc/$pid/gid_map")
	[ "$u" = "$g" ] || fail "$1: uid map [$u] and gid map [$g] differ"
	[ "$(printf '%s\n' "$u" | wc -l)" = 1 ] && [ "${u%% *}" = 0 ] || fail "$1: map [$u]"
	[ "$(proc_status "$pid" Uid | awk '{ print $1 }')" = "$(echo "$u" | cut -d' ' -f2)" ] ||
		fail "$1: the host's view of the uid is not the range's start"
	echo "$u" | cut -d' ' -f2,3
}

# leases_of_test: the lease files naming this test's state dirs.
leases_of_test() {
	grep -lsF " $ROOT/" /run/cell.idmap/* 2>/dev/null | sort || true
}

test_id_auto_ten_disjoint() {
	local i r ranges="" freed="" again=""
	auto_bundle
	for i in 0 1 2 3 4 5 6 7 8 9; do
		ctr_detach "auto$i"
	done
	for i in 0 1 2 3 4 5 6 7 8 9; do
		r=$(auto_range "auto$i")
		assert_match "$r" ' 65536$' "size of auto$i"
		ranges="$ranges$r
"
	done
	# Disjoint: sorted by start, each ends before the next begins.
	printf '%s' "$ranges" | sort -n | awk 'NR > 1 && $1 < end { bad = 1 } { end = $1 + $2 } END { exit bad }' ||
		fail "ranges overlap: $ranges"
	assert_eq 10 "$(leases_of_test | wc -l)" "lease files"
	assert_eq "$(auto_range auto4)" "$(cat "$ROOT/auto4/idmap")" "the container's own record"
	# Freed on delete, and reused by the next containers.
	for i in 2 5 8; do
		freed="$freed$(auto_range "auto$i")
"
		assert_ok rt delete --force "auto$i"
	done
	assert_eq 7 "$(leases_of_test | wc -l)" "lease files after 3 deletes"
	for i in 10 11 12; do
		ctr_detach "auto$i"
		again="$again$(auto_range "auto$i")
"
	done
	assert_eq "$(printf '%s' "$freed" | sort -n)" "$(printf '%s' "$again" | sort -n)" "ranges reused"
	for i in 0 1 3 4 6 7 9 10 11 12; do
		assert_ok rt delete --force "auto$i"
	done
	assert_eq "" "$(leases_of_test)" "leases after deleting every container"
}

# A lease whose container's state is gone (cell or the host crashed) is
# taken over by the next allocation; a failed create leaves no lease.
test_id_auto_reclaim() {
	local r1 r2 pid
	auto_bundle
	ctr_detach auto-a
	r1=$(auto_range auto-a)
	pid=$(ctr_pid auto-a)
	kill -KILL "$pid"
	rm -rf "$ROOT/auto-a"
	assert_eq 1 "$(leases_of_test | wc -l)" "stale lease still there"
	ctr_detach auto-b
	r2=$(auto_range auto-b)
	assert_eq "$r1" "$r2" "range of the lost container reused"
	assert_eq 1 "$(leases_of_test | wc -l)" "lease files"
	assert_ok rt delete --force auto-b
	# The lost container's cgroups are taken over by the next of its ID.
	ctr_detach auto-a
	assert_ok rt delete --force auto-a
	cfg_args /nonexistent
	ctr_run auto-c
	[ "$RC" != 0 ] || fail "run of a missing program succeeded"
	assert_eq "" "$(leases_of_test)" "leases after a failed run"
}

test_id_auto_spec() {
	local d=$T/s
	mkdir "$d"
	assert_ok "$CELL" spec -b "$d" --userns auto
	assert_eq "{'cell.idmap.size': '65536'}" "$(spec_json "$d" 'c["annotations"]')" "annotation"
	assert_eq False "$(spec_json "$d" '"uidMappings" in c["linux"]')" "no fixed map"
	B=$d
	cp -a "$RUN_DIR/rootfs" "$d/rootfs"
	cfg "process.env+=\"CELL_TEST_CTR=$CELL_TEST_TAG\""
	cfg_args sh -c 'id -u; cat /proc/self/uid_map'
	ctr_run auto-spec
	assert_rc 0 "run of the spec: $ERR"
	assert_match "$OUT" '^0
 *0 +[0-9]+ +65536$' "id -u and uid_map"
	rm "$d/config.json"
	assert_ok "$CELL" spec --userns --map-from auto --map-size 1000 -b "$d"
	assert_eq "{'cell.idmap.size': '1000'}" "$(spec_json "$d" 'c["annotations"]')" "annotation"
	cfg "process.env+=\"CELL_TEST_CTR=$CELL_TEST_TAG\""
	cfg_args cat /proc/self/uid_map
	ctr_run auto-spec2
	assert_rc 0 "run of the spec: $ERR"
	assert_match "$OUT" '^ *0 +[0-9]+ +1000$' "uid_map"
	assert_eq "" "$(leases_of_test)" "leases after the runs"
}

# The pool: root's ranges in /etc/subuid when there are any; ranges
# delegated to users are never leased.
test_id_auto_pool() {
	local u
	auto_bundle
	add_root_subids 3000000 131072
	u=$(make_test_user)
	add_subids "$u" 3000000 65536
	ctr_detach auto-p1
	assert_eq "3065536 65536" "$(auto_range auto-p1)" "first range of root's pool clear of $u's"
	ctr_run auto-p2
	assert_match "$ERR" 'no free range of 65536 ids left in the pool \(root.s entries in /etc/subuid\)' "full pool"
	assert_one_line "$ERR"
	[ ! -e "$ROOT/auto-p2" ] || fail "state dir left by a refused run"
	assert_ok rt delete --force auto-p1
	ctr_detach auto-p3
	assert_eq "3065536 65536" "$(auto_range auto-p3)" "range reused"
	assert_ok rt delete --force auto-p3
	drop_test_users
	drop_root_subids
}

test_id_auto_errors() {
	auto_bundle
	BEFORE=$(mounts_snapshot)
	cfg 'annotations={"cell.idmap.size":"0"}'
	ctr_run auto-e
	expect_clean_failure auto-e 'annotations\[cell\.idmap\.size\]: `0` is not a number from 1 to 4294967295'
	cfg 'annotations={"cell.idmap.size":"65536","cell.idmap.from":"1"}'
	ctr_run auto-e
	expect_clean_failure auto-e 'annotations\[cell\.idmap\.from\]: unknown id map setting'
	cfg 'annotations={"cell.idmap.size":"65536"}' \
		'linux.uidMappings=[{"containerID":0,"hostID":100000,"size":10}]'
	ctr_run auto-e
	expect_clean_failure auto-e 'linux\.uidMappings: given together with an `auto` range'
	cfg --del linux.uidMappings
	ns_del user
	ctr_run auto-e
	expect_clean_failure auto-e 'an `auto` range needs a new user namespace'
	assert_eq "" "$(leases_of_test)" "leases"
}
