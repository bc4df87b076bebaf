#!/bin/sh
# A/B of two teanode binaries as nodes: which makes an actor call cheaper?
# Both serve the hello actor side by side and are measured in turn (wrk -t2
# -c32, ROUNDS rounds of SECONDS each), so the machine's drift reaches both
# alike. Prints each round's calls/s and the node's CPU time per call (user +
# system, from /proc), then the medians. CPU per call answers "cheaper?" more
# directly than calls/s, which also moves with how wrk and the node share the
# cores; on this 2-core VM both still move by 2-7 % between identical runs, so
# look for differences larger than that, or run more rounds.
# Usage: bench/node/ab.sh TEANODE_A TEANODE_B [SECONDS] [ROUNDS] [POOL]
#   POOL: [actors] pool for both nodes (default 0: a fresh instance per call)
#   ACTORS: where hello.wasm is (default: the actors/ of TEANODE_A's build)
set -eu
[ $# -ge 2 ] || { echo "usage: $0 TEANODE_A TEANODE_B [SECONDS] [ROUNDS] [POOL]" >&2; exit 2; }
a_bin=$(realpath "$1")
b_bin=$(realpath "$2")
secs=${3:-3}
rounds=${4:-6}
pool=${5:-0}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
command -v wrk >/dev/null 2>&1 || { echo "ab.sh: wrk is not installed" >&2; exit 1; }
. "$root/scripts/lib/tap.sh" # free_port
. "$root/scripts/lib/one_node.sh"
one_node_workdir ab || exit 1
port=$(free_port $((30600 + $$ % 1000)) 1)
# shellcheck disable=SC2034 # both are read by one_node.sh
TN=$a_bin ACTORS=${ACTORS:-$(dirname "$a_bin")/../../actors} # A's build's, unless given
[ -f "$ACTORS/hello.wasm" ] || { echo "ab.sh: $ACTORS/hello.wasm is missing (make first)" >&2; exit 1; }
one_node_network a "$port" b "$((port + 1))" >/dev/null
sed -i "s/^pool = 0$/pool = $pool/" a/node.ini b/node.ini
one_node_start a "$port" "$a_bin" || exit 1
a_pid=$one_node_pid
one_node_start b "$((port + 1))" "$b_bin" || exit 1
b_pid=$one_node_pid
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
tck=$(getconf CLK_TCK)
echo "A: $a_bin"
echo "B: $b_bin"
echo "wrk -t2 -c32, $secs s per measure, $rounds rounds, pool $pool"
for r in $(seq "$rounds"); do
  for x in a b; do
    if [ $x = a ]; then p=$port pid=$a_pid; else p=$((port + 1)) pid=$b_pid; fi
    c0=$(cpu_ticks $pid)
    wrk -t2 -c32 -d"${secs}s" -s "$here/post.lua" "http://127.0.0.1:$p/v1/actors/hello/echo" >wrk.out 2>&1
    c1=$(cpu_ticks $pid)
    if grep -qE 'Non-2xx|Socket errors' wrk.out; then echo "ab.sh: $x: $(grep -E 'Non-2xx|Socket errors' wrk.out)" >&2; exit 1; fi
    awk -v x=$x -v r="$r" -v c=$((c1 - c0)) -v t="$tck" '/requests in/ {n = $1}
      /Requests\/sec/ {printf "  round %d %s: %.0f calls/s, %.2f us CPU per call\n", r, x, $2, c / t * 1e6 / n;
                       printf "%s %s %.3f\n", x, $2, c / t * 1e6 / n >> "res.txt"}' wrk.out
  done
done
median() { sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
for x in a b; do
  rps=$(awk -v x=$x '$1 == x {print $2}' res.txt | median)
  cpu=$(awk -v x=$x '$1 == x {print $3}' res.txt | median)
  printf '%s median: %.0f calls/s, %s us CPU per call\n' "$(echo $x | tr ab AB)" "$rps" "$cpu"
done
