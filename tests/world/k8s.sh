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
# Environment (all optional; the test world sets every port and K8S_RUN itself):
#   K8S_CACHE   cache dir (source, build tree, bin/)  default ~/.cache/harmony-world/k8s-1.20
#   K8S_RUN     run dir for `up`/`down` (state, pki, logs). Without it `up` makes a temp dir
#               and points $K8S_CACHE/current at it, so several clusters never share state.
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
STATE_LINK=$K8S_CACHE/current     # symlink -> run dir of the running cluster

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------- build
apt_deps() {
  local want=(golang-go etcd-server rsync dpkg-dev openssl busybox-static curl ca-certificates
              golang-github-modern-go-reflect2-dev socat)
  # docker.io is deliberately not auto-installed: its default docker0 bridge would claim a
  # private range. Install/configure dockerd yourself (e.g. --bridge=none --iptables=false).
  command -v docker >/dev/null || log "WARNING: no docker CLI/daemon; only K8S_NODE=0 will work"
  local missing=() p
  for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  if ((${#missing[@]})); then
    log "apt-get install ${missing[*]}"
    [[ $EUID -eq 0 ]] || die "need root to install ${missing[*]}"
    apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

ensure_deb_src() {
  # apt-get source needs a deb-src entry; add one for the running suite if none exists
  if apt-get indextargets --format '$(IDENTIFIER)' 2>/dev/null | grep -qx Sources; then return; fi
  local codename; codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
  log "adding deb-src for $codename"
  cat >/etc/apt/sources.list.d/k8s-local-debsrc.sources <<EOF
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $codename
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  apt-get update >/dev/null
}

fetch_source() {
  [[ -f $SRC/.unpacked ]] && return
  local dsc=${K8S_DSC:-}
  if [[ -z $dsc ]]; then
    mkdir -p "$K8S_CACHE/dl"
    dsc=$(ls "$K8S_CACHE"/dl/kubernetes_*.dsc 2>/dev/null | head -1 || true)
    if [[ -z $dsc ]]; then
      ensure_deb_src
      log "apt-get source --download-only kubernetes"
      (cd "$K8S_CACHE/dl" && apt-get source --download-only kubernetes >/dev/null 2>&1) || die "apt-get source failed"
      dsc=$(ls "$K8S_CACHE"/dl/kubernetes_*.dsc | head -1)
    fi
  fi
  rm -rf "$SRC"
  log "dpkg-source -x $dsc (applies debian/patches)"
  dpkg-source --no-copy -x "$dsc" "$SRC" >/dev/null
  touch "$SRC/.unpacked"
}

fix_vendor() {
  # k8s 1.20 vendors modern-go/reflect2 v1.0.1, which crashes under Go >= 1.18
  # ("unexpected fault address" in mapiterinit as soon as json-iterator encodes a map,
  # e.g. on the first custom resource or labelled object).  Swap in Debian's v1.0.2.
  [[ -f $SRC/.reflect2-fixed ]] && return
  local v=$SRC/vendor/github.com/modern-go/reflect2 d=/usr/share/gocode/src/github.com/modern-go/reflect2
  [[ -f $d/go_above_118.go ]] || die "$d missing (golang-github-modern-go-reflect2-dev)"
  log "vendor: modern-go/reflect2 v1.0.1 -> Debian's v1.0.2 (Go 1.18+ fix)"
  rm -f "$v"/*.go "$v"/*.s "$v"/test.sh "$v"/Gopkg.*
  cp "$d"/*.go "$d"/*.s "$v"/
  touch "$SRC/.reflect2-fixed"
}

patch_dockershim() {
  # dockershim always requests oom_score_adj=-998 for the pause container; without
  # CAP_SYS_RESOURCE in the bounding set runc cannot lower it and every sandbox fails
  # ("can't get final child's PID from pipe: EOF").  Clamp at runtime when the cap is absent.
  [[ -f $SRC/.oom-clamp-patched ]] && return
  log "patching dockershim: clamp oom_score_adj when CAP_SYS_RESOURCE is unavailable"
  (cd "$SRC" && patch -p1 --forward --quiet) <<'PATCH_EOF'
diff -Naur a/pkg/kubelet/dockershim/libdocker/kube_docker_client.go b/pkg/kubelet/dockershim/libdocker/kube_docker_client.go
--- a/pkg/kubelet/dockershim/libdocker/kube_docker_client.go
+++ b/pkg/kubelet/dockershim/libdocker/kube_docker_client.go
@@ -145,6 +145,7 @@
 	if opts.HostConfig != nil && opts.HostConfig.ShmSize <= 0 {
 		opts.HostConfig.ShmSize = defaultShmSize
 	}
+	clampOOMScoreAdj(opts.HostConfig)
 	createResp, err := d.client.ContainerCreate(ctx, opts.Config, opts.HostConfig, opts.NetworkingConfig, opts.Name)
 	if ctxErr := contextError(ctx); ctxErr != nil {
 		return nil, ctxErr
diff -Naur a/pkg/kubelet/dockershim/libdocker/oom_clamp.go b/pkg/kubelet/dockershim/libdocker/oom_clamp.go
--- a/pkg/kubelet/dockershim/libdocker/oom_clamp.go
+++ b/pkg/kubelet/dockershim/libdocker/oom_clamp.go
@@ -0,0 +1,56 @@
+// +build !dockerless
+
+package libdocker
+
+import (
+	"io/ioutil"
+	"os"
+	"strconv"
+	"strings"
+	"sync"
+
+	dockercontainer "github.com/docker/docker/api/types/container"
+	"k8s.io/klog/v2"
+)
+
+// Local-cluster patch: lowering oom_score_adj below the inherited value needs
+// CAP_SYS_RESOURCE.  Where the capability bounding set lacks it (some VMs and
+// sandboxes), runc fails every pod sandbox (dockershim always asks for -998) with
+// "can't get final child's PID from pipe: EOF".  In that case clamp negative
+// values to 0.  KUBELET_DOCKERSHIM_MIN_OOM_SCORE_ADJ overrides the floor.
+var (
+	minOOMOnce  sync.Once
+	minOOMValue = -1000
+)
+
+func minOOMScoreAdj() int {
+	minOOMOnce.Do(func() {
+		if v := os.Getenv("KUBELET_DOCKERSHIM_MIN_OOM_SCORE_ADJ"); v != "" {
+			if n, err := strconv.Atoi(v); err == nil {
+				minOOMValue = n
+				return
+			}
+		}
+		data, err := ioutil.ReadFile("/proc/self/status")
+		if err != nil {
+			return
+		}
+		for _, line := range strings.Split(string(data), "\n") {
+			if !strings.HasPrefix(line, "CapBnd:") {
+				continue
+			}
+			caps, err := strconv.ParseUint(strings.TrimSpace(strings.TrimPrefix(line, "CapBnd:")), 16, 64)
+			if err == nil && caps&(1<<24) == 0 { // CAP_SYS_RESOURCE
+				minOOMValue = 0
+				klog.Warningf("CAP_SYS_RESOURCE is not in the bounding set: clamping container oom_score_adj to >= 0")
+			}
+		}
+	})
+	return minOOMValue
+}
+
+func clampOOMScoreAdj(hc *dockercontainer.HostConfig) {
+	if hc != nil && hc.OomScoreAdj < minOOMScoreAdj() {
+		hc.OomScoreAdj = minOOMScoreAdj()
+	}
+}
PATCH_EOF
  touch "$SRC/.oom-clamp-patched"
}

cmd_build() {
  apt_deps
  mkdir -p "$BIN"
  local todo=() b
  for b in $K8S_BINS; do [[ -x $BIN/$b ]] || todo+=("cmd/$b"); done
  if ((${#todo[@]} == 0)); then log "all binaries cached in $BIN"; return; fi
  fetch_source
  fix_vendor
  patch_dockershim
  log "make WHAT=\"${todo[*]}\" (Debian-style GOPATH build; first build ~10-15 min/2 cores)"
  (
    cd "$SRC"
    mkdir -p .go/src/k8s.io "$K8S_CACHE/home"
    [[ -L .go/src/k8s.io/kubernetes ]] || ln -s ../../.. .go/src/k8s.io/kubernetes
    export GOPATH=$SRC/.go CGO_ENABLED=0 HOME=$K8S_CACHE/home PATH=/usr/lib/go/bin:$PATH
    unset GOFLAGS GO111MODULE GOROOT
    local t0=$SECONDS
    make WHAT="${todo[*]}" >"$K8S_CACHE/build.log" 2>&1 || { tail -30 "$K8S_CACHE/build.log"; exit 1; }
    log "make took $((SECONDS - t0))s (log: $K8S_CACHE/build.log)"
  )
  for b in "${todo[@]}"; do
    install -m755 "$SRC/_output/bin/${b#cmd/}" "$BIN/${b#cmd/}"
  done
  log "binaries: $(cd "$BIN" && echo *)"
}

# ---------------------------------------------------------------- pki / kubeconfig
gen_pki() {
  local d=$1/pki; mkdir -p "$d"; (
  cd "$d"; umask 077
  openssl req -x509 -new -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt \
    -subj /CN=k8s-local-ca -days 3650 2>/dev/null
  leaf() { # name subject extraExt
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
    printf '%s\n' basicConstraints=CA:FALSE "keyUsage=critical,digitalSignature,keyEncipherment" "$3" >"$1.ext"
    openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -sha256 \
      -extfile "$1.ext" -out "$1.crt" 2>/dev/null
    rm -f "$1.csr" "$1.ext"
  }
  leaf apiserver /CN=kube-apiserver "extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:$SERVICE_IP"
  leaf admin "/O=system:masters/CN=kubernetes-admin" extendedKeyUsage=clientAuth
  leaf apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" extendedKeyUsage=clientAuth
  leaf controller-manager /CN=system:kube-controller-manager extendedKeyUsage=clientAuth
  leaf scheduler /CN=system:kube-scheduler extendedKeyUsage=clientAuth
  leaf kubelet-client "/O=system:nodes/CN=system:node:$NODE_NAME" extendedKeyUsage=clientAuth
  leaf kubelet-server "/CN=$NODE_NAME" "extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost"
  openssl genrsa -out sa.key 2048 2>/dev/null
  openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  )
}

write_kubeconfig() { # file cert-basename
  local pki=$RUN/pki
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: k8s-local
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority-data: $(base64 -w0 "$pki/ca.crt")
users:
- name: $2
  user:
    client-certificate-data: $(base64 -w0 "$pki/$2.crt")
    client-key-data: $(base64 -w0 "$pki/$2.key")
contexts:
- name: k8s-local
  context: {cluster: k8s-local, user: $2}
current-context: k8s-local
EOF
  chmod 600 "$1"
}

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

# ---------------------------------------------------------------- images
ensure_images() {
  local bb=/bin/busybox
  [[ -x $bb ]] || die "busybox-static not installed"
  file_is_static() { ! ldd "$1" >/dev/null 2>&1; }
  file_is_static "$bb" || die "$bb is not static"
  local tmp; tmp=$(mktemp -d "$RUN/img.XXXX")
  mkdir -p "$tmp/bin"; cp "$bb" "$tmp/bin/busybox"
  for a in sh sleep ls cat echo httpd wget env id hostname ps date; do ln -sf busybox "$tmp/bin/$a"; done
  if ! docker image inspect "$PAUSE_IMAGE" >/dev/null 2>&1; then
    log "docker import $PAUSE_IMAGE"
    tar -C "$tmp" -c bin | docker import \
      -c 'ENTRYPOINT ["/bin/busybox","sh","-c","trap \"exit 0\" TERM INT; while :; do /bin/busybox sleep 3600 & wait $!; done"]' \
      - "$PAUSE_IMAGE" >/dev/null
  fi
  if ! docker image inspect "$BUSYBOX_IMAGE" >/dev/null 2>&1; then
    log "docker import $BUSYBOX_IMAGE"
    tar -C "$tmp" -c bin | docker import -c 'ENV PATH=/bin' -c 'CMD ["/bin/sh"]' - "$BUSYBOX_IMAGE" >/dev/null
  fi
  rm -rf "$tmp"
}

# ---------------------------------------------------------------- up
cmd_up() {
  local b
  [[ -x $BIN/kube-apiserver ]] || die "$BIN/kube-apiserver missing: run '$0 build'"
  [[ -x $KUBECTL ]] || die "no kubectl: run '$0 build'"
  for b in kube-controller-manager kube-scheduler; do [[ -x $BIN/$b ]] || die "$BIN/$b missing: run '$0 build'"; done
  if ((K8S_NODE)); then
    [[ -x $BIN/kubelet ]] || die "$BIN/kubelet missing: run '$0 build' (or K8S_NODE=0)"
    docker info >/dev/null 2>&1 || die "docker daemon not reachable (needed by the kubelet's dockershim)"
    [[ $EUID -eq 0 ]] || die "the kubelet needs root (or use K8S_NODE=0)"
  fi
  command -v etcd >/dev/null || die "etcd missing (apt-get install etcd-server)"
  if [[ -L $STATE_LINK ]]; then
    RUN=$(readlink -f "$STATE_LINK")
    if [[ -d $RUN ]] && proc_alive kube-apiserver; then
      log "already up ($RUN)"; echo "export KUBECONFIG=$RUN/admin.kubeconfig"; return 0
    fi
    log "stale state $RUN: cleaning up"; cmd_down
  fi
  local port busy=()
  for port in $ETCD_PORT $ETCD_PEER_PORT $API_PORT $KCM_PORT $SCHED_PORT $( ((K8S_NODE)) && echo $KUBELET_PORT $KUBELET_HEALTHZ_PORT); do
    ss -Htln "sport = :$port" | grep -q . && busy+=("$port")
  done
  ((${#busy[@]} == 0)) || die "ports already in use: ${busy[*]} (override ETCD_PORT, API_PORT, ... )"
  local t0=$SECONDS
  mkdir -p "$K8S_CACHE"
  RUN=$(mktemp -d "${TMPDIR:-/tmp}/k8s-local.XXXXXX")
  chmod 755 "$RUN"
  mkdir -p "$RUN"/{pid,log,etcd,kubelet,dockershim}
  ln -sfn "$RUN" "$STATE_LINK"
  # on any failure: stop whatever was started, keep the logs
  trap 'rc=$?; trap - EXIT; if ((rc)); then log "up failed; stopping what was started (logs kept in $RUN/log)"; K8S_KEEP=1 cmd_down; fi; exit $rc' EXIT
  gen_pki "$RUN"
  local n; for n in admin controller-manager scheduler kubelet-client; do write_kubeconfig "$RUN/$n.kubeconfig" "$n"; done
  local P=$RUN/pki

  start_proc etcd "$(command -v etcd)" --name local --data-dir "$RUN/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "local=http://127.0.0.1:$ETCD_PEER_PORT" --initial-cluster-state new
  wait_for etcd 30 curl -sf "http://127.0.0.1:$ETCD_PORT/health"

  start_proc kube-apiserver "$BIN/kube-apiserver" \
    --advertise-address=127.0.0.1 --bind-address=127.0.0.1 --secure-port="$API_PORT" --insecure-port=0 \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --service-cluster-ip-range="$SERVICE_CIDR" --endpoint-reconciler-type=none \
    --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction --allow-privileged=true \
    --client-ca-file="$P/ca.crt" --tls-cert-file="$P/apiserver.crt" --tls-private-key-file="$P/apiserver.key" \
    --kubelet-client-certificate="$P/apiserver-kubelet-client.crt" --kubelet-client-key="$P/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority="$P/ca.crt" --kubelet-preferred-address-types=InternalIP,Hostname \
    --service-account-key-file="$P/sa.pub" --service-account-signing-key-file="$P/sa.key" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --profiling=false --v=1
  wait_for kube-apiserver 90 bash -c "curl -sf --cacert $P/ca.crt --cert $P/admin.crt --key $P/admin.key https://127.0.0.1:$API_PORT/readyz || { kill -0 \$(<$RUN/pid/kube-apiserver.pid) || exit 0; exit 1; }"
  check_alive etcd kube-apiserver

  start_proc kube-controller-manager "$BIN/kube-controller-manager" \
    --kubeconfig="$RUN/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$RUN/controller-manager.kubeconfig" --authorization-kubeconfig="$RUN/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$KCM_PORT" --port=0 --leader-elect=false \
    --service-account-private-key-file="$P/sa.key" --root-ca-file="$P/ca.crt" --use-service-account-credentials=true \
    --cluster-signing-cert-file="$P/ca.crt" --cluster-signing-key-file="$P/ca.key" \
    --service-cluster-ip-range="$SERVICE_CIDR" --profiling=false --v=1
  start_proc kube-scheduler "$BIN/kube-scheduler" \
    --kubeconfig="$RUN/scheduler.kubeconfig" \
    --authentication-kubeconfig="$RUN/scheduler.kubeconfig" --authorization-kubeconfig="$RUN/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$SCHED_PORT" --port=0 --leader-elect=false --profiling=false --v=1

  if ((K8S_NODE)); then
    ensure_images
    # kubelet creates /kubepods in every cgroup v1 hierarchy; remove it on `down` if it is ours
    compgen -G '/sys/fs/cgroup/*/kubepods' >/dev/null || touch "$RUN/kubepods-cgroups.ours"
    # kubelet 1.20 also hard-codes /var/log/pods, /var/log/containers, /var/lib/kubelet/device-plugins
    local d; for d in /var/log/pods /var/log/containers /var/lib/kubelet; do
      [[ -e $d ]] || echo "$d" >>"$RUN/host-dirs.ours"; done
    ls /var/log/pods >"$RUN/varlogpods.before" 2>/dev/null || true
    # kubelet rewrites these sysctls (protectKernelDefaults=false); save them so `down` can restore
    sysctl -n vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops \
      kernel.keys.root_maxkeys kernel.keys.root_maxbytes >"$RUN/sysctl.saved" 2>/dev/null || true
    cat >"$RUN/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 127.0.0.1
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $KUBELET_HEALTHZ_PORT
cgroupDriver: $(docker info --format '{{.CgroupDriver}}' 2>/dev/null || echo cgroupfs)
failSwapOn: false
makeIPTablesUtilChains: false
tlsCertFile: $P/kubelet-server.crt
tlsPrivateKeyFile: $P/kubelet-server.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $P/ca.crt}
authorization: {mode: Webhook}
clusterDomain: cluster.local
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "100Mi", nodefs.available: "2%", imagefs.available: "2%"}
EOF
    start_proc kubelet "$BIN/kubelet" --config="$RUN/kubelet.yaml" \
      --kubeconfig="$RUN/kubelet-client.kubeconfig" --hostname-override="$NODE_NAME" \
      --container-runtime=docker --docker-endpoint="$DOCKER_HOST" \
      --pod-infra-container-image="$PAUSE_IMAGE" \
      --root-dir="$RUN/kubelet" --cert-dir="$RUN/pki" \
      --experimental-dockershim-root-directory="$RUN/dockershim" --v=1
    wait_for "node $NODE_NAME Ready" 120 bash -c \
      "[[ \$('$KUBECTL' --kubeconfig '$RUN/admin.kubeconfig' get node $NODE_NAME -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}') == True ]]"
    check_alive kubelet
  fi
  wait_for kube-controller-manager 60 curl -skf "https://127.0.0.1:$KCM_PORT/healthz"
  wait_for kube-scheduler 60 curl -skf "https://127.0.0.1:$SCHED_PORT/healthz"
  wait_for "default serviceaccount" 60 "$KUBECTL" --kubeconfig "$RUN/admin.kubeconfig" get sa default -n default
  check_alive etcd kube-apiserver kube-controller-manager kube-scheduler
  trap - EXIT
  log "up in $((SECONDS - t0))s; run dir $RUN"
  echo "export KUBECONFIG=$RUN/admin.kubeconfig"
}

# ---------------------------------------------------------------- down
stop_proc() { # name
  local name=$1 pid i
  [[ -f $RUN/pid/$name.pid ]] || return 0
  pid=$(<"$RUN/pid/$name.pid")
  if proc_alive "$name"; then
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 30); do [[ -e /proc/$pid ]] || break; sleep 0.5; done
    if [[ -e /proc/$pid ]]; then log "$name: SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; sleep 0.5; fi
  fi
  rm -f "$RUN/pid/$name.pid"
}

cmd_down() {
  if [[ -z ${RUN:-} ]]; then
    [[ -L $STATE_LINK ]] || { log "nothing running (no $STATE_LINK)"; return 0; }
    RUN=$(readlink -f "$STATE_LINK")
  fi
  [[ -d $RUN/pid ]] || { rm -f "$STATE_LINK"; log "state dir $RUN gone"; return 0; }
  # remember this cluster's pod UIDs so their docker containers can be removed afterwards
  if proc_alive kube-apiserver; then
    kc get pods -A -o jsonpath='{range .items[*]}{.metadata.uid}{"\n"}{end}' >>"$RUN/pod-uids" 2>/dev/null || true
  fi
  local n
  for n in kube-scheduler kube-controller-manager; do stop_proc "$n"; done
  for n in kubelet kube-apiserver etcd; do stop_proc "$n"; done
  # leftover pod containers of *this* cluster only, matched by pod UID label: UIDs
  # known to the API plus every pod dir our kubelet created under its --root-dir
  ls "$RUN/kubelet/pods" >>"$RUN/pod-uids" 2>/dev/null || true
  # ... plus pods whose /var/log/pods/<ns>_<name>_<uid> dir appeared while we were up
  local e
  if [[ -d /var/log/pods && -d $RUN/kubelet ]]; then
    comm -13 <(sort "$RUN/varlogpods.before" 2>/dev/null) <(ls /var/log/pods | sort) | while read -r e; do
      echo "${e##*_}"; done >>"$RUN/pod-uids"
  fi
  if [[ -s $RUN/pod-uids ]] && command -v docker >/dev/null; then
    local uid ids
    sort -u "$RUN/pod-uids" | while read -r uid; do
      [[ -n $uid ]] || continue
      ids=$(docker ps -aq --filter "label=io.kubernetes.pod.uid=$uid" 2>/dev/null || true)
      [[ -z $ids ]] || docker rm -f $ids >/dev/null 2>&1 || true
    done
  fi
  # unmount kubelet volume mounts (secrets are tmpfs) below the run dir, deepest first
  local m
  awk -v r="$RUN/" 'index($2, r) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done
  # per-pod log dirs/symlinks of our pods, then host dirs that `up` created (if empty)
  if [[ -s $RUN/pod-uids ]]; then
    local l
    sort -u "$RUN/pod-uids" | while read -r uid; do
      [[ -n $uid ]] || continue
      for l in /var/log/containers/*; do
        [[ -L $l && $(readlink "$l") == /var/log/pods/*_"$uid"/* ]] && rm -f "$l"
      done
      rm -rf /var/log/pods/*_"$uid"
    done
  fi
  if [[ -f $RUN/host-dirs.ours ]]; then
    rm -f /var/lib/kubelet/device-plugins/kubelet.sock /var/lib/kubelet/device-plugins/DEPRECATION
    rmdir /var/lib/kubelet/device-plugins 2>/dev/null || true
    while read -r d; do rmdir "$d" 2>/dev/null || true; done <"$RUN/host-dirs.ours"
  fi
  if [[ -f $RUN/kubepods-cgroups.ours ]]; then
    find /sys/fs/cgroup/*/kubepods -depth -type d -exec rmdir {} \; 2>/dev/null || true
  fi
  if [[ -s $RUN/sysctl.saved ]]; then
    local keys=(vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys kernel.keys.root_maxbytes) i=0 v
    while read -r v; do sysctl -qw "${keys[$i]}=$v" 2>/dev/null || true; i=$((i + 1)); done <"$RUN/sysctl.saved"
  fi
  rm -f "$STATE_LINK"
  if [[ $K8S_KEEP == 1 ]]; then
    log "down; kept $RUN"
  elif awk -v r="$RUN/" 'index($2, r) == 1 {f=1} END {exit !f}' /proc/mounts; then
    log "down; mounts remain below $RUN, not deleting it"
  else
    rm -rf "$RUN"; log "down; removed $RUN"
  fi
}

cmd_status() {
  [[ -L $STATE_LINK ]] || { echo "down"; return 0; }
  RUN=$(readlink -f "$STATE_LINK")
  local n
  for n in etcd kube-apiserver kube-controller-manager kube-scheduler kubelet; do
    [[ -f $RUN/pid/$n.pid ]] || continue
    if proc_alive "$n"; then echo "$n: running pid $(<"$RUN/pid/$n.pid") rss_peak=$(awk '/VmHWM/{print $2$3}' /proc/$(<"$RUN/pid/$n.pid")/status)"
    else echo "$n: DEAD"; fi
  done
  echo "export KUBECONFIG=$RUN/admin.kubeconfig"
}

# ---------------------------------------------------------------- smoke test
cmd_smoke() {
  [[ -L $STATE_LINK ]] || die "not up"
  RUN=$(readlink -f "$STATE_LINK")
  local port=${SMOKE_PORT:-18080} t0=$SECONDS
  kc get ns
  kc apply -f - <<EOF
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: smokes.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: smokes, singular: smoke, kind: Smoke}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, properties: {spec: {type: object, properties: {n: {type: integer}}}}}}
EOF
  kc wait --for=condition=Established crd/smokes.example.com --timeout=30s
  echo '{"apiVersion":"example.com/v1","kind":"Smoke","metadata":{"name":"s1"},"spec":{"n":1}}' | kc apply -f -
  kc get smokes
  if ! proc_alive kubelet; then log "no kubelet: skipping pod checks"; return 0; fi
  kc apply -f - <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: {name: smoke-web}
spec:
  replicas: 1
  selector: {matchLabels: {app: smoke-web}}
  template:
    metadata: {labels: {app: smoke-web}}
    spec:
      hostNetwork: true
      terminationGracePeriodSeconds: 1
      containers:
      - name: web
        image: $BUSYBOX_IMAGE
        imagePullPolicy: IfNotPresent
        command: ["sh", "-c", "mkdir -p /www && echo smoke-ok > /www/index.html && exec httpd -f -p 127.0.0.1:$port -h /www"]
        readinessProbe: {httpGet: {host: 127.0.0.1, port: $port, path: /}, periodSeconds: 1}
EOF
  kc rollout status deploy/smoke-web --timeout=120s
  kc get pods -o wide -l app=smoke-web
  [[ $(curl -sf "http://127.0.0.1:$port/") == smoke-ok ]] || die "hostNetwork pod not serving on 127.0.0.1:$port"
  kc logs deploy/smoke-web >/dev/null && kc exec deploy/smoke-web -- sh -c 'echo exec-ok' | grep -q exec-ok || die "logs/exec failed"
  kc delete deploy/smoke-web --wait=true >/dev/null
  kc delete crd smokes.example.com >/dev/null
  log "smoke test passed in $((SECONDS - t0))s (CRD+CR, Deployment rollout, hostNetwork pod on 127.0.0.1:$port, logs, exec)"
}

case ${1:-} in
  build) cmd_build ;;
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  smoke) cmd_smoke ;;
  env) [[ -L $STATE_LINK ]] && echo "export KUBECONFIG=$(readlink -f "$STATE_LINK")/admin.kubeconfig" ;;
  *) echo "usage: $0 build|up|down|status|smoke|env" >&2; exit 2 ;;
esac
