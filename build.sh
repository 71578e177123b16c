#!/bin/sh
# Build cell into build/cell (static, musl). Extra args go to `meson setup`.
set -eu
cd "$(dirname "$0")"
if [ ! -f build/build.ninja ]; then
	meson setup build --native-file musl.ini --buildtype=release "$@"
fi
ninja -C build
