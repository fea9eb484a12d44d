#!/usr/bin/env bash
# Pinhole's cluster e2e suite on Kind (needs Docker, kind, kubectl and helm on PATH):
#   builds the image, creates the Kind cluster (test/kind/cluster.yaml), loads the image, installs the chart,
#   then runs the same e2e suite CI runs on the local control plane, with the operator running in-cluster.
# usage: test/kind/run.sh [--keep]      (--keep leaves the cluster; delete it with: kind delete cluster --name pinhole)
set -euo pipefail
cd "$(dirname "$0")/../.."
keep=false; [[ "${1:-}" == "--keep" ]] && keep=true
image="pinhole:e2e"
cluster=pinhole
for tool in docker kind kubectl helm; do
  command -v "$tool" >/dev/null || { echo "kind/run.sh: $tool is required" >&2; exit 2; }
done
cleanup() { $keep || kind delete cluster --name "$cluster" >/dev/null 2>&1 || true; }
trap cleanup EXIT

docker build -t "$image" .
kind get clusters | grep -qx "$cluster" || kind create cluster --config test/kind/cluster.yaml --wait 120s
kind load docker-image "$image" --name "$cluster"
export KUBECONFIG
KUBECONFIG="$(mktemp)"; kind get kubeconfig --name "$cluster" > "$KUBECONFIG"

helm upgrade --install pinhole helm/pinhole -n pinhole-system --create-namespace \
  --set image.repository=pinhole --set image.tag=e2e --set image.pullPolicy=IfNotPresent --wait --timeout 5m
kubectl -n pinhole-system rollout status deploy/pinhole-operator --timeout=180s

# The in-cluster operator serves the suite: OperatorE2ETest does not start its own process in this mode.
PINHOLE_REQUIRE_CLUSTER=1 PINHOLE_E2E_OPERATOR=in-cluster \
  ./mvnw -B -ntp test -Dtest.groups=e2e -Dtest.excludedGroups=bench -Dtest='OperatorE2ETest,ClusterSmokeE2ETest'
