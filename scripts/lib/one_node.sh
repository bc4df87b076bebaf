# Sourced by tests and benchmarks: makes a tea network in the current directory
# (committee of one, the hello actor approved, every node registered, each with
# the ledger and the actor's code). Needs TN (teanode) and ACTORS (built
# actors); sets cid, issuer.
#   one_node_network STATE_DIR PORT [STATE_DIR PORT]...
one_node_network() {
  "$TN" ledger keygen --out c.key >c.pub
  "$TN" ledger init --dir ledger --member "$(cat c.pub)" --threshold 1 --key c.key >/dev/null
  "$TN" actor keygen -o dev.seed >dev.out 2>&1
  issuer=$(sed -n 's/.*hex (for ledger records): *//p' dev.out)
  cid=$("$TN" actor sign "$ACTORS/hello.wasm" -o hello.wasm --key dev.seed --name hello --cap tea:log | tail -n 1)
  _states=""
  _txs=""
  while [ $# -ge 2 ]; do
    "$TN" init --state "$1" --port "$2" >"$1.id"
    cp ledger/ledger.log "$1/ledger.log"
    "$TN" register --state "$1" --out "$1.tx"
    _states="$_states $1"
    _txs="$_txs $1.tx"
    shift 2
  done
  "$TN" ledger tx runtime.approve --dir ledger --key c.key --out runtime.tx \
    --hash "$(sha256sum "$TN" | cut -d' ' -f1)" --version 0.1.0 --platform "$(uname -m)-linux" >/dev/null
  "$TN" ledger tx actor.register --dir ledger --key c.key --out actor.tx --name hello --cid "$cid" \
    --issuer "$issuer" --cap tea:log >/dev/null
  # shellcheck disable=SC2086 # one argument per transaction file
  "$TN" ledger propose --dir ledger --out p --key c.key runtime.tx actor.tx $_txs >/dev/null
  for _s in $_states; do
    cp ledger/ledger.log "$_s/ledger.log"
    "$TN" cas put --store "$_s/blobs" hello.wasm >/dev/null
  done
}
