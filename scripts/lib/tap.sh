# Sourced by test scripts: TAP lines ("ok N - what", "not ok N - what") and the plan.
#   check WHAT 'SHELL CONDITION'   ok when the condition (eval'd) holds
#   tap_finish                     prints "1..N"; its status is 0 only if nothing failed
tap_n=0
tap_failed=0
ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1"; }
not_ok() { tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1)); echo "not ok $tap_n - $1"; }
check() { if eval "$2"; then ok "$1"; else not_ok "$1"; fi; }
tap_finish() { echo "1..$tap_n"; [ "$tap_failed" -eq 0 ]; }
# free_port BASE [N]: the first port P from BASE on where none of P..P+N (N default 1)
# accepts a connection on loopback (a test's nodes take those ports; a process left by
# another test must not be mistaken for ours). curl's exit status 7 is "could not connect".
# Pick BASE below 32768: ports from there on are the kernel's for outgoing connections, and
# one of those can hold a port that nothing listens on (bind then fails).
port_closed() { curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1/"; [ $? -eq 7 ]; }
free_port() {
  _p=$1
  while :; do
    _k=0
    while [ "$_k" -le "${2:-1}" ] && port_closed $((_p + _k)); do _k=$((_k + 1)); done
    [ "$_k" -gt "${2:-1}" ] && break
    _p=$((_p + _k + 1))
  done
  echo "$_p"
}
