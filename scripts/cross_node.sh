#!/bin/sh
# The whole node for arm64, and a receipt made on x86-64 replayed there:
# builds teanode for aarch64 with meson (scripts/cross/aarch64.ini) against
# Debian's multiarch :arm64 -dev packages, starts a one-node network with the
# native teanode, calls hello with --receipt --transcript, and runs
# `teanode verify --replay` with the aarch64 binary under qemu-aarch64.
#   scripts/cross_node.sh [NATIVE_BUILD_DIR]     (default: build)
# Prints TAP lines. Installs what it needs.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
native=${1:-$root/build}
case $native in /*) ;; *) native="$root/$native" ;; esac
out="$root/build-cross/node-aarch64"
n=0
status=0
ok() { n=$((n + 1)); echo "ok $n - aarch64 node: $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - aarch64 node: $1"; status=1; }
finish() { echo "1..$n"; exit $status; }

pkgs="gcc-aarch64-linux-gnu qemu-user libsodium-dev:arm64 nettle-dev:arm64 libgmp-dev:arm64 libjansson-dev:arm64
  libsqlite3-dev:arm64 libinih-dev:arm64 libcurl4-openssl-dev:arm64 libmicrohttpd-dev:arm64
  libtss2-dev:arm64 libcmocka-dev:arm64"
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  dpkg --print-foreign-architectures | grep -qx arm64 || $SUDO dpkg --add-architecture arm64
  # shellcheck disable=SC2086
  { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends $missing; } >/dev/null 2>&1 ||
    { not_ok "installing$missing failed"; finish; }
fi

TN="$native/src/cli/teanode"
[ -x "$TN" ] && [ -f "$native/actors/hello.wasm" ] || { not_ok "no native build in $native (make first)"; finish; }
if [ ! -f "$out/build.ninja" ]; then
  meson setup "$out" --cross-file "$root/scripts/cross/aarch64.ini" --buildtype=release \
    >"$root/build-cross/node-aarch64.log" 2>&1 || { not_ok "meson setup failed"; tail -n 20 "$root/build-cross/node-aarch64.log" | sed 's/^/# /'; finish; }
fi
if ninja -C "$out" -j2 src/cli/teanode >>"$root/build-cross/node-aarch64.log" 2>&1 &&
    file "$out/src/cli/teanode" | grep -q 'ARM aarch64'; then
  ok "teanode builds for arm64 with the multiarch :arm64 packages"
else
  not_ok "teanode does not build for arm64"
  tail -n 20 "$root/build-cross/node-aarch64.log" | sed 's/^/# /'
  finish
fi
ARM="qemu-aarch64 $out/src/cli/teanode"

work=$(mktemp -d /tmp/tea-cross-node.XXXXXX)
pid=""
stop_node() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; pid=""; }
trap 'stop_node; rm -rf "$work"' EXIT INT TERM
cd "$work" || exit 1
port=$((32100 + ($$ + 7919) % 500)) # below the ephemeral range (32768 on)
url="http://127.0.0.1:$port"
export ACTORS="$native/actors" # one_node_network reads it
# shellcheck disable=SC1091
. "$root/scripts/lib/one_node.sh"
one_node_network node "$port" >setup.log 2>&1 || { not_ok "one-node network setup failed"; finish; }
"$TN" run --state node >node.log 2>&1 &
pid=$!
for _ in $(seq 200); do curl -sf "$url/v1/status" >/dev/null 2>&1 && break; sleep 0.1; done
printf 'arm64' >in.txt
if "$TN" call --node "$url" --ledger client.log --input in.txt --receipt r.cbor --transcript t.cbor \
    hello hello >call.txt 2>&1 && grep -qx 'Hello, arm64!' call.txt; then
  ok "an x86-64 node answers hello with a receipt and a transcript"
else
  not_ok "the x86-64 call failed"
  sed 's/^/# /' call.txt node.log | tail -n 20
  finish
fi
stop_node

# shellcheck disable=SC2086
if $ARM verify r.cbor --ledger ledger --input in.txt --replay --code hello.wasm --transcript t.cbor \
    >v.txt 2>&1 && grep -q 'replay *pass' v.txt; then
  ok "teanode verify --replay on aarch64 reproduces the x86-64 receipt"
else
  not_ok "replay on aarch64 failed"
  sed 's/^/# /' v.txt
fi
# The same verdicts as the native verifier, line for line.
"$TN" verify r.cbor --ledger ledger --input in.txt --replay --code hello.wasm --transcript t.cbor >vn.txt 2>&1
if cmp -s v.txt vn.txt; then
  ok "its report is identical to the x86-64 verifier's"
else
  not_ok "aarch64 and x86-64 verifiers disagree"
  diff vn.txt v.txt | sed 's/^/# /'
fi
# A transcript with one byte changed must fail there too.
cp t.cbor t2.cbor
printf 'X' | dd of=t2.cbor bs=1 seek=$(($(wc -c <t.cbor) - 2)) conv=notrunc 2>/dev/null
# shellcheck disable=SC2086
if ! $ARM verify r.cbor --ledger ledger --input in.txt --replay --code hello.wasm --transcript t2.cbor \
    >v2.txt 2>&1; then
  ok "a changed transcript fails the replay on aarch64"
else
  not_ok "a changed transcript passed on aarch64"
  sed 's/^/# /' v2.txt
fi
finish
