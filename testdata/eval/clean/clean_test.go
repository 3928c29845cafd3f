package clean

import (
	"sync"
	"testing"
)

func TestConcurrentHits(t *testing.T) {
	var c Counter
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.Hit()
		}()
	}
	wg.Wait()
	if c.N() != 4 {
		t.Errorf("N() = %d, want 4", c.N())
	}
}
