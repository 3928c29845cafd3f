package racy

import (
	"sync"
	"testing"
)

// One goroutine increments the counter under the mutex, the other
// forgets it: the counter's lockset becomes empty.
func TestCounter(t *testing.T) {
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		counter int
	)
	wg.Add(2)
	go func() {
		defer wg.Done()
		mu.Lock()
		counter++
		mu.Unlock()
	}()
	go func() {
		defer wg.Done()
		counter++ // want race
	}()
	wg.Wait()
}
