# k8s/build.sh - sourced by ../k8s.sh: fetch Debian's kubernetes 1.20 source, fix it for
# Go >= 1.18 and sandboxes without CAP_SYS_RESOURCE, build the binaries into $BIN (cached).

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
  (cd "$SRC" && patch -p1 --forward --quiet) <"$HERE/k8s/oom-clamp.patch"
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
