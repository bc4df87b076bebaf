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

# count TAP lines ("ok N", "not ok N") from a test program's output, and the
# spec harness's closing line ("spec: P passed, F failed, ...")
count_tap() {
  p=$(grep -c '^ok ' "$log")
  f=$(grep -c '^not ok ' "$log")
  if spec=$(grep '^spec: ' "$log"); then
    p=$(echo "$spec" | sed -n 's/^spec: \([0-9]*\) passed.*/\1/p')
    f=$(echo "$spec" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
  fi
  passed=$((passed + p))
  failed=$((failed + f))
}

run() { # name, command...
  name=$1
  shift
  if "$@" >"$log" 2>&1; then status=0; else status=$?; fi
  count_tap
  if [ "$status" -ne 0 ] && ! grep -q '^not ok ' "$log" && ! grep -q '^spec: ' "$log"; then
    # a crash or a harness error without a TAP failure line still fails
    failed=$((failed + 1))
    echo "FAIL $name (exit $status)"
    tail -n 20 "$log"
  elif [ "$status" -ne 0 ] || grep -q '^not ok ' "$log"; then
    echo "FAIL $name"
    grep -E '^not ok |FAIL' "$log" | head -n 20
  else
    echo "ok   $name"
  fi
}

for build in "$@"; do
  [ -d "$build" ] || { echo "missing build dir $build"; failed=$((failed + 1)); continue; }
  echo "== $build"
  for t in "$build"/tests/unit/test_*; do
    [ -f "$t" ] && [ -x "$t" ] || continue
    run "$(basename "$t")" env CMOCKA_MESSAGE_OUTPUT=TAP "$t"
  done
  if [ -x "$build/tests/spec/spec_run" ]; then
    run spec "$build/tests/spec/spec_run" --known "$root/tests/spec/known_failures.txt" "$spec_dir"
    grep '^spec:' "$log"
    # the same suite through the interpreter copy that tracks writes
    run spec-track-writes "$build/tests/spec/spec_run" --track-writes \
      --known "$root/tests/spec/known_failures.txt" "$spec_dir"
    grep '^spec:' "$log"
  else
    echo "FAIL spec: $build/tests/spec/spec_run was not built"
    failed=$((failed + 1))
  fi
  if [ -x "$build/tests/spec/spec_run_switch" ]; then
    run spec-switch-dispatch "$build/tests/spec/spec_run_switch" --known "$root/tests/spec/known_failures.txt" "$spec_dir"
    grep '^spec:' "$log"
  fi
  if [ -x "$build/tests/spec/spec_run_simd_portable" ]; then
    run spec-simd-portable "$build/tests/spec/spec_run_simd_portable" --known "$root/tests/spec/known_failures.txt" "$spec_dir"
    grep '^spec:' "$log"
  fi
  # the determinism set on this CPU: output hashes and fuel recorded on x86-64
  if [ -x "$build/tests/determinism/det_run" ]; then
    run determinism sh "$root/tests/determinism/run.sh" --wasm "$build/tests/determinism/wasm" \
      "$build/tests/determinism/det_run"
  else
    echo "FAIL determinism: $build/tests/determinism/det_run was not built"
    failed=$((failed + 1))
  fi
  if [ -x "$root/tests/wasi/run.sh" ] && [ -x "$build/src/cli/teanode" ]; then
    run wasi sh "$root/tests/wasi/run.sh" "$build"
  fi
  if [ -x "$build/src/cli/teanode" ]; then
    for t in crash_test cli_test etcd_test; do
      run "ledger_$t" sh "$root/tests/ledger/$t.sh" "$build"
    done
    run e2e sh "$root/tests/e2e/run.sh" "$build"
    run e2e-etcd sh "$root/tests/e2e/etcd_network.sh" "$build"
    run e2e-failover sh "$root/tests/e2e/failover.sh" "$build"
    run e2e-proposals sh "$root/tests/e2e/proposals.sh" "$build"
    run e2e-swtpm sh "$root/tests/e2e/swtpm.sh" "$build"
    run bench-tools sh "$root/tests/e2e/bench_tools.sh" "$build"
  fi
done
# Other CPUs under qemu-user (docs/portability.md): per arch the whole spec
# suite and the determinism set, and a receipt from the x86-64 node above
# replayed by the arm64 teanode.
echo "== cross"
for a in aarch64 riscv64 s390x; do
  run "cross-build-$a" sh "$root/scripts/cross.sh" "$a" build
  run "spec-$a" sh "$root/scripts/cross.sh" "$a" spec
  grep '^spec:' "$log"
  run "determinism-$a" sh "$root/scripts/cross.sh" "$a" det
  run "wasm-run-$a" sh "$root/scripts/cross.sh" "$a" wasm
done
run cross-node-aarch64 sh "$root/scripts/cross_node.sh" "${1:-build}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
