package fixed

import (
	"sync"
	"sync/atomic"
	"testing"
)

// The racy counter, read with sync/atomic too.
func TestCounter(t *testing.T) {
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
