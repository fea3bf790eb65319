# k8s/down.sh - sourced by ../k8s.sh: `down` (stop by recorded PIDs, remove this cluster's
# pod containers, mounts, host dirs it created), `status`, and the `smoke` test.

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
