package billystore

import "io"

// writebackEvery is how many bytes a Put writes between two requests to the
// kernel to start writing them to disk (see writeBehind).
var writebackEvery int64 = 8 << 20

// writeback is the platform's control of a file's writeback.
type writeback interface {
	// start begins writing the range to disk and does not wait.
	start(off, n int64) error
	// retire waits until the range is on disk and drops it from the page
	// cache.
	retire(off, n int64) error
}

// writeBehind passes writes to a file through and, every writebackEvery
// bytes, hands the range written since the last time to a background
// goroutine, which starts its writeback and retires the range before it.
//
// Why start early: without it the kernel keeps a large upload in the page
// cache until the final fsync (or until dirty pages pass
// vm.dirty_background_ratio), so the disk idles while the body arrives and
// the fsync then writes the whole file with the client waiting: a 1 GiB
// upload spent half its time in fsync. Started early, the disk writes while
// the network receives, and the fsync only waits for the tail. Starting is
// asynchronous (Linux sync_file_range with SYNC_FILE_RANGE_WRITE) and makes
// nothing durable: the fsync before the rename still does.
//
// Why retire: a multi-GiB upload otherwise fills the page cache with dirty
// and then clean pages of a file nobody reads again soon; past
// vm.dirty_background_ratio the kernel throttles the writer, and every page
// is a fresh allocation (on the benchmark VM, whose freed memory goes back
// to the host, a fresh page costs a host fault: the copy into the page
// cache ran at about 1 GB/s for a 2 GiB upload). Dropping each range once
// it is on disk keeps the cache small and its pages reused, like a plain
// streaming writer that knows its data is cold.
//
// Both run on the flusher goroutine because they can block (a full disk
// queue, waiting for the range); the receiving goroutine never waits for
// them.
type writeBehind struct {
	w       io.Writer
	wb      writeback     // nil: plain writes, no goroutine
	written int64         // file offset after the last write
	queued  int64         // end of the last range handed over
	ranges  chan [2]int64 // capacity 1: a busy flusher coalesces ranges
	done    chan struct{}
}

// newWriteBehind wraps w, whose next write lands at file offset off.
func newWriteBehind(w io.Writer, off int64, wb writeback) *writeBehind {
	b := &writeBehind{w: w, wb: wb, written: off, queued: off}
	if wb == nil {
		return b
	}
	b.ranges = make(chan [2]int64, 1)
	b.done = make(chan struct{})
	go b.flush()
	return b
}

func (b *writeBehind) Write(p []byte) (int, error) {
	n, err := b.w.Write(p)
	b.written += int64(n)
	if b.ranges != nil && b.written-b.queued >= writebackEvery {
		select {
		case b.ranges <- [2]int64{b.queued, b.written - b.queued}:
			b.queued = b.written
		default: // the flusher is busy and one range waits: send a longer one next time
		}
	}
	return n, err
}

// flush starts each range it receives, then retires the one before. After
// a failure (a filesystem without sync_file_range, say) it only drains the
// channel: all this is an optimisation, the fsync is what makes data
// durable.
func (b *writeBehind) flush() {
	defer close(b.done)
	failed := false
	var prev [2]int64
	for r := range b.ranges {
		if failed {
			continue
		}
		if b.wb.start(r[0], r[1]) != nil {
			failed = true
			continue
		}
		if prev[1] > 0 && b.wb.retire(prev[0], prev[1]) != nil {
			failed = true
		}
		prev = r
	}
}

// stop ends the goroutine and waits for it, so nothing runs on the file
// after it is synced and closed. The last range is not retired: the fsync
// writes it, and the caller reads the file's head and tail back.
func (b *writeBehind) stop() {
	if b.ranges == nil {
		return
	}
	close(b.ranges)
	<-b.done
	b.ranges = nil
}
