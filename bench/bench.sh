#!/bin/bash
# Benchmark: `cell run` of /bin/true in a busybox bundle against runc (and
# crun), in alternating rounds; plus the syscalls of one run, the peak RSS
# of `create` and the stripped binary size.
#
# usage: bench/bench.sh [-n ROUNDS] [--crun] [--no-unified]
#   -n ROUNDS      rounds (default 50); each round runs every runtime once
#   --crun         add crun (implies --no-unified)
#   --no-unified   run everything in a private mount namespace where
#                  /sys/fs/cgroup/unified is unmounted: Debian's crun refuses
#                  a hybrid cgroup host. The host's mount is never touched.
# environment: CELL (default build/cell), RUNC (default runc), CRUN
# (default crun). Any of them may be another OCI runtime, e.g. CELL=crun.
# Prints a table and one machine-readable line starting with `RESULT `,
# also saved as bench/results/bench-DATE.json. Run as root.
set -eu

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
REPO_DIR=$(dirname "$BENCH_DIR")
ROUNDS=50
WITH_CRUN=0
NO_UNIFIED=0
ARGS=("$@")

while [ $# -gt 0 ]; do
	case $1 in
	-n) ROUNDS=$2; shift 2 ;;
	--crun) WITH_CRUN=1 NO_UNIFIED=1; shift ;;
	--no-unified) NO_UNIFIED=1; shift ;;
	-h | --help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done

die() {
	echo "bench.sh: $*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || die "run as root"

resolve() { # NAME|PATH: an absolute path
	case $1 in
	*/*) echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")" ;;
	*) command -v "$1" || die "$1 not found" ;;
	esac
}

CELL=$(resolve "${CELL:-$REPO_DIR/build/cell}")
RUNC=$(resolve "${RUNC:-runc}")
[ -x "$CELL" ] || die "no runtime at $CELL (run ./build.sh, or set CELL=)"
NAMES=(cell runc)
BINS=("$CELL" "$RUNC")
if [ "$WITH_CRUN" = 1 ]; then
	NAMES+=(crun)
	BINS+=("$(resolve "${CRUN:-crun}")")
fi
for b in "${BINS[@]}"; do
	[ "$(basename "$b")" = crun ] && NO_UNIFIED=1
done

for tool in strace python3 /usr/bin/time strip; do
	command -v "$tool" >/dev/null || {
		[ -x "$REPO_DIR/tests/deps.sh" ] && "$REPO_DIR/tests/deps.sh" bench
		command -v "$tool" >/dev/null || die "$tool missing (tests/deps.sh bench)"
	}
done

# Re-run inside a private mount namespace without the cgroup2 mount.
if [ "$NO_UNIFIED" = 1 ] && [ -z "${BENCH_IN_NS:-}" ]; then
	export BENCH_IN_NS=1 CELL RUNC CRUN="${CRUN:-crun}"
	exec unshare -m --propagation private bash -c '
		if mountpoint -q /sys/fs/cgroup/unified; then umount /sys/fs/cgroup/unified; fi
		exec "$0" "$@"' "$0" "${ARGS[@]}"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cell-bench.XXXXXX")
chmod 0755 "$WORK"
cleanup() {
	set +e
	local i d c pid
	for i in "${!BINS[@]}"; do
		d="$WORK/state-${NAMES[$i]}"
		for c in "$d"/*/; do
			[ -d "$c" ] || continue
			timeout 20 "${BINS[$i]}" --root "$d" delete --force "$(basename "$c")" >/dev/null 2>&1 && continue
			# The runtime could not delete it: kill its process by hand.
			pid=$(python3 -c 'import json, sys; s = json.load(open(sys.argv[1]))
print(s.get("pid") or s.get("init_process_pid") or "")' "$c/state.json" 2>/dev/null)
			[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
		done
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The bundle: busybox, and runc's default spec with terminal false and
# args /bin/true (namespaces pid net ipc uts mount, read-only root, its
# mounts, masked and read-only paths and capabilities).
BUNDLE="$WORK/bundle"
. "$REPO_DIR/examples/lib.sh"
make_rootfs "$BUNDLE/rootfs" || die "cannot build the rootfs"
cat >"$BUNDLE/config.json" <<'EOF'
{
  "ociVersion": "1.0.2",
  "process": {
    "terminal": false,
    "user": {"uid": 0, "gid": 0},
    "args": ["/bin/true"],
    "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
    "cwd": "/",
    "capabilities": {
      "bounding": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "effective": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "permitted": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "ambient": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
    },
    "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
    "noNewPrivileges": true
  },
  "root": {"path": "rootfs", "readonly": true},
  "hostname": "bench",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
     "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
     "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
    {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
     "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
    {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
     "options": ["nosuid", "noexec", "nodev"]},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs",
     "options": ["nosuid", "noexec", "nodev", "ro"]},
    {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
     "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}
  ],
  "linux": {
    "resources": {"devices": [{"allow": false, "access": "rwm"}]},
    "namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"},
                   {"type": "uts"}, {"type": "mount"}],
    "maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
      "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
      "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
    "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
  }
}
EOF

SEQ=0
run_once() { # INDEX [timed]: one foreground `run` of /bin/true; fails loudly
	local i=$1 rc=0 guard=(timeout 60)
	SEQ=$((SEQ + 1))
	# Timed runs are not wrapped in timeout(1): its own fork+exec would add
	# the same few ms to every runtime and hide their differences. The
	# warm-up runs (with the guard) have shown each runtime finishes.
	[ "${2:-}" = timed ] && guard=()
	"${guard[@]}" "${BINS[$i]}" --root "$WORK/state-${NAMES[$i]}" run -b "$BUNDLE" "b$$-$SEQ" \
		</dev/null >/dev/null 2>"$WORK/err" || rc=$?
	[ "$rc" = 0 ] || die "${NAMES[$i]} run failed ($rc): $(cat "$WORK/err")"
}

echo "bench: ${#NAMES[@]} runtimes, $ROUNDS rounds; bundle: busybox /bin/true"
for i in "${!NAMES[@]}"; do
	printf '  %-5s %s (%s)\n' "${NAMES[$i]}" "${BINS[$i]}" "$("${BINS[$i]}" --version 2>/dev/null | head -n 1)"
	run_once "$i" # warm-up: page cache, first-run set-up
	run_once "$i"
done

# Rounds: every runtime once per round, in a rotating order.
TIMES="$WORK/times" # lines: round name ms
: >"$TIMES"
n=${#NAMES[@]}
for ((r = 0; r < ROUNDS; r++)); do
	for ((k = 0; k < n; k++)); do
		i=$(((r + k) % n))
		t0=$EPOCHREALTIME
		run_once "$i" timed
		t1=$EPOCHREALTIME
		echo "$r ${NAMES[$i]} $t0 $t1" >>"$TIMES"
	done
done

# Syscalls of one run, peak RSS of create, stripped size.
STATS="$WORK/stats" # lines: name syscalls rss-kb stripped-bytes
: >"$STATS"
for i in "${!NAMES[@]}"; do
	name=${NAMES[$i]}
	SEQ=$((SEQ + 1))
	timeout 60 strace -f -c -o "$WORK/strace-$name" "${BINS[$i]}" --root "$WORK/state-$name" \
		run -b "$BUNDLE" "b$$-$SEQ" </dev/null >/dev/null 2>&1 || die "$name run under strace failed"
	calls=$(awk '$NF == "total" { print $4 }' "$WORK/strace-$name")
	SEQ=$((SEQ + 1))
	timeout 60 /usr/bin/time -f %M -o "$WORK/rss-$name" "${BINS[$i]}" --root "$WORK/state-$name" \
		create -b "$BUNDLE" "b$$-$SEQ" </dev/null >/dev/null 2>&1 || die "$name create failed"
	timeout 20 "${BINS[$i]}" --root "$WORK/state-$name" delete --force "b$$-$SEQ" >/dev/null 2>&1 ||
		echo "warning: $name delete --force after create failed" >&2
	rss=$(tail -n 1 "$WORK/rss-$name")
	strip -o "$WORK/stripped-$name" "${BINS[$i]}" 2>/dev/null || cp "${BINS[$i]}" "$WORK/stripped-$name"
	echo "$name ${calls:-0} ${rss:-0} $(stat -c %s "$WORK/stripped-$name")" >>"$STATS"
done

python3 - "$TIMES" "$STATS" "$BENCH_DIR/results" "$ROUNDS" "${NAMES[@]}" "${BINS[@]}" <<'EOF'
import json, os, statistics, sys, time
times_file, stats_file, out_dir = sys.argv[1:4]
rounds, rest = int(sys.argv[4]), sys.argv[5:]
names, bins = rest[:len(rest) // 2], rest[len(rest) // 2:]
ms = {n: {} for n in names}
for line in open(times_file):
    r, name, t0, t1 = line.split()
    ms[name][int(r)] = (float(t1) - float(t0)) * 1000
calls, rss, size = {}, {}, {}
for line in open(stats_file):
    name, c, r, s = line.split()
    calls[name], rss[name], size[name] = int(c), int(r), int(s)

def q(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p * len(v)))]

print()
print("%-13s %10s %8s %8s %10s %14s %16s" % ("", "median ms", "p10", "p90", "syscalls", "create RSS KB", "stripped bytes"))
for n, b in zip(names, bins):
    v = list(ms[n].values())
    label = n if os.path.basename(b) == n else "%s [%s]" % (n, os.path.basename(b))
    print("%-13s %10.2f %8.2f %8.2f %10s %14s %16s" % (label, statistics.median(v), q(v, .1), q(v, .9), calls[n], rss[n], size[n]))
result = {"rounds": rounds}
for n in names:
    result[n + "_ms"] = round(statistics.median(ms[n].values()), 3)
    result[n + "_syscalls"] = calls[n]
    result[n + "_create_rss_kb"] = rss[n]
    result[n + "_stripped_bytes"] = size[n]
for other in names[1:]:
    ratios = [ms["cell"][r] / ms[other][r] for r in range(rounds)]
    result["ratio_cell_" + other] = round(statistics.median(ratios), 3)
    print("median of per-round ratios cell/%s: %.3f" % (other, result["ratio_cell_" + other]))
line = json.dumps(result, sort_keys=True)
print("RESULT " + line)
os.makedirs(out_dir, exist_ok=True)
path = os.path.join(out_dir, time.strftime("bench-%Y%m%d-%H%M%S.json"))
with open(path, "w") as f:
    f.write(line + "\n")
print("saved " + path)
EOF
