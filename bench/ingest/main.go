//go:build unix

// Command ingest measures the server's upload path: one large multipart
// upload (a single generated file, streamed by the client, never held in
// memory) to the real `oxdrop serve` binary over loopback, against a plain
// write+fsync of the same bytes to the same disk, and the server's peak
// memory (VmHWM) for each upload size, each on a fresh server process.
//
//	go run ./bench/ingest                      # 64 MiB, 256 MiB, 1 GiB, 2 GiB
//	go run ./bench/ingest -sizes 1GiB -runs 3  # throughput of one size, median of 3
//	go run ./bench/ingest -files 1000,10000    # memory per file: one upload of that many tiny files each
//	go run ./bench/ingest -wide 1,10,100       # one upload of that many 30,000-column CSV files each, then GET
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/oxdrop/oxdrop/bench/internal/benchutil"
	"github.com/oxdrop/oxdrop/server/failuretest/harness"
)

func main() {
	sizes := flag.String("sizes", "64MiB,256MiB,1GiB,2GiB", "comma-separated upload sizes (KiB, MiB, GiB suffixes)")
	runs := flag.Int("runs", 1, "uploads per size (each on a fresh server); the median is reported")
	dir := flag.String("dir", "", "where the server's -data and the plain write go (default: a temporary folder under $TMPDIR)")
	bin := flag.String("bin", "", "oxdrop binary (default: build ./server/cmd/oxdrop)")
	manifest := flag.Bool("manifest", false, "send the manifest part like the web app (adds a hashing pass on the client before the upload)")
	serveArgs := flag.String("serve-args", "", "extra flags for oxdrop serve, space-separated")
	flag.StringVar(&client, "client", "raw", "raw: the harness's raw HTTP/1.1 client (256 KiB writes from the generator, no copy); http: net/http's client (32 KiB copies)")
	flag.BoolVar(&showLog, "log", false, "print the server's log after each upload (diagnostics)")
	files := flag.String("files", "", "instead of large uploads: comma-separated file counts, one upload of that many tiny files each (the per-file memory curve), e.g. 1000,10000")
	wide := flag.String("wide", "", "instead of large uploads: comma-separated file counts, one upload of that many wide CSV files each (-columns), then a GET of the repository, e.g. 1,10,100")
	columns := flag.Int("columns", 30_000, "columns of each -wide file")
	chunk := flag.String("chunk", "32KiB", "write size of the plain write (on the benchmark VM 32 KiB writes + fsync ran twice as fast as 1 MiB ones)")
	flag.Parse()
	var err error
	if chunkSize, err = benchutil.ParseSize(*chunk); err != nil || chunkSize <= 0 {
		fmt.Fprintln(os.Stderr, "ingest: bad -chunk", *chunk)
		os.Exit(2)
	}

	switch {
	case *wide != "":
		err = runWide(*wide, *columns, *dir, *bin, strings.Fields(*serveArgs))
	case *files != "":
		err = runFiles(*files, *dir, *bin, strings.Fields(*serveArgs))
	default:
		err = run(*sizes, *runs, *dir, *bin, *manifest, strings.Fields(*serveArgs))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ingest:", err)
		os.Exit(1)
	}
}

type result struct {
	size                int64
	plain, server       time.Duration
	peakRSS, idleRSS    int64
	serverCPU           time.Duration // server process CPU time (user+sys) during the upload
	clientCPU           time.Duration // this process's CPU time during the upload (the load generator)
	serverSpeedOfPlain  float64
	plainMBps, serverMB float64
}

func run(sizeList string, runs int, dir, bin string, manifest bool, serveArgs []string) error {
	sizes, err := benchutil.ParseSizes(sizeList)
	if err != nil {
		return err
	}
	base, bin, err := harness.Workdir(dir, "oxdrop-ingest-", bin)
	if err != nil {
		return err
	}
	defer os.RemoveAll(base)
	fmt.Printf("machine: %s\n", harness.Machine())
	if lat, err := harness.FsyncLatency(base, 100); err == nil {
		fmt.Printf("disk: write 4 KiB + fsync takes %.2f ms (median of 100) in %s\n", float64(lat)/1e6, base)
	}
	fmt.Printf("data folder: %s (plain write and server on the same filesystem)\n", base)
	fmt.Printf("plain write: write(2) in %s chunks + fsync, like billystore's temp file + Sync\n\n", benchutil.Human(chunkSize))
	fmt.Printf("%-9s %12s %12s %8s %11s %11s %14s %14s %9s %6s\n", "size", "plain MB/s", "server MB/s", "ratio", "server CPU", "client CPU", "server VmHWM", "idle VmHWM", "<=64MiB", "load")

	for _, size := range sizes {
		free, err := harness.FreeBytes(base)
		if err != nil {
			return err
		}
		if free < 2*size+1<<30 {
			return fmt.Errorf("%s free on %s, need %s for a %s run", benchutil.Human(free), base, benchutil.Human(2*size+1<<30), benchutil.Human(size))
		}
		var rs []result
		for i := 0; i < runs; i++ {
			r, err := once(bin, base, size, manifest, serveArgs)
			if err != nil {
				return err
			}
			rs = append(rs, r)
		}
		sort.Slice(rs, func(i, j int) bool { return rs[i].serverSpeedOfPlain < rs[j].serverSpeedOfPlain })
		r := rs[len(rs)/2]
		within := "yes"
		if r.peakRSS > benchutil.MemoryTarget {
			within = "NO"
		}
		fmt.Printf("%-9s %12.0f %12.0f %7.2fx %10.2fs %10.2fs %14s %14s %9s %6s\n", benchutil.Human(size), r.plainMBps, r.serverMB,
			r.serverSpeedOfPlain, r.serverCPU.Seconds(), r.clientCPU.Seconds(), benchutil.Human(r.peakRSS), benchutil.Human(r.idleRSS), within, strings.Fields(harness.LoadAvg())[0])
	}
	return nil
}

// once runs one plain write and one upload of size bytes on a fresh server.
func once(bin, base string, size int64, manifest bool, serveArgs []string) (result, error) {
	r := result{size: size}
	file := harness.File{Path: "big/upload.bin", Size: size, Seed: uint64(size)}

	benchutil.Settle()
	plain, err := plainWrite(filepath.Join(base, "plain.bin"), file)
	if err != nil {
		return r, err
	}
	r.plain = plain

	data := filepath.Join(base, "data")
	defer os.RemoveAll(data)
	s, err := harness.Start(bin, data, serveArgs...)
	if err != nil {
		return r, err
	}
	defer s.Stop()
	if r.idleRSS, err = s.PeakRSS(); err != nil {
		return r, err
	}
	up := harness.Upload{Namespace: "bench", Name: "ingest", Author: "Bench", Email: "bench@example.com",
		Files: []harness.File{file}, Manifest: manifest}
	body := up.Body() // the manifest hashing pass happens here, before the clock starts
	benchutil.Settle()
	cpu0, err := s.CPUTime()
	if err != nil {
		return r, err
	}
	create := harness.CreateRaw
	if client == "http" {
		create = harness.Create
	}
	self0 := benchutil.SelfCPU()
	began := time.Now()
	reply, err := create(context.Background(), s.URL, body)
	r.server = time.Since(began)
	r.clientCPU = benchutil.SelfCPU() - self0
	cpu1, cpuErr := s.CPUTime()
	if err != nil {
		return r, fmt.Errorf("upload of %s: %w\nserver log:\n%s", benchutil.Human(size), err, s.Log())
	}
	if reply.Status != 200 {
		return r, fmt.Errorf("upload of %s: %s", benchutil.Human(size), reply)
	}
	var cr harness.CreateResponse
	if err := reply.JSON(&cr); err != nil {
		return r, err
	}
	if len(cr.MetadataEntries) != 1 || cr.MetadataEntries[0].Size != size {
		return r, fmt.Errorf("upload of %s: unexpected entries %+v", benchutil.Human(size), cr.MetadataEntries)
	}
	if cpuErr != nil {
		return r, cpuErr
	}
	r.serverCPU = cpu1 - cpu0
	if r.peakRSS, err = s.PeakRSS(); err != nil {
		return r, err
	}
	if showLog {
		fmt.Printf("server log (upload of %s, %.0f ms; plain write %.0f ms):\n%s", benchutil.Human(size), r.server.Seconds()*1000, plain.Seconds()*1000, s.Log())
	}
	r.plainMBps = float64(size) / 1e6 / r.plain.Seconds()
	r.serverMB = float64(size) / 1e6 / r.server.Seconds()
	r.serverSpeedOfPlain = r.plain.Seconds() / r.server.Seconds()
	return r, nil
}

// client is the upload client (-client).
var client = "raw"

// showLog prints each server's log after its upload (-log).
var showLog bool

// chunkSize is the plain write's write(2) size (-chunk).
var chunkSize int64 = 32 << 10

// plainWrite writes f's generated bytes to path in chunkSize writes and
// fsyncs, then removes the file: the best a server could do with the disk.
func plainWrite(path string, f harness.File) (time.Duration, error) {
	began := time.Now()
	out, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	defer os.Remove(path)
	buf := make([]byte, chunkSize)
	// Both wrapped so CopyBuffer really writes chunkSize pieces through buf
	// (the generator's WriteTo would write 256 KiB pieces).
	if _, err := io.CopyBuffer(struct{ io.Writer }{out}, struct{ io.Reader }{f.Reader()}, buf); err != nil {
		out.Close()
		return 0, err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return 0, err
	}
	if err := out.Close(); err != nil {
		return 0, err
	}
	return time.Since(began), nil
}
