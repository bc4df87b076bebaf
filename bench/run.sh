#!/usr/bin/env bash
# tea benchmark suite: runs each kernel in bench/kernels natively, under
# `teanode wasm run` and under Node's WebAssembly engine, checks that all three print
# the same checksum, and prints a table of median wall times, ratios and peak RSS,
# then start-up time (hello world), module load throughput (teanode wasm validate), the
# engine micro-benchmarks and the library's own figures (bench/core: hashing, ledger,
# trust, actor invocation).
#
#   bench/run.sh [--runs N] [--teanode PATH] [--out DIR] [--kernels a,b,...]
#                [--warmup N] [--timeout SECONDS] [--startup-runs N] [--big-funcs N]
#                [--require-teanode]
#
# See bench/README.md for how to read the output. Exit status: 0 when every engine
# that ran printed the expected output; 1 on any mismatch or failure; 2 on usage errors.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=5
WARMUP=1
TIMEOUT=300
STARTUP_RUNS=20
BIG_FUNCS=3000
TEANODE="$ROOT/build/src/cli/teanode"
OUT="$ROOT/build/bench"
KERNELS="coremark matmul dijkstra sha256 lz77 json sort stackvm blur blur_simd bytescan bytescan_simd"
REQUIRE_TEANODE=0

usage() {
  sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
abspath() { case "$1" in /*) printf '%s\n' "$1" ;; *) printf '%s/%s\n' "$(pwd)" "$1" ;; esac; }
posint() { case "$2" in '' | *[!0-9]*) echo "run.sh: $1 needs a positive integer" >&2; exit 2 ;; esac
  [ "$2" -ge 1 ] || { echo "run.sh: $1 needs a positive integer" >&2; exit 2; }; }

while [ $# -gt 0 ]; do
  case "$1" in
    --runs) [ $# -ge 2 ] || usage; posint "$1" "$2"; RUNS=$2; shift 2 ;;
    --warmup) [ $# -ge 2 ] || usage; case "$2" in '' | *[!0-9]*) usage ;; esac; WARMUP=$2; shift 2 ;;
    --timeout) [ $# -ge 2 ] || usage; posint "$1" "$2"; TIMEOUT=$2; shift 2 ;;
    --startup-runs) [ $# -ge 2 ] || usage; posint "$1" "$2"; STARTUP_RUNS=$2; shift 2 ;;
    --big-funcs) [ $# -ge 2 ] || usage; posint "$1" "$2"; BIG_FUNCS=$2; shift 2 ;;
    --teanode) [ $# -ge 2 ] || usage; TEANODE=$(abspath "$2"); shift 2 ;;
    --out) [ $# -ge 2 ] || usage; OUT=$(abspath "$2"); shift 2 ;;
    --kernels) [ $# -ge 2 ] || usage; KERNELS=$(printf '%s' "$2" | tr ',' ' '); shift 2 ;;
    --require-teanode) REQUIRE_TEANODE=1; shift ;;
    -h | --help) usage ;;
    *) echo "run.sh: unknown argument: $1" >&2; usage ;;
  esac
done

# A kernel named X_simd is X.c built for wasm with -msimd128 (its
# __wasm_simd128__ paths), next to the scalar build X of the same code; natively
# both are the same program.
ksrc() { printf '%s\n' "${1%_simd}"; }
for k in $KERNELS; do
  [ -f "$ROOT/bench/kernels/$(ksrc "$k").c" ] || { echo "run.sh: no kernel bench/kernels/$(ksrc "$k").c" >&2; exit 2; }
done

CC=${CC:-clang}            # native builds
WASM_CC=${WASM_CC:-clang}  # wasm32-wasi builds
if ! command -v "$CC" >/dev/null 2>&1 || ! command -v "$WASM_CC" >/dev/null 2>&1; then
  echo "run.sh: $CC not found; installing the project's dependencies" >&2
  sh "$ROOT/scripts/deps.sh"
fi
CFLAGS=(-std=c17 -O2 -Wall -Wextra -Werror)
WASMFLAGS=(--target=wasm32-wasi "-Wl,--strip-debug")

SRC="$ROOT/bench"
mkdir -p "$OUT/native" "$OUT/wasm" "$OUT/tools" "$OUT/out"

# ---------------------------------------------------------------- build
# newer OUT SRC...: true if OUT is missing or older than any SRC
newer() { o=$1; shift; [ -e "$o" ] || return 0; for s; do [ "$s" -nt "$o" ] && return 0; done; return 1; }

for t in timeit peakrss genbig; do
  if newer "$OUT/tools/$t" "$SRC/tools/$t.c"; then
    "$CC" "${CFLAGS[@]}" "$SRC/tools/$t.c" -o "$OUT/tools/$t"
  fi
done
TIMEIT="$OUT/tools/timeit"

echo "building kernels (native: $CC -O2, wasm32-wasi: $WASM_CC -O2) into $OUT" >&2
for k in hello $KERNELS; do
  s="$SRC/kernels/$(ksrc "$k").c"
  simd=()
  case "$k" in *_simd) simd=(-msimd128) ;; esac
  if newer "$OUT/native/$k" "$s" "$SRC/kernels/common.h"; then
    "$CC" "${CFLAGS[@]}" "$s" -o "$OUT/native/$k"
  fi
  if newer "$OUT/wasm/$k.wasm" "$s" "$SRC/kernels/common.h"; then
    "$WASM_CC" "${CFLAGS[@]}" "${WASMFLAGS[@]}" ${simd[@]+"${simd[@]}"} "$s" -o "$OUT/wasm/$k.wasm"
  fi
done

BIG_C="$OUT/big-$BIG_FUNCS.c"
BIG="$OUT/wasm/big-$BIG_FUNCS.wasm"
if newer "$BIG_C" "$OUT/tools/genbig"; then
  "$OUT/tools/genbig" gen "$BIG_FUNCS" >"$BIG_C.tmp" && mv "$BIG_C.tmp" "$BIG_C"
fi
if newer "$BIG" "$BIG_C"; then
  echo "building the large module ($BIG_FUNCS functions, -O0)" >&2
  # -O0 keeps every function large and distinct and compiles in seconds.
  "$WASM_CC" -std=c17 -O0 -Wall -Wextra -Werror "${WASMFLAGS[@]}" "$BIG_C" -o "$BIG"
fi

# ---------------------------------------------------------------- engines
STATUS=0
FAILURES=""
fail() { echo "run.sh: ERROR: $*" >&2; STATUS=1; FAILURES="$FAILURES
  $*"; }

NODE_OK=0
NODE_NOTE=""
if command -v node >/dev/null 2>&1; then
  nmaj=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if [ "$nmaj" -ge 20 ]; then NODE_OK=1; NODE_NOTE="node $(node --version)"
  else NODE_NOTE="node $(node --version) is too old (need 20+ for node:wasi preview1)"; fi
else
  NODE_NOTE="node not found"
fi
[ $NODE_OK = 1 ] || echo "run.sh: warning: $NODE_NOTE; the node column is skipped" >&2
NODE_CMD=(node --no-warnings "$SRC/node_wasi.mjs")

# The teanode column: "missing" when not built, "n/a" when it cannot run hello.wasm.
TEA_OK=0
TEA_MARK="missing"
TEA_NOTE="$TEANODE not built"
if [ -x "$TEANODE" ]; then
  "$TIMEIT" -n 1 -t 60 -o "$OUT/out/probe" -- "$TEANODE" wasm run "$OUT/wasm/hello.wasm" >"$OUT/out/probe.txt"
  "$OUT/native/hello" >"$OUT/out/hello.expected"
  if grep -q 'status=ok' "$OUT/out/probe.txt" && cmp -s "$OUT/out/probe.0.out" "$OUT/out/hello.expected"; then
    TEA_OK=1
    TEA_NOTE="$TEANODE"
  else
    TEA_MARK="n/a"
    why=$(sed -n 's/.*status=\([^ ]*\).*/\1/p' "$OUT/out/probe.txt")
    first=$(head -n 1 "$OUT/out/probe.0.err" 2>/dev/null || true)
    TEA_NOTE="teanode cannot run hello.wasm yet (status $why${first:+: $first})"
  fi
fi
if [ $TEA_OK = 0 ]; then
  echo "run.sh: warning: $TEA_NOTE; the teanode column is skipped" >&2
  [ $REQUIRE_TEANODE = 0 ] || fail "--require-teanode given"
fi

# field NAME LINE: value of NAME= in a timeit result line
field() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else printf "-" }'; }
ms() { awk -v a="$1" 'BEGIN { printf (a >= 100 ? "%.0f" : "%.1f"), a }'; }
mib() { awk -v a="$1" 'BEGIN { printf "%.1f", a / 1024 }'; }

# run_set NAME NRUNS NWARMUP: times the native, teanode and node commands for a wasm
# module NAME interleaved, checks the outputs, sets N_MS T_MS J_MS (median ms or a
# marker), N_RSS T_RSS J_RSS (KiB or "-").
run_set() {
  name=$1 nr=$2 nw=$3
  prefix="$OUT/out/$name"
  set -- "$OUT/native/$name"
  idx_t=-1 idx_j=-1 n=1
  if [ $TEA_OK = 1 ]; then set -- "$@" ::: "$TEANODE" wasm run "$OUT/wasm/$name.wasm"; idx_t=$n; n=$((n + 1)); fi
  if [ $NODE_OK = 1 ]; then set -- "$@" ::: "${NODE_CMD[@]}" "$OUT/wasm/$name.wasm"; idx_j=$n; n=$((n + 1)); fi
  rm -f "$prefix".*
  "$TIMEIT" -n "$nr" -w "$nw" -t "$TIMEOUT" -o "$prefix" -- "$@" >"$prefix.timeit"
  N_MS="-" T_MS="$TEA_MARK" J_MS="-" N_RSS="-" T_RSS="-" J_RSS="-"
  [ $NODE_OK = 1 ] || J_MS="missing"
  line=$(grep '^cmd=0 ' "$prefix.timeit")
  if [ "$(field status "$line")" != ok ]; then
    fail "$name: native run failed ($(field status "$line")); see $prefix.0.err"
    N_MS="FAIL"
    return
  fi
  N_MS=$(field median_ms "$line") N_RSS=$(field maxrss_kib "$line")
  for e in t j; do
    if [ $e = t ]; then i=$idx_t label=teanode; else i=$idx_j label=node; fi
    [ "$i" -ge 0 ] || continue
    line=$(grep "^cmd=$i " "$prefix.timeit")
    st=$(field status "$line")
    if [ "$st" != ok ]; then
      fail "$name: $label run failed ($st); see $prefix.$i.err"
      v="FAIL" r="-"
    elif ! cmp -s "$prefix.0.out" "$prefix.$i.out"; then
      echo "run.sh: MISMATCH: $name: native and $label print different output" >&2
      echo "  native:  $(head -c 300 "$prefix.0.out")" >&2
      echo "  $label: $(head -c 300 "$prefix.$i.out")" >&2
      STATUS=1
      FAILURES="$FAILURES
  $name: MISMATCH between native and $label (outputs in $prefix.0.out and $prefix.$i.out)"
      v="MISMATCH" r="-"
    else
      v=$(field median_ms "$line") r=$(field maxrss_kib "$line")
    fi
    if [ $e = t ]; then T_MS=$v T_RSS=$r; else J_MS=$v J_RSS=$r; fi
  done
}

isnum() { case "$1" in '' | *[!0-9.]*) return 1 ;; esac; return 0; }
fmt_ms() { if isnum "$1"; then ms "$1"; else printf '%s' "$1"; fi; }
with_ms() { if isnum "$1"; then printf '%s ms' "$(ms "$1")"; else printf '%s' "$1"; fi; }
fmt_rss() { if isnum "$1"; then mib "$1"; else printf '%s' "$1"; fi; }

TSV="$OUT/results.tsv"
TXT="$OUT/results.txt"
printf 'kernel\tnative_ms\tteanode_ms\tnode_ms\tteanode_native\tteanode_node\tnode_native\tnative_rss_kib\tteanode_rss_kib\tnode_rss_kib\n' >"$TSV"

{
  echo "tea benchmarks, $(date -u +%Y-%m-%d) on $(uname -m), $(nproc 2>/dev/null || echo '?') CPUs; $RUNS runs (+$WARMUP warm-up) interleaved, medians"
  echo "native: $CC -O2; teanode: $TEA_NOTE; node: $NODE_NOTE"
  echo
} | tee "$TXT"

HDR=$(printf '%-14s %10s %11s %9s %11s %10s %11s  %s' kernel "native ms" "teanode ms" "node ms" \
  "tea/native" "tea/node" "node/native" "peak RSS MiB native/tea/node")
echo "$HDR" | tee -a "$TXT"
echo "$HDR" | sed 's/./-/g' | tee -a "$TXT"

for k in $KERNELS; do
  run_set "$k" "$RUNS" "$WARMUP"
  r_tn="-" r_tj="-" r_jn="-"
  if isnum "$N_MS" && isnum "$T_MS"; then r_tn=$(ratio "$T_MS" "$N_MS"); fi
  if isnum "$J_MS" && isnum "$T_MS"; then r_tj=$(ratio "$T_MS" "$J_MS"); fi
  if isnum "$N_MS" && isnum "$J_MS"; then r_jn=$(ratio "$J_MS" "$N_MS"); fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$k" "$N_MS" "$T_MS" "$J_MS" "$r_tn" "$r_tj" "$r_jn" \
    "$N_RSS" "$T_RSS" "$J_RSS" >>"$TSV"
  printf '%-14s %10s %11s %9s %11s %10s %11s  %s/%s/%s\n' "$k" "$(fmt_ms "$N_MS")" "$(fmt_ms "$T_MS")" \
    "$(fmt_ms "$J_MS")" "$r_tn" "$r_tj" "$r_jn" "$(fmt_rss "$N_RSS")" "$(fmt_rss "$T_RSS")" \
    "$(fmt_rss "$J_RSS")" | tee -a "$TXT"
done

# geometric means over the kernels where the ratio exists
geo() {
  awk -F '\t' -v c="$1" 'NR > 1 && $c ~ /^[0-9.]+$/ && $c > 0 { s += log($c); n++ }
    END { if (n) printf "%.2f", exp(s / n); else printf "-" }' "$TSV"
}
echo "$HDR" | sed 's/./-/g' | tee -a "$TXT"
printf '%-14s %10s %11s %9s %11s %10s %11s\n' "geomean" "" "" "" "$(geo 5)" "$(geo 6)" "$(geo 7)" | tee -a "$TXT"

# ---------------------------------------------------------------- start-up
run_set hello "$STARTUP_RUNS" 2
{
  echo
  printf 'start-up (hello world, median of %s): native %s, teanode %s, node %s\n' "$STARTUP_RUNS" \
    "$(with_ms "$N_MS")" "$(with_ms "$T_MS")" "$(with_ms "$J_MS")"
} | tee -a "$TXT"
printf 'startup-hello\t%s\t%s\t%s\t\t\t\t%s\t%s\t%s\n' "$N_MS" "$T_MS" "$J_MS" "$N_RSS" "$T_RSS" "$J_RSS" >>"$TSV"

# ---------------------------------------------------------------- load throughput
cs=$("$OUT/tools/genbig" codesize "$BIG")
code_bytes=$(field code_bytes "$cs")
total_bytes=$(field total_bytes "$cs")
i=0 idx_t=-1 idx_j=-1
set --
if [ $TEA_OK = 1 ]; then set -- "$TEANODE" wasm validate "$BIG"; idx_t=$i; i=$((i + 1)); fi
if [ $NODE_OK = 1 ]; then [ $# -eq 0 ] || set -- "$@" :::; set -- "$@" "${NODE_CMD[@]}" --validate "$BIG"; idx_j=$i; fi
T_LOAD="$TEA_MARK" J_LOAD="missing"
if [ $# -gt 0 ]; then
  "$TIMEIT" -n "$RUNS" -w 1 -t "$TIMEOUT" -o "$OUT/out/big" -- "$@" >"$OUT/out/big.timeit"
  if [ $idx_t -ge 0 ]; then
    line=$(grep "^cmd=$idx_t " "$OUT/out/big.timeit")
    st=$(field status "$line")
    if [ "$st" = ok ]; then T_LOAD=$(field median_ms "$line")
    else
      T_LOAD="n/a ($st)"
      echo "run.sh: warning: teanode wasm validate failed ($st); see $OUT/out/big.$idx_t.err" >&2
    fi
  fi
  if [ $idx_j -ge 0 ]; then
    line=$(grep "^cmd=$idx_j " "$OUT/out/big.timeit")
    st=$(field status "$line")
    if [ "$st" = ok ]; then J_LOAD=$(field median_ms "$line"); else fail "node could not compile $BIG ($st)"; J_LOAD="FAIL"; fi
  fi
fi
mbps() { if isnum "$1"; then awk -v b="$code_bytes" -v t="$1" 'BEGIN { printf "%.1f MB/s", b / 1e6 / (t / 1e3) }'; else printf -- '-'; fi; }
{
  printf 'load (%s: %s functions, code section %s bytes of %s), median of %s:\n' "$(basename "$BIG")" \
    "$BIG_FUNCS" "$code_bytes" "$total_bytes" "$RUNS"
  printf '  teanode wasm validate: %s, %s of code\n' "$(with_ms "$T_LOAD")" "$(mbps "$T_LOAD")"
  printf '  node compile (incl. its start-up): %s, %s of code\n' "$(with_ms "$J_LOAD")" "$(mbps "$J_LOAD")"
} | tee -a "$TXT"
printf 'load-validate\t\t%s\t%s\t\t\t\t\t\t\n' "$T_LOAD" "$J_LOAD" >>"$TSV"

# ---------------------------------------------------------------- in-process micro-benchmarks
# tea_micro sits in the same build as teanode (build/bench/micro/tea_micro).
MICRO_DIR="$(dirname "$(dirname "$(dirname "$TEANODE")")")/bench/micro"
if [ -x "$MICRO_DIR/tea_micro" ] && [ -f "$MICRO_DIR/micro.wasm" ]; then
  {
    echo
    echo "engine micro-benchmarks (in process, medians):"
    "$MICRO_DIR/tea_micro" "$MICRO_DIR/micro.wasm" "$BIG" | sed 's/^/  /'
  } | tee -a "$TXT"
else
  echo "run.sh: note: $MICRO_DIR/tea_micro not built; skipping micro-benchmarks" >&2
fi

# ---------------------------------------------------------------- library figures
# tea_bench_core (bench/core/core.c) sits in the same build too: hashing and CIDs, the
# ledger, the trust layer and actor invocations, one line per figure, printed as each is
# measured (about 20 s). Its stderr goes to OUT/out/core.err.
CORE="$(dirname "$(dirname "$(dirname "$TEANODE")")")/bench/core/tea_bench_core"
if [ -x "$CORE" ]; then
  { echo; echo "library benchmarks (in process, medians; bench/core/core.c):"; } | tee -a "$TXT"
  "$CORE" 2>"$OUT/out/core.err" | sed -u 's/^/  /' | tee -a "$TXT"
  [ "${PIPESTATUS[0]}" = 0 ] || fail "tea_bench_core: a figure could not be measured (its line above says FAILED or NOT MEASURED; stderr in $OUT/out/core.err)"
else
  echo "run.sh: note: $CORE not built; skipping library benchmarks" >&2
fi

echo
echo "results: $TXT and $TSV; outputs and stderr of every run under $OUT/out/" >&2
if [ $STATUS != 0 ]; then
  echo "run.sh: FAILED: some engine failed or printed a different checksum:$FAILURES" >&2
fi
exit $STATUS
