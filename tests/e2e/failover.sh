#!/bin/sh
# A node killed with SIGKILL in the middle of a call: the client retries on the
# next node and gets exactly one result, with one verified receipt, from the
# node that answered; the dead node issued nothing for it. TAP output.
# The first node is stopped (SIGSTOP) before the call so that the request is
# certainly in flight, accepted by its socket but unanswered, when it is killed.
# Usage: tests/e2e/failover.sh BUILD_DIR
set -u
build=$(cd "${1:-build}" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
TN="$build/src/cli/teanode"
ACTORS="$build/actors"
. "$root/scripts/lib/tap.sh"
work=$(mktemp -d /tmp/tea-failover.XXXXXX)
pids=""
trap 'for p in $pids; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT INT TERM
cd "$work" || exit 1
p1=$(free_port $((23700 + $$ % 1500)))
p2=$((p1 + 1))
. "$root/scripts/lib/one_node.sh"
one_node_network a "$p1" b "$p2"
for s in a b; do
  "$TN" run --state "$s" >"$s.log" 2>&1 &
  pids="$pids $!"
  eval "pid_$s=$!"
done
node_id() { curl -sf "http://127.0.0.1:$p2/v1/status" | sed -n 's/.*"node":"\([0-9a-f]*\)".*/\1/p'; }
up() { for _ in $(seq 600); do curl -sf "$1/v1/status" 2>/dev/null | grep -q '"status":"active"' && return 0; sleep 0.1; done; return 1; }
check "two nodes of one ledger are active" 'up "http://127.0.0.1:$p1" && up "http://127.0.0.1:$p2"'

printf failover >in.txt
cp ledger/ledger.log client.ledger
receipts_before_a=$(stat -c %s a/receipts.log 2>/dev/null || echo 0)
receipts_before_b=$(stat -c %s b/receipts.log 2>/dev/null || echo 0)
kill -STOP "$pid_a"
"$TN" call --node "http://127.0.0.1:$p1" --node "http://127.0.0.1:$p2" --ledger client.ledger \
  --input in.txt --receipt r.cbor hello hello >out.txt 2>call.log &
client=$!
sleep 1
check "the call is in flight on the first node" 'kill -0 "$client" 2>/dev/null && ! [ -s out.txt ]'
kill -KILL "$pid_a"
wait "$client"
status=$?
check "the client retried on the second node and succeeded" \
  '[ "$status" = 0 ] && grep -q "127.0.0.1:$p1: .*trying another node" call.log && grep -q "receipt verified" call.log'
check "exactly one result, whole" '[ "$(cat out.txt)" = "Hello, failover!" ] && [ "$(wc -c <out.txt)" -eq 16 ]'
check "the receipt is from the second node and verifies on its own" \
  '"$TN" verify r.cbor --ledger client.ledger --input in.txt --json >verify.json 2>&1 &&
   grep -q "\"pass\": *true" verify.json && grep -q "\"node\": *\"$(node_id)\"" verify.json'
check "the killed node issued no receipt; the second node exactly one" \
  '[ "$(stat -c %s a/receipts.log 2>/dev/null || echo 0)" = "$receipts_before_a" ] &&
   [ "$(stat -c %s b/receipts.log)" = $((receipts_before_b + 40)) ]'
check "the second node keeps serving" \
  '"$TN" call --node "http://127.0.0.1:$p2" --ledger client.ledger --input in.txt hello hello 2>/dev/null | grep -q "Hello, failover!"'
tap_finish
