#!/usr/bin/env bash
# What flow and refusal records cost (docs/flow-records.md): one topology (test/netns/topology.sh, Java gateway),
# records switched on and off by rewriting the connector's config (hot reload, no restart), alternating per round.
# Each run: a flood of refused connections (bash /dev/tcp to an unmapped synthetic address, one SYN per port, each
# answered with a RST and each a refusal the recorder rate-limits) runs in the background from one client, laptop2
# (PH_SECOND_LAPTOP=1), while iperf3 (laptop -> saas, 1 stream, BENCH_SECONDS) measures the other client's
# throughput through the same connector; the gateway's CPU seconds per GB iperf3 moved (utime+stime from /proc/<pid>/stat) is the robust
# figure on a busy machine. Per run it also counts the refusals (drops_total{reason="not_mapped"}) and the record
# lines the connector wrote.
#
# usage: bench/records.sh       needs root, iperf3, a connector build (./mvnw -B -q package -DskipTests)
# env:   BENCH_SECONDS (default 10), BENCH_ROUNDS (default 3), PH_PREFIX (default phrec)
# Results: bench/results/records-<timestamp>/ (rows, the table); the table also goes to stdout.
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOPOLOGY="$ROOT/test/netns/topology.sh"
SECONDS_PER_RUN="${BENCH_SECONDS:-10}"
ROUNDS="${BENCH_ROUNDS:-3}"
export PH_PREFIX="${PH_PREFIX:-phrec}"
export PH_BIG_MB=1 PH_SECOND_LAPTOP=1
export PH_JAVA_OPTS="${BENCH_JAVA_OPTS:--Xmx128m -XX:+ExitOnOutOfMemoryError}"
STATE="/tmp/pinhole-netns-$PH_PREFIX"
OUT="$ROOT/bench/results/records-$(date -u +%Y%m%dT%H%M%SZ)"
CLOCK_TICKS="$(getconf CLK_TCK)"
export PATH="$PATH:/usr/sbin:/sbin"
log() { echo "records-bench: $*" >&2; }
[[ "$SECONDS_PER_RUN" =~ ^[0-9]+$ && "$ROUNDS" =~ ^[0-9]+$ ]] || { log "BENCH_SECONDS, BENCH_ROUNDS: integers"; exit 2; }
mkdir -p "$OUT"
flood_pid=""

cleanup() {
  [[ -n "$flood_pid" ]] && kill "$flood_pid" 2>/dev/null || true
  [[ -f "$STATE/iperf3.pid" ]] && kill "$(cat "$STATE/iperf3.pid")" 2>/dev/null || true
  "$TOPOLOGY" down >/dev/null 2>&1 || true
}
trap cleanup EXIT

cpu_ticks() { awk '{ sub(/^.*\) /, ""); split($0, f, " "); print f[12] + f[13] }' "/proc/$1/stat"; }
metric() { # metric PREFIX: the sum of the connector's series starting with PREFIX
  ip netns exec "$NS_GW" curl -fsS --max-time 10 "http://127.0.0.1:$HTTP_PORT/metrics" \
    | awk -v p="$1" 'index($0, p) == 1 { s += $NF } END { printf "%d", s }'
}
records_in_force() { ip netns exec "$NS_GW" curl -fsS --max-time 5 "http://127.0.0.1:$HTTP_PORT/status" \
  | tr -d ' \n' | grep -o '"records":{"flows":"[a-zA-Z]*"' | grep -o '[a-zA-Z]*"$' | tr -d '"'; }

# set_records on|off: rewrites the config's records and waits until the connector has it in force.
set_records() {
  local want flows
  if [[ "$1" == on ]]; then flows=end; want='{ "flows" : "end", "refusals" : true }'
  else flows=none; want='{ "flows" : "none", "refusals" : false }'; fi
  python3 - "$STATE/connector.json" "$want" <<'PY'
import json, sys
path, records = sys.argv[1], json.loads(sys.argv[2])
config = json.load(open(path))
config["records"] = records
tmp = path + ".tmp"
json.dump(config, open(tmp, "w"), indent=2)
import os
os.replace(tmp, path)
PY
  for _ in $(seq 50); do
    [[ "$(records_in_force)" == "$flows" ]] && return 0
    sleep 0.2
  done
  log "the connector did not put records $1 in force"; exit 1
}

log "topology up (Java gateway, prefix $PH_PREFIX)"
"$TOPOLOGY" up --gateway java >"$OUT/topology.log" 2>&1 || { log "topology up failed: $OUT/topology.log"; exit 1; }
# shellcheck disable=SC1091
source "$STATE/env"
gw_pid="$(cat "$STATE/connector.pid")"
ip netns exec "$NS_SAAS" iperf3 -s -D -B "$SAAS_IP" -I "$STATE/iperf3.pid"
sleep 0.5
ip netns exec "$NS_LAPTOP" getent ahostsv4 app.saas.test >/dev/null

echo "mode round mbps cpu_s_per_gb refusals records_lines" >"$OUT/rows"
for round in $(seq "$ROUNDS"); do
  for mode in on off; do
    set_records "$mode"
    lines_before="$(grep -c '^{"record":' "$STATE/connector.log" || true)"
    refused_before="$(metric 'pinhole_connector_drops_total{reason="not_mapped"')"
    ip netns exec "$NS_LAPTOP2" bash -c "while :; do for p in \$(seq 1 60000); do (exec 3<>/dev/tcp/$UNMAPPED_APP_ADDRESS/\$p) 2>/dev/null; done; done" &
    flood_pid=$!
    sleep 1
    before="$(cpu_ticks "$gw_pid")"
    ip netns exec "$NS_LAPTOP" iperf3 -c app.saas.test -t "$SECONDS_PER_RUN" -J >"$OUT/$mode-r$round.json" 2>&1 || true
    after="$(cpu_ticks "$gw_pid")"
    kill "$flood_pid" 2>/dev/null || true
    wait "$flood_pid" 2>/dev/null || true
    flood_pid=""
    sleep 1
    refused=$(( $(metric 'pinhole_connector_drops_total{reason="not_mapped"') - refused_before ))
    lines=$(( $(grep -c '^{"record":' "$STATE/connector.log" || true) - lines_before ))
    row="$(python3 - "$OUT/$mode-r$round.json" "$before" "$after" "$CLOCK_TICKS" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["end"]["sum_received"]
cpu = (int(sys.argv[3]) - int(sys.argv[2])) / int(sys.argv[4])
print("%.0f %.2f" % (r["bits_per_second"] / 1e6, cpu / (r["bytes"] / 1e9)))
PY
)"
    echo "$mode $round $row $refused $lines" | tee -a "$OUT/rows" >&2
  done
done

python3 - "$OUT/rows" <<'PY' | tee "$OUT/table"
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]).read().splitlines()[1:]]
print("records  iperf3 Mbit/s (median)  gateway CPU-s/GB (median)  refusals/run (median)  record lines/run (median)")
for mode in ("on", "off"):
    r = [x for x in rows if x[0] == mode]
    med = lambda i: statistics.median(float(x[i]) for x in r)
    print("%-8s %23.0f %26.2f %22.0f %26.0f" % (mode, med(2), med(3), med(4), med(5)))
PY
