#!/usr/bin/env bash
# A real kubelet node joining the local control plane of up.sh: containerd (Debian's), runc, the CNI bridge and
# host-local plugins, kubelet and kube-proxy built from the same Kubernetes source as the API server. Its pods are
# real processes, so the image (hack/image.sh) and the connector pod spec run as they would on any cluster.
#
#   host namespace                 PREFIX-k8s (test/netns/cluster-net.sh)        PREFIX-node0 (this script)
#   API server 127.0.0.1:PORT <-relay-> 127.0.0.1:PORT, 198.18.199.1 (lo)        127.0.0.1:PORT (relay), eth0 NODE_IP
#                                   n0 --veth-------------------------------- eth0   cni0 198.18.202.1/24 -- pods
#
# - The node's network is a namespace of its own, linked to cluster-net.sh's (where a local operator runs, so its
#   probes reach the pods); the host's interfaces, routes and iptables stay untouched (kube-proxy writes the node
#   namespace's iptables only). Pod addresses come from 198.18.202.0/24 (the benchmarking range).
# - containerd, the kubelet and kube-proxy run through nsenter in that network namespace and in a persistent mount
#   namespace of their own (slave propagation: their mounts never reach the host and vanish with it). There the fixed
#   paths they write (/run/containerd, /run/netns, /var/lib/cni, /var/lib/kubelet, /var/log/containers) are bind
#   mounts of directories under the state dir, and the host sysctls the kubelet sets (kernel.panic, vm.overcommit_memory,
#   ...) are bind mounts of files holding the host's values, so the host's own values stay as they are.
# - cgroup v1 with the cgroupfs driver: every process of the node (containerd, its shims, the pods, the kubelet,
#   kube-proxy, the relay) lives under /sys/fs/cgroup/<controller>/NODE, so 'down' finds each one by PID.
# - Root here lacks CAP_SYS_RESOURCE: containerd's restrict_oom_score_adj keeps runc from failing every sandbox.
# - Nothing can be pulled: the sandbox image is a local pause stand-in (pause/, imported at 'up').
# - The node registers as NODE (default pinhole-node-0), labelled pinhole.dev/egress=nat-gateway and
#   pinhole.dev/node=real, tainted pinhole.dev/egress=nat-gateway:NoSchedule, like up.sh's simulated NAT gateways.
#
# - Behind the node, its NAT gateway: namespace PREFIX-natgw0 holds the elastic IP 203.0.113.10 and SNATs what the
#   node's pods open towards the internet (namespace PREFIX-inet0, 203.0.113.20/24) to it; 'expose NS SERVICE'
#   forwards UDP 51820 on the elastic IP to a connector Service (its NodePort on the node's WAN address 198.18.203.1).
#
# usage: node.sh up | down | import OCI_ARCHIVE | env | expose NAMESPACE SERVICE | laptop WG_QUICK_FILE | laptop-down | ctr ARGS...
# env:   PINHOLE_CLUSTER_DIR (the control plane's state dir, as up.sh), PH_PREFIX (cluster-net.sh's prefix, default
#        ph), PINHOLE_NODE_NAME (default pinhole-node-0), PINHOLE_NODE_DIR (default $PINHOLE_CLUSTER_DIR-node)
# 'down' stops every process by PID, removes the node's namespaces, mounts, cgroups, state dir, the fixed paths it
# created, its Node object, and cluster-net.sh's namespace when 'up' started it. Safe to run any number of times; with
# no node state in PINHOLE_NODE_DIR (its marker) it touches nothing, and it removes only the namespaces 'up' recorded
# as made, so another prefix's or tool's namespaces of the same names survive.
set -Eeuo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$here/lib.sh"
export PATH="$PATH:/usr/sbin:/sbin:/usr/local/go/bin"

NAME="${PINHOLE_NODE_NAME:-pinhole-node-0}"
[[ "$NAME" =~ ^[a-z][a-z0-9-]{0,30}$ ]] || { echo "node: bad PINHOLE_NODE_NAME" >&2; exit 2; }
PREFIX="${PH_PREFIX:-ph}"
N="${PINHOLE_NODE_DIR:-$state-node}"
NODE_NS="$PREFIX-node0"
# The node's NAT gateway (the elastic IP) and the internet behind it, each a namespace of its own.
NATGW_NS="$PREFIX-natgw0"
INET_NS="$PREFIX-inet0"
NODE_WAN=198.18.203.1
NATGW_IN=198.18.203.2
ELASTIC_IP=203.0.113.10
INET_IP=203.0.113.20
LAPTOP_NS="$PREFIX-laptop0"
LAPTOP_IP=203.0.113.30
LAPTOP_WG="$PREFIX-wl0"   # wireguard-go's control socket is in the shared /var/run/wireguard: the prefix keeps it apart
WG_PORT=51820
NODE_IP=198.18.100.30
POD_CIDR=198.18.202.0/24
POD_GW=198.18.202.1
CG="$NAME"
CG_CONTROLLERS=(cpu cpuacct cpuset memory devices freezer blkio pids systemd)
# Paths the kubelet, containerd and the CNI plugins write whatever their configuration says.
FIXED_PATHS=(/run/containerd /run/netns /var/lib/cni /var/lib/kubelet /var/log/containers)
# Host sysctls the kubelet sets at start (container_manager_linux.go setupKernelTunables).
SYSCTLS=(kernel/panic kernel/panic_on_oops vm/overcommit_memory vm/panic_on_oom kernel/keys/root_maxkeys
  kernel/keys/root_maxbytes)
MARKER=.pinhole-node
CLUSTER_NET="$root/test/netns/cluster-net.sh"

nlog() { echo "node[$NAME]: $*" >&2; }
in_node() { nsenter --net="/run/netns/$NODE_NS" --mount="$N/ns/mnt" -- "$@"; }
ctr_() { in_node ctr --address "$N/containerd/containerd.sock" -n k8s.io "$@"; }
kubectl_() { "$(cat "$state/kubectl-path")" --kubeconfig="$state/kubeconfig" "$@"; }

# cgroup_dir CONTROLLER: the node's cgroup in one v1 hierarchy (the systemd one is named name=systemd).
cgroup_dir() { echo "/sys/fs/cgroup/$1/$CG"; }

# run_node NAME BINARY ARGS...: starts BINARY detached, in the node's cgroups and namespaces, logging to
# logs/NAME.log; records "PID BINARY" in pids/NAME.pid. The shell moves itself into the cgroups and then execs
# (setsid, nsenter and the binary each exec the next), so the recorded PID is the binary's.
run_node() {
  local name="$1" binary="$2"; shift 2
  local exe; exe="$(readlink -f "$(command -v "$binary")")"
  CG="$CG" N="$N" NODE_NS="$NODE_NS" setsid bash -c '
    for c in '"${CG_CONTROLLERS[*]}"'; do echo $$ > "/sys/fs/cgroup/$c/$CG/runtime/cgroup.procs"; done
    exec nsenter --net="/run/netns/$NODE_NS" --mount="$N/ns/mnt" -- "$@"' node "$exe" "$@" \
    >> "$N/logs/$name.log" 2>&1 < /dev/null &
  local pid=$!
  for _ in $(seq 1 100); do
    [[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" == "$exe" ]] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  echo "$pid $exe" > "$N/pids/$name.pid"
  nlog "started $name (pid $pid)"
}

node_alive() {
  local f="$N/pids/$1.pid" pid binary
  [[ -f "$f" ]] || return 1
  read -r pid binary < "$f"
  [[ -n "$pid" && "$(readlink "/proc/$pid/exe" 2>/dev/null)" == "$binary" ]]
}

# cg_pids: every process in the node's cgroups (the pids hierarchy holds them all).
cg_pids() { [[ -d "$(cgroup_dir pids)" ]] && find "$(cgroup_dir pids)" -name cgroup.procs -exec cat {} + 2>/dev/null || true; }

down() {
  if [[ ! -f "$N/$MARKER" ]]; then nlog "no node state in $N: nothing to take down"; return 0; fi
  set +e
  local pid
  # Graceful first: the kubelet and kube-proxy, then containerd; then whatever is left in the cgroups (shims, pods).
  for c in kube-proxy kubelet containerd api-relay; do
    if node_alive "$c"; then
      read -r pid _ < "$N/pids/$c.pid"; kill -TERM "$pid"
      for _ in $(seq 1 50); do node_alive "$c" || break; sleep 0.1; done
    fi
  done
  for _ in $(seq 1 50); do
    local left; left="$(cg_pids)"
    [[ -z "$left" ]] && break
    for pid in $left; do kill -KILL "$pid" 2>/dev/null; done
    sleep 0.1
  done
  [[ -n "$(cg_pids)" ]] && nlog "processes still in $CG: $(cg_pids | tr '\n' ' ')"
  # The mount namespace dies with its last process and its bind mount; its mounts (overlays, tmpfs volumes, the
  # pods' network namespaces, the bind mounts of the fixed paths) go with it.
  mountpoint -q "$N/ns/mnt" && umount "$N/ns/mnt"
  mountpoint -q "$N/ns" && umount "$N/ns"
  # cgroups, deepest first (rmdir of an empty cgroup; the kubelet's QoS tree lies below).
  # Every hierarchy, also those the node did not create its cgroup in (runc adds one in the unified hierarchy).
  local d
  for d in /sys/fs/cgroup/*/"$CG"; do
    [[ -d "$d" ]] || continue
    find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
    [[ -d "$d" ]] && nlog "cgroup $d still there"
  done
  local n made
  laptop_down
  # The namespaces 'up' made, the last made first (a state dir of an older node.sh lists none: its four names).
  if [[ -f "$N/created-netns" ]]; then made="$(tac "$N/created-netns")"
  else made="$(printf '%s\n' "$LAPTOP_NS" "$INET_NS" "$NATGW_NS" "$NODE_NS")"; fi
  for n in $made; do
    ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$n" || continue
    # The node's own namespaces: whatever runs there (the laptop's wireguard-go, a test's app) was started for them.
    [[ "$n" == "$NODE_NS" ]] || for pid in $(ip netns pids "$n" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
    ip netns del "$n"
  done
  # The fixed paths this node created on the host (empty mount points; the data lived in the state dir).
  if [[ -f "$N/created-paths" ]]; then
    while read -r p; do
      [[ -d "$p" ]] && find "$p" -depth -type d -empty -delete 2>/dev/null
      [[ -e "$p" ]] && nlog "$p is not empty; left in place"
    done < "$N/created-paths"
  fi
  if [[ -f "$state/kubectl-path" && -f "$state/kubeconfig" ]]; then
    kubectl_ delete node "$NAME" --ignore-not-found --wait=false > /dev/null 2>&1
    kubectl_ -n default delete endpointslice "kubernetes-$NAME" --ignore-not-found --wait=false > /dev/null 2>&1
  fi
  [[ -f "$N/started-cluster-net" ]] && PH_PREFIX="$PREFIX" "$CLUSTER_NET" down
  rm -rf "$N"
  set -e
  nlog "down"
}

# netns_add NAME: a namespace of this node, recorded so 'down' removes it (and only what it recorded).
netns_add() { ip netns add "$1"; echo "$1" >> "$N/created-netns"; }

issue_cert() {  # issue_cert NAME SUBJECT EKU [SAN]
  local name="$1" subj="$2" eku="$3" san="${4:-}" pki="$state/pki" ext="$N/pki/$1.ext"
  { echo "basicConstraints=critical,CA:FALSE"; echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$eku"; [[ -z "$san" ]] || echo "subjectAltName=$san"; } > "$ext"
  openssl ecparam -name prime256v1 -genkey -noout -out "$N/pki/$name.key" 2>/dev/null
  openssl req -new -key "$N/pki/$name.key" -subj "$subj" -out "$N/pki/$name.csr" 2>/dev/null
  openssl x509 -req -in "$N/pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial -days 3650 \
    -sha256 -extfile "$ext" -out "$N/pki/$name.crt" 2>/dev/null
  rm -f "$N/pki/$name.csr" "$ext"; chmod 600 "$N/pki/$name.key"
}

node_kubeconfig() {  # node_kubeconfig FILE CERT_NAME
  cat > "$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: pinhole-local
  cluster: {server: "https://127.0.0.1:$API_PORT", certificate-authority: "$state/pki/ca.crt"}
users:
- name: $2
  user: {client-certificate: "$N/pki/$2.crt", client-key: "$N/pki/$2.key"}
contexts:
- name: pinhole-local
  context: {cluster: pinhole-local, user: $2}
current-context: pinhole-local
EOF
  chmod 600 "$1"
}

# pause_image: the pause stand-in as an OCI archive, built once per source version (cached like the binaries).
pause_image() {
  local cache="${PINHOLE_CACHE:-$HOME/.cache/pinhole}/bin" v
  v="$(cat "$here/pause/main.go" "$here/pause/go.mod" | sha256sum | cut -c1-12)"
  local bin="$cache/pause-$v" archive="$cache/pause-$v.oci.tar"
  if [[ ! -s "$archive" ]]; then
    mkdir -p "$cache"
    (cd "$here/pause" && CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$bin.tmp" .) && mv "$bin.tmp" "$bin"
    local tmp; tmp="$(mktemp -d)"
    # A hand-made OCI image layout: one uncompressed layer holding /pause, a config, a manifest, an index.
    mkdir -p "$tmp/oci/blobs/sha256" "$tmp/root"; cp "$bin" "$tmp/root/pause"; chmod 755 "$tmp/root/pause"
    tar --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$tmp/root" -cf "$tmp/layer.tar" pause
    local layer; layer="$(sha256sum < "$tmp/layer.tar" | cut -d' ' -f1)"
    mv "$tmp/layer.tar" "$tmp/oci/blobs/sha256/$layer"
    printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":["/pause"],"User":"65535:65535"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
      "$layer" > "$tmp/config.json"
    local config csize; config="$(sha256sum < "$tmp/config.json" | cut -d' ' -f1)"; csize="$(stat -c %s "$tmp/config.json")"
    mv "$tmp/config.json" "$tmp/oci/blobs/sha256/$config"
    printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
      "$config" "$csize" "$layer" "$(stat -c %s "$tmp/oci/blobs/sha256/$layer")" > "$tmp/manifest.json"
    local manifest msize; manifest="$(sha256sum < "$tmp/manifest.json" | cut -d' ' -f1)"; msize="$(stat -c %s "$tmp/manifest.json")"
    mv "$tmp/manifest.json" "$tmp/oci/blobs/sha256/$manifest"
    printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"localhost/pinhole/pause:%s","org.opencontainers.image.ref.name":"%s"}}]}' \
      "$manifest" "$msize" "$v" "$v" > "$tmp/oci/index.json"
    echo '{"imageLayoutVersion":"1.0.0"}' > "$tmp/oci/oci-layout"
    tar --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$tmp/oci" -cf "$archive.tmp" . && mv "$archive.tmp" "$archive"
    rm -rf "$tmp"
  fi
  echo "localhost/pinhole/pause:$v $archive"
}

up() {
  for t in containerd runc ctr nsenter unshare socat openssl; do
    command -v "$t" > /dev/null || { nlog "$t missing: apt-get install containerd runc containernetworking-plugins socat"; exit 1; }
  done
  [[ -x /usr/lib/cni/bridge && -x /usr/lib/cni/host-local ]] || { nlog "CNI plugins missing: apt-get install containernetworking-plugins"; exit 1; }
  [[ -f "$state/$STATE_MARKER" && -f "$state/kubectl-path" ]] || { nlog "no control plane in $state: run up.sh first"; exit 1; }
  if node_alive kubelet && node_alive containerd; then nlog "already up ($N)"; env_; return 0; fi
  if [[ -e "$N" ]]; then
    [[ -f "$N/$MARKER" ]] || { nlog "$N exists and is no node state dir (no $MARKER): refusing to use it"; exit 1; }
    nlog "$N exists but the node is not running: tearing it down first"; down
  fi
  trap 'rc=$?; nlog "up failed (exit $rc); logs kept in $N.failed-logs"; rm -rf "$N.failed-logs"; cp -r "$N/logs" "$N.failed-logs" 2>/dev/null; down' ERR
  local started=$SECONDS
  declare -A bin
  while IFS='=' read -r k v; do bin[$k]="$v"; done < <("$here/build.sh" --node)
  mkdir -p "$N"/{ns,pids,logs,pki,kubelet,kubelet-certs,pod-logs,containerd,cni/net.d,sysctl}; chmod 700 "$N"
  touch "$N/$MARKER"

  # --- network ---
  if ! ip netns list | awk '{print $1}' | grep -qx "$PREFIX-k8s"; then
    PH_PREFIX="$PREFIX" "$CLUSTER_NET" up "$API_PORT"; touch "$N/started-cluster-net"
  fi
  local k8s_ns="$PREFIX-k8s" relay; relay="${PH_CLUSTER_NET_DIR:-/tmp/pinhole-clusternet-$PREFIX}/api.sock"
  netns_add "$NODE_NS"
  ip link add n0 netns "$k8s_ns" type veth peer name eth0 netns "$NODE_NS"
  ip -n "$NODE_NS" link set lo up
  ip -n "$NODE_NS" addr add "$NODE_IP/32" dev eth0
  ip -n "$NODE_NS" link set eth0 up
  ip -n "$k8s_ns" link set n0 up
  ip -n "$NODE_NS" route add 198.18.199.1/32 dev eth0
  # The internet is behind the NAT gateway: the node's default route leads there (the cluster network keeps eth0).
  # The internet: a bridge in PREFIX-inet0 (the apps' host, 203.0.113.20) joining the NAT gateway's outside and a
  # laptop (PREFIX-laptop0, 203.0.113.30, a WireGuard client with 'node.sh laptop').
  netns_add "$NATGW_NS"; netns_add "$INET_NS"; netns_add "$LAPTOP_NS"
  ip link add wan0 netns "$NODE_NS" type veth peer name in0 netns "$NATGW_NS"
  ip -n "$INET_NS" link add br0 type bridge
  ip link add out0 netns "$NATGW_NS" type veth peer name natgw netns "$INET_NS"
  ip link add eth0 netns "$LAPTOP_NS" type veth peer name laptop netns "$INET_NS"
  for l in natgw laptop; do ip -n "$INET_NS" link set "$l" master br0 up; done
  ip -n "$LAPTOP_NS" link set lo up
  ip -n "$LAPTOP_NS" addr add "$LAPTOP_IP/24" dev eth0; ip -n "$LAPTOP_NS" link set eth0 up
  ip -n "$NODE_NS" addr add "$NODE_WAN/30" dev wan0; ip -n "$NODE_NS" link set wan0 up
  ip -n "$NATGW_NS" link set lo up
  ip -n "$NATGW_NS" addr add "$NATGW_IN/30" dev in0; ip -n "$NATGW_NS" link set in0 up
  ip -n "$NATGW_NS" addr add "$ELASTIC_IP/24" dev out0; ip -n "$NATGW_NS" link set out0 up
  ip -n "$INET_NS" link set lo up
  ip -n "$INET_NS" addr add "$INET_IP/24" dev br0; ip -n "$INET_NS" link set br0 up
  ip -n "$NODE_NS" route add default via "$NATGW_IN" dev wan0
  ip -n "$NATGW_NS" route add "$POD_CIDR" via "$NODE_WAN" dev in0
  ip netns exec "$NATGW_NS" sysctl -qw net.ipv4.ip_forward=1
  # Like a cloud NAT gateway: what the node's pods open towards the internet leaves as the elastic IP; nothing from
  # the internet gets in but what 'expose' forwards (UDP 51820 on the elastic IP to a connector Service).
  ip netns exec "$NATGW_NS" iptables -t nat -A POSTROUTING -o out0 -j SNAT --to-source "$ELASTIC_IP"
  ip netns exec "$NATGW_NS" iptables -t nat -N PINHOLE-EXPOSE
  ip netns exec "$NATGW_NS" iptables -t nat -A PREROUTING -i out0 -d "$ELASTIC_IP" -j PINHOLE-EXPOSE
  ip -n "$k8s_ns" route add "$NODE_IP/32" dev n0 src 198.18.199.1
  ip -n "$k8s_ns" route add "$POD_CIDR" via "$NODE_IP" dev n0 onlink src 198.18.199.1
  ip netns exec "$NODE_NS" sysctl -qw net.ipv4.ip_forward=1
  # Towards the cluster network (cluster-net.sh's namespace) the node masquerades its pods to its own address, as a
  # node does for traffic to other nodes' networks (the operator's probes towards the pods are replies on the way
  # back, never rewritten). Towards the internet the pod addresses go to the NAT gateway as they are.
  ip netns exec "$NODE_NS" iptables -t nat -A POSTROUTING -s "$POD_CIDR" -o eth0 -j MASQUERADE

  # --- cgroups (v1, cgroupfs): the node's root, and a child for its own daemons ---
  for c in "${CG_CONTROLLERS[@]}"; do
    [[ -d "/sys/fs/cgroup/$c" ]] || { nlog "no cgroup v1 hierarchy /sys/fs/cgroup/$c"; false; }
    mkdir -p "$(cgroup_dir "$c")/runtime"
  done
  for f in cpuset.cpus cpuset.mems; do
    cat "/sys/fs/cgroup/cpuset/$f" > "$(cgroup_dir cpuset)/$f"; cat "/sys/fs/cgroup/cpuset/$f" > "$(cgroup_dir cpuset)/runtime/$f"
  done

  # --- the persistent mount namespace ---
  mount --bind "$N/ns" "$N/ns"; mount --make-private "$N/ns"; touch "$N/ns/mnt"
  unshare --mount="$N/ns/mnt" --propagation slave true
  : > "$N/created-paths"
  for p in "${FIXED_PATHS[@]}"; do
    local top="$p"
    while [[ ! -e "$(dirname "$top")" ]]; do top="$(dirname "$top")"; done
    if [[ ! -e "$p" ]]; then echo "$top" >> "$N/created-paths"; mkdir -p "$p"; fi
    local inner="$N/fixed/${p//\//_}"; mkdir -p "$inner"
    nsenter --mount="$N/ns/mnt" -- mount --bind "$inner" "$p"
  done
  for s in "${SYSCTLS[@]}"; do
    local f="$N/sysctl/${s//\//.}"
    cat "/proc/sys/$s" > "$f"
    nsenter --mount="$N/ns/mnt" -- mount --bind "$f" "/proc/sys/$s"
  done

  # --- the API server, inside the node namespace: a relay to cluster-net.sh's socket ---
  # On every address of the node namespace: the kubelet and kube-proxy use 127.0.0.1, pods NODE_IP (the endpoint
  # of the `kubernetes` Service this node publishes below, so in-cluster clients such as the operator's pod work).
  run_node api-relay socat "TCP4-LISTEN:$API_PORT,reuseaddr,fork" "UNIX-CONNECT:$relay"

  # --- containerd ---
  local pause pause_archive; read -r pause pause_archive < <(pause_image)
  cat > "$N/containerd/config.toml" <<EOF
version = 2
root = "$N/containerd/root"
state = "$N/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$N/containerd/containerd.sock"
[ttrpc]
  address = "$N/containerd/containerd.sock.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$pause"
  restrict_oom_score_adj = true
  enable_selinux = false
  max_container_log_line_size = 16384
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$N/cni/net.d"
EOF
  cat > "$N/cni/net.d/10-pinhole.conflist" <<EOF
{"cniVersion": "0.4.0", "name": "pinhole-node",
 "plugins": [
  {"type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "$POD_CIDR", "gateway": "$POD_GW"}]],
            "routes": [{"dst": "0.0.0.0/0"}], "dataDir": "$N/cni/ipam"}},
  {"type": "portmap", "capabilities": {"portMappings": true}}
 ]}
EOF
  run_node containerd containerd --config "$N/containerd/config.toml"
  wait_for "containerd" 60 ctr_ version
  ctr_ images import "$pause_archive" > /dev/null
  ctr_ images ls -q | grep -qx "$pause" || { nlog "pause image $pause missing after import"; false; }

  # --- kubelet ---
  issue_cert kubelet "/O=system:nodes/CN=system:node:$NAME" clientAuth
  issue_cert kube-proxy "/CN=system:kube-proxy" clientAuth
  node_kubeconfig "$N/kubelet.kubeconfig" kubelet
  node_kubeconfig "$N/kube-proxy.kubeconfig" kube-proxy
  # The pods' resolver: the operator namespace's address, where a test may run one (nothing answers by default).
  echo "nameserver 198.18.199.1" > "$N/resolv.conf"
  cat > "$N/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupRoot: /$CG
containerRuntimeEndpoint: unix://$N/containerd/containerd.sock
podLogsDir: $N/pod-logs
address: $NODE_IP
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: $state/pki/ca.crt}
authorization: {mode: AlwaysAllow}
clusterDomain: cluster.local
resolvConf: $N/resolv.conf
failSwapOn: false
protectKernelDefaults: false
maxPods: 30
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: 1Mi, nodefs.available: "1%", nodefs.inodesFree: "1%", imagefs.available: "1%"}
registerWithTaints: [{key: pinhole.dev/egress, value: nat-gateway, effect: NoSchedule}]
serializeImagePulls: false
EOF
  run_node kubelet "${bin[kubelet]}" --config="$N/kubelet.yaml" --kubeconfig="$N/kubelet.kubeconfig" \
    --root-dir="$N/kubelet" --cert-dir="$N/kubelet-certs" --hostname-override="$NAME" --node-ip="$NODE_IP" \
    --node-labels="pinhole.dev/egress=nat-gateway,pinhole.dev/node=real" --v=1

  # --- kube-proxy ---
  cat > "$N/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $N/kube-proxy.kubeconfig}
hostnameOverride: $NAME
mode: iptables
clusterCIDR: $POD_CIDR
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
metricsBindAddress: 127.0.0.1:10249
nodePortAddresses: ["$NODE_IP/32", "$NODE_WAN/32"]
healthzBindAddress: 127.0.0.1:10256
EOF
  run_node kube-proxy "${bin[kube-proxy]}" --config="$N/kube-proxy.yaml" --v=1

  wait_for "node $NAME Ready" 180 kubectl_ wait --for=condition=Ready "node/$NAME" --timeout=5s
  # up.sh's API server publishes no endpoint for the `kubernetes` Service (its address is loopback); the node's
  # relay is one pods can reach, so the node publishes it (kube-proxy then DNATs 10.96.0.1:443 to it). The API
  # server's certificate names the Service's IP, so in-cluster clients verify it as anywhere else.
  kubectl_ apply -f - > /dev/null <<EOF
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: kubernetes-$NAME
  namespace: default
  labels: {kubernetes.io/service-name: kubernetes, endpointslice.kubernetes.io/managed-by: pinhole.dev-node-sh}
addressType: IPv4
endpoints: [{addresses: ["$NODE_IP"], conditions: {ready: true}, nodeName: "$NAME"}]
ports: [{name: https, port: $API_PORT, protocol: TCP}]
EOF
  for c in api-relay containerd kubelet kube-proxy; do node_alive "$c" || { nlog "$c died; log:"; tail -n 20 "$N/logs/$c.log" >&2; false; }; done
  trap - ERR
  { echo "NODE_NAME=$NAME"; echo "NODE_IP=$NODE_IP"; echo "POD_CIDR=$POD_CIDR"; echo "NODE_NETNS=$NODE_NS"
    echo "OPERATOR_NETNS=$k8s_ns"; echo "NODE_DIR=$N"; echo "NATGW_NETNS=$NATGW_NS"; echo "INET_NETNS=$INET_NS"
    echo "ELASTIC_IP=$ELASTIC_IP"; echo "INET_IP=$INET_IP"; echo "LAPTOP_NETNS=$LAPTOP_NS"; echo "LAPTOP_IP=$LAPTOP_IP"
    echo "LAPTOP_WG=$LAPTOP_WG"; } > "$N/env"
  nlog "up in $((SECONDS - started)) s; logs in $N/logs"
  env_
}

env_() { cat "$N/env"; }

# laptop WG_QUICK_FILE: the laptop's wireguard-go configured from a wg-quick file (wg-quick's job by hand: wg setconf
# without the wg-quick-only keys, then the addresses, MTU and a route per AllowedIPs entry), replacing a running one.
# 'laptop-down' stops it.
laptop() {
  local conf="$1" wgconf="$N/laptop.wg.conf" key
  laptop_down
  key() { awk -F= -v k="$1" '{x=$1; gsub(/[ \t]/, "", x)} tolower(x)==tolower(k) {sub(/^[^=]*=[ \t]*/, ""); print}' \
    "$conf" | tr ',' ' ' | xargs; }
  (umask 077 && grep -viE '^[[:space:]]*(Address|DNS|MTU|Table|PreUp|PostUp|PreDown|PostDown|SaveConfig)[[:space:]]*=' \
    "$conf" > "$wgconf")
  # wireguard-go's UAPI socket directory: removed again by laptop-down when this script made it.
  if [[ ! -e /var/run/wireguard ]]; then mkdir -p /var/run/wireguard; touch "$N/created-wireguard-dir"; fi
  ip netns exec "$LAPTOP_NS" env WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1 LOG_LEVEL=error \
    wireguard-go -f "$LAPTOP_WG" > "$N/logs/laptop-wg.log" 2>&1 < /dev/null &
  echo "$! $(readlink -f "$(command -v wireguard-go)")" > "$N/pids/laptop-wg.pid"
  wait_for "wireguard-go $LAPTOP_WG" 20 test -S "/var/run/wireguard/$LAPTOP_WG.sock"
  ip netns exec "$LAPTOP_NS" wg setconf "$LAPTOP_WG" "$wgconf"
  for a in $(key Address); do ip -n "$LAPTOP_NS" addr add "$a" dev "$LAPTOP_WG"; done
  local mtu; mtu="$(key MTU)"
  ip -n "$LAPTOP_NS" link set "$LAPTOP_WG" mtu "${mtu:-1420}" up
  for cidr in $(key AllowedIPs); do ip -n "$LAPTOP_NS" route replace "$cidr" dev "$LAPTOP_WG"; done
  # The tunnel's DNS for the laptop's resolver ('ip netns exec' bind-mounts /etc/netns/NS/resolv.conf).
  mkdir -p "/etc/netns/$LAPTOP_NS"
  { for d in $(key DNS); do echo "nameserver $d"; done; echo "options timeout:2 attempts:2"; } > "/etc/netns/$LAPTOP_NS/resolv.conf"
  nlog "laptop: $LAPTOP_WG up in $LAPTOP_NS, endpoint $(key Endpoint)"
}

laptop_down() {
  [[ -f "$N/$MARKER" ]] || return 0
  local pid
  if node_alive laptop-wg; then
    read -r pid _ < "$N/pids/laptop-wg.pid"; kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do node_alive laptop-wg || break; sleep 0.1; done
    if node_alive laptop-wg; then
      nlog "laptop: wireguard-go (pid $pid) ignored SIGTERM; killing it"; kill -KILL "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do node_alive laptop-wg || break; sleep 0.1; done
    fi
  fi
  rm -f "$N/pids/laptop-wg.pid"
  rm -rf "/etc/netns/$LAPTOP_NS"
  # A killed wireguard-go leaves its socket; the directory goes when this script made it and nobody else uses it.
  rm -f "/var/run/wireguard/$LAPTOP_WG.sock"
  if [[ -f "$N/created-wireguard-dir" ]]; then
    rmdir /var/run/wireguard 2>/dev/null || nlog "/var/run/wireguard holds other sockets; left in place"
    rm -f "$N/created-wireguard-dir"
  fi
}

# expose NAMESPACE SERVICE: UDP 51820 on the elastic IP forwarded to the Service's WireGuard NodePort on the node
# (what a cloud load balancer with the elastic IP does for a LoadBalancer Service), replacing any earlier forward; the
# Service's status names the elastic IP as its load balancer's address. With externalTrafficPolicy Local (the
# operator's) kube-proxy keeps the client's source address.
expose() {
  local ns="$1" svc="$2" port
  node_alive kubelet || { nlog "not up"; exit 1; }
  port="$(kubectl_ -n "$ns" get service "$svc" -o jsonpath="{.spec.ports[?(@.port==$WG_PORT)].nodePort}")"
  [[ "$port" =~ ^[0-9]+$ ]] || { nlog "service $ns/$svc has no NodePort for $WG_PORT"; exit 1; }
  ip netns exec "$NATGW_NS" iptables -t nat -F PINHOLE-EXPOSE
  ip netns exec "$NATGW_NS" iptables -t nat -A PINHOLE-EXPOSE -p udp --dport "$WG_PORT" \
    -j DNAT --to-destination "$NODE_WAN:$port"
  kubectl_ -n "$ns" patch service "$svc" --subresource=status --type=merge \
    -p "{\"status\":{\"loadBalancer\":{\"ingress\":[{\"ip\":\"$ELASTIC_IP\"}]}}}" > /dev/null
  nlog "UDP $ELASTIC_IP:$WG_PORT -> $ns/$svc (NodePort $port on $NODE_WAN)"
}

cmd="${1:-}"; shift || true
case "$cmd" in
  up) up ;;
  down) down ;;
  import) [[ -f "${1:-}" ]] || { nlog "usage: node.sh import OCI_ARCHIVE"; exit 2; }
    node_alive containerd || { nlog "not up"; exit 1; }
    ctr_ images import "$1" >&2; ctr_ images ls -q ;;
  env) env_ ;;
  laptop) [[ -f "${1:-}" ]] || { nlog "usage: node.sh laptop WG_QUICK_FILE"; exit 2; }; laptop "$1" ;;
  laptop-down) laptop_down ;;
  expose) [[ $# -eq 2 ]] || { nlog "usage: node.sh expose NAMESPACE SERVICE"; exit 2; }; expose "$1" "$2" ;;
  ctr) ctr_ "$@" ;;
  *) echo "usage: node.sh up | down | import OCI_ARCHIVE | env | expose NAMESPACE SERVICE | laptop WG_QUICK_FILE | laptop-down | ctr ARGS..." >&2; exit 2 ;;
esac
