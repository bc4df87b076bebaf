#!/bin/sh
# usage: tests/ledger/etcd_test.sh BUILD_DIR     (POSIX sh)
#
# The etcd ledger store against a real 3-member etcd cluster on loopback (short
# heartbeat/election timeouts): genesis and blocks through teanode, racing approvals
# of one height (exactly one wins: the head is a compare-and-swap), then the first
# member is killed and the ledger keeps appending through the others and verifies.
# Fails when etcd is not installed (scripts/deps.sh installs it). Prints TAP.
set -u
if [ $# -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
build=$(cd "$1" && pwd) || exit 2
T=$build/src/cli/teanode
echo "1..5"
if ! command -v etcd >/dev/null 2>&1; then
  # scripts/deps.sh installs etcd-server: its absence is a failure, not a skip
  for i in 1 2 3 4 5; do echo "not ok $i - etcd is not installed (run scripts/deps.sh)"; done
  exit 1
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/tea-etcd.XXXXXX") || exit 1
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/scripts/lib/etcd.sh"
cleanup() {
  etcd_cluster_stop
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' HUP INT PIPE TERM
cd "$work" || exit 1

if etcd_cluster_start "$work"; then echo "ok 1 - 3-member etcd cluster up"; else
  echo "not ok 1 - etcd did not become healthy"; tail -n 5 "$work/m1.log" | sed 's/^/# /'; exit 1
fi
export TEA_LEDGER_ETCD="$ETCD_URLS"
export TEA_LEDGER_DIR="$work/L"

for k in c1 c2 c3; do "$T" ledger keygen --out $k >$k.pub || exit 1; done
if "$T" ledger init --member "$(cat c1.pub)" --member "$(cat c2.pub)" --member "$(cat c3.pub)" \
     --threshold 2 --key c1 --key c2 >out 2>&1 && grep -q "block 0 appended" out &&
   "$T" ledger propose --key c1 --key c3 >out 2>&1 && grep -q "block 1 appended" out; then
  echo "ok 2 - genesis and a block through etcd"
else
  echo "not ok 2 - genesis and a block through etcd"; sed 's/^/# /' out
fi

# 10 races: two different candidate blocks for the same height approved at once
bad=0
cas=0
for r in $(seq 1 10); do
  h=$("$T" ledger verify | sed -n 's/^valid: \([0-9]*\) blocks.*/\1/p')
  "$T" ledger tx runtime.approve --key c1 --out ta --hash "$(printf %064x "$r")" --version "a$r" --platform x >/dev/null
  "$T" ledger tx runtime.approve --key c2 --out tb --hash "$(printf ff%062x "$r")" --version "b$r" --platform x >/dev/null
  "$T" ledger propose --key c1 --out pa ta >/dev/null 2>&1
  "$T" ledger propose --key c2 --out pb tb >/dev/null 2>&1
  "$T" ledger approve --key c3 pa >ra 2>&1 &
  a=$!
  "$T" ledger approve --key c3 pb >rb 2>&1 &
  b=$!
  wait $a; sa=$?
  wait $b; sb=$?
  cat ra rb | grep -q "head moved" && cas=$((cas + 1))
  h2=$("$T" ledger verify | sed -n 's/^valid: \([0-9]*\) blocks.*/\1/p')
  if [ $((sa + sb)) -eq 0 ] || [ "$sa" -ne 0 -a "$sb" -ne 0 ] || [ "$h2" != $((h + 1)) ]; then
    bad=$((bad + 1))
    echo "# race $r: exits $sa $sb, blocks $h -> $h2"; cat ra rb | sed 's/^/# /'
  fi
done
echo "# $cas of 10 losers got past the height check and lost the compare-and-swap"
if [ "$bad" -eq 0 ]; then echo "ok 3 - racing approvals: exactly one block per height (10 races)"; else
  echo "not ok 3 - $bad of 10 races went wrong"; fi

etcd_member_kill 1
# the survivors elect a new leader (election timeout 0.5 s, longer on a loaded machine);
# a proposer that meets the election retries, as an operator would
appended=no
for _ in 1 2 3 4 5 6 7 8; do
  if "$T" ledger propose --key c1 --key c2 >out 2>&1 && grep -q "appended" out; then appended=yes; break; fi
  sleep 1
done
if [ "$appended" = yes ]; then
  echo "ok 4 - appends continue with the first member killed"
else
  echo "not ok 4 - appends continue with the first member killed"; sed 's/^/# /' out
fi
if "$T" ledger verify >out 2>&1 && grep -q "valid: 13 blocks" out; then
  echo "ok 5 - the chain verifies from genesis (13 blocks)"
else
  echo "not ok 5 - the chain verifies from genesis"; sed 's/^/# /' out
fi
