#!/bin/sh
# make fuzz: builds every libFuzzer target in tests/fuzz with clang (ASan +
# UBSan) and runs each for SECONDS (default 60) on its corpus. The library is
# compiled once (-fsanitize=fuzzer-no-link) into an archive; only the targets
# get -fsanitize=fuzzer. A finding stops nothing else but makes the run fail,
# and leaves the crashing input in build-fuzz/.
set -eu
seconds=${1:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/build-fuzz"
obj="$out/obj"
mkdir -p "$obj"
sh "$root/scripts/deps.sh"
flags="-g -O1 -std=c17 -D_GNU_SOURCE -ffp-contract=off -I$root/include -I$root/src \
  $(pkg-config --cflags libcurl tss2-esys jansson libsodium)"
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
libs="-lm -ldl -lpthread $(pkg-config --libs hogweed nettle gmp libsodium jansson sqlite3)"

echo "== the library (once)"
# an object is rebuilt when its source changed, or when any header did (a header
# that changes a struct's size must not leave objects compiled against the old one)
stamp="$obj/.headers"
if [ ! -f "$stamp" ] || [ -n "$(find "$root/include" "$root/src" -name '*.h' -newer "$stamp" | head -n 1)" ]; then
  rm -f "$obj"/*.o
  touch "$stamp"
fi
objs=""
for src in "$root"/src/base/*.c "$root"/src/wasm/*.c "$root"/src/cas/*.c "$root"/src/trust/*.c \
           "$root"/src/ledger/*.c "$root"/src/host/*.c "$root"/src/providers/*.c; do
  o="$obj/$(basename "$(dirname "$src")")_$(basename "$src" .c).o"
  if [ ! -f "$o" ] || [ "$src" -nt "$o" ]; then
    # shellcheck disable=SC2086
    clang $flags $san -fsanitize=fuzzer-no-link -c "$src" -o "$o"
  fi
  objs="$objs $o"
done
rm -f "$out/libtea-fuzz.a"
# shellcheck disable=SC2086
ar rcs "$out/libtea-fuzz.a" $objs

status=0
for target in "$root"/tests/fuzz/fuzz_*.c; do
  name=$(basename "$target" .c)
  corpus_name=${name#fuzz_}
  exe="$out/$name"
  echo "== $name"
  # shellcheck disable=SC2086
  clang $flags $san -fsanitize=fuzzer "$target" "$out/libtea-fuzz.a" $libs -o "$exe"
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
