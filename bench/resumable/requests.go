//go:build unix

package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// requestTimes sums the server's own time per kind of request of a
// resumable upload, from its log (one JSON line per request, with its
// duration): where the server spends an upload's time. A file's last
// piece is counted apart, since it also completes and verifies the blob.
func requestTimes(log string) string {
	type line struct {
		Msg, Method, Path string
		Status            int
		Duration          time.Duration
	}
	var reqs []line
	last := map[string]int{} // path → index of its last PATCH
	for _, l := range strings.Split(log, "\n") {
		var r line
		if json.Unmarshal([]byte(l), &r) != nil || r.Msg != "request" {
			continue
		}
		if r.Method == "PATCH" {
			last[r.Path] = len(reqs)
		}
		reqs = append(reqs, r)
	}
	type sum struct {
		n        int
		tot, max time.Duration
	}
	kinds := []string{"plan", "tus creation", "HEAD", "PATCH (not last)", "PATCH (last)", "commit", "other"}
	sums := map[string]*sum{}
	for i, r := range reqs {
		k := "other"
		switch {
		case r.Method == "POST" && r.Path == "/api/uploads":
			k = "plan"
		case r.Method == "POST" && r.Path == "/api/repos":
			k = "commit"
		case r.Method == "POST" && strings.HasSuffix(r.Path, "/files"):
			k = "tus creation"
		case r.Method == "HEAD":
			k = "HEAD"
		case r.Method == "PATCH" && last[r.Path] == i:
			k = "PATCH (last)"
		case r.Method == "PATCH":
			k = "PATCH (not last)"
		case r.Method == "GET" && r.Path == "/":
			continue // the harness's readiness polls
		}
		if sums[k] == nil {
			sums[k] = &sum{}
		}
		s := sums[k]
		s.n++
		s.tot += r.Duration
		s.max = max(s.max, r.Duration)
	}
	var b strings.Builder
	b.WriteString("      server time per request (from its log): ")
	for _, k := range kinds {
		if s := sums[k]; s != nil {
			fmt.Fprintf(&b, "%s %d x %.1f ms (max %.1f); ", k, s.n, ms(s.tot)/float64(s.n), ms(s.max))
		}
	}
	return strings.TrimSuffix(b.String(), "; ") + "\n"
}
