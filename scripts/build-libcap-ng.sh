#!/bin/sh
# Build a static libcap-ng with musl from Debian's source package.
# Usage: build-libcap-ng.sh OUTDIR
# Leaves OUTDIR/lib/libcap-ng.a, OUTDIR/include/cap-ng.h and
# OUTDIR/kheaders (kernel headers musl-gcc cannot see by itself).
# To build cell against a modified libcap-ng (LGPL-2.1 relinking), set
# LIBCAP_NG_SRC to your source tree: it is used instead of `apt-get source`.
set -eu
out=${1:?usage: build-libcap-ng.sh OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)

kh="$out/kheaders"
if [ ! -e "$kh/asm" ]; then
	mkdir -p "$kh"
	ln -sfn /usr/include/linux "$kh/linux"
	ln -sfn /usr/include/asm-generic "$kh/asm-generic"
	arch=$(gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)
	ln -sfn "/usr/include/$arch/asm" "$kh/asm"
fi

[ -f "$out/lib/libcap-ng.a" ] && [ -z "${LIBCAP_NG_SRC:-}" ] && exit 0

command -v musl-gcc >/dev/null || { echo "build-libcap-ng: musl-gcc not found (apt-get install musl-tools)" >&2; exit 1; }

src=${LIBCAP_NG_SRC:-}
if [ -z "$src" ]; then
	if ! grep -rqs '^Types:.*deb-src\|^deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/; then
		if [ "$(id -u)" != 0 ]; then
			echo "build-libcap-ng: no deb-src line in apt sources; run as root once, or set LIBCAP_NG_SRC" >&2
			exit 1
		fi
		. /etc/os-release
		cat > /etc/apt/sources.list.d/cell-deb-src.sources <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: ${VERSION_CODENAME:-bookworm}
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
		apt-get update -q >/dev/null
	fi
	rm -rf "$out/src" && mkdir -p "$out/src"
	(cd "$out/src" && apt-get source -q libcap-ng >/dev/null 2>&1) || {
		echo "build-libcap-ng: apt-get source libcap-ng failed (is dpkg-dev installed and the deb-src line valid?)" >&2
		exit 1
	}
	src=$(find "$out/src" -maxdepth 1 -type d -name 'libcap-ng-*' | head -n 1)
fi

build="$out/build"
rm -rf "$build" && cp -a "$src" "$build"
cd "$build"
# Small like cell itself (meson.build): cell calls a few functions of it, and
# --gc-sections keeps only those when every function has its own section.
CC="musl-gcc -isystem $kh" CFLAGS="-Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables" ./configure --disable-shared --enable-static \
	--without-python --without-python3 >"$out/configure.log" 2>&1 ||
	{ echo "build-libcap-ng: configure failed, see $out/configure.log" >&2; exit 1; }
make -C src >"$out/make.log" 2>&1 || { echo "build-libcap-ng: make failed, see $out/make.log" >&2; exit 1; }
mkdir -p "$out/lib" "$out/include"
cp src/.libs/libcap-ng.a "$out/lib/"
cp src/cap-ng.h "$out/include/"
