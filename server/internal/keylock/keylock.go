// Package keylock locks keys one by one, so that operations on different
// keys never wait for each other: billystore (the check-then-rename of a
// conditional Put) and the resumable uploads (the requests of one blob) use it.
package keylock

import (
	"slices"
	"sync"
)

// Locks is a set of per-key locks; the zero value is ready.
type Locks struct {
	mu sync.Mutex
	m  map[string]*keyLock
}

type keyLock struct {
	sync.Mutex
	users int // holders and waiters; the entry goes when none is left
}

// Lock locks keys (in sorted order, so two callers cannot deadlock) and
// returns the function that unlocks them.
func (k *Locks) Lock(keys ...string) (unlock func()) {
	keys = slices.Clone(keys)
	slices.Sort(keys)
	keys = slices.Compact(keys)
	held := make([]*keyLock, len(keys))
	for i, key := range keys {
		k.mu.Lock()
		if k.m == nil {
			k.m = map[string]*keyLock{}
		}
		l := k.m[key]
		if l == nil {
			l = &keyLock{}
			k.m[key] = l
		}
		l.users++
		k.mu.Unlock()
		l.Lock()
		held[i] = l
	}
	return func() {
		for i := len(keys) - 1; i >= 0; i-- {
			held[i].Unlock()
			k.mu.Lock()
			if held[i].users--; held[i].users == 0 {
				delete(k.m, keys[i])
			}
			k.mu.Unlock()
		}
	}
}
