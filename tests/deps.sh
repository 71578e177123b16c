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
# seccomp tests: 32-bit helper (gcc -m32), podman's default profile
# (/usr/share/containers/seccomp.json, read in place).
pkgs="$pkgs gcc-multilib golang-github-containers-common"
# client tests (tests/integration/podman.sh, containerd.sh): podman with
# conmon, containerd with ctr and its runc shim, runc as the reference the
# scenarios are checked against while writing them, uidmap for podman.
pkgs="$pkgs podman conmon containerd runc uidmap"
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
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
