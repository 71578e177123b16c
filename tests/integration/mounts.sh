# shellcheck shell=bash disable=SC2016 # sh -c scripts are single-quoted on purpose
# Mounts: tmpfs, binds, read-only root, symlinks in the rootfs, masked and
# read-only paths, /dev.

mountinfo_line() { # OUTPUT MOUNTPOINT: the mountinfo line for MOUNTPOINT
	printf '%s\n' "$1" | awk -v m="$2" '$5 == m' | tail -n 1
}

test_tmpfs_mount() {
	make_bundle
	add_mount /scratch tmpfs tmpfs '["nosuid","nodev","size=1m","mode=1777"]'
	cfg_sh 'cat /proc/self/mountinfo; echo data >/scratch/f && cat /scratch/f; stat -c %a /scratch'
	ctr_run c1
	assert_rc 0
	local line
	line=$(mountinfo_line "$OUT" /scratch)
	note "$line"
	assert_match "$line" ' - tmpfs ' "mountinfo of /scratch"
	assert_match "$line" 'size=1024k' "tmpfs size"
	assert_match "$line" 'nosuid' "tmpfs flags"
	assert_eq "data
1777" "$(printf '%s\n' "$OUT" | tail -n 2)" "write to the tmpfs and its mode"
	[ ! -e "$B/rootfs/scratch/f" ] || fail "the write went to the rootfs"
}

test_bind_mount_rw() {
	make_bundle
	mkdir "$T/data"
	echo from-host >"$T/data/in"
	add_bind "$T/data" /data
	cfg_sh 'cat /data/in; echo from-container >/data/out'
	ctr_run c1
	assert_rc 0
	assert_eq from-host "$OUT" "host file read in the container"
	assert_eq from-container "$(cat "$T/data/out")" "container file seen on the host"
}

test_bind_mount_ro() {
	make_bundle
	mkdir "$T/data"
	echo from-host >"$T/data/in"
	add_bind "$T/data" /data ro
	cfg_sh 'cat /data/in; echo x >/data/out && echo wrote; grep " /data " /proc/self/mountinfo'
	ctr_run c1
	assert_rc 0
	assert_contains "$OUT" from-host
	assert_not_contains "$OUT" wrote "write to a read-only bind"
	assert_match "$(mountinfo_line "$OUT" /data)" '^[^ ]+ [^ ]+ [^ ]+ [^ ]+ /data ro[, ]' "mount flags of /data"
	[ ! -e "$T/data/out" ] || fail "the container wrote through a read-only bind"
}

test_bind_mount_file() {
	make_bundle
	echo single >"$T/file"
	add_mount /etc/single bind "$T/file" '["bind","ro"]'
	cfg_args cat /etc/single
	ctr_run c1
	assert_rc 0
	assert_eq single "$OUT"
}

test_readonly_root() {
	make_bundle
	cfg_sh 'touch /x && echo touched; touch /etc/x && echo touched-etc; cat /proc/self/mountinfo'
	ctr_run c1
	assert_rc 0
	assert_not_contains "$OUT" touched "touch on a read-only root"
	assert_match "$(mountinfo_line "$OUT" /)" ' / ro[, ]' "mount flags of /"
	[ ! -e "$B/rootfs/x" ] || fail "/x created in the rootfs"
}

test_writable_root() {
	make_bundle
	cfg root.readonly=false
	cfg_sh 'touch /x && echo touched'
	ctr_run c1
	assert_rc 0
	assert_eq touched "$OUT"
	[ -e "$B/rootfs/x" ] || fail "/x not in the bundle's rootfs"
}

test_mount_target_created_in_rootfs() {
	make_bundle
	add_mount /new/deep/dir tmpfs tmpfs
	cfg_args true
	ctr_run c1
	assert_rc 0
	[ -d "$B/rootfs/new/deep/dir" ] || fail "mount point not created in the rootfs"
}

# A mount destination through a symlink in the rootfs resolves inside the
# rootfs, whether the link is absolute or climbs out with ../.
symlink_escape_case() { # LINK-TARGET
	make_bundle
	local marker="cell-escape-test-$$-$RANDOM"
	register_host_path "/etc/$marker"
	rm -rf "$B/rootfs/mnt"
	ln -s "$1" "$B/rootfs/mnt"
	add_mount "/mnt/$marker" tmpfs tmpfs '["size=1m"]'
	add_mount /mnt tmpfs tmpfs '["size=2m"]'
	local before
	before=$(mounts_snapshot)
	cfg_sh "cat /proc/self/mountinfo; echo inside >/etc/probe && cat /etc/probe"
	ctr_run c1
	note "$OUT"
	[ ! -e "/etc/$marker" ] || fail "mount target /etc/$marker created on the host"
	[ ! -e /etc/probe ] || [ "$(cat /etc/probe)" != inside ] || fail "container wrote the host's /etc"
	assert_eq "$before" "$(mounts_snapshot)" "host mount table"
	if [ "$RC" = 0 ]; then
		# Both mounts landed inside: on the rootfs's own /etc.
		assert_match "$(mountinfo_line "$OUT" /etc)" ' - tmpfs ' "mount on /mnt -> $1"
		assert_eq inside "$(printf '%s\n' "$OUT" | tail -n 1)" "write to the tmpfs"
		[ -d "$B/rootfs/etc/$marker" ] || fail "mount point not made in the rootfs's /etc"
	else
		note "refused: $ERR"
	fi
}

test_symlink_absolute_mount_target_stays_inside() {
	symlink_escape_case /etc
}

test_symlink_relative_mount_target_stays_inside() {
	symlink_escape_case ../../../../../../../../etc
}

test_masked_paths() {
	make_bundle
	cfg 'linux.maskedPaths+=/etc/hostname'
	# Files: each one the host has (kernels differ: /proc/kcore may be
	# missing) must read empty; directories must be empty.
	local files="" f
	for f in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug; do
		[ -e "$f" ] && files="$files $f"
	done
	[ "$(ls /sys/firmware | wc -l)" != 0 ] || note "host /sys/firmware is empty: weak check"
	cfg_sh "for f in $files /etc/hostname; do echo \"\$f \$(cat \$f | wc -c)\"; done
for d in /proc/acpi /sys/firmware; do echo \"\$d \$(ls -A \$d | wc -l)\"; done
touch /sys/firmware/x && echo wrote /sys/firmware; true"
	ctr_run c1
	assert_rc 0
	note "$OUT"
	for f in $files /etc/hostname /proc/acpi /sys/firmware; do
		assert_contains "$OUT" "$f 0" "size or entries of masked $f"
	done
	assert_not_contains "$OUT" wrote "write to the masked directory /sys/firmware"
}

test_masked_path_missing_is_ignored() {
	make_bundle
	cfg 'linux.maskedPaths+=/no/such/path'
	cfg_args true
	ctr_run c1
	assert_rc 0
}

test_readonly_paths() {
	make_bundle
	cfg 'linux.readonlyPaths+=/home'
	cfg root.readonly=false
	cfg_sh 'echo cell >/proc/sys/kernel/domainname && echo wrote-sys; touch /home/x && echo wrote-home
grep -E " /proc/sys | /home " /proc/self/mountinfo; touch /tmp/ok && echo wrote-tmp'
	ctr_run c1
	assert_rc 0
	note "$OUT"
	assert_not_contains "$OUT" wrote-sys "write to /proc/sys"
	assert_not_contains "$OUT" wrote-home "write to /home (read-only path)"
	assert_contains "$OUT" wrote-tmp "write elsewhere on a writable root"
	assert_match "$(mountinfo_line "$OUT" /proc/sys)" ' /proc/sys ro[, ]' "mount flags of /proc/sys"
}

test_proc_and_sys_mounted() {
	make_bundle
	cfg_sh 'grep -E " /proc | /sys | /dev | /dev/pts | /dev/shm | /dev/mqueue " /proc/self/mountinfo'
	ctr_run c1
	assert_rc 0
	note "$OUT"
	assert_match "$(mountinfo_line "$OUT" /proc)" ' - proc ' /proc
	assert_match "$(mountinfo_line "$OUT" /sys)" ' - sysfs ' /sys
	assert_match "$(mountinfo_line "$OUT" /sys)" ' /sys ro[, ]' "/sys read-only"
	assert_match "$(mountinfo_line "$OUT" /dev)" ' - tmpfs ' /dev
	assert_match "$(mountinfo_line "$OUT" /dev/pts)" ' - devpts ' /dev/pts
	assert_match "$(mountinfo_line "$OUT" /dev/shm)" ' - tmpfs ' /dev/shm
	assert_match "$(mountinfo_line "$OUT" /dev/mqueue)" ' - mqueue ' /dev/mqueue
}

test_default_devices() {
	make_bundle
	cfg_sh 'for d in null zero full random urandom tty; do
	echo "$d $(stat -c "%F %t:%T %a" /dev/$d)"
done
echo hi >/dev/null && echo null-ok
head -c 4 /dev/zero | wc -c
readlink /dev/fd; readlink /dev/stdin; readlink /dev/ptmx'
	ctr_run c1
	assert_rc 0
	note "$OUT"
	assert_eq "null character special file 1:3 666
zero character special file 1:5 666
full character special file 1:7 666
random character special file 1:8 666
urandom character special file 1:9 666
tty character special file 5:0 666
null-ok
4
/proc/self/fd
/proc/self/fd/0
pts/ptmx" "$OUT" "/dev"
}

test_linux_devices_node() {
	make_bundle
	cfg 'linux.devices=[{"path":"/dev/extra-null","type":"c","major":1,"minor":3,"fileMode":432,"uid":0,"gid":0}]'
	cfg 'linux.resources.devices+={"allow":true,"type":"c","major":1,"minor":3,"access":"rwm"}'
	cfg_sh 'stat -c "%F %t:%T %a %u:%g" /dev/extra-null; echo x >/dev/extra-null && echo write-ok'
	ctr_run c1
	assert_rc 0
	assert_eq "character special file 1:3 660 0:0
write-ok" "$OUT" "/dev/extra-null"
}

test_dev_is_not_the_host_dev() {
	make_bundle
	cfg_sh 'ls /dev | xargs'
	ctr_run c1
	assert_rc 0
	assert_not_contains "$OUT" vda "host block devices in /dev"
	assert_not_contains "$OUT" kmsg "host /dev/kmsg"
}

test_mount_noexec_nosuid_nodev() {
	make_bundle
	add_mount /noexec tmpfs tmpfs '["noexec","nosuid","nodev","mode=1777"]'
	add_mount /exec tmpfs tmpfs '["mode=1777"]'
	cfg_sh 'cp /bin/busybox /noexec/busybox; cp /bin/busybox /exec/busybox
/exec/busybox echo ran-from-exec; /noexec/busybox echo ran-from-noexec
grep -E " /(no)?exec " /proc/self/mountinfo; true'
	ctr_run c1
	assert_rc 0
	note "$OUT"
	assert_contains "$OUT" ran-from-exec "a copy of busybox on a tmpfs without noexec"
	assert_not_contains "$OUT" ran-from-noexec "a copy of busybox on a noexec tmpfs"
	assert_match "$ERR" '/noexec/busybox.*[Pp]ermission denied' "error of the exec on noexec"
	local line
	line=$(mountinfo_line "$OUT" /noexec)
	assert_match "$line" '^[^ ]+ [^ ]+ [^ ]+ [^ ]+ /noexec [^ ]*nosuid' "nosuid on /noexec"
	assert_match "$line" '^[^ ]+ [^ ]+ [^ ]+ [^ ]+ /noexec [^ ]*nodev' "nodev on /noexec"
	assert_match "$line" '^[^ ]+ [^ ]+ [^ ]+ [^ ]+ /noexec [^ ]*noexec' "noexec on /noexec"
	line=$(mountinfo_line "$OUT" /exec)
	assert_match "$line" '^[^ ]+ [^ ]+ [^ ]+ [^ ]+ /exec rw[, ]' "flags of /exec"
	assert_not_contains "$(printf '%s\n' "$line" | cut -d' ' -f6)" noexec "flags of /exec"
}

test_tmpfs_size_and_mode() {
	make_bundle
	add_mount /small tmpfs tmpfs '["size=1m","mode=700"]'
	cfg_sh 'stat -c %a /small; df -k /small | tail -n 1
head -c 2000000 /dev/zero >/small/big 2>/dev/null && echo wrote-2MB; wc -c </small/big'
	ctr_run c1
	assert_rc 0
	note "$OUT"
	assert_eq 700 "$(printf '%s\n' "$OUT" | sed -n 1p)" "mode of /small"
	local df
	df=$(printf '%s\n' "$OUT" | sed -n 2p)
	assert_eq "1024 /small" "$(printf '%s\n' "$df" | awk '{ print $2, $NF }')" "1K-blocks of /small in df [$df]"
	assert_not_contains "$OUT" wrote-2MB "a 2 MB write to a 1 MB tmpfs"
	[ "$(printf '%s\n' "$OUT" | tail -n 1)" -le 1048576 ] || fail "more than 1 MB on /small: $OUT"
}

test_rbind_includes_submounts() {
	make_bundle
	mkdir -p "$T/src/sub"
	echo top >"$T/src/top"
	mount -t tmpfs -o size=1m tmpfs "$T/src/sub"
	echo in-submount >"$T/src/sub/f"
	add_mount /rb bind "$T/src" '["rbind"]'
	add_mount /nb bind "$T/src" '["bind"]'
	cfg_sh 'cat /rb/top /rb/sub/f; cat /nb/top; cat /nb/sub/f 2>/dev/null || echo nb-sub-empty'
	ctr_run c1
	umount "$T/src/sub"
	assert_rc 0
	assert_eq "top
in-submount
top
nb-sub-empty" "$OUT" "an rbind (with the submount) and a bind (without it)"
}

# propagation_case PROPAGATION: run a container with this rootfsPropagation
# whose rootfs is a shared mount the test makes; once it runs, the host
# mounts a tmpfs on the rootfs's /mnt. Sets OUT to what the container
# printed: the mountinfo line of /, then the marker file of the host's
# tmpfs or no-marker.
propagation_case() {
	make_bundle
	share_dir
	mount --bind "$B/rootfs" "$B/rootfs"
	mount --make-shared "$B/rootfs"
	cfg "linux.rootfsPropagation=$1"
	cfg_sh 'awk "\$5 == \"/\"" /proc/self/mountinfo; touch /shared/ready
i=0; while [ ! -e /shared/go ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
cat /mnt/marker 2>/dev/null || echo no-marker'
	ctr_detach c1
	wait_for 10 test -e "$SHARED/ready" || fail "container did not start: $(cat "$T/c1.err")"
	# The container's own mounts do not come back to the host.
	assert_eq "$B/rootfs" "$(mounts_under "$T" | grep "^$B/rootfs" | xargs)" "host mounts under the rootfs"
	mount -t tmpfs -o size=1m tmpfs "$B/rootfs/mnt"
	echo host-mount >"$B/rootfs/mnt/marker"
	touch "$SHARED/go"
	wait_status c1 stopped
	umount "$B/rootfs/mnt"
	umount "$B/rootfs"
	OUT=$(cat "$T/c1.out")
	note "$OUT"
}

test_rootfs_propagation_rslave() {
	propagation_case rslave
	assert_match "$(printf '%s\n' "$OUT" | head -n 1)" ' master:[0-9]+' "propagation of / (rslave)"
	assert_not_contains "$(printf '%s\n' "$OUT" | head -n 1)" ' shared:' "propagation of / (rslave)"
	assert_eq host-mount "$(printf '%s\n' "$OUT" | tail -n 1)" "a host mount made after start (rslave)"
}

test_rootfs_propagation_private() {
	propagation_case private
	assert_not_contains "$(printf '%s\n' "$OUT" | head -n 1)" ' master:' "propagation of / (private)"
	assert_not_contains "$(printf '%s\n' "$OUT" | head -n 1)" ' shared:' "propagation of / (private)"
	assert_eq no-marker "$(printf '%s\n' "$OUT" | tail -n 1)" "a host mount made after start (private)"
}
