#!/usr/bin/env bash
# Quick check of a running local cluster with kubectl only: nodes Ready, RBAC real, a NAT-gateway pod
# scheduled onto a NAT-gateway node and Running (kwok), then cleans up. Exit status 0 = healthy.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$here/lib.sh"
export KUBECONFIG="${KUBECONFIG:-$state/kubeconfig}"
kubectl="$(cat "$state/kubectl-path" 2>/dev/null || true)"
[[ -x "$kubectl" ]] || { log "no cluster in $state (run up.sh)"; exit 1; }
k() { "$kubectl" "$@"; }
ns="ph-smoke-$RANDOM$RANDOM"
trap 'k delete namespace "$ns" --wait=false >/dev/null 2>&1 || true' EXIT

k version
k get nodes -L pinhole.dev/egress
# can-i exits 1 when the answer is no, which is the answer wanted here.
[[ "$(k auth can-i list secrets --as=system:serviceaccount:default:default || true)" == no ]] \
  || { log "RBAC is not enforced: the default ServiceAccount may list secrets"; exit 1; }
log "RBAC: default ServiceAccount cannot list secrets (as expected)"
k create namespace "$ns" >/dev/null
k apply -n "$ns" -f - >/dev/null <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: smoke}
spec:
  replicas: 2
  selector: {matchLabels: {app: smoke}}
  template:
    metadata: {labels: {app: smoke}}
    spec:
      nodeSelector: {pinhole.dev/egress: nat-gateway}
      tolerations: [{key: pinhole.dev/egress, operator: Equal, value: nat-gateway, effect: NoSchedule}]
      containers: [{name: main, image: example.invalid/pinhole/smoke:1}]
YAML
k rollout status -n "$ns" deployment/smoke --timeout=90s
k get pods -n "$ns" -o wide
for node in $(k get pods -n "$ns" -l app=smoke -o jsonpath='{.items[*].spec.nodeName}'); do
  [[ "$(k get node "$node" -o jsonpath='{.metadata.labels.pinhole\.dev/egress}')" == nat-gateway ]] \
    || { log "pod landed on $node, which is not a NAT-gateway node"; exit 1; }
done
log "smoke: ok"
