#!/usr/bin/env bash
# The operator as users install it, on the real node of node.sh: the chart (helm/pinhole) with the image hack/image.sh
# builds from the Dockerfile, imported into the node's containerd (imagePullPolicy Never: nothing is pulled), under
# the chart's ServiceAccount and RBAC, leader election on (a replaced pod takes the Lease again), pinned to the real
# node (the kwok nodes run no containers). Its namespace, like the connectors', enforces the restricted Pod Security
# Standard. A rebuilt image rolls the Deployment (its build-context hash is a pod annotation).
#
# usage: operator.sh install | uninstall
# env:   PINHOLE_CLUSTER_DIR, PH_PREFIX (as node.sh), PINHOLE_IMAGE (default ghcr.io/pinhole-dev/pinhole:dev),
#        PINHOLE_E2E_OPERATOR_NAMESPACE (default pinhole-system)
# Prints, on install, the settings the in-cluster e2e tests read (PINHOLE_E2E_OPERATOR_NAMESPACE=..., DEPLOYMENT=...).
set -Eeuo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$here/lib.sh"
export PATH="$PATH:/usr/sbin:/sbin:/usr/local/go/bin"
image="${PINHOLE_IMAGE:-ghcr.io/pinhole-dev/pinhole:dev}"
ns="${PINHOLE_E2E_OPERATOR_NAMESPACE:-pinhole-system}"
release=pinhole

olog() { echo "operator: $*" >&2; }
kubectl_() { "$(cat "$state/kubectl-path")" --kubeconfig="$state/kubeconfig" "$@"; }
helm_() { "$("$here/build.sh" | sed -n 's/^helm=//p')" --kubeconfig="$state/kubeconfig" "$@"; }

install() {
  local started=$SECONDS archive context images
  "$here/node.sh" env > /dev/null || { olog "no real node: test/cluster/node.sh up"; exit 1; }
  archive="$("$root/hack/image.sh" build | tail -n1)"
  context="$(cat "$archive.context")"
  # Whole, then searched: grep -q would close the pipe at the first match and fail node.sh (pipefail) with SIGPIPE.
  images="$("$here/node.sh" import "$archive" 2> /dev/null)"
  grep -qx "$image" <<< "$images" || { olog "$image not in the node's containerd: $images"; exit 1; }
  kubectl_ apply -f - > /dev/null <<EOF
apiVersion: v1
kind: Namespace
metadata:
  name: $ns
  labels: {pod-security.kubernetes.io/enforce: restricted, pod-security.kubernetes.io/enforce-version: latest}
EOF
  helm_ upgrade --install "$release" "$root/helm/pinhole" -n "$ns" --wait --timeout 5m -f - \
    --set image.repository="${image%:*}" --set image.tag="${image##*:}" \
    --set-string "podAnnotations.pinhole\.dev/image-context=$context" > /dev/null <<EOF
image: {pullPolicy: Never}
leaderElection: {enabled: true}
nodeSelector: {pinhole.dev/node: real}
tolerations: [{key: pinhole.dev/egress, operator: Equal, value: nat-gateway, effect: NoSchedule}]
EOF
  kubectl_ -n "$ns" rollout status deploy/pinhole-operator --timeout=300s > /dev/null
  olog "chart installed, operator Ready in $((SECONDS - started)) s"
  echo "PINHOLE_E2E_OPERATOR_NAMESPACE=$ns"
  echo "PINHOLE_E2E_OPERATOR_DEPLOYMENT=pinhole-operator"
}

uninstall() {
  helm_ uninstall "$release" -n "$ns" --wait --timeout 2m > /dev/null 2>&1 || true
  kubectl_ delete namespace "$ns" --ignore-not-found --wait=false > /dev/null 2>&1 || true
  olog "uninstalled"
}

case "${1:-}" in
  install) install ;;
  uninstall) uninstall ;;
  *) echo "usage: operator.sh install | uninstall" >&2; exit 2 ;;
esac
