# Idmapped mounts (issue 5): the rootfs (owned by 0 on disk) and bind
# mounts with idmap/ridmap or their own uid/gidMappings, mounted through
# mount_setattr(MOUNT_ATTR_IDMAP); the clear error where a filesystem
# cannot be idmapped; cell chown-rootfs, the fallback that shifts owners.

# idm_bundle [FROM SIZE]: $B with a user namespace mapping 0.. to FROM..
# (default 100000:65536), rootfs left owned by 0, /shared bound.
idm_bundle() {
	local from=${1:-100000} size=${2:-65536}
	make_bundle
	ns_add user
	cfg "linux.uidMappings=[{\"containerID\":0,\"hostID\":$from,\"size\":$size}]" \
		"linux.gidMappings=[{\"containerID\":0,\"hostID\":$from,\"size\":$size}]"
	share_dir
}

# idm_run ID SCRIPT: run SCRIPT in the container (foreground), must succeed.
idm_run() {
	cfg_sh "$2"
	ctr_run "$1"
	[ "$RC" = 0 ] || fail "run $1: rc $RC: $ERR"
}

# The options of the mount at DEST in a saved mountinfo.
mnt_opts() { # FILE DEST
	awk -v d="$2" '$5 == d { print $6 }' "$1" | tail -n 1
}

test_idm_rootfs_unchowned() {
	idm_bundle
	cfg root.readonly=false
	mkdir -m 0777 "$T/plain"
	add_bind "$T/plain" /plain
	[ "$(stat -c %u:%g "$B/rootfs/bin/busybox")" = 0:0 ] || fail "busybox rootfs not owned by 0"
	idm_run idm-root 'ls -ln /bin/busybox >/shared/ls; id -u >/shared/id
cat /proc/self/mountinfo >/shared/mountinfo
touch /made-in-root && mkdir /tmp/d && touch /plain/made; echo done >/shared/done'
	assert_eq done "$(cat "$SHARED/done")" "script ran"
	assert_eq "0 0" "$(awk '{ print $3, $4 }' "$SHARED/ls")" "owner of /bin/busybox inside"
	assert_eq 0 "$(cat "$SHARED/id")" "uid inside"
	assert_match "$(mnt_opts "$SHARED/mountinfo" /)" "idmapped" "root mount options"
	assert_eq 0:0 "$(stat -c %u:%g "$B/rootfs/made-in-root")" "host owner of a file made in the rootfs"
	assert_eq 0:0 "$(stat -c %u:%g "$B/rootfs/tmp/d")" "host owner of a dir made in the rootfs"
	assert_eq 100000:100000 "$(stat -c %u:%g "$T/plain/made")" "host owner of a file made in a plain bind"
	assert_eq 0:0 "$(stat -c %u:%g "$B/rootfs/bin/busybox")" "busybox stays owned by 0 on the host"
}

# A rootfs chowned for the maps (what runs before idmapped mounts) is not
# idmapped in auto mode; the annotation turns it off or on.
test_idm_rootfs_auto_and_annotation() {
	idm_bundle
	chown -R 100000:100000 "$B/rootfs"
	idm_run idm-chowned 'ls -ln /bin/busybox >/shared/ls; cat /proc/self/mountinfo >/shared/mountinfo'
	assert_eq "0 0" "$(awk '{ print $3, $4 }' "$SHARED/ls")" "owner inside (chowned rootfs)"
	assert_not_contains "$(mnt_opts "$SHARED/mountinfo" /)" "idmapped" "chowned rootfs mount options"
	chown -R 0:0 "$B/rootfs"
	cfg 'annotations={"cell.idmap.rootfs":"off"}'
	idm_run idm-off 'ls -ln /bin/busybox >/shared/ls; cat /proc/self/mountinfo >/shared/mountinfo'
	assert_eq "65534 65534" "$(awk '{ print $3, $4 }' "$SHARED/ls")" "owner inside with idmapping off"
	assert_not_contains "$(mnt_opts "$SHARED/mountinfo" /)" "idmapped" "mount options with idmapping off"
	cfg 'annotations={"cell.idmap.rootfs":"on"}'
	idm_run idm-on 'ls -ln /bin/busybox >/shared/ls'
	assert_eq "0 0" "$(awk '{ print $3, $4 }' "$SHARED/ls")" "owner inside with idmapping on"
}

test_idm_bind_idmap_option() {
	idm_bundle
	mkdir -m 0755 "$T/data" "$T/raw"
	echo hi >"$T/data/f"
	add_mount /data bind "$T/data" '["rbind","rw","idmap"]'
	add_mount /raw bind "$T/raw" '["rbind","rw"]'
	idm_run idm-bind 'stat -c %u:%g /data /data/f /raw >/shared/owners
touch /data/new; cat /proc/self/mountinfo >/shared/mountinfo; touch /raw/x 2>/shared/raw.err || echo refused >/shared/raw'
	assert_eq "0:0 0:0 65534:65534" "$(tr '\n' ' ' <"$SHARED/owners" | sed 's/ $//')" "owners inside (idmapped, idmapped, plain)"
	assert_eq 0:0 "$(stat -c %u:%g "$T/data/new")" "host owner of a file made through the idmapped bind"
	assert_match "$(mnt_opts "$SHARED/mountinfo" /data)" "idmapped" "/data mount options"
	assert_eq refused "$(cat "$SHARED/raw")" "root of the container may not write a plain bind of a host root dir"
}

# mounts[].uidMappings/gidMappings: on-disk containerID shows as hostID
# (runc's reading): a directory owned by 1000 on disk, mapped 1000 ->
# 100000, is owned by the container's root.
test_idm_bind_own_maps() {
	idm_bundle
	mkdir -m 0755 "$T/own"
	chown 1000:1000 "$T/own"
	cfg 'mounts+={"destination":"/own","type":"bind","source":"'"$T/own"'","options":["bind"],"uidMappings":[{"containerID":1000,"hostID":100000,"size":1}],"gidMappings":[{"containerID":1000,"hostID":100000,"size":1}]}'
	idm_run idm-own 'stat -c %u:%g /own >/shared/owner; touch /own/f'
	assert_eq 0:0 "$(cat "$SHARED/owner")" "owner inside"
	assert_eq 1000:1000 "$(stat -c %u:%g "$T/own/f")" "host owner of a file made through the mapped bind"
}

# idmap maps the top mount of an rbind only, ridmap every mount below.
test_idm_ridmap() {
	idm_bundle
	mkdir -p "$T/tree/sub"
	mount -t tmpfs -o mode=0755 none "$T/tree/sub"
	add_mount /one bind "$T/tree" '["rbind","idmap"]'
	add_mount /all bind "$T/tree" '["rbind","ridmap"]'
	idm_run idm-r 'stat -c %u /one /one/sub /all /all/sub >/shared/owners'
	assert_eq "0 65534 0 0" "$(tr '\n' ' ' <"$SHARED/owners" | sed 's/ $//')" "owners inside (idmap top, its submount; ridmap top, its submount)"
	umount "$T/tree/sub"
}

# An image tool's mounts below the rootfs (a bind of a host dir owned by 0
# at /opt, a tmpfs at /var/data) are idmapped with it (AT_RECURSIVE):
# root owns them inside, and what root makes there is owned by 0 outside.
test_idm_rootfs_submounts() {
	idm_bundle
	cfg root.readonly=false
	mkdir -m 0755 "$T/hostdir"
	echo hi >"$T/hostdir/f"
	mkdir -p "$B/rootfs/opt" "$B/rootfs/var/data"
	mount --bind "$T/hostdir" "$B/rootfs/opt"
	mount -t tmpfs -o mode=0755 none "$B/rootfs/var/data"
	echo hi >"$B/rootfs/var/data/f"
	idm_run idm-sub 'stat -c %u:%g / /bin/busybox /opt /opt/f /var/data /var/data/f >/shared/owners
touch /opt/new /var/data/new && mkdir /opt/d; cat /proc/self/mountinfo >/shared/mountinfo'
	assert_eq "0:0 0:0 0:0 0:0 0:0 0:0" "$(tr '\n' ' ' <"$SHARED/owners" | sed 's/ $//')" \
		"owners inside (/, busybox, bind /opt and its file, tmpfs /var/data and its file)"
	assert_match "$(mnt_opts "$SHARED/mountinfo" /)" "idmapped" "/ mount options"
	assert_match "$(mnt_opts "$SHARED/mountinfo" /opt)" "idmapped" "/opt mount options"
	assert_match "$(mnt_opts "$SHARED/mountinfo" /var/data)" "idmapped" "/var/data mount options"
	assert_eq 0:0 "$(stat -c %u:%g "$T/hostdir/new")" "host owner of a file made through the bind below the rootfs"
	assert_eq 0:0 "$(stat -c %u:%g "$T/hostdir/d")" "host owner of a dir made through the bind below the rootfs"
	assert_eq 0:0 "$(stat -c %u:%g "$B/rootfs/var/data/new")" "host owner of a file made on the tmpfs below the rootfs"
	umount "$B/rootfs/var/data"
	umount "$B/rootfs/opt"
}

# rbind + ridmap of a tree with a bind of a host dir and a tmpfs below it:
# both mapped inside, files made through them owned by 0 outside; rbind +
# idmap keeps to the top mount (OCI: ridmap is the recursive one).
test_idm_ridmap_submounts() {
	idm_bundle
	mkdir -p -m 0755 "$T/tree/bound" "$T/tree/tmp" "$T/hostdir"
	mount --bind "$T/hostdir" "$T/tree/bound"
	mount -t tmpfs -o mode=0755 none "$T/tree/tmp"
	add_mount /all bind "$T/tree" '["rbind","rw","ridmap"]'
	add_mount /top bind "$T/tree" '["rbind","rw","idmap"]'
	idm_run idm-rsub 'stat -c %u:%g /all /all/bound /all/tmp /top /top/bound /top/tmp >/shared/owners
touch /all/bound/new /all/tmp/new; cat /proc/self/mountinfo >/shared/mountinfo'
	assert_eq "0:0 0:0 0:0 0:0 65534:65534 65534:65534" "$(tr '\n' ' ' <"$SHARED/owners" | sed 's/ $//')" \
		"owners inside (ridmap: top, bind, tmpfs; idmap: top, bind, tmpfs)"
	assert_match "$(mnt_opts "$SHARED/mountinfo" /all/bound)" "idmapped" "/all/bound mount options"
	assert_not_contains "$(mnt_opts "$SHARED/mountinfo" /top/bound)" "idmapped" "/top/bound mount options"
	assert_eq 0:0 "$(stat -c %u:%g "$T/hostdir/new")" "host owner of a file made through the bind below"
	assert_eq 0:0 "$(stat -c %u:%g "$T/tree/tmp/new")" "host owner of a file made on the tmpfs below"
	umount "$T/tree/tmp"
	umount "$T/tree/bound"
}

# A mount below the rootfs, or below a ridmap rbind, on a filesystem that
# cannot be idmapped (ramfs): the error names that mount point, its
# filesystem and the fallback; nothing is left behind.
test_idm_submount_unsupported() {
	local BEFORE
	idm_bundle
	mkdir -p "$B/rootfs/opt" "$T/tree/ram"
	mount -t ramfs none "$B/rootfs/opt"
	cfg_args true
	BEFORE=$(mounts_snapshot)
	ctr_run idm-subram
	expect_clean_failure idm-subram "root.path: \`$B/rootfs/opt\`, a mount below the rootfs, cannot be mounted idmapped on ramfs; unmount it, or shift the owners once with \`cell chown-rootfs BUNDLE\` and \`cell chown-rootfs $B/rootfs/opt --map-from 100000 --map-size 65536\`, then it runs without idmapping: Invalid argument\$"
	umount "$B/rootfs/opt"
	mount -t ramfs none "$T/tree/ram"
	add_mount /all bind "$T/tree" '["rbind","ridmap"]'
	BEFORE=$(mounts_snapshot)
	ctr_run idm-ridram
	expect_clean_failure idm-ridram "mounts\[[0-9]+\]: \`$T/tree/ram\`, a mount below \`$T/tree\`, cannot be mounted idmapped on ramfs; unmount it, or drop the ridmap and shift the owners once with \`cell chown-rootfs DIR --map-from 100000 --map-size 65536\` for \`$T/tree\` and for it: Invalid argument\$"
	# idmap (top mount only) does not touch the ramfs below: it runs.
	cfg 'mounts-={"destination":"/all"}'
	add_mount /top bind "$T/tree" '["rbind","idmap"]'
	idm_run idm-topram 'stat -c %u /top /top/ram >/shared/owners'
	assert_eq "0 65534" "$(tr '\n' ' ' <"$SHARED/owners" | sed 's/ $//')" "owners inside (idmapped top, ramfs below)"
	umount "$T/tree/ram"
}

test_idm_errors() {
	local before
	idm_bundle
	add_mount /t tmpfs tmpfs '["idmap"]'
	cfg_args true
	ctr_run idm-e1
	assert_rc 1 "idmap on a tmpfs"
	assert_contains "$ERR" "mounts[" "error names the mount"
	assert_contains "$ERR" "must be bind mounts" "error"
	cfg 'mounts-={"destination":"/t"}'
	cfg 'annotations={"cell.idmap.rootfs":"sometimes"}'
	ctr_run idm-e2
	assert_rc 1 "bad annotation"
	assert_contains "$ERR" "annotations[cell.idmap.rootfs]: \`sometimes\`" "error"
	make_bundle "$T/b2"
	B=$T/b2
	add_mount /d bind "$T" '["rbind","idmap"]'
	cfg_args true
	ctr_run idm-e3
	assert_rc 1 "idmap without a user namespace"
	assert_contains "$ERR" "needs a user namespace" "error"
}

# ramfs cannot be idmapped (no FS_ALLOW_IDMAP): a bind of one with idmap,
# and a rootfs on one, fail with the error naming the mount and the
# fallback; nothing is left behind.
test_idm_unsupported_fs() {
	local BEFORE
	idm_bundle
	mkdir "$T/ram"
	mount -t ramfs none "$T/ram"
	add_mount /ram bind "$T/ram" '["rbind","idmap"]'
	cfg_args true
	BEFORE=$(mounts_snapshot)
	ctr_run idm-ram
	expect_clean_failure idm-ram "mounts\[[0-9]+\]: \`$T/ram\` cannot be mounted idmapped on ramfs; drop the idmap and shift the owners of the source once with \`cell chown-rootfs $T/ram --map-from 100000 --map-size 65536\`: Invalid argument"
	cfg 'mounts-={"destination":"/ram"}'
	cp -a "$B/rootfs/." "$T/ram/"
	cfg "root.path=\"$T/ram\""
	ctr_run idm-ramroot
	expect_clean_failure idm-ramroot "root.path: \`$T/ram\` cannot be mounted idmapped on ramfs; shift its owners once with \`cell chown-rootfs BUNDLE\`"
	# The fallback named: shift once, then it runs, not idmapped.
	assert_ok "$CELL" chown-rootfs "$B"
	assert_contains "$OUT" "$T/ram: " "chown-rootfs output"
	assert_eq 100000:100000 "$(stat -c %u:%g "$T/ram/bin/busybox")" "busybox on the ramfs after chown-rootfs"
	cfg root.readonly=false
	idm_run idm-ramroot 'ls -ln /bin/busybox >/shared/ls; touch /made'
	assert_eq "0 0" "$(awk '{ print $3, $4 }' "$SHARED/ls")" "owner inside after chown-rootfs"
	assert_eq 100000:100000 "$(stat -c %u:%g "$T/ram/made")" "host owner of a file made in the shifted rootfs"
	umount "$T/ram"
}

# chown-rootfs DIR --map-from --map-size: the fallback for a bind mount.
test_idm_chown_dir_for_bind() {
	idm_bundle
	mkdir "$T/ram"
	mount -t ramfs none "$T/ram"
	mkdir "$T/ram/sub"
	echo hi >"$T/ram/sub/f"
	add_mount /ram bind "$T/ram" '["rbind"]'
	assert_ok "$CELL" chown-rootfs "$T/ram" --map-from 100000 --map-size 65536
	assert_contains "$OUT" "3 entries shifted" "chown-rootfs output"
	idm_run idm-rambind 'stat -c %u:%g /ram /ram/sub/f >/shared/owners; touch /ram/sub/new'
	assert_eq "0:0 0:0" "$(tr '\n' ' ' <"$SHARED/owners" | sed 's/ $//')" "owners inside"
	assert_eq 100000:100000 "$(stat -c %u:%g "$T/ram/sub/new")" "host owner of a new file"
	umount "$T/ram"
}

# acl_user FILE [ID]: set (with ID) or print the ACL_USER id of FILE's
# access ACL (system.posix_acl_access by hand: no setfacl on the host).
acl_user() {
	python3 - "$@" <<'PY'
import os, struct, sys
f = sys.argv[1]
if len(sys.argv) > 2:
    none = 0xffffffff
    ents = [(0x01, 7, none), (0x02, 5, int(sys.argv[2])), (0x04, 5, none), (0x10, 5, none), (0x20, 5, none)]
    os.setxattr(f, "system.posix_acl_access", struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *e) for e in ents))
else:
    v = os.getxattr(f, "system.posix_acl_access")
    print([i for t, p, i in struct.iter_unpack("<HHI", v[4:]) if t == 0x02][0])
PY
}

test_idm_chown_rootfs() {
	local r before
	idm_bundle
	r=$B/rootfs
	cp "$r/bin/busybox" "$r/bin/suid"
	chown 0:5 "$r/bin/suid"
	chmod 6755 "$r/bin/suid"
	ln "$r/bin/busybox" "$r/bin/hardlink"
	ln -s /etc/passwd "$r/hostlink"
	echo acl >"$r/acl"
	acl_user "$r/acl" 1000
	mkdir -p "$r/mnt"
	mount -t tmpfs -o mode=0755 none "$r/mnt"
	assert_ok "$CELL" chown-rootfs "$B"
	assert_match "$OUT" "entries shifted; uid 0-65535 -> 100000-165535; 1 mount points of other filesystems left alone" "output"
	umount "$r/mnt"
	assert_eq 100000:100000 "$(stat -c %u:%g "$r/bin/busybox")" "busybox"
	assert_eq 100000:100005 "$(stat -c %u:%g "$r/bin/suid")" "setuid file"
	assert_eq 6755 "$(stat -c %a "$r/bin/suid")" "setuid/setgid bits kept"
	assert_eq 100000:100000 "$(stat -c %u:%g "$r/hostlink")" "the symlink itself"
	assert_eq 0:0 "$(stat -L -c %u:%g "$r/hostlink")" "the host file it points to"
	assert_eq 101000 "$(acl_user "$r/acl")" "ACL user entry"
	assert_eq 0:0 "$(stat -c %u:%g "$r/mnt")" "another filesystem's root"
	# Again: every id is outside the map now; nothing changes.
	before=$(find "$r" -printf '%p %U:%G %m\n' | sort | md5sum)
	assert_fail "$CELL" chown-rootfs "$B"
	assert_match "$ERR" "uid 100000 is not in the map \(already shifted\?\)" "second run"
	assert_eq "$before" "$(find "$r" -printf '%p %U:%G %m\n' | sort | md5sum)" "tree unchanged by the failed run"
	cfg root.readonly=false
	idm_run idm-shifted 'ls -ln /bin/busybox >/shared/ls; cat /proc/self/mountinfo >/shared/mountinfo; touch /made'
	assert_eq "0 0" "$(awk '{ print $3, $4 }' "$SHARED/ls")" "owner inside"
	assert_not_contains "$(mnt_opts "$SHARED/mountinfo" /)" "idmapped" "root mount options (auto: not idmapped)"
	assert_eq 100000:100000 "$(stat -c %u:%g "$r/made")" "host owner of a file made inside"
}

test_idm_chown_rootfs_errors() {
	mkdir "$T/d"
	assert_fail "$CELL" chown-rootfs "$T/d"
	assert_contains "$ERR" "has no config.json: give --map-from and --map-size" "no maps"
	assert_fail "$CELL" chown-rootfs "$T/d" --map-from 100000
	assert_contains "$ERR" "--map-from and --map-size go together" "half a map"
	assert_fail "$CELL" chown-rootfs "$T/d" --map-from 4294967295 --map-size 2
	assert_contains "$ERR" "passes 2^32" "range"
	make_bundle
	assert_fail "$CELL" chown-rootfs "$B"
	assert_contains "$ERR" "no linux.uidMappings/gidMappings" "bundle without maps"
	touch "$T/d/f"
	chown 70000 "$T/d/f"
	assert_fail "$CELL" chown-rootfs "$T/d" --map-from 100000 --map-size 65536
	assert_contains "$ERR" "\`$T/d/f\`: uid 70000 is not in the map" "id outside the map"
	assert_eq 0 "$(stat -c %u "$T/d")" "nothing changed"
}

test_idm_features() {
	assert_ok "$CELL" features
	assert_eq "True True True" "$(printf '%s' "$OUT" | python3 -c 'import json, sys; d = json.load(sys.stdin)
print(d["linux"]["mountExtensions"]["idmap"]["enabled"], "idmap" in d["mountOptions"], "ridmap" in d["mountOptions"])')" "features: idmap"
}

# A failed create after idmapped trees and a helper user namespace were
# made (a later mount cannot be idmapped; or the init fails after attaching
# them) leaves no mount, process or state behind.
test_idm_failed_create_leaves_nothing() {
	local BEFORE
	idm_bundle
	mkdir -m 0755 "$T/own" "$T/ram"
	mount -t ramfs none "$T/ram"
	cfg 'mounts+={"destination":"/own","type":"bind","source":"'"$T/own"'","options":["bind"],"uidMappings":[{"containerID":0,"hostID":200000,"size":10}],"gidMappings":[{"containerID":0,"hostID":200000,"size":10}]}'
	add_mount /ram bind "$T/ram" '["rbind","idmap"]'
	cfg_args true
	BEFORE=$(mounts_snapshot)
	ctr_run idm-undo1
	expect_clean_failure idm-undo1 "mounts\[[0-9]+\]: \`$T/ram\` cannot be mounted idmapped on ramfs"
	umount "$T/ram"
	# Trees made and attached, then the init fails on a later mount.
	cfg 'mounts-={"destination":"/ram","type":"bind","source":"'"$T/ram"'","options":["rbind","idmap"]}'
	add_mount /missing bind "$T/no-such-dir" '["rbind"]'
	BEFORE=$(mounts_snapshot)
	ctr_run idm-undo2
	expect_clean_failure idm-undo2 "no-such-dir"
}
