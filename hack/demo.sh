#!/usr/bin/env bash
# The README's main job: Pinhole's control plane end to end on a real (local) Kubernetes control plane.
#   1. builds the jar and the control plane binaries if missing (cached), starts kube-apiserver, etcd,
#      controller-manager, scheduler and kwok-simulated nodes (two of them NAT-gateway nodes, tainted)
#   2. installs the CRDs and runs the operator as a local process against that cluster
#   3. applies examples/ (IPSets and an AppConnector) and shows what the operator made of them:
#      readiness, the allowlist to paste, the children, pods pinned to the NAT-gateway nodes, a client config
#   4. shows that the API server refuses a bad manifest with a message naming the field
# Cleans up on exit (also on Ctrl-C); exits non-zero when a step fails. Needs root only for nothing; Go for the
# first build. --keep leaves the cluster and operator running and prints how to reach them.
set -euo pipefail
cd "$(dirname "$0")/.."
keep=false
[[ "${1:-}" == "--keep" ]] && keep=true
export PATH="$PATH:/usr/local/go/bin"
export PINHOLE_CLUSTER_DIR="${PINHOLE_CLUSTER_DIR:-/tmp/pinhole-demo}"
export PINHOLE_API_PORT="${PINHOLE_API_PORT:-17443}" PINHOLE_ETCD_PORT="${PINHOLE_ETCD_PORT:-17379}" \
  PINHOLE_ETCD_PEER_PORT="${PINHOLE_ETCD_PEER_PORT:-17380}" \
  PINHOLE_CONTROLLER_MANAGER_PORT="${PINHOLE_CONTROLLER_MANAGER_PORT:-17257}" \
  PINHOLE_SCHEDULER_PORT="${PINHOLE_SCHEDULER_PORT:-17259}" PINHOLE_KWOK_PORT="${PINHOLE_KWOK_PORT:-17247}"
ns=demo
operator_pid=""
step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
fail() { printf '\033[31mdemo failed: %s\033[0m\n' "$*" >&2; exit 1; }
cleanup() {
  local rc=$?
  if [[ -n "$operator_pid" ]] && ! $keep; then kill "$operator_pid" 2>/dev/null || true; wait "$operator_pid" 2>/dev/null || true; fi
  if ! $keep; then test/cluster/down.sh >/dev/null 2>&1 || true; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "1/6 build: operator jar (Maven wrapper) and control plane binaries (cached in ~/.cache/pinhole)"
[[ -f target/quarkus-app/quarkus-run.jar ]] || ./mvnw -B -q -ntp package -DskipTests
kubectl="$(test/cluster/build.sh | sed -n 's/^kubectl=//p')"
[[ -x "$kubectl" ]] || fail "test/cluster/build.sh did not build kubectl"

step "2/6 start a local control plane: etcd, kube-apiserver, controller-manager, scheduler, kwok nodes"
eval "$(test/cluster/up.sh | tail -n1)"
"$kubectl" get nodes -L pinhole.dev/egress

step "3/6 install the CRDs and run the operator against it"
"$kubectl" apply --server-side -f crds/ >/dev/null
"$kubectl" wait --for condition=Established crd/appconnectors.pinhole.dev crd/ipsets.pinhole.dev --timeout=60s >/dev/null
# Simulated pods have no real IPs: the operator must not probe them.
PINHOLE_OPERATOR_PROBE_CONNECTORS=false QUARKUS_HTTP_PORT="${PINHOLE_OPERATOR_HTTP_PORT:-18080}" \
  java -jar target/quarkus-app/quarkus-run.jar > "$PINHOLE_CLUSTER_DIR/logs/operator.log" 2>&1 &
operator_pid=$!
for _ in $(seq 60); do
  curl -fsS "http://127.0.0.1:${PINHOLE_OPERATOR_HTTP_PORT:-18080}/q/health/ready" >/dev/null 2>&1 && break
  kill -0 "$operator_pid" 2>/dev/null || fail "operator exited; see $PINHOLE_CLUSTER_DIR/logs/operator.log"
  sleep 1
done
echo "operator ready (pid $operator_pid, log $PINHOLE_CLUSTER_DIR/logs/operator.log)"

step "4/6 apply examples/: IPSets and an AppConnector"
"$kubectl" create namespace "$ns" --dry-run=client -o yaml | "$kubectl" apply -f - >/dev/null
"$kubectl" apply -n "$ns" -f examples/ipset.yaml -f examples/appconnector.yaml
"$kubectl" wait -n "$ns" --for condition=Ready ipset --all --timeout=60s
"$kubectl" wait -n "$ns" --for condition=Ready appconnector/github --timeout=120s
"$kubectl" get -n "$ns" appconnectors,ipsets

step "5/6 what the operator made of it"
echo "-- the allowlist to paste into the vendor (IPSet vendor-allowlist, status.cidrs):"
"$kubectl" get -n "$ns" ipset vendor-allowlist -o jsonpath='{range .status.cidrs[*]}{@}{"\n"}{end}'
echo "-- children of AppConnector github:"
"$kubectl" get -n "$ns" deploy,svc,secret,configmap,pdb,networkpolicy -l pinhole.dev/connector=github
echo "-- connector pods, only on NAT-gateway nodes:"
"$kubectl" get -n "$ns" pods -l pinhole.dev/connector=github -o wide
nodes="$("$kubectl" get -n "$ns" pods -l pinhole.dev/connector=github -o jsonpath='{range .items[*]}{.spec.nodeName}{"\n"}{end}')"
while read -r n; do
  [[ "$("$kubectl" get node "$n" -o jsonpath='{.metadata.labels.pinhole\.dev/egress}')" == nat-gateway ]] \
    || fail "pod on $n, which is not a NAT-gateway node"
done <<< "$nodes"
echo "-- conditions:"
"$kubectl" get -n "$ns" appconnector github -o jsonpath='{range .status.conditions[*]}{.type}={.status} ({.reason}) {.message}{"\n"}{end}'
echo "-- client config for alice-laptop (ConfigMap github-clients; no private key in it):"
"$kubectl" get -n "$ns" configmap github-clients -o jsonpath='{.data.alice-laptop\.conf}'
echo "-- operator metrics excerpt:"
curl -fsS "http://127.0.0.1:${PINHOLE_OPERATOR_HTTP_PORT:-18080}/q/metrics" | grep -E '^pinhole_(reconcile_seconds_count|status_writes_total)' | head -6

step "6/6 the API server refuses a bad manifest, naming the field"
if sed 's|100.96.0.3/32|100.96.0.2/32|; s/name: github$/name: broken/' examples/appconnector.yaml \
    | "$kubectl" apply -n "$ns" --dry-run=server -f - 2> "$PINHOLE_CLUSTER_DIR/bad.txt"; then
  fail "a duplicate client address was accepted"
fi
cat "$PINHOLE_CLUSTER_DIR/bad.txt"

printf '\n\033[32mdemo passed\033[0m\n'
if $keep; then echo "cluster kept: export KUBECONFIG=$PINHOLE_CLUSTER_DIR/kubeconfig; operator pid $operator_pid"; fi
