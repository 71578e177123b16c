# shellcheck shell=bash disable=SC2016 # sh -c scripts are single-quoted on purpose
# Networking (net/): veth pairs on a bridge, none/host/ns:PATH, leases,
# teardown. Every bridge is made for the test (net_bridge) on a test-only
# subnet, and removed by the cleanup.

# net_bundle: $B with a veth network on a new bridge $BR, subnet $NET.0/24
# (gateway $NET.1) and IPv6 $NET6::/64; ping allowed (CAP_NET_RAW).
net_bundle() {
	make_bundle
	BR=$(net_bridge)
	NET="10.231.$((RANDOM % 250 + 1))"
	NET6="fdce:$(printf %x $((RANDOM % 65536)))::"
	cfg 'annotations["cell.net.type"]=veth' "annotations[\"cell.net.bridge\"]=$BR" \
		"annotations[\"cell.net.bridge.ipv4\"]=$NET.1/24" \
		"annotations[\"cell.net.bridge.ipv6\"]=${NET6}1/64"
	local s
	for s in bounding effective permitted; do cfg "process.capabilities.$s+=\"CAP_NET_RAW\""; done
}

ctr_ip() { # ID [6]: the container's IPv4 (or IPv6) address from `info`
	local pat='^[0-9.]+$'
	[ "${2:-}" = 6 ] && pat=':'
	rt info "$1" | awk -v p="$pat" '$1 == "IP:" && $2 ~ p { print $2; exit }'
}

ports_of() { # BRIDGE: the links attached to it
	ip -o link show master "$1" 2>/dev/null | awk -F': ' '{ print $2 }' | cut -d@ -f1 | xargs
}

leases() { # [BRIDGE]: the lease entries of $BR (host-wide; not the .made mark)
	ls "/run/cell-net/${1:-$BR}" 2>/dev/null | xargs
}

assert_no_net_left() { # BRIDGE
	assert_eq "" "$(ports_of "$1")" "links still attached to $1"
	assert_eq "" "$(leases "$1")" "leases of $1"
	assert_eq "" "$(ip -o link show | { grep -o 'cell-[0-9a-f]\{10\}' || true; } | while read -r l; do
		grep -lqs "$l" "$ROOT"/*/net || echo "$l"; done | xargs)" "cell- links of no container here"
	assert_eq "" "$({ ip route; ip -6 route; } | { grep -E "dev (cell-|$1)" || true; } |
		{ grep -v "dev $1 proto kernel" || true; } | xargs)" "routes through cell's links"
}

test_net_two_containers_ping_each_other_and_host_reaches_them() {
	net_bundle
	cfg_args sleep 60
	ctr_detach a
	local ipa
	ipa=$(ctr_ip a)
	assert_match "$ipa" "^$NET\.[0-9]+$" "address of a"
	cfg_sh "ping -c1 -W3 $ipa"
	ctr_run b
	assert_rc 0
	assert_contains "$OUT" "1 packets received"
	# The host reaches a through the bridge's address.
	assert_ok busybox ping -c1 -W3 "$ipa"
	assert_eq "$(ip -o -4 addr show dev "$BR" | awk '{ print $4 }')" "$NET.1/24" "bridge address"
}

test_net_ipv6_address_and_default_routes() {
	net_bundle
	cfg 'annotations["cell.net.ipv6"]=auto'
	cfg_sh 'ip -4 route; ip -6 route; ping6 -c1 -W3 '"${NET6}1"
	ctr_run c1
	assert_rc 0
	assert_contains "$OUT" "default via $NET.1 dev eth0"
	assert_contains "$OUT" "default via ${NET6}1 dev eth0"
	assert_contains "$OUT" "1 packets received"
}

test_net_none_sees_only_lo() {
	make_bundle
	cfg 'annotations["cell.net.type"]=none'
	cfg_sh 'ip -o link | cut -d: -f2 | xargs'
	ctr_run c1
	assert_rc 0
	assert_eq "lo" "$OUT" "links in a none container"
}

test_net_host_sees_host_links() {
	make_bundle
	ns_del network
	cfg 'annotations["cell.net.type"]=host'
	cfg_sh 'ip -o link | cut -d: -f2 | cut -d@ -f1 | xargs; readlink /proc/1/ns/net'
	ctr_run c1
	assert_rc 0
	local first
	first=$(printf '%s\n' "$OUT" | head -n 1)
	assert_eq "$(ip -o link | cut -d: -f2 | cut -d@ -f1 | xargs)" "$first" "links seen inside"
	assert_contains "$OUT" "$(host_ns net)"
}

test_net_host_type_with_netns_is_refused() {
	make_bundle
	cfg 'annotations["cell.net.type"]=host'
	ctr_run c1
	assert_rc 1
	assert_contains "$ERR" "annotations[cell.net.type]: \`host\` but linux.namespaces has a network namespace"
	assert_eq absent "$(ctr_status c1)"
}

test_net_joined_netns_is_shared() {
	local ns
	ns=$(make_netns)
	ip -n "$ns" link add cellv0 type veth peer name cellv1
	make_bundle
	ns_add network "/run/netns/$ns"
	cfg 'annotations["cell.net.type"]=ns'
	cfg_sh 'ip -o link | cut -d: -f2 | cut -d@ -f1 | xargs'
	ctr_run c1
	assert_rc 0
	assert_eq "lo cellv1 cellv0" "$OUT" "links in the joined namespace"
	ctr_run c2
	assert_rc 0
	assert_eq "lo cellv1 cellv0" "$OUT" "links seen by a second container"
}

test_net_auto_addresses_distinct_concurrent_and_reused() {
	net_bundle
	cfg_args sleep 60
	local i pids=() ips freed new
	# Half of them under a second --root: the leases are host-wide.
	for i in $(seq 1 20); do
		if [ $((i % 2)) = 0 ]; then
			"$CELL" --root "$T/state-2" create -b "$B" "n$i" </dev/null >"$T/n$i.out" 2>"$T/n$i.err" &
		else
			rt create -b "$B" "n$i" </dev/null >"$T/n$i.out" 2>"$T/n$i.err" &
		fi
		pids+=($!)
	done
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}" || fail "create n$((i + 1)) failed: $(cat "$T/n$((i + 1)).err")"
	done
	ip_of() { # N: n$N's address, from the root it is under
		if [ $(($1 % 2)) = 0 ] && [ "$1" -le 20 ]; then
			"$CELL" --root "$T/state-2" info "n$1" | awk '$1 == "IP:" { print $2; exit }'
		else
			ctr_ip "n$1"
		fi
	}
	ips=$(for i in $(seq 1 20); do ip_of "$i"; done | sort -u)
	assert_eq 20 "$(printf '%s\n' "$ips" | grep -c "^$NET\.")" "distinct addresses: $(echo $ips)"
	assert_eq 20 "$(ports_of "$BR" | wc -w)" "veths on the bridge"
	# Free five; the next five get exactly those back.
	freed=$(for i in 3 7 11 15 19; do ctr_ip "n$i"; done | sort | xargs)
	for i in 3 7 11 15 19; do assert_ok rt delete --force "n$i"; done
	for i in $(seq 21 25); do ctr_create "n$i"; done
	new=$(for i in $(seq 21 25); do ctr_ip "n$i"; done | sort | xargs)
	assert_eq "$freed" "$new" "addresses reused"
	assert_eq 10 "$(rt list | grep -c "$NET\.")" "list shows the addresses"
	assert_eq 10 "$("$CELL" --root "$T/state-2" list | grep -c "$NET\.")" "list of the second root"
}

test_net_nothing_left_after_delete() {
	net_bundle
	cfg 'annotations["cell.net.ipv6"]=auto'
	cfg_args sleep 60
	ctr_detach c1
	assert_eq 1 "$(ports_of "$BR" | wc -w)" "veth attached"
	assert_eq 2 "$(leases | wc -w)" "leases while running"
	assert_ok rt delete --force c1
	assert_no_net_left "$BR"
	# The bridge is shared: it stays.
	assert_ok ip link show "$BR"
}

test_net_nothing_left_after_run_exits() {
	net_bundle
	cfg_args true
	ctr_run c1
	assert_rc 0
	assert_no_net_left "$BR"
}

test_net_failed_create_leaves_nothing() {
	net_bundle
	# Refused before anything is made.
	cfg 'annotations["cell.net.ipv4"]=10.231.0.300'
	ctr_run c1
	assert_rc 1
	assert_contains "$ERR" 'annotations[cell.net.ipv4]: `10.231.0.300`'
	assert_one_line "$ERR"
	assert_fail ip link show "$BR"
	# Fails after the veth exists: the program is missing.
	cfg --del 'annotations["cell.net.ipv4"]'
	cfg_args /no/such/program
	ctr_run c2
	[ "$RC" != 0 ] || fail "run of a missing program succeeded"
	assert_contains "$ERR" "/no/such/program"
	assert_eq absent "$(ctr_status c2)"
	assert_no_net_left "$BR"
}

test_net_address_in_use_fails_and_leaves_nothing() {
	net_bundle
	cfg "annotations[\"cell.net.ipv4\"]=$NET.9"
	cfg_args sleep 60
	ctr_detach c1
	assert_eq "$NET.9" "$(ctr_ip c1)"
	ctr_run c2
	assert_rc 1
	assert_contains "$ERR" "lease $NET.9: leased to another container"
	assert_eq 1 "$(ports_of "$BR" | wc -w)" "links on the bridge"
	assert_eq "$NET.9" "$(leases)" "leases"
}

test_net_kill_9_then_delete_leaves_nothing() {
	net_bundle
	cfg_args sleep 60
	ctr_detach c1
	local pid
	pid=$(ctr_pid c1)
	kill -9 "$pid"
	wait_status c1 stopped
	# The veth dies with the namespace; the lease waits for delete.
	wait_for 5 test -z "$(ports_of "$BR")" || fail "veth still attached after kill -9: $(ports_of "$BR")"
	assert_ok rt delete c1
	assert_no_net_left "$BR"
}

test_net_lease_of_a_vanished_container_is_reclaimed() {
	net_bundle
	cfg "annotations[\"cell.net.ipv4\"]=$NET.5"
	cfg_args sleep 60
	ctr_detach c1
	kill -9 "$(ctr_pid c1)"
	wait_status c1 stopped
	# As if cell crashed and its state was lost: the lease stays behind...
	rm -rf "${ROOT:?}/c1"
	assert_eq "$NET.5" "$(leases)"
	# ...until an allocation finds its container gone.
	ctr_detach c2
	assert_eq "$NET.5" "$(ctr_ip c2)"
	assert_ok rt delete --force c2
	assert_no_net_left "$BR"
	# The lost container's empty cgroups are taken over by the next one
	# of its ID, and go with it (the runner checks that none is left).
	cfg "annotations[\"cell.net.ipv4\"]=auto"
	ctr_detach c1
	assert_ok rt delete --force c1
}

test_net_mac_and_mtu_seen_inside() {
	net_bundle
	cfg 'annotations["cell.net.mac"]=02:ce:11:22:33:44' 'annotations["cell.net.mtu"]="1280"' \
		'annotations["cell.net.name"]=net0'
	cfg_sh 'cat /sys/class/net/net0/address /sys/class/net/net0/mtu'
	ctr_run c1
	assert_rc 0
	assert_eq "02:ce:11:22:33:44 1280" "$(echo $OUT)" "MAC and MTU inside"
}

test_net_default_mac_is_stable_for_the_id() {
	net_bundle
	cfg_sh 'cat /sys/class/net/eth0/address'
	ctr_run same-id
	assert_rc 0
	local first=$OUT
	assert_match "$first" '^00:16:3e:[0-7][0-9a-f](:[0-9a-f]{2}){2}$' "generated MAC"
	ctr_run same-id
	assert_eq "$first" "$OUT" "MAC for the same ID"
	ctr_run other-id
	assert_ne "$first" "$OUT" "MAC for another ID"
}

test_net_info_shows_addresses_link_and_bytes() {
	net_bundle
	cfg_args sleep 60
	ctr_detach c1
	assert_ok busybox ping -c2 -W3 "$(ctr_ip c1)"
	assert_ok rt info -H c1
	assert_match "$OUT" '^Name: +c1$'
	assert_match "$OUT" '^State: +RUNNING$'
	assert_match "$OUT" "^IP: +$NET\.[0-9]+$"
	assert_match "$OUT" '^Link: +cell-[0-9a-f]{10}$'
	local tx
	tx=$(printf '%s\n' "$OUT" | awk '$1 == "TX" { print $3 }')
	[ "${tx:-0}" -ge 196 ] || fail "TX bytes after two pings: ${tx:-none}"
	assert_contains "$(ports_of "$BR")" "$(printf '%s\n' "$OUT" | awk '$1 == "Link:" { print $2 }')"
	assert_ok rt info --format json c1
	assert_contains "$(printf '%s' "$OUT" | jget ips)" "\"$(ctr_ip c1)\"" "info json ips"
	assert_match "$(printf '%s' "$OUT" | jget link)" '^cell-[0-9a-f]{10}$' "info json link"
	[ "$(printf '%s' "$OUT" | jget tx_bytes)" -ge 196 ] || fail "info json tx_bytes: $OUT"
}

test_net_spec_bridge_runs() {
	make_bundle
	rm "$B/config.json"
	local br
	br=$(net_bridge)
	assert_ok rt spec -b "$B" --net "bridge:$br"
	# A test-only subnet instead of the default one.
	cfg "annotations[\"cell.net.bridge.ipv4\"]=10.232.$((RANDOM % 250 + 1)).1/24" \
		"process.env+=\"CELL_TEST_CTR=$CELL_TEST_TAG\""
	cfg_sh 'ip -o -4 addr show eth0 | awk "{ print \$4 }"'
	ctr_run c1
	assert_rc 0
	assert_match "$OUT" '^10\.232\.[0-9]+\.2/24$' "address inside"
	assert_no_net_left "$br"
}

test_net_bridge_removed_with_last_user_when_asked() {
	net_bundle
	cfg 'annotations["cell.net.bridge.remove"]="true"'
	cfg_args sleep 60
	ctr_detach c1
	ctr_detach c2
	assert_ok rt delete --force c1
	assert_ok ip link show "$BR"
	assert_ok rt delete --force c2
	assert_fail ip link show "$BR"
}

test_net_error_names_operation_and_link() {
	net_bundle
	# The "bridge" is a veth: attaching to it fails after the leases.
	ip link add "$BR" type veth peer name "${BR}p"
	ctr_run c1
	assert_rc 1
	assert_match "$ERR" 'create veth cell-[0-9a-f]{10}: '
	assert_one_line "$ERR"
	assert_eq "" "$(leases)" "leases"
	assert_eq "" "$(ip -o link | { grep -o 'cell-[0-9a-f]*' || true; } | while read -r l; do
		grep -lqs "$l" "$ROOT"/*/net || echo "$l"; done | xargs)" "cell links"
}

test_net_leases_are_host_wide_across_roots() {
	net_bundle
	cfg_args sleep 60
	local root2="$T/state-2" ip1 ip2 l1 l2 # deleted by the cleanup too
	ctr_detach c1
	# The same ID under another --root, on the same bridge.
	assert_ok "$CELL" --root "$root2" run -d -b "$B" c1
	ip1=$(ctr_ip c1)
	ip2=$("$CELL" --root "$root2" info c1 | awk '$1 == "IP:" { print $2; exit }')
	assert_match "$ip1" "^$NET\.[0-9]+$" "address under the first root"
	assert_match "$ip2" "^$NET\.[0-9]+$" "address under the second root"
	assert_ne "$ip1" "$ip2" "addresses of the two c1"
	l1=$(rt info c1 | awk '$1 == "Link:" { print $2 }')
	l2=$("$CELL" --root "$root2" info c1 | awk '$1 == "Link:" { print $2 }')
	assert_ne "$l1" "$l2" "host ends of the two c1"
	assert_eq 2 "$(ports_of "$BR" | wc -w)" "links on the bridge"
	assert_eq "$(printf '%s\n' "$ip1" "$ip2" | sort | xargs)" "$(leases)" "leases"
	# Deleting one leaves the other's lease.
	assert_ok "$CELL" --root "$root2" delete --force c1
	assert_eq "$ip1" "$(leases)" "lease left after deleting the second c1"
	assert_ok rt delete --force c1
	assert_no_net_left "$BR"
}

test_net_lease_of_a_dead_init_is_reclaimed() {
	net_bundle
	cfg "annotations[\"cell.net.ipv4\"]=$NET.7"
	cfg_args sleep 60
	ctr_detach c1
	kill -9 "$(ctr_pid c1)"
	wait_status c1 stopped
	# c1 is stopped, not deleted: its lease goes to the next taker.
	ctr_detach c2
	assert_eq "$NET.7" "$(ctr_ip c2)"
	# The delete of c1 leaves c2's lease alone.
	assert_ok rt delete c1
	assert_eq "$NET.7" "$(leases)" "lease of c2 after deleting c1"
	ctr_run c3
	assert_rc 1
	assert_contains "$ERR" "lease $NET.7: leased to another container"
	assert_ok rt delete --force c2
	assert_no_net_left "$BR"
}

# test_iface [ADDRESS]: an interface of this test on the host (one end
# of a veth pair whose other end, NAMEp, stays; up, with ADDRESS),
# removed by the cleanup; prints its name.
test_iface() {
	local d
	d=$(printf 'ctd%04x%04x' $((RANDOM % 65536)) $(($$ % 65536)))
	echo "$d" >>"$T/.links"
	ip link add "$d" type veth peer name "${d}p" || fail "ip link add $d type veth"
	[ -z "${1:-}" ] || ip addr add "$1" dev "$d"
	ip link set "$d" up
	echo "$d"
}

host_has_link() { ip link show "$1" >/dev/null 2>&1; }

test_netdev_moved_in_renamed_with_address_and_back_after_delete() {
	local d net="10.235.$((RANDOM % 250 + 1))"
	d=$(test_iface "$net.5/24")
	make_bundle
	cfg "linux.netDevices={\"$d\":{\"name\":\"moved0\"}}"
	cfg_sh 'ip -o -4 addr show moved0 | awk "{ print \$4 }"; cat /sys/class/net/moved0/flags; ls /sys/class/net | xargs'
	ctr_create c1
	host_has_link "$d" && fail "$d still on the host after create"
	assert_ok rt start c1
	wait_status c1 stopped
	assert_eq "$net.5/24" "$(sed -n 1p "$T/c1.out")" "address inside"
	assert_eq 1 "$(( $(sed -n 2p "$T/c1.out") & 1 ))" "up inside (IFF_UP in flags)"
	assert_eq "lo moved0" "$(sed -n 3p "$T/c1.out")" "links inside"
	# The namespace is pinned while the devices are in it.
	host_has_link "$d" && fail "$d back on the host before delete"
	assert_ok rt delete c1
	assert_ok host_has_link "$d"
	assert_fail ip link show moved0
	assert_eq "" "$(mounts_under "$ROOT")" "pins of network namespaces left"
}

test_netdev_back_after_kill_9_and_delete() {
	local d
	d=$(test_iface)
	make_bundle
	cfg "linux.netDevices={\"$d\":{}}"
	cfg_args sleep 60
	ctr_detach c1
	local pid
	pid=$(ctr_pid c1)
	assert_ok nsenter -t "$pid" -n ip link show "$d"
	host_has_link "$d" && fail "$d still on the host"
	kill -9 "$pid"
	wait_status c1 stopped
	assert_ok rt delete c1
	assert_ok host_has_link "$d"
	assert_eq "" "$(mounts_under "$ROOT")" "pins of network namespaces left"
}

test_netdev_back_after_foreground_run() {
	local d
	d=$(test_iface)
	make_bundle
	cfg "linux.netDevices={\"$d\":{\"name\":\"in0\"}}"
	cfg_sh 'ls /sys/class/net | xargs'
	ctr_run c1
	assert_rc 0
	assert_eq "in0 lo" "$OUT" "links inside"
	assert_ok host_has_link "$d"
	assert_eq absent "$(ctr_status c1)"
}

test_netdev_failed_create_puts_moved_devices_back() {
	local d
	d=$(test_iface)
	make_bundle
	# The first device moves, the second does not exist: the first
	# must come back.
	cfg "linux.netDevices={\"$d\":{\"name\":\"in0\"},\"ctnosuch0\":{}}"
	cfg_args true
	ctr_run c1
	assert_rc 1
	assert_contains "$ERR" 'linux.netDevices["ctnosuch0"]: find link ctnosuch0: No such device'
	assert_one_line "$ERR"
	assert_ok host_has_link "$d"
	assert_eq absent "$(ctr_status c1)"
	assert_eq "" "$(mounts_under "$ROOT")" "pins of network namespaces left"
}

test_netdev_needs_a_network_namespace_and_a_free_name() {
	local d
	d=$(test_iface)
	make_bundle
	ns_del network
	cfg "linux.netDevices={\"$d\":{}}"
	ctr_run c1
	assert_rc 1
	assert_contains "$ERR" "linux.netDevices: needs a network namespace"
	assert_ok host_has_link "$d"
	net_bundle
	cfg "linux.netDevices={\"$d\":{\"name\":\"eth0\"}}"
	ctr_run c2
	assert_rc 1
	assert_contains "$ERR" "linux.netDevices[\"$d\"]: the name inside, \`eth0\`, is also that of the veth"
	assert_ok host_has_link "$d"
}

test_netdev_with_veth_both_inside_and_cleaned() {
	local d
	d=$(test_iface)
	net_bundle
	cfg "linux.netDevices={\"$d\":{\"name\":\"extra0\"}}"
	cfg_args sleep 60
	ctr_detach c1
	assert_ok nsenter -t "$(ctr_pid c1)" -n ip link show extra0
	assert_ok nsenter -t "$(ctr_pid c1)" -n ip link show eth0
	assert_ok rt delete --force c1
	assert_ok host_has_link "$d"
	assert_no_net_left "$BR"
}

test_net_info_and_list_show_both_families_links_up() {
	net_bundle
	cfg 'annotations["cell.net.ipv6"]=auto'
	cfg_args sleep 60
	ctr_detach c1
	local v4 v6 pid
	v4=$(ctr_ip c1)
	v6=$(ctr_ip c1 6)
	assert_match "$v4" "^$NET\.[0-9]+$" "IPv4 in info"
	assert_match "$v6" "^${NET6}[0-9a-f]+$" "IPv6 in info"
	assert_ok rt list
	assert_match "$OUT" "^c1 +running +[0-9]+ +$v4,$v6 " "list row"
	pid=$(ctr_pid c1)
	# lo and eth0 up inside (IFF_UP).
	assert_eq 1 "$(( $(nsenter -t "$pid" -n cat /sys/class/net/lo/flags) & 1 ))" "lo up"
	assert_eq 1 "$(( $(nsenter -t "$pid" -n cat /sys/class/net/eth0/flags) & 1 ))" "eth0 up"
}
