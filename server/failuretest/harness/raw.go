//go:build unix

package harness

import (
	"fmt"
	"io"
	"net"
	"net/url"
	"time"
)

// SendPartial opens a raw TCP connection to base, sends the headers of a
// POST /api/repos with body's full Content-Length, then only the first n
// bytes of the body, and returns the open connection: the caller decides
// what happens next (stall, close, kill the server). With n = body.Length
// the whole request is sent and no more than the kernel's buffering stands
// between it and the server.
func SendPartial(base string, body Body, n int64) (net.Conn, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	conn, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
	if err != nil {
		return nil, err
	}
	head := fmt.Sprintf("POST /api/repos HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
		u.Host, body.ContentType, body.Length)
	if _, err := io.WriteString(conn, head); err != nil {
		conn.Close()
		return nil, err
	}
	if _, err := io.CopyN(conn, body, n); err != nil {
		conn.Close()
		return nil, fmt.Errorf("sending %d body bytes: %w", n, err)
	}
	return conn, nil
}
