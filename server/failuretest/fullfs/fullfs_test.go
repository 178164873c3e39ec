package fullfs

import (
	"errors"
	"io"
	"os"
	"syscall"
	"testing"

	"github.com/go-git/go-billy/v5/memfs"
)

func TestBudget(t *testing.T) {
	tests := []struct {
		name        string
		limit       int64
		writes      []int
		wantWritten int64
		wantFailAt  int // index of the first failing write, -1 for none
	}{
		{"fits", 10, []int{4, 6}, 10, -1},
		{"partial write then ENOSPC", 10, []int{4, 8}, 10, 1},
		{"no room at all", 0, []int{1}, 0, 0},
		{"zero-length write with no room", 0, []int{0}, 0, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := New(memfs.New(), tt.limit)
			f, err := fsys.OpenFile("a/b", os.O_CREATE|os.O_WRONLY, 0o644)
			if err != nil {
				t.Fatal(err)
			}
			failAt := -1
			for i, n := range tt.writes {
				if _, err := f.Write(make([]byte, n)); err != nil {
					if !errors.Is(err, syscall.ENOSPC) {
						t.Fatalf("write %d: %v, want ENOSPC", i, err)
					}
					failAt = i
					break
				}
			}
			f.Close()
			if failAt != tt.wantFailAt || fsys.Written() != tt.wantWritten {
				t.Errorf("first failure at %d, written %d; want %d, %d", failAt, fsys.Written(), tt.wantFailAt, tt.wantWritten)
			}
			// What was written is really in the file, as on a full disk.
			r, _ := fsys.Open("a/b")
			b, _ := io.ReadAll(r)
			if int64(len(b)) != tt.wantWritten {
				t.Errorf("file holds %d bytes, want %d", len(b), tt.wantWritten)
			}
		})
	}
}

func TestChrootSharesBudget(t *testing.T) {
	fsys := New(memfs.New(), 5)
	sub, err := fsys.Chroot("x")
	if err != nil {
		t.Fatal(err)
	}
	f, _ := sub.Create("y")
	if _, err := f.Write(make([]byte, 6)); !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("write through chroot: %v, want ENOSPC", err)
	}
	fsys.SetLimit(100)
	if _, err := f.Write(make([]byte, 6)); err != nil {
		t.Errorf("after SetLimit: %v", err)
	}
}
