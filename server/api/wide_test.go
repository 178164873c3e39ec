package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oxdrop/oxdrop/core/describe"
)

// wideCSV is a header of n named columns and one row.
func wideCSV(n int) []byte {
	var b bytes.Buffer
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "feature_%05d", i)
	}
	b.WriteByte('\n')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%d", i)
	}
	b.WriteByte('\n')
	return b.Bytes()
}

// TestWideTables: a 30,000-column table is created, described and reads
// back whole; one over the describers' column cap is a 413 that keeps
// nothing and leaves the name free.
func TestWideTables(t *testing.T) {
	e := newEnv(t)
	csv := wideCSV(30_000)
	r := e.postMultipart(newRepo("ox", "wide"), field("name", "a"), field("email", "b"), file("t/wide.csv", csv))
	if r.status != 200 {
		t.Fatalf("%d %.300s", r.status, r.body)
	}
	var resp creationResponse
	json.Unmarshal(r.body, &resp)
	tab := resp.MetadataEntries[0].Metadata.Tabular
	if tab == nil || tab.Width != 30_000 || len(tab.Schema.Fields) != 30_000 || tab.Schema.Fields[29_999].Name != "feature_29999" {
		t.Fatalf("metadata %+v", resp.MetadataEntries[0].Metadata)
	}
	g := e.get("/api/repos/ox/wide")
	var got creationResponse
	json.Unmarshal(g.body, &got)
	if g.status != 200 || len(got.MetadataEntries) != 1 || got.MetadataEntries[0].Metadata.Tabular.Schema.Hash != tab.Schema.Hash {
		t.Fatalf("GET repository: %d %.300s", g.status, g.body)
	}
	if f := e.get("/api/repos/ox/wide/file/main/t/wide.csv"); f.status != 200 || !bytes.Equal(f.body, csv) {
		t.Fatalf("GET file: %d, %d bytes", f.status, len(f.body))
	}

	tooWide := wideCSV(describe.MaxColumns + 1)
	e.postMultipart(newRepo("ox", "toowide"), field("name", "a"), field("email", "b"), file("w.csv", tooWide)).
		expectError(t, 413, fmt.Sprintf(`file "w.csv" has %d columns, over the limit of %d columns`, describe.MaxColumns+1, describe.MaxColumns))
	e.postJSON(`{"namespace":"ox","name":"toowide","files":[{"path":"w.csv","contents":{"Text":`+jsonString(string(tooWide))+`},"user":{"name":"a","email":"b"}}]}`).
		expectError(t, 413, "over the limit of 100000 columns")
	if r := e.postMultipart(newRepo("ox", "toowide"), field("name", "a"), field("email", "b"), file("w.csv", []byte("a,b\n1,2\n"))); r.status != 200 {
		t.Fatalf("name not free: %d %s", r.status, r.body)
	}
	e.noTrace()
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// BenchmarkWideCreation creates one repository of 100 tables of 30,000
// columns each (a 56 MiB upload, streamed by the client: one table's CSV is
// held and sent 100 times) and reads its 200 MiB answer, counted, not kept.
// It reports the process's peak HeapInuse over a GC'd start, sampled every
// millisecond; client and server share that heap. The server alone, out of
// process, is measured by `go run ./bench/ingest -wide 1,10,100`
// (bench/README.md, section 3).
//
//	go test ./server/api/ -run '^$' -bench WideCreation -benchtime 1x
//
// AMD EPYC VM, 2 cores shared with other work (load 18), go1.26.8:
// 14.3 MiB peak heap, 10.9 s.
func BenchmarkWideCreation(b *testing.B) {
	csv := wideCSV(30_000)
	t := &testing.T{}
	for b.Loop() {
		e := newEnv(t)
		e.t = t
		pr, pw := io.Pipe()
		mw := multipart.NewWriter(pw)
		go func() {
			mw.WriteField("new_repo", `{"namespace":"ox","name":"wide"}`)
			mw.WriteField("name", "a")
			mw.WriteField("email", "b")
			for i := range 100 {
				fw, _ := mw.CreateFormFile("file[]", fmt.Sprintf("tables/%03d.csv", i))
				fw.Write(csv)
			}
			pw.CloseWithError(mw.Close())
		}()
		body := &countingReader{r: pr}
		runtime.GC()
		debug.FreeOSMemory()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		var peak atomic.Uint64
		done := make(chan struct{})
		go func() {
			var m runtime.MemStats
			for {
				select {
				case <-done:
					return
				case <-time.After(time.Millisecond):
				}
				runtime.ReadMemStats(&m)
				if m.HeapInuse > peak.Load() {
					peak.Store(m.HeapInuse)
				}
			}
		}()
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/repos", body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		res, err := e.srv.Client().Do(req)
		if err != nil {
			b.Fatal(err)
		}
		// Counted, not kept: the answer lists 3 million columns.
		n, _ := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		close(done)
		if res.StatusCode != 200 {
			b.Fatalf("status %d", res.StatusCode)
		}
		b.ReportMetric(float64(n)/(1<<20), "answer-MiB")
		b.ReportMetric(float64(peak.Load()-min(peak.Load(), base.HeapInuse))/(1<<20), "peak-heap-MiB")
		b.ReportMetric(float64(body.n)/(1<<20), "upload-MiB")
		e.srv.Close()
	}
}

// countingReader counts what is read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
