package main

import (
	"debug/macho"
	"debug/pe"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"testing/fstest"
)

func TestVersionString(t *testing.T) {
	noInfo := func() (*debug.BuildInfo, bool) { return nil, false }
	info := func(main string, settings ...string) func() (*debug.BuildInfo, bool) {
		return func() (*debug.BuildInfo, bool) {
			bi := &debug.BuildInfo{Main: debug.Module{Version: main}}
			for i := 0; i < len(settings); i += 2 {
				bi.Settings = append(bi.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
			}
			return bi, true
		}
	}
	app := fstest.MapFS{"index.html": {}, "version.json": {Data: []byte(`{"build_id":"0123456789abcdef"}`)}}
	for _, c := range []struct {
		name, v string
		info    func() (*debug.BuildInfo, bool)
		app     fs.FS
		want    []string
	}{
		{"release", "v1.2.3", info("v9.9.9"), app, []string{"oxdrop v1.2.3 (", "app build 0123456789abcdef)"}},
		{"go install", "dev", info("v0.0.0-20260101000000-abcdefabcdef"), nil, []string{"oxdrop v0.0.0-20260101000000-abcdefabcdef (", "no app: build it with npm run build"}},
		{"checkout", "dev", info("(devel)", "vcs.revision", "a7af4b2c0ffee0123456789", "vcs.modified", "true"), app, []string{"oxdrop dev-a7af4b2c0ffe-dirty ("}},
		{"no vcs", "dev", info("(devel)"), nil, []string{"oxdrop dev ("}},
		{"no build info", "dev", noInfo, fstest.MapFS{"index.html": {}}, []string{"oxdrop dev (", "app build unknown)"}},
	} {
		got := versionString(c.v, c.info, c.app)
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: versionString = %q, want it to contain %q", c.name, got, w)
			}
		}
	}
}

// TestCrossBuild builds oxdrop as build/release.mjs does for the release
// targets other than this machine's usual one, so a change that breaks
// macOS or Windows (a Linux-only syscall without a build tag, cgo) fails
// here rather than at release time.
func TestCrossBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles oxdrop twice; skipped with -short")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is not on PATH: %v", err)
	}
	// Each check opens the binary as its format and says whether it is
	// for the target's processor.
	for _, target := range []struct {
		goos, goarch string
		check        func(path string) (bool, error)
	}{
		{"darwin", "arm64", func(path string) (bool, error) {
			f, err := macho.Open(path)
			if err != nil {
				return false, err
			}
			defer f.Close()
			return f.Cpu == macho.CpuArm64, nil
		}},
		{"windows", "amd64", func(path string) (bool, error) {
			f, err := pe.Open(path)
			if err != nil {
				return false, err
			}
			defer f.Close()
			return f.Machine == pe.IMAGE_FILE_MACHINE_AMD64, nil
		}},
	} {
		t.Run(target.goos+"-"+target.goarch, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "oxdrop")
			cmd := exec.Command(gobin, "build", "-trimpath", "-ldflags", "-s -w -X main.version=test", "-o", out, ".")
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+target.goos, "GOARCH="+target.goarch)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("GOOS=%s GOARCH=%s CGO_ENABLED=0 go build ./server/cmd/oxdrop: %v\n%s", target.goos, target.goarch, err, b)
			}
			if ok, err := target.check(out); err != nil || !ok {
				t.Fatalf("the %s/%s binary is not one (err: %v)", target.goos, target.goarch, err)
			}
		})
	}
}
