#!/bin/sh
# Node throughput: calls per second and latency (p50, p99) of a trivial actor
# call with a signed receipt, next to the same HTTP server answering a fixed
# body (the ceiling), all with wrk on loopback; and the node's memory idle and
# under load.
#
# The machine is shared and noisy, so the three servers run side by side (the
# static one, a node with fresh instances, a node with an instance pool) and
# are measured in turn, ROUNDS times; each round's ratio compares figures taken
# seconds apart, and the medians over the rounds are reported. Nine rounds by
# default: the ceiling alone moves ±20 % between rounds, and with five the
# median of the ratios still moved by ±0.05 from one run to the next.
# Usage: bench/node/run.sh BUILD_DIR [SECONDS_PER_MEASURE] [ROUNDS]
set -eu
build=$(cd "${1:-build}" && pwd)
secs=${2:-3}
rounds=${3:-9}
# shellcheck disable=SC2034 # TN and ACTORS are read by one_node.sh
TN="$build/src/cli/teanode"
command -v wrk >/dev/null 2>&1 || { apt-get install -y -qq wrk >/dev/null 2>&1 || true; }
command -v wrk >/dev/null 2>&1 || { echo "node bench: wrk is not installed" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../scripts/lib/tap.sh" # free_port
. "$here/../../scripts/lib/one_node.sh"
one_node_workdir nodebench || exit 1
port=$(free_port $((31000 + $$ % 1000)) 2) # fresh node, static server, pooled node (below the ephemeral range)

"$build/bench/node/tea_static_http" "$((port + 1))" 2 &
pids="$pids $!"

# a network of two nodes with the hello actor (its "echo" operation is trivial);
# the second keeps an instance pool ([actors] pool, docs/operating.md)
# shellcheck disable=SC2034
ACTORS="$build/actors"
one_node_network fresh "$port" pooled "$((port + 2))"
sed -i 's/^pool = 0$/pool = 8/' pooled/node.ini
grep -q '^pool = 8$' pooled/node.ini || { echo "node bench: cannot set [actors] pool in node.ini" >&2; exit 1; }
one_node_start fresh "$port" || exit 1
one_node_start pooled "$((port + 2))" || exit 1
# shellcheck disable=SC2154 # set by one_node_start
pooled_pid=$one_node_pid
idle=$(awk '/VmRSS/ {print $2}' "/proc/$pooled_pid/status")

measure() { # name url [wrk args...]: appends "rps p50 p99 errors" to name.txt
  name=$1
  url=$2
  shift 2
  wrk -t2 -c32 -d"${secs}s" --latency "$@" "$url" >wrk.out 2>&1
  awk -v n="$name" '/Requests\/sec/ {r = $2} $1 == "50%" {p50 = $2} $1 == "99%" {p99 = $2}
    /Non-2xx|Socket errors/ {e = e $0 " "} END {printf "%s %s %s %s\n", r, p50, p99, (e == "" ? "-" : "errors")}' \
    wrk.out >>"$name.txt"
  if grep -qE 'Non-2xx|Socket errors' wrk.out; then echo "node bench: $name: $(grep -E 'Non-2xx|Socket errors' wrk.out)" >&2; fi
}
median() { sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

echo "node benchmark: wrk -t2 -c32, ${secs} s per measure, $rounds rounds, loopback (2 cores shared by wrk and the servers)"
for r in $(seq "$rounds"); do
  measure static "http://127.0.0.1:$((port + 1))/"
  measure fresh "http://127.0.0.1:$port/v1/actors/hello/echo" -s "$here/post.lua"
  measure pooled "http://127.0.0.1:$((port + 2))/v1/actors/hello/echo" -s "$here/post.lua"
  s=$(sed -n "${r}p" static.txt | cut -d' ' -f1)
  f=$(sed -n "${r}p" fresh.txt | cut -d' ' -f1)
  p=$(sed -n "${r}p" pooled.txt | cut -d' ' -f1)
  awk -v s="$s" -v f="$f" -v p="$p" -v r="$r" \
    'BEGIN {printf "  round %d: static %.0f, fresh %.0f (%.2f), pooled %.0f (%.2f) req/s\n", r, s, f, f / s, p, p / s}'
  awk -v s="$s" -v f="$f" 'BEGIN {print f / s}' >>ratio_fresh.txt
  awk -v s="$s" -v p="$p" 'BEGIN {print p / s}' >>ratio_pooled.txt
done
peak=$(awk '/VmHWM/ {print $2}' "/proc/$pooled_pid/status")
# p50/p99 as wrk prints them (us or ms): medians over the rounds after conversion to us
to_us() { awk '{v = $1; if (v ~ /ms$/) v = v * 1000; else if (v ~ /us$/) v = v + 0; else if (v ~ /s$/) v = v * 1000000; print v}'; }
line() { # label name
  rps=$(cut -d' ' -f1 "$2.txt" | median)
  p50=$(cut -d' ' -f2 "$2.txt" | to_us | median)
  p99=$(cut -d' ' -f3 "$2.txt" | to_us | median)
  printf '%-36s %10.0f req/s   p50 %7.0f us   p99 %7.0f us  (medians)\n' "$1" "$rps" "$p50" "$p99"
}
line "static response (ceiling)" static
line "actor call + signed receipt" fresh
line "pooled actor call + signed receipt" pooled
echo "node/ceiling: $(median <ratio_fresh.txt | awk '{printf "%.2f", $1}') fresh instances, $(median <ratio_pooled.txt | awk '{printf "%.2f", $1}') pooled (medians of the per-round ratios; target >= 0.5)"
batches=$(curl -sf "http://127.0.0.1:$((port + 2))/metrics" | awk '/^tea_receipt_signatures_total/ {s = $2} /^tea_receipts_signed_total/ {r = $2} END {if (s) printf "%.1f", r / s}')
echo "receipts per signature (pooled node, whole run): $batches"
echo "node memory: idle ${idle} KiB RSS, peak under load ${peak} KiB"
if cat static.txt fresh.txt pooled.txt | grep -q errors; then echo "node bench: wrk reported errors" >&2; exit 1; fi
