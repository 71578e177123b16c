# shellcheck shell=bash
# Helpers for the client tests (tests/integration/podman.sh, containerd.sh,
# docker.sh): a private podman, containerd or dockerd per test, everything under $T, driving
# $CELL as their OCI runtime, with a busybox image made from the run's
# rootfs (there is no registry). Sourced by those files.

# The image: the run's busybox rootfs (tests/lib.sh make_base_rootfs) as a
# plain tar (podman import) or an OCI image archive (ctr images import),
# made once per run.
client_image_tar() {
	local f="$RUN_DIR/client-rootfs.tar"
	if [ ! -f "$f" ]; then
		tar -C "$RUN_DIR/rootfs" -cf "$f.tmp" . || fail "tar of the rootfs failed"
		mv "$f.tmp" "$f"
	fi
	echo "$f"
}

client_oci_archive() {
	local f="$RUN_DIR/client-oci.tar"
	if [ ! -f "$f" ]; then
		python3 "$TESTS_DIR/mkoci.py" "$RUN_DIR/rootfs" "$f.tmp" localhost/cell-test:1 ||
			fail "mkoci.py failed"
		mv "$f.tmp" "$f"
	fi
	echo "$f"
}

# client_runtime DIR: DIR/cell, the runtime the clients are given: $CELL
# with the test's --root, so the harness finds (and, after a failure,
# deletes) every container a client made. exec: no process in between.
# podman 4.3's `--runtime-flag root=DIR` is not enough: it reaches create,
# start, exec, kill and podman rm's delete, but not conmon's exit command
# (`podman container cleanup`), whose `delete --force` of a `run --rm`
# container then goes to cell's default root and fails.
client_runtime() {
	mkdir -p "$1"
	printf '#!/bin/sh\nexec %q --root %q "$@"\n' "$CELL" "$ROOT" >"$1/cell"
	chmod 0755 "$1/cell"
	echo "$1/cell"
}

# cg_rmtree PATH: remove the cgroup PATH (below each hierarchy's root) and
# everything under it, in every hierarchy; the clients leave their parent
# levels (podman's --cgroup-parent with conmon's cgroup, containerd's
# namespace level) behind.
cg_rmtree() {
	local m
	[ -n "$1" ] || return 0
	for m in $(awk '$3 == "cgroup" || $3 == "cgroup2" { print $2 }' /proc/self/mounts); do
		[ -d "$m$1" ] && find "$m$1" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	return 0
}

# wait_gone SECONDS PATTERN: wait until no process's command line
# contains PATTERN (the client's private directory); kill those left.
wait_gone() {
	local p i=0
	# pgrep from this shell: a `sh -c` would carry PATTERN in its own args.
	while pgrep -f -- "$2" >/dev/null; do
		i=$((i + 1))
		[ "$i" -ge $(($1 * 10)) ] && break
		sleep 0.1
	done
	for p in $(pgrep -f -- "$2"); do
		note "killing leftover: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"
		kill -KILL "$p" 2>/dev/null
	done
	return 0
}

# umount_under DIR: undo mounts a client left below DIR.
umount_under() {
	local p
	for p in $(mounts_under "$1"); do umount -l "$p" 2>/dev/null; done
	return 0
}

# cg_value PID CONTROLLER V1FILE V2FILE: a file of PID's cgroup on the host.
cg_value() {
	local path
	path=$(awk -F: -v c="$2" '$2 == c { print $3 }' "/proc/$1/cgroup")
	if [ -n "$path" ]; then
		cat "/sys/fs/cgroup/$2$path/$3"
	else
		path=$(awk -F: '$1 == "0" { print $3 }' "/proc/$1/cgroup")
		cat "/sys/fs/cgroup$path/$4"
	fi
}

# client_volume_checks RUN IMAGE: `RUN --rm -v ... IMAGE CMD` (podman's or
# docker's run) with a read-write and a :ro volume of $SHARED.
client_volume_checks() {
	local run=$1 img=$2
	mkdir -p "$SHARED/rw" "$SHARED/ro"
	echo host-file >"$SHARED/ro/f"
	try "$run" --rm -v "$SHARED/rw:/data" -v "$SHARED/ro:/in:ro" "$img" \
		sh -c 'echo from-ctr >/data/g; cat /in/f; echo x >/in/h; echo rc=$?'
	assert_rc 0
	assert_eq from-ctr "$(cat "$SHARED/rw/g")" "a file written through -v"
	assert_contains "$OUT" host-file "a file read through -v :ro"
	assert_contains "$OUT" "rc=1" "a write to a :ro volume"
	[ ! -e "$SHARED/ro/h" ] || fail "the :ro volume was written"
}

# pty_drive STEP... -- CMD...: run CMD in a pty (tests/ptydrive.py); RC, OUT.
pty_drive() {
	local rc=0
	python3 "$TESTS_DIR/ptydrive.py" "$@" >"$T/drive.out" 2>"$T/drive.err" || rc=$?
	RC=$rc
	OUT=$(cat "$T/drive.out")
	echo "+ ptydrive -> $RC: $OUT $(cat "$T/drive.err")" >&2
}

# parent_of PID: its parent's pid.
parent_of() {
	awk '{ print $4 }' "/proc/$1/stat"
}

# comm_of PID: its command name.
comm_of() {
	cat "/proc/$1/comm"
}

# ------------------------------------------------------------ podman

# pm_setup: a private podman: storage (vfs: no mounts), run dirs, file
# locks, events, volumes and network configs under $T/podman; the default
# ulimits at the current hard limits (podman's own defaults need
# CAP_SYS_RESOURCE; conmon runs below nproc 32768); cgroupfs with a cgroup
# parent of its own, named with $CG_TAG so that the harness checks it for
# leaks; the image imported as localhost/cell-test:1.
pm_setup() {
	command -v podman >/dev/null && command -v conmon >/dev/null ||
		skip "podman or conmon not installed (tests/deps.sh)"
	PM="$T/podman"
	PM_RT=$(client_runtime "$PM/bin")
	PM_CG="/ctst-podman-$CG_TAG"
	# conmon's sockets live below the run root: podman wants it short.
	PM_RUN=$(mktemp -d /tmp/cpm.XXXXXX)
	mkdir -p "$PM/cni" "$PM_RUN/tmp"
	cat >"$PM/containers.conf" <<-EOF
		[containers]
		default_ulimits = ["nofile=$(ulimit -Hn):$(ulimit -Hn)", "nproc=4096:4096"]
		netns = "none"
		[network]
		network_backend = "cni"
		network_config_dir = "$PM/cni"
		cni_plugin_dirs = ["/usr/lib/cni"]
		[engine]
		cgroup_manager = "cgroupfs"
		events_logger = "file"
		events_logfile_path = "$PM/events.log"
		lock_type = "file"
		tmp_dir = "$PM_RUN/tmp"
		static_dir = "$PM/root/libpod"
		volume_path = "$PM/volumes"
		runtime_supports_json = ["crun", "runc", "cell"]
	EOF
	export CONTAINERS_CONF="$PM/containers.conf"
	trap '_rc=$?; set +e; pm_cleanup >&2; test_exit $_rc' EXIT
	pm import "$(client_image_tar)" localhost/cell-test:1 >/dev/null ||
		fail "podman import failed"
}

# pm_net_setup: a CNI bridge network PM_NET (subnet PM_PREFIX.0/24) for
# the test's podman, which from here on runs in a netns of the test's own
# (PM_NS; `nsenter --net`, not `ip netns exec`: that gives each call a
# mount namespace of its own, and podman's netns bind mounts must outlive
# the call). The bridge, the containers' veths and podman's iptables
# rules all live in PM_NS and go with it. CNI keeps its leases and
# results below /var/lib/cni whatever the config says: the name is unique
# (host-local's directory is named after it) and pm_cleanup removes them.
pm_net_setup() {
	PM_NS=$(make_netns)
	ip -n "$PM_NS" link set lo up
	PM_NET="cellpm$$"
	PM_PREFIX="10.89.$((RANDOM % 200 + 1))"
	PM_CNI_NEW=""
	[ -d /var/lib/cni ] || PM_CNI_NEW=1
	pm network create --subnet "$PM_PREFIX.0/24" "$PM_NET" >/dev/null ||
		fail "podman network create failed"
}

# pm ARGS...: podman with the private setup and cell as its runtime.
pm() {
	timeout -k 2 60 ${PM_NS:+nsenter --net=/run/netns/$PM_NS} podman --root "$PM/root" --runroot "$PM_RUN/run" --storage-driver vfs \
		--runtime "$PM_RT" "$@"
}

# pm_run ARGS...: `podman run` in the test's cgroup parent.
pm_run() {
	pm run --cgroup-parent "$PM_CG" "$@"
}

# The cleanups run from the EXIT trap with set +e: every step is tried.
pm_cleanup() {
	[ -n "${PM:-}" ] || return 0
	pm rm -f -a -t 0 >/dev/null 2>&1
	# conmon and `podman container cleanup` (conmon's exit command) finish
	# after the container.
	wait_gone 10 "$PM/"
	cg_rmtree "$PM_CG"
	if [ -n "${PM_NET:-}" ]; then
		pm network rm -f "$PM_NET" >/dev/null 2>&1
		rm -rf "/var/lib/cni/networks/$PM_NET" "/var/lib/cni/results/$PM_NET"-*
		[ -n "$PM_CNI_NEW" ] && rmdir /var/lib/cni/networks /var/lib/cni/results /var/lib/cni 2>/dev/null
		PM_NET=""
	fi
	umount_under "$PM_RUN"
	rm -rf --one-file-system "$PM_RUN"
	PM=""
}

# pm_state NAME: Status ExitCode of a container.
pm_state() {
	pm inspect "$1" --format '{{.State.Status}} {{.State.ExitCode}}'
}

pm_exited() { # NAME
	case $(pm_state "$1") in exited* | stopped*) return 0 ;; esac
	return 1
}

pm_pid() { # NAME: the container's init, as podman knows it
	pm inspect "$1" --format '{{.State.Pid}}'
}

# ------------------------------------------------------------ containerd

# cd_setup: a private containerd (config, root, state, sockets under
# $T/containerd; no CRI), started here and stopped by cd_cleanup, the image
# imported into a namespace of its own (containers' cgroups go to
# /NAMESPACE/ID, hence $CG_TAG in its name: the harness checks them for
# leaks).
cd_setup() {
	command -v containerd >/dev/null && command -v ctr >/dev/null &&
		command -v containerd-shim-runc-v2 >/dev/null ||
		skip "containerd, ctr or its runc shim not installed (tests/deps.sh)"
	CD="$T/containerd"
	CD_NS="ctst-ctr-$CG_TAG"
	# The shim passes --root RUNC_ROOT/NAMESPACE itself.
	CD_ROOT="$CD/runc/$CD_NS"
	CD_RUN_EXISTED=0
	[ -d /run/containerd ] && CD_RUN_EXISTED=1
	# ctr's fifos and the shims' sockets go below /run/containerd
	# whatever the config says: what is there now is not the test's.
	run_containerd_entries >"$T/.run-containerd"
	mkdir -p "$CD"
	cat >"$CD/config.toml" <<-EOF
		version = 2
		root = "$CD/root"
		state = "$CD/state"
		disabled_plugins = ["io.containerd.grpc.v1.cri"]
		[grpc]
		  address = "$CD/c.sock"
		[ttrpc]
		  address = "$CD/c.sock.ttrpc"
		[debug]
		  address = "$CD/debug.sock"
	EOF
	trap '_rc=$?; set +e; cd_cleanup >&2; test_exit $_rc' EXIT
	containerd --config "$CD/config.toml" >"$CD/log" 2>&1 &
	CD_PID=$!
	wait_for 20 kctr version >/dev/null ||
		fail "containerd did not start: $(tail -n 5 "$CD/log")"
	kctr images import "$(client_oci_archive)" >/dev/null || fail "ctr images import failed"
}

# kctr ARGS...: ctr on the private containerd, in the test's namespace.
kctr() {
	timeout -k 2 60 ctr --address "$CD/c.sock" -n "$CD_NS" "$@"
}

# kctr_run ARGS...: `ctr run` with cell as the runc binary (the runc shim
# calls it with --root, --log and --log-format json).
kctr_run() {
	kctr run --runc-binary "$CELL" --runc-root "$CD/runc" --snapshotter native "$@"
}

# kcell ARGS...: the runtime on the shim's root (the container's state).
kcell() {
	timeout -k 2 "${CMD_TIMEOUT:-20}" "$CELL" --root "$CD_ROOT" "$@"
}

# kctr_status ID: the task's status (RUNNING, PAUSED, STOPPED).
kctr_status() {
	kctr tasks ls 2>/dev/null | awk -v id="$1" '$1 == id { print $3 }'
}

kctr_status_is() { # ID STATUS
	[ "$(kctr_status "$1")" = "$2" ]
}

kctr_pid() { # ID: the task's pid
	kctr tasks ls 2>/dev/null | awk -v id="$1" '$1 == id { print $2 }'
}

run_containerd_entries() {
	{ find /run/containerd/fifo /run/containerd/s -mindepth 1 -maxdepth 1 2>/dev/null || true; } | sort
}

cd_cleanup() {
	local id d
	[ -n "${CD:-}" ] || return 0
	if kill -0 "$CD_PID" 2>/dev/null; then
		for id in $(kctr tasks ls -q 2>/dev/null); do
			kctr tasks kill -a -s KILL "$id" >/dev/null 2>&1
			wait_for 5 sh -c '! ctr --address "$0" -n "$1" tasks ls 2>/dev/null | grep -q "^$2 .*RUNNING"' \
				"$CD/c.sock" "$CD_NS" "$id"
			kctr tasks delete -f "$id" >/dev/null 2>&1
		done
		for id in $(kctr containers ls -q 2>/dev/null); do
			kctr containers delete "$id" >/dev/null 2>&1
		done
		kill -TERM "$CD_PID" 2>/dev/null
		wait_for 10 sh -c '! kill -0 "$0" 2>/dev/null' "$CD_PID"
	fi
	wait "$CD_PID" 2>/dev/null
	wait_gone 10 "$CD/"
	for d in "$CD_ROOT"/*/; do
		[ -d "$d" ] && note "left by containerd: $d" && kcell delete --force "$(basename "$d")"
	done
	cg_rmtree "/$CD_NS"
	# What the test's ctr and shims left below /run/containerd (`ctr run
	# -d` leaves its fifos), and the directories, when the test made them.
	for d in $(run_containerd_entries | grep -vxF -f "$T/.run-containerd"); do
		rm -rf -- "$d"
	done
	if [ "$CD_RUN_EXISTED" = 0 ]; then
		for d in /run/containerd/fifo/* /run/containerd/fifo /run/containerd/s \
			/run/containerd/runc/* /run/containerd/runc /run/containerd; do
			[ -d "$d" ] && rmdir "$d" 2>/dev/null
		done
	fi
	CD=""
	return 0
}

# ------------------------------------------------------------ docker

# dk_setup: a private dockerd (docker.io's, with the containerd it starts
# and supervises itself): its config, data root, exec root (containerd's
# socket and state, the runtime's --root), pid file and API socket under
# $DK; cgroupfs with a cgroup parent of its own (with $CG_TAG: the harness
# checks it for leaks); the ulimits at the current
# hard limits (docker's nproc/nofile defaults can exceed them, and there is
# no CAP_SYS_RESOURCE here). It runs in a network namespace of the test's,
# so docker0, the containers' veths and its iptables rules live there, and
# in a mount namespace of its own with a tmpfs on /run: the overlay and
# netns mounts, containerd's shim sockets (/run/containerd/s) and whatever
# else dockerd puts below /run stay private and go away with it. cell is
# the default runtime (and named `cell` for --runtime); the image is
# imported from the rootfs tar.
dk_setup() {
	[ -x /usr/bin/docker ] && command -v dockerd >/dev/null && command -v nsenter >/dev/null ||
		skip "docker.io or nsenter not installed (tests/deps.sh)"
	DK_NS=$(make_netns)
	# The sockets below it (containerd's, libnetwork's): a short path.
	DK=$(mktemp -d /tmp/cdk.XXXXXX)
	DK_CG="/ctst-docker-$CG_TAG"
	DK_PID=""
	export DOCKER_CONFIG="$DK/client"
	cat >"$DK/daemon.json" <<-EOF
		{
		  "hosts": ["unix://$DK/d.sock"],
		  "data-root": "$DK/data",
		  "exec-root": "$DK/x",
		  "pidfile": "$DK/pid",
		  "deprecated-key-path": "$DK/key.json",
		  "storage-driver": "overlay2",
		  "exec-opts": ["native.cgroupdriver=cgroupfs"],
		  "cgroup-parent": "$DK_CG",
		  "default-ulimits": {
		    "nofile": { "Name": "nofile", "Soft": $(ulimit -Hn), "Hard": $(ulimit -Hn) },
		    "nproc": { "Name": "nproc", "Soft": 4096, "Hard": 4096 }
		  },
		  "runtimes": { "cell": { "path": "$CELL" } },
		  "default-runtime": "cell",
		  "log-level": "warn"
		}
	EOF
	trap '_rc=$?; set +e; dk_cleanup >&2; test_exit $_rc' EXIT
	# nsenter, unshare and sh exec in turn: $! is dockerd.
	nsenter --net="/run/netns/$DK_NS" unshare --mount --propagation slave \
		sh -c 'mount -t tmpfs -o mode=0755 tmpfs /run && exec "$@"' sh \
		dockerd --config-file "$DK/daemon.json" >"$DK/log" 2>&1 &
	DK_PID=$!
	wait_for 30 dk_up && pid_alive "$DK_PID" || fail "dockerd did not start: $(tail -n 5 "$DK/log")"
	dk import "$(client_image_tar)" localhost/cell-test:1 >/dev/null || fail "docker import failed"
}

# dk_up: dockerd answers (or is gone: then waiting is over too).
dk_up() {
	! pid_alive "$DK_PID" || /usr/bin/docker -H "unix://$DK/d.sock" version >/dev/null 2>&1
}

# dk ARGS...: docker.io's client (/usr/local/bin may hold another) on the
# private dockerd.
dk() {
	timeout -k 2 60 /usr/bin/docker -H "unix://$DK/d.sock" "$@"
}

# dk_run ARGS...: `docker run` with cell named as the runtime.
dk_run() {
	dk run --runtime cell "$@"
}

dk_state() { # NAME: Status ExitCode
	dk inspect "$1" --format '{{.State.Status}} {{.State.ExitCode}}'
}

dk_exited() { # NAME
	case $(dk_state "$1") in exited*) return 0 ;; esac
	return 1
}

dk_pid() { # NAME: the container's init (a host pid: dockerd shares ours)
	dk inspect "$1" --format '{{.State.Pid}}'
}

# dk_roots: the runtime's --root directories (docker names them after its
# default runtime, the shim adds the containerd namespace).
dk_roots() {
	local d
	for d in "$DK"/x/runtime-*/moby; do
		[ -d "$d" ] && echo "$d"
	done
	return 0
}

dk_down() {
	! pid_alive "$DK_PID"
}

dk_cleanup() {
	local ids r d
	[ -n "${DK:-}" ] || return 0
	if [ -n "$DK_PID" ] && pid_alive "$DK_PID"; then
		ids=$(dk ps -aq 2>/dev/null)
		# shellcheck disable=SC2086 # one word per id
		[ -z "$ids" ] || dk rm -f $ids >/dev/null 2>&1
		kill -TERM "$DK_PID" 2>/dev/null
		wait_for 15 dk_down
	fi
	[ -z "$DK_PID" ] || wait "$DK_PID" 2>/dev/null
	# containerd and its shims carry $DK in their arguments.
	wait_gone 10 "$DK/"
	for r in $(dk_roots); do
		for d in "$r"/*/; do
			[ -d "$d" ] || continue
			note "left by docker: $d"
			timeout -k 1 5 "$CELL" --root "$r" delete --force "$(basename "$d")"
		done
	done
	cg_rmtree "$DK_CG"
	rm -rf --one-file-system "$DK"
	DK=""
	return 0
}
