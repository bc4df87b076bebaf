#!/bin/sh
# The determinism check: a fixed set of WASI programs (floating point
# included) and actor operations, each run by det_run with a fixed fuel
# budget; the SHA-256 of what it printed, the fuel it used and how it ended
# must equal the values recorded on x86-64 in expected.txt, on every CPU.
#   tests/determinism/run.sh [--record] [--wasm DIR] [--tag NAME] RUNNER...
# RUNNER is the command that runs det_run, e.g. build/tests/determinism/det_run
# or "qemu-s390x build-cross/det_run-s390x". The wasm inputs are compiled
# into DIR (default: a temporary folder) with clang --target=wasm32-wasi;
# they depend on Debian 12's clang 14 and wasi-libc, so the fuel recorded is
# that toolchain's. --record rewrites expected.txt (on x86-64 only).
# Prints one TAP line per entry, labelled with --tag.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
record=0
wasm=""
tag=""
while [ $# -gt 0 ]; do
  case $1 in
    --record) record=1; shift ;;
    --wasm) wasm=$2; shift 2 ;;
    --tag) tag="$2 "; shift 2 ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { echo "usage: $0 [--record] [--wasm DIR] [--tag NAME] RUNNER..." >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -n "$wasm" ] || wasm="$work/wasm"
mkdir -p "$wasm"

# name | fuel budget (0: det_run's default) | det_run arguments (kind, module, ...)
# stackvm's budget is short on purpose: where a run stops for fuel must not
# depend on the CPU either.
entries='matmul|0|wasi matmul.wasm 1
blur|0|wasi blur.wasm 1
checksum|0|wasi checksum.wasm
nan|0|wasi nan.wasm
sha256|0|wasi sha256.wasm 1
json|0|wasi json.wasm 1
lz77|0|wasi lz77.wasm 1
dijkstra|0|wasi dijkstra.wasm 1
bytescan|0|wasi bytescan.wasm 1
coremark|0|wasi coremark.wasm 20
hello|0|wasi hello.wasm
stackvm-out-of-fuel|50000000|wasi stackvm.wasm 1
actor-hello|0|actor actor_hello.wasm hello @hello.in
actor-wordcount|0|actor actor_wordcount.wasm count @words.txt
actor-aggregate|0|actor actor_aggregate.wasm summarize @cid.in @prices.csv'

build() { # output, clang arguments...
  out=$1
  shift
  if [ -s "$wasm/$out" ]; then # up to date unless a source changed since
    fresh=1
    for f in "$@" "$root/bench/kernels/common.h" "$root/include/tea/actor.h"; do
      case $f in /*) [ "$f" -nt "$wasm/$out" ] && fresh=0 ;; esac
    done
    [ "$fresh" = 1 ] && return 0
  fi
  clang --target=wasm32-wasi -O2 -Wall -Wextra -Werror "$@" -o "$wasm/$out.tmp" &&
    mv "$wasm/$out.tmp" "$wasm/$out"
}
command -v clang >/dev/null || { echo "not ok 1 - ${tag}determinism: clang is missing (scripts/deps.sh)"; exit 1; }
for k in matmul blur sha256 json lz77 dijkstra bytescan coremark hello stackvm; do
  build "$k.wasm" "$root/bench/kernels/$k.c" || exit 1
done
build checksum.wasm "$root/tests/wasi/checksum.c" || exit 1
build nan.wasm "$here/nan.c" || exit 1
for a in hello wordcount aggregate; do
  build "actor_$a.wasm" -mexec-model=reactor -Wl,--strip-debug -I"$root/include" \
    "$root/actors/$a.c" "$root/actors/sdk/actor.c" || exit 1
done

expected="$here/expected.txt"
got="$work/got.txt"
runner="$*" # split again below: RUNNER's words must not contain blanks
echo "$entries" | while IFS='|' read -r name fuel args; do
  # shellcheck disable=SC2086
  set -- $args
  kind=$1
  module="$wasm/$2"
  shift 2
  argv=""
  for a in "$@"; do
    case $a in @*) a="$here/${a#@}" ;; esac
    argv="$argv $a"
  done
  budget=""
  [ "$fuel" = 0 ] || budget="--fuel $fuel"
  # shellcheck disable=SC2086
  $runner $budget "$kind" "$module" $argv >"$work/out" 2>"$work/err"
  sum=$(sha256sum <"$work/out" | cut -d' ' -f1)
  echo "$name $sum $(tail -n 1 "$work/err")"
done >"$got"

if [ "$record" = 1 ]; then
  [ "$(uname -m)" = x86_64 ] || { echo "run.sh --record: record on x86-64 only" >&2; exit 2; }
  { echo "# tests/determinism/run.sh --record: NAME SHA256-OF-OUTPUT fuel=USED status=END (x86-64)"
    cat "$got"; } >"$expected"
  cat "$got"
  exit 0
fi

# One TAP line per entry, in the order of expected.txt; an entry missing from
# either side fails.
n=0
status=0
grep -v '^#' "$expected" | {
  while read -r name want; do
    n=$((n + 1))
    have=$(grep "^$name " "$got" | cut -d' ' -f2-)
    if [ "$have" = "$want" ]; then
      echo "ok $n - ${tag}$name $have"
    else
      echo "not ok $n - ${tag}$name: expected '$want', got '${have:-nothing}'"
      status=1
    fi
  done
  extra=$(cut -d' ' -f1 "$got" | while read -r name; do grep -q "^$name " "$expected" || echo "$name"; done)
  if [ -n "$extra" ]; then
    n=$((n + 1))
    echo "not ok $n - ${tag}entries missing from expected.txt (run --record on x86-64):" $extra
    status=1
  fi
  echo "1..$n"
  exit $status
}
