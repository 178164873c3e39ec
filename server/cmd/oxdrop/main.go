// Command oxdrop serves the oxdrop app and API ("serve") and describes files
// as Oxen would ("inspect").
package main

import (
	"fmt"
	"os"
)

const usage = `oxdrop: drop files and folders, get an Oxen repository.

Usage:
  oxdrop serve [flags]        run the server (app + API) on localhost:3000
  oxdrop inspect PATH...      print one JSON MetadataEntry per file
  oxdrop version              print the version (also -version)
  oxdrop help                 show this help

Run "oxdrop serve -h" for the server's flags.
`

// commands maps a subcommand to its entry point; each lives in its own file.
var commands = map[string]func(args []string) int{}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	name := os.Args[1]
	if name == "help" || name == "-h" || name == "--help" {
		fmt.Print(usage)
		return
	}
	run, ok := commands[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "oxdrop: unknown command %q\n\n%s", name, usage)
		os.Exit(2)
	}
	os.Exit(run(os.Args[2:]))
}
