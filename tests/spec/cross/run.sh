#!/bin/sh
# Runs the simd_* spec files against the engine built for another CPU under
# qemu-user: by default s390x (big-endian, so the portable SIMD path and the
# byte-order handling of slots and memory) and aarch64 (vector extensions and
# NEON intrinsics). Needs the cross compilers (s390x-linux-gnu-gcc,
# aarch64-linux-gnu-gcc) and qemu-user (qemu-s390x, qemu-aarch64).
#   tests/spec/cross/run.sh [SUITE_DIR] [ARCH...]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
suite=${1:-$root/../shared/wasm-spec}
[ $# -gt 0 ] && shift
arches=${*:-s390x aarch64}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
python3 "$here/flatten.py" "$out/simd.cmds" "$suite"/simd_*
srcs="$root/src/wasm/decode.c $root/src/wasm/compile.c $root/src/wasm/interp.c
  $root/src/wasm/store.c $root/src/wasm/linker.c $root/src/wasm/module.c
  $root/src/wasm/instance.c $root/src/base/error.c $here/spec_mini.c"
status=0
for a in $arches; do
  # shellcheck disable=SC2086
  "$a-linux-gnu-gcc" -std=c17 -O2 -D_GNU_SOURCE -ffp-contract=off -fno-strict-aliasing \
    -Wall -Wextra -Werror -I"$root/include" -I"$root/src" -static $srcs -lm -o "$out/mini-$a"
  for mode in "" det; do
    printf '%s %s: ' "$a" "${mode:-default}"
    "qemu-$a" "$out/mini-$a" "$out/simd.cmds" $mode | tail -n 1
    "qemu-$a" "$out/mini-$a" "$out/simd.cmds" $mode >/dev/null || status=1
  done
done
exit $status
