# Sourced by hack/demo.sh and hack/demo-real-node.sh: the ports both demos' control planes use (away from the
# tests' defaults, so a demo can run beside a test cluster), and the tools' paths. The caller sets
# PINHOLE_CLUSTER_DIR first (each demo has its own).
export PATH="$PATH:/usr/local/go/bin:/usr/sbin:/sbin"
export PINHOLE_API_PORT="${PINHOLE_API_PORT:-17443}" PINHOLE_ETCD_PORT="${PINHOLE_ETCD_PORT:-17379}" \
  PINHOLE_ETCD_PEER_PORT="${PINHOLE_ETCD_PEER_PORT:-17380}" \
  PINHOLE_CONTROLLER_MANAGER_PORT="${PINHOLE_CONTROLLER_MANAGER_PORT:-17257}" \
  PINHOLE_SCHEDULER_PORT="${PINHOLE_SCHEDULER_PORT:-17259}" PINHOLE_KWOK_PORT="${PINHOLE_KWOK_PORT:-17247}"
