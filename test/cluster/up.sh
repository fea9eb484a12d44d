#!/usr/bin/env bash
# Starts a real, local Kubernetes control plane on 127.0.0.1: etcd, kube-apiserver (Node,RBAC authorization,
# default admission plugins plus OwnerReferencesPermissionEnforcement), kube-controller-manager, kube-scheduler, and kwok simulating the kubelets of four
# nodes (two plain workers, two NAT-gateway nodes labelled and tainted pinhole.dev/egress=nat-gateway).
# Idempotent: when the cluster in the state dir is already up and healthy it only prints the export line.
# State, certificates, logs and PID files live in ${PINHOLE_CLUSTER_DIR:-/tmp/pinhole-cluster}; down.sh removes them.
# Last line of stdout: `export KUBECONFIG=...`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$here/lib.sh"

if cluster_healthy; then
  log "already up and healthy ($state)"
  echo "export KUBECONFIG=$state/kubeconfig"
  exit 0
fi
if [[ -d "$state" ]]; then
  log "state dir $state exists but the cluster is not healthy: tearing it down first"
  "$here/down.sh"
fi

# A failed start leaves nothing running: keep the logs next to the state dir and tear down.
on_exit() {
  local rc=$?
  if ((rc != 0)) && [[ -d "$state" ]]; then
    rm -rf "$state.failed-logs"; cp -r "$state/logs" "$state.failed-logs" 2>/dev/null || true
    log "up.sh failed (exit $rc); logs kept in $state.failed-logs; tearing down"
    "$here/down.sh" || true
  fi
}
trap on_exit EXIT

# PINHOLE_PROFILING=1 serves /debug/pprof on every component (for finding where control-plane CPU goes).
PROFILING=false; [[ "${PINHOLE_PROFILING:-0}" == 1 ]] && PROFILING=true
declare -A bin
while IFS='=' read -r name path; do bin[$name]="$path"; done < <("$here/build.sh")
check_ports_free

mkdir -p "$state"/{pki,pids,logs,etcd,apiserver}
chmod 700 "$state"
touch "$state/$STATE_MARKER"
echo "${bin[kubectl]}" > "$state/kubectl-path"
pki="$state/pki"
started=$SECONDS

# --- certificates (a CA, serving cert, one client cert per component, the service-account signing key) ---
ossl() { openssl "$@" 2>>"$state/logs/openssl.log"; }
ossl ecparam -name prime256v1 -genkey -noout -out "$pki/ca.key"
ossl req -x509 -new -key "$pki/ca.key" -subj "/CN=pinhole-local-ca" -days 3650 -sha256 -out "$pki/ca.crt" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature"
# issue NAME SUBJECT EXTENDED_KEY_USAGE [SUBJECT_ALT_NAMES]
issue() {
  local name="$1" subj="$2" eku="$3" san="${4:-}"
  local ext="$pki/$name.ext"
  { echo "basicConstraints=critical,CA:FALSE"; echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$eku"; [[ -z "$san" ]] || echo "subjectAltName=$san"; } > "$ext"
  ossl ecparam -name prime256v1 -genkey -noout -out "$pki/$name.key"
  ossl req -new -key "$pki/$name.key" -subj "$subj" -out "$pki/$name.csr"
  ossl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial -days 3650 -sha256 \
    -extfile "$ext" -out "$pki/$name.crt"
  rm -f "$pki/$name.csr" "$ext"
}
issue apiserver "/CN=kube-apiserver" serverAuth \
  "IP:127.0.0.1,IP:$SERVICE_IP,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
issue admin "/O=system:masters/CN=pinhole-admin" clientAuth
issue controller-manager "/CN=system:kube-controller-manager" clientAuth
issue scheduler "/CN=system:kube-scheduler" clientAuth
# kwok plays every kubelet (it writes node and pod status, leases and events for all nodes), so it gets admin rights
# rather than one system:node:<name> identity per node.
issue kwok "/O=system:masters/CN=kwok" clientAuth
issue apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" clientAuth
ossl genrsa -out "$pki/sa.key" 2048
ossl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub"
chmod 600 "$pki"/*.key

# write_kubeconfig FILE CERT_NAME
write_kubeconfig() {
  cat > "$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: pinhole-local
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority-data: $(base64 -w0 < "$pki/ca.crt")
users:
- name: $2
  user:
    client-certificate-data: $(base64 -w0 < "$pki/$2.crt")
    client-key-data: $(base64 -w0 < "$pki/$2.key")
contexts:
- name: pinhole-local
  context: {cluster: pinhole-local, user: $2}
current-context: pinhole-local
EOF
  chmod 600 "$1"
}
for c in controller-manager scheduler kwok; do write_kubeconfig "$state/$c.kubeconfig" "$c"; done
write_kubeconfig "$state/kubeconfig" admin
log "certificates ready ($((SECONDS - started)) s)"

# --- processes ---
# The API server refuses to publish a loopback address as the `kubernetes` Service's endpoint, so that Service gets
# no endpoints (--endpoint-reconciler-type=none): nothing runs inside the cluster that would call it.
start etcd "${bin[etcd]}" --name=pinhole --data-dir="$state/etcd" \
  --listen-client-urls="http://127.0.0.1:$ETCD_PORT" --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster="pinhole=http://127.0.0.1:$ETCD_PEER_PORT" --listen-metrics-urls="" \
  --unsafe-no-fsync=true --quota-backend-bytes=$((2 * 1024 * 1024 * 1024)) --log-level=warn
wait_ready etcd 60

# Audit log of service accounts outside kube-system only: the operator under test runs as one in ChartRbacE2ETest,
# which fails on any request RBAC refused, and as pinhole-system's in a chart install (its API calls can be counted
# here). The control plane's own traffic is not logged, so it stays small.
cat > "$state/audit-policy.yaml" <<'EOF'
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived, ResponseStarted]
rules:
  - level: None
    userGroups: ["system:serviceaccounts:kube-system"]
  - level: Metadata
    userGroups: ["system:serviceaccounts"]
  - level: None
EOF
# OwnerReferencesPermissionEnforcement (on in OpenShift, off by default upstream): whoever sets an owner reference
# with blockOwnerDeletion=true needs "update" on the owner's finalizers subresource, so the chart's rule for
# appconnectors/finalizers is exercised here rather than only on such clusters.
start kube-apiserver "${bin[kube-apiserver]}" \
  --audit-policy-file="$state/audit-policy.yaml" --audit-log-path="$state/logs/audit.log" \
  --audit-log-maxsize=200 --audit-log-maxbackup=1 \
  --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
  --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$API_PORT" --cert-dir="$state/apiserver" \
  --endpoint-reconciler-type=none \
  --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" --client-ca-file="$pki/ca.crt" \
  --kubelet-client-certificate="$pki/apiserver-kubelet-client.crt" --kubelet-client-key="$pki/apiserver-kubelet-client.key" \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key" \
  --service-cluster-ip-range="$SERVICE_CIDR" \
  --authorization-mode=Node,RBAC --enable-admission-plugins=OwnerReferencesPermissionEnforcement \
  --allow-privileged=true --profiling="$PROFILING" --v=1
wait_ready kube-apiserver 180

# --kube-api-qps/--kube-api-burst: at the defaults (20/30 for every controller's client) the Deployment controller
# alone needs minutes for 1,000 new Deployments (a ReplicaSet and ~3 status writes each): in bench/scale.sh its queue
# held 870 Deployments for 53 s on average while the operator had long written everything. Control planes sized for
# many workloads raise them (OpenShift runs 150/300); so does this one, with twice the default sync workers.
start kube-controller-manager "${bin[kube-controller-manager]}" \
  --kube-api-qps=150 --kube-api-burst=300 --concurrent-deployment-syncs=10 --concurrent-replicaset-syncs=10 \
  --kubeconfig="$state/controller-manager.kubeconfig" \
  --authentication-kubeconfig="$state/controller-manager.kubeconfig" \
  --authorization-kubeconfig="$state/controller-manager.kubeconfig" \
  --bind-address=127.0.0.1 --secure-port="$CONTROLLER_MANAGER_PORT" --cert-dir="$state/controller-manager-certs" \
  --leader-elect=false --use-service-account-credentials=true \
  --service-account-private-key-file="$pki/sa.key" --root-ca-file="$pki/ca.crt" \
  --cluster-signing-cert-file="$pki/ca.crt" --cluster-signing-key-file="$pki/ca.key" \
  --service-cluster-ip-range="$SERVICE_CIDR" --profiling="$PROFILING" --v=1
start kube-scheduler "${bin[kube-scheduler]}" \
  --kubeconfig="$state/scheduler.kubeconfig" \
  --authentication-kubeconfig="$state/scheduler.kubeconfig" \
  --authorization-kubeconfig="$state/scheduler.kubeconfig" \
  --bind-address=127.0.0.1 --secure-port="$SCHEDULER_PORT" --cert-dir="$state/scheduler-certs" \
  --leader-elect=false --profiling="$PROFILING" --v=1
# --node-lease-duration-seconds: kwok renews each node's Lease (kwokctl passes 40 too). The stages file holds no
# KwokConfiguration, so kwok's default of 40 is never applied and without the flag there are no Leases: the
# node-lifecycle controller then marks every node NotReady after its 50 s grace period, and with them their pods,
# which kwok never marks Ready again (a connector pod flipped to NotReady in the middle of the demo).
start kwok "${bin[kwok]}" --kubeconfig="$state/kwok.kubeconfig" --config="${bin[kwok-stages]}" \
  --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
  --server-address="127.0.0.1:$KWOK_PORT" --node-ip=127.0.0.1 --cidr=10.244.0.0/16 --node-lease-duration-seconds=40

kubectl() { "${bin[kubectl]}" --kubeconfig="$state/kubeconfig" "$@"; }
for c in kube-controller-manager kube-scheduler kwok; do wait_ready "$c" 120; done

# --- simulated nodes ---
# node NAME ROLE ADDRESS [POD_CIDR]: ROLE "worker" is a plain node, "nat-gateway" is labelled and tainted for
# Pinhole's connector pods. ADDRESS (198.18.0.0/15, a benchmarking range: never routed anywhere) is the node's
# InternalIP. Both address types kwok's node-initialize stage looks for are set here, so that stage never rewrites
# the list (it writes `addresses: null` when exactly one type is missing, which deletes them all). kwok gives a
# node's pods addresses from its spec.podCIDR, else from --cidr (10.244.0.0/16).
node() {
  local name="$1" role="$2" address="$3" pod_cidr="${4:-}" extra_labels="" taints="[]"
  if [[ "$role" == nat-gateway ]]; then
    extra_labels="    pinhole.dev/egress: nat-gateway"
    taints='[{key: pinhole.dev/egress, value: nat-gateway, effect: NoSchedule}]'
  fi
  cat <<EOF
---
apiVersion: v1
kind: Node
metadata:
  name: $name
  annotations:
    node.alpha.kubernetes.io/ttl: "0"
    kwok.x-k8s.io/node: fake
  labels:
    kubernetes.io/arch: amd64
    kubernetes.io/os: linux
    kubernetes.io/hostname: $name
    type: kwok
$extra_labels
spec:
  taints: $taints
${pod_cidr:+  podCIDR: $pod_cidr}
status:
  allocatable: {cpu: "16", memory: 64Gi, pods: "110"}
  capacity: {cpu: "16", memory: 64Gi, pods: "110"}
  nodeInfo: {architecture: amd64, operatingSystem: linux, kubeletVersion: fake, kubeProxyVersion: fake}
  addresses: [{type: InternalIP, address: $address}, {type: Hostname, address: $name}]
EOF
}
# Connector pods land on the NAT-gateway nodes, whose pod CIDRs lie in the benchmarking range 198.18.0.0/15: a
# connector running as a process in a network namespace can then own its pod's address, so the operator's /status
# probe reaches it (hack/demo.sh, OperatorProbeE2ETest) without any route in the host's own network namespace.
{ node pinhole-worker-0 worker 198.18.100.10; node pinhole-worker-1 worker 198.18.100.11
  node pinhole-nat-0 nat-gateway 198.18.100.20 "$NAT_POD_CIDR_0"; node pinhole-nat-1 nat-gateway 198.18.100.21 "$NAT_POD_CIDR_1"
} | kubectl apply -f - >> "$state/logs/up.log"
wait_for "4 Ready nodes" 120 kubectl wait --for=condition=Ready node --all --timeout=5s
# Pods are refused until the service-account controller has made the namespace's default ServiceAccount.
wait_for "default ServiceAccount" 120 kubectl get serviceaccount default -n default
log "cluster up in $((SECONDS - started)) s; logs in $state/logs"
echo "export KUBECONFIG=$state/kubeconfig"
