#!/bin/sh
# make demo: what tea can show today. Builds a C program for wasm32-wasi,
# runs it in tea's own WebAssembly engine through `teanode wasm run`, and
# prints its content identifier (the CID an IPFS node would give it).
# The full node demo (a local network, an actor, a verified receipt) grows
# here as the node comes together (see docs/NOTES.md).
set -eu
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
teanode="$build/src/cli/teanode"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== building examples for wasm32-wasi with clang"
clang --target=wasm32-wasi -O2 -o "$work/hello.wasm" "$root/tests/wasi/hello.c"
clang --target=wasm32-wasi -O2 -o "$work/checksum.wasm" "$root/tests/wasi/checksum.c"

echo "== teanode wasm run hello.wasm"
"$teanode" wasm run "$work/hello.wasm"

echo "== teanode wasm run --fuel 100000000 --deterministic checksum.wasm"
"$teanode" wasm run --fuel 100000000 --deterministic "$work/checksum.wasm"

echo "== a hostile loop is stopped by fuel"
cat > "$work/spin.wat" <<'WAT'
(module (func (export "spin") (loop (br 0))))
WAT
wat2wasm "$work/spin.wat" -o "$work/spin.wasm"
if "$teanode" wasm run --fuel 1000000 --invoke spin "$work/spin.wasm"; then
  echo "demo: the infinite loop was not stopped" >&2
  exit 1
fi
echo "(trapped as expected)"
echo "demo: ok"
