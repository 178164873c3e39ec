// Command worker is oxdrop on Cloudflare Workers: the same API handler as
// `oxdrop serve` (server/api), compiled with GOOS=js GOARCH=wasm, served by
// github.com/syumai/workers, with repositories in an R2 bucket (r2store).
//
// The generated glue (workers-assets-gen -mode=go) starts a fresh Go
// instance for every request, so everything here is rebuilt per request
// and nothing is kept in memory between requests: all state is in R2.
//
// Build and run it with `npm run worker:build` and `npm run worker:dev`;
// the files that touch JavaScript are js && wasm only, and a native build of
// this package just explains that (so `go build ./...` and `go vet ./...`
// work on any machine).
package main
