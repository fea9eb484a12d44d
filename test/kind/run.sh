#!/usr/bin/env bash
# Pinhole's cluster e2e suite on Kind (needs Docker, kind and kubectl on PATH, and Go for the pinned helm of
# hack/go-tool.sh, which the chart tests use too): builds the image, creates the Kind cluster
# (test/kind/cluster.yaml), loads the image, installs the chart, then runs every test class tagged e2e, as CI does
# on the local control plane, against the chart's operator Deployment running the built image
# (PINHOLE_E2E_OPERATOR=in-cluster). What a class does differently on Kind is in docs/e2e.md ("Kind").
# usage: test/kind/run.sh [--keep]      (--keep leaves the cluster; delete it with: kind delete cluster --name pinhole)
set -euo pipefail
cd "$(dirname "$0")/../.."
keep=false; [[ "${1:-}" == "--keep" ]] && keep=true
image="pinhole:e2e"
saas_image="nginx:1.27-alpine"   # OperatorProbeInClusterE2ETest's SaaS stand-in (answers /ip with the caller's address)
cluster=pinhole
node="$cluster-control-plane"                          # kind names the control-plane container CLUSTER-control-plane
audit_log=/var/log/kubernetes/kube-apiserver-audit.log  # test/kind/cluster.yaml
for tool in docker kind kubectl; do
  command -v "$tool" >/dev/null || { echo "kind/run.sh: $tool is required" >&2; exit 2; }
done
helm="$(hack/go-tool.sh helm | tail -n1)"
cleanup() { $keep || kind delete cluster --name "$cluster" >/dev/null 2>&1 || true; }
trap cleanup EXIT

docker build -t "$image" .
if ! kind get clusters 2>/dev/null | grep -qx "$cluster"; then
  kind create cluster --name "$cluster" --config test/kind/cluster.yaml --wait 120s
fi
export KUBECONFIG
KUBECONFIG="$(mktemp)"; kind get kubeconfig --name "$cluster" > "$KUBECONFIG"
# A cluster kept from an older cluster.yaml has no audit log: ChartRbacE2ETest would fail on it.
docker exec "$node" test -f "$audit_log" || {
  echo "kind/run.sh: $node has no $audit_log; recreate the cluster: kind delete cluster --name $cluster" >&2; exit 1; }
docker image inspect "$saas_image" >/dev/null 2>&1 || docker pull "$saas_image"
kind load docker-image "$image" "$saas_image" --name "$cluster"

"$helm" upgrade --install pinhole helm/pinhole -n pinhole-system --create-namespace \
  --set image.repository="${image%:*}" --set image.tag="${image##*:}" --set image.pullPolicy=IfNotPresent \
  --wait --timeout 5m
kubectl -n pinhole-system rollout status deploy/pinhole-operator --timeout=180s

# Every e2e class, against the in-cluster operator; the harness commands do what the tests cannot do through the
# API: restart the API server's static pod, read its audit log from the control-plane node.
export PINHOLE_REQUIRE_CLUSTER=1 PINHOLE_E2E_OPERATOR=in-cluster PINHOLE_E2E_IMAGE="$image" \
  PINHOLE_E2E_SAAS_IMAGE="$saas_image" \
  PINHOLE_E2E_OPERATOR_NAMESPACE=pinhole-system PINHOLE_E2E_OPERATOR_DEPLOYMENT=pinhole-operator \
  PINHOLE_E2E_RESTART_APISERVER="test/kind/restart-apiserver.sh $node" \
  PINHOLE_E2E_AUDIT_LOG_COMMAND="docker exec $node cat $audit_log"
./mvnw -B -ntp test -Dtest.groups=e2e -Dtest.excludedGroups=bench
