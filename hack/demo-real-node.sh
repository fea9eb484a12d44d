#!/usr/bin/env bash
# The README's main job on the whole path (hack/demo.sh --real-node): what users deploy, running for real on one
# Linux machine (as root), no Docker:
#   1. prerequisites (.ci/install-deps), the control plane (test/cluster/up.sh) and a real kubelet node behind a NAT
#      gateway with the elastic IP 203.0.113.10 (test/cluster/node.sh)
#   2. helm install: the chart's operator as a pod on that node, the image built from the Dockerfile
#      (test/cluster/operator.sh: hack/image.sh, imported, pullPolicy Never)
#   3. a "SaaS" on the internet behind the NAT gateway: nginx allowing only 203.0.113.10, dnsmasq for *.saas.test
#   4. examples/demo/ applied (two connector pods pinned to the real node, a laptop key made here) in a namespace
#      enforcing the restricted Pod Security Standard: the pods Running and Ready on the node
#   5. UDP 51820 on the elastic IP forwarded to the connector Service; the rendered client file, with the private key
#      filled in, brings up a wireguard-go laptop: 200 through the tunnel (nginx logs 203.0.113.10), 403 without it
#   6. EgressVerified=True from what the real pod's /status reports
#   7. a domain added to the AppConnector reaches the running pods through the kubelet's ConfigMap update: seconds
#      until the laptop reaches it, no pod restarted
#   8. the connector pod holding the laptop's session deleted: seconds until the laptop's next request succeeds
# Cleans up on exit (also on Ctrl-C; --keep leaves everything running). Exits non-zero when a step fails.
set -euo pipefail
cd "$(dirname "$0")/.."
keep=false
[[ "${1:-}" == "--keep" ]] && keep=true
export PINHOLE_CLUSTER_DIR="${PINHOLE_CLUSTER_DIR:-/tmp/pinhole-demo-node}"
source hack/demo-env.sh
export PH_PREFIX="${PINHOLE_DEMO_PREFIX:-demo}"
export PH_CLUSTER_NET_DIR="$PINHOLE_CLUSTER_DIR/cluster-net"
ns=demo
started=$SECONDS
step() { printf '\n\033[1m==> %s\033[0m  (%d s)\n' "$*" "$((SECONDS - started))"; }
fail() { printf '\033[31mdemo failed: %s\033[0m\n' "$*" >&2; exit 1; }
node_up=false
www=""
cleanup() {
  local rc=$?
  if ((rc != 0)); then
    # Beside the state dirs, which the clean-up removes.
    for d in "$PINHOLE_CLUSTER_DIR" "$PINHOLE_CLUSTER_DIR-node"; do
      [[ -d "$d/logs" ]] && { rm -rf "$d.failed-logs"; cp -r "$d/logs" "$d.failed-logs"; echo "logs kept in $d.failed-logs" >&2; }
    done
  fi
  if ! $keep; then
    # node.sh down also stops what runs in its namespaces (the laptop, nginx, dnsmasq) and removes them.
    $node_up && { test/cluster/node.sh down > /dev/null 2>&1 || true; }
    test/cluster/down.sh > /dev/null 2>&1 || true
    [[ -n "$www" ]] && rm -rf "$www"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM
[[ $EUID -eq 0 ]] || fail "run as root: the node and the data plane live in network namespaces"

step "1/8 prerequisites, the control plane and a real kubelet node behind a NAT gateway"
.ci/install-deps || fail ".ci/install-deps could not install the prerequisites"
kubectl="$(test/cluster/build.sh --node | sed -n 's/^kubectl=//p')"
[[ -x "$kubectl" ]] || fail "test/cluster/build.sh did not build kubectl"
t=$SECONDS; eval "$(test/cluster/up.sh 2> /dev/null | tail -n1)"; echo "control plane up in $((SECONDS - t)) s"
k() { "$kubectl" "$@"; }
node_up=true
t=$SECONDS
test/cluster/node.sh up > "$PINHOLE_CLUSTER_DIR/node.env" 2> "$PINHOLE_CLUSTER_DIR/logs/node.sh.log" \
  || { tail -n 20 "$PINHOLE_CLUSTER_DIR/logs/node.sh.log" >&2; fail "node.sh up failed"; }
node_s=$((SECONDS - t))
# shellcheck disable=SC1091
source "$PINHOLE_CLUSTER_DIR/node.env"
echo "node $NODE_NAME Ready in $node_s s: network namespace $NODE_NETNS, pods from $POD_CIDR; internet egress through" \
  "$NATGW_NETNS as $ELASTIC_IP; the internet is $INET_NETNS ($INET_IP) and the laptop $LAPTOP_NETNS ($LAPTOP_IP)"
k get nodes -L pinhole.dev/egress,pinhole.dev/node

step "2/8 helm install: the chart's operator as a pod on the node, the image built from the Dockerfile"
t=$SECONDS; test/cluster/operator.sh install > /dev/null || fail "operator.sh install failed"
install_s=$((SECONDS - t))
echo "image build (cached by its inputs), import and helm upgrade --install in $install_s s"
k -n pinhole-system get deploy,pods -o wide

step "3/8 a SaaS on the internet: nginx (allow $ELASTIC_IP; deny all) and dnsmasq (*.saas.test -> $INET_IP)"
saas="$PINHOLE_CLUSTER_DIR/saas"; mkdir -p "$saas/tmp"
# The page, where nginx's workers (nobody) can read it: the state dir is root's alone.
www="$(mktemp -d /tmp/pinhole-demo-www.XXXXXX)"; chmod 755 "$www"
echo "hello from the SaaS" > "$www/index.html"; chmod 644 "$www/index.html"
cat > "$saas/nginx.conf" <<EOF
worker_processes 1;
pid $saas/nginx.pid;
error_log $saas/error.log;
events { worker_connections 256; }
http {
  access_log $saas/access.log;
  client_body_temp_path $saas/tmp/body; proxy_temp_path $saas/tmp/proxy; fastcgi_temp_path $saas/tmp/fastcgi;
  uwsgi_temp_path $saas/tmp/uwsgi; scgi_temp_path $saas/tmp/scgi;
  server {
    listen $INET_IP:80;
    location = /ip { default_type text/plain; return 200 "\$remote_addr\n"; }
    # A file, not 'return': return answers before the access phase, so allow/deny would never apply.
    location / { allow $ELASTIC_IP; deny all; root $www; }
  }
}
EOF
ip netns exec "$INET_NETNS" nginx -c "$saas/nginx.conf" -g 'daemon off;' > "$saas/nginx.out" 2>&1 < /dev/null &
nginx_pid=$!
ip netns exec "$INET_NETNS" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
  --listen-address="$INET_IP" --bind-interfaces --pid-file="$saas/dnsmasq.pid" --user=root \
  --address=/saas.test/"$INET_IP" > "$saas/dnsmasq.out" 2>&1 < /dev/null &
dnsmasq_pid=$!
disown -a   # node.sh down stops them with everything else in its namespaces
# A SaaS that is not up fails here, by name, not later as a 403 or 000 through the tunnel.
saas_up=false
for _ in $(seq 50); do
  kill -0 "$nginx_pid" 2> /dev/null || fail "nginx exited at start: $(tail -n 5 "$saas/nginx.out" "$saas/error.log" 2> /dev/null)"
  kill -0 "$dnsmasq_pid" 2> /dev/null || fail "dnsmasq exited at start: $(tail -n 5 "$saas/dnsmasq.out")"
  if ip netns exec "$INET_NETNS" curl -fs -o /dev/null "http://$INET_IP/ip"; then saas_up=true; break; fi
  sleep 0.1
done
$saas_up || fail "nginx does not answer http://$INET_IP/ip in $INET_NETNS after 5 s: $(tail -n 5 "$saas/error.log" 2> /dev/null)"
echo "nginx and dnsmasq at $INET_IP in $INET_NETNS"

step "4/8 examples/demo/ applied: two connector pods pinned to the real node, namespace $ns enforcing 'restricted'"
k create namespace "$ns" --dry-run=client -o yaml | k apply -f - > /dev/null
k label namespace "$ns" pod-security.kubernetes.io/enforce=restricted pod-security.kubernetes.io/enforce-version=latest --overwrite > /dev/null
dp="$PINHOLE_CLUSTER_DIR/laptop"; mkdir -p "$dp"; chmod 700 "$dp"
(umask 077 && wg genkey > "$dp/laptop.key")
laptop_pub="$(wg pubkey < "$dp/laptop.key")"
k apply -n "$ns" -f examples/demo/ipset.yaml > /dev/null
# The example as it is, but for two replicas on the real node (the kwok NAT-gateway nodes run no containers) and a
# LoadBalancer Service (the NAT gateway plays the cloud's load balancer on the elastic IP, step 5).
sed -e "s|LAPTOP_PUBLIC_KEY|$laptop_pub|" -e 's|^  replicas: 1|  replicas: 2|' -e 's|^    type: NodePort|    type: LoadBalancer|' \
  -e 's|^        pinhole.dev/egress: nat-gateway|&\n        pinhole.dev/node: real|' examples/demo/appconnector.yaml \
  | k apply -n "$ns" -f -
t=$SECONDS
k wait -n "$ns" --for condition=Ready appconnector/saas --timeout=300s > /dev/null || fail "AppConnector saas not Ready"
k -n "$ns" rollout status deploy/saas --timeout=300s > /dev/null || fail "the connector Deployment did not roll out"
ready_s=$((SECONDS - t))
k -n "$ns" get pods -l pinhole.dev/connector=saas -o wide
[[ "$(k -n "$ns" get pods -l pinhole.dev/connector=saas -o jsonpath='{range .items[*]}{.spec.nodeName} {.status.phase} {.status.containerStatuses[0].ready}{"\n"}{end}' | sort -u)" \
  == "$NODE_NAME Running true" ]] || fail "the connector pods are not all Running and Ready on $NODE_NAME"
echo "both pods Running and Ready on $NODE_NAME $ready_s s after the apply (admitted under 'restricted')"

step "5/8 UDP 51820 on $ELASTIC_IP to the connector Service; the laptop with the rendered client file"
test/cluster/node.sh expose "$ns" saas 2>&1 | sed 's/^/   /'
for _ in $(seq 60); do
  k get -n "$ns" configmap saas-clients -o jsonpath='{.data.laptop\.conf}' > "$dp/laptop.rendered.conf"
  grep -q "^Endpoint = $ELASTIC_IP:51820" "$dp/laptop.rendered.conf" && break
  sleep 1
done
grep -q "^Endpoint = $ELASTIC_IP:51820" "$dp/laptop.rendered.conf" || fail "the client file names no Endpoint $ELASTIC_IP:51820"
echo "-- ConfigMap saas-clients, laptop.conf (rendered by the operator; the endpoint from the Service's load balancer):"
sed 's/^/   /' "$dp/laptop.rendered.conf"
(umask 077 && sed "s|^PrivateKey = .*|PrivateKey = $(cat "$dp/laptop.key")|" "$dp/laptop.rendered.conf" > "$dp/laptop.conf")
test/cluster/node.sh laptop "$dp/laptop.conf" 2>&1 | sed 's/^/   /'
curl_laptop() { ip netns exec "$LAPTOP_NETNS" curl -s --max-time "${2:-5}" -o /dev/null -w '%{http_code}' "$1" || true; }
probe="demo-$RANDOM$RANDOM"
code=""
for _ in $(seq 30); do code="$(curl_laptop "http://app.saas.test/?$probe")"; [[ "$code" == 200 ]] && break; sleep 1; done
echo "-- through the tunnel: curl http://app.saas.test/ (the connector's DNS, a synthetic address) -> HTTP $code"
[[ "$code" == 200 ]] || fail "expected 200 through the tunnel, got $code"
line="$(grep -F "$probe" "$saas/access.log" | tail -n1)"
echo "   nginx access log: $line"
[[ "$line" == "$ELASTIC_IP "* ]] || fail "nginx did not see the elastic IP $ELASTIC_IP"
probe="demo-$RANDOM$RANDOM"
code="$(curl_laptop "http://$INET_IP/?$probe")"
echo "-- without the tunnel: curl http://$INET_IP/ (the laptop's own address) -> HTTP $code"
echo "   nginx access log: $(grep -F "$probe" "$saas/access.log" | tail -n1)"
[[ "$code" == 403 ]] || fail "expected 403 without the tunnel, got $code"

step "6/8 EgressVerified from the real pods' /status"
k wait -n "$ns" --for condition=EgressVerified appconnector/saas --timeout=120s > /dev/null || fail "EgressVerified not True"
k get -n "$ns" appconnector saas -o jsonpath='{range .status.conditions[*]}{.type}={.status} ({.reason}) {.message}{"\n"}{end}'
pod_ips="$(k -n "$ns" get pods -l pinhole.dev/connector=saas -o jsonpath='{.items[*].status.podIP}')"
for ip in $pod_ips; do
  echo "   pod $ip /status: observedEgressIP $(ip netns exec "$OPERATOR_NETNS" curl -fsS --max-time 5 "http://$ip:9090/status" \
    | sed -n 's/.*"observedEgressIP" *: *"\([^"]*\)".*/\1/p')"
done

step "7/8 a domain added to the AppConnector reaches the running pods through the kubelet's ConfigMap update"
uids_before="$(k -n "$ns" get pods -l pinhole.dev/connector=saas -o jsonpath='{.items[*].metadata.uid}')"
code="$(curl_laptop "http://new.saas.test/" 3)"
echo "before: curl http://new.saas.test/ -> HTTP $code (not listed: the connector's DNS passes on its real address, so the" \
  "laptop goes there directly and nginx refuses it)"
[[ "$code" == 200 ]] && fail "new.saas.test answered before it was added"
t=$SECONDS
k patch -n "$ns" appconnector saas --type=json -p '[{"op":"add","path":"/spec/domains/-","value":"new.saas.test"}]' > /dev/null
for _ in $(seq 300); do code="$(curl_laptop "http://new.saas.test/" 2)"; [[ "$code" == 200 ]] && break; sleep 1; done
reload_s=$((SECONDS - t))
[[ "$code" == 200 ]] || fail "new.saas.test did not work within 300 s"
echo "new.saas.test answers through the tunnel $reload_s s after the edit (the kubelet's ConfigMap sync, then the connector's reload)"
[[ "$(k -n "$ns" get pods -l pinhole.dev/connector=saas -o jsonpath='{.items[*].metadata.uid}')" == "$uids_before" ]] \
  || fail "the connector pods were replaced"
echo "same pods, restarts: $(k -n "$ns" get pods -l pinhole.dev/connector=saas -o jsonpath='{.items[*].status.containerStatuses[0].restartCount}')"

step "8/8 the pod holding the laptop's session deleted: until the laptop's next successful request"
nodeport="$(k -n "$ns" get service saas -o jsonpath='{.spec.ports[?(@.port==51820)].nodePort}')"
held="$(ip netns exec "$NODE_NETNS" conntrack -L -p udp --orig-port-dst "$nodeport" 2> /dev/null \
  | sed -n 's/.* src=\([0-9.]*\) dst=[0-9.]* sport=51820 .*/\1/p' | head -n1)"
pod="$(k -n "$ns" get pods -l pinhole.dev/connector=saas -o jsonpath="{.items[?(@.status.podIP==\"$held\")].metadata.name}")"
[[ -n "$pod" ]] || pod="$(k -n "$ns" get pods -l pinhole.dev/connector=saas -o jsonpath='{.items[0].metadata.name}')"
echo "the laptop's flow goes to pod $pod ($held); deleting it"
t=$(date +%s.%N)
k -n "$ns" delete pod "$pod" --wait=false > /dev/null
failed=0
until [[ "$(curl_laptop "http://app.saas.test/" 2)" == 200 ]]; do
  failed=$((failed + 1)); (( failed < 300 )) || fail "no answer through the tunnel 300 tries after the deletion"; sleep 0.2
done
failover_s="$(awk -v a="$t" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')"
printf 'next successful request %.1f s after the deletion (%d failed tries)\n' "$failover_s" "$failed"
# The deleted pod drains (its grace period) before it exits: go on asking until it is gone and 10 s more, and
# report the longest time without an answer, the pause a user would notice.
last_ok=$(date +%s.%N) longest=0 tries=0 failures=0 gone=""
while :; do
  tries=$((tries + 1))
  if [[ "$(curl_laptop "http://app.saas.test/" 2)" == 200 ]]; then
    now=$(date +%s.%N)
    longest="$(awk -v a="$last_ok" -v b="$now" -v l="$longest" 'BEGIN { g = b - a; printf "%.1f", (g > l ? g : l) }')"
    last_ok=$now
  else
    failures=$((failures + 1))
  fi
  if [[ -z "$gone" ]] && ! k -n "$ns" get pod "$pod" > /dev/null 2>&1; then gone=$(date +%s); fi
  [[ -n "$gone" && $(($(date +%s) - gone)) -ge 10 ]] && break
  (( tries < 600 )) || fail "the deleted pod did not go away"
  sleep 0.5
done
printf 'until the deleted pod was gone and 10 s more: %d requests, %d failed, longest gap between answers %.1f s\n' \
  "$tries" "$failures" "$longest"
k -n "$ns" get pods -l pinhole.dev/connector=saas -o wide

rss() { # rss NAMESPACE POD CONTAINER: the kubelet's /stats/summary view, in MiB
  ip netns exec "$OPERATOR_NETNS" curl -fsS -k --max-time 10 --cert "$PINHOLE_CLUSTER_DIR/pki/apiserver-kubelet-client.crt" \
    --key "$PINHOLE_CLUSTER_DIR/pki/apiserver-kubelet-client.key" "https://$NODE_IP:10250/stats/summary" \
    | jq -r --arg ns "$1" --arg pod "$2" --arg c "$3" '.pods[] | select(.podRef.namespace==$ns and .podRef.name==$pod)
        | .containers[] | select(.name==$c) | (.memory.rssBytes / 1048576 | floor)'
}
connector_pod="$(k -n "$ns" get pods -l pinhole.dev/connector=saas -o jsonpath='{.items[0].metadata.name}')"
operator_pod="$(k -n pinhole-system get pods -l app.kubernetes.io/name=pinhole -o jsonpath='{.items[0].metadata.name}')"
printf '\n\033[1mfigures\033[0m\n'
printf '  node up %d s; image + helm install %d s; connector pods Ready %d s after the apply\n' "$node_s" "$install_s" "$ready_s"
printf '  a domain added -> working without a pod restart: %d s\n' "$reload_s"
printf '  connector pod deleted -> the laptop'"'"'s next successful request: %.1f s; while it drained and exited: %d of %d requests failed, longest gap %.1f s\n' \
  "$failover_s" "$failures" "$tries" "$longest"
printf '  RSS (kubelet): connector %s MiB, operator %s MiB\n' "$(rss "$ns" "$connector_pod" connector || echo '?')" \
  "$(rss pinhole-system "$operator_pod" operator || echo '?')"
printf '\n\033[32mdemo (real node) passed\033[0m in %d s\n' "$((SECONDS - started))"
if $keep; then
  echo "kept: export KUBECONFIG=$PINHOLE_CLUSTER_DIR/kubeconfig; ip netns exec $LAPTOP_NETNS curl http://app.saas.test/"
  echo "to stop: PH_PREFIX=$PH_PREFIX PINHOLE_CLUSTER_DIR=$PINHOLE_CLUSTER_DIR test/cluster/node.sh down; test/cluster/down.sh"
fi
