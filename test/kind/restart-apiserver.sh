#!/usr/bin/env bash
# Restarts kube-apiserver of the Kind cluster, as test/cluster/restart.sh does on the local control plane: the
# static pod's manifest is moved out of the kubelet's manifest directory until the container is gone, kept away
# about 10 s, put back, then this waits until the API server is ready again. ApiServerRestartE2ETest runs it
# (test/kind/run.sh passes it in PINHOLE_E2E_RESTART_APISERVER).
# usage: test/kind/restart-apiserver.sh [NODE]   (default pinhole-control-plane; KUBECONFIG names the cluster)
set -euo pipefail
node="${1:-pinhole-control-plane}"
manifest=/etc/kubernetes/manifests/kube-apiserver.yaml
parked=/etc/kubernetes/kube-apiserver.yaml.parked
running() { [[ -n "$(docker exec "$node" crictl ps -q --name '^kube-apiserver$')" ]]; }

docker exec "$node" mv "$manifest" "$parked"
# Whatever happens next, the API server's manifest goes back.
trap 'docker exec "$node" sh -c "test -f $parked && mv $parked $manifest" || true' EXIT
for _ in $(seq 90); do running || break; sleep 1; done
if running; then echo "restart-apiserver: kube-apiserver still runs 90 s after its manifest was removed" >&2; exit 1; fi
echo "restart-apiserver: kube-apiserver stopped"
sleep 10
docker exec "$node" mv "$parked" "$manifest"
for _ in $(seq 180); do
  if kubectl get --raw /readyz >/dev/null 2>&1; then echo "restart-apiserver: kube-apiserver ready"; exit 0; fi
  sleep 1
done
echo "restart-apiserver: kube-apiserver not ready 180 s after its manifest came back" >&2
exit 1
