//go:build unix

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/oxdrop/oxdrop/bench/internal/benchutil"
	"github.com/oxdrop/oxdrop/server/failuretest/harness"
)

// runWide measures wide tables: for each count, a fresh server receives one
// upload of that many generated CSV files of columns columns each (streamed
// by the client, never held whole), then the repository is read back with
// GET. The answers list every column of every table; they are read and
// counted, never kept. The server's peak resident memory (VmHWM) is read
// after the creation and after the GET.
func runWide(counts string, columns int, dir, bin string, serveArgs []string) error {
	ns, err := parseCounts(counts, "-wide")
	if err != nil {
		return err
	}
	base, bin, err := harness.Workdir(dir, "oxdrop-ingest-wide-", bin)
	if err != nil {
		return err
	}
	defer os.RemoveAll(base)
	fmt.Printf("machine: %s\n\n", harness.Machine())
	fmt.Printf("%6s %8s %10s %7s %9s %10s %10s %7s %9s %10s %10s %8s %6s\n", "files", "columns", "upload", "POST", "POST CPU", "answer", "VmHWM", "GET", "GET CPU", "VmHWM", "idle VmHWM", "<=64MiB", "load")
	for _, n := range ns {
		data := filepath.Join(base, "data")
		s, err := harness.Start(bin, data, serveArgs...)
		if err != nil {
			return err
		}
		r, err := wideOnce(s, n, columns)
		s.Stop()
		os.RemoveAll(data)
		if err != nil {
			return fmt.Errorf("%d wide files: %w", n, err)
		}
		within := "yes"
		if r.peakGet > benchutil.MemoryTarget {
			within = "NO"
		}
		fmt.Printf("%6d %8d %10s %6.1fs %8.2fs %10s %10s %6.1fs %8.2fs %10s %10s %8s %6s\n", n, columns, benchutil.Human(r.upload),
			r.post.Seconds(), r.postCPU.Seconds(), benchutil.Human(r.answer), benchutil.Human(r.peakPost), r.get.Seconds(), r.getCPU.Seconds(), benchutil.Human(r.peakGet), benchutil.Human(r.idle),
			within, strings.Fields(harness.LoadAvg())[0])
	}
	fmt.Println("\nVmHWM is the server's peak after the POST, then after the GET (a process's peak never goes down).")
	return nil
}

type wideResult struct {
	upload, answer          int64
	post, get               time.Duration
	postCPU, getCPU         time.Duration // the server's CPU time (user + system)
	idle, peakPost, peakGet int64
}

// wideOnce creates one repository of n wide tables on s and reads it back.
func wideOnce(s *harness.Server, n, columns int) (wideResult, error) {
	var r wideResult
	var err error
	if r.idle, err = s.PeakRSS(); err != nil {
		return r, err
	}
	body := wideBody(n, columns)
	r.upload = body.Length
	cpu0, _ := s.CPUTime()
	began := time.Now()
	answer, err := postCounted(s.URL, body)
	r.post = time.Since(began)
	cpu1, _ := s.CPUTime()
	r.postCPU = cpu1 - cpu0
	if err != nil {
		return r, fmt.Errorf("POST: %w\nserver log:\n%s", err, s.Log())
	}
	if err := answer.check(n, "resource_created"); err != nil {
		return r, fmt.Errorf("POST: %w", err)
	}
	r.answer = answer.n
	if r.peakPost, err = s.PeakRSS(); err != nil {
		return r, err
	}
	began = time.Now()
	got, err := getCounted(s.URL + "/api/repos/bench/wide")
	r.get = time.Since(began)
	cpu2, _ := s.CPUTime()
	r.getCPU = cpu2 - cpu1
	if err != nil {
		return r, fmt.Errorf("GET: %w", err)
	}
	if err := got.check(n, "resource_found"); err != nil {
		return r, fmt.Errorf("GET: %w", err)
	}
	if got.n-int64(len("resource_found")) != answer.n-int64(len("resource_created")) {
		return r, fmt.Errorf("GET answered %d bytes, the creation %d", got.n, answer.n)
	}
	r.peakGet, err = s.PeakRSS()
	return r, err
}

// wideCSV generates a CSV of a header of columns names (feature_00000...)
// and one row of numbers that differ from file to file (seed), a column at
// a time.
type wideCSV struct {
	columns, seed int
	row, col      int // the next cell
	pending       []byte
	cell          []byte
}

func newWideCSV(columns, seed int) *wideCSV { return &wideCSV{columns: columns, seed: seed} }

func (g *wideCSV) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(g.pending) == 0 {
			if g.row == 2 {
				break
			}
			g.cell = g.cell[:0]
			if g.row == 0 {
				g.cell = fmt.Appendf(g.cell, "feature_%05d", g.col)
			} else {
				g.cell = strconv.AppendInt(g.cell, int64(g.seed+g.col), 10)
			}
			g.col++
			if g.col == g.columns {
				g.cell = append(g.cell, '\n')
				g.row, g.col = g.row+1, 0
			} else {
				g.cell = append(g.cell, ',')
			}
			g.pending = g.cell
		}
		c := copy(p[n:], g.pending)
		g.pending = g.pending[c:]
		n += c
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// wideBody is one multipart creation of n wide CSV files (tables/000.csv,
// ...), every file generated as it is sent; its length is counted by
// generating each file once beforehand.
func wideBody(n, columns int) harness.Body {
	boundary := fmt.Sprintf("wide%032x", time.Now().UnixNano())
	var parts []io.Reader
	var length int64
	add := func(s string) {
		parts = append(parts, strings.NewReader(s))
		length += int64(len(s))
	}
	field := func(name, value string) {
		add(fmt.Sprintf("--%s\r\nContent-Disposition: form-data; name=%q\r\n\r\n%s\r\n", boundary, name, value))
	}
	field("new_repo", `{"namespace":"bench","name":"wide"}`)
	field("name", "Bench")
	field("email", "bench@example.com")
	for i := range n {
		add(fmt.Sprintf("--%s\r\nContent-Disposition: form-data; name=\"file[]\"; filename=\"tables/%03d.csv\"\r\nContent-Type: text/csv\r\n\r\n", boundary, i))
		size, _ := io.Copy(io.Discard, newWideCSV(columns, i))
		parts = append(parts, newWideCSV(columns, i))
		length += size
		add("\r\n")
	}
	add("--" + boundary + "--\r\n")
	return harness.Body{Reader: io.MultiReader(parts...), ContentType: "multipart/form-data; boundary=" + boundary, Length: length}
}

// counted is what was seen of an answer: its status, size, head and tail,
// and how many entries it lists (occurrences of "filename"), its bytes
// otherwise dropped.
type counted struct {
	status  int
	n       int64
	head    []byte
	tail    []byte
	entries int
	carry   []byte // the answer's last len(entryKey)-1 bytes so far, for a match across writes
}

var entryKey = []byte(`{"filename":`)

func (c *counted) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	if len(c.head) < 300 {
		c.head = append(c.head, p[:min(len(p), 300-len(c.head))]...)
	}
	// Count entry keys in carry+p without copying p: first the matches that
	// start in carry, then those inside p.
	k := len(entryKey) - 1
	joined := append(c.carry, p[:min(len(p), k)]...)
	c.entries += bytes.Count(joined, entryKey)
	c.entries += bytes.Count(p, entryKey)
	if len(p) >= k {
		c.carry = append(c.carry[:0], p[len(p)-k:]...)
	} else {
		c.carry = append(c.carry[:0], joined[len(joined)-min(len(joined), k):]...)
	}
	c.tail = append(c.tail, p[len(p)-min(len(p), 16):]...)
	c.tail = c.tail[len(c.tail)-min(len(c.tail), 16):]
	return len(p), nil
}

// check verifies a 200 whose JSON starts as a success and lists n entries.
func (c *counted) check(n int, message string) error {
	prefix := `{"status":"success","status_message":"` + message + `",`
	if c.status != http.StatusOK || !bytes.HasPrefix(c.head, []byte(prefix)) {
		return fmt.Errorf("HTTP %d %.300s", c.status, c.head)
	}
	if c.entries != n || !bytes.HasSuffix(c.tail, []byte("}]}\n")) {
		return fmt.Errorf("the answer (%d bytes) lists %d entries, want %d, and ends with %q", c.n, c.entries, n, c.tail)
	}
	return nil
}

// postCounted sends body to base+/api/repos over a connection of its own
// (like harness.CreateRaw: the generator's bytes go to the socket without
// another copy) and counts the answer while it arrives.
func postCounted(base string, body harness.Body) (*counted, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	head := fmt.Sprintf("POST /api/repos HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n",
		u.Host, body.ContentType, body.Length)
	if _, err := io.WriteString(conn, head); err != nil {
		return nil, err
	}
	type result struct {
		c   *counted
		err error
	}
	replied := make(chan result, 1)
	go func() {
		resp, err := http.ReadResponse(bufio.NewReaderSize(conn, 256<<10), nil)
		if err != nil {
			replied <- result{err: fmt.Errorf("reading the reply: %w", err)}
			return
		}
		defer resp.Body.Close()
		c := &counted{status: resp.StatusCode}
		_, err = io.CopyBuffer(c, resp.Body, make([]byte, 256<<10))
		replied <- result{c, err}
	}()
	_, sendErr := io.Copy(conn, body.Reader)
	r := <-replied
	if r.err != nil && sendErr != nil {
		r.err = fmt.Errorf("sending the body: %w; %v", sendErr, r.err)
	}
	return r.c, r.err
}

// getCounted reads GET url's answer, counted.
func getCounted(url string) (*counted, error) {
	resp, err := harness.HTTP.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	c := &counted{status: resp.StatusCode}
	_, err = io.CopyBuffer(c, resp.Body, make([]byte, 256<<10))
	return c, err
}

// parseCounts reads a comma-separated list of positive counts.
func parseCounts(list, flag string) ([]int, error) {
	var ns []int
	for _, s := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("bad %s count %q", flag, s)
		}
		ns = append(ns, n)
	}
	return ns, nil
}
