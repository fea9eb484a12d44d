#!/usr/bin/env bash
# Issue 17's Client benchmark, operator and connector in one run (docs/scale.md#clients-operator-and-connector):
# one AppConnector with clientSources on a /16, N Client objects with real X25519 keys, the packaged operator as a
# local process under deploy/'s ServiceAccount and RBAC, and the real connector process in a network namespace fed
# with the ConfigMaps the operator renders (projected as the kubelet does). Prints a summary table: time until all
# are Admitted, reconciles and status writes, operator peak and settled RSS, rendered ConfigMaps, connector heap and
# RSS per idle peer, and for the last PROBES Clients (created one at a time) created -> status has its config ->
# ConfigMap projected -> connector configDigest -> handshake accepted, medians and max.
#
# usage: sudo bench/clients.sh [CLIENTS=5000 [PROBES=10]]     (CLIENTS counts the probes: at most 5,000 Clients a
#                                                              connector admits, ClientAdmission.MAX_CLIENTS)
# env:   KUBECONFIG          a cluster started by test/cluster/up.sh; unset: starts one in PINHOLE_CLUSTER_DIR
#                            (default /tmp/pinhole-clients-cluster) with the PINHOLE_*_PORT variables, stops it after
#        BENCH_NAMESPACES    namespaces the Clients are spread over (default 4)
#        BENCH_CONCURRENCY   parallel creates of the bulk (default 8)
#        BENCH_JAVA_OPTS     operator JVM options (default: the chart's javaOpts with -XX:MaxRAM=512m, as scale.sh)
#        BENCH_OPERATOR_ENV  space-separated NAME=VALUE for the operator (default MALLOC_ARENA_MAX=2)
#        BENCH_JAVA          the JDK's java for operator, connector and probe (default Temurin 25, the image's)
#        BENCH_NETNS_PREFIX  prefix of the network namespace and veth names (default phcb)
#        BENCH_TIMEOUT       seconds to wait for all Admitted (default 900); BENCH_KEEP=1 keeps the namespaces
#        BENCH_JAR           the operator jar (default target/quarkus-app/quarkus-run.jar)
# needs: root (a network namespace), python3 with PyYAML (and cryptography, else wg genkey per key),
#        ./mvnw -B -q package -DskipTests first (target/quarkus-app and target/test-classes).
# Results: bench/results/clients-<timestamp>-<N>/ (summary.txt, summary.json, operator.log, connector.log).
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CLIENTS="${1:-5000}"
PROBES="${2:-10}"
OUT="$ROOT/bench/results/clients-$(date -u +%Y%m%dT%H%M%SZ)-${CLIENTS}"
JAVA="${BENCH_JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}"
log() { echo "clients: $*" >&2; }

[[ $EUID -eq 0 ]] || { log "needs root (the connector runs in a network namespace)"; exit 2; }
[[ -f target/quarkus-app/quarkus-run.jar && -f target/test-classes/dev/pinhole/bench/HandshakeProbe.class ]] \
  || { log "build first: ./mvnw -B -q package -DskipTests"; exit 2; }
[[ -x "$JAVA" ]] || { log "no java at $JAVA (BENCH_JAVA)"; exit 2; }

started_cluster=0
if [[ -z "${KUBECONFIG:-}" ]]; then
  export PINHOLE_CLUSTER_DIR="${PINHOLE_CLUSTER_DIR:-/tmp/pinhole-clients-cluster}"
  eval "$(test/cluster/up.sh | tail -n1)"
  started_cluster=1
fi
STATE="$(dirname "$KUBECONFIG")"
[[ -f "$STATE/kubectl-path" ]] || { log "$KUBECONFIG is not from test/cluster/up.sh (no $STATE/kubectl-path)"; exit 2; }
bindir="$(mktemp -d)"
ln -s "$(cat "$STATE/kubectl-path")" "$bindir/kubectl"
# The operator runs with this JDK (the chart's javaOpts need 25: -XX:+UseCompactObjectHeaders).
export PATH="$bindir:$(dirname "$JAVA"):$PATH"
cleanup() {
  rm -rf "$bindir"
  if ((started_cluster)); then test/cluster/down.sh >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

operator_env=()
for e in ${BENCH_OPERATOR_ENV-MALLOC_ARENA_MAX=2}; do operator_env+=(--operator-env "$e"); done
mkdir -p "$OUT"
log "results in $OUT"
python3 bench/clients.py --clients "$CLIENTS" --probes "$PROBES" --namespaces "${BENCH_NAMESPACES:-4}" \
  --concurrency "${BENCH_CONCURRENCY:-8}" --jar "${BENCH_JAR:-target/quarkus-app/quarkus-run.jar}" \
  --state "$STATE" --results "$OUT" --timeout "${BENCH_TIMEOUT:-900}" \
  --java-opts "${BENCH_JAVA_OPTS:--XX:MaxRAM=512m $(sed -n 's/^javaOpts: "\(.*\)"$/\1/p' helm/pinhole/values.yaml)}" \
  --connector-java "$JAVA" --home "$ROOT/target" \
  --netns-prefix "${BENCH_NETNS_PREFIX:-phcb}" ${BENCH_KEEP:+--keep} "${operator_env[@]}"
