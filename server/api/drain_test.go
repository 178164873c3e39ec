package api

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oxdrop/oxdrop/internal/testenv"
)

// The early-error tests send one file far over -max-file inside a large
// multipart body: the server decides after 1 MiB while the client still
// has ~63 MiB to send. Whatever the client, it must get the 413 JSON, not a
// reset connection.
const (
	earlyLimit    = 1 << 20
	earlyFileSize = 64 << 20
	earlyMessage  = `File "big/over.bin" is over the limit of 1048576 bytes`
)

// earlyBody is the multipart body: new_repo, then the big file.
type earlyBody struct {
	head, tail  string
	contentType string
	length      int64
}

func newEarlyBody(fileSize int64) earlyBody {
	const boundary = "oxdropEarlyErrorBoundary1234"
	head := "--" + boundary + "\r\nContent-Disposition: form-data; name=\"new_repo\"\r\n\r\n" +
		`{"namespace":"ox","name":"early"}` + "\r\n--" + boundary +
		"\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big/over.bin\"\r\n" +
		"Content-Type: application/octet-stream\r\n\r\n"
	tail := "\r\n--" + boundary + "--\r\n"
	return earlyBody{head, tail, "multipart/form-data; boundary=" + boundary, int64(len(head)) + fileSize + int64(len(tail))}
}

// pacedReader yields n bytes in 64 KiB reads at about rate bytes/s, so the
// client is still sending when the server has decided.
type pacedReader struct {
	n, sent int64
	rate    float64
	start   time.Time
}

func (p *pacedReader) Read(b []byte) (int, error) {
	if p.sent >= p.n {
		return 0, io.EOF
	}
	if p.start.IsZero() {
		p.start = time.Now()
	}
	if due := p.start.Add(time.Duration(float64(p.sent) / p.rate * float64(time.Second))); time.Until(due) > 0 {
		time.Sleep(time.Until(due))
	}
	k := min(int64(len(b)), 64<<10, p.n-p.sent)
	clear(b[:k])
	p.sent += k
	return int(k), nil
}

func (b earlyBody) reader(rate float64) io.Reader {
	return io.MultiReader(strings.NewReader(b.head), &pacedReader{n: b.length - int64(len(b.head)) - int64(len(b.tail)), rate: rate}, strings.NewReader(b.tail))
}

// earlyRate sends the 64 MiB in about half a second: still sending well
// after the server answered, done well within the drain time.
const earlyRate = 128 << 20

func newEarlyEnv(t *testing.T, drain time.Duration) *testEnv {
	return newEnv(t, func(c *Config) { c.MaxFileBytes = earlyLimit; c.ErrorDrainTime = drain })
}

// sendAllThenRead posts b over a raw connection, sending the whole body
// before reading anything (as simple clients and some proxies do), and
// returns the answer and its body.
func sendAllThenRead(t *testing.T, e *testEnv, b earlyBody, timeout time.Duration) (*http.Response, []byte) {
	t.Helper()
	u, _ := url.Parse(e.srv.URL)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(timeout))
	fmt.Fprintf(conn, "POST /api/repos HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", u.Host, b.contentType, b.length)
	if n, err := io.Copy(conn, b.reader(earlyRate)); err != nil {
		t.Fatalf("sending the body failed after %d of %d bytes: %v (the server closed the connection while the client was still sending)", n, b.length, err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("reading the answer's body: %v", err)
	}
	return res, body
}

// checkEarly413 checks status and body of the answer, and that nothing
// was kept.
func checkEarly413(t *testing.T, e *testEnv, status int, body []byte) {
	t.Helper()
	var r response
	r.status, r.body = status, body
	if err := json.Unmarshal(body, &r.json); err != nil {
		t.Fatalf("HTTP %d, body is not JSON: %.200q", status, body)
	}
	r.expectError(t, http.StatusRequestEntityTooLarge, earlyMessage)
	e.noTrace()
}

// TestEarlyErrorRawClient: a client that sends its whole body before it
// reads anything (as simple HTTP clients and some proxies do) gets the 413.
func TestEarlyErrorRawClient(t *testing.T) {
	e := newEarlyEnv(t, 0)
	res, body := sendAllThenRead(t, e, newEarlyBody(earlyFileSize), 60*time.Second)
	checkEarly413(t, e, res.StatusCode, body)
	if !res.Close {
		t.Error("no Connection: close on the answer (the handler did not read the request to its end before answering)")
	}
}

// TestEarlyErrorGoClient: net/http's client, which writes the body and
// reads the answer on two goroutines.
func TestEarlyErrorGoClient(t *testing.T) {
	e := newEarlyEnv(t, 0)
	b := newEarlyBody(earlyFileSize)
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/repos", b.reader(earlyRate))
	req.ContentLength = b.length
	req.Header.Set("Content-Type", b.contentType)
	res, err := (&http.Client{Timeout: 60 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	checkEarly413(t, e, res.StatusCode, body)
}

// TestEarlyErrorCurl: curl, with and without "Expect: 100-continue".
func TestEarlyErrorCurl(t *testing.T) {
	curl := testenv.Tool(t, "curl", "apt-get install curl")
	e := newEarlyEnv(t, 0)
	path := filepath.Join(t.TempDir(), "over.bin")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(earlyFileSize); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, extra := range [][]string{nil, {"-H", "Expect:"}} {
		t.Run(strings.Join(append([]string{"curl"}, extra...), " "), func(t *testing.T) {
			args := append([]string{"-sS", "--max-time", "60", "--limit-rate", fmt.Sprint(earlyRate),
				"-w", "\n%{http_code}",
				"-F", `new_repo={"namespace":"ox","name":"early"};type=application/json`,
				"-F", "file=@" + path + ";filename=big/over.bin"}, extra...)
			out, err := exec.Command(curl, append(args, e.srv.URL+"/api/repos")...).CombinedOutput()
			if err != nil {
				t.Fatalf("curl: %v\n%s", err, out)
			}
			body, code, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
			var status int
			fmt.Sscan(code, &status)
			checkEarly413(t, e, status, []byte(body))
		})
	}
}

// TestEarlyErrorDrainIsBounded: a client that never stops sending gets the
// connection closed once the drain time is over, and the handler returns.
func TestEarlyErrorDrainIsBounded(t *testing.T) {
	const drain = 300 * time.Millisecond
	e := newEarlyEnv(t, drain)
	b := newEarlyBody(8 << 30) // announces 8 GiB (under -max-body): it will never be sent
	u, _ := url.Parse(e.srv.URL)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/repos HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", u.Host, b.contentType, b.length)
	// Read the answer while sending, as curl does.
	type answer struct {
		res  *http.Response
		body []byte
		err  error
		at   time.Time
	}
	answered := make(chan answer, 1)
	go func() {
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			answered <- answer{err: err}
			return
		}
		body, err := io.ReadAll(res.Body)
		answered <- answer{res, body, err, time.Now()}
	}()
	start := time.Now()
	src := b.reader(64 << 20) // 64 MB/s, forever
	buf := make([]byte, 64<<10)
	var sendErr error
	for time.Since(start) < 30*time.Second {
		n, _ := src.Read(buf)
		if _, sendErr = conn.Write(buf[:n]); sendErr != nil {
			break
		}
	}
	if sendErr == nil {
		t.Fatal("the server still read the body after 30 s: the drain is not bounded")
	}
	stopped := time.Since(start)
	a := <-answered
	if a.err != nil {
		t.Fatalf("the answer was lost: %v", a.err)
	}
	checkEarly413(t, e, a.res.StatusCode, a.body)
	if limit := a.at.Sub(start) + drain + 5*time.Second; stopped > limit {
		t.Errorf("the server stopped reading %v after the start, want at most the answer + drain time + 5 s slack (%v)", stopped, limit)
	}
	if !errors.Is(sendErr, net.ErrClosed) && !strings.Contains(sendErr.Error(), "reset") && !strings.Contains(sendErr.Error(), "broken pipe") {
		t.Logf("send ended with %v", sendErr)
	}
}

// TestEarlyErrorExpectContinue: a client that waits for "100 Continue"
// before sending its body, refused before the body is read, gets the final
// answer at once (no 100, no wait for a body that will not come).
func TestEarlyErrorExpectContinue(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Tokens = []string{"s3cret"} })
	b := newEarlyBody(earlyFileSize)
	u, _ := url.Parse(e.srv.URL)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(conn, "POST /api/repos HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", u.Host, b.contentType, b.length)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer while the client waits for 100 Continue: %v", err)
	}
	body, _ := io.ReadAll(res.Body)
	var r response
	r.status, r.body = res.StatusCode, body
	json.Unmarshal(body, &r.json)
	r.expectError(t, http.StatusUnauthorized, "Missing bearer token")
	if !res.Close {
		t.Error("no Connection: close: the unsent body would be read as the next request")
	}
}

// TestEarlyErrorSmallRestKeepsConnection: when less than smallDrain of the
// body is left, the server reads it before answering and the connection
// serves the next request.
func TestEarlyErrorSmallRestKeepsConnection(t *testing.T) {
	e := newEarlyEnv(t, 0)
	b := newEarlyBody(earlyLimit + earlyLimit/2) // refused after ~1 MiB, ~0.5 MiB left
	u, _ := url.Parse(e.srv.URL)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	fmt.Fprintf(conn, "POST /api/repos HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", u.Host, b.contentType, b.length)
	if _, err := io.Copy(conn, b.reader(earlyRate)); err != nil {
		t.Fatalf("sending the body: %v", err)
	}
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	body, _ := io.ReadAll(res.Body)
	checkEarly413(t, e, res.StatusCode, body)
	if res.Close {
		t.Fatal("Connection: close, but the whole body was read: the connection could have stayed open")
	}
	fmt.Fprintf(conn, "GET /api/limits HTTP/1.1\r\nHost: %s\r\n\r\n", u.Host)
	if res, err = http.ReadResponse(br, nil); err != nil || res.StatusCode != 200 {
		t.Fatalf("next request on the same connection: %v %v", res, err)
	}
}

// TestEarlyErrorOverMaxBody: a body refused by its Content-Length alone
// (a little over -max-body) is read and discarded too, so a client that
// sends it all first still gets the 413.
func TestEarlyErrorOverMaxBody(t *testing.T) {
	const maxBody = 32_000_000
	e := newEnv(t, func(c *Config) { c.MaxBodyBytes = maxBody })
	res, body := sendAllThenRead(t, e, newEarlyBody(maxBody+1000), 30*time.Second)
	var r response
	r.status, r.body = res.StatusCode, body
	json.Unmarshal(body, &r.json)
	r.expectError(t, http.StatusRequestEntityTooLarge, "over the limit of 32000000 bytes")
	e.noTrace()
}
