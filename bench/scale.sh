#!/usr/bin/env bash
# Scale benchmark of the operator (docs/scale.md): N AppConnectors and M IPSets applied at once to a local control
# plane (test/cluster/), the packaged operator jar as a local process under deploy/'s ServiceAccount and RBAC.
# Measures time until all are Ready, operator CPU seconds and peak RSS, the operator's API requests (audit log) per
# reconcile, control-plane CPU, then a quiet minute in which the operator must write nothing (exit 1 otherwise).
#
# usage: bench/scale.sh [CONNECTORS [IPSETS]]      (default 1000 1000)
# env:   KUBECONFIG         a cluster started by test/cluster/up.sh (its state dir is the kubeconfig's directory);
#                           unset: starts one in PINHOLE_CLUSTER_DIR (default /tmp/pinhole-scale-cluster) with the
#                           PINHOLE_*_PORT variables up.sh reads, and stops it at the end
#        BENCH_NAMESPACES   namespaces to spread the objects over (default 4)
#        BENCH_JAVA_OPTS    operator JVM options (default: the chart's javaOpts with -XX:MaxRAM=512m, so the heap
#                           and its first size are what the JVM picks inside the chart's 512Mi limit)
#        BENCH_OPERATOR_ENV space-separated NAME=VALUE for the operator (default MALLOC_ARENA_MAX=2, as in the image;
#                           e.g. add PINHOLE_OPERATOR_SERVICE_CREATE_CONCURRENCY=8)
#        BENCH_TIMEOUT      seconds to wait for Ready (default 900), BENCH_QUIET seconds of the quiet phase (default 60)
#        BENCH_KEEP=1       keep the namespaces and the extra NAT nodes afterwards
#        BENCH_JAR          the operator jar (default target/quarkus-app/quarkus-run.jar)
# needs: Temurin 25 first on PATH (the chart's javaOpts use -XX:+UseCompactObjectHeaders), python3 with PyYAML,
#        ./mvnw -B -q package -DskipTests first (target/quarkus-app).
# Results: bench/results/scale-<timestamp>/ (summary.txt, summary.json, timeline.csv, operator.log).
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CONNECTORS="${1:-1000}"
IPSETS="${2:-$CONNECTORS}"
OUT="$ROOT/bench/results/scale-$(date -u +%Y%m%dT%H%M%SZ)-${CONNECTORS}"
log() { echo "scale: $*" >&2; }

[[ -f target/quarkus-app/quarkus-run.jar ]] || { log "build first: ./mvnw -B -q package -DskipTests"; exit 2; }

started_cluster=0
if [[ -z "${KUBECONFIG:-}" ]]; then
  export PINHOLE_CLUSTER_DIR="${PINHOLE_CLUSTER_DIR:-/tmp/pinhole-scale-cluster}"
  eval "$(test/cluster/up.sh | tail -n1)"
  started_cluster=1
fi
STATE="$(dirname "$KUBECONFIG")"
[[ -f "$STATE/kubectl-path" ]] || { log "$KUBECONFIG is not from test/cluster/up.sh (no $STATE/kubectl-path)"; exit 2; }
# kubectl of the cluster's own version, first on PATH for the helper.
bindir="$(mktemp -d)"
ln -s "$(cat "$STATE/kubectl-path")" "$bindir/kubectl"
export PATH="$bindir:$PATH"
cleanup() {
  rm -rf "$bindir"
  if ((started_cluster)); then test/cluster/down.sh >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

operator_env=()
for e in ${BENCH_OPERATOR_ENV-MALLOC_ARENA_MAX=2}; do operator_env+=(--operator-env "$e"); done
mkdir -p "$OUT"
log "results in $OUT"
python3 bench/scale.py --connectors "$CONNECTORS" --ipsets "$IPSETS" --namespaces "${BENCH_NAMESPACES:-4}" \
  --jar "${BENCH_JAR:-target/quarkus-app/quarkus-run.jar}" --state "$STATE" --results "$OUT" --timeout "${BENCH_TIMEOUT:-900}" --quiet "${BENCH_QUIET:-60}" \
  --java-opts "${BENCH_JAVA_OPTS:--XX:MaxRAM=512m $(sed -n 's/^javaOpts: "\(.*\)"$/\1/p' helm/pinhole/values.yaml)}" \
  ${BENCH_KEEP:+--keep} "${operator_env[@]}"
