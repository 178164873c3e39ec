package billystore

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// osWriteback controls an operating-system file's writeback with
// sync_file_range and posix_fadvise.
type osWriteback struct{ rc syscall.RawConn }

// newWriteback returns f's writeback control, or nil when f is not an
// operating-system file (memfs, osfs's chroot wrapper).
func newWriteback(f any) writeback {
	sc, ok := f.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return osWriteback{rc}
}

func (w osWriteback) start(off, n int64) error {
	return w.control(func(fd int) error {
		return unix.SyncFileRange(fd, off, n, unix.SYNC_FILE_RANGE_WRITE)
	})
}

func (w osWriteback) retire(off, n int64) error {
	return w.control(func(fd int) error {
		const wait = unix.SYNC_FILE_RANGE_WAIT_BEFORE | unix.SYNC_FILE_RANGE_WRITE | unix.SYNC_FILE_RANGE_WAIT_AFTER
		if err := unix.SyncFileRange(fd, off, n, wait); err != nil {
			return err
		}
		return unix.Fadvise(fd, off, n, unix.FADV_DONTNEED)
	})
}

func (w osWriteback) control(op func(fd int) error) error {
	var err error
	if cerr := w.rc.Control(func(fd uintptr) { err = op(int(fd)) }); cerr != nil {
		return cerr
	}
	return err
}
