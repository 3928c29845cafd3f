package fixed

import (
	"sync"
	"testing"
)

// The counter of racy, incremented under a mutex.
func TestCounter(t *testing.T) {
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		counter int
	)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mu.Lock()
			counter++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if counter != 2 {
		t.Errorf("counter = %d, want 2", counter)
	}
}
