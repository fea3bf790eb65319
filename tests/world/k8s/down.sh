# k8s/down.sh - sourced by ../k8s.sh: `down` (stop by recorded PIDs, remove this cluster's
# pod containers, mounts, host dirs it created), `status`, and the `smoke` test.

# ---------------------------------------------------------------- down
# SIGTERM to every named process at once, then wait for all (15 s, then SIGKILL): stopping
# them one by one cost ~2 s each. Only PIDs recorded by `up` that still run their binary.
stop_procs() { # name...
  local name pid pids=() i
  for name in "$@"; do
    [[ -f $RUN/pid/$name.pid ]] || continue
    pid=$(<"$RUN/pid/$name.pid")
    if proc_alive "$name"; then
      log "stopping $name (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
    rm -f "$RUN/pid/$name.pid"
  done
  for i in $(seq 1 150); do
    alive_pids "${pids[@]}" || return 0
    sleep 0.1
  done
  for pid in "${pids[@]}"; do
    [[ -e /proc/$pid ]] && { log "pid $pid: SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; }
  done
  sleep 0.5
}

alive_pids() { # pid... -> 0 if any is still running (zombies count as gone)
  local pid
  for pid in "$@"; do
    [[ -e /proc/$pid && $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) != Z ]] && return 0
  done
  return 1
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
  stop_procs kube-scheduler kube-controller-manager kubelet
  stop_procs kube-apiserver
  stop_procs etcd
  # leftover pod containers of *this* cluster only, matched by pod UID label: UIDs
  # known to the API plus every pod dir our kubelet created under its --root-dir
  ls "$RUN/kubelet/pods" >>"$RUN/pod-uids" 2>/dev/null || true
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
  # per-pod log dirs/symlinks of our pods
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
  cgroup_remove # empty now: the pod containers are gone
  host_detach   # the last cluster on this host restores sysctls, removes host dirs
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
