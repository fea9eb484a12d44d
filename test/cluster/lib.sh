# shellcheck shell=bash disable=SC2034  # settings used by the scripts that source this file
# Shared settings and helpers of up.sh and down.sh (sourced, not run).
state="${PINHOLE_CLUSTER_DIR:-/tmp/pinhole-cluster}"
# Every port listens on 127.0.0.1 only; each can be moved with its environment variable.
API_PORT="${PINHOLE_API_PORT:-16443}"
ETCD_PORT="${PINHOLE_ETCD_PORT:-12379}"
ETCD_PEER_PORT="${PINHOLE_ETCD_PEER_PORT:-12380}"
CONTROLLER_MANAGER_PORT="${PINHOLE_CONTROLLER_MANAGER_PORT:-10257}"
SCHEDULER_PORT="${PINHOLE_SCHEDULER_PORT:-10259}"
KWOK_PORT="${PINHOLE_KWOK_PORT:-10247}"
SERVICE_CIDR=10.96.0.0/16
SERVICE_IP=10.96.0.1
# Pod CIDRs of pinhole-nat-0 and pinhole-nat-1 (the plain workers' pods get kwok's --cidr, 10.244.0.0/16).
NAT_POD_CIDR_0=198.18.200.0/24
NAT_POD_CIDR_1=198.18.201.0/24
# down.sh removes a state dir only when it holds this marker, so a wrong PINHOLE_CLUSTER_DIR cannot wipe anything else.
STATE_MARKER=.pinhole-cluster
# Stop order: the reverse of the start order.
COMPONENTS=(kwok kube-scheduler kube-controller-manager kube-apiserver etcd)

log() { echo "cluster: $*" >&2; }

# start NAME BINARY ARGS...: runs BINARY detached in its own session, logging to logs/NAME.log; records
# "PID BINARY" in pids/NAME.pid so down.sh stops exactly this process, and the command line in cmd/NAME
# (NUL-separated) so restart.sh can start it again the same way.
start() {
  local name="$1" binary="$2"; shift 2
  mkdir -p "$state/cmd"
  printf '%s\0' "$binary" "$@" > "$state/cmd/$name"
  setsid "$binary" "$@" >> "$state/logs/$name.log" 2>&1 < /dev/null &
  local pid=$! exe; exe="$(readlink -f "$binary")"
  echo "$pid $exe" > "$state/pids/$name.pid"
  # Until the forked shell has exec'd the binary, /proc/PID/exe is bash and alive() would call it dead.
  for _ in $(seq 1 100); do
    [[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" == "$exe" ]] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  log "started $name (pid $pid)"
}

# alive NAME: true when the process recorded for NAME still runs the recorded binary.
alive() {
  local f="$state/pids/$1.pid" pid binary
  [[ -f "$f" ]] || return 1
  read -r pid binary < "$f"
  [[ -n "$pid" && "$(readlink "/proc/$pid/exe" 2>/dev/null)" == "$binary" ]]
}

# wait_for WHAT SECONDS COMMAND...: retries COMMAND once a second; on timeout prints the component logs' tails.
wait_for() {
  local what="$1" seconds="$2"; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" > /dev/null 2>&1; do
    for c in "${COMPONENTS[@]}"; do
      if [[ -f "$state/pids/$c.pid" ]] && ! alive "$c"; then
        log "$c exited while waiting for $what; last log lines:"; tail -n 20 "$state/logs/$c.log" >&2; return 1
      fi
    done
    if ((SECONDS >= deadline)); then
      log "timed out after $seconds s waiting for $what"
      for c in "${COMPONENTS[@]}"; do [[ -f "$state/logs/$c.log" ]] && { echo "--- $c" >&2; tail -n 5 "$state/logs/$c.log" >&2; }; done
      return 1
    fi
    sleep 1
  done
  log "$what: ok"
}

check_ports_free() {
  local p
  for p in "$API_PORT" "$ETCD_PORT" "$ETCD_PEER_PORT" "$CONTROLLER_MANAGER_PORT" "$SCHEDULER_PORT" "$KWOK_PORT"; do
    if ss -Hltn "sport = :$p" | grep -q .; then
      log "port $p on this machine is already in use (set PINHOLE_*_PORT to move it)"; return 1
    fi
  done
}

# cluster_healthy: every component runs, the API server is ready and all nodes are Ready.
cluster_healthy() {
  [[ -f "$state/$STATE_MARKER" && -f "$state/kubectl-path" ]] || return 1
  local c; for c in "${COMPONENTS[@]}"; do alive "$c" || return 1; done
  local kubectl; kubectl="$(cat "$state/kubectl-path")"
  "$kubectl" --kubeconfig="$state/kubeconfig" get --raw=/readyz > /dev/null 2>&1 || return 1
  "$kubectl" --kubeconfig="$state/kubeconfig" wait --for=condition=Ready node --all --timeout=5s > /dev/null 2>&1
}

# stop_component NAME: SIGTERM to the recorded process, SIGKILL after 10 s; nothing when it is not running.
stop_component() {
  local c="$1" pid
  alive "$c" || return 0
  read -r pid _ < "$state/pids/$c.pid"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do alive "$c" || break; sleep 0.1; done
  if alive "$c"; then log "$c (pid $pid) ignored SIGTERM; killing it"; kill -KILL "$pid" 2>/dev/null || true; fi
  for _ in $(seq 1 50); do alive "$c" || break; sleep 0.1; done
  log "stopped $c (pid $pid)"
}

# wait_ready NAME SECONDS: waits until component NAME answers its health check.
wait_ready() {
  local kubectl; kubectl="$(cat "$state/kubectl-path")"
  case "$1" in
    etcd) wait_for etcd "$2" curl -fsS "http://127.0.0.1:$ETCD_PORT/health" ;;
    kube-apiserver) wait_for "kube-apiserver /readyz" "$2" "$kubectl" --kubeconfig="$state/kubeconfig" get --raw=/readyz ;;
    kube-controller-manager) wait_for "kube-controller-manager /healthz" "$2" curl -fsSk "https://127.0.0.1:$CONTROLLER_MANAGER_PORT/healthz" ;;
    kube-scheduler) wait_for "kube-scheduler /healthz" "$2" curl -fsSk "https://127.0.0.1:$SCHEDULER_PORT/healthz" ;;
    kwok) wait_for "kwok /healthz" "$2" curl -fsS "http://127.0.0.1:$KWOK_PORT/healthz" ;;
    *) log "unknown component $1"; return 2 ;;
  esac
}
