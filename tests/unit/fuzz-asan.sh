#!/bin/sh
# Build the fuzz smoke test (and the unit tests) with the host gcc under
# AddressSanitizer + UndefinedBehaviorSanitizer and run them.
# Usage: fuzz-asan.sh [SRCROOT [ITERATIONS]]
set -eu
src=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
iters=${2:-200000}
cc=${CC_ASAN:-gcc}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT INT TERM

# -Wno-error=format-truncation: gcc below -O2 flags util/err.c's bounded
# snprintf; the sanitizers are the point of this build.
flags="-std=gnu11 -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined
	-fno-sanitize-recover=all -D_GNU_SOURCE -DCELL_VERSION=\"asan\"
	-Wall -Wextra -Werror -Wno-error=format-truncation -Wmissing-prototypes
	-Wstrict-prototypes -Wshadow -Wformat=2 -Wvla -Wno-unused-parameter"
libsrc="$src/util/err.c $(ls "$src"/oci/*.c)"
corpus="$src/tests/unit/corpus"
for t in json config fuzz; do
	# shellcheck disable=SC2086
	$cc $flags $libsrc "$src/tests/unit/test_$t.c" -o "$out/test_$t" 2>"$out/cc.log" || {
		cat "$out/cc.log" >&2
		exit 1
	}
done
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
run() {
	"$@" >"$out/run.log" 2>&1 || { cat "$out/run.log"; exit 1; }
	grep -v '^PASS' "$out/run.log" || true
}
run "$out/test_json" "$corpus"
run "$out/test_config" "$corpus"
run "$out/test_fuzz" "$corpus" "$iters"
