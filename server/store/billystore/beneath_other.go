//go:build !linux

package billystore

import (
	"io/fs"
	"os"
)

// beneath is Linux's openat2; elsewhere rootSpace uses os.Root's calls.
type beneath struct{}

func newBeneath(string) *beneath { return nil }

func (*beneath) open(string) (*os.File, error)    { panic("unreachable") }
func (*beneath) stat(string) (fs.FileInfo, error) { panic("unreachable") }
func (*beneath) rename(string, string) error      { panic("unreachable") }
func (*beneath) remove(string) error              { panic("unreachable") }
