#!/bin/sh
# Runs inside the user-namespaced container.
section() { printf '\n== %s\n' "$1"; }

section "inside: who am I"
id

section "the id maps (inside-id  host-id  count)"
echo "uid_map: $(cat /proc/self/uid_map | xargs)"
echo "gid_map: $(cat /proc/self/gid_map | xargs)"

section "the rootfs is owned by host uid 100000, which is root in here"
ls -ln /bin/busybox

section "root in here is not root out there"
grep -E '^Cap(Eff|Bnd):' /proc/self/status
if mount -t tmpfs none /mnt 2>/dev/null; then echo "mount: allowed"; else echo "mount: not permitted"; fi
if hostname other 2>/dev/null; then echo "sethostname: allowed"; else echo "sethostname: not permitted"; fi
if chown 1:1 /bin/busybox 2>/dev/null; then echo "chown: allowed"; else echo "chown: not permitted"; fi
