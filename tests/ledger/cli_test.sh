#!/bin/sh
# usage: tests/ledger/cli_test.sh BUILD_DIR     (POSIX sh)
#
# teanode ledger and teanode cas end to end: keygen, a 2-of-3 genesis approved in two
# steps, transactions of several kinds proposed and approved, status changes visible
# in `status` and `show --state` at past heights, `verify` (also with a pinned and a
# wrong genesis), refusals (a non-member approving, an invalid proposal), --help on
# every command; cas put/get/cid/pin/gc round trips. Prints TAP.
set -u
if [ $# -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
build=$(cd "$1" && pwd) || exit 2
T=$build/src/cli/teanode
work=$(mktemp -d "${TMPDIR:-/tmp}/tea-ledger-cli.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT PIPE TERM
cd "$work" || exit 1
export TEA_LEDGER_DIR="$work/L" TEA_CAS_DIR="$work/cas"

n=0
failed=0
check() { # name, command...: ok when the command succeeds
  name=$1
  shift
  n=$((n + 1))
  if "$@" >"$work/out" 2>&1; then
    echo "ok $n - $name"
  else
    echo "not ok $n - $name"
    sed 's/^/# /' "$work/out" | head -n 10
    failed=$((failed + 1))
  fi
}
refuse() { # name, expected stderr text, command...: ok when it fails saying that
  name=$1
  want=$2
  shift 2
  n=$((n + 1))
  if "$@" >"$work/out" 2>&1; then
    echo "not ok $n - $name (succeeded)"
    failed=$((failed + 1))
  elif grep -q "$want" "$work/out"; then
    echo "ok $n - $name"
  else
    echo "not ok $n - $name"
    sed 's/^/# /' "$work/out" | head -n 5
    failed=$((failed + 1))
  fi
}
has() { grep -q "$1" "$work/out"; }

echo "1..22"
for k in c1 c2 c3 n1 n2 n3 outsider; do "$T" ledger keygen --out $k >$k.pub || exit 1; done
check "keygen writes a 0600 key" sh -c '[ "$(stat -c %a c1)" = 600 ] && [ ${#1} -eq 64 ]' _ "$(cat c1.pub)"
check "init makes a genesis proposal" "$T" ledger init --member "$(cat c1.pub)" --member "$(cat c2.pub)" \
  --member "$(cat c3.pub)" --threshold 2 --fresh-window 8 --quarantine-attestors 2 --recover-passes 1 --key c1
prop=$(ls L/proposals/0-*.cbor)
refuse "a non-member cannot approve" "not a committee member" "$T" ledger approve --key outsider "$prop"
check "the second approval appends genesis" sh -c '"$1" ledger approve --key c2 "$2" | grep -q "block 0 appended"' _ "$T" "$prop"
genesis=$("$T" ledger show --height 0 | sed -n 's/.*"cid": "\(b[a-z0-9]*\)".*/\1/p' | head -n 1)
for i in 1 2 3; do
  "$T" ledger tx node.register --key n$i --out reg$i --ak-file n$i.pub --ak-alg ed25519 \
    --enc "$(cat n$i.pub)" --endpoint "http://127.0.0.1:700$i" --tier $i >/dev/null 2>&1
done
echo "actor v1" >actor.wasm
check "cas cid" sh -c '"$1" cas cid actor.wasm >cid1 && grep -q "^bafkrei" cid1' _ "$T"
check "tx and propose (3 registrations, an actor)" sh -c \
  '"$1" ledger tx actor.register --key c3 --out act --name echo --cid "$(cat cid1)" --cap wasmcloud:log --fuel 1000 &&
   "$1" ledger propose --key c1 reg1 reg2 reg3 act >p1 && "$1" ledger approve --key c3 "$(cat p1)" | grep -q "block 1 appended"' _ "$T"
check "a failed verdict makes the subject suspicious" sh -c \
  '"$1" ledger tx verdict --key n1 --out v1 --subject "$(cat n2.pub)" --vnonce 01 --result fail --reason "pcr mismatch" --fresh-height 1 &&
   "$1" ledger propose --key c1 --key c2 v1 >/dev/null && "$1" ledger status | grep "$(cat n2.pub)" | grep -q suspicious' _ "$T"
check "a second attestor's failure quarantines it" sh -c \
  '"$1" ledger tx verdict --key n3 --out v2 --subject "$(cat n2.pub)" --vnonce 02 --result fail --fresh-height 2 &&
   "$1" ledger propose --key c1 --key c2 v2 >/dev/null && "$1" ledger status | grep "$(cat n2.pub)" | grep -q quarantined' _ "$T"
check "status at a past height" sh -c '"$1" ledger status --height 2 | grep "$(cat n2.pub)" | grep -q suspicious' _ "$T"
check "show --state at a past height is JSON" sh -c \
  '"$1" ledger show --state --height 1 | grep -q "\"status\": \"active\""' _ "$T"
check "the committee reinstates" sh -c \
  '"$1" ledger tx node.reinstate --key c2 --out r --node "$(cat n2.pub)" --reason fixed &&
   "$1" ledger propose --key c2 --key c3 r >/dev/null && "$1" ledger status | grep "$(cat n2.pub)" | grep -q active' _ "$T"
refuse "a replayed transaction is refused" "duplicate transaction" "$T" ledger propose v1
refuse "an invalid transaction is refused" "no actor 'ghost'" sh -c \
  '"$1" ledger tx actor.retire --key c1 --out ghost --name ghost && "$1" ledger propose ghost' _ "$T"
refuse "a node cannot propose committee transactions" "not a committee member" sh -c \
  '"$1" ledger tx runtime.approve --key n1 --out rt --hash "$(cat n1.pub)" --version 1 --platform x && "$1" ledger propose rt' _ "$T"
refuse "a field of another kind is refused" "actor.register takes no --node" \
  "$T" ledger tx actor.register --key c1 --out x --name a --cid "$(cat cid1)" --node "$(cat n1.pub)"
check "verify the whole chain, genesis pinned" sh -c '"$1" ledger verify --genesis "$2" | grep -q "valid: 5 blocks"' _ "$T" "$genesis"
refuse "verify refuses another genesis" "genesis is not" "$T" ledger verify --genesis "$(cat cid1)"
check "show prints a block as JSON" sh -c '"$1" ledger show --height 2 | grep -q "\"kind\": \"verdict\""' _ "$T"
check "--help on every ledger command" sh -c 'for c in keygen init tx propose approve show status verify; do
  "$1" ledger $c --help | grep -q "^usage: teanode ledger" || exit 1; done; "$1" ledger --help >/dev/null' _ "$T"
head -c 700000 /dev/urandom >big.bin
check "cas put/get round trip (multi-block file)" sh -c \
  '"$1" cas put big.bin >c && "$1" cas get "$(cat c)" -o back.bin && cmp big.bin back.bin &&
   [ "$(cat c)" = "$("$1" cas cid big.bin)" ]' _ "$T"
check "cas gc keeps pinned, frees unpinned" sh -c \
  '"$1" cas put actor.wasm >/dev/null && "$1" cas pin "$(cat c)" && "$1" cas gc | grep -q "^freed 9 bytes" &&
   "$1" cas get "$(cat c)" | cmp - big.bin && "$1" cas pin --rm "$(cat c)" && "$1" cas gc | grep -q "^freed 7" &&
   ! "$1" cas get "$(cat c)" >/dev/null 2>&1' _ "$T"
check "--help on every cas command" sh -c 'for c in put get cid pin gc; do
  "$1" cas $c --help | grep -q "^usage: teanode cas" || exit 1; done; "$1" cas --help >/dev/null' _ "$T"
[ "$failed" -eq 0 ]
