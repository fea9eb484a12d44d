#!/usr/bin/env bash
# Where the connector's memory goes with many flows, per JVM-option variant, interleaved (issue 16: under 160 MiB
# with 1,000 open flows in the default pod). Per variant and round, in a fresh topology (test/netns/topology.sh,
# the connector on BENCH_JAVA, default Temurin 25, with -XX:MaxRAM=384m standing in for the pod's limit and
# MALLOC_ARENA_MAX=2 as the image sets it), the connector's VmRSS:
#   idle       5 s after ready
#   idle-flows with BENCH_FLOWS (default 1000) open, idle TCP connections laptop -> saas through the tunnel
#   bulk       right after iperf3 (4 streams up, then 1 stream down, BENCH_SECONDS each) with those flows still open
#   busy-peak  the peak while wrk holds BENCH_FLOWS busy connections (what bench/iperf.sh reports as "1,000 flows")
#   later      BENCH_SETTLE seconds (default 60) after the last traffic (the idle flows' client is gone before wrk;
#              the listener holds its ends, so those flows stay in the table, half-closed)
# plus, at idle-flows and at later: the heap's committed and used size (jcmd GC.heap_info), and at the end the
# live set (jcmd GC.class_histogram, which collects first), the direct buffers (BufferPoolMXBean through
# jcmd VM.native_memory when the variant enables -XX:NativeMemoryTracking=summary), and the NMT summary. CPU seconds
# per GB of the upload is printed too, so a lever that costs throughput shows.
#
# usage: sudo bench/connector-memory.sh "LABEL|JVM OPTIONS" ...    (needs a connector build, as bench/iperf.sh)
# env:   BENCH_FLOWS (1000), BENCH_SECONDS (iperf3 per direction, 8), BENCH_SETTLE (60), BENCH_ROUNDS (1),
#        BENCH_JAVA (/usr/lib/jvm/temurin-25-jdk-amd64/bin/java), BENCH_PRIORITY=1 (autogroup nice -20, as
#        bench/connector-start.py --priority: on a busy machine stands in for a quiet one), PH_PREFIX (phmem).
# Results: bench/results/memory-<timestamp>/ (per variant and round: jcmd outputs, rows), the table on stdout.
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOPOLOGY="$ROOT/test/netns/topology.sh"
FLOWS="${BENCH_FLOWS:-1000}"
SECONDS_PER_RUN="${BENCH_SECONDS:-8}"
SETTLE="${BENCH_SETTLE:-60}"
ROUNDS="${BENCH_ROUNDS:-1}"
JAVA="${BENCH_JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}"
JCMD="$(dirname "$JAVA")/jcmd"
HOLD_PORT=9000
export PH_PREFIX="${PH_PREFIX:-phmem}"
export MALLOC_ARENA_MAX=2
OUT="$ROOT/bench/results/memory-$(date -u +%Y%m%dT%H%M%SZ)"
STATE="/tmp/pinhole-netns-$PH_PREFIX"
CLOCK_TICKS="$(getconf CLK_TCK)"
export PATH="$PATH:/usr/sbin:/sbin"

log() { echo "bench: $*" >&2; }
(($#)) || { log "usage: $0 \"LABEL|JVM OPTIONS\" ..."; exit 2; }
for n in "$FLOWS" "$SECONDS_PER_RUN" "$SETTLE" "$ROUNDS"; do
  [[ "$n" =~ ^[0-9]+$ ]] || { log "BENCH_FLOWS, BENCH_SECONDS, BENCH_SETTLE, BENCH_ROUNDS must be integers"; exit 2; }
done
mkdir -p "$OUT"
ulimit -n "$(ulimit -Hn)"
if [[ "${BENCH_PRIORITY:-0}" == 1 ]]; then
  echo -20 >"/proc/$$/autogroup" 2>/dev/null || log "no autogroup priority (not root?)"
fi

holder_pids=()
cleanup() {
  local p
  for p in "${holder_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  "$TOPOLOGY" down >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rss_mib() { awk '/^VmRSS:/ {printf "%.1f", $2 / 1024}' "/proc/$1/status" 2>/dev/null || echo n/a; }
cpu_ticks() { awk '{ sub(/^.*\) /, ""); split($0, f, " "); print f[12] + f[13] }' "/proc/$1/stat" 2>/dev/null; }
# "committed/used" of the whole heap in MiB from jcmd GC.heap_info (serial: def new + tenured generation).
heap_info() {
  "$JCMD" "$1" GC.heap_info 2>/dev/null | tee "$2" | awk '
    /^ *(DefNew|Tenured|def new generation|tenured generation) +total/ { for (i = 1; i <= NF; i++) { if ($i == "total") t += $(i + 1); if ($i == "used") u += $(i + 1) } }
    END { gsub(/K,?/, "", t); printf "%.0f/%.0f", t / 1024, u / 1024 }'
}
tcp_flows() {
  ip netns exec "$NS_GW" curl -s --max-time 2 "http://127.0.0.1:$HTTP_PORT/status" \
    | awk -F: '/"tcpFlows"/ {gsub(/[ ,]/, "", $2); print $2; exit}' || true
}

# A listener in saas that accepts and holds every connection, and a client in the laptop namespace that opens
# FLOWS connections to it through the tunnel and holds them, sending nothing: idle flows.
HOLD_SERVER='
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(4096); held = []
while True:
    c, _ = s.accept(); held.append(c)
'
HOLD_CLIENT='
import socket, sys, time
held = []
for _ in range(int(sys.argv[3])):
    try:
        held.append(socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10))
    except OSError as e:
        print("connect failed:", e, file=sys.stderr)
print(len(held), flush=True)
time.sleep(100000)
'

run_variant() { # run_variant INDEX LABEL OPTS ROUND
  local i="$1" label="$2" opts="$3" round="$4" run pid target
  run="$OUT/v$i-r$round"
  log "== [$label] round $round: topology up"
  rm -f "$STATE/connector.env"
  PH_JAVA="$JAVA" PH_JAVA_OPTS="-XX:MaxRAM=384m $opts" "$TOPOLOGY" up --gateway java >"$run-topology.log" 2>&1 || {
    log "topology up failed, see $run-topology.log"; return 1; }
  # shellcheck disable=SC1091
  source "$STATE/env"
  pid="$(cat "$STATE/connector.pid")"
  target="$(ip netns exec "$NS_LAPTOP" getent ahostsv4 app.saas.test | awk '{print $1; exit}')"
  ip netns exec "$NS_SAAS" iperf3 -s -D -B "$SAAS_IP" -I "$STATE/iperf3.pid"
  ip netns exec "$NS_SAAS" python3 -c "$HOLD_SERVER" "$SAAS_IP" "$HOLD_PORT" >"$run-hold-server.log" 2>&1 &
  holder_pids+=($!)
  sleep 5
  local idle; idle="$(rss_mib "$pid")"

  log "[$label] $FLOWS idle flows"
  ip netns exec "$NS_LAPTOP" python3 -c "$HOLD_CLIENT" "$target" "$HOLD_PORT" "$FLOWS" >"$run-hold-client.out" \
    2>"$run-hold-client.log" &
  local client=$!
  holder_pids+=($client)
  for _ in $(seq 1 120); do [[ -s "$run-hold-client.out" ]] && break; sleep 1; done
  sleep 3
  local flows idle_flows heap_flows
  flows="$(tcp_flows)"
  idle_flows="$(rss_mib "$pid")"
  heap_flows="$(heap_info "$pid" "$run-heap-flows.txt")"

  log "[$label] iperf3 bulk"
  local before after bytes cpu
  before="$(cpu_ticks "$pid")"
  ip netns exec "$NS_LAPTOP" iperf3 -c "$target" -t "$SECONDS_PER_RUN" -P 4 -J >"$run-iperf-up.json" 2>&1 || true
  ip netns exec "$NS_LAPTOP" iperf3 -c "$target" -t "$SECONDS_PER_RUN" -R -J >"$run-iperf-down.json" 2>&1 || true
  after="$(cpu_ticks "$pid")"
  bytes="$(cat "$run-iperf-up.json" "$run-iperf-down.json" | awk '/"sum_received"/ {s = 1} s && /"bytes"/ {gsub(/[^0-9]/, "", $2); n += $2; s = 0} END {print n + 0}')"
  cpu="$(awk -v b="$before" -v a="$after" -v n="$bytes" -v hz="$CLOCK_TICKS" 'BEGIN { if (n > 0) printf "%.2f", (a - b) / hz / (n / 1e9); else print "n/a" }')"
  local bulk; bulk="$(rss_mib "$pid")"
  kill "$client" 2>/dev/null || true

  log "[$label] wrk with $FLOWS busy connections"
  ip netns exec "$NS_LAPTOP" wrk -t 2 -c "$FLOWS" -d "$((SECONDS_PER_RUN + 4))s" --timeout 10s "http://$target/" \
    >"$run-wrk.txt" 2>&1 &
  local wrk=$! peak=0 r
  for _ in $(seq 1 $((SECONDS_PER_RUN + 3))); do
    sleep 1; r="$(rss_mib "$pid")"
    awk -v a="$r" -v b="$peak" 'BEGIN { exit !(a > b) }' && peak="$r"
  done
  wait "$wrk" || true

  log "[$label] $SETTLE s idle"
  sleep "$SETTLE"
  local later heap_later live
  later="$(rss_mib "$pid")"
  heap_later="$(heap_info "$pid" "$run-heap-later.txt")"
  "$JCMD" "$pid" VM.native_memory summary >"$run-nmt.txt" 2>&1 || true
  "$JCMD" "$pid" GC.class_histogram >"$run-histogram.txt" 2>&1 || true
  live="$(awk '/^Total/ {printf "%.1f", $3 / 1048576}' "$run-histogram.txt")"
  local after_gc; after_gc="$(rss_mib "$pid")"
  kill -0 "$pid" 2>/dev/null || log "[$label] the connector died, see $STATE"
  echo "$i|$round|$label|$idle|$idle_flows|${flows:-n/a}|$heap_flows|$bulk|$cpu|$peak|$later|$heap_later|${live:-n/a}|$after_gc" \
    >>"$OUT/rows"
  local p; for p in "${holder_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  holder_pids=()
  "$TOPOLOGY" down >/dev/null 2>&1
  rm -f "$STATE/connector.env"
}

variants=("$@")
for round in $(seq 1 "$ROUNDS"); do
  for i in "${!variants[@]}"; do
    v="${variants[$i]}"
    run_variant "$i" "${v%%|*}" "${v#*|}" "$round" || true
  done
done

{
  echo "connector memory, $(date -u +%FT%TZ), $("$JAVA" -version 2>&1 | head -n 1), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "RSS MiB; heap committed/used MiB (jcmd GC.heap_info); CPU-s/GB over the iperf3 upload + download;"
  echo "live = heap after a full collection (GC.class_histogram); every run: -XX:MaxRAM=384m, MALLOC_ARENA_MAX=2"
  printf '%-40s %5s %6s %6s %9s %6s %6s %8s %6s %9s %6s %7s\n' variant idle "+$FLOWS" flows heap "bulk" "CPU/GB" \
    "busypeak" later heap live "afterGC"
  sort -t'|' -k1,1n -k2,2n "$OUT/rows" | while IFS='|' read -r _ round label idle fl n hf bulk cpu peak later hl live ag; do
    printf '%-40s %5s %6s %6s %9s %6s %6s %8s %6s %9s %6s %7s\n' "${label:0:37} r$round" "$idle" "$fl" "$n" "$hf" \
      "$bulk" "$cpu" "$peak" "$later" "$hl" "$live" "$ag"
  done
} | tee "$OUT/table.txt"
