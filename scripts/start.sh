#!/usr/bin/env bash
# npm start: installs what is missing (Go modules), builds the app into
# build/dist, then compiles and runs the server, which serves the app and
# the API on http://localhost:3000 and stores repositories under ./data.
# When it listens it prints one line: "oxdrop is running: open <url>";
# after it come the server's JSON request logs (stderr). Ctrl-C stops it.
#
# Arguments go to `oxdrop serve`: npm start -- -addr localhost:8080
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure.sh go
node build/build.mjs
echo "server: compiling and starting it (go run ./server/cmd/oxdrop serve; the first time takes a minute or more)..."
exec go run ./server/cmd/oxdrop serve "$@"
