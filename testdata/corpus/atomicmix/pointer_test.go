// Case: a struct's int64 field bumped with legacy atomic.AddInt64 races with a plain read through an *int64; the twin uses atomic.Int64.
// Classes: hb atomicmix
// Deterministic: hb atomicmix

package atomicmix

import (
	"sync"
	"sync/atomic"
	"testing"
)

type legacyCounters struct {
	requests int64 // accessed with the sync/atomic functions, by convention only
}

func (c *legacyCounters) inc() {
	atomic.AddInt64(&c.requests, 1)
}

// readCounter reads any counter through a pointer: a plain load, which the
// int64 type does not prevent.
func readCounter(p *int64) int64 {
	return *p // want race atomicmix
}

func TestRaceLegacyAtomicPointerRead(t *testing.T) {
	c := new(legacyCounters)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c.inc()
	}()
	if n := readCounter(&c.requests); n > 1 {
		t.Errorf("requests = %d, want at most 1", n)
	}
	wg.Wait()
}

// With the atomic.Int64 type the field cannot be read plainly: its value is
// unexported and Load is the only way to it.
type typedCounters struct {
	requests atomic.Int64
}

func (c *typedCounters) inc() {
	c.requests.Add(1)
}

func TestNoRaceLegacyAtomicPointerRead(t *testing.T) {
	c := new(typedCounters)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c.inc()
	}()
	if n := c.requests.Load(); n > 1 {
		t.Errorf("requests = %d, want at most 1", n)
	}
	wg.Wait()
}
