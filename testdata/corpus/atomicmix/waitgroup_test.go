// Case: an int64 total summed with atomic.AddInt64 is read plainly after wg.Wait: ordered, but mixed.
// Classes: atomicmix
// Deterministic: atomicmix

package atomicmix

import (
	"sync"
	"sync/atomic"
	"testing"
)

// wg.Wait orders every AddInt64 before the plain read, so this is not a
// data race and happens-before detectors stay silent; but the variable is
// accessed both atomically and plainly, which only the atomicmix class
// reports (a later change that moves the read before Wait races silently).
func TestAtomicMixWaitGroupOrdered(t *testing.T) {
	var total int64
	var wg sync.WaitGroup
	for i := 1; i <= 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			atomic.AddInt64(&total, int64(i))
		}()
	}
	wg.Wait()
	if total != 10 { // want atomicmix
		t.Errorf("total = %d, want 10", total)
	}
}

func TestNoAtomicMixWaitGroupOrdered(t *testing.T) {
	var total int64
	var wg sync.WaitGroup
	for i := 1; i <= 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			atomic.AddInt64(&total, int64(i))
		}()
	}
	wg.Wait()
	if n := atomic.LoadInt64(&total); n != 10 {
		t.Errorf("total = %d, want 10", n)
	}
}
