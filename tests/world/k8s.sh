#!/usr/bin/env bash
# k8s.sh - harmony's test-world Kubernetes 1.20: a loopback-only cluster built from
# Debian's own "kubernetes" source package (bookworm: 1.20.5+really1.20.2).
# Adapted from the shared local-cluster recipe so the project is self-contained.
#
#   k8s.sh build   fetch+unpack source, build binaries into $K8S_CACHE/bin (cached: only
#                  the first build pays ~11 min on 2 cores)
#   k8s.sh up      etcd + kube-apiserver + controller-manager + scheduler + kubelet
#                  (dockershim -> the dockerd at $DOCKER_HOST), all on 127.0.0.1; waits
#                  until ready; prints `export KUBECONFIG=...`
#   k8s.sh down    stops exactly the PIDs recorded by `up`, removes this cluster's pod
#                  containers, unmounts, deletes the run dir
#   k8s.sh status | smoke | env
#
# Environment (all optional; the test world sets every port, the link and TMPDIR itself):
#   K8S_CACHE   cache dir (source, build tree, bin/)  default ~/.cache/harmony-world/k8s-1.20
#   K8S_STATE_LINK  symlink `up` points at its run dir (mktemp under $TMPDIR: state, pki,
#               logs) and `down` reads  default $K8S_CACHE/current. The test world gives each
#               run its own link and TMPDIR, so clusters of different runs never share state.
#   DOCKER_HOST the dockerd the kubelet runs pods through  default unix:///var/run/docker.sock
#   K8S_DSC, K8S_BINS, K8S_NODE (0 = no kubelet), K8S_KEEP (1 = keep run dir after down)
#   ETCD_PORT ETCD_PEER_PORT API_PORT KCM_PORT SCHED_PORT KUBELET_PORT KUBELET_HEALTHZ_PORT
#   SERVICE_CIDR  virtual service range (never routed; no kube-proxy)  default 10.0.0.0/24
#
# Network: every listener is bound to 127.0.0.1; no docker bridge, no CNI, no kube-proxy.
# Only hostNetwork pods carry traffic: never connect to a Service ClusterIP.
set -euo pipefail

K8S_CACHE=${K8S_CACHE:-$HOME/.cache/harmony-world/k8s-1.20}
export DOCKER_HOST=${DOCKER_HOST:-unix:///var/run/docker.sock}
K8S_BINS=${K8S_BINS:-"kube-apiserver kube-controller-manager kube-scheduler kubelet kubectl"}
K8S_NODE=${K8S_NODE:-1}
K8S_KEEP=${K8S_KEEP:-0}
ETCD_PORT=${ETCD_PORT:-23790}
ETCD_PEER_PORT=${ETCD_PEER_PORT:-23800}
API_PORT=${API_PORT:-6443}
KCM_PORT=${KCM_PORT:-10257}
SCHED_PORT=${SCHED_PORT:-10259}
KUBELET_PORT=${KUBELET_PORT:-10250}
KUBELET_HEALTHZ_PORT=${KUBELET_HEALTHZ_PORT:-10248}
SERVICE_CIDR=${SERVICE_CIDR:-10.0.0.0/24}
SERVICE_IP=${SERVICE_IP:-10.0.0.1}
NODE_NAME=127.0.0.1           # hostname-override as an IP => node InternalIP 127.0.0.1
PAUSE_IMAGE=k8s-local/pause:1.0
BUSYBOX_IMAGE=k8s-local/busybox:1.0

BIN=$K8S_CACHE/bin
SRC=$K8S_CACHE/src
STATE_LINK=${K8S_STATE_LINK:-$K8S_CACHE/current}  # symlink -> run dir of the running cluster

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }


# ---------------------------------------------------------------- process helpers
start_proc() { # name binary args...
  local name=$1; shift
  log "starting $name"
  nohup "$@" >"$RUN/log/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN/pid/$name.pid"
  echo "$1" >"$RUN/pid/$name.exe"
}

proc_alive() { # name -> 0 if recorded PID is alive and still runs the recorded binary
  local f=$RUN/pid/$1.pid pid exe
  [[ -f $f ]] || return 1
  pid=$(<"$f"); exe=$(<"$RUN/pid/$1.exe")
  [[ -e /proc/$pid ]] || return 1
  [[ $(readlink -f "/proc/$pid/exe" 2>/dev/null) == "$(readlink -f "$exe")" ]]
}

wait_for() { # description timeout-seconds command...
  local what=$1 t=$2; shift 2
  local end=$((SECONDS + t))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= end)); then die "timeout waiting for $what (logs: $RUN/log)"; fi
    sleep 1
  done
  log "$what ready"
}

KUBECTL=${KUBECTL:-$BIN/kubectl}
[[ -x $KUBECTL ]] || KUBECTL=$(command -v kubectl || echo "$BIN/kubectl")
kc() { "$KUBECTL" --kubeconfig "$RUN/admin.kubeconfig" "$@"; }

check_alive() { local n; for n in "$@"; do proc_alive "$n" || { tail -20 "$RUN/log/$n.log" >&2; die "$n died"; }; done; }

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=k8s/build.sh
source "$HERE/k8s/build.sh"
# shellcheck source=k8s/host.sh
source "$HERE/k8s/host.sh"
# shellcheck source=k8s/up.sh
source "$HERE/k8s/up.sh"
# shellcheck source=k8s/down.sh
source "$HERE/k8s/down.sh"

case ${1:-} in
  build) cmd_build ;;
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  smoke) cmd_smoke ;;
  env) [[ -L $STATE_LINK ]] && echo "export KUBECONFIG=$(readlink -f "$STATE_LINK")/admin.kubeconfig" ;;
  *) echo "usage: $0 build|up|down|status|smoke|env" >&2; exit 2 ;;
esac
