package billystore

import "io"

// writebackEvery is how many bytes a Put writes between two requests to the
// kernel to start writing them to disk (see writeBehind).
var writebackEvery int64 = 8 << 20

// writeBehind passes writes to a file through and, every writebackEvery
// bytes, asks a background goroutine to start the kernel's writeback of the
// range written since the last request.
//
// Why: without it the kernel keeps a large upload in the page cache until
// the final fsync (or until dirty pages pass vm.dirty_background_ratio), so
// the disk idles while the body arrives and the fsync then writes the whole
// file with the client waiting: a 1 GiB upload spent half its time in
// fsync. Started early, the disk writes while the network receives, and the
// fsync only waits for the tail. The request is asynchronous (Linux
// sync_file_range with SYNC_FILE_RANGE_WRITE: it does not wait for the
// disk, and makes nothing durable: the fsync before the rename still does),
// and it runs on its own goroutine because it can block while the disk's
// queue is full; the receiving goroutine never waits for it.
type writeBehind struct {
	w       io.Writer
	start   func(off, n int64) error // starts writeback of [off, off+n)
	written int64                    // file offset after the last write
	queued  int64                    // end of the last range handed over
	ranges  chan [2]int64            // capacity 1: a busy flusher coalesces ranges
	done    chan struct{}
}

// newWriteBehind wraps w, whose next write lands at file offset off; start
// is the platform's writeback request (nil: plain writes, no goroutine).
func newWriteBehind(w io.Writer, off int64, start func(off, n int64) error) *writeBehind {
	wb := &writeBehind{w: w, start: start, written: off, queued: off}
	if start == nil {
		return wb
	}
	wb.ranges = make(chan [2]int64, 1)
	wb.done = make(chan struct{})
	go wb.flush()
	return wb
}

func (wb *writeBehind) Write(p []byte) (int, error) {
	n, err := wb.w.Write(p)
	wb.written += int64(n)
	if wb.ranges != nil && wb.written-wb.queued >= writebackEvery {
		select {
		case wb.ranges <- [2]int64{wb.queued, wb.written - wb.queued}:
			wb.queued = wb.written
		default: // the flusher is busy and one range waits: send a longer one next time
		}
	}
	return n, err
}

// flush starts writeback of each range it receives; after a failure (a
// filesystem without sync_file_range, say) it only drains the channel: the
// requests are an optimisation, the fsync is what makes data durable.
func (wb *writeBehind) flush() {
	defer close(wb.done)
	failed := false
	for r := range wb.ranges {
		if !failed && wb.start(r[0], r[1]) != nil {
			failed = true
		}
	}
}

// stop ends the goroutine and waits for it, so no writeback request runs
// after the file is synced and closed.
func (wb *writeBehind) stop() {
	if wb.ranges == nil {
		return
	}
	close(wb.ranges)
	<-wb.done
	wb.ranges = nil
}
