#!/usr/bin/env bash
# Stops every process up.sh started (by the PIDs recorded in the state dir) and removes the state dir.
# Idempotent: with nothing running and no state dir it does nothing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"

[[ -d "$state" ]] || exit 0
if [[ ! -f "$state/$STATE_MARKER" ]]; then
  log "$state has no $STATE_MARKER marker; refusing to touch it"; exit 1
fi
for c in "${COMPONENTS[@]}"; do
  if alive "$c"; then
    read -r pid _ < "$state/pids/$c.pid"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do alive "$c" || break; sleep 0.1; done
    if alive "$c"; then log "$c (pid $pid) ignored SIGTERM; killing it"; kill -KILL "$pid" 2>/dev/null || true; fi
    for _ in $(seq 1 50); do alive "$c" || break; sleep 0.1; done
    log "stopped $c (pid $pid)"
  fi
done
rm -rf "$state"
log "removed $state"
