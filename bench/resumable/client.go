//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oxdrop/oxdrop/server/failuretest/harness"
)

// The client side of a resumable upload (docs/uploads.md): the plan and
// the commit are small JSON requests sent with net/http; the blobs go over
// tus on raw keep-alive HTTP/1.1 connections, one per sender, so a piece's
// bytes go from the generator to the socket without a copy, as
// harness.CreateRaw sends a multipart body: both sides of the comparison
// cost the client the same per byte.

// blob is a file of the upload with its Oxen hash, computed before the
// clock starts (a client hashes before it plans).
type blob struct {
	harness.File
	hash string
}

// upload is one resumable upload of files as namespace/name.
type upload struct {
	base            string // http://127.0.0.1:port
	namespace, name string
	files           []blob
	piece           int64 // bytes per PATCH (every piece but a file's last)
	parallel        int   // files sent at the same time

	// Filled by plan.
	id       string
	endpoint string // the tus_endpoint path
	missing  []string

	meter meter
	// tolerate5xx: a blob answered with a 5xx is set aside in stuck
	// instead of ending the upload (the resumption after a cut).
	tolerate5xx bool
	mu          sync.Mutex
	stuck       []blob
}

// reply is an HTTP answer, body read whole (they are small here).
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) String() string { return fmt.Sprintf("HTTP %d %.300s", r.status, r.body) }

// postJSON posts v as JSON to base+path with net/http.
func postJSON(ctx context.Context, base, path string, v any) (reply, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return reply{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path, bytes.NewReader(b))
	if err != nil {
		return reply{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := harness.HTTP.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	return reply{resp.StatusCode, resp.Header, body}, err
}

// plan is POST /api/uploads: it fills u.id, u.endpoint and u.missing.
func (u *upload) plan(ctx context.Context) error {
	type file struct {
		Path string `json:"path"`
		Hash string `json:"hash"`
		Size int64  `json:"size"`
	}
	files := make([]file, len(u.files))
	for i, f := range u.files {
		files[i] = file{f.Path, f.hash, f.Size}
	}
	r, err := postJSON(ctx, u.base, "/api/uploads", map[string]any{"namespace": u.namespace, "name": u.name, "files": files})
	if err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	var a struct {
		Upload struct {
			ID            string   `json:"id"`
			TusEndpoint   string   `json:"tus_endpoint"`
			Missing       []string `json:"missing"`
			MaxChunkBytes int64    `json:"max_chunk_bytes"`
		} `json:"upload"`
	}
	if r.status != http.StatusCreated || json.Unmarshal(r.body, &a) != nil || a.Upload.ID == "" {
		return fmt.Errorf("plan: %s", r)
	}
	if u.piece > a.Upload.MaxChunkBytes {
		return fmt.Errorf("plan: pieces of %d bytes are over the server's max_chunk_bytes %d", u.piece, a.Upload.MaxChunkBytes)
	}
	u.id, u.endpoint, u.missing = a.Upload.ID, a.Upload.TusEndpoint, a.Upload.Missing
	return nil
}

// commit is POST /api/repos with upload_id and every file as a Blob; it
// checks the answer lists every file with its size.
func (u *upload) commit(ctx context.Context) error {
	user := map[string]string{"name": "Bench", "email": "bench@example.com"}
	files := make([]map[string]any, len(u.files))
	for i, f := range u.files {
		files[i] = map[string]any{"path": f.Path, "contents": map[string]string{"Blob": f.hash}, "user": user}
	}
	r, err := postJSON(ctx, u.base, "/api/repos", map[string]any{"namespace": u.namespace, "name": u.name, "upload_id": u.id, "files": files})
	if err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if r.status != http.StatusOK {
		return fmt.Errorf("commit: %s", r)
	}
	return checkEntries(r.body, u.files)
}

// checkEntries checks a creation's answer against the files sent.
func checkEntries(body []byte, files []blob) error {
	var cr harness.CreateResponse
	if err := json.Unmarshal(body, &cr); err != nil {
		return fmt.Errorf("creation answer: %v: %.300s", err, body)
	}
	if len(cr.MetadataEntries) != len(files) {
		return fmt.Errorf("creation answer lists %d entries, want %d", len(cr.MetadataEntries), len(files))
	}
	size := map[string]int64{}
	for _, f := range files {
		size[f.hash] = f.Size
	}
	for _, e := range cr.MetadataEntries {
		if want, ok := size[e.Hash]; !ok || want != e.Size {
			return fmt.Errorf("creation answer: entry %s (%s, %d bytes) is not a file sent", e.Filename, e.Hash, e.Size)
		}
	}
	return nil
}

// sendAll sends the blobs the plan reported missing, u.parallel at a time,
// each from the offset from gives for it (missing: from 0, with a tus
// creation first). It returns the senders' errors; after a cut (the
// meter's limit) or an error every sender stops.
func (u *upload) sendAll(ctx context.Context, from func(ctx context.Context, c *rawConn, b blob) (int64, error)) error {
	byHash := map[string]blob{}
	for _, f := range u.files {
		byHash[f.hash] = f
	}
	queue := make(chan blob, len(u.missing))
	for _, h := range u.missing {
		queue <- byHash[h]
	}
	close(queue)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	u.meter.cut = func() { cancel(errCut) }
	var wg sync.WaitGroup
	errs := make([]error, u.parallel)
	for w := range u.parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &rawConn{base: u.base}
			defer c.close()
			for b := range queue {
				if ctx.Err() != nil {
					return
				}
				err := u.send(ctx, c, b, from)
				var se *statusError
				if u.tolerate5xx && errors.As(err, &se) && se.r.status >= 500 {
					u.addStuck(b) // left for the caller: the other blobs go on
					continue
				}
				if err != nil {
					if cause := context.Cause(ctx); cause != nil {
						err = cause // the connection was closed on purpose
					}
					errs[w] = err
					cancel(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// send sends b from the offset from gives; a 409 (the offset moved: a
// piece cut off was stored after all) asks with HEAD and goes on, as the
// app does.
func (u *upload) send(ctx context.Context, c *rawConn, b blob, from func(ctx context.Context, c *rawConn, b blob) (int64, error)) error {
	for tries := 0; ; tries++ {
		off, err := from(ctx, c, b)
		if err == nil {
			err = u.sendFrom(ctx, c, b, off)
		}
		var se *statusError
		if errors.As(err, &se) && se.r.status == http.StatusConflict && tries < 3 {
			from = u.resume
			continue
		}
		return err
	}
}

// statusError is an unexpected answer to a request of a blob.
type statusError struct {
	what string
	r    reply
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%s: %s (Upload-Offset %q)", e.what, e.r, e.r.header.Get("Upload-Offset"))
}

func (u *upload) addStuck(b blob) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.stuck = append(u.stuck, b)
}

// create is a tus creation of b (the first send of a missing blob).
func (u *upload) create(ctx context.Context, c *rawConn, b blob) (int64, error) {
	r, err := c.do(ctx, http.MethodPost, u.endpoint, [][2]string{
		{"Upload-Length", strconv.FormatInt(b.Size, 10)},
		{"Upload-Metadata", "hash " + base64.StdEncoding.EncodeToString([]byte(b.hash))},
	}, 0, nil)
	if err != nil {
		return 0, fmt.Errorf("creation of %s: %w", b.Path, err)
	}
	if r.status != http.StatusCreated {
		return 0, &statusError{"creation of " + b.Path, r}
	}
	return 0, nil
}

// resume asks the server with HEAD where b stands, and creates b when it
// was never created (404): the resumption after a cut.
func (u *upload) resume(ctx context.Context, c *rawConn, b blob) (int64, error) {
	r, err := c.do(ctx, http.MethodHead, u.endpoint+"/"+b.hash, nil, 0, nil)
	if err != nil {
		return 0, fmt.Errorf("HEAD of %s: %w", b.Path, err)
	}
	switch r.status {
	case http.StatusNotFound:
		return u.create(ctx, c, b)
	case http.StatusOK:
		off, err := strconv.ParseInt(r.header.Get("Upload-Offset"), 10, 64)
		if err != nil || off < 0 || off > b.Size {
			return 0, fmt.Errorf("HEAD of %s: Upload-Offset %q", b.Path, r.header.Get("Upload-Offset"))
		}
		u.meter.had.Add(off)
		return off, nil
	}
	return 0, &statusError{"HEAD of " + b.Path, r}
}

// sendFrom PATCHes b's bytes from offset off to its end, in u.piece pieces.
func (u *upload) sendFrom(ctx context.Context, c *rawConn, b blob, off int64) error {
	if off >= b.Size {
		return nil
	}
	content := harness.NewContent(b.Seed, b.Size)
	// Skipped through Read (WriteTo would send it): once per resumed blob.
	if _, err := io.CopyBuffer(io.Discard, io.LimitReader(struct{ io.Reader }{content}, off), make([]byte, 1<<20)); err != nil {
		return err
	}
	u.meter.started(b.hash)
	defer u.meter.finished(b.hash)
	for off < b.Size {
		n := min(u.piece, b.Size-off)
		r, err := c.do(ctx, http.MethodPatch, u.endpoint+"/"+b.hash, [][2]string{
			{"Content-Type", "application/offset+octet-stream"},
			{"Upload-Offset", strconv.FormatInt(off, 10)},
		}, n, func(w io.Writer) error {
			_, err := content.WriteTo(&pieceWriter{w: w, left: n, m: &u.meter})
			if errors.Is(err, errPieceFull) {
				err = nil
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("piece of %s at %d: %w", b.Path, off, err)
		}
		if r.status != http.StatusNoContent || r.header.Get("Upload-Offset") != strconv.FormatInt(off+n, 10) {
			return &statusError{fmt.Sprintf("piece of %s at %d", b.Path, off), r}
		}
		off += n
	}
	return nil
}

// errCut ends the senders when the meter reaches its limit.
var errCut = errors.New("connections cut on purpose")

// meter counts the piece bytes written to the sockets, and cuts every
// connection (cancels the senders' context) once limit bytes are written.
type meter struct {
	sent    atomic.Int64 // piece bytes written to sockets
	claimed atomic.Int64 // bytes allowed so far (a write claims before it writes)
	had     atomic.Int64 // offsets HEAD answered: what the server kept
	limit   int64        // 0: no cut
	cut     func()       // set by sendAll

	mu       sync.Mutex
	active   map[string]bool // blobs being sent
	inFlight int             // blobs being sent when the cut came
}

// claim reserves up to n bytes under the limit and says how many may be
// written; fewer than n means the limit is reached, and the cut is made.
func (m *meter) claim(n int) int {
	if m.limit == 0 {
		return n
	}
	after := m.claimed.Add(int64(n))
	if after <= m.limit {
		return n
	}
	m.mu.Lock()
	if m.cut != nil {
		m.inFlight = len(m.active)
		m.cut()
		m.cut = nil
	}
	m.mu.Unlock()
	return int(max(0, m.limit-(after-int64(n))))
}

func (m *meter) started(hash string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.active == nil {
		m.active = map[string]bool{}
	}
	m.active[hash] = true
}

func (m *meter) finished(hash string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.active, hash)
}

// errPieceFull stops the generator's WriteTo at the end of a piece.
var errPieceFull = errors.New("piece full")

// pieceWriter passes the first left bytes to w, counting them in m.
type pieceWriter struct {
	w    io.Writer
	left int64
	m    *meter
}

func (p *pieceWriter) Write(b []byte) (int, error) {
	if p.left == 0 {
		return 0, errPieceFull
	}
	want := int(min(int64(len(b)), p.left))
	allowed := p.m.claim(want)
	n, err := p.w.Write(b[:allowed])
	p.left -= int64(n)
	p.m.sent.Add(int64(n))
	switch {
	case err != nil:
		return n, err
	case allowed < want:
		return n, errCut
	case n < len(b):
		return n, errPieceFull
	}
	return n, nil
}

// rawConn is one keep-alive HTTP/1.1 connection written by hand (see the
// top of this file). A request's context closes the connection when it is
// cancelled: that is how a cut aborts the pieces in flight.
type rawConn struct {
	base string
	c    net.Conn
	br   *bufio.Reader
}

func (c *rawConn) close() {
	if c.c != nil {
		c.c.Close()
		c.c = nil
	}
}

// do sends method path with the tus header, header and a body of length
// bytes written by body (nil: none), then reads the reply.
func (c *rawConn) do(ctx context.Context, method, path string, header [][2]string, length int64, body func(io.Writer) error) (reply, error) {
	if c.c == nil {
		u, err := url.Parse(c.base)
		if err != nil {
			return reply{}, err
		}
		var d net.Dialer
		if c.c, err = d.DialContext(ctx, "tcp", u.Host); err != nil {
			return reply{}, err
		}
		c.br = bufio.NewReader(c.c)
	}
	conn := c.c
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	head := fmt.Appendf(nil, "%s %s HTTP/1.1\r\nHost: %s\r\nTus-Resumable: 1.0.0\r\nContent-Length: %d\r\n", method, path, conn.RemoteAddr(), length)
	for _, h := range header {
		head = fmt.Appendf(head, "%s: %s\r\n", h[0], h[1])
	}
	head = append(head, "\r\n"...)
	_, err := conn.Write(head)
	if err == nil && body != nil {
		err = body(conn)
	}
	if err != nil {
		c.close()
		return reply{}, err
	}
	resp, err := http.ReadResponse(c.br, &http.Request{Method: method})
	if err != nil {
		c.close()
		return reply{}, fmt.Errorf("reading the reply: %w", err)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if err != nil || resp.Close || ctx.Err() != nil {
		c.close()
	}
	return reply{resp.StatusCode, resp.Header, b}, err
}

// timed runs f and says how long it took.
func timed(f func() error) (time.Duration, error) {
	began := time.Now()
	err := f()
	return time.Since(began), err
}
