// Case: atomic.AddInt64 in a goroutine races with a plain read of the same int64 counter.
// Classes: hb atomicmix
// Deterministic: hb atomicmix

package atomicmix

import (
	"sync"
	"sync/atomic"
	"testing"
)

// The worker counts with sync/atomic, but the test reads the counter with a
// plain load while the worker may still be running: nothing orders the two,
// whichever runs first.
func TestRaceAtomicAddPlainRead(t *testing.T) {
	var hits int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		atomic.AddInt64(&hits, 1)
	}()
	if hits > 1 { // want race atomicmix
		t.Errorf("hits = %d, want at most 1", hits)
	}
	wg.Wait()
}

func TestNoRaceAtomicAddPlainRead(t *testing.T) {
	var hits int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		atomic.AddInt64(&hits, 1)
	}()
	if n := atomic.LoadInt64(&hits); n > 1 {
		t.Errorf("hits = %d, want at most 1", n)
	}
	wg.Wait()
}
