#!/usr/bin/env bash
# A real Kubernetes API server (1.20.2, built from Debian's `kubernetes` source package) plus etcd,
# for kube-rx's integration tier. See /work/shared/kube/RECIPE.md for why it is done this way.
#
#   scripts/kube-apiserver.sh build                  build (once) and cache the kube-apiserver binary
#   scripts/kube-apiserver.sh start DIR              start etcd + kube-apiserver, write DIR/kubeconfig-*.yaml, DIR/env
#   scripts/kube-apiserver.sh stop DIR               stop both (TERM, then KILL), wait until gone
#   scripts/kube-apiserver.sh compact DIR            compact etcd to its current revision
#   scripts/kube-apiserver.sh restart-apiserver DIR  restart only kube-apiserver, same port and flags
#   scripts/kube-apiserver.sh bin                    print the cached binary's path
#
# Environment:
#   KUBE_RX_CACHE           cache root (default $HOME/.cache/kube-rx); the binary, the Debian source
#                           and the Go build cache live in $KUBE_RX_CACHE/kube-apiserver-1.20.2/
#   KUBE_RX_WATCH_CACHE     `false` starts kube-apiserver with --watch-cache=false (needed for
#                           in-stream 410s after `compact`); default true
#   KUBE_RX_READY_TIMEOUT   seconds to wait for /readyz (default 60)
set -euo pipefail

readonly KUBE_VERSION=1.20.2
# The Debian source version that really is Kubernetes 1.20.2 (bookworm).
readonly DEB_SRC_VERSION_MATCH='really1.20.2'
readonly CACHE_ROOT="${KUBE_RX_CACHE:-${HOME:-/root}/.cache/kube-rx}"
readonly CACHE_DIR="$CACHE_ROOT/kube-apiserver-$KUBE_VERSION"
readonly BIN="$CACHE_DIR/kube-apiserver"
readonly PACKAGES=(golang-go etcd-server etcd-client rsync jq golang-github-modern-go-reflect2-dev
  openssl curl dpkg-dev ca-certificates)
readonly REFLECT2_DEBIAN=/usr/share/gocode/src/github.com/modern-go/reflect2
readonly READY_TIMEOUT="${KUBE_RX_READY_TIMEOUT:-60}"

log() { printf '[kube-apiserver.sh %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() {
  printf '[kube-apiserver.sh] ERROR: %s\n' "$*" >&2
  exit 1
}

# Run a command as root: directly when we are root, else through passwordless sudo.
as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -n "$@"
  else
    die "need root (or passwordless sudo) to run: $*"
  fi
}

apt_updated=false
apt_update() {
  if [[ $apt_updated == false ]]; then
    log "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq || die "apt-get update failed"
    apt_updated=true
  fi
}

# ---------------------------------------------------------------------------------------------
# build
# ---------------------------------------------------------------------------------------------

# Step 1: install the Debian packages that are missing (non-interactive).
ensure_packages() {
  local missing=() p
  for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$p")
    fi
  done
  if ((${#missing[@]} == 0)); then
    log "Debian packages present"
    return
  fi
  apt_update
  log "installing Debian packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    || die "apt-get install ${missing[*]} failed"
}

# Step 2: make sure apt knows bookworm's source packages (a deb-src entry), adding one if missing.
ensure_deb_src() {
  if apt-cache showsrc kubernetes 2>/dev/null | grep -q '^Package: kubernetes'; then
    return
  fi
  # A refreshed index may already be enough (a deb-src entry present but never fetched).
  apt_update
  if apt-cache showsrc kubernetes 2>/dev/null | grep -q '^Package: kubernetes'; then
    return
  fi
  local list=/etc/apt/sources.list.d/kube-rx-deb-src.sources
  log "adding a deb-src entry for bookworm: $list"
  if [[ -f /etc/apt/sources.list.d/debian.sources ]] && grep -q '^Types: deb$' /etc/apt/sources.list.d/debian.sources; then
    # The stock deb822 file, copied with Types: deb-src.
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources | as_root tee "$list" >/dev/null
  else
    printf '%s\n' 'Types: deb-src' 'URIs: http://deb.debian.org/debian' 'Suites: bookworm bookworm-updates' \
      'Components: main' 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' | as_root tee "$list" >/dev/null
  fi
  apt_updated=false
  apt_update
  apt-cache showsrc kubernetes 2>/dev/null | grep -q '^Package: kubernetes' \
    || die "apt still knows no source package 'kubernetes' after adding $list"
}

# Step 3: download (once, kept in the cache) and unpack the `kubernetes` source package.
# Prints the unpacked tree's path.
fetch_source() {
  local dl="$CACHE_DIR/deb-src" dsc
  mkdir -p "$dl"
  dsc=$(find "$dl" -maxdepth 1 -name 'kubernetes_*.dsc' -print -quit)
  if [[ -z $dsc ]]; then
    ensure_deb_src
    local version
    version=$(apt-cache showsrc kubernetes | awk '/^Version:/ {print $2}' | grep -F "$DEB_SRC_VERSION_MATCH" | head -n1 || true)
    [[ -n $version ]] || die "no 'kubernetes' source version matching $DEB_SRC_VERSION_MATCH in apt (is this Debian bookworm?)"
    log "downloading source package kubernetes=$version (about 34 MB)"
    # apt drops privileges to _apt for downloads; let it write there.
    chmod 0777 "$dl" 2>/dev/null || true
    (cd "$dl" && apt-get source -qq --download-only "kubernetes=$version") || die "apt-get source kubernetes=$version failed"
    dsc=$(find "$dl" -maxdepth 1 -name 'kubernetes_*.dsc' -print -quit)
    [[ -n $dsc ]] || die "apt-get source left no .dsc in $dl"
  else
    log "source package already downloaded: $dsc"
  fi
  # Unpack afresh every build so that no half-patched tree survives a failed attempt.
  local tree="$CACHE_DIR/src"
  rm -rf "$tree"
  log "unpacking $(basename "$dsc")"
  dpkg-source --no-check -x "$dsc" "$tree" >/dev/null || die "dpkg-source -x $dsc failed"
  printf '%s\n' "$tree"
}

# Step 4: replace the vendored reflect2 v1.0.1 (SIGSEGV in mapiterinit under Go >= 1.18) by Debian's 1.0.2.
patch_reflect2() {
  local tree=$1 vend="$1/vendor/github.com/modern-go/reflect2"
  [[ -d $vend ]] || die "no vendored reflect2 at $vend"
  [[ -d $REFLECT2_DEBIAN ]] || die "Debian's reflect2 not found at $REFLECT2_DEBIAN (package golang-github-modern-go-reflect2-dev)"
  log "replacing vendored reflect2 with Debian's ($REFLECT2_DEBIAN)"
  find "$vend" -maxdepth 1 -type f \( -name '*.go' -o -name '*.s' \) -delete
  find "$REFLECT2_DEBIAN" -maxdepth 1 -type f \( -name '*.go' -o -name '*.s' \) ! -name '*_test.go' \
    -exec cp -t "$vend" {} +
}

# Step 5: make WHAT=cmd/kube-apiserver with CGO off and writable GOPATH/GOCACHE/HOME (the Go build
# cache stays in $CACHE_DIR so that a rebuild is fast), then install the binary into the cache.
compile() {
  local tree=$1 gohome="$CACHE_DIR/go"
  mkdir -p "$gohome/path" "$gohome/cache" "$gohome/home"
  rm -rf "$tree/_output"
  log "make WHAT=cmd/kube-apiserver (about 7 minutes on 2 cores the first time; log: $CACHE_DIR/build.log)"
  local start=$SECONDS
  if ! (cd "$tree" && env CGO_ENABLED=0 GOPATH="$gohome/path" GOCACHE="$gohome/cache" HOME="$gohome/home" \
    GOTOOLCHAIN=local \
    make WHAT=cmd/kube-apiserver) >"$CACHE_DIR/build.log" 2>&1; then
    tail -n 40 "$CACHE_DIR/build.log" >&2
    die "make WHAT=cmd/kube-apiserver failed (full log: $CACHE_DIR/build.log)"
  fi
  local out="$tree/_output/bin/kube-apiserver"
  [[ -s $out ]] || die "build produced no $out"
  "$out" --version >/dev/null || die "$out does not run"
  # Atomic install: a concurrent reader never sees a half-written binary.
  cp "$out" "$BIN.tmp.$$"
  mv -f "$BIN.tmp.$$" "$BIN"
  log "built in $((SECONDS - start)) s: $BIN ($("$BIN" --version))"
}

cmd_build() {
  if [[ -x $BIN ]] && "$BIN" --version >/dev/null 2>&1; then
    log "cached: $BIN ($("$BIN" --version))"
    ensure_packages
    return
  fi
  mkdir -p "$CACHE_DIR"
  # One build at a time per cache (two test runs on one machine would otherwise race).
  exec 9>"$CACHE_DIR/build.lock"
  if ! flock -n 9; then
    log "another build holds $CACHE_DIR/build.lock; waiting"
    flock 9
  fi
  if [[ -x $BIN ]] && "$BIN" --version >/dev/null 2>&1; then
    log "built meanwhile by another process: $BIN"
    return
  fi
  ensure_packages
  local tree
  tree=$(fetch_source)
  patch_reflect2 "$tree"
  compile "$tree"
  # The unpacked tree is 1 GB+; the .dsc/tarballs and the Go cache are what make a rebuild fast.
  rm -rf "$tree"
}

# ---------------------------------------------------------------------------------------------
# dispatch
# ---------------------------------------------------------------------------------------------
usage() {
  sed -n '4,10p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

main() {
  (($# >= 1)) || usage
  local cmd=$1
  shift
  case $cmd in
    build) cmd_build ;;
    bin) printf '%s\n' "$BIN" ;;
    *) usage ;;
  esac
}

main "$@"
