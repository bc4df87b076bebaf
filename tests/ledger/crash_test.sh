#!/bin/sh
# usage: tests/ledger/crash_test.sh BUILD_DIR     (POSIX sh)
#
# Crash safety of the file ledger. 100 rounds: a writer (a loop of `teanode ledger
# propose --key A --key B`, each run appending one block with an fsync) is killed with
# SIGKILL after a random delay; then the ledger must reopen and verify from genesis, at
# the last block the writer acknowledged or the one after it (appended, fsync'd, killed
# before it printed). Every fifth round also appends a torn record (random bytes, or
# zeros as a file extended but never written) by hand: reopening must cut it and keep
# every complete block. Prints TAP ("ok N - name" / "not ok N - name").
set -u
if [ $# -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
build=$(cd "$1" && pwd) || exit 2
teanode=$build/src/cli/teanode
work=$(mktemp -d "${TMPDIR:-/tmp}/tea-crash.XXXXXX") || exit 1
writer=""
cleanup() {
  [ -n "$writer" ] && kill -9 "-$writer" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' HUP INT PIPE TERM

rounds=${CRASH_ROUNDS:-100}
echo "1..3"
L=$work/L
for i in 1 2 3; do "$teanode" ledger keygen --out "$work/k$i" >"$work/p$i" || exit 1; done
if "$teanode" ledger init --dir "$L" --member "$(cat "$work/p1")" --member "$(cat "$work/p2")" \
     --member "$(cat "$work/p3")" --threshold 2 --key "$work/k1" --key "$work/k2" >/dev/null 2>&1; then
  echo "ok 1 - genesis"
else
  echo "not ok 1 - genesis"
  exit 1
fi

count() { # blocks in the ledger, or -1 if it does not open and verify
  tries=0
  # SIGKILL is asynchronous: the killed writer may hold the file lock a moment longer
  while ! out=$("$teanode" ledger verify --dir "$L" 2>&1); do
    tries=$((tries + 1))
    case "$out" in
      *"in use by another process"*) [ "$tries" -lt 100 ] && { sleep 0.02; continue; } ;;
    esac
    echo "# $out" >&2
    echo -1
    return
  done
  echo "$out" | sed -n 's/^valid: \([0-9]*\) blocks.*/\1/p'
}

# a random number in 0..$1-1 (od reads /dev/urandom: no $RANDOM in POSIX sh)
rnd() { echo $(( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % $1 )); }

bad=0
acked=1
round=0
while [ "$round" -lt "$rounds" ]; do
  round=$((round + 1))
  : >"$work/log"
  # its own process group (setsid execs in place: $! is the group), so one kill
  # takes the loop and the teanode it is running at that instant
  setsid sh -c 'while :; do "$1" ledger propose --dir "$2" --key "$3" --key "$4" || exit 1; done' \
    writer "$teanode" "$L" "$work/k1" "$work/k3" >>"$work/log" 2>/dev/null &
  writer=$!
  # 0-60 ms: lands anywhere in a run (opening, verifying, writing, fsync)
  sleep "0.0$(rnd 60 | sed 's/^\([0-9]\)$/0\1/')"
  kill -9 "-$writer" 2>/dev/null
  wait "$writer" 2>/dev/null
  writer=""
  last=$(sed -n 's/^block \([0-9]*\) appended.*/\1/p' "$work/log" | tail -n 1)
  [ -n "$last" ] && acked=$((last + 1))
  if [ $((round % 5)) -eq 0 ]; then
    if [ $((round % 10)) -eq 0 ]; then
      head -c "$(( $(rnd 400) + 1 ))" /dev/urandom >>"$L/ledger.log"
    else
      head -c "$(( $(rnd 400) + 1 ))" /dev/zero >>"$L/ledger.log"
    fi
  fi
  n=$(count)
  if [ "$n" -lt "$acked" ] || [ "$n" -gt $((acked + 1)) ]; then
    echo "# round $round: ledger has $n blocks, writer acknowledged $acked"
    bad=$((bad + 1))
  fi
  [ "$n" -ge 0 ] && acked=$n
done
if [ "$bad" -eq 0 ]; then
  echo "ok 2 - $rounds SIGKILL rounds: always reopens at the last complete block ($acked blocks)"
else
  echo "not ok 2 - $bad of $rounds rounds lost or corrupted blocks"
fi

# A flipped byte inside an early record is corruption, not a torn tail: refused.
size=$(wc -c <"$L/ledger.log")
if [ "$size" -gt 200 ]; then
  printf '\377' | dd of="$L/ledger.log" bs=1 seek=40 conv=notrunc 2>/dev/null
  if "$teanode" ledger verify --dir "$L" >/dev/null 2>&1; then
    echo "not ok 3 - a corrupt record in the middle was accepted"
  else
    echo "ok 3 - a corrupt record in the middle is refused"
  fi
else
  echo "not ok 3 - the ledger did not grow ($size bytes)"
fi
