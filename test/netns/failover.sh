#!/usr/bin/env bash
# The failover topology in network namespaces (see docs/e2e.md#failover-harness): two connector replicas with the
# same key and config behind a UDP load balancer that health-checks them, as a cloud load balancer or kube-proxy
# would, and behind one NAT gateway with the elastic IP.
#
#                                    ┌── gwa (replica a) ──┐
#   laptop ──inet 198.18.0.0/30── lb ┤                     ├── natgw ──outside/lan 203.0.113.0/24── saas
#                                    └── gwb (replica b) ──┘
#
#   laptop: wireguard-go; its peer endpoint is the load balancer's public address 198.18.0.1:51820
#   lb:     DNAT of UDP 51820 to the serving replica; a health checker asks each replica's /readyz every
#           PH_LB_INTERVAL seconds and, after PH_LB_FALL failures of the serving one, moves to a healthy one and
#           deletes the conntrack entries of the old one (conntrack -D, what kube-proxy does for UDP)
#   gwa/gwb: the Java connector, same key, same config; each reaches the SaaS only through natgw
#   natgw:  SNAT to 203.0.113.10, the elastic IP;  saas: nginx (allow 203.0.113.10), dnsmasq, UDP echo
#   config: *.saas.test (app.saas.test, resolved anew per request), and pinned.saas.test (nginx) and
#           echo.saas.test (UDP echo) listed exactly, each resolved once by the probe and kept across a failover
#
# usage: failover.sh measure | up | down | start-replica a|b [connector args...] | stop-replica a|b [KILL|TERM]
#        | serving | status
#   measure: runs FailoverE2ETest (its own topology under a random prefix: the three scenarios side by side)
#            and prints its table (also in target/failover-report.md)
# env:   PH_PREFIX (default phfo; <= 8 chars), PH_STATE_DIR (default /tmp/pinhole-failover-PREFIX), PH_JAVA,
#        PH_JAVA_OPTS, PH_CONNECTOR_CP (as topology.sh), PH_LB_INTERVAL (default 0.5), PH_LB_FALL (default 2)
# Everything it creates is removed by 'down' (namespaces, processes by pid file, /etc/netns/<ns>, the state dir).
set -Eeuo pipefail
umask 022

PREFIX="${PH_PREFIX:-phfo}"
if [[ ! "$PREFIX" =~ ^[a-z][a-z0-9]{0,7}$ ]]; then
  echo "failover: PH_PREFIX must be 1-8 lowercase letters/digits starting with a letter" >&2
  exit 2
fi
STATE="${PH_STATE_DIR:-/tmp/pinhole-failover-$PREFIX}"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export PATH="$PATH:/usr/sbin:/sbin"

NS_LAPTOP="$PREFIX-laptop"
NS_LB="$PREFIX-lb"
NS_GWA="$PREFIX-gwa"
NS_GWB="$PREFIX-gwb"
NS_NATGW="$PREFIX-natgw"
NS_SAAS="$PREFIX-saas"
ALL_NS=("$NS_LAPTOP" "$NS_LB" "$NS_GWA" "$NS_GWB" "$NS_NATGW" "$NS_SAAS")
WG_LAPTOP="${PREFIX}-wl"

LAPTOP_INET=198.18.0.2
LB_PUBLIC=198.18.0.1
LB_A=198.18.3.1
GWA_LB=198.18.3.2
LB_B=198.18.4.1
GWB_LB=198.18.4.2
GWA_WAN=198.18.1.1
NATGW_A=198.18.1.2
GWB_WAN=198.18.1.5
NATGW_B=198.18.1.6
ELASTIC_IP=203.0.113.10
SAAS_IP=203.0.113.20
SAAS_UDP_IP=203.0.113.21
TUNNEL_ADDR=100.96.0.1
TUNNEL_CIDR=100.96.0.1/24
CLIENT_ADDR=100.96.0.2/32
APP_RANGE=100.80.0.0/12
WG_PORT=51820
MTU=1420
HTTP_PORT=9090
LB_INTERVAL="${PH_LB_INTERVAL:-0.5}"
LB_FALL="${PH_LB_FALL:-2}"

log() { echo "failover[$PREFIX]: $*" >&2; }
nsx() { local ns="$1"; shift; ip netns exec "$ns" "$@"; }

start_bg() {
  local name="$1" ns="$2"
  shift 2
  ip netns exec "$ns" "$@" >>"$STATE/$name.log" 2>&1 </dev/null &
  echo $! >"$STATE/$name.pid"
}

stop_pid_file() { # stop_pid_file FILE [SIGNAL] [WAIT_TENTHS]: signal the pid, wait, then SIGKILL it
  local file="$1" sig="${2:-TERM}" tenths="${3:-30}" pid
  [[ -f "$file" ]] || return 0
  pid="$(cat "$file" 2>/dev/null || true)"
  rm -f "$file"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  kill -s "$sig" "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 "$tenths"); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -s KILL "$pid" 2>/dev/null || true
}

wait_for() {
  local what="$1" tries="$2"
  shift 2
  for _ in $(seq 1 "$tries"); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  log "timed out waiting for $what"
  return 1
}

down() {
  set +e
  if [[ -d "$STATE" ]]; then
    for f in "$STATE"/*.pid; do [[ -e "$f" ]] && stop_pid_file "$f" KILL 10; done
  fi
  for ns in "${ALL_NS[@]}"; do
    if ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$ns"; then
      for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
      ip netns del "$ns" 2>/dev/null
    fi
    rm -rf "/etc/netns/$ns"
  done
  rm -f "/var/run/wireguard/$WG_LAPTOP.sock"
  if [[ -f "$STATE/.pinhole-failover" ]]; then rm -rf "$STATE"; fi
  set -e
  log "down"
}

veth() { # veth NS_A IF_A ADDR_A NS_B IF_B ADDR_B
  ip link add "$2" netns "$1" type veth peer name "$5" netns "$4"
  nsx "$1" ip addr add "$3" dev "$2"
  nsx "$4" ip addr add "$6" dev "$5"
  nsx "$1" ip link set dev "$2" up
  nsx "$4" ip link set dev "$5" up
}

build_links() {
  for ns in "${ALL_NS[@]}"; do
    ip netns add "$ns"
    nsx "$ns" ip link set lo up
  done
  veth "$NS_LAPTOP" inet "$LAPTOP_INET/30" "$NS_LB" inet "$LB_PUBLIC/30"
  veth "$NS_LB" gwa "$LB_A/30" "$NS_GWA" lb "$GWA_LB/30"
  veth "$NS_LB" gwb "$LB_B/30" "$NS_GWB" lb "$GWB_LB/30"
  veth "$NS_GWA" wan "$GWA_WAN/30" "$NS_NATGW" gwa "$NATGW_A/30"
  veth "$NS_GWB" wan "$GWB_WAN/30" "$NS_NATGW" gwb "$NATGW_B/30"
  veth "$NS_NATGW" outside "$ELASTIC_IP/24" "$NS_SAAS" lan "$SAAS_IP/24"
  nsx "$NS_SAAS" ip addr add "$SAAS_UDP_IP/24" dev lan

  # Replicas: clients are reached back through the load balancer, everything else through natgw.
  nsx "$NS_GWA" ip route add default via "$NATGW_A"
  nsx "$NS_GWA" ip route add "$LAPTOP_INET/32" via "$LB_A"
  nsx "$NS_GWB" ip route add default via "$NATGW_B"
  nsx "$NS_GWB" ip route add "$LAPTOP_INET/32" via "$LB_B"
  nsx "$NS_NATGW" sysctl -qw net.ipv4.ip_forward=1
  nsx "$NS_NATGW" iptables -t nat -A POSTROUTING -o outside -j SNAT --to-source "$ELASTIC_IP"
  nsx "$NS_NATGW" iptables -P FORWARD DROP
  nsx "$NS_NATGW" iptables -A FORWARD -i gwa -o outside -j ACCEPT
  nsx "$NS_NATGW" iptables -A FORWARD -i gwb -o outside -j ACCEPT
  nsx "$NS_NATGW" iptables -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT

  # lb: forwards only the load-balanced WireGuard flow. A replica's packet towards the laptop that does not
  # belong to a DNAT'ed flow (a replica the balancer moved away from, still answering) is dropped: a cloud load
  # balancer does not let a backend reach the client around it, and WireGuard would roam to that address.
  nsx "$NS_LB" sysctl -qw net.ipv4.ip_forward=1
  nsx "$NS_LB" iptables -P FORWARD DROP
  nsx "$NS_LB" iptables -A FORWARD -i inet -p udp --dport "$WG_PORT" -m conntrack --ctstate DNAT -j ACCEPT
  nsx "$NS_LB" iptables -A FORWARD -o inet -p udp --sport "$WG_PORT" -m conntrack --ctstate DNAT -j ACCEPT
  nsx "$NS_LB" iptables -t nat -A PREROUTING -i inet -p udp --dport "$WG_PORT" -j DNAT --to-destination "$GWA_LB:$WG_PORT"
  echo a >"$STATE/lb.serving"
}

start_saas() {
  local www="$STATE/www"
  mkdir -p "$www" "$STATE/nginx-tmp"
  echo "<html><body>pinhole failover app</body></html>" >"$www/index.html"
  cat >"$STATE/nginx.conf" <<EOF
worker_processes 1;
pid $STATE/nginx.pid.own;
error_log $STATE/nginx-error.log;
events { worker_connections 4096; }
http {
  default_type application/octet-stream;
  access_log off;
  client_body_temp_path $STATE/nginx-tmp/body;
  proxy_temp_path $STATE/nginx-tmp/proxy;
  fastcgi_temp_path $STATE/nginx-tmp/fastcgi;
  uwsgi_temp_path $STATE/nginx-tmp/uwsgi;
  scgi_temp_path $STATE/nginx-tmp/scgi;
  server {
    listen 80;
    root $www;
    keepalive_timeout 300s;
    location = /ip { default_type text/plain; return 200 "\$remote_addr"; }
    location / { allow $ELASTIC_IP; deny all; }
  }
}
EOF
  start_bg nginx "$NS_SAAS" nginx -c "$STATE/nginx.conf" -g "daemon off;"
  start_bg dnsmasq "$NS_SAAS" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
    --listen-address="$SAAS_IP" --bind-interfaces --pid-file="$STATE/dnsmasq.pid.own" --user=root \
    --address=/app.saas.test/"$SAAS_IP" --address=/udp.saas.test/"$SAAS_UDP_IP" \
    --address=/pinned.saas.test/"$SAAS_IP" --address=/echo.saas.test/"$SAAS_UDP_IP"
  start_bg udp-echo "$NS_SAAS" socat "UDP4-RECVFROM:7,bind=$SAAS_UDP_IP,fork" PIPE
  wait_for "nginx" 100 nsx "$NS_SAAS" curl -s -o /dev/null "http://$SAAS_IP/ip"
}

keys() {
  umask 077
  wg genkey >"$STATE/laptop.key"
  wg pubkey <"$STATE/laptop.key" >"$STATE/laptop.pub"
  wg genkey >"$STATE/gw.key"
  wg pubkey <"$STATE/gw.key" >"$STATE/gw.pub"
  umask 022
}

write_connector_config() {
  cat >"$STATE/connector.json" <<EOF
{
  "format" : "pinhole.dev/connector-config/v1",
  "name" : "failover",
  "namespace" : "pinhole-e2e",
  "tunnel" : { "address" : "$TUNNEL_CIDR", "listenPort" : $WG_PORT, "mtu" : $MTU, "appRange" : "$APP_RANGE" },
  "clients" : [ { "name" : "laptop", "publicKey" : "$(cat "$STATE/laptop.pub")", "address" : "$CLIENT_ADDR" } ],
  "domains" : [ "*.saas.test", "pinned.saas.test", "echo.saas.test" ],
  "routes" : [ "$SAAS_UDP_IP/32" ],
  "egress" : { "elasticIP" : "$ELASTIC_IP", "verifyUrl" : "http://$SAAS_IP/ip", "enforce" : true },
  "dns" : { "upstream" : [ "$SAAS_IP" ] },
  "http" : { "port" : $HTTP_PORT }
}
EOF
}

replica_ns() { case "$1" in a) echo "$NS_GWA" ;; b) echo "$NS_GWB" ;; *) log "replica must be a or b"; return 2 ;; esac; }
replica_ip() { case "$1" in a) echo "$GWA_LB" ;; b) echo "$GWB_LB" ;; *) return 2 ;; esac; }

# start-replica a|b [connector args...]: starts (or restarts) one replica and waits for its /readyz.
start_replica() {
  local r="$1" ns java cp
  shift
  ns="$(replica_ns "$r")"
  # shellcheck disable=SC1091
  source "$STATE/connector.env"
  stop_pid_file "$STATE/replica-$r.pid" KILL 10
  echo "=== start $(date +%s.%N) args: $*" >>"$STATE/replica-$r.log"
  # shellcheck disable=SC2086
  start_bg "replica-$r" "$ns" "$java" ${PH_JAVA_OPTS:-} -cp "$cp" dev.pinhole.connector.ConnectorMain \
    --config "$STATE/connector.json" --key "$STATE/gw.key" "$@"
  if ! wait_for "replica $r /readyz" 600 nsx "$ns" curl -sf --max-time 2 -o /dev/null "http://127.0.0.1:$HTTP_PORT/readyz"
  then
    log "replica $r log:"; tail -n 30 "$STATE/replica-$r.log" >&2 || true
    return 1
  fi
}

# stop-replica a|b [KILL|TERM]: signals the replica; TERM waits for it to exit (its drain), KILL does not wait.
stop_replica() {
  local r="$1" sig="${2:-KILL}" pid
  replica_ns "$r" >/dev/null
  [[ -f "$STATE/replica-$r.pid" ]] || return 0
  pid="$(cat "$STATE/replica-$r.pid")"
  echo "$(date +%s.%N) $sig" >>"$STATE/replica-$r.signals"
  kill -s "$sig" "$pid" 2>/dev/null || true
}

write_health_checker() {
  cat >"$STATE/health-checker.sh" <<'EOF'
#!/usr/bin/env bash
# Health checker of the load balancer: one probe of each replica's /readyz per interval; the serving replica is
# dropped after FALL failed probes in a row for a replica that answers 200, and its conntrack entries deleted.
set -u
STATE="$1" INTERVAL="$2" FALL="$3" A="$4" B="$5" PORT="$6" WG_PORT="$7"
declare -A ip=([a]="$A" [b]="$B") fails=([a]=0 [b]=0)
echo "$(date +%s.%N) start interval=$INTERVAL fall=$FALL" >>"$STATE/lb.events"
while true; do
  for r in a b; do
    if curl -sf --max-time 0.4 -o /dev/null "http://${ip[$r]}:$PORT/readyz"; then fails[$r]=0
    else fails[$r]=$((fails[$r] + 1)); fi
  done
  serving="$(cat "$STATE/lb.serving")"
  if ((fails[$serving] >= FALL)); then
    for other in a b; do
      if [[ "$other" != "$serving" ]] && ((fails[$other] == 0)); then
        iptables -t nat -R PREROUTING 1 -i inet -p udp --dport "$WG_PORT" -j DNAT --to-destination "${ip[$other]}:$WG_PORT"
        conntrack -D -p udp --reply-src "${ip[$serving]}" --reply-port-src "$WG_PORT" >/dev/null 2>&1
        echo "$other" >"$STATE/lb.serving"
        echo "$(date +%s.%N) switch $serving $other" >>"$STATE/lb.events"
        break
      fi
    done
  fi
  sleep "$INTERVAL"
done
EOF
  chmod 755 "$STATE/health-checker.sh"
}

start_laptop() {
  cat >"$STATE/client.wg.conf" <<EOF
[Interface]
PrivateKey = $(cat "$STATE/laptop.key")

[Peer]
PublicKey = $(cat "$STATE/gw.pub")
Endpoint = $LB_PUBLIC:$WG_PORT
AllowedIPs = $APP_RANGE, $TUNNEL_ADDR/32, $SAAS_UDP_IP/32
PersistentKeepalive = 25
EOF
  chmod 600 "$STATE/client.wg.conf"
  mkdir -p /var/run/wireguard
  start_bg wg-laptop "$NS_LAPTOP" env WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1 LOG_LEVEL=error \
    wireguard-go -f "$WG_LAPTOP"
  wait_for "wireguard-go" 100 test -S "/var/run/wireguard/$WG_LAPTOP.sock"
  nsx "$NS_LAPTOP" wg setconf "$WG_LAPTOP" "$STATE/client.wg.conf"
  nsx "$NS_LAPTOP" ip addr add "$CLIENT_ADDR" dev "$WG_LAPTOP"
  nsx "$NS_LAPTOP" ip link set "$WG_LAPTOP" mtu "$MTU" up
  for cidr in $APP_RANGE $TUNNEL_ADDR/32 $SAAS_UDP_IP/32; do
    nsx "$NS_LAPTOP" ip route replace "$cidr" dev "$WG_LAPTOP"
  done
  mkdir -p "/etc/netns/$NS_LAPTOP"
  # A DNS query lost during a failover is retried after 1 s, not glibc's default 5 s.
  printf 'nameserver %s\noptions timeout:1 attempts:3\n' "$TUNNEL_ADDR" >"/etc/netns/$NS_LAPTOP/resolv.conf"
}

write_env() {
  cat >"$STATE/env" <<EOF
PREFIX=$PREFIX
STATE=$STATE
NS_LAPTOP=$NS_LAPTOP
NS_LB=$NS_LB
NS_GWA=$NS_GWA
NS_GWB=$NS_GWB
WG_LAPTOP=$WG_LAPTOP
ELASTIC_IP=$ELASTIC_IP
SAAS_IP=$SAAS_IP
SAAS_UDP_IP=$SAAS_UDP_IP
LB_PUBLIC=$LB_PUBLIC
TUNNEL_ADDR=$TUNNEL_ADDR
LB_INTERVAL=$LB_INTERVAL
LB_FALL=$LB_FALL
HTTP_PORT=$HTTP_PORT
EOF
}

up() {
  local java cp
  down 2>/dev/null
  if [[ -e "$STATE" && ! -f "$STATE/.pinhole-failover" ]]; then
    log "$STATE exists and was not made by this script; choose another PH_STATE_DIR"
    return 1
  fi
  mkdir -p "$STATE"
  chmod 755 "$STATE"
  touch "$STATE/.pinhole-failover"
  trap 'log "up failed; tearing down"; for l in "$STATE"/*.log; do [[ -s $l ]] && { echo "== $l"; tail -n 20 "$l"; } >&2; done; down' ERR
  if [[ -n "${PH_JAVA:-}" ]]; then java="$PH_JAVA"
  elif [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then java="$JAVA_HOME/bin/java"
  else java="$(command -v java)"; fi
  cp="${PH_CONNECTOR_CP:-$(PINHOLE_HOME="$REPO/target" "$REPO/bin/pinhole" connector-classpath)}"
  printf 'java=%q\ncp=%q\nPH_JAVA_OPTS=%q\n' "$java" "$cp" "${PH_JAVA_OPTS:-}" >"$STATE/connector.env"
  build_links
  start_saas
  keys
  write_connector_config
  start_replica a
  start_replica b
  write_health_checker
  start_bg health-checker "$NS_LB" "$STATE/health-checker.sh" "$STATE" "$LB_INTERVAL" "$LB_FALL" "$GWA_LB" \
    "$GWB_LB" "$HTTP_PORT" "$WG_PORT"
  start_laptop
  write_env
  trap - ERR
  log "up; state in $STATE"
}

status() {
  [[ -f "$STATE/env" ]] || { log "not up"; return 1; }
  echo "serving=$(cat "$STATE/lb.serving")"
  for f in "$STATE"/*.pid; do
    local pid; pid="$(cat "$f")"
    if kill -0 "$pid" 2>/dev/null; then echo "$(basename "$f" .pid) running pid $pid"; else echo "$(basename "$f" .pid) DEAD"; fi
  done
}

cmd="${1:-}"
shift || true
measure() {
  cd "$REPO"
  rm -f target/failover-report.md
  PINHOLE_REQUIRE_ROOT_TIERS=1 ./mvnw -B -ntp -q test -Dtest=FailoverE2ETest -Dsurefire.failIfNoSpecifiedTests=false \
    >"${TMPDIR:-/tmp}/failover-measure.log" 2>&1 || {
    log "FailoverE2ETest failed; its output: ${TMPDIR:-/tmp}/failover-measure.log"
    [[ -f target/failover-report.md ]] && cat target/failover-report.md
    return 1
  }
  cat target/failover-report.md
}

case "$cmd" in
  measure) measure ;;
  up) up ;;
  down) down ;;
  start-replica) start_replica "$@" ;;
  stop-replica) stop_replica "$@" ;;
  serving) cat "$STATE/lb.serving" ;;
  status) status ;;
  *) echo "usage: failover.sh measure | up | down | start-replica a|b [args...] | stop-replica a|b [KILL|TERM] | serving | status" >&2
     exit 2 ;;
esac
