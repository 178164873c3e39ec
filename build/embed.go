// Package build embeds the web app that `npm run build` (build/build.mjs)
// writes to build/dist, so the oxdrop binary serves it without any files
// beside it. A clean checkout holds only dist/.gitkeep: the server then
// answers "/" with a short page that says how to build the app.
package build

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Dist returns the built app's files (index.html at the root).
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // "dist" is a literal that embed guarantees exists
	}
	return sub
}

// Built reports whether the app has been built into dist.
func Built() bool {
	_, err := fs.Stat(Dist(), "index.html")
	return err == nil
}
