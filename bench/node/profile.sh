#!/bin/sh
# Where a node's CPU goes during actor calls: a one-node network with the
# hello actor under wrk (-t2 -c32, 12 s), recorded by perf for 5 s in the
# middle. Writes OUT (default ./perf.data) and prints the rate and the top of
# the flat profile; read more with `perf report -i OUT` (--children, -G).
# Usage: bench/node/profile.sh [BUILD_DIR] [POOL] [OUT] [PERF_RECORD_ARGS...]
#   POOL: [actors] pool (default 0: a fresh instance per call)
#   PERF_RECORD_ARGS: e.g. --call-graph=dwarf,16384 (default: -g)
set -eu
build=$(realpath "${1:-build}")
pool=${2:-0}
out=$(realpath "${3:-perf.data}")
if [ $# -gt 3 ]; then shift 3; else set --; fi
[ $# -gt 0 ] || set -- -g
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
for t in wrk perf; do command -v $t >/dev/null 2>&1 || { echo "profile.sh: $t is not installed" >&2; exit 1; }; done
. "$root/scripts/lib/tap.sh" # free_port
. "$root/scripts/lib/one_node.sh"
one_node_workdir profile || exit 1
port=$(free_port $((30500 + $$ % 1000)) 1)
TN="$build/src/cli/teanode"
# shellcheck disable=SC2034 # read by one_node.sh
ACTORS="$build/actors"
one_node_network node "$port" >/dev/null
sed -i "s/^pool = 0$/pool = $pool/" node/node.ini
one_node_start node "$port" || exit 1
wrk -t2 -c32 -d12s --latency -s "$here/post.lua" "http://127.0.0.1:$port/v1/actors/hello/echo" >wrk.out 2>&1 &
w=$!
sleep 3
perf record "$@" -F 3000 -p "$one_node_pid" -o "$out" -- sleep 5 >/dev/null 2>&1
wait $w
grep -E "Requests/sec|Non-2xx|Socket errors" wrk.out
perf report -i "$out" --no-children -g none --sort sym 2>/dev/null | grep -E '^ +[0-9]' | head -25
