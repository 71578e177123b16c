#!/bin/sh
# Build a busybox bundle and run it, showing the container's isolation.
# usage: examples/busybox/run.sh          (as root; CELL=/path/to/runtime)
# Needs Debian's busybox-static and python3. Leaves nothing behind.
set -eu
EXAMPLES_DIR=$(cd "$(dirname "$0")/.." && pwd)
. "$EXAMPLES_DIR/lib.sh"
CELL=$(find_runtime)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
bundle="$work/bundle"

echo "building the rootfs in $bundle/rootfs"
make_rootfs "$bundle/rootfs"
cp "$EXAMPLES_DIR/busybox/demo.sh" "$bundle/rootfs/demo.sh"

echo "writing config.json with \`$CELL spec\`, then setting args and hostname"
(cd "$bundle" && "$CELL" spec)
python3 - "$bundle/config.json" <<'PY'
import json, sys
path = sys.argv[1]
config = json.load(open(path))
config["process"]["args"] = ["sh", "/demo.sh"]
config["process"]["terminal"] = False  # no tty here (runc's spec sets true)
config["hostname"] = "busybox-demo"
json.dump(config, open(path, "w"), indent=2)
PY

echo
echo "== the host, for comparison"
echo "hostname $(hostname); $(ls -d /proc/[0-9]* | wc -l) processes; interfaces: $(ls /sys/class/net | xargs)"
for n in pid net ipc uts mnt cgroup; do
	printf '%-7s %s\n' "$n" "$(readlink /proc/self/ns/$n)"
done
echo
echo "running: $CELL run -b $bundle busybox-demo-$$"
"$CELL" run -b "$bundle" "busybox-demo-$$"
