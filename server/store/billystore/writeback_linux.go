package billystore

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// writebackStarter returns a function that starts the kernel's writeback of
// a byte range of f (sync_file_range SYNC_FILE_RANGE_WRITE), or nil when f
// is not an operating-system file (memfs, osfs's chroot wrapper).
func writebackStarter(f any) func(off, n int64) error {
	sc, ok := f.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return func(off, n int64) error {
		var err error
		if cerr := rc.Control(func(fd uintptr) {
			err = unix.SyncFileRange(int(fd), off, n, unix.SYNC_FILE_RANGE_WRITE)
		}); cerr != nil {
			return cerr
		}
		return err
	}
}
