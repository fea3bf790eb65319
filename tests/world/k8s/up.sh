# k8s/up.sh - sourced by ../k8s.sh: pki, kubeconfigs, local images, and `up`.

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

# Process helpers (start_proc, proc_alive, wait_for, kc, check_alive) come from ../k8s.sh, which sources this file.

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
    host_attach   # shared host state (sysctls, /var/log/pods, ...): see k8s/host.sh
    cgroup_create # this cluster's own cgroupRoot
    cat >"$RUN/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 127.0.0.1
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $KUBELET_HEALTHZ_PORT
cgroupRoot: /$(cgroup_name)
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
      --container-runtime-endpoint="unix://$RUN/dockershim.sock" \
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
