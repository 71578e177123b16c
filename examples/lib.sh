# Shared by the example scripts: find the runtime, build a busybox rootfs.

# The runtime: $CELL, else the repo's build/cell, else `cell` in PATH.
find_runtime() {
	if [ -n "${CELL:-}" ]; then
		echo "$CELL"
	elif [ -x "$EXAMPLES_DIR/../build/cell" ]; then
		echo "$EXAMPLES_DIR/../build/cell"
	elif command -v cell >/dev/null; then
		command -v cell
	else
		echo "no cell binary: run ./build.sh first, or set CELL=/path/to/cell" >&2
		return 1
	fi
}

# make_rootfs DIR: a minimal root filesystem made of Debian's static busybox
# (apt-get install busybox-static): /bin with busybox and one symlink per
# applet, the usual empty directories, and /etc/passwd and /etc/group.
make_rootfs() {
	dir=$1
	if ! [ -x /bin/busybox ] || { command -v file >/dev/null &&
		! file -L /bin/busybox | grep -q 'statically linked'; }; then
		echo "need a static /bin/busybox: apt-get install busybox-static" >&2
		return 1
	fi
	mkdir -p "$dir"
	(
		cd "$dir"
		mkdir -p bin etc proc sys dev tmp root mnt run
		chmod 1777 tmp
		cp /bin/busybox bin/busybox
		for applet in $(/bin/busybox --list); do
			[ "$applet" = busybox ] || ln -s busybox "bin/$applet"
		done
		printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >etc/passwd
		printf 'root:x:0:\nnogroup:x:65534:\n' >etc/group
	)
}
