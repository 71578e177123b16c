# shellcheck shell=sh
# Networking and an overlay root inside the VM, with the veth, bridge and
# overlay modules of the kernel package (the host suite covers the same
# features on the development kernel).

test_veth_on_bridge_reachable_and_removed() {
	local ports
	ANNOT='"annotations":{"cell.net.type":"veth","cell.net.bridge":"vm-br0","cell.net.bridge.ipv4":"10.78.0.1/24","cell.net.ipv4":"10.78.0.5","cell.net.bridge.remove":"true"},'
	cfg_sh 'ip -4 addr show eth0; exec sleep 600'
	cfg
	ctr_detach n1
	[ -d /sys/class/net/vm-br0 ] || fail "no bridge vm-br0"
	ports=$(ls /sys/class/net/vm-br0/brif)
	assert_contains "$ports" "cell-" "the host end on the bridge"
	wait_for 10 grep -q 10.78.0.5/24 "$T/n1.out" || fail "the address inside: $(cat "$T/n1.out")"
	assert_ok ping -c1 -W5 10.78.0.5
	assert_ok rt delete --force n1
	[ ! -e /sys/class/net/vm-br0 ] || fail "bridge vm-br0 left (cell.net.bridge.remove)"
	assert_eq "" "$(ls /sys/class/net | grep '^cell-' || true)" "host ends left"
}

test_overlay_rootfs_writes_go_to_upper() {
	mkdir -p "$T/upper" "$T/work" "$T/merged"
	mount -t overlay overlay -o "lowerdir=/vm/rootfs,upperdir=$T/upper,workdir=$T/work" "$T/merged" ||
		fail "mount overlay"
	ROOTFS=$T/merged
	ROOT_RO=false
	cfg_sh 'echo hello >/written; cat /written'
	cfg
	ctr_run o1
	assert_rc 0
	assert_eq hello "$OUT" "inside"
	assert_eq hello "$(cat "$T/upper/written")" "the write in the upper layer"
	[ ! -e /vm/rootfs/written ] || fail "the lower layer changed"
	umount "$T/merged"
}
