package billystore

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"
)

// beneath resolves whole names with openat2(2) and RESOLVE_BENEATH (Linux
// 5.6+): the kernel walks a name of d folders in one call, d dentry-cache
// lookups, where os.Root opens and closes each folder (2d system calls).
// The kernel refuses any step out of the root: "..", an absolute symlink
// or one that climbs out, a /proc magic link; a symlink that stays under
// the root is followed, as os.Root does. Nil where openat2 is missing or
// forbidden (old kernels, some seccomp filters): rootSpace then uses the
// os.Root calls.
type beneath struct {
	path string   // the root's absolute name
	dir  *os.File // the root, opened O_PATH
	fd   int
}

func newBeneath(dir string) *beneath {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil
	}
	f, err := os.OpenFile(abs, unix.O_PATH|unix.O_DIRECTORY, 0)
	if err != nil {
		return nil
	}
	b := &beneath{path: abs, dir: f, fd: int(f.Fd())}
	fd, err := b.openat(".", unix.O_PATH)
	if err != nil {
		f.Close()
		return nil
	}
	unix.Close(fd)
	return b
}

// openat opens name under the root with flags.
func (b *beneath) openat(name string, flags int) (int, error) {
	how := unix.OpenHow{
		Flags:   uint64(flags | unix.O_CLOEXEC),
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_MAGICLINKS,
	}
	for try := 0; ; try++ {
		fd, err := unix.Openat2(b.fd, name, &how)
		runtime.KeepAlive(b.dir)
		// EAGAIN: a rename elsewhere raced the resolution of a ".." (in a
		// symlink's target; keys have none); EINTR: a signal.
		if (err == unix.EAGAIN || err == unix.EINTR) && try < 8 {
			continue
		}
		if err != nil {
			return -1, &fs.PathError{Op: "openat2", Path: name, Err: err}
		}
		return fd, nil
	}
}

func (b *beneath) open(name string) (*os.File, error) {
	fd, err := b.openat(name, unix.O_RDONLY)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), name), nil
}

func (b *beneath) stat(name string) (fs.FileInfo, error) {
	fd, err := b.openat(name, unix.O_PATH)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), name)
	defer f.Close()
	return f.Stat()
}

// parent opens name's folder (O_PATH) and returns it with name's last
// segment; close is nil for the root itself.
func (b *beneath) parent(name string) (fd int, base string, close func(), err error) {
	dir, base := path.Split(name)
	if dir == "" {
		return b.fd, base, nil, nil
	}
	fd, err = b.openat(dir, unix.O_PATH|unix.O_DIRECTORY)
	if err != nil {
		return -1, "", nil, err
	}
	return fd, base, func() { unix.Close(fd) }, nil
}

// rename renames one file to another. Where neither folder has a symlink
// on its way (always, for oxdrop's own data) it renames by full name, as
// go-billy's BoundOS did, so a trace (failuretest's strace test) shows
// whole names; the check and the rename are two calls, as they were with
// BoundOS. Otherwise it renames within the two folders as openat2
// resolved them. renameat refuses to replace a folder with a file (EISDIR)
// and never follows a symlink named by a last segment.
func (b *beneath) rename(from, to string) error {
	var err error
	if b.plain(path.Dir(from)) && b.plain(path.Dir(to)) {
		err = unix.Renameat(unix.AT_FDCWD, filepath.Join(b.path, from), unix.AT_FDCWD, filepath.Join(b.path, to))
	} else {
		err = b.renameAt(from, to)
	}
	if errors.Is(err, syscall.EISDIR) {
		return errors.New("a folder of other keys has that name")
	}
	if err != nil {
		var pathErr *fs.PathError
		if errors.As(err, &pathErr) {
			return err
		}
		return &os.LinkError{Op: "renameat", Old: from, New: to, Err: err}
	}
	return nil
}

// plain tells whether the folder dir resolves under the root without
// following any symlink.
func (b *beneath) plain(dir string) bool {
	how := unix.OpenHow{
		Flags:   unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS,
	}
	fd, err := unix.Openat2(b.fd, dir, &how)
	runtime.KeepAlive(b.dir)
	if err != nil {
		return false
	}
	unix.Close(fd)
	return true
}

// renameAt renames within from's and to's folders, opened with openat2.
func (b *beneath) renameAt(from, to string) error {
	ffd, fbase, fclose, err := b.parent(from)
	if err != nil {
		return err
	}
	if fclose != nil {
		defer fclose()
	}
	tfd, tbase, tclose, err := b.parent(to)
	if err != nil {
		return err
	}
	if tclose != nil {
		defer tclose()
	}
	err = unix.Renameat(ffd, fbase, tfd, tbase)
	runtime.KeepAlive(b.dir)
	return err
}

// remove removes a file (never a folder: unlinkat without AT_REMOVEDIR).
func (b *beneath) remove(name string) error {
	fd, base, closeFd, err := b.parent(name)
	if err != nil {
		return err
	}
	if closeFd != nil {
		defer closeFd()
	}
	err = unix.Unlinkat(fd, base, 0)
	runtime.KeepAlive(b.dir)
	if err != nil {
		return &fs.PathError{Op: "unlinkat", Path: name, Err: err}
	}
	return nil
}
