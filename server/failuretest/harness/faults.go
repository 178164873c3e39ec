//go:build unix

package harness

import (
	"errors"
	"io"
)

// ErrCut is what a Cut reader returns after its budget: the HTTP client then
// abandons the request and closes the connection mid-body.
var ErrCut = errors.New("harness: upload cut on purpose")

// Cut passes the first n bytes of r, then calls at (if set; for example to
// kill the server at exactly that point of the upload) and fails with
// ErrCut.
func Cut(r io.Reader, n int64, at func()) io.Reader {
	return &cut{r: r, left: n, at: at}
}

type cut struct {
	r    io.Reader
	left int64
	at   func()
}

func (c *cut) Read(p []byte) (int, error) {
	if c.left <= 0 {
		if c.at != nil {
			c.at()
			c.at = nil
		}
		return 0, ErrCut
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}
