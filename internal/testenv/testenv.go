// Package testenv is how oxdrop's tests find what lives outside the
// repository (Oxen's fixtures, the API spec) and what they do when it, or a
// tool or capability they need, is missing: outside CI they skip, saying
// what is missing and how to get it; with CI set (to anything but "") the
// same message fails the test, so a CI run never passes by skipping.
//
// testenv.js beside this file is the same for the JavaScript tests, and
// scripts/fetch-fixtures.sh fetches the fixtures.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// CI reports whether the CI environment variable is set and not empty.
func CI() bool { return os.Getenv("CI") != "" }

// Missing ends t because what is missing: a skip outside CI, a failure
// with CI set, both saying "needs <what>: <how>". how says how to get it
// (a command to run, a variable to set).
func Missing(t testing.TB, what, how string) {
	t.Helper()
	if CI() {
		t.Fatalf("needs %s: %s (CI is set: a failure, not a skip)", what, how)
	}
	t.Skipf("needs %s: %s (with CI set, a failure)", what, how)
}

// Tool returns the path of the program name, or ends t through Missing,
// with how (e.g. "apt-get install strace") as the way to get it.
func Tool(t testing.TB, name, how string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name, how)
	}
	return p
}

// FixturesHow is how to get Oxen's fixtures.
const FixturesHow = "run scripts/fetch-fixtures.sh, or set OXDROP_FIXTURES to a copy of Oxen's data/test"

// FixturesPath is Oxen's fixture folder joined with elem, whether or not it
// exists: $OXDROP_FIXTURES (a relative path is taken from the repository's
// root), else ../shared/fixtures/oxen beside the repository.
func FixturesPath(elem ...string) string {
	return filepath.Join(append([]string{outside("OXDROP_FIXTURES", "fixtures", "oxen")}, elem...)...)
}

// Fixtures returns FixturesPath(elem...) after checking that the fixture
// folder exists; when it does not, t ends through Missing.
func Fixtures(t testing.TB, elem ...string) string {
	t.Helper()
	if fi, err := os.Stat(FixturesPath()); err != nil || !fi.IsDir() {
		Missing(t, "the Oxen fixtures at "+FixturesPath(), FixturesHow)
	}
	return FixturesPath(elem...)
}

// Spec returns the file name of the spec folder ($OXDROP_SPEC, else
// ../shared/spec beside the repository); when the file is absent, t ends
// through Missing.
func Spec(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(outside("OXDROP_SPEC", "spec"), name)
	if _, err := os.Stat(p); err != nil {
		Missing(t, "the spec file "+p, "set OXDROP_SPEC to a folder holding "+name+" (the project's ../shared/spec)")
	}
	return p
}

// outside is $env, or ../shared/elem... beside the repository's root.
func outside(env string, elem ...string) string {
	if d := os.Getenv(env); d != "" {
		if filepath.IsAbs(d) {
			return d
		}
		return filepath.Join(Root(), d)
	}
	return filepath.Join(append([]string{Root(), "..", "shared"}, elem...)...)
}

// Root is the repository's root: the nearest folder above the working
// directory (a test's package folder) that holds go.mod. It is "." when
// there is none.
func Root() string {
	dir, err := os.Getwd()
	if err != nil {
		return "."
	}
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "."
		}
		d = parent
	}
}
