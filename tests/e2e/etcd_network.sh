#!/bin/sh
# End-to-end: a tea network whose ledger lives on three etcd members (loopback).
# The committee writes blocks to etcd with `teanode ledger`; three nodes with
# `[ledger] backend = etcd://...` and no peers at all learn every block through
# etcd's watch (and verify it themselves); a verified call; the nodes' own verdicts
# become a block; one etcd member is killed and the chain still advances, every
# node agreeing on the head; SIGTERM stops each node, watcher thread included.
# Fails when etcd is not installed (scripts/deps.sh installs it). TAP output.
# Usage: tests/e2e/etcd_network.sh BUILD_DIR
set -u
build=$(cd "${1:-build}" && pwd) || exit 2
root=$(cd "$(dirname "$0")/../.." && pwd)
TN="$build/src/cli/teanode"
ACTORS="$build/actors"
. "$root/scripts/lib/tap.sh"
. "$root/scripts/lib/etcd.sh"
if ! command -v etcd >/dev/null 2>&1; then
  not_ok "etcd is not installed (run scripts/deps.sh)"
  tap_finish
  exit 1
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/tea-etcd-net.XXXXXX") || exit 1
node_pids=""
cleanup() {
  for p in $node_pids; do kill -9 "$p" 2>/dev/null; done
  for p in $node_pids; do wait "$p" 2>/dev/null; done
  etcd_cluster_stop
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' HUP INT PIPE TERM
cd "$work" || exit 1

if ! etcd_cluster_start "$work"; then
  not_ok "3-member etcd cluster up"
  tail -n 5 "$work/m1.log" | sed 's/^/# /'
  tap_finish
  exit 1
fi
ok "3-member etcd cluster up"
# one name for the ledger everywhere: the committee's commands and the nodes' config
ledger="etcd://$ETCD_MEMBERS/tea/e2e-$$"
export TEA_LEDGER_ETCD="$ledger"
export TEA_LEDGER_DIR="$work/L" # proposals only; the blocks are in etcd

for i in 1 2 3; do "$TN" ledger keygen --out "c$i.key" >"c$i.pub"; done
check "the committee's genesis goes into etcd (under the ledger's key prefix)" \
  '"$TN" ledger init --member "$(cat c1.pub)" --member "$(cat c2.pub)" --member "$(cat c3.pub)" \
     --threshold 2 --key c1.key --key c2.key >init.out 2>&1 && grep -q "block 0 appended" init.out &&
   curl -sf -X POST -d "{\"key\":\"$(printf "/tea/e2e-$$/head" | base64)\"}" "$ETCD_URL2/v3/kv/range" | grep -q "\"count\":\"1\""'

"$TN" actor keygen -o dev.seed >dev.out 2>&1
issuer=$(sed -n 's/.*hex (for ledger records): *//p' dev.out)
cid=$("$TN" actor sign "$ACTORS/hello.wasm" -o hello.wasm --key dev.seed --name hello --cap tea:log | tail -n 1)
nbase=$(free_port $((26900 + $$ % 1500)) 3)
url() { echo "http://127.0.0.1:$((nbase + $1))"; }

check "teanode init --ledger etcd://... refuses a member without a port, with the reason" \
  '! "$TN" init --state bad --ledger "etcd://127.0.0.1" >bad.out 2>&1 && grep -q "has no port" bad.out && [ ! -e bad/node.ini ]'
inits=0
for i in 1 2 3; do
  "$TN" init --state "n$i" --port "$((nbase + i))" --attest-interval 1 --ledger "$ledger" >"n$i.id" &&
    grep -qx "backend = $ledger" "n$i/node.ini" && ! grep -q "^path" "n$i/node.ini" &&
    "$TN" register --state "n$i" --out "n$i.tx" && inits=$((inits + 1))
  "$TN" cas put --store "n$i/blobs" hello.wasm >/dev/null
done
check "three nodes: init writes [ledger] backend = etcd://..., register reads the genesis from etcd" '[ "$inits" = 3 ]'

"$TN" ledger tx runtime.approve --key c1.key --out rt.tx --hash "$(sha256sum "$TN" | cut -d' ' -f1)" \
  --version 0.1.0 --platform "$(uname -m)-linux" >/dev/null
"$TN" ledger tx actor.register --key c1.key --out a.tx --name hello --cid "$cid" --issuer "$issuer" --cap tea:log >/dev/null
check "block 1 (runtime, actor, three nodes) proposed and approved through etcd" \
  '"$TN" ledger propose --out p1 --key c1.key rt.tx a.tx n1.tx n2.tx n3.tx >/dev/null 2>&1 &&
   "$TN" ledger approve --key c2.key p1 2>&1 | grep -q "block 1 appended"'

for i in 1 2 3; do
  "$TN" run --state "n$i" >"n$i.log" 2>&1 &
  node_pids="$node_pids $!"
done
status() { curl -sf "$(url "$1")/v1/status"; }
height() { status "$1" | sed -n 's/.*"ledger_height":\([0-9-]*\).*/\1/p'; }
head_cid() { status "$1" | sed -n 's/.*"ledger_head":"\([a-z0-9]*\)".*/\1/p'; }
watched() { curl -sf "$(url "$1")/metrics" | sed -n 's/^tea_ledger_blocks_watched_total //p'; }
# all three nodes at height $1 within $2 tenths of a second; sets waited_ms
all_at() {
  t0=$(date +%s%N)
  for _ in $(seq "$2"); do
    [ "$(height 1)" = "$1" ] && [ "$(height 2)" = "$1" ] && [ "$(height 3)" = "$1" ] && {
      waited_ms=$((($(date +%s%N) - t0) / 1000000))
      return 0
    }
    sleep 0.1
  done
  return 1
}
up=0
for i in 1 2 3; do
  for _ in $(seq 600); do status "$i" >/dev/null 2>&1 && break; sleep 0.1; done
  status "$i" | grep -q '"status":"active".*"ledger_height":1,.*"ledger_store":"etcd"' && up=$((up + 1))
done
check "the nodes open their ledger from etcd (no peers configured): active at height 1" '[ "$up" = 3 ]'
[ "$up" = 3 ] || for i in 1 2 3; do echo "# node $i: $(status "$i")"; tail -n 5 "n$i.log" | sed 's/^/# /'; done

printf 'etcd' >in.txt
check "a call on node 2 with a receipt verified against the client's own ledger copy" \
  '"$TN" call --node "$(url 2)" --ledger client.log --input in.txt --receipt r1.cbor hello hello >out1.txt 2>call1.err &&
   [ "$(cat out1.txt)" = "Hello, etcd!" ] && grep -q "receipt verified" call1.err'
check "teanode verify judges the receipt against the etcd ledger itself" \
  '"$TN" verify r1.cbor --ledger "$ledger" --input in.txt >v1.out 2>&1'

# a new block: every node learns it through the watch (they have no peers to sync from,
# and with a watch in place they do not poll etcd)
w0="$(watched 1) $(watched 2) $(watched 3)"
"$TN" ledger tx runtime.approve --key c1.key --out rt2.tx --hash "$(printf %064x 2)" --version 0.2.0 \
  --platform test >/dev/null
"$TN" ledger propose --out p2 --key c1.key rt2.tx >/dev/null 2>&1
"$TN" ledger approve --key c3.key p2 >/dev/null 2>&1
check "a new block reaches all three nodes through etcd's watch (within 2 s)" \
  'all_at 2 20 && echo "# all at height 2 ${waited_ms} ms after the approval" && [ "$w0" = "0 0 0" ] &&
   [ "$(watched 1)" = 1 ] && [ "$(watched 2)" = 1 ] && [ "$(watched 3)" = 1 ]'

# the nodes' own transactions: their attestation verdicts, collected into a block
sleep 1.5
"$TN" collect --node "$(url 1)" --node "$(url 2)" --node "$(url 3)" --out verdicts >verdicts.list 2>&1
check "the nodes' verdicts (GET /v1/ledger/pending) become block 3 in etcd; every node has it, all stay active" \
  '[ -s verdicts.list ] && "$TN" ledger propose --out p3 --key c1.key $(cat verdicts.list) >/dev/null 2>&1 &&
   "$TN" ledger approve --key c2.key p3 2>&1 | grep -q "block 3 appended" && all_at 3 20 &&
   [ "$("$TN" ledger status | grep -c " active ")" = 3 ]'

etcd_member_kill 1
sleep 0.5 # the watches on member 1 break; each node watches through another member
"$TN" ledger tx runtime.approve --key c2.key --out rt4.tx --hash "$(printf %064x 4)" --version 0.4.0 \
  --platform test >/dev/null
check "with etcd member 1 killed the committee still appends (block 4)" \
  '"$TN" ledger propose --out p4 --key c1.key --key c2.key rt4.tx 2>&1 | grep -q "block 4 appended"'
check "every node follows to height 4 through a watch on another member" \
  'all_at 4 30 && echo "# all at height 4 ${waited_ms} ms after the append" &&
   [ "$(watched 1)" -ge 3 ] && [ "$(watched 2)" -ge 3 ] && [ "$(watched 3)" -ge 3 ] &&
   grep -q "\"event\":\"ledger.watch_lost\"" n1.log'
head=$("$TN" ledger verify | sed -n 's/^valid: 5 blocks, head //p')
check "all nodes agree: the same head CID as the committee's verified chain" \
  '[ -n "$head" ] && [ "$(head_cid 1)" = "$head" ] && [ "$(head_cid 2)" = "$head" ] && [ "$(head_cid 3)" = "$head" ]'
check "a verified call on node 3 after the member loss, the receipt at height 4" \
  '"$TN" call --node "$(url 3)" --ledger client.log --input in.txt --receipt r2.cbor hello hello >out2.txt 2>call2.err &&
   [ "$(cat out2.txt)" = "Hello, etcd!" ] && grep -q "at ledger height 4" call2.err'

stopped=0
for p in $node_pids; do
  kill -TERM "$p" 2>/dev/null
  for _ in $(seq 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  if ! kill -0 "$p" 2>/dev/null && wait "$p"; then stopped=$((stopped + 1)); fi
done
check "SIGTERM stops every node (watcher thread included) within 3 s, exit status 0" '[ "$stopped" = 3 ]'
node_pids=""
tap_finish
