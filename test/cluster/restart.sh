#!/usr/bin/env bash
# Restarts components of the running local cluster with the command lines up.sh used, keeping their state (etcd
# data, certificates), and waits until each is healthy again. For e2e tests of restarts.
# Usage: test/cluster/restart.sh COMPONENT...   (etcd kube-apiserver kube-controller-manager kube-scheduler kwok)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$here/lib.sh"
(($#)) || { echo "usage: $0 COMPONENT... (one of: ${COMPONENTS[*]})" >&2; exit 2; }
[[ -f "$state/$STATE_MARKER" ]] || { log "no cluster in $state (run up.sh)"; exit 1; }
for c in "$@"; do
  [[ -f "$state/cmd/$c" ]] || { log "no recorded command line for $c"; exit 2; }
  mapfile -d '' -t cmd < "$state/cmd/$c"
  stop_component "$c"
  start "$c" "${cmd[@]}"
  wait_ready "$c" 180
done
