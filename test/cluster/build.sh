#!/usr/bin/env bash
# Builds (or reuses) the local control plane's binaries and prints their paths, one `NAME=PATH` a line.
# Binaries are cached by version under ${PINHOLE_CACHE:-~/.cache/pinhole}/bin/<name>-<version>; a warm run only
# checks that they exist. kube-* and kubectl come from k8s.io/kubernetes, etcd from go.etcd.io/etcd/server/v3
# (both through the module in k8s/), kwok and helm through hack/go-tool.sh.
# usage: build.sh [--node]   --node also builds kubelet and kube-proxy (a real node, test/cluster/node.sh) and the
#                            pause stand-in (pause/).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=versions.env
source "$here/versions.env"
command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"
cache="${PINHOLE_CACHE:-$HOME/.cache/pinhole}/bin"
kv="$KUBERNETES_VERSION"
ev="$(awk '$1=="go.etcd.io/etcd/server/v3" {print $2}' "$here/k8s/go.mod")"
[[ -n "$ev" ]] || { echo "build: no etcd version in k8s/go.mod (run k8s/gen-gomod.sh)" >&2; exit 2; }

kube_cmds=(kube-apiserver kube-controller-manager kube-scheduler kubectl)
[[ "${1:-}" == --node ]] && kube_cmds+=(kubelet kube-proxy)
missing=()
for c in "${kube_cmds[@]}"; do [[ -x "$cache/$c-$kv" ]] || missing+=("k8s.io/kubernetes/cmd/$c"); done
[[ -x "$cache/etcd-$ev" ]] || missing+=("go.etcd.io/etcd/server/v3")

if ((${#missing[@]})); then
  mkdir -p "$cache"
  tmp="$(mktemp -d "$cache/.build.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  # The same version stamp kubernetes' hack/lib/version.sh writes, so `kubectl version` and /version tell the truth.
  minor="${kv#v1.}"; minor="${minor%%.*}"
  ldflags="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $p.gitVersion=$kv -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=archive"
    ldflags+=" -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  echo "build: building ${missing[*]} (k8s.io/kubernetes $kv, etcd $ev); cold builds take a while" >&2
  start=$SECONDS
  (cd "$here/k8s" && CGO_ENABLED=0 GOFLAGS=-mod=readonly go build -trimpath -ldflags "$ldflags" -o "$tmp/" "${missing[@]}") >&2
  for p in "${missing[@]}"; do
    name="${p##*/}"
    if [[ "$name" == v3 ]]; then mv "$tmp/server" "$cache/etcd-$ev" 2>/dev/null || mv "$tmp/v3" "$cache/etcd-$ev"
    else mv "$tmp/$name" "$cache/$name-$kv"; fi
  done
  echo "build: built in $((SECONDS - start)) s" >&2
fi

for c in "${kube_cmds[@]}"; do echo "$c=$cache/$c-$kv"; done
echo "etcd=$cache/etcd-$ev"
echo "kwok=$("$root/hack/go-tool.sh" kwok)"
echo "helm=$("$root/hack/go-tool.sh" helm)"

# kwok needs Stage objects to act as kubelets: the same defaults kwokctl uses (node-initialize,
# node-heartbeat-with-lease, pod-ready/complete/delete), taken from the pinned kwok module.
kwok_version="$(awk '$1=="kwok" {print $2}' "$root/hack/tools.versions")"; kwok_version="${kwok_version##*@}"
stages="$cache/kwok-stages-$kwok_version.yaml"
if [[ ! -s "$stages" ]]; then
  kwok_dir="$(cd "${TMPDIR:-/tmp}" && GOFLAGS=-mod=mod go mod download -json "sigs.k8s.io/kwok@$kwok_version" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
  s="$kwok_dir/kustomize/stage"
  for f in "$s/node/fast/node-initialize.yaml" "$s/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml" \
      "$s/pod/fast/pod-ready.yaml" "$s/pod/fast/pod-complete.yaml" "$s/pod/fast/pod-delete.yaml"; do
    echo "---"; cat "$f"
  done > "$stages.tmp"
  mv "$stages.tmp" "$stages"
fi
echo "kwok-stages=$stages"
