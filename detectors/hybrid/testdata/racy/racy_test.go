package racy

import (
	"sync"
	"testing"
)

// Each goroutine increments the counter under a mutex, but not the same
// one: nothing orders the increments, and no lock is common to them.
func TestCounter(t *testing.T) {
	var (
		wg       sync.WaitGroup
		mu1, mu2 sync.Mutex
		counter  int
	)
	wg.Add(2)
	for _, mu := range []*sync.Mutex{&mu1, &mu2} {
		go func() {
			defer wg.Done()
			mu.Lock()
			counter++ // want race
			mu.Unlock()
		}()
	}
	wg.Wait()
}
