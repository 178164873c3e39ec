package main

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"runtime"
	"runtime/debug"
)

// version is set by the release build (build/release.mjs):
// go build -ldflags "-X main.version=v1.2.3". Otherwise it is "dev", and
// versionString falls back to what the Go toolchain recorded.
var version = "dev"

func init() {
	commands["version"] = printVersion
	commands["-version"] = printVersion
	commands["--version"] = printVersion
}

func printVersion(args []string) int {
	fmt.Println(versionString(version, debug.ReadBuildInfo, appFiles()))
	return 0
}

// versionString is "oxdrop VERSION (GOVERSION OS/ARCH, app BUILD)": the
// release's version, else the module version `go install` recorded, else
// the VCS revision a build in a checkout recorded; and the build id of the
// embedded app, or "no app" when the binary was built without one.
func versionString(v string, info func() (*debug.BuildInfo, bool), app fs.FS) string {
	if v == "dev" {
		if bi, ok := info(); ok {
			v = buildInfoVersion(bi, v)
		}
	}
	appID := "no app: build it with npm run build, then rebuild oxdrop"
	if app != nil {
		appID = "app build unknown"
		var meta struct {
			BuildID string `json:"build_id"`
		}
		if b, err := fs.ReadFile(app, "version.json"); err == nil && json.Unmarshal(b, &meta) == nil && meta.BuildID != "" {
			appID = "app build " + meta.BuildID
		}
	}
	return fmt.Sprintf("oxdrop %s (%s %s/%s, %s)", v, runtime.Version(), runtime.GOOS, runtime.GOARCH, appID)
}

func buildInfoVersion(bi *debug.BuildInfo, def string) string {
	if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" {
		return def
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if modified == "true" {
		rev += "-dirty"
	}
	return def + "-" + rev
}
