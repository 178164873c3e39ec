//go:build !(js && wasm)

package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "oxdrop worker: this is the Cloudflare Workers build; build it with `npm run worker:build` (GOOS=js GOARCH=wasm) and run it with `npm run worker:dev`.")
	os.Exit(2)
}
