package racy

import (
	"sync"
	"testing"
)

// Two goroutines increment a counter with nothing ordering them.
func TestCounter(t *testing.T) {
	var wg sync.WaitGroup
	counter := 0
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			counter++ // want race
		}()
	}
	wg.Wait()
}
