# k8s/host.sh - sourced by ../k8s.sh: the host state a kubelet touches, made safe for
# several clusters on one machine (two test runs at once, a developer's and CI's):
#
# - cgroups: each kubelet gets its own cgroupRoot (/<run dir name>), so its orphan-pod
#   cleanup can never kill another cluster's pods (with a shared /kubepods it does).
# - sysctls the kubelet rewrites, and host dirs it hard-codes (/var/log/pods, ...): saved
#   by the first cluster to attach and restored/removed by the last one to detach,
#   under a lock. A user is live while its run dir exists and its kubelet (if started) runs.

HOST_STATE=$K8S_CACHE/host
SYSCTLS=(vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops
         kernel.keys.root_maxkeys kernel.keys.root_maxbytes)
HOST_DIRS=(/var/log/pods /var/log/containers /var/lib/kubelet)

cgroup_name() { basename "$RUN"; }

cgroup_mounts() { awk '$3 == "cgroup" || $3 == "cgroup2" {print $2}' /proc/mounts; }

cgroup_create() {
  local name h
  name=$(cgroup_name)
  while read -r h; do mkdir -p "$h/$name"; done < <(cgroup_mounts)
  # a new cpuset cgroup starts with no cpus/mems: tasks could not join it
  if [[ -f /sys/fs/cgroup/cpuset/$name/cpuset.cpus ]]; then
    cat /sys/fs/cgroup/cpuset/cpuset.cpus >"/sys/fs/cgroup/cpuset/$name/cpuset.cpus"
    cat /sys/fs/cgroup/cpuset/cpuset.mems >"/sys/fs/cgroup/cpuset/$name/cpuset.mems"
  fi
}

cgroup_remove() {
  local name h
  name=$(cgroup_name)
  [[ -n $name ]] || return 0
  while read -r h; do
    [[ -d $h/$name ]] && { find "$h/$name" -depth -type d -exec rmdir {} \; 2>/dev/null || true; }
  done < <(cgroup_mounts)
  return 0
}

host_user_live() { # user-file
  local run pid
  run=$(<"$1")
  [[ -d $run/pid ]] || return 1
  [[ -f $run/pid/kubelet.pid ]] || return 0 # attached, kubelet not started yet
  pid=$(<"$run/pid/kubelet.pid")
  [[ -e /proc/$pid ]]
}

host_prune() {
  local f
  for f in "$HOST_STATE"/users/*; do
    [[ -e $f ]] || continue
    host_user_live "$f" || rm -f "$f"
  done
}

host_attach() {
  mkdir -p "$HOST_STATE/users"
  (
    flock 9
    host_prune
    if [[ -z $(ls -A "$HOST_STATE/users") ]]; then
      sysctl -n "${SYSCTLS[@]}" >"$HOST_STATE/sysctl.saved" 2>/dev/null || true
      : >"$HOST_STATE/dirs.ours"
      local d
      for d in "${HOST_DIRS[@]}"; do [[ -e $d ]] || echo "$d" >>"$HOST_STATE/dirs.ours"; done
    fi
    echo "$RUN" >"$HOST_STATE/users/$(basename "$RUN")"
  ) 9>"$HOST_STATE/lock"
}

host_detach() {
  [[ -d $HOST_STATE/users ]] || return 0
  (
    flock 9
    rm -f "$HOST_STATE/users/$(basename "$RUN")"
    host_prune
    [[ -z $(ls -A "$HOST_STATE/users") ]] || exit 0
    log "last cluster on this host: restoring sysctls and removing the host dirs kubelets created"
    if [[ -s $HOST_STATE/sysctl.saved ]]; then
      local i=0 v
      while read -r v; do sysctl -qw "${SYSCTLS[$i]}=$v" 2>/dev/null || true; i=$((i + 1)); done \
        <"$HOST_STATE/sysctl.saved"
    fi
    if [[ -s $HOST_STATE/dirs.ours ]]; then
      rm -f /var/lib/kubelet/device-plugins/kubelet.sock /var/lib/kubelet/device-plugins/DEPRECATION
      rmdir /var/lib/kubelet/device-plugins 2>/dev/null || true
      local d
      while read -r d; do rmdir "$d" 2>/dev/null || true; done <"$HOST_STATE/dirs.ours"
    fi
    rm -f "$HOST_STATE/sysctl.saved" "$HOST_STATE/dirs.ours"
  ) 9>"$HOST_STATE/lock"
}
