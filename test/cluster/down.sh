#!/usr/bin/env bash
# Stops every process up.sh started (by the PIDs recorded in the state dir) and removes the state dir.
# Idempotent: with nothing running and no state dir it does nothing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$here/lib.sh"

[[ -d "$state" ]] || exit 0
if [[ ! -f "$state/$STATE_MARKER" ]]; then
  log "$state has no $STATE_MARKER marker; refusing to touch it"; exit 1
fi
for c in "${COMPONENTS[@]}"; do stop_component "$c"; done
rm -rf "$state"
log "removed $state"
