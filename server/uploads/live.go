package uploads

import (
	"sync"

	"github.com/oxdrop/oxdrop/core/describe"
)

// liveHashes keeps the streaming hash (a describe.Analyzer) of blobs being
// received, between their pieces, so a blob whose pieces all reach this
// process is verified as it arrives instead of being read again at the
// end. It is only a cache: a blob whose earlier pieces went elsewhere (a
// restart, another Workers isolate, an entry evicted) is read back once
// complete. Bounded: a few KiB per entry, at most max entries.
type liveHashes struct {
	mu   sync.Mutex
	max  int
	tick uint64
	m    map[string]*liveHash
}

type liveHash struct {
	a      *describe.Analyzer
	offset int64  // bytes a has seen
	used   uint64 // for eviction: the least recently used goes first
}

func newLiveHashes(max int) *liveHashes {
	return &liveHashes{max: max, m: map[string]*liveHash{}}
}

// take hands out the hash of blob hash of upload id if it has seen exactly
// offset bytes (a fresh one at offset 0), removing it from the cache while
// a piece is written; nil when the bytes before offset went by elsewhere.
func (l *liveHashes) take(id, hash string, offset int64) *describe.Analyzer {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.m[id+"/"+hash]
	delete(l.m, id+"/"+hash)
	switch {
	case e != nil && e.offset == offset:
		return e.a
	case offset == 0:
		return describe.NewAnalyzer()
	}
	return nil
}

// put returns a hash after a piece was stored whole.
func (l *liveHashes) put(id, hash string, offset int64, a *describe.Analyzer) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.m) >= l.max {
		var oldest string
		for k, e := range l.m {
			if oldest == "" || e.used < l.m[oldest].used {
				oldest = k
			}
		}
		delete(l.m, oldest)
	}
	l.tick++
	l.m[id+"/"+hash] = &liveHash{a: a, offset: offset, used: l.tick}
}

func (l *liveHashes) drop(id, hash string) {
	l.mu.Lock()
	delete(l.m, id+"/"+hash)
	l.mu.Unlock()
}
