//go:build unix

package harness

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// HTTP is the client every harness request uses: keep-alive on, enough idle
// connections for a load generator with 32 workers, no overall timeout (a
// 2 GiB upload takes a while; callers bound requests with a context).
var HTTP = &http.Client{Transport: &http.Transport{
	MaxIdleConns:        64,
	MaxIdleConnsPerHost: 64,
	IdleConnTimeout:     30 * time.Second,
}}

// CreateResponse is the part of POST /api/repos's answer the tests check.
type CreateResponse struct {
	Status        string `json:"status"`
	StatusMessage string `json:"status_message"`
	Repository    struct {
		Namespace    string `json:"namespace"`
		Name         string `json:"name"`
		LatestCommit *struct {
			ID string `json:"id"`
		} `json:"latest_commit"`
	} `json:"repository"`
	MetadataEntries []struct {
		Filename string `json:"filename"`
		Hash     string `json:"hash"`
		Size     int64  `json:"size"`
		Resource struct {
			Path string `json:"path"`
		} `json:"resource"`
	} `json:"metadata_entries"`
}

// Reply is an HTTP status with its (bounded) body.
type Reply struct {
	Status int
	Body   []byte
}

// JSON decodes the body into v.
func (r Reply) JSON(v any) error {
	if err := json.Unmarshal(r.Body, v); err != nil {
		return fmt.Errorf("HTTP %d body is not the expected JSON (%v): %.300s", r.Status, err, r.Body)
	}
	return nil
}

func (r Reply) String() string { return fmt.Sprintf("HTTP %d %.300s", r.Status, r.Body) }

// maxReply bounds how much of a reply the harness reads: a creation answer
// for 10,000 files is a few MiB.
const maxReply = 64 << 20

// Create posts body to base+/api/repos.
func Create(ctx context.Context, base string, body Body) (Reply, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/repos", body.Reader)
	if err != nil {
		return Reply{}, err
	}
	req.ContentLength = body.Length
	req.Header.Set("Content-Type", body.ContentType)
	return do(req)
}

// CreateRaw posts body to base+/api/repos over a new connection of its
// own, writing the body with its WriteTo (generated file content goes to
// the socket in 256 KiB writes, without a copy), then reads the reply: the
// lightest client, for throughput benchmarks on a machine whose cores the
// client shares with the server. net/http's client copies the body in
// 32 KiB pieces (its io.LimitReader hides WriteTo).
func CreateRaw(ctx context.Context, base string, body Body) (Reply, error) {
	u, err := url.Parse(base)
	if err != nil {
		return Reply{}, err
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return Reply{}, err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	head := fmt.Sprintf("POST /api/repos HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n",
		u.Host, body.ContentType, body.Length)
	if _, err := io.WriteString(conn, head); err != nil {
		return Reply{}, err
	}
	// Read the reply while sending: the server may answer early (an error).
	type result struct {
		reply Reply
		err   error
	}
	replied := make(chan result, 1)
	go func() {
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			replied <- result{err: fmt.Errorf("reading the reply: %w", err)}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(io.LimitReader(resp.Body, maxReply))
		if err != nil {
			err = fmt.Errorf("reading the HTTP %d reply: %w", resp.StatusCode, err)
		}
		replied <- result{Reply{Status: resp.StatusCode, Body: b}, err}
	}()
	n, sendErr := io.Copy(conn, body.Reader) // uses the body's WriteTo
	if sendErr == nil && n != body.Length {
		sendErr = fmt.Errorf("body has %d bytes, Content-Length says %d", n, body.Length)
	}
	// Wait for the reply even if the send failed: the server may have
	// answered early and closed (a reset also ends the read at once).
	select {
	case r := <-replied:
		if r.err != nil && sendErr != nil {
			r.err = fmt.Errorf("sending the body: %w; %v", sendErr, r.err)
		}
		return r.reply, r.err
	case <-ctx.Done():
		return Reply{}, ctx.Err()
	}
}

// GetRepo fetches GET /api/repos/{ns}/{name}.
func GetRepo(ctx context.Context, base, ns, name string) (Reply, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/repos/"+url.PathEscape(ns)+"/"+url.PathEscape(name), nil)
	if err != nil {
		return Reply{}, err
	}
	return do(req)
}

// GetFile opens GET /api/repos/{ns}/{name}/file/main/{path}; the caller
// closes the body.
func GetFile(ctx context.Context, base, ns, name, path string) (*http.Response, error) {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	u := base + "/api/repos/" + url.PathEscape(ns) + "/" + url.PathEscape(name) + "/file/main/" + strings.Join(segs, "/")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	return HTTP.Do(req)
}

// CheckFiles reads every file of u back through the file endpoint and
// compares it with what was uploaded.
func CheckFiles(ctx context.Context, base string, u Upload) error {
	for _, f := range u.Files {
		resp, err := GetFile(ctx, base, u.Namespace, u.Name, f.Path)
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
			resp.Body.Close()
			return fmt.Errorf("GET %s/%s file %s: HTTP %d %s", u.Namespace, u.Name, f.Path, resp.StatusCode, b)
		}
		err = SameContent(resp.Body, f)
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("%s/%s: %w", u.Namespace, u.Name, err)
		}
	}
	return nil
}

func do(req *http.Request) (Reply, error) {
	resp, err := HTTP.Do(req)
	if err != nil {
		return Reply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxReply))
	if err != nil {
		return Reply{Status: resp.StatusCode, Body: b}, fmt.Errorf("reading the HTTP %d reply: %w", resp.StatusCode, err)
	}
	return Reply{Status: resp.StatusCode, Body: b}, nil
}

// Snapshot lists every regular file under dir (relative slash path → size):
// comparing two snapshots shows what a request left on disk.
func Snapshot(dir string) (map[string]int64, error) {
	files := map[string]int64{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil // removed while walking: a cleanup in progress
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = info.Size()
		return nil
	})
	return files, err
}

// Diff lists the paths added to and removed from before, sorted.
func Diff(before, after map[string]int64) (added, removed []string) {
	for p := range after {
		if _, ok := before[p]; !ok {
			added = append(added, p)
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			removed = append(removed, p)
		}
	}
	sort.Strings(added)
	sort.Strings(removed)
	return added, removed
}
