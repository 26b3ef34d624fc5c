# shellcheck shell=bash
# log and die for the project's shell scripts (sourced): lines on stderr, prefixed with the script's name.
log() { printf '[%s %(%H:%M:%S)T] %s\n' "${0##*/}" -1 "$*" >&2; }
die() {
  printf '[%s] ERROR: %s\n' "${0##*/}" "$*" >&2
  exit 1
}
