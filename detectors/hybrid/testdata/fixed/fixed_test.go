package fixed

import (
	"sync"
	"testing"
)

// The racy counter, incremented under a mutex.
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
}
