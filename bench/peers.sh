#!/usr/bin/env bash
# Issue 17's connector benchmark: one connector process with N clients in peer shards, N WireGuard initiators of our
# own over real UDP on loopback (dev.pinhole.bench.PeerScaleHarness; no root, no namespaces). Prints the config
# application time at N, connector heap and RSS with 1 client and with N idle peers (bytes per idle peer), the
# handshakes' progress with the connector's CPU seconds, cookie replies and drops, RSS after all handshook, and the
# time from a config with one new client written to its handshake accepted. A harness, not a test: read the times
# on a busy machine as noise, the CPU seconds and bytes as the figures.
#
# usage: bench/peers.sh [CLIENTS=5000] [SOURCES=0 (one address each) | 1 (all behind 127.0.0.1)] [WINDOW_S=5] [TIMEOUT_S=300]
# Needs: ./mvnw -B -q test-compile (the harness runs from target/classes and target/test-classes).
set -euo pipefail
cd "$(dirname "$0")/.."
CLIENTS=${1:-5000}
SOURCES=${2:-0}
WINDOW=${3:-5}
TIMEOUT=${4:-300}
CP_FILE=target/peers-bench.classpath
if [ ! -s "$CP_FILE" ] || [ pom.xml -nt "$CP_FILE" ]; then
  ./mvnw -B -q -ntp dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$CP_FILE" >/dev/null
fi
exec java -cp "target/classes:target/test-classes:$(cat "$CP_FILE")" dev.pinhole.bench.PeerScaleHarness \
  "$CLIENTS" "$SOURCES" "$WINDOW" "$TIMEOUT"
