#!/bin/sh
# Runs inside the container: shows what it can see of the machine.
section() { printf '\n== %s\n' "$1"; }

section "hostname"
hostname

section "processes (ps): PID 1 is this script, nothing of the host"
ps -o pid,user,args

section "network interfaces (ip link): only the loopback"
ip link | grep -E '^[0-9]+:'

section "root filesystem: read-only"
if touch /x 2>/dev/null; then
	echo "touch /x: succeeded (root is writable!)"
else
	echo "touch /x: $(touch /x 2>&1 | sed 's/^touch: //')"
fi

section "identity and capabilities"
id
grep -E '^Cap(Eff|Bnd):' /proc/self/status

section "namespaces"
for n in pid net ipc uts mnt cgroup; do
	printf '%-7s %s\n' "$n" "$(readlink /proc/self/ns/$n)"
done
