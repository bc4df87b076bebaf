#!/bin/sh
# make test-cross: the engine on other CPUs, built with Debian's cross
# compilers and run under qemu-user. Static binaries (qemu 7.2 cannot run
# dynamically linked s390x programs here), libc only: the spec harness reads
# its JSON itself and det_run needs nothing but the engine and WASI, so it
# works for riscv64 too, for which Debian 12 ships no libraries at all.
#   aarch64  little-endian, NEON SIMD path
#   riscv64  little-endian, portable SIMD path
#   s390x    big-endian: every byte-order conversion, portable SIMD path
# (all three have an unsigned plain char, unlike x86-64)
#
#   scripts/cross.sh                 every leg of every arch (ARCHS to choose;
#                                    the replay uses the native build in $BUILD)
#   scripts/cross.sh ARCH STEP       one step, as scripts/test.sh runs them:
#     build    the static spec_run, det_run and an engine-only teanode (only the
#              `wasm` command, -DTEA_ENGINE_ONLY) for ARCH into build-cross/ARCH
#     spec     the whole spec suite (prints the "spec: ..." line)
#     det      the determinism check (TAP, tests/determinism/run.sh)
#     wasm     `teanode wasm run` of WASI programs under qemu prints what the same
#              command prints natively (TAP)
#     replay   aarch64 only: a receipt made by an x86-64 node, replayed by an
#              aarch64 teanode (scripts/cross_node.sh)
# Installs what it needs (cross gcc, its libc, qemu-user). Exit 1 if anything fails.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/build-cross"
suite="$root/../shared/wasm-spec"

# The engine, WASI and the CLI's wasm command: nothing but libc.
engine_srcs="src/base/error.c src/wasm/decode.c src/wasm/compile.c src/wasm/interp.c src/wasm/store.c \
  src/wasm/linker.c src/wasm/module.c src/wasm/instance.c src/wasm/wasi.c"

deb_arch() {
  case $1 in
    aarch64) echo arm64 ;;
    riscv64) echo riscv64 ;;
    s390x) echo s390x ;;
    *) echo "cross.sh: unknown arch $1 (aarch64, riscv64, s390x)" >&2; exit 2 ;;
  esac
}

install_for() { # arch
  d=$(deb_arch "$1")
  need=""
  command -v "$1-linux-gnu-gcc" >/dev/null 2>&1 || need="$need gcc-$1-linux-gnu"
  [ -f "/usr/$1-linux-gnu/include/stdio.h" ] || need="$need libc6-dev-$d-cross"
  command -v "qemu-$1" >/dev/null 2>&1 || need="$need qemu-user"
  [ -z "$need" ] && return 0
  echo "cross.sh: installing$need" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  # shellcheck disable=SC2086
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null
}

build() { # arch
  a=$1
  install_for "$a"
  dir="$out/$a"
  # a failed build must not leave the last good binaries to be tested
  rm -rf "$dir"
  mkdir -p "$dir/obj"
  # The flags meson gives the native build (meson.build), plus -static.
  cflags="-std=c17 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -ffp-contract=off -fno-strict-aliasing"
  objs=""
  for src in $engine_srcs tests/spec/spec_run.c tests/spec/spec_json.c tests/determinism/det_run.c \
      src/cli/main.c src/cli/cmd_wasm.c src/cli/files.c; do
    o="$dir/obj/$(basename "$src" .c).o"
    # shellcheck disable=SC2086
    "$a-linux-gnu-gcc" $cflags -DTEA_ENGINE_ONLY -I"$root/include" -I"$root/src" -c "$root/$src" -o "$o"
    objs="$objs $o"
  done
  engine=$(echo "$objs" | tr ' ' '\n' | grep -v -e spec_ -e det_run -e main.o -e cmd_wasm -e files.o)
  # shellcheck disable=SC2086
  "$a-linux-gnu-gcc" -static $engine "$dir/obj/spec_run.o" "$dir/obj/spec_json.o" -lm -o "$dir/spec_run"
  # shellcheck disable=SC2086
  "$a-linux-gnu-gcc" -static $engine "$dir/obj/det_run.o" -lm -o "$dir/det_run"
  # shellcheck disable=SC2086
  "$a-linux-gnu-gcc" -static $engine "$dir/obj/main.o" "$dir/obj/cmd_wasm.o" "$dir/obj/files.o" -lm -o "$dir/teanode"
  echo "$a: built $dir/spec_run $dir/det_run $dir/teanode"
}

# The same engine-only teanode for this machine, to compare against.
native_teanode() {
  dir="$out/native"
  mkdir -p "$dir"
  # shellcheck disable=SC2046
  cc -std=c17 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -ffp-contract=off -fno-strict-aliasing -DTEA_ENGINE_ONLY \
    -I"$root/include" -I"$root/src" $(for s in $engine_srcs src/cli/main.c src/cli/cmd_wasm.c src/cli/files.c; do echo "$root/$s"; done) \
    -lm -o "$dir/teanode"
}

wasm_run() { # arch: TAP, one line per program (det builds the modules first)
  a=$1
  native_teanode || { echo "not ok 1 - $a wasm: the native engine-only teanode does not build"; return 1; }
  n=0
  bad=0
  for prog in hello nan checksum matmul; do
    n=$((n + 1))
    args=""
    [ "$prog" = matmul ] && args=1
    mod="$out/wasm/$prog.wasm"
    want=0
    # shellcheck disable=SC2086
    "$out/native/teanode" wasm run --deterministic "$mod" $args >"$out/native.out" 2>&1 || want=$?
    got=0
    # shellcheck disable=SC2086
    "qemu-$a" "$out/$a/teanode" wasm run --deterministic "$mod" $args >"$out/$a.out" 2>&1 || got=$?
    if [ -f "$mod" ] && [ "$got" = "$want" ] && cmp -s "$out/native.out" "$out/$a.out"; then
      echo "ok $n - $a: teanode wasm run $prog.wasm prints what it prints natively (exit $got)"
    else
      echo "not ok $n - $a: teanode wasm run $prog.wasm: exit $got (natively $want), or the output differs"
      bad=1
    fi
  done
  echo "1..$n"
  return $bad
}

spec() { # arch
  "qemu-$1" "$out/$1/spec_run" --known "$root/tests/spec/known_failures.txt" "$suite" \
    >"$out/spec-$1.log" 2>&1 || st=$?
  # the files that failed, if any, then the line scripts/test.sh counts
  grep -E ' [1-9][0-9]* failed' "$out/spec-$1.log" | grep -v -e '^total:' -e '^feature ' -e '^spec:' || true
  grep '^spec:' "$out/spec-$1.log" || tail -n 5 "$out/spec-$1.log"
  return "${st:-0}"
}

det() { # arch
  sh "$root/tests/determinism/run.sh" --wasm "$out/wasm" --tag "$1" "qemu-$1" "$out/$1/det_run"
}

if [ $# -eq 2 ]; then
  case $2 in
    build) build "$1" ;;
    spec) spec "$1" ;;
    det) det "$1" ;;
    wasm) wasm_run "$1" ;;
    replay) [ "$1" = aarch64 ] || { echo "cross.sh: replay is an aarch64 step" >&2; exit 2; }
            sh "$root/scripts/cross_node.sh" ;;
    *) echo "cross.sh: unknown step $2 (build, spec, det, wasm, replay)" >&2; exit 2 ;;
  esac
  exit $?
fi
[ $# -eq 0 ] || { echo "usage: scripts/cross.sh [ARCH STEP]" >&2; exit 2; }

status=0
mkdir -p "$out"
for a in ${ARCHS:-aarch64 riscv64 s390x}; do
  t0=$(date +%s)
  if build "$a" >"$out/$a.build.log" 2>&1; then
    t1=$(date +%s)
    spec "$a" >"$out/$a.spec.txt" 2>&1 || status=1
    t2=$(date +%s)
    det "$a" >"$out/$a.det.txt" 2>&1 || status=1
    wasm_run "$a" >>"$out/$a.det.txt" 2>&1 || status=1
    t3=$(date +%s)
    printf '%s: %s | determinism and wasm run: %s ok, %s not ok | build %ss, spec %ss, determinism %ss\n' "$a" \
      "$(grep '^spec:' "$out/$a.spec.txt" || echo 'spec: no result')" \
      "$(grep -c '^ok ' "$out/$a.det.txt")" "$(grep -c '^not ok ' "$out/$a.det.txt")" \
      $((t1 - t0)) $((t2 - t1)) $((t3 - t2))
    grep -h '^not ok ' "$out/$a.det.txt" || true
  else
    echo "$a: build failed:"
    tail -n 20 "$out/$a.build.log"
    status=1
  fi
done
case " ${ARCHS:-aarch64} " in
  *" aarch64 "*)
    t0=$(date +%s)
    sh "$root/scripts/cross_node.sh" "${BUILD:-build}" >"$out/node-aarch64.txt" 2>&1 || status=1
    printf 'aarch64 node: %s ok, %s not ok | %ss\n' "$(grep -c '^ok ' "$out/node-aarch64.txt")" \
      "$(grep -c '^not ok ' "$out/node-aarch64.txt")" $(($(date +%s) - t0))
    grep -h -A 20 '^not ok ' "$out/node-aarch64.txt" || true ;;
esac
exit $status
