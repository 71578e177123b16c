# shellcheck shell=bash disable=SC2016 # sh -c scripts are single-quoted on purpose
# Namespaces: made, not made, joined by path; user (id-mapped) and time.

# The program prints "TYPE LINK" for each namespace of the shell (pid 1).
NS_REPORT='for n in pid net ipc uts mnt cgroup user time; do
	[ -e /proc/1/ns/$n ] && echo "$n $(readlink /proc/1/ns/$n)"
done'

ns_line() { # OUTPUT TYPE: the link the container reported for TYPE
	printf '%s\n' "$1" | awk -v t="$2" '$1 == t { print $2 }'
}

test_namespaces_differ_from_host() {
	make_bundle
	cfg_sh "$NS_REPORT"
	ctr_run c1
	assert_rc 0
	note "$OUT"
	local n
	for n in pid net ipc uts mnt cgroup; do
		assert_match "$(ns_line "$OUT" $n)" "^$n:\[[0-9]+\]$" "$n namespace inside"
		assert_ne "$(host_ns $n)" "$(ns_line "$OUT" $n)" "$n namespace (host's is $(host_ns $n))"
	done
	# Not configured: shared with the host.
	assert_eq "$(host_ns user)" "$(ns_line "$OUT" user)" "user namespace (not configured)"
	if kernel_has_ns time; then
		assert_eq "$(host_ns time)" "$(ns_line "$OUT" time)" "time namespace (not configured)"
	fi
}

test_namespaces_not_configured_are_shared() {
	make_bundle
	ns_del network ipc uts cgroup
	cfg --del hostname
	cfg_sh "$NS_REPORT"
	ctr_run c1
	assert_rc 0
	local n
	for n in net ipc uts cgroup; do
		assert_eq "$(host_ns $n)" "$(ns_line "$OUT" $n)" "$n namespace (not configured)"
	done
	for n in pid mnt; do
		assert_ne "$(host_ns $n)" "$(ns_line "$OUT" $n)" "$n namespace"
	done
}

test_net_namespace_has_only_lo() {
	make_bundle
	cfg_sh 'ip link'
	ctr_run c1
	assert_rc 0
	note "$OUT"
	local links
	links=$(printf '%s\n' "$OUT" | grep -E '^[0-9]+:' | awk '{ print $2 }' | xargs)
	assert_eq "lo:" "$links" "interfaces in the container"
}

test_loopback_is_up() {
	# runc and crun bring lo up in a network namespace they make.
	make_bundle
	cfg_sh 'ip link show lo | head -n 1; ip addr show lo | grep -o "inet [0-9./]*"'
	ctr_run c1
	assert_rc 0
	note "$OUT"
	assert_match "$(printf '%s\n' "$OUT" | head -n 1)" '[<,]UP[,>]' "lo flags"
	assert_contains "$OUT" "inet 127.0.0.1/8" "lo address"
}

test_join_netns_by_path() {
	make_bundle
	local name inode
	name=$(make_netns)
	inode=$(stat -L -c %i "/run/netns/$name")
	ns_add network "/run/netns/$name"
	cfg_sh "$NS_REPORT; ip link"
	ctr_run c1
	assert_rc 0
	assert_eq "net:[$inode]" "$(ns_line "$OUT" net)" "joined network namespace"
	assert_ne "$(host_ns net)" "net:[$inode]" "host network namespace"
	assert_ne "$(host_ns ipc)" "$(ns_line "$OUT" ipc)" "ipc namespace (still new)"
}

test_join_namespaces_of_another_container() {
	make_bundle
	cfg_args sleep 600
	ctr_detach first
	local pid
	pid=$(ctr_pid first)
	make_bundle "$T/second"
	B="$T/second"
	ns_add network "/proc/$pid/ns/net"
	ns_add ipc "/proc/$pid/ns/ipc"
	ns_add uts "/proc/$pid/ns/uts"
	cfg --del hostname
	cfg_sh "$NS_REPORT; hostname"
	ctr_run second
	assert_rc 0
	note "$OUT"
	local n
	for n in net ipc uts; do
		assert_eq "$(readlink "/proc/$pid/ns/$n")" "$(ns_line "$OUT" $n)" "$n namespace joined from the first container"
	done
	assert_ne "$(readlink "/proc/$pid/ns/pid")" "$(ns_line "$OUT" pid)" "pid namespace (new)"
	assert_ne "$(readlink "/proc/$pid/ns/mnt")" "$(ns_line "$OUT" mnt)" "mount namespace (new)"
	assert_eq cell "$(printf '%s\n' "$OUT" | tail -n 1)" "hostname of the joined uts namespace"
}

test_join_bad_namespace_path_fails() {
	make_bundle
	ns_add network /no/such/netns
	local before
	before=$(mounts_snapshot)
	cfg_args true
	ctr_run c1
	[ "$RC" != 0 ] || fail "run with a missing namespace path succeeded"
	assert_contains "$ERR" "/no/such/netns" "error names the path"
	[ ! -e "$ROOT/c1" ] || fail "state dir left"
	assert_eq "" "$(leftover_procs)" "processes left"
	assert_eq "$before" "$(mounts_snapshot)" "host mount table"
}

test_user_namespace_id_mapped() {
	kernel_has_ns user || skip "kernel has no user namespaces"
	make_bundle
	userns_map
	share_dir
	cfg_sh 'id -u >/shared/uid; id -g >/shared/gid
cat /proc/self/uid_map >/shared/uid_map; cat /proc/self/gid_map >/shared/gid_map
readlink /proc/1/ns/user >/shared/userns; touch /shared/ready; exec sleep 600'
	ctr_detach c1
	wait_for 10 test -e "$SHARED/ready" || fail "container did not start: $(cat "$T/c1.err")"
	local pid
	pid=$(ctr_pid c1)
	assert_eq 0 "$(cat "$SHARED/uid")" "id -u inside"
	assert_eq 0 "$(cat "$SHARED/gid")" "id -g inside"
	assert_eq "0 100000 65536" "$(xargs <"$SHARED/uid_map")" "uid_map"
	assert_eq "0 100000 65536" "$(xargs <"$SHARED/gid_map")" "gid_map"
	assert_ne "$(host_ns user)" "$(cat "$SHARED/userns")" "user namespace"
	assert_eq 100000 "$(stat -c %u "/proc/$pid")" "the host's view of the uid"
	assert_match "$(proc_status "$pid" Uid)" '^100000[[:space:]]' "Uid in /proc/$pid/status"
	assert_match "$(proc_status "$pid" Gid)" '^100000[[:space:]]' "Gid in /proc/$pid/status"
	assert_eq 100000 "$(stat -c %u "$SHARED/ready")" "owner of a file the container made"
}

test_user_namespace_root_is_not_host_root() {
	kernel_has_ns user || skip "kernel has no user namespaces"
	make_bundle
	userns_map
	share_dir
	echo secret >"$SHARED/rootonly"
	chmod 0600 "$SHARED/rootonly"
	cfg_sh 'cat /shared/rootonly; echo rc=$?'
	ctr_run c1
	assert_rc 0
	assert_contains "$OUT" "rc=1" "reading a host root-only file from mapped root"
	assert_not_contains "$OUT" secret
}

test_time_namespace() {
	kernel_has_ns time || skip "kernel has no time namespaces"
	runtime_lists_ns time || skip "the runtime's features do not list the time namespace"
	make_bundle
	ns_add time
	cfg 'linux.timeOffsets={"monotonic":{"secs":86400,"nanosecs":0},"boottime":{"secs":172800,"nanosecs":0}}'
	cfg_sh "$NS_REPORT; cat /proc/uptime"
	ctr_run c1
	assert_rc 0
	note "$OUT"
	assert_ne "$(host_ns time)" "$(ns_line "$OUT" time)" "time namespace"
	local inside host
	inside=$(printf '%s\n' "$OUT" | tail -n 1 | cut -d. -f1)
	host=$(cut -d. -f1 /proc/uptime)
	[ "$inside" -ge $((host + 172000)) ] ||
		fail "uptime inside ($inside s) should be the host's ($host s) + 172800 s"
}

# ---- sysctls, domainname, the intermediate start path, time offsets

# The base config (as `runc spec`) has /proc/sys in readonlyPaths: the
# sysctls must be written before it is made read-only.
test_sysctl_in_net_and_ipc_namespaces() {
	make_bundle
	local fwd shmmax
	fwd=$(cat /proc/sys/net/ipv4/ip_forward)
	shmmax=$(cat /proc/sys/kernel/shmmax)
	assert_ne 123456789 "$shmmax" "the host's kernel.shmmax (the test's value must differ)"
	cfg 'linux.sysctl={"net.ipv4.ip_forward":"1","kernel.shmmax":"123456789"}'
	cfg_sh 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax'
	ctr_run c1
	assert_rc 0
	assert_eq "1
123456789" "$OUT" "ip_forward and shmmax inside"
	assert_eq "$fwd" "$(cat /proc/sys/net/ipv4/ip_forward)" "the host's net.ipv4.ip_forward"
	assert_eq "$shmmax" "$(cat /proc/sys/kernel/shmmax)" "the host's kernel.shmmax"
}

test_domainname() {
	make_bundle
	local host_before
	host_before=$(cat /proc/sys/kernel/domainname)
	cfg domainname=example.org
	cfg_sh 'cat /proc/sys/kernel/domainname; hostname'
	ctr_run c1
	assert_rc 0
	assert_eq "example.org
cell" "$OUT" "domainname and hostname inside"
	assert_eq "$host_before" "$(cat /proc/sys/kernel/domainname)" "the host's domainname"
}

# A new user namespace with a network namespace joined by path: the
# namespace must be joined before the user namespace is made, which cell
# does from an intermediate process.
test_new_userns_with_joined_netns() {
	kernel_has_ns user || skip "kernel has no user namespaces"
	make_bundle
	userns_map
	share_dir
	local name inode pid
	name=$(make_netns)
	inode=$(stat -L -c %i "/run/netns/$name")
	ns_add network "/run/netns/$name"
	cfg_sh 'readlink /proc/self/ns/net >/shared/net; id -u >/shared/uid
readlink /proc/self/ns/user >/shared/userns; touch /shared/ready; exec sleep 600'
	ctr_detach c1
	wait_for 10 test -e "$SHARED/ready" || fail "container did not start: $(cat "$T/c1.err")"
	pid=$(ctr_pid c1)
	assert_eq "net:[$inode]" "$(cat "$SHARED/net")" "network namespace inside (joined /run/netns/$name)"
	assert_eq "net:[$inode]" "$(readlink "/proc/$pid/ns/net")" "network namespace of the container's pid $pid"
	assert_eq 0 "$(cat "$SHARED/uid")" "id -u inside"
	assert_ne "$(host_ns user)" "$(cat "$SHARED/userns")" "user namespace (new)"
	assert_eq 100000 "$(stat -c %u "/proc/$pid")" "the host's view of the uid"
	assert_match "$(proc_status "$pid" Uid)" '^100000[[:space:]]' "Uid in /proc/$pid/status"
}

test_join_pid_namespace_of_another_container() {
	make_bundle
	cfg_args sleep 600
	ctr_detach first
	local pid
	pid=$(ctr_pid first)
	make_bundle "$T/second"
	B="$T/second"
	ns_add pid "/proc/$pid/ns/pid"
	# `; true` keeps sh from exec'ing ps in its place.
	cfg_sh 'readlink /proc/self/ns/pid; ps -o pid,args; true'
	ctr_run second
	assert_rc 0
	note "$OUT"
	assert_eq "$(readlink "/proc/$pid/ns/pid")" "$(printf '%s\n' "$OUT" | head -n 1)" "pid namespace joined"
	assert_match "$OUT" '^ *1 sleep 600$' "ps in the second container shows the first one's PID 1"
	assert_match "$OUT" '^ *[0-9]+ sh -c readlink' "ps shows the second container's own shell"
	pid_alive "$pid" || fail "the first container died"
}

test_join_userns_of_another_container() {
	join_userns_of_another_container
}

# podman hands the maps along with a joined namespace's path: accepted,
# and not written (the namespace has its maps already).
test_join_userns_with_maps_given() {
	join_userns_of_another_container with-maps
}

join_userns_of_another_container() { # [with-maps]
	kernel_has_ns user || skip "kernel has no user namespaces"
	make_bundle
	userns_map
	cfg_args sleep 600
	ctr_detach first
	local pid
	pid=$(ctr_pid first)
	make_bundle "$T/second"
	chown -R 100000:100000 "$T/second/rootfs"
	B="$T/second"
	ns_add user "/proc/$pid/ns/user"
	if [ "${1:-}" = with-maps ]; then
		cfg 'linux.uidMappings=[{"containerID":0,"hostID":100000,"size":65536}]' \
			'linux.gidMappings=[{"containerID":0,"hostID":100000,"size":65536}]'
	fi
	cfg hostname=second
	cfg_sh "$NS_REPORT; id -u; hostname"
	ctr_run second
	assert_rc 0
	note "$OUT"
	assert_eq "$(readlink "/proc/$pid/ns/user")" "$(ns_line "$OUT" user)" "user namespace joined"
	local n
	for n in mnt uts; do
		assert_ne "$(readlink "/proc/$pid/ns/$n")" "$(ns_line "$OUT" $n)" "$n namespace (new, not the first's)"
		assert_ne "$(host_ns $n)" "$(ns_line "$OUT" $n)" "$n namespace (new, not the host's)"
	done
	assert_eq "0
second" "$(printf '%s\n' "$OUT" | tail -n 2)" "id -u and hostname inside"
	pid_alive "$pid" || fail "the first container died"
}

test_time_namespace_offsets() {
	kernel_has_ns time || skip "kernel has no time namespaces"
	runtime_lists_ns time || skip "the runtime's features do not list the time namespace"
	make_bundle
	ns_add time
	cfg 'linux.timeOffsets={"monotonic":{"secs":86400,"nanosecs":0},"boottime":{"secs":172800,"nanosecs":5000}}'
	# /proc/uptime follows CLOCK_BOOTTIME (time_namespaces(7)).
	cfg_sh 'cat /proc/self/timens_offsets; cat /proc/uptime'
	ctr_run c1
	assert_rc 0
	note "$OUT"
	assert_eq "monotonic 86400 0" "$(printf '%s\n' "$OUT" | awk '$1 == "monotonic"' | xargs)" "monotonic offset"
	assert_eq "boottime 172800 5000" "$(printf '%s\n' "$OUT" | awk '$1 == "boottime"' | xargs)" "boottime offset"
	local inside host
	inside=$(printf '%s\n' "$OUT" | tail -n 1 | cut -d. -f1)
	host=$(cut -d. -f1 /proc/uptime)
	if [ "$inside" -lt $((host + 172000)) ] || [ "$inside" -gt $((host + 172900)) ]; then
		fail "uptime inside ($inside s) should be the host's ($host s) + 172800 s"
	fi
}
