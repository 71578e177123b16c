#!/bin/sh
# Build cell into build/cell (static, musl). Extra args go to `meson setup`.
# -Os, not -O3: a `run` spends its time in system calls, not in cell's own
# code, and -Os makes the binary a quarter smaller at the same speed
# (README "Size and speed"). A build/ set up earlier with -O3 is switched.
set -eu
cd "$(dirname "$0")"
opts="-Doptimization=s -Ddebug=false"
if [ ! -f build/build.ninja ]; then
	meson setup build --native-file musl.ini $opts "$@"
elif grep -q '"name": "optimization", "value": "3"' build/meson-info/intro-buildoptions.json 2>/dev/null; then
	meson configure build $opts
fi
ninja -C build
