// Package fullfs wraps a go-billy filesystem so that it runs out of space:
// after a budget of bytes written (across all files), every write fails with
// ENOSPC, as a full disk would, having written what still fitted. It lets a
// test fill the disk at any chosen point of an upload without a real device.
package fullfs

import (
	"io/fs"
	"os"
	"sync"
	"syscall"

	"github.com/go-git/go-billy/v5"
)

// FS is a billy.Filesystem with a shared byte budget for writes.
type FS struct {
	billy.Filesystem
	budget *budget
}

type budget struct {
	mu      sync.Mutex
	left    int64
	written int64
	failed  int // writes refused for lack of space
}

// New wraps fsys with room for limit more bytes.
func New(fsys billy.Filesystem, limit int64) *FS {
	return &FS{Filesystem: fsys, budget: &budget{left: limit}}
}

// SetLimit gives the filesystem room for limit more bytes from now on
// (freeing space after a test has filled it).
func (f *FS) SetLimit(limit int64) {
	f.budget.mu.Lock()
	f.budget.left = limit
	f.budget.mu.Unlock()
}

// Written is the number of bytes written through the wrapper so far.
func (f *FS) Written() int64 {
	f.budget.mu.Lock()
	defer f.budget.mu.Unlock()
	return f.budget.written
}

// Refused is the number of writes that failed for lack of space.
func (f *FS) Refused() int {
	f.budget.mu.Lock()
	defer f.budget.mu.Unlock()
	return f.budget.failed
}

// take reserves up to n bytes and returns how many fit.
func (b *budget) take(n int) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	fit := int64(n)
	if fit > b.left {
		fit = max(b.left, 0)
		b.failed++
	}
	b.left -= fit
	b.written += fit
	return int(fit)
}

func (f *FS) wrap(file billy.File, err error) (billy.File, error) {
	if err != nil {
		return nil, err
	}
	return &File{File: file, budget: f.budget}, nil
}

// Create implements billy.Basic.
func (f *FS) Create(name string) (billy.File, error) { return f.wrap(f.Filesystem.Create(name)) }

// OpenFile implements billy.Basic.
func (f *FS) OpenFile(name string, flag int, perm os.FileMode) (billy.File, error) {
	return f.wrap(f.Filesystem.OpenFile(name, flag, perm))
}

// TempFile implements billy.TempFile.
func (f *FS) TempFile(dir, prefix string) (billy.File, error) {
	return f.wrap(f.Filesystem.TempFile(dir, prefix))
}

// Chroot implements billy.Chroot; the sub-filesystem shares the budget.
func (f *FS) Chroot(path string) (billy.Filesystem, error) {
	sub, err := f.Filesystem.Chroot(path)
	if err != nil {
		return nil, err
	}
	return &FS{Filesystem: sub, budget: f.budget}, nil
}

// File is a billy.File whose writes draw on the filesystem's budget.
type File struct {
	billy.File
	budget *budget
}

// Write writes what fits and fails with ENOSPC for the rest.
func (f *File) Write(p []byte) (int, error) {
	fit := f.budget.take(len(p))
	n, err := f.File.Write(p[:fit])
	if err != nil {
		return n, err
	}
	if fit < len(p) {
		return n, &fs.PathError{Op: "write", Path: f.Name(), Err: syscall.ENOSPC}
	}
	return n, nil
}

// Sync passes through to the wrapped file when it can sync.
func (f *File) Sync() error {
	if s, ok := f.File.(interface{ Sync() error }); ok {
		return s.Sync()
	}
	return nil
}
