#!/usr/bin/env bash
# Runs every oxdrop test on a fresh machine: it installs what is missing
# (npm packages; Debian's chromium for the browser tests), then runs
#   1. gofmt and go vet (native and js/wasm),
#   2. the Go tests natively, with the race detector off (2-core CI budget),
#   3. the core's tests compiled to WebAssembly and run under Node,
#   4. every fuzz target for a few seconds on top of its committed corpus,
#   5. the app build and the browser tests in headless Chromium,
#   6. the API conformance suite against the native server and the
#      Workers build under Cloudflare's local runtime.
# Usage: scripts/test.sh            (all)
#        OXDROP_FUZZTIME=30s scripts/test.sh   (longer fuzzing)
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="${GOFLAGS:--buildvcs=false}"
export WRANGLER_SEND_METRICS=false
FUZZTIME="${OXDROP_FUZZTIME:-3s}"
started=$(date +%s)
step() { printf '\n== %s (%ss)\n' "$*" "$(( $(date +%s) - started ))"; }

step "Installing what is missing"
if ! command -v chromium >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
go mod download

step "gofmt and go vet"
unformatted=$(gofmt -l $(git ls-files '*.go') || true)
if [ -n "$unformatted" ]; then echo "gofmt would change:"; echo "$unformatted"; exit 1; fi
go vet ./...
# What runs in the browser or on Workers must also compile to js/wasm.
GOOS=js GOARCH=wasm go build ./core/... ./wasm/... ./server/api/... ./server/store/... ./server/worker/...

step "Go tests (native)"
go test -count=1 ./...

step "Core tests compiled to WebAssembly (Node)"
GOOS=js GOARCH=wasm go test -count=1 -exec="$(go env GOROOT)/lib/wasm/go_js_wasm_exec" ./core/...

step "Fuzz targets, $FUZZTIME each on top of their committed corpora"
for pkg in $(go list ./...); do
  for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
    echo "-- $pkg $target"
    go test -run='^$' -fuzz="^${target}\$" -fuzztime="$FUZZTIME" "$pkg" >/tmp/oxdrop-fuzz.log 2>&1 || { cat /tmp/oxdrop-fuzz.log; exit 1; }
  done
done

step "App build and browser tests (headless Chromium)"
node build/build.mjs
npm run --silent test:browser

step "API conformance: native server and Workers build (workerd)"
npm run --silent test:worker

step "All tests passed"
