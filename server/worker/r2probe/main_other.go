//go:build !(js && wasm)

package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "r2probe is a test Worker: it is built with GOOS=js GOARCH=wasm by server/worker/test.")
	os.Exit(2)
}
