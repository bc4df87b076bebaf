#!/bin/sh
# Committee approvals gathered on a node (POST/GET /v1/ledger/proposals), with a
# committee of three keys and a threshold of two: one member proposes through
# the node, the block waits there; a second member approves through the node
# and the node appends it. Refusals: bytes that are not a block, a proposal for
# a height already taken. A new node offers its own registration with its
# pending transactions; collected, proposed and approved through the first
# node, it syncs and serves. TAP output.
# Usage: tests/e2e/proposals.sh BUILD_DIR
set -u
build=$(cd "${1:-build}" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
TN="$build/src/cli/teanode"
. "$root/scripts/lib/tap.sh"
work=$(mktemp -d /tmp/tea-proposals.XXXXXX)
pid=""
pid2=""
trap 'for p in $pid $pid2; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT INT TERM
cd "$work" || exit 1
port=$(free_port $((25300 + $$ % 1500)))
url="http://127.0.0.1:$port"

for i in 1 2 3; do "$TN" ledger keygen --out "c$i.key" >"c$i.pub"; done
"$TN" ledger init --dir ledger --member "$(cat c1.pub)" --member "$(cat c2.pub)" --member "$(cat c3.pub)" \
  --threshold 2 --key c1.key --key c2.key >/dev/null
"$TN" init --state node --port "$port" >node.id
cp ledger/ledger.log node/ledger.log
"$TN" register --state node --out node.tx
"$TN" ledger tx runtime.approve --dir ledger --key c1.key --out rt.tx \
  --hash "$(sha256sum "$TN" | cut -d' ' -f1)" --version 0.1.0 --platform "$(uname -m)-linux" >/dev/null
"$TN" ledger propose --dir ledger --key c1.key --key c2.key rt.tx node.tx >/dev/null
cp ledger/ledger.log node/ledger.log
cp -r ledger m1
cp -r ledger m2
"$TN" run --state node >node.log 2>&1 &
pid=$!
up() { for _ in $(seq 600); do curl -sf "$url/v1/status" 2>/dev/null | grep -q '"status":"active"' && return 0; sleep 0.1; done; return 1; }
height() { curl -sf "$url/v1/status" | sed -n 's/.*"ledger_height":\([0-9]*\).*/\1/p'; }
check "the node is active at height 1" 'up && [ "$(height)" = 1 ]'
[ "$tap_failed" = 0 ] || sed 's/^/# /' node.log

"$TN" ledger tx runtime.approve --dir m1 --key c1.key --out rt2.tx \
  --hash "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" --version 0.2.0 --platform "$(uname -m)-linux" >/dev/null
check "member 1 proposes through the node: one signature of two, nothing appended" \
  '"$TN" ledger propose --dir m1 --key c1.key --out p.cbor --node "$url" rt2.tx >propose.out 2>&1 &&
   grep -q "\"height\":2,\"signatures\":1,\"threshold\":2,\"appended\":false" propose.out && [ "$(height)" = 1 ]'
check "the node lists the pending proposal" \
  '[ "$(curl -sf -H "Accept: application/cbor" "$url/v1/ledger/proposals" | head -c 1 | od -An -tx1 | tr -d " ")" = 81 ]'
check "bytes that are not a block get 400" \
  '[ "$(curl -s -o /dev/null -w "%{http_code}" --data-binary "not cbor" "$url/v1/ledger/proposals")" = 400 ]'
check "member 2 approves through the node, which appends the block" \
  '"$TN" ledger approve --dir m2 --key c2.key --node "$url" >approve.out 2>&1 &&
   grep -q "\"height\":2,\"signatures\":2,\"threshold\":2,\"appended\":true,\"block\":\"bafy" approve.out && [ "$(height)" = 2 ]'
check "no proposal is pending any more" \
  '[ "$(curl -sf "$url/v1/ledger/proposals" | od -An -tx1 | tr -d " ")" = 80 ]'
check "the same proposal again is refused (height 2 is taken) with the reason" \
  '[ "$(curl -s -o refused.json -w "%{http_code}" --data-binary @p.cbor "$url/v1/ledger/proposals")" = 422 ] &&
   grep -q "height" refused.json'
check "the block verifies from genesis on a member's copy" \
  '"$TN" ledger approve --dir m1 --key c1.key --node "$url" >/dev/null 2>&1; "$TN" ledger verify --dir m1 >verify.out 2>&1 && grep -q "3 blocks" verify.out'

# a new node, not in the ledger, syncing from the first one
port2=$((port + 1))
url2="http://127.0.0.1:$port2"
"$TN" init --state node2 --port "$port2" --peer "$url" --attest-interval 0 >node2.id
cp ledger/ledger.log node2/ledger.log
"$TN" run --state node2 >node2.log 2>&1 &
pid2=$!
status2() { curl -sf "$url2/v1/status" | sed -n 's/.*"status":"\([a-z]*\)".*/\1/p'; }
check "a new node runs, says it is not registered, and queues its registration" \
  'for _ in $(seq 600); do [ "$(status2)" = unregistered ] && break; sleep 0.1; done; [ "$(status2)" = unregistered ] &&
   grep -q "\"event\":\"node.registration_offered\"" node2.log'
check "the committee collects it, proposes and approves it through the first node" \
  '"$TN" collect --node "$url2" --out pending >collect.out 2>&1 && [ "$(ls pending | wc -l)" = 1 ] &&
   "$TN" ledger propose --dir m1 --key c1.key --node "$url" pending/*.tx >p2.out 2>&1 &&
   "$TN" ledger approve --dir m2 --key c2.key --node "$url" >a2.out 2>&1 && grep -q "\"appended\":true" a2.out'
check "the new node syncs the block from its peer and is active" \
  'for _ in $(seq 300); do [ "$(status2)" = active ] && break; sleep 0.1; done; [ "$(status2)" = active ]'
tap_finish
