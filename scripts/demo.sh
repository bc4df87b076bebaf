#!/bin/sh
# make demo: a small tea network on this machine, narrated.
#   a committee (3 keys, 2 must sign) creates the ledger;
#   an actor developer signs the "hello" actor; the committee approves it and the runtime;
#   three nodes register, one gets the code, the others fetch it by CID from their peer
#   and sync the ledger from it;
#   a client calls the actor and verifies the receipt offline against the ledger;
#   a forged receipt and a node running a modified binary are caught;
#   the nodes attest each other, the committee's block of verdicts quarantines the
#   modified node, and clients choose among the active ones;
#   an upgrade of the actor rolls out tier by tier, each tier re-attested before it serves.
# Exits 0 only if every step behaved as expected; stops every process it started.
set -eu
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
TN=$(cd "$build/src/cli" && pwd)/teanode
ACTORS=$(cd "$build/actors" && pwd)
work=$(mktemp -d /tmp/tea-demo.XXXXXX)
pids=""
cleanup() {
  for p in $pids; do kill "$p" 2>/dev/null || true; done
  for p in $pids; do wait "$p" 2>/dev/null || true; done
  if [ -n "${DEMO_KEEP:-}" ]; then echo "demo: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT INT TERM
cd "$work"
step() { printf '\n== %s\n' "$*"; }
fail() { printf '\ndemo: FAILED: %s\n' "$*" >&2; exit 1; }
base=$((20000 + $$ % 2000)) # below the ephemeral range (32768 on): an outgoing connection cannot hold it

step "The committee: three members, any two of whom must sign every block"
for i in 1 2 3; do "$TN" ledger keygen --out "c$i.key" >"c$i.pub"; done
"$TN" ledger init --dir ledger --member "$(cat c1.pub)" --member "$(cat c2.pub)" \
  --member "$(cat c3.pub)" --threshold 2 --key c1.key --key c2.key

step "An actor developer signs the hello actor (claims: name, capability tea:log)"
"$TN" actor keygen -o dev.seed >dev.out 2>&1
issuer=$(sed -n 's/.*hex (for ledger records): *//p' dev.out)
[ -n "$issuer" ] || issuer=$(tail -n 1 dev.out)
"$TN" actor sign "$ACTORS/hello.wasm" -o hello.wasm --key dev.seed --name hello --cap tea:log >hello.cid
cid=$(tail -n 1 hello.cid)
echo "hello.wasm has CID $cid (the same bytes get the same CID on IPFS)"

step "Three nodes are created; each writes its registration (keys + attestation evidence)"
for i in 1 2 3; do
  port=$((base + i))
  peer=""
  [ "$i" -gt 1 ] && peer="--peer http://127.0.0.1:$((base + 1))"
  # shellcheck disable=SC2086
  tier=1
  [ "$i" -eq 3 ] && tier=2
  "$TN" init --state "n$i" --port "$port" --tier "$tier" --attest-interval 1 $peer >"n$i.id"
  cp ledger/ledger.log "n$i/ledger.log"
  "$TN" register --state "n$i" --out "n$i.tx"
  echo "node $i: $(sed -n 's/^node //p' "n$i.id") on port $port, tier $tier"
done

step "A fourth node runs a modified teanode binary (one byte appended)"
cp "$TN" teanode-modified
printf 'x' >>teanode-modified
"$TN" init --state n4 --port $((base + 4)) --peer "http://127.0.0.1:$((base + 1))" >n4.id
cp ledger/ledger.log n4/ledger.log
./teanode-modified register --state n4 --out n4.tx

step "The committee approves the runtime build, the actor, and registers the nodes"
runtime=$(sha256sum "$TN" | cut -d' ' -f1)
"$TN" ledger tx runtime.approve --dir ledger --key c1.key --out runtime.tx \
  --hash "$runtime" --version 0.1.0 --platform "$(uname -m)-linux"
"$TN" ledger tx actor.register --dir ledger --key c1.key --out actor.tx --name hello \
  --cid "$cid" --issuer "$issuer" --cap tea:log
"$TN" ledger propose --dir ledger --out block1 --key c1.key runtime.tx actor.tx n1.tx n2.tx n3.tx n4.tx >/dev/null
"$TN" ledger approve --dir ledger --key c3.key block1
"$TN" ledger status --dir ledger

step "Node 1 gets the ledger and the code; nodes 2 and 3 will sync both from node 1"
cp ledger/ledger.log n1/ledger.log
cp ledger/ledger.log n4/ledger.log
"$TN" cas put --store n1/blobs --pin hello.wasm >/dev/null
"$TN" cas put --store n4/blobs --pin hello.wasm >/dev/null
for i in 1 2 3; do
  "$TN" run --state "n$i" >"n$i.log" 2>&1 &
  pids="$pids $!"
done
./teanode-modified run --state n4 >n4.log 2>&1 &
pids="$pids $!"
for i in 1 2 3 4; do
  for _ in $(seq 600); do
    curl -sf "http://127.0.0.1:$((base + i))/v1/status" >"status$i.json" 2>/dev/null && break
    sleep 0.1
  done
  [ -s "status$i.json" ] || fail "node $i did not start (see its log below)"
done
for _ in $(seq 150); do
  grep -q '"ledger_height":1' status2.json && grep -q '"ledger_height":1' status3.json && break
  sleep 0.2
  curl -sf "http://127.0.0.1:$((base + 2))/v1/status" >status2.json || true
  curl -sf "http://127.0.0.1:$((base + 3))/v1/status" >status3.json || true
done
grep -q '"ledger_height":1' status3.json || fail "node 3 did not sync the ledger from node 1"
echo "node 3 synced the ledger from node 1: $(cat status3.json)"

step "A client calls hello on node 3 (which fetches the code by CID from node 1)"
printf 'edge' >name.txt
"$TN" call --node "http://127.0.0.1:$((base + 3))" --ledger client-ledger.log \
  --input name.txt --receipt receipt.cbor hello hello >out.txt || fail "the call failed"
echo "output: $(cat out.txt)"
[ "$(cat out.txt)" = "Hello, edge!" ] || fail "unexpected output"

step "Anyone can check the receipt offline against the ledger"
"$TN" verify receipt.cbor --ledger ledger --input name.txt || fail "the receipt did not verify"

step "A forged receipt (one bit changed) is rejected"
cp receipt.cbor forged.cbor
off=$(($(wc -c <receipt.cbor) - 3))
byte=$(od -An -tu1 -j "$off" -N1 receipt.cbor | tr -d ' ')
# shellcheck disable=SC2059
printf "$(printf '\\%03o' $((byte ^ 1)))" | dd of=forged.cbor bs=1 seek="$off" conv=notrunc 2>/dev/null
if "$TN" verify forged.cbor --ledger ledger --input name.txt >forged.out 2>&1; then
  cat forged.out
  fail "a forged receipt verified"
fi
grep -E 'fail|FAIL|error' forged.out | head -n 3

step "The node running the modified binary answers, but its receipt names an unapproved runtime"
if "$TN" call --node "http://127.0.0.1:$((base + 4))" --ledger client-ledger.log \
    --input name.txt hello hello >bad.txt 2>bad.err; then
  cat bad.err
  fail "the modified node's receipt verified"
fi
grep -E 'runtime' bad.err | head -n 1

step "The nodes attest each other every second; the committee collects their verdicts into blocks"
blockno=1
round() { # the committee's routine: the nodes' verdicts into a block, published to node 1
  sleep 1.5
  rm -rf verdicts
  "$TN" collect --node "http://127.0.0.1:$((base + 1))" --node "http://127.0.0.1:$((base + 2))" \
    --node "http://127.0.0.1:$((base + 3))" --out verdicts >verdicts.list
  [ -s verdicts.list ] || return 0
  blockno=$((blockno + 1))
  # shellcheck disable=SC2046
  "$TN" ledger propose --dir ledger --out "block$blockno" --key c1.key $(cat verdicts.list) >/dev/null
  "$TN" ledger approve --dir ledger --key c2.key "block$blockno" >/dev/null
  "$TN" publish --dir ledger --node "http://127.0.0.1:$((base + 1))" >/dev/null
  echo "block $blockno: $(wc -l <verdicts.list) verdicts"
}
# status of node $1 in the committee's ledger is $2
ledger_says() {
  "$TN" ledger status --dir ledger >status.txt
  grep "$(sed -n 's/^node //p' "n$1.id")" status.txt | grep -q " $2 "
}
rounds_until() { # up to 8 rounds until the condition holds
  for _ in 1 2 3 4 5 6 7 8; do
    round
    "$@" && return 0
  done
  return 1
}
rounds_until ledger_says 4 quarantined || fail "the modified node was not quarantined"
grep -E 'quarantined|suspicious|active' status.txt
for i in 1 2 3; do
  grep "$(sed -n 's/^node //p' "n$i.id")" status.txt | grep -q active || fail "honest node $i lost its active status"
done

step "Node 4 learns it is quarantined and refuses calls; clients choose among the active nodes"
for _ in $(seq 150); do
  curl -sf "http://127.0.0.1:$((base + 4))/v1/status" | grep -q '"status":"quarantined"' && break
  sleep 0.2
done
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data x "http://127.0.0.1:$((base + 4))/v1/actors/hello/hello")
echo "node 4 answers a call with HTTP $code"
[ "$code" = 503 ] || fail "the quarantined node still serves"
for _ in $(seq 150); do
  "$TN" ledger status --dir ledger >/dev/null
  curl -sf "http://127.0.0.1:$((base + 3))/v1/status" | grep -q '"ledger_height":2' && break
  sleep 0.2
done
"$TN" call --ledger client-ledger.log --input name.txt hello hello >out2.txt 2>call2.err ||
  { cat call2.err; fail "a call without --node failed"; }
echo "a call without naming a node: $(cat out2.txt) (verified)"

step "An upgrade of hello (revision 2) rolls out by tier: tier 1 first, then tier 2"
"$TN" actor sign "$ACTORS/hello.wasm" -o hello2.wasm --key dev.seed --name hello --cap tea:log --rev 2 >hello2.cid
cid2=$(tail -n 1 hello2.cid)
echo "hello revision 2 has CID $cid2"
"$TN" cas put --store n1/blobs --pin hello2.wasm >/dev/null
h=$("$TN" ledger status --dir ledger | sed -n 's/^height *\([0-9]*\).*/\1/p')
"$TN" ledger tx upgrade --dir ledger --key c1.key --out upgrade.tx --actor hello --cid "$cid2" \
  --wave "1=$((h + 1))" --wave "2=$((h + 2))" --passes 1
blockno=$((blockno + 1))
"$TN" ledger propose --dir ledger --out "block$blockno" --key c1.key upgrade.tx >/dev/null
"$TN" ledger approve --dir ledger --key c2.key "block$blockno"
"$TN" publish --dir ledger --node "http://127.0.0.1:$((base + 1))" >/dev/null
node_status() { curl -sf "http://127.0.0.1:$((base + $1))/v1/status" | sed 's/.*"status":"\([a-z]*\)".*/\1/'; }
wait_status() { # node status
  for _ in $(seq 150); do [ "$(node_status "$1")" = "$2" ] && return 0; sleep 0.2; done
  fail "node $1 is $(node_status "$1"), expected $2"
}
wait_status 1 pending
wait_status 2 pending
for i in 1 2; do
  if curl -sf "http://127.0.0.1:$((base + i))/v1/status" | grep -q "\"name\":\"hello\",\"cid\":\"$cid\""; then
    curl -sf "http://127.0.0.1:$((base + i))/v1/status" | grep -q "$cid2" || fail "node $i ran hello but did not load revision 2"
  fi
done
echo "tier 1 (nodes 1, 2) is pending: a node that ran hello has loaded revision 2; peers must attest them again"
echo "node 3 (tier 2) is $(node_status 3) and still runs the old code"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data x "http://127.0.0.1:$((base + 1))/v1/actors/hello/hello")
[ "$code" = 503 ] || fail "a pending node served (HTTP $code)"
rounds_until ledger_says 1 active || fail "node 1 was not re-attested"
rounds_until ledger_says 2 active || fail "node 2 was not re-attested"
wait_status 1 active
wait_status 3 pending
echo "after their peers attested them, nodes 1 and 2 serve again; now tier 2 (node 3) is pending"
rounds_until ledger_says 3 active || fail "node 3 was not re-attested"
wait_status 3 active
grep -q "$cid2" "status3.json" 2>/dev/null || curl -sf "http://127.0.0.1:$((base + 3))/v1/status" >status3.json
grep -q "$cid2" status3.json || fail "node 3 did not load revision 2"
"$TN" call --node "http://127.0.0.1:$((base + 3))" --ledger client-ledger.log --input name.txt \
  --receipt receipt2.cbor hello hello >out3.txt 2>/dev/null || fail "the upgraded node did not serve"
"$TN" verify receipt2.cbor --ledger ledger --input name.txt | grep -E "^  actor"
"$TN" verify receipt2.cbor --ledger ledger --input name.txt | grep -q "$cid2" || fail "the receipt does not name revision 2"
echo "every tier now runs revision 2, each node re-attested before it served again"

printf '\ndemo: ok (every step behaved as expected)\n'
