#!/bin/bash
# Benchmark: the extra cost of veth networking per container. In rotating
# rounds: `cell run` of /bin/true with cell.net.type none, the same with
# veth (bridge, lease, veth pair, address, routes, and their teardown),
# `cell create` with each (the set-up alone; the delete is not timed), and
# the same set-up done with ip(8) commands (veth pair, bridge attach, move,
# rename, address, up, route) into a namespace made beforehand (not timed,
# nor is the teardown). Reports medians and the ratio
#   (median veth run - median none run) / median ip commands
# and the set-up alone, (create veth - create none) / ip commands, and as
# cell times its own net_setup (--debug log: bridge lock, lease, veth
# pair, addresses, routes), whose ratio to the ip commands has the
# target under 0.25; the teardown alone (delete --force veth - none)
# next to `ip link del` of the host end (the kernel's own cost of
# removing a veth pair, which dominates both).
#
# usage: bench/net.sh [-n ROUNDS]   (default 30; run as root)
# environment: CELL (default build/cell). The bridge and subnet are made
# for the run (10.233.X.0/24) and removed at the end.
set -eu

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
REPO_DIR=$(dirname "$BENCH_DIR")
ROUNDS=30

while [ $# -gt 0 ]; do
	case $1 in
	-n) ROUNDS=$2; shift 2 ;;
	-h | --help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "net.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done

die() {
	echo "net.sh: $*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || die "run as root"
command -v ip >/dev/null || die "ip (iproute2) missing"
CELL=${CELL:-$REPO_DIR/build/cell}
[ -x "$CELL" ] || die "no runtime at $CELL (run ./build.sh, or set CELL=)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cell-bench-net.XXXXXX")
chmod 0755 "$WORK"
BR="cbnb$(printf %04x $(($$ % 65536)))"
NET="10.233.$(($$ % 250 + 1))"
IPBR="cbni$(printf %04x $(($$ % 65536)))"
NS="cell-bench-net-$$"

cleanup() {
	set +e
	local c
	for c in "$WORK"/state/*/; do
		[ -d "$c" ] && timeout 20 "$CELL" --root "$WORK/state" delete --force "$(basename "$c")" >/dev/null 2>&1
	done
	ip netns del "$NS" 2>/dev/null
	ip link del "$BR" 2>/dev/null
	ip link del "$IPBR" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

. "$REPO_DIR/examples/lib.sh"
make_rootfs "$WORK/rootfs" >/dev/null || die "cannot build the rootfs"
make_bundle() { # DIR ANNOTATIONS-JSON
	mkdir -p "$1"
	ln -s "$WORK/rootfs" "$1/rootfs"
	cat >"$1/config.json" <<EOF
{
  "ociVersion": "1.2.0",
  "process": {"terminal": false, "user": {"uid": 0, "gid": 0}, "args": ["/bin/true"],
              "env": ["PATH=/bin"], "cwd": "/"},
  "root": {"path": "rootfs", "readonly": true},
  "hostname": "bench",
  "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}],
  "linux": {"namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "mount"},
                           {"type": "ipc"}, {"type": "uts"}]},
  "annotations": $2
}
EOF
}
make_bundle "$WORK/none" '{"cell.net.type": "none"}'
make_bundle "$WORK/veth" "{\"cell.net.type\": \"veth\", \"cell.net.bridge\": \"$BR\",
  \"cell.net.bridge.ipv4\": \"$NET.1/24\", \"cell.net.ipv4\": \"auto\"}"

SEQ=0
cell_run() { # BUNDLE
	SEQ=$((SEQ + 1))
	"$CELL" --root "$WORK/state" run -b "$WORK/$1" "b$$-$SEQ" </dev/null >/dev/null 2>"$WORK/err" ||
		die "cell run ($1) failed: $(cat "$WORK/err")"
}

# create alone (set-up), then delete --force alone (teardown), each timed.
cell_create_timed() { # BUNDLE ROUND
	SEQ=$((SEQ + 1))
	t0=$EPOCHREALTIME
	"$CELL" --root "$WORK/state" --debug --log "$WORK/log-$1" create -b "$WORK/$1" "b$$-$SEQ" \
		</dev/null >/dev/null 2>"$WORK/err" || die "cell create ($1) failed: $(cat "$WORK/err")"
	t1=$EPOCHREALTIME
	echo "$2 create-$1 $t0 $t1" >>"$TIMES"
	"$CELL" --root "$WORK/state" delete --force "b$$-$SEQ" >/dev/null 2>&1 || die "delete failed"
	t2=$EPOCHREALTIME
	echo "$2 delete-$1 $t1 $t2" >>"$TIMES"
}

# The ip(8) side: a bridge with its address once, then per round the
# same set-up cell does, into a namespace made before the clock starts.
ip link add "$IPBR" type bridge
ip addr add "10.234.$(($$ % 250 + 1)).1/24" dev "$IPBR"
ip link set "$IPBR" up
ip_setup() {
	local h="cbnh$$" net="10.234.$(($$ % 250 + 1))"
	ip link add "$h" type veth peer name "cbnp$$"
	ip link set "$h" master "$IPBR" up
	ip link set "cbnp$$" netns "$NS"
	ip -n "$NS" link set "cbnp$$" name eth0
	ip -n "$NS" addr add "$net.2/24" dev eth0
	ip -n "$NS" link set eth0 up
	ip -n "$NS" route add default via "$net.1"
}

# The host end goes first (timed: the kernel's cost of deleting a veth
# pair): a namespace dies asynchronously, and the pair with it.
ip_teardown() { # [ROUND]
	local t0=$EPOCHREALTIME
	ip link del "cbnh$$"
	[ -z "${1:-}" ] || echo "$1 ipdel $t0 $EPOCHREALTIME" >>"$TIMES"
	ip netns del "$NS"
}

# Warm-up: page cache, the bridge, modules.
cell_run none
cell_run veth
ip netns add "$NS"
ip_setup
ip_teardown

TIMES="$WORK/times"
: >"$TIMES"
for ((r = 0; r < ROUNDS; r++)); do
	for ((k = 0; k < 5; k++)); do
		case $(((r + k) % 5)) in
		3) cell_create_timed none "$r" ;;
		4) cell_create_timed veth "$r" ;;
		0) t0=$EPOCHREALTIME; cell_run none; t1=$EPOCHREALTIME; echo "$r none $t0 $t1" >>"$TIMES" ;;
		1) t0=$EPOCHREALTIME; cell_run veth; t1=$EPOCHREALTIME; echo "$r veth $t0 $t1" >>"$TIMES" ;;
		2)
			ip netns add "$NS"
			t0=$EPOCHREALTIME; ip_setup; t1=$EPOCHREALTIME
			echo "$r ip $t0 $t1" >>"$TIMES"
			ip_teardown "$r"
			;;
		esac
	done
done

python3 - "$TIMES" "$BENCH_DIR/results" "$ROUNDS" "$WORK/log-veth" <<'EOF'
import json, os, re, statistics, sys, time
times, out_dir, rounds, log = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
inside = [int(m.group(1)) / 1000 for m in re.finditer(r"net: set-up in (\d+) us", open(log).read())]
ms = {"none": {}, "veth": {}, "ip": {}, "create-none": {}, "create-veth": {},
      "delete-none": {}, "delete-veth": {}, "ipdel": {}}
for line in open(times):
    r, name, t0, t1 = line.split()
    ms[name][int(r)] = (float(t1) - float(t0)) * 1000
med = {k: statistics.median(v.values()) for k, v in ms.items()}
extra = med["veth"] - med["none"]
per_round = [(ms["veth"][r] - ms["none"][r]) / ms["ip"][r] for r in range(rounds)]
print("%-34s %10s" % ("", "median ms"))
print("%-34s %10.2f" % ("cell run, cell.net.type none", med["none"]))
print("%-34s %10.2f" % ("cell run, cell.net.type veth", med["veth"]))
print("%-34s %10.2f" % ("  extra cost of veth networking", extra))
print("%-34s %10.2f" % ("cell create, none", med["create-none"]))
print("%-34s %10.2f" % ("cell create, veth", med["create-veth"]))
setup = med["create-veth"] - med["create-none"]
print("%-34s %10.2f" % ("  set-up alone (no teardown)", setup))
print("%-34s %10.2f" % ("ip commands, same set-up", med["ip"]))
teardown = med["delete-veth"] - med["delete-none"]
print("%-34s %10.2f" % ("cell delete --force, none", med["delete-none"]))
print("%-34s %10.2f" % ("cell delete --force, veth", med["delete-veth"]))
print("%-34s %10.2f" % ("  teardown alone", teardown))
print("%-34s %10.2f" % ("ip link del of the host end", med["ipdel"]))
ratio = extra / med["ip"]
print("ratio run extra (set-up + teardown)/ip: %.3f (median of per-round ratios %.3f)"
      % (ratio, statistics.median(per_round)))
print("ratio set-up/ip: %.3f" % (setup / med["ip"]))
net_in = statistics.median(inside)
print("%-34s %10.2f" % ("net_setup as timed inside cell", net_in))
print("ratio net_setup/ip: %.3f (target < 0.25; %d creates)" % (net_in / med["ip"], len(inside)))
res = {"rounds": rounds, "none_ms": round(med["none"], 3), "veth_ms": round(med["veth"], 3),
       "extra_ms": round(extra, 3), "ip_ms": round(med["ip"], 3), "ratio": round(ratio, 3),
       "ratio_per_round_median": round(statistics.median(per_round), 3),
       "create_none_ms": round(med["create-none"], 3), "create_veth_ms": round(med["create-veth"], 3),
       "setup_ms": round(setup, 3), "ratio_setup": round(setup / med["ip"], 3),
       "teardown_ms": round(teardown, 3), "ip_del_ms": round(med["ipdel"], 3),
       "net_setup_ms": round(net_in, 3), "ratio_net_setup": round(net_in / med["ip"], 3)}
line = json.dumps(res, sort_keys=True)
print("RESULT " + line)
os.makedirs(out_dir, exist_ok=True)
path = os.path.join(out_dir, time.strftime("net-%Y%m%d-%H%M%S.json"))
with open(path, "w") as f:
    f.write(line + "\n")
print("saved " + path)
EOF
