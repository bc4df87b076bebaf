#!/bin/sh
# End-to-end tests: real teanode processes on loopback. TAP output.
#   1     the demo network (scripts/demo.sh): sync, code by CID, verified receipts,
#         forged receipt and modified binary caught
#   2..   one node: bad HTTP gets 4xx and the node keeps serving; status and metrics;
#         the trustless gateway (CAR and raw, teanode cas get --from);
#         a restart keeps the node's identity, ledger and receipt chain
#         structured (JSON line) logs; bounded load; batch signatures under load and
#         concurrent calls each answered with their own verified receipt; HTTPS
# Usage: tests/e2e/run.sh BUILD_DIR
set -u
build=$(cd "${1:-build}" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
TN="$build/src/cli/teanode"
. "$root/scripts/lib/tap.sh"

if sh "$root/scripts/demo.sh" "$build" >"${TMPDIR:-/tmp}/tea-e2e-demo.log" 2>&1; then
  ok "demo network: sync, fetch by CID, verified receipt, forgery and modified binary caught"
else
  not_ok "demo network (log follows)"
  sed 's/^/# /' "${TMPDIR:-/tmp}/tea-e2e-demo.log" | tail -n 40
fi

work=$(mktemp -d /tmp/tea-e2e.XXXXXX)
pid=""
stop_node() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; pid=""; }
trap 'stop_node; [ -n "${E2E_KEEP:-}" ] || rm -rf "$work"' EXIT INT TERM
cd "$work" || exit 1
port=$(free_port $((22100 + $$ % 1500)))
url="http://127.0.0.1:$port"

ACTORS="$build/actors"
. "$root/scripts/lib/one_node.sh"
one_node_network node "$port"
# a file of three 256 KiB leaves and a dag-pb root, for the gateway checks
head -c 700000 /dev/urandom >big.bin
bigcid=$("$TN" cas put --store node/blobs big.bin)

start_node() {
  "$TN" run --state node >>node.log 2>&1 &
  pid=$!
  for _ in $(seq 600); do curl -sf "$url/v1/status" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}
check "node starts and reports itself active" 'start_node && curl -sf "$url/v1/status" | grep -q "\"status\":\"active\""'

code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
check "gateway: ?format=car answers a CAR, HEAD too; a bad CID 400, an unknown one 404, format=tar 400" \
  'curl -sf -D car.h -o big.car "$url/ipfs/$bigcid?format=car" && grep -qi "^content-type: application/vnd.ipld.car" car.h &&
   [ "$(code -I -H "Accept: application/vnd.ipld.car" "$url/ipfs/$bigcid")" = 200 ] && [ "$(code "$url/ipfs/bafyNOTACID")" = 400 ] &&
   [ "$(code "$url/ipfs/bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku")" = 404 ] && [ "$(code "$url/ipfs/$bigcid?format=tar")" = 400 ]'
check "teanode cas get --from fetches a 4-block file as one CAR, past a dead source, bytes identical" \
  '"$TN" cas get --verbose --from http://127.0.0.1:1 --from "$url" --out got.bin "$bigcid" 2>get.log &&
   cmp -s big.bin got.bin && grep -q "from $url (CAR, 4 blocks verified" get.log && grep -q "127.0.0.1:1 failed" get.log'
check "teanode cas get --raw walks the same file block by block" \
  '"$TN" cas get --raw --verbose --from "$url" "$bigcid" 2>getr.log | cmp -s big.bin - && grep -q "block by block" getr.log'
check "oversized body gets 413" '[ "$(head -c 2000000 /dev/zero | code --data-binary @- "$url/v1/actors/hello/hello")" = 413 ]'
check "unknown route gets 404" '[ "$(code "$url/v2/nothing")" = 404 ]'
check "malformed actor path gets 400" '[ "$(code -X POST "$url/v1/actors/he%20llo")" = 400 ]'
check "unknown actor gets 404" '[ "$(code -X POST "$url/v1/actors/nobody/op")" = 404 ]'
check "bad attestation nonce gets 400" '[ "$(code "$url/v1/attest?nonce=zz")" = 400 ]'
check "garbage instead of HTTP gets 400" \
  'printf "NOT HTTP AT ALL\r\n\r\n" | timeout 5 nc -q 2 127.0.0.1 "$port" 2>/dev/null | head -n 1 | grep -q " 400 " || printf "NOT HTTP\r\n\r\n" | timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port; cat >&3; head -n 1 <&3" | grep -q " 400 "'
check "attestation evidence for a good nonce" \
  '[ "$(code "$url/v1/attest?nonce=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d " \n")")" = 200 ]'
printf 'e2e' >in.txt
check "the node still serves a verified call after the bad requests" \
  '"$TN" call --node "$url" --ledger client.log --input in.txt --receipt r1.cbor hello hello 2>/dev/null | grep -qx "Hello, e2e!"'
check "metrics count requests, errors and actor calls" \
  'curl -sf "$url/metrics" >m.txt && grep -q "^tea_request_errors_total [1-9]" m.txt && grep -q "^tea_actor_calls_total [1-9]" m.txt'
id1=$(curl -sf "$url/v1/status" | sed 's/.*"node":"\([0-9a-f]*\)".*/\1/')
stop_node
check "after a restart: same node id, same ledger" \
  'start_node && curl -sf "$url/v1/status" | grep -q "\"node\":\"$id1\".*\"ledger_height\":1"'
check "after a restart the receipt chain continues (seq 1, previous = the first receipt)" \
  '"$TN" call --node "$url" --ledger client.log --input in.txt --receipt r2.cbor hello hello >/dev/null 2>&1 &&
   "$TN" verify r2.cbor --ledger ledger --prev r1.cbor >v.txt 2>&1 && grep -q "chain *pass" v.txt'
check "replay: re-running the call from its transcript reproduces the receipt's output" \
  '"$TN" call --node "$url" --ledger client.log --input in.txt --receipt r3.cbor --transcript t3.cbor hello hello >/dev/null 2>&1 &&
   "$TN" verify r3.cbor --ledger ledger --input in.txt --replay --code hello.wasm --transcript t3.cbor >rv.txt 2>&1 &&
   grep -q "replay *pass" rv.txt'
check "replay: a changed transcript is caught" \
  'cp t3.cbor t4.cbor && printf "\377" | dd of=t4.cbor bs=1 seek=$(($(wc -c <t3.cbor) - 2)) conv=notrunc 2>/dev/null &&
   ! "$TN" verify r3.cbor --ledger ledger --input in.txt --replay --code hello.wasm --transcript t4.cbor >rv4.txt 2>&1 &&
   grep -qE "replay *fail|error" rv4.txt'
check "replay: other code than the receipt names is refused" \
  '! "$TN" verify r3.cbor --ledger ledger --input in.txt --replay --code "$build/actors/counter.wasm" --transcript t3.cbor >/dev/null 2>&1'
check "a confidential call: input sealed to the node's registered key, receipt verified" \
  '"$TN" call --node "$url" --ledger client.log --encrypt --input in.txt hello hello 2>/dev/null | grep -qx "Hello, e2e!"'
check "a sealed input the node cannot open gets 400" \
  '[ "$(head -c 100 /dev/urandom | code -H "Tea-Sealed: 1" --data-binary @- "$url/v1/actors/hello/hello")" = 400 ]'
check "structured logs: one JSON object per line for start, actor load, the actor's own lines (escaped), a failed call" \
  'printf "say \"hi\"\nbye" >quote.txt && "$TN" call --node "$url" --no-verify --input quote.txt hello hello >/dev/null 2>&1 &&
   curl -s -o /dev/null -X POST --data x "$url/v1/actors/hello/no-such-op" &&
   grep "^{" node.log >json.log && ! grep -v "^{\"ts\":\"[0-9T:.-]*Z\",\"level\":\"[a-z]*\",\"event\":\"[a-z._]*\".*}$" json.log &&
   grep -q "\"event\":\"node.start\",\"node\":\"" json.log && grep -q "\"event\":\"actor.load\",\"actor\":\"hello\"" json.log &&
   grep -q "\"event\":\"actor.log\",\"actor\":\"hello\",\"stream\":\"info\",\"msg\":\"[^\"]*say \\\\\"hi\\\\\"\\\\nbye" json.log'
check "bounded load (wrk, 2 s, 8 connections): no errors, node still answers" \
  'if command -v wrk >/dev/null 2>&1; then wrk -t2 -c8 -d2s --timeout 10s -s "$root/bench/node/post.lua" "$url/v1/actors/hello/echo" >wrk.out 2>&1 &&
   ! grep -qE "Non-2xx|Socket errors" wrk.out && grep -q "Requests/sec" wrk.out && curl -sf "$url/v1/status" >/dev/null; else false; fi'
check "under load one signature covers several receipts (metrics: fewer signatures than receipts)" \
  'curl -sf "$url/metrics" >m2.txt && sigs=$(awk "/^tea_receipt_signatures_total/ {print \$2}" m2.txt) &&
   recs=$(awk "/^tea_receipts_signed_total/ {print \$2}" m2.txt) && [ "$sigs" -gt 0 ] && [ "$sigs" -lt "$recs" ]'
# eight calls at once: each is parked while the signer works, and answered with its own receipt
cpids=""
for i in 1 2 3 4 5 6 7 8; do
  printf 'c%s' "$i" >"in$i.txt"
  "$TN" call --node "$url" --ledger "client$i.log" --input "in$i.txt" --receipt "c$i.cbor" hello hello >"c$i.out" 2>&1 &
  cpids="$cpids $!"
done
cfail=0
for p in $cpids; do wait "$p" || cfail=1; done
concurrent_ok() {
  [ "$cfail" = 0 ] || return 1
  for i in 1 2 3 4 5 6 7 8; do
    grep -qx "Hello, c$i!" "c$i.out" || return 1
    "$TN" verify "c$i.cbor" --ledger ledger --input "in$i.txt" >"v$i.txt" 2>&1 || return 1
    grep -qx "PASS" "v$i.txt" || return 1
  done
  [ "$(sed -n "s/.* seq \\([0-9]*\\)$/\\1/p" v?.txt | sort -u | wc -l)" = 8 ]
}
check "eight concurrent calls: each gets its own output and a verified receipt with its own sequence number" \
  concurrent_ok
stop_node

# TLS: the operator gives a certificate ([http] tls_cert, tls_key); the node then speaks HTTPS only
tls_ok() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout tls.key -out tls.crt >openssl.log 2>&1 || return 1
  printf '[http]\ntls_cert = %s\ntls_key = %s\n' "$PWD/tls.crt" "$PWD/tls.key" >>node/node.ini
  start_https || return 1
  curl -sf --cacert tls.crt "https://127.0.0.1:$port/v1/status" | grep -q '"status":"active"' || return 1
  [ "$(code "$url/v1/status")" = 000 ] || return 1 # plain HTTP gets no answer
  printf 'tls' >tin.txt
  curl -sf --cacert tls.crt -D tls.h --data-binary @tin.txt "https://127.0.0.1:$port/v1/actors/hello/hello" >tout.txt || return 1
  grep -qx "Hello, tls!" tout.txt || return 1
  # the receipt header, base64url without padding, back to CBOR
  b64=$(sed -n 's/^[Tt]ea-[Rr]eceipt: *//p' tls.h | tr -d '\r' | tr '_-' '/+')
  while [ $((${#b64} % 4)) -ne 0 ]; do b64="$b64="; done
  printf '%s' "$b64" | base64 -d >tls.cbor || return 1
  "$TN" verify tls.cbor --ledger ledger --input tin.txt >vt.txt 2>&1 && grep -qx PASS vt.txt
}
start_https() {
  "$TN" run --state node >>node.log 2>&1 &
  pid=$!
  for _ in $(seq 600); do curl -sf --cacert tls.crt "https://127.0.0.1:$port/v1/status" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}
check "with [http] tls_cert and tls_key the node answers over HTTPS only: status, a call whose receipt verifies" tls_ok
stop_node
tap_finish
