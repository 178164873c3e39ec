//go:build unix

// Command startup measures the native server's start-up: the time from
// starting the `oxdrop serve` process to its first successful GET / (polled
// every millisecond), over several runs, with an empty data folder and with
// one already holding many repositories (the start-up sweep of staging
// leftovers must not grow with the data).
//
//	go run ./bench/startup                  # 20 runs empty, 20 runs with 1,000 repos
//	go run ./bench/startup -runs 50 -repos 0
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/oxdrop/oxdrop/server/failuretest/harness"
)

func main() {
	runs := flag.Int("runs", 20, "starts per data folder")
	repos := flag.Int("repos", 1000, "repositories (10 small files each) in the second data folder; 0 to skip")
	bin := flag.String("bin", "", "oxdrop binary (default: build ./server/cmd/oxdrop)")
	dir := flag.String("dir", "", "parent of the temporary data folders (default $TMPDIR)")
	flag.Parse()
	if err := run(*runs, *repos, *bin, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "startup:", err)
		os.Exit(1)
	}
}

func run(runs, repos int, bin, dir string) error {
	base, bin, err := harness.Workdir(dir, "oxdrop-startup-", bin)
	if err != nil {
		return err
	}
	defer os.RemoveAll(base)
	info, err := os.Stat(bin)
	if err != nil {
		return err
	}
	fmt.Printf("machine: %s\n", harness.Machine())
	fmt.Printf("binary: %.1f MiB (go build, default flags)\n\n", float64(info.Size())/(1<<20))
	fmt.Printf("%-24s %5s %9s %9s %9s %9s\n", "data folder", "runs", "min", "median", "p90", "max")

	empty, err := os.MkdirTemp(base, "empty-")
	if err != nil {
		return err
	}
	if err := measure("empty", bin, empty, runs); err != nil {
		return err
	}
	if repos == 0 {
		return nil
	}
	full, err := os.MkdirTemp(base, "full-")
	if err != nil {
		return err
	}
	if err := populate(bin, full, repos); err != nil {
		return err
	}
	return measure(fmt.Sprintf("%d repositories", repos), bin, full, runs)
}

// measure starts and stops the server runs times on data.
func measure(label, bin, data string, runs int) error {
	var ready []time.Duration
	for i := 0; i < runs; i++ {
		s, err := harness.Start(bin, data)
		if err != nil {
			return err
		}
		ready = append(ready, s.Ready)
		s.Stop()
	}
	slices.Sort(ready)
	fmt.Printf("%-24s %5d %9s %9s %9s %9s\n", label, runs, ms(ready[0]), ms(harness.Percentile(ready, 50)),
		ms(harness.Percentile(ready, 90)), ms(ready[len(ready)-1]))
	return nil
}

// populate creates repos small repositories through the API, 8 at a time.
func populate(bin, data string, repos int) error {
	s, err := harness.Start(bin, data)
	if err != nil {
		return err
	}
	defer s.Stop()
	errs := make(chan error, repos)
	sem := make(chan struct{}, 8)
	for i := 0; i < repos; i++ {
		sem <- struct{}{}
		go func(i int) {
			defer func() { <-sem }()
			u := harness.Upload{Namespace: "startup", Name: fmt.Sprintf("repo-%d", i), Author: "Bench", Email: "bench@example.com"}
			for f := 0; f < 10; f++ {
				u.Files = append(u.Files, harness.File{Path: fmt.Sprintf("d/f%d.txt", f), Content: []byte(strings.Repeat(fmt.Sprintf("%d %d\n", i, f), 50))})
			}
			reply, err := harness.Create(context.Background(), s.URL, u.Body())
			if err == nil && reply.Status != 200 {
				err = fmt.Errorf("populating: %s", reply)
			}
			errs <- err
		}(i)
	}
	for i := 0; i < repos; i++ {
		if err := <-errs; err != nil {
			return err
		}
	}
	return nil
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
}
