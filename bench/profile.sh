#!/usr/bin/env bash
# bench/profile.sh LABEL CLASSPATH [extra JVM opts] (root): the connector on Temurin 25 in the netns topology
# (test/netns/topology.sh, PH_PREFIX default phprof, client upstream wireguard-go), a warm-up of WARM s (default 4)
# each way, then upload and download (SECS, default 10 s each) with a JFR recording per direction (jcmd
# JFR.start/stop, into BENCH_OUT/LABEL, default /tmp/pinhole-profile) and CPU seconds per GB for the process and per
# thread (utime+stime from /proc, also split into user and system time). bench/jfr-hot.py FILE.jfr prints each
# thread's hottest methods. Used for docs/dataplane.md.
set -euo pipefail
label="$1" cp="$2" extra="${3:-}"
export PH_PREFIX="${PH_PREFIX:-phprof}"
J25="${BENCH_JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}"
REPO="$(cd "$(dirname "$0")/.." && pwd)"
TOP=$REPO/test/netns/topology.sh
out="${BENCH_OUT:-/tmp/pinhole-profile}/$label"; rm -rf "$out"; mkdir -p "$out"
WG_GO="${WG_GO:-$($REPO/hack/go-tool.sh wireguard-go)}"
HZ=$(getconf CLK_TCK)
PH_JAVA=$J25/bin/java PH_CONNECTOR_CP="$cp" PH_JAVA_OPTS="-Xmx128m -XX:+ExitOnOutOfMemoryError --enable-native-access=ALL-UNNAMED $extra" \
  PH_WG_GO="$WG_GO" PH_BIG_MB=1 "$TOP" up --gateway java >"$out/top.log" 2>&1 || { echo "topology failed"; tail -20 "$out/top.log"; exit 1; }
trap '"$TOP" down >/dev/null 2>&1 || true' EXIT
source /tmp/pinhole-netns-$PH_PREFIX/env
ip netns exec "$NS_SAAS" iperf3 -s -D -B "$SAAS_IP" -I /tmp/pinhole-netns-$PH_PREFIX/iperf3.pid
sleep 0.5
pid=$(cat /tmp/pinhole-netns-$PH_PREFIX/connector.pid)
ip netns exec "$NS_GW" curl -s "http://127.0.0.1:$HTTP_PORT/status" | tr ',' '\n' | grep -E 'udpIo|listenAddress' >"$out/status.txt" || true
# Per thread name: utime+stime, utime, stime (clock ticks); a thread that exits meanwhile is skipped, not fatal.
threads() { for t in /proc/$pid/task/*; do awk '{ n=$0; sub(/^[^(]*\(/, "", n); sub(/\).*/, "", n); r=$0; sub(/^.*\) /, "", r); split(r, f, " "); gsub(/ /, "_", n); print n, f[12]+f[13], f[12], f[13] }' "$t/stat" 2>/dev/null || true; done | awk '{a[$1]+=$2; u[$1]+=$3; s[$1]+=$4} END {for (k in a) print k, a[k], u[k], s[k]}' | sort; }
proc() { awk '{ sub(/^.*\) /, ""); split($0, f, " "); print f[12] + f[13] }' /proc/$pid/stat; }
# Warm-up (JIT) in both directions, not counted (WARM seconds each, default 4; on a loaded machine C2 needs more).
ip netns exec "$NS_LAPTOP" iperf3 -c app.saas.test -t "${WARM:-4}" >/dev/null 2>&1 || true
ip netns exec "$NS_LAPTOP" iperf3 -c app.saas.test -t "${WARM:-4}" -R >/dev/null 2>&1 || true
for dir in up down; do
  args=(); [[ $dir == down ]] && args=(-R)
  $J25/bin/jcmd "$pid" JFR.start name=$dir settings=profile filename="$out/$dir.jfr" >/dev/null
  threads >"$out/$dir.t0"; p0=$(proc)
  ip netns exec "$NS_LAPTOP" iperf3 -c app.saas.test -t "${SECS:-10}" -J "${args[@]}" >"$out/$dir.json" 2>&1 || true
  p1=$(proc); threads >"$out/$dir.t1"
  $J25/bin/jcmd "$pid" JFR.stop name=$dir >/dev/null
  bytes=$(python3 -c "import json,sys; d=json.load(open('$out/$dir.json')); print(d['end']['sum_received']['bytes'])")
  mbit=$(python3 -c "import json,sys; d=json.load(open('$out/$dir.json')); print(round(d['end']['sum_received']['bits_per_second']/1e6))")
  echo "$label $dir: $mbit Mbit/s, process $(awk -v a=$p0 -v b=$p1 -v n=$bytes -v hz=$HZ 'BEGIN{printf "%.2f", (b-a)/hz/(n/1e9)}') CPU-s/GB" | tee -a "$out/summary.txt"
  join "$out/$dir.t0" "$out/$dir.t1" | awk -v n=$bytes -v hz=$HZ '{g=n/1e9; d=($5-$2)/hz/g; if (d > 0.005) printf "   %-28s %.2f CPU-s/GB (user %.2f, system %.2f)\n", $1, d, ($6-$3)/hz/g, ($7-$4)/hz/g}' | sort -k2 -nr | tee -a "$out/summary.txt"
done
