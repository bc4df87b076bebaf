#!/bin/sh
# Node throughput: calls per second and latency (p50, p99) of a trivial actor
# call with a signed receipt, next to the same HTTP server answering a fixed
# body (the ceiling), both with wrk on loopback; and the node's memory idle
# and under load. Usage: bench/node/run.sh BUILD_DIR [SECONDS]
set -eu
build=$(cd "${1:-build}" && pwd)
secs=${2:-5}
TN="$build/src/cli/teanode"
command -v wrk >/dev/null 2>&1 || { apt-get install -y -qq wrk >/dev/null 2>&1 || true; }
command -v wrk >/dev/null 2>&1 || { echo "node bench: wrk is not installed" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/tea-nodebench.XXXXXX)
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null || true; wait $p 2>/dev/null || true; done; rm -rf "$work"' EXIT INT TERM
cd "$work"
port=$((30000 + $$ % 20000))

measure() { # label url [wrk args...]: prints "label req/s p50 p99"
  label=$1
  url=$2
  shift 2
  wrk -t2 -c32 -d"${secs}s" --latency "$@" "$url" >wrk.out 2>&1
  rps=$(awk '/Requests\/sec/ {print $2}' wrk.out)
  p50=$(awk '$1 == "50%" {print $2}' wrk.out)
  p99=$(awk '$1 == "99%" {print $2}' wrk.out)
  errs=$(awk '/Non-2xx|Socket errors/ {print}' wrk.out | tr '\n' ' ')
  printf '%-34s %10s req/s   p50 %8s   p99 %8s  %s\n' "$label" "$rps" "$p50" "$p99" "$errs"
  echo "$rps" >"$label.rps"
}

"$build/bench/node/tea_static_http" "$((port + 1))" 2 &
pids="$pids $!"

# a one-node network with the hello actor (its "echo" operation is trivial)
ACTORS="$build/actors"
. "$here/../../scripts/lib/one_node.sh"
one_node_network node "$port"
start_node() {
  "$TN" run --state node >node.log 2>&1 &
  node_pid=$!
  pids="$pids $node_pid"
  for _ in $(seq 200); do curl -sf "http://127.0.0.1:$port/v1/status" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -sf -X POST --data tea "http://127.0.0.1:$port/v1/actors/hello/echo" >/dev/null ||
    { echo "node bench: the node did not answer (its log follows)" >&2; cat node.log >&2; exit 1; }
}
stop_node() { kill "$node_pid" && wait "$node_pid" 2>/dev/null || true; }
ratio() { awk -v a="$(cat "$1.rps")" -v b="$(cat 'static response (ceiling).rps')" 'BEGIN { printf "%.2f", a / b }'; }

start_node
idle=$(awk '/VmRSS/ {print $2}' "/proc/$node_pid/status")

echo "node benchmark: wrk -t2 -c32 -d${secs}s on loopback (2 cores shared by wrk and the server)"
measure "static response (ceiling)" "http://127.0.0.1:$((port + 1))/"
measure "actor call + signed receipt" "http://127.0.0.1:$port/v1/actors/hello/echo" -s "$here/post.lua"
peak=$(awk '/VmHWM/ {print $2}' "/proc/$node_pid/status")
stop_node
# the same node with an instance pool ([actors] pool, docs/operating.md)
sed -i 's/^pool = 0$/pool = 8/' node/node.ini
grep -q '^pool = 8$' node/node.ini || { echo "node bench: cannot set [actors] pool in node.ini" >&2; exit 1; }
start_node
measure "pooled actor call + signed receipt" "http://127.0.0.1:$port/v1/actors/hello/echo" -s "$here/post.lua"
echo "node/ceiling: $(ratio 'actor call + signed receipt') fresh instances, $(ratio 'pooled actor call + signed receipt') pooled (target >= 0.5)"
echo "node memory: idle ${idle} KiB RSS, peak under load ${peak} KiB"
