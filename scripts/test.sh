#!/bin/sh
# Runs every test program of both builds (release, then ASan+UBSan) and
# prints one closing line "N passed, N failed" for CI.
# Usage: scripts/test.sh BUILD_DIR [ASAN_BUILD_DIR]
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
spec_dir="$root/../shared/wasm-spec"
passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# count TAP lines ("ok N", "not ok N") from a test program's output
count_tap() {
  p=$(grep -c '^ok ' "$log")
  f=$(grep -c '^not ok ' "$log")
  passed=$((passed + p))
  failed=$((failed + f))
}

run() { # name, command...
  name=$1
  shift
  if "$@" >"$log" 2>&1; then status=0; else status=$?; fi
  count_tap
  if [ "$status" -ne 0 ] && ! grep -q '^not ok ' "$log"; then
    # a crash or a harness error without a TAP failure line still fails
    failed=$((failed + 1))
    echo "FAIL $name (exit $status)"
    tail -n 20 "$log"
  elif grep -q '^not ok ' "$log"; then
    echo "FAIL $name"
    grep '^not ok ' "$log" | head -n 20
  else
    echo "ok   $name"
  fi
}

for build in "$@"; do
  [ -d "$build" ] || { echo "missing build dir $build"; failed=$((failed + 1)); continue; }
  echo "== $build"
  for t in "$build"/tests/unit/test_*; do
    [ -x "$t" ] || continue
    run "$(basename "$t")" env CMOCKA_MESSAGE_OUTPUT=TAP "$t"
  done
  if [ -x "$build/tests/spec/spec_run" ]; then
    run spec "$build/tests/spec/spec_run" --tap --known "$root/tests/spec/known_failures.txt" "$spec_dir"
    grep '^spec:' "$log"
  fi
  if [ -x "$root/tests/wasi/run.sh" ] && [ -x "$build/src/cli/teanode" ]; then
    run wasi sh "$root/tests/wasi/run.sh" "$build"
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
