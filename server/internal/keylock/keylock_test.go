package keylock

import (
	"sync"
	"testing"
	"time"
)

func TestLocks(t *testing.T) {
	var k Locks
	unlock := k.Lock("a", "b")
	// Another key is free at once.
	k.Lock("c")()
	// The same key waits for the holder.
	got := make(chan struct{})
	go func() { k.Lock("b", "a")(); close(got) }()
	select {
	case <-got:
		t.Fatal("a held key was taken")
	case <-time.After(20 * time.Millisecond):
	}
	unlock()
	<-got
	if len(k.m) != 0 {
		t.Errorf("entries left after every unlock: %v", k.m)
	}
}

// TestLocksNoDeadlock: callers locking the same keys in opposite orders
// never deadlock (keys are taken sorted).
func TestLocksNoDeadlock(t *testing.T) {
	var k Locks
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(2)
		go func() { defer wg.Done(); k.Lock("x", "y")() }()
		go func() { defer wg.Done(); k.Lock("y", "x", "y")() }()
	}
	wg.Wait()
}
