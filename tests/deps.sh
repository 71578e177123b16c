#!/bin/sh
# Install what building cell and running its tests need (Debian 12, root).
# usage: tests/deps.sh [bench]   (bench: also what bench/bench.sh needs)
# Calls apt-get only when a package is missing, so it is cheap to repeat.
set -eu

# build: musl toolchain, meson, and dpkg-dev + xz for `apt-get source
# libcap-ng` (scripts/build-libcap-ng.sh).
pkgs="gcc make libc6-dev linux-libc-dev musl-tools musl-dev meson ninja-build
dpkg-dev xz-utils file"
# tests: the busybox rootfs (static), the config helper, ip netns, ps/pgrep,
# unshare/nsenter/mount, timeout.
pkgs="$pkgs busybox-static python3 iproute2 procps util-linux mount coreutils"
# rootless tests: newuidmap/newgidmap, useradd/userdel.
pkgs="$pkgs uidmap passwd"
# the VM stage (tests/vm): Debian's kernel and its modules booted under qemu
# with an initramfs packed by cpio (xz unpacks the kernel for a fast boot).
pkgs="$pkgs qemu-system-x86 linux-image-amd64 cpio gzip"
# ...and apparmor_parser and checkpolicy, which compile its AppArmor and
# SELinux test policies.
pkgs="$pkgs apparmor checkpolicy"
# seccomp tests: 32-bit helper (gcc -m32), podman's default profile
# (/usr/share/containers/seccomp.json, read in place).
pkgs="$pkgs gcc-multilib golang-github-containers-common"
# client tests (tests/integration/podman.sh, containerd.sh): podman with
# conmon, containerd with ctr and its runc shim, runc as the reference the
# scenarios are checked against while writing them, uidmap for podman;
# CNI's plugins (bridge, host-local, portmap, firewall) and iptables for
# podman's bridge networks (in a netns of the test's own).
pkgs="$pkgs podman conmon containerd runc uidmap containernetworking-plugins iptables"
# docker.io: dockerd 20.10 with docker-init, using the containerd and runc
# above (tests/integration/docker.sh; its client is /usr/bin/docker).
pkgs="$pkgs docker.io"
if [ "${1:-}" = bench ]; then
	pkgs="$pkgs runc crun hyperfine strace time binutils"
fi

missing=""
for p in $pkgs; do
	st=$(dpkg-query -W -f '${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "tests/deps.sh: missing packages:$missing (run as root to install)" >&2
	exit 1
fi
echo "tests/deps.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# No service may start on install (docker.io and containerd would start
# host-wide daemons, docker's bridge and NAT rules with them): a
# policy-rc.d that denies every start (invoke-rc.d and deb-systemd-invoke
# ask it), made here when there is none and removed afterwards.
policy=/usr/sbin/policy-rc.d
made_policy=""
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\n# tests/deps.sh: no service starts during its install\nexit 101\n' >"$policy"
	chmod 0755 "$policy"
	made_policy=1
	trap 'rm -f "$policy"' EXIT
fi
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
if [ -n "$made_policy" ]; then
	rm -f "$policy"
	trap - EXIT
fi
