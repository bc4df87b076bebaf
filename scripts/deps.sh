#!/bin/sh
# Installs the Debian 12 packages tea builds, tests and benchmarks with.
# Idempotent: does nothing when everything is already present.
set -e
PKGS="build-essential meson ninja-build pkg-config clang lld llvm libclang-rt-14-dev \
 libclang-rt-14-dev-wasm32 wasi-libc wabt libcmocka-dev libjansson-dev libsodium-dev nettle-dev libgmp-dev libssl-dev \
 libsqlite3-dev libmicrohttpd-dev libcurl4-openssl-dev libinih-dev nodejs valgrind \
 libtss2-dev swtpm swtpm-tools tpm2-tools etcd-server etcd-client curl wrk openssl \
 qemu-user gcc-aarch64-linux-gnu gcc-riscv64-linux-gnu gcc-s390x-linux-gnu \
 libc6-dev-arm64-cross libc6-dev-riscv64-cross libc6-dev-s390x-cross"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
# nodejs may come from outside Debian's packages (a node already on PATH is enough)
if command -v node >/dev/null 2>&1; then missing=$(echo "$missing" | sed 's/ nodejs//'); fi
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing
