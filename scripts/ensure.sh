#!/usr/bin/env bash
# Installs what an npm script needs, only when it is missing, so every
# script works on a fresh clone. Every npm script runs it first; it prints
# nothing when there is nothing to do.
#
#   bash scripts/ensure.sh [go] [npm] [chromium]
#     go        Go is there; the Go modules are downloaded (first run only)
#     npm       node_modules is installed with `npm ci` when it is absent
#               or older than package-lock.json
#     chromium  Debian's chromium, installed with apt-get (as root, or with
#               sudo) unless OXDROP_CHROMIUM or /usr/bin/chromium is there;
#               no browser is ever downloaded from elsewhere
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

fail() {
  echo "oxdrop: $*" >&2
  exit 1
}
log=$(mktemp "${TMPDIR:-/tmp}/oxdrop-ensure.XXXXXX")
trap 'rm -f "$log"' EXIT
# doing WHAT CMD... prints WHAT, runs CMD quietly and prints its time (or
# its output, when it fails).
doing() {
  local what=$1 t0
  shift
  printf '%s... ' "$what"
  t0=$(now_ms)
  quietly "$log" "$@" || fail "$what failed (output above)"
  echo "done in $(duration $(($(now_ms) - t0)))"
}

node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' ||
  fail "Node $(node -v) is too old: oxdrop needs Node 20 or newer"

for need in "$@"; do
  case $need in
  go)
    command -v go >/dev/null || fail "Go is not installed: oxdrop needs Go 1.26 or newer (https://go.dev/dl/)"
    # Offline first: this only fails when a module is not in the cache yet.
    if ! GOPROXY=off go mod download >/dev/null 2>&1; then
      doing "downloading the Go modules (first run only)" go mod download
    fi
    ;;
  npm)
    if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
      doing "installing the npm packages (npm ci)" npm ci --no-audit --no-fund --loglevel=error
    fi
    ;;
  chromium)
    browser=${OXDROP_CHROMIUM:-/usr/bin/chromium}
    if [ ! -x "$browser" ]; then
      [ -z "${OXDROP_CHROMIUM:-}" ] || fail "OXDROP_CHROMIUM=$OXDROP_CHROMIUM is not an executable file"
      command -v apt-get >/dev/null ||
        fail "the browser tests need Chromium: install it and set OXDROP_CHROMIUM to its path (on Debian this script installs it with apt-get)"
      sudo=""
      if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null || fail "installing chromium needs root or sudo (or set OXDROP_CHROMIUM to a Chromium)"
        sudo=sudo
      fi
      doing "updating the Debian package lists (apt-get update)" $sudo apt-get update -qq
      doing "installing Debian's chromium (apt-get install chromium)" \
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
    fi
    ;;
  *) fail "ensure.sh: unknown need '$need' (go, npm, chromium)" ;;
  esac
done
