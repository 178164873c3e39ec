package billystore

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/oxdrop/oxdrop/server/store"
)

// deepFolders is the most folders a file path can have: paths are at most
// 1,024 bytes with non-empty segments, so 510 one-byte folders and a name.
const deepFolders = 510

// creationKeys returns the keys one creation of n files writes under
// data/<id>/tree/ (the deep part of oxdrop's layout): with depth folders
// in each path, all files in one chain of folders (shared) or each in its
// own chain.
func creationKeys(id string, n, depth int, shared bool) []string {
	keys := make([]string, n)
	for i := range keys {
		top := "a"
		if !shared {
			top = fmt.Sprintf("d%02d", i)
		}
		folders := top + strings.Repeat("/a", depth-1)
		if depth == 0 {
			folders = ""
		}
		keys[i] = "data/" + id + "/tree/" + folders + fmt.Sprintf("/f%02d", i)
		keys[i] = strings.TrimPrefix(strings.ReplaceAll(keys[i], "//", "/"), "/")
	}
	return keys
}

// BenchmarkCreation: one creation's tree records (40 files), then its
// commit point (a conditional Put, which fsyncs every object and folder
// written before it), on a real folder with osfs BoundOS as oxdrop serve
// uses. deep-*: 510 folders per path (issue 10: "40 files whose 1,024-byte
// paths have 510 folders took 105 s"); shallow: 2 folders, the usual case.
// Meanwhile another goroutine reads another key over and over, as other
// repositories' GETs would: max-other-open-ms is its slowest read.
//
//	go test ./server/store/billystore -run '^$' -bench Creation -benchtime 3x
func BenchmarkCreation(b *testing.B) {
	for _, c := range []struct {
		name   string
		depth  int
		shared bool
	}{
		{"shallow", 2, false},
		{"deep-shared", deepFolders, true},
		{"deep-distinct", deepFolders, false},
	} {
		b.Run(c.name, func(b *testing.B) {
			s := New(osfs.New(b.TempDir(), osfs.WithBoundOS()))
			ctx := context.Background()
			if _, err := s.Put(ctx, "other/k", strings.NewReader("{}"), -1, store.PutOptions{}); err != nil {
				b.Fatal(err)
			}
			stop := make(chan struct{})
			slowest := make(chan time.Duration)
			go func() {
				var worst time.Duration
				for {
					select {
					case <-stop:
						slowest <- worst
						return
					default:
					}
					t0 := time.Now()
					if f, err := s.Open(ctx, "other/k"); err == nil {
						f.Close()
					}
					worst = max(worst, time.Since(t0))
					time.Sleep(time.Millisecond)
				}
			}()
			n := 0
			for b.Loop() {
				n++
				id := fmt.Sprintf("c%06d", n)
				for _, k := range creationKeys(id, 40, c.depth, c.shared) {
					if _, err := s.Put(ctx, k, strings.NewReader(`{"hash":"x"}`), -1, store.PutOptions{}); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := s.Put(ctx, "repos/ns/"+id+"/repo.json", strings.NewReader("{}"), -1, store.PutOptions{IfAbsent: true}); err != nil {
					b.Fatal(err)
				}
			}
			close(stop)
			b.ReportMetric(float64(<-slowest)/float64(time.Millisecond), "max-other-open-ms")
		})
	}
}

// BenchmarkOpen: reading one tree record back (a GET of a file), 2 and 510
// folders deep.
func BenchmarkOpen(b *testing.B) {
	for _, depth := range []int{2, deepFolders} {
		b.Run(fmt.Sprintf("folders=%d", depth), func(b *testing.B) {
			s := New(osfs.New(b.TempDir(), osfs.WithBoundOS()))
			ctx := context.Background()
			key := creationKeys("c", 1, depth, true)[0]
			if _, err := s.Put(ctx, key, strings.NewReader("{}"), -1, store.PutOptions{}); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				f, err := s.Open(ctx, key)
				if err != nil {
					b.Fatal(err)
				}
				f.Close()
			}
		})
	}
}
