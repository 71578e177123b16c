# shellcheck shell=bash disable=SC2016 # sh -c scripts are single-quoted on purpose
# podman (with conmon) driving cell as its OCI runtime (`--runtime`): a
# private podman per test (tests/clients.sh pm_setup), the busybox image
# imported from a tar, no network set-up (`--network none`) except in the
# bridge and pod tests, whose podman runs in a netns of the test's own
# (pm_net_setup).

# shellcheck source=tests/clients.sh
. "$TESTS_DIR/clients.sh"

IMG=localhost/cell-test:1

test_podman_run_exit_code_and_output() {
	pm_setup
	try pm_run --rm "$IMG" sh -c 'echo out; echo err >&2; exit 3'
	assert_rc 3 "podman run's exit code"
	assert_eq out "$OUT" "stdout"
	assert_eq err "$ERR" "stderr"
	# -i: the caller's stdin reaches the container (through conmon).
	OUT=$(printf 'line1\nline2\n' | pm_run --rm -i "$IMG" sh -c 'wc -l; echo done')
	assert_eq "$(printf '2\ndone')" "$(printf '%s' "$OUT" | tr -d ' ')" "stdin through -i"
	# --rm removed the container, and cell's state with it.
	assert_eq "" "$(pm ps -aq)" "podman's containers after --rm"
	wait_for 10 sh -c '[ -z "$(ls "$0")" ]' "$ROOT" || fail "cell state left: $(ls "$ROOT")"
}

test_podman_run_errors_map_to_exit_codes() {
	pm_setup
	# podman reads the runtime's error text: "no such file or directory"
	# -> 127, "permission denied" -> 126.
	try pm_run --rm "$IMG" /nonexistent
	assert_rc 127 "exit code for a missing executable"
	assert_contains "$ERR" "no such file or directory"
	try pm_run --rm "$IMG" /etc/passwd
	assert_rc 126 "exit code for a file that is not executable"
	assert_contains "$ERR" "permission denied"
	assert_not_contains "$ERR" "does not exist" "podman's output (its delete --force after the failure)"
	assert_eq "" "$(pm ps -aq)" "podman's containers after the failures"
	assert_eq "" "$(ls "$ROOT")" "cell state after the failures"
}

test_podman_tty() {
	pm_setup
	# -t without -i: conmon gets the pty master over the console socket.
	try pm_run --rm -t "$IMG" sh -c 'tty; exit 4'
	assert_rc 4 "exit code with -t"
	assert_match "$OUT" '^/dev/pts/0' "the container's terminal"
	# -it: a person at a terminal types into the container's shell.
	pty_drive -e '# ' -s 'echo out-$((6*7))\r' -e 'out-42' -s 'exit 5\r' -- \
		timeout 60 podman --root "$PM/root" --runroot "$PM_RUN/run" --storage-driver vfs \
		--runtime "$PM_RT" run --rm -it --cgroup-parent "$PM_CG" "$IMG" sh
	assert_eq 5 "$RC" "exit code of the interactive shell"
}

test_podman_detach_and_kill() {
	pm_setup
	local pid
	pm_run -d --name k1 "$IMG" sh -c 'trap "echo got-term; exit 7" TERM; while :; do sleep 0.1; done' >/dev/null
	pid=$(pm_pid k1)
	# create returned with the container's init a child of conmon: no
	# cell process in between (conmon reaps it and reports its status).
	assert_eq conmon "$(comm_of "$(parent_of "$pid")")" "parent of the container's init"
	assert_eq "" "$(leftover_procs | grep -vx "$pid" || true)" "cell processes left running"
	assert_eq running "$(pm_state k1 | cut -d' ' -f1)" "status after run -d"
	# podman kill -s TERM calls `kill ID 15` (a numeric signal).
	assert_ok pm kill -s TERM k1
	wait_for 10 pm_exited k1 || fail "k1 did not exit on TERM: $(pm_state k1)"
	assert_eq 7 "$(pm_state k1 | cut -d' ' -f2)" "exit code after TERM"
	assert_contains "$(pm logs k1)" got-term "k1's output"
	pm_run -d --name k2 "$IMG" sleep 1000 >/dev/null
	assert_ok pm kill k2
	wait_for 10 pm_exited k2 || fail "k2 did not exit on KILL: $(pm_state k2)"
	assert_eq 137 "$(pm_state k2 | cut -d' ' -f2)" "exit code after kill"
}

test_podman_stop() {
	pm_setup
	local t0 t1
	pm_run -d --name s1 "$IMG" sh -c 'trap "exit 7" TERM; while :; do sleep 0.1; done' >/dev/null
	assert_ok pm stop -t 10 s1
	assert_eq "exited 7" "$(pm_state s1)" "a container that exits on SIGTERM"
	# One that ignores SIGTERM is killed after the timeout.
	pm_run -d --name s2 "$IMG" sh -c 'trap "" TERM; while :; do sleep 0.1; done' >/dev/null
	t0=$(date +%s%N)
	assert_ok pm stop -t 1 s2
	t1=$(date +%s%N)
	assert_eq "exited 137" "$(pm_state s2)" "a container that ignores SIGTERM"
	[ $(((t1 - t0) / 1000000)) -ge 900 ] || fail "stop -t 1 returned after $(((t1 - t0) / 1000000)) ms"
}

test_podman_pause_unpause() {
	pm_setup
	local pid n1 n2
	pm_run -d --name p1 "$IMG" sh -c 'i=0; while :; do i=$((i+1)); echo $i >/tmp/n; sleep 0.05; done' >/dev/null
	pid=$(pm_pid p1)
	assert_ok pm pause p1
	assert_eq paused "$(pm_state p1 | cut -d' ' -f1)" "status after pause"
	assert_eq "" "$(cell_state_of p1 | grep -vx paused || true)" "cell's status"
	n1=$(cat "/proc/$pid/root/tmp/n")
	sleep 0.3
	n2=$(cat "/proc/$pid/root/tmp/n")
	assert_eq "$n1" "$n2" "the counter while paused"
	assert_ok pm unpause p1
	assert_eq running "$(pm_state p1 | cut -d' ' -f1)" "status after unpause"
	wait_for 5 sh -c '[ "$(cat "$0")" != "$1" ]' "/proc/$pid/root/tmp/n" "$n2" ||
		fail "the counter did not move after unpause"
}

# cell_state_of NAME: cell's own status for a podman container.
cell_state_of() {
	rt state "$(pm inspect "$1" --format '{{.Id}}')" | jget status
}

test_podman_top() {
	pm_setup
	pm_run -d --name t1 "$IMG" sh -c 'sleep 1000 & wait' >/dev/null
	wait_for 5 sh -c 'pgrep -P "$0" sleep >/dev/null' "$(pm_pid t1)" || fail "no sleep in t1"
	assert_ok pm top t1 pid args
	assert_match "$OUT" '(^|\n) *1 +sh -c sleep 1000' "podman top: pid 1"
	assert_contains "$OUT" "sleep 1000" "podman top: the sleep"
}

test_podman_memory_and_pids_limits() {
	pm_setup
	local pid
	pm_run -d --name l1 --memory 64m --pids-limit 42 "$IMG" sleep 1000 >/dev/null
	pid=$(pm_pid l1)
	assert_eq 67108864 "$(cg_value "$pid" memory memory.limit_in_bytes memory.max)" "memory limit"
	assert_eq 42 "$(cg_value "$pid" pids pids.max pids.max)" "pids limit"
	# podman update calls `update --resources=FILE ID`.
	assert_ok pm update --memory 96m --cpu-shares 512 l1
	assert_eq 100663296 "$(cg_value "$pid" memory memory.limit_in_bytes memory.max)" "memory limit after update"
	assert_eq 42 "$(cg_value "$pid" pids pids.max pids.max)" "pids limit after update"
}

test_podman_cap_drop() {
	pm_setup
	try pm_run --rm --cap-drop all "$IMG" grep CapEff /proc/self/status
	assert_match "$OUT" 'CapEff:[[:space:]]+0+$' "capabilities with --cap-drop all"
	try pm_run --rm --cap-drop chown "$IMG" sh -c 'chown 1000 /tmp; echo rc=$?'
	assert_contains "$OUT" "rc=1" "chown without CAP_CHOWN"
	try pm_run --rm "$IMG" sh -c 'chown 1000 /tmp; echo rc=$?'
	assert_contains "$OUT" "rc=0" "chown with podman's default capabilities"
}

test_podman_network_none() {
	pm_setup
	try pm_run --rm --network none "$IMG" ip -o link
	assert_rc 0
	assert_match "$OUT" '^1: lo:' "links in the container"
	assert_eq 1 "$(printf '%s\n' "$OUT" | grep -c .)" "number of links"
	assert_ne "$(host_ns net)" "$(pm_run --rm --network none "$IMG" readlink /proc/self/ns/net)" "net namespace"
}

test_podman_volume_and_read_only() {
	pm_setup
	client_volume_checks pm_run "$IMG"
	# --read-only: the root is read-only, podman's tmpfs /tmp (tmpcopyup)
	# and /run are not.
	try pm_run --rm --read-only "$IMG" sh -c 'touch /x; echo rc=$?; touch /tmp/y /run/z && echo tmp-ok'
	assert_rc 0
	assert_contains "$OUT" "rc=1" "a write to the read-only root"
	assert_contains "$OUT" tmp-ok "writes to /tmp and /run"
}

test_podman_join_namespaces() {
	pm_setup
	local pid ns
	pm_run -d --name j1 --hostname j1host "$IMG" sleep 1000 >/dev/null
	pid=$(pm_pid j1)
	# --pid/--network/--ipc/--uts container:j1: namespaces joined by path.
	try pm_run --rm --pid container:j1 --network container:j1 --ipc container:j1 --uts container:j1 "$IMG" \
		sh -c 'hostname; for n in pid net ipc uts; do readlink /proc/self/ns/$n; done; ps -o pid,args'
	assert_rc 0
	for ns in pid net ipc uts; do
		assert_contains "$OUT" "$(readlink "/proc/$pid/ns/$ns")" "$ns namespace of the joined container"
	done
	assert_match "$OUT" '^j1host' "hostname"
	assert_match "$OUT" '(^|[^0-9])1 sleep 1000' "j1's init seen as pid 1"
}

# needs_exec: skip while the runtime has no exec command.
needs_exec() {
	"$CELL" exec --help >/dev/null 2>&1 || skip "the runtime has no exec command"
}

test_podman_exec() {
	needs_exec
	pm_setup
	local pid
	pm_run -d --name x1 --hostname x1host "$IMG" sleep 1000 >/dev/null
	# conmon calls `exec --process P.json --detach --pid-file F ID` (with
	# --tty --console-socket S for -t) and waits for the process itself.
	try pm exec x1 sh -c 'echo out; echo err >&2; hostname; exit 3'
	assert_rc 3 "exec's exit code"
	assert_eq "$(printf 'out\nx1host')" "$OUT" "exec's stdout"
	assert_eq err "$ERR" "exec's stderr"
	OUT=$(printf 'a\nb\n' | pm exec -i x1 sh -c 'wc -l')
	assert_eq 2 "$(printf '%s' "$OUT" | tr -d ' ')" "stdin through exec -i"
	try pm exec -t x1 sh -c 'tty; exit 4'
	assert_rc 4 "exec -t's exit code"
	assert_match "$OUT" '^/dev/pts/[0-9]+' "exec -t: the terminal"
	pty_drive -e '# ' -s 'echo out-$((6*7))\r' -e 'out-42' -s 'exit 5\r' -- \
		timeout 60 podman --root "$PM/root" --runroot "$PM_RUN/run" --storage-driver vfs \
		--runtime "$PM_RT" exec -it x1 sh
	assert_eq 5 "$RC" "exit code of exec -it"
	try pm exec x1 /nonexistent
	assert_rc 127 "exec of a missing executable"
	# exec -d: the process runs on in the container, a child of conmon.
	assert_ok pm exec -d x1 sleep 999
	pid=$(pm_pid x1)
	wait_for 5 sh -c 'pgrep -f "^sleep 999" >/dev/null' || fail "the detached exec is not running"
	assert_eq "$(readlink "/proc/$pid/ns/pid")" "$(readlink "/proc/$(pgrep -f '^sleep 999')/ns/pid")" \
		"pid namespace of the detached exec"
	assert_contains "$(pm top x1 args)" "sleep 999" "podman top after exec -d"
}

# pm_ip NAME: the IPv4 address of eth0 in a running container, from inside.
pm_ip() {
	pm exec "$1" ip -o -4 addr show eth0 | awk '{ sub("/.*", "", $4); print $4 }'
}

test_podman_bridge_network() {
	needs_exec
	pm_setup
	pm_net_setup
	local a b body
	pm_run -d --name a --network "$PM_NET" "$IMG" sleep 1000 >/dev/null
	# b serves one line on port 80, published as port 8080 of the netns.
	pm_run -d --name b --network "$PM_NET" -p 8080:80 "$IMG" \
		sh -c 'while :; do echo hello-from-b | nc -l -p 80; done' >/dev/null
	a=$(pm_ip a)
	b=$(pm_ip b)
	assert_match "$a" "^$PM_PREFIX\.[0-9]+$" "a's address"
	assert_match "$b" "^$PM_PREFIX\.[0-9]+$" "b's address"
	assert_ne "$a" "$b" "a's and b's addresses"
	assert_ok pm exec a ping -c 1 -W 5 "$b"
	assert_contains "$OUT" "1 packets received" "a pinging b"
	# The port mapping: the netns (podman's host) reaches b's server
	# through the bridge's address.
	body=$(nsenter --net="/run/netns/$PM_NS" timeout 10 busybox nc "$PM_PREFIX.1" 8080 </dev/null)
	assert_eq hello-from-b "$body" "a connection to the published port"
	# The bridge and its rules are in the test's netns only.
	assert_contains "$(ip -n "$PM_NS" -o -4 addr)" "$PM_PREFIX.1/24" "the bridge's address in the netns"
	assert_eq "" "$(ip -o -4 addr | grep -F " $PM_PREFIX." || true)" "the subnet's addresses on the host"
	assert_contains "$(ip netns exec "$PM_NS" iptables-save -t nat)" "$PM_NET" "podman's rules in the netns"
	# A stopped container gives its address back (podman tears the
	# network down through the state cell reports).
	assert_ok pm rm -f -t 0 a b
	assert_eq "" "$(find "/var/lib/cni/networks/$PM_NET" -name "$PM_PREFIX.*")" "addresses still leased"
	wait_for 10 sh -c '[ -z "$(ls "$0")" ]' "$ROOT" || fail "cell state left: $(ls "$ROOT")"
}

test_podman_pod_shares_namespaces() {
	needs_exec
	pm_setup
	pm_net_setup
	local pod n x1 x2 ids id
	# No registry: the infra container is the test image running sleep.
	pod=$(pm pod create --name p --hostname podhost --network "$PM_NET" --cgroup-parent "$PM_CG" \
		--infra-image "$IMG" --infra-command 'sleep 1000000')
	pm run -d --pod p --name c1 "$IMG" sleep 1000 >/dev/null
	pm run -d --pod p --name c2 "$IMG" sleep 1000 >/dev/null
	ids=$(pm ps -a -q --no-trunc --filter "pod=$pod" | sort)
	assert_eq 3 "$(printf '%s\n' "$ids" | grep -c .)" "containers in the pod (infra, c1, c2)"
	# net, ipc and uts are the infra container's (joined by path), pid is
	# each container's own.
	x1=$(pm exec c1 sh -c 'hostname; ip -o -4 addr show eth0; for n in net ipc uts pid; do echo $n $(readlink /proc/self/ns/$n); done')
	x2=$(pm exec c2 sh -c 'hostname; ip -o -4 addr show eth0; for n in net ipc uts pid; do echo $n $(readlink /proc/self/ns/$n); done')
	for n in net ipc uts; do
		assert_eq "$(grep "^$n " <<<"$x1")" "$(grep "^$n " <<<"$x2")" "$n namespace of c1 and c2"
	done
	assert_ne "$(grep "^pid " <<<"$x1")" "$(grep "^pid " <<<"$x2")" "pid namespace of c1 and c2"
	assert_eq podhost "$(head -n 1 <<<"$x1")" "c1's hostname"
	assert_eq podhost "$(head -n 1 <<<"$x2")" "c2's hostname"
	assert_match "$x1" "inet $PM_PREFIX\.[0-9]+/24" "the pod's address"
	# One network stack: c2 reaches c1's server over lo.
	pm exec -d c1 sh -c 'echo from-c1 | nc -l -p 7000' >/dev/null
	wait_for 5 pm exec c2 sh -c 'netstat -ltn | grep -q ":7000 "' || fail "c2 does not see c1's listening port"
	assert_eq from-c1 "$(pm exec c2 timeout 5 nc 127.0.0.1 7000 </dev/null)" "c2 connecting to c1 over lo"
	# pod stop: podman's cleanup deletes each container from cell.
	assert_ok pm pod stop -t 0 p
	for id in $ids; do
		assert_eq exited "$(pm_state "$id" | cut -d' ' -f1)" "podman's status of $id after pod stop"
	done
	wait_for 10 sh -c '[ -z "$(ls "$0")" ]' "$ROOT" || fail "cell state left after pod stop: $(ls "$ROOT")"
	assert_ok pm pod rm p
	assert_eq "" "$(pm ps -a -q)" "podman's containers after pod rm"
	for id in $ids; do
		assert_eq "" "$(find /sys/fs/cgroup -path "*$id*" -type d 2>/dev/null)" "cgroups of $id"
	done
}
