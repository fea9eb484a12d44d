#!/usr/bin/env bash
# A network namespace playing the cluster's pod network, for an operator run as a local process against the
# control plane of test/cluster (hack/demo.sh, OperatorProbeE2ETest):
#
#   host namespace                       PREFIX-k8s (the operator runs here)          e.g. topology.sh's gw
#   API server 127.0.0.1:PORT <-unix socket relay-> 127.0.0.1:PORT
#                                        198.18.199.1 (lo) --veth k8s0/pod-- POD_IP/32 (the connector process)
#
# - The API server stays on the host's loopback; socat relays it through a Unix socket (TLS passes through
#   untouched), so the kubeconfig works unchanged inside and no route or address is added to the host's namespace.
# - 'attach POD_IP NS' links this namespace to NS and gives NS the pod's address (a simulated pod's IP from
#   kwok, which takes it from its node's spec.podCIDR), so the operator's GET http://POD_IP:9090/status reaches the
#   real connector there. Only attached pod addresses are routable from inside: any other pod IP fails at once
#   (network unreachable), so the operator never sends a packet to an address nobody owns.
#
# usage: cluster-net.sh up API_PORT | attach POD_IP NAMESPACE | down | env
# env:   PH_PREFIX        name prefix (default ph; <= 10 chars); the namespace is PREFIX-k8s
#        PH_CLUSTER_NET_DIR  pid files, logs, the relay's socket (default /tmp/pinhole-clusternet-PREFIX)
# 'down' removes everything 'up' and 'attach' made (the namespace, its links, the relay processes, the state dir),
# and is safe to run any number of times, also after a failed 'up'.
set -Eeuo pipefail

PREFIX="${PH_PREFIX:-ph}"
if [[ ! "$PREFIX" =~ ^[a-z][a-z0-9]{0,9}$ ]]; then
  echo "cluster-net: PH_PREFIX must be 1-10 lowercase letters/digits starting with a letter" >&2
  exit 2
fi
STATE="${PH_CLUSTER_NET_DIR:-/tmp/pinhole-clusternet-$PREFIX}"
NS="$PREFIX-k8s"
NODE_ADDR=198.18.199.1   # the operator's source address towards pods (the benchmarking range, never routed out)
MARKER=.pinhole-cluster-net
export PATH="$PATH:/usr/sbin:/sbin"

log() { echo "cluster-net[$PREFIX]: $*" >&2; }
nsx() { local ns="$1"; shift; ip netns exec "$ns" "$@"; }
ns_exists() { ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$1"; }

down() {
  set +e
  if ns_exists "$NS"; then
    # Everything inside is ours (started by this script, or the operator run with 'ip netns exec').
    for pid in $(ip netns pids "$NS" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
    ip netns del "$NS"   # also deletes the veth pairs, and with them the pod addresses in the attached namespaces
  fi
  # The host-side relay: the children it forked per connection, then itself.
  if [[ -f "$STATE/relay-host.pid" ]]; then
    local pid; pid="$(cat "$STATE/relay-host.pid")"
    if [[ "$pid" =~ ^[0-9]+$ && "$(cat "/proc/$pid/comm" 2>/dev/null)" == socat ]]; then pkill -TERM -P "$pid" 2>/dev/null; kill -TERM "$pid" 2>/dev/null; fi
  fi
  [[ -f "$STATE/$MARKER" ]] && rm -rf "$STATE"
  set -e
  log "down"
}

up() {
  local api_port="$1"
  [[ "$api_port" =~ ^[0-9]+$ ]] || { log "usage: cluster-net.sh up API_PORT"; return 2; }
  down 2>/dev/null
  if [[ -e "$STATE" && ! -f "$STATE/$MARKER" ]]; then
    log "$STATE exists and was not made by this script; choose another PH_CLUSTER_NET_DIR"
    return 1
  fi
  mkdir -p "$STATE"
  chmod 700 "$STATE"
  touch "$STATE/$MARKER"
  trap 'log "up failed; tearing down"; down' ERR
  ip netns add "$NS"
  nsx "$NS" ip link set lo up
  nsx "$NS" ip addr add "$NODE_ADDR/32" dev lo
  socat "UNIX-LISTEN:$STATE/api.sock,fork,unlink-early,mode=600" "TCP4:127.0.0.1:$api_port" \
    >"$STATE/relay-host.log" 2>&1 </dev/null &
  echo $! >"$STATE/relay-host.pid"
  nsx "$NS" socat "TCP4-LISTEN:$api_port,bind=127.0.0.1,reuseaddr,fork" "UNIX-CONNECT:$STATE/api.sock" \
    >"$STATE/relay-ns.log" 2>&1 </dev/null &
  echo $! >"$STATE/relay-ns.pid"
  local ok=false
  for _ in $(seq 50); do
    if nsx "$NS" curl -sk --max-time 2 -o /dev/null "https://127.0.0.1:$api_port/readyz"; then ok=true; break; fi
    sleep 0.2
  done
  $ok || { log "the API server is not reachable from $NS through the relay"; false; }
  echo "NS=$NS" >"$STATE/env"
  echo "NODE_ADDR=$NODE_ADDR" >>"$STATE/env"
  trap - ERR
  log "up: namespace $NS reaches the API server at 127.0.0.1:$api_port"
}

attach() {
  local pod_ip="$1" target="$2" n=0
  [[ "$pod_ip" =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]] || { log "attach: POD_IP must be an IPv4 address"; return 2; }
  case "$pod_ip" in
    198.18.* | 198.19.* | 100.6[4-9].* | 100.[7-9][0-9].* | 100.1[01][0-9].* | 100.12[0-7].*) ;;
    *) log "attach: $pod_ip is outside 198.18.0.0/15 and 100.64.0.0/10; refusing"; return 2 ;;
  esac
  ns_exists "$NS" || { log "not up"; return 1; }
  ns_exists "$target" || { log "no namespace $target"; return 1; }
  while nsx "$NS" ip link show "k8s$n" >/dev/null 2>&1; do n=$((n + 1)); done
  ip link add "k8s$n" netns "$NS" type veth peer name "pod$n" netns "$target"
  nsx "$target" ip addr add "$pod_ip/32" dev "pod$n"
  nsx "$NS" ip link set "k8s$n" up
  nsx "$target" ip link set "pod$n" up
  nsx "$NS" ip route add "$pod_ip/32" dev "k8s$n" src "$NODE_ADDR"
  nsx "$target" ip route add "$NODE_ADDR/32" dev "pod$n"
  log "attached: $pod_ip is on pod$n in $target, reachable from $NS"
}

cmd="${1:-}"
shift || true
case "$cmd" in
  up) up "${1:-}" ;;
  attach) attach "${1:-}" "${2:-}" ;;
  down) down ;;
  env) cat "$STATE/env" ;;
  *) echo "usage: cluster-net.sh up API_PORT | attach POD_IP NAMESPACE | down | env" >&2; exit 2 ;;
esac
