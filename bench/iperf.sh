#!/usr/bin/env bash
# Throughput, CPU and request-rate benchmark in the test topology (test/netns/topology.sh), one gateway after another:
#   wgup    the reference: upstream wireguard-go (hack/tools.versions, built by hack/go-tool.sh) + kernel forwarding
#           + iptables MASQUERADE in namespace gw
#   wg      the same with Debian's wireguard-go (BENCH_WG_GO_DEBIAN, default /usr/bin/wireguard-go; 2022, no offloads)
#   java17  the Java connector on JDK 17      (BENCH_JAVA17, default /usr/lib/jvm/java-17-openjdk-amd64/bin/java)
#   java25  the Java connector on Temurin 25  (BENCH_JAVA25, default /usr/lib/jvm/temurin-25-jdk-amd64/bin/java)
# The client (laptop) always runs upstream wireguard-go (BENCH_WG_GO_CLIENT overrides), so only the gateway changes.
# Per gateway and round, in a fresh topology: iperf3 TCP laptop -> saas with 1 and 4 streams and 1 stream
# saas -> laptop, each with the gateway process's CPU time (utime+stime from /proc/<pid>/stat before and after)
# per GB (10^9 bytes) iperf3 moved; wrk small-page request rate through the tunnel; the gateway process's VmRSS
# after those runs and its peak while BENCH_FLOWS concurrent connections are open. With BENCH_ROUNDS > 1 the
# gateways alternate (wgup wg java25 wgup wg java25 ...) and the table shows the median of each column.
#
# usage: bench/iperf.sh [gateway...]        (default: wgup wg java17 java25); needs root and a connector build
#        (./mvnw -B -q package -DskipTests) for the Java gateways, and Go (or the cached binary) for upstream
#        wireguard-go.
# env:   BENCH_SECONDS (iperf3/wrk duration, default 10), BENCH_ROUNDS (default 1), BENCH_WRK_CONNECTIONS
#        (default 50), BENCH_FLOWS (concurrent connections for the RSS sample, default 1000; 0 skips that phase),
#        BENCH_JAVA_OPTS (default "-Xmx128m -XX:+ExitOnOutOfMemoryError"; the heap cap dominates the RSS),
#        BENCH_WG_GO_UPSTREAM (default: hack/go-tool.sh wireguard-go), BENCH_WG_GO_DEBIAN, BENCH_WG_GO_CLIENT,
#        PH_PREFIX (default phbench).
# Results: bench/results/<timestamp>/ (raw iperf3 JSON, wrk output, per-round rows, the table); the table also goes
# to stdout.
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOPOLOGY="$ROOT/test/netns/topology.sh"
SECONDS_PER_RUN="${BENCH_SECONDS:-10}"
ROUNDS="${BENCH_ROUNDS:-1}"
WRK_CONNECTIONS="${BENCH_WRK_CONNECTIONS:-50}"
FLOWS="${BENCH_FLOWS:-1000}"
export PH_PREFIX="${PH_PREFIX:-phbench}"
export PH_BIG_MB=1
export PH_JAVA_OPTS="${BENCH_JAVA_OPTS:--Xmx128m -XX:+ExitOnOutOfMemoryError}"
JAVA17="${BENCH_JAVA17:-/usr/lib/jvm/java-17-openjdk-amd64/bin/java}"
JAVA25="${BENCH_JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}"
WG_GO_DEBIAN="${BENCH_WG_GO_DEBIAN:-/usr/bin/wireguard-go}"
OUT="$ROOT/bench/results/$(date -u +%Y%m%dT%H%M%SZ)"
STATE="/tmp/pinhole-netns-$PH_PREFIX"
CLOCK_TICKS="$(getconf CLK_TCK)"
export PATH="$PATH:/usr/sbin:/sbin"

log() { echo "bench: $*" >&2; }

for n in "$SECONDS_PER_RUN" "$ROUNDS" "$WRK_CONNECTIONS" "$FLOWS"; do
  [[ "$n" =~ ^[0-9]+$ ]] || { log "BENCH_SECONDS, BENCH_ROUNDS, BENCH_WRK_CONNECTIONS, BENCH_FLOWS must be integers"; exit 2; }
done
((ROUNDS >= 1 && SECONDS_PER_RUN >= 1)) || { log "BENCH_ROUNDS and BENCH_SECONDS must be at least 1"; exit 2; }

gateways=("$@")
((${#gateways[@]})) || gateways=(wgup wg java17 java25)
for gw in "${gateways[@]}"; do
  case "$gw" in wgup | wg | java17 | java25) ;; *) log "unknown gateway $gw (wgup, wg, java17, java25)"; exit 2 ;; esac
done

# Upstream wireguard-go: pinned in hack/tools.versions, built once with CGO_ENABLED=0 and cached by version.
upstream_label="$(awk '$1 == "wireguard-go" {print $2}' "$ROOT/hack/tools.versions")"
if [[ -n "${BENCH_WG_GO_UPSTREAM:-}" ]]; then
  WG_GO_UPSTREAM="$BENCH_WG_GO_UPSTREAM"
  upstream_label="$WG_GO_UPSTREAM (BENCH_WG_GO_UPSTREAM)"
elif [[ -z "${BENCH_WG_GO_CLIENT:-}" || " ${gateways[*]} " == *" wgup "* ]]; then
  WG_GO_UPSTREAM="$("$ROOT/hack/go-tool.sh" wireguard-go)"
else
  WG_GO_UPSTREAM=""
fi
WG_GO_CLIENT="${BENCH_WG_GO_CLIENT:-$WG_GO_UPSTREAM}"
if [[ -n "${BENCH_WG_GO_CLIENT:-}" ]]; then client_label="$WG_GO_CLIENT (BENCH_WG_GO_CLIENT)"
else client_label="upstream wireguard-go $upstream_label"; fi
debian_label="$WG_GO_DEBIAN"
[[ -n "${BENCH_WG_GO_DEBIAN:-}" ]] || debian_label+=" $(dpkg-query -W -f='${Version}' wireguard-go 2>/dev/null || true)"

mkdir -p "$OUT"
ulimit -n "$(ulimit -Hn)"  # wrk and the connector hold one descriptor per connection

cleanup() { "$TOPOLOGY" down >/dev/null 2>&1 || true; }
trap cleanup EXIT

# A number from the "sum_received" object of iperf3 -J (the receiver's view; no JSON tool needed): bits_per_second
# or bytes.
iperf_sum() {
  awk -v key="\"$1\"" '/"sum_received"/ {in_sum = 1} in_sum && $1 ~ "^" key {gsub(/[^0-9.e+]/, "", $2); print $2; found = 1; exit}
       END {if (!found) print "n/a"}' "$2" 2>/dev/null || echo "n/a"
}

mbps() { awk -v b="$1" 'BEGIN { if (b ~ /^[0-9.e+]+$/) printf "%.0f", b / 1e6; else printf "n/a" }'; }

# utime + stime of the whole process (all its threads, also finished ones), in clock ticks. The name in
# parentheses may hold spaces, so the fields are counted after its closing parenthesis.
cpu_ticks() {
  awk '{ sub(/^.*\) /, ""); split($0, f, " "); print f[12] + f[13] }' "/proc/$1/stat" 2>/dev/null || true
}

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# Runs one iperf3 client in the laptop namespace into FILE and prints the gateway's CPU seconds per GB moved.
iperf_with_cpu() { # iperf_with_cpu GW_PID TARGET FILE iperf3-args...
  local pid="$1" target="$2" file="$3" before after bytes
  shift 3
  before="$(cpu_ticks "$pid")"
  ip netns exec "$NS_LAPTOP" iperf3 -c "$target" -t "$SECONDS_PER_RUN" -J "$@" >"$file" 2>&1 || true
  after="$(cpu_ticks "$pid")"
  bytes="$(iperf_sum bytes "$file")"
  awk -v b="$before" -v a="$after" -v n="$bytes" -v hz="$CLOCK_TICKS" 'BEGIN {
    if (b != "" && a != "" && n ~ /^[0-9.e+]+$/ && n > 0) printf "%.2f", (a - b) / hz / (n / 1e9); else printf "n/a" }'
}

run_gateway() { # run_gateway GATEWAY ROUND
  local gw="$1" round="$2" mode pid_file java="" wg_go_gw="" run target
  case "$gw" in
    wgup) mode=wg; wg_go_gw="$WG_GO_UPSTREAM"; pid_file=wg-gw.pid ;;
    wg) mode=wg; wg_go_gw="$WG_GO_DEBIAN"; pid_file=wg-gw.pid ;;
    java17) mode=java; java="$JAVA17"; pid_file=connector.pid ;;
    java25) mode=java; java="$JAVA25"; pid_file=connector.pid ;;
  esac
  run="$OUT/$gw-r$round"
  log "== $gw round $round: topology up"
  PH_JAVA="$java" PH_WG_GO="$WG_GO_CLIENT" PH_WG_GO_GW="$wg_go_gw" "$TOPOLOGY" up --gateway "$mode" \
    >"$run-topology.log" 2>&1 || {
    log "$gw: topology up failed, see $run-topology.log"
    echo "$gw $round n/a n/a n/a n/a n/a n/a n/a n/a n/a n/a" >>"$OUT/rows"
    return 0
  }
  # shellcheck disable=SC1091
  source "$STATE/env"
  # Through the tunnel: the kernel gateways route the real address; the connector is reached by name (synthetic
  # address).
  if [[ "$mode" == wg ]]; then target="$SAAS_IP"; else target=app.saas.test; fi
  ip netns exec "$NS_SAAS" iperf3 -s -D -B "$SAAS_IP" -I "$STATE/iperf3.pid"
  sleep 0.5
  local gw_pid cpu1 cpu4 cpur
  gw_pid="$(cat "$STATE/$pid_file")"

  log "$gw: iperf3 1 stream"
  cpu1="$(iperf_with_cpu "$gw_pid" "$target" "$run-iperf-1.json" -P 1)"
  log "$gw: iperf3 4 streams"
  cpu4="$(iperf_with_cpu "$gw_pid" "$target" "$run-iperf-4.json" -P 4)"
  log "$gw: iperf3 1 stream reverse (saas -> laptop)"
  cpur="$(iperf_with_cpu "$gw_pid" "$target" "$run-iperf-1r.json" -P 1 -R)"
  log "$gw: wrk ${WRK_CONNECTIONS} connections"
  ip netns exec "$NS_LAPTOP" wrk -t 2 -c "$WRK_CONNECTIONS" -d "${SECONDS_PER_RUN}s" "http://$target/" \
    >"$run-wrk.txt" 2>&1 || true
  local rps; rps="$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$run-wrk.txt")"

  local rss_after rss_max=0 flows_seen=""
  rss_after="$(rss_kib "$gw_pid")"
  if ((FLOWS > 0)); then
    log "$gw: RSS with $FLOWS concurrent connections"
    ip netns exec "$NS_LAPTOP" wrk -t 2 -c "$FLOWS" -d "$((SECONDS_PER_RUN + 5))s" --timeout 10s "http://$target/" \
      >"$run-wrk-$FLOWS.txt" 2>&1 &
    local wrk_pid=$!
    for _ in $(seq 1 $((SECONDS_PER_RUN + 3))); do
      sleep 1
      local r; r="$(rss_kib "$gw_pid")"
      ((r > rss_max)) && rss_max=$r
      if [[ "$mode" == java ]]; then
        local f
        f="$(ip netns exec "$NS_GW" curl -s --max-time 2 "http://127.0.0.1:$HTTP_PORT/status" \
          | awk -F: '/"tcpFlows"/ {gsub(/[ ,]/, "", $2); print $2}' || true)"
        [[ -n "$f" && ( -z "$flows_seen" || "$f" -gt "$flows_seen" ) ]] && flows_seen="$f"
      fi
    done
    wait "$wrk_pid" || true
    [[ "$mode" == java ]] || flows_seen="(kernel)"
    rss_max=$((rss_max / 1024))
  else
    rss_max=n/a flows_seen=n/a
  fi
  kill -0 "$gw_pid" 2>/dev/null || log "$gw: the gateway process $gw_pid died during the runs, see $STATE"

  echo "$gw $round $(mbps "$(iperf_sum bits_per_second "$run-iperf-1.json")") \
$(mbps "$(iperf_sum bits_per_second "$run-iperf-4.json")") $(mbps "$(iperf_sum bits_per_second "$run-iperf-1r.json")") \
${rps:-n/a} $((rss_after / 1024)) $rss_max ${flows_seen:-n/a} $cpu1 $cpu4 $cpur" >>"$OUT/rows"
  "$TOPOLOGY" down >/dev/null 2>&1
}

for round in $(seq 1 "$ROUNDS"); do
  for gw in "${gateways[@]}"; do run_gateway "$gw" "$round"; done
done

# The median of column COL (1-based, as in rows: gw round one four rev rps rss_after rss_peak flows cpu1 cpu4 cpur)
# over a gateway's rounds, printed with FORMAT; rounds without a number are left out (all without: the first value).
median() { # median GW COL FORMAT
  awk -v gw="$1" -v col="$2" -v fmt="$3" '$1 == gw {
      if (first == "") first = $col
      if ($col ~ /^[0-9.]+$/) { v[n++] = $col + 0 } }
    END {
      if (n == 0) { print (first == "" ? "n/a" : first); exit }
      for (i = 1; i < n; i++) { x = v[i]; for (j = i - 1; j >= 0 && v[j] > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
      m = (n % 2) ? v[int(n / 2)] : (v[n / 2 - 1] + v[n / 2]) / 2
      printf fmt "\n", m }' "$OUT/rows"
}

# One line per gateway with the medians, in the order the gateways were given.
for gw in "${gateways[@]}"; do
  echo "$gw $(median "$gw" 3 %.0f) $(median "$gw" 4 %.0f) $(median "$gw" 5 %.0f) $(median "$gw" 6 %.0f) \
$(median "$gw" 7 %.0f) $(median "$gw" 8 %.0f) $(median "$gw" 9 %.0f) $(median "$gw" 10 %.2f) \
$(median "$gw" 11 %.2f) $(median "$gw" 12 %.2f)"
done >"$OUT/medians"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) printf "%.2f", a / b; else printf "n/a" }'; }

{
  echo "Pinhole data-plane benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  if ((ROUNDS == 1)); then rounds_label="one round"; else rounds_label="medians of $ROUNDS alternating rounds"; fi
  echo "iperf3 laptop->saas ${SECONDS_PER_RUN}s; wrk ${WRK_CONNECTIONS} connections on a 42-byte page; $rounds_label."
  echo "Client: $client_label."
  echo "Gateways: wgup = upstream wireguard-go $upstream_label, wg = $debian_label (both + kernel NAT);"
  echo "java* = the connector, JVM options: $PH_JAVA_OPTS"
  if ((FLOWS > 0)); then flows_label="its peak with $FLOWS concurrent connections (wrk -c $FLOWS)"
  else flows_label="no many-connections phase (BENCH_FLOWS=0)"; fi
  echo "RSS of the gateway process (wireguard-go or the JVM) after the iperf3 and wrk runs, and"
  echo "$flows_label. CPU: utime+stime of the gateway process per 10^9 bytes iperf3 moved"
  echo "(the kernel gateways' forwarding and NAT run in softirq and are not counted; the connector does both in-process)."
  echo
  printf '%-8s %10s %10s %10s %9s %9s %14s %12s\n' gateway "1 stream" "4 streams" "1 reverse" "req/s" "RSS after" \
    "RSS $FLOWS conn" "tcp flows"
  printf '%-8s %10s %10s %10s %9s %9s %14s %12s\n' "" "Mbit/s" "Mbit/s" "Mbit/s" "" "MiB" "MiB" "(peak seen)"
  while read -r name one four rev rps after peak flows _; do
    printf '%-8s %10s %10s %10s %9s %9s %14s %12s\n' "$name" "$one" "$four" "$rev" "$rps" "$after" "$peak" "$flows"
  done <"$OUT/medians"
  echo
  printf '%-8s %10s %10s %10s   (gateway CPU seconds per GB moved)\n' gateway "1 stream" "4 streams" "1 reverse"
  while read -r name _ _ _ _ _ _ _ c1 c4 cr; do
    printf '%-8s %10s %10s %10s\n' "$name" "$c1" "$c4" "$cr"
  done <"$OUT/medians"
  for ref in wgup wg; do
    base="$(awk -v r="$ref" '$1 == r' "$OUT/medians")"
    [[ -n "$base" ]] || continue
    echo
    echo "ratio against $ref (throughput, req/s: >= 1.0 is at least as fast; CPU/GB: <= 1.0 is at most as much CPU):"
    read -r _ b1 b4 br brps _ _ _ bc1 bc4 bcr <<<"$base"
    while read -r name one four rev rps _ _ _ c1 c4 cr; do
      [[ "$name" == "$ref" ]] && continue
      printf '%-8s 1 stream %s  4 streams %s  1 reverse %s  req/s %s  |  CPU/GB 1 stream %s  4 streams %s  1 reverse %s\n' \
        "$name" "$(ratio "$one" "$b1")" "$(ratio "$four" "$b4")" "$(ratio "$rev" "$br")" "$(ratio "$rps" "$brps")" \
        "$(ratio "$c1" "$bc1")" "$(ratio "$c4" "$bc4")" "$(ratio "$cr" "$bcr")"
    done <"$OUT/medians"
  done
} | tee "$OUT/table.txt"
log "results in $OUT"
