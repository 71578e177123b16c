#!/bin/bash
# Benchmark: what podman's default seccomp profile costs per container, and
# the length of the filter cell compiles from it next to libseccomp's.
# In alternating rounds: `cell run` of /bin/true in a busybox bundle
# without linux.seccomp, and the same with podman's profile
# (/usr/share/containers/seccomp.json converted as podman does by
# tests/podman-seccomp.py). Reports the medians and their difference
# (target: under 1 ms), cell's filter length (`cell seccomp-dump`) and,
# when libseccomp-dev and gcc are there, libseccomp's for the same profile
# (bench/libseccomp-len.py; target: cell's shorter). With --crun, the same
# per-run CPU cost for crun (libseccomp), and the length of the filter each
# runtime really installed, read back from a running container's init with
# PTRACE_SECCOMP_GET_FILTER (bench/filter-len.py). crun runs in a private
# mount namespace where /sys/fs/cgroup/unified is unmounted (Debian's crun
# refuses a hybrid host); the host's mounts are not touched.
#
# usage: bench/seccomp.sh [-n ROUNDS] [--crun]   (default 30; run as root)
# environment: CELL (default build/cell), CRUN (default crun)
set -eu

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
REPO_DIR=$(dirname "$BENCH_DIR")
ROUNDS=30
WITH_CRUN=0
PROFILE=/usr/share/containers/seccomp.json

while [ $# -gt 0 ]; do
	case $1 in
	-n) ROUNDS=$2; shift 2 ;;
	--crun) WITH_CRUN=1; shift ;;
	-h | --help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "seccomp.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done

die() {
	echo "seccomp.sh: $*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || die "run as root"
[ -r "$PROFILE" ] || die "$PROFILE missing (apt-get install golang-github-containers-common)"
CELL=${CELL:-$REPO_DIR/build/cell}
[ -x "$CELL" ] || die "no runtime at $CELL (run ./build.sh, or set CELL=)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cell-bench-seccomp.XXXXXX")
trap 'rm -rf --one-file-system "$WORK"' EXIT
for b in plain podman; do
	mkdir -p "$WORK/$b/rootfs/bin"
	cp /bin/busybox "$WORK/$b/rootfs/bin/"
	ln -s busybox "$WORK/$b/rootfs/bin/true"
	python3 "$REPO_DIR/tests/mkconfig.py" "$WORK/$b/config.json" --new --args /bin/true
done
python3 "$REPO_DIR/tests/podman-seccomp.py" "$WORK/podman/config.json"

now_us() { echo $(($(date +%s%N) / 1000)); }

run_once() { # BUNDLE ID: prints microseconds
	local t0 t1
	t0=$(now_us)
	"$CELL" --root "$WORK/state" run -b "$WORK/$1" "$2" >/dev/null || die "run $1 failed"
	t1=$(now_us)
	echo $((t1 - t0))
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

: >"$WORK/plain.t"
: >"$WORK/podman.t"
run_once plain warm >/dev/null
run_once podman warm >/dev/null
for i in $(seq "$ROUNDS"); do
	run_once plain "p$i" >>"$WORK/plain.t"
	run_once podman "s$i" >>"$WORK/podman.t"
done
mp=$(median <"$WORK/plain.t")
ms=$(median <"$WORK/podman.t")
# CPU time of cell and the container's init (wait4 rusage): steadier than
# wall time on a busy machine.
cpu_cost() { # RUNTIME: median CPU time per run without and with the profile
	python3 - "$1" "$WORK" "$ROUNDS" <<'PY'
import os, statistics, sys
cell, work, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
res = {"plain": [], "podman": []}
for r in range(rounds):
    for b in res:
        pid = os.fork()
        if pid == 0:
            fd = os.open("/dev/null", os.O_WRONLY)
            os.dup2(fd, 1)
            os.execv(cell, [cell, "--root", work + "/state-" + os.path.basename(cell), "run", "-b", work + "/" + b, "cpu-%s-%d" % (b, r)])
        _, st, ru = os.wait4(pid, 0)
        if st != 0:
            sys.exit("run failed")
        res[b].append((ru.ru_utime + ru.ru_stime) * 1000)
p, s = statistics.median(res["plain"]), statistics.median(res["podman"])
print("%.3f ms without, %.3f ms with: %.3f ms added" % (p, s, s - p))
PY
}
cpu=$(cpu_cost "$CELL")
len=$("$CELL" seccomp-dump "$WORK/podman/config.json" | sed -n 's/^# \([0-9]*\) instructions/\1/p')

echo "rounds:                        $ROUNDS"
printf 'run without seccomp (median):  %d.%03d ms\n' $((mp / 1000)) $((mp % 1000))
printf 'run with podman profile:       %d.%03d ms\n' $((ms / 1000)) $((ms % 1000))
d=$((ms - mp))
sign=""
[ "$d" -lt 0 ] && { sign="-"; d=$((-d)); }
printf 'added per container:           %s%d.%03d ms  (target < 1 ms)\n' "$sign" $((d / 1000)) $((d % 1000))
echo "CPU per run (cell + init):     $cpu"
echo "cell filter length:            $len instructions"
if [ -r /usr/include/seccomp.h ] && command -v gcc >/dev/null; then
	l0=$(python3 "$BENCH_DIR/libseccomp-len.py" "$WORK/podman/config.json")
	l2=$(python3 "$BENCH_DIR/libseccomp-len.py" "$WORK/podman/config.json" 2 2>/dev/null || echo "n/a")
	echo "libseccomp filter length:      $l0 instructions (binary-tree optimize: $l2)"
else
	echo "libseccomp filter length:      not measured (no libseccomp-dev); crun/runc via libseccomp 2.5 emit ~1144"
fi

[ "$WITH_CRUN" = 1 ] || exit 0

# The filter each runtime installed, from a running init (PID).
installed_len() { python3 "$BENCH_DIR/filter-len.py" "$1"; }
python3 "$REPO_DIR/tests/mkconfig.py" "$WORK/podman/config.json" --args /bin/sleep 30
python3 "$REPO_DIR/tests/podman-seccomp.py" "$WORK/podman/config.json"
ln -s busybox "$WORK/podman/rootfs/bin/sleep"
"$CELL" --root "$WORK/state" run -d -b "$WORK/podman" len-cell >/dev/null
pid=$("$CELL" --root "$WORK/state" state len-cell | python3 -c 'import json, sys; print(json.load(sys.stdin)["pid"])')
echo "cell filter installed:         $(installed_len "$pid") instructions"
"$CELL" --root "$WORK/state" delete --force len-cell
CRUN=$(command -v "${CRUN:-crun}") || die "no crun"
export CRUN WORK BENCH_DIR ROUNDS
unshare -m --propagation private bash -c '
set -eu
! mountpoint -q /sys/fs/cgroup/unified || umount /sys/fs/cgroup/unified
cd "$WORK/podman"
"$CRUN" --root "$WORK/crun-state" run -d len-crun
pid=$("$CRUN" --root "$WORK/crun-state" state len-crun | python3 -c "import json, sys; print(json.load(sys.stdin)[\"pid\"])")
echo "crun filter installed:         $(python3 "$BENCH_DIR/filter-len.py" "$pid") instructions ($("$CRUN" --version | head -n 1))"
"$CRUN" --root "$WORK/crun-state" delete --force len-crun
'
python3 "$REPO_DIR/tests/mkconfig.py" "$WORK/podman/config.json" --args /bin/true
python3 "$REPO_DIR/tests/podman-seccomp.py" "$WORK/podman/config.json"
echo "crun CPU per run (crun+init):  $(unshare -m --propagation private bash -c '
! mountpoint -q /sys/fs/cgroup/unified || umount /sys/fs/cgroup/unified
'"$(declare -f cpu_cost); WORK=$WORK ROUNDS=$ROUNDS"' cpu_cost "$CRUN"')"
