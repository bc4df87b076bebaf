# Sourced by tests and benchmarks: makes a tea network in the current directory
# (committee of one, the hello actor approved, every node registered, each with
# the ledger and the actor's code). Needs TN (teanode) and ACTORS (built
# actors); sets cid, issuer.
#   one_node_network STATE_DIR PORT [STATE_DIR PORT]...
# and one_node_start (below) runs a node of it and waits until it serves.
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

# one_node_start STATE PORT [TEANODE]: runs the node of STATE (TEANODE, default
# TN; its log in STATE.log), adds its pid to $pids (for the caller's cleanup)
# and sets one_node_pid, then waits until it answers the hello actor on PORT.
# Returns 1, with the log on stderr, when it does not within 30 s.
one_node_start() {
  "${3:-$TN}" run --state "$1" >"$1.log" 2>&1 &
  one_node_pid=$!
  pids="${pids:-} $one_node_pid"
  _i=0
  while [ $_i -lt 300 ] && ! curl -sf "http://127.0.0.1:$2/v1/status" >/dev/null 2>&1; do
    sleep 0.1
    _i=$((_i + 1))
  done
  curl -sf -X POST --data tea "http://127.0.0.1:$2/v1/actors/hello/echo" >/dev/null && return 0
  echo "the node of $1 (port $2) does not answer; its log:" >&2
  cat "$1.log" >&2
  return 1
}

# one_node_workdir NAME: makes a fresh directory /tmp/tea-NAME.XXXXXX the
# current one and, on exit, stops every process in $pids and removes it.
one_node_workdir() {
  one_node_dir=$(mktemp -d "/tmp/tea-$1.XXXXXX") || return 1
  pids=""
  # shellcheck disable=SC2154 # _p is the trap's own loop variable
  trap 'for _p in $pids; do kill $_p 2>/dev/null || true; wait $_p 2>/dev/null || true; done; rm -rf "$one_node_dir"' EXIT INT TERM
  cd "$one_node_dir" || return 1
}
