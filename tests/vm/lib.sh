# shellcheck shell=sh
# Helpers for the cases that run inside the test VM (busybox sh: no bash,
# no python). /init calls `sh /vm/lib.sh --run-plan PLAN`; each case runs
# in a process of its own:
#   sh -c '. /vm/lib.sh; . /vm/cases/FILE.sh; run_case NAME'
# A case sees CELL (cell), T (its empty directory), ROOT ($T/state, its
# --root), B ($T/bundle), LAYOUT (v2, hybrid, v1). It passes by returning,
# fails by `fail` or any failed command (set -e), and is skipped by `skip`.
# After each case every container of $ROOT is deleted and the cgroup trees
# are compared with their state before the case: a directory more fails
# the case (and is removed).

CELL=/bin/cell
CG=/sys/fs/cgroup
RESULT_SKIP=77
LAYOUT=$(sed -n "s/.*cell.layout=\([a-z0-9]*\).*/\1/p" /proc/cmdline)

fail() {
	echo "FAIL: $*"
	exit 1
}

skip() {
	echo "SKIP: $*"
	exit $RESULT_SKIP
}

note() {
	echo "# $*"
}

assert_eq() { # EXPECTED ACTUAL [WHAT]
	[ "$1" = "$2" ] || fail "${3:-value}: expected [$1], got [$2]"
}

assert_ne() { # UNEXPECTED ACTUAL [WHAT]
	[ "$1" != "$2" ] || fail "${3:-value}: expected anything but [$1]"
}

assert_contains() { # HAYSTACK NEEDLE [WHAT]
	case $1 in *"$2"*) return 0 ;; esac
	fail "${3:-output}: expected to contain [$2], got [$1]"
}

assert_rc() { # EXPECTED [WHAT]: $RC of the last try / ctr_run
	[ "$RC" = "$1" ] || fail "${2:-exit code}: expected $1, got $RC; stdout [$OUT] stderr [$ERR]"
}

# try CMD...: run CMD with stdin closed; set RC, OUT, ERR.
try() {
	RC=0
	"$@" </dev/null >"$T/try.out" 2>"$T/try.err" || RC=$?
	OUT=$(cat "$T/try.out")
	ERR=$(cat "$T/try.err")
	echo "+ $* -> $RC"
}

assert_ok() { # CMD...
	try "$@"
	[ "$RC" = 0 ] || fail "\`$*\` failed with $RC: stdout [$OUT] stderr [$ERR]"
}

assert_fail() { # CMD...: must fail, not by a signal
	try "$@"
	[ "$RC" != 0 ] || fail "\`$*\` succeeded, expected failure: stdout [$OUT]"
	[ "$RC" -lt 128 ] || fail "\`$*\` died with $RC: stderr [$ERR]"
}

wait_for() { # SECONDS CMD...: poll CMD every 0.1 s until it succeeds
	local n=$(($1 * 10))
	shift
	while ! "$@" 2>/dev/null; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.1
	done
}

# ------------------------------------------------------------ the runtime

rt() {
	timeout 30 "$CELL" --root "$ROOT" "$@"
}

# jstr TEXT STRING: escape for a JSON string literal (no control chars).
jstr() {
	printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g; s/	/\\t/g' | awk 'NR > 1 { printf "\\n" } { printf "%s", $0 }'
}

# Config pieces a case sets before `cfg`; cfg writes $B/config.json.
# ARGS: a JSON list; RES: the linux.resources object; CGPATH: cgroupsPath;
# NS: extra namespaces (JSON objects, comma-first: ',{"type":"cgroup"}');
# MOUNTS: extra mounts (comma-first); DEVICES: linux.devices (a JSON list);
# ANNOT: `"annotations":{...},` or nothing; ROOTFS, ROOT_RO: root.path and
# root.readonly; LINUX: more members of `linux` (comma-first).
cfg_reset() {
	ARGS='["sh"]'
	RES='{"devices":[{"allow":false,"access":"rwm"}]}'
	CGPATH=""
	NS=',{"type":"cgroup"}'
	MOUNTS=""
	DEVICES='[]'
	ANNOT=""
	ROOTFS=/vm/rootfs
	ROOT_RO=true
	LINUX=""
}

# share_dir: $T/shared is /shared (rw) in the container.
share_dir() {
	mkdir -p "$T/shared"
	chmod 0777 "$T/shared"
	MOUNTS="$MOUNTS,{\"destination\":\"/shared\",\"type\":\"bind\",\"source\":\"$T/shared\",\"options\":[\"rbind\",\"rw\"]}"
}

cfg_sh() { # SCRIPT: process.args = sh -c SCRIPT
	ARGS="[\"sh\",\"-c\",\"$(jstr "$1")\"]"
}

cfg_args() { # ARG...
	local a out=""
	for a in "$@"; do out="$out,\"$(jstr "$a")\""; done
	ARGS="[${out#,}]"
}

cfg() { # write $B/config.json from the variables above
	local cgp=""
	[ -z "$CGPATH" ] || cgp="\"cgroupsPath\":\"$(jstr "$CGPATH")\","
	mkdir -p "$B"
	cat >"$B/config.json" <<EOF
{"ociVersion":"1.0.2",$ANNOT
 "process":{"terminal":false,"user":{"uid":0,"gid":0},"args":$ARGS,
  "env":["PATH=/bin:/sbin:/usr/bin:/usr/sbin"],"cwd":"/",
  "capabilities":{"bounding":["CAP_KILL","CAP_MKNOD"],"effective":["CAP_KILL","CAP_MKNOD"],"permitted":["CAP_KILL","CAP_MKNOD"]},
  "noNewPrivileges":true},
 "root":{"path":"$ROOTFS","readonly":$ROOT_RO},
 "hostname":"vm-ctr",
 "mounts":[{"destination":"/proc","type":"proc","source":"proc"},
  {"destination":"/dev","type":"tmpfs","source":"tmpfs","options":["nosuid","strictatime","mode=755","size=65536k"]},
  {"destination":"/tmp","type":"tmpfs","source":"tmpfs","options":["nosuid","nodev","mode=1777"]},
  {"destination":"/sys","type":"sysfs","source":"sysfs","options":["nosuid","noexec","nodev","ro"]},
  {"destination":"/sys/fs/cgroup","type":"cgroup","source":"cgroup","options":["nosuid","noexec","nodev","relatime","ro"]}$MOUNTS],
 "linux":{$cgp"resources":$RES,"devices":$DEVICES,
  "namespaces":[{"type":"pid"},{"type":"network"},{"type":"ipc"},{"type":"uts"},{"type":"mount"}$NS]$LINUX}}
EOF
}

make_bundle() {
	cfg_reset
	cfg
}

# ctr_run ID [FLAGS]: foreground run; sets RC OUT ERR.
ctr_run() {
	try rt run -b "$B" "$@"
}

# ctr_detach ID: run -d; output in $T/ID.out and $T/ID.err.
ctr_detach() {
	local rc=0
	rt run -d -b "$B" "$1" </dev/null >"$T/$1.out" 2>"$T/$1.err" || rc=$?
	echo "+ run -d $1 -> $rc"
	[ "$rc" = 0 ] || fail "run -d $1 failed ($rc): $(cat "$T/$1.err")"
}

ctr_create() {
	local rc=0
	rt create -b "$B" "$1" </dev/null >"$T/$1.out" 2>"$T/$1.err" || rc=$?
	echo "+ create $1 -> $rc"
	[ "$rc" = 0 ] || fail "create $1 failed ($rc): $(cat "$T/$1.err")"
}

jfield() { # KEY: a top-level string or number of the JSON on stdin
	sed -n "s/^[[:space:]]*\"$1\": *\"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}\$/\1/p" | head -n 1
}

ctr_status() { # ID: status, or "absent"
	local s
	s=$(rt state "$1" 2>/dev/null) || {
		echo absent
		return 0
	}
	printf '%s\n' "$s" | jfield status
}

ctr_pid() { # ID
	local p
	p=$(rt state "$1" 2>/dev/null | jfield pid)
	case $p in '' | *[!0-9]* | 0) fail "no pid for container $1" ;; esac
	echo "$p"
}

status_is() { [ "$(ctr_status "$1")" = "$2" ]; }

wait_status() { # ID STATUS [SECONDS]
	wait_for "${3:-10}" status_is "$1" "$2" || fail "container $1: expected $2, it is $(ctr_status "$1")"
}

# ------------------------------------------------------------ cgroups

# cg_mounts: the mount points of every cgroup hierarchy (busybox's stat
# does not name cgroup file systems).
cg_mounts() {
	awk '$3 == "cgroup" || $3 == "cgroup2" { print $2 }' /proc/mounts
}

# cg_dir CONTROLLER: the mount that drives it (v1 hierarchy, else cgroup2).
cg_dir() {
	local d
	if [ "$LAYOUT" = v2 ]; then
		echo $CG
		return 0
	fi
	d=$(awk -v c="$1" '$3 == "cgroup" && ("," $4 ",") ~ ("," c ",") { print $2; exit }' /proc/mounts)
	if [ -n "$d" ]; then
		echo "$d"
	elif [ "$LAYOUT" = hybrid ] && grep -qw "$1" $CG/unified/cgroup.controllers; then
		echo $CG/unified
	else
		return 1
	fi
}

is_v2() { # CONTROLLER: driven by cgroup2
	case $(cg_dir "$1") in $CG | $CG/unified) return 0 ;; esac
	return 1
}

cg_path() { # ID: the container's cgroup path, from its init's /proc/PID/cgroup
	local pid
	pid=$(ctr_pid "$1")
	awk -F: '$2 ~ /(^|,)pids(,|$)/ || $1 == "0" { print $3; exit }' "/proc/$pid/cgroup"
}

cg_file() { # ID CONTROLLER FILE: path of FILE in ID's cgroup of CONTROLLER
	echo "$(cg_dir "$2")$(cg_path "$1")/$3"
}

# cg_snapshot: every cgroup directory below a hierarchy root.
cg_snapshot() {
	local d
	for d in $(cg_mounts); do
		find "$d" -mindepth 1 -type d 2>/dev/null
	done | sort
}

# ------------------------------------------------------------ the runner

make_rootfs() { # /vm/rootfs: busybox and its applets, read-only in containers
	local a
	mkdir -p /vm/rootfs/bin /vm/rootfs/proc /vm/rootfs/dev /vm/rootfs/sys /vm/rootfs/tmp /vm/rootfs/etc
	cp /bin/busybox /vm/rootfs/bin/busybox
	for a in $(/bin/busybox --list); do
		[ "$a" = busybox ] || ln -s busybox "/vm/rootfs/bin/$a"
	done
	echo "root:x:0:0:root:/:/bin/sh" >/vm/rootfs/etc/passwd
	# Test programs built on the host (vm.sh), e.g. the i386 one.
	[ ! -d /vm/bin ] || cp /vm/bin/* /vm/rootfs/bin/
}

# run_case NAME (in the case's own process)
run_case() {
	set -e
	cfg_reset
	"$1"
}

cleanup_case() { # T: its containers, then any mount left below T
	local d
	for d in "$1"/state/*/; do
		[ -d "$d" ] || continue
		timeout 10 "$CELL" --root "$1/state" delete --force "$(basename "$d")" >/dev/null 2>&1 || true
	done
	awk -v t="$1/" 'index($2, t) == 1 { print $2 }' /proc/mounts | sort -r | while read -r d; do
		umount -l "$d"
	done
}

uptime_cs() { # seconds since boot, in hundredths
	local u
	u=$(cut -d' ' -f1 /proc/uptime)
	echo "${u%.*}${u#*.}" | sed 's/^0*//; s/^$/0/'
}

run_plan() { # PLAN
	local key file name t rc before after left t0 dur
	make_rootfs
	mkdir -p /tmp/cases
	while read -r key; do
		[ -n "$key" ] || continue
		file=${key%%/*}
		name=${key#*/}
		t=/tmp/cases/$name
		mkdir -p "$t/state"
		before=$(cg_snapshot)
		t0=$(uptime_cs)
		rc=0
		T=$t ROOT=$t/state B=$t/bundle timeout 120 sh -c \
			". /vm/lib.sh; . /vm/cases/$file.sh; cd \"\$T\"; run_case $name" \
			</dev/null >"$t/log" 2>&1 || rc=$?
		cleanup_case "$t"
		after=$(cg_snapshot)
		left=$(printf '%s\n' "$after" | grep -vxF -e "$before" -e '' || true)
		[ -n "$before" ] || left=$after
		if [ -n "$left" ]; then
			echo "FAIL: cgroups left behind: $(echo $left)" >>"$t/log"
			printf '%s\n' "$left" | sort -r | while read -r d; do rmdir "$d" 2>/dev/null; done
			[ "$rc" = 0 ] && rc=1
		fi
		dur=$(($(uptime_cs) - t0))
		dur="$((dur / 100)).$((dur % 100 / 10))s"
		case $rc in
		0) echo "VMRESULT ok $key $dur" ;;
		$RESULT_SKIP) echo "VMRESULT skip $key $(grep '^SKIP: ' "$t/log" | tail -n 1 | cut -c7-)" ;;
		*)
			[ "$rc" = 124 ] || [ "$rc" = 143 ] && echo "FAIL: timed out" >>"$t/log"
			tail -n 30 "$t/log" | sed "s|^|VMLOG $key |"
			echo "VMRESULT fail $key (exit $rc)"
			;;
		esac
	done <"$1"
}

if [ "${1:-}" = --run-plan ]; then
	run_plan "$2"
fi
