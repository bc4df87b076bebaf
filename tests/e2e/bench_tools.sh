#!/bin/sh
# The node benchmark's A/B tool (bench/node/ab.sh) still works: the build's
# teanode against itself, one short round, both sides measured with calls/s and
# CPU time per call; wrong usage is refused. TAP output.
# Usage: tests/e2e/bench_tools.sh BUILD_DIR
set -u
build=$(cd "${1:-build}" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/scripts/lib/tap.sh"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
TN="$build/src/cli/teanode"
sh "$root/bench/node/ab.sh" "$TN" "$TN" 1 1 >"$out" 2>&1
check "ab.sh measures both binaries" \
  'grep -Eq "^A median: [1-9][0-9]* calls/s, [0-9.]+ us CPU per call" "$out" &&
   grep -Eq "^B median: [1-9][0-9]* calls/s, [0-9.]+ us CPU per call" "$out"'
check "ab.sh reports each round for both" '[ "$(grep -c "^  round 1 [ab]: " "$out")" -eq 2 ]'
sh "$root/bench/node/ab.sh" "$TN" >"$out" 2>&1
status=$?
check "ab.sh refuses a missing binary argument (status 2)" '[ "$status" -eq 2 ] && grep -q "^usage:" "$out"'
tap_finish
