//go:build js && wasm && !oxdrop_hashonly

package main

import (
	"github.com/oxdrop/oxdrop/core/describe"
	"github.com/oxdrop/oxdrop/wasm/engine"
)

// newAnalyzer is the core's streaming describer.
func newAnalyzer() engine.Analyzer { return describe.NewAnalyzer() }
