package racy

import (
	"sync"
	"sync/atomic"
	"testing"
)

// A worker counts with sync/atomic; the test reads the counter with a
// plain load while the worker may still run.
func TestCounter(t *testing.T) {
	var hits int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		atomic.AddInt64(&hits, 1)
	}()
	if hits > 1 { // want atomicmix
		t.Errorf("hits = %d, want at most 1", hits)
	}
	wg.Wait()
}
