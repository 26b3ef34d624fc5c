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
#   scripts/kube-apiserver.sh check                  can the tier run here? exit 0 and print `cached` (binary
#                                                    and Debian packages present) or `buildable` (root or
#                                                    passwordless sudo for the first build); else exit 1 and say why
#
# Environment:
#   KUBE_RX_CACHE           cache root (default $HOME/.cache/kube-rx); the binary, the Debian source
#                           and the Go build cache live in $KUBE_RX_CACHE/kube-apiserver-1.20.2/
#   KUBE_RX_WATCH_CACHE     `false` starts kube-apiserver with --watch-cache=false (needed for
#                           in-stream 410s after `compact`); default true
#   KUBE_RX_READY_TIMEOUT   seconds to wait for /readyz (default 60)
#   KUBE_RX_ETCD_TMPFS      `false` keeps etcd's data under DIR/etcd instead of /dev/shm (default true)
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

# shellcheck source=scripts/log.sh
source "$(dirname "${BASH_SOURCE[0]}")/log.sh"

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

# Print the Debian packages of PACKAGES that are not installed, one a line.
missing_packages() {
  local p
  for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      printf '%s\n' "$p"
    fi
  done
}

# Step 1: install the Debian packages that are missing (non-interactive).
ensure_packages() {
  local missing=()
  mapfile -t missing < <(missing_packages)
  if ((${#missing[@]} == 0)); then
    log "Debian packages present"
    return
  fi
  apt_update
  log "installing Debian packages: ${missing[*]}"
  mkdir -p "$CACHE_DIR"
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" \
    >"$CACHE_DIR/apt.log" 2>&1; then
    tail -n 30 "$CACHE_DIR/apt.log" >&2
    die "apt-get install ${missing[*]} failed (log: $CACHE_DIR/apt.log)"
  fi
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
  # dpkg-source verifies the checksums in the .dsc and applies debian/patches.
  if ! dpkg-source -x "$dsc" "$tree" >"$CACHE_DIR/unpack.log" 2>&1; then
    tail -n 20 "$CACHE_DIR/unpack.log" >&2
    rm -rf "$dl" "$tree"
    die "dpkg-source -x $dsc failed; removed the download so that the next build fetches it again"
  fi
  # dpkg-source leaves copies of the source files next to the tree; the originals stay in $dl.
  rm -f "$CACHE_DIR"/kubernetes_*
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
# cache stays in $CACHE_DIR/go/cache so that a rebuild is faster), then install the binary.
compile() {
  local tree=$1 gohome="$CACHE_DIR/go"
  mkdir -p "$gohome/path" "$gohome/cache" "$gohome/home"
  rm -rf "$tree/_output"
  # hack/lib/golang.sh forces GOCACHE=_output/local/go/cache: point that at the cache outside the
  # tree so that the compiled packages survive `rm -rf _output` and the tree's removal.
  mkdir -p "$tree/_output/local/go"
  ln -s "$gohome/cache" "$tree/_output/local/go/cache"
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
# run: start / stop / compact / restart-apiserver
# ---------------------------------------------------------------------------------------------

# Is TCP port $1 unused? No socket (listening or not, IPv4 or IPv6) has it as local port, and
# nothing answers a connect on 127.0.0.1.
port_free() {
  local port=$1 hex
  hex=$(printf '%04X' "$port")
  if awk -v h="$hex" 'FNR > 1 { n = split($2, a, ":"); if (a[n] == h) found = 1 } END { exit !found }' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null; then
    return 1
  fi
  if timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null; then
    return 1
  fi
  return 0
}

# No socket listens on port $1 (other states, e.g. TIME_WAIT from old client connections, are fine
# for a server that sets SO_REUSEADDR, as Go does).
port_free_listen() {
  local hex
  hex=$(printf '%04X' "$1")
  ! awk -v h="$hex" 'FNR > 1 && $4 == "0A" { n = split($2, a, ":"); if (a[n] == h) found = 1 } END { exit !found }' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# Print a free port below the ephemeral range (so that outgoing connections cannot take it between
# our check and the server's bind), different from the ports given as arguments.
pick_port() {
  local tries port taken
  for ((tries = 0; tries < 200; tries++)); do
    port=$((20000 + RANDOM % 12000))
    for taken in "$@"; do
      [[ $port == "$taken" ]] && continue 2
    done
    if port_free "$port"; then
      printf '%s\n' "$port"
      return
    fi
  done
  die "no free port found in 20000-31999"
}

# Is process $1 alive (not a zombie) and running a command whose argv[0] ends in $2?
proc_is() {
  local pid=$1 name=$2 state argv0
  [[ -n $pid && -r /proc/$pid/stat ]] || return 1
  state=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) || return 1
  [[ $state != Z && $state != X ]] || return 1
  argv0=$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | head -n1) || return 1
  [[ $argv0 == *"$name" ]]
}

# TERM process $1 (if it still is a $2), KILL it after 5 s, and wait until it is gone.
kill_and_wait() {
  local pid=$1 name=$2 i
  proc_is "$pid" "$name" || return 0
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    proc_is "$pid" "$name" || return 0
    sleep 0.1
  done
  log "$name (pid $pid) ignored TERM; sending KILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    proc_is "$pid" "$name" || return 0
    sleep 0.1
  done
  die "$name (pid $pid) is still alive after KILL"
}

# Load DIR/env (written by `start`) into the shell.
load_env() {
  local dir=$1
  [[ -f $dir/env ]] || die "$dir/env not found: was the tier started with '$0 start $dir'?"
  # shellcheck disable=SC1091
  source "$dir/env"
}

# Write DIR/env (values shell-quoted, so `source` reads them back) and the same as DIR/env.json
# (for the TypeScript harness) from the current shell variables.
readonly ENV_VARS=(TIER_DIR ETCD_ENDPOINT ETCD_PORT ETCD_PEER_PORT ETCD_PID APISERVER_PORT APISERVER_URL
  APISERVER_PID WATCH_CACHE CA_FILE ADMIN_TOKEN NOBODY_TOKEN KUBECONFIG_ADMIN KUBECONFIG_NOBODY KUBECONFIG_CERT_ADMIN WATCHDOG_PID ETCD_DATA_DIR)
write_env() {
  local dir=$1 var jq_args=()
  {
    echo "# written by scripts/kube-apiserver.sh; source it from a shell"
    for var in "${ENV_VARS[@]}"; do
      printf '%s=%q\n' "$var" "${!var-}"
    done
  } >"$dir/env.tmp"
  for var in "${ENV_VARS[@]}"; do
    jq_args+=(--arg "$var" "${!var-}")
  done
  jq -n '$ARGS.named' "${jq_args[@]}" >"$dir/env.json.tmp"
  mv -f "$dir/env.json.tmp" "$dir/env.json"
  mv -f "$dir/env.tmp" "$dir/env"
}

# Wait until etcd answers /health on $ETCD_ENDPOINT, or die (with its log) if it exits or times out.
wait_etcd() {
  local dir=$1 deadline=$((SECONDS + READY_TIMEOUT))
  until curl -fsS --max-time 2 "$ETCD_ENDPOINT/health" 2>/dev/null | grep -q '"health":"true"'; do
    if ! proc_is "$ETCD_PID" etcd; then
      tail -n 30 "$dir/etcd.log" >&2
      die "etcd exited during start-up (log: $dir/etcd.log)"
    fi
    ((SECONDS < deadline)) || die "etcd not healthy after $READY_TIMEOUT s (log: $dir/etcd.log)"
    sleep 0.2
  done
}

# Start kube-apiserver in the background with the flags saved in DIR/apiserver.args.
spawn_apiserver() {
  local dir=$1 args=()
  mapfile -t args <"$dir/apiserver.args"
  echo "---- $(date -Is) starting kube-apiserver" >>"$dir/kube-apiserver.log"
  "$BIN" "${args[@]}" </dev/null >>"$dir/kube-apiserver.log" 2>&1 &
  APISERVER_PID=$!
}

# Wait until kube-apiserver's /readyz answers `ok` over verified TLS with the admin token, or die.
# On a fresh cert dir this also extracts the CA: the generated serving certificate file holds the
# leaf first and its self-signed CA second.
wait_apiserver() {
  local dir=$1 deadline=$((SECONDS + READY_TIMEOUT)) crt="$1/certs/apiserver.crt" answer=''
  while :; do
    if ! proc_is "$APISERVER_PID" kube-apiserver; then
      tail -n 30 "$dir/kube-apiserver.log" >&2
      die "kube-apiserver exited during start-up (log: $dir/kube-apiserver.log)"
    fi
    if [[ ! -s $CA_FILE && -s $crt ]]; then
      awk '/-----BEGIN CERTIFICATE-----/ { n++ } n == 2 { print } n == 2 && /-----END CERTIFICATE-----/ { exit }' \
        "$crt" >"$CA_FILE.tmp"
      if grep -q 'END CERTIFICATE' "$CA_FILE.tmp"; then
        mv -f "$CA_FILE.tmp" "$CA_FILE"
      fi
    fi
    if [[ -s $CA_FILE ]]; then
      answer=$(curl -sS --max-time 3 --cacert "$CA_FILE" -H "Authorization: Bearer $ADMIN_TOKEN" \
        "$APISERVER_URL/readyz" 2>&1 || true)
      [[ $answer == ok ]] && return
    fi
    if ((SECONDS >= deadline)); then
      tail -n 30 "$dir/kube-apiserver.log" >&2
      die "kube-apiserver not ready after $READY_TIMEOUT s (last /readyz answer: ${answer:-none}; log: $dir/kube-apiserver.log)"
    fi
    sleep 0.3
  done
}

# Write a kubeconfig for one user: verified TLS against the extracted CA; the user's credential is
# the YAML lines given (indented under `user:`).
write_kubeconfig() {
  local file=$1 user=$2 credential=$3
  cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: kube-rx
    cluster:
      server: $APISERVER_URL
      certificate-authority: $CA_FILE
users:
  - name: $user
    user:
$credential
contexts:
  - name: $user
    context:
      cluster: kube-rx
      user: $user
      namespace: default
current-context: $user
EOF
  chmod 600 "$file"
}

cmd_start() {
  local dir=${1:?usage: $0 start DIR}
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  # Step 0: refuse to start twice in one DIR; make sure the binary and the Debian packages are there.
  if [[ -f $dir/env ]]; then
    (
      load_env "$dir"
      if proc_is "${APISERVER_PID:-}" kube-apiserver || proc_is "${ETCD_PID:-}" etcd; then
        die "a tier is already running in $dir (run '$0 stop $dir' first)"
      fi
    )
  fi
  [[ -x $BIN ]] || die "no kube-apiserver binary at $BIN: run '$0 build' first"
  local tool
  for tool in etcd etcdctl openssl curl jq awk timeout; do
    command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found: run '$0 build' first (it installs the Debian packages)"
  done
  # shellcheck disable=SC2034 # written to DIR/env by write_env (indirectly)
  TIER_DIR=$dir
  WATCH_CACHE=${KUBE_RX_WATCH_CACHE:-true}
  [[ $WATCH_CACHE == true || $WATCH_CACHE == false ]] || die "KUBE_RX_WATCH_CACHE must be true or false, not '$WATCH_CACHE'"
  rm -rf "$dir/etcd" "$dir/certs" "$dir"/*.log "$dir/env" "$dir/env.json"
  mkdir -p "$dir/certs"

  # Step 1: three distinct free ports (etcd client, etcd peer, kube-apiserver).
  ETCD_PORT=$(pick_port)
  ETCD_PEER_PORT=$(pick_port "$ETCD_PORT")
  APISERVER_PORT=$(pick_port "$ETCD_PORT" "$ETCD_PEER_PORT")
  ETCD_ENDPOINT="http://127.0.0.1:$ETCD_PORT"
  APISERVER_URL="https://127.0.0.1:$APISERVER_PORT"
  CA_FILE="$dir/ca.crt"
  KUBECONFIG_ADMIN="$dir/kubeconfig-admin.yaml"
  KUBECONFIG_NOBODY="$dir/kubeconfig-nobody.yaml"
  KUBECONFIG_CERT_ADMIN="$dir/kubeconfig-cert-admin.yaml"
  WATCHDOG_PID=''
  rm -f "$CA_FILE"

  # Step 2: service-account key pair and static tokens: `admin` (group system:masters) and `nobody`
  # (no groups, so RBAC forbids it almost everything).
  openssl genrsa -out "$dir/sa.key" 2048 2>/dev/null || die "openssl genrsa failed"
  openssl rsa -in "$dir/sa.key" -pubout -out "$dir/sa.pub" 2>/dev/null || die "openssl rsa -pubout failed"
  ADMIN_TOKEN=$(openssl rand -hex 24)
  NOBODY_TOKEN=$(openssl rand -hex 24)
  {
    printf '%s,admin,uid-admin,"system:masters"\n' "$ADMIN_TOKEN"
    printf '%s,nobody,uid-nobody\n' "$NOBODY_TOKEN"
  } >"$dir/tokens.csv"
  chmod 600 "$dir/tokens.csv" "$dir/sa.key"
  # A client CA and one client certificate signed by it: `cert-admin` in group system:masters (the
  # organisation), so that the tests cover a client key as a credential too.
  openssl req -x509 -newkey rsa:2048 -nodes -days 7 -subj /CN=kube-rx-client-ca \
    -keyout "$dir/client-ca.key" -out "$dir/client-ca.crt" 2>/dev/null || die "openssl: client CA failed"
  openssl req -newkey rsa:2048 -nodes -subj /O=system:masters/CN=cert-admin \
    -keyout "$dir/cert-admin.key" -out "$dir/cert-admin.csr" 2>/dev/null || die "openssl: client key failed"
  openssl x509 -req -days 7 -in "$dir/cert-admin.csr" -CA "$dir/client-ca.crt" -CAkey "$dir/client-ca.key" \
    -CAcreateserial -out "$dir/cert-admin.crt" 2>/dev/null || die "openssl: client certificate failed"
  chmod 600 "$dir/client-ca.key" "$dir/cert-admin.key"

  # Step 3: etcd; wait for /health. Its data lives on tmpfs (/dev/shm) when the machine has one
  # (KUBE_RX_ETCD_TMPFS=false: under DIR/etcd): the tier is thrown away after each run, and on a VM
  # disk etcd's fsync per write, not kube-apiserver, would cap the tier at a few hundred writes/s.
  # A small /dev/shm (a container's default is 64 MiB, one WAL segment of etcd) is not used: at
  # least 1 GiB must be free there.
  ETCD_DATA_DIR="$dir/etcd"
  if [[ ${KUBE_RX_ETCD_TMPFS:-true} == true && -d /dev/shm && -w /dev/shm ]]; then
    local shm_free_kb
    shm_free_kb=$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 { print $4 }')
    if [[ ${shm_free_kb:-0} =~ ^[0-9]+$ ]] && ((shm_free_kb >= 1048576)); then
      ETCD_DATA_DIR=$(mktemp -d /dev/shm/kube-rx-etcd.XXXXXX) || die "mktemp in /dev/shm failed"
    else
      log "/dev/shm has ${shm_free_kb:-?} KiB free (under 1 GiB): etcd's data stays on disk"
    fi
  fi
  log "starting etcd on $ETCD_ENDPOINT (peer port $ETCD_PEER_PORT, data in $ETCD_DATA_DIR)"
  etcd --name kube-rx --data-dir "$ETCD_DATA_DIR" \
    --listen-client-urls "$ETCD_ENDPOINT" --advertise-client-urls "$ETCD_ENDPOINT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "kube-rx=http://127.0.0.1:$ETCD_PEER_PORT" \
    </dev/null >"$dir/etcd.log" 2>&1 &
  ETCD_PID=$!
  APISERVER_PID=''
  write_env "$dir"
  wait_etcd "$dir"

  # Step 4: kube-apiserver with the recipe's flags (plus --watch-cache); the flags are saved so that
  # `restart-apiserver` reuses them exactly. Wait for /readyz over verified TLS.
  local args=(
    "--etcd-servers=$ETCD_ENDPOINT"
    --bind-address=127.0.0.1
    --advertise-address=127.0.0.1
    "--secure-port=$APISERVER_PORT"
    "--cert-dir=$dir/certs"
    "--token-auth-file=$dir/tokens.csv"
    "--client-ca-file=$dir/client-ca.crt"
    --authorization-mode=RBAC
    --service-account-issuer=https://kubernetes.default.svc
    "--service-account-key-file=$dir/sa.pub"
    "--service-account-signing-key-file=$dir/sa.key"
    --service-cluster-ip-range=10.0.0.0/24
    --insecure-port=0
    --enable-priority-and-fairness=false
    "--watch-cache=$WATCH_CACHE"
  )
  printf '%s\n' "${args[@]}" >"$dir/apiserver.args"
  log "starting kube-apiserver on $APISERVER_URL (watch cache: $WATCH_CACHE)"
  spawn_apiserver "$dir"
  write_env "$dir"
  wait_apiserver "$dir"

  # Step 5: kubeconfigs (verified TLS against the extracted CA): two token users, one client
  # certificate user (certificate and key inline, as most kubeconfigs carry them).
  write_kubeconfig "$KUBECONFIG_ADMIN" admin "      token: $ADMIN_TOKEN"
  write_kubeconfig "$KUBECONFIG_NOBODY" nobody "      token: $NOBODY_TOKEN"
  write_kubeconfig "$KUBECONFIG_CERT_ADMIN" cert-admin "      client-certificate-data: $(base64 -w0 "$dir/cert-admin.crt")
      client-key-data: $(base64 -w0 "$dir/cert-admin.key")"

  # Step 6 (optional): a watchdog that stops the tier when process KUBE_RX_OWNER_PID exits, so that
  # a killed test run leaves no servers behind.
  if [[ -n ${KUBE_RX_OWNER_PID:-} ]]; then
    bash "$0" _watchdog "$dir" "$KUBE_RX_OWNER_PID" </dev/null >>"$dir/watchdog.log" 2>&1 &
    WATCHDOG_PID=$!
  fi
  write_env "$dir"
  log "ready in $SECONDS s: $APISERVER_URL (kubeconfigs: $KUBECONFIG_ADMIN, $KUBECONFIG_NOBODY, $KUBECONFIG_CERT_ADMIN; env: $dir/env)"
}

cmd_stop() {
  local dir=${1:?usage: $0 stop DIR}
  if [[ ! -f $dir/env ]]; then
    log "nothing to stop in $dir (no env file)"
    return 0
  fi
  load_env "$dir"
  # The watchdog first (unless we are it), so that it does not race us.
  if [[ -n ${WATCHDOG_PID:-} && $WATCHDOG_PID != "${KUBE_RX_SELF_WATCHDOG:-}" ]]; then
    kill -TERM "$WATCHDOG_PID" 2>/dev/null || true
  fi
  kill_and_wait "${APISERVER_PID:-}" kube-apiserver
  kill_and_wait "${ETCD_PID:-}" etcd
  # etcd's data on tmpfs is memory: free it (under DIR it goes with DIR)
  if [[ ${ETCD_DATA_DIR:-} == /dev/shm/kube-rx-etcd.* ]]; then rm -rf "$ETCD_DATA_DIR"; fi
  log "stopped ($dir)"
}

cmd_compact() {
  local dir=${1:?usage: $0 compact DIR} rev out
  load_env "$dir"
  # The current revision from `endpoint status`, then compact to it.
  rev=$(ETCDCTL_API=3 etcdctl --endpoints "$ETCD_ENDPOINT" endpoint status -w json | jq -er '.[0].Status.header.revision') \
    || die "cannot read etcd's revision from $ETCD_ENDPOINT"
  if ! out=$(ETCDCTL_API=3 etcdctl --endpoints "$ETCD_ENDPOINT" compact "$rev" 2>&1); then
    # Compacting twice to the same revision is not an error for our purposes.
    [[ $out == *"has been compacted"* ]] || die "etcdctl compact $rev failed: $out"
  fi
  log "compacted etcd to revision $rev"
  printf '%s\n' "$rev"
}

cmd_restart_apiserver() {
  local dir=${1:?usage: $0 restart-apiserver DIR} i
  dir=$(cd "$dir" && pwd)
  load_env "$dir"
  proc_is "$ETCD_PID" etcd || die "etcd (pid $ETCD_PID) is not running; cannot restart kube-apiserver alone"
  # Stop the old server and wait until its listening socket is gone.
  kill_and_wait "$APISERVER_PID" kube-apiserver
  for ((i = 0; i < 100; i++)); do
    port_free_listen "$APISERVER_PORT" && break
    sleep 0.1
  done
  port_free_listen "$APISERVER_PORT" || die "port $APISERVER_PORT still has a listener after stopping kube-apiserver"
  # Same port, same flags, same cert dir (so the CA and the kubeconfigs stay valid).
  log "restarting kube-apiserver on $APISERVER_URL"
  spawn_apiserver "$dir"
  write_env "$dir"
  wait_apiserver "$dir"
  log "kube-apiserver ready again in $SECONDS s (pid $APISERVER_PID)"
}

# Internal: stop the tier in DIR when process OWNER exits (or quit when DIR/env disappears).
cmd_watchdog() {
  local dir=$1 owner=$2
  while kill -0 "$owner" 2>/dev/null && [[ -f $dir/env ]]; do
    sleep 2
  done
  if [[ -f $dir/env ]]; then
    log "owner process $owner is gone; stopping the tier in $dir"
    KUBE_RX_SELF_WATCHDOG=$$ cmd_stop "$dir"
  fi
}

# ---------------------------------------------------------------------------------------------
# dispatch
# ---------------------------------------------------------------------------------------------
usage() {
  sed -n '5,13p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

cmd_check() {
  local missing=()
  mapfile -t missing < <(missing_packages)
  if [[ -x $BIN ]] && "$BIN" --version >/dev/null 2>&1 && ((${#missing[@]} == 0)); then
    echo cached
  elif [[ $(id -u) -eq 0 ]] || sudo -n true >/dev/null 2>&1; then
    echo buildable
  else
    local what=()
    [[ -x $BIN ]] || what+=("no kube-apiserver binary in $CACHE_DIR")
    ((${#missing[@]} == 0)) || what+=("Debian packages missing: ${missing[*]}")
    printf '%s\n' "the real kube-apiserver tier needs root (or passwordless sudo) for apt-get and a first build of about 7 minutes ($(IFS=';'; echo "${what[*]}")); run 'sudo bash scripts/kube-apiserver.sh build' once" >&2
    exit 1
  fi
}

main() {
  (($# >= 1)) || usage
  local cmd=$1
  shift
  case $cmd in
    build) cmd_build ;;
    bin) printf '%s\n' "$BIN" ;;
    check) cmd_check ;;
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    compact) cmd_compact "$@" ;;
    restart-apiserver) cmd_restart_apiserver "$@" ;;
    _watchdog) cmd_watchdog "$@" ;;
    *) usage ;;
  esac
}

main "$@"
