#!/bin/sh
# make test-cross: the engine and its spec harness built for other CPUs with
# Debian's cross compilers and run under qemu-user (static binaries: qemu 7.2
# cannot run dynamically linked s390x programs here). aarch64 is little-endian
# like x86-64; s390x is big-endian. Installs what it needs (multiarch jansson).
# Prints one "spec: ..." line per architecture; exit 1 if any fails.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
archs=${ARCHS:-"aarch64 s390x"}
out="$root/build-cross"
mkdir -p "$out"
need=""
for a in $archs; do
  case $a in aarch64) d=arm64 ;; s390x) d=s390x ;; riscv64) d=riscv64 ;; *) echo "unknown arch $a"; exit 2 ;; esac
  command -v "$a-linux-gnu-gcc" >/dev/null 2>&1 || need="$need gcc-$a-linux-gnu"
  [ -f "/usr/lib/$a-linux-gnu/libjansson.a" ] || need="$need libjansson-dev:$d"
  dpkg --print-foreign-architectures | grep -qx "$d" || dpkg --add-architecture "$d"
done
command -v qemu-s390x >/dev/null 2>&1 || need="$need qemu-user"
if [ -n "$need" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends $need >/dev/null
fi
status=0
for a in $archs; do
  exe="$out/spec_run-$a"
  "$a-linux-gnu-gcc" -static -std=c17 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -ffp-contract=off \
    -I"$root/include" -I"$root/src" "$root/src/base/error.c" \
    "$root"/src/wasm/decode.c "$root"/src/wasm/compile.c "$root"/src/wasm/interp.c \
    "$root"/src/wasm/store.c "$root"/src/wasm/linker.c "$root"/src/wasm/module.c \
    "$root"/src/wasm/instance.c "$root/tests/spec/spec_run.c" -ljansson -lm -o "$exe"
  printf '%s: ' "$a"
  if ! "qemu-$a" "$exe" --known "$root/tests/spec/known_failures.txt" "$root/../shared/wasm-spec" \
      >"$out/spec-$a.log" 2>&1; then
    status=1
  fi
  grep '^spec:' "$out/spec-$a.log" || tail -n 3 "$out/spec-$a.log"
done
exit $status
