# Sourced by tests: a 3-member etcd cluster on loopback, with short heartbeat and
# election timeouts (50 ms, 500 ms) so that losing a member costs well under a second.
# POSIX sh. Needs etcd (scripts/deps.sh installs etcd-server) and curl.
#
#   etcd_cluster_start DIR   starts members m1..m3 (data and logs m$i.log under DIR) on
#                            ports of their own, different every run; sets
#                            ETCD_PIDS     "pid1 pid2 pid3" (m1 first)
#                            ETCD_MEMBERS  "127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3"
#                            ETCD_URLS     "http://127.0.0.1:P1,...", and ETCD_URL1..3
#                            and returns 1 unless every member is healthy within 30 s
#                            (a loaded CI machine starts etcd slowly).
#   etcd_member_kill I       kills member I (SIGKILL) and waits for it
#   etcd_cluster_stop        kills every member still running
etcd_cluster_start() {
  _etcd_dir=$1
  # a port range of our own, different every run, so parallel runs do not collide,
  # and below the ephemeral range (32768 on), where an outgoing connection could hold it
  _etcd_base=$((28500 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 1500))
  _etcd_cluster=""
  for _i in 1 2 3; do
    _etcd_cluster="$_etcd_cluster${_etcd_cluster:+,}m$_i=http://127.0.0.1:$((_etcd_base + 10 + _i))"
  done
  ETCD_PIDS=""
  ETCD_MEMBERS=""
  ETCD_URLS=""
  for _i in 1 2 3; do
    _c=http://127.0.0.1:$((_etcd_base + _i))
    _p=http://127.0.0.1:$((_etcd_base + 10 + _i))
    etcd --name "m$_i" --data-dir "$_etcd_dir/m$_i" --listen-client-urls "$_c" --advertise-client-urls "$_c" \
      --listen-peer-urls "$_p" --initial-advertise-peer-urls "$_p" --initial-cluster "$_etcd_cluster" \
      --initial-cluster-state new --initial-cluster-token "tea-$_etcd_base" \
      --heartbeat-interval 50 --election-timeout 500 >"$_etcd_dir/m$_i.log" 2>&1 &
    ETCD_PIDS="$ETCD_PIDS${ETCD_PIDS:+ }$!"
    ETCD_MEMBERS="$ETCD_MEMBERS${ETCD_MEMBERS:+,}127.0.0.1:$((_etcd_base + _i))"
    ETCD_URLS="$ETCD_URLS${ETCD_URLS:+,}$_c"
    eval "ETCD_URL$_i=\$_c"
  done
  for _ in $(seq 1 300); do
    _up=0
    for _u in $(echo "$ETCD_URLS" | tr ',' ' '); do
      curl -sf "$_u/health" 2>/dev/null | grep -q '"true"' && _up=$((_up + 1))
    done
    [ "$_up" -eq 3 ] && return 0
    sleep 0.1
  done
  return 1
}

etcd_member_kill() {
  _pid=$(echo "${ETCD_PIDS:-}" | cut -d' ' -f"$1")
  kill -9 "$_pid" 2>/dev/null
  wait "$_pid" 2>/dev/null
  return 0
}

etcd_cluster_stop() {
  for _pid in ${ETCD_PIDS:-}; do kill -9 "$_pid" 2>/dev/null; done
  for _pid in ${ETCD_PIDS:-}; do wait "$_pid" 2>/dev/null; done
  return 0
}
