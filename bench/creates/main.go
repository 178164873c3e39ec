//go:build unix

// Command creates is a load generator for many small repository creations:
// N repositories of F small mixed files each (text, CSV, JSON, Markdown and
// binary, 0.5 to 4 KiB), posted by a fixed number of concurrent workers over
// loopback to the real `oxdrop serve` binary (a fresh server and data folder
// per concurrency level), bounded in count and in time. It prints p50, p90,
// p99 and max latency and the throughput.
//
//	go run ./bench/creates                 # 1,000 repos x 10 files at concurrency 8 and 32
//	go run ./bench/creates -url http://127.0.0.1:3000 -c 8   # against a running server
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oxdrop/oxdrop/server/failuretest/harness"
)

func main() {
	n := flag.Int("n", 1000, "repositories to create per concurrency level")
	files := flag.Int("files", 10, "files per repository")
	conc := flag.String("c", "8,32", "comma-separated concurrency levels (workers)")
	limit := flag.Duration("timeout", 5*time.Minute, "give up a level after this long")
	url := flag.String("url", "", "use this running server instead of starting one (names get a unique prefix)")
	bin := flag.String("bin", "", "oxdrop binary (default: build ./server/cmd/oxdrop)")
	dir := flag.String("dir", "", "parent of the temporary data folders (default $TMPDIR)")
	flag.Parse()

	if err := run(*n, *files, *conc, *limit, *url, *bin, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "creates:", err)
		os.Exit(1)
	}
}

func run(n, files int, concList string, limit time.Duration, url, bin, dir string) error {
	base, err := os.MkdirTemp(dir, "oxdrop-creates-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(base)
	if url == "" && bin == "" {
		if bin, err = harness.Build(base); err != nil {
			return err
		}
	}
	fmt.Printf("machine: %s\n", harness.Machine())
	if lat, err := harness.FsyncLatency(base, 100); err == nil {
		fmt.Printf("disk: write 4 KiB + fsync takes %.2f ms (median of 100) in %s\n", float64(lat)/1e6, base)
	}
	fmt.Printf("%d repositories x %d files (%s per repository) per level; loopback\n\n", n, files, sizeOfRepo(files))
	fmt.Printf("%5s %9s %9s %9s %9s %9s %10s %10s %7s %6s\n",
		"conc", "p50", "p90", "p99", "max", "total", "repos/s", "files/s", "errors", "load")
	for _, c := range strings.Split(concList, ",") {
		workers, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || workers < 1 {
			return fmt.Errorf("bad concurrency %q", c)
		}
		target := url
		var s *harness.Server
		if target == "" {
			data, err := os.MkdirTemp(base, "data-")
			if err != nil {
				return err
			}
			if s, err = harness.Start(bin, data); err != nil {
				return err
			}
			target = s.URL
		}
		prefix := fmt.Sprintf("c%d-%d", workers, time.Now().UnixNano()%1e6)
		st, err := level(target, prefix, n, files, workers, limit)
		if s != nil {
			s.Stop()
			os.RemoveAll(s.Data)
		}
		if err != nil {
			return err
		}
		fmt.Printf("%5d %9s %9s %9s %9s %9s %10.1f %10.0f %7d %6s\n", workers,
			ms(st.p50), ms(st.p90), ms(st.p99), ms(st.max), st.total.Round(time.Millisecond),
			float64(st.ok)/st.total.Seconds(), float64(st.ok*files)/st.total.Seconds(), st.errors,
			strings.Fields(harness.LoadAvg())[0])
		if st.firstErr != "" {
			fmt.Printf("      first error: %s\n", st.firstErr)
		}
	}
	return nil
}

type stats struct {
	p50, p90, p99, max time.Duration
	total              time.Duration
	ok, errors         int
	firstErr           string
}

// level creates n repositories with the given number of workers and
// returns the latency distribution of the successful ones.
func level(url, prefix string, n, files, workers int, limit time.Duration) (stats, error) {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	var next atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	var st stats
	var wg sync.WaitGroup
	began := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				body := repoUpload(prefix, i, files).Body()
				t := time.Now()
				reply, err := harness.Create(ctx, url, body)
				d := time.Since(t)
				if err == nil && reply.Status != 200 {
					err = errors.New(reply.String())
				}
				mu.Lock()
				if err != nil {
					st.errors++
					if st.firstErr == "" {
						st.firstErr = err.Error()
					}
				} else {
					lat = append(lat, d)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	st.total = time.Since(began)
	if ctx.Err() != nil {
		return st, fmt.Errorf("concurrency %d: not done within %s (%d created)", workers, limit, len(lat))
	}
	slices.Sort(lat)
	st.ok = len(lat)
	st.p50 = harness.Percentile(lat, 50)
	st.p90 = harness.Percentile(lat, 90)
	st.p99 = harness.Percentile(lat, 99)
	if len(lat) > 0 {
		st.max = lat[len(lat)-1]
	}
	return st, nil
}

// kinds are the small files of a benchmark repository, cycled: what a
// dataset folder typically holds, so classification and metadata run too.
var kinds = []struct {
	path string
	gen  func(seed int) []byte
}{
	{"README.md", func(s int) []byte { return lines(s, "# Dataset %d\n\nSome words about row %d.\n", 20) }},
	{"data/train.csv", func(s int) []byte { return lines(s, "%d,label_%d,0.5\n", 60) }},
	{"data/meta.json", func(s int) []byte { return lines(s, `{"id": %d, "name": "item %d"}`+"\n", 30) }},
	{"notes/a.txt", func(s int) []byte { return lines(s, "line %d of note %d\n", 80) }},
	{"blobs/b.bin", func(s int) []byte { return binary(s, 4096) }},
}

func lines(seed int, format string, count int) []byte {
	var b []byte
	for i := 0; i < count; i++ {
		b = fmt.Appendf(b, format, seed, i)
	}
	return b
}

func binary(seed, n int) []byte {
	b := make([]byte, n)
	x := uint32(seed)*2654435761 + 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

// repoUpload is repository i of a level: files paths made unique by index.
func repoUpload(prefix string, i, files int) harness.Upload {
	u := harness.Upload{Namespace: "bench", Name: fmt.Sprintf("%s-%d", prefix, i), Author: "Bench", Email: "bench@example.com"}
	for f := 0; f < files; f++ {
		k := kinds[f%len(kinds)]
		path := k.path
		if f >= len(kinds) {
			path = strconv.Itoa(f/len(kinds)) + "/" + path
		}
		u.Files = append(u.Files, harness.File{Path: path, Content: k.gen(i*files + f)})
	}
	return u
}

func sizeOfRepo(files int) string {
	var n int64
	for _, f := range repoUpload("x", 0, files).Files {
		n += f.Len()
	}
	return fmt.Sprintf("%.1f KiB", float64(n)/1024)
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
}
