//go:build unix

// Command resumable measures the resumable upload (docs/uploads.md: plan,
// tus pieces, commit) on the real `oxdrop serve` binary over loopback,
// against the single multipart request on the same server:
//
//   - throughput: 1 GiB of files (4 of 256 MiB, and 64 of 16 MiB) sent as
//     one multipart POST /api/repos (with the manifest part, as the web app
//     sends it) and as a resumable upload with pieces of 16 MiB (the app's)
//     and 64 MiB (max_chunk_bytes), 3 files at a time like the app; each on
//     a fresh server, the server's peak memory (VmHWM) read after each;
//   - a cut: the connections of a resumable upload closed when half of the
//     bytes are written, then the upload resumed with HEAD and PATCH from
//     the server's offsets: the bytes sent again;
//   - deduplication: a second repository of the same files on that server:
//     the file bytes sent (none) and the time of its plan and commit.
//
// File contents are generated (harness.Content, never held whole) and
// hashed in a first pass, as a client hashes before it plans.
//
//	go run ./bench/resumable                         # everything: 2 layouts x 3 runs, then cut and dedup
//	go run ./bench/resumable -layouts 4x256MiB -runs 1 -do throughput
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oxdrop/oxdrop/bench/internal/benchutil"
	"github.com/oxdrop/oxdrop/server/failuretest/harness"
)

func main() {
	var o options
	flag.StringVar(&o.layouts, "layouts", "4x256MiB,64x16MiB", "comma-separated file sets, each COUNTxSIZE")
	flag.StringVar(&o.pieces, "pieces", "16MiB,64MiB", "comma-separated piece sizes of the resumable upload (the app's is 16 MiB; the server's max_chunk_bytes 64 MiB)")
	flag.IntVar(&o.parallel, "parallel", 3, "files sent at the same time (the app's PARALLEL)")
	flag.IntVar(&o.runs, "runs", 3, "throughput runs per layout (each method on a fresh server, interleaved); medians are reported")
	flag.BoolVar(&o.multipart, "multipart", true, "measure the multipart upload too (false: resumable only, e.g. under a profiler)")
	flag.BoolVar(&o.manifest, "manifest", true, "send the multipart upload's manifest part (path → hash), as the web app does")
	flag.Float64Var(&o.cutAt, "cut-at", 0.5, "the cut: fraction of the bytes written before the connections are closed")
	flag.StringVar(&o.do, "do", "throughput,cut", "what to run: throughput, cut (a cut upload resumed, then the dedup of a second repository)")
	flag.StringVar(&o.dir, "dir", "", "parent of the temporary data folders (default $TMPDIR)")
	flag.StringVar(&o.bin, "bin", "", "oxdrop binary (default: build ./server/cmd/oxdrop)")
	serveArgs := flag.String("serve-args", "", "extra flags for oxdrop serve, space-separated")
	flag.BoolVar(&o.requests, "requests", false, "after each resumable upload, print the server's time per kind of request (from its log)")
	flag.Parse()
	o.serveArgs = strings.Fields(*serveArgs)
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "resumable:", err)
		os.Exit(1)
	}
}

type options struct {
	layouts, pieces, do string
	parallel, runs      int
	multipart, manifest bool
	requests            bool
	cutAt               float64
	dir, bin            string
	serveArgs           []string
}

// layout is a set of count files of size bytes.
type layout struct {
	count int
	size  int64
}

func (l layout) String() string { return fmt.Sprintf("%d x %s", l.count, benchutil.Human(l.size)) }

func parseLayouts(list string) ([]layout, error) {
	var ls []layout
	for _, s := range strings.Split(list, ",") {
		c, sz, ok := strings.Cut(strings.TrimSpace(s), "x")
		n, err := strconv.Atoi(c)
		if !ok || err != nil || n <= 0 {
			return nil, fmt.Errorf("bad layout %q: want COUNTxSIZE, e.g. 4x256MiB", s)
		}
		size, err := benchutil.ParseSize(sz)
		if err != nil {
			return nil, fmt.Errorf("bad layout %q: %w", s, err)
		}
		ls = append(ls, layout{n, size})
	}
	return ls, nil
}

// files generates layout l's files (seeded by set, so two sets never
// share a blob) and hashes them.
func (l layout) files(set int) []blob {
	fs := make([]blob, l.count)
	for i := range fs {
		f := harness.File{Path: fmt.Sprintf("data/part-%03d.bin", i), Size: l.size, Seed: uint64(set)<<32 | uint64(i+1)}
		fs[i] = blob{f, f.Hash()}
	}
	return fs
}

func total(files []blob) int64 {
	var n int64
	for _, f := range files {
		n += f.Size
	}
	return n
}

func run(o options) error {
	layouts, err := parseLayouts(o.layouts)
	if err != nil {
		return err
	}
	pieces, err := benchutil.ParseSizes(o.pieces)
	if err != nil {
		return err
	}
	if o.parallel < 1 || o.runs < 1 || o.cutAt <= 0 || o.cutAt >= 1 {
		return errors.New("-parallel and -runs must be at least 1, -cut-at between 0 and 1")
	}
	base, bin, err := harness.Workdir(o.dir, "oxdrop-resumable-", o.bin)
	if err != nil {
		return err
	}
	defer os.RemoveAll(base)
	o.bin = bin
	fmt.Printf("machine: %s\n", harness.Machine())
	if lat, err := harness.FsyncLatency(base, 100); err == nil {
		fmt.Printf("disk: write 4 KiB + fsync takes %.2f ms (median of 100) in %s\n", float64(lat)/1e6, base)
	}
	for i, l := range layouts {
		free, err := harness.FreeBytes(base)
		if err != nil {
			return err
		}
		if need := l.size*int64(l.count) + 1<<30; free < need {
			return fmt.Errorf("%s free on %s, need %s", benchutil.Human(free), base, benchutil.Human(need))
		}
		var files []blob
		took, _ := timed(func() error { files = l.files(i + 1); return nil })
		fmt.Printf("\n== %s (%s): hashed in %.2f s before any upload (a client hashes before it plans)\n", l, benchutil.Human(total(files)), took.Seconds())
		if strings.Contains(o.do, "throughput") {
			if err := throughput(o, base, files, pieces); err != nil {
				return err
			}
		}
		if strings.Contains(o.do, "cut") {
			if err := cutAndDedup(o, base, files, pieces); err != nil {
				return err
			}
		}
	}
	return nil
}

// sample is one upload on a fresh server.
type sample struct {
	took                 time.Duration
	serverCPU, clientCPU time.Duration
	peak, idle           int64 // VmHWM after the upload, and before it
	load                 string
}

// onFreshServer starts a server on a new data folder under base, runs up
// (timed, with the server's and this process's CPU) once the disk has
// settled, reads the server's peak memory, and removes the data. after,
// if set, runs on the same server once up is measured.
func onFreshServer(o options, base string, up func(s *harness.Server) error, after func(s *harness.Server) error) (sample, error) {
	var r sample
	data := filepath.Join(base, "data")
	defer os.RemoveAll(data)
	s, err := harness.Start(o.bin, data, o.serveArgs...)
	if err != nil {
		return r, err
	}
	defer s.Stop()
	if r.idle, err = s.PeakRSS(); err != nil {
		return r, err
	}
	benchutil.Settle()
	cpu0, err := s.CPUTime()
	if err != nil {
		return r, err
	}
	self0 := benchutil.SelfCPU()
	r.took, err = timed(func() error { return up(s) })
	r.clientCPU = benchutil.SelfCPU() - self0
	cpu1, cpuErr := s.CPUTime()
	if err != nil {
		return r, fmt.Errorf("%w\nserver log (tail):\n%s", err, tail(s.Log(), 20))
	}
	r.serverCPU = cpu1 - cpu0
	r.load = strings.Fields(harness.LoadAvg())[0]
	if r.peak, err = s.PeakRSS(); err != nil {
		return r, err
	}
	if o.requests {
		time.Sleep(100 * time.Millisecond) // the last request's log line follows its answer
		fmt.Print(requestTimes(s.Log()))
	}
	if after != nil {
		if err := after(s); err != nil {
			return r, fmt.Errorf("%w\nserver log (tail):\n%s", err, tail(s.Log(), 20))
		}
	}
	return r, cpuErr
}

func tail(log string, n int) string {
	lines := strings.Split(strings.TrimRight(log, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// multipart is the whole repository in one POST /api/repos.
func multipart(o options, files []blob) func(s *harness.Server) error {
	up := harness.Upload{Namespace: "bench", Name: "multipart", Author: "Bench", Email: "bench@example.com", Manifest: o.manifest}
	for _, f := range files {
		up.Files = append(up.Files, f.File)
	}
	body := up.Body() // the manifest's hashing pass happens here, before the clock starts
	return func(s *harness.Server) error {
		r, err := harness.CreateRaw(context.Background(), s.URL, body)
		if err != nil {
			return fmt.Errorf("multipart upload: %w", err)
		}
		if r.Status != 200 {
			return fmt.Errorf("multipart upload: %s", r)
		}
		return checkEntries(r.Body, files)
	}
}

// resumable is the repository as a resumable upload: plan, a tus
// creation and the pieces of each file, parallel at a time, commit.
func resumable(o options, files []blob, name string, piece int64) (*upload, func(s *harness.Server) error) {
	u := &upload{namespace: "bench", name: name, files: files, piece: piece, parallel: o.parallel}
	return u, func(s *harness.Server) error {
		ctx := context.Background()
		u.base = s.URL
		if err := u.plan(ctx); err != nil {
			return err
		}
		if err := u.sendAll(ctx, u.create); err != nil {
			return err
		}
		return u.commit(ctx)
	}
}

type method struct {
	name  string
	piece int64 // 0: multipart
}

// throughput uploads files with each method, o.runs times, interleaved.
func throughput(o options, base string, files []blob, pieces []int64) error {
	var methods []method
	if o.multipart {
		methods = append(methods, method{name: "multipart"})
	}
	for _, p := range pieces {
		methods = append(methods, method{"resumable " + benchutil.Human(p), p})
	}
	size := total(files)
	fmt.Printf("\nthroughput: %d runs, each method on a fresh server; resumable: %d files at a time, plan to commit; multipart: manifest %v\n", o.runs, o.parallel, o.manifest)
	fmt.Printf("%4s  %-18s %9s %9s %11s %11s %13s %6s\n", "run", "method", "time", "MB/s", "server CPU", "client CPU", "server VmHWM", "load")
	got := make([][]sample, len(methods))
	for run := 1; run <= o.runs; run++ {
		for i, m := range methods {
			var up func(*harness.Server) error
			if m.piece == 0 {
				up = multipart(o, files)
			} else {
				_, up = resumable(o, files, "resumable", m.piece)
			}
			r, err := onFreshServer(o, base, up, nil)
			if err != nil {
				return fmt.Errorf("%s, run %d: %w", m.name, run, err)
			}
			got[i] = append(got[i], r)
			fmt.Printf("%4d  %-18s %8.2fs %9.0f %10.2fs %10.2fs %13s %6s\n", run, m.name, r.took.Seconds(), mbps(size, r.took),
				r.serverCPU.Seconds(), r.clientCPU.Seconds(), benchutil.Human(r.peak), r.load)
		}
	}
	fmt.Printf("\nan idle server's VmHWM: %s\n", benchutil.Human(got[0][0].idle))
	fmt.Printf("%-18s %12s %22s %16s %12s %9s\n", "method", "median MB/s", "÷ multipart (median)", "server CPU (med)", "VmHWM (max)", "<=64MiB")
	for i, m := range methods {
		ratios := make([]float64, o.runs)
		for run := range o.runs { // within a run: the load changes between runs
			ratios[run] = got[0][run].took.Seconds() / got[i][run].took.Seconds()
		}
		ratio := ""
		if o.multipart && i > 0 {
			ratio = fmt.Sprintf("%.2fx (%.2f-%.2f)", median(ratios), slices.Min(ratios), slices.Max(ratios))
		}
		peak := slices.MaxFunc(got[i], func(a, b sample) int { return int(a.peak - b.peak) }).peak
		within := "yes"
		if peak > benchutil.MemoryTarget {
			within = "NO"
		}
		fmt.Printf("%-18s %12.0f %22s %15.2fs %12s %9s\n", m.name, mbps(size, medianBy(got[i], func(s sample) time.Duration { return s.took })),
			ratio, medianBy(got[i], func(s sample) time.Duration { return s.serverCPU }).Seconds(), benchutil.Human(peak), within)
	}
	return nil
}

// cutAndDedup, per piece size: a resumable upload whose connections are
// closed once o.cutAt of its bytes are written, resumed with HEAD and
// PATCH and committed; then, on the same server, a second repository of
// the same files.
func cutAndDedup(o options, base string, files []blob, pieces []int64) error {
	size := total(files)
	fmt.Printf("\ncut at %.0f%%, then resumed (HEAD, PATCH from the server's offset), %d files at a time; then a second repository of the same files\n", o.cutAt*100, o.parallel)
	fmt.Printf("%-7s %10s %10s %9s %11s %9s %14s %4s %9s %9s %12s %6s\n", "piece", "sent@cut", "kept", "in flight", "sent again", "÷ total", "bound", "ok", "resume", "VmHWM", "dedup bytes", "load")
	for _, piece := range pieces {
		var c cutResult
		var d dedupResult
		u, _ := resumable(o, files, "cut", piece)
		r, err := onFreshServer(o, base, func(s *harness.Server) error {
			var err error
			c, err = cutUpload(u, s, size, o.cutAt)
			return err
		}, func(s *harness.Server) error {
			var err error
			d, err = dedup(o, s, files)
			return err
		})
		if err != nil {
			return fmt.Errorf("cut with pieces of %s: %w", benchutil.Human(piece), err)
		}
		largest := slices.MaxFunc(files, func(a, b blob) int { return int(a.Size - b.Size) }).Size
		bound := int64(c.inFlight) * min(piece, largest) // one piece per file in flight
		ok := "yes"
		if c.again > bound {
			ok = "NO"
		}
		fmt.Printf("%-7s %10s %10s %9d %11s %8.1f%% %14s %4s %8.2fs %9s %12d %6s\n", benchutil.Human(piece), benchutil.Human(c.sentAtCut), benchutil.Human(c.kept),
			c.inFlight, benchutil.Human(c.again), 100*float64(c.again)/float64(size), fmt.Sprintf("%d x %s", c.inFlight, benchutil.Human(min(piece, largest))), ok,
			c.resume.Seconds(), benchutil.Human(r.peak), d.sent, r.load)
		if c.stuck > 0 {
			fmt.Printf("        %d blob(s) answered 5xx to HEAD + PATCH after the cut; planned again, %d of them still missing (sent again from 0), the others in the pool (see docs/benchmarks.md)\n", c.stuck, c.stuckMissing)
		}
		fmt.Printf("        dedup: plan %.1f ms (missing %d of %d), commit %.1f ms, plan+commit %.1f ms\n",
			ms(d.plan), d.missing, len(files), ms(d.commit), ms(d.plan+d.commit))
	}
	return nil
}

type cutResult struct {
	sentAtCut, kept, again int64
	inFlight               int
	stuck, stuckMissing    int           // blobs whose HEAD + PATCH got a 5xx; of them, still missing when planned again
	resume                 time.Duration // from the first HEAD to the commit's answer
}

// cutUpload plans, sends until the cut, resumes and commits.
func cutUpload(u *upload, s *harness.Server, size int64, at float64) (cutResult, error) {
	var c cutResult
	ctx := context.Background()
	u.base = s.URL
	if err := u.plan(ctx); err != nil {
		return c, err
	}
	u.meter.limit = int64(float64(size) * at)
	if err := u.sendAll(ctx, u.create); !errors.Is(err, errCut) {
		return c, fmt.Errorf("the upload was not cut: %v", err)
	}
	c.sentAtCut, c.inFlight = u.meter.sent.Load(), u.meter.inFlight
	u.meter.limit = 0
	var err error
	u.tolerate5xx = true
	c.resume, err = timed(func() error {
		if err := u.sendAll(ctx, u.resume); err != nil {
			return err
		}
		if c.stuck = len(u.stuck); c.stuck > 0 {
			// HEAD + PATCH failed for these: resume them as after a reload,
			// with the same plan again (the same upload, missing recomputed),
			// then a creation of each blob still missing.
			id := u.id
			if err := u.plan(ctx); err != nil {
				return err
			}
			if u.id != id {
				return fmt.Errorf("the same plan again answered upload %s, not %s", u.id, id)
			}
			c.stuckMissing = len(u.missing)
			u.tolerate5xx = false
			if err := u.sendAll(ctx, u.create); err != nil {
				return err
			}
		}
		return u.commit(ctx)
	})
	if err != nil {
		return c, fmt.Errorf("resuming: %w", err)
	}
	c.kept = u.meter.had.Load()
	c.again = u.meter.sent.Load() - size
	return c, nil
}

type dedupResult struct {
	plan, commit time.Duration
	missing      int
	sent         int64
}

// dedup plans and commits a second repository of files on s, sending the
// blobs the plan says are missing (there should be none).
func dedup(o options, s *harness.Server, files []blob) (dedupResult, error) {
	var d dedupResult
	ctx := context.Background()
	u := &upload{base: s.URL, namespace: "bench", name: "dedup", files: files, piece: 16 << 20, parallel: o.parallel}
	var err error
	if d.plan, err = timed(func() error { return u.plan(ctx) }); err != nil {
		return d, err
	}
	d.missing = len(u.missing)
	if err := u.sendAll(ctx, u.create); err != nil {
		return d, err
	}
	d.sent = u.meter.sent.Load()
	d.commit, err = timed(func() error { return u.commit(ctx) })
	return d, err
}

func mbps(n int64, d time.Duration) float64 { return float64(n) / 1e6 / d.Seconds() }

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

func medianBy(rs []sample, f func(sample) time.Duration) time.Duration {
	v := make([]time.Duration, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	slices.Sort(v)
	return v[len(v)/2]
}
