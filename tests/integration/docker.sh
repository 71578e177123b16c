# shellcheck shell=bash disable=SC2016 # sh -c scripts are single-quoted on purpose
# docker (docker.io's dockerd, its containerd and the runc shim) driving
# cell as an OCI runtime (`--runtime cell`): a private dockerd per test in
# a network and a mount namespace of the test's (tests/clients.sh
# dk_setup), the busybox image imported from a tar. Each test starts a
# daemon (~2 s), so the scenarios are grouped into few tests.

# shellcheck source=tests/clients.sh
. "$TESTS_DIR/clients.sh"

DIMG=localhost/cell-test:1

test_docker_run_io_and_exit_codes() {
	dk_setup
	try dk_run --rm "$DIMG" sh -c 'echo out; echo err >&2; exit 3'
	assert_rc 3 "docker run's exit code"
	assert_eq out "$OUT" "stdout"
	assert_eq err "$ERR" "stderr"
	# -i: the caller's stdin reaches the container (through the shim).
	OUT=$(printf 'line1\nline2\n' | dk_run --rm -i "$DIMG" sh -c 'wc -l; echo done')
	assert_eq "$(printf '2\ndone')" "$(printf '%s' "$OUT" | tr -d ' ')" "stdin through -i"
	# -t: the shim gets the pty master over the console socket.
	try dk_run --rm -t "$DIMG" sh -c 'tty; exit 4'
	assert_rc 4 "exit code with -t"
	assert_match "$OUT" '^/dev/pts/0' "the container's terminal"
	# -it: typed into the container's shell.
	pty_drive -e '# ' -s 'echo out-$((6*7))\r' -e 'out-42' -s 'exit 5\r' -- \
		timeout 60 /usr/bin/docker -H "unix://$DK/d.sock" run --rm -it --runtime cell "$DIMG" sh
	assert_eq 5 "$RC" "exit code of the interactive shell"
	# docker maps the runtime's error text: "no such file or directory"
	# -> 127, "permission denied" -> 126.
	try dk_run --rm "$DIMG" /nonexistent
	assert_rc 127 "exit code for a missing executable"
	assert_match "$ERR" 'OCI runtime create failed: .*/nonexistent.*no such file or directory' "docker's error"
	try dk_run --rm "$DIMG" /etc/passwd
	assert_rc 126 "exit code for a file that is not executable"
	assert_contains "$ERR" "permission denied"
	assert_eq "" "$(dk ps -aq)" "docker's containers after --rm"
	wait_for 10 sh -c '[ -z "$(ls "$0")" ]' "$(dk_roots)" || fail "cell state left: $(ls "$(dk_roots)")"
	# The bridge dockerd made is in the test's network namespace only.
	ip netns exec "$DK_NS" ip link show docker0 >/dev/null || fail "no docker0 in dockerd's netns"
	# shellcheck disable=SC2015
	ip link show docker0 >/dev/null 2>&1 && fail "docker0 on the host" || true
}

test_docker_detach_exec_top_pause() {
	dk_setup
	local pid n1 n2
	dk_run -d --name x1 --hostname x1host "$DIMG" \
		sh -c 'i=0; while :; do i=$((i+1)); echo $i >/tmp/n; sleep 0.05; done' >/dev/null
	pid=$(dk_pid x1)
	# The init is a child of the shim, no cell process in between.
	assert_eq containerd-shim "$(comm_of "$(parent_of "$pid")" | cut -c1-15)" "parent of the container's init"
	assert_eq running "$(dk_state x1 | cut -d' ' -f1)" "status after run -d"
	# exec: `exec --process FILE --detach --pid-file F ID` from the shim.
	try dk exec x1 sh -c 'echo out; echo err >&2; hostname; readlink /proc/1/ns/pid; exit 3'
	assert_rc 3 "exec's exit code"
	assert_eq "$(printf 'out\nx1host\n%s' "$(readlink "/proc/$pid/ns/pid")")" "$OUT" "exec's stdout: in x1's pid namespace"
	assert_eq err "$ERR" "exec's stderr"
	OUT=$(printf 'a\nb\n' | dk exec -i x1 sh -c 'wc -l')
	assert_eq 2 "$(printf '%s' "$OUT" | tr -d ' ')" "stdin through exec -i"
	try dk exec -t x1 sh -c 'tty; exit 4'
	assert_rc 4 "exec -t's exit code"
	assert_match "$OUT" '^/dev/pts/[0-9]+' "exec -t: the terminal"
	try dk exec x1 /nonexistent
	assert_rc 126 "exec of a missing executable"
	assert_match "$OUT$ERR" 'OCI runtime exec failed: .*/nonexistent.*no such file or directory' "docker's error"
	# top: `ps --format json ID` for the pids, docker's ps for the rest.
	assert_ok dk top x1
	assert_contains "$OUT" "$pid" "docker top: the init"
	assert_contains "$OUT" "while :" "docker top: the init's command"
	# pause/unpause: the counter stops and moves again.
	assert_ok dk pause x1
	assert_eq paused "$(dk_state x1 | cut -d' ' -f1)" "status after pause"
	assert_eq paused "$(rt_docker state "$(dk inspect x1 --format '{{.Id}}')" | jget status)" "cell's status"
	n1=$(cat "/proc/$pid/root/tmp/n")
	sleep 0.3
	n2=$(cat "/proc/$pid/root/tmp/n")
	assert_eq "$n1" "$n2" "the counter while paused"
	assert_ok dk unpause x1
	assert_eq running "$(dk_state x1 | cut -d' ' -f1)" "status after unpause"
	wait_for 5 sh -c '[ "$(cat "$0")" != "$1" ]' "/proc/$pid/root/tmp/n" "$n2" ||
		fail "the counter did not move after unpause"
}

# rt_docker ARGS...: the runtime on docker's --root for it.
rt_docker() {
	timeout -k 2 20 "$CELL" --root "$(dk_roots | head -n 1)" "$@"
}

test_docker_stop_and_kill() {
	dk_setup
	local t0 t1
	dk_run -d --name s1 "$DIMG" sh -c 'trap "echo got-term; exit 7" TERM; while :; do sleep 0.1; done' >/dev/null
	dk_run -d --name s2 "$DIMG" sh -c 'trap "" TERM; while :; do sleep 0.1; done' >/dev/null
	dk_run -d --name k1 "$DIMG" sleep 1000 >/dev/null
	# stop: SIGTERM (`kill ID 15`), the container exits on it.
	assert_ok dk stop -t 10 s1
	assert_eq "exited 7" "$(dk_state s1)" "a container that exits on SIGTERM"
	assert_contains "$(dk logs s1)" got-term "s1's output"
	# One that ignores SIGTERM is killed after the timeout.
	t0=$(date +%s%N)
	assert_ok dk stop -t 1 s2
	t1=$(date +%s%N)
	assert_eq "exited 137" "$(dk_state s2)" "a container that ignores SIGTERM"
	[ $(((t1 - t0) / 1000000)) -ge 900 ] || fail "stop -t 1 returned after $(((t1 - t0) / 1000000)) ms"
	assert_ok dk kill k1
	wait_for 10 dk_exited k1 || fail "k1 did not exit on kill: $(dk_state k1)"
	assert_eq "exited 137" "$(dk_state k1)" "after docker kill"
	# Stopped containers are deleted from cell's state.
	assert_eq "" "$(ls "$(dk_roots)")" "cell state of stopped containers"
}

test_docker_limits_caps_seccomp() {
	dk_setup
	local pid
	dk_run -d --name l1 --memory 64m --pids-limit 42 --cap-drop chown "$DIMG" sleep 1000 >/dev/null
	pid=$(dk_pid l1)
	assert_eq 67108864 "$(cg_value "$pid" memory memory.limit_in_bytes memory.max)" "memory limit"
	assert_eq 42 "$(cg_value "$pid" pids pids.max pids.max)" "pids limit"
	assert_contains "$(awk -F: '$2 == "pids" { print $3 }' "/proc/$pid/cgroup")" "$DK_CG/" "the container's cgroup"
	# docker update sends 0 for every cpu value not named: only the
	# memory and pids limits change (cell's update of a live container).
	assert_ok dk update --memory 48m --memory-swap 96m --pids-limit 24 l1
	assert_eq 50331648 "$(cg_value "$pid" memory memory.limit_in_bytes memory.max)" "memory limit after docker update"
	assert_eq 24 "$(cg_value "$pid" pids pids.max pids.max)" "pids limit after docker update"
	# docker's default seccomp profile: filter mode; unshare(2) needs
	# CAP_SYS_ADMIN there (EPERM), unconfined it does not. An exec gets
	# the container's profile and capabilities too.
	assert_match "$(grep Seccomp: "/proc/$pid/status")" 'Seccomp:[[:space:]]+2' "seccomp mode of the init"
	try dk exec l1 sh -c 'grep Seccomp: /proc/self/status; unshare -U true; echo rc=$?; chown 1000 /tmp; echo chown=$?'
	assert_match "$OUT" 'Seccomp:[[:space:]]+2' "seccomp mode of an exec"
	assert_contains "$OUT" "rc=1" "unshare -U under docker's profile"
	assert_contains "$ERR" "Operation not permitted" "unshare's error"
	# --cap-drop chown.
	assert_contains "$OUT" "chown=1" "chown without CAP_CHOWN"
	# Unconfined, --cap-drop all: no filter, no capabilities, and an
	# unprivileged user namespace is allowed again.
	try dk_run --rm --security-opt seccomp=unconfined --cap-drop all "$DIMG" \
		sh -c 'grep -E "Seccomp:|CapEff" /proc/self/status; unshare -U true; echo rc=$?'
	assert_match "$OUT" 'Seccomp:[[:space:]]+0' "seccomp mode when unconfined"
	assert_match "$OUT" 'CapEff:[[:space:]]+0+$' "capabilities with --cap-drop all"
	assert_contains "$OUT" "rc=0" "unshare -U when unconfined"
}

test_docker_network_volumes_read_only() {
	dk_setup
	# --network none: a namespace of its own with lo only.
	try dk_run --rm --network none "$DIMG" sh -c 'ip -o link; readlink /proc/self/ns/net'
	assert_rc 0
	assert_match "$OUT" '^1: lo:' "links in the container"
	assert_eq 2 "$(printf '%s\n' "$OUT" | grep -c .)" "number of links"
	assert_not_contains "$OUT" "$(ip netns exec "$DK_NS" readlink /proc/self/ns/net)" "net namespace"
	# -v, -v :ro.
	client_volume_checks dk_run "$DIMG"
	# --read-only: the root is read-only, /dev/shm is not.
	try dk_run --rm --read-only "$DIMG" sh -c 'touch /x; echo rc=$?; touch /dev/shm/y && echo shm-ok'
	assert_rc 0
	assert_contains "$OUT" "rc=1" "a write to the read-only root"
	assert_contains "$OUT" shm-ok "a write to /dev/shm"
}

test_docker_bridge_network() {
	dk_setup
	local subnet ip1 ip2
	subnet=$(dk network inspect bridge --format '{{(index .IPAM.Config 0).Subnet}}')
	assert_match "$subnet" '^[0-9.]+/[0-9]+$' "the bridge's subnet"
	dk_run -d --name b1 "$DIMG" sleep 1000 >/dev/null
	dk_run -d --name b2 "$DIMG" sleep 1000 >/dev/null
	ip1=$(dk inspect b1 --format '{{.NetworkSettings.IPAddress}}')
	ip2=$(dk inspect b2 --format '{{.NetworkSettings.IPAddress}}')
	assert_ne "$ip1" "$ip2" "the containers' addresses"
	# The address docker gave is the one inside, in the bridge's subnet
	# (docker's hook, libnetwork-setkey, ran as a prestart hook).
	try dk exec b1 ip -o -4 addr show eth0
	assert_rc 0
	assert_contains "$OUT" "inet $ip1/${subnet#*/}" "b1's address"
	[ "$(in_subnet "$ip1" "$subnet")" = 1 ] || fail "$ip1 is not in $subnet"
	try dk exec b1 ping -c 1 -W 5 "$ip2"
	assert_rc 0 "b1 pings b2"
	try dk exec b2 ping -c 1 -W 5 "$ip1"
	assert_rc 0 "b2 pings b1"
	assert_contains "$(ip netns exec "$DK_NS" ip -o link show master docker0)" "veth" "veths on docker0"
}

# in_subnet ADDR CIDR: 1 when the IPv4 ADDR is in CIDR.
in_subnet() {
	awk -v a="$1" -v c="$2" 'function n(s, p) { split(s, p, "."); return ((p[1] * 256 + p[2]) * 256 + p[3]) * 256 + p[4] }
		BEGIN { split(c, x, "/"); m = 2 ^ (32 - x[2]); print (int(n(a) / m) == int(n(x[1]) / m)) ? 1 : 0 }'
}
