#!/bin/bash
# Boot Debian's own kernel under qemu (software emulation) with an initramfs
# holding the static cell, busybox, a few modules and the VM test cases, and
# run the cases inside on one cgroup layout.
#
# usage: tests/vm/vm.sh [-l LAYOUTS] [-f FILTER] [-o DIR] [-c CELL]
#   -l LAYOUTS  comma-separated cgroup layouts, one VM each, booted side by
#               side: v2 (cgroup2 on /sys/fs/cgroup), hybrid (v1 controllers,
#               cgroup2 on /sys/fs/cgroup/unified with hugetlb), v1,
#               selinux (v2 booted with security=selinux: only the cases
#               of cases/selinux.sh, which run nowhere else)
#               (default v2,hybrid,v1,selinux)
#   -f FILTER   extended regex on vm-LAYOUT/FILE/NAME: only matching cases
#   -o DIR      keep the serial console logs there (console-LAYOUT.log)
#   -c CELL     the cell binary (default build/cell; must be static)
# environment: KERNEL (a vmlinuz; default the newest /boot/vmlinuz-* that
# has /lib/modules/VERSION), VM_TIMEOUT (seconds per VM, 240), VM_SMP
# (vCPUs, 2), VM_MEM (MiB, 1024), VM_APPEND (more kernel parameters),
# VM_QUIET (replaces `quiet` on the kernel command line).
#
# Prints one line per planned case, `VMRESULT ok|fail|skip KEY [why]`
# (KEY = vm-LAYOUT/FILE/NAME), the case's log under a failure, and a
# `# vm-LAYOUT: ...` summary per VM; a case the VM never reported (it
# crashed, hung or did not boot) is a `fail`, shown with the end of the
# console log. Exits 0 when no case failed.
set -u

VM_DIR=$(cd "$(dirname "$0")" && pwd)
REPO_DIR=$(dirname "$(dirname "$VM_DIR")")
LAYOUTS=v2,hybrid,v1,selinux
FILTER=""
OUT_DIR=""
CELL_BIN="$REPO_DIR/build/cell"
while getopts l:f:o:c: opt; do
	case $opt in
	l) LAYOUTS=$OPTARG ;;
	f) FILTER=$OPTARG ;;
	o) OUT_DIR=$OPTARG ;;
	c) CELL_BIN=$OPTARG ;;
	*) exit 2 ;;
	esac
done
LAYOUTS=$(echo "$LAYOUTS" | tr , ' ')
for l in $LAYOUTS; do
	case $l in v2 | hybrid | v1 | selinux) ;; *)
		echo "vm.sh: unknown layout $l (v2, hybrid, v1, selinux)" >&2
		exit 2
		;;
	esac
done
MODULES="veth bridge overlay"

die() {
	echo "vm.sh: $*" >&2
	exit 1
}

# pick_kernel: the newest Debian kernel whose modules are installed.
pick_kernel() {
	local k v
	for k in $(ls -v /boot/vmlinuz-* 2>/dev/null | sort -rV); do
		v=${k#/boot/vmlinuz-}
		[ -f "/lib/modules/$v/modules.dep" ] && echo "$k" && return 0
	done
	return 1
}

# plan LAYOUT: the cases to run there, as FILE/NAME (test_* functions of
# cases/*.sh).
plan() {
	local f n key
	for f in "$VM_DIR"/cases/*.sh; do
		# The SELinux VM (its LSM is SELinux, not AppArmor) runs its
		# own cases only, and they run only there.
		if [ "$1" = selinux ]; then
			[ "$(basename "$f")" = selinux.sh ] || continue
		elif [ "$(basename "$f")" = selinux.sh ]; then
			continue
		fi
		for n in $(grep -oE '^test_[A-Za-z0-9_]+ *\(\)' "$f" | tr -d '() '); do
			key="$(basename "$f" .sh)/$n"
			if [ -z "$FILTER" ] || printf 'vm-%s/%s\n' "$1" "$key" | grep -Eq -- "$FILTER"; then
				echo "$key"
			fi
		done
	done
}

# add_module DIR NAME: copy NAME's .ko and its dependencies (modules.dep,
# deepest first) into DIR/modules, appending each to DIR/modules/order once.
add_module() {
	local dir=$1 name=$2 line path deps d base
	line=$(grep -E "(^|/)$name\.ko(\.[a-z]+)?:" "$MODDIR/modules.dep" | head -n 1)
	[ -n "$line" ] || {
		grep -qE "/$name\.ko" "$MODDIR/modules.builtin" 2>/dev/null && return 0
		die "module $name not in $MODDIR/modules.dep"
	}
	path=${line%%:*}
	deps=${line#*:}
	for d in $deps; do
		base=$(basename "$d")
		add_module "$dir" "${base%%.ko*}"
	done
	base=$(basename "$path")
	base=${base%%.ko*}
	grep -qx "$base.ko" "$dir/modules/order" 2>/dev/null && return 0
	case $path in
	*.ko) cp "$MODDIR/$path" "$dir/modules/$base.ko" ;;
	*.ko.xz) xz -dc "$MODDIR/$path" >"$dir/modules/$base.ko" ;;
	*.ko.zst) zstd -qdc "$MODDIR/$path" >"$dir/modules/$base.ko" ;;
	*.ko.gz) gzip -dc "$MODDIR/$path" >"$dir/modules/$base.ko" ;;
	*) die "module file $path: unknown compression" ;;
	esac || die "copy of module $path failed"
	echo "$base.ko" >>"$dir/modules/order"
}

# build_initramfs DIR OUT: the tree /init boots from, packed as gzip'd newc.
build_initramfs() {
	local dir=$1 out=$2 a
	mkdir -p "$dir"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,run,newroot,modules,vm/cases}
	# The kernel opens /dev/console for init before anything is mounted.
	mknod -m 0600 "$dir/dev/console" c 5 1
	mknod -m 0666 "$dir/dev/null" c 1 3
	cp /bin/busybox "$dir/bin/busybox"
	for a in $(/bin/busybox --list); do
		[ "$a" = busybox ] || ln -s busybox "$dir/bin/$a"
	done
	cp "$CELL_BIN" "$dir/bin/cell"
	: >"$dir/modules/order"
	for m in $MODULES; do add_module "$dir" "$m"; done
	cp "$VM_DIR/init" "$dir/init"
	cp "$VM_DIR/lib.sh" "$dir/vm/lib.sh"
	cp "$VM_DIR"/cases/*.sh "$dir/vm/cases/"
	# An i386 program for the seccomp case: the development kernel may run
	# no i386 code at all, Debian's kernel in the VM does.
	if [ "$(uname -m)" = x86_64 ]; then
		mkdir -p "$dir/vm/bin"
		gcc -m32 -O2 -static -nostdlib -fno-pie -no-pie -o "$dir/vm/bin/i386" \
			"$REPO_DIR/tests/helpers/i386.c" || die "cannot build the i386 helper (gcc-multilib)"
	fi
	# The AppArmor test policy (cases/lsm.sh), compiled here: the VM has no
	# parser. Without one the cases fail and say so.
	a=$(PATH=$PATH:/usr/sbin:/sbin command -v apparmor_parser) || a=""
	if [ -n "$a" ]; then
		# (It warns that this host's kernel has no AppArmor to cache for.)
		"$a" -Q -o "$dir/vm/apparmor.bin" "$VM_DIR/apparmor.profile" 2>"$dir/aa.err" ||
			die "apparmor_parser of $VM_DIR/apparmor.profile failed: $(cat "$dir/aa.err")"
		rm -f "$dir/aa.err"
	fi
	# The SELinux test policy (cases/selinux.sh), compiled here.
	if [[ " $LAYOUTS " == *" selinux "* ]]; then
		checkpolicy -M -U allow -c 33 -o "$dir/vm/selinux.bin" "$VM_DIR/selinux/policy.conf" >"$dir/se.err" 2>&1 ||
			die "checkpolicy of $VM_DIR/selinux/policy.conf failed (apt-get install checkpolicy): $(cat "$dir/se.err")"
		rm -f "$dir/se.err"
		mkdir -p "$dir/vm/bin"
		gcc -O2 -static -o "$dir/vm/bin/getlabel" "$VM_DIR/selinux/getlabel.c" ||
			die "cannot build the getlabel helper"
	fi
	chmod 0755 "$dir/init"
	for l in $LAYOUTS; do plan "$l" >"$dir/vm/plan.$l"; done
	(cd "$dir" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) |
		gzip -1 >"$out" || die "cpio of $dir failed"
}

# extract_vmlinux VMLINUZ OUT: the uncompressed ELF inside a bzImage. qemu
# boots it straight into 64-bit code (PVH entry, CONFIG_PVH): under software
# emulation the bzImage's real-mode set-up and in-guest decompression cost
# 10 to 15 seconds, xz on the host about one.
extract_vmlinux() {
	local off
	grep -q '^CONFIG_PVH=y' "/boot/config-$KVER" 2>/dev/null || return 1
	off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$1" | head -n 1 | cut -d: -f1)
	[ -n "$off" ] || return 1
	tail -c +$((off + 1)) "$1" 2>/dev/null | xz -dc --single-stream >"$2" 2>/dev/null || return 1
	file "$2" | grep -q 'ELF 64-bit'
}

# boot LAYOUT LOG: one VM, console to LOG; prints its seconds and qemu's
# exit code. Under software emulation on a busy host the guest kernel has
# been seen to die in early boot (a trace at 0.05 s, before /init and so
# before anything of cell ran): such a VM is booted once more, with a note
# and the first console kept as LOG.early.
boot() {
	local r
	r=$(boot_once "$@")
	if ! grep -q 'VMINFO up' "$2"; then
		mv "$2" "$2.early"
		echo "# vm-$1: the kernel stopped before /init; booted again (first console: $2.early)" >&2
		r=$(boot_once "$@")
	fi
	echo "$r"
}

boot_once() {
	local t0 t1 rc
	t0=$(date +%s)
	# -no-reboot turns the guest's poweroff (or a panic) into qemu's exit.
	timeout -k 5 "${VM_TIMEOUT:-240}" qemu-system-x86_64 \
		-machine q35,accel=tcg -cpu max -smp "${VM_SMP:-2}" -m "${VM_MEM:-1024}" \
		-nographic -no-reboot -nodefaults -serial stdio -monitor none \
		-kernel "$BOOT_KERNEL" -initrd "$WORK/initramfs.gz" \
		-append "console=ttyS0 ${VM_QUIET-quiet}${VM_APPEND:+ $VM_APPEND}$([ "$1" != selinux ] || echo ' security=selinux') panic=-1 oops=panic cell.layout=$1" \
		</dev/null 2>&1 | tr -d '\r' >"$2"
	rc=${PIPESTATUS[0]}
	t1=$(date +%s)
	echo "$((t1 - t0)) $rc"
}

# report LAYOUT LOG SECS QEMU-RC: the VMRESULT lines; returns the failures.
report() {
	local layout=$1 log=$2 secs=$3 qrc=$4 key line fails=0 n=0
	for key in $(plan "$layout"); do
		n=$((n + 1))
		line=$(grep -E "^VMRESULT (ok|fail|skip) $key( |\$)" "$log" | tail -n 1)
		if [ -z "$line" ]; then
			echo "VMRESULT fail vm-$layout/$key no result"
			fails=$((fails + 1))
			continue
		fi
		set -- $line
		shift 3
		echo "VMRESULT $(echo "$line" | cut -d' ' -f2) vm-$layout/$key${*:+ $*}"
		case $line in "VMRESULT fail "*)
			fails=$((fails + 1))
			grep -F "VMLOG $key " "$log" | cut -d' ' -f3- | sed 's/^/#   | /'
			;;
		esac
	done
	if ! grep -q '^VMDONE' "$log"; then
		echo "# vm-$layout: the VM did not finish (qemu exit $qrc after ${secs}s); end of its console:"
		tail -n 60 "$log" | sed 's/^/#   | /'
		[ "$fails" -gt 0 ] || fails=1
	fi
	echo "# vm-$layout: $n cases, $fails failed, ${secs}s (init after $(grep -o 'VMINFO up [0-9.]*s' "$log" | cut -d' ' -f3))"
	return "$fails"
}

[ "$(id -u)" = 0 ] || die "run as root (reads /boot/vmlinuz-*)"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing (apt-get install qemu-system-x86)"
[ -x /bin/busybox ] && file -L /bin/busybox | grep -q 'statically linked' ||
	die "/bin/busybox is not static (apt-get install busybox-static)"
[ -x "$CELL_BIN" ] || die "no cell binary at $CELL_BIN (./build.sh)"
file -L "$CELL_BIN" | grep -q 'statically linked' || die "$CELL_BIN is not static"
KERNEL=${KERNEL:-$(pick_kernel)} || die "no /boot/vmlinuz-* with modules (apt-get install linux-image-amd64)"
KVER=${KERNEL#*/vmlinuz-}
MODDIR=/lib/modules/$KVER
[ -f "$MODDIR/modules.dep" ] || die "no $MODDIR/modules.dep for $KERNEL"

total=0
for l in $LAYOUTS; do total=$((total + $(plan "$l" | wc -l))); done
[ "$total" -gt 0 ] || exit 0

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cell-vm.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
build_initramfs "$WORK/root" "$WORK/initramfs.gz"
BOOT_KERNEL=$KERNEL
extract_vmlinux "$KERNEL" "$WORK/vmlinux" && BOOT_KERNEL=$WORK/vmlinux
[ -z "$OUT_DIR" ] || mkdir -p "$OUT_DIR"

for l in $LAYOUTS; do
	[ -n "$(plan "$l")" ] || continue
	boot "$l" "${OUT_DIR:-$WORK}/console-$l.log" >"$WORK/boot-$l" &
done
wait

fails=0
for l in $LAYOUTS; do
	[ -f "$WORK/boot-$l" ] || continue
	report "$l" "${OUT_DIR:-$WORK}/console-$l.log" $(cat "$WORK/boot-$l") || fails=$((fails + $?))
done
[ "$fails" = 0 ]
