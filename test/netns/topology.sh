#!/usr/bin/env bash
# The data-plane test topology in network namespaces (see docs/e2e.md):
#
#   laptop ──inet 198.18.0.0/30── gw ──wan/inside 198.18.1.0/30── natgw ──outside/lan 203.0.113.0/24── saas
#      └──────────────────────direct 198.18.2.0/30 (bypasses the tunnel)──────────────────────┘
#
#   laptop: wireguard-go client configured from a wg-quick file in the operator's format, DNS -> the gateway
#   gw:     the Java connector (--gateway java) or wireguard-go + forwarding + MASQUERADE (--gateway wg, baseline)
#   natgw:  SNAT to 203.0.113.10, the "elastic IP"; gw's only way out
#   saas:   nginx (HTTP/HTTPS, allow 203.0.113.10; deny all), dnsmasq for *.saas.test, UDP echo on 203.0.113.21:7
#
# usage: topology.sh up [--gateway java|wg] | down | restart-gateway [--kill] | status
# env:   PH_PREFIX      name prefix (default ph; <= 10 chars), namespaces are PREFIX-laptop etc.
#        PH_STATE_DIR   pid files, logs, configs (default /tmp/pinhole-netns-PREFIX)
#        PH_JAVA        java executable for the connector (default $JAVA_HOME/bin/java, else java)
#        PH_JAVA_OPTS   extra JVM options for the connector
#        PH_CONNECTOR_CP classpath of the connector (default: the image's, bin/pinhole connector-classpath over
#                        this repo's target/quarkus-app)
#        PH_BIG_MB      size of the big download in MiB (default 100)
#        PH_WG_GO       wireguard-go executable of the laptop (the client), a name on PATH or a path
#                       (default wireguard-go, i.e. Debian's); bench/iperf.sh passes upstream wireguard-go here
#        PH_WG_GO_GW    wireguard-go executable of the gateway for --gateway wg (default wireguard-go); kept for
#                       restart-gateway
#        PH_RECORDS     (--gateway java, generated config) the connector config's "records" object, e.g.
#                       '{ "lookups" : true }' or '{ "flows" : "none", "refusals" : false }' (docs/flow-records.md);
#                       default: none (the connector's defaults: flow ends and refusals on stdout, in connector.log)
#        PH_KEEP_ON_FAILURE=1  leave a failed 'up' in place for inspection (default: tear it down)
#        PH_SECOND_LAPTOP=1  (--gateway java) a second client, "laptop2" (100.96.0.3/32), in namespace PREFIX-laptop2
#                       linked to gw on 198.18.3.0/30, with its own wireguard-go and key (access-rule tests)
#        PH_CONNECTOR_CONFIG, PH_CONNECTOR_KEY, PH_CLIENT_CONF  (--gateway java) use these files (e.g. what the
#                       operator rendered) instead of generating the connector config, its key, the laptop's
#                       wg-quick file; the connector's HTTP port is then the config's http.port
# Everything it creates (namespaces, links inside them, processes, /etc/netns/<ns>) is removed by 'down', which
# is safe to run any number of times, also after a failed 'up'.
set -Eeuo pipefail
umask 022 # nginx workers run as nobody and must read the served files

PREFIX="${PH_PREFIX:-ph}"
if [[ ! "$PREFIX" =~ ^[a-z][a-z0-9]{0,9}$ ]]; then
  echo "topology: PH_PREFIX must be 1-10 lowercase letters/digits starting with a letter" >&2
  exit 2
fi
STATE="${PH_STATE_DIR:-/tmp/pinhole-netns-$PREFIX}"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export PATH="$PATH:/usr/sbin:/sbin"

NS_LAPTOP="$PREFIX-laptop"
NS_GW="$PREFIX-gw"
NS_NATGW="$PREFIX-natgw"
NS_SAAS="$PREFIX-saas"
NS_LAPTOP2="$PREFIX-laptop2"
# laptop2 exists only with PH_SECOND_LAPTOP=1; down removes it whenever it is there.
ALL_NS=("$NS_LAPTOP" "$NS_GW" "$NS_NATGW" "$NS_SAAS" "$NS_LAPTOP2")
# wireguard-go's control socket lives in the shared /var/run/wireguard, so its interface names carry the prefix.
WG_LAPTOP="${PREFIX}-wl"
WG_GW="${PREFIX}-wg"
WG_LAPTOP2="${PREFIX}-wm"

LAPTOP_INET=198.18.0.2
GW_INET=198.18.0.1
GW_WAN=198.18.1.1
NATGW_IN=198.18.1.2
LAPTOP_DIRECT=198.18.2.2
SAAS_DIRECT=198.18.2.1
ELASTIC_IP=203.0.113.10
SAAS_IP=203.0.113.20
SAAS_UDP_IP=203.0.113.21
TUNNEL_ADDR=100.96.0.1
TUNNEL_CIDR=100.96.0.1/24
CLIENT_ADDR=100.96.0.2/32
CLIENT2_ADDR=100.96.0.3/32
LAPTOP2_INET=198.18.3.2
GW_INET2=198.18.3.1
APP_RANGE=100.80.0.0/12
UNMAPPED_APP_ADDRESS=100.95.255.254
MEDIUM_BYTES=131072
WG_PORT=51820
MTU=1420
HTTP_PORT=9090

log() { echo "topology[$PREFIX]: $*" >&2; }
nsx() { local ns="$1"; shift; ip netns exec "$ns" "$@"; }

# Starts a long-running process inside a namespace with its pid file and log in the state dir. 'ip netns exec'
# and 'env' exec their command, so $! is the pid of the process itself.
start_bg() {
  local name="$1" ns="$2"
  shift 2
  ip netns exec "$ns" "$@" >"$STATE/$name.log" 2>&1 </dev/null &
  echo $! >"$STATE/$name.pid"
}

stop_pid_file() {
  local file="$1" sig="${2:-TERM}" pid
  [[ -f "$file" ]] || return 0
  pid="$(cat "$file" 2>/dev/null || true)"
  rm -f "$file"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  kill -s "$sig" "$pid" 2>/dev/null || return 0
  for i in $(seq 1 30); do
    kill -0 "$pid" 2>/dev/null || return 0
    # A connector drains for 20 s after the first SIGTERM; the second ends the drain at once.
    [[ "$sig" == TERM && "$i" == 10 ]] && kill -s TERM "$pid" 2>/dev/null
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
    for f in "$STATE"/*.pid; do [[ -e "$f" ]] && stop_pid_file "$f"; done
  fi
  for ns in "${ALL_NS[@]}"; do
    if ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$ns"; then
      # Anything still running inside our namespaces is ours (started by this script).
      for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
      ip netns del "$ns" 2>/dev/null
    fi
    rm -rf "/etc/netns/$ns"
  done
  rm -f "/var/run/wireguard/$WG_LAPTOP.sock" "/var/run/wireguard/$WG_GW.sock" "/var/run/wireguard/$WG_LAPTOP2.sock"
  # Only a directory this script made (marker inside) is removed, whatever PH_STATE_DIR says.
  if [[ -f "$STATE/.pinhole-netns" ]]; then rm -rf "$STATE"; fi
  set -e
  log "down"
}

veth() { # veth NS_A IF_A ADDR_A NS_B IF_B ADDR_B : a link created directly inside both namespaces
  ip link add "$2" netns "$1" type veth peer name "$5" netns "$4"
  nsx "$1" ip addr add "$3" dev "$2"
  nsx "$4" ip addr add "$6" dev "$5"
  nsx "$1" ip link set dev "$2" up
  nsx "$4" ip link set dev "$5" up
}

second_laptop() { [[ "${PH_SECOND_LAPTOP:-0}" == 1 ]]; }

build_links() {
  for ns in "${ALL_NS[@]}"; do
    [[ "$ns" != "$NS_LAPTOP2" ]] || second_laptop || continue
    ip netns add "$ns"
    nsx "$ns" ip link set lo up
  done
  if second_laptop; then veth "$NS_LAPTOP2" inet "$LAPTOP2_INET/30" "$NS_GW" inet2 "$GW_INET2/30"; fi
  veth "$NS_LAPTOP" inet "$LAPTOP_INET/30" "$NS_GW" inet "$GW_INET/30"
  veth "$NS_GW" wan "$GW_WAN/30" "$NS_NATGW" inside "$NATGW_IN/30"
  veth "$NS_NATGW" outside "$ELASTIC_IP/24" "$NS_SAAS" lan "$SAAS_IP/24"
  nsx "$NS_SAAS" ip addr add "$SAAS_UDP_IP/24" dev lan
  veth "$NS_LAPTOP" direct "$LAPTOP_DIRECT/30" "$NS_SAAS" direct "$SAAS_DIRECT/30"

  # gw: its only route out is natgw.
  nsx "$NS_GW" ip route add default via "$NATGW_IN"
  # natgw: a stateful NAT gateway; nothing enters from outside unless it answers a flow from inside.
  nsx "$NS_NATGW" sysctl -qw net.ipv4.ip_forward=1
  nsx "$NS_NATGW" iptables -t nat -A POSTROUTING -o outside -j SNAT --to-source "$ELASTIC_IP"
  nsx "$NS_NATGW" iptables -P FORWARD DROP
  nsx "$NS_NATGW" iptables -A FORWARD -i inside -o outside -j ACCEPT
  nsx "$NS_NATGW" iptables -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
  # laptop: the tunnel-less path to the SaaS, used only by traffic from the 'direct' address (curl --interface).
  nsx "$NS_LAPTOP" ip rule add from "$LAPTOP_DIRECT" lookup 102 priority 100
  nsx "$NS_LAPTOP" ip route add default via "$SAAS_DIRECT" dev direct table 102
}

start_saas() {
  local www="$STATE/www" mb="${PH_BIG_MB:-100}"
  mkdir -p "$www" "$STATE/nginx-tmp"
  echo "<html><body>pinhole e2e app</body></html>" >"$www/index.html"
  head -c "$((mb * 1024 * 1024))" /dev/urandom >"$www/big.bin"
  head -c "$MEDIUM_BYTES" /dev/urandom >"$www/medium.bin"
  sha256sum "$www/big.bin" | awk '{print $1}' >"$STATE/big.sha256"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=app.saas.test" -addext "subjectAltName=DNS:app.saas.test,IP:$SAAS_IP" \
    -keyout "$STATE/tls.key" -out "$STATE/tls.crt" >/dev/null 2>&1
  chmod 644 "$STATE/tls.key"
  cat >"$STATE/nginx.conf" <<EOF
worker_processes 2;
pid $STATE/nginx.pid.own;
error_log $STATE/nginx-error.log;
events { worker_connections 8192; }
http {
  default_type application/octet-stream;
  access_log $STATE/nginx-access.log;
  client_body_temp_path $STATE/nginx-tmp/body;
  proxy_temp_path $STATE/nginx-tmp/proxy;
  fastcgi_temp_path $STATE/nginx-tmp/fastcgi;
  uwsgi_temp_path $STATE/nginx-tmp/uwsgi;
  scgi_temp_path $STATE/nginx-tmp/scgi;
  sendfile on;
  keepalive_requests 1000000;
  server {
    listen 80 reuseport;
    listen 443 ssl reuseport;
    server_name _;
    ssl_certificate $STATE/tls.crt;
    ssl_certificate_key $STATE/tls.key;
    root $www;
    # The connector's egress check reads the source address the SaaS sees.
    location = /ip { default_type text/plain; return 200 "\$remote_addr"; }
    location / { allow $ELASTIC_IP; deny all; }
  }
}
EOF
  start_bg nginx "$NS_SAAS" nginx -c "$STATE/nginx.conf" -g "daemon off;"
  start_bg dnsmasq "$NS_SAAS" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
    --listen-address="$SAAS_IP" --bind-interfaces --pid-file="$STATE/dnsmasq.pid.own" --log-queries \
    --log-facility=- --user=root \
    --address=/app.saas.test/"$SAAS_IP" --address=/udp.saas.test/"$SAAS_UDP_IP" \
    --address=/metadata.saas.test/169.254.169.254 --address=/loopback.saas.test/127.0.0.1
  start_bg udp-echo "$NS_SAAS" socat "UDP4-RECVFROM:7,bind=$SAAS_UDP_IP,fork" PIPE
  wait_for "nginx" 100 nsx "$NS_SAAS" curl -s -o /dev/null "http://$SAAS_IP/ip"
}

keys() {
  umask 077
  wg genkey >"$STATE/laptop.key"
  wg pubkey <"$STATE/laptop.key" >"$STATE/laptop.pub"
  wg genkey >"$STATE/gw.key"
  wg pubkey <"$STATE/gw.key" >"$STATE/gw.pub"
  if second_laptop; then
    wg genkey >"$STATE/laptop2.key"
    wg pubkey <"$STATE/laptop2.key" >"$STATE/laptop2.pub"
  fi
  umask 022
}

# The client's file in the format the operator renders (ClientConfigRenderer), with the key filled in.
write_client_config() { # write_client_config ALLOWED DNS [NAME ADDRESS ENDPOINT_IP] (default: the laptop)
  local allowed="$1" dns="$2" name="${3:-laptop}" address="${4:-$CLIENT_ADDR}" endpoint="${5:-$GW_INET}" file
  file="$STATE/client.conf"
  [[ "$name" == laptop ]] || file="$STATE/$name.conf"
  cat >"$file" <<EOF
# Pinhole client config for "$name" of AppConnector pinhole-e2e/e2e
[Interface]
PrivateKey = $(cat "$STATE/$name.key")
Address = $address
DNS = $dns
MTU = $MTU

[Peer]
PublicKey = $(cat "$STATE/gw.pub")
Endpoint = $endpoint:$WG_PORT
AllowedIPs = $allowed
PersistentKeepalive = 25
EOF
  chmod 600 "$file"
}

wg_quick_value() { # the value of a wg-quick key in a config file, comma lists joined by spaces
  awk -F= -v k="$1" '{key=$1; gsub(/[ \t]/, "", key)} tolower(key)==tolower(k) {sub(/^[^=]*=[ \t]*/, ""); print}' \
    "$2" | tr ',' ' ' | xargs
}

# A wireguard-go executable named by a setting: a name on PATH or an executable file (absolute path printed).
wireguard_go_bin() { # wireguard_go_bin SETTING_NAME VALUE
  local found
  if ! found="$(command -v -- "$2")" || [[ ! -f "$found" || ! -x "$found" ]]; then
    log "$1=$2: no such executable"
    return 1
  fi
  [[ "$found" == /* ]] || found="$PWD/$found"
  echo "$found"
}

start_wireguard_go() { # start_wireguard_go NAME NS IFNAME EXECUTABLE
  mkdir -p /var/run/wireguard
  start_bg "$1" "$2" env WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1 LOG_LEVEL=error "$4" -f "$3"
  wait_for "wireguard-go $3" 100 test -S "/var/run/wireguard/$3.sock"
  wait_for "interface $3" 50 nsx "$2" ip link show "$3"
}

# wg-quick's job, done by hand: wg setconf with the wg-quick-only keys stripped, then Address/MTU/routes/DNS.
start_laptop() { # start_laptop [CONF NS IFNAME PIDNAME] (default: the laptop)
  local conf="${1:-$STATE/client.conf}" ns="${2:-$NS_LAPTOP}" ifname="${3:-$WG_LAPTOP}" pidname="${4:-wg-laptop}"
  local addr mtu dns allowed wgconf="${conf%.conf}.wg.conf"
  addr="$(wg_quick_value Address "$conf")"
  mtu="$(wg_quick_value MTU "$conf")"
  dns="$(wg_quick_value DNS "$conf")"
  allowed="$(wg_quick_value AllowedIPs "$conf")"
  grep -viE '^[[:space:]]*(Address|DNS|MTU|Table|PreUp|PostUp|PreDown|PostDown|SaveConfig)[[:space:]]*=' \
    "$conf" >"$wgconf"
  chmod 600 "$wgconf"
  start_wireguard_go "$pidname" "$ns" "$ifname" "$WG_GO_LAPTOP"
  nsx "$ns" wg setconf "$ifname" "$wgconf"
  for a in $addr; do nsx "$ns" ip addr add "$a" dev "$ifname"; done
  nsx "$ns" ip link set "$ifname" mtu "$mtu" up
  for cidr in $allowed; do nsx "$ns" ip route replace "$cidr" dev "$ifname"; done
  mkdir -p "/etc/netns/$ns"
  for d in $dns; do echo "nameserver $d"; done >"/etc/netns/$ns/resolv.conf"
  echo "options timeout:2 attempts:2" >>"/etc/netns/$ns/resolv.conf"
}

start_gw_wg() {
  local wg_go
  # up records the executable, so a restart runs the same wireguard-go whatever PH_WG_GO_GW says then.
  # shellcheck disable=SC1091
  source "$STATE/wg-gw.env"
  start_wireguard_go wg-gw "$NS_GW" "$WG_GW" "$wg_go"
  nsx "$NS_GW" wg set "$WG_GW" listen-port "$WG_PORT" private-key "$STATE/gw.key" \
    peer "$(cat "$STATE/laptop.pub")" allowed-ips "$CLIENT_ADDR"
  nsx "$NS_GW" ip addr add "$TUNNEL_CIDR" dev "$WG_GW"
  nsx "$NS_GW" ip link set "$WG_GW" mtu "$MTU" up
  nsx "$NS_GW" sysctl -qw net.ipv4.ip_forward=1
  nsx "$NS_GW" iptables -t nat -A POSTROUTING -o wan -j MASQUERADE
  # TCP MSS clamping as a kernel gateway in front of a smaller-MTU tunnel would do.
  nsx "$NS_GW" iptables -t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu
}

connector_java() {
  if [[ -n "${PH_JAVA:-}" ]]; then echo "$PH_JAVA"
  elif [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then echo "$JAVA_HOME/bin/java"
  else command -v java; fi
}

write_connector_config() {
  local records=""
  if [[ -n "${PH_RECORDS:-}" ]]; then records=$',\n  "records" : '"$PH_RECORDS"; fi
  cat >"$STATE/connector.json" <<EOF
{
  "format" : "pinhole.dev/connector-config/v1",
  "name" : "e2e",
  "namespace" : "pinhole-e2e",
  "tunnel" : { "address" : "$TUNNEL_CIDR", "listenPort" : $WG_PORT, "mtu" : $MTU, "appRange" : "$APP_RANGE" },
  "clients" : [ { "name" : "laptop", "publicKey" : "$(cat "$STATE/laptop.pub")", "address" : "$CLIENT_ADDR" }$(
    if second_laptop; then printf ', { "name" : "laptop2", "publicKey" : "%s", "address" : "%s" }' \
      "$(cat "$STATE/laptop2.pub")" "$CLIENT2_ADDR"; fi) ],
  "domains" : [ "*.saas.test" ],
  "routes" : [ "$SAAS_UDP_IP/32" ],
  "egress" : { "elasticIP" : "$ELASTIC_IP", "verifyUrl" : "http://$SAAS_IP/ip", "enforce" : true },
  "dns" : { "upstream" : [ "$SAAS_IP" ] },
  "http" : { "port" : $HTTP_PORT }$records
}
EOF
}

start_connector() {
  local java cp
  # A restart runs the same java, options and classpath as the first start.
  if [[ -f "$STATE/connector.env" ]]; then
    # shellcheck disable=SC1091
    source "$STATE/connector.env"
  else
    java="$(connector_java)"
    if [[ -z "${PH_CONNECTOR_CP:-}" && ! -d "$REPO/target/quarkus-app/lib/main" ]]; then
      log "no connector build: run ./mvnw -B -q package -DskipTests (or set PH_CONNECTOR_CP)"
      return 1
    fi
    # The image's class path: the app and the connector's libraries only (bin/pinhole connector-classpath).
    cp="${PH_CONNECTOR_CP:-$(PINHOLE_HOME="$REPO/target" "$REPO/bin/pinhole" connector-classpath)}"
    printf 'java=%q\ncp=%q\nPH_JAVA_OPTS=%q\n' "$java" "$cp" "${PH_JAVA_OPTS:-}" >"$STATE/connector.env"
  fi
  [[ -f "$STATE/connector.log" ]] && mv "$STATE/connector.log" "$STATE/connector.log.$(date +%s%N)"
  # shellcheck disable=SC2086
  start_bg connector "$NS_GW" "$java" ${PH_JAVA_OPTS:-} -cp "$cp" dev.pinhole.connector.ConnectorMain \
    --config "$STATE/connector.json" --key "$STATE/gw.key"
  if ! wait_for "connector /readyz" 600 nsx "$NS_GW" curl -sf --max-time 5 -o /dev/null "http://127.0.0.1:$HTTP_PORT/readyz"
  then
    log "connector /readyz:"; nsx "$NS_GW" curl -s --max-time 5 "http://127.0.0.1:$HTTP_PORT/readyz" >&2 || true
    log "connector log:"; grep -v '^SLF4J\|^\s*at \|^java.lang.ClassNotFound' "$STATE/connector.log" | tail -n 40 >&2 || true
    return 1
  fi
}

# http.port of the connector config (the readiness wait and /metrics use it); 9090 when it has none.
config_http_port() {
  local port
  port="$(tr -d ' \t\r\n' <"$STATE/connector.json" | grep -o '"http":{"port":[0-9]*' | grep -o '[0-9]*$' || true)"
  echo "${port:-9090}"
}

write_env() {
  cat >"$STATE/env" <<EOF
PREFIX=$PREFIX
GATEWAY=$1
STATE=$STATE
NS_LAPTOP=$NS_LAPTOP
NS_LAPTOP2=$NS_LAPTOP2
WG_LAPTOP2=$WG_LAPTOP2
NS_GW=$NS_GW
NS_NATGW=$NS_NATGW
NS_SAAS=$NS_SAAS
WG_LAPTOP=$WG_LAPTOP
WG_GW=$WG_GW
ELASTIC_IP=$ELASTIC_IP
SAAS_IP=$SAAS_IP
SAAS_UDP_IP=$SAAS_UDP_IP
LAPTOP_DIRECT=$LAPTOP_DIRECT
LAPTOP_INET=$LAPTOP_INET
TUNNEL_ADDR=$TUNNEL_ADDR
APP_RANGE=$APP_RANGE
UNMAPPED_APP_ADDRESS=$UNMAPPED_APP_ADDRESS
MEDIUM_BYTES=$MEDIUM_BYTES
HTTP_PORT=$HTTP_PORT
EOF
}

up() {
  local gateway="$1"
  down 2>/dev/null
  if [[ -e "$STATE" && ! -f "$STATE/.pinhole-netns" ]]; then
    log "$STATE exists and was not made by this script; choose another PH_STATE_DIR"
    return 1
  fi
  # Both executables are checked before anything is built, so a wrong setting fails at once and leaves nothing.
  local wg_go_gw=""
  WG_GO_LAPTOP="$(wireguard_go_bin PH_WG_GO "${PH_WG_GO:-wireguard-go}")" || return 1
  if [[ "$gateway" == wg ]]; then
    wg_go_gw="$(wireguard_go_bin PH_WG_GO_GW "${PH_WG_GO_GW:-wireguard-go}")" || return 1
  fi
  mkdir -p "$STATE"
  chmod 755 "$STATE"
  touch "$STATE/.pinhole-netns"
  [[ -z "$wg_go_gw" ]] || printf 'wg_go=%q\n' "$wg_go_gw" >"$STATE/wg-gw.env"
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  if [[ "${PH_KEEP_ON_FAILURE:-0}" != 1 ]]; then
    trap 'log "up failed; tearing down (PH_KEEP_ON_FAILURE=1 keeps it)"; for l in "$STATE"/*.log; do [[ -s $l ]] && { echo "== $l"; tail -n 20 "$l"; } >&2; done; down' ERR
  fi
  build_links
  start_saas
  keys
  case "$gateway" in
    wg)
      write_client_config "$TUNNEL_ADDR/32, 203.0.113.0/24" "$SAAS_IP"
      start_gw_wg
      ;;
    java)
      if [[ -n "${PH_CLIENT_CONF:-}" ]]; then
        install -m 600 "$PH_CLIENT_CONF" "$STATE/client.conf"
      else
        write_client_config "$APP_RANGE, $TUNNEL_ADDR/32, $SAAS_UDP_IP/32" "$TUNNEL_ADDR"
      fi
      if [[ -n "${PH_CONNECTOR_CONFIG:-}" ]]; then
        install -m 644 "$PH_CONNECTOR_CONFIG" "$STATE/connector.json"
        HTTP_PORT="$(config_http_port)"
      else
        write_connector_config
      fi
      [[ -z "${PH_CONNECTOR_KEY:-}" ]] || install -m 600 "$PH_CONNECTOR_KEY" "$STATE/gw.key"
      start_connector
      ;;
  esac
  start_laptop
  if second_laptop; then
    [[ "$gateway" == java ]] || { log "PH_SECOND_LAPTOP needs --gateway java"; return 1; }
    write_client_config "$APP_RANGE, $TUNNEL_ADDR/32, $SAAS_UDP_IP/32" "$TUNNEL_ADDR" laptop2 "$CLIENT2_ADDR" \
      "$GW_INET2"
    start_laptop "$STATE/laptop2.conf" "$NS_LAPTOP2" "$WG_LAPTOP2" wg-laptop2
  fi
  write_env "$gateway"
  trap - ERR
  log "up (gateway $gateway); state in $STATE"
}

restart_gateway() {
  local sig="TERM"
  [[ "${1:-}" == "--kill" ]] && sig="KILL"
  # shellcheck disable=SC1091
  source "$STATE/env"
  case "$GATEWAY" in
    java)
      stop_pid_file "$STATE/connector.pid" "$sig"
      start_connector
      ;;
    wg)
      stop_pid_file "$STATE/wg-gw.pid" "$sig"
      nsx "$NS_GW" iptables -t nat -F POSTROUTING
      nsx "$NS_GW" iptables -t mangle -F FORWARD
      start_gw_wg
      ;;
  esac
  log "gateway restarted"
}

status() {
  [[ -f "$STATE/env" ]] || { log "not up"; return 1; }
  cat "$STATE/env"
  for f in "$STATE"/*.pid; do
    local pid; pid="$(cat "$f")"
    if kill -0 "$pid" 2>/dev/null; then echo "$(basename "$f" .pid) running pid $pid"; else echo "$(basename "$f" .pid) DEAD"; fi
  done
  nsx "$NS_LAPTOP" wg show "$WG_LAPTOP" 2>/dev/null || true
}

cmd="${1:-}"
shift || true
gateway=java
while (($#)); do
  case "$1" in
    --gateway) gateway="${2:-}"; shift 2 ;;
    --kill) break ;;
    *) echo "topology: unknown argument $1" >&2; exit 2 ;;
  esac
done
case "$gateway" in java | wg) ;; *) echo "topology: --gateway must be java or wg" >&2; exit 2 ;; esac
case "$cmd" in
  up) up "$gateway" ;;
  down) down ;;
  restart-gateway) restart_gateway "$@" ;;
  status) status ;;
  *) echo "usage: topology.sh up [--gateway java|wg] | down | restart-gateway [--kill] | status" >&2; exit 2 ;;
esac
