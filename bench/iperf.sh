#!/usr/bin/env bash
# Throughput and request-rate benchmark in the test topology (test/netns/topology.sh), one gateway after another:
#   wg      baseline: wireguard-go + kernel forwarding + iptables MASQUERADE in namespace gw
#   java17  the Java connector on JDK 17      (BENCH_JAVA17, default /usr/lib/jvm/java-17-openjdk-amd64/bin/java)
#   java25  the Java connector on Temurin 25  (BENCH_JAVA25, default /usr/lib/jvm/temurin-25-jdk-amd64/bin/java)
# Per gateway: iperf3 TCP laptop -> saas with 1 and 4 streams (and 1 stream saas -> laptop), wrk small-page
# request rate through the tunnel, and the gateway process's VmRSS while 1,000 concurrent connections are open.
#
# usage: bench/iperf.sh [gateway...]        (default: wg java17 java25); needs root and a connector build
#        (./mvnw -B -q package -DskipTests) for the Java gateways.
# env:   BENCH_SECONDS (iperf3/wrk duration, default 10), BENCH_WRK_CONNECTIONS (default 50),
#        BENCH_FLOWS (concurrent connections for the RSS sample, default 1000),
#        BENCH_JAVA_OPTS (default "-Xmx128m -XX:+ExitOnOutOfMemoryError"; the heap cap dominates the RSS),
#        PH_PREFIX (default phbench).
# Results: bench/results/<timestamp>/ (raw iperf3 JSON, wrk output, the table); the table also goes to stdout.
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOPOLOGY="$ROOT/test/netns/topology.sh"
SECONDS_PER_RUN="${BENCH_SECONDS:-10}"
WRK_CONNECTIONS="${BENCH_WRK_CONNECTIONS:-50}"
FLOWS="${BENCH_FLOWS:-1000}"
export PH_PREFIX="${PH_PREFIX:-phbench}"
export PH_BIG_MB=1
export PH_JAVA_OPTS="${BENCH_JAVA_OPTS:--Xmx128m -XX:+ExitOnOutOfMemoryError}"
JAVA17="${BENCH_JAVA17:-/usr/lib/jvm/java-17-openjdk-amd64/bin/java}"
JAVA25="${BENCH_JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}"
OUT="$ROOT/bench/results/$(date -u +%Y%m%dT%H%M%SZ)"
STATE="/tmp/pinhole-netns-$PH_PREFIX"
export PATH="$PATH:/usr/sbin:/sbin"
mkdir -p "$OUT"
ulimit -n "$(ulimit -Hn)"  # wrk and the connector hold one descriptor per connection

gateways=("$@")
((${#gateways[@]})) || gateways=(wg java17 java25)

cleanup() { "$TOPOLOGY" down >/dev/null 2>&1 || true; }
trap cleanup EXIT

log() { echo "bench: $*" >&2; }

# The receiver's view of an iperf3 run, in Mbit/s (the "sum_received" object of iperf3 -J; no JSON tool needed).
iperf_mbps() {
  awk '/"sum_received"/ {in_sum = 1} in_sum && /"bits_per_second"/ {gsub(/[^0-9.e+]/, "", $2); printf "%.0f", $2 / 1e6; found = 1; exit}
       END {if (!found) printf "n/a"}' "$1" 2>/dev/null || echo "n/a"
}

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

run_gateway() {
  local gw="$1" mode target pid_file java=""
  case "$gw" in
    wg) mode=wg; pid_file=wg-gw.pid ;;
    java17) mode=java; java="$JAVA17"; pid_file=connector.pid ;;
    java25) mode=java; java="$JAVA25"; pid_file=connector.pid ;;
    *) log "unknown gateway $gw"; return 1 ;;
  esac
  log "== $gw: topology up"
  PH_JAVA="$java" "$TOPOLOGY" up --gateway "$mode" >"$OUT/$gw-topology.log" 2>&1 || {
    log "$gw: topology up failed, see $OUT/$gw-topology.log"; echo "$gw n/a n/a n/a n/a n/a n/a n/a" >>"$OUT/rows"; return 0; }
  # shellcheck disable=SC1091
  source "$STATE/env"
  # Through the tunnel: the baseline routes the real address; the connector is reached by name (synthetic address).
  if [[ "$mode" == wg ]]; then target="$SAAS_IP"; else target=app.saas.test; fi
  ip netns exec "$NS_SAAS" iperf3 -s -D -B "$SAAS_IP" -I "$STATE/iperf3.pid"
  sleep 0.5
  local gw_pid; gw_pid="$(cat "$STATE/$pid_file")"

  log "$gw: iperf3 1 stream"
  ip netns exec "$NS_LAPTOP" iperf3 -c "$target" -t "$SECONDS_PER_RUN" -P 1 -J >"$OUT/$gw-iperf-1.json" 2>&1 || true
  log "$gw: iperf3 4 streams"
  ip netns exec "$NS_LAPTOP" iperf3 -c "$target" -t "$SECONDS_PER_RUN" -P 4 -J >"$OUT/$gw-iperf-4.json" 2>&1 || true
  log "$gw: iperf3 1 stream reverse (saas -> laptop)"
  ip netns exec "$NS_LAPTOP" iperf3 -c "$target" -t "$SECONDS_PER_RUN" -P 1 -R -J >"$OUT/$gw-iperf-1r.json" 2>&1 || true
  log "$gw: wrk ${WRK_CONNECTIONS} connections"
  ip netns exec "$NS_LAPTOP" wrk -t 2 -c "$WRK_CONNECTIONS" -d "${SECONDS_PER_RUN}s" "http://$target/" \
    >"$OUT/$gw-wrk.txt" 2>&1 || true
  local rps; rps="$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$OUT/$gw-wrk.txt")"

  log "$gw: RSS with $FLOWS concurrent connections"
  local rss_idle rss_max=0 flows_seen=""
  rss_idle="$(rss_kib "$gw_pid")"
  ip netns exec "$NS_LAPTOP" wrk -t 2 -c "$FLOWS" -d "$((SECONDS_PER_RUN + 5))s" --timeout 10s "http://$target/" \
    >"$OUT/$gw-wrk-$FLOWS.txt" 2>&1 &
  local wrk_pid=$!
  for _ in $(seq 1 $((SECONDS_PER_RUN + 3))); do
    sleep 1
    local r; r="$(rss_kib "$gw_pid")"
    ((r > rss_max)) && rss_max=$r
    if [[ "$mode" == java ]]; then
      local f
      f="$(ip netns exec "$NS_GW" curl -s --max-time 2 "http://127.0.0.1:$HTTP_PORT/status" \
        | awk -F: '/"tcpFlows"/ {gsub(/[ ,]/, "", $2); print $2}')"
      [[ -n "$f" && ( -z "$flows_seen" || "$f" -gt "$flows_seen" ) ]] && flows_seen="$f"
    fi
  done
  wait "$wrk_pid" || true
  [[ "$mode" == java ]] || flows_seen="(kernel)"

  echo "$gw $(iperf_mbps "$OUT/$gw-iperf-1.json") $(iperf_mbps "$OUT/$gw-iperf-4.json") \
$(iperf_mbps "$OUT/$gw-iperf-1r.json") ${rps:-n/a} \
$((rss_idle / 1024)) $((rss_max / 1024)) ${flows_seen:-n/a}" >>"$OUT/rows"
  "$TOPOLOGY" down >/dev/null 2>&1
}

for gw in "${gateways[@]}"; do run_gateway "$gw"; done

{
  echo "Pinhole data-plane benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "iperf3 laptop->saas ${SECONDS_PER_RUN}s; wrk ${WRK_CONNECTIONS} connections on a 42-byte page; RSS of the gateway process"
  echo "(wireguard-go for wg, the JVM for java*) idle and peak with $FLOWS concurrent connections (wrk -c $FLOWS)."
  echo "JVM options: $PH_JAVA_OPTS"
  echo
  printf '%-8s %10s %10s %10s %9s %9s %14s %12s\n' gateway "1 stream" "4 streams" "1 reverse" "req/s" "RSS idle" \
    "RSS $FLOWS conn" "tcp flows"
  printf '%-8s %10s %10s %10s %9s %9s %14s %12s\n' "" "Mbit/s" "Mbit/s" "Mbit/s" "" "MiB" "MiB" "(peak seen)"
  while read -r name one four rev rps idle peak flows; do
    printf '%-8s %10s %10s %10s %9s %9s %14s %12s\n' "$name" "$one" "$four" "$rev" "$rps" "$idle" "$peak" "$flows"
  done <"$OUT/rows"
  base="$(awk '$1 == "wg"' "$OUT/rows")"
  if [[ -n "$base" ]]; then
    echo
    echo "ratio Java/baseline (>= 1.0 means at least as fast as wireguard-go + kernel):"
    read -r _ b1 b4 br brps _ <<<"$base"
    while read -r name one four rev rps _; do
      [[ "$name" == wg ]] && continue
      ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) printf "%.2f", a / b; else printf "n/a" }'; }
      printf '%-8s 1 stream %s   4 streams %s   1 reverse %s   req/s %s\n' "$name" "$(ratio "$one" "$b1")" \
        "$(ratio "$four" "$b4")" "$(ratio "$rev" "$br")" "$(ratio "$rps" "$brps")"
    done <"$OUT/rows"
  fi
} | tee "$OUT/table.txt"
log "results in $OUT"
