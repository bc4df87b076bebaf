# Sourced by tests and benchmarks: makes a one-node tea network in the current
# directory (committee of one, the hello actor approved, the node registered).
# Needs TN (teanode) and ACTORS (built actors); sets cid, issuer.
#   one_node_network STATE_DIR PORT
one_node_network() {
  "$TN" ledger keygen --out c.key >c.pub
  "$TN" ledger init --dir ledger --member "$(cat c.pub)" --threshold 1 --key c.key >/dev/null
  "$TN" actor keygen -o dev.seed >dev.out 2>&1
  issuer=$(sed -n 's/.*hex (for ledger records): *//p' dev.out)
  cid=$("$TN" actor sign "$ACTORS/hello.wasm" -o hello.wasm --key dev.seed --name hello --cap tea:log | tail -n 1)
  "$TN" init --state "$1" --port "$2" >"$1.id"
  cp ledger/ledger.log "$1/ledger.log"
  "$TN" register --state "$1" --out "$1.tx"
  "$TN" ledger tx runtime.approve --dir ledger --key c.key --out rt.tx \
    --hash "$(sha256sum "$TN" | cut -d' ' -f1)" --version 0.1.0 --platform "$(uname -m)-linux" >/dev/null
  "$TN" ledger tx actor.register --dir ledger --key c.key --out a.tx --name hello --cid "$cid" \
    --issuer "$issuer" --cap tea:log >/dev/null
  "$TN" ledger propose --dir ledger --out p --key c.key rt.tx a.tx "$1.tx" >/dev/null
  cp ledger/ledger.log "$1/ledger.log"
  "$TN" cas put --store "$1/blobs" hello.wasm >/dev/null
}
