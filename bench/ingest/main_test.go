//go:build unix

package main

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestWideCSV(t *testing.T) {
	var want bytes.Buffer
	for i := range 3 {
		if i > 0 {
			want.WriteByte(',')
		}
		fmt.Fprintf(&want, "feature_%05d", i)
	}
	want.WriteString("\n7,8,9\n")
	// Read through a tiny buffer: cells are cut across reads.
	got, err := io.ReadAll(io.LimitReader(iotest.OneByteReader(newWideCSV(3, 7)), 1<<20))
	if err != nil || string(got) != want.String() {
		t.Fatalf("%q, %v; want %q", got, err, want.String())
	}
}

func TestCounted(t *testing.T) {
	answer := `{"status":"success","status_message":"resource_found","repository":{},"metadata_entries":[{"filename":"a"},{"filename":"b"},{"filename":"c"}]}` + "\n"
	for _, size := range []int{1, 2, 5, 11, 1000} {
		c := &counted{status: 200}
		if _, err := io.CopyBuffer(c, struct{ io.Reader }{strings.NewReader(answer)}, make([]byte, size)); err != nil {
			t.Fatal(err)
		}
		if err := c.check(3, "resource_found"); err != nil || c.n != int64(len(answer)) {
			t.Errorf("writes of %d: %v, %d bytes", size, err, c.n)
		}
		if c.check(2, "resource_found") == nil || c.check(3, "resource_created") == nil {
			t.Errorf("writes of %d: wrong counts or message accepted", size)
		}
	}
}
