#!/bin/sh
# End-to-end on a real TPM (swtpm, started here on loopback): a node whose keys
# and measurements live in the TPM registers with a P-256 attestation key,
# serves a call whose receipt verifies, and a peer's attestation of it passes
# and reaches the ledger. TAP output. Usage: tests/e2e/swtpm.sh BUILD_DIR
set -u
build=$(cd "${1:-build}" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
TN="$build/src/cli/teanode"
ACTORS="$build/actors"
. "$root/scripts/lib/tap.sh"
work=$(mktemp -d /tmp/tea-e2e-tpm.XXXXXX)
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null; wait $p 2>/dev/null; done; [ -n "${E2E_KEEP:-}" ] || rm -rf "$work"' EXIT INT TERM
cd "$work" || exit 1
base=$(free_port $((30100 + $$ % 800)) 3)
tpm_port=$base
a=$((base + 2))
b=$((base + 3))

if ! command -v swtpm >/dev/null 2>&1; then
  echo "not ok 1 - swtpm is not installed (scripts/deps.sh installs it)"
  echo "1..1"
  exit 1
fi
mkdir tpm
listening() { bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }
# start swtpm, on another port if that one is taken, and wait until it listens
started=no
for attempt in 1 2 3 4 5; do
  swtpm socket --tpm2 --server "type=tcp,port=$tpm_port" --ctrl "type=tcp,port=$((tpm_port + 1))" \
    --tpmstate "dir=$work/tpm" --flags not-need-init,startup-clear >>swtpm.log 2>&1 &
  spid=$!
  for _ in $(seq 100); do
    if listening "$tpm_port"; then started=yes; break; fi
    kill -0 "$spid" 2>/dev/null || break
    sleep 0.05
  done
  [ "$started" = yes ] && break
  kill "$spid" 2>/dev/null
  wait "$spid" 2>/dev/null
  tpm_port=$((20000 + (tpm_port * 7 + attempt * 131) % 30000))
done
pids="$pids $spid"
if [ "$started" != yes ]; then
  echo "not ok 1 - swtpm did not start (log follows)"
  sed 's/^/# /' swtpm.log
  echo "1..1"
  exit 1
fi

# node A on swtpm, node B on the software TPM attesting it every second
. "$root/scripts/lib/one_node.sh"
one_node_network b "$b" # creates the ledger, the actor and node B (committee of one)
"$TN" init --state a --port "$a" --tpm "swtpm:127.0.0.1:$tpm_port" >a.id
cp ledger/ledger.log a/ledger.log
check "node A registers with an attestation key from the TPM" \
  '"$TN" register --state a --out a.tx 2>reg.err'
"$TN" ledger propose --dir ledger --out p2 --key c.key a.tx >/dev/null 2>&1
cp ledger/ledger.log a/ledger.log
cp ledger/ledger.log b/ledger.log
"$TN" cas put --store a/blobs hello.wasm >/dev/null
sed -i 's/^attest_interval = .*/attest_interval = 1/' b/node.ini
"$TN" run --state a >a.log 2>&1 &
pids="$pids $!"
"$TN" run --state b >b.log 2>&1 &
pids="$pids $!"
up() { for _ in $(seq 600); do curl -sf "http://127.0.0.1:$1/v1/status" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }
check "node A starts on the TPM and is active" \
  'up "$a" && up "$b" && curl -sf "http://127.0.0.1:$a/v1/status" | grep -q "\"status\":\"active\".*\"tpm\":\"tss2\""'
printf 'tpm' >in.txt
check "a call on the TPM node returns a receipt that verifies" \
  '"$TN" call --node "http://127.0.0.1:$a" --ledger client.log --input in.txt --receipt r.cbor hello hello 2>call.err | grep -qx "Hello, tpm!" &&
   "$TN" verify r.cbor --ledger ledger --input in.txt | grep -q "^PASS"'
sleep 2.5
"$TN" collect --node "http://127.0.0.1:$b" --out verdicts >verdicts.list 2>/dev/null
check "node B attested node A (quote from the TPM) and the verdict passes" \
  '[ -s verdicts.list ] && "$TN" ledger propose --dir ledger --out p3 --key c.key $(cat verdicts.list) >/dev/null 2>&1 &&
   "$TN" ledger show --dir ledger --height 3 >b2.json && grep -q "\"result\": *\"pass\"" b2.json && ! grep -q "\"result\": *\"fail\"" b2.json'
tap_finish
