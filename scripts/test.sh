#!/usr/bin/env bash
# npm test: every oxdrop test, on a fresh machine too. It installs what is
# missing (npm packages, Go modules, Debian's chromium: scripts/ensure.sh),
# then runs, one stage after another,
#   gofmt and go vet (native and js/wasm),
#   the Go tests natively (race detector off: 2-core CI budget),
#   the core's tests compiled to WebAssembly and run under Node,
#   every fuzz target for a few seconds on top of its committed corpus,
#   the app build and the browser tests in headless Chromium,
#   the API conformance suite against the native server and the Workers
#   build under Cloudflare's local runtime (workerd).
# Each stage prints one line with its time; its output goes to a log that is
# printed only when the stage fails. A failed stage does not stop the later
# ones; the summary lists every stage and the exit status is 1 if any failed.
# Temporary files, the tests' own included (TMPDIR points into a folder of
# this run), are removed at the end.
#
# Usage: npm test
#        npm test -- fuzz browser        (only these stages, after installing:
#                                         vet go wasm fuzz browser worker)
#        OXDROP_FUZZTIME=30s npm test    (longer fuzzing; default 3s a target)
#        OXDROP_TEST_VERBOSE=1 npm test  (every stage's output as it runs)
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
export GOFLAGS="${GOFLAGS:--buildvcs=false}"
export WRANGLER_SEND_METRICS=false
FUZZTIME="${OXDROP_FUZZTIME:-3s}"
VERBOSE="${OXDROP_TEST_VERBOSE:-}"

work=$(mktemp -d "${TMPDIR:-/tmp}/oxdrop-test.XXXXXX")
cleanup() {
  chmod -R u+w "$work" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'echo; echo "interrupted"; exit 130' INT
trap 'echo; echo "terminated"; exit 143' TERM
mkdir "$work/logs" "$work/tmp"
export TMPDIR="$work/tmp"

# The stages. Each runs under `set -e` in a subshell, output to its log.
install_missing() {
  bash scripts/ensure.sh go npm chromium
}
gofmt_vet() {
  local unformatted
  # The Go files git knows or would add (not node_modules), as they are now.
  unformatted=$(git ls-files --cached --others --exclude-standard '*.go' |
    while read -r f; do [ ! -f "$f" ] || echo "$f"; done | xargs gofmt -l)
  if [ -n "$unformatted" ]; then
    echo "gofmt would change:"
    echo "$unformatted"
    return 1
  fi
  go vet ./...
  # What runs in the browser or on Workers must also compile to js/wasm.
  GOOS=js GOARCH=wasm go build ./core/... ./wasm/... ./server/api/... ./server/uploads/... ./server/store/... ./server/worker/...
}
go_native() {
  go test -count=1 ./...
}
go_wasm() {
  GOOS=js GOARCH=wasm go test -count=1 -exec="$(go env GOROOT)/lib/wasm/go_js_wasm_exec" ./core/... ./internal/jsutil/
}
fuzz() {
  # Only the packages whose tests define a Fuzz function, listed by one
  # `go test -list` (listing builds a test binary: per package, over all 30
  # packages, that was a minute of linking). Each package's fuzzing test
  # binary is built once and run for each of its targets, as `go test -fuzz`
  # runs it (from the package's folder, Go's fuzz cache, the 10m timeout),
  # instead of relinked per target.
  local pkgs targets failed=0 pkg target rel bin module cache attempt rc out="$work/fuzz/target.log"
  pkgs=$(find . -name '*_test.go' -not -path './node_modules/*' -not -path '*/testdata/*' -not -path '*/.*' \
    -exec grep -lE '^func Fuzz' {} + | xargs -n1 dirname | sort -u)
  # shellcheck disable=SC2086 # one word a package
  targets=$(go test -list '^Fuzz' $pkgs |
    awk '/^Fuzz/ { t[n++] = $1; next } /^ok/ { for (i = 0; i < n; i++) print $2, t[i]; n = 0 }') || failed=1
  [ -n "$targets" ] || { echo "no fuzz targets found"; return 1; }
  module=$(go list -m)
  cache=$(go env GOCACHE)/fuzz
  mkdir -p "$work/fuzz"
  while read -r pkg target; do
    echo "-- $pkg $target"
    rel=.${pkg#"$module"}
    bin="$work/fuzz/$(echo "$pkg" | tr / _).test"
    if [ ! -x "$bin" ] && ! go test -c -fuzz='^Fuzz' -o "$bin" "$rel" </dev/null; then
      failed=1
      continue
    fi
    for attempt in 1 2; do
      rc=0
      (cd "$rel" && "$bin" -test.run='^$' -test.fuzz="^${target}\$" -test.fuzztime="$FUZZTIME" \
        -test.fuzzcachedir="$cache/$pkg" -test.timeout=10m0s -test.paniconexit0) </dev/null >"$out" 2>&1 || rc=$?
      cat "$out"
      # Go 1.26's fuzzer can fail a target with a bare "context deadline
      # exceeded" when -fuzztime ends while a starved worker is mid-input
      # (go.dev/issue/75804, fixed in 1.27): no input failed, so run it again.
      if [ "$rc" -ne 0 ] && [ "$attempt" = 1 ] && grep -q 'context deadline exceeded' "$out" && ! grep -q 'Failing input written' "$out"; then
        echo "-- $target again: the failure above is Go's fuzz deadline race (go.dev/issue/75804), not an input"
        continue
      fi
      break
    done
    [ "$rc" -eq 0 ] || failed=1
  done <<<"$targets"
  echo "$(wc -l <<<"$targets") fuzz targets"
  return "$failed"
}
browser() {
  npm run --silent test:browser
}
conformance() {
  npm run --silent test:worker
}

# detail LOG prints what a stage's log counted: Go packages, node tests.
detail() {
  local log=$1
  awk '
    /^ok  / { ok++ } /^FAIL/ && NF > 1 { bad++ }
    /^# tests / { tests += $3 } /^# skipped / { skipped += $3 } /^# todo / { todo += $3 }
    /^[0-9]+ fuzz targets$/ { fuzz = $1 }
    END {
      if (fuzz) printf "%d targets", fuzz
      else if (tests) { printf "%d tests", tests; if (skipped) printf ", %d skipped", skipped; if (todo) printf ", %d todo", todo }
      else if (ok || bad) { printf "%d packages", ok + bad; if (bad) printf ", %d failed", bad }
    }' "$log"
}

names=("installing what is missing" "gofmt and go vet (native, js/wasm)" "Go tests (native)"
  "core and jsutil tests as WebAssembly (Node)" "fuzz targets, $FUZZTIME each" "app build and browser tests (Chromium)"
  "API conformance: native and workerd")
funcs=(install_missing gofmt_vet go_native go_wasm fuzz browser conformance)
keys=(install vet go wasm fuzz browser worker)
if [ $# -gt 0 ]; then
  pick_names=("${names[0]}")
  pick_funcs=("${funcs[0]}")
  for want in "$@"; do
    found=
    for i in "${!keys[@]}"; do
      if [ "${keys[$i]}" = "$want" ] && [ "$i" -gt 0 ]; then
        pick_names+=("${names[$i]}")
        pick_funcs+=("${funcs[$i]}")
        found=1
      fi
    done
    [ -n "$found" ] || { echo "unknown stage '$want' (stages: ${keys[*]:1})" >&2; exit 2; }
  done
  names=("${pick_names[@]}")
  funcs=("${pick_funcs[@]}")
fi
count=${#funcs[@]}
results=()
failed=()
load() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime | sed 's/.*average[s]*: //'; }
echo "oxdrop tests: $count stages (load average $(load))"
started=$(now_ms)
for i in "${!funcs[@]}"; do
  name=${names[$i]}
  log="$work/logs/$((i + 1))-${funcs[$i]}.log"
  printf '[%d/%d] %-44s ' $((i + 1)) "$count" "$name"
  t0=$(now_ms)
  if [ -n "$VERBOSE" ]; then
    echo
    (set -e; "${funcs[$i]}") 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    printf '[%d/%d] %-44s ' $((i + 1)) "$count" "$name"
  else
    (set -e; "${funcs[$i]}") >"$log" 2>&1
    rc=$?
  fi
  took=$(duration $(($(now_ms) - t0)))
  info=$(detail "$log")
  [ -z "$info" ] || info="  $info"
  if [ "$rc" -eq 0 ]; then
    status=ok
    printf '%-6s %10s%s\n' ok "$took" "$info"
  else
    status=FAILED
    failed+=("$name")
    printf '%-6s %10s%s\n' FAILED "$took" "$info"
    if [ -z "$VERBOSE" ]; then
      echo "---- output of \"$name\" (exit status $rc) ----"
      cat "$log"
      echo "---- end of \"$name\" ----"
    fi
  fi
  results+=("$(printf '  %-46s %-6s %10s' "$name" "$status" "$took")")
  # Nothing else can run without what the first stage installs.
  [ "$i" -gt 0 ] || [ "$rc" -eq 0 ] || break
done

echo
echo "Summary (load average now $(load)):"
printf '%s\n' "${results[@]}"
printf '  %-46s %-6s %10s\n' "total" "" "$(duration $(($(now_ms) - started)))"
left=$(ls -A "$TMPDIR")
if [ -n "$left" ]; then
  echo "note: the tests left $(wc -l <<<"$left") entries in their temporary folder (now removed): $(head -5 <<<"$left" | tr '\n' ' ')"
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "${#failed[@]} of $count stages FAILED: $(printf '%s; ' "${failed[@]}" | sed 's/; $//')"
  exit 1
fi
echo "All $count stages passed."
