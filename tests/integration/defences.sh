# shellcheck shell=bash disable=SC2016 # sh -c scripts are single-quoted on purpose
# Regression tests for the container escapes that hit runc and crun (issue
# 7, "Defences"; ns/guard.h, docs/DESIGN.md "Defences"). Each test was
# checked to fail with its defence taken out. Containers are named df-*.

# with_bundle DIR: make DIR a bundle and point the cfg helpers at it (B).
with_bundle() {
	B=$1
	make_bundle "$B"
}

# copy_runtime: run a copy of the runtime, so that a failing defence
# overwrites the copy, not build/cell. Sets CELL and prints nothing.
copy_runtime() {
	cp "$CELL" "$T/cell-copy"
	chmod 0755 "$T/cell-copy"
	CELL="$T/cell-copy"
}

wait_file() { # FILE [SECONDS]
	wait_for "${2:-10}" test -s "$1" || fail "$1 did not appear"
}

# ---------------------------------------------------------------------
# CVE-2024-21626: host fds and the cwd.

# The program's fds: ls lists its own, which are stdio, what
# --preserve-fds passes, and the directory it reads (the lowest free fd).
# The same whether started by run, run -d or create+start, and whatever
# the caller of cell had open (fd 7 here).
fds_of() { # FILE: the fd list ls wrote there, on one line
	xargs <"$1"
}

test_df_fds_only_stdio_reach_the_container() {
	make_bundle
	cfg_args ls /proc/self/fd
	ctr_run df-run 7</etc/hostname
	assert_rc 0
	assert_eq "0 1 2 3" "$(echo "$OUT" | xargs)" "fds of the container's init (run)"

	ctr_detach df-det 7</etc/hostname
	wait_file "$T/df-det.out"
	assert_eq "0 1 2 3" "$(fds_of "$T/df-det.out")" "fds of the container's init (run -d)"

	ctr_create df-cre 7</etc/hostname
	rt start df-cre
	wait_file "$T/df-cre.out"
	assert_eq "0 1 2 3" "$(fds_of "$T/df-cre.out")" "fds of the container's init (create, start)"
}

test_df_fds_preserved_are_the_only_extra_ones() {
	make_bundle
	cfg_sh 'ls /proc/self/fd | xargs; cat <&3; cat <&4'
	echo three >"$T/f3"
	echo four >"$T/f4"
	ctr_run --preserve-fds 2 df-pre 3<"$T/f3" 4<"$T/f4" 7</etc/hostname
	assert_rc 0
	# ls (a child of sh) reads its directory on fd 5.
	assert_eq "0 1 2 3 4 5
three
four" "$OUT" "fds with --preserve-fds 2"
}

# dir_in_rootfs DEV:INO: is it a directory of the bundle's rootfs?
dir_in_rootfs() {
	local d
	while read -r d; do
		[ "$(stat -c '%d:%i' "$d")" = "$1" ] && return 0
	done < <(find "$B/rootfs" -xdev -type d)
	return 1
}

# process.cwd through a /proc magic link (/proc/self/fd/N, also behind a
# symlink of the rootfs): the runtime's fds of host directories (state
# dir, --root, cgroups) were reachable this way. Every such cwd is refused,
# or, should one run, it must be a directory of the rootfs.
test_df_cwd_through_proc_fd_is_refused() {
	make_bundle
	ln -s /proc/self/fd/5 "$B/rootfs/cwdlink"
	local n cwd refused=0
	for cwd in /proc/self/fd/{0..12} /proc/1/cwd /proc/self/root/.. /cwdlink; do
		cfg "process.cwd=\"$cwd\""
		cfg_sh 'stat -c %d:%i .'
		ctr_run df-cwd
		if [ "$RC" = 0 ]; then
			dir_in_rootfs "$OUT" || fail "cwd $cwd: the program ran in a directory outside the rootfs ($OUT)"
		else
			refused=$((refused + 1))
			assert_contains "$ERR" "process.cwd" "error for cwd $cwd"
			assert_one_line "$ERR"
		fi
	done
	note "$refused cwds refused"
	# The magic links themselves are refused, not merely absent fds.
	cfg 'process.cwd="/proc/self/fd/0"'
	ctr_run df-cwd
	assert_match "$ERR" 'process.cwd: `/proc/self/fd/0`: .*magic link' "error for an open fd"
	# A plain cwd, also through an in-rootfs symlink, still works.
	ln -s /home/user "$B/rootfs/homelink"
	cfg 'process.cwd="/homelink"'
	cfg_args pwd
	ctr_run df-cwd
	assert_rc 0
	assert_eq /home/user "$OUT" "cwd through a symlink inside the rootfs"
}

# ---------------------------------------------------------------------
# CVE-2019-5736: the host's cell binary through /proc/PID/exe.

# A container in the host's pid namespace sees the waiting init of another
# container (a cell process) and tries its /proc/PID/exe and fd/; after
# `start` no cell process runs and it tries to write what it got. The
# runtime binary must be unchanged, and the init's /proc entries closed.
test_df_exe_of_waiting_init_is_not_reachable() {
	copy_runtime
	local sum
	sum=$(sha256sum <"$CELL")
	make_bundle
	share_dir
	ns_del pid
	cfg_args sleep 30
	ctr_create df-victim
	ctr_pid df-victim >"$SHARED/pid"

	with_bundle "$T/attacker"
	share_dir
	ns_del pid
	cfg_sh 'P=$(cat /shared/pid)
for f in /proc/$P/fd/* /proc/$P/cwd /proc/$P/root; do
	readlink $f
	(cd $f && ls -a)
done >/shared/fds 2>/dev/null
echo end >>/shared/fds
if (exec 3</proc/$P/exe) 2>/dev/null; then exec 3</proc/$P/exe; echo opened >/shared/open; else echo denied >/shared/open; fi
echo ready >/shared/ready
while [ ! -e /shared/go ]; do sleep 0.05; done
i=0
while [ $i -lt 40 ]; do
	if (echo pwned >>/proc/self/fd/3) 2>/dev/null; then echo wrote >/shared/write; exit 0; fi
	sleep 0.05; i=$((i + 1))
done
echo failed >/shared/write'
	ctr_detach df-attacker
	wait_file "$SHARED/ready"
	rt start df-victim
	touch "$SHARED/go"
	wait_file "$SHARED/write"
	note "fds: $(cat "$SHARED/fds") open: $(cat "$SHARED/open") write: $(cat "$SHARED/write")"
	assert_eq "$sum" "$(sha256sum <"$CELL")" "checksum of the runtime binary"
	assert_eq failed "$(cat "$SHARED/write")" "write through the init's exe"
	assert_eq denied "$(cat "$SHARED/open")" "open of the waiting init's /proc/PID/exe"
	assert_eq end "$(cat "$SHARED/fds")" "what the waiting init's /proc/PID/fd/* and cwd lead to"
}

# The entry point is "#!/proc/self/exe": the kernel runs whatever the
# init's /proc/self/exe is as the container's process. Here that instance
# blocks opening a fifo as its --log while another container takes its
# /proc/PID/exe, then exits; the other container then writes to what it
# took.
test_df_exe_shebang_proc_self_exe_cannot_overwrite() {
	copy_runtime
	local sum
	sum=$(sha256sum <"$CELL")
	make_bundle
	share_dir
	ns_del pid
	mkfifo "$SHARED/fifo"
	printf '#!/proc/self/exe --log=/shared/fifo\n' >"$B/rootfs/evil"
	chmod 0755 "$B/rootfs/evil"
	cfg_args /evil
	ctr_create df-victim
	ctr_pid df-victim >"$SHARED/pid"
	rt start df-victim

	with_bundle "$T/attacker"
	share_dir
	ns_del pid
	cfg_sh 'P=$(cat /shared/pid)
readlink /proc/$P/exe >/shared/exe
if (exec 3</proc/$P/exe) 2>/dev/null; then exec 3</proc/$P/exe; echo opened >/shared/open; else echo denied >/shared/open; fi
cat /shared/fifo >/shared/log &
i=0
while [ $i -lt 60 ]; do
	if (echo pwned >>/proc/self/fd/3) 2>/dev/null; then echo wrote >/shared/write; exit 0; fi
	sleep 0.05; i=$((i + 1))
done
echo failed >/shared/write'
	ctr_detach df-attacker
	wait_file "$SHARED/write" 15
	note "exe: $(cat "$SHARED/exe") open: $(cat "$SHARED/open") write: $(cat "$SHARED/write") log: $(cat "$SHARED/log")"
	# The init did run the runtime (else the test proves nothing).
	assert_contains "$(cat "$SHARED/log")" "unknown command" "log of the runtime run as the entry point"
	assert_eq "$sum" "$(sha256sum <"$CELL")" "checksum of the runtime binary"
	assert_eq failed "$(cat "$SHARED/write")" "write through the exe of the entry point"
}

# ---------------------------------------------------------------------
# CVE-2022-29162: inheritable capabilities.

CAPS_OF_INIT='grep -E "^Cap(Inh|Amb):" /proc/self/status | xargs'

# use_cell_spec: $B/config.json is what `cell spec` writes, with the
# harness's tag in the env (so leftovers are found) and $1 as sh -c.
use_cell_spec() {
	(cd "$B" && rm -f config.json && rt spec) || fail "cell spec failed"
	cfg "process.env+=\"CELL_TEST_CTR=$CELL_TEST_TAG\""
	cfg_sh "$1"
}

# `cell spec` asks for no inheritable or ambient capability, and a caller
# of cell with a full inheritable set (setpriv) does not pass it on.
test_df_inheritable_caps_empty_unless_asked() {
	make_bundle
	use_cell_spec "$CAPS_OF_INIT"
	python3 - "$B/config.json" <<-'PY' || fail "cell spec sets inheritable or ambient capabilities"
		import json, sys
		c = json.load(open(sys.argv[1]))["process"]["capabilities"]
		sys.exit(1 if c.get("inheritable") or c.get("ambient") else 0)
	PY
	try setpriv --inh-caps +sys_admin,+net_admin,+kill "$CELL" --root "$ROOT" run -b "$B" df-inh
	assert_rc 0
	note "caller: $(setpriv --inh-caps +sys_admin,+net_admin,+kill grep CapInh /proc/self/status)"
	assert_eq "CapInh: 0000000000000000 CapAmb: 0000000000000000" "$OUT" "capabilities of the container (caller had inheritable ones)"
	# Asked for, they are there.
	cfg 'process.capabilities.inheritable=["CAP_KILL"]'
	ctr_run df-inh
	assert_rc 0
	assert_eq "CapInh: 0000000000000020 CapAmb: 0000000000000000" "$OUT" "inheritable CAP_KILL when the config asks"
}

# ---------------------------------------------------------------------
# Masked and read-only paths of `cell spec`, seen from inside.

test_df_spec_masks_proc_and_sys() {
	make_bundle
	local f files="" dirs=""
	for f in /proc/kcore /proc/keys /proc/latency_stats /proc/timer_list /proc/timer_stats /proc/sched_debug; do
		[ -e "$f" ] && files="$files $f"
	done
	for f in /proc/acpi /proc/asound /proc/scsi /sys/firmware /sys/devices/virtual/powercap; do
		[ -d "$f" ] && dirs="$dirs $f"
	done
	use_cell_spec "for f in $files; do echo \"\$f \$(cat \$f | wc -c)\"; done
for d in $dirs; do echo \"\$d \$(ls -A \$d | wc -l)\"; done
for p in /proc/sys/kernel/domainname /proc/sysrq-trigger; do echo x >\$p && echo \"wrote \$p\"; done
awk '\$5 ~ /^\/proc\/(bus|fs|irq|sys|sysrq-trigger)\$/ { split(\$6, o, \",\"); print \$5, o[1] }' /proc/self/mountinfo
true"
	ctr_run df-spec
	assert_rc 0
	note "$OUT"
	for f in $files $dirs; do
		assert_contains "$OUT" "$f 0" "size or entries of masked $f"
	done
	assert_not_contains "$OUT" wrote "write to a read-only /proc path"
	for f in /proc/bus /proc/fs /proc/irq /proc/sys /proc/sysrq-trigger; do
		[ -e "$f" ] && assert_contains "$OUT" "$f ro" "mount flags of $f"
	done
	return 0
}

# ---------------------------------------------------------------------
# CVE-2019-19921, CVE-2023-27561, CVE-2021-30465: symlinks in the rootfs.

# /dev of the image is a symlink out, /dev/null and /dev/zero are symlinks
# to host files: the container's /dev stays inside the rootfs, its nodes
# are the real devices, and no write reaches the host files.
test_df_dev_symlinks_stay_inside() {
	make_bundle
	local victim="$T/host-victim"
	echo keep >"$victim"
	# No tmpfs on /dev: the nodes are made in the image's own /dev.
	cfg 'mounts-={"destination":"/dev"}'
	rm -rf "$B/rootfs/dev"
	mkdir "$B/rootfs/dev"
	ln -s "$victim" "$B/rootfs/dev/null"
	ln -s "$victim" "$B/rootfs/dev/zero"
	cfg_sh 'echo pwned >/dev/null; echo pwned >/dev/zero; stat -c "%F %t:%T" /dev/null /dev/zero'
	ctr_run df-dev
	assert_rc 0
	assert_eq "character special file 1:3
character special file 1:5" "$OUT" "/dev/null and /dev/zero"
	assert_eq keep "$(cat "$victim")" "host file the image's /dev/null named"

	rm -rf "$B/rootfs/dev"
	mkdir -p "$T/host-dev"
	ln -s "$T/host-dev" "$B/rootfs/dev"
	cfg 'mounts+={"destination":"/dev","type":"tmpfs","source":"tmpfs","options":["nosuid","mode=755","size=1m"]}'
	cfg_args true
	ctr_run df-dev
	assert_eq "" "$(ls -A "$T/host-dev")" "host directory the image's /dev named"
}

# CVE-2025-31133: /dev/null replaced (here by a config bind of a host
# file) must not be what masked paths are bound from.
test_df_masked_paths_need_the_real_null_device() {
	make_bundle
	local victim="$T/host-victim"
	echo keep >"$victim"
	add_bind "$victim" /dev/null
	cfg 'linux.maskedPaths+=/etc/hostname' root.readonly=false
	cfg_sh 'cat /etc/hostname; echo pwned >/etc/hostname'
	ctr_run df-null
	note "rc $RC out [$OUT] err [$ERR]"
	assert_eq keep "$(cat "$victim")" "host file bound on /dev/null"
	assert_not_contains "$OUT" keep "masked /etc/hostname shows the host file"
	[ "$RC" != 0 ] || fail "masked paths bound from a /dev/null that is not the null device"
	assert_contains "$ERR" "not the null device"
}

# The image's /proc or /sys is a symlink (absolute, or climbing out with
# ../) to a host directory: proc and sysfs are never mounted through it
# (CVE-2019-19921, CVE-2023-27561), the host directory stays empty and the
# host mount table unchanged; the create fails, naming the mount.
symlinked_fs_case() { # DEST TYPE LINK-TARGET
	local dest=$1 type=$2 target=$3 host="$T/host$1"
	make_bundle
	mkdir -p "$host"
	rm -rf "${B:?}/rootfs$dest"
	ln -s "$target" "$B/rootfs$dest"
	cfg_args true
	local BEFORE
	BEFORE=$(mounts_snapshot)
	ctr_run df-link
	assert_eq "" "$(ls -A "$host")" "host directory the image's $dest names"
	expect_clean_failure df-link "mounts\[[0-9]+\]\.destination: \`$dest\` must not be or cross a symlink for $type" \
		"error for $dest -> $target"
}

test_df_proc_symlink_absolute() {
	symlinked_fs_case /proc proc "$T/host/proc"
}

test_df_proc_symlink_dotdot() {
	symlinked_fs_case /proc proc "../../../../../../../../../..$T/host/proc"
}

test_df_sys_symlink_absolute() {
	symlinked_fs_case /sys sysfs "$T/host/sys"
}

test_df_sys_symlink_dotdot() {
	symlinked_fs_case /sys sysfs "../../../../../../../../../..$T/host/sys"
}

# A symlinked directory above /proc (the image's /proc is fine but the
# config mounts proc at /run/p, and /run is a symlink out).
test_df_proc_below_a_symlinked_dir() {
	make_bundle
	mkdir -p "$T/host-run"
	rm -rf "$B/rootfs/run"
	ln -s "$T/host-run" "$B/rootfs/run"
	add_mount /run/p proc proc
	cfg_args true
	local BEFORE
	BEFORE=$(mounts_snapshot)
	ctr_run df-link
	assert_eq "" "$(ls -A "$T/host-run")" "host directory the image's /run names"
	expect_clean_failure df-link 'must not be or cross a symlink for proc'
}

# /dev/pts of the image is a symlink out (no tmpfs on /dev, so the image's
# /dev is used): devpts lands inside the rootfs or the create fails, the
# host directory stays empty and no host mount appears.
test_df_dev_pts_symlink_stays_inside() {
	make_bundle
	mkdir -p "$T/host-pts"
	cfg 'mounts-={"destination":"/dev"}'
	rm -rf "$B/rootfs/dev"
	mkdir "$B/rootfs/dev"
	ln -s "$T/host-pts" "$B/rootfs/dev/pts"
	cfg_sh 'awk "\$5 == \"/dev/pts\" || \$5 ~ /host-pts/ { print \$5, \$9 }" /proc/self/mountinfo'
	local before
	before=$(mounts_snapshot)
	ctr_run df-pts
	note "rc $RC out [$OUT] err [$ERR]"
	assert_eq "" "$(ls -A "$T/host-pts")" "host directory the image's /dev/pts names"
	assert_eq "$before" "$(mounts_snapshot)" "host mount table"
	if [ "$RC" = 0 ]; then
		# The link was followed inside the root: devpts sits on the
		# rootfs's copy of the host path, not on the host's.
		assert_eq "$T/host-pts devpts" "$OUT" "where devpts went"
		[ -d "$B/rootfs$T/host-pts" ] || fail "devpts mount point not made inside the rootfs"
	else
		assert_one_line "$ERR"
	fi
}

# CVE-2021-30465: the mount target is swapped between a directory and a
# symlink out while containers are created. Paths are resolved once, by
# fd, and mounted on /proc/self/fd/N: no mount ever lands on the host.
test_df_mount_target_swap_race() {
	make_bundle
	local host="$T/host-race" i rcs="" before
	mkdir -p "$host" "$B/rootfs/a" "$B/rootfs/b"
	ln -s "$host" "$B/rootfs/b/t"
	mkdir "$B/rootfs/a/t"
	ln -sfn a "$B/rootfs/v"
	add_mount /v/t tmpfs tmpfs '["size=1m"]'
	add_mount /v/t/x tmpfs tmpfs '["size=1m"]'
	cfg_sh 'touch /v/t/x/probe'
	before=$(mounts_snapshot)
	# Swap /v between a -> (a directory) and b -> (a symlink out), atomically.
	(
		while [ ! -e "$T/stop" ]; do
			ln -sfn b "$B/rootfs/v.new" && mv -T "$B/rootfs/v.new" "$B/rootfs/v"
			ln -sfn a "$B/rootfs/v.new" && mv -T "$B/rootfs/v.new" "$B/rootfs/v"
		done
	) &
	local swapper=$!
	for i in $(seq 1 40); do
		ctr_run "df-race$i"
		rcs="$rcs$RC"
	done
	touch "$T/stop"
	wait "$swapper"
	note "exit codes: $rcs"
	assert_eq "" "$(ls -A "$host")" "host directory behind the swapped symlink"
	assert_eq "$before" "$(mounts_snapshot)" "host mount table"
	# Runs that went through b made the target inside the rootfs.
	[ ! -e "$B/rootfs$host" ] || assert_eq "" "$(find "$B/rootfs$host" -name probe)" "probe left in a tmpfs"
}

# ---------------------------------------------------------------------
# CVE-2025-52881: writes under /proc go to a verified procfs file.

# domainname_of ID: the container's domainname, read from the host in its
# uts namespace (the container's own /proc file may be covered).
domainname_of() {
	nsenter -t "$(ctr_pid "$1")" -u cat /proc/sys/kernel/domainname
}

# The image's /data is a symlink into /proc; the config binds a host file
# there, so the bind covers /proc/sys/kernel/domainname inside the
# container. linux.sysctl kernel.domainname must not be written through
# that bind into the host file: it goes to the real sysctl (or is refused).
test_df_sysctl_not_through_a_bind_over_proc() {
	make_bundle
	local victim="$T/host-victim" b
	echo keep >"$victim"
	ln -s /proc/sys/kernel/domainname "$B/rootfs/data"
	add_bind "$victim" /data
	cfg 'linux.sysctl={"kernel.domainname":"pwned"}'
	cfg_args sleep 30
	ctr_detach df-sysctl
	wait_status df-sysctl running
	assert_eq keep "$(cat "$victim")" "host file bound over /proc/sys/kernel/domainname"
	assert_eq pwned "$(domainname_of df-sysctl)" "domainname of the container"
	rt delete --force df-sysctl

	# The same bind straight from the config, and over the directory.
	local n=0
	for b in /proc/sys/kernel/domainname /proc/sys/kernel; do
		n=$((n + 1))
		make_bundle "$T/b$n"
		B="$T/b$n"
		if [ "$b" = /proc/sys/kernel ]; then
			mkdir -p "$T/kdir"
			echo keep >"$T/kdir/domainname"
			add_bind "$T/kdir" "$b"
		else
			add_bind "$victim" "$b"
		fi
		cfg 'linux.sysctl={"kernel.domainname":"pwned"}'
		cfg_args sleep 30
		ctr_detach df-sysctl2
		wait_status df-sysctl2 running
		assert_eq keep "$(cat "$victim")" "host file bound over $b (config)"
		[ ! -e "$T/kdir/domainname" ] || assert_eq keep "$(cat "$T/kdir/domainname")" "host dir bound over $b"
		assert_eq pwned "$(domainname_of df-sysctl2)" "domainname of the container (bind over $b)"
		rt delete --force df-sysctl2
	done
}

# ---------------------------------------------------------------------
# CVE-2025-52565: /dev/console of the image is a symlink.

# The image's /dev (no tmpfs over it) has /dev/console as a symlink to a
# file of the image (and could name a /proc file): the pty is bound on a
# fresh /dev/console, never through the symlink onto its target.
test_df_console_symlink_is_not_followed() {
	make_bundle
	cfg process.terminal=true 'mounts-={"destination":"/dev"}'
	echo keep >"$B/rootfs/etc/victim"
	ln -s /etc/victim "$B/rootfs/dev/console"
	cfg_sh 'stat -c "%F %t" /dev/console; grep -c " /etc/victim " /proc/self/mountinfo; cat /etc/victim; echo end'
	rm -f "$T/cs" "$T/cs.ready"
	python3 "$TESTS_DIR/consock.py" "$T/cs" -e end --eof >"$T/cs.out" 2>"$T/cs.err" &
	local cs=$! rc=0
	wait_for 10 test -e "$T/cs.ready" || fail "console socket receiver did not start: $(cat "$T/cs.err")"
	ctr_create df-con --console-socket "$T/cs"
	rt start df-con
	wait "$cs" || rc=$?
	local out
	out=$(tr -d '\r' <"$T/cs.out")
	note "receiver ($rc): $out"
	assert_eq 0 "$rc" "console socket receiver"
	assert_contains "$out" "character special file 88
0
keep
end" "/dev/console (a pty, 136 = 0x88), mounts on /etc/victim, its content"
	assert_eq keep "$(cat "$B/rootfs/etc/victim")" "the symlink's target"
}
