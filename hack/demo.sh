#!/usr/bin/env bash
# The README's main job: Pinhole end to end, control plane and data plane, on one Linux machine (as root).
#   1. builds the jar and the control plane binaries if missing (cached), starts kube-apiserver, etcd,
#      controller-manager, scheduler and kwok-simulated nodes (two of them NAT-gateway nodes, tainted, whose pods
#      get addresses from 198.18.200.0/23)
#   2. installs the CRDs and runs the operator as a local process against that cluster, inside network namespace
#      demo-k8s (test/netns/cluster-net.sh: the API server through a relay, pod addresses only where a real
#      connector owns them), probing connector pods' /status as in production
#   3. applies examples/ (IPSets and an AppConnector) and shows what the operator made of them:
#      readiness, the allowlist to paste, the children, pods pinned to the NAT-gateway nodes, a client config
#   4. shows that the API server refuses a bad manifest with a message naming the field
#   5. applies examples/demo/ (an AppConnector for a "SaaS" behind a NAT gateway, a client key generated here),
#      takes the connector config and key from the ConfigMap and Secret the operator rendered and the client
#      file from its clients ConfigMap, and brings up test/netns/topology.sh with exactly those files: the
#      connector (a local process in namespace demo-gw, since simulated nodes run no containers), a
#      wireguard-go "laptop", a NAT gateway with the elastic IP 203.0.113.10 and nginx allowing only that IP;
#      the connector process takes its pod's address (from kwok), so the operator's probe reaches it
#   6. shows the AppConnector Ready and EgressVerified=True from what the running connector reports
#   7. shows curl through the tunnel getting 200 with nginx logging the elastic IP and the connector's flow record
#      naming the client, the app and the bytes (docs/flow-records.md), the direct path refused,
#      a UDP echo through a static route, the connector's metrics and /status, and the AppConnector's
#      status.activeFlows / mappedNames as the operator read them from the connector
# Cleans up on exit (also on Ctrl-C); exits non-zero when a step fails. Needs root (network namespaces);
# Go for the first build; everything else it installs itself (.ci/install-deps). --keep leaves the cluster, operator and namespaces running and prints how to reach them.
#
# --real-node [--keep]: the whole path instead (hack/demo-real-node.sh): helm install of the operator as a pod, the
# connector pods on a real kubelet node behind a NAT gateway, a wireguard-go laptop through the elastic IP, the
# kubelet's ConfigMap update, a pod deleted (slower: ~4 min warm; CI runs both).
set -euo pipefail
cd "$(dirname "$0")/.."
[[ "${1:-}" == "--real-node" ]] && exec hack/demo-real-node.sh "${@:2}"
keep=false
[[ "${1:-}" == "--keep" ]] && keep=true
export PINHOLE_CLUSTER_DIR="${PINHOLE_CLUSTER_DIR:-/tmp/pinhole-demo}"
source hack/demo-env.sh
ns=demo
operator_pid=""
topology_up=false
operator_port="${PINHOLE_OPERATOR_HTTP_PORT:-18080}"
cluster_net_up=false
# The data plane's namespaces are demo-laptop, demo-gw, demo-natgw, demo-saas, the operator's demo-k8s (never the
# tests' prefix ph); PINHOLE_DEMO_PREFIX moves them, e.g. to run two demos side by side.
export PH_PREFIX="${PINHOLE_DEMO_PREFIX:-demo}"
export PH_STATE_DIR="${PINHOLE_DEMO_NETNS_DIR:-/tmp/pinhole-netns-$PH_PREFIX}" PH_BIG_MB=1
export PH_CLUSTER_NET_DIR="$PINHOLE_CLUSTER_DIR/cluster-net"
k8s_ns="$PH_PREFIX-k8s"
GW_ENDPOINT=198.18.0.1:51820   # the gw namespace's address on the laptop's link (test/netns/topology.sh)
step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
fail() { printf '\033[31mdemo failed: %s\033[0m\n' "$*" >&2; exit 1; }
cleanup() {
  local rc=$?
  if [[ -n "$operator_pid" ]] && ! $keep; then kill "$operator_pid" 2>/dev/null || true; wait "$operator_pid" 2>/dev/null || true; fi
  if $topology_up && ! $keep; then test/netns/topology.sh down >/dev/null 2>&1 || true; fi
  if $cluster_net_up && ! $keep; then test/netns/cluster-net.sh down >/dev/null 2>&1 || true; fi
  if ((rc != 0)) && [[ -d "$PINHOLE_CLUSTER_DIR/logs" ]]; then
    rm -rf "$PINHOLE_CLUSTER_DIR.failed-logs"; cp -r "$PINHOLE_CLUSTER_DIR/logs" "$PINHOLE_CLUSTER_DIR.failed-logs"
    echo "logs (the operator's too) kept in $PINHOLE_CLUSTER_DIR.failed-logs" >&2
  fi
  if ! $keep; then test/cluster/down.sh >/dev/null 2>&1 || true; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[[ $EUID -eq 0 ]] || fail "run as root: the data plane lives in network namespaces"
# What the demo needs (wireguard-go, nginx, dnsmasq, socat, ...), installed by the installer CI uses when missing
# (apt on Debian/Ubuntu; about a second when everything is present).
.ci/install-deps || fail ".ci/install-deps could not install the prerequisites"

step "1/11 build: operator jar (Maven wrapper) and control plane binaries (cached in ~/.cache/pinhole)"
[[ -f target/quarkus-app/quarkus-run.jar ]] || ./mvnw -B -q -ntp package -DskipTests
kubectl="$(test/cluster/build.sh | sed -n 's/^kubectl=//p')"
[[ -x "$kubectl" ]] || fail "test/cluster/build.sh did not build kubectl"

step "2/11 start a local control plane: etcd, kube-apiserver, controller-manager, scheduler, kwok nodes"
eval "$(test/cluster/up.sh | tail -n1)"
"$kubectl" get nodes -L pinhole.dev/egress

step "3/11 install the CRDs and run the operator against it, in network namespace $k8s_ns"
"$kubectl" apply --server-side --force-conflicts -f crds/ >/dev/null
"$kubectl" wait --for condition=Established crd/appconnectors.pinhole.dev crd/ipsets.pinhole.dev --timeout=60s >/dev/null
# The operator probes each ready connector pod's GET http://<podIP>:9090/status, as in production. It runs in a
# namespace of its own that reaches the API server through a relay and, later, the one pod address a real
# connector owns (step 9); every other pod address is unreachable there, so no probe leaves the machine.
cluster_net_up=true
test/netns/cluster-net.sh up "$PINHOLE_API_PORT" 2>&1 | sed 's/^/   /' || fail "cluster-net.sh up failed"
# Recheck and re-read the pods every 3 s (defaults 30 and 60) so the demo does not wait for the connector's reports; a 5 s probe timeout
# (default 1.5 s) because a busy shared machine can stall the connector's JVM for longer than that.
ip netns exec "$k8s_ns" env PINHOLE_OPERATOR_PROBE_CONNECTORS=true PINHOLE_OPERATOR_RECHECK_SECONDS=3 PINHOLE_OPERATOR_REPORT_SECONDS=3 \
  PINHOLE_OPERATOR_PROBE_TIMEOUT_MILLIS=5000 \
  QUARKUS_HTTP_PORT="$operator_port" java -jar target/quarkus-app/quarkus-run.jar \
  > "$PINHOLE_CLUSTER_DIR/logs/operator.log" 2>&1 &
operator_pid=$!
operator_ready=false
for _ in $(seq 60); do
  if ip netns exec "$k8s_ns" curl -fsS "http://127.0.0.1:$operator_port/q/health/ready" >/dev/null 2>&1; then operator_ready=true; break; fi
  kill -0 "$operator_pid" 2>/dev/null || fail "operator exited; see $PINHOLE_CLUSTER_DIR/logs/operator.log"
  sleep 1
done
$operator_ready || fail "operator not ready after 60 s (/q/health/ready); see $PINHOLE_CLUSTER_DIR/logs/operator.log"
echo "operator ready (pid $operator_pid, namespace $k8s_ns, probing connector pods, log $PINHOLE_CLUSTER_DIR/logs/operator.log)"

step "4/11 apply examples/: IPSets and an AppConnector"
"$kubectl" create namespace "$ns" --dry-run=client -o yaml | "$kubectl" apply -f - >/dev/null
"$kubectl" apply -n "$ns" -f examples/ipset.yaml -f examples/appconnector.yaml
"$kubectl" wait -n "$ns" --for condition=Ready ipset --all --timeout=60s
"$kubectl" wait -n "$ns" --for condition=Ready appconnector/github --timeout=120s
"$kubectl" get -n "$ns" appconnectors,ipsets

step "5/11 what the operator made of it"
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
ip netns exec "$k8s_ns" curl -fsS "http://127.0.0.1:$operator_port/q/metrics" | grep -E '^pinhole_(reconcile_seconds_count|status_writes_total)' | head -6

step "6/11 the API server refuses a bad manifest, naming the field"
if sed 's|100.96.0.3/32|100.96.0.2/32|; s/name: github$/name: broken/' examples/appconnector.yaml \
    | "$kubectl" apply -n "$ns" --dry-run=server -f - 2> "$PINHOLE_CLUSTER_DIR/bad.txt"; then
  fail "a duplicate client address was accepted"
fi
cat "$PINHOLE_CLUSTER_DIR/bad.txt"

step "7/11 a connector for a SaaS behind a NAT gateway: examples/demo/, with a client key made here"
dp="$PINHOLE_CLUSTER_DIR/dataplane"
mkdir -p "$dp" && chmod 700 "$dp"
(umask 077 && wg genkey > "$dp/laptop.key")
laptop_pub="$(wg pubkey < "$dp/laptop.key")"
echo "laptop's key pair made with wg genkey | wg pubkey; only the public key goes into the manifest: $laptop_pub"
"$kubectl" apply -n "$ns" -f examples/demo/ipset.yaml
sed "s|LAPTOP_PUBLIC_KEY|$laptop_pub|" examples/demo/appconnector.yaml | "$kubectl" apply -n "$ns" -f -
"$kubectl" wait -n "$ns" --for condition=Ready appconnector/saas --timeout=120s
"$kubectl" get -n "$ns" appconnector saas
"$kubectl" get -n "$ns" appconnector saas -o jsonpath='{range .status.conditions[*]}{.type}={.status} ({.reason}) {.message}{"\n"}{end}'
echo "-- the allowlist to paste into the SaaS (IPSet saas-allowlist, status.cidrs):"
for _ in $(seq 60); do
  allowlist="$("$kubectl" get -n "$ns" ipset saas-allowlist -o jsonpath='{range .status.cidrs[*]}{@}{"\n"}{end}')"
  grep -qx '203.0.113.10/32' <<< "$allowlist" && break
  sleep 1
done
echo "$allowlist"
grep -qx '203.0.113.10/32' <<< "$allowlist" || fail "the allowlist does not hold the elastic IP 203.0.113.10"

step "8/11 take what the operator rendered: ConfigMap saas-config, Secret saas-key, ConfigMap saas-clients"
"$kubectl" get -n "$ns" configmap saas-config -o jsonpath='{.data.connector\.json}' > "$dp/connector.json"
(umask 077 && "$kubectl" get -n "$ns" secret saas-key -o jsonpath='{.data.privateKey}' | base64 -d > "$dp/connector.key")
"$kubectl" get -n "$ns" configmap saas-clients -o jsonpath='{.data.laptop\.conf}' > "$dp/laptop.rendered.conf"
[[ -s "$dp/connector.json" && -s "$dp/connector.key" && -s "$dp/laptop.rendered.conf" ]] || fail "rendered objects missing"
echo "-- connector.json (ConfigMap saas-config):"
cat "$dp/connector.json"; echo
connector_pub="$(wg pubkey < "$dp/connector.key")"
grep -qx "PublicKey = $connector_pub" "$dp/laptop.rendered.conf" \
  || fail "the client file's PublicKey is not the public half of Secret saas-key"
echo "-- Secret saas-key holds the private key whose public half ($connector_pub) is the client file's peer"
grep -q '^PrivateKey = <' "$dp/laptop.rendered.conf" || fail "the client file has no PrivateKey placeholder"
# The user's part: their own private key, and the endpoint (kwok's Service has no reachable address; the
# connector listens in namespace demo-gw).
(umask 077 && awk -v key="$(cat "$dp/laptop.key")" -v ep="$GW_ENDPOINT" '
  /^PrivateKey[ \t]*=/ { print "PrivateKey = " key; next }
  /^#?[ \t]*Endpoint[ \t]*=/ { next }
  { print }
  /^PublicKey[ \t]*=/ { print "Endpoint = " ep }' "$dp/laptop.rendered.conf" > "$dp/laptop.conf")
echo "-- laptop.conf: ConfigMap saas-clients' laptop.conf with the private key filled in and Endpoint $GW_ENDPOINT:"
sed 's/^PrivateKey = .*/PrivateKey = (the key made in step 7)/' "$dp/laptop.conf"

step "9/11 bring up the data plane from exactly those files (test/netns/topology.sh, namespaces $PH_PREFIX-*)"
echo "laptop (wireguard-go) --198.18.0.0/30-- gw (the connector) -- natgw (SNAT to 203.0.113.10) -- saas (nginx allow 203.0.113.10; deny all)"
topology_up=true
PH_CONNECTOR_CONFIG="$dp/connector.json" PH_CONNECTOR_KEY="$dp/connector.key" PH_CLIENT_CONF="$dp/laptop.conf" \
  test/netns/topology.sh up --gateway java 2>&1 | sed 's/^/   /'
# shellcheck disable=SC1091
source "$PH_STATE_DIR/env"
cmp -s "$dp/connector.json" "$PH_STATE_DIR/connector.json" || fail "the connector does not run the rendered config"
status="$(ip netns exec "$NS_GW" curl -fsS "127.0.0.1:$HTTP_PORT/status")" || fail "no /status from the connector"
grep -q '"egressVerified" *: *true' <<< "$status" || fail "the connector's egress check did not pass: $status"
echo "connector ready (/readyz on 127.0.0.1:$HTTP_PORT in $NS_GW); its egress check through the NAT gateway saw" \
  "$(sed -n 's/.*"observedEgressIP" *: *"\([^"]*\)".*/\1/p' <<< "$status") = spec.egress.elasticIP (enforce: true)"
echo "-- the connector's pod, as the cluster sees it (kwok runs no container; its address is from the node's podCIDR):"
"$kubectl" get -n "$ns" pods -l pinhole.dev/connector=saas -o wide
pod_ips="$("$kubectl" get -n "$ns" pods -l pinhole.dev/connector=saas -o jsonpath='{range .items[*]}{.status.podIP}{"\n"}{end}')"
[[ "$(grep -c . <<< "$pod_ips")" == 1 ]] || fail "expected one connector pod with an address, got: $pod_ips"
pod_ip="$pod_ips"
[[ "$pod_ip" =~ ^198\.18\.20[01]\.[0-9]+$ ]] || fail "pod address $pod_ip is not in the NAT-gateway nodes' 198.18.200.0/23"
echo "-- the connector process takes the pod's address $pod_ip, on a link from $k8s_ns (test/netns/cluster-net.sh attach):"
test/netns/cluster-net.sh attach "$pod_ip" "$NS_GW" 2>&1 | sed 's/^/   /' || fail "cluster-net.sh attach failed"
ready="$(ip netns exec "$k8s_ns" curl -sS --max-time 5 "http://$pod_ip:$HTTP_PORT/readyz")" \
  || fail "the connector's /readyz is not reachable at $pod_ip:$HTTP_PORT from $k8s_ns"
grep -q '"ready" *: *true' <<< "$ready" || fail "the connector at $pod_ip is not ready: $ready"
echo "from $k8s_ns (the operator's namespace): curl http://$pod_ip:$HTTP_PORT/readyz -> $(grep -o '"ready" *: *true' <<< "$ready")"

step "10/11 the operator reads the running connector's /status: AppConnector saas Ready and EgressVerified"
condition() { # condition TYPE FIELD: a field of one of AppConnector saas's conditions
  "$kubectl" get -n "$ns" appconnector saas -o jsonpath="{.status.conditions[?(@.type==\"$1\")].$2}"
}
seen="" verified=""
for i in $(seq 90); do
  verified="$(condition EgressVerified status)"
  now="EgressVerified=$verified ($(condition EgressVerified reason)) $(condition EgressVerified message)"
  [[ "$now" == "$seen" ]] || printf '   after %2d s: %s\n' "$((i - 1))" "$now"
  seen="$now"
  [[ "$verified" == True ]] && break
  sleep 1
done
[[ "$verified" == True ]] || fail "EgressVerified did not become True; see $PINHOLE_CLUSTER_DIR/logs/operator.log"
"$kubectl" get -n "$ns" appconnector saas
"$kubectl" get -n "$ns" appconnector saas -o jsonpath='{range .status.conditions[*]}{.type}={.status} ({.reason}) {.message}{"\n"}{end}'
[[ "$(condition Ready status)" == True ]] || fail "AppConnector saas is not Ready"
[[ "$(condition EgressVerified reason)" == Verified ]] || fail "EgressVerified is True but not for reason Verified"
egress_ips="$("$kubectl" get -n "$ns" appconnector saas -o jsonpath='{.status.egressIPs}')"
echo "status.egressIPs (observed by the pods, not declared): $egress_ips"
[[ "$egress_ips" == '["203.0.113.10"]' ]] || fail "status.egressIPs is $egress_ips, expected [\"203.0.113.10\"]"

step "11/11 the path: laptop -> tunnel -> connector -> NAT gateway -> SaaS"

probe="demo-$RANDOM$RANDOM"
echo "-- through the tunnel: ip netns exec $NS_LAPTOP curl -k https://app.saas.test/"
out="$(ip netns exec "$NS_LAPTOP" curl -sk --max-time 30 -o /dev/null -w '%{http_code} %{remote_ip}' \
  "https://app.saas.test/?$probe" || true)"
read -r code address <<< "$out"
echo "HTTP $code from $address (a synthetic address the connector's DNS handed out from 100.80.0.0/12)"
[[ "$code" == 200 ]] || fail "expected 200 through the tunnel, got '$out'"
line="$(grep -F "$probe" "$PH_STATE_DIR/nginx-access.log" || true)"
echo "nginx access log: $line"
[[ "$line" == "$ELASTIC_IP "* ]] || fail "nginx did not see the elastic IP $ELASTIC_IP as the source"
# Who did it, behind the elastic IP: the connector's flow record for that request (its stdout, docs/flow-records.md).
# curl closed the connection, so the flow's end record follows within a moment.
record=""
for _ in $(seq 50); do
  record="$(grep -F '{"record":"flow"' "$PH_STATE_DIR/connector.log" | grep -F '"appName":"app.saas.test"' \
    | grep -F "\"destination\":\"$address\"" | tail -n 1 || true)"
  [[ -n "$record" ]] && break
  sleep 0.1
done
echo "connector flow record (stdout, one JSON line per flow):"
echo "$record"
[[ "$record" == *'"client":"laptop"'* && "$record" == *'"bytesToClient":'* ]] \
  || fail "no flow record naming client laptop and app.saas.test after the request"
probe="demo-$RANDOM$RANDOM"
echo "-- without the tunnel (the laptop's direct link): ip netns exec $NS_LAPTOP curl -k --interface $LAPTOP_DIRECT https://$SAAS_IP/"
code="$(ip netns exec "$NS_LAPTOP" curl -sk --max-time 15 -o /dev/null -w '%{http_code}' --interface "$LAPTOP_DIRECT" \
  "https://$SAAS_IP/?$probe" || true)"
echo "HTTP $code"
echo "nginx access log: $(grep -F "$probe" "$PH_STATE_DIR/nginx-access.log" || echo '(no request reached it)')"
[[ "$code" == 403 || "$code" == 000 ]] || fail "expected 403 or refused without the tunnel, got $code"
echo "-- UDP through a static route (spec.routes.cidrs 203.0.113.21/32): echo | socat - UDP4:$SAAS_UDP_IP:7"
echoed="$(echo "$probe" | ip netns exec "$NS_LAPTOP" socat -t 5 - "UDP4:$SAAS_UDP_IP:7" || true)"
echo "echoed: $echoed"
[[ "$echoed" == "$probe" ]] || fail "UDP echo through the tunnel failed"
echo "-- connector metrics excerpt: ip netns exec $NS_GW curl -s 127.0.0.1:$HTTP_PORT/metrics | grep pinhole_connector"
metrics="$(ip netns exec "$NS_GW" curl -fsS "127.0.0.1:$HTTP_PORT/metrics")" || fail "no /metrics"
# the non-zero series only, so the excerpt shows what this run did
awk '/^pinhole_connector/ && !/ 0\.0$/ && n++ < 25' <<< "$metrics"
echo "-- connector /status:"
ip netns exec "$NS_GW" curl -fsS "127.0.0.1:$HTTP_PORT/status" || fail "no /status"
echo
echo "-- what the operator read from it into AppConnector saas's status (it re-reads /status every 3 s here):"
for _ in $(seq 30); do
  names="$("$kubectl" get -n "$ns" appconnector saas -o jsonpath='{.status.mappedNames}')"
  [[ "${names:-0}" -ge 1 ]] && break
  sleep 1
done
"$kubectl" get -n "$ns" appconnector saas \
  -o jsonpath='status.activeFlows={.status.activeFlows} status.mappedNames={.status.mappedNames} status.egressIPs={.status.egressIPs}{"\n"}'
if [[ "${names:-0}" -lt 1 ]]; then
  "$kubectl" get -n "$ns" appconnector saas -o jsonpath='{range .status.conditions[*]}{.type}={.status} ({.reason}) {.message}{"\n"}{end}'
  fail "status.mappedNames did not count app.saas.test (is '$names')"
fi

printf '\n\033[32mdemo passed\033[0m in %d s\n' "$SECONDS"
if $keep; then
  echo "cluster kept: export KUBECONFIG=$PINHOLE_CLUSTER_DIR/kubeconfig; operator pid $operator_pid in namespace $k8s_ns"
  echo "data plane kept: ip netns exec $NS_LAPTOP curl -k https://app.saas.test/"
  echo "to stop: kill $operator_pid; PH_PREFIX=$PH_PREFIX test/netns/topology.sh down;" \
    "PH_PREFIX=$PH_PREFIX PH_CLUSTER_NET_DIR=$PH_CLUSTER_NET_DIR test/netns/cluster-net.sh down; test/cluster/down.sh"
fi
