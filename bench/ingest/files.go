//go:build unix

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/oxdrop/oxdrop/bench/internal/benchutil"
	"github.com/oxdrop/oxdrop/server/failuretest/harness"
)

// runFiles measures the memory a creation holds per file: for each count, a
// fresh server receives one upload of that many tiny files (in folders of
// 100, as the failure tests send them), and its peak resident memory
// (VmHWM) is read. The slope between the smallest and the largest count is
// the memory per file, net of the server's fixed cost.
func runFiles(counts, dir, bin string, serveArgs []string) error {
	ns, err := parseCounts(counts, "-files")
	if err != nil {
		return err
	}
	base, bin, err := harness.Workdir(dir, "oxdrop-ingest-files-", bin)
	if err != nil {
		return err
	}
	defer os.RemoveAll(base)
	fmt.Printf("machine: %s\n\n", harness.Machine())
	fmt.Printf("%8s %10s %10s %12s %12s %12s %6s\n", "files", "time", "files/s", "server CPU", "VmHWM", "idle VmHWM", "load")
	type point struct {
		n    int
		peak int64
	}
	var points []point
	for _, n := range ns {
		data := filepath.Join(base, "data")
		s, err := harness.Start(bin, data, serveArgs...)
		if err != nil {
			return err
		}
		idle, err := s.PeakRSS()
		if err != nil {
			s.Stop()
			return err
		}
		body := manyFiles(n).Body()
		cpu0, _ := s.CPUTime()
		began := time.Now()
		reply, err := harness.CreateRaw(context.Background(), s.URL, body)
		took := time.Since(began)
		cpu1, _ := s.CPUTime()
		peak, perr := s.PeakRSS()
		s.Stop()
		os.RemoveAll(data)
		if err != nil {
			return fmt.Errorf("%d files: %w", n, err)
		}
		if reply.Status != 200 {
			return fmt.Errorf("%d files: %s", n, reply)
		}
		var cr harness.CreateResponse
		if err := reply.JSON(&cr); err != nil {
			return err
		}
		if len(cr.MetadataEntries) != n {
			return fmt.Errorf("%d files: %d metadata entries in the reply", n, len(cr.MetadataEntries))
		}
		if perr != nil {
			return perr
		}
		points = append(points, point{n, peak})
		fmt.Printf("%8d %9.1fs %10.0f %11.2fs %12s %12s %6s\n", n, took.Seconds(), float64(n)/took.Seconds(),
			(cpu1 - cpu0).Seconds(), benchutil.Human(peak), benchutil.Human(idle), strings.Fields(harness.LoadAvg())[0])
	}
	if len(points) >= 2 {
		a, b := points[0], points[len(points)-1]
		if b.n != a.n {
			fmt.Printf("\npeak memory per file (%d to %d files): %.2f KiB\n", a.n, b.n,
				float64(b.peak-a.peak)/float64(b.n-a.n)/1024)
		}
	}
	return nil
}

// manyFiles is one upload of n tiny text files in folders of 100.
func manyFiles(n int) harness.Upload {
	u := harness.Upload{Namespace: "bench", Name: "files", Author: "Bench", Email: "bench@example.com"}
	for i := 0; i < n; i++ {
		u.Files = append(u.Files, harness.File{
			Path:    fmt.Sprintf("d%03d/f%05d.txt", i/100, i),
			Content: []byte(fmt.Sprintf("file %d\n", i)),
		})
	}
	return u
}
