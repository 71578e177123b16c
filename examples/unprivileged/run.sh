#!/bin/sh
# Run a container in a user namespace: uid/gid 0-65535 inside are
# 100000-165535 on the host (config.json here: linux.uidMappings and
# linux.gidMappings, and a "user" namespace).
# usage: examples/unprivileged/run.sh     (as root; CELL=/path/to/runtime)
# Needs Debian's busybox-static. Leaves nothing behind.
set -eu
EXAMPLES_DIR=$(cd "$(dirname "$0")/.." && pwd)
. "$EXAMPLES_DIR/lib.sh"
CELL=$(find_runtime)
id="unprivileged-demo-$$"

work=$(mktemp -d)
chmod 0755 "$work"
cleanup() {
	"$CELL" delete --force "$id" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
bundle="$work/bundle"

echo "building the rootfs in $bundle/rootfs, owned by 100000:100000"
make_rootfs "$bundle/rootfs"
cp "$EXAMPLES_DIR/unprivileged/demo.sh" "$bundle/rootfs/demo.sh"
chown -R 100000:100000 "$bundle/rootfs"
cp "$EXAMPLES_DIR/unprivileged/config.json" "$bundle/config.json"

echo "creating $id"
"$CELL" create -b "$bundle" "$id"
pid=$("$CELL" state "$id" | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p' | head -n 1)
echo
echo "== outside: the host sees the container's process $pid as"
ps -o uid,gid,pid,args -p "$pid"
grep -E '^(Uid|Gid):' "/proc/$pid/status"

"$CELL" start "$id"
# Wait for the container to finish, then remove it.
while "$CELL" state "$id" 2>/dev/null | grep -q '"status": *"\(created\|running\)"'; do
	sleep 0.1
done
"$CELL" delete "$id"
