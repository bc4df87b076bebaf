#!/bin/sh
# make fuzz: builds every libFuzzer target in tests/fuzz with clang
# (ASan + UBSan) and runs each for SECONDS (default 60) on its corpus.
# A finding stops the run and leaves the crashing input in build-fuzz/.
set -eu
seconds=${1:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/build-fuzz"
mkdir -p "$out"
lib_srcs=$(ls "$root"/src/base/*.c "$root"/src/wasm/*.c "$root"/src/cas/*.c "$root"/src/trust/*.c "$root"/src/ledger/*.c 2>/dev/null)
# the trust layer links libsodium, jansson and the TPM software stack
libs="-lcrypto -lm $(pkg-config --libs libsodium jansson libcurl tss2-esys tss2-tctildr tss2-rc)"
flags="-g -O1 -std=c17 -D_GNU_SOURCE -ffp-contract=off -I$root/include -I$root/src"
status=0
for target in "$root"/tests/fuzz/fuzz_*.c; do
  name=$(basename "$target" .c)
  corpus_name=${name#fuzz_}
  exe="$out/$name"
  echo "== $name"
  # shellcheck disable=SC2086
  clang $flags -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    "$target" $lib_srcs $libs -o "$exe"
  corpus="$out/corpus-$corpus_name"
  mkdir -p "$corpus"
  seeds="$root/tests/fuzz/corpus/$corpus_name"
  [ -d "$seeds" ] || seeds=""
  if ! (cd "$out" && "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
        -print_final_stats=1 "$corpus" $seeds 2>"$out/$name.log"); then
    echo "FINDING in $name: see $out/$name.log"
    tail -n 30 "$out/$name.log"
    status=1
  fi
  grep -E 'stat::number_of_executed_units|Done' "$out/$name.log" | tail -n 2
done
exit $status
